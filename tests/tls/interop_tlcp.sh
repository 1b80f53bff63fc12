#!/usr/bin/env bash
# tests/tls/interop_tlcp.sh - live TLCP (GB/T 38636-2020) interop with stock
# GmSSL 3.3.0-dev (built from ../shared/peers by tests/peers/peers.sh), gmtls
# with its shipped defaults, ECC_SM4_GCM_SM3 and ECC_SM4_CBC_SM3 both ways:
# GmSSL's tlcp_client against a gmtls server given an SM2 signing chain and
# an encryption pair (--enc-cert/--enc-key), on the same port that serves
# TLS 1.3 and 1.2 (in turn a GmSSL tls13_client, then openssl s_client with
# its TLS 1.3 defaults and with -tls1_2, served a P-256 chain given beside
# the SM2 one; each checked for protocol, suite and echo); `gmtls client --tlcp` against
# GmSSL's tlcp_server. Client authentication both ways with every suite:
# ECC with GmSSL's signing chain, ECDHE_SM4_GCM_SM3 and ECDHE_SM4_CBC_SM3
# (the SM2 key exchange) with its double chain (tlcp_client -cert/-key;
# tlcp_server -cert_request -cacert; gmtls --verify-client, and gmtls client
# --cert/--key [--enc-cert/--enc-key]); a server without client
# authentication never chooses ECDHE. gmtls client --tlcp resuming from the
# gmtls server by session ID (GmSSL's TLCP tools cannot save or offer a
# session). Each case
# runs in its own network namespace (GmSSL's tools bind every interface).
# The PKI comes from GmSSL's own tools: the signing and encryption
# certificates share the subject (GmSSL's entity match) and differ in
# keyUsage; gmtls verifies the peer's encryption certificate (entity, usage,
# chain) in every case where it verifies the peer, and refuses GmSSL-made
# encryption certificates of another entity both ways (bad_certificate). Every check reads what the programs print (GmSSL exits 0 even
# when it fails).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)

