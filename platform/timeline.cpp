#include "platform/timeline.h"

#include "models/common/error.h"
#include "models/common/json.h"
#include "models/isa/vtpu/model.h"
#include "models/vpu/vpu.h"

namespace vtpu {

namespace {

// Thread ids: the core's layers, then one per command-processor queue.
constexpr int kLayerThread = 1;
int queue_thread(unsigned queue) {
  return 2 + static_cast<int>(queue);
}

double us(sc_core::sc_time t) {
  return t.to_seconds() * 1e6;
}

std::string format(const char* fmt, double a, double b) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

}  // namespace

ChromeTrace::ChromeTrace(const std::string& path, const std::string& process,
                         std::vector<Layer> layers)
    : layers_(std::move(layers)), path_(path) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw Error(path + ": cannot write the trace");
  std::fputs("{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n", file_);
  event("{\"ph\": \"M\", \"pid\": 1, \"name\": \"process_name\", \"args\": {\"name\": " +
        json_string(process) + "}}");
  const char* names[] = {"core: layers", "DMA queue", "MXU queue", "VPU queue", "DMA1 queue"};
  for (int t = 0; t < 5; ++t)
    event("{\"ph\": \"M\", \"pid\": 1, \"tid\": " + std::to_string(t + 1) +
          ", \"name\": \"thread_name\", \"args\": {\"name\": \"" + names[t] + "\"}}");
}

ChromeTrace::~ChromeTrace() {
  try {
    close();
  } catch (const Error&) {  // a destructor does not throw; close() says it first
  }
}

void ChromeTrace::close() {
  if (!file_) return;
  std::string other = "{\"status\": " + json_string(status_);
  for (const auto& [key, value] : other_)
    other += ", " + json_string(key) + ": " + json_string(value);
  std::fputs(("\n], \"otherData\": " + other + "}}\n").c_str(), file_);
  const bool failed = std::ferror(file_) != 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (failed || !closed) throw Error(path_ + ": cannot write the trace");
}

void ChromeTrace::event(const std::string& json) {
  if (!first_) std::fputs(",\n", file_);
  first_ = false;
  std::fputs(json.c_str(), file_);
}

void ChromeTrace::instruction(unsigned queue, const vtpu_insn& insn, sc_core::sc_time start,
                              sc_core::sc_time end, uint64_t bytes, uint32_t depth, uint32_t tag) {
  std::string name, args;
  switch (insn.h.opcode) {
    case VTPU_OP_DMA:
      name = "DMA";
      args = "\"bytes\": " + std::to_string(bytes);
      break;
    case VTPU_OP_MATMUL:
      name = insn.matmul.precision == VTPU_TYPE_INT8 ? "MATMUL int8" : "MATMUL bf16";
      args = "\"m\": " + std::to_string(insn.matmul.m) +
             ", \"k\": " + std::to_string(insn.matmul.k) +
             ", \"n\": " + std::to_string(insn.matmul.n);
      break;
    default:
      name = vpu::op_name(insn.vpu.op);
      args = "\"rows\": " + std::to_string(insn.vpu.rows) +
             ", \"cols\": " + std::to_string(insn.vpu.cols);
  }
  const double t0 = us(start), t1 = us(end);
  event("{\"ph\": \"X\", \"pid\": 1, \"tid\": " + std::to_string(queue_thread(queue)) +
        ", \"name\": " + json_string(name) + format(", \"ts\": %.4f, \"dur\": %.4f", t0, t1 - t0) +
        ", \"args\": {" + args + ", \"tag\": " + std::to_string(tag) + "}}");
  static const char* const depth_names[VTPU_QUEUES] = {"DMA queue depth", "MXU queue depth",
                                                       "VPU queue depth", "DMA1 queue depth"};
  if (queue < VTPU_QUEUES)
    event(std::string("{\"ph\": \"C\", \"pid\": 1, \"name\": \"") + depth_names[queue] + "\"" +
          format(", \"ts\": %.4f, \"args\": {\"depth\": %.0f}}", t1, depth));
  if (bytes > 0 && t1 > t0) {  // DMA bandwidth in GB/s while the copy runs, per queue
    const std::string counter = queue == VTPU_QUEUE_DMA1 ? "DMA1 GB/s" : "DMA GB/s";
    event("{\"ph\": \"C\", \"pid\": 1, \"name\": \"" + counter + "\"" +
          format(", \"ts\": %.4f, \"args\": {\"GB/s\": %.3f}}", t0, bytes / ((t1 - t0) * 1e3)));
    event("{\"ph\": \"C\", \"pid\": 1, \"name\": \"" + counter + "\"" +
          format(", \"ts\": %.4f, \"args\": {\"GB/s\": %.0f}}", t1, 0.0));
  }
}

void ChromeTrace::marker(uint32_t value, sc_core::sc_time at) {
  const double t = us(at);
  const uint32_t index = value & ~VTPU_MARKER_LAYER_END;
  if (!(value & VTPU_MARKER_LAYER_END)) {
    layer_start_us_ = t;
    return;
  }
  if (layer_start_us_ < 0) return;
  const std::string name =
      index < layers_.size() ? layers_[index].name : "layer " + std::to_string(index);
  const std::string op = index < layers_.size() ? layers_[index].op : "";
  event("{\"ph\": \"X\", \"pid\": 1, \"tid\": " + std::to_string(kLayerThread) +
        ", \"name\": " + json_string(name) +
        format(", \"ts\": %.4f, \"dur\": %.4f", layer_start_us_, t - layer_start_us_) +
        ", \"args\": {\"index\": " + std::to_string(index) + ", \"op\": " + json_string(op) + "}}");
  layer_start_us_ = -1;
}

}  // namespace vtpu
