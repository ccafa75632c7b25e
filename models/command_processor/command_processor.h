// The command processor: one in-order queue per unit (DMA, MXU, VPU) and a
// second DMA queue (the DMA engine's channel 1), fed by
// MMIO (16 instruction words, PUSH; DOORBELL releases what was pushed),
// hardware semaphores between the queues, a FENCE, completion and error
// interrupts, and performance counters (vtpu/isa.h, docs/isa.md).
//
// Each queue is a SystemC thread: it takes its head instruction, waits for
// the instruction's semaphore, checks it against its unit, runs it (the unit's
// functional model at the start, then the unit's time), signals, and moves on.
// A wait that nothing released can satisfy is found when every queue is either
// empty or stuck (waiting on a semaphore at zero, or on a fence behind a stuck
// queue): that is reported as VTPU_ERR_DEADLOCK instead of a hang. Any error
// stops the processor: its registers say what and where, the error interrupt
// rises, and every queue is flushed (running instructions finish).
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <systemc>
#include <vector>

#include "models/common/register_bank.h"
#include "models/common/trace.h"
#include "models/dma/dma.h"
#include "models/isa/vtpu/isa.h"
#include "models/memory/ram.h"
#include "models/mxu/engine.h"

namespace vtpu::cp {

struct CpOptions {
  sc_core::sc_time clock_period, register_latency;
  mxu::ArrayConfig array;
  unsigned vpu_lanes = 32;
  memory::Ram* vmem = nullptr;
  uint64_t vmem_base = 0;
  memory::Ram* amem = nullptr;
  uint64_t amem_base = 0;
  memory::Ram* core_ram = nullptr;  // where instruction rings may live (with VMEM)
  uint64_t core_ram_base = 0;
  dma::Dma* dma = nullptr;              // may be null: DMA instructions then fail
  uint64_t hbm_base = 0, hbm_size = 0;  // for the HBM byte counters
  // What computes MATMULs (mxu.backend, mxu.record); null: the TLM model of `array`.
  mxu::MatmulEngine* engine = nullptr;
  // Slow units (faults.*_slowdown, docs/faults.md): each instruction of the
  // unit takes this many times its time.
  double mxu_slowdown = 1, vpu_slowdown = 1, dma_slowdown = 1;
  // Stuck units (faults.*_stuck_after): the unit never finishes its Nth
  // instruction (counted from 1; 0: never stuck). The DMA's count covers both
  // DMA queues.
  uint64_t mxu_stuck_after = 0, vpu_stuck_after = 0, dma_stuck_after = 0;
};

// One instruction's run, for tests and traces (when recording is on).
struct Executed {
  unsigned queue;
  uint8_t opcode;
  sc_core::sc_time start, end;  // after its wait; done
};

struct CpError {
  uint32_t cause = VTPU_ERR_NONE, queue = 0, opcode = 0, detail = 0;
  uint64_t address = 0;
};

class CommandProcessor : public Peripheral {
 public:
  sc_core::sc_out<bool> irq_done, irq_error;

  CommandProcessor(sc_core::sc_module_name name, const CpOptions& options);

  // The same paths as the PUSH and DOORBELL registers (for tools and tests),
  // at the current simulated time.
  void push(unsigned queue, const vtpu_insn& insn);
  void release();
  void clear_error() { write_status(VTPU_CP_STATUS_ERROR); }
  void clear_done() { write_status(VTPU_CP_STATUS_DONE); }

  uint64_t counter(unsigned c) const { return counters_[c]; }
  const CpError& error() const { return error_; }
  bool has_error() const { return status_ & VTPU_CP_STATUS_ERROR; }
  // True when nothing is pushed, queued or running.
  bool idle() const;
  // Cycles of the last MATMUL: the array's own and start-to-done.
  uint64_t last_matmul_array_cycles() const { return last_array_cycles_; }
  uint64_t last_matmul_cycles() const { return last_matmul_cycles_; }
  // Keeps a record of every instruction run from now on.
  void record_executions(bool on) { recording_ = on; }
  // Adds each queue's busy flag and depth to a waveform file (--vcd).
  void trace_signals(sc_core::sc_trace_file* file) const;
  // Sends every instruction run (NOP and FENCE excepted) to `sink` (null: none).
  void set_trace(TraceSink* sink) { trace_ = sink; }
  const std::vector<Executed>& executed() const { return executed_; }
  // The instructions executing now, oldest first: "the MXU queue's MATMUL of
  // layer 3 (since 12.5 us)", joined by "; " ("" when none); and the layer
  // tag of the oldest (-1 when none): what a run that stopped was doing.
  std::string running_description() const;
  int64_t oldest_running_tag() const;

