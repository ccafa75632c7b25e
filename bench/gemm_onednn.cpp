// oneDNN's own int8 GEMM on this host (dnnl_gemm_s8s8s32: s8 x s8 -> s32,
// row-major), the reference for the MXU's functional speed (`vtpu gemm`,
// host_gmacs_per_s; docs/mxu.md, "Functional speed"). Threads: oneDNN's
// OpenMP, so OMP_NUM_THREADS=1 gives the one-thread figure.
// Usage: gemm_onednn [m k n]; prints one JSON line.
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char** argv) {
  const long m = argc > 3 ? std::atol(argv[1]) : 1024, k = argc > 3 ? std::atol(argv[2]) : 1024,
             n = argc > 3 ? std::atol(argv[3]) : 1024;
  if (m < 1 || k < 1 || n < 1) {
    std::fprintf(stderr, "usage: gemm_onednn [m k n] (positive sizes)\n");
    return 2;
  }
  std::vector<int8_t> a(m * k), b(k * n);
  std::mt19937 rng(1);
  for (auto& v : a) v = static_cast<int8_t>(rng());
  for (auto& v : b) v = static_cast<int8_t>(rng());
  std::vector<int32_t> c(m * n);
  const int32_t zero = 0;
  // The first call generates oneDNN's kernels; the best of the next five is
  // the figure, as for `vtpu gemm`, which also excludes the one-time set-up.
  double best = 1e30;
  for (int rep = 0; rep < 6; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    if (dnnl_gemm_s8s8s32('N', 'N', 'F', m, n, k, 1.0f, a.data(), k, 0, b.data(), n, 0, 0.0f,
                          c.data(), n, &zero) != dnnl_success) {
      std::fprintf(stderr, "gemm_onednn: dnnl_gemm_s8s8s32 failed\n");
      return 1;
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (rep > 0) best = std::min(best, s);
  }
  std::printf(
      "{\"m\": %ld, \"k\": %ld, \"n\": %ld, \"gmacs_per_s\": %.3f, \"wall_time_s\": %.6f}\n", m, k,
      n, static_cast<double>(m) * k * n / best / 1e9, best);
  return 0;
}
