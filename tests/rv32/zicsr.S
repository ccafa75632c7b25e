/* Zicsr: csrrw/csrrs/csrrc and their immediate forms on mscratch (old value
 * to rd, new value to the CSR, rs1 = x0 / zimm = 0 do not write), misa,
 * the ID registers, read-only and nonexistent CSRs (illegal instruction with
 * mtval = the instruction bits and mepc = its address, CSR and rd unchanged),
 * and the counters: minstret counts retired instructions exactly, mcycle
 * increases, counter writes are seen by the next instruction. */
#include "asm_test.h"

/* The instruction at `label` must raise an illegal-instruction exception
 * whose mtval is `bits`; the trap handler resumes after it. */
#define EXPECT_ILLEGAL(n, label, bits) \
  la s5, label + 4;                    \
  li s2, 0;                            \
  li s3, 0;                            \
  li s4, 0;                            \
  j label;                             \
  .align 2;                            \
  label:                               \
  .option push;                        \
  .option norvc;

#define EXPECT_ILLEGAL_END(n, label, bits) \
  .option pop;                             \
  CHECK_TRAP(n, 2, label, bits)

TEST_BEGIN
  la t0, trap_handler
  csrw mtvec, t0

  /* ---- csrrw */
  li a1, 0x12345678
  csrw mscratch, a1
  li a2, 0xcafef00d
  csrrw a3, mscratch, a2
  CHECK_EQ(1, a3, 0x12345678)
  csrr a4, mscratch
  CHECK_EQ(2, a4, 0xcafef00d)
  /* rd = rs1: the old CSR value goes to rd, the old rd to the CSR */
  li a1, 77
  csrrw a1, mscratch, a1
  CHECK_EQ(3, a1, 0xcafef00d)
  csrr a1, mscratch
  CHECK_EQ(4, a1, 77)
  csrw mscratch, a2

  /* ---- csrrs / csrrc */
  li a2, 0x0000000f
  csrrs a3, mscratch, a2
  CHECK_EQ(10, a3, 0xcafef00d)
  csrr a4, mscratch
  CHECK_EQ(11, a4, 0xcafef00f)
  li a2, 0xff000000
  csrrc a3, mscratch, a2
  CHECK_EQ(12, a3, 0xcafef00f)
  csrr a4, mscratch
  CHECK_EQ(13, a4, 0x00fef00f)
  csrrs a3, mscratch, x0        /* read only */
  CHECK_EQ(14, a3, 0x00fef00f)
  csrrc a3, mscratch, x0
  csrr a4, mscratch
  CHECK_EQ(15, a4, 0x00fef00f)

  /* ---- immediate forms: 5-bit zero-extended zimm */
  csrrwi a3, mscratch, 31
  CHECK_EQ(20, a3, 0x00fef00f)
  csrr a4, mscratch
  CHECK_EQ(21, a4, 31)
  csrrwi a3, mscratch, 16
  csrrsi a3, mscratch, 5
  CHECK_EQ(22, a3, 16)
  csrr a4, mscratch
  CHECK_EQ(23, a4, 21)
  csrrci a3, mscratch, 17
  CHECK_EQ(24, a3, 21)
  csrr a4, mscratch
  CHECK_EQ(25, a4, 4)
  csrrsi a3, mscratch, 0
  csrrci a3, mscratch, 0
  CHECK_EQ(26, a3, 4)
  csrr a4, mscratch
  CHECK_EQ(27, a4, 4)

  /* ---- WARL fields: mepc[0] is always 0 (IALIGN = 16), mstatus.MPP
   * holds only supported modes (M, U) */
  li a1, 0x80000003
  csrw mepc, a1
  csrr a2, mepc
  CHECK_EQ(16, a2, 0x80000002)
  li a1, 0x800
  csrc mstatus, a1
  li a1, 0x1000
  csrs mstatus, a1              /* MPP = 2 (reserved): must not stick */
  csrr a2, mstatus
  srli a2, a2, 11
  andi a2, a2, 3
  li a3, 2
  bne a2, a3, mpp_ok1
  FAIL(17)
mpp_ok1:
  li a1, 0x1800
  csrc mstatus, a1
  li a1, 0x800
  csrs mstatus, a1              /* MPP = 1 (S, not implemented): same */
  csrr a2, mstatus
  srli a2, a2, 11
  andi a2, a2, 3
  li a3, 1
  bne a2, a3, mpp_ok2
  FAIL(18)
