// The GDB stub's framing and commands (platform/gdb_packets.*,
// platform/gdb_protocol.*) with scripted bytes and packets, against a target
// that records what it is asked; the gdb-multiarch sessions (tests/gdb) test
// the whole stub on the core.
#include "platform/gdb_protocol.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "platform/gdb_packets.h"

namespace vtpu::gdb {
namespace {

// Bytes in, then what the framer handed out and sent back.
struct Framed {
  std::vector<std::string> packets;
  int interrupts = 0;
  std::string sent;
  std::vector<std::string> notes;
};

Framed frame_bytes(const std::string& bytes, size_t chunk = 1) {
  Framed f;
  PacketFramer framer([&f](const std::string& s) { f.sent += s; },
                      [&f](const std::string& n) { f.notes.push_back(n); });
  for (size_t i = 0; i < bytes.size(); i += chunk) {
    framer.append(bytes.data() + i, std::min(chunk, bytes.size() - i));
    std::string packet;
    for (;;) {
      const PacketFramer::Kind kind = framer.next(packet);
      if (kind == PacketFramer::Kind::kNothing) break;
      if (kind == PacketFramer::Kind::kPacket) f.packets.push_back(packet);
      if (kind == PacketFramer::Kind::kInterrupt) ++f.interrupts;
    }
  }
  return f;
}

TEST(GdbFramer, PacketsAcksChecksumsAndCtrlC) {
  EXPECT_EQ(frame("g"), "$g#67");
  EXPECT_EQ(frame(""), "$#00");
  // Byte by byte: two good packets, a peer ack, a Ctrl-C.
  Framed f = frame_bytes("+$g#67\x03$?#3f");
  EXPECT_EQ(f.packets, (std::vector<std::string>{"g", "?"}));
  EXPECT_EQ(f.interrupts, 1);
  EXPECT_EQ(f.sent, "++");
  // A bad checksum is refused and the next packet still comes through.
  f = frame_bytes("$g#00$m0,4#fd", 5);
  EXPECT_EQ(f.packets, (std::vector<std::string>{"m0,4"}));
  EXPECT_EQ(f.sent, "-+");
  ASSERT_EQ(f.notes.size(), 1u);
  EXPECT_EQ(f.notes[0], "packet with a bad checksum (computed 67): asked to resend");
  // Stray bytes outside a packet are dropped with a '-'.
  f = frame_bytes("xyz$g#67", 100);
  EXPECT_EQ(f.packets, (std::vector<std::string>{"g"}));
  EXPECT_EQ(f.sent, "-+");
  EXPECT_EQ(f.notes[0], "ignored 3 stray byte(s) outside a packet");
  // A packet that never ends is dropped once it exceeds 64 KiB.
  f = frame_bytes("$" + std::string(70000, 'a'), 70001);
  EXPECT_TRUE(f.packets.empty());
  EXPECT_EQ(f.sent, "-");
}

// A target that keeps registers and 64 KiB of memory at 0x80000000, and logs
// every breakpoint, watchpoint and run-control call.
class FakeTarget : public DebugTarget {
 public:
  uint32_t read_register(unsigned n) const override { return regs[n]; }
  void write_register(unsigned n, uint32_t v) override {
    if (n != 0) regs[n] = v;
  }
  bool csr(uint32_t number, uint32_t* read, const uint32_t* write) override {
    if (number != 0x300 && number != 0xf14) return false;
    if (read) *read = csrs[number];
    if (write) csrs[number] = *write;
    return true;
  }
  unsigned access_memory(bool write, uint32_t address, uint8_t* data, unsigned length) override {
    unsigned done = 0;
    for (; done < length; ++done) {
      const uint64_t a = uint64_t{address} + done;
      if (a < kBase || a >= kBase + memory.size()) break;
      if (write)
        memory[a - kBase] = data[done];
      else
        data[done] = memory[a - kBase];
    }
    return done;
  }
  void add_breakpoint(uint32_t pc) override { log.push_back("break " + std::to_string(pc)); }
  void remove_breakpoint(uint32_t pc) override { log.push_back("unbreak " + std::to_string(pc)); }
  void add_watchpoint(WatchKind k, uint32_t a, uint32_t n) override {
    log.push_back("watch " + std::to_string(static_cast<int>(k)) + " " + std::to_string(a) + " " +
                  std::to_string(n));
  }
  void remove_watchpoint(WatchKind k, uint32_t a, uint32_t n) override {
    log.push_back("unwatch " + std::to_string(static_cast<int>(k)) + " " + std::to_string(a) + " " +
                  std::to_string(n));
  }
  void set_single_step(bool on) override { log.push_back(on ? "step" : "continue"); }
  void kill(const std::string& reason) override { log.push_back("kill " + reason); }

