/* The standard algorithms through OpenSSL libcrypto (EVP): SHA-256/384,
 * AES-GCM, AES-CCM, ChaCha20-Poly1305, X25519, X448, P-256, P-384, P-521,
 * the RFC 7919 FFDHE groups, ECDSA, RSA-PSS, Ed25519, Ed448, RSA PKCS#1 v1.5
 * (certificate signatures only), and the RNG.
 * Algorithms are fetched once; cipher contexts are made once per traffic key. */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* SHA-256/384 through the plain-struct interface: no allocation and no
 * provider lookup per hash, which the key schedule does dozens of times per
 * handshake. The functions are deprecated in OpenSSL 3 but fully supported. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "crypto/crypto.h"
#include "gmtls/sm.h"
#include "sm/sm_internal.h"

static EVP_CIPHER *c_aes128gcm, *c_aes256gcm, *c_chacha, *c_aes128ccm;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
    c_aes128gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    c_aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    c_chacha = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
    c_aes128ccm = EVP_CIPHER_fetch(NULL, "AES-128-CCM", NULL);
}

static void fetch(void)
{
    pthread_once(&fetch_once, fetch_all);
}

/*
 * Randomness. OpenSSL 3.0's RAND_bytes costs ~0.65 us even for 32 bytes
 * (its CTR-DRBG re-keys after every request) and several us when its code
 * is cold, as between the connections of a busy server; a handshake draws
 * three or four times. So each thread keeps 512 bytes from one request and
 * hands them out, wiping each byte from the buffer as it leaves: public
 * values (randoms, nonces) from OpenSSL's public DRBG, secret ones (keys,
 * signature nonces) from its private DRBG, in two buffers, as OpenSSL
 * separates them. The buffers live in a page mapped MADV_WIPEONFORK: a child
 * process (fork, or clone without shared memory) sees the page zeroed, which
 * reads as empty, so parent and child never hand out the same bytes. Where the kernel refuses
 * that (before Linux 4.14), or for requests above 128 bytes, OpenSSL is
 * called directly.
 */
#define RNG_BUF 512
typedef struct {
    uint8_t buf[2][RNG_BUF];
    size_t avail[2]; /* bytes left at the end of buf[i]; 0 (a wiped page) is empty */
} rng_page;

#define RNG_PAGE_BYTES ((sizeof(rng_page) + 4095) & ~(size_t)4095)

static pthread_key_t rng_key;
static pthread_once_t rng_once = PTHREAD_ONCE_INIT;
static int rng_key_ok;
static __thread rng_page *rng_tls;
static __thread int rng_tls_tried;

/* thread exit: the unused bytes are wiped with the page */
static void rng_page_free(void *p)
{
    OPENSSL_cleanse(p, sizeof(rng_page));
    munmap(p, RNG_PAGE_BYTES);
}

static void rng_key_init(void)
{
    rng_key_ok = pthread_key_create(&rng_key, rng_page_free) == 0;
}

/* When the library is unloaded (dlclose), threads that outlive it must not
 * call rng_page_free, which goes with it: their pages are then simply
 * unmapped at process exit. */
__attribute__((destructor)) static void rng_fini(void)
{
    if (rng_key_ok) {
        rng_key_ok = 0;
        pthread_key_delete(rng_key);
    }
}

static rng_page *rng_page_get(void)
{
    if (!rng_tls_tried) {
        rng_tls_tried = 1;
        pthread_once(&rng_once, rng_key_init);
        void *p = mmap(NULL, RNG_PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            if (rng_key_ok && madvise(p, RNG_PAGE_BYTES, MADV_WIPEONFORK) == 0 && pthread_setspecific(rng_key, p) == 0) {
                rng_tls = p;
            } else {
                munmap(p, RNG_PAGE_BYTES);
            }
        }
    }
    return rng_tls;
}

static int rng_draw(int secret, uint8_t *out, size_t len)
{
    int (*fill)(unsigned char *, int) = secret ? RAND_priv_bytes : RAND_bytes;
    rng_page *pg = len <= RNG_BUF / 4 ? rng_page_get() : NULL;
    if (pg == NULL) {
        return len <= INT_MAX && fill(out, (int)len) == 1 ? 0 : GMTLS_ERR_CRYPTO;
    }
    if (pg->avail[secret] < len) {
        /* the few bytes left over are overwritten unused */
        if (fill(pg->buf[secret], RNG_BUF) != 1) {
            OPENSSL_cleanse(pg->buf[secret], RNG_BUF);
            pg->avail[secret] = 0;
            return GMTLS_ERR_CRYPTO;
        }
        pg->avail[secret] = RNG_BUF;
    }
    uint8_t *src = pg->buf[secret] + (RNG_BUF - pg->avail[secret]);
    memcpy(out, src, len);
    OPENSSL_cleanse(src, len);
    pg->avail[secret] -= len;
    return 0;
}

int gmtls_random(uint8_t *out, size_t len)
{
    return rng_draw(0, out, len);
}

int gmtls_random_secret(uint8_t *out, size_t len)
{
    return rng_draw(1, out, len);
}

int gmtls_rng_cb(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    return gmtls_random_secret(out, len) == 0 ? 0 : -1;
}

GMTLS_API int gmtls_rng(void *ctx, uint8_t *out, size_t len)
{
    return gmtls_rng_cb(ctx, out, len);
}

int gmtls_cpu_has_aes(void)
{
#if defined(__x86_64__) || defined(__i386__)
    /* the library's one CPU probe (src/sm/cpu_features.c) */
    return gmtls_cpu_has(GMTLS_CPUF_AES) && gmtls_cpu_has(GMTLS_CPUF_PCLMUL);
#elif defined(__aarch64__)
    return 1;
#else
    return 0;
#endif
}

