// What `vtpu run` reports (docs/compiler.md, "Report"; docs/observability.md):
// built once from the run's counters and the chip's roofline; the JSON file
// and the console table both come from it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "models/common/json.h"
#include "platform/config.pb.h"
#include "platform/model_runner.h"
#include "sw/compiler/compiler.h"

namespace vtpu {

struct LayerReport {
  std::string name, op, kind;
  // The MXU's dataflow for the layer's MATMULs, from the counters: "ws", "os",
  // "ws+os" (both ran), or "" (no MATMUL).
  std::string dataflow;
  uint64_t macs = 0;      // the model's (what the layer computes)
  uint64_t mxu_macs = 0;  // as the MXU did them (a depthwise conv's zeros included)
  uint64_t cycles = 0;
  uint64_t mxu_busy_cycles = 0, vpu_busy_cycles = 0, dma_busy_cycles = 0;
  uint64_t dma_bytes = 0, vpu_elements = 0, hbm_read_bytes = 0, hbm_write_bytes = 0;
  double mxu_utilization = 0, hbm_gbps = 0;
  double arithmetic_intensity = 0;  // MACs per HBM byte
  double roofline_cycles = 0;       // the chip's bound for this layer's MACs and bytes
  const char* bound = "memory";     // "compute" or "memory"
  double energy_uj = 0;
};

struct Report {
  std::string model, config, precision;
  double simulated_time_ns = 0;
  uint64_t cycles = 0;
  double wall_time_s = 0, compile_time_s = 0, calibration_time_s = 0, simulation_time_s = 0;
  uint64_t core_instructions = 0, macs = 0;
  double mxu_utilization = 0;
  uint64_t hbm_read_bytes = 0, hbm_write_bytes = 0;
  uint64_t activation_table_bytes = 0;  // read by the runtime at start (resident activations)
  double energy_uj = 0;
  double peak_macs_per_cycle = 0, peak_hbm_bytes_per_cycle = 0;
  std::vector<LayerReport> layers;
};

// The report of a finished run of `program` (the model file `model`) on `config`.
Report make_report(const config::Soc& config, const std::string& model, const sw::Program& program,
                   const runtime::ModelRun& run, double compile_s, double wall_s);

Json to_json(const Report& report);

// The per-layer table and the one-line summary, as `vtpu run` prints them.
void print_table(const Report& report, std::FILE* out);

}  // namespace vtpu
