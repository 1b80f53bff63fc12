#!/usr/bin/env bash
# tests/cli/cli_cert.sh - `gmtls cert` as people use it: usage errors (exit 2)
# and file errors (exit 1) with their messages; what ca / issue / sign-csr
# write (key mode 0600, SAN, keyUsage, extendedKeyUsage, validity, CA
# constraints, the SM2 style of the CA carried to its leaves); an encrypted
# CA key with and without --ca-key-pass; CSRs from OpenSSL (SM2 with the
# distid, SM2 with the empty ID, P-256) signed, a tampered CSR refused.
# Live acceptance by other stacks is tests/tls/interop_seed.sh.
. "$(dirname "$0")/cli_lib.sh"
T=$TMP

# expect_fail WHAT RC PATTERN ARGS...: gmtls cert ARGS exits RC with PATTERN on stderr
expect_fail() {
    local what=$1 want=$2 pat=$3 rc
    shift 3
    "$GMTLS" cert "$@" >"$T/err.out" 2>"$T/err.txt"
    rc=$?
    if [ "$rc" = "$want" ] && grep -Eq -- "$pat" "$T/err.txt"; then
        pass "$what"
    else
        fail "$what: exit $rc (expected $want), stderr:"
        sed 's/^/    | /' "$T/err.txt" >&2
    fi
}
expect_fail "no subcommand: usage" 2 '^usage: gmtls cert' 
expect_fail "unknown subcommand" 2 "unknown subcommand 'bogus'" bogus
expect_fail "ca without --out-key" 2 'missing --out-key' ca --subject CN=x --out-cert "$T/x.pem"
expect_fail "issue without --ca" 2 'missing --ca and --ca-key' issue --subject CN=x --out-cert "$T/x.pem" \
    --out-key "$T/x.key"
expect_fail "bad --style" 2 '--style must be rfc or go-gmtls' ca --style gost --subject CN=x --out-cert "$T/x.pem" \
    --out-key "$T/x.key"
expect_fail "unknown --alg" 2 "unknown or failed key algorithm 'dsa'" ca --alg dsa --subject CN=x \
    --out-cert "$T/x.pem" --out-key "$T/x.key"
expect_fail "bad subject" 1 'bad subject' ca --subject "no equals sign" --out-cert "$T/x.pem" --out-key "$T/x.key"
expect_fail "unknown option" 2 "unknown option '--frobnicate'" ca --frobnicate
expect_fail "print without a certificate" 1 'no PEM certificate' print /dev/null
check "no file written by failed runs" test ! -e "$T/x.pem"

# A CA and a leaf with every knob.
quiet "$GMTLS" cert ca --subject "CN=cli root,O=gmtls cli" --pathlen 0 --days 30 --out-cert "$T/ca.pem" \
    --out-key "$T/ca.key" || fail "cert ca failed"
expect_eq "CA key mode 0600" "$(stat -c %a "$T/ca.key")" 600
openssl x509 -in "$T/ca.pem" -noout -text >"$T/ca.txt" 2>&1
expect_grep "$T/ca.txt" 'CA:TRUE, pathlen:0' "CA: basicConstraints CA:TRUE, pathlen 0"
expect_grep "$T/ca.txt" 'Certificate Sign, CRL Sign' "CA: keyUsage keyCertSign, cRLSign"
expect_grep "$T/ca.txt" 'ASN1 OID: SM2' "CA: an SM2 key (default --alg)"
quiet "$GMTLS" cert issue --ca "$T/ca.pem" --ca-key "$T/ca.key" --subject "/O=gmtls cli/CN=www.example" \
    --dns www.example --dns alt.example --ip 192.0.2.7 --ip 2001:db8::1 --server --days 10 --backdate 0 \
    --out-cert "$T/leaf.pem" --out-key "$T/leaf.key" --out-chain "$T/chain.pem" || fail "cert issue failed"
openssl x509 -in "$T/leaf.pem" -noout -text >"$T/leaf.txt" 2>&1
expect_grep "$T/leaf.txt" 'DNS:www.example, DNS:alt.example, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:1' \
    "leaf: SAN DNS and IP entries in order"
expect_grep "$T/leaf.txt" 'TLS Web Server Authentication$' "leaf: --server gives serverAuth only"
expect_grep "$T/leaf.txt" 'Digital Signature$' "leaf: keyUsage digitalSignature"
expect_no_grep "$T/leaf.txt" 'Basic Constraints' "leaf: no basicConstraints (GmSSL rejects an empty one)"
expect_grep "$T/leaf.txt" 'Subject: O = gmtls cli, CN = www.example' "leaf: /-separated subject kept in order"
nb=$(date -d "$(openssl x509 -in "$T/leaf.pem" -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in "$T/leaf.pem" -noout -enddate | cut -d= -f2)" +%s)
expect_eq "leaf: validity --days 10 from --backdate 0" "$(((na - nb + 60) / 3600))" 240
expect_eq "chain: leaf then CA" "$(grep -c 'BEGIN CERTIFICATE' "$T/chain.pem")" 2
check "chain verifies with the distid (rfc style)" quiet openssl verify -vfyopt distid:1234567812345678 \
    -CAfile "$T/ca.pem" -purpose sslserver "$T/leaf.pem"
quiet "$GMTLS" cert issue --ca "$T/ca.pem" --ca-key "$T/ca.key" --subject CN=c --client --eku "clientAuth,codeSigning" \
    --key-usage "critical,digitalSignature,keyAgreement" --out-cert "$T/c.pem" --out-key "$T/c.key" ||
    fail "cert issue --eku failed"
