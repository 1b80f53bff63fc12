/*
 * src/sm/sm4_avx2_tmpl.h - the AVX2 SM4 body shared by the "gfni-avx2"
 * (sm4_gfni_avx2.c) and "aesni-avx2" (sm4_aesni_avx2.c) paths; included
 * once by each with
 *
 *   X2_TARGET     the function target attribute,
 *   X2_SBOX(v)    an inline function applying the SM4 S-box to every byte
 *                 of a __m256i in constant time,
 *   X2_SBOX128(v) the same for a __m128i (the CCM MAC kernel),
 *   X2_NAME(f)    the exported name of entry point f.
 *
 * Layout: 8 blocks per group of four ymm registers. Blocks are loaded two
 * to a register (one per 128-bit lane), byte-swapped to big-endian words
 * and transposed within each lane, so register w holds word X_w of all 8
 * blocks (dword 4L+k belongs to block 2k+L). Eight groups (64 blocks) are
 * interleaved per pass: one round is a dependent chain (S-box, then L),
 * so independent groups keep the vector pipes busy (measured on Zen 4,
 * GFNI CTR: 2 groups 1.3 GB/s, 4 groups 1.9, 8 groups 2.6; the spills of
 * 32 state registers to L1 cost less than the latency they hide). AVX2 has no vector
 * rotate; L is computed as (GB/T 32907-2016 §6.2)
 *
 *   L(B) = B ^ (B<<<2) ^ (B<<<10) ^ (B<<<18) ^ (B<<<24)
 *        = B ^ (B<<<24) ^ ((B ^ (B<<<8) ^ (B<<<16)) <<< 2),
 *
 * whole-byte rotations by VPSHUFB, the one 2-bit rotation by two shifts.
 * No branch or memory index depends on keys or data; only block counts
 * (public) steer the code.
 */

#define X2_G 8

X2_TARGET static inline __m256i x2_rol(__m256i v, int n)
{
    return _mm256_or_si256(_mm256_slli_epi32(v, n), _mm256_srli_epi32(v, 32 - n));
}

X2_TARGET static inline __m256i x2_L(__m256i t)
{
    const __m256i r8 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14));
    const __m256i r16 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
    const __m256i r24 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
    __m256i u = _mm256_xor_si256(_mm256_xor_si256(t, _mm256_shuffle_epi8(t, r8)),
                                 _mm256_shuffle_epi8(t, r16));
    __m256i v = _mm256_xor_si256(t, _mm256_shuffle_epi8(t, r24));
    return _mm256_xor_si256(v, x2_rol(u, 2));
}

/* GB/T 32907-2016 §7.1: X_{i+4} = X_i ^ T(X_{i+1} ^ X_{i+2} ^ X_{i+3} ^ rk_i) */
#define X2_ROUND(x0, x1, x2, x3, k)                                                            \
    do {                                                                                       \
        __m256i t_ = _mm256_xor_si256(_mm256_xor_si256((x1), (x2)), _mm256_xor_si256((x3), (k))); \
        (x0) = _mm256_xor_si256((x0), x2_L(X2_SBOX(t_)));                                      \
    } while (0)

X2_TARGET static inline void x2_rounds(const uint32_t rk[32], __m256i x[][4], int ng)
{
    for (int i = 0; i < 32; i += 4) {
        __m256i k0 = _mm256_set1_epi32((int)rk[i]), k1 = _mm256_set1_epi32((int)rk[i + 1]);
        __m256i k2 = _mm256_set1_epi32((int)rk[i + 2]), k3 = _mm256_set1_epi32((int)rk[i + 3]);
        for (int g = 0; g < ng; g++) {
            X2_ROUND(x[g][0], x[g][1], x[g][2], x[g][3], k0);
        }
        for (int g = 0; g < ng; g++) {
            X2_ROUND(x[g][1], x[g][2], x[g][3], x[g][0], k1);
        }
        for (int g = 0; g < ng; g++) {
            X2_ROUND(x[g][2], x[g][3], x[g][0], x[g][1], k2);
        }
        for (int g = 0; g < ng; g++) {
            X2_ROUND(x[g][3], x[g][0], x[g][1], x[g][2], k3);
        }
    }
}

