// The tile shapes this build verilates (rtl/CMakeLists.txt, VTPU_RTL_SHAPES:
// two model classes per shape, Vmxu_tile_<R>x<C> traced as VCD and
// Vmxu_tile_<R>x<C>_fst as FST, so they link side by side), and the factory
// behind `mxu.backend: rtl | lockstep`.
#include "rtl/mxu_tile/driver.h"
#include "rtl_tile_headers.inc"

namespace vtpu::rtl {

namespace {

struct Built {
  unsigned rows, cols;
  int fault_bit;
  // The model traced as VCD (also the one for runs without a waveform), and
  // the one traced as FST.
  std::unique_ptr<mxu::RtlArray> (*make)(const TileOptions&);
  std::unique_ptr<mxu::RtlArray> (*make_fst)(const TileOptions&);
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
    if (b.rows == options.rows && b.cols == options.cols && b.fault_bit == options.fault_bit)
      return options.fst ? b.make_fst(options) : b.make(options);
  throw Error("no RTL tile of " + std::to_string(options.rows) + "x" +
              std::to_string(options.cols) +
              (options.fault_bit >= 0 ? " with fault bit " + std::to_string(options.fault_bit)
                                      : std::string()) +
              " in this build (built: " + built_tiles() + "; " +
              how_to_build(options.rows, options.cols) + ")");
}

}  // namespace vtpu::rtl
