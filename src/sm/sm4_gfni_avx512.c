/*
 * src/sm/sm4_gfni_avx512.c - SM4 (GB/T 32907-2016) with GFNI and AVX-512,
 * the core of the "gfni-avx512" CPU path.
 *
 * Layout: 16 blocks per group of four zmm registers. Blocks are loaded four
 * to a register (one per 128-bit lane), their words byte-swapped to the
 * standard's big-endian order and transposed within each lane, so that
 * register w holds word X_w of all 16 blocks (dword 4L+k of a register
 * belongs to block 4k+L). Every round is then the same few instructions
 * for all 16 blocks:
 *
 *   t  = X1 ^ X2 ^ X3 ^ rk_i                       (VPTERNLOGD, VPXORD)
 *   t  = S(t) bytewise = A2*inv(A1*t + c1) + c2    (GF2P8AFFINEQB, GF2P8AFFINEINVQB)
 *   X0 ^= t ^ t<<<2 ^ t<<<10 ^ t<<<18 ^ t<<<24     (VPROLD x4, VPTERNLOGD x2, VPXORD)
 *
 * (GB/T 32907-2016 §6.2: T(.) = L(tau(.)), L(B) = B ^ (B<<<2) ^ (B<<<10) ^
 * (B<<<18) ^ (B<<<24)); the affine matrices are in sm_internal.h.
 *
 * Constant time: no branch or memory index depends on keys or data; the
 * S-box is arithmetic in GF(2^8) inside the vector unit, block counts and
 * lengths (public) are the only loop controls. Four groups (64 blocks)
 * are processed per pass for instruction-level parallelism (tails: 32, 16,
 * then masked loads/stores). The few-block cases (single blocks, CBC
 * encryption, CCM's CBC-MAC) use a 4-lane xmm kernel with a latency-
 * optimised form of the round (see below). GCM's GHASH is in
 * ghash_vpclmul.c; sm4_gcm.c runs the two chunk by chunk.
 *
 * Every function carries a target attribute, so this file compiles
 * without -march flags; cpu.c only calls it on CPUs with the features.
 */
#include <string.h>

#include "sm_internal.h"

#ifdef GMTLS_SM_HAVE_X86
#include <immintrin.h>

#define Z_TARGET                                                                               \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,gfni,avx2,avx,sse4.1,ssse3")))

/* ------------------------------------------------------------ helpers */

/* Clear the vector registers a pass leaves key- or data-derived values in
 * (zmm0-15 by VZEROALL, zmm16-31 explicitly). */
Z_TARGET static inline void z_wipe_regs(void)
{
    __asm__ volatile("vzeroall\n\t"
                     "vpxord %%zmm16, %%zmm16, %%zmm16\n\t"
                     "vpxord %%zmm17, %%zmm17, %%zmm17\n\t"
                     "vpxord %%zmm18, %%zmm18, %%zmm18\n\t"
                     "vpxord %%zmm19, %%zmm19, %%zmm19\n\t"
                     "vpxord %%zmm20, %%zmm20, %%zmm20\n\t"
                     "vpxord %%zmm21, %%zmm21, %%zmm21\n\t"
                     "vpxord %%zmm22, %%zmm22, %%zmm22\n\t"
                     "vpxord %%zmm23, %%zmm23, %%zmm23\n\t"
                     "vpxord %%zmm24, %%zmm24, %%zmm24\n\t"
                     "vpxord %%zmm25, %%zmm25, %%zmm25\n\t"
                     "vpxord %%zmm26, %%zmm26, %%zmm26\n\t"
                     "vpxord %%zmm27, %%zmm27, %%zmm27\n\t"
                     "vpxord %%zmm28, %%zmm28, %%zmm28\n\t"
                     "vpxord %%zmm29, %%zmm29, %%zmm29\n\t"
                     "vpxord %%zmm30, %%zmm30, %%zmm30\n\t"
                     "vpxord %%zmm31, %%zmm31, %%zmm31\n\t" ::
                         : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                           "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
                           "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21",
                           "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28",
                           "xmm29", "xmm30", "xmm31");
}

