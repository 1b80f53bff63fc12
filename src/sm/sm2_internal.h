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

/* gmtls_sm2_keygen_ecdh, gmtls_sm2_pubkey_from_bytes_ecdh and
 * gmtls_sm2_ecdh_ephemeral are declared in include/gmtls/sm.h. */

#endif
