#include "platform/model_runner.h"

#include <cstring>
#include <sstream>

#include "models/common/hex.h"
#include "models/isa/vtpu/names.h"
#include "platform/elf_loader.h"

namespace vtpu::runtime {

std::string describe_failure(const vtpu_run_result& r, const std::vector<vtpu_layer>& layers) {
  std::ostringstream out;
  if (r.status == VTPU_RUN_BAD_MODEL) return "the firmware found no valid model in HBM";
  out << "layer " << r.layer;
  if (r.layer < layers.size())
    out << " (" << vtpu_layer_kind_name(layers[r.layer].kind) << ", node " << layers[r.layer].node
        << ")";
  if (r.status == VTPU_RUN_BAD_LAYER) {
    out << ": refused by the firmware: " << vtpu_bad_layer_text(r.reason);
  } else if (r.status == VTPU_RUN_WATCHDOG) {
    out << ": the firmware's watchdog: no accelerator instruction finished in " << r.detail
        << " us (runtime.watchdog_us); queues with unfinished work:";
    for (unsigned q = 0; q < VTPU_QUEUES; ++q)
      if (r.queue & (1u << q))
        out << (r.queue & ((1u << q) - 1) ? ", " : " ") << vtpu_queue_name(q);
  } else {
    out << ": accelerator error: " << vtpu_accel_error_text(r.reason);
    if (r.reason == VTPU_ERR_DMA) out << " (" << vtpu_dma_cause_text(r.detail) << ")";
    out << " in the " << vtpu_queue_name(r.queue) << " queue (opcode " << hex(r.opcode)
        << ", address bits 31..0 " << hex(r.address) << ")";
  }
  return out.str();
}

ModelRun run_model(const config::Soc& config, const std::string& runtime_elf,
                   const ModelImage& image, const RunOptions& options) {
  ModelRun out;
  out.firmware = read_elf(runtime_elf);
  Soc soc("vtpu", config, out.firmware, options);
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