Z_TARGET static inline __m512i z_sbox(__m512i x)
{
    x = _mm512_gf2p8affine_epi64_epi8(x, _mm512_set1_epi64((long long)GMTLS_SM4_GFNI_PRE),
                                      GMTLS_SM4_GFNI_PRE_C);
    return _mm512_gf2p8affineinv_epi64_epi8(x, _mm512_set1_epi64((long long)GMTLS_SM4_GFNI_POST),
                                            GMTLS_SM4_GFNI_POST_C);
}

/* GB/T 32907-2016 §7.1: X_{i+4} = X_i ^ T(X_{i+1} ^ X_{i+2} ^ X_{i+3} ^ rk_i), in place in x0 */
#define Z_ROUND(x0, x1, x2, x3, k)                                                             \
    do {                                                                                       \
        __m512i t_ = _mm512_xor_si512(_mm512_ternarylogic_epi32((x1), (x2), (x3), 0x96), (k)); \
        t_ = z_sbox(t_);                                                                       \
        __m512i a_ = _mm512_ternarylogic_epi32(t_, _mm512_rol_epi32(t_, 2),                    \
                                               _mm512_rol_epi32(t_, 10), 0x96);                \
        __m512i b_ = _mm512_ternarylogic_epi32((x0), _mm512_rol_epi32(t_, 18),                 \
                                               _mm512_rol_epi32(t_, 24), 0x96);                \
        (x0) = _mm512_xor_si512(a_, b_);                                                       \
    } while (0)

/* 32 rounds on one group (x) or two groups (x, y) of 16 blocks. */
Z_TARGET static inline void z_rounds16(const uint32_t rk[32], __m512i x[4])
{
    for (int i = 0; i < 32; i += 4) {
        Z_ROUND(x[0], x[1], x[2], x[3], _mm512_set1_epi32((int)rk[i]));
        Z_ROUND(x[1], x[2], x[3], x[0], _mm512_set1_epi32((int)rk[i + 1]));
        Z_ROUND(x[2], x[3], x[0], x[1], _mm512_set1_epi32((int)rk[i + 2]));
        Z_ROUND(x[3], x[0], x[1], x[2], _mm512_set1_epi32((int)rk[i + 3]));
    }
}

Z_TARGET static inline void z_rounds32(const uint32_t rk[32], __m512i x[4], __m512i y[4])
{
    for (int i = 0; i < 32; i += 4) {
        __m512i k0 = _mm512_set1_epi32((int)rk[i]), k1 = _mm512_set1_epi32((int)rk[i + 1]);
        __m512i k2 = _mm512_set1_epi32((int)rk[i + 2]), k3 = _mm512_set1_epi32((int)rk[i + 3]);
        Z_ROUND(x[0], x[1], x[2], x[3], k0);
        Z_ROUND(y[0], y[1], y[2], y[3], k0);
        Z_ROUND(x[1], x[2], x[3], x[0], k1);
        Z_ROUND(y[1], y[2], y[3], y[0], k1);
        Z_ROUND(x[2], x[3], x[0], x[1], k2);
        Z_ROUND(y[2], y[3], y[0], y[1], k2);
        Z_ROUND(x[3], x[0], x[1], x[2], k3);
        Z_ROUND(y[3], y[0], y[1], y[2], k3);
    }
}

/* Byte-swap every 32-bit word (the standard's words are big-endian). */
Z_TARGET static inline __m512i z_bswap32(__m512i v)
{
    const __m512i m = _mm512_broadcast_i32x4(
        _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12));
    return _mm512_shuffle_epi8(v, m);
}

