// GDB remote serial protocol stub for the control core (docs/debugging.md):
// the socket transport. Framing is platform/gdb_packets.*, the commands are
// platform/gdb_protocol.* over the core as a DebugTarget.
//
// Listens on 127.0.0.1:PORT. All work happens on the core's SystemC thread:
// while GDB has the core stopped, stopped() serves packets and blocks, so
// simulated time does not advance. While the core runs, the core polls
// interrupt_requested() at its synchronisation points (Ctrl-C, a new client).
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "models/core/core.h"
#include "platform/gdb_packets.h"
#include "platform/gdb_protocol.h"

namespace vtpu {

class GdbStub : public core::Core::DebugAgent {
 public:
  using Monitor = gdb::GdbProtocol::Monitor;

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
  bool fill_buffer(bool block);  // false: the client went away
  void send_packet(const std::string& payload);
  void send_raw(const std::string& bytes);
  void drop_client(const std::string& why);

  core::Core& core_;
  std::unique_ptr<gdb::DebugTarget> target_;  // the core, as the protocol sees it
  gdb::GdbProtocol protocol_;
  gdb::PacketFramer framer_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::optional<boost::asio::ip::tcp::socket> client_;
  uint16_t port_ = 0;
  bool awaiting_stop_reply_ = false;
  std::chrono::steady_clock::time_point last_poll_{};
};

}  // namespace vtpu
