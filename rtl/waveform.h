// Waveforms of a Verilated model (VerilatedVcdC or VerilatedFstC), shared by
// the MXU tile's driver and the AXI bridge.
#pragma once

#include <cstdio>
#include <string>

#include "models/common/error.h"
#include "verilated.h"

namespace vtpu::rtl {

// Readies `context` to trace into `path`, before the model is built (as
// Verilator asks). Verilator's own open() ends the process when it cannot
// create the file, so the file is tried first: vtpu::Error "<what>cannot
// write 'path'" when it cannot be written.
inline void prepare_waveform(VerilatedContext& context, const std::string& path,
                             const std::string& what) {
  context.traceEverOn(true);
  if (std::FILE* f = std::fopen(path.c_str(), "w"))
    std::fclose(f);
  else
    throw Error(what + "cannot write '" + path + "'");
}

}  // namespace vtpu::rtl
