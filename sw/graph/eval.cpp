// The fp32 reference evaluator (eval.h). Every op reads its inputs through
// Args, which names the node in each refusal, and returns its outputs in
// order. Three helpers carry the index arithmetic:
//  - for_each_index walks a shape with one offset per operand (broadcasting,
//    reductions, batched MatMul);
//  - remap builds a tensor whose element at (i0, i1, ...) comes from per-axis
//    offset tables (every data-movement op: Transpose, Slice, Pad, Gather, ...);
//  - gemm, the one matrix product (Conv through im2col, Gemm, MatMul).
// Fixed-length inner loops (kLanes) are there for GCC's -O2 vectorizer, which
// takes only loops with a known trip count.
#include "sw/graph/eval.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "models/common/error.h"
#include "models/common/host_gemm.h"
#include "sw/graph/resize.h"

namespace vtpu::sw {
namespace {

using Shape = std::vector<int64_t>;
// An operator's outputs, moved in (`return {std::move(y)};`): a plain
// std::vector built from braces copies each tensor out of its initializer
// list (a megabyte per activation, every node of every calibration input).
class Tensors : public std::vector<Tensor> {
 public:
  Tensors() = default;
  Tensors(Tensor&& t) { push_back(std::move(t)); }  // NOLINT(google-explicit-constructor)
  Tensors(const Tensor& t) { push_back(t); }        // NOLINT(google-explicit-constructor)
  Tensors(const Tensor& a, Tensor&& b) {
    reserve(2);
    push_back(a);
    push_back(std::move(b));
  }
};

constexpr float kInf = std::numeric_limits<float>::infinity();

// The bounds of T's values: the infinities for float.
template <typename T>
T lowest() {
  if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
  return std::numeric_limits<T>::lowest();
}
template <typename T>
T highest() {
  if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
  return std::numeric_limits<T>::max();
}

// ---- shapes and indices ----------------------------------------------------------

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Elements of shape[begin, end).
int64_t span(const Shape& shape, size_t begin, size_t end) {
  return numel(Shape(shape.begin() + begin, shape.begin() + end));
}

std::string text(const Shape& shape) {
  std::string s = "[";
  for (size_t d = 0; d < shape.size(); ++d) s += (d ? "," : "") + std::to_string(shape[d]);
  return s + "]";
}

Shape strides_of(const Shape& shape) {
  Shape s(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) s[d - 1] = s[d] * shape[d];
  return s;
}

// Strides that read a tensor of shape `in` as broadcast to `out` (numpy: `in`
// aligned to the right, its size-1 axes repeated with stride 0).
Shape broadcast_strides(const Shape& in, const Shape& out) {
  const Shape own = strides_of(in);
  Shape s(out.size(), 0);
  const size_t lead = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d) s[lead + d] = in[d] == 1 ? 0 : own[d];
  return s;
}

// Visits every index of `shape` in row-major order as fn(k, offsets): k is the
// element's position, offsets[n] the sum of index[d] * strides[n][d].
template <size_t N, typename Fn>
void for_each_index(const Shape& shape, const std::array<Shape, N>& strides, Fn fn) {
  const int64_t total = numel(shape);
  std::vector<int64_t> index(shape.size(), 0);
  std::array<int64_t, N> offsets{};
  for (int64_t k = 0; k < total; ++k) {
    fn(k, offsets);
    for (size_t d = shape.size(); d-- > 0;) {
      for (size_t n = 0; n < N; ++n) offsets[n] += strides[n][d];
      if (++index[d] < shape[d]) break;
      for (size_t n = 0; n < N; ++n) offsets[n] -= strides[n][d] * shape[d];
      index[d] = 0;
    }
  }
}

int64_t ceil_div(int64_t a, int64_t b) {  // b > 0
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

int64_t clamp(int64_t v, int64_t lo, int64_t hi) {
  return std::min(std::max(v, lo), hi);
}

template <typename Fn>
std::vector<int64_t> table(int64_t n, Fn fn) {
  std::vector<int64_t> t(static_cast<size_t>(std::max<int64_t>(n, 0)));
  for (int64_t i = 0; i < n; ++i) t[i] = fn(i);
  return t;
}

// ---- typed storage -----------------------------------------------------------------

template <typename T>
std::vector<T> Tensor::*storage();
template <>
std::vector<float> Tensor::*storage<float>() {
  return &Tensor::f;
}
template <>
std::vector<int64_t> Tensor::*storage<int64_t>() {
  return &Tensor::i;
}
template <typename T>
std::vector<T>& values(Tensor& t) {
  return t.*storage<T>();
}
template <typename T>
const std::vector<T>& values(const Tensor& t) {
  return t.*storage<T>();
}

// fn(T{}) with T the element type `t` is stored as: float or int64_t.
template <typename Fn>
auto by_type(const Tensor& t, Fn fn) {
  if (t.is_float()) return fn(float{});
  return fn(int64_t{});
}

Tensor allocate(DType type, Shape shape) {
  check_limits(shape, "the result", true);
  Tensor t;
  t.dtype = type;
  t.shape = std::move(shape);
  if (t.is_float()) {
    t.f.assign(numel(t.shape), 0.0f);
  } else {
    t.i.assign(numel(t.shape), 0);
  }
  return t;
}

void store(Tensor& t, std::vector<float> v) {
  t.f = std::move(v);
}
void store(Tensor& t, std::vector<int64_t> v) {
  t.i = std::move(v);
}

Tensor reshaped(const Tensor& x, Shape shape) {
  Tensor y = x;
  y.shape = std::move(shape);
  return y;
}

int64_t float_to_int(float v) {
  if (std::isnan(v)) return 0;
  if (v >= 0x1p63f) return std::numeric_limits<int64_t>::max();
  if (v < -0x1p63f) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);  // truncates, as numpy's astype does
}

// An integer as the narrower type `to` holds it (two's complement wrap).
int64_t narrow(int64_t v, DType to) {
  switch (to) {
    case DType::kInt32: return static_cast<int32_t>(v);
    case DType::kInt8: return static_cast<int8_t>(v);
    case DType::kUint8: return static_cast<uint8_t>(v);
    case DType::kBool: return v != 0;
    default: return v;
  }
}

Tensor cast(const Tensor& x, DType to) {
  Tensor y = allocate(to, x.shape);
  const int64_t n = x.numel();
  for (int64_t k = 0; k < n; ++k) {
    if (to == DType::kFloat32) {
      y.f[k] = x.is_float() ? x.f[k] : static_cast<float>(x.i[k]);
    } else if (x.is_float()) {
      y.i[k] = to == DType::kBool ? x.f[k] != 0.0f : narrow(float_to_int(x.f[k]), to);
    } else {
      y.i[k] = narrow(x.i[k], to);
    }
  }
  return y;
}

// ---- a node's inputs ---------------------------------------------------------------

// The inputs of the node being evaluated; every refusal names the node.
class Args {
 public:
  // Each input from `env`, else from `constants` (when given).
  Args(const Node& node, const Env& env, const Env* constants = nullptr) : node_(node) {
    for (const std::string& name : node.inputs) {
      if (name.empty()) {
        inputs_.push_back(nullptr);
        continue;
      }
      auto it = env.find(name);
      if (it == env.end() && constants) {
        it = constants->find(name);
        if (it == constants->end()) it = env.end();
      }
      if (it == env.end()) fail("input '" + name + "' has no value");
      check_storage(name, it->second);
      inputs_.push_back(&it->second);
    }
  }

  const Node& node() const { return node_; }
  const std::string& op() const { return node_.op; }
  size_t size() const { return inputs_.size(); }
  bool has(size_t k) const { return k < inputs_.size() && inputs_[k] != nullptr; }

  const Tensor& operator[](size_t k) const {
    if (!has(k)) fail("input " + std::to_string(k) + " is missing");
    return *inputs_[k];
  }
  const Tensor& floats(size_t k) const {
    const Tensor& t = (*this)[k];
    if (!t.is_float()) fail(describe(k) + " is " + dtype_name(t.dtype) + ", not float32");
    return t;
  }
  const Tensor& integers(size_t k) const {
    const Tensor& t = (*this)[k];
    if (t.is_float()) fail(describe(k) + " is float32, not an integer tensor");
    return t;
  }
  const Tensor& bools(size_t k) const {
    const Tensor& t = (*this)[k];
    if (t.dtype != DType::kBool) fail(describe(k) + " is " + dtype_name(t.dtype) + ", not bool");
    return t;
  }
  // An integer input's values (a shape, axes, pads, ...).
  const std::vector<int64_t>& ints(size_t k) const { return integers(k).i; }
  // A one-element input as T.
  template <typename T>
  T scalar(size_t k) const {
    const Tensor& t = (*this)[k];
    if (t.numel() != 1) fail(describe(k) + " has shape " + text(t.shape) + ", not one value");
    return t.is_float() ? static_cast<T>(t.f[0]) : static_cast<T>(t.i[0]);
  }
  std::string describe(size_t k) const {
    return "input " + std::to_string(k) + " ('" + node_.inputs[k] + "')";
  }

  [[noreturn]] void fail(const std::string& why) const { throw Error(node_.where() + ": " + why); }

 private:
  void check_storage(const std::string& name, const Tensor& t) const {
    const size_t held = t.is_float() ? t.f.size() : t.i.size();
    if (static_cast<int64_t>(held) != t.numel()) {
      fail("input '" + name + "' holds " + std::to_string(held) + " values for shape " +
           text(t.shape));
    }
  }

  const Node& node_;
  std::vector<const Tensor*> inputs_;
};

int64_t normalize_axis(const Args& args, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    args.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  return axis < 0 ? axis + rank : axis;
}

int64_t rank_of(const Tensor& t) {
  return static_cast<int64_t>(t.shape.size());
}

Shape broadcast_shape(const Args& args, const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t da = d + a.size() >= rank ? a[d + a.size() - rank] : 1;
    const int64_t db = d + b.size() >= rank ? b[d + b.size() - rank] : 1;
    if (da != db && da != 1 && db != 1) {
      args.fail("shapes " + text(a) + " and " + text(b) + " do not broadcast");
    }
    out[d] = da == 1 ? db : da;
  }
  check_limits(out, "the result", true);
  return out;
}

