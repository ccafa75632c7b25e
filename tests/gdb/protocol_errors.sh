#!/usr/bin/env bash
# Speaks the remote protocol by hand (bash /dev/tcp) to check what GDB never
# sends: stray bytes, a bad checksum, Ctrl-C while running, a second client,
# and a client that disconnects mid-session. Documented outcome
# (docs/debugging.md): each gets a one-line message, the stub keeps serving,
# and after a disconnect the firmware runs on (here to its --max-time limit).
# usage: protocol_errors.sh VTPU SPIN_ELF
set -u
vtpu=$1 elf=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/start_vtpu.sh"
start_vtpu --gdb-wait --max-time 2s
fail() { echo "FAIL: $*"; echo "--- vtpu stderr ---"; cat "$dir/stderr"; exit 1; }
[ -n "$port" ] || fail "no port reported"

exec 3<> "/dev/tcp/127.0.0.1/$port" || fail "cannot connect"
# expect N BYTES: read exactly N bytes (5 s at most) and compare.
expect() {
  local got=""
  IFS= read -r -t 5 -N "$1" got <&3 || true
  [ "$got" = "$2" ] || fail "expected '$2', got '$got'"
}

printf '$?#3f' >&3;            expect 8 '+$S02#b5'   # halted before the first instruction
printf 'hello' >&3;            expect 1 '-'          # stray bytes
printf '$g#00' >&3;            expect 1 '-'          # bad checksum
printf '$qC#b4' >&3;           expect 8 '+$QC1#c5'   # still serving
printf '$c#63' >&3;            expect 1 '+'          # run the spin loop
sleep 0.1
printf '\x03' >&3;             expect 7 '$S02#b5'    # Ctrl-C stops it
exec 4<> "/dev/tcp/127.0.0.1/$port" || fail "second connect failed"
printf '$?#3f' >&3;            expect 8 '+$S02#b5'   # the first client still works
second=""
IFS= read -r -t 5 -N 1 second <&4
[ -z "$second" ] || fail "second client got data: '$second'"
exec 4>&-
printf '$c#63' >&3;            expect 1 '+'
exec 3>&-                                            # disconnect mid-session
wait "$pid"
status=$?
[ "$status" = 4 ] || fail "vtpu exited with $status, expected 4 (time limit)"
for message in "ignored 5 stray byte\(s\) outside a packet" "packet with a bad checksum" \
               "refused a second client: one is already connected" \
               "client disconnected; the firmware runs on" "simulated time limit reached"; do
  grep -Eq "$message" "$dir/stderr" || fail "stderr lacks: $message"
done
[ "$(grep -c . "$dir/stderr")" -le 10 ] || fail "more stderr than expected"
echo "PASS protocol_errors"
