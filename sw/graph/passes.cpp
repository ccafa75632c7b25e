#include "sw/graph/passes.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <set>

#include "models/common/error.h"
#include "sw/graph/eval.h"

namespace vtpu::sw {

std::map<std::string, std::vector<size_t>> consumers(const Graph& g) {
  std::map<std::string, std::vector<size_t>> out;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const std::string& in : g.nodes[i].inputs)
      if (!in.empty()) out[in].push_back(i);
  return out;
}

std::string unsupported_operator(const Node& n) {
  // Operators exporters emit for which vtpu takes a neighbouring form.
  static const std::map<std::string, std::string> nearest = {
      {"Gelu", "the Erf form x * 0.5 * (1 + Erf(x / sqrt 2)) (PyTorch exports it below opset 20)"},
      {"LeakyRelu", "Max(x, alpha * x)"},
      {"GroupNormalization",
       "Reshape to (N, G, -1), LayerNormalization, Reshape back, then the per-channel Mul and Add"},
      {"InstanceNormalization",
       "Reshape to (N, C, -1), LayerNormalization, Reshape back, then the per-channel Mul and Add"},
      {"LSTM", "the cell unrolled into MatMul, Sigmoid, Tanh and Mul"},
      {"GRU", "the cell unrolled into MatMul, Sigmoid, Tanh and Mul"},
      {"RNN", "the cell unrolled into MatMul and Tanh"},
  };
  std::string text = n.where() + ": operator " + n.op + " is not supported by vtpu's compiler";
  const auto it = nearest.find(n.op);
  if (it != nearest.end()) text += "; the nearest supported form: " + it->second;
  return text;
}

namespace {

bool is_output(const Graph& g, const std::string& name) {
  for (const std::string& o : g.outputs)
    if (o == name) return true;
  return false;
}

bool is_constant(const Graph& g, const std::string& name) {
  return name.empty() || g.constants.count(name) != 0;
}

// Every use of `from` (node inputs, graph outputs) reads `to` instead.
void rename_uses(Graph& g, const std::string& from, const std::string& to) {
  for (Node& n : g.nodes)
    for (std::string& in : n.inputs)
      if (in == from) in = to;
  for (std::string& o : g.outputs)
    if (o == from) o = to;
}

// The node producing `name`, or -1.
int producer(const Graph& g, const std::string& name) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const std::string& o : g.nodes[i].outputs)
      if (o == name) return static_cast<int>(i);
  return -1;
}

// Replaces value `inner` (produced by a node, used only where `outer` is
// produced) by the name `outer`: the producer now writes `outer`.
void rename_output(Graph& g, const std::string& inner, const std::string& outer) {
  const int p = producer(g, inner);
  for (std::string& o : g.nodes[p].outputs)
    if (o == inner) o = outer;
  for (Node& n : g.nodes)
    for (std::string& in : n.inputs)
      if (in == inner) in = outer;
  if (g.values.count(inner) && !g.values.count(outer)) g.values[outer] = g.values[inner];
}

void erase_nodes(Graph& g, const std::set<size_t>& drop) {
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!drop.count(i)) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
}

// The scalar value of a constant float (or integer) tensor of one element.
bool scalar(const Graph& g, const std::string& name, float& value) {
  auto it = g.constants.find(name);
  if (it == g.constants.end() || it->second.numel() != 1) return false;
  value = it->second.is_float() ? it->second.f[0] : static_cast<float>(it->second.i[0]);
  return true;
}

// Dropout that passes its input through: inference, or a ratio of 0 (its
// mask, if asked for, must be unused).
bool identity_dropout(const Graph& g, const Node& n) {
  if (n.op != "Dropout") return false;
  for (size_t o = 1; o < n.outputs.size(); ++o)
    for (const Node& user : g.nodes)
      for (const std::string& in : user.inputs)
        if (!n.outputs[o].empty() && in == n.outputs[o]) return false;
  auto given = [&](size_t input) { return input < n.inputs.size() && !n.inputs[input].empty(); };
  float training = 0, ratio = 0.5f;
  if (given(2) && !scalar(g, n.inputs[2], training)) return false;
  if (given(1) && !scalar(g, n.inputs[1], ratio)) return false;
  return training == 0 || ratio == 0;
}

void remove_identities(Graph& g) {
  std::set<size_t> drop;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    const bool identity = n.op == "Identity" || identity_dropout(g, n);
    if (!identity) continue;
    const std::string x = n.inputs[0], y = n.outputs[0];
    if (!is_output(g, y)) {
      rename_uses(g, y, x);
      drop.insert(i);
    } else if (producer(g, x) >= 0 && !is_output(g, x) && !g.constants.count(x)) {
      n.outputs[0] = "";  // keep the producer's rename from matching this node
      rename_output(g, x, y);
      drop.insert(i);
    }  // else: an input or constant straight to an output; lowered as a copy
  }
  erase_nodes(g, drop);
}

void fold_constants(Graph& g) {
  std::set<size_t> drop;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.op == "Shape" && !n.inputs.empty() && g.values.count(n.inputs[0]) &&
        !g.constants.count(n.inputs[0])) {
      const std::vector<int64_t>& shape = g.values.at(n.inputs[0]).shape;
      const int64_t rank = static_cast<int64_t>(shape.size());
      int64_t start = n.get_int("start", 0), end = n.get_int("end", rank);
      if (start < 0) start += rank;
      if (end < 0) end += rank;
      start = std::clamp<int64_t>(start, 0, rank);
      end = std::clamp<int64_t>(end, start, rank);
      std::vector<int64_t> dims(shape.begin() + start, shape.begin() + end);
      g.constants[n.outputs[0]] = Tensor::ints({static_cast<int64_t>(dims.size())}, dims);
      drop.insert(i);
      continue;
    }
    bool all_constant = true;
    for (const std::string& in : n.inputs) all_constant = all_constant && is_constant(g, in);
    if (!all_constant || !can_evaluate(n.op)) continue;
    Env env;
    for (const std::string& in : n.inputs)
      if (!in.empty()) env[in] = g.constants.at(in);
    evaluate(n, env);
    for (const std::string& o : n.outputs)
      if (!o.empty()) g.constants[o] = env.at(o);
    drop.insert(i);
  }
  erase_nodes(g, drop);
  for (const auto& [name, t] : g.constants) g.values[name] = ValueInfo{t.dtype, t.shape};
}

