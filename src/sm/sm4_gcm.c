/*
 * src/sm/sm4_gcm.c - SM4-GCM (NIST SP 800-38D with SM4 as the block
 * cipher) and its GHASH implementations:
 *
 *  - portable: constant-time carry-less multiplication built from ordinary
 *    integer multiplications of operands "with holes" (only every fourth
 *    bit kept, so carries never reach a kept bit), Karatsuba over 64-bit
 *    halves, and bit reversal to obtain the upper half of each product;
 *  - pclmul:   PCLMULQDQ with eight-block aggregated reduction (H^1..H^8
 *    from a table of 16 powers that ghash_vpclmul.c's 16-block zmm
 *    version shares), compiled with a target attribute so the file needs
 *    no -march flags.
 *
 * Seal runs CTR (the path's sm4_ctr32) and GHASH chunk by chunk, 1 KiB at
 * a time, so each chunk is hashed while in L1; open hashes first, then
 * decrypts through an all-ones/all-zero mask set by the constant-time tag
 * comparison (no branch on the outcome).
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

/* 128-bit logical right shift of x by n (0 < n < 64). */
#define SHR128(x, n)                                                                           \
    _mm_or_si128(_mm_srli_epi64((x), (n)), _mm_srli_si128(_mm_slli_epi64((x), 64 - (n)), 8))

/* The vector form of ghash_reduce(): shift the 256-bit product (hi:lo)
 * left by one, then fold lo = [X1:X0] into hi with the polynomial
 * x^128 + x^7 + x^2 + x + 1 in this bit order (SP 800-38D §6.3):
 * D = X1 ^ X0<<63 ^ X0<<62 ^ X0<<57, result = hi ^ [D:X0] ^ [D:X0]>>1
 * ^ [D:X0]>>2 ^ [D:X0]>>7 (128-bit shifts). */
CLMUL_TARGET static inline __m128i clmul_reduce(__m128i hi, __m128i lo)
{
    __m128i clo = _mm_srli_epi64(lo, 63), chi = _mm_srli_epi64(hi, 63);
    lo = _mm_or_si128(_mm_slli_epi64(lo, 1), _mm_slli_si128(clo, 8));
    hi = _mm_or_si128(_mm_or_si128(_mm_slli_epi64(hi, 1), _mm_slli_si128(chi, 8)),
                      _mm_srli_si128(clo, 8));
    __m128i a = _mm_xor_si128(_mm_xor_si128(_mm_slli_epi64(lo, 63), _mm_slli_epi64(lo, 62)),
                              _mm_slli_epi64(lo, 57));
    lo = _mm_xor_si128(lo, _mm_slli_si128(a, 8));
    __m128i e = _mm_xor_si128(_mm_xor_si128(lo, SHR128(lo, 1)), _mm_xor_si128(SHR128(lo, 2), SHR128(lo, 7)));
    return _mm_xor_si128(hi, e);
}

CLMUL_TARGET static inline __m128i clmul_mul(__m128i a, __m128i b)
{
    __m128i hi = _mm_setzero_si128(), lo = _mm_setzero_si128();
    clmul_acc(a, b, &hi, &lo);
    return clmul_reduce(hi, lo);
}

/* opaque layout (sm_internal.h): H^1..H^16 ascending at 0, descending at
 * 256, as big-endian 128-bit integers (byte-reversed blocks). Every
 * (V)PCLMULQDQ path reads this one table. */
CLMUL_TARGET void gmtls_ghash_clmul_init(gmtls_sm4_gcm_ctx *ctx)
{
    __m128i h = bswap128(_mm_loadu_si128((const __m128i *)(const void *)ctx->h));
    __m128i p = h;
    for (int i = 1; i <= GMTLS_GHASH_POWERS; i++) {
        _mm_storeu_si128((__m128i *)(void *)(ctx->opaque + 16 * (i - 1)), p);
        _mm_storeu_si128((__m128i *)(void *)(ctx->opaque + 256 + 16 * (GMTLS_GHASH_POWERS - i)), p);
        p = clmul_mul(p, h);
    }
}

