// The HBM controllers' speed on their own (docs/memory.md, "Benchmark"): the
// memtest's 32 B read patterns on one HBM2 channel, fed straight into its
// Channel with no SystemC, TLM or router around it, as a closed loop of 128
// requests in flight (each freed slot sends its next request 3 cycles after
// the data). Beside `vtpu memtest` it says how much of the model's time is
// the scheduler's and how much the transaction path's.
//
//   hbm_controller [seq|random] [requests]
#include <chrono>
#include <cstdio>
#include <functional>
#include <queue>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/common/error.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/channel.h"
#include "platform/memspec.h"
#include "tools/memtest.h"

// sc_main: the memtest's library links SystemC, whose main() calls it.
extern "C" int sc_main(int argc, char* argv[]) {
  using namespace vtpu;
  hbm::TimingSet timing = config::memspec("hbm2");
  timing.channels = 1;
  const hbm::AddressMapping mapping(timing, 1, 1, hbm::AddressMapping::kDefault);
  MemtestOptions options;
  options.pattern = argc > 1 ? argv[1] : "seq";
  options.size = mapping.access_bytes();
  std::vector<MemRequest> requests;
  try {
    options.requests = argc > 2 ? std::stoull(argv[2]) : 2000000;
    requests = pattern_requests(options, mapping.capacity());  // memtest's own addresses
  } catch (const std::logic_error&) {                          // stoull
    std::fprintf(stderr, "hbm_controller: requests '%s': not a number\n", argv[2]);
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "hbm_controller: %s\n", e.what());
    return 2;
  }
  hbm::Channel channel(timing, 32, true);
  constexpr int64_t kTurnaround = 3;  // cycles from a response to the slot's next request
  constexpr int64_t kStep = 4;        // cycles decided per call, as a short lookahead would
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<>> free_at;
  for (int i = 0; i < 128; ++i) free_at.push(0);
  std::vector<hbm::Completion> done;
  uint64_t sent = 0, finished = 0;
  const uint64_t total = requests.size();
  int64_t horizon = 0;
  const auto start = std::chrono::steady_clock::now();
  while (finished < total) {
    while (sent < total && !free_at.empty() && free_at.top() <= horizon) {
      const int64_t arrival = free_at.top() + kTurnaround;
      free_at.pop();
      const hbm::Location at = mapping.decode(requests[sent].address);
      channel.enqueue(at.pseudo_channel,
                      hbm::Access{sent, arrival, at.row, at.column, at.bank, requests[sent].write});
      ++sent;
    }
    horizon += kStep;
    done.clear();
    if (channel.next_decision() < horizon) channel.run(horizon, done);
    for (const hbm::Completion& d : done) free_at.push(d.done);
    finished += done.size();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %llu requests, %.2f M requests/s, %.1f ns a request, %lld cycles simulated\n",
              options.pattern.c_str(), static_cast<unsigned long long>(total),
              static_cast<double>(total) / seconds / 1e6,
              seconds / static_cast<double>(total) * 1e9, static_cast<long long>(horizon));
  return 0;
}