void remove_dead_nodes(Graph& g) {
  std::set<std::string> needed(g.outputs.begin(), g.outputs.end());
  std::set<size_t> drop;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    bool used = false;
    for (const std::string& o : g.nodes[i].outputs) used = used || needed.count(o);
    if (!used) {
      drop.insert(i);
      continue;
    }
    for (const std::string& in : g.nodes[i].inputs) needed.insert(in);
  }
  erase_nodes(g, drop);
  for (auto it = g.constants.begin(); it != g.constants.end();)
    it = needed.count(it->first) ? std::next(it) : g.constants.erase(it);
}

Tensor zeros(const ValueInfo& v) {
  Tensor t;
  t.dtype = v.dtype;
  t.shape = v.shape;
  if (t.is_float())
    t.f.assign(t.numel(), 0.0f);
  else
    t.i.assign(t.numel(), 0);
  return t;
}

// Shapes ONNX's inference did not give: the node run on zeros. Returns
// whether a shape was learned. `strict`: a shape that stays unknown is an
// error; otherwise it is left for a later pass (after more folding), and so
// is a node with a computed integer input, which may be a shape or an index
// that folding has yet to give (zeros there would give a wrong shape).
bool fill_shapes(Graph& g, bool strict) {
  bool learned = false;
  for (const Node& n : g.nodes) {
    bool known = true;
    for (const std::string& o : n.outputs) known = known && (o.empty() || g.values.count(o));
    if (known) continue;
    if (!can_evaluate(n.op)) {
      if (!strict) continue;
      throw Error(unsupported_operator(n));
    }
    Env env;
    bool inputs_known = true;
    for (const std::string& in : n.inputs) {
      if (in.empty()) continue;
      if (g.constants.count(in)) {
        env[in] = g.constants.at(in);
      } else if (g.values.count(in) && (strict || g.values.at(in).dtype == DType::kFloat32)) {
        env[in] = zeros(g.values.at(in));
      } else if (strict) {
        throw Error(n.where() + ": the shape of input '" + in + "' is unknown");
      } else {
        inputs_known = false;
      }
    }
    if (!inputs_known) continue;
    evaluate(n, env);
    for (const std::string& o : n.outputs)
      if (!o.empty()) g.values[o] = ValueInfo{env.at(o).dtype, env.at(o).shape};
    learned = true;
  }
  if (strict)
    for (const std::string& o : g.outputs)
      if (!g.values.count(o)) throw Error("graph output '" + o + "' has no known shape");
  return learned;
}

// The constant float tensor `name`, or null.
const Tensor* constant_floats(const Graph& g, const std::string& name) {
  auto it = g.constants.find(name);
  return it != g.constants.end() && it->second.is_float() ? &it->second : nullptr;
}

bool near(float a, float b) {
  return std::fabs(a - b) <= 1e-4f * std::fabs(b);
}

// The only consumer of `name` (which must not be a graph output), or -1.
int sole_consumer(const Graph& g, const std::map<std::string, std::vector<size_t>>& uses,
                  const std::string& name) {
  auto it = uses.find(name);
  if (it == uses.end() || it->second.size() != 1 || is_output(g, name)) return -1;
  return static_cast<int>(it->second[0]);
}

// For a binary node with one constant scalar operand: the other operand.
bool with_scalar(const Graph& g, const Node& n, float& value, std::string& other) {
  if (n.inputs.size() != 2) return false;
  if (scalar(g, n.inputs[1], value)) {
    other = n.inputs[0];
    return true;
  }
  if (scalar(g, n.inputs[0], value)) {
    other = n.inputs[1];
    return true;
  }
  return false;
}