/* Separate instances for the full pass (unrolled) and for 1..X2_G groups. */
X2_TARGET static inline void x2_rounds_full(const uint32_t rk[32], __m256i x[X2_G][4])
{
    x2_rounds(rk, x, X2_G);
}

X2_TARGET static void x2_rounds_some(const uint32_t rk[32], __m256i x[X2_G][4], int ng)
{
    x2_rounds(rk, x, ng);
}

X2_TARGET static inline __m256i x2_bswap32(__m256i v)
{
    return _mm256_shuffle_epi8(v, _mm256_broadcastsi128_si256(_mm_setr_epi8(
                                      3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12)));
}

X2_TARGET static inline void x2_transpose(__m256i *a, __m256i *b, __m256i *c, __m256i *d)
{
    __m256i t0 = _mm256_unpacklo_epi32(*a, *b), t1 = _mm256_unpackhi_epi32(*a, *b);
    __m256i t2 = _mm256_unpacklo_epi32(*c, *d), t3 = _mm256_unpackhi_epi32(*c, *d);
    *a = _mm256_unpacklo_epi64(t0, t2);
    *b = _mm256_unpackhi_epi64(t0, t2);
    *c = _mm256_unpacklo_epi64(t1, t3);
    *d = _mm256_unpackhi_epi64(t1, t3);
}

/* 8 whole blocks (128 bytes) into sliced form. */
X2_TARGET static inline void x2_load(__m256i x[4], const uint8_t *in)
{
    for (int j = 0; j < 4; j++) {
        x[j] = x2_bswap32(_mm256_loadu_si256((const __m256i *)(const void *)(in + 32 * j)));
    }
    x2_transpose(&x[0], &x[1], &x[2], &x[3]);
}

/* GB/T 32907-2016 §7.1: output (X35, X34, X33, X32); 8 whole blocks out,
 * XORed into xin when it is not NULL. */
X2_TARGET static inline void x2_store(uint8_t *out, const uint8_t *xin, const __m256i x[4])
{
    __m256i o0 = x[3], o1 = x[2], o2 = x[1], o3 = x[0];
    x2_transpose(&o0, &o1, &o2, &o3);
    __m256i o[4] = {o0, o1, o2, o3};
    for (int j = 0; j < 4; j++) {
        __m256i v = x2_bswap32(o[j]);
        if (xin != NULL) {
            __m256i d = _mm256_loadu_si256((const __m256i *)(const void *)(xin + 32 * j));
            v = _mm256_xor_si256(v, d);
        }
        _mm256_storeu_si256((__m256i *)(void *)(out + 32 * j), v);
    }
}

/* 8 whole blocks of key stream applied to buf: buf = (buf ^ ks) & keep. */
X2_TARGET static inline void x2_store_keep(uint8_t *buf, const __m256i x[4], __m256i keep)
{
    __m256i o0 = x[3], o1 = x[2], o2 = x[1], o3 = x[0];
    x2_transpose(&o0, &o1, &o2, &o3);
    __m256i o[4] = {o0, o1, o2, o3};
    for (int j = 0; j < 4; j++) {
        __m256i d = _mm256_loadu_si256((const __m256i *)(const void *)(buf + 32 * j));
        __m256i v = _mm256_xor_si256(x2_bswap32(o[j]), d);
        _mm256_storeu_si256((__m256i *)(void *)(buf + 32 * j), _mm256_and_si256(v, keep));
    }
}

X2_TARGET static void x2x_crypt4(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t nb);

/* dword i of a sliced register belongs to block 2*(i%4) + i/4 */
static const uint32_t x2_lane_block[8] = {0, 2, 4, 6, 1, 3, 5, 7};

void X2_NAME(blocks)(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t nblocks);

