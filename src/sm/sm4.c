/*
 * src/sm/sm4.c - SM4 (GB/T 32907-2016): key schedule and the portable,
 * constant-time block function.
 *
 * The S-box is evaluated as a Boolean circuit on bitsliced data, never
 * through a table indexed by secret bytes. GB/T 32907's S-box is affine-
 * equivalent to inversion in GF(2^8):
 *
 *     S(x) = A * inv(A * x + 0xD3) + 0xD3   in GF(2)[t]/(t^8+t^7+t^6+t^5+t^4+t^2+1),
 *
 * with A the 8x8 bit matrix whose rows (output bit i, LSB first) are
 * a7 4f 9e 3d 7a f4 e9 d3. The inversion is computed in the isomorphic
 * tower field GF((2^4)^2) = GF(16)[y]/(y^2 + y + 8), GF(16) = GF(2)[z]/(z^4+z+1):
 * (a1*y + a0)^-1 = (a1*d^-1)*y + (a0+a1)*d^-1, d = 8*a1^2 + a1*a0 + a0^2,
 * d^-1 = d^14. The change of basis into the tower field is folded into the
 * input affine map (rows d8 65 be e3 93 40 c4 7f, constant ac) and the map
 * back into the output affine map (rows 93 45 e4 95 1a ba 57 19, constant
 * d3). tests/sm/sm4_test.c re-derives the decomposition with a reference
 * GF(2^8) inversion and checks the circuit against the standard's table
 * for all 256 inputs.
 *
 * Bitsliced layout: 16 blocks at a time. For each of the four state words
 * X_w and each bit k (0 = LSB) of a byte, one uint64_t "plane" holds bit k
 * of the byte of significance j (0 = least significant byte of the big-
 * endian word) of block b at bit position 16*j + b. A 32-bit rotation by
 * 8 bits is then a 64-bit rotation by 16, and a rotation by 2 moves planes.
 */
#include <string.h>

#include "sm_internal.h"

/* GB/T 32907-2016 §6.2 Table 1: the S-box (reference data; NOT used by the
 * default code path, only by tests). */
const uint8_t gmtls_sm4_sbox_table[256] = {
    0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7, 0x16, 0xb6, 0x14, 0xc2, 0x28, 0xfb, 0x2c, 0x05,
    0x2b, 0x67, 0x9a, 0x76, 0x2a, 0xbe, 0x04, 0xc3, 0xaa, 0x44, 0x13, 0x26, 0x49, 0x86, 0x06, 0x99,
    0x9c, 0x42, 0x50, 0xf4, 0x91, 0xef, 0x98, 0x7a, 0x33, 0x54, 0x0b, 0x43, 0xed, 0xcf, 0xac, 0x62,
    0xe4, 0xb3, 0x1c, 0xa9, 0xc9, 0x08, 0xe8, 0x95, 0x80, 0xdf, 0x94, 0xfa, 0x75, 0x8f, 0x3f, 0xa6,
    0x47, 0x07, 0xa7, 0xfc, 0xf3, 0x73, 0x17, 0xba, 0x83, 0x59, 0x3c, 0x19, 0xe6, 0x85, 0x4f, 0xa8,
    0x68, 0x6b, 0x81, 0xb2, 0x71, 0x64, 0xda, 0x8b, 0xf8, 0xeb, 0x0f, 0x4b, 0x70, 0x56, 0x9d, 0x35,
    0x1e, 0x24, 0x0e, 0x5e, 0x63, 0x58, 0xd1, 0xa2, 0x25, 0x22, 0x7c, 0x3b, 0x01, 0x21, 0x78, 0x87,
    0xd4, 0x00, 0x46, 0x57, 0x9f, 0xd3, 0x27, 0x52, 0x4c, 0x36, 0x02, 0xe7, 0xa0, 0xc4, 0xc8, 0x9e,
    0xea, 0xbf, 0x8a, 0xd2, 0x40, 0xc7, 0x38, 0xb5, 0xa3, 0xf7, 0xf2, 0xce, 0xf9, 0x61, 0x15, 0xa1,
    0xe0, 0xae, 0x5d, 0xa4, 0x9b, 0x34, 0x1a, 0x55, 0xad, 0x93, 0x32, 0x30, 0xf5, 0x8c, 0xb1, 0xe3,
    0x1d, 0xf6, 0xe2, 0x2e, 0x82, 0x66, 0xca, 0x60, 0xc0, 0x29, 0x23, 0xab, 0x0d, 0x53, 0x4e, 0x6f,
    0xd5, 0xdb, 0x37, 0x45, 0xde, 0xfd, 0x8e, 0x2f, 0x03, 0xff, 0x6a, 0x72, 0x6d, 0x6c, 0x5b, 0x51,
    0x8d, 0x1b, 0xaf, 0x92, 0xbb, 0xdd, 0xbc, 0x7f, 0x11, 0xd9, 0x5c, 0x41, 0x1f, 0x10, 0x5a, 0xd8,
    0x0a, 0xc1, 0x31, 0x88, 0xa5, 0xcd, 0x7b, 0xbd, 0x2d, 0x74, 0xd0, 0x12, 0xb8, 0xe5, 0xb4, 0xb0,
    0x89, 0x69, 0x97, 0x4a, 0x0c, 0x96, 0x77, 0x7e, 0x65, 0xb9, 0xf1, 0x09, 0xc5, 0x6e, 0xc6, 0x84,
    0x18, 0xf0, 0x7d, 0xec, 0x3a, 0xdc, 0x4d, 0x20, 0x79, 0xee, 0x5f, 0x3e, 0xd7, 0xcb, 0x39, 0x48,
};

