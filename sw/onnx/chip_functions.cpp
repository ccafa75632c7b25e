#include "sw/onnx/chip_functions.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "models/common/error.h"
#include "models/vpu/numerics.h"

namespace vtpu::sw {
namespace {

namespace nm = numerics;

// Builds a function's body: every node's output a fresh name, constants as
// Constant nodes (a function holds no initializers).
class Body {
 public:
  explicit Body(onnx::FunctionProto& f) : f_(f) {}

  // The output of `op` on `inputs`.
  std::string op(const std::string& type, const std::vector<std::string>& inputs) {
    onnx::NodeProto* n = f_.add_node();
    n->set_op_type(type);
    for (const std::string& i : inputs) n->add_input(i);
    n->add_output("t" + std::to_string(count_++));
    return n->output(0);
  }
  onnx::NodeProto& last() { return *f_.mutable_node(f_.node_size() - 1); }

  std::string constant(float v) {
    const std::string out = op("Constant", {});
    onnx::AttributeProto* a = last().add_attribute();
    a->set_name("value_float");
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
    return out;
  }
  std::string constant(const std::vector<float>& v) {
    const std::string out = op("Constant", {});
    onnx::AttributeProto* a = last().add_attribute();
    a->set_name("value_floats");
    a->set_type(onnx::AttributeProto::FLOATS);
    for (float x : v) a->add_floats(x);
    return out;
  }
  std::string constant_int(int64_t v, bool list) {
    const std::string out = op("Constant", {});
    onnx::AttributeProto* a = last().add_attribute();
    a->set_name(list ? "value_ints" : "value_int");
    a->set_type(list ? onnx::AttributeProto::INTS : onnx::AttributeProto::INT);
    if (list)
      a->add_ints(v);
    else
      a->set_i(v);
    return out;
  }
  // The last node's attribute `name`: `v`, or the call's attribute `ref`.
  void int_attribute(const std::string& name, int64_t v) {
    onnx::AttributeProto* a = last().add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  void ref_attribute(const std::string& name, const std::string& ref,
                     onnx::AttributeProto::AttributeType type) {
    onnx::AttributeProto* a = last().add_attribute();
    a->set_name(name);
    a->set_ref_attr_name(ref);
    a->set_type(type);
  }
  // A Constant whose `field` takes the call's attribute `ref`.
  std::string attribute(const std::string& field, const std::string& ref,
                        onnx::AttributeProto::AttributeType type) {
    const std::string out = op("Constant", {});
    ref_attribute(field, ref, type);
    return out;
  }

  std::string horner(const nm::Polynomial& poly, const std::string& t) {
    std::string acc = constant(poly.c[0]);
    for (int i = 1; i < poly.count; ++i)
      acc = op("Add", {op("Mul", {acc, t}), constant(poly.c[i])});
    return acc;
  }
  // numerics::exp_f32; the powers of two from a table (Gather): ONNX has no
  // way to build a float from its bits.
  std::string exp(const std::string& x) {
    namespace e = nm::exp_steps;
    const std::string c = op("Clip", {x, constant(e::kMin), constant(e::kMax)});
    const std::string n = op("Round", {op("Mul", {c, constant(e::kLog2e)})});
    const std::string r = op("Sub", {op("Sub", {c, op("Mul", {n, constant(e::kLn2Hi)})}),
                                     op("Mul", {n, constant(e::kLn2Lo)})});
    const std::string n1 = op("Floor", {op("Mul", {n, constant(0.5f)})});
    if (powers_.empty()) {  // one table per body (Mish's has two exps)
      std::vector<float> table;
      for (int k = e::kPow2Min; k <= e::kPow2Max; ++k) table.push_back(nm::pow2(k));
      powers_ = constant(table);
    }
    const auto power = [&](const std::string& k) {
      const std::string index =
          op("Cast", {op("Sub", {k, constant(static_cast<float>(e::kPow2Min))})});
      int_attribute("to", onnx::TensorProto::INT64);
      return op("Gather", {powers_, index});
    };
    const std::string scaled = op("Mul", {horner(e::kPoly, r), power(n1)});
    return op("Mul", {scaled, power(op("Sub", {n, n1}))});
  }
  // x's sign on `magnitude` (numerics: -0 gives +0).
  std::string signed_as(const std::string& x, const std::string& magnitude) {
    return op("Where", {op("Less", {x, constant(0.0f)}), op("Neg", {magnitude}), magnitude});
  }
  // numerics::erf_f32: every piece computed, the one for |x| chosen.
  std::string erf(const std::string& x) {
    namespace f = nm::erf_steps;
    const std::string a = op("Abs", {x});
    std::string e = op("Add", {a, op("Mul", {a, horner(f::kSmall, op("Mul", {a, a}))})});
    for (const f::Piece& piece : f::kPieces)
      e = op("Where", {op("GreaterOrEqual", {a, constant(piece.lo)}),
                       horner(piece.p, op("Sub", {a, constant(piece.center)})), e});
    e = op("Where", {op("GreaterOrEqual", {a, constant(f::kOneFrom)}), constant(1.0f), e});
    return signed_as(x, e);
  }
  // numerics::tanh_f32: both forms computed, the one for |x| chosen.
  std::string tanh(const std::string& x) {
    namespace h = nm::tanh_steps;
    const std::string a = op("Abs", {x});
    const std::string small = op("Add", {a, op("Mul", {a, horner(h::kSmall, op("Mul", {a, a}))})});
    const std::string e = exp(op("Mul", {constant(2.0f), a}));
    const std::string large =
        op("Sub", {constant(1.0f), op("Div", {constant(2.0f), op("Add", {e, constant(1.0f)})})});
    return signed_as(x, op("Where", {op("Less", {a, constant(h::kSmallBelow)}), small, large}));
  }
  // numerics::softplus_f32.
  std::string softplus(const std::string& x) {
    const std::string y = exp(op("Neg", {op("Abs", {x})}));
    const std::string s = op("Div", {y, op("Add", {constant(2.0f), y})});
    const std::string two_s = op("Mul", {constant(2.0f), s});
    const std::string log1p = op(
        "Add", {two_s, op("Mul", {two_s, horner(nm::softplus_steps::kAtanh, op("Mul", {s, s}))})});
    return op("Where", {op("Greater", {x, constant(0.0f)}), op("Add", {x, log1p}), log1p});
  }
  std::string sigmoid(const std::string& x) {
    return op("Div", {constant(1.0f), op("Add", {constant(1.0f), exp(op("Neg", {x}))})});
  }
  // 0.5 x (1 + f), as numerics computes it: (0.5 * x) * (1 + f).
  std::string gelu(const std::string& x, const std::string& f) {
    return op("Mul", {op("Mul", {constant(0.5f), x}), op("Add", {constant(1.0f), f})});
  }
  // The VPU's REDUCE_SUM (v[0] + v[1] + ..., left to right, each sum
  // rounded) along the axis `axis` (a 0-D tensor; `axes` the same as a
  // 1-D one): ONNX Runtime's CumSum adds in that order. Its last element,
  // the axis kept.
  std::string row_sum(const std::string& x, const std::string& axis, const std::string& axes) {
    return op("Slice", {op("CumSum", {x, axis}), constant_int(-1, true),
                        constant_int(INT64_MAX, true), axes});
  }

  void output(const std::string& value) {
    f_.add_output("y");
    op("Identity", {value});
    last().set_output(0, "y");
  }

 private:
  onnx::FunctionProto& f_;
  int count_ = 0;
  std::string powers_;  // exp()'s table of 2^k, once made
};

void define_body(onnx::FunctionProto& f, const std::string& name) {
  Body b(f);
  f.add_input("x");
  if (name == "Exp") return b.output(b.exp("x"));
  if (name == "Sigmoid") return b.output(b.sigmoid("x"));
  if (name == "Tanh") return b.output(b.tanh("x"));
  if (name == "Mish") return b.output(b.op("Mul", {"x", b.tanh(b.softplus("x"))}));
  if (name == "Gelu")
    return b.output(b.gelu("x", b.erf(b.op("Mul", {"x", b.constant(nm::kInvSqrt2)}))));
  if (name == "GeluTanh") {  // left to right: ((0.044715 * x) * x) * x
    const std::string cube =
        b.op("Mul", {b.op("Mul", {b.op("Mul", {b.constant(nm::kGeluCubic), "x"}), "x"}), "x"});
    return b.output(
        b.gelu("x", b.tanh(b.op("Mul", {b.constant(nm::kSqrt2OverPi), b.op("Add", {"x", cube})}))));
  }
  if (name == "Softmax") {  // sw/runtime/reference.cpp, run_softmax
    f.add_attribute("axis");
    f.add_attribute("axes");
    const std::string axis = b.attribute("value_int", "axis", onnx::AttributeProto::INT);
    const std::string axes = b.attribute("value_ints", "axes", onnx::AttributeProto::INTS);
    const std::string m = b.op("ReduceMax", {"x"});
    b.ref_attribute("axes", "axes", onnx::AttributeProto::INTS);
    const std::string e = b.exp(b.op("Sub", {"x", m}));
    return b.output(b.op("Mul", {e, b.op("Div", {b.constant(1.0f), b.row_sum(e, axis, axes)})}));
  }
  if (name == "LayerNormalization") {  // run_layernorm, over [rows, cols]
    f.add_input("gamma");
    f.add_input("beta");
    f.add_attribute("axis");
    f.add_attribute("epsilon");
    const std::string x = b.op("Flatten", {"x"});
    b.ref_attribute("axis", "axis", onnx::AttributeProto::INT);
    const auto flat = [&b](const std::string& v) {  // [1, cols]
      const std::string out = b.op("Flatten", {v});
      b.int_attribute("axis", 0);
      return out;
    };
    const std::string one = b.constant_int(1, false), ones = b.constant_int(1, true);
    const std::string cols = b.op("Gather", {b.op("Shape", {x}), one});
    const std::string count = b.op("Cast", {cols});
    b.int_attribute("to", onnx::TensorProto::FLOAT);
    const std::string inverse = b.op("Div", {b.constant(1.0f), count});
    const std::string centred = b.op("Sub", {x, b.op("Mul", {b.row_sum(x, one, ones), inverse})});
    const std::string squares = b.op("Mul", {centred, centred});
    const std::string epsilon = b.attribute("value_float", "epsilon", onnx::AttributeProto::FLOAT);
    const std::string variance =
        b.op("Add", {b.op("Mul", {b.row_sum(squares, one, ones), inverse}), epsilon});
    const std::string r = b.op("Div", {b.constant(1.0f), b.op("Sqrt", {variance})});
    const std::string y =
        b.op("Add", {b.op("Mul", {b.op("Mul", {centred, r}), flat("gamma")}), flat("beta")});
    return b.output(b.op("Reshape", {y, b.op("Shape", {"x"})}));
  }
  throw Error("--emit-qdq: no chip function '" + name + "'");
}

}  // namespace

void define_chip_function(onnx::ModelProto& model, const std::string& name) {
  for (const onnx::FunctionProto& f : model.functions())
    if (f.name() == name && f.domain() == kChipDomain) return;
  if (model.functions_size() == 0) {
    onnx::OperatorSetIdProto* opset = model.add_opset_import();
    opset->set_domain(kChipDomain);
    opset->set_version(1);
  }
  onnx::FunctionProto& f = *model.add_functions();
  f.set_name(name);
  f.set_domain(kChipDomain);
  for (const onnx::OperatorSetIdProto& o : model.opset_import())
    if (o.domain().empty()) *f.add_opset_import() = o;
  define_body(f, name);
}

void lower_chip_functions(onnx::ModelProto& model, const std::string& path) {
  onnx::GraphProto& graph = *model.mutable_graph();
  const auto scalar = [&graph](const std::string& name, float v) {
    onnx::TensorProto* t = graph.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_float_data(v);
    return name;
  };
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  int index = -1;
  for (onnx::NodeProto& n : *graph.mutable_node()) {
    ++index;
    if (n.domain() != kChipDomain) {
      *nodes.Add() = std::move(n);
      continue;
    }
    const std::string& op = n.op_type();
    if (op == "Exp" || op == "Sigmoid" || op == "Tanh" || op == "Softmax" ||
        op == "LayerNormalization") {
      n.clear_domain();
      auto* attrs = n.mutable_attribute();
      attrs->erase(std::remove_if(attrs->begin(), attrs->end(),
                                  [](const onnx::AttributeProto& a) { return a.name() == "axes"; }),
                   attrs->end());
      *nodes.Add() = std::move(n);
      continue;
    }
    if (op != "Mish" && op != "Gelu" && op != "GeluTanh")
      throw Error(path + ": node '" +
                  (n.name().empty() ? op + "_" + std::to_string(index) : n.name()) + "' (" +
                  kChipDomain + ":" + op +
                  "): not a function vtpu's QDQ export writes (Exp, Sigmoid, Tanh, Mish, Gelu, "
                  "GeluTanh, Softmax, LayerNormalization)");
    // Mish and GELU as PyTorch exports them (opsets 13 to 17), which the
    // compiler fuses into one VPU operation again (sw/graph/passes.cpp).
    const std::string x = n.input(0), base = n.output(0) + "_" + op;
    int step = 0;
    const auto add = [&](const std::string& type, const std::vector<std::string>& inputs,
                         const std::string& out = "") {
      onnx::NodeProto* m = nodes.Add();
      m->set_op_type(type);
      m->set_name(base + std::to_string(step));
      for (const std::string& i : inputs) m->add_input(i);
      m->add_output(out.empty() ? base + "_" + std::to_string(step) : out);
      ++step;
      return m->output(0);
    };
    if (op == "Mish") {
      add("Mul", {x, add("Tanh", {add("Softplus", {x})})}, n.output(0));
      continue;
    }
    std::string f;
    if (op == "Gelu") {
      f = add("Erf", {add("Div", {x, scalar(base + "_sqrt2", std::sqrt(2.0f))})});
    } else {
      const std::string cube = add("Mul", {x, add("Mul", {x, x})});
      const std::string sum =
          add("Add", {x, add("Mul", {cube, scalar(base + "_cubic", nm::kGeluCubic)})});
      f = add("Tanh", {add("Mul", {sum, scalar(base + "_scale", nm::kSqrt2OverPi)})});
    }
    const std::string one_plus = add("Add", {f, scalar(base + "_one", 1.0f)});
    add("Mul", {add("Mul", {x, one_plus}), scalar(base + "_half", 0.5f)}, n.output(0));
  }
  graph.mutable_node()->Swap(&nodes);
  // Ours only: a call into another domain is refused by the importer later.
  auto* functions = model.mutable_functions();
  functions->erase(
      std::remove_if(functions->begin(), functions->end(),
                     [](const onnx::FunctionProto& f) { return f.domain() == kChipDomain; }),
      functions->end());
  auto* opsets = model.mutable_opset_import();
  opsets->erase(
      std::remove_if(opsets->begin(), opsets->end(),
                     [](const onnx::OperatorSetIdProto& o) { return o.domain() == kChipDomain; }),
      opsets->end());
}

}  // namespace vtpu::sw
