// Standalone Verilator testbench of the MXU tile (rtl/mxu_tile/README.md):
// random int8 and bf16 GEMMs, K split into folds of R rows and N padded to C
// columns, streamed through the tile's weight, activation and result channels
// (with random back-pressure on the results), every sum compared with a plain
// C++ product: int32 exactly, bf16 bit for bit against fp32 sums in the
// order docs/numerics.md fixes (k ascending within a fold from +0, the folds
// added in turn). Prints the cycles each GEMM took; without back-pressure
// they must be the TLM overlapped formula's. A tile without a bf16 pin (8-bit
// lanes) runs int8 GEMMs only.
//   tb_mxu_tile [--gemms N] [--seed S] [--shape M,K,N] [--conformance]
// --conformance (the build's check of one's own tile, docs/cosim.md): the
// results must be exact; cycles that are not the formula's are reported,
// since lockstep will stop at them, but do not fail.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <vector>

#include "Vmxu_tile.h"
#include "rtl/ports.h"
#include "verilated.h"

namespace {

constexpr int R = MXU_R, C = MXU_C;
constexpr bool kBf16 = vtpu::rtl::HasBf16Pin<Vmxu_tile>::value;
// A tile with the 2:4 sparse mode (sparse, w_pos, a_hi) and an even R runs
// sparse GEMMs too.
constexpr bool kSparse = vtpu::rtl::HasSparsePin<Vmxu_tile>::value && R % 2 == 0;
bool conformance = false;
uint64_t off_formula = 0;  // GEMMs (without back-pressure) whose cycles were not the formula's

struct Tile {
  Vmxu_tile top;
  uint64_t cycles = 0;
  void tick() {
    top.clk = 0;
    top.eval();
    top.clk = 1;
    top.eval();
    ++cycles;
  }
};

using vtpu::rtl::get_word;
using vtpu::rtl::set_byte;

// The lanes of a port: 16 bits (an int8 in the low byte, or a bf16), or 8
// on a tile without a bf16 pin.
template <typename Port>
void pack(Port& p, const std::vector<uint16_t>& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    if constexpr (kBf16)
      vtpu::rtl::set_half(p, i, v[i]);
    else
      set_byte(p, i, static_cast<uint8_t>(v[i]));
  }
}

float fp32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
float bf16_value(uint16_t h) {
  return fp32(uint32_t{h} << 16);
}
uint32_t f32_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

// A random operand: an int8 in the low byte, or a bf16 of either sign with
// exponents over a range wide enough for sums to cancel and round (an
// eighth of them zero).
uint16_t operand(std::mt19937& rng, bool bf16) {
  if (!bf16) return static_cast<uint8_t>(rng());
  const uint32_t r = rng();
  if (r % 8 == 0) return static_cast<uint16_t>(r & 0x8000);
  return static_cast<uint16_t>((r & 0x807f) | ((118 + (r >> 8) % 20) << 7));
}

// The 2:4 mode's pins on a tile that has them (a template, so that a tile
// without them compiles): the mode, a weight beat's positions, the second
// half of an activation row.
template <typename V>
void drive_sparse(V& top, bool sparse, const std::vector<uint16_t>* pos,
                  const std::vector<uint16_t>* hi) {
  if constexpr (vtpu::rtl::HasSparsePin<V>::value) {
    top.sparse = sparse;
    if (pos) {
      std::memset(static_cast<void*>(&top.w_pos), 0, sizeof top.w_pos);
      for (size_t c = 0; c < pos->size(); ++c) vtpu::rtl::or_pair(top.w_pos, c, (*pos)[c]);
    }
    if (hi) pack(top.a_hi, *hi);
  }
}

