#include "models/hbm/hbm.h"

#include <algorithm>

#include "models/common/error.h"

namespace vtpu::hbm {
namespace {

TimingSet with_channels(TimingSet t, unsigned channels) {
  if (channels != 0) t.channels = channels;
  return t;
}

}  // namespace

Hbm::Hbm(sc_core::sc_module_name name, const HbmOptions& options)
    : sc_module(name),
      socket("socket"),
      options_(options),
      mapping_(options.timing, options.stacks,
               options.channels ? options.channels : options.timing.channels, options.mapping),
      tck_ps_(options.timing.tck_ps),
      cycles_per_ps_(1.0 / static_cast<double>(options.timing.tck_ps)),
      lookahead_ps_(static_cast<uint64_t>(options.lookahead.to_seconds() * 1e12 + 0.5)),
      frontend_ps_(static_cast<uint64_t>(options.frontend_latency.to_seconds() * 1e12 + 0.5)),
      first_data_ps_(
          (std::min(options.timing.RL, options.timing.WL) + options.timing.burst_clocks()) *
          tck_ps_),
      faults_(options.corrected_per_access > 0 || options.uncorrected_per_access > 0),
      fault_rng_(options.fault_seed) {
  if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS))
    throw Error("hbm: the SystemC time resolution must be 1 ps");
  options_.timing = with_channels(options.timing, options.channels);
  const unsigned pseudo = options_.timing.pseudo_channels;
  channels_.reserve(mapping_.controllers() / pseudo);
  for (unsigned i = 0; i < mapping_.controllers() / pseudo; ++i)
    channels_.emplace_back(options_.timing, options.queue_depth, options.refresh);
  socket.register_nb_transport_fw(this, &Hbm::nb_transport_fw);
  socket.register_b_transport(this, &Hbm::b_transport);
  socket.register_transport_dbg(this, &Hbm::transport_dbg);
  SC_HAS_PROCESS(Hbm);
  SC_METHOD(wake);
  sensitive << wake_event_;
  dont_initialize();
}

double Hbm::peak_bytes_per_s() const {
  return options_.timing.pseudo_channel_bytes_per_s() * mapping_.controllers();
}

// ceil(ps / tCK) without a 64-bit division (one per request otherwise): a
// floating-point estimate, corrected to the exact quotient.
int64_t Hbm::cycle_at_or_after(uint64_t ps) const {
  uint64_t cycle = static_cast<uint64_t>(static_cast<double>(ps) * cycles_per_ps_);
  while (cycle * tck_ps_ < ps) ++cycle;
  while (cycle > 0 && (cycle - 1) * tck_ps_ >= ps) --cycle;
  return static_cast<int64_t>(cycle);
}

uint64_t Hbm::now_ps() const {
  return sc_core::sc_time_stamp().value();
}

bool Hbm::accept(tlm::tlm_generic_payload& trans, const sc_core::sc_time& delay,
                 sc_core::sc_event* waiter) {
  const uint64_t address = trans.get_address();
  const uint64_t length = trans.get_data_length();
  if (length == 0 || !(trans.is_read() || trans.is_write())) {
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return false;
  }
  if (address >= capacity() || length > capacity() - address) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  const bool write = trans.is_write();
  if (write)
    store_.write(address, trans.get_data_ptr(), length);
  else
    store_.read(address, trans.get_data_ptr(), length);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  if (faults_ && !write) inject_ecc_faults(trans);

  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(pending_.size());
    pending_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  const uint64_t arrival_ps = now_ps() + delay.value() + frontend_ps_;
  const int64_t arrival = cycle_at_or_after(arrival_ps);
  const uint64_t bytes = mapping_.access_bytes();  // a power of two
  unsigned accesses = 0;
  int64_t first_decision = Controller::kIdle;
  for (uint64_t a = address & ~(bytes - 1); a < address + length; a += bytes, ++accesses) {
    const Location loc = mapping_.decode(a);
    Channel& c = channels_[loc.channel];
    c.enqueue(loc.pseudo_channel, Access{slot, arrival, loc.row, loc.column, loc.bank, write});
    if (!waking_) first_decision = std::min(first_decision, c.next_decision());
  }
  pending_[slot] = Pending{&trans, accesses, 0, waiter};
  ++requests_;
  bytes_ += length;
  // Inside wake() (a response's initiator sending again) schedule_wake() at
  // its end covers this request.
  if (!waking_) wake_for(first_decision);
  return true;
}

void Hbm::inject_ecc_faults(tlm::tlm_generic_payload& trans) {
  const uint64_t bytes = mapping_.access_bytes();
  const uint64_t address = trans.get_address(), end = address + trans.get_data_length();
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (uint64_t a = address / bytes * bytes; a < end; a += bytes) {
    const double draw = uniform(fault_rng_);
    if (draw < options_.uncorrected_per_access) {
      ++uncorrected_;
      trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      if (options_.on_ecc_error) options_.on_ecc_error(true, a);
    } else if (draw < options_.uncorrected_per_access + options_.corrected_per_access) {
      ++corrected_;
      if (options_.on_ecc_error) options_.on_ecc_error(false, a);
    }
  }
}

