/* The tables of cipher suites, groups and signature schemes, lookups by id
 * and name, and the generic hash helpers (digest, HMAC) over the vtables. */
#include <strings.h>

#include "crypto/crypto.h"

const gmtls_suite gmtls_all_suites[] = {
    {GMTLS_TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", &gmtls_aead_aes128gcm, &gmtls_hash_sha256, 0, 1, 0},
    {GMTLS_TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", &gmtls_aead_aes256gcm, &gmtls_hash_sha384, 0, 1, 0},
    {GMTLS_TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", &gmtls_aead_chacha20poly1305,
     &gmtls_hash_sha256, 0, 0, 0},
    /* RFC 8446 §B.4; not in the default list (as in OpenSSL): by name only. */
    {GMTLS_TLS_AES_128_CCM_SHA256, "TLS_AES_128_CCM_SHA256", &gmtls_aead_aes128ccm, &gmtls_hash_sha256, 0, 0, 0},
    {GMTLS_TLS_AES_128_CCM_8_SHA256, "TLS_AES_128_CCM_8_SHA256", &gmtls_aead_aes128ccm8, &gmtls_hash_sha256, 0, 0, 0},
    {GMTLS_TLS_SM4_GCM_SM3, "TLS_SM4_GCM_SM3", &gmtls_aead_sm4gcm, &gmtls_hash_sm3, 1, 0, 0},
    {GMTLS_TLS_SM4_CCM_SM3, "TLS_SM4_CCM_SM3", &gmtls_aead_sm4ccm, &gmtls_hash_sm3, 1, 0, 0},
};
const size_t gmtls_num_suites = GMTLS_ARRAY_LEN(gmtls_all_suites);

/* RFC 5289 (ECDHE with AES-GCM), RFC 7905 (ECDHE with ChaCha20-Poly1305):
 * the PRF hash is the suite's hash (RFC 5246 §5). */
const gmtls_suite gmtls_tls12_suites[] = {
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", &gmtls_aead_aes128gcm, &gmtls_hash_sha256, 0, 1,
     GMTLS_AUTH12_ECDSA},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", &gmtls_aead_aes128gcm, &gmtls_hash_sha256, 0, 1,
     GMTLS_AUTH12_RSA},
    {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", &gmtls_aead_aes256gcm, &gmtls_hash_sha384, 0, 1,
     GMTLS_AUTH12_ECDSA},
    {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", &gmtls_aead_aes256gcm, &gmtls_hash_sha384, 0, 1,
     GMTLS_AUTH12_RSA},
    {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", &gmtls_aead_chacha20poly1305, &gmtls_hash_sha256, 0, 0,
     GMTLS_AUTH12_ECDSA},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", &gmtls_aead_chacha20poly1305, &gmtls_hash_sha256, 0, 0,
     GMTLS_AUTH12_RSA},
};
const size_t gmtls_num_tls12_suites = GMTLS_ARRAY_LEN(gmtls_tls12_suites);

/* GB/T 38636-2020 §6.4.5.2.1: ECDHE_SM4_GCM_SM3 {0xe0, 0x51},
 * ECDHE_SM4_CBC_SM3 {0xe0, 0x11}, ECC_SM4_GCM_SM3 {0xe0, 0x53},
 * ECC_SM4_CBC_SM3 {0xe0, 0x13} (CBC: MAC-then-encrypt records, no AEAD:
 * aead NULL, rec12.c). Our preference: ECDHE (forward secrecy) first when
 * both sides can (tls12.c decides), GCM before CBC. */
const gmtls_suite gmtls_tlcp_suites[] = {
    {0xe051, "ECDHE_SM4_GCM_SM3", &gmtls_aead_sm4gcm, &gmtls_hash_sm3, 1, 0, GMTLS_AUTH12_SM2},
    {0xe011, "ECDHE_SM4_CBC_SM3", NULL, &gmtls_hash_sm3, 1, 0, GMTLS_AUTH12_SM2},
    {0xe053, "ECC_SM4_GCM_SM3", &gmtls_aead_sm4gcm, &gmtls_hash_sm3, 1, 0, GMTLS_AUTH12_SM2},
    {0xe013, "ECC_SM4_CBC_SM3", NULL, &gmtls_hash_sm3, 1, 0, GMTLS_AUTH12_SM2},
};
const size_t gmtls_num_tlcp_suites = GMTLS_ARRAY_LEN(gmtls_tlcp_suites);

const gmtls_suite *gmtls_tlcp_suite_by_id(uint16_t id)
{
    for (size_t i = 0; i < gmtls_num_tlcp_suites; i++) {
        if (gmtls_tlcp_suites[i].id == id) {
            return &gmtls_tlcp_suites[i];
        }
    }
    return NULL;
}

const gmtls_suite *gmtls_suite12_by_id(uint16_t id)
{
    for (size_t i = 0; i < gmtls_num_tls12_suites; i++) {
        if (gmtls_tls12_suites[i].id == id) {
            return &gmtls_tls12_suites[i];
        }
    }
    return NULL;
}

