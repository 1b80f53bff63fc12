#!/usr/bin/env bash
# tests/cli/cli_www.sh - `gmtls server --www` as people use it, loopback only:
#   development certificates: created once in --dev-dir (valid chains, keys
#     0600), reused unchanged by the next start (fingerprints, mtimes, key
#     hashes, the certificate served), recreated when one file is missing;
#     the commands the server prints work as printed
#   the status page names what was negotiated - protocol, suite, group,
#     signature scheme, ALPN, resumed, client certificate subject - checked
#     against `gmtls client --get /` (SM and standard suites), curl -v and the
#     access log
#   HTTP details that tests/tls/interop.sh does not cover: HEAD, 405, 400
#     without Host, chunked request bodies, 501 for other codings, 431, 414,
#     413, 505, 501, HTTP/1.0, pipelining (in order, also behind a file larger
#     than the output high-water mark), percent-encoded names, a directory
#     without index, the 301 to a directory's slash and its index.html,
#     symlinks and ".." that lead out of --root refused, Range (206, 416),
#     If-Modified-Since (304), a 24 MB file by curl
#     and by `gmtls client --get` with checksums, also while send() now and
#     then fails with EAGAIN for a moment (LD_PRELOAD tests/tools/eagain_shim)
. "$(dirname "$0")/cli_lib.sh"
command -v curl >/dev/null || { fail "curl is not installed (run scripts/setup.sh test)"; finish; }

DEV=$TMP/dev
DEV_FILES=(ca.pem ca-sm2.pem ca-ecdsa.pem sm2.pem sm2.key ecdsa.pem ecdsa.key)

# dev_state: one line per file: name, mtime (ns), sha256; plus leaf fingerprints
dev_state() {
    local f
    for f in "${DEV_FILES[@]}"; do
        echo "$f $(stat -c %.9Y "$DEV/$f") $(sha "$DEV/$f")"
    done
    openssl x509 -in "$DEV/sm2.pem" -noout -fingerprint -sha256
    openssl x509 -in "$DEV/ecdsa.pem" -noout -fingerprint -sha256
}

# served_fp ARGS...: SHA-256 fingerprint of the leaf the server sends
served_fp() {
    timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --showcerts "$@" </dev/null \
        >"$TMP/showcerts.out" 2>&1 || return 1
    awk '/BEGIN CERTIFICATE/{p=1} p{print} /END CERTIFICATE/{exit}' "$TMP/showcerts.out" |
        openssl x509 -noout -fingerprint -sha256
}

# ---------------------------------------------------------------- dev certificates: first start
log=$TMP/dev1.log
start_server "$log" --www --dev-dir "$DEV"
expect_grep "$log" "created development CAs and certificates in $DEV\$" "first start creates the dev certificates"
for f in "${DEV_FILES[@]}"; do
    check "dev file $f exists" test -s "$DEV/$f"
done
expect_eq "sm2.key is mode 600" "$(stat -c %a "$DEV/sm2.key")" 600
expect_eq "ecdsa.key is mode 600" "$(stat -c %a "$DEV/ecdsa.key")" 600
check "ecdsa.pem verifies against ca-ecdsa.pem" quiet openssl verify -CAfile "$DEV/ca-ecdsa.pem" "$DEV/ecdsa.pem"
check "sm2.pem verifies against ca-sm2.pem (SM2 ID 1234567812345678)" \
    quiet openssl verify -vfyopt distid:1234567812345678 -CAfile "$DEV/ca-sm2.pem" "$DEV/sm2.pem"
expect_grep <(openssl x509 -in "$DEV/ecdsa.pem" -noout -ext subjectAltName) \
    'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1' "dev leaf names localhost, 127.0.0.1, ::1"
expect_grep "$log" "^  [^ ]*gmtls client 127\.0\.0\.1:$SRV_PORT --ca $DEV/ca\.pem --ciphers TLS_SM4_GCM_SM3\$" \
    "server prints the gmtls client command"
expect_grep "$log" "^  curl --cacert $DEV/ca\.pem https://localhost:$SRV_PORT/\$" "server prints the curl command"

# run the printed commands exactly as printed (the server names the binary it runs as)
cmd=$(grep -E '^  [^ ]*gmtls client ' "$log" | head -n 1 | sed "s|^  ||")
out=$TMP/printed-client.out
if timeout 20 $cmd </dev/null >"$out" 2>&1; then
    expect_grep "$out" '^cipher: TLS_SM4_GCM_SM3$' "printed gmtls client command: SM4-GCM"
    # a ShangMi-first client sends curveSM2MLKEM768 + curveSM2 shares; the server prefers the hybrid
    expect_grep "$out" '^group: curveSM2MLKEM768$' "printed gmtls client command: curveSM2MLKEM768"
    expect_grep "$out" '^signature: sm2sig_sm3$' "printed gmtls client command: sm2sig_sm3"
    expect_grep "$out" '^verify: ok$' "printed gmtls client command: verified against the dev CA"
