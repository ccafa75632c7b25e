// The vector unit's check, function and timing (docs/vpu.md).
//
// execute() works a row at a time: it widens a row of each operand into an
// fp32 (or int32) buffer, applies the operation to the whole buffer in one
// loop the compiler can vectorise, and narrows the result into D. An output
// row's inputs are all read before the row is written, which is what makes
// an elementwise operation with D exactly over A (or B) safe.
#include "models/vpu/vpu.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>
#include <utility>

#include "models/vpu/numerics.h"

namespace vtpu::vpu {
namespace {

namespace nm = vtpu::numerics;

enum class Kind { kBinary, kUnary, kRequant, kQuant, kDequant, kConvert, kPool, kReduce };

struct OpInfo {
  uint8_t op;
  const char* name;
  Kind kind;
  OpTiming timing;
};

// Every operation, once: its kind and its timing row. docs/vpu.md ("Timing")
// lists the same table; change both together.
constexpr OpInfo kOps[] = {
    {VTPU_VPU_ADD, "add", Kind::kBinary, {4, 1}},
    {VTPU_VPU_SUB, "sub", Kind::kBinary, {4, 1}},
    {VTPU_VPU_MUL, "mul", Kind::kBinary, {4, 1}},
    {VTPU_VPU_MAX, "max", Kind::kBinary, {4, 1}},
    {VTPU_VPU_MIN, "min", Kind::kBinary, {4, 1}},
    {VTPU_VPU_RELU, "relu", Kind::kUnary, {2, 1}},
    {VTPU_VPU_RELU6, "relu6", Kind::kUnary, {2, 1}},
    {VTPU_VPU_GELU_ERF, "gelu_erf", Kind::kUnary, {16, 4}},
    {VTPU_VPU_GELU_TANH, "gelu_tanh", Kind::kUnary, {14, 3}},
    {VTPU_VPU_SIGMOID, "sigmoid", Kind::kUnary, {12, 2}},
    {VTPU_VPU_TANH, "tanh", Kind::kUnary, {12, 2}},
    {VTPU_VPU_EXP, "exp", Kind::kUnary, {10, 2}},
    {VTPU_VPU_RSQRT, "rsqrt", Kind::kUnary, {10, 2}},
    {VTPU_VPU_RECIP, "recip", Kind::kUnary, {10, 2}},
    {VTPU_VPU_HARDSIGMOID, "hardsigmoid", Kind::kUnary, {4, 1}},
    {VTPU_VPU_HARDSWISH, "hardswish", Kind::kUnary, {4, 1}},
    {VTPU_VPU_SILU, "silu", Kind::kUnary, {14, 3}},
    {VTPU_VPU_MISH, "mish", Kind::kUnary, {20, 4}},
    {VTPU_VPU_REQUANT, "requant", Kind::kRequant, {6, 1}},
    {VTPU_VPU_QUANT, "quant", Kind::kQuant, {8, 1}},
    {VTPU_VPU_DEQUANT, "dequant", Kind::kDequant, {4, 1}},
    {VTPU_VPU_CONVERT, "convert", Kind::kConvert, {2, 1}},
    {VTPU_VPU_REQUANT_RELU, "requant_relu", Kind::kRequant, {6, 1}},
    // REQUANT's stages feeding the int8 ADD's (4 + its 8 of (de)quantizing).
    {VTPU_VPU_REQUANT_ADD, "requant_add", Kind::kRequant, {18, 1}},
    {VTPU_VPU_REQUANT_RELU_ADD, "requant_relu_add", Kind::kRequant, {18, 1}},
    {VTPU_VPU_MAXPOOL, "maxpool", Kind::kPool, {4, 1}},
    {VTPU_VPU_AVGPOOL, "avgpool", Kind::kPool, {6, 1}},
    {VTPU_VPU_REDUCE_SUM, "reduce_sum", Kind::kReduce, {4, 1}},
    {VTPU_VPU_REDUCE_MAX, "reduce_max", Kind::kReduce, {4, 1}},
};

const OpInfo* find_op(uint8_t op) {
  for (const OpInfo& info : kOps) {
    if (info.op == op) return &info;
  }
  return nullptr;
}

bool is_float(uint8_t type) {
  return type == VTPU_TYPE_FP32 || type == VTPU_TYPE_BF16;
}

// The type combinations each operation takes (docs/vpu.md, "Types").
bool types_supported(const vtpu_insn_vpu& insn, Kind kind) {
  const uint8_t a = insn.a_type, d = insn.d_type;
  const bool float_to_float = is_float(a) && is_float(d);
  const bool same_int = a == d && (a == VTPU_TYPE_INT8 || a == VTPU_TYPE_INT32);
  switch (kind) {
    case Kind::kBinary: return float_to_float || same_int;
    case Kind::kUnary: return float_to_float;
    case Kind::kRequant: return a == VTPU_TYPE_INT32 && d == VTPU_TYPE_INT8;
    case Kind::kQuant: return is_float(a) && d == VTPU_TYPE_INT8;
    case Kind::kDequant: return a == VTPU_TYPE_INT8 && is_float(d);
    case Kind::kConvert:
      return (a == VTPU_TYPE_FP32 && d == VTPU_TYPE_BF16) ||
             (a == VTPU_TYPE_BF16 && d == VTPU_TYPE_FP32) ||
             (a == VTPU_TYPE_INT32 && d == VTPU_TYPE_FP32);
    case Kind::kPool:
      if (insn.op == VTPU_VPU_MAXPOOL) return float_to_float || same_int;
      return float_to_float || (a == VTPU_TYPE_INT8 && d == VTPU_TYPE_INT8);
    case Kind::kReduce:
      if (insn.op == VTPU_VPU_REDUCE_MAX) return float_to_float || same_int;
      return float_to_float || (a == VTPU_TYPE_INT32 && d == VTPU_TYPE_INT32);
  }
  return false;
}

bool uses_scales(Kind kind) {
  return kind == Kind::kRequant || kind == Kind::kQuant || kind == Kind::kDequant;
}

// Footprints can exceed 64 bits for absurd fields; saturating keeps them
// "too big for any memory" instead of wrapping into a small number.
uint64_t mul_sat(uint64_t a, uint64_t b) {
  return (a != 0 && b > std::numeric_limits<uint64_t>::max() / a)
             ? std::numeric_limits<uint64_t>::max()
             : a * b;
}

uint64_t add_sat(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

// The shapes of A and D that the fields imply.
struct Geometry {
  uint64_t in_cols;   // A's elements per row: cols, or cols * channels when pooling
  uint64_t out_rows;  // D's rows (0 if the pooling window does not fit)
  uint64_t out_cols;  // D's elements per row
  PoolWindow window;  // pooling only
};

Geometry geometry(const vtpu_insn_vpu& insn, Kind kind) {
  Geometry g{insn.cols, insn.rows, insn.cols, pool_window(insn.pool)};
  if (kind == Kind::kReduce) g.out_cols = 1;
  if (kind == Kind::kPool) {
    const PoolWindow& w = g.window;
    g.in_cols = mul_sat(insn.cols, insn.channels);
    if (w.height == 0 || w.width == 0 || w.stride_y == 0 || w.stride_x == 0 ||
        w.height > insn.rows || w.width > insn.cols) {
      g.out_rows = g.out_cols = 0;
    } else {
      g.out_rows = (insn.rows - w.height) / w.stride_y + 1;
      g.out_cols = mul_sat((insn.cols - w.width) / w.stride_x + 1, insn.channels);
    }
  }
  return g;
}

// An operand: `rows` rows of `row_bytes` bytes, `stride` apart, from
// `address`, made of elements of `element` bytes.
struct Footprint {
  uint64_t address, rows, stride, row_bytes, element;
};

// Element-aligned (the address, and the stride if there is more than one
// row) and inside one memory.
bool addressable(const std::vector<Memory>& memories, const Footprint& f) {
  if (f.address % f.element != 0 || (f.rows > 1 && f.stride % f.element != 0)) return false;
  const uint64_t span = add_sat(mul_sat(f.rows - 1, f.stride), f.row_bytes);
  for (const Memory& m : memories) {
    if (f.address < m.base) continue;
    const uint64_t offset = f.address - m.base;
    if (offset < m.size && span <= m.size - offset) return true;
  }
  return false;
}

// The type to blame for an unsupported combination: a_type if the operation
// takes it with no d_type at all, else d_type.
uint8_t offending_type(const vtpu_insn_vpu& insn, Kind kind) {
  vtpu_insn_vpu probe = insn;
  for (uint8_t d : {VTPU_TYPE_INT8, VTPU_TYPE_INT32, VTPU_TYPE_BF16, VTPU_TYPE_FP32}) {
    probe.d_type = d;
    if (types_supported(probe, kind)) return insn.d_type;
  }
  return insn.a_type;
}

// ---- execution ---------------------------------------------------------------

uint8_t* host(const std::vector<Memory>& memories, uint64_t address) {
  for (const Memory& m : memories) {
    if (address >= m.base && address - m.base < m.size) return m.data + (address - m.base);
  }
  return nullptr;  // not reached once check() has passed
}

// Widens n elements of `type` at p into fp32 (memcpy: the host pointer need
// not be aligned even when the bus address is).
void load_row(const uint8_t* p, uint8_t type, size_t n, float* out) {
  switch (type) {
    case VTPU_TYPE_FP32: std::memcpy(out, p, n * sizeof(float)); break;
    case VTPU_TYPE_BF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, sizeof h);
        out[i] = nm::bf16_to_f32(h);
      }
      break;
    case VTPU_TYPE_INT32:  // CONVERT int32 -> fp32: round to nearest even
      for (size_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, p + 4 * i, sizeof v);
        out[i] = static_cast<float>(v);
      }
      break;
    case VTPU_TYPE_INT8:  // AVGPOOL int8: exact
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<int8_t>(p[i]);
      break;
  }
}

