// --precision auto (docs/compiler.md, "Mixed precision"): per Conv, Gemm and
// MatMul with constant weights, int8, int4 or 2:4-sparse int8 weights, the
// fastest choice on the chip whose loss of output cosine stays within a
// budget on the calibration set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/config.pb.h"
#include "sw/compiler/compiler.h"
#include "sw/graph/graph.h"

namespace vtpu {

// One candidate layer as --precision auto weighed it.
struct AutoLayer {
  std::string node, op;
  uint8_t format = 0;  // VTPU_WEIGHTS_* chosen
  double int4_loss =
      -1;  // 1 - cosine with this layer's weights alone int4 (fp32 otherwise); -1: not a candidate
  double sparse_loss = -1;  // the same for 2:4
  // Simulated cycles of its layers with every candidate int8, 2:4 and int4
  // (VTPU_WEIGHTS_* order; 0: not a candidate).
  uint64_t cycles[3] = {0, 0, 0};
};

struct AutoResult {
  sw::Program program;
  std::vector<AutoLayer> layers;
  double int8_cosine = 0, cosine = 0;    // worst over the calibration set, against fp32
  uint64_t cycles_int8 = 0, cycles = 0;  // simulated, on a seeded random input
  int verifications = 0;                 // programs checked on the host reference
};

// Chooses and compiles. `options` holds the calibration; `budget` is the
// cosine the choice may lose beyond all-int8's (>= 0). Simulates candidate
// programs on `chip` with `vtpu run` (this executable) in child processes.
AutoResult compile_auto(const sw::Graph& graph, sw::CompileOptions options, const config::Soc& chip,
                        double budget);

// The choice, a line per candidate layer (vtpu compile --explain).
std::string explain(const AutoResult& r);

// The graph outputs the host reference computes for `program` from `inputs`
// (float, ONNX's layout), as the chip would (tools/network.cpp).
std::vector<sw::Tensor> reference_outputs(const sw::Program& program, const sw::Env& inputs,
                                          const config::Soc& chip);

}  // namespace vtpu
