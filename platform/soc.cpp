#include "platform/soc.h"

#include <chrono>
#include <cstdio>
#include <sstream>

#include "models/common/hex.h"
#include "models/isa/vtpu/isa.h"
#include "models/isa/vtpu/soc_map.h"
#include "platform/config.h"
#include "platform/memory_system.h"
#include "platform/simulate.h"
#include "traces/mxu_stimulus.h"
#include "traces/transaction_trace.h"

namespace vtpu {
Soc::Soc(sc_core::sc_module_name name, const config::Soc& config, const ElfImage& firmware,
         const RunOptions& limits)
    : sc_module(name),
      config_(config),
      firmware_(firmware),
      limits_(limits),
      clock_period_(clock_period(config)),
      irq_lines_("irq_line", VTPU_PLIC_SOURCES) {
  using sc_core::sc_time;
  const config::AddressMap& map = config.address_map();
  const uint64_t ram_size = uint64_t{config.memory().core_ram_kib()} * 1024;
  auto cycles = [this](uint32_t n) { return clock_period_ * static_cast<double>(n); };
  const sc_time mmio_latency = cycles(1);

  tlm::tlm_global_quantum::instance().set(sc_time(config.core().quantum_ns(), sc_core::SC_NS));

  const config::MemoryConfig& mem = config.memory();
  const config::InterconnectConfig& ic = config.interconnect();
  router_ = std::make_unique<interconnect::Router>("router", clock_period_);
  core_ram_ =
      std::make_unique<memory::Ram>("core_ram", ram_size, cycles(mem.core_ram_latency_cycles()));
  auto ports = [this](const config::SramPorts& p) {
    return memory::PortModel{p.bytes_per_cycle(), p.ports(), clock_period_};
  };
  const uint64_t vmem_size = uint64_t{mem.vmem_kib()} * 1024;
  const uint64_t amem_size = uint64_t{mem.amem_kib()} * 1024;
  vmem_ = std::make_unique<memory::Ram>("vmem", vmem_size, cycles(mem.sram_latency_cycles()),
                                        ports(mem.vmem_ports()));
  amem_ = std::make_unique<memory::Ram>("amem", amem_size, cycles(mem.sram_latency_cycles()),
                                        ports(mem.amem_ports()));
  // Soft errors in the SRAMs (faults.*_upsets_per_ms), one stream each.
  const config::FaultConfig& faults = config.faults();
  auto upsets = [&faults](const char* name, memory::Ram& ram, double per_ms, uint64_t stream) {
    return per_ms > 0 ? std::make_unique<memory::Upsets>(name, ram, per_ms, faults.seed() ^ stream)
                      : nullptr;
  };
  core_ram_upsets_ = upsets("core_ram_upsets", *core_ram_, faults.core_ram_upsets_per_ms(), 0x7261);
  vmem_upsets_ = upsets("vmem_upsets", *vmem_, faults.vmem_upsets_per_ms(), 0x766d);
  amem_upsets_ = upsets("amem_upsets", *amem_, faults.amem_upsets_per_ms(), 0x616d);
  // The core cannot reach HBM; the DMA is the fastest way in. Its ECC errors
  // (injected faults) go to the ECC log.
  ecc_log_ = std::make_unique<peripherals::EccLog>("ecc_log", mmio_latency);
  hbm::HbmOptions hbm_options = make_hbm_options(config, ic.dma());
  hbm_options.on_ecc_error = [this, base = map.hbm_base()](bool uncorrected, uint64_t offset) {
    ecc_log_->record(uncorrected, base + offset);
  };
  hbm_ = std::make_unique<hbm::Hbm>("hbm", hbm_options);

  dma::DmaOptions dma_options;
  dma_options.clock_period = clock_period_;
  dma_options.register_latency = mmio_latency;
  dma_options.burst_bytes = config.dma().burst_bytes();
  dma_options.max_outstanding = config.dma().max_outstanding();
  dma_options.channels = 2;  // one per DMA queue of the command processor
  dma_options.abort_per_copy = config.faults().dma_abort_per_copy();
  dma_options.fault_seed = config.faults().seed();
  dma_options.memories = {{"core_ram", map.core_ram_base(), ram_size},
                          {"vmem", map.vmem_base(), vmem_size},
                          {"amem", map.amem_base(), amem_size},
                          {"hbm", map.hbm_base(), hbm_->capacity()}};
  dma_ = std::make_unique<dma::Dma>("dma", dma_options);

  cp::CpOptions cp_options = command_processor_options(config, *vmem_, *amem_, mmio_latency);
  cp_options.dma = dma_.get();
  cp_options.hbm_base = map.hbm_base();
  cp_options.hbm_size = hbm_->capacity();
  mxu_ = make_mxu_backend(
      config, config.mxu(), clock_period_,
      [this](const std::string& why) {
        end_run(RunResult::End::kStopped, 0, ExitCode::kCosim, why);
      },
      limits.workload);
  cp_options.engine = mxu_.engine.get();
  cp_options.core_ram = core_ram_.get();
  cp_options.core_ram_base = map.core_ram_base();
  command_processor_ = std::make_unique<cp::CommandProcessor>("command_processor", cp_options);

  const double hbm_mb_per_s = hbm_->peak_bytes_per_s() / 1e6;
  std::map<uint32_t, uint32_t> chip_info{
      {VTPU_CHIPINFO_CLOCK_KHZ, static_cast<uint32_t>(config.clock_mhz() * 1000 + 0.5)},
      {VTPU_CHIPINFO_TIMER_KHZ,
       static_cast<uint32_t>(config.peripherals().timer_frequency_mhz() * 1000 + 0.5)},
      {VTPU_CHIPINFO_CORE_RAM_SIZE, static_cast<uint32_t>(ram_size)},
      {VTPU_CHIPINFO_VMEM_SIZE, static_cast<uint32_t>(vmem_size)},
      {VTPU_CHIPINFO_AMEM_SIZE, static_cast<uint32_t>(amem_size)},
      {VTPU_CHIPINFO_HBM_SIZE_MIB, static_cast<uint32_t>(hbm_->capacity() >> 20)},
      {VTPU_CHIPINFO_HBM_BASE_LO, static_cast<uint32_t>(map.hbm_base())},
      {VTPU_CHIPINFO_HBM_BASE_HI, static_cast<uint32_t>(map.hbm_base() >> 32)},
      {VTPU_CHIPINFO_MXU_ROWS, config.mxu().rows()},
      {VTPU_CHIPINFO_MXU_COLS, config.mxu().cols()},
      {VTPU_CHIPINFO_VPU_LANES, config.vpu().lanes()},
      {VTPU_CHIPINFO_HBM_MB_PER_S, static_cast<uint32_t>(hbm_mb_per_s + 0.5)},
      {VTPU_CHIPINFO_RUNTIME,
       (config.runtime().double_buffering() ? VTPU_RUNTIME_DOUBLE_BUFFERING : 0u) |
           (config.runtime().resident_activations() ? VTPU_RUNTIME_RESIDENT_ACTIVATIONS : 0u) |
           (config.runtime().held_weights() ? VTPU_RUNTIME_HELD_WEIGHTS : 0u)},
      {VTPU_CHIPINFO_VMEM_BASE, static_cast<uint32_t>(map.vmem_base())},
      {VTPU_CHIPINFO_AMEM_BASE, static_cast<uint32_t>(map.amem_base())},
      {VTPU_CHIPINFO_CORE_RAM_BASE, static_cast<uint32_t>(map.core_ram_base())},
      {VTPU_CHIPINFO_CLINT_BASE, static_cast<uint32_t>(map.clint().base())},
      {VTPU_CHIPINFO_PLIC_BASE, static_cast<uint32_t>(map.plic().base())},
      {VTPU_CHIPINFO_UART_BASE, static_cast<uint32_t>(map.uart().base())},
      {VTPU_CHIPINFO_SIMCTRL_BASE, static_cast<uint32_t>(map.sim_ctrl().base())},
      {VTPU_CHIPINFO_DMA_BASE, static_cast<uint32_t>(map.dma().base())},
      {VTPU_CHIPINFO_CP_BASE, static_cast<uint32_t>(map.command_processor().base())},
      {VTPU_CHIPINFO_AXI_BLOCKS, static_cast<uint32_t>(config.axi_blocks_size())},
      {VTPU_CHIPINFO_ECC_BASE, static_cast<uint32_t>(map.ecc().base())},
      {VTPU_CHIPINFO_WATCHDOG_US, config.runtime().watchdog_us()},
      {VTPU_CHIPINFO_MXU_DATAFLOW, config.mxu().dataflow() == "auto" ? VTPU_DATAFLOW_AUTO
                                   : config.mxu().dataflow() == "os" ? VTPU_DATAFLOW_OS
                                                                     : VTPU_DATAFLOW_WS},
  };
  for (int i = 0; i < config.axi_blocks_size(); ++i) {
    const config::AxiBlock& b = config.axi_blocks(i);
    chip_info[VTPU_CHIPINFO_AXI_BASE(i)] = b.size() ? static_cast<uint32_t>(b.base()) : 0;
    chip_info[VTPU_CHIPINFO_AXI_SIZE(i)] = static_cast<uint32_t>(b.size());
    chip_info[VTPU_CHIPINFO_AXI_IRQ(i)] = b.irq();
  }
  chip_info_ = std::make_unique<peripherals::ChipInfo>("chip_info", mmio_latency, chip_info);

  core::Core::Options options;
  options.clock_period = clock_period_;
  options.timer_tick = sc_time(1.0 / config.peripherals().timer_frequency_mhz(), sc_core::SC_US);
  options.dmi = config.core().dmi();
  options.max_instructions = limits.max_instructions;
  options.run_until = limits.max_time;
  options.cancel = limits.cancel;
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

  router_->connect("core", core_->socket, make_link(config, ic.core()));
  router_->connect("dma", dma_->bus, make_link(config, ic.dma()));
  auto link = [&config](const config::LinkConfig& l) {
    interconnect::MapOptions o;
    o.link = make_link(config, l);
    return o;
  };
  const interconnect::MapOptions mmio = link(ic.mmio());
  router_->map("core_ram", map.core_ram_base(), ram_size, core_ram_->socket, link(ic.core_ram()));
  router_->map("clint", map.clint().base(), map.clint().size(), clint_->socket, mmio);
  router_->map("plic", map.plic().base(), map.plic().size(), plic_->socket, mmio);
  router_->map("uart", map.uart().base(), map.uart().size(), uart_->socket, mmio);
  router_->map("sim_ctrl", map.sim_ctrl().base(), map.sim_ctrl().size(), sim_control_->socket,
               mmio);
  router_->map("dma", map.dma().base(), map.dma().size(), dma_->socket, mmio);
  router_->map("chip_info", map.chip_info().base(), map.chip_info().size(), chip_info_->socket,
               mmio);
  router_->map("command_processor", map.command_processor().base(), map.command_processor().size(),
               command_processor_->socket, mmio);
  router_->map("ecc_log", map.ecc().base(), map.ecc().size(), ecc_log_->socket, mmio);
  router_->map("vmem", map.vmem_base(), vmem_size, vmem_->socket, link(ic.vmem()));
  router_->map("amem", map.amem_base(), amem_size, amem_->socket, link(ic.amem()));
  interconnect::MapOptions hbm_link = link(ic.hbm());
  hbm_link.nb = true;
  router_->map("hbm", map.hbm_base(), hbm_->capacity(), hbm_->socket, hbm_link);
  if (firmware.tohost) {
    htif_ = std::make_unique<peripherals::Htif>("htif", mmio_latency, on_exit);
    interconnect::MapOptions overlay = mmio;
    overlay.overlay = true;
    router_->map("htif_tohost", *firmware.tohost, 8, htif_->socket, overlay);
  }

  add_axi_blocks(mmio);

  clint_->mtip.bind(mtip_);
  clint_->msip.bind(msip_);
  plic_->meip.bind(meip_);
  core_->mtip.bind(mtip_);
  core_->msip.bind(msip_);
  core_->meip.bind(meip_);
  for (unsigned i = 0; i < VTPU_PLIC_SOURCES; ++i) plic_->sources[i].bind(irq_lines_[i]);
  for (unsigned i = 0; i < sim_control_->irq_out.size(); ++i)
    sim_control_->irq_out[i].bind(irq_lines_[VTPU_IRQ_TEST_FIRST + i]);
  dma_->irq_done.bind(irq_lines_[VTPU_IRQ_DMA_DONE]);
  dma_->irq_error.bind(irq_lines_[VTPU_IRQ_DMA_ERROR]);
  command_processor_->irq_done.bind(irq_lines_[VTPU_IRQ_CP_DONE]);
  command_processor_->irq_error.bind(irq_lines_[VTPU_IRQ_CP_ERROR]);
  ecc_log_->irq.bind(irq_lines_[VTPU_IRQ_ECC]);

  if (!limits.transactions.empty()) {
    transactions_ = std::make_unique<trace::TransactionWriter>(
        limits.transactions, config::describe(config), config::text(config), limits.workload,
        router_->initiator_names(), router_->target_names());
    router_->set_transaction_sink(transactions_.get());
  }
  if (!limits.vcd.empty()) {  // interrupt lines, unit busy flags, queue depths
    vcd_ = sc_core::sc_create_vcd_trace_file(limits.vcd.c_str());
    vcd_->set_time_unit(1, sc_core::SC_NS);
    sc_core::sc_trace(vcd_, mtip_, "mtip");
    sc_core::sc_trace(vcd_, msip_, "msip");
    sc_core::sc_trace(vcd_, meip_, "meip");
    for (unsigned i = 1; i < VTPU_PLIC_SOURCES; ++i)
      sc_core::sc_trace(vcd_, irq_lines_[i], "irq" + std::to_string(i));
    command_processor_->trace_signals(vcd_);
  }
  if (limits.trace) {
    command_processor_->set_trace(limits.trace);
    sim_control_->set_trace(limits.trace);
  }
  check_fits(firmware);
  // Boot convention (vtpu/soc_map.h): a0 = hart id, a1 = where chip info is.
  core_->set_reset_pc(firmware.entry);
  core_->write_register(10, 0);
  core_->write_register(11, static_cast<uint32_t>(map.chip_info().base()));
  if (limits.profile) core_->enable_profile();
  if (limits.gdb_port) {
    gdb_ = std::make_unique<GdbStub>(*core_, *limits.gdb_port,
                                     [this](const std::string& c) { return monitor(c); });
    if (limits.gdb_wait) core_->request_halt();
  }
}

// The config's Verilated blocks: slaves mapped, masters connected, irq pins
// on their PLIC sources (docs/cosim.md, "Blocks on the bus").
void Soc::add_axi_blocks(const interconnect::MapOptions& mmio) {
  for (int i = 0; i < config_.axi_blocks_size(); ++i) {
    const config::AxiBlock& b = config_.axi_blocks(i);
    const std::string at = "axi_blocks[" + std::to_string(i) + "]";
    const std::string name = b.name().empty() ? b.rtl() : b.name();
    rtl::AxiBlockOptions options;
    options.clock_period = clock_period_;
    options.outstanding = b.has_outstanding() ? b.outstanding() : 4;
    options.vcd = b.vcd();
    options.protocol_error = [this](const std::string& why) {
      end_run(RunResult::End::kStopped, 0, ExitCode::kCosim, why);
    };
    if (!rtl::axi_block_built(b.rtl()))
      throw Error(at + ".rtl: no AXI block '" + b.rtl() +
                  "' in this build (built: " + rtl::built_axi_blocks() +
                  "; cmake -DVTPU_AXI_RTL=FILES -DVTPU_AXI_RTL_TOP=" + b.rtl() + " builds one)");
    std::unique_ptr<rtl::AxiBlock> block;
    try {
      block = rtl::make_axi_block(b.rtl(), name, options);
    } catch (const Error& e) {  // the waveform file
      throw Error(at + ".vcd: " + e.what());
    }
    if (b.size() > 0 && !block->slave)
      throw Error(at + ".size: '" + b.rtl() + "' has no AXI4-Lite slave to map (size 0)");
    if (b.size() == 0 && block->slave)
      throw Error(at + ".size: '" + b.rtl() + "' has an AXI4-Lite slave: give its region's size");
    if (block->slave && b.size() > block->slave_span())
      throw Error(at + ".size: " + std::to_string(b.size()) + " bytes, more than the " +
                  std::to_string(block->slave_span()) + " that " + b.rtl() +
                  "'s slave address pins reach");
    if (b.irq() != 0 && !block->has_irq())
      throw Error(at + ".irq: '" + b.rtl() + "' has no irq pin");
    if (block->slave) router_->map(name, b.base(), b.size(), *block->slave, mmio);
    if (block->master) router_->connect(name, *block->master);
    if (b.irq() != 0) {
      block->irq.bind(irq_lines_[b.irq()]);
    } else {
      axi_unused_irqs_.push_back(std::make_unique<sc_core::sc_signal<bool>>());
      block->irq.bind(*axi_unused_irqs_.back());
    }
    axi_blocks_.push_back(std::move(block));
  }
}

Soc::~Soc() {
  if (vcd_) sc_core::sc_close_vcd_trace_file(vcd_);
}

std::string Soc::monitor(const std::string& command) const {
  std::ostringstream out;
  if (command == "time") {
    out << "simulated time: " << core_->local_time_now().to_seconds() * 1e9
        << " ns, core cycles: " << core_->cycles()
        << ", instructions retired: " << core_->instructions_retired() << "\n";
  } else if (command == "accel" || command == "accelerator") {
    out << "dma: " << (dma_->busy() ? "busy" : "idle") << ", " << dma_->bytes_copied()
        << " bytes copied\n"
        << "command processor: " << (command_processor_->idle() ? "idle" : "busy")
        << (command_processor_->has_error() ? ", stopped on an error" : "") << ", "
        << command_processor_->counter(VTPU_CNT_INSNS) << " instructions done, "
        << command_processor_->counter(VTPU_CNT_MACS) << " MACs\n";
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
      throw Error(image.path + ": segment " + range +
                  " is outside the memory map (core RAM is at " +
                  hex(config_.address_map().core_ram_base()) +
                  "; the firmware is linked for it: docs/firmware.md)");
    if (region->name != "core_ram")
      throw Error(image.path + ": segment " + range + " lies in '" + region->name +
                  "'; firmware is loaded into core RAM only");
    if (end > region->base + region->size)
      throw Error(image.path + ": segment " + range + " does not fit core RAM (" +
                  hex(region->base) + ".." + hex(region->base + region->size - 1) + ")");
  }
}

void Soc::check_hbm_range(uint64_t offset, uint64_t size) const {
  if (offset > hbm_->capacity() || size > hbm_->capacity() - offset)
    throw Error("HBM access " + hex(offset) + "+" + std::to_string(size) +
                " lies beyond the HBM (" + std::to_string(hbm_->capacity()) + " bytes)");
}

void Soc::write_hbm(uint64_t offset, const uint8_t* data, uint64_t size) {
  check_hbm_range(offset, size);
  hbm_->backdoor_write(offset, data, size);
}

void Soc::read_hbm(uint64_t offset, uint8_t* data, uint64_t size) const {
  check_hbm_range(offset, size);
  hbm_->backdoor_read(offset, data, size);
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
    simulate();
  else
    simulate(limits_.max_time);
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
    // What the accelerator was doing: a unit that never finished (a stuck
    // unit, faults.*_stuck_after) or the work a limit cut short.
    const std::string running = command_processor_->running_description();
    if (!running.empty()) result_.message += "; unfinished: " + running;
    result_.accelerator_layer = command_processor_->oldest_running_tag();
  }
  result_.instructions = core_->instructions_retired();
  result_.cycles = core_->cycles();
  result_.profile = core_->profile();
  result_.links = router_->stats();
  result_.hbm = hbm_->stats(result_.simulated_time);
  if (core_ram_upsets_) result_.core_ram_upsets = core_ram_upsets_->count();
  if (vmem_upsets_) result_.vmem_upsets = vmem_upsets_->count();
  if (amem_upsets_) result_.amem_upsets = amem_upsets_->count();
  return result_;
}

}  // namespace vtpu
