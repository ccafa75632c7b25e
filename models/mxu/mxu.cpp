#include "models/mxu/mxu.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "models/common/error.h"
#include "models/common/host_gemm.h"
#include "models/isa/vtpu/mxu_timing.h"
#include "models/vpu/numerics.h"

namespace vtpu::mxu {
namespace {

constexpr uint32_t kMaxDimension = 1u << 24;

// One row of 32-bit C, loaded into / stored from a host buffer (C lives in
// AMEM's bytes, which need not be aligned for the host).
template <typename T>
void load_row(T* out, const uint8_t* from, uint32_t n) {
  std::memcpy(out, from, sizeof(T) * n);
}
template <typename T>
void store_row(uint8_t* to, const T* in, uint32_t n) {
  std::memcpy(to, in, sizeof(T) * n);
}

// int8: exact, so any order gives the same sums. Two rows of B are
// interleaved so that each output takes a pair of int16 products per step
// (the multiply-add-pairs form vector units have); four rows of A share each
// pass. The portable kernel, for hosts without AVX2.
void matmul_int8_generic(const uint8_t* a, size_t a_stride, const uint8_t* b, size_t b_stride,
                         uint8_t* c, size_t c_stride, uint32_t m, uint32_t k, uint32_t n,
                         bool accumulate) {
  std::vector<int32_t> acc(4 * static_cast<size_t>(n));
  std::vector<int16_t> pair(2 * static_cast<size_t>(n));  // b[k][j], b[k+1][j] interleaved
  for (uint32_t i0 = 0; i0 < m; i0 += 4) {
    const uint32_t rows = std::min<uint32_t>(4, m - i0);
    for (uint32_t r = 0; r < rows; ++r) {
      int32_t* out = &acc[r * size_t{n}];
      if (accumulate)
        std::memcpy(out, c + (i0 + r) * c_stride, 4 * size_t{n});
      else
        std::fill(out, out + n, 0);
    }
    for (uint32_t kk = 0; kk < k; kk += 2) {
      const int8_t* b0 = reinterpret_cast<const int8_t*>(b + kk * b_stride);
      const int8_t* b1 =
          kk + 1 < k ? reinterpret_cast<const int8_t*>(b + (kk + 1) * b_stride) : nullptr;
      int16_t* __restrict p = pair.data();
      for (size_t j = 0; j < n; ++j) {
        p[2 * j] = b0[j];
        p[2 * j + 1] = b1 ? b1[j] : 0;
      }
      for (uint32_t r = 0; r < rows; ++r) {
        const uint8_t* arow = a + (i0 + r) * a_stride;
        const int16_t a0 = static_cast<int8_t>(arow[kk]);
        const int16_t a1 = kk + 1 < k ? static_cast<int8_t>(arow[kk + 1]) : 0;
        uint32_t* __restrict out = reinterpret_cast<uint32_t*>(&acc[r * size_t{n}]);
        for (size_t j = 0; j < n; ++j)  // wrapping, as the MXU's int32 sums
          out[j] += static_cast<uint32_t>(int32_t{a0} * p[2 * j] + int32_t{a1} * p[2 * j + 1]);
      }
    }
    for (uint32_t r = 0; r < rows; ++r)
      std::memcpy(c + (i0 + r) * c_stride, &acc[r * size_t{n}], 4 * size_t{n});
  }
}

#if defined(__x86_64__)
// The same sums with AVX2, blocked as a GEMM micro-kernel: B packed into
// panels of 16 columns, each pair of K rows interleaved as int16 (b[k][j],
// b[k+1][j]); A six rows at a time, each pair of its K values one int32 (two
// int16) that VPMADDWD multiplies into a panel's 16 columns, 2 products
// summed per lane, exactly (|product| <= 2^14, wrapping int32 sums as the
// MXU's). A 6 x 16 block of C stays in twelve registers over all of K.
// Panels and blocks of rows are independent: with enough work they are
// shared among the host's threads (OpenMP's, which oneDNN loads too); the
// sums are exact, so the split changes nothing in C.
constexpr uint32_t kRowsPerBlock = 6, kPanel = 16;
constexpr uint64_t kParallelMacs = uint64_t{1} << 22;  // about 0.1 ms on one thread

// pack(jp) for each of B's panels, then block(i) for each block of A's rows,
// shared among OpenMP's threads when `parallel` (every panel packed before a
// block runs).
template <typename Pack, typename Block>
void panels_then_blocks(int64_t panels, int64_t blocks, [[maybe_unused]] bool parallel,
                        const Pack& pack, const Block& block) {
#ifdef _OPENMP
#pragma omp parallel if (parallel)
#endif
  {
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int64_t jp = 0; jp < panels; ++jp) pack(jp);
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (int64_t i = 0; i < blocks; ++i) block(i);
  }
}

__attribute__((target("avx2"))) void matmul_int8_avx2(const uint8_t* a, size_t a_stride,
                                                      const uint8_t* b, size_t b_stride, uint8_t* c,
                                                      size_t c_stride, uint32_t m, uint32_t k,
                                                      uint32_t n, bool accumulate) {
  const size_t pairs = (size_t{k} + 1) / 2;
  const int64_t panels = (int64_t{n} + kPanel - 1) / kPanel;
  const int64_t blocks = (int64_t{m} + kRowsPerBlock - 1) / kRowsPerBlock;
  thread_local std::vector<int16_t> packed_b;
  packed_b.resize(static_cast<size_t>(panels) * pairs * 2 * kPanel);
  int16_t* const packed = packed_b.data();
  const auto pack = [&](int64_t jp) __attribute__((target("avx2"))) {
    const size_t j0 = static_cast<size_t>(jp) * kPanel;
    const size_t cols = std::min<size_t>(kPanel, n - j0);
    int16_t* out = packed + static_cast<size_t>(jp) * pairs * 2 * kPanel;
    for (size_t p = 0; p < pairs; ++p, out += 2 * kPanel) {
      alignas(16) int8_t r0[kPanel] = {}, r1[kPanel] = {};
      std::memcpy(r0, b + 2 * p * b_stride + j0, cols);
      if (2 * p + 1 < k) std::memcpy(r1, b + (2 * p + 1) * b_stride + j0, cols);
      const __m256i w0 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(r0)));
      const __m256i w1 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(r1)));
      // The pairs (r0[j], r1[j]) in column order: interleaved within each
      // 128-bit lane, then the lanes put back in order.
      const __m256i lo = _mm256_unpacklo_epi16(w0, w1), hi = _mm256_unpackhi_epi16(w0, w1);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_permute2x128_si256(lo, hi, 0x20));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + kPanel),
                          _mm256_permute2x128_si256(lo, hi, 0x31));
    }
  };
  const auto block_of_rows = [&](int64_t block) __attribute__((target("avx2"))) {
    thread_local std::vector<int32_t> packed_a;  // pair p of row r at p * 6 + r
    packed_a.resize(pairs * kRowsPerBlock);
    const uint32_t i0 = static_cast<uint32_t>(block) * kRowsPerBlock;
    const uint32_t rows = std::min(kRowsPerBlock, m - i0);
    for (uint32_t r = 0; r < kRowsPerBlock; ++r) {
      const int8_t* row = reinterpret_cast<const int8_t*>(a + (i0 + r) * a_stride);
      for (size_t p = 0; p < pairs; ++p) {
        const int32_t lo = r < rows ? row[2 * p] : 0;
        const int32_t hi = r < rows && 2 * p + 1 < k ? row[2 * p + 1] : 0;
        packed_a[p * kRowsPerBlock + r] = static_cast<int32_t>(
            (static_cast<uint32_t>(lo) & 0xffffu) | static_cast<uint32_t>(hi) << 16);
      }
    }
    for (int64_t jp = 0; jp < panels; ++jp) {
      const size_t j0 = static_cast<size_t>(jp) * kPanel;
      const size_t cols = std::min<size_t>(kPanel, n - j0);
      alignas(32) int32_t tile[kRowsPerBlock][kPanel] = {};
      if (accumulate)
        for (uint32_t r = 0; r < rows; ++r)
          std::memcpy(tile[r], c + (i0 + r) * c_stride + j0 * 4, 4 * cols);
      __m256i acc[kRowsPerBlock][2];
      for (uint32_t r = 0; r < kRowsPerBlock; ++r) {
        acc[r][0] = _mm256_load_si256(reinterpret_cast<const __m256i*>(&tile[r][0]));
        acc[r][1] = _mm256_load_si256(reinterpret_cast<const __m256i*>(&tile[r][8]));
      }
      const int16_t* bp = packed + static_cast<size_t>(jp) * pairs * 2 * kPanel;
      const int32_t* ap = packed_a.data();
      for (size_t p = 0; p < pairs; ++p, bp += 2 * kPanel, ap += kRowsPerBlock) {
        const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp));
        const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + kPanel));
        for (uint32_t r = 0; r < kRowsPerBlock; ++r) {
          const __m256i x = _mm256_set1_epi32(ap[r]);
          acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, b0));
          acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, b1));
        }
      }
      for (uint32_t r = 0; r < kRowsPerBlock; ++r) {
        _mm256_store_si256(reinterpret_cast<__m256i*>(&tile[r][0]), acc[r][0]);
        _mm256_store_si256(reinterpret_cast<__m256i*>(&tile[r][8]), acc[r][1]);
      }
      for (uint32_t r = 0; r < rows; ++r)
        std::memcpy(c + (i0 + r) * c_stride + j0 * 4, tile[r], 4 * cols);
    }
  };
  panels_then_blocks(panels, blocks, uint64_t{m} * k * n >= kParallelMacs, pack, block_of_rows);
}
#endif