// Widens n INT8 or INT32 elements at p into int32.
void load_row(const uint8_t* p, uint8_t type, size_t n, int32_t* out) {
  if (type == VTPU_TYPE_INT32) {
    std::memcpy(out, p, n * sizeof(int32_t));
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<int8_t>(p[i]);
  }
}

// Narrows n fp32 values into FP32 or BF16 (round to nearest even) at p.
void store_row(uint8_t* p, uint8_t type, size_t n, const float* in) {
  if (type == VTPU_TYPE_FP32) {
    std::memcpy(p, in, n * sizeof(float));
  } else {
    for (size_t i = 0; i < n; ++i) {
      const uint16_t h = nm::f32_to_bf16(in[i]);
      std::memcpy(p + 2 * i, &h, sizeof h);
    }
  }
}

// Stores n int32 values as INT32, or as INT8 (the values are already in range).
void store_row(uint8_t* p, uint8_t type, size_t n, const int32_t* in) {
  if (type == VTPU_TYPE_INT32) {
    std::memcpy(p, in, n * sizeof(int32_t));
  } else {
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(static_cast<int8_t>(in[i]));
  }
}

// Two's-complement wrap-around (modular conversion, as GCC and Clang define it).
int32_t wrap(uint32_t v) {
  return static_cast<int32_t>(v);
}

