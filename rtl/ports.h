// Reading and writing packed ports of a Verilated model (the MXU tile's lanes,
// an AXI block's data and strobes): Verilator holds a port of up to 8 bits in
// a uint8_t, up to 16 in a uint16_t, up to 32 in a uint32_t, up to 64 in a
// uint64_t, wider ones in an array of 32-bit words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace vtpu::rtl {

// Whether a Verilated tile has the `bf16` pin (16-bit lanes, both
// precisions) or not (8-bit lanes, int8 only): docs/cosim.md.
template <typename V, typename = void>
struct HasBf16Pin : std::false_type {};
template <typename V>
struct HasBf16Pin<V, std::void_t<decltype(std::declval<V&>().bf16)>> : std::true_type {};

// Whether a Verilated tile has the 2:4 sparse mode (pins sparse, w_pos,
// a_hi; rtl/mxu_tile/README.md) or runs dense MATMULs only.
template <typename V, typename = void>
struct HasSparsePin : std::false_type {};
template <typename V>
struct HasSparsePin<V, std::void_t<decltype(std::declval<V&>().sparse)>> : std::true_type {};

// Byte i of a port (an int8 lane of w_data or a_data).
template <typename Port>
void set_byte(Port& p, size_t i, uint8_t v) {
  if constexpr (std::is_integral_v<Port>) {
    p = static_cast<Port>((p & ~(Port{0xff} << (8 * i))) | (Port{v} << (8 * i)));
  } else {
    const size_t word = i / 4, shift = 8 * (i % 4);
    p[word] = (p[word] & ~(0xffu << shift)) | (uint32_t{v} << shift);
  }
}

// Byte i of a port.
template <typename Port>
uint8_t get_byte(const Port& p, size_t i) {
  if constexpr (std::is_integral_v<Port>)
    return static_cast<uint8_t>(static_cast<uint64_t>(p) >> (8 * i));
  else
    return static_cast<uint8_t>(p[i / 4] >> (8 * (i % 4)));
}

// Bit i of a port (an AXI strobe).
template <typename Port>
bool get_bit(const Port& p, size_t i) {
  if constexpr (std::is_integral_v<Port>)
    return (static_cast<uint64_t>(p) >> i) & 1;
  else
    return (p[i / 32] >> (i % 32)) & 1;
}

// 16-bit lane i of a port (a bf16, or an int8 in the low byte, of w_data or
// a_data).
template <typename Port>
void set_half(Port& p, size_t i, uint16_t v) {
  set_byte(p, 2 * i, static_cast<uint8_t>(v));
  set_byte(p, 2 * i + 1, static_cast<uint8_t>(v >> 8));
}

// The 2-bit lane i of a port (w_pos), ORed in: the port starts at zero.
template <typename Port>
void or_pair(Port& p, size_t i, uint32_t v) {
  if constexpr (std::is_integral_v<Port>)
    p = static_cast<Port>(p | (static_cast<Port>(v & 3) << (2 * i)));
  else
    p[i / 16] |= (v & 3) << (2 * (i % 16));
}

// 32-bit lane c of a port (a column of c_data).
template <typename Port>
int32_t get_word(const Port& p, unsigned c) {
  if constexpr (std::is_integral_v<Port>)
    return static_cast<int32_t>(static_cast<uint32_t>(p >> (32 * c)));
  else
    return static_cast<int32_t>(p[c]);
}

}  // namespace vtpu::rtl
