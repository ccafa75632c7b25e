#!/usr/bin/env bash
# README command 1: set up, build, and run the demo on the default chip.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p build/demo
nets=build/networks
echo
echo "== ResNet-18 (PyTorch export, random weights), int8, on the edge chip through the firmware"
build/vtpu run $nets/resnet18.onnx --precision int8 --calibration $nets/resnet18.calib \
  --input $nets/resnet18.input.npy --output-dir build/demo --report build/demo/report.json
/usr/bin/python3 tests/networks/compare.py $nets/resnet18.output.npy build/demo/output.npy \
  --min-cosine 0.99 --name "ResNet-18 int8 vs PyTorch fp32"
echo "report: build/demo/report.json"
echo
echo "== vtpu firmware build/firmware/examples/hello.elf --stats"
build/vtpu firmware build/firmware/examples/hello.elf --stats
echo
echo "== vtpu firmware build/firmware/examples/timer.elf --stats  (exits with 5 ticks)"
status=0
build/vtpu firmware build/firmware/examples/timer.elf --stats || status=$?
echo "exit status: $status"
[ "$status" -eq 5 ]
echo
echo "== one GEMM on the MXU: cycles against SCALE-Sim's formula, result against the scalar reference"
build/vtpu gemm --m 12100 --k 147 --n 64 --timing stall-free
echo
echo "== the HBM model: 1M sequential 32 B reads on the edge chip's HBM2 channel"
build/vtpu memtest --pattern seq --requests 1000000 --size 32