X2_TARGET void X2_NAME(blocks)(const uint32_t rk[32], const uint8_t *in, uint8_t *out,
                               size_t nblocks)
{
    __m256i x[X2_G][4];
    while (nblocks >= 8 * X2_G) {
        for (int g = 0; g < X2_G; g++) {
            x2_load(x[g], in + 128 * g);
        }
        x2_rounds_full(rk, x);
        for (int g = 0; g < X2_G; g++) {
            x2_store(out + 128 * g, NULL, x[g]);
        }
        in += 128 * X2_G;
        out += 128 * X2_G;
        nblocks -= 8 * X2_G;
    }
    if (nblocks > 0 && nblocks <= 4) {
        /* few blocks (CBC encryption, single blocks): the latency-oriented kernel */
        x2x_crypt4(rk, in, out, nblocks);
        nblocks = 0;
    }
    if (nblocks > 0) {
        /* 5..63 blocks: ceil(n/8) groups in one pass, the last one through
         * a stack buffer (wiped) */
        uint8_t buf[128];
        int ng = (int)((nblocks + 7) / 8), g;
        size_t rest = nblocks - 8 * (size_t)(ng - 1);
        for (g = 0; g < ng - 1; g++) {
            x2_load(x[g], in + 128 * g);
        }
        memcpy(buf, in + 128 * g, 16 * rest);
        memset(buf + 16 * rest, 0, sizeof buf - 16 * rest);
        x2_load(x[g], buf);
        x2_rounds_some(rk, x, ng);
        for (g = 0; g < ng - 1; g++) {
            x2_store(out + 128 * g, NULL, x[g]);
        }
        x2_store(buf, NULL, x[g]);
        memcpy(out + 128 * g, buf, 16 * rest);
        gmtls_sm_wipe(buf, sizeof buf);
    }
    /* the state array may live on the stack (spills): clear it too */
    gmtls_sm_wipe(x, sizeof x);
    _mm256_zeroall();
}

/* Counter blocks ctr + base + (block index) as 128-bit big-endian
 * integers in sliced form; carries are propagated with compare masks
 * (AVX2 has no unsigned compare: both sides are offset by 2^31). */
X2_TARGET static inline void x2_ctr128(__m256i x[4], const uint32_t w[4], uint32_t base)
{
    const __m256i sign = _mm256_set1_epi32((int)0x80000000u), zero = _mm256_setzero_si256();
    __m256i add = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(const void *)x2_lane_block),
                                   _mm256_set1_epi32((int)base));
    x[3] = _mm256_add_epi32(_mm256_set1_epi32((int)w[3]), add);
    __m256i c = _mm256_cmpgt_epi32(_mm256_xor_si256(add, sign), _mm256_xor_si256(x[3], sign));
    x[2] = _mm256_sub_epi32(_mm256_set1_epi32((int)w[2]), c);
    c = _mm256_and_si256(c, _mm256_cmpeq_epi32(x[2], zero));
    x[1] = _mm256_sub_epi32(_mm256_set1_epi32((int)w[1]), c);
    c = _mm256_and_si256(c, _mm256_cmpeq_epi32(x[1], zero));
    x[0] = _mm256_sub_epi32(_mm256_set1_epi32((int)w[0]), c);
}

void X2_NAME(ctr)(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in, uint8_t *out,
                  size_t nblocks);

