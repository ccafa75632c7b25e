// GDB remote serial protocol stub for the control core (docs/debugging.md).
//
// Listens on 127.0.0.1:PORT. All work happens on the core's SystemC thread:
// while GDB has the core stopped, stopped() serves packets and blocks, so
// simulated time does not advance. While the core runs, the core polls
// interrupt_requested() at its synchronisation points (Ctrl-C, a new client).
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/core/core.h"

namespace vtpu {

class GdbStub : public core::Core::DebugAgent {
 public:
  // `monitor` answers `monitor CMD` with text for the GDB console.
  using Monitor = std::function<std::string(const std::string& command)>;

  GdbStub(core::Core& core, uint16_t port, Monitor monitor);
  ~GdbStub() override;

  uint16_t port() const { return port_; }
  // The run ended: tell a connected GDB (exit code, or a signal for a fault).
  void run_ended(bool exited, uint64_t exit_code);

  void stopped(core::Core::DebugStop why, uint32_t watch_address) override;
  bool interrupt_requested() override;

 private:
  enum class Read { kPacket, kInterrupt, kDisconnected, kNothing };
  bool accept_client();  // blocks until a client connects
  void take_client(boost::asio::ip::tcp::socket socket);
  bool poll_new_connection(bool refuse_only);
  void serve();  // answers packets until GDB resumes, detaches or kills
  Read read_packet(std::string& packet, bool block);
  Read parse_buffer(std::string& packet);
  bool fill_buffer(bool block);  // false: the client went away
  void send_packet(const std::string& payload);
  void send_raw(const std::string& bytes);
  void drop_client(const std::string& why);
  std::string handle(const std::string& packet, bool& resume);
  std::string stop_reply() const;
  std::string read_registers() const;
  std::string target_xml() const;

  core::Core& core_;
  Monitor monitor_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::optional<boost::asio::ip::tcp::socket> client_;
  uint16_t port_ = 0;
  std::string buffer_;             // bytes received, not yet parsed
  std::string last_stop_ = "S05";  // the answer to '?'
  bool awaiting_stop_reply_ = false;
  std::chrono::steady_clock::time_point last_poll_{};
  struct Watch {
    core::Core::WatchKind kind;
    uint32_t address, length;
  };
  std::vector<Watch> watches_;
};

}  // namespace vtpu
