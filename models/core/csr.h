// The machine-mode status bits the core's trap, mret and CSR code share
// (RISC-V privileged spec 1.12). Internal to models/core.
#pragma once

#include <cstdint>

namespace vtpu::core {

constexpr uint32_t kMstatusMie = 1u << 3;
constexpr uint32_t kMstatusMpie = 1u << 7;
constexpr uint32_t kMstatusMpp = 3u << 11;
constexpr uint32_t kMstatusMprv = 1u << 17;
constexpr uint32_t kMstatusTw = 1u << 21;
constexpr uint32_t kMstatusWritable =
    kMstatusMie | kMstatusMpie | kMstatusMpp | kMstatusMprv | kMstatusTw;
constexpr uint32_t kInterruptMask = (1u << 3) | (1u << 7) | (1u << 11);
constexpr uint32_t kInterruptBit = 1u << 31;
// MXL = 1 (32-bit); extensions A, C, I, M, U.
constexpr uint32_t kMisa = (1u << 30) | (1u << 0) | (1u << 2) | (1u << 8) | (1u << 12) | (1u << 20);
}  // namespace vtpu::core
