#!/bin/sh
# Rewrites docs/compiler.md's operator table from the compiler's own
# (`vtpu compile --list-ops`), between its two markers.
#   scripts/update_operator_table.sh [BUILD_DIR]   (default build/)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
table=$(mktemp)
trap 'rm -f "$table" "$table.doc"' EXIT
"$build/vtpu" compile --list-ops > "$table"
awk -v table="$table" '
  /^<!-- operators: begin/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /^<!-- operators: end/ { skip = 0 }
  !skip { print }
' docs/compiler.md > "$table.doc"
mv "$table.doc" docs/compiler.md