// oneDNN's s8 GEMM where it is exact on this host (host_gemm.h), else the
// kernel above. C's address and stride are multiples of 4 (check()).
void matmul_int8(const vtpu_insn_matmul& x, const uint8_t* a, const uint8_t* b, uint8_t* c) {
  // Rows of A that overlap (shifted feeds: a stride of one pixel under a K
  // of a kernel row) are laid out apart first, which oneDNN needs; M x K
  // bytes of copy against M x K x N products.
  const uint8_t* rows = a;
  uint32_t a_stride = x.a_stride;
  thread_local std::vector<uint8_t> packed;
  if (a_stride < x.k && host::s8gemm_is_native()) {
    packed.resize(size_t{x.m} * x.k);
    for (uint32_t i = 0; i < x.m; ++i)
      std::memcpy(&packed[size_t{i} * x.k], a + size_t{i} * a_stride, x.k);
    rows = packed.data();
    a_stride = x.k;
  }
  if (reinterpret_cast<uintptr_t>(c) % alignof(int32_t) == 0 &&
      host::s8gemm(x.m, x.n, x.k, reinterpret_cast<const int8_t*>(rows), a_stride,
                   reinterpret_cast<const int8_t*>(b), x.b_stride, x.accumulate,
                   reinterpret_cast<int32_t*>(c), x.c_stride / 4))
    return;
  matmul_int8_own(a, x.a_stride, b, x.b_stride, c, x.c_stride, x.m, x.k, x.n, x.accumulate);
}

