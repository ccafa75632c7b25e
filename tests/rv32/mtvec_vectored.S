/* mtvec in vectored mode (MODE = 1): an interrupt with cause n enters at
 * BASE + 4n, exceptions at BASE. Software (CLINT msip), timer (CLINT
 * mtimecmp) and external (PLIC source 2 through sim-control's IRQ register)
 * interrupts each reach their own entry with mcause = 0x80000000 | n and
 * mepc = the instruction after the one that enabled them. WFI wakes on a
 * pending enabled interrupt even with mstatus.MIE = 0. With all three
 * pending they are taken in the order external, software, timer. In U-mode
 * an interrupt is taken even with mstatus.MIE = 0.
 *
 * Each interrupt handler records its cause number in s8, appends it to the
 * nibble list in s11, saves mcause/mepc in s2/s3 (the software interrupt's
 * also mstatus in a7), disables its own mie bit,
 * removes the cause and returns with mret. */
#include "asm_test.h"

#define MIE_MSIE 0x8
#define MIE_MTIE 0x80
#define MIE_MEIE 0x800

/* Wait for an enabled interrupt with MIE = 0, then enable MIE: the
 * interrupt is taken at `after`. */
#define WAIT_THEN_ENABLE(after) \
  wfi;                          \
  csrsi mstatus, 8;             \
  after:

TEST_BEGIN
  la t0, vector_table
  ori t0, t0, 1
  csrw mtvec, t0
  csrr a1, mtvec
  CHECK_REG(1, a1, t0)
  li s0, VTPU_CLINT_BASE
  li s6, VTPU_CLINT_BASE + VTPU_CLINT_MTIMECMP_LO
  li s1, VTPU_PLIC_BASE
  li s7, VTPU_PLIC_BASE + VTPU_PLIC_PENDING
  li s10, VTPU_SIMCTRL_BASE

  /* ---- an exception enters at BASE */
  li s8, -1
  la s5, ecall_next
ecall_at:
  ecall
ecall_next:
  CHECK_EQ(2, s8, 0)
  CHECK_EQ(3, s2, 11)
  la a1, ecall_at
  CHECK_REG(4, s3, a1)

  /* ---- software interrupt: entry 3 */
  li s8, -1
  li t0, 1
  sw t0, VTPU_CLINT_MSIP(s0)
  csrsi mie, MIE_MSIE
  WAIT_THEN_ENABLE(msi_after)
  csrci mstatus, 8
  CHECK_EQ(10, s8, 3)
  CHECK_EQ(11, s2, 0x80000003)
  la a1, msi_after
  CHECK_REG(12, s3, a1)
  csrr a1, mie
  CHECK_EQ(13, a1, 0)

  /* ---- timer interrupt: entry 7 (mtimecmp = 0 <= mtime) */
  li s8, -1
  sw zero, 4(s6)                /* mtimecmp: high word, then low */
  sw zero, 0(s6)
  li t0, MIE_MTIE
  csrs mie, t0
  WAIT_THEN_ENABLE(mti_after)
  csrci mstatus, 8
  CHECK_EQ(20, s8, 7)
  CHECK_EQ(21, s2, 0x80000007)
  la a1, mti_after
  CHECK_REG(22, s3, a1)

  /* ---- WFI with MIE = 1: the interrupt that ends it is taken with
   * mepc = the instruction after the WFI */
  li s8, -1
  li t1, VTPU_CLINT_BASE + VTPU_CLINT_MTIME_LO
  lw t0, 0(t1)
  addi t0, t0, 50               /* 50 ticks (5 us) ahead */
  sw zero, 4(s6)
  sw t0, 0(s6)
  li t0, MIE_MTIE
  csrs mie, t0
  csrsi mstatus, 8
  .option push
  .option norvc
  wfi
wfi_next:
  .option pop
  csrci mstatus, 8
  CHECK_EQ(25, s8, 7)
  la a1, wfi_next
  CHECK_REG(26, s3, a1)

  /* ---- external interrupt: entry 11 */
  li s8, -1
  li t0, 1
  sw t0, VTPU_PLIC_PRIORITY(2)(s1)
  li t0, 1 << 2
  li t1, VTPU_PLIC_ENABLE
  add t1, t1, s1
  sw t0, 0(t1)
  li t1, VTPU_PLIC_THRESHOLD
  add s9, t1, s1                /* s9: threshold; claim at s9 + 4 */
  sw zero, 0(s9)
  sw t0, VTPU_SIMCTRL_IRQ(s10)  /* raise line 2 */
  li t0, MIE_MEIE
  csrs mie, t0
  WAIT_THEN_ENABLE(mei_after)
  csrci mstatus, 8
  CHECK_EQ(30, s8, 11)
  CHECK_EQ(31, s2, 0x8000000b)
  la a1, mei_after
  CHECK_REG(32, s3, a1)
  CHECK_EQ(33, s4, 2)           /* the claimed source */

  /* ---- all three pending: taken by priority MEI > MSI > MTI */
  li s11, 0
  li t0, 1
  sw t0, VTPU_CLINT_MSIP(s0)
  sw zero, 4(s6)                /* mtimecmp: high word, then low */
  sw zero, 0(s6)
  li t0, 1 << 2
  sw t0, VTPU_SIMCTRL_IRQ(s10)
  li t0, MIE_MSIE | MIE_MTIE | MIE_MEIE
  csrs mie, t0
  li a3, 1000
