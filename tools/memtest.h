// `vtpu memtest`: drives the HBM model through the interconnect with a
// pattern or a trace and reports bandwidth, latency and the model's own speed
// as one JSON object (docs/memory.md, "memtest").
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "platform/config.pb.h"

namespace vtpu {

struct MemRequest {
  uint64_t time_ps;  // not issued before
  uint64_t address;  // offset into the HBM
  uint32_t size;
  bool write;
};

struct MemtestOptions {
  std::string pattern;  // seq | random | stride; empty with a trace
  uint64_t requests = 0, size = 0, stride = 0, seed = 1;
  double write_ratio = 0;
  std::string trace;         // file; replaces the pattern
  unsigned outstanding = 0;  // requests in flight; 0: twice what the controller queues hold
};

// The requests of a pattern. Throws vtpu::Error naming the bad option.
std::vector<MemRequest> pattern_requests(const MemtestOptions& o, uint64_t capacity);
// Parses a trace file ("<time_ns>: read|write <address> <size>" per line, '#'
// comments). Throws vtpu::Error "FILE:LINE: problem" for the first bad line.
std::vector<MemRequest> read_trace(const std::string& path, uint64_t capacity);

// Runs the requests and writes the JSON report to `out`.
void run_memtest(const config::Soc& config, const MemtestOptions& options, std::ostream& out);

}  // namespace vtpu
