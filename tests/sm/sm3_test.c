/* tests/sm/sm3_test.c - SM3, HMAC-SM3 and HKDF-SM3 known answers, streaming
 * equivalence, run once per CPU path available on this machine. */
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>

#include "gmtls/sm.h"
#include "sm/sm_internal.h"
#include "sm_paths.h"
#include "test.h"

static void hex_digest_check(const char *msg_desc, const void *msg, size_t len, const char *want_hex)
{
    uint8_t got[32], want[32];
    CHECK(test_unhex(want_hex, want, sizeof want) == 32);
    gmtls_sm3(msg, len, got);
    if (memcmp(got, want, 32) != 0) {
        fprintf(stderr, "  SM3 KAT failed: %s\n", msg_desc);
    }
    CHECK_MEM(got, want, 32);
}

static void test_kats(void)
{
    /* GB/T 32905-2016 Appendix A.1: "abc" */
    hex_digest_check("abc", "abc", 3,
                     "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    /* GB/T 32905-2016 Appendix A.2: "abcd" repeated 16 times (512 bits) */
    const char *m64 = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";
    hex_digest_check("abcd x16", m64, 64,
                     "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
    /* Empty message: value published in many SM3 test suites (e.g. GmSSL's
     * sm3test.c) and equal to `openssl dgst -sm3 /dev/null`. */
    hex_digest_check("empty", "", 0,
                     "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");

    /* One million 'a': digest from GmSSL/Botan test suites, cross-checked
     * against OpenSSL below. */
    size_t n = 1000000;
    uint8_t *a = malloc(n);
    CHECK(a != NULL);
    if (a == NULL) {
        return;
    }
    memset(a, 'a', n);
    hex_digest_check("1M x a", a, n,
                     "c8aaf89429554029e231941a2acc0ad61ff2a5acd8fadd25847a3a732b3b02c3");
    uint8_t ossl[32];
    unsigned olen = 0;
    CHECK(EVP_Digest(a, n, ossl, &olen, EVP_sm3(), NULL) == 1);
    uint8_t ours[32];
    gmtls_sm3(a, n, ours);
    CHECK_MEM(ours, ossl, 32);
    free(a);
}

/* xorshift64 for reproducible "random" chunking */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_streaming(void)
{
    size_t n = 5000;
    uint8_t *m = malloc(n);
    CHECK(m != NULL);
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        m[i] = (uint8_t)rnd();
    }
    for (int iter = 0; iter < 200; iter++) {
        size_t len = (size_t)(rnd() % (n + 1));
        uint8_t one[32], str[32];
        gmtls_sm3(m, len, one);
        gmtls_sm3_ctx ctx;
        gmtls_sm3_init(&ctx);
        size_t off = 0;
        while (off < len) {
            size_t c = (size_t)(rnd() % 150);
            if (c > len - off) {
                c = len - off;
            }
            gmtls_sm3_update(&ctx, m + off, c);
            off += c;
        }
        gmtls_sm3_final(&ctx, str);
        CHECK_MEM(one, str, 32);
        /* final wipes the context */
        static const gmtls_sm3_ctx zero;
        CHECK(memcmp(&ctx, &zero, sizeof ctx) == 0);
        uint8_t ossl[32];
        unsigned olen;
        CHECK(EVP_Digest(m, len, ossl, &olen, EVP_sm3(), NULL) == 1);
        CHECK_MEM(one, ossl, 32);
    }
    /* Byte-at-a-time over every length around block boundaries. */
    for (size_t len = 0; len < 200; len++) {
        uint8_t one[32], str[32];
        gmtls_sm3(m, len, one);
        gmtls_sm3_ctx ctx;
        gmtls_sm3_init(&ctx);
        for (size_t i = 0; i < len; i++) {
            gmtls_sm3_update(&ctx, m + i, 1);
        }
        gmtls_sm3_final(&ctx, str);
        CHECK_MEM(one, str, 32);
    }
    free(m);
}

struct hmac_kat {
    const char *src, *key_hex, *msg, *msg_hex, *mac_hex;
};

static void test_hmac(void)
{
    static const struct hmac_kat kats[] = {
        /* GM/T 0042-2015 Appendix D.3, example 1 */
        {"GM/T 0042-2015 D.3 #1",
         "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
         "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
         "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         NULL, "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"},
        /* GM/T 0042-2015 Appendix D.3, example 2 */
        {"GM/T 0042-2015 D.3 #2",
         "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425", NULL,
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
         "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae"},
        /* GM/T 0042-2015 Appendix D.3, example 3 */
        {"GM/T 0042-2015 D.3 #3", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
         "Hi There", NULL, "c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e"},
        /* GM/T 0042-2015 Appendix D.3, example 4 */
        {"GM/T 0042-2015 D.3 #4", "4a656665", "what do ya want for nothing?", NULL,
         "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882"},
        /* Key longer than the block (128 bytes), libxcrypt alg-sm3-hmac test
         * "Custom test vector ... key length > SM3_BLOCK_SIZE" */
        {"libxcrypt long-key",
         "4974277320636f6d706c69636174656420746f206578706c61696e2c20627574"
         "207765206e65656420736f6d652074657874207468617420636c6561726c7920"
         "65786365656473207369787479666f7572206279746573206f66206461746120"
         "666f7220746865206b657920746f207465737420636f7665726167652e2e2e2e",
         "What is the purpose of this test???", NULL,
         "d3dec863e316596238090eace661e6d3c4cbae43dcf0060c71f0e4e5dc5ff7d3"},
    };
    for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
        uint8_t key[256], msg[256], want[32], got[32];
        long klen = test_unhex(kats[i].key_hex, key, sizeof key);
        long mlen;
        if (kats[i].msg != NULL) {
            mlen = (long)strlen(kats[i].msg);
            memcpy(msg, kats[i].msg, (size_t)mlen);
        } else {
            mlen = test_unhex(kats[i].msg_hex, msg, sizeof msg);
        }
        CHECK(klen >= 0 && mlen >= 0);
        CHECK(test_unhex(kats[i].mac_hex, want, sizeof want) == 32);
        gmtls_hmac_sm3(key, (size_t)klen, msg, (size_t)mlen, got);
        if (memcmp(got, want, 32) != 0) {
            fprintf(stderr, "  HMAC KAT failed: %s\n", kats[i].src);
        }
        CHECK_MEM(got, want, 32);
        /* Streaming in two halves gives the same MAC. */
        gmtls_hmac_sm3_ctx ctx;
        gmtls_hmac_sm3_init(&ctx, key, (size_t)klen);
        gmtls_hmac_sm3_update(&ctx, msg, (size_t)mlen / 2);
        gmtls_hmac_sm3_update(&ctx, msg + mlen / 2, (size_t)(mlen - mlen / 2));
        gmtls_hmac_sm3_final(&ctx, got);
        CHECK_MEM(got, want, 32);
    }
}

struct hkdf_kat {
    const char *ikm, *salt, *info, *prk, *okm;
};

static void test_hkdf(void)
{
    /* GmSSL tests/hkdftest.c test_sm3_hkdf(): RFC 5869 A.1-A.3 inputs with
     * SM3 (PRK/OKM values); additionally cross-checked against OpenSSL's
     * HKDF with digest SM3 below. */
    static const struct hkdf_kat kats[] = {
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
         "f0f1f2f3f4f5f6f7f8f9", "e0d6f7b0bd056327b7659f1f39ad850561fbcf4fb10fb58e88eafa55cf7cd01e",
         "c69fe91b7aaee2dd5718d72dcaee0cce93f1b8e41f792da51261b6a517e68b36ed2c595572b01dfa359b"},
        {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
         "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
         "404142434445464748494a4b4c4d4e4f",
         "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
         "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
         "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
         "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
         "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
         "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
         "1a43a7fedb2d111eb33babd0d256c272aa3262cdb12e6b43d4321ae8888485d5",
         "c1226236bbdefa7921f9febe27b864f33e449201b436d8844ea53f58170dd6426defbd22ed1f3c5960f3"
         "5523e62e3b6c0d657f2c61893436f539013199bfaef25aafd1e7726ede927623a9f5cbb8885c7e5d"},
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
         "004fc37143377d072d74e82ff480e8d7937ec607411bc1ec65dd34401871ff9c",
         "c8c91a38ae2fb3b023a7c38ce9f0748f28230d59b6b950ba3ba949bf0d713a5774815778801741cb2034"},
    };
    for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
        uint8_t ikm[128], salt[128], info[128], prk[32], okm[128], got_prk[32], got[128];
        long il = test_unhex(kats[i].ikm, ikm, sizeof ikm);
        long sl = test_unhex(kats[i].salt, salt, sizeof salt);
        long nl = test_unhex(kats[i].info, info, sizeof info);
        long ol = test_unhex(kats[i].okm, okm, sizeof okm);
        CHECK(test_unhex(kats[i].prk, prk, sizeof prk) == 32);
        CHECK(il > 0 && sl >= 0 && nl >= 0 && ol > 0);
        gmtls_hkdf_sm3_extract(sl ? salt : NULL, (size_t)sl, ikm, (size_t)il, got_prk);
        CHECK_MEM(got_prk, prk, 32);
        CHECK_OK(gmtls_hkdf_sm3_expand(prk, 32, info, (size_t)nl, got, (size_t)ol));
        CHECK_MEM(got, okm, (size_t)ol);

        /* Same through OpenSSL's HKDF (EXTRACT_AND_EXPAND, digest SM3). */
        EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
        EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
        CHECK(kctx != NULL);
        if (kctx != NULL) {
            OSSL_PARAM params[5], *p = params;
            *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SM3", 0);
            *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm, (size_t)il);
            *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, (size_t)sl);
            *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, (size_t)nl);
            *p = OSSL_PARAM_construct_end();
            uint8_t ossl[128];
            CHECK(EVP_KDF_derive(kctx, ossl, (size_t)ol, params) == 1);
            CHECK_MEM(ossl, okm, (size_t)ol);
            EVP_KDF_CTX_free(kctx);
        }
        EVP_KDF_free(kdf);
    }
    /* RFC 5869 §2.3: L <= 255*HashLen */
    uint8_t prk[32] = {1}, *big = malloc(255 * 32 + 1);
    CHECK(big != NULL);
    if (big != NULL) {
        CHECK_OK(gmtls_hkdf_sm3_expand(prk, 32, NULL, 0, big, 255 * 32));
        CHECK_ERR(gmtls_hkdf_sm3_expand(prk, 32, NULL, 0, big, 255 * 32 + 1), -1);
        /* Prefix property: a shorter output is a prefix of a longer one. */
        uint8_t small[33];
        CHECK_OK(gmtls_hkdf_sm3_expand(prk, 32, NULL, 0, small, 33));
        CHECK_MEM(small, big, 33);
        free(big);
    }
    CHECK_OK(gmtls_hkdf_sm3_expand(prk, 32, NULL, 0, NULL, 0));
}

