#!/usr/bin/env bash
# tests/cli/cli_bench.sh - `gmtls bench`:
#   --quick --seconds 1 --json --svg: one JSON array that Python's json
#     module parses; every record has the documented fields and a positive
#     value; gmtls AND openssl records for full-handshake (server side),
#     resumed-handshake, record-throughput, memory-per-connection and
#     time-to-first-byte (a client without TCP_NODELAY: gmtls's median under
#     30 ms, i.e. no ~40 ms Nagle/delayed-ACK stall); the ShangMi rows are gmtls's (OpenSSL's stand-ins are marked); raw EVP
#     AES-128-GCM records (api "evp") beside the record rows; the SVG is
#     well-formed XML with a bar per figure (kept in build/artifacts/)
#   one custom configuration (--ciphers/--groups/--cert-type) for P-384 and
#     RSA-2048: both libraries negotiate what was asked
#   the TLCP rows (--ciphers ECC_SM4_GCM_SM3 / ECC_SM4_CBC_SM3): gmtls's
#     full and resumed figures beside OpenSSL's TLS 1.2 stand-in
#   the table; bad arguments exit 2
#   gmtls speed all --json (GMTLS_CPU=portable): every item for gmtls and its
#     OpenSSL reference (aes-128-gcm ceiling, ecdh-p256), the path reported
. "$(dirname "$0")/cli_lib.sh"

ART=$GMTLS_BUILD/artifacts
mkdir -p "$ART"
json=$ART/bench.json
svg=$ART/bench.svg
rm -f "$json" "$svg"

t0=$(now_ms)
if timeout 120 "$GMTLS" bench --quick --seconds 1 --json --svg "$svg" >"$json" 2>"$TMP/bench.err"; then
    pass "gmtls bench --quick --seconds 1 --json exits 0 ($(($(now_ms) - t0)) ms)"
else
    fail "gmtls bench --json: exit status $?"
    tail -n 20 "$TMP/bench.err" | sed 's/^/    | /' >&2
fi
expect_grep "$TMP/bench.err" '^gmtls bench: \[[0-9]+/[0-9]+\] ' "progress lines on stderr"

if python3 - "$json" >"$TMP/json.out" 2>&1 <<'PY'; then
import json, sys
recs = json.load(open(sys.argv[1]))
assert isinstance(recs, list) and recs, "not a non-empty JSON array"
fields = ["name", "impl", "unit", "value", "suite", "group", "sigalg", "side", "record_size", "cpu_path"]
units = {"full-handshake": "handshakes/s", "resumed-handshake": "handshakes/s",
         "record-throughput": "MB/s", "memory-per-connection": "bytes", "memory-mid-handshake": "bytes",
         "time-to-first-byte": "ms"}
for r in recs:
    for f in fields:
        assert f in r, "record without %s: %r" % (f, r)
    assert r["impl"] in ("gmtls", "openssl", "libgcrypt"), r
    assert r["side"] in ("server", "client"), r
    assert units.get(r["name"]) == r["unit"], r
    assert isinstance(r["value"], (int, float)) and r["value"] > 0, r
    if r["name"] == "record-throughput":
        assert r["record_size"] == 16384, r
def have(name, impl, side=None, suite=None):
    return [r for r in recs if r["name"] == name and r["impl"] == impl and (side is None or r["side"] == side)
            and (suite is None or r["suite"] == suite)]
for name in units:
    for impl in ("gmtls", "openssl"):
        for side in ("server",) if name == "time-to-first-byte" else ("server", "client"):
            assert have(name, impl, side), "no %s record for %s, %s side" % (name, impl, side)