// 2:4 sparse int8: B's stored weights put back at their positions into a
// dense K x N B (zeros elsewhere), then the dense product; int8 sums are
// exact in any order. A nibble that names one position twice applies both
// weights to that activation: then the second weights go into a second
// dense B, added on.
void matmul_sparse_int8(const vtpu_insn_matmul& x, const uint8_t* a, const uint8_t* b,
                        const uint8_t* meta, uint8_t* c) {
  std::vector<uint8_t> first(size_t{x.k} * x.n), second;
  const uint32_t groups = vtpu_mxu_folds(x.k, 4);
  for (uint32_t g = 0; g < groups; ++g)
    for (uint32_t j = 0; j < x.n; ++j) {
      const unsigned nibble = meta[g * size_t{x.meta_stride} + j / 2] >> (4 * (j % 2));
      const uint32_t k0 = 4 * g + (nibble & 3), k1 = 4 * g + ((nibble >> 2) & 3);
      const uint8_t v0 = b[2 * g * size_t{x.b_stride} + j];
      const uint8_t v1 = b[(2 * g + 1) * size_t{x.b_stride} + j];
      // Positions past K multiply the array's padding activations, zeros.
      if (k0 < x.k) first[k0 * size_t{x.n} + j] = v0;
      if (k1 >= x.k) continue;
      if (k1 != k0) {
        first[k1 * size_t{x.n} + j] = v1;
      } else {
        if (second.empty()) second.resize(first.size());
        second[k1 * size_t{x.n} + j] = v1;
      }
    }
  vtpu_insn_matmul dense = x;
  dense.sparsity = VTPU_SPARSITY_DENSE;
  dense.b_stride = x.n;
  matmul_int8(dense, a, first.data(), c);
  if (second.empty()) return;
  dense.accumulate = 1;
  matmul_int8(dense, a, second.data(), c);
}

// int4 weights (w4a8): B's signed nibbles widened to an int8 B, then the
// int8 product; int32 sums are exact in any order.
void matmul_int4(const vtpu_insn_matmul& x, const uint8_t* a, const uint8_t* b, uint8_t* c) {
  std::vector<uint8_t> wide(size_t{x.k} * x.n);
  for (uint32_t kk = 0; kk < x.k; ++kk)
    for (uint32_t j = 0; j < x.n; ++j) {
      const unsigned nibble = (b[kk * size_t{x.b_stride} + j / 2] >> (4 * (j % 2))) & 0xf;
      wide[kk * size_t{x.n} + j] = static_cast<uint8_t>(nibble < 8 ? nibble : nibble - 16);
    }
  vtpu_insn_matmul dense = x;
  dense.precision = VTPU_TYPE_INT8;
  dense.b_stride = x.n;
  matmul_int8(dense, a, wide.data(), c);
}

