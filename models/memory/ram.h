// A plain RAM as a TLM-2.0 target: blocking transport with a fixed latency,
// DMI over its whole range, and debug transport (used by the ELF loader and GDB).
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <systemc>
#include <tlm>
#include <vector>

namespace vtpu::memory {

class Ram : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Ram> socket;

  Ram(sc_core::sc_module_name name, uint64_t size_bytes, sc_core::sc_time latency);

  uint64_t size() const { return data_.size(); }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

  // Copies in or out; returns false when the access leaves the RAM.
  bool access(tlm::tlm_generic_payload& trans);
  void copy(tlm::tlm_generic_payload& trans, uint64_t addr, unsigned len);

  std::vector<uint8_t> data_;
  sc_core::sc_time latency_;
};

}  // namespace vtpu::memory