// One GEMM A[m x k] * B[k x n] (n <= C) through the tile; returns false on a
// mismatch. Sparse (int8, docs/mxu.md "2:4 sparsity"): B is 2 ceil(k/4) kept
// rows, each with a random position per column (a row named twice, or past
// k, included), and the reference sums a[row] * b over the kept rows.
bool run_gemm(Tile& t, std::mt19937& rng, int m, int k, int n, bool backpressure, bool bf16,
              bool sparse = false) {
  std::uniform_int_distribution<int> coin(0, 3);
  const int b_rows = sparse ? 2 * ((k + 3) / 4) : k;
  std::vector<uint16_t> a(m * k), b(b_rows * n), pos(b_rows * n, 0);
  for (auto& v : a) v = operand(rng, bf16);
  for (auto& v : b) v = operand(rng, bf16);
  if (sparse)
    for (auto& v : pos) v = static_cast<uint16_t>(rng() % 4);
  const int folds = (b_rows + R - 1) / R, span = sparse ? 2 * R : R;  // K per fold
  struct WeightBeat {
    std::vector<uint16_t> w, pos;
  };
  std::deque<WeightBeat> weights;                           // R rows per fold
  std::deque<std::pair<std::vector<uint16_t>, bool>> rows;  // activation rows, last flag
  for (int f = 0; f < folds; ++f) {
    for (int r = 0; r < R; ++r) {
      WeightBeat beat{std::vector<uint16_t>(C, 0), std::vector<uint16_t>(C, 0)};
      const int kk = f * R + r;
      for (int c = 0; c < n && kk < b_rows; ++c) beat.w[c] = b[kk * n + c];
      for (int c = 0; c < n && kk < b_rows; ++c) beat.pos[c] = pos[kk * n + c];
      weights.push_back(beat);
    }
    for (int i = 0; i < m; ++i) {
      std::vector<uint16_t> row(span, 0);
      for (int e = 0; e < span && f * span + e < k; ++e) row[e] = a[i * k + f * span + e];
      rows.push_back({row, i == m - 1});
    }
  }
  std::vector<uint32_t> sum(m * n, 0);  // int32 or fp32 bits
  int results = 0;
  if constexpr (kBf16) t.top.bf16 = bf16;
  drive_sparse(t.top, sparse, nullptr, nullptr);
  const uint64_t start = t.cycles;
  while (results < folds * m) {
    if (t.cycles - start > 1000000) {
      std::printf("FAIL: hang after %d of %d result rows\n", results, folds * m);
      return false;
    }
    // Drive the inputs for this cycle, sample the handshakes before the edge.
    t.top.w_valid = !weights.empty();
    if (!weights.empty()) pack(t.top.w_data, weights.front().w);
    if (!weights.empty()) drive_sparse(t.top, sparse, &weights.front().pos, nullptr);
    t.top.a_valid = !rows.empty();
    if (!rows.empty()) {
      const std::vector<uint16_t>& row = rows.front().first;
      pack(t.top.a_data, std::vector<uint16_t>(row.begin(), row.begin() + R));
      const std::vector<uint16_t> hi =
          sparse ? std::vector<uint16_t>(row.begin() + R, row.end()) : std::vector<uint16_t>(R, 0);
      drive_sparse(t.top, sparse, nullptr, &hi);
      t.top.a_last = rows.front().second;
    }
    t.top.c_ready = !backpressure || coin(rng) != 0;
    t.top.clk = 0;
    t.top.eval();
    const bool w_fire = t.top.w_valid && t.top.w_ready;
    const bool a_fire = t.top.a_valid && t.top.a_ready;
    const bool c_fire = t.top.c_valid && t.top.c_ready;
    if (c_fire) {  // a row of fold results / m: add it to the sum of the folds before
      const int i = results % m;
      for (int c = 0; c < n; ++c) {
        const uint32_t v = static_cast<uint32_t>(get_word(t.top.c_data, static_cast<unsigned>(c)));
        uint32_t& s = sum[i * n + c];
        if (!bf16)
          s += v;
        else if (results < m)
          s = v;
        else
          s = f32_bits(fp32(s) + fp32(v));
      }
      ++results;
    }
    t.top.clk = 1;
    t.top.eval();
    ++t.cycles;
    if (w_fire) weights.pop_front();
    if (a_fire) rows.pop_front();
  }
  for (int i = 0; i < m; ++i)
    for (int c = 0; c < n; ++c) {
      uint32_t ref = 0;
      if (sparse) {
        for (int kk = 0; kk < b_rows; ++kk) {
          const int row = 4 * (kk / 2) + pos[kk * n + c];
          if (row < k)
            ref += static_cast<uint32_t>(int32_t{static_cast<int8_t>(a[i * k + row])} *
                                         static_cast<int8_t>(b[kk * n + c]));
        }
      } else if (!bf16) {
        for (int kk = 0; kk < k; ++kk)
          ref += static_cast<uint32_t>(int32_t{static_cast<int8_t>(a[i * k + kk])} *
                                       static_cast<int8_t>(b[kk * n + c]));
      } else {
        float total = 0.0f;
        for (int f = 0; f < folds; ++f) {
          float part = 0.0f;  // k ascending within the fold, from +0
          for (int kk = f * R; kk < std::min(k, f * R + R); ++kk)
            part += bf16_value(a[i * k + kk]) * bf16_value(b[kk * n + c]);
          total = f == 0 ? part : total + part;
        }
        ref = f32_bits(total);
      }
      if (ref != sum[i * n + c]) {
        std::printf("FAIL: %s %dx%dx%d: C[%d][%d] expected 0x%08x, got 0x%08x\n",
                    sparse ? "2:4"
                    : bf16 ? "bf16"
                           : "int8",
                    m, k, n, i, c, ref, sum[i * n + c]);
        return false;
      }
    }
  // Without back-pressure the count is the TLM overlapped formula (docs/mxu.md):
  // the first fold's weights, a fold every max(M, R) cycles, the last fold's
  // M rows, and a row's way through the tile (R + C + 2).
  const uint64_t cycles = t.cycles - start;
  const uint64_t formula = R + (folds - 1) * std::max(m, R) + m + R + C + 2;
  std::printf("gemm %s %3d x %3d x %2d: %2d folds, %6llu cycles%s\n",
              sparse ? "2:4 "
              : bf16 ? "bf16"
                     : "int8",
              m, k, n, folds, static_cast<unsigned long long>(cycles),
              backpressure ? " (back-pressure)" : "");
  if (!backpressure && cycles != formula && conformance) {
    if (off_formula++ == 0)
      std::printf(
          "note: %dx%dx%d took %llu cycles, the formula says %llu: lockstep will stop there\n", m,
          k, n, static_cast<unsigned long long>(cycles), static_cast<unsigned long long>(formula));
  } else if (!backpressure && cycles != formula) {
    std::printf("FAIL: %dx%dx%d took %llu cycles, the formula says %llu\n", m, k, n,
                static_cast<unsigned long long>(cycles), static_cast<unsigned long long>(formula));
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int gemms = 20, m = 0, k = 0, n = 0;
  unsigned seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--gemms")) gemms = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seed")) seed = static_cast<unsigned>(std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--shape")) std::sscanf(argv[i + 1], "%d,%d,%d", &m, &k, &n);
  }
  for (int i = 1; i < argc; ++i) conformance |= !std::strcmp(argv[i], "--conformance");
  Verilated::commandArgs(argc, argv);
  Tile t;
  t.top.rst_n = 0;
  t.tick();
  t.top.rst_n = 1;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dim(1, 3 * R), cols(1, C), rows(1, 40), coin(0, 1);
  for (int g = 0; g < gemms; ++g) {
    const bool fixed = m > 0 && k > 0 && n > 0;
    // int8, bf16 and 2:4 in turn: the tile switches between them when empty.
    const bool sparse = kSparse && g % 3 == 2;
    if (!run_gemm(t, rng, fixed ? m : rows(rng), fixed ? k : dim(rng), fixed ? n : cols(rng),
                  !fixed && coin(rng) == 1, kBf16 && g % 3 == 1, sparse))
      return 1;
  }
  std::printf("PASS mxu_tile %dx%d: %d random GEMMs bit-exact (%s%s)", R, C, gemms,
              kBf16 ? "int8 and bf16 in turn" : "int8: no bf16 pin",
              kSparse ? ", and 2:4 sparse" : "");
  if (off_formula)
    std::printf(", %llu of them not in the formula's cycles",
                static_cast<unsigned long long>(off_formula));
  std::printf("\n");
  return 0;
}
