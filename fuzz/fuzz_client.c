/* fuzz/fuzz_client.c - libFuzzer target: the whole client handshake.
 *
 * A client (ALPN h2/http1.1, peer verification off so that a certificate
 * chain is parsed and its CertificateVerify checked) driven by
 * fuzz_client_harness.h: the input is what "the server" sends, split as in
 * fuzz_server (fuzz_chunks.h). The engine's randomness is the system RNG, so protected
 * records of a seed only decrypt for the run that made them: the fuzzer
 * mostly exercises the ServerHello / HelloRetryRequest / record paths. The
 * legacy_session_id is fixed (32 bytes of 0x5a) so that the seeds' echo
 * matches and the fuzzer gets past that check. */
#include "fuzz_client_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gmtls_config *client_config(void)
{
    static gmtls_config *cfg;
    if (cfg == NULL) {
        cfg = gmtls_config_new();
        if (cfg == NULL || gmtls_config_set_alpn(cfg, "h2,http/1.1") != 0) {
            abort();
        }
        gmtls_config_set_verify_peer(cfg, 0);
        /* Two external PSKs (SHA-256, SM3) in both modes: the ClientHello
         * offers them, so a ServerHello's selected_identity, a missing
         * key_share (psk_ke) and the PSK hash checks are reachable. */
        static const uint8_t key[32] = {'f', 'u', 'z', 'z'};
        if (gmtls_config_add_psk(cfg, (const uint8_t *)"fuzz", 4, key, sizeof key, NULL) != 0 ||
            gmtls_config_add_psk(cfg, (const uint8_t *)"fuzz-sm3", 8, key, sizeof key, "SM3") != 0 ||
            gmtls_config_set_psk_modes(cfg, GMTLS_PSK_MODE_DHE_KE | GMTLS_PSK_MODE_KE) != 0) {
            abort();
        }
    }
    return cfg;
}

/* The seeds' ServerHello echoes 32 bytes of 0x5a. */
static void fix_session_id(gmtls_conn *c)
{
    memset(c->session_id, 0x5a, sizeof c->session_id);
    c->session_id_len = sizeof c->session_id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_client_run(client_config(), NULL, fix_session_id, data, size);
}