/* 4x4 transpose of 32-bit words within each 128-bit lane (an involution). */
Z_TARGET static inline void z_transpose(__m512i *a, __m512i *b, __m512i *c, __m512i *d)
{
    __m512i t0 = _mm512_unpacklo_epi32(*a, *b), t1 = _mm512_unpackhi_epi32(*a, *b);
    __m512i t2 = _mm512_unpacklo_epi32(*c, *d), t3 = _mm512_unpackhi_epi32(*c, *d);
    *a = _mm512_unpacklo_epi64(t0, t2);
    *b = _mm512_unpackhi_epi64(t0, t2);
    *c = _mm512_unpacklo_epi64(t1, t3);
    *d = _mm512_unpackhi_epi64(t1, t3);
}

/* Byte mask for register j of a group whose first `bytes` bytes are live. */
static inline __mmask64 z_mask(size_t bytes, size_t j)
{
    size_t lo = 64 * j;
    if (bytes <= lo) {
        return 0;
    }
    return bytes - lo >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (bytes - lo)) - 1);
}

/* Load nb (1..16) blocks into the word-sliced form (missing blocks read as 0). */
Z_TARGET static inline void z_load(__m512i x[4], const uint8_t *in, size_t nb)
{
    for (size_t j = 0; j < 4; j++) {
        x[j] = z_bswap32(_mm512_maskz_loadu_epi8(z_mask(16 * nb, j), in + 64 * j));
    }
    z_transpose(&x[0], &x[1], &x[2], &x[3]);
}

/* GB/T 32907-2016 §7.1: the output is (X35, X34, X33, X32) = R(x3..x0). */
Z_TARGET static inline void z_unslice(__m512i o[4], const __m512i x[4])
{
    o[0] = x[3];
    o[1] = x[2];
    o[2] = x[1];
    o[3] = x[0];
    z_transpose(&o[0], &o[1], &o[2], &o[3]);
    for (int j = 0; j < 4; j++) {
        o[j] = z_bswap32(o[j]);
    }
}

/* Store nb (1..16) output blocks; with xin, out = xin ^ output (key stream). */
Z_TARGET static inline void z_store(uint8_t *out, const uint8_t *xin, const __m512i x[4], size_t nb)
{
    __m512i o[4];
    z_unslice(o, x);
    for (size_t j = 0; j < 4; j++) {
        __mmask64 m = z_mask(16 * nb, j);
        if (m == 0) {
            break;
        }
        if (xin != NULL) {
            o[j] = _mm512_xor_si512(o[j], _mm512_maskz_loadu_epi8(m, xin + 64 * j));
        }
        _mm512_mask_storeu_epi8(out + 64 * j, m, o[j]);
    }
}

/* Store nb (1..16) blocks of key stream applied to buf: buf = (buf ^ ks) & keep. */
Z_TARGET static inline void z_store_keep(uint8_t *buf, const __m512i x[4], size_t nb, __m512i keep)
{
    __m512i o[4];
    z_unslice(o, x);
    for (size_t j = 0; j < 4; j++) {
        __mmask64 m = z_mask(16 * nb, j);
        if (m == 0) {
            break;
        }
        /* (o ^ in) & keep */
        o[j] = _mm512_ternarylogic_epi32(o[j], _mm512_maskz_loadu_epi8(m, buf + 64 * j), keep, 0x28);
        _mm512_mask_storeu_epi8(buf + 64 * j, m, o[j]);
    }
}

/* dword i of a sliced register belongs to block 4*(i%4) + i/4 */
static const uint32_t z_lane_block[16] = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};

/* ---------------------------------------------- 4-lane (xmm) variant */

