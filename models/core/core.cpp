#include "models/core/core.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>

#include "models/common/hex.h"
#include "models/core/csr.h"

namespace vtpu::core {
namespace {

const char* cause_name(uint32_t cause) {
  switch (cause) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store/AMO address misaligned";
    case 7: return "store/AMO access fault";
    case 8: return "ecall from U-mode";
    case 11: return "ecall from M-mode";
    default: return "exception";
  }
}

}  // namespace

Core::Core(sc_core::sc_module_name name, const Options& options, StopHandler on_stop)
    : sc_module(name),
      socket("socket"),
      mtip("mtip"),
      msip("msip"),
      meip("meip"),
      options_(options),
      on_stop_(std::move(on_stop)) {
  decode_cache_.reset(static_cast<Insn*>(std::calloc(options.code_size / 2 + 2, sizeof(Insn))));
  if (!decode_cache_) throw std::bad_alloc();
  socket.register_invalidate_direct_mem_ptr(this, &Core::invalidate_direct_mem_ptr);
  SC_HAS_PROCESS(Core);
  SC_THREAD(run);
}

sc_core::sc_time Core::local_time_now() const {
  return sc_core::sc_time_stamp() +
         options_.clock_period * static_cast<double>(cycles_ - synced_cycles_);
}

uint64_t Core::mtime() const {
  return static_cast<uint64_t>(local_time_now().value() / options_.timer_tick.value());
}

void Core::stop(ExitCode code, const std::string& reason) {
  stopped_ = true;
  sync_at_ = 0;
  on_stop_(code, reason);
}

// ---------------------------------------------------------------- scheduling

void Core::run() {
  quantum_keeper_.reset();
  sample_interrupts();
  while (!stopped_) {
    if (options_.max_instructions != 0 && instret_ >= options_.max_instructions) {
      stop(ExitCode::kLimit, "instruction limit reached (" + std::to_string(instret_) +
                                 " instructions) at pc " + hex(pc_));
      return;
    }
    if (in_wfi_) wait_for_interrupt();
    take_pending_interrupt();
    schedule_next_stop();
    execute_block();
    if (stopped_) return;
    if (need_sync_ || cycles_ >= quantum_at_) synchronise();
    if (debug_agent_ != nullptr && debug_agent_->interrupt_requested()) request_halt();
    if (options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed)) {
      stop(ExitCode::kInterrupted, "interrupted by a signal at pc " + hex(pc_));
      return;
    }
  }
}

// The core runs ahead of SystemC time by one quantum, or further while no
// other process has anything to do: up to the next pending event (at most
// kMaxIdleQuanta quanta, and never past --max-time). Nothing else can act
// before that event, and every MMIO access synchronises anyway, so results
// are the same; only needless context switches are saved.
void Core::schedule_next_stop() {
  constexpr double kMaxIdleQuanta = 100;
  const sc_core::sc_time quantum = tlm::tlm_global_quantum::instance().compute_local_quantum();
  sc_core::sc_time ahead = quantum;
  const sc_core::sc_time idle = sc_core::sc_time_to_pending_activity();
  if (idle > ahead)
    ahead = std::min(idle, tlm::tlm_global_quantum::instance().get() * kMaxIdleQuanta);
  if (options_.run_until != sc_core::SC_ZERO_TIME) {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    ahead = std::min(ahead,
                     options_.run_until > now ? options_.run_until - now : sc_core::SC_ZERO_TIME);
  }
  const uint64_t ahead_cycles = static_cast<uint64_t>(ahead / options_.clock_period);
  quantum_at_ = synced_cycles_ + std::max<uint64_t>(1, ahead_cycles);
  sync_at_ = quantum_at_;
  if (options_.max_instructions != 0) {
    const uint64_t remaining = options_.max_instructions - instret_;
    if (remaining <= UINT64_MAX - cycles_)  // a limit near 2^64 must not wrap
      sync_at_ = std::min(sync_at_, cycles_ + remaining);
  }
}

void Core::synchronise() {
  quantum_keeper_.set(options_.clock_period * static_cast<double>(cycles_ - synced_cycles_));
  quantum_keeper_.sync();
  synced_cycles_ = cycles_;
  need_sync_ = false;
  sample_interrupts();
}

void Core::sample_interrupts() {
  mip_ = (msip.read() ? 1u << kSoftware : 0) | (mtip.read() ? 1u << kTimer : 0) |
         (meip.read() ? 1u << kExternal : 0);
}

