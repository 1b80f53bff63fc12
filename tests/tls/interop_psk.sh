#!/usr/bin/env bash
# External PSKs (RFC 8446 §2.2) with OpenSSL's s_client and s_server, both
# directions, no certificates: psk_dhe_ke, psk_ke (-allow_no_dhe_kex), a
# SHA-384 key (OpenSSL takes SHA-256 for -psk; a -psk_session file made here
# carries TLS_AES_256_GCM_SHA384), a wrong key (decrypt_error) and an unknown
# identity (unknown_psk_identity); then gmtls with itself for an SM3 key from
# --psk-file, which OpenSSL 3.0 cannot negotiate.
set -uo pipefail
. "$(dirname "$0")/interop_lib.sh"

ID=gmtls-psk-test
KEY=0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff
KEY384=$KEY$KEY
KEY384=${KEY384:0:96}
GET=$'GET / HTTP/1.0\r\n\r\n'

# A TLS 1.3 SSL_SESSION (DER, OpenSSL's SSL_SESSION_ASN1: version 1,
# ssl_version 0x0304, cipher, empty session id, master key = the PSK, time,
# timeout) for s_client/s_server -psk_session.
python3 - "$KEY384" "$TMP/sess384.pem" <<'EOF' || { echo "FAIL: cannot make the session file" >&2; exit 1; }
import base64, sys, time
def tlv(t, v):
    assert len(v) < 128
    return bytes([t, len(v)]) + v
