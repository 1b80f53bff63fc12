/* fuzz/fuzz_kex_share.c - libFuzzer target for the key_share parsers of
 * every key exchange group, the hybrid post-quantum ones in particular
 * (length split, ECDHE point checks, the FIPS 203 §7.2 modulus check of
 * the ML-KEM encapsulation key, the ciphertext length).
 *
 * Input: byte 0 picks the group (low 3 bits, and bit 4 for the second
 * eight: x448, secp521r1, ffdhe2048..8192, curveSM2 as 0x001a) and the side
 * (bit 3: 0 = the server answers a client share through respond(), 1 = a
 * client that made a key pair derives from a server share); the rest is the
 * share. The result must be 0 or an alert; on success the secret has the
 * group's length (the size of p for FFDHE: RFC 8446 §7.4.1). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t GROUPS[16] = {0x11ec, 0x11eb, 0x11ed, 0x11ee, 0x001d, 0x0017, 0x0018, 0x0029,
                                    0x001e, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x001a};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const gmtls_kex_alg *k = gmtls_kex_by_id(GROUPS[(data[0] & 7) | (data[0] >> 1 & 8)]);
    if (k == NULL) {
        abort();
    }
    uint8_t pub[GMTLS_MAX_KEX_PUB], secret[GMTLS_MAX_KEX_SECRET];
    size_t publen = 0, secretlen = 0;
    int rc;
    if (data[0] & 8) {
        void *st = NULL;
        if (k->keygen(&st, pub, &publen) != 0) {
            abort();
        }
        rc = k->derive(st, data + 1, size - 1, secret, &secretlen);
        k->free(st);
    } else if (k->respond != NULL) {
        rc = k->respond(data + 1, size - 1, pub, &publen, secret, &secretlen);
    } else {
        void *st = NULL;
        if (k->keygen(&st, pub, &publen) != 0) {
            abort();
        }
        rc = k->derive(st, data + 1, size - 1, secret, &secretlen);
        k->free(st);
    }
    if (rc != 0 && rc != GMTLS_ALERT_ILLEGAL_PARAMETER && rc != GMTLS_ALERT_INTERNAL_ERROR) {
        abort();
    }
    if (rc == 0 && (secretlen == 0 || secretlen > GMTLS_MAX_KEX_SECRET || publen > GMTLS_MAX_KEX_PUB)) {
        abort();
    }
    /* FFDHE: share and secret are exactly the size of p */
    if (rc == 0 && k->id >= 0x0100 && k->id <= 0x0104 && (secretlen != size - 1 || publen != size - 1)) {
        abort();
    }
    return 0;
}
