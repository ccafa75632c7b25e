// `vtpu trace FILE`: prints, filters and summarises a transaction trace
// (traces/transactions.proto, docs/observability.md).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace vtpu {

struct TraceQuery {
  std::string initiator, target;   // only these ports ("": any)
  double from_ns = 0, to_ns = -1;  // only transactions that begin in [from, to) (to < 0: no end)
  uint64_t limit = 0;              // print at most this many (0: all)
  bool summary = false;            // one line per initiator and target instead
};

void print_trace(const std::string& path, const TraceQuery& query, std::ostream& out);

}  // namespace vtpu
