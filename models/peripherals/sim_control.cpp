#include "models/peripherals/sim_control.h"

#include "models/isa/vtpu/soc_map.h"

namespace vtpu::peripherals {

using Access = RegisterBank::Access;

SimControl::SimControl(sc_core::sc_module_name name, sc_core::sc_time latency,
                       ExitRequest on_exit)
    : Peripheral(name, latency) {
  regs_.add("exit", VTPU_SIMCTRL_EXIT, Access::kWriteOnly, nullptr,
            [on_exit](uint32_t v) { on_exit(v, "sim-control EXIT"); });
  regs_.add(
      "marker", VTPU_SIMCTRL_MARKER, Access::kReadWrite, [this] { return marker_; },
      [this](uint32_t v) {
        marker_ = v;
        ++markers_;
      });
  regs_.add("id", VTPU_SIMCTRL_ID, Access::kReadOnly, [] { return VTPU_SIMCTRL_ID_VALUE; });
}

Htif::Htif(sc_core::sc_module_name name, sc_core::sc_time latency, ExitRequest on_exit)
    : Peripheral(name, latency) {
  regs_.add(
      "tohost_lo", 0, Access::kReadWrite, [this] { return tohost_[0]; },
      [this, on_exit](uint32_t v) {
        tohost_[0] = v;
        if (v & 1) on_exit(v >> 1, "HTIF tohost");
      });
  regs_.add(
      "tohost_hi", 4, Access::kReadWrite, [this] { return tohost_[1]; },
      [this](uint32_t v) { tohost_[1] = v; });
}

}  // namespace vtpu::peripherals
