/* External interrupts through the PLIC, with sim-control's IRQ register as
 * the device: set priority, enable and threshold; raise line 3; the handler
 * (called by the firmware's claim loop) sees source 3, lowers the line, and
 * the firmware completes it. Then: the threshold masks priorities <= it,
 * the enable bit masks a source, a line still high at completion is pending
 * again (level-triggered), and claims come in priority order with ties going
 * to the lower source number. */
#include <stdio.h>

#include "check.h"

#define PLIC(off) VTPU_MMIO32(vtpu_soc.plic + (off))
#define IRQ_LINES VTPU_MMIO32(vtpu_soc.sim_ctrl + VTPU_SIMCTRL_IRQ)
#define MIP_MEIP (1u << 11)

static volatile int count;
static volatile uint32_t order; /* claimed sources, one nibble each */
static volatile uint32_t pending_in_handler;
static volatile uint32_t last_cause;
static volatile int keep_high; /* leave the line high this many times */

void vtpu_external_interrupt(uint32_t source, struct vtpu_trap_frame* frame) {
  last_cause = frame->mcause;
  ++count;
  order = (order << 4) | source;
  pending_in_handler = PLIC(VTPU_PLIC_PENDING);
  if (keep_high > 0)
    --keep_high;
  else
    IRQ_LINES &= ~(1u << source);
}

/* Waits (bounded, with device reads that synchronise) for `cond`. */
#define WAIT_UNTIL(cond)                                          \
  do {                                                            \
    for (int i_ = 0; !(cond) && i_ < 1000; ++i_) (void)IRQ_LINES; \
  } while (0)

int main(void) {
  /* line 3: priority 2, enabled, threshold 1 */
  PLIC(VTPU_PLIC_PRIORITY(3)) = 2;
  CHECK_EQ(PLIC(VTPU_PLIC_PRIORITY(3)), 2);
  PLIC(VTPU_PLIC_ENABLE) = 1u << 3;
  PLIC(VTPU_PLIC_THRESHOLD) = 1;
  CHECK_EQ(PLIC(VTPU_PLIC_PENDING), 0);
  CHECK_EQ(PLIC(VTPU_PLIC_CLAIM), 0); /* nothing to claim */
  csr_set(mie, MIE_MEIE);
  csr_set(mstatus, MSTATUS_MIE);

  IRQ_LINES = 1u << 3;
  for (int i = 0; count == 0 && i < 100; ++i) __asm__ volatile("wfi");
  CHECK_EQ(count, 1);
  CHECK_EQ(order, 3);
  CHECK_EQ(last_cause, MCAUSE_INTERRUPT | 11);
  CHECK_EQ(pending_in_handler & (1u << 3), 0); /* claimed: no longer pending */
  CHECK_EQ(IRQ_LINES, 0);
  CHECK_EQ(PLIC(VTPU_PLIC_PENDING), 0);
  CHECK_EQ(csr_read(mip) & MIP_MEIP, 0);

  /* threshold 2 masks priority 2: pending, but no interrupt */
  PLIC(VTPU_PLIC_THRESHOLD) = 2;
  IRQ_LINES = 1u << 3;
  WAIT_UNTIL(PLIC(VTPU_PLIC_PENDING) & (1u << 3));
  CHECK_EQ(PLIC(VTPU_PLIC_PENDING), 1u << 3);
  for (int i = 0; i < 20; ++i) (void)IRQ_LINES;
  CHECK_EQ(count, 1);
  CHECK_EQ(csr_read(mip) & MIP_MEIP, 0);
  PLIC(VTPU_PLIC_THRESHOLD) = 1; /* unmasked: taken */
  WAIT_UNTIL(count == 2);
  CHECK_EQ(count, 2);
  CHECK_EQ(order & 0xf, 3);

  /* a disabled source stays pending without interrupting */
  PLIC(VTPU_PLIC_ENABLE) = 0;
  IRQ_LINES = 1u << 3;
  WAIT_UNTIL(PLIC(VTPU_PLIC_PENDING) & (1u << 3));
  for (int i = 0; i < 20; ++i) (void)IRQ_LINES;
  CHECK_EQ(count, 2);
  PLIC(VTPU_PLIC_ENABLE) = 1u << 3;
  WAIT_UNTIL(count == 3);
  CHECK_EQ(count, 3);

  /* level-triggered: the handler leaves the line high once, so after the
   * completion the source is pending again and claimed a second time */
  keep_high = 1;
  order = 0;
  IRQ_LINES = 1u << 3;
  WAIT_UNTIL(count == 5);
  CHECK_EQ(count, 5);
  CHECK_EQ(order, 0x33);
  for (int i = 0; i < 20; ++i) (void)IRQ_LINES;
  CHECK_EQ(count, 5);

  /* priorities: line 5 (priority 5) before line 3 (priority 2); equal
   * priorities (lines 4 and 6 at 3): the lower source number first */
  csr_clear(mstatus, MSTATUS_MIE);
  PLIC(VTPU_PLIC_PRIORITY(4)) = 3;
  PLIC(VTPU_PLIC_PRIORITY(5)) = 5;
  PLIC(VTPU_PLIC_PRIORITY(6)) = 3;
  PLIC(VTPU_PLIC_ENABLE) = (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6);
  order = 0;
  const uint32_t lines = (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6);
  IRQ_LINES = lines;
  WAIT_UNTIL((PLIC(VTPU_PLIC_PENDING) & lines) == lines);
  CHECK_EQ(PLIC(VTPU_PLIC_PENDING), lines);
  CHECK_EQ(count, 5);
  csr_set(mstatus, MSTATUS_MIE);
  WAIT_UNTIL(count == 9);
  CHECK_EQ(count, 9);
  CHECK_EQ(order, 0x5463);
  CHECK_EQ(IRQ_LINES, 0);
  CHECK_EQ(PLIC(VTPU_PLIC_PENDING), 0);

  csr_clear(mstatus, MSTATUS_MIE);
  csr_clear(mie, MIE_MEIE);
  /* the IRQ register drives lines 2..7 only */
  IRQ_LINES = 0xffffffffu;
  CHECK_EQ(IRQ_LINES, 0xfc);
  IRQ_LINES = 0;
  printf("PASS irq_plic: %d interrupts, last order %lx\n", count, (unsigned long)order);
  return 0;
}
