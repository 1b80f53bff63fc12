#!/usr/bin/env bash
# tests/tls/interop_tls12.sh - TLS 1.2 against the openssl, gnutls and curl
# programs, loopback only, gmtls with its shipped defaults:
#   openssl s_client -tls1_2 -> gmtls server   every suite (ECDSA and RSA chains),
#                                               every group, EMS, resumption by
#                                               ticket, ALPN, client auth, OCSP
#                                               stapling, key log = OpenSSL's
#   one gmtls port                             answers s_client -tls1_3 and -tls1_2 in turn
#   gmtls client -> openssl s_server -tls1_2   ECDSA and RSA, resumption, client auth
#   session IDs (tickets off)                  s_client -no_ticket -sess_out/-sess_in -> gmtls
#                                               (Reused; --session-cache 0: none), gmtls client
#                                               -> s_server -no_ticket (resumed: yes)
#   gnutls-cli (TLS 1.2 priority) -> gmtls server
#   gmtls client -> gnutls-serv (TLS 1.2 priority), in a private network
#                                               namespace (gnutls-serv binds every interface)
#   curl --tls-max 1.2 -> gmtls server --www   the page says TLSv1.2
set -u
. "$(dirname "$0")/interop_lib.sh"
. "$(dirname "$0")/../peers/peers.sh"

make_chain ec ecdsa
make_chain rsa rsa
make_chain cli ecdsa
HTTP_GET=$'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'

s_client() { # s_client OUT CA ARGS... (stdin from the caller)
    local out=$1 ca=$2
    shift 2
    timeout 20 openssl s_client -connect "127.0.0.1:$SRV_PORT" -servername localhost -CAfile "$ca" \
        -verify_return_error "$@" >"$out" 2>&1
}

# ---------------------------------------------------------------- s_client -tls1_2: suites x groups
for c in ec rsa; do
    if [ "$c" = ec ]; then auth=ECDSA; else auth=RSA; fi
    start_gmtls_server "$TMP/s-$c.log" --www --cert "$TMP/$c-chain.pem" --key "$TMP/$c-leaf.key"
    n=0
    for cipher in "ECDHE-$auth-AES128-GCM-SHA256:TLS_ECDHE_${auth}_WITH_AES_128_GCM_SHA256" \
        "ECDHE-$auth-AES256-GCM-SHA384:TLS_ECDHE_${auth}_WITH_AES_256_GCM_SHA384" \
        "ECDHE-$auth-CHACHA20-POLY1305:TLS_ECDHE_${auth}_WITH_CHACHA20_POLY1305_SHA256"; do
        ossl=${cipher%%:*}
        iana=${cipher#*:}
        # RFC 8422 §5.3: an ECDSA key's curve must be one the client lists, so
        # the P-256 chain is offered X25519 beside P-256 (OpenSSL checks it).
        if [ "$c" = ec ]; then glist="X25519:P-256=X25519 P-256=P-256"; else glist="X25519=X25519 P-256=P-256 P-384=P-384"; fi
        for gg in $glist; do
            gl=${gg%%=*}
            g=${gg#*=}
            what="s_client -tls1_2 [$ossl $g]"
            out=$TMP/sc-$c-$ossl-$g.out
            printf '%s' "$HTTP_GET" | s_client "$out" "$TMP/$c-ca.pem" -tls1_2 -cipher "$ossl" -groups "$gl" -ign_eof
            expect_grep "$out" "^New, TLSv1.2, Cipher is $ossl\$" "$what suite"
            expect_grep "$out" "Extended master secret: yes" "$what EMS"
            expect_grep "$out" "Verify return code: 0 " "$what verifies"
            expect_grep "$out" "<th>protocol</th><td>TLSv1.2</td>" "$what: --www page says TLSv1.2"
            expect_grep "$out" "<th>cipher suite</th><td>$iana</td>" "$what: --www page names the suite"
            n=$((n + 1))
            if wait_count "$TMP/s-$c.log" ' result=' "$n"; then
                line=$(grep -E ' result=' "$TMP/s-$c.log" | sed -n "${n}p")
                case "$line" in
                    *" proto=TLSv1.2 sni=localhost suite=$iana group=$(iana_group "$g") "*"result=ok") pass "$what access log" ;;
                    *) fail "$what: access log says: $line" ;;
                esac
            else
                fail "$what: no access log line"
            fi
        done
    done
    stop_pid "$SRV_PID"
