#include "tools/gemm.h"

#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

#include "models/command_processor/command_processor.h"
#include "models/common/error.h"
#include "models/common/json.h"
#include "models/isa/vtpu/mxu_timing.h"
#include "models/mxu/reference.h"
#include "models/vpu/numerics.h"
#include "platform/config.h"
#include "platform/memory_system.h"
#include "platform/mxu_backend.h"
#include "platform/simulate.h"
#include "tools/report.h"

namespace vtpu {
namespace {

uint64_t round_up(uint64_t v, uint64_t to) {
  return (v + to - 1) / to * to;
}

// Stands where the firmware would: writes the command processor's registers.
struct Host : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Host> socket{"socket"};
  explicit Host(sc_core::sc_module_name name) : sc_module(name) {}
  void write(uint64_t address, uint32_t value) {
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_WRITE_COMMAND);
    t.set_address(address);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    t.set_data_length(4);
    t.set_streaming_width(4);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, delay);
    if (!t.is_response_ok()) throw Error("gemm: register write refused");
  }
};

// Formula names as docs/mxu.md writes them.
const char* formula(const mxu::ArrayConfig& a) {
  const bool ws = a.dataflow == mxu::Dataflow::kWeightStationary;
  if (a.timing == mxu::TimingMode::kStallFree)
    return ws ? "ceil(K/R)*ceil(N/C)*(2R+C+M-2)-1" : "ceil(M/R)*ceil(N/C)*(K+R+C-2)-1";
  return ws ? "R+(ceil(K/R)*ceil(N/C)-1)*max(M,R)+M+R+C+2" : "ceil(M/R)*ceil(N/C)*max(K,R)+R+C-2-1";
}

}  // namespace

