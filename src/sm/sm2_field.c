/*
 * src/sm/sm2_field.c - the non-inline part of the SM2 field arithmetic:
 * Montgomery conversion and inversion mod p, and arithmetic mod the group
 * order n (Montgomery, constant-time Fermat inversion).
 */
#include "sm2_field.h"

#include "sm_internal.h"

/* R^2 mod p and R^2 mod n (R = 2^256). */
static const uint64_t SM2_P_RR[4] = {0x0000000200000003ULL, 0x00000002ffffffffULL, 0x0000000100000001ULL,
                                     0x0000000400000002ULL};
static const uint64_t SM2_N_RR[4] = {0x901192af7c114f20ULL, 0x3464504ade6fa2faULL, 0x620fc84c3affe0d4ULL,
                                     0x1eb5e412a22b3d3bULL};
/* R mod n: the Montgomery form of 1 mod n. */
static const uint64_t SM2_N_ONE[4] = {0xac440bf6c62abeddULL, 0x8dfc2094de39fad4ULL, 0x0000000000000000ULL,
                                      0x0000000100000000ULL};
/* -n^-1 mod 2^64 */
#define SM2_N0 0x327f9e8872350975ULL

#ifdef GMTLS_SM2_X86_64_ASM
int gmtls_sm2_cpu_adx;
int gmtls_sm2_cpu_avx2;

/* BMI2 + ADX (mulx, adcx, adox) for the field code, AVX2 (with the OS
 * saving the ymm state) for the table scans: from the library's one probe
 * (cpu_features.c), before main; GMTLS_CPU=portable leaves both off. */
__attribute__((constructor)) static void sm2_cpu_detect(void)
{
    if (gmtls_cpu_forced_portable()) {
        return;
    }
    gmtls_sm2_cpu_adx = gmtls_cpu_has(GMTLS_CPUF_BMI2) && gmtls_cpu_has(GMTLS_CPUF_ADX);
    gmtls_sm2_cpu_avx2 = gmtls_cpu_has(GMTLS_CPUF_AVX2);
}
#endif

void gmtls_sm2_from_be(uint64_t r[4], const uint8_t in[32])
{
    for (int i = 0; i < 4; i++) {
        r[3 - i] = gmtls_sm_load_be64(in + 8 * i);
    }
}

void gmtls_sm2_to_be(uint8_t out[32], const uint64_t a[4])
{
    for (int i = 0; i < 4; i++) {
        gmtls_sm_store_be64(out + 8 * i, a[3 - i]);
    }
}

void gmtls_sm2_fp_to_mont(uint64_t r[4], const uint64_t a[4])
{
    sm2_fp_mul(r, a, SM2_P_RR);
}

void gmtls_sm2_fp_from_mont(uint64_t r[4], const uint64_t a[4])
{
    static const uint64_t one[4] = {1, 0, 0, 0};
    sm2_fp_mul(r, a, one);
}

/*
 * Inversion mod p by the constant-time "divstep" gcd of Bernstein and Yang
 * ("Fast constant-time gcd computation and modular inversion", 2019), in
 * the "half-delta" form of P. Wuille ("Bounds on divsteps iterations in
 * safegcd", github.com/sipa/safegcd-bounds):
 *
 *   hddivstep(delta, f, g) = (2 - delta, g, (g - f)/2)          if delta > 0, g odd
 *                            (2 + delta, f, (g + (g mod 2) f)/2) otherwise
 *
 * Started from (1, p, a) with 0 <= a < p, g reaches 0 within 590 steps for
 * any odd f below 2^256 (a bound proven in Coq, doc/ in libsecp256k1), and
 * then f = +-gcd(p, a) = +-1 for a != 0. Alongside, d and e with d*a = f
 * and e*a = g (mod p) are kept, so that a^-1 = +-d at the end.
 *
 * The steps run in 10 batches of 62 on the low 64 bits of f and g only,
 * recording their effect as a matrix of 64-bit integers; each batch is
 * then applied to the full f, g, d and e. Every batch does the same
 * operations whatever the values: no branch and no memory index depends
 * on a, and a = 0 gives 0.
 *
 * Numbers are "signed62": five limbs, value = sum l[i] * 2^(62 i), limbs
 * 0..3 in [0, 2^62) and limb 4 signed.
 */
