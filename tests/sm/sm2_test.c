/*
 * tests/sm/sm2_test.c - SM2: field and scalar arithmetic against OpenSSL
 * BIGNUM, point arithmetic against OpenSSL EC_POINT on the SM2 curve,
 * published known answers, and the refusal of bad keys, signatures and
 * encodings.
 */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "gmtls/sm.h"
#include "sm/sm2_field.h"
#include "sm/sm2_internal.h"
#include "sm/sm2_point.h"
#include "test.h"

static BN_CTX *bnctx;
static BIGNUM *bn_p, *bn_n;
static EC_GROUP *grp;

static const char *P_HEX = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF";
static const char *N_HEX = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123";

static void bn_to_limbs(uint64_t r[4], const BIGNUM *a)
{
    uint8_t b[32];
    BN_bn2binpad(a, b, 32);
    gmtls_sm2_from_be(r, b);
}

static BIGNUM *limbs_to_bn(const uint64_t a[4])
{
    uint8_t b[32];
    gmtls_sm2_to_be(b, a);
    return BN_bin2bn(b, 32, NULL);
}

static int limbs_eq_bn(const uint64_t a[4], const BIGNUM *b)
{
    BIGNUM *t = limbs_to_bn(a);
    int eq = BN_cmp(t, b) == 0;
    BN_free(t);
    return eq;
}

/* Values to test in [0, m): edge cases first, then random ones. */
static void pick_value(BIGNUM *v, const BIGNUM *m, int i)
{
    switch (i) {
    case 0:
        BN_zero(v);
        break;
    case 1:
        BN_one(v);
        break;
    case 2:
        BN_sub(v, m, BN_value_one());
        break;
    case 3:
        BN_sub(v, m, BN_value_one());
        BN_sub(v, v, BN_value_one());
        break;
    case 4:
        BN_set_word(v, 2);
        break;
    case 5:
        BN_one(v);
        BN_lshift(v, v, 255);
        break;
    case 6:
        BN_one(v);
        BN_lshift(v, v, 224);
        break;
    case 7:
        BN_set_word(v, 0xffffffff);
        BN_lshift(v, v, 64);
        break;
    default:
        BN_rand_range(v, m);
        break;
    }
}

static void test_field_p(void)
{
    BIGNUM *a = BN_new(), *b = BN_new(), *want = BN_new();
    int bad_mul = 0, bad_sqr = 0, bad_add = 0, bad_sub = 0, bad_neg = 0, bad_inv = 0, bad_conv = 0;
    for (int i = 0; i < 2000; i++) {
        uint64_t x[4], y[4], xm[4], ym[4], r[4], rn[4];
        pick_value(a, bn_p, i % 9 == 8 ? 100 : i % 9);
        pick_value(b, bn_p, (i / 9) % 9 == 8 ? 100 : (i / 9) % 9);
        if (i >= 81) {
            BN_rand_range(a, bn_p);
            BN_rand_range(b, bn_p);
        }
        bn_to_limbs(x, a);
        bn_to_limbs(y, b);
        gmtls_sm2_fp_to_mont(xm, x);
        gmtls_sm2_fp_to_mont(ym, y);
        gmtls_sm2_fp_from_mont(r, xm);
        bad_conv += !limbs_eq_bn(r, a);

        sm2_fp_mul(r, xm, ym);
        gmtls_sm2_fp_from_mont(rn, r);
        BN_mod_mul(want, a, b, bn_p, bnctx);
        bad_mul += !limbs_eq_bn(rn, want);

        sm2_fp_sqr(r, xm);
        gmtls_sm2_fp_from_mont(rn, r);
        BN_mod_sqr(want, a, bn_p, bnctx);
        bad_sqr += !limbs_eq_bn(rn, want);

        sm2_fp_add(r, x, y);
        BN_mod_add(want, a, b, bn_p, bnctx);
        bad_add += !limbs_eq_bn(r, want);

        sm2_fp_sub(r, x, y);
        BN_mod_sub(want, a, b, bn_p, bnctx);
        bad_sub += !limbs_eq_bn(r, want);

        sm2_fp_neg(r, x);
        BN_mod_sub(want, bn_p, a, bn_p, bnctx);
        bad_neg += !limbs_eq_bn(r, want);

        if (i < 300) {
            gmtls_sm2_fp_inv(r, xm);
            gmtls_sm2_fp_from_mont(rn, r);
            if (BN_is_zero(a)) {
                BN_zero(want);
            } else {
                BN_mod_inverse(want, a, bn_p, bnctx);
            }
            bad_inv += !limbs_eq_bn(rn, want);
        }
    }
    CHECK(bad_conv == 0);
    CHECK(bad_mul == 0);
    CHECK(bad_sqr == 0);
    CHECK(bad_add == 0);
    CHECK(bad_sub == 0);
    CHECK(bad_neg == 0);
    CHECK(bad_inv == 0);
    BN_free(a);
    BN_free(b);
    BN_free(want);
}

/* want = a * b * R^-1 mod p (the Montgomery product) */
static void bn_mont_mul(BIGNUM *want, const BIGNUM *a, const BIGNUM *b, const BIGNUM *rinv)
{
    BN_mod_mul(want, a, b, bn_p, bnctx);
    BN_mod_mul(want, want, rinv, bn_p, bnctx);
}

/* want = k*x + l*y + m*z mod p for small signed k, l, m */
static void bn_lin3(BIGNUM *want, int k, const BIGNUM *x, int l, const BIGNUM *y, int m, const BIGNUM *z)
{
    BIGNUM *t = BN_new();
    BN_zero(want);
    const BIGNUM *v[3] = {x, y, z};
    int c[3] = {k, l, m};
    for (int i = 0; i < 3; i++) {
        if (c[i] == 0) {
            continue;
        }
        BN_copy(t, v[i]);
        BN_mul_word(t, (BN_ULONG)(c[i] < 0 ? -c[i] : c[i]));
        if (c[i] < 0) {
            BN_mod_sub(want, want, t, bn_p, bnctx);
        } else {
            BN_mod_add(want, want, t, bn_p, bnctx);
        }
    }
    BN_free(t);
}

/* Values in [0, p) for the fused-operation test: the edges of [0, p),
 * powers of two and their neighbours, then random ones. */
static void pick_edge(BIGNUM *v, int i)
{
    static const int shifts[] = {0, 1, 32, 63, 64, 96, 128, 160, 192, 223, 224, 225, 255};
    int n = (int)GMTLS_ARRAY_LEN_T(shifts);
    if (i < 9) {
        pick_value(v, bn_p, i);
    } else if (i < 9 + n) {
        BN_one(v);
        BN_lshift(v, v, shifts[i - 9]);
    } else if (i < 9 + 2 * n) {
        BN_one(v);
        BN_lshift(v, v, shifts[i - 9 - n]);
        BN_sub(v, bn_p, v);
    } else if (i < 9 + 3 * n) {
        BN_one(v);
        BN_lshift(v, v, shifts[i - 9 - 2 * n]);
        BN_sub(v, v, BN_value_one());
        BN_nnmod(v, v, bn_p, bnctx);
    } else {
        BN_rand_range(v, bn_p);
    }
}

/*
 * The multiplications fused with an additive step, and the additive steps
 * themselves, against BIGNUM. With b = R mod p the product is exactly a,
 * so the edges of a reach the additive part; every result must be fully
 * reduced (limbs_eq_bn compares the exact value).
 */
