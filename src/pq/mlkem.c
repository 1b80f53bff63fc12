/*
 * src/pq/mlkem.c - ML-KEM-768 and ML-KEM-1024 (FIPS 203), portable C.
 *
 * Polynomials are int16_t[256] with coefficients mod q = 3329. The NTT and
 * the base-case multiplication use Montgomery arithmetic (R = 2^16) and
 * Barrett reduction, both branch-free; compression divides by q with a
 * multiply-and-shift. Nothing branches on or indexes memory by a secret:
 * the only data-dependent branch is the rejection sampling of the public
 * matrix A (SampleNTT, from the public seed rho). The ciphertext compare of
 * decapsulation is an OR of XORs and the implicit-rejection choice a mask
 * select. Stack copies of secrets are wiped before returning.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gmtls/mlkem.h"
#include "pq/pq_internal.h"
#include "sm/sm_internal.h"

#define Q 3329
#define N 256
#define KMAX 4

typedef struct {
    int16_t c[N];
} poly;

typedef struct {
    unsigned k, du, dv; /* eta1 = eta2 = 2 for both sets */
    size_t ek_len, dk_len, ct_len;
} params;

static const params P768 = {3, 10, 4, GMTLS_MLKEM768_EK_LEN, GMTLS_MLKEM768_DK_LEN, GMTLS_MLKEM768_CT_LEN};
static const params P1024 = {4, 11, 5, GMTLS_MLKEM1024_EK_LEN, GMTLS_MLKEM1024_DK_LEN, GMTLS_MLKEM1024_CT_LEN};

static const params *get_params(gmtls_mlkem_param ps)
{
    return ps == GMTLS_MLKEM768 ? &P768 : ps == GMTLS_MLKEM1024 ? &P1024 : NULL;
}

size_t gmtls_mlkem_ek_len(gmtls_mlkem_param ps)
{
    const params *p = get_params(ps);
    return p ? p->ek_len : 0;
}

size_t gmtls_mlkem_dk_len(gmtls_mlkem_param ps)
{
    const params *p = get_params(ps);
    return p ? p->dk_len : 0;
}

size_t gmtls_mlkem_ct_len(gmtls_mlkem_param ps)
{
    const params *p = get_params(ps);
    return p ? p->ct_len : 0;
}

/* ------------------------------------------------------------ arithmetic */

/* zeta^BitRev7(i) * 2^16 mod q, centred, zeta = 17 (FIPS 203 Appendix A). */
static const int16_t ZETAS[128] = {
    -1044, -758,  -359,  -1517, 1493,  1422,  287,   202,   -171,  622,  1577,  182,   962,   -1202, -1474, 1468,
    573,   -1325, 264,   383,   -829,  1458,  -1602, -130,  -681,  1017, 732,   608,   -1542, 411,   -205,  -1571,
    1223,  652,   -552,  1015,  -1293, 1491,  -282,  -1544, 516,   -8,   -320,  -666,  -1618, -1162, 126,   1469,
    -853,  -90,   -271,  830,   107,   -1421, -247,  -951,  -398,  961,  -1508, -725,  448,   -1065, 677,   -1275,
    -1103, 430,   555,   843,   -1251, 871,   1550,  105,   422,   587,  177,   -235,  -291,  -460,  1574,  1653,
    -246,  778,   1159,  -147,  -777,  1483,  -602,  1119,  -1590, 644,  -872,  349,   418,   329,   -156,  -75,
    817,   1097,  603,   610,   1322,  -1285, -1465, 384,   -1215, -136, 1218,  -1335, -874,  220,   -1187, -1659,
    -1185, -1530, -1278, 794,   -1510, -854,  -870,  478,   -108,  -308, 996,   991,   958,   -1460, 1522,  1628};

#define QINV (-3327) /* q^-1 mod 2^16 */

/* a * 2^-16 mod q for |a| < q * 2^15; result in (-q, q). */
static inline int16_t mont_reduce(int32_t a)
{
    int16_t t = (int16_t)((int16_t)a * QINV);
    return (int16_t)((a - (int32_t)t * Q) >> 16);
}

static inline int16_t fqmul(int16_t a, int16_t b)
{
    return mont_reduce((int32_t)a * b);
}

/* a mod q, centred in [-(q-1)/2, (q-1)/2], for any int16 a. */
static inline int16_t barrett_reduce(int16_t a)
{
    const int32_t v = ((1 << 26) + Q / 2) / Q;
    int16_t t = (int16_t)((v * a + (1 << 25)) >> 26);
    return (int16_t)(a - t * Q);
}

/* a mod q in [0, q), branch-free. */
static inline uint16_t freeze(int16_t a)
{
    int16_t r = barrett_reduce(a);
    r = (int16_t)(r + ((r >> 15) & Q));
    r = (int16_t)(r - Q);
    r = (int16_t)(r + ((r >> 15) & Q));
    return (uint16_t)r;
}

