#include "models/peripherals/sim_control.h"

#include "models/isa/vtpu/soc_map.h"

namespace vtpu::peripherals {

using Access = RegisterBank::Access;

SimControl::SimControl(sc_core::sc_module_name name, sc_core::sc_time latency, ExitRequest on_exit)
    : Peripheral(name, latency), irq_out("irq_out", VTPU_IRQ_TEST_LAST - VTPU_IRQ_TEST_FIRST + 1) {
  regs_.add("exit", VTPU_SIMCTRL_EXIT, Access::kWriteOnly, nullptr,
            [on_exit](uint32_t v) { on_exit(v, "sim-control EXIT"); });
  regs_.add(
      "marker", VTPU_SIMCTRL_MARKER, Access::kReadWrite, [this] { return marker_; },
      [this](uint32_t v) {
        marker_ = v;
        ++markers_;
        if (trace_) trace_->marker(v, sc_core::sc_time_stamp());
      });
  regs_.add("id", VTPU_SIMCTRL_ID, Access::kReadOnly, [] { return VTPU_SIMCTRL_ID_VALUE; });
  regs_.add(
      "irq", VTPU_SIMCTRL_IRQ, Access::kReadWrite, [this] { return irq_levels_; },
      [this](uint32_t v) {
        constexpr uint32_t mask =
            ((1u << (VTPU_IRQ_TEST_LAST + 1)) - 1) & ~((1u << VTPU_IRQ_TEST_FIRST) - 1);
        irq_levels_ = v & mask;
        irq_event_.notify(sc_core::SC_ZERO_TIME);
      });
  SC_HAS_PROCESS(SimControl);
  SC_METHOD(drive_irqs);
  sensitive << irq_event_;
  dont_initialize();
}

void SimControl::drive_irqs() {
  for (unsigned i = 0; i < irq_out.size(); ++i)
    irq_out[i].write((irq_levels_ >> (VTPU_IRQ_TEST_FIRST + i)) & 1);
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
