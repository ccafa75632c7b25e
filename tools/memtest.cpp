#include "tools/memtest.h"

#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "models/common/error.h"
#include "models/common/hex.h"
#include "models/common/json.h"
#include "models/common/read_file.h"
#include "platform/memory_system.h"
#include "platform/simulate.h"
#include "tools/report.h"

namespace vtpu {
namespace {

// Issues the requests in order, each no earlier than its time, with at most
// `outstanding` in flight; a new request leaves when a response frees a slot.
// Everything happens in the callbacks: no process waits per request.
class TrafficGenerator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<TrafficGenerator> socket{"socket"};

  TrafficGenerator(sc_core::sc_module_name name, const std::vector<MemRequest>& requests,
                   uint64_t base, unsigned outstanding)
      : sc_module(name), requests_(requests), base_(base), slots_(outstanding) {
    socket.register_nb_transport_bw(this, &TrafficGenerator::nb_transport_bw);
    latencies_ps_.reserve(requests.size());
    uint64_t largest = 0;
    for (const MemRequest& r : requests) largest = std::max<uint64_t>(largest, r.size);
    for (Slot& s : slots_) s.data.resize(largest);
    SC_HAS_PROCESS(TrafficGenerator);
    SC_METHOD(start);
  }

  const std::vector<uint64_t>& latencies_ps() const { return latencies_ps_; }
  uint64_t first_issue_ps() const { return first_issue_ps_; }
  uint64_t last_response_ps() const { return last_response_ps_; }

 private:
  struct Slot {
    tlm::tlm_generic_payload trans;
    std::vector<uint8_t> data;
    uint64_t issued_ps = 0;
  };

  void start() {
    for (size_t i = 0; i < slots_.size(); ++i) issue(i, 0);
  }

  void issue(size_t slot, uint64_t not_before_ps) {
    if (next_ >= requests_.size()) return;
    const MemRequest& r = requests_[next_++];
    Slot& s = slots_[slot];
    const uint64_t now = sc_core::sc_time_stamp().value();
    s.issued_ps = std::max({r.time_ps, not_before_ps, now});
    if (next_ == 1) first_issue_ps_ = s.issued_ps;
    tlm::tlm_generic_payload& t = s.trans;
    t.set_command(r.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(base_ + r.address);
    t.set_data_ptr(s.data.data());
    t.set_data_length(r.size);
    t.set_streaming_width(r.size);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_core::sc_time delay = sc_core::sc_time::from_value(s.issued_ps - now);
    if (socket->nb_transport_fw(t, phase, delay) == tlm::TLM_COMPLETED)
      throw Error("memtest: request to " + hex(r.address) + " was refused by the HBM model");
  }

  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) {
    if (phase != tlm::BEGIN_RESP) return tlm::TLM_ACCEPTED;
    const size_t slot = slot_of(trans);
    const uint64_t done = (sc_core::sc_time_stamp() + delay).value();
    latencies_ps_.push_back(done - slots_[slot].issued_ps);
    last_response_ps_ = std::max(last_response_ps_, done);
    issue(slot, done);
    return tlm::TLM_COMPLETED;
  }

  // The slot whose payload `trans` is: slots lie sizeof(Slot) apart.
  size_t slot_of(const tlm::tlm_generic_payload& trans) const {
    const auto first = reinterpret_cast<uintptr_t>(&slots_.front().trans);
    const size_t slot = (reinterpret_cast<uintptr_t>(&trans) - first) / sizeof(Slot);
    if (slot >= slots_.size() || &slots_[slot].trans != &trans)
      throw Error("memtest: a response for a payload memtest did not send");
    return slot;
  }

  const std::vector<MemRequest>& requests_;
  const uint64_t base_;
  std::vector<Slot> slots_;
  size_t next_ = 0;
  std::vector<uint64_t> latencies_ps_;
  uint64_t first_issue_ps_ = 0, last_response_ps_ = 0;
};

uint64_t parse_number(const std::string& text) {
  size_t used = 0;
  uint64_t v = std::stoull(text, &used, 0);
  if (used != text.size()) throw std::invalid_argument(text);
  return v;
}

}  // namespace

