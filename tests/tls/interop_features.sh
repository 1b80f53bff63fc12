#!/usr/bin/env bash
# tests/tls/interop_features.sh - TLS features against openssl, loopback only:
# resumption both ways, client authentication both ways, ALPN both ways, key
# log lines equal to OpenSSL's, exporter equal to OpenSSL's, KeyUpdate
# initiated by either side with data before and after.
set -u
. "$(dirname "$0")/interop_lib.sh"

make_chain srv ecdsa
make_chain cli ecdsa
CA=$TMP/srv-ca.pem
SRV=(--cert "$TMP/srv-chain.pem" --key "$TMP/srv-leaf.key")
S_SRV=(-cert "$TMP/srv-chain.pem" -key "$TMP/srv-leaf.key" -tls1_3)
HTTP_GET=$'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'

s_client() { # s_client OUT ARGS... (stdin from the caller)
    local out=$1
    shift
    timeout 20 openssl s_client -connect "127.0.0.1:$SRV_PORT" -servername localhost -CAfile "$CA" \
        -verify_return_error "$@" >"$out" 2>&1
}

# ---------------------------------------------------------------- resumption: s_client -> gmtls server
start_gmtls_server "$TMP/res.log" --www "${SRV[@]}"
# s_client stays connected until a ticket has come (s_client writes it to
# -sess_out: its stdout is a buffered file, flushed at exit only), or the
# handshake's summary (flushed) for the second
run_until "$TMP/sess.pem" '^-----END SSL SESSION PARAMETERS-----' '' \
    s_client "$TMP/res1.out" -sess_out "$TMP/sess.pem" || fail "s_client got no ticket from the gmtls server"
expect_grep "$TMP/res1.out" "^New, TLSv1.3" "s_client first connection is a full handshake"
if [ -s "$TMP/sess.pem" ]; then
    run_until "$TMP/res2.out" '^(New|Reused), ' '' s_client "$TMP/res2.out" -sess_in "$TMP/sess.pem" ||
        fail "s_client -sess_in: no handshake summary"
    expect_grep "$TMP/res2.out" "^Reused, TLSv1.3" "s_client -sess_in resumes against gmtls server"
    wait_count "$TMP/res.log" ' suite=' 2
    expect_grep "$TMP/res.log" ' resumed=yes ' "gmtls server logs the resumption"
else
    fail "s_client -sess_out: gmtls server sent no session ticket"
fi
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- resumption: gmtls client -> s_server
start_s_server "$TMP/ss-res.log" "${S_SRV[@]}" -www
out=$TMP/count.out
if timeout 30 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" --count 2 >"$out" 2>&1; then
    expect_grep "$out" "^resumed: no\$" "gmtls --count: first connection full"
    expect_grep "$out" "^resumed: yes\$" "gmtls --count 2 resumes against s_server"
else
    fail "gmtls client --count 2 failed"
    sed 's/^/    | /' "$out" >&2
fi
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- client auth: s_client -> gmtls server
start_gmtls_server "$TMP/ca.log" --www "${SRV[@]}" --verify-client require-and-verify --ca "$TMP/cli-ca.pem"
printf '%s' "$HTTP_GET" | s_client "$TMP/auth1.out" -cert "$TMP/cli-leaf.pem" -key "$TMP/cli-leaf.key" -ign_eof
expect_grep "$TMP/auth1.out" "HTTP/1.1 200" "s_client with a client certificate is served"
expect_grep "$TMP/auth1.out" "client certificate</th><td>[^<]*CN ?= ?localhost" \
    "status page shows the client certificate subject"
printf '%s' "$HTTP_GET" | s_client "$TMP/auth2.out" -ign_eof
if grep -q "HTTP/1.1 200" "$TMP/auth2.out"; then
    fail "require-and-verify served a client without a certificate"
else
    pass "require-and-verify refuses a client without a certificate"
fi
wait_count "$TMP/ca.log" ' result=' 2
expect_grep "$TMP/ca.log" 'result=handshake failed' "gmtls server logs the refused client"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- client auth: gmtls client -> s_server
start_s_server "$TMP/ss-auth.log" "${S_SRV[@]}" -Verify 1 -CAfile "$TMP/cli-ca.pem" -verify_return_error -www
out=$TMP/auth3.out
if timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" \
    --cert "$TMP/cli-chain.pem" --key "$TMP/cli-leaf.key" --get / >"$out" 2>&1; then
    pass "gmtls client authenticates to s_server -Verify 1"
    expect_grep "$TMP/ss-auth.log" "depth=0 .*CN ?= ?localhost" "s_server verified the gmtls client certificate"
else
    fail "gmtls client with --cert against s_server -Verify 1"
    sed 's/^/    | /' "$out" >&2