void run_gemm(const config::Soc& config, const GemmOptions& o, std::ostream& out) {
  if (o.m == 0 || o.k == 0 || o.n == 0) throw Error("gemm: --m, --k and --n must be at least 1");
  if (o.precision != "int8" && o.precision != "bf16" && o.precision != "int4")
    throw Error("--precision " + o.precision + ": expected int8, bf16 or int4");
  if (o.sparsity != "dense" && o.sparsity != "2:4")
    throw Error("--sparsity " + o.sparsity + ": expected dense or 2:4");
  const bool sparse = o.sparsity == "2:4";
  if (sparse && o.precision != "int8") throw Error("--sparsity 2:4: int8 only");
  // --dataflow and --timing override the config's (the backend is checked again).
  config::MxuConfig unit = config.mxu();
  if (!o.dataflow.empty()) unit.set_dataflow(o.dataflow);
  if (!o.timing.empty()) unit.set_timing(o.timing);
  const mxu::ArrayConfig array = array_config(unit);
  const bool bf16 = o.precision == "bf16";
  const bool int4 = o.precision == "int4";  // int8 A, int4 B (w4a8)
  const uint64_t es = bf16 ? 2 : 1;
  const uint64_t b_row = int4 ? vtpu_mxu_folds(o.n, 2) : uint64_t{o.n} * es;
  // 2:4: B is K_s = 2 ceil(K/4) rows of stored weights, then their positions
  // (a nibble per column per group of four rows of K).
  const uint32_t b_rows = sparse ? vtpu_mxu_sparse_k(o.k) : o.k;
  const uint64_t meta_stride = vtpu_mxu_folds(o.n, 2);
  const uint64_t meta_bytes = sparse ? uint64_t{vtpu_mxu_folds(o.k, 4)} * meta_stride : 0;
  const uint64_t a_bytes = uint64_t{o.m} * o.k * es,
                 b_bytes = uint64_t{b_rows} * b_row + meta_bytes;
  const uint64_t c_bytes = uint64_t{o.m} * o.n * 4;
  if (a_bytes + b_bytes > (uint64_t{1} << 32) || c_bytes > (uint64_t{1} << 32))
    throw Error("gemm: operands larger than 4 GiB");

  // VMEM and AMEM grow to hold the operands if the config's are smaller.
  const config::MemoryConfig& mem = config.memory();
  const uint64_t vmem_size =
      std::max<uint64_t>(uint64_t{mem.vmem_kib()} * 1024, round_up(a_bytes, 64) + b_bytes);
  const uint64_t amem_size = std::max<uint64_t>(uint64_t{mem.amem_kib()} * 1024, c_bytes);
  const sc_core::sc_time clock = clock_period(config);
  auto ports = [&clock](const config::SramPorts& p) {
    return memory::PortModel{p.bytes_per_cycle(), p.ports(), clock};
  };
  const sc_core::sc_time latency = clock * static_cast<double>(mem.sram_latency_cycles());
  memory::Ram vmem("vmem", vmem_size, latency, ports(mem.vmem_ports()));
  memory::Ram amem("amem", amem_size, latency, ports(mem.amem_ports()));
  cp::CpOptions options = command_processor_options(config, vmem, amem, clock);
  options.array = array;
  const std::string& backend = unit.backend();
  std::string stopped;  // why the RTL backend ended the run
  const MxuBackend engine =
      make_mxu_backend(config, unit, clock, [&stopped](const std::string& why) {
        stopped = why;
        sc_core::sc_stop();
      });
  options.engine = engine.engine.get();
  cp::CommandProcessor processor("command_processor", options);
  // The processor's registers sit behind the interconnect, as in the SoC; the
  // host pushes the instruction through them as firmware would.
  interconnect::Router router("router", clock);
  Host host("host");
  router.connect("host", host.socket);
  const uint64_t cp_base = config.address_map().command_processor().base();
  router.map("command_processor", cp_base, config.address_map().command_processor().size(),
             processor.socket);
  router.map("vmem", options.vmem_base, vmem_size, vmem.socket);
  router.map("amem", options.amem_base, amem_size, amem.socket);
  sc_core::sc_signal<bool> done_line("done"), error_line("error");
  processor.irq_done.bind(done_line);
  processor.irq_error.bind(error_line);

  // Random operands, staged as the firmware's DMA would leave them.
  std::mt19937_64 rng(o.seed);
  uint8_t* v = vmem.data();
  const uint64_t staged = round_up(a_bytes, 64) + b_bytes;
  if (bf16) {
    std::uniform_real_distribution<float> value(-2.0f, 2.0f);
    for (uint64_t i = 0; i < staged; i += 2) {
      const uint16_t h = numerics::f32_to_bf16(value(rng));
      std::memcpy(v + i, &h, 2);
    }
  } else {
    for (uint64_t i = 0; i < staged; ++i) v[i] = static_cast<uint8_t>(rng());
  }
  if (o.accumulate) {  // random C to accumulate onto
    std::uniform_real_distribution<float> value(-100.0f, 100.0f);
    for (uint64_t i = 0; i < c_bytes; i += 4) {
      if (bf16) {
        const float f = value(rng);
        std::memcpy(amem.data() + i, &f, 4);
      } else {
        const int32_t w = static_cast<int32_t>(rng() % 2000001) - 1000000;
        std::memcpy(amem.data() + i, &w, 4);
      }
    }
  }
  vtpu_insn insn{};
  vtpu_insn_matmul& x = insn.matmul;
  x.h = vtpu_insn_header{VTPU_OP_MATMUL, VTPU_SEM_NONE, VTPU_SEM_NONE, 0};
  x.precision = bf16 ? VTPU_TYPE_BF16 : int4 ? VTPU_TYPE_INT4 : VTPU_TYPE_INT8;
  x.accumulate = o.accumulate;
  x.m = o.m;
  x.k = o.k;
  x.n = o.n;
  x.a_addr = static_cast<uint32_t>(options.vmem_base);
  x.a_stride = static_cast<uint32_t>(o.k * es);
  x.b_addr = static_cast<uint32_t>(options.vmem_base + round_up(a_bytes, 64));
  x.b_stride = static_cast<uint32_t>(b_row);
  if (sparse) {  // random stored weights and positions (a group may name one twice)
    x.sparsity = VTPU_SPARSITY_2_4;
    x.meta_addr = static_cast<uint32_t>(x.b_addr + uint64_t{b_rows} * b_row);
    x.meta_stride = static_cast<uint32_t>(meta_stride);
  }
  x.c_addr = static_cast<uint32_t>(options.amem_base);
  x.c_stride = o.n * 4;
  const mxu::Memory vmem_view{options.vmem_base, vmem_size, vmem.data()};
  const mxu::Memory amem_view{options.amem_base, amem_size, amem.data()};
  std::vector<uint8_t> expected;
  mxu::reference_matmul(x, vmem_view, amem_view, array, expected);

  elaborate();
  // The host's one-time set-up (oneDNN's check and code generation for this
  // shape, the thread pool, the kernels' buffers) is not the MXU's speed: a
  // network's run pays it once for thousands of MATMULs. So the product runs
  // once untimed first, into a scratch copy of AMEM, as bench/gemm_onednn's
  // first call does.
  if (!bf16) {
    std::vector<uint8_t> scratch(amem.data(), amem.data() + amem_size);
    mxu::execute(x, vmem_view, mxu::Memory{options.amem_base, amem_size, scratch.data()}, array);
  }
  auto write = [&](uint64_t offset, uint32_t value) { host.write(cp_base + offset, value); };
  for (unsigned w = 0; w < VTPU_INSN_WORDS; ++w)
    write(VTPU_CP_QUEUE(VTPU_QUEUE_MXU) + VTPU_CP_INSN + 4 * w, insn.words[w]);
  write(VTPU_CP_QUEUE(VTPU_QUEUE_MXU) + VTPU_CP_PUSH, 1);
  write(VTPU_CP_DOORBELL, 1);
  const auto wall_start = std::chrono::steady_clock::now();
  simulate();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (!stopped.empty()) throw Error(stopped, ExitCode::kCosim);
  if (processor.has_error())
    throw Error("gemm: the command processor stopped with error cause " +
                std::to_string(processor.error().cause));
  const bool exact = std::memcmp(expected.data(), amem.data(), expected.size()) == 0;

  const uint64_t macs = uint64_t{o.m} * b_rows * o.n;  // the array's: K_s rows when 2:4
  const uint64_t cycles = processor.last_matmul_array_cycles();
  Json j;
  describe_config(j, config);
  j["backend"] = backend;
  j["precision"] = o.precision;
  j["dataflow"] = array.dataflow == mxu::Dataflow::kWeightStationary ? "ws" : "os";
  j["timing"] = array.timing == mxu::TimingMode::kStallFree ? "stall-free" : "overlapped";
  j["rows"] = array.rows;
  j["cols"] = array.cols;
  j["m"] = o.m;
  j["k"] = o.k;
  j["n"] = o.n;
  j["macs"] = macs;
  j["mxu_cycles"] = cycles;
  j["total_cycles"] = processor.last_matmul_cycles();
  // An int4 PE does int4_macs_per_pe products per cycle.
  const double per_pe = int4 ? array.int4_macs_per_pe : 1;
  j["utilization"] = rounded(
      static_cast<double>(macs) / (static_cast<double>(cycles) * array.rows * array.cols * per_pe),
      6);
  j["host_gmacs_per_s"] = rounded(static_cast<double>(macs) / wall / 1e9, 3);
  j["wall_time_s"] = rounded(wall, 3);
  j["bit_exact"] = exact;
  j["sparsity"] = o.sparsity;
  j["weight_rows"] = b_rows;
  j["formula"] = std::string(formula(array)) +
                 (sparse ? " with K_s=2*ceil(K/4) for K"
                  : int4 ? " with ceil(K/" + std::to_string(array.int4_macs_per_pe) + ") for K"
                         : "");
  if (int4) j["int4_macs_per_pe"] = array.int4_macs_per_pe;
  out << json_text(j) << "\n";
  if (!exact)
    throw Error("gemm: the MXU's result differs from the scalar reference",
                ExitCode::kFirmwareFault);
}

}  // namespace vtpu
