#include "models/core/pmp.h"

namespace vtpu::core {
namespace {

constexpr uint8_t kLocked = 0x80;
constexpr uint32_t kCfgFirst = 0x3a0, kAddrFirst = 0x3b0;

unsigned mode_of(uint8_t cfg) {
  return (cfg >> 3) & 3;  // 0 OFF, 1 TOR, 2 NA4, 3 NAPOT
}

}  // namespace

// The lowest-numbered entry that matches any byte decides; a partial match
// fails. M mode passes unless the entry is locked; with no match, M passes and
// U fails (entries are implemented).
bool Pmp::allows(uint32_t addr, unsigned length, uint8_t permission, uint32_t priv) const {
  const uint64_t lo_access = addr, hi_access = uint64_t{addr} + length;  // [lo, hi)
  for (unsigned i = 0; i < kEntries; ++i) {
    const uint8_t cfg = cfg_[i];
    const unsigned mode = mode_of(cfg);
    if (mode == 0) continue;
    uint64_t lo, hi;
    if (mode == 1) {  // TOR
      lo = i == 0 ? 0 : uint64_t{addr_[i - 1]} << 2;
      hi = uint64_t{addr_[i]} << 2;
    } else if (mode == 2) {  // NA4
      lo = uint64_t{addr_[i]} << 2;
      hi = lo + 4;
    } else {  // NAPOT: trailing ones give the size, 2^(ones + 3)
      unsigned ones = 0;
      while (ones < 32 && ((addr_[i] >> ones) & 1)) ++ones;
      const uint64_t size = uint64_t{8} << ones;
      lo = (uint64_t{addr_[i]} << 2) & ~(size - 1);
      hi = lo + size;
    }
    if (hi_access <= lo || lo_access >= hi) continue;    // no byte matches
    if (lo_access < lo || hi_access > hi) return false;  // partial match
    if (priv == 3 && !(cfg & kLocked)) return true;
    return (cfg & permission) != 0;
  }
  return priv == 3;
}

bool Pmp::any_locked() const {
  bool locked = false;
  for (uint8_t cfg : cfg_) locked |= (cfg & kLocked) && mode_of(cfg) != 0;
  return locked;
}

bool Pmp::read_csr(uint32_t csr, uint32_t& value) const {
  if (csr >= kCfgFirst && csr < kCfgFirst + kEntries / 4) {  // four entries each
    const unsigned first = (csr - kCfgFirst) * 4;
    value = 0;
    for (unsigned i = 0; i < 4; ++i) value |= uint32_t{cfg_[first + i]} << (8 * i);
    return true;
  }
  if (csr >= kAddrFirst && csr < kAddrFirst + kEntries) {
    value = addr_[csr - kAddrFirst];
    return true;
  }
  return false;
}

bool Pmp::write_csr(uint32_t csr, uint32_t value) {
  if (csr >= kCfgFirst && csr < kCfgFirst + kEntries / 4) {
    const unsigned first = (csr - kCfgFirst) * 4;
    for (unsigned i = 0; i < 4; ++i) {
      if (cfg_[first + i] & kLocked) continue;
      uint8_t cfg = static_cast<uint8_t>(value >> (8 * i)) & 0x9f;  // bits 6:5 read as zero
      if ((cfg & (kR | kW)) == kW) cfg &= ~kW;                      // W without R is reserved
      cfg_[first + i] = cfg;
    }
    return true;
  }
  if (csr >= kAddrFirst && csr < kAddrFirst + kEntries) {
    const unsigned i = csr - kAddrFirst;
    // Locked, or the top of a locked TOR entry above it.
    const bool locked = (cfg_[i] & kLocked) ||
                        (i + 1 < kEntries && (cfg_[i + 1] & kLocked) && mode_of(cfg_[i + 1]) == 1);
    if (!locked) addr_[i] = value;
    return true;
  }
  return false;
}

}  // namespace vtpu::core
