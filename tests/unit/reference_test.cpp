// The host's layer-table reference (sw/runtime/reference.h, models/isa/vtpu/model.h):
// each layer kind against values worked out by hand (in the comments) or against a
// naive loop written here straight from model.h's definition, and the refusals.
#include "sw/runtime/reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "models/common/error.h"
#include "models/vpu/numerics.h"
#include "sw/runtime/model_image.h"

namespace vtpu::runtime {
namespace {

using namespace vtpu::numerics;

constexpr uint8_t kUntouched = 0xA5;  // every HBM byte before a layer runs

std::vector<uint8_t> make_hbm(size_t bytes = 0x4000) {
  return std::vector<uint8_t>(bytes, kUntouched);
}

template <typename T>
void put(std::vector<uint8_t>& hbm, uint64_t offset, const std::vector<T>& values) {
  std::memcpy(hbm.data() + offset, values.data(), values.size() * sizeof(T));
}

template <typename T>
std::vector<T> get(const std::vector<uint8_t>& hbm, uint64_t offset, size_t count) {
  std::vector<T> values(count);
  std::memcpy(values.data(), hbm.data() + offset, count * sizeof(T));
  return values;
}

// Values that are exact in bf16, as bf16 bit patterns.
std::vector<uint16_t> bf16(const std::vector<float>& values) {
  std::vector<uint16_t> out;
  for (float v : values) {
    out.push_back(f32_to_bf16(v));
    EXPECT_EQ(bf16_to_f32(out.back()), v) << "not exact in bf16: " << v;
  }
  return out;
}

mxu::ArrayConfig array(unsigned rows, mxu::Dataflow dataflow) {
  mxu::ArrayConfig a;
  a.rows = a.cols = rows;
  a.dataflow = dataflow;
  return a;
}
const mxu::ArrayConfig kArray = array(32, mxu::Dataflow::kWeightStationary);

vtpu_layer layer_of(uint8_t kind, uint8_t dtype = VTPU_TYPE_INT8, uint8_t op = 0,
                    uint8_t flags = 0) {
  vtpu_layer layer;
  std::memset(&layer, 0, sizeof layer);
  layer.kind = kind;
  layer.dtype = dtype;
  layer.op = op;
  layer.flags = flags;
  layer.node = 7;
  return layer;
}

// ============================================================================
// MATMUL
// ============================================================================

// A = [[1, 2, 3], [-4, 5, -6]], B = [[7, -8], [9, 10], [-11, 12]]:
// A * B = [[-8, 48], [83, 10]]; + bias [100, -20] = [[92, 28], [183, -10]];
// * scales [0.5, 0.25] = [[46, 7], [91.5 -> 92 (tie to even), -2.5 -> -2]];
// + zero point 3 = [[49, 10], [95, 1]]. With ReLU, -10 -> 0 gives 3.
vtpu_layer matmul_2x3x2(std::vector<uint8_t>& hbm, uint8_t flags) {
  put<int8_t>(hbm, 0x100, {1, 2, 3, -4, 5, -6});
  put<int8_t>(hbm, 0x200, {7, -8, 9, 10, -11, 12});
  put<int32_t>(hbm, 0x300, {100, -20});
  put<float>(hbm, 0x340, {0.5f, 0.25f});
  vtpu_layer layer = layer_of(VTPU_LAYER_MATMUL, VTPU_TYPE_INT8, 0, flags);
  vtpu_layer_matmul& x = layer.u.matmul;
  x.a = 0x100;
  x.b = 0x200;
  x.bias = 0x300;
  x.scales = 0x340;
  x.c = 0x400;
  x.m = 2;
  x.k = 3;
  x.n = 2;
  x.batch = 1;
  x.zero_point = 3;
  return layer;
}

TEST(ReferenceMatmul, Int8WithBiasAndPerColumnScalesByHand) {
  std::vector<uint8_t> hbm = make_hbm();
  reference_layer(matmul_2x3x2(hbm, VTPU_LAYER_BIAS), kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, 0x400, 4), (std::vector<int8_t>{49, 10, 95, 1}));
  EXPECT_EQ(hbm[0x3ff], kUntouched);
  EXPECT_EQ(hbm[0x404], kUntouched);

  hbm = make_hbm();
  reference_layer(matmul_2x3x2(hbm, VTPU_LAYER_BIAS | VTPU_LAYER_RELU), kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, 0x400, 4), (std::vector<int8_t>{49, 10, 95, 3}));

  // No bias: [[-8, 48], [83, 10]] * scales = [[-4, 12], [41.5 -> 42, 2.5 -> 2]], + 3.
  hbm = make_hbm();
  reference_layer(matmul_2x3x2(hbm, 0), kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, 0x400, 4), (std::vector<int8_t>{-1, 15, 45, 5}));

  // A named dataflow (--tune's) leaves int8 results as they are.
  for (const uint8_t dataflow : {VTPU_DATAFLOW_WS, VTPU_DATAFLOW_OS}) {
    hbm = make_hbm();
    vtpu_layer named = matmul_2x3x2(hbm, VTPU_LAYER_BIAS);
    named.u.matmul.dataflow = dataflow;
    reference_layer(named, kArray, hbm);
    EXPECT_EQ(get<int8_t>(hbm, 0x400, 4), (std::vector<int8_t>{49, 10, 95, 1}));
  }
}

// Two products sharing B (batch stride 0), A and B stored transposed, A's and
// C's batch strides with gaps. A0 = [[1, 2, 3], [-4, 5, -6]], A1 = [[0, 0, 1],
// [1, 1, 1]], B as above: A0 B = [[-8, 48], [83, 10]], A1 B = [[-11, 12], [5, 14]];
// scales [2, 1], zero point 0: [[-16, 48], [166 -> 127, 10]], [[-22, 12], [10, 14]].
TEST(ReferenceMatmul, TransposedOperandsAndBatches) {
  std::vector<uint8_t> hbm = make_hbm();
  put<int8_t>(hbm, 0x100, {1, -4, 2, 5, 3, -6});     // A0^T, 3 x 2
  put<int8_t>(hbm, 0x108, {0, 1, 0, 1, 1, 1});       // A1^T
  put<int8_t>(hbm, 0x200, {7, 9, -11, -8, 10, 12});  // B^T, 2 x 3
  put<float>(hbm, 0x340, {2.0f, 1.0f});
  vtpu_layer layer =
      layer_of(VTPU_LAYER_MATMUL, VTPU_TYPE_INT8, 0, VTPU_LAYER_TRANS_A | VTPU_LAYER_TRANS_B);
  vtpu_layer_matmul& x = layer.u.matmul;
  x.a = 0x100;
  x.b = 0x200;
  x.scales = 0x340;
  x.c = 0x400;
  x.m = 2;
  x.k = 3;
  x.n = 2;
  x.batch = 2;
  x.a_batch_stride = 8;
  x.b_batch_stride = 0;
  x.c_batch_stride = 8;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, 0x400, 4), (std::vector<int8_t>{-16, 48, 127, 10}));
  EXPECT_EQ(get<int8_t>(hbm, 0x408, 4), (std::vector<int8_t>{-22, 12, 10, 14}));
  EXPECT_EQ(get<uint8_t>(hbm, 0x404, 4), (std::vector<uint8_t>(4, kUntouched)));
}

