// int8 quantization: the parameters of tensors and weights, and the
// calibration that measures each tensor's range on the fp32 graph
// (docs/compiler.md, "Quantization").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sw/graph/eval.h"
#include "sw/graph/graph.h"

namespace vtpu::sw {

// int8 quantization parameters of a tensor.
struct QuantParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// The smallest and largest value a tensor took.
struct Range {
  float lo = 0, hi = 0;
};

// Per-tensor asymmetric int8 over [lo, hi] widened to hold 0.
QuantParams asymmetric_params(float lo, float hi);
// The same over a constant's finite values (NaN and +-inf then quantize as
// docs/numerics.md says: to the zero point, saturated).
QuantParams constant_params(const std::vector<float>& values);
// Symmetric (zero point 0) over the larger magnitude of the range.
QuantParams symmetric_params(Range r);

// Per-output-channel symmetric weight scales of a product: max|w| / qmax
// (int8 127, int4 7) over each group of `per` consecutive values (1 when all
// are 0), raised where the channel's bias would not fit int32 at scale
// s_in * s_w (its bias then keeps a quarter of int32's range; the weights'
// share shrinks accordingly).
std::vector<float> channel_scales(const std::vector<float>& w, int64_t channels, int64_t per,
                                  const std::vector<float>& bias, float s_in, int qmax = 127);
// The same for the columns of the k x n matrix `w` (row-major): a product's
// output channels, without transposing it first.
std::vector<float> column_scales(const std::vector<float>& w, int64_t k, int64_t n,
                                 const std::vector<float>& bias, float s_in, int qmax = 127);
// Both from each channel's largest magnitude (NaN left out).
std::vector<float> scales_of_largest(std::vector<float> largest, const std::vector<float>& bias,
                                     float s_in, int qmax);

// The k x n weights `w` (row-major) quantized per column with zero point 0:
// q[r n + c] = quantize_int8(w[r n + c], scales[c], 0) bit for bit
// (docs/numerics.md), and colsum[c] the sum of column c's q. Branch-free, so
// that it vectorises: an int8 compile quantizes every weight of the network.
void quantize_weights(const float* w, int64_t k, int64_t n, const float* scales, int8_t* q,
                      int64_t* colsum);

// The smallest and largest finite value (a masked attention score is -inf),
// {0, 0} when none is.
Range finite_range(const std::vector<float>& values);

// The calibration input used when none is given: one per graph input drawn
// from N(0, 1) with a fixed seed.
Env default_calibration(const Graph& g);

// Every float tensor's range over the calibration inputs on the fp32 graph
// (default_calibration() when there are none), the inputs spread over the
// host's cores.
std::map<std::string, Range> calibrate(const Graph& g, std::vector<Env> inputs);

}  // namespace vtpu::sw
