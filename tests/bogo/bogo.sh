#!/usr/bin/env bash
# tests/bogo/bogo.sh - BoringSSL's TLS test runner (BoGo) against gmtls.
#
# Builds the runner once per build tree (peer_require bogo), then runs its
# whole TLS suite against build/tests/bogo_shim (tests/bogo/shim.c): DTLS
# and QUIC tests are skipped by pattern; tests of TLS 1.0/1.1 and SSL 3 and
# of features gmtls does not have are disabled with their reasons in
# tests/bogo/config.json.
#
# Fails on any failed test. Tests listed in tests/bogo/pending.txt are
# expected to fail until the engine fixes they wait for are merged; one that
# passes fails the run too, so that the list is emptied. Tests listed in
# tests/bogo/differences.txt are deliberate differences from BoringSSL: each
# must fail with exactly the runner text given there. Tests the shim cannot
# express exit 89 ("unimplemented", e.g. a new runner flag): any fails the
# run, and bogo.sh prints how many and why (disable a missing feature in
# config.json with its reason, or implement the flag in shim.c).
#
#   bash tests/bogo/bogo.sh            (GMTLS_BUILD=build, as CTest sets it)
#   BOGO_TEST='KeyUpdate-*' bash ...   one pattern instead of the whole set
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
GMTLS_SOURCE=${GMTLS_SOURCE:-$(cd "$here/../.." && pwd)}
GMTLS_BUILD=${GMTLS_BUILD:-$GMTLS_SOURCE/build}
export GMTLS_SOURCE GMTLS_BUILD
# shellcheck source=tests/peers/peers.sh
. "$GMTLS_SOURCE/tests/peers/peers.sh"
peer_require bogo

SHIM=$GMTLS_BUILD/tests/bogo_shim
[ -x "$SHIM" ] || { echo "FAIL: $SHIM is not built" >&2; exit 1; }

TESTS=${BOGO_TEST:-"*"}

# A scratch TMPDIR: the runner writes its keys there and leaves
# testing-certs* folders behind when a run fails. Kept on failure.
SCRATCH=$(mktemp -d "$GMTLS_BUILD/bogo-run.XXXXXX")
LOG=$SCRATCH/results.txt
UNIMPL=$SCRATCH/unimplemented.txt
: >"$UNIMPL"

pending=()
while read -r name _; do
    case "$name" in '' | '#'*) continue ;; esac
    pending+=("$name")
done <"$here/pending.txt"

