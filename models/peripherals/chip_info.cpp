#include "models/peripherals/chip_info.h"

#include <string>

namespace vtpu::peripherals {

ChipInfo::ChipInfo(sc_core::sc_module_name name, sc_core::sc_time latency,
                   const std::map<uint32_t, uint32_t>& words)
    : Peripheral(name, latency) {
  for (const auto& [offset, value] : words)
    regs_.add("info" + std::to_string(offset), offset, RegisterBank::Access::kReadOnly,
              [v = value] { return v; });
}

}  // namespace vtpu::peripherals