else
    fail "printed gmtls client command failed: $cmd"
    sed 's/^/    | /' "$out" >&2
fi
cmd=$(grep -E '^  curl ' "$log" | head -n 1 | sed 's/^  //')
out=$TMP/printed-curl.out
if timeout 20 $cmd -sS >"$out" 2>&1; then
    expect_grep "$out" '<th>protocol</th><td>TLSv1.3</td>' "printed curl command gets the status page"
else
    fail "printed curl command failed: $cmd"
    sed 's/^/    | /' "$out" >&2
fi
fp_sm2_1=$(served_fp --ciphers TLS_SM4_GCM_SM3)
fp_ec_1=$(served_fp --ciphers TLS_AES_128_GCM_SHA256 --sigalgs ecdsa_secp256r1_sha256)
expect_eq "SM client is served sm2.pem" "$fp_sm2_1" "$(openssl x509 -in "$DEV/sm2.pem" -noout -fingerprint -sha256)"
expect_eq "ECDSA client is served ecdsa.pem" "$fp_ec_1" \
    "$(openssl x509 -in "$DEV/ecdsa.pem" -noout -fingerprint -sha256)"
state1=$(dev_state)
kill -TERM "$GM_PID"
wait_exit "$SRV_PID" 20
expect_eq "server exits 0 on SIGTERM" "$EXIT_RC" 0

# ---------------------------------------------------------------- dev certificates: reuse
sleep 1.1 # a rewrite would now show a different mtime
log=$TMP/dev2.log
start_server "$log" --www --dev-dir "$DEV"
expect_no_grep "$log" "created development" "second start does not create certificates"
state2=$(dev_state)
expect_eq "second start reuses the same files (mtime, sha256, fingerprints)" "$state2" "$state1"
expect_eq "second start serves the same SM2 leaf" "$(served_fp --ciphers TLS_SM4_GCM_SM3)" "$fp_sm2_1"
expect_eq "second start serves the same ECDSA leaf" \
    "$(served_fp --ciphers TLS_AES_128_GCM_SHA256 --sigalgs ecdsa_secp256r1_sha256)" "$fp_ec_1"
stop_pid "$SRV_PID"

# one file missing: a complete new set is made
rm -f "$DEV/sm2.key"
log=$TMP/dev3.log
start_server "$log" --www --dev-dir "$DEV"
expect_grep "$log" "created development CAs" "a missing dev file makes the server create a new set"
check "the new set is complete" test -s "$DEV/sm2.key"
if [ "$(openssl x509 -in "$DEV/ecdsa.pem" -noout -fingerprint -sha256)" != "$fp_ec_1" ]; then
    pass "the new set has new certificates"
else
    fail "the ECDSA leaf was not replaced with the rest of the set"
fi
check "the new set verifies (ECDSA)" quiet openssl verify -CAfile "$DEV/ca-ecdsa.pem" "$DEV/ecdsa.pem"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- the status page
make_chain cauth ecdsa
make_leaf client "cli-test-user" 1234abcd cauth
log=$TMP/page.log
start_server "$log" --www --dev-dir "$DEV" --alpn http/1.1 --verify-client verify-if-given --ca "$TMP/cauth-ca.pem"

# page_value FILE FIELD: the table cell of the status page
page_value() {
    sed -n "s|.*<tr><th>$2</th><td>\([^<]*\)</td></tr>.*|\1|p" "$1" | head -n 1
}
# report_value FILE KEY: a "key: value" line of gmtls client
report_value() {
    sed -n "s|^$2: ||p" "$1" | head -n 1
}
nlog=0
# log_line_has N PATTERN WHAT: the Nth access log line contains PATTERN
log_line_has() {
    if ! wait_count "$log" ' result=' "$1"; then
        fail "$3: no access log line $1"
        return
    fi
    local line
    line=$(grep -E ' result=' "$log" | sed -n "$1p")
    case "$line" in
        *"$2"*) pass "$3" ;;
        *) fail "$3: access log line $1: $line" ;;
    esac
}

