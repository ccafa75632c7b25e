#include "platform/gdb_stub.h"

#include <poll.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "models/common/error.h"

namespace vtpu {
namespace {

using boost::asio::ip::tcp;
using DebugStop = core::Core::DebugStop;
using WatchKind = core::Core::WatchKind;

// Registers after pc (GDB numbers 33...) are these CSRs, in this order.
constexpr struct {
  const char* name;
  uint32_t number;
} kCsrs[] = {{"mstatus", 0x300},  {"misa", 0x301},   {"mie", 0x304},      {"mtvec", 0x305},
             {"mscratch", 0x340}, {"mepc", 0x341},   {"mcause", 0x342},   {"mtval", 0x343},
             {"mip", 0x344},      {"mcycle", 0xb00}, {"minstret", 0xb02}, {"mhartid", 0xf14}};
constexpr unsigned kFirstCsrRegister = 33;

const char* kAbiNames[32] = {"zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "fp", "s1", "a0",
                             "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
                             "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

std::string hex_byte(uint8_t b) {
  static const char* digits = "0123456789abcdef";
  return {digits[b >> 4], digits[b & 15]};
}

std::string hex_le32(uint32_t v) {
  std::string out;
  for (int i = 0; i < 4; ++i) out += hex_byte(static_cast<uint8_t>(v >> (8 * i)));
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_hex(const std::string& text, uint64_t& value) {
  if (text.empty() || text.size() > 16) return false;
  value = 0;
  for (char c : text) {
    int d = hex_digit(c);
    if (d < 0) return false;
    value = value * 16 + static_cast<uint64_t>(d);
  }
  return true;
}

bool parse_bytes(const std::string& text, std::vector<uint8_t>& bytes) {
  if (text.size() % 2) return false;
  bytes.clear();
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return true;
}

uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (uint32_t{b[at + 3]} << 24);
}

void note(const std::string& message) {
  std::fprintf(stderr, "vtpu: gdb: %s\n", message.c_str());
}

// "addr,length" (hex) -> values; false when malformed.
bool parse_range(const std::string& text, uint64_t& address, uint64_t& length) {
  size_t comma = text.find(',');
  return comma != std::string::npos && parse_hex(text.substr(0, comma), address) &&
         parse_hex(text.substr(comma + 1), length);
}

}  // namespace

GdbStub::GdbStub(core::Core& core, uint16_t port, Monitor monitor)
    : core_(core), monitor_(std::move(monitor)), acceptor_(io_) {
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
  buffer_.clear();
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
  buffer_.clear();
  watches_.clear();
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
  buffer_.append(data, n);
  return true;
}

void GdbStub::send_raw(const std::string& bytes) {
  boost::system::error_code ec;
  if (client_) boost::asio::write(*client_, boost::asio::buffer(bytes), ec);
}

void GdbStub::send_packet(const std::string& payload) {
  uint8_t sum = 0;
  for (char c : payload) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  send_raw("$" + payload + "#" + hex_byte(sum));
}

// Takes one packet (or a Ctrl-C) out of the buffer: acks are skipped, bad
// checksums and stray bytes are answered with '-' and a message.
GdbStub::Read GdbStub::parse_buffer(std::string& packet) {
  constexpr size_t kMaxPacket = 64 * 1024;
  while (!buffer_.empty()) {
    const char c = buffer_[0];
    if (c == '+' || c == '-') {
      buffer_.erase(0, 1);
      continue;
    }
    if (c == '\x03') {
      buffer_.erase(0, 1);
      return Read::kInterrupt;
    }
    if (c != '$') {
      const size_t next = buffer_.find_first_of("$\x03");
      const size_t stray = next == std::string::npos ? buffer_.size() : next;
      note("ignored " + std::to_string(stray) + " stray byte(s) outside a packet");
      buffer_.erase(0, stray);
      send_raw("-");
      continue;
    }
    const size_t hash = buffer_.find('#');
    if (hash == std::string::npos || buffer_.size() < hash + 3) {
      if (buffer_.size() > kMaxPacket) {
        note("dropped an unterminated packet of " + std::to_string(buffer_.size()) + " bytes");
        buffer_.clear();
        send_raw("-");
      }
      return Read::kNothing;  // wait for the rest
    }
    const std::string payload = buffer_.substr(1, hash - 1);
    uint64_t sent = 0;
    const bool readable = parse_hex(buffer_.substr(hash + 1, 2), sent);
    uint8_t sum = 0;
    for (char p : payload) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(p));
    buffer_.erase(0, hash + 3);
    if (!readable || sent != sum) {
      note("packet with a bad checksum (computed " + hex_byte(sum) + "): asked to resend");
      send_raw("-");
      continue;
    }
    send_raw("+");
    packet = payload;
    return Read::kPacket;
  }
  return Read::kNothing;
}

GdbStub::Read GdbStub::read_packet(std::string& packet, bool block) {
  for (;;) {
    const Read r = parse_buffer(packet);
    if (r != Read::kNothing) return r;
    if (!fill_buffer(block)) return Read::kDisconnected;
    if (!block) return parse_buffer(packet);
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
  switch (why) {
    case DebugStop::kHalt: last_stop_ = "S02"; break;
    case DebugStop::kStep: last_stop_ = "S05"; break;
    case DebugStop::kBreakpoint: last_stop_ = "T05swbreak:;"; break;
    case DebugStop::kWatchpoint: {
      const char* kind = "watch";
      for (const Watch& w : watches_)
        if (w.address == watch_address)
          kind = w.kind == WatchKind::kRead     ? "rwatch"
                 : w.kind == WatchKind::kAccess ? "awatch"
                                                : "watch";
      char buf[48];
      std::snprintf(buf, sizeof buf, "T05%s:%x;", kind, watch_address);
      last_stop_ = buf;
      break;
    }
  }
  if (!client_ && !accept_client()) return;
  if (awaiting_stop_reply_) {
    send_packet(last_stop_);
    awaiting_stop_reply_ = false;
  }
  serve();
}

void GdbStub::run_ended(bool exited, uint64_t exit_code) {
  if (!client_) return;
  char buf[16];
  std::snprintf(buf, sizeof buf, exited ? "W%02x" : "X05",
                static_cast<unsigned>(exit_code > 255 ? 255 : exit_code));
  send_packet(buf);
  drop_client(exited ? "firmware exited; client told" : "run ended; client told");
}

// ---------------------------------------------------------------- protocol

void GdbStub::serve() {
  while (client_) {
    std::string packet;
    switch (read_packet(packet, /*block=*/true)) {
      case Read::kDisconnected: drop_client("client disconnected; the firmware runs on"); return;
      case Read::kInterrupt:
        send_packet(last_stop_);  // already stopped
        continue;
      case Read::kNothing: continue;
      case Read::kPacket: break;
    }
    bool resume = false;
    std::string reply = handle(packet, resume);
    if (resume) {
      awaiting_stop_reply_ = true;
      return;
    }
    if (!client_) return;  // detached or killed
    send_packet(reply);
  }
}

std::string GdbStub::read_registers() const {
  std::string out;
  for (unsigned n = 0; n <= 32; ++n) out += hex_le32(core_.read_register(n));
  return out;
}

std::string GdbStub::stop_reply() const {
  return last_stop_;
}

std::string GdbStub::target_xml() const {
  std::ostringstream x;
  x << "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
       "<target version=\"1.0\"><architecture>riscv:rv32</architecture>"
       "<feature name=\"org.gnu.gdb.riscv.cpu\">";
  for (unsigned n = 0; n < 32; ++n) {
    const char* type = n == 1 ? "code_ptr" : (n == 2 || n == 3 || n == 8) ? "data_ptr" : "int";
    x << "<reg name=\"" << kAbiNames[n] << "\" bitsize=\"32\" type=\"" << type << "\" regnum=\""
      << n << "\"/>";
  }
  x << "<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\" regnum=\"32\"/></feature>"
       "<feature name=\"org.gnu.gdb.riscv.csr\">";
  unsigned regnum = kFirstCsrRegister;
  for (const auto& csr : kCsrs)
    x << "<reg name=\"" << csr.name << "\" bitsize=\"32\" type=\"int\" regnum=\"" << regnum++
      << "\" group=\"csr\"/>";
  x << "</feature></target>";
  return x.str();
}

std::string GdbStub::handle(const std::string& packet, bool& resume) {
  if (packet.empty()) return "";
  const char kind = packet[0];
  const std::string args = packet.substr(1);
  uint64_t address = 0, length = 0, value = 0;
  switch (kind) {
    case '?': return stop_reply();
    case 'g': return read_registers();
    case 'G': {
      std::vector<uint8_t> bytes;
      if (!parse_bytes(args, bytes) || bytes.size() < 33 * 4) return "E01";
      for (unsigned n = 1; n <= 32; ++n) core_.write_register(n, le32(bytes, 4 * n));
      return "OK";
    }
    case 'p': {
      if (!parse_hex(args, value)) return "E01";
      if (value <= 32) return hex_le32(core_.read_register(static_cast<unsigned>(value)));
      uint32_t csr_value = 0;
      size_t index = value - kFirstCsrRegister;
      if (index >= std::size(kCsrs) || !core_.debug_csr(kCsrs[index].number, &csr_value, nullptr))
        return "E01";
      return hex_le32(csr_value);
    }
    case 'P': {
      size_t eq = args.find('=');
      std::vector<uint8_t> bytes;
      if (eq == std::string::npos || !parse_hex(args.substr(0, eq), value) ||
          !parse_bytes(args.substr(eq + 1), bytes) || bytes.size() != 4)
        return "E01";
      uint32_t v = le32(bytes, 0);
      if (value <= 32) {
        core_.write_register(static_cast<unsigned>(value), v);
        return "OK";
      }
      size_t index = value - kFirstCsrRegister;
      if (index >= std::size(kCsrs) || !core_.debug_csr(kCsrs[index].number, nullptr, &v))
        return "E01";
      return "OK";
    }
    case 'm': {
      if (!parse_range(args, address, length) || length > 0x4000) return "E01";
      std::vector<uint8_t> data(length);
      unsigned done = core_.debug_access(false, static_cast<uint32_t>(address), data.data(),
                                         static_cast<unsigned>(length));
      if (done == 0 && length > 0) return "E01";
      std::string out;
      for (unsigned i = 0; i < done; ++i) out += hex_byte(data[i]);
      return out;
    }
    case 'M': {
      size_t colon = args.find(':');
      std::vector<uint8_t> data;
      if (colon == std::string::npos || !parse_range(args.substr(0, colon), address, length) ||
          !parse_bytes(args.substr(colon + 1), data) || data.size() != length)
        return "E01";
      unsigned done = core_.debug_access(true, static_cast<uint32_t>(address), data.data(),
                                         static_cast<unsigned>(length));
      return done == length ? "OK" : "E01";
    }
    case 'c':
    case 's':
      if (!args.empty()) {
        if (!parse_hex(args, address)) return "E01";
        core_.write_register(32, static_cast<uint32_t>(address));
      }
      core_.set_single_step(kind == 's');
      resume = true;
      return "";
    case 'D':
      send_packet("OK");
      drop_client("client detached; the firmware runs on");
      return "";
    case 'k':
      drop_client("client killed the run");
      core_.kill("killed by the debugger");
      return "";
    case 'Z':
    case 'z': {
      // Z<type>,<addr>,<kind/length>
      if (args.size() < 3 || args[1] != ',') return "E01";
      const char type = args[0];
      std::string rest = args.substr(2);
      size_t comma = rest.find(',');
      if (comma == std::string::npos || !parse_hex(rest.substr(0, comma), address) ||
          !parse_hex(rest.substr(comma + 1), length))
        return "E01";
      const bool insert = kind == 'Z';
      const uint32_t a = static_cast<uint32_t>(address), n = static_cast<uint32_t>(length);
      if (type == '0' || type == '1') {
        if (insert)
          core_.add_breakpoint(a);
        else
          core_.remove_breakpoint(a);
        return "OK";
      }
      if (type < '2' || type > '4') return "";
      const WatchKind w = type == '2'   ? WatchKind::kWrite
                          : type == '3' ? WatchKind::kRead
                                        : WatchKind::kAccess;
      if (insert) {
        core_.add_watchpoint(w, a, n);
        watches_.push_back(Watch{w, a, n});
      } else {
        core_.remove_watchpoint(w, a, n);
        for (auto it = watches_.begin(); it != watches_.end(); ++it)
          if (it->kind == w && it->address == a && it->length == n) {
            watches_.erase(it);
            break;
          }
      }
      return "OK";
    }
    case 'H': return "OK";
    case 'T': return "OK";
    case 'q':
      if (packet.rfind("qSupported", 0) == 0)
        return "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+";
      if (packet == "qAttached") return "1";
      if (packet == "qC") return "QC1";
      if (packet == "qfThreadInfo") return "m1";
      if (packet == "qsThreadInfo") return "l";
      if (packet.rfind("qSymbol", 0) == 0) return "OK";
      if (packet.rfind("qXfer:features:read:target.xml:", 0) == 0) {
        if (!parse_range(packet.substr(31), address, length)) return "E01";
        const std::string xml = target_xml();
        if (address >= xml.size()) return "l";
        std::string chunk = xml.substr(address, length);
        return (address + chunk.size() >= xml.size() ? "l" : "m") + chunk;
      }
      if (packet.rfind("qRcmd,", 0) == 0) {
        std::vector<uint8_t> bytes;
        if (!parse_bytes(packet.substr(6), bytes)) return "E01";
        std::string text = monitor_(std::string(bytes.begin(), bytes.end()));
        std::string hex;
        for (char c : text) hex += hex_byte(static_cast<uint8_t>(c));
        send_packet("O" + hex);
        return "OK";
      }
      return "";
    default: return "";  // not supported: GDB falls back
  }
}

}  // namespace vtpu
