#include "models/command_processor/command_processor.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "models/isa/vtpu/names.h"
#include "models/vpu/vpu.h"

namespace vtpu::cp {

using Access = RegisterBank::Access;
static_assert(sizeof(vtpu_insn) == VTPU_INSN_BYTES, "an instruction is 64 bytes");
static_assert(sizeof(vtpu_insn_matmul) == VTPU_INSN_BYTES, "MATMUL is 64 bytes");
static_assert(sizeof(vtpu_insn_vpu) == VTPU_INSN_BYTES, "VPU is 64 bytes");
static_assert(sizeof(vtpu_insn_dma) == VTPU_INSN_BYTES, "DMA is 64 bytes");

namespace {

// The queue each opcode belongs to (NOP and FENCE: any).
bool belongs(uint8_t opcode, unsigned queue) {
  switch (opcode) {
    case VTPU_OP_NOP:
    case VTPU_OP_FENCE: return true;
    case VTPU_OP_DMA: return queue == VTPU_QUEUE_DMA || queue == VTPU_QUEUE_DMA1;
    case VTPU_OP_MATMUL: return queue == VTPU_QUEUE_MXU;
    case VTPU_OP_VPU: return queue == VTPU_QUEUE_VPU;
    default: return false;
  }
}

// An instruction's end when its unit is `factor` times slower (faults.*_slowdown).
sc_core::sc_time slowed(sc_core::sc_time start, sc_core::sc_time end, double factor) {
  return factor > 1 ? start + (end - start) * factor : end;
}

}  // namespace

CommandProcessor::CommandProcessor(sc_core::sc_module_name name, const CpOptions& options)
    : Peripheral(name, options.register_latency),
      irq_done("irq_done"),
      irq_error("irq_error"),
      options_(options),
      own_engine_(options.engine ? nullptr : mxu::tlm_engine(options.array)),
      engine_(options.engine ? options.engine : own_engine_.get()) {
  if (options.vmem)
    vmem_ = mxu::Memory{options.vmem_base, options.vmem->size(), options.vmem->data()};
  if (options.amem)
    amem_ = mxu::Memory{options.amem_base, options.amem->size(), options.amem->data()};
  if (options.core_ram)
    core_ram_ =
        mxu::Memory{options.core_ram_base, options.core_ram->size(), options.core_ram->data()};
  for (unsigned q = 0; q < VTPU_QUEUES; ++q) {
    const std::string tag = "q" + std::to_string(q) + "_";
    for (unsigned w = 0; w < VTPU_INSN_WORDS; ++w)
      regs_.add_storage(tag + "insn" + std::to_string(w), VTPU_CP_QUEUE(q) + VTPU_CP_INSN + 4 * w,
                        queues_[q].words[w]);
    regs_.add(tag + "push", VTPU_CP_QUEUE(q) + VTPU_CP_PUSH, Access::kWriteOnly, nullptr,
              [this, q](uint32_t) {
                vtpu_insn insn;
                std::memcpy(&insn, queues_[q].words, sizeof insn);
                push(q, insn);
              });
    regs_.add(tag + "pending", VTPU_CP_QUEUE(q) + VTPU_CP_PENDING, Access::kReadOnly, [this, q] {
      const Queue& queue = queues_[q];
      return static_cast<uint32_t>(queue.pushed.size() + queue.staged.size() +
                                   queue.released.size());
    });
    regs_.add_storage(tag + "ring_base", VTPU_CP_QUEUE(q) + VTPU_CP_RING_BASE,
                      queues_[q].ring_base);
    regs_.add_storage(tag + "ring_size", VTPU_CP_QUEUE(q) + VTPU_CP_RING_SIZE,
                      queues_[q].ring_size);
    regs_.add(tag + "ring_tail", VTPU_CP_QUEUE(q) + VTPU_CP_RING_TAIL, Access::kWriteOnly, nullptr,
              [this, q](uint32_t tail) { queues_[q].ring_written = tail; });
    regs_.add(tag + "ring_head", VTPU_CP_QUEUE(q) + VTPU_CP_RING_HEAD, Access::kReadOnly,
              [this, q] { return queues_[q].ring_tail; });
  }
  regs_.add("doorbell", VTPU_CP_DOORBELL, Access::kWriteOnly, nullptr,
            [this](uint32_t) { release(); });
  regs_.add(
      "status", VTPU_CP_STATUS, Access::kReadWrite,
      [this] {
        uint32_t s = status_;
        for (unsigned q = 0; q < VTPU_QUEUES; ++q)
          if (!queues_[q].pushed.empty() || !queues_[q].staged.empty() ||
              !queues_[q].released.empty())
            s |= VTPU_CP_STATUS_BUSY(q);
        return s;
      },
      [this](uint32_t v) { write_status(v); });
  regs_.add("err_cause", VTPU_CP_ERR_CAUSE, Access::kReadOnly, [this] { return error_.cause; });
  regs_.add("err_queue", VTPU_CP_ERR_QUEUE, Access::kReadOnly, [this] { return error_.queue; });
  regs_.add("err_opcode", VTPU_CP_ERR_OPCODE, Access::kReadOnly, [this] { return error_.opcode; });
  regs_.add("err_addr", VTPU_CP_ERR_ADDR, Access::kReadOnly,
            [this] { return static_cast<uint32_t>(error_.address); });
  regs_.add("err_detail", VTPU_CP_ERR_DETAIL, Access::kReadOnly, [this] { return error_.detail; });
  regs_.add("completed", VTPU_CP_COMPLETED, Access::kReadOnly,
            [this] { return static_cast<uint32_t>(counters_[VTPU_CNT_INSNS]); });
  regs_.add_storage("tag", VTPU_CP_TAG, tag_);
  for (unsigned s = 0; s < VTPU_SEMAPHORES; ++s)
    regs_.add(
        "sem" + std::to_string(s), VTPU_CP_SEM(s), Access::kReadWrite,
        [this, s] { return semaphores_[s]; },
        [this, s](uint32_t v) {
          defer([this, s, v] {
            semaphores_[s] = v;
            changed_event_.notify(sc_core::SC_ZERO_TIME);
          });
        });
  for (unsigned c = 0; c < VTPU_COUNTERS; ++c) {
    regs_.add64("counter" + std::to_string(c), VTPU_CP_COUNTER_LO(c), Access::kReadOnly,
                [this, c] { return counters_[c]; });
  }
  for (unsigned q = 0; q < VTPU_QUEUES; ++q)
    sc_core::sc_spawn([this, q] { run_queue(q); }, sc_core::sc_gen_unique_name("queue"));
  SC_HAS_PROCESS(CommandProcessor);
  SC_METHOD(drive_irqs);
  sensitive << irq_event_;
  SC_METHOD(apply_deferred);
  sensitive << deferred_event_;
  dont_initialize();
}

bool CommandProcessor::idle() const {
  for (const Queue& q : queues_)
    if (!q.pushed.empty() || !q.staged.empty() || !q.released.empty()) return false;
  return true;
}

void CommandProcessor::defer(std::function<void()> action) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time at = std::max(access_time(), now);
  deferred_.push_back(Deferred{at, std::move(action)});
  deferred_event_.notify(at - now);
}

