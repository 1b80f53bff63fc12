/*
 * src/sm/sm2_point.c - SM2 curve arithmetic: Jacobian doubling and complete
 * addition, constant-time fixed-base (comb) and variable-base (signed
 * window) scalar multiplication, and variable-time u1*G + u2*P for
 * signature verification.
 */
#include <pthread.h>
#include <string.h>

#include "sm2_field.h"
#include "sm2_point.h"
#include "sm_internal.h"

/* GB/T 32918.5 §2 (sm2p256v1): Gx, Gy and b, here times R mod p. */
const sm2_aff gmtls_sm2_g = {
    {0x61328990f418029eULL, 0x3e7981eddca6c050ULL, 0xd6a1ed99ac24c3c3ULL, 0x91167a5ee1c13b05ULL},
    {0xc1354e593c2d0dddULL, 0xc1f5e5788d3295faULL, 0x8d4cfb066e2a48f8ULL, 0x63cd65d481d735bdULL},
};
const uint64_t gmtls_sm2_b_mont[4] = {0x90d230632bc0dd42ULL, 0x71cf379ae9b537abULL, 0x527981505ea51c3cULL,
                                      0x240fe188ba20e2c8ULL};

static void jac_cmov(sm2_jac *r, const sm2_jac *a, uint64_t mask)
{
    sm2_cmov4(r->X, a->X, mask);
    sm2_cmov4(r->Y, a->Y, mask);
    sm2_cmov4(r->Z, a->Z, mask);
}

static void jac_set_inf(sm2_jac *r)
{
    memcpy(r->X, SM2_FP_ONE, sizeof r->X);
    memcpy(r->Y, SM2_FP_ONE, sizeof r->Y);
    memset(r->Z, 0, sizeof r->Z);
}

static void jac_from_aff(sm2_jac *r, const sm2_aff *a)
{
    memcpy(r->X, a->x, sizeof r->X);
    memcpy(r->Y, a->y, sizeof r->Y);
    memcpy(r->Z, SM2_FP_ONE, sizeof r->Z);
}

static int fp_is_zero_vt(const uint64_t a[4])
{
    return (a[0] | a[1] | a[2] | a[3]) == 0;
}

/*
 * Doubling for a = -3, from "dbl-2001-b" (Bernstein-Lange, Explicit-Formulas
 * Database, Jacobian coordinates with a = -3):
 *   delta = Z1^2, gamma = Y1^2, beta = X1*gamma,
 *   alpha = 3*(X1-delta)*(X1+delta),
 *   X3 = alpha^2-8*beta, Y3 = alpha*(4*beta-X3)-8*gamma^2, Z3 = 2*Y1*Z1,
 * returned as the same point scaled by lambda = 1/2, (X3/4, Y3/8, Z3/2)
 * ((X:Y:Z) and (l^2 X:l^3 Y:l Z) are one point): with A = alpha/2,
 *   X3' = A^2 - 2*beta, Y3' = A*(beta - X3') - gamma^2, Z3' = Y1*Z1.
 * 4M + 4S, and three fewer additive steps than the unscaled form (no 4*gamma,
 * no 2*Y1*Z1, no halving of 8*gamma^2); each remaining one is fused with the
 * multiplication before it. Infinity (Z = 0) maps to Z3' = 0; there is no
 * point of order 2 (the group order n is odd), so no other special case
 * exists. r may alias p: each input coordinate is read before r's copy of
 * it is written.
 */
void gmtls_sm2_jac_dbl(sm2_jac *r, const sm2_jac *p)
{
    uint64_t am[2][4]; /* X + delta, X - delta */
    uint64_t w[3][4];  /* beta, beta - X3', gamma^2 */
    uint64_t g[4], a[4], z3[4];
    /* the order lets independent multiplications overlap (measured) */
    sm2_fp_sqr_addsub(am, p->Z, p->X);
    sm2_fp_sqr(g, p->Y);                /* gamma */
    sm2_fp_mul_x3half(a, am[0], am[1]); /* A = alpha/2 */
    sm2_fp_mul(w[0], g, p->X);          /* beta; last use of X */
    sm2_fp_sqr(w[2], g);                /* gamma^2 */
    sm2_fp_sqr_sub2sub(r->X, a, w);     /* X3' = A^2 - 2 beta; beta - X3' */
    sm2_fp_mul(z3, p->Y, p->Z);         /* Y1*Z1; last use of Y and Z */
    sm2_fp_mul_sub(r->Y, a, (const uint64_t(*)[4])(w + 1)); /* A (beta - X3') - gamma^2 */
    memcpy(r->Z, z3, sizeof z3);
}

/* A Jacobian point with Z^2 and Z^3 alongside: the entries of the k*P
 * table, each added 51 times, so the two products are made once. */
typedef struct {
    sm2_jac p;
    uint64_t zz[4], zzz[4];
} sm2_jacz;

