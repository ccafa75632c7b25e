#include "platform/mxu_backend.h"

#include "models/common/error.h"
#include "platform/config.h"
#include "platform/memory_system.h"
#include "rtl/mxu_tile/transactor.h"
#include "traces/mxu_stimulus.h"

namespace vtpu {

void check_rtl_backend(const config::MxuConfig& mxu) {
  const std::string& backend = mxu.backend();
  if (backend == "tlm") {
    if (!mxu.rtl_vcd().empty()) throw Error("mxu.rtl_vcd: needs mxu.backend rtl or lockstep");
    if (!mxu.rtl_fst().empty()) throw Error("mxu.rtl_fst: needs mxu.backend rtl or lockstep");
    if (mxu.rtl_fault_bit() != -1)
      throw Error("mxu.rtl_fault_bit: needs mxu.backend rtl or lockstep");
    return;
  }
  if (!mxu.rtl_vcd().empty() && !mxu.rtl_fst().empty())
    throw Error("mxu.rtl_fst: one waveform at a time (mxu.rtl_vcd is set too)");
  if (mxu.dataflow() != "ws")
    throw Error("mxu.backend: '" + backend +
                "' needs mxu.dataflow ws (the RTL tile is weight-stationary)");
  if (backend == "lockstep" && mxu.timing() != "overlapped")
    throw Error("mxu.backend: 'lockstep' compares cycles with mxu.timing overlapped, not '" +
                mxu.timing() + "'");
  if (!rtl::tile_built(mxu.rows(), mxu.cols(), -1))
    throw Error("mxu.backend: '" + backend +
                "' needs an RTL tile of mxu.rows x mxu.cols = " + std::to_string(mxu.rows()) + "x" +
                std::to_string(mxu.cols()) + "; this build has " + rtl::built_tiles() + " (" +
                rtl::how_to_build(mxu.rows(), mxu.cols()) + ")");
  if (mxu.rtl_fault_bit() != -1 && !rtl::tile_built(mxu.rows(), mxu.cols(), mxu.rtl_fault_bit()))
    throw Error("mxu.rtl_fault_bit: no " + std::to_string(mxu.rows()) + "x" +
                std::to_string(mxu.cols()) + " tile with fault bit " +
                std::to_string(mxu.rtl_fault_bit()) + " in this build (test only: 8x8, bit 3)");
}

MxuBackend make_mxu_backend(const config::Soc& config, const config::MxuConfig& m,
                            sc_core::sc_time clock, mxu::StopRun stop,
                            const std::string& workload) {
  check_rtl_backend(m);
  const mxu::ArrayConfig array = array_config(m);
  const mxu::StopRun stop_recording = stop;
  MxuBackend b;
  if (m.backend() == "tlm") {
    b.engine = mxu::tlm_engine(array);
  } else {
    rtl::TileOptions tile;
    tile.rows = m.rows();
    tile.cols = m.cols();
    tile.fault_bit = m.rtl_fault_bit();
    tile.fst = !m.rtl_fst().empty();
    tile.waveform = tile.fst ? m.rtl_fst() : m.rtl_vcd();
    tile.waveform_from = m.rtl_vcd_from();
    tile.waveform_count = m.rtl_vcd_count();
    tile.clock_period_ps = static_cast<uint64_t>(clock / sc_core::sc_time(1, sc_core::SC_PS) + 0.5);
    b.tile = rtl::make_tile(tile);
    b.engine = m.backend() == "rtl" ? mxu::rtl_engine(*b.tile, std::move(stop))
                                    : mxu::lockstep_engine(array, *b.tile, std::move(stop));
  }
  if (!m.record().empty()) {
    b.recording = std::make_unique<trace::MatmulWriter>(m.record(), config::describe(config),
                                                        config::text(config), workload, m.rows(),
                                                        m.cols(), m.dataflow() + " " + m.timing());
    b.engine = mxu::recording_engine(std::move(b.engine), *b.recording, stop_recording);
  }
  return b;
}

}  // namespace vtpu