void CommandProcessor::apply_deferred() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  while (!deferred_.empty() && deferred_.front().at <= now) {
    std::function<void()> action = std::move(deferred_.front().action);
    deferred_.pop_front();
    action();
  }
  if (!deferred_.empty()) deferred_event_.notify(deferred_.front().at - now);
}

void CommandProcessor::push(unsigned q, const vtpu_insn& insn) {
  if (has_error()) return;  // stopped until the error is cleared
  Queue& queue = queues_[q];
  if (queue.pushed.size() + queue.staged.size() + queue.released.size() >= VTPU_QUEUE_DEPTH) {
    fail(q, insn.h.opcode, VTPU_ERR_OVERFLOW, VTPU_QUEUE_DEPTH);
    return;
  }
  queue.pushed.push_back(Entry{insn, next_seq_++, 0});
}

void CommandProcessor::release() {
  if (has_error()) return;
  // What is released is fixed now; it becomes visible at the doorbell's time.
  std::array<size_t, VTPU_QUEUES> count{};
  for (unsigned q = 0; q < VTPU_QUEUES; ++q) {
    Queue& queue = queues_[q];
    const size_t before = queue.staged.size();
    for (Entry& e : queue.pushed) {
      e.tag = tag_;
      queue.staged.push_back(e);
    }
    queue.pushed.clear();
    take_in_ring(q);
    if (has_error()) return;
    count[q] = queue.staged.size() - before;
  }
  defer([this, count] {
    for (unsigned q = 0; q < VTPU_QUEUES; ++q) {
      Queue& queue = queues_[q];
      for (size_t i = 0; i < count[q] && !queue.staged.empty(); ++i) {
        queue.released.push_back(queue.staged.front());
        queue.staged.pop_front();
      }
      queue.depth = static_cast<uint32_t>(queue.released.size());
    }
    released_event_.notify(sc_core::SC_ZERO_TIME);
  });
}

