#!/usr/bin/env bash
# Runs one scripted gdb-multiarch session against `vtpu firmware ELF --gdb 0
# --gdb-wait` and checks vtpu's exit status and GDB's output.
# usage: run_session.sh VTPU ELF GDB_SCRIPT EXPECTED_EXIT REGEX...
set -u
vtpu=$1 elf=$2 script=$3 expected_exit=$4
shift 4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/start_vtpu.sh"
start_vtpu --gdb-wait
[ -n "$port" ] || { echo "vtpu did not report its GDB port"; cat "$dir/stderr"; exit 1; }
timeout 60 gdb-multiarch -nx -batch -ex "set architecture riscv:rv32" \
  -ex "target remote 127.0.0.1:$port" -x "$script" "$elf" > "$dir/gdb" 2>&1
wait "$pid"
status=$?
fail=0
if [ "$status" != "$expected_exit" ]; then
  echo "vtpu exited with $status, expected $expected_exit"
  fail=1
fi
for re in "$@"; do
  if ! grep -Eq -- "$re" "$dir/gdb"; then
    echo "GDB output does not match: $re"
    fail=1
  fi
done
if [ "$fail" != 0 ]; then
  echo "--- gdb ---"; cat "$dir/gdb"
  echo "--- vtpu stderr ---"; cat "$dir/stderr"
  echo "--- uart ---"; cat "$dir/uart"
  exit 1
fi
echo "PASS $(basename "$script")"
