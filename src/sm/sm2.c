/*
 * src/sm/sm2.c - SM2 keys, signatures (GB/T 32918.2-2016), Z_A, strict DER
 * signature encoding and plain ECDH (RFC 8998 §3.2.1) on the recommended
 * curve sm2p256v1 (GB/T 32918.5-2017).
 *
 * Secrets (d, k and what is derived from them) never decide a branch or a
 * memory index; the only branches near them are on values that are public
 * anyway (a rejected random draw, the signature (r, s), an error result).
 * Builds for the constant-time test define GMTLS_SM2_CTGRIND so those
 * public values are declassified for valgrind at the point they become
 * public.
 */
#include <string.h>

#include "gmtls/sm.h"
#include "sm2_field.h"
#include "sm2_internal.h"
#include "sm2_point.h"
#include "sm_internal.h"

/* Attempts at drawing a usable random scalar before giving up: a correct
 * RNG fails one draw with probability about 2^-32. */
#define SM2_MAX_DRAWS 64

static const uint64_t N_MINUS_1[4] = {0x53bbf40939d54122ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
                                      0xfffffffeffffffffULL};
static const uint64_t N_MINUS_2[4] = {0x53bbf40939d54121ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
                                      0xfffffffeffffffffULL};
static const uint64_t ONE[4] = {1, 0, 0, 0};

/* GB/T 32918.5-2017 §2: a, b, xG, yG as 32-byte strings (for Z_A). */
static const uint8_t SM2_A_BYTES[32] = {0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00,
                                        0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC};
static const uint8_t SM2_B_BYTES[32] = {0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E,
                                        0x4B, 0xCF, 0x65, 0x09, 0xA7, 0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB,
                                        0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93};
static const uint8_t SM2_GX_BYTES[32] = {0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04,
                                         0x46, 0x6A, 0x39, 0xC9, 0x94, 0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66,
                                         0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7};
static const uint8_t SM2_GY_BYTES[32] = {0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE,
                                         0xE3, 0x6B, 0x69, 0x21, 0x53, 0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A,
                                         0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0};

/* All-ones iff 1 <= a <= max, constant time. */
static uint64_t scalar_in_range(const uint64_t a[4], const uint64_t max[4])
{
    return ~sm2_mask_zero4(a) & ~sm2_mask_lt4(max, a);
}

static int is_zero_vt(const uint64_t a[4])
{
    return (a[0] | a[1] | a[2] | a[3]) == 0;
}

/* Caches Z_A for the default ID (the one TLS uses, RFC 8998 §3.2.1), so
 * signing and verifying with it hash only Z_A || M. */
static void pub_cache_z(gmtls_sm2_pubkey *pub)
{
    gmtls_sm2_compute_z(pub, (const uint8_t *)GMTLS_SM2_DEFAULT_ID, GMTLS_SM2_DEFAULT_ID_LEN, pub->z_default);
}

/* Fills pub from an affine point in Montgomery form, without Z_A. */
static void pub_set_point(gmtls_sm2_pubkey *pub, const sm2_aff *a)
{
    uint64_t t[4];
    memcpy(pub->x, a->x, sizeof pub->x);
    memcpy(pub->y, a->y, sizeof pub->y);
    pub->bytes[0] = 0x04;
    gmtls_sm2_fp_from_mont(t, a->x);
    gmtls_sm2_to_be(pub->bytes + 1, t);
    gmtls_sm2_fp_from_mont(t, a->y);
    gmtls_sm2_to_be(pub->bytes + 33, t);
    memset(pub->z_default, 0, sizeof pub->z_default);
}

static void pub_aff(sm2_aff *a, const gmtls_sm2_pubkey *pub)
{
    memcpy(a->x, pub->x, sizeof a->x);
    memcpy(a->y, pub->y, sizeof a->y);
}

/* d must already lie in [1, n-2]. Sets d and P = dG (no Z_A, no
 * (1 + d)^-1: dinv1 is left zero). */
static void key_set_ecdh(gmtls_sm2_key *key, const uint64_t d[4])
{
    sm2_jac pj;
    sm2_aff pa;
    memcpy(key->d, d, sizeof key->d);
    memset(key->dinv1, 0, sizeof key->dinv1);
    /* GB/T 32918.1-2016 §6.1: P = [d]G */
    gmtls_sm2_mul_g(&pj, d);
    gmtls_sm2_jac_to_affine(&pa, &pj);
    /* the public key is public */
    SM2_DECLASSIFY(&pa, sizeof pa);
    pub_set_point(&key->pub, &pa);
    gmtls_sm_wipe(&pj, sizeof pj);
    gmtls_sm_wipe(&pa, sizeof pa);
}

