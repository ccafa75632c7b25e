#include "tools/auto_precision.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "models/common/error.h"
#include "models/isa/vtpu/isa.h"
#include "models/isa/vtpu/model.h"
#include "platform/config.h"
#include "sw/compiler/compress.h"
#include "sw/compiler/quantize.h"
#include "sw/graph/eval.h"
#include "tools/candidate_runs.h"

namespace vtpu {
namespace {

// Cosine of two equally long vectors, in double; 1 when both are zero.
double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += double{a[i]} * b[i];
    aa += double{a[i]} * a[i];
    bb += double{b[i]} * b[i];
  }
  if (aa == 0 && bb == 0) return 1;
  return aa == 0 || bb == 0 ? 0 : ab / std::sqrt(aa * bb);
}

// The graph's outputs on one input, one after another, in fp32.
std::vector<float> fp32_outputs(const sw::Graph& g, const sw::Env& input) {
  std::map<std::string, std::vector<float>> found;
  const std::set<std::string> wanted(g.outputs.begin(), g.outputs.end());
  sw::run_graph(g, input, [&](const std::string& name, const sw::Tensor& t) {
    if (wanted.count(name)) found[name] = t.f;
  });
  std::vector<float> all;
  for (const std::string& o : g.outputs) {
    if (!found.count(o))
      found[o] = g.constants.count(o) ? g.constants.at(o).f : std::vector<float>{};
    all.insert(all.end(), found[o].begin(), found[o].end());
  }
  return all;
}

// The worst cosine over the calibration set of `got` against fp32's.
double worst(const std::vector<std::vector<float>>& fp32,
             const std::vector<std::vector<float>>& got) {
  double w = 1;
  for (size_t i = 0; i < fp32.size(); ++i) w = std::min(w, cosine(fp32[i], got[i]));
  return w;
}

const char* format_name(uint8_t f) {
  return f == VTPU_WEIGHTS_SPARSE_2_4 ? "2:4" : f == VTPU_WEIGHTS_INT4 ? "int4" : "int8";
}

}  // namespace