// The argument of GELU's Erf, x / sqrt 2 (or x * sqrt 0.5), or of its Tanh,
// sqrt(2 / pi) * (x + 0.044715 * x^3) (the cube as x * (x * x), (x * x) * x
// or Pow(x, 3)): sets x and adds the nodes computing it to `chain`.
bool gelu_argument(const Graph& g, const std::map<std::string, std::vector<size_t>>& uses,
                   const Node& core, std::string& x, std::set<size_t>& chain) {
  const int d = producer(g, core.inputs[0]);
  if (d < 0 || sole_consumer(g, uses, g.nodes[d].outputs[0]) < 0) return false;
  const Node& dn = g.nodes[d];
  float c = 0;
  chain.insert(static_cast<size_t>(d));
  if (core.op == "Erf")
    return (dn.op == "Div" && scalar(g, dn.inputs[1], c) && near(c, std::sqrt(2.0f)) &&
            (x = dn.inputs[0], true)) ||
           (dn.op == "Mul" && with_scalar(g, dn, c, x) && near(c, std::sqrt(0.5f)));
  // Tanh: the scaled sum, the sum, the scaled cube, the cube.
  std::string sum, scaled, cube;
  if (dn.op != "Mul" || !with_scalar(g, dn, c, sum) || !near(c, 0.7978845608f)) return false;
  const int s = producer(g, sum);
  if (s < 0 || g.nodes[s].op != "Add" || sole_consumer(g, uses, sum) != d) return false;
  for (int k = 0; k < 2 && x.empty(); ++k) {
    const Node& sn = g.nodes[s];
    const std::string a = sn.inputs[k], b = sn.inputs[1 - k];
    const int m = producer(g, b);
    if (m < 0 || g.nodes[m].op != "Mul" || !with_scalar(g, g.nodes[m], c, cube) ||
        !near(c, 0.044715f) || sole_consumer(g, uses, b) != s)
      continue;
    const int q = producer(g, cube);
    if (q < 0 || sole_consumer(g, uses, cube) != m) continue;
    const Node& qn = g.nodes[q];
    bool cubed = qn.op == "Pow" && qn.inputs[0] == a && scalar(g, qn.inputs[1], c) && c == 3.0f;
    std::set<size_t> nodes = {static_cast<size_t>(s), static_cast<size_t>(m),
                              static_cast<size_t>(q)};
    if (qn.op == "Mul" && (qn.inputs[0] == a || qn.inputs[1] == a)) {
      const std::string square = qn.inputs[0] == a ? qn.inputs[1] : qn.inputs[0];
      const int p = producer(g, square);
      cubed = p >= 0 && g.nodes[p].op == "Mul" && g.nodes[p].inputs[0] == a &&
              g.nodes[p].inputs[1] == a && sole_consumer(g, uses, square) == q;
      nodes.insert(static_cast<size_t>(p));
    }
    if (!cubed) continue;
    x = a;
    chain.insert(nodes.begin(), nodes.end());
  }
  return !x.empty();
}

// GELU as PyTorch exports it, Erf-based or tanh-approximated, becomes one
// node (VtpuGelu or VtpuGeluTanh) from x to the product with 0.5.
void fuse_gelu(Graph& g) {
  for (size_t e = 0; e < g.nodes.size(); ++e) {
    if (g.nodes[e].op != "Erf" && g.nodes[e].op != "Tanh") continue;
    const auto uses = consumers(g);
    std::string x;
    std::set<size_t> drop = {e};
    if (!gelu_argument(g, uses, g.nodes[e], x, drop)) continue;
    float c = 0;
    const int a = sole_consumer(g, uses, g.nodes[e].outputs[0]);
    std::string unused;
    if (a < 0 || g.nodes[a].op != "Add" || !with_scalar(g, g.nodes[a], c, unused) || c != 1.0f)
      continue;
    const int m1 = sole_consumer(g, uses, g.nodes[a].outputs[0]);
    if (m1 < 0 || g.nodes[m1].op != "Mul") continue;
    const Node& mn = g.nodes[m1];
    const std::string other = mn.inputs[0] == g.nodes[a].outputs[0] ? mn.inputs[1] : mn.inputs[0];
    drop.insert({static_cast<size_t>(a), static_cast<size_t>(m1)});
    std::string out;
    if (other == x) {  // 0.5 * (x * (1 + erf))
      const int m2 = sole_consumer(g, uses, mn.outputs[0]);
      if (m2 < 0 || g.nodes[m2].op != "Mul" || !with_scalar(g, g.nodes[m2], c, unused) || c != 0.5f)
        continue;
      drop.insert(m2);
      out = g.nodes[m2].outputs[0];
    } else {  // (0.5 * x) * (1 + erf)
      const int h = producer(g, other);
      std::string hx;
      if (h < 0 || g.nodes[h].op != "Mul" || !with_scalar(g, g.nodes[h], c, hx) || c != 0.5f ||
          hx != x || sole_consumer(g, uses, other) != m1)
        continue;
      drop.insert(h);
      out = mn.outputs[0];
    }
    Node gelu;
    gelu.name = g.nodes[e].name + "_gelu";
    gelu.op = g.nodes[e].op == "Erf" ? "VtpuGelu" : "VtpuGeluTanh";
    gelu.inputs = {x};
    gelu.outputs = {out};
    g.nodes[*drop.rbegin()] = gelu;  // in the last node's place: its inputs are all ready
    drop.erase(std::prev(drop.end()));
    erase_nodes(g, drop);
    e = 0;
  }
}

bool last_axis(const Graph& g, const Node& reduce) {
  const std::vector<int64_t>& shape = g.values.at(reduce.inputs[0]).shape;
  std::vector<int64_t> axes = reduce.get_ints("axes", {});
  if (axes.empty() && reduce.inputs.size() > 1 && g.constants.count(reduce.inputs[1]))
    axes = g.constants.at(reduce.inputs[1]).i;
  const int64_t rank = static_cast<int64_t>(shape.size());
  return axes.size() == 1 && (axes[0] == -1 || axes[0] == rank - 1) &&
         reduce.get_int("keepdims", 1) == 1;
}

Tensor filled(int64_t n, float v) {
  return Tensor::floats({n}, std::vector<float>(n, v));
}

