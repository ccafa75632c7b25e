#include "sw/compiler/compiler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>

#include "models/common/error.h"
#include "models/isa/vtpu/isa.h"
#include "models/vpu/numerics.h"
#include "sw/compiler/compress.h"
#include "sw/compiler/held.h"
#include "sw/graph/eval.h"
#include "sw/graph/passes.h"
#include "sw/graph/resize.h"

namespace vtpu::sw {

const char* precision_name(Precision p) {
  return p == Precision::kInt8 ? "int8" : "bf16";
}

Precision parse_precision(const std::string& text, const std::string& what) {
  if (text == "int8") return Precision::kInt8;
  if (text == "bf16") return Precision::kBf16;
  throw Error(what + ": expected int8 or bf16, got '" + text + "'");
}

namespace {

namespace nm = vtpu::numerics;

using QParams = QuantParams;

QParams asymmetric(Range r) {
  return asymmetric_params(r.lo, r.hi);
}

QParams symmetric(Range r) {
  return symmetric_params(r);
}

int64_t product(const std::vector<int64_t>& v, size_t from = 0, size_t to = SIZE_MAX) {
  int64_t n = 1;
  for (size_t i = from; i < std::min(to, v.size()); ++i) n *= v[i];
  return n;
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? "," : "") + std::to_string(s[i]);
  return t + "]";
}

}  // namespace

std::vector<int64_t> Binding::stored_shape() const {
  if (block <= 1 || shape.size() != 4 || pads.size() != 4) return shape;
  const int64_t s = block, hp = shape[2] + pads[0] + pads[2], wp = shape[3] + pads[1] + pads[3];
  return {shape[0], (hp + s - 1) / s, (wp + s - 1) / s, s * s * shape[1]};
}

uint64_t Binding::bytes() const {
  uint64_t n = vtpu_type_size(type);
  for (int64_t d : stored_shape()) n *= static_cast<uint64_t>(d);
  return n;
}

PoolGeometry pool_geometry(const Node& n, const std::vector<int64_t>& xs,
                           const std::vector<int64_t>& ys) {
  if (xs.size() != 4 || ys.size() != 4)
    throw Error(n.where() + ": only 2-D pooling (NCHW) is supported");
  const bool global = n.op.rfind("Global", 0) == 0;
  const bool max = n.op.find("Max") != std::string::npos;
  PoolGeometry g;
  g.kernel = global ? std::vector<int64_t>{xs[2], xs[3]} : n.get_ints("kernel_shape", {});
  g.strides = global ? std::vector<int64_t>{1, 1} : n.get_ints("strides", {1, 1});
  g.pads = global ? std::vector<int64_t>{0, 0, 0, 0} : n.get_ints("pads", {0, 0, 0, 0});
  g.uncounted.assign(4, 0);
  if (g.kernel.size() != 2) throw Error(n.where() + ": kernel_shape must have two values");
  if (g.strides.size() != 2 || g.pads.size() != 4)
    throw Error(n.where() + ": strides must have two values and pads four");
  if (n.get_string("auto_pad", "NOTSET") != "NOTSET")
    throw Error(n.where() + ": auto_pad is not supported for pooling");
  if (n.get_ints("dilations", {1, 1}) != std::vector<int64_t>{1, 1})
    throw Error(n.where() + ": dilated pooling is not supported");
  // ceil_mode: more padding at the bottom and right so the floor formula
  // gives ys; an average never counts it, nor any padding without
  // count_include_pad.
  const bool count_pads = n.get_int("count_include_pad", 0) != 0;
  for (int a = 0; a < 2; ++a) {
    const int64_t in = xs[2 + a] + g.pads[a] + g.pads[a + 2];
    const int64_t floor_out = (in - g.kernel[a]) / g.strides[a] + 1;
    const int64_t extra = std::max<int64_t>(0, (ys[2 + a] - floor_out) * g.strides[a]);
    g.pads[a + 2] += extra;
    if (max) continue;
    g.uncounted[a] = count_pads ? 0 : g.pads[a];
    g.uncounted[a + 2] = count_pads ? extra : g.pads[a + 2];
    const int64_t counted_end = in + extra - g.uncounted[a + 2];
    if (g.uncounted[a] >= g.kernel[a] || (ys[2 + a] - 1) * g.strides[a] >= counted_end ||
        g.uncounted[a + 2] > 255)
      throw Error(n.where() + ": a window would lie wholly in padding the average does not " +
                  "count (" + (count_pads ? "ceil_mode's extra" : "pads") +
                  " against the window of " + std::to_string(g.kernel[a]) + ")");
  }
  if (g.kernel[0] > 255 || g.kernel[1] > 255 || g.strides[0] > 255 || g.strides[1] > 255)
    throw Error(n.where() + ": pooling windows and strides are at most 255");
  return g;
}

namespace {

uint32_t u32(int64_t v, const std::string& what) {
  if (v < 0 || v > UINT32_MAX) throw Error(what + " " + std::to_string(v) + " is out of range");
  return static_cast<uint32_t>(v);
}

// A tensor as it lies in HBM.
struct ChipTensor {
  uint64_t offset = 0;
  uint8_t type = VTPU_TYPE_INT8;
  bool nhwc = false;           // a 4-D image stored N, H, W, C
  std::vector<int64_t> shape;  // ONNX's logical shape
  QParams q;                   // int8
  int64_t numel() const { return product(shape); }
  uint64_t bytes() const { return static_cast<uint64_t>(numel()) * vtpu_type_size(type); }
};

class Lowerer {
 public:
  Lowerer(const Graph& g, const CompileOptions& options, const std::map<std::string, Range>& ranges,
          Program& out)
      : g_(g),
        options_(options),
        precision_(options.precision),
        array_rows_(options.array_rows),
        memory_bytes_per_cycle_(options.memory_bytes_per_cycle),
        ranges_(ranges),
        out_(out) {}

  // A row of the operator table with the method that lowers its operators
  // (none: a pass takes them before lowering) and the passes' own op names
  // it lowers too.
  struct Rule {
    OperatorRow row;
    void (Lowerer::*lower)(const Node&) = nullptr;
    std::vector<std::string> fused = {};
  };
  static const std::vector<Rule>& rules();

  void run() {
    if (int8()) residual_ = residual_stream();
    for (const std::string& in : g_.inputs) lower_input(in);
    for (const Node& n : g_.nodes) {
      try {
        lower(n);
      } catch (const Error& e) {  // the node goes with it to the report's status
        if (!e.layer().empty()) throw;
        throw Error(e.what(), e.code(), n.name);
      }
    }
    for (const std::string& o : g_.outputs) lower_output(o);
    // Held weights (docs/compiler.md): the layers the memory sets the pace
    // of, whose constants load while earlier layers leave it idle.
    const HeldChip chip{options_.vmem_bytes, array_rows_, options_.array_cols,
                        memory_bytes_per_cycle_};
    out_.image.hold(plan_held(out_.image.layers(), out_.image.activation_spans(), chip));
    out_.image.finish(std::max<uint64_t>(scratch_, 1u << 20));
  }

 private:
  uint8_t act() const { return precision_ == Precision::kInt8 ? VTPU_TYPE_INT8 : VTPU_TYPE_BF16; }
  // How many channels of a depthwise convolution (`channels` groups of one
  // input channel, `multiplier` outputs each, a kh x kw kernel, `pixels`
  // output pixels of the batch) one block-diagonal product takes
  // (docs/compiler.md, "Depthwise convolutions"). On a known R x R array
  // (square, as every preset), the divisor G of the channels with the least
  //   max(channels / G x max(kEmitCycles, ceil(kh kw G / R) ceil(multiplier G / R) max(pixels, R)),
  //       gathered rows + kh kw multiplier G channels x element bytes / memory bytes per cycle)
  // in cycles: each product costs the core its emission or the array its
  // folds, whichever is more; the DMA gathers a row of A per pixel and tap
  // and product (per kernel row when G is every channel: its taps are then
  // contiguous) and loads weights that grow with G (their zeros). On a tie
  // the larger G. Unknown array: the largest divisor up to 32.
  int64_t merge_depthwise(int64_t channels, int64_t multiplier, int64_t kh, int64_t kw,
                          int64_t pixels) const {
    if (array_rows_ == 0) {
      int64_t merge = std::min<int64_t>(channels, 32);
      while (channels % merge != 0) --merge;
      return merge;
    }
    // The core cycles the firmware takes to emit one product (its tiling and
    // some thirty instructions): about 8 k, measured on MobileNetV2's trace.
    constexpr double kEmitCycles = 8000;
    const int64_t r = array_rows_, taps = kh * kw;
    const double element = int8() ? 1 : 2;
    const auto ceil_div = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
    int64_t best = 1;
    double best_cost = 0;
    for (int64_t g = 1; g <= channels; ++g) {
      if (channels % g != 0) continue;
      const int64_t products = channels / g;
      const double folds = static_cast<double>(ceil_div(taps * g, r) * ceil_div(multiplier * g, r));
      const double array = static_cast<double>(products) *
                           std::max(kEmitCycles, folds * static_cast<double>(std::max(pixels, r)));
      double dma = static_cast<double>(pixels * (products == 1 ? kh : taps * products));
      if (memory_bytes_per_cycle_ > 0)
        dma += static_cast<double>(taps * multiplier * g * channels) * element /
               memory_bytes_per_cycle_;
      const double cost = std::max(array, dma);
      if (g == 1 || cost <= best_cost) best = g, best_cost = cost;
    }
    return best;
  }
  bool int8() const { return precision_ == Precision::kInt8; }
  // How a Conv's, Gemm's or MatMul's constant weights are stored (docs/compiler.md,
  // "Compression"): 2:4 when pruned so, or for a depthwise convolution not
  // skipped (its merged form, when that is 2:4); int4 when asked for.
  uint8_t weights_format(const Node& n) const {
    if (!int8()) return VTPU_WEIGHTS_DENSE;
    const auto chosen = options_.node_weights.find(n.name);
    if (chosen != options_.node_weights.end() && chosen->second != VTPU_WEIGHTS_SPARSE_2_4)
      return chosen->second;
    if (options_.int4_weights) return VTPU_WEIGHTS_INT4;
    if (options_.pruned_2_4.count(n.name) ||
        (options_.sparsity_2_4 && is_depthwise(g_, n) && !options_.sparsity_skip.count(n.name)))
      return VTPU_WEIGHTS_SPARSE_2_4;
    return VTPU_WEIGHTS_DENSE;
  }

  QParams qparams(const std::string& name) const {
    auto hint = g_.quant_hints.find(name);
    if (hint != g_.quant_hints.end()) return QParams{hint->second.scale, hint->second.zero_point};
    auto it = ranges_.find(name);
    return it == ranges_.end() ? QParams{} : asymmetric(it->second);
  }

  void add(vtpu_layer l, const Node& n, uint64_t macs = 0) { add(l, n.name, n.op, macs); }
  void add(vtpu_layer l, const std::string& name, const std::string& op, uint64_t macs = 0) {
    l.node = static_cast<uint32_t>(out_.layers.size());
    if (vtpu_layer_buffered(l.kind) && options_.one_buffer.count(name))
      l.flags |= VTPU_LAYER_ONE_BUFFER;
    if (const auto df = options_.dataflow.find(name);
        df != options_.dataflow.end() && vtpu_layer_dataflow_ok(l.dtype, df->second)) {
      if (l.kind == VTPU_LAYER_MATMUL) l.u.matmul.dataflow = df->second;
      if (l.kind == VTPU_LAYER_CONV2D) l.u.conv2d.dataflow = df->second;
    }
    out_.image.add_layer(l);
    out_.layers.push_back(LayerInfo{name, op, macs});
  }

  // A new tensor in HBM. An activation (written and read by layers only, not
  // by the host) may be kept in VMEM by the runtime (docs/runtime.md).
  ChipTensor make(const std::vector<int64_t>& shape, bool nhwc, uint8_t type, QParams q = {},
                  bool activation = true) {
    ChipTensor t;
    t.shape = shape;
    t.nhwc = nhwc;
    t.type = type;
    t.q = q;
    t.offset = out_.image.allocate(t.bytes());
    if (activation) out_.image.mark_activation(t.offset, t.bytes());
    return t;
  }

  ChipTensor& define(const std::string& name, ChipTensor t) {
    alternate_.erase(name);
    if (t.type == VTPU_TYPE_INT8) out_.quant[name] = t.q;
    return tensors_[name] = std::move(t);
  }

  // The tensor `name` in the requested layout (rank-4 tensors may be stored
  // either way; a COPY converts and the result is kept).
  const ChipTensor& get(const std::string& name, const Node& user, bool nhwc) {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) {
      if (!g_.constants.count(name))
        throw Error(user.where() + ": input '" + name + "' is not available");
      materialize(name, user);
      it = tensors_.find(name);
    }
    const ChipTensor& t = it->second;
    if (t.nhwc == nhwc || t.shape.size() != 4) return t;
    auto alt = alternate_.find(name);
    if (alt != alternate_.end()) return alt->second;
    // An image with H = W = 1 is laid out the same both ways.
    ChipTensor c = t;
    c.nhwc = nhwc;
    if (t.shape[2] * t.shape[3] != 1 && t.shape[1] != 1) {
      c.offset = out_.image.allocate(t.bytes());
      out_.image.mark_activation(c.offset, t.bytes());
      const std::vector<int64_t> nchw = t.shape;
      const std::vector<int64_t> mem_nhwc = {nchw[0], nchw[2], nchw[3], nchw[1]};
      if (nhwc)
        permute(t.offset, c.offset, nchw, {0, 2, 3, 1}, vtpu_type_size(t.type), user.name,
                "layout");
      else
        permute(t.offset, c.offset, mem_nhwc, {0, 3, 1, 2}, vtpu_type_size(t.type), user.name,
                "layout");
    }
    return alternate_[name] = c;
  }

