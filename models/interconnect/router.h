// Address-decoding TLM-2.0 interconnect built from the config's address map.
//
// Initiators join with connect(), targets with map(); each side has a Link:
// a latency and a width in bytes per cycle, in each direction (like AXI's
// separate read and write channels). A transaction costs the sum of its two
// links' latencies, once, and occupies its direction of both links for
// bytes / width cycles; a busy link makes later transactions wait, first come
// first served in simulated time (docs/memory.md, "Interconnect"). Every link
// counts transactions, bytes, busy and stall time.
//
// Blocking, approximately-timed (nb_transport), debug and DMI requests are
// decoded and forwarded with the address made target-local; DMI grants are
// translated back and trimmed so that no grant covers an overlay (a device
// mapped on top of memory, like HTIF's tohost), and target invalidations are
// broadcast to every initiator. An nb_transport request to a target that
// only has b_transport completes at once (such targets never wait). An
// unmapped address answers TLM_ADDRESS_ERROR_RESPONSE.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/trace.h"

namespace vtpu::interconnect {

struct Link {
  sc_core::sc_time latency;      // added once per transaction
  unsigned bytes_per_cycle = 0;  // 0: unlimited
};

struct LinkStats {
  std::string name;
  bool initiator = false;  // an initiator's link (else a target's)
  uint64_t transactions = 0, bytes = 0;
  sc_core::sc_time busy, stall;  // occupied (both directions summed); waited for a link
};

struct MapOptions {
  Link link;
  bool overlay = false;  // takes precedence over the regions it lies on; no DMI
  bool nb = false;       // the target implements nb_transport (approximately timed)
};

class Router : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Router> targets_in;
  tlm_utils::multi_passthrough_initiator_socket<Router> initiators_out;

  Router(sc_core::sc_module_name name, sc_core::sc_time clock_period);

  template <typename Socket>
  void connect(const std::string& name, Socket& initiator, const Link& link = {}) {
    initiator.bind(targets_in);
    in_.emplace_back(link, name);
    in_.back().stats.initiator = true;
  }

  // Maps [base, base + size) to `target`.
  template <typename Socket>
  void map(const std::string& region, uint64_t base, uint64_t size, Socket& target,
           const MapOptions& options = {}) {
    add_region(region, base, size, options);
    initiators_out.bind(target);
  }

  struct Region {
    std::string name;
    uint64_t base, size;
    unsigned port;
    bool overlay, nb;
    bool contains(uint64_t addr) const { return addr >= base && addr - base < size; }
  };
  const std::vector<Region>& regions() const { return regions_; }
  // The region an address decodes to, or nullptr.
  const Region* decode(uint64_t addr) const;
  // Initiator links (in connect() order), then target links (in map() order).
  std::vector<LinkStats> stats() const;
  // Sends every transaction (not debug or DMI accesses) to `sink` (null: none),
  // with the port names below as its indexes.
  void set_transaction_sink(TransactionSink* sink) { transactions_ = sink; }
  std::vector<std::string> initiator_names() const;
  std::vector<std::string> target_names() const;

 private:
  struct Port {
    Port(const Link& l, const std::string& name) : link(l) { stats.name = name; }
    Link link;
    LinkStats stats;
    sc_core::sc_time free_at[2];  // read, write direction
    // The link time of a transaction of busy_bytes (the last size seen).
    uint64_t busy_bytes = 0;
    sc_core::sc_time busy;
  };
  // An nb request in flight, carried by its payload: allocated the first time
  // the payload passes, owned (and freed) by it, reused after.
  struct Route : tlm::tlm_extension<Route> {
    bool in_flight = false;
    int initiator = 0;
    uint64_t address = 0;
    sc_core::sc_time begin;  // when it entered (transaction trace)
    unsigned target = 0;
    tlm::tlm_extension_base* clone() const override { return new Route(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
      *this = static_cast<const Route&>(other);
    }
  };

  void add_region(const std::string& name, uint64_t base, uint64_t size, const MapOptions& options);
  Port& initiator_port(int id);
  // Contention and latency: returns `delay` for a transaction of `bytes`
  // from initiator `id` to target port `out` sent with `delay`.
  sc_core::sc_time pass(int id, Port& out, const tlm::tlm_generic_payload& trans,
                        const sc_core::sc_time& delay);

  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(int id, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(int port, tlm::tlm_generic_payload& trans,
                                     tlm::tlm_phase& phase, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
  void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);

  std::vector<Region> regions_;  // overlays first, then in mapping order
  std::vector<Port> in_;         // by initiator id
  std::vector<Port> out_;        // by target port
  sc_core::sc_time clock_period_;
  TransactionSink* transactions_ = nullptr;
  void record(int initiator, unsigned target, const tlm::tlm_generic_payload& trans,
              uint64_t address, sc_core::sc_time begin, sc_core::sc_time end);
};

}  // namespace vtpu::interconnect
