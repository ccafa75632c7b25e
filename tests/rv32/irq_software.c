/* Software interrupts through the CLINT's msip register: a write of 1 raises
 * mip.MSIP and, with mie.MSIE and mstatus.MIE set, the interrupt (mcause
 * 0x80000003) is taken once; the handler clears msip. Only bit 0 of msip is
 * writable. */
#include <stdio.h>

#include "check.h"

#define MSIP VTPU_MMIO32(vtpu_soc.clint + VTPU_CLINT_MSIP)
#define MIP_MSIP (1u << 3)

static volatile int count;
static volatile uint32_t last_cause;
static volatile uint32_t last_mepc;

void vtpu_software_interrupt(struct vtpu_trap_frame* frame) {
  last_cause = frame->mcause;
  last_mepc = frame->mepc;
  ++count;
  MSIP = 0;
}

/* Sleeps until `count` reaches n (bounded). */
static void wait_for(int n) {
  for (int i = 0; count < n && i < 100; ++i) __asm__ volatile("wfi");
}

int main(void) {
  CHECK_EQ(MSIP, 0);
  MSIP = 0xfffffffe; /* bit 0 clear: nothing */
  CHECK_EQ(MSIP, 0);
  CHECK_EQ(csr_read(mip) & MIP_MSIP, 0);

  csr_set(mie, MIE_MSIE);
  csr_set(mstatus, MSTATUS_MIE);
  MSIP = 1;
  wait_for(1);
  CHECK_EQ(count, 1);
  CHECK_EQ(last_cause, MCAUSE_INTERRUPT | 3);
  CHECK_EQ(MSIP, 0);
  CHECK_EQ(csr_read(mip) & MIP_MSIP, 0);
  /* mepc points into this program's code (RAM), where it resumed */
  CHECK(last_mepc >= vtpu_soc.core_ram);

  /* several more, one interrupt each */
  for (int k = 2; k <= 5; ++k) {
    MSIP = 1;
    wait_for(k);
    CHECK_EQ(count, k);
  }
  /* the handler's write cleared the source: nothing more arrives */
  for (volatile int i = 0; i < 200; ++i) {
  }
  (void)MSIP;
  CHECK_EQ(count, 5);

  csr_clear(mstatus, MSTATUS_MIE);
  csr_clear(mie, MIE_MSIE);
  printf("PASS irq_software: %d interrupts\n", count);
  return 0;
}