/* ------------------------------------------------------ S-box circuit */

/* GF(16) = GF(2)[z]/(z^4 + z + 1) product of bitsliced nibbles. */
static inline void gf16_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t p0 = a[0] & b[0];
    uint64_t p1 = (a[0] & b[1]) ^ (a[1] & b[0]);
    uint64_t p2 = (a[0] & b[2]) ^ (a[1] & b[1]) ^ (a[2] & b[0]);
    uint64_t p3 = (a[0] & b[3]) ^ (a[1] & b[2]) ^ (a[2] & b[1]) ^ (a[3] & b[0]);
    uint64_t p4 = (a[1] & b[3]) ^ (a[2] & b[2]) ^ (a[3] & b[1]);
    uint64_t p5 = (a[2] & b[3]) ^ (a[3] & b[2]);
    uint64_t p6 = a[3] & b[3];
    /* z^4 = z + 1, z^5 = z^2 + z, z^6 = z^3 + z^2 */
    r[0] = p0 ^ p4;
    r[1] = p1 ^ p4 ^ p5;
    r[2] = p2 ^ p5 ^ p6;
    r[3] = p3 ^ p6;
}

/* Squaring in GF(16) is linear: (a0 + a1 z + a2 z^2 + a3 z^3)^2. */
static inline void gf16_sqr(uint64_t r[4], const uint64_t a[4])
{
    uint64_t r0 = a[0] ^ a[2], r1 = a[2], r2 = a[1] ^ a[3], r3 = a[3];
    r[0] = r0;
    r[1] = r1;
    r[2] = r2;
    r[3] = r3;
}

