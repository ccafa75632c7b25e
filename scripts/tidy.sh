#!/usr/bin/env bash
# clang-tidy with the tree's .clang-tidy on every host C++ source, from the
# compile commands of build/ (scripts/setup.sh exports them). Exits non-zero
# on any finding. Usage: scripts/tidy.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/compile_commands.json" ] || {
  echo "tidy: $build/compile_commands.json is missing (configure with CMAKE_EXPORT_COMPILE_COMMANDS=ON)" >&2
  exit 2
}
# Clang does not know a few GCC-only flags (core.cpp's dispatch options).
commands=$(mktemp -d)
trap 'rm -rf "$commands"' EXIT
sed -e 's/ -fno-gcse//g; s/ -fno-crossjumping//g' "$build/compile_commands.json" \
  >"$commands/compile_commands.json"
# Our sources only: not generated protobuf or Verilator code.
ours="$PWD/(models|platform|tools|sw|traces|rtl/mxu_tile|tests/unit|tests/kernels)/"
run-clang-tidy -quiet -p "$commands" -j "$(nproc 2>/dev/null || echo 2)" \
  -header-filter="^$ours.*\.h$" "^$ours.*\.cpp$"