void fuse_layernorm(Graph& g) {
  for (size_t r1 = 0; r1 < g.nodes.size(); ++r1) {
    Node& first = g.nodes[r1];
    if (first.op == "LayerNormalization") {
      // Over the axes from `axis` on, flattened (ONNX's definition).
      const std::vector<int64_t>& shape = g.values.at(first.inputs[0]).shape;
      const int64_t rank = static_cast<int64_t>(shape.size());
      int64_t axis = first.get_int("axis", -1);
      if (axis < 0) axis += rank;
      if (axis < 0 || axis >= rank)
        throw Error(first.where() + ": axis " + std::to_string(first.get_int("axis", -1)) +
                    " is outside the input's " + std::to_string(rank) + " axes");
      int64_t cols = 1;
      for (int64_t a = axis; a < rank; ++a) cols *= shape[a];
      if (first.inputs.size() < 3 || first.inputs[2].empty()) {
        first.inputs.resize(3);
        first.inputs[2] = first.name + "_beta";
        g.constants[first.inputs[2]] = filled(cols, 0.0f);
      }
      first.op = "VtpuLayerNorm";
      first.outputs.resize(1);
      Attribute eps;
      eps.kind = Attribute::Kind::kFloat;
      eps.f = first.get_float("epsilon", 1e-5f);
      Attribute from;
      from.kind = Attribute::Kind::kInt;
      from.i = axis;
      first.attrs = {{"epsilon", eps}, {"axis", from}};
      continue;
    }
    if (first.op != "ReduceMean" || !last_axis(g, first)) continue;
    const auto uses = consumers(g);
    const std::string x = first.inputs[0];
    const int s = sole_consumer(g, uses, first.outputs[0]);
    if (s < 0 || g.nodes[s].op != "Sub" || g.nodes[s].inputs[0] != x) continue;
    const std::string d = g.nodes[s].outputs[0];
    auto du = uses.find(d);
    if (du == uses.end() || du->second.size() != 2 || is_output(g, d)) continue;
    int p = -1, v = -1;
    for (size_t u : du->second) {
      const Node& n = g.nodes[u];
      float c = 0;
      if ((n.op == "Pow" && scalar(g, n.inputs[1], c) && c == 2.0f) ||
          (n.op == "Mul" && n.inputs[0] == d && n.inputs[1] == d))
        p = static_cast<int>(u);
      else if (n.op == "Div" && n.inputs[0] == d)
        v = static_cast<int>(u);
    }
    if (p < 0 || v < 0) continue;
    const int r2 = sole_consumer(g, uses, g.nodes[p].outputs[0]);
    if (r2 < 0 || g.nodes[r2].op != "ReduceMean" || !last_axis(g, g.nodes[r2])) continue;
    const int ad = sole_consumer(g, uses, g.nodes[r2].outputs[0]);
    float eps = 0;
    std::string unused;
    if (ad < 0 || g.nodes[ad].op != "Add" || !with_scalar(g, g.nodes[ad], eps, unused)) continue;
    const int sq = sole_consumer(g, uses, g.nodes[ad].outputs[0]);
    if (sq < 0 || g.nodes[sq].op != "Sqrt" || sole_consumer(g, uses, g.nodes[sq].outputs[0]) != v)
      continue;
    std::set<size_t> drop = {r1,
                             static_cast<size_t>(s),
                             static_cast<size_t>(p),
                             static_cast<size_t>(r2),
                             static_cast<size_t>(ad),
                             static_cast<size_t>(sq),
                             static_cast<size_t>(v)};
    const int64_t cols = g.values.at(x).shape.back();
    std::string out = g.nodes[v].outputs[0], gamma, beta;
    // Optional affine: Mul by gamma, then Add beta (constants of `cols` values).
    const int mg = sole_consumer(g, uses, out);
    if (mg >= 0 && g.nodes[mg].op == "Mul") {
      const Node& m = g.nodes[mg];
      const std::string gname = m.inputs[0] == out ? m.inputs[1] : m.inputs[0];
      const Tensor* t = constant_floats(g, gname);
      if (t && t->numel() == cols) {
        gamma = gname;
        drop.insert(mg);
        out = m.outputs[0];
        const int ab = sole_consumer(g, uses, out);
        if (ab >= 0 && g.nodes[ab].op == "Add") {
          const Node& a = g.nodes[ab];
          const std::string bname = a.inputs[0] == out ? a.inputs[1] : a.inputs[0];
          const Tensor* b = constant_floats(g, bname);
          if (b && b->numel() == cols) {
            beta = bname;
            drop.insert(ab);
            out = a.outputs[0];
          }
        }
      }
    }
    Node ln;
    ln.name = first.name + "_layernorm";
    ln.op = "VtpuLayerNorm";
    if (gamma.empty()) g.constants[gamma = ln.name + "_gamma"] = filled(cols, 1.0f);
    if (beta.empty()) g.constants[beta = ln.name + "_beta"] = filled(cols, 0.0f);
    ln.inputs = {x, gamma, beta};
    ln.outputs = {out};
    Attribute a;
    a.kind = Attribute::Kind::kFloat;
    a.f = eps;
    ln.attrs["epsilon"] = a;
    g.nodes[*drop.rbegin()] = ln;
    drop.erase(std::prev(drop.end()));
    erase_nodes(g, drop);
    r1 = 0;
  }
}

// "relu", "relu6" or "" for an activation node.
std::string activation_of(const Graph& g, const Node& n) {
  if (n.op == "Relu") return "relu";
  if (n.op != "Clip") return "";
  float lo = n.get_float("min", -INFINITY), hi = n.get_float("max", INFINITY);
  if (n.inputs.size() > 1 && !n.inputs[1].empty() && !scalar(g, n.inputs[1], lo)) return "";
  if (n.inputs.size() > 2 && !n.inputs[2].empty() && !scalar(g, n.inputs[2], hi)) return "";
  if (lo == 0.0f && hi == 6.0f) return "relu6";
  if (lo == 0.0f && std::isinf(hi)) return "relu";
  return "";
}

