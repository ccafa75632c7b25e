#include "models/dma/dma.h"

#include <algorithm>
#include <cstring>

namespace vtpu::dma {

using Access = RegisterBank::Access;
static_assert(sizeof(vtpu_dma_desc) == 56, "the descriptor is 14 words on RV32 and the host");

Dma::Dma(sc_core::sc_module_name name, const DmaOptions& options)
    : Peripheral(name, options.register_latency),
      bus("bus"),
      irq_done("irq_done"),
      irq_error("irq_error"),
      options_(options),
      channels_(std::max(1u, options.channels)),
      fault_rng_(options.fault_seed ^ 0x646d61u /* "dma": not the HBM's stream */) {
  for (unsigned i = 0; i < VTPU_DMA_DESC_WORDS; ++i)
    regs_.add_storage("desc" + std::to_string(i), VTPU_DMA_DESC + 4 * i, desc_words_[i]);
  regs_.add_storage("flags", VTPU_DMA_FLAGS, flags_);
  regs_.add("start", VTPU_DMA_START, Access::kWriteOnly, nullptr, [this](uint32_t v) { start(v); });
  regs_.add(
      "status", VTPU_DMA_STATUS, Access::kReadWrite,
      [this] { return status_ | (channels_[0].busy ? VTPU_DMA_STATUS_BUSY : 0); },
      [this](uint32_t v) { clear_status(v); });
  regs_.add("cause", VTPU_DMA_CAUSE, Access::kReadOnly, [this] { return cause_; });
  regs_.add64("err_addr", VTPU_DMA_ERR_ADDR_LO, Access::kReadOnly,
              [this] { return error_address_; });
  regs_.add64("bytes", VTPU_DMA_BYTES_LO, Access::kReadOnly, [this] { return bytes_; });
  auto busy_cycles = [this] {  // channel 0's, which the registers drive
    const Channel& ch = channels_[0];
    sc_core::sc_time t = ch.busy_time + (ch.busy && sc_core::sc_time_stamp() > ch.started_at
                                             ? sc_core::sc_time_stamp() - ch.started_at
                                             : sc_core::SC_ZERO_TIME);
    return static_cast<uint64_t>(t / options_.clock_period);
  };
  regs_.add64("busy", VTPU_DMA_BUSY_LO, Access::kReadOnly, busy_cycles);

  for (unsigned c = 0; c < channels_.size(); ++c) {
    Channel& ch = channels_[c];
    ch.slots = std::vector<Slot>(options_.max_outstanding);
    for (unsigned i = 0; i < ch.slots.size(); ++i) {
      ch.slots[i].data.resize(options_.burst_bytes);
      slot_of_[&ch.slots[i].trans] = SlotId{c, i};
    }
    sc_core::sc_spawn([this, c] { engine(c); }, sc_core::sc_gen_unique_name("channel"));
  }
  bus.register_nb_transport_bw(this, &Dma::nb_transport_bw);
  SC_HAS_PROCESS(Dma);
  SC_METHOD(drive_irqs);
  sensitive << irq_event_;
}

bool Dma::busy() const {
  for (const Channel& ch : channels_)
    if (ch.busy) return true;
  return false;
}

void Dma::start(uint32_t value) {
  if ((value & 1) == 0) return;
  Channel& ch = channels_[0];
  if (ch.busy) {
    fail(VTPU_DMA_CAUSE_BUSY, 0);
    return;
  }
  std::memcpy(&ch.pending, desc_words_, sizeof ch.pending);
  done_irq_ = flags_ & VTPU_DMA_FLAG_IRQ;
  ch.busy = true;
  ch.started_at = access_time();
  status_ = 0;
  cause_ = VTPU_DMA_CAUSE_NONE;
  irq_event_.notify(sc_core::SC_ZERO_TIME);
  ch.start_event.notify(access_time() - sc_core::sc_time_stamp());
}

void Dma::clear_status(uint32_t value) {
  status_ &= ~(value & (VTPU_DMA_STATUS_DONE | VTPU_DMA_STATUS_ERROR));
  irq_event_.notify(sc_core::SC_ZERO_TIME);
}

void Dma::fail(uint32_t cause, uint64_t address) {
  status_ |= VTPU_DMA_STATUS_ERROR;
  cause_ = cause;
  error_address_ = address;
  irq_event_.notify(sc_core::SC_ZERO_TIME);
}

void Dma::drive_irqs() {
  irq_done.write((status_ & VTPU_DMA_STATUS_DONE) && done_irq_);
  irq_error.write(status_ & VTPU_DMA_STATUS_ERROR);
}

const MemoryRange* Dma::memory_of(uint64_t first, uint64_t last) const {
  for (const MemoryRange& m : options_.memories)
    if (first >= m.base && last >= first && last - m.base < m.size) return &m;
  return nullptr;
}

uint32_t Dma::check(const vtpu_dma_desc& d, uint64_t& bad_address) const {
  for (uint32_t s : d.size)
    if (s == 0) return VTPU_DMA_CAUSE_ZERO_SIZE;
  // The last byte of each footprint (strides are unsigned, so it is the largest).
  auto last = [&d](uint64_t base, const uint32_t* stride) {
    unsigned __int128 end = base + static_cast<unsigned __int128>(d.size[0]) - 1;
    for (int i = 0; i < 3; ++i)
      end += static_cast<unsigned __int128>(d.size[i + 1] - 1) * stride[i];
    return end > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(end);
  };
  if (memory_of(d.src, last(d.src, d.src_stride)) == nullptr) {
    bad_address = d.src;
    return VTPU_DMA_CAUSE_SRC_RANGE;
  }
  if (memory_of(d.dst, last(d.dst, d.dst_stride)) == nullptr) {
    bad_address = d.dst;
    return VTPU_DMA_CAUSE_DST_RANGE;
  }
  return VTPU_DMA_CAUSE_NONE;
}

bool Dma::submit(unsigned channel, const vtpu_dma_desc& copy, Done done) {
  if (channel >= channels_.size() || channels_[channel].busy) return false;
  Channel& ch = channels_[channel];
  ch.pending = copy;
  ch.started_at = sc_core::sc_time_stamp();
  ch.job_done = std::move(done);
  ch.busy = true;
  ch.start_event.notify(sc_core::SC_ZERO_TIME);
  return true;
}

void Dma::engine(unsigned channel) {
  Channel& ch = channels_[channel];
  for (;;) {
    sc_core::wait(ch.start_event);
    ch.started_at = sc_core::sc_time_stamp();
    uint64_t address = 0;
    uint32_t cause = check(ch.pending, address);
    if (cause == VTPU_DMA_CAUSE_NONE) {
      run_descriptor(ch, ch.pending);
      if (ch.bus_error) {
        cause = ch.bus_error_cause;
        address = ch.bus_error_address;
      }
    }
    ch.busy_time += sc_core::sc_time_stamp() - ch.started_at;
    ch.busy = false;
    if (ch.job_done) {
      Done done = std::move(ch.job_done);
      ch.job_done = nullptr;
      done(cause, address);
      continue;
    }
    if (cause != VTPU_DMA_CAUSE_NONE)
      fail(cause, address);
    else
      status_ |= VTPU_DMA_STATUS_DONE;
    irq_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

void Dma::send(Channel& ch, unsigned index, bool write, sc_core::sc_time at) {
  if (!write) {
    at = std::max(at, port_free_);
    port_free_ = at + options_.clock_period;
  }
  Slot& s = ch.slots[index];
  s.writing = write;
  tlm::tlm_generic_payload& t = s.trans;
  t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  t.set_address(write ? s.burst.dst : s.burst.src);
  t.set_data_ptr(s.data.data());
  t.set_data_length(s.burst.length);
  t.set_streaming_width(s.burst.length);
  t.set_byte_enable_ptr(nullptr);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_core::sc_time delay = at - sc_core::sc_time_stamp();
  if (bus->nb_transport_fw(t, phase, delay) == tlm::TLM_COMPLETED)
    ch.events.push(Event{sc_core::sc_time_stamp() + delay, index});
  // Otherwise the response comes through nb_transport_bw.
}

tlm::tlm_sync_enum Dma::nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                        sc_core::sc_time& delay) {
  if (phase != tlm::BEGIN_RESP) return tlm::TLM_ACCEPTED;
  const SlotId id = slot_of_.at(&trans);
  Channel& ch = channels_[id.channel];
  ch.events.push(Event{sc_core::sc_time_stamp() + delay, id.slot});
  ch.response_event.notify(sc_core::SC_ZERO_TIME);
  return tlm::TLM_COMPLETED;
}

// Walks the descriptor's rows in order (dimension 1 fastest) and cuts each
// row at the source's burst boundaries.
void Dma::run_descriptor(Channel& ch, const vtpu_dma_desc& d) {
  ch.bus_error = false;
  const uint64_t burst = options_.burst_bytes;
  uint32_t index[3] = {0, 0, 0};
  uint64_t offset = 0;  // within the current row
  bool more = true;
  auto next_burst = [&]() {
    uint64_t row_src = d.src, row_dst = d.dst;
    for (int i = 0; i < 3; ++i) {
      row_src += uint64_t{index[i]} * d.src_stride[i];
      row_dst += uint64_t{index[i]} * d.dst_stride[i];
    }
    const uint64_t src = row_src + offset;
    const uint64_t length = std::min<uint64_t>(d.size[0] - offset, burst - src % burst);
    Burst b{src, row_dst + offset, static_cast<uint32_t>(length)};
    offset += length;
    if (offset == d.size[0]) {
      offset = 0;
      int i = 0;
      while (i < 3 && ++index[i] == d.size[i + 1]) index[i++] = 0;
      more = i < 3;
    }
    return b;
  };

  // An injected abort (faults.dma_abort_per_copy): the copy stops before the
  // burst that holds its footprint's byte `abort_at`, drawn at random.
  uint64_t abort_at = UINT64_MAX, issued = 0;
  if (options_.abort_per_copy > 0 &&
      std::uniform_real_distribution<double>(0.0, 1.0)(fault_rng_) < options_.abort_per_copy) {
    uint64_t bytes = d.size[0];
    for (int i = 1; i < 4; ++i) bytes *= d.size[i];
    abort_at = std::uniform_int_distribution<uint64_t>(0, bytes - 1)(fault_rng_);
  }

  std::vector<unsigned>& free_slots = ch.free_slots;
  free_slots.clear();
  for (unsigned i = ch.slots.size(); i-- > 0;) free_slots.push_back(i);
  unsigned in_flight = 0;
  while (more || in_flight > 0) {
    while (more && !ch.bus_error && !free_slots.empty()) {
      const Burst b = next_burst();
      if (issued + b.length > abort_at) {
        ch.bus_error = true;
        ch.bus_error_cause = VTPU_DMA_CAUSE_ABORTED;
        ch.bus_error_address = b.src;
        break;
      }
      issued += b.length;
      unsigned i = free_slots.back();
      free_slots.pop_back();
      ch.slots[i].burst = b;
      send(ch, i, /*write=*/false, sc_core::sc_time_stamp());
      ++in_flight;
    }
    if (ch.bus_error) more = false;
    if (in_flight == 0) continue;  // an abort before the first burst: done
    if (ch.events.empty()) {
      sc_core::wait(ch.response_event);
      continue;
    }
    const Event e = ch.events.top();
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (e.at > now) {
      sc_core::wait(e.at - now, ch.response_event);
      continue;
    }
    ch.events.pop();
    Slot& s = ch.slots[e.slot];
    if (!s.trans.is_response_ok()) {
      if (!ch.bus_error) {
        ch.bus_error_address = s.trans.get_address();
        // A DRAM answers an uncorrectable ECC error as a generic error; a
        // bad address (router, memories) as an address error.
        ch.bus_error_cause = s.trans.get_response_status() == tlm::TLM_GENERIC_ERROR_RESPONSE
                                 ? VTPU_DMA_CAUSE_MEMORY_ERROR
                                 : VTPU_DMA_CAUSE_BUS_ERROR;
      }
      ch.bus_error = true;
      s.writing = true;  // abandon this burst
    }
    if (!s.writing) {
      send(ch, e.slot, /*write=*/true, now);
    } else {
      if (s.trans.is_response_ok()) bytes_ += s.burst.length;
      free_slots.push_back(e.slot);
      --in_flight;
    }
  }
}

}  // namespace vtpu::dma