/* Apply the SM4 S-box to 64 bytes at once: x[k] holds bit k of each. */
static inline void sbox_bs(uint64_t x[8])
{
    uint64_t u[8], dl[4], d[4], d2[4], d4[4], d8[4], t[4], di[4], a01[4], o[8];
    /* Input affine map: tower-basis image of A*x + 0xD3. */
    u[0] = x[3] ^ x[4] ^ x[6] ^ x[7];
    u[1] = x[0] ^ x[2] ^ x[5] ^ x[6];
    u[2] = ~(x[1] ^ x[2] ^ x[3] ^ x[4] ^ x[5] ^ x[7]);
    u[3] = ~(x[0] ^ x[1] ^ x[5] ^ x[6] ^ x[7]);
    u[4] = x[0] ^ x[1] ^ x[4] ^ x[7];
    u[5] = ~x[6];
    u[6] = x[2] ^ x[6] ^ x[7];
    u[7] = ~(x[0] ^ x[1] ^ x[2] ^ x[3] ^ x[4] ^ x[5] ^ x[6]);
    /* d = 8*a1^2 + a0^2 (linear part, dl) + a1*a0, with a0 = u[0..3], a1 = u[4..7] */
    dl[0] = u[0] ^ u[2] ^ u[6];
    dl[1] = u[2] ^ u[5] ^ u[6] ^ u[7];
    dl[2] = u[1] ^ u[3] ^ u[5];
    dl[3] = u[3] ^ u[4] ^ u[6] ^ u[7];
    gf16_mul(d, u, u + 4);
    d[0] ^= dl[0];
    d[1] ^= dl[1];
    d[2] ^= dl[2];
    d[3] ^= dl[3];
    /* d^-1 = d^14 = d^2 * d^4 * d^8 (0 maps to 0, as inversion must) */
    gf16_sqr(d2, d);
    gf16_sqr(d4, d2);
    gf16_sqr(d8, d4);
    gf16_mul(t, d2, d4);
    gf16_mul(di, t, d8);
    /* out = (a0 + a1) * d^-1 + (a1 * d^-1) * y */
    a01[0] = u[0] ^ u[4];
    a01[1] = u[1] ^ u[5];
    a01[2] = u[2] ^ u[6];
    a01[3] = u[3] ^ u[7];
    gf16_mul(o, a01, di);
    gf16_mul(o + 4, u + 4, di);
    /* Output affine map: A * (tower -> polynomial basis) + 0xD3. */
    x[0] = ~(o[0] ^ o[1] ^ o[4] ^ o[7]);
    x[1] = ~(o[0] ^ o[2] ^ o[6]);
    x[2] = o[2] ^ o[5] ^ o[6] ^ o[7];
    x[3] = o[0] ^ o[2] ^ o[4] ^ o[7];
    x[4] = ~(o[1] ^ o[3] ^ o[4]);
    x[5] = o[1] ^ o[3] ^ o[4] ^ o[5] ^ o[7];
    x[6] = ~(o[0] ^ o[1] ^ o[2] ^ o[4] ^ o[6]);
    x[7] = ~(o[0] ^ o[3] ^ o[4]);
}

static inline uint64_t transpose8(uint64_t x);

/* tau applied to the four bytes of a word, in constant time: the bytes go
 * into lanes 0..3 of the bitsliced circuit by one 8x8 bit transpose and
 * come back by another. */
static uint32_t sbox_word_ct(uint32_t w)
{
    uint64_t x[8];
    uint64_t t = transpose8((uint64_t)w); /* byte k: bit k of each input byte */
    for (int k = 0; k < 8; k++) {
        x[k] = (t >> (8 * k)) & 0xff;
    }
    sbox_bs(x);
    t = 0;
    for (int k = 0; k < 8; k++) {
        t |= (x[k] & 0xff) << (8 * k);
    }
    uint32_t r = (uint32_t)transpose8(t); /* lanes 4..7 (inputs 0) fall away */
    gmtls_sm_wipe(x, sizeof x);
    return r;
}

uint8_t gmtls_sm4_sbox_ct(uint8_t v)
{
    return (uint8_t)sbox_word_ct(v);
}

/* --------------------------------------------------------- key schedule */

/* GB/T 32907-2016 §7.3: FK0..FK3 */
static const uint32_t sm4_fk[4] = {0xa3b1bac6u, 0x56aa3350u, 0x677d9197u, 0xb27022dcu};

#ifdef GMTLS_SM_HAVE_X86
#include <immintrin.h>
/* tau with GFNI (the maps of sm_internal.h): two instructions, no table. */
__attribute__((target("gfni,sse2"))) static uint32_t sbox_word_gfni(uint32_t w)
{
    __m128i v = _mm_cvtsi32_si128((int)w);
    v = _mm_gf2p8affine_epi64_epi8(v, _mm_set1_epi64x((long long)GMTLS_SM4_GFNI_PRE), GMTLS_SM4_GFNI_PRE_C);
    v = _mm_gf2p8affineinv_epi64_epi8(v, _mm_set1_epi64x((long long)GMTLS_SM4_GFNI_POST), GMTLS_SM4_GFNI_POST_C);
    return (uint32_t)_mm_cvtsi128_si32(v);
}
#endif

