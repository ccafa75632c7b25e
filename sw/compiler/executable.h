// Reading and writing .vtpu executables (sw/compiler/executable.proto).
#pragma once

#include <string>

#include "sw/compiler/compiler.h"

namespace vtpu::sw {

// 2: model image v2 (tensor table); 3: the file's SHA-256 at its end.
constexpr uint32_t kExecutableFormatVersion = 3;

// Writes through a temporary file renamed into place (no partial file on failure).
void write_executable(const std::string& path, const Program& program, const std::string& source);

// Throws vtpu::Error("PATH: reason") for a file that is not a .vtpu
// executable of this format version, or whose image is inconsistent.
Program read_executable(const std::string& path);

}  // namespace vtpu::sw
