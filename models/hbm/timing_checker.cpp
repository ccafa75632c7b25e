#include "models/hbm/timing_checker.h"

#include <algorithm>

namespace vtpu::hbm {

const char* command_name(Command c) {
  switch (c) {
    case Command::kAct: return "ACT";
    case Command::kPre: return "PRE";
    case Command::kPreAll: return "PREA";
    case Command::kRd: return "RD";
    case Command::kWr: return "WR";
    case Command::kRef: return "REF";
  }
  return "?";
}

TimingChecker::TimingChecker(const TimingSet& timing, std::shared_ptr<CommandBus> bus)
    : t_(timing),
      burst_(timing.burst_clocks()),
      banks_(timing.banks()),
      groups_(timing.bank_groups),
      bank_ready_(timing.banks()),
      group_ready_(timing.bank_groups),
      bus_(bus ? std::move(bus) : std::make_shared<CommandBus>(timing)) {
  for (unsigned b = 0; b < banks_.size(); ++b) refresh_ready(b, true, true, true);
}

template <typename Visit>
void TimingChecker::bank_bounds(Command cmd, const Bank& k, Visit&& visit) const {
  switch (cmd) {
    case Command::kAct:
      visit("tRP", k.pre + t_.tRP);
      visit("tRC", k.act + t_.tRC);
      break;
    case Command::kPre:
    case Command::kPreAll:
      visit("tRAS", k.act + t_.tRAS);
      visit("tRTP", k.rd + t_.tRTP);
      visit("tWR", k.wr + t_.WL + burst_ + t_.tWR);
      break;
    case Command::kRd: visit("tRCDRD", k.act + t_.tRCDRD); break;
    case Command::kWr: visit("tRCDWR", k.act + t_.tRCDWR); break;
    case Command::kRef:
      visit("tRP", k.pre + t_.tRP);
      visit("tRC", k.act + t_.tRC);
      break;
  }
}

template <typename Visit>
void TimingChecker::group_bounds(Command cmd, const Group& g, Visit&& visit) const {
  switch (cmd) {
    case Command::kAct: visit("tRRD_L", g.act + t_.tRRD_L); break;
    case Command::kRd:
      visit("tCCD_L", g.column + t_.tCCD_L);
      visit("tWTR_L", g.wr + t_.WL + burst_ + t_.tWTR_L);
      break;
    case Command::kWr: visit("tCCD_L", g.column + t_.tCCD_L); break;
    default: break;
  }
}

template <typename Visit>
void TimingChecker::channel_bounds(Command cmd, Visit&& visit) const {
  switch (cmd) {
    case Command::kAct:
      visit("tRRD_S", last_act_ + t_.tRRD_S);
      visit("tFAW", faw_[faw_next_] + t_.tFAW);
      visit("tRFC", last_ref_ + t_.tRFC);
      break;
    case Command::kRd:
      visit("tCCD_S", last_column_ + t_.tCCD_S);
      visit("tWTR_S", last_wr_ + t_.WL + burst_ + t_.tWTR_S);
      break;
    case Command::kWr:
      visit("tCCD_S", last_column_ + t_.tCCD_S);
      visit("tRTW (read to write turnaround)", last_rd_ + t_.tRTW());
      break;
    case Command::kRef: visit("tRFC", last_ref_ + t_.tRFC); break;
    default: break;
  }
}

template <typename Visit>
void TimingChecker::for_each_bound(Command cmd, unsigned b, Visit&& visit) const {
  if (cmd == Command::kPreAll || cmd == Command::kRef) {
    for (const Bank& k : banks_)
      if (cmd == Command::kRef || k.open_row >= 0) bank_bounds(cmd, k, visit);
  } else {
    bank_bounds(cmd, banks_[b], visit);
    group_bounds(cmd, groups_[b / t_.banks_per_group], visit);
  }
  channel_bounds(cmd, visit);
  bus_->bounds(cmd, visit);
}

template <typename Scope>
TimingChecker::Ready TimingChecker::ready_of(Scope&& bounds) const {
  // Each command a constant where it is used, so that the scope's switch
  // folds away.
  const auto latest = [&bounds](Command cmd) {
    Cycle at = 0;
    bounds(cmd, [&at](const char*, Cycle bound) { at = std::max(at, bound); });
    return at;
  };
  return Ready{latest(Command::kAct), latest(Command::kPre), latest(Command::kRd),
               latest(Command::kWr)};
}

void TimingChecker::refresh_ready(unsigned b, bool bank, bool group, bool channel) {
  if (bank) bank_ready_[b] = ready_of([&](Command c, auto&& v) { bank_bounds(c, banks_[b], v); });
  const unsigned g = b / t_.banks_per_group;
  if (group)
    group_ready_[g] = ready_of([&](Command c, auto&& v) { group_bounds(c, groups_[g], v); });
  if (channel) channel_ready_ = ready_of([&](Command c, auto&& v) { channel_bounds(c, v); });
}

TimingChecker::Cycle TimingChecker::earliest(Command cmd, unsigned bank) const {
  if (cmd == Command::kPreAll || cmd == Command::kRef) {
    // A bank's bounds on a REF are those on an ACT (tRP, tRC), on a PREA
    // those on a PRE (tRAS, tRTP, tWR; open banks only): bank_bounds().
    // Their cached values spare a refresh the walk through every bound of
    // every bank (8 % of ResNet-50's simulation on tpuv3-like, whose idle
    // controllers refresh).
    const bool ref = cmd == Command::kRef;
    const int same = static_cast<int>(ref ? Command::kAct : Command::kPre);
    Cycle at = 0;
    for (size_t b = 0; b < banks_.size(); ++b)
      if (ref || banks_[b].open_row >= 0) at = std::max(at, bank_ready_[b][same]);
    channel_bounds(cmd, [&at](const char*, Cycle bound) { at = std::max(at, bound); });
    return std::max(at, bus_->earliest(cmd));
  }
  return std::max(local_earliest(cmd, bank), shared_earliest(cmd));
}

std::string TimingChecker::state_error(Command cmd, unsigned b, uint32_t row) const {
  const int64_t open = banks_[b].open_row;
  switch (cmd) {
    case Command::kAct: return open >= 0 ? "bank state: ACT to an open bank" : "";
    case Command::kPre: return open < 0 ? "bank state: PRE to a closed bank" : "";
    case Command::kRd:
    case Command::kWr:
      if (open < 0) return std::string("bank state: ") + command_name(cmd) + " to a closed bank";
      return open != row ? std::string("bank state: ") + command_name(cmd) + " to a row not open"
                         : "";
    case Command::kRef: return open_banks_ > 0 ? "bank state: REF with a bank open" : "";
    case Command::kPreAll: return "";
  }
  return "";
}

std::string TimingChecker::violation(Command cmd, unsigned bank, Cycle cycle, uint32_t row) const {
  std::string why = state_error(cmd, bank, row);
  if (!why.empty()) return why;
  for_each_bound(cmd, bank, [&](const char* name, Cycle bound) {
    if (why.empty() && cycle < bound)
      why = std::string(name) + ": " + command_name(cmd) + " at cycle " + std::to_string(cycle) +
            " is before cycle " + std::to_string(bound);
  });
  return why;
}

void TimingChecker::issue(Command cmd, unsigned b, Cycle cycle, uint32_t row) {
  bus_->issue(cmd, cycle);
  Bank& bank = banks_[b];
  Group& group = groups_[b / t_.banks_per_group];
  switch (cmd) {
    case Command::kAct:
      bank.act = cycle;
      bank.open_row = row;
      ++open_banks_;
      group.act = cycle;
      last_act_ = cycle;
      faw_[faw_next_] = cycle;
      faw_next_ = (faw_next_ + 1) % faw_.size();
      break;
    case Command::kPre:
      bank.pre = cycle;
      bank.open_row = -1;
      --open_banks_;
      break;
    case Command::kPreAll:
      for (Bank& k : banks_)
        if (k.open_row >= 0) {
          k.pre = cycle;
          k.open_row = -1;
        }
      open_banks_ = 0;
      break;
    case Command::kRd:
      bank.rd = cycle;
      group.column = cycle;
      last_column_ = cycle;
      last_rd_ = cycle;
      break;
    case Command::kWr:
      bank.wr = cycle;
      group.column = cycle;
      group.wr = cycle;
      last_column_ = cycle;
      last_wr_ = cycle;
      break;
    case Command::kRef: last_ref_ = cycle; break;
  }
  // The scopes whose history changed: a PRE only writes its bank's, a PREA
  // every bank's, a REF the channel's.
  switch (cmd) {
    case Command::kPre: refresh_ready(b, true, false, false); break;
    case Command::kPreAll:
      for (unsigned k = 0; k < banks_.size(); ++k) refresh_ready(k, true, false, false);
      break;
    case Command::kRef: refresh_ready(b, false, false, true); break;
    default: refresh_ready(b, true, true, true); break;
  }
}

}  // namespace vtpu::hbm
