// The fp32 functions built on the C library, compiled once so that every
// caller gets the same instructions (docs/numerics.md, "Activations").
#include "models/vpu/numerics.h"

namespace vtpu::numerics {
namespace {

constexpr float kInvSqrt2 = 0.70710678118654752440f;     // 1/sqrt(2), rounded to fp32
constexpr float kSqrt2OverPi = 0.79788456080286535588f;  // sqrt(2/pi), rounded to fp32
constexpr float kGeluCubic = 0.044715f;

}  // namespace

float gelu_erf(float x) {
  return 0.5f * x * (1.0f + std::erf(x * kInvSqrt2));
}

float gelu_tanh(float x) {
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + kGeluCubic * x * x * x)));
}

float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

float tanh_f32(float x) {
  return std::tanh(x);
}

float exp_f32(float x) {
  return std::exp(x);
}

float silu(float x) {
  return x * sigmoid(x);
}

float mish(float x) {
  const float softplus = x > 0.0f ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  return x * std::tanh(softplus);
}

float rsqrt(float x) {
  return 1.0f / std::sqrt(x);
}

float reciprocal(float x) {
  return 1.0f / x;
}

}  // namespace vtpu::numerics
