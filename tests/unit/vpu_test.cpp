// The vector unit and the chip's numerics (docs/vpu.md, docs/numerics.md):
// - numerics: bf16 and int8 rounding against values worked out by hand and
//   against independent formulations (distances in double, std::nearbyint);
// - execute(): the fast path against a scalar reference written here, element
//   by element from numerics.h, for every supported operation and type
//   combination on random shapes, strides with gaps and every broadcast mode,
//   compared byte for byte over the whole of both memories; and a few
//   results worked out by hand;
// - check(): every fault with its cause and address;
// - cycles(): the formula and table of docs/vpu.md, "Timing".
#include "models/vpu/vpu.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "models/vpu/numerics.h"

namespace vtpu::vpu {
namespace {

using namespace vtpu::numerics;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// ============================================================================
// Numerics
// ============================================================================

// The nearest bf16 by distance, computed in double (exact for these values):
// an independent statement of round-to-nearest-even.
uint16_t bf16_by_distance(float x) {
  const uint32_t u = bits_of(x);
  if (std::isnan(x)) return static_cast<uint16_t>(((u >> 16) & 0x8000u) | 0x7FC0u);
  const uint16_t toward_zero = static_cast<uint16_t>(u >> 16);
  if ((u & 0xFFFFu) == 0) return toward_zero;
  const uint16_t away = static_cast<uint16_t>(toward_zero + 1);
  const double magnitude = std::fabs(static_cast<double>(x));
  const double low = std::fabs(static_cast<double>(bf16_to_f32(toward_zero)));
  // One step past the largest finite bf16 is where Inf takes over: 2^128.
  const double high = (away & 0x7FFFu) == 0x7F80u
                          ? std::ldexp(1.0, 128)
                          : std::fabs(static_cast<double>(bf16_to_f32(away)));
  if (magnitude - low < high - magnitude) return toward_zero;
  if (magnitude - low > high - magnitude) return away;
  return (toward_zero & 1u) ? away : toward_zero;
}

TEST(Bf16, RoundsToNearestTiesToEven) {
  struct Case {
    uint32_t in;
    uint16_t out;
    const char* why;
  };
  const Case cases[] = {
      {0x3F800000u, 0x3F80u, "1.0 exact"},
      {0x3F807FFFu, 0x3F80u, "just below the tie rounds down"},
      {0x3F808000u, 0x3F80u, "tie, even below: down"},
      {0x3F808001u, 0x3F81u, "just above the tie rounds up"},
      {0x3F818000u, 0x3F82u, "tie, odd below: up to even"},
      {0xBF808000u, 0xBF80u, "negative tie, even: toward zero"},
      {0xBF818000u, 0xBF82u, "negative tie, odd: away from zero"},
      {0x3FFFFFFFu, 0x4000u, "rounds up into the next exponent"},
      {0x3F7F8000u, 0x3F80u, "tie, odd below: carries into the exponent"},
      {0x7F7FFFFFu, 0x7F80u, "largest float rounds to +Inf"},
      {0x7F7F8000u, 0x7F80u, "tie at the top, odd: +Inf"},
      {0x7F7F7FFFu, 0x7F7Fu, "below the tie at the top: largest bf16"},
      {0xFF7FFFFFu, 0xFF80u, "most negative float rounds to -Inf"},
      {0x7F800000u, 0x7F80u, "+Inf stays"},
      {0xFF800000u, 0xFF80u, "-Inf stays"},
      {0x00000000u, 0x0000u, "+0"},
      {0x80000000u, 0x8000u, "-0"},
      {0x00008000u, 0x0000u, "subnormal tie, even: to +0"},
      {0x00018000u, 0x0002u, "subnormal tie, odd: up"},
      {0x00017FFFu, 0x0001u, "subnormal below the tie"},
      {0x80008001u, 0x8001u, "negative subnormal above the tie"},
      {0x007FFFFFu, 0x0080u, "largest subnormal rounds up to the smallest normal"},
      {0x00000001u, 0x0000u, "smallest subnormal to zero"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(f32_to_bf16(float_of(c.in)), c.out) << std::hex << c.in << ": " << c.why;
  }
}

TEST(Bf16, NaNBecomesQuietKeepingItsSign) {
  // 0x7FFFFFFF would become 0x8000 (-0) with the rounding add alone.
  for (uint32_t nan : {0x7F800001u, 0x7FBFFFFFu, 0x7FC00000u, 0x7FFFFFFFu, 0x7F80FFFFu}) {
    EXPECT_EQ(f32_to_bf16(float_of(nan)), 0x7FC0u) << std::hex << nan;
    EXPECT_EQ(f32_to_bf16(float_of(nan | 0x80000000u)), 0xFFC0u) << std::hex << nan;
  }
}

TEST(Bf16, MatchesTheNearestValueByDistance) {
  std::mt19937 rng(1);
  uint64_t checked = 0;
  // Every upper half with the lower halves that sit around the rounding points.
  for (uint32_t high = 0; high < 0x10000u; ++high) {
    for (uint32_t low : {0x0000u, 0x0001u, 0x7FFFu, 0x8000u, 0x8001u, 0xFFFFu}) {
      const float x = float_of(high << 16 | low);
      ASSERT_EQ(f32_to_bf16(x), bf16_by_distance(x)) << std::hex << (high << 16 | low);
      ++checked;
    }
  }
  for (int i = 0; i < 1000000; ++i) {
    const float x = float_of(static_cast<uint32_t>(rng()));
    ASSERT_EQ(f32_to_bf16(x), bf16_by_distance(x)) << std::hex << bits_of(x);
    ++checked;
  }
  EXPECT_EQ(checked, 65536u * 6 + 1000000u);
}

TEST(Bf16, WideningIsExactAndEveryBf16RoundTrips) {
  EXPECT_EQ(bf16_to_f32(0x3F80u), 1.0f);
  EXPECT_EQ(bf16_to_f32(0xC040u), -3.0f);
  EXPECT_EQ(bits_of(bf16_to_f32(0x0001u)), 0x00010000u);
  for (uint32_t h = 0; h < 0x10000u; ++h) {
    const float x = bf16_to_f32(static_cast<uint16_t>(h));
    ASSERT_EQ(bits_of(x), h << 16);
    const uint16_t back = f32_to_bf16(x);
    if (std::isnan(x)) {
      ASSERT_EQ(back, (h & 0x8000u) | 0x7FC0u) << std::hex << h;
    } else {
      ASSERT_EQ(back, h) << std::hex << h;
    }
  }
}

TEST(RoundHalfEven, TiesGoToEven) {
  const std::pair<float, float> cases[] = {
      {0.5f, 0.0f},
      {1.5f, 2.0f},
      {2.5f, 2.0f},
      {3.5f, 4.0f},
      {-0.5f, -0.0f},
      {-1.5f, -2.0f},
      {-2.5f, -2.0f},
      {0.49999997f, 0.0f},
      {0.50000006f, 1.0f},
      {2.4999998f, 2.0f},
      {-3.5000002f, -4.0f},
      {8388607.5f, 8388608.0f},
      {8388606.5f, 8388606.0f},
      {0x1p23f + 1.0f, 0x1p23f + 1.0f},
      {1e30f, 1e30f},
  };
  for (const auto& [in, out] : cases) {
    EXPECT_EQ(bits_of(round_half_even(in)), bits_of(out)) << in;
  }
  EXPECT_TRUE(std::isnan(round_half_even(kNaN)));
  EXPECT_EQ(round_half_even(kInf), kInf);
  EXPECT_EQ(round_half_even(-kInf), -kInf);
}

TEST(RoundHalfEven, MatchesNearbyintInTheDefaultRoundingMode) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> small(-1000.0f, 1000.0f);
  for (int i = 0; i < 200000; ++i) {
    float x = (i % 4 == 0)   ? std::round(small(rng)) + 0.5f  // a tie
              : (i % 4 == 1) ? float_of(static_cast<uint32_t>(rng()))
                             : small(rng);
    if (std::isnan(x)) continue;
    ASSERT_EQ(round_half_even(x), std::nearbyint(x)) << x;
  }
}

TEST(Requantize, TiesGoToEvenOnBothSides) {
  EXPECT_EQ(requantize_int8(5, 0.5f, 0), 2);    // 2.5 -> 2
  EXPECT_EQ(requantize_int8(7, 0.5f, 0), 4);    // 3.5 -> 4
  EXPECT_EQ(requantize_int8(1, 0.5f, 0), 0);    // 0.5 -> 0
  EXPECT_EQ(requantize_int8(3, 0.5f, 0), 2);    // 1.5 -> 2
  EXPECT_EQ(requantize_int8(-5, 0.5f, 0), -2);  // -2.5 -> -2
  EXPECT_EQ(requantize_int8(-7, 0.5f, 0), -4);  // -3.5 -> -4
  EXPECT_EQ(requantize_int8(-1, 0.5f, 0), 0);   // -0.5 -> 0
  EXPECT_EQ(requantize_int8(11, 0.5f, 0), 6);   // 5.5 -> 6
  EXPECT_EQ(requantize_int8(6, 0.5f, 0), 3);    // exact
  EXPECT_EQ(requantize_int8(13, 0.25f, 0), 3);  // 3.25 -> 3
  EXPECT_EQ(requantize_int8(15, 0.25f, 0), 4);  // 3.75 -> 4
}

TEST(Requantize, TheRowFormIsRequantizeInt8OnEveryElement) {
  // Random sums and scales around the rounding edges, with the values that
  // take a special path (the int32 ends, ties, NaN, the infinities, 0 and a
  // negative scale), at zero points inside and outside the branch-free range.
  std::mt19937 rng(11);
  std::uniform_int_distribution<int32_t> sum(-2000, 2000), any(INT32_MIN, INT32_MAX);
  std::uniform_real_distribution<float> scale(-0.2f, 0.2f);
  const float inf = std::numeric_limits<float>::infinity();
  const size_t n = 4099;  // not a multiple of a vector
  std::vector<int32_t> acc(n), out(n);
  std::vector<float> scales(n);
  for (size_t i = 0; i < n; ++i) {
    acc[i] = i % 3 == 0 ? any(rng) : sum(rng);
    scales[i] = i % 5 == 0 ? 0.5f : scale(rng);  // x.5 ties at odd sums
  }
  const int32_t special_acc[] = {INT32_MIN, INT32_MAX, 0, 1, -1, 255, -257};
  const float special_scale[] = {NAN, inf, -inf, 0.0f, -0.0f, -1.0f, 1e-30f};
  for (size_t i = 0; i < std::size(special_acc); ++i) acc[7 * i] = special_acc[i];
  for (size_t i = 0; i < std::size(special_scale); ++i) scales[11 * i + 1] = special_scale[i];
  for (const int32_t zero_point :
       {0, -128, 127, 5, 1 << 22, -(1 << 22), (1 << 22) + 1, INT32_MIN}) {
    requantize_int8_row(acc.data(), scales.data(), zero_point, out.data(), n);
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(out[i], requantize_int8(acc[i], scales[i], zero_point))
          << "acc " << acc[i] << " scale " << scales[i] << " zero point " << zero_point;
  }
}

TEST(Requantize, ZeroPointIsAddedAfterRounding) {
  EXPECT_EQ(requantize_int8(5, 0.5f, 3), 5);    // rne(2.5) = 2, + 3
  EXPECT_EQ(requantize_int8(5, 0.5f, -3), -1);  // 2 - 3
  EXPECT_EQ(requantize_int8(-5, 0.5f, 10), 8);  // -2 + 10
  EXPECT_EQ(requantize_int8(0, 0.5f, -128), -128);
  EXPECT_EQ(requantize_int8(0, 0.5f, 127), 127);
}

TEST(Requantize, SaturatesAtBothEnds) {
  EXPECT_EQ(requantize_int8(127, 1.0f, 0), 127);
  EXPECT_EQ(requantize_int8(128, 1.0f, 0), 127);
  EXPECT_EQ(requantize_int8(-128, 1.0f, 0), -128);
  EXPECT_EQ(requantize_int8(-129, 1.0f, 0), -128);
  EXPECT_EQ(requantize_int8(100, 1.0f, 100), 127);  // the zero point pushes it over
  EXPECT_EQ(requantize_int8(-100, 1.0f, -100), -128);
  EXPECT_EQ(requantize_int8(300, 1.0f, -200), 100);  // out of range before the zero point only
  EXPECT_EQ(requantize_int8(-300, 1.0f, 200), -100);
}

TEST(Requantize, HugeValuesSaturateWithoutUndefinedBehaviour) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(requantize_int8(kMax, 1e30f, 0), 127);
  EXPECT_EQ(requantize_int8(kMax, -1e30f, 0), -128);
  EXPECT_EQ(requantize_int8(kMin, 1e30f, 0), -128);
  EXPECT_EQ(requantize_int8(1, kInf, 0), 127);
  EXPECT_EQ(requantize_int8(-1, kInf, 0), -128);
  EXPECT_EQ(requantize_int8(kMax, 1.0f, kMax), 127);
  EXPECT_EQ(requantize_int8(kMin, 1.0f, kMin), -128);
  // 2^31 (kMax rounded to fp32) against the most negative zero point: exactly 0.
  EXPECT_EQ(requantize_int8(kMax, 1.0f, kMin), 0);
  EXPECT_EQ(requantize_int8(kMin, 1.0f, kMax), -1);
  // NaN (0 * Inf, or a NaN scale) counts as 0: the result is the zero point.
  EXPECT_EQ(requantize_int8(0, kInf, 7), 7);
  EXPECT_EQ(requantize_int8(5, kNaN, -9), -9);
  EXPECT_EQ(requantize_int8(5, kNaN, 1000), 127);
}

TEST(Requantize, TheProductIsRoundedToFp32First) {
  // (float)(2^24 + 1) is 2^24: times 2^-25 that is the tie 0.5 -> 0 (exactly: 0.50000003 -> 1).
  EXPECT_EQ(requantize_int8(16777217, 0x1p-25f, 0), 0);
  // 3 * fp32(1/6) = 0.50000001 in real arithmetic, which rounds to 0.5 in fp32, then to 0.
  EXPECT_EQ(requantize_int8(3, 1.0f / 6.0f, 0), 0);
  EXPECT_EQ(requantize_int8(3, 1.0f / 6.0f, 0),
            static_cast<int8_t>(std::nearbyint(3.0f * (1.0f / 6.0f))));
  EXPECT_NE(std::nearbyint(3.0 * static_cast<double>(1.0f / 6.0f)), 0.0);
}

TEST(Requantize, MatchesAReferenceInDouble) {
  std::mt19937 rng(3);
  for (int i = 0; i < 200000; ++i) {
    const int32_t acc =
        (i % 2) ? static_cast<int32_t>(rng()) : static_cast<int32_t>(rng() % 20001) - 10000;
    const float scale =
        std::ldexp(static_cast<float>(rng() % 1024 + 1), -static_cast<int>(rng() % 30));
    const int32_t zp = static_cast<int32_t>(rng() % 256) - 128;
    const float product = static_cast<float>(acc) * scale;  // the contract: one fp32 product
    const double y = std::clamp(std::nearbyint(static_cast<double>(product)) + zp, -128.0, 127.0);
    ASSERT_EQ(requantize_int8(acc, scale, zp), static_cast<int8_t>(y))
        << acc << " * " << scale << " + " << zp;
  }
}

TEST(Quantize, FollowsQuantizeLinear) {
  EXPECT_EQ(quantize_int8(2.5f, 1.0f, 0), 2);
  EXPECT_EQ(quantize_int8(3.5f, 1.0f, 0), 4);
  EXPECT_EQ(quantize_int8(-2.5f, 1.0f, 0), -2);
  EXPECT_EQ(quantize_int8(1.5f, 0.5f, 0), 3);
  EXPECT_EQ(quantize_int8(1.25f, 0.5f, 0), 2);  // 2.5 -> 2
  EXPECT_EQ(quantize_int8(1.0f, 0.5f, -128), -126);
  EXPECT_EQ(quantize_int8(1000.0f, 1.0f, 0), 127);
  EXPECT_EQ(quantize_int8(-1000.0f, 1.0f, 0), -128);
  EXPECT_EQ(quantize_int8(kInf, 1.0f, 0), 127);
  EXPECT_EQ(quantize_int8(-kInf, 1.0f, 0), -128);
  EXPECT_EQ(quantize_int8(kNaN, 1.0f, 5), 5);
  EXPECT_EQ(quantize_int8(1.0f, 0.0f, 0), 127);  // x / 0 = +Inf
  EXPECT_EQ(quantize_int8(0.0f, 0.0f, 4), 4);    // 0 / 0 = NaN -> the zero point
  // The quotient in fp32: 0.3f / 0.1f = 2.9999998 (fp32) -> 3, and 0.25f / 0.1f = 2.5 -> 2.
  EXPECT_EQ(quantize_int8(0.3f, 0.1f, 0), 3);
  EXPECT_EQ(quantize_int8(0.25f, 0.1f, 0), static_cast<int8_t>(std::nearbyint(0.25f / 0.1f)));
}

TEST(Dequantize, IsTheDifferenceTimesTheScale) {
  EXPECT_EQ(dequantize_int8(-128, 0.5f, -128), 0.0f);
  EXPECT_EQ(dequantize_int8(127, 0.5f, -128), 127.5f);
  EXPECT_EQ(dequantize_int8(5, 0.25f, 2), 0.75f);
  EXPECT_EQ(dequantize_int8(-3, 2.0f, 0), -6.0f);
  EXPECT_EQ(dequantize_int8(0, 1.0f, std::numeric_limits<int32_t>::min()), 2147483648.0f);
  EXPECT_EQ(dequantize_int8(1, 1.0f / 3.0f, 0), 1.0f / 3.0f);
  // Quantize after dequantize gives the same int8 back for a sane scale.
  for (int q = -128; q <= 127; ++q) {
    const int8_t v = static_cast<int8_t>(q);
    ASSERT_EQ(quantize_int8(dequantize_int8(v, 0.0372f, 11), 0.0372f, 11), v) << q;
  }
}

TEST(Activations, ValuesWorkedOutByHand) {
  EXPECT_EQ(relu(-1.0f), 0.0f);
  EXPECT_EQ(relu(2.5f), 2.5f);
  EXPECT_EQ(bits_of(relu(-0.0f)), 0u);
  EXPECT_TRUE(std::isnan(relu(kNaN)));
  EXPECT_EQ(relu6(7.0f), 6.0f);
  EXPECT_EQ(relu6(5.5f), 5.5f);
  EXPECT_EQ(relu6(-3.0f), 0.0f);
  EXPECT_EQ(relu6(kInf), 6.0f);
  EXPECT_TRUE(std::isnan(relu6(kNaN)));
  EXPECT_EQ(gelu_erf(0.0f), 0.0f);
  EXPECT_EQ(gelu_tanh(0.0f), 0.0f);
  EXPECT_EQ(gelu_erf(10.0f), 10.0f);
  EXPECT_EQ(gelu_erf(-10.0f), -0.0f);
  EXPECT_EQ(gelu_tanh(10.0f), 10.0f);
  EXPECT_EQ(sigmoid(0.0f), 0.5f);
  EXPECT_EQ(sigmoid(-200.0f), 0.0f);
  EXPECT_EQ(sigmoid(200.0f), 1.0f);
  EXPECT_EQ(tanh_f32(0.0f), 0.0f);
  EXPECT_EQ(tanh_f32(20.0f), 1.0f);
  EXPECT_EQ(tanh_f32(-20.0f), -1.0f);
  EXPECT_EQ(exp_f32(0.0f), 1.0f);
  EXPECT_EQ(exp_f32(-kInf), 0.0f);
  EXPECT_EQ(exp_f32(100.0f), kInf);
  EXPECT_EQ(rsqrt(4.0f), 0.5f);
  EXPECT_EQ(rsqrt(0.0f), kInf);
  EXPECT_TRUE(std::isnan(rsqrt(-1.0f)));
  EXPECT_EQ(reciprocal(4.0f), 0.25f);
  EXPECT_EQ(reciprocal(-0.0f), -kInf);
  EXPECT_EQ(reciprocal(kInf), 0.0f);
  // hard_sigmoid: x / 6 + 1/2 clamped to [0, 1]; hard_swish: x times that.
  EXPECT_EQ(hard_sigmoid(0.0f), 0.5f);
  EXPECT_EQ(hard_sigmoid(1.5f), 0.75f);  // 1.5 * (1/6)f = 0.25f exactly, + 0.5
  EXPECT_EQ(hard_sigmoid(-3.0f), 0.0f);
  EXPECT_EQ(hard_sigmoid(3.0f), 1.0f);
  EXPECT_EQ(hard_sigmoid(-100.0f), 0.0f);
  EXPECT_EQ(hard_sigmoid(kInf), 1.0f);
  EXPECT_TRUE(std::isnan(hard_sigmoid(kNaN)));
  EXPECT_EQ(hard_swish(1.5f), 1.125f);
  EXPECT_EQ(hard_swish(3.5f), 3.5f);
  EXPECT_EQ(bits_of(hard_swish(-4.0f)), bits_of(-0.0f));  // -4 * 0
  EXPECT_EQ(hard_swish(-1.0f), -(-1.0f * (1.0f / 6.0f) + 0.5f));
  EXPECT_TRUE(std::isnan(hard_swish(kNaN)));
  // silu: x * sigmoid(x); sigmoid(0) = 1/2 exactly, sigmoid(-inf) = 0.
  volatile float one = 1.0f, two = 2.0f;
  EXPECT_EQ(silu(0.0f), 0.0f);
  EXPECT_EQ(silu(two), two * (1.0f / (1.0f + exp_f32(-two))));
  EXPECT_EQ(silu(kInf), kInf);
  EXPECT_TRUE(std::isnan(silu(-kInf)));  // -inf * 0
  // mish: x * tanh(softplus(x)); large x: x.
  EXPECT_EQ(mish(0.0f), 0.0f);
  EXPECT_EQ(mish(one), tanh_f32(softplus_f32(one)));
  EXPECT_EQ(mish(-one), -tanh_f32(softplus_f32(-one)));
  EXPECT_EQ(mish(100.0f), 100.0f);                    // softplus(100) = 100, tanh(100) = 1
  EXPECT_EQ(mish(1e30f), 1e30f);                      // no overflow: x + log1p(exp(-x))
  EXPECT_EQ(bits_of(mish(-200.0f)), bits_of(-0.0f));  // softplus underflows to 0
  EXPECT_TRUE(std::isnan(mish(kNaN)));
}

// Each activation is close to its mathematical definition evaluated in double;
// this catches a wrong constant or a wrong formula, not the last ulp.
TEST(Activations, CloseToTheirDefinitionsInDouble) {
  auto gelu_erf_d = [](double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); };
  auto gelu_tanh_d = [](double x) {
    const double k = std::sqrt(2.0 / 3.14159265358979323846);
    return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
  };
  for (float x = -6.0f; x <= 6.0f; x += 0.0625f) {
    const double xd = x;
    const double tol = 4e-7 * std::max(1.0, std::fabs(xd));
    EXPECT_NEAR(gelu_erf(x), gelu_erf_d(xd), tol) << x;
    EXPECT_NEAR(gelu_tanh(x), gelu_tanh_d(xd), tol) << x;
    EXPECT_NEAR(sigmoid(x), 1.0 / (1.0 + std::exp(-xd)), 2e-7) << x;
    EXPECT_NEAR(tanh_f32(x), std::tanh(xd), 2e-7) << x;
    EXPECT_NEAR(exp_f32(x), std::exp(xd), 2e-7 * std::exp(xd)) << x;
    const double gate = std::min(std::max(xd / 6.0 + 0.5, 0.0), 1.0);
    EXPECT_NEAR(hard_sigmoid(x), gate, 1.2e-7) << x;
    EXPECT_NEAR(hard_swish(x), xd * gate, 2.4e-7 * std::max(1.0, std::fabs(xd))) << x;
    EXPECT_NEAR(silu(x), xd / (1.0 + std::exp(-xd)), 4e-7 * std::max(1.0, std::fabs(xd))) << x;
    EXPECT_NEAR(mish(x), xd * std::tanh(std::log1p(std::exp(xd))),
                4e-7 * std::max(1.0, std::fabs(xd)))
        << x;
    if (x > 0) {
      EXPECT_NEAR(rsqrt(x), 1.0 / std::sqrt(xd), 2e-7 / std::sqrt(xd)) << x;
      EXPECT_NEAR(reciprocal(x), 1.0 / xd, 1.2e-7 / xd) << x;
    }
  }
  // The two GELU forms are different functions: they differ by ~1e-4 near |x| = 2.
  EXPECT_GT(std::fabs(gelu_erf(-2.0f) - gelu_tanh(-2.0f)), 1e-5f);
}

