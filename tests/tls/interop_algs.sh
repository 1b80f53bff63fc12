#!/usr/bin/env bash
# tests/tls/interop_algs.sh - the groups x448, secp521r1, ffdhe2048..8192, the
# signature schemes ecdsa_secp521r1_sha512 and ed448 and the suites
# TLS_AES_128_CCM_SHA256 / TLS_AES_128_CCM_8_SHA256 against real peers, both
# directions, loopback only:
#   openssl s_client -> gmtls server   each group (a default server for x448,
#                                      secp521r1, ffdhe2048/3072, which it
#                                      accepts by default; --groups for
#                                      ffdhe4096+, which a default server
#                                      refuses), each scheme (P-521 and Ed448
#                                      chains, also as client certificates),
#                                      each CCM suite (--ciphers; refused by a
#                                      default server)
#   gmtls client -> openssl s_server   the same
#   gnutls-cli -> gmtls server         the same
#   gmtls client -> gnutls-serv        the same, in a private network namespace
#                                      (gnutls-serv binds every interface)
# gmtls runs with its shipped defaults plus the ordinary --groups/--ciphers.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)

# name maps: OpenSSL group name -> IANA name, s_client's "Server Temp Key",
# GnuTLS's group and its Description key exchange
G_OSSL=(X448 P-521 ffdhe2048 ffdhe3072 ffdhe4096 ffdhe6144 ffdhe8192)
iana() {
    case "$1" in
        X448) echo x448 ;;
        P-521) echo secp521r1 ;;
        *) echo "$1" ;;
    esac
}
temp_key() {
    case "$1" in
        X448) echo "X448, 448 bits" ;;
        P-521) echo "ECDH, secp521r1, 521 bits" ;;
        ffdhe*) echo "DH, ${1#ffdhe} bits" ;;
    esac
}
gnutls_group() {
    case "$1" in
        X448) echo X448 ;;
        P-521) echo SECP521R1 ;;
        ffdhe*) echo "FFDHE${1#ffdhe}" ;;
    esac
}
gnutls_kx() {
    case "$1" in
        X448 | P-521) echo "ECDHE-$(gnutls_group "$1")" ;;
        *) echo "DHE-$(gnutls_group "$1")" ;;
    esac
}
default_on() {
    case "$1" in
        X448 | P-521 | ffdhe2048 | ffdhe3072) return 0 ;;
    esac
    return 1
}
CCM=(TLS_AES_128_CCM_SHA256 TLS_AES_128_CCM_8_SHA256)
gnutls_cipher() {
    case "$1" in
        TLS_AES_128_CCM_SHA256) echo AES-128-CCM ;;
        TLS_AES_128_CCM_8_SHA256) echo AES-128-CCM-8 ;;
    esac
}
SCHEMES=(p521 ed448)
scheme_iana() {
    case "$1" in
        p521) echo ecdsa_secp521r1_sha512 ;;
        ed448) echo ed448 ;;
    esac
}
gnutls_sign() {
    case "$1" in
        p521) echo ECDSA-SECP521R1-SHA512 ;;
        ed448) echo EdDSA-Ed448 ;;
    esac
}
ALL_GROUPS=x25519:x448:secp521r1:ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192
ALL_CCM=TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256

# gmtls_client_run OUT WHAT PORT ARGS...: runs the gmtls client; 0 if it succeeded.
gmtls_client_run() {
    local out=$1 what=$2 port=$3
    shift 3
    if timeout 30 "$GMTLS" client "127.0.0.1:$port" --servername localhost "$@" --get / >"$out" 2>&1; then
        return 0
    fi
    fail "$what: gmtls client exit $?"
    sed 's/^/    | /' "$out" | tail -n 15 >&2
    return 1
}