/*
 * Latency-optimised rounds for the few-block case (single blocks, CBC
 * encryption, CCM's CBC-MAC chain), where one block's 32 dependent rounds
 * set the speed. Two changes shorten the per-round chain from
 * GFNI, GFNI, VPROLD, VPTERNLOGD, VPXOR, VPXOR to GFNI, VPROLD, VPTERNLOGD,
 * VPTERNLOGD (and the round to 3 GFNI, 3 VPROLD, 4 VPTERNLOGD, 1 VPXOR):
 *
 * 1. The state is kept as Y = A1*X (A1 applied to every byte, one
 *    GF2P8AFFINEQB in and one out per block; round keys become
 *    A1*rk ^ c1). Then the S-box input is directly inv's argument, and
 *    A1*L(S(.)) is assembled from three GF2P8AFFINEINVQB run in parallel:
 *    with s = S(.), L(s) = s ^ (s<<<24) ^ (I ^ R8 ^ R16)(s<<<2), and the
 *    rotation by 2 split into bytewise maps, s<<<2 = Shl2(s) ^ R8(Shr6(s))
 *    (R8, R16, R24 = whole-byte rotations, which commute with bytewise
 *    A1), so with a = A1*s, b = A1*Shl2*s, c = A1*Shr6*s:
 *      A1*L(s) = a ^ R24 a ^ b ^ R8 b ^ R16 b ^ R8 c ^ R16 c ^ R24 c.
 *    a, b, c are GF2P8AFFINEINVQB with matrices A1*A2, A1*Shl2*A2,
 *    A1*Shr6*A2 and constants A1*c2, A1*Shl2*c2, A1*Shr6*c2 (derived
 *    offline like the S-box maps, in sm_internal.h; sm4_test.c checks the
 *    identity with a model of the instructions).
 * 2. The next round's input is X_{i+2} ^ X_{i+3} ^ X_{i+4} ^ rk_{i+1} with
 *    X_{i+4} = X_i ^ L(s): the part P = X_i ^ X_{i+2} ^ X_{i+3} ^ rk_{i+1} is
 *    ready early, so only P ^ L(s) is on the chain; X_{i+4} is formed beside.
 */
#define Y_A1 GMTLS_SM4_GFNI_PRE
#define Y_A1INV GMTLS_SM4_Y_A1INV
#define Y_MA GMTLS_SM4_Y_MA
#define Y_CA GMTLS_SM4_Y_CA
#define Y_MB GMTLS_SM4_Y_MB
#define Y_CB GMTLS_SM4_Y_CB
#define Y_MC GMTLS_SM4_Y_MC
#define Y_CC GMTLS_SM4_Y_CC

/* The three GF2P8AFFINEINVQB give sums of a, b, c directly (affine maps
 * add): g = a ^ b, e = b ^ c, f = a ^ c, so that
 * A1*L(s) = g ^ R8 e ^ R16 e ^ R24 f: three rotations instead of six. */
#define Y_MG (Y_MA ^ Y_MB)
#define Y_CG (Y_CA ^ Y_CB)
#define Y_ME (Y_MB ^ Y_MC)
#define Y_CE (Y_CB ^ Y_CC)
#define Y_MF (Y_MA ^ Y_MC)
#define Y_CF (Y_CA ^ Y_CC)

#define Y_ROUND(y0, y1, y2, y3, in, knext)                                                     \
    do {                                                                                       \
        __m128i g_ = _mm_gf2p8affineinv_epi64_epi8((in), mg, Y_CG);                            \
        __m128i e_ = _mm_gf2p8affineinv_epi64_epi8((in), me, Y_CE);                            \
        __m128i f_ = _mm_gf2p8affineinv_epi64_epi8((in), mf, Y_CF);                            \
        __m128i p_ = _mm_xor_si128(_mm_ternarylogic_epi32((y0), (y2), (y3), 0x96), (knext));   \
        __m128i t_ = _mm_ternarylogic_epi32(_mm_rol_epi32(e_, 8), _mm_rol_epi32(e_, 16),       \
                                            _mm_rol_epi32(f_, 24), 0x96);                      \
        (in) = _mm_ternarylogic_epi32(p_, g_, t_, 0x96);                                       \
        (y0) = _mm_ternarylogic_epi32((y0), g_, t_, 0x96);                                     \
    } while (0)

/* The round keys in the Y domain: A1*rk ^ c1 in every byte. */
Z_TARGET static inline void y_keys(__m128i yk[32], const uint32_t rk[32])
{
    const __m128i a1 = _mm_set1_epi64x((long long)Y_A1);
    for (int i = 0; i < 32; i++) {
        yk[i] = _mm_gf2p8affine_epi64_epi8(_mm_set1_epi32((int)rk[i]), a1, GMTLS_SM4_GFNI_PRE_C);
    }
}