def integer(n):
    return tlv(2, n.to_bytes((n.bit_length() + 8) // 8, 'big'))
body = (integer(1) + integer(0x0304) + tlv(4, b'\x13\x02') + tlv(4, b'') + tlv(4, bytes.fromhex(sys.argv[1])) +
        tlv(0xa1, integer(int(time.time()))) + tlv(0xa2, integer(86400)))
with open(sys.argv[2], 'w') as f:
    f.write('-----BEGIN SSL SESSION PARAMETERS-----\n' + base64.encodebytes(tlv(0x30, body)).decode() +
            '-----END SSL SESSION PARAMETERS-----\n')
EOF

# s_client OUT ARGS...: one request to the gmtls server (stdin: the request).
s_client() {
    local out=$1
    shift
    printf '%s' "$GET" | timeout 20 openssl s_client -connect "127.0.0.1:$SRV_PORT" -tls1_3 -ign_eof "$@" >"$out" 2>&1
}

# ---------------------------------------------------------------- s_client -> gmtls server
start_gmtls_server "$TMP/srv.log" --www --psk "$KEY" --psk-identity "$ID"
s_client "$TMP/c1.out" -psk "$KEY" -psk_identity "$ID"
expect_grep "$TMP/c1.out" "^Reused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256" "s_client -psk: a PSK handshake"
expect_grep "$TMP/c1.out" "HTTP/1.1 200" "s_client -psk: page served by a server without a certificate"
wait_count "$TMP/srv.log" " psk=$ID .*result=ok" 1
expect_grep "$TMP/srv.log" "suite=TLS_AES_128_GCM_SHA256 group=x25519 sigalg=none .* psk=$ID .*result=ok" \
    "gmtls server log: psk_dhe_ke with $ID"

s_client "$TMP/c2.out" -psk "${KEY/0f/f0}" -psk_identity "$ID"
expect_grep "$TMP/c2.out" "alert decrypt error" "s_client with a wrong key: decrypt_error"
wait_count "$TMP/srv.log" "sent alert decrypt_error" 1
expect_grep "$TMP/srv.log" "sent alert decrypt_error \(51\) \(invalid PSK binder\)" "gmtls server: wrong binder logged"

s_client "$TMP/c3.out" -psk "$KEY" -psk_identity nobody
expect_grep "$TMP/c3.out" "alert unknown psk identity" "s_client with an unknown identity: unknown_psk_identity"
stop_pid "$SRV_PID"

# psk_ke: s_client offers both modes with -allow_no_dhe_kex; a server that
# allows only psk_ke takes it: no key_share, group none.
start_gmtls_server "$TMP/srv-ke.log" --www --psk "$KEY" --psk-identity "$ID" --psk-modes psk_ke
s_client "$TMP/c4.out" -psk "$KEY" -psk_identity "$ID" -allow_no_dhe_kex
expect_grep "$TMP/c4.out" "HTTP/1.1 200" "s_client psk_ke: page served"
wait_count "$TMP/srv-ke.log" "result=ok" 1
expect_grep "$TMP/srv-ke.log" "group=none sigalg=none .* psk=$ID .*result=ok" "gmtls server log: psk_ke, no group"
stop_pid "$SRV_PID"

# SHA-384: the server picks TLS_AES_256_GCM_SHA384 for the key although
# s_client lists TLS_AES_128_GCM_SHA256 first.
start_gmtls_server "$TMP/srv-384.log" --www --psk "$KEY384" --psk-identity "$ID" --psk-hash SHA384
s_client "$TMP/c5.out" -psk_session "$TMP/sess384.pem" -psk_identity "$ID"
expect_grep "$TMP/c5.out" "^Reused, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384" "s_client SHA-384 PSK session"
expect_grep "$TMP/c5.out" "HTTP/1.1 200" "s_client SHA-384 PSK: page served"
stop_pid "$SRV_PID"

# A server with a certificate and a PSK: a client without the PSK gets the
# certificate handshake.
make_chain psk ecdsa
start_gmtls_server "$TMP/srv-cert.log" --www --cert "$TMP/psk-chain.pem" --key "$TMP/psk-leaf.key" \
    --psk "$KEY" --psk-identity "$ID"
s_client "$TMP/c6.out" -CAfile "$TMP/psk-ca.pem" -verify_return_error
expect_grep "$TMP/c6.out" "^New, TLSv1.3" "certificate handshake beside a PSK"
expect_grep "$TMP/c6.out" "Verify return code: 0 \(ok\)" "certificate verified beside a PSK"
s_client "$TMP/c7.out" -psk "$KEY" -psk_identity "$ID"
expect_grep "$TMP/c7.out" "^Reused, TLSv1.3" "PSK handshake on a server with a certificate"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- gmtls client -> s_server
# psk_server ARGS...: s_server for one connection, no certificate.
# Each has its own log: a new server's log is created by its own shell, which
# may run after the wait for its ACCEPT line has begun.
NSRV=0
psk_server() {
    NSRV=$((NSRV + 1))
    SLOG=$TMP/s$NSRV.log
    hold_stdin 120
    S_SERVER_STDIN=$HOLD_FIFO start_s_server "$SLOG" -nocert -tls1_3 -naccept 1 "$@"
}
# psk_client OUT ARGS...: sends one line, ends it with close_notify.
psk_client() {
    local out=$1
    shift
    printf 'hello from gmtls\n' | timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" "$@" >"$out" 2>&1
}

psk_server -psk "$KEY" -psk_identity "$ID"
psk_client "$TMP/g1.out" --psk "$KEY" --psk-identity "$ID"
expect_grep "$TMP/g1.out" "^psk: $ID \(psk_dhe_ke\)" "gmtls client: PSK used (psk_dhe_ke)"
expect_grep "$TMP/g1.out" "^cipher: TLS_AES_128_GCM_SHA256" "gmtls client: SHA-256 suite"
expect_grep "$TMP/g1.out" "^verify: no certificate \(external PSK\)" "gmtls client: no certificate to verify"
wait_line "$SLOG" "hello from gmtls" "$SRV_PID" >/dev/null
expect_grep "$SLOG" "hello from gmtls" "s_server -psk received the data"
stop_pid "$SRV_PID"

psk_server -psk "$KEY" -psk_identity "$ID" -allow_no_dhe_kex
psk_client "$TMP/g2.out" --psk "$KEY" --psk-identity "$ID" --psk-modes psk_ke
expect_grep "$TMP/g2.out" "^psk: $ID \(psk_ke\)" "gmtls client: psk_ke against s_server -allow_no_dhe_kex"
expect_grep "$TMP/g2.out" "^group: none" "gmtls client: psk_ke has no group"
wait_line "$SLOG" "hello from gmtls" "$SRV_PID" >/dev/null
expect_grep "$SLOG" "hello from gmtls" "s_server psk_ke received the data"
stop_pid "$SRV_PID"

# OpenSSL's server takes the client's first suite and then only a PSK of its
# hash: the client lists the SHA-384 suite alone.
psk_server -psk_session "$TMP/sess384.pem" -psk_identity "$ID"
psk_client "$TMP/g3.out" --psk "$KEY384" --psk-identity "$ID" --psk-hash SHA384 --ciphers TLS_AES_256_GCM_SHA384
expect_grep "$TMP/g3.out" "^psk: $ID " "gmtls client: SHA-384 PSK used"
expect_grep "$TMP/g3.out" "^cipher: TLS_AES_256_GCM_SHA384" "gmtls client: SHA-384 suite"
stop_pid "$SRV_PID"

psk_server -psk "$KEY" -psk_identity "$ID"
psk_client "$TMP/g4.out" --psk "${KEY/0f/f0}" --psk-identity "$ID"
# RFC 8446 §4.2.11 asks for decrypt_error; OpenSSL 3.0's tls_psk_do_binder
# sends illegal_parameter ("binder does not verify"). gmtls sends
# decrypt_error (above); here the point is that the client stops.
expect_grep "$TMP/g4.out" "handshake failed: received alert illegal_parameter" \
    "gmtls client with a wrong key: s_server refuses the binder"
wait_line "$SLOG" "binder does not verify" "$SRV_PID" >/dev/null
expect_grep "$SLOG" "binder does not verify" "s_server: binder does not verify"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- gmtls with itself: SM3, --psk-file
printf '# identity:key:hash\nother:00112233445566778899aabbccddeeff\n%s:%s:SM3\n' "$ID" "$KEY" >"$TMP/psks.txt"
start_gmtls_server "$TMP/srv-sm.log" --echo --psk-file "$TMP/psks.txt"
psk_client "$TMP/g5.out" --psk "$KEY" --psk-identity "$ID" --psk-hash SM3
expect_grep "$TMP/g5.out" "^cipher: TLS_SM4_GCM_SM3" "gmtls SM3 PSK: ShangMi suite"
expect_grep "$TMP/g5.out" "^psk: $ID \(psk_dhe_ke\)" "gmtls SM3 PSK used"
expect_grep "$TMP/g5.out" "^hello from gmtls" "gmtls SM3 PSK: data echoed"
psk_client "$TMP/g6.out" --psk 00112233445566778899aabbccddeeff --psk-identity other
expect_grep "$TMP/g6.out" "^psk: other " "second PSK of the file"
stop_pid "$SRV_PID"

finish
