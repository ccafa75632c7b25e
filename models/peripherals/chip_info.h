// Chip info: read-only words with the chip's parameters (clock, memory sizes,
// array shape), so that one firmware binary serves every configuration.
// Offsets are VTPU_CHIPINFO_* in vtpu/soc_map.h.
#pragma once

#include <cstdint>
#include <map>

#include "models/common/register_bank.h"

namespace vtpu::peripherals {

class ChipInfo : public Peripheral {
 public:
  // `words`: register offset -> value.
  ChipInfo(sc_core::sc_module_name name, sc_core::sc_time latency,
           const std::map<uint32_t, uint32_t>& words);
};

}  // namespace vtpu::peripherals
