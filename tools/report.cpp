#include "tools/report.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <filesystem>

#include "models/common/atomic_file.h"
#include "models/common/version.h"
#include "models/isa/vtpu/names.h"
#include "platform/config.h"
#include "platform/memory_system.h"
#include "platform/memspec.h"
#include "tools/digest.h"

namespace vtpu {
namespace {

// The chip's roofline (docs/observability.md).
struct Roofline {
  double macs_per_cycle;       // the MXU's peak: rows x cols
  double hbm_bytes_per_cycle;  // the HBM's peak pin bandwidth per core clock
  double clock_hz;
  double int4_macs_per_pe;  // int4 weights: products per PE per cycle (mxu.int4_macs_per_pe)
};

Roofline roofline_of(const config::Soc& c) {
  return Roofline{static_cast<double>(c.mxu().rows()) * c.mxu().cols(), hbm_bytes_per_cycle(c),
                  c.clock_mhz() * 1e6, static_cast<double>(c.mxu().int4_macs_per_pe())};
}

// How a product layer stores its weights (docs/observability.md): "dense",
// "2:4" or "int4"; "" for other layers.
std::string weights_name(const vtpu_layer& layer) {
  if (layer.kind != VTPU_LAYER_CONV2D && layer.kind != VTPU_LAYER_MATMUL) return "";
  const uint8_t f = layer.kind == VTPU_LAYER_CONV2D ? layer.u.conv2d.weights_format
                                                    : layer.u.matmul.weights_format;
  return f == VTPU_WEIGHTS_SPARSE_2_4 ? "2:4" : f == VTPU_WEIGHTS_INT4 ? "int4" : "dense";
}

// One layer's figures from its counters.
LayerReport layer_report(const vtpu_layer_result& r, const sw::LayerInfo& info,
                         const vtpu_layer& layer, bool int8, const Roofline& roof,
                         const config::EnergyConfig& e, double dram_pj_per_byte) {
  LayerReport l;
  l.name = info.name;
  l.op = info.op;
  l.kind = vtpu_layer_kind_name(layer.kind);
  l.weights = weights_name(layer);
  l.one_buffer = (layer.flags & VTPU_LAYER_ONE_BUFFER) != 0;
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
  // The array's peak for this layer: 2:4 weights cover two rows of K per
  // PE row, int4 ones int4_macs_per_pe (docs/mxu.md).
  l.peak_macs_per_cycle = roof.macs_per_cycle * (l.weights == "2:4"    ? 2.0
                                                 : l.weights == "int4" ? roof.int4_macs_per_pe
                                                                       : 1.0);
  l.mxu_utilization = cycles > 0 ? macs / (cycles * l.peak_macs_per_cycle) : 0;
  l.hbm_gbps = cycles > 0 ? hbm / (cycles / roof.clock_hz) / 1e9 : 0;
  l.arithmetic_intensity = hbm > 0 ? macs / hbm : 0;
  const double compute = macs / l.peak_macs_per_cycle, memory = hbm / roof.hbm_bytes_per_cycle;
  l.roofline_cycles = std::max(compute, memory);
  l.bound = info.macs == 0 ? "memory" : compute >= memory ? "compute" : "memory";
  // MACs as the MXU did them; on-chip bytes: each DMA byte once at its SRAM
  // end, each VPU element read and written as fp32.
  const double sram = static_cast<double>(l.dma_bytes) + 8.0 * l.vpu_elements;
  l.energy_uj = (l.mxu_macs * (int8 ? e.mac_int8_pj() : e.mac_bf16_pj()) +
                 sram * 0.5 * (e.sram_read_pj_per_byte() + e.sram_write_pj_per_byte()) +
                 hbm * dram_pj_per_byte) *
                1e-6;
  return l;
}

// Per layer, the bytes of its constants the runtime holds (docs/runtime.md,
// "Held weights"): the table's pieces for it, when the chip runs them (the
// switches on, and all of them fitting VMEM above the tile window, as the
// firmware checks).
std::vector<uint64_t> held_bytes(const config::Soc& config, const sw::Program& program) {
  std::vector<uint64_t> held(program.layers.size(), 0);
  if (!holds_weights(config)) return held;
  uint64_t total = 0;
  const auto& tensors = program.image.tensors();
  for (size_t i = 0; i < tensors.size() && i < VTPU_MODEL_MAX_TENSORS; ++i)
    if (tensors[i].flags & VTPU_TENSOR_HELD) {
      total += (tensors[i].bytes + 63u) & ~uint64_t{63};
      if (tensors[i].last < held.size()) held[tensors[i].last] += tensors[i].bytes;
    }
  const uint32_t vmem = config.memory().vmem_kib() * 1024u;
  if (total > vmem - vtpu_tile_window(vmem, config.mxu().rows(), config.mxu().cols()))
    std::fill(held.begin(), held.end(), 0);
  return held;
}

// What the runtime reads of the tensor table at start (docs/runtime.md,
// "Resident activations"): nothing when residency is off.
uint64_t activation_table_bytes(const config::Soc& config, const sw::Program& program) {
  if (!config.runtime().resident_activations()) return 0;
  return uint64_t{std::min(program.image.header().tensor_count, VTPU_MODEL_MAX_TENSORS)} *
         sizeof(vtpu_tensor);
}

// The price of a DRAM byte: energy.hbm_pj_per_byte when the config sets it,
// else the memory preset's own (its memspec's energy.pj_per_bit).
double dram_pj_per_byte(const config::Soc& c) {
  return c.energy().has_hbm_pj_per_byte() ? c.energy().hbm_pj_per_byte()
                                          : 8.0 * config::memspec(c.hbm().preset()).pj_per_bit;
}

// The merged config as JSON (protobuf's mapping, field names as in
// config.proto: 64-bit integers as strings).
Json config_json(const config::Soc& config) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(config, &text, options).ok())
    return Json(config::text(config));
  return Json::parse(text);
}

}  // namespace