static void test_field_fused(void)
{
    BIGNUM *a = BN_new(), *b = BN_new(), *c = BN_new(), *d = BN_new(), *pr = BN_new(), *sq = BN_new();
    BIGNUM *want = BN_new(), *want2 = BN_new(), *rinv = BN_new(), *r = BN_new(), *inv2 = BN_new();
    int bad = 0, bad_small = 0;
    BN_one(r);
    BN_lshift(r, r, 256);
    BN_mod_inverse(rinv, r, bn_p, bnctx);
    BN_set_word(inv2, 2);
    BN_mod_inverse(inv2, inv2, bn_p, bnctx);
    for (int i = 0; i < 6000; i++) {
        uint64_t x[4], y[4], z[4], w[4], t[4], t2[4], pk[2][4], pk3[3][4];
        pick_edge(a, i % 48);
        pick_edge(b, (i / 48) % 48);
        pick_edge(c, (i * 7 + 3) % 48);
        pick_edge(d, (i * 13 + 5) % 48);
        if (i % 3 == 1) {
            BN_mod(b, r, bn_p, bnctx); /* R mod p: the product is a */
        }
        bn_to_limbs(x, a);
        bn_to_limbs(y, b);
        bn_to_limbs(z, c);
        bn_to_limbs(w, d);
        bn_mont_mul(pr, a, b, rinv);
        bn_mont_mul(sq, a, a, rinv);

        /* 3ab/2: both parities of the product reach the halving */
        sm2_fp_mul_x3half(t, x, y);
        bn_lin3(want2, 3, pr, 0, pr, 0, pr);
        BN_mod_mul(want, want2, inv2, bn_p, bnctx);
        bad += !limbs_eq_bn(t, want);

        sm2_fp_sqr_addsub(pk, x, z);
        bn_lin3(want, 1, c, 1, sq, 0, sq);
        bn_lin3(want2, 1, c, -1, sq, 0, sq);
        bad += !limbs_eq_bn(pk[0], want) + !limbs_eq_bn(pk[1], want2);

        memcpy(pk[0], z, sizeof z);
        sm2_fp_sqr_sub2sub(t, x, pk);
        bn_lin3(want, 1, sq, -2, c, 0, c);
        bn_lin3(want2, 1, c, -1, want, 0, c);
        bad += !limbs_eq_bn(t, want) + !limbs_eq_bn(pk[1], want2);

        memcpy(pk[0], y, sizeof y);
        memcpy(pk[1], z, sizeof z);
        sm2_fp_mul_sub(t, x, (const uint64_t(*)[4])pk);
        bn_lin3(want, 1, pr, -1, c, 0, c);
        bad += !limbs_eq_bn(t, want);

        memcpy(pk3[0], z, sizeof z);
        memcpy(pk3[1], w, sizeof w);
        sm2_fp_sqr_subsub2sub(t, x, pk3);
        bn_lin3(want, 1, sq, -1, c, -2, d);
        bn_lin3(want2, 1, d, -1, want, 0, d);
        bad += !limbs_eq_bn(t, want) + !limbs_eq_bn(pk3[2], want2);

        /* the additive steps alone, also in place */
        sm2_fp_dbl(t, x);
        bn_lin3(want, 2, a, 0, a, 0, a);
        bad_small += !limbs_eq_bn(t, want);
        sm2_fp_add_sub(t, t2, x, z);
        bn_lin3(want, 1, a, 1, c, 0, c);
        bn_lin3(want2, 1, a, -1, c, 0, c);
        bad_small += !limbs_eq_bn(t, want) + !limbs_eq_bn(t2, want2);
        memcpy(t, x, sizeof t);
        sm2_fp_sub2_sub(t, t2, t, z);
        bn_lin3(want, 1, a, -2, c, 0, c);
        bn_lin3(want2, 1, c, -1, want, 0, c);
        bad_small += !limbs_eq_bn(t, want) + !limbs_eq_bn(t2, want2);
        memcpy(t, x, sizeof t);
        sm2_fp_sub_half(t, t, z);
        BN_mod_mul(want2, c, inv2, bn_p, bnctx);
        bn_lin3(want, 1, a, -1, want2, 0, c);
        bad_small += !limbs_eq_bn(t, want);
        /* conditional negation, both masks (0 stays 0) */
        memcpy(t, x, sizeof t);
        sm2_fp_cneg(t, (uint64_t)0 - (uint64_t)(i & 1));
        bn_lin3(want, (i & 1) ? -1 : 1, a, 0, a, 0, a);
        bad_small += !limbs_eq_bn(t, want);
        memcpy(t, z, sizeof t);
        sm2_fp_sub(t, x, t);
        bn_lin3(want, 1, a, -1, c, 0, c);
        bad_small += !limbs_eq_bn(t, want);
        memcpy(t, z, sizeof t);
        sm2_fp_add(t, x, t);
        bn_lin3(want, 1, a, 1, c, 0, c);
        bad_small += !limbs_eq_bn(t, want);
    }
    CHECK(bad == 0);
    CHECK(bad_small == 0);
    BN_free(a);
    BN_free(b);
    BN_free(c);
    BN_free(d);
    BN_free(pr);
    BN_free(sq);
    BN_free(want);
    BN_free(want2);
    BN_free(rinv);
    BN_free(r);
    BN_free(inv2);
}

/* Inversion mod p (constant-time divsteps) on edge and random values,
 * including ones whose binary gcd runs long (powers of two, 2^k - 1,
 * p - 2^k) and 0, which maps to 0. */
static void test_field_inv(void)
{
    BIGNUM *a = BN_new(), *want = BN_new();
    int bad = 0, bad_vt = 0;
    for (int i = 0; i < 4000; i++) {
        uint64_t x[4], xm[4], r[4], rn[4];
        if (i < 256) {
            BN_one(a);
            BN_lshift(a, a, i);
            BN_nnmod(a, a, bn_p, bnctx);
        } else if (i < 512) {
            BN_one(a);
            BN_lshift(a, a, i - 256);
            BN_sub(a, bn_p, a);
        } else if (i < 768) {
            BN_one(a);
            BN_lshift(a, a, i - 512);
            BN_sub(a, a, BN_value_one());
            BN_nnmod(a, a, bn_p, bnctx);
        } else if (i < 816) {
            pick_edge(a, i - 768);
        } else {
            BN_rand_range(a, bn_p);
            if (i % 4 == 0) {
                BN_rshift(a, a, (i / 4) % 250); /* small values */
            }
        }
        bn_to_limbs(x, a);
        gmtls_sm2_fp_to_mont(xm, x);
        gmtls_sm2_fp_inv(r, xm);
        gmtls_sm2_fp_from_mont(rn, r);
        if (BN_is_zero(a)) {
            BN_zero(want);
        } else {
            BN_mod_inverse(want, a, bn_p, bnctx);
        }
        bad += !limbs_eq_bn(rn, want);
        /* the variable-time version on the same values */
        gmtls_sm2_fp_inv_vt(r, xm);
        gmtls_sm2_fp_from_mont(rn, r);
        bad_vt += !limbs_eq_bn(rn, want);
    }
    CHECK(bad == 0);
    CHECK(bad_vt == 0);
    BN_free(a);
    BN_free(want);
}

