/*
 * gmtls/sm.h - the ShangMi primitives of gmtls: SM3, HMAC-SM3, HKDF-SM3,
 * SM4 (ECB, CBC, CTR, GCM, CCM) and SM2 (sign, verify, ECDH, public-key
 * encryption, the SM2 key exchange protocol).
 *
 * This header is usable on its own: it knows nothing of TLS and pulls in no
 * OpenSSL header. Link with -lgmtls.
 *
 * Every implementation reachable through this header is constant-time with
 * respect to keys, nonces, private scalars and plaintexts, unless its name
 * says otherwise (the one exception is gmtls_sm4_*_table_*, documented as
 * NOT constant-time). The fastest implementation for the running CPU is
 * chosen at first use; set the environment variable GMTLS_CPU to force one
 * (see gmtls_sm_cpu_path()).
 */
#ifndef GMTLS_SM_H
#define GMTLS_SM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef GMTLS_API
#define GMTLS_API __attribute__((visibility("default")))
#endif

/** Random source used by key generation and signing: fill out[0..len) with
 *  unpredictable bytes; return 0 on success, non-zero on failure. */
typedef int (*gmtls_rng_fn)(void *ctx, uint8_t *out, size_t len);

/** The library's own random source in that shape (ctx unused): OpenSSL's
 *  private DRBG, buffered per thread and wiped as it is handed out; safe
 *  across fork. Returns 0 on success. */
GMTLS_API int gmtls_rng(void *ctx, uint8_t *out, size_t len);

/** Name of the implementation path in use ("portable", "aesni-avx2",
 *  "gfni-avx2", "gfni-avx512", ...). GMTLS_CPU=<name> in the environment
 *  forces a path (falling back to "portable" when the CPU lacks it). */
GMTLS_API const char *gmtls_sm_cpu_path(void);

/* ------------------------------------------------------------------ SM3 */

#define GMTLS_SM3_DIGEST_LEN 32
#define GMTLS_SM3_BLOCK_LEN 64

typedef struct {
    uint32_t h[8];
    uint64_t nbytes;      /* total bytes absorbed */
    uint8_t buf[64];
    size_t buflen;
} gmtls_sm3_ctx;

GMTLS_API void gmtls_sm3_init(gmtls_sm3_ctx *ctx);
GMTLS_API void gmtls_sm3_update(gmtls_sm3_ctx *ctx, const void *data, size_t len);
/** Writes the digest and wipes the context. */
GMTLS_API void gmtls_sm3_final(gmtls_sm3_ctx *ctx, uint8_t out[GMTLS_SM3_DIGEST_LEN]);
GMTLS_API void gmtls_sm3(const void *data, size_t len, uint8_t out[GMTLS_SM3_DIGEST_LEN]);

typedef struct {
    gmtls_sm3_ctx inner;
    gmtls_sm3_ctx outer;
} gmtls_hmac_sm3_ctx;

GMTLS_API void gmtls_hmac_sm3_init(gmtls_hmac_sm3_ctx *ctx, const void *key, size_t keylen);
GMTLS_API void gmtls_hmac_sm3_update(gmtls_hmac_sm3_ctx *ctx, const void *data, size_t len);
/** Writes the 32-byte MAC and wipes the context. */
GMTLS_API void gmtls_hmac_sm3_final(gmtls_hmac_sm3_ctx *ctx, uint8_t out[GMTLS_SM3_DIGEST_LEN]);
GMTLS_API void gmtls_hmac_sm3(const void *key, size_t keylen, const void *data, size_t len,
                              uint8_t out[GMTLS_SM3_DIGEST_LEN]);

/** HKDF (RFC 5869) with HMAC-SM3. salt may be NULL/0 (= 32 zero bytes). */
GMTLS_API void gmtls_hkdf_sm3_extract(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
                                      size_t ikmlen, uint8_t prk[GMTLS_SM3_DIGEST_LEN]);
