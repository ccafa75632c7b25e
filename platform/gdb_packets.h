// GDB remote serial protocol framing (docs/debugging.md): `$payload#xx`
// packets with a modulo-256 checksum, `+`/`-` acknowledgements and Ctrl-C
// (0x03). Bytes in, packets out: no sockets, so it is tested with scripted bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace vtpu::gdb {

// Two lowercase hex digits.
std::string hex_byte(uint8_t b);
// A hex digit's value, -1 for another character.
int hex_digit(char c);
// `payload` framed: "$payload#xx".
std::string frame(const std::string& payload);

class PacketFramer {
 public:
  enum class Kind { kPacket, kInterrupt, kNothing };
  // `send` gets acknowledgement bytes for the peer, `note` one-line messages
  // about what was dropped.
  PacketFramer(std::function<void(const std::string&)> send,
               std::function<void(const std::string&)> note);

  void append(const char* data, size_t size) { buffer_.append(data, size); }
  void clear() { buffer_.clear(); }
  // The next packet (acknowledged with '+') or Ctrl-C out of the bytes so far;
  // acks from the peer are skipped, bad checksums and stray bytes answered
  // with '-'. kNothing: wait for more bytes.
  Kind next(std::string& packet);

 private:
  std::function<void(const std::string&)> send_, note_;
  std::string buffer_;  // bytes received, not yet parsed
};

}  // namespace vtpu::gdb
