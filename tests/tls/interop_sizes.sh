#!/usr/bin/env bash
# tests/tls/interop_sizes.sh - record_size_limit (RFC 8449) and certificate
# compression (RFC 8879) with GnuTLS (Debian 12: gnutls-bin 3.7.9), gmtls with
# its defaults unless a case sets a limit:
#   gnutls-cli --recordsize=512 -> gmtls server --www: every record GnuTLS
#     receives after the ServerHello carries at most 513 bytes of inner
#     plaintext (529 on the wire, 16-byte tag), a 100 KB file arrives intact,
#     the access log says rsl=513; certcomp=- (Debian's GnuTLS is built
#     without zlib, brotli and zstd: it offers no algorithm)
#   gnutls-cli -> gmtls server --echo --record-size-limit 1000: GnuTLS's
#     records are cut at 1000 (1021 on the wire), gmtls takes them
#   gmtls client -> gnutls-serv --echo --recordsize=512: the report says
#     "record size limit: 513", the echo is intact, no record GnuTLS receives
#     is larger than 529 bytes
#   gmtls client --record-size-limit 600 -> gnutls-serv --echo: GnuTLS's
#     records obey 600 (gmtls would fail with record_overflow otherwise)
# gnutls-serv binds every interface: the script runs in a private network
# namespace (tests/peers/peers.sh in_netns; needs root).
. "$(dirname "$0")/interop_lib.sh"
. "$(dirname "$0")/../peers/peers.sh"

if [ -z "${GMTLS_SIZES_NETNS:-}" ]; then
    export GMTLS_SIZES_NETNS=1
    in_netns bash "$0" "$@"
    exit $?
fi
for p in gnutls-cli gnutls-serv; do
    command -v "$p" >/dev/null || { fail "$p is not installed (run scripts/setup.sh test)"; finish; }
done

make_chain ec ecdsa
mkdir -p "$TMP/root"
head -c 75000 /dev/urandom | base64 -w 100 >"$TMP/root/big.txt"

# max_len FILE PATTERN: the largest "length: N" on lines of FILE matching PATTERN (0 if none)
max_len() {
    grep -E -- "$2" "$1" | sed -n 's/.*length: \([0-9]*\)$/\1/p' | sort -n | tail -n 1 | grep . || echo 0
}

# ---------------------------------------------------------------- gnutls-cli -> gmtls server
log=$TMP/www.log
start_gmtls_server "$log" --www --root "$TMP/root" --cert "$TMP/ec-chain.pem" --key "$TMP/ec-leaf.key"
printf 'GET /big.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    timeout 30 gnutls-cli --x509cafile "$TMP/ec-ca.pem" -p "$SRV_PORT" localhost --recordsize=512 -d 5 \
        >"$TMP/gn1.out" 2>"$TMP/gn1.err"
rc=$?
if [ $rc -eq 0 ]; then
    pass "gnutls-cli --recordsize=512: exit 0"
else
    fail "gnutls-cli --recordsize=512: exit $rc"
    tail -n 20 "$TMP/gn1.err" | sed 's/^/    | /' >&2
fi
# the body: what follows the blank line after the HTTP headers, without
# gnutls-cli's own "- ..." lines
sed '1,/^\r$/d' "$TMP/gn1.out" | grep -v '^- ' >"$TMP/gn1.body"
if cmp -s "$TMP/gn1.body" "$TMP/root/big.txt"; then
    pass "gnutls-cli --recordsize=512: the file arrived intact"
else
    fail "gnutls-cli --recordsize=512: the body differs from the file ($(wc -c <"$TMP/gn1.body") bytes)"
fi
n=$(count_lines "$TMP/gn1.err" 'Received Packet Application Data\(23\) with length: ')
m=$(max_len "$TMP/gn1.err" 'Received Packet Application Data\(23\) with length: ')
if [ "$n" -ge 100 ] && [ "$m" -eq 529 ]; then
    pass "gnutls-cli --recordsize=512: $n protected records, the largest 529 bytes (513 + tag)"
else
    fail "gnutls-cli --recordsize=512: $n protected records, the largest $m bytes (want >= 100, 529)"
fi
wait_count "$log" ' result=' 1 || true
expect_grep "$log" " certcomp=- rsl=513 .*result=ok$" "gmtls server: access log rsl=513, certificate uncompressed"
stop_pid "$SRV_PID"

# GnuTLS obeys gmtls's limit: one 3000-byte line goes in records of 1000
# (999 bytes of data + content type). gnutls-cli writes what one
# gnutls_record_send takes of each line it reads, so the echo is checked by
# the records, not by the whole line.
log=$TMP/echo.log
start_gmtls_server "$log" --echo --record-size-limit 1000 --cert "$TMP/ec-chain.pem" --key "$TMP/ec-leaf.key"
head -c 2250 /dev/urandom | base64 -w 0 >"$TMP/line.txt"
echo >>"$TMP/line.txt"
mkfifo "$TMP/gn2.in"
timeout 30 gnutls-cli --x509cafile "$TMP/ec-ca.pem" -p "$SRV_PORT" localhost -d 5 <"$TMP/gn2.in" \
    >"$TMP/gn2.out" 2>"$TMP/gn2.err" &