/** Returns 0, or -1 when outlen > 255*32. */
GMTLS_API int gmtls_hkdf_sm3_expand(const uint8_t *prk, size_t prklen, const uint8_t *info,
                                    size_t infolen, uint8_t *out, size_t outlen);

/* ------------------------------------------------------------------ SM4 */

#define GMTLS_SM4_KEY_LEN 16
#define GMTLS_SM4_BLOCK_LEN 16

/** Expanded SM4 key: round keys for encryption and, reversed, decryption. */
typedef struct {
    uint32_t rk_enc[32];
    uint32_t rk_dec[32];
} gmtls_sm4_key;

GMTLS_API void gmtls_sm4_set_key(gmtls_sm4_key *ks, const uint8_t key[GMTLS_SM4_KEY_LEN]);
GMTLS_API void gmtls_sm4_key_clear(gmtls_sm4_key *ks);
GMTLS_API void gmtls_sm4_encrypt_block(const gmtls_sm4_key *ks, const uint8_t in[16], uint8_t out[16]);
GMTLS_API void gmtls_sm4_decrypt_block(const gmtls_sm4_key *ks, const uint8_t in[16], uint8_t out[16]);

/** ECB over nblocks 16-byte blocks; in and out may be equal. */
GMTLS_API void gmtls_sm4_ecb_encrypt(const gmtls_sm4_key *ks, const uint8_t *in, uint8_t *out, size_t nblocks);
GMTLS_API void gmtls_sm4_ecb_decrypt(const gmtls_sm4_key *ks, const uint8_t *in, uint8_t *out, size_t nblocks);
/** CBC without padding over nblocks blocks; iv is updated to the last
 *  ciphertext block so calls can be chained. in and out may be equal. */
GMTLS_API void gmtls_sm4_cbc_encrypt(const gmtls_sm4_key *ks, uint8_t iv[16], const uint8_t *in, uint8_t *out, size_t nblocks);
GMTLS_API void gmtls_sm4_cbc_decrypt(const gmtls_sm4_key *ks, uint8_t iv[16], const uint8_t *in, uint8_t *out, size_t nblocks);
/** CTR: the 16-byte counter block is incremented as one 128-bit big-endian
 *  integer per block (as OpenSSL does). Any len; a partial final block is
 *  allowed only on the last call. ctr is updated. in and out may be equal. */
GMTLS_API void gmtls_sm4_ctr_xor(const gmtls_sm4_key *ks, uint8_t ctr[16], const uint8_t *in, uint8_t *out, size_t len);

/** SM4-GCM (NIST SP 800-38D with SM4). The context holds the key schedule
 *  and the GHASH key material; set up once per key, reused per message. */
typedef struct {
    gmtls_sm4_key ks;
    uint64_t htable[16][2]; /* GHASH precomputation; layout is private */
    uint8_t h[16];
    uint8_t opaque[512];    /* room for SIMD implementations' key material */
} gmtls_sm4_gcm_ctx;

GMTLS_API void gmtls_sm4_gcm_init(gmtls_sm4_gcm_ctx *ctx, const uint8_t key[GMTLS_SM4_KEY_LEN]);
GMTLS_API void gmtls_sm4_gcm_clear(gmtls_sm4_gcm_ctx *ctx);
/** Encrypts buf[0..len) in place and writes taglen (4..16) tag bytes.
 *  ivlen >= 1 (12 is the fast path). Returns 0, -1 on bad arguments. */
GMTLS_API int gmtls_sm4_gcm_seal(const gmtls_sm4_gcm_ctx *ctx, const uint8_t *iv, size_t ivlen,
                                 const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len,
                                 uint8_t *tag, size_t taglen);
/** Decrypts buf[0..len) in place; the tag is compared in constant time.
 *  Returns 0 when authentic; -1 otherwise, with buf wiped to zero. */