/* ------------------------------------------------------------ hashes */

_Static_assert(sizeof(SHA512_CTX) <= sizeof(((gmtls_hash_ctx *)0)->u.sha2), "hash context too small");
_Static_assert(sizeof(SHA256_CTX) <= sizeof(((gmtls_hash_ctx *)0)->u.sha2), "hash context too small");

static int sha256_init(gmtls_hash_ctx *ctx)
{
    return SHA256_Init((SHA256_CTX *)ctx->u.sha2) == 1 ? 0 : GMTLS_ERR_CRYPTO;
}

static void sha256_update(gmtls_hash_ctx *ctx, const void *p, size_t n)
{
    SHA256_Update((SHA256_CTX *)ctx->u.sha2, p, n);
}

static int sha256_final(gmtls_hash_ctx *ctx, uint8_t *out)
{
    int ok = SHA256_Final(out, (SHA256_CTX *)ctx->u.sha2);
    gmtls_wipe(ctx->u.sha2, sizeof ctx->u.sha2);
    return ok == 1 ? 0 : GMTLS_ERR_CRYPTO;
}

static int sha384_init(gmtls_hash_ctx *ctx)
{
    return SHA384_Init((SHA512_CTX *)ctx->u.sha2) == 1 ? 0 : GMTLS_ERR_CRYPTO;
}

static void sha384_update(gmtls_hash_ctx *ctx, const void *p, size_t n)
{
    SHA384_Update((SHA512_CTX *)ctx->u.sha2, p, n);
}

static int sha384_final(gmtls_hash_ctx *ctx, uint8_t *out)
{
    int ok = SHA384_Final(out, (SHA512_CTX *)ctx->u.sha2);
    gmtls_wipe(ctx->u.sha2, sizeof ctx->u.sha2);
    return ok == 1 ? 0 : GMTLS_ERR_CRYPTO;
}

static int sha2_copy(gmtls_hash_ctx *dst, const gmtls_hash_ctx *src)
{
    *dst = *src;
    return 0;
}

static void sha2_dispose(gmtls_hash_ctx *ctx)
{
    gmtls_wipe(ctx->u.sha2, sizeof ctx->u.sha2);
}

const gmtls_hash_alg gmtls_hash_sha256 = {"SHA256", 32, 64, sha256_init, sha256_update, sha256_final, sha2_copy,
                                          sha2_dispose};
const gmtls_hash_alg gmtls_hash_sha384 = {"SHA384", 48, 128, sha384_init, sha384_update, sha384_final, sha2_copy,
                                          sha2_dispose};

/* ------------------------------------------------------------ AEADs */

static const EVP_CIPHER *cipher_of(const gmtls_aead_alg *alg)
{
    fetch();
    if (alg == &gmtls_aead_aes128gcm) {
        return c_aes128gcm;
    }
    return alg == &gmtls_aead_aes256gcm ? c_aes256gcm : c_chacha;
}

static int evp_aead_init(gmtls_aead_ctx *ctx, int is_enc, const uint8_t *key)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    const EVP_CIPHER *cipher = cipher_of(ctx->alg);
    if (c == NULL || cipher == NULL || !EVP_CipherInit_ex2(c, cipher, key, NULL, is_enc, NULL)) {
        EVP_CIPHER_CTX_free(c);
        return GMTLS_ERR_CRYPTO;
    }
    ctx->impl = c;
    ctx->is_enc = is_enc;
    return 0;
}

static int evp_aead_seal(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad, size_t aadlen,
                         uint8_t *buf, size_t len, uint8_t *tag)
{
    EVP_CIPHER_CTX *c = ctx->impl;
    int outl;
    if (!EVP_CipherInit_ex2(c, NULL, NULL, nonce, 1, NULL) || !EVP_CipherUpdate(c, NULL, &outl, aad, (int)aadlen) ||
        (len > 0 && !EVP_CipherUpdate(c, buf, &outl, buf, (int)len)) || !EVP_CipherFinal_ex(c, buf + len, &outl) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)ctx->alg->tag_len, tag)) {
        return GMTLS_ERR_CRYPTO;
    }
    return 0;
}

static int evp_aead_open(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad, size_t aadlen,
                         uint8_t *buf, size_t len, const uint8_t *tag)
{
    EVP_CIPHER_CTX *c = ctx->impl;
    int outl;
    if (!EVP_CipherInit_ex2(c, NULL, NULL, nonce, 0, NULL) || !EVP_CipherUpdate(c, NULL, &outl, aad, (int)aadlen) ||
        (len > 0 && !EVP_CipherUpdate(c, buf, &outl, buf, (int)len)) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)ctx->alg->tag_len, (void *)tag) ||
        EVP_CipherFinal_ex(c, buf + len, &outl) <= 0) {
        gmtls_wipe(buf, len);
        return -1;
    }
    return 0;
}

static int evp_aead_seal_to(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad,
                            size_t aadlen, const uint8_t *in, size_t inlen, const uint8_t *tail, size_t taillen,
                            uint8_t *out, uint8_t *tag)
{
    EVP_CIPHER_CTX *c = ctx->impl;
    int outl;
    if (!EVP_CipherInit_ex2(c, NULL, NULL, nonce, 1, NULL) || !EVP_CipherUpdate(c, NULL, &outl, aad, (int)aadlen) ||
        (inlen > 0 && !EVP_CipherUpdate(c, out, &outl, in, (int)inlen)) ||
        (taillen > 0 && !EVP_CipherUpdate(c, out + inlen, &outl, tail, (int)taillen)) ||
        !EVP_CipherFinal_ex(c, out + inlen + taillen, &outl) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)ctx->alg->tag_len, tag)) {
        return GMTLS_ERR_CRYPTO;
    }
    return 0;
}