void fuse_activations(Graph& g) {
  const auto uses = consumers(g);
  std::set<size_t> drop;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    const bool product = n.op == "Conv" || n.op == "Gemm" || n.op == "MatMul";
    if (!product && n.op != "Add") continue;
    const int a = sole_consumer(g, uses, n.outputs[0]);
    if (a < 0) continue;
    const std::string act = activation_of(g, g.nodes[a]);
    if (act.empty() || (!product && act != "relu")) continue;
    Attribute attr;
    attr.kind = Attribute::Kind::kString;
    attr.s = act;
    n.attrs["vtpu_activation"] = attr;
    const std::string out = g.nodes[a].outputs[0];
    if (g.values.count(n.outputs[0])) g.values[out] = g.values[n.outputs[0]];
    n.outputs[0] = out;
    drop.insert(a);
  }
  erase_nodes(g, drop);
}

}  // namespace

// Einsum as the chip's operators: the operands transposed to (batch, free,
// contracted) and (batch, contracted, free), reshaped to 3-D, one MatMul,
// reshaped and transposed to the output's order; one operand is a Transpose
// (with a ReduceSum for dropped subscripts). Returns whether it rewrote one.
// Throws naming the node for an equation outside that (repeated subscripts
// within an operand, a subscript summed away from one operand of two, more
// than two operands).
bool rewrite_einsum(Graph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].op != "Einsum") continue;
    const Node e = g.nodes[i];
    auto refuse = [&e](const std::string& why) {
      throw Error(e.where() + ": equation '" + e.get_string("equation", "") + "': " + why +
                  " (vtpu rewrites one- and two-operand contractions into Transpose and MatMul)");
    };
    bool known = true;
    for (const std::string& in : e.inputs) known = known && g.values.count(in);
    if (!known) continue;
    if (e.inputs.empty() || e.inputs.size() > 2) refuse("more than two operands");
    std::string eq;
    for (char c : e.get_string("equation", ""))
      if (c != ' ') eq += c;
    const size_t arrow = eq.find("->");
    std::vector<std::string> terms;
    std::string lhs = eq.substr(0, arrow), rhs;
    for (size_t at = 0;;) {
      const size_t comma = lhs.find(',', at);
      terms.push_back(lhs.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    if (terms.size() != e.inputs.size()) refuse("its terms do not match the operands");
    // Ellipses become the labels '0', '1', ... aligned on the right (numpy's
    // broadcasting): a term covering r of the widest ellipsis's w axes takes
    // the last r labels.
    size_t widest = 0;
    for (size_t k = 0; k < terms.size(); ++k) {
      const size_t rank = g.values.at(e.inputs[k]).shape.size();
      if (terms[k].find("...") == std::string::npos) continue;
      if (rank + 3 < terms[k].size())
        refuse("a term has more subscripts than its operand has axes");
      widest = std::max(widest, rank + 3 - terms[k].size());
    }
    const auto expand = [&](const std::string& t, size_t covered) {
      const size_t dots = t.find("...");
      if (dots == std::string::npos) return t;
      std::string labels;
      for (size_t k = widest - covered; k < widest; ++k) labels += static_cast<char>('0' + k);
      return t.substr(0, dots) + labels + t.substr(dots + 3);
    };
    std::string ellipsis = expand("...", widest);
    if (widest > 10) refuse("an ellipsis over more than 10 axes");
    for (size_t k = 0; k < terms.size(); ++k)
      terms[k] = expand(terms[k], g.values.at(e.inputs[k]).shape.size() + 3 - terms[k].size());
    std::map<char, int64_t> dim;
    for (size_t k = 0; k < terms.size(); ++k) {
      const std::vector<int64_t>& shape = g.values.at(e.inputs[k]).shape;
      if (terms[k].size() != shape.size()) refuse("a term does not match its operand's rank");
      for (size_t a = 0; a < shape.size(); ++a) {
        const char c = terms[k][a];
        if (terms[k].find(c) != a) refuse(std::string("subscript '") + c + "' repeats in a term");
        if (dim.count(c) && dim[c] != shape[a])
          refuse(std::string("subscript '") + c + "' has two sizes");
        dim[c] = shape[a];
      }
    }
    if (arrow != std::string::npos) {
      rhs = expand(eq.substr(arrow + 2), widest);
    } else {  // implicit: the ellipsis, then the subscripts seen once, sorted
      rhs = ellipsis;
      std::string once;
      for (const auto& [c, n] : dim) {
        (void)n;
        size_t count = 0;
        for (const std::string& t : terms) count += std::count(t.begin(), t.end(), c);
        if (count == 1 && !std::isdigit(static_cast<unsigned char>(c))) once += c;
      }
      rhs += once;
    }
    for (char c : rhs)
      if (!dim.count(c)) refuse(std::string("output subscript '") + c + "' is in no operand");
    // New nodes replace the Einsum in place, in order.
    std::vector<Node> nodes;
    int serial = 0;
    auto fresh = [&](const std::string& what) {
      return e.name + "/einsum_" + what + std::to_string(serial++);
    };
    // x with its axes (subscripts `from`) in the order `to`; an identity
    // order adds no node unless `always`.
    auto transpose = [&](const std::string& x, const std::string& from, const std::string& to,
                         bool always = false) {
      if (from == to && !always) return x;
      std::vector<int64_t> perm;
      for (char c : to) perm.push_back(static_cast<int64_t>(from.find(c)));
      Node t;
      t.name = fresh("transpose");
      t.op = "Transpose";
      t.inputs = {x};
      t.outputs = {t.name};
      Attribute a;
      a.kind = Attribute::Kind::kInts;
      a.ints = perm;
      t.attrs["perm"] = a;
      nodes.push_back(t);
      return t.outputs[0];
    };
    auto reshape = [&](const std::string& x, std::vector<int64_t> shape) {
      Node r;
      r.name = fresh("reshape");
      r.op = "Reshape";
      const std::string to = r.name + "_shape";
      g.constants[to] = Tensor::ints({static_cast<int64_t>(shape.size())}, shape);
      r.inputs = {x, to};
      r.outputs = {r.name};
      nodes.push_back(r);
      return r.outputs[0];
    };
    auto size_of = [&](const std::string& labels) {
      int64_t n = 1;
      for (char c : labels) n *= dim[c];
      return n;
    };
    std::string result, order;
    if (terms.size() == 1) {
      std::string kept, dropped;
      for (char c : terms[0]) (rhs.find(c) == std::string::npos ? dropped : kept) += c;
      result = e.inputs[0];
      order = terms[0];
      if (!dropped.empty()) {
        Node r;
        r.name = fresh("reducesum");
        r.op = "ReduceSum";
        const std::string axes = r.name + "_axes";
        std::vector<int64_t> at;
        for (char c : dropped) at.push_back(static_cast<int64_t>(terms[0].find(c)));
        g.constants[axes] = Tensor::ints({static_cast<int64_t>(at.size())}, at);
        r.inputs = {result, axes};
        r.outputs = {r.name};
        Attribute keep;
        keep.kind = Attribute::Kind::kInt;
        keep.i = 0;
        r.attrs["keepdims"] = keep;
        nodes.push_back(r);
        result = r.outputs[0];
        order = kept;
      }
    } else {
      const std::string &ta = terms[0], &tb = terms[1];
      std::string batch, contracted, free_a, free_b;
      for (char c : ta) {
        const bool in_b = tb.find(c) != std::string::npos, out = rhs.find(c) != std::string::npos;
        if (in_b)
          (out ? batch : contracted) += c;
        else if (out)
          free_a += c;
        else
          refuse(std::string("subscript '") + c + "' is summed away from one operand");
      }
      for (char c : tb) {
        const bool in_a = ta.find(c) != std::string::npos, out = rhs.find(c) != std::string::npos;
        if (!in_a && out)
          free_b += c;
        else if (!in_a)
          refuse(std::string("subscript '") + c + "' is summed away from one operand");
      }
      const int64_t nb = size_of(batch), m = size_of(free_a), k = size_of(contracted),
                    n = size_of(free_b);
      const bool constant_b = g.constants.count(e.inputs[1]) && batch.empty();
      std::string a =
          reshape(transpose(e.inputs[0], ta, batch + free_a + contracted),
                  batch.empty() ? std::vector<int64_t>{m, k} : std::vector<int64_t>{nb, m, k});
      std::string b = reshape(transpose(e.inputs[1], tb, batch + contracted + free_b),
                              constant_b || batch.empty() ? std::vector<int64_t>{k, n}
                                                          : std::vector<int64_t>{nb, k, n});
      Node mm;
      mm.name = fresh("matmul");
      mm.op = "MatMul";
      mm.inputs = {a, b};
      mm.outputs = {mm.name};
      nodes.push_back(mm);
      order = batch + free_a + free_b;
      std::vector<int64_t> shape;
      for (char c : order) shape.push_back(dim[c]);
      result = reshape(mm.outputs[0], shape);
    }
    // The last node writes the Einsum's output.
    if (order != rhs || nodes.empty()) transpose(result, order, rhs, true);
    nodes.back().outputs = {e.outputs[0]};
    g.nodes.erase(g.nodes.begin() + static_cast<long>(i));
    g.nodes.insert(g.nodes.begin() + static_cast<long>(i), nodes.begin(), nodes.end());
    return true;
  }
  return false;
}

