/*
 * src/sm/sm2_internal.h - SM2 entry points that are not part of the public
 * API: signing with a caller-chosen nonce (known-answer and constant-time
 * tests only), and the lighter key generation and point import that the
 * curveSM2 key exchange uses (src/crypto/sm.c).
 */
#ifndef GMTLS_SM2_INTERNAL_H
#define GMTLS_SM2_INTERNAL_H

#include <stdint.h>

#include "gmtls/sm.h"

/*
 * Signs e with the nonce k (32 bytes, big-endian). Returns 0 with (r, s),
 * or -1 if k is outside [1, n-1] or the standard says to pick another k
 * (r = 0, r + k = n, s = 0). Never use a k twice or a predictable k: this
 * exists so tests can reproduce published examples.
 */
int gmtls_sm2_sign_digest_with_k(const gmtls_sm2_key *key, const uint8_t e[32], const uint8_t k[32], uint8_t r[32],
                                 uint8_t s[32]);

/*
 * Key generation for ECDH only: d and P = dG as gmtls_sm2_keygen draws and
 * computes them, but neither (1 + d)^-1 (only signing needs it) nor Z_A
 * for the default ID. The key serves gmtls_sm2_ecdh and
 * gmtls_sm2_pubkey_to_bytes; it must not sign (with dinv1 = 0 every
 * attempt gives s = 0, which is rejected, so signing fails rather than
 * producing a bad signature). Returns 0, or -1 if the RNG fails.
 */
int gmtls_sm2_keygen_ecdh(gmtls_sm2_key *key, gmtls_rng_fn rng, void *rng_ctx);

/*
 * gmtls_sm2_pubkey_from_bytes without Z_A for the default ID (the same
 * validation: 65-byte uncompressed encoding, coordinates < p, on the
 * curve). The key serves gmtls_sm2_ecdh; z_default is left zero, so it
 * must not be used to verify signatures. Returns 0 or -1.
 */
int gmtls_sm2_pubkey_from_bytes_ecdh(gmtls_sm2_pubkey *pub, const uint8_t *in, size_t inlen);

#endif