# ------------------------------------------------------------ inside the namespace: gmtls client -> gnutls-serv
if [ "${1:-}" = "--gnutls-serv" ]; then
    TMP_OUTER=$2
    . "$HERE/interop_lib.sh"
    # start_gnutls_serv LOG ARGS...: gnutls-serv --http on port 4433 (the
    # namespace is ours alone); sets SRV_PID
    start_gnutls_serv() {
        local log=$1
        shift
        timeout 300 gnutls-serv --http -p 4433 "$@" </dev/null >"$log" 2>&1 &
        SRV_PID=$!
        PIDS+=("$SRV_PID")
        if ! wait_line "$log" 'listening on IPv4' "$SRV_PID" >/dev/null; then
            echo "FAIL: gnutls-serv did not start: $*" >&2
            sed 's/^/    | /' "$log" >&2
            exit 1
        fi
    }
    # gnutls_serv_saw LOG N PATTERN WHAT: the Nth "- Description:" line of the log matches
    gnutls_serv_saw() {
        if ! wait_count "$1" '^- Description:' "$2"; then
            fail "$4: gnutls-serv logged no connection $2"
            return
        fi
        local line
        line=$(grep -E '^- Description:' "$1" | sed -n "${2}p")
        case "$line" in
            *"$3"*) pass "$4 (gnutls-serv: $line)" ;;
            *) fail "$4: gnutls-serv says: $line" ;;
        esac
    }
    PRIO="NORMAL:-VERS-ALL:+VERS-TLS1.3:+AES-128-CCM:+AES-128-CCM-8:+GROUP-ALL"
    D=$TMP_OUTER
    # groups and suites against the P-256 chain
    log=$TMP/gs-groups.log
    start_gnutls_serv "$log" --x509certfile "$D/ecdsa-chain.pem" --x509keyfile "$D/ecdsa-leaf.key" --priority "$PRIO"
    n=0
    for g in "${G_OSSL[@]}"; do
        what="gmtls->gnutls-serv [$g]"
        out=$TMP/gs-$g.out
        if gmtls_client_run "$out" "$what" 4433 --ca "$D/ecdsa-ca.pem" --groups "$(iana "$g")"; then
            expect_grep "$out" "^group: $(iana "$g")\$" "$what group"
            expect_grep "$out" "^verify: ok\$" "$what verify"
            n=$((n + 1))
            gnutls_serv_saw "$log" "$n" "($(gnutls_kx "$g"))" "$what"
        fi
    done
    for s in "${CCM[@]}"; do
        what="gmtls->gnutls-serv [$s]"
        out=$TMP/gs-$s.out
        if gmtls_client_run "$out" "$what" 4433 --ca "$D/ecdsa-ca.pem" --ciphers "$s"; then
            expect_grep "$out" "^cipher: $s\$" "$what cipher"
            expect_grep "$out" "GnuTLS" "$what page over $s"
            n=$((n + 1))
            gnutls_serv_saw "$log" "$n" "($(gnutls_cipher "$s"))" "$what"
        fi
    done
    stop_pid "$SRV_PID"
    # schemes: gnutls-serv's certificate, and ours as client certificate
    for c in "${SCHEMES[@]}"; do
        log=$TMP/gs-$c.log
        start_gnutls_serv "$log" --x509certfile "$D/$c-chain.pem" --x509keyfile "$D/$c-leaf.key" \
            --x509cafile "$D/$c-ca.pem" --require-client-cert --verify-client-cert --priority "$PRIO"
        what="gmtls->gnutls-serv [$c]"
        out=$TMP/gs-$c.out
        if gmtls_client_run "$out" "$what" 4433 --ca "$D/$c-ca.pem" --cert "$D/$c-chain.pem" --key "$D/$c-leaf.key"; then
            expect_grep "$out" "^signature: $(scheme_iana "$c")\$" "$what server signature"
            expect_grep "$out" "^verify: ok\$" "$what verify"
            gnutls_serv_saw "$log" 1 "($(gnutls_sign "$c"))" "$what"
            expect_grep "$log" "Certificate is trusted|The certificate is trusted" \
                "$what gnutls-serv verified our $c client certificate"
        fi
        stop_pid "$SRV_PID"
    done
    finish
fi

