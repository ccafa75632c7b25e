// Fuzzes the .vtpu loader and the layer-table check `vtpu run` applies to a
// .vtpu before it runs (tools/network.cpp): every field of every layer
// against the image, with the host reference's own checks.
#include "sw/compiler/executable.h"

#include "sw/runtime/reference.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const vtpu::sw::Program program =
        vtpu::sw::read_executable(vtpu::fuzz::as_file(data, size, ".vtpu"));
    vtpu::runtime::check_layer_table(program.image);
  } catch (const vtpu::Error&) {
  }
  return 0;
}