# ------------------------------------------------------------ inside a namespace
# `interop_tlcp.sh --case NAME DIR` runs one case in the current (private)
# network namespace, leaving the programs' output in DIR/NAME-*.
if [ "${1:-}" = "--case" ]; then
    name=$2 D=$3
    GMTLS=$GMTLS_BUILD/gmtls
    G=$GMSSL_BIN
    cd "$D" || exit 1
    PIDS=()
    trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null' EXIT
    GPASS=$(cat "$D/pass.txt")
    # gmtls server (kernel-picked port) -> SRV_PORT; --echo unless the
    # first argument is --www
    gmtls_server() {
        local mode=--echo
        if [ "$1" = --www ]; then
            mode=--www
            shift
        fi
        "$GMTLS" server --listen 127.0.0.1:0 --workers 1 $mode --key-pass file:"$D/pass.txt" "$@" \
            >"$name-server.log" 2>&1 &
        PIDS+=($!)
        local i
        for i in $(seq 1 200); do
            SRV_PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$name-server.log" 2>/dev/null)
            [ -n "$SRV_PORT" ] && return 0
            sleep 0.05
        done
        echo "gmtls server did not start" >>"$name-server.log"
        exit 1
    }
    tlcp_client() { # OUT PORT ARGS...
        local out=$1 port=$2
        shift 2
        timeout 20 "$G" tlcp_client -host localhost -port "$port" -cacert "$D/ca.pem" -verbose "$@" \
            >"$out.out" 2>"$out.err"
    }
    # openssl s_client ARGS... -> OUT: sends msg.txt, keeps its stdin open
    # until the echo is back (up to 60 s), then closes
    s_client_echo() {
        local out=$1 i
        shift
        {
            cat msg.txt
            for i in $(seq 1 600); do
                grep -qxFf msg.txt "$out" 2>/dev/null && break
                sleep 0.1
            done
        } | timeout 60 openssl s_client -connect "127.0.0.1:$SRV_PORT" -servername localhost -CAfile "$D/ec-ca.pem" \
            -verify_return_error "$@" >"$out" 2>&1
    }
    case $name in
    ecc-gcm)
        # an SM2 signing chain and encryption pair, and a P-256 chain for
        # the clients without ShangMi (openssl s_client)
        gmtls_server --cert sign.pem --key sign.key --enc-cert enc.pem --enc-key enc.key \
            --cert ec-chain.pem --key ec-leaf.key
        tlcp_client "$name-c1" "$SRV_PORT" -cipher_suite TLS_ECC_SM4_GCM_SM3 -in msg.txt
        # the same port answers TLS 1.3
        timeout 20 "$G" tls13_client -host 127.0.0.1 -port "$SRV_PORT" -server_name localhost -cacert "$D/ca.pem" \
            -cipher_suite TLS_SM4_GCM_SM3 -supported_group sm2p256v1 -sig_alg sm2sig_sm3 -in msg.txt \
            >"$name-c2.out" 2>"$name-c2.err"
        # ... then openssl s_client, TLS 1.3 with its defaults, and TLS 1.2
        s_client_echo "$name-c3.out"
        s_client_echo "$name-c4.out" -tls1_2
        # the access log has its four lines before the server is stopped
        for i in $(seq 1 600); do
            [ "$(grep -c ' proto=' "$name-server.log")" -ge 4 ] && break
            sleep 0.1
        done
        ;;
    ecc-cbc)
        gmtls_server --cert sign.pem --key sign.key --enc-cert enc.pem --enc-key enc.key
        tlcp_client "$name-c1" "$SRV_PORT" -cipher_suite TLS_ECC_SM4_CBC_SM3 -in msg.txt
        tlcp_client "$name-c2" "$SRV_PORT" -cipher_suite TLS_ECC_SM4_CBC_SM3 -in big.txt
        ;;
    offer)
        # both ECC suites in GmSSL's order (CBC first): gmtls picks its preference, GCM
        gmtls_server --cert sign.pem --key sign.key --enc-cert enc.pem --enc-key enc.key
        tlcp_client "$name-c1" "$SRV_PORT" -cipher_suite TLS_ECC_SM4_CBC_SM3 -cipher_suite TLS_ECC_SM4_GCM_SM3 \
            -in msg.txt
        ;;
    client-gcm | client-cbc)
        # gmtls client --tlcp -> GmSSL's tlcp_server (one connection per
        # process, on a fixed port: it is alone in this namespace)
        suite=TLS_ECC_SM4_GCM_SM3
        [ "$name" = client-cbc ] && suite=TLS_ECC_SM4_CBC_SM3
        "$G" tlcp_server -port 4433 -cert "$D/gchain.pem" -key "$D/gkeys.pem" -pass "$GPASS" -cipher_suite "$suite" \
            -verbose >"$name-gmssl-server.log" 2>&1 &
        PIDS+=($!)
        for i in $(seq 1 200); do
            ss -Hltn "sport = :4433" | grep -q . && break
            sleep 0.05
        done
        timeout 20 "$GMTLS" client 127.0.0.1:4433 --tlcp --servername localhost --ca "$D/ca.pem" <msg.txt \
            >"$name.out" 2>"$name.err"
        ;;
    auth-ecc-gcm | auth-ecc-cbc)
        # client authentication with an ECC suite: GmSSL's tlcp_client sends
        # its signing chain (the --www page shows the subject)
        suite=TLS_ECC_SM4_GCM_SM3
        [ "$name" = auth-ecc-cbc ] && suite=TLS_ECC_SM4_CBC_SM3
        gmtls_server --cert sign.pem --key sign.key --enc-cert enc.pem --enc-key enc.key \
            --verify-client require-and-verify --ca ca.pem
        tlcp_client "$name-c1" "$SRV_PORT" -cipher_suite "$suite" -cert csign.pem -key csign.key -pass "$GPASS" \
            -in msg.txt
        ;;
    auth-www)
        gmtls_server --www --cert sign.pem --key sign.key --enc-cert enc.pem --enc-key enc.key \
            --verify-client require-and-verify --ca ca.pem
        tlcp_client "$name-c1" "$SRV_PORT" -cipher_suite TLS_ECDHE_SM4_GCM_SM3 -cert cchain.pem -key ckeys.pem \
            -pass "$GPASS" -get /
        ;;
    ecdhe-gcm | ecdhe-cbc)
        # ECDHE: GmSSL's tlcp_client with its double chain (signing, encryption)
        suite=TLS_ECDHE_SM4_GCM_SM3
        [ "$name" = ecdhe-cbc ] && suite=TLS_ECDHE_SM4_CBC_SM3
        gmtls_server --cert sign.pem --key sign.key --enc-cert enc.pem --enc-key enc.key \
            --verify-client require-and-verify --ca ca.pem
        tlcp_client "$name-c1" "$SRV_PORT" -cipher_suite "$suite" -cert cchain.pem -key ckeys.pem -pass "$GPASS" \
            -in msg.txt
        # all four suites in GmSSL's order (ECC first): gmtls prefers ECDHE, GCM
        tlcp_client "$name-c2" "$SRV_PORT" -cipher_suite TLS_ECC_SM4_CBC_SM3 -cipher_suite TLS_ECC_SM4_GCM_SM3 \
            -cipher_suite TLS_ECDHE_SM4_CBC_SM3 -cipher_suite TLS_ECDHE_SM4_GCM_SM3 -cert cchain.pem -key ckeys.pem \
            -pass "$GPASS" -in msg.txt
        ;;
    ecdhe-noauth)
        # a server that asks for no client certificate does not choose ECDHE
        gmtls_server --cert sign.pem --key sign.key --enc-cert enc.pem --enc-key enc.key
        tlcp_client "$name-c1" "$SRV_PORT" -cipher_suite TLS_ECDHE_SM4_GCM_SM3 -cert cchain.pem -key ckeys.pem \
            -pass "$GPASS" -in msg.txt
        tlcp_client "$name-c2" "$SRV_PORT" -cipher_suite TLS_ECDHE_SM4_GCM_SM3 -cipher_suite TLS_ECC_SM4_GCM_SM3 \
            -cert cchain.pem -key ckeys.pem -pass "$GPASS" -in msg.txt
        ;;
    client-auth-gcm | client-auth-cbc | client-ecdhe-gcm | client-ecdhe-cbc)
        # gmtls client --tlcp --cert/--key [--enc-cert/--enc-key] -> GmSSL's
        # tlcp_server -cert_request
        case $name in
        client-auth-gcm) suite=TLS_ECC_SM4_GCM_SM3 ;;
        client-auth-cbc) suite=TLS_ECC_SM4_CBC_SM3 ;;
        client-ecdhe-gcm) suite=TLS_ECDHE_SM4_GCM_SM3 ;;
        *) suite=TLS_ECDHE_SM4_CBC_SM3 ;;
        esac
        "$G" tlcp_server -port 4433 -cert "$D/gchain.pem" -key "$D/gkeys.pem" -pass "$GPASS" -cipher_suite "$suite" \
            -cert_request -cacert "$D/ca.pem" -verbose >"$name-gmssl-server.log" 2>&1 &
        PIDS+=($!)
        for i in $(seq 1 200); do
            ss -Hltn "sport = :4433" | grep -q . && break
            sleep 0.05
        done
        enc=()
        case $name in client-ecdhe-*) enc=(--enc-cert "$D/cenc.pem" --enc-key "$D/cenc.key") ;; esac
        timeout 20 "$GMTLS" client 127.0.0.1:4433 --tlcp --servername localhost --ca "$D/ca.pem" \
            --cert "$D/csign.pem" --key "$D/csign.key" "${enc[@]}" --key-pass file:"$D/pass.txt" <msg.txt \
            >"$name.out" 2>"$name.err"
        ;;
    resume | resume-off)
        # gmtls client --tlcp -> gmtls server: session-ID resumption within
        # one run (--count 2) and through a saved session (--sess-out /
        # --sess-in); resume-off: a server with --session-cache 0 offered
        # the saved session
        off=()
        [ "$name" = resume-off ] && off=(--session-cache 0)
        gmtls_server --cert sign.pem --key sign.key --enc-cert enc.pem --enc-key enc.key "${off[@]}"
        gmtls_client() { # OUT ARGS...
            local out=$1
            shift
            timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --tlcp --servername localhost --ca "$D/ca.pem" "$@" \
                <msg.txt >"$out.out" 2>"$out.err"
        }
        if [ "$name" = resume ]; then
            gmtls_client "$name-count" --count 2
            gmtls_client "$name-save" --sess-out resume.sess
            gmtls_client "$name-load" --sess-in resume.sess
        else
            gmtls_client "$name-load" --sess-in resume.sess
        fi
        ;;
    entity-client)
        # GmSSL's tlcp_server with an encryption certificate of another
        # entity (same CA, another subject): gmtls client --tlcp refuses it
        "$G" tlcp_server -port 4433 -cert "$D/xchain.pem" -key "$D/xkeys.pem" -pass "$GPASS" \
            -cipher_suite TLS_ECC_SM4_GCM_SM3 -verbose >"$name-gmssl-server.log" 2>&1 &
        PIDS+=($!)
        for i in $(seq 1 200); do
            ss -Hltn "sport = :4433" | grep -q . && break
            sleep 0.05
        done
        timeout 20 "$GMTLS" client 127.0.0.1:4433 --tlcp --servername localhost --ca "$D/ca.pem" <msg.txt \
            >"$name.out" 2>"$name.err"
        echo "exit $?" >>"$name.err"
        ;;
    entity-server)
        # GmSSL's tlcp_client with a double chain whose encryption
        # certificate is another entity's: the gmtls ECDHE server refuses it
        gmtls_server --cert sign.pem --key sign.key --enc-cert enc.pem --enc-key enc.key \
            --verify-client require-and-verify --ca ca.pem
        tlcp_client "$name-c1" "$SRV_PORT" -cipher_suite TLS_ECDHE_SM4_GCM_SM3 -cert cxchain.pem -key cxkeys.pem \
            -pass "$GPASS" -in msg.txt
        for i in $(seq 1 600); do
            [ "$(grep -c ' proto=' "$name-server.log")" -ge 1 ] && break
            sleep 0.1
        done
        ;;
    no-enc)
        # without an encryption pair a TLCP ClientHello is not answered as TLCP
        gmtls_server --cert sign.pem --key sign.key
        tlcp_client "$name-c1" "$SRV_PORT" -cipher_suite TLS_ECC_SM4_GCM_SM3 -in msg.txt
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
# A root CA; a signing and an encryption certificate for one entity (same
# subject, GmSSL checks the pair), keyUsage digitalSignature and
# keyEncipherment + dataEncipherment.
gmssl_pki_begin "gmtls TLCP interop root"
for w in sign enc; do
    gm sm2keygen -pass "$PASS" -out "$D/$w.key"
    gm reqgen -C CN -O "gmtls interop" -CN "gmtls-tlcp-server" -key "$D/$w.key" -pass "$PASS" -out "$D/$w.req"
