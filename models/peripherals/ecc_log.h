// The DRAM ECC error log (vtpu/soc_map.h VTPU_ECC_*, docs/memory-map.md):
// what a memory controller's RAS registers tell firmware about the injected
// ECC errors of faults.hbm_*_per_access. It counts every error, logs the
// first one since firmware cleared the log (kind and burst address), counts
// those it could not log, and raises PLIC source VTPU_IRQ_ECC while the log
// holds an error of a kind CONTROL enables.
#pragma once

#include <cstdint>

#include "models/common/register_bank.h"

namespace vtpu::peripherals {

class EccLog : public Peripheral {
 public:
  sc_core::sc_out<bool> irq;

  EccLog(sc_core::sc_module_name name, sc_core::sc_time latency);

  // A DRAM read burst at bus address `address` had an ECC error.
  void record(bool uncorrected, uint64_t address);

 private:
  void drive_irq();  // the only writer of irq
  bool irq_level() const;

  uint32_t corrected_ = 0, uncorrected_ = 0, missed_ = 0;
  uint32_t status_ = 0, control_ = 0, kind_ = 0;
  uint64_t address_ = 0;
  sc_core::sc_event irq_event_;
};

}  // namespace vtpu::peripherals