void simplify(Graph& g) {
  remove_identities(g);
  // A shape learned here can let a Shape node fold, whose value can give the
  // next node its shape (a Reshape to a computed shape, exported before
  // ONNX's inference could see through it): to a fixed point.
  do {
    fold_constants(g);
    remove_identities(g);  // a Dropout whose ratio or mode folded to a constant
    remove_dead_nodes(g);
  } while (fill_shapes(g, /*strict=*/false) || rewrite_einsum(g));
  fill_shapes(g, /*strict=*/true);
}

void fold_batchnorm(Graph& g) {
  const auto uses = consumers(g);
  std::set<size_t> drop;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& conv = g.nodes[i];
    if (conv.op != "Conv") continue;
    const int b = sole_consumer(g, uses, conv.outputs[0]);
    if (b < 0 || g.nodes[b].op != "BatchNormalization") continue;
    const Node& bn = g.nodes[b];
    const Tensor* w = constant_floats(g, conv.inputs[1]);
    const Tensor* scale = constant_floats(g, bn.inputs[1]);
    const Tensor* shift = constant_floats(g, bn.inputs[2]);
    const Tensor* mean = constant_floats(g, bn.inputs[3]);
    const Tensor* var = constant_floats(g, bn.inputs[4]);
    if (!w || !scale || !shift || !mean || !var) continue;
    const Tensor* bias = conv.inputs.size() > 2 && !conv.inputs[2].empty()
                             ? constant_floats(g, conv.inputs[2])
                             : nullptr;
    const int64_t cout = w->shape[0], per = w->numel() / cout;
    const float eps = bn.get_float("epsilon", 1e-5f);
    Tensor nw = *w, nb = Tensor::floats({cout}, std::vector<float>(cout, 0.0f));
    for (int64_t c = 0; c < cout; ++c) {
      const float k = scale->f[c] / std::sqrt(var->f[c] + eps);
      for (int64_t j = 0; j < per; ++j) nw.f[c * per + j] = w->f[c * per + j] * k;
      nb.f[c] = ((bias ? bias->f[c] : 0.0f) - mean->f[c]) * k + shift->f[c];
    }
    const std::string wname = conv.name + "_bn_weight", bname = conv.name + "_bn_bias";
    g.constants[wname] = nw;
    g.constants[bname] = nb;
    g.values[wname] = ValueInfo{DType::kFloat32, nw.shape};
    g.values[bname] = ValueInfo{DType::kFloat32, nb.shape};
    conv.inputs.resize(3);
    conv.inputs[1] = wname;
    conv.inputs[2] = bname;
    if (g.values.count(conv.outputs[0])) g.values[bn.outputs[0]] = g.values[conv.outputs[0]];
    conv.outputs[0] = bn.outputs[0];
    drop.insert(b);
  }
  erase_nodes(g, drop);
  remove_dead_nodes(g);
}

