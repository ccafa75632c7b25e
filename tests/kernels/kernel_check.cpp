// Firmware kernel checks (docs/testing.md): builds a model of random layers of
// one kind and precision (ragged shapes, padding, strides, groups, broadcast),
// runs it through the firmware runtime on the virtual chip, and compares every
// output byte with the host's reference (sw/runtime/reference.cpp).
//
//   kernel_check --firmware runtime.elf --kind conv2d --dtype int8 [--config C]
//                [--set k=v ...] [--layers N] [--seed S] [--weights dense|2:4|int4]
//   kernel_check ... --matmul M,K,N      one int8 M x K x N matmul layer (overlap figures)
//   kernel_check ... --conv N,H,W,CIN,COUT,KH,KW,STRIDE,PAD
//                                        one convolution (bias, ReLU)
//   kernel_check ... --kind pool --resident
//                                        pools whose input and output the runtime keeps
//                                        in VMEM (COPY layers bring them in and out)
//   kernel_check ... --inject accel|bad-layer|outside
//                                        a failing layer in the middle of the model:
//                                        expects the run to fail, prints the host's message
//   kernel_check ... --spans             no run: the firmware's operand extents
//                                        (vtpu/operands.h) against the host reference's
//                                        checks, on random layers of every kind and precision
//
// Exit status: 0 all outputs bit-exact (or, with --inject, the failure reported as
// expected); 1 a mismatch; 2 bad usage.
#include <algorithm>
#include <array>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "models/common/error.h"
#include "models/isa/vtpu/names.h"
#include "models/isa/vtpu/operands.h"
#include "models/vpu/numerics.h"
#include "platform/config.h"
#include "platform/memory_system.h"
#include "platform/model_runner.h"
#include "sw/runtime/reference.h"

namespace po = boost::program_options;
using vtpu::runtime::ModelImage;

namespace {

struct Output {
  uint64_t offset, bytes;
};

class Builder {
 public:
  Builder(uint32_t seed, uint8_t dtype) : main_(seed), side_(seed + 0x9e3779b9u), dtype_(dtype) {}
  Builder& operator=(Builder&&) = default;

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng()); }
  float real(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng()); }
  bool coin() { return uniform(0, 1) == 1; }
  // Draws from a second stream while on: what a later addition to the
  // random layers draws, so that the layers each seed gave stay the same.
  void side(bool on) { on_side_ = on; }
  uint8_t dtype() const { return dtype_; }
  uint32_t esize() const { return vtpu_type_size(dtype_); }
  // How int8 products store their weights (VTPU_WEIGHTS_*, --weights).
  uint8_t weights_format() const { return dtype_ == VTPU_TYPE_INT8 ? weights_ : 0; }
  void set_weights_format(uint8_t f) { weights_ = f; }

  // `groups` random k x n weight matrices stored as weights_format(), and
  // for 2:4 their random positions (any nibble: a row named twice, or one
  // past k, included) in `meta`; the stored bytes of one matrix.
  uint64_t weights(uint64_t groups, uint64_t k, uint64_t n, uint64_t& meta, uint64_t& one) {
    const uint8_t f = weights_format();
    one = vtpu_weights_rows(f, k) * vtpu_weights_row_bytes(f, n) * esize();
    const uint64_t at = tensor(groups * one / esize(), dtype_);
    if (f == VTPU_WEIGHTS_SPARSE_2_4)
      meta = tensor(groups * vtpu_weights_groups(k) * vtpu_weights_row_bytes(VTPU_WEIGHTS_INT4, n),
                    VTPU_TYPE_INT8);
    return at;
  }

  // A tensor of `count` random elements of `type`.
  uint64_t tensor(uint64_t count, uint8_t type) {
    const uint64_t bytes = count * vtpu_type_size(type);
    const uint64_t at = image.allocate(bytes);
    std::vector<uint8_t> data(bytes);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (uint64_t i = 0; i < count; ++i) {
      if (type == VTPU_TYPE_INT8) {
        data[i] = static_cast<uint8_t>(uniform(0, 255));
      } else if (type == VTPU_TYPE_BF16) {
        const uint16_t h = vtpu::numerics::f32_to_bf16(normal(rng()));
        std::memcpy(&data[2 * i], &h, 2);
      } else {
        const float f = normal(rng());
        std::memcpy(&data[4 * i], &f, 4);
      }
    }
    image.write(at, data.data(), bytes);
    return at;
  }
  uint64_t floats(const std::vector<float>& v) {
    const uint64_t at = image.allocate(4 * v.size());
    image.write(at, v.data(), 4 * v.size());
    return at;
  }
  uint64_t ints(const std::vector<int32_t>& v) {
    const uint64_t at = image.allocate(4 * v.size());
    image.write(at, v.data(), 4 * v.size());
    return at;
  }
  // --resident: the layers' inputs and outputs kept in VMEM where the kind
  // supports it (pools: copied in and out by COPY layers).
  bool resident() const { return resident_; }
  void set_resident(bool on) { resident_ = on; }
  // `bytes` that layers write and read (the runtime may keep them in VMEM).
  uint64_t activation(uint64_t bytes) {
    const uint64_t at = image.allocate(bytes);
    image.mark_activation(at, bytes);
    return at;
  }
  uint64_t output(uint64_t bytes) {
    const uint64_t at = image.allocate(bytes);
    outputs.push_back({at, bytes});
    return at;
  }
  void add(vtpu_layer layer) {
    layer.node = static_cast<uint32_t>(image.layers().size());
    image.add_layer(layer);
  }

  ModelImage image;
  std::vector<Output> outputs;

 private:
  std::mt19937& rng() { return on_side_ ? side_ : main_; }

  std::mt19937 main_, side_;
  bool on_side_ = false;  // a flag, not a pointer: a Builder is move-assigned
  uint8_t dtype_;
  uint8_t weights_ = VTPU_WEIGHTS_DENSE;
  bool resident_ = false;
};

