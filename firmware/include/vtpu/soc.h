/*
 * Where the SoC's blocks are. At reset the boot convention (vtpu/soc_map.h)
 * gives the firmware chip info's address in a1; crt0 passes it to
 * vtpu_soc_init(), which reads every other base from chip info. Drivers and
 * kernels address the hardware through vtpu_soc only, so one ELF runs on
 * every address map the configuration allows (docs/memory-map.md).
 */
#ifndef VTPU_SOC_H
#define VTPU_SOC_H

#include <stdint.h>

#include "vtpu/soc_map.h" /* register offsets; the default bases are the platform's only */

#define VTPU_MMIO32(addr) (*(volatile uint32_t*)(uintptr_t)(addr))

typedef struct vtpu_soc_map {
  uint32_t chip_info, clint, plic, uart, sim_ctrl, dma, cp, ecc; /* register blocks */
  uint32_t core_ram, vmem, amem;                                 /* memories the core reaches */
  uint64_t hbm;                                                  /* DMA only */
} vtpu_soc_map;

/* Constant once vtpu_soc_init() (before main) has filled it, so the compiler
 * keeps a base in a register across the MMIO stores that use it. */
extern const vtpu_soc_map vtpu_soc;

/* Fills vtpu_soc from the chip info at `chip_info` (crt0 calls it before main). */
void vtpu_soc_init(uint32_t chip_info);

/* A word of chip info (VTPU_CHIPINFO_*). */
static inline uint32_t vtpu_chip_info(uint32_t offset) {
  return VTPU_MMIO32(vtpu_soc.chip_info + offset);
}

#endif /* VTPU_SOC_H */