// B's element (kk, j) of a bf16 MATMUL, widened to fp32.
float bf16_at(const uint8_t* b, uint32_t b_stride, uint32_t kk, size_t j) {
  uint16_t v;
  std::memcpy(&v, b + kk * size_t{b_stride} + 2 * j, 2);
  return numerics::bf16_to_f32(v);
}

// bf16: products are exact in fp32; sums follow the dataflow's order for every
// element (k ascending within a K-tile from +0, tiles added into C in turn).
// The portable loop, for hosts without AVX2.
void matmul_bf16_generic(const vtpu_insn_matmul& x, const uint8_t* a, const uint8_t* b, uint8_t* c,
                         uint32_t k_tile) {
  const uint32_t m = x.m, k = x.k, n = x.n;
  thread_local std::vector<float> bf;  // B as fp32, K x N
  bf.resize(static_cast<size_t>(k) * n);
  for (uint32_t kk = 0; kk < k; ++kk)
    for (uint32_t j = 0; j < n; ++j) bf[kk * size_t{n} + j] = bf16_at(b, x.b_stride, kk, j);
  std::vector<float> out(n), part(n), arow(k);
  for (uint32_t i = 0; i < m; ++i) {
    for (uint32_t kk = 0; kk < k; ++kk) {
      uint16_t v;
      std::memcpy(&v, a + i * size_t{x.a_stride} + 2 * size_t{kk}, 2);
      arow[kk] = numerics::bf16_to_f32(v);
    }
    if (x.accumulate) load_row(out.data(), c + i * size_t{x.c_stride}, n);
    for (uint32_t k0 = 0; k0 < k; k0 += k_tile) {
      std::fill(part.begin(), part.end(), 0.0f);
      const uint32_t k1 = std::min(k, k0 + k_tile);
      for (uint32_t kk = k0; kk < k1; ++kk) {
        const float av = arow[kk];
        const float* bk = &bf[kk * size_t{n}];
        for (uint32_t j = 0; j < n; ++j) part[j] += av * bk[j];
      }
      if (k0 == 0 && !x.accumulate)
        out = part;
      else
        for (uint32_t j = 0; j < n; ++j) out[j] += part[j];
    }
    store_row(c + i * size_t{x.c_stride}, out.data(), n);
  }
}

