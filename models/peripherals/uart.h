// Console UART: bytes written to TXDATA go to the host's stdout.
#pragma once

#include <cstdio>

#include "models/common/register_bank.h"

namespace vtpu::peripherals {

class Uart : public Peripheral {
 public:
  Uart(sc_core::sc_module_name name, sc_core::sc_time latency, std::FILE* console);

 private:
  std::FILE* console_;
};

}  // namespace vtpu::peripherals
