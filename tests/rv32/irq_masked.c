/* Masked interrupts wait: a pending timer interrupt with mstatus.MIE = 0 is
 * visible in mip but not taken, however long the program runs, until MIE is
 * set; then it is taken before the next instruction. Likewise a pending
 * software interrupt with MIE = 1 but mie.MSIE = 0 waits for mie.MSIE. And
 * clearing MIE again closes the window. */
#include <stdio.h>

#include "check.h"

#define MSIP VTPU_MMIO32(vtpu_soc.clint + VTPU_CLINT_MSIP)
#define MIP_MSIP (1u << 3)
#define MIP_MTIP (1u << 7)

/* Keeps the compiler from moving memory accesses across a CSR write. */
#define BARRIER() __asm__ volatile("" ::: "memory")

static volatile int timer_count, soft_count;

void vtpu_timer_interrupt(struct vtpu_trap_frame* frame) {
  (void)frame;
  ++timer_count;
  vtpu_set_timer(~(uint64_t)0);
}

void vtpu_software_interrupt(struct vtpu_trap_frame* frame) {
  (void)frame;
  ++soft_count;
  MSIP = 0;
}

/* Runs for a while, with device accesses so that the core samples its
 * interrupt lines often. */
static void busy(void) {
  for (int i = 0; i < 200; ++i) (void)vtpu_mtime();
}

int main(void) {
  /* ---- timer: mie.MTIE = 1, mstatus.MIE = 0 */
  csr_clear(mstatus, MSTATUS_MIE);
  csr_set(mie, MIE_MTIE);
  const uint64_t due = vtpu_mtime() + 20;
  vtpu_set_timer(due);
  for (int i = 0; !(csr_read(mip) & MIP_MTIP) && i < 100; ++i) __asm__ volatile("wfi");
  CHECK(csr_read(mip) & MIP_MTIP);
  CHECK(vtpu_mtime() >= due);
  busy();
  CHECK_EQ(timer_count, 0);
  CHECK(csr_read(mip) & MIP_MTIP); /* still pending */
  csr_set(mstatus, MSTATUS_MIE);
  BARRIER();
  int seen = timer_count; /* the interrupt came right after the csrs */
  CHECK_EQ(seen, 1);
  busy();
  CHECK_EQ(timer_count, 1);
  CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
  CHECK(csr_read(mstatus) & MSTATUS_MIE); /* mret restored MIE */

  /* ---- software: MIE = 1, mie.MSIE = 0 */
  csr_clear(mie, MIE_MSIE);
  MSIP = 1;
  for (int i = 0; !(csr_read(mip) & MIP_MSIP) && i < 100; ++i) (void)MSIP;
  CHECK(csr_read(mip) & MIP_MSIP);
  busy();
  CHECK_EQ(soft_count, 0);
  csr_set(mie, MIE_MSIE);
  BARRIER();
  seen = soft_count;
  CHECK_EQ(seen, 1);
  busy();
  CHECK_EQ(soft_count, 1);

  /* ---- MIE cleared again: a new timer interrupt waits once more */
  csr_clear(mstatus, MSTATUS_MIE);
  vtpu_set_timer(0);
  busy();
  CHECK(csr_read(mip) & MIP_MTIP);
  CHECK_EQ(timer_count, 1);
  csr_set(mstatus, MSTATUS_MIE);
  BARRIER();
  seen = timer_count;
  CHECK_EQ(seen, 2);

  csr_clear(mstatus, MSTATUS_MIE);
  csr_clear(mie, MIE_MTIE | MIE_MSIE);
  printf("PASS irq_masked: timer %d, software %d\n", timer_count, soft_count);
  return 0;
}