  // A folded constant that a layer reads as a tensor (a ViT's class token
  // going into a Concat, a constant operand of an elementwise op): its values
  // written into the image once, in the activation type; int8 quantized over
  // the constant's own range (docs/compiler.md, "Constants").
  void materialize(const std::string& name, const Node& user) {
    const Tensor& c = g_.constants.at(name);
    if (!c.is_float())
      throw Error(user.where() + ": input '" + name +
                  "' is an integer constant where vtpu needs a float tensor");
    if (c.f.empty()) throw Error(user.where() + ": input '" + name + "' is an empty constant");
    define(name, constant_tensor(c, c.shape));
  }

  const Tensor& constant(const Node& n, size_t input) const {
    if (input >= n.inputs.size() || !g_.constants.count(n.inputs[input]))
      throw Error(n.where() + ": input " + std::to_string(input) +
                  " must be a constant (weights) for vtpu");
    const Tensor& t = g_.constants.at(n.inputs[input]);
    if (!t.is_float()) throw Error(n.where() + ": constant '" + n.inputs[input] + "' is not float");
    return t;
  }

  const std::vector<int64_t>& shape_of(const std::string& name) const {
    return g_.values.at(name).shape;
  }

  // ---- data movement ------------------------------------------------------

  // Copies a dense tensor of `dims` (memory order) at `src` into `dst`, whose
  // dimension i is the source's dimension perm[i].
  void permute(uint64_t src, uint64_t dst, const std::vector<int64_t>& dims,
               const std::vector<int>& perm, uint32_t e, const std::string& name,
               const std::string& op) {
    const std::vector<int64_t> stride = dense_strides(dims, e);
    std::vector<int64_t> d, st;
    for (int p : perm) d.push_back(dims[p]), st.push_back(stride[p]);
    copy_strided(src, st, d, dst, e, name, op);
  }

  static std::vector<int64_t> dense_strides(const std::vector<int64_t>& dims, uint32_t e) {
    std::vector<int64_t> stride(dims.size());
    int64_t s = e;
    for (size_t k = dims.size(); k-- > 0;) stride[k] = s, s *= dims[k];
    return stride;
  }

  // Copies the elements of a `dims`-shaped view of the source (byte strides
  // `src_stride`, first element at `src`) into `dst`, densely or with the
  // byte strides `dst_stride`: COPY layers of up to four dimensions (more
  // outer dimensions, and axes walked backwards, become more layers).
  void copy_strided(uint64_t src, const std::vector<int64_t>& src_stride,
                    const std::vector<int64_t>& dims, uint64_t dst, uint32_t e,
                    const std::string& name, const std::string& op,
                    const std::vector<int64_t>& dst_stride = {}) {
    struct Axis {
      int64_t n, src, dst;
    };
    const std::vector<int64_t> dense = dense_strides(dims, e);
    std::vector<Axis> axes;
    for (size_t i = 0; i < dims.size(); ++i)
      if (dims[i] != 1)
        axes.push_back({dims[i], src_stride[i], dst_stride.empty() ? dense[i] : dst_stride[i]});
    // Merge neighbours that are contiguous on both sides.
    for (size_t i = axes.size(); i-- > 1;) {
      if (axes[i - 1].src == axes[i].src * axes[i].n &&
          axes[i - 1].dst == axes[i].dst * axes[i].n) {
        axes[i - 1] = {axes[i - 1].n * axes[i].n, axes[i].src, axes[i].dst};
        axes.erase(axes.begin() + static_cast<long>(i));
      }
    }
    // The DMA walks forwards: an axis read backwards is a loop of layers.
    std::stable_partition(axes.begin(), axes.end(), [](const Axis& a) { return a.src < 0; });
    const size_t backwards = static_cast<size_t>(
        std::count_if(axes.begin(), axes.end(), [](const Axis& a) { return a.src < 0; }));
    uint32_t row = e;
    if (axes.size() > backwards && axes.back().src == e && axes.back().dst == e) {
      row = u32(axes.back().n * e, name + ": copy row");
      axes.pop_back();
    }
    const size_t strided = std::min<size_t>(axes.size() - backwards, 3);
    const std::vector<Axis> inner(axes.end() - static_cast<long>(strided), axes.end());
    const std::vector<Axis> outer(axes.begin(), axes.end() - static_cast<long>(strided));
    std::vector<int64_t> index(outer.size(), 0);
    for (;;) {
      int64_t so = 0, doff = 0;
      for (size_t k = 0; k < outer.size(); ++k)
        so += index[k] * outer[k].src, doff += index[k] * outer[k].dst;
      vtpu_layer l = runtime::blank_layer(VTPU_LAYER_COPY, act());
      vtpu_dma_desc& c = l.u.copy.desc;
      c.src = src + static_cast<uint64_t>(so);
      c.dst = dst + static_cast<uint64_t>(doff);
      c.size[0] = row;
      c.size[1] = c.size[2] = c.size[3] = 1;
      for (size_t k = 0; k < strided; ++k) {  // innermost first
        const Axis& a = inner[strided - 1 - k];
        c.size[k + 1] = u32(a.n, name + ": copy size");
        c.src_stride[k] = u32(a.src, name + ": copy stride");
        c.dst_stride[k] = u32(a.dst, name + ": copy stride");
      }
      add(l, name, op);
      size_t k = outer.size();
      while (k > 0 && ++index[k - 1] == outer[k - 1].n) index[--k] = 0;
      if (k == 0) break;
    }
  }

  // An ELEMENTWISE layer over rows x cols.
  vtpu_layer elementwise(uint8_t op, const ChipTensor& a, const ChipTensor& y, uint32_t rows,
                         uint32_t cols) {
    vtpu_layer l = runtime::blank_layer(VTPU_LAYER_ELEMENTWISE, act());
    l.op = op;
    vtpu_layer_elementwise& x = l.u.elementwise;
    x.a = a.offset;
    x.out = y.offset;
    x.rows = rows;
    x.cols = cols;
    x.in_type = a.type;
    x.out_type = y.type;
    x.a_scale = a.q.scale;
    x.a_zero_point = a.q.zero_point;
    x.out_scale = y.q.scale;
    x.out_zero_point = y.q.zero_point;
    x.b_mode = VTPU_BCAST_NONE;
    return l;
  }

  // rows x cols for an elementwise pass over n elements: the longest row up
  // to 1024 that divides n.
  static void rows_cols(int64_t n, uint32_t& rows, uint32_t& cols) {
    int64_t c = std::min<int64_t>(n, 1024);
    while (n % c != 0) --c;
    cols = static_cast<uint32_t>(c);
    rows = static_cast<uint32_t>(n / c);
  }

  // Identity between types or quantization parameters (cast, quantize,
  // dequantize, requantize).
  void convert(const ChipTensor& a, const ChipTensor& y, const std::string& name,
               const std::string& op) {
    uint32_t rows, cols;
    rows_cols(a.numel(), rows, cols);
    add(elementwise(VTPU_VPU_CONVERT, a, y, rows, cols), name, op);
  }

  // `t` with quantization parameters q (a requantized copy when they differ).
  ChipTensor requantized(const ChipTensor& t, QParams q, const Node& n) {
    if (!int8() || (t.q.scale == q.scale && t.q.zero_point == q.zero_point)) return t;
    ChipTensor r = make(t.shape, t.nhwc, t.type, q);
    convert(t, r, n.name, n.op);
    return r;
  }

  // A constant in the activation type (int8: quantized per tensor with its own range).
  ChipTensor constant_tensor(const Tensor& c, const std::vector<int64_t>& shape) {
    ChipTensor t = make(shape, false, act(), int8() ? constant_params(c.f) : QParams{}, false);
    write_values(t, c.f);
    return t;
  }

  void write_values(const ChipTensor& t, const std::vector<float>& v) {
    if (t.type == VTPU_TYPE_INT8) {
      std::vector<int8_t> q(v.size());
      for (size_t i = 0; i < v.size(); ++i)
        q[i] = nm::quantize_int8(v[i], t.q.scale, t.q.zero_point);
      out_.image.write(t.offset, q.data(), q.size());
    } else if (t.type == VTPU_TYPE_BF16) {
      std::vector<uint16_t> h(v.size());
      for (size_t i = 0; i < v.size(); ++i) h[i] = nm::f32_to_bf16(v[i]);
      out_.image.write(t.offset, h.data(), 2 * h.size());
    } else {
      out_.image.write(t.offset, v.data(), 4 * v.size());
    }
  }

  uint64_t floats(const std::vector<float>& v) {
    const uint64_t at = out_.image.allocate(4 * v.size());
    out_.image.write(at, v.data(), 4 * v.size());
    return at;
  }

  // ---- graph boundary -----------------------------------------------------

  void lower_input(const std::string& name) {
    const ValueInfo& v = g_.values.at(name);
    if (v.dtype != DType::kFloat32)
      throw Error("input '" + name + "' is " + dtype_name(v.dtype) + "; vtpu takes float inputs");
    // The host writes an input as a driver would, in the chip's format: an
    // image that a convolution reads NHWC (no layout pass on the chip), in
    // the chip's element type (int8 quantized with the input's parameters,
    // bf16 rounded; no conversion layer reads float32 through HBM).
    const bool nhwc = v.shape.size() == 4 && feeds_conv(name);
    ChipTensor t = make(v.shape, nhwc, act(), int8() ? qparams(name) : QParams{}, false);
    out_.inputs.push_back(
        Binding{name, v.shape, t.offset, nhwc, t.type, t.q.scale, t.q.zero_point});
    define(name, t);
  }

  bool only_softmax_reads(const std::string& name) const {
    for (const std::string& o : g_.outputs)
      if (o == name) return false;
    bool read = false;
    for (const Node& n : g_.nodes)
      for (const std::string& in : n.inputs)
        if (in == name) {
          if (n.op != "Softmax") return false;
          read = true;
        }
    return read;
  }

  // int8: a transformer's residual stream stays fp32: the sums of Adds
  // (without a fused activation, not graph outputs) that a LayerNorm reads
  // and that nothing but LayerNorms and other such Adds read. One int8 scale
  // per tensor would flatten its rows that are much smaller than its largest
  // (a ViT's class token before the first block is 1 % of the patches'),
  // and the LayerNorm would then blow their rounding up to full scale.
  std::set<std::string> residual_stream() const {
    std::map<std::string, std::vector<const Node*>> readers;
    for (const Node& n : g_.nodes)
      for (const std::string& in : n.inputs) readers[in].push_back(&n);
    auto is_norm = [](const Node* r) {
      return r->op == "VtpuLayerNorm" || r->op == "LayerNormalization";
    };
    std::set<std::string> stream;
    for (const Node& n : g_.nodes) {
      if (n.op != "Add" || !activation(n).empty()) continue;
      const std::string& sum = n.outputs[0];
      if (std::find(g_.outputs.begin(), g_.outputs.end(), sum) != g_.outputs.end()) continue;
      const std::vector<const Node*>& rs = readers[sum];
      if (std::any_of(rs.begin(), rs.end(), is_norm)) stream.insert(sum);
    }
    // Drop the sums that something else reads, until none does.
    for (bool changed = true; changed;) {
      changed = false;
      for (auto it = stream.begin(); it != stream.end();) {
        const std::vector<const Node*>& rs = readers[*it];
        const bool kept = std::all_of(rs.begin(), rs.end(), [&](const Node* r) {
          return is_norm(r) || (r->op == "Add" && stream.count(r->outputs[0]));
        });
        changed |= !kept;
        it = kept ? std::next(it) : stream.erase(it);
      }
    }
    return stream;
  }

  // `t` as fp32 (a CONVERT when it is not).
  ChipTensor widened(const ChipTensor& t, const Node& n) {
    if (t.type == VTPU_TYPE_FP32) return t;
    const ChipTensor wide = make(t.shape, t.nhwc, VTPU_TYPE_FP32);
    convert(t, wide, n.name, n.op);
    return wide;
  }

  // Whether one node input reads `name` and the host does not (not a graph
  // output): a layer may then keep it to itself.
  bool read_once(const std::string& name) const {
    if (std::find(g_.outputs.begin(), g_.outputs.end(), name) != g_.outputs.end()) return false;
    size_t reads = 0;
    for (const Node& n : g_.nodes)
      reads += static_cast<size_t>(std::count(n.inputs.begin(), n.inputs.end(), name));
    return reads == 1;
  }

  bool feeds_conv(const std::string& name) const {
    for (const Node& n : g_.nodes)
      if (n.op == "Conv" && !n.inputs.empty() && n.inputs[0] == name) return true;
    return false;
  }

  void lower_output(const std::string& name) {
    if (g_.constants.count(name)) {  // a constant output: its values, as float
      const Tensor& c = g_.constants.at(name);
      std::vector<float> v = c.f;
      if (!c.is_float()) v.assign(c.i.begin(), c.i.end());
      out_.outputs.push_back(Binding{name, c.shape, floats(v)});
      return;
    }
    Node user;
    user.name = "output:" + name;
    user.op = "Output";
    // The host reads it in the chip's element type and widens it (int8
    // dequantized): it stays in HBM, never a resident activation.
    const ChipTensor t = get(name, user, false);
    out_.image.mark_host_read(t.offset, t.bytes());
    out_.outputs.push_back(
        Binding{name, t.shape, t.offset, false, t.type, t.q.scale, t.q.zero_point});
  }

  // ---- operators ----------------------------------------------------------

  void lower(const Node& n) {
    static const std::map<std::string, const Rule*> by_op = [] {
      std::map<std::string, const Rule*> m;
      for (const Rule& r : rules()) {
        for (const std::string& op : r.row.ops) m[op] = &r;
        for (const std::string& op : r.fused) m[op] = &r;
      }
      return m;
    }();
    const auto it = by_op.find(n.op);
    if (it == by_op.end()) throw Error(unsupported_operator(n));
    if (!it->second->lower)
      throw Error(n.where() + ": operator " + n.op + " is here in no form vtpu takes (" +
                  it->second->row.lowering + ")");
    // A tensor the chip would hold with no elements (an empty Slice that
    // constant folding did not take away): refused with the node's name
    // before a lowering divides by its size.
    for (const std::string& out : n.outputs) {
      const auto v = g_.values.find(out);
      if (v == g_.values.end() || out.empty()) continue;
      for (int64_t d : v->second.shape)
        if (d < 1)
          throw Error(n.where() + ": output '" + out + "' of shape " + shape_text(v->second.shape) +
                      " is empty (vtpu runs no empty tensors)");
    }
    (this->*(it->second->lower))(n);
  }

