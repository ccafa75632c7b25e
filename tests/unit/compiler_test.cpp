// The compiler's quantization rules (sw/compiler, docs/compiler.md), against
// values worked out by hand.
#include "sw/compiler/compiler.h"

#include <gtest/gtest.h>

#include <cmath>

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

TEST(Quantization, PrecisionNames) {
  EXPECT_EQ(parse_precision("int8", "x"), Precision::kInt8);
  EXPECT_EQ(parse_precision("bf16", "x"), Precision::kBf16);
  EXPECT_THROW(parse_precision("fp16", "--precision"), std::exception);
}

}  // namespace
}  // namespace vtpu::sw
