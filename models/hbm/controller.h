// One pseudo-channel's memory controller (DRAMSys' controller, in parts):
// a request queue of bounded depth, an FR-FCFS scheduler over per-bank queues,
// open-page bank state, a refresh manager (all-bank REF every tREFI), and the
// TimingChecker that every command passes through.
//
// It is plain C++ in clock cycles, with no SystemC: the caller feeds accesses
// with their arrival cycle and lets it decide commands up to a horizon. It
// never steps clock by clock: each decision jumps to the cycle at which the
// chosen command becomes legal. Scheduling rule (docs/memory.md): at every
// cycle, of the commands that are legal, issue the highest priority one —
// a column command to an open row (a row hit) before a row command (PRE/ACT),
// then the older access. A bank whose open row still has queued hits is not
// precharged. A due refresh takes priority over everything.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "models/hbm/timing.h"
#include "models/hbm/timing_checker.h"

namespace vtpu::hbm {

struct Access {
  uint64_t tag;     // the caller's, returned on completion
  int64_t arrival;  // cycle
  uint32_t row, column;
  unsigned bank;
  bool write;
};

struct Completion {
  uint64_t tag;
  int64_t done;     // cycle the last data beat is transferred
  int64_t decided;  // cycle of its RD or WR command
};

struct IssuedCommand {
  Command cmd;
  unsigned bank;
  int64_t cycle;
  uint32_t row;
};

struct ControllerStats {
  uint64_t reads = 0, writes = 0, row_hits = 0;
  uint64_t activates = 0, precharges = 0, refreshes = 0;
  int64_t busy_data_cycles = 0;  // data bus occupied
  int64_t total_latency = 0;     // arrival to done, summed
};

class Controller {
 public:
  using Cycle = int64_t;
  static constexpr Cycle kIdle = INT64_MAX;

  // `bus`: the command buses this pseudo-channel shares with the others of its
  // channel (their controllers must then decide in time order: channel.h);
  // by default, buses of its own.
  Controller(const TimingSet& timing, unsigned queue_depth, bool refresh,
             std::shared_ptr<CommandBus> bus = nullptr);

  // Accesses should arrive in cycle order; one that does not is put in order.
  // Its arrival must not lie before a cycle already decided (see run()).
  void enqueue(const Access& access);
  // Issues every command the scheduler decides at a cycle < `horizon` and
  // appends the accesses that finished. The caller guarantees that every
  // access arriving before `horizon` has been enqueued.
  // Returns whether it issued any. Controllers that share command buses take
  // turns up to each other's next_decision() (channel.h).
  bool run(Cycle horizon, std::vector<Completion>& done);
  // The cycle of the next command decision with what is queued now; kIdle
  // when nothing is queued (an idle controller's refreshes are issued when its
  // channel next runs, in time order: next_command()).
  Cycle next_decision() const { return next_decision_; }
  // The cycle of its next command, an idle controller's refresh included
  // (kIdle without refresh): the order its channel runs its controllers in.
  // A lower bound: run() up to past it issues a command or moves it.
  Cycle next_command() const {
    return queued_ == 0 && refresh_ ? std::min(next_decision_, idle_refresh_at_) : next_decision_;
  }
  // With nothing queued: issues the refreshes due before `until` and before
  // its next decision (the channel's turn when next_command() is a refresh).
  void refresh_idle(Cycle until) {
    if (queued_ == 0) catch_up_idle_refresh(std::min(until, next_decision_));
  }
  bool idle() const { return queued_ == 0 && arrivals_.empty(); }

  const ControllerStats& stats() const { return stats_; }
  const TimingChecker& checker() const { return checker_; }
  // Records every command issued from now on (for tests that replay a schedule).
  void set_command_log(std::vector<IssuedCommand>* log) { log_ = log; }

 private:
  struct Queued {
    Access access;
    uint64_t seq;
    bool activated = false;  // needed an ACT: not a row hit
  };
  // 16 bytes: returned in registers and copied in one move (a larger one,
  // written field by field and read back whole, stalled the core on every
  // decision). Ties between candidates go by rank_ (hits, then age).
  struct Choice {
    Cycle at = kIdle;
    uint32_t index = 0;  // in the bank's queue (column commands)
    uint8_t bank = 0;
    Command cmd = Command::kRef;
    bool hit = false;
    bool valid = false;
  };
  static_assert(sizeof(Choice) == 16);
  // A bank's queue and the command its FR-FCFS candidate needs, kept up to
  // date as the queue and the bank's state change (only the cycle is computed
  // at each decision).
  struct Bank {
    std::vector<Queued> queue;  // arrival order
    Choice candidate;
  };

  // Admits what has arrived by `now`; returns the banks that received accesses.
  uint64_t admit(Cycle now);
  void update_candidate(unsigned bank);
  Choice timed(unsigned bank) const;
  Choice choose() const;
  // The bank's and its group's bound on its candidate's command, kept in
  // local_: worked out when the candidate changes and when a command changes
  // the bank's or its group's history (issue()), not at every decision.
  void update_local(unsigned b) {
    local_[b] = checker_.local_earliest(static_cast<Command>(command_[b]), b, group_of_[b]);
  }
  // Whether candidate `a` goes before `b` (an invalid `b` goes after all).
  bool better(const Choice& a, const Choice& b) const {
    return !b.valid || a.at < b.at || (a.at == b.at && rank_[a.bank] < rank_[b.bank]);
  }
  Choice choose_refresh() const;
  void issue(const Choice& c, std::vector<Completion>& done);
  void catch_up_idle_refresh(Cycle until);

  const TimingSet& t_;
  TimingChecker checker_;
  const unsigned depth_;
  const bool refresh_;
  std::deque<Access> arrivals_;  // not yet admitted, in arrival order
  std::vector<Bank> banks_;
  // What choose() reads of each bank's candidate, packed: its command, its
  // bank-local bound (local_), and its rank among candidates of one cycle,
  // smaller first: (not a row hit) << 63 | seq << 6 | bank (seq stays below
  // 2^57: 1.4e17 accesses). And each bank's group.
  std::array<uint8_t, 64> command_{};
  std::array<uint8_t, 64> group_of_{};
  std::array<uint64_t, 64> group_banks_{};  // by group: bit b for each of its banks
  std::array<uint64_t, 64> rank_{};
  std::array<Cycle, 64> local_{};  // update_local()
  uint64_t nonempty_ = 0;          // bit b: bank b has queued accesses
  unsigned queued_banks_ = 0;      // bits set in nonempty_
  unsigned queued_ = 0;
  uint64_t next_seq_ = 0;
  Cycle now_ = 0;  // decisions before now_ are final
  Cycle refresh_due_;
  Cycle next_decision_ = kIdle;
  Cycle idle_refresh_at_;  // with nothing queued: the next refresh's cycle (or a lower bound)
  Choice best_;            // the choice run() last made, while still valid
  ControllerStats stats_;
  std::vector<IssuedCommand>* log_ = nullptr;
};

}  // namespace vtpu::hbm
