#!/usr/bin/env bash
# Installs the Debian packages vtpu needs (only those missing; apt-get as root),
# then configures and builds everything (host tools, firmware, tests) in build/.
# Used by both README commands: scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config           # host tool chain
  libsystemc-dev                             # SystemC 2.3.4 + TLM-2.0
  libboost-program-options-dev               # the vtpu command line
  libprotobuf-dev protobuf-compiler          # config schema, executables, traces
  libgtest-dev                               # unit tests
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf  # firmware for the RV32 core
  gdb-multiarch                              # debugger tests (the GDB stub)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: packages are missing and installing them needs root (run as root or with sudo)" >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build build -j"$jobs"