GMTLS_API int gmtls_sm4_gcm_open(const gmtls_sm4_gcm_ctx *ctx, const uint8_t *iv, size_t ivlen,
                                 const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len,
                                 const uint8_t *tag, size_t taglen);

/** SM4-CCM (NIST SP 800-38C with SM4). nonce 7..13 bytes, tag 4..16 even. */
typedef struct {
    gmtls_sm4_key ks;
} gmtls_sm4_ccm_ctx;

GMTLS_API void gmtls_sm4_ccm_init(gmtls_sm4_ccm_ctx *ctx, const uint8_t key[GMTLS_SM4_KEY_LEN]);
GMTLS_API void gmtls_sm4_ccm_clear(gmtls_sm4_ccm_ctx *ctx);
GMTLS_API int gmtls_sm4_ccm_seal(const gmtls_sm4_ccm_ctx *ctx, const uint8_t *nonce, size_t noncelen,
                                 const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len,
                                 uint8_t *tag, size_t taglen);
GMTLS_API int gmtls_sm4_ccm_open(const gmtls_sm4_ccm_ctx *ctx, const uint8_t *nonce, size_t noncelen,
                                 const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len,
                                 const uint8_t *tag, size_t taglen);

/* ------------------------------------------------------------------ SM2 */

#define GMTLS_SM2_SCALAR_LEN 32
#define GMTLS_SM2_POINT_LEN 65 /* 0x04 || x || y */
#define GMTLS_SM2_MAX_DER_SIG_LEN 72
#define GMTLS_SM2_DEFAULT_ID "1234567812345678"
#define GMTLS_SM2_DEFAULT_ID_LEN 16

/** A validated public key (affine point on the curve, not infinity). */
typedef struct {
    uint64_t x[4], y[4]; /* private representation */
    uint8_t bytes[GMTLS_SM2_POINT_LEN];
    uint8_t z_default[GMTLS_SM3_DIGEST_LEN]; /* Z_A for the default ID, cached */
} gmtls_sm2_pubkey;

/** A private key with its public key and cached signing values. */
typedef struct {
    uint64_t d[4];         /* private representation */
    uint64_t dinv1[4];     /* (1 + d)^-1 mod n, cached for signing */
    gmtls_sm2_pubkey pub;
} gmtls_sm2_key;

/** d is random in [1, n-2]. Returns 0, or -1 if the RNG fails. */
GMTLS_API int gmtls_sm2_keygen(gmtls_sm2_key *key, gmtls_rng_fn rng, void *rng_ctx);
/** Imports a 32-byte big-endian scalar; -1 unless 1 <= d <= n-2. */
GMTLS_API int gmtls_sm2_key_from_private(gmtls_sm2_key *key, const uint8_t d[GMTLS_SM2_SCALAR_LEN]);
GMTLS_API void gmtls_sm2_key_export_private(const gmtls_sm2_key *key, uint8_t d[GMTLS_SM2_SCALAR_LEN]);
GMTLS_API void gmtls_sm2_key_clear(gmtls_sm2_key *key);

/** Imports and validates an uncompressed point (0x04||x||y, 65 bytes):
 *  coordinates < p, on the curve, not infinity. Returns 0 or -1. */
GMTLS_API int gmtls_sm2_pubkey_from_bytes(gmtls_sm2_pubkey *pub, const uint8_t *in, size_t inlen);
GMTLS_API void gmtls_sm2_pubkey_to_bytes(const gmtls_sm2_pubkey *pub, uint8_t out[GMTLS_SM2_POINT_LEN]);

/** Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2 §5.5).
 *  idlen must be < 8192. Returns 0 or -1. */
GMTLS_API int gmtls_sm2_compute_z(const gmtls_sm2_pubkey *pub, const uint8_t *id, size_t idlen,
                                  uint8_t z[GMTLS_SM3_DIGEST_LEN]);

