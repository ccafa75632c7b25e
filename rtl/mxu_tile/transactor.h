// The transactor from the MXU's instruction interface (vtpu_insn_matmul,
// models/mxu/mxu.h) to the RTL tile's pins (README.md): one int8 MATMUL run on
// the Verilated tile, folds streamed back to back, results accumulated into C
// in AMEM as the MXU's C += or C = says. The first piece of `mxu.backend: rtl`.
#pragma once

#include <cstdint>
#include <memory>

#include "models/common/unit_memory.h"
#include "models/isa/vtpu/isa.h"

class Vmxu_tile;

namespace vtpu::rtl {

class MxuTileTransactor {
 public:
  MxuTileTransactor();
  ~MxuTileTransactor();
  unsigned rows() const;
  unsigned cols() const;
  // Runs an int8 instruction that mxu::check() accepted; returns the tile's
  // clock cycles from its first beat to its last result.
  uint64_t execute(const vtpu_insn_matmul& insn, const UnitMemory& vmem, const UnitMemory& amem);

 private:
  std::unique_ptr<Vmxu_tile> tile_;
};

}  // namespace vtpu::rtl
