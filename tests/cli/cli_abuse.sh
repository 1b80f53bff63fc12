#!/usr/bin/env bash
# tests/cli/cli_abuse.sh - `gmtls server` against hostile clients, loopback
# only, every client bounded in time (tests/cli/abuse.py; Python's ssl module
# is the TLS client, as a real-world client that does not set TCP_NODELAY):
#   slow clients: 25 slowloris drippers (handshake done, one header byte every
#     3 s, reconnecting) against --max-conns 20 --idle-timeout 5 do not lock
#     out 15 normal requests; a header dripped every 0.5 s is closed by
#     --header-timeout 2 (total, not per byte); an idle keep-alive connection
#     by --idle-timeout 2; a body dripped at 2 B/s and a reader taking 100 B/s
#     by --min-rate; --max-conns-per-ip refuses the third connection from one
#     address but serves another; at --max-conns the idle keep-alive
#     connection is closed so a new client is served
#   listening: a second server on a busy address exits 1 naming --reuse-port;
#     two servers with --reuse-port share a port; port 99999 and a bad
#     address exit 2; [::1] and several --listen serve, each address logged
#   not TLS: plain HTTP (curl http://) gets a 400 naming the https:// URL at
#     once; other bytes are closed at once (not after --handshake-timeout)
#   --ocsp FILE without --cert exits 2 saying so
#   monitoring: --metrics serves Prometheus text, scraped after handshakes
#     (two suites, one resumed, one TLS 1.2), a protocol_version alert (TLS 1.1), plain HTTP, a
#     non-TLS client, a handshake timeout and a refused connection: each
#     counter says so; the access log has one line per connection, refused
#     ones included; NOTIFY_SOCKET (tests/cli/notify_listen.py) receives
#     READY=1 with MAINPID, RELOADING=1 and READY=1 on SIGHUP, STOPPING=1
#   --user nobody (as root): every uid and gid of the process is nobody's,
#     it serves, SIGHUP is refused with a message and it goes on serving;
#     an unknown user exits 1
#   memory: 10,000 idle TLS connections (tests/tools/loadgen, one request
#     each, then held) with the server's RSS under 150 MB while held, and
#     back within 20 MB of where it started once they closed (1,000
#     connections and no RSS bounds under ASan, whose allocator keeps freed
#     memory in quarantine)
. "$(dirname "$0")/cli_lib.sh"
command -v python3 >/dev/null || { fail "python3 is not installed (run scripts/setup.sh test)"; finish; }
DEV=$TMP/dev
ABUSE="timeout 120 python3 $(dirname "$0")/abuse.py"

# in_range WHAT MS LO HI
in_range() {
    if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
        pass "$1 (${2} ms)"
    else
        fail "$1: took $2 ms, expected $3..$4 ms"
    fi
}

# field LINE KEY: the value of KEY=value in an abuse.py result line
field() {
    sed -n "s/.*\b$2=\([^ ]*\).*/\1/p" <<<"$1"
}

