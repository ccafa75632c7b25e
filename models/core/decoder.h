// RV32IMAC + Zicsr + Zifencei decoder. Compressed instructions expand to the
// operation of their 32-bit equivalent, so the interpreter has one case per
// operation. Decoding happens once per instruction address (pre-decode cache).
#pragma once

#include <cstddef>
#include <cstdint>

#include "models/core/ops.h"

namespace vtpu::core {

// clang-format off
enum class Op : uint8_t {
#define VTPU_OP_ENUM(op, mnemonic) op,
  VTPU_CORE_OPS(VTPU_OP_ENUM)
#undef VTPU_OP_ENUM
  kCount
};
// clang-format on

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