static int evp_aead_open_to(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad,
                            size_t aadlen, const uint8_t *in, size_t len, const uint8_t *tag, uint8_t *out)
{
    EVP_CIPHER_CTX *c = ctx->impl;
    int outl;
    if (!EVP_CipherInit_ex2(c, NULL, NULL, nonce, 0, NULL) || !EVP_CipherUpdate(c, NULL, &outl, aad, (int)aadlen) ||
        (len > 0 && !EVP_CipherUpdate(c, out, &outl, in, (int)len)) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)ctx->alg->tag_len, (void *)tag) ||
        EVP_CipherFinal_ex(c, out + len, &outl) <= 0) {
        gmtls_wipe(out, len);
        return -1;
    }
    return 0;
}

static void evp_aead_dispose(gmtls_aead_ctx *ctx)
{
    EVP_CIPHER_CTX_free(ctx->impl); /* cleanses the key schedule */
    ctx->impl = NULL;
}

/* RFC 8446 §5.5: AES-GCM keys protect at most 2^24.5 full-size records;
 * ChaCha20-Poly1305 has no practical limit (we rekey at 2^60 anyway). */
const gmtls_aead_alg gmtls_aead_aes128gcm = {"AES-128-GCM", 16, 16, 23726566ULL, evp_aead_init, evp_aead_seal,
                                             evp_aead_open, evp_aead_dispose, evp_aead_seal_to, evp_aead_open_to};
const gmtls_aead_alg gmtls_aead_aes256gcm = {"AES-256-GCM", 32, 16, 23726566ULL, evp_aead_init, evp_aead_seal,
                                             evp_aead_open, evp_aead_dispose, evp_aead_seal_to, evp_aead_open_to};
const gmtls_aead_alg gmtls_aead_chacha20poly1305 = {"ChaCha20-Poly1305", 32, 16, 1ULL << 60, evp_aead_init,
                                                    evp_aead_seal, evp_aead_open, evp_aead_dispose, evp_aead_seal_to, evp_aead_open_to};

/*
 * AES-128-CCM (RFC 8446 §B.4: AEAD_AES_128_CCM and AEAD_AES_128_CCM_8 of
 * RFC 5116 / RFC 6655: 12-byte nonce, so L = 3, and a 16- or 8-byte tag).
 * CCM needs the tag and nonce lengths before the key (libcrypto builds the
 * CCM state from them when the key is set), the total message length before
 * the AAD, and the whole message in one update; so there is no seal_to /
 * open_to (the record layer copies, then seals in place).
 */
static int ccm_init(gmtls_aead_ctx *ctx, int is_enc, const uint8_t *key)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    fetch();
    if (c == NULL || c_aes128ccm == NULL || !EVP_CipherInit_ex2(c, c_aes128ccm, NULL, NULL, is_enc, NULL) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, GMTLS_IV_LEN, NULL) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)ctx->alg->tag_len, NULL) ||
        !EVP_CipherInit_ex2(c, NULL, key, NULL, is_enc, NULL)) {
        EVP_CIPHER_CTX_free(c);
        return GMTLS_ERR_CRYPTO;
    }
    ctx->impl = c;
    ctx->is_enc = is_enc;
    return 0;
}

static int ccm_seal(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad, size_t aadlen,
                    uint8_t *buf, size_t len, uint8_t *tag)
{
    EVP_CIPHER_CTX *c = ctx->impl;
    int outl;
    if (len > INT_MAX || aadlen > INT_MAX || !EVP_CipherInit_ex2(c, NULL, NULL, nonce, 1, NULL) ||
        !EVP_CipherUpdate(c, NULL, &outl, NULL, (int)len) || !EVP_CipherUpdate(c, NULL, &outl, aad, (int)aadlen) ||
        !EVP_CipherUpdate(c, buf, &outl, buf, (int)len) || !EVP_CipherFinal_ex(c, buf + len, &outl) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)ctx->alg->tag_len, tag)) {
        return GMTLS_ERR_CRYPTO;
    }
    return 0;
}

static int ccm_open(gmtls_aead_ctx *ctx, const uint8_t nonce[GMTLS_IV_LEN], const uint8_t *aad, size_t aadlen,
                    uint8_t *buf, size_t len, const uint8_t *tag)
{
    EVP_CIPHER_CTX *c = ctx->impl;
    int outl;
    /* libcrypto checks the tag (in constant time) in the data update and
     * wipes the output when it does not match */
    if (len > INT_MAX || aadlen > INT_MAX || !EVP_CipherInit_ex2(c, NULL, NULL, nonce, 0, NULL) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)ctx->alg->tag_len, (void *)tag) ||
        !EVP_CipherUpdate(c, NULL, &outl, NULL, (int)len) || !EVP_CipherUpdate(c, NULL, &outl, aad, (int)aadlen) ||
        EVP_CipherUpdate(c, buf, &outl, buf, (int)len) <= 0) {
        gmtls_wipe(buf, len);
        return -1;
    }
    return 0;
}

/* RFC 8446 §5.5 bounds only AES-GCM and ChaCha20-Poly1305. CCM makes two AES
 * calls per block (CTR and CBC-MAC), so the birthday margin AES-GCM has at
 * 2^24.5 full-size records is reached at about half as many (2^23.5); we
 * rekey at 2^23.
 * The 8-byte tag of CCM_8 weakens forgery resistance per attempt (2^-64),
 * not the confidentiality limit; a TLS connection dies at the first failed
 * tag, so one attempt is all a forger gets per connection. */
