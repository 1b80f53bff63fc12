#!/usr/bin/env bash
# tests/cli/cli_browser.sh - a real browser: headless Chromium loads the
# `gmtls server --www` status page over TLS 1.3 from loopback.
#   --dump-dom: the rendered page names TLSv1.3, the suite, group, signature
#     scheme and ALPN; the group is X25519MLKEM768 (Chromium sends that
#     hybrid post-quantum share beside x25519, gmtls prefers it); every
#     connection Chromium made shows the same suite and group in the
#     server's access log, with result=ok; Chromium offers brotli
#     certificate compression (RFC 8879) and gets the chain compressed: the
#     page and every access log line say certcomp brotli
#   gmtls client with its defaults against the same server: X25519MLKEM768
#   --screenshot: $GMTLS_BUILD/artifacts/browser.png (1024x768) is kept as an
#     artifact; the test decodes it and checks that text was drawn on it
# Without the chromium package the test FAILS (scripts/setup.sh test installs it).
. "$(dirname "$0")/cli_lib.sh"

CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
    fail "chromium is not installed: run scripts/setup.sh test (Debian package 'chromium')"
    finish
fi
ART=$GMTLS_BUILD/artifacts
mkdir -p "$ART"
rm -f "$ART/browser.png" "$ART/browser-dom.html"

DEV=$TMP/dev
log=$TMP/www.log
start_server "$log" --www --dev-dir "$DEV" --alpn http/1.1 --workers 2

# chromium_run ARGS...: a fresh profile each time, network limited to loopback
chromium_run() {
    local prof
    prof=$(mktemp -d "$TMP/chromium.XXXXXX")
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --disable-default-apps \
        --disable-extensions --user-data-dir="$prof" --ignore-certificate-errors "$@"
}

dom=$ART/browser-dom.html
if chromium_run --dump-dom "https://127.0.0.1:$SRV_PORT/" >"$dom" 2>"$TMP/chromium-dom.err"; then
    pass "chromium --dump-dom exits 0"
else
    fail "chromium --dump-dom: exit status $?"
    tail -n 20 "$TMP/chromium-dom.err" | sed 's/^/    | /' >&2
fi
cell() {
    sed -n "s|.*<tr><th>$1</th><td>\([^<]*\)</td></tr>.*|\1|p" "$dom" | head -n 1
}
suite=$(cell 'cipher suite')
case "$suite" in
    TLS_AES_128_GCM_SHA256 | TLS_AES_256_GCM_SHA384 | TLS_CHACHA20_POLY1305_SHA256)
        pass "the page Chromium rendered names the suite: $suite" ;;
    *) fail "the rendered page names no TLS 1.3 suite (got '$suite')"; sed 's/^/    | /' "$dom" >&2 ;;
esac
expect_eq "rendered page: protocol" "$(cell protocol)" TLSv1.3
group=$(cell group)
expect_eq "rendered page: group (hybrid post-quantum, RFC 10024)" "$group" X25519MLKEM768
expect_eq "rendered page: signature scheme (ECDSA dev chain)" "$(cell 'signature scheme')" ecdsa_secp256r1_sha256
expect_eq "rendered page: ALPN" "$(cell ALPN)" http/1.1
expect_eq "rendered page: resumed" "$(cell resumed)" no
expect_grep "$dom" '<h1>gmtls server</h1>' "rendered page: heading"
# RFC 8879: the page names the algorithm and the sizes ("brotli, 1040 -> 657 bytes")
cc=$(cell 'certificate compression')
case "$cc" in
    "brotli, "*" bytes") pass "rendered page: certificate compressed by gmtls, decompressed by Chromium ($cc)" ;;
    *) fail "rendered page: certificate compression is '$cc', want brotli" ;;
esac

# the server's view of the same connections
wait_count "$log" ' result=' 1
n_all=$(count_lines "$log" ' result=')
n_same=$(count_lines "$log" " suite=$suite group=$group sigalg=ecdsa_secp256r1_sha256 ")
expect_eq "access log: every Chromium connection used $suite / $group" "$n_same" "$n_all"
expect_grep "$log" " suite=$suite group=$group sigalg=ecdsa_secp256r1_sha256 alpn=http/1.1 resumed=no in=[1-9][0-9]* " \
    "access log: the connection that carried the request agrees with the page"
expect_eq "access log: every Chromium connection got the brotli-compressed certificate" \
    "$(count_lines "$log" ' certcomp=brotli ')" "$n_all"
expect_eq "access log: no failed connection" "$(count_lines "$log" ' result=' | tr -d ' ')" \
    "$(count_lines "$log" ' result=ok$')"

# gmtls client with its shipped defaults negotiates the same hybrid group
out=$TMP/default-client.out
if timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --alpn http/1.1 --get / >"$out" 2>&1; then
    expect_grep "$out" '^group: X25519MLKEM768$' "gmtls client defaults: group X25519MLKEM768"
else
    fail "gmtls client with defaults: exit status $?"
    sed 's/^/    | /' "$out" >&2
fi
expect_grep "$log" " group=X25519MLKEM768 .* result=ok$" "access log: the default gmtls client used X25519MLKEM768"

# screenshot, kept as an artifact
png=$ART/browser.png
if chromium_run --screenshot="$png" --window-size=1024,768 --hide-scrollbars "https://127.0.0.1:$SRV_PORT/" \
    >"$TMP/chromium-shot.out" 2>"$TMP/chromium-shot.err"; then
    pass "chromium --screenshot exits 0"
else
    fail "chromium --screenshot: exit status $?"
    tail -n 20 "$TMP/chromium-shot.err" | sed 's/^/    | /' >&2
fi
# decode the PNG (stdlib only) and look for drawn text: dark pixels on many rows
if python3 - "$png" >"$TMP/png.out" 2>&1 <<'EOF'; then
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, hdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        hdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
assert depth == 8 and ctype in (2, 6) and interlace == 0, "unexpected PNG format %r" % (hdr,)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows_with_ink = bytearray(stride), 0
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if any(line[x] < 96 and line[x + 1] < 96 and line[x + 2] < 96 for x in range(0, stride, bpp)):
        rows_with_ink += 1
    prev = line
print("%dx%d, %d rows with dark pixels" % (w, h, rows_with_ink))
assert (w, h) == (1024, 768), "size %dx%d" % (w, h)
assert rows_with_ink >= 60, "too little text drawn"
EOF
    pass "screenshot: $(cat "$TMP/png.out")"
else
    fail "screenshot $png: $(tail -n 1 "$TMP/png.out")"
fi
echo "screenshot kept as $png"
stop_pid "$SRV_PID"

finish
