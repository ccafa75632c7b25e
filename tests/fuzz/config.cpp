// Fuzzes the configuration text and `--set`: the input up to a line "---" is
// a config file (--config), each line after it one `--set path=value`. The
// config part is also read as a DRAM memspec (the other schema in platform/).
#include "platform/config.h"

#include <sstream>

#include "models/common/error.h"
#include "platform/memspec.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find("\n---\n");
  const std::string text = input.substr(0, split);
  std::vector<std::string> overrides;
  if (split != std::string::npos) {
    std::istringstream lines(input.substr(split + 5));
    for (std::string line; std::getline(lines, line);) overrides.push_back(line);
  }
  try {
    vtpu::config::load(vtpu::fuzz::as_file(data, text.size(), ".textproto"), overrides);
  } catch (const vtpu::Error&) {
  }
  try {
    vtpu::config::parse_memspec("fuzz", text, "fuzz.textproto");
  } catch (const vtpu::Error&) {
  }
  return 0;
}