bool Core::take_pending_interrupt() {
  uint32_t pending = mip_ & mie_;
  if (pending == 0 || (priv_ == 3 && !(mstatus_ & kMstatusMie))) return false;
  uint32_t cause = (pending & (1u << kExternal))   ? kExternal
                   : (pending & (1u << kSoftware)) ? kSoftware
                                                   : kTimer;
  trap(kInterruptBit | cause, 0);
  return true;
}

void Core::wait_for_interrupt() {
  synchronise();
  while ((mip_ & mie_) == 0) {
    sc_core::wait(mtip.value_changed_event() | msip.value_changed_event() |
                  meip.value_changed_event());
    sample_interrupts();
  }
  in_wfi_ = false;
  // Resume on a clock edge: the sleep lasted a whole number of core cycles.
  const uint64_t period = options_.clock_period.value();
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const uint64_t now_cycles = (now.value() + period - 1) / period;
  const sc_core::sc_time edge = options_.clock_period * static_cast<double>(now_cycles);
  if (edge > now) sc_core::wait(edge - now);
  quantum_keeper_.reset();
  synced_cycles_ = cycles_ = now_cycles;
  sample_interrupts();
}

void Core::trap(uint32_t cause, uint32_t tval) {
  const bool interrupt = (cause & kInterruptBit) != 0;
  const uint32_t base = mtvec_ & ~3u;
  const uint32_t code = cause & ~kInterruptBit;
  if (!interrupt && base == 0) {
    stop(ExitCode::kFirmwareFault, std::string(cause_name(code)) + " at pc " + hex(pc_) +
                                       " (mcause " + std::to_string(code) + ", mtval " + hex(tval) +
                                       ") with no trap handler (mtvec = 0)");
    return;
  }
  if (!interrupt && trap_entry_instret_ == instret_) {  // nothing retired since the last trap
    stop(ExitCode::kFirmwareFault, std::string(cause_name(code)) + " at the trap vector, pc " +
                                       hex(pc_) + " (mcause " + std::to_string(code) + ", mtval " +
                                       hex(tval) + ")");
    return;
  }
  mepc_ = pc_;
  mcause_ = cause;
  mtval_ = tval;
  uint32_t mie = (mstatus_ & kMstatusMie) ? kMstatusMpie : 0;
  mstatus_ = (mstatus_ & ~(kMstatusMie | kMstatusMpie | kMstatusMpp)) | mie | (priv_ << 11);
  priv_ = 3;
  update_pmp_checks();
  pc_ = base + ((interrupt && (mtvec_ & 3) == 1) ? 4 * code : 0);
  trap_entry_instret_ = instret_;
  sync_at_ = 0;  // re-evaluate in run(): a trap may unmask nothing, but costs little
}

// ---------------------------------------------------------------- memory

void Core::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  auto overlaps = [&](const DmiRegion& r) { return r.base <= end && start <= r.last; };
  dmi_.erase(std::remove_if(dmi_.begin(), dmi_.end(), overlaps), dmi_.end());
  if (overlaps(fast_)) fast_ = DmiRegion{};
}

const Core::DmiRegion* Core::find_dmi(uint32_t addr, unsigned length, bool write) {
  for (const DmiRegion& r : dmi_) {
    if (addr < r.base || addr > r.last || r.last - addr < length - 1) continue;
    if (write ? r.writable : r.readable) return &r;
  }
  return nullptr;
}

