/* fuzz/fuzz_tls12_client.c - libFuzzer target: the TLS 1.2 client
 * handshake (tls12.c), whose server messages before Finished are all
 * plaintext: ServerHello (version, suite, extensions: EMS,
 * renegotiation_info, ec_point_formats, ALPN, SessionTicket,
 * status_request, SCT), Certificate, CertificateStatus, ServerKeyExchange,
 * CertificateRequest, ServerHelloDone, NewSessionTicket, change_cipher_spec.
 *
 * A client that offers only TLS 1.2 (ALPN, OCSP requested, verification
 * off) produces its ClientHello; the input is what "the server" sends,
 * framed and driven as in fuzz_client (fuzz_client_harness.h). The client random is fixed
 * (32 bytes of 0x5a) after the ClientHello is made, so that a seed's
 * ServerKeyExchange signature (made over that random) verifies and the
 * fuzzer reaches CertificateRequest, ServerHelloDone and the client's
 * second flight. Every result but a crash or leak is acceptable. */
#include "fuzz_client_harness.h"

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

/* The seeds' ServerKeyExchange signatures cover 32 bytes of 0x5a. */
static void fix_random(gmtls_conn *c)
{
    memset(c->client_random, 0x5a, sizeof c->client_random);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_client_run(client_config(), NULL, fix_random, data, size);
}
