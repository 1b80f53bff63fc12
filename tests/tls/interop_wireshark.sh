#!/usr/bin/env bash
# The NSS key log gmtls writes lets Wireshark decrypt a capture: tshark
# captures a gmtls client talking HTTP to `openssl s_server -www` on
# loopback, then decrypts it with only gmtls's key log (SSLKEYLOGFILE) and
# must show the HTTP request and response, for each standard suite.
set -uo pipefail
B=${GMTLS_BUILD:?}
T=$(mktemp -d)
pids=()
passed=0
failed=0
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
command -v tshark >/dev/null || { echo "FAIL tshark is not installed (scripts/setup.sh test installs it)"; echo "interop_wireshark: 0 passed, 1 failed"; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -subj /CN=localhost -days 2 2>/dev/null
# a kernel-picked port, read from s_server's "ACCEPT 127.0.0.1:PORT" line
port=0
openssl s_server -accept 127.0.0.1:0 -cert "$T/cert.pem" -key "$T/key.pem" -www -tls1_3 >"$T/s.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do
    if line=$(grep -m1 '^ACCEPT ' "$T/s.log" 2>/dev/null); then
        port=${line##*:}
        break
    fi
    sleep 0.1
done
[ "$port" != 0 ] || bad "openssl s_server did not start: $(cat "$T/s.log")"
# a port nobody listens on, for the capture probes: one the kernel gave out and took back
probe=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
    cap=$T/$suite.pcapng
    kl=$T/$suite.keys
    # No timing assumption: the capture is known to be running once a probe
    # (a SYN to a closed port, answered by RST) is in the file, and complete
    # once both FINs of the client's connection are.
    timeout 120 tshark -i lo -f "tcp port $port or tcp port $probe" -w "$cap" >"$T/tshark.log" 2>&1 &
    tp=$!
    running=0
    for _ in $(seq 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$probe") 2>/dev/null
        if [ "$(tshark -r "$cap" -Y "tcp.port == $probe" 2>/dev/null | wc -l)" -gt 0 ]; then
            running=1
            break
        fi
        sleep 0.2
    done
    [ "$running" = 1 ] || bad "$suite: tshark did not start capturing: $(cat "$T/tshark.log")"
    SSLKEYLOGFILE=$kl timeout 60 "$B/gmtls" client "127.0.0.1:$port" --insecure --ciphers "$suite" \
        --get "/gmtls-$suite" >"$T/client.log" 2>&1 || bad "$suite: gmtls client failed: $(cat "$T/client.log")"
    for _ in $(seq 300); do
        [ "$(tshark -r "$cap" -Y "tcp.port == $port && tcp.flags.fin == 1" 2>/dev/null | wc -l)" -ge 2 ] && break
        sleep 0.2
    done
    kill -INT "$tp" 2>/dev/null
    wait "$tp" 2>/dev/null
    [ -s "$kl" ] && ok "$suite: key log written ($(wc -l <"$kl") lines)" || bad "$suite: no key log"
    # Without the key log nothing is readable ...
    plain=$(tshark -r "$cap" -Y http -T fields -e http.request.uri 2>/dev/null)
    [ -z "$plain" ] && ok "$suite: capture is opaque without keys" || bad "$suite: HTTP visible without keys"
    # ... with it, the request and the response are.
    uri=$(tshark -r "$cap" -o "tls.keylog_file:$kl" -Y http.request -T fields -e http.request.uri 2>/dev/null)
    # s_server -www answers HTTP/1.0 without a length, which the HTTP
    # dissector never completes: look for it in the decrypted bytes instead.
    code=$(tshark -r "$cap" -o "tls.keylog_file:$kl" -x 2>/dev/null | grep -c 'HTTP/1.0 200 ok')
    [ "$uri" = "/gmtls-$suite" ] && ok "$suite: tshark decrypts the request ($uri)" || bad "$suite: request not decrypted: '$uri'"
    [ "$code" -gt 0 ] && ok "$suite: tshark decrypts the response (HTTP/1.0 200)" || bad "$suite: response not decrypted"
done
echo "interop_wireshark: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
