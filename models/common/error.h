// The error type that crosses block and layer boundaries. main() turns it into
// one line on stderr and a non-zero exit status (docs/cli.md lists them).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace vtpu {

enum class ExitCode : int {
  kUsage = 2,          // bad command line or bad input file (ELF, config, ...)
  kFirmwareFault = 3,  // trap with no handler, deadlock, fault at the trap vector
  kLimit = 4,          // --max-instructions or --max-time reached
  kKilled = 5,         // the debugger killed the run
  kCosim = 6,          // RTL co-simulation: lockstep mismatch, or a MATMUL the RTL cannot run
  kInterrupted = 130,  // SIGINT or SIGTERM ended the run (128 + SIGINT, as shells report it)
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ExitCode code = ExitCode::kUsage,
                 std::string layer = "")
      : std::runtime_error(message), code_(code), layer_(std::move(layer)) {}
  ExitCode code() const { return code_; }
  // The model's node or layer the error is about, when one is (a report's
  // status names it); empty otherwise.
  const std::string& layer() const { return layer_; }

 private:
  ExitCode code_;
  std::string layer_;
};

}  // namespace vtpu