// Requantization scales that keep an int8 product of depth k mostly in range.
std::vector<float> requant_scales(Builder& b, uint32_t count, uint32_t k) {
  std::vector<float> s(count);
  for (float& v : s) v = b.real(0.5f, 2.0f) * 40.0f / (std::sqrt(static_cast<float>(k)) * 5400.0f);
  return s;
}

// Bias and scales of `count` output channels; int8 biases are int32, bf16 fp32.
void bias_and_scales(Builder& b, uint32_t count, uint32_t k, uint64_t& bias, uint64_t& scales) {
  if (b.dtype() == VTPU_TYPE_INT8) {
    std::vector<int32_t> v(count);
    const int bound = static_cast<int>(std::sqrt(static_cast<float>(k)) * 5400.0f);
    for (int32_t& x : v) x = b.uniform(-bound, bound);
    bias = b.ints(v);
  } else {
    std::vector<float> v(count);
    for (float& x : v) x = b.real(-1.0f, 1.0f);
    bias = b.floats(v);
  }
  scales = b.floats(requant_scales(b, count, k));
}

void add_matmul(Builder& b, uint32_t m, uint32_t k, uint32_t n, uint32_t batch, uint8_t flags) {
  const uint32_t e = b.esize();
  vtpu_layer l = vtpu::runtime::blank_layer(VTPU_LAYER_MATMUL, b.dtype());
  vtpu_layer_matmul& x = l.u.matmul;
  x.weights_format = b.weights_format();
  // Stored weights are k x n; 2:4 ones share one set of positions.
  const bool compressed = x.weights_format != VTPU_WEIGHTS_DENSE;
  if (compressed) flags &= static_cast<uint8_t>(~VTPU_LAYER_TRANS_B);
  l.flags = flags;
  x.m = m, x.k = k, x.n = n, x.batch = batch;
  bool shared_b = batch > 1 && b.coin();
  if (x.weights_format == VTPU_WEIGHTS_SPARSE_2_4) shared_b = true;
  x.a = b.tensor(uint64_t{batch} * m * k, b.dtype());
  uint64_t one = 0;
  x.b = b.weights(shared_b ? 1 : batch, k, n, x.meta, one);
  x.c = b.output(uint64_t{batch} * m * n * e);
  x.a_batch_stride = m * k * e;
  x.b_batch_stride = shared_b ? 0 : static_cast<uint32_t>(one);
  x.c_batch_stride = m * n * e;
  bias_and_scales(b, n, k, x.bias, x.scales);
  x.zero_point = b.uniform(-20, 20);
  b.add(l);
}

// A residual Add fused into a product whose output is `bytes` long: its
// residual tensor, and int8 parameters near the output's scale or a bf16 ReLU.
void add_residual(Builder& b, uint64_t bytes, uint8_t& flags, uint64_t& residual,
                  uint64_t& params) {
  flags |= VTPU_LAYER_RESIDUAL;
  residual = b.tensor(bytes / b.esize(), b.dtype());
  if (b.dtype() == VTPU_TYPE_INT8) {
    const vtpu_vpu_qparams q{b.real(0.02f, 0.05f), b.uniform(-20, 20),   b.real(0.02f, 0.05f),
                             b.uniform(-20, 20),   b.real(0.03f, 0.07f), b.uniform(-20, 20)};
    params = b.image.allocate(sizeof q);
    b.image.write(params, &q, sizeof q);
  } else if (b.coin()) {
    flags |= VTPU_LAYER_RESIDUAL_RELU;
  }
}
// Half the time, such a residual, drawn from the side stream.
void maybe_residual(Builder& b, uint64_t bytes, uint8_t& flags, uint64_t& residual,
                    uint64_t& params) {
  b.side(true);
  if (b.coin()) add_residual(b, bytes, flags, residual, params);
  b.side(false);
}

void random_matmul(Builder& b) {
  const uint8_t flags = static_cast<uint8_t>(b.uniform(0, 15));
  add_matmul(b, b.uniform(1, 70), b.uniform(1, 90), b.uniform(1, 80), b.uniform(1, 2), flags);
  vtpu_layer& l = b.image.layer(b.image.layers().size() - 1);
  vtpu_layer_matmul& x = l.u.matmul;
  maybe_residual(b, uint64_t{x.batch} * x.m * x.n * b.esize(), l.flags, x.residual,
                 x.residual_params);
}

