/* Cycle accounting against the cost table in docs/core.md (default config:
 * core RAM latency 1 + router latency 1 = 2 cycles per data access, sim-control
 * register latency 1 + router 1 = 2). `csrr rd, mcycle` counts its own 2 cycles,
 * so each measured difference = (cycles of the instructions between) + 2. */
#include "asm_test.h"

#define MEASURE_BEGIN csrr s0, mcycle
#define MEASURE_END(n, expected) \
  csrr s1, mcycle;               \
  sub s1, s1, s0;                \
  CHECK_EQ(n, s1, expected)

TEST_BEGIN
  la s2, data
  li s3, 3
  li s4, 7

  /* 10 ALU operations: 10 x 1 + 2 */
  MEASURE_BEGIN
  .rept 10
  addi a1, a1, 1
  .endr
  MEASURE_END(1, 12)

  /* 4 multiplies: 4 x 3 + 2 */
  MEASURE_BEGIN
  .rept 4
  mul a1, s3, s4
  .endr
  MEASURE_END(2, 14)

  /* 2 divides: 2 x 34 + 2 */
  MEASURE_BEGIN
  div a1, s4, s3
  rem a1, s4, s3
  MEASURE_END(3, 70)

  /* 4 loads from core RAM: 4 x (1 + 2) + 2 */
  MEASURE_BEGIN
  .rept 4
  lw a1, 0(s2)
  .endr
  MEASURE_END(4, 14)

  /* 3 stores to core RAM: 3 x (1 + 2) + 2 */
  MEASURE_BEGIN
  .rept 3
  sw a1, 4(s2)
  .endr
  MEASURE_END(5, 11)

  /* 2 taken branches: 2 x (1 + 2) + 2 */
  MEASURE_BEGIN
  beq x0, x0, 2f
2:
  bne s3, s4, 3f
3:
  MEASURE_END(6, 8)

  /* 2 not-taken branches and one jal: 2 x 1 + 2 + 2 */
  MEASURE_BEGIN
  beq s3, s4, 4f
  bne s3, s3, 4f
  jal x0, 4f
4:
  MEASURE_END(7, 6)

  /* one MMIO read of sim-control's id register: 1 + 2 */
  li s5, VTPU_SIMCTRL_BASE
  MEASURE_BEGIN
  lw a1, VTPU_SIMCTRL_ID(s5)
  MEASURE_END(8, 5)
  CHECK_EQ(9, a1, VTPU_SIMCTRL_ID_VALUE)
TEST_PASS

  .data
  .align 2
data:
  .word 0x12345678, 0
