#include "tools/tune.h"

#include <algorithm>
#include <cstdio>

#include "models/isa/vtpu/model.h"
#include "tools/candidate_runs.h"

namespace vtpu {
namespace {

// The nodes that made a layer the choice applies to.
template <typename Applies>
std::set<std::string> nodes_where(const sw::Program& p, Applies&& applies) {
  std::set<std::string> nodes;
  for (size_t i = 0; i < p.layers.size(); ++i)
    if (applies(p.image.layers()[i])) nodes.insert(p.layers[i].name);
  return nodes;
}

bool buffered(const vtpu_layer& l) {
  return vtpu_layer_buffered(l.kind);
}

// An int8 product: a layer that may name its dataflow (vtpu/model.h).
bool int8_product(const vtpu_layer& l) {
  return (l.kind == VTPU_LAYER_MATMUL || l.kind == VTPU_LAYER_CONV2D) &&
         vtpu_layer_dataflow_ok(l.dtype, VTPU_DATAFLOW_OS);
}

}  // namespace

TuneResult compile_tuned(const sw::Graph& graph, const sw::CompileOptions& options,
                         const config::Soc& chip) {
  TuneResult r;
  sw::CompileOptions o = options;
  auto compile = [&](const std::set<std::string>& one_buffer,
                     const std::map<std::string, uint8_t>& dataflow) {
    o.one_buffer = one_buffer;
    o.dataflow = dataflow;
    return sw::compile(graph, o);
  };
  r.program = compile({}, {});
  o.ranges = r.program.ranges;  // the others differ in mapping only: calibrated once
  const double calibrated = r.program.calibration_seconds;
  r.buffers_tuned = chip.runtime().double_buffering();
  // The nodes that may name a dataflow (none without int8 products: bf16
  // names none). Buffer flags change no layer's kind or precision.
  const std::set<std::string> products = nodes_where(r.program, int8_product);
  r.dataflow_tuned = chip.mxu().dataflow() == "auto" && !products.empty();
  if (!r.buffers_tuned && !r.dataflow_tuned) return r;
  const ScratchDir dir("--tune");
  const std::string what = "--tune";
  Simulated kept = simulate_candidate(r.program, chip, dir, what);
  r.cycles = r.cycles_two = kept.total;

  // 1. Buffer sets (with runtime.double_buffering off every layer has one).
  if (r.buffers_tuned) {
    const std::set<std::string> every = nodes_where(r.program, buffered);
    sw::Program all_one = compile(every, {});
    const Simulated one = simulate_candidate(all_one, chip, dir, what);
    // Per node, the better of the two; a layer's time depends on its
    // neighbours' (what they leave running), so the mix is simulated too.
    std::set<std::string> faster_one;
    for (const auto& [node, cycles] : kept.per_node) {
      const auto it = one.per_node.find(node);
      if (it != one.per_node.end() && it->second < cycles) faster_one.insert(node);
    }
    sw::Program mixed = compile(faster_one, {});
    const Simulated per_layer = simulate_candidate(mixed, chip, dir, what);
    r.cycles_one = one.total;
    r.cycles_per_layer = per_layer.total;
    // The fastest; on a tie the one with fewer layers changed.
    if (per_layer.total < r.cycles) {
      r.cycles = per_layer.total;
      r.program = std::move(mixed);
      r.one_buffer = faster_one;
      kept = per_layer;
    }
    if (one.total < r.cycles) {
      r.cycles = one.total;
      r.program = std::move(all_one);
      r.one_buffer = every;
      kept = one;
    }
  }

  // 2. Dataflow, on an array that runs both: the program kept so far (each
  // MATMUL the array's pick), and with every int8 product layer named ws,
  // then os; per node the fastest of the three, that mix simulated too, and the
  // fastest program kept (on a tie with the program so far, the mix).
  if (r.dataflow_tuned) {
    auto every = [&](uint8_t dataflow) {
      std::map<std::string, uint8_t> named;
      for (const std::string& node : products) named[node] = dataflow;
      return named;
    };
    const std::map<std::string, uint8_t> all_ws = every(VTPU_DATAFLOW_WS);
    const std::map<std::string, uint8_t> all_os = every(VTPU_DATAFLOW_OS);
    sw::Program ws = compile(r.one_buffer, all_ws), os = compile(r.one_buffer, all_os);
    const Simulated ws_run = simulate_candidate(ws, chip, dir, what);
    const Simulated os_run = simulate_candidate(os, chip, dir, what);
    // Per node, the faster of ws and os where it beats the array's pick by
    // more than 1 / `margin` of its time (margin 0: by any amount).
    auto faster_by = [&](uint64_t margin) {
      std::map<std::string, uint8_t> named;
      for (const std::string& node : products) {
        const uint64_t picked = kept.per_node.at(node);
        const uint64_t in_ws = ws_run.per_node.at(node), in_os = os_run.per_node.at(node);
        const uint64_t best = std::min(in_ws, in_os);
        if (best >= picked || (margin && (picked - best) * margin <= picked)) continue;
        named[node] = in_ws <= in_os ? VTPU_DATAFLOW_WS : VTPU_DATAFLOW_OS;
      }
      return named;
    };
    r.cycles_picked = kept.total;
    r.cycles_ws = ws_run.total;
    r.cycles_os = os_run.total;
    // Keeps `p` (its nodes `named`) if it ran faster than the program kept.
    auto keep_if_faster = [&](sw::Program& p, const std::map<std::string, uint8_t>& named,
                              uint64_t total, bool on_a_tie) {
      if (total > r.cycles || (total == r.cycles && !on_a_tie)) return;
      r.cycles = total;
      r.program = std::move(p);
      r.dataflow = named;
    };
    // A layer's time moves with its neighbours' by a percent or two, so
    // naming every layer that ran faster alone can make the whole slower:
    // the mix of those ahead by more than 1 % is simulated too.
    std::map<std::string, uint8_t> tried;
    for (uint64_t margin : {uint64_t{0}, uint64_t{100}}) {
      const std::map<std::string, uint8_t> faster = faster_by(margin);
      if (faster.empty() || faster == tried) continue;
      tried = faster;
      sw::Program mixed = compile(r.one_buffer, faster);
      const Simulated per_layer = simulate_candidate(mixed, chip, dir, what);
      if (margin == 0)
        r.cycles_dataflow = per_layer.total;
      else
        r.cycles_dataflow_margin = per_layer.total;
      // On a tie the first mix: each of its layers at its faster dataflow.
      keep_if_faster(mixed, faster, per_layer.total, margin == 0);
    }
    keep_if_faster(ws, all_ws, ws_run.total, false);
    keep_if_faster(os, all_os, os_run.total, false);
  }
  r.program.calibration_seconds = calibrated;  // the first program's, which the others reused
  return r;
}

std::string explain(const TuneResult& r) {
  if (!r.buffers_tuned && !r.dataflow_tuned)
    return "tune: nothing to choose (runtime.double_buffering is off, and no int8 layer may "
           "name a dataflow: mxu.dataflow is not auto, or the program has none)\n";
  std::string s;
  char line[320];
  const auto count = [](uint64_t n) { return static_cast<unsigned long long>(n); };
  if (!r.buffers_tuned) {
    s += "tune: runtime.double_buffering is off: every layer has one buffer set\n";
  } else {
    std::snprintf(line, sizeof line,
                  "tune: simulated cycles with two buffer sets %llu, one %llu, per layer %llu "
                  "(%zu layers with one buffer set)\n",
                  count(r.cycles_two), count(r.cycles_one), count(r.cycles_per_layer),
                  r.one_buffer.size());
    s += line;
  }
  if (r.dataflow_tuned) {
    std::snprintf(line, sizeof line,
                  "tune: simulated cycles with the array's pick per MATMUL %llu, every int8 "
                  "product layer ws %llu, os %llu, per layer %llu, per layer 1 %% ahead %llu\n",
                  count(r.cycles_picked), count(r.cycles_ws), count(r.cycles_os),
                  count(r.cycles_dataflow), count(r.cycles_dataflow_margin));
    s += line;
  }
  size_t ws = 0, os = 0;
  for (const auto& [node, dataflow] : r.dataflow) ++(dataflow == VTPU_DATAFLOW_OS ? os : ws);
  std::snprintf(line, sizeof line,
                "tune: kept %llu (%zu layers with one buffer set, %zu named ws, %zu named os)\n",
                count(r.cycles), r.one_buffer.size(), ws, os);
  s += line;
  for (const std::string& node : r.one_buffer) s += "  one buffer set: " + node + "\n";
  for (const auto& [node, dataflow] : r.dataflow)
    s += std::string("  ") + (dataflow == VTPU_DATAFLOW_OS ? "os" : "ws") + ": " + node + "\n";
  return s;
}

}  // namespace vtpu
