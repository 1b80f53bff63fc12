/* fuzz/fuzz_sm2_point.c - libFuzzer target for SM2 public-key decoding and
 * ECDH.
 *
 * The input is a candidate encoded point. gmtls must accept it exactly
 * when OpenSSL's EC code decodes it as an uncompressed 65-byte point on
 * the SM2 curve; when it does, ECDH with a fixed private key must match
 * OpenSSL's scalar multiplication. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "gmtls/sm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed private key (any value in [1, n-2] would do). */
static const uint8_t D[32] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed, 0xcb,
                              0xa9, 0x87, 0x65, 0x43, 0x21, 0x5a, 0x5a, 0xa5, 0xa5, 0x01, 0x02,
                              0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gmtls_sm2_key key;
    static EC_GROUP *grp;
    static BIGNUM *d;
    if (grp == NULL) {
        grp = EC_GROUP_new_by_curve_name(NID_sm2);
        d = BN_bin2bn(D, 32, NULL);
        if (grp == NULL || d == NULL || gmtls_sm2_key_from_private(&key, D) != 0) {
            abort();
        }
    }
    gmtls_sm2_pubkey pub;
    int ok = gmtls_sm2_pubkey_from_bytes(&pub, data, size) == 0;

    /* OpenSSL's view: an uncompressed point of 65 bytes, on the curve */
    EC_POINT *pt = EC_POINT_new(grp);
    int ossl_ok = size == 65 && data[0] == 0x04 && EC_POINT_oct2point(grp, pt, data, size, NULL) == 1 &&
                  EC_POINT_is_on_curve(grp, pt, NULL) == 1 && !EC_POINT_is_at_infinity(grp, pt);
    if (ok != ossl_ok) {
        abort();
    }
    if (ok) {
        uint8_t enc[65], shared[32], want[65];
        gmtls_sm2_pubkey_to_bytes(&pub, enc);
        if (memcmp(enc, data, 65) != 0) {
            abort();
        }
        EC_POINT *r = EC_POINT_new(grp);
        if (gmtls_sm2_ecdh(&key, &pub, shared) != 0 || EC_POINT_mul(grp, r, NULL, pt, d, NULL) != 1 ||
            EC_POINT_point2oct(grp, r, POINT_CONVERSION_UNCOMPRESSED, want, sizeof want, NULL) != 65 ||
            memcmp(shared, want + 1, 32) != 0) {
            abort();
        }
        EC_POINT_free(r);
    }
    EC_POINT_free(pt);
    return 0;
}
