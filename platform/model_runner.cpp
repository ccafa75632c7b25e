#include "platform/model_runner.h"

#include <cstring>
#include <sstream>

#include "models/common/hex.h"
#include "models/isa/vtpu/isa.h"
#include "platform/elf_loader.h"

namespace vtpu::runtime {

const char* layer_kind_name(uint8_t kind) {
  switch (kind) {
    case VTPU_LAYER_MATMUL: return "matmul";
    case VTPU_LAYER_CONV2D: return "conv2d";
    case VTPU_LAYER_POOL: return "pool";
    case VTPU_LAYER_ELEMENTWISE: return "elementwise";
    case VTPU_LAYER_SOFTMAX: return "softmax";
    case VTPU_LAYER_LAYERNORM: return "layernorm";
    case VTPU_LAYER_COPY: return "copy";
    case VTPU_LAYER_FILL: return "fill";
    default: return "unknown kind";
  }
}

namespace {

const char* bad_layer_reason(uint32_t reason) {
  switch (reason) {
    case VTPU_BAD_KIND: return "unknown kind, op or element type";
    case VTPU_BAD_SHAPE: return "a zero or inconsistent dimension";
    case VTPU_BAD_FIT: return "no tiling fits the chip's VMEM and AMEM";
    case VTPU_BAD_SCRATCH: return "needs more scratch than the model provides";
    default: return "invalid layer";
  }
}

const char* accel_error_name(uint32_t cause) {
  switch (cause) {
    case VTPU_ERR_OPCODE: return "bad opcode";
    case VTPU_ERR_ADDRESS: return "operand outside its memory";
    case VTPU_ERR_SHAPE: return "bad shape";
    case VTPU_ERR_TYPE: return "unsupported element type";
    case VTPU_ERR_SEMAPHORE: return "bad semaphore";
    case VTPU_ERR_DEADLOCK: return "deadlock";
    case VTPU_ERR_DMA: return "DMA refused the copy";
    case VTPU_ERR_OVERFLOW: return "queue overflow";
    default: return "unknown cause";
  }
}

const char* dma_cause_name(uint32_t cause) {
  switch (cause) {
    case VTPU_DMA_CAUSE_SRC_RANGE: return "source outside memory";
    case VTPU_DMA_CAUSE_DST_RANGE: return "destination outside memory";
    case VTPU_DMA_CAUSE_ZERO_SIZE: return "zero size";
    case VTPU_DMA_CAUSE_BUSY: return "engine busy";
    case VTPU_DMA_CAUSE_BUS_ERROR: return "bus error";
    default: return "unknown DMA cause";
  }
}

const char* queue_name(uint32_t queue) {
  switch (queue) {
    case VTPU_QUEUE_DMA: return "DMA";
    case VTPU_QUEUE_MXU: return "MXU";
    case VTPU_QUEUE_VPU: return "VPU";
    default: return "?";
  }
}

}  // namespace

std::string describe_failure(const vtpu_run_result& r, const std::vector<vtpu_layer>& layers) {
  std::ostringstream out;
  if (r.status == VTPU_RUN_BAD_MODEL) return "the firmware found no valid model in HBM";
  out << "layer " << r.layer;
  if (r.layer < layers.size())
    out << " (" << layer_kind_name(layers[r.layer].kind) << ", node " << layers[r.layer].node
        << ")";
  if (r.status == VTPU_RUN_BAD_LAYER) {
    out << ": refused by the firmware: " << bad_layer_reason(r.reason);
  } else {
    out << ": accelerator error: " << accel_error_name(r.reason);
    if (r.reason == VTPU_ERR_DMA) out << " (" << dma_cause_name(r.detail) << ")";
    out << " in the " << queue_name(r.queue) << " queue (opcode " << hex(r.opcode)
        << ", address bits 31..0 " << hex(r.address) << ")";
  }
  return out.str();
}

ModelRun run_model(const config::Soc& config, const std::string& runtime_elf,
                   const ModelImage& image, const RunOptions& options) {
  ModelRun out;
  Soc soc("vtpu", config, read_elf(runtime_elf), options);
  soc.write_hbm(0, image.bytes().data(), image.bytes().size());
  out.run = soc.run();
  out.image.resize(image.bytes().size());
  soc.read_hbm(0, out.image.data(), out.image.size());

  const vtpu_model_header& h = image.header();
  std::memcpy(&out.result, out.image.data() + h.results, sizeof out.result);
  const bool written = out.result.magic == VTPU_RESULT_MAGIC;
  const uint32_t reached = written ? std::min(out.result.layer + 1, h.layer_count) : 0;
  out.layers.resize(reached);
  if (reached > 0)
    std::memcpy(out.layers.data(), out.image.data() + h.results + sizeof(vtpu_run_result),
                reached * sizeof(vtpu_layer_result));

  if (out.run.end != RunResult::End::kExit)
    out.error = out.run.message;
  else if (!written)
    out.error = "the firmware ended (exit code " + std::to_string(out.run.firmware_exit_code) +
                ") without writing the result area";
  else if (out.result.status != VTPU_RUN_OK)
    out.error = describe_failure(out.result, image.layers());
  return out;
}

}  // namespace vtpu::runtime
