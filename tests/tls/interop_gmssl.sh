#!/usr/bin/env bash
# tests/tls/interop_gmssl.sh - live interop with stock GmSSL 3.3.0-dev (built
# from ../shared/peers by tests/peers/peers.sh), gmtls with its shipped
# defaults. Each case runs both ways, GmSSL client -> gmtls server and gmtls
# client -> GmSSL server, inside its own network namespace (GmSSL's
# tls13_server binds every interface): TLS_SM4_GCM_SM3, TLS_SM4_CCM_SM3,
# HelloRetryRequest, client authentication with an SM2 certificate, ticket
# resumption, KeyUpdate; then one gmtls port with an SM2 and an ECDSA
# certificate serves a GmSSL client and `openssl s_client` in turn. Keys and
# chains come from GmSSL's own tools (sm2keygen/reqgen/reqsign/certgen),
# encrypted the GmSSL way and loaded by gmtls with --key-pass. Every check
# reads what the programs print (GmSSL exits 0 even when it fails).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)

# ------------------------------------------------------------ inside a namespace
# `interop_gmssl.sh --case NAME DIR` runs one case in the current (private)
# network namespace, leaving the programs' output in DIR/NAME-*.
if [ "${1:-}" = "--case" ]; then
    name=$2 D=$3
    GMTLS=$GMTLS_BUILD/gmtls
    G=$GMSSL_BIN
    cd "$D" || exit 1
    PIDS=()
    trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null' EXIT
    PASSOPT=(--key-pass file:"$D/pass.txt")
    GPASS=$(cat "$D/pass.txt")
    SM2_GM=(-sig_alg sm2sig_sm3)
    # gmtls server (kernel-picked port) -> SRV_PORT
    gmtls_server() {
        "$GMTLS" server --listen 127.0.0.1:0 --workers 1 --echo "$@" >"$name-server.log" 2>&1 &
        PIDS+=($!)
        local i
        for i in $(seq 1 200); do
            SRV_PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$name-server.log")
            [ -n "$SRV_PORT" ] && return 0
            sleep 0.05
        done
        echo "gmtls server did not start" >>"$name-server.log"
        exit 1
    }
    # GmSSL's server on a fixed port (alone in this namespace; it takes no :0)
    gmssl_server() {
        local port=$1
        shift
        "$G" tls13_server -port "$port" -cert "$D/server-chain.pem" -key "$D/server.key" -pass "$GPASS" \
            -supported_group sm2p256v1 "${SM2_GM[@]}" -verbose "$@" >>"$name-gmssl-server.log" 2>&1 &
        PIDS+=($!)
        local i
        for i in $(seq 1 200); do
            ss -Hltn "sport = :$port" | grep -q . && return 0
            sleep 0.05
        done
        echo "GmSSL server did not start" >>"$name-gmssl-server.log"
        exit 1
    }
    gmssl_client() { # OUT PORT ARGS...
        local out=$1 port=$2
        shift 2
        timeout 20 "$G" tls13_client -host 127.0.0.1 -port "$port" -server_name localhost -cacert "$D/ca.pem" \
            "${SM2_GM[@]}" -verbose "$@" >"$out.out" 2>"$out.err"
    }
    gmtls_client() { # OUT PORT ARGS... (stdin: the message)
        local out=$1 port=$2
        shift 2
        timeout 20 "$GMTLS" client "127.0.0.1:$port" --servername localhost --ca "$D/ca.pem" "$@" >"$out.out" \
            2>"$out.err"
    }
    case $name in
    gcm | ccm)
        suite=TLS_SM4_GCM_SM3
        [ "$name" = ccm ] && suite=TLS_SM4_CCM_SM3
        gmtls_server --cert server-chain.pem --key server.key "${PASSOPT[@]}"
        gmssl_client "$name-c1" "$SRV_PORT" -cipher_suite "$suite" -supported_group sm2p256v1 -in msg.txt
        gmssl_server 4433 -cipher_suite "$suite"
        gmtls_client "$name-c2" 4433 --ciphers "$suite" <msg.txt
        ;;
    hrr)
        # GmSSL sends one P-256 share; a curveSM2-only gmtls server retries.
        gmtls_server --cert server-chain.pem --key server.key "${PASSOPT[@]}" --groups curveSM2
        gmssl_client "$name-c1" "$SRV_PORT" -cipher_suite TLS_SM4_GCM_SM3 -supported_group prime256v1 \
            -supported_group sm2p256v1 -max_key_exchanges 1 -in msg.txt
        # gmtls sends one secp256r1 share; GmSSL (curveSM2 only) retries.
        gmssl_server 4433 -cipher_suite TLS_SM4_GCM_SM3
        gmtls_client "$name-c2" 4433 --ciphers TLS_SM4_GCM_SM3 --groups secp256r1:curveSM2 <msg.txt
        ;;
    auth)
        gmtls_server --cert server-chain.pem --key server.key "${PASSOPT[@]}" --verify-client require-and-verify \
            --ca ca.pem
        gmssl_client "$name-c1" "$SRV_PORT" -cipher_suite TLS_SM4_GCM_SM3 -supported_group sm2p256v1 \
            -cert client-chain.pem -key client.key -pass "$GPASS" -in msg.txt
        gmssl_server 4433 -cipher_suite TLS_SM4_GCM_SM3 -cert_request -cacert ca.pem
        gmtls_client "$name-c2" 4433 --ciphers TLS_SM4_GCM_SM3 --cert client-chain.pem --key client.key \
            "${PASSOPT[@]}" <msg.txt
        ;;
    resume)
        gmtls_server --cert server-chain.pem --key server.key "${PASSOPT[@]}"
        gmssl_client "$name-c1a" "$SRV_PORT" -cipher_suite TLS_SM4_GCM_SM3 -supported_group sm2p256v1 -psk_dhe_ke \
            -sess_out "$name-gmssl.sess" -in msg.txt
        gmssl_client "$name-c1b" "$SRV_PORT" -cipher_suite TLS_SM4_GCM_SM3 -supported_group sm2p256v1 -psk_dhe_ke \
            -sess_in "$name-gmssl.sess" -in msg.txt
        # GmSSL serves one connection per process: two servers, one ticket key.
        tk=(-cipher_suite TLS_SM4_GCM_SM3 -psk_dhe_ke -new_session_ticket 1 -ticket_key
            00112233445566778899aabbccddeeff)
        gmssl_server 4433 "${tk[@]}"
        gmtls_client "$name-c2a" 4433 --ciphers TLS_SM4_GCM_SM3 --sess-out "$name-gmtls.sess" <msg.txt
        gmssl_server 4434 "${tk[@]}"
        gmtls_client "$name-c2b" 4434 --ciphers TLS_SM4_GCM_SM3 --sess-in "$name-gmtls.sess" <msg.txt
        ;;
    keyupdate)
        # GmSSL's client updates its key once its record sequence number
        # reaches 1: a message of two records makes it send a KeyUpdate
        # (update_requested) before the second.
        gmtls_server --cert server-chain.pem --key server.key "${PASSOPT[@]}"
        gmssl_client "$name-c1" "$SRV_PORT" -cipher_suite TLS_SM4_GCM_SM3 -supported_group sm2p256v1 \
            -key_update_seq_num 1 -in big.txt
        gmssl_server 4433 -cipher_suite TLS_SM4_GCM_SM3
        gmtls_client "$name-c2" 4433 --ciphers TLS_SM4_GCM_SM3 --key-update <msg.txt
        ;;
    dual)
        gmtls_server --cert server-chain.pem --key server.key "${PASSOPT[@]}" --cert ecdsa-chain.pem \
            --key ecdsa-leaf.key
        gmssl_client "$name-c1" "$SRV_PORT" -cipher_suite TLS_SM4_GCM_SM3 -supported_group sm2p256v1 -in msg.txt
        # s_client's stdin stays open until the echo is back (then EOF ends it).
        mkfifo "$name.fifo"
        timeout 20 openssl s_client -connect "127.0.0.1:$SRV_PORT" -servername localhost -CAfile ecdsa-ca.pem \
            -verify_return_error -tls1_3 <"$name.fifo" >"$name-s_client.out" 2>&1 &
        sc=$!
        exec 7>"$name.fifo"
        cat msg.txt >&7
        for i in $(seq 1 400); do
            grep -qxF -f msg.txt "$name-s_client.out" && break
            kill -0 "$sc" 2>/dev/null || break
            sleep 0.05
        done
        exec 7>&-
        wait "$sc"
        ;;
    *)
        echo "unknown case $name" >&2
        exit 2
        ;;
    esac
    exit 0
