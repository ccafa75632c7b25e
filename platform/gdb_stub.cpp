#include "platform/gdb_stub.h"

#include <poll.h>

#include <chrono>
#include <cstdio>

#include "models/common/error.h"

namespace vtpu {
namespace {

using boost::asio::ip::tcp;
using DebugStop = core::Core::DebugStop;

void note(const std::string& message) {
  std::fprintf(stderr, "vtpu: gdb: %s\n", message.c_str());
}

core::Core::WatchKind core_kind(gdb::WatchKind kind) {
  switch (kind) {
    case gdb::WatchKind::kWrite: return core::Core::WatchKind::kWrite;
    case gdb::WatchKind::kRead: return core::Core::WatchKind::kRead;
    case gdb::WatchKind::kAccess: break;
  }
  return core::Core::WatchKind::kAccess;
}

// The control core as the protocol's debug target.
class CoreTarget : public gdb::DebugTarget {
 public:
  explicit CoreTarget(core::Core& core) : core_(core) {}
  uint32_t read_register(unsigned n) const override { return core_.read_register(n); }
  void write_register(unsigned n, uint32_t value) override { core_.write_register(n, value); }
  bool csr(uint32_t number, uint32_t* read, const uint32_t* write) override {
    return core_.debug_csr(number, read, write);
  }
  unsigned access_memory(bool write, uint32_t address, uint8_t* data, unsigned length) override {
    return core_.debug_access(write, address, data, length);
  }
  void add_breakpoint(uint32_t pc) override { core_.add_breakpoint(pc); }
  void remove_breakpoint(uint32_t pc) override { core_.remove_breakpoint(pc); }
  void add_watchpoint(gdb::WatchKind kind, uint32_t address, uint32_t length) override {
    core_.add_watchpoint(core_kind(kind), address, length);
  }
  void remove_watchpoint(gdb::WatchKind kind, uint32_t address, uint32_t length) override {
    core_.remove_watchpoint(core_kind(kind), address, length);
  }
  void set_single_step(bool on) override { core_.set_single_step(on); }
  void kill(const std::string& reason) override { core_.kill(reason); }

 private:
  core::Core& core_;
};

}  // namespace

GdbStub::GdbStub(core::Core& core, uint16_t port, Monitor monitor)
    : core_(core),
      target_(std::make_unique<CoreTarget>(core)),
      protocol_(*target_, std::move(monitor)),
      framer_([this](const std::string& bytes) { send_raw(bytes); }, note),
      acceptor_(io_) {
  boost::system::error_code ec;
  tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(1, ec);
  if (ec)
    throw Error("--gdb " + std::to_string(port) + ": cannot listen on 127.0.0.1: " + ec.message());
  port_ = acceptor_.local_endpoint().port();
  acceptor_.non_blocking(true);
  note("listening on 127.0.0.1:" + std::to_string(port_));
  core_.set_debug_agent(this);
}

GdbStub::~GdbStub() {
  core_.set_debug_agent(nullptr);
}

// ---------------------------------------------------------------- connections

void GdbStub::take_client(boost::asio::ip::tcp::socket socket) {
  client_.emplace(std::move(socket));
  // Acks and replies are small writes: without this, Nagle's algorithm and
  // delayed ACKs add tens of milliseconds to every exchange.
  boost::system::error_code ec;
  client_->set_option(tcp::no_delay(true), ec);
  framer_.clear();
  note("client connected");
}

bool GdbStub::accept_client() {
  note("waiting for a client on 127.0.0.1:" + std::to_string(port_));
  acceptor_.non_blocking(false);
  boost::system::error_code ec;
  tcp::socket socket(io_);
  acceptor_.accept(socket, ec);
  acceptor_.non_blocking(true);
  if (ec) {
    note("accept failed: " + ec.message());
    return false;
  }
  take_client(std::move(socket));
  return true;
}

// A pending connection: taken as the client when there is none, refused
// (with a message, and the connection closed) when one is already connected.
bool GdbStub::poll_new_connection(bool refuse_only) {
  boost::system::error_code ec;
  tcp::socket socket(io_);
  acceptor_.accept(socket, ec);
  if (ec) return false;
  if (client_ || refuse_only) {
    note("refused a second client: one is already connected");
    socket.close(ec);
    return false;
  }
  take_client(std::move(socket));
  return true;
}

void GdbStub::drop_client(const std::string& why) {
  note(why);
  boost::system::error_code ec;
  if (client_) client_->close(ec);
  client_.reset();
  framer_.clear();
  protocol_.forget_client();
  awaiting_stop_reply_ = false;
  core_.clear_debug_state();
}

bool GdbStub::fill_buffer(bool block) {
  pollfd fds[2] = {{client_->native_handle(), POLLIN, 0}, {acceptor_.native_handle(), POLLIN, 0}};
  for (;;) {
    int ready = ::poll(fds, 2, block ? -1 : 0);
    if (ready <= 0) return true;  // nothing now (or EINTR): not a disconnection
    if (fds[1].revents & POLLIN) poll_new_connection(/*refuse_only=*/true);
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) break;
    if (!block) return true;
  }
  char data[4096];
  boost::system::error_code ec;
  size_t n = client_->read_some(boost::asio::buffer(data), ec);
  if (ec || n == 0) return false;
  framer_.append(data, n);
  return true;
}