/* r->zz, r->zzz from r->p.Z */
static void jacz_fill(sm2_jacz *r)
{
    sm2_fp_sqr(r->zz, r->p.Z);
    sm2_fp_mul(r->zzz, r->zz, r->p.Z);
}

/*
 * Jacobian addition, "add-1998-cmo-2" (Explicit-Formulas Database):
 *   Z1Z1 = Z1^2, Z2Z2 = Z2^2, U1 = X1*Z2Z2, U2 = X2*Z1Z1,
 *   S1 = Y1*Z2*Z2Z2, S2 = Y2*Z1*Z1Z1, H = U2-U1, HH = H^2, J = H*HH,
 *   R = S2-S1, V = U1*HH, X3 = R^2-J-2*V, Y3 = R*(V-X3)-S1*J, Z3 = Z1*Z2*H,
 * with Z2^2 and Z2^3 taken from q: 11M + 3S (12M + 4S with them), no
 * doublings of intermediate values ("add-2007-bl" is this point scaled by
 * 2). Computes the generic sum and reports through a mask whether the two
 * were equal (H = 0 and R = 0) so callers can select the right result.
 * H = 0 with R != 0 (P = -Q) already yields Z3 = 0.
 */
static void jacz_add_core(sm2_jac *r, const sm2_jac *p, const sm2_jacz *q, uint64_t *is_equal)
{
    uint64_t zu[2][4];  /* Z1Z1, U1 */
    uint64_t ts[2][4];  /* Y2*Z1, S1 */
    uint64_t rw[2][4];  /* R, S1*J */
    uint64_t jvd[3][4]; /* J, V, V - X3 */
    uint64_t h[4], hh[4], t2[4];
    /* the order lets independent multiplications overlap (measured) */
    sm2_fp_mul(ts[0], q->p.Y, p->Z);
    sm2_fp_sqr(zu[0], p->Z);
    sm2_fp_mul(zu[1], p->X, q->zz);   /* U1 = X1*Z2Z2 */
    sm2_fp_mul_sub(h, q->p.X, zu);    /* H = X2*Z1Z1 - U1 */
    sm2_fp_mul(ts[1], p->Y, q->zzz);  /* S1 = Y1*Z2^3 */
    sm2_fp_sqr(hh, h);                /* HH = H^2 */
    sm2_fp_mul_sub(rw[0], zu[0], ts); /* R = Y2*Z1*Z1Z1 - S1 */
    sm2_fp_mul(t2, p->Z, q->p.Z);
    sm2_fp_mul(jvd[0], h, hh);               /* J = H*HH */
    sm2_fp_mul(jvd[1], zu[1], hh);           /* V = U1*HH */
    sm2_fp_sqr_subsub2sub(r->X, rw[0], jvd); /* X3 = R^2 - J - 2V; V - X3 */
    sm2_fp_mul(rw[1], ts[1], jvd[0]);        /* S1*J */
    sm2_fp_mul(r->Z, t2, h);                 /* Z3 = Z1*Z2*H */
    *is_equal = sm2_mask_zero4(h) & sm2_mask_zero4(rw[0]);
    sm2_fp_mul_sub(r->Y, jvd[2], (const uint64_t(*)[4])rw); /* Y3 = R*(V - X3) - S1*J */
}

/*
 * Constant-time addition handling infinity on either side (all-zero
 * coordinates). With may_double = 0 the caller guarantees p != q (the case
 * is not detected); the flag is a property of the call site, never of
 * secret data.
 */
static void jacz_add_ct(sm2_jac *r, const sm2_jac *p, const sm2_jacz *q, int may_double)
{
    sm2_jac sum, dbl;
    uint64_t is_equal;
    uint64_t p_inf = sm2_mask_zero4(p->Z), q_inf = sm2_mask_zero4(q->p.Z);
    jacz_add_core(&sum, p, q, &is_equal);
    if (may_double) {
        gmtls_sm2_jac_dbl(&dbl, p);
        jac_cmov(&sum, &dbl, is_equal & ~p_inf & ~q_inf);
    }
    jac_cmov(&sum, &q->p, p_inf);
    jac_cmov(&sum, p, q_inf & ~p_inf);
    *r = sum;
}

void gmtls_sm2_jac_add(sm2_jac *r, const sm2_jac *p, const sm2_jac *q)
{
    sm2_jacz qz = {*q, {0}, {0}};
    jacz_fill(&qz);
    jacz_add_ct(r, p, &qz, 1);
    gmtls_sm_wipe(&qz, sizeof qz);
}