void gmtls_sm4_set_key(gmtls_sm4_key *ks, const uint8_t key[GMTLS_SM4_KEY_LEN])
{
    uint32_t k[4];
    uint32_t (*tau)(uint32_t) = sbox_word_ct;
#ifdef GMTLS_SM_HAVE_X86
    /* the GFNI paths (and their forced selection through GMTLS_CPU) */
    if (strncmp(gmtls_sm_impl_get()->name, "gfni", 4) == 0) {
        tau = sbox_word_gfni;
    }
#endif
    /* GB/T 32907-2016 §7.3: (K0,K1,K2,K3) = (MK0^FK0, MK1^FK1, MK2^FK2, MK3^FK3) */
    for (int i = 0; i < 4; i++) {
        k[i] = gmtls_sm_load_be32(key + 4 * i) ^ sm4_fk[i];
    }
    for (int i = 0; i < 32; i++) {
        /* GB/T 32907-2016 §7.3: ck_{i,j} = (4i + j) * 7 mod 256 */
        uint32_t ck = 0;
        for (int j = 0; j < 4; j++) {
            ck = (ck << 8) | (uint32_t)(((4 * i + j) * 7) & 0xff);
        }
        /* GB/T 32907-2016 §7.3: rk_i = K_{i+4} = K_i ^ T'(K_{i+1} ^ K_{i+2} ^ K_{i+3} ^ CK_i),
         * T' = L'(tau(.)), L'(B) = B ^ (B <<< 13) ^ (B <<< 23) */
        uint32_t b = tau(k[(i + 1) & 3] ^ k[(i + 2) & 3] ^ k[(i + 3) & 3] ^ ck);
        uint32_t rk = k[i & 3] ^ b ^ gmtls_sm_rotl32(b, 13) ^ gmtls_sm_rotl32(b, 23);
        k[i & 3] = rk;
        ks->rk_enc[i] = rk;
        /* GB/T 32907-2016 §7.2: decryption uses the round keys in reverse order */
        ks->rk_dec[31 - i] = rk;
    }
    gmtls_sm_wipe(k, sizeof k);
}

void gmtls_sm4_key_clear(gmtls_sm4_key *ks)
{
    gmtls_sm_wipe(ks, sizeof *ks);
}

/* ------------------------------------------------------ bitsliced core */

/* 8x8 bit-matrix transpose: bit k of byte i <-> bit i of byte k. */
static inline uint64_t transpose8(uint64_t x)
{
    uint64_t t;
    t = (x ^ (x >> 7)) & 0x00aa00aa00aa00aaull;
    x ^= t ^ (t << 7);
    t = (x ^ (x >> 14)) & 0x0000cccc0000ccccull;
    x ^= t ^ (t << 14);
    t = (x ^ (x >> 28)) & 0x00000000f0f0f0f0ull;
    x ^= t ^ (t << 28);
    return x;
}

static inline uint64_t rotl64(uint64_t x, unsigned n)
{
    return (x << n) | (x >> (64 - n));
}

/* 16 blocks (256 bytes) -> st[word][bit plane]. */
static void bs_pack(uint64_t st[4][8], const uint8_t *in)
{
    for (int w = 0; w < 4; w++) {
        for (int k = 0; k < 8; k++) {
            st[w][k] = 0;
        }
        for (int c = 0; c < 8; c++) {
            int j = c >> 1, b0 = (c & 1) * 8;
            uint64_t v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (uint64_t)in[16 * (b0 + i) + 4 * w + 3 - j] << (8 * i);
            }
            v = transpose8(v);
            for (int k = 0; k < 8; k++) {
                st[w][k] |= ((v >> (8 * k)) & 0xff) << (8 * c);
            }
        }
    }
}

/* Inverse of bs_pack, writing words in the order src[0..3]. */
static void bs_unpack(uint8_t *out, uint64_t st[4][8], const int order[4])
{
    for (int w = 0; w < 4; w++) {
        const uint64_t *pl = st[order[w]];
        for (int c = 0; c < 8; c++) {
            int j = c >> 1, b0 = (c & 1) * 8;
            uint64_t v = 0;
            for (int k = 0; k < 8; k++) {
                v |= ((pl[k] >> (8 * c)) & 0xff) << (8 * k);
            }
            v = transpose8(v);
            for (int i = 0; i < 8; i++) {
                out[16 * (b0 + i) + 4 * w + 3 - j] = (uint8_t)(v >> (8 * i));
            }
        }
    }
}

