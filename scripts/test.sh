#!/usr/bin/env bash
# README command 2: set up, build, and run the whole test suite; then build
# again with AddressSanitizer + UndefinedBehaviorSanitizer (build-sanitize/)
# and run the suite there, but for the tests labelled `static` (source checks)
# and `heavy` (the largest networks, whose paths smaller tests take too), and
# without the RTL tiles' standalone testbenches (Verilator's code, not
# instrumented). Any sanitizer report fails its test (docs/testing.md,
# "Sanitizers").
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
# CI builds: every warning is an error, and line tables only (-g1: a quarter
# less compile time than the demo build's full -g, the same code).
scripts/setup.sh -DVTPU_WERROR=ON -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
ctest --test-dir build --output-on-failure -j"$jobs"

# -O1 with line tables: quicker to build than the main tree's -O2, and the
# sanitizers' reports still name file and line. Warnings are the main build's
# business: under the sanitizers GCC 12 warns falsely (maybe-uninitialized in
# <regex>), so that one is off here and no warning is an error.
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O1 -g1 -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1 -DNDEBUG -Wno-maybe-uninitialized" \
  -DVTPU_SANITIZE=address,undefined,float-cast-overflow -DVTPU_RTL_TESTBENCHES=OFF \
  -DVTPU_ORT_MODULES="$PWD/build/npm/node_modules"
cmake --build build-sanitize -j"$jobs"
ctest --test-dir build-sanitize --output-on-failure -j"$jobs" -LE "static|heavy"
