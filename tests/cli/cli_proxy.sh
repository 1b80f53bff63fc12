#!/usr/bin/env bash
# tests/cli/cli_proxy.sh - `gmtls server --echo` and `--proxy` with large
# transfers, loopback only:
#   --echo   16 MB through gmtls client (standard and SM suites), byte-exact
#   --proxy  in front of tests/tools/cli_backend: 20 MB client->backend and
#            20 MB backend->client at the same time, SHA-256 compared both
#            ways; half of the backend's data and its trailer are sent only
#            after the backend saw EOF, so they reach the client only if the
#            client's close_notify became a half-close towards the backend
#            and the proxy kept relaying the other way; access log byte
#            counts; a backend that refuses the connection
. "$(dirname "$0")/cli_lib.sh"

BACKEND=$HELPERS/cli_backend
[ -x "$BACKEND" ] || { fail "$BACKEND is not built"; finish; }
DEV=$TMP/dev
MB20=$((GMTLS_ASAN ? 4194304 : 20971520)) # 20 MB each way (4 MB under ASan)

# ---------------------------------------------------------------- echo
ECHO_BYTES=$((GMTLS_ASAN ? 4194304 : 16777216))
head -c "$ECHO_BYTES" /dev/urandom >"$TMP/echo.in"
log=$TMP/echo.log
start_server "$log" --echo --dev-dir "$DEV" --workers 2
n=0
for suite in TLS_AES_128_GCM_SHA256 TLS_SM4_GCM_SM3 TLS_SM4_CCM_SM3; do
    what="echo 16 MB [$suite]"
    if timeout 60 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --ciphers "$suite" --quiet \
        <"$TMP/echo.in" >"$TMP/echo.out" 2>"$TMP/echo.err"; then
        n=$((n + 1))
        expect_eq "$what: byte-exact" "$(sha "$TMP/echo.out")" "$(sha "$TMP/echo.in")"
    else
        fail "$what: gmtls client exit status $?"
        sed 's/^/    | /' "$TMP/echo.err" >&2
    fi
done
wait_count "$log" ' result=' "$n"
expect_eq "echo: access log in=out=$ECHO_BYTES bytes, result=ok, for each" \
    "$(grep -Ec " in=$ECHO_BYTES out=$ECHO_BYTES .*result=ok\$" "$log")" "$n"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- proxy
# proxy_run SUITE BYTES: one client through the proxy to a fresh backend
proxy_run() {
    local suite=$1 bytes=$2 what="proxy $(($2 / 1048576)) MB each way [$1]"
    local bout=$TMP/backend-$suite.out
    head -c "$bytes" /dev/urandom >"$TMP/proxy.in"
    timeout 120 "$BACKEND" "$bytes" >"$bout" 2>&1 &
    local bpid=$!
    PIDS+=("$bpid")
    local line
    if ! line=$(wait_line "$bout" '^port ' "$bpid"); then
        fail "$what: cli_backend did not start"
        return
    fi
    local plog=$TMP/proxy-$suite.log
    start_server "$plog" --proxy "127.0.0.1:${line#port }" --dev-dir "$DEV" --workers 2
    local t0 t1
    t0=$(now_ms)
    if ! timeout 90 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --ciphers "$suite" --quiet \
        <"$TMP/proxy.in" >"$TMP/proxy.out" 2>"$TMP/proxy.err"; then
        fail "$what: gmtls client exit status $?"
        sed 's/^/    | /' "$TMP/proxy.err" "$bout" >&2
        stop_pid "$SRV_PID"
        stop_pid "$bpid"
        return
    fi
    t1=$(now_ms)
    wait_exit "$bpid" 20
    expect_eq "$what: backend exit status" "$EXIT_RC" 0
    local in_sha out_sha
    in_sha=$(sha "$TMP/proxy.in")
    # client -> backend
    expect_grep "$bout" "^conn 1 received $bytes bytes sha256 $in_sha\$" "$what: backend received the client's bytes"
    # backend -> client: data, then the trailer sent after the half-close
    out_sha=$(head -c "$bytes" "$TMP/proxy.out" | sha256sum | cut -d' ' -f1)
    expect_grep "$bout" "^conn 1 sent $bytes bytes sha256 $out_sha\$" "$what: client received the backend's bytes"
    tail -c +$((bytes + 1)) "$TMP/proxy.out" >"$TMP/proxy.trailer"
    expect_eq "$what: trailer after the half-close" "$(cat "$TMP/proxy.trailer")" \
        "backend received $bytes bytes sha256 $in_sha"
    local total
    total=$(stat -c %s "$TMP/proxy.out")
    wait_count "$plog" ' result=' 1
    expect_grep "$plog" " in=$bytes out=$total certcomp=[a-z-]+ rsl=[0-9-]+ duration=[0-9]+ms result=ok\$" "$what: access log byte counts"
    echo "$what: $(((t1 - t0)))ms"
    stop_pid "$SRV_PID"
}
proxy_run TLS_AES_128_GCM_SHA256 "$MB20"
proxy_run TLS_SM4_GCM_SM3 "$MB20"

