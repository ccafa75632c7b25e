// The compiler's quantization rules and graph rewrites (sw/compiler,
// sw/graph/passes, docs/compiler.md), against values worked out by hand.
#include "sw/compiler/compiler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "models/common/error.h"
#include "models/vpu/numerics.h"
#include "sw/compiler/compress.h"
#include "sw/compiler/held.h"
#include "sw/graph/eval.h"
#include "sw/graph/passes.h"

namespace vtpu::sw {
namespace {

TEST(Quantization, ActivationsAreAsymmetricOverTheRangeWithZero) {
  // [-1, 3]: scale 4 / 255, zero point round(-128 + 255 / 4) = -64.
  const QuantParams q = asymmetric_params(-1.0f, 3.0f);
  EXPECT_FLOAT_EQ(q.scale, 4.0f / 255.0f);
  EXPECT_EQ(q.zero_point, -64);
  // A ReLU output [0, 6]: zero point -128, so saturation clamps at 0.
  EXPECT_EQ(asymmetric_params(0.5f, 6.0f).zero_point, -128);
  EXPECT_FLOAT_EQ(asymmetric_params(0.5f, 6.0f).scale, 6.0f / 255.0f);
  // An all-zero tensor keeps scale 1.
  EXPECT_FLOAT_EQ(asymmetric_params(0.0f, 0.0f).scale, 1.0f);
}

TEST(Quantization, RangesAtTheFloatLimitsGiveFiniteParameters) {
  // max - min overflows fp32; the width then comes from double:
  // 2 x FLT_MAX / 255, zero point round(-128 + 127.5) = 0 (half to even).
  constexpr float kMax = std::numeric_limits<float>::max();
  const QuantParams q = asymmetric_params(-kMax, kMax);
  EXPECT_FLOAT_EQ(q.scale, static_cast<float>(2.0 * kMax / 255.0));
  EXPECT_EQ(q.zero_point, 0);
  EXPECT_EQ(asymmetric_params(-kMax, 0.0f).zero_point, 127);
}

TEST(Quantization, ConstantsAreQuantizedOverTheirFiniteValues) {
  // NaN and +-inf leave the range (they quantize to the zero point and to
  // the saturated ends); a constant with no finite value is all zero's.
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const QuantParams q = constant_params({-kInf, -1.0f, nan, 3.0f, kInf});
  EXPECT_FLOAT_EQ(q.scale, 4.0f / 255.0f);
  EXPECT_EQ(q.zero_point, -64);
  EXPECT_FLOAT_EQ(constant_params({nan, kInf}).scale, 1.0f);
}

TEST(Quantization, WeightScalesArePerChannelMaxOver127) {
  const std::vector<float> w = {0.5f, -1.27f, 0.0f, 2.54f, 1.0f, -0.1f};
  const std::vector<float> s = channel_scales(w, 2, 3, {0.0f, 0.0f}, 0.1f);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_FLOAT_EQ(s[0], 1.27f / 127.0f);
  EXPECT_FLOAT_EQ(s[1], 2.54f / 127.0f);
}

TEST(Quantization, WeightScaleRisesSoTheBiasFitsInt32) {
  // s_in 1e-13, w up to 1e-3: bias 0.03 / (1e-13 * 1e-3 / 127) would be about
  // 4e16. The scale rises to 0.03 / (1e-13 * 2^29).
  const std::vector<float> w = {1e-3f, -5e-4f};
  const std::vector<float> s = channel_scales(w, 1, 2, {0.03f}, 1e-13f);
  const double expected = 0.03 / (1e-13 * 536870912.0);
  EXPECT_NEAR(s[0], expected, expected * 1e-6);
  EXPECT_LE(std::fabs(0.03 / (1e-13 * static_cast<double>(s[0]))), 536870912.0 * 1.000001);
  // A bias that fits leaves the scale alone.
  EXPECT_FLOAT_EQ(channel_scales(w, 1, 2, {0.03f}, 0.1f)[0], 1e-3f / 127.0f);
}

TEST(Quantization, WeightsQuantizeAsQuantizeLinearBitForBit) {
  // Random weights over several scales per column, with the values that
  // take a special path: ties (x.5 both ways), the saturation edges, NaN,
  // the infinities, -0 and quotients far beyond int8.
  const int64_t k = 37, n = 13;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-3.0f, 3.0f);
  std::vector<float> scales(n), w(k * n);
  for (int64_t c = 0; c < n; ++c) scales[c] = std::ldexp(1.0f, static_cast<int>(c) - 8);
  for (float& x : w) x = value(rng);
  const float inf = std::numeric_limits<float>::infinity();
  const float special[] = {0.5f,    1.5f,    2.5f,   -0.5f,   -1.5f,  126.5f, 127.5f,
                           -127.5f, -128.5f, 128.0f, -129.0f, 1e30f,  -1e30f, inf,
                           -inf,    NAN,     -0.0f,  0.0f,    254.5f, -255.5f};
  // Placed as quotients: times their column's scale (a power of two: exact).
  for (size_t i = 0; i < std::size(special); ++i)
    w[i * 7 % w.size()] = special[i] * scales[i * 7 % w.size() % n];
  std::vector<int8_t> q(w.size());
  std::vector<int64_t> colsum(n);
  quantize_weights(w.data(), k, n, scales.data(), q.data(), colsum.data());
  for (int64_t c = 0; c < n; ++c) {
    int64_t sum = 0;
    for (int64_t r = 0; r < k; ++r) {
      const int8_t expected = vtpu::numerics::quantize_int8(w[r * n + c], scales[c], 0);
      ASSERT_EQ(q[r * n + c], expected) << "w " << w[r * n + c] << " scale " << scales[c];
      sum += expected;
    }
    EXPECT_EQ(colsum[c], sum) << "column " << c;
  }
}

TEST(Quantization, PrecisionNames) {
  EXPECT_EQ(parse_precision("int8", "x"), Precision::kInt8);
  EXPECT_EQ(parse_precision("bf16", "x"), Precision::kBf16);
  EXPECT_THROW(parse_precision("fp16", "--precision"), std::exception);
}

}  // namespace
}  // namespace vtpu::sw