#define SM2_DIVSTEP_BATCHES 10 /* 10 * 62 = 620 >= 590 */
#define SM2_M62 (((uint64_t)1 << 62) - 1)

__extension__ typedef __int128 sm2_i128;

typedef struct {
    int64_t l[5];
} sm2_s62;

/* p in signed62 */
static const sm2_s62 SM2_P_S62 = {
    {0x3fffffffffffffffLL, 0x3ffffffc00000003LL, 0x3fffffffffffffffLL, 0x3fffffbfffffffffLL, 0xffLL}};
/* R^3 mod p: Montgomery-multiplying a plain a^-1 by it gives a^-1 R^2,
 * which is the Montgomery form of x^-1 when a = x R. */
static const uint64_t SM2_P_RRR[4] = {0x0000001200000016ULL, 0x0000000efffffff8ULL, 0x0000000a0000000cULL,
                                      0x0000001b00000009ULL};

/* A batch's transition matrix: after it, 2^62 (f', g') = (u f + v g, q f + r g).
 * Kept as uint64_t (two's complement) so shifts and sums wrap without
 * undefined behaviour; |u| + |v| <= 2^62 and |q| + |r| <= 2^62. */
typedef struct {
    uint64_t u, v, q, r;
} sm2_trans;

/*
 * 62 hddivsteps on the low 64 bits of f and g (enough: each step consumes
 * one low bit, and only the parity of g decides). zeta = -(delta + 1)/2
 * (delta is odd), so the "delta > 0" mask is zeta's sign, 2 - delta is
 * ~zeta - 1 and 2 + delta is zeta - 1. With c1 = [delta > 0], c2 = [g odd]:
 * g += (c1 ? -f : f) if c2, which is g - f on a swap and g + f otherwise;
 * on a swap f then becomes the old g, i.e. f += the new g; g is halved.
 * The matrix rows follow f and g, the row of f doubled instead of g
 * halved. Returns the new zeta.
 */
typedef struct {
    int64_t zeta;
    uint64_t f, g, u, v, q, r;
} sm2_ds;

/* One hddivstep; c2 is all-ones when g is odd (-1 when the caller knows) */
static inline __attribute__((always_inline)) void sm2_hddivstep(sm2_ds *s, uint64_t c2)
{
    uint64_t c1 = (uint64_t)(s->zeta >> 63); /* all-ones if delta > 0 */
    uint64_t x = (s->f ^ c1) - c1, y = (s->u ^ c1) - c1, z = (s->v ^ c1) - c1;
    s->g += x & c2;
    s->q += y & c2;
    s->r += z & c2;
    c1 &= c2; /* swap */
    s->zeta = (int64_t)(((uint64_t)s->zeta ^ c1) - 1);
    s->f += s->g & c1;
    s->u += s->q & c1;
    s->v += s->r & c1;
    s->g >>= 1;
    s->u <<= 1;
    s->v <<= 1;
}

static int64_t sm2_divsteps_62(int64_t zeta, uint64_t f, uint64_t g, sm2_trans *t)
{
    sm2_ds s = {zeta, f, g, 1, 0, 0, 1};
    for (int i = 0; i < 62; i++) {
        sm2_hddivstep(&s, (uint64_t)0 - (s.g & 1));
    }
    t->u = s.u;
    t->v = s.v;
    t->q = s.q;
    t->r = s.r;
    return s.zeta;
}

/*
 * The same 62 hddivsteps for inputs that are not secret (gmtls_sm2_fp_inv_vt):
 * a run of z steps with g even is one shift by z (each such step only
 * halves g, doubles the row of f and decrements zeta), found with a count
 * of trailing zeros; the odd steps are sm2_hddivstep with c2 = -1,
 * still without a branch (a branch on zeta's sign mispredicts too often to
 * pay, measured). Same matrix, same bounds, about 40% of the work.
 */
