#!/usr/bin/env bash
# Runs every libFuzzer harness in BIN_DIR for SECONDS each, starting from fuzz/corpus/<target>/
# (new inputs go to a scratch copy, so the committed corpus only changes by hand).
set -euo pipefail
bin_dir=$1
seconds=${2:-60}
root=$(cd "$(dirname "$0")" && pwd)
status=0
shopt -s nullglob
for f in "$bin_dir"/*_fuzz; do
  name=$(basename "$f" _fuzz)
  work=$(mktemp -d)
  [ -d "$root/corpus/$name" ] && cp -r "$root/corpus/$name/." "$work/" 2>/dev/null || true
  echo "fuzz: $name for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1 "$f" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
       -print_final_stats=1 "$work" >"$work.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -60 "$work.log"; status=1
  else
    grep -E 'stat::number_of_executed_units' "$work.log" | sed "s/^/  $name: /" || true
  fi
  rm -rf "$work" "$work.log"
done
exit $status