# ------------------------------------------------------------ outside
. "$HERE/interop_lib.sh"
command -v gnutls-cli >/dev/null || { echo "FAIL: gnutls-cli is not installed (run scripts/setup.sh test)" >&2; exit 1; }
command -v gnutls-serv >/dev/null || { echo "FAIL: gnutls-serv is not installed (run scripts/setup.sh test)" >&2; exit 1; }
for c in ecdsa "${SCHEMES[@]}"; do
    make_chain "$c" "$c"
done

# s_client_run OUT WHAT ARGS...: s_client to $SRV_PORT; 0 if it exited 0.
s_client_run() {
    local out=$1 what=$2
    shift 2
    if timeout 30 openssl s_client -connect "127.0.0.1:$SRV_PORT" -servername localhost -verify_return_error \
        -tls1_3 "$@" </dev/null >"$out" 2>&1; then
        return 0
    fi
    return 1
}
# access_log LOG N PATTERN WHAT: the Nth access-log line of the gmtls server matches
access_log() {
    if ! wait_count "$1" ' result=' "$2"; then
        fail "$4: no access log line $2"
        return
    fi
    local line
    line=$(grep -E ' result=' "$1" | sed -n "${2}p")
    case "$line" in
        *$3*) pass "$4 access log" ;;
        *) fail "$4: access log says: $line" ;;
    esac
}

# ---------------------------------------------------------------- s_client -> gmtls server: groups
log=$TMP/srv-default.log
start_gmtls_server "$log" --www --cert "$TMP/ecdsa-chain.pem" --key "$TMP/ecdsa-leaf.key"
n=0
for g in "${G_OSSL[@]}"; do
    out=$TMP/sc-default-$g.out
    what="s_client->gmtls (defaults) [$g]"
    if default_on "$g"; then
        if s_client_run "$out" "$what" -CAfile "$TMP/ecdsa-ca.pem" -groups "$g"; then
            expect_grep "$out" "Server Temp Key: $(temp_key "$g")" "$what group"
            expect_grep "$out" "Verify return code: 0 \(ok\)" "$what verify"
        else
            fail "$what: s_client failed"
            sed 's/^/    | /' "$out" | tail -n 15 >&2
        fi
        n=$((n + 1))
        access_log "$log" "$n" " group=$(iana "$g") *result=ok" "$what"
    else
        # by name only: a default server has no group in common
        if s_client_run "$out" "$what" -CAfile "$TMP/ecdsa-ca.pem" -groups "$g"; then
            fail "$what: a default server negotiated $g"
        else
            expect_grep "$out" "alert handshake failure" "$what refused by a default server"
        fi
        n=$((n + 1))
        access_log "$log" "$n" "result=handshake failed" "$what"
    fi
done
# CCM is off by default, as in OpenSSL
for s in "${CCM[@]}"; do
    out=$TMP/sc-default-$s.out
    what="s_client->gmtls (defaults) [$s]"
    if s_client_run "$out" "$what" -CAfile "$TMP/ecdsa-ca.pem" -ciphersuites "$s"; then
        fail "$what: a default server negotiated $s"
    else
        expect_grep "$out" "alert handshake failure" "$what refused by a default server"
    fi
done
stop_pid "$SRV_PID"

log=$TMP/srv-all.log
start_gmtls_server "$log" --www --cert "$TMP/ecdsa-chain.pem" --key "$TMP/ecdsa-leaf.key" --groups "$ALL_GROUPS" \
    --ciphers "$ALL_CCM"
n=0
for g in "${G_OSSL[@]}"; do
    for s in "${CCM[@]}"; do
        out=$TMP/sc-$g-$s.out
        what="s_client->gmtls [$g $s]"
        if s_client_run "$out" "$what" -CAfile "$TMP/ecdsa-ca.pem" -groups "$g" -ciphersuites "$s"; then
            expect_grep "$out" "Server Temp Key: $(temp_key "$g")" "$what group"
            expect_grep "$out" "Cipher is $s\$" "$what cipher"
            expect_grep "$out" "Verify return code: 0 \(ok\)" "$what verify"
        else
            fail "$what: s_client failed"
            sed 's/^/    | /' "$out" | tail -n 15 >&2
        fi
        n=$((n + 1))
        access_log "$log" "$n" " suite=$s group=$(iana "$g") " "$what"
    done
