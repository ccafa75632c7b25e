// Simulating candidate programs for a choice the compiler makes by the
// chip's cycles (--precision auto, --tune): each runs through `vtpu run`
// (this executable) in a child process, one SystemC simulation per process,
// on a seeded random input, in a scratch directory removed afterwards.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "platform/config.pb.h"
#include "sw/compiler/compiler.h"

namespace vtpu {

// A scratch directory, removed with everything in it. `what` names the
// option that needs it, for the error when it cannot be made.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& what);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A program's simulated cycles on the chip: in all and per ONNX node (the
// layers it made).
struct Simulated {
  uint64_t total = 0;
  std::map<std::string, uint64_t> per_node;
};

// Runs `program` on `chip` (its --set already applied); throws vtpu::Error
// starting with `what` when the run fails.
Simulated simulate_candidate(const sw::Program& program, const config::Soc& chip,
                             const ScratchDir& dir, const std::string& what);

}  // namespace vtpu