/* d must already lie in [1, n-2]. Derives P = dG, Z_A for the default ID
 * and (1 + d)^-1. */
static void key_set(gmtls_sm2_key *key, const uint64_t d[4])
{
    uint64_t d1[4];
    key_set_ecdh(key, d);
    /* d + 1 <= n - 1: no carry, no reduction. Stored as (1+d)^-1 * R^2 so
     * one Montgomery multiplication by it yields a normal-form product. */
    sm2_add4(d1, d, ONE);
    gmtls_sm2_fn_inv_r2(key->dinv1, d1);
    pub_cache_z(&key->pub);
    gmtls_sm_wipe(d1, sizeof d1);
}

int gmtls_sm2_draw_scalar(uint64_t d[4], uint64_t blind[4], gmtls_rng_fn rng, void *rng_ctx)
{
    uint8_t buf[64];
    size_t len = blind != NULL ? 64 : 32;
    for (int draw = 0; draw < SM2_MAX_DRAWS; draw++) {
        if (rng(rng_ctx, buf, len) != 0) {
            break;
        }
        gmtls_sm2_from_be(d, buf);
        /* GB/T 32918.1-2016 §6.1: d is a random integer in [1, n-2] */
        uint64_t ok = scalar_in_range(d, N_MINUS_2);
        /* whether a draw is rejected reveals nothing about the kept one */
        SM2_DECLASSIFY(&ok, sizeof ok);
        if (ok) {
            if (blind != NULL) {
                /* any value below 2^256, reduced below p, 0 made 1: uniform
                 * enough for a blinding factor (bias ~2^-32) */
                gmtls_sm2_from_be(blind, buf + 32);
                sm2_final_sub(blind, blind, 0, SM2_P);
                blind[0] |= sm2_mask_zero4(blind) & 1;
            }
            gmtls_sm_wipe(buf, sizeof buf);
            return 0;
        }
    }
    gmtls_sm_wipe(buf, sizeof buf);
    gmtls_sm_wipe(d, 4 * sizeof d[0]);
    return -1;
}

/* Draws d in [1, n-2] and sets the key with set(). */
static int keygen_with(gmtls_sm2_key *key, gmtls_rng_fn rng, void *rng_ctx,
                       void (*set)(gmtls_sm2_key *, const uint64_t *))
{
    uint64_t d[4];
    if (key == NULL || rng == NULL) {
        return -1;
    }
    if (gmtls_sm2_draw_scalar(d, NULL, rng, rng_ctx) != 0) {
        gmtls_sm_wipe(key, sizeof *key);
        return -1;
    }
    set(key, d);
    gmtls_sm_wipe(d, sizeof d);
    return 0;
}

int gmtls_sm2_keygen(gmtls_sm2_key *key, gmtls_rng_fn rng, void *rng_ctx)
{
    return keygen_with(key, rng, rng_ctx, key_set);
}

int gmtls_sm2_keygen_ecdh(gmtls_sm2_key *key, gmtls_rng_fn rng, void *rng_ctx)
{
    return keygen_with(key, rng, rng_ctx, key_set_ecdh);
}

int gmtls_sm2_key_from_private(gmtls_sm2_key *key, const uint8_t d_bytes[GMTLS_SM2_SCALAR_LEN])
{
    uint64_t d[4];
    if (key == NULL || d_bytes == NULL) {
        return -1;
    }
    gmtls_sm2_from_be(d, d_bytes);
    /* GB/T 32918.1-2016 §6.1: a private key lies in [1, n-2] */
    uint64_t ok = scalar_in_range(d, N_MINUS_2);
    SM2_DECLASSIFY(&ok, sizeof ok);
    if (!ok) {
        gmtls_sm_wipe(d, sizeof d);
        gmtls_sm_wipe(key, sizeof *key);
        return -1;
    }
    key_set(key, d);
    gmtls_sm_wipe(d, sizeof d);
    return 0;
}

void gmtls_sm2_key_export_private(const gmtls_sm2_key *key, uint8_t d[GMTLS_SM2_SCALAR_LEN])
{
    gmtls_sm2_to_be(d, key->d);
}

