/*
 * src/pq/ntt_avx2.c - the ML-KEM NTT and inverse NTT with AVX2, 16 int16
 * lanes: the layers whose butterflies span 16 or more coefficients (len
 * 128 .. 16) on whole registers, the last three (len 8, 4, 2) after an
 * in-lane split of 32 coefficients into the two halves of each pair.
 * Every lane operation computes exactly what the portable arithmetic does
 * (Montgomery: hi(a b) - hi(lo(a (b q^-1)) q); Barrett:
 * ((v a) >> 16 + 2^9) >> 10), so both paths give the same bytes
 * (tests/pq/mlkem_test.c compares them). No data-dependent branch or index.
 */
#include "pq/pq_internal.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define Q 3329
#define QINV (-3327)
#define AVX2 __attribute__((target("avx2")))

/* a * zeta * 2^-16 mod q on 16 lanes (zeta and zeta q^-1 broadcast) */
AVX2 static inline __m256i vfqmul(__m256i a, __m256i z, __m256i zqinv, __m256i q)
{
    __m256i lo = _mm256_mullo_epi16(a, zqinv);
    __m256i hi = _mm256_mulhi_epi16(a, z);
    return _mm256_sub_epi16(hi, _mm256_mulhi_epi16(lo, q));
}

AVX2 static inline __m256i vbarrett(__m256i a, __m256i v, __m256i q)
{
    __m256i t = _mm256_mulhi_epi16(a, v);
    t = _mm256_srai_epi16(_mm256_add_epi16(t, _mm256_set1_epi16(512)), 10);
    return _mm256_sub_epi16(a, _mm256_mullo_epi16(t, q));
}

/* The last three layers (len 8, 4, 2) on 32 coefficients at a time: the
 * pairs (e, e + len) of A = r[c..c+16) and B = r[c+16..c+32) are split into
 * X (the e) and Y (the e + len) with in-lane shuffles, and merged back.
 * EX[l][i] is the element (relative to c) in lane i of X for len = 8 >> l. */
static const uint8_t EX[3][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23},
    {0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27},
    {0, 1, 4, 5, 16, 17, 20, 21, 8, 9, 12, 13, 24, 25, 28, 29},
};

AVX2 static inline void split(unsigned l, __m256i a, __m256i b, __m256i *x, __m256i *y)
{
    if (l == 0) { /* len 8: 128-bit halves */
        *x = _mm256_permute2x128_si256(a, b, 0x20);
        *y = _mm256_permute2x128_si256(a, b, 0x31);
    } else if (l == 1) { /* len 4: 64-bit halves of each 128-bit lane */
        *x = _mm256_unpacklo_epi64(a, b);
        *y = _mm256_unpackhi_epi64(a, b);
    } else { /* len 2: 32-bit pairs */
        a = _mm256_shuffle_epi32(a, 0xD8);
        b = _mm256_shuffle_epi32(b, 0xD8);
        *x = _mm256_unpacklo_epi64(a, b);
        *y = _mm256_unpackhi_epi64(a, b);
    }
}

AVX2 static inline void merge(unsigned l, __m256i x, __m256i y, __m256i *a, __m256i *b)
{
    if (l == 0) {
        *a = _mm256_permute2x128_si256(x, y, 0x20);
        *b = _mm256_permute2x128_si256(x, y, 0x31);
    } else if (l == 1) {
        *a = _mm256_unpacklo_epi64(x, y);
        *b = _mm256_unpackhi_epi64(x, y);
    } else {
        *a = _mm256_shuffle_epi32(_mm256_unpacklo_epi64(x, y), 0xD8);
        *b = _mm256_shuffle_epi32(_mm256_unpackhi_epi64(x, y), 0xD8);
    }
}

/* The zeta of each lane of X and zeta q^-1, per direction, layer and
 * 32-coefficient chunk: NTT group g of layer len uses zetas[128 / len + g],
 * the inverse zetas[256 / len - 1 - g]. Filled once by
 * gmtls_mlkem_avx2_tables (mlkem.c calls it under pthread_once before
 * selecting this path). */
static int16_t ZV[2][3][8][2][16];

/* Base-case zetas: odd lane 2p + 1 of chunk c holds +-zetas[64 + i] for the
 * pair of coefficients c + 2p (block i = (c + 2p) / 4, minus for the second
 * pair of a block), even lanes 0. */
static int16_t ZB[16][16];

void gmtls_mlkem_avx2_tables(const int16_t zetas[128])
{
    for (unsigned c = 0; c < 16; c++) {
        for (unsigned p = 0; p < 8; p++) {
            unsigned n = 16 * c + 2 * p;
            int16_t z = zetas[64 + n / 4];
            ZB[c][2 * p] = 0;
            ZB[c][2 * p + 1] = (n / 2) % 2 ? (int16_t)-z : z;
        }
    }
    for (unsigned inv = 0; inv < 2; inv++) {
        for (unsigned l = 0; l < 3; l++) {
            unsigned len = 8u >> l;
            for (unsigned c = 0; c < 8; c++) {
                for (unsigned i = 0; i < 16; i++) {
                    unsigned g = (32 * c + EX[l][i]) / (2 * len);
                    int16_t zeta = inv ? zetas[256 / len - 1 - g] : zetas[128 / len + g];
                    ZV[inv][l][c][0][i] = zeta;
                    ZV[inv][l][c][1][i] = (int16_t)(zeta * QINV);
                }
            }
        }
    }
}

