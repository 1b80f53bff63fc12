/*
 * src/pq/keccak_x4_avx2.c - four Keccak-f[1600] permutations at once, one
 * state per 64-bit lane of an AVX2 register (lane i of state s is
 * st[4 * i + s]). The round is the one of keccak.c, on vectors: no data-
 * dependent branch or index. Used by ML-KEM to sample four matrix entries
 * or four noise polynomials per permutation (mlkem.c picks it at run time
 * on CPUs with AVX2; GMTLS_CPU=portable forces the scalar code).
 */
#include "pq/pq_internal.h"
#include "sm/sm_internal.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define GMTLS_PQ_AVX2 __attribute__((target("avx2")))

static const uint64_t RC4[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL, 0x8000000080008000ULL, 0x000000000000808BULL,
    0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008AULL, 0x0000000000000088ULL,
    0x0000000080008009ULL, 0x000000008000000AULL, 0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL,
    0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROLV(x, n) _mm256_or_si256(_mm256_slli_epi64((x), (n)), _mm256_srli_epi64((x), 64 - (n)))
#define XOR(a, b) _mm256_xor_si256((a), (b))
#define ANDN(a, b) _mm256_andnot_si256((a), (b)) /* ~a & b */

GMTLS_PQ_AVX2 void gmtls_keccak_f1600_x4_avx2(uint64_t st[100])
{
    __m256i a[25];
    for (int i = 0; i < 25; i++) {
        a[i] = _mm256_loadu_si256((const __m256i *)(st + 4 * i));
    }
    for (int r = 0; r < 24; r++) {
        __m256i c0 = XOR(XOR(XOR(a[0], a[5]), XOR(a[10], a[15])), a[20]);
        __m256i c1 = XOR(XOR(XOR(a[1], a[6]), XOR(a[11], a[16])), a[21]);
        __m256i c2 = XOR(XOR(XOR(a[2], a[7]), XOR(a[12], a[17])), a[22]);
        __m256i c3 = XOR(XOR(XOR(a[3], a[8]), XOR(a[13], a[18])), a[23]);
        __m256i c4 = XOR(XOR(XOR(a[4], a[9]), XOR(a[14], a[19])), a[24]);
        __m256i d0 = XOR(c4, ROLV(c1, 1));
        __m256i d1 = XOR(c0, ROLV(c2, 1));
        __m256i d2 = XOR(c1, ROLV(c3, 1));
        __m256i d3 = XOR(c2, ROLV(c4, 1));
        __m256i d4 = XOR(c3, ROLV(c0, 1));
        /* theta, rho and pi: as keccak.c */
        __m256i b00 = XOR(a[0], d0);
        __m256i b01 = ROLV(XOR(a[6], d1), 44);
        __m256i b02 = ROLV(XOR(a[12], d2), 43);
        __m256i b03 = ROLV(XOR(a[18], d3), 21);
        __m256i b04 = ROLV(XOR(a[24], d4), 14);
        __m256i b05 = ROLV(XOR(a[3], d3), 28);
        __m256i b06 = ROLV(XOR(a[9], d4), 20);
        __m256i b07 = ROLV(XOR(a[10], d0), 3);
        __m256i b08 = ROLV(XOR(a[16], d1), 45);
        __m256i b09 = ROLV(XOR(a[22], d2), 61);
        __m256i b10 = ROLV(XOR(a[1], d1), 1);
        __m256i b11 = ROLV(XOR(a[7], d2), 6);
        __m256i b12 = ROLV(XOR(a[13], d3), 25);
        __m256i b13 = ROLV(XOR(a[19], d4), 8);
        __m256i b14 = ROLV(XOR(a[20], d0), 18);
        __m256i b15 = ROLV(XOR(a[4], d4), 27);
        __m256i b16 = ROLV(XOR(a[5], d0), 36);
        __m256i b17 = ROLV(XOR(a[11], d1), 10);
        __m256i b18 = ROLV(XOR(a[17], d2), 15);
        __m256i b19 = ROLV(XOR(a[23], d3), 56);
        __m256i b20 = ROLV(XOR(a[2], d2), 62);
        __m256i b21 = ROLV(XOR(a[8], d3), 55);
        __m256i b22 = ROLV(XOR(a[14], d4), 39);
        __m256i b23 = ROLV(XOR(a[15], d0), 41);
        __m256i b24 = ROLV(XOR(a[21], d1), 2);
        /* chi, iota */
        a[0] = XOR(XOR(b00, ANDN(b01, b02)), _mm256_set1_epi64x((long long)RC4[r]));
        a[1] = XOR(b01, ANDN(b02, b03));
        a[2] = XOR(b02, ANDN(b03, b04));
        a[3] = XOR(b03, ANDN(b04, b00));
        a[4] = XOR(b04, ANDN(b00, b01));
        a[5] = XOR(b05, ANDN(b06, b07));
        a[6] = XOR(b06, ANDN(b07, b08));
        a[7] = XOR(b07, ANDN(b08, b09));
        a[8] = XOR(b08, ANDN(b09, b05));
        a[9] = XOR(b09, ANDN(b05, b06));
        a[10] = XOR(b10, ANDN(b11, b12));
        a[11] = XOR(b11, ANDN(b12, b13));
        a[12] = XOR(b12, ANDN(b13, b14));
        a[13] = XOR(b13, ANDN(b14, b10));
        a[14] = XOR(b14, ANDN(b10, b11));
        a[15] = XOR(b15, ANDN(b16, b17));
        a[16] = XOR(b16, ANDN(b17, b18));
        a[17] = XOR(b17, ANDN(b18, b19));
        a[18] = XOR(b18, ANDN(b19, b15));
        a[19] = XOR(b19, ANDN(b15, b16));
        a[20] = XOR(b20, ANDN(b21, b22));
        a[21] = XOR(b21, ANDN(b22, b23));
        a[22] = XOR(b22, ANDN(b23, b24));
        a[23] = XOR(b23, ANDN(b24, b20));
        a[24] = XOR(b24, ANDN(b20, b21));
    }
    for (int i = 0; i < 25; i++) {
        _mm256_storeu_si256((__m256i *)(st + 4 * i), a[i]);
    }
}

int gmtls_pq_have_avx2(void)
{
    return gmtls_cpu_has(GMTLS_CPUF_AVX2); /* the library's one probe */
}
#else
void gmtls_keccak_f1600_x4_avx2(uint64_t st[100])
{
    (void)st;
}

int gmtls_pq_have_avx2(void)
{
    return 0;
}
#endif
