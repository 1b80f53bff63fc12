#!/usr/bin/env bash
# Post-handshake client authentication (RFC 8446 §4.6.2) with OpenSSL:
# `openssl s_client -enable_pha` against `gmtls server --www --verify-client
# post-handshake` (a CertificateRequest when /private is asked for: 200 with
# the verified subject, 403 without a certificate, no request to a client
# that did not offer post_handshake_auth, unknown_ca for a stranger's
# certificate), against `--echo` (asked right after the handshake), the
# gmtls client against the same server, and the gmtls client against
# `openssl s_server`, whose `c` command sends the CertificateRequest.
set -uo pipefail
. "$(dirname "$0")/interop_lib.sh"

make_chain pha ecdsa
make_chain stranger ecdsa
CA=$TMP/pha-ca.pem
CERT=(-cert "$TMP/pha-leaf.pem" -key "$TMP/pha-leaf.key")

# get OUT PATH ARGS...: one HTTP/1.0 request with s_client.
get() {
    local out=$1 path=$2
    shift 2
    printf 'GET %s HTTP/1.0\r\n\r\n' "$path" |
        timeout 20 openssl s_client -connect "127.0.0.1:$SRV_PORT" -tls1_3 -ign_eof -CAfile "$CA" "$@" >"$out" 2>&1
}

# ---------------------------------------------------------------- s_client -> gmtls server --www
start_gmtls_server "$TMP/www.log" --www --cert "$TMP/pha-chain.pem" --key "$TMP/pha-leaf.key" \
    --verify-client post-handshake --ca "$CA"
get "$TMP/c1.out" /private -enable_pha "${CERT[@]}"
expect_grep "$TMP/c1.out" "^HTTP/1.1 200 OK" "s_client -enable_pha with a certificate: /private served"
expect_grep "$TMP/c1.out" "post-handshake authentication: .*CN=localhost" "the page names the verified client"
wait_count "$TMP/www.log" " pha=" 1
expect_grep "$TMP/www.log" "sigalg=ecdsa_secp256r1_sha256 .*resumed=no pha=cert .*result=ok" "access log: pha=cert"

get "$TMP/c2.out" /private -enable_pha
expect_grep "$TMP/c2.out" "^HTTP/1.1 403 Forbidden" "s_client -enable_pha without a certificate: 403"
expect_grep "$TMP/c2.out" "post-handshake authentication: no client certificate" "403 says why"

get "$TMP/c3.out" /private "${CERT[@]}"
expect_grep "$TMP/c3.out" "^HTTP/1.1 403 Forbidden" "s_client without -enable_pha: 403, not asked"

get "$TMP/c4.out" / -enable_pha "${CERT[@]}"
expect_grep "$TMP/c4.out" "^HTTP/1.1 200 OK" "/ is served without a CertificateRequest"

get "$TMP/c5.out" /private -enable_pha -cert "$TMP/stranger-leaf.pem" -key "$TMP/stranger-leaf.key"
expect_grep "$TMP/c5.out" "alert unknown ca" "a certificate of another CA: unknown_ca"
wait_count "$TMP/www.log" "sent alert unknown_ca" 1
expect_grep "$TMP/www.log" "sent alert unknown_ca" "gmtls server: unknown_ca logged"
if [ "$(count_lines "$TMP/www.log" " pha=")" -ne 2 ] || [ "$(count_lines "$TMP/www.log" "result=ok")" -ne 4 ]; then
    fail "access log: expected 2 post-handshake exchanges and 4 good connections:"
    sed 's/^/    | /' "$TMP/www.log" >&2
else
    pass "only the clients that offered post_handshake_auth were asked"
fi

# The gmtls client against the same server.
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$CA" --cert "$TMP/pha-leaf.pem" --key "$TMP/pha-leaf.key" \
    --get /private >"$TMP/g1.out" 2>"$TMP/g1.err"
expect_grep "$TMP/g1.out" "post-handshake authentication: .*CN=localhost" "gmtls client answers gmtls server's request"
stop_pid "$SRV_PID"

# --echo: the request goes out right after the handshake.
start_gmtls_server "$TMP/echo.log" --echo --cert "$TMP/pha-chain.pem" --key "$TMP/pha-leaf.key" \
    --verify-client post-handshake --ca "$CA"
printf 'ping after pha\n' | timeout 20 openssl s_client -connect "127.0.0.1:$SRV_PORT" -tls1_3 -ign_eof \
    -CAfile "$CA" -enable_pha "${CERT[@]}" >"$TMP/e1.out" 2>&1 &
EPID=$!
PIDS+=("$EPID")
wait_line "$TMP/e1.out" "^ping after pha" "$EPID" >/dev/null
expect_grep "$TMP/e1.out" "^ping after pha" "--echo: data echoed around the exchange"
stop_pid "$EPID" # the access log line is written when the connection ends
wait_count "$TMP/echo.log" "result=" 1
expect_grep "$TMP/echo.log" " pha=cert" "--echo: the client certificate came after the handshake"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- gmtls client -> s_server `c`
SIN=$TMP/s_server.in
CIN=$TMP/client.in
mkfifo "$SIN" "$CIN"
# Our ends of the two fifos (read-write: opening does not wait for the
# reader); the client must not inherit its own stdin's writer, or it never
# sees EOF there.
exec 7<>"$SIN"
S_SERVER_STDIN=$SIN start_s_server "$TMP/s.log" -cert "$TMP/pha-chain.pem" -key "$TMP/pha-leaf.key" \
    -CAfile "$CA" -tls1_3 -naccept 1 -verify_return_error
exec 8<>"$CIN"
timeout 60 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$CA" --cert "$TMP/pha-leaf.pem" --key "$TMP/pha-leaf.key" \
    <"$CIN" >"$TMP/g2.out" 2>"$TMP/g2.err" 7>&- 8>&- &
GPID=$!
PIDS+=("$GPID")
wait_line "$TMP/g2.err" "^verify: ok" "$GPID" >/dev/null
printf 'c\n' >&7
if wait_line "$TMP/g2.err" "answered a post-handshake CertificateRequest" "$GPID" >/dev/null; then
    pass "gmtls client answered s_server's CertificateRequest"
else
    fail "gmtls client did not answer s_server's c command:"
    sed 's/^/    | /' "$TMP/g2.err" "$TMP/s.log" >&2
fi
printf 'data after pha\n' >&8
wait_line "$TMP/s.log" "^data after pha" "$SRV_PID" >/dev/null
expect_grep "$TMP/s.log" "^depth=0 .*CN = localhost" "s_server verified the client certificate"
expect_grep "$TMP/s.log" "^data after pha" "s_server reads data after the exchange"
exec 8>&-
wait "$GPID"
grc=$?
if [ "$grc" -eq 0 ]; then
    pass "gmtls client ended at the end of its input"
else
    fail "gmtls client exited with $grc:"
    sed 's/^/    | /' "$TMP/g2.err" >&2
fi
exec 7>&-
stop_pid "$SRV_PID"

finish
