/* tests/sm/sm4_aead_gcrypt_test.c - differential SM4-GCM and SM4-CCM
 * against libgcrypt (GCRY_CIPHER_SM4), both directions: our seal -> their
 * open, their seal -> our open; random keys, IVs/nonces, AAD, lengths and
 * tag sizes; once per CPU path. */
#include <gcrypt.h>

#include "gmtls/sm.h"
#include "sm_paths.h"
#include "test.h"

static void rand_buf(void *p, size_t n)
{
    gcry_create_nonce(p, n);
}
static size_t rand_below(size_t n)
{
    uint32_t r;
    rand_buf(&r, sizeof r);
    return n ? r % n : 0;
}

/* libgcrypt seal/open. mode GCM or CCM. Returns 0 on success. */
static int gc_aead(int mode, int enc, const uint8_t *key, const uint8_t *iv, size_t ivlen,
                   const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len, uint8_t *tag,
                   size_t taglen)
{
    gcry_cipher_hd_t h;
    if (gcry_cipher_open(&h, GCRY_CIPHER_SM4, mode, 0) != 0) {
        return -1;
    }
    int bad = gcry_cipher_setkey(h, key, 16) != 0 || gcry_cipher_setiv(h, iv, ivlen) != 0;
    if (!bad && mode == GCRY_CIPHER_MODE_CCM) {
        uint64_t params[3] = {len, aadlen, taglen};
        bad = gcry_cipher_ctl(h, GCRYCTL_SET_CCM_LENGTHS, params, sizeof params) != 0;
    }
    if (!bad && aadlen > 0) {
        bad = gcry_cipher_authenticate(h, aad, aadlen) != 0;
    }
    if (!bad && len > 0) {
        bad = (enc ? gcry_cipher_encrypt(h, buf, len, NULL, 0) : gcry_cipher_decrypt(h, buf, len, NULL, 0)) != 0;
    }
    if (!bad) {
        bad = (enc ? gcry_cipher_gettag(h, tag, taglen) : gcry_cipher_checktag(h, tag, taglen)) != 0;
    }
    gcry_cipher_close(h);
    return bad ? -1 : 0;
}

static void one(int ccm, size_t len, size_t aadlen, uint8_t *pt, uint8_t *a, uint8_t *b, uint8_t *aad)
{
    static const size_t gcm_tags[] = {4, 8, 12, 13, 14, 15, 16};
    uint8_t key[16], iv[64], t1[16], t2[16];
    size_t ivlen, taglen;
    rand_buf(key, 16);
    rand_buf(pt, len + 1);
    rand_buf(aad, aadlen + 1);
    if (ccm) {
        ivlen = 7 + rand_below(7);
        taglen = 4 + 2 * rand_below(7);
        /* 15 - ivlen length bytes must hold len */
        if (15 - ivlen < 3 && len > 65535) {
            ivlen = 12;
        }
    } else {
        ivlen = rand_below(4) == 0 ? 1 + rand_below(64) : 12;
        taglen = gcm_tags[rand_below(7)];
    }
    rand_buf(iv, ivlen);

    gmtls_sm4_gcm_ctx g;
    gmtls_sm4_ccm_ctx c;
    int mode = ccm ? GCRY_CIPHER_MODE_CCM : GCRY_CIPHER_MODE_GCM;
    if (ccm) {
        gmtls_sm4_ccm_init(&c, key);
    } else {
        gmtls_sm4_gcm_init(&g, key);
    }
    /* ours -> theirs */
    memcpy(a, pt, len);
    CHECK_OK(ccm ? gmtls_sm4_ccm_seal(&c, iv, ivlen, aad, aadlen, a, len, t1, taglen)
                 : gmtls_sm4_gcm_seal(&g, iv, ivlen, aad, aadlen, a, len, t1, taglen));
    memcpy(b, pt, len);
    CHECK_OK(gc_aead(mode, 1, key, iv, ivlen, aad, aadlen, b, len, t2, taglen));
    CHECK_MEM(a, b, len);
    CHECK_MEM(t1, t2, taglen);
    CHECK_OK(gc_aead(mode, 0, key, iv, ivlen, aad, aadlen, a, len, t1, taglen));
    CHECK_MEM(a, pt, len);
    /* theirs -> ours */
    CHECK_OK(ccm ? gmtls_sm4_ccm_open(&c, iv, ivlen, aad, aadlen, b, len, t2, taglen)
                 : gmtls_sm4_gcm_open(&g, iv, ivlen, aad, aadlen, b, len, t2, taglen));
    CHECK_MEM(b, pt, len);
    /* a wrong tag is refused by both */
    memcpy(b, pt, len);
    CHECK_OK(gc_aead(mode, 1, key, iv, ivlen, aad, aadlen, b, len, t2, taglen));
    t2[rand_below(taglen)] ^= (uint8_t)(1u << rand_below(8));
    memcpy(a, b, len);
    CHECK(gc_aead(mode, 0, key, iv, ivlen, aad, aadlen, a, len, t2, taglen) != 0);
    CHECK_ERR(ccm ? gmtls_sm4_ccm_open(&c, iv, ivlen, aad, aadlen, b, len, t2, taglen)
                  : gmtls_sm4_gcm_open(&g, iv, ivlen, aad, aadlen, b, len, t2, taglen), -1);
    if (ccm) {
        gmtls_sm4_ccm_clear(&c);
    } else {
        gmtls_sm4_gcm_clear(&g);
    }
}

int main(void)
{
    if (!gcry_check_version(GCRYPT_VERSION)) {
        fprintf(stderr, "libgcrypt version mismatch\n");
        return 1;
    }
    gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    size_t cap = 70001;
    uint8_t *pt = malloc(cap), *a = malloc(cap), *b = malloc(cap), *aad = malloc(cap);
    CHECK(pt && a && b && aad);
    if (!pt || !a || !b || !aad) {
        return TEST_END("sm4_aead_gcrypt_test");
    }
    static const size_t fixed[] = {0, 1, 15, 16, 17, 63, 64, 65, 255, 256, 257, 4096, 65536};
    SM_FOR_EACH_PATH(path) {
        printf("sm4_aead_gcrypt_test: cpu path %s\n", path);
        for (int ccm = 0; ccm < 2; ccm++) {
            int n = 0;
            for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
                for (int r = 0; r < 10; r++, n++) {
                    one(ccm, fixed[i], rand_below(100), pt, a, b, aad);
                    one(ccm, rand_below(300), fixed[i], pt, a, b, aad);
                }
            }
            for (int r = 0; r < 300; r++, n++) {
                one(ccm, rand_below(2000), rand_below(600), pt, a, b, aad);
            }
            /* CCM AAD length encodings around 2^16 - 2^8 (2-byte vs 0xFFFE form) */
            static const size_t big_aad[] = {0xfefe, 0xfeff, 0xff00, 0xff01, 70000};
            for (size_t i = 0; i < 5; i++, n++) {
                one(ccm, rand_below(100), big_aad[i], pt, a, b, aad);
            }
            printf("  %s: %d random cases\n", ccm ? "ccm" : "gcm", n);
        }
    }
    free(pt);
    free(a);
    free(b);
    free(aad);
    return TEST_END("sm4_aead_gcrypt_test");
}