// The chip's exp, erf, tanh and softplus (docs/numerics.md, "exp, erf, tanh
// and softplus"):
// their steps by hand at points where every step is exact, their limits, and
// their error against the functions in double over a dense sweep.
TEST(ChipFunctions, StepsWorkedOutByHand) {
  // exp(0): n = 0, r = 0, the polynomial's constant 1, times 2^0 twice.
  EXPECT_EQ(exp_f32(0.0f), 1.0f);
  EXPECT_EQ(exp_f32(-0.0f), 1.0f);
  // The powers of two come from the bits: 2^n1 * 2^n2 with n1 = floor(n / 2).
  EXPECT_EQ(pow2(0), 1.0f);
  EXPECT_EQ(pow2(-75), std::ldexp(1.0f, -75));
  EXPECT_EQ(pow2(64), std::ldexp(1.0f, 64));
  // Horner's rule, each step rounded: ((2 t + 3) t + 4) at t = 0.5 is 6.
  EXPECT_EQ(horner(Polynomial{3, {2.0f, 3.0f, 4.0f}}, 0.5f), 6.0f);
  // Clamped to [-104, 89]: e^89 overflows, e^-104 is below half the least
  // subnormal, as are +-Inf's.
  EXPECT_EQ(exp_f32(89.0f), kInf);
  EXPECT_EQ(exp_f32(1e30f), kInf);
  EXPECT_EQ(exp_f32(kInf), kInf);
  EXPECT_EQ(bits_of(exp_f32(-104.0f)), 0u);
  EXPECT_EQ(bits_of(exp_f32(-kInf)), 0u);
  // A subnormal result is rounded once, by the last product: e^-100 =
  // 3.72e-44, 26.6 least subnormals.
  EXPECT_EQ(exp_f32(-100.0f), 27 * std::numeric_limits<float>::denorm_min());
  EXPECT_TRUE(std::isnan(exp_f32(kNaN)));
  // erf: odd, erf(0) = 0 (and erf(-0) = +0: the sign goes with x < 0), 1
  // from |x| = 4 on.
  EXPECT_EQ(bits_of(erf_f32(0.0f)), 0u);
  EXPECT_EQ(bits_of(erf_f32(-0.0f)), 0u);
  EXPECT_EQ(erf_f32(4.0f), 1.0f);
  EXPECT_EQ(erf_f32(-kInf), -1.0f);
  EXPECT_TRUE(std::isnan(erf_f32(kNaN)));
  // Below 0.5, a + a p(a^2): for a tiny a, p(a^2) is its constant
  // 2 / sqrt(pi) - 1 and the sum rounds to 1.1283792 a.
  EXPECT_EQ(erf_f32(1e-20f), 1e-20f + 1e-20f * erf_steps::kSmall.c[7]);
  // GELU at its scale: 0.5 x (1 + erf(x / sqrt 2)).
  volatile float x = 1.5f;
  EXPECT_EQ(gelu_erf(x), 0.5f * x * (1.0f + erf_f32(x * kInvSqrt2)));
  // tanh: below 0.75, a + a p(a^2) with p(0) = 0, so tiny values are
  // themselves; from 0.75 on 1 - 2 / (e^2a + 1), which is 1 once 2 / (e^2a +
  // 1) is below half an ulp of 1 (and e^2a's overflow gives 1 too).
  EXPECT_EQ(tanh_f32(1e-20f), 1e-20f);
  EXPECT_EQ(bits_of(tanh_f32(-0.0f)), 0u);
  EXPECT_EQ(tanh_f32(x), 1.0f - 2.0f / (exp_f32(2.0f * x) + 1.0f));
  EXPECT_EQ(tanh_f32(-x), -tanh_f32(x));
  EXPECT_EQ(tanh_f32(10.0f), 1.0f);
  EXPECT_EQ(tanh_f32(-kInf), -1.0f);
  EXPECT_TRUE(std::isnan(tanh_f32(kNaN)));
  EXPECT_EQ(gelu_tanh(x),
            0.5f * x * (1.0f + tanh_f32(kSqrt2OverPi * (x + kGeluCubic * x * x * x))));
  // softplus: log1p(e^-|x|) (+ x when x > 0); e^-|x| underflows to 0 from
  // |x| = 104 on, leaving 0 or x; log 2 at 0, rounded to fp32.
  EXPECT_EQ(softplus_f32(0.0f), 0.693147182f);
  EXPECT_EQ(bits_of(softplus_f32(-200.0f)), 0u);
  EXPECT_EQ(softplus_f32(200.0f), 200.0f);
  EXPECT_EQ(softplus_f32(kInf), kInf);
  EXPECT_TRUE(std::isnan(softplus_f32(kNaN)));
}