# A client that writes everything before it reads anything (Python's ssl
# sendall, then recv) while the backend sends 10 MB before it has read it
# all: the proxy must keep reading the client although the client does not
# read what the backend sent (it once stopped, and both sides waited forever).
bytes=$MB20
head -c "$bytes" /dev/urandom >"$TMP/wf.in"
timeout 120 "$BACKEND" "$bytes" >"$TMP/wf-backend.out" 2>&1 &
bpid=$!
PIDS+=("$bpid")
line=$(wait_line "$TMP/wf-backend.out" '^port ' "$bpid")
log=$TMP/proxy-wf.log
start_server "$log" --proxy "127.0.0.1:${line#port }" --dev-dir "$DEV"
timeout 90 python3 - "$SRV_PORT" "$DEV/ca-ecdsa.pem" "$TMP/wf.in" $((bytes / 2)) <<'PY' >"$TMP/wf.py.log" 2>&1
import socket, ssl, sys
port, ca, src, want = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
ctx = ssl.create_default_context(cafile=ca)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
with socket.create_connection(("127.0.0.1", port)) as raw, ctx.wrap_socket(raw, server_hostname="localhost") as s:
    s.sendall(open(src, "rb").read())   # every byte out before a single read
    got = 0                             # then the half the backend sends before our EOF
    while got < want:
        b = s.recv(65536)
        if not b:
            break
        got += len(b)
print("python client sent %d, received %d" % (len(open(src, "rb").read()), got))
PY
expect_grep "$TMP/wf.py.log" "^python client sent $bytes, received $((bytes / 2))\$" \
    "write-first client: its writes complete and the backend's first half arrives (no deadlock)"
wait_count "$TMP/wf-backend.out" '^conn 1 received ' 1
in_sha=$(sha "$TMP/wf.in")
expect_grep "$TMP/wf-backend.out" "^conn 1 received $bytes bytes sha256 $in_sha\$" \
    "write-first client: backend received every byte"
stop_pid "$bpid"
stop_pid "$SRV_PID"

# a backend that is not there: the client is told promptly, the log says why
timeout 20 "$BACKEND" 0 >"$TMP/dead.out" 2>&1 &
bpid=$!
PIDS+=("$bpid")
line=$(wait_line "$TMP/dead.out" '^port ' "$bpid")
stop_pid "$bpid" # the port is now closed
log=$TMP/proxy-dead.log
start_server "$log" --proxy "127.0.0.1:${line#port }" --dev-dir "$DEV"
t0=$(now_ms)
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --quiet >"$TMP/dead.cli" 2>&1 < <(sleep 5)
t1=$(now_ms)
PIDS+=("$!") # the sleep behind the process substitution
if [ $((t1 - t0)) -lt 4000 ]; then
    pass "refused backend: the client is closed before it stops sending"
else
    fail "refused backend: the client was kept open $((t1 - t0)) ms"
fi
wait_count "$log" ' result=' 1
expect_grep "$log" 'result=backend connect: Connection refused' "refused backend: access log"
stop_pid "$SRV_PID"

finish
