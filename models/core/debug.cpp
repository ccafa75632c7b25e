// The core's debugger hooks (the GDB stub, platform/gdb_stub.*): halt,
// breakpoints, watchpoints, single step, register and CSR access.
#include <algorithm>

#include "models/core/core.h"

namespace vtpu::core {

void Core::update_checks() {
  const bool debugging =
      debug_agent_ != nullptr && (halt_requested_ || stepping_ || watch_hit_ ||
                                  !breakpoints_.empty() || !watchpoints_.empty());
  data_checks_ = pmp_checks_ || !watchpoints_.empty();
  fetch_checks_ = pmp_checks_ || debugging || profile_ != nullptr;
  sync_at_ = 0;  // leave the interpreter's fast path so that it sees the change
}

void Core::set_debug_agent(DebugAgent* agent) {
  debug_agent_ = agent;
  update_checks();
}

void Core::request_halt() {
  halt_requested_ = true;
  update_checks();
}

void Core::set_single_step(bool on) {
  stepping_ = on;
  step_instret_ = instret_;
  step_pc_ = pc_;
  update_checks();
}

void Core::add_breakpoint(uint32_t pc) {
  if (std::find(breakpoints_.begin(), breakpoints_.end(), pc) == breakpoints_.end())
    breakpoints_.push_back(pc);
  update_checks();
}

bool Core::remove_breakpoint(uint32_t pc) {
  auto it = std::find(breakpoints_.begin(), breakpoints_.end(), pc);
  if (it == breakpoints_.end()) return false;
  breakpoints_.erase(it);
  update_checks();
  return true;
}

void Core::add_watchpoint(WatchKind kind, uint32_t address, uint32_t length) {
  watchpoints_.push_back(Watchpoint{kind, address, length});
  update_checks();
}

bool Core::remove_watchpoint(WatchKind kind, uint32_t address, uint32_t length) {
  auto it = std::find(watchpoints_.begin(), watchpoints_.end(), Watchpoint{kind, address, length});
  if (it == watchpoints_.end()) return false;
  watchpoints_.erase(it);
  update_checks();
  return true;
}

void Core::clear_debug_state() {
  breakpoints_.clear();
  watchpoints_.clear();
  stepping_ = halt_requested_ = watch_hit_ = false;
  update_checks();
}

void Core::write_register(unsigned n, uint32_t value) {
  if (n == 0) return;
  if (n < 32)
    x_[n] = value;
  else
    pc_ = value & ~1u;
}

bool Core::debug_csr(uint32_t csr, uint32_t* read, const uint32_t* write) {
  const uint32_t priv = priv_;
  priv_ = 3;  // the debugger sees every CSR
  bool ok = read == nullptr || csr_read(csr, *read);
  if (ok && write != nullptr) ok = csr_write(csr, *write);
  priv_ = priv;
  return ok;
}

// Watchpoints report after the access: the hit is noted here and reported at
// the next (checked) fetch, with pc at the following instruction.
void Core::check_watchpoints(uint32_t address, unsigned length, bool write) {
  for (const Watchpoint& w : watchpoints_) {
    const bool kind_matches =
        w.kind == WatchKind::kAccess || (w.kind == WatchKind::kWrite) == write;
    if (!kind_matches) continue;
    if (address < w.address + w.length && w.address < address + length) {
      watch_hit_ = true;
      watch_address_ = w.address;
      update_checks();
      return;
    }
  }
}

bool Core::debug_check_fetch() {
  if (skip_debug_check_) {  // the instruction the debugger resumed at runs once
    skip_debug_check_ = false;
    return false;
  }
  DebugStop why;
  if (halt_requested_)
    why = DebugStop::kHalt;
  else if (watch_hit_)
    why = DebugStop::kWatchpoint;
  else if (stepping_ && (instret_ != step_instret_ || pc_ != step_pc_))
    why = DebugStop::kStep;
  else if (std::find(breakpoints_.begin(), breakpoints_.end(), pc_) != breakpoints_.end())
    why = DebugStop::kBreakpoint;
  else
    return false;
  halt_requested_ = watch_hit_ = stepping_ = false;
  synchronise();  // the debugger sees (and reports) the core's own time
  debug_agent_->stopped(why, watch_address_);
  skip_debug_check_ = !stopped_;
  update_checks();
  return true;
}

void Core::enable_profile() {
  profile_ = std::make_unique<Profile>();
  update_checks();
}

// At each instruction's dispatch (the checked fetch path): the one before it
// took the cycles since its own.
void Core::profile_step(uint32_t pc, uint64_t cycles) {
  Profile& p = *profile_;
  const auto slot = [&p](uint32_t at) {
    const uint32_t number = at >> (ProfilePage::kBits + 1);
    if (number != p.page_number) {
      std::unique_ptr<ProfilePage>& page = p.pages[number];
      if (!page) page = std::make_unique<ProfilePage>();
      p.page = page.get();
      p.page_number = number;
    }
    return (at >> 1) & ((1u << ProfilePage::kBits) - 1);
  };
  if (p.page) {
    const uint32_t s = slot(p.last);
    p.page->cycles[s] += cycles - p.since;
  }
  const uint32_t s = slot(pc);
  ++p.page->instructions[s];
  p.last = pc;
  p.since = cycles;
}

std::vector<Core::ProfileEntry> Core::profile() const {
  std::vector<ProfileEntry> out;
  if (!profile_) return out;
  const Profile& p = *profile_;
  for (const auto& [number, page] : p.pages)
    for (uint32_t s = 0; s < (1u << ProfilePage::kBits); ++s) {
      const uint32_t at = number << (ProfilePage::kBits + 1) | s << 1;
      // The last instruction's cycles run to the end.
      const uint64_t cycles = page->cycles[s] + (at == p.last ? cycles_ - p.since : 0);
      if (page->instructions[s] != 0 || cycles != 0)
        out.push_back({at, page->instructions[s], cycles});
    }
  return out;
}

}  // namespace vtpu::core
