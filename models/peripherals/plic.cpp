#include "models/peripherals/plic.h"

namespace vtpu::peripherals {

using Access = RegisterBank::Access;

Plic::Plic(sc_core::sc_module_name name, sc_core::sc_time latency)
    : Peripheral(name, latency), sources("sources", VTPU_PLIC_SOURCES), meip("meip") {
  auto changed = [this] { update_event_.notify(sc_core::SC_ZERO_TIME); };
  for (uint32_t n = 1; n < VTPU_PLIC_SOURCES; ++n) {
    regs_.add(
        "priority" + std::to_string(n), VTPU_PLIC_PRIORITY(n), Access::kReadWrite,
        [this, n] { return priority_[n]; },
        [this, n, changed](uint32_t v) {
          priority_[n] = v & 7;
          changed();
        });
  }
  regs_.add("pending", VTPU_PLIC_PENDING, Access::kReadOnly, [this] { return pending_; });
  regs_.add(
      "enable", VTPU_PLIC_ENABLE, Access::kReadWrite, [this] { return enable_; },
      [this, changed](uint32_t v) {
        enable_ = v & ~1u;
        changed();
      });
  regs_.add(
      "threshold", VTPU_PLIC_THRESHOLD, Access::kReadWrite, [this] { return threshold_; },
      [this, changed](uint32_t v) {
        threshold_ = v & 7;
        changed();
      });
  regs_.add(
      "claim", VTPU_PLIC_CLAIM, Access::kReadWrite,
      [this, changed] {
        uint32_t id = best_claimable();
        if (id != 0) {
          pending_ &= ~(1u << id);
          in_service_ |= 1u << id;
          changed();
        }
        return id;
      },
      [this, changed](uint32_t id) {
        if (id < VTPU_PLIC_SOURCES) in_service_ &= ~(1u << id);
        changed();
      });
  SC_HAS_PROCESS(Plic);
  SC_METHOD(update);
  sensitive << update_event_;
  for (auto& source : sources) sensitive << source;
}

uint32_t Plic::best_claimable() const {
  uint32_t best = 0, best_priority = threshold_;
  for (uint32_t n = 1; n < VTPU_PLIC_SOURCES; ++n) {
    if (!((pending_ & enable_) & (1u << n))) continue;
    if (priority_[n] > best_priority) {
      best = n;
      best_priority = priority_[n];
    }
  }
  return best;
}

void Plic::update() {
  // Gateway: a high line sets pending unless the source is in service (so a
  // completed source whose line is still high becomes pending again).
  for (uint32_t n = 1; n < VTPU_PLIC_SOURCES; ++n)
    if (sources[n].read() && !(in_service_ & (1u << n))) pending_ |= 1u << n;
  meip.write(best_claimable() != 0);
}

}  // namespace vtpu::peripherals
