// One channel: its pseudo-channels' controllers and the command buses they
// share (JESD235/JESD238; timing_checker.h, CommandBus). Each controller
// decides its own commands, but in time order across the channel: the one
// whose next command is earliest takes the next turn (an idle one's
// refreshes included; at one cycle, pseudo-channel cycle mod P goes first),
// so each sees on the buses every command the others issued before it. The
// commands do not depend on how the caller's horizons cut the time.
// A standard with one pseudo-channel per channel (DDR3) is a channel of one.
// Plain C++ in clock cycles, like the controller.
#pragma once

#include <cstdint>
#include <vector>

#include "models/hbm/controller.h"

namespace vtpu::hbm {

class Channel {
 public:
  using Cycle = Controller::Cycle;

  Channel(const TimingSet& timing, unsigned queue_depth, bool refresh);

  void enqueue(unsigned pseudo_channel, const Access& access) {
    pseudo_[pseudo_channel].enqueue(access);
  }
  // Controller::run() for the channel: every command decided before `horizon`.
  void run(Cycle horizon, std::vector<Completion>& done);
  Cycle next_decision() const;

  const std::vector<Controller>& pseudo_channels() const { return pseudo_; }
  std::vector<Controller>& pseudo_channels() { return pseudo_; }

 private:
  bool first(size_t a, size_t b, Cycle cycle) const;

  std::vector<Controller> pseudo_;
};

}  // namespace vtpu::hbm
