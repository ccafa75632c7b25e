// Address interleaving: which address bits select the stack, channel,
// pseudo-channel, bank group, bank, row and column of an access.
//
// The mapping is written most significant field first, e.g. the default
// "ro-ba-co-bg-pc-ch-st": the byte offset inside one access is always the
// lowest bits, then the stack, channel, ... and the row the highest. Every
// field's size is a power of two (docs/memory.md, "Address mapping").
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "models/hbm/timing.h"

namespace vtpu::hbm {

struct Location {
  unsigned controller;      // flat (stack, channel, pseudo-channel) index
  unsigned channel;         // flat (stack, channel) index: controller / pseudo-channels
  unsigned pseudo_channel;  // controller % pseudo-channels
  unsigned bank;            // bank group * banks_per_group + bank
  unsigned bank_group;
  uint32_t row;
  uint32_t column;  // in accesses
};

class AddressMapping {
 public:
  static constexpr const char* kDefault = "ro-ba-co-bg-pc-ch-st";

  // Throws vtpu::Error (naming hbm.address_mapping) for a malformed string or
  // field sizes that are not powers of two.
  AddressMapping(const TimingSet& timing, unsigned stacks, unsigned channels,
                 const std::string& mapping);

  uint64_t capacity() const { return capacity_; }
  unsigned controllers() const { return controllers_; }
  unsigned access_bytes() const { return access_bytes_; }
  Location decode(uint64_t address) const {  // inline: once per access of every request
    Location loc;
    loc.channel = static_cast<unsigned>(bits_[kStack].get(address) * count_[kChannel] +
                                        bits_[kChannel].get(address));
    loc.pseudo_channel = static_cast<unsigned>(bits_[kPseudo].get(address));
    loc.controller = loc.channel * count_[kPseudo] + loc.pseudo_channel;
    loc.bank_group = static_cast<unsigned>(bits_[kGroup].get(address));
    loc.bank = loc.bank_group * count_[kBank] + static_cast<unsigned>(bits_[kBank].get(address));
    loc.row = static_cast<uint32_t>(bits_[kRow].get(address));
    loc.column = static_cast<uint32_t>(bits_[kColumn].get(address));
    return loc;
  }
  // Inverse of decode (the offset inside the access is zero); used by tests.
  uint64_t encode(const Location& location) const;

 private:
  enum Field { kStack, kChannel, kPseudo, kGroup, kBank, kColumn, kRow, kFields };
  struct Bits {
    unsigned shift = 0, width = 0;
    uint64_t get(uint64_t a) const { return (a >> shift) & ((uint64_t{1} << width) - 1); }
  };
  std::array<Bits, kFields> bits_;
  std::array<unsigned, kFields> count_;
  unsigned access_bytes_, controllers_;
  uint64_t capacity_;
};

}  // namespace vtpu::hbm
