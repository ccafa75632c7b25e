/* Reserved and unimplemented encodings raise illegal-instruction exceptions
 * with mepc = the instruction's address and mtval = its bits (16 bits for a
 * compressed encoding), and execution resumes after them. The encodings are
 * close relatives of valid RV32IMAC instructions: RV64-only forms, shift
 * amounts with bit 5 set, wrong funct fields, and the RV32C encodings the
 * ISA manual marks reserved. */
#include "asm_test.h"

/* `bits` (32-bit) at this point must trap with mtval = bits. */
#define ILLEGAL32(n, bits) \
  la s5, 3f;               \
  li s2, -1;               \
  li s4, -1;               \
  2: .word bits;           \
  3:                       \
  CHECK_EQ(n, s2, 2)       \
  la a1, 2b;               \
  CHECK_REG(n + 1, s3, a1) \
  CHECK_EQ(n + 2, s4, bits)

/* Same for a 16-bit encoding. */
#define ILLEGAL16(n, bits) \
  la s5, 3f;               \
  li s2, -1;               \
  li s4, -1;               \
  2: .half bits;           \
  3:                       \
  CHECK_EQ(n, s2, 2)       \
  la a1, 2b;               \
  CHECK_REG(n + 1, s3, a1) \
  CHECK_EQ(n + 2, s4, bits)

TEST_BEGIN
  la t0, trap_handler
  csrw mtvec, t0
  li a0, 0x1234                 /* operands of the would-be instructions */
  li a1, 0

  /* ---- 32-bit */
  ILLEGAL32(1, 0x02051513)      /* slli a0, a0, 32: shamt[5] = 1 */
  ILLEGAL32(4, 0x02055513)      /* srli a0, a0, 32 */
  ILLEGAL32(7, 0x40051513)      /* slli with funct7 = 0x20 */
  ILLEGAL32(10, 0x40b51533)     /* sll with funct7 = 0x20 */
  ILLEGAL32(13, 0x0000b503)     /* ld a0, 0(ra): RV64 */
  ILLEGAL32(16, 0x00a53023)     /* sd a0, 0(a0): RV64 */
  ILLEGAL32(19, 0x00009067)     /* jalr with funct3 = 1 */
  ILLEGAL32(22, 0x00002063)     /* branch with funct3 = 2 */
  ILLEGAL32(25, 0x1015a52f)     /* lr.w a0, (a1) with rs2 = 1 */
  ILLEGAL32(28, 0x00b5b52f)     /* amoadd.d: RV64 */
  ILLEGAL32(31, 0x00004073)     /* SYSTEM with funct3 = 4 */
  ILLEGAL32(34, 0x10200073)     /* sret: no S-mode */
  ILLEGAL32(37, 0x00200073)     /* uret: no N extension */
  ILLEGAL32(40, 0x00052507)     /* flw fa0, 0(a0): no F */
  ILLEGAL32(43, 0x0000000b)     /* custom-0 */
  CHECK_EQ(46, a0, 0x1234)      /* nothing was written */

  /* ---- 16-bit */
  ILLEGAL16(50, 0x0008)         /* c.addi4spn a0, sp, 0: nzuimm = 0 */
  ILLEGAL16(53, 0x4002)         /* c.lwsp x0, 0(sp) */
  ILLEGAL16(56, 0x8002)         /* c.jr x0 */
  ILLEGAL16(59, 0x6101)         /* c.addi16sp sp, 0 */
  ILLEGAL16(62, 0x6501)         /* c.lui a0, 0 */
  ILLEGAL16(65, 0x1502)         /* c.slli a0, 32: RV32 shamt[5] = 1 */
  ILLEGAL16(68, 0x9101)         /* c.srli a0, 32: shamt[5] = 1 */
  ILLEGAL16(71, 0x9509)         /* c.srai a0, 34 */
  ILLEGAL16(74, 0x9d09)         /* c.subw: RV64 */
  ILLEGAL16(77, 0x2000)         /* c.fld: no D */
  ILLEGAL16(80, 0x6000)         /* c.flw: no F */
  ILLEGAL16(83, 0xe002)         /* c.fswsp: no F */
  CHECK_EQ(86, a0, 0x1234)
TEST_PASS

RECORDING_TRAP_HANDLER
