/* Exceptions, with mtvec in direct mode: illegal instruction (32- and 16-bit,
 * mtval = the instruction bits), ebreak and c.ebreak, ecall from M-mode and
 * from U-mode (entered by mret with MPP = 0), privileged instructions and
 * CSRs in U-mode, mcounteren, load/store/fetch access faults (mtval = the
 * address), misaligned MMIO and misaligned or faulting LR/SC/AMOs, and the
 * mstatus stack: trap entry moves MIE to MPIE and the privilege to MPP, mret
 * restores MIE from MPIE, sets MPIE and leaves MPP = U.
 *
 * The trap handler records mcause/mepc/mtval/mstatus in s2/s3/s4/s7 and
 * returns to the address in s5 in the privilege mode given by s6 (the MPP
 * bits: 0x1800 for M, 0 for U). */
#include "asm_test.h"

#define MSTATUS_MIE 0x8
#define MSTATUS_MPIE 0x80
#define MSTATUS_MPP 0x1800
#define UNMAPPED 0x40000000

/* Expect a trap from the code that follows; resume at `resume`. */
#define ARM(resume) \
  la s5, resume;    \
  li s2, -1;        \
  li s3, -1;        \
  li s4, -1

/* Same, with mtval = the address in register `reg`. */
#define CHECK_TRAP_REG(n, cause, at, reg) \
  CHECK_EQ(n, s2, cause)                  \
  la a0, at;                              \
  CHECK_REG(n + 1, s3, a0)                \
  CHECK_REG(n + 2, s4, reg)

TEST_BEGIN
  la t0, trap_handler
  csrw mtvec, t0
  li s6, MSTATUS_MPP            /* return to M-mode */

  /* ---- illegal instructions */
  ARM(ill32_next)
ill32:
  .word 0x1234500b              /* custom-0 opcode: not implemented */
ill32_next:
  CHECK_TRAP(1, 2, ill32, 0x1234500b)
  ARM(ill16_next)
ill16:
  .half 0x2002                  /* c.fldsp f0, 0(sp): no F/D */
ill16_next:
  CHECK_TRAP(4, 2, ill16, 0x2002)

  /* ---- breakpoints: mtval is 0 or the address of the ebreak */
  ARM(ebreak_next)
  .option push
  .option norvc
ebreak_at:
  ebreak
  .option pop
ebreak_next:
  CHECK_EQ(7, s2, 3)
  la a1, ebreak_at
  CHECK_REG(8, s3, a1)
  beqz s4, ebreak_ok
  CHECK_REG(9, s4, a1)
ebreak_ok:
  ARM(cebreak_next)
cebreak_at:
  c.ebreak
cebreak_next:
  CHECK_EQ(10, s2, 3)
  la a1, cebreak_at
  CHECK_REG(11, s3, a1)

  /* ---- ecall from M-mode; the mstatus stack on trap entry and mret */
  li t0, MSTATUS_MPIE
  csrc mstatus, t0
  csrsi mstatus, MSTATUS_MIE    /* mie = 0: no interrupt can be taken */
  ARM(ecall_m_next)
ecall_m:
  ecall
ecall_m_next:
  CHECK_TRAP(13, 11, ecall_m, 0)
  li t0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
  and a1, s7, t0
  CHECK_EQ(16, a1, MSTATUS_MPP | MSTATUS_MPIE)   /* MPP = M, MPIE = old MIE, MIE = 0 */
  csrr a1, mstatus
  and a1, a1, t0
  CHECK_EQ(17, a1, MSTATUS_MPIE | MSTATUS_MIE)   /* mret: MIE = MPIE, MPIE = 1, MPP = U */
  csrci mstatus, MSTATUS_MIE

  /* ---- mret on its own: MIE from MPIE */
  li t0, MSTATUS_MPP | MSTATUS_MPIE
  csrs mstatus, t0              /* MPP = M, MPIE = 1, MIE = 0 */
  la t1, mret1_next
  csrw mepc, t1
  mret
mret1_next:
  csrr a1, mstatus
  li t0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
  and a1, a1, t0
  CHECK_EQ(20, a1, MSTATUS_MPIE | MSTATUS_MIE)
  li t0, MSTATUS_MPP
  csrs mstatus, t0              /* MPP = M, MPIE = 1 */
  li t0, MSTATUS_MPIE
  csrc mstatus, t0              /* MPIE = 0 */
  la t1, mret2_next
  csrw mepc, t1
  mret
mret2_next:
  csrr a1, mstatus              /* still M-mode: this does not trap */
  li t0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
  and a1, a1, t0
  CHECK_EQ(21, a1, MSTATUS_MPIE)

  /* ---- load and store access faults: mtval = the address */
  li s8, UNMAPPED
  li a1, 0x1111
  ARM(lfault1_next)
lfault1:
  lw a1, 0(s8)
lfault1_next:
  CHECK_TRAP(30, 5, lfault1, UNMAPPED)
  CHECK_EQ(33, a1, 0x1111)      /* rd keeps its value */
  ARM(lfault2_next)
lfault2:
  lbu a1, 0x7d(s8)
lfault2_next:
  CHECK_TRAP(34, 5, lfault2, UNMAPPED + 0x7d)
  ARM(sfault1_next)
sfault1:
  sw a1, 8(s8)
sfault1_next:
  CHECK_TRAP(37, 7, sfault1, UNMAPPED + 8)
  ARM(sfault2_next)
sfault2:
  sh a1, -2(s8)
