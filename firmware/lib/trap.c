/* C side of trap handling: dispatches interrupts to their hooks and reports
 * exceptions that nobody handles. */
#include <stdio.h>

#include "vtpu/fw.h"

__attribute__((weak)) void vtpu_timer_interrupt(struct vtpu_trap_frame* frame) {
  (void)frame;
  vtpu_set_timer(~(uint64_t)0);
}

__attribute__((weak)) void vtpu_software_interrupt(struct vtpu_trap_frame* frame) {
  (void)frame;
  VTPU_MMIO32(vtpu_soc.clint + VTPU_CLINT_MSIP) = 0;
}

__attribute__((weak)) void vtpu_external_interrupt(uint32_t source, struct vtpu_trap_frame* frame) {
  (void)frame;
  printf("firmware: unexpected external interrupt %lu\n", (unsigned long)source);
}

__attribute__((weak)) void vtpu_exception(struct vtpu_trap_frame* frame) {
  printf("firmware: unhandled exception mcause=%lu mepc=0x%08lx mtval=0x%08lx\n",
         (unsigned long)frame->mcause, (unsigned long)frame->mepc, (unsigned long)frame->mtval);
  vtpu_exit(128 + (int)frame->mcause);
}

void vtpu_trap(struct vtpu_trap_frame* frame) {
  if (!(frame->mcause & MCAUSE_INTERRUPT)) {
    vtpu_exception(frame);
    return;
  }
  switch (frame->mcause & ~MCAUSE_INTERRUPT) {
    case 7: vtpu_timer_interrupt(frame); break;
    case 3: vtpu_software_interrupt(frame); break;
    case 11: {
      uint32_t source;
      while ((source = VTPU_MMIO32(vtpu_soc.plic + VTPU_PLIC_CLAIM)) != 0) {
        vtpu_external_interrupt(source, frame);
        VTPU_MMIO32(vtpu_soc.plic + VTPU_PLIC_CLAIM) = source;
      }
      break;
    }
  }
}

void vtpu_plic_acknowledge(void) {
  if (csr_read(mstatus) & MSTATUS_MIE) return;
  const uint32_t polled = (1u << VTPU_IRQ_DMA_DONE) | (1u << VTPU_IRQ_DMA_ERROR) |
                          (1u << VTPU_IRQ_CP_DONE) | (1u << VTPU_IRQ_CP_ERROR);
  uint32_t source, taken = 0;
  while ((source = VTPU_MMIO32(vtpu_soc.plic + VTPU_PLIC_CLAIM)) != 0) {
    const uint32_t again = taken & (1u << source);
    taken |= 1u << source;
    if (!again && !(polled & (1u << source))) vtpu_external_interrupt(source, 0);
    VTPU_MMIO32(vtpu_soc.plic + VTPU_PLIC_CLAIM) = source;
    if (again) break;
  }
}

uint64_t vtpu_mtime(void) {
  uint32_t hi, lo;
  do {
    hi = VTPU_MMIO32(vtpu_soc.clint + VTPU_CLINT_MTIME_HI);
    lo = VTPU_MMIO32(vtpu_soc.clint + VTPU_CLINT_MTIME_LO);
  } while (hi != VTPU_MMIO32(vtpu_soc.clint + VTPU_CLINT_MTIME_HI));
  return ((uint64_t)hi << 32) | lo;
}

void vtpu_set_timer(uint64_t deadline) {
  /* Raise the high word first so that no intermediate value fires early. */
  VTPU_MMIO32(vtpu_soc.clint + VTPU_CLINT_MTIMECMP_HI) = 0xffffffffu;
  VTPU_MMIO32(vtpu_soc.clint + VTPU_CLINT_MTIMECMP_LO) = (uint32_t)deadline;
  VTPU_MMIO32(vtpu_soc.clint + VTPU_CLINT_MTIMECMP_HI) = (uint32_t)(deadline >> 32);
}
