// The fp32 reference evaluator (sw/graph/eval.h) and the graph IR's members
// (sw/graph/graph.h): each op family against values worked out by hand in the
// comments, the large Conv and MatMul against naive loops written here from
// ONNX's definitions, and the refusals, which name the node.
#include "sw/graph/eval.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "models/common/error.h"

namespace vtpu::sw {
namespace {

using Shape = std::vector<int64_t>;

// ---- building nodes and checking tensors ---------------------------------------------

Attribute int_attr(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}
Attribute float_attr(float v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
Attribute string_attr(const std::string& v) {
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = v;
  return a;
}
Attribute ints_attr(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}
Attribute floats_attr(std::vector<float> v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloats;
  a.floats = std::move(v);
  return a;
}
Attribute tensor_attr(Tensor t) {
  Attribute a;
  a.kind = Attribute::Kind::kTensor;
  a.t = {std::move(t)};
  return a;
}

Node make_node(const std::string& op, std::vector<std::string> inputs,
               std::map<std::string, Attribute> attrs = {},
               std::vector<std::string> outputs = {"y"}) {
  Node n;
  n.name = "n_" + op;
  n.op = op;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attrs = std::move(attrs);
  return n;
}

Tensor floats(Shape shape, std::vector<float> v) {
  return Tensor::floats(std::move(shape), std::move(v));
}
Tensor ints(Shape shape, std::vector<int64_t> v) {
  return Tensor::ints(std::move(shape), std::move(v));
}
Tensor bools(Shape shape, std::vector<int64_t> v) {
  return Tensor::ints(std::move(shape), std::move(v), DType::kBool);
}
std::vector<float> iota(int64_t n, float from = 0) {
  std::vector<float> v(n);
  for (int64_t k = 0; k < n; ++k) v[k] = from + static_cast<float>(k);
  return v;
}

// evaluate() on `env`, and the output `out`.
Tensor run(const Node& node, Env env, const std::string& out = "y") {
  evaluate(node, env);
  return env.at(out);
}

// The message evaluate() throws for `node` on `env`.
std::string error_of(const Node& node, Env env) {
  try {
    evaluate(node, env);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

void expect_floats(const Tensor& t, const Shape& shape, const std::vector<float>& values,
                   float tolerance = 1e-6f) {
  EXPECT_EQ(t.dtype, DType::kFloat32);
  EXPECT_EQ(t.shape, shape);
  ASSERT_EQ(t.f.size(), values.size());
  for (size_t k = 0; k < values.size(); ++k) {
    EXPECT_NEAR(t.f[k], values[k], tolerance * std::max(1.0f, std::fabs(values[k])))
        << "element " << k;
  }
}

void expect_ints(const Tensor& t, const Shape& shape, const std::vector<int64_t>& values,
                 DType type = DType::kInt64) {
  EXPECT_EQ(t.dtype, type);
  EXPECT_EQ(t.shape, shape);
  EXPECT_EQ(t.i, values);
}

// Values k/4 for small integers k: products and sums of these are exact in
// fp32, so a naive loop and the evaluator agree to the bit in any order.
std::vector<float> quarters(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(-8, 8);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(dist(rng)) / 4.0f;
  return v;
}

// ---- the graph IR ---------------------------------------------------------------------

TEST(Graph, SliceCountForAnyStep) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(slice_count(0, 10, 1), 10);
  EXPECT_EQ(slice_count(0, 10, 3), 4);  // 0 3 6 9
  EXPECT_EQ(slice_count(2, 10, 4), 2);  // 2 6
  EXPECT_EQ(slice_count(9, -1, -1), 10);
  EXPECT_EQ(slice_count(9, -1, -4), 3);  // 9 5 1
  EXPECT_EQ(slice_count(5, 5, 1), 0);
  EXPECT_EQ(slice_count(5, 2, 1), 0);   // end behind a forward step
  EXPECT_EQ(slice_count(2, 5, -1), 0);  // and behind a backward one
  EXPECT_EQ(slice_count(0, 16, kMax), 1);
  EXPECT_EQ(slice_count(16, 0, -kMax), 1);
  EXPECT_EQ(slice_count(16, -1, kMin), 1);
  EXPECT_EQ(slice_count(kMin, kMax, kMax), 3);  // kMin, -1, kMax - 1
  EXPECT_EQ(slice_count(kMax, kMin, kMin), 2);  // kMax, then kMax + kMin = -1
}

TEST(Graph, TensorsAttributesAndNames) {
  EXPECT_STREQ(dtype_name(DType::kFloat32), "float32");
  EXPECT_STREQ(dtype_name(DType::kInt64), "int64");
  EXPECT_STREQ(dtype_name(DType::kBool), "bool");
  const Tensor t = floats({2, 3}, iota(6));
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(floats({}, {1}).numel(), 1);  // a scalar
  EXPECT_EQ(ints({0, 4}, {}).numel(), 0);
  EXPECT_EQ(Tensor::ints({1}, {1}, DType::kInt32).dtype, DType::kInt32);
  EXPECT_THROW(floats({2, 2}, {1, 2, 3}), Error);

  const Node n = make_node("Conv", {"x"},
                           {{"group", int_attr(2)},
                            {"alpha", float_attr(0.5f)},
                            {"auto_pad", string_attr("VALID")},
                            {"pads", ints_attr({1, 2})}});
  EXPECT_EQ(n.get_int("group", 1), 2);
  EXPECT_EQ(n.get_int("missing", 7), 7);
  EXPECT_EQ(n.get_float("alpha", 1), 0.5f);
  EXPECT_EQ(n.get_float("beta", 3), 3.0f);
  EXPECT_EQ(n.get_string("auto_pad", "NOTSET"), "VALID");
  EXPECT_EQ(n.get_string("mode", "constant"), "constant");
  EXPECT_EQ(n.get_ints("pads", {}), (Shape{1, 2}));
  EXPECT_EQ(n.get_ints("strides", {1, 1}), (Shape{1, 1}));
  EXPECT_EQ(n.where(), "node 'n_Conv' (Conv)");
  try {
    n.get_int("pads", 0);
    FAIL() << "a list read as an int";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "node 'n_Conv' (Conv): attribute 'pads' is a list of ints, not an int");
  }
}

// ---- Conv -----------------------------------------------------------------------------

TEST(Eval, ConvPadsStridesAndBias) {
  // x = 1..9 in 3x3, padded by 1: windows 2x2 at stride 2 start at rows/cols -1 and 1.
  // w = [[1,2],[3,4]]:  (-1,-1): 1*4 = 4;  (-1,1): 2*3 + 3*4 = 18;
  // (1,-1): 4*2 + 7*4 = 36;  (1,1): 5 + 6*2 + 8*3 + 9*4 = 77; bias 10.
  const Node conv = make_node("Conv", {"x", "w", "b"},
                              {{"pads", ints_attr({1, 1, 1, 1})}, {"strides", ints_attr({2, 2})}});
  const Tensor y = run(conv, {{"x", floats({1, 1, 3, 3}, iota(9, 1))},
                              {"w", floats({1, 1, 2, 2}, {1, 2, 3, 4})},
                              {"b", floats({1}, {10})}});
  expect_floats(y, {1, 1, 2, 2}, {14, 28, 46, 87});
}

TEST(Eval, ConvGroupsUseTheirOwnChannels) {
  // group 2, 1x1: map 0 = ch0 - ch1 (group 0), map 1 = 2 ch2 + 3 ch3 (group 1).
  const Node conv = make_node("Conv", {"x", "w"}, {{"group", int_attr(2)}});
  const Tensor x = floats({1, 4, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 1, 0, 1, 1, 0});
  const Tensor y = run(conv, {{"x", x}, {"w", floats({2, 2, 1, 1}, {1, -1, 2, 3})}});
  expect_floats(y, {1, 2, 2, 2}, {-4, -4, -4, -4, 2, 3, 3, 2});
}

TEST(Eval, ConvImagesOnThreadsGiveEachImageItsOwnSums) {
  // Five images (more than two cores, not a multiple of them), random fp32
  // values: each image's output with the images split between threads must
  // be, to the bit, what the image gives on its own.
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::vector<float> xv(5 * 3 * 9 * 9), wv(4 * 3 * 3 * 3);
  for (float& v : xv) v = normal(rng);
  for (float& v : wv) v = normal(rng);
  const Node conv = make_node("Conv", {"x", "w"}, {{"pads", ints_attr({1, 1, 1, 1})}});
  const Tensor w = floats({4, 3, 3, 3}, wv);
  const Tensor batch = run(conv, {{"x", floats({5, 3, 9, 9}, xv)}, {"w", w}});
  const size_t in = 3 * 9 * 9, out = 4 * 9 * 9;
  for (size_t n = 0; n < 5; ++n) {
    const std::vector<float> one(xv.begin() + n * in, xv.begin() + (n + 1) * in);
    const Tensor alone = run(conv, {{"x", floats({1, 3, 9, 9}, one)}, {"w", w}});
    EXPECT_EQ(std::vector<float>(batch.f.begin() + n * out, batch.f.begin() + (n + 1) * out),
              alone.f)
        << "image " << n;
  }
}

TEST(Eval, DepthwiseConvWithPadding) {
  // ch0 = 1..9 summed over each 3x3 neighbourhood (zero padding); ch1 = ones
  // under a kernel with 2 in the middle.
  const Node conv = make_node("Conv", {"x", "w"},
                              {{"group", int_attr(2)},
                               {"pads", ints_attr({1, 1, 1, 1})},
                               {"kernel_shape", ints_attr({3, 3})}});
  std::vector<float> x = iota(9, 1), w(9, 1.0f);
  x.resize(18, 1.0f);
  w.resize(18, 0.0f);
  w[9 + 4] = 2;
  const Tensor y = run(conv, {{"x", floats({1, 2, 3, 3}, x)}, {"w", floats({2, 1, 3, 3}, w)}});
  expect_floats(y, {1, 2, 3, 3}, {12, 21, 16, 27, 45, 33, 24, 39, 28, 2, 2, 2, 2, 2, 2, 2, 2, 2});
}

TEST(Eval, Conv1dDilationAndAutoPad) {
  const Tensor x = floats({1, 1, 5}, {1, 2, 3, 4, 5});
  const Tensor w = floats({1, 1, 2}, {1, 10});
  // dilation 2: y[i] = x[i] + 10 x[i + 2].
  const Node dilated = make_node("Conv", {"x", "w"}, {{"dilations", ints_attr({2})}});
  expect_floats(run(dilated, {{"x", x}, {"w", w}}), {1, 1, 3}, {31, 42, 53});
  // SAME at stride 2: 3 outputs, 1 pad; UPPER puts it at the end: [1 2][3 4][5 0].
  const Node upper = make_node(
      "Conv", {"x", "w"}, {{"strides", ints_attr({2})}, {"auto_pad", string_attr("SAME_UPPER")}});
  expect_floats(run(upper, {{"x", x}, {"w", w}}), {1, 1, 3}, {21, 43, 5});
  // LOWER at the start: [0 1][2 3][4 5].
  Node lower = upper;
  lower.attrs["auto_pad"] = string_attr("SAME_LOWER");
  expect_floats(run(lower, {{"x", x}, {"w", w}}), {1, 1, 3}, {10, 32, 54});
  // VALID: no padding, 2 windows of 2 at stride 2.
  Node valid = upper;
  valid.attrs["auto_pad"] = string_attr("VALID");
  expect_floats(run(valid, {{"x", x}, {"w", w}}), {1, 1, 2}, {21, 43});
}

// ONNX's Conv written out: y[n][m][oh][ow] = b[m] + sum over the group's
// channels and the kernel taps inside the input.
std::vector<float> naive_conv(const Tensor& x, const Tensor& w, const std::vector<float>& b,
                              int64_t group, Shape strides, Shape pads, Shape dilations,
                              int64_t out_h, int64_t out_w) {
  const int64_t batch = x.shape[0], channels = x.shape[1], in_h = x.shape[2], in_w = x.shape[3];
  const int64_t maps = w.shape[0], cin = w.shape[1], kh = w.shape[2], kw = w.shape[3];
  const int64_t cout = maps / group;
  std::vector<float> y;
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t m = 0; m < maps; ++m) {
      for (int64_t oh = 0; oh < out_h; ++oh) {
        for (int64_t ow = 0; ow < out_w; ++ow) {
          float acc = 0;
          for (int64_t c = 0; c < cin; ++c) {
            for (int64_t i = 0; i < kh; ++i) {
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t ih = oh * strides[0] - pads[0] + i * dilations[0];
                const int64_t iw = ow * strides[1] - pads[1] + j * dilations[1];
                if (ih < 0 || ih >= in_h || iw < 0 || iw >= in_w) continue;
                const int64_t channel = m / cout * cin + c;
                acc += w.f[((m * cin + c) * kh + i) * kw + j] *
                       x.f[((n * channels + channel) * in_h + ih) * in_w + iw];
              }
            }
          }
          y.push_back(acc + b[m]);
        }
      }
    }
  }
  return y;
}

