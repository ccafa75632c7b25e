// The RV32IMAC control core: an interpretive ISS with a pre-decode cache, as a
// TLM-2.0 initiator with DMI and temporal decoupling (tlm_quantumkeeper).
//
// Privilege: machine mode and user mode; no S mode, no PMP entries, no MMU.
// Interrupts arrive on three signals (mtip, msip, meip) and are sampled at
// synchronisation points: every MMIO access, every quantum, WFI. The core
// syncs on every access that is not served by DMI, so devices see a coherent
// time. docs/core.md describes the CSRs, the cost table and the traps.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/error.h"
#include "models/core/cost_table.h"
#include "models/core/decoder.h"
#include "models/core/pmp.h"

namespace vtpu::core {

class Core : public sc_core::sc_module {
 public:
  struct Options {
    sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
    sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);
    sc_core::sc_time timer_tick = sc_core::sc_time(100, sc_core::SC_NS);  // mtime period
    bool dmi = true;
    uint64_t max_instructions = 0;                       // 0: no limit
    sc_core::sc_time run_until = sc_core::SC_ZERO_TIME;  // --max-time; zero: no limit
    uint32_t code_base = 0x80000000;                     // region covered by the pre-decode cache
    uint32_t code_size = 0;
    // Set from a signal handler to end the run (SIGINT, SIGTERM); null: none.
    const std::atomic<bool>* cancel = nullptr;
  };

  // Why the core stopped on its own (a device's exit request stops the
  // simulation without involving the core).
  using StopHandler = std::function<void(ExitCode code, const std::string& reason)>;

  tlm_utils::simple_initiator_socket<Core> socket;
  sc_core::sc_in<bool> mtip, msip, meip;

  Core(sc_core::sc_module_name name, const Options& options, StopHandler on_stop);

  void set_reset_pc(uint32_t pc) { pc_ = pc; }

  // Access to memory as the core sees it, without side effects or time.
  unsigned debug_access(bool write, uint32_t addr, uint8_t* data, unsigned length);

  uint64_t instructions_retired() const { return instret_; }
  uint64_t cycles() const { return cycles_; }

  // ---- Profile (`--profile`, docs/debugging.md): per instruction address,
  // how many times it ran and the core cycles from its start to the next
  // instruction's (so a load's latency, an MMIO access's wait and a WFI's
  // sleep count at the instruction that took them). While it is on every
  // fetch takes the checked path, as under a debugger: the ISS is slower,
  // the cycles are the same.
  struct ProfileEntry {
    uint32_t address;
    uint64_t instructions, cycles;
  };
  void enable_profile();
  // The addresses that ran, ascending; the last instruction's cycles run to
  // cycles(). Empty unless enabled.
  std::vector<ProfileEntry> profile() const;
  // Simulated time as the core sees it (global time plus its local offset).
  sc_core::sc_time local_time_now() const;
  bool waiting_for_interrupt() const { return in_wfi_; }
  uint32_t pc() const { return pc_; }

  // ---- Debugger support (the GDB stub, platform/gdb_stub.*). Everything runs
  // on the core's thread: DebugAgent::stopped() blocks while the user looks,
  // so simulated time stands still.
  enum class DebugStop { kHalt, kBreakpoint, kStep, kWatchpoint };
  enum class WatchKind { kWrite, kRead, kAccess };
  class DebugAgent {
   public:
    virtual ~DebugAgent() = default;
    // The core stopped before the instruction at pc(); return to let it run.
    virtual void stopped(DebugStop why, uint32_t watch_address) = 0;
    // Asked at synchronisation points; true stops the core (e.g. Ctrl-C).
    virtual bool interrupt_requested() = 0;
  };
  void set_debug_agent(DebugAgent* agent);
  void request_halt();  // stop before the next instruction
  void set_single_step(bool on);
  void add_breakpoint(uint32_t pc);
  bool remove_breakpoint(uint32_t pc);
  void add_watchpoint(WatchKind kind, uint32_t address, uint32_t length);
  bool remove_watchpoint(WatchKind kind, uint32_t address, uint32_t length);
  void clear_debug_state();  // no breakpoints, watchpoints or stepping
  // Registers 0..31 are x0..x31, 32 is pc.
  uint32_t read_register(unsigned n) const { return n < 32 ? x_[n] : pc_; }
  void write_register(unsigned n, uint32_t value);
  // CSR access for the debugger: no privilege check, no side effects beyond
  // the register itself. False for a CSR the core does not have.
  bool debug_csr(uint32_t csr, uint32_t* read, const uint32_t* write);
  // Ends the run from the debugger (GDB's kill).
  void kill(const std::string& reason) { stop(ExitCode::kKilled, reason); }

 private:
  struct Watchpoint {
    WatchKind kind;
    uint32_t address, length;
    bool operator==(const Watchpoint& o) const {
      return kind == o.kind && address == o.address && length == o.length;
    }
  };
  bool debug_check_fetch();  // at a checked fetch: stop for the debugger if due
  void check_watchpoints(uint32_t address, unsigned length, bool write);
  void update_checks();  // recomputes data_checks_ and fetch_checks_

  struct DmiRegion {
    uint32_t base = 0, last = 0;  // [base, last], inclusive
    uint8_t* ptr = nullptr;
    bool readable = false, writable = false;
    uint32_t read_cycles = 0, write_cycles = 0;
  };