CLMUL_TARGET void gmtls_ghash_clmul(const gmtls_sm4_gcm_ctx *ctx, uint8_t y[16], const uint8_t *in,
                                    size_t nblocks)
{
    const uint8_t *desc8 = ctx->opaque + 256 + 16 * 8; /* H^8, H^7, ..., H^1 */
    const __m128i h1 = _mm_loadu_si128((const __m128i *)(const void *)ctx->opaque);
    __m128i acc = bswap128(_mm_loadu_si128((const __m128i *)(const void *)y));
    /* SP 800-38D §6.4 unrolled: Y_8 = (Y_0^X_1)H^8 ^ X_2 H^7 ^ ... ^ X_8 H */
    while (nblocks >= 8) {
        __m128i hi = _mm_setzero_si128(), lo = _mm_setzero_si128();
        for (int j = 0; j < 8; j++) {
            __m128i x = bswap128(_mm_loadu_si128((const __m128i *)(const void *)(in + 16 * j)));
            if (j == 0) {
                x = _mm_xor_si128(x, acc);
            }
            clmul_acc(x, _mm_loadu_si128((const __m128i *)(const void *)(desc8 + 16 * j)), &hi, &lo);
        }
        acc = clmul_reduce(hi, lo);
        in += 128;
        nblocks -= 8;
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

/* Bytes per fused CTR + GHASH step (64 blocks: a multiple of every
 * path's block group and of the 16-block GHASH aggregation). */
#define GCM_CHUNK 1024

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

/* SP 800-38D §6.5 GCTR with inc32 over len bytes (a partial final block
 * uses the leading bytes of the last key-stream block); cb advances. The
 * output is ANDed with keep (all ones, or 0 to release nothing). */
static void gcm_ctr32(const gmtls_sm_impl *impl, const gmtls_sm4_gcm_ctx *ctx, uint8_t cb[16],
                      uint8_t *buf, size_t len, uint32_t keep)
{
    size_t full = len / 16, rest = len % 16;
    if (full > 0) {
        impl->sm4_ctr32(ctx->ks.rk_enc, cb, buf, full, keep);
    }
    if (rest > 0) {
        uint8_t last[16] = {0};
        memcpy(last, buf + 16 * full, rest);
        impl->sm4_ctr32(ctx->ks.rk_enc, cb, last, 1, keep);
        memcpy(buf + 16 * full, last, rest);
        gmtls_sm_wipe(last, sizeof last);
    }
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
    /* SP 800-38D §7.1 steps 3-5: C = GCTR_K(inc32(J0), P), S = GHASH(... C ...);
     * fused per chunk: the chunk is GHASHed while it is still in L1. */
    memcpy(cb, j0, 16);
    gmtls_sm_store_be32(cb + 12, gmtls_sm_load_be32(j0 + 12) + 1);
    for (size_t off = 0; off < len; off += GCM_CHUNK) {
        size_t n = len - off < GCM_CHUNK ? len - off : GCM_CHUNK;
        gcm_ctr32(impl, ctx, cb, buf + off, n, 0xffffffffu);
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
    /* SP 800-38D §7.2 steps 5-8: S = GHASH(A pad || C pad || lengths), T' = CIPH(J0) ^ S */
    if (aadlen > 0) {
        ghash_pad(impl, ctx, s, aad, aadlen);
    }
    if (len > 0) {
        ghash_pad(impl, ctx, s, buf, len);
    }
    gcm_tag(impl, ctx, j0, s, aadlen, len);
    /* SP 800-38D §7.2 step 8: if T = T' return P, else FAIL. The tags are
     * compared in constant time and the outcome is not branched on: step 3,
     * P = GCTR_K(inc32(J0), C), always runs, its output ANDed with an
     * all-ones or all-zero mask, so a forged message yields zeros in buf
     * and the same instruction trace as an authentic one. */
    uint32_t ok = (uint32_t)gmtls_sm_ct_memeq(s, tag, taglen);
    uint32_t keep = gmtls_sm_value_barrier_u32(0u - ok);
    gmtls_sm_wipe(s, sizeof s);
    memcpy(cb, j0, 16);
    gmtls_sm_store_be32(cb + 12, gmtls_sm_load_be32(j0 + 12) + 1);
    gcm_ctr32(impl, ctx, cb, buf, len, keep);
    gmtls_sm_wipe(cb, sizeof cb);
    gmtls_sm_wipe(j0, sizeof j0);
    /* 0 when authentic, -1 otherwise */
    return (int)ok - 1;
}
