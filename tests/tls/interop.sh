#!/usr/bin/env bash
# tests/tls/interop.sh - the basic interop matrix, loopback only:
#   openssl s_client -> gmtls server   suites x groups x {ECDSA P-256, RSA-2048, Ed25519}
#   gmtls client -> openssl s_server   the same matrix
#   gnutls-cli -> gmtls server          suites and groups forced by --priority
#   curl -> gmtls server --www          the page names the negotiated suite; files,
#                                       404 and path traversal under --root
#   openssl s_client -> gmtls server --echo
set -u
. "$(dirname "$0")/interop_lib.sh"

SUITES=(TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256)
GROUPS_OSSL=(X25519 P-256 P-384)
CERTS=(ecdsa rsa ed25519)

for c in "${CERTS[@]}"; do
    make_chain "$c" "$c"
done
cat "$TMP"/ecdsa-ca.pem "$TMP"/rsa-ca.pem "$TMP"/ed25519-ca.pem >"$TMP/all-ca.pem"

sigalg_pattern() {
    case "$1" in
        ecdsa) echo "Peer signature type: ECDSA" ;;
        rsa) echo "Peer signature type: RSA-PSS" ;;
        ed25519) echo "Peer signature type: [Ee]d25519" ;;
    esac
}

# ---------------------------------------------------------------- s_client -> gmtls server
for c in "${CERTS[@]}"; do
    log=$TMP/srv-$c.log
    start_gmtls_server "$log" --www --cert "$TMP/$c-chain.pem" --key "$TMP/$c-leaf.key"
    n=0
    for s in "${SUITES[@]}"; do
        for g in "${GROUPS_OSSL[@]}"; do
            out=$TMP/sc-$c-$s-$g.out
            timeout 20 openssl s_client -connect "127.0.0.1:$SRV_PORT" -servername localhost \
                -CAfile "$TMP/$c-ca.pem" -verify_return_error -tls1_3 -ciphersuites "$s" -groups "$g" \
                </dev/null >"$out" 2>&1
            rc=$?
            what="s_client->gmtls [$c $s $g]"
            if [ $rc -ne 0 ]; then
                fail "$what: s_client exit $rc"
                sed 's/^/    | /' "$out" | tail -n 15 >&2
                continue
            fi
            expect_grep "$out" "Cipher is $s\$" "$what cipher"
            expect_grep "$out" "Server Temp Key: $(temp_key_name "$g")" "$what group"
            expect_grep "$out" "$(sigalg_pattern "$c")" "$what signature"
            expect_grep "$out" "Verify return code: 0 \(ok\)" "$what verify"
            n=$((n + 1))
            if ! wait_count "$log" ' suite=' "$n"; then
                fail "$what: no access log line"
                continue
            fi
            line=$(grep -E ' suite=' "$log" | sed -n "${n}p")
            case "$line" in
                *" suite=$s group=$(iana_group "$g") "*) pass "$what access log" ;;
                *) fail "$what: access log says: $line" ;;
            esac
        done
    done
    stop_pid "$SRV_PID"
done

# ---------------------------------------------------------------- gmtls client -> s_server
for c in "${CERTS[@]}"; do
    start_s_server "$TMP/ss-$c.log" -cert "$TMP/$c-chain.pem" -key "$TMP/$c-leaf.key" -www -tls1_3
    for s in "${SUITES[@]}"; do
        for g in "${GROUPS_OSSL[@]}"; do
            out=$TMP/gc-$c-$s-$g.out
            what="gmtls->s_server [$c $s $g]"
            timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$TMP/$c-ca.pem" \
                --ciphers "$s" --groups "$g" --get / >"$out" 2>&1
            rc=$?
            if [ $rc -ne 0 ]; then
                fail "$what: gmtls client exit $rc"
                sed 's/^/    | /' "$out" | tail -n 15 >&2
                continue
            fi
            expect_grep "$out" "^protocol: TLSv1.3\$" "$what protocol"
            expect_grep "$out" "^cipher: $s\$" "$what cipher"
            expect_grep "$out" "^group: $(iana_group "$g")\$" "$what group"
            expect_grep "$out" "^verify: ok\$" "$what verify"
            # s_server -www reports the suite it negotiated on its page
            expect_grep "$out" "Cipher is $s" "$what s_server page"
        done
    done
    stop_pid "$SRV_PID"
done

