// `vtpu sweep` (docs/experiments.md): a design-space sweep from a spec
// (platform/sweep.proto). The spec is expanded into points and checked whole;
// each network is compiled once per precision, batch and array height; the
// points run as `vtpu run` child processes (one simulation per process, as
// SystemC wants), -j at a time, each writing its own report; runs.csv and
// layers.csv are collected from the reports. A point whose report exists is
// done: a sweep stopped half-way resumes where it was.
#pragma once

#include <string>

namespace vtpu {

struct SweepOptions {
  std::string spec;    // the .textproto
  std::string out;     // the results directory (made when missing)
  unsigned jobs = 0;   // points at a time; 0: the host's cores
  bool force = false;  // redo points that are done
  // --slurm: one `sbatch --array` job of the points instead of local runs.
  bool slurm = false;
  std::string partition, time_limit;
  unsigned array_limit = 0;  // at most this many tasks at once (the %K of --array); 0: no limit
  bool wait = false;         // sbatch --wait, then collect
};

// Expands and checks the spec, writes OUT/sweep.json (the points), then runs
// the points not done and collects the CSVs (or submits them to Slurm).
// Throws vtpu::Error naming the spec's field for a bad spec, before any run.
void run_sweep(const SweepOptions& options);

// Runs point `index` of the sweep in `dir` (a Slurm array task does this):
// its report is DIR/points/ID.json whatever happens.
int run_sweep_point(const std::string& dir, size_t index);

// Writes DIR/runs.csv and DIR/layers.csv from DIR/sweep.json and the points'
// reports; a point without a report is a row with status "missing".
void collect_sweep(const std::string& dir);

}  // namespace vtpu