/* Round keys broadcast to every block lane: rkb[i][k] has, in each 16-bit
 * byte-significance group j, all ones iff bit k of byte j of rk[i] is set. */
static void bs_round_keys(uint64_t rkb[32][8], const uint32_t rk[32])
{
    for (int i = 0; i < 32; i++) {
        for (int k = 0; k < 8; k++) {
            uint64_t v = 0;
            for (int j = 0; j < 4; j++) {
                uint64_t bit = (rk[i] >> (8 * j + k)) & 1;
                v |= ((uint64_t)0 - bit) & ((uint64_t)0xffff << (16 * j));
            }
            rkb[i][k] = v;
        }
    }
}

/* One round: x0 ^= L(tau(x1 ^ x2 ^ x3 ^ rk)). */
static inline void bs_round(uint64_t x0[8], const uint64_t x1[8], const uint64_t x2[8],
                            const uint64_t x3[8], const uint64_t rkb[8])
{
    uint64_t t[8], r[8];
    for (int k = 0; k < 8; k++) {
        t[k] = x1[k] ^ x2[k] ^ x3[k] ^ rkb[k];
    }
    sbox_bs(t);
    /* GB/T 32907-2016 §6.2: L(B) = B ^ (B<<<2) ^ (B<<<10) ^ (B<<<18) ^ (B<<<24);
     * r = B <<< 2 here, and <<< 8 on words is a 16-bit lane rotation. */
    for (int k = 2; k < 8; k++) {
        r[k] = t[k - 2];
    }
    r[0] = rotl64(t[6], 16);
    r[1] = rotl64(t[7], 16);
    for (int k = 0; k < 8; k++) {
        x0[k] ^= t[k] ^ rotl64(t[k], 48) ^ r[k] ^ rotl64(r[k], 16) ^ rotl64(r[k], 32);
    }
}

/* Encrypt (or, with reversed keys, decrypt) 16 blocks. */
static void bs_crypt16(const uint64_t rkb[32][8], const uint8_t *in, uint8_t *out)
{
    uint64_t st[4][8];
    /* GB/T 32907-2016 §7.1: output (X35, X34, X33, X32) */
    static const int order[4] = {3, 2, 1, 0};
    bs_pack(st, in);
    /* GB/T 32907-2016 §7.1: X_{i+4} = F(X_i, X_{i+1}, X_{i+2}, X_{i+3}, rk_i), i = 0..31 */
    for (int i = 0; i < 32; i += 4) {
        bs_round(st[0], st[1], st[2], st[3], rkb[i]);
        bs_round(st[1], st[2], st[3], st[0], rkb[i + 1]);
        bs_round(st[2], st[3], st[0], st[1], rkb[i + 2]);
        bs_round(st[3], st[0], st[1], st[2], rkb[i + 3]);
    }
    bs_unpack(out, st, order);
    gmtls_sm_wipe(st, sizeof st);
}

void gmtls_sm4_portable_blocks(const uint32_t rk[32], const uint8_t *in, uint8_t *out,
                               size_t nblocks)
{
    uint64_t rkb[32][8];
    uint8_t buf[256];
    bs_round_keys(rkb, rk);
    while (nblocks >= 16) {
        bs_crypt16(rkb, in, out);
        in += 256;
        out += 256;
        nblocks -= 16;
    }
    if (nblocks > 0) {
        memcpy(buf, in, 16 * nblocks);
        memset(buf + 16 * nblocks, 0, sizeof buf - 16 * nblocks);
        bs_crypt16(rkb, buf, buf);
        memcpy(out, buf, 16 * nblocks);
        gmtls_sm_wipe(buf, sizeof buf);
    }
    gmtls_sm_wipe(rkb, sizeof rkb);
}

/* Add 1 to a 128-bit big-endian counter without data-dependent branches. */
static inline void ctr128_inc(uint8_t c[16])
{
    uint32_t carry = 1;
    for (int i = 15; i >= 0; i--) {
        carry += c[i];
        c[i] = (uint8_t)carry;
        carry >>= 8;
    }
}

