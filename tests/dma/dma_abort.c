/* Injected DMA aborts (faults.dma_abort_per_copy=1, docs/faults.md): every
 * copy stops with cause 7 and the source address of the first burst it did
 * not send; every byte before that address was copied and none after it.
 * Copies of several sizes and offsets from core RAM into VMEM, and one from
 * HBM, each at its own drawn abort point. */
#include <stdio.h>

#include "dma_test.h"

#define DMA(off) VTPU_MMIO32(vtpu_soc.dma + (off))
#define SIZE 8192u

static uint8_t src[SIZE + 512];

/* Copies `bytes` from `from` to VMEM; checks the abort and returns where it
 * fell (bytes copied). */
static uint32_t aborted_copy(uint64_t from, const uint8_t* data, uint32_t bytes) {
  uint8_t* to = vmem();
  memset(to, 0x5a, bytes);
  vtpu_dma_desc d = vtpu_dma_linear(from, addr_of(to), bytes);
  vtpu_dma_start(&d);
  const uint32_t status = vtpu_dma_wait();
  CHECK(status & VTPU_DMA_STATUS_ERROR);
  CHECK_EQ(vtpu_dma_cause(), VTPU_DMA_CAUSE_ABORTED);
  const uint64_t at = vtpu_dma_error_address();
  CHECK(at >= from && at < from + bytes);
  const uint32_t copied = (uint32_t)(at - from);
  /* bursts never cross a 256-byte boundary of the source: the abort falls on one, or at the start
   */
  CHECK(copied == 0 || at % 256 == 0);
  CHECK_SAME(to, data, copied);
  for (uint32_t i = copied; i < bytes; ++i) CHECK_EQ(to[i], 0x5a);
  return copied;
}

int main(void) {
  vtpu_dma_init();
  fill(src, sizeof src, 3);
  uint32_t copied = 0, aborts = 0;
  const uint32_t sizes[] = {SIZE, 4096, 1000, 300, 8000};
  const uint32_t offsets[] = {0, 17, 256, 5, 100};
  for (int i = 0; i < 5; ++i) {
    copied += aborted_copy(addr_of(src + offsets[i]), src + offsets[i], sizes[i]);
    ++aborts;
  }
  /* from HBM: what the first copy put there is not needed, zeros are data too */
  uint8_t zeros[1024] = {0};
  copied += aborted_copy(hbm_base(), zeros, sizeof zeros);
  ++aborts;
  printf("PASS dma_abort: %lu aborted copies, %lu bytes copied before the aborts\n",
         (unsigned long)aborts, (unsigned long)copied);
  return 0;
}
