#include "models/common/read_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/common/error.h"

namespace vtpu {

std::string read_file(const std::string& path, uint64_t limit) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) throw Error(path + ": cannot open");
  if (!std::filesystem::is_regular_file(status)) throw Error(path + ": not a regular file");
  const uint64_t size = std::filesystem::file_size(path, error);
  if (!error && size > limit)
    throw Error(path + ": " + std::to_string(size) + " bytes, more than the " +
                std::to_string(limit >> 20) + " MiB vtpu reads");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw Error(path + ": cannot read");
  return bytes.str();
}

}  // namespace vtpu