// Whether `from` broadcasts to `to` in one direction (Gemm's C).
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  const size_t lead = to.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d) {
    if (from[d] != 1 && from[d] != to[lead + d]) return false;
  }
  return true;
}

void require_same_kind(const Args& args, const Tensor& a, const Tensor& b) {
  if (a.is_float() != b.is_float()) {
    args.fail(std::string("operands are ") + dtype_name(a.dtype) + " and " + dtype_name(b.dtype));
  }
}

// ---- element-wise loops ------------------------------------------------------------

constexpr int64_t kLanes = 16;

template <typename T, typename R, typename Fn>
void map_values(const T* __restrict x, R* __restrict y, int64_t n, Fn fn) {
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) y[j + l] = fn(x[j + l]);
  }
  for (; j < n; ++j) y[j] = fn(x[j]);
}

template <typename T, typename R, typename Fn>
void zip_values(const T* __restrict a, const T* __restrict b, R* __restrict y, int64_t n, Fn fn) {
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) y[j + l] = fn(a[j + l], b[j + l]);
  }
  for (; j < n; ++j) y[j] = fn(a[j], b[j]);
}

// fn over a float tensor.
template <typename Fn>
Tensor map_float(const Tensor& x, Fn fn) {
  Tensor y = allocate(DType::kFloat32, x.shape);
  map_values(x.f.data(), y.f.data(), x.numel(), fn);
  return y;
}

// A generic fn over a tensor of either kind; the result keeps x's type.
template <typename Fn>
Tensor map_any(const Tensor& x, Fn fn) {
  Tensor y = allocate(x.dtype, x.shape);
  by_type(x, [&](auto tag) {
    using T = decltype(tag);
    map_values(values<T>(x).data(), values<T>(y).data(), x.numel(), fn);
  });
  return y;
}

template <typename T, typename Fn>
auto broadcast_values(const Tensor& a, const Tensor& b, const Shape& shape, Fn fn) {
  const std::vector<T>& x = values<T>(a);
  const std::vector<T>& y = values<T>(b);
  std::vector<decltype(fn(T{}, T{}))> out(numel(shape));
  if (a.shape == shape && b.shape == shape) {
    zip_values(x.data(), y.data(), out.data(), numel(shape), fn);
  } else {
    for_each_index<2>(shape, {broadcast_strides(a.shape, shape), broadcast_strides(b.shape, shape)},
                      [&](int64_t k, const auto& at) { out[k] = fn(x[at[0]], y[at[1]]); });
  }
  return out;
}

// fn(a, b) with numpy broadcasting; fn is generic (float or int64_t operands)
// and returns the element type of `type`.
template <typename Fn>
Tensor broadcast(const Args& args, const Tensor& a, const Tensor& b, DType type, Fn fn) {
  require_same_kind(args, a, b);
  Tensor out;
  out.dtype = type;
  out.shape = broadcast_shape(args, a.shape, b.shape);
  if (a.is_float()) {
    store(out, broadcast_values<float>(a, b, out.shape, fn));
  } else {
    store(out, broadcast_values<int64_t>(a, b, out.shape, fn));
  }
  return out;
}

// ---- element-wise ops --------------------------------------------------------------

// Unary ops defined on every numeric type.
Tensors signed_unary(const Args& args) {
  const std::string& op = args.op();
  const Tensor& x = args[0];
  if (op == "Neg") return {map_any(x, [](auto v) { return -v; })};
  if (op == "Abs") return {map_any(x, [](auto v) { return decltype(v)(std::abs(v)); })};
  if (op == "Relu") return {map_any(x, [](auto v) { return v < 0 ? decltype(v)(0) : v; })};
  if (op == "Sign") return {map_any(x, [](auto v) { return decltype(v)((v > 0) - (v < 0)); })};
  args.fail("not a unary op");
}

Tensors float_unary(const Args& args) {
  const std::string& op = args.op();
  const Tensor& x = args.floats(0);
  if (op == "Sqrt") return {map_float(x, [](float v) { return std::sqrt(v); })};
  if (op == "Exp") return {map_float(x, [](float v) { return std::exp(v); })};
  if (op == "Log") return {map_float(x, [](float v) { return std::log(v); })};
  if (op == "Erf") return {map_float(x, [](float v) { return std::erf(v); })};
  if (op == "Tanh") return {map_float(x, [](float v) { return std::tanh(v); })};
  if (op == "Sin") return {map_float(x, [](float v) { return std::sin(v); })};
  if (op == "Cos") return {map_float(x, [](float v) { return std::cos(v); })};
  if (op == "Floor") return {map_float(x, [](float v) { return std::floor(v); })};
  if (op == "Ceil") return {map_float(x, [](float v) { return std::ceil(v); })};
  if (op == "Round") {  // halves to even
    return {map_float(x, [](float v) { return std::nearbyint(v); })};
  }
  if (op == "Reciprocal") return {map_float(x, [](float v) { return 1.0f / v; })};
  if (op == "Sigmoid") return {map_float(x, [](float v) { return 1.0f / (1.0f + std::exp(-v)); })};
  if (op == "Mish") {  // x * tanh(softplus(x))
    return {map_float(x, [](float v) {
      return v * std::tanh(v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)));
    })};
  }
  if (op == "Softplus") {  // ln(exp(x) + 1), in a form that does not overflow for large x
    return {map_float(
        x, [](float v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); })};
  }
  args.fail("not a unary op");
}

// Activations with attributes.
Tensors activation(const Args& args) {
  const Node& node = args.node();
  const Tensor& x = args.floats(0);
  if (node.op == "LeakyRelu") {
    const float alpha = node.get_float("alpha", 0.01f);
    return {map_float(x, [alpha](float v) { return v < 0 ? alpha * v : v; })};
  }
  if (node.op == "Elu") {
    const float alpha = node.get_float("alpha", 1.0f);
    return {map_float(x, [alpha](float v) { return v < 0 ? alpha * (std::exp(v) - 1.0f) : v; })};
  }
  // HardSigmoid, and HardSwish: x * HardSigmoid(x) with alpha 1/6, beta 1/2.
  const bool swish = node.op == "HardSwish";
  const float alpha = swish ? 1.0f / 6.0f : node.get_float("alpha", 0.2f);
  const float beta = swish ? 0.5f : node.get_float("beta", 0.5f);
  return {map_float(x, [=](float v) {
    const float gate = std::min(std::max(alpha * v + beta, 0.0f), 1.0f);
    return swish ? v * gate : gate;
  })};
}

Tensors not_op(const Args& args) {
  Tensor y = args.bools(0);
  for (int64_t& v : y.i) v = v == 0;
  return {std::move(y)};
}

// Clip: bounds as inputs (opset >= 11) or as attributes (before); absent bounds are open.
Tensors clip(const Args& args) {
  const Node& node = args.node();
  const Tensor& x = args[0];
  return {by_type(x, [&](auto tag) {
    using T = decltype(tag);
    T lo = lowest<T>(), hi = highest<T>();
    if (node.has("min")) lo = T(node.get_float("min", 0));
    if (node.has("max")) hi = T(node.get_float("max", 0));
    if (args.has(1)) lo = args.scalar<T>(1);
    if (args.has(2)) hi = args.scalar<T>(2);
    Tensor y = allocate(x.dtype, x.shape);
    map_values(values<T>(x).data(), values<T>(y).data(), x.numel(),
               [lo, hi](T v) { return std::min(std::max(v, lo), hi); });
    return y;
  })};
}

// Integer Div truncates toward zero (ONNX's reference casts numpy's quotient).
void require_nonzero_divisor(const Args& args, const Tensor& b) {
  if (!b.is_float() && std::find(b.i.begin(), b.i.end(), 0) != b.i.end()) {
    args.fail("integer division by zero");
  }
}

Tensors power(const Args& args) {
  const Tensor& a = args[0];
  const Tensor& b = args[1];
  const auto pow = [](auto x, auto y) { return decltype(x)(std::pow(x, y)); };
  if (a.is_float() == b.is_float()) return {broadcast(args, a, b, a.dtype, pow)};
  if (a.is_float()) return {broadcast(args, a, cast(b, DType::kFloat32), a.dtype, pow)};
  const Tensor y = broadcast(args, cast(a, DType::kFloat32), b, DType::kFloat32, pow);
  return {cast(y, a.dtype)};
}

Tensors arithmetic(const Args& args) {
  const std::string& op = args.op();
  const Tensor& a = args[0];
  const Tensor& b = args[1];
  const auto apply = [&](auto fn) { return Tensors{broadcast(args, a, b, a.dtype, fn)}; };
  if (op == "Add") return apply([](auto x, auto y) { return x + y; });
  if (op == "Sub") return apply([](auto x, auto y) { return x - y; });
  if (op == "Mul") return apply([](auto x, auto y) { return x * y; });
  require_nonzero_divisor(args, b);
  if (op == "Mod") {
    // fmod 0: the remainder takes the divisor's sign (integers only); fmod 1:
    // the dividend's, as C's fmod (floats need it).
    const bool c_fmod = args.node().get_int("fmod", 0) != 0;
    if (a.is_float() && !c_fmod) args.fail("Mod of floats needs fmod=1");
    return apply([c_fmod](auto x, auto y) {
      if constexpr (std::is_floating_point_v<decltype(x)>) {
        return decltype(x)(std::fmod(x, y));
      } else {
        auto r = x % y;
        if (!c_fmod && r != 0 && ((r < 0) != (y < 0))) r += y;
        return r;
      }
    });
  }
  return apply([](auto x, auto y) { return x / y; });  // Div
}

