#include "models/hbm/controller.h"

#include <algorithm>
#include <array>

#include "models/common/error.h"

namespace vtpu::hbm {

Controller::Controller(const TimingSet& timing, unsigned queue_depth, bool refresh,
                       std::shared_ptr<CommandBus> bus)
    : t_(timing),
      checker_(timing, std::move(bus)),
      depth_(queue_depth),
      refresh_(refresh),
      banks_(timing.banks()),
      refresh_due_(timing.tREFI),
      idle_refresh_at_(timing.tREFI) {
  if (timing.banks() > 64) throw Error("hbm: at most 64 banks per pseudo-channel are modelled");
  for (unsigned b = 0; b < timing.banks(); ++b) {
    group_of_[b] = static_cast<uint8_t>(b / timing.banks_per_group);
    group_banks_[group_of_[b]] |= uint64_t{1} << b;
  }
}

void Controller::enqueue(const Access& access) {
  if (arrivals_.empty() || arrivals_.back().arrival <= access.arrival) {
    // Field by field: the caller's Access was just built on the stack, and
    // copied whole it would stall store forwarding (as in admit()).
    Access& a = arrivals_.emplace_back();
    a.tag = access.tag;
    a.arrival = access.arrival;
    a.row = access.row;
    a.column = access.column;
    a.bank = access.bank;
    a.write = access.write;
  } else {
    auto at = std::upper_bound(arrivals_.begin(), arrivals_.end(), access.arrival,
                               [](Cycle arrival, const Access& a) { return arrival < a.arrival; });
    arrivals_.insert(at, access);
  }
  next_decision_ = std::min(next_decision_, std::max(now_, access.arrival));
}

uint64_t Controller::admit(Cycle now) {
  uint64_t touched = 0;
  while (!arrivals_.empty() && queued_ < depth_ && arrivals_.front().arrival <= now) {
    const Access& a = arrivals_.front();
    // Field by field, here and for the completions in issue(): a whole
    // struct built on the stack and copied stalls store forwarding.
    Queued& q = banks_[a.bank].queue.emplace_back();
    q.access = a;
    q.seq = next_seq_++;
    touched |= uint64_t{1} << a.bank;
    ++queued_;
    arrivals_.pop_front();
  }
  for (uint64_t m = touched; m != 0; m &= m - 1) {
    const unsigned b = __builtin_ctzll(m);
    update_candidate(b);
    queued_banks_ += (nonempty_ >> b & 1) == 0;
  }
  nonempty_ |= touched;
  return touched;
}

// FR-FCFS per bank: the oldest row hit, else the row command (PRE or ACT)
// that the oldest access needs.
void Controller::update_candidate(unsigned b) {
  Bank& bank = banks_[b];
  Choice& c = bank.candidate;
  c = Choice{};
  if (bank.queue.empty()) return;
  c.valid = true;
  c.bank = static_cast<uint8_t>(b);
  if (checker_.is_open(b)) {
    for (size_t i = 0; i < bank.queue.size(); ++i)
      if (checker_.row_open(b, bank.queue[i].access.row)) {
        c.hit = true;
        c.index = static_cast<uint32_t>(i);
        break;
      }
    c.cmd =
        c.hit ? (bank.queue[c.index].access.write ? Command::kWr : Command::kRd) : Command::kPre;
  } else {
    c.cmd = Command::kAct;
  }
  command_[b] = static_cast<uint8_t>(c.cmd);
  rank_[b] = uint64_t{!c.hit} << 63 | bank.queue[c.index].seq << 6 | b;
  update_local(b);
}

Controller::Choice Controller::timed(unsigned b) const {
  Choice c = banks_[b].candidate;
  c.at = std::max({now_, local_[b], checker_.shared_earliest(c.cmd)});
  return c;
}

// Of the banks' candidates, the earliest legal one wins; ties go to hits, then age.
Controller::Choice Controller::choose() const {
  // Every candidate is an ACT, PRE, RD or WR: what the banks share, once each.
  std::array<Cycle, 4> shared;
  for (int i = 0; i < 4; ++i)
    shared[i] = std::max(now_, checker_.shared_earliest(static_cast<Command>(i)));
  if (nonempty_ == 0) return Choice{};
  // The smallest (cycle, rank), compared as one 128-bit key (cycles are not
  // negative). The banks come in no order, so a branch on the comparison
  // would mispredict half the time: the key's minimum takes none. With a
  // third of the banks queued or more (random traffic), every bank is looked
  // at, which takes no branch on which are queued either.
  using Key = unsigned __int128;
  const auto key = [&](unsigned b) {
    const Cycle when = std::max(local_[b], shared[command_[b]]);
    return Key{static_cast<uint64_t>(when)} << 64 | rank_[b];
  };
  Key best_key = ~Key{0};
  const unsigned n = static_cast<unsigned>(banks_.size());
  if (3 * queued_banks_ < n) {
    for (uint64_t m = nonempty_; m != 0; m &= m - 1)
      best_key = std::min(best_key, key(__builtin_ctzll(m)));
  } else {
    for (unsigned b = 0; b < n; ++b) {
      const uint64_t idle = ((nonempty_ >> b) & 1) - 1;  // all ones when nothing is queued
      best_key = std::min(best_key, key(b) | Key{idle} << 64);
    }
  }
  const auto at = static_cast<Cycle>(best_key >> 64);
  const auto rank = static_cast<uint64_t>(best_key);
  Choice best = banks_[rank & 63].candidate;
  best.at = at;
  return best;
}

Controller::Choice Controller::choose_refresh() const {
  Choice c;
  c.valid = true;
  c.bank = 0;
  c.cmd = checker_.any_open() ? Command::kPreAll : Command::kRef;
  c.at = std::max({now_, refresh_due_, checker_.earliest(c.cmd, 0)});
  return c;
}

void Controller::issue(const Choice& c, std::vector<Completion>& done) {
  std::vector<Queued>& q = banks_[c.bank].queue;
  const uint32_t row = c.cmd == Command::kAct                           ? q.front().access.row
                       : c.cmd == Command::kRd || c.cmd == Command::kWr ? q[c.index].access.row
                                                                        : 0;
  checker_.issue(c.cmd, c.bank, c.at, row);
  // The bank-local bounds the command changed: its group's banks' (the bank's
  // own history is one of them), every bank's after a PREA, none after a REF
  // (the channel's history is read at each decision).
  if (c.cmd == Command::kPreAll) {
    for (uint64_t m = nonempty_; m != 0; m &= m - 1) update_local(__builtin_ctzll(m));
  } else if (c.cmd != Command::kRef) {
    const uint64_t group = group_banks_[group_of_[c.bank]];
    for (uint64_t m = nonempty_ & group; m != 0; m &= m - 1) update_local(__builtin_ctzll(m));
  }
  if (log_) log_->push_back(IssuedCommand{c.cmd, c.bank, c.at, row});
  switch (c.cmd) {
    case Command::kAct:
      ++stats_.activates;
      q.front().activated = true;
      update_candidate(c.bank);
      break;
    case Command::kPre:
      ++stats_.precharges;
      q.front().activated = true;
      update_candidate(c.bank);
      break;
    case Command::kPreAll:
      ++stats_.precharges;
      for (uint64_t m = nonempty_; m != 0; m &= m - 1) update_candidate(__builtin_ctzll(m));
      break;
    case Command::kRef:
      ++stats_.refreshes;
      refresh_due_ += t_.tREFI;
      break;
    case Command::kRd:
    case Command::kWr: {
      const Queued& served = q[c.index];
      const bool write = c.cmd == Command::kWr;
      const Cycle end = c.at + (write ? t_.WL : t_.RL) + t_.burst_clocks();
      Completion& d = done.emplace_back();
      d.tag = served.access.tag;
      d.done = end;
      d.decided = c.at;
      ++(write ? stats_.writes : stats_.reads);
      if (!served.activated) ++stats_.row_hits;
      stats_.busy_data_cycles += t_.burst_clocks();
      stats_.total_latency += end - served.access.arrival;
      q.erase(q.begin() + static_cast<std::ptrdiff_t>(c.index));
      if (--queued_ == 0) idle_refresh_at_ = std::max(c.at, refresh_due_);
      if (q.empty()) {
        nonempty_ &= ~(uint64_t{1} << c.bank);
        --queued_banks_;
      }
      update_candidate(c.bank);
      break;
    }
  }
  now_ = c.at;
}

// With nothing queued, refreshes fall at their due cycles (precharging first
// if a bank was left open), each one issued as a command: on shared command
// buses the other pseudo-channels see it (their channel runs every
// controller in time order, an idle one's refreshes included: channel.h).
void Controller::catch_up_idle_refresh(Cycle until) {
  std::vector<Completion> none;
  while (refresh_) {
    // Not due before `until`: its due cycle is a lower bound on its cycle,
    // which is all next_command() needs (the timing checker is asked when
    // the refresh comes within reach).
    if (std::max(now_, refresh_due_) >= until) {
      idle_refresh_at_ = std::max(now_, refresh_due_);
      return;
    }
    Choice c = choose_refresh();
    if (c.at >= until) {
      idle_refresh_at_ = c.at;
      return;
    }
    issue(c, none);
    best_ = Choice{};
  }
}

bool Controller::run(Cycle horizon, std::vector<Completion>& done) {
  bool issued = false;
  // best_ stays valid until this controller issues a command or another on
  // the same buses takes the cycle it wanted: the others' commands only delay
  // candidates, so the earliest stays the earliest. Worked on in a local (in
  // registers: a member written in parts and read whole stalls the core's
  // store forwarding) and stored back on return.
  Choice best = best_;
  const auto stop = [&](Cycle next) {
    next_decision_ = next;
    best_ = best;
    return issued;
  };
  if (best.valid && checker_.bus()->earliest(best.cmd) > best.at) best = Choice{};
  for (;;) {
    const uint64_t touched = admit(now_);
    if (best.valid && touched != 0) {
      // Only the banks that received accesses have new candidates.
      if (touched & (uint64_t{1} << best.bank)) {
        best = Choice{};
      } else {
        for (uint64_t m = touched; m != 0; m &= m - 1) {
          Choice c = timed(__builtin_ctzll(m));
          if (better(c, best)) best = c;
        }
      }
    }
    if (queued_ == 0) {
      if (arrivals_.empty()) return stop(kIdle);
      const Cycle next = arrivals_.front().arrival;
      catch_up_idle_refresh(std::min(next, horizon));
      best = Choice{};
      if (std::max(next, now_) >= horizon) return stop(std::max(next, now_));
      now_ = std::max(next, now_);
      continue;
    }
    if (!best.valid) best = choose();
    Choice c = best;
    if (refresh_ && c.at >= refresh_due_) c = choose_refresh();
    // An access that arrives before the chosen cycle may be a better choice.
    if (!arrivals_.empty() && queued_ < depth_ && arrivals_.front().arrival < c.at) {
      const Cycle next = std::max(arrivals_.front().arrival, now_);
      if (next >= horizon) return stop(next);
      now_ = next;
      continue;
    }
    if (c.at >= horizon) return stop(c.at);
    issue(c, done);
    best = Choice{};  // the command changed what the candidates wait for
    issued = true;
  }
}

}  // namespace vtpu::hbm
