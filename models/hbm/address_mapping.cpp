#include "models/hbm/address_mapping.h"

#include <sstream>
#include <vector>

#include "models/common/error.h"

namespace vtpu::hbm {
namespace {

unsigned log2_exact(uint64_t n, const std::string& what) {
  if (n == 0 || (n & (n - 1)) != 0)
    throw Error("hbm.address_mapping: " + what + " (" + std::to_string(n) +
                ") is not a power of two");
  unsigned bits = 0;
  while ((uint64_t{1} << bits) < n) ++bits;
  return bits;
}

}  // namespace

AddressMapping::AddressMapping(const TimingSet& t, unsigned stacks, unsigned channels,
                               const std::string& mapping)
    : access_bytes_(t.access_bytes()) {
  static const char* const kNames[kFields] = {"st", "ch", "pc", "bg", "ba", "co", "ro"};
  static const char* const kWhat[kFields] = {"stacks",      "channels",        "pseudo-channels",
                                             "bank groups", "banks per group", "columns per row",
                                             "rows"};
  count_ = {stacks,        channels,          t.pseudo_channels,
            t.bank_groups, t.banks_per_group, t.row_bytes / t.access_bytes(),
            t.rows};

  std::vector<Field> order;  // most significant first
  std::stringstream in(mapping);
  for (std::string name; std::getline(in, name, '-');) {
    int field = -1;
    for (int f = 0; f < kFields; ++f)
      if (name == kNames[f]) field = f;
    if (field < 0)
      throw Error("hbm.address_mapping: unknown field '" + name + "' in '" + mapping +
                  "' (fields: st ch pc bg ba co ro, most significant first)");
    for (Field f : order)
      if (f == field)
        throw Error("hbm.address_mapping: field '" + name + "' appears twice in '" + mapping + "'");
    order.push_back(static_cast<Field>(field));
  }
  if (order.size() != kFields)
    throw Error("hbm.address_mapping: '" + mapping +
                "' must name each of st ch pc bg ba co ro exactly once");

  unsigned shift = log2_exact(access_bytes_, "the access size");
  for (auto f = order.rbegin(); f != order.rend(); ++f) {
    bits_[*f].shift = shift;
    bits_[*f].width = log2_exact(count_[*f], kWhat[*f]);
    shift += bits_[*f].width;
  }
  controllers_ = stacks * channels * t.pseudo_channels;
  capacity_ = uint64_t{1} << shift;
}

uint64_t AddressMapping::encode(const Location& loc) const {
  uint64_t pseudo = loc.controller % count_[kPseudo];
  uint64_t channel = loc.controller / count_[kPseudo] % count_[kChannel];
  uint64_t stack = loc.controller / count_[kPseudo] / count_[kChannel];
  uint64_t bank = loc.bank % count_[kBank];
  auto put = [this](Field f, uint64_t v) { return v << bits_[f].shift; };
  return put(kStack, stack) | put(kChannel, channel) | put(kPseudo, pseudo) |
         put(kGroup, loc.bank_group) | put(kBank, bank) | put(kRow, loc.row) |
         put(kColumn, loc.column);
}

}  // namespace vtpu::hbm