// Comparisons and logic: bool results.
Tensors compare(const Args& args) {
  const std::string& op = args.op();
  const auto test = [&](auto fn) {
    return Tensors{broadcast(args, args[0], args[1], DType::kBool, fn)};
  };
  if (op == "Equal") return test([](auto x, auto y) -> int64_t { return x == y; });
  if (op == "Less") return test([](auto x, auto y) -> int64_t { return x < y; });
  if (op == "Greater") return test([](auto x, auto y) -> int64_t { return x > y; });
  if (op == "LessOrEqual") return test([](auto x, auto y) -> int64_t { return x <= y; });
  if (op == "GreaterOrEqual") return test([](auto x, auto y) -> int64_t { return x >= y; });
  args.bools(0);
  args.bools(1);
  if (op == "And") return test([](auto x, auto y) -> int64_t { return x && y; });
  if (op == "Or") return test([](auto x, auto y) -> int64_t { return x || y; });
  return test([](auto x, auto y) -> int64_t { return (x != 0) != (y != 0); });  // Xor
}

template <typename Fn>
Tensor fold(const Args& args, Fn fn) {
  Tensor acc = args[0];
  for (size_t k = 1; k < args.size(); ++k) acc = broadcast(args, acc, args[k], acc.dtype, fn);
  return acc;
}

// Sum, Mean, Min, Max of any number of inputs, broadcast together.
Tensors variadic(const Args& args) {
  const std::string& op = args.op();
  if (op == "Min") return {fold(args, [](auto x, auto y) { return std::min(x, y); })};
  if (op == "Max") return {fold(args, [](auto x, auto y) { return std::max(x, y); })};
  Tensor sum = fold(args, [](auto x, auto y) { return x + y; });
  if (op == "Sum") return {std::move(sum)};
  if (!sum.is_float()) args.fail("Mean of integers");
  const float n = static_cast<float>(args.size());
  return {map_float(sum, [n](float v) { return v / n; })};
}

Tensors where(const Args& args) {
  const Tensor& c = args.bools(0);
  const Tensor& x = args[1];
  const Tensor& y = args[2];
  require_same_kind(args, x, y);
  const Shape shape = broadcast_shape(args, broadcast_shape(args, c.shape, x.shape), y.shape);
  Tensor out = allocate(x.dtype, shape);
  by_type(x, [&](auto tag) {
    using T = decltype(tag);
    const std::vector<T>& xv = values<T>(x);
    const std::vector<T>& yv = values<T>(y);
    std::vector<T>& ov = values<T>(out);
    for_each_index<3>(
        shape,
        {broadcast_strides(c.shape, shape), broadcast_strides(x.shape, shape),
         broadcast_strides(y.shape, shape)},
        [&](int64_t k, const auto& at) { ov[k] = c.i[at[0]] ? xv[at[1]] : yv[at[2]]; });
  });
  return {std::move(out)};
}

// ONNX's TensorProto.DataType codes of the types a Tensor holds.
DType onnx_type(const Args& args, int64_t code) {
  switch (code) {
    case 1: return DType::kFloat32;
    case 2: return DType::kUint8;
    case 3: return DType::kInt8;
    case 6: return DType::kInt32;
    case 7: return DType::kInt64;
    case 9: return DType::kBool;
    default: args.fail("Cast to ONNX type " + std::to_string(code) + " is not supported");
  }
}

Tensors cast_op(const Args& args) {
  if (!args.node().has("to")) args.fail("attribute 'to' is missing");
  return {cast(args[0], onnx_type(args, args.node().get_int("to", 0)))};
}

// ---- softmax and reductions --------------------------------------------------------

// Softmax and LogSoftmax along one axis (opset 13).
Tensors softmax(const Args& args) {
  const Tensor& x = args.floats(0);
  const int64_t axis = normalize_axis(args, args.node().get_int("axis", -1), rank_of(x));
  const int64_t outer = span(x.shape, 0, axis), n = x.shape[axis];
  const int64_t inner = span(x.shape, axis + 1, x.shape.size());
  const bool log = args.op() == "LogSoftmax";
  Tensor y = allocate(DType::kFloat32, x.shape);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* in = x.f.data() + o * n * inner + i;
      float* out = y.f.data() + o * n * inner + i;
      float max = -kInf, sum = 0;
      for (int64_t j = 0; j < n; ++j) max = std::max(max, in[j * inner]);
      for (int64_t j = 0; j < n; ++j) {
        out[j * inner] = std::exp(in[j * inner] - max);
        sum += out[j * inner];
      }
      const float log_sum = std::log(sum);
      for (int64_t j = 0; j < n; ++j) {
        out[j * inner] = log ? in[j * inner] - max - log_sum : out[j * inner] / sum;
      }
    }
  }
  return {std::move(y)};
}

// LayerNormalization over the trailing axes from `axis` (opset 17): scale and
// optional bias shaped like those axes.
Tensors layer_normalization(const Args& args) {
  const Tensor& x = args.floats(0);
  const Tensor& scale = args.floats(1);
  const int64_t axis = normalize_axis(args, args.node().get_int("axis", -1), rank_of(x));
  const float eps = args.node().get_float("epsilon", 1e-5f);
  const int64_t n = span(x.shape, axis, x.shape.size()), rows = n ? x.numel() / n : 0;
  const bool has_bias = args.node().inputs.size() > 2 && !args.node().inputs[2].empty();
  if (scale.numel() != n) args.fail("scale does not match the normalized axes");
  Tensor y = allocate(DType::kFloat32, x.shape);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x.f.data() + r * n;
    float* out = y.f.data() + r * n;
    double mean = 0, var = 0;
    for (int64_t j = 0; j < n; ++j) mean += in[j];
    mean /= n;
    for (int64_t j = 0; j < n; ++j) var += (in[j] - mean) * (in[j] - mean);
    var /= n;
    const double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t j = 0; j < n; ++j) {
      const float b = has_bias ? args.floats(2).f[j] : 0.0f;
      out[j] = static_cast<float>((in[j] - mean) * inv) * scale.f[j] + b;
    }
  }
  return {std::move(y)};
}

// acc[out] = combine(acc[out], x) over the elements that reduce into each output.
template <typename T, typename Combine>
std::vector<T> reduce_values(const Tensor& x, const Shape& out_strides, int64_t outputs, T init,
                             Combine combine) {
  const std::vector<T>& in = values<T>(x);
  std::vector<T> acc(outputs, init);
  for_each_index<1>(x.shape, {out_strides},
                    [&](int64_t k, const auto& at) { acc[at[0]] = combine(acc[at[0]], in[k]); });
  return acc;
}

template <typename T>
std::vector<T> reduce_by_op(const Args& args, const Tensor& x, const Shape& out_strides,
                            int64_t outputs, int64_t count) {
  const std::string& op = args.op();
  const auto reduce = [&](T init, auto combine) {
    return reduce_values<T>(x, out_strides, outputs, init, combine);
  };
  if (op == "ReduceMax") return reduce(lowest<T>(), [](T a, T v) { return std::max(a, v); });
  if (op == "ReduceMin") return reduce(highest<T>(), [](T a, T v) { return std::min(a, v); });
  if (op == "ReduceProd") return reduce(T(1), [](T a, T v) { return a * v; });
  if (op == "ReduceSumSquare" || op == "ReduceL2") {
    std::vector<T> r = reduce(T(0), [](T a, T v) { return a + v * v; });
    if (op == "ReduceL2") {
      for (T& v : r) v = T(std::sqrt(v));
    }
    return r;
  }
  std::vector<T> r = reduce(T(0), [](T a, T v) { return a + v; });
  if (op == "ReduceMean") {
    for (T& v : r) v = count > 0 ? v / T(count) : T(0);
  }
  return r;
}

// Reduce*: axes from the attribute (ReduceSum before 13, the others before 18)
// or from input 1; no axes reduce everything unless noop_with_empty_axes.
Tensors reduce(const Args& args) {
  const Node& node = args.node();
  const Tensor& x = args[0];
  std::vector<int64_t> axes = node.get_ints("axes", {});
  if (args.has(1)) axes = args.ints(1);
  if (axes.empty() && node.get_int("noop_with_empty_axes", 0)) return {x};
  const int64_t rank = rank_of(x);
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) reduced[normalize_axis(args, a, rank)] = true;
  Shape kept = x.shape, squeezed;
  for (int64_t d = 0; d < rank; ++d) {
    if (reduced[d]) {
      kept[d] = 1;
    } else {
      squeezed.push_back(x.shape[d]);
    }
  }
  Shape out_strides = strides_of(kept);
  for (int64_t d = 0; d < rank; ++d) out_strides[d] = reduced[d] ? 0 : out_strides[d];
  const int64_t count = numel(kept) ? x.numel() / numel(kept) : 0;
  Tensor y;
  y.dtype = x.dtype;
  y.shape = node.get_int("keepdims", 1) ? kept : squeezed;
  by_type(x, [&](auto tag) {
    using T = decltype(tag);
    store(y, reduce_by_op<T>(args, x, out_strides, numel(kept), count));
  });
  return {std::move(y)};
}

// ---- matrix products -----------------------------------------------------------------

// C[m x n] += A[m x k] * B[k x n], row-major with leading dimensions lda, ldb,
// ldc, on oneDNN (one thread per call: models/common/host_gemm.h).
void gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
          float* c, int64_t ldc) {
  host::sgemm(m, n, k, a, lda, b, ldb, true, c, ldc);
}

// gemm() for products whose rows are images of a batch (Gemm, MatMul): the
// library's order of summation depends on the shape of the call, so every row
// goes through a call of kRowBlock rows (the last block padded with zero rows).
// A row's sums then do not depend on how many rows share the product, and a
// model re-exported for batch N calibrates to the same ranges as at batch 1.
constexpr int64_t kRowBlock = 32;

void row_invariant_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                        const float* b, int64_t ldb, float* c, int64_t ldc) {
  const int64_t whole = m - m % kRowBlock;
  for (int64_t i = 0; i < whole; i += kRowBlock)
    gemm(kRowBlock, n, k, a + i * lda, lda, b, ldb, c + i * ldc, ldc);
  const int64_t rest = m - whole;
  if (rest == 0) return;
  std::vector<float> a_block(kRowBlock * k, 0.0f), c_block(kRowBlock * n, 0.0f);
  for (int64_t r = 0; r < rest; ++r) {
    std::copy(a + (whole + r) * lda, a + (whole + r) * lda + k, a_block.begin() + r * k);
    std::copy(c + (whole + r) * ldc, c + (whole + r) * ldc + n, c_block.begin() + r * n);
  }
  gemm(kRowBlock, n, k, a_block.data(), k, b, ldb, c_block.data(), n);
  for (int64_t r = 0; r < rest; ++r)
    std::copy(c_block.begin() + r * n, c_block.begin() + (r + 1) * n, c + (whole + r) * ldc);
}

