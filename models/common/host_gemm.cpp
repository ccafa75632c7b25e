#include "models/common/host_gemm.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

// oneDNN's OpenMP runtime (libdnnl needs it, so it is loaded with libdnnl). Weak,
// so that nothing here depends on which OpenMP the compiler of this file has.
extern "C" int omp_get_max_threads(void) __attribute__((weak));
extern "C" void omp_set_num_threads(int) __attribute__((weak));

namespace vtpu::host {
namespace {

// The calling thread's oneDNN calls run on one OpenMP thread while this lives.
class OneThread {
 public:
  OneThread() {
    if (omp_get_max_threads && omp_set_num_threads) {
      saved_ = omp_get_max_threads();
      omp_set_num_threads(1);
    }
  }
  ~OneThread() {
    if (saved_ > 0) omp_set_num_threads(saved_);
  }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;

 private:
  int saved_ = 0;
};

template <typename T>
bool empty_product(int64_t m, int64_t n, int64_t k, bool accumulate, T* c, int64_t ldc) {
  if (m > 0 && n > 0 && k > 0) return false;
  if (k == 0 && !accumulate)
    for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, T{0});
  return true;
}

// Operands that make a saturating int8 path (pairs of u8 x s8 products summed
// in 16 bits before 32, as vector units without a dot-product instruction do)
// give a wrong sum: every product at +-2^14 and its extremes, over a K that
// spans the kernels' unrolling, with a C to accumulate onto.
bool s8gemm_exact_here() {
  constexpr int64_t m = 7, n = 35, k = 67;
  const int8_t values[] = {-128, -128, 127, -128, 127, 127, -1, 0};
  std::vector<int8_t> a(m * k), b(k * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = values[(i * 3) % 8];
  for (size_t i = 0; i < b.size(); ++i) b[i] = values[(i * 5 + i / n) % 8];
  std::vector<int32_t> c(m * n), want(m * n);
  for (size_t i = 0; i < c.size(); ++i) c[i] = want[i] = static_cast<int32_t>(i * 1000003) - 5;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) want[i * n + j] += int32_t{a[i * k + p]} * b[p * n + j];
  const int32_t zero = 0;
  if (dnnl_gemm_s8s8s32('N', 'N', 'F', m, n, k, 1.0f, a.data(), k, 0, b.data(), n, 0, 1.0f,
                        c.data(), n, &zero) != dnnl_success)
    return false;
  return c == want;
}

}  // namespace

void sgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, bool accumulate, float* c, int64_t ldc) {
  if (empty_product(m, n, k, accumulate, c, ldc)) return;
  OneThread one;
  const dnnl_status_t status =
      dnnl_sgemm('N', 'N', m, n, k, 1.0f, a, lda, b, ldb, accumulate ? 1.0f : 0.0f, c, ldc);
  if (status != dnnl_success)
    throw std::logic_error("dnnl_sgemm refused a " + std::to_string(m) + "x" + std::to_string(k) +
                           "x" + std::to_string(n) + " product (status " + std::to_string(status) +
                           ")");
}

bool s8gemm_is_native() {
  static const bool exact = s8gemm_exact_here();
  return exact;
}

bool s8gemm(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b,
            int64_t ldb, bool accumulate, int32_t* c, int64_t ldc) {
  if (!s8gemm_is_native() || lda < k || ldb < n || ldc < n) return false;
  if (empty_product(m, n, k, accumulate, c, ldc)) return true;
  const int32_t zero = 0;
  return dnnl_gemm_s8s8s32('N', 'N', 'F', m, n, k, 1.0f, a, lda, 0, b, ldb, 0,
                           accumulate ? 1.0f : 0.0f, c, ldc, &zero) == dnnl_success;
}

}  // namespace vtpu::host