TEST(Eval, ConvMatchesNaiveLoopsAcrossGemmBlocks) {
  // 24 channels per group x 3x3 taps = 216 > one depth block; 18 x 16 = 288
  // pixels > one column block; 5 maps per group = 4 rows + 1.
  const Tensor x = floats({2, 48, 34, 34}, quarters(2 * 48 * 34 * 34, 1));
  const Tensor w = floats({10, 24, 3, 3}, quarters(10 * 24 * 9, 2));
  const std::vector<float> b = quarters(10, 3);
  const Node conv = make_node("Conv", {"x", "w", "b"},
                              {{"group", int_attr(2)},
                               {"strides", ints_attr({2, 2})},
                               {"pads", ints_attr({1, 0, 2, 1})},
                               {"dilations", ints_attr({1, 2})}});
  const Tensor y = run(conv, {{"x", x}, {"w", w}, {"b", floats({10}, b)}});
  // (34 + 1 + 2 - 3) / 2 + 1 = 18 rows; (34 + 0 + 1 - 5) / 2 + 1 = 16 columns.
  ASSERT_EQ(y.shape, (Shape{2, 10, 18, 16}));
  EXPECT_EQ(y.f, naive_conv(x, w, b, 2, {2, 2}, {1, 0}, {1, 2}, 18, 16));
}

// ---- Gemm and MatMul --------------------------------------------------------------------

TEST(Eval, GemmTransposesAndBroadcastsC) {
  // A = [[1,2,3],[4,5,6]], B (given as [4,3], transB) = [e0; e1; e2; 1 1 1]:
  // A B' = [[1,2,3,6],[4,5,6,15]]; 2 A B' + 0.5 [10,20,30,40].
  const Node gemm =
      make_node("Gemm", {"a", "b", "c"},
                {{"transB", int_attr(1)}, {"alpha", float_attr(2)}, {"beta", float_attr(0.5f)}});
  const Tensor y = run(gemm, {{"a", floats({2, 3}, iota(6, 1))},
                              {"b", floats({4, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1})},
                              {"c", floats({4}, {10, 20, 30, 40})}});
  expect_floats(y, {2, 4}, {7, 14, 21, 32, 13, 20, 27, 50});
  // transA: A' = [[1,2,3],[4,5,6]] times [[1,1],[0,1],[1,0]] = [[4,3],[10,9]],
  // plus the column C = [100; 200].
  const Node trans_a = make_node("Gemm", {"a", "b", "c"}, {{"transA", int_attr(1)}});
  const Tensor z = run(trans_a, {{"a", floats({3, 2}, {1, 4, 2, 5, 3, 6})},
                                 {"b", floats({3, 2}, {1, 1, 0, 1, 1, 0})},
                                 {"c", floats({2, 1}, {100, 200})}});
  expect_floats(z, {2, 2}, {104, 103, 210, 209});
  // Without C.
  const Node plain = make_node("Gemm", {"a", "b"});
  expect_floats(run(plain, {{"a", floats({1, 2}, {1, 2})}, {"b", floats({2, 1}, {3, 4})}}), {1, 1},
                {11});
  EXPECT_EQ(error_of(gemm, {{"a", floats({2, 3}, iota(6))},
                            {"b", floats({4, 3}, iota(12))},
                            {"c", floats({3}, {1, 2, 3})}}),
            "node 'n_Gemm' (Gemm): C [3] does not broadcast to [2,4]");
}

TEST(Eval, MatMulBroadcastsBatchesAndVectors) {
  // A [2,1,2,2] = {[[1,2],[3,4]], [[0,1],[1,0]]}; B [3,2,2] = {I, 2I, [[1,1],[0,0]]}.
  const Node mm = make_node("MatMul", {"a", "b"});
  const Tensor y = run(mm, {{"a", floats({2, 1, 2, 2}, {1, 2, 3, 4, 0, 1, 1, 0})},
                            {"b", floats({3, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2, 1, 1, 0, 0})}});
  expect_floats(y, {2, 3, 2, 2}, {1, 2, 3, 4, 2, 4, 6, 8, 1, 1, 3, 3,  //
                                  0, 1, 1, 0, 0, 2, 2, 0, 0, 0, 1, 1});
  // [3] x [3,2] = [2]; [2,3] x [3] = [2]; [3] x [3] = a scalar.
  const Tensor v = floats({3}, {1, 2, 3});
  expect_floats(run(mm, {{"a", v}, {"b", floats({3, 2}, {1, 0, 0, 1, 1, 1})}}), {2}, {4, 5});
  expect_floats(run(mm, {{"a", floats({2, 3}, {1, 0, 0, 1, 1, 1})}, {"b", v}}), {2}, {1, 6});
  expect_floats(run(mm, {{"a", v}, {"b", v}}), {}, {14});
  EXPECT_EQ(error_of(mm, {{"a", floats({2, 3}, iota(6))}, {"b", floats({2, 3}, iota(6))}}),
            "node 'n_MatMul' (MatMul): A [2,3] and B [2,3] do not multiply");
}

