/*
 * src/sm/sm3_bmi2.c - SM3 compression (GB/T 32905-2016 §5.3) tuned for
 * x86-64 with BMI2: all 64 rounds unrolled so every T_j <<< j is an
 * immediate, rotations as RORX (no flags, separate destination), FF/GG
 * in forms that keep most of their work off the critical path, and the
 * message expansion (§5.3.2) done four words at
 * a time in SSE registers (VEX-encoded; AVX2 CPUs), issued one round group
 * ahead of use, so the integer ports are left to the rounds. The round's
 * E chain (add, RORX, add, LEA, P0 = RORX, XOR, XOR: 7 cycles) sets the
 * speed; the code is arranged so nothing else lengthens it.
 *
 * Like the portable code it has no branches or memory indexes that
 * depend on the data. Compiled with a target attribute (no -march flag);
 * cpu.c selects it on CPUs with BMI2 only where the faster hand-scheduled
 * sm3_x86_64.S is not built (32-bit x86, non-ELF targets).
 */
#include "sm_internal.h"

#ifdef GMTLS_SM_HAVE_X86

#include <immintrin.h>

/* GCC's pre-RA instruction scheduling (off by default on x86) interleaves
 * the two round chains better: ~5% here. */
#if defined(__GNUC__) && !defined(__clang__)
#define SM3_TARGET                                                                             \
    __attribute__((target("bmi,bmi2,avx2,avx,sse4.1,ssse3"),                                    \
                   optimize("schedule-insns", "sched-pressure")))
#else
#define SM3_TARGET __attribute__((target("bmi,bmi2,avx2,avx,sse4.1,ssse3")))
#endif

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
/* GB/T 32905-2016 §4.4: P0(X) = X ^ (X <<< 9) ^ (X <<< 17); P1(X) = X ^ (X <<< 15) ^ (X <<< 23) */
#define P0(x) ((x) ^ ROL((x), 9) ^ ROL((x), 17))
#define P1(x) ((x) ^ ROL((x), 15) ^ ROL((x), 23))
/* GB/T 32905-2016 §4.3: FF_j = GG_j = X ^ Y ^ Z for 0 <= j <= 15 */
#define FF0(x, y, z) ((x) ^ (y) ^ (z))
#define GG0(x, y, z) ((x) ^ (y) ^ (z))
/* GB/T 32905-2016 §4.3: FF_j = (X&Y)|(X&Z)|(Y&Z), GG_j = (X&Y)|(~X&Z) for 16 <= j <= 63 */
/* (equivalent forms in which Y|Z, Y&Z and Y^Z, whose inputs are ready a
 * round earlier, leave two operations after the newest input X) */
#define FF1(x, y, z) (((x) & ((y) | (z))) | ((y) & (z)))
#define GG1(x, y, z) ((((y) ^ (z)) & (x)) ^ (z))

/* GB/T 32905-2016 §4.2: T_j = 79cc4519 (j < 16), 7a879d8a (j >= 16); used as T_j <<< (j mod 32) */
#define ROLC(x, n) (((x) << ((n) & 31)) | ((x) >> ((32 - (n)) & 31)))
#define TJ(j) ((j) < 16 ? ROLC(0x79cc4519u, (j)) : ROLC(0x7a879d8au, (j)))

/* Rotate each 32-bit lane left by n. */
#define VROL(x, n) _mm_or_si128(_mm_slli_epi32((x), (n)), _mm_srli_epi32((x), 32 - (n)))
#define VP1(x) _mm_xor_si128(_mm_xor_si128((x), VROL((x), 15)), VROL((x), 23))

/*
 * §5.3.2 b) four words at a time: W_j = P1(W_{j-16} ^ W_{j-9} ^ (W_{j-3} <<< 15))
 * ^ (W_{j-13} <<< 7) ^ W_{j-6} for j = 4m..4m+3, v[k] = W_{4k..4k+3}. The
 * fourth lane needs W_{4m} (lane 0 of this very step) under P1; P1 is
 * linear, so lane 3 is computed with that term missing and then corrected
 * by P1(W_{4m} <<< 15).
 */
SM3_TARGET static inline __m128i sm3_expand4(const __m128i *v, int m)
{
    __m128i a = v[m - 4];
    __m128i b = _mm_alignr_epi8(v[m - 2], v[m - 3], 12);
    __m128i c = _mm_srli_si128(v[m - 1], 4);
    __m128i d = _mm_alignr_epi8(v[m - 3], v[m - 4], 12);
    __m128i e = _mm_alignr_epi8(v[m - 1], v[m - 2], 8);
    __m128i x = _mm_xor_si128(_mm_xor_si128(a, b), VROL(c, 15));
    __m128i y = _mm_xor_si128(_mm_xor_si128(VP1(x), VROL(d, 7)), e);
    __m128i t = _mm_slli_si128(y, 12);
    t = VROL(t, 15);
    return _mm_xor_si128(y, VP1(t));
}

