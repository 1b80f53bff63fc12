#!/usr/bin/env python3
"""tests/sm/sm2_ref_test.py - gmtls's SM2 key exchange (GB/T 32918.3-2016
§6.1) and SM2 encryption (GB/T 32918.4-2016 §6.1) against an independent
reference written here from the standards' text with Python integers
(affine points, pow(x, -1, p) inverses) and hashlib's SM3 (libcrypto):
random static and ephemeral keys, random and empty (= default) IDs, key
lengths of 1..300 bytes, random k and messages of 1..200 bytes. Every
value gmtls printed (K, S_A, S_B, C1 || C3 || C2) must be recomputed
exactly. Usage: sm2_ref_test.py <path to sm2_ref_dump> [cases]."""
import hashlib
import subprocess
import sys

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = P - 3
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
G = (0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
     0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0)
DEFAULT_ID = b"1234567812345678"


def sm3(*parts):
    h = hashlib.new("sm3")
    for p in parts:
        h.update(p)
    return h.digest()


def add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        if (y1 + y2) % P == 0:
            return None
        lam = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return (x3, (lam * (x1 - x3) - y1) % P)


def mul(k, pt):
    r = None
    while k:
        if k & 1:
            r = add(r, pt)
        pt = add(pt, pt)
        k >>= 1
    return r


def b32(v):
    return v.to_bytes(32, "big")


def kdf(z, klen):
    # GB/T 32918.4-2016 §5.4.3: Ha_i = H(Z || ct), ct from 1, 32 bits
    out = b""
    ct = 1
    while len(out) < klen:
        out += sm3(z, ct.to_bytes(4, "big"))
        ct += 1
    return out[:klen]


def za(ident, pub):
    # GB/T 32918.2-2016 §5.5: Z = H(ENTL || ID || a || b || xG || yG || x || y)
    return sm3((len(ident) * 8).to_bytes(2, "big"), ident, b32(A), b32(B), b32(G[0]), b32(G[1]), b32(pub[0]),
               b32(pub[1]))


def xbar(x):
    # §6.1 A4: w = ceil(ceil(log2 n) / 2) - 1 = 127
    w = 127
    return (1 << w) + (x & ((1 << w) - 1))


def kex(da, ra, db, rb, ida, idb, klen):
    pa, pb, RA, RB = mul(da, G), mul(db, G), mul(ra, G), mul(rb, G)
    zA, zB = za(ida, pa), za(idb, pb)
    # B: tB = (dB + x2bar rB) mod n; V = [h tB](PA + [x1bar]RA)
    tb = (db + xbar(RB[0]) * rb) % N
    V = mul(tb, add(pa, mul(xbar(RA[0]), RA)))
    # A: tA = (dA + x1bar rA) mod n; U = [h tA](PB + [x2bar]RB)
    ta = (da + xbar(RA[0]) * ra) % N
    U = mul(ta, add(pb, mul(xbar(RB[0]), RB)))
    assert U == V and U is not None
    K = kdf(b32(U[0]) + b32(U[1]) + zA + zB, klen)
    inner = sm3(b32(U[0]), zA, zB, b32(RA[0]), b32(RA[1]), b32(RB[0]), b32(RB[1]))
    SB = sm3(b"\x02", b32(U[1]), inner)
    SA = sm3(b"\x03", b32(U[1]), inner)
    return K, SA, SB


def enc(d, k, msg):
    pb = mul(d, G)
    c1 = mul(k, G)
    x2, y2 = mul(k, pb)
    t = kdf(b32(x2) + b32(y2), len(msg))
    assert any(t)
    c2 = bytes(m ^ s for m, s in zip(msg, t))
    c3 = sm3(b32(x2), msg, b32(y2))
    return b"\x04" + b32(c1[0]) + b32(c1[1]) + c3 + c2


def main():
    cases = sys.argv[2] if len(sys.argv) > 2 else "16"
    out = subprocess.run([sys.argv[1], cases], check=True, capture_output=True, text=True).stdout
    ok = bad = 0
    for line in out.splitlines():
        f = line.split()
        h = lambda s: b"" if s == "-" else bytes.fromhex(s)
        if f[0] == "kex":
            da, ra, db, rb = (int(x, 16) for x in f[1:5])
            ida, idb = h(f[5]) or DEFAULT_ID, h(f[6]) or DEFAULT_ID
            klen = int(f[7])
            want = kex(da, ra, db, rb, ida, idb, klen)
            got = (h(f[8]), h(f[9]), h(f[10]))
        else:
            want = enc(int(f[1], 16), int(f[2], 16), h(f[3]))
            got = h(f[4])
        if want == got:
            ok += 1
        else:
            bad += 1
            print("FAIL:", line[:120], file=sys.stderr)
    print("sm2_ref_test: %d passed, %d failed" % (ok, bad))
    sys.exit(0 if bad == 0 and ok > 0 else 1)


main()
