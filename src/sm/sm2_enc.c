/*
 * src/sm/sm2_enc.c - SM2 public-key encryption (GB/T 32918.4-2016) in the
 * DER and C1C3C2 encodings, and the SM2 key exchange protocol
 * (GB/T 32918.3-2016), both with the KDF of GB/T 32918.3/.4 §5.4.3.
 *
 * As in sm2.c, secrets (the private key d, the encryption nonce k, the
 * ephemeral r, the shared point and the plaintext) never decide a branch or
 * a memory index; branches are taken only on public values (lengths, the
 * ciphertext, C1, the peer's points) and on the final success flag, which
 * is public as the call's result. GMTLS_SM2_CTGRIND builds declassify those
 * for valgrind where they become public.
 */
#include <string.h>

#include "gmtls/sm.h"
#include "sm2_field.h"
#include "sm2_internal.h"
#include "sm2_point.h"
#include "sm_internal.h"

#define SM2_MAX_DRAWS 64

static const uint64_t N_MINUS_1[4] = {0x53bbf40939d54122ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
                                      0xfffffffeffffffffULL};

/*
 * GB/T 32918.4-2016 §5.4.3: K = Ha_1 || Ha_2 || ... with Ha_i = H256(Z || ct),
 * ct a 32-bit big-endian counter from 1, truncated to len bytes. The
 * keystream is XORed into out (out[i] = in[i] ^ K[i]; in == NULL writes K
 * itself). Returns the OR of all keystream bytes (0 iff K is all zero),
 * without branching on it. Z is absorbed once and the state copied per
 * block.
 */
static uint8_t sm2_kdf_xor(const uint8_t *z, size_t zlen, const uint8_t *in, uint8_t *out, size_t len)
{
    gmtls_sm3_ctx base, c;
    uint8_t blk[GMTLS_SM3_DIGEST_LEN], ctr[4], acc = 0;
    uint32_t ct = 1;
    gmtls_sm3_init(&base);
    gmtls_sm3_update(&base, z, zlen);
    for (size_t off = 0; off < len; off += GMTLS_SM3_DIGEST_LEN, ct++) {
        size_t n = len - off < GMTLS_SM3_DIGEST_LEN ? len - off : GMTLS_SM3_DIGEST_LEN;
        c = base;
        gmtls_sm_store_be32(ctr, ct);
        gmtls_sm3_update(&c, ctr, 4);
        gmtls_sm3_final(&c, blk);
        for (size_t i = 0; i < n; i++) {
            acc |= blk[i];
            out[off + i] = (uint8_t)((in != NULL ? in[off + i] : 0) ^ blk[i]);
        }
    }
    gmtls_sm_wipe(&base, sizeof base);
    gmtls_sm_wipe(blk, sizeof blk);
    return acc;
}

/* Affine point (Montgomery form) to x || y, 64 big-endian bytes. */
static void aff_to_bytes(uint8_t out[64], const sm2_aff *a)
{
    uint64_t t[4];
    gmtls_sm2_fp_from_mont(t, a->x);
    gmtls_sm2_to_be(out, t);
    gmtls_sm2_fp_from_mont(t, a->y);
    gmtls_sm2_to_be(out + 32, t);
    gmtls_sm_wipe(t, sizeof t);
}

/* ------------------------------------------------------------- encodings */

