#!/usr/bin/env bash
# tests/cli/cli_lifecycle.sh - timeouts and signals of `gmtls server`,
# loopback only; timing bounds are generous (2 cores, other builds running):
#   --handshake-timeout 2: a silent TCP connection, a partial ClientHello and
#     a trickle of 16 03 every 0.5 s (a TLS record header, then its body) are
#     all closed within [1.5, 6] s (16 16 would be refused at once: not TLS); 40 stalled
#     connections do not delay a real client
#   --idle-timeout 2: an idle TLS connection is closed within [1.5, 6] s with
#     close_notify; traffic every second keeps one open past the timeout
#   SIGTERM: an in-flight rate-limited download completes intact, an idle
#     keep-alive connection is closed promptly, new connections are refused
#     at once, the server exits 0; SIGINT likewise exits 0
#   SIGHUP: new connections get the new certificate (subject and serial), an
#     open connection keeps working, a ticket from before still resumes, a
#     broken certificate file keeps the current configuration
. "$(dirname "$0")/cli_lib.sh"
command -v curl >/dev/null || { fail "curl is not installed (run scripts/setup.sh test)"; finish; }
DEV=$TMP/dev

# in_range WHAT MS LO HI
in_range() {
    if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
        pass "$1 (${2} ms)"
    else
        fail "$1: took $2 ms, expected $3..$4 ms"
    fi
}

# ---------------------------------------------------------------- handshake timeout
log=$TMP/hs.log
start_server "$log" --echo --dev-dir "$DEV" --handshake-timeout 2 --idle-timeout 2

# closed_after_ms SCRIPT: connects with bash's /dev/tcp, runs SCRIPT (writing
# to fd 3) in the background, and prints how long until the server closed.
closed_after_ms() {
    local t0 t1
    t0=$(now_ms)
    timeout 20 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 9; (eval "$2") & w=$!
                        cat <&3 >/dev/null 2>&1; kill $w 2>/dev/null; wait $w 2>/dev/null; exit 0' \
        _ "$SRV_PORT" "$1"
    local rc=$?
    t1=$(now_ms)
    [ $rc -eq 0 ] || { echo "-1"; return; }
    echo $((t1 - t0))
}
in_range "silent connection closed by --handshake-timeout 2" "$(closed_after_ms ':')" 1500 6000
in_range "partial ClientHello closed by --handshake-timeout 2" \
    "$(closed_after_ms "printf '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' >&3")" 1500 6000
in_range "trickled bytes do not extend the handshake deadline" \
    "$(closed_after_ms 'for i in $(seq 1 40); do printf "\x16\x03" >&3 || exit 0; sleep 0.5; done')" 1500 6000
wait_count "$log" 'result=handshake timeout' 3
expect_eq "access log: three handshake timeouts" "$(count_lines "$log" 'result=handshake timeout$')" 3

# 40 stalled connections while a real client connects
stalled=()
for i in $(seq 1 40); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$SRV_PORT" && stalled+=("$fd")
done
t0=$(now_ms)
if echo ping | timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --quiet >"$TMP/ping.out" 2>&1; then
    t1=$(now_ms)
    expect_eq "a real client is served while 40 connections stall" "$(cat "$TMP/ping.out")" ping
    in_range "... without waiting for the stalled ones" $((t1 - t0)) 0 1500
else
    fail "a real client failed while connections stall"
fi
check "40 stalled connections are closed by the server" wait_count "$log" 'result=handshake timeout$' 43
for fd in "${stalled[@]}"; do
    exec {fd}>&-
done

# ---------------------------------------------------------------- idle timeout
t0=$(now_ms)
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" >"$TMP/idle.out" 2>&1 < <(sleep 15)
rc=$?
PIDS+=("$!")
t1=$(now_ms)
expect_eq "idle client ends cleanly (close_notify from the server)" "$rc" 0
in_range "idle TLS connection closed by --idle-timeout 2" $((t1 - t0)) 1500 6000
wait_count "$log" 'result=idle timeout$' 1
expect_grep "$log" 'resumed=no in=0 out=0 .*result=idle timeout$' "access log: idle timeout"

