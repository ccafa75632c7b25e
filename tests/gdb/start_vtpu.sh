# Sourced by the GDB test scripts: starts `vtpu firmware "$elf" --gdb 0 ARGS...`
# in the background with stdout in $dir/uart and stderr in $dir/stderr, and
# sets $pid and $port (empty when vtpu reported no port).
start_vtpu() {
  timeout 120 "$vtpu" firmware "$elf" --gdb 0 "$@" > "$dir/uart" 2> "$dir/stderr" &
  pid=$!
  port=""
  for _ in $(seq 200); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/stderr")
    [ -n "$port" ] && return
    kill -0 "$pid" 2> /dev/null || return
    sleep 0.05
  done
}
