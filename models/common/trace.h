// Where the models send timeline events when tracing is on
// (docs/observability.md). A model holds a TraceSink pointer; null means off,
// so tracing costs one branch per event when it is not asked for.
#pragma once

#include <cstdint>
#include <systemc>

#include "models/isa/vtpu/isa.h"

namespace vtpu {

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  // An accelerator instruction ran on `queue` from `start` (after its wait)
  // to `end`; `bytes` it moved through the DMA (0 for other units); `depth`
  // instructions remain released on its queue; `tag` is the command
  // processor's TAG register when it was released (the runtime's layer).
  virtual void instruction(unsigned queue, const vtpu_insn& insn, sc_core::sc_time start,
                           sc_core::sc_time end, uint64_t bytes, uint32_t depth, uint32_t tag) = 0;
  // Firmware wrote sim-control's MARKER register.
  virtual void marker(uint32_t value, sc_core::sc_time at) = 0;
};

// One transaction through the interconnect (traces/transactions.proto).
struct TransactionRecord {
  unsigned initiator = 0, target = 0;  // the router's initiator and target indexes
  bool write = false;
  uint64_t address = 0;
  uint32_t length = 0;
  sc_core::sc_time begin, end;
};

class TransactionSink {
 public:
  virtual ~TransactionSink() = default;
  virtual void transaction(const TransactionRecord& t) = 0;
};

}  // namespace vtpu
