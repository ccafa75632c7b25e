// Fuzzes the GDB stub's byte stream: framing (checksums, acks, Ctrl-C, stray
// bytes) and every packet the framer hands out through the protocol's
// commands, against an in-memory target of 64 KiB at 0x80000000 that
// answers only for addresses it has (as the core's bus does).
#include "platform/gdb_packets.h"

#include <cstring>
#include <vector>

#include "platform/gdb_protocol.h"
#include "tests/fuzz/fuzz.h"

namespace {

using namespace vtpu::gdb;

class MemoryTarget : public DebugTarget {
 public:
  uint32_t read_register(unsigned n) const override { return n < 33 ? regs_[n] : 0; }
  void write_register(unsigned n, uint32_t value) override {
    if (n < 33) regs_[n] = value;
  }
  bool csr(uint32_t number, uint32_t* read, const uint32_t* write) override {
    if (number >= 0x1000) return false;
    if (read) *read = number;
    (void)write;
    return true;
  }
  unsigned access_memory(bool write, uint32_t address, uint8_t* data, unsigned length) override {
    if (address < kBase || address - kBase >= memory_.size()) return 0;
    const unsigned n = std::min<unsigned>(length, kBase + memory_.size() - address);
    uint8_t* at = memory_.data() + (address - kBase);
    write ? std::memcpy(at, data, n) : std::memcpy(data, at, n);
    return n;
  }
  void add_breakpoint(uint32_t) override {}
  void remove_breakpoint(uint32_t) override {}
  void add_watchpoint(WatchKind, uint32_t, uint32_t) override {}
  void remove_watchpoint(WatchKind, uint32_t, uint32_t) override {}
  void set_single_step(bool) override {}
  void kill(const std::string&) override {}

 private:
  static constexpr uint32_t kBase = 0x80000000u;
  uint32_t regs_[33] = {};
  std::vector<uint8_t> memory_ = std::vector<uint8_t>(64 * 1024);
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  MemoryTarget target;
  GdbProtocol protocol(target, [](const std::string& command) { return "monitor " + command; });
  PacketFramer framer([](const std::string&) {}, [](const std::string&) {});
  // In two halves, as bytes arrive from a socket.
  const size_t half = size / 2;
  for (auto [from, n] : {std::pair{size_t{0}, half}, std::pair{half, size - half}}) {
    framer.append(reinterpret_cast<const char*>(data) + from, n);
    std::string packet;
    for (PacketFramer::Kind kind; (kind = framer.next(packet)) != PacketFramer::Kind::kNothing;) {
      if (kind == PacketFramer::Kind::kInterrupt) {
        protocol.stopped(StopReason::kHalt, 0);
        continue;
      }
      const GdbProtocol::Reply reply = protocol.handle(packet);
      for (const std::string& p : reply.packets) frame(p);
      if (reply.then == GdbProtocol::Reply::Then::kResume) protocol.stopped(StopReason::kStep, 0);
      if (reply.then == GdbProtocol::Reply::Then::kDetach) protocol.forget_client();
    }
  }
  return 0;
}
