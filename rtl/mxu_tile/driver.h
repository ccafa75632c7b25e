// The pin-level driver of one Verilated mxu_tile (README.md, "Transactor"),
// written once for every shape the build verilates: `V` is the model class,
// R x C its parameters, `Trace` the waveform writer its build traces into
// (VerilatedVcdC or VerilatedFstC). Included by tiles.cpp only.
//
// A tile with a `bf16` pin has 16-bit lanes and runs both precisions; one
// without it (an int8-only tile of one's own, docs/cosim.md) has 8-bit lanes
// and runs int8 only.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <type_traits>

#include "models/common/error.h"
#include "rtl/mxu_tile/transactor.h"
#include "rtl/ports.h"
#include "rtl/waveform.h"
#include "verilated_fst_c.h"
#include "verilated_vcd_c.h"

namespace vtpu::rtl {

template <typename V, unsigned R, unsigned C, typename Trace>
class TileDriver : public mxu::RtlArray {
 public:
  explicit TileDriver(const TileOptions& options) : options_(options) {
    if (!options.waveform.empty()) prepare_waveform(context_, options.waveform, kKey + ": ");
    tile_ = std::make_unique<V>(&context_);
    tile_->rst_n = 0;
    tile_->clk = 0;
    tile_->eval();
    tile_->clk = 1;
    tile_->eval();
    tile_->rst_n = 1;
  }
  ~TileDriver() override {
    if (trace_) {
      trace_->close();
    } else if (!options_.waveform.empty()) {  // no MATMUL in the window: no empty file left
      std::remove(options_.waveform.c_str());
      std::fprintf(stderr, "vtpu: note: %s: no MATMUL from #%llu on (the run had %llu)\n",
                   kKey.c_str(), static_cast<unsigned long long>(options_.waveform_from),
                   static_cast<unsigned long long>(executed_));
    }
  }

  unsigned rows() const override { return R; }
  unsigned cols() const override { return C; }

  bool runs_bf16() const override { return kBf16; }
  bool runs_sparse() const override { return kSparse && R % 2 == 0; }

  uint64_t execute(const vtpu_insn_matmul& x, const mxu::Memory& vmem, const mxu::Memory& amem,
                   uint64_t start_ps) override {
    const bool bf16 = x.precision == VTPU_TYPE_BF16;
    if (bf16 && !kBf16) throw Error("this RTL MXU tile has no bf16 pin: it computes int8 only");
    const uint64_t index = executed_++;
    const bool traced = !options_.waveform.empty() && index >= options_.waveform_from &&
                        index - options_.waveform_from < options_.waveform_count;
    if (traced && !trace_) {
      trace_ = std::make_unique<Trace>();
      tile_->trace(trace_.get(), 99);
      trace_->open(options_.waveform.c_str());
    }
    const uint8_t* a = vmem.data + (x.a_addr - vmem.base);
    const uint8_t* b = vmem.data + (x.b_addr - vmem.base);
    uint8_t* c = amem.data + (x.c_addr - amem.base);
    const uint32_t element = bf16 ? 2 : 1;
    // 2:4 sparse: B holds K_s = 2 ceil(K/4) kept rows, which fold as a dense
    // B of K_s rows would; each weight beat also carries its positions, and
    // each activation beat the 2R rows of K its R kept rows cover.
    const bool sparse = x.sparsity == VTPU_SPARSITY_2_4;
    const uint32_t b_rows = sparse ? 2 * ((x.k + 3) / 4) : x.k;
    // Folds in streaming order: column tile j, then its folds along K. Fold
    // i's weight beats are R rows of its R x C block of B, its activation
    // beats A's M rows of its K slice; lanes past K or N carry zeros. The
    // beats' positions are counted, not divided out, per cycle.
    const uint32_t k_folds = (b_rows + R - 1) / R, n_tiles = (x.n + C - 1) / C;
    const uint64_t folds = uint64_t{k_folds} * n_tiles;
    V& t = *tile_;
    struct Beat {  // the next beat of a stream: row `row` of fold (k_fold, n_tile)
      uint32_t row = 0, k_fold = 0, n_tile = 0;
      bool done = false;
      void advance(uint32_t rows, uint32_t k_folds, uint32_t n_tiles) {
        if (++row < rows) return;
        row = 0;
        if (++k_fold < k_folds) return;
        k_fold = 0;
        done = ++n_tile == n_tiles;
      }
    } w_beat, a_beat;
    const uint8_t* meta = sparse ? vmem.data + (x.meta_addr - vmem.base) : nullptr;
    auto drive_weights = [&] {  // row kk of B, columns n0 .. n0 + C - 1
      const uint32_t kk = w_beat.k_fold * R + w_beat.row, n0 = w_beat.n_tile * C;
      if (kk < b_rows)
        set_lanes(t.w_data, b + uint64_t{kk} * x.b_stride + uint64_t{n0} * element,
                  std::min(C, x.n - n0), element);
      else
        set_lanes(t.w_data, nullptr, 0, element);
      if constexpr (kSparse) {  // kept row kk: position (kk % 2) of group kk / 2
        std::memset(static_cast<void*>(&t.w_pos), 0, sizeof t.w_pos);
        const uint8_t* row = sparse ? meta + uint64_t{kk / 2} * x.meta_stride : nullptr;
        for (uint32_t cc = 0; sparse && kk < b_rows && cc < C && n0 + cc < x.n; ++cc) {
          const uint32_t j = n0 + cc, nibble = (row[j / 2] >> (4 * (j % 2))) & 0xf;
          or_pair(t.w_pos, cc, nibble >> (2 * (kk % 2)));
        }
      }
    };
    auto drive_activations = [&] {  // row m of A, columns k0 .. k0 + R - 1 (sparse: 2R)
      const uint32_t k0 = a_beat.k_fold * R * (sparse ? 2 : 1);
      const uint8_t* row = a + uint64_t{a_beat.row} * x.a_stride;
      // A slice that starts past K (a sparse fold's second half) is padding:
      // no pointer into A for it.
      auto slice = [&](auto& port, uint32_t from) {
        if (from < x.k)
          set_lanes(port, row + uint64_t{from} * element, std::min(R, x.k - from), element);
        else
          set_lanes(port, nullptr, 0, element);
      };
      slice(t.a_data, k0);
      if constexpr (kSparse) slice(t.a_hi, sparse ? k0 + R : x.k);
      t.a_last = a_beat.row + 1 == x.m;
    };
    if constexpr (kBf16) t.bf16 = bf16;
    if constexpr (kSparse) t.sparse = sparse;
    t.c_ready = 1;
    t.w_valid = folds > 0;
    if (t.w_valid) drive_weights();
    t.a_valid = folds > 0 && x.m > 0;
    if (t.a_valid) drive_activations();
    uint64_t cycles = 0, out_fold = 0;
    uint32_t out_row = 0, out_k_fold = 0, out_n0 = 0;
    while (out_fold < folds) {
      t.clk = 0;
      t.eval();
      if (traced) trace_->dump(start_ps + cycles * options_.clock_period_ps);
      const bool w_fire = t.w_valid && t.w_ready, a_fire = t.a_valid && t.a_ready;
      if (t.c_valid) {  // a result row of fold out_fold: into C, or added to it
        collect(t.c_data, c + uint64_t{out_row} * x.c_stride + 4ull * out_n0,
                std::min(C, x.n - out_n0), bf16, out_k_fold > 0 || x.accumulate);
        if (++out_row == x.m) {
          out_row = 0;
          ++out_fold;
          if (++out_k_fold == k_folds) {
            out_k_fold = 0;
            out_n0 += C;
          }
        }
      }
      t.clk = 1;
      t.eval();
      if (traced)
        trace_->dump(start_ps + cycles * options_.clock_period_ps + options_.clock_period_ps / 2);
      ++cycles;
      // The next cycle's beats, where this edge took the last ones.
      if (w_fire) {
        w_beat.advance(R, k_folds, n_tiles);
        t.w_valid = !w_beat.done;
        if (t.w_valid) drive_weights();
      }
      if (a_fire) {
        a_beat.advance(x.m, k_folds, n_tiles);
        t.a_valid = !a_beat.done;
        if (t.a_valid) drive_activations();
      }
    }
    if (traced) trace_->flush();
    return cycles;
  }

