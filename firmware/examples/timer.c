/* Timer-interrupt example: sleeps in WFI until the CLINT timer fires, a few
 * times, then exits with the number of ticks it saw (5). */
#include <stdio.h>

#include "vtpu/fw.h"

#define TICKS 5
#define PERIOD 1000 /* mtime ticks between interrupts */

static volatile int ticks;

void vtpu_timer_interrupt(struct vtpu_trap_frame* frame) {
  (void)frame;
  ++ticks;
  vtpu_set_timer(ticks < TICKS ? vtpu_mtime() + PERIOD : ~(uint64_t)0);
}

int main(void) {
  uint64_t start = vtpu_mtime();
  vtpu_set_timer(start + PERIOD);
  csr_set(mie, MIE_MTIE);
  csr_set(mstatus, MSTATUS_MIE);
  while (ticks < TICKS) {
    __asm__ volatile("wfi");
    printf("tick %d at mtime %lu\n", ticks, (unsigned long)(vtpu_mtime() - start));
  }
  return ticks;
}
