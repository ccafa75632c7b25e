/* The overlap the runtime's double buffering buys: a 512x1024 by 1024x1024
 * int8 matmul (DMA, MXU, VPU requantize, DMA out) timed in core cycles; run
 * with runtime.double_buffering on and off and compare (tests.cmake). Prints
 * the cycles and each unit's busy cycles (the command processor's counters). */
#include <stdio.h>

#include "../rv32/check.h"
#include "vtpu/cp_driver.h"
#include "vtpu/kernels.h"

int main(void) {
  vtpu_cp_init();
  vtpu_chip chip;
  vtpu_chip_read(&chip);
  const uint64_t hbm = chip.hbm_base;
  vtpu_matmul_int8_args args = {
      hbm, hbm + (1u << 20), hbm + (3u << 20), hbm + (4u << 20), 512, 1024, 1024, 0};
  const uint32_t start = csr_read(mcycle);
  CHECK_EQ(vtpu_matmul_int8(&chip, &args), 0);
  const uint32_t cycles = csr_read(mcycle) - start;
  printf("cycles %lu double_buffering %d dma_busy %lu mxu_busy %lu vpu_busy %lu macs %lu\n",
         (unsigned long)cycles, chip.double_buffering,
         (unsigned long)vtpu_cp_counter(VTPU_CNT_DMA_BUSY),
         (unsigned long)vtpu_cp_counter(VTPU_CNT_MXU_BUSY),
         (unsigned long)vtpu_cp_counter(VTPU_CNT_VPU_BUSY),
         (unsigned long)vtpu_cp_counter(VTPU_CNT_MACS));
  return 0;
}