sfault2_next:
  CHECK_TRAP(40, 7, sfault2, UNMAPPED - 2)
  /* device registers: a store to read-only mtime, a load from write-only EXIT */
  li s9, VTPU_CLINT_BASE + VTPU_CLINT_MTIME_LO
  ARM(sfault3_next)
sfault3:
  sw zero, 0(s9)
sfault3_next:
  CHECK_TRAP_REG(43, 7, sfault3, s9)
  li s9, VTPU_SIMCTRL_BASE + VTPU_SIMCTRL_EXIT
  ARM(lfault3_next)
lfault3:
  lw a1, 0(s9)
lfault3_next:
  CHECK_TRAP_REG(46, 5, lfault3, s9)
  /* instruction fetch from an unmapped address: mepc = mtval = target */
  ARM(ffault_next)
  jalr s8
ffault_next:
  CHECK_EQ(49, s2, 1)
  CHECK_REG(50, s3, s8)
  CHECK_REG(51, s4, s8)

  /* ---- misaligned MMIO accesses: address-misaligned exceptions */
  li s9, VTPU_SIMCTRL_BASE + VTPU_SIMCTRL_MARKER + 2
  ARM(mis1_next)
mis1:
  lw a1, 0(s9)
mis1_next:
  CHECK_TRAP_REG(55, 4, mis1, s9)
  ARM(mis2_next)
mis2:
  sw a1, 0(s9)
mis2_next:
  CHECK_TRAP_REG(58, 6, mis2, s9)
  li s9, VTPU_SIMCTRL_BASE + VTPU_SIMCTRL_ID + 1
  ARM(mis3_next)
mis3:
  lh a1, 0(s9)
mis3_next:
  CHECK_TRAP_REG(61, 4, mis3, s9)

  /* ---- misaligned and faulting atomics */
  la s10, amo_data
  addi s9, s10, 2
  li a1, 0x3333
  li a2, 1
  ARM(amo1_next)
amo1:
  amoadd.w a1, a2, (s9)
amo1_next:
  CHECK_TRAP_REG(70, 6, amo1, s9)
  CHECK_EQ(73, a1, 0x3333)
  ARM(amo2_next)
amo2:
  amoswap.w a1, a2, (s9)
amo2_next:
  CHECK_TRAP_REG(74, 6, amo2, s9)
  ARM(amo3_next)
amo3:
  lr.w a1, (s9)
amo3_next:
  CHECK_TRAP_REG(77, 4, amo3, s9)
  ARM(amo4_next)
amo4:
  sc.w a1, a2, (s9)
amo4_next:
  CHECK_TRAP_REG(80, 6, amo4, s9)
  lw a3, 0(s10)                 /* memory untouched */
  CHECK_EQ(83, a3, 0x01020304)
  lw a3, 4(s10)
  CHECK_EQ(84, a3, 0x05060708)
  ARM(amo5_next)
amo5:
  amoor.w a1, a2, (s8)          /* unmapped: store/AMO access fault */
amo5_next:
  CHECK_TRAP_REG(85, 7, amo5, s8)
  ARM(amo6_next)
amo6:
  lr.w a1, (s8)                 /* unmapped: load access fault */
amo6_next:
  CHECK_TRAP_REG(88, 5, amo6, s8)

  /* ---- U-mode, entered through mret with MPP = 0 */
  csrwi mcounteren, 4           /* U may read instret, not cycle */
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  la t1, user_code
  csrw mepc, t1
  li s6, 0                      /* the handler returns to U-mode ... */
  mret
user_code:
  /* an M-mode CSR: illegal */
  ARM(u_csr_next)
u_csr:
  csrr a1, mscratch
u_csr_next:
  CHECK_TRAP(100, 2, u_csr, 0x340025f3)
  li t0, MSTATUS_MPP
  and a1, s7, t0
  CHECK_EQ(103, a1, 0)          /* MPP = U */
  /* mret and wfi: illegal in U-mode */
  ARM(u_mret_next)
u_mret:
  mret
u_mret_next:
  CHECK_TRAP(104, 2, u_mret, 0x30200073)
  ARM(u_wfi_next)
u_wfi:
  wfi
u_wfi_next:
  CHECK_TRAP(107, 2, u_wfi, 0x10500073)
  /* counters under mcounteren */
  li s2, -1
  rdinstret a1
  CHECK_EQ(110, s2, -1)         /* no trap */
  ARM(u_cycle_next)
u_cycle:
  rdcycle a1                    /* csrrs a1, cycle, x0 */
u_cycle_next:
  CHECK_TRAP(111, 2, u_cycle, 0xc00025f3)
  /* memory works in U-mode (no PMP entries) */
  lw a1, 0(s10)
  CHECK_EQ(114, a1, 0x01020304)
  /* ecall from U-mode; the handler returns to M-mode */
  li s6, MSTATUS_MPP
  ARM(u_ecall_next)
u_ecall:
  ecall
u_ecall_next:
  CHECK_TRAP(115, 8, u_ecall, 0)
  li t0, MSTATUS_MPP
  and a1, s7, t0
  CHECK_EQ(118, a1, 0)          /* trapped from U */
  csrr a1, mscratch             /* back in M-mode: allowed */
TEST_PASS

  .align 2
trap_handler:
  csrr s2, mcause
  csrr s3, mepc
  csrr s4, mtval
  csrr s7, mstatus
  li t6, MSTATUS_MPP
  csrc mstatus, t6
  csrs mstatus, s6
  csrw mepc, s5
  mret

  .data
  .align 4
amo_data:
  .word 0x01020304, 0x05060708