X2_TARGET void X2_NAME(ctr)(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in,
                            uint8_t *out, size_t nblocks)
{
    __m256i x[X2_G][4];
    uint32_t w[4];
    uint8_t buf[128];
    while (nblocks > 0) {
        for (int i = 0; i < 4; i++) {
            w[i] = gmtls_sm_load_be32(ctr + 4 * i);
        }
        /* SP 800-38A §6.5: T_j = T_1 + (j - 1) as a 128-bit integer */
        size_t n;
        if (nblocks >= 8 * X2_G) {
            n = 8 * X2_G;
            for (int g = 0; g < X2_G; g++) {
                x2_ctr128(x[g], w, 8 * (uint32_t)g);
            }
            x2_rounds_full(rk, x);
            for (int g = 0; g < X2_G; g++) {
                x2_store(out + 128 * g, in + 128 * g, x[g]);
            }
        } else {
            int ng = (int)((nblocks + 7) / 8), g;
            size_t rest = nblocks - 8 * (size_t)(ng - 1);
            n = nblocks;
            for (g = 0; g < ng; g++) {
                x2_ctr128(x[g], w, 8 * (uint32_t)g);
            }
            x2_rounds_some(rk, x, ng);
            for (g = 0; g < ng - 1; g++) {
                x2_store(out + 128 * g, in + 128 * g, x[g]);
            }
            memcpy(buf, in + 128 * g, 16 * rest);
            memset(buf + 16 * rest, 0, sizeof buf - 16 * rest);
            x2_store(buf, buf, x[g]);
            memcpy(out + 128 * g, buf, 16 * rest);
        }
        gmtls_sm_ctr128_add(ctr, n);
        in += 16 * n;
        out += 16 * n;
        nblocks -= n;
    }
    gmtls_sm_wipe(buf, sizeof buf);
    gmtls_sm_wipe(w, sizeof w);
    gmtls_sm_wipe(x, sizeof x);
    _mm256_zeroall();
}

/* SP 800-38D §6.5 GCTR with inc32: only the low word varies (mod 2^32). */
X2_TARGET static inline void x2_ctr32(__m256i x[4], const uint32_t w[3], uint32_t c)
{
    x[0] = _mm256_set1_epi32((int)w[0]);
    x[1] = _mm256_set1_epi32((int)w[1]);
    x[2] = _mm256_set1_epi32((int)w[2]);
    x[3] = _mm256_add_epi32(_mm256_set1_epi32((int)c),
                            _mm256_loadu_si256((const __m256i *)(const void *)x2_lane_block));
}

void X2_NAME(ctr32)(const uint32_t rk[32], uint8_t cb[16], uint8_t *buf, size_t nblocks,
                    uint32_t keep);

X2_TARGET void X2_NAME(ctr32)(const uint32_t rk[32], uint8_t cb[16], uint8_t *buf, size_t nblocks,
                              uint32_t keep)
{
    const __m256i kv = _mm256_set1_epi32((int)keep);
    __m256i x[X2_G][4];
    uint32_t w[3];
    uint8_t tmp[128];
    uint32_t c = gmtls_sm_load_be32(cb + 12);
    for (int i = 0; i < 3; i++) {
        w[i] = gmtls_sm_load_be32(cb + 4 * i);
    }
    while (nblocks >= 8 * X2_G) {
        for (int g = 0; g < X2_G; g++) {
            x2_ctr32(x[g], w, c + 8 * (uint32_t)g);
        }
        x2_rounds_full(rk, x);
        for (int g = 0; g < X2_G; g++) {
            x2_store_keep(buf + 128 * g, x[g], kv);
        }
        c += 8 * X2_G;
        buf += 128 * X2_G;
        nblocks -= 8 * X2_G;
    }
    if (nblocks > 0) {
        int ng = (int)((nblocks + 7) / 8), g;
        size_t rest = nblocks - 8 * (size_t)(ng - 1);
        for (g = 0; g < ng; g++) {
            x2_ctr32(x[g], w, c + 8 * (uint32_t)g);
        }
        x2_rounds_some(rk, x, ng);
        for (g = 0; g < ng - 1; g++) {
            x2_store_keep(buf + 128 * g, x[g], kv);
        }
        memcpy(tmp, buf + 128 * g, 16 * rest);
        memset(tmp + 16 * rest, 0, sizeof tmp - 16 * rest);
        x2_store_keep(tmp, x[g], kv);
        memcpy(buf + 128 * g, tmp, 16 * rest);
        c += (uint32_t)nblocks;
    }
    gmtls_sm_store_be32(cb + 12, c);
    gmtls_sm_wipe(tmp, sizeof tmp);
    gmtls_sm_wipe(w, sizeof w);
    gmtls_sm_wipe(x, sizeof x);
    _mm256_zeroall();
}

/* ------------------------------------------- 4-lane (xmm) MAC kernel */

