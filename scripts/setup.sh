#!/usr/bin/env bash
# Installs the Debian packages vtpu needs (only those missing; apt-get as root),
# then configures and builds everything (host tools, firmware, tests) in build/.
# Used by both README commands: scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config           # host tool chain
  clang-format clang-tidy                    # habits: format check (a test), scripts/tidy.sh
  clang libclang-rt-14-dev                   # bench/fuzz.sh: libFuzzer harnesses (tests/fuzz)
  libsystemc-dev                             # SystemC 2.3.4 + TLM-2.0
  libboost-program-options-dev               # the vtpu command line
  libssl-dev                                 # OpenSSL's libcrypto: SHA-256 of model files in reports
  nlohmann-json3-dev                         # JSON reports and trace headers
  libprotobuf-dev protobuf-compiler          # config schema, executables, traces
  libgtest-dev                               # unit tests
  libdnnl-dev ocl-icd-opencl-dev             # oneDNN: host matrix products (its CMake package wants OpenCL)
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf  # firmware for the RV32 core
  gdb-multiarch                              # debugger tests (the GDB stub)
  libonnx-dev                                # ONNX import: protobuf classes, checker, shapes
  verilator zlib1g-dev                       # RTL co-simulation (rtl/); zlib: FST waveforms
  python3-torch python3-torchvision python3-numpy python3-sklearn  # test networks
  python3-onnx                               # bench/roofline.py: bounds from ONNX shapes
  python3-pandas python3-matplotlib          # the Python package and `vtpu plot` (python/vtpu)
  python3-protobuf                           # vtpu.traces: the trace schemas in Python
  slurm-wlm munge                            # `vtpu sweep --slurm`: the CI test starts a one-node Slurm
)

# Node.js and npm run ONNX Runtime (npm's onnxruntime-node) as the independent
# reference for int8 numerics; a machine with its own node and npm keeps them.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

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

# ONNX Runtime from the npm registry, without its install script (which
# would fetch GPU libraries): the package ships the CPU library.
if [ ! -d build/npm/node_modules/onnxruntime-node ]; then
  mkdir -p build/npm
  npm install --ignore-scripts --no-audit --no-fund --prefix build/npm onnxruntime-node@1.30.0
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build build -j"$jobs"