#if defined(__x86_64__)
// The same sums, each element's in the same order, with AVX2: six rows of A
// by a panel of 16 columns of B (padded with zeros) in twelve registers over
// each K-tile (a product, exact in fp32, added to the tile's running sum),
// then the tile's sums added into C's in turn. Blocks of rows shared among
// OpenMP's threads as the int8 kernel's: every element is summed by one
// thread in its own order, so the split changes nothing.
__attribute__((target("avx2"))) void matmul_bf16_avx2(const vtpu_insn_matmul& x, const uint8_t* a,
                                                      const uint8_t* b, uint8_t* c,
                                                      uint32_t k_tile) {
  const uint32_t m = x.m, k = x.k, n = x.n;
  const int64_t panels = (int64_t{n} + kPanel - 1) / kPanel;
  const int64_t blocks = (int64_t{m} + kRowsPerBlock - 1) / kRowsPerBlock;
  thread_local std::vector<float> packed_b;  // panel p, row kk: 16 floats at (p k + kk) 16
  packed_b.resize(static_cast<size_t>(panels) * k * kPanel);
  float* const packed = packed_b.data();
  const auto pack = [&](int64_t jp) {
    const size_t j0 = static_cast<size_t>(jp) * kPanel;
    const size_t cols = std::min<size_t>(kPanel, n - j0);
    float* out = packed + static_cast<size_t>(jp) * k * kPanel;
    for (uint32_t kk = 0; kk < k; ++kk, out += kPanel) {
      for (size_t j = 0; j < cols; ++j) out[j] = bf16_at(b, x.b_stride, kk, j0 + j);
      std::fill(out + cols, out + kPanel, 0.0f);
    }
  };
  const auto block_of_rows = [&](int64_t block) __attribute__((target("avx2"))) {
    thread_local std::vector<float> rows_a;  // row r's k values at r k
    rows_a.resize(size_t{kRowsPerBlock} * k);
    const uint32_t i0 = static_cast<uint32_t>(block) * kRowsPerBlock;
    const uint32_t rows = std::min(kRowsPerBlock, m - i0);
    for (uint32_t r = 0; r < kRowsPerBlock; ++r)
      for (uint32_t kk = 0; kk < k; ++kk) {
        uint16_t v = 0;
        if (r < rows) std::memcpy(&v, a + (i0 + r) * size_t{x.a_stride} + 2 * size_t{kk}, 2);
        rows_a[r * size_t{k} + kk] = numerics::bf16_to_f32(v);
      }
    for (int64_t jp = 0; jp < panels; ++jp) {
      const size_t j0 = static_cast<size_t>(jp) * kPanel;
      const size_t cols = std::min<size_t>(kPanel, n - j0);
      alignas(32) float sum[kRowsPerBlock][kPanel] = {};
      if (x.accumulate)
        for (uint32_t r = 0; r < rows; ++r)
          std::memcpy(sum[r], c + (i0 + r) * size_t{x.c_stride} + j0 * 4, 4 * cols);
      __m256 total[kRowsPerBlock][2];
      for (uint32_t r = 0; r < kRowsPerBlock; ++r) {
        total[r][0] = _mm256_load_ps(&sum[r][0]);
        total[r][1] = _mm256_load_ps(&sum[r][8]);
      }
      for (uint32_t k0 = 0; k0 < k; k0 += k_tile) {
        const uint32_t k1 = std::min(k, k0 + k_tile);
        __m256 part[kRowsPerBlock][2];
        for (uint32_t r = 0; r < kRowsPerBlock; ++r) part[r][0] = part[r][1] = _mm256_setzero_ps();
        const float* bp = packed + (static_cast<size_t>(jp) * k + k0) * kPanel;
        for (uint32_t kk = k0; kk < k1; ++kk, bp += kPanel) {
          const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
          for (uint32_t r = 0; r < kRowsPerBlock; ++r) {
            const __m256 av = _mm256_broadcast_ss(&rows_a[r * size_t{k} + kk]);
            part[r][0] = _mm256_add_ps(part[r][0], _mm256_mul_ps(av, b0));
            part[r][1] = _mm256_add_ps(part[r][1], _mm256_mul_ps(av, b1));
          }
        }
        for (uint32_t r = 0; r < kRowsPerBlock; ++r)
          for (int h = 0; h < 2; ++h)
            total[r][h] =
                k0 == 0 && !x.accumulate ? part[r][h] : _mm256_add_ps(total[r][h], part[r][h]);
      }
      for (uint32_t r = 0; r < kRowsPerBlock; ++r) {
        _mm256_store_ps(&sum[r][0], total[r][0]);
        _mm256_store_ps(&sum[r][8], total[r][1]);
      }
      for (uint32_t r = 0; r < rows; ++r)
        std::memcpy(c + (i0 + r) * size_t{x.c_stride} + j0 * 4, sum[r], 4 * cols);
    }
  };
  panels_then_blocks(panels, blocks, uint64_t{m} * k * n >= kParallelMacs, pack, block_of_rows);
}
#endif

}  // namespace

void matmul_bf16_own(const vtpu_insn_matmul& x, const uint8_t* a, const uint8_t* b, uint8_t* c,
                     uint32_t k_tile, bool portable) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2 && !portable) return matmul_bf16_avx2(x, a, b, c, k_tile);
#endif
  matmul_bf16_generic(x, a, b, c, k_tile);
}

void matmul_int8_own(const uint8_t* a, size_t a_stride, const uint8_t* b, size_t b_stride,
                     uint8_t* c, size_t c_stride, uint32_t m, uint32_t k, uint32_t n,
                     bool accumulate, bool portable) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2 && !portable)
    return matmul_int8_avx2(a, a_stride, b, b_stride, c, c_stride, m, k, n, accumulate);
#endif
  matmul_int8_generic(a, a_stride, b, b_stride, c, c_stride, m, k, n, accumulate);
}

Dataflow parse_dataflow(const std::string& text) {
  if (text == "ws") return Dataflow::kWeightStationary;
  if (text == "os") return Dataflow::kOutputStationary;
  throw Error("dataflow '" + text + "': expected ws or os");
}

TimingMode parse_timing(const std::string& text) {
  if (text == "stall-free") return TimingMode::kStallFree;
  if (text == "overlapped") return TimingMode::kOverlapped;
  throw Error("timing '" + text + "': expected stall-free or overlapped");
}

void set_mode(ArrayConfig& array, const std::string& dataflow, const std::string& timing) {
  array.both_dataflows = dataflow == "auto";
  array.dataflow = array.both_dataflows ? Dataflow::kWeightStationary : parse_dataflow(dataflow);
  array.timing = parse_timing(timing);
}

