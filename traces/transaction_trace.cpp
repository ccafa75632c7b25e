#include "traces/transaction_trace.h"

#include "models/common/error.h"
#include "models/common/version.h"
#include "traces/delimited.h"
#include "traces/transactions.pb.h"

namespace vtpu::trace {

struct TransactionWriter::Impl {
  explicit Impl(const std::string& path)
      : out(path, path + ": cannot write the transaction trace") {}
  DelimitedWriter out;
  Transaction record;  // reused: no allocation per transaction
};

TransactionWriter::TransactionWriter(const std::string& path, const std::string& config,
                                     const std::string& config_text, const std::string& workload,
                                     const std::vector<std::string>& initiators,
                                     const std::vector<std::string>& targets)
    : impl_(std::make_unique<Impl>(path)) {
  Header h;
  h.set_version(kTransactionTraceVersion);
  h.set_config(config);
  h.set_vtpu_version(version());
  h.set_config_text(config_text);
  h.set_workload(workload);
  for (const std::string& n : initiators) h.add_initiators(n);
  for (const std::string& n : targets) h.add_targets(n);
  impl_->out.write(h);
}

TransactionWriter::~TransactionWriter() = default;

void TransactionWriter::transaction(const TransactionRecord& t) {
  Transaction& r = impl_->record;
  r.set_initiator(t.initiator);
  r.set_target(t.target);
  r.set_write(t.write);
  r.set_address(t.address);
  r.set_length(t.length);
  r.set_begin_ps(t.begin.value());
  r.set_end_ps(t.end.value());
  impl_->out.write(r);
}

struct TransactionReader::Impl {
  explicit Impl(const std::string& path) : in(path) {}
  DelimitedReader in;
  Transaction record;
};

TransactionReader::TransactionReader(const std::string& path)
    : impl_(std::make_unique<Impl>(path)), path_(path) {
  Header h;
  if (!impl_->in.read_header(h) || h.version() == 0)
    throw Error(path + ": not a vtpu transaction trace");
  if (h.version() != kTransactionTraceVersion)
    throw Error(path + ": transaction trace version " + std::to_string(h.version()) +
                "; this vtpu reads version " + std::to_string(kTransactionTraceVersion));
  header_ = TraceHeader{h.config(),
                        {h.initiators().begin(), h.initiators().end()},
                        {h.targets().begin(), h.targets().end()},
                        h.vtpu_version(),
                        h.config_text(),
                        h.workload()};
}

TransactionReader::~TransactionReader() = default;

bool TransactionReader::next(TransactionRecord& t) {
  Transaction& r = impl_->record;
  if (!impl_->in.next(r)) return false;
  const uint64_t index = impl_->in.count() - 1;
  if (r.initiator() >= header_.initiators.size() || r.target() >= header_.targets.size())
    throw Error(path_ + ": record " + std::to_string(index) + " names an unknown port");
  const sc_core::sc_time ps(1, sc_core::SC_PS);
  t.initiator = r.initiator();
  t.target = r.target();
  t.write = r.write();
  t.address = r.address();
  t.length = r.length();
  t.begin = ps * static_cast<double>(r.begin_ps());
  t.end = ps * static_cast<double>(r.end_ps());
  return true;
}

}  // namespace vtpu::trace
