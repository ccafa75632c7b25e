#include "tools/network.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include "models/common/atomic_file.h"
#include "models/common/error.h"
#include "models/common/version.h"
#include "models/isa/vtpu/model.h"
#include "models/isa/vtpu/names.h"
#include "models/vpu/numerics.h"
#include "platform/config.h"
#include "platform/firmware_profile.h"
#include "platform/memory_system.h"
#include "platform/model_runner.h"
#include "platform/timeline.h"
#include "sw/compiler/compiler.h"
#include "sw/compiler/executable.h"
#include "sw/onnx/importer.h"
#include "sw/onnx/qdq.h"
#include "sw/runtime/reference.h"
#include "sw/tensor/npy.h"
#include "tools/auto_precision.h"
#include "tools/digest.h"
#include "tools/report.h"
#include "tools/tune.h"

namespace vtpu {

namespace {

namespace fs = std::filesystem;

std::string shape_text(const std::vector<int64_t>& s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? "," : "") + std::to_string(s[i]);
  return t + "]";
}

// A float32 tensor for graph input `name` of `shape` from FILE.npy.
sw::Tensor read_input(const std::string& path, const std::string& name,
                      const std::vector<int64_t>& shape) {
  std::string descr;
  sw::Tensor t = sw::read_npy(path, &descr);
  // Not narrowed in silence: the values would not be the ones the user holds.
  if (descr == "<f8")
    throw Error(path + ": input '" + name +
                "' must be float32, the file holds float64 (save it with .astype(numpy.float32))");
  if (t.dtype != sw::DType::kFloat32)
    throw Error(path + ": input '" + name + "' must be float32, the file holds " +
                sw::dtype_name(t.dtype));
  if (t.shape != shape)
    throw Error(path + ": input '" + name + "' has shape " + shape_text(t.shape) +
                "; the model expects " + shape_text(shape));
  return t;
}

// An input's values as the binding has them lie in HBM: as they are, or an
// NCHW image in N, H, W, C order (an input bound NHWC), padded with 0.0 and
// folded into blocks when the binding says so (sw::Binding::block).
std::vector<float> stored_layout(const std::vector<float>& v, const sw::Binding& b) {
  if (!b.nhwc) return v;
  const int64_t n = b.shape[0], c = b.shape[1], h = b.shape[2], w = b.shape[3];
  const bool blocked = b.block > 1 && b.pads.size() == 4;  // pads come with a block
  const std::vector<int64_t> stored = b.stored_shape();    // N, Hs, Ws, s s C when blocked
  const int64_t s = blocked ? b.block : 1, top = blocked ? b.pads[0] : 0;
  const int64_t left = blocked ? b.pads[1] : 0;
  const int64_t hs = blocked ? stored[1] : h, ws = blocked ? stored[2] : w;
  std::vector<float> out(static_cast<size_t>(n * hs * ws * s * s * c), 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          const int64_t py = y + top, px = x + left;
          const int64_t pixel = (i * hs + py / s) * ws + px / s;
          out[(pixel * s + py % s) * s * c + px % s * c + ch] = v[((i * c + ch) * h + y) * w + x];
        }
  return out;
}

// Values in a binding's element type, as the chip's QUANT and CONVERT
// would write them (int8 quantized with its parameters, bf16 rounded to
// nearest even), and back as its DEQUANT and CONVERT would read them.
std::vector<uint8_t> encode(const std::vector<float>& v, const sw::Binding& b) {
  std::vector<uint8_t> out(b.bytes());  // v holds the binding's stored shape
  for (size_t i = 0; i < v.size(); ++i) {
    if (b.type == VTPU_TYPE_INT8) {
      out[i] = static_cast<uint8_t>(numerics::quantize_int8(v[i], b.scale, b.zero_point));
    } else if (b.type == VTPU_TYPE_BF16) {
      const uint16_t h = numerics::f32_to_bf16(v[i]);
      std::memcpy(&out[2 * i], &h, 2);
    } else {
      std::memcpy(&out[4 * i], &v[i], 4);
    }
  }
  return out;
}

std::vector<float> decode(const uint8_t* p, size_t count, const sw::Binding& b) {
  std::vector<float> v(count);
  for (size_t i = 0; i < count; ++i) {
    if (b.type == VTPU_TYPE_INT8) {
      v[i] = numerics::dequantize_int8(static_cast<int8_t>(p[i]), b.scale, b.zero_point);
    } else if (b.type == VTPU_TYPE_BF16) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      v[i] = numerics::bf16_to_f32(h);
    } else {
      std::memcpy(&v[i], p + 4 * i, 4);
    }
  }
  return v;
}