void random_conv2d(Builder& b) {
  const uint32_t e = b.esize();
  vtpu_layer l = vtpu::runtime::blank_layer(VTPU_LAYER_CONV2D, b.dtype());
  vtpu_layer_conv2d& x = l.u.conv2d;
  const int shape = b.uniform(0, 3);  // 0, 1: plain; 2: grouped; 3: depthwise
  x.groups = shape == 2 ? b.uniform(2, 3) : 1;
  x.cin = x.groups * b.uniform(1, shape < 2 ? 20 : 6);
  x.cout = x.groups * b.uniform(1, shape < 2 ? 24 : 5);
  if (shape == 3) x.groups = x.cin = x.cout = b.uniform(2, 12);
  do {
    x.n = b.uniform(1, 2);
    x.h = b.uniform(1, 13);
    x.w = b.uniform(1, 13);
    x.kh = b.uniform(1, 3);
    x.kw = b.coin() ? x.kh : b.uniform(1, 3);
    x.sy = b.uniform(1, 2);
    x.sx = b.coin() ? x.sy : b.uniform(1, 2);
    x.dil_y = b.uniform(0, 5) == 0 ? 2 : 1;
    x.dil_x = b.uniform(0, 5) == 0 ? 2 : 1;
    x.pad_top = b.uniform(0, 2), x.pad_bottom = b.uniform(0, 2);
    x.pad_left = b.uniform(0, 2), x.pad_right = b.uniform(0, 2);
  } while (x.h + x.pad_top + x.pad_bottom < x.dil_y * (x.kh - 1u) + 1u ||
           x.w + x.pad_left + x.pad_right < x.dil_x * (x.kw - 1u) + 1u);
  if (b.uniform(0, 5) == 0) {  // the 1 x 1 direct case
    x.kh = x.kw = x.sy = x.sx = x.dil_y = x.dil_x = 1;
    x.pad_top = x.pad_bottom = x.pad_left = x.pad_right = 0;
    x.groups = 1;
  }
  const uint32_t oh = (x.h + x.pad_top + x.pad_bottom - x.dil_y * (x.kh - 1u) - 1u) / x.sy + 1;
  const uint32_t ow = (x.w + x.pad_left + x.pad_right - x.dil_x * (x.kw - 1u) - 1u) / x.sx + 1;
  const uint32_t k = x.kh * x.kw * (x.cin / x.groups);
  x.in = b.tensor(uint64_t{x.n} * x.h * x.w * x.cin, b.dtype());
  x.weights_format = b.weights_format();
  uint64_t one = 0;
  x.weights = b.weights(x.groups, k, x.cout / x.groups, x.meta, one);
  x.out = b.output(uint64_t{x.n} * oh * ow * x.cout * e);
  bias_and_scales(b, x.cout, k, x.bias, x.scales);
  l.flags =
      static_cast<uint8_t>((b.coin() ? VTPU_LAYER_BIAS : 0) | (b.coin() ? VTPU_LAYER_RELU : 0));
  x.pad_value = b.dtype() == VTPU_TYPE_INT8 ? b.uniform(-128, 127) : 0;
  x.zero_point = b.uniform(-20, 20);
  maybe_residual(b, uint64_t{x.n} * oh * ow * x.cout * e, l.flags, x.residual, x.residual_params);
  b.add(l);
}

// One convolution of n images h x w x cin into cout channels, a kh x kw
// kernel at stride s with `pad` on every side, bias and ReLU, no residual.
void add_conv2d(Builder& b, const std::array<uint32_t, 9>& shape) {
  const uint32_t e = b.esize();
  vtpu_layer l = vtpu::runtime::blank_layer(VTPU_LAYER_CONV2D, b.dtype());
  vtpu_layer_conv2d& x = l.u.conv2d;
  x.n = shape[0], x.h = shape[1], x.w = shape[2], x.cin = shape[3], x.cout = shape[4];
  x.kh = shape[5], x.kw = shape[6], x.sy = x.sx = shape[7];
  x.pad_top = x.pad_bottom = x.pad_left = x.pad_right = shape[8];
  x.groups = x.dil_y = x.dil_x = 1;
  const uint32_t oh = (x.h + 2 * x.pad_top - x.kh) / x.sy + 1;
  const uint32_t ow = (x.w + 2 * x.pad_left - x.kw) / x.sx + 1;
  const uint32_t k = x.kh * x.kw * x.cin;
  x.in = b.tensor(uint64_t{x.n} * x.h * x.w * x.cin, b.dtype());
  x.weights_format = b.weights_format();
  uint64_t one = 0;
  x.weights = b.weights(1, k, x.cout, x.meta, one);
  x.out = b.output(uint64_t{x.n} * oh * ow * x.cout * e);
  bias_and_scales(b, x.cout, k, x.bias, x.scales);
  l.flags = VTPU_LAYER_BIAS | VTPU_LAYER_RELU;
  x.pad_value = 0;
  x.zero_point = b.uniform(-20, 20);
  b.add(l);
}

// One COPY layer: `bytes` contiguous bytes from `src` to `dst`.
void add_copy(Builder& b, uint64_t src, uint64_t dst, uint64_t bytes) {
  vtpu_layer l = vtpu::runtime::blank_layer(VTPU_LAYER_COPY, b.dtype());
  vtpu_dma_desc& d = l.u.copy.desc;
  d.src = src, d.dst = dst;
  d.size[0] = static_cast<uint32_t>(bytes);
  d.size[1] = d.size[2] = d.size[3] = 1;
  b.add(l);
}