static int64_t sm2_divsteps_62_vt(int64_t zeta, uint64_t f, uint64_t g, sm2_trans *t)
{
    sm2_ds s = {zeta, f, g, 1, 0, 0, 1};
    int i = 62;
    for (;;) {
        int z = __builtin_ctzll(s.g | ((uint64_t)1 << i)); /* at most i */
        s.g >>= z;
        s.u <<= z;
        s.v <<= z;
        s.zeta -= z;
        i -= z;
        if (i == 0) {
            break;
        }
        sm2_hddivstep(&s, ~(uint64_t)0);
        i--;
    }
    t->u = s.u;
    t->v = s.v;
    t->q = s.q;
    t->r = s.r;
    return s.zeta;
}

/* (f, g) = (u f + v g, q f + r g) / 2^62; both sums are exact multiples
 * of 2^62 by construction. */
static void sm2_update_fg(sm2_s62 *f, sm2_s62 *g, const sm2_trans *t)
{
    const int64_t u = (int64_t)t->u, v = (int64_t)t->v, q = (int64_t)t->q, r = (int64_t)t->r;
    sm2_i128 cf = (sm2_i128)u * f->l[0] + (sm2_i128)v * g->l[0];
    sm2_i128 cg = (sm2_i128)q * f->l[0] + (sm2_i128)r * g->l[0];
    cf >>= 62;
    cg >>= 62;
    for (int i = 1; i < 5; i++) {
        cf += (sm2_i128)u * f->l[i] + (sm2_i128)v * g->l[i];
        cg += (sm2_i128)q * f->l[i] + (sm2_i128)r * g->l[i];
        f->l[i - 1] = (int64_t)((uint64_t)cf & SM2_M62);
        g->l[i - 1] = (int64_t)((uint64_t)cg & SM2_M62);
        cf >>= 62;
        cg >>= 62;
    }
    f->l[4] = (int64_t)cf;
    g->l[4] = (int64_t)cg;
}

/* a += p & mask, limbs renormalised (|limbs| < 2^62: no overflow) */
static void sm2_s62_add_p_masked(sm2_s62 *a, int64_t mask)
{
    int64_t c = 0;
    for (int i = 0; i < 4; i++) {
        c += a->l[i] + (SM2_P_S62.l[i] & mask);
        a->l[i] = (int64_t)((uint64_t)c & SM2_M62);
        c >>= 62;
    }
    a->l[4] += c + (SM2_P_S62.l[4] & mask);
}

/* -p < a < 2p -> -p < a < p: subtract p unless that makes a negative */
static void sm2_s62_reduce_above(sm2_s62 *a)
{
    sm2_s62 t;
    int64_t c = 0;
    for (int i = 0; i < 4; i++) {
        c += a->l[i] - SM2_P_S62.l[i];
        t.l[i] = (int64_t)((uint64_t)c & SM2_M62);
        c >>= 62;
    }
    t.l[4] = a->l[4] - SM2_P_S62.l[4] + c;
    uint64_t keep = (uint64_t)(t.l[4] >> 63); /* all-ones if a < p */
    for (int i = 0; i < 5; i++) {
        a->l[i] = (int64_t)(((uint64_t)a->l[i] & keep) | ((uint64_t)t.l[i] & ~keep));
    }
}

/*
 * (d, e) = (u d + v e, q d + r e) / 2^62 mod p, for -p < d, e < p. Adding
 * m p with m in [0, 2^62) makes each sum divisible by 2^62; since
 * p = -1 mod 2^62, m is just the sum mod 2^62. As |u| + |v| <= 2^62, the
 * quotient lies in (-p, 2p); one conditional subtraction brings it back
 * into (-p, p).
 */
