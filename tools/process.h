// Child processes of the vtpu command: a simulation per process (SystemC
// elaborates once), so sweeps and --precision auto run `vtpu run` as children.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace vtpu {

// The running vtpu executable (/proc/self/exe); throws vtpu::Error.
std::string self_executable();

// Starts `argv` with stdout and stderr into the file `log`; throws
// vtpu::Error when it cannot start.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log);

// spawn(), then waits: the exit status, 128 + N for signal N.
int run_process(const std::vector<std::string>& argv, const std::string& log);

}  // namespace vtpu
