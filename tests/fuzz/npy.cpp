// Fuzzes the .npy reader (vtpu run --input, calibration sets).
#include "sw/tensor/npy.h"

#include "models/common/error.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    vtpu::sw::read_npy(vtpu::fuzz::as_file(data, size, ".npy"));
  } catch (const vtpu::Error&) {
  }
  return 0;
}
