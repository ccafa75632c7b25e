// Reading a firmware ELF: checks that it is a 32-bit little-endian RISC-V
// executable with well-formed program headers, and collects its loadable
// segments, entry point and the `tohost` symbol (Spike's HTIF convention).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vtpu {

struct ElfSegment {
  uint32_t address = 0;       // physical (load) address
  uint32_t memory_size = 0;   // bytes in memory; beyond data: zero-filled
  std::vector<uint8_t> data;  // file contents
};

// A function of the symbol table (STT_FUNC, or a global label in code such as
// an assembly `_start`): what a firmware profile names.
struct ElfFunction {
  uint32_t address = 0, size = 0;  // size 0: up to the next one
  std::string name;
};

struct ElfImage {
  std::string path;
  uint32_t entry = 0;
  std::vector<ElfSegment> segments;
  std::optional<uint32_t> tohost;      // address of the `tohost` symbol, if any
  std::vector<ElfFunction> functions;  // by address; empty for a stripped ELF
};

// The function `address` lies in, or null (before the first, or past the end
// of a sized one).
const ElfFunction* function_at(const ElfImage& image, uint32_t address);

// Throws vtpu::Error("PATH: reason") for anything that is not a loadable
// RV32 executable.
ElfImage read_elf(const std::string& path);

}  // namespace vtpu