fi

# ------------------------------------------------------------ outside
. "$HERE/../peers/peers.sh"
. "$HERE/interop_lib.sh"
peer_require gmssl
# The PKI, made with GmSSL's own tools: a root CA, then server and client
# leaves from CSRs; every key PKCS#8-encrypted the GmSSL way.
gmssl_pki_begin "gmtls GmSSL interop root"
for who in server client; do
    gm sm2keygen -pass "$PASS" -out "$D/$who.key"
    gm reqgen -C CN -O "gmtls interop" -CN "gmssl-interop-$who" -key "$D/$who.key" -pass "$PASS" -out "$D/$who.req"
done
gm reqsign -in "$D/server.req" -serial_len 8 -days 2 -cacert "$D/ca.pem" -key "$D/ca.key" -pass "$PASS" \
    -key_usage digitalSignature -ext_key_usage serverAuth -subject_dns_name localhost -out "$D/server-chain.pem"
gm reqsign -in "$D/client.req" -serial_len 8 -days 2 -cacert "$D/ca.pem" -key "$D/ca.key" -pass "$PASS" \
    -key_usage digitalSignature -ext_key_usage clientAuth -out "$D/client-chain.pem"
grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$D/server.key" || { echo "FAIL: GmSSL wrote no encrypted key" >&2; exit 1; }
make_chain ecdsa ecdsa
MSG="gmssl interop $$ $(date +%s)"
printf '%s\n' "$MSG" >"$D/msg.txt"
# two records' worth for KeyUpdate (GmSSL echoes back what fits its buffer)
head -c 15000 /dev/urandom | base64 -w 76 >"$D/big.txt"