# gmtls client --get / with SM and standard profiles; the page must say what the client saw
PROFILES=(
    "TLS_SM4_GCM_SM3 curveSM2 sm2sig_sm3"
    "TLS_SM4_CCM_SM3 curveSM2 sm2sig_sm3"
    "TLS_AES_128_GCM_SHA256 x25519 ecdsa_secp256r1_sha256"
    "TLS_AES_256_GCM_SHA384 secp384r1 ecdsa_secp256r1_sha256"
    "TLS_CHACHA20_POLY1305_SHA256 secp256r1 ecdsa_secp256r1_sha256"
    "TLS_AES_128_GCM_SHA256 X25519MLKEM768 ecdsa_secp256r1_sha256"
    "TLS_AES_128_GCM_SHA256 SecP256r1MLKEM768 ecdsa_secp256r1_sha256"
    "TLS_AES_256_GCM_SHA384 SecP384r1MLKEM1024 ecdsa_secp256r1_sha256"
    "TLS_SM4_GCM_SM3 curveSM2MLKEM768 sm2sig_sm3"
)
for p in "${PROFILES[@]}"; do
    read -r suite group sig <<<"$p"
    out=$TMP/get-$suite.out
    what="gmtls client --get / [$suite $group $sig]"
    if ! timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --ciphers "$suite" --groups "$group" \
        --sigalgs "$sig" --alpn http/1.1 --get / >"$out" 2>&1; then
        fail "$what: exit status $?"
        sed 's/^/    | /' "$out" >&2
        continue
    fi
    nlog=$((nlog + 1))
    expect_eq "$what: client cipher" "$(report_value "$out" cipher)" "$suite"
    expect_eq "$what: page protocol" "$(page_value "$out" protocol)" "$(report_value "$out" protocol)"
    expect_eq "$what: page protocol is TLSv1.3" "$(page_value "$out" protocol)" TLSv1.3
    expect_eq "$what: page suite" "$(page_value "$out" 'cipher suite')" "$suite"
    expect_eq "$what: page group" "$(page_value "$out" group)" "$group"
    expect_eq "$what: page group = client's" "$(page_value "$out" group)" "$(report_value "$out" group)"
    expect_eq "$what: page signature scheme" "$(page_value "$out" 'signature scheme')" "$sig"
    expect_eq "$what: page signature = client's" "$(page_value "$out" 'signature scheme')" \
        "$(report_value "$out" signature)"
    expect_eq "$what: page ALPN" "$(page_value "$out" ALPN)" http/1.1
    expect_eq "$what: client ALPN" "$(report_value "$out" alpn)" http/1.1
    expect_eq "$what: page resumed" "$(page_value "$out" resumed)" no
    expect_eq "$what: page client certificate" "$(page_value "$out" 'client certificate')" none
    expect_eq "$what: page server name" "$(page_value "$out" 'server name')" none # an IP literal: no SNI
    log_line_has "$nlog" " suite=$suite group=$group sigalg=$sig alpn=http/1.1 resumed=no " "$what: access log"
done

# resumption: a full handshake saves the ticket, the next connection resumes
for suite in TLS_SM4_GCM_SM3 TLS_AES_128_GCM_SHA256; do
    sess=$TMP/sess-$suite
    out1=$TMP/res1-$suite.out out2=$TMP/res2-$suite.out
    what="resumption [$suite]"
    if timeout 20 "$GMTLS" client localhost:"$SRV_PORT" --ca "$DEV/ca.pem" --ciphers "$suite" --sess-out "$sess" \
        --get / >"$out1" 2>&1 &&
        timeout 20 "$GMTLS" client localhost:"$SRV_PORT" --ca "$DEV/ca.pem" --ciphers "$suite" --sess-in "$sess" \
            --get / >"$out2" 2>&1; then
        nlog=$((nlog + 2))
        expect_eq "$what: first page says resumed no" "$(page_value "$out1" resumed)" no
        expect_eq "$what: second client resumed" "$(report_value "$out2" resumed)" yes
        expect_eq "$what: second page says resumed yes" "$(page_value "$out2" resumed)" yes
        expect_eq "$what: second page suite" "$(page_value "$out2" 'cipher suite')" "$suite"
        expect_eq "$what: page server name (SNI)" "$(page_value "$out2" 'server name')" localhost
        log_line_has "$nlog" " suite=$suite " "$what: access log suite"
        log_line_has "$nlog" " resumed=yes " "$what: access log resumed=yes"
        # the session keeps the server's chain and verify outcome: the same report lines
        expect_grep "$out1" '^peer: [^n]' "$what: first client names its peer"
        expect_eq "$what: resumed client reports the same peer" "$(report_value "$out2" peer)" \
            "$(report_value "$out1" peer)"
        expect_eq "$what: resumed client reports verify ok" "$(report_value "$out2" verify)" ok
    else
        fail "$what: a client failed"
        sed 's/^/    | /' "$out1" "$out2" >&2
    fi
