// Fuzzes the RV32IMAC decoder at every 16-bit position of the input, and
// checks what the interpreter relies on: a length of 4 for 32-bit encodings
// (low bits 11) and 2 otherwise, an operation in range with a name, and
// registers x0..x31. A broken rule aborts (a finding).
#include <cstdlib>
#include <cstring>

#include "models/core/decoder.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using vtpu::core::Op;
  for (size_t at = 0; at + 2 <= size; at += 2) {
    uint32_t bits = 0;
    std::memcpy(&bits, data + at, std::min<size_t>(4, size - at));
    const vtpu::core::Insn insn = vtpu::core::decode(bits);
    const unsigned length = (bits & 3) == 3 ? 4 : 2;
    if (insn.length != length) std::abort();
    if (insn.op == Op::kUndecoded || insn.op >= Op::kCount) std::abort();
    if (insn.rd > 31 || insn.rs1 > 31 || insn.rs2 > 31) std::abort();
    if (vtpu::core::op_name(insn.op) == nullptr) std::abort();
  }
  return 0;
}
