// Contention in the interconnect and in a RAM's ports, against the timing
// rules of docs/memory.md ("Interconnect", "On-chip memories"): a link moves
// width bytes per cycle in each direction, first come first served; a
// transaction adds both links' latencies once; a RAM port is booked for
// ceil(bytes / width) cycles.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/interconnect/router.h"
#include "models/memory/ram.h"

namespace vtpu {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  uint8_t data[256] = {};
  explicit Initiator(sc_core::sc_module_name name) : sc_module(name) {}
  // One blocking access at local time `at`; returns when it completes.
  sc_time access(bool write, uint64_t address, unsigned bytes, sc_time at) {
    tlm::tlm_generic_payload t;
    t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(address);
    t.set_data_ptr(data);
    t.set_data_length(bytes);
    t.set_streaming_width(bytes);
    sc_time delay = at;  // simulated time is 0 here
    socket->b_transport(t, delay);
    EXPECT_TRUE(t.is_response_ok());
    return delay;
  }
};

TEST(Interconnect, LinksShareBandwidthLatencyAndPorts) {
  const sc_time cycle(1, SC_NS);
  Initiator a("a"), b("b");
  interconnect::Router router("router", cycle);
  memory::Ram ram("ram", 1 << 20, SC_ZERO_TIME);
  memory::Ram sram("sram", 1 << 16, cycle * 2.0, memory::PortModel{16, 2, cycle});
  memory::Ram streamed("streamed", 1 << 16, cycle * 2.0, memory::PortModel{16, 4, cycle});
  router.connect("a", a.socket, interconnect::Link{cycle, 0});
  router.connect("b", b.socket, interconnect::Link{SC_ZERO_TIME, 0});
  interconnect::MapOptions narrow;
  narrow.link = interconnect::Link{cycle * 2.0, 32};
  router.map("ram", 0x1000000, 1 << 20, ram.socket, narrow);
  router.map("sram", 0x2000000, 1 << 16, sram.socket);
  router.map("streamed", 0x3000000, 1 << 16, streamed.socket);
  sc_core::sc_start(SC_ZERO_TIME);  // completes elaboration; time stays 0

  // Latency: a's link (1) + ram's link (2) = 3 cycles for a lone access.
  EXPECT_EQ(a.access(false, 0x1000000, 4, SC_ZERO_TIME), cycle * 3.0);

  // Two initiators stream 64 B writes, each issuing when its last one is done:
  // the 32 B/cycle link is busy 2 cycles per write and they alternate, so each
  // sees half the link: N writes each end near 2 * N * 2 cycles.
  const int n = 1000;
  const sc_time start = cycle * 100.0;
  sc_time ta = start, tb = start;
  for (int i = 0; i < n; ++i) {
    ta = a.access(true, 0x1000000 + 64 * i, 64, ta) - cycle * 3.0;  // when it was granted
    tb = b.access(true, 0x1080000 + 64 * i, 64, tb) - cycle * 2.0;
  }
  const double expected = (start + cycle * (2.0 * n * 2)).to_seconds();
  EXPECT_NEAR(ta.to_seconds(), expected, expected * 0.01);
  EXPECT_NEAR(tb.to_seconds(), expected, expected * 0.01);
  std::vector<interconnect::LinkStats> stats = router.stats();
  ASSERT_EQ(stats.size(), 5u);  // a, b, ram, sram, streamed
  EXPECT_EQ(stats[2].name, "ram");
  EXPECT_EQ(stats[2].bytes, 2u * n * 64 + 4);
  EXPECT_EQ(stats[2].busy, cycle * (2.0 * n * 2) + cycle * (4.0 / 32));
  EXPECT_GT(stats[0].stall, cycle * (n / 2.0)) << "a waited for b about half the time";

  // Reads and writes use separate directions: a reading while b writes does
  // not slow either down (the last of 100 starts 99 x 2 cycles after the first).
  sc_time ra = cycle * 10000.0, wb = cycle * 10000.0;
  for (int i = 0; i < 100; ++i) {
    ra = a.access(false, 0x1000000 + 64 * i, 64, ra) - cycle * 3.0;
    wb = b.access(true, 0x1080000 + 64 * i, 64, wb) - cycle * 2.0;
  }
  EXPECT_EQ(ra, cycle * (10000.0 + 198));
  EXPECT_EQ(wb, cycle * (10000.0 + 198));

  // RAM ports: 2 ports x 16 B/cycle, latency 2. A 64 B access books a port
  // for 4 cycles and completes 4 - 1 + 2 = 5 cycles after it starts; two fit
  // side by side; a third waits for the first port.
  EXPECT_EQ(sram.reserve(SC_ZERO_TIME, 64), cycle * 5.0);
  EXPECT_EQ(sram.reserve(SC_ZERO_TIME, 64), cycle * 5.0);
  EXPECT_EQ(sram.reserve(SC_ZERO_TIME, 64), cycle * 9.0);
  EXPECT_EQ(sram.reserve(cycle * 20.0, 8), cycle * 22.0);
  EXPECT_EQ(sram.port_busy(), cycle * 13.0);
  // Through the router, the same rule applies to transport.
  EXPECT_EQ(a.access(false, 0x2000000, 32, cycle * 100.0), cycle * (100.0 + 1 + 2 - 1 + 2));

  // A stream (a MATMUL's operands, docs/memory.md) takes as many ports as
  // carry its bytes in its cycles, each an even share, and leaves the rest free.
  // 1,000 bytes over 100 cycles: 10 B/cycle, one 16 B port, 63 cycles; it
  // completes 63 - 1 + 2 cycles after it starts.
  EXPECT_EQ(streamed.reserve_stream(SC_ZERO_TIME, 1000, 100), cycle * 64.0);
  // The other three ports are free: an access now starts at once.
  EXPECT_EQ(streamed.reserve(SC_ZERO_TIME, 16), cycle * 2.0);
  EXPECT_EQ(streamed.port_busy(), cycle * (63.0 + 1));
  // 3,000 bytes over 100 cycles: 30 B/cycle, two ports: one for all 100 cycles
  // (1,600 bytes), one for the other 1,400 (88 cycles).
  EXPECT_EQ(streamed.reserve_stream(cycle * 200.0, 3000, 100), cycle * 301.0);
  EXPECT_EQ(streamed.port_busy(), cycle * (64.0 + 100 + 88));
  // More than all ports carry in its cycles: 1,600 bytes meant for 10 cycles take
  // all ports but one, 534 + 533 + 533 bytes, 34 cycles each (the reader waits for
  // them), and the fourth stays free for the other units.
  EXPECT_EQ(streamed.reserve_stream(cycle * 400.0, 1600, 10), cycle * 435.0);
  EXPECT_EQ(streamed.reserve(cycle * 400.0, 16), cycle * 402.0);
  EXPECT_EQ(streamed.port_busy(), cycle * (64.0 + 100 + 88 + 3 * 34 + 1));
}

}  // namespace
}  // namespace vtpu
