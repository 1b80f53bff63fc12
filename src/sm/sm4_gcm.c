/*
 * src/sm/sm4_gcm.c - SM4-GCM (NIST SP 800-38D with SM4 as the block
 * cipher) and its GHASH implementations:
 *
 *  - portable: constant-time carry-less multiplication built from ordinary
 *    integer multiplications of operands "with holes" (only every fourth
 *    bit kept, so carries never reach a kept bit), Karatsuba over 64-bit
 *    halves, and bit reversal to obtain the upper half of each product;
 *  - pclmul:   PCLMULQDQ with four-block aggregated reduction, compiled
 *    with a target attribute so the file needs no -march flags.
 *
 * Both work on blocks loaded as big-endian 128-bit integers, where the
 * coefficient of x^k (SP 800-38D's bit k) sits at integer bit 127-k. A
 * carry-less product of two such values then has the coefficient of x^k
 * at bit 254-k; one left shift aligns it and the reduction modulo
 * x^128 + x^7 + x^2 + x + 1 folds the low 128 bits into the high ones.
 */
#include <string.h>

#include "sm_internal.h"

/* ------------------------------------------------------ shared reduction */

/* z[0] is the least significant word of the 256-bit carry-less product.
 * Shifts it left by one, reduces, and returns the 128-bit result in
 * (*hi, *lo). SP 800-38D §6.3: R = 11100001 || 0^120, i.e. the polynomial
 * x^128 + x^7 + x^2 + x + 1 in this bit order. */
static inline void ghash_reduce(uint64_t z[4], uint64_t *hi, uint64_t *lo)
{
    z[3] = (z[3] << 1) | (z[2] >> 63);
    z[2] = (z[2] << 1) | (z[1] >> 63);
    z[1] = (z[1] << 1) | (z[0] >> 63);
    z[0] <<= 1;
    for (int i = 0; i < 2; i++) {
        uint64_t w = z[i];
        z[i + 2] ^= w ^ (w >> 1) ^ (w >> 2) ^ (w >> 7);
        z[i + 1] ^= (w << 63) ^ (w << 62) ^ (w << 57);
    }
    *hi = z[3];
    *lo = z[2];
}

/* ------------------------------------------------------ portable GHASH */

/* Low 64 bits of the carry-less product x*y, in constant time. Each
 * operand is split into four interleaved classes (bits 4i+c); a product
 * of two classes accumulates at most 16 terms per result bit, and carries
 * from a 4-bit spaced sum land only on the masked-off bits in between
 * (the single count of 16, at bit 60, carries beyond bit 63). */
static inline uint64_t bmul64(uint64_t x, uint64_t y)
{
    const uint64_t m0 = 0x1111111111111111ull, m1 = 0x2222222222222222ull;
    const uint64_t m2 = 0x4444444444444444ull, m3 = 0x8888888888888888ull;
    uint64_t x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3;
    uint64_t y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3;
    uint64_t z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
    uint64_t z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
    uint64_t z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
    uint64_t z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
    return (z0 & m0) | (z1 & m1) | (z2 & m2) | (z3 & m3);
}

static inline uint64_t rev64(uint64_t x)
{
    x = ((x >> 1) & 0x5555555555555555ull) | ((x & 0x5555555555555555ull) << 1);
    x = ((x >> 2) & 0x3333333333333333ull) | ((x & 0x3333333333333333ull) << 2);
    x = ((x >> 4) & 0x0f0f0f0f0f0f0f0full) | ((x & 0x0f0f0f0f0f0f0f0full) << 4);
    x = ((x >> 8) & 0x00ff00ff00ff00ffull) | ((x & 0x00ff00ff00ff00ffull) << 8);
    x = ((x >> 16) & 0x0000ffff0000ffffull) | ((x & 0x0000ffff0000ffffull) << 16);
    return (x >> 32) | (x << 32);
}

/* Full 128-bit carry-less product of x and y; xr, yr are rev64(x), rev64(y).
 * The upper half is rev(low(rev(x) * rev(y))) >> 1. */
static inline void clmul64(uint64_t x, uint64_t xr, uint64_t y, uint64_t yr, uint64_t *hi,
                           uint64_t *lo)
{
    *lo = bmul64(x, y);
    *hi = rev64(bmul64(xr, yr)) >> 1;
}

