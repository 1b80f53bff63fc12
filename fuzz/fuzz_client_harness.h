/* fuzz/fuzz_client_harness.h - the driver the client-side targets share
 * (fuzz_client, fuzz_tls12_client, fuzz_tlcp_client): a fresh client
 * connection on the target's config (SNI "localhost") produces its
 * ClientHello; the target's hook then fixes what its seeds depend on (the
 * session ID echo, the client random a ServerKeyExchange signature covers);
 * the input is what "the server" sends, framed by fuzz_chunks.h and fed in
 * those chunks: to gmtls_handshake until the handshake is done, then to
 * gmtls_receive (bytes left over in the chunk that completed the handshake
 * included). Every result but a crash, a leak or a reader that claims more
 * bytes than it was given is acceptable. */
#ifndef GMTLS_FUZZ_CLIENT_HARNESS_H
#define GMTLS_FUZZ_CLIENT_HARNESS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_chunks.h"
#include "handshake/internal.h"

/* prepare (may be NULL) runs before the ClientHello is made, fix (may be
 * NULL) right after it. */
static inline int fuzz_client_run(gmtls_config *cfg, void (*prepare)(gmtls_conn *c), void (*fix)(gmtls_conn *c),
                                  const uint8_t *data, size_t size)
{
    size_t k, chunk[4];
    if (fuzz_chunks(&data, &size, chunk, &k) != 0) {
        return 0;
    }
    gmtls_conn *c = gmtls_conn_new(cfg, 0);
    gmtls_buf out, app;
    if (c == NULL || gmtls_conn_set_server_name(c, "localhost") != 0) {
        abort();
    }
    if (prepare != NULL) {
        prepare(c);
    }
    gmtls_buf_init(&out);
    gmtls_buf_init(&app);
    size_t zero = 0;
    int rc = gmtls_handshake(c, &out, NULL, &zero);
    if (rc != GMTLS_ERR_WANT_READ) {
        abort(); /* producing the ClientHello cannot fail */
    }
    if (fix != NULL) {
        fix(c);
    }
    size_t pos = 0;
    for (size_t i = 0; i <= k && pos <= size; i++) {
        size_t n = i < k ? chunk[i] : size - pos;
        if (n > size - pos) {
            n = size - pos;
        }
        size_t len = n;
        if (!gmtls_conn_handshake_done(c)) {
            rc = gmtls_handshake(c, &out, data + pos, &len);
        } else {
            rc = gmtls_receive(c, &out, &app, data + pos, &len);
        }
        if (len > n) {
            abort();
        }
        pos += len;
        if (rc != 0 && rc != GMTLS_ERR_WANT_READ) {
            break;
        }
        if (len < n && rc == 0 && gmtls_conn_handshake_done(c)) {
            size_t rest = n - len;
            rc = gmtls_receive(c, &out, &app, data + pos, &rest);
            if (rest > n - len) {
                abort();
            }
            pos += rest;
        }
    }
    gmtls_buf_dispose(&out);
    gmtls_buf_dispose(&app);
    gmtls_conn_free(c);
    return 0;
}

#endif