// Calibration samples: for a one-input model every .npy in DIR; otherwise
// DIR/<input name>/*.npy, paired in name order (batch-1 samples grouped N at a
// time for a model re-exported with --batch N).
std::vector<sw::Env> read_calibration(const std::string& dir, const sw::Graph& g, bool rebatched) {
  std::vector<sw::Env> samples;
  if (dir.empty()) return samples;
  if (!fs::is_directory(dir)) throw Error(dir + ": --calibration needs a directory of .npy files");
  auto files = [](const fs::path& d) {
    std::vector<std::string> out;
    for (const fs::directory_entry& e : fs::directory_iterator(d))
      if (e.path().extension() == ".npy") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
  };
  for (const std::string& in : g.inputs) {
    const std::vector<std::string> list =
        g.inputs.size() == 1 ? files(dir) : files(fs::path(dir) / in);
    if (list.empty()) throw Error(dir + ": no .npy calibration samples for input '" + in + "'");
    const std::vector<int64_t>& shape = g.values.at(in).shape;
    // A model re-exported for batch N (--batch) takes batch-1 samples N at a
    // time, in order and wrapping around, so that it calibrates on the same
    // images (and finds the same ranges) as the batch-1 model.
    const int64_t batch = rebatched && !shape.empty() ? shape[0] : 1;
    const size_t count = (list.size() + batch - 1) / batch;
    if (samples.empty()) samples.resize(count);
    if (count != samples.size())
      throw Error(dir + ": inputs have different numbers of calibration samples");
    std::vector<int64_t> one = shape;
    if (batch > 1) one[0] = 1;
    for (size_t i = 0; i < count; ++i) {
      sw::Tensor t;
      for (int64_t b = 0; b < batch; ++b) {
        const sw::Tensor part = read_input(list[(i * batch + b) % list.size()], in, one);
        t.f.insert(t.f.end(), part.f.begin(), part.f.end());
      }
      t.shape = shape;
      samples[i][in] = std::move(t);
    }
  }
  return samples;
}

// --precision, --sparsity and --sparsity-skip as compile options (docs/cli.md).
sw::CompileOptions compile_options(const CompileRequest& r) {
  sw::CompileOptions o;
  if (r.precision != "int8" && r.precision != "bf16" && r.precision != "int4" &&
      r.precision != "auto")
    throw Error("--precision: expected int8, bf16, int4 or auto, got '" + r.precision + "'");
  o.int4_weights = r.precision == "int4";
  o.precision = o.int4_weights || r.precision == "auto" ? sw::Precision::kInt8
                                                        : sw::parse_precision(r.precision, "");
  if (r.precision == "auto" && !r.sparsity.empty())
    throw Error("--sparsity: not with --precision auto (it chooses 2:4 per layer)");
  if (r.sparsity == "2:4")
    o.sparsity_2_4 = true;
  else if (!r.sparsity.empty() && r.sparsity != "dense")
    throw Error("--sparsity: expected 2:4 or dense, got '" + r.sparsity + "'");
  if (!r.sparsity_skip.empty() && !o.sparsity_2_4)
    throw Error("--sparsity-skip: only with --sparsity 2:4");
  for (size_t at = 0; at <= r.sparsity_skip.size() && !r.sparsity_skip.empty();) {
    const size_t comma = std::min(r.sparsity_skip.find(',', at), r.sparsity_skip.size());
    o.sparsity_skip.insert(r.sparsity_skip.substr(at, comma - at));
    at = comma + 1;
  }
  if (o.sparsity_2_4 && o.precision != sw::Precision::kInt8)
    throw Error("--sparsity 2:4: needs --precision int8 (2:4 weights are int8)");
  if (o.sparsity_2_4 && o.int4_weights)
    throw Error("--sparsity 2:4: not with --precision int4 (the MXU takes one or the other)");
  return o;
}

