// The longer fp32 functions, compiled once so that every caller gets the
// same instructions (docs/numerics.md, "fp32").
#include "models/vpu/numerics.h"

namespace vtpu::numerics {

__attribute__((target_clones("arch=skylake-avx512", "avx2", "default"))) void requantize_int8_row(
    const int32_t* acc, const float* scales, int32_t zero_point, int32_t* out, size_t n) {
  if (zero_point < -kBranchFreeZeroPoint || zero_point > kBranchFreeZeroPoint) {
    for (size_t i = 0; i < n; ++i) out[i] = requantize_int8(acc[i], scales[i], zero_point);
    return;
  }
  for (size_t i = 0; i < n; ++i)
    out[i] = round_to_int8_branch_free(static_cast<float>(acc[i]) * scales[i], zero_point);
}

float exp_f32(float x) {
  using namespace exp_steps;
  if (std::isnan(x)) return quiet(x);
  x = x < kMin ? kMin : x > kMax ? kMax : x;
  const float n = round_half_even(x * kLog2e);
  const float r = (x - n * kLn2Hi) - n * kLn2Lo;
  const float n1 = std::floor(n * 0.5f);
  return horner(kPoly, r) * pow2(static_cast<int>(n1)) * pow2(static_cast<int>(n - n1));
}

float erf_f32(float x) {
  using namespace erf_steps;
  if (std::isnan(x)) return quiet(x);
  const float a = std::fabs(x);
  const Piece* piece = nullptr;  // the last whose range starts at or below a
  for (const Piece& p : kPieces)
    if (a >= p.lo) piece = &p;
  const float e = a >= kOneFrom ? 1.0f
                  : piece       ? horner(piece->p, a - piece->center)
                                : a + a * horner(kSmall, a * a);
  return x < 0.0f ? -e : e;
}

float tanh_f32(float x) {
  using namespace tanh_steps;
  if (std::isnan(x)) return quiet(x);
  const float a = std::fabs(x);
  const float t =
      a < kSmallBelow ? a + a * horner(kSmall, a * a) : 1.0f - 2.0f / (exp_f32(2.0f * a) + 1.0f);
  return x < 0.0f ? -t : t;
}

float softplus_f32(float x) {
  if (std::isnan(x)) return quiet(x);
  const float y = exp_f32(-std::fabs(x));
  const float s = y / (2.0f + y);
  const float two_s = 2.0f * s;
  const float log1p = two_s + two_s * horner(softplus_steps::kAtanh, s * s);
  return x > 0.0f ? x + log1p : log1p;
}

float gelu_erf(float x) {
  return 0.5f * x * (1.0f + erf_f32(x * kInvSqrt2));
}

float gelu_tanh(float x) {
  return 0.5f * x * (1.0f + tanh_f32(kSqrt2OverPi * (x + kGeluCubic * x * x * x)));
}

float sigmoid(float x) {
  return 1.0f / (1.0f + exp_f32(-x));
}

float silu(float x) {
  return x * sigmoid(x);
}

float mish(float x) {
  return x * tanh_f32(softplus_f32(x));
}

float rsqrt(float x) {
  return 1.0f / std::sqrt(x);
}

float reciprocal(float x) {
  return 1.0f / x;
}

}  // namespace vtpu::numerics