/* htable layout (private): [0] = {H_hi, H_lo}, [1] = {rev(H_hi), rev(H_lo)},
 * [2] = {H_hi ^ H_lo, rev(H_hi ^ H_lo)}. */
void gmtls_ghash_portable_init(gmtls_sm4_gcm_ctx *ctx)
{
    uint64_t hh = gmtls_sm_load_be64(ctx->h), hl = gmtls_sm_load_be64(ctx->h + 8);
    ctx->htable[0][0] = hh;
    ctx->htable[0][1] = hl;
    ctx->htable[1][0] = rev64(hh);
    ctx->htable[1][1] = rev64(hl);
    ctx->htable[2][0] = hh ^ hl;
    ctx->htable[2][1] = rev64(hh ^ hl);
}

void gmtls_ghash_portable(const gmtls_sm4_gcm_ctx *ctx, uint8_t y[16], const uint8_t *in,
                          size_t nblocks)
{
    const uint64_t hh = ctx->htable[0][0], hl = ctx->htable[0][1];
    const uint64_t hhr = ctx->htable[1][0], hlr = ctx->htable[1][1];
    const uint64_t hx = ctx->htable[2][0], hxr = ctx->htable[2][1];
    uint64_t yh = gmtls_sm_load_be64(y), yl = gmtls_sm_load_be64(y + 8);
    while (nblocks--) {
        /* SP 800-38D §6.4: Y_i = (Y_{i-1} ^ X_i) * H */
        yh ^= gmtls_sm_load_be64(in);
        yl ^= gmtls_sm_load_be64(in + 8);
        uint64_t yx = yh ^ yl;
        uint64_t a1, a0, b1, b0, c1, c0, z[4];
        clmul64(yh, rev64(yh), hh, hhr, &a1, &a0);
        clmul64(yl, rev64(yl), hl, hlr, &b1, &b0);
        clmul64(yx, rev64(yx), hx, hxr, &c1, &c0);
        /* Karatsuba: middle = c ^ a ^ b */
        c1 ^= a1 ^ b1;
        c0 ^= a0 ^ b0;
        z[3] = a1;
        z[2] = a0 ^ c1;
        z[1] = b1 ^ c0;
        z[0] = b0;
        ghash_reduce(z, &yh, &yl);
        in += 16;
    }
    gmtls_sm_store_be64(y, yh);
    gmtls_sm_store_be64(y + 8, yl);
}

/* -------------------------------------------------------- PCLMUL GHASH */

#ifdef GMTLS_SM_HAVE_X86
#include <immintrin.h>

#define CLMUL_TARGET __attribute__((target("pclmul,sse4.1,ssse3")))

CLMUL_TARGET static inline __m128i bswap128(__m128i x)
{
    const __m128i rev = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    return _mm_shuffle_epi8(x, rev);
}

/* Accumulate the unreduced 256-bit product a*b into (*hi, *lo). */
CLMUL_TARGET static inline void clmul_acc(__m128i a, __m128i b, __m128i *hi, __m128i *lo)
{
    __m128i t0 = _mm_clmulepi64_si128(a, b, 0x00);
    __m128i t1 = _mm_clmulepi64_si128(a, b, 0x11);
    __m128i t2 = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x10), _mm_clmulepi64_si128(a, b, 0x01));
    *lo = _mm_xor_si128(*lo, _mm_xor_si128(t0, _mm_slli_si128(t2, 8)));
    *hi = _mm_xor_si128(*hi, _mm_xor_si128(t1, _mm_srli_si128(t2, 8)));
}

CLMUL_TARGET static inline __m128i clmul_reduce(__m128i hi, __m128i lo)
{
    uint64_t z[4], rh, rl;
    z[0] = (uint64_t)_mm_cvtsi128_si64(lo);
    z[1] = (uint64_t)_mm_extract_epi64(lo, 1);
    z[2] = (uint64_t)_mm_cvtsi128_si64(hi);
    z[3] = (uint64_t)_mm_extract_epi64(hi, 1);
    ghash_reduce(z, &rh, &rl);
    return _mm_set_epi64x((long long)rh, (long long)rl);
}