TEST(Eval, MatMulMatchesNaiveLoopsAcrossGemmBlocks) {
  const int64_t m = 7, k = 300, n = 270;
  const Tensor a = floats({m, k}, quarters(m * k, 4));
  const Tensor b = floats({k, n}, quarters(k * n, 5));
  const Tensor y = run(make_node("MatMul", {"a", "b"}), {{"a", a}, {"b", b}});
  std::vector<float> expect(m * n, 0.0f);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t p = 0; p < k; ++p) expect[i * n + j] += a.f[i * k + p] * b.f[p * n + j];
    }
  }
  ASSERT_EQ(y.shape, (Shape{m, n}));
  EXPECT_EQ(y.f, expect);
}

// ---- element-wise -----------------------------------------------------------------------

TEST(Eval, ArithmeticBroadcasts) {
  const Tensor a = floats({2, 3}, iota(6, 1));
  expect_floats(run(make_node("Add", {"a", "b"}), {{"a", a}, {"b", floats({3}, {10, 20, 30})}}),
                {2, 3}, {11, 22, 33, 14, 25, 36});
  // [2,1] - [1,3] = [2,3].
  expect_floats(run(make_node("Sub", {"a", "b"}),
                    {{"a", floats({2, 1}, {10, 20})}, {"b", floats({1, 3}, {1, 2, 3})}}),
                {2, 3}, {9, 8, 7, 19, 18, 17});
  expect_floats(run(make_node("Mul", {"a", "b"}), {{"a", a}, {"b", floats({}, {2})}}), {2, 3},
                {2, 4, 6, 8, 10, 12});
  expect_floats(run(make_node("Div", {"a", "b"}), {{"a", a}, {"b", floats({2, 1}, {2, 4})}}),
                {2, 3}, {0.5f, 1, 1.5f, 1, 1.25f, 1.5f});
  // Pow with an int64 exponent, and with 0.5.
  expect_floats(
      run(make_node("Pow", {"a", "b"}), {{"a", floats({2}, {2, 3})}, {"b", ints({}, {2})}}), {2},
      {4, 9});
  expect_floats(
      run(make_node("Pow", {"a", "b"}), {{"a", floats({2}, {4, 9})}, {"b", floats({1}, {0.5f})}}),
      {2}, {2, 3});
  EXPECT_EQ(error_of(make_node("Add", {"a", "b"}), {{"a", a}, {"b", floats({4}, iota(4))}}),
            "node 'n_Add' (Add): shapes [2,3] and [4] do not broadcast");
  EXPECT_EQ(error_of(make_node("Add", {"a", "b"}), {{"a", a}, {"b", ints({1}, {1})}}),
            "node 'n_Add' (Add): operands are float32 and int64");
}

// ScatterND writes whole slices at index tuples, in order, into a copy of data.
TEST(Eval, ScatterNDReplacesSlices) {
  // A 3 x 2 mask: row 2 becomes [7, 8] (one tuple of one index), then element
  // [0][1] becomes 5 (one tuple of two).
  const Tensor data = floats({3, 2}, {0, 0, 0, 0, 0, 0});
  const Tensor rows = run(make_node("ScatterND", {"d", "i", "u"}),
                          {{"d", data}, {"i", ints({1, 1}, {2})}, {"u", floats({1, 2}, {7, 8})}});
  expect_floats(rows, {3, 2}, {0, 0, 0, 0, 7, 8});
  expect_floats(run(make_node("ScatterND", {"d", "i", "u"}),
                    {{"d", rows}, {"i", ints({1, 2}, {0, 1})}, {"u", floats({1}, {5})}}),
                {3, 2}, {0, 5, 0, 0, 7, 8});
  // Integers, a negative index, a later tuple overwriting an earlier one.
  expect_ints(run(make_node("ScatterND", {"d", "i", "u"}), {{"d", ints({4}, {1, 2, 3, 4})},
                                                            {"i", ints({3, 1}, {-1, 0, 3})},
                                                            {"u", ints({3}, {9, 8, 7})}}),
              {4}, {8, 2, 3, 7});
  EXPECT_EQ(error_of(make_node("ScatterND", {"d", "i", "u"}),
                     {{"d", data}, {"i", ints({1, 1}, {3})}, {"u", floats({1, 2}, {1, 1})}}),
            "node 'n_ScatterND' (ScatterND): index 3 is out of range for an axis of 3");
  EXPECT_EQ(error_of(make_node("ScatterND", {"d", "i", "u"}),
                     {{"d", data}, {"i", ints({1, 1}, {0})}, {"u", floats({3}, {1, 1, 1})}}),
            "node 'n_ScatterND' (ScatterND): updates have shape [3], expected [1,2]");
}

TEST(Eval, IntegerArithmeticStaysInteger) {
  const Tensor a = ints({4}, {7, -7, 7, -7});
  // Division truncates toward zero.
  expect_ints(run(make_node("Div", {"a", "b"}), {{"a", a}, {"b", ints({4}, {2, 2, -2, -2})}}), {4},
              {3, -3, -3, 3});
  expect_ints(run(make_node("Add", {"a", "b"}), {{"a", a}, {"b", ints({}, {1})}}), {4},
              {8, -6, 8, -6});
  expect_ints(
      run(make_node("Mul", {"a", "b"}), {{"a", ints({2, 1}, {2, 3})}, {"b", ints({2}, {5, 7})}}),
      {2, 2}, {10, 14, 15, 21});
  expect_ints(run(make_node("Sub", {"a", "b"}), {{"a", a}, {"b", a}}), {4}, {0, 0, 0, 0});
  EXPECT_EQ(error_of(make_node("Div", {"a", "b"}), {{"a", a}, {"b", ints({1}, {0})}}),
            "node 'n_Div' (Div): integer division by zero");
  // Mod: the divisor's sign by default (Swin's window index arithmetic), the
  // dividend's with fmod=1.
  const Tensor d = ints({4}, {3, 3, -3, -3});
  expect_ints(run(make_node("Mod", {"a", "b"}), {{"a", a}, {"b", d}}), {4}, {1, 2, -2, -1});
  expect_ints(run(make_node("Mod", {"a", "b"}, {{"fmod", int_attr(1)}}), {{"a", a}, {"b", d}}), {4},
              {1, -1, 1, -1});
  expect_ints(
      run(make_node("Mod", {"a", "b"}), {{"a", ints({3}, {6, 0, -6})}, {"b", ints({}, {3})}}), {3},
      {0, 0, 0});
  expect_floats(run(make_node("Mod", {"a", "b"}, {{"fmod", int_attr(1)}}),
                    {{"a", floats({2}, {5.5f, -5.5f})}, {"b", floats({}, {2})}}),
                {2}, {1.5f, -1.5f});
  EXPECT_EQ(
      error_of(make_node("Mod", {"a", "b"}), {{"a", floats({1}, {1})}, {"b", floats({1}, {2})}}),
      "node 'n_Mod' (Mod): Mod of floats needs fmod=1");
  EXPECT_EQ(error_of(make_node("Mod", {"a", "b"}), {{"a", a}, {"b", ints({1}, {0})}}),
            "node 'n_Mod' (Mod): integer division by zero");
}

TEST(Eval, UnaryOps) {
  struct Case {
    const char* op;
    std::map<std::string, Attribute> attrs;
    std::vector<float> x, y;
  };
  const std::vector<Case> cases = {
      {"Relu", {}, {-1, 0, 2}, {0, 0, 2}},
      {"LeakyRelu", {{"alpha", float_attr(0.1f)}}, {-2, 3}, {-0.2f, 3}},
      {"LeakyRelu", {}, {-100}, {-1}},  // alpha 0.01
      {"Sigmoid", {}, {0, 2, -100}, {0.5f, 0.880797078f, 0}},
      {"Tanh", {}, {0, 1}, {0, 0.761594156f}},
      {"HardSigmoid", {}, {-3, 0, 1, 3}, {0, 0.5f, 0.7f, 1}},  // 0.2 x + 0.5 in [0, 1]
      {"HardSigmoid", {{"alpha", float_attr(0.5f)}, {"beta", float_attr(0)}}, {1, 4}, {0.5f, 1}},
      {"HardSwish", {}, {-4, 1, 4}, {0, 1.0f / 6 + 0.5f, 4}},  // x (x/6 + 1/2) in [0, x]
      {"Sqrt", {}, {4, 2.25f}, {2, 1.5f}},
      {"Exp", {}, {0, 1}, {1, 2.718281828f}},
      {"Log", {}, {1, 2.718281828f}, {0, 1}},
      {"Erf", {}, {0, 1, -1}, {0, 0.842700793f, -0.842700793f}},
      {"Neg", {}, {1, -2}, {-1, 2}},
      {"Abs", {}, {-3, 2}, {3, 2}},
      {"Reciprocal", {}, {4, -0.5f}, {0.25f, -2}},
      {"Floor", {}, {-1.5f, 1.5f}, {-2, 1}},
      {"Ceil", {}, {-1.5f, 1.5f}, {-1, 2}},
      {"Round", {}, {2.5f, 1.5f, -0.4f, 0.6f}, {2, 2, 0, 1}},  // halves to even
      {"Sign", {}, {-3, 0, 2}, {-1, 0, 1}},
      {"Softplus", {}, {0, 100}, {0.693147181f, 100}},
      {"Elu", {}, {-1, 2}, {-0.632120559f, 2}},
      {"Sin", {}, {0}, {0}},
      {"Cos", {}, {0}, {1}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.op);
    const Shape shape = {static_cast<int64_t>(c.x.size())};
    expect_floats(run(make_node(c.op, {"x"}, c.attrs), {{"x", floats(shape, c.x)}}), shape, c.y);
  }
  expect_ints(run(make_node("Neg", {"x"}), {{"x", ints({2}, {3, -4})}}), {2}, {-3, 4});
  expect_ints(run(make_node("Abs", {"x"}), {{"x", ints({2}, {3, -4})}}), {2}, {3, 4});
  EXPECT_EQ(error_of(make_node("Exp", {"x"}), {{"x", ints({1}, {1})}}),
            "node 'n_Exp' (Exp): input 0 ('x') is int64, not float32");
}

