// --tune (docs/compiler.md, "Tuning"): per layer, one buffer set or two and,
// on an array that runs both dataflows, ws or os, the faster on the chip,
// chosen by simulating the program each way.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "platform/config.pb.h"
#include "sw/compiler/compiler.h"
#include "sw/graph/graph.h"

namespace vtpu {

struct TuneResult {
  sw::Program program;
  // Buffer sets (runtime.double_buffering on): simulated cycles (a seeded
  // random input) with two buffer sets for every layer, one for every layer,
  // and one for the layers that ran faster so.
  bool buffers_tuned = false;
  uint64_t cycles_two = 0, cycles_one = 0, cycles_per_layer = 0;
  std::set<std::string> one_buffer;  // the kept program's nodes with one buffer set
  // Dataflow (mxu.dataflow auto, a program with int8 products): the cycles of
  // the program the buffer choice kept (the array picks per MATMUL), with every
  // int8 product layer named ws, os, with each named the faster for it (the
  // array's pick where neither is), and with those ahead by 1 % named. The two
  // mixes are 0 when not simulated (no node to name, or the same nodes).
  bool dataflow_tuned = false;
  uint64_t cycles_picked = 0, cycles_ws = 0, cycles_os = 0, cycles_dataflow = 0;
  uint64_t cycles_dataflow_margin = 0;
  std::map<std::string, uint8_t> dataflow;  // the kept program's named nodes
  uint64_t cycles = 0;                      // the program kept: the fastest of those simulated
};

// Compiles `graph` with `options` for `chip`, each node's layers with the
// buffer sets and dataflow that ran faster; never slower on the chip than
// `options` alone. Simulates with `vtpu run` (this
// executable) in child processes.
TuneResult compile_tuned(const sw::Graph& graph, const sw::CompileOptions& options,
                         const config::Soc& chip);

// The choice in a few lines (vtpu compile --tune --explain).
std::string explain(const TuneResult& r);

}  // namespace vtpu
