// `vtpu compile` and `vtpu run` (docs/cli.md, docs/compiler.md): an ONNX
// model or a .vtpu executable through the compiler onto the virtual chip,
// where the firmware runtime runs it; outputs as .npy, a JSON report.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "models/common/error.h"
#include "platform/config.pb.h"
#include "platform/soc.h"

namespace vtpu {

struct CompileRequest {
  std::string model;          // .onnx
  std::string precision;      // "int8", "bf16" or "int4" (int8 with int4 weights)
  std::string sparsity;       // "" or "dense", or "2:4" (int8 weights pruned to 2:4)
  std::string sparsity_skip;  // with 2:4: nodes whose weights stay dense, comma-separated
  std::string calibration;    // a directory of .npy samples, or ""
  std::string emit_qdq;       // int8: also write the quantized graph as a QDQ ONNX model
  int64_t batch = 0;          // > 0: re-export a batch-1 model for this batch (--batch)
  // The chip it compiles for (--config, --set): its array rows and memory
  // bandwidth for mapping choices, and the chip --precision auto and --tune
  // simulate on.
  config::Soc chip;
  double accuracy_budget = 0.01;  // --precision auto: cosine loss allowed beyond all-int8's
  bool explain = false;           // --precision auto, --tune: print the choice per layer
  bool tune = false;  // --tune: each layer's buffer sets and dataflow, the faster on `chip`
                      // (tools/tune.h)
};

struct RunRequest {
  std::string model;  // .onnx (compiled on the fly) or .vtpu
  CompileRequest compile;
  std::vector<std::string> inputs;  // "NAME=FILE.npy", or "FILE.npy" for a one-input model
  std::string output_dir;           // "" for none
  std::string report;               // "" for none
  std::string trace;                // Chrome trace-event JSON timeline, "" for none
  std::string transactions;         // transaction trace (protobuf), "" for none
  std::string vcd;                  // waveforms, file name without ".vcd"; "" for none
  std::string profile;              // the core's profile (platform/firmware_profile.h), "" for none
  std::string firmware;             // the runtime ELF
  RunOptions limits;
  bool check = false;  // outputs against the host reference (sw/runtime/reference.h)
};

// `random` or `random:SEED` for an input (docs/cli.md): a seeded random
// input instead of a file. Returns whether `source` is one, and its seed;
// throws vtpu::Error for `random:` with a bad seed.
bool random_source(const std::string& source, uint64_t& seed);
// Reads the calibration samples in `dir` against the inputs of the ONNX
// `model` (batch 1): throws what its compilation would (a sweep checks its
// spec's samples before any point runs).
void check_calibration(const std::string& dir, const std::string& model);
// Whether `model` names a .vtpu executable (else an ONNX model).
bool is_executable(const std::string& model);
// Whether `path` is a file the run reads: its model or an --input's file
// (outputs never go there).
bool is_run_input(const RunRequest& request, const std::string& path);

// Writes OUT.vtpu; throws vtpu::Error on any bad input.
void compile_model(const CompileRequest& request, const std::string& out);

// Runs the model and prints the summary table; throws vtpu::Error (exit
// status kFirmwareFault when the chip or the firmware fails). With a report
// path, a refused or failed run still writes its report, with the status.
void run_network(const config::Soc& config, const RunRequest& request);

// The report of a run refused before its config was loaded (a bad --config
// or --set): the command line's config name and overrides, the error.
// Writes nothing, silently, when `path` cannot be written.
void write_refused_report(const std::string& path, const std::string& config,
                          const std::vector<std::string>& sets, const std::string& model,
                          const Error& error);

}  // namespace vtpu
