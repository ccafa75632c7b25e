// The MXU's scalar reference: C = (C +) A * B one element at a time, in the
// accumulation order docs/numerics.md fixes for each dataflow. Written apart
// from the fast path (mxu.cpp), which must match it bit for bit; `vtpu gemm`
// and the tests compare against it.
#pragma once

#include "models/mxu/mxu.h"

namespace vtpu::mxu {

// Computes into `c_out` (amem's bytes at c_addr are replaced there, not in
// `amem`): the caller compares c_out with what execute() wrote.
void reference_matmul(const vtpu_insn_matmul& insn, const Memory& vmem, const Memory& amem,
                      const ArrayConfig& array, std::vector<uint8_t>& c_out);

}  // namespace vtpu::mxu
