#!/bin/bash
# tests/sm/sm2_cli_test.sh - `gmtls sm2` against the openssl CLI: keys made
# by gmtls load in openssl and the reverse, signatures made by either side
# verify on the other (default ID and a custom one), wrong messages, IDs
# and keys are refused, usage errors exit 2 naming the flag; keygen does not
# replace an existing key unless --force; encrypt/decrypt interoperate with
# openssl pkeyutl -encrypt/-decrypt both ways (DER), C1C3C2 round trips,
# tampered ciphertexts are refused.
# Env: GMTLS_BUILD (the build directory holding the gmtls binary).
set -u
GMTLS="${GMTLS_BUILD:?GMTLS_BUILD not set}/gmtls"
if [ ! -x "$GMTLS" ]; then
    echo "sm2_cli_test: $GMTLS not built" >&2
    exit 1
fi
command -v openssl >/dev/null || { echo "sm2_cli_test: openssl not found" >&2; exit 1; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# expect STATUS DESCRIPTION CMD...: CMD must exit with STATUS
expect() {
    local want=$1 what=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want"; cat "$T/err" >&2; fi
}
DEFID=1234567812345678

printf 'The quick brown fox jumps over the lazy dog\n' >"$T/msg"
printf 'The quick brown fox jumps over the lazy cat\n' >"$T/msg2"
head -c 100000 /dev/urandom >"$T/big"
: >"$T/empty"

# ---- keys made by gmtls: openssl reads them and finds the same public key
expect 0 "gmtls keygen" "$GMTLS" sm2 keygen --out "$T/g.pem" --pubout "$T/g.pub"
expect 0 "openssl reads the gmtls private key" openssl pkey -in "$T/g.pem" -noout
grep -q "BEGIN PRIVATE KEY" "$T/g.pem" && ok || bad "keygen output is not PKCS#8 PEM"
openssl pkey -in "$T/g.pem" -pubout -out "$T/g.pub.ossl" 2>/dev/null
cmp -s "$T/g.pub" "$T/g.pub.ossl" && ok || bad "public key differs from openssl's derivation"
[ "$(stat -c %a "$T/g.pem")" = 600 ] && ok || bad "private key file is not mode 600"

# ---- keygen never replaces an existing key by accident; --force does (and keeps the key private)
before=$(sha256sum <"$T/g.pem")
expect 1 "keygen refuses to overwrite an existing key" "$GMTLS" sm2 keygen --out "$T/g.pem"
grep -q -- "g.pem exists: .*add --force" "$T/err" && ok || bad "overwrite refusal does not name the file and --force"
[ "$(sha256sum <"$T/g.pem")" = "$before" ] && ok || bad "the refused keygen changed the key"
expect 1 "keygen refuses an existing --pubout" "$GMTLS" sm2 keygen --out "$T/new.pem" --pubout "$T/g.pub"
[ ! -e "$T/new.pem" ] && ok || bad "keygen wrote a private key although --pubout was refused"
chmod 644 "$T/g.pem"
expect 0 "keygen --force replaces the key" "$GMTLS" sm2 keygen --out "$T/g.pem" --pubout "$T/g.pub" --force
[ "$(sha256sum <"$T/g.pem")" != "$before" ] && ok || bad "keygen --force did not replace the key"
[ "$(stat -c %a "$T/g.pem")" = 600 ] && ok || bad "a key replaced by --force is not mode 600"
openssl pkey -in "$T/g.pem" -pubout -out "$T/g.pub.ossl" 2>/dev/null
cmp -s "$T/g.pub" "$T/g.pub.ossl" && ok || bad "after --force the public key does not match the new key"

# ---- gmtls signs, openssl verifies (default ID, custom ID, files and stdin)
for m in msg big empty; do
    expect 0 "gmtls sign $m" "$GMTLS" sm2 sign --key "$T/g.pem" --in "$T/$m" --out "$T/g.$m.sig"
    expect 0 "openssl verifies gmtls signature over $m" openssl pkeyutl -verify -in "$T/$m" -rawin \
        -digest sm3 -pubin -inkey "$T/g.pub" -sigfile "$T/g.$m.sig" -pkeyopt distid:$DEFID
    expect 0 "gmtls verifies its own signature over $m" "$GMTLS" sm2 verify --pubkey "$T/g.pub" \
        --sig "$T/g.$m.sig" --in "$T/$m"
done
"$GMTLS" sm2 sign --key "$T/g.pem" --out "$T/g.stdin.sig" <"$T/msg" && ok || bad "sign from stdin"
expect 0 "openssl verifies the stdin signature" openssl pkeyutl -verify -in "$T/msg" -rawin \
    -digest sm3 -pubin -inkey "$T/g.pub" -sigfile "$T/g.stdin.sig" -pkeyopt distid:$DEFID
expect 0 "gmtls sign custom ID" "$GMTLS" sm2 sign --key "$T/g.pem" --id alice@example.com \
    --in "$T/msg" --out "$T/g.id.sig"
expect 0 "openssl verifies the custom-ID signature" openssl pkeyutl -verify -in "$T/msg" -rawin \
    -digest sm3 -pubin -inkey "$T/g.pub" -sigfile "$T/g.id.sig" -pkeyopt distid:alice@example.com
expect 1 "openssl refuses the custom-ID signature under the default ID" openssl pkeyutl -verify \
    -in "$T/msg" -rawin -digest sm3 -pubin -inkey "$T/g.pub" -sigfile "$T/g.id.sig" \
    -pkeyopt distid:$DEFID

# ---- openssl keys and signatures, gmtls verifies
openssl genpkey -algorithm SM2 -out "$T/o.pem" 2>/dev/null && ok || bad "openssl genpkey"
openssl pkey -in "$T/o.pem" -pubout -out "$T/o.pub" 2>/dev/null && ok || bad "openssl pkey -pubout"
for m in msg big empty; do
    expect 0 "openssl sign $m" openssl pkeyutl -sign -in "$T/$m" -rawin -digest sm3 \
        -inkey "$T/o.pem" -pkeyopt distid:$DEFID -out "$T/o.$m.sig"
    expect 0 "gmtls verifies openssl signature over $m" "$GMTLS" sm2 verify --pubkey "$T/o.pub" \
        --sig "$T/o.$m.sig" --in "$T/$m"
done
grep -qx verified "$T/out" && ok || bad "verify did not print 'verified'"
expect 0 "openssl sign custom ID" openssl pkeyutl -sign -in "$T/msg" -rawin -digest sm3 \
    -inkey "$T/o.pem" -pkeyopt distid:bob -out "$T/o.id.sig"
expect 0 "gmtls verifies openssl custom-ID signature" "$GMTLS" sm2 verify --pubkey "$T/o.pub" \
    --id bob --sig "$T/o.id.sig" --in "$T/msg"
expect 1 "gmtls refuses it under the default ID" "$GMTLS" sm2 verify --pubkey "$T/o.pub" \
    --sig "$T/o.id.sig" --in "$T/msg"
"$GMTLS" sm2 verify --pubkey "$T/o.pub" --sig "$T/o.msg.sig" <"$T/msg" >"$T/out" 2>&1 && ok ||
    bad "verify from stdin"

# ---- an openssl private key signs through gmtls
expect 0 "gmtls signs with an openssl key" "$GMTLS" sm2 sign --key "$T/o.pem" --in "$T/msg" \
    --out "$T/go.sig"
expect 0 "openssl verifies it" openssl pkeyutl -verify -in "$T/msg" -rawin -digest sm3 -pubin \
    -inkey "$T/o.pub" -sigfile "$T/go.sig" -pkeyopt distid:$DEFID

# ---- a certificate as the verification key
if openssl req -x509 -new -key "$T/o.pem" -subj /CN=gmtls-sm2-test -sm3 \
    -sigopt distid:$DEFID -days 2 -out "$T/o.crt" 2>"$T/err"; then
    ok
    expect 0 "gmtls verify --cert" "$GMTLS" sm2 verify --cert "$T/o.crt" --sig "$T/o.msg.sig" \
        --in "$T/msg"
    expect 1 "gmtls verify --cert, wrong message" "$GMTLS" sm2 verify --cert "$T/o.crt" \
        --sig "$T/o.msg.sig" --in "$T/msg2"
else
    bad "openssl req -x509"
    cat "$T/err" >&2
fi

# ---- refusals: wrong message, wrong key, corrupted signature, wrong ID
expect 1 "wrong message" "$GMTLS" sm2 verify --pubkey "$T/o.pub" --sig "$T/o.msg.sig" --in "$T/msg2"
grep -qx "verification failed" "$T/out" && ok || bad "did not print 'verification failed'"
expect 1 "wrong key" "$GMTLS" sm2 verify --pubkey "$T/g.pub" --sig "$T/o.msg.sig" --in "$T/msg"
expect 1 "wrong ID" "$GMTLS" sm2 verify --pubkey "$T/o.pub" --id x --sig "$T/o.msg.sig" --in "$T/msg"
cp "$T/o.msg.sig" "$T/flip.sig"
printf '\x00' | dd of="$T/flip.sig" bs=1 seek=10 conv=notrunc 2>/dev/null
expect 1 "corrupted signature" "$GMTLS" sm2 verify --pubkey "$T/o.pub" --sig "$T/flip.sig" --in "$T/msg"
expect 1 "empty signature" "$GMTLS" sm2 verify --pubkey "$T/o.pub" --sig "$T/empty" --in "$T/msg"
expect 1 "openssl refuses a gmtls signature over another message" openssl pkeyutl -verify \
    -in "$T/msg2" -rawin -digest sm3 -pubin -inkey "$T/g.pub" -sigfile "$T/g.msg.sig" \
    -pkeyopt distid:$DEFID
# a P-256 key is not an SM2 key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/p256.pem" 2>/dev/null
expect 1 "P-256 key refused" "$GMTLS" sm2 sign --key "$T/p256.pem" --in "$T/msg" --out "$T/x.sig"
expect 1 "missing key file" "$GMTLS" sm2 sign --key "$T/nonexistent.pem" --in "$T/msg" --out "$T/x.sig"

# ---- encryption (GB/T 32918.4, DER SM2Cipher): gmtls <-> openssl pkeyutl both ways
head -c 1 /dev/urandom >"$T/one"
head -c 5000 /dev/urandom >"$T/mid"
for m in msg one mid; do
    expect 0 "gmtls encrypts $m" "$GMTLS" sm2 encrypt --pubkey "$T/o.pub" --in "$T/$m" --out "$T/$m.ct"
    expect 0 "openssl decrypts gmtls's $m" openssl pkeyutl -decrypt -inkey "$T/o.pem" -in "$T/$m.ct" \
        -out "$T/$m.dec"
    cmp -s "$T/$m" "$T/$m.dec" && ok || bad "openssl's decryption of gmtls's $m differs"
    expect 0 "openssl encrypts $m" openssl pkeyutl -encrypt -pubin -inkey "$T/g.pub" -in "$T/$m" \
        -out "$T/$m.oct"
    expect 0 "gmtls decrypts openssl's $m" "$GMTLS" sm2 decrypt --key "$T/g.pem" --in "$T/$m.oct" \
        --out "$T/$m.gdec"
    cmp -s "$T/$m" "$T/$m.gdec" && ok || bad "gmtls's decryption of openssl's $m differs"
done
# from a certificate, and from standard input
openssl req -new -x509 -key "$T/g.pem" -subj /CN=enc -days 1 -out "$T/g.crt" 2>/dev/null
"$GMTLS" sm2 encrypt --cert "$T/g.crt" --out "$T/c.ct" <"$T/msg" && ok || bad "encrypt --cert from stdin"
expect 0 "decrypt to stdout" "$GMTLS" sm2 decrypt --key "$T/g.pem" --in "$T/c.ct" --out -
cmp -s "$T/msg" "$T/out" && ok || bad "decrypt to stdout differs"
# raw C1C3C2: 97 bytes of overhead, round trip, not readable as DER
expect 0 "encrypt c1c3c2" "$GMTLS" sm2 encrypt --pubkey "$T/g.pub" --format c1c3c2 --in "$T/msg" \
    --out "$T/raw.ct"
[ "$(stat -c %s "$T/raw.ct")" -eq $(($(stat -c %s "$T/msg") + 97)) ] && ok || bad "c1c3c2 length"
expect 0 "decrypt c1c3c2" "$GMTLS" sm2 decrypt --key "$T/g.pem" --format c1c3c2 --in "$T/raw.ct" \
    --out "$T/raw.dec"
cmp -s "$T/msg" "$T/raw.dec" && ok || bad "c1c3c2 round trip differs"
expect 1 "c1c3c2 read as DER" "$GMTLS" sm2 decrypt --key "$T/g.pem" --in "$T/raw.ct" --out "$T/x"
grep -q "decryption failed" "$T/out" && ok || bad "no 'decryption failed'"
# tampered ciphertext, wrong key: refused, nothing written
cp "$T/msg.oct" "$T/flip.ct"
printf '\x55' | dd of="$T/flip.ct" bs=1 seek=$(($(stat -c %s "$T/flip.ct") - 3)) conv=notrunc 2>/dev/null
expect 1 "tampered ciphertext" "$GMTLS" sm2 decrypt --key "$T/g.pem" --in "$T/flip.ct" --out "$T/flip.dec"
[ ! -s "$T/flip.dec" ] && ok || bad "a refused ciphertext left plaintext behind"
expect 1 "wrong key" "$GMTLS" sm2 decrypt --key "$T/o.pem" --in "$T/msg.oct" --out "$T/x"
expect 1 "empty plaintext refused" "$GMTLS" sm2 encrypt --pubkey "$T/g.pub" --in "$T/empty" --out "$T/x"
expect 2 "bad --format" "$GMTLS" sm2 encrypt --pubkey "$T/g.pub" --format c1c2c3 --in "$T/msg" --out "$T/x"
grep -q -- "--format" "$T/err" && ok || bad "bad --format not named"
expect 2 "decrypt without --key" "$GMTLS" sm2 decrypt --in "$T/msg.oct" --out "$T/x"
expect 2 "encrypt without a key" "$GMTLS" sm2 encrypt --in "$T/msg" --out "$T/x"

# ---- usage: exit 2, naming the flag
expect 2 "sign without --key" "$GMTLS" sm2 sign --in "$T/msg" --out "$T/x.sig"
grep -q -- "--key" "$T/err" && ok || bad "missing --key not named"
expect 2 "sign without --out" "$GMTLS" sm2 sign --key "$T/g.pem" --in "$T/msg"
grep -q -- "--out" "$T/err" && ok || bad "missing --out not named"
expect 2 "keygen without --out" "$GMTLS" sm2 keygen
expect 2 "unknown flag" "$GMTLS" sm2 sign --frobnicate x
grep -q -- "--frobnicate" "$T/err" && ok || bad "unknown flag not named"
expect 2 "verify without --sig" "$GMTLS" sm2 verify --pubkey "$T/o.pub" --in "$T/msg"
grep -q -- "--sig" "$T/err" && ok || bad "missing --sig not named"
expect 2 "verify with both --pubkey and --cert" "$GMTLS" sm2 verify --pubkey "$T/o.pub" \
    --cert "$T/o.pub" --sig "$T/o.msg.sig"
expect 2 "flag without value" "$GMTLS" sm2 sign --key
expect 2 "unknown subcommand" "$GMTLS" sm2 frob
expect 0 "--help" "$GMTLS" sm2 --help
grep -q "usage: gmtls sm2" "$T/out" && ok || bad "--help prints no usage"
expect 0 "sign --help" "$GMTLS" sm2 sign --help

echo "sm2_cli_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
