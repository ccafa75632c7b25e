#include "models/common/register_bank.h"

#include <cstring>

namespace vtpu {

void RegisterBank::add_register(Register reg, uint64_t offset) {
  registers_[offset] = std::move(reg);
}

void RegisterBank::add_storage(const std::string& name, uint64_t offset, uint32_t& storage) {
  add(
      name, offset, Access::kReadWrite, [&storage] { return storage; },
      [&storage](uint32_t v) { storage = v; });
}

tlm::tlm_response_status RegisterBank::access(tlm::tlm_command cmd, uint64_t offset, uint8_t* data,
                                              unsigned length) const {
  // The register at `offset`, or the 64-bit one whose upper word it is.
  auto it = registers_.upper_bound(offset);
  if (it == registers_.begin()) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  --it;
  const Register& reg = it->second;
  const uint64_t word = offset - it->first;  // 0, or 4 in a 64-bit register
  const bool whole = word == 0 && length == 8 && reg.bytes == 8;
  if (!(word == 0 || (word == 4 && reg.bytes == 8)) ||
      !(length == 1 || length == 2 || length == 4 || whole))
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  const unsigned shift = 8 * static_cast<unsigned>(word);
  const uint64_t mask = whole ? ~uint64_t{0} : uint64_t{0xffffffff} << shift;
  // The host is little-endian, like RISC-V.
  if (cmd == tlm::TLM_READ_COMMAND) {
    if (reg.access == Access::kWriteOnly) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    const uint64_t value = (reg.read() & mask) >> shift;
    std::memcpy(data, &value, length);
  } else if (cmd == tlm::TLM_WRITE_COMMAND) {
    if (reg.access == Access::kReadOnly) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    uint64_t value = 0;
    std::memcpy(&value, data, length);
    // A word of a 64-bit register: the other word keeps its value.
    const uint64_t kept = reg.bytes == 8 && !whole && reg.read ? reg.read() & ~mask : 0;
    reg.write(kept | ((value << shift) & mask));
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