AVX2 static inline void lane_zetas(unsigned l, unsigned c, int inverse, __m256i *z, __m256i *zq)
{
    *z = _mm256_loadu_si256((const __m256i *)ZV[inverse][l][c / 32][0]);
    *zq = _mm256_loadu_si256((const __m256i *)ZV[inverse][l][c / 32][1]);
}

AVX2 void gmtls_mlkem_ntt_avx2(int16_t r[256], const int16_t zetas[128])
{
    const __m256i q = _mm256_set1_epi16(Q), v = _mm256_set1_epi16(20159);
    unsigned k = 1;
    for (unsigned len = 128; len >= 16; len >>= 1) {
        for (unsigned start = 0; start < 256; start += 2 * len) {
            int16_t zeta = zetas[k++];
            __m256i z = _mm256_set1_epi16(zeta), zq = _mm256_set1_epi16((int16_t)(zeta * QINV));
            for (unsigned j = start; j < start + len; j += 16) {
                __m256i a = _mm256_loadu_si256((const __m256i *)(r + j));
                __m256i b = _mm256_loadu_si256((const __m256i *)(r + j + len));
                __m256i t = vfqmul(b, z, zq, q);
                _mm256_storeu_si256((__m256i *)(r + j + len), _mm256_sub_epi16(a, t));
                _mm256_storeu_si256((__m256i *)(r + j), _mm256_add_epi16(a, t));
            }
        }
    }
    (void)k;
    for (unsigned l = 0; l < 3; l++) { /* len 8, 4, 2 */
        for (unsigned c = 0; c < 256; c += 32) {
            __m256i a = _mm256_loadu_si256((const __m256i *)(r + c));
            __m256i b = _mm256_loadu_si256((const __m256i *)(r + c + 16));
            __m256i x, y, z, zq;
            split(l, a, b, &x, &y);
            lane_zetas(l, c, 0, &z, &zq);
            __m256i t = vfqmul(y, z, zq, q);
            merge(l, _mm256_add_epi16(x, t), _mm256_sub_epi16(x, t), &a, &b);
            _mm256_storeu_si256((__m256i *)(r + c), a);
            _mm256_storeu_si256((__m256i *)(r + c + 16), b);
        }
    }
    for (unsigned j = 0; j < 256; j += 16) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(r + j));
        _mm256_storeu_si256((__m256i *)(r + j), vbarrett(a, v, q));
    }
}

AVX2 void gmtls_mlkem_invntt_avx2(int16_t r[256], const int16_t zetas[128])
{
    const __m256i q = _mm256_set1_epi16(Q), v = _mm256_set1_epi16(20159);
    const int16_t f = 1441;
    unsigned k = 15;
    for (int l = 2; l >= 0; l--) { /* len 2, 4, 8 */
        for (unsigned c = 0; c < 256; c += 32) {
            __m256i a = _mm256_loadu_si256((const __m256i *)(r + c));
            __m256i b = _mm256_loadu_si256((const __m256i *)(r + c + 16));
            __m256i x, y, z, zq;
            split((unsigned)l, a, b, &x, &y);
            lane_zetas((unsigned)l, c, 1, &z, &zq);
            merge((unsigned)l, vbarrett(_mm256_add_epi16(x, y), v, q), vfqmul(_mm256_sub_epi16(y, x), z, zq, q), &a,
                  &b);
            _mm256_storeu_si256((__m256i *)(r + c), a);
            _mm256_storeu_si256((__m256i *)(r + c + 16), b);
        }
    }
    for (unsigned len = 16; len <= 128; len <<= 1) {
        for (unsigned start = 0; start < 256; start += 2 * len) {
            int16_t zeta = zetas[k--];
            __m256i z = _mm256_set1_epi16(zeta), zq = _mm256_set1_epi16((int16_t)(zeta * QINV));
            for (unsigned j = start; j < start + len; j += 16) {
                __m256i a = _mm256_loadu_si256((const __m256i *)(r + j));
                __m256i b = _mm256_loadu_si256((const __m256i *)(r + j + len));
                _mm256_storeu_si256((__m256i *)(r + j), vbarrett(_mm256_add_epi16(a, b), v, q));
                _mm256_storeu_si256((__m256i *)(r + j + len), vfqmul(_mm256_sub_epi16(b, a), z, zq, q));
            }
        }
    }
    __m256i fz = _mm256_set1_epi16(f), fq = _mm256_set1_epi16((int16_t)(f * QINV));
    for (unsigned j = 0; j < 256; j += 16) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(r + j));
        _mm256_storeu_si256((__m256i *)(r + j), vfqmul(a, fz, fq, q));
    }
}
/* int32 lanes a -> a 2^-16 mod q as the portable mont_reduce computes it:
 * t = (int16)a q^-1, (a - t q) >> 16. */