/** Signs the 32-byte e = SM3(Z_A || M) with a fresh k from rng: raw r, s. */
GMTLS_API int gmtls_sm2_sign_digest(const gmtls_sm2_key *key, const uint8_t e[32], gmtls_rng_fn rng,
                                    void *rng_ctx, uint8_t r[32], uint8_t s[32]);
/** Verifies raw (r, s) over e. Returns 0 if valid, -1 otherwise. */
GMTLS_API int gmtls_sm2_verify_digest(const gmtls_sm2_pubkey *pub, const uint8_t e[32],
                                      const uint8_t r[32], const uint8_t s[32]);

/** Full signature over msg with the given ID (NULL/0 = default ID
 *  "1234567812345678"), DER-encoded (SEQUENCE { INTEGER r, INTEGER s }) into
 *  sig (at least GMTLS_SM2_MAX_DER_SIG_LEN bytes). Returns 0 or -1. */
GMTLS_API int gmtls_sm2_sign(const gmtls_sm2_key *key, const uint8_t *id, size_t idlen,
                             const uint8_t *msg, size_t msglen, gmtls_rng_fn rng, void *rng_ctx,
                             uint8_t *sig, size_t *siglen);
/** Verifies a DER signature over msg with the given ID (NULL/0 = default).
 *  Strict DER; r and s must lie in [1, n-1]. Returns 0 if valid, -1 otherwise. */
GMTLS_API int gmtls_sm2_verify(const gmtls_sm2_pubkey *pub, const uint8_t *id, size_t idlen,
                               const uint8_t *msg, size_t msglen, const uint8_t *sig, size_t siglen);

/** DER helpers: encode raw r||s; decode strictly (minimal INTEGERs, no
 *  trailing bytes, values in [1, n-1]). Return 0 or -1. */
GMTLS_API int gmtls_sm2_sig_to_der(const uint8_t r[32], const uint8_t s[32], uint8_t *out, size_t *outlen);
GMTLS_API int gmtls_sm2_sig_from_der(const uint8_t *der, size_t derlen, uint8_t r[32], uint8_t s[32]);

/** Plain ECDH on the SM2 curve: out = x-coordinate of d * peer (RFC 8998
 *  §3.2.1). The peer was validated on import; -1 if the result is infinity. */
GMTLS_API int gmtls_sm2_ecdh(const gmtls_sm2_key *key, const gmtls_sm2_pubkey *peer,
                             uint8_t out[GMTLS_SM2_SCALAR_LEN]);

/** Key generation for ECDH only: d and P = dG as gmtls_sm2_keygen draws
 *  and computes them, without (1 + d)^-1 and Z_A (only signing needs them).
 *  The key serves gmtls_sm2_ecdh and gmtls_sm2_pubkey_to_bytes and must
 *  not sign (signing with it fails). Returns 0, or -1 if the RNG fails. */
GMTLS_API int gmtls_sm2_keygen_ecdh(gmtls_sm2_key *key, gmtls_rng_fn rng, void *rng_ctx);
/** gmtls_sm2_pubkey_from_bytes without Z_A (the same validation: 65-byte
 *  uncompressed encoding, coordinates < p, on the curve), for ECDH peers;
 *  such a key must not verify signatures. Returns 0 or -1. */
GMTLS_API int gmtls_sm2_pubkey_from_bytes_ecdh(gmtls_sm2_pubkey *pub, const uint8_t *in, size_t inlen);
/** The responder's side of an ephemeral exchange (a TLS server's curveSM2
 *  share) in one call: an ECDH-only key as gmtls_sm2_keygen_ecdh makes
 *  it, and out = x-coordinate of d * peer, sharing one field inversion.
 *  Returns 0, or -1 (RNG failure or infinite result; key is then wiped). */
GMTLS_API int gmtls_sm2_ecdh_ephemeral(gmtls_sm2_key *key, const gmtls_sm2_pubkey *peer, gmtls_rng_fn rng,
                                       void *rng_ctx, uint8_t out[GMTLS_SM2_SCALAR_LEN]);

