/* The AXI4 master example (rtl/examples/axi_copy) behind the bridge: a
 * 64 KiB copy in core RAM checked byte for byte (and the bytes around it
 * untouched), with the burst count its documented rule gives and its
 * completion interrupt; the same bytes through HBM into VMEM in 256-beat
 * bursts; and its errors: a length that is not a multiple of 8, a copy to
 * an address nothing answers (DECERR), a MAX_BEATS the block refuses (SLVERR,
 * a store access fault). */
#include <stdio.h>
#include <string.h>

#include "axi_test.h"

#define ID 0x41584943u
#define SRC_LO 0x08u
#define SRC_HI 0x0cu
#define DST_LO 0x10u
#define DST_HI 0x14u
#define LEN 0x18u
#define CTRL 0x1cu
#define STATUS 0x20u
#define BURSTS 0x24u
#define MAX_BEATS 0x28u
#define ERR_LO 0x2cu
#define ERR_HI 0x30u
#define START 1u
#define IRQ_ON 2u
#define BUSY 1u
#define DONE 2u
#define ERROR 4u

#define SIZE 65536u
#define GUARD 64u

static uint32_t base;
#define REG(off) VTPU_MMIO32(base + (off))

/* Offsets that put both ends of the copy off any 4 KiB boundary. */
static uint8_t src[SIZE + 4096] __attribute__((aligned(4096)));
static uint8_t dst[SIZE + 4096 + GUARD] __attribute__((aligned(4096)));

static volatile uint32_t interrupts, irq_status, faults, fault_cause;

void vtpu_external_interrupt(uint32_t source, struct vtpu_trap_frame* frame) {
  (void)source;
  (void)frame;
  irq_status = REG(STATUS);
  REG(STATUS) = DONE | ERROR; /* clear: the line drops */
  ++interrupts;
}

void vtpu_exception(struct vtpu_trap_frame* frame) {
  ++faults;
  fault_cause = frame->mcause;
  frame->mepc += insn_length(frame->mepc);
}

/* The bursts the block's rule gives: at most max beats of 8 bytes, none
 * past the copy's end or a 4 KiB boundary of either side. */
static uint32_t bursts_for(uint64_t s, uint64_t d, uint32_t len, uint32_t max) {
  uint32_t n = 0;
  while (len > 0) {
    uint32_t beats = max;
    if (len / 8 < beats) beats = len / 8;
    if ((4096 - s % 4096) / 8 < beats) beats = (uint32_t)((4096 - s % 4096) / 8);
    if ((4096 - d % 4096) / 8 < beats) beats = (uint32_t)((4096 - d % 4096) / 8);
    s += 8u * beats;
    d += 8u * beats;
    len -= 8u * beats;
    ++n;
  }
  return n;
}

static void program(uint64_t from, uint64_t to, uint32_t len, uint32_t ctrl) {
  REG(SRC_LO) = (uint32_t)from;
  REG(SRC_HI) = (uint32_t)(from >> 32);
  REG(DST_LO) = (uint32_t)to;
  REG(DST_HI) = (uint32_t)(to >> 32);
  REG(LEN) = len;
  REG(CTRL) = ctrl;
}

static void wait_idle(void) {
  while (REG(STATUS) & BUSY) {
  }
}

static void check_same(const uint8_t* got, const uint8_t* want, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i)
    if (got[i] != want[i]) {
      printf("FAIL byte %lu: got 0x%02x, want 0x%02x\n", (unsigned long)i, got[i], want[i]);
      vtpu_exit(1);
    }
}

int main(void) {
  struct axi_block block = axi_find(ID);
  CHECK(block.base != 0);
  CHECK(block.irq != 0);
  base = block.base;
  CHECK_EQ(REG(MAX_BEATS), 16);

  /* 64 KiB in core RAM, both ends 8-byte aligned, neither 4 KiB aligned */
  uint8_t* from = src + 1000;
  uint8_t* to = dst + 2008;
  for (uint32_t i = 0; i < SIZE; ++i) from[i] = (uint8_t)(i * 131u + (i >> 9) + 7u);
  memset(dst, 0, sizeof dst);
  axi_enable_irq(block.irq);
  const uint32_t start = cycles_now();
  program((uintptr_t)from, (uintptr_t)to, SIZE, START | IRQ_ON);
  for (int i = 0; interrupts == 0 && i < 100000; ++i) __asm__ volatile("wfi");
  const uint32_t took = cycles_now() - start;
  CHECK_EQ(interrupts, 1);
  CHECK_EQ(irq_status, DONE);
  CHECK_EQ(REG(STATUS), 0);
  CHECK_EQ(REG(BURSTS), bursts_for((uintptr_t)from, (uintptr_t)to, SIZE, 16));
  check_same(to, from, SIZE);
  for (uint32_t i = 0; i < 2008; ++i) CHECK_EQ(dst[i], 0);
  for (uint32_t i = 2008 + SIZE; i < sizeof dst; ++i) CHECK_EQ(dst[i], 0);

  /* through HBM into VMEM, 256-beat bursts, polled */
  const uint64_t hbm = ((uint64_t)vtpu_chip_info(VTPU_CHIPINFO_HBM_BASE_HI) << 32) |
                       vtpu_chip_info(VTPU_CHIPINFO_HBM_BASE_LO);
  REG(MAX_BEATS) = 256;
  const uint32_t to_hbm = cycles_now();
  program((uintptr_t)from, hbm + 0x10000, SIZE, START);
  wait_idle();
  const uint32_t took_hbm = cycles_now() - to_hbm;
  CHECK_EQ(REG(STATUS), DONE);
  CHECK_EQ(REG(BURSTS), bursts_for((uintptr_t)from, hbm + 0x10000, SIZE, 256));
  program(hbm + 0x10000, vtpu_soc.vmem, SIZE, START);
  wait_idle();
  CHECK_EQ(REG(STATUS), DONE);
  check_same((const uint8_t*)(uintptr_t)vtpu_soc.vmem, from, SIZE);
  REG(STATUS) = DONE;

  /* errors: a length not a multiple of 8; an address nothing answers */
  program((uintptr_t)from, (uintptr_t)to, 12, START);
  CHECK_EQ(REG(STATUS), ERROR);
  CHECK_EQ(REG(BURSTS), 0);
  REG(STATUS) = ERROR;
  const uint64_t nowhere = 0xf0000000u;
  program((uintptr_t)from, nowhere, 4096, START | IRQ_ON);
  for (int i = 0; interrupts == 1 && i < 100000; ++i) __asm__ volatile("wfi");
  CHECK_EQ(interrupts, 2);
  CHECK_EQ(irq_status, ERROR);
  CHECK_EQ(REG(ERR_LO), (uint32_t)nowhere);
  CHECK_EQ(REG(ERR_HI), 0);
  CHECK_EQ(REG(BURSTS), 1);

  /* a register value the block refuses: SLVERR, a store access fault */
  REG(MAX_BEATS) = 0;
  CHECK_EQ(faults, 1);
  CHECK_EQ(fault_cause, 7);
  CHECK_EQ(REG(MAX_BEATS), 256);
  printf(
      "PASS axi_copy: 64 KiB in %lu cycles (16-beat bursts in core RAM), %lu cycles "
      "(256-beat bursts to HBM)\n",
      (unsigned long)took, (unsigned long)took_hbm);
  return 0;
}
