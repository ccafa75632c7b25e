#!/usr/bin/env bash
# README command 1: set up, build, and run the demo on the default chip.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
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
echo "== the firmware runtime: a model of six random int8 convolutions (DMA, MXU, VPU through"
echo "   the command processor), every output byte checked against the host's reference"
build/tests/kernel_check --firmware build/firmware/runtime/runtime.elf --kind conv2d --dtype int8
echo
echo "== one GEMM on the MXU: cycles against SCALE-Sim's formula, result against the scalar reference"
build/vtpu gemm --m 12100 --k 147 --n 64 --timing stall-free
echo
echo "== the HBM model: 1M sequential 32 B reads on the edge chip's HBM2 channel"
build/vtpu memtest --pattern seq --requests 1000000 --size 32