/*
 * Mixed addition with an affine q, add-1998-cmo-2 with Z2 = 1:
 *   Z1Z1 = Z1^2, U2 = X2*Z1Z1, S2 = Y2*Z1*Z1Z1, H = U2-X1, HH = H^2,
 *   J = H*HH, R = S2-Y1, V = X1*HH, X3 = R^2-J-2*V, Y3 = R*(V-X3)-Y1*J,
 *   Z3 = Z1*H
 * (8M + 3S; "madd-2007-bl" is this point scaled by 2). The generic part
 * goes into sum (not aliasing p); *is_equal gets an all-ones mask when
 * p = q (H = 0 and R = 0).
 */
static void jac_madd_core(sm2_jac *sum, const sm2_jac *p, const sm2_aff *q, uint64_t *is_equal)
{
    uint64_t zx[2][4];  /* Z1Z1, X1 */
    uint64_t ty[2][4];  /* Y2*Z1, Y1 */
    uint64_t rw[2][4];  /* R, Y1*J */
    uint64_t jvd[3][4]; /* J, V, V - X3 */
    uint64_t h[4], hh[4];
    memcpy(zx[1], p->X, sizeof zx[1]);
    memcpy(ty[1], p->Y, sizeof ty[1]);
    /* the order lets independent multiplications overlap (measured) */
    sm2_fp_sqr(zx[0], p->Z);
    sm2_fp_mul(ty[0], q->y, p->Z);
    sm2_fp_mul_sub(h, q->x, zx);               /* H = X2*Z1Z1 - X1 */
    sm2_fp_mul_sub(rw[0], zx[0], ty);          /* R = Y2*Z1*Z1Z1 - Y1 */
    sm2_fp_sqr(hh, h);                         /* HH = H^2 */
    sm2_fp_mul(jvd[1], p->X, hh);              /* V = X1*HH */
    sm2_fp_mul(jvd[0], h, hh);                 /* J = H*HH */
    sm2_fp_sqr_subsub2sub(sum->X, rw[0], jvd); /* X3 = R^2 - J - 2V; V - X3 */
    sm2_fp_mul(sum->Z, p->Z, h);               /* Z3 = Z1*H */
    sm2_fp_mul(rw[1], p->Y, jvd[0]);           /* Y1*J */
    *is_equal = sm2_mask_zero4(h) & sm2_mask_zero4(rw[0]);
    sm2_fp_mul_sub(sum->Y, jvd[2], (const uint64_t(*)[4])rw); /* Y3 = R*(V - X3) - Y1*J */
}

/* q_inf marks q as the point at infinity; p may be infinity. p = q is
 * handled when may_double is set (a property of the call site, as for
 * jacz_add_ct). */
static void jac_madd(sm2_jac *r, const sm2_jac *p, const sm2_aff *q, uint64_t q_inf, int may_double)
{
    sm2_jac sum, dbl, qj;
    uint64_t is_equal;
    uint64_t p_inf = sm2_mask_zero4(p->Z);
    jac_madd_core(&sum, p, q, &is_equal);
    if (may_double) {
        gmtls_sm2_jac_dbl(&dbl, p);
        jac_cmov(&sum, &dbl, is_equal & ~p_inf & ~q_inf);
    }
    jac_from_aff(&qj, q);
    jac_cmov(&sum, &qj, p_inf & ~q_inf);
    jac_cmov(&sum, p, q_inf);
    *r = sum;
}

/* Variable-time addition for public points. */
static void jac_add_vt(sm2_jac *r, const sm2_jac *p, const sm2_jac *q)
{
    if (fp_is_zero_vt(p->Z)) {
        *r = *q;
        return;
    }
    if (fp_is_zero_vt(q->Z)) {
        *r = *p;
        return;
    }
    uint64_t is_equal;
    sm2_jac sum;
    sm2_jacz qz = {*q, {0}, {0}};
    jacz_fill(&qz);
    jacz_add_core(&sum, p, &qz, &is_equal);
    if (is_equal) {
        gmtls_sm2_jac_dbl(r, p);
        return;
    }
    *r = sum;
}

static void jac_madd_vt(sm2_jac *r, const sm2_jac *p, const sm2_aff *q)
{
    if (fp_is_zero_vt(p->Z)) {
        jac_from_aff(r, q);
        return;
    }
    sm2_jac sum;
    uint64_t is_equal;
    jac_madd_core(&sum, p, q, &is_equal);
    if (is_equal) {
        gmtls_sm2_jac_dbl(r, p);
        return;
    }
    *r = sum;
}

void gmtls_sm2_jac_to_affine_zi(sm2_aff *r, const sm2_jac *p, const uint64_t zi[4])
{
    uint64_t zi2[4];
    /* (X/Z^2, Y/Z^3) */
    sm2_fp_sqr(zi2, zi);
    sm2_fp_mul(r->x, p->X, zi2);
    sm2_fp_mul(zi2, zi2, zi);
    sm2_fp_mul(r->y, p->Y, zi2);
    gmtls_sm_wipe(zi2, sizeof zi2);
}