done
gm reqsign -in "$D/sign.req" -serial_len 8 -days 2 -cacert "$D/ca.pem" -key "$D/ca.key" -pass "$PASS" \
    -key_usage digitalSignature -subject_dns_name localhost -out "$D/sign.pem"
gm reqsign -in "$D/enc.req" -serial_len 8 -days 2 -cacert "$D/ca.pem" -key "$D/ca.key" -pass "$PASS" \
    -key_usage keyEncipherment -key_usage dataEncipherment -subject_dns_name localhost -out "$D/enc.pem"
# GmSSL's tlcp_server takes both certificates in one file and both keys in another
cat "$D/sign.pem" "$D/enc.pem" >"$D/gchain.pem"
cat "$D/sign.key" "$D/enc.key" >"$D/gkeys.pem"
# The client's pair, made the same way (its double chain for ECDHE)
for w in csign cenc; do
    gm sm2keygen -pass "$PASS" -out "$D/$w.key"
    gm reqgen -C CN -O "gmtls interop" -CN "gmtls-tlcp-client" -key "$D/$w.key" -pass "$PASS" -out "$D/$w.req"
done
gm reqsign -in "$D/csign.req" -serial_len 8 -days 2 -cacert "$D/ca.pem" -key "$D/ca.key" -pass "$PASS" \
    -key_usage digitalSignature -out "$D/csign.pem"
