#!/usr/bin/env bash
# Fails, naming the files, if any tracked C/C++ source differs from what
# clang-format (Debian's, with the tree's .clang-format) makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.cc' | grep -v '^rtl/.*/obj_dir/')
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'format: %s differs from clang-format (run clang-format -i on it)\n' "${bad[@]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files clean"