std::optional<ArrayConfig> for_instruction(const ArrayConfig& array, const vtpu_insn_matmul& insn) {
  if (insn.dataflow == VTPU_DATAFLOW_CONFIG) return array;
  if (insn.dataflow == VTPU_DATAFLOW_AUTO) {
    if (!array.both_dataflows) return array;
    // int4 weights pick as int8 of their timed shape would.
    const vtpu_mxu_shape s =
        vtpu_mxu_shape_of(insn.m, timed_rows(insn, array), insn.n, array.rows, array.cols);
    ArrayConfig a = array;
    const uint32_t element = vtpu_matmul_a_size(insn.precision);
    if (vtpu_mxu_auto_os(&s, element, array.rows, array.cols,
                         array.timing == TimingMode::kStallFree, array.vmem_port_bytes,
                         array.vmem_ports, array.port_busy_permille))
      a.dataflow = Dataflow::kOutputStationary;
    return a;
  }
  if (insn.dataflow != VTPU_DATAFLOW_WS && insn.dataflow != VTPU_DATAFLOW_OS) return std::nullopt;
  const Dataflow asked =
      insn.dataflow == VTPU_DATAFLOW_WS ? Dataflow::kWeightStationary : Dataflow::kOutputStationary;
  if (!array.both_dataflows && asked != array.dataflow) return std::nullopt;
  ArrayConfig a = array;
  a.dataflow = asked;
  return a;
}

uint64_t array_cycles(uint32_t m, uint32_t k, uint32_t n, const ArrayConfig& array) {
  const vtpu_mxu_shape s = vtpu_mxu_shape_of(m, k, n, array.rows, array.cols);
  return vtpu_mxu_cycles(&s, array.rows, array.cols, array.dataflow == Dataflow::kOutputStationary,
                         array.timing == TimingMode::kStallFree);
}

uint32_t weight_rows(const vtpu_insn_matmul& x) {
  return x.sparsity == VTPU_SPARSITY_2_4 ? vtpu_mxu_sparse_k(x.k) : x.k;
}

uint32_t timed_rows(const vtpu_insn_matmul& x, const ArrayConfig& array) {
  if (x.precision == VTPU_TYPE_INT4) return vtpu_mxu_int4_k(x.k, array.int4_macs_per_pe);
  return weight_rows(x);
}

uint64_t b_row_bytes(const vtpu_insn_matmul& x) {
  if (x.precision == VTPU_TYPE_INT4) return vtpu_mxu_folds(x.n, 2);
  return uint64_t{x.n} * vtpu_type_size(x.precision);
}

uint64_t instruction_cycles(const vtpu_insn_matmul& x, const ArrayConfig& array) {
  return array_cycles(x.m, timed_rows(x, array), x.n, array);
}

uint64_t meta_bytes(const vtpu_insn_matmul& x) {
  if (x.sparsity != VTPU_SPARSITY_2_4) return 0;
  return uint64_t{vtpu_mxu_folds(x.k, 4)} * vtpu_mxu_folds(x.n, 2);
}

std::optional<Difference> first_difference(const std::vector<uint8_t>& want,
                                           const std::vector<uint8_t>& got, uint32_t n, bool fp32) {
  auto word = [](const std::vector<uint8_t>& c, size_t i) {
    uint32_t v;
    std::memcpy(&v, &c[4 * i], 4);
    return v;
  };
  auto nan = [](uint32_t bits) { return (bits & 0x7fffffffu) > 0x7f800000u; };
  auto show = [fp32](uint32_t bits) {
    if (!fp32) return std::to_string(static_cast<int32_t>(bits));
    float f;
    std::memcpy(&f, &bits, 4);
    char text[64];
    std::snprintf(text, sizeof text, "%.9g (0x%08x)", static_cast<double>(f), bits);
    return std::string(text);
  };
  const size_t elements = std::min(want.size(), got.size()) / 4;
  for (size_t i = 0; i < elements; ++i) {
    const uint32_t w = word(want, i), g = word(got, i);
    if (w == g || (fp32 && nan(w) && nan(g))) continue;
    return Difference{static_cast<uint32_t>(i / n), static_cast<uint32_t>(i % n), show(w), show(g)};
  }
  if (want.size() != got.size())
    return Difference{static_cast<uint32_t>(elements / n), static_cast<uint32_t>(elements % n),
                      want.size() > got.size() ? show(word(want, elements)) : "nothing",
                      got.size() > want.size() ? show(word(got, elements)) : "nothing"};
  return std::nullopt;
}

