// Fuzzes the firmware ELF loader (vtpu firmware, vtpu run --firmware).
#include "models/common/error.h"
#include "platform/elf_loader.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    vtpu::read_elf(vtpu::fuzz::as_file(data, size, ".elf"));
  } catch (const vtpu::Error&) {
  }
  return 0;
}
