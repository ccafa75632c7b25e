// An on-chip RAM (core SRAM, VMEM, AMEM) as a TLM-2.0 target: blocking
// transport, DMI over its whole range, and debug transport (used by the ELF
// loader and GDB).
//
// Its ports are a timing model the units share: `ports` ports that each move
// `bytes_per_cycle` bytes per clock. An access of n bytes takes the port that
// frees first for ceil(n / bytes_per_cycle) cycles; its data is complete
// `latency` after its last cycle starts. With bytes_per_cycle 0 the ports
// never limit (and an access costs just `latency`). DMI bypasses the ports.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <systemc>
#include <tlm>
#include <vector>

namespace vtpu::memory {

struct PortModel {
  unsigned bytes_per_cycle = 0;  // per port; 0: unlimited
  unsigned ports = 1;
  sc_core::sc_time clock_period;
};

class Ram : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Ram> socket;

  Ram(sc_core::sc_module_name name, uint64_t size_bytes, sc_core::sc_time latency,
      const PortModel& ports = {});

  uint64_t size() const { return data_.size(); }
  uint8_t* data() { return data_.data(); }

  // Books a port for `bytes` from `at` on; returns when the data is complete.
  sc_core::sc_time reserve(const sc_core::sc_time& at, uint64_t bytes);
  // Books a stream of `bytes` that its reader spreads over `cycles` from `at`
  // on: as many ports as carry it in that time, each for all of it but the
  // last, which takes the rest, so the ports it does not need stay free for
  // other units; if all of them carry less, all but one (when there are
  // two or more), an even share each. Returns when the last share's data is
  // complete.
  sc_core::sc_time reserve_stream(const sc_core::sc_time& at, uint64_t bytes, uint64_t cycles);
  // Total time the ports were booked, summed over ports.
  sc_core::sc_time port_busy() const { return busy_; }
  unsigned ports() const { return static_cast<unsigned>(port_free_.size()); }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

  // Copies in or out; returns false when the access leaves the RAM.
  bool access(tlm::tlm_generic_payload& trans);
  void copy(tlm::tlm_generic_payload& trans, uint64_t addr, unsigned len);

  std::vector<uint8_t> data_;
  sc_core::sc_time latency_;
  PortModel model_;
  std::vector<sc_core::sc_time> port_free_;
  sc_core::sc_time busy_;
};

}  // namespace vtpu::memory
