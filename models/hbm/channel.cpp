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

// Whether pseudo-channel `a` goes before `b` when both decide at `cycle`:
// the first in turn is pseudo-channel cycle mod P, then the next ones
// (so ties alternate, and depend on nothing but the cycle).
// (No division but the one for `start`, none with a power-of-two count: this
// is asked for on every turn.)
bool Channel::first(size_t a, size_t b, Cycle cycle) const {
  const size_t count = pseudo_.size();
  const size_t start = (count & (count - 1)) == 0 ? static_cast<size_t>(cycle) & (count - 1)
                                                  : static_cast<size_t>(cycle) % count;
  // a's and b's places in the turn order that starts at `start`
  const size_t place_a = a >= start ? a - start : a + count - start;
  const size_t place_b = b >= start ? b - start : b + count - start;
  return place_a < place_b;
}

void Channel::run(Cycle horizon, std::vector<Completion>& done) {
  const size_t count = pseudo_.size();
  if (count == 1) {
    if (pseudo_[0].next_decision() < horizon) pseudo_[0].run(horizon, done);
    return;
  }
  for (;;) {
    // Idle pseudo-channels' refreshes wait for a decision to come after them.
    Cycle decision = Controller::kIdle;
    for (const Controller& c : pseudo_) decision = std::min(decision, c.next_decision());
    if (decision >= horizon) return;
    size_t pick = 0;
    Cycle earliest = Controller::kIdle;
    for (size_t i = 0; i < count; ++i) {
      const Cycle c = pseudo_[i].next_command();
      if (c < earliest || (c == earliest && c != Controller::kIdle && first(i, pick, c))) {
        earliest = c;
        pick = i;
      }
    }
    // Its turn lasts up to the others' next commands: a command at the cycle
    // of another's is its own if it goes first then, and the other then sees
    // it on the buses.
    Cycle limit = horizon;
    for (size_t i = 0; i < count; ++i) {
      const Cycle c = pseudo_[i].next_command();
      if (i != pick && c != Controller::kIdle) limit = std::min(limit, c + first(pick, i, c));
    }
    Controller& c = pseudo_[pick];
    if (c.next_decision() > earliest)
      c.refresh_idle(limit);  // its turn is a refresh with nothing queued
    else
      c.run(limit, done);
  }
}

}  // namespace vtpu::hbm