done

# ---------------------------------------------------------------- one port, TLS 1.3 and TLS 1.2
KL=$TMP/keylog.txt
start_gmtls_server "$TMP/both.log" --www --cert "$TMP/ec-chain.pem" --key "$TMP/ec-leaf.key" \
    --cert "$TMP/rsa-chain.pem" --key "$TMP/rsa-leaf.key" --keylog "$KL" --alpn h2,http/1.1
printf '%s' "$HTTP_GET" | s_client "$TMP/b13.out" "$TMP/ec-ca.pem" -tls1_3 -ign_eof
expect_grep "$TMP/b13.out" "^New, TLSv1.3" "one port: s_client -tls1_3"
printf '%s' "$HTTP_GET" | s_client "$TMP/b12.out" "$TMP/ec-ca.pem" -tls1_2 -ign_eof -keylogfile "$TMP/ossl-kl.txt" \
    -sess_out "$TMP/sess12.pem" -alpn http/1.1
expect_grep "$TMP/b12.out" "^New, TLSv1.2" "one port: s_client -tls1_2"
expect_grep "$TMP/b12.out" "^ALPN protocol: http/1.1" "TLS 1.2 ALPN"
# RFC 8446 §4.1.3: s_client (OpenSSL 3.0, TLS 1.3-capable) checks the downgrade
# sentinel only when it offered 1.3; -tls1_2 did not, so it connected.
line=$(grep '^CLIENT_RANDOM ' "$TMP/ossl-kl.txt" | head -n 1)
if [ -n "$line" ] && grep -qxF "$line" "$KL"; then
    pass "TLS 1.2 key log line equals OpenSSL's (CLIENT_RANDOM)"
else
    fail "TLS 1.2 key log: OpenSSL's '$line' not in gmtls's key log"
fi
printf '%s' "$HTTP_GET" | s_client "$TMP/b12r.out" "$TMP/ec-ca.pem" -tls1_2 -ign_eof -sess_in "$TMP/sess12.pem"
expect_grep "$TMP/b12r.out" "^Reused, TLSv1.2" "s_client -tls1_2 resumes by ticket"
expect_grep "$TMP/b12r.out" "<th>resumed</th><td>yes</td>" "the --www page says resumed"
printf '%s' "$HTTP_GET" | s_client "$TMP/b12rsa.out" "$TMP/rsa-ca.pem" -tls1_2 -ign_eof -sigalgs RSA+SHA256
expect_grep "$TMP/b12rsa.out" "^New, TLSv1.2, Cipher is ECDHE-RSA" "RSA PKCS#1 signature (-sigalgs RSA+SHA256) picks the RSA chain"
expect_grep "$TMP/b12rsa.out" "Peer signature type: RSA\$" "... signed with RSA PKCS#1 v1.5"
# the client offers 1.3 and 1.2 and gets 1.3; then a TLS 1.1 client: protocol_version
echo | timeout 20 openssl s_client -connect "127.0.0.1:$SRV_PORT" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' \
    >"$TMP/b11.out" 2>&1