wait_all:
  addi a3, a3, -1
  bnez a3, wait_more
  FAIL(40)                      /* the three never became pending */
wait_more:
  lw a2, 0(s7)                  /* device accesses synchronise the core */
  csrr a1, mip
  and a1, a1, t0
  bne a1, t0, wait_all
  csrsi mstatus, 8
  csrci mstatus, 8
  CHECK_EQ(41, s11, 0xb37)
  csrr a1, mie
  CHECK_EQ(42, a1, 0)

  /* ---- in U-mode, M-mode interrupts are enabled whatever mstatus.MIE
   * says: a pending software interrupt is taken at the first U-mode
   * instruction. U-mode saves what the handler saw, then returns to M-mode
   * with an ecall. */
  li s8, -1
  li t0, 1
  sw t0, VTPU_CLINT_MSIP(s0)
  csrsi mie, MIE_MSIE
  wfi                           /* MIE = 0: wakes, takes nothing */
  CHECK_EQ(50, s8, -1)
  li t0, 0x1880                 /* MPP = U, MPIE = 0: MIE stays 0 in U-mode */
  csrc mstatus, t0
  la t0, user_entry
  csrw mepc, t0
  la s5, back_in_m
  mret
user_entry:
  mv a4, s8                     /* the vector taken */
  mv a5, s3                     /* its mepc */
  mv a6, a7                     /* its mstatus */
  ecall
back_in_m:
  CHECK_EQ(51, a4, 3)
  la a1, user_entry
  CHECK_REG(52, a5, a1)
  li t0, 0x1888
  and a6, a6, t0
  CHECK_EQ(53, a6, 0)           /* MPP = U, MPIE = MIE = 0 */
  CHECK_EQ(54, s2, 8)           /* then the ecall from U-mode */
TEST_PASS

  .option push
  .option norvc
  .align 6
vector_table:
  j exception_entry             /* 0: exceptions */
  j bad_vector                  /* 1 */
  j bad_vector                  /* 2 */
  j msi_entry                   /* 3: machine software */
  j bad_vector                  /* 4 */
  j bad_vector                  /* 5 */
  j bad_vector                  /* 6 */
  j mti_entry                   /* 7: machine timer */
  j bad_vector                  /* 8 */
  j bad_vector                  /* 9 */
  j bad_vector                  /* 10 */
  j mei_entry                   /* 11: machine external */
  .option pop

bad_vector:
  FAIL(200)

exception_entry:                /* resumes at s5 in M-mode */
  li s8, 0
  csrr s2, mcause
  csrr s3, mepc
  li t6, 0x1800
  csrs mstatus, t6
  csrw mepc, s5
  mret

msi_entry:
  li s8, 3
  csrr s2, mcause
  csrr s3, mepc
  csrr a7, mstatus
  slli s11, s11, 4
  ori s11, s11, 3
  csrci mie, MIE_MSIE
  li t6, VTPU_CLINT_BASE
  sw zero, VTPU_CLINT_MSIP(t6)
  mret

mti_entry:
  li s8, 7
  csrr s2, mcause
  csrr s3, mepc
  slli s11, s11, 4
  ori s11, s11, 7
  li t6, MIE_MTIE
  csrc mie, t6
  li t6, VTPU_CLINT_BASE + VTPU_CLINT_MTIMECMP_LO
  li t4, -1
  sw t4, 4(t6)
  sw t4, 0(t6)
  mret

mei_entry:
  li s8, 11
  csrr s2, mcause
  csrr s3, mepc
  slli s11, s11, 4
  ori s11, s11, 11
  li t6, MIE_MEIE
  csrc mie, t6
  li t6, VTPU_PLIC_BASE + VTPU_PLIC_CLAIM
  lw s4, 0(t6)                  /* claim */
  li t4, VTPU_SIMCTRL_BASE
  sw zero, VTPU_SIMCTRL_IRQ(t4) /* lower the line */
  sw s4, 0(t6)                  /* complete */
  mret
