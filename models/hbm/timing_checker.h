// The one place that knows the standard's constraints between DRAM commands
// (DRAMSys' "checker"). The controller asks it for the earliest cycle a
// command may issue; tests ask it whether a hand-made schedule is legal.
// Every constraint is written once, in the *_bounds() functions (by the scope
// whose history it reads: bank, bank group, channel), and serves both. For
// speed, each scope's bound per command is cached when that scope changes.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "models/hbm/timing.h"

namespace vtpu::hbm {

// ACT, PRE, RD and WR come first: the checker caches their bounds by this index.
enum class Command : uint8_t { kAct, kPre, kRd, kWr, kPreAll, kRef };
const char* command_name(Command c);

// The command buses of one channel, which its pseudo-channels share (JESD235,
// JESD238): a row bus for ACT, PRE and REF, on which an ACT takes
// `act_cycles` clocks, and a column bus for RD and WR; a standard with one
// command bus (DDR3) puts every command on it. Shared by the checkers of the
// channel's pseudo-channels; their controllers decide in time order (channel.h).
class CommandBus {
 public:
  using Cycle = int64_t;
  explicit CommandBus(const TimingSet& timing)
      : separate_(timing.command_buses == 2), act_cycles_(timing.act_cycles) {}

  // Calls visit(name, bound): the first cycle `cmd`'s bus is free.
  template <typename Visit>
  void bounds(Command cmd, Visit&& visit) const {
    if (!separate_) {
      visit("command bus", free_[0]);
    } else if (cmd == Command::kRd || cmd == Command::kWr) {
      visit("column command bus", free_[1]);
    } else {
      visit("row command bus", free_[0]);
    }
  }
  Cycle earliest(Command cmd) const { return free_[bus_of(cmd)]; }
  // Never earlier than before: a pseudo-channel catching up the refreshes of an
  // idle stretch may issue behind its neighbour (docs/memory.md).
  void issue(Command cmd, Cycle cycle) {
    Cycle& free = free_[bus_of(cmd)];
    free = std::max(free, cycle + (cmd == Command::kAct ? act_cycles_ : 1));
  }

 private:
  unsigned bus_of(Command cmd) const {
    return separate_ && (cmd == Command::kRd || cmd == Command::kWr) ? 1 : 0;
  }
  bool separate_;
  unsigned act_cycles_;
  std::array<Cycle, 2> free_{0, 0};  // row (or the one) bus, column bus
};

class TimingChecker {
 public:
  using Cycle = int64_t;
  static constexpr Cycle kNever = std::numeric_limits<Cycle>::min() / 4;

  // `bus`: the channel's command buses when pseudo-channels share them; by
  // default the checker has buses of its own.
  explicit TimingChecker(const TimingSet& timing, std::shared_ptr<CommandBus> bus = nullptr);

  // Earliest cycle at which `cmd` to `bank` meets every timing constraint
  // (the bank's state must allow it: see state_error()).
  Cycle earliest(Command cmd, unsigned bank) const;
  // earliest() of ACT, PRE, RD or WR in two parts, whose maximum it is: the
  // constraints of `bank` and its bank group, and those every bank of the
  // pseudo-channel shares (channel history, command buses). The first changes
  // only when a command goes to that bank group (or a PREA to all).
  Cycle local_earliest(Command cmd, unsigned bank) const {
    return local_earliest(cmd, bank, bank / t_.banks_per_group);
  }
  // The same, given the bank's group (no division).
  Cycle local_earliest(Command cmd, unsigned bank, unsigned group) const {
    const int i = static_cast<int>(cmd);
    return std::max(bank_ready_[bank][i], group_ready_[group][i]);
  }
  Cycle shared_earliest(Command cmd) const {
    return std::max(channel_ready_[static_cast<int>(cmd)], bus_->earliest(cmd));
  }
  // Why `cmd` to `bank` (row `row` for ACT/RD/WR) at `cycle` is illegal:
  // "tFAW: ..." naming the constraint, or "" when it is legal.
  std::string violation(Command cmd, unsigned bank, Cycle cycle, uint32_t row = 0) const;
  void issue(Command cmd, unsigned bank, Cycle cycle, uint32_t row = 0);

  bool is_open(unsigned bank) const { return banks_[bank].open_row >= 0; }
  bool row_open(unsigned bank, uint32_t row) const { return banks_[bank].open_row == row; }
  bool any_open() const { return open_banks_ > 0; }
  const TimingSet& timing() const { return t_; }
  const std::shared_ptr<CommandBus>& bus() const { return bus_; }

 private:
  struct Bank {
    int64_t open_row = -1;
    Cycle act = kNever, pre = kNever, rd = kNever, wr = kNever;
  };
  struct Group {
    Cycle act = kNever, column = kNever, wr = kNever;
  };
  static constexpr int kBankCommands = 4;  // ACT, PRE, RD, WR: the cached ones
  using Ready = std::array<Cycle, kBankCommands>;

  std::string state_error(Command cmd, unsigned bank, uint32_t row) const;
  // Call visit(name, bound) for each constraint of one scope on `cmd`.
  template <typename Visit>
  void bank_bounds(Command cmd, const Bank& bank, Visit&& visit) const;
  template <typename Visit>
  void group_bounds(Command cmd, const Group& group, Visit&& visit) const;
  template <typename Visit>
  void channel_bounds(Command cmd, Visit&& visit) const;
  // All of them, for `cmd` to `bank`.
  template <typename Visit>
  void for_each_bound(Command cmd, unsigned bank, Visit&& visit) const;
  template <typename Scope>
  Ready ready_of(Scope&& bounds) const;
  // Recomputes the cached bounds of `bank`, its group and the channel.
  void refresh_ready(unsigned bank, bool of_bank, bool of_group, bool of_channel);

  const TimingSet& t_;
  const unsigned burst_;  // tBL
  std::vector<Bank> banks_;
  std::vector<Group> groups_;
  std::vector<Ready> bank_ready_, group_ready_;
  Ready channel_ready_{};
  std::shared_ptr<CommandBus> bus_;  // not cached in the *_ready_: others change it
  Cycle last_act_ = kNever, last_column_ = kNever;
  Cycle last_rd_ = kNever, last_wr_ = kNever, last_ref_ = kNever;
  std::array<Cycle, 4> faw_{kNever, kNever, kNever, kNever};  // the last four ACTs
  unsigned faw_next_ = 0;
  unsigned open_banks_ = 0;
};

}  // namespace vtpu::hbm