gm reqsign -in "$D/cenc.req" -serial_len 8 -days 2 -cacert "$D/ca.pem" -key "$D/ca.key" -pass "$PASS" \
    -key_usage keyEncipherment -key_usage dataEncipherment -out "$D/cenc.pem"
cat "$D/csign.pem" "$D/cenc.pem" >"$D/cchain.pem"
cat "$D/csign.key" "$D/cenc.key" >"$D/ckeys.pem"
# An encryption certificate of another entity (same CA and usage, another
# subject), paired with each side's signing certificate
gm sm2keygen -pass "$PASS" -out "$D/xenc.key"
gm reqgen -C CN -O "gmtls interop" -CN "gmtls-tlcp-other" -key "$D/xenc.key" -pass "$PASS" -out "$D/xenc.req"
gm reqsign -in "$D/xenc.req" -serial_len 8 -days 2 -cacert "$D/ca.pem" -key "$D/ca.key" -pass "$PASS" \
    -key_usage keyEncipherment -key_usage dataEncipherment -subject_dns_name localhost -out "$D/xenc.pem"
cat "$D/sign.pem" "$D/xenc.pem" >"$D/xchain.pem"
cat "$D/sign.key" "$D/xenc.key" >"$D/xkeys.pem"
cat "$D/csign.pem" "$D/xenc.pem" >"$D/cxchain.pem"
cat "$D/csign.key" "$D/xenc.key" >"$D/cxkeys.pem"
# A P-256 chain on the same port, for openssl s_client (no ShangMi in TLS)
make_chain ec ecdsa
MSG="gmssl tlcp interop $$ $(date +%s)"
printf '%s\n' "$MSG" >"$D/msg.txt"
LEN=$(wc -c <"$D/msg.txt")
head -c 15000 /dev/urandom | base64 -w 76 >"$D/big.txt"