// A = [[1.5, 2], [-1, 0.25]], B = [[2, 1], [3, -4]], bias [0.5, 1]:
// [[3 + 6 + 0.5, 1.5 - 8 + 1], [-2 + 0.75 + 0.5, -1 - 1 + 1]] = [[9.5, -5.5], [-0.75, -1]].
TEST(ReferenceMatmul, Bf16WithBiasAndReluByHand) {
  for (bool relu : {false, true}) {
    std::vector<uint8_t> hbm = make_hbm();
    put(hbm, 0x100, bf16({1.5f, 2.0f, -1.0f, 0.25f}));
    put(hbm, 0x200, bf16({2.0f, 1.0f, 3.0f, -4.0f}));
    put<float>(hbm, 0x300, {0.5f, 1.0f});
    vtpu_layer layer = layer_of(VTPU_LAYER_MATMUL, VTPU_TYPE_BF16, 0,
                                VTPU_LAYER_BIAS | (relu ? VTPU_LAYER_RELU : 0));
    vtpu_layer_matmul& x = layer.u.matmul;
    x.a = 0x100;
    x.b = 0x200;
    x.bias = 0x300;
    x.c = 0x400;
    x.m = x.k = x.n = 2;
    x.batch = 1;
    reference_layer(layer, kArray, hbm);
    EXPECT_EQ(get<uint16_t>(hbm, 0x400, 4),
              relu ? bf16({9.5f, 0.0f, 0.0f, 0.0f}) : bf16({9.5f, -5.5f, -0.75f, -1.0f}));
    EXPECT_EQ(hbm[0x408], kUntouched);
  }
}

// The bias is added once, after the products' sum (model.h): 2^-24 + 2^-24 =
// 2^-23, plus 1 + 2^-8 is 1 + 2^-8 + 2^-23, just above a bf16 tie: 0x3F81.
// Starting from the bias instead, each 2^-24 is an fp32 tie that rounds back
// to 1 + 2^-8, a bf16 tie that goes to 0x3F80.
TEST(ReferenceMatmul, Bf16AddsTheBiasAfterTheSum) {
  std::vector<uint8_t> hbm = make_hbm();
  put(hbm, 0x100, bf16({0x1p-12f, 0x1p-12f}));
  put(hbm, 0x200, bf16({0x1p-12f, 0x1p-12f}));
  put<float>(hbm, 0x300, {1.0f + 0x1p-8f});
  vtpu_layer layer = layer_of(VTPU_LAYER_MATMUL, VTPU_TYPE_BF16, 0, VTPU_LAYER_BIAS);
  vtpu_layer_matmul& x = layer.u.matmul;
  x.a = 0x100;
  x.b = 0x200;
  x.bias = 0x300;
  x.c = 0x400;
  x.m = 1;
  x.k = 2;
  x.n = 1;
  x.batch = 1;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<uint16_t>(hbm, 0x400, 1), (std::vector<uint16_t>{0x3F81}));
}

// Products p = [1 + 2^-3 + 2^-8 (= 1.0625^2), 0, 2^-24, 2^-24] (exact in fp32).
// Weight-stationary on 2 rows sums K-tiles (p0 + p1) + (p2 + p3) = p0 + 2^-23,
// just above a bf16 tie: 0x3F91. In one pass ((p0 + p1) + p2) + p3, each 2^-24
// is a tie in fp32 that goes back to p0 (even), a bf16 tie that goes to 0x3F90.
TEST(ReferenceMatmul, Bf16FollowsTheArraysAccumulationOrder) {
  const struct {
    mxu::ArrayConfig array;
    uint16_t expected;
  } cases[] = {{array(2, mxu::Dataflow::kWeightStationary), 0x3F91},
               {array(4, mxu::Dataflow::kWeightStationary), 0x3F90},
               {array(2, mxu::Dataflow::kOutputStationary), 0x3F90}};
  for (const auto& c : cases) {
    std::vector<uint8_t> hbm = make_hbm();
    const std::vector<uint16_t> v = bf16({1.0625f, 0.0f, 0x1p-12f, 0x1p-12f});
    put(hbm, 0x100, v);
    put(hbm, 0x200, v);
    vtpu_layer layer = layer_of(VTPU_LAYER_MATMUL, VTPU_TYPE_BF16);
    vtpu_layer_matmul& x = layer.u.matmul;
    x.a = 0x100;
    x.b = 0x200;
    x.c = 0x400;
    x.m = 1;
    x.k = 4;
    x.n = 1;
    x.batch = 1;
    reference_layer(layer, c.array, hbm);
    EXPECT_EQ(get<uint16_t>(hbm, 0x400, 1)[0], c.expected) << "array rows " << c.array.rows;
  }
}

// ============================================================================
// CONV2D
// ============================================================================

struct ConvData {
  std::vector<int8_t> in, weights;
  std::vector<int32_t> bias;
  std::vector<float> scales;
};

constexpr uint64_t kIn = 0x100, kWeights = 0x1000, kBias = 0x1800, kScales = 0x1900, kOut = 0x2000;

uint32_t conv_out_size(uint32_t in, uint32_t before, uint32_t after, uint32_t window,
                       uint32_t dilation, uint32_t stride) {
  return (in + before + after - dilation * (window - 1) - 1) / stride + 1;
}