template <typename T, typename F>
void map2(const T* a, const T* b, T* out, size_t n, F f) {
  for (size_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
}

void apply_binary(uint8_t op, const float* a, const float* b, float* out, size_t n) {
  switch (op) {
    case VTPU_VPU_ADD: map2(a, b, out, n, [](float x, float y) { return x + y; }); break;
    case VTPU_VPU_SUB: map2(a, b, out, n, [](float x, float y) { return x - y; }); break;
    case VTPU_VPU_MUL: map2(a, b, out, n, [](float x, float y) { return x * y; }); break;
    case VTPU_VPU_MAX:
      map2(a, b, out, n, [](float x, float y) { return nm::max_f32(x, y); });
      break;
    case VTPU_VPU_MIN:
      map2(a, b, out, n, [](float x, float y) { return nm::min_f32(x, y); });
      break;
  }
}

void apply_binary(uint8_t op, const int32_t* a, const int32_t* b, int32_t* out, size_t n) {
  auto u = [](int32_t v) { return static_cast<uint32_t>(v); };
  switch (op) {
    case VTPU_VPU_ADD:
      map2(a, b, out, n, [u](int32_t x, int32_t y) { return wrap(u(x) + u(y)); });
      break;
    case VTPU_VPU_SUB:
      map2(a, b, out, n, [u](int32_t x, int32_t y) { return wrap(u(x) - u(y)); });
      break;
    case VTPU_VPU_MUL:
      map2(a, b, out, n, [u](int32_t x, int32_t y) { return wrap(u(x) * u(y)); });
      break;
    case VTPU_VPU_MAX:
      map2(a, b, out, n, [](int32_t x, int32_t y) { return std::max(x, y); });
      break;
    case VTPU_VPU_MIN:
      map2(a, b, out, n, [](int32_t x, int32_t y) { return std::min(x, y); });
      break;
  }
}

// T is float for FP32/BF16 operands, int32_t for INT32; `scalar` is B under
// VTPU_BCAST_SCALAR.
template <typename T>
void run_binary(const vtpu_insn_vpu& insn, const std::vector<Memory>& memories, T scalar) {
  const size_t cols = insn.cols;
  const uint8_t* a = host(memories, insn.a_addr);
  uint8_t* d = host(memories, insn.d_addr);
  const uint8_t* b = insn.b_mode == VTPU_BCAST_SCALAR ? nullptr : host(memories, insn.b_addr);
  std::vector<T> av(cols), bv(cols, scalar), out(cols);
  if (insn.b_mode == VTPU_BCAST_ROW) load_row(b, insn.a_type, cols, bv.data());
  for (uint64_t r = 0; r < insn.rows; ++r) {
    load_row(a + r * insn.a_stride, insn.a_type, cols, av.data());
    if (insn.b_mode == VTPU_BCAST_NONE)
      load_row(b + r * insn.b_stride, insn.a_type, cols, bv.data());
    if (insn.b_mode == VTPU_BCAST_COL) {
      T v;
      load_row(b + r * insn.b_stride, insn.a_type, 1, &v);
      std::fill(bv.begin(), bv.end(), v);
    }
    apply_binary(insn.op, av.data(), bv.data(), out.data(), cols);
    store_row(d + r * insn.d_stride, insn.d_type, cols, out.data());
  }
}

// int8 ADD..MIN: both operands dequantized with their own parameters, the
// fp32 operation, quantized into D; the same numbers as DEQUANT, the float
// operation and QUANT one after another.
void run_int8_binary(const vtpu_insn_vpu& insn, const std::vector<Memory>& memories) {
  vtpu_vpu_qparams q;
  std::memcpy(&q, host(memories, insn.scale_addr), sizeof q);
  const size_t cols = insn.cols;
  const uint8_t* a = host(memories, insn.a_addr);
  uint8_t* d = host(memories, insn.d_addr);
  const uint8_t* b = insn.b_mode == VTPU_BCAST_SCALAR ? nullptr : host(memories, insn.b_addr);
  std::vector<float> av(cols), bv(cols, insn.scale), out(cols);
  std::vector<int32_t> ints(cols);
  auto dequantize = [&](const uint8_t* p, size_t n, float scale, int32_t zp, float* to) {
    for (size_t i = 0; i < n; ++i)
      to[i] = nm::dequantize_int8(static_cast<int8_t>(p[i]), scale, zp);
  };
  if (insn.b_mode == VTPU_BCAST_ROW) dequantize(b, cols, q.b_scale, q.b_zero_point, bv.data());
  for (uint64_t r = 0; r < insn.rows; ++r) {
    dequantize(a + r * insn.a_stride, cols, q.a_scale, q.a_zero_point, av.data());
    if (insn.b_mode == VTPU_BCAST_NONE)
      dequantize(b + r * insn.b_stride, cols, q.b_scale, q.b_zero_point, bv.data());
    if (insn.b_mode == VTPU_BCAST_COL) {
      float v;
      dequantize(b + r * insn.b_stride, 1, q.b_scale, q.b_zero_point, &v);
      std::fill(bv.begin(), bv.end(), v);
    }
    apply_binary(insn.op, av.data(), bv.data(), out.data(), cols);
    for (size_t c = 0; c < cols; ++c)
      ints[c] = nm::quantize_int8(out[c], q.d_scale, q.d_zero_point);
    store_row(d + r * insn.d_stride, VTPU_TYPE_INT8, cols, ints.data());
  }
}

template <typename F>
void map1(float* v, size_t n, F f) {
  for (size_t i = 0; i < n; ++i) v[i] = f(v[i]);
}

void apply_unary(uint8_t op, float* v, size_t n) {
  switch (op) {
    case VTPU_VPU_RELU: map1(v, n, [](float x) { return nm::relu(x); }); break;
    case VTPU_VPU_RELU6: map1(v, n, [](float x) { return nm::relu6(x); }); break;
    case VTPU_VPU_GELU_ERF: map1(v, n, [](float x) { return nm::gelu_erf(x); }); break;
    case VTPU_VPU_GELU_TANH: map1(v, n, [](float x) { return nm::gelu_tanh(x); }); break;
    case VTPU_VPU_SIGMOID: map1(v, n, [](float x) { return nm::sigmoid(x); }); break;
    case VTPU_VPU_TANH: map1(v, n, [](float x) { return nm::tanh_f32(x); }); break;
    case VTPU_VPU_EXP: map1(v, n, [](float x) { return nm::exp_f32(x); }); break;
    case VTPU_VPU_RSQRT: map1(v, n, [](float x) { return nm::rsqrt(x); }); break;
    case VTPU_VPU_RECIP: map1(v, n, [](float x) { return nm::reciprocal(x); }); break;
    case VTPU_VPU_HARDSIGMOID: map1(v, n, [](float x) { return nm::hard_sigmoid(x); }); break;
    case VTPU_VPU_HARDSWISH: map1(v, n, [](float x) { return nm::hard_swish(x); }); break;
    case VTPU_VPU_SILU: map1(v, n, [](float x) { return nm::silu(x); }); break;
    case VTPU_VPU_MISH: map1(v, n, [](float x) { return nm::mish(x); }); break;
  }
}

// UNARY and CONVERT: widen, apply (nothing for CONVERT), narrow.
void run_elementwise(const vtpu_insn_vpu& insn, const std::vector<Memory>& memories, bool unary) {
  const size_t cols = insn.cols;
  const uint8_t* a = host(memories, insn.a_addr);
  uint8_t* d = host(memories, insn.d_addr);
  std::vector<float> v(cols);
  for (uint64_t r = 0; r < insn.rows; ++r) {
    load_row(a + r * insn.a_stride, insn.a_type, cols, v.data());
    if (unary) apply_unary(insn.op, v.data(), cols);
    store_row(d + r * insn.d_stride, insn.d_type, cols, v.data());
  }
}

// REQUANT, QUANT, DEQUANT: one fp32 scale per column.
void run_quantization(const vtpu_insn_vpu& insn, const std::vector<Memory>& memories, Kind kind) {
  const size_t cols = insn.cols;
  const int32_t zp = insn.zero_point;
  const uint8_t* a = host(memories, insn.a_addr);
  uint8_t* d = host(memories, insn.d_addr);
  std::vector<float> scales(cols, insn.scale), values(cols);
  std::vector<int32_t> ints(cols);
  if (insn.scale_addr != 0) {
    std::memcpy(scales.data(), host(memories, insn.scale_addr), cols * sizeof(float));
  }
  // REQUANT's bias (b_mode VTPU_BCAST_ROW), added with wrap-around as ADD
  // does on int32, and REQUANT_RELU's max(., 0), both before the scaling.
  std::vector<int32_t> bias(cols, 0);
  if (kind == Kind::kRequant && insn.b_mode == VTPU_BCAST_ROW)
    load_row(host(memories, insn.b_addr), VTPU_TYPE_INT32, cols, bias.data());
  const bool relu = insn.op == VTPU_VPU_REQUANT_RELU || insn.op == VTPU_VPU_REQUANT_RELU_ADD;
  // REQUANT_ADD's residual: the int8 ADD of the requantized value (A's
  // parameters) and R (B's), quantized with D's, as run_int8_binary() does.
  const bool residual = reads_residual(insn.op);
  vtpu_vpu_qparams q{};
  if (residual) std::memcpy(&q, host(memories, insn.r_params), sizeof q);
  const uint8_t* r_base = residual ? host(memories, insn.r_addr) : nullptr;
  // quantize_int8(), vectorised where the output's zero point allows.
  const bool branch_free =
      q.d_zero_point >= -nm::kBranchFreeZeroPoint && q.d_zero_point <= nm::kBranchFreeZeroPoint;
  for (uint64_t r = 0; r < insn.rows; ++r) {
    const uint8_t* a_row = a + r * insn.a_stride;
    uint8_t* d_row = d + r * insn.d_stride;
    if (kind == Kind::kRequant) {
      load_row(a_row, insn.a_type, cols, ints.data());
      for (size_t c = 0; c < cols; ++c)
        ints[c] =
            static_cast<int32_t>(static_cast<uint32_t>(ints[c]) + static_cast<uint32_t>(bias[c]));
      if (relu)
        for (int32_t& v : ints) v = std::max(v, 0);
      nm::requantize_int8_row(ints.data(), scales.data(), zp, ints.data(), cols);
      if (residual) {
        const uint8_t* r_row = r_base + r * insn.r_stride;
        for (size_t c = 0; c < cols; ++c) {
          const float x =
              nm::dequantize_int8(static_cast<int8_t>(ints[c]), q.a_scale, q.a_zero_point);
          const float y =
              nm::dequantize_int8(static_cast<int8_t>(r_row[c]), q.b_scale, q.b_zero_point);
          ints[c] = branch_free ? nm::round_to_int8_branch_free((x + y) / q.d_scale, q.d_zero_point)
                                : nm::quantize_int8(x + y, q.d_scale, q.d_zero_point);
        }
      }
      store_row(d_row, insn.d_type, cols, ints.data());
    } else if (kind == Kind::kQuant) {
      load_row(a_row, insn.a_type, cols, values.data());
      for (size_t c = 0; c < cols; ++c) ints[c] = nm::quantize_int8(values[c], scales[c], zp);
      store_row(d_row, insn.d_type, cols, ints.data());
    } else {
      load_row(a_row, insn.a_type, cols, ints.data());
      for (size_t c = 0; c < cols; ++c) {
        values[c] = nm::dequantize_int8(static_cast<int8_t>(ints[c]), scales[c], zp);
      }
      store_row(d_row, insn.d_type, cols, values.data());
    }
  }
}

// Folds every window of an HWC image into `acc`, one output row at a time:
// element (ky, kx) = (0, 0) first, then combine(acc, element) in (ky, kx)
// order, each window row's kx ascending; then emit(output row, acc).
template <typename T, typename Combine, typename Emit>
void fold_windows(const vtpu_insn_vpu& insn, const Geometry& g, const uint8_t* a, Combine combine,
                  Emit emit) {
  const PoolWindow& w = g.window;
  const size_t channels = insn.channels;
  const size_t out_width = g.out_cols / channels;
  std::vector<T> in(g.in_cols), acc(g.out_cols);
  for (uint64_t oy = 0; oy < g.out_rows; ++oy) {
    for (uint32_t ky = 0; ky < w.height; ++ky) {
      load_row(a + (oy * w.stride_y + ky) * insn.a_stride, insn.a_type, in.size(), in.data());
      for (uint32_t kx = 0; kx < w.width; ++kx) {
        for (size_t ox = 0; ox < out_width; ++ox) {
          const T* src = in.data() + (ox * w.stride_x + kx) * channels;
          T* dst = acc.data() + ox * channels;
          if (ky == 0 && kx == 0) {
            std::copy(src, src + channels, dst);
          } else {
            for (size_t c = 0; c < channels; ++c) dst[c] = combine(dst[c], src[c]);
          }
        }
      }
    }
    emit(oy, acc);
  }
}

// The taps of window `start` along one axis of `size` lines whose first
// `skip_begin` and last `skip_end` are uncounted: [first, last).
std::pair<uint32_t, uint32_t> counted_taps(uint64_t start, uint32_t window, uint64_t size,
                                           uint32_t skip_begin, uint32_t skip_end) {
  const uint64_t begin = std::max<uint64_t>(start, skip_begin);
  const uint64_t end = std::min<uint64_t>(start + window, size - skip_end);
  return {static_cast<uint32_t>(begin - start), static_cast<uint32_t>(end - start)};
}

// AVGPOOL with uncounted edges: each window sums its counted taps in (ky, kx)
// order (acc = the first, then acc + e) and multiplies by 1.0f / their count.
template <typename Emit>
void average_counted(const vtpu_insn_vpu& insn, const Geometry& g, const uint8_t* a, Emit emit) {
  const PoolWindow& w = g.window;
  const Edges skip = edges(insn.uncounted);
  const size_t channels = insn.channels;
  const size_t out_width = g.out_cols / channels;
  std::vector<float> row(g.in_cols), acc(g.out_cols);
  // The counted columns of each output column's window (the same on every row).
  std::vector<std::pair<uint32_t, uint32_t>> columns(out_width);
  for (size_t ox = 0; ox < out_width; ++ox)
    columns[ox] = counted_taps(ox * w.stride_x, w.width, insn.cols, skip.left, skip.right);
  for (uint64_t oy = 0; oy < g.out_rows; ++oy) {
    const auto [ky0, ky1] =
        counted_taps(oy * w.stride_y, w.height, insn.rows, skip.top, skip.bottom);
    for (uint32_t ky = ky0; ky < ky1; ++ky) {
      load_row(a + (oy * w.stride_y + ky) * insn.a_stride, insn.a_type, row.size(), row.data());
      for (size_t ox = 0; ox < out_width; ++ox) {
        const auto [kx0, kx1] = columns[ox];
        float* dst = acc.data() + ox * channels;
        for (uint32_t kx = kx0; kx < kx1; ++kx) {
          const float* src = row.data() + (ox * w.stride_x + kx) * channels;
          if (ky == ky0 && kx == kx0) {
            std::copy(src, src + channels, dst);
          } else {
            for (size_t c = 0; c < channels; ++c) dst[c] += src[c];
          }
        }
      }
    }
    for (size_t ox = 0; ox < out_width; ++ox) {
      const float inv =
          1.0f / static_cast<float>((ky1 - ky0) * (columns[ox].second - columns[ox].first));
      for (size_t c = 0; c < channels; ++c) acc[ox * channels + c] *= inv;
    }
    emit(oy, acc);
  }
}

void run_pool(const vtpu_insn_vpu& insn, const std::vector<Memory>& memories, const Geometry& g) {
  const uint8_t* a = host(memories, insn.a_addr);
  uint8_t* d = host(memories, insn.d_addr);
  auto store = [&](uint64_t oy, const auto& values) {
    store_row(d + oy * insn.d_stride, insn.d_type, values.size(), values.data());
  };
  if (insn.op == VTPU_VPU_MAXPOOL) {
    if (is_float(insn.a_type)) {
      fold_windows<float>(
          insn, g, a, [](float x, float y) { return nm::max_f32(x, y); }, store);
    } else {
      fold_windows<int32_t>(
          insn, g, a, [](int32_t x, int32_t y) { return std::max(x, y); }, store);
    }
    return;
  }
  std::vector<int32_t> ints(insn.d_type == VTPU_TYPE_INT8 ? g.out_cols : 0);
  auto round = [&](uint64_t oy, std::vector<float>& averages) {
    if (insn.d_type != VTPU_TYPE_INT8) return store(oy, averages);
    for (size_t i = 0; i < averages.size(); ++i) ints[i] = nm::round_to_int8(averages[i], 0);
    store(oy, ints);
  };
  if (insn.uncounted != 0) return average_counted(insn, g, a, round);
  const float inv_window = 1.0f / static_cast<float>(g.window.height * g.window.width);
  auto average = [&](uint64_t oy, std::vector<float>& sums) {
    for (float& s : sums) s *= inv_window;
    round(oy, sums);
  };
  fold_windows<float>(
      insn, g, a, [](float x, float y) { return x + y; }, average);
}

template <typename T, typename Combine>
void reduce_rows(const vtpu_insn_vpu& insn, const std::vector<Memory>& memories, Combine combine) {
  const uint8_t* a = host(memories, insn.a_addr);
  uint8_t* d = host(memories, insn.d_addr);
  std::vector<T> row(insn.cols);
  for (uint64_t r = 0; r < insn.rows; ++r) {
    load_row(a + r * insn.a_stride, insn.a_type, row.size(), row.data());
    T acc = row[0];
    for (size_t c = 1; c < row.size(); ++c) acc = combine(acc, row[c]);
    store_row(d + r * insn.d_stride, insn.d_type, 1, &acc);
  }
}

void run_reduce(const vtpu_insn_vpu& insn, const std::vector<Memory>& memories) {
  const bool sum = insn.op == VTPU_VPU_REDUCE_SUM;
  if (is_float(insn.a_type)) {
    if (sum) {
      reduce_rows<float>(insn, memories, [](float x, float y) { return x + y; });
    } else {
      reduce_rows<float>(insn, memories, [](float x, float y) { return nm::max_f32(x, y); });
    }
  } else if (sum) {
    reduce_rows<int32_t>(insn, memories, [](int32_t x, int32_t y) {
      return wrap(static_cast<uint32_t>(x) + static_cast<uint32_t>(y));
    });
  } else {
    reduce_rows<int32_t>(insn, memories, [](int32_t x, int32_t y) { return std::max(x, y); });
  }
}

// AVGPOOL's uncounted edges leave every window a counted tap (other
// operations have none). The counted lines along an axis are one run, so the
// first and the last window decide.
bool counts_every_window(const vtpu_insn_vpu& insn, const Geometry& g) {
  if (insn.op != VTPU_VPU_AVGPOOL) return false;
  const PoolWindow& w = g.window;
  const Edges skip = edges(insn.uncounted);
  auto axis = [](uint64_t size, uint32_t window, uint32_t stride, uint64_t outputs, uint32_t begin,
                 uint32_t end) {
    return uint64_t{begin} + end < size && begin < window && (outputs - 1) * stride < size - end;
  };
  return axis(insn.rows, w.height, w.stride_y, g.out_rows, skip.top, skip.bottom) &&
         axis(insn.cols, w.width, w.stride_x, g.out_cols / insn.channels, skip.left, skip.right);
}

}  // namespace

