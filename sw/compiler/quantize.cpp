#include "sw/compiler/quantize.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <random>
#include <thread>

#include "models/vpu/numerics.h"

namespace vtpu::sw {

QuantParams asymmetric_params(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  QuantParams q;
  // A range near the float limits overflows hi - lo; its width then comes
  // from double (a scale of up to 2 x FLT_MAX / 255 is a float again).
  const float width = hi - lo;
  q.scale = !(hi > lo)             ? 1.0f
            : std::isfinite(width) ? width / 255.0f
                                   : static_cast<float>((double{hi} - double{lo}) / 255.0);
  q.zero_point =
      static_cast<int32_t>(std::clamp(std::nearbyint(-128.0f - lo / q.scale), -128.0f, 127.0f));
  return q;
}

QuantParams constant_params(const std::vector<float>& values) {
  const Range r = finite_range(values);
  return asymmetric_params(r.lo, r.hi);
}

QuantParams symmetric_params(Range r) {
  const float m = std::max(std::fabs(r.lo), std::fabs(r.hi));
  return QuantParams{m > 0 ? m / 127.0f : 1.0f, 0};
}

namespace {

// The largest magnitude of each row (by_row) or column of a rows x cols
// matrix, read in memory order either way; a NaN is passed over.
std::vector<float> largest(const std::vector<float>& w, int64_t rows, int64_t cols, bool by_row) {
  std::vector<float> s(by_row ? rows : cols, 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      float& m = s[by_row ? r : c];
      m = std::max(m, std::fabs(w[r * cols + c]));
    }
  return s;
}

}  // namespace

std::vector<float> channel_scales(const std::vector<float>& w, int64_t channels, int64_t per,
                                  const std::vector<float>& bias, float s_in, int qmax) {
  return scales_of_largest(largest(w, channels, per, true), bias, s_in, qmax);
}

std::vector<float> column_scales(const std::vector<float>& w, int64_t k, int64_t n,
                                 const std::vector<float>& bias, float s_in, int qmax) {
  return scales_of_largest(largest(w, k, n, false), bias, s_in, qmax);
}

std::vector<float> scales_of_largest(std::vector<float> largest, const std::vector<float>& bias,
                                     float s_in, int qmax) {
  constexpr double kBiasLimit = 536870912.0;  // 2^29
  std::vector<float>& s = largest;
  for (size_t c = 0; c < s.size(); ++c) {
    s[c] = s[c] > 0 ? s[c] / static_cast<float>(qmax) : 1.0f;
    const double need = std::fabs(static_cast<double>(bias[c])) / (s_in * kBiasLimit);
    if (need > s[c]) s[c] = static_cast<float>(need);
  }
  return s;
}

// Lanes of partial minima and maxima so that the loop
// vectorises (for the host's best vector extension: calibration reads every
// activation of every input); min and max do not depend on the order.
__attribute__((target_clones("arch=skylake-avx512", "avx2", "default"))) Range finite_range(
    const std::vector<float>& values) {
  constexpr size_t kLanes = 16;
  constexpr float kMax = std::numeric_limits<float>::max();
  std::array<float, kLanes> lo, hi;
  lo.fill(kMax);
  hi.fill(-kMax);
  const size_t n = values.size(), whole = n - n % kLanes;
  for (size_t i = 0; i < whole; i += kLanes)
    for (size_t l = 0; l < kLanes; ++l) {
      const float v = values[i + l];
      const bool finite = std::fabs(v) <= kMax;  // false for NaN and +-inf
      lo[l] = std::min(lo[l], finite ? v : kMax);
      hi[l] = std::max(hi[l], finite ? v : -kMax);
    }
  for (size_t i = whole; i < n; ++i)
    if (std::fabs(values[i]) <= kMax)
      lo[0] = std::min(lo[0], values[i]), hi[0] = std::max(hi[0], values[i]);
  Range r{*std::min_element(lo.begin(), lo.end()), *std::max_element(hi.begin(), hi.end())};
  if (r.lo > r.hi) r = Range{0.0f, 0.0f};
  return r;
}

__attribute__((target_clones("arch=skylake-avx512", "avx2", "default"))) void quantize_weights(
    const float* w, int64_t k, int64_t n, const float* scales, int8_t* q, int64_t* colsum) {
  std::fill(colsum, colsum + n, 0);
  // Column sums in int32 lanes over blocks of rows that cannot overflow them.
  constexpr int64_t kBlock = (int64_t{1} << 31) / 128;
  std::vector<int32_t> partial(static_cast<size_t>(n));
  for (int64_t r0 = 0; r0 < k; r0 += kBlock) {
    std::fill(partial.begin(), partial.end(), 0);
    for (int64_t r = r0; r < std::min(k, r0 + kBlock); ++r) {
      const float* row = w + r * n;
      int8_t* out = q + r * n;
      for (int64_t c = 0; c < n; ++c) {  // quantize_int8(row[c], scales[c], 0)
        const int32_t v = numerics::round_to_int8_branch_free(row[c] / scales[c], 0);
        out[c] = static_cast<int8_t>(v);
        partial[c] += v;
      }
    }
    for (int64_t c = 0; c < n; ++c) colsum[c] += partial[c];
  }
}

Env default_calibration(const Graph& g) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Env env;
  for (const std::string& in : g.inputs) {
    Tensor t;
    t.shape = g.values.at(in).shape;
    t.f.resize(t.numel());
    for (float& v : t.f) v = normal(rng);
    env[in] = t;
  }
  return env;
}

// Every tensor's range over the calibration inputs, on the float graph.
std::map<std::string, Range> calibrate(const Graph& g, std::vector<Env> inputs) {
  if (inputs.empty()) inputs.push_back(default_calibration(g));
  // Each input's ranges on its own, the inputs spread over the host's cores
  // (the fp32 graph runs are most of an int8 compile); merged in input order,
  // and a minimum and a maximum do not depend on the order anyway.
  std::vector<std::map<std::string, Range>> each(inputs.size());
  std::vector<std::exception_ptr> failed(inputs.size());
  std::atomic<size_t> next{0};
  const size_t workers =
      std::min<size_t>(inputs.size(), std::max(1u, std::thread::hardware_concurrency()));
  const bool image_threads = set_image_threads(workers == 1);
  auto work = [&] {
    // One input per core already; a single input (a batch) splits its images.
    set_image_threads(image_threads && workers == 1);
    for (size_t i; (i = next++) < inputs.size();) {
      try {
        run_graph(g, inputs[i], [&](const std::string& name, const Tensor& t) {
          if (t.is_float() && !t.f.empty()) each[i][name] = finite_range(t.f);
        });
      } catch (...) {
        failed[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work);
  work();
  set_image_threads(image_threads);
  for (std::thread& t : threads) t.join();
  std::map<std::string, Range> ranges;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (failed[i]) std::rethrow_exception(failed[i]);
    for (const auto& [name, r] : each[i]) {
      auto it = ranges.find(name);
      if (it == ranges.end())
        ranges[name] = r;
      else
        it->second = Range{std::min(it->second.lo, r.lo), std::max(it->second.hi, r.hi)};
    }
  }
  return ranges;
}

}  // namespace vtpu::sw