/* 32 rounds on Y-domain state; afterwards y[3-w] is output word w. */
Z_TARGET static inline void y_rounds(const __m128i yk[32], __m128i y[4])
{
    const __m128i mg = _mm_set1_epi64x((long long)Y_MG), me = _mm_set1_epi64x((long long)Y_ME);
    const __m128i mf = _mm_set1_epi64x((long long)Y_MF);
    __m128i in = _mm_xor_si128(_mm_ternarylogic_epi32(y[1], y[2], y[3], 0x96), yk[0]);
    for (int i = 0; i < 32; i += 4) {
        __m128i k4 = i + 4 < 32 ? yk[i + 4] : _mm_setzero_si128();
        Y_ROUND(y[0], y[1], y[2], y[3], in, yk[i + 1]);
        Y_ROUND(y[1], y[2], y[3], y[0], in, yk[i + 2]);
        Y_ROUND(y[2], y[3], y[0], y[1], in, yk[i + 3]);
        Y_ROUND(y[3], y[0], y[1], y[2], in, k4);
    }
}

/* Bytewise A1 (into the Y domain) or A1^-1 (out of it). */
Z_TARGET static inline __m128i y_in(__m128i v)
{
    return _mm_gf2p8affine_epi64_epi8(v, _mm_set1_epi64x((long long)Y_A1), 0);
}

Z_TARGET static inline __m128i y_out(__m128i v)
{
    return _mm_gf2p8affine_epi64_epi8(v, _mm_set1_epi64x((long long)Y_A1INV), 0);
}

Z_TARGET static inline __m128i x_bswap32(__m128i v)
{
    return _mm_shuffle_epi8(v, _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12));
}

Z_TARGET static inline void x_transpose(__m128i *a, __m128i *b, __m128i *c, __m128i *d)
{
    __m128i t0 = _mm_unpacklo_epi32(*a, *b), t1 = _mm_unpackhi_epi32(*a, *b);
    __m128i t2 = _mm_unpacklo_epi32(*c, *d), t3 = _mm_unpackhi_epi32(*c, *d);
    *a = _mm_unpacklo_epi64(t0, t2);
    *b = _mm_unpackhi_epi64(t0, t2);
    *c = _mm_unpacklo_epi64(t1, t3);
    *d = _mm_unpackhi_epi64(t1, t3);
}

/* Encrypt nb (1..4) blocks with the xmm variant (lane k = block k). */
Z_TARGET static void x_crypt4(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t nb)
{
    __m128i x[4];
    for (size_t k = 0; k < 4; k++) {
        x[k] = k < nb ? x_bswap32(_mm_loadu_si128((const __m128i *)(const void *)(in + 16 * k)))
                      : _mm_setzero_si128();
    }
    for (int w = 0; w < 4; w++) {
        x[w] = y_in(x[w]);
    }
    x_transpose(&x[0], &x[1], &x[2], &x[3]);
    __m128i yk[32];
    y_keys(yk, rk);
    y_rounds(yk, x);
    gmtls_sm_wipe(yk, sizeof yk);
    __m128i o0 = y_out(x[3]), o1 = y_out(x[2]), o2 = y_out(x[1]), o3 = y_out(x[0]);
    x_transpose(&o0, &o1, &o2, &o3);
    __m128i o[4] = {o0, o1, o2, o3};
    for (size_t k = 0; k < nb; k++) {
        _mm_storeu_si128((__m128i *)(void *)(out + 16 * k), x_bswap32(o[k]));
    }
}

/* ------------------------------------------------------- entry points */

/* Four groups (64 blocks) interleaved: the round is latency-bound (each
 * round depends on the previous one through the GFNI pair), so more
 * independent groups fill the pipes; 4 was measured best on Zen 4
 * (2 groups: ~2.5 GB/s, 4: ~3.6 GB/s, 5-8: no further gain). */