sw::Program compile_onnx(const CompileRequest& r) {
  sw::Graph g = sw::import_onnx(r.model, r.batch);
  sw::CompileOptions o = compile_options(r);
  o.array_rows = r.chip.mxu().rows();
  o.memory_bytes_per_cycle = hbm_bytes_per_cycle(r.chip);
  if (holds_weights(r.chip)) {
    o.vmem_bytes = r.chip.memory().vmem_kib() * 1024u;
    o.array_cols = r.chip.mxu().cols();
  }
  if (o.precision == sw::Precision::kInt8)
    o.calibration = read_calibration(r.calibration, g, r.batch > 0);
  if (r.tune && r.precision == "auto") throw Error("--tune: not with --precision auto");
  try {
    if (r.tune) {
      TuneResult tuned = compile_tuned(g, o, r.chip);
      if (r.explain) std::fputs(explain(tuned).c_str(), stdout);
      return std::move(tuned.program);
    }
    if (r.precision != "auto") return sw::compile(std::move(g), o);
    AutoResult chosen = compile_auto(g, o, r.chip, r.accuracy_budget);
    if (r.explain) std::fputs(explain(chosen).c_str(), stdout);
    return std::move(chosen.program);
  } catch (const Error& e) {
    throw Error(r.model + ": " + e.what(), e.code(), e.layer());
  }
}

// One output file name per graph output (characters a path cannot hold replaced).
std::string file_name(const std::string& output) {
  std::string s = output;
  for (char& c : s)
    if (c == '/' || c == '\\' || c == ':') c = '_';
  return s + ".npy";
}

// Progress of a long run on a terminal (layer i/n, simulated time, host
// time), from the runtime's layer markers; forwards every event to the
// timeline when there is one.
class Progress : public TraceSink {
 public:
  Progress(const std::vector<sw::LayerInfo>& layers, TraceSink* next)
      : layers_(layers), next_(next), start_(std::chrono::steady_clock::now()) {}
  ~Progress() override {
    if (shown_) std::printf("\r%-100s\r", "");
    std::fflush(stdout);
  }
  void instruction(unsigned queue, const vtpu_insn& insn, sc_core::sc_time start,
                   sc_core::sc_time end, uint64_t bytes, uint32_t depth, uint32_t tag) override {
    if (next_) next_->instruction(queue, insn, start, end, bytes, depth, tag);
  }
  void marker(uint32_t value, sc_core::sc_time at) override {
    if (next_) next_->marker(value, at);
    if (value & VTPU_MARKER_LAYER_END) return;
    const auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    shown_ = true;
    const std::string name = value < layers_.size() ? layers_[value].name : "";
    std::printf("\r  layer %u/%zu %-40.40s %9.3f ms simulated, %6.1f s", value + 1, layers_.size(),
                name.c_str(), at.to_seconds() * 1e3,
                std::chrono::duration<double>(now - start_).count());
    std::fflush(stdout);
  }

 private:
  const std::vector<sw::LayerInfo>& layers_;
  TraceSink* next_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
};

// Input `index` of `shape` drawn from N(0, 1) by `seed`: the same values for
// the same seed, input and shape on every run.
sw::Tensor random_input(uint64_t seed, size_t index, const std::vector<int64_t>& shape) {
  std::seed_seq sequence{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                         static_cast<uint32_t>(index)};
  std::mt19937 rng(sequence);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  std::vector<float> values(static_cast<size_t>(count));
  for (float& v : values) v = normal(rng);
  return sw::Tensor::floats(shape, std::move(values));
}

