// Shared by the fuzz harnesses (tests/fuzz/README.md): the libFuzzer entry
// point, and a fuzz input as a file for the loaders that take a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace vtpu::fuzz {

// Writes `data` to this process's scratch file with the given extension
// (".onnx", ".vtpu", ...) and returns its path; the next call overwrites it.
std::string as_file(const uint8_t* data, size_t size, const std::string& extension);

}  // namespace vtpu::fuzz
