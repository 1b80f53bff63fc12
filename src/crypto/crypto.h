/* src/crypto/crypto.h - the algorithm registry: const vtables for hashes,
 * AEADs, key-exchange groups and signature schemes. openssl.c backs the
 * standard algorithms with libcrypto; sm.c adapts the native src/sm/ code.
 * The engine sees only these tables and never names an algorithm. */
#ifndef GMTLS_CRYPTO_H
#define GMTLS_CRYPTO_H

#include "common/common.h"

#define GMTLS_MAX_HASH_LEN 48
#define GMTLS_MAX_KEY_LEN 32
#define GMTLS_IV_LEN 12
#define GMTLS_TAG_LEN 16 /* the longest AEAD tag; each AEAD has its own tag_len */
/* The largest key_share: SecP384r1MLKEM1024, 97 + 1568 bytes both ways. */
#define GMTLS_MAX_KEX_PUB 1665
/* The largest shared secret: ffdhe8192, 1024 bytes (RFC 8446 §7.4.1: the
 * size of the prime). */
#define GMTLS_MAX_KEX_SECRET 1024
#define GMTLS_MAX_SIG_LEN 1024 /* RSA-8192 */

/* ------------------------------------------------------------ hash */

typedef struct gmtls_hash_alg gmtls_hash_alg;
typedef struct {
    const gmtls_hash_alg *alg;
    union {
        uint64_t sha2[28]; /* SHA256_CTX / SHA512_CTX (openssl.c checks the size) */
        gmtls_sm3_ctx sm3;
    } u;
} gmtls_hash_ctx;

struct gmtls_hash_alg {
    const char *name;
    size_t digest_len;
    size_t block_len;
    GMTLS_MUST_CHECK int (*init)(gmtls_hash_ctx *ctx);
    void (*update)(gmtls_hash_ctx *ctx, const void *p, size_t n);
    /* Writes the digest; the context must be re-initialised before reuse. */
    GMTLS_MUST_CHECK int (*final)(gmtls_hash_ctx *ctx, uint8_t *out);
    /* dst must be uninitialised or disposed. */
    GMTLS_MUST_CHECK int (*copy)(gmtls_hash_ctx *dst, const gmtls_hash_ctx *src);
    void (*dispose)(gmtls_hash_ctx *ctx);
};

extern const gmtls_hash_alg gmtls_hash_sha256, gmtls_hash_sha384, gmtls_hash_sm3;

/* One-shot digest of n parts. */
GMTLS_MUST_CHECK int gmtls_hash(const gmtls_hash_alg *alg, const void *p, size_t n, uint8_t *out);
/* An HMAC key with its padded blocks already absorbed (RFC 2104 §4: "the
 * intermediate results ... may be precomputed"), for a key used more than
 * once: each use then costs two compressions fewer. */
typedef struct {
    gmtls_hash_ctx inner, outer;
} gmtls_hmac_key;
GMTLS_MUST_CHECK int gmtls_hmac_key_init(gmtls_hmac_key *hk, const gmtls_hash_alg *alg, const uint8_t *key,
                                         size_t keylen);
/* HMAC under hk of the concatenation of up to three parts (NULL = none). */
GMTLS_MUST_CHECK int gmtls_hmac_keyed(const gmtls_hmac_key *hk, const uint8_t *p1, size_t n1, const uint8_t *p2,
                                      size_t n2, const uint8_t *p3, size_t n3, uint8_t *out);
void gmtls_hmac_key_wipe(gmtls_hmac_key *hk);
/* HMAC (RFC 2104) over the concatenation of up to three parts (NULL = none). */
GMTLS_MUST_CHECK int gmtls_hmac(const gmtls_hash_alg *alg, const uint8_t *key, size_t keylen, const uint8_t *p1,
                                size_t n1, const uint8_t *p2, size_t n2, const uint8_t *p3, size_t n3,
                                uint8_t *out);

/* ------------------------------------------------------------ AEAD */

typedef struct gmtls_aead_alg gmtls_aead_alg;
typedef struct {
    const gmtls_aead_alg *alg;
    void *impl;
    int is_enc;
} gmtls_aead_ctx;