/* ------------------------------------------------- SM2 public-key encryption */

/* GB/T 32918.4-2016 ciphertext C = C1 || C3 || C2 (C1 = [k]G, C3 = SM3(x2 ||
 * M || y2), C2 = M xor KDF(x2 || y2)) in one of two encodings:
 *  GMTLS_SM2_ENC_DER:    SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING
 *                        (32), ciphertext OCTET STRING } (GM/T 0009; what
 *                        TLCP, OpenSSL and GmSSL exchange);
 *  GMTLS_SM2_ENC_C1C3C2: 04 || x1 || y1 || C3 || C2 (65 + 32 + len bytes). */
#define GMTLS_SM2_ENC_DER 0
#define GMTLS_SM2_ENC_C1C3C2 1
/** Longest plaintext accepted (1 MiB); the shortest is 1 byte. */
#define GMTLS_SM2_ENC_MAX_MSG_LEN (1u << 20)

/** Upper bound on the ciphertext length for msglen plaintext bytes in the
 *  given format (exact for C1C3C2; DER may come out a few bytes shorter). */
GMTLS_API size_t gmtls_sm2_ciphertext_len(int format, size_t msglen);
/** Encrypts msg (1..GMTLS_SM2_ENC_MAX_MSG_LEN bytes) to pub with a fresh k
 *  from rng into out[0..outcap). Returns 0 with *outlen set, or -1. */
GMTLS_API int gmtls_sm2_encrypt(const gmtls_sm2_pubkey *pub, int format, const uint8_t *msg, size_t msglen,
                                gmtls_rng_fn rng, void *rng_ctx, uint8_t *out, size_t outcap, size_t *outlen);
/** Decrypts in (strict DER, or C1C3C2) with key into out[0..outcap)
 *  (outcap >= the C2 length, at most inlen). C1 must be on the curve, t
 *  non-zero and C3 correct (compared in constant time); any failure
 *  returns -1 with nothing written to out. Returns 0 with *outlen set. */
GMTLS_API int gmtls_sm2_decrypt(const gmtls_sm2_key *key, int format, const uint8_t *in, size_t inlen, uint8_t *out,
                                size_t outcap, size_t *outlen);

/* ------------------------------------------------ SM2 key exchange protocol */

/** The SM2 key exchange protocol (GB/T 32918.3-2016 §6.1) from one side:
 *  self/self_id are this side's static key pair and ID, self_eph its
 *  ephemeral pair (r, R = [r]G, e.g. from gmtls_sm2_keygen_ecdh), peer /
 *  peer_eph / peer_id the other side's public keys and ID (peer_eph
 *  validated on import, e.g. gmtls_sm2_pubkey_from_bytes_ecdh). IDs NULL/0
 *  mean the default ID. initiator = 1 for user A, 0 for user B.
 *  Writes keylen (1..1024) bytes of K to key and, when not NULL, the
 *  optional confirmation hashes: s_send is the one to send (S_A for the
 *  initiator, S_B for the responder); s_expect the value the peer's must
 *  equal (S_1 for the initiator, S_2 for the responder; compare it in
 *  constant time). Returns 0, or -1 (bad arguments, U/V at infinity). */
GMTLS_API int gmtls_sm2_kex(int initiator, const gmtls_sm2_key *self, const gmtls_sm2_key *self_eph,
                            const uint8_t *self_id, size_t self_idlen, const gmtls_sm2_pubkey *peer,
                            const gmtls_sm2_pubkey *peer_eph, const uint8_t *peer_id, size_t peer_idlen, uint8_t *key,
                            size_t keylen, uint8_t s_send[GMTLS_SM3_DIGEST_LEN],
                            uint8_t s_expect[GMTLS_SM3_DIGEST_LEN]);
#define GMTLS_SM2_KEX_MAX_KEY_LEN 1024

#ifdef __cplusplus
}
#endif
#endif
