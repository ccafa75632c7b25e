// Where the command processor sends every MATMUL it runs when mxu.record is
// set (traces/mxu_stimulus.*). Plain C++, no SystemC, so the RTL replay can
// use the recording format alone.
#pragma once

#include <cstdint>
#include <vector>

#include "models/isa/vtpu/isa.h"

namespace vtpu {

// Sees every MATMUL the command processor runs (mxu.record): its operands in
// VMEM, C before it ran (m rows of n 32-bit values, dense) and AMEM after.
class MatmulRecorder {
 public:
  virtual ~MatmulRecorder() = default;
  virtual void matmul(const vtpu_insn_matmul& insn, const uint8_t* vmem, uint64_t vmem_base,
                      const std::vector<uint8_t>& c_before, const uint8_t* amem, uint64_t amem_base,
                      uint64_t cycles) = 0;
};

}  // namespace vtpu