CLMUL_TARGET static inline __m128i clmul_mul(__m128i a, __m128i b)
{
    __m128i hi = _mm_setzero_si128(), lo = _mm_setzero_si128();
    clmul_acc(a, b, &hi, &lo);
    return clmul_reduce(hi, lo);
}

/* opaque layout (private): offsets 0, 16, 32, 48 hold H, H^2, H^3, H^4 as
 * big-endian 128-bit integers (byte-reversed blocks). */
CLMUL_TARGET void gmtls_ghash_clmul_init(gmtls_sm4_gcm_ctx *ctx)
{
    __m128i h = bswap128(_mm_loadu_si128((const __m128i *)(const void *)ctx->h));
    __m128i p = h;
    for (int i = 0; i < 4; i++) {
        _mm_storeu_si128((__m128i *)(void *)(ctx->opaque + 16 * i), p);
        p = clmul_mul(p, h);
    }
}

CLMUL_TARGET void gmtls_ghash_clmul(const gmtls_sm4_gcm_ctx *ctx, uint8_t y[16], const uint8_t *in,
                                    size_t nblocks)
{
    const __m128i h1 = _mm_loadu_si128((const __m128i *)(const void *)ctx->opaque);
    const __m128i h2 = _mm_loadu_si128((const __m128i *)(const void *)(ctx->opaque + 16));
    const __m128i h3 = _mm_loadu_si128((const __m128i *)(const void *)(ctx->opaque + 32));
    const __m128i h4 = _mm_loadu_si128((const __m128i *)(const void *)(ctx->opaque + 48));
    __m128i acc = bswap128(_mm_loadu_si128((const __m128i *)(const void *)y));
    /* SP 800-38D §6.4 unrolled: Y_4 = (Y_0^X_1)H^4 ^ X_2 H^3 ^ X_3 H^2 ^ X_4 H */
    while (nblocks >= 4) {
        __m128i x0 = bswap128(_mm_loadu_si128((const __m128i *)(const void *)in));
        __m128i x1 = bswap128(_mm_loadu_si128((const __m128i *)(const void *)(in + 16)));
        __m128i x2 = bswap128(_mm_loadu_si128((const __m128i *)(const void *)(in + 32)));
        __m128i x3 = bswap128(_mm_loadu_si128((const __m128i *)(const void *)(in + 48)));
        __m128i hi = _mm_setzero_si128(), lo = _mm_setzero_si128();
        clmul_acc(_mm_xor_si128(acc, x0), h4, &hi, &lo);
        clmul_acc(x1, h3, &hi, &lo);
        clmul_acc(x2, h2, &hi, &lo);
        clmul_acc(x3, h1, &hi, &lo);
        acc = clmul_reduce(hi, lo);
        in += 64;
        nblocks -= 4;
    }
    while (nblocks--) {
        __m128i x = bswap128(_mm_loadu_si128((const __m128i *)(const void *)in));
        acc = clmul_mul(_mm_xor_si128(acc, x), h1);
        in += 16;
    }
    _mm_storeu_si128((__m128i *)(void *)y, bswap128(acc));
}
#endif

/* ------------------------------------------------------------- SM4-GCM */

/* Bytes handed to the block core per call (16 blocks). */
#define GCM_CHUNK 256

/* y = GHASH_H(y || data padded with zeros to a block boundary). */
static void ghash_pad(const gmtls_sm_impl *impl, const gmtls_sm4_gcm_ctx *ctx, uint8_t y[16],
                      const uint8_t *data, size_t len)
{
    size_t full = len / 16;
    if (full > 0) {
        impl->ghash(ctx, y, data, full);
    }
    if (len % 16 != 0) {
        uint8_t last[16] = {0};
        memcpy(last, data + 16 * full, len % 16);
        impl->ghash(ctx, y, last, 1);
        gmtls_sm_wipe(last, sizeof last);
    }
}

void gmtls_sm4_gcm_init(gmtls_sm4_gcm_ctx *ctx, const uint8_t key[GMTLS_SM4_KEY_LEN])
{
    memset(ctx, 0, sizeof *ctx);
    gmtls_sm4_set_key(&ctx->ks, key);
    /* SP 800-38D §7.1 step 1: H = CIPH_K(0^128) */
    gmtls_sm_impl_get()->sm4_blocks(ctx->ks.rk_enc, ctx->h, ctx->h, 1);
    gmtls_sm_ghash_init_all(ctx);
}

