// A small PLIC-style interrupt controller: VTPU_PLIC_SOURCES level-triggered
// sources (source 0 reserved), priorities 0..7, one context (hart 0, M-mode)
// with enable bits, threshold and claim/complete. Drives meip.
#pragma once

#include <array>

#include "models/common/register_bank.h"
#include "models/isa/vtpu/soc_map.h"

namespace vtpu::peripherals {

class Plic : public Peripheral {
 public:
  sc_core::sc_vector<sc_core::sc_in<bool>> sources;
  sc_core::sc_out<bool> meip;

  Plic(sc_core::sc_module_name name, sc_core::sc_time latency);

 private:
  void update();  // gateway and output: the only writer of meip
  uint32_t best_claimable() const;

  std::array<uint32_t, VTPU_PLIC_SOURCES> priority_{};
  uint32_t pending_ = 0, enable_ = 0, in_service_ = 0, threshold_ = 0;
  sc_core::sc_event update_event_;
};

}  // namespace vtpu::peripherals