const gmtls_aead_alg gmtls_aead_aes128ccm = {"AES-128-CCM",    16,   16,  1ULL << 23, ccm_init, ccm_seal, ccm_open,
                                             evp_aead_dispose, NULL, NULL};
const gmtls_aead_alg gmtls_aead_aes128ccm8 = {"AES-128-CCM-8",  16,   8,   1ULL << 23, ccm_init, ccm_seal, ccm_open,
                                              evp_aead_dispose, NULL, NULL};

/* ------------------------------------------------------------ key exchange */

static int evp_keygen(const char *alg, const char *group, void **state, uint8_t *pub, size_t *publen)
{
    EVP_PKEY *k = group ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", group) : EVP_PKEY_Q_keygen(NULL, NULL, alg);
    if (k == NULL) {
        return GMTLS_ERR_CRYPTO;
    }
    size_t n = 0;
    int ok = group ? EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub, GMTLS_MAX_KEX_PUB, &n)
                   : EVP_PKEY_get_raw_public_key(k, pub, (n = GMTLS_MAX_KEX_PUB, &n));
    if (!ok) {
        EVP_PKEY_free(k);
        return GMTLS_ERR_CRYPTO;
    }
    *publen = n;
    *state = k;
    return 0;
}

static int evp_derive(EVP_PKEY *mine, EVP_PKEY *peer, uint8_t *secret, size_t *secretlen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
    size_t n = GMTLS_MAX_KEX_SECRET;
    int ok = c != NULL && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_derive_set_peer_ex(c, peer, 1) > 0 &&
             EVP_PKEY_derive(c, secret, &n) > 0;
    EVP_PKEY_CTX_free(c);
    if (!ok) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    *secretlen = n;
    return 0;
}

/*
 * X25519 without EVP_PKEY_keygen. OpenSSL 3.0 derives an X25519 public key
 * with its generic fixed-base code, which is slower (~40 us here) than the
 * assembly Montgomery ladder behind EVP_PKEY_derive (~31 us). So the key
 * pair is made as RFC 7748 §6.1 defines it -- 32 random bytes k and the
 * public value X25519(k, 9) -- computed through the ladder: the private key
 * is imported together with the base point u = 9 as a placeholder public
 * value (import does not recompute it), X25519(k, 9) is derived against the
 * base point, and the same context then derives the shared secret. The
 * placeholder never leaves this file: only the private half of the EVP_PKEY
 * is ever used.
 */
typedef struct {
    EVP_PKEY *key;
    EVP_PKEY_CTX *ctx; /* derive context on key */
} x25519_state;

/* RFC 8446 §7.4.2: for X25519 and X448, "implementations MUST check whether
 * the computed Diffie-Hellman shared secret is the all-zero value and abort
 * if so" (constant time: the secret is not inspected byte by byte). */
static int ecx_zero_check(const uint8_t *secret, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= secret[i];
    }
    return acc == 0 ? GMTLS_ALERT_ILLEGAL_PARAMETER : 0;
}

/* RFC 7748 §4.1: the base point has u = 9. */
static const uint8_t x25519_base_u[32] = {9};
static EVP_PKEY *x25519_base;
static pthread_once_t x25519_base_once = PTHREAD_ONCE_INIT;

static void x25519_base_init(void)
{
    x25519_base = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, x25519_base_u, 32);
}

static void x25519_state_free(void *state)
{
    x25519_state *st = state;
    if (st != NULL) {
        EVP_PKEY_CTX_free(st->ctx);
        EVP_PKEY_free(st->key);
        free(st);
    }
}

/* The key pair through EVP_PKEY_Q_keygen: used if the fast path is refused. */
static int x25519_keygen_evp(x25519_state *st, uint8_t *pub, size_t *publen)
{
    size_t n = 32;
    st->key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (st->key == NULL || !EVP_PKEY_get_raw_public_key(st->key, pub, &n) || n != 32) {
        return GMTLS_ERR_CRYPTO;
    }
    st->ctx = EVP_PKEY_CTX_new_from_pkey(NULL, st->key, NULL);
    if (st->ctx == NULL || EVP_PKEY_derive_init(st->ctx) <= 0) {
        return GMTLS_ERR_CRYPTO;
    }
    *publen = 32;
    return 0;
}

static int x25519_keygen(void **state, uint8_t *pub, size_t *publen)
{
    x25519_state *st = calloc(1, sizeof(*st));
    uint8_t k[32];
    int rc = GMTLS_ERR_CRYPTO;
    if (st == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    pthread_once(&x25519_base_once, x25519_base_init);
    /* RFC 7748 §6.1: "Alice generates 32 random bytes in a[0] to a[31]". */
    if (x25519_base != NULL && RAND_priv_bytes(k, sizeof k) == 1) {
        OSSL_PARAM params[3] = {
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, k, sizeof k),
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)x25519_base_u, 32),
            OSSL_PARAM_construct_end(),
        };
        EVP_PKEY_CTX *fc = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
        int ok = fc != NULL && EVP_PKEY_fromdata_init(fc) > 0 &&
                 EVP_PKEY_fromdata(fc, &st->key, EVP_PKEY_KEYPAIR, params) > 0;
        EVP_PKEY_CTX_free(fc);
        size_t n = 32;
        /* RFC 7748 §6.1: "...and computes X25519(a, 9)". */
        ok = ok && (st->ctx = EVP_PKEY_CTX_new_from_pkey(NULL, st->key, NULL)) != NULL &&
             EVP_PKEY_derive_init(st->ctx) > 0 && EVP_PKEY_derive_set_peer_ex(st->ctx, x25519_base, 0) > 0 &&
             EVP_PKEY_derive(st->ctx, pub, &n) > 0 && n == 32;
        if (ok) {
            *publen = 32;
            rc = 0;
        }
    }
    gmtls_wipe(k, sizeof k);
    if (rc != 0) {
        EVP_PKEY_CTX_free(st->ctx);
        EVP_PKEY_free(st->key);
        st->ctx = NULL;
        st->key = NULL;
        rc = x25519_keygen_evp(st, pub, publen);
    }
    if (rc != 0) {
        x25519_state_free(st);
        return rc;
    }
    *state = st;
    return 0;
}

