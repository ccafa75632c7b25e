/* A large DMA from DRAM/HBM into VMEM, timed with mcycle: prints the
 * sustained bandwidth and fails below 90 % of the chip's peak pin bandwidth
 * (chip info). On tpuv1-like (two DDR3-2133 channels, 34.1 GB/s peak) this is
 * the "about 34 GB/s" check. */
#include <stdio.h>

#include "dma_test.h"

int main(void) {
  vtpu_dma_init();
  const uint32_t vmem_size = CHIPINFO(VTPU_CHIPINFO_VMEM_SIZE);
  const uint32_t bytes = vmem_size / 2 < (8u << 20) ? vmem_size / 2 : (8u << 20);
  vtpu_dma_desc d = vtpu_dma_linear(hbm_base(), addr_of(vmem()), bytes);
  const uint32_t start = csr_read(mcycle);
  vtpu_dma_start(&d);
  CHECK_EQ(vtpu_dma_wait(), VTPU_DMA_STATUS_DONE);
  const uint32_t cycles = csr_read(mcycle) - start;
  const uint32_t clock_khz = CHIPINFO(VTPU_CHIPINFO_CLOCK_KHZ);
  const uint32_t peak = CHIPINFO(VTPU_CHIPINFO_HBM_MB_PER_S);
  /* MB/s = bytes / (cycles / (clock_khz * 1000)) / 1e6 */
  const uint32_t achieved = (uint32_t)((uint64_t)bytes * clock_khz / cycles / 1000);
  printf("dma: %lu bytes in %lu cycles at %lu kHz: %lu MB/s of %lu MB/s peak\n",
         (unsigned long)bytes, (unsigned long)cycles, (unsigned long)clock_khz,
         (unsigned long)achieved, (unsigned long)peak);
  CHECK(achieved * 10u >= peak * 9u);
  CHECK(achieved <= peak);
  printf("PASS dma_bandwidth\n");
  return 0;
}
