// The pin-level driver of one Verilated mxu_tile (README.md, "Transactor"),
// written once for every shape the build verilates: `V` is the model class,
// R x C its parameters. Included by tiles.cpp only.
//
// A tile with a `bf16` pin has 16-bit lanes and runs both precisions; one
// without it (an int8-only tile of one's own, docs/cosim.md) has 8-bit lanes
// and runs int8 only.
#pragma once

#include <cstdio>
#include <cstring>
#include <memory>

#include "models/common/error.h"
#include "rtl/mxu_tile/transactor.h"
#include "rtl/ports.h"
#include "rtl/waveform.h"
#include "verilated_vcd_c.h"

namespace vtpu::rtl {

template <typename V, unsigned R, unsigned C>
class TileDriver : public mxu::RtlArray {
 public:
  explicit TileDriver(const TileOptions& options) : options_(options) {
    if (!options.vcd.empty()) prepare_vcd(context_, options.vcd, "mxu.rtl_vcd: ");
    tile_ = std::make_unique<V>(&context_);
    tile_->rst_n = 0;
    tile_->clk = 0;
    tile_->eval();
    tile_->clk = 1;
    tile_->eval();
    tile_->rst_n = 1;
  }
  ~TileDriver() override {
    if (vcd_) {
      vcd_->close();
    } else if (!options_.vcd.empty()) {  // no MATMUL in the window: no empty file left
      std::remove(options_.vcd.c_str());
      std::fprintf(stderr, "vtpu: note: mxu.rtl_vcd: no MATMUL from #%llu on (the run had %llu)\n",
                   static_cast<unsigned long long>(options_.vcd_from),
                   static_cast<unsigned long long>(executed_));
    }
  }

  unsigned rows() const override { return R; }
  unsigned cols() const override { return C; }

  bool runs_bf16() const override { return kBf16; }

  uint64_t execute(const vtpu_insn_matmul& x, const mxu::Memory& vmem, const mxu::Memory& amem,
                   uint64_t start_ps) override {
    const bool bf16 = x.precision == VTPU_TYPE_BF16;
    if (bf16 && !kBf16) throw Error("this RTL MXU tile has no bf16 pin: it computes int8 only");
    const uint64_t index = executed_++;
    const bool traced = !options_.vcd.empty() && index >= options_.vcd_from &&
                        index - options_.vcd_from < options_.vcd_count;
    if (traced && !vcd_) {
      vcd_ = std::make_unique<VerilatedVcdC>();
      tile_->trace(vcd_.get(), 99);
      vcd_->open(options_.vcd.c_str());
    }
    const uint8_t* a = vmem.data + (x.a_addr - vmem.base);
    const uint8_t* b = vmem.data + (x.b_addr - vmem.base);
    uint8_t* c = amem.data + (x.c_addr - amem.base);
    const uint32_t element = bf16 ? 2 : 1;
    // Element (row, col) of A or B, as the lane carries it.
    auto operand = [element](const uint8_t* m, uint64_t offset) -> uint16_t {
      if (element == 1) return m[offset];
      uint16_t v;
      std::memcpy(&v, m + offset, 2);
      return v;
    };
    auto set_lane = [](auto& port, size_t lane, uint16_t v) {
      if constexpr (kBf16)
        set_half(port, lane, v);
      else
        set_byte(port, lane, static_cast<uint8_t>(v));
    };
    // Folds in streaming order: column tile j, then its folds along K. Fold
    // i's weight beats are w_beat i*R .. i*R+R-1, its activation beats
    // a_beat i*M .. i*M+M-1; unused rows and columns are driven as zeros.
    const uint32_t k_folds = (x.k + R - 1) / R, n_tiles = (x.n + C - 1) / C;
    const uint64_t folds = uint64_t{k_folds} * n_tiles;
    const uint64_t w_beats = folds * R, a_beats = folds * x.m;
    uint64_t w_beat = 0, a_beat = 0, out_fold = 0;
    uint32_t out_row = 0;
    V& t = *tile_;
    auto drive_weights = [&] {  // the beat w_beat: row r of fold i's R x C block
      const uint64_t i = w_beat / R;
      const uint32_t kk = static_cast<uint32_t>(i % k_folds) * R + w_beat % R;
      const uint32_t n0 = static_cast<uint32_t>(i / k_folds) * C;
      for (uint32_t cc = 0; cc < C; ++cc)
        set_lane(t.w_data, cc,
                 kk < x.k && n0 + cc < x.n
                     ? operand(b, uint64_t{kk} * x.b_stride + uint64_t{n0 + cc} * element)
                     : 0);
    };
    auto drive_activations = [&] {  // the beat a_beat: row m of A's K slice of fold i
      const uint64_t i = a_beat / x.m;
      const uint32_t m = static_cast<uint32_t>(a_beat % x.m);
      const uint32_t k0 = static_cast<uint32_t>(i % k_folds) * R;
      for (uint32_t r = 0; r < R; ++r)
        set_lane(
            t.a_data, r,
            k0 + r < x.k ? operand(a, uint64_t{m} * x.a_stride + uint64_t{k0 + r} * element) : 0);
      t.a_last = m + 1 == x.m;
    };
    if constexpr (kBf16) t.bf16 = bf16;
    t.c_ready = 1;
    t.w_valid = w_beat < w_beats;
    if (t.w_valid) drive_weights();
    t.a_valid = a_beat < a_beats;
    if (t.a_valid) drive_activations();
    uint64_t cycles = 0;
    while (out_fold < folds) {
      t.clk = 0;
      t.eval();
      if (traced) vcd_->dump(start_ps + cycles * options_.clock_period_ps);
      const bool w_fire = t.w_valid && t.w_ready, a_fire = t.a_valid && t.a_ready;
      if (t.c_valid) {  // a result row of fold out_fold: accumulate it into C
        const uint32_t kf = static_cast<uint32_t>(out_fold % k_folds);
        const uint32_t n0 = static_cast<uint32_t>(out_fold / k_folds) * C;
        uint8_t* p = c + uint64_t{out_row} * x.c_stride + 4ull * n0;
        for (uint32_t cc = 0; cc < C && n0 + cc < x.n; ++cc, p += 4) {
          int32_t v = get_word(t.c_data, cc);
          if (kf > 0 || x.accumulate) {  // int32 sums, or fp32 ones (docs/numerics.md)
            int32_t old;
            std::memcpy(&old, p, 4);
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
          std::memcpy(p, &v, 4);
        }
        if (++out_row == x.m) {
          out_row = 0;
          ++out_fold;
        }
      }
      t.clk = 1;
      t.eval();
      if (traced)
        vcd_->dump(start_ps + cycles * options_.clock_period_ps + options_.clock_period_ps / 2);
      ++cycles;
      // The next cycle's beats, where this edge took the last ones.
      if (w_fire) {
        t.w_valid = ++w_beat < w_beats;
        if (t.w_valid) drive_weights();
      }
      if (a_fire) {
        t.a_valid = ++a_beat < a_beats;
        if (t.a_valid) drive_activations();
      }
    }
    if (traced) vcd_->flush();
    return cycles;
  }

 private:
  static constexpr bool kBf16 = HasBf16Pin<V>::value;
  TileOptions options_;
  VerilatedContext context_;
  std::unique_ptr<V> tile_;
  std::unique_ptr<VerilatedVcdC> vcd_;
  uint64_t executed_ = 0;
};

}  // namespace vtpu::rtl