static void test_field_n(void)
{
    BIGNUM *a = BN_new(), *b = BN_new(), *want = BN_new(), *big = BN_new();
    int bad_mul = 0, bad_add = 0, bad_sub = 0, bad_inv = 0, bad_red = 0;
    for (int i = 0; i < 2000; i++) {
        uint64_t x[4], y[4], r[4];
        pick_value(a, bn_n, i % 9 == 8 ? 100 : i % 9);
        pick_value(b, bn_n, (i / 9) % 9 == 8 ? 100 : (i / 9) % 9);
        if (i >= 81) {
            BN_rand_range(a, bn_n);
            BN_rand_range(b, bn_n);
        }
        bn_to_limbs(x, a);
        bn_to_limbs(y, b);
        gmtls_sm2_fn_mul(r, x, y);
        BN_mod_mul(want, a, b, bn_n, bnctx);
        bad_mul += !limbs_eq_bn(r, want);
        gmtls_sm2_fn_add(r, x, y);
        BN_mod_add(want, a, b, bn_n, bnctx);
        bad_add += !limbs_eq_bn(r, want);
        gmtls_sm2_fn_sub(r, x, y);
        BN_mod_sub(want, a, b, bn_n, bnctx);
        bad_sub += !limbs_eq_bn(r, want);
        if (i < 200 && !BN_is_zero(a)) {
            gmtls_sm2_fn_inv(r, x);
            BN_mod_inverse(want, a, bn_n, bnctx);
            bad_inv += !limbs_eq_bn(r, want);
        }
        /* any 256-bit value reduces with one subtraction */
        BN_rand(big, 256, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
        if (i == 0) {
            BN_one(big);
            BN_lshift(big, big, 256);
            BN_sub(big, big, BN_value_one());
        } else if (i == 1) {
            BN_copy(big, bn_n);
        }
        bn_to_limbs(x, big);
        gmtls_sm2_fn_reduce(r, x);
        BN_nnmod(want, big, bn_n, bnctx);
        bad_red += !limbs_eq_bn(r, want);
    }
    CHECK(bad_mul == 0);
    CHECK(bad_add == 0);
    CHECK(bad_sub == 0);
    CHECK(bad_inv == 0);
    CHECK(bad_red == 0);
    BN_free(a);
    BN_free(b);
    BN_free(want);
    BN_free(big);
}

/* Affine normal-form big-endian x||y of a Jacobian point; 0 if infinity. */
static int jac_bytes(uint8_t out[64], const sm2_jac *p)
{
    sm2_aff a;
    uint64_t t[4];
    uint64_t inf = gmtls_sm2_jac_to_affine(&a, p);
    gmtls_sm2_fp_from_mont(t, a.x);
    gmtls_sm2_to_be(out, t);
    gmtls_sm2_fp_from_mont(t, a.y);
    gmtls_sm2_to_be(out + 32, t);
    return inf ? 0 : 1;
}

/* OpenSSL's k*G as x||y; 0 if infinity. */
static int ossl_mul_g(uint8_t out[64], const BIGNUM *k)
{
    EC_POINT *pt = EC_POINT_new(grp);
    uint8_t buf[65];
    int ok = 0;
    EC_POINT_mul(grp, pt, k, NULL, NULL, bnctx);
    if (!EC_POINT_is_at_infinity(grp, pt)) {
        EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, buf, sizeof buf, bnctx);
        memcpy(out, buf + 1, 64);
        ok = 1;
    }
    EC_POINT_free(pt);
    return ok;
}

