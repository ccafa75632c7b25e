#!/bin/sh
# A signal during `vtpu run` (docs/cli.md): exit status 130, one line on
# stderr, the trace valid JSON marked partial, no output, a report whose
# status is the error with exit code 130.
# Usage: interrupt.sh VTPU MODEL.vtpu INPUT.npy SPIN.elf OUT_DIR PYTHON SIGNAL
set -u
vtpu=$1 model=$2 input=$3 spin=$4 dir=$5 python=$6 signal=$7
rm -rf "$dir" && mkdir -p "$dir"
# The firmware spins: the run would last until --max-time, far beyond this test.
"$vtpu" run "$model" --input "$input" --firmware "$spin" --max-time 1000s \
  --trace "$dir/trace.json" --output-dir "$dir" --report "$dir/report.json" 2>"$dir/stderr" &
pid=$!
# The trace file appears just before the simulation starts.
for _ in $(seq 100); do [ -e "$dir/trace.json" ] && break; sleep 0.1; done
sleep 0.5
kill "-$signal" "$pid"
wait "$pid"
status=$?
[ "$status" -eq 130 ] || { echo "exit status $status, expected 130"; cat "$dir/stderr"; exit 1; }
[ ! -e "$dir/output.npy" ] || { echo "outputs written"; exit 1; }
"$python" -c "
import json, sys
status = json.load(open(sys.argv[1]))['otherData']['status']
assert status.startswith('partial: interrupted by a signal at pc '), status
report = json.load(open(sys.argv[2]))
assert report['status'] == 'error' and report['error']['exit_code'] == 130, report['error']
assert report['error']['message'].startswith('interrupted by a signal'), report['error']
" "$dir/trace.json" "$dir/report.json" || exit 1
cat "$dir/stderr"
