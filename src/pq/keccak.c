/*
 * src/pq/keccak.c - Keccak-f[1600] and the FIPS 202 functions ML-KEM uses
 * (SHA3-256, SHA3-512, SHAKE128, SHAKE256), portable C, no library
 * dependency. The permutation has no data-dependent branch or index, so
 * hashing secrets (seeds, messages, the implicit-rejection key) is
 * constant-time. Measured against libcrypto's EVP SHAKE/SHA3 on the ML-KEM
 * call pattern (many short inputs, a few blocks out): see
 * docs/ARCHITECTURE.md ("ML-KEM").
 */
#include <string.h>

#include "pq/pq_internal.h"
#include "sm/sm_internal.h"

static const uint64_t KECCAK_RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL, 0x8000000080008000ULL, 0x000000000000808BULL,
    0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008AULL, 0x0000000000000088ULL,
    0x0000000080008009ULL, 0x000000008000000AULL, 0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL,
    0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROL64(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

/* FIPS 202 §3.3: Keccak-p[1600, 24], lanes A[x + 5y]. theta, rho and pi,
 * chi, iota written out with the lanes in locals (rho offsets and the pi
 * permutation are constants, so nothing is indexed by data). */
void gmtls_keccak_f1600(uint64_t st[25])
{
    uint64_t a00 = st[0], a01 = st[1], a02 = st[2], a03 = st[3], a04 = st[4];
    uint64_t a05 = st[5], a06 = st[6], a07 = st[7], a08 = st[8], a09 = st[9];
    uint64_t a10 = st[10], a11 = st[11], a12 = st[12], a13 = st[13], a14 = st[14];
    uint64_t a15 = st[15], a16 = st[16], a17 = st[17], a18 = st[18], a19 = st[19];
    uint64_t a20 = st[20], a21 = st[21], a22 = st[22], a23 = st[23], a24 = st[24];
    for (int r = 0; r < 24; r++) {
        uint64_t c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
        uint64_t c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
        uint64_t c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
        uint64_t c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
        uint64_t c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
        uint64_t d0 = c4 ^ ROL64(c1, 1);
        uint64_t d1 = c0 ^ ROL64(c2, 1);
        uint64_t d2 = c1 ^ ROL64(c3, 1);
        uint64_t d3 = c2 ^ ROL64(c4, 1);
        uint64_t d4 = c3 ^ ROL64(c0, 1);
        /* theta, then rho + pi: B[y, 2x+3y] = ROT(A[x, y], r[x, y]) */
        uint64_t b00 = a00 ^ d0;
        uint64_t b01 = ROL64(a06 ^ d1, 44);
        uint64_t b02 = ROL64(a12 ^ d2, 43);
        uint64_t b03 = ROL64(a18 ^ d3, 21);
        uint64_t b04 = ROL64(a24 ^ d4, 14);
        uint64_t b05 = ROL64(a03 ^ d3, 28);
        uint64_t b06 = ROL64(a09 ^ d4, 20);
        uint64_t b07 = ROL64(a10 ^ d0, 3);
        uint64_t b08 = ROL64(a16 ^ d1, 45);
        uint64_t b09 = ROL64(a22 ^ d2, 61);
        uint64_t b10 = ROL64(a01 ^ d1, 1);
        uint64_t b11 = ROL64(a07 ^ d2, 6);
        uint64_t b12 = ROL64(a13 ^ d3, 25);
        uint64_t b13 = ROL64(a19 ^ d4, 8);
        uint64_t b14 = ROL64(a20 ^ d0, 18);
        uint64_t b15 = ROL64(a04 ^ d4, 27);
        uint64_t b16 = ROL64(a05 ^ d0, 36);
        uint64_t b17 = ROL64(a11 ^ d1, 10);
        uint64_t b18 = ROL64(a17 ^ d2, 15);
        uint64_t b19 = ROL64(a23 ^ d3, 56);
        uint64_t b20 = ROL64(a02 ^ d2, 62);
        uint64_t b21 = ROL64(a08 ^ d3, 55);
        uint64_t b22 = ROL64(a14 ^ d4, 39);
        uint64_t b23 = ROL64(a15 ^ d0, 41);
        uint64_t b24 = ROL64(a21 ^ d1, 2);
        /* chi, iota */
        a00 = b00 ^ (~b01 & b02) ^ KECCAK_RC[r];
        a01 = b01 ^ (~b02 & b03);
        a02 = b02 ^ (~b03 & b04);
        a03 = b03 ^ (~b04 & b00);
        a04 = b04 ^ (~b00 & b01);
        a05 = b05 ^ (~b06 & b07);
        a06 = b06 ^ (~b07 & b08);
        a07 = b07 ^ (~b08 & b09);
        a08 = b08 ^ (~b09 & b05);
        a09 = b09 ^ (~b05 & b06);
        a10 = b10 ^ (~b11 & b12);
        a11 = b11 ^ (~b12 & b13);
        a12 = b12 ^ (~b13 & b14);
        a13 = b13 ^ (~b14 & b10);
        a14 = b14 ^ (~b10 & b11);
        a15 = b15 ^ (~b16 & b17);
        a16 = b16 ^ (~b17 & b18);
        a17 = b17 ^ (~b18 & b19);
        a18 = b18 ^ (~b19 & b15);
        a19 = b19 ^ (~b15 & b16);
        a20 = b20 ^ (~b21 & b22);
        a21 = b21 ^ (~b22 & b23);
        a22 = b22 ^ (~b23 & b24);
        a23 = b23 ^ (~b24 & b20);
        a24 = b24 ^ (~b20 & b21);
    }
    st[0] = a00, st[1] = a01, st[2] = a02, st[3] = a03, st[4] = a04;
    st[5] = a05, st[6] = a06, st[7] = a07, st[8] = a08, st[9] = a09;
    st[10] = a10, st[11] = a11, st[12] = a12, st[13] = a13, st[14] = a14;
    st[15] = a15, st[16] = a16, st[17] = a17, st[18] = a18, st[19] = a19;
    st[20] = a20, st[21] = a21, st[22] = a22, st[23] = a23, st[24] = a24;
}

void gmtls_keccak_init(gmtls_keccak_ctx *c, unsigned rate)
{
    memset(c->st, 0, sizeof c->st);
    c->rate = rate;
    c->pos = 0;
}

static inline void xor_byte(uint64_t st[25], unsigned pos, uint8_t b)
{
    st[pos >> 3] ^= (uint64_t)b << (8 * (pos & 7));
}

void gmtls_keccak_absorb(gmtls_keccak_ctx *c, const uint8_t *in, size_t len)
{
    while (len > 0) {
        if (c->pos == 0) {
            /* whole blocks, a lane at a time */
            while (len >= c->rate) {
                for (unsigned i = 0; i < c->rate / 8; i++) {
                    c->st[i] ^= load_le64(in + 8 * i);
                }
                gmtls_keccak_f1600(c->st);
                in += c->rate;
                len -= c->rate;
            }
            if (len == 0) {
                break;
            }
        }
        xor_byte(c->st, c->pos++, *in++);
        len--;
        if (c->pos == c->rate) {
            gmtls_keccak_f1600(c->st);
            c->pos = 0;
        }
    }
}

/* FIPS 202 §6: pad10*1 after the domain bits (0x06 SHA-3, 0x1F SHAKE). */
void gmtls_keccak_finish(gmtls_keccak_ctx *c, uint8_t ds)
{
    xor_byte(c->st, c->pos, ds);
    xor_byte(c->st, c->rate - 1, 0x80);
    gmtls_keccak_f1600(c->st);
    c->pos = 0;
}

void gmtls_keccak_squeeze(gmtls_keccak_ctx *c, uint8_t *out, size_t len)
{
    while (len > 0) {
        if (c->pos == c->rate) {
            gmtls_keccak_f1600(c->st);
            c->pos = 0;
        }
        size_t n = c->rate - c->pos;
        if (n > len) {
            n = len;
        }
        size_t i = 0;
        /* whole lanes when aligned to a lane, then bytes */
        for (; (c->pos & 7) == 0 && i + 8 <= n; i += 8, c->pos += 8) {
            store_le64(out + i, c->st[c->pos >> 3]);
        }
        for (; i < n; i++, c->pos++) {
            out[i] = (uint8_t)(c->st[c->pos >> 3] >> (8 * (c->pos & 7)));
        }
        out += n;
        len -= n;
    }
}

static void keccak_oneshot(unsigned rate, uint8_t ds, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                           uint8_t *out, size_t outlen)
{
    gmtls_keccak_ctx c;
    gmtls_keccak_init(&c, rate);
    gmtls_keccak_absorb(&c, a, alen);
    gmtls_keccak_absorb(&c, b, blen);
    gmtls_keccak_finish(&c, ds);
    gmtls_keccak_squeeze(&c, out, outlen);
    gmtls_sm_wipe(&c, sizeof c);
}

void gmtls_sha3_256(const uint8_t *in, size_t len, uint8_t out[32])
{
    keccak_oneshot(136, 0x06, in, len, NULL, 0, out, 32);
}

void gmtls_sha3_512_2(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[64])
{
    keccak_oneshot(72, 0x06, a, alen, b, blen, out, 64);
}

void gmtls_shake256_2(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t *out, size_t outlen)
{
    keccak_oneshot(136, 0x1F, a, alen, b, blen, out, outlen);
}
