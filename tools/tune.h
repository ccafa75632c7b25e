// --tune (docs/compiler.md, "Tuning"): per layer, one buffer set or two, the
// faster on the chip, chosen by simulating the program both ways.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "platform/config.pb.h"
#include "sw/compiler/compiler.h"
#include "sw/graph/graph.h"

namespace vtpu {

struct TuneResult {
  sw::Program program;
  // Simulated cycles (a seeded random input) with two buffer sets for every
  // layer, one for every layer, and one for the layers that ran faster so.
  uint64_t cycles_two = 0, cycles_one = 0, cycles_per_layer = 0;
  uint64_t cycles = 0;               // the program kept: the fastest of the three
  std::set<std::string> one_buffer;  // its nodes with one buffer set
  bool tuned = false;  // false: the chip has runtime.double_buffering off, nothing to choose
};

// Compiles `graph` with `options` for `chip`, each node's layers with the
// buffer sets that ran faster; never slower on the chip than `options` alone
// (all two, when the chip double-buffers). Simulates with `vtpu run` (this
// executable) in child processes.
TuneResult compile_tuned(const sw::Graph& graph, const sw::CompileOptions& options,
                         const config::Soc& chip);

// The choice in a few lines (vtpu compile --tune --explain).
std::string explain(const TuneResult& r);

}  // namespace vtpu
