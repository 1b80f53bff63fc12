/* The pre-1.3 PRF (RFC 5246 §5), parameterised by its hash: SHA-256 or
 * SHA-384 for TLS 1.2, SM3 for TLCP (GB/T 38636-2020 §6.5), and what is
 * built on it: the extended master secret (RFC 7627 §4), the key block
 * (RFC 5246 §6.3), Finished verify_data (§7.4.9) and the exporter
 * (RFC 5705 §4). */
#include <stdlib.h>

#include "keysched/keysched.h"

int gmtls_prf12(const gmtls_hash_alg *h, const uint8_t *secret, size_t secretlen, const char *label,
                const uint8_t *seed1, size_t n1, const uint8_t *seed2, size_t n2, uint8_t *out, size_t outlen)
{
    /* RFC 5246 §5: PRF(secret, label, seed) = P_<hash>(secret, label + seed);
     * P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
     *                        HMAC_hash(secret, A(2) + seed) + ...;
     * A(0) = seed, A(i) = HMAC_hash(secret, A(i-1)). */
    size_t llen = strlen(label), slen = llen + n1 + n2, hl = h->digest_len;
    uint8_t *seed = malloc(slen > 0 ? slen : 1);
    uint8_t a[GMTLS_MAX_HASH_LEN], blk[GMTLS_MAX_HASH_LEN];
    gmtls_hmac_key hk;
    if (seed == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    memcpy(seed, label, llen);
    if (n1 > 0) {
        memcpy(seed + llen, seed1, n1);
    }
    if (n2 > 0) {
        memcpy(seed + llen + n1, seed2, n2);
    }
    int rc = gmtls_hmac_key_init(&hk, h, secret, secretlen);
    if (rc == 0) {
        rc = gmtls_hmac_keyed(&hk, seed, slen, NULL, 0, NULL, 0, a); /* A(1) */
    }
    for (size_t off = 0; rc == 0 && off < outlen; off += hl) {
        rc = gmtls_hmac_keyed(&hk, a, hl, seed, slen, NULL, 0, blk);
        if (rc == 0) {
            size_t n = outlen - off < hl ? outlen - off : hl;
            memcpy(out + off, blk, n);
            rc = gmtls_hmac_keyed(&hk, a, hl, NULL, 0, NULL, 0, a); /* A(i+1) */
        }
    }
    gmtls_hmac_key_wipe(&hk);
    gmtls_wipe(a, sizeof a);
    gmtls_wipe(blk, sizeof blk);
    gmtls_wipe(seed, slen);
    free(seed);
    if (rc != 0) {
        gmtls_wipe(out, outlen);
    }
    return rc;
}

int gmtls_ems12(const gmtls_hash_alg *h, const uint8_t *pms, size_t pmslen, const uint8_t *session_hash,
                uint8_t master[GMTLS_MASTER12_LEN])
{
    /* RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master
     * secret", session_hash)[0..47]. */
    return gmtls_prf12(h, pms, pmslen, "extended master secret", session_hash, h->digest_len, NULL, 0, master,
                       GMTLS_MASTER12_LEN);
}

int gmtls_key_block12(const gmtls_hash_alg *h, const uint8_t master[GMTLS_MASTER12_LEN],
                      const uint8_t client_random[32], const uint8_t server_random[32], uint8_t *out, size_t outlen)
{
    /* RFC 5246 §6.3: key_block = PRF(SecurityParameters.master_secret,
     * "key expansion", SecurityParameters.server_random +
     * SecurityParameters.client_random). */
    return gmtls_prf12(h, master, GMTLS_MASTER12_LEN, "key expansion", server_random, 32, client_random, 32, out,
                       outlen);
}

int gmtls_finished12(const gmtls_hash_alg *h, const uint8_t master[GMTLS_MASTER12_LEN], int from_server,
                     const uint8_t *thash, uint8_t out[GMTLS_FINISHED12_LEN])
{
    /* RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label,
     * Hash(handshake_messages))[0..verify_data_length-1], 12 bytes. */
    return gmtls_prf12(h, master, GMTLS_MASTER12_LEN, from_server ? "server finished" : "client finished", thash,
                       h->digest_len, NULL, 0, out, GMTLS_FINISHED12_LEN);
}

int gmtls_exporter12(const gmtls_hash_alg *h, const uint8_t master[GMTLS_MASTER12_LEN], const uint8_t client_random[32],
                     const uint8_t server_random[32], const char *label, const uint8_t *ctx, size_t ctxlen,
                     int has_context, uint8_t *out, size_t outlen)
{
    /* RFC 5705 §4: PRF(SecurityParameters.master_secret, label,
     * SecurityParameters.client_random + SecurityParameters.server_random
     * [+ context_value_length + context_value])[length]; no context and an
     * empty one differ. */
    uint8_t *seed;
    size_t n = 64 + (has_context ? 2 + ctxlen : 0);
    if (has_context && ctxlen > 0xffff) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    seed = malloc(n);
    if (seed == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    memcpy(seed, client_random, 32);
    memcpy(seed + 32, server_random, 32);
    if (has_context) {
        seed[64] = (uint8_t)(ctxlen >> 8);
        seed[65] = (uint8_t)ctxlen;
        if (ctxlen > 0) {
            memcpy(seed + 66, ctx, ctxlen);
        }
    }
    int rc = gmtls_prf12(h, master, GMTLS_MASTER12_LEN, label, seed, n, NULL, 0, out, outlen);
    free(seed);
    return rc;
}
