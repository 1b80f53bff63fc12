/*
 * src/sm/sm2_internal.h - SM2 entry points that are not part of the public
 * API: signing with a caller-chosen nonce (known-answer and constant-time
 * tests only), and the lighter key generation and point import that the
 * curveSM2 key exchange uses (src/crypto/sm.c).
 */
#ifndef GMTLS_SM2_INTERNAL_H
#define GMTLS_SM2_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gmtls/sm.h"
#include "sm2_point.h"

/* Builds for the constant-time test (GMTLS_SM2_CTGRIND) declassify values
 * for valgrind at the point they become public. */
#ifdef GMTLS_SM2_CTGRIND
#include <valgrind/memcheck.h>
#define SM2_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define SM2_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

/*
 * Signs e with the nonce k (32 bytes, big-endian). Returns 0 with (r, s),
 * or -1 if k is outside [1, n-1] or the standard says to pick another k
 * (r = 0, r + k = n, s = 0). Never use a k twice or a predictable k: this
 * exists so tests can reproduce published examples.
 */
int gmtls_sm2_sign_digest_with_k(const gmtls_sm2_key *key, const uint8_t e[32], const uint8_t k[32], uint8_t r[32],
                                 uint8_t s[32]);

/* Draws d in [1, n-2] from rng and, when blind is not NULL, a non-zero
 * field element (Montgomery form) from the same call (the RNG's cost is
 * mostly per call). Returns 0, or -1 if the RNG fails. */
int gmtls_sm2_draw_scalar(uint64_t d[4], uint64_t blind[4], gmtls_rng_fn rng, void *rng_ctx);

/* Affine forms of two Jacobian points with one field inversion, blinded by
 * the random non-zero blind so the variable-time inversion may run on it.
 * Returns all-ones if either point is infinity. */
uint64_t gmtls_sm2_jac_to_affine2_blinded(sm2_aff *pa, sm2_aff *qa, const sm2_jac *p, const sm2_jac *q,
                                          const uint64_t blind[4]);

/* Strict DER INTEGERs of 32-byte big-endian unsigned values: put writes v
 * minimally (at most 35 bytes) and returns the length; get reads one at *p
 * (end excluded), advancing *p. get returns 0 or -1. */
size_t gmtls_sm2_der_put_int(uint8_t *out, const uint8_t v[32]);
int gmtls_sm2_der_get_int(const uint8_t **p, const uint8_t *end, uint8_t v[32]);

/* SM2 encryption (GB/T 32918.4-2016) with the caller's k (32 bytes,
 * big-endian, in [1, n-1]) instead of a random one: known-answer and
 * constant-time tests only. Returns -1 also when t is all zero (the
 * standard then draws another k). */
int gmtls_sm2_encrypt_with_k(const gmtls_sm2_pubkey *pub, int format, const uint8_t k[32], const uint8_t *msg,
                             size_t msglen, uint8_t *out, size_t outcap, size_t *outlen);

/* gmtls_sm2_keygen_ecdh, gmtls_sm2_pubkey_from_bytes_ecdh and
 * gmtls_sm2_ecdh_ephemeral are declared in include/gmtls/sm.h. */

#endif
