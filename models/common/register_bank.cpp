#include "models/common/register_bank.h"

#include <cstring>

namespace vtpu {

void RegisterBank::add(const std::string& name, uint64_t offset, Access access, ReadFn read,
                       WriteFn write) {
  registers_[offset] = Register{name, access, std::move(read), std::move(write)};
}

void RegisterBank::add_storage(const std::string& name, uint64_t offset, uint32_t& storage) {
  add(
      name, offset, Access::kReadWrite, [&storage] { return storage; },
      [&storage](uint32_t v) { storage = v; });
}

tlm::tlm_response_status RegisterBank::access(tlm::tlm_command cmd, uint64_t offset, uint8_t* data,
                                              unsigned length) const {
  auto it = registers_.find(offset);
  if (it == registers_.end() || (length != 1 && length != 2 && length != 4))
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  const Register& reg = it->second;
  if (cmd == tlm::TLM_READ_COMMAND) {
    if (reg.access == Access::kWriteOnly) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    uint32_t value = reg.read();
    std::memcpy(data, &value, length);  // the host is little-endian, like RISC-V
  } else if (cmd == tlm::TLM_WRITE_COMMAND) {
    if (reg.access == Access::kReadOnly) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    uint32_t value = 0;
    std::memcpy(&value, data, length);
    reg.write(value);
  }
  return tlm::TLM_OK_RESPONSE;
}

Peripheral::Peripheral(sc_core::sc_module_name name, sc_core::sc_time latency)
    : sc_module(name), socket("socket"), latency_(latency) {
  socket.register_b_transport(this, &Peripheral::b_transport);
  socket.register_transport_dbg(this, &Peripheral::transport_dbg);
}

void Peripheral::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  delay += latency_;
  access_time_ = sc_core::sc_time_stamp() + delay;
  trans.set_response_status(regs_.access(trans.get_command(), trans.get_address(),
                                         trans.get_data_ptr(), trans.get_data_length()));
}

// Debug reads see registers without side effects only where the register is
// plain storage; to stay side-effect free, debug access to peripherals reads
// as zero and ignores writes.
unsigned int Peripheral::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (trans.is_read()) std::memset(trans.get_data_ptr(), 0, trans.get_data_length());
  return trans.get_data_length();
}

}  // namespace vtpu