void CommandProcessor::take_in_ring(unsigned q) {
  Queue& queue = queues_[q];
  const uint32_t entries = queue.ring_written - queue.ring_tail;
  if (entries == 0) return;
  if (queue.ring_size == 0 || (queue.ring_size & (queue.ring_size - 1)) != 0 ||
      queue.ring_base % VTPU_INSN_BYTES != 0) {
    fail(q, 0, VTPU_ERR_SHAPE, queue.ring_size);
    return;
  }
  if (entries > queue.ring_size) {
    fail(q, 0, VTPU_ERR_OVERFLOW, entries);
    return;
  }
  for (uint32_t i = 0; i < entries; ++i) {
    const uint64_t address =
        queue.ring_base + uint64_t{(queue.ring_tail + i) & (queue.ring_size - 1)} * VTPU_INSN_BYTES;
    const mxu::Memory* memory = core_ram_.contains(address, VTPU_INSN_BYTES) ? &core_ram_
                                : vmem_.contains(address, VTPU_INSN_BYTES)   ? &vmem_
                                                                             : nullptr;
    if (memory == nullptr) {
      fail(q, 0, VTPU_ERR_ADDRESS, address);
      return;
    }
    Entry e;
    std::memcpy(&e.insn, memory->data + (address - memory->base), sizeof e.insn);
    e.seq = next_seq_++;
    e.tag = tag_;
    queue.staged.push_back(e);
  }
  queue.ring_tail = queue.ring_written;
}

void CommandProcessor::write_status(uint32_t value) {
  status_ &= ~(value & (VTPU_CP_STATUS_DONE | VTPU_CP_STATUS_ERROR));
  if (value & VTPU_CP_STATUS_ERROR) error_ = CpError{};
  irq_event_.notify(sc_core::SC_ZERO_TIME);
}

void CommandProcessor::drive_irqs() {
  irq_done.write(status_ & VTPU_CP_STATUS_DONE);
  irq_error.write(status_ & VTPU_CP_STATUS_ERROR);
}

void CommandProcessor::fail(unsigned q, uint32_t opcode, uint32_t cause, uint64_t address,
                            uint32_t detail) {
  if (has_error()) return;
  error_ = CpError{cause, q, opcode, detail, address};
  status_ |= VTPU_CP_STATUS_ERROR;
  // Flush: nothing more starts; an instruction in progress elsewhere finishes.
  for (Queue& queue : queues_) {
    queue.pushed.clear();
    queue.staged.clear();
    if (queue.running && !queue.released.empty())
      queue.released.resize(1);
    else
      queue.released.clear();
    queue.depth = static_cast<uint32_t>(queue.released.size());
  }
  irq_event_.notify(sc_core::SC_ZERO_TIME);
  changed_event_.notify(sc_core::SC_ZERO_TIME);
}