openssl x509 -in "$T/c.pem" -noout -text >"$T/c.txt" 2>&1
expect_grep "$T/c.txt" 'TLS Web Client Authentication, Code Signing' "leaf: --eku overrides --client"
expect_grep "$T/c.txt" 'Digital Signature, Key Agreement' "leaf: --key-usage as given"

# The CA's style carries to its leaves unless --style says otherwise.
quiet "$GMTLS" cert ca --style go-gmtls --subject "CN=go root" --out-cert "$T/goca.pem" --out-key "$T/goca.key"
quiet "$GMTLS" cert issue --ca "$T/goca.pem" --ca-key "$T/goca.key" --subject CN=g --out-cert "$T/g.pem" \
    --out-key "$T/g.key"
quiet "$GMTLS" cert issue --ca "$T/goca.pem" --ca-key "$T/goca.key" --subject CN=r --style rfc --out-cert "$T/r.pem" \
    --out-key "$T/r.key"
"$GMTLS" cert print "$T/g.pem" >"$T/g.txt" 2>&1
"$GMTLS" cert print "$T/r.pem" >"$T/r.txt" 2>&1
expect_grep "$T/g.txt" 'SM2 key encoding: go-gmtls' "issue: a go-gmtls CA issues go-gmtls leaves"
expect_grep "$T/r.txt" 'SM2 key encoding: rfc' "issue: --style rfc overrides the CA's style"

# An encrypted CA key (P-256, OpenSSL's PBES2).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc -pass pass:s3cret \
    -out "$T/eca.key" 2>/dev/null
openssl req -x509 -key "$T/eca.key" -passin pass:s3cret -subj "/CN=enc root" -days 2 -out "$T/eca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
expect_fail "encrypted CA key without --ca-key-pass" 1 'give --ca-key-pass' issue --ca "$T/eca.pem" \
    --ca-key "$T/eca.key" --alg p256 --subject CN=e --out-cert "$T/e.pem" --out-key "$T/e.key"
quiet "$GMTLS" cert issue --ca "$T/eca.pem" --ca-key "$T/eca.key" --ca-key-pass pass:s3cret --alg p256 \
    --subject CN=e --dns e.example --out-cert "$T/e.pem" --out-key "$T/e.key"
check "encrypted CA key with --ca-key-pass: the leaf verifies" quiet openssl verify -CAfile "$T/eca.pem" "$T/e.pem"

# CSRs from OpenSSL.
openssl genpkey -algorithm SM2 -out "$T/csr.key" 2>/dev/null
openssl req -new -key "$T/csr.key" -subj "/CN=csr distid" -sm3 -sigopt distid:1234567812345678 \
    -out "$T/csr1.pem" 2>/dev/null
openssl req -new -key "$T/csr.key" -subj "/CN=csr empty id" -sm3 -out "$T/csr2.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/csr3.key" -subj "/CN=csr p256" \
    -out "$T/csr3.pem" 2>/dev/null
for i in 1 2 3; do
    quiet "$GMTLS" cert sign-csr --ca "$T/ca.pem" --ca-key "$T/ca.key" --csr "$T/csr$i.pem" --client \
        --out-cert "$T/csr$i-cert.pem" || fail "sign-csr $i failed"
    check "sign-csr: CSR $i signed, the certificate verifies" quiet openssl verify \
        -vfyopt distid:1234567812345678 -CAfile "$T/ca.pem" -purpose sslclient "$T/csr$i-cert.pem"
done
openssl x509 -in "$T/csr1-cert.pem" -noout -subject >"$T/csr1.subj"
expect_grep "$T/csr1.subj" 'CN = csr distid' "sign-csr: the CSR's subject by default"
quiet "$GMTLS" cert sign-csr --ca "$T/ca.pem" --ca-key "$T/ca.key" --csr "$T/csr3.pem" --subject "CN=renamed" \
    --out-cert "$T/csr3b.pem"
openssl x509 -in "$T/csr3b.pem" -noout -subject >"$T/csr3b.subj"
expect_grep "$T/csr3b.subj" 'CN = renamed' "sign-csr: --subject overrides the CSR's"
# One byte of the P-256 CSR's signature flipped: refused.
python3 - "$T/csr3.pem" "$T/bad.pem" <<'PY'
import base64, sys
lines = open(sys.argv[1]).read().split("\n")
der = bytearray(base64.b64decode("".join(l for l in lines if l and not l.startswith("-----"))))
der[-5] ^= 0x01
b64 = base64.b64encode(bytes(der)).decode()
open(sys.argv[2], "w").write("-----BEGIN CERTIFICATE REQUEST-----\n" +
    "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + "\n-----END CERTIFICATE REQUEST-----\n")
PY
expect_fail "sign-csr: a tampered CSR is refused" 1 "signature does not verify" sign-csr --ca "$T/ca.pem" \
    --ca-key "$T/ca.key" --csr "$T/bad.pem" --out-cert "$T/bad-cert.pem"
expect_fail "sign-csr: a certificate is not a CSR" 1 'no PEM certificate request' sign-csr --ca "$T/ca.pem" \
    --ca-key "$T/ca.key" --csr "$T/ca.pem" --out-cert "$T/bad-cert.pem"
check "no certificate written for a refused CSR" test ! -e "$T/bad-cert.pem"

finish