Traffic traffic(const vtpu_insn_matmul& x, const ArrayConfig& array) {
  const uint32_t es = vtpu_matmul_a_size(x.precision);
  const bool os = array.dataflow == Dataflow::kOutputStationary;
  const uint64_t mn = uint64_t{x.m} * x.n;
  Traffic t;
  // A is read whole (a sparse instruction's array selects from it); B is
  // its weight rows, K or K_s, with a sparse one's positions beside them.
  // int4 weights are half a byte each. The partial sums go by the folds the
  // array does (timed_rows).
  const vtpu_mxu_shape s =
      vtpu_mxu_shape_of(x.m, timed_rows(x, array), x.n, array.rows, array.cols);
  const vtpu_mxu_shape dense = vtpu_mxu_shape_of(x.m, x.k, x.n, array.rows, array.cols);
  t.a_bytes = vtpu_mxu_a_bytes(&dense, es);
  t.b_bytes = (uint64_t{weight_rows(x)} * b_row_bytes(x) + meta_bytes(x)) * (os ? s.m_folds : 1u);
  if (!os) {
    const uint64_t k_folds = s.k_folds;
    t.c_write_bytes = mn * 4 * k_folds;  // a partial sum per row fold
    t.c_read_bytes = mn * 4 * (k_folds - 1 + (x.accumulate ? 1 : 0));
  } else {
    t.c_write_bytes = mn * 4;
    t.c_read_bytes = x.accumulate ? mn * 4 : 0;
  }
  return t;
}

Fault check(const vtpu_insn_matmul& x, const Memory& vmem, const Memory& amem) {
  if (x.precision != VTPU_TYPE_INT8 && x.precision != VTPU_TYPE_BF16 &&
      x.precision != VTPU_TYPE_INT4)
    return {VTPU_ERR_TYPE, x.precision};
  // 2:4 sparsity is int8's (ERR_ADDR: the sparsity value).
  if (x.sparsity > VTPU_SPARSITY_2_4 ||
      (x.sparsity == VTPU_SPARSITY_2_4 && x.precision != VTPU_TYPE_INT8))
    return {VTPU_ERR_TYPE, x.sparsity};
  if (x.m == 0 || x.k == 0 || x.n == 0 || x.m > kMaxDimension || x.k > kMaxDimension ||
      x.n > kMaxDimension)
    return {VTPU_ERR_SHAPE, 0};
  const uint64_t es = vtpu_matmul_a_size(x.precision);
  // Rows of C must not overlap (they are written); A and B rows may.
  if (x.c_stride < uint64_t{x.n} * 4) return {VTPU_ERR_SHAPE, x.c_stride};
  auto footprint = [](uint64_t rows, uint64_t stride, uint64_t row_bytes) {
    return (rows - 1) * stride + row_bytes;
  };
  // A row in pieces: k / pieces elements each, a_segment_stride apart; rows
  // in lines (a_row_offset()).
  const uint32_t pieces = a_segments(x);
  if (x.k % pieces != 0) return {VTPU_ERR_SHAPE, pieces};
  const uint64_t a_row = footprint(pieces, x.a_segment_stride, x.k / pieces * es);
  if (!vmem.contains(x.a_addr, a_last_row_offset(x) + a_row) || x.a_addr % es != 0)
    return {VTPU_ERR_ADDRESS, x.a_addr};
  if (es == 2 && pieces > 1 && x.a_segment_stride % 2 != 0)
    return {VTPU_ERR_ADDRESS, x.a_segment_stride};
  if (es == 2 && x.a_line_rows != 0 && x.a_line_stride % 2 != 0)
    return {VTPU_ERR_ADDRESS, x.a_line_stride};
  if (!vmem.contains(x.b_addr, footprint(weight_rows(x), x.b_stride, b_row_bytes(x))) ||
      x.b_addr % es != 0)
    return {VTPU_ERR_ADDRESS, x.b_addr};
  if (x.sparsity == VTPU_SPARSITY_2_4 &&
      !vmem.contains(x.meta_addr,
                     footprint(vtpu_mxu_folds(x.k, 4), x.meta_stride, vtpu_mxu_folds(x.n, 2))))
    return {VTPU_ERR_ADDRESS, x.meta_addr};
  if (!amem.contains(x.c_addr, footprint(x.m, x.c_stride, x.n * 4)) || x.c_addr % 4 != 0)
    return {VTPU_ERR_ADDRESS, x.c_addr};
  if (es == 2 && (x.a_stride % 2 != 0 || x.b_stride % 2 != 0)) return {VTPU_ERR_ADDRESS, 0};
  if (x.c_stride % 4 != 0) return {VTPU_ERR_ADDRESS, x.c_stride};
  return {};
}

