# tests/tls/interop_lib.sh - shared by the interop scripts (sourced, not run).
# Loopback only; every peer runs under `timeout`, is recorded in PIDS and is
# killed by the EXIT trap; certificates are made per run in a temp dir.

GMTLS=${GMTLS_BUILD:?GMTLS_BUILD must name the build directory}/gmtls
# An ASan+UBSan build (make test runs the suites twice) is several times
# slower: scripts scale their bulk transfers down with this flag.
# gcc links libasan dynamically, clang links its runtime into the program:
# look for the runtime's entry symbol in the binary itself.
if grep -qa '__asan_init' "$GMTLS" 2>/dev/null; then
    GMTLS_ASAN=1
else
    GMTLS_ASAN=0
fi
if [ ! -x "$GMTLS" ]; then
    echo "FAIL: $GMTLS is not built" >&2
    exit 1
fi
command -v openssl >/dev/null || { echo "FAIL: openssl not installed" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gmtls-interop.XXXXXX")
PIDS=()
FAILS=0
CHECKS=0

cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null
    done
    if [ "$FAILS" -ne 0 ] && [ -n "${KEEP_TMP:-}" ]; then
        echo "logs kept in $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}

pass() {
    CHECKS=$((CHECKS + 1))
    [ -n "${VERBOSE:-}" ] && echo "ok: $*"
    return 0
}

# expect_grep FILE PATTERN WHAT: the extended regex must match a line of FILE.
expect_grep() {
    if grep -Eq -- "$2" "$1"; then
        pass "$3"
    else
        fail "$3: no line matching '$2' in $1:"
        sed 's/^/    | /' "$1" | tail -n 25 >&2
    fi
}

finish() {
    if [ "$FAILS" -ne 0 ]; then
        echo "$(basename "$0"): $FAILS failed, $CHECKS passed" >&2
        exit 1
    fi
    echo "$(basename "$0"): all $CHECKS checks passed"
    exit 0
}

# make_chain NAME ALG: CA + leaf for localhost/127.0.0.1 in $TMP/NAME-{ca,leaf}.
# ALG: ecdsa (P-256) | rsa (2048) | ed25519 | p521 (ECDSA P-521, signed with
# SHA-512) | ed448
make_chain() {
    local name=$1 alg=$2 d=$TMP
    local -a newkey md=()
    case "$alg" in
        ecdsa) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
        rsa) newkey=(-newkey rsa:2048) ;;
        ed25519) newkey=(-newkey ed25519) ;;
        p521) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-521) md=(-sha512) ;;
        ed448) newkey=(-newkey ed448) ;;
        *) echo "make_chain: unknown $alg" >&2; exit 1 ;;
    esac
    openssl req -x509 "${newkey[@]}" "${md[@]}" -nodes -keyout "$d/$name-ca.key" -out "$d/$name-ca.pem" -days 2 \
        -subj "/O=gmtls interop/CN=$name test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        >/dev/null 2>&1 || { echo "FAIL: CA generation ($alg)" >&2; exit 1; }
    openssl req "${newkey[@]}" -nodes -keyout "$d/$name-leaf.key" -out "$d/$name-leaf.csr" \
        -subj "/O=gmtls interop/CN=localhost" >/dev/null 2>&1 || { echo "FAIL: leaf key ($alg)" >&2; exit 1; }
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
        >"$d/$name.ext"
    openssl x509 -req "${md[@]}" -in "$d/$name-leaf.csr" -CA "$d/$name-ca.pem" -CAkey "$d/$name-ca.key" \
        -CAcreateserial -days 2 -extfile "$d/$name.ext" -out "$d/$name-leaf.pem" >/dev/null 2>&1 ||
        { echo "FAIL: leaf certificate ($alg)" >&2; exit 1; }
    cat "$d/$name-leaf.pem" "$d/$name-ca.pem" >"$d/$name-chain.pem"
}

# wait_line FILE REGEX PID: waits (up to 60 s, or until PID is gone: a loaded
# machine can be slow, and the wait ends as soon as the line is there) for a
# line in FILE; prints it.
wait_line() {
    local i
    local n m
    for i in $(seq 1 600); do
        # Only complete lines: a line still being written (its newline not
        # yet in the file) would give a cut value.
        n=$({ wc -l <"$1"; } 2>/dev/null || echo 0)
        m=""
        if [ "$n" -gt 0 ]; then
            m=$(head -n "$n" "$1" | grep -E -- "$2" || true)
        fi
        if [ -n "$m" ]; then
            printf '%s\n' "${m%%$'\n'*}"
            return 0
        fi
        if ! kill -0 "$3" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    return 1
}