// Writes each graph input of `request` (NAME=FILE.npy, or a seeded random
// one) into the image: each input exactly once, in the model's type and layout.
void bind_inputs(const RunRequest& request, sw::Program& program) {
  std::map<std::string, std::string> files;
  std::string every;  // `--input random[:SEED]` for every input not named
  for (const std::string& arg : request.inputs) {
    const size_t eq = arg.find('=');
    std::string name, path;
    uint64_t seed = 0;
    if (eq == std::string::npos && random_source(arg, seed)) {  // every input not given
      if (!every.empty()) throw Error("--input " + arg + ": random given twice");
      every = arg;
      continue;
    }
    if (eq == std::string::npos) {
      if (program.inputs.size() != 1)
        throw Error("--input " + arg + ": the model has " + std::to_string(program.inputs.size()) +
                    " inputs; use NAME=FILE.npy");
      name = program.inputs[0].name;
      path = arg;
    } else {
      name = arg.substr(0, eq);
      path = arg.substr(eq + 1);
    }
    if (path.empty()) throw Error("--input " + arg + ": no file given");
    if (std::none_of(program.inputs.begin(), program.inputs.end(),
                     [&](const sw::Binding& b) { return b.name == name; }))
      throw Error("--input " + arg + ": the model has no input '" + name + "'");
    if (!files.emplace(name, path).second)
      throw Error("--input " + arg + ": input '" + name + "' given twice");
  }
  if (!every.empty())
    for (const sw::Binding& b : program.inputs) files.emplace(b.name, every);
  for (size_t i = 0; i < program.inputs.size(); ++i) {
    const sw::Binding& b = program.inputs[i];
    if (!files.count(b.name))
      throw Error("missing input '" + b.name + "' " + shape_text(b.shape) + " (--input " + b.name +
                  "=FILE.npy, or --input random)");
    uint64_t seed = 0;
    const sw::Tensor t = random_source(files.at(b.name), seed)
                             ? random_input(seed, i, b.shape)
                             : read_input(files.at(b.name), b.name, b.shape);
    if (b.nhwc && b.shape.size() != 4)
      throw Error(request.model + ": input '" + b.name + "' is bound NHWC but is not 4-D " +
                  shape_text(b.shape));
    const std::vector<uint8_t> data = encode(stored_layout(t.f, b), b);
    program.image.write(b.offset, data.data(), data.size());
  }
}