uint64_t gmtls_sm2_jac_to_affine(sm2_aff *r, const sm2_jac *p)
{
    uint64_t zi[4];
    uint64_t inf = sm2_mask_zero4(p->Z);
    gmtls_sm2_fp_inv(zi, p->Z); /* 0 -> 0, so infinity gives (0, 0) */
    gmtls_sm2_jac_to_affine_zi(r, p, zi);
    gmtls_sm_wipe(zi, sizeof zi);
    return inf;
}

uint64_t gmtls_sm2_jac_affine_x(uint64_t x[4], const sm2_jac *p)
{
    uint64_t zi[4];
    uint64_t inf = sm2_mask_zero4(p->Z);
    gmtls_sm2_fp_inv(zi, p->Z);
    sm2_fp_sqr(zi, zi);
    sm2_fp_mul(x, p->X, zi);
    gmtls_sm_wipe(zi, sizeof zi);
    return inf;
}

uint64_t gmtls_sm2_aff_on_curve(const sm2_aff *p)
{
    uint64_t lhs[4], rhs[4], t[4];
    sm2_fp_sqr(lhs, p->y);
    sm2_fp_sqr(rhs, p->x);
    sm2_fp_mul(rhs, rhs, p->x);
    sm2_fp_dbl(t, p->x);
    sm2_fp_add(t, t, p->x);
    sm2_fp_sub(rhs, rhs, t);
    sm2_fp_add(rhs, rhs, gmtls_sm2_b_mont);
    return sm2_mask_eq4(lhs, rhs);
}

/* ---------------------------------------------------- signed windows */

/* Bits [pos, pos + len) of k (pos may be -1: bit -1 reads as 0; bits at
 * 256 and above read as 0). pos and len are public. */
static uint64_t scalar_bits(const uint64_t k[4], int pos, int len)
{
    uint64_t v;
    if (pos < 0) {
        v = k[0] << 1;
    } else {
        int limb = pos / 64, off = pos % 64;
        v = limb < 4 ? k[limb] >> off : 0;
        if (off != 0 && limb + 1 < 4) {
            v |= k[limb + 1] << (64 - off);
        }
    }
    return v & (((uint64_t)1 << len) - 1);
}

/*
 * Booth recoding of window `win` of width w: the digit is
 *   b[w*win - 1] + sum_{t<w-1} 2^t b[w*win + t] - 2^(w-1) b[w*win + w - 1]
 * in [-2^(w-1), 2^(w-1)], and k = sum digit_win * 2^(w*win). Returns the
 * magnitude and sets *neg to all-ones for a negative digit, branch-free.
 */
static uint64_t booth_digit(const uint64_t k[4], int win, int w, uint64_t *neg)
{
    uint64_t v = scalar_bits(k, w * win - 1, w + 1);
    uint64_t half = (uint64_t)1 << (w - 1);
    uint64_t top = v >> w;
    uint64_t low = (v & 1) + ((v >> 1) & (half - 1));
    uint64_t nm = (uint64_t)0 - top;
    *neg = nm;
    return (low & ~nm) | ((half - low) & nm);
}

/* ------------------------------------------- constant-time selection */

#ifdef GMTLS_SM2_X86_64_ASM
#include <immintrin.h>

/*
 * Table scans with AVX2: every entry is loaded and masked, the mask coming
 * from a vector compare of the entry number with idx (no branch, no
 * secret-dependent address); idx = 0 matches nothing and yields zero.
 */
__attribute__((target("avx2"))) static void sm2_select_aff_avx2(sm2_aff *r, const sm2_aff *tab, size_t n, uint64_t idx)
{
    __m256i x = _mm256_setzero_si256(), y = _mm256_setzero_si256();
    const __m256i want = _mm256_set1_epi64x((long long)idx), one = _mm256_set1_epi64x(1);
    __m256i ctr = one;
    for (size_t i = 0; i < n; i++) {
        __m256i m = _mm256_cmpeq_epi64(ctr, want);
        x = _mm256_or_si256(x, _mm256_and_si256(m, _mm256_loadu_si256((const __m256i *)tab[i].x)));
        y = _mm256_or_si256(y, _mm256_and_si256(m, _mm256_loadu_si256((const __m256i *)tab[i].y)));
        ctr = _mm256_add_epi64(ctr, one);
    }
    _mm256_storeu_si256((__m256i *)r->x, x);
    _mm256_storeu_si256((__m256i *)r->y, y);
}