bool Core::bus_access(tlm::tlm_command cmd, uint32_t addr, uint8_t* data, unsigned length) {
  tlm::tlm_generic_payload& trans = bus_trans_;
  trans.set_dmi_allowed(false);
  trans.set_byte_enable_ptr(nullptr);
  trans.set_command(cmd);
  trans.set_address(addr);
  trans.set_data_ptr(data);
  trans.set_data_length(length);
  trans.set_streaming_width(length);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = options_.clock_period * static_cast<double>(cycles_ - synced_cycles_);
  const sc_core::sc_time sent = sc_core::sc_time_stamp();
  socket->b_transport(trans, delay);
  const uint64_t period = options_.clock_period.value();
  // A target that synchronised (a block clocked in simulated time, such as
  // an RTL block behind the AXI bridge) used up the core's local time by
  // waiting; its delay counts from the time it returned at.
  const uint64_t waited = sc_core::sc_time_stamp().value() - sent.value();
  if (waited != 0) synced_cycles_ += (waited + period / 2) / period;
  const uint64_t delay_cycles = (delay.value() + period - 1) / period;
  cycles_ = std::max(cycles_, synced_cycles_ + delay_cycles);
  if (trans.is_dmi_allowed() && options_.dmi) {
    tlm::tlm_dmi grant;
    trans.set_address(addr);
    if (socket->get_direct_mem_ptr(trans, grant)) {
      DmiRegion r;
      r.base = static_cast<uint32_t>(grant.get_start_address());
      r.last = static_cast<uint32_t>(grant.get_end_address());
      r.ptr = grant.get_dmi_ptr();
      r.readable = grant.is_read_allowed();
      r.writable = grant.is_write_allowed();
      auto to_cycles = [&](const sc_core::sc_time& t) {
        return static_cast<uint32_t>((t.value() + options_.clock_period.value() - 1) /
                                     options_.clock_period.value());
      };
      r.read_cycles = to_cycles(grant.get_read_latency());
      r.write_cycles = to_cycles(grant.get_write_latency());
      dmi_.push_back(r);
      return trans.is_response_ok();  // memory: no need to synchronise
    }
  }
  need_sync_ = true;
  sync_at_ = 0;
  return trans.is_response_ok();
}

template <typename T>
bool Core::load_slow(uint32_t addr, T& value) {
  if (pmp_checks_ && !pmp_.allows(addr, sizeof(T), Pmp::kR, data_privilege())) {
    trap(kLoadAccess, addr);
    return false;
  }
  if (!watchpoints_.empty()) check_watchpoints(addr, sizeof(T), false);
  if (const DmiRegion* r = find_dmi(addr, sizeof(T), false)) {
    fast_ = *r;
    std::memcpy(&value, r->ptr + (addr - r->base), sizeof(T));
    cycles_ += r->read_cycles;
    return true;
  }
  // A misaligned access goes to the bus too: memory serves it (with or
  // without DMI); a device or a hole refuses it, which is reported as
  // address-misaligned.
  uint8_t buf[sizeof(T)];
  if (!bus_access(tlm::TLM_READ_COMMAND, addr, buf, sizeof(T))) {
    trap(addr % sizeof(T) != 0 ? kLoadMisaligned : kLoadAccess, addr);
    return false;
  }
  std::memcpy(&value, buf, sizeof(T));
  return true;
}

template <typename T>
bool Core::store_slow(uint32_t addr, T value) {
  if (pmp_checks_ && !pmp_.allows(addr, sizeof(T), Pmp::kW, data_privilege())) {
    trap(kStoreAccess, addr);
    return false;
  }
  if (!watchpoints_.empty()) check_watchpoints(addr, sizeof(T), true);
  if (const DmiRegion* r = find_dmi(addr, sizeof(T), true)) {
    fast_ = *r;
    std::memcpy(r->ptr + (addr - r->base), &value, sizeof(T));
    cycles_ += r->write_cycles;
    return true;
  }
  uint8_t buf[sizeof(T)];
  std::memcpy(buf, &value, sizeof(T));
  if (!bus_access(tlm::TLM_WRITE_COMMAND, addr, buf, sizeof(T))) {  // misaligned: see load()
    trap(addr % sizeof(T) != 0 ? kStoreMisaligned : kStoreAccess, addr);
    return false;
  }
  return true;
}

unsigned Core::debug_access(bool write, uint32_t addr, uint8_t* data, unsigned length) {
  tlm::tlm_generic_payload trans;
  trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans.set_address(addr);
  trans.set_data_ptr(data);
  trans.set_data_length(length);
  unsigned done = socket->transport_dbg(trans);
  if (write && done > 0) flush_decode_cache();
  return done;
}

void Core::flush_decode_cache() {
  if (decoded_first_ > decoded_last_) return;
  std::fill(&decode_cache_[decoded_first_], &decode_cache_[decoded_last_] + 1, Insn{});
  decoded_first_ = ~0u;
  decoded_last_ = 0;
}

// Instruction fetch: no latency beyond the cost table (a tightly coupled
// instruction path), and its own fault cause.
bool Core::fetch16(uint32_t addr, uint16_t& bits) {
  if (const DmiRegion* r = find_dmi(addr, 2, false)) {
    std::memcpy(&bits, r->ptr + (addr - r->base), 2);
    return true;
  }
  uint64_t cycles = cycles_;
  uint8_t buf[2];
  bool ok = bus_access(tlm::TLM_READ_COMMAND, addr, buf, 2);
  cycles_ = cycles;
  std::memcpy(&bits, buf, 2);
  return ok;
}