gpid=$!
PIDS+=("$gpid")
{
    cat "$TMP/line.txt"
    # stdin stays open until the first 999 bytes came back
    for _ in $(seq 1 600); do
        [ "$(tr -d '\n' <"$TMP/gn2.out" | grep -Eo '[A-Za-z0-9+/=]{999,}' | head -c 999 | wc -c)" -ge 999 ] && break
        sleep 0.1
    done
} >"$TMP/gn2.in"
wait "$gpid"
rc=$?
[ $rc -eq 0 ] && pass "gnutls-cli -> --record-size-limit 1000: exit 0" || fail "gnutls-cli -> --record-size-limit 1000: exit $rc"
m=$(max_len "$TMP/gn2.err" 'Sent Packet.*Application Data\(23\) .*length: ')
[ "$m" -eq 1021 ] && pass "gnutls-cli records cut at 1000 (1021 bytes on the wire)" ||
    fail "gnutls-cli's largest record: $m bytes (want 1021)"
if grep -q "$(head -c 999 "$TMP/line.txt")" "$TMP/gn2.out"; then
    pass "gnutls-cli got its first 999 bytes echoed"
else
    fail "gnutls-cli: the echo is missing"
fi
wait_count "$log" ' result=' 1 || true
expect_grep "$log" " rsl=16385 .*result=ok$" "gmtls server took GnuTLS's records within its limit"
stop_pid "$SRV_PID"

# ---------------------------------------------------------------- gmtls client -> gnutls-serv
# start_gnutls_serv LOG ARGS...: gnutls-serv --echo on a free port (it takes no port 0)
start_gnutls_serv() {
    local log=$1
    shift
    GN_PORT=$((20000 + RANDOM % 20000))
    timeout 120 gnutls-serv --echo --x509certfile "$TMP/ec-chain.pem" --x509keyfile "$TMP/ec-leaf.key" \
        -p "$GN_PORT" -d 5 "$@" >"$log" 2>&1 &
    GN_PID=$!
    PIDS+=("$GN_PID")
    wait_line "$log" 'listening on IPv4' "$GN_PID" >/dev/null || { fail "gnutls-serv did not start: $*"; finish; }
}

head -c 30000 /dev/urandom | base64 -w 1000 >"$TMP/up.txt"
start_gnutls_serv "$TMP/gs1.log" --recordsize=512
timeout 30 "$GMTLS" client "127.0.0.1:$GN_PORT" --ca "$TMP/ec-ca.pem" --servername localhost <"$TMP/up.txt" \
    >"$TMP/c1.out" 2>"$TMP/c1.err"
rc=$?
[ $rc -eq 0 ] && pass "gmtls client -> gnutls-serv --recordsize=512: exit 0" ||
    { fail "gmtls client -> gnutls-serv --recordsize=512: exit $rc"; sed 's/^/    | /' "$TMP/c1.err" >&2; }
expect_grep "$TMP/c1.err" '^record size limit: 513$' "gmtls client reports GnuTLS's limit"
expect_grep "$TMP/c1.err" '^certificate compression: none$' "gmtls client: GnuTLS sent its certificate uncompressed"
cmp -s "$TMP/c1.out" "$TMP/up.txt" && pass "gmtls client: the echo is intact" || fail "gmtls client: the echo differs"
m=$(max_len "$TMP/gs1.log" 'Received Packet Application Data\(23\) with length: ')
n=$(count_lines "$TMP/gs1.log" 'Received Packet Application Data\(23\) with length: 529$')
if [ "$m" -eq 529 ] && [ "$n" -ge 50 ]; then
    pass "gnutls-serv got $n records of 529 bytes from gmtls, none larger"
else
    fail "gnutls-serv: largest record from gmtls $m bytes, $n of 529 (want 529, >= 50)"
fi
stop_pid "$GN_PID"

start_gnutls_serv "$TMP/gs2.log"
timeout 30 "$GMTLS" client "127.0.0.1:$GN_PORT" --ca "$TMP/ec-ca.pem" --servername localhost \
    --record-size-limit 600 <"$TMP/up.txt" >"$TMP/c2.out" 2>"$TMP/c2.err"
rc=$?
[ $rc -eq 0 ] && pass "gmtls client --record-size-limit 600 -> gnutls-serv: exit 0" ||
    { fail "gmtls client --record-size-limit 600: exit $rc"; sed 's/^/    | /' "$TMP/c2.err" >&2; }
expect_grep "$TMP/c2.err" '^record size limit: 16385$' "gmtls client reports GnuTLS's default limit"
cmp -s "$TMP/c2.out" "$TMP/up.txt" && pass "gmtls client (limit 600): the echo is intact" ||
    fail "gmtls client (limit 600): the echo differs"
m=$(max_len "$TMP/gs2.log" 'Sent Packet.*Application Data\(23\) .*length: ')
[ "$m" -eq 621 ] && pass "gnutls-serv cut its records at 600 (621 bytes on the wire)" ||
    fail "gnutls-serv's largest record to gmtls: $m bytes (want 621)"
stop_pid "$GN_PID"

finish