uint32_t a_segments(const vtpu_insn_matmul& x) {
  return x.a_segments > 1 ? x.a_segments : 1;
}

uint64_t a_row_offset(const vtpu_insn_matmul& x, uint32_t q) {
  if (x.a_line_rows == 0) return uint64_t{q} * x.a_stride;
  return uint64_t{q / x.a_line_rows} * x.a_line_stride + uint64_t{q % x.a_line_rows} * x.a_stride;
}

uint64_t a_last_row_offset(const vtpu_insn_matmul& x) {
  const uint64_t last = a_row_offset(x, x.m - 1);
  // A partial last line may end before the full line ahead of it.
  if (x.a_line_rows == 0 || x.m <= x.a_line_rows) return last;
  return std::max(last, a_row_offset(x, (x.m - 1) / x.a_line_rows * x.a_line_rows - 1));
}

bool feed(const vtpu_insn_matmul& x, const Memory& vmem, Fed& fed) {
  const uint32_t pieces = a_segments(x);
  if (pieces == 1 && (x.a_line_rows == 0 || x.a_line_rows >= x.m)) return false;
  const uint64_t es = vtpu_matmul_a_size(x.precision), piece = x.k / pieces * es;
  const uint64_t a_bytes = uint64_t{x.m} * x.k * es;
  // B and its positions as check() bounds them, each copied whole.
  const uint64_t b_bytes = (uint64_t{weight_rows(x)} - 1) * x.b_stride + b_row_bytes(x);
  const uint64_t meta =
      x.sparsity == VTPU_SPARSITY_2_4
          ? (vtpu_mxu_folds(x.k, 4) - 1ull) * x.meta_stride + vtpu_mxu_folds(x.n, 2)
          : 0;
  const uint64_t b_at = (a_bytes + 63) / 64 * 64, meta_at = (b_at + b_bytes + 63) / 64 * 64;
  fed.bytes.resize(meta_at + meta);
  const uint8_t* from = vmem.data + (x.a_addr - vmem.base);
  uint8_t* to = fed.bytes.data();
  for (uint32_t i = 0; i < x.m; ++i)
    for (uint32_t p = 0; p < pieces; ++p, to += piece)
      std::memcpy(to, from + a_row_offset(x, i) + uint64_t{p} * x.a_segment_stride, piece);
  std::memcpy(fed.bytes.data() + b_at, vmem.data + (x.b_addr - vmem.base), b_bytes);
  if (meta != 0)
    std::memcpy(fed.bytes.data() + meta_at, vmem.data + (x.meta_addr - vmem.base), meta);
  fed.vmem = Memory{vmem.base, fed.bytes.size(), fed.bytes.data()};
  fed.insn = x;
  fed.insn.a_segments = fed.insn.a_line_rows = 0;
  fed.insn.a_segment_stride = fed.insn.a_line_stride = 0;
  fed.insn.a_addr = static_cast<uint32_t>(vmem.base);
  fed.insn.a_stride = static_cast<uint32_t>(uint64_t{x.k} * es);
  fed.insn.b_addr = static_cast<uint32_t>(vmem.base + b_at);
  if (meta != 0) fed.insn.meta_addr = static_cast<uint32_t>(vmem.base + meta_at);
  return true;
}

uint64_t execute(const vtpu_insn_matmul& x, const Memory& vmem, const Memory& amem,
                 const ArrayConfig& array) {
  thread_local Fed fed;
  if (feed(x, vmem, fed)) return execute(fed.insn, fed.vmem, amem, array);
  const uint8_t* a = vmem.data + (x.a_addr - vmem.base);
  const uint8_t* b = vmem.data + (x.b_addr - vmem.base);
  uint8_t* c = amem.data + (x.c_addr - amem.base);
  if (x.sparsity == VTPU_SPARSITY_2_4) {
    matmul_sparse_int8(x, a, b, vmem.data + (x.meta_addr - vmem.base), c);
    return uint64_t{x.m} * weight_rows(x) * x.n;
  }
  if (x.precision == VTPU_TYPE_INT4) {
    matmul_int4(x, a, b, c);
  } else if (x.precision == VTPU_TYPE_INT8) {
    matmul_int8(x, a, b, c);
  } else {
    const uint32_t k_tile = array.dataflow == Dataflow::kWeightStationary ? array.rows : x.k;
    matmul_bf16_own(x, a, b, c, k_tile);
  }
  return uint64_t{x.m} * x.k * x.n;
}

}  // namespace vtpu::mxu