done
# a page over each CCM suite (the status page names the suite)
HTTP_GET=$'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
for s in "${CCM[@]}"; do
    out=$TMP/sc-www-$s.out
    printf '%s' "$HTTP_GET" | timeout 30 openssl s_client -connect "127.0.0.1:$SRV_PORT" -servername localhost \
        -CAfile "$TMP/ecdsa-ca.pem" -tls1_3 -ciphersuites "$s" -ign_eof -quiet >"$out" 2>&1
    expect_grep "$out" "cipher suite</th><td>$s<" "s_client->gmtls [$s] status page over $s"
done
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- s_client -> gmtls server: schemes
for c in "${SCHEMES[@]}"; do
    log=$TMP/srv-$c.log
    start_gmtls_server "$log" --www --cert "$TMP/$c-chain.pem" --key "$TMP/$c-leaf.key" \
        --verify-client verify-if-given --ca "$TMP/$c-ca.pem"
    what="s_client->gmtls [$c]"
    out=$TMP/sc-$c.out
    if s_client_run "$out" "$what" -CAfile "$TMP/$c-ca.pem"; then
        case "$c" in
            p521)
                expect_grep "$out" "Peer signature type: ECDSA" "$what signature"
                expect_grep "$out" "Peer signing digest: SHA512" "$what digest"
                ;;
            ed448) expect_grep "$out" "Peer signature type: [Ee]d448" "$what signature" ;;
        esac
        expect_grep "$out" "Verify return code: 0 \(ok\)" "$what verify"
    else
        fail "$what: s_client failed"
        sed 's/^/    | /' "$out" | tail -n 15 >&2
    fi
    access_log "$log" 1 " sigalg=$(scheme_iana "$c") " "$what"
    # the same key type as client certificate, verified by gmtls
    out=$TMP/sc-$c-auth.out
    printf '%s' "$HTTP_GET" | timeout 30 openssl s_client -connect "127.0.0.1:$SRV_PORT" -servername localhost \
        -CAfile "$TMP/$c-ca.pem" -tls1_3 -cert "$TMP/$c-leaf.pem" -key "$TMP/$c-leaf.key" -ign_eof \
        >"$out" 2>&1
    expect_grep "$out" "client certificate</th><td>[^<]*CN ?= ?localhost" "$what client certificate verified by gmtls"
    stop_pid "$SRV_PID"
done

# ---------------------------------------------------------------- gmtls client -> s_server
start_s_server "$TMP/ss-groups.log" -cert "$TMP/ecdsa-chain.pem" -key "$TMP/ecdsa-leaf.key" -www -tls1_3 \
    -ciphersuites "$ALL_CCM"
for g in "${G_OSSL[@]}"; do
    for s in "${CCM[@]}"; do
        what="gmtls->s_server [$g $s]"
        out=$TMP/gc-$g-$s.out
        if gmtls_client_run "$out" "$what" "$SRV_PORT" --ca "$TMP/ecdsa-ca.pem" --groups "$(iana "$g")" \
            --ciphers "$s"; then
            expect_grep "$out" "^cipher: $s\$" "$what cipher"
            expect_grep "$out" "^group: $(iana "$g")\$" "$what group"
            expect_grep "$out" "^verify: ok\$" "$what verify"
            expect_grep "$out" "Cipher is $s" "$what s_server page"
        fi
    done
done
stop_pid "$SRV_PID"
for c in "${SCHEMES[@]}"; do
    start_s_server "$TMP/ss-$c.log" -cert "$TMP/$c-chain.pem" -key "$TMP/$c-leaf.key" -www -tls1_3 \
        -Verify 1 -CAfile "$TMP/$c-ca.pem" -verify_return_error
    what="gmtls->s_server [$c]"
    out=$TMP/gc-$c.out
    if gmtls_client_run "$out" "$what" "$SRV_PORT" --ca "$TMP/$c-ca.pem" --cert "$TMP/$c-chain.pem" \
        --key "$TMP/$c-leaf.key"; then
        expect_grep "$out" "^signature: $(scheme_iana "$c")\$" "$what server signature"
        expect_grep "$out" "^verify: ok\$" "$what verify"
        expect_grep "$TMP/ss-$c.log" "depth=0 .*CN ?= ?localhost" "$what s_server verified our $c client certificate"
    fi
    stop_pid "$SRV_PID"