Affine batchnorm_affine(const Graph& g, const Node& bn, int64_t channels) {
  std::array<const Tensor*, 4> p;  // scale, B, mean, var
  for (size_t i = 0; i < p.size(); ++i) {
    p[i] = bn.inputs.size() > i + 1 ? constant_floats(g, bn.inputs[i + 1]) : nullptr;
    if (!p[i] || p[i]->numel() != channels)
      throw Error(bn.where() + ": input " + std::to_string(i + 1) + " must be a constant of " +
                  std::to_string(channels) + " values");
  }
  const float eps = bn.get_float("epsilon", 1e-5f);
  Affine a{std::vector<float>(channels), std::vector<float>(channels)};
  for (int64_t i = 0; i < channels; ++i) {
    a.k[i] = p[0]->f[i] / std::sqrt(p[3]->f[i] + eps);
    a.c[i] = p[1]->f[i] - p[2]->f[i] * a.k[i];
  }
  return a;
}

// x * Sigmoid(x) (SiLU) and x * Tanh(Softplus(x)) (Mish), their inner nodes
// used only there, become one VtpuSilu / VtpuMish of x.
void fuse_silu_mish(Graph& g) {
  for (bool changed = true; changed;) {
    changed = false;
    const auto uses = consumers(g);
    for (size_t m = 0; m < g.nodes.size() && !changed; ++m) {
      if (g.nodes[m].op != "Mul" || g.nodes[m].inputs.size() != 2) continue;
      for (int k = 0; k < 2 && !changed; ++k) {
        const std::string x = g.nodes[m].inputs[k], gate = g.nodes[m].inputs[1 - k];
        const int p = producer(g, gate);
        if (p < 0 || sole_consumer(g, uses, gate) != static_cast<int>(m)) continue;
        std::set<size_t> drop = {static_cast<size_t>(p)};
        std::string op;
        const Node& pn = g.nodes[p];
        if (pn.op == "Sigmoid" && pn.inputs[0] == x) {
          op = "VtpuSilu";
        } else if (pn.op == "Tanh") {
          const int q = producer(g, pn.inputs[0]);
          if (q >= 0 && g.nodes[q].op == "Softplus" && g.nodes[q].inputs[0] == x &&
              sole_consumer(g, uses, pn.inputs[0]) == p) {
            op = "VtpuMish";
            drop.insert(static_cast<size_t>(q));
          }
        }
        if (op.empty()) continue;
        Node f;
        f.name = g.nodes[m].name + (op == "VtpuSilu" ? "_silu" : "_mish");
        f.op = op;
        f.inputs = {x};
        f.outputs = g.nodes[m].outputs;
        g.nodes[m] = f;
        erase_nodes(g, drop);
        changed = true;
      }
    }
  }
}

void fuse(Graph& g) {
  fuse_gelu(g);
  fuse_silu_mish(g);
  fuse_layernorm(g);
  fuse_activations(g);
  remove_dead_nodes(g);
}

}  // namespace vtpu::sw

