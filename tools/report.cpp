#include "tools/report.h"

#include <algorithm>

#include "models/isa/vtpu/names.h"
#include "platform/memory_system.h"
#include "platform/memspec.h"

namespace vtpu {
namespace {

// The chip's roofline (docs/observability.md).
struct Roofline {
  double macs_per_cycle;       // the MXU's peak: rows x cols
  double hbm_bytes_per_cycle;  // the HBM's peak pin bandwidth per core clock
  double clock_hz;
};

Roofline roofline_of(const config::Soc& c) {
  const double clock = c.clock_mhz() * 1e6;
  return Roofline{static_cast<double>(c.mxu().rows()) * c.mxu().cols(),
                  config::memspec(c.hbm().preset()).pseudo_channel_bytes_per_s() *
                      hbm_mapping(c).controllers() / clock,
                  clock};
}

// One layer's figures from its counters.
LayerReport layer_report(const vtpu_layer_result& r, const sw::LayerInfo& info, uint8_t kind,
                         bool int8, const Roofline& roof, const config::EnergyConfig& e) {
  LayerReport l;
  l.name = info.name;
  l.op = info.op;
  l.kind = vtpu_layer_kind_name(kind);
  l.macs = info.macs;
  l.mxu_macs = r.counters[VTPU_CNT_MACS];
  l.cycles = r.cycles;
  l.mxu_busy_cycles = r.counters[VTPU_CNT_MXU_BUSY];
  l.vpu_busy_cycles = r.counters[VTPU_CNT_VPU_BUSY];
  l.dma_busy_cycles = r.counters[VTPU_CNT_DMA_BUSY];
  l.dma_bytes = r.counters[VTPU_CNT_DMA_BYTES];
  l.vpu_elements = r.counters[VTPU_CNT_VPU_ELEMS];
  l.hbm_read_bytes = r.counters[VTPU_CNT_HBM_READ];
  l.hbm_write_bytes = r.counters[VTPU_CNT_HBM_WRITE];
  const bool ws = r.counters[VTPU_CNT_MATMUL_WS] > 0, os = r.counters[VTPU_CNT_MATMUL_OS] > 0;
  l.dataflow = ws && os ? "ws+os" : ws ? "ws" : os ? "os" : "";
  const double cycles = static_cast<double>(r.cycles), macs = static_cast<double>(info.macs);
  const double hbm = static_cast<double>(l.hbm_read_bytes + l.hbm_write_bytes);
  l.mxu_utilization = cycles > 0 ? macs / (cycles * roof.macs_per_cycle) : 0;
  l.hbm_gbps = cycles > 0 ? hbm / (cycles / roof.clock_hz) / 1e9 : 0;
  l.arithmetic_intensity = hbm > 0 ? macs / hbm : 0;
  const double compute = macs / roof.macs_per_cycle, memory = hbm / roof.hbm_bytes_per_cycle;
  l.roofline_cycles = std::max(compute, memory);
  l.bound = info.macs == 0 ? "memory" : compute >= memory ? "compute" : "memory";
  // MACs as the MXU did them; on-chip bytes: each DMA byte once at its SRAM
  // end, each VPU element read and written as fp32.
  const double sram = static_cast<double>(l.dma_bytes) + 8.0 * l.vpu_elements;
  l.energy_uj = (l.mxu_macs * (int8 ? e.mac_int8_pj() : e.mac_bf16_pj()) +
                 sram * 0.5 * (e.sram_read_pj_per_byte() + e.sram_write_pj_per_byte()) +
                 hbm * e.hbm_pj_per_byte()) *
                1e-6;
  return l;
}

// What the runtime reads of the tensor table at start (docs/runtime.md,
// "Resident activations"): nothing when residency is off.
uint64_t activation_table_bytes(const config::Soc& config, const sw::Program& program) {
  if (!config.runtime().resident_activations()) return 0;
  return uint64_t{std::min(program.image.header().tensor_count, VTPU_MODEL_MAX_TENSORS)} *
         sizeof(vtpu_tensor);
}

}  // namespace

Report make_report(const config::Soc& config, const std::string& model, const sw::Program& program,
                   const runtime::ModelRun& run, double compile_s, double wall_s) {
  const Roofline roof = roofline_of(config);
  const bool int8 = program.precision == sw::Precision::kInt8;
  Report r;
  r.model = model;
  r.config = config.name();
  r.precision = sw::precision_name(program.precision);
  r.simulated_time_ns = run.run.simulated_time.to_seconds() * 1e9;
  r.cycles = run.result.cycles;
  r.wall_time_s = wall_s;
  r.compile_time_s = compile_s;
  r.calibration_time_s = program.calibration_seconds;
  r.simulation_time_s = run.run.host_seconds;
  r.core_instructions = run.run.instructions;
  r.activation_table_bytes = activation_table_bytes(config, program);
  r.peak_macs_per_cycle = roof.macs_per_cycle;
  r.peak_hbm_bytes_per_cycle = roof.hbm_bytes_per_cycle;
  uint64_t layer_cycles = 0;
  for (size_t i = 0; i < run.layers.size(); ++i) {
    r.layers.push_back(layer_report(run.layers[i], program.layers[i],
                                    program.image.layers()[i].kind, int8, roof, config.energy()));
    const LayerReport& l = r.layers.back();
    r.macs += l.macs;
    layer_cycles += l.cycles;
    r.hbm_read_bytes += l.hbm_read_bytes;
    r.hbm_write_bytes += l.hbm_write_bytes;
    r.energy_uj += l.energy_uj;
  }
  r.mxu_utilization =
      layer_cycles ? r.macs / (static_cast<double>(layer_cycles) * roof.macs_per_cycle) : 0;
  return r;
}

Json to_json(const Report& r) {
  Json j;
  j["model"] = r.model;
  j["config"] = r.config;
  j["precision"] = r.precision;
  j["simulated_time_ns"] = r.simulated_time_ns;
  j["cycles"] = r.cycles;
  j["wall_time_s"] = r.wall_time_s;
  j["compile_time_s"] = r.compile_time_s;
  j["calibration_time_s"] = r.calibration_time_s;
  j["simulation_time_s"] = r.simulation_time_s;
  j["core_instructions"] = r.core_instructions;
  j["macs"] = r.macs;
  j["mxu_utilization"] = r.mxu_utilization;
  j["hbm_read_bytes"] = r.hbm_read_bytes;
  j["hbm_write_bytes"] = r.hbm_write_bytes;
  j["activation_table_bytes"] = r.activation_table_bytes;
  j["energy_uj"] = r.energy_uj;
  j["peak_macs_per_cycle"] = r.peak_macs_per_cycle;
  j["peak_hbm_bytes_per_cycle"] = r.peak_hbm_bytes_per_cycle;
  Json layers = Json::array();
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const LayerReport& l = r.layers[i];
    Json o;
    o["index"] = i;
    o["name"] = l.name;
    o["op"] = l.op;
    o["kind"] = l.kind;
    o["macs"] = l.macs;
    o["mxu_macs"] = l.mxu_macs;
    o["cycles"] = l.cycles;
    o["mxu_utilization"] = l.mxu_utilization;
    o["mxu_busy_cycles"] = l.mxu_busy_cycles;
    if (!l.dataflow.empty()) o["dataflow"] = l.dataflow;
    o["vpu_busy_cycles"] = l.vpu_busy_cycles;
    o["dma_busy_cycles"] = l.dma_busy_cycles;
    o["dma_bytes"] = l.dma_bytes;
    o["vpu_elements"] = l.vpu_elements;
    o["hbm_read_bytes"] = l.hbm_read_bytes;
    o["hbm_write_bytes"] = l.hbm_write_bytes;
    o["hbm_gbps"] = l.hbm_gbps;
    o["arithmetic_intensity"] = l.arithmetic_intensity;
    o["roofline_cycles"] = l.roofline_cycles;
    o["bound"] = l.bound;
    o["energy_uj"] = l.energy_uj;
    layers.push_back(std::move(o));
  }
  j["layers"] = std::move(layers);
  return j;
}

