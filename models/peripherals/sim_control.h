// Devices that end a run: the sim-control block (EXIT register) and Spike's
// HTIF `tohost` convention (mapped as an overlay on RAM at the ELF's `tohost`
// symbol: a 32-bit write of v with v & 1 ends the run with code v >> 1).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "models/common/register_bank.h"
#include "models/common/trace.h"

namespace vtpu::peripherals {

using ExitRequest = std::function<void(uint64_t code, const std::string& source)>;

class SimControl : public Peripheral {
 public:
  // PLIC sources VTPU_IRQ_TEST_FIRST..LAST, driven from the IRQ register.
  sc_core::sc_vector<sc_core::sc_out<bool>> irq_out;

  SimControl(sc_core::sc_module_name name, sc_core::sc_time latency, ExitRequest on_exit);

  uint32_t last_marker() const { return marker_; }
  void set_trace(TraceSink* sink) { trace_ = sink; }
  uint64_t marker_count() const { return markers_; }

 private:
  void drive_irqs();  // the only writer of irq_out

  uint32_t marker_ = 0;
  TraceSink* trace_ = nullptr;
  uint64_t markers_ = 0;
  uint32_t irq_levels_ = 0;
  sc_core::sc_event irq_event_;
};

class Htif : public Peripheral {
 public:
  Htif(sc_core::sc_module_name name, sc_core::sc_time latency, ExitRequest on_exit);

 private:
  uint32_t tohost_[2] = {0, 0};
};

}  // namespace vtpu::peripherals
