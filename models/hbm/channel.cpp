#include "models/hbm/channel.h"

#include <algorithm>
#include <memory>

namespace vtpu::hbm {

Channel::Channel(const TimingSet& timing, unsigned queue_depth, bool refresh) {
  const auto bus = std::make_shared<CommandBus>(timing);
  pseudo_.reserve(timing.pseudo_channels);
  for (unsigned i = 0; i < timing.pseudo_channels; ++i)
    pseudo_.emplace_back(timing, queue_depth, refresh, bus);
}

Channel::Cycle Channel::next_decision() const {
  Cycle next = Controller::kIdle;
  for (const Controller& c : pseudo_) next = std::min(next, c.next_decision());
  return next;
}

void Channel::run(Cycle horizon, std::vector<Completion>& done) {
  const size_t count = pseudo_.size();
  if (count == 1) {
    if (pseudo_[0].next_decision() < horizon) pseudo_[0].run(horizon, done);
    return;
  }
  for (;;) {
    size_t pick = 0;
    Cycle earliest = Controller::kIdle, second = Controller::kIdle;
    // Without branches or divisions: the decisions come in no order.
    for (size_t k = 0, i = turn_; k < count; ++k, i = i + 1 == count ? 0 : i + 1) {
      const Cycle d = pseudo_[i].next_decision();
      const bool earlier = d < earliest;
      second = earlier ? earliest : std::min(second, d);
      pick = earlier ? i : pick;
      earliest = earlier ? d : earliest;
    }
    if (earliest >= horizon) return;
    // Its turn lasts up to the next one's decision: a command at that very
    // cycle is still this one's, and the next one then sees it on the buses.
    const Cycle limit = second == Controller::kIdle ? horizon : std::min(horizon, second + 1);
    if (pseudo_[pick].run(limit, done))
      turn_ = pick + 1 == count ? 0 : static_cast<unsigned>(pick + 1);
  }
}

}  // namespace vtpu::hbm