t0=$(now_ms)
timeout 30 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --quiet >"$TMP/busy.out" 2>&1 \
    < <(for i in 1 2 3 4 5; do echo "tick-$i"; sleep 1; done; sleep 15)
PIDS+=("$!")
t1=$(now_ms)
expect_eq "traffic every second keeps the connection open past the idle timeout" \
    "$(tr '\n' ' ' <"$TMP/busy.out")" "tick-1 tick-2 tick-3 tick-4 tick-5 "
in_range "... and it is closed once idle" $((t1 - t0)) 5500 11000
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- SIGTERM drain
root=$TMP/www
mkdir -p "$root"
head -c 25165824 /dev/urandom >"$root/big.bin"
printf 'hello\n' >"$root/hello.txt"
log=$TMP/term.log
start_server "$log" --www --root "$root" --dev-dir "$DEV" --workers 2
url="https://localhost:$SRV_PORT"
curl_args=(--cacert "$DEV/ca.pem" --resolve "localhost:$SRV_PORT:127.0.0.1")
# the in-flight download: 24 MB at 6 MB/s, about 4 s
timeout 60 curl -sS "${curl_args[@]}" --limit-rate 6M "$url/big.bin" -o "$TMP/slow.bin" 2>"$TMP/slow.err" &
slow=$!
PIDS+=("$slow")
# an idle keep-alive connection that has had one answer
timeout 60 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --quiet >"$TMP/ka.out" 2>&1 \
    < <(printf 'GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n'; sleep 40) &
ka=$!
PIDS+=("$ka")
# a connection that completed its handshake but has not sent a request
timeout 60 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" >"$TMP/noreq.out" 2>&1 < <(sleep 40) &
noreq=$!
PIDS+=("$noreq")
for i in $(seq 1 100); do
    [ "$(stat -c %s "$TMP/slow.bin" 2>/dev/null || echo 0)" -gt 2000000 ] && grep -q '^hello$' "$TMP/ka.out" && break
    sleep 0.1
done
check "download in progress and keep-alive answered before the signal" \
    test "$(stat -c %s "$TMP/slow.bin" 2>/dev/null || echo 0)" -gt 2000000
t_sig=$(now_ms)
kill -TERM "$GM_PID"
sleep 0.3
timeout 10 curl -sS "${curl_args[@]}" "$url/hello.txt" -o /dev/null 2>"$TMP/refused.err"
expect_eq "a new connection after SIGTERM is refused (curl exit 7)" "$?" 7
if timeout 10 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" </dev/null >"$TMP/refused2.out" 2>&1; then
    fail "gmtls client connected after SIGTERM"
else
    expect_grep "$TMP/refused2.out" 'Connection refused' "gmtls client after SIGTERM: connection refused"
fi
wait_exit "$ka" 10
t_ka=$(now_ms)
expect_eq "idle keep-alive connection ends cleanly at SIGTERM" "$EXIT_RC" 0
in_range "... promptly" $((t_ka - t_sig)) 0 3000
wait_exit "$noreq" 10
t_nr=$(now_ms)
expect_grep "$TMP/noreq.out" '^protocol: TLSv1.3$' "the request-less connection had completed its handshake"
expect_eq "a connection without a request ends cleanly at SIGTERM" "$EXIT_RC" 0
in_range "... promptly (not at the idle timeout)" $((t_nr - t_sig)) 0 3000
wait_exit "$slow" 40
t_dl=$(now_ms)
expect_eq "the in-flight download completes (curl exit 0)" "$EXIT_RC" 0
expect_eq "the in-flight download is intact" "$(sha "$TMP/slow.bin")" "$(sha "$root/big.bin")"
if [ $((t_dl - t_sig)) -ge 1000 ]; then
    pass "the download went on after the signal ($((t_dl - t_sig)) ms)"
else
    fail "the download finished only $((t_dl - t_sig)) ms after the signal: not in flight, the test proves nothing"