TEST(Eval, ClipBoundsAsInputsOrAttributes) {
  const Tensor x = floats({4}, {-2, 0.5f, 3, -0.5f});
  // Opset 6: attributes.
  const Node attrs = make_node("Clip", {"x"}, {{"min", float_attr(-1)}, {"max", float_attr(1)}});
  expect_floats(run(attrs, {{"x", x}}), {4}, {-1, 0.5f, 1, -0.5f});
  // Opset 11+: inputs; an omitted max is open.
  const Node low_only = make_node("Clip", {"x", "lo", ""});
  expect_floats(run(low_only, {{"x", x}, {"lo", floats({}, {0})}}), {4}, {0, 0.5f, 3, 0});
  const Node both = make_node("Clip", {"x", "lo", "hi"});
  expect_ints(
      run(both, {{"x", ints({3}, {-5, 1, 5})}, {"lo", ints({}, {-1})}, {"hi", ints({}, {2})}}), {3},
      {-1, 1, 2});
  expect_floats(run(make_node("Clip", {"x"}), {{"x", x}}), {4}, {-2, 0.5f, 3, -0.5f});
}

TEST(Eval, ComparisonsLogicAndWhereBroadcast) {
  // [3] against [2,1].
  const Tensor a = ints({3}, {1, 2, 3});
  const Tensor b = ints({2, 1}, {2, 3});
  expect_ints(run(make_node("Equal", {"a", "b"}), {{"a", a}, {"b", b}}), {2, 3}, {0, 1, 0, 0, 0, 1},
              DType::kBool);
  const Tensor f = floats({3}, {1, 2, 3});
  expect_ints(run(make_node("Less", {"a", "b"}), {{"a", f}, {"b", floats({}, {2})}}), {3},
              {1, 0, 0}, DType::kBool);
  expect_ints(run(make_node("Greater", {"a", "b"}), {{"a", f}, {"b", floats({}, {2})}}), {3},
              {0, 0, 1}, DType::kBool);
  expect_ints(run(make_node("GreaterOrEqual", {"a", "b"}), {{"a", f}, {"b", floats({}, {2})}}), {3},
              {0, 1, 1}, DType::kBool);
  const Tensor p = bools({4}, {0, 0, 1, 1}), q = bools({4}, {0, 1, 0, 1});
  expect_ints(run(make_node("And", {"a", "b"}), {{"a", p}, {"b", q}}), {4}, {0, 0, 0, 1},
              DType::kBool);
  expect_ints(run(make_node("Or", {"a", "b"}), {{"a", p}, {"b", q}}), {4}, {0, 1, 1, 1},
              DType::kBool);
  expect_ints(run(make_node("Xor", {"a", "b"}), {{"a", p}, {"b", q}}), {4}, {0, 1, 1, 0},
              DType::kBool);
  expect_ints(run(make_node("Not", {"a"}), {{"a", p}}), {4}, {1, 1, 0, 0}, DType::kBool);
  // Where: cond [2,1], X [3], Y a scalar -> [2,3].
  const Node where = make_node("Where", {"c", "x", "y0"});
  expect_floats(run(where, {{"c", bools({2, 1}, {1, 0})}, {"x", f}, {"y0", floats({}, {-1})}}),
                {2, 3}, {1, 2, 3, -1, -1, -1});
  expect_ints(run(where, {{"c", bools({3}, {1, 0, 1})}, {"x", a}, {"y0", ints({1}, {0})}}), {3},
              {1, 0, 3});
  EXPECT_EQ(error_of(where, {{"c", ints({1}, {1})}, {"x", f}, {"y0", f}}),
            "node 'n_Where' (Where): input 0 ('c') is int64, not bool");
}

TEST(Eval, VariadicMinMaxSumMean) {
  const Env env = {
      {"a", floats({2}, {1, 5})}, {"b", floats({}, {3})}, {"c", floats({2, 1}, {2, 6})}};
  const std::vector<std::string> in = {"a", "b", "c"};
  expect_floats(run(make_node("Max", in), env), {2, 2}, {3, 5, 6, 6});
  expect_floats(run(make_node("Min", in), env), {2, 2}, {1, 2, 1, 3});
  expect_floats(run(make_node("Sum", in), env), {2, 2}, {6, 10, 10, 14});
  expect_floats(run(make_node("Mean", in), env), {2, 2}, {2, 10.0f / 3, 10.0f / 3, 14.0f / 3});
  expect_floats(run(make_node("Sum", {"a"}), env), {2}, {1, 5});
  expect_ints(run(make_node("Max", {"a", "b"}), {{"a", ints({2}, {1, 5})}, {"b", ints({}, {3})}}),
              {2}, {3, 5});
}

TEST(Eval, CastConvertsAndWraps) {
  const Tensor x = floats({4}, {1.7f, -1.7f, 0, 300});
  const auto cast = [](int64_t to) { return make_node("Cast", {"x"}, {{"to", int_attr(to)}}); };
  expect_ints(run(cast(7), {{"x", x}}), {4}, {1, -1, 0, 300});  // truncation
  expect_ints(run(cast(6), {{"x", x}}), {4}, {1, -1, 0, 300}, DType::kInt32);
  expect_ints(run(cast(9), {{"x", x}}), {4}, {1, 1, 0, 1}, DType::kBool);
  expect_ints(run(cast(2), {{"x", x}}), {4}, {1, 255, 0, 44}, DType::kUint8);  // mod 256
  expect_floats(run(cast(1), {{"x", ints({2}, {-3, 5})}}), {2}, {-3, 5});
  expect_floats(run(cast(1), {{"x", bools({2}, {1, 0})}}), {2}, {1, 0});
  expect_ints(run(cast(7), {{"x", bools({2}, {1, 0})}}), {2}, {1, 0});
  EXPECT_EQ(error_of(cast(11), {{"x", x}}),
            "node 'n_Cast' (Cast): Cast to ONNX type 11 is not supported");
}

// ---- softmax and reductions ---------------------------------------------------------------

TEST(Eval, SoftmaxAlongOneAxis) {
  // e^1, e^2, e^3 over their sum 30.1929; equal inputs share evenly.
  const Tensor x = floats({2, 3}, {1, 2, 3, 0, 0, 0});
  const float third = 1.0f / 3;
  expect_floats(run(make_node("Softmax", {"x"}), {{"x", x}}), {2, 3},
                {0.0900305732f, 0.244728471f, 0.665240956f, third, third, third});
  // axis 0 of [[0,1],[0,3]]: columns [0,0] and [1,3].
  const Node axis0 = make_node("Softmax", {"x"}, {{"axis", int_attr(0)}});
  expect_floats(run(axis0, {{"x", floats({2, 2}, {0, 1, 0, 3})}}), {2, 2},
                {0.5f, 0.119202922f, 0.5f, 0.880797078f});
  expect_floats(
      run(make_node("LogSoftmax", {"x"}), {{"x", x}}), {2, 3},
      {-2.40760596f, -1.40760596f, -0.407605964f, -1.09861229f, -1.09861229f, -1.09861229f});
}

TEST(Eval, LayerNormalizationOfEmptyTensors) {
  // An empty axis among the normalized ones (Swin's shift arithmetic has
  // empty tensors on the way): an empty result, not a division by zero.
  const Node norm = make_node("LayerNormalization", {"x", "s"}, {{"axis", int_attr(1)}});
  expect_floats(run(norm, {{"x", floats({2, 0}, {})}, {"s", floats({0}, {})}}), {2, 0}, {});
  expect_floats(run(norm, {{"x", floats({0, 3}, {})}, {"s", floats({3}, {1, 1, 1})}}), {0, 3}, {});
}

