#include "models/peripherals/clint.h"

#include "models/isa/vtpu/soc_map.h"

namespace vtpu::peripherals {

using Access = RegisterBank::Access;

Clint::Clint(sc_core::sc_module_name name, sc_core::sc_time latency, sc_core::sc_time tick)
    : Peripheral(name, latency), mtip("mtip"), msip("msip"), tick_(tick) {
  auto changed = [this] { update_event_.notify(sc_core::SC_ZERO_TIME); };
  regs_.add(
      "msip", VTPU_CLINT_MSIP, Access::kReadWrite, [this] { return msip_; },
      [this, changed](uint32_t v) {
        msip_ = v & 1;
        changed();
      });
  regs_.add64(
      "mtimecmp", VTPU_CLINT_MTIMECMP_LO, Access::kReadWrite, [this] { return mtimecmp_; },
      [this, changed](uint64_t v) {
        mtimecmp_ = v;
        changed();
      });
  regs_.add64("mtime", VTPU_CLINT_MTIME_LO, Access::kReadOnly,
              [this] { return mtime_at(access_time()); });
  SC_HAS_PROCESS(Clint);
  SC_METHOD(update);
  sensitive << update_event_;
}

void Clint::update() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const uint64_t mtime = mtime_at(now);
  mtip.write(mtime >= mtimecmp_);
  msip.write(msip_ != 0);
  // Wake up again at the compare time, unless it lies beyond representable time.
  const uint64_t max_ticks = ~uint64_t{0} / tick_.value();
  if (mtime < mtimecmp_ && mtimecmp_ <= max_ticks) {
    sc_core::sc_time due = tick_ * static_cast<double>(mtimecmp_);
    update_event_.notify(due - now);
  }
}

}  // namespace vtpu::peripherals