static void poly_reduce(poly *r)
{
    for (int i = 0; i < N; i++) {
        r->c[i] = barrett_reduce(r->c[i]);
    }
}

static void poly_add(poly *r, const poly *a)
{
    for (int i = 0; i < N; i++) {
        r->c[i] = (int16_t)(r->c[i] + a->c[i]);
    }
}

static int use_avx2(void);

/* FIPS 203 Algorithm 9, output in bit-reversed order, reduced. */
static void poly_ntt(poly *p)
{
    if (use_avx2()) {
        gmtls_mlkem_ntt_avx2(p->c, ZETAS);
        return;
    }
    int16_t *r = p->c;
    unsigned k = 1;
    for (unsigned len = 128; len >= 2; len >>= 1) {
        for (unsigned start = 0; start < N; start += 2 * len) {
            int16_t zeta = ZETAS[k++];
            for (unsigned j = start; j < start + len; j++) {
                int16_t t = fqmul(zeta, r[j + len]);
                r[j + len] = (int16_t)(r[j] - t);
                r[j] = (int16_t)(r[j] + t);
            }
        }
    }
    poly_reduce(p);
}

/* FIPS 203 Algorithm 10, also multiplying by 2^16 (undoing the factor
 * 2^-16 the base-case multiplication leaves) and by 128^-1. */
static void poly_invntt(poly *p)
{
    if (use_avx2()) {
        gmtls_mlkem_invntt_avx2(p->c, ZETAS);
        return;
    }
    int16_t *r = p->c;
    const int16_t f = 1441; /* 2^32 / 128 mod q */
    unsigned k = 127;
    for (unsigned len = 2; len <= 128; len <<= 1) {
        for (unsigned start = 0; start < N; start += 2 * len) {
            int16_t zeta = ZETAS[k--];
            for (unsigned j = start; j < start + len; j++) {
                int16_t t = r[j];
                r[j] = barrett_reduce((int16_t)(t + r[j + len]));
                r[j + len] = fqmul(zeta, (int16_t)(r[j + len] - t));
            }
        }
    }
    for (int j = 0; j < N; j++) {
        r[j] = fqmul(r[j], f);
    }
}

/* r = sum_j a[j] o b[j] in the NTT domain (Algorithms 11 and 12), times
 * 2^-16, reduced. Each base-case product a0 b0 + a1 b1 zeta is summed in
 * 32 bits over the k terms and Montgomery-reduced once: a term is below
 * 2 q^2 < 2^25 in magnitude, four of them below q 2^15. */
static void polyvec_basemul(poly *r, const poly *a, const poly *b, unsigned k)
{
    if (use_avx2()) {
        gmtls_mlkem_basemul_avx2(r->c, a[0].c, b[0].c, k);
        return;
    }
    for (int i = 0; i < N / 4; i++) {
        int16_t zeta = ZETAS[64 + i];
        for (int s = 0; s < 2; s++, zeta = (int16_t)-zeta) {
            int32_t r0 = 0, r1 = 0;
            for (unsigned j = 0; j < k; j++) {
                const int16_t *x = &a[j].c[4 * i + 2 * s], *y = &b[j].c[4 * i + 2 * s];
                r0 += (int32_t)fqmul(x[1], y[1]) * zeta + (int32_t)x[0] * y[0];
                r1 += (int32_t)x[0] * y[1] + (int32_t)x[1] * y[0];
            }
            r->c[4 * i + 2 * s] = mont_reduce(r0);
            r->c[4 * i + 2 * s + 1] = mont_reduce(r1);
        }
    }
}

/* a * 2^16 mod q */
static void poly_tomont(poly *r)
{
    const int16_t f = (int16_t)((1ULL << 32) % Q);
    for (int i = 0; i < N; i++) {
        r->c[i] = fqmul(r->c[i], f);
    }
}

/* ------------------------------------------------- encoding, compression */

/* ByteEncode_d (Algorithm 5) of values already < 2^d, LSB first; the
 * widths ML-KEM-768 uses most (12, 10, 4) written out. */
