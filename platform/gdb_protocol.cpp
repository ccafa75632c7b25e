#include "platform/gdb_protocol.h"

#include <cstdio>
#include <iterator>
#include <sstream>

#include "platform/gdb_packets.h"

namespace vtpu::gdb {
namespace {

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

std::string hex_le32(uint32_t v) {
  std::string out;
  for (int i = 0; i < 4; ++i) out += hex_byte(static_cast<uint8_t>(v >> (8 * i)));
  return out;
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

// An RV32 address (hex): false when malformed or above 32 bits (not cut to them).
bool parse_address(const std::string& text, uint64_t& address) {
  return parse_hex(text, address) && address <= UINT32_MAX;
}

// "addr,length" (hex) -> values; false when malformed or not inside the 32-bit
// address space.
bool parse_range(const std::string& text, uint64_t& address, uint64_t& length) {
  size_t comma = text.find(',');
  return comma != std::string::npos && parse_address(text.substr(0, comma), address) &&
         parse_hex(text.substr(comma + 1), length) && length <= (uint64_t{1} << 32) - address;
}

}  // namespace

GdbProtocol::GdbProtocol(DebugTarget& target, Monitor monitor)
    : target_(target), monitor_(std::move(monitor)) {}

void GdbProtocol::stopped(StopReason why, uint32_t watch_address) {
  switch (why) {
    case StopReason::kHalt: last_stop_ = "S02"; break;
    case StopReason::kStep: last_stop_ = "S05"; break;
    case StopReason::kBreakpoint: last_stop_ = "T05swbreak:;"; break;
    case StopReason::kWatchpoint: {
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
}

std::string GdbProtocol::end_packet(bool exited, uint64_t exit_code) {
  char buf[16];
  std::snprintf(buf, sizeof buf, exited ? "W%02x" : "X05",
                static_cast<unsigned>(exit_code > 255 ? 255 : exit_code));
  return buf;
}

GdbProtocol::Reply GdbProtocol::handle(const std::string& packet) {
  Reply reply;
  const std::string answer_text = answer(packet, reply);
  if (reply.then == Reply::Then::kServe) reply.packets.push_back(answer_text);
  return reply;
}

std::string GdbProtocol::target_xml() const {
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

// The answer to `packet` ("" for an unsupported one: GDB falls back); sets
// what happens next in `reply` and may add packets sent before the answer.
std::string GdbProtocol::answer(const std::string& packet, Reply& reply) {
  if (packet.empty()) return "";
  const char kind = packet[0];
  const std::string args = packet.substr(1);
  uint64_t address = 0, length = 0, value = 0;
  switch (kind) {
    case '?': return last_stop_;
    case 'g': {
      std::string out;
      for (unsigned n = 0; n <= 32; ++n) out += hex_le32(target_.read_register(n));
      return out;
    }
    case 'G': {
      std::vector<uint8_t> bytes;
      if (!parse_bytes(args, bytes) || bytes.size() < 33 * 4) return "E01";
      for (unsigned n = 1; n <= 32; ++n) target_.write_register(n, le32(bytes, 4 * n));
      return "OK";
    }
    case 'p': {
      if (!parse_hex(args, value)) return "E01";
      if (value <= 32) return hex_le32(target_.read_register(static_cast<unsigned>(value)));
      uint32_t csr_value = 0;
      size_t index = value - kFirstCsrRegister;
      if (index >= std::size(kCsrs) || !target_.csr(kCsrs[index].number, &csr_value, nullptr))
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
        target_.write_register(static_cast<unsigned>(value), v);
        return "OK";
      }
      size_t index = value - kFirstCsrRegister;
      if (index >= std::size(kCsrs) || !target_.csr(kCsrs[index].number, nullptr, &v)) return "E01";
      return "OK";
    }
    case 'm': {
      if (!parse_range(args, address, length) || length > 0x4000) return "E01";
      if (length == 0) return "";  // nothing to read: the target is not asked
      std::vector<uint8_t> data(length);
      unsigned done = target_.access_memory(false, static_cast<uint32_t>(address), data.data(),
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
      if (length == 0) return "OK";
      unsigned done = target_.access_memory(true, static_cast<uint32_t>(address), data.data(),
                                            static_cast<unsigned>(length));
      return done == length ? "OK" : "E01";
    }
    case 'c':
    case 's':
      if (!args.empty()) {
        if (!parse_address(args, address)) return "E01";
        target_.write_register(32, static_cast<uint32_t>(address));
      }
      target_.set_single_step(kind == 's');
      reply.then = Reply::Then::kResume;
      return "";
    case 'D':
      reply.packets.push_back("OK");
      reply.then = Reply::Then::kDetach;
      return "";
    case 'k': reply.then = Reply::Then::kKill; return "";
    case 'Z':
    case 'z': {
      // Z<type>,<addr>,<kind/length>
      if (args.size() < 3 || args[1] != ',') return "E01";
      const char type = args[0];
      std::string rest = args.substr(2);
      size_t comma = rest.find(',');
      if (comma == std::string::npos || !parse_range(rest, address, length)) return "E01";
      const bool insert = kind == 'Z';
      const uint32_t a = static_cast<uint32_t>(address), n = static_cast<uint32_t>(length);
      if (type == '0' || type == '1') {
        if (insert)
          target_.add_breakpoint(a);
        else
          target_.remove_breakpoint(a);
        return "OK";
      }
      if (type < '2' || type > '4') return "";
      const WatchKind w = type == '2'   ? WatchKind::kWrite
                          : type == '3' ? WatchKind::kRead
                                        : WatchKind::kAccess;
      if (insert) {
        target_.add_watchpoint(w, a, n);
        watches_.push_back(Watch{w, a, n});
      } else {
        target_.remove_watchpoint(w, a, n);
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
        reply.packets.push_back("O" + hex);
        return "OK";
      }
      return "";
    default: return "";  // not supported: GDB falls back
  }
}

}  // namespace vtpu::gdb