Fault check(const vtpu_insn_vpu& insn, const std::vector<Memory>& memories) {
  const OpInfo* info = find_op(insn.op);
  if (info == nullptr) return {VTPU_ERR_OPCODE, insn.op};
  const Kind kind = info->kind;
  if (!types_supported(insn, kind)) return {VTPU_ERR_TYPE, offending_type(insn, kind)};
  if (kind == Kind::kBinary && insn.b_mode > VTPU_BCAST_SCALAR) {
    return {VTPU_ERR_SHAPE, insn.b_mode};
  }
  // REQUANT takes a bias row or no B.
  if (kind == Kind::kRequant && insn.b_mode != VTPU_BCAST_NONE && insn.b_mode != VTPU_BCAST_ROW)
    return {VTPU_ERR_SHAPE, insn.b_mode};
  if (insn.rows == 0 || insn.cols == 0) return {VTPU_ERR_SHAPE, 0};
  if (kind == Kind::kPool && insn.channels == 0) return {VTPU_ERR_SHAPE, 0};
  const Geometry g = geometry(insn, kind);
  if (g.out_rows == 0) return {VTPU_ERR_SHAPE, insn.pool};  // the window does not fit
  if (!reads_residual(insn.op) && insn.uncounted != 0 && !counts_every_window(insn, g))
    return {VTPU_ERR_SHAPE, insn.uncounted};
  const uint64_t a_bytes = vtpu_type_size(insn.a_type), d_bytes = vtpu_type_size(insn.d_type);
  const uint64_t d_row_bytes = mul_sat(g.out_cols, d_bytes);
  if (g.out_rows > 1 && insn.d_stride < d_row_bytes) return {VTPU_ERR_SHAPE, insn.d_stride};

  const Footprint a{insn.a_addr, insn.rows, insn.a_stride, mul_sat(g.in_cols, a_bytes), a_bytes};
  if (!addressable(memories, a)) return {VTPU_ERR_ADDRESS, insn.a_addr};
  if ((kind == Kind::kBinary && insn.b_mode != VTPU_BCAST_SCALAR) ||
      (kind == Kind::kRequant && insn.b_mode == VTPU_BCAST_ROW)) {
    Footprint b{insn.b_addr, insn.rows, insn.b_stride, insn.cols * a_bytes, a_bytes};
    if (insn.b_mode == VTPU_BCAST_ROW) b.rows = 1;
    if (insn.b_mode == VTPU_BCAST_COL) b.row_bytes = a_bytes;
    if (!addressable(memories, b)) return {VTPU_ERR_ADDRESS, insn.b_addr};
  }
  if (uses_scales(kind) && insn.scale_addr != 0 &&
      !addressable(memories, {insn.scale_addr, 1, 0, insn.cols * uint64_t{4}, 4})) {
    return {VTPU_ERR_ADDRESS, insn.scale_addr};
  }
  if (kind == Kind::kBinary && insn.a_type == VTPU_TYPE_INT8 &&
      !addressable(memories, {insn.scale_addr, 1, 0, sizeof(vtpu_vpu_qparams), 4})) {
    return {VTPU_ERR_ADDRESS, insn.scale_addr};
  }
  if (reads_residual(insn.op)) {
    if (!addressable(memories, {insn.r_addr, insn.rows, insn.r_stride, insn.cols, 1}))
      return {VTPU_ERR_ADDRESS, insn.r_addr};
    if (!addressable(memories, {insn.r_params, 1, 0, sizeof(vtpu_vpu_qparams), 4}))
      return {VTPU_ERR_ADDRESS, insn.r_params};
  }
  if (!addressable(memories, {insn.d_addr, g.out_rows, insn.d_stride, d_row_bytes, d_bytes})) {
    return {VTPU_ERR_ADDRESS, insn.d_addr};
  }
  return {VTPU_ERR_NONE, 0};
}