// out[n][oy][ox][co] from the definition: for each tap, the input pixel the
// window lands on (pad_value where it lands in the padding) times the weight
// of (ky, kx, ci) in the group's matrix; int32 sums, then requantize_int8.
std::vector<int8_t> naive_conv_int8(const vtpu_layer_conv2d& x, bool relu, bool has_bias,
                                    const ConvData& d) {
  const uint32_t oh = conv_out_size(x.h, x.pad_top, x.pad_bottom, x.kh, x.dil_y, x.sy);
  const uint32_t ow = conv_out_size(x.w, x.pad_left, x.pad_right, x.kw, x.dil_x, x.sx);
  const uint32_t cin_g = x.cin / x.groups, cout_g = x.cout / x.groups, k = x.kh * x.kw * cin_g;
  std::vector<int8_t> out;
  for (uint32_t n = 0; n < x.n; ++n)
    for (uint32_t oy = 0; oy < oh; ++oy)
      for (uint32_t ox = 0; ox < ow; ++ox)
        for (uint32_t co = 0; co < x.cout; ++co) {
          const uint32_t g = co / cout_g, j = co % cout_g;
          int32_t acc = has_bias ? d.bias[co] : 0;
          for (uint32_t ky = 0; ky < x.kh; ++ky)
            for (uint32_t kx = 0; kx < x.kw; ++kx)
              for (uint32_t ci = 0; ci < cin_g; ++ci) {
                const int iy = int(oy * x.sy + ky * x.dil_y) - x.pad_top;
                const int ix = int(ox * x.sx + kx * x.dil_x) - x.pad_left;
                const bool inside = iy >= 0 && iy < int(x.h) && ix >= 0 && ix < int(x.w);
                const int32_t v = inside
                                      ? d.in[((n * x.h + iy) * x.w + ix) * x.cin + g * cin_g + ci]
                                      : static_cast<int8_t>(x.pad_value);
                acc += v * d.weights[g * k * cout_g + ((ky * x.kw + kx) * cin_g + ci) * cout_g + j];
              }
          if (relu && acc < 0) acc = 0;
          out.push_back(requantize_int8(acc, d.scales[co], x.zero_point));
        }
  return out;
}

ConvData random_conv_data(const vtpu_layer_conv2d& x, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127), bias(-3000, 3000);
  std::uniform_real_distribution<float> scale(0.003f, 0.01f);
  ConvData d;
  for (uint32_t i = 0; i < x.n * x.h * x.w * x.cin; ++i) d.in.push_back(byte(rng));
  for (uint32_t i = 0; i < x.kh * x.kw * x.cin / x.groups * x.cout; ++i)
    d.weights.push_back(byte(rng));
  for (uint32_t i = 0; i < x.cout; ++i) {
    d.bias.push_back(bias(rng));
    d.scales.push_back(scale(rng));
  }
  return d;
}

// Runs the layer on an HBM holding `d` and checks it against the naive loop.
void expect_conv_int8_matches_naive(vtpu_layer layer, const ConvData& d) {
  std::vector<uint8_t> hbm = make_hbm();
  put(hbm, kIn, d.in);
  put(hbm, kWeights, d.weights);
  put(hbm, kBias, d.bias);
  put(hbm, kScales, d.scales);
  vtpu_layer_conv2d& x = layer.u.conv2d;
  x.in = kIn;
  x.weights = kWeights;
  x.bias = kBias;
  x.scales = kScales;
  x.out = kOut;
  const std::vector<int8_t> expected =
      naive_conv_int8(x, layer.flags & VTPU_LAYER_RELU, layer.flags & VTPU_LAYER_BIAS, d);
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, kOut, expected.size()), expected);
  EXPECT_EQ(hbm[kOut + expected.size()], kUntouched);
  // The data exercise the rounding, not just saturation.
  EXPECT_GT(std::set<int8_t>(expected.begin(), expected.end()).size(), 10u);
}

TEST(ReferenceConv2d, Int8GroupsStridesDilationAndPaddingMatchANaiveLoop) {
  for (unsigned flags : {VTPU_LAYER_BIAS, VTPU_LAYER_BIAS | VTPU_LAYER_RELU, 0u}) {
    vtpu_layer layer = layer_of(VTPU_LAYER_CONV2D, VTPU_TYPE_INT8, 0, static_cast<uint8_t>(flags));
    vtpu_layer_conv2d& x = layer.u.conv2d;
    x.n = 2;
    x.h = 5;
    x.w = 6;
    x.cin = 4;
    x.cout = 6;
    x.groups = 2;
    x.kh = 3;
    x.kw = 2;
    x.sy = 2;
    x.sx = 1;
    x.dil_y = 1;
    x.dil_x = 2;
    x.pad_top = 1;
    x.pad_left = 2;
    x.pad_bottom = 1;
    x.pad_right = 0;
    x.pad_value = -3;
    x.zero_point = 5;
    ASSERT_EQ(conv_out_size(x.h, 1, 1, 3, 1, 2), 3u);  // oh
    ASSERT_EQ(conv_out_size(x.w, 2, 0, 2, 2, 1), 6u);  // ow
    expect_conv_int8_matches_naive(layer, random_conv_data(x, 1 + flags));
  }
}

TEST(ReferenceConv2d, DepthwiseMatchesANaiveLoop) {
  vtpu_layer layer = layer_of(VTPU_LAYER_CONV2D, VTPU_TYPE_INT8, 0, VTPU_LAYER_BIAS);
  vtpu_layer_conv2d& x = layer.u.conv2d;
  x.n = 1;
  x.h = x.w = 4;
  x.cin = x.cout = x.groups = 3;
  x.kh = x.kw = 3;
  x.sy = x.sx = x.dil_y = x.dil_x = 1;
  x.pad_top = x.pad_left = x.pad_bottom = x.pad_right = 1;
  x.pad_value = 7;
  x.zero_point = -2;
  expect_conv_int8_matches_naive(layer, random_conv_data(x, 5));
}