TEST(ChipFunctions, WithinTheirDocumentedErrorOfTheFunctionsInDouble) {
  const auto ulps = [](float got, double want) {
    const float w = static_cast<float>(std::fabs(want));
    return std::fabs(got - want) / (std::nextafter(w, kInf) - w);
  };
  double exp_worst = 0, erf_worst = 0, tanh_worst = 0, softplus_worst = 0;
  float erf_before = -1.0f, tanh_before = -1.0f, softplus_before = 0.0f;
  for (int i = 0; i <= 2000000; ++i) {
    const float x = -87.0f + 175.0f * static_cast<float>(i) / 2000000.0f;
    exp_worst = std::max(exp_worst, ulps(exp_f32(x), std::exp(static_cast<double>(x))));
    const float y = -5.0f + 10.0f * static_cast<float>(i) / 2000000.0f;
    const float e = erf_f32(y);
    erf_worst = std::max(erf_worst, ulps(e, std::erf(static_cast<double>(y))));
    EXPECT_EQ(bits_of(erf_f32(-y)), bits_of(y == 0.0f ? e : -e)) << y;
    EXPECT_GE(e, erf_before) << y;  // never decreasing
    erf_before = e;
    const float z = -12.0f + 24.0f * static_cast<float>(i) / 2000000.0f;
    const float t = tanh_f32(z);
    tanh_worst = std::max(tanh_worst, ulps(t, std::tanh(static_cast<double>(z))));
    EXPECT_GE(t, tanh_before) << z;
    tanh_before = t;
    const float w = -30.0f + 60.0f * static_cast<float>(i) / 2000000.0f;
    const double wd = w;
    const float sp = softplus_f32(w);
    softplus_worst = std::max(softplus_worst, ulps(sp, wd > 0 ? wd + std::log1p(std::exp(-wd))
                                                              : std::log1p(std::exp(wd))));
    EXPECT_GE(sp, softplus_before) << w;
    softplus_before = sp;
  }
  EXPECT_LE(exp_worst, 1.17);
  EXPECT_LE(erf_worst, 1.2);
  EXPECT_LE(tanh_worst, 1.08);
  EXPECT_LE(softplus_worst, 2.6);
}

TEST(MaxMin, NaNPropagatesAndPlusZeroIsGreater) {
  EXPECT_EQ(max_f32(1.0f, 2.0f), 2.0f);
  EXPECT_EQ(min_f32(1.0f, 2.0f), 1.0f);
  EXPECT_TRUE(std::isnan(max_f32(kNaN, 1.0f)));
  EXPECT_TRUE(std::isnan(max_f32(1.0f, kNaN)));
  EXPECT_TRUE(std::isnan(min_f32(kNaN, 1.0f)));
  EXPECT_TRUE(std::isnan(min_f32(-kInf, kNaN)));
  EXPECT_EQ(bits_of(max_f32(0.0f, -0.0f)), 0x00000000u);
  EXPECT_EQ(bits_of(max_f32(-0.0f, 0.0f)), 0x00000000u);
  EXPECT_EQ(bits_of(min_f32(0.0f, -0.0f)), 0x80000000u);
  EXPECT_EQ(bits_of(min_f32(-0.0f, 0.0f)), 0x80000000u);
  const float a = float_of(0x7FC00001u), b = float_of(0x7FC00002u);
  EXPECT_EQ(bits_of(max_f32(a, b)), 0x7FC00001u);  // the first NaN
  EXPECT_EQ(bits_of(min_f32(b, a)), 0x7FC00002u);
  // A signalling NaN comes out quiet, sign and payload kept.
  const float signalling = float_of(0xFF800005u);
  EXPECT_EQ(bits_of(max_f32(signalling, 1.0f)), 0xFFC00005u);
  EXPECT_EQ(bits_of(max_f32(1.0f, signalling)), 0xFFC00005u);
  EXPECT_EQ(bits_of(min_f32(-kInf, signalling)), 0xFFC00005u);
  EXPECT_EQ(bits_of(relu(signalling)), 0xFFC00005u);
  EXPECT_EQ(bits_of(relu6(float_of(0x7F800001u))), 0x7FC00001u);
}

// ============================================================================
// The scalar reference: every operation element by element, from numerics.h
// and the documented addressing alone (nothing from vpu.cpp).
// ============================================================================

bool floating(uint8_t type) {
  return type == VTPU_TYPE_FP32 || type == VTPU_TYPE_BF16;
}

// Memory as the reference sees it: little-endian elements assembled byte by
// byte, by bus address.
class Bus {
 public:
  explicit Bus(const std::vector<Memory>& memories) : memories_(memories) {}

  uint8_t& byte(uint64_t address) {
    for (const Memory& m : memories_) {
      if (address >= m.base && address < m.base + m.size) return m.data[address - m.base];
    }
    ADD_FAILURE() << "the reference touched unmapped address 0x" << std::hex << address;
    static uint8_t nowhere;
    return nowhere;
  }
  uint32_t read(uint64_t address, unsigned bytes) {
    uint32_t v = 0;
    for (unsigned i = 0; i < bytes; ++i) v |= static_cast<uint32_t>(byte(address + i)) << (8 * i);
    return v;
  }
  void write(uint64_t address, unsigned bytes, uint32_t v) {
    for (unsigned i = 0; i < bytes; ++i) byte(address + i) = static_cast<uint8_t>(v >> (8 * i));
  }
  float read_float(uint64_t address, uint8_t type) {
    return type == VTPU_TYPE_FP32 ? float_of(read(address, 4))
                                  : bf16_to_f32(static_cast<uint16_t>(read(address, 2)));
  }
  int32_t read_int(uint64_t address, uint8_t type) {
    return type == VTPU_TYPE_INT8 ? static_cast<int8_t>(read(address, 1))
                                  : static_cast<int32_t>(read(address, 4));
  }
  void write_float(uint64_t address, uint8_t type, float v) {
    if (type == VTPU_TYPE_FP32) {
      write(address, 4, bits_of(v));
    } else {
      write(address, 2, f32_to_bf16(v));
    }
  }
  void write_int(uint64_t address, uint8_t type, int32_t v) {
    write(address, vtpu_type_size(type), static_cast<uint32_t>(v));
  }

 private:
  std::vector<Memory> memories_;
};

float reference_unary(uint8_t op, float x) {
  switch (op) {
    case VTPU_VPU_RELU: return relu(x);
    case VTPU_VPU_RELU6: return relu6(x);
    case VTPU_VPU_GELU_ERF: return gelu_erf(x);
    case VTPU_VPU_GELU_TANH: return gelu_tanh(x);
    case VTPU_VPU_SIGMOID: return sigmoid(x);
    case VTPU_VPU_TANH: return tanh_f32(x);
    case VTPU_VPU_EXP: return exp_f32(x);
    case VTPU_VPU_RSQRT: return rsqrt(x);
    case VTPU_VPU_RECIP: return reciprocal(x);
    case VTPU_VPU_HARDSIGMOID: return hard_sigmoid(x);
    case VTPU_VPU_HARDSWISH: return hard_swish(x);
    case VTPU_VPU_SILU: return silu(x);
    case VTPU_VPU_MISH: return mish(x);
  }
  ADD_FAILURE() << "not unary: " << int{op};
  return 0;
}

float reference_binary(uint8_t op, float x, float y) {
  switch (op) {
    case VTPU_VPU_ADD: return x + y;
    case VTPU_VPU_SUB: return x - y;
    case VTPU_VPU_MUL: return x * y;
    case VTPU_VPU_MAX: return max_f32(x, y);
    case VTPU_VPU_MIN: return min_f32(x, y);
  }
  ADD_FAILURE() << "not binary: " << int{op};
  return 0;
}

int32_t reference_binary(uint8_t op, int32_t x, int32_t y) {
  const uint32_t ux = static_cast<uint32_t>(x), uy = static_cast<uint32_t>(y);
  switch (op) {
    case VTPU_VPU_ADD: return static_cast<int32_t>(ux + uy);
    case VTPU_VPU_SUB: return static_cast<int32_t>(ux - uy);
    case VTPU_VPU_MUL: return static_cast<int32_t>(ux * uy);
    case VTPU_VPU_MAX: return x > y ? x : y;
    case VTPU_VPU_MIN: return x < y ? x : y;
  }
  ADD_FAILURE() << "not binary: " << int{op};
  return 0;
}

// An int8 binary operation's six parameters, read at `at`.
vtpu_vpu_qparams read_qparams(Bus& bus, uint64_t at) {
  return {bus.read_float(at, VTPU_TYPE_FP32),      bus.read_int(at + 4, VTPU_TYPE_INT32),
          bus.read_float(at + 8, VTPU_TYPE_FP32),  bus.read_int(at + 12, VTPU_TYPE_INT32),
          bus.read_float(at + 16, VTPU_TYPE_FP32), bus.read_int(at + 20, VTPU_TYPE_INT32)};
}

bool is_requant(uint8_t op);  // REQUANT and its forms (below)
bool adds_residual(uint8_t op);

void reference(const vtpu_insn_vpu& in, Bus& bus) {
  const unsigned ea = vtpu_type_size(in.a_type), ed = vtpu_type_size(in.d_type);
  auto a_at = [&](uint64_t r, uint64_t c) { return in.a_addr + r * in.a_stride + c * ea; };
  auto d_at = [&](uint64_t r, uint64_t c) { return in.d_addr + r * in.d_stride + c * ed; };
  auto scale_of = [&](uint64_t c) {
    return in.scale_addr ? bus.read_float(in.scale_addr + 4 * c, VTPU_TYPE_FP32) : in.scale;
  };
  switch (in.op) {
    case VTPU_VPU_ADD:
    case VTPU_VPU_SUB:
    case VTPU_VPU_MUL:
    case VTPU_VPU_MAX:
    case VTPU_VPU_MIN:
      for (uint64_t r = 0; r < in.rows; ++r) {
        for (uint64_t c = 0; c < in.cols; ++c) {
          uint64_t b = 0;
          if (in.b_mode == VTPU_BCAST_NONE) b = in.b_addr + r * in.b_stride + c * ea;
          if (in.b_mode == VTPU_BCAST_ROW) b = in.b_addr + c * ea;
          if (in.b_mode == VTPU_BCAST_COL) b = in.b_addr + r * in.b_stride;
          const bool scalar = in.b_mode == VTPU_BCAST_SCALAR;
          if (in.a_type == VTPU_TYPE_INT8) {  // dequantize, the fp32 op, quantize
            const vtpu_vpu_qparams q = read_qparams(bus, in.scale_addr);
            const float x =
                dequantize_int8(static_cast<int8_t>(bus.read_int(a_at(r, c), in.a_type)), q.a_scale,
                                q.a_zero_point);
            const float y = scalar
                                ? in.scale
                                : dequantize_int8(static_cast<int8_t>(bus.read_int(b, in.a_type)),
                                                  q.b_scale, q.b_zero_point);
            bus.write_int(d_at(r, c), in.d_type,
                          quantize_int8(reference_binary(in.op, x, y), q.d_scale, q.d_zero_point));
          } else if (floating(in.a_type)) {
            const float x = bus.read_float(a_at(r, c), in.a_type);
            const float y = scalar ? in.scale : bus.read_float(b, in.a_type);
            bus.write_float(d_at(r, c), in.d_type, reference_binary(in.op, x, y));
          } else {
            const int32_t x = bus.read_int(a_at(r, c), in.a_type);
            const int32_t y = scalar ? in.zero_point : bus.read_int(b, in.a_type);
            bus.write_int(d_at(r, c), in.d_type, reference_binary(in.op, x, y));
          }
        }
      }
      return;
    case VTPU_VPU_REQUANT:
    case VTPU_VPU_REQUANT_RELU:
    case VTPU_VPU_REQUANT_ADD:
    case VTPU_VPU_REQUANT_RELU_ADD:
    case VTPU_VPU_QUANT:
    case VTPU_VPU_DEQUANT:
    case VTPU_VPU_CONVERT:
      for (uint64_t r = 0; r < in.rows; ++r) {
        for (uint64_t c = 0; c < in.cols; ++c) {
          if (is_requant(in.op)) {
            // A plus its bias row (wrapping, as ADD on int32), ReLU, requantized.
            int64_t acc = bus.read_int(a_at(r, c), in.a_type);
            if (in.b_mode == VTPU_BCAST_ROW)
              acc += bus.read_int(in.b_addr + 4 * c, VTPU_TYPE_INT32);
            int32_t sum = static_cast<int32_t>(static_cast<uint32_t>(acc & 0xffffffff));
            if ((in.op == VTPU_VPU_REQUANT_RELU || in.op == VTPU_VPU_REQUANT_RELU_ADD) && sum < 0)
              sum = 0;
            int32_t q = requantize_int8(sum, scale_of(c), in.zero_point);
            if (adds_residual(in.op)) {  // then int8 ADD's dequantize, add, quantize with R
              const vtpu_vpu_qparams p = read_qparams(bus, in.r_params);
              const int8_t residual = static_cast<int8_t>(
                  bus.read_int(in.r_addr + r * in.r_stride + c, VTPU_TYPE_INT8));
              q = quantize_int8(dequantize_int8(static_cast<int8_t>(q), p.a_scale, p.a_zero_point) +
                                    dequantize_int8(residual, p.b_scale, p.b_zero_point),
                                p.d_scale, p.d_zero_point);
            }
            bus.write_int(d_at(r, c), in.d_type, q);
          } else if (in.op == VTPU_VPU_QUANT) {
            const float x = bus.read_float(a_at(r, c), in.a_type);
            bus.write_int(d_at(r, c), in.d_type, quantize_int8(x, scale_of(c), in.zero_point));
          } else if (in.op == VTPU_VPU_DEQUANT) {
            const int8_t q = static_cast<int8_t>(bus.read_int(a_at(r, c), in.a_type));
            bus.write_float(d_at(r, c), in.d_type, dequantize_int8(q, scale_of(c), in.zero_point));
          } else {
            const float x = floating(in.a_type)
                                ? bus.read_float(a_at(r, c), in.a_type)
                                : static_cast<float>(bus.read_int(a_at(r, c), in.a_type));
            bus.write_float(d_at(r, c), in.d_type, x);
          }
        }
      }
      return;
    case VTPU_VPU_MAXPOOL:
    case VTPU_VPU_AVGPOOL: {
      const uint32_t kh = in.pool & 0xff, kw = (in.pool >> 8) & 0xff;
      const uint32_t sy = (in.pool >> 16) & 0xff, sx = in.pool >> 24;
      const uint64_t ho = (in.rows - kh) / sy + 1, wo = (in.cols - kw) / sx + 1;
      const uint64_t ch = in.channels;
      for (uint64_t oy = 0; oy < ho; ++oy) {
        for (uint64_t ox = 0; ox < wo; ++ox) {
          for (uint64_t c = 0; c < ch; ++c) {
            auto at = [&](uint64_t ky, uint64_t kx) {
              return in.a_addr + (oy * sy + ky) * in.a_stride + ((ox * sx + kx) * ch + c) * ea;
            };
            const uint64_t d = in.d_addr + oy * in.d_stride + (ox * ch + c) * ed;
            if (in.op == VTPU_VPU_MAXPOOL && !floating(in.a_type)) {
              int32_t m = bus.read_int(at(0, 0), in.a_type);
              for (uint32_t ky = 0; ky < kh; ++ky) {
                for (uint32_t kx = 0; kx < kw; ++kx)
                  m = std::max(m, bus.read_int(at(ky, kx), in.a_type));
              }
              bus.write_int(d, in.d_type, m);
              continue;
            }
            auto value = [&](uint64_t ky, uint64_t kx) {
              return floating(in.a_type) ? bus.read_float(at(ky, kx), in.a_type)
                                         : static_cast<float>(bus.read_int(at(ky, kx), in.a_type));
            };
            // AVGPOOL skips the taps on A's uncounted edges.
            const uint32_t top = in.uncounted & 0xff, left = (in.uncounted >> 8) & 0xff;
            const uint32_t bottom = (in.uncounted >> 16) & 0xff, right = in.uncounted >> 24;
            auto counted = [&](uint64_t ky, uint64_t kx) {
              const uint64_t y = oy * sy + ky, x = ox * sx + kx;
              return y >= top && y < in.rows - bottom && x >= left && x < in.cols - right;
            };
            float acc = 0;
            uint32_t taps = 0;
            for (uint32_t ky = 0; ky < kh; ++ky) {
              for (uint32_t kx = 0; kx < kw; ++kx) {
                if (!counted(ky, kx)) continue;
                acc = taps++ == 0                 ? value(ky, kx)
                      : in.op == VTPU_VPU_MAXPOOL ? max_f32(acc, value(ky, kx))
                                                  : acc + value(ky, kx);
              }
            }
            if (in.op == VTPU_VPU_AVGPOOL) acc = acc * (1.0f / static_cast<float>(taps));
            if (floating(in.d_type)) {
              bus.write_float(d, in.d_type, acc);
            } else {
              bus.write_int(d, in.d_type, round_to_int8(acc, 0));
            }
          }
        }
      }
      return;
    }
    case VTPU_VPU_REDUCE_SUM:
    case VTPU_VPU_REDUCE_MAX:
      for (uint64_t r = 0; r < in.rows; ++r) {
        const uint64_t d = in.d_addr + r * in.d_stride;
        const bool sum = in.op == VTPU_VPU_REDUCE_SUM;
        if (floating(in.a_type)) {
          float acc = bus.read_float(a_at(r, 0), in.a_type);
          for (uint64_t c = 1; c < in.cols; ++c) {
            const float x = bus.read_float(a_at(r, c), in.a_type);
            acc = sum ? acc + x : max_f32(acc, x);
          }
          bus.write_float(d, in.d_type, acc);
        } else {
          int32_t acc = bus.read_int(a_at(r, 0), in.a_type);
          for (uint64_t c = 1; c < in.cols; ++c) {
            const int32_t x = bus.read_int(a_at(r, c), in.a_type);
            acc = sum ? reference_binary(VTPU_VPU_ADD, acc, x) : std::max(acc, x);
          }
          bus.write_int(d, in.d_type, acc);
        }
      }
      return;
    default:
      for (uint64_t r = 0; r < in.rows; ++r) {  // the activations
        for (uint64_t c = 0; c < in.cols; ++c) {
          const float x = bus.read_float(a_at(r, c), in.a_type);
          bus.write_float(d_at(r, c), in.d_type, reference_unary(in.op, x));
        }
      }
  }
}

