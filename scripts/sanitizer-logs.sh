#!/usr/bin/env bash
# scripts/sanitizer-logs.sh DIR [clear]: with "clear", empties DIR before a
# sanitizer test run; otherwise prints every ASan/UBSan/LSan report that the
# run left in DIR (tests set log_path there, tests/CMakeLists.txt) and exits 1
# if there is any, so that a report from any process fails the run.
set -euo pipefail
dir=$1
if [ "${2:-}" = clear ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    exit 0
fi
shopt -s nullglob
logs=("$dir"/*)
if [ ${#logs[@]} -eq 0 ]; then
    echo "sanitizers: no report in $dir"
    exit 0
fi
for f in "${logs[@]}"; do
    echo "==== sanitizer report $f" >&2
    head -n 60 "$f" >&2
done
echo "sanitizers: ${#logs[@]} report(s) in $dir: the sanitizer stage fails" >&2
exit 1
