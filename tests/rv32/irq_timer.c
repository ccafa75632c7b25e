/* Timer interrupts from the CLINT: mtimecmp set PERIOD ticks ahead, the core
 * sleeps in WFI, the handler re-arms the timer TICKS times. Checks the number
 * of interrupts, mcause, that no interrupt came before its deadline, that
 * mtime advanced by at least TICKS * PERIOD (and not much more), that the
 * time CSR shadows mtime, and that mip.MTIP follows mtime >= mtimecmp. */
#include <stdio.h>

#include "check.h"

#define TICKS 4
#define PERIOD 500 /* mtime ticks between interrupts */
#define MIP_MTIP (1u << 7)

static volatile int ticks;
static volatile int early; /* interrupts taken before their deadline */
static volatile uint32_t last_cause;
static volatile uint32_t handler_mstatus;
static volatile uint64_t deadline;

void vtpu_timer_interrupt(struct vtpu_trap_frame* frame) {
  last_cause = frame->mcause;
  handler_mstatus = csr_read(mstatus);
  if (vtpu_mtime() < deadline) ++early;
  ++ticks;
  if (ticks < TICKS) {
    deadline += PERIOD;
    vtpu_set_timer(deadline);
  } else {
    vtpu_set_timer(~(uint64_t)0);
  }
}

int main(void) {
  /* the time CSR reads mtime */
  uint64_t before = vtpu_mtime();
  uint32_t time_csr = csr_read(time);
  uint64_t after = vtpu_mtime();
  CHECK(before <= after);
  CHECK((uint32_t)before <= time_csr && time_csr <= (uint32_t)after);

  /* no interrupt is pending while mtimecmp is in the future; the compare
   * is 64 bits wide: 2^32 is in the future, its low word 0 is not */
  vtpu_set_timer(~(uint64_t)0);
  (void)vtpu_mtime(); /* a device access: the core sees the new level */
  CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
  CHECK(vtpu_mtime() < ((uint64_t)1 << 32));
  vtpu_set_timer((uint64_t)1 << 32);
  (void)vtpu_mtime();
  CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
  vtpu_set_timer(0);
  (void)vtpu_mtime();
  CHECK(csr_read(mip) & MIP_MTIP);
  vtpu_set_timer(~(uint64_t)0);
  (void)vtpu_mtime();
  CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);

  const uint64_t start = vtpu_mtime();
  deadline = start + PERIOD;
  vtpu_set_timer(deadline);
  csr_set(mie, MIE_MTIE);
  csr_set(mstatus, MSTATUS_MIE);
  for (int i = 0; ticks < TICKS && i < 100; ++i) __asm__ volatile("wfi");
  const uint64_t end = vtpu_mtime();
  csr_clear(mstatus, MSTATUS_MIE);
  csr_clear(mie, MIE_MTIE);

  CHECK_EQ(ticks, TICKS);
  CHECK_EQ(early, 0);
  CHECK_EQ(last_cause, MCAUSE_INTERRUPT | 7);
  /* in the handler: MIE = 0, MPIE = 1 */
  CHECK_EQ(handler_mstatus & (MSTATUS_MIE | (1u << 7)), 1u << 7);
  CHECK(end - start >= (uint64_t)TICKS * PERIOD);
  CHECK(end - start < (uint64_t)TICKS * PERIOD + PERIOD);
  CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);

  /* the timer's pending bit with interrupts off: set, then cleared by a
   * write to mtimecmp */
  const uint64_t soon = vtpu_mtime() + 10;
  vtpu_set_timer(soon);
  csr_set(mie, MIE_MTIE);
  __asm__ volatile("wfi"); /* MIE = 0: wakes without taking the interrupt */
  CHECK(vtpu_mtime() >= soon);
  CHECK(csr_read(mip) & MIP_MTIP);
  vtpu_set_timer(~(uint64_t)0);
  (void)vtpu_mtime();
  CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
  CHECK_EQ(ticks, TICKS);

  printf("PASS irq_timer: %d interrupts, mtime advanced >= %d\n", ticks, TICKS * PERIOD);
  return 0;
}