namespace vtpu::sw {

namespace {

// Values of a DequantizeLinear: (q - zero_point) * scale, per axis when the
// scale has more than one value.
Tensor dequantized(const Tensor& q, const Tensor& scale, const Tensor* zero, int64_t axis,
                   const std::string& where) {
  Tensor out;
  out.shape = q.shape;
  out.f.resize(q.numel());
  const int64_t rank = static_cast<int64_t>(q.shape.size());
  if (axis < 0) axis += rank;
  const int64_t channels = scale.numel();
  int64_t inner = 1;
  for (int64_t a = axis + 1; a < rank; ++a) inner *= q.shape[a];
  if (channels > 1 && (axis >= rank || q.shape[axis] != channels))
    throw Error(where + ": scale of " + std::to_string(channels) + " values for axis " +
                std::to_string(axis));
  for (int64_t i = 0; i < q.numel(); ++i) {
    const int64_t c = channels > 1 ? (i / inner) % channels : 0;
    const int64_t z = zero ? zero->i[zero->numel() > 1 ? c : 0] : 0;
    out.f[i] = static_cast<float>(q.i[i] - z) * scale.f[c];
  }
  return out;
}

const Tensor& constant_input(const Graph& g, const Node& n, size_t i) {
  if (i >= n.inputs.size() || !g.constants.count(n.inputs[i]))
    throw Error(n.where() + ": input " + std::to_string(i) + " must be a constant");
  return g.constants.at(n.inputs[i]);
}

QuantHint hint_of(const Graph& g, const Node& n, size_t scale, size_t zero) {
  const Tensor& s = constant_input(g, n, scale);
  if (s.numel() != 1) throw Error(n.where() + ": per-axis activation quantization");
  if (!s.is_float())
    throw Error(n.where() + ": scale of type " + std::string(dtype_name(s.dtype)) +
                " (a scale is float)");
  QuantHint h;
  h.scale = s.f[0];
  if (zero < n.inputs.size() && !n.inputs[zero].empty()) {
    const Tensor& z = constant_input(g, n, zero);
    if (z.dtype != DType::kInt8)
      throw Error(n.where() + ": zero point of type " + std::string(dtype_name(z.dtype)) +
                  " (vtpu's activations are int8)");
    if (z.numel() != 1) throw Error(n.where() + ": per-axis activation quantization");
    h.zero_point = static_cast<int32_t>(z.i[0]);
  } else {
    throw Error(n.where() + ": no zero point: uint8 quantization (vtpu's activations are int8)");
  }
  return h;
}

}  // namespace

void absorb_quantization(Graph& g) {
  std::map<std::string, std::string> shadow;  // int8 tensor -> its float value
  std::set<size_t> drop;
  auto float_of = [&](const Node& n, const std::string& q) {
    auto it = shadow.find(q);
    if (it == shadow.end())
      throw Error(n.where() + ": int8 input '" + q +
                  "' has no float value (a quantized graph "
                  "input is not supported)");
    return it->second;
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    if (n.op == "QuantizeLinear") {
      shadow[n.outputs[0]] = n.inputs[0];
      g.quant_hints[n.inputs[0]] = hint_of(g, n, 1, 2);
      drop.insert(i);
    } else if (n.op == "DequantizeLinear") {
      if (g.constants.count(n.inputs[0])) {
        const Tensor* zero =
            n.inputs.size() > 2 && !n.inputs[2].empty() ? &constant_input(g, n, 2) : nullptr;
        g.constants[n.outputs[0]] =
            dequantized(g.constants.at(n.inputs[0]), constant_input(g, n, 1), zero,
                        n.get_int("axis", 1), n.where());
        g.values[n.outputs[0]] = ValueInfo{DType::kFloat32, g.constants[n.outputs[0]].shape};
        drop.insert(i);
        continue;
      }
      // Of an activation: its float value, rescaled if this DequantizeLinear
      // reads the int8 values with another scale than they were made with.
      const std::string f = float_of(n, n.inputs[0]);
      const QuantHint made = g.quant_hints.at(f), read = hint_of(g, n, 1, 2);
      if (made.zero_point != read.zero_point)
        throw Error(n.where() + ": dequantizes with another zero point than it was quantized with");
      if (made.scale == read.scale && !is_output(g, n.outputs[0])) {
        rename_uses(g, n.outputs[0], f);
        drop.insert(i);
      } else if (made.scale == read.scale) {  // keeps the output's name
        n.op = "Identity";
        n.inputs = {f};
        n.attrs.clear();
      } else {
        const std::string ratio = n.outputs[0] + "_ratio";
        g.constants[ratio] = Tensor::floats({}, {read.scale / made.scale});
        g.values[ratio] = ValueInfo{DType::kFloat32, {}};
        n.op = "Mul";
        n.inputs = {f, ratio};
        n.attrs.clear();
      }
    } else if (n.op == "QLinearConv" || n.op == "QLinearMatMul") {
      const bool conv = n.op == "QLinearConv";
      // QLinearConv: x, xs, xz, w, ws, wz, ys, yz, [B]; QLinearMatMul: a, as, az, b, bs, bz, ys,
      // yz.
      const Tensor& xs = constant_input(g, n, 1);
      Node f = n;
      f.op = conv ? "Conv" : "MatMul";
      f.inputs = {float_of(n, n.inputs[0])};
      const std::string w = n.outputs[0] + "_weights";
      if (g.constants.count(n.inputs[3])) {
        g.constants[w] = dequantized(g.constants.at(n.inputs[3]), constant_input(g, n, 4),
                                     &constant_input(g, n, 5), conv ? 0 : 1, n.where());
        g.values[w] = ValueInfo{DType::kFloat32, g.constants[w].shape};
        f.inputs.push_back(w);
      } else {
        f.inputs.push_back(float_of(n, n.inputs[3]));
      }
      if (conv && n.inputs.size() > 8 && !n.inputs[8].empty()) {
        const Tensor& b = constant_input(g, n, 8);
        const Tensor& ws = constant_input(g, n, 4);
        if (b.is_float() || !xs.is_float() || xs.numel() != 1 || !ws.is_float() ||
            (ws.numel() != 1 && ws.numel() != b.numel()))
          throw Error(n.where() + ": the bias (int32), the input scale (one float) and the " +
                      "weight scales (one float, or one per output) do not fit together");
        Tensor bf;
        bf.shape = b.shape;
        for (int64_t c = 0; c < b.numel(); ++c)
          bf.f.push_back(static_cast<float>(b.i[c]) * xs.f[0] * ws.f[ws.numel() > 1 ? c : 0]);
        const std::string bn = n.outputs[0] + "_bias";
        g.constants[bn] = bf;
        g.values[bn] = ValueInfo{DType::kFloat32, bf.shape};
        f.inputs.push_back(bn);
      }
      const std::string out = n.outputs[0] + "_float";
      f.outputs = {out};
      if (g.values.count(n.outputs[0]))
        g.values[out] = ValueInfo{DType::kFloat32, g.values[n.outputs[0]].shape};
      shadow[n.outputs[0]] = out;
      g.quant_hints[out] = hint_of(g, n, 6, 7);
      n = f;
    }
  }
  erase_nodes(g, drop);
  // An int8 graph output comes back as its float value, under its own name.
  for (const std::string& o : g.outputs) {
    auto it = shadow.find(o);
    if (it == shadow.end()) continue;
    Node id;
    id.name = o + "_float_output";
    id.op = "Identity";
    id.inputs = {it->second};
    id.outputs = {o};
    g.nodes.push_back(id);
    g.values[o] =
        ValueInfo{DType::kFloat32, g.values.count(o) ? g.values[o].shape : std::vector<int64_t>{}};
  }
}

}  // namespace vtpu::sw