__attribute__((target("avx2"))) static void sm2_select_jacz_avx2(sm2_jacz *r, const sm2_jacz *tab, size_t n,
                                                                   uint64_t idx)
{
    __m256i x = _mm256_setzero_si256(), y = _mm256_setzero_si256(), z = _mm256_setzero_si256();
    __m256i zz = _mm256_setzero_si256(), zzz = _mm256_setzero_si256();
    const __m256i want = _mm256_set1_epi64x((long long)idx), one = _mm256_set1_epi64x(1);
    __m256i ctr = one;
    for (size_t i = 0; i < n; i++) {
        __m256i m = _mm256_cmpeq_epi64(ctr, want);
        x = _mm256_or_si256(x, _mm256_and_si256(m, _mm256_loadu_si256((const __m256i *)tab[i].p.X)));
        y = _mm256_or_si256(y, _mm256_and_si256(m, _mm256_loadu_si256((const __m256i *)tab[i].p.Y)));
        z = _mm256_or_si256(z, _mm256_and_si256(m, _mm256_loadu_si256((const __m256i *)tab[i].p.Z)));
        zz = _mm256_or_si256(zz, _mm256_and_si256(m, _mm256_loadu_si256((const __m256i *)tab[i].zz)));
        zzz = _mm256_or_si256(zzz, _mm256_and_si256(m, _mm256_loadu_si256((const __m256i *)tab[i].zzz)));
        ctr = _mm256_add_epi64(ctr, one);
    }
    _mm256_storeu_si256((__m256i *)r->p.X, x);
    _mm256_storeu_si256((__m256i *)r->p.Y, y);
    _mm256_storeu_si256((__m256i *)r->p.Z, z);
    _mm256_storeu_si256((__m256i *)r->zz, zz);
    _mm256_storeu_si256((__m256i *)r->zzz, zzz);
}
#endif

/* r = tab[idx - 1] for idx in 1..n, all-zero (infinity) for idx = 0,
 * reading every entry. */
static void jacz_select(sm2_jacz *r, const sm2_jacz *tab, size_t n, uint64_t idx)
{
#ifdef GMTLS_SM2_X86_64_ASM
    if (gmtls_sm2_cpu_avx2) {
        sm2_select_jacz_avx2(r, tab, n, idx);
        return;
    }
#endif
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        uint64_t m = sm2_mask_z((uint64_t)(i + 1) ^ idx);
        for (int l = 0; l < 4; l++) {
            r->p.X[l] |= tab[i].p.X[l] & m;
            r->p.Y[l] |= tab[i].p.Y[l] & m;
            r->p.Z[l] |= tab[i].p.Z[l] & m;
            r->zz[l] |= tab[i].zz[l] & m;
            r->zzz[l] |= tab[i].zzz[l] & m;
        }
    }
}

/* ---------------------------------------------------- fixed base k*G */

#define SM2_COMB_W 7
#define SM2_COMB_WINDOWS 37 /* 37 * 7 = 259 > 256 */
#define SM2_COMB_ENTRIES 64 /* 2^(w-1) odd digits 1, 3, ..., 127 */

/* g_table[j][i] = (2i + 1) * 2^(7j) * G, affine, Montgomery form. */
static sm2_aff g_table[SM2_COMB_WINDOWS][SM2_COMB_ENTRIES];
static pthread_once_t g_table_once = PTHREAD_ONCE_INIT;

/* Converts n Jacobian points (none at infinity) to affine with one
 * inversion (Montgomery's trick). Public data only. */
static void batch_to_affine(sm2_aff *out, const sm2_jac *in, size_t n, uint64_t (*acc)[4])
{
    uint64_t inv[4], t[4], zi[4], zi2[4];
    memcpy(acc[0], in[0].Z, sizeof acc[0]);
    for (size_t i = 1; i < n; i++) {
        sm2_fp_mul(acc[i], acc[i - 1], in[i].Z);
    }
    gmtls_sm2_fp_inv(inv, acc[n - 1]);
    for (size_t i = n; i-- > 0;) {
        if (i > 0) {
            sm2_fp_mul(zi, inv, acc[i - 1]);
            sm2_fp_mul(inv, inv, in[i].Z);
        } else {
            memcpy(zi, inv, sizeof zi);
        }
        sm2_fp_sqr(zi2, zi);
        sm2_fp_mul(out[i].x, in[i].X, zi2);
        sm2_fp_mul(t, zi2, zi);
        sm2_fp_mul(out[i].y, in[i].Y, t);
    }
}

static void g_table_init(void)
{
    sm2_jac base, tmp[SM2_COMB_ENTRIES];
    uint64_t acc[SM2_COMB_ENTRIES][4];
    jac_from_aff(&base, &gmtls_sm2_g);
    for (int j = 0; j < SM2_COMB_WINDOWS; j++) {
        sm2_jac base2;
        gmtls_sm2_jac_dbl(&base2, &base);
        tmp[0] = base;
        for (int i = 1; i < SM2_COMB_ENTRIES; i++) {
            jac_add_vt(&tmp[i], &tmp[i - 1], &base2);
        }
        batch_to_affine(g_table[j], tmp, SM2_COMB_ENTRIES, acc);
        for (int d = 0; d < SM2_COMB_W; d++) {
            gmtls_sm2_jac_dbl(&base, &base);
        }
    }
}

