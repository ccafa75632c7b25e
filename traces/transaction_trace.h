// Writing and reading the transaction trace (traces/transactions.proto):
// records stream to the file as they happen, so memory stays bounded.
#pragma once

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "models/common/trace.h"

namespace vtpu::trace {

constexpr uint32_t kTransactionTraceVersion = 1;

class TransactionWriter : public TransactionSink {
 public:
  // Throws vtpu::Error when the file cannot be written.
  // `config` names the config (config::describe), `config_text` holds it.
  // `workload` says what runs (RunOptions::workload).
  TransactionWriter(const std::string& path, const std::string& config,
                    const std::string& config_text, const std::string& workload,
                    const std::vector<std::string>& initiators,
                    const std::vector<std::string>& targets);
  ~TransactionWriter() override;
  void transaction(const TransactionRecord& t) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct TraceHeader {
  std::string config;  // name and overrides (config::describe)
  std::vector<std::string> initiators, targets;
  std::string vtpu_version;  // of the build that wrote it ("" in older traces)
  std::string config_text;   // the merged config (protobuf text)
  std::string workload;      // what ran (RunOptions::workload)
};

// Reads a trace record by record (memory stays bounded). Throws
// vtpu::Error("PATH: reason") for a file that is not a transaction trace of
// this version, or whose records are cut short or name unknown ports.
class TransactionReader {
 public:
  explicit TransactionReader(const std::string& path);
  ~TransactionReader();
  const TraceHeader& header() const { return header_; }
  // The next record; false at the end of the file.
  bool next(TransactionRecord& t);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  TraceHeader header_;
  std::string path_;
};

}  // namespace vtpu::trace