std::vector<MemRequest> pattern_requests(const MemtestOptions& o, uint64_t capacity) {
  if (o.pattern != "seq" && o.pattern != "random" && o.pattern != "stride")
    throw Error("--pattern " + o.pattern + ": expected seq, random or stride");
  if (o.requests == 0 || o.requests > 100000000)
    throw Error("--requests: must be in [1, 100000000]");
  if (o.size == 0) throw Error("--size: a request of zero bytes");
  if (o.size > capacity || o.size > UINT32_MAX)
    throw Error("--size " + std::to_string(o.size) + ": larger than the HBM (" +
                std::to_string(capacity) + " bytes)");
  if (o.pattern == "stride" && o.stride == 0)
    throw Error("--stride: needed (> 0) with --pattern stride");
  if (o.pattern == "stride" && o.stride >= capacity)
    throw Error("--stride " + std::to_string(o.stride) + ": not below the HBM's " +
                std::to_string(capacity) + " bytes (every request would go to one address)");
  if (!(o.write_ratio >= 0 && o.write_ratio <= 1)) throw Error("--write-ratio: must lie in [0, 1]");
  std::mt19937_64 addresses(o.seed), kinds(o.seed ^ 0x9e3779b97f4a7c15ull);
  std::uniform_real_distribution<double> unit(0, 1);
  const uint64_t slots = capacity / o.size;  // whole requests that fit
  std::vector<MemRequest> out(o.requests);
  for (uint64_t i = 0; i < o.requests; ++i) {
    uint64_t address = o.pattern == "seq"      ? i % slots * o.size
                       : o.pattern == "random" ? addresses() % slots * o.size
                                               : i * o.stride % capacity;
    if (address + o.size > capacity) address = 0;  // a stride that wraps onto the end
    out[i] = MemRequest{0, address, static_cast<uint32_t>(o.size), unit(kinds) < o.write_ratio};
  }
  return out;
}

std::vector<MemRequest> read_trace(const std::string& path, uint64_t capacity) {
  require_regular_file(path);
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open trace file");
  static const std::regex form(
      R"(\s*([0-9]*\.?[0-9]+)\s*:\s*(read|write)\s+(0[xX][0-9a-fA-F]+|[0-9]+)\s+(0[xX][0-9a-fA-F]+|[0-9]+)\s*)");
  std::vector<MemRequest> out;
  std::string line;
  uint64_t last_ps = 0;
  for (unsigned number = 1; std::getline(in, line); ++number) {
    const std::string where = path + ":" + std::to_string(number) + ": ";
    const std::string text = line.substr(0, line.find('#'));
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::smatch m;
    if (!std::regex_match(text, m, form))
      throw Error(where + "expected '<time_ns>: read|write <address> <size>'");
    MemRequest r;
    try {
      r.time_ps = static_cast<uint64_t>(std::stod(m[1]) * 1000 + 0.5);
      r.address = parse_number(m[3]);
      const uint64_t size = parse_number(m[4]);
      if (size == 0) throw Error(where + "request size is zero");
      if (size > capacity || r.address > capacity - size)
        throw Error(where + "request " + hex(r.address) + "+" + std::to_string(size) +
                    " lies beyond the HBM (" + std::to_string(capacity) + " bytes)");
      r.size = static_cast<uint32_t>(size);
    } catch (const std::logic_error&) {  // stoull/stod out of range
      throw Error(where + "number out of range");
    }
    if (r.time_ps < last_ps) throw Error(where + "time goes backwards");
    last_ps = r.time_ps;
    r.write = m[2] == "write";
    out.push_back(r);
  }
  if (out.empty()) throw Error(path + ": no requests in the trace");
  return out;
}