struct gmtls_aead_alg {
    const char *name;
    size_t key_len;
    size_t tag_len; /* 16; 8 for AES-128-CCM-8 */
    /* RFC 8446 §5.5 / RFC 8998: records per key before a KeyUpdate is due. */
    uint64_t max_records;
    GMTLS_MUST_CHECK int (*init)(gmtls_aead_ctx *ctx, int is_enc, const uint8_t *key);
    /* In place; tag is tag_len bytes. */
    GMTLS_MUST_CHECK int (*seal)(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad,
                                 size_t aadlen, uint8_t *buf, size_t len, uint8_t *tag);
    /* In place; 0 if authentic, -1 otherwise (buf then holds no plaintext). */
    GMTLS_MUST_CHECK int (*open)(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad,
                                 size_t aadlen, uint8_t *buf, size_t len, const uint8_t *tag);
    void (*dispose)(gmtls_aead_ctx *ctx);
    /* Optional out-of-place forms (NULL: the record layer copies, then works
     * in place). seal_to encrypts in[0..inlen) || tail[0..taillen) into out;
     * open_to decrypts in[0..len) into out (nothing authentic is left in out
     * on failure). */
    GMTLS_MUST_CHECK int (*seal_to)(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad,
                                    size_t aadlen, const uint8_t *in, size_t inlen, const uint8_t *tail,
                                    size_t taillen, uint8_t *out, uint8_t *tag);
    GMTLS_MUST_CHECK int (*open_to)(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad,
                                    size_t aadlen, const uint8_t *in, size_t len, const uint8_t *tag, uint8_t *out);
};

extern const gmtls_aead_alg gmtls_aead_aes128gcm, gmtls_aead_aes256gcm, gmtls_aead_chacha20poly1305,
    gmtls_aead_aes128ccm, gmtls_aead_aes128ccm8, gmtls_aead_sm4gcm, gmtls_aead_sm4ccm;

/* ------------------------------------------------------------ suites */

typedef struct {
    uint16_t id;
    const char *name;
    const gmtls_aead_alg *aead;
    const gmtls_hash_alg *hash;
    int is_sm;
    int is_aes_gcm;
    int auth12; /* TLS 1.2 suites: the certificate key the suite needs (GMTLS_AUTH12_*); 0 for TLS 1.3 */
} gmtls_suite;

enum { GMTLS_AUTH12_ECDSA = 1, GMTLS_AUTH12_RSA = 2, GMTLS_AUTH12_SM2 = 3 };

const gmtls_suite *gmtls_suite_by_id(uint16_t id);
const gmtls_suite *gmtls_suite_by_name(const char *name);
extern const gmtls_suite gmtls_all_suites[];
extern const size_t gmtls_num_suites;
/* The TLS 1.2 suites (ECDHE with AEAD only): a table apart, so that no
 * TLS 1.3 code path ever sees one. */
const gmtls_suite *gmtls_suite12_by_id(uint16_t id);
extern const gmtls_suite gmtls_tls12_suites[];
extern const size_t gmtls_num_tls12_suites;
/* TLCP (GB/T 38636-2020 §6.4.5.2.1) suites, a table apart like TLS 1.2's:
 * SM2 signing and encryption certificates, SM3 for the PRF. */
const gmtls_suite *gmtls_tlcp_suite_by_id(uint16_t id);
extern const gmtls_suite gmtls_tlcp_suites[];
extern const size_t gmtls_num_tlcp_suites;

/* ------------------------------------------------------------ key exchange */

typedef struct gmtls_kex_alg gmtls_kex_alg;
struct gmtls_kex_alg {
    uint16_t id;
    const char *name;
    const char *alias; /* OpenSSL's name, or NULL */
    int is_sm;
    int is_legacy; /* a non-IANA code point of a deployed stack: offered only when listed explicitly */
    /* Makes a key pair; pub gets the key_share bytes (<= GMTLS_MAX_KEX_PUB). */
    GMTLS_MUST_CHECK int (*keygen)(void **state, uint8_t *pub, size_t *publen);
    /* Validates the peer share and derives the shared secret (<= GMTLS_MAX_KEX_SECRET bytes);
     * illegal_parameter for an invalid share. */
    GMTLS_MUST_CHECK int (*derive)(void *state, const uint8_t *peer, size_t peerlen, uint8_t *secret,
                                   size_t *secretlen);
    void (*free)(void *state);
    /* Optional (NULL: keygen, derive, free): the server's side in one call,
     * the peer share validated first, then our share and the secret. */
    GMTLS_MUST_CHECK int (*respond)(const uint8_t *peer, size_t peerlen, uint8_t *pub, size_t *publen,
                                    uint8_t *secret, size_t *secretlen);
    /* 1: in the default list, so a server accepts it, but a client offers it
     * (supported_groups, a key share, an HRR's choice) only when groups are
     * configured: the client's default offer stays as it was. */
    int client_opt_in;
};

const gmtls_kex_alg *gmtls_kex_by_id(uint16_t id);
const gmtls_kex_alg *gmtls_kex_by_name(const char *name);
extern const gmtls_kex_alg gmtls_kex_x25519, gmtls_kex_p256, gmtls_kex_p384, gmtls_kex_sm2, gmtls_kex_sm2_legacy;
/* X448, P-521 and the RFC 7919 finite-field groups (src/crypto/openssl.c) */
extern const gmtls_kex_alg gmtls_kex_x448, gmtls_kex_p521, gmtls_kex_ffdhe2048, gmtls_kex_ffdhe3072,
    gmtls_kex_ffdhe4096, gmtls_kex_ffdhe6144, gmtls_kex_ffdhe8192;
