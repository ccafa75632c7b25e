// AXI4 burst arithmetic (AMBA AXI and ACE Protocol Specification, IHI 0022,
// section A3.4): which bytes each beat of a burst moves, and which bursts
// break the protocol's rules. The bridge (bridge.h) turns a burst into the
// TLM transactions these byte maps describe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vtpu::rtl::axi {

enum BurstType : unsigned { kFixed = 0, kIncr = 1, kWrap = 2 };

struct Burst {
  uint64_t address = 0;   // AxADDR
  unsigned beats = 1;     // AxLEN + 1
  unsigned size = 1;      // bytes a beat, 2^AxSIZE
  unsigned type = kIncr;  // AxBURST
};

// Why `b` breaks AXI4's rules on a data bus of `bus_bytes`, or "": a reserved
// burst type, a beat wider than the bus, a FIXED burst of more than 16 beats,
// a WRAP burst of other than 2, 4, 8 or 16 beats or not aligned to its beat
// size, an INCR burst that crosses a 4 KiB boundary.
std::string check(const Burst& b, unsigned bus_bytes);

// Address_N of A3.4.1 for beat n (from 0): the address the beat names.
uint64_t beat_address(const Burst& b, unsigned n);

// The bytes a burst moves, in beat order: byte k of the burst's data (beat
// k / bus_bytes, lane k % bus_bytes) goes to or comes from `address`.
// `enabled` (write strobes, one per data byte; empty: all) leaves bytes out.
struct ByteMap {
  struct Run {
    uint64_t address;          // the first byte's bus address
    std::vector<uint32_t> at;  // each byte's offset in the burst's data
  };
  std::vector<Run> runs;  // maximal runs of consecutive bus addresses
};
ByteMap byte_map(const Burst& b, unsigned bus_bytes, const std::vector<bool>& enabled = {});

}  // namespace vtpu::rtl::axi