# ---------------------------------------------------------------- gnutls-cli -> gmtls server
if command -v gnutls-cli >/dev/null; then
    gnutls_cipher() {
        case "$1" in
            TLS_AES_128_GCM_SHA256) echo AES-128-GCM ;;
            TLS_AES_256_GCM_SHA384) echo AES-256-GCM ;;
            TLS_CHACHA20_POLY1305_SHA256) echo CHACHA20-POLY1305 ;;
        esac
    }
    gnutls_group() {
        case "$1" in
            X25519) echo X25519 ;;
            P-256) echo SECP256R1 ;;
            P-384) echo SECP384R1 ;;
        esac
    }
    for c in "${CERTS[@]}"; do
        log=$TMP/gsrv-$c.log
        start_gmtls_server "$log" --www --cert "$TMP/$c-chain.pem" --key "$TMP/$c-leaf.key"
        n=0
        for s in "${SUITES[@]}"; do
            for g in "${GROUPS_OSSL[@]}"; do
                gc=$(gnutls_cipher "$s")
                gg=$(gnutls_group "$g")
                out=$TMP/gn-$c-$s-$g.out
                what="gnutls-cli->gmtls [$c $s $g]"
                timeout 20 gnutls-cli --x509cafile "$TMP/$c-ca.pem" -p "$SRV_PORT" 127.0.0.1 \
                    --sni-hostname localhost --verify-hostname localhost \
                    --priority "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+$gc:-GROUP-ALL:+GROUP-$gg" \
                    </dev/null >"$out" 2>&1
                rc=$?
                if [ $rc -ne 0 ]; then
                    fail "$what: gnutls-cli exit $rc"
                    sed 's/^/    | /' "$out" | tail -n 15 >&2
                    continue
                fi
                expect_grep "$out" "Handshake was completed" "$what handshake"
                expect_grep "$out" "Description: \(TLS1.3-" "$what version"
                expect_grep "$out" "Description: \(TLS1.3[^)]*\)-\(ECDHE-$gg\)-.*-\($gc\)" "$what suite/group"
                n=$((n + 1))
                if wait_count "$log" ' suite=' "$n"; then
                    line=$(grep -E ' suite=' "$log" | sed -n "${n}p")
                    case "$line" in
                        *" suite=$s group=$(iana_group "$g") "*) pass "$what access log" ;;
                        *) fail "$what: access log says: $line" ;;
                    esac
                else
                    fail "$what: no access log line"
                fi
            done
        done
        stop_pid "$SRV_PID"
    done
else
    fail "gnutls-cli is not installed (run scripts/setup.sh test)"
fi