#define ZG 4
Z_TARGET static inline void z_roundsG(const uint32_t rk[32], __m512i x[ZG][4])
{
    for (int i = 0; i < 32; i += 4) {
        __m512i k0 = _mm512_set1_epi32((int)rk[i]), k1 = _mm512_set1_epi32((int)rk[i + 1]);
        __m512i k2 = _mm512_set1_epi32((int)rk[i + 2]), k3 = _mm512_set1_epi32((int)rk[i + 3]);
        for (int g = 0; g < ZG; g++) {
            Z_ROUND(x[g][0], x[g][1], x[g][2], x[g][3], k0);
        }
        for (int g = 0; g < ZG; g++) {
            Z_ROUND(x[g][1], x[g][2], x[g][3], x[g][0], k1);
        }
        for (int g = 0; g < ZG; g++) {
            Z_ROUND(x[g][2], x[g][3], x[g][0], x[g][1], k2);
        }
        for (int g = 0; g < ZG; g++) {
            Z_ROUND(x[g][3], x[g][0], x[g][1], x[g][2], k3);
        }
    }
}


Z_TARGET void gmtls_sm4_gfni512_blocks(const uint32_t rk[32], const uint8_t *in, uint8_t *out,
                                       size_t nblocks)
{
    __m512i x[4], y[4];
    while (nblocks >= 16 * ZG) {
        __m512i xg[ZG][4];
        for (int g = 0; g < ZG; g++) {
            z_load(xg[g], in + 256 * g, 16);
        }
        z_roundsG(rk, xg);
        for (int g = 0; g < ZG; g++) {
            z_store(out + 256 * g, NULL, xg[g], 16);
        }
        in += 256 * ZG;
        out += 256 * ZG;
        nblocks -= 16 * ZG;
    }
    while (nblocks >= 32) {
        z_load(x, in, 16);
        z_load(y, in + 256, 16);
        z_rounds32(rk, x, y);
        z_store(out, NULL, x, 16);
        z_store(out + 256, NULL, y, 16);
        in += 512;
        out += 512;
        nblocks -= 32;
    }
    if (nblocks > 16) {
        z_load(x, in, 16);
        z_load(y, in + 256, nblocks - 16);
        z_rounds32(rk, x, y);
        z_store(out, NULL, x, 16);
        z_store(out + 256, NULL, y, nblocks - 16);
    } else if (nblocks > 4) {
        z_load(x, in, nblocks);
        z_rounds16(rk, x);
        z_store(out, NULL, x, nblocks);
    } else if (nblocks > 0) {
        x_crypt4(rk, in, out, nblocks);
    }
    z_wipe_regs();
}

/* Counter blocks ctr + base + (block index) in sliced form, as 128-bit
 * big-endian integers: the carry out of each word is propagated with mask
 * registers, never with branches. */
Z_TARGET static inline void z_ctr128(__m512i x[4], const uint32_t w[4], uint32_t base)
{
    const __m512i one = _mm512_set1_epi32(1);
    __m512i add = _mm512_add_epi32(_mm512_loadu_si512((const void *)z_lane_block),
                                   _mm512_set1_epi32((int)base));
    x[3] = _mm512_add_epi32(_mm512_set1_epi32((int)w[3]), add);
    __mmask16 c = _mm512_cmplt_epu32_mask(x[3], add);
    x[2] = _mm512_mask_add_epi32(_mm512_set1_epi32((int)w[2]), c, _mm512_set1_epi32((int)w[2]), one);
    c &= _mm512_cmpeq_epi32_mask(x[2], _mm512_setzero_si512());
    x[1] = _mm512_mask_add_epi32(_mm512_set1_epi32((int)w[1]), c, _mm512_set1_epi32((int)w[1]), one);
    c &= _mm512_cmpeq_epi32_mask(x[1], _mm512_setzero_si512());
    x[0] = _mm512_mask_add_epi32(_mm512_set1_epi32((int)w[0]), c, _mm512_set1_epi32((int)w[0]), one);
}