static void sm2_update_de(sm2_s62 *d, sm2_s62 *e, const sm2_trans *t)
{
    const int64_t u = (int64_t)t->u, v = (int64_t)t->v, q = (int64_t)t->q, r = (int64_t)t->r;
    sm2_i128 cd = (sm2_i128)u * d->l[0] + (sm2_i128)v * e->l[0];
    sm2_i128 ce = (sm2_i128)q * d->l[0] + (sm2_i128)r * e->l[0];
    const int64_t md = (int64_t)((uint64_t)cd & SM2_M62), me = (int64_t)((uint64_t)ce & SM2_M62);
    cd += (sm2_i128)md * SM2_P_S62.l[0];
    ce += (sm2_i128)me * SM2_P_S62.l[0];
    cd >>= 62;
    ce >>= 62;
    for (int i = 1; i < 5; i++) {
        cd += (sm2_i128)u * d->l[i] + (sm2_i128)v * e->l[i] + (sm2_i128)md * SM2_P_S62.l[i];
        ce += (sm2_i128)q * d->l[i] + (sm2_i128)r * e->l[i] + (sm2_i128)me * SM2_P_S62.l[i];
        d->l[i - 1] = (int64_t)((uint64_t)cd & SM2_M62);
        e->l[i - 1] = (int64_t)((uint64_t)ce & SM2_M62);
        cd >>= 62;
        ce >>= 62;
    }
    d->l[4] = (int64_t)cd;
    e->l[4] = (int64_t)ce;
    sm2_s62_reduce_above(d);
    sm2_s62_reduce_above(e);
}

/* r = a^-1 (Montgomery in, Montgomery out); 0 maps to 0. With vt set, the
 * batches use sm2_divsteps_62_vt and stop once g is 0 (time then depends
 * on a). */
static void sm2_fp_inv_with(uint64_t r[4], const uint64_t a[4], int vt)
{
    sm2_s62 f = SM2_P_S62, g, d = {{0, 0, 0, 0, 0}}, e = {{1, 0, 0, 0, 0}};
    sm2_trans t;
    uint64_t x[4];
    int64_t zeta = -1; /* delta = 1 */

    g.l[0] = (int64_t)(a[0] & SM2_M62);
    g.l[1] = (int64_t)(((a[0] >> 62) | (a[1] << 2)) & SM2_M62);
    g.l[2] = (int64_t)(((a[1] >> 60) | (a[2] << 4)) & SM2_M62);
    g.l[3] = (int64_t)(((a[2] >> 58) | (a[3] << 6)) & SM2_M62);
    g.l[4] = (int64_t)(a[3] >> 56);
    for (int i = 0; i < SM2_DIVSTEP_BATCHES; i++) {
        uint64_t flo = (uint64_t)f.l[0] | ((uint64_t)f.l[1] << 62);
        uint64_t glo = (uint64_t)g.l[0] | ((uint64_t)g.l[1] << 62);
        zeta = vt ? sm2_divsteps_62_vt(zeta, flo, glo, &t) : sm2_divsteps_62(zeta, flo, glo, &t);
        sm2_update_fg(&f, &g, &t);
        sm2_update_de(&d, &e, &t);
        /* g = 0 stays 0: the remaining batches would leave f and d as they are */
        if (vt && (g.l[0] | g.l[1] | g.l[2] | g.l[3] | g.l[4]) == 0) {
            break;
        }
    }
    /* g = 0 and f = +-1 (or f = p for a = 0, with d = 0): a^-1 = d * sign(f);
     * -p < d < p, so negating (or not) and adding p if negative gives
     * the result in [0, p) */
    uint64_t neg = (uint64_t)(f.l[4] >> 63);
    for (int i = 0; i < 5; i++) {
        d.l[i] = (int64_t)(((uint64_t)d.l[i] ^ neg) - neg);
    }
    sm2_s62_add_p_masked(&d, 0); /* renormalise the limbs: the sign is in l[4] */
    sm2_s62_add_p_masked(&d, d.l[4] >> 63);
    x[0] = (uint64_t)d.l[0] | ((uint64_t)d.l[1] << 62);
    x[1] = ((uint64_t)d.l[1] >> 2) | ((uint64_t)d.l[2] << 60);
    x[2] = ((uint64_t)d.l[2] >> 4) | ((uint64_t)d.l[3] << 58);
    x[3] = ((uint64_t)d.l[3] >> 6) | ((uint64_t)d.l[4] << 56);
    sm2_fp_mul(r, x, SM2_P_RRR);

    gmtls_sm_wipe(&f, sizeof f);
    gmtls_sm_wipe(&g, sizeof g);
    gmtls_sm_wipe(&d, sizeof d);
    gmtls_sm_wipe(&e, sizeof e);
    gmtls_sm_wipe(&t, sizeof t);
    gmtls_sm_wipe(x, sizeof x);
}

