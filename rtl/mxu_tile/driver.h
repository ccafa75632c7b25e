// The pin-level driver of one Verilated mxu_tile (README.md, "Transactor"),
// written once for every shape the build verilates: `V` is the model class,
// R x C its parameters. Included by tiles.cpp only.
#pragma once

#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "models/common/error.h"
#include "rtl/mxu_tile/ports.h"
#include "rtl/mxu_tile/transactor.h"
#include "verilated_vcd_c.h"

namespace vtpu::rtl {

template <typename V, unsigned R, unsigned C>
class TileDriver : public mxu::RtlArray {
 public:
  explicit TileDriver(const TileOptions& options) : options_(options) {
    if (!options.vcd.empty()) {
      context_.traceEverOn(true);  // before the model exists, as Verilator asks
      // Verilator's own open() ends the process on failure: try the file first.
      if (std::FILE* f = std::fopen(options.vcd.c_str(), "w"))
        std::fclose(f);
      else
        throw Error("mxu.rtl_vcd: cannot write '" + options.vcd + "'");
    }
    tile_ = std::make_unique<V>(&context_);
    tile_->rst_n = 0;
    tile_->clk = 0;
    tile_->eval();
    tile_->clk = 1;
    tile_->eval();
    tile_->rst_n = 1;
  }
  ~TileDriver() override {
    if (vcd_) vcd_->close();
  }

  unsigned rows() const override { return R; }
  unsigned cols() const override { return C; }

  uint64_t execute(const vtpu_insn_matmul& x, const mxu::Memory& vmem, const mxu::Memory& amem,
                   uint64_t start_ps) override {
    if (x.precision != VTPU_TYPE_INT8) throw Error("the RTL MXU tile computes int8 only");
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
    const uint32_t k_folds = (x.k + R - 1) / R, n_tiles = (x.n + C - 1) / C;
    // Every fold's weight rows and activation rows, in streaming order: column
    // tile j, then its folds f along K. Unused rows and columns are zeros.
    std::deque<std::vector<uint8_t>> weights;
    std::deque<std::pair<std::vector<uint8_t>, bool>> acts;
    struct Fold {
      uint32_t f, j;
    };
    std::deque<Fold> folds;
    for (uint32_t j = 0; j < n_tiles; ++j)
      for (uint32_t f = 0; f < k_folds; ++f) {
        for (uint32_t r = 0; r < R; ++r) {
          std::vector<uint8_t> w(C, 0);
          const uint32_t kk = f * R + r;
          for (uint32_t cc = 0; cc < C && kk < x.k && j * C + cc < x.n; ++cc)
            w[cc] = b[uint64_t{kk} * x.b_stride + j * C + cc];
          weights.push_back(std::move(w));
        }
        for (uint32_t m = 0; m < x.m; ++m) {
          std::vector<uint8_t> row(R, 0);
          for (uint32_t r = 0; r < R && f * R + r < x.k; ++r)
            row[r] = a[uint64_t{m} * x.a_stride + f * R + r];
          acts.push_back({std::move(row), m + 1 == x.m});
        }
        folds.push_back({f, j});
      }
    uint32_t row = 0;  // of the fold at folds.front()
    uint64_t cycles = 0;
    V& t = *tile_;
    t.c_ready = 1;
    while (!folds.empty()) {
      t.w_valid = !weights.empty();
      if (!weights.empty())
        for (unsigned i = 0; i < C; ++i) set_byte(t.w_data, i, weights.front()[i]);
      t.a_valid = !acts.empty();
      if (!acts.empty()) {
        for (unsigned i = 0; i < R; ++i) set_byte(t.a_data, i, acts.front().first[i]);
        t.a_last = acts.front().second;
      }
      t.clk = 0;
      t.eval();
      if (traced) vcd_->dump(start_ps + cycles * options_.clock_period_ps);
      const bool w_fire = t.w_valid && t.w_ready, a_fire = t.a_valid && t.a_ready;
      if (t.c_valid) {  // one result row of the front fold: accumulate it into C
        const Fold& fold = folds.front();
        for (uint32_t cc = 0; cc < C && fold.j * C + cc < x.n; ++cc) {
          uint8_t* p = c + uint64_t{row} * x.c_stride + 4 * (fold.j * C + cc);
          int32_t v = get_word(t.c_data, cc);
          if (fold.f > 0 || x.accumulate) {
            int32_t old;
            std::memcpy(&old, p, 4);
            v = static_cast<int32_t>(static_cast<uint32_t>(old) + static_cast<uint32_t>(v));
          }
          std::memcpy(p, &v, 4);
        }
        if (++row == x.m) {
          row = 0;
          folds.pop_front();
        }
      }
      t.clk = 1;
      t.eval();
      if (traced)
        vcd_->dump(start_ps + cycles * options_.clock_period_ps + options_.clock_period_ps / 2);
      ++cycles;
      if (w_fire) weights.pop_front();
      if (a_fire) acts.pop_front();
    }
    if (traced) vcd_->flush();
    return cycles;
  }

 private:
  TileOptions options_;
  VerilatedContext context_;
  std::unique_ptr<V> tile_;
  std::unique_ptr<VerilatedVcdC> vcd_;
  uint64_t executed_ = 0;
};

}  // namespace vtpu::rtl