void gmtls_sm2_key_clear(gmtls_sm2_key *key)
{
    if (key != NULL) {
        gmtls_sm_wipe(key, sizeof *key);
    }
}

int gmtls_sm2_pubkey_from_bytes_ecdh(gmtls_sm2_pubkey *pub, const uint8_t *in, size_t inlen)
{
    uint64_t x[4], y[4];
    sm2_aff a;
    if (pub == NULL || in == NULL) {
        return -1;
    }
    /* GB/T 32918.1-2016 §4.2.9: uncompressed form is PC = 04 || X1 || Y1; the
     * point at infinity (a single 00 byte) and compressed forms are refused */
    if (inlen != GMTLS_SM2_POINT_LEN || in[0] != 0x04) {
        return -1;
    }
    gmtls_sm2_from_be(x, in + 1);
    gmtls_sm2_from_be(y, in + 33);
    /* GB/T 32918.1-2016 §6.2.1 b): x and y are elements of Fp, i.e. < p */
    if (!sm2_mask_lt4(x, SM2_P) || !sm2_mask_lt4(y, SM2_P)) {
        return -1;
    }
    gmtls_sm2_fp_to_mont(a.x, x);
    gmtls_sm2_fp_to_mont(a.y, y);
    /* GB/T 32918.1-2016 §6.2.1 c): y^2 = x^3 + ax + b. a) (not infinity)
     * holds for any affine encoding; d) [n]P = O holds for every point on
     * the curve because the cofactor is 1. */
    if (!gmtls_sm2_aff_on_curve(&a)) {
        return -1;
    }
    memcpy(pub->x, a.x, sizeof pub->x);
    memcpy(pub->y, a.y, sizeof pub->y);
    memcpy(pub->bytes, in, GMTLS_SM2_POINT_LEN);
    memset(pub->z_default, 0, sizeof pub->z_default);
    return 0;
}

int gmtls_sm2_pubkey_from_bytes(gmtls_sm2_pubkey *pub, const uint8_t *in, size_t inlen)
{
    if (gmtls_sm2_pubkey_from_bytes_ecdh(pub, in, inlen) != 0) {
        return -1;
    }
    pub_cache_z(pub);
    return 0;
}

void gmtls_sm2_pubkey_to_bytes(const gmtls_sm2_pubkey *pub, uint8_t out[GMTLS_SM2_POINT_LEN])
{
    memcpy(out, pub->bytes, GMTLS_SM2_POINT_LEN);
}

int gmtls_sm2_compute_z(const gmtls_sm2_pubkey *pub, const uint8_t *id, size_t idlen, uint8_t z[GMTLS_SM3_DIGEST_LEN])
{
    gmtls_sm3_ctx ctx;
    uint8_t entl[2];
    if (pub == NULL || z == NULL || (id == NULL && idlen != 0)) {
        return -1;
    }
    /* GB/T 32918.2-2016 §5.5: ENTL_A is the bit length of ID_A in two bytes */
    if (idlen >= 8192) {
        return -1;
    }
    entl[0] = (uint8_t)((idlen * 8) >> 8);
    entl[1] = (uint8_t)(idlen * 8);
    /* Z_A = H256(ENTL_A || ID_A || a || b || xG || yG || xA || yA) */
    gmtls_sm3_init(&ctx);
    gmtls_sm3_update(&ctx, entl, 2);
    if (idlen != 0) {
        gmtls_sm3_update(&ctx, id, idlen);
    }
    gmtls_sm3_update(&ctx, SM2_A_BYTES, 32);
    gmtls_sm3_update(&ctx, SM2_B_BYTES, 32);
    gmtls_sm3_update(&ctx, SM2_GX_BYTES, 32);
    gmtls_sm3_update(&ctx, SM2_GY_BYTES, 32);
    gmtls_sm3_update(&ctx, pub->bytes + 1, 64);
    gmtls_sm3_final(&ctx, z);
    return 0;
}