 private:
  struct Entry {
    vtpu_insn insn;
    uint64_t seq;  // push order, across queues
    uint32_t tag;  // the TAG register when it was released
  };
  struct Queue {
    std::deque<Entry> pushed, released;  // released: the head is the one in progress
    std::deque<Entry> staged;            // released by a doorbell whose time has not come yet
    uint32_t words[VTPU_INSN_WORDS] = {};
    uint32_t ring_base = 0, ring_size = 0;
    uint32_t ring_tail = 0;     // entries taken in
    uint32_t ring_written = 0;  // the tail firmware wrote (taken in at the doorbell)
    bool waiting_semaphore = false, waiting_fence = false, running = false;
    sc_core::sc_time running_since;  // while running
    uint32_t depth = 0;              // released instructions not yet done (for waveforms)
    uint8_t semaphore = 0;
    uint64_t fence_seq = 0;
  };

  void run_queue(unsigned q);
  // Register writes take effect at the writer's time (the core runs ahead of
  // SystemC time): `action` runs then, in order.
  void defer(std::function<void()> action);
  void apply_deferred();  // SC_METHOD
  // The checks an instruction passes before it waits or runs (`detail`: the
  // DMA's cause for a refused copy).
  UnitFault validate(const vtpu_insn& insn, uint32_t& detail) const;
  // At the doorbell: takes in queue q's ring entries up to the tail written.
  void take_in_ring(unsigned q);
  // Runs the head of queue q (after its wait); false when it failed.
  bool execute(unsigned q, const vtpu_insn& insn);
  bool run_dma(unsigned q, const vtpu_insn& insn);
  bool run_matmul(const vtpu_insn& insn);
  // The other units' share of the VMEM ports' time since the previous MATMUL
  // began, in thousandths (what an `auto` array weighs); starts a new window.
  uint32_t others_port_permille(const sc_core::sc_time& now);
  bool run_vpu(const vtpu_insn& insn);
  // The RAM (VMEM or AMEM) holding `address`, for port booking.
  memory::Ram* ram_at(uint64_t address) const;
  // Whether every instruction released before `seq` in the other queues (but
  // those a FENCE's VTPU_INSN_FENCE_SKIP `flags` leave out) is done.
  bool fence_clear(unsigned q, uint64_t seq, uint8_t flags) const;
  bool stuck(unsigned q) const;
  void check_deadlock();
  void fail(unsigned q, uint32_t opcode, uint32_t cause, uint64_t address, uint32_t detail = 0);
  void complete(unsigned q, const Entry& e);
  void write_status(uint32_t value);
  void drive_irqs();

  CpOptions options_;
  mxu::Memory vmem_, amem_, core_ram_;
  mxu::Fed fed_;  // the last MATMUL whose A rows came in pieces or lines, as the array saw it
  std::array<Queue, VTPU_QUEUES> queues_;
  std::array<uint32_t, VTPU_SEMAPHORES> semaphores_{};
  std::array<uint64_t, VTPU_COUNTERS> counters_{};
  uint64_t next_seq_ = 0;
  uint32_t tag_ = 0;  // VTPU_CP_TAG
  uint32_t status_ = 0;
  CpError error_;
  uint64_t last_array_cycles_ = 0, last_matmul_cycles_ = 0;
  // The VMEM port time MATMULs booked, and the other units' since window_start_.
  sc_core::sc_time mxu_port_busy_, others_at_window_start_, window_start_;
  std::unique_ptr<mxu::MatmulEngine> own_engine_;  // when the options give none
  mxu::MatmulEngine* engine_ = nullptr;
  bool recording_ = false;
  TraceSink* trace_ = nullptr;
  std::vector<Executed> executed_;
  struct DmaJob {  // a DMA queue's copy in progress on its channel
    uint32_t cause = 0;
    uint64_t address = 0;
    sc_core::sc_event done;
  };
  std::array<DmaJob, 2> dma_jobs_;
  unsigned dma_running_ = 0;  // DMA queues with an instruction in progress
  sc_core::sc_time dma_busy_since_;
  struct Deferred {
    sc_core::sc_time at;
    std::function<void()> action;
  };
  std::deque<Deferred> deferred_;
  sc_core::sc_event released_event_, changed_event_, irq_event_, deferred_event_;
  sc_core::sc_event never_;  // what a stuck unit waits for (faults.*_stuck_after)
  uint64_t mxu_run_ = 0, vpu_run_ = 0, dma_run_ = 0;  // instructions begun, per unit
};

}  // namespace vtpu::cp
