// What the accelerator's units (MXU, VPU) see of the on-chip memories: a span
// of host bytes at a bus address, and why an instruction must not run.
#pragma once

#include <cstdint>

#include "models/isa/vtpu/isa.h"

namespace vtpu {

struct UnitMemory {
  uint64_t base = 0;  // bus address of data[0]
  uint64_t size = 0;
  uint8_t* data = nullptr;
  bool contains(uint64_t address, uint64_t bytes) const {
    return address >= base && bytes <= size && address - base <= size - bytes;
  }
};

struct UnitFault {
  uint32_t cause = VTPU_ERR_NONE;  // VTPU_ERR_*
  uint64_t address = 0;            // what VTPU_CP_ERR_ADDR reports
  bool ok() const { return cause == VTPU_ERR_NONE; }
};

}  // namespace vtpu