void gmtls_sm4_portable_ctr(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in,
                            uint8_t *out, size_t nblocks)
{
    uint64_t rkb[32][8];
    uint8_t ks[256];
    bs_round_keys(rkb, rk);
    while (nblocks > 0) {
        size_t n = nblocks < 16 ? nblocks : 16;
        for (size_t i = 0; i < 16; i++) {
            memcpy(ks + 16 * i, ctr, 16);
            if (i < n) {
                ctr128_inc(ctr);
            }
        }
        bs_crypt16(rkb, ks, ks);
        for (size_t i = 0; i < 16 * n; i++) {
            out[i] = (uint8_t)(in[i] ^ ks[i]);
        }
        in += 16 * n;
        out += 16 * n;
        nblocks -= n;
    }
    gmtls_sm_wipe(ks, sizeof ks);
    gmtls_sm_wipe(rkb, sizeof rkb);
}

void gmtls_sm4_portable_ctr32(const uint32_t rk[32], uint8_t cb[16], uint8_t *buf, size_t nblocks,
                              uint32_t keep)
{
    const uint8_t keep8 = (uint8_t)gmtls_sm_value_barrier_u32(keep);
    uint64_t rkb[32][8];
    uint8_t ks[256];
    uint32_t c = gmtls_sm_load_be32(cb + 12);
    bs_round_keys(rkb, rk);
    while (nblocks > 0) {
        size_t n = nblocks < 16 ? nblocks : 16;
        /* The barrier keeps the exit test on the public index i: otherwise
         * the compiler may rewrite it as a compare of the IV-derived counter. */
        for (size_t i = 0; i < 16; i++) {
            memcpy(ks + 16 * i, cb, 12);
            /* SP 800-38D §6.2: inc_32 increments the rightmost 32 bits mod 2^32 */
            gmtls_sm_store_be32(ks + 16 * i + 12, gmtls_sm_value_barrier_u32(c) + (uint32_t)i);
        }
        c += (uint32_t)n;
        bs_crypt16(rkb, ks, ks);
        for (size_t i = 0; i < 16 * n; i++) {
            buf[i] = (uint8_t)((buf[i] ^ ks[i]) & keep8);
        }
        buf += 16 * n;
        nblocks -= n;
    }
    gmtls_sm_store_be32(cb + 12, c);
    gmtls_sm_wipe(ks, sizeof ks);
    gmtls_sm_wipe(rkb, sizeof rkb);
}

/* One 16-lane pass per MAC block: lane 0 carries the CBC-MAC chain, the
 * other 15 lanes encrypt counter blocks for free. */
void gmtls_sm4_portable_mac_ctr(const uint32_t rk[32], uint8_t y[16], const uint8_t *mac_in,
                                size_t nmac, const uint8_t *ctr_in, uint8_t *ks_out, size_t nctr)
{
    uint64_t rkb[32][8];
    uint8_t blk[256];
    bs_round_keys(rkb, rk);
    while (nmac > 0 || nctr > 0) {
        size_t lane = nmac > 0 ? 1 : 0;
        size_t take = nctr < 16 - lane ? nctr : 16 - lane;
        memset(blk, 0, sizeof blk);
        if (lane) {
            for (int i = 0; i < 16; i++) {
                blk[i] = (uint8_t)(y[i] ^ mac_in[i]);
            }
        }
        if (take > 0) {
            memcpy(blk + 16 * lane, ctr_in, 16 * take);
        }
        bs_crypt16(rkb, blk, blk);
        if (lane) {
            memcpy(y, blk, 16);
            mac_in += 16;
            nmac--;
        }
        if (take > 0) {
            memcpy(ks_out, blk + 16 * lane, 16 * take);
            ctr_in += 16 * take;
            ks_out += 16 * take;
            nctr -= take;
        }
    }
    gmtls_sm_wipe(blk, sizeof blk);
    gmtls_sm_wipe(rkb, sizeof rkb);
}

/* --------------------------------------------------------- public API */

void gmtls_sm4_encrypt_block(const gmtls_sm4_key *ks, const uint8_t in[16], uint8_t out[16])
{
    gmtls_sm_impl_get()->sm4_blocks(ks->rk_enc, in, out, 1);
}

void gmtls_sm4_decrypt_block(const gmtls_sm4_key *ks, const uint8_t in[16], uint8_t out[16])
{
    gmtls_sm_impl_get()->sm4_blocks(ks->rk_dec, in, out, 1);
}