// Small integers: every sum is exact (and a bf16), so the naive loop needs no order.
TEST(ReferenceConv2d, Bf16MatchesANaiveLoop) {
  vtpu_layer layer =
      layer_of(VTPU_LAYER_CONV2D, VTPU_TYPE_BF16, 0, VTPU_LAYER_BIAS | VTPU_LAYER_RELU);
  vtpu_layer_conv2d& x = layer.u.conv2d;
  x.n = 1;
  x.h = 3;
  x.w = 4;
  x.cin = 2;
  x.cout = 3;
  x.groups = 1;
  x.kh = x.kw = 2;
  x.sy = x.sx = x.dil_y = x.dil_x = 1;
  x.pad_top = 1;
  x.pad_left = 0;
  x.pad_bottom = 0;
  x.pad_right = 1;
  x.pad_value = 0;
  x.in = kIn;
  x.weights = kWeights;
  x.bias = kBias;
  x.out = kOut;
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> small(-4, 4);
  std::vector<float> in(3 * 4 * 2), weights(2 * 2 * 2 * 3), bias(3);
  for (float& v : in) v = static_cast<float>(small(rng));
  for (float& v : weights) v = static_cast<float>(small(rng));
  for (float& v : bias) v = static_cast<float>(small(rng));
  std::vector<uint8_t> hbm = make_hbm();
  put(hbm, kIn, bf16(in));
  put(hbm, kWeights, bf16(weights));
  put(hbm, kBias, bias);

  std::vector<float> expected;  // oh = 3, ow = 4
  for (int oy = 0; oy < 3; ++oy)
    for (int ox = 0; ox < 4; ++ox)
      for (int co = 0; co < 3; ++co) {
        float acc = bias[co];
        for (int ky = 0; ky < 2; ++ky)
          for (int kx = 0; kx < 2; ++kx)
            for (int ci = 0; ci < 2; ++ci) {
              const int iy = oy + ky - 1, ix = ox + kx;
              if (iy < 0 || ix >= 4) continue;  // padding: +0
              acc += in[(iy * 4 + ix) * 2 + ci] * weights[((ky * 2 + kx) * 2 + ci) * 3 + co];
            }
        expected.push_back(acc > 0 ? acc : 0.0f);
      }
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<uint16_t>(hbm, kOut, expected.size()), bf16(expected));
}

// ============================================================================
// POOL
// ============================================================================

vtpu_layer pool_layer(uint8_t op, uint8_t dtype, uint32_t h, uint32_t w, uint32_t c,
                      uint16_t window, uint16_t stride, uint16_t pad) {
  vtpu_layer layer = layer_of(VTPU_LAYER_POOL, dtype, op);
  vtpu_layer_pool& x = layer.u.pool;
  x.in = 0x100;
  x.out = 0x400;
  x.n = 1;
  x.h = h;
  x.w = w;
  x.c = c;
  x.kh = x.kw = window;
  x.sy = x.sx = stride;
  x.pad_top = x.pad_left = x.pad_bottom = x.pad_right = pad;
  return layer;
}

// A 3 x 3 image, 2 x 2 windows with stride 2 over it padded by 1 (5 x 5, so
// 2 x 2 outputs); each window holds 1, 2, 2 or 4 image pixels:
//   ch0 [[-5, -2, -9], [-7, -1, -3], [-4, -8, -6]] -> [[-5, -2], [-4, -1]]
//   ch1 [[10, 20, 30], [40, 50, 60], [70, 80, 90]] -> [[10, 30], [70, 90]]
// All negative in ch0: a zero padding would win there; -128 does not.
TEST(ReferencePool, MaxPoolPadsWithTheLowestValue) {
  std::vector<uint8_t> hbm = make_hbm();
  put<int8_t>(hbm, 0x100, {-5, 10, -2, 20, -9, 30, -7, 40, -1, 50, -3, 60, -4, 70, -8, 80, -6, 90});
  reference_layer(pool_layer(VTPU_VPU_MAXPOOL, VTPU_TYPE_INT8, 3, 3, 2, 2, 2, 1), kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, 0x400, 8), (std::vector<int8_t>{-5, 10, -2, 30, -4, 70, -1, 90}));
  EXPECT_EQ(hbm[0x408], kUntouched);

  hbm = make_hbm();  // bf16, ch0 halved: padded with -inf
  put(hbm, 0x100, bf16({-2.5f, -1.0f, -4.5f, -3.5f, -0.5f, -1.5f, -2.0f, -4.0f, -3.0f}));
  reference_layer(pool_layer(VTPU_VPU_MAXPOOL, VTPU_TYPE_BF16, 3, 3, 1, 2, 2, 1), kArray, hbm);
  EXPECT_EQ(get<uint16_t>(hbm, 0x400, 4), bf16({-2.5f, -1.0f, -2.0f, -0.5f}));

  // A 1 x 1 image padded by 2: three of the four windows are all padding.
  hbm = make_hbm();
  put(hbm, 0x100, bf16({3.0f}));
  reference_layer(pool_layer(VTPU_VPU_MAXPOOL, VTPU_TYPE_BF16, 1, 1, 1, 2, 2, 2), kArray, hbm);
  EXPECT_EQ(get<uint16_t>(hbm, 0x400, 4), (std::vector<uint16_t>{0xFF80, 0xFF80, 0xFF80, 0x4040}));
}

// [[1, 2, 3], [4, 5, 6], [7, 8, 9]] padded by 1 with -9, 3 x 3 windows, stride 2:
// window sums 12, 16, 24, 28 plus 5 pads (-45): -33, -29, -21, -17; times
// fp32(1/9): -3.67, -3.22, -2.33, -1.89 -> -4, -3, -2, -2.
TEST(ReferencePool, AvgPoolDividesByTheWholeWindowPaddingIncluded) {
  std::vector<uint8_t> hbm = make_hbm();
  put<int8_t>(hbm, 0x100, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  vtpu_layer layer = pool_layer(VTPU_VPU_AVGPOOL, VTPU_TYPE_INT8, 3, 3, 1, 3, 2, 1);
  layer.u.pool.pad_value = -9;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, 0x400, 4), (std::vector<int8_t>{-4, -3, -2, -2}));

  // Global average, two channels: 10 / 4 = 2.5 -> 2 and 18 / 4 = 4.5 -> 4 (ties to even).
  hbm = make_hbm();
  put<int8_t>(hbm, 0x100, {1, 3, 2, 4, 3, 5, 4, 6});
  reference_layer(pool_layer(VTPU_VPU_AVGPOOL, VTPU_TYPE_INT8, 2, 2, 2, 2, 1, 0), kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, 0x400, 2), (std::vector<int8_t>{2, 4}));

  // bf16, a 1 x 3 window: the sum 0x1.847ffep+0 (exact) times fp32(1/3) is
  // 0.505859375, the bf16 tie between 0x3F01 and 0x3F02 (to even: 0x3F02); the
  // sum divided by 3 would be 0.505859315, 0x3F01.
  hbm = make_hbm();
  put(hbm, 0x100, bf16({0x1.84p+0f, 0x1.fep-10f, 0x1.f8p-18f}));
  layer = pool_layer(VTPU_VPU_AVGPOOL, VTPU_TYPE_BF16, 1, 3, 1, 1, 1, 0);
  layer.u.pool.kw = 3;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<uint16_t>(hbm, 0x400, 1)[0], 0x3F02);
}

