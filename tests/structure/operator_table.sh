#!/bin/sh
# docs/compiler.md's operator table is the one the compiler dispatches on:
# the lines between its two markers equal `vtpu compile --list-ops`.
#   operator_table.sh VTPU DOCS/compiler.md
# To refresh the docs: scripts/update_operator_table.sh.
set -u
vtpu=$1
doc=$2
generated=$("$vtpu" compile --list-ops) || { echo "operator table: vtpu compile --list-ops failed"; exit 1; }
documented=$(sed -n '/^<!-- operators: begin/,/^<!-- operators: end/p' "$doc" | sed '1d;$d')
if [ -z "$documented" ]; then
  echo "operator table: $doc has no '<!-- operators: begin' ... '<!-- operators: end' section"
  exit 1
fi
if [ "$generated" != "$documented" ]; then
  echo "operator table: $doc differs from vtpu compile --list-ops (run scripts/update_operator_table.sh):"
  printf '%s\n' "$generated" > /tmp/operator_table.$$.generated
  printf '%s\n' "$documented" | diff - /tmp/operator_table.$$.generated
  rm -f /tmp/operator_table.$$.generated
  exit 1
fi
echo "operator table: docs match the compiler"