std::vector<float> transposed(const Tensor& m) {
  const int64_t rows = m.shape[0], cols = m.shape[1];
  std::vector<float> t(m.f.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) t[c * rows + r] = m.f[r * cols + c];
  }
  return t;
}

// Gemm: alpha * A' * B' + beta * C, with C broadcast to [M, N].
Tensors gemm_op(const Args& args) {
  const Node& node = args.node();
  const Tensor& a = args.floats(0);
  const Tensor& b = args.floats(1);
  if (a.shape.size() != 2 || b.shape.size() != 2) {
    args.fail("A " + text(a.shape) + " and B " + text(b.shape) + " must be matrices");
  }
  const bool trans_a = node.get_int("transA", 0), trans_b = node.get_int("transB", 0);
  const int64_t m = a.shape[trans_a], k = a.shape[!trans_a];
  const int64_t kb = b.shape[trans_b], n = b.shape[!trans_b];
  if (k != kb) args.fail("A " + text(a.shape) + " and B " + text(b.shape) + " do not multiply");
  const std::vector<float> a_t = trans_a ? transposed(a) : std::vector<float>();
  const std::vector<float> b_t = trans_b ? transposed(b) : std::vector<float>();
  Tensor y = allocate(DType::kFloat32, {m, n});
  row_invariant_gemm(m, n, k, trans_a ? a_t.data() : a.f.data(), k,
                     trans_b ? b_t.data() : b.f.data(), n, y.f.data(), n);
  const float alpha = node.get_float("alpha", 1.0f), beta = node.get_float("beta", 1.0f);
  if (!args.has(2)) {
    for (float& v : y.f) v = alpha * v;
    return {std::move(y)};
  }
  const Tensor& c = args.floats(2);
  if (!broadcasts_to(c.shape, y.shape)) {
    args.fail("C " + text(c.shape) + " does not broadcast to " + text(y.shape));
  }
  for_each_index<1>(y.shape, {broadcast_strides(c.shape, y.shape)}, [&](int64_t e, const auto& at) {
    y.f[e] = alpha * y.f[e] + beta * c.f[at[0]];
  });
  return {std::move(y)};
}

// MatMul with numpy's semantics: batch axes broadcast, a 1-D operand is a row
// (A) or a column (B) vector whose axis the result drops.
Tensors matmul(const Args& args) {
  const Tensor& a = args.floats(0);
  const Tensor& b = args.floats(1);
  if (a.shape.empty() || b.shape.empty()) args.fail("MatMul of a scalar");
  Shape sa = a.shape, sb = b.shape;
  if (sa.size() == 1) sa.insert(sa.begin(), 1);
  if (sb.size() == 1) sb.push_back(1);
  const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  if (sb[sb.size() - 2] != k) {
    args.fail("A " + text(a.shape) + " and B " + text(b.shape) + " do not multiply");
  }
  const Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
  const Shape batch = broadcast_shape(args, batch_a, batch_b);
  Shape shape = batch;
  if (a.shape.size() > 1) shape.push_back(m);
  if (b.shape.size() > 1) shape.push_back(n);
  Tensor y = allocate(DType::kFloat32, shape);
  for_each_index<2>(batch, {broadcast_strides(batch_a, batch), broadcast_strides(batch_b, batch)},
                    [&](int64_t p, const auto& at) {
                      row_invariant_gemm(m, n, k, a.f.data() + at[0] * m * k, k,
                                         b.f.data() + at[1] * k * n, n, y.f.data() + p * m * n, n);
                    });
  return {std::move(y)};
}

// ---- sliding windows: Conv and pools ---------------------------------------------------

// One spatial axis of a sliding window.
struct WindowAxis {
  int64_t in = 1, kernel = 1, stride = 1, dilation = 1, pad_begin = 0, pad_end = 0, out = 1;
  int64_t extent() const { return (kernel - 1) * dilation + 1; }
};

int64_t windows_along(const WindowAxis& a, bool ceil_mode) {
  const int64_t room = a.in + a.pad_begin + a.pad_end - a.extent();
  if (room < 0) return 0;
  if (!ceil_mode) return room / a.stride + 1;
  const int64_t out = ceil_div(room, a.stride) + 1;
  // The last window must start inside the input or its leading padding.
  return (out - 1) * a.stride >= a.in + a.pad_begin ? out - 1 : out;
}

void place_window(const Args& args, WindowAxis& a, const std::string& auto_pad, bool ceil_mode) {
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    a.out = ceil_div(a.in, a.stride);
    const int64_t total = std::max<int64_t>(0, (a.out - 1) * a.stride + a.extent() - a.in);
    a.pad_begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    a.pad_end = total - a.pad_begin;
  } else if (auto_pad == "VALID") {
    a.pad_begin = a.pad_end = 0;
    a.out = windows_along(a, false);
  } else if (auto_pad == "NOTSET") {
    a.out = windows_along(a, ceil_mode);
  } else {
    args.fail("auto_pad '" + auto_pad + "' is not supported");
  }
  if (a.out < 1) {
    args.fail("a window of " + std::to_string(a.extent()) + " does not fit an axis of " +
              std::to_string(a.in) + " padded by " + std::to_string(a.pad_begin) + "+" +
              std::to_string(a.pad_end));
  }
}

// The windows over the spatial axes of an [N, C, spatial...] input from the
// node's strides, dilations, pads, auto_pad (and ceil_mode for pools). A 1-D
// window gets a leading axis of size 1, so that every window is 2-D.
std::array<WindowAxis, 2> window_axes(const Args& args, const Shape& input, const Shape& kernel,
                                      bool ceil_mode) {
  const Node& node = args.node();
  const size_t spatial = input.size() - 2;
  const Shape strides = node.get_ints("strides", Shape(spatial, 1));
  const Shape dilations = node.get_ints("dilations", Shape(spatial, 1));
  const Shape pads = node.get_ints("pads", Shape(2 * spatial, 0));
  if (kernel.size() != spatial || strides.size() != spatial || dilations.size() != spatial ||
      pads.size() != 2 * spatial) {
    args.fail("kernel " + text(kernel) + ", strides " + text(strides) + ", dilations " +
              text(dilations) + " and pads " + text(pads) + " do not fit input " + text(input));
  }
  const std::string auto_pad = node.get_string("auto_pad", "NOTSET");
  std::array<WindowAxis, 2> axes;
  for (size_t s = 0; s < spatial; ++s) {
    WindowAxis& a = axes[2 - spatial + s];
    a = {input[2 + s], kernel[s], strides[s], dilations[s], pads[s], pads[spatial + s], 0};
    if (a.kernel < 1 || a.stride < 1 || a.dilation < 1 || a.pad_begin < 0 || a.pad_end < 0) {
      args.fail("kernel, strides and dilations must be positive and pads not negative");
    }
    place_window(args, a, auto_pad, ceil_mode);
  }
  return axes;
}

void require_spatial_rank(const Args& args, const Tensor& x) {
  if (x.shape.size() != 3 && x.shape.size() != 4) {
    args.fail("only 1-D and 2-D windows are supported; input is " + text(x.shape));
  }
}

Shape window_output(const Shape& input, int64_t channels, const std::array<WindowAxis, 2>& axes) {
  Shape out = {input[0], channels, axes[0].out, axes[1].out};
  if (input.size() == 3) out.erase(out.begin() + 2);
  return out;
}

// The columns of a convolution for output rows [oh0, oh1), [channels * kh *
// kw, (oh1 - oh0) * out_w]: row (c, i, j) holds input channel c under tap
// (i, j) of each of those windows (0 in the padding).
void im2col(const float* in, int64_t channels, const WindowAxis& h, const WindowAxis& w,
            int64_t oh0, int64_t oh1, std::vector<float>& columns) {
  const int64_t pixels = (oh1 - oh0) * w.out;
  // Every element is written below (the padding's as zeros): the buffer only
  // grows, and is not cleared first (that pass cost as much as the copy).
  const size_t size = static_cast<size_t>(channels * h.kernel * w.kernel * pixels);
  if (columns.size() < size) columns.resize(size);
  float* row = columns.data();
  for (int64_t c = 0; c < channels; ++c) {
    const float* plane = in + c * h.in * w.in;
    for (int64_t i = 0; i < h.kernel; ++i) {
      for (int64_t j = 0; j < w.kernel; ++j, row += pixels) {
        const int64_t shift = j * w.dilation - w.pad_begin;  // input column = ow * stride + shift
        const int64_t lo = clamp(ceil_div(-shift, w.stride), 0, w.out);
        const int64_t hi = clamp(ceil_div(w.in - shift, w.stride), lo, w.out);
        for (int64_t oh = oh0; oh < oh1; ++oh) {
          const int64_t ih = oh * h.stride + i * h.dilation - h.pad_begin;
          float* dst = row + (oh - oh0) * w.out;
          if (ih < 0 || ih >= h.in) {
            std::fill(dst, dst + w.out, 0.0f);
            continue;
          }
          const float* src = plane + ih * w.in;
          std::fill(dst, dst + lo, 0.0f);
          for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow * w.stride + shift];
          std::fill(dst + hi, dst + w.out, 0.0f);
        }
      }
    }
  }
}

thread_local bool image_threads = true;

