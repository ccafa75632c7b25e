// A native int8 GEMM on this host, for comparison with the MXU's functional
// speed (`vtpu gemm ... --precision int8`, host_gmacs_per_s): the best plain
// loop we wrote, compiled with -O3 -march=native (so it uses every vector
// extension of this machine; vtpu's kernel is built for a portable baseline
// and picks AVX2 / AVX-512 at run time). C = A * B, A m x k, B k x n, int8 ->
// int32. Usage: gemm_native [m k n]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char** argv) {
  const size_t m = argc > 3 ? std::atoi(argv[1]) : 1024, k = argc > 3 ? std::atoi(argv[2]) : 1024,
               n = argc > 3 ? std::atoi(argv[3]) : 1024;
  std::vector<int8_t> a(m * k), b(k * n);
  std::mt19937 rng(1);
  for (auto& v : a) v = static_cast<int8_t>(rng());
  for (auto& v : b) v = static_cast<int8_t>(rng());
  std::vector<int32_t> c(m * n);
  double best = 1e9;
  for (int rep = 0; rep < 3; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    // B packed once: pairs of rows interleaved (the multiply-add-pairs form).
    std::vector<int16_t> packed((k + 1) / 2 * 2 * n);
    for (size_t kk = 0; kk < k; kk += 2)
      for (size_t j = 0; j < n; ++j) {
        packed[kk * n + 2 * j] = b[kk * n + j];
        packed[kk * n + 2 * j + 1] = kk + 1 < k ? b[(kk + 1) * n + j] : 0;
      }
    for (size_t i0 = 0; i0 < m; i0 += 8) {
      const size_t rows = std::min<size_t>(8, m - i0);
      int32_t* __restrict out = &c[i0 * n];
      std::fill(out, out + rows * n, 0);
      for (size_t kk = 0; kk < k; kk += 2) {
        const int16_t* __restrict p = &packed[kk * n];
        for (size_t r = 0; r < rows; ++r) {
          const int32_t a0 = a[(i0 + r) * k + kk];
          const int32_t a1 = kk + 1 < k ? a[(i0 + r) * k + kk + 1] : 0;
          int32_t* __restrict o = out + r * n;
          for (size_t j = 0; j < n; ++j) o[j] += a0 * p[2 * j] + a1 * p[2 * j + 1];
        }
      }
    }
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  int64_t checksum = 0;
  for (int32_t v : c) checksum += v;
  std::printf("native int8 GEMM %zux%zux%zu: %.3f s, %.2f GMAC/s (checksum %lld)\n", m, k, n, best,
              static_cast<double>(m) * k * n / best / 1e9, static_cast<long long>(checksum));
  return 0;
}