# time to first byte for a client without TCP_NODELAY: the server answers the
# client Finished at once (tickets), so no delayed-ACK stall (~40 ms) is paid
ttfb = [r for r in have("time-to-first-byte", "gmtls") if r["statistic"] == "median" and not r["client_nodelay"]]
assert len(ttfb) == 2 and {r["suite"] for r in ttfb} == {"TLS_AES_128_GCM_SHA256", "TLS_SM4_GCM_SM3"}, ttfb
for r in ttfb:
    assert r["value"] < 30, "time to first byte %.1f ms: a Nagle/delayed-ACK stall? %r" % (r["value"], r)
# ShangMi rows: gmtls's own figures, and OpenSSL's marked stand-in beside them
for name in ("full-handshake", "resumed-handshake", "memory-per-connection"):
    sm = have(name, "gmtls", "server", "TLS_SM4_GCM_SM3")
    assert sm and sm[0]["group"] == "curveSM2", "no gmtls SM %s record" % name
    if name == "full-handshake":
        assert sm[0]["sigalg"] == "sm2sig_sm3", sm[0]
    stand = [r for r in have(name, "openssl", "server") if r.get("stand_in_for") == "TLS_SM4_GCM_SM3"]
    assert stand and stand[0]["suite"].startswith("TLS_AES"), "no OpenSSL stand-in for SM in %s" % name
assert have("record-throughput", "gmtls", "server", "TLS_SM4_GCM_SM3"), "no SM4-GCM record throughput"
assert not [r for r in recs if r["impl"] == "openssl" and "SM4" in r["suite"]], "OpenSSL SM figures?"
# the record layer's ceiling: raw EVP AES-128-GCM over the same records, both directions
evp = [r for r in recs if r.get("api") == "evp"]
assert {r["side"] for r in evp if r["suite"] == "TLS_AES_128_GCM_SHA256" and r["aead"] == "AES-128-GCM"
        and r["name"] == "record-throughput" and r["impl"] == "openssl"} == {"server", "client"}, "no raw EVP rows"
assert not [r for r in evp if "SM4" in r["suite"]], "EVP rows for a ShangMi suite?"
full = have("full-handshake", "gmtls", "server", "TLS_AES_128_GCM_SHA256")[0]
assert full["group"] == "x25519" and full["sigalg"] == "ecdsa_secp256r1_sha256", full
for r in have("memory-per-connection", "gmtls") + have("memory-per-connection", "openssl"):
    assert 500 < r["value"] < 1e6, "implausible memory figure %r" % r
print("%d records; full-handshake server: gmtls %.0f/s, openssl %.0f/s; memory server: gmtls %.0f B, openssl %.0f B"
      % (len(recs), full["value"], have("full-handshake", "openssl", "server", "TLS_AES_128_GCM_SHA256")[0]["value"],
         have("memory-per-connection", "gmtls", "server")[0]["value"],
         have("memory-per-connection", "openssl", "server")[0]["value"]))
PY
    pass "bench JSON: $(tail -n 1 "$TMP/json.out")"
else
    fail "bench JSON: $(tail -n 3 "$TMP/json.out" | tr '\n' ' ')"
fi

if python3 - "$svg" >"$TMP/svg.out" 2>&1 <<'PY'; then
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
rects = root.findall(".//" + ns + "rect")
texts = "".join(t.text or "" for t in root.iter(ns + "text"))
# quick run: 4 metrics x 2 sides x 2 rows x 2 bars, plus background and legend
assert len(rects) >= 4 * 2 * 2 * 2, "only %d bars" % len(rects)
for word in ("gmtls", "OpenSSL", "Full handshakes/s", "Memory per connection", "TLS_SM4_GCM_SM3"):
    assert word in texts, "no '%s' in the chart" % word
print("%d rects" % len(rects))
PY
    pass "bench SVG is well-formed with bars and labels ($(cat "$TMP/svg.out"))"
else
    fail "bench SVG: $(tail -n 3 "$TMP/svg.out" | tr '\n' ' ')"
fi