# start_gmtls_server LOG ARGS...: sets SRV_PID and SRV_PORT (port picked by
# the kernel: --listen 127.0.0.1:0).
start_gmtls_server() {
    local log=$1
    shift
    timeout 300 "$GMTLS" server --listen 127.0.0.1:0 --workers 1 "$@" >"$log" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    local line
    if ! line=$(wait_line "$log" '^listening on ' "$SRV_PID"); then
        echo "FAIL: gmtls server did not start: $*" >&2
        sed 's/^/    | /' "$log" >&2
        exit 1
    fi
    SRV_PORT=${line##*:}
}

# start_s_server LOG ARGS...: openssl s_server on a kernel-picked port;
# sets SRV_PID and SRV_PORT. stdin comes from $S_SERVER_STDIN (default /dev/null).
# With S_SERVER_LINEBUF set its stdout is line-buffered (stdbuf -oL), so that
# -msg lines can be waited for (a file otherwise gets them when it exits).
start_s_server() {
    local log=$1
    local -a wrap=()
    shift
    [ -z "${S_SERVER_LINEBUF:-}" ] || wrap=(stdbuf -oL)
    "${wrap[@]}" timeout 300 openssl s_server -accept 127.0.0.1:0 "$@" <"${S_SERVER_STDIN:-/dev/null}" >"$log" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    local line i
    if ! line=$(wait_line "$log" '^ACCEPT ' "$SRV_PID"); then
        echo "FAIL: openssl s_server did not start: $*" >&2
        sed 's/^/    | /' "$log" >&2
        exit 1
    fi
    # s_server writes "ACCEPT " and the address in separate writes: wait for
    # the newline that ends the line before reading the port from it.
    for i in $(seq 1 100); do
        [ -z "$(tail -c 1 "$log" | tr -d '\n')" ] && break
        sleep 0.1
    done
    line=$(grep -E '^ACCEPT ' "$log" | head -n 1)
    SRV_PORT=${line##*:}
}

# hold_stdin SECONDS: sets HOLD_FIFO to a fifo that stays open, empty, for
# SECONDS (s_server stops at EOF on stdin outside -www mode).
hold_stdin() {
    HOLD_FIFO=$(mktemp -u "$TMP/hold.XXXXXX")
    mkfifo "$HOLD_FIFO"
    sleep "$1" >"$HOLD_FIFO" &
    PIDS+=($!)
}

# A client kept connected until its peer has said what the case needs,
# instead of `sleep N | client` (too short on a loaded machine or under
# ASan, and wasted time otherwise):
#   feed_start CMD...     runs CMD in the background (its output is its own
#                         business: redirect it in CMD, e.g. a function) with
#                         stdin a fifo this shell holds open; sets FEED_PID
#   feed_send TEXT        writes TEXT (printf %s) to CMD's stdin
#   feed_wait FILE REGEX  waits (wait_line: up to 60 s, or until CMD exits)
#                         for a line of FILE; 1 if it did not come
#   feed_close            closes CMD's stdin (EOF) and waits for CMD; sets
#                         FEED_RC to its exit status
#   run_until FILE REGEX INPUT CMD...: the four in one (INPUT may be ''):
#                         1 if the line did not come; FEED_RC as above
feed_start() {
    local fifo
    fifo=$(mktemp -u "$TMP/feed.XXXXXX")
    mkfifo "$fifo"
    "$@" <"$fifo" &
    FEED_PID=$!
    PIDS+=("$FEED_PID")
    # blocks until CMD has opened its end: neither side waits for the other
    exec {FEED_FD}>"$fifo"
    rm -f "$fifo"
}

feed_send() {
    # (in a subshell: a CMD already gone means EPIPE there, not SIGPIPE here)
    (printf '%s' "$1" >&"$FEED_FD") 2>/dev/null
}

feed_wait() {
    wait_line "$1" "$2" "$FEED_PID" >/dev/null
}

feed_close() {
    exec {FEED_FD}>&-
    FEED_RC=0
    wait "$FEED_PID" 2>/dev/null || FEED_RC=$?
}

run_until() {
    local file=$1 re=$2 input=$3 rc=0
    shift 3
    feed_start "$@"
    [ -z "$input" ] || feed_send "$input"
    feed_wait "$file" "$re" || rc=1
    feed_close
    return "$rc"
}

# stop_pid PID: SIGTERM, then up to 60 s for it to exit. A process that does
# not is a failure, reported with the stacks of it and its children (gdb),
# then killed: a hang must show up as such, not as the test's timeout.
# A program started under `timeout` gets the SIGTERM itself: timeout would
# forward it and then send SIGCONT, which can discard the SIGSTOP that
# LeakSanitizer's tracer sends to stop an ASan build as it exits, and the
# program then spins forever (seen as "did not exit within 60 s", about once
# in 50 stops on a loaded machine).
stop_pid() {
    local i p target=$1
    if [ "$(cat "/proc/$1/comm" 2>/dev/null)" = timeout ]; then
        target=$(pgrep -P "$1" | head -n 1)
        [ -n "$target" ] || target=$1
    fi
    kill "$target" 2>/dev/null
    for i in $(seq 1 600); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$1" 2>/dev/null; then
        fail "pid $1 ($(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)) did not exit within 60 s of SIGTERM"
        for p in "$1" $(pgrep -P "$1"); do
            command -v gdb >/dev/null &&
                timeout 60 gdb -p "$p" -batch -ex 'thread apply all bt' 2>/dev/null | grep -E '^(Thread|#)' | head -n 60 >&2
        done
        pkill -KILL -P "$1" 2>/dev/null
        kill -KILL "$1" 2>/dev/null
    fi
    wait "$1" 2>/dev/null
    return 0
}

# count_lines FILE REGEX
count_lines() {
    grep -Ec -- "$2" "$1" 2>/dev/null || true
}

# wait_count FILE REGEX N: waits (up to 60 s) until FILE has at least N matching lines.
wait_count() {
    local i
    for i in $(seq 1 600); do
        [ "$(count_lines "$1" "$2")" -ge "$3" ] && return 0
        sleep 0.1
    done
    return 1
}

# Name maps: OpenSSL group name -> IANA name, and -> s_client's "Server Temp Key".
iana_group() {
    case "$1" in
        X25519) echo x25519 ;;
        P-256) echo secp256r1 ;;
        P-384) echo secp384r1 ;;
    esac
}
temp_key_name() {
    case "$1" in
        X25519) echo "X25519" ;;
        P-256) echo "ECDH, prime256v1" ;;
        P-384) echo "ECDH, secp384r1" ;;
    esac
}