  std::string activation(const Node& n) const {
    return n.has("vtpu_activation") ? n.attrs.at("vtpu_activation").s : "";
  }

  // bf16 ReLU6 after a product: the clamp at 6 as its own pass, in place.
  void relu6_in_place(const ChipTensor& y, const Node& n) {
    uint32_t rows, cols;
    rows_cols(y.numel(), rows, cols);
    add(elementwise(VTPU_VPU_RELU6, y, y, rows, cols), n.name, "Clip");
  }

  // A product's constants as the layer reads them: weights (k x n, row-major;
  // int4 ones as int8 values from -7 to 7 until store_weights packs them),
  // bias (int8: int32 with the input zero point folded in; bf16: fp32) and
  // int8 requantization scales, each n per group, groups one after another.
  struct ProductConstants {
    std::vector<uint8_t> weights, bias;
    std::vector<float> scales;
    uint8_t format = VTPU_WEIGHTS_DENSE;  // int4: quantized to 4 bits
    std::vector<uint8_t> positions;       // 2:4 (store_weights)
  };

  // VTPU_LAYER_RELU for a product with a fused ReLU, unless its int8
  // requantization clamps the same: at zero point -128 with positive scales
  // a negative sum requantizes to -128, as 0 does, so the MAX pass is left out.
  uint8_t relu_flag(const std::string& act_name, const ProductConstants& c,
                    int32_t zero_point) const {
    if (act_name.empty()) return 0;
    const bool clamps =
        int8() && zero_point == -128 &&
        std::all_of(c.scales.begin(), c.scales.end(), [](float s) { return s > 0; });
    return clamps ? 0 : VTPU_LAYER_RELU;
  }

  // Appends one group's constants (k x n weights `w`, n biases) with input
  // quantization qa and output qy, for `node`'s messages.
  void product_constants(const Node& node, const std::vector<float>& w, int64_t k, int64_t n,
                         const std::vector<float>& bias, QParams qa, QParams qy,
                         ProductConstants& out) const {
    auto append = [](std::vector<uint8_t>& to, const void* data, size_t bytes) {
      const uint8_t* p = static_cast<const uint8_t*>(data);
      to.insert(to.end(), p, p + bytes);
    };
    if (!int8()) {
      std::vector<uint16_t> h(w.size());
      for (size_t i = 0; i < w.size(); ++i) h[i] = nm::f32_to_bf16(w[i]);
      append(out.weights, h.data(), 2 * h.size());
      append(out.bias, bias.data(), 4 * bias.size());
      return;
    }
    const int qmax = out.format == VTPU_WEIGHTS_INT4 ? 7 : 127;
    const std::vector<float> sw = column_scales(w, k, n, bias, qa.scale, qmax);
    std::vector<int8_t> q(w.size());
    std::vector<int64_t> colsum(n);
    quantize_weights(w.data(), k, n, sw.data(), q.data(), colsum.data());
    append(out.weights, q.data(), q.size());
    for (int64_t c = 0; c < n; ++c) {
      const double s = static_cast<double>(qa.scale) * sw[c];
      const double b = std::nearbyint(bias[c] / s) - static_cast<double>(qa.zero_point * colsum[c]);
      // NaN or infinity in the weights, the bias or the calibrated ranges
      // (channel_scales keeps every finite bias inside int32).
      if (!(std::fabs(b) <= static_cast<double>(INT32_MAX)))
        throw Error(node.where() + ": the int8 bias of output " + std::to_string(c) + " (" +
                    std::to_string(bias[c]) + " at scale " + std::to_string(s) +
                    ") is not a finite int32: the weights, bias or input range hold NaN or "
                    "infinity");
      const int32_t bq = static_cast<int32_t>(b);
      append(out.bias, &bq, 4);
      out.scales.push_back(static_cast<float>(s / qy.scale));
    }
  }

  // The weights of `groups` k x n products in the format asked for:
  // int4 packed, 2:4 compressed (dense when they are not 2:4).
  static void store_weights(ProductConstants& p, int64_t groups, int64_t k, int64_t n) {
    if (p.format == VTPU_WEIGHTS_INT4) p.weights = pack_int4(p.weights, groups, k, n);
    if (p.format != VTPU_WEIGHTS_SPARSE_2_4) return;
    std::vector<uint8_t> kept;
    if (compress_2_4(p.weights, groups, k, n, kept, p.positions))
      p.weights = std::move(kept);
    else
      p.format = VTPU_WEIGHTS_DENSE;
  }

  // Writes the constants into the image: their offsets (scales 0 for bf16),
  // and a 2:4 product's positions.
  void write_product(const ProductConstants& p, uint64_t& weights, uint64_t& bias, uint64_t& scales,
                     uint64_t& positions) {
    positions = 0;
    if (!p.positions.empty()) {
      positions = out_.image.allocate(p.positions.size());
      out_.image.write(positions, p.positions.data(), p.positions.size());
    }
    weights = out_.image.allocate(p.weights.size());
    out_.image.write(weights, p.weights.data(), p.weights.size());
    bias = out_.image.allocate(p.bias.size());
    out_.image.write(bias, p.bias.data(), p.bias.size());
    scales = p.scales.empty() ? 0 : floats(p.scales);
  }

  void conv(const Node& n) {
    std::vector<int64_t> xs = shape_of(n.inputs[0]);
    const std::vector<int64_t>& ys = shape_of(n.outputs[0]);
    const Tensor& w = constant(n, 1);
    if (xs.size() != 4 || w.shape.size() != 4)
      throw Error(n.where() + ": only 2-D convolutions (NCHW) are supported");
    ChipTensor x = get(n.inputs[0], n, true);
    const uint64_t true_macs = static_cast<uint64_t>(ys[0] * ys[2] * ys[3] * w.shape[0] *
                                                     w.shape[1] * w.shape[2] * w.shape[3]);
    int64_t groups = n.get_int("group", 1);
    // Checked before anything divides by the group count or a group's size.
    if (groups < 1 || w.shape[0] % groups != 0 || w.shape[1] * groups != xs[1])
      throw Error(n.where() + ": weights " + shape_text(w.shape) + " do not fit input " +
                  shape_text(xs) + " with group " + std::to_string(groups));
    // Depthwise (one input channel per group) goes to the MXU as groups of G
    // channels with block-diagonal weights: G times the MACs, but G columns of
    // the array busy instead of one, and G times fewer products for the
    // firmware to emit (merge_depthwise()).
    Tensor dense_w;
    if (w.shape[1] == 1 && groups > 1) {
      const int64_t og1 = w.shape[0] / groups, taps = w.shape[2] * w.shape[3];
      const int64_t merge =
          merge_depthwise(groups, og1, w.shape[2], w.shape[3], ys[0] * ys[2] * ys[3]);
      dense_w.shape = {w.shape[0], merge, w.shape[2], w.shape[3]};
      dense_w.f.assign(static_cast<size_t>(product(dense_w.shape)), 0.0f);
      for (int64_t co = 0; co < w.shape[0]; ++co) {
        const int64_t ci = (co / og1) % merge;  // its input channel inside the merged group
        for (int64_t t = 0; t < taps; ++t)
          dense_w.f[(co * merge + ci) * taps + t] = w.f[co * taps + t];
      }
      groups /= merge;
    }
    const Tensor* wd = dense_w.f.empty() ? &w : &dense_w;
    const int64_t cout = wd->shape[0];
    int64_t cg = wd->shape[1];
    int64_t kh = w.shape[2], kw = w.shape[3], cin = xs[1];
    const int64_t og = cout / groups;
    std::vector<int64_t> strides = n.get_ints("strides", {1, 1});
    const std::vector<int64_t> dil = n.get_ints("dilations", {1, 1});
    std::vector<int64_t> pads = n.get_ints("pads", {0, 0, 0, 0});
    const std::string auto_pad = n.get_string("auto_pad", "NOTSET");
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      for (int a = 0; a < 2; ++a) {
        const int64_t in = xs[2 + a], out = (in + strides[a] - 1) / strides[a];
        const int64_t span = dil[a] * ((a ? kw : kh) - 1) + 1;
        const int64_t total = std::max<int64_t>(0, (out - 1) * strides[a] + span - in);
        const int64_t small = total / 2, large = total - small;
        pads[a] = auto_pad == "SAME_UPPER" ? small : large;
        pads[a + 2] = auto_pad == "SAME_UPPER" ? large : small;
      }
    } else if (auto_pad == "VALID") {
      pads = {0, 0, 0, 0};
    }
    if (cg * groups != cin) throw Error(n.where() + ": weights do not match the input channels");
    Tensor blocked_w;
    if (space_to_depth(n, xs, ys, *wd, groups, strides, dil, pads, blocked_w, x)) {
      wd = &blocked_w;
      cin = cg = xs[1];
      kh = blocked_w.shape[2], kw = blocked_w.shape[3];
    }
    const std::string act_name = activation(n);
    ChipTensor y = define(n.outputs[0], make(ys, true, act(), qparams(n.outputs[0])));

