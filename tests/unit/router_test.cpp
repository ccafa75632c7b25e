// The router with real SystemC modules: address decoding and translation,
// unmapped addresses, DMI grants translated back and trimmed around an
// overlay, debug transport split at region ends, and a target's DMI
// invalidation reaching the initiator with global addresses.
#include "models/interconnect/router.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <vector>

#include "models/memory/ram.h"

namespace vtpu {
namespace {

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  std::vector<std::pair<uint64_t, uint64_t>> invalidations;

  explicit Initiator(sc_core::sc_module_name name) : sc_module(name) {
    socket.register_invalidate_direct_mem_ptr(this, &Initiator::invalidate);
  }
  void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) {
    invalidations.emplace_back(start, end);
  }

  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint32_t& data) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&data));
    t.set_data_length(4);
    t.set_streaming_width(4);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, delay);
    return t.get_response_status();
  }
};

// A RAM that can be told to revoke its DMI grants.
struct RevokingRam : memory::Ram {
  using Ram::Ram;
  void revoke(uint64_t start, uint64_t end) { socket->invalidate_direct_mem_ptr(start, end); }
};

TEST(Router, DecodesTranslatesAndManagesDmi) {
  Initiator cpu("cpu");
  interconnect::Router router("router", sc_core::sc_time(1, sc_core::SC_NS));
  RevokingRam low("low", 0x1000, sc_core::SC_ZERO_TIME);
  RevokingRam high("high", 0x2000, sc_core::SC_ZERO_TIME);
  memory::Ram overlay("overlay", 8, sc_core::SC_ZERO_TIME);
  router.connect("cpu", cpu.socket);
  router.map("low", 0x10000, 0x1000, low.socket);
  router.map("high", 0x80000000, 0x2000, high.socket);
  interconnect::MapOptions on_top;
  on_top.overlay = true;
  router.map("overlay", 0x80001000, 8, overlay.socket, on_top);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);  // completes elaboration

  // Decoding and translation: a write at a global address lands at the
  // target-local offset, and reads back.
  uint32_t v = 0xcafef00d;
  EXPECT_EQ(cpu.access(tlm::TLM_WRITE_COMMAND, 0x10010, v), tlm::TLM_OK_RESPONSE);
  uint32_t back = 0;
  EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 0x10010, back), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(back, 0xcafef00du);
  EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 0x20000, back), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 0x10ffe, back), tlm::TLM_ADDRESS_ERROR_RESPONSE)
      << "an access crossing the region's end";
  // The overlay wins over the RAM below it.
  v = 0x11223344;
  cpu.access(tlm::TLM_WRITE_COMMAND, 0x80001000, v);
  uint8_t ram_byte = 0xff;
  tlm::tlm_generic_payload dbg;
  dbg.set_command(tlm::TLM_READ_COMMAND);
  dbg.set_address(0x1000);
  dbg.set_data_ptr(&ram_byte);
  dbg.set_data_length(1);
  high.socket.get_base_export()->transport_dbg(dbg);
  EXPECT_EQ(ram_byte, 0) << "the write went to the overlay, not to the RAM under it";

  // DMI below the overlay ends just before it; above it starts just after.
  tlm::tlm_generic_payload t;
  tlm::tlm_dmi dmi;
  t.set_address(0x80000100);
  ASSERT_TRUE(cpu.socket->get_direct_mem_ptr(t, dmi));
  EXPECT_EQ(dmi.get_start_address(), 0x80000000u);
  EXPECT_EQ(dmi.get_end_address(), 0x80000fffu);
  t.set_address(0x80001800);
  ASSERT_TRUE(cpu.socket->get_direct_mem_ptr(t, dmi));
  EXPECT_EQ(dmi.get_start_address(), 0x80001008u);
  EXPECT_EQ(dmi.get_end_address(), 0x80001fffu);
  // The pointer is adjusted to the trimmed start: byte 0x1008 of the RAM.
  v = 0x5a5a5a5a;
  cpu.access(tlm::TLM_WRITE_COMMAND, 0x80001008, v);
  EXPECT_EQ(dmi.get_dmi_ptr()[0], 0x5a);
  t.set_address(0x80001000);
  EXPECT_FALSE(cpu.socket->get_direct_mem_ptr(t, dmi)) << "no DMI into an overlay";

  // Debug transport stops at a region's end.
  std::vector<uint8_t> buf(0x20);
  dbg.set_address(0x10ff0);
  dbg.set_data_ptr(buf.data());
  dbg.set_data_length(0x20);
  EXPECT_EQ(cpu.socket->transport_dbg(dbg), 0x10u);

  // Invalidation from a target reaches the initiator in global addresses.
  high.revoke(0x100, 0x1ff);
  low.revoke(0, ~uint64_t{0});
  ASSERT_EQ(cpu.invalidations.size(), 2u);
  EXPECT_EQ(cpu.invalidations[0], std::make_pair(uint64_t{0x80000100}, uint64_t{0x800001ff}));
  EXPECT_EQ(cpu.invalidations[1], std::make_pair(uint64_t{0x10000}, uint64_t{0x10fff}));
}

}  // namespace
}  // namespace vtpu