static void test_points(void)
{
    uint64_t k[4], k2[4];
    uint8_t got[64], got2[64], got3[64], want[64];
    sm2_jac r, r2, r3, gj;
    BIGNUM *bk = BN_new(), *bk2 = BN_new();
    int bad = 0, bad_dbl = 0;

    /* n*G = O, by every multiplication routine */
    memcpy(k, SM2_N, sizeof k);
    gmtls_sm2_mul_g(&r, k);
    CHECK(jac_bytes(got, &r) == 0);
    gmtls_sm2_mul_point(&r, k, &gmtls_sm2_g);
    CHECK(jac_bytes(got, &r) == 0);
    uint64_t zero[4] = {0, 0, 0, 0};
    gmtls_sm2_mul_double_vt(&r, k, zero, &gmtls_sm2_g);
    CHECK(jac_bytes(got, &r) == 0);
    gmtls_sm2_mul_double_vt(&r, zero, k, &gmtls_sm2_g);
    CHECK(jac_bytes(got, &r) == 0);
    gmtls_sm2_mul_g(&r, zero);
    CHECK(jac_bytes(got, &r) == 0);
    gmtls_sm2_mul_point(&r, zero, &gmtls_sm2_g);
    CHECK(jac_bytes(got, &r) == 0);

    /* (n-1)*G = -G */
    k[0] -= 1;
    gmtls_sm2_mul_g(&r, k);
    CHECK(jac_bytes(got, &r) == 1);
    gmtls_sm2_mul_point(&r2, k, &gmtls_sm2_g);
    CHECK(jac_bytes(got2, &r2) == 1);
    {
        sm2_aff ng = gmtls_sm2_g;
        uint64_t t[4];
        sm2_fp_neg(ng.y, ng.y);
        gmtls_sm2_fp_from_mont(t, ng.x);
        gmtls_sm2_to_be(want, t);
        gmtls_sm2_fp_from_mont(t, ng.y);
        gmtls_sm2_to_be(want + 32, t);
    }
    CHECK_MEM(got, want, 64);
    CHECK_MEM(got2, want, 64);

    /* complete addition: P + P, P + (-P), O + P, P + O */
    jac_bytes(want, &r); /* -G */
    {
        sm2_jac g2, s;
        memcpy(gj.X, gmtls_sm2_g.x, 32);
        memcpy(gj.Y, gmtls_sm2_g.y, 32);
        memcpy(gj.Z, SM2_FP_ONE, 32);
        gmtls_sm2_jac_dbl(&g2, &gj);
        gmtls_sm2_jac_add(&s, &gj, &gj);
        CHECK(jac_bytes(got, &s) == 1);
        CHECK(jac_bytes(got2, &g2) == 1);
        CHECK_MEM(got, got2, 64);
        gmtls_sm2_jac_add(&s, &gj, &r); /* G + (-G) */
        CHECK(jac_bytes(got, &s) == 0);
        sm2_jac inf;
        memset(&inf, 0, sizeof inf);
        gmtls_sm2_jac_add(&s, &inf, &g2);
        CHECK(jac_bytes(got, &s) == 1);
        CHECK_MEM(got, got2, 64);
        gmtls_sm2_jac_add(&s, &g2, &inf);
        CHECK(jac_bytes(got, &s) == 1);
        CHECK_MEM(got, got2, 64);
        gmtls_sm2_jac_add(&s, &inf, &inf);
        CHECK(jac_bytes(got, &s) == 0);
        gmtls_sm2_jac_dbl(&s, &inf);
        CHECK(jac_bytes(got, &s) == 0);
    }

    /* k*G by the comb, the window and the double-scalar routine, against
     * OpenSSL; edge values first */
    for (int i = 0; i < 300; i++) {
        switch (i) {
        case 0:
            BN_one(bk);
            break;
        case 1:
            BN_set_word(bk, 2);
            break;
        case 2:
            BN_set_word(bk, 3);
            break;
        case 3:
            BN_sub(bk, bn_n, BN_value_one());
            break;
        case 4:
            BN_sub(bk, bn_n, BN_value_one());
            BN_sub(bk, bk, BN_value_one());
            break;
        case 5:
            BN_set_word(bk, 64);
            break;
        case 6:
            BN_set_word(bk, 65);
            break;
        case 7:
            BN_one(bk);
            BN_lshift(bk, bk, 255);
            break;
        case 8: /* 2^256 - 1 > n: routines take any 256-bit k */
            BN_one(bk);
            BN_lshift(bk, bk, 256);
            BN_sub(bk, bk, BN_value_one());
            break;
        case 9:
            BN_set_word(bk, 0xffffffff);
            break;
        case 10: /* n + 1 */
            BN_add(bk, bn_n, BN_value_one());
            break;
        case 11: /* all Booth digits -1-ish: 0x5555... */
            BN_hex2bn(&bk, "5555555555555555555555555555555555555555555555555555555555555555");
            break;
        case 12:
            BN_hex2bn(&bk, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
            break;
        default:
            if (i % 3 == 0) {
                BN_rand(bk, 1 + i % 256, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
                if (BN_is_zero(bk)) {
                    BN_one(bk);
                }
            } else {
                BN_rand_range(bk, bn_n);
                if (BN_is_zero(bk)) {
                    BN_one(bk);
                }
            }
            break;
        }
        bn_to_limbs(k, bk);
        int exp = ossl_mul_g(want, bk);
        gmtls_sm2_mul_g(&r, k);
        gmtls_sm2_mul_point(&r2, k, &gmtls_sm2_g);
        gmtls_sm2_mul_double_vt(&r3, k, zero, &gmtls_sm2_g);
        int e1 = jac_bytes(got, &r), e2 = jac_bytes(got2, &r2), e3 = jac_bytes(got3, &r3);
        if (e1 != exp || e2 != exp || e3 != exp ||
            (exp && (memcmp(got, want, 64) != 0 || memcmp(got2, want, 64) != 0 || memcmp(got3, want, 64) != 0))) {
            bad++;
            fprintf(stderr, "k*G mismatch at case %d\n", i);
        }
        /* u1*G + u2*P against the constant-time routines, P = k*G */
        if (exp && i % 4 == 0) {
            sm2_aff pa;
            sm2_jac a1, a2, sum;
            gmtls_sm2_jac_to_affine(&pa, &r);
            BN_rand_range(bk2, bn_n);
            bn_to_limbs(k2, bk2);
            uint64_t u1[4];
            BN_rand_range(bk2, bn_n);
            bn_to_limbs(u1, bk2);
            if (i == 4) {
                /* u1 = 0: only the u2*P half contributes */
                memset(u1, 0, sizeof u1);
            }
            gmtls_sm2_mul_double_vt(&r3, u1, k2, &pa);
            gmtls_sm2_mul_g(&a1, u1);
            gmtls_sm2_mul_point(&a2, k2, &pa);
            gmtls_sm2_jac_add(&sum, &a1, &a2);
            e1 = jac_bytes(got, &sum);
            e2 = jac_bytes(got2, &r3);
            if (e1 != e2 || (e1 && memcmp(got, got2, 64) != 0)) {
                bad_dbl++;
            }
        }
    }
    CHECK(bad == 0);
    CHECK(bad_dbl == 0);

    /* Scalars for which the window methods meet P + P in their last
     * addition: k = n - 2t (signed 5-bit windows: the top part equals the
     * last digit, e.g. k = n - 6) and k = t * 2^253 mod n, plus n, for the
     * 7-bit comb's last window. */
    {
        BIGNUM *two253 = BN_new(), *kk = BN_new(), *lim = BN_new();
        int bad_exc = 0, cases = 0;
        BN_one(two253);
        BN_lshift(two253, two253, 253);
        BN_one(lim);
        BN_lshift(lim, lim, 256);
        for (int t = 1; t <= 64; t++) {
            for (int form = 0; form < 3; form++) {
                if (form == 0) {
                    BN_copy(kk, bn_n);
                    BN_sub_word(kk, (BN_ULONG)(2 * t));
                } else {
                    BN_mul_word(BN_copy(kk, two253), (BN_ULONG)t);
                    BN_nnmod(kk, kk, bn_n, bnctx);
                    if (form == 2) {
                        BN_add(kk, kk, bn_n);
                        if (BN_cmp(kk, lim) >= 0) {
                            continue;
                        }
                    }
                }
                cases++;
                bn_to_limbs(k, kk);
                int exp = ossl_mul_g(want, kk);
                gmtls_sm2_mul_g(&r, k);
                gmtls_sm2_mul_point(&r2, k, &gmtls_sm2_g);
                int e1 = jac_bytes(got, &r), e2 = jac_bytes(got2, &r2);
                if (e1 != exp || e2 != exp || (exp && (memcmp(got, want, 64) != 0 || memcmp(got2, want, 64) != 0))) {
                    bad_exc++;
                    fprintf(stderr, "exceptional scalar t=%d form=%d: comb %s, window %s\n", t, form,
                            e1 == exp && memcmp(got, want, 64) == 0 ? "ok" : "WRONG",
                            e2 == exp && memcmp(got2, want, 64) == 0 ? "ok" : "WRONG");
                }
            }
        }
        CHECK(cases > 100);
        CHECK(bad_exc == 0);
        BN_free(two253);
        BN_free(kk);
        BN_free(lim);
    }

    /* u1*G + u2*P where the two halves cancel: P = G, u1 = n - u2 */
    {
        uint64_t u1[4], u2[4] = {12345, 0, 0, 0};
        sm2_jac s;
        gmtls_sm2_fn_sub(u1, zero, u2);
        gmtls_sm2_mul_double_vt(&s, u1, u2, &gmtls_sm2_g);
        CHECK(jac_bytes(got, &s) == 0);
        /* and where they coincide: u1*G + u1*G = 2u1*G */
        uint64_t two_u1[4];
        gmtls_sm2_mul_double_vt(&s, u1, u1, &gmtls_sm2_g);
        CHECK(jac_bytes(got, &s) == 1);
        gmtls_sm2_fn_add(two_u1, u1, u1);
        gmtls_sm2_mul_g(&r, two_u1);
        CHECK(jac_bytes(got2, &r) == 1);
        CHECK_MEM(got, got2, 64);
    }
    BN_free(bk);
    BN_free(bk2);
}

/*
 * Known answers on the recommended curve: GM/T 0003.5-2012 (= GB/T
 * 32918.5-2017), Annex A "digital signature and verification" example:
 * d_A, P_A, ID_A = "1234567812345678" (ENTL_A = 0x0080), M = "message
 * digest", Z_A, e, k, [k]G = (x1, y1), r, s. The same numbers appear in
 * many independent implementations' test suites (e.g. GmSSL, gmsm).
 */
static const char *KAT_D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
static const char *KAT_PX = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
static const char *KAT_PY = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
static const char *KAT_ZA = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3";
static const char *KAT_E = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640";
static const char *KAT_K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";
static const char *KAT_X1 = "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73";
static const char *KAT_Y1 = "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0";
static const char *KAT_R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
static const char *KAT_S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";

static void unhex32(const char *h, uint8_t out[32])
{
    long n = test_unhex(h, out, 32);
    if (n != 32) {
        fprintf(stderr, "bad hex constant %s\n", h);
        exit(2);
    }
}

static gmtls_sm2_key kat_key;
static uint8_t kat_sig_der[GMTLS_SM2_MAX_DER_SIG_LEN];
static size_t kat_sig_der_len;

static void test_kat(void)
{
    uint8_t d[32], px[32], py[32], za[32], e[32], k[32], x1[32], y1[32], r[32], s[32];
    uint8_t got[64], z[32], e2[32], gr[32], gs[32], pb[65];
    unhex32(KAT_D, d);
    unhex32(KAT_PX, px);
    unhex32(KAT_PY, py);
    unhex32(KAT_ZA, za);
    unhex32(KAT_E, e);
    unhex32(KAT_K, k);
    unhex32(KAT_X1, x1);
    unhex32(KAT_Y1, y1);
    unhex32(KAT_R, r);
    unhex32(KAT_S, s);

    /* P_A = [d_A]G */
    CHECK_OK(gmtls_sm2_key_from_private(&kat_key, d));
    gmtls_sm2_pubkey_to_bytes(&kat_key.pub, pb);
    CHECK(pb[0] == 0x04);
    CHECK_MEM(pb + 1, px, 32);
    CHECK_MEM(pb + 33, py, 32);
    uint8_t dout[32];
    gmtls_sm2_key_export_private(&kat_key, dout);
    CHECK_MEM(dout, d, 32);

    /* [k]G = (x1, y1) */
    uint64_t kl[4];
    sm2_jac kg;
    gmtls_sm2_from_be(kl, k);
    gmtls_sm2_mul_g(&kg, kl);
    CHECK(jac_bytes(got, &kg) == 1);
    CHECK_MEM(got, x1, 32);
    CHECK_MEM(got + 32, y1, 32);
    gmtls_sm2_mul_point(&kg, kl, &gmtls_sm2_g);
    CHECK(jac_bytes(got, &kg) == 1);
    CHECK_MEM(got, x1, 32);
    CHECK_MEM(got + 32, y1, 32);

    /* Z_A and e = SM3(Z_A || M) */
    CHECK_OK(gmtls_sm2_compute_z(&kat_key.pub, (const uint8_t *)"1234567812345678", 16, z));
    CHECK_MEM(z, za, 32);
    gmtls_sm3_ctx c;
    gmtls_sm3_init(&c);
    gmtls_sm3_update(&c, z, 32);
    gmtls_sm3_update(&c, "message digest", 14);
    gmtls_sm3_final(&c, e2);
    CHECK_MEM(e2, e, 32);

    /* (r, s) with the published k */
    CHECK_OK(gmtls_sm2_sign_digest_with_k(&kat_key, e, k, gr, gs));
    CHECK_MEM(gr, r, 32);
    CHECK_MEM(gs, s, 32);
    CHECK_OK(gmtls_sm2_verify_digest(&kat_key.pub, e, r, s));

    /* the same signature through the full message API (default ID) */
    CHECK_OK(gmtls_sm2_sig_to_der(r, s, kat_sig_der, &kat_sig_der_len));
    CHECK(kat_sig_der_len == 72); /* both top bits set: 33-byte INTEGERs */
    CHECK_OK(
        gmtls_sm2_verify(&kat_key.pub, NULL, 0, (const uint8_t *)"message digest", 14, kat_sig_der, kat_sig_der_len));
    CHECK_OK(gmtls_sm2_verify(&kat_key.pub, (const uint8_t *)"1234567812345678", 16, (const uint8_t *)"message digest",
                              14, kat_sig_der, kat_sig_der_len));

    /* fixed-k signing refuses k = 0 and k = n */
    uint8_t kbad[32] = {0};
    CHECK_ERR(gmtls_sm2_sign_digest_with_k(&kat_key, e, kbad, gr, gs), -1);
    unhex32(N_HEX, kbad);
    CHECK_ERR(gmtls_sm2_sign_digest_with_k(&kat_key, e, kbad, gr, gs), -1);
    /* k = n - r' where r' = (e + x1(k)) mod n would give r + k = n: use
     * the published e and x1 for k to build e' with r' = n - k */
    {
        uint64_t kk[4], x[4], rr[4], ee[4];
        uint8_t ebad[32];
        gmtls_sm2_from_be(kk, k);
        gmtls_sm2_from_be(x, x1);
        /* want (e' + x1) mod n = n - k  =>  e' = -k - x1 mod n */
        uint64_t zero[4] = {0, 0, 0, 0};
        gmtls_sm2_fn_sub(rr, zero, kk);
        gmtls_sm2_fn_sub(ee, rr, x);
        gmtls_sm2_to_be(ebad, ee);
        CHECK_ERR(gmtls_sm2_sign_digest_with_k(&kat_key, ebad, k, gr, gs), -1);
        /* and r = 0: e' = -x1 mod n */
        gmtls_sm2_fn_sub(ee, zero, x);
        gmtls_sm2_to_be(ebad, ee);
        CHECK_ERR(gmtls_sm2_sign_digest_with_k(&kat_key, ebad, k, gr, gs), -1);
    }
}

static int rng_openssl(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}

static int rng_fail(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    (void)out;
    (void)len;
    return -1;
}

/* Returns the bytes in ctx (32 at a time, cycling). */
static int rng_fixed(void *ctx, uint8_t *out, size_t len)
{
    memcpy(out, ctx, len);
    return 0;
}

static void test_keys(void)
{
    gmtls_sm2_key key;
    uint8_t d[32];
    /* range of private keys: [1, n-2] */
    memset(d, 0, 32);
    CHECK_ERR(gmtls_sm2_key_from_private(&key, d), -1);
    d[31] = 1;
    CHECK_OK(gmtls_sm2_key_from_private(&key, d));
    uint8_t pb[65], gb[65];
    gmtls_sm2_pubkey_to_bytes(&key.pub, pb);
    gb[0] = 4;
    unhex32("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7", gb + 1);
    unhex32("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0", gb + 33);
    CHECK_MEM(pb, gb, 65);
    unhex32(N_HEX, d);
    CHECK_ERR(gmtls_sm2_key_from_private(&key, d), -1); /* n */
    d[31] -= 1;
    CHECK_ERR(gmtls_sm2_key_from_private(&key, d), -1); /* n - 1 */
    d[31] -= 1;
    CHECK_OK(gmtls_sm2_key_from_private(&key, d)); /* n - 2 */
    memset(d, 0xff, 32);
    CHECK_ERR(gmtls_sm2_key_from_private(&key, d), -1);

    /* keygen: a failing RNG, an RNG stuck on an out-of-range value */
    CHECK_ERR(gmtls_sm2_keygen(&key, rng_fail, NULL), -1);
    uint8_t stuck[32];
    unhex32(N_HEX, stuck);
    CHECK_ERR(gmtls_sm2_keygen(&key, rng_fixed, stuck), -1);
    /* and a fixed in-range value gives that key */
    unhex32(KAT_D, stuck);
    CHECK_OK(gmtls_sm2_keygen(&key, rng_fixed, stuck));
    gmtls_sm2_key_export_private(&key, d);
    CHECK_MEM(d, stuck, 32);
    CHECK_MEM(key.pub.bytes, kat_key.pub.bytes, 65);
    /* signing with an RNG that fails */
    uint8_t e[32] = {1}, r[32], s[32];
    CHECK_ERR(gmtls_sm2_sign_digest(&key, e, rng_fail, NULL, r, s), -1);
    /* key_clear wipes everything */
    gmtls_sm2_key_clear(&key);
    uint8_t zeros[sizeof key];
    memset(zeros, 0, sizeof zeros);
    CHECK_MEM(&key, zeros, sizeof key);

    /* random keys: sign/verify round trip, ECDH agreement */
    for (int i = 0; i < 50; i++) {
        gmtls_sm2_key a, b;
        uint8_t sab[32], sba[32], sig[72];
        size_t siglen;
        uint8_t msg[100];
        RAND_bytes(msg, sizeof msg);
        CHECK_OK(gmtls_sm2_keygen(&a, rng_openssl, NULL));
        CHECK_OK(gmtls_sm2_keygen(&b, rng_openssl, NULL));
        CHECK_OK(gmtls_sm2_ecdh(&a, &b.pub, sab));
        CHECK_OK(gmtls_sm2_ecdh(&b, &a.pub, sba));
        CHECK_MEM(sab, sba, 32);
        size_t mlen = (size_t)i * 2;
        CHECK_OK(gmtls_sm2_sign(&a, NULL, 0, msg, mlen, rng_openssl, NULL, sig, &siglen));
        CHECK(siglen >= 8 && siglen <= 72);
        CHECK_OK(gmtls_sm2_verify(&a.pub, NULL, 0, msg, mlen, sig, siglen));
        CHECK_ERR(gmtls_sm2_verify(&b.pub, NULL, 0, msg, mlen, sig, siglen), -1);                     /* wrong key */
        CHECK_ERR(gmtls_sm2_verify(&a.pub, (const uint8_t *)"alice", 5, msg, mlen, sig, siglen), -1); /* wrong ID */
        msg[i] ^= 1;
        CHECK_ERR(gmtls_sm2_verify(&a.pub, NULL, 0, msg, mlen + 1, sig, siglen), -1);
        msg[i] ^= 1;
        /* custom ID */
        CHECK_OK(
            gmtls_sm2_sign(&a, (const uint8_t *)"alice@example.com", 17, msg, mlen, rng_openssl, NULL, sig, &siglen));
        CHECK_OK(gmtls_sm2_verify(&a.pub, (const uint8_t *)"alice@example.com", 17, msg, mlen, sig, siglen));
        CHECK_ERR(gmtls_sm2_verify(&a.pub, NULL, 0, msg, mlen, sig, siglen), -1);
        gmtls_sm2_key_clear(&a);
        gmtls_sm2_key_clear(&b);
    }
}

/* k*P for a point P other than G, edge scalars first, against OpenSSL's
 * EC_POINT_mul; the x-only conversion against the full one. */
static void test_mul_point_edges(void)
{
    BIGNUM *bk = BN_new(), *bq = BN_new();
    EC_POINT *q = EC_POINT_new(grp), *res = EC_POINT_new(grp);
    int bad = 0;
    for (int i = 0; i < 40; i++) {
        uint8_t qb[65], want[65], got[64];
        uint64_t k[4], t[4], x[4];
        sm2_aff pa;
        sm2_jac r;
        /* P = q*G for a random q */
        BN_rand_range(bq, bn_n);
        if (BN_is_zero(bq)) {
            BN_one(bq);
        }
        EC_POINT_mul(grp, q, bq, NULL, NULL, bnctx);
        EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED, qb, sizeof qb, bnctx);
        gmtls_sm2_from_be(t, qb + 1);
        gmtls_sm2_fp_to_mont(pa.x, t);
        gmtls_sm2_from_be(t, qb + 33);
        gmtls_sm2_fp_to_mont(pa.y, t);
        switch (i) {
        case 0:
            BN_one(bk);
            break;
        case 1:
            BN_set_word(bk, 2);
            break;
        case 2:
            BN_sub(bk, bn_n, BN_value_one());
            break;
        case 3:
            BN_sub(bk, bn_n, BN_value_one());
            BN_sub(bk, bk, BN_value_one());
            break;
        case 4:
            BN_set_word(bk, 16);
            break;
        case 5:
            BN_set_word(bk, 17);
            break;
        default:
            BN_rand_range(bk, bn_n);
            if (BN_is_zero(bk)) {
                BN_one(bk);
            }
            break;
        }
        bn_to_limbs(k, bk);
        EC_POINT_mul(grp, res, NULL, q, bk, bnctx);
        EC_POINT_point2oct(grp, res, POINT_CONVERSION_UNCOMPRESSED, want, sizeof want, bnctx);
        gmtls_sm2_mul_point(&r, k, &pa);
        if (jac_bytes(got, &r) != 1 || memcmp(got, want + 1, 64) != 0) {
            bad++;
            fprintf(stderr, "k*P mismatch at case %d\n", i);
        }
        if (gmtls_sm2_jac_affine_x(x, &r) != 0) {
            bad++;
        }
        gmtls_sm2_fp_from_mont(x, x);
        gmtls_sm2_to_be(got, x);
        if (memcmp(got, want + 1, 32) != 0) {
            bad++;
            fprintf(stderr, "x-only mismatch at case %d\n", i);
        }
    }
    /* x-only of infinity: mask set, x = 0 */
    {
        sm2_jac inf;
        uint64_t x[4], zero[4] = {0, 0, 0, 0};
        memset(&inf, 0, sizeof inf);
        CHECK(gmtls_sm2_jac_affine_x(x, &inf) == ~(uint64_t)0);
        CHECK_MEM(x, zero, sizeof x);
    }
    CHECK(bad == 0);
    EC_POINT_free(q);
    EC_POINT_free(res);
    BN_free(bk);
    BN_free(bq);
}

/* The light ECDH key generation and point import (curveSM2) against the
 * full ones: same d, same public key, same shared secret; the light key
 * refuses to sign. */
static void test_light_paths(void)
{
    for (int i = 0; i < 20; i++) {
        gmtls_sm2_key full, light, peer;
        gmtls_sm2_pubkey pf, pl;
        uint8_t d[32], dl[32], s1[32], s2[32], s3[32], r[32], s[32], e[32] = {7};
        RAND_bytes(d, sizeof d);
        d[0] &= 0x7f; /* below n - 1 */
        if (i == 0) {
            memset(d, 0, sizeof d);
            d[31] = 1;
        }
        CHECK_OK(gmtls_sm2_keygen(&full, rng_fixed, d));
        CHECK_OK(gmtls_sm2_keygen_ecdh(&light, rng_fixed, d));
        gmtls_sm2_key_export_private(&light, dl);
        CHECK_MEM(dl, d, 32);
        CHECK_MEM(light.pub.bytes, full.pub.bytes, 65);
        CHECK_MEM(light.pub.x, full.pub.x, sizeof full.pub.x);
        CHECK_MEM(light.pub.y, full.pub.y, sizeof full.pub.y);
        CHECK_OK(gmtls_sm2_keygen(&peer, rng_openssl, NULL));
        CHECK_OK(gmtls_sm2_pubkey_from_bytes(&pf, peer.pub.bytes, 65));
        CHECK_OK(gmtls_sm2_pubkey_from_bytes_ecdh(&pl, peer.pub.bytes, 65));
        CHECK_MEM(pl.bytes, pf.bytes, 65);
        CHECK_MEM(pl.x, pf.x, sizeof pf.x);
        CHECK_MEM(pl.y, pf.y, sizeof pf.y);
        CHECK_OK(gmtls_sm2_ecdh(&full, &pf, s1));
        CHECK_OK(gmtls_sm2_ecdh(&light, &pl, s2));
        CHECK_OK(gmtls_sm2_ecdh(&peer, &light.pub, s3));
        CHECK_MEM(s1, s2, 32);
        CHECK_MEM(s1, s3, 32);
        CHECK_ERR(gmtls_sm2_sign_digest(&light, e, rng_openssl, NULL, r, s), -1);
        gmtls_sm2_key_clear(&full);
        gmtls_sm2_key_clear(&light);
        gmtls_sm2_key_clear(&peer);
    }
    /* the light import validates exactly like the full one */
    {
        gmtls_sm2_pubkey pub;
        uint8_t pt[65];
        memcpy(pt, kat_key.pub.bytes, 65);
        CHECK_OK(gmtls_sm2_pubkey_from_bytes_ecdh(&pub, pt, 65));
        CHECK_ERR(gmtls_sm2_pubkey_from_bytes_ecdh(&pub, pt, 64), -1);
        CHECK_ERR(gmtls_sm2_pubkey_from_bytes_ecdh(NULL, pt, 65), -1);
        pt[0] = 0x02;
        CHECK_ERR(gmtls_sm2_pubkey_from_bytes_ecdh(&pub, pt, 65), -1);
        pt[0] = 0x04;
        pt[64] ^= 1; /* off the curve */
        CHECK_ERR(gmtls_sm2_pubkey_from_bytes_ecdh(&pub, pt, 65), -1);
        memset(pt + 1, 0xff, 32); /* x >= p */
        CHECK_ERR(gmtls_sm2_pubkey_from_bytes_ecdh(&pub, pt, 65), -1);
    }
    CHECK_ERR(gmtls_sm2_keygen_ecdh(NULL, rng_openssl, NULL), -1);
    {
        gmtls_sm2_key k;
        CHECK_ERR(gmtls_sm2_keygen_ecdh(&k, rng_fail, NULL), -1);
    }
}

static void test_bad_points(void)
{
    gmtls_sm2_pubkey pub;
    uint8_t pt[66];
    memcpy(pt, kat_key.pub.bytes, 65);
    pt[65] = 0;
    CHECK_OK(gmtls_sm2_pubkey_from_bytes(&pub, pt, 65));
    CHECK_MEM(pub.bytes, pt, 65);
    /* lengths */
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, pt, 0), -1);
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, pt, 64), -1);
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, pt, 66), -1);
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, pt + 1, 64), -1);
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, NULL, 65), -1);
    /* infinity encoding */
    uint8_t zero1 = 0;
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, &zero1, 1), -1);
    uint8_t zeros[65] = {0};
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, zeros, 65), -1);
    zeros[0] = 4; /* (0, 0) is not on the curve */
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, zeros, 65), -1);
    /* prefixes: compressed, hybrid, garbage */
    static const uint8_t prefixes[] = {0x00, 0x02, 0x03, 0x05, 0x06, 0x07, 0xff};
    for (size_t i = 0; i < sizeof prefixes; i++) {
        pt[0] = prefixes[i];
        CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, pt, 65), -1);
        CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, pt, 33), -1);
    }
    pt[0] = 4;
    /* off the curve */
    pt[64] ^= 1;
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, pt, 65), -1);
    pt[64] ^= 1;
    pt[10] ^= 0x40;
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, pt, 65), -1);
    pt[10] ^= 0x40;
    /* coordinates p and 2^256 - 1 */
    uint8_t bad[65];
    memcpy(bad, pt, 65);
    unhex32(P_HEX, bad + 1);
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, bad, 65), -1);
    memset(bad + 1, 0xff, 32);
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, bad, 65), -1);
    memcpy(bad, pt, 65);
    unhex32(P_HEX, bad + 33);
    CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, bad, 65), -1);
    /* x >= p for a point whose x mod p is on the curve: take the smallest
     * x0 with x0^3 - 3x0 + b a square, so (x0 + p, y) would alias (x0, y)
     * and only the range check can refuse it */
    {
        BIGNUM *x = BN_new(), *rhs = BN_new(), *y = BN_new(), *chk = BN_new(), *bb = NULL;
        BN_hex2bn(&bb, "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
        int found = 0;
        for (unsigned long x0 = 0; x0 < 1000 && !found; x0++) {
            BN_set_word(x, x0);
            BN_mod_sqr(rhs, x, bn_p, bnctx);
            BN_mod_mul(rhs, rhs, x, bn_p, bnctx);
            BN_set_word(chk, 3 * x0);
            BN_mod_sub(rhs, rhs, chk, bn_p, bnctx);
            BN_mod_add(rhs, rhs, bb, bn_p, bnctx);
            ERR_set_mark();
            if (BN_mod_sqrt(y, rhs, bn_p, bnctx) == NULL) {
                ERR_pop_to_mark();
                continue;
            }
            ERR_pop_to_mark();
            BN_mod_sqr(chk, y, bn_p, bnctx);
            if (BN_cmp(chk, rhs) != 0) {
                continue;
            }
            uint8_t enc[65];
            enc[0] = 4;
            BN_bn2binpad(x, enc + 1, 32);
            BN_bn2binpad(y, enc + 33, 32);
            CHECK_OK(gmtls_sm2_pubkey_from_bytes(&pub, enc, 65));
            BN_add(x, x, bn_p);
            BN_bn2binpad(x, enc + 1, 32);
            CHECK_ERR(gmtls_sm2_pubkey_from_bytes(&pub, enc, 65), -1);
            found = 1;
        }
        CHECK(found);
        BN_free(x);
        BN_free(rhs);
        BN_free(y);
        BN_free(chk);
        BN_free(bb);
    }
}

