// Declared registers (in the style of VCML's peripheral/reg): each register has
// a name, an offset, an access rule and read/write callbacks; the decode is
// written once, here. A Peripheral is a TLM target whose address space is a
// RegisterBank.
//
// Access rules: registers are 32 bits wide. An access must start at a
// register's offset and be 1, 2 or 4 bytes long; a narrower read returns the
// low bytes, a narrower write is zero-extended. Anything else (no register
// there, a write to a read-only register, a straddling access) answers
// TLM_ADDRESS_ERROR_RESPONSE, which the core turns into an access fault.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <systemc>
#include <tlm>

namespace vtpu {

class RegisterBank {
 public:
  enum class Access { kReadOnly, kWriteOnly, kReadWrite };
  using ReadFn = std::function<uint32_t()>;
  using WriteFn = std::function<void(uint32_t)>;

  struct Register {
    std::string name;
    Access access;
    ReadFn read;
    WriteFn write;
  };

  void add(const std::string& name, uint64_t offset, Access access, ReadFn read,
           WriteFn write = nullptr);
  // A plain storage register with no side effects.
  void add_storage(const std::string& name, uint64_t offset, uint32_t& storage);

  // Performs the access; returns the TLM response.
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t offset, uint8_t* data,
                                  unsigned length) const;

  const std::map<uint64_t, Register>& registers() const { return registers_; }

 private:
  std::map<uint64_t, Register> registers_;
};

// A memory-mapped peripheral: a target socket decoded by a RegisterBank.
// `access_time()` is the simulated time of the access being served (the
// initiator's local time included), for time-dependent registers like mtime.
class Peripheral : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Peripheral> socket;

 protected:
  Peripheral(sc_core::sc_module_name name, sc_core::sc_time latency);
  RegisterBank regs_;
  const sc_core::sc_time& access_time() const { return access_time_; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

  sc_core::sc_time latency_;
  sc_core::sc_time access_time_;
};

}  // namespace vtpu