# GmSSL's encrypted key without --key-pass, or with a wrong one: a clear
# error at once, never a prompt, even on a terminal (script(1) gives the
# command a pty; libcrypto's own prompt would wait there until killed).
command -v script >/dev/null || { echo "FAIL: script (util-linux) not installed" >&2; exit 1; }
no_prompt() { # WHAT EXPECT CMD...
    local what=$1 want=$2 out=$D/noprompt.out rc
    shift 2
    timeout 20 script -qec "$(printf '%q ' "$@")" /dev/null </dev/null >"$out" 2>&1
    rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q -- "$want" "$out"; then
        pass "$what"
    else
        fail "$what: exit $rc (124: it waited, e.g. for a passphrase), output:"
        sed 's/^/    | /' "$out" >&2
    fi
}
no_prompt "server: GmSSL key without --key-pass fails at once" "no passphrase was given" \
    "$GMTLS" server --listen 127.0.0.1:0 --cert "$D/server-chain.pem" --key "$D/server.key"
no_prompt "server: wrong --key-pass fails at once" "wrong passphrase" \
    "$GMTLS" server --listen 127.0.0.1:0 --cert "$D/server-chain.pem" --key "$D/server.key" --key-pass pass:nope
no_prompt "client: GmSSL key without --key-pass fails at once" "no passphrase was given" \
    "$GMTLS" client 127.0.0.1:9 --cert "$D/client-chain.pem" --key "$D/client.key"
no_prompt "sm2 sign: GmSSL key without --key-pass fails at once" "no passphrase was given" \
    "$GMTLS" sm2 sign --key "$D/client.key" --in "$D/msg.txt" --out "$D/sig.der"
GMSSL_TEST_PASS=$PASS "$GMTLS" sm2 sign --key "$D/client.key" --key-pass env:GMSSL_TEST_PASS --in "$D/msg.txt" \
    --out "$D/sig.der" </dev/null >"$D/sign.out" 2>&1 &&
    "$GMTLS" sm2 verify --cert "$D/client-chain.pem" --sig "$D/sig.der" --in "$D/msg.txt" >>"$D/sign.out" 2>&1
expect_grep "$D/sign.out" '^verified$' "sm2 sign with GmSSL's key (--key-pass env:) verifies against GmSSL's certificate"

# SIGHUP reload reads the key again through the same --key-pass source:
# new GmSSL key, certificate and passphrase file, then SIGHUP.
gm sm2keygen -pass "$PASS-2" -out "$D/server2.key"
gm reqgen -C CN -O "gmtls interop" -CN "gmssl-interop-server-2" -key "$D/server2.key" -pass "$PASS-2" \
    -out "$D/server2.req"
gm reqsign -in "$D/server2.req" -serial_len 8 -days 2 -cacert "$D/ca.pem" -key "$D/ca.key" -pass "$PASS" \
    -key_usage digitalSignature -ext_key_usage serverAuth -subject_dns_name localhost -out "$D/server2-chain.pem"
