// Core-local interruptor (SiFive layout): mtime, mtimecmp, msip.
// mtime counts at the configured timer frequency from simulated time; the
// timer interrupt is computed, not ticked: one event at the compare time.
#pragma once

#include "models/common/register_bank.h"

namespace vtpu::peripherals {

class Clint : public Peripheral {
 public:
  sc_core::sc_out<bool> mtip, msip;

  Clint(sc_core::sc_module_name name, sc_core::sc_time latency, sc_core::sc_time tick);

 private:
  uint64_t mtime_at(const sc_core::sc_time& t) const { return t.value() / tick_.value(); }
  void update();  // the only writer of mtip/msip

  sc_core::sc_time tick_;
  uint64_t mtimecmp_ = ~uint64_t{0};
  uint32_t msip_ = 0;
  sc_core::sc_event update_event_;
};

}  // namespace vtpu::peripherals