fi
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- ALPN both ways
start_gmtls_server "$TMP/alpn.log" --www "${SRV[@]}" --alpn http/1.1
s_client "$TMP/alpn1.out" -alpn h2,http/1.1 </dev/null
expect_grep "$TMP/alpn1.out" "^ALPN protocol: http/1.1" "gmtls server selects ALPN http/1.1"
stop_pid "$SRV_PID"
start_s_server "$TMP/ss-alpn.log" "${S_SRV[@]}" -alpn http/1.1 -www
out=$TMP/alpn2.out
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" --alpn h2:http/1.1 \
    --get / >"$out" 2>&1 || fail "gmtls client --alpn against s_server"
expect_grep "$out" "^alpn: http/1.1\$" "gmtls client reports the ALPN s_server chose"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- key log equals OpenSSL's
start_gmtls_server "$TMP/kl.log" --www "${SRV[@]}" --keylog "$TMP/gmtls-server.keys"
s_client "$TMP/kl1.out" -keylogfile "$TMP/ossl-client.keys" </dev/null
wait_count "$TMP/kl.log" ' suite=' 1
stop_pid "$SRV_PID"
if [ -s "$TMP/ossl-client.keys" ] &&
    diff <(grep -v '^#' "$TMP/ossl-client.keys" | sort) <(sort "$TMP/gmtls-server.keys") >"$TMP/kl1.diff" 2>&1; then
    pass "gmtls server key log equals s_client -keylogfile"
else
    fail "server key log differs from s_client's:"
    sed 's/^/    | /' "$TMP/kl1.diff" >&2
fi
start_s_server "$TMP/ss-kl.log" "${S_SRV[@]}" -www -keylogfile "$TMP/ossl-server.keys"
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" --get / \
    --keylog "$TMP/gmtls-client.keys" >"$TMP/kl2.out" 2>&1 || fail "gmtls client --keylog against s_server"
# (s_server writes and flushes each line as the secret is made: the client's
# page needed the last of them)
wait_count "$TMP/ossl-server.keys" '^(EXPORTER_SECRET|CLIENT_TRAFFIC_SECRET_0) ' 2
stop_pid "$SRV_PID"
if [ -s "$TMP/gmtls-client.keys" ] &&
    diff <(grep -v '^#' "$TMP/ossl-server.keys" | sort) <(sort "$TMP/gmtls-client.keys") >"$TMP/kl2.diff" 2>&1; then
    pass "gmtls client key log equals s_server -keylogfile"
else
    fail "client key log differs from s_server's:"
    sed 's/^/    | /' "$TMP/kl2.diff" >&2
fi
# SSLKEYLOGFILE is honoured too
start_s_server "$TMP/ss-kl3.log" "${S_SRV[@]}" -www
SSLKEYLOGFILE=$TMP/env.keys timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" \
    --get / >"$TMP/kl3.out" 2>&1 || fail "gmtls client with SSLKEYLOGFILE"
expect_grep "$TMP/env.keys" "^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]+\$" "SSLKEYLOGFILE gets NSS lines"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- exporter equals OpenSSL's
# (s_server prints the keying material with its connection info, not on the -www page)
hold_stdin 20
S_SERVER_STDIN=$HOLD_FIFO start_s_server "$TMP/ss-exp.log" "${S_SRV[@]}" -naccept 1 -keymatexport EXPERIMENTAL-gmtls -keymatexportlen 32
out=$TMP/exp.out
exp_client() {
    timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" \
        --export EXPERIMENTAL-gmtls:32 >"$out" 2>&1
}
# connected until s_server has printed the keying material
run_until "$TMP/ss-exp.log" '^ *Keying material: ' '' exp_client || fail "s_server printed no keying material"
[ "$FEED_RC" -eq 0 ] || fail "gmtls client --export against s_server (exit $FEED_RC)"
ours=$(sed -n 's/^export: //p' "$out" | tr 'a-f' 'A-F')
theirs=$(sed -n 's/^ *Keying material: //p' "$TMP/ss-exp.log" | head -n 1 | tr 'a-f' 'A-F')
if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then
    pass "exporter equals s_server -keymatexport"
else
    fail "exporter: gmtls '$ours' vs openssl '$theirs'"
fi
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- KeyUpdate
# Each side writes its next line once the peer has shown the last one, so
# every line is on the intended side of the KeyUpdate whatever the machine's
# speed. s_server's stdin is a fifo this shell holds open read-write (so
# neither open waits).
ss_in_open() {
    rm -f "$TMP/ss-in"
    mkfifo "$TMP/ss-in"
    exec {SS_IN}<>"$TMP/ss-in"
}
ss_say() {
    printf '%s\n' "$1" >&"$SS_IN"
}
ss_close() { # closes s_server's stdin, waits for it (-naccept 1) to exit
    exec {SS_IN}>&-
    wait "$SRV_PID" 2>/dev/null
}