    // Weights per group: rows (ky, kx, ci), columns the group's outputs.
    const int64_t k = kh * kw * cg;
    // A transpose of each group's [co][ci, ky, kx] in blocks of 16 outputs,
    // so that each write fills a cache line (ResNet-50's weights are 100 MB).
    std::vector<float> wt(static_cast<size_t>(groups * k * og));
    constexpr int64_t kBlock = 16;
    for (int64_t gi = 0; gi < groups; ++gi)
      for (int64_t c0 = 0; c0 < og; c0 += kBlock) {
        const int64_t c1 = std::min(og, c0 + kBlock);
        for (int64_t ci = 0; ci < cg; ++ci)
          for (int64_t ky = 0; ky < kh; ++ky)
            for (int64_t kx = 0; kx < kw; ++kx) {
              float* to = &wt[gi * k * og + ((ky * kw + kx) * cg + ci) * og];
              const float* from = &wd->f[((gi * og * cg + ci) * kh + ky) * kw + kx];
              for (int64_t co = c0; co < c1; ++co) to[co] = from[co * cg * kh * kw];
            }
      }
    std::vector<float> bias(cout, 0.0f);
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) bias = constant(n, 2).f;

    vtpu_layer l = runtime::blank_layer(VTPU_LAYER_CONV2D, act());
    vtpu_layer_conv2d& c = l.u.conv2d;
    // Per group, the product constants; groups one after another.
    ProductConstants constants;
    constants.format = weights_format(n);
    for (int64_t gi = 0; gi < groups; ++gi) {
      const std::vector<float> wg(wt.begin() + gi * k * og, wt.begin() + (gi + 1) * k * og);
      const std::vector<float> bg(bias.begin() + gi * og, bias.begin() + (gi + 1) * og);
      product_constants(n, wg, k, og, bg, x.q, y.q, constants);
    }
    store_weights(constants, groups, k, og);
    write_product(constants, c.weights, c.bias, c.scales, c.meta);
    c.weights_format = constants.format;
    if (constants.format == VTPU_WEIGHTS_INT4) out_.int4_nodes.insert(n.name);
    c.in = x.offset;
    c.out = y.offset;
    c.n = u32(xs[0], n.name), c.h = u32(xs[2], n.name), c.w = u32(xs[3], n.name);
    c.cin = u32(cin, n.name), c.cout = u32(cout, n.name), c.groups = u32(groups, n.name);
    c.kh = static_cast<uint16_t>(kh), c.kw = static_cast<uint16_t>(kw);
    c.sy = static_cast<uint16_t>(strides[0]), c.sx = static_cast<uint16_t>(strides[1]);
    c.dil_y = static_cast<uint16_t>(dil[0]), c.dil_x = static_cast<uint16_t>(dil[1]);
    c.pad_top = static_cast<uint16_t>(pads[0]), c.pad_left = static_cast<uint16_t>(pads[1]);
    c.pad_bottom = static_cast<uint16_t>(pads[2]), c.pad_right = static_cast<uint16_t>(pads[3]);
    c.pad_value = int8() ? x.q.zero_point : 0;
    c.zero_point = y.q.zero_point;
    l.flags = VTPU_LAYER_BIAS | relu_flag(act_name, constants, c.zero_point);
    const int64_t oh = ys[2], ow = ys[3];
    const int64_t hp = xs[2] + pads[0] + pads[2], wp = xs[3] + pads[1] + pads[3];
    if ((hp - dil[0] * (kh - 1) - 1) / strides[0] + 1 != oh ||
        (wp - dil[1] * (kw - 1) - 1) / strides[1] + 1 != ow)
      throw Error(n.where() + ": output shape " + shape_text(ys) +
                  " does not follow from the "
                  "attributes");
    // Scratch: the padded images (the kernel gathers its im2col rows from them).
    const uint32_t e = vtpu_type_size(act());
    const uint64_t padded = (hp != xs[2] || wp != xs[3]) ? xs[0] * hp * wp * cin * e : 0;
    scratch_ = std::max<uint64_t>(scratch_, padded);
    add(l, n, true_macs);
    if (act_name == "relu6" && !int8()) relu6_in_place(y, n);
  }

  // Space to depth of a strided convolution's input (as TPU ResNet-50
  // submissions feed their first layer): an image input that only this
  // convolution reads, with few channels, is bound padded and folded into
  // blocks of s x s pixels (Binding::block), so that the convolution becomes
  // a stride-1, unpadded one over s * s * C channels with ceil(k / s)-sized
  // kernels (weights w'[co][(p, q, c)][a][b] = w[co][c][s a + p][s b + q], 0
  // past the kernel). Its gathers then move rows of ceil(kw / s) s * s * C
  // bytes instead of kw * C: a 7 x 7 stride-2 layer over 3 channels gathers
  // 4 rows of 48 bytes per output pixel instead of 7 of 21. The same sums
  // (int8 exactly; bf16 in the new K order). Only for a target whose array
  // takes the longer K (zeros where s does not divide the kernel) in no more
  // folds of its rows: on a small array such a layer is the array's, and
  // more folds cost more than the gathers save. Rewrites the convolution's
  // operands and returns true when it applies.
  bool space_to_depth(const Node& n, std::vector<int64_t>& xs, const std::vector<int64_t>& ys,
                      const Tensor& w, int64_t groups, std::vector<int64_t>& strides,
                      const std::vector<int64_t>& dil, std::vector<int64_t>& pads, Tensor& blocked,
                      ChipTensor& x) {
    constexpr int64_t kMaxBlockedChannels = 32;
    const std::string& in = n.inputs[0];
    const int64_t s = strides[0];
    // 2:4 weights were pruned in the convolution's own K order.
    if (weights_format(n) == VTPU_WEIGHTS_SPARSE_2_4) return false;
    if (groups != 1 || dil != std::vector<int64_t>{1, 1} || strides[1] != s || s < 2 || s > 4 ||
        xs[1] * s * s > kMaxBlockedChannels)
      return false;
    const auto binding = std::find_if(out_.inputs.begin(), out_.inputs.end(),
                                      [&](const Binding& b) { return b.name == in; });
    if (binding == out_.inputs.end() || !binding->nhwc || binding->block != 1 || !read_once(in))
      return false;
    const int64_t c = xs[1], kh = w.shape[2], kw = w.shape[3];
    const int64_t hs = (xs[2] + pads[0] + pads[2] + s - 1) / s;
    const int64_t ws = (xs[3] + pads[1] + pads[3] + s - 1) / s;
    const int64_t bh = (kh + s - 1) / s, bw = (kw + s - 1) / s;
    const int64_t cb = s * s * c, r = array_rows_;
    if (r == 0 || (bh * bw * cb + r - 1) / r > (kh * kw * c + r - 1) / r) return false;
    if (hs - bh + 1 != ys[2] || ws - bw + 1 != ys[3] ||
        std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p > 255; }))
      return false;
    const int64_t cout = w.shape[0];
    blocked.shape = {cout, cb, bh, bw};
    blocked.f.assign(static_cast<size_t>(product(blocked.shape)), 0.0f);
    for (int64_t co = 0; co < cout; ++co)
      for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t ky = 0; ky < kh; ++ky)
          for (int64_t kx = 0; kx < kw; ++kx) {
            const int64_t cbi = (ky % s * s + kx % s) * c + ci;
            blocked.f[((co * cb + cbi) * bh + ky / s) * bw + kx / s] =
                w.f[((co * c + ci) * kh + ky) * kw + kx];
          }
    xs = {xs[0], cb, hs, ws};
    x = define(in, make(xs, true, x.type, x.q, false));
    binding->offset = x.offset;
    binding->block = static_cast<uint32_t>(s);
    binding->pads = pads;
    strides = {1, 1};
    pads = {0, 0, 0, 0};
    return true;
  }

  // Gemm and MatMul: with constant weights, one MATMUL over the flattened rows;
  // with two computed operands, a batched MATMUL (int8: both symmetric).
  void matmul(const Node& n) {
    const bool gemm = n.op == "Gemm";
    const std::vector<int64_t>& as = shape_of(n.inputs[0]);
    const std::vector<int64_t>& ys = shape_of(n.outputs[0]);
    const bool trans_a = gemm && n.get_int("transA", 0);
    const bool trans_b = gemm && n.get_int("transB", 0);
    if (!g_.constants.count(n.inputs[1])) return dynamic_matmul(n, trans_a, trans_b);
    const Tensor& bt = constant(n, 1);
    if (bt.shape.size() != 2) throw Error(n.where() + ": weights must be 2-D");
    const int64_t k = trans_b ? bt.shape[1] : bt.shape[0], nn = trans_b ? bt.shape[0] : bt.shape[1];
    std::vector<float> w(static_cast<size_t>(k * nn));
    const float alpha = gemm ? n.get_float("alpha", 1.0f) : 1.0f;
    for (int64_t r = 0; r < k; ++r)
      for (int64_t c = 0; c < nn; ++c)
        w[r * nn + c] = alpha * (trans_b ? bt.f[c * k + r] : bt.f[r * nn + c]);
    std::vector<float> bias(nn, 0.0f);
    if (gemm && n.inputs.size() > 2 && !n.inputs[2].empty()) {
      const Tensor& ct = constant(n, 2);
      const float beta = n.get_float("beta", 1.0f);
      if (ct.numel() != nn && ct.numel() != 1)
        throw Error(n.where() + ": C of shape " + shape_text(ct.shape) +
                    " is not a per-column bias");
      for (int64_t c = 0; c < nn; ++c) bias[c] = beta * ct.f[ct.numel() == 1 ? 0 : c];
    }
    if (as.empty() || (trans_a && as.size() != 2))
      throw Error(n.where() + ": A of shape " + shape_text(as) + " is not supported");
    const ChipTensor& a = get(n.inputs[0], n, false);
    const int64_t m = trans_a ? as[1] : product(as, 0, as.size() - 1);
    if ((trans_a ? as[0] : as.back()) != k)
      throw Error(n.where() + ": A " + shape_text(as) + " does not match B " +
                  shape_text(bt.shape));
    ChipTensor y = define(n.outputs[0], make(ys, false, act(), qparams(n.outputs[0])));
    vtpu_layer l = runtime::blank_layer(VTPU_LAYER_MATMUL, act());
    vtpu_layer_matmul& x = l.u.matmul;
    ProductConstants constants;
    constants.format = weights_format(n);
    product_constants(n, w, k, nn, bias, a.q, y.q, constants);
    store_weights(constants, 1, k, nn);
    write_product(constants, x.b, x.bias, x.scales, x.meta);
    x.weights_format = constants.format;
    if (constants.format == VTPU_WEIGHTS_INT4) out_.int4_nodes.insert(n.name);
    x.a = a.offset;
    x.c = y.offset;
    x.m = u32(m, n.name), x.k = u32(k, n.name), x.n = u32(nn, n.name), x.batch = 1;
    x.zero_point = y.q.zero_point;
    const std::string act_name = activation(n);
    l.flags = VTPU_LAYER_BIAS | VTPU_LAYER_CONST_B | (trans_a ? VTPU_LAYER_TRANS_A : 0) |
              relu_flag(act_name, constants, x.zero_point);
    add(l, n, static_cast<uint64_t>(m * k * nn));
    if (act_name == "relu6" && !int8()) relu6_in_place(y, n);
  }

  void dynamic_matmul(const Node& n, bool trans_a, bool trans_b) {
    if (trans_a || trans_b)
      throw Error(n.where() + ": transposed computed operands are not supported");
    const std::vector<int64_t>& as = shape_of(n.inputs[0]);
    const std::vector<int64_t>& bs = shape_of(n.inputs[1]);
    const std::vector<int64_t>& ys = shape_of(n.outputs[0]);
    if (as.size() < 2 || bs.size() < 2) throw Error(n.where() + ": 1-D operands are not supported");
    const int64_t m = as[as.size() - 2], k = as.back(), nn = bs.back();
    if (bs[bs.size() - 2] != k)
      throw Error(n.where() + ": " + shape_text(as) + " x " + shape_text(bs) + " do not match");
    const int64_t batch_a = product(as, 0, as.size() - 2), batch_b = product(bs, 0, bs.size() - 2);
    const int64_t batch = product(ys, 0, ys.size() - 2);
    if ((batch_a != batch && batch_a != 1) || (batch_b != batch && batch_b != 1))
      throw Error(n.where() + ": batch broadcast of " + shape_text(as) + " and " + shape_text(bs) +
                  " is not supported");
    const ChipTensor& a0 = get(n.inputs[0], n, false);
    const ChipTensor& b0 = get(n.inputs[1], n, false);
    const ChipTensor a = a0.q.zero_point ? requantized(a0, symmetric_of(n.inputs[0]), n) : a0;
    const ChipTensor b = b0.q.zero_point ? requantized(b0, symmetric_of(n.inputs[1]), n) : b0;
    if (int8()) {
      out_.quant[n.inputs[0] + "#symmetric"] = a.q;
      out_.quant[n.inputs[1] + "#symmetric"] = b.q;
    }
    ChipTensor y = define(n.outputs[0], make(ys, false, act(), qparams(n.outputs[0])));
    const uint32_t e = vtpu_type_size(act());
    vtpu_layer l = runtime::blank_layer(VTPU_LAYER_MATMUL, act());
    vtpu_layer_matmul& x = l.u.matmul;
    x.a = a.offset, x.b = b.offset, x.c = y.offset;
    x.m = u32(m, n.name), x.k = u32(k, n.name), x.n = u32(nn, n.name);
    x.batch = u32(batch, n.name);
    x.a_batch_stride = batch_a == 1 ? 0 : u32(m * k * e, n.name);
    x.b_batch_stride = batch_b == 1 ? 0 : u32(k * nn * e, n.name);
    x.c_batch_stride = u32(m * nn * e, n.name);
    if (int8()) {
      x.scales = floats(std::vector<float>(nn, a.q.scale * b.q.scale / y.q.scale));
      x.zero_point = y.q.zero_point;
    }
    add(l, n, static_cast<uint64_t>(batch * m * k * nn));
  }

  QParams symmetric_of(const std::string& name) const {
    auto it = ranges_.find(name);
    return int8() && it != ranges_.end() ? symmetric(it->second) : QParams{};
  }

  // Elementwise binary operators with broadcasting reduced to the VPU's
  // modes: same shape, a row repeated, a column repeated, or a scalar.
  void binary(const Node& n) {
    uint8_t op = n.op == "Add"   ? VTPU_VPU_ADD
                 : n.op == "Sub" ? VTPU_VPU_SUB
                 : n.op == "Max" ? VTPU_VPU_MAX
                 : n.op == "Min" ? VTPU_VPU_MIN
                                 : VTPU_VPU_MUL;  // Mul, Div (by a constant), Pow 2
    std::string a_name = n.inputs[0], b_name = n.inputs[1];
    if (n.op == "Pow") {
      const Tensor* e = g_.constants.count(b_name) ? &g_.constants.at(b_name) : nullptr;
      if (!e || e->numel() != 1)
        throw Error(n.where() + ": Pow by a computed or non-scalar exponent is not supported");
      const float p = e->is_float() ? e->f[0] : static_cast<float>(e->i[0]);
      if (p != 2.0f) return power(n, p);
      b_name = a_name;
    }
    const std::vector<int64_t>& ys = shape_of(n.outputs[0]);
    bool a_const = g_.constants.count(a_name), b_const = g_.constants.count(b_name);
    if (a_const && b_const) throw Error(n.where() + ": both operands are constants");
    const bool commutative = op != VTPU_VPU_SUB && n.op != "Div";
    if (a_const || (product(shape_of(a_name)) < product(ys) && commutative)) {
      if (!commutative) throw Error(n.where() + ": a constant first operand of " + n.op);
      std::swap(a_name, b_name);
      std::swap(a_const, b_const);
    }
    if (a_const)  // the computed operand is the smaller one
      throw Error(n.where() + ": the computed operand " + shape_text(shape_of(b_name)) +
                  " is broadcast to the constant's " + shape_text(ys) + " (not supported)");
    if (product(shape_of(a_name)) != product(ys))
      throw Error(n.where() + ": the first operand " + shape_text(shape_of(a_name)) +
                  " is broadcast to " + shape_text(ys) + " (not supported)");
    Tensor bc;
    if (b_const) {
      bc = g_.constants.at(b_name);
      if (!bc.is_float()) throw Error(n.where() + ": integer constant operand");
      if (n.op == "Div")
        for (float& v : bc.f) v = 1.0f / v;
    } else if (n.op == "Div") {
      throw Error(n.where() + ": division by a computed tensor is not supported");
    }
    std::vector<int64_t> bs = b_const ? bc.shape : shape_of(b_name);
    const int64_t total = product(ys), bn = product(bs);
    const ChipTensor& a_any = tensors_.at(a_name);
    // Images stay NHWC when B is per channel ([1,C,1,1]), a scalar or the same shape.
    const bool per_channel = ys.size() == 4 && bn == ys[1] && bn > 1 && bs.size() >= 3 &&
                             bs[bs.size() - 1] == 1 && bs[bs.size() - 2] == 1;
    const bool image = a_any.nhwc && (bn == 1 || bn == total || per_channel);
    // int8: a constant operand with infinities (an attention mask's -inf)
    // whose sum only Softmax reads is added in fp32 and the sum kept fp32:
    // masked scores stay -inf (their exp is 0), the others lose nothing.
    // So is a sum in the residual stream (residual_stream()).
    const bool masked =
        int8() && b_const && only_softmax_reads(n.outputs[0]) &&
        std::any_of(bc.f.begin(), bc.f.end(), [](float v) { return std::isinf(v); });
    const bool fp32 = masked || residual_.count(n.outputs[0]);
    if (op == VTPU_VPU_ADD && !fp32 && !b_const && fuse_residual(n, a_name, b_name, image)) return;
    ChipTensor a = get(a_name, n, image);
    if (fp32) {
      a = widened(a, n);
      out_.float_tensors.insert(n.outputs[0]);
    }
    ChipTensor y = define(n.outputs[0], fp32 ? make(ys, image, VTPU_TYPE_FP32)
                                             : make(ys, image, act(), qparams(n.outputs[0])));
    uint32_t rows = 0, cols = 0;
    uint8_t mode = VTPU_BCAST_NONE;
    if (bn == 1) {
      mode = VTPU_BCAST_SCALAR;
      rows_cols(total, rows, cols);
    } else if (bn == total) {
      rows_cols(total, rows, cols);
    } else if (image && per_channel) {
      mode = VTPU_BCAST_ROW;
      cols = u32(bn, n.name);
      rows = u32(total / bn, n.name);
    } else {
      // Row-major: B's trailing dimensions equal the output's (ROW), or its
      // leading ones with 1s after (COL).
      std::vector<int64_t> b = bs;
      while (b.size() < ys.size()) b.insert(b.begin(), 1);
      size_t first = 0;
      while (first < b.size() && b[first] == 1) ++first;
      size_t last = b.size();
      while (last > 0 && b[last - 1] == 1) --last;
      bool row = true, col = true;
      for (size_t i = first; i < b.size(); ++i) row = row && b[i] == ys[i];
      for (size_t i = 0; i < last; ++i) col = col && b[i] == ys[i];
      if (row) {
        mode = VTPU_BCAST_ROW;
        cols = u32(product(ys, first), n.name);
      } else if (col) {
        mode = VTPU_BCAST_COL;
        cols = u32(product(ys, last), n.name);
      } else if (b_const) {
        // Another broadcast of a constant (Swin's attention mask over its
        // heads): the constant expanded at compile time, read in full.
        bc = expanded(bc, ys, n);
        bs = ys;
        cols = u32(ys.back(), n.name);
      } else {
        throw Error(n.where() + ": broadcasting " + shape_text(bs) + " to " + shape_text(ys) +
                    " is not supported");
      }
      rows = u32(total / cols, n.name);
    }
    vtpu_layer l = elementwise(op, a, y, rows, cols);
    vtpu_layer_elementwise& x = l.u.elementwise;
    x.b_mode = mode;
    if (mode == VTPU_BCAST_SCALAR && b_const) {
      x.b_scalar = bc.f[0];
    } else if (b_const && fp32) {
      const ChipTensor b = make(bs, false, VTPU_TYPE_FP32, {}, false);
      write_values(b, bc.f);
      x.b = b.offset;
    } else if (b_const) {
      const ChipTensor b = constant_tensor(bc, bs);
      x.b = b.offset, x.b_scale = b.q.scale, x.b_zero_point = b.q.zero_point;
    } else if (mode == VTPU_BCAST_SCALAR) {
      throw Error(n.where() + ": a computed scalar operand is not supported");
    } else {
      ChipTensor b = get(b_name, n, image && bn == total);
      if (fp32) b = widened(b, n);
      x.b = b.offset, x.b_scale = b.q.scale, x.b_zero_point = b.q.zero_point;
    }
    // A fused ReLU: int8 saturates at the output's zero point (its range starts at 0);
    // bf16 clamps the rounded sum in the same layer (VTPU_LAYER_RELU).
    if (activation(n) == "relu" && !int8()) l.flags |= VTPU_LAYER_RELU;
    add(l, n);
  }

  // A residual Add folded into the product that makes one of its operands
  // (VTPU_LAYER_RESIDUAL): when that product is the layer just lowered, the
  // Add is its operand's only reader, and both operands have the Add's shape
  // and layout. The product then writes the sum; its own output is never
  // stored. Returns whether it did.
  bool fuse_residual(const Node& n, const std::string& a_name, const std::string& b_name,
                     bool image) {
    const std::string act_name = activation(n);
    if (out_.image.layers().empty() || (!act_name.empty() && act_name != "relu")) return false;
    vtpu_layer& l = out_.image.layer(out_.image.layers().size() - 1);
    if ((l.kind != VTPU_LAYER_CONV2D && l.kind != VTPU_LAYER_MATMUL) || l.dtype != act() ||
        (l.flags & VTPU_LAYER_RESIDUAL))
      return false;
    const uint64_t product_out = l.kind == VTPU_LAYER_CONV2D ? l.u.conv2d.out : l.u.matmul.c;
    if (l.kind == VTPU_LAYER_MATMUL && l.u.matmul.batch > 1 &&
        l.u.matmul.c_batch_stride != uint64_t{l.u.matmul.m} * l.u.matmul.n * vtpu_type_size(act()))
      return false;
    const std::vector<int64_t>& ys = shape_of(n.outputs[0]);
    auto is_product = [&](const std::string& name) {
      const auto t = tensors_.find(name);
      if (t == tensors_.end() || t->second.offset != product_out || shape_of(name) != ys ||
          (ys.size() == 4 && t->second.nhwc != image))
        return false;
      return read_once(name);
    };
    const bool a_is = is_product(a_name), b_is = !a_is && is_product(b_name);
    if (!a_is && !b_is) return false;
    const std::string& product_name = a_is ? a_name : b_name;
    const std::string& residual_name = a_is ? b_name : a_name;
    // The residual as it lies (a layout copy would come after the product).
    const auto found = tensors_.find(residual_name);
    if (found == tensors_.end() || shape_of(residual_name) != ys || found->second.type != act() ||
        (ys.size() == 4 && found->second.nhwc != image))
      return false;
    const ChipTensor& r = found->second;
    const QParams product_q = tensors_.at(product_name).q;
    const ChipTensor y = define(n.outputs[0], make(ys, image, act(), qparams(n.outputs[0])));
    uint64_t params = 0;
    if (int8()) {
      const vtpu_vpu_qparams q{product_q.scale, product_q.zero_point, r.q.scale, r.q.zero_point,
                               y.q.scale,       y.q.zero_point};
      params = out_.image.allocate(sizeof q);
      out_.image.write(params, &q, sizeof q);
    }
    l.flags |= VTPU_LAYER_RESIDUAL | (act_name.empty() || int8() ? 0 : VTPU_LAYER_RESIDUAL_RELU);
    if (l.kind == VTPU_LAYER_CONV2D) {
      l.u.conv2d.out = y.offset;
      l.u.conv2d.residual = r.offset;
      l.u.conv2d.residual_params = params;
    } else {
      l.u.matmul.c = y.offset;
      l.u.matmul.residual = r.offset;
      l.u.matmul.residual_params = params;
    }
    out_.layers.back().op += "+Add";
    return true;
  }

  // Constant `t` broadcast to `shape` (numpy rules), by the evaluator's Expand.
  static Tensor expanded(const Tensor& t, const std::vector<int64_t>& shape, const Node& user) {
    Node e;
    e.name = user.name + "/expand";
    e.op = "Expand";
    e.inputs = {"x", "shape"};
    e.outputs = {"y"};
    Env env{{"x", t}, {"shape", Tensor::ints({static_cast<int64_t>(shape.size())}, shape)}};
    evaluate(e, env);
    return env.at("y");
  }

  void unary(const Node& n) {
    const ChipTensor& a =
        tensors_.count(n.inputs[0]) ? tensors_.at(n.inputs[0]) : get(n.inputs[0], n, false);
    if (n.op == "Identity") {
      define(n.outputs[0], a);
      return;
    }
    uint8_t op = 0;
    if (n.op == "Relu") op = VTPU_VPU_RELU;
    if (n.op == "Sigmoid") op = VTPU_VPU_SIGMOID;
    if (n.op == "Tanh") op = VTPU_VPU_TANH;
    if (n.op == "VtpuGelu") op = VTPU_VPU_GELU_ERF;
    if (n.op == "VtpuGeluTanh") op = VTPU_VPU_GELU_TANH;
    if (n.op == "Exp") op = VTPU_VPU_EXP;
    if (n.op == "Reciprocal") op = VTPU_VPU_RECIP;
    if (n.op == "HardSwish") op = VTPU_VPU_HARDSWISH;
    if (n.op == "VtpuSilu") op = VTPU_VPU_SILU;
    if (n.op == "Mish" || n.op == "VtpuMish") op = VTPU_VPU_MISH;
    if (n.op == "HardSigmoid") {
      // The VPU's gate is PyTorch's (alpha 1/6, beta 1/2); ONNX's default alpha is 0.2.
      const float alpha = n.get_float("alpha", 0.2f), beta = n.get_float("beta", 0.5f);
      if (alpha != 1.0f / 6.0f || beta != 0.5f)
        throw Error(n.where() + ": HardSigmoid with alpha " + std::to_string(alpha) + ", beta " +
                    std::to_string(beta) + " (vtpu's HARDSIGMOID is alpha 1/6, beta 0.5)");
      op = VTPU_VPU_HARDSIGMOID;
    }
    if (n.op == "Clip") {
      float lo = n.get_float("min", -INFINITY), hi = n.get_float("max", INFINITY);
      if (n.inputs.size() > 1 && !n.inputs[1].empty()) lo = scalar_of(n, 1);
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) hi = scalar_of(n, 2);
      if (lo == 0.0f && hi == 6.0f)
        op = VTPU_VPU_RELU6;
      else if (lo == 0.0f && std::isinf(hi))
        op = VTPU_VPU_RELU;
      else
        throw Error(n.where() + ": Clip to [" + std::to_string(lo) + ", " + std::to_string(hi) +
                    "] (vtpu clips to [0, 6] or [0, inf))");
    }
    ChipTensor y = define(n.outputs[0], make(a.shape, a.nhwc, act(), qparams(n.outputs[0])));
    uint32_t rows, cols;
    rows_cols(a.numel(), rows, cols);
    add(elementwise(op, a, y, rows, cols), n);
  }

  // Pow(x, p) by a constant p other than 2 (that one is a MUL of x by
  // itself): 1 the identity; 3 to 8 squarings and products in fp32; -1
  // RECIP, -0.5 RSQRT, 0.5 RECIP of RSQRT (0 gives 0), the last layer storing
  // the activation type.
  void power(const Node& n, float p) {
    const ChipTensor& x = get(n.inputs[0], n, false);
    if (p == 1.0f) {
      define(n.outputs[0], x);
      return;
    }
    const bool whole = p == std::floor(p) && p >= 3.0f && p <= 8.0f;
    if (!whole && p != -1.0f && p != -0.5f && p != 0.5f)
      throw Error(n.where() + ": Pow by " + std::to_string(p) +
                  " (vtpu raises to 1 to 8, -1, 0.5 and -0.5)");
    const ChipTensor y = define(n.outputs[0], make(x.shape, false, act(), qparams(n.outputs[0])));
    uint32_t rows, cols;
    rows_cols(x.numel(), rows, cols);
    auto fp32 = [&] { return make(x.shape, false, VTPU_TYPE_FP32); };
    if (!whole) {
      const bool root = p == 0.5f;
      const ChipTensor r = root ? fp32() : y;
      add(elementwise(p == -1.0f ? VTPU_VPU_RECIP : VTPU_VPU_RSQRT, x, r, rows, cols), n);
      if (root) add(elementwise(VTPU_VPU_RECIP, r, y, rows, cols), n);
      return;
    }
    // x^p by binary powers: base = x, x^2, x^4 ...; acc = the product of those
    // p's bits select, multiplied in ascending order.
    const ChipTensor base = fp32();
    convert(x, base, n.name, n.op);
    auto multiply = [&](const ChipTensor& a, const ChipTensor& b, const ChipTensor& to) {
      vtpu_layer l = elementwise(VTPU_VPU_MUL, a, to, rows, cols);
      l.u.elementwise.b = b.offset;
      add(l, n);
    };
    ChipTensor power_of_two = base, acc;
    bool have = false;
    for (int bits = static_cast<int>(p); bits; bits >>= 1) {
      const bool last_bit = (bits >> 1) == 0;
      if (bits & 1) {
        if (!have && !last_bit) {
          acc = power_of_two;
        } else {
          const ChipTensor to = last_bit ? y : fp32();
          if (have)
            multiply(acc, power_of_two, to);
          else
            convert(power_of_two, to, n.name, n.op);
          acc = to;
        }
        have = true;
      }
      if (!last_bit) {
        const ChipTensor square = fp32();
        multiply(power_of_two, power_of_two, square);
        power_of_two = square;
      }
    }
  }

  // Expand and Tile of a computed tensor: one strided COPY reading the
  // repeated axes with stride 0 (Tile: each axis as repeats x size).
  void broadcast(const Node& n) {
    const std::vector<int64_t>& xs = shape_of(n.inputs[0]);
    const std::vector<int64_t>& ys = shape_of(n.outputs[0]);
    const ChipTensor& x = get(n.inputs[0], n, false);
    const uint32_t e = vtpu_type_size(x.type);
    const std::vector<int64_t> stride = dense_strides(xs, e);
    std::vector<int64_t> dims, src;
    if (n.op == "Expand") {
      const size_t lead = ys.size() - xs.size();
      for (size_t a = 0; a < ys.size(); ++a) {
        const bool from_x = a >= lead && xs[a - lead] == ys[a];
        dims.push_back(ys[a]);
        src.push_back(from_x ? stride[a - lead] : 0);
      }
    } else {
      if (n.inputs.size() < 2 || !g_.constants.count(n.inputs[1]))
        throw Error(n.where() + ": the repeats must be a constant");
      const std::vector<int64_t>& repeats = g_.constants.at(n.inputs[1]).i;
      if (repeats.size() != xs.size())
        throw Error(n.where() + ": " + std::to_string(repeats.size()) + " repeats for rank " +
                    std::to_string(xs.size()));
      for (size_t a = 0; a < xs.size(); ++a) {
        if (repeats[a] < 1 || repeats[a] > ys[a] || repeats[a] * xs[a] != ys[a])
          throw Error(n.where() + ": repeats " + shape_text(repeats) + " do not give output " +
                      shape_text(ys) + " from input " + shape_text(xs));
        dims.insert(dims.end(), {repeats[a], xs[a]});
        src.insert(src.end(), {0, stride[a]});
      }
    }
    const ChipTensor y = define(n.outputs[0], make(ys, false, x.type, x.q));
    if (product(dims) != y.numel()) throw Error(n.where() + ": output size mismatch");
    copy_strided(x.offset, src, dims, y.offset, e, n.name, n.op);
  }

  float scalar_of(const Node& n, size_t input) const {
    const Tensor& t = constant(n, input);
    if (t.numel() != 1)
      throw Error(n.where() + ": input " + std::to_string(input) + " is not a scalar");
    return t.f[0];
  }

  // SOFTMAX and LAYERNORM run along rows: over the axes from `axis` on,
  // flattened (LayerNormalization; Softmax before opset 13), or over one axis
  // (Softmax from opset 13), moved last by a Transpose COPY when it is not.
  void rowwise(const Node& n) {
    const std::vector<int64_t>& xs = shape_of(n.inputs[0]);
    const int64_t rank = static_cast<int64_t>(xs.size());
    const bool norm = n.op == "VtpuLayerNorm";
    int64_t axis = n.get_int("axis", norm || g_.opset >= 13 ? -1 : 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank)
      throw Error(n.where() + ": axis " + std::to_string(n.get_int("axis", -1)) +
                  " is outside the input's " + std::to_string(rank) + " axes");
    const bool one_axis = !norm && g_.opset >= 13;
    std::vector<int> perm(static_cast<size_t>(rank));
    for (int64_t i = 0; i < rank; ++i) perm[i] = static_cast<int>(i);
    if (one_axis && axis != rank - 1) perm.erase(perm.begin() + axis), perm.push_back(axis);
    const bool moved = perm.back() != rank - 1;
    std::vector<int64_t> ts;  // the shape the rows are read in
    for (int p : perm) ts.push_back(xs[p]);
    const int64_t cols = one_axis ? ts.back() : product(xs, axis);
    const ChipTensor& x = get(n.inputs[0], n, false);
    ChipTensor a = x;
    if (moved) {
      a = make(ts, false, x.type, x.q);
      permute(x.offset, a.offset, xs, perm, vtpu_type_size(x.type), n.name, "Transpose");
    }
    ChipTensor y = make(ts, false, act(), qparams(n.outputs[0]));
    vtpu_layer l = runtime::blank_layer(norm ? VTPU_LAYER_LAYERNORM : VTPU_LAYER_SOFTMAX, act());
    vtpu_layer_rowwise& r = l.u.rowwise;
    r.in = a.offset, r.out = y.offset;
    r.cols = u32(cols, n.name);
    r.rows = u32(product(xs) / cols, n.name);
    r.in_type = a.type, r.out_type = y.type;
    r.in_scale = a.q.scale, r.in_zero_point = a.q.zero_point;
    r.out_scale = y.q.scale, r.out_zero_point = y.q.zero_point;
    if (norm) {
      auto per_column = [&](int input) {
        const Tensor& t = constant(n, input);
        if (t.numel() == cols) return floats(t.f);
        if (t.numel() == 1) return floats(std::vector<float>(static_cast<size_t>(cols), t.f[0]));
        throw Error(n.where() + ": input " + std::to_string(input) + " has " +
                    std::to_string(t.numel()) + " values for " + std::to_string(cols) +
                    " normalized elements");
      };
      r.gamma = per_column(1);
      r.beta = per_column(2);
      r.epsilon = n.get_float("epsilon", 1e-5f);
    }
    add(l, n);
    if (!moved) {
      define(n.outputs[0], y);
      return;
    }
    std::vector<int> back(static_cast<size_t>(rank));
    for (int64_t i = 0; i < rank; ++i) back[perm[i]] = static_cast<int>(i);
    ChipTensor out = define(n.outputs[0], make(xs, false, y.type, y.q));
    permute(y.offset, out.offset, ts, back, vtpu_type_size(y.type), n.name, "Transpose");
  }

  void pool(const Node& n) {
    const std::vector<int64_t>& xs = shape_of(n.inputs[0]);
    const std::vector<int64_t>& ys = shape_of(n.outputs[0]);
    const bool max = n.op.find("Max") != std::string::npos;
    const PoolGeometry pg = pool_geometry(n, xs, ys);
    const std::vector<int64_t>&kernel = pg.kernel, &strides = pg.strides, &pads = pg.pads,
          &uncounted = pg.uncounted;
    const bool padded = pads[0] || pads[1] || pads[2] || pads[3];
    const ChipTensor& x = get(n.inputs[0], n, true);
    ChipTensor y = define(n.outputs[0], make(ys, true, act(), x.q));
    vtpu_layer l = runtime::blank_layer(VTPU_LAYER_POOL, act());
    l.op = max ? VTPU_VPU_MAXPOOL : VTPU_VPU_AVGPOOL;
    vtpu_layer_pool& p = l.u.pool;
    p.in = x.offset, p.out = y.offset;
    p.n = u32(xs[0], n.name), p.c = u32(xs[1], n.name), p.h = u32(xs[2], n.name);
    p.w = u32(xs[3], n.name);
    p.kh = static_cast<uint16_t>(kernel[0]), p.kw = static_cast<uint16_t>(kernel[1]);
    p.sy = static_cast<uint16_t>(strides[0]), p.sx = static_cast<uint16_t>(strides[1]);
    p.pad_top = static_cast<uint16_t>(pads[0]), p.pad_left = static_cast<uint16_t>(pads[1]);
    p.pad_bottom = static_cast<uint16_t>(pads[2]), p.pad_right = static_cast<uint16_t>(pads[3]);
    p.pad_value = int8() ? x.q.zero_point : 0;
    p.uncounted_top = static_cast<uint16_t>(uncounted[0]);
    p.uncounted_left = static_cast<uint16_t>(uncounted[1]);
    p.uncounted_bottom = static_cast<uint16_t>(uncounted[2]);
    p.uncounted_right = static_cast<uint16_t>(uncounted[3]);
    if ((xs[2] + pads[0] + pads[2] - kernel[0]) / strides[0] + 1 != ys[2] ||
        (xs[3] + pads[1] + pads[3] - kernel[1]) / strides[1] + 1 != ys[3])
      throw Error(n.where() + ": output shape " + shape_text(ys) +
                  " does not follow from the "
                  "attributes");
    if (padded)
      scratch_ = std::max<uint64_t>(
          scratch_, static_cast<uint64_t>(xs[0]) * (xs[2] + pads[0] + pads[2]) *
                        (xs[3] + pads[1] + pads[3]) * xs[1] * vtpu_type_size(act()));
    add(l, n);
  }

  // ReduceMean, ReduceSum and ReduceMax over any axes. An image's spatial
  // axes are a global pool; otherwise the kept axes become rows and the
  // reduced ones columns (a Transpose COPY when they are not last): a sum or
  // mean is a MATMUL by a constant column (1 or 1/R; int8 exactly, as 127 at
  // scale w/127), a maximum POOLs of up to 255 rows at a time.
  void reduce(const Node& n) {
    const std::vector<int64_t>& xs = shape_of(n.inputs[0]);
    const int64_t rank = static_cast<int64_t>(xs.size());
    std::vector<int64_t> axes = n.get_ints("axes", {});
    if (axes.empty() && n.inputs.size() > 1 && !n.inputs[1].empty()) {
      if (!g_.constants.count(n.inputs[1]) || g_.constants.at(n.inputs[1]).is_float())
        throw Error(n.where() + ": the axes must be a constant integer tensor");
      axes = g_.constants.at(n.inputs[1]).i;
    }
    if (axes.empty()) {
      if (n.get_int("noop_with_empty_axes", 0)) return reshape(n);
      for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
    }
    for (int64_t& a : axes) {
      if (a < -rank || a >= rank)
        throw Error(n.where() + ": axis " + std::to_string(a) + " is outside the input's " +
                    std::to_string(rank) + " axes");
      if (a < 0) a += rank;
    }
    std::sort(axes.begin(), axes.end());
    axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
    const bool max = n.op == "ReduceMax";
    if (n.op != "ReduceSum" && rank == 4 && axes == std::vector<int64_t>{2, 3})
      return global_pool(n, max);
    std::vector<int> kept, reduced;
    for (int64_t i = 0; i < rank; ++i)
      (std::binary_search(axes.begin(), axes.end(), i) ? reduced : kept)
          .push_back(static_cast<int>(i));
    // Max pools run down the rows of an NHWC view ([reduced, kept]); products
    // along the rows of [kept, reduced].
    std::vector<int> perm = max ? reduced : kept;
    perm.insert(perm.end(), max ? kept.begin() : reduced.begin(), max ? kept.end() : reduced.end());
    std::vector<int64_t> ts;
    for (int p : perm) ts.push_back(xs[p]);
    int64_t r = 1;
    for (int a : reduced) r *= xs[a];
    const int64_t k = product(xs) / r;
    const ChipTensor& x = get(n.inputs[0], n, false);
    ChipTensor a = x;
    if (!std::is_sorted(perm.begin(), perm.end())) {
      a = make(ts, false, x.type, x.q);
      permute(x.offset, a.offset, xs, perm, vtpu_type_size(x.type), n.name, "Transpose");
    }
    if (max) {
      for (int64_t rows = r; rows > 1;) {
        const int64_t window = std::min<int64_t>(rows, 255), out = (rows + window - 1) / window;
        ChipTensor y = make({out, k}, false, x.type, x.q);
        vtpu_layer l = runtime::blank_layer(VTPU_LAYER_POOL, act());
        l.op = VTPU_VPU_MAXPOOL;
        vtpu_layer_pool& p = l.u.pool;
        p.in = a.offset, p.out = y.offset;
        p.n = 1, p.h = u32(rows, n.name), p.w = 1, p.c = u32(k, n.name);
        p.kh = static_cast<uint16_t>(window), p.kw = 1;
        p.sy = static_cast<uint16_t>(window), p.sx = 1;
        p.pad_bottom = static_cast<uint16_t>(out * window - rows);
        if (p.pad_bottom)
          scratch_ = std::max<uint64_t>(
              scratch_, static_cast<uint64_t>(out * window * k) * vtpu_type_size(act()));
        add(l, n);
        a = y, rows = out;
      }
      a.shape = shape_of(n.outputs[0]);
      define(n.outputs[0], a);
      return;
    }
    ChipTensor y =
        define(n.outputs[0], make(shape_of(n.outputs[0]), false, act(), qparams(n.outputs[0])));
    const std::vector<float> column(static_cast<size_t>(r),
                                    n.op == "ReduceSum" ? 1.0f : 1.0f / static_cast<float>(r));
    vtpu_layer l = runtime::blank_layer(VTPU_LAYER_MATMUL, act());
    vtpu_layer_matmul& m = l.u.matmul;
    ProductConstants constants;
    product_constants(n, column, r, 1, {0.0f}, a.q, y.q, constants);
    write_product(constants, m.b, m.bias, m.scales, m.meta);
    m.a = a.offset, m.c = y.offset;
    m.m = u32(k, n.name), m.k = u32(r, n.name), m.n = 1, m.batch = 1;
    m.zero_point = y.q.zero_point;
    l.flags = VTPU_LAYER_BIAS | VTPU_LAYER_CONST_B;
    add(l, n, static_cast<uint64_t>(k * r));
  }

  // A global average or max pool of an image for ReduceMean/ReduceMax over
  // its spatial axes (keepdims or not).
  void global_pool(const Node& n, bool max) {
    const std::vector<int64_t>& xs = shape_of(n.inputs[0]);
    Node p = n;
    p.op = max ? "GlobalMaxPool" : "GlobalAveragePool";
    if (n.get_int("keepdims", 1)) return pool(p);
    const std::string pooled = n.outputs[0] + "#pooled";
    p.outputs = {pooled};
    const_cast<Graph&>(g_).values[pooled] = ValueInfo{DType::kFloat32, {xs[0], xs[1], 1, 1}};
    pool(p);
    ChipTensor t = get(pooled, n, false);
    t.shape = shape_of(n.outputs[0]);
    t.nhwc = false;
    define(n.outputs[0], t);
  }

  // Views: the same bytes under another shape (row-major order).
  void reshape(const Node& n) {
    ChipTensor t = get(n.inputs[0], n, false);
    t.shape = shape_of(n.outputs[0]);
    t.nhwc = false;
    if (product(t.shape) != product(shape_of(n.inputs[0])))
      throw Error(n.where() + ": reshape changes the element count");
    define(n.outputs[0], t);
  }

  void transpose(const Node& n) {
    const std::vector<int64_t>& xs = shape_of(n.inputs[0]);
    std::vector<int64_t> perm = n.get_ints("perm", {});
    if (perm.empty())
      for (size_t i = xs.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
    const ChipTensor& x = get(n.inputs[0], n, false);
    ChipTensor y = define(n.outputs[0], make(shape_of(n.outputs[0]), false, x.type, x.q));
    permute(x.offset, y.offset, xs, std::vector<int>(perm.begin(), perm.end()),
            vtpu_type_size(x.type), n.name, n.op);
  }

  // Slice (steps of 1), Gather with constant indices and Split of a computed
  // tensor: strided copies of windows.
  void window(const Node& n) {
    const std::vector<int64_t>& xs = shape_of(n.inputs[0]);
    const int64_t rank = static_cast<int64_t>(xs.size());
    const ChipTensor& x = get(n.inputs[0], n, false);
    const uint32_t e = vtpu_type_size(x.type);
    const std::vector<int64_t> stride = dense_strides(xs, e);
    auto ints_of = [&](size_t i, std::vector<int64_t> fallback) {
      if (i >= n.inputs.size() || n.inputs[i].empty()) return fallback;
      if (!g_.constants.count(n.inputs[i]))
        throw Error(n.where() + ": input " + std::to_string(i) + " must be a constant");
      return g_.constants.at(n.inputs[i]).i;
    };
    auto norm_axis = [&](int64_t a) {
      if (a < -rank || a >= rank)
        throw Error(n.where() + ": axis " + std::to_string(a) + " is outside rank " +
                    std::to_string(rank));
      return a < 0 ? a + rank : a;
    };
    if (n.op == "Slice") {
      const std::vector<int64_t> starts = ints_of(1, {}), ends = ints_of(2, {});
      std::vector<int64_t> axes = ints_of(3, {});
      const std::vector<int64_t> steps = ints_of(4, std::vector<int64_t>(starts.size(), 1));
      if (axes.empty())
        for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
      if (ends.size() != starts.size() || axes.size() != starts.size() ||
          steps.size() != starts.size())
        throw Error(n.where() + ": starts, ends, axes and steps differ in length");
      std::vector<int64_t> begin(rank, 0), size = xs, step(rank, 1);
      for (size_t i = 0; i < axes.size(); ++i) {
        const int64_t a = norm_axis(axes[i]), dim = xs[a], st = steps[i];
        if (st == 0) throw Error(n.where() + ": a slice with step 0");
        // ONNX's clamping: forwards into [0, dim], backwards into [-1, dim - 1].
        int64_t b = starts[i] < 0 ? starts[i] + dim : starts[i];
        int64_t f = ends[i] < 0 ? ends[i] + dim : ends[i];
        if (st > 0) {
          b = std::clamp<int64_t>(b, 0, dim);
          f = std::clamp<int64_t>(f, b, dim);
          size[a] = slice_count(b, f, st);
        } else {
          b = std::clamp<int64_t>(b, 0, dim - 1);
          f = std::clamp<int64_t>(f, -1, b);
          size[a] = slice_count(b, f, st);
        }
        begin[a] = b;
        step[a] = st;
      }
      copy_window(x, stride, begin, size, n.outputs[0], n, step);
    } else if (n.op == "Split") {
      const int64_t a = norm_axis(n.get_int("axis", 0));
      int64_t at = 0;
      for (const std::string& out : n.outputs) {
        std::vector<int64_t> begin(rank, 0), size = xs;
        begin[a] = at;
        size[a] = shape_of(out)[a];
        copy_window(x, stride, begin, size, out, n);
        at += size[a];
      }
    } else {  // Gather with a constant index tensor along one axis
      const int64_t a = norm_axis(n.get_int("axis", 0));
      if (!g_.constants.count(n.inputs[1]))
        throw Error(n.where() + ": gathering with computed indices is not supported");
      const Tensor& idx = g_.constants.at(n.inputs[1]);
      std::vector<int64_t> map = idx.i;
      if (idx.is_float()) throw Error(n.where() + ": the indices are not integers");
      for (int64_t& i : map) {
        if (i < -xs[a] || i >= xs[a])
          throw Error(n.where() + ": index " + std::to_string(i) + " is outside axis " +
                      std::to_string(a) + " of size " + std::to_string(xs[a]));
        if (i < 0) i += xs[a];
      }
      const ChipTensor y = define(n.outputs[0], make(shape_of(n.outputs[0]), false, x.type, x.q));
      gather_axis(x, a, map, y, n);
    }
  }

  // y's slices along `axis` (as many as `map` has, every other axis as x's)
  // are x's slices map[0], map[1], ...: one COPY per arithmetic run of the
  // map (a period whose every phase steps evenly, as nearest upsampling's
  // 0 0 1 1 2 2 has; else runs of consecutive outputs).
  void gather_axis(const ChipTensor& x, int64_t axis, const std::vector<int64_t>& map,
                   const ChipTensor& y, const Node& n) {
    const uint32_t e = vtpu_type_size(x.type);
    std::vector<int64_t> ys = x.shape;
    ys[axis] = static_cast<int64_t>(map.size());
    if (product(ys) != y.numel()) throw Error(n.where() + ": gathered size mismatch");
    const std::vector<int64_t> xstride = dense_strides(x.shape, e), ystride = dense_strides(ys, e);
    for (const IndexRun& r : index_runs(map)) {
      std::vector<int64_t> dims = ys, src = xstride, dst = ystride;
      dims[axis] = r.count;
      src[axis] *= r.src_step;
      dst[axis] *= r.dst_step;
      copy_strided(x.offset + static_cast<uint64_t>(r.src * xstride[axis]), src, dims,
                   y.offset + static_cast<uint64_t>(r.dst * ystride[axis]), e, n.name, n.op, dst);
    }
  }

  // map[dst + k * dst_step] = src + k * src_step for k < count.
  struct IndexRun {
    int64_t dst, dst_step, count, src, src_step;
  };
  static std::vector<IndexRun> index_runs(const std::vector<int64_t>& map) {
    const int64_t m = static_cast<int64_t>(map.size());
    for (int64_t period = 1; period <= std::min<int64_t>(m, 16); ++period) {
      std::vector<IndexRun> runs;
      bool even = true;
      for (int64_t p = 0; p < period && even; ++p) {
        const int64_t count = (m - p + period - 1) / period;
        const int64_t step = count > 1 ? map[p + period] - map[p] : 0;
        for (int64_t k = 2; k < count && even; ++k)
          even = map[p + k * period] - map[p + (k - 1) * period] == step;
        runs.push_back({p, period, count, map[p], step});
      }
      if (even) return runs;
    }
    std::vector<IndexRun> runs;
    for (int64_t j = 0; j < m;) {
      const int64_t step = j + 1 < m ? map[j + 1] - map[j] : 0;
      int64_t k = j + 1;
      while (k < m && map[k] - map[k - 1] == step) ++k;
      runs.push_back({j, 1, k - j, map[j], step});
      j = k;
    }
    return runs;
  }

  // The window [begin, begin + size * step) of x, every step-th element
  // along each axis (no steps: all), into a new tensor `out` (whose shape may
  // drop the size-1 axes).
  void copy_window(const ChipTensor& x, const std::vector<int64_t>& stride,
                   const std::vector<int64_t>& begin, const std::vector<int64_t>& size,
                   const std::string& out, const Node& n, std::vector<int64_t> step = {}) {
    int64_t offset = 0;
    std::vector<int64_t> stepped = stride;
    for (size_t a = 0; a < begin.size(); ++a) {
      offset += begin[a] * stride[a];
      // One element along an axis takes no step (a Slice's step may be any
      // int64 beyond its axis); with more, the step is inside the axis.
      if (!step.empty() && size[a] > 1) stepped[a] *= step[a];
    }
    ChipTensor y = define(out, make(shape_of(out), false, x.type, x.q));
    if (product(size) != y.numel()) throw Error(n.where() + ": window size mismatch");
    copy_strided(x.offset + static_cast<uint64_t>(offset), stepped, size, y.offset,
                 vtpu_type_size(x.type), n.name, n.op);
  }

  // Resize, one axis at a time, on the tensor as it lies. Nearest gathers slices (int8 keeps its
  // parameters). Linear widens x to fp32 once; per axis, two gathers x0 = x[first], x1 = x[second]
  // and y = x0 + w * (x1 - x0) in fp32 (SUB, MUL by the weights broadcast,
  // ADD), the last ADD storing the activation type (int8: quantized once).
  void resize(const Node& n) {
    const std::vector<int64_t>& xs = shape_of(n.inputs[0]);
    const std::vector<int64_t>& ys = shape_of(n.outputs[0]);
    const bool linear = resize_is_linear(n);
    std::vector<float> scales;
    const size_t at = resize_scales_input(n);
    if (at < n.inputs.size() && !n.inputs[at].empty()) {
      if (!g_.constants.count(n.inputs[at]))
        throw Error(n.where() + ": the scales must be a constant");
      scales = g_.constants.at(n.inputs[at]).f;
    }
    const std::vector<ResizeMap> maps = resize_maps(n, xs, ys, scales);
    // An NHWC image stays NHWC: its gathers move whole pixels (in row-major
    // order a gather along W moves single elements).
    const bool image =
        xs.size() == 4 && tensors_.count(n.inputs[0]) && tensors_.at(n.inputs[0]).nhwc;
    // Memory order of the axes.
    std::vector<int> order(xs.size());
    for (size_t a = 0; a < xs.size(); ++a) order[a] = static_cast<int>(a);
    if (image) order = {0, 2, 3, 1};
    std::vector<int64_t> mem_in, mem_out;
    std::vector<int> todo;  // memory axes that change
    for (size_t m = 0; m < order.size(); ++m) {
      mem_in.push_back(xs[order[m]]);
      mem_out.push_back(ys[order[m]]);
      if (!maps[order[m]].identity() || xs[order[m]] != ys[order[m]])
        todo.push_back(static_cast<int>(m));
    }
    const ChipTensor& x = get(n.inputs[0], n, image);
    auto in_memory = [](ChipTensor t, const std::vector<int64_t>& dims) {
      t.shape = dims, t.nhwc = false;
      return t;
    };
    auto output = [&](uint8_t type, QParams q) {
      ChipTensor y = make(ys, image, type, q);
      define(n.outputs[0], y);
      return in_memory(y, mem_out);
    };
    std::vector<int64_t> dims = mem_in;
    if (!linear) {
      ChipTensor cur = in_memory(x, mem_in);
      if (todo.empty())
        cur = in_memory(output(x.type, x.q), mem_out), convert(x, cur, n.name, n.op);
      for (size_t k = 0; k < todo.size(); ++k) {
        const int a = todo[k];
        dims[a] = mem_out[a];
        const ChipTensor next =
            k + 1 == todo.size() ? output(x.type, x.q) : make(dims, false, x.type, x.q);
        gather_axis(cur, a, maps[order[a]].first, next, n);
        cur = next;
      }
      return;
    }
    ChipTensor cur = make(mem_in, false, VTPU_TYPE_FP32);
    convert(in_memory(x, mem_in), cur, n.name, n.op);
    if (todo.empty()) return convert(cur, output(act(), qparams(n.outputs[0])), n.name, n.op);
    for (size_t k = 0; k < todo.size(); ++k) {
      const int a = todo[k];
      const ResizeMap& map = maps[order[a]];
      dims[a] = mem_out[a];
      const bool last = k + 1 == todo.size();
      const ChipTensor next =
          last ? output(act(), qparams(n.outputs[0])) : make(dims, false, VTPU_TYPE_FP32);
      const ChipTensor lo = make(dims, false, VTPU_TYPE_FP32);
      gather_axis(cur, a, map.first, lo, n);
      uint32_t rows, cols;
      rows_cols(product(dims), rows, cols);
      if (std::all_of(map.weight.begin(), map.weight.end(), [](float w) { return w == 0.0f; })) {
        convert(lo, next, n.name, n.op);
        cur = next;
        continue;
      }
      const ChipTensor hi = make(dims, false, VTPU_TYPE_FP32);
      gather_axis(cur, a, map.second, hi, n);
      // hi - lo, in place
      vtpu_layer sub = elementwise(VTPU_VPU_SUB, hi, hi, rows, cols);
      sub.u.elementwise.b = lo.offset;
      add(sub, n);
      // * w: one weight per slice along the axis, broadcast as whole rows or
      // as one value per row, whichever constant is smaller.
      const int64_t outer = product(dims, 0, a), inner = product(dims, a + 1), j = dims[a];
      std::vector<float> w;
      vtpu_layer mul;
      if (j * inner <= outer * j) {
        for (int64_t i = 0; i < j; ++i) w.insert(w.end(), inner, map.weight[i]);
        mul = elementwise(VTPU_VPU_MUL, hi, hi, u32(outer, n.name), u32(j * inner, n.name));
        mul.u.elementwise.b_mode = VTPU_BCAST_ROW;
      } else {
        for (int64_t o = 0; o < outer; ++o) w.insert(w.end(), map.weight.begin(), map.weight.end());
        mul = elementwise(VTPU_VPU_MUL, hi, hi, u32(outer * j, n.name), u32(inner, n.name));
        mul.u.elementwise.b_mode = VTPU_BCAST_COL;
      }
      mul.u.elementwise.b = floats(w);
      add(mul, n);
      // lo + w * (hi - lo)
      vtpu_layer sum = elementwise(VTPU_VPU_ADD, lo, next, rows, cols);
      sum.u.elementwise.b = hi.offset;
      add(sum, n);
      cur = next;
    }
  }

  // Constant padding: FILL the output with the pad value, then COPY the input
  // into its interior (images stay NHWC).
  void pad(const Node& n) {
    if (n.get_string("mode", "constant") != "constant")
      throw Error(n.where() + ": only constant padding is supported");
    const std::vector<int64_t>& xs = shape_of(n.inputs[0]);
    const std::vector<int64_t>& ys = shape_of(n.outputs[0]);
    const int64_t rank = static_cast<int64_t>(xs.size());
    std::vector<int64_t> pads = n.get_ints("pads", {});
    if (pads.empty()) {
      if (n.inputs.size() < 2 || !g_.constants.count(n.inputs[1]))
        throw Error(n.where() + ": the pads must be a constant");
      pads = g_.constants.at(n.inputs[1]).i;
    }
    if (n.inputs.size() > 3 && !n.inputs[3].empty())
      throw Error(n.where() + ": padding only some axes (the axes input) is not supported");
    float value = n.get_float("value", 0.0f);
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) value = scalar_of(n, 2);
    for (int64_t p : pads)
      if (p < 0) throw Error(n.where() + ": negative pads (cropping) are not supported");
    const bool image = rank == 4 && tensors_.count(n.inputs[0]) && tensors_.at(n.inputs[0]).nhwc;
    const ChipTensor& x = get(n.inputs[0], n, image);
    ChipTensor y = define(n.outputs[0], make(ys, image, x.type, x.q));
    const uint32_t e = vtpu_type_size(x.type);
    uint32_t pattern = 0;
    if (x.type == VTPU_TYPE_INT8)
      pattern =
          0x01010101u * static_cast<uint8_t>(nm::quantize_int8(value, x.q.scale, x.q.zero_point));
    else
      pattern = 0x00010001u * nm::f32_to_bf16(value);
    vtpu_layer fill = runtime::blank_layer(VTPU_LAYER_FILL, act());
    fill.u.fill.dst = y.offset;
    fill.u.fill.bytes = u32(static_cast<int64_t>(y.bytes()), n.name);
    fill.u.fill.pattern = pattern;
    add(fill, n);
    // Memory order of the axes: NHWC for images.
    std::vector<int> order(rank);
    for (int64_t a = 0; a < rank; ++a) order[a] = static_cast<int>(a);
    if (image) order = {0, 2, 3, 1};
    std::vector<int64_t> xdims, ydims, before;
    for (int a : order) {
      xdims.push_back(xs[a]);
      ydims.push_back(ys[a]);
      before.push_back(pads[a]);
    }
    const std::vector<int64_t> ystride = dense_strides(ydims, e);
    int64_t offset = 0;
    for (size_t a = 0; a < before.size(); ++a) offset += before[a] * ystride[a];
    // One COPY: rows of the innermost axis, the outer axes (at most three)
    // strided on both sides.
    const std::vector<int64_t> xstride = dense_strides(xdims, e);
    const int64_t inner = xdims.empty() ? 1 : xdims.back();
    const size_t outer_axes = xdims.size() ? xdims.size() - 1 : 0;
    vtpu_layer l = runtime::blank_layer(VTPU_LAYER_COPY, act());
    vtpu_dma_desc& c = l.u.copy.desc;
    c.src = x.offset;
    c.dst = y.offset + static_cast<uint64_t>(offset);
    c.size[0] = u32(inner * e, n.name);
    c.size[1] = c.size[2] = c.size[3] = 1;
    if (outer_axes > 3) throw Error(n.where() + ": padding beyond 4-D is not supported");
    for (size_t k = 0; k < outer_axes; ++k) {  // innermost outer axis first
      const size_t a = outer_axes - 1 - k;
      c.size[k + 1] = u32(xdims[a], n.name);
      c.src_stride[k] = u32(xstride[a], n.name);
      c.dst_stride[k] = u32(ystride[a], n.name);
    }
    add(l, n);
  }

  void concat(const Node& n) {
    const std::vector<int64_t>& ys = shape_of(n.outputs[0]);
    int64_t axis = n.get_int("axis", 0);
    const auto rank = static_cast<int64_t>(ys.size());
    if (axis < -rank || axis >= rank)
      throw Error(n.where() + ": axis " + std::to_string(axis) + " is outside rank " +
                  std::to_string(rank));
    if (axis < 0) axis += rank;
    bool image = ys.size() == 4 && axis == 1;
    for (const std::string& in : n.inputs)
      image = image && tensors_.count(in) && tensors_.at(in).nhwc;
    ChipTensor y = define(n.outputs[0], make(ys, image, act(), qparams(n.outputs[0])));
    const uint32_t e = vtpu_type_size(act());
    // Rows of the copy: everything before the axis (images: every pixel).
    const int64_t rows = image ? ys[0] * ys[2] * ys[3] : product(ys, 0, axis);
    const int64_t line = (image ? ys[1] : product(ys, axis)) * e;
    int64_t at = 0;
    for (const std::string& in : n.inputs) {
      const ChipTensor part = requantized(get(in, n, image), y.q, n);
      const std::vector<int64_t>& ps = part.shape;
      const int64_t width = (image ? ps[1] : product(ps, axis)) * e;
      vtpu_layer l = runtime::blank_layer(VTPU_LAYER_COPY, act());
      vtpu_dma_desc& c = l.u.copy.desc;
      c.src = part.offset;
      c.dst = y.offset + static_cast<uint64_t>(at);
      c.size[0] = u32(width, n.name);
      c.size[1] = u32(rows, n.name);
      c.size[2] = c.size[3] = 1;
      c.src_stride[0] = u32(width, n.name);
      c.dst_stride[0] = u32(line, n.name);
      add(l, n);
      at += width;
    }
  }

  // BatchNormalization not after a Conv: x * k + c per channel, in fp32
  // between the two passes.
  void batchnorm(const Node& n) {
    const std::vector<int64_t>& xs = shape_of(n.inputs[0]);
    if (xs.size() != 4) throw Error(n.where() + ": only 4-D batch normalization is supported");
    const int64_t ch = xs[1];
    const auto [k, c] = batchnorm_affine(g_, n, ch);
    const ChipTensor& x = get(n.inputs[0], n, true);
    ChipTensor mid = make(xs, true, VTPU_TYPE_FP32);
    ChipTensor y =
        define(n.outputs[0], make(shape_of(n.outputs[0]), true, act(), qparams(n.outputs[0])));
    const uint32_t rows = u32(product(xs) / ch, n.name), cols = u32(ch, n.name);
    vtpu_layer mul = elementwise(VTPU_VPU_MUL, x, mid, rows, cols);
    const ChipTensor kt = constant_tensor(Tensor::floats({ch}, k), {ch});
    mul.u.elementwise.b_mode = VTPU_BCAST_ROW;
    mul.u.elementwise.b = kt.offset;
    mul.u.elementwise.b_scale = kt.q.scale;
    mul.u.elementwise.b_zero_point = kt.q.zero_point;
    add(mul, n);
    vtpu_layer plus = elementwise(VTPU_VPU_ADD, mid, y, rows, cols);
    plus.u.elementwise.b_mode = VTPU_BCAST_ROW;
    plus.u.elementwise.b = floats(c);
    add(plus, n);
  }

  const Graph& g_;
  const CompileOptions& options_;
  Precision precision_;
  const uint32_t array_rows_;            // the target's MXU rows, 0: unknown
  const double memory_bytes_per_cycle_;  // its memory's peak, 0: unknown
  const std::map<std::string, Range>& ranges_;
  std::set<std::string> residual_;  // int8: the sums kept fp32 (residual_stream())
  Program& out_;
  std::map<std::string, ChipTensor> tensors_, alternate_;
  uint64_t scratch_ = 0;
};

