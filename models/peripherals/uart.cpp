#include "models/peripherals/uart.h"

#include "models/isa/vtpu/soc_map.h"

namespace vtpu::peripherals {

using Access = RegisterBank::Access;

Uart::Uart(sc_core::sc_module_name name, sc_core::sc_time latency, std::FILE* console)
    : Peripheral(name, latency), console_(console) {
  regs_.add("txdata", VTPU_UART_TXDATA, Access::kWriteOnly, nullptr, [this](uint32_t v) {
    std::fputc(static_cast<int>(v & 0xff), console_);
    if ((v & 0xff) == '\n') std::fflush(console_);
  });
  regs_.add("status", VTPU_UART_STATUS, Access::kReadOnly, [] { return 1u; });
}

}  // namespace vtpu::peripherals