expect_grep "$TMP/b11.out" "alert protocol version" "TLS 1.1 gets protocol_version"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- session IDs (RFC 5246 §7.4.1.2)
# s_client -no_ticket offers no ticket: gmtls issues a session ID and resumes it.
start_gmtls_server "$TMP/sid.log" --www --cert "$TMP/ec-chain.pem" --key "$TMP/ec-leaf.key"
printf '%s' "$HTTP_GET" | s_client "$TMP/sid1.out" "$TMP/ec-ca.pem" -tls1_2 -no_ticket -ign_eof -sess_out "$TMP/sid.pem"
expect_grep "$TMP/sid1.out" "^New, TLSv1.2" "s_client -tls1_2 -no_ticket: a full handshake"
expect_grep "$TMP/sid1.out" "Session-ID: [0-9A-F]{64}\$" "... and a 32-byte session ID"
printf '%s' "$HTTP_GET" | s_client "$TMP/sid2.out" "$TMP/ec-ca.pem" -tls1_2 -no_ticket -ign_eof -sess_in "$TMP/sid.pem"
expect_grep "$TMP/sid2.out" "^Reused, TLSv1.2" "s_client -tls1_2 -no_ticket resumes by session ID"
expect_grep "$TMP/sid2.out" "<th>resumed</th><td>yes</td>" "... the --www page says resumed"
# a SIGHUP reload keeps the cached sessions (the new config shares the cache)
kill -HUP "$SRV_PID"
if wait_line "$TMP/sid.log" "SIGHUP: reloaded" "$SRV_PID" >/dev/null; then
    printf '%s' "$HTTP_GET" | s_client "$TMP/sid5.out" "$TMP/ec-ca.pem" -tls1_2 -no_ticket -ign_eof -sess_in "$TMP/sid.pem"
    expect_grep "$TMP/sid5.out" "^Reused, TLSv1.2" "the session ID resumes after a SIGHUP reload"
else
    fail "SIGHUP: no reload line in the server log"
fi
stop_pid "$SRV_PID"
# --session-cache 0: no session ID; the ID of the server before is unknown -> a full handshake
start_gmtls_server "$TMP/sid0.log" --www --cert "$TMP/ec-chain.pem" --key "$TMP/ec-leaf.key" --session-cache 0
printf '%s' "$HTTP_GET" | s_client "$TMP/sid3.out" "$TMP/ec-ca.pem" -tls1_2 -no_ticket -ign_eof
expect_grep "$TMP/sid3.out" "Session-ID: \$" "--session-cache 0: no session ID"
printf '%s' "$HTTP_GET" | s_client "$TMP/sid4.out" "$TMP/ec-ca.pem" -tls1_2 -no_ticket -ign_eof -sess_in "$TMP/sid.pem"
expect_grep "$TMP/sid4.out" "^New, TLSv1.2" "--session-cache 0: an offered session ID gets a full handshake"
stop_pid "$SRV_PID"
# gmtls client -> s_server -tls1_2 -no_ticket: resumes by the server's session ID
start_s_server "$TMP/ssid.log" -cert "$TMP/ec-chain.pem" -key "$TMP/ec-leaf.key" -tls1_2 -no_ticket -www
if timeout 30 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$TMP/ec-ca.pem" \
    --min-version 1.2 --max-version 1.2 --count 2 --sess-out "$TMP/gsid.sess" >"$TMP/gsid.out" 2>&1; then
    expect_grep "$TMP/gsid.out" "^protocol: TLSv1.2\$" "gmtls client -> s_server -tls1_2 -no_ticket: protocol"
    expect_grep "$TMP/gsid.out" "^resumed: yes\$" "gmtls client -> s_server -tls1_2 -no_ticket: resumes by session ID"
else
    fail "gmtls client -> s_server -tls1_2 -no_ticket"
    sed 's/^/    | /' "$TMP/gsid.out" >&2
fi
stop_pid "$SRV_PID"

# --max-version 1.3 --min-version 1.3: TLS 1.2 refused
start_gmtls_server "$TMP/only13.log" --www --cert "$TMP/ec-chain.pem" --key "$TMP/ec-leaf.key" --min-version 1.3
echo | s_client "$TMP/o13.out" "$TMP/ec-ca.pem" -tls1_2
expect_grep "$TMP/o13.out" "alert protocol version" "--min-version 1.3 refuses TLS 1.2 with protocol_version"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- client auth and OCSP: s_client -tls1_2
# a real OCSP response for the leaf, signed by its CA (s_client -status parses it)
openssl ocsp -issuer "$TMP/ec-ca.pem" -cert "$TMP/ec-leaf.pem" -reqout "$TMP/ocsp-req.der" >/dev/null 2>&1
printf 'V\t%s\t\t%s\tunknown\t%s\n' 291231235959Z \
    "$(openssl x509 -in "$TMP/ec-leaf.pem" -noout -serial | cut -d= -f2)" "/CN=localhost" >"$TMP/index.txt"