const gmtls_suite *gmtls_suite_by_id(uint16_t id)
{
    for (size_t i = 0; i < gmtls_num_suites; i++) {
        if (gmtls_all_suites[i].id == id) {
            return &gmtls_all_suites[i];
        }
    }
    return NULL;
}

const gmtls_suite *gmtls_suite_by_name(const char *name)
{
    for (size_t i = 0; i < gmtls_num_suites; i++) {
        if (strcasecmp(gmtls_all_suites[i].name, name) == 0) {
            return &gmtls_all_suites[i];
        }
    }
    return NULL;
}

const char *gmtls_cipher_suite_name(uint16_t id)
{
    const gmtls_suite *s = gmtls_suite_by_id(id);
    if (s == NULL) {
        s = gmtls_suite12_by_id(id);
    }
    if (s == NULL) {
        s = gmtls_tlcp_suite_by_id(id);
    }
    return s ? s->name : NULL;
}

static const gmtls_kex_alg *const all_kex[] = {
    &gmtls_kex_x25519,      &gmtls_kex_p256,           &gmtls_kex_p384,         &gmtls_kex_sm2,
    &gmtls_kex_sm2_legacy,  &gmtls_kex_x25519mlkem768, &gmtls_kex_p256mlkem768, &gmtls_kex_p384mlkem1024,
    &gmtls_kex_sm2mlkem768, &gmtls_kex_x448,           &gmtls_kex_p521,         &gmtls_kex_ffdhe2048,
    &gmtls_kex_ffdhe3072,   &gmtls_kex_ffdhe4096,      &gmtls_kex_ffdhe6144,    &gmtls_kex_ffdhe8192};

const gmtls_kex_alg *gmtls_kex_by_id(uint16_t id)
{
    for (size_t i = 0; i < GMTLS_ARRAY_LEN(all_kex); i++) {
        if (all_kex[i]->id == id) {
            return all_kex[i];
        }
    }
    return NULL;
}

const gmtls_kex_alg *gmtls_kex_by_name(const char *name)
{
    for (size_t i = 0; i < GMTLS_ARRAY_LEN(all_kex); i++) {
        if (strcasecmp(all_kex[i]->name, name) == 0 ||
            (all_kex[i]->alias != NULL && strcasecmp(all_kex[i]->alias, name) == 0)) {
            return all_kex[i];
        }
    }
    if (strcasecmp(name, "prime256v1") == 0) {
        return &gmtls_kex_p256;
    }
    return NULL;
}

int gmtls_kex_client_offers(const gmtls_kex_alg *k, int groups_custom)
{
    return groups_custom || (!k->is_legacy && !k->client_opt_in);
}

const char *gmtls_group_name(uint16_t id)
{
    const gmtls_kex_alg *k = gmtls_kex_by_id(id);
    return k ? k->name : NULL;
}

/* RFC 8446 §4.2.3 and RFC 8998 §3.2.1 code points. */
const gmtls_sigalg gmtls_all_sigalgs[] = {
    {0x0708, "sm2sig_sm3", GMTLS_KEY_SM2, "SM3", 0, 1, 1, 0},
    {0x0807, "ed25519", GMTLS_KEY_ED25519, NULL, 0, 1, 0, 0},
    {0x0808, "ed448", GMTLS_KEY_ED448, NULL, 0, 1, 0, 0},
    {0x0403, "ecdsa_secp256r1_sha256", GMTLS_KEY_EC_P256, "SHA256", 0, 1, 0, 0},
    {0x0503, "ecdsa_secp384r1_sha384", GMTLS_KEY_EC_P384, "SHA384", 0, 1, 0, 0},
    {0x0603, "ecdsa_secp521r1_sha512", GMTLS_KEY_EC_P521, "SHA512", 0, 1, 0, 0},
    {0x0804, "rsa_pss_rsae_sha256", GMTLS_KEY_RSA, "SHA256", 1, 1, 0, 0},
    {0x0805, "rsa_pss_rsae_sha384", GMTLS_KEY_RSA, "SHA384", 1, 1, 0, 0},
    {0x0806, "rsa_pss_rsae_sha512", GMTLS_KEY_RSA, "SHA512", 1, 1, 0, 0},
    {0x0809, "rsa_pss_pss_sha256", GMTLS_KEY_RSA_PSS, "SHA256", 1, 1, 0, 0},
    {0x080a, "rsa_pss_pss_sha384", GMTLS_KEY_RSA_PSS, "SHA384", 1, 1, 0, 0},
    {0x080b, "rsa_pss_pss_sha512", GMTLS_KEY_RSA_PSS, "SHA512", 1, 1, 0, 0},
    /* RFC 8446 §4.2.3: rsa_pkcs1_* "refer solely to signatures which appear
     * in certificates ... and are not defined for use in signed TLS handshake
     * messages". */
    {0x0401, "rsa_pkcs1_sha256", GMTLS_KEY_RSA, "SHA256", 0, 0, 0, 0},
    {0x0501, "rsa_pkcs1_sha384", GMTLS_KEY_RSA, "SHA384", 0, 0, 0, 0},
    {0x0601, "rsa_pkcs1_sha512", GMTLS_KEY_RSA, "SHA512", 0, 0, 0, 0},
    /* The Go gmtls family's SM2-with-SM3 (0x0204): SM2 with the default ID
     * over SM3(CertificateVerify content). Accepted for interoperability,
     * offered only when listed. */
    {0x0204, "sm2sig_sm3_legacy", GMTLS_KEY_SM2, "SM3", 0, 1, 1, 1},
};
const size_t gmtls_num_sigalgs = GMTLS_ARRAY_LEN(gmtls_all_sigalgs);

