#!/bin/bash
# tests/sm/sm2_gmssl_test.sh - SM2 public-key encryption (GB/T 32918.4, the
# DER SM2Cipher that TLCP carries) between `gmtls sm2 encrypt|decrypt` and
# GmSSL's `gmssl sm2encrypt|sm2decrypt`, both ways, with keys made by each
# side; a ciphertext one bit off is refused by both. GmSSL comes from
# tests/peers (skipped, exit 77, when its tarball is absent).
# Env: GMTLS_BUILD (the build directory holding the gmtls binary).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
GMTLS="${GMTLS_BUILD:?GMTLS_BUILD not set}/gmtls"
[ -x "$GMTLS" ] || { echo "sm2_gmssl_test: $GMTLS not built" >&2; exit 1; }
. "$HERE/../peers/peers.sh"
peer_require gmssl
G=$GMSSL_BIN

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
PASS='gm-Pass:1'

"$G" sm2keygen -pass "$PASS" -out "$T/gm.key" -pubout "$T/gm.pub" >"$T/log" 2>&1 || {
    echo "FAIL: gmssl sm2keygen" >&2
    cat "$T/log" >&2
    exit 1
}
"$GMTLS" sm2 keygen --out "$T/gt.key" --pubout "$T/gt.pub" || { echo "FAIL: gmtls sm2 keygen" >&2; exit 1; }

# GmSSL 3 encrypts at most 255 bytes (SM2_MAX_PLAINTEXT_SIZE)
for len in 1 32 48 200 255; do
    head -c "$len" /dev/urandom >"$T/m$len"
    # gmtls -> GmSSL (GmSSL's key pair)
    rm -f "$T/c" "$T/d"
    "$GMTLS" sm2 encrypt --pubkey "$T/gm.pub" --in "$T/m$len" --out "$T/c" && ok || bad "gmtls encrypt $len to a GmSSL key"
    "$G" sm2decrypt -key "$T/gm.key" -pass "$PASS" -in "$T/c" -out "$T/d" >"$T/log" 2>&1
    cmp -s "$T/m$len" "$T/d" && ok || { bad "gmssl sm2decrypt of gmtls's $len bytes"; cat "$T/log" >&2; }
    # GmSSL -> gmtls, GmSSL's key pair (its encrypted PKCS#8 key read by gmtls)
    rm -f "$T/c" "$T/d"
    "$G" sm2encrypt -pubkey "$T/gm.pub" -in "$T/m$len" -out "$T/c" >"$T/log" 2>&1 || { bad "gmssl sm2encrypt $len"; cat "$T/log" >&2; }
    "$GMTLS" sm2 decrypt --key "$T/gm.key" --key-pass "pass:$PASS" --in "$T/c" --out "$T/d" &&
        cmp -s "$T/m$len" "$T/d" && ok || bad "gmtls decrypt of gmssl's $len bytes"
    # GmSSL -> gmtls, gmtls's key pair (gmtls's public key PEM read by GmSSL)
    rm -f "$T/c" "$T/d"
    "$G" sm2encrypt -pubkey "$T/gt.pub" -in "$T/m$len" -out "$T/c" >"$T/log" 2>&1 || { bad "gmssl sm2encrypt $len to a gmtls key"; cat "$T/log" >&2; }
    "$GMTLS" sm2 decrypt --key "$T/gt.key" --in "$T/c" --out "$T/d" && cmp -s "$T/m$len" "$T/d" && ok ||
        bad "gmtls decrypt of gmssl's $len bytes to a gmtls key"
done

# one bit flipped in the last byte (C2): refused on both sides
"$GMTLS" sm2 encrypt --pubkey "$T/gm.pub" --in "$T/m48" --out "$T/c"
n=$(stat -c %s "$T/c")
last=$(od -An -tu1 -j $((n - 1)) -N1 "$T/c" | tr -d ' ')
cp "$T/c" "$T/flip"
printf "\\x$(printf %02x $((last ^ 1)))" | dd of="$T/flip" bs=1 seek=$((n - 1)) conv=notrunc 2>/dev/null
rm -f "$T/d"
"$G" sm2decrypt -key "$T/gm.key" -pass "$PASS" -in "$T/flip" -out "$T/d" >"$T/log" 2>&1
cmp -s "$T/m48" "$T/d" 2>/dev/null && bad "gmssl accepted a flipped ciphertext" || ok
"$GMTLS" sm2 decrypt --key "$T/gm.key" --key-pass "pass:$PASS" --in "$T/flip" --out "$T/d2" >"$T/out" 2>&1 &&
    bad "gmtls accepted a flipped ciphertext" || ok
grep -q "decryption failed" "$T/out" && ok || bad "gmtls did not say 'decryption failed'"

echo "sm2_gmssl_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