/* hybrid ECDHE + ML-KEM groups (src/crypto/hybrid.c) */
extern const gmtls_kex_alg gmtls_kex_x25519mlkem768, gmtls_kex_p256mlkem768, gmtls_kex_p384mlkem1024,
    gmtls_kex_sm2mlkem768;
/* 1 for a hybrid post-quantum group */
int gmtls_kex_is_hybrid(uint16_t id);
/* 1 if a client offers group k: legacy and opt-in groups only from a
 * configured list (groups_custom). */
int gmtls_kex_client_offers(const gmtls_kex_alg *k, int groups_custom);

/* ------------------------------------------------------------ keys, signatures */

typedef enum {
    GMTLS_KEY_NONE = 0,
    GMTLS_KEY_RSA,
    GMTLS_KEY_RSA_PSS,
    GMTLS_KEY_EC_P256,
    GMTLS_KEY_EC_P384,
    GMTLS_KEY_ED25519,
    GMTLS_KEY_EC_P521,
    GMTLS_KEY_ED448,
    GMTLS_KEY_SM2,
} gmtls_key_type;

/* A public or private key. evp is an EVP_PKEY; SM2 keys also carry the
 * native form used for signing and verification. */
typedef struct {
    gmtls_key_type type;
    void *evp;
    int has_private;
    int rsa_bits;
    gmtls_sm2_key *sm2;        /* private SM2 key (native), or NULL */
    gmtls_sm2_pubkey sm2pub;   /* public SM2 key (native) when type == SM2 */
    uint8_t sm2_z_rfc[32];     /* cached Z_A for the RFC 8998 ID (private keys) */
    uint8_t sm2_z_gbt[32];     /* cached Z_A for 1234567812345678 */
} gmtls_pkey;

typedef struct {
    uint16_t id;
    const char *name;
    gmtls_key_type key_type;
    const char *md; /* OpenSSL digest name, NULL for Ed25519/Ed448, "SM3" for SM2 */
    int is_pss;
    int in_cert_verify; /* 0: allowed in certificate signatures only */
    int is_sm;
    int is_legacy; /* a non-IANA code point of a deployed stack: offered only when listed explicitly */
} gmtls_sigalg;

const gmtls_sigalg *gmtls_sigalg_by_id(uint16_t id);
const gmtls_sigalg *gmtls_sigalg_by_name(const char *name);
extern const gmtls_sigalg gmtls_all_sigalgs[];
extern const size_t gmtls_num_sigalgs;
/* 1 if key can produce/verify signatures of scheme alg. */
int gmtls_sigalg_fits_key(const gmtls_sigalg *alg, const gmtls_pkey *key);

/* SM2 IDs of RFC 8998 §3.2.1 and GB/T 32918 (the default). */
#define GMTLS_SM2_ID_TLS13 "TLSv1.3+GM+Cipher+Suite"

/* Signs msg (the whole content to be signed; hashing is part of the scheme).
 * For SM2 the ID selects the Z value. */
GMTLS_MUST_CHECK int gmtls_sign(const gmtls_pkey *key, const gmtls_sigalg *alg, const uint8_t *msg, size_t len,
                                const uint8_t *sm2id, size_t sm2idlen, uint8_t *sig, size_t *siglen);
/* 0 if sig is a valid signature of msg under key with scheme alg, else -1. */
GMTLS_MUST_CHECK int gmtls_verify(const gmtls_pkey *key, const gmtls_sigalg *alg, const uint8_t *msg, size_t len,
                                  const uint8_t *sm2id, size_t sm2idlen, const uint8_t *sig, size_t siglen);

/* Takes ownership of an EVP_PKEY (private or public) and classifies it. */
GMTLS_MUST_CHECK int gmtls_pkey_from_evp(gmtls_pkey *key, void *evp, int is_private);
void gmtls_pkey_dispose(gmtls_pkey *key);

/* Random bytes from the system RNG (libcrypto). 0 or GMTLS_ERR_CRYPTO. */
/* Random bytes for public values (randoms, nonces, session ids) and for
 * secret ones (keys, ticket keys, signature nonces): OpenSSL's public and
 * private DRBGs, buffered per thread (openssl.c). */
GMTLS_MUST_CHECK int gmtls_random(uint8_t *out, size_t len);
GMTLS_MUST_CHECK int gmtls_random_secret(uint8_t *out, size_t len);
int gmtls_rng_cb(void *ctx, uint8_t *out, size_t len); /* gmtls_rng_fn shape, secret bytes */
/* 1 when the CPU has AES instructions (AES-GCM preferred over ChaCha20). */
int gmtls_cpu_has_aes(void);

#endif