AutoResult compile_auto(const sw::Graph& imported, sw::CompileOptions options,
                        const config::Soc& chip, double budget) {
  if (!(budget >= 0 && budget <= 2))
    throw Error("--accuracy-budget: expected a cosine loss from 0 to 2, got " +
                std::to_string(budget));
  sw::Graph g = imported;
  sw::prepare(g);
  const std::vector<sw::Env> inputs = options.calibration.empty()
                                          ? std::vector<sw::Env>{sw::default_calibration(g)}
                                          : options.calibration;
  std::vector<std::vector<float>> fp32;
  for (const sw::Env& in : inputs) fp32.push_back(fp32_outputs(g, in));

  options.precision = sw::Precision::kInt8;
  options.sparsity_2_4 = options.int4_weights = false;
  options.sparsity_skip.clear();
  const ScratchDir dir("--precision auto");
  AutoResult r;
  auto compile = [&](const std::map<std::string, uint8_t>& choice) {
    sw::CompileOptions o = options;
    o.node_weights = choice;
    return sw::compile(g, o);
  };
  // The worst cosine of a program against fp32 over the calibration set, on
  // the host reference (the chip's bytes, as --check holds).
  auto measure = [&](const sw::Program& p) {
    std::vector<std::vector<float>> got;
    for (const sw::Env& in : inputs) {
      std::vector<float> all;
      for (const sw::Tensor& t : reference_outputs(p, in, chip))
        all.insert(all.end(), t.f.begin(), t.f.end());
      got.push_back(std::move(all));
    }
    ++r.verifications;
    return worst(fp32, got);
  };
  sw::Program int8 = compile({});
  r.int8_cosine = measure(int8);

  // Every candidate layer's cycles int8, 2:4 and int4: three programs, each
  // with every candidate in one format, simulated.
  std::map<std::string, uint8_t> every[3];
  for (const sw::Node& n : g.nodes) {
    if (!sw::has_constant_weights(g, n)) continue;
    AutoLayer l;
    l.node = n.name, l.op = n.op;
    r.layers.push_back(l);
    every[VTPU_WEIGHTS_INT4][n.name] = VTPU_WEIGHTS_INT4;
    if (sw::prunable_2_4(g, n)) every[VTPU_WEIGHTS_SPARSE_2_4][n.name] = VTPU_WEIGHTS_SPARSE_2_4;
  }
  const Simulated base = simulate_candidate(int8, chip, dir, "--precision auto");
  Simulated by_format[3];
  for (const uint8_t f : {uint8_t{VTPU_WEIGHTS_SPARSE_2_4}, uint8_t{VTPU_WEIGHTS_INT4}})
    if (!every[f].empty())
      by_format[f] = simulate_candidate(compile(every[f]), chip, dir, "--precision auto");

  // Each faster candidate's sensitivity: this layer's weights alone
  // compressed, the rest of the graph in fp32, on (at most) the first two
  // calibration inputs (a ranking; the choice is measured on all of them).
  struct Option {
    size_t layer;
    uint8_t format;
    double loss, gain;
  };
  std::vector<Option> offered;
  const size_t probes = std::min<size_t>(inputs.size(), 2);
  const std::vector<std::vector<float>> fp32_probes(fp32.begin(), fp32.begin() + probes);
  for (size_t i = 0; i < r.layers.size(); ++i) {
    AutoLayer& l = r.layers[i];
    const sw::Node& n = *std::find_if(g.nodes.begin(), g.nodes.end(),
                                      [&](const sw::Node& x) { return x.name == l.node; });
    l.cycles[0] = base.per_node.count(l.node) ? base.per_node.at(l.node) : 0;
    sw::Tensor& w = g.constants.at(n.inputs[1]);
    const sw::Tensor original = w;
    for (const uint8_t f : {uint8_t{VTPU_WEIGHTS_SPARSE_2_4}, uint8_t{VTPU_WEIGHTS_INT4}}) {
      if (!every[f].count(l.node) || !by_format[f].per_node.count(l.node)) continue;
      l.cycles[f] = by_format[f].per_node.at(l.node);
      if (l.cycles[f] >= l.cycles[0]) continue;  // only what the chip does faster
      if (f == VTPU_WEIGHTS_SPARSE_2_4)
        sw::prune_node_2_4(g, n);
      else
        sw::quantize_node_int4(g, n);
      std::vector<std::vector<float>> got;
      for (size_t k = 0; k < probes; ++k) got.push_back(fp32_outputs(g, inputs[k]));
      w = original;
      const double loss = 1 - worst(fp32_probes, got);
      (f == VTPU_WEIGHTS_SPARSE_2_4 ? l.sparse_loss : l.int4_loss) = loss;
      offered.push_back({i, f, loss, static_cast<double>(l.cycles[0] - l.cycles[f])});
    }
  }

  // Most cycles saved per cosine lost first, while the losses add up to at
  // most the budget. Then the program itself: its cosine on the host
  // reference over the whole calibration set within the budget of
  // all-int8's, and its simulated cycles at most all-int8's; else the
  // lossiest choice (or, when it is the cycles, the one that saves least) is
  // given up, until none is left.
  std::stable_sort(offered.begin(), offered.end(), [](const Option& a, const Option& b) {
    return a.gain / (a.loss + 1e-9) > b.gain / (b.loss + 1e-9);
  });
  std::vector<Option> chosen;
  double predicted = 0;
  for (const Option& o : offered) {
    const bool taken = std::any_of(chosen.begin(), chosen.end(),
                                   [&](const Option& c) { return c.layer == o.layer; });
    if (taken || predicted + o.loss > budget) continue;
    chosen.push_back(o);
    predicted += o.loss;
  }
  r.cycles_int8 = base.total;
  while (!chosen.empty()) {
    std::map<std::string, uint8_t> choice;
    for (const Option& o : chosen) choice[r.layers[o.layer].node] = o.format;
    sw::Program p = compile(choice);
    const double cos = measure(p);
    const bool accurate = r.int8_cosine - cos <= budget;
    const uint64_t cycles =
        accurate ? simulate_candidate(p, chip, dir, "--precision auto").total : 0;
    if (accurate && cycles <= base.total) {
      for (const Option& o : chosen) r.layers[o.layer].format = o.format;
      r.cosine = cos;
      r.cycles = cycles;
      r.program = std::move(p);
      return r;
    }
    chosen.erase(
        accurate
            ? std::min_element(chosen.begin(), chosen.end(),
                               [](const Option& a, const Option& b) { return a.gain < b.gain; })
            : std::max_element(chosen.begin(), chosen.end(),
                               [](const Option& a, const Option& b) { return a.loss < b.loss; }));
  }
  r.cosine = r.int8_cosine;
  r.cycles = base.total;
  r.program = std::move(int8);
  return r;
}

std::string explain(const AutoResult& r) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-40s %-8s %-6s %11s %11s %12s %12s %12s\n", "layer", "op",
                "chosen", "int4 loss", "2:4 loss", "int8 cycles", "2:4 cycles", "int4 cycles");
  out += line;
  auto loss = [](double v) {
    char s[32];
    if (v < 0) return std::string("-");
    std::snprintf(s, sizeof s, "%.6f", v);
    return std::string(s);
  };
  for (const AutoLayer& l : r.layers) {
    std::snprintf(line, sizeof line, "%-40.40s %-8s %-6s %11s %11s %12llu %12llu %12llu\n",
                  l.node.c_str(), l.op.c_str(), format_name(l.format), loss(l.int4_loss).c_str(),
                  loss(l.sparse_loss).c_str(), static_cast<unsigned long long>(l.cycles[0]),
                  static_cast<unsigned long long>(l.cycles[VTPU_WEIGHTS_SPARSE_2_4]),
                  static_cast<unsigned long long>(l.cycles[VTPU_WEIGHTS_INT4]));
    out += line;
  }
  std::snprintf(line, sizeof line,
                "cosine against fp32 (worst over the calibration set): all-int8 %.6f, chosen %.6f "
                "(%d programs checked on the host reference); simulated cycles: all-int8 %llu, "
                "chosen %llu\n",
                r.int8_cosine, r.cosine, r.verifications,
                static_cast<unsigned long long>(r.cycles_int8),
                static_cast<unsigned long long>(r.cycles));
  return out + line;
}

}  // namespace vtpu
