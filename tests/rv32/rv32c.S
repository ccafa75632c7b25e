/* RV32C: every compressed instruction of RV32C without floating point,
 * written with explicit c.* mnemonics so that the assembler must emit the
 * 16-bit forms (it fails otherwise). Immediates at the ends of their ranges,
 * link values of c.jal/c.jalr (pc + 2), branches both ways. */
#include "asm_test.h"

TEST_BEGIN
  addi sp, sp, -256

  /* ---- c.li / c.lui / c.addi / c.nop */
  c.li a1, 31
  CHECK_EQ(1, a1, 31)
  c.li a1, -32
  CHECK_EQ(2, a1, -32)
  c.lui a2, 1
  CHECK_EQ(3, a2, 0x1000)
  c.lui a2, 0x1f
  CHECK_EQ(4, a2, 0x1f000)
  c.lui a2, 0xfffe0             /* nzimm = -32 */
  CHECK_EQ(5, a2, 0xfffe0000)
  c.lui t1, 0xfffff             /* nzimm = -1, rd outside x8..x15 */
  CHECK_EQ(6, t1, 0xfffff000)
  c.li a1, 10
  c.addi a1, -32
  CHECK_EQ(7, a1, -22)
  c.addi a1, 31
  CHECK_EQ(8, a1, 9)
  c.nop
  CHECK_EQ(9, a1, 9)

  /* ---- c.addi16sp / c.addi4spn */
  c.mv s1, sp
  c.addi16sp sp, -512
  sub a1, s1, sp
  CHECK_EQ(10, a1, 512)
  c.addi16sp sp, 496
  sub a1, s1, sp
  CHECK_EQ(11, a1, 16)
  c.addi16sp sp, 16
  CHECK_REG(12, sp, s1)
  c.addi4spn a3, sp, 1020
  sub a1, a3, sp
  CHECK_EQ(13, a1, 1020)
  c.addi4spn a3, sp, 4
  sub a1, a3, sp
  CHECK_EQ(14, a1, 4)

  /* ---- c.slli / c.srli / c.srai / c.andi */
  c.li a4, -1
  c.slli a4, 31
  CHECK_EQ(20, a4, 0x80000000)
  c.srli a4, 31
  CHECK_EQ(21, a4, 1)
  c.li a5, -32
  c.slli a5, 26
  CHECK_EQ(22, a5, 0x80000000)
  c.srai a5, 4
  CHECK_EQ(23, a5, 0xf8000000)
  c.srai a5, 31
  CHECK_EQ(24, a5, 0xffffffff)
  c.li a5, -32
  c.srli a5, 1
  CHECK_EQ(25, a5, 0x7ffffff0)
  li t2, 3
  c.slli t2, 4
  CHECK_EQ(26, t2, 0x30)
  li a4, 0x12345678
  c.andi a4, 31
  CHECK_EQ(27, a4, 0x18)
  li a4, 0x12345678
  c.andi a4, -32
  CHECK_EQ(28, a4, 0x12345660)

  /* ---- c.mv / c.add / c.sub / c.xor / c.or / c.and */
  li a4, 0x0f0f0f0f
  li a5, 0x00ff00ff
  c.mv a3, a4
  CHECK_EQ(30, a3, 0x0f0f0f0f)
  c.add a3, a5
  CHECK_EQ(31, a3, 0x100e100e)
  c.sub a3, a5
  CHECK_EQ(32, a3, 0x0f0f0f0f)
  c.xor a3, a5
  CHECK_EQ(33, a3, 0x0ff00ff0)
  c.or a3, a5
  CHECK_EQ(34, a3, 0x0fff0fff)
  c.and a3, a5
  CHECK_EQ(35, a3, 0x00ff00ff)
  c.li a3, 1
  c.sub a3, a5                  /* 1 - 0x00ff00ff */
  CHECK_EQ(36, a3, 0xff00ff02)
  li t1, 100
  li t2, 23
  c.add t1, t2                  /* full register set */
  CHECK_EQ(37, t1, 123)
  c.mv t1, t2
  CHECK_EQ(38, t1, 23)

  /* ---- c.sw / c.lw (offsets 0..124) */
  la s0, data
  c.sw a4, 0(s0)
  c.sw a5, 124(s0)
  lw a1, 0(s0)
  CHECK_EQ(40, a1, 0x0f0f0f0f)
  lw a1, 124(s0)
  CHECK_EQ(41, a1, 0x00ff00ff)
  li t0, 0x13579bdf
  sw t0, 64(s0)
  c.lw a2, 64(s0)
  CHECK_EQ(42, a2, 0x13579bdf)
  c.lw a2, 124(s0)
  CHECK_EQ(43, a2, 0x00ff00ff)
  c.mv a2, s0
  c.lw a2, 0(a2)                /* rd = rs1 */
  CHECK_EQ(44, a2, 0x0f0f0f0f)

  /* ---- c.swsp / c.lwsp (offsets 0..252) */
  c.swsp a4, 0(sp)
  c.swsp a5, 252(sp)
  lw a1, 0(sp)
  CHECK_EQ(50, a1, 0x0f0f0f0f)
  lw a1, 252(sp)
  CHECK_EQ(51, a1, 0x00ff00ff)
  li t0, 0x2468ace0
  sw t0, 128(sp)
  c.lwsp t1, 128(sp)
  CHECK_EQ(52, t1, 0x2468ace0)
  c.lwsp t1, 252(sp)
  CHECK_EQ(53, t1, 0x00ff00ff)

  /* ---- c.j / c.jal / c.jr / c.jalr */
  c.j cj_forward
  FAIL(60)