/* The path's compression function against the portable one: 1..40
 * blocks, random chaining values, aligned and unaligned input. */
static void cross_portable(void (*blocks)(uint32_t h[8], const uint8_t *in, size_t nblocks))
{
    enum { NB = 40 };
    uint8_t *m = malloc(64 * NB + 1);
    CHECK(m != NULL);
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < 64 * NB + 1; i++) {
        m[i] = (uint8_t)rnd();
    }
    int ok = 1;
    for (size_t n = 1; n <= NB; n++) {
        for (size_t off = 0; off <= 1; off++) {
            uint32_t ha[8], hb[8];
            for (int i = 0; i < 8; i++) {
                ha[i] = hb[i] = (uint32_t)rnd();
            }
            blocks(ha, m + off, n);
            gmtls_sm3_portable_blocks(hb, m + off, n);
            ok &= memcmp(ha, hb, sizeof ha) == 0;
        }
    }
    CHECK(ok);
    free(m);
}

static void impl_blocks(uint32_t h[8], const uint8_t *in, size_t nblocks)
{
    gmtls_sm_impl_get()->sm3_blocks(h, in, nblocks);
}

static void test_cross_portable(void)
{
    cross_portable(impl_blocks);
}

#if defined(GMTLS_SM_HAVE_X86) && defined(GMTLS_SM3_HAVE_X64_ASM)
/* The C BMI2 compressor is the fallback where the assembly is not built
 * (32-bit x86, non-ELF): no path selects it here, so it is checked directly. */
static void test_bmi2_fallback(void)
{
    if (__builtin_cpu_supports("bmi2") && __builtin_cpu_supports("avx2")) {
        cross_portable(gmtls_sm3_bmi2_blocks);
    }
}
#else
static void test_bmi2_fallback(void)
{
}
#endif

int main(void)
{
    SM_FOR_EACH_PATH(path) {
        printf("sm3_test: cpu path %s\n", path);
        test_kats();
        test_streaming();
        test_hmac();
        test_hkdf();
        test_cross_portable();
    }
    test_bmi2_fallback();
    return TEST_END("sm3_test");
}
