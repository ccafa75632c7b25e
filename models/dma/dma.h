// The DMA engine: runs one 4-D descriptor (vtpu/dma.h) at a time, split into
// bursts that never cross a `burst_bytes` boundary of the source, with up to
// `max_outstanding` bursts in flight through the interconnect (each burst: a
// read of the source, then a write of the destination). Both footprints are
// bounds-checked against the memories before a byte moves; a failure sets
// STATUS.error with a cause and the offending address and raises the error
// interrupt. Until the command processor exists, firmware drives it through
// its registers (docs/dma.md).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <queue>
#include <string>
#include <systemc>
#include <tlm>
#include <unordered_map>
#include <vector>

#include "models/common/register_bank.h"
#include "models/isa/vtpu/dma.h"

namespace vtpu::dma {

struct MemoryRange {
  std::string name;
  uint64_t base, size;
};

struct DmaOptions {
  sc_core::sc_time clock_period;
  sc_core::sc_time register_latency;
  unsigned burst_bytes = 256;
  unsigned max_outstanding = 32;
  std::vector<MemoryRange> memories;  // where descriptors may point
};

class Dma : public Peripheral {
 public:
  tlm_utils::simple_initiator_socket<Dma> bus;
  sc_core::sc_out<bool> irq_done, irq_error;

  Dma(sc_core::sc_module_name name, const DmaOptions& options);

  // The command processor's way in: runs `copy` (from the calling process's
  // time) and calls `done` with VTPU_DMA_CAUSE_NONE or the error's cause and
  // address; such copies leave STATUS and the interrupts alone. Returns false
  // (and does nothing) while a copy runs.
  using Done = std::function<void(uint32_t cause, uint64_t address)>;
  bool submit(const vtpu_dma_desc& copy, Done done);

  bool busy() const { return busy_; }
  // Why `copy` must not run (VTPU_DMA_CAUSE_*, and the offending address), or
  // VTPU_DMA_CAUSE_NONE; the engine runs the same check before a copy.
  uint32_t check(const vtpu_dma_desc& copy, uint64_t& bad_address) const;
  uint64_t bytes_copied() const { return bytes_; }

 private:
  struct Burst {
    uint64_t src, dst;
    uint32_t length;
  };
  struct Slot {
    tlm::tlm_generic_payload trans;
    std::vector<uint8_t> data;
    Burst burst;
    bool writing = false;
  };
  struct Event {
    sc_core::sc_time at;
    unsigned slot;
    bool operator>(const Event& o) const { return at > o.at || (at == o.at && slot > o.slot); }
  };

  void start(uint32_t value);
  void clear_status(uint32_t value);
  void engine();  // SC_THREAD
  const MemoryRange* memory_of(uint64_t first, uint64_t last) const;
  void run_descriptor(const vtpu_dma_desc& d);
  void send(unsigned slot, bool write, const sc_core::sc_time& at);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  void fail(uint32_t cause, uint64_t address);
  void drive_irqs();

  DmaOptions options_;
  uint32_t desc_words_[VTPU_DMA_DESC_WORDS] = {};
  uint32_t flags_ = 0;
  bool done_irq_ = false;  // FLAGS.irq at the last register START
  uint32_t status_ = 0, cause_ = 0;
  uint64_t error_address_ = 0, bytes_ = 0;
  sc_core::sc_time busy_time_, started_at_;
  bool busy_ = false;
  vtpu_dma_desc pending_{};
  sc_core::sc_event start_event_, response_event_, irq_event_;
  std::vector<Slot> slots_;
  std::unordered_map<const tlm::tlm_generic_payload*, unsigned> slot_of_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  bool bus_error_ = false;
  uint64_t bus_error_address_ = 0;
  Done job_done_;  // set while a submit()ted copy runs
};

}  // namespace vtpu::dma
