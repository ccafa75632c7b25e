#include "models/memory/upsets.h"

namespace vtpu::memory {

Upsets::Upsets(sc_core::sc_module_name name, Ram& ram, double per_ms, uint64_t seed)
    : sc_module(name), ram_(ram), per_ps_(per_ms / 1e9), rng_(seed) {
  SC_HAS_PROCESS(Upsets);
  SC_THREAD(strike);
}

void Upsets::strike() {
  if (per_ps_ <= 0 || ram_.size() == 0) return;
  std::exponential_distribution<double> gap(per_ps_);  // ps between upsets
  std::uniform_int_distribution<uint64_t> bit(0, ram_.size() * 8 - 1);
  for (;;) {
    const double ps = std::max(1.0, gap(rng_));
    sc_core::wait(sc_core::sc_time::from_value(static_cast<uint64_t>(ps)));
    const uint64_t b = bit(rng_);
    ram_.data()[b / 8] ^= static_cast<uint8_t>(1u << (b % 8));
    ++count_;
  }
}

}  // namespace vtpu::memory