// The same image and windows with the padding not counted (ONNX's
// count_include_pad = 0): each window holds 4 image pixels, [1 2 4 5] 12,
// [2 3 5 6] 16, [4 5 7 8] 24, [5 6 8 9] 28; times fp32(1/4): 3, 4, 6, 7.
// Uncounting only the bottom line and the right column (ceil mode's extra):
// the first window counts its 5 pads (-9 each), (12 - 45) * fp32(1/9) = -3.67
// -> -4; the second 2 pads over 6 taps, (16 - 18) / 6 = -0.33 -> 0; the third
// 2 pads, (24 - 18) / 6 = 1; the fourth none, 28 / 4 = 7.
TEST(ReferencePool, AvgPoolSkipsUncountedPadding) {
  std::vector<uint8_t> hbm = make_hbm();
  put<int8_t>(hbm, 0x100, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  vtpu_layer layer = pool_layer(VTPU_VPU_AVGPOOL, VTPU_TYPE_INT8, 3, 3, 1, 3, 2, 1);
  layer.u.pool.pad_value = -9;
  vtpu_layer_pool& x = layer.u.pool;
  x.uncounted_top = x.uncounted_left = x.uncounted_bottom = x.uncounted_right = 1;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, 0x400, 4), (std::vector<int8_t>{3, 4, 6, 7}));

  x.uncounted_top = x.uncounted_left = 0;
  hbm = make_hbm();
  put<int8_t>(hbm, 0x100, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, 0x400, 4), (std::vector<int8_t>{-4, 0, 1, 7}));

  // Uncounted padding is refused on a max pool, beyond the padding, or where a
  // window would keep no tap (a 1 x 1 window at stride 2 lands on the top pad).
  for (auto mend : {+[](vtpu_layer& l) { l.op = VTPU_VPU_MAXPOOL; },
                    +[](vtpu_layer& l) { l.u.pool.uncounted_right = 2; },
                    +[](vtpu_layer& l) {
                      l.u.pool.kh = l.u.pool.kw = 1;
                      l.u.pool.uncounted_top = 1;
                    }}) {
    vtpu_layer bad = layer;
    mend(bad);
    hbm = make_hbm();
    EXPECT_THROW(reference_layer(bad, kArray, hbm), Error);
  }
}

// ============================================================================
// ELEMENTWISE
// ============================================================================

vtpu_layer elementwise_layer(uint8_t op, uint8_t in_type, uint8_t out_type, uint8_t b_mode,
                             uint32_t rows, uint32_t cols) {
  vtpu_layer layer = layer_of(VTPU_LAYER_ELEMENTWISE, VTPU_TYPE_INT8, op);
  vtpu_layer_elementwise& x = layer.u.elementwise;
  x.a = 0x100;
  x.b = 0x200;
  x.out = 0x400;
  x.rows = rows;
  x.cols = cols;
  x.in_type = in_type;
  x.out_type = out_type;
  x.b_mode = b_mode;
  return layer;
}

// a_scale 0.5, a_zp 1; b_scale 0.25, b_zp -2; out_scale 0.5, out_zp 0.
//   a row 0 [5, 1, -3, 127] -> [2, 0, -2, 63]; b [6, -2, 10, 100] -> [2, 0, 3, 25.5]
//   sum [4, 0, 1, 88.5] -> [8, 0, 2, 177 -> 127]
//   a row 1 [-128, 0, 2, 3] -> [-64.5, -0.5, 0.5, 1]; sum [-62.5, -0.5, 3.5, 26.5]
//   -> [-125, -1, 7, 53]
TEST(ReferenceElementwise, Int8AddBroadcastsARow) {
  std::vector<uint8_t> hbm = make_hbm();
  const std::vector<int8_t> a = {5, 1, -3, 127, -128, 0, 2, 3, 17, -40, 99, -7};
  const std::vector<int8_t> b = {6, -2, 10, 100};
  put(hbm, 0x100, a);
  put(hbm, 0x200, b);
  vtpu_layer layer =
      elementwise_layer(VTPU_VPU_ADD, VTPU_TYPE_INT8, VTPU_TYPE_INT8, VTPU_BCAST_ROW, 3, 4);
  vtpu_layer_elementwise& x = layer.u.elementwise;
  x.a_scale = 0.5f;
  x.a_zero_point = 1;
  x.b_scale = 0.25f;
  x.b_zero_point = -2;
  x.out_scale = 0.5f;
  x.out_zero_point = 0;
  reference_layer(layer, kArray, hbm);
  const std::vector<int8_t> out = get<int8_t>(hbm, 0x400, 12);
  EXPECT_EQ(std::vector<int8_t>(out.begin(), out.begin() + 8),
            (std::vector<int8_t>{8, 0, 2, 127, -125, -1, 7, 53}));
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) {
      const float sum = dequantize_int8(a[r * 4 + c], 0.5f, 1) + dequantize_int8(b[c], 0.25f, -2);
      EXPECT_EQ(out[r * 4 + c], quantize_int8(sum, 0.5f, 0)) << r << "," << c;
    }
  EXPECT_EQ(hbm[0x40c], kUntouched);
}

TEST(ReferenceElementwise, Fp32ColumnAndScalarBroadcasts) {
  // [[1, 2, 3], [4, 5, 6]] - column [10, 20] -> bf16 [[-9, -8, -7], [-16, -15, -14]].
  std::vector<uint8_t> hbm = make_hbm();
  put<float>(hbm, 0x100, {1, 2, 3, 4, 5, 6});
  put<float>(hbm, 0x200, {10, 20});
  reference_layer(
      elementwise_layer(VTPU_VPU_SUB, VTPU_TYPE_FP32, VTPU_TYPE_BF16, VTPU_BCAST_COL, 2, 3), kArray,
      hbm);
  EXPECT_EQ(get<uint16_t>(hbm, 0x400, 6), bf16({-9, -8, -7, -16, -15, -14}));

  // bf16 [1.5, -3] * scalar 0.1 (not rounded to bf16) -> fp32 0.15, -0.3 as fp32 products.
  hbm = make_hbm();
  put(hbm, 0x100, bf16({1.5f, -3.0f}));
  vtpu_layer layer =
      elementwise_layer(VTPU_VPU_MUL, VTPU_TYPE_BF16, VTPU_TYPE_FP32, VTPU_BCAST_SCALAR, 1, 2);
  layer.u.elementwise.b_scalar = 0.1f;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<float>(hbm, 0x400, 2), (std::vector<float>{1.5f * 0.1f, -3.0f * 0.1f}));
  EXPECT_NE(get<float>(hbm, 0x400, 1)[0], 1.5f * bf16_to_f32(f32_to_bf16(0.1f)));
}