bool Core::fetch_decode(uint32_t pc, Insn& out) {
  uint16_t low = 0, high = 0;
  if (!fetch16(pc, low)) {
    trap(kFetchAccess, pc);
    return false;
  }
  if ((low & 3) == 3 && !fetch16(pc + 2, high)) {
    trap(kFetchAccess, pc + 2);
    return false;
  }
  out = decode(low | (uint32_t{high} << 16));
  out.cycles = costs_.cycles[static_cast<size_t>(out.op)];
  if (out.rd == 0) out.rd = kDiscard;
  return true;
}

bool Core::amo(const Insn& in) {
  const uint32_t addr = x_[in.rs1];
  if (addr & 3) {
    trap(in.op == Op::kLrW ? kLoadMisaligned : kStoreMisaligned, addr);
    return false;
  }
  if (in.op == Op::kScW) {
    bool ok = reservation_valid_ && reservation_addr_ == addr;
    reservation_valid_ = false;
    if (ok && !store_slow<uint32_t>(addr, x_[in.rs2])) return false;
    x_[in.rd] = ok ? 0 : 1;
    return true;
  }
  uint32_t old = 0;
  if (!load_slow(addr, old)) {
    // An AMO that cannot read reports a store/AMO access fault.
    if (in.op != Op::kLrW) mcause_ = kStoreAccess;
    return false;
  }
  if (in.op == Op::kLrW) {
    reservation_valid_ = true;
    reservation_addr_ = addr;
    x_[in.rd] = old;
    return true;
  }
  const uint32_t src = x_[in.rs2];
  uint32_t result = 0;
  switch (in.op) {
    case Op::kAmoswapW: result = src; break;
    case Op::kAmoaddW: result = old + src; break;
    case Op::kAmoxorW: result = old ^ src; break;
    case Op::kAmoandW: result = old & src; break;
    case Op::kAmoorW: result = old | src; break;
    case Op::kAmominW:
      result = static_cast<int32_t>(old) < static_cast<int32_t>(src) ? old : src;
      break;
    case Op::kAmomaxW:
      result = static_cast<int32_t>(old) > static_cast<int32_t>(src) ? old : src;
      break;
    case Op::kAmominuW: result = old < src ? old : src; break;
    case Op::kAmomaxuW: result = old > src ? old : src; break;
    default: break;
  }
  if (!store_slow(addr, result)) return false;
  x_[in.rd] = old;
  return true;
}

// ---------------------------------------------------------------- execution