tlm::tlm_sync_enum Hbm::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                        sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    if (!accept(trans, delay, nullptr)) return tlm::TLM_COMPLETED;
    phase = tlm::END_REQ;
    return tlm::TLM_UPDATED;
  }
  return tlm::TLM_COMPLETED;  // END_RESP: nothing more to do
}

void Hbm::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  sc_core::sc_event done;
  if (!accept(trans, delay, &done)) return;
  wait(done);
  delay = sc_core::SC_ZERO_TIME;
}

unsigned int Hbm::transport_dbg(tlm::tlm_generic_payload& trans) {
  const uint64_t address = trans.get_address();
  if (address >= capacity()) return 0;
  const uint64_t length = std::min<uint64_t>(trans.get_data_length(), capacity() - address);
  if (trans.is_write())
    store_.write(address, trans.get_data_ptr(), length);
  else if (trans.is_read())
    store_.read(address, trans.get_data_ptr(), length);
  return static_cast<unsigned>(length);
}

void Hbm::wake() {
  const uint64_t now = now_ps();
  const int64_t horizon = cycle_at_or_after(now + lookahead_ps_);
  waking_ = true;
  done_.clear();
  size_t ran = 0;
  for (Channel& c : channels_)
    if (c.next_decision() < horizon) {
      c.run(horizon, done_);
      ++ran;
    }
  // Answered in the order the commands were decided, channel by channel at
  // each cycle: the order one wake per cycle gave (an initiator that sends
  // its next request from the response then sends in the same order).
  if (ran > 1)
    std::stable_sort(done_.begin(), done_.end(), [](const Completion& a, const Completion& b) {
      return a.decided < b.decided;
    });

  // Responses may trigger new requests (and calls to accept()): work on a copy.
  std::vector<Completion> finished;
  finished.swap(done_);
  for (const Completion& d : finished) {
    Pending& p = pending_[d.tag];
    p.done = std::max(p.done, d.done);
    if (--p.accesses_left > 0) continue;
    const Pending response = p;
    free_slots_.push_back(static_cast<uint32_t>(d.tag));
    const uint64_t done_ps = static_cast<uint64_t>(response.done) * tck_ps_;
    sc_core::sc_time delay = sc_core::sc_time::from_value(done_ps > now ? done_ps - now : 0);
    if (response.waiter) {
      response.waiter->notify(delay);
    } else {
      tlm::tlm_phase phase = tlm::BEGIN_RESP;
      socket->nb_transport_bw(*response.trans, phase, delay);
    }
  }
  done_.swap(finished);
  waking_ = false;
  schedule_wake();
}

void Hbm::schedule_wake() {
  int64_t next = Controller::kIdle;
  for (const Channel& c : channels_) next = std::min(next, c.next_decision());
  if (next != Controller::kIdle) wake_for(next);
}

// Decisions at cycle `decision` are final once decision * tCK < now + lookahead,
// but nothing needs them before the first data a command decided then can
// finish: WL or RL, then the burst, later. Waking then decides the same
// commands (those of cycles before now + lookahead, every access arriving
// before that known) and answers each request at its own time as before, in
// one wake for every command up to that point instead of one per cycle.
void Hbm::wake_for(int64_t decision) {
  const uint64_t wake_ps = static_cast<uint64_t>(decision) * tck_ps_ + first_data_ps_ - 1;
  const uint64_t now = now_ps();
  wake_event_.notify(sc_core::sc_time::from_value(wake_ps > now ? wake_ps - now : 0));
}

HbmStats Hbm::stats(sc_core::sc_time until) const {
  HbmStats s;
  s.requests = requests_;
  s.bytes = bytes_;
  s.corrected_errors = corrected_;
  s.uncorrected_errors = uncorrected_;
  int64_t busy = 0;
  for (const Channel& channel : channels_)
    for (const Controller& c : channel.pseudo_channels()) {
      const ControllerStats& cs = c.stats();
      s.reads += cs.reads;
      s.writes += cs.writes;
      s.row_hits += cs.row_hits;
      s.refreshes += cs.refreshes;
      s.activates += cs.activates;
      busy += cs.busy_data_cycles;
    }
  const double elapsed = static_cast<double>(until.value()) / tck_ps_ * mapping_.controllers();
  if (elapsed > 0) {
    s.busy_fraction = busy / elapsed;
    s.refresh_fraction = static_cast<double>(s.refreshes) * options_.timing.tRFC / elapsed;
  }
  return s;
}

}  // namespace vtpu::hbm