TEST(Eval, Reductions) {
  const Tensor x = floats({2, 3}, iota(6, 1));  // [[1,2,3],[4,5,6]]
  const Node mean = make_node("ReduceMean", {"x"}, {{"axes", ints_attr({1})}});
  expect_floats(run(mean, {{"x", x}}), {2, 1}, {2, 5});
  // ReduceSum (opset 13): axes as an input.
  const Node sum = make_node("ReduceSum", {"x", "axes"}, {{"keepdims", int_attr(0)}});
  expect_floats(run(sum, {{"x", x}, {"axes", ints({1}, {0})}}), {3}, {5, 7, 9});
  expect_floats(run(make_node("ReduceSum", {"x", ""}), {{"x", x}}), {1, 1}, {21});
  const Node noop = make_node("ReduceSum", {"x"}, {{"noop_with_empty_axes", int_attr(1)}});
  expect_floats(run(noop, {{"x", x}}), {2, 3}, iota(6, 1));
  expect_floats(run(make_node("ReduceMax", {"x"}), {{"x", x}}), {1, 1}, {6});
  const Node min =
      make_node("ReduceMin", {"x"}, {{"axes", ints_attr({-1})}, {"keepdims", int_attr(0)}});
  expect_floats(run(min, {{"x", x}}), {2}, {1, 4});
  const Node prod = make_node("ReduceProd", {"x"}, {{"axes", ints_attr({0})}});
  expect_floats(run(prod, {{"x", x}}), {1, 3}, {4, 10, 18});
  const Node l2 = make_node("ReduceL2", {"x"}, {{"axes", ints_attr({1})}});
  expect_floats(run(l2, {{"x", floats({2, 2}, {3, 4, 6, 8})}}), {2, 1}, {5, 10});
  // Spatial mean of [1,2,2,2], axes -1 and -2 (a squeeze-excite block).
  const Node spatial = make_node("ReduceMean", {"x"}, {{"axes", ints_attr({-1, -2})}});
  expect_floats(run(spatial, {{"x", floats({1, 2, 2, 2}, iota(8))}}), {1, 2, 1, 1}, {1.5f, 5.5f});
  expect_ints(run(make_node("ReduceSum", {"x"}), {{"x", ints({3}, {1, 2, 3})}}), {1}, {6});
  EXPECT_EQ(error_of(mean, {{"x", floats({2}, {1, 2})}}),
            "node 'n_ReduceMean' (ReduceMean): axis 1 is out of range for rank 1");
}

// ---- pools and batch norm -------------------------------------------------------------------

TEST(Eval, MaxPoolCeilModeDilationAndPadding) {
  const Tensor x = floats({1, 1, 3, 3}, iota(9, 1));
  const Node floor = make_node(
      "MaxPool", {"x"}, {{"kernel_shape", ints_attr({2, 2})}, {"strides", ints_attr({2, 2})}});
  expect_floats(run(floor, {{"x", x}}), {1, 1, 1, 1}, {5});
  // ceil_mode: a second, partial window along each axis.
  Node ceil = floor;
  ceil.attrs["ceil_mode"] = int_attr(1);
  expect_floats(run(ceil, {{"x", x}}), {1, 1, 2, 2}, {5, 6, 8, 9});
  // Padding never wins a max: all-negative input padded by 1, 2x2 at stride 2.
  const Node padded = make_node("MaxPool", {"x"},
                                {{"kernel_shape", ints_attr({2, 2})},
                                 {"strides", ints_attr({2, 2})},
                                 {"pads", ints_attr({1, 1, 1, 1})}});
  expect_floats(run(padded, {{"x", floats({1, 1, 2, 2}, {-1, -2, -3, -4})}}), {1, 1, 2, 2},
                {-1, -2, -3, -4});
  // 1-D, dilation 2: max(x0, x2), max(x1, x3), max(x2, x4).
  const Node dilated = make_node("MaxPool", {"x"},
                                 {{"kernel_shape", ints_attr({2})}, {"dilations", ints_attr({2})}});
  expect_floats(run(dilated, {{"x", floats({1, 1, 5}, {3, 1, 4, 1, 5})}}), {1, 1, 3}, {4, 1, 5});
  // 1-D [1..5], kernel 2, stride 2, pads 1, ceil_mode: ceil(5 / 2) + 1 = 4
  // windows, but the 4th would start at 5, in the right padding, so it is
  // dropped: [pad,1], [2,3], [4,5].
  const Node last = make_node("MaxPool", {"x"},
                              {{"kernel_shape", ints_attr({2})},
                               {"strides", ints_attr({2})},
                               {"pads", ints_attr({1, 1})},
                               {"ceil_mode", int_attr(1)}});
  expect_floats(run(last, {{"x", floats({1, 1, 5}, {1, 2, 3, 4, 5})}}), {1, 1, 3}, {1, 3, 5});
  // The indices output is not computed.
  Node indices = floor;
  indices.outputs = {"y", "i"};
  EXPECT_EQ(error_of(indices, {{"x", x}}), "node 'n_MaxPool' (MaxPool): output 1 is not supported");
}

TEST(Eval, AveragePoolCountsPaddingOnlyWhenAsked) {
  const Tensor x = floats({1, 1, 3, 3}, iota(9, 1));
  // 3x3, pads 1, stride 1: corner (0,0) sums 1+2+4+5 = 12 over 4 taps inside, or
  // 9 with the padding; (0,1) sums 1..6 = 21; the centre 45 over 9.
  Node avg = make_node("AveragePool", {"x"},
                       {{"kernel_shape", ints_attr({3, 3})}, {"pads", ints_attr({1, 1, 1, 1})}});
  expect_floats(run(avg, {{"x", x}}), {1, 1, 3, 3}, {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7});
  avg.attrs["count_include_pad"] = int_attr(1);
  expect_floats(
      run(avg, {{"x", x}}), {1, 1, 3, 3},
      {12.0f / 9, 21.0f / 9, 16.0f / 9, 27.0f / 9, 5, 33.0f / 9, 24.0f / 9, 39.0f / 9, 28.0f / 9});
  // ceil_mode, 2x2 at stride 2: partial windows average what they cover:
  // (1+2+4+5)/4, (3+6)/2, (7+8)/2, 9.
  const Node ceil = make_node("AveragePool", {"x"},
                              {{"kernel_shape", ints_attr({2, 2})},
                               {"strides", ints_attr({2, 2})},
                               {"ceil_mode", int_attr(1)}});
  expect_floats(run(ceil, {{"x", x}}), {1, 1, 2, 2}, {3, 4.5f, 7.5f, 9});
  // 1-D [1,2,3,4], kernel 3, stride 2, pads 1, ceil_mode: windows over
  // positions -1..1, 1..3 and 3..5; with count_include_pad the divisor counts
  // the padding (-1 and 4) but not position 5 past it: 3/3, 9/3, 4/2.
  Node include = make_node("AveragePool", {"x"},
                           {{"kernel_shape", ints_attr({3})},
                            {"strides", ints_attr({2})},
                            {"pads", ints_attr({1, 1})},
                            {"ceil_mode", int_attr(1)},
                            {"count_include_pad", int_attr(1)}});
  const Tensor row = floats({1, 1, 4}, {1, 2, 3, 4});
  expect_floats(run(include, {{"x", row}}), {1, 1, 3}, {1, 3, 2});
  include.attrs["count_include_pad"] = int_attr(0);
  expect_floats(run(include, {{"x", row}}), {1, 1, 3}, {1.5f, 3, 4});
}

TEST(Eval, GlobalPools) {
  const Tensor x = floats({1, 2, 2, 2}, {1, 2, 3, 6, -1, -2, -3, -4});
  expect_floats(run(make_node("GlobalAveragePool", {"x"}), {{"x", x}}), {1, 2, 1, 1}, {3, -2.5f});
  expect_floats(run(make_node("GlobalMaxPool", {"x"}), {{"x", x}}), {1, 2, 1, 1}, {6, -1});
}

TEST(Eval, BatchNormalizationForInference) {
  // ch0: (x - 1) / 2 * 2 + 1 = x; ch1: (x - 3) / 0.5 * 1 + 0.
  const Node bn =
      make_node("BatchNormalization", {"x", "s", "b", "m", "v"}, {{"epsilon", float_attr(0)}});
  const Env env = {{"x", floats({1, 2, 1, 2}, {1, 2, 3, 4})},
                   {"s", floats({2}, {2, 1})},
                   {"b", floats({2}, {1, 0})},
                   {"m", floats({2}, {1, 3})},
                   {"v", floats({2}, {4, 0.25f})}};
  expect_floats(run(bn, env), {1, 2, 1, 2}, {1, 2, 0, 2});
  // The default epsilon 1e-5 is added to the variance: (2 - 1) / sqrt(1 + 1e-5).
  Env unit = env;
  unit["v"] = floats({2}, {1, 1});
  unit["s"] = floats({2}, {1, 1});
  unit["b"] = floats({2}, {0, 0});
  unit["m"] = floats({2}, {1, 1});
  const Tensor y = run(make_node("BatchNormalization", {"x", "s", "b", "m", "v"}), unit);
  EXPECT_FLOAT_EQ(y.f[1], 1.0f / std::sqrt(1.00001f));
  Env wrong = env;
  wrong["v"] = floats({3}, {1, 1, 1});
  EXPECT_EQ(error_of(bn, wrong),
            "node 'n_BatchNormalization' (BatchNormalization): input 4 ('v') [3] does not fit 2 "
            "channels");
}

// ---- data movement ----------------------------------------------------------------------------