done

# resumption with a client certificate, TLS 1.3 and 1.2: the resumed
# connection's page names the client's subject, its report the server's
for ver in 1.3 1.2; do
    sess=$TMP/sess-cert-$ver
    out1=$TMP/res-cert1-$ver.out out2=$TMP/res-cert2-$ver.out
    what="resumption with a client certificate [TLS $ver]"
    if timeout 20 "$GMTLS" client localhost:"$SRV_PORT" --ca "$DEV/ca.pem" --max-version "$ver" \
        --cert "$TMP/client.pem" --key "$TMP/client.key" --sess-out "$sess" --get / >"$out1" 2>&1 &&
        timeout 20 "$GMTLS" client localhost:"$SRV_PORT" --ca "$DEV/ca.pem" --max-version "$ver" \
            --cert "$TMP/client.pem" --key "$TMP/client.key" --sess-in "$sess" --get / >"$out2" 2>&1; then
        nlog=$((nlog + 2))
        expect_eq "$what: second client resumed" "$(report_value "$out2" resumed)" yes
        expect_grep "$out1" '^peer: [^n]' "$what: first client names its peer"
        expect_grep "$out1" '<th>client certificate</th><td>[^<]*CN ?= ?cli-test-user' "$what: first page's subject"
        expect_eq "$what: resumed page names the same client certificate" \
            "$(page_value "$out2" 'client certificate')" "$(page_value "$out1" 'client certificate')"
        expect_eq "$what: resumed client reports the same peer" "$(report_value "$out2" peer)" \
            "$(report_value "$out1" peer)"
        expect_eq "$what: resumed client reports verify ok" "$(report_value "$out2" verify)" ok
    else
        fail "$what: a client failed"
        sed 's/^/    | /' "$out1" "$out2" >&2
    fi
done

# client certificate subject on the page (gmtls client and curl)
out=$TMP/get-cert.out
if timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --cert "$TMP/client.pem" \
    --key "$TMP/client.key" --get / >"$out" 2>&1; then
    nlog=$((nlog + 1))
    expect_grep "$out" '<th>client certificate</th><td>[^<]*CN ?= ?cli-test-user' \
        "gmtls client --cert: the page names the client certificate subject"
    expect_grep "$out" '<th>client certificate</th><td>[^<]*O ?= ?gmtls cli test' \
        "gmtls client --cert: the subject includes the organisation"
else
    fail "gmtls client --cert --get /: exit status $?"
    sed 's/^/    | /' "$out" >&2
fi

curl_page() { # curl_page OUT ERR extra-args...
    local out=$1 err=$2
    shift 2
    timeout 20 curl -v -sS --cacert "$DEV/ca.pem" --resolve "localhost:$SRV_PORT:127.0.0.1" "$@" \
        "https://localhost:$SRV_PORT/" >"$out" 2>"$err"
}
out=$TMP/curl-cert.out
if curl_page "$out" "$TMP/curl-cert.err" --cert "$TMP/client.pem" --key "$TMP/client.key"; then
    nlog=$((nlog + 1))
    expect_grep "$out" '<th>client certificate</th><td>[^<]*CN ?= ?cli-test-user' \
        "curl --cert: the page names the client certificate subject"
else
    fail "curl --cert: exit status $?"
    sed 's/^/    | /' "$TMP/curl-cert.err" >&2
fi

# curl -v: the page agrees with what curl itself reports
for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
    out=$TMP/curl-$suite.out err=$TMP/curl-$suite.err
    what="curl [$suite]"
    if ! curl_page "$out" "$err" --tls13-ciphers "$suite" --curves P-256; then
        fail "$what: exit status $?"
        sed 's/^/    | /' "$err" | tail -n 20 >&2
        continue
    fi
    nlog=$((nlog + 1))
    curl_says=$(sed -n 's/^\* SSL connection using \(TLSv1.3\) \/ \(.*\)$/\1 \2/p' "$err" | tr -d '\r')
    expect_eq "$what: curl reports" "$curl_says" "TLSv1.3 $suite"
    expect_eq "$what: page suite = curl's" "$(page_value "$out" 'cipher suite')" "${curl_says#TLSv1.3 }"
    expect_eq "$what: page protocol = curl's" "$(page_value "$out" protocol)" "${curl_says% *}"
    expect_eq "$what: page group" "$(page_value "$out" group)" secp256r1
    expect_eq "$what: page signature (ECDSA dev chain)" "$(page_value "$out" 'signature scheme')" \
        ecdsa_secp256r1_sha256
    expect_grep "$err" '^\* ALPN: server accepted http/1.1' "$what: curl reports ALPN http/1.1"
    expect_eq "$what: page ALPN" "$(page_value "$out" ALPN)" http/1.1
    expect_eq "$what: page server name" "$(page_value "$out" 'server name')" localhost
    expect_eq "$what: page client certificate" "$(page_value "$out" 'client certificate')" none
    log_line_has "$nlog" " sni=localhost suite=$suite group=secp256r1 sigalg=ecdsa_secp256r1_sha256 alpn=http/1.1 " \
        "$what: access log agrees"
