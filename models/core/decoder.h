// RV32IMAC + Zicsr + Zifencei decoder. Compressed instructions expand to the
// operation of their 32-bit equivalent, so the interpreter has one case per
// operation. Decoding happens once per instruction address (pre-decode cache).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vtpu::core {

enum class Op : uint8_t {
  kUndecoded,  // pre-decode cache slot not filled yet
  kIllegal,    // imm holds the raw instruction bits (for mtval)
  // RV32I
  kLui,
  kAuipc,
  kJal,
  kJalr,
  kBeq,
  kBne,
  kBlt,
  kBge,
  kBltu,
  kBgeu,
  kLb,
  kLh,
  kLw,
  kLbu,
  kLhu,
  kSb,
  kSh,
  kSw,
  kAddi,
  kSlti,
  kSltiu,
  kXori,
  kOri,
  kAndi,
  kSlli,
  kSrli,
  kSrai,
  kAdd,
  kSub,
  kSll,
  kSlt,
  kSltu,
  kXor,
  kSrl,
  kSra,
  kOr,
  kAnd,
  kFence,
  kEcall,
  kEbreak,
  kMret,
  kWfi,
  // Zifencei
  kFenceI,
  // Zicsr (imm holds the CSR number; for the *i forms rs1 holds the zimm)
  kCsrrw,
  kCsrrs,
  kCsrrc,
  kCsrrwi,
  kCsrrsi,
  kCsrrci,
  // M
  kMul,
  kMulh,
  kMulhsu,
  kMulhu,
  kDiv,
  kDivu,
  kRem,
  kRemu,
  // A
  kLrW,
  kScW,
  kAmoswapW,
  kAmoaddW,
  kAmoxorW,
  kAmoandW,
  kAmoorW,
  kAmominW,
  kAmomaxW,
  kAmominuW,
  kAmomaxuW,
  kCount
};

// All-zero is the undecoded state, so a zeroed cache needs no initialisation.
struct Insn {
  Op op = Op::kUndecoded;
  uint8_t rd = 0, rs1 = 0, rs2 = 0;
  int32_t imm = 0;
  uint8_t length = 0;   // 4, or 2 for a compressed instruction; 0 until decoded
  uint8_t cycles = 0;   // filled by the core from its cost table
  int32_t handler = 0;  // filled by the core's interpreter; 0: not decoded yet
};

// Decodes the instruction whose low bits are in `bits` (a 16-bit instruction
// uses only the low half). Never fails: bad encodings decode to Op::kIllegal.
Insn decode(uint32_t bits);

// Mnemonic of an operation, for messages and statistics.
const char* op_name(Op op);

}  // namespace vtpu::core