Z_TARGET void gmtls_sm4_gfni512_ctr(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in,
                                    uint8_t *out, size_t nblocks)
{
    __m512i x[4], y[4];
    uint32_t w[4];
    while (nblocks > 0) {
        size_t n = nblocks < 32 ? nblocks : 32;
        for (int i = 0; i < 4; i++) {
            w[i] = gmtls_sm_load_be32(ctr + 4 * i);
        }
        /* SP 800-38A §6.5: T_j = T_1 + (j - 1) as a 128-bit integer */
        if (nblocks >= 16 * ZG) {
            __m512i xg[ZG][4];
            n = 16 * ZG;
            for (int g = 0; g < ZG; g++) {
                z_ctr128(xg[g], w, 16 * (uint32_t)g);
            }
            z_roundsG(rk, xg);
            for (int g = 0; g < ZG; g++) {
                z_store(out + 256 * g, in + 256 * g, xg[g], 16);
            }
        } else if (n > 16) {
            z_ctr128(x, w, 0);
            z_ctr128(y, w, 16);
            z_rounds32(rk, x, y);
            z_store(out, in, x, 16);
            z_store(out + 256, in + 256, y, n - 16);
        } else {
            z_ctr128(x, w, 0);
            z_rounds16(rk, x);
            z_store(out, in, x, n);
        }
        gmtls_sm_ctr128_add(ctr, n);
        in += 16 * n;
        out += 16 * n;
        nblocks -= n;
    }
    gmtls_sm_wipe(w, sizeof w);
    z_wipe_regs();
}

/* SP 800-38D §6.5 GCTR with inc32: only the low word varies (mod 2^32). */
Z_TARGET static inline void z_ctr32(__m512i x[4], const uint32_t w[3], uint32_t c)
{
    x[0] = _mm512_set1_epi32((int)w[0]);
    x[1] = _mm512_set1_epi32((int)w[1]);
    x[2] = _mm512_set1_epi32((int)w[2]);
    x[3] = _mm512_add_epi32(_mm512_set1_epi32((int)c),
                            _mm512_loadu_si512((const void *)z_lane_block));
}

Z_TARGET void gmtls_sm4_gfni512_ctr32(const uint32_t rk[32], uint8_t cb[16], uint8_t *buf,
                                      size_t nblocks, uint32_t keep)
{
    const __m512i kv = _mm512_set1_epi32((int)keep);
    __m512i x[4], y[4];
    uint32_t w[3];
    uint32_t c = gmtls_sm_load_be32(cb + 12);
    for (int i = 0; i < 3; i++) {
        w[i] = gmtls_sm_load_be32(cb + 4 * i);
    }
    while (nblocks >= 16 * ZG) {
        __m512i xg[ZG][4];
        for (int g = 0; g < ZG; g++) {
            z_ctr32(xg[g], w, c + 16 * (uint32_t)g);
        }
        z_roundsG(rk, xg);
        for (int g = 0; g < ZG; g++) {
            z_store_keep(buf + 256 * g, xg[g], 16, kv);
        }
        c += 16 * ZG;
        buf += 256 * ZG;
        nblocks -= 16 * ZG;
    }
    while (nblocks >= 32) {
        z_ctr32(x, w, c);
        z_ctr32(y, w, c + 16);
        z_rounds32(rk, x, y);
        z_store_keep(buf, x, 16, kv);
        z_store_keep(buf + 256, y, 16, kv);
        c += 32;
        buf += 512;
        nblocks -= 32;
    }
    if (nblocks > 16) {
        z_ctr32(x, w, c);
        z_ctr32(y, w, c + 16);
        z_rounds32(rk, x, y);
        z_store_keep(buf, x, 16, kv);
        z_store_keep(buf + 256, y, nblocks - 16, kv);
    } else if (nblocks > 0) {
        z_ctr32(x, w, c);
        z_rounds16(rk, x);
        z_store_keep(buf, x, nblocks, kv);
    }
    c += (uint32_t)nblocks;
    gmtls_sm_store_be32(cb + 12, c);
    gmtls_sm_wipe(w, sizeof w);
    z_wipe_regs();
}

