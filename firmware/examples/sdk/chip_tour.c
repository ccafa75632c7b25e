/* A firmware program built outside the vtpu tree against the installed SDK
 * (docs/firmware.md, "Out of the tree"): it reads what chip it runs on, then
 * sends a buffer from core RAM through HBM and VMEM back to core RAM with the
 * DMA engine, and checks every byte. Exits with 0 when all came back. */
#include <stdio.h>
#include <string.h>

#include "vtpu/dma_driver.h"
#include "vtpu/fw.h"

#define BYTES 4096u

static uint8_t out[BYTES], back[BYTES];

static int copy(uint64_t src, uint64_t dst, uint32_t bytes) {
  const vtpu_dma_desc d = vtpu_dma_linear(src, dst, bytes);
  vtpu_dma_start(&d);
  if (vtpu_dma_wait() == VTPU_DMA_STATUS_DONE) return 0;
  printf("DMA 0x%llx -> 0x%llx failed, cause %lu\n", (unsigned long long)src,
         (unsigned long long)dst, (unsigned long)vtpu_dma_cause());
  return 1;
}

int main(void) {
  printf("array %lux%lu, %lu lanes, %lu MHz; VMEM %lu KiB at 0x%08lx, HBM %lu MiB at 0x%llx\n",
         (unsigned long)vtpu_chip_info(VTPU_CHIPINFO_MXU_ROWS),
         (unsigned long)vtpu_chip_info(VTPU_CHIPINFO_MXU_COLS),
         (unsigned long)vtpu_chip_info(VTPU_CHIPINFO_VPU_LANES),
         (unsigned long)vtpu_chip_info(VTPU_CHIPINFO_CLOCK_KHZ) / 1000,
         (unsigned long)vtpu_chip_info(VTPU_CHIPINFO_VMEM_SIZE) / 1024,
         (unsigned long)vtpu_soc.vmem, (unsigned long)vtpu_chip_info(VTPU_CHIPINFO_HBM_SIZE_MIB),
         (unsigned long long)vtpu_soc.hbm);

  for (uint32_t i = 0; i < BYTES; ++i) out[i] = (uint8_t)(i * 7 + 3);
  vtpu_dma_init();
  if (copy((uintptr_t)out, vtpu_soc.hbm, BYTES) || copy(vtpu_soc.hbm, vtpu_soc.vmem, BYTES) ||
      copy(vtpu_soc.vmem, (uintptr_t)back, BYTES))
    return 1;
  const int same = memcmp(out, back, BYTES) == 0;
  printf("%s: %u bytes core RAM -> HBM -> VMEM -> core RAM\n", same ? "PASS" : "FAIL", BYTES);
  return same ? 0 : 1;
}
