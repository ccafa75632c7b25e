// The chip's scalar numerics (docs/numerics.md): how a value is rounded to
// bf16 or to int8, and how each activation is computed in fp32. The VPU, the
// MXU and the tests' scalar references all call these functions, so a change
// here is a change to the bit-exact contract.
//
// The cheap functions are inline so that the VPU's row loops can vectorise
// them; the longer ones (exp, erf, tanh, softplus and those built on them)
// are compiled once, in numerics.cpp. Everything assumes IEEE fp32 with the
// default rounding mode (to nearest, ties to even), no -ffast-math and no FP
// contraction (a fused multiply-add rounds once where these formulas round
// twice).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
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
inline float round_half_even_below_2_23(float x) {  // |x| < 2^23
  return std::copysign((std::fabs(x) + 0x1p23f) - 0x1p23f, x);
}
inline float round_half_even(float x) {
  if (!(std::fabs(x) < 0x1p23f)) return x;
  return round_half_even_below_2_23(x);
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

// round_to_int8(x, zero_point) without a branch, so that loops over it
// vectorise, for a zero point of magnitude at most 2^22: NaN to 0, then x
// clamped to [-128 - zero_point, 127 - zero_point] before rounding (a value
// beyond rounds to beyond and saturates there anyway), rounded half to even
// by round_half_even_below_2_23() (|x| < 2^23 here) and converted exactly.
constexpr int32_t kBranchFreeZeroPoint = 1 << 22;
inline int32_t round_to_int8_branch_free(float x, int32_t zero_point) {
  x = x == x ? x : 0.0f;
  x = std::min(std::max(x, static_cast<float>(-128 - zero_point)),
               static_cast<float>(127 - zero_point));
  return static_cast<int32_t>(round_half_even_below_2_23(x)) + zero_point;
}

// requantize_int8(acc[i], scales[i], zero_point) for i < n, into out (which
// may be acc); vectorised (branch-free) for a zero point within
// kBranchFreeZeroPoint.
void requantize_int8_row(const int32_t* acc, const float* scales, int32_t zero_point, int32_t* out,
                         size_t n);

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

// ---- exp, erf, tanh and softplus ------------------------------------------
// The chip's own (docs/numerics.md, "exp, erf, tanh and softplus"): fixed
// steps of fp32 operations, each rounded once, so they give the same bits on
// every host (a C library's expf or erff differs from another's in the last
// bit) and can be written out as ONNX operators: the QDQ export
// (sw/onnx/chip_functions.cpp) builds its Softmax, GELUs, Sigmoid, Tanh and
// Mish from these constants, so that ONNX Runtime computes what the chip
// does.

// A polynomial, its coefficients from the highest degree down, evaluated by
// Horner's rule: acc = c[0], then acc = acc * t + c[i], each step rounded.
struct Polynomial {
  int count;
  float c[14];
};

inline float horner(const Polynomial& p, float t) {
  float acc = p.c[0];
  for (int i = 1; i < p.count; ++i) acc = acc * t + p.c[i];
  return acc;
}

// 2^k for -126 <= k <= 127, from its bits.
inline float pow2(int k) {
  return float_of(static_cast<uint32_t>(127 + k) << 23);
}

// exp_f32(x): x clamped to [kMin, kMax]; n = round_half_even(x * kLog2e);
// r = (x - n * kLn2Hi) - n * kLn2Lo (kLn2Hi has 16 significant bits, so
// n * kLn2Hi is exact); p = kPoly(r), a fit of e^r on |r| <= ln2 / 2 with
// its two lowest coefficients 1; then (p * 2^n1) * 2^n2 with n1 = floor(n / 2)
// and n2 = n - n1 (each power normal, so only the last product rounds, to a
// subnormal, 0 or Inf where e^x is one). Within 1.16 ulp of e^x.
namespace exp_steps {
inline constexpr float kMin = -104.0f, kMax = 89.0f;
inline constexpr float kLog2e = 1.44269502f;      // log2(e) rounded to fp32
inline constexpr float kLn2Hi = 0.693145752f;     // ln 2 to 16 bits
inline constexpr float kLn2Lo = 1.42860677e-06f;  // ln 2 - kLn2Hi, rounded
inline constexpr Polynomial kPoly = {
    7, {0.00137488532f, 0.00836962275f, 0.0416696444f, 0.166665122f, 0.499999881f, 1.0f, 1.0f}};
inline constexpr int kPow2Min = -75, kPow2Max = 64;  // the range of n1 and n2
}  // namespace exp_steps

// erf_f32(x): with a = |x|, for a < kPieces[0].lo a + a * kSmall(a * a) (a
// fit of erf(a) / a - 1 in a^2); from each piece's `lo` on, its polynomial
// in a - center (a fit of erf on [lo, lo + 1)); from kOneFrom on 1; then
// x's sign (-0 gives +0). Within 1.19 ulp of erf.
namespace erf_steps {
inline constexpr Polynomial kSmall = {
    8,
    {-1.33913018e-05f, 0.000119951583f, -0.000854709186f, 0.00522396341f, -0.0268661696f,
     0.112837918f, -0.376126379f, 0.128379166f}};
struct Piece {
  float lo, center;
  Polynomial p;
};
inline constexpr Piece kPieces[] = {
    {0.5f,
     0.75f,
     {12,
      {0.000608867384f, 0.000166616621f, -0.00396709098f, 0.00230314163f, 0.0184351914f,
       -0.0268725529f, -0.0532427281f, 0.150686964f, 0.0267887954f, -0.482198298f, 0.642931044f,
       0.711155653f}}},
    {1.0f,
     1.5f,
     {14,
      {1.83476022e-05f, 6.60569931e-05f, -0.000254575803f, -8.89942385e-05f, 0.00170984212f,
       -0.00236333907f, -0.00474305544f, 0.0193262286f, -0.014866286f, -0.0445988625f, 0.138751999f,
       -0.178395435f, 0.118930288f, 0.966105163f}}},
    {2.0f,
     2.5f,
     {13,
      {-1.38420737e-05f, 8.68867755e-06f, 7.87107492e-05f, -0.000251368416f, 0.000260686356f,
       0.000542570488f, -0.00279849162f, 0.00611733645f, -0.00862237532f, 0.00835009012f,
       -0.00544571038f, 0.00217828434f, 0.999593019f}}},
    {3.0f,
     3.5f,
     {11,
      {-4.27651366e-06f, 1.55441012e-05f, -3.43646097e-05f, 5.81471322e-05f, -7.7730394e-05f,
       8.21208523e-05f, -6.77186326e-05f, 4.22953162e-05f, -1.88979757e-05f, 5.39942903e-06f,
       0.999999285f}}},
};
inline constexpr float kOneFrom = 4.0f;
}  // namespace erf_steps

// tanh_f32(x): with a = |x|, below kSmallBelow a + a * kSmall(a * a) (a
// fit of tanh(a) / a - 1 in a^2, its constant 0), from there on
// 1 - 2 / (exp_f32(2 a) + 1); then x's sign (-0 gives +0). Within 1.08 ulp
// of tanh.
namespace tanh_steps {
inline constexpr float kSmallBelow = 0.75f;
inline constexpr Polynomial kSmall = {
    9,
    {0.000232503633f, -0.00115196861f, 0.00343938638f, -0.00881696399f, 0.0218611807f,
     -0.0539674237f, 0.133333296f, -0.333333343f, 0.0f}};
}  // namespace tanh_steps

// softplus_f32(x) = log(1 + e^x) without overflow: y = exp_f32(-|x|) in
// (0, 1], then log1p(y) = 2 atanh(s) with s = y / (2 + y) in [0, 1/3]:
// L = 2s + 2s * kAtanh(s * s) (a fit of atanh(s) / s - 1 in s^2, its
// constant 0); x > 0 ? x + L : L. L within 1.93 ulp of log1p(y).
namespace softplus_steps {
inline constexpr Polynomial kAtanh = {
    6, {0.12112961f, 0.107242532f, 0.143074349f, 0.199994773f, 0.333333373f, 0.0f}};
}  // namespace softplus_steps

// All four give a NaN back quiet.
float exp_f32(float x);
float erf_f32(float x);
float tanh_f32(float x);
float softplus_f32(float x);

inline constexpr float kInvSqrt2 = 0.70710678118654752440f;  // 1 / sqrt(2), rounded to fp32

// 0.5f * x * (1 + erf_f32(x * kInvSqrt2)), left to right.
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

inline constexpr float kSqrt2OverPi = 0.79788456080286535588f;  // sqrt(2 / pi), rounded to fp32
inline constexpr float kGeluCubic = 0.044715f;

// 0.5f * x * (1 + tanh_f32(kSqrt2OverPi * (x + kGeluCubic * x * x * x))), left
// to right.
float gelu_tanh(float x);

// 1 / (1 + exp_f32(-x)).
float sigmoid(float x);

// x * sigmoid(x), one more rounding (SiLU, PyTorch's `silu`; ONNX exports it
// as Sigmoid and Mul).
float silu(float x);

// x * tanh_f32(softplus_f32(x)), one more rounding (Mish, ONNX's Mish of
// opset 18).
float mish(float x);

// 1 / sqrt(x): two correctly rounded steps (sqrt, then the division).
float rsqrt(float x);

float reciprocal(float x);

}  // namespace vtpu::numerics
