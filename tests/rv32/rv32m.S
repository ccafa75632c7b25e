/* RV32M: mul/mulh/mulhsu/mulhu with signed and unsigned operands, div/divu/
 * rem/remu rounding towards zero, division by zero (quotient all ones,
 * remainder = dividend) and the signed overflow INT_MIN / -1 (quotient
 * INT_MIN, remainder 0), as the M chapter of the ISA manual specifies. */
#include "asm_test.h"

/* rd = op va, vb; check rd == expected */
#define OP_CHECK(n, op, va, vb, expected) \
  li a1, va;                              \
  li a2, vb;                              \
  op a3, a1, a2;                          \
  CHECK_EQ(n, a3, expected)

TEST_BEGIN
  /* ---- mul: the low 32 bits, same for any signedness */
  OP_CHECK(1, mul, 7, -3, -21)
  OP_CHECK(2, mul, -7, -3, 21)
  OP_CHECK(3, mul, 0x80000000, -1, 0x80000000)
  OP_CHECK(4, mul, 0x12345678, 0x9abcdef0, 0x242d2080)
  OP_CHECK(5, mul, 0x10000, 0x10000, 0)

  /* ---- mulh: signed x signed, high word */
  OP_CHECK(10, mulh, -1, -1, 0)
  OP_CHECK(11, mulh, 0x80000000, 0x80000000, 0x40000000)
  OP_CHECK(12, mulh, 0x7fffffff, -1, 0xffffffff)
  OP_CHECK(13, mulh, 0x10000, 0x10000, 1)
  OP_CHECK(14, mulh, 0x12345678, 0x9abcdef0, 0xf8cc93d6)
  OP_CHECK(15, mulh, 0x80000000, 0x7fffffff, 0xc0000000)

  /* ---- mulhu: unsigned x unsigned */
  OP_CHECK(20, mulhu, 0xffffffff, 0xffffffff, 0xfffffffe)
  OP_CHECK(21, mulhu, 0x80000000, 2, 1)
  OP_CHECK(22, mulhu, 0x12345678, 0x9abcdef0, 0x0b00ea4e)
  OP_CHECK(23, mulhu, -1, 1, 0)

  /* ---- mulhsu: rs1 signed, rs2 unsigned */
  OP_CHECK(30, mulhsu, -1, 0xffffffff, 0xffffffff)   /* -(2^32-1) */
  OP_CHECK(31, mulhsu, 2, 0xffffffff, 1)
  OP_CHECK(32, mulhsu, 0x80000000, 0xffffffff, 0x80000000)
  OP_CHECK(33, mulhsu, 0x9abcdef0, 0x12345678, 0xf8cc93d6)
  OP_CHECK(34, mulhsu, 0x12345678, 0x9abcdef0, 0x0b00ea4e)
  OP_CHECK(35, mulhsu, -1, 1, 0xffffffff)

  /* ---- div / rem: truncation towards zero, sign of rem follows dividend */
  OP_CHECK(40, div, 20, 3, 6)
  OP_CHECK(41, div, 20, -3, -6)
  OP_CHECK(42, div, -20, 3, -6)
  OP_CHECK(43, div, -20, -3, 6)
  OP_CHECK(44, rem, 20, 3, 2)
  OP_CHECK(45, rem, 20, -3, 2)
  OP_CHECK(46, rem, -20, 3, -2)
  OP_CHECK(47, rem, -20, -3, -2)
  OP_CHECK(48, divu, 20, 3, 6)
  OP_CHECK(49, remu, 20, 3, 2)
  OP_CHECK(50, divu, 0xffffffff, 2, 0x7fffffff)
  OP_CHECK(51, remu, 0xffffffff, 2, 1)
  OP_CHECK(52, divu, -20, 3, 0x5555554e)     /* 0xffffffec / 3 */
  OP_CHECK(53, remu, -20, 3, 2)
  OP_CHECK(54, div, 0x80000000, 2, 0xc0000000)
  OP_CHECK(55, divu, 0x80000000, 2, 0x40000000)

  /* ---- division by zero */
  OP_CHECK(60, div, 1234, 0, -1)
  OP_CHECK(61, div, -1234, 0, -1)
  OP_CHECK(62, divu, 1234, 0, 0xffffffff)
  OP_CHECK(63, rem, 1234, 0, 1234)
  OP_CHECK(64, rem, -1234, 0, -1234)
  OP_CHECK(65, remu, 0xfffffff0, 0, 0xfffffff0)
  OP_CHECK(66, div, 0, 0, -1)

  /* ---- signed overflow */
  OP_CHECK(70, div, 0x80000000, -1, 0x80000000)
  OP_CHECK(71, rem, 0x80000000, -1, 0)
  OP_CHECK(72, divu, 0x80000000, -1, 0)            /* unsigned: no overflow */
  OP_CHECK(73, remu, 0x80000000, -1, 0x80000000)
  OP_CHECK(74, div, 0x80000001, -1, 0x7fffffff)

  /* ---- destination aliasing a source */
  li a1, 100
  li a2, 7
  div a1, a1, a2
  CHECK_EQ(80, a1, 14)
  li a1, 100
  rem a2, a1, a2
  CHECK_EQ(81, a2, 2)
  li a1, -9
  mul a1, a1, a1
  CHECK_EQ(82, a1, 81)
TEST_PASS