// ============================================================================
// A small SoC for the VPU: VMEM and AMEM
// ============================================================================

constexpr uint64_t kVmemBase = 0x20000000, kAmemBase = 0x30000000;
constexpr size_t kMemoryBytes = 64 * 1024;

struct Soc {
  std::vector<uint8_t> vmem = std::vector<uint8_t>(kMemoryBytes);
  std::vector<uint8_t> amem = std::vector<uint8_t>(kMemoryBytes);
  std::vector<Memory> memories() {
    return {{kVmemBase, vmem.size(), vmem.data()}, {kAmemBase, amem.size(), amem.data()}};
  }
  uint8_t* at(uint64_t address) {
    return address >= kAmemBase ? &amem[address - kAmemBase] : &vmem[address - kVmemBase];
  }
  void put_f32(uint64_t address, float v) { std::memcpy(at(address), &v, 4); }
  void put_i32(uint64_t address, int32_t v) { std::memcpy(at(address), &v, 4); }
  void put_bf16(uint64_t address, uint16_t v) { std::memcpy(at(address), &v, 2); }
  float f32(uint64_t address) {
    float v;
    std::memcpy(&v, at(address), 4);
    return v;
  }
  int32_t i32(uint64_t address) {
    int32_t v;
    std::memcpy(&v, at(address), 4);
    return v;
  }
  uint16_t bf16(uint64_t address) {
    uint16_t v;
    std::memcpy(&v, at(address), 2);
    return v;
  }
  int8_t i8(uint64_t address) { return static_cast<int8_t>(*at(address)); }
};

std::string describe(const vtpu_insn_vpu& in) {
  std::ostringstream s;
  s << (op_name(in.op) ? op_name(in.op) : "?") << " a_type " << int{in.a_type} << " d_type "
    << int{in.d_type} << " b_mode " << int{in.b_mode} << " rows " << in.rows << " cols " << in.cols
    << std::hex << " a 0x" << in.a_addr << "/0x" << in.a_stride << " b 0x" << in.b_addr << "/0x"
    << in.b_stride << " d 0x" << in.d_addr << "/0x" << in.d_stride << " scales 0x" << in.scale_addr
    << " pool 0x" << in.pool << std::dec << " channels " << in.channels;
  return s.str();
}

vtpu_insn_vpu make(uint8_t op, uint8_t a_type, uint8_t d_type, uint32_t rows, uint32_t cols) {
  vtpu_insn_vpu in{};
  in.h.opcode = VTPU_OP_VPU;
  in.h.wait_sem = in.h.signal_sem = VTPU_SEM_NONE;
  in.op = op;
  in.a_type = a_type;
  in.d_type = d_type;
  in.rows = rows;
  in.cols = cols;
  in.a_stride = cols * vtpu_type_size(a_type);
  in.b_stride = cols * vtpu_type_size(a_type);
  in.d_stride = cols * vtpu_type_size(d_type);
  return in;
}

uint32_t pack_pool(uint32_t kh, uint32_t kw, uint32_t sy, uint32_t sx) {
  return kh | kw << 8 | sy << 16 | sx << 24;
}

// Runs the fast path, which must first pass check().
void run(Soc& soc, const vtpu_insn_vpu& in) {
  const auto memories = soc.memories();
  const Fault f = check(in, memories);
  ASSERT_EQ(f.cause, VTPU_ERR_NONE) << describe(in) << " address " << f.address;
  execute(in, memories);
}

// ============================================================================
// The type table (docs/vpu.md, "Types"), as the test states it
// ============================================================================

struct Combo {
  uint8_t op, a_type, d_type;
};

const char* type_name(uint8_t t) {
  switch (t) {
    case VTPU_TYPE_INT8: return "int8";
    case VTPU_TYPE_INT32: return "int32";
    case VTPU_TYPE_BF16: return "bf16";
    case VTPU_TYPE_FP32: return "fp32";
  }
  return "bad";
}

const std::vector<uint8_t> kAllOps = {
    VTPU_VPU_ADD,
    VTPU_VPU_SUB,
    VTPU_VPU_MUL,
    VTPU_VPU_MAX,
    VTPU_VPU_MIN,
    VTPU_VPU_RELU,
    VTPU_VPU_RELU6,
    VTPU_VPU_GELU_ERF,
    VTPU_VPU_GELU_TANH,
    VTPU_VPU_SIGMOID,
    VTPU_VPU_TANH,
    VTPU_VPU_EXP,
    VTPU_VPU_RSQRT,
    VTPU_VPU_RECIP,
    VTPU_VPU_HARDSIGMOID,
    VTPU_VPU_HARDSWISH,
    VTPU_VPU_SILU,
    VTPU_VPU_MISH,
    VTPU_VPU_REQUANT,
    VTPU_VPU_QUANT,
    VTPU_VPU_DEQUANT,
    VTPU_VPU_CONVERT,
    VTPU_VPU_MAXPOOL,
    VTPU_VPU_AVGPOOL,
    VTPU_VPU_REDUCE_SUM,
    VTPU_VPU_REDUCE_MAX,
    VTPU_VPU_REQUANT_RELU,
    VTPU_VPU_REQUANT_ADD,
    VTPU_VPU_REQUANT_RELU_ADD,
};

std::vector<Combo> supported_combos() {
  const uint8_t F[] = {VTPU_TYPE_FP32, VTPU_TYPE_BF16};
  std::vector<Combo> v;
  auto float_to_float = [&](uint8_t op) {
    for (uint8_t a : F) {
      for (uint8_t d : F) v.push_back({op, a, d});
    }
  };
  for (uint8_t op : {VTPU_VPU_ADD, VTPU_VPU_SUB, VTPU_VPU_MUL, VTPU_VPU_MAX, VTPU_VPU_MIN}) {
    float_to_float(op);
    v.push_back({op, VTPU_TYPE_INT32, VTPU_TYPE_INT32});
    v.push_back({op, VTPU_TYPE_INT8, VTPU_TYPE_INT8});
  }
  for (uint8_t op = VTPU_VPU_UNARY_FIRST; op <= VTPU_VPU_UNARY_LAST; ++op) float_to_float(op);
  v.push_back({VTPU_VPU_REQUANT, VTPU_TYPE_INT32, VTPU_TYPE_INT8});
  v.push_back({VTPU_VPU_REQUANT_RELU, VTPU_TYPE_INT32, VTPU_TYPE_INT8});
  v.push_back({VTPU_VPU_REQUANT_ADD, VTPU_TYPE_INT32, VTPU_TYPE_INT8});
  v.push_back({VTPU_VPU_REQUANT_RELU_ADD, VTPU_TYPE_INT32, VTPU_TYPE_INT8});
  for (uint8_t t : F) v.push_back({VTPU_VPU_QUANT, t, VTPU_TYPE_INT8});
  for (uint8_t t : F) v.push_back({VTPU_VPU_DEQUANT, VTPU_TYPE_INT8, t});
  v.push_back({VTPU_VPU_CONVERT, VTPU_TYPE_FP32, VTPU_TYPE_BF16});
  v.push_back({VTPU_VPU_CONVERT, VTPU_TYPE_BF16, VTPU_TYPE_FP32});
  v.push_back({VTPU_VPU_CONVERT, VTPU_TYPE_INT32, VTPU_TYPE_FP32});
  float_to_float(VTPU_VPU_MAXPOOL);
  v.push_back({VTPU_VPU_MAXPOOL, VTPU_TYPE_INT8, VTPU_TYPE_INT8});
  v.push_back({VTPU_VPU_MAXPOOL, VTPU_TYPE_INT32, VTPU_TYPE_INT32});
  float_to_float(VTPU_VPU_AVGPOOL);
  v.push_back({VTPU_VPU_AVGPOOL, VTPU_TYPE_INT8, VTPU_TYPE_INT8});
  float_to_float(VTPU_VPU_REDUCE_SUM);
  v.push_back({VTPU_VPU_REDUCE_SUM, VTPU_TYPE_INT32, VTPU_TYPE_INT32});
  float_to_float(VTPU_VPU_REDUCE_MAX);
  v.push_back({VTPU_VPU_REDUCE_MAX, VTPU_TYPE_INT8, VTPU_TYPE_INT8});
  v.push_back({VTPU_VPU_REDUCE_MAX, VTPU_TYPE_INT32, VTPU_TYPE_INT32});
  return v;
}

bool is_pool(uint8_t op) {
  return op == VTPU_VPU_MAXPOOL || op == VTPU_VPU_AVGPOOL;
}
bool is_binary(uint8_t op) {
  return op <= VTPU_VPU_MIN;
}
bool is_reduce(uint8_t op) {
  return op == VTPU_VPU_REDUCE_SUM || op == VTPU_VPU_REDUCE_MAX;
}
bool adds_residual(uint8_t op) {
  return op == VTPU_VPU_REQUANT_ADD || op == VTPU_VPU_REQUANT_RELU_ADD;
}
bool is_requant(uint8_t op) {
  return op == VTPU_VPU_REQUANT || op == VTPU_VPU_REQUANT_RELU || adds_residual(op);
}
bool takes_scales(uint8_t op) {
  return (op >= VTPU_VPU_REQUANT && op <= VTPU_VPU_DEQUANT) || is_requant(op);
}

// ============================================================================
// Random instructions: fast path == scalar reference, byte for byte
// ============================================================================

class Random {
 public:
  explicit Random(uint32_t seed) : rng_(seed) {}
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  uint32_t between(uint32_t lo, uint32_t hi) { return lo + below(hi - lo + 1); }
  bool chance(unsigned percent) { return below(100) < percent; }
  uint32_t bits() { return static_cast<uint32_t>(rng_()); }

  // An fp32 value: mostly ordinary numbers over a range of exponents, with
  // the special cases mixed in. `nan`: NaN may appear.
  float f32(bool nan, bool inf = true) {
    const uint32_t kind = below(100);
    if (kind < 12) {
      static const float specials[] = {0.0f,
                                       -0.0f,
                                       0.5f,
                                       1.5f,
                                       2.5f,
                                       -2.5f,
                                       6.0f,
                                       float_of(1),
                                       1e-40f,
                                       -3e-39f,
                                       1e38f,
                                       -3e38f,
                                       float_of(0x3F808000u),
                                       float_of(0xBF818000u),
                                       float_of(0x7F7F8000u),
                                       100.0f};
      return specials[below(sizeof specials / sizeof specials[0])];
    }
    if (kind < 15 && inf) return chance(50) ? kInf : -kInf;
    // Quiet NaNs only: compilers may quieten a signalling NaN anywhere (LLVM
    // folds x * 1.0 to x and back), so its bits are outside the contract.
    if (kind < 17 && nan) return float_of((chance(50) ? 0x7FC00000u : 0xFFC00000u) | below(64));
    if (kind < 25) {  // raw bits, finite
      float x;
      do x = float_of(bits());
      while (!std::isfinite(x));
      return x;
    }
    if (kind < 35) return static_cast<float>(static_cast<int>(below(41)) - 20);
    const float m = 1.0f + static_cast<float>(below(1u << 23)) * 0x1p-23f;
    const float x = std::ldexp(m, static_cast<int>(below(25)) - 12);
    return chance(50) ? -x : x;
  }
  int32_t i32() {
    if (chance(50)) return static_cast<int32_t>(below(4001)) - 2000;
    return static_cast<int32_t>(bits());
  }
  float scale() {
    if (chance(3)) return 0.0f;
    if (chance(3)) return -0.25f;
    return std::ldexp(1.0f + static_cast<float>(below(1u << 23)) * 0x1p-23f,
                      -static_cast<int>(below(14)));
  }

 private:
  std::mt19937 rng_;
};

// Places operands one after another, in either memory, with gaps.
class Placer {
 public:
  explicit Placer(Random& random) : random_(random) {
    next_[0] = kVmemBase + random.below(16);
    next_[1] = kAmemBase + random.below(16);
  }
  // Where a footprint of `bytes` starts, aligned to `element` bytes, or 0 if
  // neither memory has room.
  uint64_t place(uint64_t bytes, uint64_t element) {
    const int first = random_.chance(50) ? 1 : 0;
    for (int k = 0; k < 2; ++k) {
      const int m = (first + k) % 2;
      const uint64_t base = m ? kAmemBase : kVmemBase;
      uint64_t at = next_[m] + random_.below(13);
      at += (element - at % element) % element;
      if (at + bytes <= base + kMemoryBytes) {
        next_[m] = at + bytes;
        return at;
      }
    }
    return 0;
  }