void run_memtest(const config::Soc& config, const MemtestOptions& o, std::ostream& out) {
  const config::InterconnectConfig& ic = config.interconnect();
  hbm::Hbm hbm("hbm", make_hbm_options(config, ic.dma()));
  const uint64_t capacity = hbm.capacity();
  const std::vector<MemRequest> requests =
      o.trace.empty() ? pattern_requests(o, capacity) : read_trace(o.trace, capacity);

  // By default twice what the controller queues hold: the other half covers
  // the requests on their way to and from the queues. Each slot holds a
  // transaction, so a count past any request stream is refused.
  if (o.outstanding > (1u << 20))
    throw Error("memtest: --outstanding " + std::to_string(o.outstanding) +
                ": at most 1048576 (0: twice the controllers' queues)");
  const unsigned outstanding =
      o.outstanding ? o.outstanding
                    : static_cast<unsigned>(2 * config.hbm().queue_depth() * hbm.controllers());
  interconnect::Router router("router", clock_period(config));
  TrafficGenerator generator("memtest", requests, config.address_map().hbm_base(), outstanding);
  router.connect("memtest", generator.socket, make_link(config, ic.dma()));
  interconnect::MapOptions hbm_link;
  hbm_link.link = make_link(config, ic.hbm());
  hbm_link.nb = true;
  router.map("hbm", config.address_map().hbm_base(), hbm.capacity(), hbm.socket, hbm_link);

  const auto wall_start = std::chrono::steady_clock::now();
  simulate();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  std::vector<uint64_t> lat = generator.latencies_ps();
  if (lat.size() != requests.size()) throw Error("memtest: not every request completed");
  uint64_t bytes = 0, writes = 0;
  for (const MemRequest& r : requests) {
    bytes += r.size;
    writes += r.write;
  }
  const double span_s = (generator.last_response_ps() - generator.first_issue_ps()) * 1e-12;
  double mean = 0;
  for (uint64_t l : lat) mean += static_cast<double>(l);
  mean /= static_cast<double>(lat.size());
  auto percentile = [&lat](double p) {
    size_t k = std::min(lat.size() - 1, static_cast<size_t>(p * static_cast<double>(lat.size())));
    std::nth_element(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(k), lat.end());
    return static_cast<double>(lat[k]) / 1000;
  };
  const hbm::HbmStats s = hbm.stats(sc_core::sc_time::from_value(generator.last_response_ps()));
  const uint64_t accesses = s.reads + s.writes;
  const double gbps = static_cast<double>(bytes) / span_s / 1e9;
  const double peak = hbm.peak_bytes_per_s() / 1e9;

  Json j;
  describe_config(j, config);
  j["preset"] = hbm.timing().name;
  j["source"] = o.trace.empty() ? o.pattern : "trace";
  j["requests"] = requests.size();
  j["writes"] = writes;
  j["bytes"] = bytes;
  j["outstanding"] = outstanding;
  j["controllers"] = hbm.controllers();
  j["simulated_ns"] = rounded(span_s * 1e9, 3);
  j["bandwidth_gbps"] = rounded(gbps, 3);
  j["peak_gbps"] = rounded(peak, 3);
  j["efficiency"] = rounded(gbps / peak, 4);
  j["requests_per_s"] = rounded(static_cast<double>(requests.size()) / wall, 0);
  j["wall_time_s"] = rounded(wall, 3);
  j["latency_ns"] = {{"mean", rounded(mean / 1000, 3)},
                     {"p50", rounded(percentile(0.5), 3)},
                     {"p99", rounded(percentile(0.99), 3)},
                     {"max", rounded(percentile(1.0), 3)}};
  j["row_hit_rate"] = rounded(accesses ? static_cast<double>(s.row_hits) / accesses : 0.0, 4);
  j["refresh_overhead"] = rounded(s.refresh_fraction, 4);
  out << json_text(j) << "\n";
}

}  // namespace vtpu
