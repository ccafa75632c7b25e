#include "platform/soc.h"

#include <chrono>
#include <cstdio>
#include <sstream>

namespace vtpu {
namespace {

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

Soc::Soc(sc_core::sc_module_name name, const config::Soc& config, const ElfImage& firmware,
         const RunOptions& limits)
    : sc_module(name),
      config_(config),
      firmware_(firmware),
      limits_(limits),
      clock_period_(sc_core::sc_time(1e3 / config.clock_mhz(), sc_core::SC_NS)),
      irq_lines_("irq_line", VTPU_PLIC_SOURCES) {
  using sc_core::sc_time;
  const config::AddressMap& map = config.address_map();
  const uint64_t ram_size = uint64_t{config.memory().core_ram_kib()} * 1024;
  auto cycles = [this](uint32_t n) { return clock_period_ * static_cast<double>(n); };
  const sc_time mmio_latency = cycles(1);

  tlm::tlm_global_quantum::instance().set(sc_time(config.core().quantum_ns(), sc_core::SC_NS));

  router_ = std::make_unique<interconnect::Router>(
      "router", cycles(config.peripherals().interconnect_latency_cycles()));
  core_ram_ = std::make_unique<memory::Ram>("core_ram", ram_size,
                                            cycles(config.memory().core_ram_latency_cycles()));

  core::Core::Options options;
  options.clock_period = clock_period_;
  options.timer_tick = sc_time(1.0 / config.peripherals().timer_frequency_mhz(), sc_core::SC_US);
  options.dmi = config.core().dmi();
  options.max_instructions = limits.max_instructions;
  options.run_until = limits.max_time;
  options.code_base = static_cast<uint32_t>(map.core_ram_base());
  options.code_size = static_cast<uint32_t>(ram_size);
  core_ =
      std::make_unique<core::Core>("core", options, [this](ExitCode code, const std::string& why) {
        end_run(RunResult::End::kStopped, 0, code, why);
      });

  auto on_exit = [this](uint64_t code, const std::string&) {
    end_run(RunResult::End::kExit, code, ExitCode::kFirmwareFault, "");
  };
  clint_ = std::make_unique<peripherals::Clint>("clint", mmio_latency, options.timer_tick);
  plic_ = std::make_unique<peripherals::Plic>("plic", mmio_latency);
  uart_ = std::make_unique<peripherals::Uart>("uart", mmio_latency, stdout);
  sim_control_ = std::make_unique<peripherals::SimControl>("sim_control", mmio_latency, on_exit);

  core_->socket.bind(router_->targets_in);
  router_->map("core_ram", map.core_ram_base(), ram_size, core_ram_->socket);
  router_->map("clint", map.clint().base(), map.clint().size(), clint_->socket);
  router_->map("plic", map.plic().base(), map.plic().size(), plic_->socket);
  router_->map("uart", map.uart().base(), map.uart().size(), uart_->socket);
  router_->map("sim_ctrl", map.sim_ctrl().base(), map.sim_ctrl().size(), sim_control_->socket);
  if (firmware.tohost) {
    htif_ = std::make_unique<peripherals::Htif>("htif", mmio_latency, on_exit);
    router_->map("htif_tohost", *firmware.tohost, 8, htif_->socket, /*overlay=*/true);
  }

  clint_->mtip.bind(mtip_);
  clint_->msip.bind(msip_);
  plic_->meip.bind(meip_);
  core_->mtip.bind(mtip_);
  core_->msip.bind(msip_);
  core_->meip.bind(meip_);
  for (unsigned i = 0; i < VTPU_PLIC_SOURCES; ++i) plic_->sources[i].bind(irq_lines_[i]);
  for (unsigned i = 0; i < sim_control_->irq_out.size(); ++i)
    sim_control_->irq_out[i].bind(irq_lines_[VTPU_IRQ_TEST_FIRST + i]);

  check_fits(firmware);
  core_->set_reset_pc(firmware.entry);
  if (limits.gdb_port) {
    gdb_ = std::make_unique<GdbStub>(*core_, *limits.gdb_port,
                                     [this](const std::string& c) { return monitor(c); });
    if (limits.gdb_wait) core_->request_halt();
  }
}

std::string Soc::monitor(const std::string& command) const {
  std::ostringstream out;
  if (command == "time") {
    out << "simulated time: " << core_->local_time_now().to_seconds() * 1e9
        << " ns, core cycles: " << core_->cycles()
        << ", instructions retired: " << core_->instructions_retired() << "\n";
  } else if (command == "accel" || command == "accelerator") {
    out << "accelerator: not modelled in this build yet (no command queues, DMA, MXU or VPU)\n";
  } else {
    out << "monitor commands: time (simulated time, cycles, instructions), accel (accelerator "
           "status)\n";
  }
  return out.str();
}

void Soc::check_fits(const ElfImage& image) const {
  for (const ElfSegment& seg : image.segments) {
    const uint64_t end = uint64_t{seg.address} + seg.memory_size;
    const std::string range = hex(seg.address) + ".." + hex(end - 1);
    const interconnect::Router::Region* region = nullptr;
    for (const auto& r : router_->regions())  // overlays (HTIF) lie on memory: skip them
      if (!r.overlay && r.contains(seg.address)) region = &r;
    if (region == nullptr)
      throw Error(image.path + ": segment " + range + " is outside the memory map");
    if (region->name != "core_ram")
      throw Error(image.path + ": segment " + range + " lies in '" + region->name +
                  "', which is not memory");
    if (end > region->base + region->size)
      throw Error(image.path + ": segment " + range + " does not fit core RAM (" +
                  hex(region->base) + ".." + hex(region->base + region->size - 1) + ")");
  }
}

// Segments are placed through debug transport once the sockets are bound.
void Soc::end_of_elaboration() {
  for (const ElfSegment& seg : firmware_.segments) {
    std::vector<uint8_t> bytes(seg.memory_size, 0);
    std::copy(seg.data.begin(), seg.data.end(), bytes.begin());
    // The router serves one region per call (an overlay splits a segment).
    for (uint32_t done = 0; done < bytes.size();) {
      unsigned n = core_->debug_access(true, seg.address + done, bytes.data() + done,
                                       static_cast<unsigned>(bytes.size() - done));
      if (n == 0) break;  // cannot happen: check_fits() verified the range
      done += n;
    }
  }
}

void Soc::end_run(RunResult::End end, uint64_t code, ExitCode stop, const std::string& message) {
  if (ended_) return;
  ended_ = true;
  result_.end = end;
  result_.firmware_exit_code = code;
  result_.stop_code = stop;
  result_.message = message;
  result_.simulated_time = core_->local_time_now();
  if (gdb_) gdb_->run_ended(end == RunResult::End::kExit, code);
  sc_core::sc_stop();
}

RunResult Soc::run() {
  auto start = std::chrono::steady_clock::now();
  if (limits_.max_time == sc_core::SC_ZERO_TIME)
    sc_core::sc_start();
  else
    sc_core::sc_start(limits_.max_time, sc_core::SC_EXIT_ON_STARVATION);
  result_.host_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fflush(stdout);
  if (!ended_) {
    ended_ = true;
    result_.end = RunResult::End::kStopped;
    result_.simulated_time = sc_core::sc_time_stamp();
    std::string pc = hex(core_->pc());
    if (sc_core::sc_pending_activity()) {
      result_.stop_code = ExitCode::kLimit;
      result_.message =
          "simulated time limit reached (" + limits_.max_time.to_string() + ") at pc " + pc;
    } else {
      result_.stop_code = ExitCode::kFirmwareFault;
      result_.message = core_->waiting_for_interrupt()
                            ? "deadlock: the core waits in WFI at pc " + pc +
                                  " and no enabled interrupt can wake it"
                            : "simulation ran out of events at pc " + pc;
    }
  }
  result_.instructions = core_->instructions_retired();
  result_.cycles = core_->cycles();
  return result_;
}

}  // namespace vtpu