 private:
  Random& random_;
  uint64_t next_[2];
};

// A random instruction of `combo` (with `b_mode` for binary operations and
// per-column scales for the quantization operations when `scale_array`),
// placed in `soc` with its operands filled; false if it did not fit.
bool random_instruction(Random& rnd, Soc& soc, const Combo& combo, uint8_t b_mode, bool scale_array,
                        vtpu_insn_vpu& in) {
  const unsigned ea = vtpu_type_size(combo.a_type), ed = vtpu_type_size(combo.d_type);
  uint32_t rows, cols;
  if (is_pool(combo.op)) {
    rows = rnd.between(1, 9);
    cols = rnd.between(1, 12);
  } else {
    rows = rnd.chance(10) ? rnd.between(9, 24) : rnd.between(1, 8);
    cols = rnd.chance(10) ? rnd.between(100, 300) : rnd.between(1, 40);
  }
  in = make(combo.op, combo.a_type, combo.d_type, rows, cols);
  // REQUANT: a bias row or none; the others ignore it.
  in.b_mode = is_binary(combo.op)    ? b_mode
              : is_requant(combo.op) ? (rnd.chance(50) ? VTPU_BCAST_ROW : VTPU_BCAST_NONE)
                                     : static_cast<uint8_t>(rnd.below(256));
  in.zero_point = rnd.chance(90) ? static_cast<int32_t>(rnd.between(0, 255)) - 128
                                 : static_cast<int32_t>(rnd.bits());
  in.scale = is_requant(combo.op) ? rnd.scale() * 0x1p-6f : rnd.scale();
  if (is_binary(combo.op) && (floating(combo.a_type) || combo.a_type == VTPU_TYPE_INT8))
    in.scale = rnd.f32(false);
  // int8 binary operations read their quantization parameters at scale_addr.
  const bool qparams = is_binary(combo.op) && combo.a_type == VTPU_TYPE_INT8;

  uint64_t in_cols = cols, out_rows = rows, out_cols = cols;
  if (is_reduce(combo.op)) out_cols = 1;
  if (is_pool(combo.op)) {
    in.channels = rnd.chance(20) ? rnd.between(14, 20) : rnd.between(1, 6);
    const uint32_t kh = rnd.between(1, std::min(rows, 4u)), kw = rnd.between(1, std::min(cols, 4u));
    const uint32_t sy = rnd.between(1, 4), sx = rnd.between(1, 4);
    in.pool = pack_pool(kh, kw, sy, sx);
    // Half the averages skip edges: each less than the window and than the
    // image, the last window keeping a counted line.
    if (combo.op == VTPU_VPU_AVGPOOL && rnd.chance(50)) {
      auto edge_pair = [&](uint32_t size, uint32_t window, uint32_t stride) {
        const uint32_t last = (size - window) / stride * stride;  // the last window's start
        const uint32_t begin = rnd.below(std::min(window, size));
        const uint32_t end = rnd.below(std::min(window, size - std::max(begin, last)));
        return std::pair<uint32_t, uint32_t>{begin, end};
      };
      const auto [top, bottom] = edge_pair(rows, kh, sy);
      const auto [left, right] = edge_pair(cols, kw, sx);
      in.uncounted = VTPU_VPU_EDGES(top, left, bottom, right);
    }
    in_cols = uint64_t{cols} * in.channels;
    out_rows = (rows - kh) / sy + 1;
    out_cols = ((cols - kw) / sx + 1) * uint64_t{in.channels};
  }
  // Strides: the row, the row and a gap of a few elements, or 0 for A (every row the same).
  auto stride = [&](uint64_t row_bytes, unsigned element) {
    return static_cast<uint32_t>(row_bytes + (rnd.chance(30) ? 0 : rnd.below(4)) * element);
  };
  in.a_stride = (rows > 1 && rnd.chance(5)) ? 0 : stride(in_cols * ea, ea);
  in.d_stride = stride(out_cols * ed, ed);
  in.b_stride = stride(b_mode == VTPU_BCAST_COL ? ea : cols * ea, ea);

  auto footprint = [](uint64_t n, uint64_t stride, uint64_t row_bytes) {
    return (n - 1) * stride + row_bytes;
  };
  Placer placer(rnd);
  const uint64_t a_at = placer.place(footprint(rows, in.a_stride, in_cols * ea), ea);
  uint64_t b_at = 1, s_at = 1;
  const bool uses_b = (is_binary(combo.op) && b_mode != VTPU_BCAST_SCALAR) ||
                      (is_requant(combo.op) && in.b_mode == VTPU_BCAST_ROW);
  if (is_requant(combo.op)) b_mode = in.b_mode;
  if (uses_b) {
    const uint64_t b_rows = b_mode == VTPU_BCAST_ROW ? 1 : rows;
    const uint64_t b_row_bytes = b_mode == VTPU_BCAST_COL ? ea : uint64_t{cols} * ea;
    b_at = placer.place(footprint(b_rows, in.b_stride, b_row_bytes), ea);
  }
  if (scale_array) s_at = placer.place(uint64_t{cols} * 4, 4);
  if (qparams) s_at = placer.place(sizeof(vtpu_vpu_qparams), 4);
  // REQUANT_ADD's residual (int8, its rows a few bytes apart or not) and its parameters.
  uint64_t r_at = 1, p_at = 1;
  if (adds_residual(combo.op)) {
    in.r_stride = stride(cols, 1);
    r_at = placer.place(footprint(rows, in.r_stride, cols), 1);
    p_at = placer.place(sizeof(vtpu_vpu_qparams), 4);
  }
  const uint64_t d_at = placer.place(footprint(out_rows, in.d_stride, out_cols * ed), ed);
  if (!a_at || !b_at || !s_at || !r_at || !p_at || !d_at) return false;
  in.a_addr = static_cast<uint32_t>(a_at);
  in.b_addr = uses_b ? static_cast<uint32_t>(b_at) : rnd.bits();  // unused B: any address
  in.d_addr = static_cast<uint32_t>(d_at);
  in.scale_addr = scale_array || qparams ? static_cast<uint32_t>(s_at) : 0;

  // Garbage everywhere, then the operands' elements.
  for (auto* memory : {&soc.vmem, &soc.amem}) {
    for (size_t i = 0; i < memory->size(); i += 4) {
      const uint32_t word = rnd.bits();
      std::memcpy(memory->data() + i, &word, 4);
    }
  }
  // NaNs only where two different NaNs can never meet in one commutative
  // addition (which of their payloads survives is the host's choice).
  const bool nan_in_a = !(combo.op == VTPU_VPU_REDUCE_SUM || combo.op == VTPU_VPU_AVGPOOL);
  auto fill = [&](uint64_t at, uint64_t n, uint32_t row_stride, uint64_t per_row, uint8_t type,
                  bool nan) {
    for (uint64_t r = 0; r < n; ++r) {
      for (uint64_t c = 0; c < per_row; ++c) {
        const uint64_t e = at + r * row_stride + c * vtpu_type_size(type);
        switch (type) {
          case VTPU_TYPE_FP32: soc.put_f32(e, rnd.f32(nan)); break;
          case VTPU_TYPE_BF16:
            soc.put_bf16(
                e, rnd.chance(20) ? static_cast<uint16_t>(rnd.bits()) : f32_to_bf16(rnd.f32(nan)));
            if (std::isnan(bf16_to_f32(soc.bf16(e)))) {  // raw bits: quiet, or none
              soc.put_bf16(e, nan ? static_cast<uint16_t>(soc.bf16(e) | 0x0040u) : 0x4040u);
            }
            break;
          case VTPU_TYPE_INT32: soc.put_i32(e, rnd.i32()); break;
          case VTPU_TYPE_INT8: *soc.at(e) = static_cast<uint8_t>(rnd.bits()); break;
        }
      }
    }
  };
  fill(a_at, rows, in.a_stride, in_cols, combo.a_type, nan_in_a);
  if (uses_b) {
    fill(b_at, b_mode == VTPU_BCAST_ROW ? 1 : rows, in.b_stride,
         b_mode == VTPU_BCAST_COL ? 1 : cols, combo.a_type, false);
  }
  if (scale_array) {
    for (uint64_t c = 0; c < cols; ++c) {
      soc.put_f32(s_at + 4 * c, is_requant(combo.op) ? rnd.scale() * 0x1p-6f : rnd.scale());
    }
  }
  // a, b, d: scale and zero point each
  auto fill_qparams = [&](uint64_t at) {
    for (unsigned i = 0; i < 3; ++i) {
      soc.put_f32(at + 8 * i, rnd.scale());
      soc.put_i32(at + 8 * i + 4, static_cast<int32_t>(rnd.between(0, 255)) - 128);
    }
  };
  if (qparams) fill_qparams(s_at);
  if (adds_residual(combo.op)) {
    in.r_addr = static_cast<uint32_t>(r_at);
    in.r_params = static_cast<uint32_t>(p_at);
    fill(r_at, rows, in.r_stride, cols, VTPU_TYPE_INT8, false);
    fill_qparams(p_at);
  }
  return true;
}

// The first byte where two SoCs differ, as a message ("" if none).
std::string first_difference(Soc& fast, Soc& ref) {
  for (int m = 0; m < 2; ++m) {
    const auto& x = m ? fast.amem : fast.vmem;
    const auto& y = m ? ref.amem : ref.vmem;
    const auto it = std::mismatch(x.begin(), x.end(), y.begin());
    if (it.first != x.end()) {
      std::ostringstream s;
      s << "first difference at 0x" << std::hex
        << (m ? kAmemBase : kVmemBase) + static_cast<uint64_t>(it.first - x.begin()) << ": fast 0x"
        << int{*it.first} << ", reference 0x" << int{*it.second};
      return s.str();
    }
  }
  return "";
}

class EveryCombo : public ::testing::TestWithParam<Combo> {};

TEST_P(EveryCombo, FastPathMatchesTheScalarReferenceByteForByte) {
  const Combo combo = GetParam();
  Random rnd(1000u + combo.op * 16u + combo.a_type * 4u + combo.d_type);
  const std::vector<uint8_t> modes =
      is_binary(combo.op)
          ? std::vector<uint8_t>{VTPU_BCAST_NONE, VTPU_BCAST_ROW, VTPU_BCAST_COL, VTPU_BCAST_SCALAR}
          : std::vector<uint8_t>{VTPU_BCAST_NONE};
  int ran = 0;
  for (uint8_t mode : modes) {
    for (int trial = 0; trial < 60; ++trial) {
      const bool scale_array = takes_scales(combo.op) && trial % 2 == 1;
      Soc fast;
      vtpu_insn_vpu in;
      if (!random_instruction(rnd, fast, combo, mode, scale_array, in)) continue;
      Soc ref = fast;
      run(fast, in);
      Bus bus(ref.memories());
      reference(in, bus);
      const std::string diff = first_difference(fast, ref);
      ASSERT_EQ(diff, "") << describe(in);
      ++ran;
    }
  }
  EXPECT_GE(ran, static_cast<int>(modes.size()) * 55);  // most random instructions fit
}

std::string combo_name(const ::testing::TestParamInfo<Combo>& info) {
  return std::string(op_name(info.param.op)) + "_" + type_name(info.param.a_type) + "_" +
         type_name(info.param.d_type);
}

INSTANTIATE_TEST_SUITE_P(Vpu, EveryCombo, ::testing::ValuesIn(supported_combos()), combo_name);

// D exactly over A (same address and stride): every input of a row is read
// before that row is written.
TEST(Vpu, InPlaceMatchesTheReference) {
  Random rnd(7);
  for (const Combo& combo : {Combo{VTPU_VPU_RELU, VTPU_TYPE_FP32, VTPU_TYPE_FP32},
                             Combo{VTPU_VPU_GELU_TANH, VTPU_TYPE_BF16, VTPU_TYPE_BF16},
                             Combo{VTPU_VPU_ADD, VTPU_TYPE_INT32, VTPU_TYPE_INT32},
                             Combo{VTPU_VPU_MUL, VTPU_TYPE_FP32, VTPU_TYPE_FP32}}) {
    for (int trial = 0; trial < 20; ++trial) {
      Soc fast;
      vtpu_insn_vpu in;
      ASSERT_TRUE(random_instruction(rnd, fast, combo, VTPU_BCAST_ROW, false, in));
      if (in.a_stride == 0) in.a_stride = in.cols * vtpu_type_size(in.a_type);
      in.d_addr = in.a_addr;
      in.d_stride = in.a_stride;
      Soc ref = fast;
      run(fast, in);
      Bus bus(ref.memories());
      reference(in, bus);
      ASSERT_EQ(first_difference(fast, ref), "") << describe(in);
    }
  }
}

// ============================================================================
// Results worked out by hand
// ============================================================================

constexpr uint64_t kA = kVmemBase + 0x100, kB = kVmemBase + 0x800, kD = kAmemBase + 0x200,
                   kS = kVmemBase + 0x1000;

TEST(Vpu, AddBroadcastsAColumnAlongEachRow) {
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_ADD, VTPU_TYPE_FP32, VTPU_TYPE_FP32, 2, 3);
  in.a_addr = kA, in.b_addr = kB, in.d_addr = kD;
  in.b_mode = VTPU_BCAST_COL;
  in.b_stride = 8;  // one fp32 per row, 8 bytes apart
  for (int i = 0; i < 6; ++i) soc.put_f32(kA + 4 * i, static_cast<float>(i + 1));
  soc.put_f32(kB, 10.0f);
  soc.put_f32(kB + 8, 20.0f);
  run(soc, in);
  const float want[] = {11, 12, 13, 24, 25, 26};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(soc.f32(kD + 4 * i), want[i]) << i;
}

TEST(Vpu, SubtractsARowFromEveryRowIntoBf16) {
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_SUB, VTPU_TYPE_FP32, VTPU_TYPE_BF16, 2, 2);
  in.a_addr = kA, in.b_addr = kB, in.d_addr = kD;
  in.b_mode = VTPU_BCAST_ROW;
  in.b_stride = 0xdead;  // not used for a row
  soc.put_f32(kA, 1.0f), soc.put_f32(kA + 4, 5.0f), soc.put_f32(kA + 8, 2.0f);
  soc.put_f32(kA + 12, float_of(0x3F808000u) + 1.0f);  // 2.00390625: bf16 tie
  soc.put_f32(kB, 0.5f), soc.put_f32(kB + 4, 1.0f);
  run(soc, in);
  EXPECT_EQ(soc.bf16(kD), 0x3F00u);      // 0.5
  EXPECT_EQ(soc.bf16(kD + 2), 0x4080u);  // 4
  EXPECT_EQ(soc.bf16(kD + 4), 0x3FC0u);  // 1.5
  EXPECT_EQ(soc.bf16(kD + 6), 0x3F80u);  // 1.00390625 -> tie, even: 1.0
}