TEST(ReferenceElementwise, ActivationsAndConversions) {
  // ReLU, bf16 -> int8 (scale 0.5, zp -1): [-1.5, 0.5, 2.5, 300] -> [0, 0.5, 2.5, 300]
  // -> / 0.5 = [0, 1, 5, 600] -> - 1 = [-1, 0, 4, 599 -> 127].
  std::vector<uint8_t> hbm = make_hbm();
  put(hbm, 0x100, bf16({-1.5f, 0.5f, 2.5f, 300.0f}));
  vtpu_layer layer =
      elementwise_layer(VTPU_VPU_RELU, VTPU_TYPE_BF16, VTPU_TYPE_INT8, VTPU_BCAST_NONE, 2, 2);
  layer.u.elementwise.out_scale = 0.5f;
  layer.u.elementwise.out_zero_point = -1;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, 0x400, 4), (std::vector<int8_t>{-1, 0, 4, 127}));

  // CONVERT int8 -> fp32 is DEQUANT: (3 - 1) * 0.25, (-4 - 1) * 0.25.
  hbm = make_hbm();
  put<int8_t>(hbm, 0x100, {3, -4});
  layer = elementwise_layer(VTPU_VPU_CONVERT, VTPU_TYPE_INT8, VTPU_TYPE_FP32, 0, 1, 2);
  layer.u.elementwise.a_scale = 0.25f;
  layer.u.elementwise.a_zero_point = 1;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<float>(hbm, 0x400, 2), (std::vector<float>{0.5f, -1.25f}));

  // GELU (erf), fp32: gelu(1) = 0.841345, gelu(-1) = -0.158655.
  hbm = make_hbm();
  put<float>(hbm, 0x100, {1.0f, -1.0f, 0.0f});
  reference_layer(elementwise_layer(VTPU_VPU_GELU_ERF, VTPU_TYPE_FP32, VTPU_TYPE_FP32, 0, 1, 3),
                  kArray, hbm);
  const std::vector<float> gelu = get<float>(hbm, 0x400, 3);
  EXPECT_NEAR(gelu[0], 0.841345f, 1e-6f);
  EXPECT_NEAR(gelu[1], -0.158655f, 1e-6f);
  EXPECT_EQ(gelu[2], 0.0f);
  EXPECT_EQ(gelu[0], gelu_erf(1.0f));
}

// ============================================================================
// SOFTMAX, LAYERNORM
// ============================================================================

vtpu_layer rowwise_layer(uint8_t kind, uint32_t rows, uint32_t cols) {
  vtpu_layer layer = layer_of(kind);
  vtpu_layer_rowwise& x = layer.u.rowwise;
  x.in = 0x100;
  x.out = 0x400;
  x.gamma = 0x200;
  x.beta = 0x300;
  x.rows = rows;
  x.cols = cols;
  x.in_type = x.out_type = VTPU_TYPE_FP32;
  return layer;
}

TEST(ReferenceSoftmax, EachRowSumsToOne) {
  std::vector<uint8_t> hbm = make_hbm();
  put<float>(hbm, 0x100, {1, 2, 3, 4, 0, 0, 0, 0, -1000, 0, 1000, 1000});
  reference_layer(rowwise_layer(VTPU_LAYER_SOFTMAX, 3, 4), kArray, hbm);
  const std::vector<float> y = get<float>(hbm, 0x400, 12);
  // exp(x - 4) / sum: 0.0320586, 0.0871443, 0.2368828, 0.6439142.
  const float expected[] = {0.0320586f, 0.0871443f, 0.2368828f, 0.6439142f};
  float total = 0;
  for (int c = 0; c < 4; ++c) {
    EXPECT_NEAR(y[c], expected[c], 1e-6f);
    total += y[c];
  }
  EXPECT_NEAR(total, 1.0f, 1e-6f);
  // The documented order, bit for bit: e = exp(x - m), s left to right, y = e * (1 / s).
  const float e[] = {exp_f32(1 - 4.0f), exp_f32(2 - 4.0f), exp_f32(3 - 4.0f), exp_f32(0.0f)};
  const float r = 1.0f / (((e[0] + e[1]) + e[2]) + e[3]);
  for (int c = 0; c < 4; ++c) EXPECT_EQ(y[c], e[c] * r);
  // exp(0) = 1 each, 1 / 4: exactly 0.25; exp(-2000) = exp(-1000) = 0, 1 / 2.
  EXPECT_EQ(std::vector<float>(y.begin() + 4, y.end()),
            (std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f, 0, 0, 0.5f, 0.5f}));
}

// Row [1, 2, 3, 4]: mean 2.5, d = [-1.5, -0.5, 0.5, 1.5], v = 5 / 4 = 1.25,
// r = 1 / sqrt(1.25 + 1e-5) = 0.8944236; gamma [0.3, 1, 2, 0.7], beta [0, 1, 0, -1]:
// y = [-0.4024906, 0.5527882, 0.8944236, -0.0608552]. Row [2, 2, 2, 2]: d = 0, y = beta.
TEST(ReferenceLayernorm, NormalisesEachRow) {
  std::vector<uint8_t> hbm = make_hbm();
  put<float>(hbm, 0x100, {1, 2, 3, 4, 2, 2, 2, 2});
  put<float>(hbm, 0x200, {0.3f, 1, 2, 0.7f});
  put<float>(hbm, 0x300, {0, 1, 0, -1});
  vtpu_layer layer = rowwise_layer(VTPU_LAYER_LAYERNORM, 2, 4);
  layer.u.rowwise.epsilon = 1e-5f;
  reference_layer(layer, kArray, hbm);
  const std::vector<float> y = get<float>(hbm, 0x400, 8);
  const float expected[] = {-0.4024906f, 0.5527882f, 0.8944236f, -0.0608552f};
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(y[c], expected[c], 1e-6f) << c;
  // The documented order, bit for bit: everything is exact up to r, then
  // (d * r) * gamma, which is not d * (r * gamma) for these gammas.
  const float r = rsqrt(1.25f + 1e-5f);
  EXPECT_EQ(y[0], -1.5f * r * 0.3f + 0.0f);
  EXPECT_EQ(y[3], 1.5f * r * 0.7f + -1.0f);
  EXPECT_NE(y[0], -1.5f * (r * 0.3f));
  EXPECT_EQ(std::vector<float>(y.begin() + 4, y.end()), (std::vector<float>{0, 1, 0, -1}));

  // int8 in and out: x = (q - 0) * 0.5 = [1, 2, 3, 4]; y / 0.25 + 10 =
  // [-5.37 -> -5, 2.21 -> 2, 3.58 -> 4, -1.32 -> -1] + 10.
  hbm = make_hbm();
  put<int8_t>(hbm, 0x100, {2, 4, 6, 8});
  put<float>(hbm, 0x200, {1, 1, 2, 0.5f});
  put<float>(hbm, 0x300, {0, 1, 0, -1});
  layer = rowwise_layer(VTPU_LAYER_LAYERNORM, 1, 4);
  layer.u.rowwise.epsilon = 1e-5f;
  layer.u.rowwise.in_type = layer.u.rowwise.out_type = VTPU_TYPE_INT8;
  layer.u.rowwise.in_scale = 0.5f;
  layer.u.rowwise.out_scale = 0.25f;
  layer.u.rowwise.out_zero_point = 10;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<int8_t>(hbm, 0x400, 4), (std::vector<int8_t>{5, 12, 14, 9}));
}