void gmtls_sm2_fp_inv(uint64_t r[4], const uint64_t a[4])
{
    sm2_fp_inv_with(r, a, 0);
}

void gmtls_sm2_fp_inv_vt(uint64_t r[4], const uint64_t a[4])
{
    sm2_fp_inv_with(r, a, 1);
}

/* ------------------------------------------------------------ mod n */

void gmtls_sm2_fn_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4];
    uint64_t c = sm2_add4(t, a, b);
    sm2_final_sub(r, t, c, SM2_N);
}

void gmtls_sm2_fn_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4], nm[4];
    uint64_t mask = (uint64_t)0 - sm2_sub4(t, a, b);
    for (int i = 0; i < 4; i++) {
        nm[i] = SM2_N[i] & mask;
    }
    sm2_add4(r, t, nm);
}

void gmtls_sm2_fn_reduce(uint64_t r[4], const uint64_t a[4])
{
    /* a < 2^256 < 2n */
    sm2_final_sub(r, a, 0, SM2_N);
}

/* clang-format off */
#ifdef GMTLS_SM2_X86_64_ASM
/* One CIOS round mod n: (t0..t5) += a * bi, then + m * n with
 * m = t0 * (-n^-1 mod 2^64), which clears t0; the sum is left in t1..t5. */
#define SM2_FN_ROUND(bi, t0, t1, t2, t3, t4, t5)                               \
    SM2_MULACC(bi, t0, t1, t2, t3, t4, t5)                                     \
    "movq " SM2_R(t0) ", %%rcx\n\t"                                            \
    "imulq %[k0], %%rcx\n\t"                                                   \
    SM2_MACC("%[n0]", "%[n1]", "%[n2]", "%[n3]", t0, t1, t2, t3, t4, t5)
#endif

/* Word-by-word Montgomery multiplication (CIOS) mod n. */
void gmtls_sm2_fn_mont_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
#ifdef GMTLS_SM2_X86_64_ASM
    static const uint64_t n0inv = SM2_N0;
    /* per round: acc += a * b[i]; m = acc0 * n0inv; acc = (acc + m * n) / 2^64 */
    __asm__ volatile(
        "xorq %%r8, %%r8\n\t"
        "xorq %%r9, %%r9\n\t"
        "xorq %%r10, %%r10\n\t"
        "xorq %%r11, %%r11\n\t"
        "xorq %%r12, %%r12\n\t"
        SM2_FN_ROUND("0(%[pb])", r8, r9, r10, r11, r12, r13)
        SM2_FN_ROUND("8(%[pb])", r9, r10, r11, r12, r13, r8)
        SM2_FN_ROUND("16(%[pb])", r10, r11, r12, r13, r8, r9)
        SM2_FN_ROUND("24(%[pb])", r11, r12, r13, r8, r9, r10)
        /* acc = r12, r13, r8, r9 (+ r10) < 2n: subtract n unless that borrows */
        "movq %%r12, %%rax\n\t"
        "movq %%r13, %%rdx\n\t"
        "movq %%r8, %%rcx\n\t"
        "movq %%r9, %%r14\n\t"
        "subq %[n0], %%rax\n\t"
        "sbbq %[n1], %%rdx\n\t"
        "sbbq %[n2], %%rcx\n\t"
        "sbbq %[n3], %%r14\n\t"
        "sbbq $0, %%r10\n\t"
        "cmovcq %%r12, %%rax\n\t"
        "cmovcq %%r13, %%rdx\n\t"
        "cmovcq %%r8, %%rcx\n\t"
        "cmovcq %%r9, %%r14\n\t"
        "movq %%rax, 0(%[pr])\n\t"
        "movq %%rdx, 8(%[pr])\n\t"
        "movq %%rcx, 16(%[pr])\n\t"
        "movq %%r14, 24(%[pr])\n\t"
        :
        : [pr] "r"(r), [pa] "r"(a), [pb] "r"(b), [n0] "m"(SM2_N[0]), [n1] "m"(SM2_N[1]),
          [n2] "m"(SM2_N[2]), [n3] "m"(SM2_N[3]), [k0] "m"(n0inv)
        : SM2_ASM_CLOBBERS);