cp "$D/server-chain.pem" "$D/live-chain.pem"
cp "$D/server.key" "$D/live.key"
cp "$D/pass.txt" "$D/live-pass.txt"
start_gmtls_server "$D/reload.log" --echo --cert "$D/live-chain.pem" --key "$D/live.key" \
    --key-pass file:"$D/live-pass.txt"
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$D/ca.pem" </dev/null \
    >"$D/reload-1.out" 2>&1
expect_grep "$D/reload-1.out" '^peer: CN=gmssl-interop-server,' "reload: first key and certificate served"
cp "$D/server2-chain.pem" "$D/live-chain.pem"
cp "$D/server2.key" "$D/live.key"
printf '%s\n' "$PASS-2" >"$D/live-pass.txt"
kill -HUP "$SRV_PID"
if wait_line "$D/reload.log" 'SIGHUP: reloaded' "$SRV_PID" >/dev/null; then
    pass "reload: the new encrypted key loaded with the passphrase read again"
else
    fail "reload: no 'SIGHUP: reloaded' in the log:"
    sed 's/^/    | /' "$D/reload.log" >&2
fi
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --servername localhost --ca "$D/ca.pem" </dev/null \
    >"$D/reload-2.out" 2>&1
expect_grep "$D/reload-2.out" '^peer: CN=gmssl-interop-server-2,' "reload: new key and certificate served"
stop_pid "$SRV_PID"

run_case() {
    in_netns bash "$HERE/interop_gmssl.sh" --case "$1" "$D" || fail "case $1 did not run (exit $?)"
}

