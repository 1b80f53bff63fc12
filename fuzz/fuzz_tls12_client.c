/* fuzz/fuzz_tls12_client.c - libFuzzer target: the TLS 1.2 client
 * handshake (tls12.c), whose server messages before Finished are all
 * plaintext: ServerHello (version, suite, extensions: EMS,
 * renegotiation_info, ec_point_formats, ALPN, SessionTicket,
 * status_request, SCT), Certificate, CertificateStatus, ServerKeyExchange,
 * CertificateRequest, ServerHelloDone, NewSessionTicket, change_cipher_spec.
 *
 * A client that offers only TLS 1.2 (ALPN, OCSP requested, verification
 * off) produces its ClientHello; the input is what "the server" sends,
 * framed as in fuzz_client (fuzz_chunks.h). The client random is fixed
 * (32 bytes of 0x5a) after the ClientHello is made, so that a seed's
 * ServerKeyExchange signature (made over that random) verifies and the
 * fuzzer reaches CertificateRequest, ServerHelloDone and the client's
 * second flight. Every result but a crash or leak is acceptable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handshake/internal.h"
#include "fuzz_chunks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gmtls_config *client_config(void)
{
    static gmtls_config *cfg;
    if (cfg == NULL) {
        cfg = gmtls_config_new();
        if (cfg == NULL || gmtls_config_set_alpn(cfg, "h2,http/1.1") != 0 ||
            gmtls_config_set_versions(cfg, GMTLS_VERSION_TLS12, GMTLS_VERSION_TLS12) != 0) {
            abort();
        }
        gmtls_config_set_verify_peer(cfg, 0);
        gmtls_config_set_request_ocsp(cfg, 1);
    }
    return cfg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t k, chunk[4];
    if (fuzz_chunks(&data, &size, chunk, &k) != 0) {
        return 0;
    }
    gmtls_conn *c = gmtls_conn_new(client_config(), 0);
    gmtls_buf out, app;
    if (c == NULL || gmtls_conn_set_server_name(c, "localhost") != 0) {
        abort();
    }
    gmtls_buf_init(&out);
    gmtls_buf_init(&app);
    size_t zero = 0;
    if (gmtls_handshake(c, &out, NULL, &zero) != GMTLS_ERR_WANT_READ) {
        abort(); /* producing the ClientHello cannot fail */
    }
    memset(c->client_random, 0x5a, sizeof c->client_random);
    size_t pos = 0;
    for (size_t i = 0; i <= k && pos <= size; i++) {
        size_t n = i < k ? chunk[i] : size - pos;
        if (n > size - pos) {
            n = size - pos;
        }
        size_t len = n;
        int rc = gmtls_conn_handshake_done(c) ? gmtls_receive(c, &out, &app, data + pos, &len)
                                              : gmtls_handshake(c, &out, data + pos, &len);
        if (len > n) {
            abort();
        }
        pos += len;
        if (rc != 0 && rc != GMTLS_ERR_WANT_READ) {
            break;
        }
    }
    gmtls_buf_dispose(&out);
    gmtls_buf_dispose(&app);
    gmtls_conn_free(c);
    return 0;
}
