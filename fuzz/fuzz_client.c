/* fuzz/fuzz_client.c - libFuzzer target: the whole client handshake.
 *
 * A fresh client connection (SNI "localhost", ALPN h2/http1.1, peer
 * verification off so that a certificate chain is parsed and its
 * CertificateVerify checked) produces its ClientHello; the input is then
 * what "the server" sends, split as in fuzz_server: k = data[0] % 4 u16
 * chunk lengths, then the bytes. Every result but a crash or leak is
 * acceptable. The engine's randomness is the system RNG, so protected
 * records of a seed only decrypt for the run that made them: the fuzzer
 * mostly exercises the ServerHello / HelloRetryRequest / record paths. The
 * legacy_session_id is fixed (32 bytes of 0x5a) so that the seeds' echo
 * matches and the fuzzer gets past that check. */
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
    int rc = gmtls_handshake(c, &out, NULL, &zero);
    if (rc != GMTLS_ERR_WANT_READ) {
        abort(); /* producing the ClientHello cannot fail */
    }
    memset(c->session_id, 0x5a, sizeof c->session_id);
    c->session_id_len = sizeof c->session_id;
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
            pos += rest;
        }
    }
    gmtls_buf_dispose(&out);
    gmtls_buf_dispose(&app);
    gmtls_conn_free(c);
    return 0;
}