// fn(0) ... fn(images - 1), split between the host's threads when there are
// several images (set_image_threads()); each call writes its own image.
template <typename Fn>
void for_each_image(int64_t images, const Fn& fn) {
  const int64_t workers =
      image_threads ? std::min<int64_t>(images, std::thread::hardware_concurrency()) : 1;
  if (workers <= 1) {
    for (int64_t n = 0; n < images; ++n) fn(n);
    return;
  }
  std::vector<std::exception_ptr> failed(workers);
  auto work = [&](int64_t w) {
    image_threads = false;  // no threads of threads
    try {
      for (int64_t n = w; n < images; n += workers) fn(n);
    } catch (...) {
      failed[w] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (int64_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  const bool saved = image_threads;
  work(0);
  image_threads = saved;
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : failed)
    if (e) std::rethrow_exception(e);
}

// conv()'s columns, kept by each thread from one convolution to the next
// over a graph run (run_graph() gives its thread's back at its end):
// im2col() writes every element it uses, so the buffer is never cleared (a
// fresh one per call was zeroed and faulted in page by page, a tenth of a
// calibration's time).
thread_local std::vector<float> conv_columns;

// The most floats conv() lays out as columns at once (256 MiB).
constexpr int64_t kColumnFloats = int64_t{1} << 26;

bool is_pointwise(const WindowAxis& h, const WindowAxis& w) {
  return h.kernel == 1 && w.kernel == 1 && h.stride == 1 && w.stride == 1 && h.pad_begin == 0 &&
         w.pad_begin == 0 && h.out == h.in && w.out == w.in;
}

const float* bias_of(const Args& args, int64_t maps) {
  if (!args.has(2)) return nullptr;
  const Tensor& bias = args.floats(2);
  if (bias.shape != Shape{maps}) {
    args.fail("bias " + text(bias.shape) + " is not [" + std::to_string(maps) + "]");
  }
  return bias.f.data();
}

// Conv (1-D and 2-D, groups): one GEMM per image and group, weights [M/g, C/g * kh * kw]
// times the columns of the group's input channels.
Tensors conv(const Args& args) {
  const Node& node = args.node();
  const Tensor& x = args.floats(0);
  const Tensor& w = args.floats(1);
  require_spatial_rank(args, x);
  const int64_t group = node.get_int("group", 1);
  const int64_t channels = x.shape[1], maps = w.shape.empty() ? 0 : w.shape[0];
  if (w.shape.size() != x.shape.size() || group < 1 || maps % group != 0 ||
      w.shape[1] * group != channels) {
    args.fail("weights " + text(w.shape) + " do not fit input " + text(x.shape) + " with group " +
              std::to_string(group));
  }
  const Shape kernel(w.shape.begin() + 2, w.shape.end());
  if (node.get_ints("kernel_shape", kernel) != kernel) {
    args.fail("kernel_shape " + text(node.get_ints("kernel_shape", {})) + " is not the weights'");
  }
  const std::array<WindowAxis, 2> axes = window_axes(args, x.shape, kernel, false);
  const WindowAxis &h = axes[0], &wd = axes[1];  // named, for the per-image lambda below
  const float* bias = bias_of(args, maps);
  Tensor y = allocate(DType::kFloat32, window_output(x.shape, maps, {h, wd}));
  const int64_t cin = channels / group, cout = maps / group, taps = cin * h.kernel * wd.kernel;
  const int64_t pixels = h.out * wd.out;
  // The columns go in bands of output rows of at most kColumnFloats (one
  // band for every network of the suite; a huge image's columns would
  // otherwise take many gigabytes).
  const int64_t band = std::max<int64_t>(1, kColumnFloats / std::max<int64_t>(taps * wd.out, 1));
  for_each_image(x.shape[0], [&](int64_t n) {
    std::vector<float>& columns = conv_columns;
    for (int64_t g = 0; g < group; ++g) {
      const float* in = x.f.data() + (n * channels + g * cin) * h.in * wd.in;
      float* out = y.f.data() + (n * maps + g * cout) * pixels;
      if (is_pointwise(h, wd)) {
        gemm(cout, pixels, taps, w.f.data() + g * cout * taps, taps, in, pixels, out, pixels);
        continue;
      }
      for (int64_t oh0 = 0; oh0 < h.out; oh0 += band) {
        const int64_t oh1 = std::min(h.out, oh0 + band), cols = (oh1 - oh0) * wd.out;
        im2col(in, cin, h, wd, oh0, oh1, columns);
        gemm(cout, cols, taps, w.f.data() + g * cout * taps, taps, columns.data(), cols,
             out + oh0 * wd.out, pixels);
      }
    }
    for (int64_t m = 0; bias && m < maps; ++m) {
      float* out = y.f.data() + (n * maps + m) * pixels;
      for (int64_t p = 0; p < pixels; ++p) out[p] += bias[m];
    }
  });
  return {std::move(y)};
}

// One output of MaxPool or AveragePool: the window's max, or its sum over the
// taps inside the input divided by the taps counted (count_include_pad: also
// those in the padding, not those past it in ceil mode).
float pool_window(const float* plane, const WindowAxis& h, const WindowAxis& w, int64_t oh,
                  int64_t ow, bool is_max, bool include_pad) {
  float acc = is_max ? -kInf : 0.0f;
  int64_t inside = 0, counted = 0;
  for (int64_t i = 0; i < h.kernel; ++i) {
    const int64_t ih = oh * h.stride - h.pad_begin + i * h.dilation;
    for (int64_t j = 0; j < w.kernel; ++j) {
      const int64_t iw = ow * w.stride - w.pad_begin + j * w.dilation;
      counted += ih < h.in + h.pad_end && iw < w.in + w.pad_end;
      if (ih < 0 || ih >= h.in || iw < 0 || iw >= w.in) continue;
      const float v = plane[ih * w.in + iw];
      acc = is_max ? std::max(acc, v) : acc + v;
      ++inside;
    }
  }
  if (is_max) return acc;
  const int64_t divisor = include_pad ? counted : inside;
  return divisor ? acc / static_cast<float>(divisor) : 0.0f;
}

Tensors pool(const Args& args) {
  const Node& node = args.node();
  const Tensor& x = args.floats(0);
  require_spatial_rank(args, x);
  if (!node.has("kernel_shape")) args.fail("attribute 'kernel_shape' is missing");
  const auto [h, w] = window_axes(args, x.shape, node.get_ints("kernel_shape", {}),
                                  node.get_int("ceil_mode", 0) != 0);
  const bool is_max = args.op() == "MaxPool";
  const bool include_pad = node.get_int("count_include_pad", 0) != 0;
  Tensor y = allocate(DType::kFloat32, window_output(x.shape, x.shape[1], {h, w}));
  float* out = y.f.data();
  for (int64_t plane = 0; plane < x.shape[0] * x.shape[1]; ++plane) {
    const float* in = x.f.data() + plane * h.in * w.in;
    for (int64_t oh = 0; oh < h.out; ++oh) {
      for (int64_t ow = 0; ow < w.out; ++ow) {
        *out++ = pool_window(in, h, w, oh, ow, is_max, include_pad);
      }
    }
  }
  return {std::move(y)};
}

Tensors global_pool(const Args& args) {
  const Tensor& x = args.floats(0);
  if (x.shape.size() < 3) args.fail("input " + text(x.shape) + " has no spatial axes");
  Shape shape(x.shape.size(), 1);
  shape[0] = x.shape[0];
  shape[1] = x.shape[1];
  Tensor y = allocate(DType::kFloat32, shape);
  const int64_t size = span(x.shape, 2, x.shape.size());
  const bool is_max = args.op() == "GlobalMaxPool";
  for (int64_t p = 0; p < y.numel(); ++p) {
    const float* in = x.f.data() + p * size;
    float acc = is_max ? -kInf : 0.0f;
    for (int64_t e = 0; e < size; ++e) acc = is_max ? std::max(acc, in[e]) : acc + in[e];
    y.f[p] = is_max ? acc : acc / static_cast<float>(size);
  }
  return {std::move(y)};
}

// BatchNormalization for inference: (x - mean) / sqrt(var + epsilon) * scale + B.
Tensors batch_norm(const Args& args) {
  const Node& node = args.node();
  if (node.get_int("training_mode", 0)) args.fail("training mode is not supported");
  const Tensor& x = args.floats(0);
  if (x.shape.size() < 2) args.fail("input " + text(x.shape) + " has no channel axis");
  const int64_t channels = x.shape[1], size = span(x.shape, 2, x.shape.size());
  std::array<const float*, 4> p;  // scale, B, mean, var
  for (size_t k = 1; k <= 4; ++k) {
    const Tensor& t = args.floats(k);
    if (t.numel() != channels) {
      args.fail(args.describe(k) + " " + text(t.shape) + " does not fit " +
                std::to_string(channels) + " channels");
    }
    p[k - 1] = t.f.data();
  }
  const float epsilon = node.get_float("epsilon", 1e-5f);
  Tensor y = allocate(DType::kFloat32, x.shape);
  for (int64_t n = 0; n < x.shape[0]; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const float scale = p[0][c], bias = p[1][c], mean = p[2][c];
      const float deviation = std::sqrt(p[3][c] + epsilon);
      const int64_t base = (n * channels + c) * size;
      for (int64_t e = base; e < base + size; ++e) {
        y.f[e] = (x.f[e] - mean) / deviation * scale + bias;
      }
    }
  }
  return {std::move(y)};
}

// ---- data movement -------------------------------------------------------------------

// Per-axis offset tables: output element (i0, i1, ...) is the input element at
// offsets[0][i0] + offsets[1][i1] + ..., or the fill value if any of them is kFill.
using AxisOffsets = std::vector<std::vector<int64_t>>;
constexpr int64_t kFill = -1;

Tensor remap(const Tensor& in, const Shape& shape, const AxisOffsets& offsets, double fill = 0) {
  Tensor out = allocate(in.dtype, shape);
  by_type(in, [&](auto tag) {
    using T = decltype(tag);
    const std::vector<T>& src = values<T>(in);
    std::vector<T>& dst = values<T>(out);
    std::fill(dst.begin(), dst.end(), static_cast<T>(fill));
    if (shape.empty()) {
      dst[0] = src[0];
      return;
    }
    const std::vector<int64_t>& last = offsets.back();
    std::vector<int64_t> index(shape.size() - 1, 0);
    for (int64_t start = 0; start < out.numel(); start += shape.back()) {
      int64_t base = 0;
      bool filled = false;
      for (size_t d = 0; d < index.size(); ++d) {
        filled |= offsets[d][index[d]] == kFill;
        base += offsets[d][index[d]];
      }
      for (int64_t j = 0; !filled && j < shape.back(); ++j) {
        if (last[j] != kFill) dst[start + j] = src[base + last[j]];
      }
      // Next row: the outer index counts like an odometer.
      for (size_t d = index.size(); d-- > 0 && ++index[d] == shape[d];) index[d] = 0;
    }
  });
  return out;
}

// Tables for out[i] = in[start + i * step] along each axis.
AxisOffsets strided(const Shape& in_shape, const Shape& out_shape, const Shape& start,
                    const Shape& step) {
  const Shape strides = strides_of(in_shape);
  AxisOffsets offsets;
  for (size_t d = 0; d < out_shape.size(); ++d) {
    offsets.push_back(
        table(out_shape[d], [&](int64_t i) { return (start[d] + i * step[d]) * strides[d]; }));
  }
  return offsets;
}

Tensors transpose(const Args& args) {
  const Tensor& x = args[0];
  const int64_t rank = rank_of(x);
  Shape perm(rank);
  for (int64_t d = 0; d < rank; ++d) perm[d] = rank - 1 - d;
  perm = args.node().get_ints("perm", perm);
  Shape sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  if (sorted != table(rank, [](int64_t d) { return d; })) {
    args.fail("perm " + text(perm) + " is not a permutation of " + std::to_string(rank) + " axes");
  }
  const Shape strides = strides_of(x.shape);
  Shape shape(rank);
  AxisOffsets offsets;
  for (int64_t d = 0; d < rank; ++d) {
    shape[d] = x.shape[perm[d]];
    offsets.push_back(table(shape[d], [&](int64_t i) { return i * strides[perm[d]]; }));
  }
  return {remap(x, shape, offsets)};
}

// Slice: starts/ends/axes/steps as inputs (opset >= 10) or attributes (before);
// out-of-range starts and ends clamp, negative ones count from the end.
Tensors slice(const Args& args) {
  const Node& node = args.node();
  const Tensor& x = args[0];
  const int64_t rank = rank_of(x);
  const bool attrs = node.has("starts");
  const Shape starts = attrs ? node.get_ints("starts", {}) : args.ints(1);
  const Shape ends = attrs ? node.get_ints("ends", {}) : args.ints(2);
  Shape axes = table(static_cast<int64_t>(starts.size()), [](int64_t d) { return d; });
  if (attrs) axes = node.get_ints("axes", axes);
  if (!attrs && args.has(3)) axes = args.ints(3);
  const Shape steps = args.has(4) ? args.ints(4) : Shape(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    args.fail("starts, ends, axes and steps differ in length");
  }
  Shape shape = x.shape, start(rank, 0), step(rank, 1);
  std::vector<bool> seen(rank, false);
  for (size_t k = 0; k < starts.size(); ++k) {
    const int64_t d = normalize_axis(args, axes[k], rank), dim = x.shape[d];
    if (seen[d] || steps[k] == 0) args.fail("axis " + std::to_string(d) + " repeats or has step 0");
    seen[d] = true;
    int64_t s = starts[k] < 0 ? starts[k] + dim : starts[k];
    int64_t e = ends[k] < 0 ? ends[k] + dim : ends[k];
    step[d] = steps[k];
    if (step[d] > 0) {
      s = clamp(s, 0, dim);
      e = clamp(e, 0, dim);
      shape[d] = slice_count(s, e, step[d]);
    } else {
      s = clamp(s, 0, dim - 1);
      e = clamp(e, -1, dim - 1);
      shape[d] = slice_count(s, e, step[d]);
    }
    start[d] = s;
  }
  return {remap(x, shape, strided(x.shape, shape, start, step))};
}

// Output index i along an axis of `dim` elements padded by `begin`: its input
// index under `mode`, or kFill.
int64_t padded_source(int64_t i, int64_t begin, int64_t dim, const std::string& mode) {
  const int64_t s = i - begin;
  if (s >= 0 && s < dim) return s;
  if (mode == "edge") return clamp(s, 0, dim - 1);
  if (mode == "wrap") return (s % dim + dim) % dim;
  if (mode == "reflect") {
    if (dim == 1) return 0;
    const int64_t period = 2 * (dim - 1), r = (s % period + period) % period;
    return r < dim ? r : period - r;
  }
  return kFill;
}

// Pad: pads (and the constant value, and axes at opset 18) as inputs from
// opset 11, attributes before; negative pads crop.
Tensors pad(const Args& args) {
  const Node& node = args.node();
  const Tensor& x = args[0];
  const int64_t rank = rank_of(x);
  const std::string mode = node.get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap") {
    args.fail("mode '" + mode + "' is not supported");
  }
  const Shape pads = node.has("pads") ? node.get_ints("pads", {}) : args.ints(1);
  const Shape axes = args.has(3) ? args.ints(3) : table(rank, [](int64_t d) { return d; });
  if (pads.size() != 2 * axes.size()) {
    args.fail("pads " + text(pads) + " do not fit " + std::to_string(axes.size()) + " axes");
  }
  for (int64_t p : pads)
    if (p < -kMaxDimension || p > kMaxDimension)
      args.fail("pads " + text(pads) + " beyond the limits");
  Shape begin(rank, 0), end(rank, 0);
  for (size_t k = 0; k < axes.size(); ++k) {
    const int64_t d = normalize_axis(args, axes[k], rank);
    begin[d] = pads[k];
    end[d] = pads[k + axes.size()];
  }
  const double fill = args.has(2) ? args.scalar<double>(2) : node.get_float("value", 0.0f);
  const Shape strides = strides_of(x.shape);
  Shape shape(rank);
  AxisOffsets offsets;
  for (int64_t d = 0; d < rank; ++d) {
    shape[d] = x.shape[d] + begin[d] + end[d];
    if (shape[d] < 0) args.fail("pads " + text(pads) + " crop more than input " + text(x.shape));
    if (shape[d] > 0 && x.shape[d] == 0 && mode != "constant") {
      args.fail("cannot " + mode + "-pad an empty axis");
    }
  }
  check_limits(shape, "the result", true);  // before the per-index tables
  for (int64_t d = 0; d < rank; ++d) {
    offsets.push_back(table(shape[d], [&](int64_t i) {
      const int64_t s = padded_source(i, begin[d], x.shape[d], mode);
      return s == kFill ? kFill : s * strides[d];
    }));
  }
  return {remap(x, shape, offsets, fill)};
}