const gmtls_sigalg *gmtls_sigalg_by_id(uint16_t id)
{
    for (size_t i = 0; i < gmtls_num_sigalgs; i++) {
        if (gmtls_all_sigalgs[i].id == id) {
            return &gmtls_all_sigalgs[i];
        }
    }
    return NULL;
}

const gmtls_sigalg *gmtls_sigalg_by_name(const char *name)
{
    for (size_t i = 0; i < gmtls_num_sigalgs; i++) {
        if (strcasecmp(gmtls_all_sigalgs[i].name, name) == 0) {
            return &gmtls_all_sigalgs[i];
        }
    }
    return NULL;
}

const char *gmtls_sigalg_name(uint16_t id)
{
    const gmtls_sigalg *s = gmtls_sigalg_by_id(id);
    return s ? s->name : NULL;
}

int gmtls_sigalg_fits_key(const gmtls_sigalg *alg, const gmtls_pkey *key)
{
    if (alg->key_type == key->type) {
        return 1;
    }
    return 0;
}

int gmtls_hash(const gmtls_hash_alg *alg, const void *p, size_t n, uint8_t *out)
{
    gmtls_hash_ctx c = {.alg = alg};
    GMTLS_TRY(alg->init(&c));
    alg->update(&c, p, n);
    return alg->final(&c, out);
}

int gmtls_hmac_key_init(gmtls_hmac_key *hk, const gmtls_hash_alg *alg, const uint8_t *key, size_t keylen)
{
    uint8_t k[128], pad[128];
    size_t bl = alg->block_len;
    int rc;
    memset(hk, 0, sizeof(*hk));
    memset(k, 0, sizeof k);
    /* RFC 2104 §2: keys longer than B bytes are first hashed. */
    if (keylen > bl) {
        GMTLS_TRY(gmtls_hash(alg, key, keylen, k));
    } else if (keylen > 0) {
        memcpy(k, key, keylen);
    }
    /* RFC 2104 §2: H(K XOR opad, H(K XOR ipad, text)), ipad = 0x36, opad = 0x5c repeated B times. */
    for (size_t i = 0; i < bl; i++) {
        pad[i] = k[i] ^ 0x36;
    }
    hk->inner.alg = hk->outer.alg = alg;
    if ((rc = alg->init(&hk->inner)) == 0) {
        alg->update(&hk->inner, pad, bl);
        for (size_t i = 0; i < bl; i++) {
            pad[i] = k[i] ^ 0x5c;
        }
        if ((rc = alg->init(&hk->outer)) == 0) {
            alg->update(&hk->outer, pad, bl);
        }
    }
    gmtls_wipe(k, sizeof k);
    gmtls_wipe(pad, sizeof pad);
    if (rc != 0) {
        gmtls_hmac_key_wipe(hk);
    }
    return rc;
}

int gmtls_hmac_keyed(const gmtls_hmac_key *hk, const uint8_t *p1, size_t n1, const uint8_t *p2, size_t n2,
                     const uint8_t *p3, size_t n3, uint8_t *out)
{
    const gmtls_hash_alg *alg = hk->inner.alg;
    uint8_t inner[GMTLS_MAX_HASH_LEN];
    gmtls_hash_ctx c;
    int rc = alg->copy(&c, &hk->inner);
    if (rc == 0) {
        alg->update(&c, p1, n1);
        alg->update(&c, p2, n2);
        alg->update(&c, p3, n3);
        rc = alg->final(&c, inner);
    }
    if (rc == 0 && (rc = alg->copy(&c, &hk->outer)) == 0) {
        alg->update(&c, inner, alg->digest_len);
        rc = alg->final(&c, out);
    }
    gmtls_wipe(&c, sizeof c);
    gmtls_wipe(inner, sizeof inner);
    return rc;
}

void gmtls_hmac_key_wipe(gmtls_hmac_key *hk)
{
    gmtls_wipe(hk, sizeof(*hk));
}

int gmtls_hmac(const gmtls_hash_alg *alg, const uint8_t *key, size_t keylen, const uint8_t *p1, size_t n1,
               const uint8_t *p2, size_t n2, const uint8_t *p3, size_t n3, uint8_t *out)
{
    gmtls_hmac_key hk;
    int rc = gmtls_hmac_key_init(&hk, alg, key, keylen);
    if (rc == 0) {
        rc = gmtls_hmac_keyed(&hk, p1, n1, p2, n2, p3, n3, out);
    }
    gmtls_hmac_key_wipe(&hk);
    return rc;
}
