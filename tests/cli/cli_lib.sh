# tests/cli/cli_lib.sh - shared by the CLI test scripts (sourced, not run).
# Builds on tests/tls/interop_lib.sh (TMP, PIDS + EXIT trap, pass/fail,
# expect_grep, make_chain, wait_line, start_gmtls_server ...) and adds what
# the tool tests need. Each script ends with `finish`, which prints
# "NAME: N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../tls/interop_lib.sh"

TEST_NAME=$(basename "$0" .sh)
HELPERS=${GMTLS_BUILD}/tests

finish() {
    echo "$TEST_NAME: $CHECKS passed, $FAILS failed"
    [ "$FAILS" -eq 0 ] || exit 1
    exit 0
}

# check WHAT COMMAND...: one check that passes when COMMAND succeeds.
check() {
    local what=$1
    shift
    if "$@"; then
        pass "$what"
    else
        fail "$what"
    fi
}

# quiet COMMAND...: runs COMMAND without its output
quiet() {
    "$@" >/dev/null 2>&1
}

# expect_eq WHAT GOT WANT
expect_eq() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1: got '$2', expected '$3'"
    fi
}

# expect_no_grep FILE PATTERN WHAT: no line of FILE may match.
expect_no_grep() {
    if grep -Eq -- "$2" "$1"; then
        fail "$3: unexpected line(s) matching '$2' in $1:"
        grep -E -- "$2" "$1" | head -n 5 | sed 's/^/    | /' >&2
    else
        pass "$3"
    fi
}

# server_pid TIMEOUT_PID: the gmtls process started under `timeout`.
server_pid() {
    local i p
    for i in $(seq 1 50); do
        p=$(pgrep -P "$1" | head -n 1)
        if [ -n "$p" ]; then
            echo "$p"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# start_server LOG ARGS...: like start_gmtls_server (kernel-picked port,
# sets SRV_PID = the `timeout` wrapper and SRV_PORT), plus GM_PID = the
# gmtls process itself (what signals and /proc readings go to). Extra
# arguments come last, so they may override --workers.
start_server() {
    start_gmtls_server "$@"
    GM_PID=$(server_pid "$SRV_PID") || { echo "FAIL: no gmtls process under $SRV_PID" >&2; exit 1; }
}

# wait_exit PID SECONDS: waits for a child to exit; sets EXIT_RC (or 255
# when it is still running after SECONDS).
wait_exit() {
    local i
    EXIT_RC=255
    for i in $(seq 1 $(($2 * 10))); do
        if ! kill -0 "$1" 2>/dev/null; then
            wait "$1" 2>/dev/null
            EXIT_RC=$?
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# now_ms: monotonic enough for bounds of a few seconds
now_ms() {
    date +%s%3N
}

# sha FILE: the hex SHA-256 of FILE
sha() {
    sha256sum "$1" | cut -d' ' -f1
}

# make_leaf NAME CN SERIAL CA: an ECDSA P-256 leaf signed by $TMP/CA-ca.{pem,key}
# (a chain made by make_chain), with subject /O=gmtls cli test/CN=CN and the
# given hex serial: $TMP/NAME.key, $TMP/NAME.pem (leaf + CA).
make_leaf() {
    local name=$1 cn=$2 serial=$3 ca=$4 d=$TMP
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" \
        -subj "/O=gmtls cli test/CN=$cn" >/dev/null 2>&1 || { echo "FAIL: key for $name" >&2; exit 1; }
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
        >"$d/$name.ext"
    openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca-ca.pem" -CAkey "$d/$ca-ca.key" -set_serial "0x$serial" \
        -days 2 -extfile "$d/$name.ext" -out "$d/$name.leaf" >/dev/null 2>&1 ||
        { echo "FAIL: certificate for $name" >&2; exit 1; }
    cat "$d/$name.leaf" "$d/$ca-ca.pem" >"$d/$name.pem"
}
