// Address-decoding TLM-2.0 router built from the config's address map.
//
// Initiators bind to `targets_in`, targets to `initiators_out` (via map()).
// Blocking, debug and DMI requests are decoded and forwarded with the address
// made target-local; DMI grants are translated back and trimmed so that no
// grant covers an overlay (a device mapped on top of memory, like HTIF's
// tohost), and target invalidations are broadcast to every initiator.
// An unmapped address answers TLM_ADDRESS_ERROR_RESPONSE.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

namespace vtpu::interconnect {

class Router : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Router> targets_in;
  tlm_utils::multi_passthrough_initiator_socket<Router> initiators_out;

  Router(sc_core::sc_module_name name, sc_core::sc_time latency);

  // Maps [base, base + size) to `target`. An overlay takes precedence over
  // the regions it lies on and is never covered by a DMI grant.
  template <typename Socket>
  void map(const std::string& region, uint64_t base, uint64_t size, Socket& target,
           bool overlay = false) {
    add_region(region, base, size, overlay);
    initiators_out.bind(target);
  }

  struct Region {
    std::string name;
    uint64_t base, size;
    unsigned port;
    bool overlay;
    bool contains(uint64_t addr) const { return addr >= base && addr - base < size; }
  };
  const std::vector<Region>& regions() const { return regions_; }
  // The region an address decodes to, or nullptr.
  const Region* decode(uint64_t addr) const;

 private:
  void add_region(const std::string& name, uint64_t base, uint64_t size, bool overlay);
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
  void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);

  std::vector<Region> regions_;  // overlays first, then in mapping order
  sc_core::sc_time latency_;
};

}  // namespace vtpu::interconnect