X2_TARGET static inline __m128i x2x_bswap32(__m128i v)
{
    return _mm_shuffle_epi8(v, _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12));
}

/* An all-zero register the compiler cannot see through: transposes with
 * known-zero rows otherwise become VMOVQ xmm, xmm, which Valgrind 3.19
 * cannot decode (this path is the SIMD one ct_sm4_test runs under it). */
X2_TARGET static inline __m128i x2x_zero(void)
{
    __m128i z = _mm_setzero_si128();
    __asm__("" : "+x"(z));
    return z;
}

X2_TARGET static inline void x2x_transpose(__m128i *a, __m128i *b, __m128i *c, __m128i *d)
{
    __m128i t0 = _mm_unpacklo_epi32(*a, *b), t1 = _mm_unpackhi_epi32(*a, *b);
    __m128i t2 = _mm_unpacklo_epi32(*c, *d), t3 = _mm_unpackhi_epi32(*c, *d);
    *a = _mm_unpacklo_epi64(t0, t2);
    *b = _mm_unpackhi_epi64(t0, t2);
    *c = _mm_unpacklo_epi64(t1, t3);
    *d = _mm_unpackhi_epi64(t1, t3);
}

/*
 * Latency-oriented round for the serial CBC-MAC (xmm, lane k = block k).
 * The next round's S-box input is X_{i+2} ^ X_{i+3} ^ X_{i+4} ^ rk_{i+1}
 * with X_{i+4} = X_i ^ L(t); everything but L(t) (and, of L(t), the
 * t ^ (t<<<24) part) is combined off the chain, so after the S-box only
 * the (t ^ t<<<8 ^ t<<<16) <<< 2 term and one XOR remain on it.
 */
#define X2X_ROUND(x0, x1, x2, x3, in, knext)                                                   \
    do {                                                                                       \
        __m128i t_ = X2_SBOX128(in);                                                           \
        __m128i p_ = _mm_xor_si128(_mm_xor_si128((x0), (x2)), _mm_xor_si128((x3), (knext)));   \
        __m128i v_ = _mm_xor_si128(t_, _mm_shuffle_epi8(t_, r24));                             \
        __m128i u_ = _mm_xor_si128(_mm_xor_si128(t_, _mm_shuffle_epi8(t_, r8)),                \
                                   _mm_shuffle_epi8(t_, r16));                                 \
        __m128i w_ = _mm_or_si128(_mm_slli_epi32(u_, 2), _mm_srli_epi32(u_, 30));              \
        (x0) = _mm_xor_si128(_mm_xor_si128((x0), v_), w_);                                     \
        (in) = _mm_xor_si128(_mm_xor_si128(p_, v_), w_);                                       \
    } while (0)

X2_TARGET static inline void x2x_rounds(const uint32_t rk[32], __m128i x[4])
{
    const __m128i r8 = _mm_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
    const __m128i r16 = _mm_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    const __m128i r24 = _mm_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);
    __m128i in = _mm_xor_si128(_mm_xor_si128(x[1], x[2]),
                               _mm_xor_si128(x[3], _mm_set1_epi32((int)rk[0])));
    for (int i = 0; i < 32; i += 4) {
        __m128i k4 = i + 4 < 32 ? _mm_set1_epi32((int)rk[i + 4]) : _mm_setzero_si128();
        X2X_ROUND(x[0], x[1], x[2], x[3], in, _mm_set1_epi32((int)rk[i + 1]));
        X2X_ROUND(x[1], x[2], x[3], x[0], in, _mm_set1_epi32((int)rk[i + 2]));
        X2X_ROUND(x[2], x[3], x[0], x[1], in, _mm_set1_epi32((int)rk[i + 3]));
        X2X_ROUND(x[3], x[0], x[1], x[2], in, k4);
    }
}