void random_pool(Builder& b) {
  vtpu_layer l = vtpu::runtime::blank_layer(VTPU_LAYER_POOL, b.dtype());
  vtpu_layer_pool& x = l.u.pool;
  l.op = b.coin() ? VTPU_VPU_MAXPOOL : VTPU_VPU_AVGPOOL;
  x.n = b.uniform(1, 2);
  x.h = b.uniform(1, 16);
  x.w = b.uniform(1, 16);
  x.c = b.uniform(1, 24);
  if (b.uniform(0, 3) == 0) {  // global
    x.kh = x.h, x.kw = x.w, x.sy = x.sx = 1;
  } else {
    x.kh = b.uniform(1, 3), x.kw = b.uniform(1, 3);
    x.sy = b.uniform(1, 3), x.sx = b.uniform(1, 3);
    x.pad_top = b.uniform(0, x.kh - 1), x.pad_bottom = b.uniform(0, x.kh - 1);
    x.pad_left = b.uniform(0, x.kw - 1), x.pad_right = b.uniform(0, x.kw - 1);
    while (x.h + x.pad_top + x.pad_bottom < x.kh) ++x.pad_bottom;
    while (x.w + x.pad_left + x.pad_right < x.kw) ++x.pad_right;
  }
  x.pad_value = b.dtype() == VTPU_TYPE_INT8 ? b.uniform(-20, 20) : 0;
  const uint32_t hp = x.h + x.pad_top + x.pad_bottom, wp = x.w + x.pad_left + x.pad_right;
  const uint32_t oh = (hp - x.kh) / x.sy + 1;
  const uint32_t ow = (wp - x.kw) / x.sx + 1;
  // Half the averages leave some padding uncounted (all of it, as ONNX's
  // count_include_pad = 0, or its bottom and right, as ceil mode's extra),
  // where every window keeps a tap.
  if (l.op == VTPU_VPU_AVGPOOL && b.coin()) {
    const bool all = b.coin();
    x.uncounted_top = all ? x.pad_top : 0, x.uncounted_left = all ? x.pad_left : 0;
    x.uncounted_bottom = x.pad_bottom, x.uncounted_right = x.pad_right;
    while ((oh - 1) * x.sy >= hp - x.uncounted_bottom) --x.uncounted_bottom;
    while ((ow - 1) * x.sx >= wp - x.uncounted_right) --x.uncounted_right;
  }
  x.in = b.tensor(uint64_t{x.n} * x.h * x.w * x.c, b.dtype());
  x.out = b.output(uint64_t{x.n} * oh * ow * x.c * b.esize());
  if (!b.resident()) return b.add(l);
  // Input and output kept in VMEM (activations): copied in before the pool,
  // and out after it.
  const uint64_t in_bytes = uint64_t{x.n} * x.h * x.w * x.c * b.esize();
  const uint64_t out_bytes = uint64_t{x.n} * oh * ow * x.c * b.esize();
  const uint64_t in = b.activation(in_bytes), out = b.activation(out_bytes);
  add_copy(b, x.in, in, in_bytes);
  const uint64_t result = x.out;
  x.in = in, x.out = out;
  b.add(l);
  add_copy(b, out, result, out_bytes);
}

// A global average pool of two H x W x C images: on a small VMEM the
// firmware pools it in groups of channels.
void add_global_pool(Builder& b, uint32_t h, uint32_t w, uint32_t c) {
  vtpu_layer l = vtpu::runtime::blank_layer(VTPU_LAYER_POOL, b.dtype());
  l.op = VTPU_VPU_AVGPOOL;
  vtpu_layer_pool& x = l.u.pool;
  x.n = 2, x.h = h, x.w = w, x.c = c;
  x.kh = static_cast<uint16_t>(h), x.kw = static_cast<uint16_t>(w), x.sy = x.sx = 1;
  x.in = b.tensor(uint64_t{x.n} * h * w * c, b.dtype());
  x.out = b.output(uint64_t{x.n} * c * b.esize());
  b.add(l);
}

// In and out types for a layer of the builder's precision: mostly the
// precision itself, sometimes a boundary conversion from or to fp32.
void boundary_types(Builder& b, uint8_t& in, uint8_t& out) {
  in = out = b.dtype();
  const int pick = b.uniform(0, 5);
  if (pick == 0) in = VTPU_TYPE_FP32;
  if (pick == 1) out = VTPU_TYPE_FP32;
}

