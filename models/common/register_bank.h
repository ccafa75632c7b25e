// Declared registers (in the style of VCML's peripheral/reg): each register has
// a name, an offset, a width (8, 16, 32 or 64 bits), an access rule and typed
// read/write callbacks; the decode is written once, here. A Peripheral is a
// TLM target whose address space is a RegisterBank.
//
// Access rules (docs/memory-map.md): an access is 1, 2, 4 or 8 bytes and
// starts at a register's offset, or, for a 64-bit register, at its upper
// word (offset + 4). It covers the register (8 bytes at a 64-bit one) or one
// 32-bit word of it: a narrower read returns the low bytes of that word, a
// narrower write is zero-extended into it, and the other word of a 64-bit
// register keeps its value. Anything else (no register there, a straddling
// or oversized access, a write to a read-only register, a read of a
// write-only one) answers TLM_ADDRESS_ERROR_RESPONSE, which the core turns
// into an access fault.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <systemc>
#include <tlm>
#include <type_traits>

namespace vtpu {

class RegisterBank {
 public:
  enum class Access { kReadOnly, kWriteOnly, kReadWrite };
  template <typename T>
  using ReadOf = std::function<T()>;
  template <typename T>
  using WriteOf = std::function<void(T)>;
  using ReadFn = ReadOf<uint32_t>;
  using WriteFn = WriteOf<uint32_t>;

  struct Register {
    std::string name;
    unsigned bytes;  // 1, 2, 4 or 8
    Access access;
    std::function<uint64_t()> read;
    std::function<void(uint64_t)> write;  // the whole register's new value
  };

  // A register of T (uint8_t, uint16_t, uint32_t or uint64_t); `read` is
  // needed unless write-only, `write` unless read-only.
  template <typename T>
  void add_typed(const std::string& name, uint64_t offset, Access access, ReadOf<T> read,
                 WriteOf<T> write = nullptr) {
    static_assert(std::is_unsigned_v<T> && sizeof(T) <= 8, "an unsigned type of 8 to 64 bits");
    std::function<uint64_t()> r;
    std::function<void(uint64_t)> w;
    if (read) r = [read] { return uint64_t{read()}; };
    if (write) w = [write](uint64_t v) { write(static_cast<T>(v)); };
    add_register(Register{name, sizeof(T), access, std::move(r), std::move(w)}, offset);
  }
  // The common case: a 32-bit register.
  void add(const std::string& name, uint64_t offset, Access access, ReadFn read,
           WriteFn write = nullptr) {
    add_typed<uint32_t>(name, offset, access, std::move(read), std::move(write));
  }
  // A 64-bit register, read and written by the core one 32-bit word at a time.
  void add64(const std::string& name, uint64_t offset, Access access, ReadOf<uint64_t> read,
             WriteOf<uint64_t> write = nullptr) {
    add_typed<uint64_t>(name, offset, access, std::move(read), std::move(write));
  }
  // A plain storage register with no side effects.
  void add_storage(const std::string& name, uint64_t offset, uint32_t& storage);

  // Performs the access; returns the TLM response.
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t offset, uint8_t* data,
                                  unsigned length) const;

  const std::map<uint64_t, Register>& registers() const { return registers_; }

 private:
  void add_register(Register reg, uint64_t offset);
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
