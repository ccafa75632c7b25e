// The transactor from the MXU's instruction interface (vtpu_insn_matmul,
// models/mxu/mxu.h) to the RTL tile's pins (README.md), behind
// `mxu.backend: rtl | lockstep` (docs/cosim.md): one int8 MATMUL run on a
// Verilated tile, its folds streamed back to back, the result rows accumulated
// into C in AMEM as the MXU's C = or C += says.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "models/mxu/mxu.h"

namespace vtpu::rtl {

struct TileOptions {
  unsigned rows = 8, cols = 8;
  int fault_bit = -1;  // test only: PE (0, 0)'s stuck-at-1 sum bit (-1: none)
  // mxu.rtl_vcd or mxu.rtl_fst: the tile's signals into `waveform` (FST when
  // `fst`, else VCD) for MATMULs waveform_from .. waveform_from +
  // waveform_count - 1 (counted from 0), at the platform's time in ps.
  std::string waveform;
  bool fst = false;
  uint64_t waveform_from = 0, waveform_count = 1;
  uint64_t clock_period_ps = 1000;
};

// The tile shapes this build verilated ("8x8, 16x16, 32x32"), whether one is
// there, and the CMake option that builds one that is not ("cmake
// -DVTPU_RTL_SHAPES='8x8;16x16;32x32;64x64' builds it").
std::string built_tiles();
bool tile_built(unsigned rows, unsigned cols, int fault_bit);
std::string how_to_build(unsigned rows, unsigned cols);

// A Verilated tile; throws vtpu::Error when its shape was not built or the
// waveform file cannot be written.
std::unique_ptr<mxu::RtlArray> make_tile(const TileOptions& options);

}  // namespace vtpu::rtl