static const sm2_aff (*g_table_get(void))[SM2_COMB_ENTRIES]
{
    pthread_once(&g_table_once, g_table_init);
    return (const sm2_aff(*)[SM2_COMB_ENTRIES])g_table;
}

/* Reads every entry of one window and keeps entry idx - 1 (idx in 0..64;
 * 0 selects nothing and leaves r zero). */
static void comb_select(sm2_aff *r, const sm2_aff *row, uint64_t idx)
{
#ifdef GMTLS_SM2_X86_64_ASM
    if (gmtls_sm2_cpu_avx2) {
        sm2_select_aff_avx2(r, row, SM2_COMB_ENTRIES, idx);
        return;
    }
#endif
    memset(r, 0, sizeof *r);
    for (uint64_t i = 0; i < SM2_COMB_ENTRIES; i++) {
        uint64_t m = sm2_mask_z((i + 1) ^ idx);
        for (int l = 0; l < 4; l++) {
            r->x[l] |= row[i].x[l] & m;
            r->y[l] |= row[i].y[l] & m;
        }
    }
}

/*
 * Odd-digit ("regular") recoding for the comb: for odd k < 2^256,
 *   k = sum_{j<37} d_j 2^(7j) with every d_j odd in [-127, 127],
 * taking d_j = 2 e_j - 127 where e_j is the j-th 7-bit window of
 * E = (k - 1)/2 + 2^258 (then sum (2 e_j - 127) 2^(7j) = 2E - (2^259 - 1)
 * = k). No digit is zero, so no window selects the point at infinity.
 * Each window gets the table index (|d_j| - 1)/2 and a negation mask, both
 * computed without branches. e[] is left holding both for the caller.
 */
typedef struct {
    uint64_t idx[SM2_COMB_WINDOWS]; /* (|d_j| - 1)/2, 0..63 */
    uint64_t neg[SM2_COMB_WINDOWS]; /* all-ones when d_j < 0 */
} sm2_comb_digits;

static void comb_recode(sm2_comb_digits *dg, const uint64_t k[4])
{
    uint64_t e5[5];
    /* E = (k >> 1) + 2^258 (k odd), five limbs */
    for (int i = 0; i < 4; i++) {
        e5[i] = (k[i] >> 1) | (i < 3 ? k[i + 1] << 63 : 0);
    }
    e5[4] = (uint64_t)1 << 2;
    for (int j = 0; j < SM2_COMB_WINDOWS; j++) {
        int pos = SM2_COMB_W * j, limb = pos / 64, off = pos % 64;
        uint64_t v = e5[limb] >> off;
        if (off > 64 - SM2_COMB_W && limb < 4) {
            v |= e5[limb + 1] << (64 - off);
        }
        v &= (1u << SM2_COMB_W) - 1;
        /* d = 2v - 127 is negative exactly when v < 64 */
        uint64_t neg = (v >> 6) - 1;
        dg->idx[j] = (v & 63) ^ (neg & 63);
        dg->neg[j] = neg;
    }
    gmtls_sm_wipe(e5, sizeof e5);
}

/* (k mod n) made odd: k itself when odd, else n - k, with *flip all-ones in
 * the second case ((n - k) G = -(k G)); k < 2^256 < 2n. */
static void comb_odd_scalar(uint64_t out[4], uint64_t *flip, const uint64_t k[4])
{
    uint64_t t[4], nk[4];
    uint64_t borrow = sm2_sub4(t, k, SM2_N);
    /* k mod n: t when k >= n (no borrow) */
    sm2_cmov4(t, k, (uint64_t)0 - borrow);
    sm2_sub4(nk, SM2_N, t);
    uint64_t even = (t[0] & 1) - 1;
    sm2_cmov4(t, nk, even);
    memcpy(out, t, sizeof t);
    *flip = even;
    gmtls_sm_wipe(t, sizeof t);
    gmtls_sm_wipe(nk, sizeof nk);
}