const std::vector<Lowerer::Rule>& Lowerer::rules() {
  static const std::vector<Rule> table = {
      {{{"Conv"},
        "CONV2D",
        "2-D; groups (depthwise included), strides, dilations, pads, `auto_pad`; bias; fused "
        "ReLU/ReLU6"},
       &Lowerer::conv},
      {{{"Gemm"},
        "MATMUL",
        "constant B (`transB`, `alpha`, `beta`, C a per-column bias); `transA`"},
       &Lowerer::matmul},
      {{{"MatMul"},
        "MATMUL",
        "constant B: rows of A flattened; computed B: batched (equal or size-1 batch dims)"},
       &Lowerer::matmul},
      {{{"Add", "Sub", "Mul", "Max", "Min"},
        "ELEMENTWISE",
        "broadcast: same shape, a per-channel `[1,C,1,1]` on images, trailing dims (row), leading "
        "dims (column), scalars; a constant operand of any other broadcastable shape is expanded "
        "at compile time"},
       &Lowerer::binary},
      {{{"Div"}, "ELEMENTWISE MUL", "by a constant (its reciprocal)"}, &Lowerer::binary},
      {{{"Pow"},
        "ELEMENTWISE MUL, RECIP, RSQRT",
        "a constant exponent: 1 to 8, -1, 0.5, -0.5 (powers above 2 and roots in fp32)"},
       &Lowerer::binary},
      {{{"Expand", "Tile"},
        "COPY",
        "of a computed tensor, the repeated axes read with stride 0; constant repeats"},
       &Lowerer::broadcast},
      {{{"Relu", "Clip", "Sigmoid", "Tanh", "Exp", "Reciprocal", "HardSwish", "Mish"},
        "ELEMENTWISE",
        "Clip to [0, 6] or [0, inf); x * Sigmoid(x) is one SILU, x * Tanh(Softplus(x)) one "
        "MISH"},
       &Lowerer::unary,
       {"VtpuGelu", "VtpuGeluTanh", "VtpuSilu", "VtpuMish"}},
      {{{"HardSigmoid"}, "ELEMENTWISE", "alpha 1/6, beta 0.5 (PyTorch's)"}, &Lowerer::unary},
      {{{"Erf", "Sqrt"}, "in GELU / LayerNorm patterns", "GELU: Erf-based or tanh-approximated"}},
      {{{"Softplus"}, "in the Mish pattern", "x * Tanh(Softplus(x))"}},
      {{{"Softmax"},
        "SOFTMAX",
        "any axis (moved last by a Transpose COPY); before opset 13 the axes from `axis` on"},
       &Lowerer::rowwise},
      {{{"LayerNormalization"},
        "LAYERNORM",
        "the axes from `axis` on; also its decomposed pattern (last axis)"},
       &Lowerer::rowwise,
       {"VtpuLayerNorm"}},
      {{{"ReduceMean", "ReduceSum"},
        "MATMUL by a constant column",
        "any axes; an image's spatial axes: POOL (global average); in the LayerNorm pattern: "
        "LAYERNORM"},
       &Lowerer::reduce},
      {{{"ReduceMax"},
        "POOL (max, 255 rows at a time)",
        "any axes; an image's spatial axes: a global max POOL"},
       &Lowerer::reduce},
      {{{"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"},
        "POOL",
        "pads (counted or not: `count_include_pad`), strides, `ceil_mode`; windows up to 255"},
       &Lowerer::pool},
      {{{"BatchNormalization"}, "folded into Conv, or two ELEMENTWISE passes", "4-D"},
       &Lowerer::batchnorm},
      {{{"Pad"}, "FILL + COPY", "constant mode, non-negative pads"}, &Lowerer::pad},
      {{{"Slice"},
        "COPY",
        "of a computed tensor: constant starts, ends, axes and steps of either sign (an axis "
        "walked backwards is a COPY per element along it)"},
       &Lowerer::window},
      {{{"Gather"},
        "COPY",
        "of a computed tensor: constant indices of any shape, any axis (a COPY per evenly "
        "stepped run of indices)"},
       &Lowerer::window},
      {{{"Split"}, "COPY", "of a computed tensor"}, &Lowerer::window},
      {{{"Resize"},
        "COPY (nearest); COPY, ELEMENTWISE SUB, MUL, ADD in fp32 (linear)",
        "nearest (any `nearest_mode`) or linear over any axes; coordinates `half_pixel`, "
        "`pytorch_half_pixel`, `align_corners`, `asymmetric`; constant scales or sizes"},
       &Lowerer::resize},
      {{{"Einsum"},
        "Transpose, Reshape, MatMul (rewritten before lowering)",
        "one operand (a transpose, ReduceSum of dropped subscripts) or two (batch, contracted "
        "and free subscripts, ellipses); no subscript repeated within a term or summed away "
        "from one operand of two"}},
      {{{"Concat"}, "COPY per input", "int8 inputs requantized to the output's parameters first"},
       &Lowerer::concat},
      {{{"Transpose"}, "COPY", "any permutation (element-granular DMA when the last axis moves)"},
       &Lowerer::transpose},
      {{{"Reshape", "Flatten", "Squeeze", "Unsqueeze"},
        "none (a view)",
        "images converted to row-major first"},
       &Lowerer::reshape},
      {{{"Identity"}, "none (removed)", ""}, &Lowerer::unary},
      {{{"Dropout"},
        "none (removed)",
        "at inference, or in training mode with ratio 0 and its mask unused"}},
      {{{"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul"},
        "hints, folded weights, Conv/MatMul",
        "int8 activations (\"Models that arrive quantized\")"}},
  };
  return table;
}

}  // namespace

