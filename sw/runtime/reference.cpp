// The layer table's reference (model.h fixes the numerics of each kind; the
// comments below say only how the code follows them). Every layer first
// checks its fields and the HBM ranges it touches, then computes its outputs
// from its inputs and writes them (a batched MATMUL one product at a time).
// An output that overlaps an input has no defined result on the chip, where
// the firmware streams tiles, so the reference does not try to match one.
#include "sw/runtime/reference.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "models/common/error.h"
#include "models/isa/vtpu/names.h"
#include "models/mxu/reference.h"
#include "models/vpu/numerics.h"

namespace vtpu::runtime {
namespace {

namespace nm = numerics;

static_assert(sizeof(vtpu_layer) == 128, "model.h: a layer is 128 bytes");

// ---- sizes and the HBM -------------------------------------------------------

// Byte counts saturate at 2^64 - 1, which no HBM holds, so an overflowing
// size is simply out of range.
constexpr uint64_t kHuge = UINT64_MAX;
uint64_t mul(uint64_t a, uint64_t b) {
  return a != 0 && b > kHuge / a ? kHuge : a * b;
}
uint64_t add(uint64_t a, uint64_t b) {
  return b > kHuge - a ? kHuge : a + b;
}

// The HBM as one layer sees it: checks name the layer's node and the field.
class Hbm {
 public:
  Hbm(const vtpu_layer& layer, std::vector<uint8_t>& bytes)
      : layer_(layer), bytes_(bytes), size_(bytes.size()) {}
  // For the checks alone, on an HBM of `size` bytes: the layer functions
  // return once their fields are checked, before reading any byte.
  Hbm(const vtpu_layer& layer, uint64_t size)
      : layer_(layer), bytes_(none_), size_(size), checking_(true) {}

  bool checking() const { return checking_; }

  [[noreturn]] void refuse(const std::string& what) const {
    throw Error("layer of node " + std::to_string(layer_.node) + ": " + what);
  }
  void require_nonzero(uint64_t value, const char* field) const {
    if (value == 0) refuse(std::string(field) + " is 0");
  }
  // `size` bytes at `offset` must lie in the HBM.
  void check(uint64_t offset, uint64_t size, const char* field) const {
    if (size > size_ || offset > size_ - size) {
      refuse(std::string(field) + ": " + std::to_string(size) + " bytes at offset " +
             std::to_string(offset) + " are outside the HBM (" + std::to_string(size_) + " bytes)");
    }
  }
  // `count` blocks of `size` bytes, `stride` apart (a batch of operands).
  void check(uint64_t offset, uint64_t size, uint64_t count, uint64_t stride,
             const char* field) const {
    check(offset, add(mul(count - 1, stride), size), field);
  }

  const uint8_t* at(uint64_t offset) const { return bytes_.data() + offset; }
  uint8_t* at(uint64_t offset) { return bytes_.data() + offset; }
  void write(uint64_t offset, const std::vector<uint8_t>& data) {
    std::copy(data.begin(), data.end(), bytes_.begin() + offset);
  }

