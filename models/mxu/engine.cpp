#include "models/mxu/engine.h"

#include <algorithm>

namespace vtpu::mxu {
namespace {

// C's m rows of n 32-bit values, dense.
std::vector<uint8_t> read_c(const vtpu_insn_matmul& x, const Memory& amem) {
  std::vector<uint8_t> out;
  const uint8_t* c = amem.data + (x.c_addr - amem.base);
  for (uint32_t r = 0; r < x.m; ++r)
    out.insert(out.end(), c + uint64_t{r} * x.c_stride, c + uint64_t{r} * x.c_stride + 4ull * x.n);
  return out;
}

void write_c(const vtpu_insn_matmul& x, const Memory& amem, const std::vector<uint8_t>& c) {
  uint8_t* to = amem.data + (x.c_addr - amem.base);
  for (uint32_t r = 0; r < x.m; ++r)
    std::copy_n(c.data() + 4ull * x.n * r, 4ull * x.n, to + uint64_t{r} * x.c_stride);
}

// The instruction, for messages: "MATMUL #3 (int8 4x8x8, C +=)".
std::string describe(const vtpu_insn_matmul& x, uint64_t index) {
  return "MATMUL #" + std::to_string(index) + " (" +
         (x.precision == VTPU_TYPE_INT8   ? "int8 "
          : x.precision == VTPU_TYPE_INT4 ? "int4 "
                                          : "bf16 ") +
         (x.sparsity == VTPU_SPARSITY_2_4 ? "2:4 " : "") + std::to_string(x.m) + "x" +
         std::to_string(x.k) + "x" + std::to_string(x.n) + (x.accumulate ? ", C +=" : ", C =") +
         ")";
}

// Whether a recording can hold the instruction: dense int8 or bf16 (the
// recording format and replay have no 2:4 sparse or int4-weight mode).
bool recordable(const vtpu_insn_matmul& x) {
  return x.sparsity == VTPU_SPARSITY_DENSE && x.precision != VTPU_TYPE_INT4;
}

class TlmEngine : public MatmulEngine {
 public:
  explicit TlmEngine(const ArrayConfig& array) : array_(array) {}
  std::optional<MatmulDone> run(const vtpu_insn_matmul& x, const Memory& vmem, const Memory& amem,
                                uint64_t) override {
    // The command processor has refused a dataflow the array does not run.
    const ArrayConfig array = for_instruction(array_, x).value_or(array_);
    const uint64_t macs = execute(x, vmem, amem, array);
    return MatmulDone{instruction_cycles(x, array), macs};
  }

 private:
  ArrayConfig array_;
};

class RtlEngine : public MatmulEngine {
 public:
  RtlEngine(RtlArray& tile, StopRun stop, const char* name)
      : tile_(tile), stop_(std::move(stop)), name_(name) {}
  std::optional<MatmulDone> run(const vtpu_insn_matmul& x, const Memory& vmem, const Memory& amem,
                                uint64_t start_ps) override {
    const uint64_t index = count_++;
    if (x.precision == VTPU_TYPE_BF16 && !tile_.runs_bf16()) {
      stop_(std::string("mxu.backend ") + name_ + ": " + describe(x, index) +
            ": this RTL tile computes int8 only (it has no bf16 pin)");
      return std::nullopt;
    }
    if (x.precision == VTPU_TYPE_INT4) {
      stop_(std::string("mxu.backend ") + name_ + ": " + describe(x, index) +
            ": the RTL tile has no int4-weight mode");
      return std::nullopt;
    }
    if (x.sparsity != VTPU_SPARSITY_DENSE && !tile_.runs_sparse()) {
      stop_(std::string("mxu.backend ") + name_ + ": " + describe(x, index) +
            ": this RTL tile has no 2:4 sparse mode (no sparse pin, or an odd number of rows)");
      return std::nullopt;
    }
    return MatmulDone{tile_.execute(x, vmem, amem, start_ps), uint64_t{x.m} * x.k * x.n};
  }

