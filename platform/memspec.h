// DRAM memory specs as data: platform/configs/memspecs/<name>.textproto
// (schema platform/memspec.proto), compiled into the binary and selected by
// `hbm.preset`. Adding a standard or speed grade is adding a file.
#pragma once

#include <string>
#include <vector>

#include "models/hbm/timing.h"

namespace vtpu::config {

// Names of the built-in memspecs, sorted.
std::vector<std::string> memspec_names();

// The named built-in memspec as the HBM model's timing set. Throws vtpu::Error
// ("hbm.preset: unknown memspec 'x' (known: ...)") for another name.
const hbm::TimingSet& memspec(const std::string& name);

// Reads one memspec text (`source` names it in errors) and checks it: every
// field set, the declared ranges, and the rules a consistent set obeys
// (tRC >= tRAS + tRP, ...). Throws vtpu::Error naming source and field.
hbm::TimingSet parse_memspec(const std::string& name, const std::string& text,
                             const std::string& source);

}  // namespace vtpu::config
