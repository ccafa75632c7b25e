// The SoC top: builds and wires the blocks from the configuration.
// Nothing here computes; it only assembles (and records how a run ended).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <systemc>

#include "models/command_processor/command_processor.h"
#include "models/common/error.h"
#include "models/core/core.h"
#include "models/dma/dma.h"
#include "models/hbm/hbm.h"
#include "models/interconnect/router.h"
#include "models/memory/ram.h"
#include "models/memory/upsets.h"
#include "models/peripherals/chip_info.h"
#include "models/peripherals/clint.h"
#include "models/peripherals/ecc_log.h"
#include "models/peripherals/plic.h"
#include "models/peripherals/sim_control.h"
#include "models/peripherals/uart.h"
#include "platform/config.pb.h"
#include "platform/elf_loader.h"
#include "platform/gdb_stub.h"
#include "platform/mxu_backend.h"
#include "rtl/axi/axi_block.h"

namespace vtpu {

struct RunOptions {
  uint64_t max_instructions = 0;                      // 0: none
  sc_core::sc_time max_time = sc_core::SC_ZERO_TIME;  // zero: none
  std::optional<uint16_t> gdb_port;                   // GDB stub on 127.0.0.1 (0: any free port)
  bool gdb_wait = false;                              // halt before the first instruction
  TraceSink* trace = nullptr;                         // timeline events (null: none)
  std::string transactions;                           // transaction trace file ("": none)
  std::string vcd;                                    // waveform file, without ".vcd" ("": none)
  const std::atomic<bool>* cancel = nullptr;          // set by a signal handler: end the run
  bool profile = false;                               // the core's profile (RunResult::profile)
  // What runs, for the headers of the trace and the MXU stimulus: the model
  // with its hash, precision and batch (vtpu run), or the ELF (vtpu firmware).
  std::string workload;
};

struct RunResult {
  enum class End { kExit, kStopped } end = End::kStopped;
  uint64_t firmware_exit_code = 0;                // when end == kExit
  ExitCode stop_code = ExitCode::kFirmwareFault;  // when end == kStopped
  std::string message;                            // why it stopped; empty for a clean exit
  uint64_t instructions = 0;
  uint64_t cycles = 0;
  sc_core::sc_time simulated_time;
  double host_seconds = 0;
  std::vector<interconnect::LinkStats> links;  // every interconnect link
  hbm::HbmStats hbm;
  // Injected SRAM upsets (faults.*_upsets_per_ms): bits flipped in each memory.
  uint64_t vmem_upsets = 0, amem_upsets = 0, core_ram_upsets = 0;
  // A run that stopped: the layer tag of the oldest instruction the
  // accelerator was executing (-1: none).
  int64_t accelerator_layer = -1;
  // With RunOptions::profile: per address the firmware ran, its instructions
  // and cycles (core::Core::profile(); write_profile() names the functions).
  std::vector<core::Core::ProfileEntry> profile;
};

class Soc : public sc_core::sc_module {
 public:
  Soc(sc_core::sc_module_name name, const config::Soc& config, const ElfImage& firmware,
      const RunOptions& limits);

  RunResult run();

  // The host's access to device memory, as a driver's over PCIe: HBM
  // offsets, before run() to place a model and after it to read results.
  // Throws vtpu::Error past the HBM's end.
  void write_hbm(uint64_t offset, const uint8_t* data, uint64_t size);
  void read_hbm(uint64_t offset, uint8_t* data, uint64_t size) const;

 private:
  void end_of_elaboration() override;
  void add_axi_blocks(const interconnect::MapOptions& mmio);
  void check_fits(const ElfImage& image) const;
  void check_hbm_range(uint64_t offset, uint64_t size) const;
  void end_run(RunResult::End end, uint64_t code, ExitCode stop, const std::string& message);
  std::string monitor(const std::string& command) const;  // GDB `monitor` commands

  config::Soc config_;
  ElfImage firmware_;
  RunOptions limits_;
  sc_core::sc_time clock_period_;
  RunResult result_;
  bool ended_ = false;

  sc_core::sc_signal<bool> mtip_{"mtip"}, msip_{"msip"}, meip_{"meip"};
  sc_core::sc_vector<sc_core::sc_signal<bool>> irq_lines_;

  std::unique_ptr<interconnect::Router> router_;
  std::unique_ptr<memory::Ram> core_ram_, vmem_, amem_;
  std::unique_ptr<memory::Upsets> core_ram_upsets_, vmem_upsets_, amem_upsets_;  // or null
  std::unique_ptr<peripherals::EccLog> ecc_log_;  // before the HBM, which reports to it
  std::unique_ptr<hbm::Hbm> hbm_;
  std::unique_ptr<dma::Dma> dma_;
  MxuBackend mxu_;  // the MXU's engine (mxu.backend, mxu.record)
  std::unique_ptr<cp::CommandProcessor> command_processor_;
  std::unique_ptr<peripherals::ChipInfo> chip_info_;
  std::unique_ptr<core::Core> core_;
  std::unique_ptr<peripherals::Clint> clint_;
  std::unique_ptr<peripherals::Plic> plic_;
  std::unique_ptr<peripherals::Uart> uart_;
  std::unique_ptr<peripherals::SimControl> sim_control_;
  std::unique_ptr<peripherals::Htif> htif_;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> axi_unused_irqs_;
  std::vector<std::unique_ptr<rtl::AxiBlock>> axi_blocks_;  // config axi_blocks
  std::unique_ptr<GdbStub> gdb_;
  std::unique_ptr<TransactionSink> transactions_;
  sc_core::sc_trace_file* vcd_ = nullptr;

 public:
  ~Soc() override;
};

}  // namespace vtpu
