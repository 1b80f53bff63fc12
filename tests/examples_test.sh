#!/usr/bin/env bash
# Runs examples/server.c and examples/client.c against each other on
# loopback, with an ECDSA and with an SM2 certificate made by openssl.
set -euo pipefail
B=${GMTLS_BUILD:?}
T=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

mkcert() { # alg-args... prefix
    local p=$1; shift
    openssl genpkey "$@" -out "$T/$p-ca.key" 2>/dev/null
    openssl req -x509 -new -key "$T/$p-ca.key" -subj "/CN=$p example CA" -days 2 -out "$T/$p-ca.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
    openssl genpkey "$@" -out "$T/$p.key" 2>/dev/null
    openssl req -new -key "$T/$p.key" -subj "/CN=localhost" -out "$T/$p.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$T/ext"
    openssl x509 -req -in "$T/$p.csr" -CA "$T/$p-ca.pem" -CAkey "$T/$p-ca.key" -CAcreateserial -days 2 \
        -extfile "$T/ext" -out "$T/$p.pem" 2>/dev/null
}
mkcert ec -algorithm EC -pkeyopt ec_paramgen_curve:P-256
mkcert sm2 -algorithm SM2

# port 0: the kernel picks one, and the server prints it
port=0
"$B/examples/example_server" 0 "$T/ec.pem" "$T/ec.key" "$T/sm2.pem" "$T/sm2.key" > "$T/server.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
    if line=$(grep -m1 '^listening on ' "$T/server.log"); then
        port=${line##*:}
        break
    fi
    sleep 0.1
done

out=$(timeout 20 "$B/examples/example_client" "$port" "$T/ec-ca.pem" TLS_AES_128_GCM_SHA256)
echo "$out"
grep -q '^cipher: TLS_AES_128_GCM_SHA256$' <<<"$out"
grep -q '^signature: ecdsa_secp256r1_sha256$' <<<"$out"
grep -q '^reply: HELLO FROM GMTLS$' <<<"$out"

out=$(timeout 20 "$B/examples/example_client" "$port" "$T/sm2-ca.pem" TLS_SM4_GCM_SM3)
echo "$out"
grep -q '^cipher: TLS_SM4_GCM_SM3$' <<<"$out"
grep -q '^signature: sm2sig_sm3$' <<<"$out"
grep -q '^verify: ok$' <<<"$out"
echo "examples: 2 passed, 0 failed"
