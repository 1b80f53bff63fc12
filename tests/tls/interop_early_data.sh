#!/usr/bin/env bash
# RFC 8446 §4.2.10: a server that does not accept 0-RTT skips the client's
# early data and completes a 1-RTT handshake. The 0-RTT-eager client is
# `openssl s_client` holding a session (with early data allowed) from an
# `openssl s_server -early_data`; it offers that session with early data to
# the gmtls server, which cannot decrypt the ticket, skips the early data
# records, and must still serve the request sent after the handshake.
set -euo pipefail
B=${GMTLS_BUILD:?}
T=$(mktemp -d)
pids=()
cleanup() { exec 7>&- 2>/dev/null; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "early_data: 0 passed, 1 failed"; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 2 2>/dev/null

# wait_port VAR LOG REGEX: the kernel-picked port printed on a LOG line matching
# REGEX ("...:PORT"), stored in VAR.
wait_port() {
    local line
    for _ in $(seq 100); do
        if line=$(grep -m1 -E -- "$3" "$2" 2>/dev/null); then
            printf -v "$1" '%s' "${line##*:}"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

p1=0 p2=0
# s_server relays its stdin to the client: give it a FIFO we hold open (and
# close at exit) rather than a pipe from a process that would outlive us.
mkfifo "$T/in"
openssl s_server -accept 127.0.0.1:0 -cert "$T/cert.pem" -key "$T/key.pem" -early_data -tls1_3 \
    <"$T/in" >"$T/s_server.log" 2>&1 &
pids+=($!)
exec 7>"$T/in"
"$B/gmtls" server --listen "127.0.0.1:0" --cert "$T/cert.pem" --key "$T/key.pem" --www --workers 1 \
    >"$T/gmtls.log" 2>&1 &
pids+=($!)
wait_port p1 "$T/s_server.log" '^ACCEPT ' || fail "openssl s_server did not start"
wait_port p2 "$T/gmtls.log" '^listening on ' || fail "gmtls server did not start"

# 1. A session that allows early data.
sleep 1 | timeout 20 openssl s_client -connect "127.0.0.1:$p1" -servername localhost \
    -tls1_3 -sess_out "$T/sess.pem" >"$T/first.log" 2>&1 || true
[ -s "$T/sess.pem" ] || fail "no session from openssl s_server"
grep -q "Max Early Data: [1-9]" "$T/first.log" || fail "session does not allow early data:
$(cat "$T/first.log")"

# 2. Offer it with early data to gmtls, then send a request after the handshake.
printf 'GET /early HTTP/1.0\r\n\r\n' >"$T/early.txt"
(sleep 1; printf 'GET / HTTP/1.0\r\n\r\n'; sleep 2) | timeout 20 openssl s_client -connect "127.0.0.1:$p2" \
    -servername localhost -tls1_3 -sess_in "$T/sess.pem" -early_data "$T/early.txt" -ign_eof \
    >"$T/second.log" 2>&1 || true
grep -q "Early data was rejected" "$T/second.log" || fail "s_client did not report early data rejected:
$(cat "$T/second.log")"
grep -q "^New, TLSv1.3" "$T/second.log" || fail "expected a new (not resumed) TLSv1.3 session"
grep -q "TLS_AES_\|TLS_CHACHA" "$T/second.log" || fail "no cipher reported"
grep -q "<html\|<!DOCTYPE\|HTTP/1.[01] 200" "$T/second.log" || fail "no page after the rejected early data:
$(tail -20 "$T/second.log")"
echo "early data rejected cleanly, request served after the 1-RTT handshake"
echo "early_data: 1 passed, 0 failed"
