#!/usr/bin/env bash
# tests/vectors/check.sh - every vector file matches the SHA-256 listed in
# tests/vectors/README.md, and every file in the folder is listed there.
set -euo pipefail
cd "$(dirname "$0")"
sums=$(sed -n '/^## SHA-256 of every file/,$p' README.md | sed -n '/^```$/,/^```$/p' | grep -E '^[0-9a-f]{64}  ')
[ -n "$sums" ] || { echo "FAIL: no SHA-256 list in README.md" >&2; exit 1; }
echo "$sums" | sha256sum --quiet -c - || { echo "FAIL: a vector differs from its listed SHA-256" >&2; exit 1; }
listed=$(echo "$sums" | awk '{print $2}' | sort)
present=$(find . -type f ! -name README.md ! -name check.sh | sort)
if [ "$listed" != "$present" ]; then
    echo "FAIL: files and README.md list differ:" >&2
    diff <(echo "$listed") <(echo "$present") >&2 || true
    exit 1
fi
echo "vectors_sha256: $(echo "$listed" | wc -l) files match README.md"
