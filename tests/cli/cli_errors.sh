#!/usr/bin/env bash
# tests/cli/cli_errors.sh - the messages and exit statuses people meet first,
# loopback only: a key that is not the certificate's is named as such (server
# and client); a missing --ca file exits 1 in both, naming the file and what
# to give instead; a server certificate the client cannot verify suggests
# --ca, --servername and --insecure; the client's report lines go to stderr,
# so stdout is exactly the server's data (--get and relayed bytes); misused
# PSK and post-handshake options exit 2 (a missing --psk-file 1) saying why,
# as does a --session-cache out of range; a TLCP --enc-cert that is not SM2 or lacks keyEncipherment exits 1 (server
# and client) saying what it needs.
. "$(dirname "$0")/cli_lib.sh"

DEV=$TMP/dev
log=$TMP/srv.log
start_server "$log" --www --dev-dir "$DEV"

# run_rc OUT ERR CMD...: runs CMD (stdin empty), sets RC
run_rc() {
    local out=$1 err=$2
    shift 2
    timeout 20 "$@" </dev/null >"$out" 2>"$err"
    RC=$?
}

# ---------------------------------------------------------------- a key that is not the certificate's
run_rc "$TMP/mm-srv.out" "$TMP/mm-srv.err" "$GMTLS" server --listen 127.0.0.1:0 --cert "$DEV/ecdsa.pem" \
    --key "$DEV/sm2.key"
expect_eq "server with a mismatched key: exit 1" "$RC" 1
expect_grep "$TMP/mm-srv.err" "--key $DEV/sm2\.key is not the private key of the certificate in --cert $DEV/ecdsa\.pem" \
    "server with a mismatched key: named as such"
expect_grep "$TMP/mm-srv.err" "give the key that was generated with this certificate" \
    "server with a mismatched key: says what to do"
expect_no_grep "$TMP/mm-srv.err" "could not be read or parsed" "server with a mismatched key: not called a parse error"
run_rc "$TMP/mm-cli.out" "$TMP/mm-cli.err" "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" \
    --cert "$DEV/ecdsa.pem" --key "$DEV/sm2.key"
expect_eq "client with a mismatched key: exit 1" "$RC" 1
expect_grep "$TMP/mm-cli.err" "is not the private key of the certificate" "client with a mismatched key: named as such"
# a key file that is no key at all keeps the general message, with what to give
run_rc "$TMP/nokey.out" "$TMP/nokey.err" "$GMTLS" server --listen 127.0.0.1:0 --cert "$DEV/ecdsa.pem" \
    --key "$DEV/ecdsa.pem"
expect_eq "server with a certificate as --key: exit 1" "$RC" 1
expect_grep "$TMP/nokey.err" "no usable PEM private key.*: give a PEM certificate chain \(leaf first\) and its PEM private key" \
    "server with a certificate as --key: says what to give"

# ---------------------------------------------------------------- a missing --ca file: the same status in both
run_rc "$TMP/ca-srv.out" "$TMP/ca-srv.err" "$GMTLS" server --listen 127.0.0.1:0 --dev-dir "$DEV" \
    --verify-client require-and-verify --ca "$TMP/missing-ca.pem"
srv_rc=$RC
run_rc "$TMP/ca-cli.out" "$TMP/ca-cli.err" "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$TMP/missing-ca.pem"
expect_eq "missing --ca: server exits 1" "$srv_rc" 1
expect_eq "missing --ca: client exits 1, like the server" "$RC" 1
for w in srv cli; do
    expect_grep "$TMP/ca-$w.err" "--ca $TMP/missing-ca\.pem: No such file or directory: give a PEM file of CA certificates" \
        "missing --ca ($w): names the file and what to give"
done

# ---------------------------------------------------------------- verification failures suggest the way out
run_rc "$TMP/nv.out" "$TMP/nv.err" "$GMTLS" client "127.0.0.1:$SRV_PORT"
expect_eq "unverifiable server (no --ca): exit 1" "$RC" 1
expect_grep "$TMP/nv.err" 'peer certificate verification failed' "unverifiable server: says why"
expect_grep "$TMP/nv.err" 'pass it with --ca FILE' "unverifiable server: suggests --ca"
expect_grep "$TMP/nv.err" '--insecure skips verification' "unverifiable server: suggests --insecure"
run_rc "$TMP/nm.out" "$TMP/nm.err" "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" \
    --servername other.example
expect_eq "certificate for another name: exit 1" "$RC" 1
expect_grep "$TMP/nm.err" 'use --servername NAME' "certificate for another name: suggests --servername"
# a failure that is not about the certificate gets no such advice
run_rc "$TMP/alpn.out" "$TMP/alpn.err" "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --alpn h2
expect_eq "no ALPN in common: exit 1" "$RC" 1
expect_grep "$TMP/alpn.err" 'no_application_protocol' "no ALPN in common: the alert is named"
expect_no_grep "$TMP/alpn.err" -- '--insecure' "no ALPN in common: no certificate advice"

# ---------------------------------------------------------------- report lines on stderr, data on stdout
run_rc "$TMP/get.out" "$TMP/get.err" "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --get / --showcerts \
    --export EXPORTER-test:16
expect_eq "client --get: exit 0" "$RC" 0
expect_eq "client --get: stdout starts with the body" "$(head -n 1 "$TMP/get.out")" '<!DOCTYPE html>'
expect_no_grep "$TMP/get.out" '^(protocol|cipher|group|signature|alpn|resumed|peer|verify|export|certificate [0-9]):' \
    "client --get: no report line on stdout"
expect_no_grep "$TMP/get.out" 'BEGIN CERTIFICATE' "client --get --showcerts: no certificate on stdout"
for k in protocol cipher group signature alpn resumed peer verify export; do
    expect_grep "$TMP/get.err" "^$k: " "client --get: '$k:' on stderr"