Tensors concat(const Args& args) {
  const Tensor& first = args[0];
  if (!args.node().has("axis")) args.fail("attribute 'axis' is missing");
  const int64_t axis = normalize_axis(args, args.node().get_int("axis", 0), rank_of(first));
  Shape shape = first.shape;
  shape[axis] = 0;
  for (size_t k = 0; k < args.size(); ++k) {
    const Tensor& t = args[k];
    Shape expect = shape;
    expect[axis] = t.shape.size() == shape.size() ? t.shape[axis] : -1;
    if (t.shape != expect) {
      args.fail(args.describe(k) + " " + text(t.shape) + " does not fit " + text(first.shape));
    }
    require_same_kind(args, first, t);
    shape[axis] += t.shape[axis];
  }
  Tensor out = allocate(first.dtype, shape);
  const int64_t outer = span(shape, 0, axis), inner = span(shape, axis + 1, shape.size());
  by_type(first, [&](auto tag) {
    using T = decltype(tag);
    int64_t offset = 0;
    for (size_t k = 0; k < args.size(); ++k) {
      const std::vector<T>& src = values<T>(args[k]);
      const int64_t chunk = args[k].shape[axis] * inner;
      for (int64_t o = 0; o < outer; ++o) {
        std::copy_n(src.begin() + o * chunk, chunk,
                    values<T>(out).begin() + o * shape[axis] * inner + offset);
      }
      offset += chunk;
    }
  });
  return {std::move(out)};
}

// Split: sizes from input 1 (opset >= 13), the attribute (before), num_outputs
// (opset 18: equal chunks, the last one smaller), or equal parts per output.
Shape split_sizes(const Args& args, int64_t dim) {
  const Node& node = args.node();
  if (args.has(1)) return args.ints(1);
  if (node.has("split")) return node.get_ints("split", {});
  const int64_t parts = node.get_int("num_outputs", static_cast<int64_t>(node.outputs.size()));
  if (parts < 1 || (!node.has("num_outputs") && dim % parts != 0)) {
    args.fail("an axis of " + std::to_string(dim) + " does not split into " +
              std::to_string(parts) + " equal parts");
  }
  const int64_t chunk = ceil_div(dim, parts);
  Shape sizes(parts, chunk);
  sizes.back() = dim - chunk * (parts - 1);
  return sizes;
}

Tensors split(const Args& args) {
  const Tensor& x = args[0];
  const size_t outputs = args.node().outputs.size();
  const int64_t axis = normalize_axis(args, args.node().get_int("axis", 0), rank_of(x));
  const Shape sizes = split_sizes(args, x.shape[axis]);
  int64_t total = 0;
  for (int64_t s : sizes) total += s < 0 ? x.shape[axis] + 1 : s;  // a negative size never fits
  if (total != x.shape[axis] || sizes.size() != outputs) {
    args.fail("sizes " + text(sizes) + " do not cut an axis of " + std::to_string(x.shape[axis]) +
              " into " + std::to_string(outputs) + " outputs");
  }
  Tensors parts;
  Shape start(x.shape.size(), 0), step(x.shape.size(), 1);
  for (int64_t size : sizes) {
    Shape shape = x.shape;
    shape[axis] = size;
    parts.push_back(remap(x, shape, strided(x.shape, shape, start, step)));
    start[axis] += size;
  }
  return parts;
}

