/* RV32I beyond plain arithmetic: loads and stores of every width (sign and
 * zero extension, negative offsets, misaligned accesses to RAM), all six
 * branches taken and not taken (signed/unsigned edge cases, backward
 * branches), jal/jalr link values and target computation, lui/auipc,
 * shifts (register amounts are taken modulo 32), set-less-than and logic
 * immediates, and writes to x0.
 * Everything is assembled uncompressed (.option norvc): rv32c.S covers C. */
#include "asm_test.h"

/* Branch `op va, vb` must be taken. */
#define BR_TAKEN(n, op, va, vb) \
  li a1, va;                    \
  li a2, vb;                    \
  li s1, 0;                     \
  op a1, a2, 2f;                \
  li s1, 1;                     \
  2:                            \
  CHECK_EQ(n, s1, 0)

/* Branch `op va, vb` must fall through. */
#define BR_NOT_TAKEN(n, op, va, vb) \
  li a1, va;                        \
  li a2, vb;                        \
  li s1, 0;                         \
  op a1, a2, 2f;                    \
  li s1, 1;                         \
  2:                                \
  CHECK_EQ(n, s1, 1)

  .option norvc
TEST_BEGIN
  la s0, data

  /* ---- loads: data = 01 7f ff 80 | 78 56 34 12 (little-endian bytes) */
  lb a1, 0(s0)
  CHECK_EQ(1, a1, 0x01)
  lb a1, 1(s0)
  CHECK_EQ(2, a1, 0x7f)
  lb a1, 2(s0)
  CHECK_EQ(3, a1, 0xffffffff)
  lb a1, 3(s0)
  CHECK_EQ(4, a1, 0xffffff80)
  lbu a1, 2(s0)
  CHECK_EQ(5, a1, 0xff)
  lbu a1, 3(s0)
  CHECK_EQ(6, a1, 0x80)
  lh a1, 0(s0)
  CHECK_EQ(7, a1, 0x7f01)
  lh a1, 2(s0)
  CHECK_EQ(8, a1, 0xffff80ff)
  lhu a1, 2(s0)
  CHECK_EQ(9, a1, 0x80ff)
  lw a1, 0(s0)
  CHECK_EQ(10, a1, 0x80ff7f01)
  lw a1, 4(s0)
  CHECK_EQ(11, a1, 0x12345678)
  addi s1, s0, 8
  lw a1, -4(s1)                 /* negative offset */
  CHECK_EQ(12, a1, 0x12345678)
  lbu a1, -5(s1)
  CHECK_EQ(13, a1, 0x80)

  /* misaligned loads from RAM */
  lw a1, 1(s0)
  CHECK_EQ(14, a1, 0x7880ff7f)
  lw a1, 2(s0)
  CHECK_EQ(15, a1, 0x567880ff)
  lw a1, 3(s0)
  CHECK_EQ(16, a1, 0x34567880)
  lh a1, 1(s0)
  CHECK_EQ(17, a1, 0xffffff7f)
  lhu a1, 1(s0)
  CHECK_EQ(18, a1, 0xff7f)
  lh a1, 3(s0)
  CHECK_EQ(19, a1, 0x7880)

  /* a load into the same register as its base */
  mv a1, s0
  lw a1, 4(a1)
  CHECK_EQ(20, a1, 0x12345678)

  /* ---- stores into scratch = data + 8 (six zero words) */
  li t0, 0xdeadbeef
  sb t0, 8(s0)
  sb t0, 9(s0)
  lw a1, 8(s0)
  CHECK_EQ(21, a1, 0x0000efef)
  sh t0, 10(s0)
  lw a1, 8(s0)
  CHECK_EQ(22, a1, 0xbeefefef)
  sw t0, 12(s0)
  lw a1, 12(s0)
  CHECK_EQ(23, a1, 0xdeadbeef)
  lw a1, 16(s0)                 /* the neighbour is untouched */
  CHECK_EQ(24, a1, 0)
  /* misaligned stores */
  li t0, 0x11223344
  sw t0, 13(s0)                 /* bytes 44 33 22 11 at 13..16 */
  lw a1, 12(s0)
  CHECK_EQ(25, a1, 0x223344ef)
  lw a1, 16(s0)
  CHECK_EQ(26, a1, 0x00000011)
  li t0, 0xffffabcd
  sh t0, 19(s0)                 /* cd at 19, ab at 20 */
  lw a1, 16(s0)
  CHECK_EQ(27, a1, 0xcd000011)
  lw a1, 20(s0)
  CHECK_EQ(28, a1, 0x000000ab)
  lh a1, 19(s0)
  CHECK_EQ(29, a1, 0xffffabcd)
  lhu a1, 19(s0)
  CHECK_EQ(30, a1, 0xabcd)
  addi s1, s0, 32
  li t0, 0x5a
  sb t0, -8(s1)                 /* negative store offset: data + 24 */
  lw a1, 24(s0)
  CHECK_EQ(31, a1, 0x5a)

  /* ---- branches */
  BR_TAKEN(40, beq, 5, 5)
  BR_NOT_TAKEN(41, beq, 5, 6)
  BR_NOT_TAKEN(42, beq, 0x80000000, 0)
  BR_TAKEN(43, bne, 5, 6)
  BR_NOT_TAKEN(44, bne, -1, 0xffffffff)
  BR_TAKEN(45, blt, -1, 1)
  BR_NOT_TAKEN(46, blt, 1, -1)
  BR_NOT_TAKEN(47, blt, 7, 7)
  BR_TAKEN(48, blt, 0x80000000, 0x7fffffff)
  BR_TAKEN(49, bge, 1, -1)
  BR_TAKEN(50, bge, 7, 7)
  BR_NOT_TAKEN(51, bge, -2, -1)
  BR_NOT_TAKEN(52, bge, 0x80000000, 0x7fffffff)
  BR_TAKEN(53, bltu, 1, -1)
  BR_NOT_TAKEN(54, bltu, -1, 1)
  BR_NOT_TAKEN(55, bltu, 0x80000000, 0x7fffffff)
  BR_NOT_TAKEN(56, bltu, 7, 7)
  BR_TAKEN(57, bgeu, -1, 1)
  BR_TAKEN(58, bgeu, 7, 7)
  BR_TAKEN(59, bgeu, 0x80000000, 0x7fffffff)
  BR_NOT_TAKEN(60, bgeu, 1, -1)
  BR_NOT_TAKEN(61, bgeu, 0, 1)
  /* backward branch: a loop of 10 iterations */
  li a1, 10
  li a2, 0