TEST(Eval, PadModes) {
  // [[1,2],[3,4]] padded by one column before and two after, with 9.
  const Node constant = make_node("Pad", {"x", "pads", "v"});
  expect_floats(run(constant, {{"x", floats({2, 2}, {1, 2, 3, 4})},
                               {"pads", ints({4}, {0, 1, 0, 2})},
                               {"v", floats({}, {9})}}),
                {2, 5}, {9, 1, 2, 9, 9, 9, 3, 4, 9, 9});
  const Tensor x = floats({3}, {1, 2, 3});
  const Node reflect = make_node("Pad", {"x", "pads"}, {{"mode", string_attr("reflect")}});
  expect_floats(run(reflect, {{"x", x}, {"pads", ints({2}, {2, 2})}}), {7}, {3, 2, 1, 2, 3, 2, 1});
  const Node edge = make_node("Pad", {"x", "pads"}, {{"mode", string_attr("edge")}});
  expect_floats(run(edge, {{"x", x}, {"pads", ints({2}, {1, 2})}}), {6}, {1, 1, 2, 3, 3, 3});
  // Negative pads crop; an omitted value pads with 0.
  const Node crop = make_node("Pad", {"x", "pads", ""});
  expect_floats(run(crop, {{"x", floats({4}, {1, 2, 3, 4})}, {"pads", ints({2}, {-1, 1})}}), {4},
                {2, 3, 4, 0});
  // Opset 2: pads and value as attributes; integer data.
  const Node old =
      make_node("Pad", {"x"}, {{"pads", ints_attr({1, 0})}, {"value", float_attr(-1)}});
  expect_ints(run(old, {{"x", ints({2}, {5, 6})}}), {3}, {-1, 5, 6});
  EXPECT_EQ(
      error_of(constant, {{"x", x}, {"pads", ints({4}, {0, 0, 0, 0})}, {"v", floats({}, {0})}}),
      "node 'n_Pad' (Pad): pads [0,0,0,0] do not fit 1 axes");
  // Pads past the limits are refused before anything is sized by them.
  EXPECT_EQ(error_of(crop, {{"x", x}, {"pads", ints({2}, {0, int64_t{1} << 62})}}),
            "node 'n_Pad' (Pad): pads [0,4611686018427387904] beyond the limits");
  EXPECT_EQ(error_of(crop, {{"x", x}, {"pads", ints({2}, {0, int64_t{1} << 24})}}),
            "node 'n_Pad' (Pad): the result has shape [16777219]: a dimension above vtpu's "
            "limit of 2^24");
}

TEST(Eval, ConcatFloatsAndShapes) {
  const Node axis1 = make_node("Concat", {"a", "b"}, {{"axis", int_attr(1)}});
  expect_floats(run(axis1, {{"a", floats({2, 1}, {1, 2})}, {"b", floats({2, 2}, {3, 4, 5, 6})}}),
                {2, 3}, {1, 3, 4, 2, 5, 6});
  const Node shapes = make_node("Concat", {"a", "b", "c"}, {{"axis", int_attr(-1)}});
  expect_ints(run(shapes, {{"a", ints({1}, {2})}, {"b", ints({2}, {3, 4})}, {"c", ints({0}, {})}}),
              {3}, {2, 3, 4});
  EXPECT_EQ(error_of(axis1, {{"a", floats({2, 1}, {1, 2})}, {"b", floats({3, 1}, {3, 4, 5})}}),
            "node 'n_Concat' (Concat): input 1 ('b') [3,1] does not fit [2,1]");
}

TEST(Eval, Transpose) {
  expect_floats(run(make_node("Transpose", {"x"}), {{"x", floats({2, 3}, iota(6))}}), {3, 2},
                {0, 3, 1, 4, 2, 5});
  // x [2,3,2] = 0..11, perm [2,0,1]: y[a][b][c] = x[b][c][a] = 6b + 2c + a.
  const Node perm = make_node("Transpose", {"x"}, {{"perm", ints_attr({2, 0, 1})}});
  expect_floats(run(perm, {{"x", floats({2, 3, 2}, iota(12))}}), {2, 2, 3},
                {0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11});
  const Node bad = make_node("Transpose", {"x"}, {{"perm", ints_attr({0, 0})}});
  EXPECT_EQ(error_of(bad, {{"x", floats({2, 3}, iota(6))}}),
            "node 'n_Transpose' (Transpose): perm [0,0] is not a permutation of 2 axes");
}