// Each graph output as DIR/<name>.npy (float32), from the image after the run.
// A .vtpu's layer table, checked before it runs as the firmware and the
// host's reference check each layer: a corrupt field (a batch of 2^32, a
// pool over 10^6 images) is refused now instead of running for hours.
void check_layer_table(const std::string& path, const sw::Program& program) {
  try {
    runtime::check_layer_table(program.image);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

// The host reference of the same layer table on the image as it went in
// (inputs bound): every output byte must be the chip's. Throws vtpu::Error
// (status 3) naming the first output and byte that differ.
void check_against_reference(const config::Soc& config, const sw::Program& program,
                             const std::vector<uint8_t>& after) {
  std::vector<uint8_t> expected = program.image.bytes();
  const mxu::ArrayConfig array = array_config(config);
  for (const vtpu_layer& l : program.image.layers()) runtime::reference_layer(l, array, expected);
  for (const sw::Binding& b : program.outputs) {
    const uint64_t bytes = b.bytes();
    for (uint64_t i = 0; i < bytes; ++i) {
      const uint64_t at = b.offset + i;
      if (expected.at(at) != after.at(at))
        throw Error("--check: output '" + b.name + "' differs from the host reference at byte " +
                        std::to_string(i) + " of " + std::to_string(bytes) + " (expected " +
                        std::to_string(expected[at]) + ", got " + std::to_string(after[at]) + ")",
                    ExitCode::kFirmwareFault);
    }
  }
}

}  // namespace

std::vector<sw::Tensor> reference_outputs(const sw::Program& program, const sw::Env& inputs,
                                          const config::Soc& chip) {
  std::vector<uint8_t> image = program.image.bytes();
  for (const sw::Binding& b : program.inputs) {
    const std::vector<uint8_t> data = encode(stored_layout(inputs.at(b.name).f, b), b);
    std::copy(data.begin(), data.end(), image.begin() + static_cast<std::ptrdiff_t>(b.offset));
  }
  const mxu::ArrayConfig array = array_config(chip);
  for (const vtpu_layer& l : program.image.layers()) runtime::reference_layer(l, array, image);
  std::vector<sw::Tensor> outputs;
  for (const sw::Binding& b : program.outputs) {
    sw::Tensor t;
    t.shape = b.shape;
    t.f = decode(image.data() + b.offset, static_cast<size_t>(t.numel()), b);
    outputs.push_back(std::move(t));
  }
  return outputs;
}

namespace {

// Writes each output as DIR/NAME.npy and appends its path to `written`.
void write_outputs(const std::string& dir, const sw::Program& program,
                   const std::vector<uint8_t>& image, std::vector<std::string>& written) {
  for (const sw::Binding& b : program.outputs) {
    sw::Tensor t;
    t.shape = b.shape;
    t.f = decode(image.data() + b.offset, static_cast<size_t>(t.numel()), b);
    const std::string path = (fs::path(dir) / file_name(b.name)).string();
    sw::write_npy(path, t);
    written.push_back(path);
  }
}

// SIGINT and SIGTERM during the simulation end the run cleanly (docs/cli.md):
// the handler only sets a flag the core polls between blocks, so the trace is
// closed as valid JSON marked partial and no output or report is written
// (exit status 130). A second signal kills as usual (SA_RESETHAND).
std::atomic<bool> g_cancel{false};

class StopOnSignal {
 public:
  StopOnSignal() {
    struct sigaction action {};
    action.sa_handler = [](int) { g_cancel.store(true, std::memory_order_relaxed); };
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopOnSignal() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  struct sigaction old_int_ = {};
  struct sigaction old_term_ = {};
};

// `vtpu run`'s simulated-time limit when --max-time is not given
// (docs/cli.md): far beyond any real run of the model, so that only a run
// that cannot end (a firmware stuck in a loop, a unit that never finishes)
// meets it, in about a second of host time for small models. In core clock
// cycles: 10^7, plus 10^5 per layer, plus 16 per byte of the image and its
// scratch space (every tensor moved at 1/16 byte per cycle), plus 16 per
// array's worth of multiply-accumulates. ResNet-50 int8 runs in under 10^6
// cycles on tpuv3-like; its limit is about 5 x 10^8.
sc_core::sc_time default_time_limit(const config::Soc& config, const sw::Program& program) {
  const vtpu_model_header& h = program.image.header();
  double macs = 0;
  for (const sw::LayerInfo& l : program.layers) macs += static_cast<double>(l.macs);
  const double cycles = 1e7 + 1e5 * static_cast<double>(program.layers.size()) +
                        16.0 * static_cast<double>(h.scratch + h.scratch_size) +
                        16.0 * macs / (config.mxu().rows() * config.mxu().cols());
  const double seconds = std::min(cycles / (config.clock_mhz() * 1e6), 1e6);
  return sc_core::sc_time(seconds, sc_core::SC_SEC);
}

}  // namespace

void check_calibration(const std::string& dir, const std::string& model) {
  read_calibration(dir, sw::import_onnx(model, 0), false);
}

// `random` or `random:SEED` for an input (docs/cli.md): a seeded random
// input instead of a file. Returns whether `source` is one, and its seed.
bool random_source(const std::string& source, uint64_t& seed) {
  if (source == "random") {
    seed = 0;
    return true;
  }
  if (source.rfind("random:", 0) != 0) return false;
  const std::string digits = source.substr(7);
  if (digits.empty() || digits.size() > 19 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    throw Error("--input " + source + ": expected random or random:SEED (SEED 0 to 10^19 - 1)");
  seed = std::stoull(digits);
  return true;
}

void compile_model(const CompileRequest& request, const std::string& out) {
  std::error_code ignored;
  for (const auto& [option, path] :
       {std::pair{"-o", out}, std::pair{"--emit-qdq", request.emit_qdq}})
    if (!path.empty() && fs::equivalent(path, request.model, ignored))
      throw Error(std::string(option) + " " + path + ": is the model being compiled");
  const sw::Program p = compile_onnx(request);
  if (!request.emit_qdq.empty()) sw::write_qdq(request.emit_qdq, p);
  sw::write_executable(out, p, request.model);
  std::printf("%s: %zu layers, %s, image %.1f MiB -> %s\n", request.model.c_str(), p.layers.size(),
              sw::precision_name(p.precision), p.image.bytes().size() / 1048576.0, out.c_str());
}

bool is_executable(const std::string& model) {
  const std::string suffix = ".vtpu";
  return model.size() >= suffix.size() &&
         model.compare(model.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_run_input(const RunRequest& request, const std::string& path) {
  std::error_code ignored;
  if (fs::equivalent(path, request.model, ignored)) return true;
  for (const std::string& arg : request.inputs) {
    const size_t eq = arg.find('=');
    const std::string input = eq == std::string::npos ? arg : arg.substr(eq + 1);
    // A random source reads no file (random_source() would throw on a bad
    // seed, and this is asked in error paths too).
    const bool random = input == "random" || input.rfind("random:", 0) == 0;
    if (!input.empty() && !random && fs::equivalent(path, input, ignored)) return true;
  }
  return false;
}

namespace {

// Refuses to write `path` (given by `option`) when the run reads it.
void check_not_an_input(const RunRequest& request, const std::string& option,
                        const std::string& path) {
  if (is_run_input(request, path))
    throw Error(option + " " + path + ": is also a file this run reads");
}

// The batch a report gives: the first input's leading dimension.
int64_t batch_of(const sw::Program& program) {
  if (program.inputs.empty() || program.inputs[0].shape.size() < 2) return 1;
  return program.inputs[0].shape[0];
}

// The run, up to its report (docs/cli.md, `vtpu run`). `header` learns the
// precision and batch as they become known, and the model's hash from
// `hash` (computed beside the compilation) before the simulation; a run that
// fails after the simulation leaves its report of the layers it finished in
// `partial`; the outputs it writes are appended to `written`.
Report run_and_report(const config::Soc& config, const RunRequest& request, RunHeader& header,
                      std::future<std::string>& hash, std::optional<Report>& partial,
                      std::vector<std::string>& written) {
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // The output directory, made when missing, before any work.
  if (!request.output_dir.empty()) {
    std::error_code error;
    fs::create_directories(request.output_dir, error);
    if (!fs::is_directory(request.output_dir))
      throw Error(request.output_dir + ": --output-dir is not a directory and cannot be made" +
                  (error ? " (" + error.message() + ")" : ""));
  }
  // The files an earlier run left where this one writes go before any work
  // (the .npy outputs once the model says their names), so that a run that
  // fails leaves none of them behind; none of them may be a file it reads.
  std::error_code ignored;
  const std::pair<const char*, std::string> files[] = {{"--report", request.report},
                                                       {"--trace", request.trace},
                                                       {"--transactions", request.transactions},
                                                       {"--profile", request.profile}};
  std::map<fs::path, std::string> outputs;  // each file one output's (the later would win)
  for (const auto& [option, path] : files) {
    if (path.empty()) continue;
    check_not_an_input(request, option, path);
    const auto [at, added] = outputs.emplace(fs::weakly_canonical(path, ignored), option);
    if (!added)
      throw Error(std::string(option) + " " + path + ": is " + at->second + "'s file too");
    if (fs::is_regular_file(path, ignored)) fs::remove(path, ignored);
  }
  if (request.compile.batch != 0 && is_executable(request.model))
    throw Error(request.model + ": --batch re-exports ONNX models; a .vtpu keeps its batch");
  if (request.compile.tune && is_executable(request.model))
    throw Error(request.model + ": --tune compiles ONNX models; a .vtpu keeps its choices");
  CompileRequest compile = request.compile;
  compile.chip = config;
  sw::Program program =
      is_executable(request.model) ? sw::read_executable(request.model) : compile_onnx(compile);
  if (is_executable(request.model)) check_layer_table(request.model, program);
  header.precision = sw::precision_name(program.precision);
  header.batch = batch_of(program);
  const double compile_s = seconds();
  if (!request.output_dir.empty())
    for (const sw::Binding& b : program.outputs) {
      const std::string path = (fs::path(request.output_dir) / file_name(b.name)).string();
      check_not_an_input(request, "--output-dir", path);
      fs::remove(path, ignored);
    }
  bind_inputs(request, program);
  // Files written after the run: a directory they cannot go to is found now,
  // not once the outputs beside them are written.
  for (const auto& [option, path] : files)
    if (!path.empty()) check_writable(option, path);

  header.model_sha256 = hash.get();
  RunOptions limits = request.limits;
  const bool default_limit = limits.max_time == sc_core::SC_ZERO_TIME;
  if (default_limit) limits.max_time = default_time_limit(config, program);
  limits.transactions = request.transactions;
  limits.vcd = request.vcd;
  limits.profile = !request.profile.empty();
  std::unique_ptr<ChromeTrace> trace;
  if (!request.trace.empty()) {
    std::vector<ChromeTrace::Layer> names;
    for (const sw::LayerInfo& l : program.layers) names.push_back({l.name, l.op});
    trace = std::make_unique<ChromeTrace>(
        request.trace, request.model + " on " + config::describe(config), std::move(names));
    trace->add_other("vtpu_version", version());
    trace->add_other("config", config::describe(config));
    trace->add_other("model_sha256", header.model_sha256);
    limits.trace = trace.get();
  }
  std::unique_ptr<Progress> progress;
  if (isatty(fileno(stdout))) {  // quiet when stdout is a file or a pipe
    progress = std::make_unique<Progress>(program.layers, limits.trace);
    limits.trace = progress.get();
  }
  limits.cancel = &g_cancel;
  limits.workload = request.model + " (sha256 " + header.model_sha256 + ", " + header.precision +
                    ", batch " + std::to_string(header.batch) + ")";
  runtime::ModelRun run = [&] {
    StopOnSignal stop_on_signal;
    return run_model(config, request.firmware, program.image, limits);
  }();
  progress.reset();
  // The profile of a failed run too: where the core was spending its time.
  if (limits.profile)
    write_profile(request.profile, run.firmware, run.run.profile,
                  {run.run.cycles, run.run.instructions});
  // The timeline is closed as valid JSON: here for a complete run (a write
  // error is an error then), by its destructor for a failed one, marked
  // partial (the run's error is what the user hears of).
  if (trace && run.error.empty()) trace->close();
  if (trace && !run.error.empty()) trace->set_status("partial: " + run.error);
  trace.reset();
  partial = make_report(header, program, run, compile_s, seconds());
  if (!run.error.empty()) {
    const bool stopped = run.run.end == RunResult::End::kStopped;
    const bool our_limit = stopped && default_limit && run.run.stop_code == ExitCode::kLimit;
    // The layer it failed in: the firmware's when it reported the failure,
    // else the oldest the accelerator was still working on.
    const bool reported = run.result.magic == VTPU_RESULT_MAGIC && run.result.status != VTPU_RUN_OK;
    const int64_t failing = reported ? int64_t{run.result.layer} : run.run.accelerator_layer;
    throw Error(run.error + (our_limit ? " (the default limit for this model; --max-time sets "
                                         "another)"
                                       : ""),
                stopped ? run.run.stop_code : ExitCode::kFirmwareFault,
                failing >= 0 && static_cast<size_t>(failing) < program.layers.size()
                    ? program.layers[static_cast<size_t>(failing)].name
                    : "");
  }

  // Outputs, then the report: no output is written for a failed run (nor for
  // one whose outputs differ from the reference); its report says why.
  if (request.check) check_against_reference(config, program, run.image);
  if (!request.output_dir.empty()) write_outputs(request.output_dir, program, run.image, written);
  partial.reset();
  return make_report(header, program, run, compile_s, seconds());
}

}  // namespace

void run_network(const config::Soc& config, const RunRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  RunHeader header = run_header(config, request.model, false);
  if (!is_executable(request.model)) header.precision = request.compile.precision;
  // The model's SHA-256 (0.1 s for ResNet-50's 100 MB) on a second thread
  // while the model compiles.
  std::future<std::string> hash =
      std::async(std::launch::async, [&request] { return file_sha256(request.model); });
  std::optional<Report> partial;
  std::vector<std::string> written;
  try {
    const Report report = run_and_report(config, request, header, hash, partial, written);
    if (!request.report.empty()) {
      try {
        write_report(request.report, report);
      } catch (const Error&) {  // all or nothing: no outputs without their report
        std::error_code ignored;
        for (const std::string& path : written) fs::remove(path, ignored);
        throw;
      }
    }
    print_table(report, stdout);
  } catch (const Error& e) {
    // A refused or failed run's report (docs/observability.md): the header
    // with the error, and the layers the run finished (never over an input).
    if (request.report.empty() || is_run_input(request, request.report)) throw;
    if (hash.valid()) header.model_sha256 = hash.get();
    Report report =
        partial
            ? *partial
            : make_report(
                  header,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    set_error(report.header, e);
    try {
      write_report(request.report, report);
    } catch (const Error&) {  // the run's error is what the user hears of
    }
    throw;
  }
}

void write_refused_report(const std::string& path, const std::string& config,
                          const std::vector<std::string>& sets, const std::string& model,
                          const Error& error) {
  config::Soc described;  // what the command line asked for, unvalidated
  described.set_name(config.empty() ? config::kDefaultPreset : config);
  for (const std::string& item : sets) described.add_overrides(item);
  Report report = make_report(run_header(described, model), 0.0);
  set_error(report.header, error);
  try {
    write_report(path, report);
  } catch (const Error&) {  // the refusal is what the user hears of
  }
}

}  // namespace vtpu
