#!/usr/bin/env bash
# RFC 8446 §4.2.10: a server that does not accept 0-RTT skips the client's
# early data and completes a 1-RTT handshake. The 0-RTT-eager client is
# `openssl s_client` holding a session (with early data allowed) from an
# `openssl s_server -early_data`; it offers that session with early data to
# the gmtls server, which cannot decrypt the ticket, skips the early data
# records, and must still serve the request sent after the handshake.
set -u
. "$(dirname "$0")/interop_lib.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 2 2>/dev/null

# s_server relays its stdin to the client: a fifo held open, empty.
hold_stdin 300
S_SERVER_STDIN=$HOLD_FIFO start_s_server "$TMP/s_server.log" -cert "$TMP/cert.pem" -key "$TMP/key.pem" \
    -early_data -tls1_3
p1=$SRV_PORT
start_gmtls_server "$TMP/gmtls.log" --cert "$TMP/cert.pem" --key "$TMP/key.pem" --www
p2=$SRV_PORT

# 1. A session that allows early data: s_client stays connected until a
# ticket has come (s_client writes it to -sess_out; its stdout, a buffered
# file, has the ticket printed when it exits).
first() {
    timeout 20 openssl s_client -connect "127.0.0.1:$p1" -servername localhost -tls1_3 \
        -sess_out "$TMP/sess.pem" >"$TMP/first.log" 2>&1
}
run_until "$TMP/sess.pem" '^-----END SSL SESSION PARAMETERS-----' '' first || fail "s_client got no ticket"
expect_grep "$TMP/first.log" '^ *Max Early Data: [1-9]' "a ticket from openssl s_server that allows early data"
if [ -s "$TMP/sess.pem" ]; then
    pass "s_client saved the session"
else
    fail "no session from openssl s_server"
fi

# 2. Offer it with early data to gmtls, then send a request once the
# handshake is done, and stay until the page has come.
printf 'GET /early HTTP/1.0\r\n\r\n' >"$TMP/early.txt"
second() {
    timeout 20 openssl s_client -connect "127.0.0.1:$p2" -servername localhost -tls1_3 -sess_in "$TMP/sess.pem" \
        -early_data "$TMP/early.txt" -ign_eof >"$TMP/second.log" 2>&1
}
feed_start second
feed_wait "$TMP/second.log" '^(New|Reused), ' && feed_send $'GET / HTTP/1.0\r\n\r\n' &&
    feed_wait "$TMP/second.log" '<html|<!DOCTYPE|HTTP/1.[01] 200'
feed_close
expect_grep "$TMP/second.log" "Early data was rejected" "s_client reports its early data rejected"
expect_grep "$TMP/second.log" "^New, TLSv1.3" "a new (not resumed) TLSv1.3 session"
expect_grep "$TMP/second.log" "TLS_AES_|TLS_CHACHA" "a cipher reported"
expect_grep "$TMP/second.log" "<html|<!DOCTYPE|HTTP/1.[01] 200" "the page served after the rejected early data"
finish