static void test_bad_sigs(void)
{
    const uint8_t *m = (const uint8_t *)"message digest";
    uint8_t e[32], r[32], s[32], nb[32], big[32], one[32] = {0}, zero[32] = {0};
    unhex32(KAT_E, e);
    unhex32(KAT_R, r);
    unhex32(KAT_S, s);
    unhex32(N_HEX, nb);
    memset(big, 0xff, 32);
    one[31] = 1;
    const gmtls_sm2_pubkey *pub = &kat_key.pub;
    CHECK_OK(gmtls_sm2_verify_digest(pub, e, r, s));
    /* r or s = 0, = n, > n */
    CHECK_ERR(gmtls_sm2_verify_digest(pub, e, zero, s), -1);
    CHECK_ERR(gmtls_sm2_verify_digest(pub, e, r, zero), -1);
    CHECK_ERR(gmtls_sm2_verify_digest(pub, e, nb, s), -1);
    CHECK_ERR(gmtls_sm2_verify_digest(pub, e, r, nb), -1);
    CHECK_ERR(gmtls_sm2_verify_digest(pub, e, big, s), -1);
    CHECK_ERR(gmtls_sm2_verify_digest(pub, e, r, big), -1);
    /* s = n - r: both in range but t = (r + s) mod n = 0 (§7.1 B5) */
    {
        uint64_t rl[4], t[4], zl[4] = {0, 0, 0, 0};
        uint8_t nr[32];
        gmtls_sm2_from_be(rl, r);
        gmtls_sm2_fn_sub(t, zl, rl);
        gmtls_sm2_to_be(nr, t);
        CHECK_ERR(gmtls_sm2_verify_digest(pub, e, r, nr), -1);
    }
    /* wrong digest, swapped r and s, r or s off by one */
    uint8_t e2[32];
    memcpy(e2, e, 32);
    e2[0] ^= 0x80;
    CHECK_ERR(gmtls_sm2_verify_digest(pub, e2, r, s), -1);
    CHECK_ERR(gmtls_sm2_verify_digest(pub, e, s, r), -1);
    uint8_t r1[32];
    memcpy(r1, r, 32);
    r1[31] ^= 1;
    CHECK_ERR(gmtls_sm2_verify_digest(pub, e, r1, s), -1);
    CHECK_ERR(gmtls_sm2_verify_digest(pub, e, one, one), -1);

    /* DER: the good one, then every kind of malformation */
    uint8_t der[80];
    size_t dlen = kat_sig_der_len;
    memcpy(der, kat_sig_der, dlen);
    uint8_t rr[32], ss[32];
    CHECK_OK(gmtls_sm2_sig_from_der(der, dlen, rr, ss));
    CHECK_MEM(rr, r, 32);
    CHECK_MEM(ss, s, 32);
    /* truncated at every length */
    int trunc_ok = 0;
    for (size_t l = 0; l < dlen; l++) {
        trunc_ok += gmtls_sm2_sig_from_der(der, l, rr, ss) == 0;
        trunc_ok += gmtls_sm2_verify(pub, NULL, 0, m, 14, der, l) == 0;
    }
    CHECK(trunc_ok == 0);
    /* trailing byte (with and without fixing the outer length) */
    der[dlen] = 0;
    CHECK_ERR(gmtls_sm2_sig_from_der(der, dlen + 1, rr, ss), -1);
    der[1]++;
    CHECK_ERR(gmtls_sm2_sig_from_der(der, dlen + 1, rr, ss), -1);
    der[1]--;
    /* wrong tags */
    uint8_t t[80];
    memcpy(t, der, dlen);
    t[0] = 0x31;
    CHECK_ERR(gmtls_sm2_sig_from_der(t, dlen, rr, ss), -1);
    memcpy(t, der, dlen);
    t[2] = 0x03;
    CHECK_ERR(gmtls_sm2_sig_from_der(t, dlen, rr, ss), -1);
    memcpy(t, der, dlen);
    t[2 + 2 + 33] = 0x04;
    CHECK_ERR(gmtls_sm2_sig_from_der(t, dlen, rr, ss), -1);
    /* long-form outer length 0x81 0x46 where short form is required */
    t[0] = 0x30;
    t[1] = 0x81;
    t[2] = (uint8_t)(dlen - 2);
    memcpy(t + 3, der + 2, dlen - 2);
    CHECK_ERR(gmtls_sm2_sig_from_der(t, dlen + 1, rr, ss), -1);
    /* long-form INTEGER length */
    {
        uint8_t lf[80];
        size_t n = 0;
        lf[n++] = 0x30;
        lf[n++] = (uint8_t)(dlen - 2 + 1);
        lf[n++] = 0x02;
        lf[n++] = 0x81;
        lf[n++] = 33;
        memcpy(lf + n, der + 4, 33);
        n += 33;
        memcpy(lf + n, der + 2 + 35, 35);
        n += 35;
        CHECK_ERR(gmtls_sm2_sig_from_der(lf, n, rr, ss), -1);
    }
    /* hand-built (r, s) encodings around a small valid r = 0x01 */
    {
        /* r = 1, s = 1: a well-formed DER the parser accepts */
        static const uint8_t ok11[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
        CHECK_OK(gmtls_sm2_sig_from_der(ok11, sizeof ok11, rr, ss));
        CHECK_MEM(rr, one, 32);
        /* but it does not verify */
        CHECK_ERR(gmtls_sm2_verify(pub, NULL, 0, m, 14, ok11, sizeof ok11), -1);
        /* leading zero not needed */
        static const uint8_t lz[] = {0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01};
        CHECK_ERR(gmtls_sm2_sig_from_der(lz, sizeof lz, rr, ss), -1);
        /* negative integers */
        static const uint8_t neg[] = {0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01};
        CHECK_ERR(gmtls_sm2_sig_from_der(neg, sizeof neg, rr, ss), -1);
        static const uint8_t neg2[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0xff};
        CHECK_ERR(gmtls_sm2_sig_from_der(neg2, sizeof neg2, rr, ss), -1);
        /* zero values */
        static const uint8_t z0[] = {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01};
        CHECK_ERR(gmtls_sm2_sig_from_der(z0, sizeof z0, rr, ss), -1);
        static const uint8_t z1[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00};
        CHECK_ERR(gmtls_sm2_sig_from_der(z1, sizeof z1, rr, ss), -1);
        /* empty INTEGER */
        static const uint8_t e0[] = {0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01};
        CHECK_ERR(gmtls_sm2_sig_from_der(e0, sizeof e0, rr, ss), -1);
        /* three INTEGERs */
        static const uint8_t three[] = {0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
        CHECK_ERR(gmtls_sm2_sig_from_der(three, sizeof three, rr, ss), -1);
        /* inner length running past the end */
        static const uint8_t over[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x05, 0x01};
        CHECK_ERR(gmtls_sm2_sig_from_der(over, sizeof over, rr, ss), -1);
        /* indefinite length */
        static const uint8_t indef[] = {0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00};
        CHECK_ERR(gmtls_sm2_sig_from_der(indef, sizeof indef, rr, ss), -1);
    }
    /* r = n and r > n encoded properly */
    {
        uint8_t enc[80];
        size_t n = 0;
        enc[n++] = 0x30;
        enc[n++] = 0x46;
        enc[n++] = 0x02;
        enc[n++] = 0x21;
        enc[n++] = 0x00;
        memcpy(enc + n, nb, 32);
        n += 32;
        memcpy(enc + n, der + 2 + 35, 35);
        n += 35;
        CHECK_ERR(gmtls_sm2_sig_from_der(enc, n, rr, ss), -1);
        memset(enc + 5, 0xff, 32);
        CHECK_ERR(gmtls_sm2_sig_from_der(enc, n, rr, ss), -1);
        /* and 33 magnitude bytes: 0x01 followed by 32 */
        enc[4] = 0x01;
        CHECK_ERR(gmtls_sm2_sig_from_der(enc, n, rr, ss), -1);
    }
    /* encoder: refuses 0 and n, minimal encodings of short values */
    uint8_t out[72];
    size_t olen;
    CHECK_ERR(gmtls_sm2_sig_to_der(zero, s, out, &olen), -1);
    CHECK_ERR(gmtls_sm2_sig_to_der(r, nb, out, &olen), -1);
    CHECK_OK(gmtls_sm2_sig_to_der(one, one, out, &olen));
    static const uint8_t want11[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    CHECK(olen == sizeof want11);
    CHECK_MEM(out, want11, sizeof want11);
    uint8_t v80[32] = {0};
    v80[31] = 0x80;
    CHECK_OK(gmtls_sm2_sig_to_der(v80, one, out, &olen));
    static const uint8_t want80[] = {0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x01};
    CHECK(olen == sizeof want80);
    CHECK_MEM(out, want80, sizeof want80);
    CHECK_OK(gmtls_sm2_sig_from_der(out, olen, rr, ss));
    CHECK_MEM(rr, v80, 32);

    /* compute_z limits */
    uint8_t z[32];
    static uint8_t longid[8192];
    CHECK_ERR(gmtls_sm2_compute_z(pub, longid, 8192, z), -1);
    CHECK_OK(gmtls_sm2_compute_z(pub, longid, 8191, z));
    CHECK_ERR(gmtls_sm2_compute_z(pub, NULL, 3, z), -1);
}

int main(void)
{
    bnctx = BN_CTX_new();
    BN_hex2bn(&bn_p, P_HEX);
    BN_hex2bn(&bn_n, N_HEX);
    grp = EC_GROUP_new_by_curve_name(NID_sm2);
    if (grp == NULL) {
        fprintf(stderr, "OpenSSL lacks the SM2 curve\n");
        return 1;
    }
    test_field_p();
    test_field_fused();
    test_field_inv();
    test_field_n();
    test_points();
    test_mul_point_edges();
#ifdef GMTLS_SM2_X86_64_ASM
    /* with ADX in use, run the baseline (mulq) multiplication too */
    if (gmtls_sm2_cpu_adx) {
        gmtls_sm2_cpu_adx = 0;
        test_field_p();
        test_field_fused();
        test_points();
        test_mul_point_edges();
        gmtls_sm2_cpu_adx = 1;
    }
    /* and the scalar table scans when AVX2 is in use */
    if (gmtls_sm2_cpu_avx2) {
        gmtls_sm2_cpu_avx2 = 0;
        test_points();
        test_mul_point_edges();
        gmtls_sm2_cpu_avx2 = 1;
    }
#endif
    test_kat();
    test_light_paths();
    test_keys();
    test_bad_points();
    test_bad_sigs();
    gmtls_sm2_key_clear(&kat_key);
    EC_GROUP_free(grp);
    BN_free(bn_p);
    BN_free(bn_n);
    BN_CTX_free(bnctx);
#ifdef GMTLS_SM2_NO_ASM
    return TEST_END("sm2_test (portable C arithmetic)");
#else
    return TEST_END("sm2_test");
#endif
}