# gmssl_pki_begin ROOT_CN: for the GmSSL interop scripts (after peer_require
# gmssl): checks that a private network namespace can be made (GmSSL's tools
# bind every interface), exports GMSSL_BIN and GMTLS_BUILD for the cases, sets
# G (gmssl), D ($TMP), PASS (written to $D/pass.txt), defines gm (runs gmssl,
# logging to $D/pki.log, failing the script with its last lines), and makes
# a root CA ($D/ca.key, encrypted the GmSSL way, and $D/ca.pem) named ROOT_CN.
gmssl_pki_begin() {
    if ! in_netns true 2>/dev/null; then
        echo "FAIL: cannot make a network namespace (unshare -n needs root); GmSSL's tools bind every interface" >&2
        exit 1
    fi
    export GMSSL_BIN GMTLS_BUILD
    G=$GMSSL_BIN
    D=$TMP
    PASS='gm-Pass:1'
    printf '%s\n' "$PASS" >"$D/pass.txt"
    gm() {
        "$G" "$@" >>"$D/pki.log" 2>&1 || {
            echo "FAIL: gmssl $1 failed:" >&2
            tail -n 5 "$D/pki.log" >&2
            exit 1
        }
    }
    gm sm2keygen -pass "$PASS" -out "$D/ca.key"
    gm certgen -C CN -O "gmtls interop" -CN "$1" -serial_len 8 -days 2 -key "$D/ca.key" \
        -pass "$PASS" -ca -path_len_constraint 0 -key_usage keyCertSign -key_usage cRLSign -out "$D/ca.pem"
}