# custom configurations: both libraries negotiate what was asked
for spec in "TLS_AES_256_GCM_SHA384 secp384r1 ecdsa-p384 ecdsa_secp384r1_sha384" \
    "TLS_CHACHA20_POLY1305_SHA256 x25519 rsa2048 rsa_pss_rsae_sha256" \
    "TLS_AES_128_GCM_SHA256 secp256r1 ed25519 ed25519"; do
    read -r suite group cert sig <<<"$spec"
    out=$TMP/custom-$cert.json
    if timeout 60 "$GMTLS" bench --ciphers "$suite" --groups "$group" --cert-type "$cert" --only full,bulk \
        --seconds 0.2 --json >"$out" 2>"$TMP/custom.err"; then
        n=$(python3 -c '
import json, sys
suite, group, sig = sys.argv[2:5]
recs = json.load(open(sys.argv[1]))
ok = [r for r in recs if r["name"] == "full-handshake" and r["suite"] == suite and r["group"] == group
      and r["sigalg"] == sig]
bulk = [r for r in recs if r["name"] == "record-throughput" and r["suite"] == suite]
print(len(set(r["impl"] for r in ok)) + len(set(r["impl"] for r in bulk)))' "$out" "$suite" "$group" "$sig")
        expect_eq "bench --ciphers $suite --groups $group --cert-type $cert: both libraries, handshake and records" "$n" 4
    else
        fail "bench --cert-type $cert: exit status $?"
        tail -n 10 "$TMP/custom.err" | sed 's/^/    | /' >&2
    fi
done

# the TLS 1.2 row: a TLS 1.2 handshake (full and resumed by ticket) for both libraries
out=$TMP/custom-tls12.json
if timeout 60 "$GMTLS" bench --ciphers TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 --groups x25519 \
    --cert-type ecdsa-p256 --only full,resumed --seconds 0.2 --json >"$out" 2>"$TMP/custom.err"; then
    n=$(python3 -c '
import json, sys
recs = json.load(open(sys.argv[1]))
ok = [r for r in recs if r["name"] in ("full-handshake", "resumed-handshake")
      and r["suite"] == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" and (r["value"] or 0) > 0]
print(len(set((r["name"], r["impl"], r["side"]) for r in ok)))' "$out")
    expect_eq "bench TLS 1.2 row: both libraries, both sides, full and resumed handshakes" "$n" 8
else
    fail "bench TLS 1.2 row: exit status $?"
    tail -n 10 "$TMP/custom.err" | sed 's/^/    | /' >&2
fi

# the TLCP rows: gmtls's TLCP handshakes (full and resumed by session ID),
# OpenSSL's TLS 1.2 ECDHE-ECDSA with session IDs standing in (it has no TLCP)
for suite in ECC_SM4_GCM_SM3 ECC_SM4_CBC_SM3; do
    out=$TMP/custom-tlcp.json
    if timeout 60 "$GMTLS" bench --ciphers "$suite" --only full,resumed --seconds 0.2 --json >"$out" \
        2>"$TMP/custom.err"; then
        n=$(python3 -c '
import json, sys
recs = json.load(open(sys.argv[1]))
s = sys.argv[2]
gm = [r for r in recs if r["impl"] == "gmtls" and r["suite"] == s and r["cert"] == "sm2" and (r["value"] or 0) > 0]
os_ = [r for r in recs if r["impl"] == "openssl" and r.get("stand_in_for") == s
       and r["suite"] == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" and (r["value"] or 0) > 0]
print(len(set((r["name"], r["impl"], r["side"]) for r in gm + os_)))' "$out" "$suite")
        expect_eq "bench TLCP $suite row: gmtls and the TLS 1.2 stand-in, both sides, full and resumed" "$n" 8
    else
        fail "bench TLCP $suite row: exit status $?"
        tail -n 10 "$TMP/custom.err" | sed 's/^/    | /' >&2
    fi
done

# the table
if timeout 60 "$GMTLS" bench --quick --only full --seconds 0.2 >"$TMP/table.out" 2>&1; then
    expect_grep "$TMP/table.out" '^x25519 ECDSA P-256 TLS_AES_128_GCM_SHA256 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ +[0-9.]+$' \
        "table: a standard row with both libraries and the ratios"
    expect_grep "$TMP/table.out" '^curveSM2 SM2 TLS_SM4_GCM_SM3 +[0-9]+ +[0-9]+ +\*[0-9]+ +\*[0-9]+ .*\*openssl: TLS_AES_128_GCM_SHA256' \
        "table: the SM row beside OpenSSL's starred standard figures"
else
    fail "gmtls bench table: exit status $?"
fi
if timeout 60 "$GMTLS" bench --quick --only bulk --seconds 0.2 >"$TMP/bulk.out" 2>&1; then
    expect_grep "$TMP/bulk.out" '^TLS_AES_128_GCM_SHA256 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ +[0-9.]+  \(AES-128-GCM\)$' \
        "table: gmtls records beside raw EVP AES-128-GCM with the ratios"
else
    fail "gmtls bench --only bulk: exit status $?"
fi
# gmtls speed: every item with its references, from one run
if GMTLS_CPU=portable timeout 120 "$GMTLS" speed all --seconds 0.05 --json >"$TMP/speed.json" 2>"$TMP/speed.err" &&
    python3 - "$TMP/speed.json" >"$TMP/speed.out" 2>&1 <<'PY'; then
import json, sys
recs = json.load(open(sys.argv[1]))
have = {(r["name"], r["impl"]) for r in recs}
for r in recs:
    assert {"name", "impl", "unit", "value", "cpu_path", "size"} <= set(r), r
    assert r["value"] > 0 and r["cpu_path"] == "portable", r
    assert r["unit"] == ("ops/s" if "ecdh" in r["name"] or r["name"].startswith(("sm2", "mlkem")) else "MB/s"), r
want = [("sm3", "openssl"), ("sm4-ecb", "openssl"), ("sm4-ctr", "openssl"), ("sm2-sign", "openssl"),
        ("sm2-verify", "openssl"), ("sm2-ecdh", "openssl"), ("aes-128-gcm", "openssl"), ("ecdh-p256", "openssl"),
        ("sm2-encrypt", "openssl"), ("sm2-decrypt", "openssl")]
want += [(n, "gmtls") for n in ("sm3", "sm4-ecb", "sm4-ctr", "sm4-gcm", "sm4-ccm", "sm2-sign", "sm2-verify", "sm2-ecdh",
                                "sm2-encrypt", "sm2-decrypt", "sm2-kex")]
# ML-KEM-768 rows, each beside one libcrypto X25519 key pair + shared secret
want += [(n, i) for n in ("mlkem768-keygen", "mlkem768-encaps", "mlkem768-decaps") for i in ("gmtls", "openssl")]
missing = [w for w in want if w not in have]
assert not missing, "missing %r" % missing
print("%d records" % len(recs))
PY
    pass "speed all --json: every item beside its OpenSSL reference, cpu path forced ($(cat "$TMP/speed.out"))"
else
    fail "speed all --json: $(tail -n 3 "$TMP/speed.out" "$TMP/speed.err" 2>/dev/null | tr '\n' ' ')"
fi
if timeout 60 "$GMTLS" speed sm2-ecdh --seconds 0.05 >"$TMP/speed.txt" 2>&1; then
    expect_grep "$TMP/speed.txt" '^ecdh-p256 .*\(reference: gmtls sm2-ecdh [0-9.]+x\)$' \
        "speed table: OpenSSL's P-256 exchange beside sm2-ecdh with the ratio"
else
    fail "speed sm2-ecdh: exit status $?"
fi

timeout 10 "$GMTLS" bench --cert-type bogus >/dev/null 2>&1
expect_eq "bench --cert-type bogus exits 2" "$?" 2
timeout 10 "$GMTLS" bench --seconds 0 >/dev/null 2>&1
expect_eq "bench --seconds 0 exits 2" "$?" 2

finish