// Gather along any axis; negative indices count from the end.
Tensors gather(const Args& args) {
  const Tensor& data = args[0];
  const Tensor& indices = args.integers(1);
  const int64_t rank = rank_of(data);
  const int64_t axis = normalize_axis(args, args.node().get_int("axis", 0), rank);
  const int64_t dim = data.shape[axis];
  const Shape strides = strides_of(data.shape);
  Shape view = data.shape;  // the index axis flattened
  view[axis] = indices.numel();
  AxisOffsets offsets;
  for (int64_t d = 0; d < rank; ++d) {
    offsets.push_back(table(view[d], [&](int64_t i) {
      if (d != axis) return i * strides[d];
      const int64_t index = indices.i[i];
      if (index < -dim || index >= dim) {
        args.fail("index " + std::to_string(index) + " is out of range for an axis of " +
                  std::to_string(dim));
      }
      return (index < 0 ? index + dim : index) * strides[d];
    }));
  }
  Shape shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  return {reshaped(remap(data, view, offsets), shape)};
}

// ScatterND (reduction none): data with the slices indices[..., :] name
// replaced by updates, in order (Swin builds its attention masks so).
Tensors scatter_nd(const Args& args) {
  const Tensor& data = args[0];
  const Tensor& indices = args.integers(1);
  const Tensor& updates = args[2];
  require_same_kind(args, data, updates);
  const std::string reduction =
      args.node().has("reduction") ? args.node().attrs.at("reduction").s : "none";
  if (reduction != "none") args.fail("ScatterND with reduction '" + reduction + "'");
  const int64_t rank = rank_of(data);
  if (indices.shape.empty()) args.fail("indices must have at least one axis");
  const int64_t k = indices.shape.back();
  if (k < 1 || k > rank)
    args.fail("index tuples of " + std::to_string(k) + " for rank " + std::to_string(rank));
  const int64_t tuples = indices.numel() / k;
  Shape want(indices.shape.begin(), indices.shape.end() - 1);
  want.insert(want.end(), data.shape.begin() + k, data.shape.end());
  if (updates.shape != want)
    args.fail("updates have shape " + text(updates.shape) + ", expected " + text(want));
  const Shape strides = strides_of(data.shape);
  const int64_t slice = span(data.shape, static_cast<size_t>(k), data.shape.size());  // per tuple
  Tensor out = data;
  by_type(data, [&](auto tag) {
    using T = decltype(tag);
    std::vector<T>& ov = values<T>(out);
    const std::vector<T>& uv = values<T>(updates);
    for (int64_t t = 0; t < tuples; ++t) {
      int64_t at = 0;
      for (int64_t d = 0; d < k; ++d) {
        const int64_t dim = data.shape[d];
        int64_t i = indices.i[t * k + d];
        if (i < -dim || i >= dim)
          args.fail("index " + std::to_string(i) + " is out of range for an axis of " +
                    std::to_string(dim));
        at += (i < 0 ? i + dim : i) * strides[d];
      }
      std::copy_n(uv.begin() + t * slice, slice, ov.begin() + at);
    }
  });
  return {std::move(out)};
}

// Resize: separable, one axis at a time, y = x[first] + w * (x[second] - x[first]).
Tensors resize(const Args& args) {
  const Node& node = args.node();
  Tensor y = args.floats(0);
  const size_t at = resize_scales_input(node);
  std::vector<float> scales;
  std::vector<int64_t> out;
  if (args.has(at) && args[at].numel() > 0) {
    scales = args.floats(at).f;
    if (scales.size() != y.shape.size())
      args.fail("scales has " + std::to_string(scales.size()) + " values for rank " +
                std::to_string(y.shape.size()));
    for (size_t a = 0; a < scales.size(); ++a) {
      const float length = std::floor(static_cast<float>(y.shape[a]) * scales[a]);
      // NaN and lengths past 2^62 are refused by the limits below all the same.
      out.push_back(length >= 0x1p62f ? int64_t{1} << 62
                    : length >= 0.0f  ? static_cast<int64_t>(length)
                                      : 0);
    }
  } else if (args.has(at + 1)) {
    out = args.ints(at + 1);
  } else {
    args.fail("neither scales nor sizes is given");
  }
  // Before the maps, which hold an entry per output index of each axis.
  check_limits(out, "the result", false);
  const std::vector<ResizeMap> maps = resize_maps(node, y.shape, out, scales);
  for (size_t a = 0; a < maps.size(); ++a) {
    if (maps[a].identity() && out[a] == y.shape[a]) continue;
    Shape shape = y.shape;
    shape[a] = out[a];
    Tensor r = allocate(DType::kFloat32, shape);
    int64_t outer = 1, inner = 1;
    for (size_t k = 0; k < a; ++k) outer *= shape[k];
    for (size_t k = a + 1; k < shape.size(); ++k) inner *= shape[k];
    const int64_t length = y.shape[a], resized = out[a];
    const ResizeMap& m = maps[a];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < resized; ++j) {
        const float* x0 = &y.f[(o * length + m.first[j]) * inner];
        const float* x1 = &y.f[(o * length + m.second[j]) * inner];
        float* to = &r.f[(o * resized + j) * inner];
        for (int64_t i = 0; i < inner; ++i) to[i] = x0[i] + m.weight[j] * (x1[i] - x0[i]);
      }
    y = std::move(r);
  }
  return {std::move(y)};
}

Tensors expand(const Args& args) {
  const Tensor& x = args[0];
  const Shape shape = broadcast_shape(args, x.shape, args.ints(1));
  check_limits(shape, "the result", true);  // before the per-index tables
  const Shape strides = broadcast_strides(x.shape, shape);
  AxisOffsets offsets;
  for (size_t d = 0; d < shape.size(); ++d) {
    offsets.push_back(table(shape[d], [&](int64_t i) { return i * strides[d]; }));
  }
  return {remap(x, shape, offsets)};
}

Tensors tile(const Args& args) {
  const Tensor& x = args[0];
  const Shape& repeats = args.ints(1);
  if (repeats.size() != x.shape.size()) {
    args.fail("repeats " + text(repeats) + " do not fit input " + text(x.shape));
  }
  const Shape strides = strides_of(x.shape);
  Shape shape(x.shape.size());
  AxisOffsets offsets;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (repeats[d] < 0) args.fail("repeats " + text(repeats) + " has a negative count");
    if (repeats[d] > kMaxDimension) args.fail("repeats " + text(repeats) + " beyond the limits");
    shape[d] = x.shape[d] * repeats[d];  // both at most 2^24
  }
  check_limits(shape, "the result", true);
  for (size_t d = 0; d < shape.size(); ++d)
    offsets.push_back(table(shape[d], [&](int64_t i) { return i % x.shape[d] * strides[d]; }));
  return {remap(x, shape, offsets)};
}

// ---- shapes ----------------------------------------------------------------------------

// Reshape: 0 copies the input's dimension (unless allowzero), -1 takes what is left.
Tensors reshape(const Args& args) {
  const Tensor& x = args[0];
  const Shape& spec = args.ints(1);
  const bool allow_zero = args.node().get_int("allowzero", 0) != 0;
  const auto refuse = [&] { args.fail("cannot reshape " + text(x.shape) + " to " + text(spec)); };
  Shape shape = spec;
  int64_t inferred = -1, known = 1;
  for (size_t d = 0; d < spec.size(); ++d) {
    if (spec[d] == -1 && inferred < 0) {
      inferred = static_cast<int64_t>(d);
      continue;
    }
    if (spec[d] == 0 && !allow_zero) {
      if (d >= x.shape.size()) refuse();
      shape[d] = x.shape[d];
    }
    if (shape[d] < 0 || __builtin_mul_overflow(known, shape[d], &known)) refuse();
  }
  if (inferred >= 0) {
    if (known == 0 || x.numel() % known != 0) refuse();
    shape[inferred] = x.numel() / known;
  }
  if (numel(shape) != x.numel()) refuse();
  return {reshaped(x, shape)};
}

Tensors flatten(const Args& args) {
  const Tensor& x = args[0];
  const int64_t rank = rank_of(x);
  // Axis r is allowed (an output [n, 1]); a negative axis counts from r.
  const int64_t axis = args.node().get_int("axis", 1);
  if (axis == rank) return {reshaped(x, {x.numel(), 1})};
  const int64_t first = normalize_axis(args, axis, rank);
  return {reshaped(x, {span(x.shape, 0, first), span(x.shape, first, rank)})};
}

// Axes of Squeeze/Unsqueeze: input 1 (opset >= 13) or the attribute (before).
Shape axes_of(const Args& args) {
  if (args.has(1)) return args.ints(1);
  return args.node().get_ints("axes", {});
}

Tensors squeeze(const Args& args) {
  const Tensor& x = args[0];
  const int64_t rank = rank_of(x);
  const Shape axes = axes_of(args);
  std::vector<bool> drop(rank, false);
  for (int64_t d = 0; d < rank; ++d) drop[d] = axes.empty() && x.shape[d] == 1;
  for (int64_t a : axes) {
    const int64_t d = normalize_axis(args, a, rank);
    if (x.shape[d] != 1) {
      args.fail("axis " + std::to_string(a) + " of " + text(x.shape) + " is not 1");
    }
    drop[d] = true;
  }
  Shape shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (!drop[d]) shape.push_back(x.shape[d]);
  }
  return {reshaped(x, shape)};
}

Tensors unsqueeze(const Args& args) {
  const Tensor& x = args[0];
  const Shape axes = axes_of(args);
  const int64_t rank = rank_of(x) + static_cast<int64_t>(axes.size());
  std::vector<bool> inserted(rank, false);
  for (int64_t a : axes) {
    const int64_t d = normalize_axis(args, a, rank);
    if (inserted[d]) args.fail("axes " + text(axes) + " repeat an axis");
    inserted[d] = true;
  }
  Shape shape;
  auto next = x.shape.begin();
  for (int64_t d = 0; d < rank; ++d) shape.push_back(inserted[d] ? 1 : *next++);
  return {reshaped(x, shape)};
}

Tensors identity(const Args& args) {
  return {args[0]};
}