# 1. the gmtls client initiates (after its first data): s_server's data
# before the client's, the client's data before and after its KeyUpdate,
# s_server's after it
ss_in_open
S_SERVER_STDIN=$TMP/ss-in start_s_server "$TMP/ss-ku1.log" "${S_SRV[@]}" -msg -naccept 1
out=$TMP/ku1.out
ku1_client() {
    timeout 60 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" --key-update >"$out" 2>&1
}
feed_start ku1_client
ss_say server-before
feed_wait "$out" '^server-before' && feed_send $'client-before\n' &&
    feed_wait "$TMP/ss-ku1.log" '^client-before' && feed_send $'client-after\n' &&
    feed_wait "$TMP/ss-ku1.log" '^client-after' && ss_say server-after && feed_wait "$out" '^server-after'
feed_close
[ "$FEED_RC" -eq 0 ] || fail "gmtls client --key-update session failed (exit $FEED_RC)"
ss_close
expect_grep "$TMP/ss-ku1.log" "<<< .*KeyUpdate" "s_server received the client's KeyUpdate"
expect_grep "$TMP/ss-ku1.log" "^client-before" "data before the client KeyUpdate"
expect_grep "$TMP/ss-ku1.log" "^client-after" "data after the client KeyUpdate"
expect_grep "$out" "^server-before" "s_server data before, read by gmtls"
expect_grep "$out" "^server-after" "s_server data after (new keys), read by gmtls"
stop_pid "$SRV_PID"

# 2. s_server initiates ("K": update_requested), gmtls answers and keeps
# talking. s_server takes a "K" line only alone in its read: its next line
# waits for gmtls's answering KeyUpdate (-msg, line-buffered); gmtls's next
# line for s_server's line after the KeyUpdate.
ss_in_open
S_SERVER_LINEBUF=1 S_SERVER_STDIN=$TMP/ss-in start_s_server "$TMP/ss-ku2.log" "${S_SRV[@]}" -msg -naccept 1
out=$TMP/ku2.out
ku2_client() {
    timeout 60 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" >"$out" 2>&1
}
feed_start ku2_client
ss_say server-before
feed_wait "$out" '^server-before' && feed_send $'client-before\n' &&
    feed_wait "$TMP/ss-ku2.log" '^client-before' && ss_say K && feed_wait "$TMP/ss-ku2.log" '^<<< .*KeyUpdate' &&
    ss_say server-after && feed_wait "$out" '^server-after' && feed_send $'client-after\n' &&
    feed_wait "$TMP/ss-ku2.log" '^client-after'
feed_close
[ "$FEED_RC" -eq 0 ] || fail "gmtls client session with a server KeyUpdate failed (exit $FEED_RC)"
ss_close
expect_grep "$TMP/ss-ku2.log" ">>> .*KeyUpdate" "s_server sent a KeyUpdate"
expect_grep "$TMP/ss-ku2.log" "<<< .*KeyUpdate" "gmtls answered update_requested with its own KeyUpdate"
expect_grep "$TMP/ss-ku2.log" "^client-after" "gmtls data after the server KeyUpdate"
expect_grep "$out" "^server-after" "s_server data after its KeyUpdate"
stop_pid "$SRV_PID"

# 3. s_client initiates against the gmtls server (--echo): data echoed
# before and after. s_client takes a "K" line only alone in its read, so
# the next line goes once its KeyUpdate is out (stdbuf: its -msg lines at
# once, not when it exits).
start_gmtls_server "$TMP/ku3.log" --echo "${SRV[@]}"
feed_start stdbuf -oL timeout 20 openssl s_client -connect "127.0.0.1:$SRV_PORT" -servername localhost \
    -CAfile "$CA" -verify_return_error -msg >"$TMP/ku3.out" 2>&1
feed_send $'echo-before\n'
feed_wait "$TMP/ku3.out" '^echo-before' && feed_send $'K\n' && feed_wait "$TMP/ku3.out" '^>>> .*KeyUpdate' &&
    feed_send $'echo-after\n' && feed_wait "$TMP/ku3.out" '^echo-after'
feed_close
expect_grep "$TMP/ku3.out" ">>> .*KeyUpdate" "s_client sent a KeyUpdate to gmtls"
expect_grep "$TMP/ku3.out" "<<< .*KeyUpdate" "gmtls server answered update_requested"
expect_grep "$TMP/ku3.out" "^echo-before" "echo before the KeyUpdate"
expect_grep "$TMP/ku3.out" "^echo-after" "echo after the KeyUpdate"
stop_pid "$SRV_PID"

finish