AVX2 static inline __m256i vmontred32(__m256i a)
{
    __m256i t = _mm256_mullo_epi16(a, _mm256_set1_epi16(QINV));
    t = _mm256_srai_epi32(_mm256_slli_epi32(t, 16), 16);
    return _mm256_srai_epi32(_mm256_sub_epi32(a, _mm256_mullo_epi32(t, _mm256_set1_epi32(Q))), 16);
}

/* r = sum_j a[j] o b[j] (k polynomials of 256 each, contiguous), as
 * polyvec_basemul in mlkem.c: per pair, a0 b0 + fqmul(a1, b1) zeta and
 * a0 b1 + a1 b0 summed in 32 bits (vpmaddwd), reduced once. */
AVX2 void gmtls_mlkem_basemul_avx2(int16_t r[256], const int16_t *a, const int16_t *b, unsigned k)
{
    const __m256i q = _mm256_set1_epi16(Q), qinv = _mm256_set1_epi16(QINV);
    for (unsigned c = 0; c < 256; c += 16) {
        __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
        __m256i zb = _mm256_loadu_si256((const __m256i *)ZB[c / 16]);
        for (unsigned j = 0; j < k; j++) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(a + 256 * j + c));
            __m256i y = _mm256_loadu_si256((const __m256i *)(b + 256 * j + c));
            __m256i w = vfqmul(x, y, _mm256_mullo_epi16(y, qinv), q); /* odd lanes: fqmul(a1, b1) */
            acc0 = _mm256_add_epi32(acc0,
                                    _mm256_madd_epi16(_mm256_blend_epi16(x, w, 0xAA), _mm256_blend_epi16(y, zb, 0xAA)));
            __m256i ysw = _mm256_or_si256(_mm256_slli_epi32(y, 16), _mm256_srli_epi32(y, 16));
            acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(x, ysw));
        }
        __m256i r0 = vmontred32(acc0), r1 = vmontred32(acc1);
        _mm256_storeu_si256((__m256i *)(r + c), _mm256_blend_epi16(r0, _mm256_slli_epi32(r1, 16), 0xAA));
    }
}
/* v[i] = Compress_d(a[i] mod q) for the 256 coefficients, as mlkem.c's
 * compress(freeze(a)): freeze is the same Barrett step and two masked
 * corrections; floor(t / q) for t = (x << d) + (q - 1) / 2 < 2^23 is
 * (t 315) >> 20 (never below the quotient, at most one above), corrected
 * by the sign of t - r q. */
AVX2 void gmtls_mlkem_compress_avx2(uint16_t v[256], const int16_t a[256], unsigned d)
{
    const __m256i q = _mm256_set1_epi16(Q), bv = _mm256_set1_epi16(20159);
    const __m256i q32 = _mm256_set1_epi32(Q), m315 = _mm256_set1_epi32(315), half = _mm256_set1_epi32(Q / 2);
    const __m256i mask = _mm256_set1_epi32((1 << d) - 1);
    const __m128i sh = _mm_cvtsi32_si128((int)d);
    for (unsigned c = 0; c < 256; c += 16) {
        __m256i x = vbarrett(_mm256_loadu_si256((const __m256i *)(a + c)), bv, q);
        x = _mm256_add_epi16(x, _mm256_and_si256(_mm256_srai_epi16(x, 15), q));
        x = _mm256_sub_epi16(x, q);
        x = _mm256_add_epi16(x, _mm256_and_si256(_mm256_srai_epi16(x, 15), q));
        __m256i h[2];
        for (int i = 0; i < 2; i++) {
            __m256i w = _mm256_cvtepu16_epi32(i ? _mm256_extracti128_si256(x, 1) : _mm256_castsi256_si128(x));
            __m256i t = _mm256_add_epi32(_mm256_sll_epi32(w, sh), half);
            __m256i r = _mm256_srli_epi32(_mm256_mullo_epi32(t, m315), 20);
            __m256i rem = _mm256_sub_epi32(t, _mm256_mullo_epi32(r, q32));
            r = _mm256_add_epi32(r, _mm256_srai_epi32(rem, 31));
            h[i] = _mm256_and_si256(r, mask);
        }
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(h[0], h[1]), 0xD8);
        _mm256_storeu_si256((__m256i *)(v + c), packed);
    }
}
#else
void gmtls_mlkem_compress_avx2(uint16_t v[256], const int16_t a[256], unsigned d)
{
    (void)v;
    (void)a;
    (void)d;
}

void gmtls_mlkem_basemul_avx2(int16_t r[256], const int16_t *a, const int16_t *b, unsigned k)
{
    (void)r;
    (void)a;
    (void)b;
    (void)k;
}

void gmtls_mlkem_avx2_tables(const int16_t zetas[128])
{
    (void)zetas;
}

void gmtls_mlkem_ntt_avx2(int16_t r[256], const int16_t zetas[128])
{
    (void)r;
    (void)zetas;
}

void gmtls_mlkem_invntt_avx2(int16_t r[256], const int16_t zetas[128])
{
    (void)r;
    (void)zetas;
}
#endif