/* Encrypt nb (1..4) blocks with the xmm kernel (lane k = block k). */
X2_TARGET static void x2x_crypt4(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t nb)
{
    __m128i x[4];
    for (size_t k = 0; k < 4; k++) {
        x[k] = k < nb ? x2x_bswap32(_mm_loadu_si128((const __m128i *)(const void *)(in + 16 * k)))
                      : x2x_zero();
    }
    x2x_transpose(&x[0], &x[1], &x[2], &x[3]);
    x2x_rounds(rk, x);
    __m128i o0 = x[3], o1 = x[2], o2 = x[1], o3 = x[0];
    x2x_transpose(&o0, &o1, &o2, &o3);
    __m128i o[4] = {o0, o1, o2, o3};
    for (size_t k = 0; k < nb; k++) {
        _mm_storeu_si128((__m128i *)(void *)(out + 16 * k), x2x_bswap32(o[k]));
    }
}

/*
 * CCM: the CBC-MAC chain in lane 0 of the xmm kernel and one counter
 * block in lane 1, so the (independent) CTR work rides in the latency of
 * the serial MAC. The state stays sliced between MAC blocks: the next
 * input word w is output word w (= register 3-w) ^ B_w.
 */
void X2_NAME(mac_ctr)(const uint32_t rk[32], uint8_t y[16], const uint8_t *mac_in, size_t nmac,
                      const uint8_t *ctr_in, uint8_t *ks_out, size_t nctr);

X2_TARGET void X2_NAME(mac_ctr)(const uint32_t rk[32], uint8_t y[16], const uint8_t *mac_in,
                                size_t nmac, const uint8_t *ctr_in, uint8_t *ks_out, size_t nctr)
{
    if (nmac == 0) {
        if (nctr > 0) {
            X2_NAME(blocks)(rk, ctr_in, ks_out, nctr);
        }
        return;
    }
    const __m128i lane0 = _mm_setr_epi32(-1, 0, 0, 0), z = x2x_zero();
    __m128i x[4];
    __m128i s0 = x2x_bswap32(_mm_loadu_si128((const __m128i *)(const void *)y)), s1 = z, s2 = z,
            s3 = z;
    x2x_transpose(&s0, &s1, &s2, &s3);
    x[3] = s0;
    x[2] = s1;
    x[1] = s2;
    x[0] = s3;
    size_t i = 0;
    for (; i < nmac; i++) {
        __m128i d0 = x2x_bswap32(_mm_loadu_si128((const __m128i *)(const void *)(mac_in + 16 * i)));
        __m128i d1 = z, d2 = z, d3 = z;
        if (i < nctr) {
            d1 = x2x_bswap32(_mm_loadu_si128((const __m128i *)(const void *)(ctr_in + 16 * i)));
        }
        x2x_transpose(&d0, &d1, &d2, &d3);
        /* SP 800-38C A.2 / §6.1 step 4: Y_i = CIPH_K(B_i ^ Y_{i-1}); lane 1 = Ctr block */
        __m128i n0 = _mm_xor_si128(_mm_and_si128(x[3], lane0), d0);
        __m128i n1 = _mm_xor_si128(_mm_and_si128(x[2], lane0), d1);
        __m128i n2 = _mm_xor_si128(_mm_and_si128(x[1], lane0), d2);
        __m128i n3 = _mm_xor_si128(_mm_and_si128(x[0], lane0), d3);
        x[0] = n0;
        x[1] = n1;
        x[2] = n2;
        x[3] = n3;
        x2x_rounds(rk, x);
        if (i < nctr) {
            __m128i o0 = x[3], o1 = x[2], o2 = x[1], o3 = x[0];
            x2x_transpose(&o0, &o1, &o2, &o3);
            _mm_storeu_si128((__m128i *)(void *)(ks_out + 16 * i), x2x_bswap32(o1));
        }
    }
    {
        __m128i o0 = x[3], o1 = x[2], o2 = x[1], o3 = x[0];
        x2x_transpose(&o0, &o1, &o2, &o3);
        _mm_storeu_si128((__m128i *)(void *)y, x2x_bswap32(o0));
    }
    if (nctr > i) {
        X2_NAME(blocks)(rk, ctr_in + 16 * i, ks_out + 16 * i, nctr - i);
    }
    _mm256_zeroall();
}