static void pack_bits(uint8_t *out, const uint16_t *v, unsigned d)
{
    if (d == 12) {
        for (int i = 0; i < N / 2; i++) {
            uint16_t a = v[2 * i], b = v[2 * i + 1];
            out[3 * i] = (uint8_t)a;
            out[3 * i + 1] = (uint8_t)((a >> 8) | (b << 4));
            out[3 * i + 2] = (uint8_t)(b >> 4);
        }
        return;
    }
    if (d == 10) {
        for (int i = 0; i < N / 4; i++) {
            const uint16_t *t = v + 4 * i;
            uint8_t *o = out + 5 * i;
            o[0] = (uint8_t)t[0];
            o[1] = (uint8_t)((t[0] >> 8) | (t[1] << 2));
            o[2] = (uint8_t)((t[1] >> 6) | (t[2] << 4));
            o[3] = (uint8_t)((t[2] >> 4) | (t[3] << 6));
            o[4] = (uint8_t)(t[3] >> 2);
        }
        return;
    }
    if (d == 4) {
        for (int i = 0; i < N / 2; i++) {
            out[i] = (uint8_t)(v[2 * i] | (v[2 * i + 1] << 4));
        }
        return;
    }
    uint32_t acc = 0;
    unsigned bits = 0;
    for (int i = 0; i < N; i++) {
        acc |= (uint32_t)v[i] << bits;
        bits += d;
        while (bits >= 8) {
            *out++ = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
}

/* ByteDecode_d (Algorithm 6) without the mod-q step; 12, 10 and 4 bits
 * written out. */
static void unpack_bits(uint16_t *v, const uint8_t *in, unsigned d)
{
    if (d == 12) {
        for (int i = 0; i < N / 2; i++) {
            const uint8_t *b = in + 3 * i;
            v[2 * i] = (uint16_t)(b[0] | ((b[1] & 0x0F) << 8));
            v[2 * i + 1] = (uint16_t)((b[1] >> 4) | (b[2] << 4));
        }
        return;
    }
    if (d == 10) {
        for (int i = 0; i < N / 4; i++) {
            const uint8_t *b = in + 5 * i;
            v[4 * i] = (uint16_t)((b[0] | (b[1] << 8)) & 0x3FF);
            v[4 * i + 1] = (uint16_t)(((b[1] >> 2) | (b[2] << 6)) & 0x3FF);
            v[4 * i + 2] = (uint16_t)(((b[2] >> 4) | (b[3] << 4)) & 0x3FF);
            v[4 * i + 3] = (uint16_t)(((b[3] >> 6) | (b[4] << 2)) & 0x3FF);
        }
        return;
    }
    if (d == 4) {
        for (int i = 0; i < N / 2; i++) {
            v[2 * i] = (uint16_t)(in[i] & 0x0F);
            v[2 * i + 1] = (uint16_t)(in[i] >> 4);
        }
        return;
    }
    uint32_t acc = 0, mask = (1u << d) - 1;
    unsigned bits = 0;
    for (int i = 0; i < N; i++) {
        while (bits < d) {
            acc |= (uint32_t)*in++ << bits;
            bits += 8;
        }
        v[i] = (uint16_t)(acc & mask);
        acc >>= d;
        bits -= d;
    }
}

/* Compress_d(x) = round(2^d x / q) mod 2^d for x in [0, q): the division
 * is floor(t / q) = (t * 2580335) >> 33, exact for t < 2^23. */
static inline uint16_t compress(uint16_t x, unsigned d)
{
    uint64_t t = ((uint64_t)x << d) + Q / 2;
    return (uint16_t)(((t * 2580335u) >> 33) & ((1u << d) - 1));
}

/* Decompress_d(y) = round(q y / 2^d) */
static inline int16_t decompress(uint16_t y, unsigned d)
{
    return (int16_t)(((uint32_t)y * Q + (1u << (d - 1))) >> d);
}

static void poly_encode12(uint8_t out[384], const poly *a)
{
    uint16_t v[N];
    for (int i = 0; i < N; i++) {
        v[i] = freeze(a->c[i]);
    }
    pack_bits(out, v, 12);
    gmtls_sm_wipe(v, sizeof v);
}

/* ByteDecode_12 with the reduction mod q; returns a mask with bit 15 set
 * when some input value was >= q (the §7.2 modulus check). */
static uint16_t poly_decode12(poly *r, const uint8_t in[384])
{
    uint16_t v[N], bad = 0;
    unpack_bits(v, in, 12);
    for (int i = 0; i < N; i++) {
        int16_t x = (int16_t)(v[i] - Q); /* negative iff v < q */
        bad |= (uint16_t)~x;             /* bit 15 set iff v >= q */
        r->c[i] = (int16_t)(x + ((x >> 15) & Q));
    }
    gmtls_sm_wipe(v, sizeof v);
    return bad & 0x8000;
}

static void poly_compress(uint8_t *out, const poly *a, unsigned d)
{
    uint16_t v[N];
    if (use_avx2()) {
        gmtls_mlkem_compress_avx2(v, a->c, d);
    } else {
        for (int i = 0; i < N; i++) {
            v[i] = compress(freeze(a->c[i]), d);
        }
    }
    pack_bits(out, v, d);
    gmtls_sm_wipe(v, sizeof v);
}

static void poly_decompress(poly *r, const uint8_t *in, unsigned d)
{
    uint16_t v[N];
    unpack_bits(v, in, d);
    for (int i = 0; i < N; i++) {
        r->c[i] = decompress(v[i], d);
    }
    gmtls_sm_wipe(v, sizeof v);
}

/* mu = Decompress_1(ByteDecode_1(m)): bit i -> 0 or (q+1)/2, by mask. */
static void poly_from_msg(poly *r, const uint8_t m[32])
{
    for (int i = 0; i < N; i++) {
        int16_t mask = (int16_t) - (int16_t)((m[i >> 3] >> (i & 7)) & 1);
        r->c[i] = (int16_t)(mask & ((Q + 1) / 2));
    }
}

static void poly_to_msg(uint8_t m[32], const poly *a)
{
    memset(m, 0, 32);
    for (int i = 0; i < N; i++) {
        m[i >> 3] |= (uint8_t)(compress(freeze(a->c[i]), 1) << (i & 7));
    }
}

/* ------------------------------------------------------------- sampling */

/* Rejection sampling of 12-bit values < q from buf (a multiple of 3
 * bytes) into r[j..N); returns the new j. The input is public (the XOF of
 * rho), so the branches are too. */
static unsigned rej_uniform(int16_t *r, unsigned j, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i + 3 <= len && j < N; i += 3) {
        uint16_t d1 = (uint16_t)(buf[i] | ((buf[i + 1] & 0x0F) << 8));
        uint16_t d2 = (uint16_t)((buf[i + 1] >> 4) | (buf[i + 2] << 4));
        if (d1 < Q) {
            r[j++] = (int16_t)d1;
        }
        if (d2 < Q && j < N) {
            r[j++] = (int16_t)d2;
        }
    }
    return j;
}

/* SampleNTT (Algorithm 7) from XOF(rho || x || y) = SHAKE128. */
static void sample_ntt(poly *r, const uint8_t rho[32], uint8_t x, uint8_t y)
{
    gmtls_keccak_ctx c;
    uint8_t buf[3 * 168]; /* three blocks are enough for almost every rho */
    uint8_t ij[2] = {x, y};
    gmtls_keccak_init(&c, 168);
    gmtls_keccak_absorb(&c, rho, 32);
    gmtls_keccak_absorb(&c, ij, 2);
    gmtls_keccak_finish(&c, 0x1F);
    unsigned j = 0;
    while (j < N) {
        gmtls_keccak_squeeze(&c, buf, sizeof buf);
        j = rej_uniform(r->c, j, buf, sizeof buf);
    }
}

/* SamplePolyCBD_2 (Algorithm 8) of 128 PRF bytes: each coefficient is
 * (b0 + b1) - (b2 + b3) of 4 bits. */
static void cbd2(poly *r, const uint8_t buf[128])
{
    for (int i = 0; i < N / 8; i++) {
        uint32_t t = (uint32_t)buf[4 * i] | (uint32_t)buf[4 * i + 1] << 8 | (uint32_t)buf[4 * i + 2] << 16 |
                     (uint32_t)buf[4 * i + 3] << 24;
        uint32_t s = (t & 0x55555555u) + ((t >> 1) & 0x55555555u);
        for (int j = 0; j < 8; j++) {
            int16_t a = (int16_t)((s >> (4 * j)) & 3), b = (int16_t)((s >> (4 * j + 2)) & 3);
            r->c[8 * i + j] = (int16_t)(a - b);
        }
    }
}

/* PRF_2(sigma, nonce) = SHAKE256(sigma || nonce, 128), then CBD_2. */
static void sample_cbd2(poly *r, const uint8_t sigma[32], uint8_t nonce)
{
    uint8_t buf[128];
    gmtls_shake256_2(sigma, 32, &nonce, 1, buf, sizeof buf);
    cbd2(r, buf);
    gmtls_sm_wipe(buf, sizeof buf);
}

/* ------------------------------------------------------ implementation path */

static atomic_int pq_path = -1; /* 0 portable, 1 avx2 */
static pthread_once_t avx2_once = PTHREAD_ONCE_INIT;

static void avx2_init(void)
{
    gmtls_mlkem_avx2_tables(ZETAS);
}

static int use_avx2(void)
{
    /* acquire/release: a thread that sees 1 also sees the AVX2 tables */
    int p = atomic_load_explicit(&pq_path, memory_order_acquire);
    if (p < 0) {
        p = gmtls_cpu_forced_portable() ? 0 : gmtls_pq_have_avx2() ? 1 : 0;
        if (p == 1) {
            pthread_once(&avx2_once, avx2_init);
        }
        atomic_store_explicit(&pq_path, p, memory_order_release);
    }
    return p;
}

const char *gmtls_pq_cpu_path(void)
{
    return use_avx2() ? "avx2" : "portable";
}

const char *gmtls_mlkem_cpu_path(void)
{
    return gmtls_pq_cpu_path();
}

void gmtls_pq_impl_reset(void)
{
    atomic_store_explicit(&pq_path, -1, memory_order_relaxed);
}

/* Four sponges at once: lane s absorbs the one block in[s] (already padded,
 * rate bytes). m <= 4 lanes are used; the others repeat lane 0. */
static void x4_absorb_block(uint64_t st[100], uint8_t in[4][168], unsigned rate, unsigned m)
{
    memset(st, 0, 100 * sizeof(uint64_t));
    for (unsigned s = 0; s < 4; s++) {
        const uint8_t *b = in[s < m ? s : 0];
        for (unsigned i = 0; i < rate / 8; i++) {
            st[4 * i + s] = load_le64(b + 8 * i);
        }
    }
}

static void x4_extract(const uint64_t st[100], unsigned s, uint8_t *out, unsigned len)
{
    for (unsigned i = 0; i < len / 8; i++) {
        store_le64(out + 8 * i, st[4 * i + s]);
    }
}

/* SampleNTT of m <= 4 entries (xy[2 s], xy[2 s + 1]) at once. */
static void sample_ntt_x4(poly *const *out, const uint8_t rho[32], const uint8_t *xy, unsigned m)
{
    uint64_t st[100];
    uint8_t blk[4][168], buf[168];
    unsigned cnt[4] = {0, 0, 0, 0};
    for (unsigned s = 0; s < m; s++) {
        memset(blk[s], 0, 168);
        memcpy(blk[s], rho, 32);
        blk[s][32] = xy[2 * s];
        blk[s][33] = xy[2 * s + 1];
        blk[s][34] ^= 0x1F; /* SHAKE domain bits and pad10*1 (FIPS 202 §6.2) */
        blk[s][167] ^= 0x80;
    }
    x4_absorb_block(st, blk, 168, m);
    for (int done = 0; !done;) {
        gmtls_keccak_f1600_x4_avx2(st);
        done = 1;
        for (unsigned s = 0; s < m; s++) {
            if (cnt[s] < N) {
                x4_extract(st, s, buf, 168);
                cnt[s] = rej_uniform(out[s]->c, cnt[s], buf, 168);
                done &= cnt[s] == N;
            }
        }
    }
}

/* PRF_2 + CBD_2 of m <= 4 nonces at once (secret sigma: no branch on data). */
static void sample_cbd2_x4(poly *const *out, const uint8_t sigma[32], const uint8_t *nonces, unsigned m)
{
    uint64_t st[100];
    uint8_t blk[4][168], buf[136];
    for (unsigned s = 0; s < m; s++) {
        memset(blk[s], 0, 136);
        memcpy(blk[s], sigma, 32);
        blk[s][32] = nonces[s];
        blk[s][33] ^= 0x1F;
        blk[s][135] ^= 0x80;
    }
    x4_absorb_block(st, blk, 136, m);
    gmtls_keccak_f1600_x4_avx2(st);
    for (unsigned s = 0; s < m; s++) {
        x4_extract(st, s, buf, 136);
        cbd2(out[s], buf);
    }
    gmtls_sm_wipe(st, sizeof st);
    gmtls_sm_wipe(blk, sizeof blk);
    gmtls_sm_wipe(buf, sizeof buf);
}

/* n matrix entries out[i] = SampleNTT(rho || xy[2 i] || xy[2 i + 1]). */
static void sample_ntt_many(poly *const *out, const uint8_t rho[32], const uint8_t *xy, unsigned n)
{
    unsigned i = 0;
    if (use_avx2()) {
        for (; i + 2 <= n; i += 4) {
            sample_ntt_x4(out + i, rho, xy + 2 * i, n - i < 4 ? n - i : 4);
        }
    }
    for (; i < n; i++) {
        sample_ntt(out[i], rho, xy[2 * i], xy[2 * i + 1]);
    }
}

/* n noise polynomials out[i] = CBD_2(PRF_2(sigma, nonces[i])). */
static void sample_cbd2_many(poly *const *out, const uint8_t sigma[32], const uint8_t *nonces, unsigned n)
{
    unsigned i = 0;
    if (use_avx2()) {
        for (; i + 2 <= n; i += 4) {
            sample_cbd2_x4(out + i, sigma, nonces + i, n - i < 4 ? n - i : 4);
        }
    }
    for (; i < n; i++) {
        sample_cbd2(out[i], sigma, nonces[i]);
    }
}

/* ---------------------------------------------------------------- K-PKE */

/* The k x k matrix A^ from rho (FIPS 203 Algorithms 13 and 14), row-major
 * into a: entry (i, j) is SampleNTT(rho || j || i), or with transposed the
 * entry (j, i) (rho || i || j), which encryption reads row by row. */
static void sample_matrix(poly *a, const uint8_t rho[32], unsigned k, int transposed)
{
    poly *ptr[KMAX * KMAX] = {NULL};
    uint8_t xy[2 * KMAX * KMAX] = {0};
    for (unsigned i = 0; i < k; i++) {
        for (unsigned j = 0; j < k; j++) {
            ptr[i * k + j] = &a[i * k + j];
            xy[2 * (i * k + j)] = (uint8_t)(transposed ? i : j);
            xy[2 * (i * k + j) + 1] = (uint8_t)(transposed ? j : i);
        }
    }
    sample_ntt_many(ptr, rho, xy, k * k);
}

/* K-PKE.KeyGen (Algorithm 13): ek_pke = t^ || rho, dk_pke = s^. */
static void kpke_keygen(const params *p, uint8_t *ek, uint8_t *dkpke, const uint8_t d[32])
{
    uint8_t in[33], rs[64], nonces[2 * KMAX] = {0};
    poly s[KMAX], e[KMAX], a[KMAX * KMAX], t;
    poly *ptr[KMAX * KMAX] = {NULL};
    const unsigned k = p->k;
    memcpy(in, d, 32);
    in[32] = (uint8_t)k;
    /* (rho, sigma) <- G(d || k) */
    gmtls_sha3_512_2(in, 33, NULL, 0, rs);
    const uint8_t *rho = rs, *sigma = rs + 32;
    GMTLS_PQ_PUBLIC(rs, 32); /* rho is published in ek */
    /* s[i] = CBD(PRF(sigma, i)), e[i] = CBD(PRF(sigma, k + i)) */
    for (unsigned i = 0; i < k; i++) {
        ptr[i] = &s[i];
        ptr[k + i] = &e[i];
        nonces[i] = (uint8_t)i;
        nonces[k + i] = (uint8_t)(k + i);
    }
    sample_cbd2_many(ptr, sigma, nonces, 2 * k);
    for (unsigned i = 0; i < k; i++) {
        poly_ntt(&s[i]);
        poly_ntt(&e[i]);
    }
    sample_matrix(a, rho, k, 0); /* A^[i, j] = SampleNTT(rho || j || i) */
    for (unsigned i = 0; i < k; i++) {
        /* t^[i] = sum_j A^[i, j] o s^[j] + e^[i] */
        polyvec_basemul(&t, &a[i * k], s, k);
        poly_tomont(&t);
        poly_add(&t, &e[i]);
        poly_encode12(ek + 384 * i, &t);
    }
    memcpy(ek + 384 * k, rho, 32);
    for (unsigned i = 0; i < k; i++) {
        poly_encode12(dkpke + 384 * i, &s[i]);
    }
    gmtls_sm_wipe(in, sizeof in);
    gmtls_sm_wipe(rs, sizeof rs);
    gmtls_sm_wipe(s, sizeof s);
    gmtls_sm_wipe(e, sizeof e);
    gmtls_sm_wipe(&t, sizeof t);
}

/* K-PKE.Encrypt (Algorithm 14) with t^ already decoded. */
static void kpke_encrypt(const params *p, uint8_t *ct, const poly *that, const uint8_t rho[32], const uint8_t m[32],
                         const uint8_t r[32])
{
    poly y[KMAX], e1[KMAX], e2, a[KMAX * KMAX], u, v, mu;
    poly *ptr[KMAX * KMAX] = {NULL};
    uint8_t nonces[2 * KMAX + 1] = {0};
    const unsigned k = p->k;
    /* y[i] = CBD(PRF(r, i)), e1[i] = CBD(PRF(r, k + i)), e2 = CBD(PRF(r, 2k)) */
    for (unsigned i = 0; i < k; i++) {
        ptr[i] = &y[i];
        ptr[k + i] = &e1[i];
        nonces[i] = (uint8_t)i;
        nonces[k + i] = (uint8_t)(k + i);
    }
    ptr[2 * k] = &e2;
    nonces[2 * k] = (uint8_t)(2 * k);
    sample_cbd2_many(ptr, r, nonces, 2 * k + 1);
    for (unsigned i = 0; i < k; i++) {
        poly_ntt(&y[i]);
    }
    sample_matrix(a, rho, k, 1); /* row i of A^T: A^[j, i] = SampleNTT(rho || i || j) */
    /* u[i] = NTT^-1(sum_j A^[j, i] o y^[j]) + e1[i] */
    for (unsigned i = 0; i < k; i++) {
        polyvec_basemul(&u, &a[i * k], y, k);
        poly_invntt(&u);
        poly_add(&u, &e1[i]);
        poly_compress(ct + 32 * p->du * i, &u, p->du);
    }
    /* v = NTT^-1(t^T o y^) + e2 + mu */
    polyvec_basemul(&v, that, y, k);
    poly_invntt(&v);
    poly_add(&v, &e2);
    poly_from_msg(&mu, m);
    poly_add(&v, &mu);
    poly_compress(ct + 32 * p->du * k, &v, p->dv);
    gmtls_sm_wipe(y, sizeof y);
    gmtls_sm_wipe(e1, sizeof e1);
    gmtls_sm_wipe(&e2, sizeof e2);
    gmtls_sm_wipe(&u, sizeof u);
    gmtls_sm_wipe(&v, sizeof v);
    gmtls_sm_wipe(&mu, sizeof mu);
}

/* Decodes t^ from ek; returns non-zero when the modulus check fails. */
static uint16_t decode_ek(const params *p, poly *that, const uint8_t *ek)
{
    uint16_t bad = 0;
    for (unsigned i = 0; i < p->k; i++) {
        bad |= poly_decode12(&that[i], ek + 384 * i);
    }
    return bad;
}

/* K-PKE.Decrypt (Algorithm 15) */
static void kpke_decrypt(const params *p, uint8_t m[32], const uint8_t *dkpke, const uint8_t *ct)
{
    poly u[KMAX], s[KMAX], w, v;
    for (unsigned i = 0; i < p->k; i++) {
        poly_decompress(&u[i], ct + 32 * p->du * i, p->du);
        poly_ntt(&u[i]);
        (void)poly_decode12(&s[i], dkpke + 384 * i);
    }
    polyvec_basemul(&w, s, u, p->k);
    poly_invntt(&w);
    poly_decompress(&v, ct + 32 * p->du * p->k, p->dv);
    /* w = v' - NTT^-1(s^T o NTT(u')) */
    for (int i = 0; i < N; i++) {
        w.c[i] = (int16_t)(v.c[i] - w.c[i]);
    }
    poly_to_msg(m, &w);
    gmtls_sm_wipe(s, sizeof s);
    gmtls_sm_wipe(&w, sizeof w);
    gmtls_sm_wipe(u, sizeof u);
}

/* --------------------------------------------------------------- ML-KEM */

int gmtls_mlkem_keygen_derand(gmtls_mlkem_param ps, uint8_t *ek, uint8_t *dk, const uint8_t d[32], const uint8_t z[32])
{
    const params *p = get_params(ps);
    if (p == NULL) {
        return -1;
    }
    /* Algorithm 16: dk = dk_pke || ek || H(ek) || z */
    kpke_keygen(p, ek, dk, d);
    memcpy(dk + 384 * p->k, ek, p->ek_len);
    gmtls_sha3_256(ek, p->ek_len, dk + 384 * p->k + p->ek_len);
    memcpy(dk + 384 * p->k + p->ek_len + 32, z, 32);
    return 0;
}

int gmtls_mlkem_keygen(gmtls_mlkem_param ps, uint8_t *ek, uint8_t *dk, gmtls_rng_fn rng, void *rng_ctx)
{
    uint8_t dz[64];
    if (get_params(ps) == NULL || rng(rng_ctx, dz, sizeof dz) != 0) {
        gmtls_sm_wipe(dz, sizeof dz);
        return -1;
    }
    int r = gmtls_mlkem_keygen_derand(ps, ek, dk, dz, dz + 32);
    gmtls_sm_wipe(dz, sizeof dz);
    return r;
}

int gmtls_mlkem_check_ek(gmtls_mlkem_param ps, const uint8_t *ek)
{
    const params *p = get_params(ps);
    poly t[KMAX];
    if (p == NULL) {
        return -1;
    }
    return decode_ek(p, t, ek) ? -1 : 0;
}

int gmtls_mlkem_check_dk(gmtls_mlkem_param ps, const uint8_t *dk)
{
    const params *p = get_params(ps);
    uint8_t h[32];
    if (p == NULL) {
        return -1;
    }
    /* FIPS 203 §7.3: test <- H(dk[384k : 768k + 32]); test == dk[768k + 32 : 768k + 64] */
    gmtls_sha3_256(dk + 384 * p->k, p->ek_len, h);
    return gmtls_sm_ct_memeq(h, dk + 384 * p->k + p->ek_len, 32) ? 0 : -1;
}

/* Encaps_internal with t^ decoded and H(ek) known. */
static void encaps_core(const params *p, uint8_t *ct, uint8_t ss[32], const poly *that, const uint8_t *ek,
                        const uint8_t hek[32], const uint8_t m[32])
{
    uint8_t kr[64];
    /* (K, r) <- G(m || H(ek)) */
    gmtls_sha3_512_2(m, 32, hek, 32, kr);
    kpke_encrypt(p, ct, that, ek + 384 * p->k, m, kr + 32);
    memcpy(ss, kr, 32);
    gmtls_sm_wipe(kr, sizeof kr);
}

int gmtls_mlkem_encaps_derand(gmtls_mlkem_param ps, uint8_t *ct, uint8_t ss[32], const uint8_t *ek, const uint8_t m[32])
{
    const params *p = get_params(ps);
    poly that[KMAX];
    uint8_t hek[32];
    if (p == NULL) {
        return -1;
    }
    /* FIPS 203 §7.2: the modulus check, ek = ByteEncode12(ByteDecode12(ek)) */
    if (decode_ek(p, that, ek) != 0) {
        memset(ct, 0, p->ct_len);
        memset(ss, 0, 32);
        return -1;
    }
    gmtls_sha3_256(ek, p->ek_len, hek);
    encaps_core(p, ct, ss, that, ek, hek, m);
    return 0;
}

int gmtls_mlkem_encaps(gmtls_mlkem_param ps, uint8_t *ct, uint8_t ss[32], const uint8_t *ek, gmtls_rng_fn rng,
                       void *rng_ctx)
{
    uint8_t m[32];
    int r = -1;
    if (get_params(ps) != NULL && rng(rng_ctx, m, sizeof m) == 0) {
        r = gmtls_mlkem_encaps_derand(ps, ct, ss, ek, m);
    }
    gmtls_sm_wipe(m, sizeof m);
    return r;
}

/* Two sponges of rate 136 in lanes 0 and 1 of the 4-way permutation: lane
 * s hashes a[s] || b[s] with domain byte ds[s] into out[s] (32 bytes). */
static void keccak136_x2(const uint8_t *const a[2], const size_t alen[2], const uint8_t *const b[2],
                         const size_t blen[2], const uint8_t ds[2], uint8_t out[2][32])
{
    uint64_t st[100];
    uint8_t blk[136];
    size_t total[2] = {alen[0] + blen[0], alen[1] + blen[1]};
    size_t nblk[2] = {total[0] / 136 + 1, total[1] / 136 + 1};
    size_t nmax = nblk[0] > nblk[1] ? nblk[0] : nblk[1];
    memset(st, 0, sizeof st);
    for (size_t bi = 0; bi < nmax; bi++) {
        for (unsigned s = 0; s < 2; s++) {
            if (bi >= nblk[s]) {
                continue; /* lengths are public */
            }
            /* block bi of the padded message a || b || ds 0* 0x80 */
            memset(blk, 0, sizeof blk);
            for (size_t i = 0; i < 136; i++) {
                size_t off = 136 * bi + i;
                if (off < alen[s]) {
                    blk[i] = a[s][off];
                } else if (off < total[s]) {
                    blk[i] = b[s][off - alen[s]];
                } else if (off == total[s]) {
                    blk[i] = ds[s];
                }
            }
            if (bi + 1 == nblk[s]) {
                blk[135] ^= 0x80;
            }
            for (unsigned i = 0; i < 17; i++) {
                st[4 * i + s] ^= load_le64(blk + 8 * i);
            }
        }
        gmtls_keccak_f1600_x4_avx2(st);
        for (unsigned s = 0; s < 2; s++) {
            if (bi + 1 == nblk[s]) {
                x4_extract(st, s, out[s], 32);
            }
        }
    }
    gmtls_sm_wipe(st, sizeof st);
    gmtls_sm_wipe(blk, sizeof blk);
}

int gmtls_mlkem_decaps(gmtls_mlkem_param ps, uint8_t ss[32], const uint8_t *ct, const uint8_t *dk)
{
    const params *p = get_params(ps);
    if (p == NULL) {
        memset(ss, 0, 32);
        return -1;
    }
    const uint8_t *dkpke = dk, *ekpke = dk + 384 * p->k, *h = ekpke + p->ek_len, *z = h + 32;
    uint8_t m[32], k1[32], kbar[32], ct2[GMTLS_MLKEM_MAX_CT_LEN], hk[2][32];
    poly that[KMAX];
    int bad;
    if (use_avx2()) {
        /* the §7.3 hash H(ek_pke) and K-bar = J(z || c) side by side */
        const uint8_t *a[2] = {ekpke, z}, *b[2] = {NULL, ct};
        const size_t alen[2] = {p->ek_len, 32}, blen[2] = {0, p->ct_len};
        const uint8_t ds[2] = {0x06, 0x1F};
        keccak136_x2(a, alen, b, blen, ds, hk);
        bad = !gmtls_sm_ct_memeq(hk[0], h, 32);
        memcpy(kbar, hk[1], 32);
        gmtls_sm_wipe(hk, sizeof hk);
    } else {
        bad = gmtls_mlkem_check_dk(ps, dk) != 0;
        /* K-bar <- J(z || c) */
        gmtls_shake256_2(z, 32, ct, p->ct_len, kbar, 32);
    }
    /* FIPS 203 §7.3: the hash check */
    if (bad) {
        gmtls_sm_wipe(kbar, sizeof kbar);
        memset(ss, 0, 32);
        return -1;
    }
    kpke_decrypt(p, m, dkpke, ct);
    /* (K', r') <- G(m' || h); c' <- K-PKE.Encrypt(ek_pke, m', r') */
    (void)decode_ek(p, that, ekpke);
    encaps_core(p, ct2, k1, that, ekpke, h, m);
    /* if c != c' then K' <- K-bar: OR of XORs, then a mask select */
    uint32_t diff = 0;
    for (size_t i = 0; i < p->ct_len; i++) {
        diff |= (uint32_t)(ct[i] ^ ct2[i]);
    }
    uint8_t mask = (uint8_t)gmtls_sm_value_barrier_u32(gmtls_sm_ct_nonzero_mask32(diff));
    for (int i = 0; i < 32; i++) {
        ss[i] = (uint8_t)(k1[i] ^ (mask & (k1[i] ^ kbar[i])));
    }
    gmtls_sm_wipe(m, sizeof m);
    gmtls_sm_wipe(k1, sizeof k1);
    gmtls_sm_wipe(kbar, sizeof kbar);
    gmtls_sm_wipe(ct2, sizeof ct2);
    return 0;
}
