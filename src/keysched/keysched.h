/* src/keysched/keysched.h - HKDF (RFC 5869), HKDF-Expand-Label and
 * Derive-Secret (RFC 8446 §7.1), Finished (§4.4.4), traffic keys (§7.3),
 * KeyUpdate (§7.2), exporters (§7.5), resumption PSK (§4.6.1), key log. */
#ifndef GMTLS_KEYSCHED_H
#define GMTLS_KEYSCHED_H

#include "crypto/crypto.h"

GMTLS_MUST_CHECK int gmtls_hkdf_extract(const gmtls_hash_alg *h, const uint8_t *salt, size_t saltlen,
                                        const uint8_t *ikm, size_t ikmlen, uint8_t *prk);
GMTLS_MUST_CHECK int gmtls_hkdf_expand(const gmtls_hash_alg *h, const uint8_t *prk, const uint8_t *info,
                                       size_t infolen, uint8_t *out, size_t outlen);
/* HKDF-Expand-Label(Secret, Label, Context, Length) with the "tls13 " prefix. */
GMTLS_MUST_CHECK int gmtls_hkdf_expand_label(const gmtls_hash_alg *h, const uint8_t *secret, const char *label,
                                             const uint8_t *ctx, size_t ctxlen, uint8_t *out, size_t outlen);
/* The same with Secret as a precomputed HMAC key (for a secret used more than once). */
GMTLS_MUST_CHECK int gmtls_hkdf_expand_label_keyed(const gmtls_hmac_key *secret, const char *label,
                                                   const uint8_t *ctx, size_t ctxlen, uint8_t *out, size_t outlen);
/* Derive-Secret(Secret, Label, Messages) given Transcript-Hash(Messages);
 * thash NULL means the hash of the empty string. */
GMTLS_MUST_CHECK int gmtls_derive_secret(const gmtls_hash_alg *h, const uint8_t *secret, const char *label,
                                         const uint8_t *thash, uint8_t *out);

/* The secrets of one handshake (RFC 8446 §7.1). */
typedef struct {
    const gmtls_hash_alg *hash;
    uint8_t early[GMTLS_MAX_HASH_LEN];
    uint8_t handshake[GMTLS_MAX_HASH_LEN];
    uint8_t master[GMTLS_MAX_HASH_LEN];
    uint8_t binder_key[GMTLS_MAX_HASH_LEN];
    uint8_t c_hs[GMTLS_MAX_HASH_LEN], s_hs[GMTLS_MAX_HASH_LEN];
    uint8_t c_ap[GMTLS_MAX_HASH_LEN], s_ap[GMTLS_MAX_HASH_LEN];
    uint8_t exporter[GMTLS_MAX_HASH_LEN];
    uint8_t resumption[GMTLS_MAX_HASH_LEN];
    int early_is_const; /* Early Secret = HKDF-Extract(0, 0) (no PSK) */
} gmtls_keysched;

/* Early Secret = HKDF-Extract(0, PSK or 0); binder_key (res binder). */
GMTLS_MUST_CHECK int gmtls_ks_early(gmtls_keysched *ks, const gmtls_hash_alg *h, const uint8_t *psk, size_t psklen);
/* The same for an external PSK: binder_key from "ext binder" (RFC 8446 §7.1). */
GMTLS_MUST_CHECK int gmtls_ks_early_ext(gmtls_keysched *ks, const gmtls_hash_alg *h, const uint8_t *psk,
                                        size_t psklen);
/* Handshake Secret from (EC)DHE; c_hs/s_hs from Transcript-Hash(CH..SH). */
GMTLS_MUST_CHECK int gmtls_ks_handshake(gmtls_keysched *ks, const uint8_t *dhe, size_t dhelen, const uint8_t *thash);
/* Master Secret; c_ap/s_ap/exporter from Transcript-Hash(CH..server Finished). */
GMTLS_MUST_CHECK int gmtls_ks_master(gmtls_keysched *ks, const uint8_t *thash);
/* resumption_master_secret from Transcript-Hash(CH..client Finished). */
GMTLS_MUST_CHECK int gmtls_ks_resumption(gmtls_keysched *ks, const uint8_t *thash);
void gmtls_ks_wipe(gmtls_keysched *ks);

/* verify_data = HMAC(HKDF-Expand-Label(base_key, "finished", "", Hash.length), thash). */
GMTLS_MUST_CHECK int gmtls_finished_mac(const gmtls_hash_alg *h, const uint8_t *base_key, const uint8_t *thash,
                                        uint8_t *out);
/* RFC 8446 §7.5 TLS-Exporter. */
GMTLS_MUST_CHECK int gmtls_exporter(const gmtls_hash_alg *h, const uint8_t *exporter_secret, const char *label,
                                    const uint8_t *ctx, size_t ctxlen, uint8_t *out, size_t outlen);

/* ---- the pre-1.3 PRF family (prf12.c): TLS 1.2 (RFC 5246 §5) and TLCP, the
 * hash a parameter. */
#define GMTLS_MASTER12_LEN 48
#define GMTLS_FINISHED12_LEN 12
/* PRF(secret, label, seed1 + seed2) into out[0..outlen). */
GMTLS_MUST_CHECK int gmtls_prf12(const gmtls_hash_alg *h, const uint8_t *secret, size_t secretlen, const char *label,
                                 const uint8_t *seed1, size_t n1, const uint8_t *seed2, size_t n2, uint8_t *out,
                                 size_t outlen);
/* RFC 7627 §4: the extended master secret from the session hash. */
GMTLS_MUST_CHECK int gmtls_ems12(const gmtls_hash_alg *h, const uint8_t *pms, size_t pmslen,
                                 const uint8_t *session_hash, uint8_t master[GMTLS_MASTER12_LEN]);
GMTLS_MUST_CHECK int gmtls_key_block12(const gmtls_hash_alg *h, const uint8_t master[GMTLS_MASTER12_LEN],
                                       const uint8_t client_random[32], const uint8_t server_random[32], uint8_t *out,
                                       size_t outlen);
GMTLS_MUST_CHECK int gmtls_finished12(const gmtls_hash_alg *h, const uint8_t master[GMTLS_MASTER12_LEN],
                                      int from_server, const uint8_t *thash, uint8_t out[GMTLS_FINISHED12_LEN]);
GMTLS_MUST_CHECK int gmtls_exporter12(const gmtls_hash_alg *h, const uint8_t master[GMTLS_MASTER12_LEN],
                                      const uint8_t client_random[32], const uint8_t server_random[32],
                                      const char *label, const uint8_t *ctx, size_t ctxlen, int has_context,
                                      uint8_t *out, size_t outlen);

#endif
