/* Helpers for the firmware tests of blocks on the bus (docs/cosim.md,
 * "Blocks on the bus"): a block is found through chip info by the ID its
 * register 0 holds, whatever the config's order and addresses. */
#ifndef VTPU_AXI_TEST_H
#define VTPU_AXI_TEST_H

#include <stdint.h>

#include "../rv32/check.h"
#include "vtpu/soc.h"

#define PLIC(off) VTPU_MMIO32(vtpu_soc.plic + (off))
#define MMIO8(addr) (*(volatile uint8_t*)(uintptr_t)(addr))
#define MMIO16(addr) (*(volatile uint16_t*)(uintptr_t)(addr))

struct axi_block {
  uint32_t base, size, irq;
};

/* The block whose register 0 reads `id` (base 0: none such). */
static inline struct axi_block axi_find(uint32_t id) {
  struct axi_block b = {0, 0, 0};
  uint32_t n = vtpu_chip_info(VTPU_CHIPINFO_AXI_BLOCKS);
  for (uint32_t i = 0; i < n && i < VTPU_CHIPINFO_AXI_MAX; ++i) {
    uint32_t base = vtpu_chip_info(VTPU_CHIPINFO_AXI_BASE(i));
    if (base != 0 && VTPU_MMIO32(base) == id) {
      b.base = base;
      b.size = vtpu_chip_info(VTPU_CHIPINFO_AXI_SIZE(i));
      b.irq = vtpu_chip_info(VTPU_CHIPINFO_AXI_IRQ(i));
      return b;
    }
  }
  return b;
}

/* PLIC source `irq` on at priority 1, machine external interrupts on. */
static inline void axi_enable_irq(uint32_t irq) {
  PLIC(VTPU_PLIC_PRIORITY(irq)) = 1;
  PLIC(VTPU_PLIC_ENABLE) |= 1u << irq;
  PLIC(VTPU_PLIC_THRESHOLD) = 0;
  csr_set(mie, MIE_MEIE);
  csr_set(mstatus, MSTATUS_MIE);
}

/* The length of the instruction at `pc` (RVC: 2 bytes), to step over it. */
static inline uint32_t insn_length(uint32_t pc) {
  return (*(const volatile uint16_t*)(uintptr_t)pc & 3u) == 3u ? 4u : 2u;
}

static inline uint32_t cycles_now(void) {
  return csr_read(mcycle);
}

#endif
