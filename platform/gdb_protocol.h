// The GDB remote protocol's commands (docs/debugging.md) over a small
// debug-target interface: registers, CSRs, memory, breakpoints, watchpoints,
// step, resume, kill. No sockets and no framing (platform/gdb_packets.*,
// platform/gdb_stub.*), so it is tested with scripted packets.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vtpu::gdb {

enum class WatchKind { kWrite, kRead, kAccess };
enum class StopReason { kHalt, kBreakpoint, kStep, kWatchpoint };

// What the protocol needs of the thing being debugged.
class DebugTarget {
 public:
  virtual ~DebugTarget() = default;
  // Registers 0..31 are x0..x31, 32 is pc.
  virtual uint32_t read_register(unsigned n) const = 0;
  virtual void write_register(unsigned n, uint32_t value) = 0;
  // Reads and/or writes CSR `number`; false for one the target lacks.
  virtual bool csr(uint32_t number, uint32_t* read, const uint32_t* write) = 0;
  // Bytes read or written, without side effects on devices.
  virtual unsigned access_memory(bool write, uint32_t address, uint8_t* data, unsigned length) = 0;
  virtual void add_breakpoint(uint32_t pc) = 0;
  virtual void remove_breakpoint(uint32_t pc) = 0;
  virtual void add_watchpoint(WatchKind kind, uint32_t address, uint32_t length) = 0;
  virtual void remove_watchpoint(WatchKind kind, uint32_t address, uint32_t length) = 0;
  // Resume with (true) or without single-stepping.
  virtual void set_single_step(bool on) = 0;
  virtual void kill(const std::string& reason) = 0;
};

class GdbProtocol {
 public:
  // `monitor` answers `monitor CMD` with text for the GDB console.
  using Monitor = std::function<std::string(const std::string& command)>;

  GdbProtocol(DebugTarget& target, Monitor monitor);

  // What to do after a packet: packets to send, in order, then carry on
  // serving, resume the target (the stop reply comes when it stops), or drop
  // the client (detach: the target runs on; kill: the run ends).
  struct Reply {
    enum class Then { kServe, kResume, kDetach, kKill };
    std::vector<std::string> packets;
    Then then = Then::kServe;
  };
  Reply handle(const std::string& packet);

  // The target stopped: remembers the stop reply (the answer to '?').
  void stopped(StopReason why, uint32_t watch_address);
  const std::string& stop_reply() const { return last_stop_; }
  // The client went away: its watchpoints' kinds are forgotten.
  void forget_client() { watches_.clear(); }
  // The packet telling GDB the run ended: W<code> for an exit, X05 otherwise.
  static std::string end_packet(bool exited, uint64_t exit_code);

 private:
  std::string answer(const std::string& packet, Reply& reply);
  std::string target_xml() const;

  DebugTarget& target_;
  Monitor monitor_;
  std::string last_stop_ = "S05";
  struct Watch {
    WatchKind kind;
    uint32_t address, length;
  };
  std::vector<Watch> watches_;
};

}  // namespace vtpu::gdb