// ============================================================================
// COPY, FILL
// ============================================================================

// A 3 x 4 int8 matrix transposed into 4 x 3: rows of one byte, dimension 1
// walks down a source column (stride 4) into a destination row (stride 1),
// dimension 2 moves to the next column (1) and the next destination row (3).
TEST(ReferenceCopy, TransposesWithStrides) {
  std::vector<uint8_t> hbm = make_hbm();
  put<uint8_t>(hbm, 0x100, {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23});
  vtpu_layer layer = layer_of(VTPU_LAYER_COPY);
  vtpu_dma_desc& d = layer.u.copy.desc;
  d.src = 0x100;
  d.dst = 0x200;
  d.size[0] = 1;
  d.size[1] = 3;
  d.size[2] = 4;
  d.size[3] = 1;
  d.src_stride[0] = 4;
  d.dst_stride[0] = 1;
  d.src_stride[1] = 1;
  d.dst_stride[1] = 3;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<uint8_t>(hbm, 0x200, 12),
            (std::vector<uint8_t>{0, 10, 20, 1, 11, 21, 2, 12, 22, 3, 13, 23}));
  EXPECT_EQ(hbm[0x20c], kUntouched);

  // Two 2-byte rows into a wider destination (a concat's half): 3 planes apart.
  hbm = make_hbm();
  put<uint8_t>(hbm, 0x100, {1, 2, 3, 4});
  layer = layer_of(VTPU_LAYER_COPY);
  layer.u.copy.desc.src = 0x100;
  layer.u.copy.desc.dst = 0x202;
  layer.u.copy.desc.size[0] = 2;
  layer.u.copy.desc.size[1] = 2;
  layer.u.copy.desc.size[2] = layer.u.copy.desc.size[3] = 1;
  layer.u.copy.desc.src_stride[0] = 2;
  layer.u.copy.desc.dst_stride[0] = 4;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<uint8_t>(hbm, 0x200, 8),
            (std::vector<uint8_t>{kUntouched, kUntouched, 1, 2, kUntouched, kUntouched, 3, 4}));
}

TEST(ReferenceFill, RepeatsThePatternLittleEndian) {
  std::vector<uint8_t> hbm = make_hbm();
  vtpu_layer layer = layer_of(VTPU_LAYER_FILL);
  layer.u.fill.dst = 0x101;
  layer.u.fill.bytes = 7;
  layer.u.fill.pattern = 0x44332211u;
  reference_layer(layer, kArray, hbm);
  EXPECT_EQ(get<uint8_t>(hbm, 0x100, 9), (std::vector<uint8_t>{kUntouched, 0x11, 0x22, 0x33, 0x44,
                                                               0x11, 0x22, 0x33, kUntouched}));
}

// ============================================================================
// Refusals
// ============================================================================

// The layer is refused with a message naming `field`, and nothing is written.
void expect_refused(const vtpu_layer& layer, const std::string& field) {
  std::vector<uint8_t> hbm = make_hbm();
  try {
    reference_layer(layer, kArray, hbm);
    ADD_FAILURE() << "not refused: " << field;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("node 7"), std::string::npos) << e.what();
  }
  EXPECT_EQ(hbm, make_hbm()) << field;
}