void random_elementwise(Builder& b) {
  static const uint8_t ops[] = {
      VTPU_VPU_ADD,       VTPU_VPU_SUB,     VTPU_VPU_MUL,         VTPU_VPU_MAX,
      VTPU_VPU_MIN,       VTPU_VPU_RELU,    VTPU_VPU_RELU6,       VTPU_VPU_GELU_ERF,
      VTPU_VPU_GELU_TANH, VTPU_VPU_SIGMOID, VTPU_VPU_TANH,        VTPU_VPU_EXP,
      VTPU_VPU_RSQRT,     VTPU_VPU_RECIP,   VTPU_VPU_HARDSIGMOID, VTPU_VPU_HARDSWISH,
      VTPU_VPU_SILU,      VTPU_VPU_MISH,    VTPU_VPU_CONVERT};
  vtpu_layer l = vtpu::runtime::blank_layer(VTPU_LAYER_ELEMENTWISE, b.dtype());
  vtpu_layer_elementwise& x = l.u.elementwise;
  l.op = ops[b.uniform(0, sizeof ops - 1)];
  boundary_types(b, x.in_type, x.out_type);
  x.rows = b.uniform(1, 40);
  x.cols = b.uniform(1, 70);
  x.b_mode = static_cast<uint8_t>(b.uniform(0, 3));
  x.a_scale = b.real(0.01f, 0.05f), x.b_scale = b.real(0.01f, 0.05f);
  x.out_scale = b.real(0.01f, 0.08f);
  x.a_zero_point = b.uniform(-10, 10), x.b_zero_point = b.uniform(-10, 10);
  x.out_zero_point = b.uniform(-10, 10);
  x.b_scalar = b.real(-2.0f, 2.0f);
  x.a = b.tensor(uint64_t{x.rows} * x.cols, x.in_type);
  const uint64_t b_count = x.b_mode == VTPU_BCAST_NONE  ? uint64_t{x.rows} * x.cols
                           : x.b_mode == VTPU_BCAST_ROW ? x.cols
                           : x.b_mode == VTPU_BCAST_COL ? x.rows
                                                        : 0;
  if (l.op <= VTPU_VPU_MIN && b_count > 0) x.b = b.tensor(b_count, x.in_type);
  x.out = b.output(uint64_t{x.rows} * x.cols * vtpu_type_size(x.out_type));
  if (x.out_type == VTPU_TYPE_BF16 && b.coin()) l.flags = VTPU_LAYER_RELU;  // fused ReLU
  b.add(l);
}

void random_rowwise(Builder& b, uint8_t kind) {
  vtpu_layer l = vtpu::runtime::blank_layer(kind, b.dtype());
  vtpu_layer_rowwise& x = l.u.rowwise;
  boundary_types(b, x.in_type, x.out_type);
  x.rows = b.uniform(1, 24);
  x.cols = b.uniform(1, 200);
  x.in_scale = b.real(0.02f, 0.1f);
  x.in_zero_point = b.uniform(-10, 10);
  x.out_scale = kind == VTPU_LAYER_SOFTMAX ? 1.0f / 255.0f : b.real(0.02f, 0.05f);
  x.out_zero_point = kind == VTPU_LAYER_SOFTMAX ? -128 : b.uniform(-10, 10);
  x.epsilon = 1e-5f;
  x.in = b.tensor(uint64_t{x.rows} * x.cols, x.in_type);
  if (kind == VTPU_LAYER_LAYERNORM) {
    std::vector<float> gamma(x.cols), beta(x.cols);
    for (float& g : gamma) g = b.real(0.5f, 1.5f);
    for (float& v : beta) v = b.real(-0.5f, 0.5f);
    x.gamma = b.floats(gamma);
    x.beta = b.floats(beta);
  }
  x.out = b.output(uint64_t{x.rows} * x.cols * vtpu_type_size(x.out_type));
  b.add(l);
}

// A transpose, a slice or a two-way concat of a rows x cols tensor.
void random_copy(Builder& b) {
  const uint32_t e = b.esize(), rows = b.uniform(1, 30), cols = b.uniform(1, 40);
  const uint64_t src = b.tensor(uint64_t{rows} * cols, b.dtype());
  vtpu_layer l = vtpu::runtime::blank_layer(VTPU_LAYER_COPY, b.dtype());
  vtpu_dma_desc& d = l.u.copy.desc;
  d.src = src;
  d.size[2] = d.size[3] = 1;
  switch (b.uniform(0, 2)) {
    case 0:  // transpose: dst[j][i] = src[i][j]
      d.dst = b.output(uint64_t{rows} * cols * e);
      d.size[0] = e;
      d.size[1] = rows, d.src_stride[0] = cols * e, d.dst_stride[0] = e;
      d.size[2] = cols, d.src_stride[1] = e, d.dst_stride[1] = rows * e;
      b.add(l);
      break;
    case 1: {  // slice [r0, r0 + h) x [c0, c0 + w)
      const uint32_t r0 = b.uniform(0, rows - 1), c0 = b.uniform(0, cols - 1);
      const uint32_t h = b.uniform(1, rows - r0), w = b.uniform(1, cols - c0);
      d.src = src + (uint64_t{r0} * cols + c0) * e;
      d.dst = b.output(uint64_t{h} * w * e);
      d.size[0] = w * e;
      d.size[1] = h, d.src_stride[0] = cols * e, d.dst_stride[0] = w * e;
      b.add(l);
      break;
    }
    default: {  // concat along columns with a second tensor of rows x cols2
      const uint32_t cols2 = b.uniform(1, 20);
      const uint64_t src2 = b.tensor(uint64_t{rows} * cols2, b.dtype());
      const uint32_t line = (cols + cols2) * e;
      const uint64_t dst = b.output(uint64_t{rows} * line);
      d.dst = dst;
      d.size[0] = cols * e;
      d.size[1] = rows, d.src_stride[0] = cols * e, d.dst_stride[0] = line;
      b.add(l);
      d.src = src2;
      d.dst = dst + uint64_t{cols} * e;
      d.size[0] = cols2 * e;
      d.src_stride[0] = cols2 * e;
      b.add(l);
    }
  }
}

