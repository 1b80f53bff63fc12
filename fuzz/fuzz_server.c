/* fuzz/fuzz_server.c - libFuzzer target: the whole server handshake.
 *
 * Input layout: k = data[0] % 4 split lengths (u16 each, big-endian) follow,
 * then the bytes a client would send. The bytes are fed to a fresh server
 * connection in k + 1 calls (chunks of the given lengths, the rest last), so
 * that partial records, partial messages and several flights are exercised;
 * once the handshake completes the rest goes to gmtls_receive. Every result
 * is acceptable (alerts, WANT_READ) except a crash, a leak, or an alert
 * result without its alert record in the output. The certificates (P-256;
 * SM2 signing and encryption for TLCP) are made once. The engine's randomness is the system RNG.
 * Bit 7 of byte 0 (unused by the framing) picks a second config that asks
 * for client certificates (request mode): then the client's Certificate and
 * CertificateVerify are parsed, and TLCP's ECDHE suites can be chosen
 * (corpus/fuzz_server/tlcp_ecdhe_client_flight). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gmtls.h"
#include "testcerts.h"
#include "fuzz_chunks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gmtls_config *server_config(int client_auth)
{
    static gmtls_config *cfgs[2];
    static test_chain chain;
    gmtls_config *cfg = cfgs[client_auth];
    if (cfg != NULL) {
        return cfg;
    }
    if (chain.ca_pem == NULL && test_make_chain("P-256", "localhost", NULL, &chain) != 0) {
        abort();
    }
    cfg = gmtls_config_new();
    if (cfg == NULL ||
        gmtls_config_add_cert_chain_mem(cfg, chain.chain_pem, strlen(chain.chain_pem), chain.key_pem,
                                        strlen(chain.key_pem)) != 0 ||
        gmtls_config_set_alpn(cfg, "h2,http/1.1") != 0) {
        abort();
    }
    /* TLCP (GB/T 38636-2020): an SM2 signing chain and an encryption pair,
     * so a ClientHello of version 0x0101 reaches the TLCP server
     * (corpus/fuzz_server/ch_tlcp) and its ClientKeyExchange decryption. */
    static test_tlcp_chain sm2;
    if ((sm2.enc_pem == NULL && test_make_tlcp_chain("localhost", &sm2) != 0) ||
        gmtls_config_add_cert_chain_mem(cfg, sm2.sign.chain_pem, strlen(sm2.sign.chain_pem), sm2.sign.key_pem,
                                        strlen(sm2.sign.key_pem)) != 0 ||
        gmtls_config_set_enc_cert_mem(cfg, sm2.enc_pem, strlen(sm2.enc_pem), sm2.enc_key_pem,
                                      strlen(sm2.enc_key_pem)) != 0) {
        abort();
    }
    /* An external PSK in both modes (corpus/fuzz_server/ch_ext_psk_ke carries
     * a psk_ke ClientHello with its valid binder): the psk_ke path, binder
     * checks and the suite choice by the key's hash are reachable. */
    static const uint8_t key[32] = {'f', 'u', 'z', 'z'};
    if (gmtls_config_add_psk(cfg, (const uint8_t *)"fuzz", 4, key, sizeof key, NULL) != 0 ||
        gmtls_config_set_psk_modes(cfg, GMTLS_PSK_MODE_DHE_KE | GMTLS_PSK_MODE_KE) != 0) {
        abort();
    }
    /* 0-RTT on: early_data in a ClientHello goes through the acceptance
     * checks (rejected without a ticket the fuzzer cannot forge) and the
     * early records are skipped within the limit. */
    if (gmtls_config_set_max_early_data(cfg, 16384) != 0) {
        abort();
    }
    if (client_auth) {
        gmtls_config_set_client_auth(cfg, GMTLS_CLIENT_AUTH_REQUEST);
    }
    cfgs[client_auth] = cfg;
    return cfg;
}

static int is_alert(int rc)
{
    return rc > 0 && rc < 0x100;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t k, chunk[4];
    int client_auth = size > 0 && (data[0] & 0x80) != 0;
    if (fuzz_chunks(&data, &size, chunk, &k) != 0) {
        return 0;
    }

    gmtls_conn *c = gmtls_conn_new(server_config(client_auth), 1);
    gmtls_buf out, app;
    if (c == NULL) {
        abort();
    }
    gmtls_buf_init(&out);
    gmtls_buf_init(&app);
    size_t pos = 0;
    int rc = GMTLS_ERR_WANT_READ;
    for (size_t i = 0; i <= k && pos <= size; i++) {
        size_t n = i < k ? chunk[i] : size - pos;
        if (n > size - pos) {
            n = size - pos;
        }
        size_t before = out.off, len = n;
        if (!gmtls_conn_handshake_done(c)) {
            rc = gmtls_handshake(c, &out, data + pos, &len);
        } else {
            rc = gmtls_receive(c, &out, &app, data + pos, &len);
        }
        if (len > n) {
            abort(); /* consumed more than it was given */
        }
        /* An alert result leaves its record in the output (sent once). */
        if (is_alert(rc) && !(out.off > before)) {
            abort();
        }
        pos += len;
        if (rc != 0 && rc != GMTLS_ERR_WANT_READ) {
            break;
        }
        if (len < n && rc == 0 && gmtls_conn_handshake_done(c)) {
            /* Bytes after the handshake: give them to gmtls_receive. */
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
