// The control core's CSRs (docs/core.md lists them) and what the PMP needs
// from the privilege state.
#include "models/core/csr.h"

#include "models/core/core.h"

namespace vtpu::core {

bool Core::csr_read(uint32_t csr, uint32_t& value) {
  const uint64_t cycle = cycles_ + mcycle_offset_, instret = instret_ + minstret_offset_;
  // User-mode counter access needs the matching mcounteren bit.
  if (csr >= 0xc00 && csr <= 0xc9f && priv_ == 0 && !((mcounteren_ >> (csr & 31)) & 1))
    return false;
  switch (csr) {
    case 0x300: value = mstatus_; return true;
    case 0x301: value = kMisa; return true;
    case 0x304: value = mie_; return true;
    case 0x305: value = mtvec_; return true;
    case 0x306: value = mcounteren_; return true;
    case 0x310: value = 0; return true;  // mstatush
    case 0x320: value = 0; return true;  // mcountinhibit: counters always count
    case 0x340: value = mscratch_; return true;
    case 0x341: value = mepc_; return true;
    case 0x342: value = mcause_; return true;
    case 0x343: value = mtval_; return true;
    case 0x344: value = mip_; return true;
    case 0xb00:
    case 0xc00: value = static_cast<uint32_t>(cycle); return true;
    case 0xb80:
    case 0xc80: value = static_cast<uint32_t>(cycle >> 32); return true;
    case 0xb02:
    case 0xc02: value = static_cast<uint32_t>(instret); return true;
    case 0xb82:
    case 0xc82: value = static_cast<uint32_t>(instret >> 32); return true;
    case 0xc01: value = static_cast<uint32_t>(mtime()); return true;
    case 0xc81: value = static_cast<uint32_t>(mtime() >> 32); return true;
    case 0xf11:
    case 0xf12:
    case 0xf13:
    case 0xf14:
    case 0xf15: value = 0; return true;
  }
  if (pmp_.read_csr(csr, value)) return true;
  // Hard-wired zero: hpm counters/events, PMP entries 16..63, trigger module (no triggers).
  if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0xb83 && csr <= 0xb9f) ||
      (csr >= 0xc03 && csr <= 0xc1f) || (csr >= 0xc83 && csr <= 0xc9f) ||
      (csr >= 0x323 && csr <= 0x33f) || (csr >= 0x3a4 && csr <= 0x3af) ||
      (csr >= 0x3c0 && csr <= 0x3ef) || (csr >= 0x7a0 && csr <= 0x7a4)) {
    value = 0;
    return true;
  }
  return false;
}

bool Core::csr_write(uint32_t csr, uint32_t value) {
  if ((csr >> 10) == 3) return false;  // read-only space
  switch (csr) {
    case 0x300: {
      mstatus_ = (mstatus_ & ~kMstatusWritable) | (value & kMstatusWritable);
      uint32_t mpp = (mstatus_ & kMstatusMpp) >> 11;
      if (mpp != 0 && mpp != 3) mstatus_ &= ~kMstatusMpp;  // WARL: M or U only
      update_pmp_checks();
      return true;
    }
    case 0x301:
    case 0x310:
    case 0x320:
    case 0x344: return true;  // WARL, writes ignored
    case 0x304: mie_ = value & kInterruptMask; return true;
    case 0x305: mtvec_ = value & ~2u; return true;  // modes 0 (direct) and 1 (vectored)
    case 0x306: mcounteren_ = value & 7u; return true;
    case 0x340: mscratch_ = value; return true;
    case 0x341: mepc_ = value & ~1u; return true;
    case 0x342: mcause_ = value; return true;
    case 0x343: mtval_ = value; return true;
    // Counter writes: the written value is what the next instruction sees.
    // cycles_ and instret_ keep counting; the CSRs are offsets from them.
    case 0xb00:
    case 0xb80:
    case 0xb02:
    case 0xb82: {
      const bool is_cycle = (csr & 0x7f) == 0x00;  // mcycle(h): 0xb00, 0xb80
      // A write suppresses this instruction's own increment of minstret, for
      // either half: merge into the value before it, then count it.
      uint64_t& offset = is_cycle ? mcycle_offset_ : minstret_offset_;
      uint64_t current = (is_cycle ? cycles_ : instret_) + offset;
      const uint64_t base = is_cycle ? cycles_ : instret_ + 1;
      current = (csr & 0x80) ? (current & 0xffffffffull) | (uint64_t{value} << 32)
                             : (current & ~0xffffffffull) | value;
      offset = current - base;
      return true;
    }
  }
  if (pmp_.write_csr(csr, value)) {
    update_pmp_checks();  // a pmpcfg write may lock an entry
    return true;
  }
  uint32_t ignored;
  return csr_read(csr, ignored);  // hard-wired-zero registers accept writes
}

uint32_t Core::data_privilege() const {
  return (priv_ == 3 && (mstatus_ & kMstatusMprv)) ? (mstatus_ & kMstatusMpp) >> 11 : priv_;
}

void Core::update_pmp_checks() {
  pmp_checks_ = priv_ != 3 || data_privilege() != 3 || pmp_.any_locked();
  update_checks();
}

}  // namespace vtpu::core