double hbm_bytes_per_cycle(const config::Soc& c) {
  return config::memspec(c.hbm().preset()).pseudo_channel_bytes_per_s() *
         hbm_mapping(c).controllers() / (c.clock_mhz() * 1e6);
}

bool holds_weights(const config::Soc& c) {
  return c.runtime().held_weights() && c.runtime().resident_activations();
}

RunHeader run_header(const config::Soc& config, const std::string& model, bool hash) {
  RunHeader h;
  h.config = config;
  h.model = model;
  if (hash) h.model_sha256 = file_sha256(model);
  return h;
}

void set_error(RunHeader& header, const Error& error, const std::string& layer) {
  header.status = "error";
  header.error = error.what();
  header.error_layer = error.layer().empty() ? layer : error.layer();
  header.exit_code = static_cast<int>(error.code());
}

Report make_report(RunHeader header, double wall_s) {
  Report r;
  r.header = std::move(header);
  r.wall_time_s = wall_s;
  const config::Soc& config = r.header.config;
  if (config.clock_mhz() <= 0) return r;  // a config refused before it loaded: no figures
  const Roofline roof = roofline_of(config);
  r.peak_macs_per_cycle = roof.macs_per_cycle;
  r.peak_hbm_bytes_per_cycle = roof.hbm_bytes_per_cycle;
  r.dram_pj_per_bit = dram_pj_per_byte(config) / 8;
  r.dram_energy_source = config.energy().has_hbm_pj_per_byte()
                             ? "energy.hbm_pj_per_byte"
                             : config::memspec(config.hbm().preset()).energy_source;
  return r;
}

Report make_report(RunHeader header, const sw::Program& program, const runtime::ModelRun& run,
                   double compile_s, double wall_s) {
  Report r = make_report(std::move(header), wall_s);
  const config::Soc& config = r.header.config;
  const Roofline roof = roofline_of(config);
  const bool int8 = program.precision == sw::Precision::kInt8;
  r.simulated_time_ns = run.run.simulated_time.to_seconds() * 1e9;
  r.cycles = run.result.cycles;
  r.compile_time_s = compile_s;
  r.calibration_time_s = program.calibration_seconds;
  r.simulation_time_s = run.run.host_seconds;
  r.core_instructions = run.run.instructions;
  r.hbm_corrected_errors = run.run.hbm.corrected_errors;
  r.hbm_uncorrected_errors = run.run.hbm.uncorrected_errors;
  r.vmem_upsets = run.run.vmem_upsets;
  r.amem_upsets = run.run.amem_upsets;
  r.core_ram_upsets = run.run.core_ram_upsets;
  r.activation_table_bytes = activation_table_bytes(config, program);
  uint64_t layer_cycles = 0;
  double peak_cycles = 0;  // each layer's MACs at its peak
  const size_t reached = std::min(run.layers.size(), program.layers.size());
  const std::vector<uint64_t> held = held_bytes(config, program);
  for (size_t i = 0; i < reached; ++i) {
    r.layers.push_back(layer_report(run.layers[i], program.layers[i], program.image.layers()[i],
                                    int8, roof, config.energy(), 8 * r.dram_pj_per_bit));
    r.layers.back().held_bytes = held[i];
    const LayerReport& l = r.layers.back();
    r.macs += l.macs;
    layer_cycles += l.cycles;
    if (l.macs) peak_cycles += static_cast<double>(l.macs) / l.peak_macs_per_cycle;
    r.hbm_read_bytes += l.hbm_read_bytes;
    r.hbm_write_bytes += l.hbm_write_bytes;
    r.energy_uj += l.energy_uj;
  }
  r.mxu_utilization = layer_cycles ? peak_cycles / static_cast<double>(layer_cycles) : 0;
  return r;
}