mpp_ok2:
  li a1, 0x1800
  csrs mstatus, a1              /* MPP = 3 */
  csrr a2, mstatus
  srli a2, a2, 11
  andi a2, a2, 3
  CHECK_EQ(19, a2, 3)

  /* ---- machine information registers */
  csrr a1, misa
  CHECK_EQ(30, a1, 0x40101105)  /* MXL = 1; A, C, I, M, U */
  csrr a1, mhartid
  CHECK_EQ(31, a1, 0)
  /* zimm = 0 / rs1 = x0: no write, so read-only CSRs do not trap */
  li s2, 0
  csrrsi a1, mhartid, 0
  csrrc a1, mvendorid, x0
  csrrs a1, cycle, x0
  CHECK_EQ(32, s2, 0)

  /* ---- writes to read-only CSRs: illegal instruction */
  li a1, 0x55
  EXPECT_ILLEGAL(40, ro_1, 0)
  csrw mvendorid, a1            /* csrrw x0, 0xf11, a1 */
  EXPECT_ILLEGAL_END(40, ro_1, 0xf1159073)
  EXPECT_ILLEGAL(43, ro_2, 0)
  csrs mhartid, a1              /* csrrs x0, 0xf14, a1 */
  EXPECT_ILLEGAL_END(43, ro_2, 0xf145a073)
  EXPECT_ILLEGAL(46, ro_3, 0)
  csrrwi a3, cycle, 1           /* csrrwi a3, 0xc00, 1 */
  EXPECT_ILLEGAL_END(46, ro_3, 0xc000d6f3)
  li a3, 0x66
  EXPECT_ILLEGAL(49, ro_4, 0)
  csrrci a3, instret, 2         /* csrrci a3, 0xc02, 2 */
  EXPECT_ILLEGAL_END(49, ro_4, 0xc02176f3)
  CHECK_EQ(52, a3, 0x66)        /* rd is not written by a trapping CSR op */

  /* ---- a CSR that does not exist (satp: no S-mode) */
  li a1, 0x77
  EXPECT_ILLEGAL(55, no_csr, 0)
  csrr a1, satp                 /* csrrs a1, 0x180, x0 */
  EXPECT_ILLEGAL_END(55, no_csr, 0x180025f3)
  CHECK_EQ(58, a1, 0x77)

  /* ---- minstret: each retired instruction counts once; a CSR read sees
   * the count before its own instruction retires */
  .option push
  .option norvc
  csrr a1, minstret
  nop
  nop
  nop
  csrr a2, minstret
  .option pop
  sub a3, a2, a1
  CHECK_EQ(60, a3, 4)
  csrr a1, instret              /* the user-level alias */
  addi x0, x0, 0
  csrr a2, minstret
  sub a3, a2, a1
  CHECK_EQ(61, a3, 2)
  /* a write is what the next instruction reads */
  li a1, 1000
  csrw minstret, a1
  csrr a2, minstret
  CHECK_EQ(62, a2, 1000)
  li a1, 5
  csrw minstreth, a1
  csrr a2, minstreth
  CHECK_EQ(63, a2, 5)
  csrr a2, instreth
  CHECK_EQ(64, a2, 5)
  csrw minstreth, zero

  /* ---- mcycle increases and can be written */
  csrr a1, mcycle
  li a3, 20
cycle_loop:
  addi a3, a3, -1
  bnez a3, cycle_loop
  csrr a2, mcycle
  sub a3, a2, a1
  li a4, 40                     /* 40 instructions take at least 40 cycles */
  bgeu a3, a4, cycle_ok
  FAIL(70)
cycle_ok:
  csrr a1, cycle
  bgeu a1, a2, cycle_ok2        /* cycle aliases mcycle: not behind it */
  FAIL(71)
cycle_ok2:
  csrw mcycle, zero
  csrr a1, mcycle
  li a4, 16
  bltu a1, a4, cycle_ok3
  FAIL(72)
cycle_ok3:
  li a1, 0xabc
  csrw mcycleh, a1
  csrr a2, mcycleh
  CHECK_EQ(73, a2, 0xabc)
  csrr a2, cycleh
  CHECK_EQ(74, a2, 0xabc)
  csrr a2, minstreth            /* mcycleh and minstreth are separate */
  CHECK_EQ(75, a2, 0)
  csrw mcycleh, zero
TEST_PASS

RECORDING_TRAP_HANDLER
