/*
 * src/sm/sm4_aesni_avx2.c - SM4 (GB/T 32907-2016) with AES-NI and AVX2:
 * the "aesni-avx2" CPU path, for CPUs without GFNI.
 *
 * The SM4 S-box is affine-equivalent to inversion in the AES field
 * (sm_internal.h): S(x) = A2*inv(A1*x + c1) + c2. AESENCLAST with a zero
 * round key computes SubBytes(ShiftRows(y)) = Aaes*inv(.) + 0x63 after a
 * byte permutation, so
 *
 *   S(x) = P*(AESENCLAST(InvShiftRows(A1*x + c1), 0)) + P*0x63 + c2,  P = A2*Aaes^-1.
 *
 * The two affine maps are applied as pairs of 16-entry nibble tables with
 * VPSHUFB (a shuffle inside a register, indexed per byte: no memory
 * access depends on the data), InvShiftRows as one more VPSHUFB that
 * cancels AESENCLAST's ShiftRows. AESENCLAST runs on 128-bit halves (VAES
 * is not assumed). The rest of the cipher is the shared AVX2 body in
 * sm4_avx2_tmpl.h.
 */
#include <string.h>

#include "sm_internal.h"

#ifdef GMTLS_SM_HAVE_X86
#include <immintrin.h>

#define X2_TARGET __attribute__((target("aes,avx2,avx,sse4.1,ssse3")))
#define X2_NAME(f) gmtls_sm4_aesni256_##f
#define X2_SBOX(v) x2_sbox_aesni(v)

X2_TARGET static inline __m256i x2_nibble_map(__m256i x, __m256i lo_tab, __m256i hi_tab)
{
    const __m256i m0f = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_and_si256(x, m0f);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), m0f);
    return _mm256_xor_si256(_mm256_shuffle_epi8(lo_tab, lo), _mm256_shuffle_epi8(hi_tab, hi));
}

X2_TARGET static inline __m256i x2_sbox_aesni(__m256i x)
{
    const __m256i pre_lo = _mm256_broadcastsi128_si256(_mm_setr_epi8(GMTLS_SM4_AESNI_PRE_LO));
    const __m256i pre_hi = _mm256_broadcastsi128_si256(_mm_setr_epi8(GMTLS_SM4_AESNI_PRE_HI));
    const __m256i post_lo = _mm256_broadcastsi128_si256(_mm_setr_epi8(GMTLS_SM4_AESNI_POST_LO));
    const __m256i post_hi = _mm256_broadcastsi128_si256(_mm_setr_epi8(GMTLS_SM4_AESNI_POST_HI));
    /* FIPS 197 §5.1.2: ShiftRows moves byte (r, c) from (r, c + r mod 4); undo it first */
    const __m256i inv_sr = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3));
    const __m128i zero = _mm_setzero_si128();
    __m256i y = _mm256_shuffle_epi8(x2_nibble_map(x, pre_lo, pre_hi), inv_sr);
    __m128i y0 = _mm_aesenclast_si128(_mm256_castsi256_si128(y), zero);
    __m128i y1 = _mm_aesenclast_si128(_mm256_extracti128_si256(y, 1), zero);
    y = _mm256_inserti128_si256(_mm256_castsi128_si256(y0), y1, 1);
    return x2_nibble_map(y, post_lo, post_hi);
}

/* The same S-box on one xmm register (no halves to split). */
X2_TARGET static inline __m128i x2_nibble_map128(__m128i x, __m128i lo_tab, __m128i hi_tab)
{
    const __m128i m0f = _mm_set1_epi8(0x0f);
    __m128i lo = _mm_and_si128(x, m0f);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), m0f);
    return _mm_xor_si128(_mm_shuffle_epi8(lo_tab, lo), _mm_shuffle_epi8(hi_tab, hi));
}

X2_TARGET static inline __m128i x2_sbox128_aesni(__m128i x)
{
    const __m128i pre_lo = _mm_setr_epi8(GMTLS_SM4_AESNI_PRE_LO);
    const __m128i pre_hi = _mm_setr_epi8(GMTLS_SM4_AESNI_PRE_HI);
    const __m128i post_lo = _mm_setr_epi8(GMTLS_SM4_AESNI_POST_LO);
    const __m128i post_hi = _mm_setr_epi8(GMTLS_SM4_AESNI_POST_HI);
    const __m128i inv_sr = _mm_setr_epi8(0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3);
    __m128i y = _mm_shuffle_epi8(x2_nibble_map128(x, pre_lo, pre_hi), inv_sr);
    y = _mm_aesenclast_si128(y, _mm_setzero_si128());
    return x2_nibble_map128(y, post_lo, post_hi);
}
#define X2_SBOX128(v) x2_sbox128_aesni(v)

#include "sm4_avx2_tmpl.h"
#endif