TEST(Eval, SliceClampsAndStepsBackwards) {
  const Tensor x = floats({10}, iota(10));
  const Node slice = make_node("Slice", {"x", "s", "e", "", "st"});
  const auto run_slice = [&](int64_t s, int64_t e, int64_t step) {
    return run(slice,
               {{"x", x}, {"s", ints({1}, {s})}, {"e", ints({1}, {e})}, {"st", ints({1}, {step})}});
  };
  expect_floats(run_slice(8, 1, -3), {3}, {8, 5, 2});
  // -1 .. INT64_MIN backwards: the whole axis reversed.
  expect_floats(run_slice(-1, std::numeric_limits<int64_t>::min(), -1), {10},
                {9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  expect_floats(run_slice(2, 1000, 3), {3}, {2, 5, 8});
  expect_floats(run_slice(-3, -1, 1), {2}, {7, 8});
  expect_floats(run_slice(5, 2, 1), {0}, {});
  // Steps past the axis (ceil((e - s) / step) with e - s + step overflowing
  // int64; INT64_MIN has no negation): the first element only.
  expect_floats(run_slice(3, 10, std::numeric_limits<int64_t>::max()), {1}, {3});
  expect_floats(run_slice(9, -100, -std::numeric_limits<int64_t>::max()), {1}, {9});
  expect_floats(run_slice(9, -100, std::numeric_limits<int64_t>::min()), {1}, {9});
  // x [3,4] = 0..11: rows 1..2, every other column from 0.
  const Node axes = make_node("Slice", {"x", "s", "e", "a", "st"});
  expect_floats(run(axes, {{"x", floats({3, 4}, iota(12))},
                           {"s", ints({2}, {0, 1})},
                           {"e", ints({2}, {10, 3})},
                           {"a", ints({2}, {1, -2})},
                           {"st", ints({2}, {2, 1})}}),
                {2, 2}, {4, 6, 8, 10});
  // Opset 1: attributes.
  const Node old =
      make_node("Slice", {"x"},
                {{"starts", ints_attr({1})}, {"ends", ints_attr({-1})}, {"axes", ints_attr({1})}});
  expect_ints(run(old, {{"x", ints({1, 4}, {5, 6, 7, 8})}}), {1, 2}, {6, 7});
  EXPECT_EQ(
      error_of(slice,
               {{"x", x}, {"s", ints({1}, {0})}, {"e", ints({1}, {1})}, {"st", ints({1}, {0})}}),
      "node 'n_Slice' (Slice): axis 0 repeats or has step 0");
}

// Coordinates worked by hand from ONNX's formulas (x = 0 1 2 3 along W).
TEST(Eval, ResizeNearestAndLinearCoordinates) {
  const Tensor x = floats({1, 1, 1, 4}, iota(4));
  const auto resize = [&](std::map<std::string, Attribute> attrs, int64_t w) {
    const Node n = make_node("Resize", {"x", "", "", "sizes"}, std::move(attrs));
    return run(n, {{"x", x}, {"sizes", ints({4}, {1, 1, 1, w})}});
  };
  // Linear, half_pixel to 8: (j + 0.5) / 2 - 0.5, clamped into [0, 3].
  expect_floats(resize({{"mode", string_attr("linear")}}, 8), {1, 1, 1, 8},
                {0, 0.25f, 0.75f, 1.25f, 1.75f, 2.25f, 2.75f, 3});
  // align_corners to 7: j * 3 / 6.
  expect_floats(resize({{"mode", string_attr("linear")},
                        {"coordinate_transformation_mode", string_attr("align_corners")}},
                       7),
                {1, 1, 1, 7}, {0, 0.5f, 1, 1.5f, 2, 2.5f, 3});
  // Nearest, asymmetric floor (PyTorch's) to 8: j / 2 rounded down.
  expect_floats(resize({{"coordinate_transformation_mode", string_attr("asymmetric")},
                        {"nearest_mode", string_attr("floor")}},
                       8),
                {1, 1, 1, 8}, {0, 0, 1, 1, 2, 2, 3, 3});
  // Nearest, half_pixel down to 2: coordinates 0.5 and 2.5, ties broken by
  // nearest_mode.
  expect_floats(resize({}, 2), {1, 1, 1, 2}, {0, 2});
  expect_floats(resize({{"nearest_mode", string_attr("round_prefer_ceil")}}, 2), {1, 1, 1, 2},
                {1, 3});
  // Scales instead of sizes (opset 10's two inputs: asymmetric).
  const Node scaled = make_node("Resize", {"x", "scales"}, {{"mode", string_attr("linear")}});
  expect_floats(run(scaled, {{"x", x}, {"scales", floats({4}, {1, 1, 1, 2})}}), {1, 1, 1, 8},
                {0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3});
  const Node cubic = make_node("Resize", {"x", "", "", "sizes"}, {{"mode", string_attr("cubic")}});
  EXPECT_EQ(error_of(cubic, {{"x", x}, {"sizes", ints({4}, {1, 1, 1, 8})}})
                .rfind("node 'n_Resize' (Resize): mode 'cubic' (vtpu resizes nearest or linear", 0),
            0u);
  // Sizes and scales beyond the limits are refused before the per-index maps
  // are built (a size of 2^58 took all the memory there was).
  const Node sized = make_node("Resize", {"x", "", "", "sizes"});
  EXPECT_EQ(error_of(sized, {{"x", x}, {"sizes", ints({4}, {1, 1, int64_t{1} << 58, 8})}}),
            "node 'n_Resize' (Resize): the result has shape [1,1,288230376151711744,8]: a "
            "dimension above vtpu's limit of 2^24");
  EXPECT_NE(error_of(scaled, {{"x", x}, {"scales", floats({4}, {1, 1, 1, 1e30f})}})
                .find("a dimension above vtpu's limit of 2^24"),
            std::string::npos);
  EXPECT_NE(error_of(scaled, {{"x", x}, {"scales", floats({4}, {1, 1, 1, NAN})}})
                .find("dimensions must be at least 1"),
            std::string::npos);
}

TEST(Eval, GatherWithNegativeIndices) {
  const Tensor x = floats({3, 2}, {1, 2, 3, 4, 5, 6});
  const Node axis0 = make_node("Gather", {"x", "i"});
  expect_floats(run(axis0, {{"x", x}, {"i", ints({2}, {-1, 0})}}), {2, 2}, {5, 6, 1, 2});
  // A scalar index drops the axis.
  expect_floats(run(axis0, {{"x", x}, {"i", ints({}, {1})}}), {2}, {3, 4});
  // axis 1 with indices [2,1]: y[r][a][b] = x[r][i[a][b]].
  const Node axis1 = make_node("Gather", {"x", "i"}, {{"axis", int_attr(1)}});
  expect_floats(run(axis1, {{"x", floats({2, 3}, iota(6))}, {"i", ints({2, 1}, {2, -3})}}),
                {2, 2, 1}, {2, 0, 5, 3});
  expect_ints(
      run(axis0, {{"x", ints({3}, {7, 8, 9})}, {"i", Tensor::ints({1}, {-2}, DType::kInt32)}}), {1},
      {8});
  EXPECT_EQ(error_of(axis0, {{"x", x}, {"i", ints({1}, {3})}}),
            "node 'n_Gather' (Gather): index 3 is out of range for an axis of 3");
}

TEST(Eval, ExpandTileAndSplit) {
  const Node expand = make_node("Expand", {"x", "s"});
  expect_floats(run(expand, {{"x", floats({3, 1}, {1, 2, 3})}, {"s", ints({3}, {2, 1, 2})}}),
                {2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3});
  // The target shape may be smaller than the input's: broadcasting decides.
  expect_floats(run(expand, {{"x", floats({2, 1}, {1, 2})}, {"s", ints({1}, {1})}}), {2, 1},
                {1, 2});
  EXPECT_EQ(
      error_of(expand, {{"x", floats({2, 1}, {1, 2})}, {"s", ints({2}, {2, int64_t{1} << 40})}}),
      "node 'n_Expand' (Expand): the result has shape [2,1099511627776]: a dimension above "
      "vtpu's limit of 2^24");
  const Node tile = make_node("Tile", {"x", "r"});
  expect_floats(run(tile, {{"x", floats({1, 2}, {1, 2})}, {"r", ints({2}, {2, 2})}}), {2, 4},
                {1, 2, 1, 2, 1, 2, 1, 2});
  // Split: sizes as an input (opset 13), as an attribute (opset 11), equal parts.
  const Tensor x = floats({6}, iota(6));
  Env env = {{"x", x}, {"sizes", ints({3}, {1, 2, 3})}};
  const Node sizes = make_node("Split", {"x", "sizes"}, {}, {"a", "b", "c"});
  evaluate(sizes, env);
  expect_floats(env.at("a"), {1}, {0});
  expect_floats(env.at("b"), {2}, {1, 2});
  expect_floats(env.at("c"), {3}, {3, 4, 5});
  Env two = {{"x", floats({2, 4}, iota(8))}};
  evaluate(make_node("Split", {"x"}, {{"axis", int_attr(1)}}, {"a", "b"}), two);
  expect_floats(two.at("a"), {2, 2}, {0, 1, 4, 5});
  expect_floats(two.at("b"), {2, 2}, {2, 3, 6, 7});
  // Opset 18 num_outputs: ceil(7 / 3) = 3, the last chunk smaller.
  Env seven = {{"x", floats({7}, iota(7))}};
  evaluate(make_node("Split", {"x"}, {{"num_outputs", int_attr(3)}}, {"a", "b", "c"}), seven);
  expect_floats(seven.at("c"), {1}, {6});
  const Node attr = make_node("Split", {"x"}, {{"split", ints_attr({4, 3})}}, {"a", "b"});
  expect_floats(run(attr, {{"x", floats({7}, iota(7))}}, "b"), {3}, {4, 5, 6});
  EXPECT_EQ(error_of(make_node("Split", {"x"}, {}, {"a", "b"}), {{"x", floats({5}, iota(5))}}),
            "node 'n_Split' (Split): an axis of 5 does not split into 2 equal parts");
}

// ---- shapes -----------------------------------------------------------------------------------

TEST(Eval, ReshapeFlattenSqueezeUnsqueeze) {
  const Tensor x = floats({2, 3, 4}, iota(24));
  const Node reshape = make_node("Reshape", {"x", "s"});
  const Tensor y = run(reshape, {{"x", x}, {"s", ints({2}, {0, -1})}});
  expect_floats(y, {2, 12}, iota(24));
  EXPECT_EQ(run(reshape, {{"x", x}, {"s", ints({3}, {-1, 0, 2})}}).shape, (Shape{4, 3, 2}));
  EXPECT_EQ(run(reshape, {{"x", x}, {"s", ints({1}, {24})}}).shape, (Shape{24}));
  EXPECT_EQ(error_of(reshape, {{"x", x}, {"s", ints({2}, {5, -1})}}),
            "node 'n_Reshape' (Reshape): cannot reshape [2,3,4] to [5,-1]");
  EXPECT_EQ(error_of(reshape, {{"x", x}, {"s", ints({2}, {-1, -1})}}),
            "node 'n_Reshape' (Reshape): cannot reshape [2,3,4] to [-1,-1]");
  const auto flatten = [](int64_t axis) {
    return make_node("Flatten", {"x"}, {{"axis", int_attr(axis)}});
  };
  EXPECT_EQ(run(make_node("Flatten", {"x"}), {{"x", x}}).shape, (Shape{2, 12}));
  EXPECT_EQ(run(flatten(0), {{"x", x}}).shape, (Shape{1, 24}));
  EXPECT_EQ(run(flatten(-1), {{"x", x}}).shape, (Shape{6, 4}));
  EXPECT_EQ(run(flatten(3), {{"x", x}}).shape, (Shape{24, 1}));
  const Tensor ones = floats({1, 3, 1}, {1, 2, 3});
  EXPECT_EQ(run(make_node("Squeeze", {"x"}), {{"x", ones}}).shape, (Shape{3}));
  EXPECT_EQ(run(make_node("Squeeze", {"x", "a"}), {{"x", ones}, {"a", ints({1}, {-1})}}).shape,
            (Shape{1, 3}));
  EXPECT_EQ(run(make_node("Squeeze", {"x"}, {{"axes", ints_attr({0})}}), {{"x", ones}}).shape,
            (Shape{3, 1}));
  EXPECT_EQ(error_of(make_node("Squeeze", {"x"}, {{"axes", ints_attr({1})}}), {{"x", ones}}),
            "node 'n_Squeeze' (Squeeze): axis 1 of [1,3,1] is not 1");
  const Tensor row = floats({3}, {1, 2, 3});
  const Tensor u = run(make_node("Unsqueeze", {"x", "a"}), {{"x", row}, {"a", ints({2}, {0, -1})}});
  expect_floats(u, {1, 3, 1}, {1, 2, 3});
  EXPECT_EQ(run(make_node("Unsqueeze", {"x"}, {{"axes", ints_attr({1})}}), {{"x", row}}).shape,
            (Shape{3, 1}));
}

TEST(Eval, IdentityDropoutShapeSize) {
  const Tensor x = floats({2, 3}, iota(6));
  expect_floats(run(make_node("Identity", {"x"}), {{"x", x}}), {2, 3}, iota(6));
  Env env = {{"x", x}};
  evaluate(make_node("Dropout", {"x"}, {}, {"y", "mask"}), env);
  expect_floats(env.at("y"), {2, 3}, iota(6));
  expect_ints(env.at("mask"), {2, 3}, {1, 1, 1, 1, 1, 1}, DType::kBool);
  // Training mode with ratio 0 is the identity too (torchvision's Swin); with
  // another ratio it is refused.
  const Tensor training = Tensor::ints({}, {1}, DType::kBool);
  expect_floats(run(make_node("Dropout", {"x", "r", "t"}),
                    {{"x", x}, {"r", floats({}, {0.0f})}, {"t", training}}),
                {2, 3}, iota(6));
  EXPECT_EQ(error_of(make_node("Dropout", {"x", "r", "t"}),
                     {{"x", x}, {"r", floats({}, {0.1f})}, {"t", training}}),
            "node 'n_Dropout' (Dropout): training mode with a ratio above 0 is not supported");
  const Tensor x4 = floats({2, 3, 4, 5}, iota(120));
  expect_ints(run(make_node("Shape", {"x"}), {{"x", x4}}), {4}, {2, 3, 4, 5});
  const Node part = make_node("Shape", {"x"}, {{"start", int_attr(1)}, {"end", int_attr(-1)}});
  expect_ints(run(part, {{"x", x4}}), {2}, {3, 4});
  expect_ints(run(make_node("Shape", {"x"}, {{"start", int_attr(-10)}}), {{"x", x4}}), {4},
              {2, 3, 4, 5});
  expect_ints(run(make_node("Size", {"x"}), {{"x", x4}}), {}, {120});
}

TEST(Eval, ConstantsAndRange) {
  expect_floats(run(make_node("Constant", {}, {{"value", tensor_attr(floats({2}, {1, 2}))}}), {}),
                {2}, {1, 2});
  expect_floats(run(make_node("Constant", {}, {{"value_float", float_attr(3)}}), {}), {}, {3});
  expect_floats(run(make_node("Constant", {}, {{"value_floats", floats_attr({1, 2})}}), {}), {2},
                {1, 2});
  expect_ints(run(make_node("Constant", {}, {{"value_int", int_attr(4)}}), {}), {}, {4});
  expect_ints(run(make_node("Constant", {}, {{"value_ints", ints_attr({4, 5})}}), {}), {2}, {4, 5});
  const Node fill = make_node("ConstantOfShape", {"s"}, {{"value", tensor_attr(ints({1}, {7}))}});
  expect_ints(run(fill, {{"s", ints({2}, {2, 3})}}), {2, 3}, {7, 7, 7, 7, 7, 7});
  expect_floats(run(make_node("ConstantOfShape", {"s"}), {{"s", ints({1}, {2})}}), {2}, {0, 0});
  const Node range = make_node("Range", {"a", "b", "d"});
  expect_ints(run(range, {{"a", ints({}, {1})}, {"b", ints({}, {10})}, {"d", ints({}, {3})}}), {3},
              {1, 4, 7});
  expect_ints(run(range, {{"a", ints({}, {10})}, {"b", ints({}, {4})}, {"d", ints({}, {-3})}}), {2},
              {10, 7});
  expect_floats(
      run(range, {{"a", floats({}, {0})}, {"b", floats({}, {1})}, {"d", floats({}, {0.25f})}}), {4},
      {0, 0.25f, 0.5f, 0.75f});
  // Counts past int64 (limit - start overflows) and past float's range are
  // refused by the element limit; an empty count stays empty.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_NE(
      error_of(range, {{"a", ints({}, {kMin})}, {"b", ints({}, {kMax})}, {"d", ints({}, {1})}})
          .find("a dimension above vtpu's limit of 2^24"),
      std::string::npos);
  expect_ints(run(range, {{"a", ints({}, {kMax})}, {"b", ints({}, {kMin})}, {"d", ints({}, {1})}}),
              {0}, {});
  expect_ints(
      run(range,
          {{"a", ints({}, {kMin})}, {"b", ints({}, {kMax})}, {"d", ints({}, {int64_t{1} << 62})}}),
      {4}, {kMin, kMin / 2, 0, kMax / 2 + 1});
  expect_ints(
      run(range, {{"a", ints({}, {kMax})}, {"b", ints({}, {kMin})}, {"d", ints({}, {kMin})}}), {2},
      {kMax, -1});
  EXPECT_NE(error_of(range, {{"a", floats({}, {-3e38f})},
                             {"b", floats({}, {3e38f})},
                             {"d", floats({}, {1e-30f})}})
                .find("a dimension above vtpu's limit of 2^24"),
            std::string::npos);
  EXPECT_EQ(
      error_of(range, {{"a", floats({}, {0})}, {"b", floats({}, {NAN})}, {"d", floats({}, {1})}}),
      "node 'n_Range' (Range): the number of elements is not a number (start, limit or delta)");
}

// ---- graphs and refusals ------------------------------------------------------------------------

// PyTorch's export of x.view(x.size(0), -1):
// Shape -> Gather(0) -> Unsqueeze(0) -> Concat([-1]) -> Reshape.
Graph flatten_graph() {
  Graph g;
  g.name = "flatten";
  g.opset = 13;
  g.inputs = {"x"};
  g.outputs = {"y"};
  g.values["x"] = ValueInfo{DType::kFloat32, {2, 3, 4}};
  g.constants["zero"] = ints({}, {0});
  g.constants["axes"] = ints({1}, {0});
  g.constants["minus_one"] = ints({1}, {-1});
  g.nodes = {make_node("Shape", {"x"}, {}, {"shape"}),
             make_node("Gather", {"shape", "zero"}, {{"axis", int_attr(0)}}, {"batch"}),
             make_node("Unsqueeze", {"batch", "axes"}, {}, {"batch1"}),
             make_node("Concat", {"batch1", "minus_one"}, {{"axis", int_attr(0)}}, {"target"}),
             make_node("Reshape", {"x", "target"}, {}, {"y"})};
  return g;
}

TEST(Eval, RunGraphThroughThePyTorchShapeSubgraph) {
  const Graph g = flatten_graph();
  Env values;
  std::vector<std::string> order;
  run_graph(g, {{"x", floats({2, 3, 4}, iota(24))}},
            [&](const std::string& name, const Tensor& value) {
              order.push_back(name);
              values[name] = value;
            });
  expect_ints(values.at("shape"), {3}, {2, 3, 4});
  expect_ints(values.at("batch"), {}, {2});
  expect_ints(values.at("batch1"), {1}, {2});
  expect_ints(values.at("target"), {2}, {2, -1});
  expect_floats(values.at("y"), {2, 12}, iota(24));
  // The input first, then each node's output as it is computed; constants are
  // read in place, not visited.
  EXPECT_EQ(order, (std::vector<std::string>{"x", "shape", "batch", "batch1", "target", "y"}));
  const auto ignore = [](const std::string&, const Tensor&) {};
  try {
    run_graph(g, {{"x", floats({4, 6}, iota(24))}}, ignore);
    FAIL() << "a wrong input shape";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "graph 'flatten': input 'x' is float32 [4,6], not float32 [2,3,4]");
  }
  try {
    run_graph(g, {}, ignore);
    FAIL() << "a missing input";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "graph 'flatten': input 'x' is not given");
  }
}