fi
wait_exit "$SRV_PID" 20
expect_eq "server exits 0 after draining" "$EXIT_RC" 0
expect_grep "$log" '^SIGTERM: stopping' "access log: SIGTERM"
expect_grep "$log" ' out=2516[0-9]{4} .*result=ok$' "access log: the download ended ok"

log=$TMP/int.log
start_server "$log" --www --dev-dir "$DEV"
kill -INT "$GM_PID"
wait_exit "$SRV_PID" 10
expect_eq "SIGINT: server exits 0" "$EXIT_RC" 0
expect_grep "$log" '^SIGINT: stopping' "access log: SIGINT"

# ---------------------------------------------------------------- SIGHUP reload
make_chain rel ecdsa
make_leaf certA "reload-A" a1a1 rel
make_leaf certB "reload-B" b2b2 rel
cp "$TMP/certA.pem" "$TMP/cur.pem"
cp "$TMP/certA.key" "$TMP/cur.key"
log=$TMP/hup.log
start_server "$log" --echo --cert "$TMP/cur.pem" --key "$TMP/cur.key"
CA=$TMP/rel-ca.pem

# served SUFFIX: connects, saves the report and the served leaf
served() {
    timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$CA" --showcerts </dev/null >"$TMP/served-$1.out" 2>&1
    awk '/BEGIN CERTIFICATE/{p=1} p{print} /END CERTIFICATE/{exit}' "$TMP/served-$1.out" >"$TMP/served-$1.pem"
}
served 1
expect_grep "$TMP/served-1.out" '^peer: CN=reload-A' "before SIGHUP: certificate A"

mkfifo "$TMP/old.in"
timeout 60 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$CA" --sess-out "$TMP/old.sess" <"$TMP/old.in" \
    >"$TMP/old.out" 2>&1 &
old=$!
PIDS+=("$old")
exec 7>"$TMP/old.in"
echo before-reload >&7
check "open connection echoes before the reload" wait_count "$TMP/old.out" '^before-reload$' 1
expect_grep "$TMP/old.out" '^peer: CN=reload-A' "open connection has certificate A"

mv "$TMP/certB.pem" "$TMP/cur.pem"
mv "$TMP/certB.key" "$TMP/cur.key"
kill -HUP "$GM_PID"
check "SIGHUP logged" wait_count "$log" '^SIGHUP: reloaded' 1
served 2
expect_grep "$TMP/served-2.out" '^peer: CN=reload-B' "after SIGHUP: new connections get certificate B"
expect_eq "after SIGHUP: the served serial is B's" \
    "$(openssl x509 -in "$TMP/served-2.pem" -noout -serial 2>&1)" "serial=B2B2"
expect_grep "$TMP/served-2.out" '^verify: ok$' "after SIGHUP: certificate B verifies"

echo after-reload >&7
check "the connection opened before SIGHUP keeps working" wait_count "$TMP/old.out" '^after-reload$' 1
if [ -s "$TMP/old.sess" ]; then
    out=$TMP/resume.out
    timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$CA" --sess-in "$TMP/old.sess" </dev/null >"$out" 2>&1
    expect_grep "$out" '^resumed: yes$' "a ticket issued before SIGHUP resumes after it"
else
    fail "the open connection saved no session ticket"
fi
exec 7>&-
wait_exit "$old" 10
expect_eq "the old connection ends cleanly" "$EXIT_RC" 0

printf 'not a certificate\n' >"$TMP/cur.pem"
kill -HUP "$GM_PID"
check "a broken reload is reported" wait_count "$log" 'SIGHUP: reload failed, keeping the current configuration' 1
served 3
expect_grep "$TMP/served-3.out" '^peer: CN=reload-B' "after a broken reload: still certificate B"
check "the server is still running" kill -0 "$GM_PID"
kill -TERM "$GM_PID"
wait_exit "$SRV_PID" 10
expect_eq "server exits 0" "$EXIT_RC" 0

finish
