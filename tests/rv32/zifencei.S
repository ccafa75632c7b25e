/* Zifencei: self-modifying code. A routine is executed, a store replaces one
 * of its instructions (a 32-bit one with sw, a 16-bit one with sh), fence.i
 * orders the store before later fetches, and the next call runs the new
 * instruction. */
#include "asm_test.h"

TEST_BEGIN
  /* ---- a 32-bit instruction */
  li a1, 0
  call patch32
  CHECK_EQ(1, a1, 1)
  la s0, patch32
  li t0, 0x00200593             /* addi a1, x0, 2 */
  sw t0, 0(s0)
  fence.i
  li a1, 0
  call patch32
  CHECK_EQ(2, a1, 2)
  lw a2, 0(s0)                  /* the code is ordinary memory */
  CHECK_EQ(3, a2, 0x00200593)
  /* and once more: a different destination register */
  li t0, 0x07b00613             /* addi a2, x0, 123 */
  sw t0, 0(s0)
  fence.i
  li a1, 0
  li a2, 0
  call patch32
  CHECK_EQ(4, a1, 0)
  CHECK_EQ(5, a2, 123)

  /* ---- a 16-bit instruction */
  li a1, 0
  call patch16
  CHECK_EQ(10, a1, 5)
  la s0, patch16
  li t0, 0x4599                 /* c.li a1, 6 */
  sh t0, 0(s0)
  fence.i
  li a1, 0
  call patch16
  CHECK_EQ(11, a1, 6)

  /* ---- a 16-bit slot turned into a jump over the routine's return:
   * c.j +4 skips the c.jr ra that follows it, into a 32-bit li/ret */
  li a1, 0
  call patch_jump
  CHECK_EQ(20, a1, 0)
  la s0, patch_jump
  li t0, 0xa011                 /* c.j +4 */
  sh t0, 0(s0)
  fence.i
  call patch_jump
  CHECK_EQ(21, a1, 9)
TEST_PASS

  .align 2
patch32:
  .option push
  .option norvc
  addi a1, x0, 1                /* 0x00100593 */
  jalr x0, 0(ra)
  .option pop

  .align 2
patch16:
  c.li a1, 5                    /* 0x4595 */
  c.jr ra

  .align 2
patch_jump:
  c.nop                         /* becomes c.j +4 */
  c.jr ra
  .option push
  .option norvc
  addi a1, x0, 9
  jalr x0, 0(ra)
  .option pop
