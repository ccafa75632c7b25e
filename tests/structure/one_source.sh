#!/bin/sh
# The chip's constants have one home, models/isa/vtpu/ (docs/architecture.md):
# fails, naming file and line, where a known offender came back.
#   one_source.sh SOURCE_DIR
set -u
cd "$1" || exit 2
status=0

# offence DESCRIPTION PATTERN PATH... : every match is a failure.
offence() {
  what=$1
  pattern=$2
  shift 2
  hits=$(grep -rnE --include='*.c' --include='*.h' --include='*.cpp' --include='*.S' "$pattern" "$@")
  if [ -n "$hits" ]; then
    printf '%s\n' "$hits" | sed "s|\$|: $what|"
    status=1
  fi
}

# Everywhere but the constants' home, models/isa/vtpu.
not_isa=$(ls -d models/* | grep -v '^models/isa$')
code="firmware $not_isa platform tools sw traces rtl tests bench"

# Element sizes: vtpu_type_size() in vtpu/isa.h.
offence "element size computed here; use vtpu_type_size() (vtpu/isa.h)" \
  'VTPU_TYPE_[A-Z0-9]+ *\? *[124]u? *:' $code

# The text of layer kinds, refusals, error and DMA causes: vtpu/names.h.
# (string literals; tests/kernels parses kind names as options)
literal='"([^"\\]|\\.)*'
for pattern in '"(elementwise|layernorm)"' "$literal(no tiling fits|does not fit VMEM)" \
  "$literal(needs more scratch|queue overflow|(source|destination) outside memory)" \
  "$literal(unknown kind, op|operand outside its memory|unsupported element type)"; do
  offence "text of a chip code; it lives in vtpu/names.h" "$pattern" \
    firmware $not_isa platform tools sw traces rtl bench tests/unit tests/cp tests/dma tests/rv32
done

# Firmware finds every block through chip info (vtpu/soc.h): no default base.
offence "firmware hard-codes a base address; use vtpu_soc (vtpu/soc.h)" \
  'VTPU_(CLINT|PLIC|UART|SIMCTRL|DMA|CHIPINFO|CP|VMEM|AMEM|HBM|CORE_RAM)_BASE\b' \
  firmware bench/firmware tests/cp tests/dma tests/gdb tests/rv32/*.c

[ $status -eq 0 ] && echo "one source: clean"
exit $status
