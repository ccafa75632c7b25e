/* RV32A: lr.w/sc.w success (rd = 0, memory written) and failure (rd = 1,
 * memory untouched: no reservation, reservation used up, other address),
 * and every amo*.w: rd receives the old value, memory the operation's
 * result, including the signed/unsigned difference of min/max, rd = x0,
 * rd = rs2 and the aq/rl variants. */
#include "asm_test.h"

/* mem = init; amo a3, src, (s0); check a3 == init and mem == expected */
#define AMO_CHECK(n, op, init, src, expected) \
  li t0, init;                                \
  sw t0, 0(s0);                               \
  li a2, src;                                 \
  li a3, 0x5555;                              \
  op a3, a2, (s0);                            \
  CHECK_EQ(n, a3, init)                       \
  lw a4, 0(s0);                               \
  CHECK_EQ(n + 100, a4, expected)

TEST_BEGIN
  la s0, word
  addi s1, s0, 4                /* the neighbouring word */

  /* ---- lr/sc success */
  li t0, 100
  sw t0, 0(s0)
  lr.w a1, (s0)
  CHECK_EQ(1, a1, 100)
  addi a1, a1, 1
  sc.w a2, a1, (s0)
  CHECK_EQ(2, a2, 0)
  lw a3, 0(s0)
  CHECK_EQ(3, a3, 101)

  /* ---- sc without a reservation (the last sc used it up) fails */
  li a1, 555
  sc.w a2, a1, (s0)
  CHECK_EQ(4, a2, 1)
  lw a3, 0(s0)
  CHECK_EQ(5, a3, 101)

  /* ---- sc to another address than the reserved one fails */
  li t0, 7
  sw t0, 0(s1)
  lr.w a1, (s0)
  li a1, 999
  sc.w a2, a1, (s1)
  CHECK_EQ(6, a2, 1)
  lw a3, 0(s1)
  CHECK_EQ(7, a3, 7)
  lw a3, 0(s0)
  CHECK_EQ(8, a3, 101)

  /* ---- a retry loop: atomic increment */
  li a4, 5
inc_loop:
  lr.w.aq a1, (s0)
  addi a1, a1, 10
  sc.w.rl a2, a1, (s0)
  bnez a2, inc_loop
  addi a4, a4, -1
  bnez a4, inc_loop
  lw a3, 0(s0)
  CHECK_EQ(9, a3, 151)

  /* ---- AMOs */
  AMO_CHECK(10, amoswap.w, 0x11111111, 0x22222222, 0x22222222)
  AMO_CHECK(11, amoadd.w, 0xffffffff, 2, 1)
  AMO_CHECK(12, amoadd.w, 0x7fffffff, 1, 0x80000000)
  AMO_CHECK(13, amoxor.w, 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0)
  AMO_CHECK(14, amoand.w, 0xff00ff00, 0x0ff00ff0, 0x0f000f00)
  AMO_CHECK(15, amoor.w, 0xff00ff00, 0x0ff00ff0, 0xfff0fff0)
  /* signed min/max: -5 < 3 */
  AMO_CHECK(16, amomin.w, -5, 3, -5)
  AMO_CHECK(17, amomin.w, 3, -5, -5)
  AMO_CHECK(18, amomax.w, -5, 3, 3)
  AMO_CHECK(19, amomax.w, 3, -5, 3)
  AMO_CHECK(20, amomin.w, 0x80000000, 0x7fffffff, 0x80000000)
  AMO_CHECK(21, amomax.w, 0x80000000, 0x7fffffff, 0x7fffffff)
  /* unsigned min/max: 3 < 0xfffffffb */
  AMO_CHECK(22, amominu.w, -5, 3, 3)
  AMO_CHECK(23, amominu.w, 3, -5, 3)
  AMO_CHECK(24, amomaxu.w, -5, 3, -5)
  AMO_CHECK(25, amomaxu.w, 3, -5, -5)
  AMO_CHECK(26, amominu.w, 0x80000000, 0x7fffffff, 0x7fffffff)
  AMO_CHECK(27, amomaxu.w, 0x80000000, 0x7fffffff, 0x80000000)
  /* equal operands */
  AMO_CHECK(28, amomin.w, 9, 9, 9)
  /* aq/rl forms decode to the same operations */
  AMO_CHECK(29, amoadd.w.aq, 40, 2, 42)
  AMO_CHECK(30, amoor.w.rl, 1, 6, 7)
  AMO_CHECK(31, amoswap.w.aqrl, 5, 6, 6)

  /* rd = x0: memory still updated */
  li t0, 1000
  sw t0, 0(s0)
  li a2, 24
  amoadd.w x0, a2, (s0)
  lw a3, 0(s0)
  CHECK_EQ(40, a3, 1024)
  /* rd = rs2: the source is read before rd is written */
  li a2, 77
  amoswap.w a2, a2, (s0)
  CHECK_EQ(41, a2, 1024)
  lw a3, 0(s0)
  CHECK_EQ(42, a3, 77)
  /* the neighbour was never touched by the AMOs */
  lw a3, 0(s1)
  CHECK_EQ(43, a3, 7)
TEST_PASS

  .data
  .align 4
word:
  .word 0, 0