namespace vtpu::sw {
namespace {

Node make_node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out) {
  Node n;
  n.name = op;
  n.op = op;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

// x -> QuantizeLinear -> QLinearConv (int8 weights and bias) -> DequantizeLinear -> y:
// one float Conv on dequantized constants, the activations' parameters as hints.
TEST(PreQuantized, QLinearConvBecomesAFloatConvWithHints) {
  Graph g;
  g.inputs = {"x"};
  g.outputs = {"y"};
  g.values["x"] = ValueInfo{DType::kFloat32, {1, 1, 2, 2}};
  auto scalar = [&](const std::string& name, float v) {
    g.constants[name] = Tensor::floats({}, {v});
  };
  auto int8 = [&](const std::string& name, std::vector<int64_t> shape, std::vector<int64_t> v) {
    g.constants[name] = Tensor::ints(std::move(shape), std::move(v), DType::kInt8);
  };
  scalar("xs", 0.5f);
  int8("xz", {}, {-3});
  int8("w", {2, 1, 1, 1}, {10, -4});
  g.constants["ws"] = Tensor::floats({2}, {0.25f, 0.125f});
  int8("wz", {2}, {0, 0});
  scalar("ys", 2.0f);
  int8("yz", {}, {7});
  g.constants["b"] = Tensor::ints({2}, {8, -16}, DType::kInt32);
  g.nodes.push_back(make_node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"}));
  g.nodes.push_back(
      make_node("QLinearConv", {"xq", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"}, {"yq"}));
  g.nodes.push_back(make_node("DequantizeLinear", {"yq", "ys", "yz"}, {"y"}));
  absorb_quantization(g);

  // The Conv, then an Identity keeping the output's name (simplify() folds it).
  ASSERT_EQ(g.nodes.size(), 2u);
  const Node& conv = g.nodes[0];
  EXPECT_EQ(g.nodes[1].op, "Identity");
  EXPECT_EQ(g.nodes[1].inputs, std::vector<std::string>{conv.outputs[0]});
  EXPECT_EQ(g.nodes[1].outputs, std::vector<std::string>{"y"});
  EXPECT_EQ(conv.op, "Conv");
  ASSERT_EQ(conv.inputs.size(), 3u);
  EXPECT_EQ(conv.inputs[0], "x");
  EXPECT_EQ(g.constants.at(conv.inputs[1]).f, (std::vector<float>{2.5f, -0.5f}));  // w * ws
  // bias * xs * ws: 8 * 0.5 * 0.25 = 1, -16 * 0.5 * 0.125 = -1.
  EXPECT_EQ(g.constants.at(conv.inputs[2]).f, (std::vector<float>{1.0f, -1.0f}));
  ASSERT_EQ(g.outputs, std::vector<std::string>{"y"});
  EXPECT_FLOAT_EQ(g.quant_hints.at("x").scale, 0.5f);
  EXPECT_EQ(g.quant_hints.at("x").zero_point, -3);
  EXPECT_FLOAT_EQ(g.quant_hints.at(conv.outputs[0]).scale, 2.0f);
  EXPECT_EQ(g.quant_hints.at(conv.outputs[0]).zero_point, 7);
}

}  // namespace
}  // namespace vtpu::sw

namespace vtpu::sw {
namespace {

// GELU's tanh approximation as PyTorch exports it (x * (x * x), the scaled
// sum, Tanh, + 1, * x, * 0.5) becomes one VtpuGeluTanh from x to the last
// product; with the 0.044715 changed it is left alone.
TEST(Fusion, TanhGeluBecomesOneNode) {
  for (const float cubic : {0.044715f, 0.05f}) {
    Graph g;
    g.inputs = {"x"};
    g.outputs = {"y"};
    g.values["x"] = ValueInfo{DType::kFloat32, {2, 8}};
    const auto scalar = [&](const std::string& name, float v) {
      g.constants[name] = Tensor::floats({}, {v});
    };
    scalar("c3", cubic);
    scalar("k", 0.7978845608f);
    scalar("one", 1.0f);
    scalar("half", 0.5f);
    g.nodes = {make_node("Mul", {"x", "x"}, {"sq"}),    make_node("Mul", {"x", "sq"}, {"cube"}),
               make_node("Mul", {"c3", "cube"}, {"t"}), make_node("Add", {"x", "t"}, {"s"}),
               make_node("Mul", {"k", "s"}, {"u"}),     make_node("Tanh", {"u"}, {"th"}),
               make_node("Add", {"one", "th"}, {"p"}),  make_node("Mul", {"x", "p"}, {"xp"}),
               make_node("Mul", {"half", "xp"}, {"y"})};
    simplify(g);
    fuse(g);
    if (cubic == 0.044715f) {
      ASSERT_EQ(g.nodes.size(), 1u);
      EXPECT_EQ(g.nodes[0].op, "VtpuGeluTanh");
      EXPECT_EQ(g.nodes[0].inputs, std::vector<std::string>{"x"});
      EXPECT_EQ(g.nodes[0].outputs, std::vector<std::string>{"y"});
    } else {
      EXPECT_EQ(g.nodes.size(), 9u);
    }
  }
}

// Einsum is rewritten into Transpose/Reshape/MatMul before lowering: the
// rewritten graph computes what numpy's einsum would (checked here on a
// batched attention product against loops), and equations outside the
// rewrite are refused naming the node and the subscript.
TEST(Fusion, EinsumBecomesTransposesAndMatMul) {
  Graph g;
  g.inputs = {"q", "k"};
  g.outputs = {"s"};
  g.values["q"] = ValueInfo{DType::kFloat32, {2, 3, 4}};  // b i d
  g.values["k"] = ValueInfo{DType::kFloat32, {2, 5, 4}};  // b j d
  Node e = make_node("Einsum", {"q", "k"}, {"s"});
  Attribute eq;
  eq.kind = Attribute::Kind::kString;
  eq.s = "bid,bjd->bji";
  e.attrs["equation"] = eq;
  g.nodes = {e};
  simplify(g);
  for (const Node& n : g.nodes) EXPECT_NE(n.op, "Einsum");
  std::vector<float> q(24), k(40);
  for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<float>(i % 7) - 3.0f;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<float>(i % 5) * 0.5f - 1.0f;
  const Env out =
      run_graph(g, {{"q", Tensor::floats({2, 3, 4}, q)}, {"k", Tensor::floats({2, 5, 4}, k)}});
  const Tensor& s = out.at("s");
  ASSERT_EQ(s.shape, (std::vector<int64_t>{2, 5, 3}));
  for (int b = 0; b < 2; ++b)
    for (int j = 0; j < 5; ++j)
      for (int i = 0; i < 3; ++i) {
        float want = 0;
        for (int d = 0; d < 4; ++d) want += q[(b * 3 + i) * 4 + d] * k[(b * 5 + j) * 4 + d];
        EXPECT_FLOAT_EQ(s.f[(b * 5 + j) * 3 + i], want);
      }

  e.attrs["equation"].s = "bii,bjd->bj";
  g.nodes = {e};
  g.values["q"] = ValueInfo{DType::kFloat32, {2, 4, 4}};
  try {
    simplify(g);
    ADD_FAILURE() << "a repeated subscript was taken";
  } catch (const Error& error) {
    EXPECT_EQ(
        std::string(error.what())
            .rfind("node 'Einsum' (Einsum): equation 'bii,bjd->bj': subscript 'i' repeats in a "
                   "term",
                   0),
        0u);
  }
}

}  // namespace
}  // namespace vtpu::sw

namespace vtpu::sw {
namespace {

// A 5 x 5 stride-2 convolution with pads 2 over a 3-channel input: for an
// array of 128 rows (K 75 and K' 3 * 3 * 12 = 108 take one fold each) the input
// is bound padded and folded into 2 x 2 blocks, and the layer is a 3 x 3
// stride-1 unpadded convolution over 12 channels; for 16 rows (5 folds
// against 7) or an unknown array it stays as it is.
// An image past CompileOptions::max_image_bytes is refused with the node
// whose tensor would outgrow it; the same model fits the default limit.
TEST(ImageLimit, AModelPastTheLimitIsRefusedNamingTheNode) {
  Graph g;
  g.inputs = {"x"};
  g.outputs = {"z"};
  g.values["x"] = ValueInfo{DType::kFloat32, {64, 64}};
  g.values["y"] = ValueInfo{DType::kFloat32, {64, 64}};
  g.values["z"] = ValueInfo{DType::kFloat32, {64, 64}};
  g.nodes = {make_node("Relu", {"x"}, {"y"}), make_node("Sigmoid", {"y"}, {"z"})};
  g.nodes[0].name = "first";
  g.nodes[1].name = "second";
  CompileOptions o;
  o.precision = Precision::kBf16;
  const uint64_t needed = compile(g, o).image.bytes().size();
  // Room for the input and the first node's output (64 x 64 bf16 each,
  // after the header), not for the second's.
  o.max_image_bytes = 3 * 8192;
  ASSERT_LT(o.max_image_bytes, needed);
  try {
    compile(g, o);
    FAIL() << "compiled past the image limit";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than 24576 bytes"), std::string::npos) << e.what();
    EXPECT_EQ(e.layer(), "second");
  }
  o.max_image_bytes = needed + (1u << 20);
  EXPECT_NO_THROW(compile(g, o));
}

// An int8 model of more than 2^30 elements in all is laid out before it is
// calibrated, so one past the image limit is refused before its calibration
// runs: here the calibration input is the wrong shape, which calibrating
// would refuse with another message.
TEST(ImageLimit, ALargeInt8ModelIsRefusedBeforeCalibrating) {
  Graph g;
  const std::vector<std::string> names = {"t0", "t1", "t2", "t3", "t4", "t5"};
  g.inputs = {names.front()};
  g.outputs = {names.back()};
  for (const std::string& name : names)
    g.values[name] = ValueInfo{DType::kFloat32, {16384, 16384}};  // 2^28 elements each
  const char* ops[] = {"Relu", "Sigmoid", "Tanh", "Relu", "Sigmoid"};
  for (size_t i = 0; i + 1 < names.size(); ++i)
    g.nodes.push_back(make_node(ops[i], {names[i]}, {names[i + 1]}));
  CompileOptions o;
  o.precision = Precision::kInt8;
  o.calibration = {Env{{"t0", Tensor::floats({1}, {0.0f})}}};
  for (const uint64_t limit : {uint64_t{384} << 20, runtime::kMaxImageBytes}) {
    o.max_image_bytes = limit;  // 384 MiB: room for t0 (256 MiB in int8), not for t1
    try {
      compile(g, o);
      FAIL() << "compiled with a calibration input of the wrong shape";
    } catch (const Error& e) {
      const bool image = std::string(e.what()).find("the image's limit") != std::string::npos;
      EXPECT_EQ(image, limit < runtime::kMaxImageBytes) << e.what();
    }
  }
}

TEST(SpaceToDepth, AStridedInputConvolutionReadsBlocksWhereTheArrayTakesThem) {
  Graph g;
  g.inputs = {"x"};
  g.outputs = {"y"};
  g.values["x"] = ValueInfo{DType::kFloat32, {1, 3, 9, 9}};
  g.values["y"] = ValueInfo{DType::kFloat32, {1, 4, 5, 5}};
  std::vector<float> w(4 * 3 * 5 * 5);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 7) - 3.0f;
  g.constants["w"] = Tensor::floats({4, 3, 5, 5}, w);
  Node conv = make_node("Conv", {"x", "w"}, {"y"});
  for (const auto& [name, v] :
       {std::pair<std::string, std::vector<int64_t>>{"strides", {2, 2}}, {"pads", {2, 2, 2, 2}}}) {
    conv.attrs[name].kind = Attribute::Kind::kInts;
    conv.attrs[name].ints = v;
  }
  g.nodes.push_back(conv);
  for (uint32_t rows : {128u, 16u, 0u}) {
    CompileOptions o;
    o.precision = Precision::kBf16;
    o.array_rows = rows;
    const Program p = compile(g, o);
    ASSERT_EQ(p.inputs.size(), 1u);
    const Binding& b = p.inputs[0];
    const vtpu_layer& l = p.image.layers().at(0);
    ASSERT_EQ(l.kind, VTPU_LAYER_CONV2D);
    const vtpu_layer_conv2d& c = l.u.conv2d;
    if (rows == 128) {
      EXPECT_EQ(b.block, 2u);
      EXPECT_EQ(b.pads, (std::vector<int64_t>{2, 2, 2, 2}));
      EXPECT_EQ(b.stored_shape(), (std::vector<int64_t>{1, 7, 7, 12}));  // ceil(13 / 2)
      EXPECT_EQ(b.bytes(), 7u * 7 * 12 * 2);
      EXPECT_EQ(c.in, b.offset);
      EXPECT_EQ(std::vector<uint32_t>({c.h, c.w, c.cin, c.kh, c.kw, c.sy, c.sx}),
                std::vector<uint32_t>({7, 7, 12, 3, 3, 1, 1}));
      EXPECT_EQ(c.pad_top + c.pad_left + c.pad_bottom + c.pad_right, 0);
    } else {
      EXPECT_EQ(b.block, 1u);
      EXPECT_TRUE(b.pads.empty());
      EXPECT_EQ(std::vector<uint32_t>({c.h, c.w, c.cin, c.kh, c.kw, c.sy, c.sx}),
                std::vector<uint32_t>({9, 9, 3, 5, 5, 2, 2}));
      EXPECT_EQ(c.pad_top, 2);
    }
  }
}

// ---- compressed weights (sw/compiler/compress.h) ------------------------------

TEST(Compression, PrunesTwoOfFourAlongKInTheChipsOrder) {
  // A Gemm with transB: B is stored n x k = 2 x 5, K along each row. Column 0's
  // groups: rows 0-3 {1, -4, 3, 2} keep -4 and 3; row 4 alone keeps 5.
  // Column 1: {2, 2, -2, 1} keeps the first two of the tie at 2 (lower rows).
  Graph g;
  g.inputs = {"x"};
  g.constants["w"] = Tensor::floats({2, 5}, {1, -4, 3, 2, 5, 2, 2, -2, 1, 0});
  Node gemm;
  gemm.name = "fc", gemm.op = "Gemm", gemm.inputs = {"x", "w"}, gemm.outputs = {"y"};
  gemm.attrs["transB"].i = 1;
  g.nodes = {gemm};
  EXPECT_EQ(prune_2_4(g, {}), std::set<std::string>{"fc"});
  EXPECT_EQ(g.constants["w"].f, (std::vector<float>{0, -4, 3, 0, 5, 2, 2, 0, 0, 0}));
  EXPECT_THROW(prune_2_4(g, {"nope"}), Error);
}

TEST(Compression, ConvolutionsPruneAlongTapsThenChannels) {
  // Conv weights [co=1][ci=2][1][2]: the chip's K is (kx, ci) = w[0][0][0][0],
  // w[0][1][0][0], w[0][0][0][1], w[0][1][0][1] = 1, 4, -3, 2: keeps 4 and -3.
  // A convolution of a graph input is pruned too; a skipped one is not.
  Graph g;
  g.inputs = {"x"};
  g.constants["w"] = Tensor::floats({1, 2, 1, 2}, {1, -3, 4, 2});
  g.constants["v"] = g.constants["w"];
  g.constants["u"] = g.constants["w"];
  Node first, second, third;
  first.name = "c0", first.op = "Conv", first.inputs = {"x", "v"}, first.outputs = {"h"};
  second.name = "c1", second.op = "Conv", second.inputs = {"h", "w"}, second.outputs = {"y"};
  third.name = "c2", third.op = "Conv", third.inputs = {"y", "u"}, third.outputs = {"z"};
  g.nodes = {first, second, third};
  EXPECT_EQ(prune_2_4(g, {"c2"}), (std::set<std::string>{"c0", "c1"}));
  EXPECT_EQ(g.constants["w"].f, (std::vector<float>{0, -3, 4, 0}));
  EXPECT_EQ(g.constants["v"].f, (std::vector<float>{0, -3, 4, 0}));
  EXPECT_EQ(g.constants["u"].f, (std::vector<float>{1, -3, 4, 2}));
}

TEST(Compression, TwoOfFourFormKeepsWeightsAndPositions) {
  // k = 6, n = 3 (int8 bytes), one group. Column 0: rows 1 and 3 (7, -2);
  // column 1: row 2 only (5), padded with row 0 (0); column 2: none (rows
  // 0 and 1, zeros). Second group (rows 4, 5): column 0 row 5 (9), padded
  // with row 0 of the group (4, 0); column 1 rows 4, 5 (1, 2).
  const std::vector<int8_t> w = {0, 0, 0, 7, 0, 0, 0, 5, 0, -2, 0, 0, 0, 1, 0, 9, 2, 0};
  std::vector<uint8_t> kept, positions;
  ASSERT_TRUE(compress_2_4(std::vector<uint8_t>(w.begin(), w.end()), 1, 6, 3, kept, positions));
  const std::vector<int8_t> want = {7, 5, 0, -2, 0, 0, 9, 1, 0, 0, 2, 0};
  EXPECT_EQ(std::vector<int8_t>(kept.begin(), kept.end()), want);
  // Nibbles (first | second << 2), two columns a byte, low nibble first:
  // group 0: c0 1|3<<2 = 13, c1 2|0 = 2, c2 0|1<<2 = 4; group 1: c0 1|0 = 1,
  // c1 0|1<<2 = 4, c2 0|1<<2 = 4.
  EXPECT_EQ(positions, (std::vector<uint8_t>{13 | 2 << 4, 4, 1 | 4 << 4, 4}));
  // Three non-zeros in one group: not 2:4.
  std::vector<uint8_t> dense(12, 1);
  EXPECT_FALSE(compress_2_4(dense, 1, 4, 3, kept, positions));
  EXPECT_TRUE(kept.empty() && positions.empty());
}

TEST(Compression, Int4PacksLowNibbleFirst) {
  // Two groups of 1 x 3: (-8, 7, -1) and (1, 0, -2).
  const std::vector<int8_t> w = {-8, 7, -1, 1, 0, -2};
  EXPECT_EQ(pack_int4(std::vector<uint8_t>(w.begin(), w.end()), 2, 1, 3),
            (std::vector<uint8_t>{0x8 | 0x7 << 4, 0xf, 0x1, 0xe}));
}

TEST(Quantization, Int4WeightScalesAreMaxOverSeven) {
  const std::vector<float> w = {0.7f, -1.4f, 0.0f, 0.0f};
  const std::vector<float> s = channel_scales(w, 2, 2, {0.0f, 0.0f}, 0.1f, 7);
  EXPECT_FLOAT_EQ(s[0], 1.4f / 7.0f);
  EXPECT_FLOAT_EQ(s[1], 1.0f);  // all zero
}

// ---- held weights (sw/compiler/held.h, docs/compiler.md "Held weights") ----

// A 1 x 1 int8 convolution over an h x w x cin image to cout channels, its
// weights, bias and scales laid out one after another from `at` (advanced
// past them), as the compiler writes them.
vtpu_layer conv1x1(uint32_t hw, uint32_t cin, uint32_t cout, uint64_t& at) {
  vtpu_layer l = runtime::blank_layer(VTPU_LAYER_CONV2D, VTPU_TYPE_INT8);
  l.flags = VTPU_LAYER_BIAS;
  vtpu_layer_conv2d& c = l.u.conv2d;
  c.n = 1, c.h = c.w = hw, c.cin = cin, c.cout = cout, c.groups = 1;
  c.kh = c.kw = c.sy = c.sx = c.dil_y = c.dil_x = 1;
  const auto align = [](uint64_t v) { return (v + 63) & ~uint64_t{63}; };
  c.weights = at, at += align(uint64_t{cin} * cout);
  c.bias = at, at += align(4ull * cout);
  c.scales = at, at += align(4ull * cout);
  return l;
}

struct HeldNet {
  std::vector<vtpu_layer> layers;
  std::vector<uint64_t> bytes;  // each layer's constants: weights, bias, scales
};

// 20 small layers (56 x 56 x 64 -> 64), then 3 with 1 MB of weights each on
// 7 x 7 pixels: on a 256 x 256 array at 48 bytes a cycle, each of the last
// three takes 4 x 4 folds of 2R + C + M - 2 = 815 cycles, 13,040, against
// 1,056,768 / 48 = 22,016 cycles of loading: memory-bound.
HeldNet held_net() {
  HeldNet n;
  uint64_t at = 1 << 20;
  for (int i = 0; i < 20; ++i) n.layers.push_back(conv1x1(56, 64, 64, at));
  for (int i = 0; i < 3; ++i) n.layers.push_back(conv1x1(7, 1024, 1024, at));
  for (const vtpu_layer& l : n.layers)
    n.bytes.push_back(uint64_t{l.u.conv2d.cin} * l.u.conv2d.cout +
                      ((4ull * l.u.conv2d.cout + 63) & ~uint64_t{63}) + 4ull * l.u.conv2d.cout);
  return n;
}

TEST(HeldWeights, HoldsTheMemoryBoundLayersInPiecesCopiedBeforeThem) {
  const HeldNet net = held_net();
  const HeldChip chip{24u << 20, 256, 256, 48.0};
  const std::vector<vtpu_tensor> pieces = plan_held(net.layers, {}, chip);
  ASSERT_FALSE(pieces.empty());
  // Per layer, its pieces in order, covering its constants exactly.
  std::vector<uint64_t> held(net.layers.size(), 0), hosted(net.layers.size(), 0);
  const vtpu_tensor* before = nullptr;
  for (const vtpu_tensor& p : pieces) {
    EXPECT_EQ(p.flags, VTPU_TENSOR_HELD);
    ASSERT_LT(p.first, p.last);
    ASSERT_LT(p.last, net.layers.size());
    EXPECT_GT(p.bytes, 0u);
    if (held[p.last] == 0) {
      EXPECT_EQ(p.offset, net.layers[p.last].u.conv2d.weights);
    } else {
      ASSERT_NE(before, nullptr);
      EXPECT_EQ(before->last, p.last) << "a layer's pieces follow one another";
      EXPECT_EQ(before->bytes % 64, 0u);
      EXPECT_EQ(p.offset, before->offset + before->bytes);
    }
    if (before) {
      EXPECT_LE(before->last, p.last);
      EXPECT_LE(before->first, p.first);
    }
    held[p.last] += p.bytes;
    hosted[p.first] += p.bytes;
    before = &p;
  }
  // The three memory-bound layers are held, whole; the small ones are not.
  for (size_t j = 0; j < net.layers.size(); ++j)
    EXPECT_EQ(held[j], j >= 20 ? net.bytes[j] : 0u) << "layer " << j;
  // Each host within 0.8 of its idle memory time: its array cycles, at
  // least 9,500 (a small layer's: 1 fold of 512 + 256 + 3136 - 2 = 3,902), less
  // the next layer's loading when it is not held.
  for (size_t l = 0; l + 1 < net.layers.size(); ++l) {
    const double array = l < 20 ? 9500.0 : 13040.0;
    const double next = held[l + 1] ? 0 : static_cast<double>(net.bytes[l + 1]) / 48.0;
    EXPECT_LE(static_cast<double>(hosted[l]), 0.8 * (array - next) * 48.0) << "host " << l;
  }
}

TEST(HeldWeights, NoneWithoutAKnownChipOrRoom) {
  const HeldNet net = held_net();
  EXPECT_TRUE(plan_held(net.layers, {}, HeldChip{}).empty());
  EXPECT_TRUE(plan_held(net.layers, {}, HeldChip{24u << 20, 256, 256, 0.0}).empty());
  // 4 MiB of VMEM: a 2 MiB tile window, and room for one 1 MB layer only.
  const std::vector<vtpu_tensor> one =
      plan_held(net.layers, {}, HeldChip{4u << 20, 256, 256, 48.0});
  uint64_t total = 0;
  for (const vtpu_tensor& p : one) total += (p.bytes + 63) & ~uint64_t{63};
  EXPECT_GT(total, 0u);
  EXPECT_LE(total, 2u << 20);
  // An activation that takes VMEM above the window for the whole network
  // leaves less than a layer's weights: it would be pushed out, so none.
  vtpu_tensor big{};
  big.offset = 1ull << 30;
  big.bytes = (24u << 20) - (6u << 20) - (512u << 10);
  big.first = 0;
  big.last = static_cast<uint32_t>(net.layers.size() - 1);
  EXPECT_TRUE(plan_held(net.layers, {big}, HeldChip{24u << 20, 256, 256, 48.0}).empty());
  // A fast memory: nothing is memory-bound.
  EXPECT_TRUE(plan_held(net.layers, {}, HeldChip{24u << 20, 256, 256, 1024.0}).empty());
}

// A model image with one held convolution, read back as a .vtpu's would be:
// its pieces must cover the layer's constants exactly (docs/runtime.md).
runtime::ModelImage held_image(const std::vector<std::pair<uint64_t, uint32_t>>& pieces) {
  runtime::ModelImage image;
  image.allocate(4096);  // before the constants, as an input would be
  uint64_t at = image.allocate(1024 * 1024 + 2 * 4096);
  vtpu_layer conv = conv1x1(7, 1024, 1024, at);
  image.add_layer(runtime::blank_layer(VTPU_LAYER_FILL, VTPU_TYPE_INT8));
  image.add_layer(conv);
  std::vector<vtpu_tensor> held;
  for (const auto& [offset, bytes] : pieces) {
    vtpu_tensor t{};
    t.offset = offset, t.bytes = bytes, t.first = 0, t.last = 1, t.flags = VTPU_TENSOR_HELD;
    held.push_back(t);
  }
  image.hold(held);
  image.finish(4096);
  std::vector<std::vector<uint8_t>> data;
  for (const runtime::ModelImage::Segment& seg : image.segments())
    data.emplace_back(image.bytes().begin() + static_cast<std::ptrdiff_t>(seg.offset),
                      image.bytes().begin() + static_cast<std::ptrdiff_t>(seg.offset + seg.size));
  return runtime::ModelImage::from_segments(image.bytes().size(), image.segments(), data);
}

TEST(HeldWeights, PiecesMustCoverTheirLayersConstants) {
  uint64_t at = 0;
  {
    runtime::ModelImage probe;
    probe.allocate(4096);
    at = probe.allocate(1);
  }
  const uint64_t start = at;  // where held_image() lays the constants out
  const runtime::ConstantsSpan span = runtime::held_span(conv1x1(7, 1024, 1024, at));
  // Weights, the aligned bias, the scales: 1 MiB + 4 KiB + 4 KiB.
  ASSERT_EQ(span.offset, start);
  ASSERT_EQ(span.bytes, 1024u * 1024 + 4096 + 4096);
  const uint32_t half = static_cast<uint32_t>(span.bytes / 2) & ~63u;
  EXPECT_EQ(
      held_image({{span.offset, half}, {span.offset + half, span.bytes - half}}).tensors().size(),
      2u);
  const auto refused = [&](const std::vector<std::pair<uint64_t, uint32_t>>& pieces,
                           const std::string& message) {
    try {
      held_image(pieces);
      ADD_FAILURE() << "accepted; expected: " << message;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  refused({{span.offset, half}}, "held pieces do not cover the constants of layer 1");
  refused({{span.offset + 64, static_cast<uint32_t>(span.bytes - 64)}},
          "held piece does not start at the constants of layer 1");
  refused({{span.offset, half}, {span.offset + half + 64, 64}},
          "held piece does not follow its layer's piece before it");
}

}  // namespace
}  // namespace vtpu::sw
