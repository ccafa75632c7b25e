// Runs a compiled model on the virtual chip: the firmware runtime ELF boots,
// the image goes into HBM, and afterwards the image and the result area come
// back (docs/runtime.md).
#pragma once

#include <string>
#include <vector>

#include "platform/config.pb.h"
#include "platform/soc.h"
#include "sw/runtime/model_image.h"

namespace vtpu::runtime {

struct ModelRun {
  RunResult run;                          // how the simulation ended
  vtpu_run_result result{};               // as the firmware left it (magic 0: never written)
  std::vector<vtpu_layer_result> layers;  // one per layer the firmware reached
  std::vector<uint8_t> image;             // the image's bytes after the run
  std::string error;                      // empty, or one line saying what failed
  ElfImage firmware;                      // the runtime as it was read (a profile's names)
};

ModelRun run_model(const config::Soc& config, const std::string& runtime_elf,
                   const ModelImage& image, const RunOptions& options);

// "layer 3 (conv2d, node 12): ..." for a failed run's result area.
std::string describe_failure(const vtpu_run_result& result, const std::vector<vtpu_layer>& layers);

}  // namespace vtpu::runtime