void random_fill(Builder& b) {
  vtpu_layer l = vtpu::runtime::blank_layer(VTPU_LAYER_FILL, b.dtype());
  l.u.fill.bytes = b.uniform(1, 5000);
  l.u.fill.pattern = static_cast<uint32_t>(b.uniform(0, 0x7fffffff)) * 2u + (b.coin() ? 1 : 0);
  l.u.fill.dst = b.output(l.u.fill.bytes);
  b.add(l);
}

void add_random(Builder& b, const std::string& kind) {
  if (kind == "matmul") return random_matmul(b);
  if (kind == "conv2d") return random_conv2d(b);
  if (kind == "pool") return random_pool(b);
  if (kind == "elementwise") return random_elementwise(b);
  if (kind == "softmax") return random_rowwise(b, VTPU_LAYER_SOFTMAX);
  if (kind == "layernorm") return random_rowwise(b, VTPU_LAYER_LAYERNORM);
  if (kind == "copy") return random_copy(b);
  if (kind == "fill") return random_fill(b);
  throw vtpu::Error("--kind: unknown kind '" + kind + "'");
}

// Whether the host reference accepts `layer` on an HBM of `size` bytes; its
// message in `why` when it does not.
bool host_accepts(const vtpu_layer& layer, uint64_t size, std::string& why) {
  try {
    vtpu::runtime::check_layer(layer, size);
    return true;
  } catch (const vtpu::Error& e) {
    why = e.what();
    return false;
  }
}

// The firmware's operand extents (vtpu/operands.h) against the host's checks:
// for every operand of random layers of each kind and precision, placed so it
// ends at the image's last byte both accept the layer, one byte further both
// refuse it, naming the same field. Prints a line per mismatch; returns how
// many layers were checked, or -1 on a mismatch.
long check_spans(uint32_t seed, unsigned layers) {
  static const char* const kinds[] = {"matmul",  "conv2d",    "pool", "elementwise",
                                      "softmax", "layernorm", "copy", "fill"};
  long checked = 0, bad = 0;
  // int8 products also with each compressed weights format.
  const std::pair<uint8_t, uint8_t> variants[] = {{VTPU_TYPE_INT8, VTPU_WEIGHTS_DENSE},
                                                  {VTPU_TYPE_BF16, VTPU_WEIGHTS_DENSE},
                                                  {VTPU_TYPE_INT8, VTPU_WEIGHTS_SPARSE_2_4},
                                                  {VTPU_TYPE_INT8, VTPU_WEIGHTS_INT4}};
  for (const char* kind : kinds) {
    const bool product = std::string(kind) == "matmul" || std::string(kind) == "conv2d";
    for (const auto& variant : variants) {
      const uint8_t dtype = variant.first, format = variant.second;
      if (format != VTPU_WEIGHTS_DENSE && !product) continue;
      Builder b(seed, dtype);
      b.set_weights_format(format);
      for (unsigned i = 0; i < layers; ++i) add_random(b, kind);
      b.image.finish(1u << 20);
      const uint64_t end = b.image.header().scratch + b.image.header().scratch_size;
      for (const vtpu_layer& layer : b.image.layers()) {
        vtpu_operand_span spans[VTPU_MAX_OPERAND_SPANS], scratch[VTPU_MAX_OPERAND_SPANS];
        std::string why;
        const uint32_t n = vtpu_layer_spans(&layer, spans);
        auto report = [&](const std::string& what) {
          std::printf("MISMATCH: %s layer (%s): %s\n", vtpu_layer_kind_name(layer.kind),
                      dtype == VTPU_TYPE_INT8 ? "int8" : "bf16", what.c_str());
          ++bad;
        };
        if (n == 0) report("no operands");
        if (vtpu_layer_outside(&layer, end, scratch) || !host_accepts(layer, end, why))
          report("refused as built: " + why);
        for (uint32_t s = 0; s < n; ++s) {
          if (spans[s].bytes > end) continue;
          for (const uint64_t offset : {end - spans[s].bytes, end - spans[s].bytes + 1}) {
            vtpu_layer moved = layer;
            std::memcpy(reinterpret_cast<uint8_t*>(&moved) + spans[s].at, &offset, 8);
            const vtpu_operand_span* out = vtpu_layer_outside(&moved, end, scratch);
            const bool host = host_accepts(moved, end, why);
            const bool inside = offset + spans[s].bytes <= end;
            const std::string field = spans[s].field;
            if (inside && (out || !host))
              report(field + " ending at the image's end refused: " + (out ? out->field : why));
            if (!inside && (!out || out->field != field || host ||
                            why.find(field + ": ") == std::string::npos))
              report(field + " one byte past the image's end: firmware " +
                     (out ? out->field : "accepts") + ", host " + (host ? "accepts" : why));
          }
        }
        ++checked;
      }
    }
  }
  return bad ? -1 : checked;
}

