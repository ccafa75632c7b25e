// The HBM (or DDR) subsystem as a TLM-2.0 target: the address mapping spreads
// each request over pseudo-channel controllers in accesses of one burst; the
// request completes when its last access's data has been transferred.
//
// Timing without an event per DRAM clock: one SC_METHOD wakes only when some
// controller has a command to decide. Requests arrive through the interconnect
// at least `lookahead` after they are sent, so at simulated time T every
// request that arrives before T + lookahead is known, and the controllers may
// decide every command before that horizon in one go (docs/memory.md, "How
// the model keeps time").
//
// The approximately-timed path (nb_transport_fw: BEGIN_REQ answered at once
// with END_REQ, BEGIN_RESP later on the backward path) lets initiators keep
// many requests in flight; b_transport waits for its request to complete.
// Data are copied when the request is accepted.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <functional>
#include <memory>
#include <random>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/hbm/address_mapping.h"
#include "models/hbm/channel.h"
#include "models/memory/sparse_store.h"

namespace vtpu::hbm {

struct HbmOptions {
  TimingSet timing;
  unsigned stacks = 1;
  unsigned channels = 0;  // per stack; 0: the preset's
  std::string mapping = AddressMapping::kDefault;
  unsigned queue_depth = 32;  // per pseudo-channel controller
  bool refresh = true;
  sc_core::sc_time frontend_latency;  // request path inside the HBM subsystem
  sc_core::sc_time lookahead;         // minimum delay between sending a request and its arrival
  // ECC faults (faults.*, docs/faults.md): per read burst, the probability of
  // an error ECC corrects (counted) and of one it cannot (the read answers
  // TLM_GENERIC_ERROR_RESPONSE), drawn from `fault_seed`'s stream.
  double corrected_per_access = 0, uncorrected_per_access = 0;
  uint64_t fault_seed = 1;
  // Told of each such error: its kind and the burst's offset in the HBM (the
  // SoC's ECC log; null: none).
  std::function<void(bool uncorrected, uint64_t offset)> on_ecc_error;
};

struct HbmStats {
  uint64_t requests = 0, reads = 0, writes = 0, row_hits = 0, refreshes = 0;
  uint64_t activates = 0, bytes = 0;
  uint64_t corrected_errors = 0, uncorrected_errors = 0;  // injected ECC faults (read bursts)
  double busy_fraction = 0;     // data buses busy / (controllers x elapsed)
  double refresh_fraction = 0;  // tRFC x refreshes / (controllers x elapsed)
};

class Hbm : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Hbm> socket;

  Hbm(sc_core::sc_module_name name, const HbmOptions& options);

  uint64_t capacity() const { return mapping_.capacity(); }
  size_t controllers() const { return mapping_.controllers(); }
  double peak_bytes_per_s() const;
  const TimingSet& timing() const { return options_.timing; }
  // Statistics over [0, `until`].
  HbmStats stats(sc_core::sc_time until) const;
  // The contents with no timing (a host loading or reading back device
  // memory); the range must lie inside the capacity.
  void backdoor_write(uint64_t offset, const uint8_t* data, uint64_t size) {
    store_.write(offset, data, size);
  }
  void backdoor_read(uint64_t offset, uint8_t* data, uint64_t size) const {
    store_.read(offset, data, size);
  }

 private:
  struct Pending {
    tlm::tlm_generic_payload* trans = nullptr;
    unsigned accesses_left = 0;
    int64_t done = 0;                     // cycle
    sc_core::sc_event* waiter = nullptr;  // b_transport
  };

  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

  // Checks, copies the data and queues the request's accesses; false when the
  // request is refused (its response status says why).
  bool accept(tlm::tlm_generic_payload& trans, const sc_core::sc_time& delay,
              sc_core::sc_event* waiter);
  // Draws each read burst's ECC fault: counts a corrected one, answers an
  // uncorrected one with TLM_GENERIC_ERROR_RESPONSE (timing unchanged).
  void inject_ecc_faults(tlm::tlm_generic_payload& trans);
  void wake();
  void schedule_wake();
  void wake_for(int64_t decision);  // wake when that decision may be made
  uint64_t now_ps() const;
  int64_t cycle_at_or_after(uint64_t ps) const;  // the first cycle that starts at or after ps

  HbmOptions options_;
  AddressMapping mapping_;
  std::vector<Channel> channels_;
  memory::SparseStore store_;
  std::vector<Pending> pending_;
  std::vector<uint32_t> free_slots_;
  std::vector<Completion> done_;
  sc_core::sc_event wake_event_;
  bool waking_ = false;  // inside wake()
  uint64_t tck_ps_;
  double cycles_per_ps_;  // 1 / tck_ps_
  uint64_t lookahead_ps_, frontend_ps_;
  uint64_t first_data_ps_;  // from a RD or WR command to the end of its data, the shorter
  uint64_t requests_ = 0, bytes_ = 0;
  // Injected ECC faults: whether any may happen, their stream and counts.
  bool faults_ = false;
  std::mt19937_64 fault_rng_;
  uint64_t corrected_ = 0, uncorrected_ = 0;
};

}  // namespace vtpu::hbm
