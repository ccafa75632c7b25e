// `vtpu gemm`: one GEMM of random data through the command processor on the
// configured MXU (operands staged in VMEM as the firmware would), checked
// against the scalar reference; prints cycles, utilisation and host speed as
// one JSON object (docs/mxu.md).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "platform/config.pb.h"

namespace vtpu {

struct GemmOptions {
  uint32_t m = 0, k = 0, n = 0;
  std::string precision = "int8";  // int8 | bf16 | int4 (int8 A, int4 B)
  std::string dataflow, timing;    // empty: the config's
  std::string sparsity = "dense";  // dense | 2:4 (int8: random stored weights and positions)
  uint64_t seed = 1;
  bool accumulate = false;
};

void run_gemm(const config::Soc& config, const GemmOptions& options, std::ostream& out);

}  // namespace vtpu