int check(const po::variables_map& vm) {
  if (vm.count("spans")) {
    const long checked = check_spans(vm["seed"].as<uint32_t>(), vm["layers"].as<unsigned>());
    if (checked < 0) return 1;
    std::printf("PASS: %ld layers, every operand's extent as the host reference checks it\n",
                checked);
    return 0;
  }
  std::vector<std::string> sets;
  if (vm.count("set")) sets = vm["set"].as<std::vector<std::string>>();
  const vtpu::config::Soc config = vtpu::config::load(vm["config"].as<std::string>(), sets);
  const std::string kind = vm.count("conv") ? "conv2d" : vm["kind"].as<std::string>();
  const std::string dtype_name = vm["dtype"].as<std::string>();
  if (dtype_name != "int8" && dtype_name != "bf16")
    throw vtpu::Error("--dtype: expected int8 or bf16, got '" + dtype_name + "'");
  const uint8_t dtype = dtype_name == "int8" ? VTPU_TYPE_INT8 : VTPU_TYPE_BF16;
  Builder b(vm["seed"].as<uint32_t>(), dtype);
  const std::string weights = vm["weights"].as<std::string>();
  if (weights != "dense" && weights != "2:4" && weights != "int4")
    throw vtpu::Error("--weights: expected dense, 2:4 or int4, got '" + weights + "'");
  b.set_resident(vm.count("resident") > 0);
  b.set_weights_format(weights == "2:4"    ? VTPU_WEIGHTS_SPARSE_2_4
                       : weights == "int4" ? VTPU_WEIGHTS_INT4
                                           : VTPU_WEIGHTS_DENSE);

  const std::string inject = vm.count("inject") ? vm["inject"].as<std::string>() : "";
  if (vm.count("matmul")) {
    unsigned m = 0, k = 0, n = 0;
    if (std::sscanf(vm["matmul"].as<std::string>().c_str(), "%u,%u,%u", &m, &k, &n) != 3 ||
        m == 0 || k == 0 || n == 0)
      throw vtpu::Error("--matmul: expected M,K,N (positive), got '" +
                        vm["matmul"].as<std::string>() + "'");
    add_matmul(b, m, k, n, 1, 0);
  } else if (vm.count("conv")) {
    std::array<uint32_t, 9> v{};
    const std::string text = vm["conv"].as<std::string>();
    if (std::sscanf(text.c_str(), "%u,%u,%u,%u,%u,%u,%u,%u,%u", &v[0], &v[1], &v[2], &v[3], &v[4],
                    &v[5], &v[6], &v[7], &v[8]) != 9 ||
        std::count(v.begin(), v.begin() + 8, 0u) != 0 || v[1] + 2 * v[8] < v[5] ||
        v[2] + 2 * v[8] < v[6])
      throw vtpu::Error(
          "--conv: expected N,H,W,CIN,COUT,KH,KW,STRIDE,PAD (a window that fits), got '" + text +
          "'");
    add_conv2d(b, v);
  } else if (vm.count("global-pool")) {
    unsigned h = 0, w = 0, c = 0;
    if (std::sscanf(vm["global-pool"].as<std::string>().c_str(), "%u,%u,%u", &h, &w, &c) != 3 ||
        h == 0 || w == 0 || c == 0 || h > 255 || w > 255)
      throw vtpu::Error("--global-pool: expected H,W,C (positive, H and W at most 255), got '" +
                        vm["global-pool"].as<std::string>() + "'");
    add_global_pool(b, h, w, c);
  } else {
    for (unsigned i = 0; i < vm["layers"].as<unsigned>(); ++i) add_random(b, kind);
  }
  const uint32_t failing = 1;
  if (!inject.empty()) {
    // Three matmuls; the middle one fails.
    b = Builder(vm["seed"].as<uint32_t>(), dtype);
    for (int i = 0; i < 3; ++i) add_matmul(b, 96, 40, 48, 1, 0);
    vtpu_layer& bad = b.image.layer(failing);
    if (inject == "accel") {
      // C straddles the HBM's end: the first row tiles store, a later one
      // faults. The image's scratch reaches past the HBM, so that the
      // firmware's own check (operands inside the image) lets it through.
      bad.u.matmul.c =
          vtpu::hbm_mapping(config).capacity() - uint64_t{bad.u.matmul.m} * bad.u.matmul.n / 2;
    } else if (inject == "bad-layer") {
      bad.kind = 99;
    } else if (inject == "bad-dataflow") {
      // A layer names ws or os (int8 only), or nothing: never the array's AUTO.
      bad.u.matmul.dataflow = dtype == VTPU_TYPE_BF16 ? VTPU_DATAFLOW_WS : VTPU_DATAFLOW_AUTO;
    } else if (inject != "outside") {
      throw vtpu::Error("--inject: expected accel, bad-layer, bad-dataflow or outside, got '" +
                        inject + "'");
    }
  }
  uint64_t scratch = vm["scratch-mib"].as<unsigned>() * (uint64_t{1} << 20);
  if (inject == "accel") scratch = vtpu::hbm_mapping(config).capacity();
  b.image.finish(scratch);
  if (inject == "outside") {
    // C's last half row past the end of the image (its scratch included),
    // inside the HBM: the firmware refuses the layer before issuing it.
    vtpu_layer& bad = b.image.layer(failing);
    const uint64_t end = b.image.header().scratch + b.image.header().scratch_size;
    bad.u.matmul.c = end - uint64_t{bad.u.matmul.m} * bad.u.matmul.n + bad.u.matmul.n / 2;
    b.image.write(b.image.header().layers + failing * sizeof(vtpu_layer), &bad, sizeof bad);
  }

  vtpu::RunOptions options;
  options.max_time = sc_core::sc_time(vm["max-time-ms"].as<double>(), sc_core::SC_MS);
  const vtpu::runtime::ModelRun run =
      vtpu::runtime::run_model(config, vm["firmware"].as<std::string>(), b.image, options);

  const std::vector<vtpu_layer>& layers = b.image.layers();
  for (size_t i = 0; i < run.layers.size(); ++i) {
    const vtpu_layer_result& r = run.layers[i];
    std::printf(
        "layer %zu %-11s%s cycles %llu  dma_busy %llu  mxu_busy %llu  vpu_busy %llu  "
        "macs %llu  dma_bytes %llu  matmuls ws %llu os %llu\n",
        i, vtpu_layer_kind_name(layers[i].kind),
        layers[i].flags & VTPU_LAYER_RESIDUAL ? " +residual" : "",
        static_cast<unsigned long long>(r.cycles),
        static_cast<unsigned long long>(r.counters[VTPU_CNT_DMA_BUSY]),
        static_cast<unsigned long long>(r.counters[VTPU_CNT_MXU_BUSY]),
        static_cast<unsigned long long>(r.counters[VTPU_CNT_VPU_BUSY]),
        static_cast<unsigned long long>(r.counters[VTPU_CNT_MACS]),
        static_cast<unsigned long long>(r.counters[VTPU_CNT_DMA_BYTES]),
        static_cast<unsigned long long>(r.counters[VTPU_CNT_MATMUL_WS]),
        static_cast<unsigned long long>(r.counters[VTPU_CNT_MATMUL_OS]));
  }
  if (!inject.empty()) {
    if (run.error.empty()) {
      std::printf("FAIL: the injected fault in layer %u was not reported\n", failing);
      return 1;
    }
    std::fprintf(stderr, "vtpu: %s\n", run.error.c_str());
    const bool right_layer = run.result.layer == failing;
    std::printf("%s: the run failed in layer %u (exit code %llu)\n", right_layer ? "PASS" : "FAIL",
                run.result.layer, static_cast<unsigned long long>(run.run.firmware_exit_code));
    return right_layer ? 0 : 1;
  }
  if (!run.error.empty()) {
    std::fprintf(stderr, "vtpu: %s\n", run.error.c_str());
    return 1;
  }

  // The reference, layer by layer, on the image as it went in.
  std::vector<uint8_t> expected = b.image.bytes();
  const vtpu::mxu::ArrayConfig array = vtpu::array_config(config);
  for (const vtpu_layer& l : layers) vtpu::runtime::reference_layer(l, array, expected);
  uint64_t compared = 0;
  for (const Output& o : b.outputs) {
    for (uint64_t i = 0; i < o.bytes; ++i) {
      if (expected[o.offset + i] != run.image[o.offset + i]) {
        size_t which = 0;
        for (size_t j = 0; j < b.outputs.size(); ++j)
          if (b.outputs[j].offset == o.offset) which = j;
        std::printf(
            "FAIL %s %s: output %zu (at 0x%llx) byte %llu of %llu: expected 0x%02x, "
            "got 0x%02x\n",
            kind.c_str(), dtype_name.c_str(), which, static_cast<unsigned long long>(o.offset),
            static_cast<unsigned long long>(i), static_cast<unsigned long long>(o.bytes),
            expected[o.offset + i], run.image[o.offset + i]);
        return 1;
      }
    }
    compared += o.bytes;
  }
  std::printf(
      "PASS %s %s: %zu layers, %llu output bytes bit-exact, %.0f ns simulated, %llu core "
      "instructions\n",
      kind.c_str(), dtype_name.c_str(), layers.size(), static_cast<unsigned long long>(compared),
      run.run.simulated_time.to_seconds() * 1e9,
      static_cast<unsigned long long>(run.run.instructions));
  return 0;
}

}  // namespace

