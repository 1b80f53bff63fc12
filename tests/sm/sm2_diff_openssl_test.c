/*
 * tests/sm/sm2_diff_openssl_test.c - SM2 against OpenSSL 3 libcrypto on
 * random keys and messages: each side verifies the other's signatures
 * (default and custom IDs), public keys derived from the same private key
 * agree, ECDH on the SM2 curve gives the same shared secret both ways, and
 * SM2 encryption (the DER C1C3C2 form OpenSSL's EVP_PKEY_encrypt produces)
 * decrypts on the other side, both ways.
 */
/* ECDH_compute_key and EC_KEY are deprecated in 3.0 but still the only
 * way to run OpenSSL ECDH on this curve with a chosen scalar */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "gmtls/sm.h"
#include "test.h"

#define ROUNDS 200

static int rng(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}

/* An OpenSSL key of type keytype ("SM2" or "EC" on the SM2 curve) from a
 * raw private scalar and its public point. */
static EVP_PKEY *ossl_key(const char *keytype, const uint8_t d[32], const uint8_t pub[65])
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bn = d ? BN_bin2bn(d, 32, NULL) : NULL;
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 65);
    if (bn != NULL) {
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn);
    }
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, keytype, NULL);
    EVP_PKEY *pkey = NULL;
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1) {
        ERR_print_errors_fp(stderr);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(bn);
    return pkey;
}

static int ossl_sign(EVP_PKEY *pkey, const uint8_t *id, size_t idlen, const uint8_t *msg, size_t msglen, uint8_t *sig,
                     size_t *siglen)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = EVP_DigestSignInit(m, &pctx, EVP_sm3(), NULL, pkey) == 1 &&
             EVP_PKEY_CTX_set1_id(pctx, id, (int)idlen) > 0 && EVP_DigestSign(m, sig, siglen, msg, msglen) == 1;
    EVP_MD_CTX_free(m);
    return ok ? 0 : -1;
}

static int ossl_verify(EVP_PKEY *pkey, const uint8_t *id, size_t idlen, const uint8_t *msg, size_t msglen,
                       const uint8_t *sig, size_t siglen)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = EVP_DigestVerifyInit(m, &pctx, EVP_sm3(), NULL, pkey) == 1 &&
             EVP_PKEY_CTX_set1_id(pctx, id, (int)idlen) > 0 && EVP_DigestVerify(m, sig, siglen, msg, msglen) == 1;
    EVP_MD_CTX_free(m);
    ERR_clear_error();
    return ok ? 0 : -1;
}

static int ossl_derive(EVP_PKEY *mine, EVP_PKEY *peer, uint8_t out[32])
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
    size_t len = 32;
    int ok = ctx != NULL && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
             EVP_PKEY_derive(ctx, out, &len) == 1 && len == 32;
    if (!ok) {
        ERR_print_errors_fp(stderr);
    }
    EVP_PKEY_CTX_free(ctx);
    return ok ? 0 : -1;
}

/* OpenSSL's low-level ECDH (x-coordinate of d * peer) on the SM2 curve,
 * for a caller-chosen d; the EVP interface of 3.0 cannot import one. */
static int ossl_ecdh_raw(const uint8_t d[32], const uint8_t peer[65], uint8_t out[32])
{
    EC_KEY *k = EC_KEY_new_by_curve_name(NID_sm2);
    const EC_GROUP *grp = EC_KEY_get0_group(k);
    EC_POINT *pt = EC_POINT_new(grp);
    BIGNUM *bn = BN_bin2bn(d, 32, NULL);
    int ok = EC_KEY_set_private_key(k, bn) == 1 && EC_POINT_oct2point(grp, pt, peer, 65, NULL) == 1 &&
             ECDH_compute_key(out, 32, pt, k, NULL) == 32;
    BN_clear_free(bn);
    EC_POINT_free(pt);
    EC_KEY_free(k);
    return ok ? 0 : -1;
}

/* A fresh OpenSSL key on the SM2 curve (keytype "SM2" for signatures, or
 * "EC" for key exchange); returns its raw scalar and public point. */
