// The chip's scalar numerics (docs/numerics.md): how a value is rounded to
// bf16 or to int8, and how each activation is computed in fp32. The VPU, the
// MXU and the tests' scalar references all call these functions, so a change
// here is a change to the bit-exact contract.
//
// The cheap functions are inline so that the VPU's row loops can vectorise
// them; the ones built on the C library (erf, tanh, exp, sqrt) are compiled
// once, in numerics.cpp. Everything assumes IEEE fp32 with the default
// rounding mode (to nearest, ties to even), no -ffast-math and no FP
// contraction (a fused multiply-add rounds once where these formulas round
// twice).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace vtpu::numerics {

inline uint32_t bits_of(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

inline float float_of(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// ---- bf16 -------------------------------------------------------------------

// fp32 -> bf16, round to nearest, ties to even, on the bit pattern (so
// subnormals and the step up into the next exponent, or to Inf, follow the
// same rule). A NaN is tested first, because the rounding add could carry its
// payload into the exponent and make it Inf: it becomes the quiet NaN with
// its sign (sign | 0x7FC0).
inline uint16_t f32_to_bf16(float x) {
  const uint32_t u = bits_of(x);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) {
    return static_cast<uint16_t>(((u >> 16) & 0x8000u) | 0x7FC0u);
  }
  return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

// Exact: bf16 is the upper half of an fp32.
inline float bf16_to_f32(uint16_t h) {
  return float_of(static_cast<uint32_t>(h) << 16);
}

// ---- rounding to integers and int8 -----------------------------------------

// The nearest integer, ties to even. Below 2^23 in magnitude, adding 2^23
// leaves no fraction bits, so the fp32 add itself rounds (ties to even) and
// subtracting 2^23 again is exact; from 2^23 up every fp32 is an integer.
// NaN and +-Inf come back unchanged; -0.5 gives -0.
inline float round_half_even(float x) {
  const float magnitude = std::fabs(x);
  if (!(magnitude < 0x1p23f)) return x;
  return std::copysign((magnitude + 0x1p23f) - 0x1p23f, x);
}

inline int8_t saturate_int8(int64_t v) {
  return static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
}

// saturate_int8(round_half_even(x) + zero_point): the one rounding step every
// int8 result takes. A NaN counts as 0 (the result is the saturated zero
// point). x is clamped to +-2^33 before the conversion to an integer, which
// avoids undefined behaviour and cannot change the result: beyond 2^33 no
// int32 zero point brings the value back into int8.
inline int8_t round_to_int8(float x, int32_t zero_point) {
  constexpr float kLimit = 0x1p33f;
  if (std::isnan(x)) x = 0.0f;
  if (x > kLimit) x = kLimit;
  if (x < -kLimit) x = -kLimit;
  return saturate_int8(static_cast<int64_t>(round_half_even(x)) + zero_point);
}

// int32 accumulator -> int8: saturate(rne((float)acc * scale) + zero_point),
// the product rounded to fp32 first (DESIGN.md section 4; scale is the fp32
// M = s_in * s_w / s_out).
inline int8_t requantize_int8(int32_t acc, float scale, int32_t zero_point) {
  return round_to_int8(static_cast<float>(acc) * scale, zero_point);
}

// ONNX QuantizeLinear: saturate(rne(x / scale) + zero_point), the quotient in fp32.
inline int8_t quantize_int8(float x, float scale, int32_t zero_point) {
  return round_to_int8(x / scale, zero_point);
}

// ONNX DequantizeLinear: (q - zero_point) * scale; the difference is exact in
// int64, converted to fp32 (exact for any zero point in [-2^24 + 128,
// 2^24 - 128]) and multiplied once in fp32.
inline float dequantize_int8(int8_t q, float scale, int32_t zero_point) {
  return static_cast<float>(static_cast<int64_t>(q) - zero_point) * scale;
}

// ---- fp32 functions ---------------------------------------------------------

// A NaN made quiet (bit 22 set), its sign and payload kept: what an IEEE
// operation returns for a signalling NaN. Done on the bits so that no
// compiler can turn the functions below into an instruction that treats
// NaNs its own way (max_f32 was one that did).
inline float quiet(float nan) {
  return float_of(bits_of(nan) | 0x00400000u);
}

// IEEE 754-2019 maximum / minimum: a NaN operand gives that NaN, quiet (the
// first one if both are), and +0 counts as greater than -0, so the result
// does not depend on the order of the operands (except which of two NaNs).
inline float max_f32(float a, float b) {
  if (std::isnan(a)) return quiet(a);
  if (std::isnan(b)) return quiet(b);
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

inline float min_f32(float a, float b) {
  if (std::isnan(a)) return quiet(a);
  if (std::isnan(b)) return quiet(b);
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

// max(x, 0): a NaN gives that NaN, quiet; -0 gives +0.
inline float relu(float x) {
  if (std::isnan(x)) return quiet(x);
  return x > 0.0f ? x : 0.0f;
}

// min(max(x, 0), 6): a NaN gives that NaN, quiet; -0 gives +0.
inline float relu6(float x) {
  return x > 6.0f ? 6.0f : relu(x);
}

float gelu_erf(float x);

// max(0, min(1, x * (1/6) + 0.5)), the product and the sum each rounded
// (1/6 as the float nearest it): ONNX's HardSigmoid with PyTorch's alpha and
// beta. A NaN gives that NaN, quiet.
inline float hard_sigmoid(float x) {
  if (std::isnan(x)) return quiet(x);
  const float g = x * (1.0f / 6.0f) + 0.5f;
  return g < 0.0f ? 0.0f : g > 1.0f ? 1.0f : g;
}

// x * hard_sigmoid(x), rounded once more (ONNX's HardSwish).
inline float hard_swish(float x) {
  return x * hard_sigmoid(x);
}

// 0.5f * x * (1 + tanh((float)sqrt(2/pi) * (x + 0.044715f * x * x * x))), left to right.
float gelu_tanh(float x);

// 1 / (1 + exp(-x)).
float sigmoid(float x);

float tanh_f32(float x);
float exp_f32(float x);

// x * sigmoid(x), one more rounding (SiLU, PyTorch's `silu`; ONNX exports it
// as Sigmoid and Mul).
float silu(float x);

// x * tanh(softplus(x)) with softplus(x) = x > 0 ? x + log1p(exp(-x)) :
// log1p(exp(x)) (which does not overflow), each step rounded (Mish, ONNX's
// Mish of opset 18).
float mish(float x);

// 1 / sqrt(x): two correctly rounded steps (sqrt, then the division).
float rsqrt(float x);

float reciprocal(float x);

}  // namespace vtpu::numerics
