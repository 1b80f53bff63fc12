/*
 * gmtls/mlkem.h - ML-KEM (FIPS 203), the module-lattice key-encapsulation
 * mechanism, in its ML-KEM-768 and ML-KEM-1024 parameter sets.
 *
 * Usable on its own: no TLS knowledge, no OpenSSL header (SHA-3/SHAKE are
 * gmtls' own). Every function is constant-time with respect to the seeds,
 * the decapsulation key, the message and the shared secret; secrets on the
 * stack are wiped before return. Link with -lgmtls.
 */
#ifndef GMTLS_MLKEM_H
#define GMTLS_MLKEM_H

#include <stddef.h>
#include <stdint.h>

#include "gmtls/sm.h" /* gmtls_rng_fn, gmtls_rng */

#ifdef __cplusplus
extern "C" {
#endif

#ifndef GMTLS_API
#define GMTLS_API __attribute__((visibility("default")))
#endif

/** Parameter sets (the value is the security level name). */
typedef enum { GMTLS_MLKEM768 = 768, GMTLS_MLKEM1024 = 1024 } gmtls_mlkem_param;

#define GMTLS_MLKEM768_EK_LEN 1184
#define GMTLS_MLKEM768_DK_LEN 2400
#define GMTLS_MLKEM768_CT_LEN 1088
#define GMTLS_MLKEM1024_EK_LEN 1568
#define GMTLS_MLKEM1024_DK_LEN 3168
#define GMTLS_MLKEM1024_CT_LEN 1568
#define GMTLS_MLKEM_MAX_EK_LEN GMTLS_MLKEM1024_EK_LEN
#define GMTLS_MLKEM_MAX_DK_LEN GMTLS_MLKEM1024_DK_LEN
#define GMTLS_MLKEM_MAX_CT_LEN GMTLS_MLKEM1024_CT_LEN
#define GMTLS_MLKEM_SS_LEN 32
#define GMTLS_MLKEM_SEED_LEN 32 /* each of d, z, m */

/** The implementation path in use: "avx2" (4-way SHAKE for sampling the
 *  matrix and the noise) when the CPU has AVX2, else "portable".
 *  GMTLS_CPU=portable in the environment forces the portable path. Both
 *  give the same bytes. */
GMTLS_API const char *gmtls_mlkem_cpu_path(void);

/** Sizes of the encapsulation key, decapsulation key and ciphertext; 0 for
 *  an unknown parameter set. */
GMTLS_API size_t gmtls_mlkem_ek_len(gmtls_mlkem_param ps);
GMTLS_API size_t gmtls_mlkem_dk_len(gmtls_mlkem_param ps);
GMTLS_API size_t gmtls_mlkem_ct_len(gmtls_mlkem_param ps);

/** ML-KEM.KeyGen_internal(d, z) (FIPS 203 Algorithm 16): writes ek and dk
 *  (the expanded 768k+96-byte form). Returns 0, or -1 for an unknown ps. */
GMTLS_API int gmtls_mlkem_keygen_derand(gmtls_mlkem_param ps, uint8_t *ek, uint8_t *dk, const uint8_t d[32],
                                        const uint8_t z[32]);
/** ML-KEM.KeyGen (Algorithm 19) with d, z drawn from rng. 0 or -1. */
GMTLS_API int gmtls_mlkem_keygen(gmtls_mlkem_param ps, uint8_t *ek, uint8_t *dk, gmtls_rng_fn rng, void *rng_ctx);

/** FIPS 203 §7.2 encapsulation key check: the modulus check
 *  ByteEncode12(ByteDecode12(ek)) == ek (the length is the caller's, ek
 *  must hold gmtls_mlkem_ek_len(ps) bytes). 0 if valid, -1 otherwise. */
GMTLS_API int gmtls_mlkem_check_ek(gmtls_mlkem_param ps, const uint8_t *ek);
/** FIPS 203 §7.3 decapsulation key check: H(dk[384k : 768k+32]) ==
 *  dk[768k+32 : 768k+64]. 0 if valid, -1 otherwise. */
GMTLS_API int gmtls_mlkem_check_dk(gmtls_mlkem_param ps, const uint8_t *dk);

/** ML-KEM.Encaps_internal(ek, m) (Algorithm 17) after the §7.2 check:
 *  writes the ciphertext ct and the 32-byte shared secret ss. Returns 0, or
 *  -1 (ek fails the modulus check, unknown ps; ct and ss are then zero). */
GMTLS_API int gmtls_mlkem_encaps_derand(gmtls_mlkem_param ps, uint8_t *ct, uint8_t ss[32], const uint8_t *ek,
                                        const uint8_t m[32]);
/** ML-KEM.Encaps (Algorithm 20): m drawn from rng. 0 or -1. */
GMTLS_API int gmtls_mlkem_encaps(gmtls_mlkem_param ps, uint8_t *ct, uint8_t ss[32], const uint8_t *ek, gmtls_rng_fn rng,
                                 void *rng_ctx);
/** ML-KEM.Decaps (Algorithm 21) after the §7.3 check, with implicit
 *  rejection: a ciphertext that does not re-encrypt to itself yields
 *  J(z || ct), chosen in constant time. Returns 0 (ss written), or -1 (dk
 *  fails the hash check, unknown ps; ss is then zero). */
GMTLS_API int gmtls_mlkem_decaps(gmtls_mlkem_param ps, uint8_t ss[32], const uint8_t *ct, const uint8_t *dk);

#ifdef __cplusplus
}
#endif

#endif