cj_forward:
  auipc s1, 0
  c.jal cjal_target             /* at s1 + 4: link = s1 + 6 */
  FAIL(61)
cjal_target:
  addi s1, s1, 6
  CHECK_REG(62, ra, s1)
  la t0, cjr_target
  c.jr t0
  FAIL(63)
cjr_target:
  la t0, cjalr_target
  auipc s1, 0
  c.jalr t0                     /* at s1 + 4 */
  FAIL(64)
cjalr_target:
  addi s1, s1, 6
  CHECK_REG(65, ra, s1)
  /* a call and a return: c.jal then c.jr ra */
  c.li a1, 0
  c.jal csub
  CHECK_EQ(66, a1, 17)
  /* c.j backwards in a loop */
  c.li a1, 3
  c.li a2, 0
cloop:
  c.addi a2, 5
  c.addi a1, -1
  c.beqz a1, cloop_done
  c.j cloop
cloop_done:
  CHECK_EQ(67, a2, 15)

  /* ---- c.beqz / c.bnez */
  c.li a1, 0
  c.li a2, 0
  c.beqz a1, 2f                 /* taken */
  c.li a2, 1
2:
  CHECK_EQ(70, a2, 0)
  c.li a1, -1
  c.beqz a1, 2f                 /* not taken */
  c.li a2, 1
2:
  CHECK_EQ(71, a2, 1)
  c.li a2, 0
  c.bnez a1, 2f                 /* taken */
  c.li a2, 1
2:
  CHECK_EQ(72, a2, 0)
  c.li a1, 0
  c.bnez a1, 2f                 /* not taken */
  c.li a2, 1
2:
  CHECK_EQ(73, a2, 1)
  /* c.bnez backwards */
  c.li a1, 6
  c.li a2, 0
bloop:
  c.addi a2, 2
  c.addi a1, -1
  c.bnez a1, bloop
  CHECK_EQ(74, a2, 12)

  /* ---- long offsets, to exercise every offset bit: c.beqz/c.bnez
   * reach -256..+254, c.j -2048..+2046 */
  c.li a1, 0
  c.beqz a1, cb_far_fwd         /* about +214 */
  FAIL(80)
  .fill 100, 2, 0x0001          /* c.nop */
cb_far_fwd:
  c.li a1, 1
  c.li a2, 0
  c.j cb_far_back_test
cb_far_back_target:
  c.li a2, 7
  c.j cb_far_done
  .fill 100, 2, 0x0001
cb_far_back_test:
  c.bnez a1, cb_far_back_target /* about -206 */
  FAIL(81)
cb_far_done:
  CHECK_EQ(82, a2, 7)
  c.li a3, 0
  c.j cj_far_fwd                /* about +1416 */
  FAIL(83)
  .fill 700, 2, 0x0001
cj_far_fwd:
  c.j cj_far_back_test
cj_far_back_target:
  c.li a3, 9
  c.j cj_far_done
  .fill 700, 2, 0x0001
cj_far_back_test:
  c.j cj_far_back_target        /* about -1406 */
  FAIL(84)
cj_far_done:
  CHECK_EQ(85, a3, 9)
TEST_PASS

csub:
  c.li a1, 17
  c.jr ra

  .data
  .align 4
data:
  .space 128
