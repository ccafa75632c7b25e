#include "vtpu/soc.h"

/* vtpu_soc is const everywhere else; this is its one writer. */
static vtpu_soc_map soc;
extern const vtpu_soc_map vtpu_soc __attribute__((alias("soc")));

void vtpu_soc_init(uint32_t chip_info) {
#define INFO(offset) VTPU_MMIO32(chip_info + (offset))
  soc.chip_info = chip_info;
  soc.clint = INFO(VTPU_CHIPINFO_CLINT_BASE);
  soc.plic = INFO(VTPU_CHIPINFO_PLIC_BASE);
  soc.uart = INFO(VTPU_CHIPINFO_UART_BASE);
  soc.sim_ctrl = INFO(VTPU_CHIPINFO_SIMCTRL_BASE);
  soc.dma = INFO(VTPU_CHIPINFO_DMA_BASE);
  soc.cp = INFO(VTPU_CHIPINFO_CP_BASE);
  soc.ecc = INFO(VTPU_CHIPINFO_ECC_BASE);
  soc.core_ram = INFO(VTPU_CHIPINFO_CORE_RAM_BASE);
  soc.vmem = INFO(VTPU_CHIPINFO_VMEM_BASE);
  soc.amem = INFO(VTPU_CHIPINFO_AMEM_BASE);
  soc.hbm = ((uint64_t)INFO(VTPU_CHIPINFO_HBM_BASE_HI) << 32) | INFO(VTPU_CHIPINFO_HBM_BASE_LO);
#undef INFO
}
