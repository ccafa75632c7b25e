// The tile shapes this build verilates (rtl/CMakeLists.txt, VTPU_RTL_SHAPES:
// model classes per shape, Vmxu_tile_<R>x<C> traced as VCD and
// Vmxu_tile_<R>x<C>_fst as FST, so they link side by side, and the project's
// tile again with its 2:4 mode, Vmxu_tile_<R>x<C>_sparse[_fst]), and the
// factory behind `mxu.backend: rtl | lockstep`.
#include "rtl/mxu_tile/driver.h"
#include "rtl_tile_headers.inc"

namespace vtpu::rtl {

namespace {

struct Built {
  unsigned rows, cols;
  int fault_bit;
  // The model traced as VCD (also the one for runs without a waveform), and
  // the one traced as FST; then the same with the 2:4 sparse mode (null:
  // none, as for a tile of one's own, whose pins say what it runs).
  std::unique_ptr<mxu::RtlArray> (*make)(const TileOptions&);
  std::unique_ptr<mxu::RtlArray> (*make_fst)(const TileOptions&);
  std::unique_ptr<mxu::RtlArray> (*make_sparse)(const TileOptions&);
  std::unique_ptr<mxu::RtlArray> (*make_sparse_fst)(const TileOptions&);
};

// The project's tile as two Verilated models: the dense-only build runs
// dense MATMULs (the sparse mode's selection in every PE would slow them
// about 3x), the build with the 2:4 mode runs the 2:4 ones, made at the
// first. Each MATMUL starts and ends with the tile empty, so which model ran
// the one before does not matter. A waveform comes from one model: with one
// asked for, every MATMUL runs on the sparse build.
class DenseAndSparse : public mxu::RtlArray {
 public:
  DenseAndSparse(const Built& built, const TileOptions& options)
      : built_(built), options_(options), dense_(built.make(options)) {}
  unsigned rows() const override { return dense_->rows(); }
  unsigned cols() const override { return dense_->cols(); }
  bool runs_bf16() const override { return dense_->runs_bf16(); }
  // The sparse build has the pins; its folds need whole groups of rows.
  bool runs_sparse() const override { return dense_->rows() % 2 == 0; }
  uint64_t execute(const vtpu_insn_matmul& x, const mxu::Memory& vmem, const mxu::Memory& amem,
                   uint64_t start_ps) override {
    mxu::RtlArray& tile = x.sparsity == VTPU_SPARSITY_DENSE ? *dense_ : sparse();
    return tile.execute(x, vmem, amem, start_ps);
  }

 private:
  mxu::RtlArray& sparse() {
    if (!sparse_) sparse_ = built_.make_sparse(options_);
    return *sparse_;
  }

  const Built& built_;
  const TileOptions options_;
  std::unique_ptr<mxu::RtlArray> dense_;
  std::unique_ptr<mxu::RtlArray> sparse_;
};

template <typename V, unsigned R, unsigned C, typename Trace>
std::unique_ptr<mxu::RtlArray> make_driver(const TileOptions& options) {
  return std::make_unique<TileDriver<V, R, C, Trace>>(options);
}

// Fault bit 3 on 8x8 is the injected fault the lockstep and replay tests catch.
const Built kBuilt[] = {
#include "rtl_tile_table.inc"
};

}  // namespace

std::string built_tiles() {
  std::string list;
  for (const Built& b : kBuilt)
    if (b.fault_bit < 0)
      list += (list.empty() ? "" : ", ") + std::to_string(b.rows) + "x" + std::to_string(b.cols);
  return list;
}

std::string how_to_build(unsigned rows, unsigned cols) {
  std::string shapes = built_tiles();  // "8x8, 16x16" -> "8x8;16x16"
  for (size_t at; (at = shapes.find(", ")) != std::string::npos;) shapes.replace(at, 2, ";");
  return "cmake -DVTPU_RTL_SHAPES='" + shapes + ";" + std::to_string(rows) + "x" +
         std::to_string(cols) + "' builds it";
}

bool tile_built(unsigned rows, unsigned cols, int fault_bit) {
  for (const Built& b : kBuilt)
    if (b.rows == rows && b.cols == cols && b.fault_bit == fault_bit) return true;
  return false;
}

std::unique_ptr<mxu::RtlArray> make_tile(const TileOptions& options) {
  for (const Built& b : kBuilt)
    if (b.rows == options.rows && b.cols == options.cols && b.fault_bit == options.fault_bit) {
      if (b.make_sparse == nullptr) return options.fst ? b.make_fst(options) : b.make(options);
      if (!options.waveform.empty())
        return options.fst ? b.make_sparse_fst(options) : b.make_sparse(options);
      return std::make_unique<DenseAndSparse>(b, options);
    }
  throw Error("no RTL tile of " + std::to_string(options.rows) + "x" +
              std::to_string(options.cols) +
              (options.fault_bit >= 0 ? " with fault bit " + std::to_string(options.fault_bit)
                                      : std::string()) +
              " in this build (built: " + built_tiles() + "; " +
              how_to_build(options.rows, options.cols) + ")");
}

}  // namespace vtpu::rtl
