#include "platform/gdb_packets.h"

namespace vtpu::gdb {
namespace {

uint8_t checksum(const std::string& payload) {
  uint8_t sum = 0;
  for (char c : payload) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  return sum;
}

}  // namespace

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hex_byte(uint8_t b) {
  static const char* digits = "0123456789abcdef";
  return {digits[b >> 4], digits[b & 15]};
}

std::string frame(const std::string& payload) {
  return "$" + payload + "#" + hex_byte(checksum(payload));
}

PacketFramer::PacketFramer(std::function<void(const std::string&)> send,
                           std::function<void(const std::string&)> note)
    : send_(std::move(send)), note_(std::move(note)) {}

PacketFramer::Kind PacketFramer::next(std::string& packet) {
  constexpr size_t kMaxPacket = 64 * 1024;
  while (!buffer_.empty()) {
    const char c = buffer_[0];
    if (c == '+' || c == '-') {
      buffer_.erase(0, 1);
      continue;
    }
    if (c == '\x03') {
      buffer_.erase(0, 1);
      return Kind::kInterrupt;
    }
    if (c != '$') {
      const size_t next = buffer_.find_first_of("$\x03");
      const size_t stray = next == std::string::npos ? buffer_.size() : next;
      note_("ignored " + std::to_string(stray) + " stray byte(s) outside a packet");
      buffer_.erase(0, stray);
      send_("-");
      continue;
    }
    const size_t hash = buffer_.find('#');
    if (hash == std::string::npos || buffer_.size() < hash + 3) {
      if (buffer_.size() > kMaxPacket) {
        note_("dropped an unterminated packet of " + std::to_string(buffer_.size()) + " bytes");
        buffer_.clear();
        send_("-");
      }
      return Kind::kNothing;  // wait for the rest
    }
    const std::string payload = buffer_.substr(1, hash - 1);
    const int high = hex_digit(buffer_[hash + 1]), low = hex_digit(buffer_[hash + 2]);
    const uint8_t sum = checksum(payload);
    buffer_.erase(0, hash + 3);
    if (high < 0 || low < 0 || (high << 4 | low) != sum) {
      note_("packet with a bad checksum (computed " + hex_byte(sum) + "): asked to resend");
      send_("-");
      continue;
    }
    send_("+");
    packet = payload;
    return Kind::kPacket;
  }
  return Kind::kNothing;
}

}  // namespace vtpu::gdb