TEST(Vpu, Bf16AdditionRoundsOnceFromTheFp32Sum) {
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_ADD, VTPU_TYPE_BF16, VTPU_TYPE_BF16, 1, 3);
  in.a_addr = kA, in.b_addr = kB, in.d_addr = kD;
  soc.put_bf16(kA, 0x3F80u), soc.put_bf16(kB, 0x3B80u);          // 1 + 2^-8: tie -> 1
  soc.put_bf16(kA + 2, 0x3F81u), soc.put_bf16(kB + 2, 0x3B80u);  // 1+2^-7 + 2^-8: tie -> up
  soc.put_bf16(kA + 4, 0x7F7Fu), soc.put_bf16(kB + 4, 0x7F7Fu);  // overflow -> +Inf
  run(soc, in);
  EXPECT_EQ(soc.bf16(kD), 0x3F80u);
  EXPECT_EQ(soc.bf16(kD + 2), 0x3F82u);
  EXPECT_EQ(soc.bf16(kD + 4), 0x7F80u);
}

TEST(Vpu, Int32WrapsAndItsScalarIsTheZeroPoint) {
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_ADD, VTPU_TYPE_INT32, VTPU_TYPE_INT32, 1, 3);
  in.a_addr = kA, in.d_addr = kD;
  in.b_mode = VTPU_BCAST_SCALAR;
  in.zero_point = 5;
  in.scale = 1000.0f;  // not the int32 scalar
  soc.put_i32(kA, 2147483647), soc.put_i32(kA + 4, -7), soc.put_i32(kA + 8, 0);
  run(soc, in);
  EXPECT_EQ(soc.i32(kD), -2147483644);
  EXPECT_EQ(soc.i32(kD + 4), -2);
  EXPECT_EQ(soc.i32(kD + 8), 5);
  in.op = VTPU_VPU_MUL;
  in.zero_point = 65536;
  soc.put_i32(kA, 65536), soc.put_i32(kA + 4, -3), soc.put_i32(kA + 8, 32768);
  run(soc, in);
  EXPECT_EQ(soc.i32(kD), 0);  // 2^32 wraps to 0
  EXPECT_EQ(soc.i32(kD + 4), -196608);
  EXPECT_EQ(soc.i32(kD + 8), std::numeric_limits<int32_t>::min());  // 2^31 wraps
}

// A matmul's epilogue in one pass (docs/vpu.md, "REQUANT"): the bias row
// added (wrapping as int32 ADD does), REQUANT_RELU's max(., 0), then the
// requantization; worked out by hand.
TEST(Vpu, RequantAddsItsBiasRowAndReluClampsBeforeScaling) {
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_REQUANT, VTPU_TYPE_INT32, VTPU_TYPE_INT8, 2, 3);
  in.a_addr = kA, in.d_addr = kD, in.b_addr = static_cast<uint32_t>(kB);
  in.b_mode = VTPU_BCAST_ROW;
  in.b_stride = 999;  // one row: unused
  in.zero_point = 10;
  in.scale = 0.5f;
  const int32_t acc[] = {5, -40, 2147483647, -5, 30, 1};
  for (int i = 0; i < 6; ++i) soc.put_i32(kA + 4 * i, acc[i]);
  soc.put_i32(kB, 2), soc.put_i32(kB + 4, 7), soc.put_i32(kB + 8, 1);
  run(soc, in);
  // (5+2)/2 = 3.5 -> 4, +10; (-40+7)/2 = -16.5 -> -16, +10; 2^31 - 1 + 1 wraps to
  // -2^31: -2^30 + 10 saturates; (-5+2)/2 = -1.5 -> -2, +10; (30+7)/2 = 18.5 -> 18,
  // +10; (1+1)/2 = 1, +10.
  const int8_t want[] = {14, -6, -128, 8, 28, 11};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(soc.i8(kD + i), want[i]) << i;
  in.op = VTPU_VPU_REQUANT_RELU;  // negative sums become 0 first: zero point 10
  run(soc, in);
  const int8_t want_relu[] = {14, 10, 10, 10, 28, 11};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(soc.i8(kD + i), want_relu[i]) << i;
  in.b_mode = VTPU_BCAST_NONE;  // no bias: ReLU alone
  run(soc, in);
  const int8_t want_plain[] = {12, 10, 127, 10, 25, 10};  // 2.5 -> 2; 2^30 saturates
  for (int i = 0; i < 6; ++i) EXPECT_EQ(soc.i8(kD + i), want_plain[i]) << i;
  in.b_mode = VTPU_BCAST_COL;  // REQUANT takes a bias row or nothing
  EXPECT_EQ(check(in, soc.memories()).cause, VTPU_ERR_SHAPE);
  in.b_mode = VTPU_BCAST_ROW;
  in.b_addr = 0x10;  // outside every memory
  EXPECT_EQ(check(in, soc.memories()).cause, VTPU_ERR_ADDRESS);
}

// A matmul's epilogue with a residual Add in one pass (docs/vpu.md,
// "REQUANT_ADD"): every byte what REQUANT (REQUANT_RELU) into D and then the
// int8 ADD of D and R in place give, on random accumulators, biases, scales,
// residuals and parameters, with R's rows apart by more than a row.
TEST(Vpu, RequantAddIsRequantThenTheInt8Add) {
  Random rnd(77);
  for (uint8_t op : {VTPU_VPU_REQUANT_ADD, VTPU_VPU_REQUANT_RELU_ADD}) {
    for (int trial = 0; trial < 20; ++trial) {
      Soc fused;
      const uint32_t rows = rnd.between(1, 9), cols = rnd.between(1, 70);
      constexpr uint64_t kR = kVmemBase + 0x4000, kP = kVmemBase + 0x7f00;
      constexpr uint64_t kScales = kVmemBase + 0x7c00;
      vtpu_insn_vpu in = make(op, VTPU_TYPE_INT32, VTPU_TYPE_INT8, rows, cols);
      in.a_addr = static_cast<uint32_t>(kAmemBase), in.a_stride = 4 * cols;
      in.d_addr = static_cast<uint32_t>(kVmemBase), in.d_stride = cols + rnd.below(3);
      in.b_mode = trial % 2 ? VTPU_BCAST_ROW : VTPU_BCAST_NONE;
      in.b_addr = static_cast<uint32_t>(kVmemBase + 0x2000);
      in.scale_addr = static_cast<uint32_t>(kScales);
      in.zero_point = static_cast<int32_t>(rnd.between(0, 255)) - 128;
      in.r_addr = static_cast<uint32_t>(kR), in.r_stride = cols + rnd.below(5);
      in.r_params = static_cast<uint32_t>(kP);
      for (uint32_t i = 0; i < rows * cols; ++i) fused.put_i32(kAmemBase + 4 * i, rnd.i32());
      for (uint32_t c = 0; c < cols; ++c) {
        fused.put_i32(in.b_addr + 4 * c, rnd.i32());
        fused.put_f32(kScales + 4 * c, rnd.scale() * 0x1p-6f);
      }
      for (uint32_t i = 0; i < rows * in.r_stride; ++i) *fused.at(kR + i) = rnd.bits() & 0xff;
      for (unsigned i = 0; i < 3; ++i) {
        fused.put_f32(kP + 8 * i, rnd.scale());
        fused.put_i32(kP + 8 * i + 4, static_cast<int32_t>(rnd.between(0, 255)) - 128);
      }
      Soc apart = fused;
      ASSERT_TRUE(check(in, fused.memories()).ok());
      run(fused, in);
      vtpu_insn_vpu requant = in;
      requant.op = op == VTPU_VPU_REQUANT_ADD ? VTPU_VPU_REQUANT : VTPU_VPU_REQUANT_RELU;
      requant.r_addr = requant.r_stride = requant.r_params = 0;
      run(apart, requant);
      vtpu_insn_vpu add = make(VTPU_VPU_ADD, VTPU_TYPE_INT8, VTPU_TYPE_INT8, rows, cols);
      add.a_addr = add.d_addr = in.d_addr, add.a_stride = add.d_stride = in.d_stride;
      add.b_addr = in.r_addr, add.b_stride = in.r_stride, add.scale_addr = in.r_params;
      run(apart, add);
      ASSERT_EQ(first_difference(fused, apart), "") << describe(in);
    }
  }
}

TEST(Vpu, RequantUsesOneScalePerColumn) {
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_REQUANT, VTPU_TYPE_INT32, VTPU_TYPE_INT8, 2, 3);
  in.a_addr = kA, in.d_addr = kD, in.scale_addr = static_cast<uint32_t>(kS);
  in.zero_point = -3;
  in.scale = 100.0f;  // ignored: the scale array is given
  const int32_t acc[] = {5, 7, 1000, -5, -7, -1000};
  for (int i = 0; i < 6; ++i) soc.put_i32(kA + 4 * i, acc[i]);
  soc.put_f32(kS, 0.5f), soc.put_f32(kS + 4, 0.5f), soc.put_f32(kS + 8, 0.25f);
  run(soc, in);
  const int8_t want[] = {-1, 1, 127, -5, -7, -128};  // rne(2.5)=2-3, rne(3.5)=4-3, 250-3, ...
  for (int i = 0; i < 6; ++i) EXPECT_EQ(soc.i8(kD + i), want[i]) << i;
  in.scale_addr = 0;  // now `scale` for every column
  in.scale = 0.5f;
  run(soc, in);
  const int8_t want_scalar[] = {-1, 1, 127, -5, -7, -128};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(soc.i8(kD + i), want_scalar[i]) << i;
  soc.put_i32(kA + 8, 9);  // 4.5 -> 4, - 3
  run(soc, in);
  EXPECT_EQ(soc.i8(kD + 2), 1);
}

TEST(Vpu, QuantizesAndDequantizesBf16) {
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_QUANT, VTPU_TYPE_BF16, VTPU_TYPE_INT8, 1, 4);
  in.a_addr = kA, in.d_addr = kD, in.scale = 0.5f, in.zero_point = 10;
  soc.put_bf16(kA, 0x3FA0u);      // 1.25 / 0.5 = 2.5 -> 2, + 10
  soc.put_bf16(kA + 2, 0xC0B0u);  // -5.5 / 0.5 = -11, + 10
  soc.put_bf16(kA + 4, 0x4300u);  // 128 -> 266: 127
  soc.put_bf16(kA + 6, 0x7FC0u);  // NaN -> the zero point
  run(soc, in);
  EXPECT_EQ(soc.i8(kD), 12);
  EXPECT_EQ(soc.i8(kD + 1), -1);
  EXPECT_EQ(soc.i8(kD + 2), 127);
  EXPECT_EQ(soc.i8(kD + 3), 10);

  in = make(VTPU_VPU_DEQUANT, VTPU_TYPE_INT8, VTPU_TYPE_BF16, 1, 2);
  in.a_addr = kA, in.d_addr = kD, in.scale = 1.0f / 3.0f, in.zero_point = 0;
  *soc.at(kA) = 127;                             // 42.333 -> bf16 0x4229 (42.25)
  *soc.at(kA + 1) = static_cast<uint8_t>(-128);  // -42.667 -> 0xC22B (-42.75)
  run(soc, in);
  EXPECT_EQ(soc.bf16(kD), 0x4229u);
  EXPECT_EQ(soc.bf16(kD + 2), 0xC22Bu);
}

TEST(Vpu, ConvertsInt32ToFp32RoundingToNearestEven) {
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_CONVERT, VTPU_TYPE_INT32, VTPU_TYPE_FP32, 1, 4);
  in.a_addr = kA, in.d_addr = kD;
  soc.put_i32(kA, 16777217), soc.put_i32(kA + 4, 16777219), soc.put_i32(kA + 8, -3);
  soc.put_i32(kA + 12, std::numeric_limits<int32_t>::min());
  run(soc, in);
  EXPECT_EQ(soc.f32(kD), 16777216.0f);
  EXPECT_EQ(soc.f32(kD + 4), 16777220.0f);
  EXPECT_EQ(soc.f32(kD + 8), -3.0f);
  EXPECT_EQ(soc.f32(kD + 12), -2147483648.0f);
}

TEST(Vpu, MaxPoolsAnHwcImage) {
  // 4 x 4 pixels, 2 channels; 2 x 2 window, stride 2: 2 x 2 x 2 out.
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_MAXPOOL, VTPU_TYPE_FP32, VTPU_TYPE_FP32, 4, 4);
  in.channels = 2;
  in.pool = pack_pool(2, 2, 2, 2);
  in.a_addr = kA, in.d_addr = kD;
  in.a_stride = 4 * 2 * 4 + 12;  // a gap after each image row
  in.d_stride = 2 * 2 * 4;
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      soc.put_f32(kA + y * in.a_stride + (x * 2) * 4, static_cast<float>(y * 4 + x));
      soc.put_f32(kA + y * in.a_stride + (x * 2 + 1) * 4, static_cast<float>(-(y * 4 + x)));
    }
  }
  run(soc, in);
  const float want[] = {5, 0, 7, -2, 13, -8, 15, -10};  // (oy, ox, c)
  for (int i = 0; i < 8; ++i) EXPECT_EQ(soc.f32(kD + 4 * i), want[i]) << i;
}

TEST(Vpu, AveragePoolsInt8WithTiesToEven) {
  // 2 x 2 windows, stride 2, one channel: sum * 0.25, round half to even.
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_AVGPOOL, VTPU_TYPE_INT8, VTPU_TYPE_INT8, 2, 10);
  in.channels = 1;
  in.pool = pack_pool(2, 2, 2, 2);
  in.a_addr = kA, in.d_addr = kD;
  // Each window: top pair, bottom pair.
  const int8_t top[] = {1, 2, 1, 1, 1, 2, -1, -2, 127, 127};
  const int8_t bottom[] = {2, 2, 2, 2, 2, 5, -1, -2, 127, 126};
  for (int x = 0; x < 10; ++x) {
    *soc.at(kA + x) = static_cast<uint8_t>(top[x]);
    *soc.at(kA + 10 + x) = static_cast<uint8_t>(bottom[x]);
  }
  run(soc, in);
  // 7/4 = 1.75 -> 2; 6/4 = 1.5 -> 2; 10/4 = 2.5 -> 2; -6/4 = -1.5 -> -2; 507/4 = 126.75 -> 127
  const int8_t want[] = {2, 2, 2, -2, 127};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(soc.i8(kD + i), want[i]) << i;
}

TEST(Vpu, AveragePoolMultipliesByTheWindowsReciprocal) {
  // 3 x 3 window summing to 17: 17 * fp32(1/9) = 1.88888896, not 17 / 9 = 1.88888884.
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_AVGPOOL, VTPU_TYPE_FP32, VTPU_TYPE_FP32, 3, 3);
  in.channels = 1;
  in.pool = pack_pool(3, 3, 1, 1);
  in.a_addr = kA, in.d_addr = kD;
  for (int i = 0; i < 9; ++i) soc.put_f32(kA + 4 * i, i == 0 ? 1.0f : 2.0f);
  run(soc, in);
  EXPECT_EQ(soc.f32(kD), 17.0f * (1.0f / 9.0f));
  EXPECT_NE(soc.f32(kD), 17.0f / 9.0f);
}