# ---------------------------------------------------------------- curl -> gmtls server --www
if command -v curl >/dev/null; then
    root=$TMP/www
    mkdir -p "$root/sub"
    printf 'hello from gmtls\n' >"$root/hello.txt"
    printf '<p>index</p>\n' >"$root/sub/index.html"
    printf 'secret\n' >"$TMP/secret.txt"
    ln -s "$TMP/secret.txt" "$root/escape.txt"
    log=$TMP/curl-srv.log
    start_gmtls_server "$log" --www --cert "$TMP/ecdsa-chain.pem" --key "$TMP/ecdsa-leaf.key"
    curl_get() { # curl_get OUT URLPATH extra-args...
        local out=$1 path=$2
        shift 2
        timeout 20 curl -sS --tlsv1.3 --cacert "$TMP/ecdsa-ca.pem" --resolve "localhost:$SRV_PORT:127.0.0.1" \
            "$@" "https://localhost:$SRV_PORT$path" >"$out" 2>&1
    }
    for s in "${SUITES[@]}"; do
        out=$TMP/curl-$s.out
        if curl_get "$out" / --tls13-ciphers "$s"; then
            expect_grep "$out" "$s" "curl [$s] status page names the suite"
            expect_grep "$out" "TLSv1.3" "curl [$s] status page names the protocol"
        else
            fail "curl [$s]: exit status $?"
            sed 's/^/    | /' "$out" >&2
        fi
    done
    for g in "${GROUPS_OSSL[@]}"; do
        out=$TMP/curl-$g.out
        if curl_get "$out" / --curves "$g"; then
            expect_grep "$out" "$(iana_group "$g")" "curl [$g] status page names the group"
        else
            fail "curl [$g]: exit status $?"
            sed 's/^/    | /' "$out" >&2
        fi
    done
    # keep-alive: two requests on one connection
    out=$TMP/curl-ka.out
    if curl_get "$out" / -o /dev/null -o /dev/null -w '%{num_connects}\n' "https://localhost:$SRV_PORT/"; then
        expect_grep "$out" '^0$' "curl keep-alive reuses the connection"
    else
        fail "curl keep-alive: exit status $?"
    fi
    stop_pid "$SRV_PID"

    start_gmtls_server "$log" --www --root "$root" --cert "$TMP/ecdsa-chain.pem" --key "$TMP/ecdsa-leaf.key"
    out=$TMP/curl-file.out
    curl_get "$out" /hello.txt -D "$TMP/curl-file.hdr"
    expect_grep "$out" '^hello from gmtls$' "curl --root file body"
    expect_grep "$TMP/curl-file.hdr" '^HTTP/1.1 200' "curl --root file status"
    expect_grep "$TMP/curl-file.hdr" '^Content-Type: text/plain' "curl --root Content-Type"
    expect_grep "$TMP/curl-file.hdr" '^Content-Length: 17' "curl --root Content-Length"
    curl_get "$out" /sub/ -D "$TMP/curl-idx.hdr"
    expect_grep "$out" '<p>index</p>' "curl --root directory index"
    code() { curl_get "$TMP/code.out" "$1" -o /dev/null -w '%{http_code}' --path-as-is; cat "$TMP/code.out"; }
    [ "$(code /missing.txt)" = 404 ] && pass "404" || fail "missing file: expected 404, got $(cat "$TMP/code.out")"
    r=$(code /../secret.txt)
    case "$r" in 403 | 404 | 400) pass "dot-dot traversal refused" ;; *) fail "/../secret.txt: got $r" ;; esac
    r=$(code /sub/../../secret.txt)
    case "$r" in 403 | 404 | 400) pass "nested traversal refused" ;; *) fail "/sub/../../secret.txt: got $r" ;; esac
    r=$(code /%2e%2e/secret.txt)
    case "$r" in 403 | 404 | 400) pass "encoded traversal refused" ;; *) fail "/%2e%2e/secret.txt: got $r" ;; esac
    r=$(code /escape.txt)
    case "$r" in 403 | 404) pass "symlink escape refused" ;; *) fail "/escape.txt (symlink out of root): got $r" ;; esac
    # a malformed request line
    out=$TMP/bad.out
    printf 'GARBAGE\r\n\r\n' | timeout 20 openssl s_client -quiet -connect "127.0.0.1:$SRV_PORT" \
        -servername localhost -CAfile "$TMP/ecdsa-ca.pem" >"$out" 2>/dev/null
    expect_grep "$out" '^HTTP/1.1 400' "malformed request -> 400"
    stop_pid "$SRV_PID"
else
    fail "curl is not installed"
fi

# ---------------------------------------------------------------- echo
log=$TMP/echo.log
start_gmtls_server "$log" --echo --cert "$TMP/rsa-chain.pem" --key "$TMP/rsa-leaf.key"
out=$TMP/echo.out
echo_client() {
    timeout 20 openssl s_client -quiet -connect "127.0.0.1:$SRV_PORT" -servername localhost \
        -CAfile "$TMP/rsa-ca.pem" >"$out" 2>/dev/null
}
# the second line goes once the first has come back, stdin closes after it
feed_start echo_client
feed_send $'ping-1\n'
feed_wait "$out" '^ping-1$' && feed_send $'ping-2\n' && feed_wait "$out" '^ping-2$'
feed_close
expect_grep "$out" '^ping-1$' "echo first line"
expect_grep "$out" '^ping-2$' "echo second line"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- proxy (half-close)
# The backend answers only after EOF: the answer can reach the client only if
# the client's close_notify became a shutdown(SHUT_WR) towards the backend and
# the connection kept relaying the other way.
BACKEND=${GMTLS_BUILD}/tests/interop_backend
if [ -x "$BACKEND" ]; then
    timeout 60 "$BACKEND" >"$TMP/backend.out" 2>&1 &
    BPID=$!
    PIDS+=("$BPID")
    if line=$(wait_line "$TMP/backend.out" '^port ' "$BPID"); then
        log=$TMP/proxy.log
        start_gmtls_server "$log" --proxy "127.0.0.1:${line#port }" --cert "$TMP/ecdsa-chain.pem" \
            --key "$TMP/ecdsa-leaf.key"
        out=$TMP/proxy.out
        head -c 200000 /dev/zero | timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost \
            --ca "$TMP/ecdsa-ca.pem" --quiet >"$out" 2>&1 || fail "gmtls client through --proxy: exit status $?"
        expect_grep "$out" '^backend got 200000 bytes$' "proxy relays 200 kB and the half-close"
        wait_count "$log" ' result=' 1
        expect_grep "$log" ' in=200000 out=25 .*result=ok' "proxy access log"
        stop_pid "$SRV_PID"
    else
        fail "interop_backend did not start"
    fi
else
    fail "$BACKEND is not built"
fi

finish
