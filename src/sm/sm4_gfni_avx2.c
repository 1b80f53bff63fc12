/*
 * src/sm/sm4_gfni_avx2.c - SM4 (GB/T 32907-2016) with GFNI on AVX2 (ymm)
 * registers: the "gfni-avx2" CPU path. The S-box is one GF2P8AFFINEQB
 * (A1*x + c1) and one GF2P8AFFINEINVQB (A2*inv(.) + c2) per 32 bytes,
 * arithmetic in GF(2^8) with no table lookups (matrices in
 * sm_internal.h); the rest of the cipher is the shared AVX2 body in
 * sm4_avx2_tmpl.h. Target attributes per function: no -march flags.
 */
#include <string.h>

#include "sm_internal.h"

#ifdef GMTLS_SM_HAVE_X86
#include <immintrin.h>

#define X2_TARGET __attribute__((target("gfni,avx2,avx,sse4.1,ssse3")))
#define X2_NAME(f) gmtls_sm4_gfni256_##f
#define X2_SBOX(v) x2_sbox_gfni(v)

X2_TARGET static inline __m256i x2_sbox_gfni(__m256i x)
{
    x = _mm256_gf2p8affine_epi64_epi8(x, _mm256_set1_epi64x((long long)GMTLS_SM4_GFNI_PRE),
                                      GMTLS_SM4_GFNI_PRE_C);
    return _mm256_gf2p8affineinv_epi64_epi8(x, _mm256_set1_epi64x((long long)GMTLS_SM4_GFNI_POST),
                                            GMTLS_SM4_GFNI_POST_C);
}

X2_TARGET static inline __m128i x2_sbox128_gfni(__m128i x)
{
    x = _mm_gf2p8affine_epi64_epi8(x, _mm_set1_epi64x((long long)GMTLS_SM4_GFNI_PRE),
                                   GMTLS_SM4_GFNI_PRE_C);
    return _mm_gf2p8affineinv_epi64_epi8(x, _mm_set1_epi64x((long long)GMTLS_SM4_GFNI_POST),
                                         GMTLS_SM4_GFNI_POST_C);
}
#define X2_SBOX128(v) x2_sbox128_gfni(v)

#include "sm4_avx2_tmpl.h"
#endif