// The interpreter loop. pc, cycles and instret live in locals, and so does the
// DMI region of the last data access; SPILL() writes them back before any
// out-of-line call (which may read them, trap, or change the region) and
// RELOAD() reads them again after it.
void Core::execute_block() {
  const uint32_t code_base = options_.code_base;
  const uint32_t code_size = options_.code_size;
  Insn* const cache = decode_cache_.get();
  uint32_t* const x = x_;
  uint32_t pc = pc_;
  uint64_t cycles = cycles_, instret = instret_;
  // The fast data region: [base, base + size) is served directly; size 0
  // when data checks are on (then everything takes the checked slow path).
  uint32_t fast_base = 0;
  uint8_t* fast_ptr = nullptr;
  uint64_t read_size = 0, write_size = 0;
  uint32_t read_cycles = 0, write_cycles = 0;
  // Fetches below fetch_size (relative to code_base) dispatch straight from
  // the decode cache; 0 when fetch checks are on. limit mirrors sync_at_.
  uint32_t fetch_size = 0;
  bool checked_fetch = false;
  uint64_t limit = 0;
  auto reload_locals = [&] {
    // With fetch checks on (PMP, debugger), every dispatch ends at `done`,
    // which sends the next fetch through the checked path: the fast path
    // tests nothing.
    checked_fetch = fetch_checks_;
    fetch_size = fetch_checks_ ? 0 : code_size;
    limit = fetch_checks_ ? 0 : sync_at_;
    const uint64_t size = uint64_t{fast_.last} - fast_.base + 1;
    fast_base = fast_.base;
    fast_ptr = fast_.ptr;
    read_size = (fast_.readable && !data_checks_) ? size : 0;
    write_size = (fast_.writable && !data_checks_) ? size : 0;
    read_cycles = fast_.read_cycles;
    write_cycles = fast_.write_cycles;
  };
  reload_locals();
#define SPILL() (pc_ = pc, cycles_ = cycles, instret_ = instret)
#define RELOAD() (pc = pc_, cycles = cycles_, instret = instret_, reload_locals())
  // Handler addresses as offsets from fetch_slow (an undecoded slot's 0).
  char* const base = static_cast<char*>(&&fetch_slow);
  // [op][length == 4]
  // (initialised on the first call)
#define VTPU_OP_HANDLERS(op, mnemonic)                     \
  {static_cast<int>(static_cast<char*>(&&L2_##op) - base), \
   static_cast<int>(static_cast<char*>(&&L4_##op) - base)},
  static const int kHandlers[][2] = {VTPU_CORE_OPS(VTPU_OP_HANDLERS)};
#undef VTPU_OP_HANDLERS
  static_assert(sizeof(kHandlers) / sizeof(kHandlers[0]) == static_cast<size_t>(Op::kCount));
  const Insn* in = nullptr;
  uint32_t next = 0;
// Dispatch to the handler of `in`, unless the block must end.
#define DISPATCH_IN()               \
  do {                              \
    if (cycles >= limit) goto done; \
    cycles += in->cycles;           \
    goto*(base + in->handler);      \
  } while (0)
// Dispatch to the instruction at pc (after a jump, a trap, a slow path).
#define DISPATCH()                          \
  do {                                      \
    if (cycles >= limit) goto done;         \
    const uint32_t off = pc - code_base;    \
    if (off >= fetch_size) goto fetch_slow; \
    in = &cache[off >> 1];                  \
    cycles += in->cycles;                   \
    goto*(base + in->handler);              \
  } while (0)
// Retire and go on with the next instruction in memory, LENGTH bytes on: its
// decode slot is LENGTH / 2 slots on (the cache is indexed by halfword).
#define NEXT_BY(LENGTH) \
  do {                  \
    pc += (LENGTH);     \
    ++instret;          \
    in += (LENGTH) / 2; \
    DISPATCH_IN();      \
  } while (0)
// Retire and continue at `next` (jumps, taken branches, mret).
#define JUMP()  \
  do {          \
    pc = next;  \
    ++instret;  \
    DISPATCH(); \
  } while (0)

resume:
  DISPATCH();
fetch_slow : {
  const uint32_t off = pc - code_base;
  Insn& slot = off < code_size ? cache[off >> 1] : scratch_[0];
  if (&slot == &scratch_[0] || slot.handler == 0) {
    SPILL();
    const bool fetched = fetch_decode(pc, slot);
    RELOAD();
    if (!fetched) goto resume;
    slot.handler = kHandlers[static_cast<size_t>(slot.op)][slot.length == 4];
    if (off < code_size) {
      decoded_first_ = std::min(decoded_first_, off >> 1);
      decoded_last_ = std::max(decoded_last_, off >> 1);
    }
  }
  in = &slot;
}
  if (debug_agent_ != nullptr && fetch_checks_) {
    SPILL();
    const bool stopped = debug_check_fetch();
    RELOAD();
    if (stopped) goto resume;  // the debugger may have changed pc or code
  }
  if (pmp_checks_ && !pmp_.allows(pc, in->length, Pmp::kX, priv_)) {
    SPILL();
    trap(kFetchAccess, pc);
    RELOAD();
    goto resume;
  }
  if (profile_) profile_step(pc, cycles);  // reads and writes the profile only
  cycles += in->cycles;
  goto*(base + in->handler);

// Handlers, in two copies: for 2-byte (compressed) and 4-byte instructions.
#define VTPU_PASTE(a, b, c) a##b##_##c
#define VTPU_LABEL(len, op) VTPU_PASTE(L, len, op)
#define H(op) VTPU_LABEL(LEN, op)
#define NEXT() NEXT_BY(LEN)
#define LEN 2
#include "models/core/execute_handlers.inc"
#undef LEN
#define LEN 4
#include "models/core/execute_handlers.inc"
#undef LEN
#undef H
#undef NEXT
#undef VTPU_LABEL
#undef VTPU_PASTE

done:
  if (checked_fetch && cycles < sync_at_) goto fetch_slow;
  SPILL();
#undef SPILL
#undef RELOAD
#undef DISPATCH
#undef DISPATCH_IN
#undef JUMP
#undef NEXT_BY
}

}  // namespace vtpu::core
