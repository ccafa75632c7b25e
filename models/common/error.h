// The error type that crosses block and layer boundaries. main() turns it into
// one line on stderr and a non-zero exit status (docs/cli.md lists them).
#pragma once

#include <stdexcept>
#include <string>

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
  explicit Error(const std::string& message, ExitCode code = ExitCode::kUsage)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

}  // namespace vtpu
