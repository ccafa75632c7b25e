#!/usr/bin/env bash
# Runs the libFuzzer harnesses (tests/fuzz/README.md) for a given time each and
# prints, per harness, executions, speed, coverage and findings.
# Usage: bench/fuzz.sh [SECONDS per harness (default 60)] [HARNESS...]
#   HARNESS: onnx vtpu elf config npy gdb rv32 cp (default: all of them)
#   FUZZ_JOBS=N runs N harnesses at once (default 1); FUZZ_BUILD=DIR (default
#   build-fuzz) is the clang build, configured and built here when missing.
# Each harness starts from its seed corpus (tests/fuzz/corpus/NAME, read only)
# and what earlier runs found (DIR/corpus/NAME, kept); a crash, leak, timeout
# (20 s) or out-of-memory (4 GiB) leaves its input in DIR/findings/NAME/
# (emptied at the start of each run) and counts as a finding. Exit status 1
# when any harness found something.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(onnx vtpu elf config npy gdb rv32 cp)
build=${FUZZ_BUILD:-build-fuzz}
jobs=${FUZZ_JOBS:-1}

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVTPU_FUZZ=ON \
    "-DVTPU_SANITIZE=address,undefined,fuzzer-no-link" >/dev/null
fi
cmake --build "$build" --target fuzzers -j"$(nproc 2>/dev/null || echo 2)" >/dev/null

run_one() {
  local name=$1 log="$build/fuzz-logs/$1.log"
  rm -rf "$build/findings/$name"  # this run's findings only: past ones belong in the corpus
  mkdir -p "$build/corpus/$name" "$build/findings/$name" "$build/fuzz-logs"
  # A finding stops libFuzzer with a non-zero status; the summary reports it.
  "$build/tests/fuzz_$name" "$build/corpus/$name" "tests/fuzz/corpus/$name" \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$build/findings/$name/" >"$log" 2>&1 || true
}

running=0
for name in "${harnesses[@]}"; do
  [ -x "$build/tests/fuzz_$name" ] || { echo "fuzz: no harness '$name'" >&2; exit 2; }
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait

printf "%-8s %12s %10s %8s %8s %8s %9s\n" harness executions "exec/s" "cov" "ft" corpus findings
found=0
for name in "${harnesses[@]}"; do
  log="$build/fuzz-logs/$name.log"
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(echo "$last" | sed -nE 's/.* cov: ([0-9]+).*/\1/p')
  ft=$(echo "$last" | sed -nE 's/.* ft: ([0-9]+).*/\1/p')
  findings=$(find "$build/findings/$name" -type f | wc -l)
  [ "$findings" -eq 0 ] || found=1
  printf "%-8s %12s %10s %8s %8s %8s %9s\n" "$name" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "${cov:-?}" "${ft:-?}" \
    "$(find "$build/corpus/$name" -type f | wc -l)" "$findings"
done
[ "$found" -eq 0 ] || echo "fuzz: findings in $build/findings/ (logs in $build/fuzz-logs/)" >&2
exit "$found"
