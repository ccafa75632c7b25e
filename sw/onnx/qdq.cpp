#include "sw/onnx/qdq.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>

#include "models/common/atomic_file.h"
#include "models/common/error.h"
#include "models/vpu/numerics.h"
#include "sw/graph/passes.h"
#include "sw/onnx/chip_functions.h"

namespace vtpu::sw {

namespace {

// Builds the QDQ model: every tensor that is int8 on the chip goes through
// QuantizeLinear/DequantizeLinear with the chip's parameters; operators run
// in float between them, as ONNX Runtime's QDQ format expects.
class QdqWriter {
 public:
  explicit QdqWriter(const Program& p) : p_(p), g_(p.graph) {
    model_.set_ir_version(8);
    model_.set_producer_name("vtpu");
    onnx::OperatorSetIdProto* opset = model_.add_opset_import();
    opset->set_domain("");
    opset->set_version(17);
    graph_ = model_.mutable_graph();
    graph_->set_name(g_.name.empty() ? "vtpu_qdq" : g_.name);
  }

  void write(const std::string& path) {
    for (const std::string& in : g_.inputs) {
      add_value(graph_->add_input(), in, onnx::TensorProto::FLOAT, g_.values.at(in).shape);
      dq_[in] = qdq(in, in, quant(in));
    }
    for (const Node& n : g_.nodes) lower(n);
    for (const std::string& out : g_.outputs) {
      // The quantized output itself: the comparison is on int8 values.
      const QuantParams q = quant(out);
      const std::string s = scalar(q.scale), z = zero_point(q.zero_point);
      node("QuantizeLinear", {dq_.at(out), s, z}, {out + "_int8"});
      add_value(graph_->add_output(), out + "_int8", onnx::TensorProto::INT8,
                g_.values.at(out).shape);
      // Its parameters too, to quantize vtpu's float output for comparison.
      node("Identity", {s}, {out + "_scale"});
      node("Identity", {z}, {out + "_zero_point"});
      add_value(graph_->add_output(), out + "_scale", onnx::TensorProto::FLOAT, {});
      add_value(graph_->add_output(), out + "_zero_point", onnx::TensorProto::INT8, {});
    }
    write_file_atomically(path,
                          [this](std::ostream& out) { return model_.SerializeToOstream(&out); });
  }

 private:
  QuantParams quant(const std::string& name) const {
    auto it = p_.quant.find(name);
    if (it == p_.quant.end())
      throw Error("--emit-qdq: tensor '" + name + "' has no int8 parameters");
    return it->second;
  }

  static void add_value(onnx::ValueInfoProto* v, const std::string& name, int type,
                        const std::vector<int64_t>& shape) {
    v->set_name(name);
    onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type);
    onnx::TensorShapeProto* dims = t->mutable_shape();  // present even for a scalar
    for (int64_t d : shape) dims->add_dim()->set_dim_value(d);
  }

  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs) {
    onnx::NodeProto* n = graph_->add_node();
    n->set_op_type(op);
    n->set_name(op + "_" + std::to_string(graph_->node_size()));
    for (const std::string& i : inputs) n->add_input(i);
    for (const std::string& o : outputs) n->add_output(o);
    return n;
  }

  std::string fresh(const std::string& base) { return base + "__" + std::to_string(counter_++); }