 private:
  RtlArray& tile_;
  StopRun stop_;
  const char* name_;
  uint64_t count_ = 0;
};

class LockstepEngine : public MatmulEngine {
 public:
  LockstepEngine(const ArrayConfig& array, RtlArray& tile, StopRun stop)
      : tlm_(array), rtl_(tile, stop, "lockstep"), cols_(tile.cols()), stop_(std::move(stop)) {}
  std::optional<MatmulDone> run(const vtpu_insn_matmul& x, const Memory& vmem, const Memory& amem,
                                uint64_t start_ps) override {
    const uint64_t index = count_++;
    const std::vector<uint8_t> c_in = read_c(x, amem);
    const MatmulDone want = *tlm_.run(x, vmem, amem, start_ps);
    const std::vector<uint8_t> c_tlm = read_c(x, amem);
    write_c(x, amem, c_in);  // the RTL starts from the same C
    const std::optional<MatmulDone> got = rtl_.run(x, vmem, amem, start_ps);
    if (!got) return std::nullopt;
    if (const auto d =
            first_difference(c_tlm, read_c(x, amem), x.n, x.precision == VTPU_TYPE_BF16)) {
      stop_("mxu lockstep: " + describe(x, index) + ": C[" + std::to_string(d->row) + "][" +
            std::to_string(d->col) + "] (column tile " + std::to_string(d->col / cols_) +
            ", tile column " + std::to_string(d->col % cols_) + ", activation row " +
            std::to_string(d->row) + ") expected " + d->want + " (tlm), got " + d->got + " (rtl)");
      return std::nullopt;
    }
    if (got->cycles != want.cycles) {
      stop_("mxu lockstep: " + describe(x, index) + ": cycles expected " +
            std::to_string(want.cycles) + " (tlm overlapped), got " + std::to_string(got->cycles) +
            " (rtl)");
      return std::nullopt;
    }
    return got;
  }

 private:
  TlmEngine tlm_;
  RtlEngine rtl_;
  unsigned cols_;
  StopRun stop_;
  uint64_t count_ = 0;
};

class RecordingEngine : public MatmulEngine {
 public:
  RecordingEngine(std::unique_ptr<MatmulEngine> inner, MatmulRecorder& recorder, StopRun stop)
      : inner_(std::move(inner)), recorder_(recorder), stop_(std::move(stop)) {}
  std::optional<MatmulDone> run(const vtpu_insn_matmul& x, const Memory& vmem, const Memory& amem,
                                uint64_t start_ps) override {
    const uint64_t index = count_++;
    if (!recordable(x)) {
      stop_("mxu.record: " + describe(x, index) +
            ": recordings hold dense int8 and bf16 MATMULs only (no 2:4 or int4 mode)");
      return std::nullopt;
    }
    const std::vector<uint8_t> c_before = read_c(x, amem);
    const std::optional<MatmulDone> done = inner_->run(x, vmem, amem, start_ps);
    if (done)
      recorder_.matmul(x, vmem.data, vmem.base, c_before, amem.data, amem.base, done->cycles);
    return done;
  }

 private:
  std::unique_ptr<MatmulEngine> inner_;
  MatmulRecorder& recorder_;
  StopRun stop_;
  uint64_t count_ = 0;
};

}  // namespace

std::unique_ptr<MatmulEngine> tlm_engine(const ArrayConfig& array) {
  return std::make_unique<TlmEngine>(array);
}

std::unique_ptr<MatmulEngine> rtl_engine(RtlArray& tile, StopRun stop) {
  return std::make_unique<RtlEngine>(tile, std::move(stop), "rtl");
}

std::unique_ptr<MatmulEngine> lockstep_engine(const ArrayConfig& array, RtlArray& tile,
                                              StopRun stop) {
  return std::make_unique<LockstepEngine>(array, tile, std::move(stop));
}

std::unique_ptr<MatmulEngine> recording_engine(std::unique_ptr<MatmulEngine> inner,
                                               MatmulRecorder& recorder, StopRun stop) {
  return std::make_unique<RecordingEngine>(std::move(inner), recorder, std::move(stop));
}

}  // namespace vtpu::mxu
