#include "tools/candidate_runs.h"

#include <stdlib.h>

#include <ostream>

#include "models/common/atomic_file.h"
#include "models/common/error.h"
#include "models/common/json.h"
#include "models/common/read_file.h"
#include "platform/config.h"
#include "sw/compiler/executable.h"
#include "tools/process.h"

namespace vtpu {

ScratchDir::ScratchDir(const std::string& what) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "vtpu-candidates-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw Error(what + ": cannot make a scratch directory");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

Simulated simulate_candidate(const sw::Program& p, const config::Soc& chip, const ScratchDir& dir,
                             const std::string& what) {
  const std::string exe = dir / "program.vtpu", cfg = dir / "chip.textproto";
  const std::string report = dir / "report.json", log = dir / "run.log";
  sw::write_executable(exe, p, what);
  config::Soc merged = chip;  // its --set already applied
  merged.clear_overrides();
  write_file_atomically(
      cfg, [&](std::ostream& out) { return static_cast<bool>(out << config::text(merged)); },
      " the chip's config");
  const int status = run_process(
      {self_executable(), "run", exe, "--config", cfg, "--input", "random:0", "--report", report},
      log);
  if (status != 0)
    throw Error(what + ": simulating a candidate program failed (status " + std::to_string(status) +
                "): " + read_file(log, 4096));
  const Json r = Json::parse(read_file(report, uint64_t{1} << 28));
  Simulated s;
  s.total = r.at("cycles").get<uint64_t>();
  for (const Json& l : r.at("layers")) s.per_node[l.at("name")] += l.at("cycles").get<uint64_t>();
  return s;
}

}  // namespace vtpu