/* clang-format on */
#else
    uint64_t t[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        sm2_u128 acc;
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            acc = (sm2_u128)a[i] * b[j] + t[j] + carry;
            t[j] = (uint64_t)acc;
            carry = (uint64_t)(acc >> 64);
        }
        acc = (sm2_u128)t[4] + carry;
        t[4] = (uint64_t)acc;
        t[5] = (uint64_t)(acc >> 64);

        uint64_t m = t[0] * SM2_N0;
        acc = (sm2_u128)m * SM2_N[0] + t[0];
        carry = (uint64_t)(acc >> 64);
        for (int j = 1; j < 4; j++) {
            acc = (sm2_u128)m * SM2_N[j] + t[j] + carry;
            t[j - 1] = (uint64_t)acc;
            carry = (uint64_t)(acc >> 64);
        }
        acc = (sm2_u128)t[4] + carry;
        t[3] = (uint64_t)acc;
        t[4] = t[5] + (uint64_t)(acc >> 64);
    }
    /* t < 2n */
    sm2_final_sub(r, t, t[4], SM2_N);
#endif
}

/* a^(n-2) in the Montgomery domain with a 4-bit fixed window. The exponent
 * is public, so indexing the table by its nibbles leaks nothing about a. */
static void fn_inv_mont(uint64_t r[4], const uint64_t am[4])
{
    static const uint64_t nm2[4] = {0x53bbf40939d54121ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
                                    0xfffffffeffffffffULL};
    uint64_t tab[16][4], acc[4];
    for (int i = 0; i < 4; i++) {
        tab[0][i] = SM2_N_ONE[i];
        tab[1][i] = am[i];
    }
    for (int i = 2; i < 16; i++) {
        gmtls_sm2_fn_mont_mul(tab[i], tab[i - 1], am);
    }
    for (int i = 0; i < 4; i++) {
        acc[i] = SM2_N_ONE[i];
    }
    for (int bit = 252; bit >= 0; bit -= 4) {
        for (int s = 0; s < 4; s++) {
            gmtls_sm2_fn_mont_mul(acc, acc, acc);
        }
        unsigned nib = (unsigned)(nm2[bit / 64] >> (bit % 64)) & 15;
        gmtls_sm2_fn_mont_mul(acc, acc, tab[nib]);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = acc[i];
    }
    gmtls_sm_wipe(tab, sizeof tab);
    gmtls_sm_wipe(acc, sizeof acc);
}

void gmtls_sm2_fn_inv_r2(uint64_t r[4], const uint64_t a[4])
{
    uint64_t am[4], inv[4];
    gmtls_sm2_fn_mont_mul(am, a, SM2_N_RR);  /* a R */
    fn_inv_mont(inv, am);                    /* a^-1 R */
    gmtls_sm2_fn_mont_mul(r, inv, SM2_N_RR); /* a^-1 R^2 */
    gmtls_sm_wipe(am, sizeof am);
    gmtls_sm_wipe(inv, sizeof inv);
}

void gmtls_sm2_fn_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4];
    gmtls_sm2_fn_mont_mul(t, a, b);        /* a b R^-1 */
    gmtls_sm2_fn_mont_mul(r, t, SM2_N_RR); /* a b */
    gmtls_sm_wipe(t, sizeof t);
}

void gmtls_sm2_fn_inv(uint64_t r[4], const uint64_t a[4])
{
    static const uint64_t one[4] = {1, 0, 0, 0};
    uint64_t t[4];
    gmtls_sm2_fn_inv_r2(t, a);        /* a^-1 R^2 */
    gmtls_sm2_fn_mont_mul(r, t, one); /* a^-1 R */
    gmtls_sm2_fn_mont_mul(r, r, one); /* a^-1 */
    gmtls_sm_wipe(t, sizeof t);
}