 private:
  const vtpu_layer& layer_;
  std::vector<uint8_t> none_;
  std::vector<uint8_t>& bytes_;
  uint64_t size_;
  bool checking_ = false;
};

// ---- elements ------------------------------------------------------------------

bool is_int8_or_bf16(uint8_t type) {
  return type == VTPU_TYPE_INT8 || type == VTPU_TYPE_BF16;
}
bool is_int8_bf16_or_fp32(uint8_t type) {
  return is_int8_or_bf16(type) || type == VTPU_TYPE_FP32;
}

int32_t load_i32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
float load_f32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store_u16(uint8_t* p, uint16_t v) {
  std::memcpy(p, &v, sizeof v);
}
void store_f32(uint8_t* p, float v) {
  std::memcpy(p, &v, sizeof v);
}

// How a tensor's elements stand for fp32 values (model.h, ELEMENTWISE).
struct Encoding {
  uint8_t type;  // VTPU_TYPE_INT8, BF16 or FP32
  float scale;   // int8 only
  int32_t zero_point;
};

// The element at p, widened to fp32: int8 dequantized, bf16 and fp32 exactly.
float widen(const uint8_t* p, const Encoding& e) {
  switch (e.type) {
    case VTPU_TYPE_INT8: return nm::dequantize_int8(static_cast<int8_t>(*p), e.scale, e.zero_point);
    case VTPU_TYPE_BF16: return nm::bf16_to_f32(load_u16(p));
    default: return load_f32(p);
  }
}

// y stored at p: int8 quantized, bf16 rounded to nearest even, fp32 as is.
void narrow(float y, uint8_t* p, const Encoding& e) {
  switch (e.type) {
    case VTPU_TYPE_INT8:
      *p = static_cast<uint8_t>(nm::quantize_int8(y, e.scale, e.zero_point));
      break;
    case VTPU_TYPE_BF16: store_u16(p, nm::f32_to_bf16(y)); break;
    default: store_f32(p, y); break;
  }
}

// ---- the matrix product shared by MATMUL and CONV2D --------------------------

// What follows the product, per column j of C.
struct Epilogue {
  const uint8_t* bias = nullptr;    // n int32 (int8) or fp32 (bf16) values; null: none
  const uint8_t* scales = nullptr;  // int8: n fp32 requantization scales
  bool relu = false;
  int32_t zero_point = 0;  // int8: C's
};

// How a product's int8 weights are stored (model.h, VTPU_WEIGHTS_*).
struct StoredWeights {
  uint8_t format = VTPU_WEIGHTS_DENSE;
  const uint8_t* meta = nullptr;  // 2:4: the kept weights' positions
};

// The signed nibble of column j in a row of int4 weights (or positions).
uint8_t nibble(const uint8_t* row, uint64_t j) {
  return static_cast<uint8_t>(j % 2 == 0 ? row[j / 2] & 0xf : row[j / 2] >> 4);
}

// The dense k x n weights that int8 weights stored at `w` stand for, each
// widened to int16: dense and int4 element by element; 2:4 each kept weight
// at its row of the group (a row named twice holds the sum of both, which
// multiplies the same activation; a row at k or beyond multiplies the
// array's zero padding, so it is left out).
std::vector<int16_t> int8_weights(const StoredWeights& s, uint64_t k, uint64_t n,
                                  const uint8_t* w) {
  std::vector<int16_t> b(k * n, 0);
  switch (s.format) {
    case VTPU_WEIGHTS_DENSE:
      for (uint64_t i = 0; i < k * n; ++i) b[i] = static_cast<int8_t>(w[i]);
      break;
    case VTPU_WEIGHTS_INT4:
      for (uint64_t r = 0; r < k; ++r)
        for (uint64_t j = 0; j < n; ++j) {
          const uint8_t v = nibble(w + r * ((n + 1) / 2), j);
          b[r * n + j] = static_cast<int16_t>(v >= 8 ? v - 16 : v);
        }
      break;
    case VTPU_WEIGHTS_SPARSE_2_4:
      for (uint64_t g = 0; g < (k + 3) / 4; ++g)
        for (uint64_t j = 0; j < n; ++j) {
          const uint8_t positions = nibble(s.meta + g * ((n + 1) / 2), j);
          for (uint64_t kept = 0; kept < 2; ++kept) {
            const uint64_t row = 4 * g + ((positions >> (2 * kept)) & 3);
            if (row < k) b[row * n + j] += static_cast<int8_t>(w[(2 * g + kept) * n + j]);
          }
        }
      break;
  }
  return b;
}

// int8: the int32 sum (wrapping), plus bias, ReLU, then requantize_int8 per column.
std::vector<uint8_t> product_int8(uint64_t m, uint64_t k, uint64_t n, const uint8_t* a,
                                  const int16_t* b, const Epilogue& epilogue) {
  std::vector<uint8_t> c(m * n);
  std::vector<uint32_t> acc(n);  // unsigned: two's-complement wrap-around without UB
  for (uint64_t i = 0; i < m; ++i) {
    for (uint64_t j = 0; j < n; ++j)
      acc[j] = epilogue.bias ? static_cast<uint32_t>(load_i32(epilogue.bias + 4 * j)) : 0;
    for (uint64_t kk = 0; kk < k; ++kk) {
      const int32_t x = static_cast<int8_t>(a[i * k + kk]);
      const int16_t* b_row = b + kk * n;
      for (uint64_t j = 0; j < n; ++j) acc[j] += static_cast<uint32_t>(x * int32_t{b_row[j]});
    }
    for (uint64_t j = 0; j < n; ++j) {
      int32_t sum = static_cast<int32_t>(acc[j]);
      if (epilogue.relu) sum = std::max(sum, 0);
      c[i * n + j] = static_cast<uint8_t>(
          nm::requantize_int8(sum, load_f32(epilogue.scales + 4 * j), epilogue.zero_point));
    }
  }
  return c;
}

// bf16: the MXU's scalar reference on a VMEM holding B then a chunk of A's rows
// and an AMEM for C, so the fp32 sums follow `array`'s order; then plus the
// bias (one fp32 addition), ReLU and the rounding to bf16. Chunking
// the rows changes no element's order.
std::vector<uint8_t> product_bf16(uint64_t m, uint64_t k, uint64_t n, const uint8_t* a,
                                  const uint8_t* b, const Epilogue& epilogue,
                                  const mxu::ArrayConfig& array, const Hbm& hbm) {
  constexpr uint64_t kChunkBytes = uint64_t{16} << 20;
  const uint64_t a_row = 2 * k, b_bytes = 2 * k * n, c_row = 4 * n;
  const uint64_t rows = std::min(m, std::max<uint64_t>(1, kChunkBytes / std::max(a_row, c_row)));
  if (b_bytes + rows * a_row > UINT32_MAX || rows * c_row > UINT32_MAX)
    hbm.refuse("a bf16 product of k " + std::to_string(k) + " x n " + std::to_string(n) +
               " is beyond the MXU's 32-bit addresses");
  std::vector<uint8_t> vmem_bytes(b_bytes + rows * a_row), amem_bytes(rows * c_row);
  std::copy(b, b + b_bytes, vmem_bytes.begin());
  const UnitMemory vmem{0, vmem_bytes.size(), vmem_bytes.data()};
  const UnitMemory amem{0, amem_bytes.size(), amem_bytes.data()};

  std::vector<uint8_t> c(m * n * 2), c_out;
  for (uint64_t i0 = 0; i0 < m; i0 += rows) {
    const uint64_t count = std::min(rows, m - i0);
    std::copy(a + i0 * a_row, a + (i0 + count) * a_row, vmem_bytes.begin() + b_bytes);
    vtpu_insn_matmul insn{};
    insn.h.opcode = VTPU_OP_MATMUL;
    insn.precision = VTPU_TYPE_BF16;
    insn.accumulate = 0;
    insn.m = static_cast<uint32_t>(count);
    insn.k = static_cast<uint32_t>(k);
    insn.n = static_cast<uint32_t>(n);
    insn.a_addr = static_cast<uint32_t>(b_bytes);
    insn.a_stride = static_cast<uint32_t>(a_row);
    insn.b_addr = 0;
    insn.b_stride = static_cast<uint32_t>(2 * n);
    insn.c_addr = 0;
    insn.c_stride = static_cast<uint32_t>(c_row);
    mxu::reference_matmul(insn, vmem, amem, array, c_out);
    for (uint64_t i = 0; i < count; ++i)
      for (uint64_t j = 0; j < n; ++j) {
        float v = load_f32(&c_out[i * c_row + 4 * j]);
        if (epilogue.bias) v = v + load_f32(epilogue.bias + 4 * j);
        if (epilogue.relu) v = nm::relu(v);
        store_u16(&c[((i0 + i) * n + j) * 2], nm::f32_to_bf16(v));
      }
  }
  return c;
}

// C (m x n of dtype, dense) = A (m x k, dense) * B (k x n, stored as `s`
// says), then the epilogue.
std::vector<uint8_t> product(uint8_t dtype, uint64_t m, uint64_t k, uint64_t n, const uint8_t* a,
                             const uint8_t* b, const StoredWeights& s, const Epilogue& epilogue,
                             const mxu::ArrayConfig& array, const Hbm& hbm) {
  if (dtype == VTPU_TYPE_INT8)
    return product_int8(m, k, n, a, int8_weights(s, k, n, b).data(), epilogue);
  return product_bf16(m, k, n, a, b, epilogue, array, hbm);
}

// Checks a product's weights format (`field`: "matmul" or "conv2d") and
// returns the bytes of one k x n matrix so stored (`size`-byte elements when
// dense) and of its positions (2:4; else 0).
std::pair<uint64_t, uint64_t> weights_bytes(const vtpu_layer& layer, uint8_t format,
                                            const std::string& field, uint64_t k, uint64_t n,
                                            uint64_t size, const Hbm& hbm) {
  if (format > VTPU_WEIGHTS_INT4)
    hbm.refuse(field + ".weights_format " + std::to_string(format) + " is not a VTPU_WEIGHTS_*");
  if (format != VTPU_WEIGHTS_DENSE && layer.dtype != VTPU_TYPE_INT8)
    hbm.refuse(field + ".weights_format " + std::to_string(format) + " needs an int8 layer");
  const uint64_t groups = k / 4 + (k % 4 != 0);
  switch (format) {
    case VTPU_WEIGHTS_SPARSE_2_4: return {mul(2 * groups, n), mul(groups, n / 2 + n % 2)};
    case VTPU_WEIGHTS_INT4: return {mul(k, n / 2 + n % 2), 0};
    default: return {mul(mul(k, n), size), 0};
  }
}

// Checks a product's `dataflow` (vtpu/model.h: 0, or ws or os on an int8 layer).
// The numerics do not depend on it: int8 sums are exact in either order.
void check_dataflow(const vtpu_layer& layer, uint8_t dataflow, const std::string& field,
                    const Hbm& hbm) {
  if (vtpu_layer_dataflow_ok(layer.dtype, dataflow)) return;
  hbm.refuse(field + ".dataflow " + std::to_string(dataflow) +
             (dataflow == VTPU_DATAFLOW_WS || dataflow == VTPU_DATAFLOW_OS
                  ? " needs an int8 layer (a bf16 layer's sums follow the array's own choice)"
                  : " is not 0 (the array picks), VTPU_DATAFLOW_WS or VTPU_DATAFLOW_OS"));
}

// A rows x cols matrix of `size`-byte elements, made dense and row-major from
// one stored row-major (transposed: stored cols x rows).
std::vector<uint8_t> dense(const uint8_t* p, uint64_t rows, uint64_t cols, uint64_t size,
                           bool transposed) {
  if (!transposed) return std::vector<uint8_t>(p, p + rows * cols * size);
  std::vector<uint8_t> out(rows * cols * size);
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t c = 0; c < cols; ++c)
      std::memcpy(&out[(r * cols + c) * size], p + (c * rows + r) * size, size);
  return out;
}

// ---- a residual Add fused into a product (VTPU_LAYER_RESIDUAL) ----------------

// A product layer's fused residual: where it is and how its sum is encoded.
struct Residual {
  bool on = false, relu = false;
  uint64_t at = 0;  // the residual tensor (HBM offset)
  Encoding a{}, b{}, d{};
};

// Checks the residual fields of a MATMUL or CONV2D whose output is `bytes`
// bytes (`count` of them, `stride` apart) and reads its parameters.
Residual check_residual(const vtpu_layer& layer, uint64_t residual, uint64_t params, uint64_t bytes,
                        uint64_t count, uint64_t stride, const char* field,
                        const char* params_field, Hbm& hbm) {
  Residual r;
  r.on = layer.flags & VTPU_LAYER_RESIDUAL;
  r.relu = layer.flags & VTPU_LAYER_RESIDUAL_RELU;
  if (r.relu && !r.on) hbm.refuse("VTPU_LAYER_RESIDUAL_RELU without VTPU_LAYER_RESIDUAL");
  if (r.relu && layer.dtype != VTPU_TYPE_BF16)
    hbm.refuse("a fused residual's ReLU (VTPU_LAYER_RESIDUAL_RELU) needs a bf16 output");
  if (!r.on) return r;
  r.at = residual;
  hbm.check(residual, bytes, count, stride, field);
  const bool int8 = layer.dtype == VTPU_TYPE_INT8;
  if (int8) hbm.check(params, sizeof(vtpu_vpu_qparams), params_field);
  if (hbm.checking() || !int8) {
    r.a = r.b = r.d = Encoding{layer.dtype, 0.0f, 0};
    return r;
  }
  vtpu_vpu_qparams q;
  std::memcpy(&q, hbm.at(params), sizeof q);
  r.a = Encoding{layer.dtype, q.a_scale, q.a_zero_point};
  r.b = Encoding{layer.dtype, q.b_scale, q.b_zero_point};
  r.d = Encoding{layer.dtype, q.d_scale, q.d_zero_point};
  return r;
}

// out (the product's output as stored) plus the residual at `at`, element by
// element, as the VPU's ADD of that type computes it; then the ReLU.
void add_residual(const Residual& r, uint64_t at, std::vector<uint8_t>& out, const Hbm& hbm) {
  if (!r.on) return;
  const uint64_t size = vtpu_type_size(r.a.type);
  const uint8_t* b = hbm.at(at);
  for (uint64_t i = 0; i < out.size(); i += size) {
    narrow(widen(&out[i], r.a) + widen(b + i, r.b), &out[i], r.d);
    if (r.relu) narrow(nm::relu(widen(&out[i], r.d)), &out[i], r.d);
  }
}

// ---- one function per layer kind ---------------------------------------------

void check_precision(const Hbm& hbm, uint8_t dtype) {
  if (!is_int8_or_bf16(dtype))
    hbm.refuse("dtype " + std::to_string(dtype) + " is neither VTPU_TYPE_INT8 nor VTPU_TYPE_BF16");
}

void run_matmul(const vtpu_layer& layer, const mxu::ArrayConfig& array, Hbm& hbm) {
  const vtpu_layer_matmul& x = layer.u.matmul;
  check_precision(hbm, layer.dtype);
  hbm.require_nonzero(x.m, "matmul.m");
  hbm.require_nonzero(x.k, "matmul.k");
  hbm.require_nonzero(x.n, "matmul.n");
  hbm.require_nonzero(x.batch, "matmul.batch");
  const uint64_t size = vtpu_type_size(layer.dtype);
  const auto [b_bytes, meta_bytes] =
      weights_bytes(layer, x.weights_format, "matmul", x.k, x.n, size, hbm);
  check_dataflow(layer, x.dataflow, "matmul", hbm);
  if (x.weights_format != VTPU_WEIGHTS_DENSE && (layer.flags & VTPU_LAYER_TRANS_B))
    hbm.refuse("matmul.weights_format " + std::to_string(x.weights_format) +
               " with VTPU_LAYER_TRANS_B (stored weights are k x n)");
  if (x.weights_format == VTPU_WEIGHTS_SPARSE_2_4 && x.batch > 1 && x.b_batch_stride != 0)
    hbm.refuse("matmul.weights_format 2:4 with a batch of weights (one matmul.meta for all)");
  const uint64_t a_bytes = mul(mul(x.m, x.k), size), c_bytes = mul(mul(x.m, x.n), size);
  if (x.batch > 1 && x.c_batch_stride < c_bytes)
    hbm.refuse("matmul.c_batch_stride " + std::to_string(x.c_batch_stride) + " is below C's " +
               std::to_string(c_bytes) + " bytes (the batch's results would overlap)");
  hbm.check(x.a, a_bytes, x.batch, x.a_batch_stride, "matmul.a");
  hbm.check(x.b, b_bytes, x.batch, x.b_batch_stride, "matmul.b");
  hbm.check(x.c, c_bytes, x.batch, x.c_batch_stride, "matmul.c");
  const bool has_bias = layer.flags & VTPU_LAYER_BIAS;
  if (has_bias) hbm.check(x.bias, mul(x.n, 4), "matmul.bias");
  if (layer.dtype == VTPU_TYPE_INT8) hbm.check(x.scales, mul(x.n, 4), "matmul.scales");
  const Residual residual =
      check_residual(layer, x.residual, x.residual_params, c_bytes, x.batch, x.c_batch_stride,
                     "matmul.residual", "matmul.residual_params", hbm);
  if (meta_bytes) hbm.check(x.meta, meta_bytes, "matmul.meta");
  if (hbm.checking()) return;

  Epilogue epilogue;
  epilogue.bias = has_bias ? hbm.at(x.bias) : nullptr;
  epilogue.scales = layer.dtype == VTPU_TYPE_INT8 ? hbm.at(x.scales) : nullptr;
  epilogue.relu = layer.flags & VTPU_LAYER_RELU;
  epilogue.zero_point = x.zero_point;
  // One product after another, as the firmware runs them.
  for (uint64_t i = 0; i < x.batch; ++i) {
    const std::vector<uint8_t> a =
        dense(hbm.at(x.a + i * x.a_batch_stride), x.m, x.k, size, layer.flags & VTPU_LAYER_TRANS_A);
    const uint8_t* stored_b = hbm.at(x.b + i * x.b_batch_stride);
    const std::vector<uint8_t> b =
        x.weights_format != VTPU_WEIGHTS_DENSE
            ? std::vector<uint8_t>(stored_b, stored_b + b_bytes)
            : dense(stored_b, x.k, x.n, size, layer.flags & VTPU_LAYER_TRANS_B);
    const StoredWeights s{x.weights_format, meta_bytes ? hbm.at(x.meta) : nullptr};
    std::vector<uint8_t> c =
        product(layer.dtype, x.m, x.k, x.n, a.data(), b.data(), s, epilogue, array, hbm);
    add_residual(residual, x.residual + i * x.c_batch_stride, c, hbm);
    hbm.write(x.c + i * x.c_batch_stride, c);
  }
}

// Output size along one axis (model.h, CONV2D and POOL); 0 when the window does
// not fit the padded input.
uint64_t output_size(uint64_t in, uint64_t pad_before, uint64_t pad_after, uint64_t window,
                     uint64_t dilation, uint64_t stride) {
  const uint64_t padded = in + pad_before + pad_after, span = dilation * (window - 1) + 1;
  return padded < span ? 0 : (padded - span) / stride + 1;
}

// Whether coordinate p of the padded input (`before` elements of padding, then
// `size` of the input) falls on the input.
bool on_input(uint64_t p, uint64_t before, uint64_t size) {
  return p >= before && p - before < size;
}

// The element CONV2D and average POOL pad with: pad_value's low byte (int8)
// or low 16 bits (bf16, where model.h has pad_value 0), as the firmware's
// FILL pattern takes them; little-endian.
std::array<uint8_t, 2> pad_element(int32_t pad_value) {
  const uint32_t bits = static_cast<uint32_t>(pad_value);
  return {static_cast<uint8_t>(bits), static_cast<uint8_t>(bits >> 8)};
}

void run_conv2d(const vtpu_layer& layer, const mxu::ArrayConfig& array, Hbm& hbm) {
  const vtpu_layer_conv2d& x = layer.u.conv2d;
  check_precision(hbm, layer.dtype);
  const std::pair<uint64_t, const char*> dims[] = {
      {x.n, "conv2d.n"},     {x.h, "conv2d.h"},         {x.w, "conv2d.w"},
      {x.cin, "conv2d.cin"}, {x.cout, "conv2d.cout"},   {x.groups, "conv2d.groups"},
      {x.kh, "conv2d.kh"},   {x.kw, "conv2d.kw"},       {x.sy, "conv2d.sy"},
      {x.sx, "conv2d.sx"},   {x.dil_y, "conv2d.dil_y"}, {x.dil_x, "conv2d.dil_x"}};
  for (const auto& [value, field] : dims) hbm.require_nonzero(value, field);
  if (x.cin % x.groups != 0 || x.cout % x.groups != 0)
    hbm.refuse("conv2d.groups " + std::to_string(x.groups) + " does not divide cin " +
               std::to_string(x.cin) + " and cout " + std::to_string(x.cout));
  const uint64_t oh = output_size(x.h, x.pad_top, x.pad_bottom, x.kh, x.dil_y, x.sy);
  const uint64_t ow = output_size(x.w, x.pad_left, x.pad_right, x.kw, x.dil_x, x.sx);
  if (oh == 0) hbm.refuse("conv2d.kh: the dilated window is taller than the padded input");
  if (ow == 0) hbm.refuse("conv2d.kw: the dilated window is wider than the padded input");

  const uint64_t size = vtpu_type_size(layer.dtype);
  const uint64_t cin_g = x.cin / x.groups, cout_g = x.cout / x.groups;
  const uint64_t k = uint64_t{x.kh} * x.kw * cin_g, m = oh * ow;
  hbm.check(x.in, mul(mul(mul(x.n, x.h), mul(x.w, x.cin)), size), "conv2d.in");
  const auto [w_bytes, meta_bytes] =
      weights_bytes(layer, x.weights_format, "conv2d", k, cout_g, size, hbm);
  check_dataflow(layer, x.dataflow, "conv2d", hbm);
  hbm.check(x.weights, mul(w_bytes, x.groups), "conv2d.weights");
  hbm.check(x.out, mul(mul(mul(x.n, m), x.cout), size), "conv2d.out");
  const bool has_bias = layer.flags & VTPU_LAYER_BIAS;
  if (has_bias) hbm.check(x.bias, mul(x.cout, 4), "conv2d.bias");
  if (layer.dtype == VTPU_TYPE_INT8) hbm.check(x.scales, mul(x.cout, 4), "conv2d.scales");
  const Residual residual =
      check_residual(layer, x.residual, x.residual_params, mul(mul(mul(x.n, m), x.cout), size), 1,
                     0, "conv2d.residual", "conv2d.residual_params", hbm);
  if (meta_bytes) hbm.check(x.meta, mul(meta_bytes, x.groups), "conv2d.meta");
  if (hbm.checking()) return;

  const std::array<uint8_t, 2> pad = pad_element(x.pad_value);
  // Pixel (iy, ix) of image `image`: its first channel.
  auto pixel = [&](uint64_t image, uint64_t iy, uint64_t ix) {
    return hbm.at(x.in + ((image * x.h + iy) * x.w + ix) * x.cin * size);
  };
  std::vector<uint8_t> out(x.n * m * x.cout * size), rows(m * k * size);
  for (uint64_t image = 0; image < x.n; ++image) {
    for (uint64_t g = 0; g < x.groups; ++g) {
      // im2col: one row per output pixel, (ky, kx, ci) along it.
      uint8_t* row = rows.data();
      for (uint64_t oy = 0; oy < oh; ++oy)
        for (uint64_t ox = 0; ox < ow; ++ox)
          for (uint64_t ky = 0; ky < x.kh; ++ky)
            for (uint64_t kx = 0; kx < x.kw; ++kx) {
              const uint64_t py = oy * x.sy + ky * x.dil_y, px = ox * x.sx + kx * x.dil_x;
              const bool inside = on_input(py, x.pad_top, x.h) && on_input(px, x.pad_left, x.w);
              const uint8_t* group =
                  inside ? pixel(image, py - x.pad_top, px - x.pad_left) + g * cin_g * size
                         : nullptr;
              for (uint64_t ci = 0; ci < cin_g; ++ci, row += size)
                std::memcpy(row, inside ? group + ci * size : pad.data(), size);
            }
      Epilogue epilogue;
      epilogue.bias = has_bias ? hbm.at(x.bias + 4 * g * cout_g) : nullptr;
      epilogue.scales = layer.dtype == VTPU_TYPE_INT8 ? hbm.at(x.scales + 4 * g * cout_g) : nullptr;
      epilogue.relu = layer.flags & VTPU_LAYER_RELU;
      epilogue.zero_point = x.zero_point;
      const StoredWeights s{x.weights_format,
                            meta_bytes ? hbm.at(x.meta + g * meta_bytes) : nullptr};
      const std::vector<uint8_t> c =
          product(layer.dtype, m, k, cout_g, rows.data(), hbm.at(x.weights + g * w_bytes), s,
                  epilogue, array, hbm);
      for (uint64_t p = 0; p < m; ++p)
        std::memcpy(&out[((image * m + p) * x.cout + g * cout_g) * size], &c[p * cout_g * size],
                    cout_g * size);
    }
  }
  add_residual(residual, x.residual, out, hbm);
  hbm.write(x.out, out);
}

void run_pool(const vtpu_layer& layer, Hbm& hbm) {
  const vtpu_layer_pool& x = layer.u.pool;
  const bool max = layer.op == VTPU_VPU_MAXPOOL;
  if (!max && layer.op != VTPU_VPU_AVGPOOL)
    hbm.refuse("pool op " + std::to_string(layer.op) +
               " is neither VTPU_VPU_MAXPOOL nor VTPU_VPU_AVGPOOL");
  check_precision(hbm, layer.dtype);
  const std::pair<uint64_t, const char*> dims[] = {
      {x.n, "pool.n"},   {x.h, "pool.h"},   {x.w, "pool.w"},   {x.c, "pool.c"},
      {x.kh, "pool.kh"}, {x.kw, "pool.kw"}, {x.sy, "pool.sy"}, {x.sx, "pool.sx"}};
  for (const auto& [value, field] : dims) hbm.require_nonzero(value, field);
  for (const auto& [value, field] : {dims[4], dims[5], dims[6], dims[7]})
    if (value > 255) hbm.refuse(std::string(field) + " is above 255 (the VPU's 8-bit field)");
  const uint64_t oh = output_size(x.h, x.pad_top, x.pad_bottom, x.kh, 1, x.sy);
  const uint64_t ow = output_size(x.w, x.pad_left, x.pad_right, x.kw, 1, x.sx);
  if (oh == 0) hbm.refuse("pool.kh: the window is taller than the padded input");
  if (ow == 0) hbm.refuse("pool.kw: the window is wider than the padded input");
  const uint64_t padded_h = uint64_t{x.h} + x.pad_top + x.pad_bottom;
  const uint64_t padded_w = uint64_t{x.w} + x.pad_left + x.pad_right;
  // Uncounted padding: average only, inside the padding, every window keeping a tap.
  const std::tuple<uint16_t, uint16_t, bool, const char*> uncounted[] = {
      {x.uncounted_top, x.pad_top, x.uncounted_top < x.kh, "pool.uncounted_top"},
      {x.uncounted_left, x.pad_left, x.uncounted_left < x.kw, "pool.uncounted_left"},
      {x.uncounted_bottom, x.pad_bottom, (oh - 1) * x.sy < padded_h - x.uncounted_bottom,
       "pool.uncounted_bottom"},
      {x.uncounted_right, x.pad_right, (ow - 1) * x.sx < padded_w - x.uncounted_right,
       "pool.uncounted_right"}};
  for (const auto& [value, pad, keeps_taps, field] : uncounted) {
    if (value == 0) continue;
    if (max) hbm.refuse(std::string(field) + " is set on a max pool");
    if (value > pad) hbm.refuse(std::string(field) + " is more than the padding");
    if (value > 255) hbm.refuse(std::string(field) + " is above 255 (the VPU's 8-bit field)");
    if (!keeps_taps) hbm.refuse(std::string(field) + " leaves a window no tap to average");
  }
  const uint64_t size = vtpu_type_size(layer.dtype);
  hbm.check(x.in, mul(mul(mul(x.n, x.h), mul(x.w, x.c)), size), "pool.in");
  hbm.check(x.out, mul(mul(mul(x.n, oh), mul(ow, x.c)), size), "pool.out");
  if (hbm.checking()) return;

  // Elements as fp32: int8 converted exactly, so max_f32 over them is the
  // VPU's integer max and the average's sum is the VPU's.
  const bool int8 = layer.dtype == VTPU_TYPE_INT8;
  auto as_f32 = [&](const uint8_t* p) {
    return int8 ? static_cast<float>(static_cast<int8_t>(*p)) : nm::bf16_to_f32(load_u16(p));
  };
  // The padding: the type's lowest value for max (int8 -128, bf16 -inf), pad_value for average.
  const float pad = max ? (int8 ? -128.0f : -std::numeric_limits<float>::infinity())
                        : as_f32(pad_element(x.pad_value).data());
  auto element = [&](uint64_t image, uint64_t iy, uint64_t ix, uint64_t ch) {
    return hbm.at(x.in + (((image * x.h + iy) * x.w + ix) * x.c + ch) * size);
  };
  std::vector<uint8_t> out(x.n * oh * ow * x.c * size);
  uint8_t* d = out.data();
  for (uint64_t image = 0; image < x.n; ++image)
    for (uint64_t oy = 0; oy < oh; ++oy)
      for (uint64_t ox = 0; ox < ow; ++ox)
        for (uint64_t ch = 0; ch < x.c; ++ch, d += size) {
          // The window's counted taps in (ky, kx) order: acc = the first
          // element, then combined; an average multiplies by 1.0f / taps.
          float acc = 0;
          uint32_t taps = 0;
          for (uint64_t ky = 0; ky < x.kh; ++ky)
            for (uint64_t kx = 0; kx < x.kw; ++kx) {
              const uint64_t py = oy * x.sy + ky, px = ox * x.sx + kx;
              if (!on_input(py, x.uncounted_top, padded_h - x.uncounted_top - x.uncounted_bottom) ||
                  !on_input(px, x.uncounted_left, padded_w - x.uncounted_left - x.uncounted_right))
                continue;
              const float e = on_input(py, x.pad_top, x.h) && on_input(px, x.pad_left, x.w)
                                  ? as_f32(element(image, py - x.pad_top, px - x.pad_left, ch))
                                  : pad;
              acc = taps++ == 0 ? e : max ? nm::max_f32(acc, e) : acc + e;
            }
          const float inv_taps = 1.0f / static_cast<float>(taps);
          if (int8) {
            *d = static_cast<uint8_t>(max ? static_cast<int8_t>(acc)
                                          : nm::round_to_int8(acc * inv_taps, 0));
          } else {
            store_u16(d, nm::f32_to_bf16(max ? acc : acc * inv_taps));
          }
        }
  hbm.write(x.out, out);
}

bool is_binary(uint8_t op) {
  return op <= VTPU_VPU_MIN;
}
bool is_elementwise(uint8_t op) {
  return is_binary(op) || (op >= VTPU_VPU_UNARY_FIRST && op <= VTPU_VPU_UNARY_LAST) ||
         op == VTPU_VPU_CONVERT;
}

// f(x) or f(x, y) in fp32, as the VPU computes it (docs/vpu.md).
float apply(uint8_t op, float x, float y) {
  switch (op) {
    case VTPU_VPU_ADD: return x + y;
    case VTPU_VPU_SUB: return x - y;
    case VTPU_VPU_MUL: return x * y;
    case VTPU_VPU_MAX: return nm::max_f32(x, y);
    case VTPU_VPU_MIN: return nm::min_f32(x, y);
    case VTPU_VPU_RELU: return nm::relu(x);
    case VTPU_VPU_RELU6: return nm::relu6(x);
    case VTPU_VPU_GELU_ERF: return nm::gelu_erf(x);
    case VTPU_VPU_GELU_TANH: return nm::gelu_tanh(x);
    case VTPU_VPU_SIGMOID: return nm::sigmoid(x);
    case VTPU_VPU_TANH: return nm::tanh_f32(x);
    case VTPU_VPU_EXP: return nm::exp_f32(x);
    case VTPU_VPU_RSQRT: return nm::rsqrt(x);
    case VTPU_VPU_RECIP: return nm::reciprocal(x);
    case VTPU_VPU_HARDSIGMOID: return nm::hard_sigmoid(x);
    case VTPU_VPU_HARDSWISH: return nm::hard_swish(x);
    case VTPU_VPU_SILU: return nm::silu(x);
    case VTPU_VPU_MISH: return nm::mish(x);
    default: return x;  // CONVERT
  }
}

void check_types(const Hbm& hbm, uint8_t in_type, uint8_t out_type, const char* in_field,
                 const char* out_field) {
  if (!is_int8_bf16_or_fp32(in_type))
    hbm.refuse(std::string(in_field) + " " + std::to_string(in_type) +
               " is not VTPU_TYPE_INT8, BF16 or FP32");
  if (!is_int8_bf16_or_fp32(out_type))
    hbm.refuse(std::string(out_field) + " " + std::to_string(out_type) +
               " is not VTPU_TYPE_INT8, BF16 or FP32");
}

void run_elementwise(const vtpu_layer& layer, Hbm& hbm) {
  const vtpu_layer_elementwise& x = layer.u.elementwise;
  if (!is_elementwise(layer.op))
    hbm.refuse("elementwise op " + std::to_string(layer.op) +
               " is not a VPU binary op, an activation or VTPU_VPU_CONVERT");
  check_types(hbm, x.in_type, x.out_type, "elementwise.in_type", "elementwise.out_type");
  const bool binary = is_binary(layer.op);
  if (x.b_mode > VTPU_BCAST_SCALAR)  // refused for unary ops too
    hbm.refuse("elementwise.b_mode " + std::to_string(x.b_mode) + " is not a VTPU_BCAST_*");
  hbm.require_nonzero(x.rows, "elementwise.rows");
  hbm.require_nonzero(x.cols, "elementwise.cols");
  const uint64_t in_size = vtpu_type_size(x.in_type), out_size = vtpu_type_size(x.out_type);
  hbm.check(x.a, mul(mul(x.rows, x.cols), in_size), "elementwise.a");
  if (binary && x.b_mode != VTPU_BCAST_SCALAR) {
    const uint64_t b_count = x.b_mode == VTPU_BCAST_NONE  ? mul(x.rows, x.cols)
                             : x.b_mode == VTPU_BCAST_ROW ? x.cols
                                                          : x.rows;
    hbm.check(x.b, mul(b_count, in_size), "elementwise.b");
  }
  hbm.check(x.out, mul(mul(x.rows, x.cols), out_size), "elementwise.out");
  const bool relu = (layer.flags & VTPU_LAYER_RELU) != 0;
  if (relu && x.out_type != VTPU_TYPE_BF16)
    hbm.refuse("elementwise: a fused ReLU (VTPU_LAYER_RELU) needs a bf16 output");
  if (hbm.checking()) return;

  const Encoding a{x.in_type, x.a_scale, x.a_zero_point}, b{x.in_type, x.b_scale, x.b_zero_point},
      d{x.out_type, x.out_scale, x.out_zero_point};
  std::vector<uint8_t> out(x.rows * x.cols * out_size);
  for (uint64_t r = 0; r < x.rows; ++r)
    for (uint64_t c = 0; c < x.cols; ++c) {
      const uint64_t i = r * x.cols + c;
      float y = 0;
      if (binary) {
        switch (x.b_mode) {
          case VTPU_BCAST_NONE: y = widen(hbm.at(x.b + i * in_size), b); break;
          case VTPU_BCAST_ROW: y = widen(hbm.at(x.b + c * in_size), b); break;
          case VTPU_BCAST_COL: y = widen(hbm.at(x.b + r * in_size), b); break;
          default: y = x.b_scalar; break;
        }
      }
      narrow(apply(layer.op, widen(hbm.at(x.a + i * in_size), a), y), &out[i * out_size], d);
      // ReLU of the rounded result (the same as rounding the ReLU).
      if (relu) narrow(nm::relu(widen(&out[i * out_size], d)), &out[i * out_size], d);
    }
  hbm.write(x.out, out);
}

// SOFTMAX and LAYERNORM: the checks, then `row` maps each widened row to its fp32 results.
template <typename Row>
void run_rowwise(const vtpu_layer& layer, Hbm& hbm, bool layernorm, Row row) {
  const vtpu_layer_rowwise& x = layer.u.rowwise;
  check_types(hbm, x.in_type, x.out_type, "rowwise.in_type", "rowwise.out_type");
  hbm.require_nonzero(x.rows, "rowwise.rows");
  hbm.require_nonzero(x.cols, "rowwise.cols");
  const uint64_t in_size = vtpu_type_size(x.in_type), out_size = vtpu_type_size(x.out_type);
  hbm.check(x.in, mul(mul(x.rows, x.cols), in_size), "rowwise.in");
  hbm.check(x.out, mul(mul(x.rows, x.cols), out_size), "rowwise.out");
  if (layernorm) {
    hbm.check(x.gamma, mul(x.cols, 4), "rowwise.gamma");
    hbm.check(x.beta, mul(x.cols, 4), "rowwise.beta");
  }
  if (hbm.checking()) return;
  const Encoding in{x.in_type, x.in_scale, x.in_zero_point},
      d{x.out_type, x.out_scale, x.out_zero_point};
  std::vector<uint8_t> out(x.rows * x.cols * out_size);
  std::vector<float> values(x.cols);
  for (uint64_t r = 0; r < x.rows; ++r) {
    for (uint64_t c = 0; c < x.cols; ++c)
      values[c] = widen(hbm.at(x.in + (r * x.cols + c) * in_size), in);
    row(values);
    for (uint64_t c = 0; c < x.cols; ++c) narrow(values[c], &out[(r * x.cols + c) * out_size], d);
  }
  hbm.write(x.out, out);
}

// The VPU's REDUCE_SUM: acc = v[0], then acc + v[c] left to right.
float sum(const std::vector<float>& v) {
  float acc = v[0];
  for (size_t c = 1; c < v.size(); ++c) acc = acc + v[c];
  return acc;
}

void run_softmax(const vtpu_layer& layer, Hbm& hbm) {
  run_rowwise(layer, hbm, false, [](std::vector<float>& v) {
    float m = v[0];
    for (size_t c = 1; c < v.size(); ++c) m = nm::max_f32(m, v[c]);
    for (float& e : v) e = nm::exp_f32(e - m);
    const float r = nm::reciprocal(sum(v));
    for (float& e : v) e = e * r;
  });
}

void run_layernorm(const vtpu_layer& layer, Hbm& hbm) {
  const vtpu_layer_rowwise& x = layer.u.rowwise;
  run_rowwise(layer, hbm, true, [&x, &hbm](std::vector<float>& v) {
    const float inv_cols = 1.0f / static_cast<float>(x.cols);
    const float mean = sum(v) * inv_cols;
    std::vector<float> squares(v.size());
    for (size_t c = 0; c < v.size(); ++c) {
      v[c] = v[c] - mean;
      squares[c] = v[c] * v[c];
    }
    const float r = nm::rsqrt(sum(squares) * inv_cols + x.epsilon);
    for (size_t c = 0; c < v.size(); ++c) {
      float t = v[c] * r;
      t = t * load_f32(hbm.at(x.gamma + 4 * c));
      v[c] = t + load_f32(hbm.at(x.beta + 4 * c));
    }
  });
}

// The DMA's copy (vtpu/dma.h): rows of size[0] bytes, dimension 1 fastest.
void run_copy(const vtpu_layer& layer, Hbm& hbm) {
  const vtpu_dma_desc& x = layer.u.copy.desc;
  const char* size_fields[] = {"copy.size[0]", "copy.size[1]", "copy.size[2]", "copy.size[3]"};
  for (int i = 0; i < 4; ++i) hbm.require_nonzero(x.size[i], size_fields[i]);
  auto footprint = [&x](const uint32_t* stride) {
    uint64_t bytes = x.size[0];
    for (int i = 0; i < 3; ++i) bytes = add(bytes, mul(x.size[i + 1] - 1, stride[i]));
    return bytes;
  };
  hbm.check(x.src, footprint(x.src_stride), "copy.src");
  hbm.check(x.dst, footprint(x.dst_stride), "copy.dst");
  if (hbm.checking()) return;
  for (uint64_t i3 = 0; i3 < x.size[3]; ++i3)
    for (uint64_t i2 = 0; i2 < x.size[2]; ++i2)
      for (uint64_t i1 = 0; i1 < x.size[1]; ++i1) {
        const uint64_t src =
            x.src + i1 * x.src_stride[0] + i2 * x.src_stride[1] + i3 * x.src_stride[2];
        const uint64_t dst =
            x.dst + i1 * x.dst_stride[0] + i2 * x.dst_stride[1] + i3 * x.dst_stride[2];
        std::memmove(hbm.at(dst), hbm.at(src), x.size[0]);
      }
}

void run_fill(const vtpu_layer& layer, Hbm& hbm) {
  const vtpu_layer_fill& x = layer.u.fill;
  hbm.require_nonzero(x.bytes, "fill.bytes");
  hbm.check(x.dst, x.bytes, "fill.dst");
  if (hbm.checking()) return;
  uint8_t* d = hbm.at(x.dst);
  for (uint64_t i = 0; i < x.bytes; ++i) d[i] = static_cast<uint8_t>(x.pattern >> (8 * (i % 4)));
}

}  // namespace