static int x25519_derive(void *state, const uint8_t *peer, size_t peerlen, uint8_t *secret, size_t *secretlen)
{
    x25519_state *st = state;
    /* RFC 8446 §4.2.8.2: X25519 public values are 32 bytes. */
    if (peerlen != 32) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    /* A copy of the base point's key with the peer's value set is half the
     * cost of a new key object (no method fetch). */
    EVP_PKEY *p = x25519_base != NULL ? EVP_PKEY_dup(x25519_base) : NULL;
    if (p != NULL && EVP_PKEY_set1_encoded_public_key(p, peer, peerlen) != 1) {
        EVP_PKEY_free(p);
        p = NULL;
    }
    if (p == NULL) {
        p = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, peerlen);
    }
    if (p == NULL) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    size_t n = 32;
    /* Every 32-byte string is an acceptable u-coordinate (RFC 7748 §5); the
     * check that matters is the all-zero result below. */
    int ok = EVP_PKEY_derive_set_peer_ex(st->ctx, p, 0) > 0 && EVP_PKEY_derive(st->ctx, secret, &n) > 0 && n == 32;
    EVP_PKEY_free(p);
    if (!ok) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    *secretlen = n;
    return ecx_zero_check(secret, n);
}

static int ec_derive(const char *group, size_t plen, void *state, const uint8_t *peer, size_t peerlen,
                     uint8_t *secret, size_t *secretlen)
{
    /* RFC 8446 §4.2.8.2: ECDHE shares are UncompressedPointRepresentation
     * (0x04 || X || Y); peers MUST validate the point. */
    if (peerlen != plen || peer[0] != 4) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    OSSL_PARAM params[3] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)peer, peerlen),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *p = NULL;
    int ok = c != NULL && EVP_PKEY_fromdata_init(c) > 0 && EVP_PKEY_fromdata(c, &p, EVP_PKEY_PUBLIC_KEY, params) > 0;
    EVP_PKEY_CTX_free(c);
    if (ok) {
        c = EVP_PKEY_CTX_new_from_pkey(NULL, p, NULL);
        /* NIST SP 800-56A rev 3 §5.6.2.3.4 partial validation: coordinates in
         * range, on the curve, not the point at infinity. P-256 and P-384 have
         * cofactor 1, so that is full validation; EVP_PKEY_public_check would
         * add an n*Q = O scalar multiplication per handshake. */
        ok = c != NULL && EVP_PKEY_public_check_quick(c) > 0;
        EVP_PKEY_CTX_free(c);
    }
    int r = ok ? evp_derive(state, p, secret, secretlen) : GMTLS_ALERT_ILLEGAL_PARAMETER;
    EVP_PKEY_free(p);
    return r;
}

static int p256_keygen(void **state, uint8_t *pub, size_t *publen)
{
    return evp_keygen("EC", "P-256", state, pub, publen);
}

static int p256_derive(void *state, const uint8_t *peer, size_t peerlen, uint8_t *secret, size_t *secretlen)
{
    return ec_derive("P-256", 65, state, peer, peerlen, secret, secretlen);
}

static int p384_keygen(void **state, uint8_t *pub, size_t *publen)
{
    return evp_keygen("EC", "P-384", state, pub, publen);
}

static int p384_derive(void *state, const uint8_t *peer, size_t peerlen, uint8_t *secret, size_t *secretlen)
{
    return ec_derive("P-384", 97, state, peer, peerlen, secret, secretlen);
}

static int p521_keygen(void **state, uint8_t *pub, size_t *publen)
{
    return evp_keygen("EC", "P-521", state, pub, publen);
}

static int p521_derive(void *state, const uint8_t *peer, size_t peerlen, uint8_t *secret, size_t *secretlen)
{
    /* 0x04 || X || Y with 66-byte coordinates; P-521 has cofactor 1 too */
    return ec_derive("P-521", 133, state, peer, peerlen, secret, secretlen);
}

static int x448_keygen(void **state, uint8_t *pub, size_t *publen)
{
    return evp_keygen("X448", NULL, state, pub, publen);
}

static int x448_derive(void *state, const uint8_t *peer, size_t peerlen, uint8_t *secret, size_t *secretlen)
{
    /* RFC 8446 §4.2.8.2: X448 public values are 56 bytes (RFC 7748 §5:
     * every 56-byte string is an acceptable u-coordinate). */
    if (peerlen != 56) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    EVP_PKEY *p = EVP_PKEY_new_raw_public_key_ex(NULL, "X448", NULL, peer, peerlen);
    if (p == NULL) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    int rc = evp_derive(state, p, secret, secretlen);
    EVP_PKEY_free(p);
    if (rc == 0 && *secretlen != 56) {
        rc = GMTLS_ERR_CRYPTO;
    }
    /* libcrypto refuses an all-zero X448 result itself (an illegal_parameter
     * through evp_derive); checked here as well, as for X25519 */
    if (rc == 0) {
        rc = ecx_zero_check(secret, 56);
    }
    if (rc != 0) {
        gmtls_wipe(secret, 56);
    }
    return rc;
}

