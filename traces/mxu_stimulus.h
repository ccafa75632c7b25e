// Recording and reading MXU stimulus (traces/mxu_stimulus.proto).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/common/matmul_recorder.h"

namespace vtpu::trace {

constexpr uint32_t kStimulusVersion = 1;

// mxu.record: streams every MATMUL to a file.
class MatmulWriter : public MatmulRecorder {
 public:
  // `config` names the config (config::describe), `config_text` holds it;
  // `timing`: mxu.dataflow and mxu.timing ("ws overlapped").
  // `workload` says what runs (RunOptions::workload).
  MatmulWriter(const std::string& path, const std::string& config, const std::string& config_text,
               const std::string& workload, uint32_t rows, uint32_t cols,
               const std::string& timing);
  ~MatmulWriter() override;
  void matmul(const vtpu_insn_matmul& insn, const uint8_t* vmem, uint64_t vmem_base,
              const std::vector<uint8_t>& c_before, const uint8_t* amem, uint64_t amem_base,
              uint64_t cycles) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One recorded instruction.
struct RecordedMatmul {
  uint32_t precision = 0, m = 0, k = 0, n = 0;
  bool accumulate = false;
  std::vector<uint8_t> a, b, c_before, c_after;
  uint64_t cycles = 0;
};

class MatmulReader {
 public:
  // Throws vtpu::Error("PATH: reason") for a file that is not MXU stimulus
  // of this version, or a record cut short.
  explicit MatmulReader(const std::string& path);
  ~MatmulReader();
  uint32_t rows() const { return rows_; }
  uint32_t cols() const { return cols_; }
  const std::string& timing() const { return timing_; }
  bool next(RecordedMatmul& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  uint32_t rows_ = 0, cols_ = 0;
  std::string timing_;
};

}  // namespace vtpu::trace
