#!/usr/bin/env bash
# 0-RTT accepted (RFC 8446 §2.3, §4.2.10; RFC 8470) with OpenSSL:
# `openssl s_client -sess_out` takes a ticket from `gmtls server --www
# --max-early-data N` (it must carry max_early_data_size N), then offers it
# with `-early_data FILE`: the server accepts the early GET and answers it
# (the access log says early=1), answers an early POST with 425 Too Early,
# and a server without --max-early-data issues tickets without early data.
# Then the gmtls client (`--early-data FILE`) against `openssl s_server
# -early_data`: accepted, s_server prints the early data; against a server
# whose tickets allow none: "not sent", the data goes after the handshake.
set -uo pipefail
. "$(dirname "$0")/interop_lib.sh"

make_chain zrtt ecdsa
CA=$TMP/zrtt-ca.pem

# client OUT ARGS...: one s_client connection; stdin from $CLIENT_IN.
client() {
    local out=$1
    shift
    timeout 20 openssl s_client -connect "127.0.0.1:$SRV_PORT" -servername localhost -tls1_3 -ign_eof \
        -CAfile "$CA" "$@" <"$CLIENT_IN" >"$out" 2>&1
}

start_gmtls_server "$TMP/www.log" --www --verbose --cert "$TMP/zrtt-chain.pem" --key "$TMP/zrtt-leaf.key" \
    --max-early-data 4096
printf 'GET / HTTP/1.0\r\n\r\n' >"$TMP/get.txt"
printf 'POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n' >"$TMP/post.txt"

# 1. A full handshake (a request on stdin; HTTP/1.0 closes after the answer,
# the ticket came before it): the ticket allows 4096 bytes of early data.
CLIENT_IN=$TMP/get.txt client "$TMP/first.out" -sess_out "$TMP/sess.pem"
expect_grep "$TMP/first.out" "^HTTP/1.1 200 OK" "full handshake served"
expect_grep "$TMP/first.out" "Max Early Data: 4096" "NewSessionTicket carries early_data(4096)"

# 2. The early GET: accepted, answered, logged as early.
CLIENT_IN=/dev/null client "$TMP/early.out" -sess_in "$TMP/sess.pem" -early_data "$TMP/get.txt"
expect_grep "$TMP/early.out" "^Reused, TLSv1.3" "session resumed"
expect_grep "$TMP/early.out" "^Early data was accepted" "s_client: early data accepted"
expect_grep "$TMP/early.out" "^HTTP/1.1 200 OK" "the early GET is answered"
wait_count "$TMP/www.log" "resumed=yes early=1 " 1
expect_grep "$TMP/www.log" "GET / HTTP/1.0 early=1" "request log: the GET came early"
expect_grep "$TMP/www.log" "resumed=yes early=1 in=18 .*result=ok" "access log: early=1, the 18 request bytes"

# 3. The early POST: accepted as TLS data, refused by HTTP (RFC 8470 §5.2).
CLIENT_IN=/dev/null client "$TMP/post.out" -sess_in "$TMP/sess.pem" -early_data "$TMP/post.txt"
expect_grep "$TMP/post.out" "^Early data was accepted" "s_client: early POST accepted by TLS"
expect_grep "$TMP/post.out" "^HTTP/1.1 425 Too Early" "the early POST gets 425 Too Early"
wait_count "$TMP/www.log" "resumed=yes early=1 " 2
stop_pid "$SRV_PID"

# 4. Without --max-early-data: tickets without early_data.
start_gmtls_server "$TMP/plain.log" --www --cert "$TMP/zrtt-chain.pem" --key "$TMP/zrtt-leaf.key"
CLIENT_IN=$TMP/get.txt client "$TMP/plain.out" -sess_out "$TMP/sess2.pem"
expect_grep "$TMP/plain.out" "^HTTP/1.1 200 OK" "full handshake served (0-RTT off)"
if grep -q "Max Early Data: [1-9]" "$TMP/plain.out"; then
    fail "a server without --max-early-data offered early data"
else
    pass "no early data offered when 0-RTT is off"
fi
stop_pid "$SRV_PID"

# 5. gmtls client -> openssl s_server -early_data (stdin held open: s_server
# stops at EOF on stdin).
printf 'hello early\n' >"$TMP/early.txt"
hold_stdin 120
S_SERVER_STDIN=$HOLD_FIFO start_s_server "$TMP/s_server.log" -cert "$TMP/zrtt-chain.pem" -key "$TMP/zrtt-leaf.key" \
    -tls1_3 -early_data
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" --sess-out "$TMP/g.sess" \
    </dev/null >"$TMP/g1.out" 2>"$TMP/g1.err"
expect_grep "$TMP/g1.err" "^resumed: no" "gmtls client: full handshake with s_server"
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" --sess-in "$TMP/g.sess" \
    --early-data "$TMP/early.txt" </dev/null >"$TMP/g2.out" 2>"$TMP/g2.err"
expect_grep "$TMP/g2.err" "^resumed: yes" "gmtls client: resumed with s_server"
expect_grep "$TMP/g2.err" "^early data: accepted" "gmtls client: early data accepted by s_server"
wait_count "$TMP/s_server.log" "^Reused session-id" 1
wait_count "$TMP/s_server.log" "^hello early" 1
expect_grep "$TMP/s_server.log" "^Early data received:" "s_server read early data"
expect_grep "$TMP/s_server.log" "^hello early" "s_server got the early bytes"
stop_pid "$SRV_PID"

# 6. s_server without -early_data: its tickets allow none, the client sends
# the data after the handshake.
hold_stdin 120
S_SERVER_STDIN=$HOLD_FIFO start_s_server "$TMP/s_server2.log" -cert "$TMP/zrtt-chain.pem" \
    -key "$TMP/zrtt-leaf.key" -tls1_3
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" --sess-out "$TMP/g3.sess" \
    </dev/null >"$TMP/g3.out" 2>"$TMP/g3.err"
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$CA" --sess-in "$TMP/g3.sess" \
    --early-data "$TMP/early.txt" </dev/null >"$TMP/g4.out" 2>"$TMP/g4.err"
expect_grep "$TMP/g4.err" "^resumed: yes" "gmtls client: resumed (0-RTT off at s_server)"
expect_grep "$TMP/g4.err" "^early data: not sent" "gmtls client: the ticket allows no early data"
wait_count "$TMP/s_server2.log" "^hello early" 1
expect_grep "$TMP/s_server2.log" "^hello early" "the data arrived after the handshake"
if grep -q "^Early data received" "$TMP/s_server2.log"; then
    fail "s_server without -early_data received early data"
else
    pass "no early data to s_server without -early_data"
fi
stop_pid "$SRV_PID"
finish
