#include "models/common/atomic_file.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "models/common/error.h"

namespace vtpu {

void write_file_atomically(const std::string& path, const std::function<bool(std::ostream&)>& write,
                           const std::string& what) {
  // A device or a pipe (/dev/null, /dev/full) is written in place: renaming a
  // file over it would replace it.
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!error && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    std::ofstream out(path, std::ios::binary);
    if (!(out && write(out) && out.flush())) throw Error(path + ": cannot write" + what);
    return;
  }
  const std::string partial = path + ".partial";
  bool written = false;
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    written = out && write(out) && out.flush();
  }
  if (!written || std::rename(partial.c_str(), path.c_str()) != 0) {
    std::remove(partial.c_str());
    throw Error(path + ": cannot write" + what);
  }
}

void check_writable(const std::string& option, const std::string& path) {
  const std::filesystem::path dir =
      std::filesystem::absolute(std::filesystem::path(path)).parent_path();
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error) || access(dir.c_str(), W_OK) != 0)
    throw Error(option + " " + path + ": cannot write in " + dir.string());
}

}  // namespace vtpu