run_case() {
    in_netns bash "$HERE/interop_tlcp.sh" --case "$1" "$D" || fail "case $1 did not run (exit $?)"
}
log_line() { # NAME N: the Nth connection line of the gmtls access log
    grep ' proto=' "$D/$1-server.log" | sed -n "$2p"
}
expect_log() { # NAME N REGEX WHAT
    local line
    line=$(log_line "$1" "$2")
    if printf '%s\n' "$line" | grep -Eq -- "$3"; then
        pass "$4"
    else
        fail "$4: access log line $2 is '$line'"
        sed 's/^/    | /' "$D/$1-server.log" >&2
    fi
}

run_case ecc-gcm
expect_grep "$D/ecc-gcm-c1.err" "^Protocol: TLCP$" "ecc-gcm: GmSSL tlcp_client negotiated TLCP with gmtls"
expect_grep "$D/ecc-gcm-c1.err" "^CipherSuite: TLS_ECC_SM4_GCM_SM3$" "ecc-gcm: suite ECC_SM4_GCM_SM3"
expect_grep "$D/ecc-gcm-c1.out" "^$MSG\$" "ecc-gcm: GmSSL client got the echo over TLCP"
expect_log ecc-gcm 1 "proto=TLCP .*suite=ECC_SM4_GCM_SM3 .*in=$LEN out=$LEN .*result=ok" \
    "ecc-gcm: gmtls server logged the TLCP connection"