  static constexpr uint32_t kBase = 0x80000000;
  uint32_t regs[33] = {};
  std::map<uint32_t, uint32_t> csrs{{0x300, 0x1888}, {0xf14, 0}};
  std::vector<uint8_t> memory = std::vector<uint8_t>(65536);
  std::vector<std::string> log;
};

using Then = GdbProtocol::Reply::Then;

struct Session {
  FakeTarget target;
  GdbProtocol protocol{target, [](const std::string& command) { return "ran " + command + "\n"; }};
  // The one answer to a packet that keeps serving.
  std::string ask(const std::string& packet) {
    const GdbProtocol::Reply r = protocol.handle(packet);
    EXPECT_EQ(r.then, Then::kServe) << packet;
    EXPECT_EQ(r.packets.size(), 1u) << packet;
    return r.packets.empty() ? "" : r.packets.back();
  }
};

TEST(GdbProtocol, RegistersAndCsrs) {
  Session s;
  s.target.regs[1] = 0x12345678;
  s.target.regs[32] = 0x80000010;
  const std::string g = s.ask("g");
  ASSERT_EQ(g.size(), 33u * 8);
  EXPECT_EQ(g.substr(8, 8), "78563412");    // x1, little-endian
  EXPECT_EQ(g.substr(32 * 8), "10000080");  // pc
  EXPECT_EQ(s.ask("P2=efbeadde"), "OK");
  EXPECT_EQ(s.target.regs[2], 0xdeadbeefu);
  EXPECT_EQ(s.ask("p2"), "efbeadde");
  EXPECT_EQ(s.ask("p21"), "88180000");  // register 33: mstatus
  EXPECT_EQ(s.ask("P21=00000000"), "OK");
  EXPECT_EQ(s.target.csrs[0x300], 0u);
  EXPECT_EQ(s.ask("p22"), "E01");  // misa: this target lacks it
  EXPECT_EQ(s.ask("p99"), "E01");  // no such register
  EXPECT_EQ(s.ask("Pzz=00"), "E01");
  // G writes x1..pc (x0 stays zero).
  std::string all;
  for (unsigned n = 0; n <= 32; ++n) all += "0" + std::to_string(n % 10) + "000000";
  EXPECT_EQ(s.ask("G" + all), "OK");
  EXPECT_EQ(s.target.regs[0], 0u);
  EXPECT_EQ(s.target.regs[7], 7u);
  EXPECT_EQ(s.ask("G00"), "E01");
}

TEST(GdbProtocol, Memory) {
  Session s;
  EXPECT_EQ(s.ask("M80000004,4:01020304"), "OK");
  EXPECT_EQ(s.ask("m80000003,6"), "000102030400");
  EXPECT_EQ(s.ask("m8000fffe,4"), "0000");  // what there is up to the end
  EXPECT_EQ(s.ask("m10,4"), "E01");         // nothing there
  EXPECT_EQ(s.ask("M10,1:00"), "E01");
  EXPECT_EQ(s.ask("M80000000,2:01"), "E01");  // length and data disagree
  EXPECT_EQ(s.ask("m80000000,4001"), "E01");  // longer than a packet may carry
  // Above 32 bits: refused, not cut to 0x80000000 (which they once read and wrote).
  EXPECT_EQ(s.ask("m180000000,10"), "E01");
  EXPECT_EQ(s.ask("M180000004,4:0a0b0c0d"), "E01");
  EXPECT_EQ(s.ask("m80000004,4"), "01020304") << "core RAM unchanged";
  EXPECT_EQ(s.ask("mfffffffe,4"), "E01") << "past the end of the address space";
  EXPECT_EQ(s.ask("Z0,180000000,4"), "E01");
}

TEST(GdbProtocol, BreakpointsWatchpointsAndStopReplies) {
  Session s;
  EXPECT_EQ(s.ask("?"), "S05");
  EXPECT_EQ(s.ask("Z0,80000010,4"), "OK");
  EXPECT_EQ(s.ask("z0,80000010,4"), "OK");
  EXPECT_EQ(s.ask("Z3,80001000,4"), "OK");  // read watchpoint
  EXPECT_EQ(s.ask("Z2,80002000,8"), "OK");  // write watchpoint
  EXPECT_EQ(s.ask("Z5,0,4"), "");           // unsupported type: GDB falls back
  EXPECT_EQ(s.ask("Z0,xyz"), "E01");
  EXPECT_EQ(s.target.log,
            (std::vector<std::string>{"break 2147483664", "unbreak 2147483664",
                                      "watch 1 2147487744 4", "watch 0 2147491840 8"}));
  s.protocol.stopped(StopReason::kWatchpoint, 0x80001000);
  EXPECT_EQ(s.ask("?"), "T05rwatch:80001000;");
  s.protocol.stopped(StopReason::kWatchpoint, 0x80002000);
  EXPECT_EQ(s.protocol.stop_reply(), "T05watch:80002000;");
  s.protocol.stopped(StopReason::kBreakpoint, 0);
  EXPECT_EQ(s.protocol.stop_reply(), "T05swbreak:;");
  s.protocol.stopped(StopReason::kHalt, 0);
  EXPECT_EQ(s.protocol.stop_reply(), "S02");
  EXPECT_EQ(GdbProtocol::end_packet(true, 3), "W03");
  EXPECT_EQ(GdbProtocol::end_packet(true, 1000), "Wff");
  EXPECT_EQ(GdbProtocol::end_packet(false, 0), "X05");
}

TEST(GdbProtocol, RunControl) {
  Session s;
  GdbProtocol::Reply r = s.protocol.handle("c");
  EXPECT_EQ(r.then, Then::kResume);
  EXPECT_TRUE(r.packets.empty());  // the stop reply comes when the target stops
  r = s.protocol.handle("s80000020");
  EXPECT_EQ(r.then, Then::kResume);
  EXPECT_EQ(s.target.regs[32], 0x80000020u);
  r = s.protocol.handle("D");
  EXPECT_EQ(r.then, Then::kDetach);
  EXPECT_EQ(r.packets, (std::vector<std::string>{"OK"}));
  r = s.protocol.handle("k");
  EXPECT_EQ(r.then, Then::kKill);
  EXPECT_EQ(s.target.log, (std::vector<std::string>{"continue", "step"}));
}

TEST(GdbProtocol, QueriesTargetDescriptionAndMonitor) {
  Session s;
  EXPECT_EQ(s.ask("qSupported:multiprocess+"),
            "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+");
  EXPECT_EQ(s.ask("qAttached"), "1");
  EXPECT_EQ(s.ask("qfThreadInfo"), "m1");
  EXPECT_EQ(s.ask("vMustReplyEmpty"), "");
  // target.xml in chunks: 'm' while more follows, 'l' for the last.
  std::string xml, chunk;
  uint64_t offset = 0;
  do {
    char query[64];
    std::snprintf(query, sizeof query, "qXfer:features:read:target.xml:%llx,100",
                  static_cast<unsigned long long>(offset));
    chunk = s.ask(query);
    xml += chunk.substr(1);
    offset += chunk.size() - 1;
  } while (chunk[0] == 'm');
  EXPECT_NE(xml.find("<architecture>riscv:rv32</architecture>"), std::string::npos);
  EXPECT_NE(xml.find("<reg name=\"mstatus\" bitsize=\"32\" type=\"int\" regnum=\"33\""),
            std::string::npos);
  EXPECT_EQ(xml.substr(xml.size() - 9), "</target>");
  // monitor: console output ("O" + hex), then OK.
  const GdbProtocol::Reply r = s.protocol.handle("qRcmd,74696d65");  // "time"
  EXPECT_EQ(r.packets, (std::vector<std::string>{"O72616e2074696d650a", "OK"}));
}

}  // namespace
}  // namespace vtpu::gdb
