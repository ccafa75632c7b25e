/* DMA descriptors that must not run: each sets STATUS.error with its cause and
 * the offending address, raises the error interrupt (the handler below sees
 * it through the PLIC and clears it, as a driver would), and writes nothing,
 * not even the part of a footprint that lies inside memory. */
#include <stdio.h>

#include "dma_test.h"

#define DMA(off) VTPU_MMIO32(vtpu_soc.dma + (off))
#define WINDOW 8192u

static volatile int errors, dones;
static volatile uint32_t seen_cause, seen_status;
static volatile uint64_t seen_address;
static uint8_t src[4096];
static uint8_t want[WINDOW];

void vtpu_external_interrupt(uint32_t source, struct vtpu_trap_frame* frame) {
  (void)frame;
  if (source == VTPU_IRQ_DMA_ERROR) {
    ++errors;
    seen_status = DMA(VTPU_DMA_STATUS);
    seen_cause = vtpu_dma_cause();
    seen_address = vtpu_dma_error_address();
    DMA(VTPU_DMA_STATUS) = VTPU_DMA_STATUS_ERROR;
  } else if (source == VTPU_IRQ_DMA_DONE) {
    ++dones;
    DMA(VTPU_DMA_STATUS) = VTPU_DMA_STATUS_DONE;
  }
}

static void wait_for(volatile int* counter, int value) {
  for (int i = 0; *counter < value && i < 100000; ++i) __asm__ volatile("wfi");
  CHECK_EQ(*counter, value);
}

/* Runs a descriptor that must fail with `cause` at `address`. */
static void expect_error(const vtpu_dma_desc* d, uint32_t cause, uint64_t address) {
  const int e = errors, k = dones;
  vtpu_dma_start(d);
  wait_for(&errors, e + 1);
  CHECK(seen_status & VTPU_DMA_STATUS_ERROR);
  CHECK_EQ(seen_cause, cause);
  CHECK_EQ((uint32_t)seen_address, (uint32_t)address);
  CHECK_EQ((uint32_t)(seen_address >> 32), (uint32_t)(address >> 32));
  CHECK_EQ(dones, k);
  CHECK_EQ(DMA(VTPU_DMA_STATUS), 0);
}

int main(void) {
  vtpu_dma_init();
  csr_set(mstatus, MSTATUS_MIE);
  fill(src, sizeof src, 9);
  const uint32_t vmem_size = CHIPINFO(VTPU_CHIPINFO_VMEM_SIZE);
  uint8_t* vmem_end = vmem() + vmem_size;
  memset(vmem_end - WINDOW, 0x77, WINDOW);
  memset(want, 0x77, WINDOW);

  /* Source runs past the end of HBM. */
  const uint64_t hbm_end = hbm_base() + hbm_size();
  vtpu_dma_desc d = vtpu_dma_linear(hbm_end - 16, addr_of(vmem_end - WINDOW), 32);
  expect_error(&d, VTPU_DMA_CAUSE_SRC_RANGE, hbm_end - 16);

  /* Destination straddles the end of VMEM. */
  d = vtpu_dma_linear(addr_of(src), addr_of(vmem_end - 8), 16);
  expect_error(&d, VTPU_DMA_CAUSE_DST_RANGE, addr_of(vmem_end - 8));

  /* 4-D: only the last block leaves VMEM; no byte may be written. */
  d = vtpu_dma_linear(addr_of(src), addr_of(vmem_end - WINDOW), 16);
  d.size[1] = 4;
  d.size[2] = 2;
  d.size[3] = 3;
  d.dst_stride[0] = 32;
  d.dst_stride[1] = 256;
  d.dst_stride[2] = WINDOW / 2 - 100; /* block 2 starts 200 bytes before the end */
  d.src_stride[0] = 16;
  d.src_stride[1] = 64;
  d.src_stride[2] = 128;
  expect_error(&d, VTPU_DMA_CAUSE_DST_RANGE, addr_of(vmem_end - WINDOW));
  CHECK_SAME(vmem_end - WINDOW, want, WINDOW);

  /* A zero size. */
  d = vtpu_dma_linear(addr_of(src), addr_of(vmem()), 16);
  d.size[2] = 0;
  expect_error(&d, VTPU_DMA_CAUSE_ZERO_SIZE, 0);

  /* Destination is a register block, not memory; source in an unmapped gap. */
  d = vtpu_dma_linear(addr_of(src), vtpu_soc.uart, 4);
  expect_error(&d, VTPU_DMA_CAUSE_DST_RANGE, vtpu_soc.uart);
  d = vtpu_dma_linear(0x40000000u, addr_of(vmem()), 4);
  expect_error(&d, VTPU_DMA_CAUSE_SRC_RANGE, 0x40000000u);
  CHECK_SAME(vmem_end - WINDOW, want, WINDOW);

  /* START while a copy runs: an error for the second, the first completes. */
  const int k = dones, e = errors;
  d = vtpu_dma_linear(hbm_base(), addr_of(vmem()), 256 * 1024);
  vtpu_dma_start(&d);
  vtpu_dma_start(&d);
  wait_for(&errors, e + 1);
  CHECK_EQ(seen_cause, VTPU_DMA_CAUSE_BUSY);
  wait_for(&dones, k + 1);

  /* The engine still works: a copy into the window's middle changes only it. */
  d = vtpu_dma_linear(addr_of(src), addr_of(vmem_end - WINDOW + 100), 1000);
  vtpu_dma_start(&d);
  wait_for(&dones, k + 2);
  memcpy(want + 100, src, 1000);
  CHECK_SAME(vmem_end - WINDOW, want, WINDOW);

  printf("PASS dma_errors: %d errors, %d completions\n", errors, dones);
  return 0;
}
