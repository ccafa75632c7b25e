// What computes the MXU's instructions for the command processor
// (mxu.backend, docs/cosim.md), chosen once from the config: the TLM model,
// an RTL tile, or both compared instruction by instruction; a recorder
// (mxu.record) wraps any of them. The command processor knows only this
// interface: the time it books and the counters it keeps come from run().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "models/common/matmul_recorder.h"
#include "models/mxu/mxu.h"

namespace vtpu::mxu {

struct MatmulDone {
  uint64_t cycles = 0;  // the array's, from its first weight beat to its last result
  uint64_t macs = 0;    // multiply-accumulates done
};

class MatmulEngine {
 public:
  virtual ~MatmulEngine() = default;
  // Runs `insn` (which check() accepted) on its operands in `vmem` and
  // `amem`, leaving C there; `start_ps` is the platform's time (waveforms).
  // Nothing when the engine ended the run instead (a lockstep mismatch, an
  // instruction the RTL cannot run), having said why through its StopRun.
  virtual std::optional<MatmulDone> run(const vtpu_insn_matmul& insn, const Memory& vmem,
                                        const Memory& amem, uint64_t start_ps) = 0;
};

// Ends the simulation with a one-line message (exit status: co-simulation).
using StopRun = std::function<void(const std::string& why)>;

// mxu.backend tlm: the functional model and the timing formula of `array`.
std::unique_ptr<MatmulEngine> tlm_engine(const ArrayConfig& array);
// mxu.backend rtl: the tile computes and counts the cycles (int8 only).
std::unique_ptr<MatmulEngine> rtl_engine(RtlArray& tile, StopRun stop);
// mxu.backend lockstep: the TLM model, then the tile from the same C; C and
// the cycles must agree (the tile's count is the overlapped formula's).
std::unique_ptr<MatmulEngine> lockstep_engine(const ArrayConfig& array, RtlArray& tile,
                                              StopRun stop);
// mxu.record: `inner`, with every instruction and its operands sent to
// `recorder`. Recordings hold dense int8 and bf16 MATMULs: a 2:4 sparse or
// int4-weight one stops the run.
std::unique_ptr<MatmulEngine> recording_engine(std::unique_ptr<MatmulEngine> inner,
                                               MatmulRecorder& recorder, StopRun stop);

}  // namespace vtpu::mxu