Json to_json(const Report& r) {
  const RunHeader& h = r.header;
  Json j;
  j["status"] = h.status;
  if (h.status != "ok") {
    Json e;
    e["message"] = h.error;
    if (!h.error_layer.empty()) e["layer"] = h.error_layer;
    e["exit_code"] = h.exit_code;
    j["error"] = std::move(e);
  }
  j["model"] = h.model;
  j["model_name"] = std::filesystem::path(h.model).stem().string();
  j["model_sha256"] = h.model_sha256;
  j["precision"] = h.precision;
  j["batch"] = h.batch;
  describe_config(j, h.config);
  Json effective = std::move(j["config_effective"]);  // long: last, after the layers
  j.erase("config_effective");
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
  j["hbm_corrected_errors"] = r.hbm_corrected_errors;
  j["hbm_uncorrected_errors"] = r.hbm_uncorrected_errors;
  j["sram_upsets"] = {
      {"vmem", r.vmem_upsets}, {"amem", r.amem_upsets}, {"core_ram", r.core_ram_upsets}};
  j["dram_pj_per_bit"] = r.dram_pj_per_bit;
  j["dram_energy_source"] = r.dram_energy_source;
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
    if (!l.weights.empty()) o["weights"] = l.weights;
    o["macs"] = l.macs;
    o["mxu_macs"] = l.mxu_macs;
    o["cycles"] = l.cycles;
    o["mxu_utilization"] = l.mxu_utilization;
    o["mxu_busy_cycles"] = l.mxu_busy_cycles;
    if (!l.dataflow.empty()) o["dataflow"] = l.dataflow;
    if (l.one_buffer) o["one_buffer"] = true;
    if (l.held_bytes) o["held_bytes"] = l.held_bytes;
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
  j["config_effective"] = std::move(effective);
  return j;
}

void describe_config(Json& j, const config::Soc& config) {
  j["vtpu_version"] = version();
  j["config"] = config::describe(config);
  j["config_name"] = config.name();
  j["config_overrides"] = Json::array();
  for (const std::string& o : config.overrides()) j["config_overrides"].push_back(o);
  j["config_effective"] = config_json(config);
}

void write_report(const std::string& path, const Report& report) {
  const std::string text = json_text(to_json(report), 2) + "\n";
  write_file_atomically(
      path, [&text](std::ostream& out) { return static_cast<bool>(out << text); }, " the report");
}

void print_table(const Report& r, std::FILE* out) {
  std::fprintf(out, "%-40s %-18s %-7s %12s %14s %6s %8s %s\n", "layer", "op", "weights", "cycles",
               "MACs", "MXU %", "HBM GB/s", "bound");
  for (const LayerReport& l : r.layers)
    std::fprintf(out, "%-40.40s %-18.18s %-7s %12llu %14llu %6.1f %8.1f %s\n", l.name.c_str(),
                 l.op.c_str(), l.weights.c_str(), static_cast<unsigned long long>(l.cycles),
                 static_cast<unsigned long long>(l.macs), 100.0 * l.mxu_utilization, l.hbm_gbps,
                 l.bound);
  std::fprintf(
      out,
      "%s on %s (%s): %zu layers, %.3f ms simulated, %llu cycles, %.2f GMAC, "
      "MXU utilization %.1f %%, energy %.1f uJ, wall %.2f s (compile %.2f s, simulation %.2f s)\n",
      r.header.model.c_str(), config::describe(r.header.config).c_str(), r.header.precision.c_str(),
      r.layers.size(), r.simulated_time_ns / 1e6, static_cast<unsigned long long>(r.cycles),
      r.macs / 1e9, 100.0 * r.mxu_utilization, r.energy_uj, r.wall_time_s, r.compile_time_s,
      r.simulation_time_s);
}

}  // namespace vtpu
