// Soft errors in an SRAM without ECC (faults.*_upsets_per_ms, docs/faults.md):
// single-bit upsets at the times of a Poisson process of `per_ms` upsets per
// simulated millisecond, each flipping one bit of the RAM chosen uniformly at
// random, silently, as a particle strike does to an unprotected array. What
// reads the byte afterwards (the MXU, the VPU, the DMA, the core) sees it.
#pragma once

#include <cstdint>
#include <random>
#include <systemc>

#include "models/memory/ram.h"

namespace vtpu::memory {

class Upsets : public sc_core::sc_module {
 public:
  Upsets(sc_core::sc_module_name name, Ram& ram, double per_ms, uint64_t seed);
  uint64_t count() const { return count_; }

 private:
  void strike();  // the process: waits for each upset, flips its bit

  Ram& ram_;
  double per_ps_;
  std::mt19937_64 rng_;
  uint64_t count_ = 0;
};

}  // namespace vtpu::memory
