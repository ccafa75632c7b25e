#include "tools/trace_tool.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>

#include "models/common/error.h"
#include "models/common/hex.h"
#include "traces/transaction_trace.h"

namespace vtpu {

void print_trace(const std::string& path, const TraceQuery& q, std::ostream& out) {
  struct Sum {
    uint64_t count = 0, bytes = 0, reads = 0, writes = 0;
    double latency_ns = 0, first_ns = -1, last_ns = 0;
  };
  std::map<std::pair<unsigned, unsigned>, Sum> sums;
  uint64_t shown = 0, matched = 0;
  trace::TransactionReader reader(path);
  const trace::TraceHeader& header = reader.header();
  // A port the trace does not have would select nothing, in silence.
  for (const auto& [option, name, ports] :
       {std::tuple{"--initiator", q.initiator, &header.initiators},
        std::tuple{"--target", q.target, &header.targets}}) {
    if (name.empty() || std::find(ports->begin(), ports->end(), name) != ports->end()) continue;
    std::string known;
    for (const std::string& p : *ports) known += (known.empty() ? "" : ", ") + p;
    throw Error(std::string(option) + " " + name + ": " + path + " has no such port (" + known +
                ")");
  }
  auto wanted = [&](const TransactionRecord& t) {
    const double begin = t.begin.to_seconds() * 1e9;
    return (q.initiator.empty() || header.initiators[t.initiator] == q.initiator) &&
           (q.target.empty() || header.targets[t.target] == q.target) && begin >= q.from_ns &&
           (q.to_ns < 0 || begin < q.to_ns);
  };
  auto take = [&](const TransactionRecord& t) {
    if (!wanted(t)) return;
    ++matched;
    const double begin = t.begin.to_seconds() * 1e9, end = t.end.to_seconds() * 1e9;
    if (q.summary) {
      Sum& s = sums[{t.initiator, t.target}];
      ++s.count;
      s.bytes += t.length;
      (t.write ? s.writes : s.reads) += 1;
      s.latency_ns += end - begin;
      if (s.first_ns < 0) s.first_ns = begin;
      s.last_ns = std::max(s.last_ns, end);
      return;
    }
    if (q.limit && shown >= q.limit) return;
    ++shown;
    char line[256];
    std::snprintf(line, sizeof line, "%14.3f %14.3f  %-10s -> %-18s %-5s %s %u\n", begin, end,
                  header.initiators[t.initiator].c_str(), header.targets[t.target].c_str(),
                  t.write ? "write" : "read", hex(t.address).c_str(), t.length);
    out << line;
  };
  for (TransactionRecord t; reader.next(t);) take(t);
  if (!q.summary) {
    if (q.limit && matched > shown) out << "... " << matched - shown << " more\n";
    return;
  }
  out << "# " << path << ": " << header.config << ", vtpu " << header.vtpu_version
      << (header.workload.empty() ? "" : ", " + header.workload) << "\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-10s %-18s %12s %14s %10s %10s %12s %10s\n", "initiator",
                "target", "count", "bytes", "reads", "writes", "latency ns", "GB/s");
  out << line;
  for (const auto& [key, s] : sums) {
    const double span = s.last_ns - s.first_ns;
    std::snprintf(
        line, sizeof line, "%-10s %-18s %12llu %14llu %10llu %10llu %12.1f %10.2f\n",
        header.initiators[key.first].c_str(), header.targets[key.second].c_str(),
        static_cast<unsigned long long>(s.count), static_cast<unsigned long long>(s.bytes),
        static_cast<unsigned long long>(s.reads), static_cast<unsigned long long>(s.writes),
        s.latency_ns / s.count, span > 0 ? s.bytes / span : 0.0);
    out << line;
  }
}

}  // namespace vtpu