TEST(Vpu, AveragePoolSkipsUncountedEdges) {
  // A 4 x 4 image, one channel, a 3 x 3 window at stride 1 over it padded by
  // one line all round (ONNX's count_include_pad = 0): the padding holds 100
  // and is skipped, so each output averages only its taps inside.
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_AVGPOOL, VTPU_TYPE_FP32, VTPU_TYPE_FP32, 4, 4);
  in.channels = 1;
  in.pool = pack_pool(3, 3, 1, 1);
  in.uncounted = VTPU_VPU_EDGES(1, 1, 1, 1);
  in.a_addr = kA, in.d_addr = kD, in.d_stride = 2 * 4;
  // Inside: 1 2 / 4 8 (rows 1-2, columns 1-2).
  for (int i = 0; i < 16; ++i) soc.put_f32(kA + 4 * i, 100.0f);
  soc.put_f32(kA + 4 * 5, 1.0f), soc.put_f32(kA + 4 * 6, 2.0f);
  soc.put_f32(kA + 4 * 9, 4.0f), soc.put_f32(kA + 4 * 10, 8.0f);
  run(soc, in);
  // Every window covers all four inside taps: 15 * fp32(1/4) = 3.75.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(soc.f32(kD + 4 * i), 3.75f) << i;

  // int8, 2 x 2 windows at stride 1 over 3 x 3 with the top row and the right
  // column uncounted: counts 2, 1 (top row of outputs reaches one counted row),
  // then 4, 2; sums rounded half to even.
  in = make(VTPU_VPU_AVGPOOL, VTPU_TYPE_INT8, VTPU_TYPE_INT8, 3, 3);
  in.channels = 1;
  in.pool = pack_pool(2, 2, 1, 1);
  in.uncounted = VTPU_VPU_EDGES(1, 0, 0, 1);
  in.a_addr = kA, in.d_addr = kD, in.d_stride = 2;
  const int8_t a[] = {-50, -50, -50, 1, 4, -50, 3, -2, -50};  // -50: uncounted
  for (int i = 0; i < 9; ++i) *soc.at(kA + i) = static_cast<uint8_t>(a[i]);
  run(soc, in);
  // (1 + 4) / 2 = 2.5 -> 2; 4 / 1 = 4; (1 + 4 + 3 - 2) / 4 = 1.5 -> 2; (4 - 2) / 2 = 1
  const int8_t want[] = {2, 4, 2, 1};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(soc.i8(kD + i), want[i]) << i;
}

TEST(Vpu, ReduceSumAddsColumnsInAscendingOrder) {
  // ((1e8 + 1) - 1e8) + 1 = 1 in fp32; pairwise or descending order gives 0.
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_REDUCE_SUM, VTPU_TYPE_FP32, VTPU_TYPE_FP32, 2, 4);
  in.a_addr = kA, in.d_addr = kD, in.d_stride = 4;
  const float row0[] = {1e8f, 1.0f, -1e8f, 1.0f}, row1[] = {0.25f, 0.5f, -2.0f, 8.0f};
  for (int c = 0; c < 4; ++c)
    soc.put_f32(kA + 4 * c, row0[c]), soc.put_f32(kA + 16 + 4 * c, row1[c]);
  run(soc, in);
  EXPECT_EQ(soc.f32(kD), 1.0f);
  EXPECT_EQ(soc.f32(kD + 4), 6.75f);
}

TEST(Vpu, ReduceMaxGivesOneValuePerRow) {
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_REDUCE_MAX, VTPU_TYPE_INT8, VTPU_TYPE_INT8, 3, 3);
  in.a_addr = kA, in.d_addr = kD, in.d_stride = 5;
  const int8_t a[] = {-5, -9, -6, 3, 127, -128, 0, 0, -1};
  for (int i = 0; i < 9; ++i) *soc.at(kA + i) = static_cast<uint8_t>(a[i]);
  *soc.at(kD + 1) = 0x77;  // between the outputs: untouched
  run(soc, in);
  EXPECT_EQ(soc.i8(kD), -5);
  EXPECT_EQ(soc.i8(kD + 5), 127);
  EXPECT_EQ(soc.i8(kD + 10), 0);
  EXPECT_EQ(*soc.at(kD + 1), 0x77);
}

TEST(Vpu, ActivationOnBf16ComputesInFp32AndRoundsOnce) {
  Soc soc;
  vtpu_insn_vpu in = make(VTPU_VPU_SIGMOID, VTPU_TYPE_BF16, VTPU_TYPE_BF16, 1, 3);
  in.a_addr = kA, in.d_addr = kD;
  soc.put_bf16(kA, 0x0000u);      // 0 -> 0.5
  soc.put_bf16(kA + 2, 0x3F80u);  // 1 -> 0.7310586 -> bf16 0x3F3B (0.73046875)
  soc.put_bf16(kA + 4, 0xFFC1u);  // NaN (with a payload) -> the quiet NaN
  run(soc, in);
  EXPECT_EQ(soc.bf16(kD), 0x3F00u);
  EXPECT_EQ(soc.bf16(kD + 2), 0x3F3Bu);
  EXPECT_EQ(soc.bf16(kD + 4) & 0x7FFFu, 0x7FC0u);  // exp(-x) may flip a NaN's sign
}

// ============================================================================
// check(): each fault, its cause and its address (docs/vpu.md, "Faults")
// ============================================================================

class Check : public ::testing::Test {
 protected:
  Fault run_check(const vtpu_insn_vpu& in) { return check(in, soc_.memories()); }
  // A valid FP32 ADD, 4 x 8, A and B in VMEM, D in AMEM.
  vtpu_insn_vpu add() {
    vtpu_insn_vpu in = make(VTPU_VPU_ADD, VTPU_TYPE_FP32, VTPU_TYPE_FP32, 4, 8);
    in.a_addr = kA, in.b_addr = kB, in.d_addr = kD;
    return in;
  }
  vtpu_insn_vpu pool() {
    vtpu_insn_vpu in = make(VTPU_VPU_MAXPOOL, VTPU_TYPE_INT8, VTPU_TYPE_INT8, 6, 5);
    in.channels = 3;
    in.pool = pack_pool(3, 2, 2, 1);  // out: 2 x 4 x 3
    in.a_addr = kA, in.d_addr = kD;
    in.a_stride = 5 * 3;
    in.d_stride = 4 * 3;
    return in;
  }
  Soc soc_;
};

void expect_fault(const Fault& f, uint32_t cause, uint64_t address) {
  EXPECT_EQ(f.cause, cause);
  EXPECT_EQ(f.address, address);
}

TEST_F(Check, AcceptsValidInstructions) {
  EXPECT_TRUE(run_check(add()).ok());
  EXPECT_TRUE(run_check(pool()).ok());
}

TEST_F(Check, UnknownOperationIsAnOpcodeFaultWithTheOperation) {
  for (uint32_t op : {0x05u, 0x0Fu, 0x1Du, 0x1Fu, 0x27u, 0x32u, 0x42u, 0xFFu}) {
    vtpu_insn_vpu in = add();
    in.op = static_cast<uint8_t>(op);
    expect_fault(run_check(in), VTPU_ERR_OPCODE, op);
  }
}

TEST_F(Check, AcceptsExactlyTheDocumentedTypeCombinations) {
  const std::vector<Combo> supported = supported_combos();
  auto listed = [&](uint8_t op, uint8_t a, int d) {  // d < 0: with any d_type
    return std::any_of(supported.begin(), supported.end(), [&](const Combo& c) {
      return c.op == op && c.a_type == a && (d < 0 || c.d_type == d);
    });
  };
  int accepted = 0;
  for (uint8_t op : kAllOps) {
    for (uint8_t a = 0; a <= 4; ++a) {  // 4: not a type
      for (uint8_t d = 0; d <= 4; ++d) {
        vtpu_insn_vpu in = is_pool(op) ? pool() : add();
        in.op = op;
        in.a_type = a;
        in.d_type = d;
        in.d_stride = 64;  // room for the widest element type in every layout
        if (is_pool(op)) in.a_stride = 5 * 3 * 4, in.d_stride = 4 * 3 * 4;
        if (is_binary(op) && a == VTPU_TYPE_INT8) in.scale_addr = kS;  // its parameters
        if (adds_residual(op)) in.r_addr = kB, in.r_stride = 8, in.r_params = kS;
        const Fault f = run_check(in);
        if (listed(op, a, d)) {
          EXPECT_TRUE(f.ok()) << op_name(op) << " " << int{a} << " -> " << int{d};
          ++accepted;
        } else {
          // The type to blame: A's if the operation never takes it, else D's.
          expect_fault(f, VTPU_ERR_TYPE, listed(op, a, -1) ? d : a);
        }
      }
    }
  }
  EXPECT_EQ(accepted, 115);
}

// REQUANT_ADD reads R (rows x cols int8, r_stride apart) and the ADD's 24
// bytes of parameters at r_params; either outside VMEM and AMEM is an
// address fault there, after A's, B's and the scales' and before D's.
TEST_F(Check, RequantAddNeedsItsResidualAndParametersInMemory) {
  vtpu_insn_vpu in = make(VTPU_VPU_REQUANT_ADD, VTPU_TYPE_INT32, VTPU_TYPE_INT8, 4, 8);
  in.a_addr = kA, in.d_addr = kD;
  in.r_addr = static_cast<uint32_t>(kB), in.r_stride = 8, in.r_params = static_cast<uint32_t>(kS);
  EXPECT_TRUE(run_check(in).ok());
  in.r_stride = 9;  // rows one byte apart more: still inside
  EXPECT_TRUE(run_check(in).ok());
  in.r_addr = static_cast<uint32_t>(kVmemBase + soc_.vmem.size() - 3 * 9 - 7);  // a byte short
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.r_addr);
  in.r_addr = static_cast<uint32_t>(kB);
  in.r_params = static_cast<uint32_t>(kVmemBase + soc_.vmem.size() - 20);  // 20 of 24 bytes
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.r_params);
  in.d_addr = 0;  // R's parameters come first
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.r_params);
  in.r_params = static_cast<uint32_t>(kS);
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, 0);
}

// The int8 form of a binary operation reads its six parameters at
// scale_addr: 24 bytes inside VMEM or AMEM, else an address fault there.
TEST_F(Check, Int8BinaryNeedsItsParametersInMemory) {
  vtpu_insn_vpu in = add();
  in.a_type = in.d_type = VTPU_TYPE_INT8;
  in.scale_addr = static_cast<uint32_t>(kS);
  EXPECT_TRUE(run_check(in).ok());
  in.scale_addr = 0;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, 0);
  in.scale_addr = static_cast<uint32_t>(kVmemBase + soc_.vmem.size() - 20);  // 20 of 24 bytes
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.scale_addr);
}

TEST_F(Check, ZeroDimensionsAreShapeFaults) {
  vtpu_insn_vpu in = add();
  in.rows = 0;
  expect_fault(run_check(in), VTPU_ERR_SHAPE, 0);
  in = add();
  in.cols = 0;
  expect_fault(run_check(in), VTPU_ERR_SHAPE, 0);
  in = pool();
  in.channels = 0;
  expect_fault(run_check(in), VTPU_ERR_SHAPE, 0);
  in = pool();
  in.rows = 0;
  expect_fault(run_check(in), VTPU_ERR_SHAPE, 0);
  in = add();
  in.op = VTPU_VPU_RELU;
  in.channels = 0;  // only pooling has channels
  EXPECT_TRUE(run_check(in).ok());
}

TEST_F(Check, BadBroadcastModeIsAShapeFaultOnlyForBinaryOperations) {
  vtpu_insn_vpu in = add();
  in.b_mode = 4;
  expect_fault(run_check(in), VTPU_ERR_SHAPE, 4);
  in.op = VTPU_VPU_RELU;
  EXPECT_TRUE(run_check(in).ok());
}

TEST_F(Check, PoolingWindowMustFitAndStride) {
  struct Case {
    uint32_t pool;
    bool ok;
  };
  const Case cases[] = {
      {pack_pool(0, 2, 1, 1), false},    {pack_pool(2, 0, 1, 1), false},
      {pack_pool(2, 2, 0, 1), false},    {pack_pool(2, 2, 1, 0), false},
      {pack_pool(7, 2, 1, 1), false},  // taller than the image (6 rows)
      {pack_pool(2, 6, 1, 1), false},  // wider than the image (5 columns)
      {pack_pool(6, 5, 1, 1), true},   // the whole image: one output pixel
      {pack_pool(1, 1, 255, 255), true},
  };
  for (const Case& c : cases) {
    vtpu_insn_vpu in = pool();
    in.pool = c.pool;
    in.d_stride = 1000;  // roomy; D's footprint is not the point here
    const Fault f = run_check(in);
    if (c.ok) {
      EXPECT_TRUE(f.ok()) << std::hex << c.pool << " cause " << f.cause;
    } else {
      expect_fault(f, VTPU_ERR_SHAPE, c.pool);
    }
  }
}

TEST_F(Check, UncountedEdgesLeaveEveryAverageATap) {
  vtpu_insn_vpu in = pool();  // 6 x 5 image, 3 x 2 window, strides 2, 1: out 2 x 4
  in.uncounted = VTPU_VPU_EDGES(1, 0, 0, 0);
  expect_fault(run_check(in), VTPU_ERR_SHAPE, in.uncounted);  // MAXPOOL counts every tap
  in.op = VTPU_VPU_AVGPOOL;
  EXPECT_TRUE(run_check(in).ok());
  in.uncounted = VTPU_VPU_EDGES(2, 1, 1, 1);  // each edge less than the window
  EXPECT_TRUE(run_check(in).ok());
  in.uncounted = VTPU_VPU_EDGES(3, 0, 0, 0);  // the first window is all padding
  expect_fault(run_check(in), VTPU_ERR_SHAPE, in.uncounted);
  in.uncounted = VTPU_VPU_EDGES(0, 0, 0, 2);  // the last column of windows (x = 3, 4) too
  expect_fault(run_check(in), VTPU_ERR_SHAPE, in.uncounted);
  in.uncounted = VTPU_VPU_EDGES(0, 0, 2, 0);  // the last row of windows starts at 2: kept
  EXPECT_TRUE(run_check(in).ok());
  in.uncounted = VTPU_VPU_EDGES(0, 0, 4, 0);  // rows 2-5 uncounted: the last window has none
  expect_fault(run_check(in), VTPU_ERR_SHAPE, in.uncounted);
}