void gmtls_sm4_gcm_clear(gmtls_sm4_gcm_ctx *ctx)
{
    gmtls_sm_wipe(ctx, sizeof *ctx);
}

/* SP 800-38D §7.1 step 2: J0 = IV || 0^31 || 1 if len(IV) = 96, else
 * GHASH_H(IV || 0^(s+64) || [len(IV)]_64). */
static void gcm_j0(const gmtls_sm_impl *impl, const gmtls_sm4_gcm_ctx *ctx, const uint8_t *iv,
                   size_t ivlen, uint8_t j0[16])
{
    if (ivlen == 12) {
        memcpy(j0, iv, 12);
        j0[12] = 0;
        j0[13] = 0;
        j0[14] = 0;
        j0[15] = 1;
        return;
    }
    uint8_t lenblk[16] = {0};
    memset(j0, 0, 16);
    ghash_pad(impl, ctx, j0, iv, ivlen);
    gmtls_sm_store_be64(lenblk + 8, (uint64_t)ivlen * 8);
    impl->ghash(ctx, j0, lenblk, 1);
}

/* SP 800-38D §6.5 GCTR with inc32: buf ^= CIPH(cb), CIPH(inc32(cb)), ...;
 * cb's low 32 bits are advanced past the blocks used. */
static void gcm_ctr32(const gmtls_sm_impl *impl, const gmtls_sm4_gcm_ctx *ctx, uint8_t cb[16],
                      uint8_t *buf, size_t len)
{
    uint8_t ks[GCM_CHUNK];
    uint32_t c = gmtls_sm_load_be32(cb + 12);
    while (len > 0) {
        size_t n = len < GCM_CHUNK ? len : GCM_CHUNK;
        size_t nb = (n + 15) / 16;
        /* The barrier keeps the exit test on the public index i: otherwise
         * the compiler may rewrite it as a compare of the IV-derived counter. */
        for (size_t i = 0; i < nb; i++) {
            memcpy(ks + 16 * i, cb, 12);
            /* SP 800-38D §6.2: inc_32 increments the rightmost 32 bits mod 2^32 */
            gmtls_sm_store_be32(ks + 16 * i + 12, gmtls_sm_value_barrier_u32(c) + (uint32_t)i);
        }
        c += (uint32_t)nb;
        impl->sm4_blocks(ctx->ks.rk_enc, ks, ks, nb);
        for (size_t i = 0; i < n; i++) {
            buf[i] ^= ks[i];
        }
        buf += n;
        len -= n;
    }
    gmtls_sm_store_be32(cb + 12, c);
    gmtls_sm_wipe(ks, sizeof ks);
}

/* SP 800-38D §5.2.1.1: len(P) <= 2^39 - 256 bits, len(A) and len(IV) <= 2^64 - 1 bits, len(IV) >= 1 */
static int gcm_args_ok(const uint8_t *iv, size_t ivlen, const uint8_t *aad, size_t aadlen,
                       const uint8_t *buf, size_t len, const void *tag, size_t taglen)
{
    if (iv == NULL || ivlen == 0 || (uint64_t)ivlen > (UINT64_MAX >> 3)) {
        return 0;
    }
    if ((aad == NULL && aadlen > 0) || (uint64_t)aadlen > (UINT64_MAX >> 3)) {
        return 0;
    }
    if ((buf == NULL && len > 0) || (uint64_t)len > ((uint64_t)1 << 36) - 32) {
        return 0;
    }
    /* sm.h: tags of 4..16 bytes (SP 800-38D §5.2.1.2 lists 4, 8 and 12..16) */
    if (tag == NULL || taglen < 4 || taglen > 16) {
        return 0;
    }
    return 1;
}

/* S = GHASH(A pad || C pad || [len(A)]_64 || [len(C)]_64) for a whole C,
 * then T = CIPH(J0) ^ S (SP 800-38D §7.1 steps 5-6). */