expect_grep "$D/ecc-gcm-c2.out" "^$MSG\$" "ecc-gcm: the same port answered a GmSSL TLS 1.3 client"
expect_log ecc-gcm 2 "proto=TLSv1.3 .*result=ok" "ecc-gcm: gmtls server logged the TLS 1.3 connection"
# openssl s_client in turn on that port: TLS 1.3 (its defaults), then -tls1_2
for v in 3 4; do
    c=ecc-gcm-c$v
    if [ "$v" = 3 ]; then
        P=TLSv1.3 SUITES='TLS_AES_128_GCM_SHA256|TLS_AES_256_GCM_SHA384|TLS_CHACHA20_POLY1305_SHA256'
    else
        P=TLSv1.2 SUITES='ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-AES256-GCM-SHA384|ECDHE-ECDSA-CHACHA20-POLY1305'
    fi
    expect_grep "$D/$c.out" "^New, $P, Cipher is ($SUITES)\$" "ecc-gcm: the same port answered openssl s_client with $P"
    expect_grep "$D/$c.out" "Verify return code: 0 \(ok\)" "ecc-gcm: s_client ($P) verified the P-256 chain"
    expect_grep "$D/$c.out" "^$MSG\$" "ecc-gcm: s_client ($P) got the echo"
    # the suite s_client names is the one gmtls logged
    ossl=$(sed -n "s/^New, $P, Cipher is \(.*\)\$/\1/p" "$D/$c.out")
    case $ossl in
    ECDHE-ECDSA-AES128-GCM-SHA256) want=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ;;
    ECDHE-ECDSA-AES256-GCM-SHA384) want=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ;;
    ECDHE-ECDSA-CHACHA20-POLY1305) want=TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 ;;
    *) want=$ossl ;;
    esac
    expect_log ecc-gcm "$v" "proto=$P sni=localhost suite=$want .*in=$LEN out=$LEN .*result=ok" \
        "ecc-gcm: gmtls server logged s_client's $P connection ($want)"
done

run_case ecc-cbc
expect_grep "$D/ecc-cbc-c1.err" "^CipherSuite: TLS_ECC_SM4_CBC_SM3$" "ecc-cbc: GmSSL tlcp_client negotiated ECC_SM4_CBC_SM3"
expect_grep "$D/ecc-cbc-c1.out" "^$MSG\$" "ecc-cbc: GmSSL client got the echo over SM4-CBC + HMAC-SM3 records"
expect_log ecc-cbc 1 "proto=TLCP .*suite=ECC_SM4_CBC_SM3 .*in=$LEN out=$LEN .*result=ok" \
    "ecc-cbc: gmtls server logged the TLCP CBC connection"
# a message of several full-size CBC records: gmtls reads all of it (the
# access log) and echoes it; GmSSL prints what it read before its client
# went quiet, which depends on timing (how our records were cut), so only a
# non-empty prefix is required there
got=$(wc -c <"$D/ecc-cbc-c2.out")
if [ "$got" -gt 0 ] && head -c "$got" "$D/big.txt" | cmp -s - "$D/ecc-cbc-c2.out"; then
    pass "ecc-cbc: GmSSL client decrypted the echo of the long message ($got bytes)"
else
    fail "ecc-cbc: GmSSL client's echo ($got bytes) is not a prefix of what it sent"
fi
BIG=$(wc -c <"$D/big.txt")
expect_log ecc-cbc 2 "in=$BIG out=$BIG .*result=ok" "ecc-cbc: gmtls server read and echoed every byte of the long message"

run_case offer
expect_grep "$D/offer-c1.err" "^CipherSuite: TLS_ECC_SM4_GCM_SM3$" "offer: gmtls chose ECC_SM4_GCM_SM3 from GmSSL's list"
expect_grep "$D/offer-c1.out" "^$MSG\$" "offer: GmSSL client got the echo"