TEST_F(Check, OutputRowsMustNotOverlap) {
  vtpu_insn_vpu in = add();
  in.d_stride = 8 * 4 - 4;
  expect_fault(run_check(in), VTPU_ERR_SHAPE, 28);
  in.rows = 1;  // one row: the stride is not used
  EXPECT_TRUE(run_check(in).ok());
  in = add();
  in.op = VTPU_VPU_REDUCE_SUM;  // D is rows x 1: 4 bytes per row are enough
  in.d_stride = 4;
  EXPECT_TRUE(run_check(in).ok());
  in.d_stride = 0;
  expect_fault(run_check(in), VTPU_ERR_SHAPE, 0);
  in = pool();  // D rows: 4 pixels x 3 channels
  in.d_stride = 4 * 3 - 1;
  expect_fault(run_check(in), VTPU_ERR_SHAPE, 11);
  // A and B rows may overlap: they are only read.
  in = add();
  in.a_stride = 0;
  in.b_stride = 4;
  EXPECT_TRUE(run_check(in).ok());
}

TEST_F(Check, EachOperandMustLieInsideOneMemory) {
  const uint64_t vmem_end = kVmemBase + kMemoryBytes;
  vtpu_insn_vpu in = add();
  const uint32_t a_bytes = 4 * 8 * 4;
  in.a_addr = static_cast<uint32_t>(vmem_end - a_bytes);  // exactly fits
  EXPECT_TRUE(run_check(in).ok());
  in.a_addr += 4;  // its last element past the end
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.a_addr);
  in.a_addr = static_cast<uint32_t>(kVmemBase - 4);  // starts before the memory
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.a_addr);
  in.a_addr = 0x28000000;  // between the memories
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.a_addr);

  in = add();
  in.b_addr = static_cast<uint32_t>(kAmemBase + kMemoryBytes - 4 * 8 * 4 + 4);
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.b_addr);
  in.b_mode = VTPU_BCAST_ROW;  // now only one row of B: it fits
  EXPECT_TRUE(run_check(in).ok());
  in.b_mode = VTPU_BCAST_COL;  // rows x 1 elements, b_stride apart
  in.b_stride = 4;
  in.b_addr = static_cast<uint32_t>(kAmemBase + kMemoryBytes - 16);
  EXPECT_TRUE(run_check(in).ok());
  in.b_addr += 4;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.b_addr);
  in.b_mode = VTPU_BCAST_SCALAR;  // no B in memory at all
  in.b_addr = 0;
  EXPECT_TRUE(run_check(in).ok());

  in = add();
  in.d_addr = static_cast<uint32_t>(kAmemBase + kMemoryBytes - 4 * 8 * 4 + 4);
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.d_addr);
  in.d_addr = 0x10;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.d_addr);

  // Pooling: A is rows x cols x channels, D is Ho x Wo x channels (2 x 4 x 3 here).
  in = pool();
  in.d_addr = static_cast<uint32_t>(kAmemBase + kMemoryBytes - 24);
  EXPECT_TRUE(run_check(in).ok());
  in.d_addr += 1;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.d_addr);
  in = pool();
  in.a_addr = static_cast<uint32_t>(kVmemBase + kMemoryBytes - 6 * 15);
  EXPECT_TRUE(run_check(in).ok());
  in.a_addr += 1;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.a_addr);
}

TEST_F(Check, MisalignedOperandsAreAddressFaults) {
  vtpu_insn_vpu in = add();
  in.a_addr += 2;  // fp32 at a 2-byte boundary
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.a_addr);
  in = add();
  in.a_stride = 8 * 4 + 2;  // rows after the first misaligned
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.a_addr);
  in.rows = 1;  // no second row: the stride does not matter
  EXPECT_TRUE(run_check(in).ok());
  in = add();
  in.b_addr += 1;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.b_addr);
  in.b_mode = VTPU_BCAST_ROW;  // still read
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.b_addr);
  in = add();
  in.b_mode = VTPU_BCAST_ROW;
  in.b_stride = 3;  // a row has no stride
  EXPECT_TRUE(run_check(in).ok());
  in = add();
  in.d_stride = 8 * 4 + 1;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.d_addr);
  in = add();
  in.a_type = in.d_type = VTPU_TYPE_BF16;
  in.a_addr += 2;  // bf16 needs 2-byte alignment only
  in.a_stride = in.b_stride = in.d_stride = 18;
  EXPECT_TRUE(run_check(in).ok());
  in.d_addr += 1;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.d_addr);
  in = pool();  // int8: any alignment
  in.a_addr += 3, in.d_addr += 1, in.a_stride = 17, in.d_stride = 13;
  EXPECT_TRUE(run_check(in).ok());
}

TEST_F(Check, AnOperandMayNotSpanTwoAdjacentMemories) {
  std::vector<uint8_t> low(256), high(256);
  const std::vector<Memory> memories = {{0x1000, 256, low.data()}, {0x1100, 256, high.data()}};
  vtpu_insn_vpu in = make(VTPU_VPU_RELU, VTPU_TYPE_FP32, VTPU_TYPE_FP32, 2, 16);
  in.a_addr = 0x1000 + 128;  // 128 bytes: fits the first memory exactly
  in.d_addr = 0x1100;
  EXPECT_TRUE(check(in, memories).ok());
  in.a_addr += 4;  // now crosses into the second one
  expect_fault(check(in, memories), VTPU_ERR_ADDRESS, in.a_addr);
}

TEST_F(Check, ScaleArrayMustBeAddressable) {
  vtpu_insn_vpu in = make(VTPU_VPU_REQUANT, VTPU_TYPE_INT32, VTPU_TYPE_INT8, 2, 10);
  in.a_addr = kA, in.d_addr = kD;
  in.scale_addr = static_cast<uint32_t>(kVmemBase + kMemoryBytes - 40);  // 10 fp32 fit
  EXPECT_TRUE(run_check(in).ok());
  in.scale_addr += 4;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.scale_addr);
  in.scale_addr = static_cast<uint32_t>(kS + 2);  // misaligned
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.scale_addr);
  in.op = VTPU_VPU_DEQUANT, in.a_type = VTPU_TYPE_INT8, in.d_type = VTPU_TYPE_FP32;
  in.d_stride = 40;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.scale_addr);
  in.op = VTPU_VPU_QUANT, in.a_type = VTPU_TYPE_FP32, in.d_type = VTPU_TYPE_INT8;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, in.scale_addr);
  in.scale_addr = 0;  // `scale` instead
  EXPECT_TRUE(run_check(in).ok());
  in = add();
  in.scale_addr = 0x11;  // ADD has no scale array
  EXPECT_TRUE(run_check(in).ok());
}

TEST_F(Check, HugeFieldsAreAddressFaultsNotOverflows) {
  vtpu_insn_vpu in = add();
  in.rows = 0xFFFFFFFFu;  // (rows - 1) * stride + row bytes: about 2^64
  in.a_stride = in.b_stride = in.d_stride = 0xFFFFFFFCu;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, kA);
  in = add();
  in.rows = 1;
  in.cols = 0xFFFFFFFFu;  // 16 GiB rows
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, kA);
  in = pool();
  in.rows = 3;  // one output row
  in.cols = 0xFFFFFFFFu;
  in.channels = 0xFFFFFFFFu;  // cols * channels * 1 byte: 2^64 - 2^33 + 1
  in.a_stride = 0xFFFFFFFFu;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, kA);
  in.pool = pack_pool(3, 255, 1, 1);  // 2^32 - 255 output pixels of 2^32 - 1 channels
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, kA);
  in.a_addr = static_cast<uint32_t>(kVmemBase);
  in.channels = 1;
  in.cols = 0x10000;  // the A footprint fits exactly...
  in.rows = 1;
  in.pool = pack_pool(1, 1, 1, 1);
  in.d_addr = static_cast<uint32_t>(kAmemBase);
  EXPECT_TRUE(run_check(in).ok());
  in.a_stride = 1;
  in.rows = 2;  // ...one row more does not
  in.d_stride = 0x10000;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, kVmemBase);
}

TEST_F(Check, ReportsTheFirstProblemInTheDocumentedOrder) {
  vtpu_insn_vpu in = add();
  in.op = 0x77;
  in.a_type = 9;
  in.rows = 0;
  expect_fault(run_check(in), VTPU_ERR_OPCODE, 0x77);  // opcode before type
  in.op = VTPU_VPU_ADD;
  expect_fault(run_check(in), VTPU_ERR_TYPE, 9);  // type before shape
  in.a_type = VTPU_TYPE_FP32;
  in.a_addr = in.b_addr = in.d_addr = 0x10;
  in.d_stride = 4;
  expect_fault(run_check(in), VTPU_ERR_SHAPE, 0);  // zero rows before D's stride
  in.rows = 4;
  expect_fault(run_check(in), VTPU_ERR_SHAPE, 4);  // D's stride before addresses
  in.d_stride = 32;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, 0x10);  // A first
  in.a_addr = static_cast<uint32_t>(kA);
  in.b_addr = 0x20;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, 0x20);  // then B
  in.op = VTPU_VPU_REQUANT, in.a_type = VTPU_TYPE_INT32, in.d_type = VTPU_TYPE_INT8;
  in.scale_addr = 0x30;
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, 0x30);  // then the scales (B unused)
  in.scale_addr = static_cast<uint32_t>(kS);
  expect_fault(run_check(in), VTPU_ERR_ADDRESS, 0x10);  // then D
}

TEST_F(Check, WritesNothing) {
  for (size_t i = 0; i < soc_.vmem.size(); ++i) soc_.vmem[i] = static_cast<uint8_t>(i * 7);
  const Soc before = soc_;
  vtpu_insn_vpu in = add();
  run_check(in);
  in.d_addr = 0x10;  // fails on D after A and B were checked
  EXPECT_EQ(run_check(in).cause, VTPU_ERR_ADDRESS);
  EXPECT_EQ(soc_.vmem, before.vmem);
  EXPECT_EQ(soc_.amem, before.amem);
}

// ============================================================================
// Timing: docs/vpu.md, "Timing"
// ============================================================================

TEST(VpuTiming, TableMatchesTheDocs) {
  struct Row {
    uint8_t op;
    const char* name;
    uint32_t latency, cost;
  };
  const Row rows[] = {
      {VTPU_VPU_ADD, "add", 4, 1},
      {VTPU_VPU_SUB, "sub", 4, 1},
      {VTPU_VPU_MUL, "mul", 4, 1},
      {VTPU_VPU_MAX, "max", 4, 1},
      {VTPU_VPU_MIN, "min", 4, 1},
      {VTPU_VPU_RELU, "relu", 2, 1},
      {VTPU_VPU_RELU6, "relu6", 2, 1},
      {VTPU_VPU_GELU_ERF, "gelu_erf", 16, 4},
      {VTPU_VPU_GELU_TANH, "gelu_tanh", 14, 3},
      {VTPU_VPU_SIGMOID, "sigmoid", 12, 2},
      {VTPU_VPU_TANH, "tanh", 12, 2},
      {VTPU_VPU_EXP, "exp", 10, 2},
      {VTPU_VPU_RSQRT, "rsqrt", 10, 2},
      {VTPU_VPU_RECIP, "recip", 10, 2},
      {VTPU_VPU_HARDSIGMOID, "hardsigmoid", 4, 1},
      {VTPU_VPU_HARDSWISH, "hardswish", 4, 1},
      {VTPU_VPU_SILU, "silu", 14, 3},
      {VTPU_VPU_MISH, "mish", 20, 4},
      {VTPU_VPU_REQUANT, "requant", 6, 1},
      {VTPU_VPU_QUANT, "quant", 8, 1},
      {VTPU_VPU_DEQUANT, "dequant", 4, 1},
      {VTPU_VPU_CONVERT, "convert", 2, 1},
      {VTPU_VPU_MAXPOOL, "maxpool", 4, 1},
      {VTPU_VPU_AVGPOOL, "avgpool", 6, 1},
      {VTPU_VPU_REDUCE_SUM, "reduce_sum", 4, 1},
      {VTPU_VPU_REDUCE_MAX, "reduce_max", 4, 1},
      {VTPU_VPU_REQUANT_RELU, "requant_relu", 6, 1},
      {VTPU_VPU_REQUANT_ADD, "requant_add", 18, 1},
      {VTPU_VPU_REQUANT_RELU_ADD, "requant_relu_add", 18, 1},
  };
  ASSERT_EQ(sizeof rows / sizeof rows[0], kAllOps.size());
  for (const Row& r : rows) {
    EXPECT_EQ(op_timing(r.op).pipeline_latency, r.latency) << r.name;
    EXPECT_EQ(op_timing(r.op).cycles_per_element_group, r.cost) << r.name;
    ASSERT_NE(op_name(r.op), nullptr);
    EXPECT_STREQ(op_name(r.op), r.name);
  }
  EXPECT_EQ(op_timing(0x77).pipeline_latency, 0u);
  EXPECT_EQ(op_name(0x77), nullptr);
}

// cycles = pipeline_latency + ceil(work_elements / lanes) * cycles_per_element_group.
TEST(VpuTiming, CyclesFollowTheFormula) {
  vtpu_insn_vpu in = make(VTPU_VPU_ADD, VTPU_TYPE_FP32, VTPU_TYPE_FP32, 3, 5);
  EXPECT_EQ(work_elements(in), 15u);
  EXPECT_EQ(cycles(in, 4), 4u + 4u * 1u);  // ceil(15 / 4) = 4 groups
  EXPECT_EQ(cycles(in, 15), 4u + 1u);
  EXPECT_EQ(cycles(in, 16), 4u + 1u);
  EXPECT_EQ(cycles(in, 1), 4u + 15u);
  EXPECT_EQ(cycles(in, 0), cycles(in, 1));  // 0 lanes count as 1

  in = make(VTPU_VPU_GELU_ERF, VTPU_TYPE_BF16, VTPU_TYPE_BF16, 2, 64);
  EXPECT_EQ(cycles(in, 128), 16u + 1u * 4u);
  EXPECT_EQ(cycles(in, 32), 16u + 4u * 4u);
  in.a_type = in.d_type = VTPU_TYPE_FP32;  // the element type does not change the time
  EXPECT_EQ(cycles(in, 32), 16u + 4u * 4u);

  // Pooling counts window reads: 5 x 5 x 3, 3 x 3 window, stride 2 -> 2 x 2 x 3 outputs,
  // 9 reads each.
  in = make(VTPU_VPU_MAXPOOL, VTPU_TYPE_INT8, VTPU_TYPE_INT8, 5, 5);
  in.channels = 3;
  in.pool = pack_pool(3, 3, 2, 2);
  EXPECT_EQ(output_elements(in), 12u);
  EXPECT_EQ(work_elements(in), 108u);
  EXPECT_EQ(cycles(in, 16), 4u + 7u);
  in.op = VTPU_VPU_AVGPOOL;
  EXPECT_EQ(cycles(in, 16), 6u + 7u);

  // A reduction counts the elements it reads; it writes one per row.
  in = make(VTPU_VPU_REDUCE_SUM, VTPU_TYPE_FP32, VTPU_TYPE_FP32, 4, 10);
  EXPECT_EQ(work_elements(in), 40u);
  EXPECT_EQ(output_elements(in), 4u);
  EXPECT_EQ(cycles(in, 8), 4u + 5u);

  in.op = 0x77;
  EXPECT_EQ(cycles(in, 8), 0u);
}

}  // namespace
}  // namespace vtpu::vpu
