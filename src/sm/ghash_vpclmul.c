/*
 * src/sm/ghash_vpclmul.c - GHASH (NIST SP 800-38D §6.4) with VPCLMULQDQ on
 * zmm registers: 16 blocks per step, four per register, multiplied by the
 * precomputed powers H^16..H^1 (ctx->opaque, written by
 * gmtls_ghash_clmul_init) and summed unreduced, then one reduction:
 *
 *   Y_16 = (Y_0 ^ X_1) H^16 ^ X_2 H^15 ^ ... ^ X_16 H.
 *
 * The representation is that of sm4_gcm.c: blocks loaded as big-endian
 * 128-bit integers; the reduction shifts the 256-bit product left by one
 * and folds modulo x^128 + x^7 + x^2 + x + 1. Carry-less multiplication
 * runs in constant time; there are no table lookups.
 */
#include "sm_internal.h"

#ifdef GMTLS_SM_HAVE_X86
#include <immintrin.h>

#define VP_TARGET                                                                              \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,vpclmulqdq,pclmul,avx2,avx,"  \
                          "sse4.1,ssse3")))

#define SHR128(x, n)                                                                           \
    _mm_or_si128(_mm_srli_epi64((x), (n)), _mm_srli_si128(_mm_slli_epi64((x), 64 - (n)), 8))

/* Same reduction as clmul_reduce() in sm4_gcm.c (see the derivation there). */
VP_TARGET static inline __m128i vp_reduce(__m128i hi, __m128i lo)
{
    __m128i clo = _mm_srli_epi64(lo, 63), chi = _mm_srli_epi64(hi, 63);
    lo = _mm_or_si128(_mm_slli_epi64(lo, 1), _mm_slli_si128(clo, 8));
    hi = _mm_or_si128(_mm_or_si128(_mm_slli_epi64(hi, 1), _mm_slli_si128(chi, 8)),
                      _mm_srli_si128(clo, 8));
    __m128i a = _mm_ternarylogic_epi64(_mm_slli_epi64(lo, 63), _mm_slli_epi64(lo, 62),
                                       _mm_slli_epi64(lo, 57), 0x96);
    lo = _mm_xor_si128(lo, _mm_slli_si128(a, 8));
    __m128i e = _mm_ternarylogic_epi64(lo, SHR128(lo, 1), SHR128(lo, 2), 0x96);
    return _mm_ternarylogic_epi64(hi, e, SHR128(lo, 7), 0x96);
}

VP_TARGET static inline __m512i vp_bswap128(__m512i v)
{
    const __m512i m = _mm512_broadcast_i32x4(
        _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    return _mm512_shuffle_epi8(v, m);
}

/* acc (big-endian integer form) absorbs 16 blocks at in. */
VP_TARGET static inline __m128i vp_step16(const __m512i pw[4], __m128i acc, const uint8_t *in)
{
    __m512i lo = _mm512_setzero_si512(), hi = lo, mid = lo;
    for (int j = 0; j < 4; j++) {
        __m512i x = vp_bswap128(_mm512_loadu_si512((const void *)(in + 64 * j)));
        if (j == 0) {
            x = _mm512_xor_si512(x, _mm512_zextsi128_si512(acc));
        }
        lo = _mm512_xor_si512(lo, _mm512_clmulepi64_epi128(x, pw[j], 0x00));
        hi = _mm512_xor_si512(hi, _mm512_clmulepi64_epi128(x, pw[j], 0x11));
        mid = _mm512_ternarylogic_epi64(mid, _mm512_clmulepi64_epi128(x, pw[j], 0x01),
                                        _mm512_clmulepi64_epi128(x, pw[j], 0x10), 0x96);
    }
    lo = _mm512_xor_si512(lo, _mm512_bslli_epi128(mid, 8));
    hi = _mm512_xor_si512(hi, _mm512_bsrli_epi128(mid, 8));
    /* sum the four lanes */
    __m256i lo2 = _mm256_xor_si256(_mm512_castsi512_si256(lo), _mm512_extracti64x4_epi64(lo, 1));
    __m256i hi2 = _mm256_xor_si256(_mm512_castsi512_si256(hi), _mm512_extracti64x4_epi64(hi, 1));
    __m128i l = _mm_xor_si128(_mm256_castsi256_si128(lo2), _mm256_extracti128_si256(lo2, 1));
    __m128i h = _mm_xor_si128(_mm256_castsi256_si128(hi2), _mm256_extracti128_si256(hi2, 1));
    return vp_reduce(h, l);
}

VP_TARGET void gmtls_ghash_vpclmul512(const gmtls_sm4_gcm_ctx *ctx, uint8_t y[16],
                                      const uint8_t *in, size_t nblocks)
{
    if (nblocks >= 16) {
        const __m128i rev = _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        __m512i pw[4];
        for (int j = 0; j < 4; j++) {
            /* lanes of register j: H^(16-4j), ..., H^(13-4j) */
            pw[j] = _mm512_loadu_si512((const void *)(ctx->opaque + 256 + 64 * j));
        }
        __m128i acc = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)y), rev);
        while (nblocks >= 16) {
            acc = vp_step16(pw, acc, in);
            in += 256;
            nblocks -= 16;
        }
        _mm_storeu_si128((__m128i *)(void *)y, _mm_shuffle_epi8(acc, rev));
        /* the powers of H (key material) sit in zmm registers: clear them */
        _mm256_zeroall();
    }
    if (nblocks > 0) {
        gmtls_ghash_clmul(ctx, y, in, nblocks);
    }
}
#endif