int gmtls_sm2_sign_digest_with_k(const gmtls_sm2_key *key, const uint8_t e[32], const uint8_t k_bytes[32],
                                 uint8_t r_out[32], uint8_t s_out[32])
{
    uint64_t k[4], ev[4], x1[4], r[4], s[4], t[4], u[4];
    sm2_jac kg;
    sm2_aff p1;
    int ret = -1;

    gmtls_sm2_from_be(k, k_bytes);
    /* GB/T 32918.2-2016 §6.1 A3: k is in [1, n-1] */
    uint64_t ok = scalar_in_range(k, N_MINUS_1);
    SM2_DECLASSIFY(&ok, sizeof ok);
    if (!ok) {
        goto out;
    }
    /* A4: (x1, y1) = [k]G; k in [1, n-1] so this is never infinity */
    gmtls_sm2_mul_g(&kg, k);
    gmtls_sm2_jac_to_affine(&p1, &kg);
    gmtls_sm2_fp_from_mont(x1, p1.x);
    /* A5: r = (e + x1) mod n (e, x1 < 2^256 < 2n: one reduction each) */
    gmtls_sm2_from_be(ev, e);
    gmtls_sm2_fn_reduce(ev, ev);
    gmtls_sm2_fn_reduce(x1, x1);
    gmtls_sm2_fn_add(r, ev, x1);
    /* A6: s = ((1 + d)^-1 * (k - r*d)) mod n, in Montgomery steps:
     * t = r*d/R, u = k/R - t = (k - r*d)/R, s = u * (1+d)^-1 R^2 / R */
    gmtls_sm2_fn_mont_mul(t, r, key->d);
    gmtls_sm2_fn_mont_mul(u, k, ONE);
    gmtls_sm2_fn_sub(u, u, t);
    gmtls_sm2_fn_mont_mul(s, u, key->dinv1);
    /* (r, s) is the signature: public from here on */
    SM2_DECLASSIFY(r, sizeof r);
    SM2_DECLASSIFY(s, sizeof s);
    /* A5: pick another k if r = 0 or r + k = n. Since 1 + d is invertible,
     * s = -r (mod n) exactly when k = -r, so r + k = n is tested as
     * r + s = 0 (mod n), on public values only. A6: also if s = 0. */
    gmtls_sm2_fn_add(t, r, s);
    if (is_zero_vt(r) || is_zero_vt(s) || is_zero_vt(t)) {
        goto out;
    }
    gmtls_sm2_to_be(r_out, r);
    gmtls_sm2_to_be(s_out, s);
    ret = 0;
out:
    gmtls_sm_wipe(k, sizeof k);
    gmtls_sm_wipe(x1, sizeof x1);
    gmtls_sm_wipe(t, sizeof t);
    gmtls_sm_wipe(u, sizeof u);
    gmtls_sm_wipe(&kg, sizeof kg);
    gmtls_sm_wipe(&p1, sizeof p1);
    return ret;
}

int gmtls_sm2_sign_digest(const gmtls_sm2_key *key, const uint8_t e[32], gmtls_rng_fn rng, void *rng_ctx, uint8_t r[32],
                          uint8_t s[32])
{
    uint8_t k[32];
    int ret = -1;
    if (key == NULL || e == NULL || rng == NULL || r == NULL || s == NULL) {
        return -1;
    }
    for (int draw = 0; draw < SM2_MAX_DRAWS; draw++) {
        /* GB/T 32918.2-2016 §6.1 A3: a fresh random k for every attempt */
        if (rng(rng_ctx, k, sizeof k) != 0) {
            break;
        }
        if (gmtls_sm2_sign_digest_with_k(key, e, k, r, s) == 0) {
            ret = 0;
            break;
        }
    }
    gmtls_sm_wipe(k, sizeof k);
    return ret;
}