int sc_main(int argc, char** argv) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  po::options_description desc("kernel_check options");
  desc.add_options()("help", "this help")("firmware", po::value<std::string>()->required(),
                                          "the firmware runtime ELF")(
      "config", po::value<std::string>()->default_value("edge"), "preset or .textproto")(
      "set", po::value<std::vector<std::string>>(), "config override key=value")(
      "kind", po::value<std::string>()->default_value("matmul"), "layer kind")(
      "dtype", po::value<std::string>()->default_value("int8"), "int8 or bf16")(
      "weights", po::value<std::string>()->default_value("dense"),
      "int8 matmul and conv2d weights: dense, 2:4 or int4")(
      "layers", po::value<unsigned>()->default_value(6), "random layers")(
      "seed", po::value<uint32_t>()->default_value(1), "random seed")(
      "matmul", po::value<std::string>(), "one M,K,N int8 matmul")(
      "global-pool", po::value<std::string>(), "one H,W,C global average pool (two images)")(
      "conv", po::value<std::string>(), "one N,H,W,CIN,COUT,KH,KW,STRIDE,PAD convolution")(
      "resident", "pools: input and output kept in VMEM (copied in and out)")(
      "inject", po::value<std::string>(), "accel, bad-layer, bad-dataflow or outside")(
      "spans", "check operand extents against the host reference, no run")(
      "scratch-mib", po::value<unsigned>()->default_value(16), "scratch space")(
      "max-time-ms", po::value<double>()->default_value(1000.0), "simulated time limit");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
    po::notify(vm);
    return check(vm);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kernel_check: %s\n", e.what());
    return 2;
  }
}