done

# ---------------------------------------------------------------- gnutls-cli -> gmtls server
gnutls_run() { # OUT WHAT CA PRIORITY-TAIL [args...]
    local out=$1 what=$2 ca=$3 prio=$4
    shift 4
    if timeout 30 gnutls-cli --x509cafile "$ca" -p "$SRV_PORT" 127.0.0.1 --sni-hostname localhost \
        --verify-hostname localhost --priority "NORMAL:-VERS-ALL:+VERS-TLS1.3:$prio" "$@" </dev/null >"$out" 2>&1; then
        expect_grep "$out" "Handshake was completed" "$what handshake"
        return 0
    fi
    fail "$what: gnutls-cli exit $?"
    sed 's/^/    | /' "$out" | tail -n 15 >&2
    return 1
}
log=$TMP/gsrv.log
start_gmtls_server "$log" --www --cert "$TMP/ecdsa-chain.pem" --key "$TMP/ecdsa-leaf.key" --groups "$ALL_GROUPS" \
    --ciphers "$ALL_CCM"
n=0
for g in "${G_OSSL[@]}"; do
    what="gnutls-cli->gmtls [$g]"
    out=$TMP/gn-$g.out
    if gnutls_run "$out" "$what" "$TMP/ecdsa-ca.pem" "-GROUP-ALL:+GROUP-$(gnutls_group "$g")"; then
        expect_grep "$out" "Description: \(TLS1.3[^)]*\)-\($(gnutls_kx "$g")\)" "$what group"
        n=$((n + 1))
        access_log "$log" "$n" " group=$(iana "$g") " "$what"
    fi
done
for s in "${CCM[@]}"; do
    what="gnutls-cli->gmtls [$s]"
    out=$TMP/gn-$s.out
    gc=$(gnutls_cipher "$s")
    if gnutls_run "$out" "$what" "$TMP/ecdsa-ca.pem" "-CIPHER-ALL:+$gc"; then
        expect_grep "$out" "Description: \(TLS1.3[^)]*\)-.*-\($gc\)\$" "$what suite"
        n=$((n + 1))
        access_log "$log" "$n" " suite=$s " "$what"
    fi
done
stop_pid "$SRV_PID"
for c in "${SCHEMES[@]}"; do
    log=$TMP/gsrv-$c.log
    start_gmtls_server "$log" --www --cert "$TMP/$c-chain.pem" --key "$TMP/$c-leaf.key" \
        --verify-client require-and-verify --ca "$TMP/$c-ca.pem"
    what="gnutls-cli->gmtls [$c]"
    out=$TMP/gn-$c.out
    if gnutls_run "$out" "$what" "$TMP/$c-ca.pem" "+SIGN-ALL" --x509certfile "$TMP/$c-chain.pem" \
        --x509keyfile "$TMP/$c-leaf.key"; then
        expect_grep "$out" "Description: \(TLS1.3[^)]*\)-.*-\($(gnutls_sign "$c")\)-" "$what server signature"
        access_log "$log" 1 " sigalg=$(scheme_iana "$c") *result=ok" "$what (client certificate verified)"
    fi
    stop_pid "$SRV_PID"
done

# ---------------------------------------------------------------- gmtls client -> gnutls-serv
. "$HERE/../peers/peers.sh"
if ! in_netns true 2>/dev/null; then
    fail "cannot make a network namespace (unshare -n needs root); gnutls-serv binds every interface"
else
    export GMTLS_BUILD
    if in_netns bash "$HERE/interop_algs.sh" --gnutls-serv "$TMP"; then
        pass "gmtls client -> gnutls-serv: every group, suite and scheme"
    else
        fail "gmtls client -> gnutls-serv (see above)"
    fi
fi

finish