void execute(const vtpu_insn_vpu& insn, const std::vector<Memory>& memories) {
  const OpInfo* info = find_op(insn.op);
  if (info == nullptr) return;
  switch (info->kind) {
    case Kind::kBinary:
      if (insn.a_type == VTPU_TYPE_INT8) {
        run_int8_binary(insn, memories);
      } else if (is_float(insn.a_type)) {
        run_binary<float>(insn, memories, insn.scale);
      } else {
        run_binary<int32_t>(insn, memories, insn.zero_point);
      }
      break;
    case Kind::kUnary: run_elementwise(insn, memories, true); break;
    case Kind::kConvert: run_elementwise(insn, memories, false); break;
    case Kind::kRequant:
    case Kind::kQuant:
    case Kind::kDequant: run_quantization(insn, memories, info->kind); break;
    case Kind::kPool: run_pool(insn, memories, geometry(insn, info->kind)); break;
    case Kind::kReduce: run_reduce(insn, memories); break;
  }
}

OpTiming op_timing(uint8_t op) {
  const OpInfo* info = find_op(op);
  return info ? info->timing : OpTiming{0, 0};
}

const char* op_name(uint8_t op) {
  const OpInfo* info = find_op(op);
  return info ? info->name : nullptr;
}

uint64_t work_elements(const vtpu_insn_vpu& insn) {
  const OpInfo* info = find_op(insn.op);
  if (info == nullptr) return 0;
  const Geometry g = geometry(insn, info->kind);
  if (info->kind == Kind::kPool) {
    return mul_sat(mul_sat(g.out_rows, g.out_cols), uint64_t{g.window.height} * g.window.width);
  }
  return uint64_t{insn.rows} * insn.cols;  // outputs, or for a reduction its inputs
}

bool reads_residual(uint8_t op) {
  return op == VTPU_VPU_REQUANT_ADD || op == VTPU_VPU_REQUANT_RELU_ADD;
}

uint64_t output_elements(const vtpu_insn_vpu& insn) {
  const OpInfo* info = find_op(insn.op);
  if (info == nullptr) return 0;
  const Geometry g = geometry(insn, info->kind);
  return mul_sat(g.out_rows, g.out_cols);
}

uint64_t cycles(const vtpu_insn_vpu& insn, unsigned lanes) {
  const OpInfo* info = find_op(insn.op);
  if (info == nullptr) return 0;
  const uint64_t l = std::max(lanes, 1u);
  const uint64_t groups = (work_elements(insn) + l - 1) / l;
  // int8 ADD..MIN: the dequantize and quantize stages lengthen the pipeline.
  const uint64_t extra = info->kind == Kind::kBinary && insn.a_type == VTPU_TYPE_INT8 ? 8 : 0;
  return info->timing.pipeline_latency + extra + groups * info->timing.cycles_per_element_group;
}

}  // namespace vtpu::vpu