# wait_log FILE REGEX SECONDS
wait_log() {
    local i
    for i in $(seq 1 $(($3 * 10))); do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# wait_lines FILE REGEX N SECONDS: at least N lines match
wait_lines() {
    local i
    for i in $(seq 1 $(($4 * 10))); do
        [ "$(count_lines "$1" "$2")" -ge "$3" ] && return 0
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- slowloris
log=$TMP/loris.log
start_server "$log" --www --dev-dir "$DEV" --max-conns 20 --idle-timeout 5
out=$($ABUSE slowloris "$SRV_PORT" "$DEV/ca.pem" --n 25 --every 3 --requests 15 --gap 0.5)
expect_eq "slowloris: 15 of 15 normal requests served next to 25 drippers (max-conns 20)" \
    "$(field "$out" served)/$(field "$out" refused)" "15/0"
expect_grep "$log" 'result=closed (stalled request header|idle keep-alive) \(--max-conns 20 reached\)' \
    "slowloris: access log names the connection closed to make room"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- header, idle
log=$TMP/deadlines.log
start_server "$log" --www --dev-dir "$DEV" --header-timeout 2 --idle-timeout 2
out=$($ABUSE drip "$SRV_PORT" "$DEV/ca.pem" --what header --every 0.5 --limit 30)
in_range "a header dripped every 0.5 s is closed by --header-timeout 2" "$(field "$out" closed_after_ms)" 1500 6000
check "access log: header timeout" wait_log "$log" 'result=header timeout$' 5
out=$($ABUSE idle "$SRV_PORT" "$DEV/ca.pem" --limit 30)
in_range "an idle keep-alive connection is closed by --idle-timeout 2" "$(field "$out" closed_after_ms)" 1500 6000
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- min rate
log=$TMP/rate.log
mkdir -p "$TMP/root"
head -c 20000000 /dev/zero >"$TMP/root/big"
start_server "$log" --www --dev-dir "$DEV" --root "$TMP/root" --min-rate 1024 --idle-timeout 60
$ABUSE slowread "$SRV_PORT" "$DEV/ca.pem" --path /big --rate 100 --limit 90 >"$TMP/slowread.out" &
reader=$!
out=$($ABUSE drip "$SRV_PORT" "$DEV/ca.pem" --what body --every 0.5 --limit 40)
in_range "a body dripped at 2 B/s is closed by --min-rate 1024" "$(field "$out" closed_after_ms)" 9000 30000
# the reader is closed once the kernel's buffers are full and a whole window
# (10 s) moved less than 10 KB: within 40 s
check "a reader taking 100 B/s is closed by --min-rate 1024 (and the dripped body)" wait_lines "$log" \
    'result=too slow \([0-9]+ bytes in [0-9]+ ms, --min-rate 1024\)$' 2 60
expect_grep "$log" 'out=[0-9]{6,} .*result=too slow' "... the reader's line shows what was sent"
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- limits
log=$TMP/limits.log
start_server "$log" --www --dev-dir "$DEV" --max-conns 3 --max-conns-per-ip 2 --idle-timeout 60
exec {h1}> >($ABUSE hold "$SRV_PORT" "$DEV/ca.pem" --n 2 --src 127.0.0.1 >"$TMP/hold1.out")
wait_log "$TMP/hold1.out" '^held=2' 20 || fail "two connections from 127.0.0.1"
out=$($ABUSE get "$SRV_PORT" "$DEV/ca.pem" --src 127.0.0.1 2>&1)
check "a third connection from 127.0.0.1 is refused (--max-conns-per-ip 2)" \
    wait_log "$log" '^127\.0\.0\.1:[0-9]+ result=refused \(--max-conns-per-ip 2 reached\)$' 10
exec {h2}> >($ABUSE hold "$SRV_PORT" "$DEV/ca.pem" --n 1 --src 127.0.0.2 >"$TMP/hold2.out")
wait_log "$TMP/hold2.out" '^held=1' 20 || fail "a connection from 127.0.0.2"
out=$($ABUSE get "$SRV_PORT" "$DEV/ca.pem" --src 127.0.0.3)
expect_eq "at --max-conns 3 with three idle keep-alive connections a new client is served" "$(field "$out" status)" 200
expect_grep "$log" 'result=closed idle keep-alive \(--max-conns 3 reached\)$' \
    "access log: the longest idle keep-alive connection was closed to make room"
exec {h1}>&- {h2}>&-
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- listening
log=$TMP/listen.log
start_server "$log" --www --dev-dir "$DEV"
timeout 20 "$GMTLS" server --listen "127.0.0.1:$SRV_PORT" --dev-dir "$DEV" >"$TMP/busy.out" 2>&1
expect_eq "a second server on a busy address exits 1" "$?" 1
expect_grep "$TMP/busy.out" "^gmtls: listen on 127\.0\.0\.1:$SRV_PORT: the address is already in use .*--reuse-port" \
    "... saying the address is in use and naming --reuse-port"
stop_pid "$SRV_PID"
start_server "$log" --www --dev-dir "$DEV" --reuse-port
first=$SRV_PID
start_server "$TMP/listen2.log" --www --dev-dir "$DEV" --reuse-port --listen "127.0.0.1:$SRV_PORT"
pass "two servers with --reuse-port share port $SRV_PORT"
stop_pid "$SRV_PID"
stop_pid "$first"
for bad in 127.0.0.1:99999 127.0.0.1:65536 127.0.0.1:-1 '[::1:8443' 127.0.0.1:8x; do
    timeout 20 "$GMTLS" server --listen "$bad" --dev-dir "$DEV" >"$TMP/bad.out" 2>&1
    expect_eq "--listen $bad exits 2" "$?" 2
    expect_grep "$TMP/bad.out" "is not ADDR:PORT with a port from 0 to 65535" "--listen $bad: the message says why"
done
if [ -e /proc/net/if_inet6 ] && grep -q ' lo$' /proc/net/if_inet6; then
    log=$TMP/v6.log
    start_server "$log" --www --dev-dir "$DEV" --listen '[::1]:0' --listen 127.0.0.2:0
    v6=$(sed -n 's/^listening on \[::1\]:\([0-9]*\)$/\1/p' "$log")
    v4=$(sed -n 's/^listening on 127\.0\.0\.2:\([0-9]*\)$/\1/p' "$log")
    expect_eq "three --listen addresses, three 'listening on' lines" "$(count_lines "$log" '^listening on ')" 3
    for url in "https://127.0.0.1:$SRV_PORT/" "https://[::1]:$v6/" "https://localhost:$v4/"; do
        code=$(timeout 20 curl -s -o /dev/null -w '%{http_code}' --cacert "$DEV/ca.pem" \
            --resolve "localhost:$v4:127.0.0.2" "$url")
        expect_eq "served on $url" "$code" 200
    done
    stop_pid "$SRV_PID"
else
    echo "note: no IPv6 loopback, [::1] not tested"
fi

# ---------------------------------------------------------------- not TLS
log=$TMP/nottls.log
start_server "$log" --www --dev-dir "$DEV" --handshake-timeout 30
t0=$(now_ms)
timeout 20 curl -s -o "$TMP/plain.body" -w '%{http_code}' "http://127.0.0.1:$SRV_PORT/some/path" >"$TMP/plain.code"
t1=$(now_ms)
expect_eq "plain HTTP to the TLS port: 400" "$(cat "$TMP/plain.code")" 400
expect_grep "$TMP/plain.body" "use https://127\.0\.0\.1:$SRV_PORT/\$" "... naming the https URL"
in_range "... at once" $((t1 - t0)) 0 3000
t0=$(now_ms)
timeout 20 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "SSH-2.0-OpenSSH_9.2\r\n" >&3; cat <&3 >"$2"' _ "$SRV_PORT" \
    "$TMP/ssh.out" 2>/dev/null
t1=$(now_ms)
in_range "other non-TLS bytes are closed at once (--handshake-timeout 30)" $((t1 - t0)) 0 3000
expect_eq "... with nothing sent back" "$(wc -c <"$TMP/ssh.out")" 0
check "access log: the plain HTTP client" wait_log "$log" 'result=plain HTTP on the TLS port: 400 sent$' 5
check "access log: the other client" wait_log "$log" 'result=not TLS \(first byte 0x53\): closed$' 5
code=$(timeout 20 curl -s -o /dev/null -w '%{http_code}' --cacert "$DEV/ca.pem" "https://localhost:$SRV_PORT/")
expect_eq "TLS clients are still served" "$code" 200
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- --ocsp
printf 'x' >"$TMP/ocsp.der"
timeout 20 "$GMTLS" server --listen 127.0.0.1:0 --dev-dir "$DEV" --ocsp "$TMP/ocsp.der" >"$TMP/ocsp.out" 2>&1
expect_eq "--ocsp without --cert exits 2" "$?" 2
expect_grep "$TMP/ocsp.out" '^gmtls: server: --ocsp .* give --cert and --key' "... saying what to do"

# ---------------------------------------------------------------- monitoring
log=$TMP/metrics.log
nsock=$TMP/notify.sock
timeout 60 python3 "$(dirname "$0")/notify_listen.py" "$nsock" "$TMP/notify.out" 50 &
PIDS+=("$!")
wait_log "$TMP/notify.out" '' 10 || [ -e "$TMP/notify.out" ] || fail "notify socket not bound"
NOTIFY_SOCKET=$nsock start_server "$log" --www --dev-dir "$DEV" --metrics 127.0.0.1:0 --handshake-timeout 2 \
    --max-conns 1
mport=$(sed -n 's|^metrics on http://127\.0\.0\.1:\([0-9]*\)/metrics$|\1|p' "$log")
check "startup prints the metrics URL" test -n "$mport"
check "NOTIFY_SOCKET: READY=1 once listening" wait_log "$TMP/notify.out" '^READY=1$' 10
expect_grep "$TMP/notify.out" "^MAINPID=$GM_PID\$" "NOTIFY_SOCKET: MAINPID is the server's"
S="127.0.0.1:$SRV_PORT"
quiet timeout 20 "$GMTLS" client "$S" --ca "$DEV/ca.pem" --get / --sess-out "$TMP/sess" --quiet
quiet timeout 20 "$GMTLS" client "$S" --ca "$DEV/ca.pem" --get / --sess-in "$TMP/sess" --quiet
quiet timeout 20 "$GMTLS" client "$S" --ca "$DEV/ca.pem" --get / --ciphers TLS_SM4_GCM_SM3 --quiet
quiet timeout 20 curl -s -k --tlsv1.2 --tls-max 1.2 "https://$S/"
echo | quiet timeout 20 openssl s_client -connect "$S" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'
quiet timeout 20 curl -s "http://$S/"
timeout 20 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "\x01\x02" >&3; cat <&3 >/dev/null' _ "$SRV_PORT" 2>/dev/null
# silent: the handshake timeout ends it; the next one right after is refused
# (--max-conns 1, and a handshake is evicted only once stalled for 1 s)
exec {held}<>"/dev/tcp/127.0.0.1/$SRV_PORT"
exec {extra}<>"/dev/tcp/127.0.0.1/$SRV_PORT"
wait_log "$log" 'result=refused \(--max-conns 1 reached\)$' 10 || fail "no refused connection logged"
exec {extra}>&-
wait_log "$log" 'result=handshake timeout$' 10 || fail "no handshake timeout"
exec {held}>&-
timeout 20 curl -s "http://127.0.0.1:$mport/metrics" >"$TMP/metrics.txt"
metric() { # metric NAME{LABELS} -> value (0 if absent)
    awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$TMP/metrics.txt"
}
expect_grep "$TMP/metrics.txt" '^# TYPE gmtls_server_handshakes_total counter$' "metrics: Prometheus TYPE lines"
expect_eq "metrics: full handshakes, AES-128-GCM" \
    "$(metric 'gmtls_server_handshakes_total{protocol="TLSv1.3",suite="TLS_AES_128_GCM_SHA256",group="X25519MLKEM768",signature="ecdsa_secp256r1_sha256",resumed="no"}')" 1
expect_eq "metrics: the resumed handshake" \
    "$(metric 'gmtls_server_handshakes_total{protocol="TLSv1.3",suite="TLS_AES_128_GCM_SHA256",group="X25519MLKEM768",signature="none",resumed="yes"}')" 1
expect_eq "metrics: the ShangMi handshake" \
    "$(metric 'gmtls_server_handshakes_total{protocol="TLSv1.3",suite="TLS_SM4_GCM_SM3",group="curveSM2MLKEM768",signature="sm2sig_sm3",resumed="no"}')" 1
expect_eq "metrics: resumptions" "$(metric gmtls_server_resumptions_total)" 1
expect_eq "metrics: the TLS 1.2 handshake (curl --tls-max 1.2)" \
    "$(metric 'gmtls_server_handshakes_total{protocol="TLSv1.2",suite="TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",group="x25519",signature="ecdsa_secp256r1_sha256",resumed="no"}')" 1
expect_eq "metrics: TLS 1.1 refused with protocol_version" \
    "$(metric 'gmtls_server_handshake_failures_total{reason="alert_sent",alert="protocol_version"}')" 1
expect_eq "metrics: plain HTTP" "$(metric 'gmtls_server_handshake_failures_total{reason="plain_http",alert="none"}')" 1
expect_eq "metrics: not TLS" "$(metric 'gmtls_server_handshake_failures_total{reason="not_tls",alert="none"}')" 1
expect_eq "metrics: handshake timeout (failure)" \
    "$(metric 'gmtls_server_handshake_failures_total{reason="timeout",alert="none"}')" 1
expect_eq "metrics: handshake timeout (deadline kill)" \
    "$(metric 'gmtls_server_deadline_kills_total{deadline="handshake"}')" 1
expect_eq "metrics: refused by --max-conns" "$(metric 'gmtls_server_connections_refused_total{reason="max_conns"}')" 1
expect_eq "metrics: accepted" "$(metric gmtls_server_connections_accepted_total)" 8
expect_eq "metrics: none open" "$(metric gmtls_server_connections_open)" 0
check "metrics: bytes in and out counted" test "$(metric gmtls_server_bytes_sent_total)" -gt 1000 -a \
    "$(metric gmtls_server_bytes_received_total)" -gt 100
expect_eq "access log: one line per connection, the refused one included" \
    "$(count_lines "$log" '^127\.0\.0\.1:[0-9]+ .*result=')" 9
kill -HUP "$GM_PID"
check "NOTIFY_SOCKET: RELOADING=1 on SIGHUP, then READY=1" wait_lines "$TMP/notify.out" '^READY=1$' 2 10
expect_grep "$TMP/notify.out" '^RELOADING=1$' "... RELOADING=1"
kill -TERM "$GM_PID"
check "NOTIFY_SOCKET: STOPPING=1 on SIGTERM" wait_log "$TMP/notify.out" '^STOPPING=1$' 10
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- --user
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    log=$TMP/user.log
    start_server "$log" --www --dev-dir "$DEV" --user nobody
    uid=$(id -u nobody) gid=$(id -g nobody)
    expect_grep "/proc/$GM_PID/status" "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid\$" \
        "--user nobody: real, effective, saved and fs uid are nobody's"
    expect_grep "/proc/$GM_PID/status" "^Gid:[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid\$" \
        "... and the gids"
    code=$(timeout 20 curl -s -o /dev/null -w '%{http_code}' --cacert "$DEV/ca.pem" "https://localhost:$SRV_PORT/")
    expect_eq "--user nobody: serves" "$code" 200
    kill -HUP "$GM_PID"
    check "SIGHUP after --user is refused with a message" \
        wait_log "$log" "SIGHUP: reload refused: the server runs as 'nobody' \(--user\).*restart it" 10
    code=$(timeout 20 curl -s -o /dev/null -w '%{http_code}' --cacert "$DEV/ca.pem" "https://localhost:$SRV_PORT/")
    expect_eq "... and it goes on serving" "$code" 200
    stop_pid "$SRV_PID"
else
    echo "note: not root (or no user nobody): --user not tested"
fi
timeout 20 "$GMTLS" server --listen 127.0.0.1:0 --dev-dir "$DEV" --user no-such-user-gmtls >"$TMP/nouser.out" 2>&1
expect_eq "--user with an unknown user exits 1" "$?" 1
expect_grep "$TMP/nouser.out" '^gmtls: --user no-such-user-gmtls: no such user$' "... saying so"

# ---------------------------------------------------------------- memory
NIDLE=$((GMTLS_ASAN ? 1000 : 10000))
ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -n)" -lt $((NIDLE + 200)) ]; then
    NIDLE=$(($(ulimit -n) - 200))
    echo "note: open files limited to $(ulimit -n): $NIDLE connections"
fi
log=$TMP/mem.log
start_server "$log" --www --dev-dir "$DEV" --workers 2 --quiet --handshake-timeout 120 --max-conns 0
rss() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB$/\1/p" "/proc/$GM_PID/status"; }
rss0=$(rss VmRSS)
timeout 200 "$HELPERS/loadgen" 127.0.0.1 "$SRV_PORT" --ca "$DEV/ca.pem" --conns "$NIDLE" --handshakes 1 \
    --profiles aes128 --hold-ms 3000 --timeout 150 >"$TMP/mem-loadgen.out" 2>&1 &
lg=$!
PIDS+=("$lg")
if wait_log "$TMP/mem-loadgen.out" '^loadgen: hold phase: ' 160; then
    rss_idle=$(rss VmRSS)
    fds=$(ls "/proc/$GM_PID/fd" | wc -l)
    check "$NIDLE idle connections held at once (server fds: $fds)" test "$fds" -ge "$NIDLE"
fi
wait "$lg"
expect_eq "loadgen: $NIDLE connections served and held, no error" "$?" 0
rss_peak=$(rss VmHWM)
for i in $(seq 1 100); do
    [ "$(ls "/proc/$GM_PID/fd" | wc -l)" -lt 50 ] && [ "$(rss VmRSS)" -lt $((rss0 + 20480)) ] && break
    sleep 0.1
done
rss_after=$(rss VmRSS)
echo "memory: $NIDLE idle connections: RSS ${rss0} kB at start, ${rss_idle:-?} kB held" \
    "($(( (${rss_idle:-0} - rss0) * 1024 / NIDLE )) bytes each), peak ${rss_peak} kB, ${rss_after} kB after they closed"
if [ "$GMTLS_ASAN" != 1 ]; then
    check "$NIDLE idle connections: RSS ${rss_idle:-?} kB < 150 MB" test "${rss_idle:-999999}" -lt 153600
    check "memory returned after they closed: RSS ${rss_after} kB within 20 MB of ${rss0} kB" \
        test "$rss_after" -lt $((rss0 + 20480))
fi
stop_pid "$SRV_PID"

finish