 private:
  // Drives a lane port (w_data, a_data) with `count` contiguous elements of
  // `element` bytes at `src` and zeros in the other lanes: 16-bit lanes (a
  // bf16 as it is, an int8 in the low byte) on a tile with the bf16 pin,
  // 8-bit lanes on one without. A port is little-endian lanes in memory
  // (rtl/ports.h), so it is written as bytes.
  template <typename Port>
  static void set_lanes(Port& port, const uint8_t* src, uint32_t count, uint32_t element) {
    uint8_t lanes[sizeof(Port)] = {};
    if (!kBf16 || element == 2) {
      if (count > 0) std::memcpy(lanes, src, size_t{count} * element);
    } else {
      for (uint32_t i = 0; i < count; ++i) lanes[2 * i] = src[i];
    }
    std::memcpy(static_cast<void*>(&port), lanes, sizeof(Port));
  }

  // One result row of a fold: `count` columns of c_data into C at `dst`, or
  // added to what is there (int32 sums, or fp32 ones: docs/numerics.md).
  template <typename Port>
  static void collect(const Port& port, uint8_t* dst, uint32_t count, bool bf16, bool add) {
    for (uint32_t cc = 0; cc < count; ++cc, dst += 4) {
      int32_t v = get_word(port, cc);
      if (add) {
        int32_t old;
        std::memcpy(&old, dst, 4);
        if (bf16) {
          float sum, part;
          std::memcpy(&sum, &old, 4);
          std::memcpy(&part, &v, 4);
          sum += part;
          std::memcpy(&v, &sum, 4);
        } else {
          v = static_cast<int32_t>(static_cast<uint32_t>(old) + static_cast<uint32_t>(v));
        }
      }
      std::memcpy(dst, &v, 4);
    }
  }

  static constexpr bool kBf16 = HasBf16Pin<V>::value;
  static constexpr bool kSparse = HasSparsePin<V>::value;
  // The config key that asked for this model's waveform.
  inline static const std::string kKey =
      std::is_same_v<Trace, VerilatedFstC> ? "mxu.rtl_fst" : "mxu.rtl_vcd";
  TileOptions options_;
  VerilatedContext context_;
  std::unique_ptr<V> tile_;
  std::unique_ptr<Trace> trace_;
  uint64_t executed_ = 0;
};

}  // namespace vtpu::rtl