bool CommandProcessor::fence_clear(unsigned q, uint64_t seq, uint8_t flags) const {
  for (unsigned p = 0; p < VTPU_QUEUES; ++p)
    if (p != q && !(flags & VTPU_INSN_FENCE_SKIP(p)) && !queues_[p].released.empty() &&
        queues_[p].released.front().seq < seq)
      return false;
  return true;
}

// A queue that cannot move without another queue moving first.
bool CommandProcessor::stuck(unsigned q) const {
  const Queue& queue = queues_[q];
  if (queue.released.empty()) return true;
  if (queue.waiting_semaphore) return semaphores_[queue.semaphore] == 0;
  if (queue.waiting_fence)
    return !fence_clear(q, queue.fence_seq, queue.released.front().insn.h.flags);
  return false;
}

void CommandProcessor::check_deadlock() {
  int blocked = -1;
  for (unsigned q = 0; q < VTPU_QUEUES; ++q) {
    if (!stuck(q)) return;
    if (blocked < 0 && queues_[q].waiting_semaphore) blocked = static_cast<int>(q);
  }
  if (blocked < 0) return;
  const Queue& queue = queues_[blocked];
  fail(static_cast<unsigned>(blocked), queue.released.front().insn.h.opcode, VTPU_ERR_DEADLOCK,
       queue.semaphore);
}

