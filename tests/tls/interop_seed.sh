#!/usr/bin/env bash
# tests/tls/interop_seed.sh - live interop with the Go gmtls family (package
# gmtls of ccgo, the reference's own implementation, built from
# ../shared/peers by tests/peers/peers.sh: seed-server, seed-client,
# seed-certgen), both directions, gmtls with --profile go-gmtls where the Go
# dialect needs it and with its defaults where it does not:
#   ShangMi with the Go side's own certificates (seed-certgen), verified in
#   full both ways; ShangMi with `gmtls cert --style go-gmtls` certificates,
#   accepted by the Go side; client authentication both ways; resumption;
#   HelloRetryRequest both ways; the standard suite (ECDSA) as a control; one
#   gmtls port holding a Go-style SM2, a standard SM2 and an ECDSA chain that
#   serves a default Go client, a GmSSL client and `openssl s_client`, each
#   its own chain; gmtls server's development certificates (their go-gmtls
#   chain for the Go client, the standard one for gmtls); and the styles of `gmtls cert` checked by `openssl verify`
#   (distid), GmSSL's certverify and the Go side.
# The seed refuses any non-loopback address and the GmSSL client only
# connects: no network namespace is needed. Checks read what the programs
# print; seed-client exits 0 only when every handshake and echo passed.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../peers/peers.sh"
. "$HERE/interop_lib.sh"
peer_require seed-go
peer_require gmssl
S=$SEED_BIN
GM=$GMSSL_BIN
D=$TMP
MSG="seed interop $$ $(date +%s)"
printf '%s\n' "$MSG" >"$D/msg.txt"
LEN=$((${#MSG} + 1))

# ------------------------------------------------------------ the PKIs
# 1. The Go side's own: sm2-{ca,server,client}, ec-{ca,server,client}.
"$S/seed-certgen" -out "$D/seed" -days 2 >"$D/certgen.log" 2>&1 ||
    { echo "FAIL: seed-certgen:" >&2; cat "$D/certgen.log" >&2; exit 1; }
# 2. gmtls cert, both SM2 styles (and the other algorithms, checked below).
cert() {
    "$GMTLS" cert "$@" >>"$D/cert.log" 2>&1 || {
        echo "FAIL: gmtls cert $*:" >&2
        tail -n 5 "$D/cert.log" >&2
        exit 1
    }
}
for style in go-gmtls rfc; do
    p=$D/$style
    cert ca --style "$style" --subject "CN=gmtls $style root,O=gmtls interop" --days 2 --out-cert "$p-ca.pem" \
        --out-key "$p-ca.key"
    cert issue --ca "$p-ca.pem" --ca-key "$p-ca.key" --subject "CN=localhost,O=gmtls $style" --dns localhost \
        --ip 127.0.0.1 --server --days 2 --out-cert "$p-server.pem" --out-key "$p-server.key" \
        --out-chain "$p-server-chain.pem"
    cert issue --ca "$p-ca.pem" --ca-key "$p-ca.key" --subject "CN=gmtls $style client,O=gmtls interop" --client \
        --days 2 --out-cert "$p-client.pem" --out-key "$p-client.key"
done

# ------------------------------------------------------------ helpers
# start_seed_server LOG ARGS...: seed-server on a kernel-picked loopback port;
# sets SEED_PID and SEED_PORT.
start_seed_server() {
    local log=$1
    shift
    timeout 300 "$S/seed-server" -listen 127.0.0.1:0 "$@" 2>"$log" >/dev/null &
    SEED_PID=$!
    PIDS+=("$SEED_PID")
    local line
    if ! line=$(wait_line "$log" '^seed-server: listening on ' "$SEED_PID"); then
        echo "FAIL: seed-server did not start: $*" >&2
        sed 's/^/    | /' "$log" >&2
        exit 1
    fi
    SEED_PORT=$(printf '%s\n' "$line" | sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p')
}
# seed_client NAME PORT ARGS...: NAME.out (echo), NAME.err (report), NAME.rc
seed_client() {
    local name=$1 port=$2
    shift 2
    timeout 60 "$S/seed-client" -connect "127.0.0.1:$port" -msg "$MSG
" "$@" >"$D/$name.out" 2>"$D/$name.err"
    echo $? >"$D/$name.rc"
}
# gmtls_client NAME PORT ARGS... (the message on stdin)
gmtls_client() {
    local name=$1 port=$2
    shift 2
    timeout 60 "$GMTLS" client "127.0.0.1:$port" --servername localhost "$@" <"$D/msg.txt" >"$D/$name.out" \
        2>"$D/$name.err"
    echo $? >"$D/$name.rc"
}
expect_rc() { # NAME RC WHAT
    local got
    got=$(cat "$D/$1.rc")
    if [ "$got" = "$2" ]; then
        pass "$3"
    else
        fail "$3: exit status $got, expected $2; stderr:"
        sed 's/^/    | /' "$D/$1.err" | tail -n 20 >&2
    fi
}
seed_pass() { # NAME WHAT: seed-client passed (every handshake, the echo)
    expect_rc "$1" 0 "$2"
    expect_grep "$D/$1.err" '^seed-client: result=PASS' "$2 (seed-client result=PASS)"
}
gmtls_pass() { # NAME WHAT: gmtls client verified the chain and got the echo
    expect_rc "$1" 0 "$2"
    expect_grep "$D/$1.err" '^verify: ok$' "$2 (verify: ok)"
    expect_grep "$D/$1.out" "^$MSG\$" "$2 (echo)"
}
# access_line LOG N: the Nth connection line of a gmtls server log
expect_access() { # LOG N REGEX WHAT
    local l
    l=$(grep -E ' result=' "$1" | sed -n "$2p")
    if printf '%s\n' "$l" | grep -Eq -- "$3"; then
        pass "$4"
    else
        fail "$4: access log line $2 is '$l', expected /$3/"
        sed 's/^/    | /' "$1" | tail -n 20 >&2
    fi
}
SM_GO="suite=TLS_SM4_GCM_SM3 group=curveSM2_legacy sigalg=sm2sig_sm3_legacy"

# ------------------------------------------------------------ 1. the Go side's own certificates
# gmtls client -> seed-server, full verification of the Go-style chain.
start_seed_server "$D/own-seed.log" -cert "$D/seed/sm2-server.crt" -key "$D/seed/sm2-server.key"
gmtls_client own-c1 "$SEED_PORT" --profile go-gmtls --ca "$D/seed/sm2-ca.crt"
gmtls_pass own-c1 "own: gmtls client (go-gmtls) verified the Go server's own SM2 chain"
expect_grep "$D/own-c1.err" '^cipher: TLS_SM4_GCM_SM3$' "own: TLS_SM4_GCM_SM3 with the Go server"
expect_grep "$D/own-c1.err" '^group: curveSM2_legacy$' "own: curveSM2 as group 26, no HelloRetryRequest"
expect_grep "$D/own-c1.err" '^hrr: no$' "own: the key share for group 26 was taken"
expect_grep "$D/own-c1.err" '^signature: sm2sig_sm3_legacy$' "own: the Go server signed with 0x0204"
# --profile go-gmtls with --strict-sm: ShangMi only, Go dialect.
gmtls_client own-c2 "$SEED_PORT" --profile go-gmtls --strict-sm --ca "$D/seed/sm2-ca.crt"
gmtls_pass own-c2 "own: gmtls client --profile go-gmtls --strict-sm to the Go server"
# The old flags still reach the certificate, but without the profile a
# Go-style signature is not accepted (docs/ARCHITECTURE.md: no fallback).
gmtls_client own-c3 "$SEED_PORT" --groups curveSM2_legacy --sigalgs sm2sig_sm3_legacy --ca "$D/seed/sm2-ca.crt"
expect_rc own-c3 1 "own: without the profile the Go-style chain is refused"
expect_grep "$D/own-c3.err" 'certificate signature failure \(a Go gmtls-style SM2 signature' \
    "own: the refusal names the Go-style signature and the profile"
gmtls_client own-c4 "$SEED_PORT" --groups curveSM2_legacy --sigalgs sm2sig_sm3_legacy --insecure
expect_rc own-c4 0 "own: --groups curveSM2_legacy --sigalgs sm2sig_sm3_legacy keep working (--insecure)"
expect_grep "$D/own-c4.out" "^$MSG\$" "own: echo with the old flags"
stop_pid "$SEED_PID"
# seed-client -> gmtls server (go-gmtls) with the Go side's certificate.
start_gmtls_server "$D/own-srv.log" --echo --profile go-gmtls --cert "$D/seed/sm2-server.crt" \
    --key "$D/seed/sm2-server.key"
seed_client own-s1 "$SRV_PORT" -ca "$D/seed/sm2-ca.crt" -ciphers TLS_SM4_GCM_SM3
seed_pass own-s1 "own: Go client verified its own chain served by gmtls"
expect_grep "$D/own-s1.err" 'group=0x001a\(curveSM2\) hrr=no' "own: Go client got group 26 from gmtls"
expect_access "$D/own-srv.log" 1 "$SM_GO .*in=$LEN out=$LEN .*result=ok" "own: gmtls server served the Go client"
stop_pid "$SRV_PID"

# ------------------------------------------------------------ 2. client authentication both ways
start_seed_server "$D/auth-seed.log" -cert "$D/seed/sm2-server.crt" -key "$D/seed/sm2-server.key" \
    -client-auth require-and-verify -client-ca "$D/seed/sm2-ca.crt"
gmtls_client auth-c1 "$SEED_PORT" --profile go-gmtls --ca "$D/seed/sm2-ca.crt" --cert "$D/seed/sm2-client.crt" \
    --key "$D/seed/sm2-client.key"
gmtls_pass auth-c1 "auth: gmtls client authenticated to the Go server (require-and-verify)"
expect_grep "$D/auth-seed.log" 'handshake=ok .* peer="CN=sm2-client,O=seed"' "auth: Go server verified gmtls's client certificate"
stop_pid "$SEED_PID"
start_gmtls_server "$D/auth-srv.log" --echo --profile go-gmtls --cert "$D/seed/sm2-server.crt" \
    --key "$D/seed/sm2-server.key" --verify-client require-and-verify --ca "$D/seed/sm2-ca.crt"
seed_client auth-s1 "$SRV_PORT" -ca "$D/seed/sm2-ca.crt" -cert "$D/seed/sm2-client.crt" -key "$D/seed/sm2-client.key"
seed_pass auth-s1 "auth: Go client authenticated to gmtls (require-and-verify)"
expect_access "$D/auth-srv.log" 1 "$SM_GO .*result=ok" "auth: gmtls server verified the Go client's Go-style chain"
stop_pid "$SRV_PID"
# Without the profile the same client chain is refused (bad_certificate).
start_gmtls_server "$D/auth-srv2.log" --echo --cert "$D/seed/sm2-server.crt" --key "$D/seed/sm2-server.key" \
    --verify-client require-and-verify --ca "$D/seed/sm2-ca.crt"
seed_client auth-s2 "$SRV_PORT" -ca "$D/seed/sm2-ca.crt" -cert "$D/seed/sm2-client.crt" -key "$D/seed/sm2-client.key"
expect_rc auth-s2 1 "auth: without the profile gmtls refuses a Go-style client chain"
expect_grep "$D/auth-s2.err" 'bad certificate' "auth: the Go client got bad_certificate"
stop_pid "$SRV_PID"

# ------------------------------------------------------------ 3. gmtls cert --style go-gmtls
start_gmtls_server "$D/gcert-srv.log" --echo --profile go-gmtls --cert "$D/go-gmtls-server-chain.pem" \
    --key "$D/go-gmtls-server.key" --verify-client require-and-verify --ca "$D/go-gmtls-ca.pem"
seed_client gcert-s1 "$SRV_PORT" -ca "$D/go-gmtls-ca.pem" -cert "$D/go-gmtls-client.pem" -key "$D/go-gmtls-client.key"
seed_pass gcert-s1 "gmtls cert: the Go client accepted a go-gmtls chain made by gmtls cert"
expect_grep "$D/gcert-s1.err" 'peer="CN=localhost,O=gmtls go-gmtls"' "gmtls cert: the Go client saw gmtls cert's leaf"
stop_pid "$SRV_PID"
start_seed_server "$D/gcert-seed.log" -cert "$D/go-gmtls-server-chain.pem" -key "$D/go-gmtls-server.key" \
    -client-auth require-and-verify -client-ca "$D/go-gmtls-ca.pem"
gmtls_client gcert-c1 "$SEED_PORT" --profile go-gmtls --ca "$D/go-gmtls-ca.pem" --cert "$D/go-gmtls-client.pem" \
    --key "$D/go-gmtls-client.key"
gmtls_pass gcert-c1 "gmtls cert: the Go server served gmtls cert's go-gmtls chain to gmtls"
expect_grep "$D/gcert-seed.log" 'handshake=ok .* peer="CN=gmtls go-gmtls client,O=gmtls interop"' \
    "gmtls cert: the Go server verified gmtls cert's go-gmtls client certificate"
stop_pid "$SEED_PID"
# The reason for the styles: the Go side refuses a standard (rfc) SM2 chain.
start_gmtls_server "$D/rcert-srv.log" --echo --profile go-gmtls --cert "$D/rfc-server-chain.pem" --key "$D/rfc-server.key"
seed_client rcert-s1 "$SRV_PORT" -ca "$D/rfc-ca.pem"
expect_rc rcert-s1 1 "gmtls cert: the Go client refuses an rfc-style SM2 chain (as the issue says)"
stop_pid "$SRV_PID"

# ------------------------------------------------------------ 4. resumption
start_gmtls_server "$D/res-srv.log" --echo --profile go-gmtls --cert "$D/seed/sm2-server.crt" \
    --key "$D/seed/sm2-server.key"
seed_client res-s1 "$SRV_PORT" -ca "$D/seed/sm2-ca.crt" -reconnect 2 -require-resume
seed_pass res-s1 "resume: Go client resumed twice with gmtls's tickets"
expect_access "$D/res-srv.log" 3 "sigalg=none .*resumed=yes .*result=ok" "resume: gmtls server resumed the Go client"
stop_pid "$SRV_PID"
start_seed_server "$D/res-seed.log" -cert "$D/seed/sm2-server.crt" -key "$D/seed/sm2-server.key"
gmtls_client res-c1 "$SEED_PORT" --profile go-gmtls --ca "$D/seed/sm2-ca.crt" --sess-out "$D/res.sess"
gmtls_pass res-c1 "resume: gmtls client, full handshake with the Go server"
gmtls_client res-c2 "$SEED_PORT" --profile go-gmtls --ca "$D/seed/sm2-ca.crt" --sess-in "$D/res.sess"
expect_rc res-c2 0 "resume: gmtls client, second connection"
expect_grep "$D/res-c2.err" '^resumed: yes$' "resume: gmtls client resumed the Go server's ticket"
expect_grep "$D/res-c2.out" "^$MSG\$" "resume: echo on the resumed connection"
expect_grep "$D/res-seed.log" 'conn=2 .*handshake=ok .*resumed=true' "resume: the Go server resumed gmtls"
stop_pid "$SEED_PID"

# ------------------------------------------------------------ 5. HelloRetryRequest
# The Go client sends one x25519 share; gmtls (ShangMi only, Go dialect) retries for group 26.
start_gmtls_server "$D/hrr-srv.log" --echo --profile go-gmtls --strict-sm --cert "$D/seed/sm2-server.crt" \
    --key "$D/seed/sm2-server.key"
seed_client hrr-s1 "$SRV_PORT" -ca "$D/seed/sm2-ca.crt" -curves x25519,curveSM2
seed_pass hrr-s1 "hrr: Go client completed after gmtls's HelloRetryRequest"
expect_grep "$D/hrr-s1.err" 'group=0x001a\(curveSM2\) hrr=0x001a' "hrr: gmtls asked the Go client for group 26"
stop_pid "$SRV_PID"
# gmtls sends a share for group 26; the Go server takes x25519 only.
start_seed_server "$D/hrr-seed.log" -cert "$D/seed/sm2-server.crt" -key "$D/seed/sm2-server.key" -curves x25519
gmtls_client hrr-c1 "$SEED_PORT" --profile go-gmtls --ca "$D/seed/sm2-ca.crt"
gmtls_pass hrr-c1 "hrr: gmtls client completed after the Go server's HelloRetryRequest"
expect_grep "$D/hrr-c1.err" '^hrr: yes$' "hrr: the Go server sent a HelloRetryRequest"
expect_grep "$D/hrr-c1.err" '^group: x25519$' "hrr: gmtls retried with x25519"
stop_pid "$SEED_PID"

# ------------------------------------------------------------ 6. the standard suite (control, defaults)
start_seed_server "$D/std-seed.log" -cert "$D/seed/ec-server.crt" -key "$D/seed/ec-server.key"
gmtls_client std-c1 "$SEED_PORT" --ciphers TLS_AES_128_GCM_SHA256 --ca "$D/seed/ec-ca.crt"
gmtls_pass std-c1 "standard: gmtls client (defaults) to the Go server, ECDSA"
expect_grep "$D/std-c1.err" '^cipher: TLS_AES_128_GCM_SHA256$' "standard: TLS_AES_128_GCM_SHA256"
expect_grep "$D/std-c1.err" '^signature: ecdsa_secp256r1_sha256$' "standard: ECDSA signature"
stop_pid "$SEED_PID"
# The Go client always offers TLS_SM4_GCM_SM3 first (its README): a server
# that accepts only the standard suites gets it to use one.
start_gmtls_server "$D/std-srv.log" --echo --cert "$D/seed/ec-server.crt" --key "$D/seed/ec-server.key" \
    --ciphers TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384
seed_client std-s1 "$SRV_PORT" -ca "$D/seed/ec-ca.crt" -curves x25519 -ciphers TLS_AES_128_GCM_SHA256
seed_pass std-s1 "standard: Go client to gmtls server (no profile), ECDSA, AES-128-GCM"
expect_access "$D/std-srv.log" 1 "suite=TLS_AES_128_GCM_SHA256 group=x25519 sigalg=ecdsa_secp256r1_sha256 .*result=ok" \
    "standard: gmtls server chose AES-128-GCM, x25519, ECDSA"
stop_pid "$SRV_PID"

# ------------------------------------------------------------ 7. one port, three chains, three camps
# A Go-style SM2 chain (the Go side's), a standard SM2 chain (gmtls cert rfc)
# and an ECDSA chain; ShangMi preferred. Defaults otherwise: the chain
# follows the ClientHello (0x0204 without 0x0708: the Go-style one).
start_gmtls_server "$D/tri-srv.log" --echo --ciphers TLS_SM4_GCM_SM3:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384 \
    --cert "$D/seed/ec-server.crt" --key "$D/seed/ec-server.key" --cert "$D/rfc-server-chain.pem" \
    --key "$D/rfc-server.key" --cert "$D/seed/sm2-server.crt" --key "$D/seed/sm2-server.key"
cat "$D/seed/sm2-ca.crt" "$D/seed/ec-ca.crt" >"$D/tri-go-cas.pem"
seed_client tri-go "$SRV_PORT" -ca "$D/tri-go-cas.pem"
seed_pass tri-go "three chains: a default Go client verified the chain it got"
expect_grep "$D/tri-go.err" 'peer="CN=sm2-server,O=seed"' "three chains: the Go client got the Go-style SM2 chain"
expect_access "$D/tri-srv.log" 1 "$SM_GO .*result=ok" "three chains: gmtls signed for the Go client with 0x0204"
timeout 60 "$GM" tls13_client -host 127.0.0.1 -port "$SRV_PORT" -server_name localhost -cacert "$D/rfc-ca.pem" \
    -cipher_suite TLS_SM4_GCM_SM3 -supported_group sm2p256v1 -sig_alg sm2sig_sm3 -verbose -in "$D/msg.txt" \
    >"$D/tri-gmssl.out" 2>"$D/tri-gmssl.err"
expect_grep "$D/tri-gmssl.out" "^$MSG\$" "three chains: the GmSSL client verified the standard SM2 chain and got the echo"
expect_access "$D/tri-srv.log" 2 "suite=TLS_SM4_GCM_SM3 group=curveSM2 sigalg=sm2sig_sm3 .*result=ok" \
    "three chains: gmtls served GmSSL the standard SM2 chain (sm2sig_sm3)"
mkfifo "$D/tri.fifo"
timeout 60 openssl s_client -connect "127.0.0.1:$SRV_PORT" -servername localhost -CAfile "$D/seed/ec-ca.crt" \
    -verify_return_error -tls1_3 <"$D/tri.fifo" >"$D/tri-s_client.out" 2>&1 &
sc=$!
exec 7>"$D/tri.fifo"
cat "$D/msg.txt" >&7
for i in $(seq 1 600); do
    grep -qxF -f "$D/msg.txt" "$D/tri-s_client.out" && break
    kill -0 "$sc" 2>/dev/null || break
    sleep 0.1
done
exec 7>&-
wait "$sc"
expect_grep "$D/tri-s_client.out" "Verify return code: 0 \(ok\)" "three chains: s_client verified the ECDSA chain"
expect_grep "$D/tri-s_client.out" "^$MSG\$" "three chains: s_client got the echo"
expect_access "$D/tri-srv.log" 3 "sigalg=ecdsa_secp256r1_sha256 .*result=ok" "three chains: gmtls served OpenSSL the ECDSA chain"
stop_pid "$SRV_PID"

# ------------------------------------------------------------ 8. gmtls server's development certificates
# They include a go-gmtls chain (sm2-go.pem), served to the Go client only.
start_gmtls_server "$D/dev-srv.log" --echo --dev-dir "$D/dev" --ciphers TLS_SM4_GCM_SM3:TLS_AES_128_GCM_SHA256
seed_client dev-s1 "$SRV_PORT" -ca "$D/dev/ca.pem"
seed_pass dev-s1 "dev certificates: a default Go client verified gmtls server's development chain"
expect_grep "$D/dev-s1.err" 'cipher=0x00c6\(TLS_SM4_GCM_SM3\)' "dev certificates: the Go client got TLS_SM4_GCM_SM3"
expect_access "$D/dev-srv.log" 1 "$SM_GO .*result=ok" "dev certificates: gmtls signed for the Go client with 0x0204"
gmtls_client dev-c1 "$SRV_PORT" --ca "$D/dev/ca.pem" --ciphers TLS_SM4_GCM_SM3
gmtls_pass dev-c1 "dev certificates: a default gmtls client still gets the standard SM2 chain"
expect_grep "$D/dev-c1.err" '^signature: sm2sig_sm3$' "dev certificates: sm2sig_sm3 for the gmtls client"
stop_pid "$SRV_PID"
"$GMTLS" cert print "$D/dev/sm2-go.pem" >"$D/dev-print.out" 2>&1
expect_grep "$D/dev-print.out" 'SM2 key encoding: go-gmtls' "dev certificates: sm2-go.pem is go-gmtls style"

# ------------------------------------------------------------ 9. gmtls cert output, judged by others
# rfc style: OpenSSL with the distid, GmSSL's certverify; go-gmtls: the Go
# side above (3.), and OpenSSL must not take it as a standard signature.
if openssl verify -vfyopt distid:1234567812345678 -CAfile "$D/rfc-ca.pem" "$D/rfc-server.pem" "$D/rfc-client.pem" \
    >"$D/v-rfc.out" 2>&1; then
    pass "gmtls cert rfc: openssl verify (distid 1234567812345678) accepts server and client leaves"
else
    fail "gmtls cert rfc: openssl verify refused:"
    sed 's/^/    | /' "$D/v-rfc.out" >&2
fi
if openssl verify -vfyopt distid:1234567812345678 -CAfile "$D/go-gmtls-ca.pem" "$D/go-gmtls-server.pem" \
    >"$D/v-go.out" 2>&1; then
    fail "gmtls cert go-gmtls: openssl verify accepted a double-hashed signature as a standard one"
else
    pass "gmtls cert go-gmtls: not a standard SM2 signature (openssl verify refuses)"
fi
"$GM" certverify -server -in "$D/rfc-server-chain.pem" -cacert "$D/rfc-ca.pem" -hostname localhost \
    >"$D/v-gmssl.out" 2>&1
expect_grep "$D/v-gmssl.out" '^Verification success' "gmtls cert rfc: GmSSL certverify accepts the server chain"
for alg in p256 p384 rsa ed25519; do
    cert ca --alg "$alg" --subject "CN=$alg root" --days 2 --out-cert "$D/$alg-ca.pem" --out-key "$D/$alg-ca.key"
    cert issue --alg "$alg" --ca "$D/$alg-ca.pem" --ca-key "$D/$alg-ca.key" --subject "CN=localhost" --dns localhost \
        --ip 127.0.0.1 --server --days 2 --out-cert "$D/$alg.pem" --out-key "$D/$alg.key"
    if openssl verify -CAfile "$D/$alg-ca.pem" -purpose sslserver "$D/$alg.pem" >"$D/v-$alg.out" 2>&1; then
        pass "gmtls cert $alg: openssl verify accepts the leaf (purpose sslserver)"
    else
        fail "gmtls cert $alg: openssl verify refused:"
        sed 's/^/    | /' "$D/v-$alg.out" >&2
    fi
done
# A CSR (OpenSSL's, SM2 with the distid) signed by the rfc CA.
openssl genpkey -algorithm SM2 -out "$D/csr.key" 2>/dev/null &&
    openssl req -new -key "$D/csr.key" -subj "/O=gmtls interop/CN=csr client" -sm3 \
        -sigopt distid:1234567812345678 -out "$D/csr.pem" 2>"$D/csr.err" ||
    { echo "FAIL: openssl could not make an SM2 CSR" >&2; cat "$D/csr.err" >&2; exit 1; }
cert sign-csr --ca "$D/rfc-ca.pem" --ca-key "$D/rfc-ca.key" --csr "$D/csr.pem" --client --days 2 \
    --out-cert "$D/csr-cert.pem"
if openssl verify -vfyopt distid:1234567812345678 -CAfile "$D/rfc-ca.pem" -purpose sslclient "$D/csr-cert.pem" \
    >"$D/v-csr.out" 2>&1; then
    pass "gmtls cert sign-csr: OpenSSL's SM2 CSR signed, the certificate verifies"
else
    fail "gmtls cert sign-csr: openssl verify refused:"
    sed 's/^/    | /' "$D/v-csr.out" >&2
fi
"$GMTLS" cert print "$D/go-gmtls-server.pem" >"$D/print.out" 2>&1
expect_grep "$D/print.out" 'SM2 key encoding: go-gmtls' "gmtls cert print names the go-gmtls style"

finish
