// A firmware profile as text (docs/debugging.md, "Profiling firmware"): the
// core's cycles and instructions per function of the ELF, then the addresses
// that took the most cycles (for `addr2line -e ELF`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/core/core.h"
#include "platform/elf_loader.h"

namespace vtpu {

struct ProfileTotals {
  uint64_t cycles = 0;        // the core's over the run
  uint64_t instructions = 0;  // retired
};

// Writes PATH all or nothing; throws vtpu::Error("PATH: cannot write the
// profile") when it cannot.
void write_profile(const std::string& path, const ElfImage& firmware,
                   const std::vector<core::Core::ProfileEntry>& profile,
                   const ProfileTotals& totals);

}  // namespace vtpu