void gmtls_sm2_mul_g(sm2_jac *r, const uint64_t k[4])
{
    const sm2_aff(*tab)[SM2_COMB_ENTRIES] = g_table_get();
    sm2_comb_digits dg;
    sm2_jac acc, sum;
    sm2_aff sel;
    uint64_t ko[4], flip, dummy;
    comb_odd_scalar(ko, &flip, k);
    comb_recode(&dg, ko);
    comb_select(&sel, tab[0], dg.idx[0] + 1);
    sm2_fp_cneg(sel.y, dg.neg[0]);
    jac_from_aff(&acc, &sel);
    for (int j = 1; j < SM2_COMB_WINDOWS; j++) {
        comb_select(&sel, tab[j], dg.idx[j] + 1);
        sm2_fp_cneg(sel.y, dg.neg[j]);
        /* Before window j, acc = A*G with A = sum_{i<j} d_i 2^(7i): odd, so
         * non-zero, and |A| <= 2^(7j) - 1. The entry is d_j 2^(7j) G with
         * |d_j| >= 1, so A -/+ d_j 2^(7j) is non-zero and below 2^(7j+7)
         * in size: below n for j <= 35, where acc is neither infinity nor
         * +-entry and the plain addition formula holds. Only the last window
         * can meet acc = entry (doubling) or acc = -entry (k = 0 mod n,
         * infinity, which the formula gives as Z3 = 0). */
        if (j < SM2_COMB_WINDOWS - 1) {
            jac_madd_core(&sum, &acc, &sel, &dummy);
            acc = sum;
        } else {
            jac_madd(&acc, &acc, &sel, 0, 1);
        }
    }
    sm2_fp_cneg(acc.Y, flip);
    *r = acc;
    gmtls_sm_wipe(&acc, sizeof acc);
    gmtls_sm_wipe(&sum, sizeof sum);
    gmtls_sm_wipe(&sel, sizeof sel);
    gmtls_sm_wipe(&dg, sizeof dg);
    gmtls_sm_wipe(ko, sizeof ko);
    gmtls_sm_wipe(&flip, sizeof flip);
}

/* ------------------------------------------------- variable base k*P */

#define SM2_VAR_W 5
#define SM2_VAR_WINDOWS 52 /* 52 * 5 = 260 > 256 */
#define SM2_VAR_ENTRIES 16

void gmtls_sm2_mul_point(sm2_jac *r, const uint64_t k[4], const sm2_aff *p)
{
    sm2_jac acc;
    sm2_jacz tabz[SM2_VAR_ENTRIES], sel;
    uint64_t neg, mag, dummy;
    /* tabz[i] = (i + 1) * P: the even multiples by doubling, the odd ones by
     * a mixed addition of P to the entry below (i*P + P with 2 <= i <= 14
     * is never a doubling or infinity; P is a finite point); then each
     * entry's Z^2 and Z^3 (1 for P itself). */
    jac_from_aff(&tabz[0].p, p);
    for (int i = 1; i < SM2_VAR_ENTRIES; i += 2) {
        gmtls_sm2_jac_dbl(&tabz[i].p, &tabz[i / 2].p); /* (i + 1) P = 2 * ((i + 1) / 2) P */
        if (i + 1 < SM2_VAR_ENTRIES) {
            jac_madd_core(&tabz[i + 1].p, &tabz[i].p, p, &dummy);
        }
    }
    memcpy(tabz[0].zz, SM2_FP_ONE, sizeof tabz[0].zz);
    memcpy(tabz[0].zzz, SM2_FP_ONE, sizeof tabz[0].zzz);
    for (int i = 1; i < SM2_VAR_ENTRIES; i++) {
        jacz_fill(&tabz[i]);
    }
    /* The top two windows start the accumulator. The top digit is
     * b255 + b254 in {0, 1, 2} (no bits above 255): instead of selecting it
     * and doubling five times, it selects among infinity, 32P and 64P (two
     * doublings of 16P), and the next window's entry is added to that. The
     * two sums' terms are d*32*P with d in {0, 1, 2} and e*P with
     * |e| <= 16: equal only when both are zero (infinity, handled). A zero
     * digit selects (0, 0, 0), which is infinity. */
    {
        sm2_jac big[2]; /* 32P, 64P */
        uint64_t top = scalar_bits(k, 254, 2), d1 = top & 1, d2 = top >> 1;
        gmtls_sm2_jac_dbl(&big[0], &tabz[SM2_VAR_ENTRIES - 1].p);
        gmtls_sm2_jac_dbl(&big[1], &big[0]);
        /* b255 + b254: 2 when both are set, else 1 when either is */
        uint64_t is2 = (uint64_t)0 - (d1 & d2), is1 = (uint64_t)0 - (d1 ^ d2);
        jac_set_inf(&acc);
        jac_cmov(&acc, &big[0], is1);
        jac_cmov(&acc, &big[1], is2);
        mag = booth_digit(k, SM2_VAR_WINDOWS - 2, SM2_VAR_W, &neg);
        jacz_select(&sel, tabz, SM2_VAR_ENTRIES, mag);
        sm2_fp_cneg(sel.p.Y, neg);
        jacz_add_ct(&acc, &acc, &sel, 0);
        gmtls_sm_wipe(big, sizeof big);
        gmtls_sm_wipe(&top, sizeof top);
        gmtls_sm_wipe(&d1, sizeof d1);
        gmtls_sm_wipe(&d2, sizeof d2);
    }
    for (int j = SM2_VAR_WINDOWS - 3; j >= 0; j--) {
        /* the entry first: it does not depend on acc, so the processor
         * can fetch it while the doublings wait on each other */
        mag = booth_digit(k, j, SM2_VAR_W, &neg);
        /* scan the whole table; mag = 0 leaves sel = (0, 0, 0) = infinity */
        jacz_select(&sel, tabz, SM2_VAR_ENTRIES, mag);
        sm2_fp_cneg(sel.p.Y, neg);
        for (int d = 0; d < SM2_VAR_W; d++) {
            gmtls_sm2_jac_dbl(&acc, &acc);
        }
        /* Before window j, acc = A*P with A = sum_{i>j} d_i 2^(5(i-j)), a
         * multiple of 32 below n in size for j >= 1, and the entry is d_j*P
         * with |d_j| <= 16: they coincide only if both are 0 (then the
         * entry is infinity). Only the last window can need a doubling. */
        jacz_add_ct(&acc, &acc, &sel, j == 0);
    }
    *r = acc;
    gmtls_sm_wipe(tabz, sizeof tabz);
    gmtls_sm_wipe(&acc, sizeof acc);
    gmtls_sm_wipe(&sel, sizeof sel);
    gmtls_sm_wipe(&mag, sizeof mag);
    gmtls_sm_wipe(&neg, sizeof neg);
}