std::vector<OperatorRow> operator_table() {
  std::vector<OperatorRow> rows;
  std::set<std::string> lowered;
  for (const Lowerer::Rule& r : Lowerer::rules()) {
    rows.push_back(r.row);
    lowered.insert(r.row.ops.begin(), r.row.ops.end());
  }
  OperatorRow folded{{}, "folded at compile time", "only when every input is a constant"};
  for (const std::string& op : evaluable_operators())
    if (!lowered.count(op)) folded.ops.push_back(op);
  rows.push_back(folded);
  return rows;
}

std::string operator_table_markdown() {
  std::string md = "| operator | lowering | limits |\n|---|---|---|\n";
  for (const OperatorRow& r : operator_table()) {
    std::string ops;
    for (const std::string& op : r.ops) ops += (ops.empty() ? "" : ", ") + op;
    md += "| " + ops + " | " + r.lowering + " | " + r.limits + " |\n";
  }
  return md;
}

namespace {

// Whether compile() takes `op` in some form: lowered, fused by a pass, or
// folded when its inputs are constants.
bool supported(const std::string& op) {
  for (const Lowerer::Rule& r : Lowerer::rules())
    if (std::find(r.row.ops.begin(), r.row.ops.end(), op) != r.row.ops.end()) return true;
  return can_evaluate(op);
}

// int8 models whose tensors hold more than this many elements in all (4 GiB
// of fp32 for the calibration; ResNet-50 at batch 8 has 0.3 G) are laid out
// once before they are calibrated.
constexpr uint64_t kDryRunElements = uint64_t{1} << 30;

uint64_t value_elements(const Graph& g) {
  uint64_t total = 0;
  for (const auto& [name, v] : g.values) {
    if (g.constants.count(name)) continue;
    uint64_t n = 1;
    for (int64_t d : v.shape) n *= static_cast<uint64_t>(std::max<int64_t>(d, 0));
    total += n;  // each at most 2^28 (check_limits), so no overflow
  }
  return total;
}

}  // namespace

