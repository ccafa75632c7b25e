/* The DRAM ECC error log (docs/faults.md, docs/memory-map.md) with injected
 * errors, as a driver uses it: its interrupt through the PLIC (taken by the
 * polling DMA driver's vtpu_plic_acknowledge, interrupts globally off), the
 * logged kind and address, STATUS cleared to log the next one.
 * Corrected errors (faults.hbm_corrected_per_access): DMA copies out of HBM
 * deliver the right bytes, every logged address lies in the bursts read, and
 * CORRECTED = errors logged + MISSED (those that came while the log was
 * full), UNCORRECTED = 0.
 * UNCORRECTED (faults.hbm_uncorrected_per_access): the copy that meets one
 * stops with cause 6, and the log holds kind 2 at an address inside the
 * burst the DMA names. */
#include <stdio.h>

#include "dma_test.h"

#define ECC(off) VTPU_MMIO32(vtpu_soc.ecc + (off))
#define PLIC(off) VTPU_MMIO32(vtpu_soc.plic + (off))
#define CHUNK 4096u
#define CHUNKS 16u

static volatile uint32_t logged, interrupts, bad_kind, outside;
static volatile uint64_t last_address;
static uint64_t area; /* HBM bytes the copies read: [area, area + CHUNKS * CHUNK) */

void vtpu_external_interrupt(uint32_t source, struct vtpu_trap_frame* frame) {
  (void)frame; /* null: called by vtpu_plic_acknowledge() */
  if (source != VTPU_IRQ_ECC) return;
  ++interrupts;
  const uint32_t status = ECC(VTPU_ECC_STATUS);
  if (status & VTPU_ECC_STATUS_LOGGED) {
    ++logged;
    const uint64_t at = ((uint64_t)ECC(VTPU_ECC_LOG_ADDR_HI) << 32) | ECC(VTPU_ECC_LOG_ADDR_LO);
    last_address = at;
#ifdef UNCORRECTED
    if (ECC(VTPU_ECC_LOG_KIND) != VTPU_ECC_KIND_UNCORRECTED) ++bad_kind;
#else
    if (ECC(VTPU_ECC_LOG_KIND) != VTPU_ECC_KIND_CORRECTED) ++bad_kind;
#endif
    if (at < area || at >= area + CHUNKS * CHUNK) ++outside;
  }
  ECC(VTPU_ECC_STATUS) = VTPU_ECC_STATUS_LOGGED | VTPU_ECC_STATUS_OVERFLOW;
}

int main(void) {
  vtpu_dma_init();
  PLIC(VTPU_PLIC_PRIORITY(VTPU_IRQ_ECC)) = 2;
  PLIC(VTPU_PLIC_ENABLE) |= 1u << VTPU_IRQ_ECC;
  CHECK_EQ(ECC(VTPU_ECC_CORRECTED), 0);
  CHECK_EQ(ECC(VTPU_ECC_STATUS), 0);
  area = hbm_base() + 0x100000;

  /* the data: a pattern written into HBM (writes are never faulted) */
  uint8_t* staging = vmem();
  fill(staging, CHUNK, 7);
  for (uint32_t i = 0; i < CHUNKS; ++i) {
    vtpu_dma_desc d = vtpu_dma_linear(addr_of(staging), area + i * CHUNK, CHUNK);
    vtpu_dma_start(&d);
    CHECK_EQ(vtpu_dma_wait() & VTPU_DMA_STATUS_ERROR, 0);
  }
#ifdef UNCORRECTED
  ECC(VTPU_ECC_CONTROL) = VTPU_ECC_CONTROL_UNCORRECTED;
#else
  ECC(VTPU_ECC_CONTROL) = VTPU_ECC_CONTROL_CORRECTED;
#endif

  uint8_t* back = vmem() + CHUNK;
  for (uint32_t i = 0; i < CHUNKS; ++i) {
    memset(back, 0, CHUNK);
    vtpu_dma_desc d = vtpu_dma_linear(area + i * CHUNK, addr_of(back), CHUNK);
    vtpu_dma_start(&d);
    const uint32_t status = vtpu_dma_wait();
#ifdef UNCORRECTED
    if (status & VTPU_DMA_STATUS_ERROR) {
      CHECK_EQ(vtpu_dma_cause(), VTPU_DMA_CAUSE_MEMORY_ERROR);
      const uint64_t burst = vtpu_dma_error_address();
      for (int k = 0; logged == 0 && k < 1000; ++k) vtpu_plic_acknowledge();
      CHECK(logged >= 1);
      CHECK_EQ(bad_kind, 0);
      CHECK(ECC(VTPU_ECC_UNCORRECTED) >= 1);
      CHECK(last_address >= burst && last_address < burst + 256);
      printf("PASS ecc_log: copy %lu stopped with cause 6, logged at burst +0x%lx\n",
             (unsigned long)i, (unsigned long)(last_address - burst));
      return 0;
    }
#else
    CHECK_EQ(status & VTPU_DMA_STATUS_ERROR, 0);
    CHECK_SAME(back, staging, CHUNK);
#endif
  }
#ifdef UNCORRECTED
  printf("FAIL: no copy met an uncorrectable error\n");
  return 1;
#else
  for (int k = 0; (ECC(VTPU_ECC_STATUS) & VTPU_ECC_STATUS_LOGGED) && k < 1000; ++k)
    vtpu_plic_acknowledge();
  const uint32_t corrected = ECC(VTPU_ECC_CORRECTED), missed = ECC(VTPU_ECC_MISSED);
  CHECK(corrected > 0);
  CHECK_EQ(corrected, logged + missed);
  CHECK_EQ(ECC(VTPU_ECC_UNCORRECTED), 0);
  CHECK_EQ(bad_kind, 0);
  CHECK_EQ(outside, 0);
  CHECK(interrupts >= logged);
  printf("PASS ecc_log: %lu corrected errors, %lu logged through %lu interrupts, %lu missed\n",
         (unsigned long)corrected, (unsigned long)logged, (unsigned long)interrupts,
         (unsigned long)missed);
  return 0;
#endif
}
