/* The ShangMi algorithms of RFC 8998 behind the registry's vtables:
 * SM3 (hash), SM4-GCM / SM4-CCM (AEAD), curveSM2 (key exchange). The
 * primitives are gmtls's own (src/sm/, include/gmtls/sm.h). */
#include <stdlib.h>

#include "crypto/crypto.h"
#include "sm/sm2_internal.h"

/* ------------------------------------------------------------ SM3 */

static int sm3_init(gmtls_hash_ctx *ctx)
{
    gmtls_sm3_init(&ctx->u.sm3);
    return 0;
}

static void sm3_update(gmtls_hash_ctx *ctx, const void *p, size_t n)
{
    gmtls_sm3_update(&ctx->u.sm3, p, n);
}

static int sm3_final(gmtls_hash_ctx *ctx, uint8_t *out)
{
    gmtls_sm3_final(&ctx->u.sm3, out);
    return 0;
}

static int sm3_copy(gmtls_hash_ctx *dst, const gmtls_hash_ctx *src)
{
    *dst = *src;
    return 0;
}

static void sm3_dispose(gmtls_hash_ctx *ctx)
{
    gmtls_wipe(&ctx->u.sm3, sizeof(ctx->u.sm3));
}

const gmtls_hash_alg gmtls_hash_sm3 = {"SM3", 32, 64, sm3_init, sm3_update, sm3_final, sm3_copy, sm3_dispose};

/* ------------------------------------------------------------ SM4-GCM / SM4-CCM */

