// One channel: its pseudo-channels' controllers and the command buses they
// share (JESD235/JESD238; timing_checker.h, CommandBus). Each controller
// decides its own commands, but in time order across the channel: the one
// whose next decision is earliest takes the next turn (ties go round in turn),
// so each sees on the buses every command the others issued before it.
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
  std::vector<Controller> pseudo_;
  unsigned turn_ = 0;  // the pseudo-channel that wins the next tie
};

}  // namespace vtpu::hbm