/*
 * CCM: the CBC-MAC chain in lane 0 of the xmm variant and one counter
 * block in lane 1, so the (independent) CTR work rides in the latency of
 * the serial MAC. The state stays word-sliced between blocks: the next
 * MAC input word w is output word w (= register 3-w) ^ B_w.
 */
Z_TARGET void gmtls_sm4_gfni512_mac_ctr(const uint32_t rk[32], uint8_t y[16], const uint8_t *mac_in,
                                        size_t nmac, const uint8_t *ctr_in, uint8_t *ks_out,
                                        size_t nctr)
{
    if (nmac == 0) {
        if (nctr > 0) {
            gmtls_sm4_gfni512_blocks(rk, ctr_in, ks_out, nctr);
        }
        return;
    }
    const __m128i lane0 = _mm_setr_epi32(-1, 0, 0, 0), z = _mm_setzero_si128();
    __m128i x[4], yk[32];
    y_keys(yk, rk);
    /* x[3-w] = word w of the chaining value, in the Y domain, lane 0 */
    __m128i s0 = y_in(x_bswap32(_mm_loadu_si128((const __m128i *)(const void *)y))), s1 = z,
            s2 = z, s3 = z;
    x_transpose(&s0, &s1, &s2, &s3);
    x[3] = s0;
    x[2] = s1;
    x[1] = s2;
    x[0] = s3;
    size_t i = 0;
    for (; i < nmac; i++) {
        /* A1 is bytewise, so it commutes with the byte swap and the transpose:
         * apply it to the two live blocks before slicing (2 GFNI, not 4) */
        __m128i d0 = y_in(x_bswap32(_mm_loadu_si128((const __m128i *)(const void *)(mac_in + 16 * i))));
        __m128i d1 = z;
        if (i < nctr) {
            d1 = y_in(x_bswap32(_mm_loadu_si128((const __m128i *)(const void *)(ctr_in + 16 * i))));
        }
        __m128i d2 = z, d3 = z;
        x_transpose(&d0, &d1, &d2, &d3);
        /* SP 800-38C A.2 / §6.1 step 4: Y_i = CIPH_K(B_i ^ Y_{i-1}) in lane 0, Ctr
         * block in lane 1; A1 is linear, so A1*(Y ^ B) = A1*Y ^ A1*B. */
        __m128i n0 = _mm_ternarylogic_epi32(x[3], lane0, d0, 0x6a);
        __m128i n1 = _mm_ternarylogic_epi32(x[2], lane0, d1, 0x6a);
        __m128i n2 = _mm_ternarylogic_epi32(x[1], lane0, d2, 0x6a);
        __m128i n3 = _mm_ternarylogic_epi32(x[0], lane0, d3, 0x6a);
        x[0] = n0;
        x[1] = n1;
        x[2] = n2;
        x[3] = n3;
        y_rounds(yk, x);
        if (i < nctr) {
            __m128i o0 = x[3], o1 = x[2], o2 = x[1], o3 = x[0];
            x_transpose(&o0, &o1, &o2, &o3);
            _mm_storeu_si128((__m128i *)(void *)(ks_out + 16 * i), x_bswap32(y_out(o1)));
        }
    }
    {
        __m128i o0 = x[3], o1 = x[2], o2 = x[1], o3 = x[0];
        x_transpose(&o0, &o1, &o2, &o3);
        _mm_storeu_si128((__m128i *)(void *)y, x_bswap32(y_out(o0)));
    }
    gmtls_sm_wipe(yk, sizeof yk);
    if (nctr > i) {
        gmtls_sm4_gfni512_blocks(rk, ctr_in + 16 * i, ks_out + 16 * i, nctr - i);
    }
    z_wipe_regs();
}
#endif
