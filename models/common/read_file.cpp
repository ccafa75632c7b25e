#include "models/common/read_file.h"

#include <filesystem>
#include <fstream>

#include "models/common/error.h"

namespace vtpu {

void require_regular_file(const std::string& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) throw Error(path + ": cannot open");
  if (!std::filesystem::is_regular_file(status)) throw Error(path + ": not a regular file");
}

std::string read_file(const std::string& path, uint64_t limit) {
  require_regular_file(path);
  std::error_code error;
  const uint64_t size = std::filesystem::file_size(path, error);
  const auto too_large = [&](uint64_t bytes) {
    return Error(path + ": " + std::to_string(bytes) + " bytes, more than the " +
                 std::to_string(limit >> 20) + " MiB vtpu reads");
  };
  if (!error && size > limit) throw too_large(size);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open");
  // One read into a string of the file's size (through a stream buffer that
  // grows, a 100 MB model took four copies and half a second), then whatever
  // a file that grew meanwhile has more, up to the limit.
  std::string bytes(error ? 0 : size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  char chunk[65536];
  while (!in.bad() && !in.eof()) {
    in.read(chunk, sizeof chunk);
    bytes.append(chunk, static_cast<size_t>(in.gcount()));
    if (bytes.size() > limit) throw too_large(bytes.size());
  }
  if (in.bad()) throw Error(path + ": cannot read");
  return bytes;
}

}  // namespace vtpu
