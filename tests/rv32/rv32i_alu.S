/* RV32I register-register and register-immediate arithmetic. */
#include "asm_test.h"

TEST_BEGIN
  li a1, 7
  li a2, -3
  add a3, a1, a2
  CHECK_EQ(1, a3, 4)
  sub a3, a1, a2
  CHECK_EQ(2, a3, 10)
  addi a3, a2, -2048
  CHECK_EQ(3, a3, -2051)
  slt a3, a2, a1
  CHECK_EQ(4, a3, 1)
  sltu a3, a2, a1
  CHECK_EQ(5, a3, 0)
  srai a3, a2, 1
  CHECK_EQ(6, a3, -2)
  srli a3, a2, 28
  CHECK_EQ(7, a3, 0xf)
TEST_PASS
