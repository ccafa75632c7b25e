// Physical memory protection (RISC-V privileged spec 1.12, section 3.7):
// 16 entries, 4-byte granularity, OFF/TOR/NA4/NAPOT, locking. The core asks
// allows() on checked paths and routes the pmpcfg/pmpaddr CSRs here.
#pragma once

#include <cstdint>

namespace vtpu::core {

class Pmp {
 public:
  static constexpr unsigned kEntries = 16;
  enum Permission : uint8_t { kR = 1, kW = 2, kX = 4 };

  // Whether an access of `length` bytes at `addr` with `permission` from
  // privilege `priv` (3: M, 0: U) passes.
  bool allows(uint32_t addr, unsigned length, uint8_t permission, uint32_t priv) const;
  // Some enabled entry is locked (then M-mode accesses are checked too).
  bool any_locked() const;

  // pmpcfg0..3 (0x3a0..0x3a3) and pmpaddr0..15 (0x3b0..0x3bf): false for
  // another CSR. Writes follow the WARL and lock rules.
  bool read_csr(uint32_t csr, uint32_t& value) const;
  bool write_csr(uint32_t csr, uint32_t value);

 private:
  uint8_t cfg_[kEntries] = {};
  uint32_t addr_[kEntries] = {};
};

}  // namespace vtpu::core
