/* tests/sm/sm_diff_openssl_test.c - differential tests of SM3 and SM4
 * ECB/CBC/CTR against OpenSSL libcrypto's EVP, on random inputs of many
 * lengths, once per CPU path. */
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "gmtls/sm.h"
#include "sm_paths.h"
#include "test.h"

static const size_t lengths[] = {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256,
                                 257, 511, 512, 1000, 4095, 4096, 4097, 16384, 65535, 65536};
#define NLEN (sizeof lengths / sizeof lengths[0])

static int evp_crypt(const EVP_CIPHER *c, int enc, const uint8_t *key, const uint8_t *iv,
                     const uint8_t *in, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ol = 0, fl = 0, ok = ctx != NULL && EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) == 1 &&
                           EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
                           EVP_CipherUpdate(ctx, out, &ol, in, (int)len) == 1 &&
                           EVP_CipherFinal_ex(ctx, out + ol, &fl) == 1 && (size_t)(ol + fl) == len;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

static void one_round(size_t len, uint8_t *in, uint8_t *a, uint8_t *b)
{
    uint8_t key[16], iv[16], iv2[16];
    RAND_bytes(in, (int)(len + 1));
    RAND_bytes(key, 16);
    RAND_bytes(iv, 16);

    /* SM3 */
    uint8_t d1[32], d2[32];
    unsigned dl = 0;
    gmtls_sm3(in, len, d1);
    CHECK(EVP_Digest(in, len, d2, &dl, EVP_sm3(), NULL) == 1 && dl == 32);
    CHECK_MEM(d1, d2, 32);
    gmtls_sm4_key ks;
    gmtls_sm4_set_key(&ks, key);

    /* ECB / CBC over whole blocks */
    size_t nb = len / 16;
    gmtls_sm4_ecb_encrypt(&ks, in, a, nb);
    CHECK(evp_crypt(EVP_sm4_ecb(), 1, key, NULL, in, 16 * nb, b));
    CHECK_MEM(a, b, 16 * nb);
    gmtls_sm4_ecb_decrypt(&ks, in, a, nb);
    CHECK(evp_crypt(EVP_sm4_ecb(), 0, key, NULL, in, 16 * nb, b));
    CHECK_MEM(a, b, 16 * nb);

    memcpy(iv2, iv, 16);
    gmtls_sm4_cbc_encrypt(&ks, iv2, in, a, nb);
    CHECK(evp_crypt(EVP_sm4_cbc(), 1, key, iv, in, 16 * nb, b));
    CHECK_MEM(a, b, 16 * nb);
    memcpy(iv2, iv, 16);
    gmtls_sm4_cbc_decrypt(&ks, iv2, in, a, nb);
    CHECK(evp_crypt(EVP_sm4_cbc(), 0, key, iv, in, 16 * nb, b));
    CHECK_MEM(a, b, 16 * nb);

    /* CTR over any length; also with a counter about to wrap 64 bits */
    memcpy(iv2, iv, 16);
    gmtls_sm4_ctr_xor(&ks, iv2, in, a, len);
    CHECK(evp_crypt(EVP_sm4_ctr(), 1, key, iv, in, len, b));
    CHECK_MEM(a, b, len);
    memset(iv + 8, 0xff, 8);
    iv[15] = (uint8_t)(0xff - (len & 7));
    memcpy(iv2, iv, 16);
    gmtls_sm4_ctr_xor(&ks, iv2, in, a, len);
    CHECK(evp_crypt(EVP_sm4_ctr(), 1, key, iv, in, len, b));
    CHECK_MEM(a, b, len);
    gmtls_sm4_key_clear(&ks);
}

int main(void)
{
    uint8_t *in = malloc(65537), *a = malloc(65537), *b = malloc(65537);
    CHECK(in && a && b);
    if (!in || !a || !b) {
        return TEST_END("sm_diff_openssl_test");
    }
    SM_FOR_EACH_PATH(path) {
        printf("sm_diff_openssl_test: cpu path %s\n", path);
        int rounds = 0;
        for (size_t i = 0; i < NLEN; i++) {
            int reps = lengths[i] <= 512 ? 40 : lengths[i] <= 4097 ? 8 : 2;
            for (int r = 0; r < reps; r++, rounds++) {
                one_round(lengths[i], in, a, b);
            }
        }
        /* random lengths */
        for (int r = 0; r < 1500; r++, rounds++) {
            uint8_t lb[2];
            RAND_bytes(lb, 2);
            one_round(((size_t)lb[0] << 8 | lb[1]) % 2049, in, a, b);
        }
        printf("  %d random inputs\n", rounds);
    }
    free(in);
    free(a);
    free(b);
    return TEST_END("sm_diff_openssl_test");
}
