#include "tools/tune.h"

#include <cstdio>

#include "models/isa/vtpu/model.h"
#include "tools/candidate_runs.h"

namespace vtpu {

TuneResult compile_tuned(const sw::Graph& graph, const sw::CompileOptions& options,
                         const config::Soc& chip) {
  TuneResult r;
  sw::CompileOptions o = options;
  auto compile = [&](const std::set<std::string>& one_buffer) {
    o.one_buffer = one_buffer;
    return sw::compile(graph, o);
  };
  r.program = compile({});
  o.ranges = r.program.ranges;  // the others differ in mapping only: calibrated once
  const double calibrated = r.program.calibration_seconds;
  if (!chip.runtime().double_buffering()) return r;  // every layer has one buffer set already
  r.tuned = true;
  const ScratchDir dir("--tune");
  const std::string what = "--tune";
  const Simulated two = simulate_candidate(r.program, chip, dir, what);
  std::set<std::string> every;  // the nodes with a layer the flag applies to
  for (size_t i = 0; i < r.program.layers.size(); ++i)
    if (vtpu_layer_buffered(r.program.image.layers()[i].kind))
      every.insert(r.program.layers[i].name);
  sw::Program all_one = compile(every);
  const Simulated one = simulate_candidate(all_one, chip, dir, what);
  // Per node, the better of the two; a layer's time depends on its
  // neighbours' (what they leave running), so the mix is simulated too.
  std::set<std::string> faster_one;
  for (const auto& [node, cycles] : two.per_node) {
    const auto it = one.per_node.find(node);
    if (it != one.per_node.end() && it->second < cycles) faster_one.insert(node);
  }
  sw::Program mixed = compile(faster_one);
  const Simulated per_layer = simulate_candidate(mixed, chip, dir, what);
  r.cycles_two = two.total;
  r.cycles_one = one.total;
  r.cycles_per_layer = per_layer.total;
  // The fastest; on a tie the one with fewer layers changed.
  r.cycles = two.total;
  if (per_layer.total < r.cycles) {
    r.cycles = per_layer.total;
    r.program = std::move(mixed);
    r.one_buffer = faster_one;
  }
  if (one.total < r.cycles) {
    r.cycles = one.total;
    r.program = std::move(all_one);
    r.one_buffer = every;
  }
  r.program.calibration_seconds = calibrated;  // the first program's, which the others reused
  return r;
}

std::string explain(const TuneResult& r) {
  if (!r.tuned) return "tune: runtime.double_buffering is off: every layer has one buffer set\n";
  std::string s;
  char line[256];
  std::snprintf(line, sizeof line,
                "tune: simulated cycles with two buffer sets %llu, one %llu, per layer %llu; "
                "kept %llu (%zu layers with one buffer set)\n",
                static_cast<unsigned long long>(r.cycles_two),
                static_cast<unsigned long long>(r.cycles_one),
                static_cast<unsigned long long>(r.cycles_per_layer),
                static_cast<unsigned long long>(r.cycles), r.one_buffer.size());
  s += line;
  for (const std::string& node : r.one_buffer) s += "  one buffer set: " + node + "\n";
  return s;
}

}  // namespace vtpu
