// Decoder checks against encodings worked out from the RISC-V unprivileged
// spec (chapter 2 formats, chapter 16 "C" quadrant tables).
#include "models/core/decoder.h"

#include <gtest/gtest.h>

using vtpu::core::decode;
using vtpu::core::Insn;
using vtpu::core::Op;

namespace {

void expect(const Insn& i, Op op, int rd, int rs1, int rs2, int32_t imm, int length) {
  EXPECT_EQ(i.op, op) << vtpu::core::op_name(i.op);
  EXPECT_EQ(i.rd, rd);
  EXPECT_EQ(i.rs1, rs1);
  EXPECT_EQ(i.rs2, rs2);
  EXPECT_EQ(i.imm, imm);
  EXPECT_EQ(i.length, length);
}

TEST(Decoder, BaseFormats) {
  expect(decode(0xfff00093), Op::kAddi, 1, 0, 0, -1, 4);         // addi x1, x0, -1
  expect(decode(0x123452b7), Op::kLui, 5, 0, 0, 0x12345000, 4);  // lui t0, 0x12345
  expect(decode(0x00c58533), Op::kAdd, 10, 11, 12, 0, 4);        // add a0, a1, a2
  expect(decode(0x40c58533), Op::kSub, 10, 11, 12, 0, 4);        // sub a0, a1, a2
  expect(decode(0xffc12083), Op::kLw, 1, 2, 0, -4, 4);           // lw ra, -4(sp)
  expect(decode(0xfe112e23), Op::kSw, 0, 2, 1, -4, 4);           // sw ra, -4(sp)
  expect(decode(0xfe000ee3), Op::kBeq, 0, 0, 0, -4, 4);          // beq x0, x0, -4
  expect(decode(0x008000ef), Op::kJal, 1, 0, 0, 8, 4);           // jal ra, +8
  expect(decode(0x800000ef), Op::kJal, 1, 0, 0, -1048576, 4);    // jal ra, -1 MiB
  expect(decode(0x4025d513), Op::kSrai, 10, 11, 0, 2, 4);        // srai a0, a1, 2
  expect(decode(0x02c5c533), Op::kDiv, 10, 11, 12, 0, 4);        // div a0, a1, a2
  expect(decode(0x30529073), Op::kCsrrw, 0, 5, 0, 0x305, 4);     // csrw mtvec, t0
  expect(decode(0x0805a52f), Op::kAmoswapW, 10, 11, 0, 0, 4);    // amoswap.w a0, x0, (a1)
  expect(decode(0x1005a52f), Op::kLrW, 10, 11, 0, 0, 4);         // lr.w a0, (a1)
  expect(decode(0x0000100f), Op::kFenceI, 0, 0, 0, 0, 4);
  expect(decode(0x30200073), Op::kMret, 0, 0, 0, 0, 4);
  expect(decode(0x10500073), Op::kWfi, 0, 0, 0, 0, 4);
}

TEST(Decoder, Compressed) {
  expect(decode(0x0001), Op::kAddi, 0, 0, 0, 0, 2);       // c.nop
  expect(decode(0x4505), Op::kAddi, 10, 0, 0, 1, 2);      // c.li a0, 1
  expect(decode(0x852e), Op::kAdd, 10, 0, 11, 0, 2);      // c.mv a0, a1
  expect(decode(0x952e), Op::kAdd, 10, 10, 11, 0, 2);     // c.add a0, a1
  expect(decode(0x8082), Op::kJalr, 0, 1, 0, 0, 2);       // c.jr ra (ret)
  expect(decode(0x9002), Op::kEbreak, 0, 0, 0, 0, 2);     // c.ebreak
  expect(decode(0x4108), Op::kLw, 10, 10, 0, 0, 2);       // c.lw a0, 0(a0)
  expect(decode(0xc10c), Op::kSw, 0, 10, 11, 0, 2);       // c.sw a1, 0(a0)
  expect(decode(0x1141), Op::kAddi, 2, 2, 0, -16, 2);     // c.addi sp, sp, -16
  expect(decode(0x0048), Op::kAddi, 10, 2, 0, 4, 2);      // c.addi4spn a0, sp, 4
  expect(decode(0x6505), Op::kLui, 10, 0, 0, 0x1000, 2);  // c.lui a0, 1
  expect(decode(0x4502), Op::kLw, 10, 2, 0, 0, 2);        // c.lwsp a0, 0(sp)
  expect(decode(0xc02a), Op::kSw, 0, 2, 10, 0, 2);        // c.swsp a0, 0(sp)
  expect(decode(0xa001), Op::kJal, 0, 0, 0, 0, 2);        // c.j .
  expect(decode(0xdd7d), Op::kBeq, 0, 10, 0, -2, 2);      // c.beqz a0, -2
}

TEST(Decoder, IllegalEncodings) {
  EXPECT_EQ(decode(0x0000).op, Op::kIllegal);      // all zeros: defined illegal
  EXPECT_EQ(decode(0xffffffff).op, Op::kIllegal);  // all ones
  EXPECT_EQ(decode(0x02051513).op, Op::kIllegal);  // slli with shamt[5] set (RV64 only)
  EXPECT_EQ(decode(0x9c2d).op, Op::kIllegal);      // c.addw (RV64 only)
  EXPECT_EQ(decode(0x2000).op, Op::kIllegal);      // c.fld: no F/D
  EXPECT_EQ(decode(0x8002).op, Op::kIllegal);      // c.jr x0: reserved
  EXPECT_EQ(decode(0x00000053).op, Op::kIllegal);  // fadd.s: no F
  EXPECT_EQ(decode(0xfff00093).op, Op::kAddi);
  EXPECT_EQ(decode(0x0000).imm, 0);  // mtval carries the bits
  EXPECT_EQ(static_cast<uint32_t>(decode(0xffffffff).imm), 0xffffffffu);
}

}  // namespace