static int sm4gcm_init(gmtls_aead_ctx *ctx, int is_enc, const uint8_t *key)
{
    gmtls_sm4_gcm_ctx *g = malloc(sizeof(*g));
    if (g == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    gmtls_sm4_gcm_init(g, key);
    ctx->impl = g;
    ctx->is_enc = is_enc;
    return 0;
}

static int sm4gcm_seal(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad, size_t aadlen,
                       uint8_t *buf, size_t len, uint8_t *tag)
{
    return gmtls_sm4_gcm_seal(ctx->impl, nonce, GMTLS_IV_LEN, aad, aadlen, buf, len, tag, GMTLS_TAG_LEN) == 0
               ? 0
               : GMTLS_ERR_CRYPTO;
}

static int sm4gcm_open(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad, size_t aadlen,
                       uint8_t *buf, size_t len, const uint8_t *tag)
{
    return gmtls_sm4_gcm_open(ctx->impl, nonce, GMTLS_IV_LEN, aad, aadlen, buf, len, tag, GMTLS_TAG_LEN) == 0 ? 0
                                                                                                             : -1;
}

static void sm4gcm_dispose(gmtls_aead_ctx *ctx)
{
    if (ctx->impl != NULL) {
        gmtls_sm4_gcm_clear(ctx->impl);
        free(ctx->impl);
        ctx->impl = NULL;
    }
}

static int sm4ccm_init(gmtls_aead_ctx *ctx, int is_enc, const uint8_t *key)
{
    gmtls_sm4_ccm_ctx *c = malloc(sizeof(*c));
    if (c == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    gmtls_sm4_ccm_init(c, key);
    ctx->impl = c;
    ctx->is_enc = is_enc;
    return 0;
}

static int sm4ccm_seal(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad, size_t aadlen,
                       uint8_t *buf, size_t len, uint8_t *tag)
{
    return gmtls_sm4_ccm_seal(ctx->impl, nonce, GMTLS_IV_LEN, aad, aadlen, buf, len, tag, GMTLS_TAG_LEN) == 0
               ? 0
               : GMTLS_ERR_CRYPTO;
}

static int sm4ccm_open(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad, size_t aadlen,
                       uint8_t *buf, size_t len, const uint8_t *tag)
{
    return gmtls_sm4_ccm_open(ctx->impl, nonce, GMTLS_IV_LEN, aad, aadlen, buf, len, tag, GMTLS_TAG_LEN) == 0 ? 0
                                                                                                             : -1;
}

static void sm4ccm_dispose(gmtls_aead_ctx *ctx)
{
    if (ctx->impl != NULL) {
        gmtls_sm4_ccm_clear(ctx->impl);
        free(ctx->impl);
        ctx->impl = NULL;
    }
}

/* RFC 8998 defers to RFC 8446 §5.5; SM4 has AES's 128-bit block, so the same
 * 2^24.5-record bound applies to both SM4 modes. */
const gmtls_aead_alg gmtls_aead_sm4gcm = {"SM4-GCM", 16, 16, 23726566ULL, sm4gcm_init, sm4gcm_seal, sm4gcm_open,
                                          sm4gcm_dispose, NULL, NULL};
const gmtls_aead_alg gmtls_aead_sm4ccm = {"SM4-CCM", 16, 16, 23726566ULL, sm4ccm_init, sm4ccm_seal, sm4ccm_open,
                                          sm4ccm_dispose, NULL, NULL};

/* ------------------------------------------------------------ curveSM2 */

static int sm2_keygen(void **state, uint8_t *pub, size_t *publen)
{
    gmtls_sm2_key *k = malloc(sizeof(*k));
    if (k == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    /* an ephemeral key only ever does ECDH: skip (1 + d)^-1 and Z_A */
    if (gmtls_sm2_keygen_ecdh(k, gmtls_rng_cb, NULL) != 0) {
        free(k);
        return GMTLS_ERR_CRYPTO;
    }
    gmtls_sm2_pubkey_to_bytes(&k->pub, pub);
    *publen = GMTLS_SM2_POINT_LEN;
    *state = k;
    return 0;
}

static int sm2_derive(void *state, const uint8_t *peer, size_t peerlen, uint8_t *secret, size_t *secretlen)
{
    gmtls_sm2_pubkey p;
    /* RFC 8998 §3.2.1: the key share is an uncompressed SM2 point (65 bytes),
     * validated as for the NIST curves (RFC 8446 §4.2.8.2). */
    if (peerlen != GMTLS_SM2_POINT_LEN || gmtls_sm2_pubkey_from_bytes_ecdh(&p, peer, peerlen) != 0) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    if (gmtls_sm2_ecdh(state, &p, secret) != 0) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    *secretlen = 32;
    return 0;
}

static int sm2_respond(const uint8_t *peer, size_t peerlen, uint8_t *pub, size_t *publen, uint8_t *secret,
                       size_t *secretlen)
{
    gmtls_sm2_pubkey p;
    gmtls_sm2_key k;
    /* RFC 8998 §3.2.1, as sm2_derive */
    if (peerlen != GMTLS_SM2_POINT_LEN || gmtls_sm2_pubkey_from_bytes_ecdh(&p, peer, peerlen) != 0) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    /* one inversion for both our public point and the shared x */
    int rc = gmtls_sm2_ecdh_ephemeral(&k, &p, gmtls_rng_cb, NULL, secret) == 0 ? 0 : GMTLS_ERR_CRYPTO;
    if (rc == 0) {
        gmtls_sm2_pubkey_to_bytes(&k.pub, pub);
        *publen = GMTLS_SM2_POINT_LEN;
        *secretlen = 32;
    }
    gmtls_sm2_key_clear(&k);
    return rc;
}

static void sm2_free(void *state)
{
    if (state != NULL) {
        gmtls_sm2_key_clear(state);
        free(state);
    }
}

const gmtls_kex_alg gmtls_kex_sm2 = {GMTLS_GROUP_CURVESM2, "curveSM2", "SM2", 1, 0, sm2_keygen, sm2_derive, sm2_free,
                                     sm2_respond, 0};
/* The Go gmtls family (the reference's stack) numbers the same curveSM2 key
 * exchange 26 (0x001a), a code point IANA gives to brainpoolP256r1 for TLS
 * 1.2 only; accepted for interoperability, offered only when listed. */
const gmtls_kex_alg gmtls_kex_sm2_legacy = {0x001a, "curveSM2_legacy", NULL, 1, 1, sm2_keygen, sm2_derive, sm2_free,
                                            sm2_respond, 0};