int gmtls_sm2_verify_digest(const gmtls_sm2_pubkey *pub, const uint8_t e[32], const uint8_t r_bytes[32],
                            const uint8_t s_bytes[32])
{
    uint64_t r[4], s[4], t[4], ev[4], c[4], cm[4], z2[4], rhs[4];
    sm2_jac sum;
    sm2_aff pa;
    if (pub == NULL || e == NULL || r_bytes == NULL || s_bytes == NULL) {
        return -1;
    }
    gmtls_sm2_from_be(r, r_bytes);
    gmtls_sm2_from_be(s, s_bytes);
    /* GB/T 32918.2-2016 §7.1 B1, B2: r' and s' are in [1, n-1] */
    if (!scalar_in_range(r, N_MINUS_1) || !scalar_in_range(s, N_MINUS_1)) {
        return -1;
    }
    /* B5: t = (r' + s') mod n, fail if t = 0 */
    gmtls_sm2_fn_add(t, r, s);
    if (is_zero_vt(t)) {
        return -1;
    }
    /* B6: (x1', y1') = [s']G + [t]P_A */
    pub_aff(&pa, pub);
    gmtls_sm2_mul_double_vt(&sum, s, t, &pa);
    if (is_zero_vt(sum.Z)) {
        return -1;
    }
    /* B7: accept iff (e' + x1') mod n = r'. Without an inversion: with
     * c = (r' - e') mod n, x1' (< p < 2n) must be c or c + n, and
     * x1' = X / Z^2, so test X = c * Z^2 for each candidate below p. */
    gmtls_sm2_from_be(ev, e);
    gmtls_sm2_fn_reduce(ev, ev);
    gmtls_sm2_fn_sub(c, r, ev);
    sm2_fp_sqr(z2, sum.Z);
    gmtls_sm2_fp_to_mont(cm, c);
    sm2_fp_mul(rhs, cm, z2);
    if (sm2_mask_eq4(rhs, sum.X)) {
        return 0;
    }
    if (sm2_add4(c, c, SM2_N) == 0 && sm2_mask_lt4(c, SM2_P)) {
        gmtls_sm2_fp_to_mont(cm, c);
        sm2_fp_mul(rhs, cm, z2);
        if (sm2_mask_eq4(rhs, sum.X)) {
            return 0;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------ DER */

size_t gmtls_sm2_der_put_int(uint8_t *out, const uint8_t v[32])
{
    size_t i = 0;
    while (i < 31 && v[i] == 0) {
        i++;
    }
    size_t len = 32 - i;
    int pad = (v[i] & 0x80) != 0;
    out[0] = 0x02;
    out[1] = (uint8_t)(len + (size_t)pad);
    if (pad) {
        out[2] = 0x00;
    }
    memcpy(out + 2 + pad, v + i, len);
    return 2 + (size_t)pad + len;
}

static int scalar_bytes_in_range(const uint8_t v[32])
{
    uint64_t a[4];
    gmtls_sm2_from_be(a, v);
    return scalar_in_range(a, N_MINUS_1) != 0;
}

int gmtls_sm2_sig_to_der(const uint8_t r[32], const uint8_t s[32], uint8_t *out, size_t *outlen)
{
    uint8_t body[2 * 35];
    if (r == NULL || s == NULL || out == NULL || outlen == NULL) {
        return -1;
    }
    /* GB/T 32918.2-2016 §6.1 A7 / §7.1 B1-B2: r and s lie in [1, n-1];
     * refuse to encode what no verifier would accept */
    if (!scalar_bytes_in_range(r) || !scalar_bytes_in_range(s)) {
        return -1;
    }
    size_t n = gmtls_sm2_der_put_int(body, r);
    n += gmtls_sm2_der_put_int(body + n, s);
    /* at most 2 * 35 = 70 content bytes: short-form length */
    out[0] = 0x30;
    out[1] = (uint8_t)n;
    memcpy(out + 2, body, n);
    *outlen = n + 2;
    return 0;
}

int gmtls_sm2_der_get_int(const uint8_t **p, const uint8_t *end, uint8_t v[32])
{
    const uint8_t *q = *p;
    if (end - q < 2 || q[0] != 0x02) {
        return -1;
    }
    /* X.690 §10.1: DER uses the short length form below 128 */
    size_t len = q[1];
    if (len == 0 || len > 33 || (size_t)(end - q - 2) < len) {
        return -1;
    }
    const uint8_t *c = q + 2;
    /* X.690 §8.3.2: no superfluous leading 0x00 (or 0xFF) octet */
    if (len > 1 && c[0] == 0x00 && (c[1] & 0x80) == 0) {
        return -1;
    }
    /* r and s are positive */
    if (c[0] & 0x80) {
        return -1;
    }
    if (c[0] == 0x00 && len > 1) {
        c++;
        len--;
    }
    if (len > 32) {
        return -1;
    }
    memset(v, 0, 32);
    memcpy(v + 32 - len, c, len);
    *p = c + len;
    return 0;
}

int gmtls_sm2_sig_from_der(const uint8_t *der, size_t derlen, uint8_t r[32], uint8_t s[32])
{
    if (der == NULL || r == NULL || s == NULL) {
        return -1;
    }
    if (derlen < 8 || derlen > GMTLS_SM2_MAX_DER_SIG_LEN || der[0] != 0x30) {
        return -1;
    }
    /* short-form length covering exactly the rest: no trailing bytes */
    if (der[1] >= 0x80 || (size_t)der[1] != derlen - 2) {
        return -1;
    }
    const uint8_t *p = der + 2, *end = der + derlen;
    if (gmtls_sm2_der_get_int(&p, end, r) != 0 || gmtls_sm2_der_get_int(&p, end, s) != 0 || p != end) {
        return -1;
    }
    /* GB/T 32918.2-2016 §7.1 B1, B2: r, s in [1, n-1] */
    if (!scalar_bytes_in_range(r) || !scalar_bytes_in_range(s)) {
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------- sign / verify */

static int message_digest(const gmtls_sm2_pubkey *pub, const uint8_t *id, size_t idlen, const uint8_t *msg,
                          size_t msglen, uint8_t e[32])
{
    uint8_t z[32];
    gmtls_sm3_ctx ctx;
    if (id == NULL || idlen == 0) {
        id = (const uint8_t *)GMTLS_SM2_DEFAULT_ID;
        idlen = GMTLS_SM2_DEFAULT_ID_LEN;
    }
    if (msg == NULL && msglen != 0) {
        return -1;
    }
    if (idlen == GMTLS_SM2_DEFAULT_ID_LEN && memcmp(id, GMTLS_SM2_DEFAULT_ID, idlen) == 0) {
        memcpy(z, pub->z_default, sizeof z);
    } else if (gmtls_sm2_compute_z(pub, id, idlen, z) != 0) {
        return -1;
    }
    /* GB/T 32918.2-2016 §6.1 A1-A2: e = H256(Z_A || M) */
    gmtls_sm3_init(&ctx);
    gmtls_sm3_update(&ctx, z, sizeof z);
    if (msglen != 0) {
        gmtls_sm3_update(&ctx, msg, msglen);
    }
    gmtls_sm3_final(&ctx, e);
    return 0;
}

int gmtls_sm2_sign(const gmtls_sm2_key *key, const uint8_t *id, size_t idlen, const uint8_t *msg, size_t msglen,
                   gmtls_rng_fn rng, void *rng_ctx, uint8_t *sig, size_t *siglen)
{
    uint8_t e[32], r[32], s[32];
    if (key == NULL || sig == NULL || siglen == NULL) {
        return -1;
    }
    if (message_digest(&key->pub, id, idlen, msg, msglen, e) != 0) {
        return -1;
    }
    if (gmtls_sm2_sign_digest(key, e, rng, rng_ctx, r, s) != 0) {
        return -1;
    }
    return gmtls_sm2_sig_to_der(r, s, sig, siglen);
}

int gmtls_sm2_verify(const gmtls_sm2_pubkey *pub, const uint8_t *id, size_t idlen, const uint8_t *msg, size_t msglen,
                     const uint8_t *sig, size_t siglen)
{
    uint8_t e[32], r[32], s[32];
    if (pub == NULL || sig == NULL) {
        return -1;
    }
    if (gmtls_sm2_sig_from_der(sig, siglen, r, s) != 0) {
        return -1;
    }
    if (message_digest(pub, id, idlen, msg, msglen, e) != 0) {
        return -1;
    }
    return gmtls_sm2_verify_digest(pub, e, r, s);
}

/* ----------------------------------------------------------------- ECDH */

uint64_t gmtls_sm2_jac_to_affine2_blinded(sm2_aff *pa, sm2_aff *qa, const sm2_jac *p, const sm2_jac *q,
                                          const uint64_t blind[4])
{
    uint64_t t[4], zpi[4], zqi[4];
    /* Montgomery's simultaneous inversion: with t = (Z_P Z_Q)^-1,
     * Z_P^-1 = t Z_Q and Z_Q^-1 = t Z_P */
    sm2_fp_mul(t, p->Z, q->Z);
    uint64_t inf = sm2_mask_zero4(t);
    /* (t b)^-1 b = t^-1 for the random non-zero b: t b is uniform over the
     * non-zero elements whatever t is (or 0 when t is 0, an infinite
     * point, which the caller fails on), so the faster variable-time
     * inversion reveals nothing about t */
    sm2_fp_mul(t, t, blind);
    SM2_DECLASSIFY(t, sizeof t);
    gmtls_sm2_fp_inv_vt(t, t);
    sm2_fp_mul(t, t, blind);
    sm2_fp_mul(zpi, t, q->Z);
    sm2_fp_mul(zqi, t, p->Z);
    gmtls_sm2_jac_to_affine_zi(pa, p, zpi);
    gmtls_sm2_jac_to_affine_zi(qa, q, zqi);
    gmtls_sm_wipe(t, sizeof t);
    gmtls_sm_wipe(zpi, sizeof zpi);
    gmtls_sm_wipe(zqi, sizeof zqi);
    return inf;
}

/*
 * The responder's side of an ephemeral exchange in one call: d, P = dG and
 * the shared x-coordinate of dQ, with one field inversion for both affine
 * conversions (Montgomery's simultaneous inversion: with t = (Z_P Z_Q)^-1,
 * Z_P^-1 = t Z_Q and Z_Q^-1 = t Z_P) instead of one each.
 */
int gmtls_sm2_ecdh_ephemeral(gmtls_sm2_key *key, const gmtls_sm2_pubkey *peer, gmtls_rng_fn rng, void *rng_ctx,
                             uint8_t out[GMTLS_SM2_SCALAR_LEN])
{
    uint64_t d[4], blind[4], x[4];
    sm2_jac pj, qj;
    sm2_aff pa, qa;
    if (key == NULL || peer == NULL || rng == NULL || out == NULL) {
        return -1;
    }
    if (gmtls_sm2_draw_scalar(d, blind, rng, rng_ctx) != 0) {
        gmtls_sm_wipe(key, sizeof *key);
        return -1;
    }
    /* GB/T 32918.1-2016 §6.1: P = [d]G; RFC 8998 §3.2.1: the shared secret
     * is the x-coordinate of [d]Q */
    pub_aff(&qa, peer);
    gmtls_sm2_mul_g(&pj, d);
    gmtls_sm2_mul_point(&qj, d, &qa);
    /* [d]Q is infinity only for an invalid peer (validated on import); the
     * call then fails below */
    uint64_t inf = gmtls_sm2_jac_to_affine2_blinded(&pa, &qa, &pj, &qj, blind);
    gmtls_sm2_fp_from_mont(x, qa.x);
    gmtls_sm2_to_be(out, x);
    memcpy(key->d, d, sizeof key->d);
    memset(key->dinv1, 0, sizeof key->dinv1);
    SM2_DECLASSIFY(&pa, sizeof pa); /* the public key is public */
    pub_set_point(&key->pub, &pa);
    gmtls_sm_wipe(d, sizeof d);
    gmtls_sm_wipe(blind, sizeof blind);
    gmtls_sm_wipe(x, sizeof x);
    gmtls_sm_wipe(&qa, sizeof qa);
    gmtls_sm_wipe(&pj, sizeof pj);
    gmtls_sm_wipe(&qj, sizeof qj);
    gmtls_sm_wipe(&pa, sizeof pa);
    /* an infinite result is an error, and public as such */
    SM2_DECLASSIFY(&inf, sizeof inf);
    if (inf) {
        gmtls_sm_wipe(out, GMTLS_SM2_SCALAR_LEN);
        gmtls_sm_wipe(key, sizeof *key);
        return -1;
    }
    return 0;
}

int gmtls_sm2_ecdh(const gmtls_sm2_key *key, const gmtls_sm2_pubkey *peer, uint8_t out[GMTLS_SM2_SCALAR_LEN])
{
    sm2_aff pa;
    sm2_jac j;
    uint64_t x[4];
    if (key == NULL || peer == NULL || out == NULL) {
        return -1;
    }
    /* RFC 8998 §3.2.1: the shared secret is the x-coordinate of d * Q */
    pub_aff(&pa, peer);
    gmtls_sm2_mul_point(&j, key->d, &pa);
    uint64_t inf = gmtls_sm2_jac_affine_x(x, &j);
    gmtls_sm2_fp_from_mont(x, x);
    gmtls_sm2_to_be(out, x);
    gmtls_sm_wipe(&j, sizeof j);
    gmtls_sm_wipe(x, sizeof x);
    /* an infinite result is an error, and public as such */
    SM2_DECLASSIFY(&inf, sizeof inf);
    if (inf) {
        gmtls_sm_wipe(out, GMTLS_SM2_SCALAR_LEN);
        return -1;
    }
    return 0;
}