/*
 * The RFC 7919 finite-field groups. libcrypto knows them by name
 * ("ffdhe2048" ...) and draws the private exponent with the length
 * RFC 7919 §5.2 / NIST SP 800-56A suggest for the group's strength (225 bits
 * for ffdhe2048), not the size of p.
 */
static int ffdhe_keygen(const char *group, size_t plen, void **state, uint8_t *pub, size_t *publen)
{
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    EVP_PKEY *k = NULL;
    BIGNUM *y = NULL;
    int ok = c != NULL && EVP_PKEY_keygen_init(c) > 0 && EVP_PKEY_CTX_set_params(c, params) > 0 &&
             EVP_PKEY_generate(c, &k) > 0 && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PUB_KEY, &y) > 0 &&
             /* RFC 8446 §4.2.8.1: Y "encoded as a big-endian integer and
              * padded to the left with zeros to the size of p in bytes" */
             BN_bn2binpad(y, pub, (int)plen) == (int)plen;
    EVP_PKEY_CTX_free(c);
    BN_free(y);
    if (!ok) {
        EVP_PKEY_free(k);
        return GMTLS_ERR_CRYPTO;
    }
    *publen = plen;
    *state = k;
    return 0;
}

static int ffdhe_derive(const char *group, size_t plen, void *state, const uint8_t *peer, size_t peerlen,
                        uint8_t *secret, size_t *secretlen)
{
    /* RFC 8446 §4.2.8.1: the share is padded to the size of p: any other
     * length is malformed. */
    if (peerlen != plen) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    BIGNUM *y = BN_bin2bn(peer, (int)peerlen, NULL), *p = NULL;
    int ok = y != NULL && EVP_PKEY_get_bn_param(state, OSSL_PKEY_PARAM_FFC_P, &p) > 0 && BN_sub_word(p, 1);
    if (!ok) {
        BN_free(y);
        BN_free(p);
        return GMTLS_ERR_CRYPTO;
    }
    /* RFC 8446 §4.2.8.1 / RFC 7919 §5.1: "Peers MUST validate each other's
     * public key Y by ensuring that 1 < Y < p-1." (p now holds p-1) */
    int in_range = BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, p) < 0;
    BN_free(p);
    if (!in_range) {
        BN_free(y);
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *c = NULL;
    EVP_PKEY *peerk = NULL;
    ok = bld != NULL && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
         (c = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) != NULL && EVP_PKEY_fromdata_init(c) > 0 &&
         EVP_PKEY_fromdata(c, &peerk, EVP_PKEY_PUBLIC_KEY, params) > 0;
    EVP_PKEY_CTX_free(c);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(y);
    c = NULL;
    size_t n = plen;
    /* RFC 8446 §7.4.1: "The negotiated key (Z) is converted to a byte string
     * by encoding in big-endian form and left-padded with zeros up to the
     * size of the prime." (dh_pad: libcrypto would otherwise strip them) */
    ok = ok && (c = EVP_PKEY_CTX_new_from_pkey(NULL, state, NULL)) != NULL && EVP_PKEY_derive_init(c) > 0 &&
         EVP_PKEY_CTX_set_dh_pad(c, 1) > 0 && EVP_PKEY_derive_set_peer_ex(c, peerk, 0) > 0 &&
         EVP_PKEY_derive(c, secret, &n) > 0 && n == plen;
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(peerk);
    if (!ok) {
        gmtls_wipe(secret, plen);
        /* the share passed the range check; libcrypto's DH_check_pub_key in
         * the derive is the only other thing that refuses a peer value */
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    *secretlen = plen;
    return 0;
}

#define FFDHE_VTABLE(bits)                                                                                             \
    static int ffdhe##bits##_keygen(void **state, uint8_t *pub, size_t *publen)                                        \
    {                                                                                                                  \
        return ffdhe_keygen("ffdhe" #bits, (bits) / 8, state, pub, publen);                                            \
    }                                                                                                                  \
    static int ffdhe##bits##_derive(void *state, const uint8_t *peer, size_t peerlen, uint8_t *secret,                 \
                                    size_t *secretlen)                                                                 \
    {                                                                                                                  \
        return ffdhe_derive("ffdhe" #bits, (bits) / 8, state, peer, peerlen, secret, secretlen);                       \
    }

FFDHE_VTABLE(2048)
FFDHE_VTABLE(3072)
FFDHE_VTABLE(4096)
FFDHE_VTABLE(6144)
FFDHE_VTABLE(8192)

static void evp_kex_free(void *state)
{
    EVP_PKEY_free(state);
}

const gmtls_kex_alg gmtls_kex_x25519 = {GMTLS_GROUP_X25519, "x25519", "X25519", 0, 0,
                                        x25519_keygen, x25519_derive, x25519_state_free, NULL, 0};
const gmtls_kex_alg gmtls_kex_p256 = {GMTLS_GROUP_SECP256R1, "secp256r1", "P-256", 0, 0,
                                      p256_keygen, p256_derive, evp_kex_free, NULL, 0};
const gmtls_kex_alg gmtls_kex_p384 = {GMTLS_GROUP_SECP384R1, "secp384r1", "P-384", 0, 0,
                                      p384_keygen, p384_derive, evp_kex_free, NULL, 0};
/* Accepted by a server by default (x448, secp521r1, ffdhe2048, ffdhe3072;
 * see docs/ARCHITECTURE.md) or by name only (ffdhe4096 and up); a client
 * offers any of them only from a configured list. */
#define NEW_KEX(var, code, name, alias, fn)                                                                            \
    const gmtls_kex_alg gmtls_kex_##var = {code, name, alias, 0, 0, fn##_keygen, fn##_derive, evp_kex_free, NULL, 1}
NEW_KEX(x448, GMTLS_GROUP_X448, "x448", "X448", x448);
NEW_KEX(p521, GMTLS_GROUP_SECP521R1, "secp521r1", "P-521", p521);
NEW_KEX(ffdhe2048, GMTLS_GROUP_FFDHE2048, "ffdhe2048", NULL, ffdhe2048);
NEW_KEX(ffdhe3072, GMTLS_GROUP_FFDHE3072, "ffdhe3072", NULL, ffdhe3072);
NEW_KEX(ffdhe4096, GMTLS_GROUP_FFDHE4096, "ffdhe4096", NULL, ffdhe4096);
NEW_KEX(ffdhe6144, GMTLS_GROUP_FFDHE6144, "ffdhe6144", NULL, ffdhe6144);
NEW_KEX(ffdhe8192, GMTLS_GROUP_FFDHE8192, "ffdhe8192", NULL, ffdhe8192);

/* ------------------------------------------------------------ keys */

void gmtls_pkey_dispose(gmtls_pkey *key)
{
    EVP_PKEY_free(key->evp);
    if (key->sm2 != NULL) {
        gmtls_sm2_key_clear(key->sm2);
        free(key->sm2);
    }
    gmtls_wipe(key, sizeof(*key));
}

int gmtls_pkey_from_evp(gmtls_pkey *key, void *evp, int is_private)
{
    EVP_PKEY *k = evp;
    memset(key, 0, sizeof(*key));
    key->evp = k;
    key->has_private = is_private;
    char group[64] = "";
    if (EVP_PKEY_is_a(k, "EC") || EVP_PKEY_is_a(k, "SM2")) {
        EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL);
    }
    if (EVP_PKEY_is_a(k, "SM2") || strcmp(group, "SM2") == 0) {
        key->type = GMTLS_KEY_SM2;
        uint8_t pub[GMTLS_SM2_POINT_LEN];
        size_t n = 0;
        if (!EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub, sizeof pub, &n) ||
            gmtls_sm2_pubkey_from_bytes(&key->sm2pub, pub, n) != 0) {
            return GMTLS_ERR_CRYPTO;
        }
        if (is_private) {
            BIGNUM *d = NULL;
            uint8_t raw[32];
            key->sm2 = calloc(1, sizeof(*key->sm2));
            int ok = key->sm2 != NULL && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d) &&
                     BN_bn2binpad(d, raw, 32) == 32 && gmtls_sm2_key_from_private(key->sm2, raw) == 0;
            BN_clear_free(d);
            gmtls_wipe(raw, sizeof raw);
            if (!ok) {
                return GMTLS_ERR_CRYPTO;
            }
            if (gmtls_sm2_compute_z(&key->sm2pub, (const uint8_t *)GMTLS_SM2_ID_TLS13, strlen(GMTLS_SM2_ID_TLS13),
                                    key->sm2_z_rfc) != 0 ||
                gmtls_sm2_compute_z(&key->sm2pub, (const uint8_t *)GMTLS_SM2_DEFAULT_ID, GMTLS_SM2_DEFAULT_ID_LEN,
                                    key->sm2_z_gbt) != 0) {
                return GMTLS_ERR_CRYPTO;
            }
        }
        return 0;
    }
    if (EVP_PKEY_is_a(k, "RSA-PSS")) {
        key->type = GMTLS_KEY_RSA_PSS;
    } else if (EVP_PKEY_is_a(k, "RSA")) {
        key->type = GMTLS_KEY_RSA;
    } else if (EVP_PKEY_is_a(k, "ED25519")) {
        key->type = GMTLS_KEY_ED25519;
    } else if (EVP_PKEY_is_a(k, "ED448")) {
        key->type = GMTLS_KEY_ED448;
    } else if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) {
        key->type = GMTLS_KEY_EC_P256;
    } else if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0) {
        key->type = GMTLS_KEY_EC_P384;
    } else if (strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0) {
        key->type = GMTLS_KEY_EC_P521;
    } else {
        return GMTLS_ERR_CRYPTO; /* unsupported key type */
    }
    if (key->type == GMTLS_KEY_RSA || key->type == GMTLS_KEY_RSA_PSS) {
        key->rsa_bits = EVP_PKEY_get_bits(k);
    }
    return 0;
}