  enum Cause : uint32_t {
    kFetchAccess = 1,
    kIllegalInstruction = 2,
    kBreakpoint = 3,
    kLoadMisaligned = 4,
    kLoadAccess = 5,
    kStoreMisaligned = 6,
    kStoreAccess = 7,
    kEcallU = 8,
    kEcallM = 11,
  };
  enum Interrupt : uint32_t { kSoftware = 3, kTimer = 7, kExternal = 11 };

  void run();
  void execute_block();  // runs instructions until cycles_ reaches sync_at_
  void synchronise();
  void schedule_next_stop();
  void sample_interrupts();
  bool take_pending_interrupt();
  void wait_for_interrupt();
  void trap(uint32_t cause, uint32_t tval);
  void stop(ExitCode code, const std::string& reason);

  bool fetch16(uint32_t addr, uint16_t& bits);
  bool fetch_decode(uint32_t pc, Insn& out);
  // Data access outside the interpreter's inline fast path (which serves the
  // last DMI region hit): PMP, watchpoints, other DMI regions, the bus, faults.
  template <typename T>
  bool load_slow(uint32_t addr, T& value);
  template <typename T>
  bool store_slow(uint32_t addr, T value);
  bool bus_access(tlm::tlm_command cmd, uint32_t addr, uint8_t* data, unsigned length);
  // bus_access()'s payload, reused: a target may wait in b_transport (an RTL
  // block), and a run that ends meanwhile leaves nothing on the core's stack.
  tlm::tlm_generic_payload bus_trans_;
  const DmiRegion* find_dmi(uint32_t addr, unsigned length, bool write);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
  bool amo(const Insn& in);

  // Physical memory protection (pmp_): checked while pmp_checks_.
  uint32_t data_privilege() const;  // mstatus.MPRV applies MPP to loads and stores
  void update_pmp_checks();

  bool csr_read(uint32_t csr, uint32_t& value);
  bool csr_write(uint32_t csr, uint32_t value);
  uint64_t mtime() const;
  void flush_decode_cache();

  Options options_;
  StopHandler on_stop_;
  CostTable costs_ = CostTable::standard();
  tlm_utils::tlm_quantumkeeper quantum_keeper_;

  // Architectural state. Writes to x0 are decoded as writes to x_[32], so x_[0]
  // stays zero without a store per instruction.
  static constexpr uint8_t kDiscard = 32;
  uint32_t x_[33] = {};
  uint32_t pc_ = 0;
  uint32_t priv_ = 3;  // 3 = machine, 0 = user
  uint32_t mstatus_ = 0, mie_ = 0, mip_ = 0, mtvec_ = 0, mscratch_ = 0, mepc_ = 0;
  uint32_t mcause_ = 0, mtval_ = 0, mcounteren_ = 0;
  uint64_t instret_ = 0;
  uint64_t cycles_ = 0;  // core clock cycles since time 0, incl. local time
  uint64_t mcycle_offset_ = 0, minstret_offset_ = 0;  // from CSR writes
  Pmp pmp_;
  bool pmp_checks_ = false;  // some access may be denied: check before DMI
  bool reservation_valid_ = false;
  uint32_t reservation_addr_ = 0;

  // Simulation state.
  uint64_t synced_cycles_ = 0;  // cycles_ at the last synchronisation
  uint64_t quantum_at_ = 0;     // end of the current quantum, in cycles
  uint64_t sync_at_ = 0;        // leave execute_block() when cycles_ reaches this
  bool need_sync_ = false;      // an MMIO access happened: sync before going on
  bool in_wfi_ = false;
  bool stopped_ = false;
  uint64_t trap_entry_instret_ = ~uint64_t{0};  // instret_ at the last trap entry
  // Checked paths: data accesses skip the fast DMI path while data_checks_
  // (PMP, watchpoints); every fetch goes through the checked fetch path while
  // fetch_checks_ (PMP, debugger).
  bool data_checks_ = false, fetch_checks_ = false;
  // The profile: counts per halfword of the address space, in pages made as
  // code runs there (the last one used at hand), and the instruction that
  // runs now, since which cycle.
  struct ProfilePage {
    static constexpr unsigned kBits = 12;  // halfwords per page: 2^kBits
    uint64_t instructions[1u << kBits] = {}, cycles[1u << kBits] = {};
  };
  struct Profile {
    std::map<uint32_t, std::unique_ptr<ProfilePage>> pages;  // by address >> (kBits + 1)
    uint32_t page_number = ~0u;
    ProfilePage* page = nullptr;  // pages[page_number]; null until the first instruction
    uint32_t last = 0;
    uint64_t since = 0;
  };
  std::unique_ptr<Profile> profile_;
  void profile_step(uint32_t pc, uint64_t cycles);
  DebugAgent* debug_agent_ = nullptr;
  std::vector<uint32_t> breakpoints_;
  std::vector<Watchpoint> watchpoints_;
  bool halt_requested_ = false, stepping_ = false, skip_debug_check_ = false;
  uint64_t step_instret_ = 0;
  uint32_t step_pc_ = 0;
  bool watch_hit_ = false;
  uint32_t watch_address_ = 0;
  // One slot per halfword of [code_base, +code_size), plus two undecoded
  // sentinels so that stepping past the last instruction lands on a slot.
  // Zeroed memory from calloc: pages are only touched when code runs there.
  std::unique_ptr<Insn[], void (*)(void*)> decode_cache_{nullptr, std::free};
  uint32_t decoded_first_ = ~0u, decoded_last_ = 0;  // slot range to clear on a flush
  std::vector<DmiRegion> dmi_;
  DmiRegion fast_;   // the region of the last DMI hit, checked first
  Insn scratch_[3];  // code outside the cache: [0], and two sentinels
};

}  // namespace vtpu::core