void print_table(const Report& r, std::FILE* out) {
  std::fprintf(out, "%-40s %-18s %12s %14s %6s %8s %s\n", "layer", "op", "cycles", "MACs", "MXU %",
               "HBM GB/s", "bound");
  for (const LayerReport& l : r.layers)
    std::fprintf(out, "%-40.40s %-18.18s %12llu %14llu %6.1f %8.1f %s\n", l.name.c_str(),
                 l.op.c_str(), static_cast<unsigned long long>(l.cycles),
                 static_cast<unsigned long long>(l.macs), 100.0 * l.mxu_utilization, l.hbm_gbps,
                 l.bound);
  std::fprintf(
      out,
      "%s on %s (%s): %zu layers, %.3f ms simulated, %llu cycles, %.2f GMAC, "
      "MXU utilization %.1f %%, energy %.1f uJ, wall %.2f s (compile %.2f s, simulation %.2f s)\n",
      r.model.c_str(), r.config.c_str(), r.precision.c_str(), r.layers.size(),
      r.simulated_time_ns / 1e6, static_cast<unsigned long long>(r.cycles), r.macs / 1e9,
      100.0 * r.mxu_utilization, r.energy_uj, r.wall_time_s, r.compile_time_s, r.simulation_time_s);
}

}  // namespace vtpu
