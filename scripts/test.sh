#!/usr/bin/env bash
# README command 2: set up, build, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh -DVTPU_WERROR=ON  # CI builds: every warning is an error
ctest --test-dir build --output-on-failure -j"$(nproc 2>/dev/null || echo 2)"