done
expect_grep "$TMP/get.err" 'BEGIN CERTIFICATE' "client --showcerts: the chain on stderr"
stop_pid "$SRV_PID"
log=$TMP/echo.log
start_server "$log" --echo --dev-dir "$DEV"
head -c 100000 /dev/urandom >"$TMP/echo.in"
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" <"$TMP/echo.in" >"$TMP/echo.out" 2>"$TMP/echo.err"
expect_eq "relayed bytes: stdout is exactly what the server sent (report lines not mixed in)" \
    "$(sha "$TMP/echo.out")" "$(sha "$TMP/echo.in")"
expect_grep "$TMP/echo.err" '^verify: ok$' "relay: 'verify:' on stderr"
run_rc "$TMP/count.out" "$TMP/count.err" "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --count 2
expect_eq "--count 2: exit 0" "$RC" 0
expect_grep "$TMP/count.err" '^connection: 2$' "--count: 'connection:' lines on stderr"
check "--count: nothing on stdout" test ! -s "$TMP/count.out"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- PSK and post-handshake options
psk_usage() { # psk_usage WHAT RC REGEX ARGS...
    local what=$1 want=$2 re=$3
    shift 3
    run_rc "$TMP/u.out" "$TMP/u.err" "$GMTLS" "$@"
    expect_eq "$what: exit $want" "$RC" "$want"
    expect_grep "$TMP/u.err" "$re" "$what: says why"
}
psk_usage "--psk not hex" 2 "--psk: the PSK is not an even number of hex digits" \
    server --listen 127.0.0.1:0 --psk 0g
psk_usage "--psk-identity without --psk" 2 "--psk-identity and --psk-hash go with --psk HEX" \
    client "127.0.0.1:$SRV_PORT" --psk-identity alice
psk_usage "--psk-hash unknown" 2 "unknown PSK hash 'MD5' \(SHA256, SHA384, SM3\)" \
    server --listen 127.0.0.1:0 --psk 00112233 --psk-hash MD5
psk_usage "--psk-modes unknown" 2 "--psk-modes: unknown mode 'dhe' \(psk_dhe_ke, psk_ke\)" \
    client "127.0.0.1:$SRV_PORT" --psk 00112233 --psk-modes dhe
psk_usage "--psk-file missing" 1 "$TMP/no-such-file" server --listen 127.0.0.1:0 --psk-file "$TMP/no-such-file"
printf 'alice\n' >"$TMP/bad-psks.txt"
psk_usage "--psk-file bad line" 2 "--psk-file line 1: not IDENTITY:HEX\[:HASH\]" \
    server --listen 127.0.0.1:0 --psk-file "$TMP/bad-psks.txt"
psk_usage "--pha-path alone" 2 "--pha-path goes with --verify-client post-handshake" \
    server --listen 127.0.0.1:0 --pha-path /x
psk_usage "post-handshake without --ca" 2 "--verify-client post-handshake: give --ca" \
    server --listen 127.0.0.1:0 --verify-client post-handshake
psk_usage "--max-early-data not a number" 2 "--max-early-data: 'x' is not a number in \[0, 4294967295\]" \
    server --listen 127.0.0.1:0 --max-early-data x
psk_usage "--session-cache too large" 2 "--session-cache: '16777217' is not a number in \[0, 16777216\]" \
    server --listen 127.0.0.1:0 --session-cache 16777217
: >"$TMP/empty.txt"
psk_usage "--early-data empty file" 1 "--early-data $TMP/empty.txt: cannot read it, or it is empty" \
    client "127.0.0.1:$SRV_PORT" --early-data "$TMP/empty.txt"
# TLCP client: the encryption pair goes with --tlcp and a signing chain
psk_usage "--enc-cert without --tlcp" 2 "--enc-cert and --enc-key go together, with --tlcp and a --cert" \
    client "127.0.0.1:$SRV_PORT" --enc-cert "$TMP/x.pem" --enc-key "$TMP/x.key"
psk_usage "--enc-cert without --enc-key" 2 "--enc-cert and --enc-key go together" \
    client "127.0.0.1:$SRV_PORT" --tlcp --cert "$TMP/x.pem" --key "$TMP/x.key" --enc-cert "$TMP/x.pem"
# TLCP encryption certificates the server and the client refuse at start
# (exit 1, before any connection): a signing certificate (keyUsage
# digitalSignature) and a P-256 one
psk_usage "server --enc-cert without keyEncipherment" 1 \
    "--enc-cert $DEV/sm2\.pem: .*keyUsage must allow keyEncipherment.*: give the TLCP encryption certificate" \
    server --listen 127.0.0.1:0 --cert "$DEV/sm2.pem" --key "$DEV/sm2.key" --enc-cert "$DEV/sm2.pem" \
    --enc-key "$DEV/sm2.key"
psk_usage "server --enc-cert with a P-256 key" 1 "--enc-cert $DEV/ecdsa\.pem: .*needs an SM2 key" \
    server --listen 127.0.0.1:0 --cert "$DEV/sm2.pem" --key "$DEV/sm2.key" --enc-cert "$DEV/ecdsa.pem" \
    --enc-key "$DEV/ecdsa.key"
psk_usage "client --enc-cert without keyEncipherment" 1 \
    "--enc-cert $DEV/sm2\.pem: .*keyUsage must allow keyEncipherment" \
    client "127.0.0.1:$SRV_PORT" --tlcp --ca "$DEV/ca.pem" --cert "$DEV/sm2.pem" --key "$DEV/sm2.key" \
    --enc-cert "$DEV/sm2.pem" --enc-key "$DEV/sm2.key"

finish
