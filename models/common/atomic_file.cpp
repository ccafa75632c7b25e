#include "models/common/atomic_file.h"

#include <cstdio>
#include <fstream>

#include "models/common/error.h"

namespace vtpu {

void write_file_atomically(const std::string& path, const std::function<bool(std::ostream&)>& write,
                           const std::string& what) {
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

}  // namespace vtpu
