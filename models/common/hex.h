// Addresses in messages: "0x80000000" (at least eight digits), the way
// every error line in vtpu prints them.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace vtpu {

inline std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace vtpu