loop:
  addi a2, a2, 3
  addi a1, a1, -1
  bnez a1, loop
  CHECK_EQ(62, a2, 30)

  /* ---- jal / jalr */
  auipc s2, 0
  jal s1, jal_target            /* at s2 + 4: link = s2 + 8 */
  FAIL(70)
jal_target:
  addi s2, s2, 8
  CHECK_REG(71, s1, s2)
  jal x0, jal_skip              /* j: no link */
  FAIL(72)
jal_skip:
  la t0, jalr_target
  auipc s2, 0
  jalr s1, 0(t0)                /* at s2 + 4 */
  FAIL(73)
jalr_target:
  addi s2, s2, 8
  CHECK_REG(74, s1, s2)
  /* target = (rs1 + imm) & ~1: rs1 + imm is odd here */
  la t0, jalr_odd
  addi t0, t0, -3
  jalr s1, 4(t0)
  FAIL(75)
  .align 2
jalr_odd:
  /* rd == rs1: the target uses the old value */
  la s3, jalr_same
  mv s4, s3
  jalr s3, 0(s3)
jalr_ret:
  FAIL(76)
jalr_same:
  la s2, jalr_ret
  CHECK_REG(77, s3, s2)
  /* a call and return through ra */
  li a1, 0
  jal ra, subroutine
  CHECK_EQ(78, a1, 42)

  /* ---- lui / auipc */
  lui a1, 0x12345
  CHECK_EQ(80, a1, 0x12345000)
  lui a1, 0xfffff
  CHECK_EQ(81, a1, 0xfffff000)
  lui a1, 0x80000
  CHECK_EQ(82, a1, 0x80000000)
auipc_here:
  auipc a1, 0x1
  la a2, auipc_here
  sub a1, a1, a2
  CHECK_EQ(83, a1, 0x1000)