  std::string initializer(const std::string& base, int type, const std::vector<int64_t>& shape,
                          const void* data, size_t bytes) {
    onnx::TensorProto* t = graph_->add_initializer();
    const std::string name = fresh(base);
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : shape) t->add_dims(d);
    t->set_raw_data(data, bytes);
    return name;
  }
  std::string floats(const std::string& base, const std::vector<int64_t>& shape,
                     const std::vector<float>& v) {
    return initializer(base, onnx::TensorProto::FLOAT, shape, v.data(), 4 * v.size());
  }
  std::string scalar(float v) { return floats("scale", {}, {v}); }
  std::string zero_point(int32_t z) {
    const int8_t b = static_cast<int8_t>(z);
    return initializer("zero_point", onnx::TensorProto::INT8, {}, &b, 1);
  }

  // Q then DQ of float tensor `x`: the name of the dequantized value (the
  // quantized one and its parameters are remembered under that name).
  std::string qdq(const std::string& x, const std::string& base, QuantParams q) {
    const std::string qn = fresh(base + "_q"), dn = fresh(base + "_dq");
    const std::string s = scalar(q.scale), z = zero_point(q.zero_point);
    node("QuantizeLinear", {x, s, z}, {qn});
    node("DequantizeLinear", {qn, s, z}, {dn});
    int8_[dn] = {qn, q};
    return dn;
  }

  // The int8 values behind a dequantized value, as exact integer-valued
  // floats q - zero_point: products of these sum exactly in fp32 (below 2^24),
  // so ONNX Runtime's float Conv and Gemm reproduce the chip's int32 sums.
  std::string integers(const std::string& dq) {
    const auto& [qn, q] = int8_.at(dq);
    const std::string out = fresh(qn + "_int");
    node("DequantizeLinear", {qn, scalar(1.0f), zero_point(q.zero_point)}, {out});
    return out;
  }

  // int32 sums to int8 as the chip requantizes: (ReLU,) times the fp32
  // multiplier per channel (`m_shape` broadcasts it), round half to even,
  // plus the zero point, saturated (QuantizeLinear with scale 1).
  void requantize(const Node& n, const std::string& acc, const std::vector<float>& m,
                  const std::vector<int64_t>& m_shape) {
    std::string v = acc;
    if (n.has("vtpu_activation")) {  // ReLU6's upper clamp is the output's saturation
      const std::string r = fresh(n.name + "_relu");
      node("Relu", {v}, {r});
      v = r;
    }
    const std::string scaled = fresh(n.name + "_scaled");
    node("Mul", {v, floats(n.name + "_multiplier", m_shape, m)}, {scaled});
    const QuantParams q = quant(n.outputs[0]);
    const std::string qn = fresh(n.outputs[0] + "_q"), dn = fresh(n.outputs[0] + "_dq");
    node("QuantizeLinear", {scaled, scalar(1.0f), zero_point(q.zero_point)}, {qn});
    node("DequantizeLinear", {qn, scalar(q.scale), zero_point(q.zero_point)}, {dn});
    int8_[dn] = {qn, q};
    dq_[n.outputs[0]] = dn;
  }

  // Per-channel int8 weights and int32 bias as integer-valued floats, and the
  // requantization multipliers, exactly as the compiler computes them.
  struct Product {
    std::vector<float> w, bias, multiplier;
  };
  // `node`'s weights are int4 on the chip (scales max|w| / 7) or int8.
  Product product(const std::string& node, const std::vector<float>& w, int64_t channels,
                  int64_t per, const std::vector<float>& bias, QuantParams in,
                  QuantParams out) const {
    Product p;
    const bool int4 = p_.int4_nodes.count(node) != 0;
    const std::vector<float> s = channel_scales(w, channels, per, bias, in.scale, int4 ? 7 : 127);
    p.w.resize(w.size());
    for (size_t i = 0; i < w.size(); ++i) p.w[i] = numerics::quantize_int8(w[i], s[i / per], 0);
    for (int64_t c = 0; c < channels; ++c) {
      const double sc = static_cast<double>(in.scale) * s[c];
      p.bias.push_back(static_cast<float>(std::nearbyint(bias[c] / sc)));
      p.multiplier.push_back(static_cast<float>(sc / out.scale));
    }
    return p;
  }

  // A graph constant as an initializer of its own type.
  std::string constant(const std::string& name) {
    const Tensor& t = g_.constants.at(name);
    if (t.is_float()) return floats(name, t.shape, t.f);
    return initializer(name, onnx::TensorProto::INT64, t.shape, t.i.data(), 8 * t.i.size());
  }

  // A constant as a layer reads it: one the compiler wrote into the image as
  // a tensor (it has int8 parameters) quantized as stored; any other
  // (weights, shapes, indices) as it is.
  std::string stored_constant(const std::string& name) {
    auto it = p_.quant.find(name);
    return it != p_.quant.end() ? qdq(constant(name), name, it->second) : constant(name);
  }

  // An operand as the chip reads it: a computed tensor dequantized; a
  // constant scalar in fp32; another constant quantized per tensor over its
  // range, as the compiler stores it.
  std::string operand(const std::string& name, bool reciprocal = false) {
    if (!g_.constants.count(name)) return dq_.at(name);
    Tensor t = g_.constants.at(name);
    if (!t.is_float()) return constant(name);
    if (reciprocal)
      for (float& v : t.f) v = 1.0f / v;
    if (t.numel() == 1) return floats(name, t.shape, t.f);
    return qdq(floats(name, t.shape, t.f), name, constant_params(t.f));
  }

  static void set_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }

  static void copy_attributes(const Node& from, onnx::NodeProto* to) {
    for (const auto& [name, a] : from.attrs) {
      if (name.rfind("vtpu_", 0) == 0) continue;
      onnx::AttributeProto* o = to->add_attribute();
      o->set_name(name);
      switch (a.kind) {
        case Attribute::Kind::kInt:
          o->set_type(onnx::AttributeProto::INT);
          o->set_i(a.i);
          break;
        case Attribute::Kind::kFloat:
          o->set_type(onnx::AttributeProto::FLOAT);
          o->set_f(a.f);
          break;
        case Attribute::Kind::kString:
          o->set_type(onnx::AttributeProto::STRING);
          o->set_s(a.s);
          break;
        case Attribute::Kind::kInts:
          o->set_type(onnx::AttributeProto::INTS);
          for (int64_t v : a.ints) o->add_ints(v);
          break;
        case Attribute::Kind::kFloats:
          o->set_type(onnx::AttributeProto::FLOATS);
          for (float v : a.floats) o->add_floats(v);
          break;
        case Attribute::Kind::kTensor:
          throw Error("--emit-qdq: " + from.where() + ": tensor attribute");
      }
    }
  }

  // The fused activation of a product or add, then the output's Q/DQ.
  void finish(const Node& n, std::string value) {
    const std::string act = n.has("vtpu_activation") ? n.attrs.at("vtpu_activation").s : "";
    if (act == "relu") {
      const std::string r = fresh(n.name + "_relu");
      node("Relu", {value}, {r});
      value = r;
    } else if (act == "relu6") {
      const std::string r = fresh(n.name + "_relu6");
      node("Clip", {value, scalar(0.0f), scalar(6.0f)}, {r});
      value = r;
    }
    dq_[n.outputs[0]] = qdq(value, n.outputs[0], quant(n.outputs[0]));
  }

  // An int8 average pool as the chip runs it (docs/vpu.md, AVGPOOL): the
  // int8 values of each window's counted taps summed exactly (a Conv of ones
  // per channel on integer-valued floats; counted padding holds the zero
  // point, uncounted padding 0), times fp32 1 / taps, rounded half to even
  // (QuantizeLinear with scale 1); input and output share scale and zero
  // point. ONNX Runtime's own AveragePool divides a float sum in its own
  // order and lands a tie apart now and then.
  void average_pool(const Node& n) {
    const std::vector<int64_t>& xs = g_.values.at(n.inputs[0]).shape;
    const std::vector<int64_t>& ys = g_.values.at(n.outputs[0]).shape;
    const PoolGeometry pg = pool_geometry(n, xs, ys);
    const auto [qn, q] = int8_.at(dq_.at(n.inputs[0]));
    std::string v = fresh(n.name + "_int8");
    node("DequantizeLinear", {qn, scalar(1.0f), zero_point(0)}, {v});
    auto pad = [&](const std::vector<int64_t>& p, float value) {
      if (std::all_of(p.begin(), p.end(), [](int64_t x) { return x == 0; })) return;
      const std::vector<int64_t> all = {0, 0, p[0], p[1], 0, 0, p[2], p[3]};
      const std::string padded = fresh(n.name + "_padded");
      node("Pad",
           {v, initializer("pads", onnx::TensorProto::INT64, {8}, all.data(), 8 * all.size()),
            scalar(value)},
           {padded});
      v = padded;
    };
    std::vector<int64_t> counted(4);
    for (size_t i = 0; i < 4; ++i) counted[i] = pg.pads[i] - pg.uncounted[i];
    pad(counted, static_cast<float>(q.zero_point));  // next to the image
    pad(pg.uncounted, 0.0f);                         // outermost
    const int64_t ch = xs[1], kh = pg.kernel[0], kw = pg.kernel[1];
    const std::string sums = fresh(n.name + "_sums");
    onnx::NodeProto* conv =
        node("Conv",
             {v, floats(n.name + "_ones", {ch, 1, kh, kw},
                        std::vector<float>(static_cast<size_t>(ch * kh * kw), 1.0f))},
             {sums});
    set_int(conv, "group", ch);
    onnx::AttributeProto* strides = conv->add_attribute();
    strides->set_name("strides");
    strides->set_type(onnx::AttributeProto::INTS);
    for (int64_t st : pg.strides) strides->add_ints(st);
    // 1 / taps per output position: the counted lines its window covers.
    auto taps = [&](int axis, int64_t o) {
      const int64_t start = o * pg.strides[axis];
      const int64_t padded = xs[2 + axis] + pg.pads[axis] + pg.pads[axis + 2];
      const int64_t begin = std::max(start, pg.uncounted[axis]);
      const int64_t end = std::min(start + pg.kernel[axis], padded - pg.uncounted[axis + 2]);
      return end - begin;
    };
    std::vector<float> inverse;
    for (int64_t oy = 0; oy < ys[2]; ++oy)
      for (int64_t ox = 0; ox < ys[3]; ++ox)
        inverse.push_back(1.0f / static_cast<float>(taps(0, oy) * taps(1, ox)));
    const std::string averages = fresh(n.name + "_averages");
    node("Mul", {sums, floats(n.name + "_inverse_taps", {1, 1, ys[2], ys[3]}, inverse)},
         {averages});
    const std::string yq = fresh(n.outputs[0] + "_q"), dn = fresh(n.outputs[0] + "_dq");
    node("QuantizeLinear", {averages, scalar(1.0f), zero_point(0)}, {yq});
    node("DequantizeLinear", {yq, scalar(q.scale), zero_point(q.zero_point)}, {dn});
    int8_[dn] = {yq, q};
    dq_[n.outputs[0]] = dn;
  }

  // A call of the chip's float function `name` (chip_functions.h), which the
  // model then defines: its body computes what the chip does, step by step.
  std::string call(const std::string& name, const std::vector<std::string>& inputs) {
    define_chip_function(model_, name);
    const std::string out = fresh(name);
    node(name, inputs, {out})->set_domain(kChipDomain);
    return out;
  }
  static void set_ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void set_float(onnx::NodeProto* n, const std::string& name, float v) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  onnx::NodeProto* last_node() { return graph_->mutable_node(graph_->node_size() - 1); }

  void lower(const Node& n) {
    const std::string out = fresh(n.outputs[0] + "_f");
    if (n.op == "Conv") {
      const Tensor& w = g_.constants.at(n.inputs[1]);
      const int64_t cout = w.shape[0];
      std::vector<float> b(cout, 0.0f);
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) b = g_.constants.at(n.inputs[2]).f;
      const Product p =
          product(n.name, w.f, cout, w.numel() / cout, b, quant(n.inputs[0]), quant(n.outputs[0]));
      onnx::NodeProto* c = node("Conv",
                                {integers(dq_.at(n.inputs[0])), floats(n.name + "_w", w.shape, p.w),
                                 floats(n.name + "_b", {cout}, p.bias)},
                                {out});
      copy_attributes(n, c);
      requantize(n, out, p.multiplier, {1, cout, 1, 1});
      return;
    }
    if ((n.op == "Gemm" || n.op == "MatMul") && g_.constants.count(n.inputs[1])) {
      // As the compiler stores it: alpha folded in, per-column scales.
      const Tensor& bt = g_.constants.at(n.inputs[1]);
      const bool gemm = n.op == "Gemm", ta = gemm && n.get_int("transA", 0),
                 tb = gemm && n.get_int("transB", 0);
      const int64_t k = tb ? bt.shape[1] : bt.shape[0], nn = tb ? bt.shape[0] : bt.shape[1];
      const float alpha = gemm ? n.get_float("alpha", 1.0f) : 1.0f;
      std::vector<float> wt(k * nn);  // n x k: a row per output channel
      for (int64_t r = 0; r < k; ++r)
        for (int64_t c = 0; c < nn; ++c)
          wt[c * k + r] = alpha * (tb ? bt.f[c * k + r] : bt.f[r * nn + c]);
      std::vector<float> b(nn, 0.0f);
      if (gemm && n.inputs.size() > 2 && !n.inputs[2].empty()) {
        const Tensor& ct = g_.constants.at(n.inputs[2]);
        const float beta = n.get_float("beta", 1.0f);
        for (int64_t c = 0; c < nn; ++c) b[c] = beta * ct.f[ct.numel() == 1 ? 0 : c];
      }
      const Product p = product(n.name, wt, nn, k, b, quant(n.inputs[0]), quant(n.outputs[0]));
      const std::string wn = floats(n.name + "_w", {nn, k}, p.w);
      const std::string bn = floats(n.name + "_b", {nn}, p.bias);
      std::string a = integers(dq_.at(n.inputs[0]));
      const std::vector<int64_t>& as = g_.values.at(n.inputs[0]).shape;
      const bool flat = as.size() != 2 && !ta;
      if (flat) {  // rows of A flattened, as the chip does; reshaped back below
        std::vector<int64_t> fshape = {-1, as.back()};
        const std::string f = fresh(n.name + "_flat");
        node("Reshape", {a, initializer("shape", onnx::TensorProto::INT64, {2}, fshape.data(), 16)},
             {f});
        a = f;
      }
      const std::string prod = flat ? fresh(n.name + "_prod") : out;
      onnx::NodeProto* m = node("Gemm", {a, wn, bn}, {prod});
      set_int(m, "transB", 1);
      if (ta) set_int(m, "transA", 1);
      if (flat) {
        const std::vector<int64_t>& ys = g_.values.at(n.outputs[0]).shape;
        node("Reshape",
             {prod, initializer("shape", onnx::TensorProto::INT64,
                                {static_cast<int64_t>(ys.size())}, ys.data(), 8 * ys.size())},
             {out});
      }
      requantize(n, out, p.multiplier, {nn});
      return;
    }
    if (n.op == "MatMul" || n.op == "Gemm") {  // two computed operands, symmetric
      std::string ins[2];
      float scale = 1.0f;
      for (int i = 0; i < 2; ++i) {
        const QuantParams q = quant(n.inputs[i]), s = quant(n.inputs[i] + "#symmetric");
        const std::string dq = q.scale == s.scale && q.zero_point == s.zero_point
                                   ? dq_.at(n.inputs[i])
                                   : qdq(dq_.at(n.inputs[i]), n.inputs[i] + "_sym", s);
        ins[i] = integers(dq);
        scale *= s.scale;
      }
      node("MatMul", {ins[0], ins[1]}, {out});
      const int64_t nn = g_.values.at(n.outputs[0]).shape.back();
      requantize(n, out, std::vector<float>(nn, scale / quant(n.outputs[0]).scale), {nn});
      return;
    }
    if (n.op == "Add" || n.op == "Sub" || n.op == "Mul" || n.op == "Div" || n.op == "Max" ||
        n.op == "Min" || n.op == "Pow") {
      std::string op = n.op, a = n.inputs[0], b = n.inputs[1];
      if (op == "Pow") {  // x * x for 2; otherwise ONNX's Pow by the constant exponent
        const Tensor& e = g_.constants.at(b);
        const float p = e.is_float() ? e.f[0] : static_cast<float>(e.i[0]);
        if (p != 2.0f) {
          node("Pow", {dq_.at(a), floats(n.name + "_exponent", {}, {p})}, {out});
          return finish(n, out);
        }
        op = "Mul", b = a;
      }
      // The chip multiplies by a constant divisor's reciprocal.
      const bool reciprocal = op == "Div" && g_.constants.count(b);
      if (reciprocal) op = "Mul";
      if (p_.float_tensors.count(n.outputs[0])) {  // a mask added in fp32
        node(op, {operand(a), g_.constants.count(b) ? constant(b) : dq_.at(b)}, {out});
        dq_[n.outputs[0]] = out;
        return;
      }
      node(op, {operand(a), operand(b, reciprocal)}, {out});
      return finish(n, out);
    }
    // The chip's float functions (chip_functions.h).
    if (n.op == "VtpuGelu") return finish(n, call("Gelu", {dq_.at(n.inputs[0])}));
    if (n.op == "VtpuGeluTanh") return finish(n, call("GeluTanh", {dq_.at(n.inputs[0])}));
    if (n.op == "Sigmoid" || n.op == "Tanh" || n.op == "Exp")
      return finish(n, call(n.op, {dq_.at(n.inputs[0])}));
    if (n.op == "VtpuSilu") {  // x * sigmoid(x)
      const std::string x = dq_.at(n.inputs[0]);
      node("Mul", {x, call("Sigmoid", {x})}, {out});
      return finish(n, out);
    }
    if (n.op == "VtpuMish") return finish(n, call("Mish", {dq_.at(n.inputs[0])}));
    if (n.op == "Softmax") {
      const std::string y = call("Softmax", {dq_.at(n.inputs[0])});
      const int64_t axis = n.get_int("axis", -1);
      set_int(last_node(), "axis", axis);
      set_ints(last_node(), "axes", {axis});
      return finish(n, y);
    }
    if (n.op == "VtpuLayerNorm") {
      const std::string y = call("LayerNormalization", {dq_.at(n.inputs[0]), constant(n.inputs[1]),
                                                        constant(n.inputs[2])});
      set_int(last_node(), "axis", n.get_int("axis", -1));
      set_float(last_node(), "epsilon", n.get_float("epsilon", 1e-5f));
      return finish(n, y);
    }
    if (n.op == "Concat") {
      const QuantParams qy = quant(n.outputs[0]);
      std::vector<std::string> ins;
      for (const std::string& in : n.inputs) {
        const QuantParams q = quant(in);
        const std::string x = g_.constants.count(in) ? stored_constant(in) : dq_.at(in);
        ins.push_back(
            q.scale == qy.scale && q.zero_point == qy.zero_point ? x : qdq(x, in + "_requant", qy));
      }
      copy_attributes(n, node("Concat", ins, {out}));
      return finish(n, out);
    }
    if (n.op == "AveragePool" || n.op == "GlobalAveragePool") return average_pool(n);
    if (n.op == "BatchNormalization") {
      // As the chip runs one not folded into a Conv: x times k per channel
      // (k an int8 constant, quantized per tensor), plus c, fp32 in between.
      const int64_t ch = g_.values.at(n.inputs[0]).shape.at(1);
      const Affine a = batchnorm_affine(g_, n, ch);
      const std::string k =
          qdq(floats(n.name + "_k", {ch, 1, 1}, a.k), n.name + "_k", constant_params(a.k));
      const std::string scaled = fresh(n.name + "_scaled");
      node("Mul", {dq_.at(n.inputs[0]), k}, {scaled});
      node("Add", {scaled, floats(n.name + "_c", {ch, 1, 1}, a.c)}, {out});
      return finish(n, out);
    }
    // Everything else (activations, softmax, pooling, views, windows, copies)
    // runs in float on its dequantized operands, each output quantized.
    std::vector<std::string> ins;
    for (const std::string& in : n.inputs)
      ins.push_back(in.empty() ? "" : g_.constants.count(in) ? stored_constant(in) : dq_.at(in));
    std::vector<std::string> outs;
    for (const std::string& o : n.outputs) outs.push_back(fresh(o + "_f"));
    copy_attributes(n, node(n.op, ins, outs));
    for (size_t i = 0; i < n.outputs.size(); ++i)
      dq_[n.outputs[i]] = qdq(outs[i], n.outputs[i], quant(n.outputs[i]));
  }

  const Program& p_;
  const Graph& g_;
  onnx::ModelProto model_;
  onnx::GraphProto* graph_;
  std::map<std::string, std::string> dq_;  // tensor -> its dequantized value's name
  struct Quantized {
    std::string name;  // the int8 value
    QuantParams q;
  };
  std::map<std::string, Quantized> int8_;  // dequantized value -> its int8 value
  std::string powers_of_two_;              // exp()'s table, once written
  int counter_ = 0;
};

}  // namespace

void write_qdq(const std::string& path, const Program& program) {
  if (program.precision != Precision::kInt8) throw Error("--emit-qdq needs --precision int8");
  QdqWriter(program).write(path);
}

}  // namespace vtpu::sw
