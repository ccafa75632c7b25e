#include "platform/firmware_profile.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <ostream>

#include "models/common/atomic_file.h"

namespace vtpu {
namespace {

constexpr size_t kTopAddresses = 40;

struct Row {
  uint64_t cycles = 0, instructions = 0;
};

// printf into a string: the numbers of a line (names go to the stream whole).
std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* pattern, ...) {
  char line[512];
  va_list args;
  va_start(args, pattern);
  std::vsnprintf(line, sizeof line, pattern, args);
  va_end(args);
  return line;
}

double share(uint64_t part, uint64_t whole) {
  return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

double per(uint64_t cycles, uint64_t instructions) {
  return instructions ? static_cast<double>(cycles) / static_cast<double>(instructions) : 0.0;
}

}  // namespace

void write_profile(const std::string& path, const ElfImage& firmware,
                   const std::vector<core::Core::ProfileEntry>& profile,
                   const ProfileTotals& totals) {
  std::map<std::string, Row> functions;
  Row all;
  for (const core::Core::ProfileEntry& e : profile) {
    const ElfFunction* f = function_at(firmware, e.address);
    Row& row = functions[f ? f->name : "?"];
    row.cycles += e.cycles;
    row.instructions += e.instructions;
    all.cycles += e.cycles;
    all.instructions += e.instructions;
  }
  std::vector<std::pair<std::string, Row>> by_cycles(functions.begin(), functions.end());
  std::stable_sort(by_cycles.begin(), by_cycles.end(),
                   [](const auto& a, const auto& b) { return a.second.cycles > b.second.cycles; });
  std::vector<core::Core::ProfileEntry> top = profile;
  std::stable_sort(top.begin(), top.end(),
                   [](const auto& a, const auto& b) { return a.cycles > b.cycles; });
  top.resize(std::min(top.size(), kTopAddresses));

  write_file_atomically(
      path,
      [&](std::ostream& out) {
        out << "# vtpu firmware profile: " << firmware.path << "\n"
            << format(
                   "# %llu core cycles, %llu instructions retired; profiled %llu cycles, "
                   "%llu instructions\n",
                   static_cast<unsigned long long>(totals.cycles),
                   static_cast<unsigned long long>(totals.instructions),
                   static_cast<unsigned long long>(all.cycles),
                   static_cast<unsigned long long>(all.instructions))
            << "# an instruction's cycles run from its start to the next one's (latency, "
               "waits and WFI sleep included)\n"
            << "#\n# by function\n"
            << format("# %12s %7s %13s %11s  %s\n", "cycles", "share", "instructions",
                      "cycles/insn", "function");
        for (const auto& [name, row] : by_cycles)
          out << format("  %12llu %6.2f%% %13llu %11.2f  ",
                        static_cast<unsigned long long>(row.cycles), share(row.cycles, all.cycles),
                        static_cast<unsigned long long>(row.instructions),
                        per(row.cycles, row.instructions))
              << name << "\n";
        out << "#\n# by address, the " << top.size() << " with the most cycles\n"
            << format("# %10s %12s %7s %13s  %s\n", "address", "cycles", "share", "instructions",
                      "function+offset");
        for (const core::Core::ProfileEntry& e : top) {
          const ElfFunction* f = function_at(firmware, e.address);
          const std::string where =
              f ? f->name + format("+0x%x", static_cast<unsigned>(e.address - f->address)) : "?";
          out << format("  0x%08x %12llu %6.2f%% %13llu  ", static_cast<unsigned>(e.address),
                        static_cast<unsigned long long>(e.cycles), share(e.cycles, all.cycles),
                        static_cast<unsigned long long>(e.instructions))
              << where << "\n";
        }
        return true;
      },
      " the profile");
}

}  // namespace vtpu