TEST(ReferenceErrors, RefusalsNameTheField) {
  expect_refused(layer_of(9), "kind 9");
  expect_refused(layer_of(0), "kind 0");

  std::vector<uint8_t> scratch = make_hbm();
  const vtpu_layer matmul = matmul_2x3x2(scratch, VTPU_LAYER_BIAS);
  vtpu_layer l = matmul;
  l.dtype = VTPU_TYPE_FP32;
  expect_refused(l, "dtype 3");
  l = matmul;
  l.u.matmul.k = 0;
  expect_refused(l, "matmul.k is 0");
  l = matmul;
  l.u.matmul.batch = 0;
  expect_refused(l, "matmul.batch is 0");
  l = matmul;
  l.u.matmul.c = 0x4000 - 3;  // 4 bytes, one past the end
  expect_refused(l, "matmul.c");
  l = matmul;
  l.u.matmul.batch = 2;
  l.u.matmul.c_batch_stride = 4;  // C: 2 x 2 int8
  l.u.matmul.a_batch_stride = 0x4000;
  expect_refused(l, "matmul.a");
  l = matmul;
  l.u.matmul.batch = 0xffffffffu;  // a corrupt batch whose results would all land on C
  expect_refused(l, "matmul.c_batch_stride 0 is below C's 4 bytes");
  l = matmul;
  l.u.matmul.bias = UINT64_MAX - 2;
  expect_refused(l, "matmul.bias");
  l = matmul;
  l.u.matmul.m = 0x80000000u;
  l.u.matmul.k = 0x80000000u;  // m * k overflows nothing but the HBM
  expect_refused(l, "matmul.a");
  // A layer names ws or os (int8 only), or leaves the array to pick.
  l = matmul;
  l.u.matmul.dataflow = VTPU_DATAFLOW_AUTO;
  expect_refused(l, "matmul.dataflow 3 is not 0");
  l = matmul;
  l.dtype = VTPU_TYPE_BF16;
  l.u.matmul.dataflow = VTPU_DATAFLOW_WS;
  expect_refused(l, "matmul.dataflow 1 needs an int8 layer");

  vtpu_layer conv = layer_of(VTPU_LAYER_CONV2D);
  vtpu_layer_conv2d& x = conv.u.conv2d;
  x.n = x.h = x.w = x.cin = x.cout = x.groups = 1;
  x.kh = x.kw = x.sy = x.sx = x.dil_y = x.dil_x = 1;
  l = conv;
  l.u.conv2d.groups = 2;
  l.u.conv2d.cin = 4;
  l.u.conv2d.cout = 3;
  expect_refused(l, "conv2d.groups");
  l = conv;
  l.u.conv2d.dil_x = 0;
  expect_refused(l, "conv2d.dil_x is 0");
  l = conv;
  l.u.conv2d.dataflow = 200;
  expect_refused(l, "conv2d.dataflow 200 is not 0");
  l = conv;
  l.u.conv2d.kh = 2;
  expect_refused(l, "conv2d.kh");
  l = conv;
  l.u.conv2d.kh = 2;
  l.u.conv2d.pad_bottom = 1;
  l.u.conv2d.out = 0x4000;
  expect_refused(l, "conv2d.out");  // the window fits once padded; the output does not

  l = pool_layer(VTPU_VPU_ADD, VTPU_TYPE_INT8, 2, 2, 1, 2, 1, 0);
  expect_refused(l, "pool op 0");
  l = pool_layer(VTPU_VPU_MAXPOOL, VTPU_TYPE_INT8, 2, 2, 1, 3, 1, 0);
  expect_refused(l, "pool.kh");
  l = pool_layer(VTPU_VPU_MAXPOOL, VTPU_TYPE_INT8, 2, 2, 1, 2, 0, 0);
  expect_refused(l, "pool.sy is 0");
  l = pool_layer(VTPU_VPU_AVGPOOL, VTPU_TYPE_INT8, 300, 300, 1, 256, 1, 0);
  expect_refused(l, "pool.kh is above 255");

  l = elementwise_layer(VTPU_VPU_ADD, VTPU_TYPE_INT8, VTPU_TYPE_INT8, 4, 1, 1);
  expect_refused(l, "elementwise.b_mode 4");
  l = elementwise_layer(VTPU_VPU_EXP, VTPU_TYPE_FP32, VTPU_TYPE_FP32, 7, 1, 1);
  expect_refused(l, "elementwise.b_mode 7");  // as the firmware does, unary or not
  l = elementwise_layer(VTPU_VPU_RELU, VTPU_TYPE_INT32, VTPU_TYPE_INT8, 0, 1, 1);
  expect_refused(l, "elementwise.in_type 1");
  l = elementwise_layer(VTPU_VPU_REQUANT, VTPU_TYPE_INT8, VTPU_TYPE_INT8, 0, 1, 1);
  expect_refused(l, "elementwise op 32");
  l = elementwise_layer(VTPU_VPU_ADD, VTPU_TYPE_FP32, VTPU_TYPE_FP32, VTPU_BCAST_NONE, 1, 1);
  l.u.elementwise.b = 0x4000;
  expect_refused(l, "elementwise.b");

  l = rowwise_layer(VTPU_LAYER_LAYERNORM, 1, 4);
  l.u.rowwise.beta = 0x3ffd;
  expect_refused(l, "rowwise.beta");
  l = rowwise_layer(VTPU_LAYER_SOFTMAX, 1, 0);
  expect_refused(l, "rowwise.cols is 0");

  l = layer_of(VTPU_LAYER_COPY);
  l.u.copy.desc.size[0] = l.u.copy.desc.size[1] = l.u.copy.desc.size[3] = 1;
  expect_refused(l, "copy.size[2] is 0");
  l.u.copy.desc.size[2] = 2;
  l.u.copy.desc.dst_stride[1] = 0x4000;
  expect_refused(l, "copy.dst");

  l = layer_of(VTPU_LAYER_FILL);
  l.u.fill.dst = 0x3fff;
  l.u.fill.bytes = 2;
  expect_refused(l, "fill.dst");
}

// The tensor table (docs/runtime.md, "Resident activations"): each marked
// activation with the first and last layer that has an operand inside it,
// sorted by first; untouched, host-written and unmarked tensors left out.
TEST(ModelImageTensors, SpansFromTheLayersOperands) {
  ModelImage image;
  const uint64_t input = image.allocate(64);  // host-written: never an activation
  image.write(input, std::vector<uint8_t>(64, 1).data(), 64);
  const uint64_t x = image.allocate(256), y = image.allocate(128), z = image.allocate(64);
  const uint64_t unused = image.allocate(64), out = image.allocate(64);
  for (uint64_t t : {x, y, z, unused}) image.mark_activation(t, t == x ? 256 : t == y ? 128 : 64);
  image.mark_activation(input, 64);  // refused: the host wrote it
  auto copy = [](uint64_t src, uint64_t dst) {
    vtpu_layer l = blank_layer(VTPU_LAYER_COPY, VTPU_TYPE_INT8);
    l.u.copy.desc.src = src, l.u.copy.desc.dst = dst;
    for (uint32_t& s : l.u.copy.desc.size) s = 1;
    return l;
  };
  vtpu_layer fill = blank_layer(VTPU_LAYER_FILL, VTPU_TYPE_INT8);
  fill.u.fill.dst = z;
  image.add_layer(copy(input, x + 64));  // 0: writes inside x
  image.add_layer(fill);                 // 1: writes z
  image.add_layer(copy(x, y));           // 2
  image.add_layer(copy(z, y + 8));       // 3
  image.add_layer(copy(y, out));         // 4
  image.finish(0);
  const std::vector<vtpu_tensor>& t = image.tensors();
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].offset, x);
  EXPECT_EQ(t[0].bytes, 256u);
  EXPECT_EQ(t[0].first, 0u);
  EXPECT_EQ(t[0].last, 2u);
  EXPECT_EQ(t[1].offset, z);
  EXPECT_EQ(t[1].first, 1u);
  EXPECT_EQ(t[1].last, 3u);
  EXPECT_EQ(t[2].offset, y);
  EXPECT_EQ(t[2].first, 2u);
  EXPECT_EQ(t[2].last, 4u);
  EXPECT_EQ(image.header().tensor_count, 3u);
  std::vector<vtpu_tensor> stored(3);
  image.read(image.header().tensors, stored.data(), 3 * sizeof(vtpu_tensor));
  EXPECT_EQ(std::memcmp(stored.data(), t.data(), 3 * sizeof(vtpu_tensor)), 0);
}

}  // namespace
}  // namespace vtpu::runtime
