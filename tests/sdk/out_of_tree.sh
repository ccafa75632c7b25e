#!/bin/sh
# The firmware SDK from outside the source tree (docs/firmware.md, "Out of the
# tree"): install vtpu and the SDK under a fresh prefix, copy the example
# project somewhere else, build it with CMake and with make + pkg-config, and
# run both ELFs (one on a moved address map) with the installed vtpu; then run
# a network with the installed vtpu, which boots the installed runtime.
#   out_of_tree.sh BUILD_DIR EXAMPLE_DIR NETWORKS_DIR
set -eu
build=$1 example=$2 nets=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
cp -r "$example" "$work/project"
cd "$work/project"

cmake -S . -B cmake-build -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_TOOLCHAIN_FILE="$prefix/lib/cmake/vtpu-firmware/riscv32.cmake" >/dev/null
cmake --build cmake-build >/dev/null
"$prefix/bin/vtpu" firmware cmake-build/chip_tour.elf

PKG_CONFIG_PATH="$prefix/lib/pkgconfig" make >/dev/null
"$prefix/bin/vtpu" firmware chip_tour.elf --set address_map.uart.base=0x12000000 \
  --set address_map.chip_info.base=0x13001000 --set address_map.vmem_base=0x40000000 \
  --set address_map.dma.base=0x13000000 --set address_map.plic.base=0x04000000

"$prefix/bin/vtpu" run --help | grep -q "$prefix/share/vtpu/runtime.elf"
mkdir out
"$prefix/bin/vtpu" run "$nets/mlp.onnx" --precision bf16 --input "$nets/mlp.input.npy" \
  --output-dir out >/dev/null
test -s out/output.npy
echo "sdk: built and ran out of the tree"