static void gcm_tag(const gmtls_sm_impl *impl, const gmtls_sm4_gcm_ctx *ctx, const uint8_t j0[16],
                    uint8_t s[16], size_t aadlen, size_t len)
{
    uint8_t lenblk[16], ej0[16];
    gmtls_sm_store_be64(lenblk, (uint64_t)aadlen * 8);
    gmtls_sm_store_be64(lenblk + 8, (uint64_t)len * 8);
    impl->ghash(ctx, s, lenblk, 1);
    impl->sm4_blocks(ctx->ks.rk_enc, j0, ej0, 1);
    for (int i = 0; i < 16; i++) {
        s[i] ^= ej0[i];
    }
    gmtls_sm_wipe(ej0, sizeof ej0);
}

int gmtls_sm4_gcm_seal(const gmtls_sm4_gcm_ctx *ctx, const uint8_t *iv, size_t ivlen,
                       const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len, uint8_t *tag,
                       size_t taglen)
{
    if (!gcm_args_ok(iv, ivlen, aad, aadlen, buf, len, tag, taglen)) {
        return -1;
    }
    const gmtls_sm_impl *impl = gmtls_sm_impl_get();
    uint8_t j0[16], cb[16], s[16] = {0};
    gcm_j0(impl, ctx, iv, ivlen, j0);
    if (aadlen > 0) {
        ghash_pad(impl, ctx, s, aad, aadlen);
    }
    /* SP 800-38D §7.1 step 3: C = GCTR_K(inc32(J0), P) */
    memcpy(cb, j0, 16);
    gmtls_sm_store_be32(cb + 12, gmtls_sm_load_be32(j0 + 12) + 1);
    for (size_t off = 0; off < len; off += GCM_CHUNK) {
        size_t n = len - off < GCM_CHUNK ? len - off : GCM_CHUNK;
        gcm_ctr32(impl, ctx, cb, buf + off, n);
        ghash_pad(impl, ctx, s, buf + off, n);
    }
    gcm_tag(impl, ctx, j0, s, aadlen, len);
    /* SP 800-38D §7.1 step 6: T = MSB_t(GCTR_K(J0, S)) */
    memcpy(tag, s, taglen);
    gmtls_sm_wipe(s, sizeof s);
    gmtls_sm_wipe(cb, sizeof cb);
    gmtls_sm_wipe(j0, sizeof j0);
    return 0;
}

int gmtls_sm4_gcm_open(const gmtls_sm4_gcm_ctx *ctx, const uint8_t *iv, size_t ivlen,
                       const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len,
                       const uint8_t *tag, size_t taglen)
{
    if (!gcm_args_ok(iv, ivlen, aad, aadlen, buf, len, tag, taglen)) {
        if (buf != NULL && len > 0) {
            gmtls_sm_wipe(buf, len);
        }
        return -1;
    }
    const gmtls_sm_impl *impl = gmtls_sm_impl_get();
    uint8_t j0[16], cb[16], s[16] = {0};
    gcm_j0(impl, ctx, iv, ivlen, j0);
    /* SP 800-38D §7.2 steps 5-8: the tag is recomputed over A and C first */
    if (aadlen > 0) {
        ghash_pad(impl, ctx, s, aad, aadlen);
    }
    if (len > 0) {
        ghash_pad(impl, ctx, s, buf, len);
    }
    gcm_tag(impl, ctx, j0, s, aadlen, len);
    /* SP 800-38D §7.2 step 8: if T = T' return P, else FAIL (compared in constant time) */
    int ok = gmtls_sm_ct_memeq(s, tag, taglen);
    gmtls_sm_wipe(s, sizeof s);
    if (!ok) {
        gmtls_sm_wipe(j0, sizeof j0);
        if (len > 0) {
            gmtls_sm_wipe(buf, len);
        }
        return -1;
    }
    /* SP 800-38D §7.2 step 3: P = GCTR_K(inc32(J0), C) */
    memcpy(cb, j0, 16);
    gmtls_sm_store_be32(cb + 12, gmtls_sm_load_be32(j0 + 12) + 1);
    gcm_ctr32(impl, ctx, cb, buf, len);
    gmtls_sm_wipe(cb, sizeof cb);
    gmtls_sm_wipe(j0, sizeof j0);
    return 0;
}
