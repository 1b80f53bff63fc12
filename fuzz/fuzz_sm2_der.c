/* fuzz/fuzz_sm2_der.c - libFuzzer target for SM2 DER signature parsing and
 * verification with a fixed key.
 *
 * The input is a candidate DER signature. Decoding must never crash; when
 * it succeeds, r and s lie in [1, n-1] and, DER being canonical, encoding
 * them again must give back exactly the input. Verification through the
 * digest and the message interfaces must agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gmtls/sm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* GM/T 0003.5-2012 Annex A example public key, message "message digest"
 * and its e under the default ID. */
static const uint8_t PUB[65] = {0x04, 0x09, 0xF9, 0xDF, 0x31, 0x1E, 0x54, 0x21, 0xA1, 0x50, 0xDD, 0x7D, 0x16,
                                0x1E, 0x4B, 0xC5, 0xC6, 0x72, 0x17, 0x9F, 0xAD, 0x18, 0x33, 0xFC, 0x07, 0x6B,
                                0xB0, 0x8F, 0xF3, 0x56, 0xF3, 0x50, 0x20, 0xCC, 0xEA, 0x49, 0x0C, 0xE2, 0x67,
                                0x75, 0xA5, 0x2D, 0xC6, 0xEA, 0x71, 0x8C, 0xC1, 0xAA, 0x60, 0x0A, 0xED, 0x05,
                                0xFB, 0xF3, 0x5E, 0x08, 0x4A, 0x66, 0x32, 0xF6, 0x07, 0x2D, 0xA9, 0xAD, 0x13};
static const uint8_t E[32] = {0xF0, 0xB4, 0x3E, 0x94, 0xBA, 0x45, 0xAC, 0xCA, 0xAC, 0xE6, 0x92,
                              0xED, 0x53, 0x43, 0x82, 0xEB, 0x17, 0xE6, 0xAB, 0x5A, 0x19, 0xCE,
                              0x7B, 0x31, 0xF4, 0x48, 0x6F, 0xDF, 0xC0, 0xD2, 0x86, 0x40};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gmtls_sm2_pubkey pub;
    static int ready;
    if (!ready) {
        if (gmtls_sm2_pubkey_from_bytes(&pub, PUB, sizeof PUB) != 0) {
            abort();
        }
        ready = 1;
    }
    uint8_t r[32], s[32], again[GMTLS_SM2_MAX_DER_SIG_LEN];
    size_t againlen = 0;
    int parsed = gmtls_sm2_sig_from_der(data, size, r, s) == 0;
    int verified = gmtls_sm2_verify(&pub, NULL, 0, (const uint8_t *)"message digest", 14, data, size) == 0;
    if (!parsed) {
        if (verified) {
            abort();
        }
        return 0;
    }
    if (gmtls_sm2_sig_to_der(r, s, again, &againlen) != 0 || againlen != size || memcmp(again, data, size) != 0) {
        abort();
    }
    if (verified != (gmtls_sm2_verify_digest(&pub, E, r, s) == 0)) {
        abort();
    }
    return 0;
}