for c in gcm cbc; do
    SUITE=ECC_SM4_GCM_SM3
    [ "$c" = cbc ] && SUITE=ECC_SM4_CBC_SM3
    run_case "client-$c"
    expect_grep "$D/client-$c.err" "^protocol: TLCP$" "client-$c: gmtls client --tlcp negotiated TLCP with GmSSL's tlcp_server"
    expect_grep "$D/client-$c.err" "^cipher: $SUITE$" "client-$c: suite $SUITE"
    expect_grep "$D/client-$c.err" "^signature: sm2sig_sm3$" "client-$c: GmSSL's ServerKeyExchange verified (SM2)"
    expect_grep "$D/client-$c.err" "^verify: ok$" "client-$c: gmtls verified GmSSL's signing chain"
    expect_grep "$D/client-$c.out" "^$MSG\$" "client-$c: gmtls client got GmSSL's echo"
    expect_grep "$D/client-$c-gmssl-server.log" "^send server \{Finished\}" \
        "client-$c: GmSSL server accepted gmtls's Finished (sent its own)"
done

for c in gcm cbc; do
    SUITE=ECC_SM4_GCM_SM3
    [ "$c" = cbc ] && SUITE=ECC_SM4_CBC_SM3
    run_case "auth-ecc-$c"
    expect_grep "$D/auth-ecc-$c-c1.err" "^CipherSuite: TLS_$SUITE$" "auth-ecc-$c: GmSSL tlcp_client negotiated $SUITE"
    expect_grep "$D/auth-ecc-$c-c1.err" "send CertificateVerify" "auth-ecc-$c: gmtls asked GmSSL for its certificate"
    expect_grep "$D/auth-ecc-$c-c1.out" "^$MSG\$" "auth-ecc-$c: GmSSL client got the echo after client authentication"
    expect_log "auth-ecc-$c" 1 "proto=TLCP .*suite=$SUITE .*in=$LEN out=$LEN .*result=ok" \
        "auth-ecc-$c: gmtls server verified GmSSL's certificate and CertificateVerify"
done

for c in gcm cbc; do
    SUITE=ECDHE_SM4_GCM_SM3
    [ "$c" = cbc ] && SUITE=ECDHE_SM4_CBC_SM3
    run_case "ecdhe-$c"
    expect_grep "$D/ecdhe-$c-c1.err" "^CipherSuite: TLS_$SUITE$" "ecdhe-$c: GmSSL tlcp_client negotiated $SUITE"
    expect_grep "$D/ecdhe-$c-c1.out" "^$MSG\$" "ecdhe-$c: GmSSL client got the echo over the SM2 key exchange"
    expect_log "ecdhe-$c" 1 "proto=TLCP .*suite=$SUITE group=curveSM2 sigalg=sm2sig_sm3 .*in=$LEN out=$LEN .*result=ok" \
        "ecdhe-$c: gmtls server logged the ECDHE connection"
    expect_grep "$D/ecdhe-$c-c2.err" "^CipherSuite: TLS_ECDHE_SM4_GCM_SM3$" \
        "ecdhe-$c: from all four suites gmtls chose ECDHE_SM4_GCM_SM3"
    expect_grep "$D/ecdhe-$c-c2.out" "^$MSG\$" "ecdhe-$c: GmSSL client got the echo (all four offered)"
done

run_case auth-www
expect_grep "$D/auth-www-c1.out" "client certificate</th><td>[^<]*gmtls-tlcp-client" \
    "auth-www: the --www page shows GmSSL's client certificate subject (ECDHE)"

run_case ecdhe-noauth
if grep -q "^CipherSuite: TLS_ECDHE" "$D/ecdhe-noauth-c1.err" "$D/ecdhe-noauth-c2.err"; then
    fail "ecdhe-noauth: a server without client authentication chose ECDHE"
else
    pass "ecdhe-noauth: no ECDHE without client authentication"
fi
expect_log ecdhe-noauth 1 "proto=none .*result=.*no TLCP cipher suite" \
    "ecdhe-noauth: gmtls refused a client offering only ECDHE (handshake_failure)"
expect_grep "$D/ecdhe-noauth-c2.err" "^CipherSuite: TLS_ECC_SM4_GCM_SM3$" \
    "ecdhe-noauth: from ECDHE + ECC gmtls chose ECC_SM4_GCM_SM3"