/* ------------------------------------------------------------ signatures */

static int evp_md_ctx_setup(EVP_MD_CTX *mctx, const gmtls_pkey *key, const gmtls_sigalg *alg, int sign)
{
    EVP_PKEY_CTX *pctx = NULL;
    int ok = sign ? EVP_DigestSignInit_ex(mctx, &pctx, alg->md, NULL, NULL, key->evp, NULL)
                  : EVP_DigestVerifyInit_ex(mctx, &pctx, alg->md, NULL, NULL, key->evp, NULL);
    if (ok > 0 && alg->is_pss) {
        /* RFC 8446 §4.2.3: RSASSA-PSS with salt length equal to the digest length. */
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
    } else if (ok > 0 && alg->key_type == GMTLS_KEY_RSA && !alg->is_pss) {
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
    }
    return ok > 0;
}

static int sm2_sign_msg(const gmtls_pkey *key, const uint8_t *msg, size_t len, const uint8_t *id, size_t idlen,
                        uint8_t *sig, size_t *siglen)
{
    uint8_t z[32], e[32], r[32], s[32];
    if (key->sm2 == NULL) {
        return GMTLS_ERR_NO_CERT;
    }
    if (id == NULL || idlen == 0) {
        id = (const uint8_t *)GMTLS_SM2_DEFAULT_ID;
        idlen = GMTLS_SM2_DEFAULT_ID_LEN;
    }
    if (idlen == strlen(GMTLS_SM2_ID_TLS13) && memcmp(id, GMTLS_SM2_ID_TLS13, idlen) == 0) {
        memcpy(z, key->sm2_z_rfc, 32);
    } else if (idlen == GMTLS_SM2_DEFAULT_ID_LEN && memcmp(id, GMTLS_SM2_DEFAULT_ID, idlen) == 0) {
        memcpy(z, key->sm2_z_gbt, 32);
    } else if (gmtls_sm2_compute_z(&key->sm2pub, id, idlen, z) != 0) {
        return GMTLS_ERR_CRYPTO;
    }
    gmtls_sm3_ctx h;
    gmtls_sm3_init(&h);
    gmtls_sm3_update(&h, z, 32);
    gmtls_sm3_update(&h, msg, len);
    gmtls_sm3_final(&h, e);
    int rc = gmtls_sm2_sign_digest(key->sm2, e, gmtls_rng_cb, NULL, r, s) == 0 &&
                     gmtls_sm2_sig_to_der(r, s, sig, siglen) == 0
                 ? 0
                 : GMTLS_ERR_CRYPTO;
    gmtls_wipe(e, sizeof e);
    return rc;
}