/* DER length octets of n (n < 2^24); returns their count. */
static size_t der_put_len(uint8_t *out, size_t n)
{
    if (n < 0x80) {
        out[0] = (uint8_t)n;
        return 1;
    }
    size_t k = n < 0x100 ? 1 : n < 0x10000 ? 2 : 3;
    out[0] = (uint8_t)(0x80 | k);
    for (size_t i = 0; i < k; i++) {
        out[1 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
    }
    return 1 + k;
}

static size_t der_len_len(size_t n)
{
    return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4;
}

/* Reads tag and a strict DER length at *p (X.690 §10.1: definite form, the
 * fewest octets); the content must fit before end. */
static int der_get_hdr(const uint8_t **p, const uint8_t *end, uint8_t tag, size_t *len)
{
    const uint8_t *q = *p;
    if (end - q < 2 || q[0] != tag) {
        return -1;
    }
    size_t n = q[1], hl = 2;
    if (n >= 0x80) {
        size_t k = n & 0x7f;
        if (k == 0 || k > 3 || (size_t)(end - q - 2) < k || q[2] == 0) {
            return -1;
        }
        n = 0;
        for (size_t i = 0; i < k; i++) {
            n = n << 8 | q[2 + i];
        }
        /* X.690 §10.1: the long form only when the short one cannot serve */
        if (n < 0x80) {
            return -1;
        }
        hl += k;
    }
    if ((size_t)(end - q) - hl < n) {
        return -1;
    }
    *p = q + hl;
    *len = n;
    return 0;
}

size_t gmtls_sm2_ciphertext_len(int format, size_t msglen)
{
    if (format == GMTLS_SM2_ENC_C1C3C2) {
        return GMTLS_SM2_POINT_LEN + GMTLS_SM3_DIGEST_LEN + msglen;
    }
    /* two INTEGERs of at most 35 bytes, OCTET STRING (32), OCTET STRING */
    size_t body = 35 + 35 + 34 + 1 + der_len_len(msglen) + msglen;
    return 1 + der_len_len(body) + body;
}

/* Writes C1 (65 bytes 04||x||y), C3 and C2 in format. */
static int encode(int format, const uint8_t c1[65], const uint8_t c3[32], const uint8_t *c2, size_t len, uint8_t *out,
                  size_t outcap, size_t *outlen)
{
    if (format == GMTLS_SM2_ENC_C1C3C2) {
        size_t n = gmtls_sm2_ciphertext_len(format, len);
        if (outcap < n) {
            return -1;
        }
        /* GB/T 32918.4-2016 §6.1 A8: C = C1 || C3 || C2 */
        memcpy(out, c1, 65);
        memcpy(out + 65, c3, 32);
        memmove(out + 97, c2, len);
        *outlen = n;
        return 0;
    }
    /* GM/T 0009-2012 §7.2: SM2Cipher ::= SEQUENCE { XCoordinate INTEGER,
     * YCoordinate INTEGER, HASH OCTET STRING SIZE(32), CipherText OCTET STRING } */
    uint8_t ints[70];
    size_t il = gmtls_sm2_der_put_int(ints, c1 + 1);
    il += gmtls_sm2_der_put_int(ints + il, c1 + 33);
    size_t body = il + 2 + 32 + 1 + der_len_len(len) + len;
    size_t total = 1 + der_len_len(body) + body;
    if (outcap < total) {
        return -1;
    }
    /* c2 may lie inside out: place it first, at its final offset */
    memmove(out + total - len, c2, len);
    size_t o = 0;
    out[o++] = 0x30;
    o += der_put_len(out + o, body);
    memcpy(out + o, ints, il);
    o += il;
    out[o++] = 0x04;
    out[o++] = 32;
    memcpy(out + o, c3, 32);
    o += 32;
    out[o++] = 0x04;
    o += der_put_len(out + o, len);
    *outlen = total;
    return 0;
}

/* Splits a ciphertext into C1 (rebuilt as 04||x||y), C3 and C2 (a pointer
 * into in). Public data: plain branches. */
static int decode(int format, const uint8_t *in, size_t inlen, uint8_t c1[65], const uint8_t **c3, const uint8_t **c2,
                  size_t *len)
{
    if (format == GMTLS_SM2_ENC_C1C3C2) {
        if (inlen < 98 || in[0] != 0x04) {
            return -1;
        }
        memcpy(c1, in, 65);
        *c3 = in + 65;
        *c2 = in + 97;
        *len = inlen - 97;
        return 0;
    }
    if (format != GMTLS_SM2_ENC_DER) {
        return -1;
    }
    const uint8_t *p = in, *end = in + inlen;
    size_t n;
    /* one SEQUENCE covering the input exactly: no trailing bytes */
    if (der_get_hdr(&p, end, 0x30, &n) != 0 || p + n != end) {
        return -1;
    }
    c1[0] = 0x04;
    if (gmtls_sm2_der_get_int(&p, end, c1 + 1) != 0 || gmtls_sm2_der_get_int(&p, end, c1 + 33) != 0) {
        return -1;
    }
    /* HASH OCTET STRING SIZE(32) */
    if (der_get_hdr(&p, end, 0x04, &n) != 0 || n != 32) {
        return -1;
    }
    *c3 = p;
    p += 32;
    if (der_get_hdr(&p, end, 0x04, &n) != 0 || p + n != end || n == 0) {
        return -1;
    }
    *c2 = p;
    *len = n;
    return 0;
}

/* ------------------------------------------------------------ encryption */

/*
 * GB/T 32918.4-2016 §6.1 A2-A7 for k in [1, n-1] (limbs). blind != NULL
 * (random, non-zero) shares one blinded variable-time inversion between
 * the two points; NULL takes two constant-time inversions. Writes C1
 * (65 bytes), C3 and C2 (len bytes; msg and c2 may be equal). Returns 0,
 * or 1 when t is all zero (A5: the caller draws another k).
 */
static int enc_core(const gmtls_sm2_pubkey *pub, const uint64_t k[4], const uint64_t *blind, const uint8_t *msg,
                    size_t len, uint8_t c1[65], uint8_t c3[32], uint8_t *c2)
{
    sm2_jac j1, j2;
    sm2_aff pa, a1, a2;
    uint8_t xy[64];
    memcpy(pa.x, pub->x, sizeof pa.x);
    memcpy(pa.y, pub->y, sizeof pa.y);
    /* A2: C1 = [k]G; A4: [k]P_B = (x2, y2). A3: S = [h]P_B with h = 1 is
     * P_B itself, validated (not infinity) on import. Neither product is
     * infinity for k in [1, n-1] and a valid P_B. */
    gmtls_sm2_mul_g(&j1, k);
    gmtls_sm2_mul_point(&j2, k, &pa);
    if (blind != NULL) {
        (void)gmtls_sm2_jac_to_affine2_blinded(&a1, &a2, &j1, &j2, blind);
    } else {
        (void)gmtls_sm2_jac_to_affine(&a1, &j1);
        (void)gmtls_sm2_jac_to_affine(&a2, &j2);
    }
    c1[0] = 0x04;
    aff_to_bytes(c1 + 1, &a1);
    SM2_DECLASSIFY(c1, 65); /* C1 is part of the ciphertext */
    aff_to_bytes(xy, &a2);
    /* A5: t = KDF(x2 || y2, klen); A6: C2 = M xor t. C3 needs M, so hash it
     * before c2 may overwrite it (A7: C3 = Hash(x2 || M || y2)). */
    gmtls_sm3_ctx h;
    gmtls_sm3_init(&h);
    gmtls_sm3_update(&h, xy, 32);
    gmtls_sm3_update(&h, msg, len);
    gmtls_sm3_update(&h, xy + 32, 32);
    gmtls_sm3_final(&h, c3);
    uint64_t nz = sm2_mask_nz(sm2_kdf_xor(xy, 64, msg, c2, len));
    SM2_DECLASSIFY(c3, 32);
    SM2_DECLASSIFY(c2, len);
    gmtls_sm_wipe(xy, sizeof xy);
    gmtls_sm_wipe(&j1, sizeof j1);
    gmtls_sm_wipe(&j2, sizeof j2);
    gmtls_sm_wipe(&a2, sizeof a2);
    /* A5: "if t is all zero, go back to A1"; an all-zero t leaves C2 = M,
     * which is then not released (nor is its k used again) */
    SM2_DECLASSIFY(&nz, sizeof nz);
    return nz ? 0 : 1;
}

static int enc_args_ok(const gmtls_sm2_pubkey *pub, int format, const uint8_t *msg, size_t msglen, uint8_t *out,
                       size_t outcap, size_t *outlen)
{
    if (pub == NULL || msg == NULL || out == NULL || outlen == NULL) {
        return 0;
    }
    if (format != GMTLS_SM2_ENC_DER && format != GMTLS_SM2_ENC_C1C3C2) {
        return 0;
    }
    /* an empty M makes t empty, "all zero" for every k (A5): refused */
    if (msglen == 0 || msglen > GMTLS_SM2_ENC_MAX_MSG_LEN) {
        return 0;
    }
    return outcap >= gmtls_sm2_ciphertext_len(format, msglen);
}

/* Encrypts into a scratch C2 placed at the end of out (its final place in
 * both encodings), then frames. */
static int enc_finish(const gmtls_sm2_pubkey *pub, int format, const uint64_t k[4], const uint64_t *blind,
                      const uint8_t *msg, size_t msglen, uint8_t *out, size_t outcap, size_t *outlen)
{
    uint8_t c1[65], c3[32];
    size_t full = gmtls_sm2_ciphertext_len(format, msglen);
    uint8_t *c2 = out + full - msglen;
    /* msg may overlap out only if it is exactly where C2 goes */
    if (msg != c2 && msg < out + full && msg + msglen > out) {
        return -1;
    }
    int rc = enc_core(pub, k, blind, msg, msglen, c1, c3, c2);
    if (rc != 0) {
        /* An all-zero t left C2 = M: wipe that copy of the message, unless
         * it is the caller's own (in place), which the next attempt reads.
         * (t is one byte for a 1-byte M: this happens 1 time in 256.) */
        if (msg != c2) {
            gmtls_sm_wipe(c2, msglen);
        }
        return rc;
    }
    return encode(format, c1, c3, c2, msglen, out, outcap, outlen);
}

int gmtls_sm2_encrypt_with_k(const gmtls_sm2_pubkey *pub, int format, const uint8_t k_bytes[32], const uint8_t *msg,
                             size_t msglen, uint8_t *out, size_t outcap, size_t *outlen)
{
    uint64_t k[4];
    if (!enc_args_ok(pub, format, msg, msglen, out, outcap, outlen) || k_bytes == NULL) {
        return -1;
    }
    gmtls_sm2_from_be(k, k_bytes);
    /* GB/T 32918.4-2016 §6.1 A1: k in [1, n-1] */
    uint64_t ok = ~sm2_mask_zero4(k) & ~sm2_mask_lt4(N_MINUS_1, k);
    SM2_DECLASSIFY(&ok, sizeof ok);
    int rc = ok ? enc_finish(pub, format, k, NULL, msg, msglen, out, outcap, outlen) : -1;
    gmtls_sm_wipe(k, sizeof k);
    return rc == 0 ? 0 : -1;
}

int gmtls_sm2_encrypt(const gmtls_sm2_pubkey *pub, int format, const uint8_t *msg, size_t msglen, gmtls_rng_fn rng,
                      void *rng_ctx, uint8_t *out, size_t outcap, size_t *outlen)
{
    uint64_t k[4], blind[4];
    int rc = -1;
    if (!enc_args_ok(pub, format, msg, msglen, out, outcap, outlen) || rng == NULL) {
        return -1;
    }
    for (int draw = 0; draw < SM2_MAX_DRAWS; draw++) {
        /* A1: a fresh random k (drawn in [1, n-2], within [1, n-1]) for
         * every attempt, and the inversion's blinding factor with it */
        if (gmtls_sm2_draw_scalar(k, blind, rng, rng_ctx) != 0) {
            break;
        }
        rc = enc_finish(pub, format, k, blind, msg, msglen, out, outcap, outlen);
        if (rc != 1) {
            break;
        }
        rc = -1;
    }
    gmtls_sm_wipe(k, sizeof k);
    gmtls_sm_wipe(blind, sizeof blind);
    return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ decryption */

int gmtls_sm2_decrypt(const gmtls_sm2_key *key, int format, const uint8_t *in, size_t inlen, uint8_t *out,
                      size_t outcap, size_t *outlen)
{
    uint8_t c1[65], xy[64], u[32];
    const uint8_t *c3, *c2;
    size_t len;
    gmtls_sm2_pubkey c1p;
    sm2_aff a1, a2;
    sm2_jac j;
    if (key == NULL || in == NULL || out == NULL || outlen == NULL) {
        return -1;
    }
    if (decode(format, in, inlen, c1, &c3, &c2, &len) != 0 || len > GMTLS_SM2_ENC_MAX_MSG_LEN || outcap < len) {
        return -1;
    }
    /* the plaintext must not overwrite the ciphertext still to be read */
    if (out < in + inlen && out + len > in) {
        return -1;
    }
    /* GB/T 32918.4-2016 §7.1 B1: C1 satisfies the curve equation (and
     * coordinates < p); B2: S = [h]C1 with h = 1 is C1, and an affine
     * encoding is never infinity */
    if (gmtls_sm2_pubkey_from_bytes_ecdh(&c1p, c1, sizeof c1) != 0) {
        return -1;
    }
    memcpy(a1.x, c1p.x, sizeof a1.x);
    memcpy(a1.y, c1p.y, sizeof a1.y);
    /* B3: [d_B]C1 = (x2, y2); never infinity for d_B in [1, n-2] and a
     * point of prime order n */
    gmtls_sm2_mul_point(&j, key->d, &a1);
    uint64_t inf = gmtls_sm2_jac_to_affine(&a2, &j);
    aff_to_bytes(xy, &a2);
    /* B4: t = KDF(x2 || y2, klen), fail if all zero; B5: M' = C2 xor t */
    uint64_t nz = sm2_mask_nz(sm2_kdf_xor(xy, 64, c2, out, len));
    /* B6: u = Hash(x2 || M' || y2), fail unless u = C3 (constant time) */
    gmtls_sm3_ctx h;
    gmtls_sm3_init(&h);
    gmtls_sm3_update(&h, xy, 32);
    gmtls_sm3_update(&h, out, len);
    gmtls_sm3_update(&h, xy + 32, 32);
    gmtls_sm3_final(&h, u);
    uint64_t eq = (uint64_t)0 - (uint64_t)gmtls_sm_ct_memeq(u, c3, 32);
    uint64_t ok = nz & eq & ~inf;
    gmtls_sm_wipe(xy, sizeof xy);
    gmtls_sm_wipe(u, sizeof u);
    gmtls_sm_wipe(&j, sizeof j);
    gmtls_sm_wipe(&a2, sizeof a2);
    /* the outcome is public (the caller acts on it) */
    SM2_DECLASSIFY(&ok, sizeof ok);
    if (!ok) {
        gmtls_sm_wipe(out, len);
        return -1;
    }
    *outlen = len;
    return 0;
}

/* ---------------------------------------------------------- key exchange */

/* GB/T 32918.3-2016 §6.1 A4/A6/B3/B5: x_bar = 2^w + (x & (2^w - 1)) with
 * w = ceil(ceil(log2 n) / 2) - 1 = 127; x is the affine x (Montgomery). */
static void x_bar(uint64_t r[4], const uint64_t xm[4])
{
    uint64_t x[4];
    gmtls_sm2_fp_from_mont(x, xm);
    r[0] = x[0];
    r[1] = (x[1] & 0x7fffffffffffffffULL) | 0x8000000000000000ULL;
    r[2] = 0;
    r[3] = 0;
}

/* Z (GB/T 32918.2 §5.5) of pub for id: the key's cached value for the
 * default ID when it has one (keys made for ECDH only carry none). */
static int z_of(const gmtls_sm2_pubkey *pub, const uint8_t *id, size_t idlen, uint8_t z[32])
{
    static const uint8_t zero[32] = {0};
    if (idlen == GMTLS_SM2_DEFAULT_ID_LEN && memcmp(id, GMTLS_SM2_DEFAULT_ID, idlen) == 0 &&
        memcmp(pub->z_default, zero, sizeof zero) != 0) {
        memcpy(z, pub->z_default, 32);
        return 0;
    }
    return gmtls_sm2_compute_z(pub, id, idlen, z);
}

static void ctx_update_be(gmtls_sm3_ctx *c, const uint64_t m[4])
{
    uint64_t t[4];
    uint8_t b[32];
    gmtls_sm2_fp_from_mont(t, m);
    gmtls_sm2_to_be(b, t);
    gmtls_sm3_update(c, b, 32);
}

int gmtls_sm2_kex(int initiator, const gmtls_sm2_key *self, const gmtls_sm2_key *self_eph, const uint8_t *self_id,
                  size_t self_idlen, const gmtls_sm2_pubkey *peer, const gmtls_sm2_pubkey *peer_eph,
                  const uint8_t *peer_id, size_t peer_idlen, uint8_t *key, size_t keylen,
                  uint8_t s_send[GMTLS_SM3_DIGEST_LEN], uint8_t s_expect[GMTLS_SM3_DIGEST_LEN])
{
    uint64_t xs[4], xp[4], t[4];
    uint8_t zs[32], zp[32], kin[128], inner[32];
    sm2_aff pe, pp, q;
    sm2_jac j, pj;
    int ret = -1;
    if (self == NULL || self_eph == NULL || peer == NULL || peer_eph == NULL || key == NULL || keylen == 0 ||
        keylen > GMTLS_SM2_KEX_MAX_KEY_LEN) {
        return -1;
    }
    if (self_id == NULL || self_idlen == 0) {
        self_id = (const uint8_t *)GMTLS_SM2_DEFAULT_ID;
        self_idlen = GMTLS_SM2_DEFAULT_ID_LEN;
    }
    if (peer_id == NULL || peer_idlen == 0) {
        peer_id = (const uint8_t *)GMTLS_SM2_DEFAULT_ID;
        peer_idlen = GMTLS_SM2_DEFAULT_ID_LEN;
    }
    if (z_of(&self->pub, self_id, self_idlen, zs) != 0 || z_of(peer, peer_id, peer_idlen, zp) != 0) {
        return -1;
    }
    /* A4 / B3: x_bar of the own R; A5 / B4: t = (d + x_bar * r) mod n
     * (x_bar < 2^128 < n, r < n: both reduced as fn_mul requires) */
    x_bar(xs, self_eph->pub.x);
    gmtls_sm2_fn_mul(t, xs, self_eph->d);
    gmtls_sm2_fn_add(t, t, self->d);
    /* A6 / B5: x_bar of the peer's R (validated on the curve on import);
     * A7 / B6: U = [h t](P_peer + [x_bar] R_peer), h = 1. The sum involves
     * public values only and is computed in variable time. */
    x_bar(xp, peer_eph->x);
    memcpy(pe.x, peer_eph->x, sizeof pe.x);
    memcpy(pe.y, peer_eph->y, sizeof pe.y);
    memcpy(pp.x, peer->x, sizeof pp.x);
    memcpy(pp.y, peer->y, sizeof pp.y);
    gmtls_sm2_mul_point_vt(&j, xp, &pe);
    memcpy(pj.X, pp.x, sizeof pj.X);
    memcpy(pj.Y, pp.y, sizeof pj.Y);
    memcpy(pj.Z, SM2_FP_ONE, sizeof pj.Z);
    gmtls_sm2_jac_add(&j, &j, &pj);
    if (sm2_mask_zero4(j.Z)) {
        goto out;
    }
    {
        uint64_t zi[4];
        gmtls_sm2_fp_inv_vt(zi, j.Z);
        gmtls_sm2_jac_to_affine_zi(&q, &j, zi);
    }
    gmtls_sm2_mul_point(&j, t, &q);
    uint64_t inf = gmtls_sm2_jac_to_affine(&q, &j);
    /* A7 / B6: fail if U (V) is the point at infinity: public as the result */
    SM2_DECLASSIFY(&inf, sizeof inf);
    if (inf) {
        goto out;
    }
    /* A8 / B7: K = KDF(x_U || y_U || Z_A || Z_B, klen); Z_A is the
     * initiator's */
    aff_to_bytes(kin, &q);
    memcpy(kin + 64, initiator ? zs : zp, 32);
    memcpy(kin + 96, initiator ? zp : zs, 32);
    (void)sm2_kdf_xor(kin, sizeof kin, NULL, key, keylen);
    if (s_send != NULL || s_expect != NULL) {
        /* inner = Hash(x_U || Z_A || Z_B || x_1 || y_1 || x_2 || y_2), with
         * (x_1, y_1) = R_A and (x_2, y_2) = R_B */
        const gmtls_sm2_pubkey *ra = initiator ? &self_eph->pub : peer_eph;
        const gmtls_sm2_pubkey *rb = initiator ? peer_eph : &self_eph->pub;
        gmtls_sm3_ctx c;
        gmtls_sm3_init(&c);
        gmtls_sm3_update(&c, kin, 32);
        gmtls_sm3_update(&c, kin + 64, 64);
        ctx_update_be(&c, ra->x);
        ctx_update_be(&c, ra->y);
        ctx_update_be(&c, rb->x);
        ctx_update_be(&c, rb->y);
        gmtls_sm3_final(&c, inner);
        /* B8 S_B / A9 S_1 = Hash(0x02 || y_U || inner);
         * A10 S_A / B10 S_2 = Hash(0x03 || y_U || inner) */
        for (uint8_t tag = 2; tag <= 3; tag++) {
            uint8_t *dst = (tag == 2) == (initiator != 0) ? s_expect : s_send;
            if (dst == NULL) {
                continue;
            }
            gmtls_sm3_init(&c);
            gmtls_sm3_update(&c, &tag, 1);
            gmtls_sm3_update(&c, kin + 32, 32);
            gmtls_sm3_update(&c, inner, 32);
            gmtls_sm3_final(&c, dst);
        }
    }
    ret = 0;
out:
    gmtls_sm_wipe(t, sizeof t);
    gmtls_sm_wipe(kin, sizeof kin);
    gmtls_sm_wipe(inner, sizeof inner);
    gmtls_sm_wipe(&j, sizeof j);
    gmtls_sm_wipe(&q, sizeof q);
    return ret;
}