static EVP_PKEY *ossl_keygen(const char *keytype, uint8_t d[32], uint8_t pub[65])
{
    EVP_PKEY *pkey =
        strcmp(keytype, "EC") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "SM2") : EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    BIGNUM *bn = NULL;
    size_t publen = 0;
    if (pkey == NULL || EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1 ||
        EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub, 65, &publen) != 1 || publen != 65) {
        ERR_print_errors_fp(stderr);
        exit(1);
    }
    BN_bn2binpad(bn, d, 32);
    BN_clear_free(bn);
    return pkey;
}

/* OpenSSL 3.0 SM2 encryption / decryption (EVP_PKEY_encrypt with an "SM2"
 * key: DER SM2Cipher, SM3). Return 0 or -1. */
static int ossl_crypt(EVP_PKEY *pkey, int enc, const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pkey, NULL);
    int ok = c != NULL && (enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) == 1 &&
             (enc ? EVP_PKEY_encrypt(c, out, outlen, in, inlen) : EVP_PKEY_decrypt(c, out, outlen, in, inlen)) == 1;
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return ok ? 0 : -1;
}

int main(void)
{
    static const uint8_t custom_id[] = "gmtls-differential@example.org";
    const size_t custom_idlen = sizeof custom_id - 1;
    const uint8_t *defid = (const uint8_t *)GMTLS_SM2_DEFAULT_ID;
    int bad_enc_g2o = 0, bad_enc_o2g = 0, bad_enc_neg = 0;
    int bad_pub = 0, bad_g2o = 0, bad_o2g = 0, bad_cid = 0, bad_neg = 0, bad_dh = 0, bad_ekey = 0, bad_eph = 0;

    for (int i = 0; i < ROUNDS; i++) {
        uint8_t msg[300], d[32], pub[65], sig[80], odpub[65], od[32];
        size_t msglen = (size_t)(i * 37) % sizeof msg, siglen;
        gmtls_sm2_key key, okey_g;
        RAND_bytes(msg, sizeof msg);

        /* gmtls key; OpenSSL gets the same scalar */
        if (gmtls_sm2_keygen(&key, rng, NULL) != 0) {
            bad_pub++;
            continue;
        }
        gmtls_sm2_key_export_private(&key, d);
        gmtls_sm2_pubkey_to_bytes(&key.pub, pub);
        EVP_PKEY *pk = ossl_key("SM2", d, pub);
        /* OpenSSL's own d*G from the same scalar */
        {
            EC_GROUP *grp = EC_GROUP_new_by_curve_name(NID_sm2);
            EC_POINT *pt = EC_POINT_new(grp);
            BIGNUM *bn = BN_bin2bn(d, 32, NULL);
            uint8_t want[65];
            EC_POINT_mul(grp, pt, bn, NULL, NULL, NULL);
            EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, want, 65, NULL);
            bad_pub += memcmp(want, pub, 65) != 0;
            BN_clear_free(bn);
            EC_POINT_free(pt);
            EC_GROUP_free(grp);
        }

        /* gmtls signs, OpenSSL verifies: default ID, then a custom ID */
        CHECK_OK(gmtls_sm2_sign(&key, NULL, 0, msg, msglen, rng, NULL, sig, &siglen));
        bad_g2o += ossl_verify(pk, defid, 16, msg, msglen, sig, siglen) != 0;
        CHECK_OK(gmtls_sm2_sign(&key, custom_id, custom_idlen, msg, msglen, rng, NULL, sig, &siglen));
        bad_cid += ossl_verify(pk, custom_id, custom_idlen, msg, msglen, sig, siglen) != 0;
        /* ... and both refuse it under the default ID */
        bad_neg += ossl_verify(pk, defid, 16, msg, msglen, sig, siglen) == 0;
        bad_neg += gmtls_sm2_verify(&key.pub, NULL, 0, msg, msglen, sig, siglen) == 0;

        /* OpenSSL key and signatures, gmtls verifies */
        EVP_PKEY *opk = ossl_keygen("SM2", od, odpub);
        gmtls_sm2_pubkey opub;
        CHECK_OK(gmtls_sm2_pubkey_from_bytes(&opub, odpub, 65));
        CHECK_OK(gmtls_sm2_key_from_private(&okey_g, od));
        bad_ekey += memcmp(okey_g.pub.bytes, odpub, 65) != 0;
        siglen = sizeof sig;
        CHECK_OK(ossl_sign(opk, defid, 16, msg, msglen, sig, &siglen));
        bad_o2g += gmtls_sm2_verify(&opub, NULL, 0, msg, msglen, sig, siglen) != 0;
        bad_o2g += gmtls_sm2_verify(&opub, defid, 16, msg, msglen, sig, siglen) != 0;
        if (msglen > 0) {
            msg[0] ^= 0x01;
            bad_neg += gmtls_sm2_verify(&opub, NULL, 0, msg, msglen, sig, siglen) == 0;
            msg[0] ^= 0x01;
        }
        siglen = sizeof sig;
        CHECK_OK(ossl_sign(opk, custom_id, custom_idlen, msg, msglen, sig, &siglen));
        bad_cid += gmtls_sm2_verify(&opub, custom_id, custom_idlen, msg, msglen, sig, siglen) != 0;
        bad_neg += gmtls_sm2_verify(&opub, NULL, 0, msg, msglen, sig, siglen) == 0;
        bad_neg += gmtls_sm2_verify(&key.pub, custom_id, custom_idlen, msg, msglen, sig, siglen) == 0;

        /* SM2 encryption: gmtls encrypts to both keys (DER), OpenSSL
         * decrypts; OpenSSL encrypts, gmtls decrypts; 1..300 bytes */
        {
            size_t mlen = msglen + 1, n, m;
            uint8_t ct[600], pt[600];
            CHECK_OK(gmtls_sm2_encrypt(&key.pub, GMTLS_SM2_ENC_DER, msg, mlen, rng, NULL, ct, sizeof ct, &n));
            m = sizeof pt;
            bad_enc_g2o += ossl_crypt(pk, 0, ct, n, pt, &m) != 0 || m != mlen || memcmp(pt, msg, mlen) != 0;
            CHECK_OK(gmtls_sm2_encrypt(&opub, GMTLS_SM2_ENC_DER, msg, mlen, rng, NULL, ct, sizeof ct, &n));
            m = sizeof pt;
            bad_enc_g2o += ossl_crypt(opk, 0, ct, n, pt, &m) != 0 || m != mlen || memcmp(pt, msg, mlen) != 0;
            /* a flipped bit in C3 is refused by OpenSSL as well */
            ct[n - mlen - (mlen < 128 ? 2 : 3) - 1] ^= 0x80;
            m = sizeof pt;
            bad_enc_neg += ossl_crypt(opk, 0, ct, n, pt, &m) == 0;
            n = sizeof ct;
            bad_enc_o2g += ossl_crypt(pk, 1, msg, mlen, ct, &n) != 0;
            bad_enc_o2g += gmtls_sm2_decrypt(&key, GMTLS_SM2_ENC_DER, ct, n, pt, sizeof pt, &m) != 0 || m != mlen ||
                           memcmp(pt, msg, mlen) != 0;
            bad_enc_neg += gmtls_sm2_decrypt(&okey_g, GMTLS_SM2_ENC_DER, ct, n, pt, sizeof pt, &m) == 0;
            n = sizeof ct;
            bad_enc_o2g += ossl_crypt(opk, 1, msg, mlen, ct, &n) != 0;
            bad_enc_o2g += gmtls_sm2_decrypt(&okey_g, GMTLS_SM2_ENC_DER, ct, n, pt, sizeof pt, &m) != 0 || m != mlen ||
                           memcmp(pt, msg, mlen) != 0;
        }

        /* ECDH: gmtls(d_g, P_o) == OpenSSL EVP_PKEY_derive(d_o, P_g) ==
         * OpenSSL ECDH_compute_key(d_g, P_o) == gmtls(d_o, P_g) */
        if (i % 4 == 0) {
            uint8_t ed[32], epub[65], s1[32], s2[32], s3[32], s4[32];
            gmtls_sm2_pubkey epub_g;
            gmtls_sm2_key ekey_g;
            EVP_PKEY *eo = ossl_keygen("EC", ed, epub);
            CHECK_OK(gmtls_sm2_pubkey_from_bytes(&epub_g, epub, 65));
            CHECK_OK(gmtls_sm2_key_from_private(&ekey_g, ed));
            CHECK_OK(gmtls_sm2_ecdh(&key, &epub_g, s1));
            CHECK_OK(gmtls_sm2_ecdh(&ekey_g, &key.pub, s2));
            bad_dh += memcmp(s1, s2, 32) != 0;
            /* OpenSSL 3.0 derives only between "EC"-type keys on this curve:
             * the peer is a generated EC key with gmtls's public point set */
            EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "SM2");
            bad_dh += EVP_PKEY_set1_encoded_public_key(peer, pub, 65) != 1;
            bad_dh += ossl_derive(eo, peer, s3) != 0 || memcmp(s1, s3, 32) != 0;
            bad_dh += ossl_ecdh_raw(d, epub, s4) != 0 || memcmp(s1, s4, 32) != 0;
            /* the responder's one-call form (shared inversion): its public
             * point is d*G for its d, and OpenSSL derives the same secret
             * from the other side */
            gmtls_sm2_key eph, again;
            gmtls_sm2_pubkey eph_pub;
            uint8_t s5[32], s6[32], s7[32], d5[32];
            CHECK_OK(gmtls_sm2_ecdh_ephemeral(&eph, &epub_g, rng, NULL, s5));
            CHECK_OK(gmtls_sm2_pubkey_from_bytes(&eph_pub, eph.pub.bytes, 65));
            gmtls_sm2_key_export_private(&eph, d5);
            CHECK_OK(gmtls_sm2_key_from_private(&again, d5));
            bad_eph += memcmp(again.pub.bytes, eph.pub.bytes, 65) != 0;
            CHECK_OK(gmtls_sm2_ecdh(&eph, &epub_g, s6));
            bad_eph += memcmp(s5, s6, 32) != 0;
            EVP_PKEY *ephp = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "SM2");
            bad_eph += EVP_PKEY_set1_encoded_public_key(ephp, eph.pub.bytes, 65) != 1;
            bad_eph += ossl_derive(eo, ephp, s7) != 0 || memcmp(s5, s7, 32) != 0;
            EVP_PKEY_free(ephp);
            gmtls_sm2_key_clear(&eph);
            gmtls_sm2_key_clear(&again);
            EVP_PKEY_free(peer);
            EVP_PKEY_free(eo);
            gmtls_sm2_key_clear(&ekey_g);
        }
        gmtls_sm2_key_clear(&key);
        gmtls_sm2_key_clear(&okey_g);
        EVP_PKEY_free(pk);
        EVP_PKEY_free(opk);
    }
    CHECK(bad_pub == 0);
    CHECK(bad_ekey == 0);
    CHECK(bad_g2o == 0);
    CHECK(bad_o2g == 0);
    CHECK(bad_cid == 0);
    CHECK(bad_neg == 0);
    CHECK(bad_dh == 0);
    CHECK(bad_eph == 0);
    CHECK(bad_enc_g2o == 0);
    CHECK(bad_enc_o2g == 0);
    CHECK(bad_enc_neg == 0);
    if (bad_enc_g2o | bad_enc_o2g | bad_enc_neg) {
        fprintf(stderr, "encryption: g2o %d o2g %d neg %d (of %d)\n", bad_enc_g2o, bad_enc_o2g, bad_enc_neg, ROUNDS);
    }
    if (bad_pub | bad_ekey | bad_g2o | bad_o2g | bad_cid | bad_neg | bad_dh | bad_eph) {
        fprintf(stderr, "pub %d ekey %d g2o %d o2g %d cid %d neg %d dh %d eph %d (of %d)\n", bad_pub, bad_ekey,
                bad_g2o, bad_o2g, bad_cid, bad_neg, bad_dh, bad_eph, ROUNDS);
    }
    return TEST_END("sm2_diff_openssl_test");
}