void GdbStub::send_raw(const std::string& bytes) {
  boost::system::error_code ec;
  if (client_) boost::asio::write(*client_, boost::asio::buffer(bytes), ec);
}

void GdbStub::send_packet(const std::string& payload) {
  send_raw(gdb::frame(payload));
}

GdbStub::Read GdbStub::read_packet(std::string& packet, bool block) {
  auto parse = [&] {
    switch (framer_.next(packet)) {
      case gdb::PacketFramer::Kind::kPacket: return Read::kPacket;
      case gdb::PacketFramer::Kind::kInterrupt: return Read::kInterrupt;
      case gdb::PacketFramer::Kind::kNothing: break;
    }
    return Read::kNothing;
  };
  for (;;) {
    const Read r = parse();
    if (r != Read::kNothing) return r;
    if (!fill_buffer(block)) return Read::kDisconnected;
    if (!block) return parse();
  }
}

// ---------------------------------------------------------------- core hooks

bool GdbStub::interrupt_requested() {
  // The core asks at every synchronisation point; look at the sockets at most
  // once per millisecond of host time, so that a running core pays little.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_poll_ < std::chrono::milliseconds(1)) return false;
  last_poll_ = now;
  if (!client_) return poll_new_connection(false);  // a new client stops the core
  std::string packet;
  switch (read_packet(packet, /*block=*/false)) {
    case Read::kInterrupt: return true;
    case Read::kDisconnected:
      drop_client("client disconnected; the firmware runs on");
      return false;
    case Read::kPacket: note("ignored packet '" + packet + "' while the core runs"); return false;
    case Read::kNothing: return false;
  }
  return false;
}

void GdbStub::stopped(DebugStop why, uint32_t watch_address) {
  protocol_.stopped(why == DebugStop::kHalt         ? gdb::StopReason::kHalt
                    : why == DebugStop::kStep       ? gdb::StopReason::kStep
                    : why == DebugStop::kBreakpoint ? gdb::StopReason::kBreakpoint
                                                    : gdb::StopReason::kWatchpoint,
                    watch_address);
  if (!client_ && !accept_client()) return;
  if (awaiting_stop_reply_) {
    send_packet(protocol_.stop_reply());
    awaiting_stop_reply_ = false;
  }
  serve();
}

void GdbStub::run_ended(bool exited, uint64_t exit_code) {
  if (!client_) return;
  send_packet(gdb::GdbProtocol::end_packet(exited, exit_code));
  drop_client(exited ? "firmware exited; client told" : "run ended; client told");
}

void GdbStub::serve() {
  while (client_) {
    std::string packet;
    switch (read_packet(packet, /*block=*/true)) {
      case Read::kDisconnected: drop_client("client disconnected; the firmware runs on"); return;
      case Read::kInterrupt:
        send_packet(protocol_.stop_reply());  // already stopped
        continue;
      case Read::kNothing: continue;
      case Read::kPacket: break;
    }
    const gdb::GdbProtocol::Reply reply = protocol_.handle(packet);
    for (const std::string& p : reply.packets) send_packet(p);
    switch (reply.then) {
      case gdb::GdbProtocol::Reply::Then::kServe: break;
      case gdb::GdbProtocol::Reply::Then::kResume: awaiting_stop_reply_ = true; return;
      case gdb::GdbProtocol::Reply::Then::kDetach:
        drop_client("client detached; the firmware runs on");
        return;
      case gdb::GdbProtocol::Reply::Then::kKill:
        drop_client("client killed the run");
        core_.kill("killed by the debugger");
        return;
    }
  }
}

}  // namespace vtpu