openssl ocsp -index "$TMP/index.txt" -rsigner "$TMP/ec-ca.pem" -rkey "$TMP/ec-ca.key" -CA "$TMP/ec-ca.pem" \
    -reqin "$TMP/ocsp-req.der" -respout "$TMP/ocsp.der" >/dev/null 2>&1 || fail "making an OCSP response"
start_gmtls_server "$TMP/ca.log" --www --cert "$TMP/ec-chain.pem" --key "$TMP/ec-leaf.key" \
    --verify-client require-and-verify --ca "$TMP/cli-ca.pem" --ocsp "$TMP/ocsp.der"
printf '%s' "$HTTP_GET" | s_client "$TMP/ca1.out" "$TMP/ec-ca.pem" -tls1_2 -ign_eof \
    -cert "$TMP/cli-leaf.pem" -key "$TMP/cli-leaf.key" -status
expect_grep "$TMP/ca1.out" "HTTP/1.1 200" "TLS 1.2 client certificate: served"
expect_grep "$TMP/ca1.out" "client certificate</th><td>[^<]*CN ?= ?localhost" "... the page shows its subject"
expect_grep "$TMP/ca1.out" "OCSP Response Status: successful" "TLS 1.2 OCSP: s_client received the CertificateStatus"
printf '%s' "$HTTP_GET" | s_client "$TMP/ca2.out" "$TMP/ec-ca.pem" -tls1_2 -ign_eof
if grep -q "HTTP/1.1 200" "$TMP/ca2.out"; then
    fail "TLS 1.2 require-and-verify served a client without a certificate"
else
    pass "TLS 1.2 require-and-verify refuses a client without a certificate"
fi
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- gmtls client -> s_server -tls1_2
for c in ec rsa; do
    start_s_server "$TMP/ss-$c.log" -cert "$TMP/$c-chain.pem" -key "$TMP/$c-leaf.key" -tls1_2 -www \
        -Verify 1 -CAfile "$TMP/cli-ca.pem" -verify_return_error
    out=$TMP/gc-$c.out
    if timeout 30 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$TMP/$c-ca.pem" \
        --min-version 1.2 --cert "$TMP/cli-chain.pem" --key "$TMP/cli-leaf.key" --count 2 >"$out" 2>&1; then
        expect_grep "$out" "^protocol: TLSv1.2\$" "gmtls client -> s_server -tls1_2 [$c]: protocol"
        expect_grep "$out" "^cipher: TLS_ECDHE_" "gmtls client -> s_server -tls1_2 [$c]: suite"
        expect_grep "$out" "^resumed: yes\$" "gmtls client -> s_server -tls1_2 [$c]: resumes by ticket"
        expect_grep "$TMP/ss-$c.log" "depth=0 .*CN ?= ?localhost" "s_server -tls1_2 [$c] verified the gmtls client"
    else
        fail "gmtls client -> s_server -tls1_2 [$c]"
        sed 's/^/    | /' "$out" >&2
    fi
    stop_pid "$SRV_PID"
done
# a 1.3-only gmtls client (the default) against a 1.2-only server: protocol_version
start_s_server "$TMP/ss-12.log" -cert "$TMP/ec-chain.pem" -key "$TMP/ec-leaf.key" -tls1_2 -www
if timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$TMP/ec-ca.pem" --get / \
    >"$TMP/gc13.out" 2>&1; then
    fail "the default gmtls client (TLS 1.3 only) connected to s_server -tls1_2"
else
    expect_grep "$TMP/gc13.out" "protocol_version" "the default gmtls client refuses TLS 1.2"
