#include "traces/transaction_trace.h"

#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>

#include "models/common/error.h"
#include "traces/transactions.pb.h"

namespace vtpu::trace {

namespace pbio = google::protobuf::io;
using google::protobuf::util::ParseDelimitedFromZeroCopyStream;
using google::protobuf::util::SerializeDelimitedToZeroCopyStream;

struct TransactionWriter::Impl {
  std::ofstream file;
  std::unique_ptr<pbio::OstreamOutputStream> stream;
  Transaction record;  // reused: no allocation per transaction
};

TransactionWriter::TransactionWriter(const std::string& path, const std::string& config,
                                     const std::vector<std::string>& initiators,
                                     const std::vector<std::string>& targets)
    : impl_(std::make_unique<Impl>()) {
  impl_->file.open(path, std::ios::binary | std::ios::trunc);
  if (!impl_->file) throw Error(path + ": cannot write the transaction trace");
  impl_->stream = std::make_unique<pbio::OstreamOutputStream>(&impl_->file);
  Header h;
  h.set_version(kTransactionTraceVersion);
  h.set_config(config);
  for (const std::string& n : initiators) h.add_initiators(n);
  for (const std::string& n : targets) h.add_targets(n);
  SerializeDelimitedToZeroCopyStream(h, impl_->stream.get());
}

TransactionWriter::~TransactionWriter() {
  impl_->stream.reset();  // flushes into the file
  impl_->file.close();
}

void TransactionWriter::transaction(const TransactionRecord& t) {
  Transaction& r = impl_->record;
  r.set_initiator(t.initiator);
  r.set_target(t.target);
  r.set_write(t.write);
  r.set_address(t.address);
  r.set_length(t.length);
  r.set_begin_ps(t.begin.value());
  r.set_end_ps(t.end.value());
  SerializeDelimitedToZeroCopyStream(r, impl_->stream.get());
}

struct TransactionReader::Impl {
  std::ifstream file;
  std::unique_ptr<pbio::IstreamInputStream> stream;
  Transaction record;
};

TransactionReader::TransactionReader(const std::string& path)
    : impl_(std::make_unique<Impl>()), path_(path) {
  impl_->file.open(path, std::ios::binary);
  if (!impl_->file) throw Error(path + ": cannot open");
  impl_->stream = std::make_unique<pbio::IstreamInputStream>(&impl_->file);
  Header h;
  bool eof = false;
  if (!ParseDelimitedFromZeroCopyStream(&h, impl_->stream.get(), &eof) || h.version() == 0)
    throw Error(path + ": not a vtpu transaction trace");
  if (h.version() != kTransactionTraceVersion)
    throw Error(path + ": transaction trace version " + std::to_string(h.version()) +
                "; this vtpu reads version " + std::to_string(kTransactionTraceVersion));
  header_ = TraceHeader{h.config(),
                        {h.initiators().begin(), h.initiators().end()},
                        {h.targets().begin(), h.targets().end()}};
}

TransactionReader::~TransactionReader() = default;

bool TransactionReader::next(TransactionRecord& t) {
  Transaction& r = impl_->record;
  r.Clear();  // parsing merges, and proto3 leaves zero fields out of the bytes
  bool eof = false;
  if (!ParseDelimitedFromZeroCopyStream(&r, impl_->stream.get(), &eof)) {
    if (eof) return false;
    throw Error(path_ + ": record " + std::to_string(count_) + " is cut short or corrupt");
  }
  if (r.initiator() >= header_.initiators.size() || r.target() >= header_.targets.size())
    throw Error(path_ + ": record " + std::to_string(count_) + " names an unknown port");
  ++count_;
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