done
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- HTTP details (--root)
root=$TMP/www
mkdir -p "$root/sub" "$root/noindex"
BIG=$((GMTLS_ASAN ? 4194304 : 25165824)) # 24 MB (4 MB under ASan)
BIGP=${BIG:0:$((${#BIG} - 4))}      # the access log counts BIG + a few header bytes
head -c "$BIG" /dev/urandom >"$root/big.bin"
printf 'spaced\n' >"$root/with space.txt"
printf 'hello\n' >"$root/hello.txt"
: >"$root/empty.txt"
log=$TMP/http.log
start_server "$log" --www --root "$root" --dev-dir "$DEV" --workers 2

# raw OUT: sends stdin as the request bytes through gmtls client
raw() {
    timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --quiet >"$1" 2>"$1.err"
}

# --www without --alpn selects http/1.1 (curl no longer says "server did not agree on a protocol")
timeout 20 curl -v -sS --cacert "$DEV/ca.pem" --resolve "localhost:$SRV_PORT:127.0.0.1" \
    "https://localhost:$SRV_PORT/hello.txt" -o /dev/null 2>"$TMP/alpn-default.err"
expect_grep "$TMP/alpn-default.err" '^\* ALPN: server accepted http/1.1' "--www without --alpn: curl gets ALPN http/1.1"
expect_no_grep "$TMP/alpn-default.err" 'did not agree' "--www without --alpn: curl does not complain about ALPN"
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --alpn h2:http/1.1 --get /hello.txt \
    >"$TMP/alpn-gm.out" 2>&1
expect_grep "$TMP/alpn-gm.out" '^alpn: http/1.1$' "--www without --alpn: gmtls client offering h2 and http/1.1 gets http/1.1"
printf 'HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$TMP/head.out"
expect_grep "$TMP/head.out" $'^HTTP/1.1 200 OK\r$' "HEAD: 200"
expect_grep "$TMP/head.out" $'^Content-Length: 6\r$' "HEAD: Content-Length of the file"
expect_no_grep "$TMP/head.out" '^hello$' "HEAD: no body"
printf 'POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc' |
    raw "$TMP/post.out"
expect_grep "$TMP/post.out" '^HTTP/1.1 405 ' "POST: 405"
printf 'GET /hello.txt HTTP/1.1\r\n\r\n' | raw "$TMP/nohost.out"
expect_grep "$TMP/nohost.out" '^HTTP/1.1 400 ' "HTTP/1.1 without Host: 400"
printf 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    raw "$TMP/te.out"
expect_eq "chunked request body skipped, the next request answered" "$(grep -c '^HTTP/1.1 200 ' "$TMP/te.out")" 2
printf 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n' | raw "$TMP/te.out"
expect_grep "$TMP/te.out" '^HTTP/1.1 501 ' "Transfer-Encoding gzip: 501"
printf 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n' |
    raw "$TMP/te-cl.out"
expect_grep "$TMP/te-cl.out" '^HTTP/1.1 400 ' "Transfer-Encoding with Content-Length: 400"
expect_grep "$TMP/te-cl.out" $'^Connection: close\r$' "Transfer-Encoding with Content-Length: connection closed"
{ printf 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: '; head -c 20000 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } |
    raw "$TMP/big-hdr.out"
expect_grep "$TMP/big-hdr.out" '^HTTP/1.1 431 ' "oversized header: 431"
printf 'GET /hello.txt HTTP/1.0\r\n\r\n' | raw "$TMP/http10.out"
expect_grep "$TMP/http10.out" $'^Connection: close\r$' "HTTP/1.0: Connection: close"
expect_grep "$TMP/http10.out" '^hello$' "HTTP/1.0: body"
printf 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /with%%20space.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    raw "$TMP/pipe.out"
expect_eq "pipelined requests: two responses" "$(grep -c '^HTTP/1.1 200 ' "$TMP/pipe.out")" 2
expect_grep "$TMP/pipe.out" '^hello$' "pipelined: first body"
expect_grep "$TMP/pipe.out" '^spaced$' "pipelined: second body (percent-encoded name)"
printf 'GET /empty.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$TMP/empty.out"
expect_grep "$TMP/empty.out" $'^Content-Length: 0\r$' "empty file: Content-Length 0"
printf 'GET /noindex/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$TMP/noindex.out"
expect_grep "$TMP/noindex.out" '^HTTP/1.1 404 ' "directory without index.html: 404"
printf 'GET /%%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$TMP/badpct.out"
expect_grep "$TMP/badpct.out" '^HTTP/1.1 400 ' "malformed percent-encoding: 400"
printf 'GET /hello.txt%%00.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$TMP/nul.out"
expect_grep "$TMP/nul.out" '^HTTP/1.1 400 ' "encoded NUL: 400"
printf 'GET /sub%%2f..%%2f..%%2fetc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$TMP/enc-slash.out"
expect_grep "$TMP/enc-slash.out" '^HTTP/1.1 (400|403|404) ' "encoded slashes with .. refused"
expect_no_grep "$TMP/enc-slash.out" '^root:' "encoded slashes: no /etc/passwd"

# request heads the parser refuses, each with the status RFC 9112 asks for
{ printf 'GET /'; head -c 8001 /dev/zero | tr '\0' a; printf ' HTTP/1.1\r\nHost: x\r\n\r\n'; } | raw "$TMP/414.out"
expect_grep "$TMP/414.out" '^HTTP/1.1 414 ' "request target over 8000 bytes: 414"
{ printf 'GET / HTTP/1.1\r\nHost: x\r\n'; for i in $(seq 1 100); do printf 'X-%d: %d\r\n' "$i" "$i"; done; printf '\r\n'; } |
    raw "$TMP/431n.out"
expect_grep "$TMP/431n.out" '^HTTP/1.1 431 ' "101 header fields: 431"
printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n' | raw "$TMP/413.out"
expect_grep "$TMP/413.out" '^HTTP/1.1 413 ' "Content-Length over 1 MiB: 413"
printf 'GET / HTTP/2.0\r\nHost: x\r\n\r\n' | raw "$TMP/505.out"
expect_grep "$TMP/505.out" '^HTTP/1.1 505 ' "HTTP/2.0 request line: 505"
printf 'ABCDEFGHIJKLMNOPQRSTU / HTTP/1.1\r\nHost: x\r\n\r\n' | raw "$TMP/501m.out"
expect_grep "$TMP/501m.out" '^HTTP/1.1 501 ' "method longer than any implemented: 501"
printf 'GET / HTTP/1.1\r\nHost : x\r\n\r\n' | raw "$TMP/colon.out"
expect_grep "$TMP/colon.out" '^HTTP/1.1 400 ' "whitespace before the colon: 400"
printf 'GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n' | raw "$TMP/fold.out"
expect_grep "$TMP/fold.out" '^HTTP/1.1 400 ' "obs-fold: 400"
printf 'GET / HTTP/1.1\nHost: x\n\n' | raw "$TMP/lf.out"
expect_grep "$TMP/lf.out" '^HTTP/1.1 400 ' "bare LF line endings: 400"
printf 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n' | raw "$TMP/2host.out"
expect_grep "$TMP/2host.out" '^HTTP/1.1 400 ' "two Host fields: 400"
printf 'GET http://localhost/hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$TMP/absform.out"
expect_grep "$TMP/absform.out" '^hello$' "absolute-form request target served"

# pipelining: answered in order, also behind a file larger than what the
# server queues at once (the requests behind it wait, then are answered)
head -c 700000 /dev/zero | tr '\0' Z >"$root/z700k.txt"
printf 'GET /z700k.txt HTTP/1.1\r\nHost: x\r\n\r\nHEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    raw "$TMP/pipe2.out"
expect_eq "pipelined behind a 700 kB file: status lines in order" \
    "$(grep -ao 'HTTP/1.1 [0-9]*' "$TMP/pipe2.out" | tr '\n' ' ')" "HTTP/1.1 200 HTTP/1.1 200 HTTP/1.1 404 HTTP/1.1 200 "
expect_eq "pipelined behind a 700 kB file: the file whole" "$(tr -cd Z <"$TMP/pipe2.out" | wc -c)" 700000
expect_eq "pipelined behind a 700 kB file: the last body last" "$(tail -n 1 "$TMP/pipe2.out")" hello

# files strictly beneath --root: symlinks and ".." that lead out are refused
printf 'secret\n' >"$TMP/outside.txt"
ln -s "$TMP/outside.txt" "$root/abs-out"
ln -s ../outside.txt "$root/rel-out"
ln -s /etc "$root/etc-dir"
ln -s hello.txt "$root/in-link"
for t in /abs-out /rel-out /etc-dir/passwd /../outside.txt /sub/../../outside.txt /%2e%2e/outside.txt \
    /sub%2f..%2f..%2foutside.txt; do
    printf 'GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$t" | raw "$TMP/esc.out"
    expect_grep "$TMP/esc.out" '^HTTP/1.1 (403|404) ' "$t: refused"
    expect_no_grep "$TMP/esc.out" '^(secret|root:)' "$t: nothing from outside the root"
done
printf 'GET /in-link HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$TMP/in-link.out"
expect_grep "$TMP/in-link.out" '^hello$' "a symlink that stays beneath the root is followed (openat2 RESOLVE_BENEATH)"

# directories: 301 to the trailing slash (query kept), then index.html
printf '<p>index of sub</p>\n' >"$root/sub/index.html"
printf 'GET /sub?a=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$TMP/301.out"
expect_grep "$TMP/301.out" '^HTTP/1.1 301 ' "directory without a slash: 301"
expect_grep "$TMP/301.out" $'^Location: /sub/\\?a=1\r$' "301 Location: the directory with a slash, query kept"
printf 'GET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$TMP/index.out"
expect_grep "$TMP/index.out" '^<p>index of sub</p>$' "directory with a slash: its index.html"
expect_grep "$TMP/index.out" $'^Content-Type: text/html; charset=utf-8\r$' "index.html is text/html"

# Range: one range (206), suffix, open-ended, unsatisfiable (416), several (200, whole)
curl_file() { # curl_file OUT HEADERS PATH curl-args...
    local out=$1 hdr=$2 path=$3
    shift 3
    timeout 20 curl -sS --cacert "$DEV/ca.pem" --resolve "localhost:$SRV_PORT:127.0.0.1" -D "$hdr" -o "$out" "$@" \
        "https://localhost:$SRV_PORT$path"
}
curl_file "$TMP/r1" "$TMP/r1.h" /hello.txt -r 1-3
expect_grep "$TMP/r1.h" '^HTTP/1.1 206 ' "Range 1-3: 206"
expect_grep "$TMP/r1.h" $'^Content-Range: bytes 1-3/6\r$' "Range 1-3: Content-Range"
expect_eq "Range 1-3: the bytes" "$(cat "$TMP/r1")" ell
curl_file "$TMP/r2" "$TMP/r2.h" /hello.txt -r -2
expect_eq "Range -2 (suffix): the last two bytes" "$(od -An -c "$TMP/r2" | tr -d ' ')" 'o\n'
curl_file "$TMP/r3" "$TMP/r3.h" /z700k.txt -r 1000-
expect_eq "Range 1000- of a 700 kB file: the rest" "$(stat -c %s "$TMP/r3")" 699000
curl_file "$TMP/r4" "$TMP/r4.h" /hello.txt -r 6-10
expect_grep "$TMP/r4.h" '^HTTP/1.1 416 ' "Range past the end: 416"
expect_grep "$TMP/r4.h" $'^Content-Range: bytes \\*/6\r$' "416: Content-Range bytes */6"
curl_file "$TMP/r5" "$TMP/r5.h" /hello.txt -r 0-1,3-4
expect_grep "$TMP/r5.h" '^HTTP/1.1 200 ' "several ranges: the whole file (200)"
expect_eq "several ranges: the whole body" "$(cat "$TMP/r5")" hello

# If-Modified-Since: 304 without a body for the current date, 200 for an older one
curl_file "$TMP/lm" "$TMP/lm.h" /hello.txt -I
lm=$(sed -n 's/^Last-Modified: \(.*\)\r$/\1/p' "$TMP/lm.h")
expect_eq "Last-Modified is the file's mtime" "$lm" "$(TZ=GMT LC_ALL=C date -r "$root/hello.txt" '+%a, %d %b %Y %H:%M:%S GMT')"
curl_file "$TMP/ims" "$TMP/ims.h" /hello.txt -H "If-Modified-Since: $lm"
expect_grep "$TMP/ims.h" '^HTTP/1.1 304 ' "If-Modified-Since = Last-Modified: 304"
check "304: no body" test ! -s "$TMP/ims"
curl_file "$TMP/ims2" "$TMP/ims2.h" /hello.txt -H 'If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT'
expect_grep "$TMP/ims2.h" '^HTTP/1.1 200 ' "If-Modified-Since in 1994: 200"
curl_file "$TMP/ims3" "$TMP/ims3.h" /hello.txt -H 'If-Modified-Since: yesterday'
expect_grep "$TMP/ims3.h" '^HTTP/1.1 200 ' "If-Modified-Since not a date: ignored (200)"
printf 'HEAD /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$TMP/headbig.out"
expect_grep "$TMP/headbig.out" $'^Content-Length: '"$BIG"$'\r$' "HEAD of a big file: its Content-Length"
if [ "$(stat -c %s "$TMP/headbig.out")" -lt 1000 ]; then
    pass "HEAD of a big file: no body"
else
    fail "HEAD of a big file: $(stat -c %s "$TMP/headbig.out") bytes received"
fi

# a 24 MB file, by curl and by gmtls client --get (SM suite), checksums
want=$(sha "$root/big.bin")
if timeout 60 curl -v -sS --cacert "$DEV/ca.pem" --resolve "localhost:$SRV_PORT:127.0.0.1" \
    "https://localhost:$SRV_PORT/big.bin" -o "$TMP/big.curl" 2>"$TMP/big.curl.err"; then
    expect_eq "24 MB file by curl: sha256" "$(sha "$TMP/big.curl")" "$want"
else
    fail "24 MB file by curl: exit status $? ($(stat -c %s "$TMP/big.curl" 2>/dev/null) bytes received)"
    tail -n 15 "$TMP/big.curl.err" | sed 's/^/    | /' >&2
    echo "    server log:" >&2
    tail -n 5 "$log" | sed 's/^/    | /' >&2
fi
if timeout 60 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --ciphers TLS_SM4_GCM_SM3 --quiet \
    --get /big.bin >"$TMP/big.gm" 2>"$TMP/big.gm.err"; then
    expect_eq "24 MB file by gmtls client --get (SM4-GCM): sha256" "$(sha "$TMP/big.gm")" "$want"
else
    fail "24 MB file by gmtls client --get: exit status $?"
    sed 's/^/    | /' "$TMP/big.gm.err" >&2
fi
wait_count "$log" " out=${BIGP}[0-9]{4} " 2
expect_eq "access log: both big downloads ok" "$(grep -Ec " out=${BIGP}[0-9]{4} .*result=ok\$" "$log")" 2
stop_pid "$SRV_PID"

# an explicit --alpn wins over the --www default; --echo has no default
log=$TMP/alpn.log
start_server "$log" --www --dev-dir "$DEV" --alpn foo/2:http/1.1
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --alpn foo/2 --get / >"$TMP/alpn-foo.out" 2>&1
expect_grep "$TMP/alpn-foo.out" '^alpn: foo/2$' "--www --alpn LIST: the server uses the given list"
stop_pid "$SRV_PID"
log=$TMP/alpn-echo.log
start_server "$log" --echo --dev-dir "$DEV"
echo hi | timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --alpn http/1.1 >"$TMP/alpn-echo.out" 2>&1
expect_grep "$TMP/alpn-echo.out" '^alpn: none$' "--echo without --alpn: no ALPN"
stop_pid "$SRV_PID"

# the same downloads while send() now and then says EAGAIN for a moment
# (tests/tools/eagain_shim.so: a run of 16 EAGAINs, then the socket takes
# everything): the server must not wait for an event that never comes
# Release build only: an LD_PRELOAD shim cannot go ahead of the ASan
# runtime, and this checks the event loop's logic, which ASan does not change.
SHIM=$HELPERS/eagain_shim.so
if [ "$GMTLS_ASAN" = 1 ]; then
    echo "note: the momentary-EAGAIN downloads run in the release build only"
elif [ -f "$SHIM" ]; then
    log=$TMP/shim.log
    LD_PRELOAD=$SHIM start_server "$log" --www --root "$root" --dev-dir "$DEV" --idle-timeout 3
    ok=0
    for i in 1 2 3; do
        timeout 20 curl -sS --cacert "$DEV/ca.pem" --resolve "localhost:$SRV_PORT:127.0.0.1" \
            "https://localhost:$SRV_PORT/big.bin" -o "$TMP/shim.curl" 2>"$TMP/shim.err" &&
            [ "$(sha "$TMP/shim.curl")" = "$want" ] && ok=$((ok + 1))
        timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --quiet --get /big.bin \
            >"$TMP/shim.gm" 2>>"$TMP/shim.err" && [ "$(sha "$TMP/shim.gm")" = "$want" ] && ok=$((ok + 1))
    done
    expect_eq "24 MB downloads with momentary EAGAIN complete intact" "$ok" 6
    expect_no_grep "$log" 'result=idle timeout' "momentary EAGAIN: no download stalls into the idle timeout"
    stop_pid "$SRV_PID"
else
    fail "$SHIM is not built"
fi

finish
