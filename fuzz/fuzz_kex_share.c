/* fuzz/fuzz_kex_share.c - libFuzzer target for the key_share parsers of
 * every key exchange group, the hybrid post-quantum ones in particular
 * (length split, ECDHE point checks, the FIPS 203 §7.2 modulus check of
 * the ML-KEM encapsulation key, the ciphertext length).
 *
 * Input: byte 0 picks the group (low 3 bits) and the side (bit 3: 0 = the
 * server answers a client share through respond(), 1 = a client that made
 * a key pair derives from a server share); the rest is the share. The
 * result must be 0 or an alert; on success the secret has the group's
 * length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t GROUPS[8] = {0x11ec, 0x11eb, 0x11ed, 0x11ee, 0x001d, 0x0017, 0x0018, 0x0029};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const gmtls_kex_alg *k = gmtls_kex_by_id(GROUPS[data[0] & 7]);
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
    return 0;
}
