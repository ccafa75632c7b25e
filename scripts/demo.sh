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
