// What `vtpu run` reports (docs/compiler.md, "Report"; docs/observability.md):
// built once from the run's counters and the chip's roofline; the JSON file
// and the console table both come from it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "models/common/error.h"
#include "models/common/json.h"
#include "platform/config.pb.h"
#include "platform/model_runner.h"
#include "sw/compiler/compiler.h"

namespace vtpu {

// The HBM's peak pin bandwidth in bytes per core clock (the report's
// `peak_hbm_bytes_per_cycle`).
double hbm_bytes_per_cycle(const config::Soc& c);
// Whether the chip's firmware holds weights (docs/runtime.md, "Held
// weights"): runtime.held_weights, with resident activations on.
bool holds_weights(const config::Soc& c);

struct LayerReport {
  std::string name, op, kind;
  std::string weights;  // product layers: "dense", "2:4" or "int4" (the layer table's)
  // The MXU's dataflow for the layer's MATMULs, from the counters: "ws", "os",
  // "ws+os" (both ran), or "" (no MATMUL).
  std::string dataflow;
  bool one_buffer = false;  // VTPU_LAYER_ONE_BUFFER: tiled with one buffer set (--tune)
  uint64_t held_bytes = 0;  // its constants copied into VMEM ahead of it (held weights)
  uint64_t macs = 0;        // the model's (what the layer computes)
  uint64_t mxu_macs = 0;    // as the MXU did them (a depthwise conv's zeros included)
  uint64_t cycles = 0;
  uint64_t mxu_busy_cycles = 0, vpu_busy_cycles = 0, dma_busy_cycles = 0;
  uint64_t dma_bytes = 0, vpu_elements = 0, hbm_read_bytes = 0, hbm_write_bytes = 0;
  double peak_macs_per_cycle = 0;  // the array's for this layer's weights (2:4, int4: more)
  double mxu_utilization = 0, hbm_gbps = 0;
  double arithmetic_intensity = 0;  // MACs per HBM byte
  double roofline_cycles = 0;       // the chip's bound for this layer's MACs and bytes
  const char* bound = "memory";     // "compute" or "memory"
  double energy_uj = 0;
};

// What a report says about the run itself (docs/observability.md,
// "Report"): every report carries it, a refused or failed run's too.
struct RunHeader {
  config::Soc config;         // the merged config, its name and overrides
  std::string model;          // the model file as given
  std::string model_sha256;   // of the file's bytes (`sha256sum`); "" when unreadable
  std::string precision;      // "" until the model is compiled or read
  int64_t batch = 0;          // the first input's leading dimension; 0 until known
  std::string status = "ok";  // "ok" or "error"
  std::string error;          // the error's one line
  std::string error_layer;    // the node or layer it names, or ""
  int exit_code = 0;          // the status vtpu exits with
};

// The header of a run of `model` on `config`, before anything is known of it;
// the model's hash unless `hash` is false (the caller hashes it meanwhile).
RunHeader run_header(const config::Soc& config, const std::string& model, bool hash = true);

// The header's status for a run that ended in `error` (the layer it names,
// else `layer`).
void set_error(RunHeader& header, const Error& error, const std::string& layer = "");

struct Report {
  RunHeader header;
  double simulated_time_ns = 0;
  uint64_t cycles = 0;
  double wall_time_s = 0, compile_time_s = 0, calibration_time_s = 0, simulation_time_s = 0;
  uint64_t core_instructions = 0, macs = 0;
  double mxu_utilization = 0;
  uint64_t hbm_read_bytes = 0, hbm_write_bytes = 0;
  uint64_t activation_table_bytes = 0;  // read by the runtime at start (resident activations)
  double energy_uj = 0;
  uint64_t hbm_corrected_errors = 0, hbm_uncorrected_errors = 0;   // injected (faults.*)
  uint64_t vmem_upsets = 0, amem_upsets = 0, core_ram_upsets = 0;  // injected (faults.*)
  double dram_pj_per_bit = 0;  // what the energy prices a DRAM bit at
  std::string dram_energy_source;
  double peak_macs_per_cycle = 0, peak_hbm_bytes_per_cycle = 0;
  std::vector<LayerReport> layers;  // a failed run's: those it finished
};

// The report of a run of `program` that reached the layers of `run` (all of
// them when the run ended well).
Report make_report(RunHeader header, const sw::Program& program, const runtime::ModelRun& run,
                   double compile_s, double wall_s);

// The report of a run that ended before the simulation: the header, no figures.
Report make_report(RunHeader header, double wall_s);

Json to_json(const Report& report);

// What every report says of its build and chip, as members of `j`:
// vtpu_version, config (config::describe), config_name, config_overrides,
// config_effective (the merged config as JSON, protobuf's mapping).
void describe_config(Json& j, const config::Soc& config);

// `report` as JSON into `path`, all or nothing. Throws vtpu::Error.
void write_report(const std::string& path, const Report& report);

// The per-layer table and the one-line summary, as `vtpu run` prints them.
void print_table(const Report& report, std::FILE* out);

}  // namespace vtpu