/* ------------------------------------------ u1*G + u2*P, variable time */

/* Width-5 NAF of k (< 2^256): digits odd in [-15, 15] or 0; returns the
 * number of digits (<= 257). */
static int wnaf5(int8_t naf[258], const uint64_t k[4])
{
    uint64_t t[5] = {k[0], k[1], k[2], k[3], 0};
    int len = 0;
    while ((t[0] | t[1] | t[2] | t[3] | t[4]) != 0) {
        int d = 0;
        if (t[0] & 1) {
            d = (int)(t[0] & 31);
            if (d >= 16) {
                d -= 32;
            }
            /* t -= d */
            if (d > 0) {
                uint64_t borrow = (uint64_t)d;
                for (int i = 0; i < 5 && borrow; i++) {
                    uint64_t old = t[i];
                    t[i] -= borrow;
                    borrow = old < borrow;
                }
            } else {
                uint64_t carry = (uint64_t)(-d);
                for (int i = 0; i < 5 && carry; i++) {
                    t[i] += carry;
                    carry = t[i] < carry;
                }
            }
        }
        naf[len++] = (int8_t)d;
        for (int i = 0; i < 4; i++) {
            t[i] = (t[i] >> 1) | (t[i + 1] << 63);
        }
        t[4] >>= 1;
    }
    return len;
}

/* acc = u*P by width-5 wNAF, variable time: public inputs only. */
void gmtls_sm2_mul_point_vt(sm2_jac *acc_out, const uint64_t u[4], const sm2_aff *p)
{
    sm2_jac odd[8], p2, acc, q;
    int8_t naf[258];
    int len = wnaf5(naf, u);

    /* odd[i] = (2i + 1) * P */
    jac_from_aff(&odd[0], p);
    gmtls_sm2_jac_dbl(&p2, &odd[0]);
    for (int i = 1; i < 8; i++) {
        jac_add_vt(&odd[i], &odd[i - 1], &p2);
    }
    jac_set_inf(&acc);
    for (int i = len - 1; i >= 0; i--) {
        if (!fp_is_zero_vt(acc.Z)) {
            gmtls_sm2_jac_dbl(&acc, &acc);
        }
        int d = naf[i];
        if (d > 0) {
            jac_add_vt(&acc, &acc, &odd[d / 2]);
        } else if (d < 0) {
            q = odd[(-d) / 2];
            sm2_fp_neg(q.Y, q.Y);
            jac_add_vt(&acc, &acc, &q);
        }
    }
    *acc_out = acc;
}

void gmtls_sm2_mul_double_vt(sm2_jac *r, const uint64_t u1[4], const uint64_t u2[4], const sm2_aff *p)
{
    const sm2_aff(*tab)[SM2_COMB_ENTRIES] = g_table_get();
    sm2_jac acc, gacc;
    gmtls_sm2_mul_point_vt(&acc, u2, p);

    /* u1*G from the comb table: no doublings needed (public data, so the
     * entries are read directly) */
    sm2_comb_digits dg;
    uint64_t uo[4], flip;
    comb_odd_scalar(uo, &flip, u1);
    comb_recode(&dg, uo);
    jac_set_inf(&gacc);
    for (int j = 0; j < SM2_COMB_WINDOWS; j++) {
        sm2_aff e = tab[j][dg.idx[j]];
        if (dg.neg[j]) {
            sm2_fp_neg(e.y, e.y);
        }
        jac_madd_vt(&gacc, &gacc, &e);
    }
    if (flip) {
        sm2_fp_neg(gacc.Y, gacc.Y);
    }
    jac_add_vt(r, &acc, &gacc);
}
