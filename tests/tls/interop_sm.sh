#!/usr/bin/env bash
# ShangMi on real sockets: one gmtls server port with an SM2 and an ECDSA
# chain (both made by the openssl CLI; OpenSSL 3.0 signs SM2 certificates
# with the empty SM2 ID) serves `openssl s_client` (standard suites only) and
# `gmtls client --ciphers TLS_SM4_GCM_SM3` side by side, each with the right
# certificate; the SM2 CertificateVerify ID camps; strict ShangMi mode.
set -uo pipefail
B=${GMTLS_BUILD:?}
G=$B/gmtls
T=$(mktemp -d)
pids=()
passed=0
failed=0
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # what haystack regex
    if grep -qE -- "$3" <<<"$2"; then pass "$1"; else fail "$1: /$3/ not in:"; echo "$2" | sed 's/^/    /' | head -30; fi
}

mkchain() { # prefix genpkey-args...
    local p=$1; shift
    openssl genpkey "$@" -out "$T/$p-ca.key" 2>/dev/null
    openssl req -x509 -new -key "$T/$p-ca.key" -subj "/O=gmtls tests/CN=$p CA" -days 2 -out "$T/$p-ca.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
    openssl genpkey "$@" -out "$T/$p.key" 2>/dev/null
    openssl req -new -key "$T/$p.key" -subj "/O=gmtls tests/CN=localhost $p" -out "$T/$p.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >"$T/$p.ext"
    openssl x509 -req -in "$T/$p.csr" -CA "$T/$p-ca.pem" -CAkey "$T/$p-ca.key" -CAcreateserial -days 2 \
        -extfile "$T/$p.ext" -out "$T/$p.pem" 2>/dev/null
}
mkchain ec -algorithm EC -pkeyopt ec_paramgen_curve:P-256
mkchain sm2 -algorithm SM2
cat "$T/ec-ca.pem" "$T/sm2-ca.pem" >"$T/both-ca.pem"

start_server() { # var args...: a server on a kernel-picked port, stored in $var
    local var=$1 line; shift
    "$G" server --listen "127.0.0.1:0" --workers 1 "$@" >"$T/server-$var.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do
        if line=$(grep -m1 "^listening on " "$T/server-$var.log" 2>/dev/null); then
            printf -v "$var" '%s' "${line##*:}"
            return 0
        fi
        sleep 0.1
    done
    fail "server $var did not start: $(cat "$T/server-$var.log")"
    return 1
}

port=0 port2=0
start_server port --cert "$T/sm2.pem" --key "$T/sm2.key" --cert "$T/ec.pem" --key "$T/ec.key" --echo

# 1. A standard client (OpenSSL has no ShangMi suites) gets the ECDSA chain.
out=$(echo hello | timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
    -CAfile "$T/ec-ca.pem" -tls1_3 -ign_eof 2>&1)
check "openssl s_client: standard suite" "$out" "Cipher is TLS_(AES|CHACHA20)_"
check "openssl s_client: ECDSA certificate" "$out" "Peer signature type: ECDSA"
check "openssl s_client: chain verified" "$out" "Verify return code: 0 \(ok\)"
check "openssl s_client: echo" "$out" "^hello$"

# 2. A ShangMi client on the same port gets the SM2 chain, curveSM2, SM4.
for suite in TLS_SM4_GCM_SM3 TLS_SM4_CCM_SM3; do
    out=$(echo "sm data $suite" | timeout 20 "$G" client "127.0.0.1:$port" --servername localhost \
        --ca "$T/sm2-ca.pem" --ciphers "$suite" 2>&1)
    check "gmtls client $suite: suite" "$out" "^cipher: $suite$"
    # a ShangMi-first client sends curveSM2MLKEM768 + curveSM2 shares; the server prefers the hybrid
    check "gmtls client $suite: group" "$out" "^group: curveSM2MLKEM768$"
    check "gmtls client $suite: signature" "$out" "^signature: sm2sig_sm3$"
    check "gmtls client $suite: verify (OpenSSL-made SM2 chain)" "$out" "^verify: ok$"
    check "gmtls client $suite: echo" "$out" "^sm data $suite$"
done

# 3. A ShangMi suite with only an x25519 key share works without HRR; strict mode forces curveSM2.
out=$(echo x | timeout 20 "$G" client "127.0.0.1:$port" --servername localhost --ca "$T/both-ca.pem" \
    --ciphers TLS_SM4_GCM_SM3 --groups x25519:curveSM2 2>&1)
check "SM suite over x25519" "$out" "^group: x25519$"
out=$(echo x | timeout 20 "$G" client "127.0.0.1:$port" --servername localhost --ca "$T/sm2-ca.pem" --strict-sm 2>&1)
check "strict ShangMi client" "$out" "^cipher: TLS_SM4_(GCM|CCM)_SM3$"
check "strict ShangMi client: curveSM2 + sm2sig_sm3" "$(grep -E '^(group|signature):' <<<"$out" | tr '\n' ' ')" \
    "group: curveSM2 signature: sm2sig_sm3"

# 4. The SM2 ID camps: a server signing CertificateVerify with 1234567812345678.
start_server port2 --cert "$T/sm2.pem" --key "$T/sm2.key" --echo --sm2-id gbt-default
out=$(echo x | timeout 20 "$G" client "127.0.0.1:$port2" --servername localhost --ca "$T/sm2-ca.pem" \
    --ciphers TLS_SM4_GCM_SM3 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "decrypt_error" <<<"$out"; then pass "RFC-ID client refuses a GB/T-ID CertificateVerify"; else fail "RFC-ID client vs GB/T-ID server: rc=$rc $out"; fi
out=$(echo x | timeout 20 "$G" client "127.0.0.1:$port2" --servername localhost --ca "$T/sm2-ca.pem" \
    --ciphers TLS_SM4_GCM_SM3 --sm2-id accept-both 2>&1)
check "accept-both client talks to the GB/T-ID camp" "$out" "^verify: ok$"
out=$(echo x | timeout 20 "$G" client "127.0.0.1:$port2" --servername localhost --ca "$T/sm2-ca.pem" \
    --ciphers TLS_SM4_GCM_SM3 --sm2-id gbt-default 2>&1)
check "gbt-default client talks to the GB/T-ID camp" "$out" "^signature: sm2sig_sm3$"

# 5. An SM2 chain from an unknown CA is refused.
out=$(echo x | timeout 20 "$G" client "127.0.0.1:$port" --servername localhost --ca "$T/ec-ca.pem" \
    --ciphers TLS_SM4_GCM_SM3 --sigalgs sm2sig_sm3 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -qi "unknown_ca\|unable to get" <<<"$out"; then pass "unknown SM2 CA refused"; else fail "unknown SM2 CA: rc=$rc $out"; fi

echo "interop_sm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