int gmtls_sign(const gmtls_pkey *key, const gmtls_sigalg *alg, const uint8_t *msg, size_t len, const uint8_t *sm2id,
               size_t sm2idlen, uint8_t *sig, size_t *siglen)
{
    if (!gmtls_sigalg_fits_key(alg, key) || !key->has_private) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (key->type == GMTLS_KEY_SM2) {
        uint8_t digest[32];
        if (alg->is_legacy) {
            /* The Go gmtls family's 0x0204: SM2 (default ID) over SM3(content). */
            gmtls_sm3(msg, len, digest);
            return sm2_sign_msg(key, digest, sizeof digest, NULL, 0, sig, siglen);
        }
        return sm2_sign_msg(key, msg, len, sm2id, sm2idlen, sig, siglen);
    }
    size_t n = GMTLS_MAX_SIG_LEN;
    int ok;
    if (key->type == GMTLS_KEY_EC_P256 || key->type == GMTLS_KEY_EC_P384) {
        /* ECDSA signs the digest (FIPS 186-4 §6.4): hashing here with the
         * low-level SHA-2 and signing through EVP_PKEY_sign skips the
         * digest fetch and the EVP_MD_CTX of EVP_DigestSign. */
        const gmtls_hash_alg *h = key->type == GMTLS_KEY_EC_P256 ? &gmtls_hash_sha256 : &gmtls_hash_sha384;
        uint8_t digest[GMTLS_MAX_HASH_LEN];
        EVP_PKEY_CTX *pctx = NULL;
        ok = gmtls_hash(h, msg, len, digest) == 0 && (pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->evp, NULL)) != NULL &&
             EVP_PKEY_sign_init(pctx) > 0 && EVP_PKEY_sign(pctx, sig, &n, digest, h->digest_len) > 0;
        EVP_PKEY_CTX_free(pctx);
    } else {
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        ok = mctx != NULL && evp_md_ctx_setup(mctx, key, alg, 1) && EVP_DigestSign(mctx, sig, &n, msg, len) > 0;
        EVP_MD_CTX_free(mctx);
    }
    if (!ok) {
        return GMTLS_ERR_CRYPTO;
    }
    *siglen = n;
    return 0;
}

int gmtls_verify(const gmtls_pkey *key, const gmtls_sigalg *alg, const uint8_t *msg, size_t len,
                 const uint8_t *sm2id, size_t sm2idlen, const uint8_t *sig, size_t siglen)
{
    /* An ECDSA scheme verifies with any ECDSA key: in TLS 1.2 the scheme
     * names only the hash (RFC 5246 §7.4.1.4.1); TLS 1.3's curve binding
     * (RFC 8446 §4.2.3) is checked by its caller (gmtls_cv_check). */
    int ec = (alg->key_type == GMTLS_KEY_EC_P256 || alg->key_type == GMTLS_KEY_EC_P384 ||
              alg->key_type == GMTLS_KEY_EC_P521) &&
             (key->type == GMTLS_KEY_EC_P256 || key->type == GMTLS_KEY_EC_P384 || key->type == GMTLS_KEY_EC_P521);
    if (!ec && !gmtls_sigalg_fits_key(alg, key)) {
        return -1;
    }
    if (key->type == GMTLS_KEY_SM2) {
        uint8_t digest[32];
        if (alg->is_legacy) {
            gmtls_sm3(msg, len, digest);
            return gmtls_sm2_verify(&key->sm2pub, NULL, 0, digest, sizeof digest, sig, siglen) == 0 ? 0 : -1;
        }
        return gmtls_sm2_verify(&key->sm2pub, sm2id, sm2idlen, msg, len, sig, siglen) == 0 ? 0 : -1;
    }
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    int ok = mctx != NULL && evp_md_ctx_setup(mctx, key, alg, 0) && EVP_DigestVerify(mctx, sig, siglen, msg, len) == 1;
    EVP_MD_CTX_free(mctx);
    return ok ? 0 : -1;
}
