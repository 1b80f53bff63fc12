/* Unit tests of the registry's HMAC (src/crypto/registry.c) and its
 * precomputed-key form, which the key schedule uses for secrets it expands
 * more than once:
 *   RFC 4231 §4.2, §4.3 and §4.7 (cases 1, 2 and 6: a key longer than the
 *   block is hashed first) for HMAC-SHA-256 and HMAC-SHA-384;
 *   HMAC-SHA-256/384 against libcrypto's HMAC() and HMAC-SM3 against the
 *   native gmtls_hmac_sm3 for key lengths 0..200 and split messages;
 *   one precomputed key used for many messages gives what one-shot HMAC
 *   gives, and is left unchanged by use. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/crypto.h"
#include "gmtls/sm.h"
#include "test.h"

typedef struct {
    const char *key_hex; /* NULL: 131 bytes of 0xaa */
    const char *data;
    const char *sha256, *sha384;
} rfc4231_case;

static const rfc4231_case rfc4231[] = {
    /* RFC 4231 §4.2, test case 1 */
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
     "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"},
    /* §4.3, test case 2: key "Jefe" */
    {"4a656665", "what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
     "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
    /* §4.7, test case 6: 131-byte key, longer than either block */
    {NULL, "Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
     "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952"},
};

static void test_rfc4231(void)
{
    for (size_t i = 0; i < sizeof rfc4231 / sizeof rfc4231[0]; i++) {
        const rfc4231_case *t = &rfc4231[i];
        uint8_t key[131], want[48], got[48];
        long klen = 131;
        if (t->key_hex != NULL) {
            klen = test_unhex(t->key_hex, key, sizeof key);
        } else {
            memset(key, 0xaa, sizeof key);
        }
        CHECK(klen > 0);
        const uint8_t *d = (const uint8_t *)t->data;
        size_t dl = strlen(t->data);
        CHECK(test_unhex(t->sha256, want, sizeof want) == 32);
        CHECK_OK(gmtls_hmac(&gmtls_hash_sha256, key, (size_t)klen, d, dl, NULL, 0, NULL, 0, got));
        CHECK_MEM(got, want, 32);
        CHECK(test_unhex(t->sha384, want, sizeof want) == 48);
        CHECK_OK(gmtls_hmac(&gmtls_hash_sha384, key, (size_t)klen, d, 5, d + 5, dl - 5, NULL, 0, got));
        CHECK_MEM(got, want, 48);
    }
}

/* Deterministic filler. */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

static void test_against_references(void)
{
    uint8_t key[200], msg[300], want[64], got[64];
    for (size_t klen = 0; klen <= sizeof key; klen += (klen < 70 ? 1 : 13)) {
        fill(key, klen, (uint32_t)klen + 1);
        size_t mlen = (klen * 7) % sizeof msg;
        fill(msg, mlen, (uint32_t)klen + 77);
        size_t a = mlen / 3, b = mlen / 2;
        unsigned int ol = 0;
        /* SHA-256 and SHA-384 against libcrypto */
        HMAC(EVP_sha256(), key, (int)klen, msg, mlen, want, &ol);
        CHECK_OK(gmtls_hmac(&gmtls_hash_sha256, key, klen, msg, a, msg + a, b - a, msg + b, mlen - b, got));
        CHECK_MEM(got, want, 32);
        HMAC(EVP_sha384(), key, (int)klen, msg, mlen, want, &ol);
        CHECK_OK(gmtls_hmac(&gmtls_hash_sha384, key, klen, msg, mlen, NULL, 0, NULL, 0, got));
        CHECK_MEM(got, want, 48);
        /* SM3 against the native HMAC-SM3 (itself tested on Wycheproof's vectors) */
        gmtls_hmac_sm3(key, klen, msg, mlen, want);
        CHECK_OK(gmtls_hmac(&gmtls_hash_sm3, key, klen, msg, a, NULL, 0, msg + a, mlen - a, got));
        CHECK_MEM(got, want, 32);
    }
}

static void test_precomputed_key(void)
{
    const gmtls_hash_alg *algs[] = {&gmtls_hash_sha256, &gmtls_hash_sha384, &gmtls_hash_sm3};
    for (size_t i = 0; i < 3; i++) {
        const gmtls_hash_alg *h = algs[i];
        uint8_t key[48], msg[100], want[48], got[48];
        fill(key, h->digest_len, (uint32_t)i + 5);
        gmtls_hmac_key hk, copy;
        CHECK_OK(gmtls_hmac_key_init(&hk, h, key, h->digest_len));
        memcpy(&copy, &hk, sizeof hk);
        for (size_t mlen = 0; mlen < sizeof msg; mlen += 9) {
            fill(msg, mlen, (uint32_t)mlen);
            CHECK_OK(gmtls_hmac(h, key, h->digest_len, msg, mlen, NULL, 0, NULL, 0, want));
            CHECK_OK(gmtls_hmac_keyed(&hk, msg, mlen, NULL, 0, NULL, 0, got));
            CHECK_MEM(got, want, h->digest_len);
        }
        CHECK(memcmp(&copy, &hk, sizeof hk) == 0); /* using a key does not change it */
        gmtls_hmac_key_wipe(&hk);
        gmtls_hmac_key_wipe(&copy);
    }
}

int main(void)
{
    test_rfc4231();
    test_against_references();
    test_precomputed_key();
    return TEST_END("hmac_test");
}
