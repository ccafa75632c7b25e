#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tests/fuzz/fuzz.h"

namespace vtpu::fuzz {

std::string as_file(const uint8_t* data, size_t size, const std::string& extension) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("vtpu-fuzz-" + std::to_string(getpid()) + extension))
                               .string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) throw std::runtime_error("cannot write the fuzz input to " + path);
  return path;
}

}  // namespace vtpu::fuzz