auipc_neg:
  auipc a1, 0xfffff             /* pc - 0x1000 */
  la a2, auipc_neg
  sub a1, a2, a1
  CHECK_EQ(84, a1, 0x1000)
  /* auipc 0 is the instruction's own address: the code runs from RAM */
  auipc a1, 0
  srli a1, a1, 28
  CHECK_EQ(85, a1, 0x8)

  /* ---- shifts */
  li a1, 0x80000001
  li a2, 31
  sll a3, a1, a2
  CHECK_EQ(90, a3, 0x80000000)
  srl a3, a1, a2
  CHECK_EQ(91, a3, 1)
  sra a3, a1, a2
  CHECK_EQ(92, a3, 0xffffffff)
  li a2, 32                     /* amount 32 & 31 = 0 */
  sll a3, a1, a2
  CHECK_EQ(93, a3, 0x80000001)
  srl a3, a1, a2
  CHECK_EQ(94, a3, 0x80000001)
  sra a3, a1, a2
  CHECK_EQ(95, a3, 0x80000001)
  li a2, 33                     /* 33 & 31 = 1 */
  sll a3, a1, a2
  CHECK_EQ(96, a3, 0x00000002)
  srl a3, a1, a2
  CHECK_EQ(97, a3, 0x40000000)
  sra a3, a1, a2
  CHECK_EQ(98, a3, 0xc0000000)
  li a2, -1                     /* 0xffffffff & 31 = 31 */
  sll a3, a1, a2
  CHECK_EQ(99, a3, 0x80000000)
  srl a3, a1, a2
  CHECK_EQ(100, a3, 1)
  li a2, 0x7fffffe4             /* & 31 = 4 */
  sra a3, a1, a2
  CHECK_EQ(101, a3, 0xf8000000)
  slli a3, a1, 31
  CHECK_EQ(102, a3, 0x80000000)
  srli a3, a1, 31
  CHECK_EQ(103, a3, 1)
  srai a3, a1, 31
  CHECK_EQ(104, a3, 0xffffffff)
  slli a3, a1, 0
  CHECK_EQ(105, a3, 0x80000001)
  srai a3, a1, 4
  CHECK_EQ(106, a3, 0xf8000000)
  li a1, 0x7ffffff0
  srai a3, a1, 4                /* positive: zeros shift in */
  CHECK_EQ(107, a3, 0x07ffffff)
  slli a3, a1, 4
  CHECK_EQ(108, a3, 0xffffff00)

  /* ---- compares and logic immediates */
  li a1, -1
  sltiu a3, a1, -1              /* 0xffffffff < 0xffffffff: no */
  CHECK_EQ(110, a3, 0)
  li a1, 5
  sltiu a3, a1, -1              /* 5 < 0xffffffff */
  CHECK_EQ(111, a3, 1)
  li a1, -5
  slti a3, a1, -4
  CHECK_EQ(112, a3, 1)
  slti a3, a1, -5
  CHECK_EQ(113, a3, 0)
  li a1, 0
  sltiu a3, a1, 1               /* seqz */
  CHECK_EQ(114, a3, 1)
  li a1, 0x80000000
  li a2, 1
  slt a3, a1, a2
  CHECK_EQ(115, a3, 1)
  sltu a3, a1, a2
  CHECK_EQ(116, a3, 0)
  li a1, 0x0f0f0f0f
  xori a3, a1, -1               /* not */
  CHECK_EQ(117, a3, 0xf0f0f0f0)
  ori a3, a1, 0x7f0
  CHECK_EQ(118, a3, 0x0f0f0fff)
  andi a3, a1, -16              /* 0xfffffff0 */
  CHECK_EQ(119, a3, 0x0f0f0f00)
  andi a3, a1, 0x0f0
  CHECK_EQ(120, a3, 0x00000000)
  li a2, 0x00ff00ff
  xor a3, a1, a2
  CHECK_EQ(121, a3, 0x0ff00ff0)
  or a3, a1, a2
  CHECK_EQ(122, a3, 0x0fff0fff)
  and a3, a1, a2
  CHECK_EQ(123, a3, 0x000f000f)
  addi a3, a1, 2047
  CHECK_EQ(124, a3, 0x0f0f170e)

  /* ---- x0 stays zero */
  addi x0, x0, 5
  lui x0, 0x12345
  lw x0, 0(s0)
  mv a1, x0
  CHECK_EQ(130, a1, 0)
TEST_PASS

subroutine:
  li a1, 42
  ret

  .data
  .align 4
data:
  .word 0x80ff7f01, 0x12345678
  .word 0, 0, 0, 0, 0, 0, 0, 0