void CommandProcessor::run_queue(unsigned q) {
  Queue& queue = queues_[q];
  for (;;) {
    while (queue.released.empty()) {
      check_deadlock();
      sc_core::wait(released_event_);
    }
    const Entry head = queue.released.front();
    const vtpu_insn& insn = head.insn;
    auto flushed = [&] { return queue.released.empty() || queue.released.front().seq != head.seq; };

    if (!belongs(insn.h.opcode, q)) {
      fail(q, insn.h.opcode, VTPU_ERR_OPCODE, insn.h.opcode);
      continue;
    }
    const uint8_t wait_on = insn.h.wait_sem, signal = insn.h.signal_sem;
    const bool bad_wait = wait_on != VTPU_SEM_NONE && wait_on >= VTPU_SEMAPHORES;
    if (bad_wait || (signal != VTPU_SEM_NONE && signal >= VTPU_SEMAPHORES)) {
      fail(q, insn.h.opcode, VTPU_ERR_SEMAPHORE, bad_wait ? wait_on : signal);
      continue;
    }
    // Checked before it waits: a bad instruction takes no semaphore count.
    uint32_t detail = 0;
    const UnitFault fault = validate(insn, detail);
    if (!fault.ok()) {
      fail(q, insn.h.opcode, fault.cause, fault.address, detail);
      continue;
    }
    if (wait_on != VTPU_SEM_NONE) {
      queue.waiting_semaphore = true;
      queue.semaphore = wait_on;
      while (!flushed() && semaphores_[wait_on] == 0) {
        check_deadlock();
        if (flushed()) break;
        sc_core::wait(changed_event_);
      }
      queue.waiting_semaphore = false;
      if (flushed()) continue;
      --semaphores_[wait_on];
    }
    if (insn.h.opcode == VTPU_OP_FENCE) {
      queue.waiting_fence = true;
      queue.fence_seq = head.seq;
      while (!flushed() && !fence_clear(q, head.seq, insn.h.flags)) {
        check_deadlock();
        if (flushed()) break;
        sc_core::wait(changed_event_);
      }
      queue.waiting_fence = false;
      if (flushed()) continue;
    }

    queue.running = true;
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    queue.running_since = start;
    const bool dma = q == VTPU_QUEUE_DMA || q == VTPU_QUEUE_DMA1;
    if (dma && dma_running_++ == 0) dma_busy_since_ = start;
    sc_core::wait(options_.clock_period);  // decode
    const bool ok = execute(q, insn);
    queue.running = false;
    const uint64_t busy = (sc_core::sc_time_stamp() - start) / options_.clock_period;
    if (dma && --dma_running_ == 0)  // cycles either DMA queue was busy
      counters_[VTPU_CNT_DMA_BUSY] +=
          (sc_core::sc_time_stamp() - dma_busy_since_) / options_.clock_period;
    if (q == VTPU_QUEUE_MXU) counters_[VTPU_CNT_MXU_BUSY] += busy;
    if (q == VTPU_QUEUE_VPU) counters_[VTPU_CNT_VPU_BUSY] += busy;
    if (recording_)
      executed_.push_back(Executed{q, insn.h.opcode, start, sc_core::sc_time_stamp()});
    if (trace_ && insn.h.opcode != VTPU_OP_NOP && insn.h.opcode != VTPU_OP_FENCE) {
      const vtpu_dma_desc& d = insn.dma.copy;
      const uint64_t bytes = insn.h.opcode == VTPU_OP_DMA
                                 ? uint64_t{d.size[0]} * d.size[1] * d.size[2] * d.size[3]
                                 : 0;
      const size_t after = queue.released.empty() ? 0 : queue.released.size() - 1;
      trace_->instruction(q, insn, start, sc_core::sc_time_stamp(), bytes,
                          static_cast<uint32_t>(after), head.tag);
    }
    if (ok) complete(q, head);
    if (!queue.released.empty() && queue.released.front().seq == head.seq)
      queue.released.pop_front();
    queue.depth = static_cast<uint32_t>(queue.released.size());
    changed_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

std::string CommandProcessor::running_description() const {
  std::vector<std::pair<sc_core::sc_time, std::string>> running;
  for (unsigned q = 0; q < VTPU_QUEUES; ++q) {
    const Queue& queue = queues_[q];
    if (!queue.running || queue.released.empty()) continue;
    const Entry& head = queue.released.front();
    running.emplace_back(queue.running_since,
                         std::string("the ") + vtpu_queue_name(q) + " queue's " +
                             vtpu_opcode_name(head.insn.h.opcode) + " of layer " +
                             std::to_string(head.tag) + " (since " +
                             queue.running_since.to_string() + ")");
  }
  std::sort(running.begin(), running.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string text;
  for (const auto& [since, what] : running) text += (text.empty() ? "" : "; ") + what;
  return text;
}

int64_t CommandProcessor::oldest_running_tag() const {
  int64_t tag = -1;
  sc_core::sc_time oldest;
  for (const Queue& queue : queues_)
    if (queue.running && !queue.released.empty() && (tag < 0 || queue.running_since < oldest)) {
      tag = queue.released.front().tag;
      oldest = queue.running_since;
    }
  return tag;
}

void CommandProcessor::complete(unsigned, const Entry& e) {
  ++counters_[VTPU_CNT_INSNS];
  if (e.insn.h.signal_sem != VTPU_SEM_NONE) ++semaphores_[e.insn.h.signal_sem];
  if (e.insn.h.flags & VTPU_INSN_IRQ) {
    status_ |= VTPU_CP_STATUS_DONE;
    irq_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

UnitFault CommandProcessor::validate(const vtpu_insn& insn, uint32_t& detail) const {
  detail = 0;
  switch (insn.h.opcode) {
    case VTPU_OP_MATMUL:
      if (!mxu::for_instruction(options_.array, insn.matmul))
        return UnitFault{VTPU_ERR_DATAFLOW, insn.matmul.dataflow};
      return mxu::check(insn.matmul, vmem_, amem_);
    case VTPU_OP_VPU: return vpu::check(insn.vpu, {vmem_, amem_});
    case VTPU_OP_DMA: {
      if (options_.dma == nullptr) return UnitFault{VTPU_ERR_DMA, 0};
      uint64_t address = 0;
      detail = options_.dma->check(insn.dma.copy, address);  // the DMA's cause
      if (detail != VTPU_DMA_CAUSE_NONE) return UnitFault{VTPU_ERR_DMA, address};
      return UnitFault{};
    }
    default: return UnitFault{};
  }
}

bool CommandProcessor::execute(unsigned q, const vtpu_insn& insn) {
  // A stuck unit (faults.*_stuck_after) never finishes this instruction.
  const uint8_t op = insn.h.opcode;
  const uint64_t stuck_after = op == VTPU_OP_MATMUL ? options_.mxu_stuck_after
                               : op == VTPU_OP_VPU  ? options_.vpu_stuck_after
                               : op == VTPU_OP_DMA  ? options_.dma_stuck_after
                                                    : 0;
  uint64_t* begun = op == VTPU_OP_MATMUL ? &mxu_run_
                    : op == VTPU_OP_VPU  ? &vpu_run_
                    : op == VTPU_OP_DMA  ? &dma_run_
                                         : nullptr;
  if (begun && ++*begun == stuck_after) sc_core::wait(never_);
  switch (insn.h.opcode) {
    case VTPU_OP_NOP:
    case VTPU_OP_FENCE: return true;
    case VTPU_OP_DMA: return run_dma(q, insn);
    case VTPU_OP_MATMUL: return run_matmul(insn);
    case VTPU_OP_VPU: return run_vpu(insn);
    default: fail(q, insn.h.opcode, VTPU_ERR_OPCODE, insn.h.opcode); return false;
  }
}

bool CommandProcessor::run_dma(unsigned q, const vtpu_insn& insn) {
  const vtpu_dma_desc& copy = insn.dma.copy;
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  const unsigned channel = q == VTPU_QUEUE_DMA1 ? 1 : 0;
  DmaJob& job = dma_jobs_[channel];
  const bool started =
      options_.dma && options_.dma->submit(channel, copy, [&job](uint32_t c, uint64_t a) {
        job.cause = c;
        job.address = a;
        job.done.notify(sc_core::SC_ZERO_TIME);
      });
  if (!started) {
    fail(q, insn.h.opcode, VTPU_ERR_DMA, 0, VTPU_DMA_CAUSE_BUSY);
    return false;
  }
  sc_core::wait(job.done);
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (options_.dma_slowdown > 1) sc_core::wait(slowed(start, now, options_.dma_slowdown) - now);
  if (job.cause != VTPU_DMA_CAUSE_NONE) {
    fail(q, insn.h.opcode, VTPU_ERR_DMA, job.address, job.cause);
    return false;
  }
  const uint64_t bytes = uint64_t{copy.size[0]} * copy.size[1] * copy.size[2] * copy.size[3];
  counters_[VTPU_CNT_DMA_BYTES] += bytes;
  auto in_hbm = [this](uint64_t a) {
    return a >= options_.hbm_base && a - options_.hbm_base < options_.hbm_size;
  };
  if (in_hbm(copy.src)) counters_[VTPU_CNT_HBM_READ] += bytes;
  if (in_hbm(copy.dst)) counters_[VTPU_CNT_HBM_WRITE] += bytes;
  return true;
}

// validate() has checked the instruction before its wait.
bool CommandProcessor::run_matmul(const vtpu_insn& insn) {
  const vtpu_insn_matmul& x = insn.matmul;
  // Time: the array's cycles, or longer if the VMEM ports cannot feed A and B.
  // The partial sums go through the accumulators' own read-modify-write path
  // (a row of C per cycle, what the array produces), not through the AMEM
  // ports the VPU and the DMA share (docs/memory.md).
  // The dataflow is settled once (an `auto` array's pick): the engine gets
  // the instruction with it named.
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  mxu::ArrayConfig measured = options_.array;
  measured.port_busy_permille = others_port_permille(start);
  const mxu::ArrayConfig array = *mxu::for_instruction(measured, x);  // validate()d
  const bool os = array.dataflow == mxu::Dataflow::kOutputStationary;
  vtpu_insn_matmul settled = x;
  settled.dataflow = os ? VTPU_DATAFLOW_OS : VTPU_DATAFLOW_WS;
  const auto start_ps = static_cast<uint64_t>(start / sc_core::sc_time(1, sc_core::SC_PS) + 0.5);
  // A's rows in pieces or lines reach the array laid end to end (its feeder's work).
  const bool fed = mxu::feed(settled, vmem_, fed_);
  const std::optional<mxu::MatmulDone> done =
      engine_->run(fed ? fed_.insn : settled, fed ? fed_.vmem : vmem_, amem_, start_ps);
  if (!done) return true;  // the engine ended the run
  const uint64_t cycles = done->cycles;
  counters_[VTPU_CNT_MACS] += done->macs;
  ++counters_[os ? VTPU_CNT_MATMUL_OS : VTPU_CNT_MATMUL_WS];
  const mxu::Traffic t = mxu::traffic(x, array);
  // A and B stream through as many VMEM ports as carry them in the array's
  // cycles; the others stay free for the DMA and the VPU (booked whole on
  // one port each, A and B held two ports for the instruction's length).
  const sc_core::sc_time before = options_.vmem->port_busy();
  const sc_core::sc_time fed_end =
      std::max(start + options_.clock_period * static_cast<double>(cycles),
               options_.vmem->reserve_stream(start, t.a_bytes + t.b_bytes, cycles));
  mxu_port_busy_ += options_.vmem->port_busy() - before;
  const sc_core::sc_time end = slowed(start, fed_end, options_.mxu_slowdown);
  sc_core::wait(end - start);
  last_array_cycles_ = cycles;
  last_matmul_cycles_ = static_cast<uint64_t>((end - start) / options_.clock_period) + 1;
  return true;
}

uint32_t CommandProcessor::others_port_permille(const sc_core::sc_time& now) {
  const sc_core::sc_time others = options_.vmem->port_busy() - mxu_port_busy_;
  const sc_core::sc_time window = now - window_start_;
  uint32_t permille = 0;
  if (window > sc_core::SC_ZERO_TIME && options_.array.vmem_port_bytes)
    permille = static_cast<uint32_t>(std::min(
        1000.0, 1000.0 * ((others - others_at_window_start_) / window) / options_.vmem->ports()));
  others_at_window_start_ = others;
  window_start_ = now;
  return permille;
}

memory::Ram* CommandProcessor::ram_at(uint64_t address) const {
  if (vmem_.contains(address, 1)) return options_.vmem;
  if (amem_.contains(address, 1)) return options_.amem;
  return nullptr;
}

bool CommandProcessor::run_vpu(const vtpu_insn& insn) {
  const vtpu_insn_vpu& v = insn.vpu;
  vpu::execute(v, {vmem_, amem_});
  const uint64_t outputs = vpu::output_elements(v);
  counters_[VTPU_CNT_VPU_ELEMS] += outputs;
  // Time: the lanes' table, or longer if the memories' ports cannot keep up.
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  sc_core::sc_time end =
      start + options_.clock_period * static_cast<double>(vpu::cycles(v, options_.vpu_lanes));
  if (memory::Ram* ram = ram_at(v.a_addr))
    end = std::max(end, ram->reserve(start, vpu::work_elements(v) * vtpu_type_size(v.a_type)));
  if (memory::Ram* ram = ram_at(v.d_addr))
    end = std::max(end, ram->reserve(start, outputs * vtpu_type_size(v.d_type)));
  // REQUANT_ADD's residual: an int8 read per output.
  if (vpu::reads_residual(v.op))
    if (memory::Ram* ram = ram_at(v.r_addr)) end = std::max(end, ram->reserve(start, outputs));
  end = slowed(start, end, options_.vpu_slowdown);
  sc_core::wait(end - start);
  return true;
}

void CommandProcessor::trace_signals(sc_core::sc_trace_file* file) const {
  static const char* const names[VTPU_QUEUES] = {"dma", "mxu", "vpu", "dma1"};
  for (unsigned q = 0; q < VTPU_QUEUES; ++q) {
    sc_core::sc_trace(file, queues_[q].running, std::string(names[q]) + "_busy");
    sc_core::sc_trace(file, queues_[q].depth, std::string(names[q]) + "_queue_depth");
  }
}

}  // namespace vtpu::cp