void prepare(Graph& graph) {
  absorb_quantization(graph);
  for (const Node& n : graph.nodes)
    if (!supported(n.op)) throw Error(unsupported_operator(n));
  simplify(graph);
  fold_batchnorm(graph);
}

Program compile(Graph graph, CompileOptions options) {
  prepare(graph);
  if ((options.sparsity_2_4 || options.int4_weights) && options.precision != Precision::kInt8)
    throw Error(std::string(options.int4_weights ? "int4 weights" : "2:4 sparsity") +
                " needs int8 (the chip's compressed weights multiply int8 activations)");
  if (options.sparsity_2_4 && options.int4_weights)
    throw Error("2:4 sparsity and int4 weights do not combine (the MXU takes one or the other)");
  // Pruned before calibration, so that the ranges are the pruned network's.
  if (options.sparsity_2_4) options.pruned_2_4 = prune_2_4(graph, options.sparsity_skip);
  for (const auto& chosen : options.node_weights) {
    const std::string& name = chosen.first;
    const uint8_t format = chosen.second;
    const auto n = std::find_if(graph.nodes.begin(), graph.nodes.end(),
                                [&](const Node& x) { return x.name == name; });
    if (n == graph.nodes.end() || !has_constant_weights(graph, *n))
      throw Error("no Conv, Gemm or MatMul with constant weights is named '" + name + "'");
    if (format == VTPU_WEIGHTS_SPARSE_2_4 && prunable_2_4(graph, *n)) {
      prune_node_2_4(graph, *n);
      options.pruned_2_4.insert(name);
    }
  }
  std::map<std::string, Range> ranges;
  const auto calibration_start = std::chrono::steady_clock::now();
  const bool calibrate_here = options.precision == Precision::kInt8 && !options.ranges;
  if (calibrate_here && value_elements(graph) > kDryRunElements) {
    // A model this large is first laid out without ranges (they change
    // numbers, not sizes): one past the image limit, or one the chip cannot
    // run, is refused now rather than after minutes of calibration.
    Graph dry = graph;
    fuse(dry);
    Program layout;
    layout.image.limit(options.max_image_bytes);
    layout.image.layout_only();
    Lowerer(dry, options, {}, layout).run();
  }
  if (options.precision == Precision::kInt8)
    ranges = options.ranges ? *options.ranges : calibrate(graph, options.calibration);
  const std::chrono::duration<double> calibration =
      std::chrono::steady_clock::now() - calibration_start;
  fuse(graph);
  Program program;
  if (options.precision == Precision::kInt8)
    program.ranges = std::make_shared<const std::map<std::string, Range>>(ranges);
  program.calibration_seconds = calibration.count();
  program.precision = options.precision;
  program.image.limit(options.max_image_bytes);
  Lowerer(graph, options, ranges, program).run();
  program.graph = std::move(graph);
  return program;
}

}  // namespace vtpu::sw