// Dropout at inference: the input, and a mask of all true if asked for. In
// training mode only with a ratio of 0 (torchvision's Swin calls F.dropout
// with its default training=True and p=0), which is the identity too.
Tensors dropout(const Args& args) {
  const bool training = args.has(2) && args.scalar<int64_t>(2) != 0;
  const float ratio = args.has(1) ? args.scalar<float>(1) : 0.5f;
  if (training && ratio != 0.0f) args.fail("training mode with a ratio above 0 is not supported");
  const Tensor& x = args[0];
  Tensor mask = allocate(DType::kBool, x.shape);
  std::fill(mask.i.begin(), mask.i.end(), 1);
  return {x, std::move(mask)};
}

Tensors shape_op(const Args& args) {
  const Shape& shape = args[0].shape;
  const int64_t rank = static_cast<int64_t>(shape.size());
  int64_t start = args.node().get_int("start", 0), end = args.node().get_int("end", rank);
  start = clamp(start < 0 ? start + rank : start, 0, rank);
  end = clamp(end < 0 ? end + rank : end, start, rank);
  return {Tensor::ints({end - start}, Shape(shape.begin() + start, shape.begin() + end))};
}

Tensors size_op(const Args& args) {
  return {Tensor::ints({}, {args[0].numel()})};
}

Tensors constant(const Args& args) {
  const Node& node = args.node();
  if (node.has("value")) {
    const Attribute& value = node.attrs.at("value");
    if (value.kind != Attribute::Kind::kTensor || value.t.size() != 1) {
      args.fail("attribute 'value' is not a tensor");
    }
    return {value.t[0]};
  }
  if (node.has("value_float")) return {Tensor::floats({}, {node.get_float("value_float", 0)})};
  if (node.has("value_int")) return {Tensor::ints({}, {node.get_int("value_int", 0)})};
  if (node.has("value_ints")) {
    const Shape v = node.get_ints("value_ints", {});
    return {Tensor::ints({static_cast<int64_t>(v.size())}, v)};
  }
  const auto it = node.attrs.find("value_floats");
  if (it == node.attrs.end() || it->second.kind != Attribute::Kind::kFloats) {
    args.fail("needs one of value, value_float(s), value_int(s)");
  }
  return {Tensor::floats({static_cast<int64_t>(it->second.floats.size())}, it->second.floats)};
}

Tensors constant_of_shape(const Args& args) {
  const Shape& shape = args.ints(0);
  for (int64_t d : shape) {
    if (d < 0) args.fail("shape " + text(shape) + " has a negative dimension");
  }
  Tensor value = Tensor::floats({1}, {0.0f});
  const auto it = args.node().attrs.find("value");
  if (it != args.node().attrs.end()) {
    if (it->second.kind != Attribute::Kind::kTensor || it->second.t.size() != 1 ||
        it->second.t[0].numel() != 1) {
      args.fail("attribute 'value' is not a one-element tensor");
    }
    value = it->second.t[0];
  }
  Tensor y = allocate(value.dtype, shape);
  if (value.is_float()) {
    std::fill(y.f.begin(), y.f.end(), value.f[0]);
  } else {
    std::fill(y.i.begin(), y.i.end(), value.i[0]);
  }
  return {std::move(y)};
}

// Range: ceil((limit - start) / delta) elements start + k * delta, of start's type.
Tensors range(const Args& args) {
  const Tensor& first = args[0];
  for (size_t k = 1; k < 3; ++k) require_same_kind(args, first, args[k]);
  if (args.scalar<double>(2) == 0) args.fail("delta is 0");
  if (first.is_float()) {
    const float start = args.scalar<float>(0), delta = args.scalar<float>(2);
    const double steps = std::ceil((args.scalar<double>(1) - start) / delta);
    if (std::isnan(steps))
      args.fail("the number of elements is not a number (start, limit or delta)");
    // Past 2^62 (or infinite) the limits refuse it all the same.
    const double count = std::clamp(steps, 0.0, 0x1p62);
    Tensor y = allocate(DType::kFloat32, {static_cast<int64_t>(count)});
    for (size_t k = 0; k < y.f.size(); ++k) y.f[k] = start + static_cast<float>(k) * delta;
    return {std::move(y)};
  }
  const int64_t start = args.scalar<int64_t>(0), delta = args.scalar<int64_t>(2);
  // In 128 bits: limit - start, and the division's rounding, may pass int64.
  const __int128 distance = __int128{args.scalar<int64_t>(1)} - start;
  const __int128 steps =
      delta > 0 ? (distance + delta - 1) / delta : (distance + delta + 1) / delta;
  Tensor y =
      allocate(first.dtype, {static_cast<int64_t>(std::clamp<__int128>(steps, 0, INT64_MAX))});
  // Each value lies between start and limit; k x delta may not fit int64.
  for (size_t k = 0; k < y.i.size(); ++k)
    y.i[k] = static_cast<int64_t>(start + static_cast<__int128>(k) * delta);
  return {std::move(y)};
}

// ---- the operator table ----------------------------------------------------------------

using Operator = Tensors (*)(const Args&);

const std::map<std::string, Operator>& operators() {
  static const std::map<std::string, Operator> table = [] {
    std::map<std::string, Operator> t;
    const auto add = [&t](std::initializer_list<const char*> ops, Operator fn) {
      for (const char* op : ops) t[op] = fn;
    };
    add({"Neg", "Abs", "Relu", "Sign"}, signed_unary);
    add({"Sqrt", "Exp", "Log", "Erf", "Tanh", "Sin", "Cos", "Floor", "Ceil", "Round", "Reciprocal",
         "Sigmoid", "Softplus", "Mish"},
        float_unary);
    add({"LeakyRelu", "Elu", "HardSigmoid", "HardSwish"}, activation);
    add({"Add", "Sub", "Mul", "Div", "Mod"}, arithmetic);
    add({"Pow"}, power);
    add({"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"}, compare);
    add({"Not"}, not_op);
    add({"Sum", "Mean", "Min", "Max"}, variadic);
    add({"Clip"}, clip);
    add({"Where"}, where);
    add({"Cast"}, cast_op);
    add({"Softmax", "LogSoftmax"}, softmax);
    add({"LayerNormalization"}, layer_normalization);
    add({"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare",
         "ReduceL2"},
        reduce);
    add({"Gemm"}, gemm_op);
    add({"MatMul"}, matmul);
    add({"Conv"}, conv);
    add({"MaxPool", "AveragePool"}, pool);
    add({"GlobalAveragePool", "GlobalMaxPool"}, global_pool);
    add({"BatchNormalization"}, batch_norm);
    add({"Transpose"}, transpose);
    add({"Slice"}, slice);
    add({"Pad"}, pad);
    add({"Concat"}, concat);
    add({"Split"}, split);
    add({"Gather"}, gather);
    add({"ScatterND"}, scatter_nd);
    add({"Expand"}, expand);
    add({"Tile"}, tile);
    add({"Resize"}, resize);
    add({"Reshape"}, reshape);
    add({"Flatten"}, flatten);
    add({"Squeeze"}, squeeze);
    add({"Unsqueeze"}, unsqueeze);
    add({"Identity"}, identity);
    add({"Dropout"}, dropout);
    add({"Shape"}, shape_op);
    add({"Size"}, size_op);
    add({"Constant"}, constant);
    add({"ConstantOfShape"}, constant_of_shape);
    add({"Range"}, range);
    return t;
  }();
  return table;
}

}  // namespace

bool can_evaluate(const std::string& op) {
  return operators().count(op) != 0;
}

std::vector<std::string> evaluable_operators() {
  std::vector<std::string> ops;
  for (const auto& entry : operators()) ops.push_back(entry.first);
  return ops;
}

namespace {

// evaluate(), with inputs also taken from `constants`.
void evaluate_with(const Node& node, Env& env, const Env* constants) {
  const auto op = operators().find(node.op);
  if (op == operators().end()) throw Error(node.where() + ": the operator is not supported");
  const Args args(node, env, constants);
  Tensors outputs;
  try {
    outputs = op->second(args);
  } catch (const LimitError& e) {
    args.fail(e.what());
  }
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    if (node.outputs[k].empty()) continue;
    if (k >= outputs.size()) args.fail("output " + std::to_string(k) + " is not supported");
    env[node.outputs[k]] = std::move(outputs[k]);
  }
}

}  // namespace

bool set_image_threads(bool on) {
  return std::exchange(image_threads, on);
}

void evaluate(const Node& node, Env& env) {
  evaluate_with(node, env, nullptr);
}

void run_graph(const Graph& graph, const Env& inputs, const GraphVisitor& visit) {
  for (const std::string& name : graph.inputs) {
    const auto given = inputs.find(name);
    if (given == inputs.end()) {
      throw Error("graph '" + graph.name + "': input '" + name + "' is not given");
    }
    const auto info = graph.values.find(name);
    if (info != graph.values.end() &&
        (info->second.shape != given->second.shape || info->second.dtype != given->second.dtype)) {
      throw Error("graph '" + graph.name + "': input '" + name + "' is " +
                  dtype_name(given->second.dtype) + " " + text(given->second.shape) + ", not " +
                  dtype_name(info->second.dtype) + " " + text(info->second.shape));
    }
  }
  // Each computed tensor lives until its last reader (or to the end, for a
  // graph output): the constants are read where they are, never copied.
  std::map<std::string, size_t> last_read;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& in : graph.nodes[i].inputs) last_read[in] = i;
  for (const std::string& out : graph.outputs) last_read[out] = graph.nodes.size();
  Env env = inputs;
  for (const auto& [name, tensor] : env) visit(name, tensor);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    evaluate_with(node, env, &graph.constants);
    for (const std::string& out : node.outputs)
      if (!out.empty()) visit(out, env.at(out));
    for (const std::string& in : node.inputs) {
      const auto read = last_read.find(in);
      if (read != last_read.end() && read->second == i) env.erase(in);
    }
  }
  std::vector<float>().swap(conv_columns);
}

Env run_graph(const Graph& graph, const Env& inputs) {
  Env values;
  run_graph(graph, inputs, [&](const std::string& name, const Tensor& t) { values[name] = t; });
  return values;
}

}  // namespace vtpu::sw
