/* fuzz/fuzz_sm2_decrypt.c - libFuzzer target for SM2 decryption
 * (GB/T 32918.4) with a fixed key.
 *
 * data[0] bit 0 picks the encoding (DER SM2Cipher or C1C3C2); the rest is
 * the ciphertext. Decryption must never crash or read outside the input,
 * and, C3 being a hash over the plaintext and the shared point and DER
 * being strict, it can succeed only on the two published ciphertexts of
 * the GB/T 32918.5 example (the corpus holds them): any other encoding of
 * them (non-minimal INTEGERs or lengths, trailing bytes, another C1) must
 * fail, and a success yields exactly "encryption standard". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gmtls/sm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* GB/T 32918.5-2017 encryption example: d_B and the ciphertexts */
static const uint8_t D[32] = {0x39, 0x45, 0x20, 0x8F, 0x7B, 0x21, 0x44, 0xB1, 0x3F, 0x36, 0xE3,
                              0x8A, 0xC6, 0xD3, 0x9F, 0x95, 0x88, 0x93, 0x93, 0x69, 0x28, 0x60,
                              0xB5, 0x1A, 0x42, 0xFB, 0x81, 0xEF, 0x4D, 0xF7, 0xC5, 0xB8};
static const uint8_t C2[19] = {0x21, 0x88, 0x6C, 0xA9, 0x89, 0xCA, 0x9C, 0x7D, 0x58, 0x08,
                               0x73, 0x07, 0xCA, 0x93, 0x09, 0x2D, 0x65, 0x1E, 0xFA};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gmtls_sm2_key key;
    static int ready;
    if (!ready) {
        if (gmtls_sm2_key_from_private(&key, D) != 0) {
            abort();
        }
        ready = 1;
    }
    if (size < 1) {
        return 0;
    }
    int format = data[0] & 1 ? GMTLS_SM2_ENC_C1C3C2 : GMTLS_SM2_ENC_DER;
    size_t n = size - 1, outlen = 0;
    /* an exact-size copy, so reading past the ciphertext is caught */
    uint8_t *in = malloc(n ? n : 1), *out = malloc(n ? n : 1);
    if (in == NULL || out == NULL) {
        abort();
    }
    memcpy(in, data + 1, n);
    if (gmtls_sm2_decrypt(&key, format, in, n, out, n, &outlen) == 0) {
        /* the published C2 ends both encodings */
        if (outlen != 19 || memcmp(out, "encryption standard", 19) != 0 || n < 19 || memcmp(in + n - 19, C2, 19) != 0 ||
            n != (format == GMTLS_SM2_ENC_DER ? 126u : 116u)) {
            abort();
        }
    }
    free(in);
    free(out);
    return 0;
}