namespace {

void run_layer(const vtpu_layer& layer, const mxu::ArrayConfig& array, Hbm& hbm) {
  switch (layer.kind) {
    case VTPU_LAYER_MATMUL: return run_matmul(layer, array, hbm);
    case VTPU_LAYER_CONV2D: return run_conv2d(layer, array, hbm);
    case VTPU_LAYER_POOL: return run_pool(layer, hbm);
    case VTPU_LAYER_ELEMENTWISE: return run_elementwise(layer, hbm);
    case VTPU_LAYER_SOFTMAX: return run_softmax(layer, hbm);
    case VTPU_LAYER_LAYERNORM: return run_layernorm(layer, hbm);
    case VTPU_LAYER_COPY: return run_copy(layer, hbm);
    case VTPU_LAYER_FILL: return run_fill(layer, hbm);
    default: hbm.refuse("kind " + std::to_string(layer.kind) + " is not a VTPU_LAYER_*");
  }
}

}  // namespace

void reference_layer(const vtpu_layer& layer, const mxu::ArrayConfig& array,
                     std::vector<uint8_t>& bytes) {
  Hbm hbm(layer, bytes);
  run_layer(layer, array, hbm);
}

void check_layer(const vtpu_layer& layer, uint64_t hbm_size) {
  Hbm hbm(layer, hbm_size);
  run_layer(layer, mxu::ArrayConfig{}, hbm);
}

void check_layer_table(const ModelImage& image) {
  const uint64_t hbm_size = image.header().scratch + image.header().scratch_size;
  const std::vector<vtpu_layer>& layers = image.layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    try {
      check_layer(layers[i], hbm_size);
    } catch (const Error& e) {
      throw Error("layer " + std::to_string(i) + " (" + vtpu_layer_kind_name(layers[i].kind) +
                  "): " + e.what());
    }
  }
}

}  // namespace vtpu::runtime
