#include "models/memory/ram.h"

#include <algorithm>
#include <cstring>

namespace vtpu::memory {

Ram::Ram(sc_core::sc_module_name name, uint64_t size_bytes, sc_core::sc_time latency,
         const PortModel& ports)
    : sc_module(name),
      socket("socket"),
      data_(size_bytes, 0),
      latency_(latency),
      model_(ports),
      port_free_(std::max(1u, ports.ports)) {
  socket.register_b_transport(this, &Ram::b_transport);
  socket.register_get_direct_mem_ptr(this, &Ram::get_direct_mem_ptr);
  socket.register_transport_dbg(this, &Ram::transport_dbg);
}

bool Ram::access(tlm::tlm_generic_payload& trans) {
  uint64_t addr = trans.get_address();
  unsigned len = trans.get_data_length();
  if (addr >= data_.size() || len > data_.size() - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  copy(trans, addr, len);
  return true;
}

void Ram::copy(tlm::tlm_generic_payload& trans, uint64_t addr, unsigned len) {
  if (trans.is_read())
    std::memcpy(trans.get_data_ptr(), &data_[addr], len);
  else if (trans.is_write())
    std::memcpy(&data_[addr], trans.get_data_ptr(), len);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

sc_core::sc_time Ram::reserve(const sc_core::sc_time& at, uint64_t bytes) {
  if (model_.bytes_per_cycle == 0) return at + latency_;
  auto port = std::min_element(port_free_.begin(), port_free_.end());
  const sc_core::sc_time start = std::max(at, *port);
  const uint64_t cycles =
      std::max<uint64_t>(1, (bytes + model_.bytes_per_cycle - 1) / model_.bytes_per_cycle);
  const sc_core::sc_time busy = model_.clock_period * static_cast<double>(cycles);
  *port = start + busy;
  busy_ += busy;
  return start + busy - model_.clock_period + latency_;
}

sc_core::sc_time Ram::reserve_stream(const sc_core::sc_time& at, uint64_t bytes, uint64_t cycles) {
  if (model_.bytes_per_cycle == 0) return at + latency_;
  const uint64_t full = uint64_t{model_.bytes_per_cycle} * std::max<uint64_t>(1, cycles);
  const uint64_t ports = port_free_.size();
  sc_core::sc_time end = at;
  if ((bytes + full - 1) / full > ports) {
    // More than the ports carry: all but one, an even share each, so that the
    // other units are not shut out for its whole length.
    const uint64_t taken = std::max<uint64_t>(1, ports - 1);
    for (uint64_t i = 0; i < taken; ++i)
      end = std::max(end, reserve(at, bytes / taken + (i < bytes % taken)));
    return end;
  }
  // Ports busy the whole time, and one more for the rest.
  for (uint64_t left = bytes; left > 0;) {
    const uint64_t share = std::min(left, full);
    end = std::max(end, reserve(at, share));
    left -= share;
  }
  return end;
}

void Ram::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (access(trans)) {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    delay = reserve(now + delay, trans.get_data_length()) - now;
    trans.set_dmi_allowed(true);
  }
}

bool Ram::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  dmi.allow_read_write();
  dmi.set_dmi_ptr(data_.data());
  dmi.set_start_address(0);
  dmi.set_end_address(data_.size() - 1);
  dmi.set_read_latency(latency_);
  dmi.set_write_latency(latency_);
  return true;
}

unsigned int Ram::transport_dbg(tlm::tlm_generic_payload& trans) {
  uint64_t addr = trans.get_address();
  if (addr >= data_.size()) return 0;
  unsigned len = std::min<uint64_t>(trans.get_data_length(), data_.size() - addr);
  copy(trans, addr, len);
  return len;
}

}  // namespace vtpu::memory
