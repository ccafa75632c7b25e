#include "rtl/mxu_tile/transactor.h"

#include <cstring>
#include <deque>
#include <vector>

#include "Vmxu_tile.h"
#include "models/common/error.h"
#include "rtl/mxu_tile/ports.h"

namespace vtpu::rtl {

namespace {

constexpr unsigned R = MXU_R, C = MXU_C;

}  // namespace

MxuTileTransactor::MxuTileTransactor() : tile_(std::make_unique<Vmxu_tile>()) {
  tile_->rst_n = 0;
  tile_->clk = 0;
  tile_->eval();
  tile_->clk = 1;
  tile_->eval();
  tile_->rst_n = 1;
}

MxuTileTransactor::~MxuTileTransactor() = default;

unsigned MxuTileTransactor::rows() const {
  return R;
}
unsigned MxuTileTransactor::cols() const {
  return C;
}

uint64_t MxuTileTransactor::execute(const vtpu_insn_matmul& x, const UnitMemory& vmem,
                                    const UnitMemory& amem) {
  if (x.precision != VTPU_TYPE_INT8) throw Error("the RTL MXU tile computes int8 only");
  const uint8_t* a = vmem.data + (x.a_addr - vmem.base);
  const uint8_t* b = vmem.data + (x.b_addr - vmem.base);
  uint8_t* c = amem.data + (x.c_addr - amem.base);
  const uint32_t k_folds = (x.k + R - 1) / R, n_tiles = (x.n + C - 1) / C;
  // Every fold's weight rows and activation rows, in streaming order.
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
          w[cc] = b[kk * x.b_stride + j * C + cc];
        weights.push_back(std::move(w));
      }
      for (uint32_t m = 0; m < x.m; ++m) {
        std::vector<uint8_t> row(R, 0);
        for (uint32_t r = 0; r < R && f * R + r < x.k; ++r) row[r] = a[m * x.a_stride + f * R + r];
        acts.push_back({std::move(row), m + 1 == x.m});
      }
      folds.push_back({f, j});
    }
  uint32_t row = 0;  // of the fold at folds.front()
  uint64_t cycles = 0;
  Vmxu_tile& t = *tile_;
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
    const bool w_fire = t.w_valid && t.w_ready, a_fire = t.a_valid && t.a_ready;
    if (t.c_valid) {  // one result row of the front fold: accumulate it into C
      const Fold& fold = folds.front();
      for (uint32_t cc = 0; cc < C && fold.j * C + cc < x.n; ++cc) {
        uint8_t* p = c + row * x.c_stride + 4 * (fold.j * C + cc);
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
    ++cycles;
    if (w_fire) weights.pop_front();
    if (a_fire) acts.pop_front();
  }
  return cycles;
}

}  // namespace vtpu::rtl