for c in auth-gcm auth-cbc ecdhe-gcm ecdhe-cbc; do
    case $c in
    auth-gcm) SUITE=ECC_SM4_GCM_SM3 ;;
    auth-cbc) SUITE=ECC_SM4_CBC_SM3 ;;
    ecdhe-gcm) SUITE=ECDHE_SM4_GCM_SM3 ;;
    *) SUITE=ECDHE_SM4_CBC_SM3 ;;
    esac
    run_case "client-$c"
    expect_grep "$D/client-$c.err" "^protocol: TLCP$" "client-$c: gmtls client --tlcp with a certificate negotiated TLCP"
    expect_grep "$D/client-$c.err" "^cipher: $SUITE$" "client-$c: suite $SUITE"
    expect_grep "$D/client-$c.err" "^verify: ok$" "client-$c: gmtls verified GmSSL's signing chain"
    expect_grep "$D/client-$c.out" "^$MSG\$" "client-$c: gmtls client got GmSSL's echo"
    expect_grep "$D/client-$c-gmssl-server.log" "recv CertificateVerify" \
        "client-$c: GmSSL server received gmtls's CertificateVerify"
    expect_grep "$D/client-$c-gmssl-server.log" "^send server \{Finished\}" \
        "client-$c: GmSSL server accepted gmtls's certificate, CertificateVerify and Finished"
done
run_case resume
expect_grep "$D/resume-count.err" "^resumed: no$" "resume: the first gmtls TLCP connection is a full handshake"
expect_grep "$D/resume-count.err" "^resumed: yes$" "resume: gmtls client --tlcp --count 2 resumed by session ID"
expect_log resume 2 "proto=TLCP .*suite=ECC_SM4_GCM_SM3 .*resumed=yes .*result=ok" \
    "resume: gmtls server logged the resumed TLCP connection"
expect_grep "$D/resume-save.err" "^resumed: no$" "resume: --sess-out run is a full handshake"
expect_grep "$D/resume-load.err" "^protocol: TLCP$" "resume: --sess-in run speaks TLCP"
expect_grep "$D/resume-load.err" "^resumed: yes$" "resume: gmtls client --tlcp --sess-in resumed the saved session"
expect_grep "$D/resume-load.out" "^$MSG\$" "resume: the echo over the resumed session"
expect_log resume 4 "proto=TLCP .*resumed=yes .*in=$LEN out=$LEN .*result=ok" \
    "resume: gmtls server logged the --sess-in connection as resumed"
run_case resume-off
expect_grep "$D/resume-off-load.err" "^resumed: no$" "resume-off: --session-cache 0 gives a full handshake"
expect_grep "$D/resume-off-load.out" "^$MSG\$" "resume-off: the echo over the full handshake"

# GmSSL-made encryption certificates of another entity, refused both ways
# with bad_certificate (gmtls checks the pair as GmSSL's own verifier does)
run_case entity-client
expect_grep "$D/entity-client.err" "sent alert bad_certificate \(42\) \(the TLCP encryption certificate does not match the signing certificate" \
    "entity-client: gmtls client refused GmSSL's encryption certificate of another entity"
expect_grep "$D/entity-client.err" "^exit 1$" "entity-client: gmtls client exited 1"
# (whether GmSSL prints our alert depends on timing: a reset can come first)
run_case entity-server
expect_log entity-server 1 "proto=none .*result=handshake failed: sent alert bad_certificate \(42\) \(the TLCP encryption certificate does not match" \
    "entity-server: gmtls ECDHE server refused GmSSL's client encryption certificate of another entity"

run_case no-enc
if grep -q "^Protocol: TLCP$" "$D/no-enc-c1.err"; then
    fail "no-enc: a server without an encryption certificate answered TLCP"
else
    pass "no-enc: no TLCP without an encryption certificate"
fi
expect_log no-enc 1 "proto=none .*result=handshake failed: the peer does not speak TLS" \
    "no-enc: gmtls server refused the TLCP ClientHello (records of version 0x0101)"

finish