fi
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- gnutls-cli -> gmtls server
start_gmtls_server "$TMP/gn.log" --www --cert "$TMP/ec-chain.pem" --key "$TMP/ec-leaf.key" \
    --cert "$TMP/rsa-chain.pem" --key "$TMP/rsa-leaf.key"
for pr in "AES-128-GCM:+ECDHE-ECDSA" "AES-256-GCM:+ECDHE-RSA" "CHACHA20-POLY1305:+ECDHE-ECDSA"; do
    gc=${pr%%:*}
    kx=${pr#*:+}
    ca=$TMP/ec-ca.pem
    [ "$kx" = ECDHE-RSA ] && ca=$TMP/rsa-ca.pem
    what="gnutls-cli TLS1.2 [$kx $gc]"
    out=$TMP/gn-$gc.out
    timeout 20 gnutls-cli --x509cafile "$ca" -p "$SRV_PORT" 127.0.0.1 --sni-hostname localhost \
        --verify-hostname localhost \
        --priority "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+$gc:-KX-ALL:+$kx" </dev/null >"$out" 2>&1
    expect_grep "$out" "Handshake was completed" "$what handshake"
    expect_grep "$out" "Description: \(TLS1.2-X.509\)-\(ECDHE-[^)]*\)-\(${kx#ECDHE-}-[^)]*\)-\($gc\)" \
        "$what version and suite"
    expect_grep "$out" "Options: .*extended master secret, safe renegotiation" "$what EMS and RFC 5746"
done
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- gmtls client -> gnutls-serv
# gnutls-serv binds every interface and cannot report a kernel-picked port:
# it runs in a private network namespace on a fixed port.
if in_netns true 2>/dev/null; then
    cat >"$TMP/gnserv.sh" <<EOF
gnutls-serv --x509certfile "$TMP/ec-chain.pem" --x509keyfile "$TMP/ec-leaf.key" -p 4433 --http \
    --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2' >"$TMP/gnserv.log" 2>&1 &
pid=\$!
for i in \$(seq 1 600); do
    grep -q 'listening on IPv4' "$TMP/gnserv.log" 2>/dev/null && break
    sleep 0.1
done
timeout 30 "$GMTLS" client 127.0.0.1:4433 --servername localhost --ca "$TMP/ec-ca.pem" --max-version 1.2 \
    --count 2 </dev/null
rc=\$?
kill \$pid
exit \$rc
EOF
    if timeout 120 unshare -n sh -c 'ip link set lo up && exec bash "$1"' sh "$TMP/gnserv.sh" >"$TMP/gnc.out" 2>&1; then
        expect_grep "$TMP/gnc.out" "^protocol: TLSv1.2\$" "gmtls client -> gnutls-serv TLS1.2"
        expect_grep "$TMP/gnc.out" "^resumed: yes\$" "gmtls client -> gnutls-serv: resumes by ticket"
    else
        fail "gmtls client -> gnutls-serv TLS1.2"
        sed 's/^/    | /' "$TMP/gnc.out" >&2
    fi
else
    fail "cannot make a network namespace (unshare -n) for gnutls-serv"
fi

# ---------------------------------------------------------------- curl --tls-max 1.2
start_gmtls_server "$TMP/curl.log" --www --cert "$TMP/ec-chain.pem" --key "$TMP/ec-leaf.key"
out=$TMP/curl.out
if timeout 20 curl -sS --tlsv1.2 --tls-max 1.2 --cacert "$TMP/ec-ca.pem" \
    --resolve "localhost:$SRV_PORT:127.0.0.1" "https://localhost:$SRV_PORT/" >"$out" 2>&1; then
    expect_grep "$out" "<th>protocol</th><td>TLSv1.2</td>" "curl --tls-max 1.2: the page says TLSv1.2"
    expect_grep "$out" "<th>cipher suite</th><td>TLS_ECDHE_ECDSA_WITH_" "curl --tls-max 1.2: an ECDHE-ECDSA suite"
else
    fail "curl --tls-max 1.2: exit status $?"
    sed 's/^/    | /' "$out" >&2
fi
stop_pid "$SRV_PID"

finish