# gmtls client -> GmSSL server: the report, the echo, what GmSSL received.
check_gmtls_client() { # NAME OUT SUITE
    expect_grep "$D/$2.err" "^cipher: $3\$" "$1: gmtls client negotiated $3 with GmSSL"
    expect_grep "$D/$2.err" "^signature: sm2sig_sm3\$" "$1: GmSSL server signed with sm2sig_sm3"
    expect_grep "$D/$2.err" "^verify: ok\$" "$1: gmtls verified GmSSL's chain"
    expect_grep "$D/$2.out" "^$MSG\$" "$1: gmtls client got the echo from GmSSL"
    expect_grep "$D/$1-gmssl-server.log" "^$MSG\$" "$1: GmSSL server printed the message"
}
log_line() { # NAME N: the Nth connection line of the gmtls access log
    grep -E ' result=' "$D/$1-server.log" | sed -n "$2p"
}
expect_log() { # NAME N REGEX WHAT
    local l
    l=$(log_line "$1" "$2")
    if printf '%s\n' "$l" | grep -Eq -- "$3"; then
        pass "$4"
    else
        fail "$4: access log line $2 is '$l', expected /$3/"
        sed 's/^/    | /' "$D/$1-server.log" >&2
    fi
}
LEN=$((${#MSG} + 1))

for suite in GCM CCM; do
    name=$(echo "$suite" | tr 'A-Z' 'a-z')
    run_case "$name"
    expect_grep "$D/$name-c1.out" "^$MSG\$" "$name: GmSSL client got the echo from gmtls"
    expect_log "$name" 1 "suite=TLS_SM4_${suite}_SM3 group=curveSM2 sigalg=sm2sig_sm3 .*resumed=no in=$LEN out=$LEN .*result=ok" \
        "$name: gmtls server served GmSSL with TLS_SM4_${suite}_SM3"
    check_gmtls_client "$name" "$name-c2" "TLS_SM4_${suite}_SM3"
done

run_case hrr
expect_grep "$D/hrr-c1.err" "^send ClientHello again" "hrr: GmSSL client got a HelloRetryRequest from gmtls"
expect_grep "$D/hrr-c1.out" "^$MSG\$" "hrr: GmSSL client got the echo after the retry"
expect_log hrr 1 "group=curveSM2 .*in=$LEN out=$LEN .*result=ok" "hrr: gmtls server completed on curveSM2"
check_gmtls_client hrr hrr-c2 TLS_SM4_GCM_SM3
expect_grep "$D/hrr-c2.err" "^hrr: yes\$" "hrr: gmtls client got a HelloRetryRequest from GmSSL"
expect_grep "$D/hrr-c2.err" "^group: curveSM2\$" "hrr: gmtls client retried with curveSM2"

run_case auth
expect_grep "$D/auth-c1.err" "^send client \{Certificate\*?\}" "auth: GmSSL client sent its certificate"
expect_grep "$D/auth-c1.err" "^send client \{CertificateVerify\*?\}" "auth: GmSSL client sent CertificateVerify"
expect_grep "$D/auth-c1.out" "^$MSG\$" "auth: GmSSL client got the echo"
expect_log auth 1 "sigalg=sm2sig_sm3 .*in=$LEN out=$LEN .*result=ok" \
    "auth: gmtls server (require-and-verify) accepted GmSSL's SM2 client certificate"
check_gmtls_client auth auth-c2 TLS_SM4_GCM_SM3
expect_grep "$D/auth-gmssl-server.log" "^recv client \{Certificate\*?\}" "auth: GmSSL server received gmtls's certificate"
expect_grep "$D/auth-gmssl-server.log" "gmssl-interop-client" "auth: GmSSL server saw gmtls's SM2 client certificate"
expect_grep "$D/auth-gmssl-server.log" "^recv client \{CertificateVerify\*?\}" "auth: GmSSL server received CertificateVerify"

run_case resume
expect_grep "$D/resume-c1a.out" "^$MSG\$" "resume: GmSSL client, first connection, echo"
expect_grep "$D/resume-c1b.out" "^$MSG\$" "resume: GmSSL client, second connection, echo"
expect_grep "$D/resume-c1b.err" "seleceted_identity: 0" "resume: gmtls server accepted GmSSL's ticket (GmSSL prints 'seleceted_identity')"
expect_log resume 1 "resumed=no .*result=ok" "resume: gmtls server, full handshake first"
expect_log resume 2 "sigalg=none .*resumed=yes in=$LEN out=$LEN .*result=ok" "resume: gmtls server resumed GmSSL's session"
expect_grep "$D/resume-c2a.err" "^resumed: no\$" "resume: gmtls client, full handshake with GmSSL"
expect_grep "$D/resume-c2b.err" "^resumed: yes\$" "resume: gmtls client resumed GmSSL's ticket"
expect_grep "$D/resume-c2b.out" "^$MSG\$" "resume: gmtls client got the echo on the resumed connection"
expect_grep "$D/resume-gmssl-server.log" "seleceted_identity: 0" "resume: GmSSL server selected gmtls's PSK"

run_case keyupdate
expect_grep "$D/keyupdate-c1.err" "^send client \{KeyUpdate\}" "keyupdate: GmSSL client sent KeyUpdate to gmtls"
# The echo of the record after GmSSL's KeyUpdate (from byte 16384 on) comes
# after gmtls's own KeyUpdate, which answers update_requested.
got=$(wc -c <"$D/keyupdate-c1.out")
if [ "$got" -gt 16384 ] && head -c "$got" "$D/big.txt" | cmp -s - "$D/keyupdate-c1.out"; then
    pass "keyupdate: GmSSL client got the echo of both records, before and after the KeyUpdates"
else
    fail "keyupdate: GmSSL client's echo ($got bytes) is not a prefix of what it sent longer than one record"
fi
expect_log keyupdate 1 "in=$(wc -c <"$D/big.txt") .*result=ok" "keyupdate: gmtls server read every byte across GmSSL's KeyUpdate"
expect_grep "$D/keyupdate-c2.err" "sent KeyUpdate" "keyupdate: gmtls client sent KeyUpdate to GmSSL"
expect_grep "$D/keyupdate-gmssl-server.log" "Type: KeyUpdate \(24\)" "keyupdate: GmSSL server decrypted gmtls's KeyUpdate"
expect_grep "$D/keyupdate-c2.out" "^$MSG\$" "keyupdate: gmtls client got GmSSL's echo"

run_case dual
expect_grep "$D/dual-c1.out" "^$MSG\$" "dual: GmSSL client got the echo"
expect_log dual 1 "suite=TLS_SM4_GCM_SM3 group=curveSM2 sigalg=sm2sig_sm3 .*result=ok" \
    "dual: gmtls picked the SM2 certificate for GmSSL"
expect_grep "$D/dual-s_client.out" "^Peer signature type: ECDSA" "dual: s_client got the ECDSA certificate"
expect_grep "$D/dual-s_client.out" "Verify return code: 0 \(ok\)" "dual: s_client verified the ECDSA chain"
expect_grep "$D/dual-s_client.out" "^$MSG\$" "dual: s_client got the echo"
expect_log dual 2 "sigalg=ecdsa_secp256r1_sha256 .*result=ok" "dual: gmtls picked the ECDSA certificate for OpenSSL"

finish