TEST(Eval, RefusalsNameTheNode) {
  EXPECT_TRUE(can_evaluate("Conv"));
  EXPECT_TRUE(can_evaluate("Reshape"));
  EXPECT_FALSE(can_evaluate("LSTM"));
  EXPECT_EQ(error_of(make_node("LSTM", {"x"}), {{"x", floats({1}, {1})}}),
            "node 'n_LSTM' (LSTM): the operator is not supported");
  EXPECT_EQ(error_of(make_node("Relu", {"x"}), {}), "node 'n_Relu' (Relu): input 'x' has no value");
  EXPECT_EQ(error_of(make_node("Add", {"a", ""}), {{"a", floats({1}, {1})}}),
            "node 'n_Add' (Add): input 1 is missing");
  const Node conv3d = make_node("Conv", {"x", "w"});
  EXPECT_EQ(error_of(conv3d, {{"x", floats({1, 1, 2, 2, 2}, iota(8))},
                              {"w", floats({1, 1, 1, 1, 1}, {1})}}),
            "node 'n_Conv' (Conv): only 1-D and 2-D windows are supported; input is [1,1,2,2,2]");
  EXPECT_EQ(error_of(conv3d,
                     {{"x", floats({1, 3, 4, 4}, iota(48))}, {"w", floats({2, 2, 1, 1}, iota(4))}}),
            "node 'n_Conv' (Conv): weights [2,2,1,1] do not fit input [1,3,4,4] with group 1");
  EXPECT_EQ(error_of(conv3d,
                     {{"x", floats({1, 1, 2, 2}, iota(4))}, {"w", floats({1, 1, 3, 3}, iota(9))}}),
            "node 'n_Conv' (Conv): a window of 3 does not fit an axis of 2 padded by 0+0");
  const Node pad_mode = make_node("Pad", {"x", "p"}, {{"mode", string_attr("symmetric")}});
  EXPECT_EQ(error_of(pad_mode, {{"x", floats({1}, {1})}, {"p", ints({2}, {0, 0})}}),
            "node 'n_Pad' (Pad): mode 'symmetric' is not supported");
  // A tensor whose data does not fill its shape.
  Tensor torn = floats({2}, {1, 2});
  torn.shape = {3};
  EXPECT_EQ(error_of(make_node("Relu", {"x"}), {{"x", torn}}),
            "node 'n_Relu' (Relu): input 'x' holds 2 values for shape [3]");
}

}  // namespace
}  // namespace vtpu::sw
