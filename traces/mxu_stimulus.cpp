#include "traces/mxu_stimulus.h"

#include "models/common/error.h"
#include "models/common/version.h"
#include "traces/delimited.h"
#include "traces/mxu_stimulus.pb.h"

namespace vtpu::trace {

struct MatmulWriter::Impl {
  explicit Impl(const std::string& path) : out(path, "mxu.record: " + path + ": cannot write") {}
  DelimitedWriter out;
};

MatmulWriter::MatmulWriter(const std::string& path, const std::string& config,
                           const std::string& config_text, const std::string& workload,
                           uint32_t rows, uint32_t cols, const std::string& timing)
    : impl_(std::make_unique<Impl>(path)) {
  StimulusHeader h;
  h.set_version(kStimulusVersion);
  h.set_config(config);
  h.set_vtpu_version(version());
  h.set_config_text(config_text);
  h.set_workload(workload);
  h.set_rows(rows);
  h.set_cols(cols);
  h.set_timing(timing);
  impl_->out.write(h);
}

MatmulWriter::~MatmulWriter() = default;

void MatmulWriter::matmul(const vtpu_insn_matmul& x, const uint8_t* vmem, uint64_t vmem_base,
                          const std::vector<uint8_t>& c_before, const uint8_t* amem,
                          uint64_t amem_base, uint64_t cycles) {
  const uint32_t e = vtpu_type_size(x.precision);
  Matmul r;
  r.set_precision(x.precision);
  r.set_m(x.m);
  r.set_k(x.k);
  r.set_n(x.n);
  r.set_accumulate(x.accumulate != 0);
  const uint8_t* a = vmem + (x.a_addr - vmem_base);
  const uint8_t* b = vmem + (x.b_addr - vmem_base);
  const uint8_t* c = amem + (x.c_addr - amem_base);
  std::string* out = r.mutable_a();
  for (uint32_t i = 0; i < x.m; ++i)
    out->append(reinterpret_cast<const char*>(a + uint64_t{i} * x.a_stride), uint64_t{x.k} * e);
  out = r.mutable_b();
  for (uint32_t i = 0; i < x.k; ++i)
    out->append(reinterpret_cast<const char*>(b + uint64_t{i} * x.b_stride), uint64_t{x.n} * e);
  r.set_c_before(c_before.data(), c_before.size());
  out = r.mutable_c_after();
  for (uint32_t i = 0; i < x.m; ++i)
    out->append(reinterpret_cast<const char*>(c + uint64_t{i} * x.c_stride), 4ull * x.n);
  r.set_cycles(cycles);
  impl_->out.write(r);
}

struct MatmulReader::Impl {
  explicit Impl(const std::string& path) : in(path) {}
  DelimitedReader in;
  Matmul record;
};

MatmulReader::MatmulReader(const std::string& path)
    : impl_(std::make_unique<Impl>(path)), path_(path) {
  StimulusHeader h;
  if (!impl_->in.read_header(h) || h.version() == 0)
    throw Error(path + ": not an MXU stimulus recording");
  if (h.version() != kStimulusVersion)
    throw Error(path + ": MXU stimulus version " + std::to_string(h.version()) +
                "; this build reads version " + std::to_string(kStimulusVersion));
  rows_ = h.rows();
  cols_ = h.cols();
  timing_ = h.timing();
}

MatmulReader::~MatmulReader() = default;

bool MatmulReader::next(RecordedMatmul& out) {
  Matmul& r = impl_->record;
  if (!impl_->in.next(r)) return false;
  const uint64_t index = impl_->in.count() - 1;
  if (r.precision() != VTPU_TYPE_INT8 && r.precision() != VTPU_TYPE_BF16)
    throw Error(path_ + ": record " + std::to_string(index) + " has an unknown precision " +
                std::to_string(r.precision()));
  const uint64_t e = vtpu_type_size(r.precision());
  if (r.a().size() != uint64_t{r.m()} * r.k() * e || r.b().size() != uint64_t{r.k()} * r.n() * e ||
      r.c_before().size() != 4ull * r.m() * r.n() || r.c_after().size() != 4ull * r.m() * r.n())
    throw Error(path_ + ": record " + std::to_string(index) + " has operands of wrong sizes");
  out.precision = r.precision();
  out.m = r.m();
  out.k = r.k();
  out.n = r.n();
  out.accumulate = r.accumulate();
  out.a.assign(r.a().begin(), r.a().end());
  out.b.assign(r.b().begin(), r.b().end());
  out.c_before.assign(r.c_before().begin(), r.c_before().end());
  out.c_after.assign(r.c_after().begin(), r.c_after().end());
  out.cycles = r.cycles();
  return true;
}

}  // namespace vtpu::trace
