/* fuzz/fuzz_session.c - libFuzzer target for gmtls_conn_set_session, the
 * reader of serialized client sessions ("GMS1".."GMS4").
 *
 * Reading must never crash or leak. What it accepts must be usable as the
 * handshake uses it: the ticket within its <1..2^16-1> bound (empty only
 * beside a TLS 1.2 / TLCP session ID), the PSK 32..48 bytes, the verify
 * result a C string under 200 bytes, and the kept server chain (GMS4) one
 * that gmtls_session_restore_peer restores: at most GMTLS_MAX_CHAIN (100)
 * certificates, with a subject for a non-empty chain. The seeds are sessions of all four forms
 * (fuzz/corpus/fuzz_session). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handshake/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gmtls_config *cfg;
    if (cfg == NULL && (cfg = gmtls_config_new()) == NULL) {
        abort();
    }
    gmtls_conn *c = gmtls_conn_new(cfg, 0);
    if (c == NULL) {
        abort();
    }
    if (gmtls_conn_set_session(c, data, size) == 0) {
        const gmtls_session *s = &c->offer;
        if (s->psk_len < 32 || s->psk_len > GMTLS_MAX_HASH_LEN || s->ticket_len > 0xffff ||
            (s->ticket == NULL) != (s->ticket_len == 0) || (s->ticket == NULL && s->session_id_len == 0) ||
            memchr(s->verify_result, '\0', sizeof s->verify_result) == NULL || size < 4 ||
            (memcmp(data, "GMS4", 4) == 0) != (s->peer != NULL)) {
            abort();
        }
        if (s->peer != NULL) {
            int rc = gmtls_session_restore_peer(c);
            if (rc != 0 || c->npeer > GMTLS_MAX_CHAIN || (c->npeer > 0 && gmtls_conn_peer_subject(c) == NULL) ||
                strcmp(gmtls_conn_verify_result(c), s->verify_result) != 0) {
                abort();
            }
        }
    }
    gmtls_conn_free(c);
    return 0;
}
