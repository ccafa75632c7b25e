#include "models/peripherals/ecc_log.h"

#include "models/isa/vtpu/soc_map.h"

namespace vtpu::peripherals {

using Access = RegisterBank::Access;

namespace {
void saturating_increment(uint32_t& n) {
  if (n != UINT32_MAX) ++n;
}
}  // namespace

EccLog::EccLog(sc_core::sc_module_name name, sc_core::sc_time latency)
    : Peripheral(name, latency), irq("irq") {
  auto changed = [this] { irq_event_.notify(sc_core::SC_ZERO_TIME); };
  regs_.add("corrected", VTPU_ECC_CORRECTED, Access::kReadOnly, [this] { return corrected_; });
  regs_.add("uncorrected", VTPU_ECC_UNCORRECTED, Access::kReadOnly,
            [this] { return uncorrected_; });
  regs_.add(
      "status", VTPU_ECC_STATUS, Access::kReadWrite, [this] { return status_; },
      [this, changed](uint32_t v) {
        status_ &= ~(v & (VTPU_ECC_STATUS_LOGGED | VTPU_ECC_STATUS_OVERFLOW));
        changed();
      });
  regs_.add(
      "control", VTPU_ECC_CONTROL, Access::kReadWrite, [this] { return control_; },
      [this, changed](uint32_t v) {
        control_ = v & (VTPU_ECC_CONTROL_CORRECTED | VTPU_ECC_CONTROL_UNCORRECTED);
        changed();
      });
  regs_.add64("log_addr", VTPU_ECC_LOG_ADDR_LO, Access::kReadOnly, [this] { return address_; });
  regs_.add("log_kind", VTPU_ECC_LOG_KIND, Access::kReadOnly, [this] { return kind_; });
  regs_.add("missed", VTPU_ECC_MISSED, Access::kReadOnly, [this] { return missed_; });
  SC_HAS_PROCESS(EccLog);
  SC_METHOD(drive_irq);
  sensitive << irq_event_;
}

void EccLog::record(bool uncorrected, uint64_t address) {
  saturating_increment(uncorrected ? uncorrected_ : corrected_);
  if (status_ & VTPU_ECC_STATUS_LOGGED) {
    status_ |= VTPU_ECC_STATUS_OVERFLOW;
    saturating_increment(missed_);
    return;
  }
  status_ |= VTPU_ECC_STATUS_LOGGED;
  kind_ = uncorrected ? VTPU_ECC_KIND_UNCORRECTED : VTPU_ECC_KIND_CORRECTED;
  address_ = address;
  irq_event_.notify(sc_core::SC_ZERO_TIME);
}

bool EccLog::irq_level() const {
  if (!(status_ & VTPU_ECC_STATUS_LOGGED)) return false;
  return kind_ == VTPU_ECC_KIND_UNCORRECTED ? (control_ & VTPU_ECC_CONTROL_UNCORRECTED) != 0
                                            : (control_ & VTPU_ECC_CONTROL_CORRECTED) != 0;
}

void EccLog::drive_irq() {
  irq.write(irq_level());
}

}  // namespace vtpu::peripherals