/* §5.3.3 round j with the registers' roles rotated by the caller; W'_j = W_j ^ W_{j+4}. */
#define ROUND(a, b, c, d, e, f, g, h, j, FF, GG)                                               \
    do {                                                                                       \
        uint32_t a12_ = ROL(a, 12);                                                            \
        uint32_t a12t_ = a12_ + (uint32_t)TJ(j);                                               \
        /* keep (A<<<12) + T_j apart: A is ready before E, so one add follows E */          \
        __asm__("" : "+r"(a12t_));                                                             \
        uint32_t ss1_ = ROL(a12t_ + (e), 7);                                                   \
        uint32_t tt1_ = FF(a, b, c) + (d) + (ss1_ ^ a12_) + wpl[j];                            \
        uint32_t tt2_ = GG(e, f, g) + (h) + ss1_ + wl[j];                                      \
        b = ROL(b, 9);                                                                         \
        d = tt1_;                                                                              \
        f = ROL(f, 19);                                                                        \
        h = P0(tt2_);                                                                          \
    } while (0)

#define R4(j, FF, GG)                                                                          \
    do {                                                                                       \
        ROUND(a, b, c, d, e, f, g, h, (j), FF, GG);                                            \
        ROUND(d, a, b, c, h, e, f, g, (j) + 1, FF, GG);                                        \
        ROUND(c, d, a, b, g, h, e, f, (j) + 2, FF, GG);                                        \
        ROUND(b, c, d, a, f, g, h, e, (j) + 3, FF, GG);                                        \
    } while (0)

/*
 * Rounds 4g..4g+3 use W_{4g..4g+7} (v[g], v[g+1]); the expansion of
 * v[g+2] is issued here, one group ahead of its use, so its (serial,
 * ~20-cycle) dependency chain overlaps the rounds instead of preceding
 * them. W'_j = W_j ^ W_{j+4} (§5.3.2 c) is formed per group.
 */
#define G4(g, FF, GG)                                                                          \
    do {                                                                                       \
        if ((g) + 2 >= 5 && (g) + 2 <= 16) {                                                   \
            v[(g) + 2] = sm3_expand4(v, (g) + 2);                                              \
        }                                                                                      \
        _mm_storeu_si128((__m128i *)(void *)(w + 4 * (g)), v[g]);                              \
        _mm_storeu_si128((__m128i *)(void *)(wp + 4 * (g)), _mm_xor_si128(v[g], v[(g) + 1]));  \
        /* read W, W' back as memory operands, not lane extracts */                           \
        __asm__("" : "+r"(wl), "+r"(wpl) : : "memory");                                        \
        R4(4 * (g), FF, GG);                                                                   \
    } while (0)

SM3_TARGET void gmtls_sm3_bmi2_blocks(uint32_t hs[8], const uint8_t *in, size_t nblocks)
{
    __m128i v[17];
    uint32_t w[64], wp[64];
    const __m128i bswap = _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
    while (nblocks--) {
        /* GB/T 32905-2016 §5.3.2 a): W_0..W_15 are the block as big-endian words */
        for (int k = 0; k < 4; k++) {
            __m128i m = _mm_loadu_si128((const __m128i *)(const void *)(in + 16 * k));
            v[k] = _mm_shuffle_epi8(m, bswap);
        }
        v[4] = sm3_expand4(v, 4);
        uint32_t *wl = w, *wpl = wp;
        uint32_t a = hs[0], b = hs[1], c = hs[2], d = hs[3];
        uint32_t e = hs[4], f = hs[5], g = hs[6], h = hs[7];
        G4(0, FF0, GG0);
        G4(1, FF0, GG0);
        G4(2, FF0, GG0);
        G4(3, FF0, GG0);
        G4(4, FF1, GG1);
        G4(5, FF1, GG1);
        G4(6, FF1, GG1);
        G4(7, FF1, GG1);
        G4(8, FF1, GG1);
        G4(9, FF1, GG1);
        G4(10, FF1, GG1);
        G4(11, FF1, GG1);
        G4(12, FF1, GG1);
        G4(13, FF1, GG1);
        G4(14, FF1, GG1);
        G4(15, FF1, GG1);
        /* §5.3.3: V(i+1) = ABCDEFGH ^ V(i) */
        hs[0] ^= a;
        hs[1] ^= b;
        hs[2] ^= c;
        hs[3] ^= d;
        hs[4] ^= e;
        hs[5] ^= f;
        hs[6] ^= g;
        hs[7] ^= h;
        in += 64;
    }
    gmtls_sm_wipe(w, sizeof w);
    gmtls_sm_wipe(wp, sizeof wp);
    gmtls_sm_wipe(v, sizeof v);
}
#endif