# differences.txt: NAME-OR-GLOB | runner text | reason
diff_glob=()
diff_text=()
diff_seen=()
while IFS= read -r line; do
    case "$line" in '' | '#'*) continue ;; esac
    glob=${line%% | *}
    rest=${line#* | }
    diff_glob+=("$glob")
    diff_text+=("${rest%% | *}")
    diff_seen+=(0)
done <"$here/differences.txt"

echo "bogo: runner $BOGO_DIR/runner.test, shim $SHIM, tests '$TESTS'"
start=$(date +%s)
rc=0
# Two workers: the machine has two cores; a test is mostly waiting on
# loopback, and more workers only add scheduling noise to the idle timeouts.
TMPDIR=$SCRATCH BOGO_SHIM_UNIMPLEMENTED_LOG=$UNIMPL \
    timeout 900 "$BOGO_DIR/runner.test" -shim-path "$SHIM" -shim-config "$here/config.json" \
    -test "$TESTS" -skip '*DTLS*;*QUIC*' -num-workers 2 -pipe -allow-unimplemented -loose-errors \
    >"$LOG" 2>&1 || rc=$?
secs=$(($(date +%s) - start))

passed=$(grep -c '^PASSED (' "$LOG" || true)
unimpl=$(grep -c '^UNIMPLEMENTED (' "$LOG" || true)
mapfile -t failed < <(sed -n 's/^FAILED (\(.*\))$/\1/p' "$LOG")

is_pending() {
    local p
    for p in "${pending[@]}"; do
        [ "$p" = "$1" ] && return 0
    done
    return 1
}

# The index in diff_glob of the first entry matching test $1, or -1.
diff_index() {
    local i
    for i in "${!diff_glob[@]}"; do
        # shellcheck disable=SC2053 # the entry is a glob
        if [[ "$1" == ${diff_glob[$i]} ]]; then
            echo "$i"
            return
        fi
    done
    echo -1
}

# The runner's line after "FAILED (name)", without its ", stdout:" tail.
failure_text() {
    awk -v want="FAILED ($1)" 'hit { sub(/, stdout:$/, ""); print; exit } $0 == want { hit = 1 }' "$LOG"
}

bad=0
expected=0
differ=0
for t in "${failed[@]}"; do
    d=$(diff_index "$t")
    if is_pending "$t"; then
        expected=$((expected + 1))
    elif [ "$d" -ge 0 ]; then
        diff_seen[d]=1
        got=$(failure_text "$t")
        if [ "$got" = "${diff_text[$d]}" ]; then
            differ=$((differ + 1))
        else
            echo "FAIL: $t: difference changed: update tests/bogo/differences.txt" >&2
            echo "  want: ${diff_text[$d]}" >&2
            echo "  got:  $got" >&2
            bad=1
        fi
    else
        echo "FAILED: $t" >&2
        bad=1
    fi
done
while read -r t; do
    d=$(diff_index "$t")
    if [ "$d" -ge 0 ]; then
        diff_seen[d]=1
        echo "FAIL: $t passes: difference gone: update tests/bogo/differences.txt" >&2
        bad=1
    fi
done < <(sed -n 's/^PASSED (\(.*\))$/\1/p' "$LOG")
if [ -z "${BOGO_TEST:-}" ]; then
    for i in "${!diff_glob[@]}"; do
        if [ "${diff_seen[$i]}" -eq 0 ]; then
            echo "FAIL: difference ${diff_glob[$i]} did not run (renamed? disabled? unimplemented?)" >&2
            bad=1
        fi
    done
fi
if [ "$unimpl" -ne 0 ]; then
    echo "FAIL: $unimpl tests unimplemented (shim exit 89): implement the flag in tests/bogo/shim.c," \
        "or disable a feature gmtls lacks in tests/bogo/config.json with its reason" >&2
    bad=1
fi
for p in "${pending[@]}"; do
    if grep -qxF "PASSED ($p)" "$LOG"; then
        echo "FAIL: $p now passes: delete it from tests/bogo/pending.txt" >&2
        bad=1
    elif ! grep -qxF "FAILED ($p)" "$LOG"; then
        echo "FAIL: pending test $p did not run (renamed? disabled? unimplemented?)" >&2
        bad=1
    fi
done
# The runner exits non-zero on a failed test; anything else is its own error.
if [ "$rc" -ne 0 ] && [ "${#failed[@]}" -eq 0 ]; then
    echo "FAIL: the runner exited with $rc without a failed test:" >&2
    tail -n 20 "$LOG" >&2
    bad=1
fi

run=$((passed + ${#failed[@]}))
echo "bogo: $run run in ${secs}s: $passed passed, $differ failed as checked differences" \
    "(tests/bogo/differences.txt), $expected failed as pending (tests/bogo/pending.txt)," \
    "$((${#failed[@]} - expected - differ)) failed; $unimpl unimplemented (shim exit 89);" \
    "disabled: tests/bogo/config.json"
if [ -s "$UNIMPL" ]; then
    echo "bogo: unimplemented, by reason:"
    sed 's/ 0x[0-9a-f]*$/ <id>/' "$UNIMPL" | sort | uniq -c | sort -rn | head -n 25
fi
if [ "$bad" -ne 0 ]; then
    echo "bogo: FAIL; results and the runner's leftovers are in $SCRATCH" >&2
    echo "bogo: rerun one test verbosely: TMPDIR=$SCRATCH $BOGO_DIR/runner.test -shim-path $SHIM" \
        "-shim-config $here/config.json -loose-errors -num-workers 1 -test NAME" >&2
    exit 1
fi
rm -rf "$SCRATCH"
echo "bogo: PASS"
