#include "rtl/axi/bursts.h"

#include "models/common/hex.h"

namespace vtpu::rtl::axi {

std::string check(const Burst& b, unsigned bus_bytes) {
  if (b.type > kWrap) return "AxBURST 3 is reserved";
  if (b.size > bus_bytes)
    return "beats of " + std::to_string(b.size) + " bytes are wider than the " +
           std::to_string(bus_bytes) + "-byte data bus";
  if (b.type == kFixed && b.beats > 16)
    return "a FIXED burst of " + std::to_string(b.beats) + " beats (at most 16)";
  if (b.type == kWrap) {
    if (b.beats != 2 && b.beats != 4 && b.beats != 8 && b.beats != 16)
      return "a WRAP burst of " + std::to_string(b.beats) + " beats (2, 4, 8 or 16)";
    if (b.address % b.size != 0)
      return "a WRAP burst at " + hex(b.address) + " is not aligned to its " +
             std::to_string(b.size) + "-byte beats";
  }
  if (b.type == kIncr) {
    const uint64_t last = b.address / b.size * b.size + uint64_t{b.beats} * b.size - 1;
    if (last / 4096 != b.address / 4096)
      return "an INCR burst of " + std::to_string(b.beats) + " x " + std::to_string(b.size) +
             " bytes at " + hex(b.address) + " crosses a 4 KiB boundary";
  }
  return "";
}

uint64_t beat_address(const Burst& b, unsigned n) {
  const uint64_t aligned = b.address / b.size * b.size;
  if (n == 0 || b.type == kFixed) return b.address;
  if (b.type == kIncr) return aligned + uint64_t{n} * b.size;
  const uint64_t span = uint64_t{b.beats} * b.size;  // WRAP
  const uint64_t boundary = b.address / span * span;
  return boundary + (aligned - boundary + uint64_t{n} * b.size) % span;
}

ByteMap byte_map(const Burst& b, unsigned bus_bytes, const std::vector<bool>& enabled) {
  ByteMap map;
  uint64_t next = 0;  // the address that would extend the last run
  for (unsigned n = 0; n < b.beats; ++n) {
    const uint64_t address = beat_address(b, n);
    const uint64_t line = address / bus_bytes * bus_bytes;  // the bus word
    // Lower_Byte_Lane .. Upper_Byte_Lane: an unaligned first beat (and every
    // beat of an unaligned FIXED burst) starts at its address.
    const unsigned lower = static_cast<unsigned>(address - line);
    const unsigned upper = static_cast<unsigned>(address / b.size * b.size - line) + b.size - 1;
    for (unsigned lane = lower; lane <= upper; ++lane) {
      const uint32_t at = n * bus_bytes + lane;
      if (!enabled.empty() && !enabled[at]) continue;
      if (map.runs.empty() || line + lane != next) map.runs.push_back({line + lane, {}});
      map.runs.back().at.push_back(at);
      next = line + lane + 1;
    }
  }
  return map;
}

}  // namespace vtpu::rtl::axi
