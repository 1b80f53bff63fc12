/* fuzz/fuzz_sm4_aead_open.c - libFuzzer target for SM4-GCM/CCM open.
 *
 * Input layout: key[16] | ivlen byte | taglen byte | aadlen byte | iv |
 * aad | tag | ciphertext (the rest). Lengths are taken modulo what the
 * input holds. Open must never crash; when it succeeds, sealing the
 * plaintext again must reproduce the ciphertext and tag exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gmtls/sm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(int ccm, const void *ctx, const uint8_t *iv, size_t ivlen,
                            const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t len,
                            const uint8_t *tag, size_t taglen)
{
    uint8_t *buf = malloc(len + 1);
    uint8_t t2[16];
    if (buf == NULL) {
        return;
    }
    memcpy(buf, ct, len);
    int r = ccm ? gmtls_sm4_ccm_open(ctx, iv, ivlen, aad, aadlen, buf, len, tag, taglen)
                : gmtls_sm4_gcm_open(ctx, iv, ivlen, aad, aadlen, buf, len, tag, taglen);
    if (r == 0) {
        r = ccm ? gmtls_sm4_ccm_seal(ctx, iv, ivlen, aad, aadlen, buf, len, t2, taglen)
                : gmtls_sm4_gcm_seal(ctx, iv, ivlen, aad, aadlen, buf, len, t2, taglen);
        if (r != 0 || memcmp(buf, ct, len) != 0 || memcmp(t2, tag, taglen) != 0) {
            abort();
        }
    } else {
        for (size_t i = 0; i < len; i++) {
            if (buf[i] != 0) {
                abort(); /* failed open must wipe the buffer */
            }
        }
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 19) {
        return 0;
    }
    const uint8_t *key = data;
    size_t ivlen = data[16], taglen = data[17], aadlen = data[18];
    data += 19;
    size -= 19;
    ivlen = size ? ivlen % (size + 1) : 0;
    const uint8_t *iv = data;
    data += ivlen;
    size -= ivlen;
    aadlen = size ? aadlen % (size + 1) : 0;
    const uint8_t *aad = data;
    data += aadlen;
    size -= aadlen;
    taglen = taglen % 17;
    if (taglen > size) {
        taglen = size;
    }
    const uint8_t *tag = data;
    data += taglen;
    size -= taglen;

    gmtls_sm4_gcm_ctx *g = malloc(sizeof *g);
    gmtls_sm4_ccm_ctx c;
    if (g == NULL) {
        return 0;
    }
    gmtls_sm4_gcm_init(g, key);
    gmtls_sm4_ccm_init(&c, key);
    check_roundtrip(0, g, iv, ivlen, aad, aadlen, data, size, tag, taglen);
    check_roundtrip(1, &c, iv, ivlen, aad, aadlen, data, size, tag, taglen);

    /* Seal-then-open of the same fields always round-trips when the
     * parameters are acceptable. */
    uint8_t *buf = malloc(size + 1), t[16];
    if (buf != NULL) {
        memcpy(buf, data, size);
        if (gmtls_sm4_gcm_seal(g, iv, ivlen, aad, aadlen, buf, size, t, taglen) == 0) {
            check_roundtrip(0, g, iv, ivlen, aad, aadlen, buf, size, t, taglen);
        }
        memcpy(buf, data, size);
        if (gmtls_sm4_ccm_seal(&c, iv, ivlen, aad, aadlen, buf, size, t, taglen) == 0) {
            check_roundtrip(1, &c, iv, ivlen, aad, aadlen, buf, size, t, taglen);
        }
        free(buf);
    }
    gmtls_sm4_gcm_clear(g);
    gmtls_sm4_ccm_clear(&c);
    free(g);
    return 0;
}
