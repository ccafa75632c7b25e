// The MXU engine a config asks for (mxu.backend, mxu.record; docs/cosim.md),
// chosen once: the command processor runs every MATMUL through it and knows
// nothing of RTL tiles or recordings.
#pragma once

#include <memory>
#include <systemc>

#include "models/common/matmul_recorder.h"
#include "models/mxu/engine.h"
#include "platform/config.pb.h"

namespace vtpu {

// Owns what the engine uses: the RTL tile, the recording file.
struct MxuBackend {
  std::unique_ptr<mxu::RtlArray> tile;        // mxu.backend rtl, lockstep
  std::unique_ptr<MatmulRecorder> recording;  // mxu.record
  std::unique_ptr<mxu::MatmulEngine> engine;
};

// Checks the backend fields (an RTL tile of the array's shape is built, ws
// dataflow, lockstep with overlapped timing, fault bits for RTL only), then
// builds the engine; `stop` ends the run for a lockstep mismatch or an
// instruction the tile cannot run. `workload` (what runs) goes into a
// recording's header. Throws vtpu::Error naming the field.
MxuBackend make_mxu_backend(const config::Soc& config, const config::MxuConfig& mxu,
                            sc_core::sc_time clock, mxu::StopRun stop,
                            const std::string& workload = "");

// The checks alone (the tools run them right after loading the config).
void check_rtl_backend(const config::MxuConfig& mxu);

}  // namespace vtpu
