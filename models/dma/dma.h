// The DMA engine: `channels` independent channels, each running one 4-D
// descriptor (vtpu/dma.h) at a time, split into bursts that never cross a
// `burst_bytes` boundary of the source, with up to `max_outstanding` bursts
// in flight through the interconnect (each burst: a read of the source, then
// a write of the destination). The channels share the engine's one port onto
// the interconnect: at most one burst leaves per cycle, whichever channel it
// belongs to. Both footprints are bounds-checked against the memories before
// a byte moves; a failure sets STATUS.error with a cause and the offending
// address and raises the error interrupt. The registers drive channel 0
// (docs/dma.md); the command processor's DMA queues drive one channel each.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <queue>
#include <random>
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
  unsigned max_outstanding = 32;  // per channel
  unsigned channels = 1;
  std::vector<MemoryRange> memories;  // where descriptors may point
  // Injected fault (faults.dma_abort_per_copy): the probability that a copy
  // aborts at a byte of its footprint drawn at random, and the stream's seed.
  double abort_per_copy = 0;
  uint64_t fault_seed = 1;
};

class Dma : public Peripheral {
 public:
  tlm_utils::simple_initiator_socket<Dma> bus;
  sc_core::sc_out<bool> irq_done, irq_error;

  Dma(sc_core::sc_module_name name, const DmaOptions& options);

  // The command processor's way in: runs `copy` on `channel` (from the
  // calling process's time) and calls `done` with VTPU_DMA_CAUSE_NONE or the
  // error's cause and address; such copies leave STATUS and the interrupts
  // alone. Returns false (and does nothing) while that channel runs a copy.
  using Done = std::function<void(uint32_t cause, uint64_t address)>;
  bool submit(unsigned channel, const vtpu_dma_desc& copy, Done done);

  unsigned channels() const { return static_cast<unsigned>(channels_.size()); }
  bool busy() const;  // any channel
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
  struct Channel {
    std::vector<Slot> slots;
    std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events;
    sc_core::sc_event start_event, response_event;
    vtpu_dma_desc pending{};
    bool busy = false;
    sc_core::sc_time busy_time, started_at;
    bool bus_error = false;
    uint64_t bus_error_address = 0;
    uint32_t bus_error_cause = 0;  // VTPU_DMA_CAUSE_BUS_ERROR, _MEMORY_ERROR or _ABORTED
    Done job_done;                 // set while a submit()ted copy runs
    // The slots free for the next burst. Kept here, not in the thread's
    // frame: a descriptor still running when the simulation ends (a stopped
    // run) would otherwise hold memory on a stack that never unwinds.
    std::vector<unsigned> free_slots;
  };
  struct SlotId {
    unsigned channel, slot;
  };

  void start(uint32_t value);
  void clear_status(uint32_t value);
  void engine(unsigned channel);  // a thread per channel
  const MemoryRange* memory_of(uint64_t first, uint64_t last) const;
  void run_descriptor(Channel& ch, const vtpu_dma_desc& d);
  // Sends a burst no earlier than `at` and no earlier than one cycle after
  // the port's last (any channel's).
  void send(Channel& ch, unsigned slot, bool write, sc_core::sc_time at);
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
  sc_core::sc_event irq_event_;
  std::vector<Channel> channels_;
  std::unordered_map<const tlm::tlm_generic_payload*, SlotId> slot_of_;
  std::mt19937_64 fault_rng_;   // faults.dma_abort_per_copy's draws, in copy order
  sc_core::sc_time port_free_;  // when the port may take the next burst
};

}  // namespace vtpu::dma
