/* In-memory handshakes: every cipher suite x group x certificate type, then
 * HelloRetryRequest, data both ways, KeyUpdate, exporters, close_notify. */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "tlstest.h"

static const char *const suites[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                     "TLS_CHACHA20_POLY1305_SHA256", "TLS_SM4_GCM_SM3", "TLS_SM4_CCM_SM3"};
static const char *const groups[] = {"x25519", "secp256r1", "secp384r1", "curveSM2"};
static const char *const certs[] = {"P-256", "P-384", "RSA", "RSA-PSS", "ED25519", "SM2"};
static const char *const cert_sigalg[] = {"ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "rsa_pss_rsae_sha256",
                                          "rsa_pss_pss_sha256", "ed25519", "sm2sig_sm3"};

/* Data both ways, a KeyUpdate each way, equal exporters, close_notify. */
static void exercise(tt_pair *p)
{
    static uint8_t big[70000];
    for (size_t i = 0; i < sizeof big; i++) {
        big[i] = (uint8_t)(i * 7);
    }
    CHECK_OK(tt_send(p, 1, "hello server", 12));
    CHECK(p->srv_app.off == 12 && memcmp(p->srv_app.base, "hello server", 12) == 0);
    CHECK_OK(tt_send(p, 0, big, sizeof big));
    CHECK(p->cli_app.off == sizeof big && memcmp(p->cli_app.base, big, sizeof big) == 0);
    p->cli_app.off = p->srv_app.off = 0;
    CHECK_OK(gmtls_key_update(p->cli, &p->c2s, 1));
    CHECK_OK(tt_send(p, 1, "after update", 12));
    CHECK_OK(tt_send(p, 0, "reply", 5));
    CHECK(p->srv_app.off == 12 && p->cli_app.off == 5);
    CHECK_OK(gmtls_key_update(p->srv, &p->s2c, 0));
    CHECK_OK(tt_send(p, 0, "x", 1));
    CHECK(p->cli_app.off == 6);
    uint8_t e1[32], e2[32];
    CHECK_OK(gmtls_export(p->cli, "EXPERIMENTAL gmtls", (const uint8_t *)"ctx", 3, 1, e1, sizeof e1));
    CHECK_OK(gmtls_export(p->srv, "EXPERIMENTAL gmtls", (const uint8_t *)"ctx", 3, 1, e2, sizeof e2));
    CHECK_MEM(e1, e2, sizeof e1);
    CHECK_OK(gmtls_close(p->cli, &p->c2s));
    size_t n = p->c2s.off;
    CHECK_ERR(gmtls_receive(p->srv, &p->s2c, &p->srv_app, p->c2s.base, &n), GMTLS_ERR_CLOSED);
}

static void matrix(void)
{
    for (size_t k = 0; k < GMTLS_ARRAY_LEN_T(certs); k++) {
        const test_chain *chain = tt_chain(certs[k]);
        CHECK(chain != NULL);
        if (chain == NULL) {
            continue;
        }
        for (size_t s = 0; s < GMTLS_ARRAY_LEN_T(suites); s++) {
            for (size_t g = 0; g < GMTLS_ARRAY_LEN_T(groups); g++) {
                gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
                CHECK(scfg != NULL && ccfg != NULL);
                CHECK_OK(gmtls_config_set_cipher_suites(ccfg, suites[s]));
                CHECK_OK(gmtls_config_set_groups(ccfg, groups[g]));
                tt_pair p;
                CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
                int rc = tt_handshake(&p);
                CHECK_OK(rc);
                if (rc != 0) {
                    fprintf(stderr, "  %s / %s / %s: %s (client: %s; server: %s)\n", suites[s], groups[g], certs[k],
                            gmtls_strerror(rc), gmtls_conn_error_detail(p.cli), gmtls_conn_error_detail(p.srv));
                } else {
                    CHECK(strcmp(gmtls_cipher_suite_name(gmtls_conn_cipher_suite(p.cli)), suites[s]) == 0);
                    CHECK(gmtls_conn_cipher_suite(p.srv) == gmtls_conn_cipher_suite(p.cli));
                    CHECK(strcmp(gmtls_group_name(gmtls_conn_group(p.cli)), groups[g]) == 0);
                    CHECK(gmtls_conn_group(p.srv) == gmtls_conn_group(p.cli));
                    CHECK(strcmp(gmtls_sigalg_name(gmtls_conn_sigalg(p.cli)), cert_sigalg[k]) == 0);
                    CHECK(strcmp(gmtls_conn_verify_result(p.cli), "ok") == 0);
                    CHECK(!gmtls_conn_did_hrr(p.cli));
                    exercise(&p);
                }
                tt_pair_free(&p);
                gmtls_config_free(scfg);
                gmtls_config_free(ccfg);
            }
        }
    }
}

/* The client's one key share is for a group the server does not take: the
 * server asks for another with HelloRetryRequest. */
static void hello_retry(void)
{
    static const char *const pairs[][3] = {
        {"x25519:secp384r1", "secp384r1", "TLS_AES_128_GCM_SHA256"},
        {"secp256r1:curveSM2", "curveSM2", "TLS_SM4_GCM_SM3"},
        {"x25519:curveSM2", "curveSM2:x25519", "TLS_SM4_CCM_SM3"},
        {"curveSM2:x25519", "x25519", "TLS_CHACHA20_POLY1305_SHA256"},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(pairs); i++) {
        const test_chain *chain = tt_chain(i % 2 ? "SM2" : "P-256");
        gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
        CHECK_OK(gmtls_config_set_groups(ccfg, pairs[i][0]));
        CHECK_OK(gmtls_config_set_groups(scfg, strchr(pairs[i][1], ':') ? "curveSM2" : pairs[i][1]));
        CHECK_OK(gmtls_config_set_cipher_suites(ccfg, pairs[i][2]));
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        int rc = tt_handshake(&p);
        CHECK_OK(rc);
        if (rc == 0) {
            CHECK(gmtls_conn_did_hrr(p.cli) && gmtls_conn_did_hrr(p.srv));
            CHECK(gmtls_conn_group(p.cli) == gmtls_conn_group(p.srv));
            exercise(&p);
        } else {
            fprintf(stderr, "  HRR %zu: %s / %s\n", i, gmtls_conn_error_detail(p.cli), gmtls_conn_error_detail(p.srv));
        }
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
}

/* Every signature scheme, forced through the client's list. */
static void sigalg_sweep(void)
{
    static const char *const cases[][2] = {
        {"RSA", "rsa_pss_rsae_sha256"},     {"RSA", "rsa_pss_rsae_sha384"},     {"RSA", "rsa_pss_rsae_sha512"},
        {"RSA-PSS", "rsa_pss_pss_sha256"},  {"RSA-PSS", "rsa_pss_pss_sha384"},  {"RSA-PSS", "rsa_pss_pss_sha512"},
        {"P-256", "ecdsa_secp256r1_sha256"}, {"P-384", "ecdsa_secp384r1_sha384"}, {"ED25519", "ed25519"},
        {"SM2", "sm2sig_sm3"},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
        const test_chain *chain = tt_chain(cases[i][0]);
        gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
        /* The certificate itself may be signed with another scheme. */
        char list[256];
        snprintf(list, sizeof list, "%s:rsa_pkcs1_sha256:rsa_pss_rsae_sha256:rsa_pss_pss_sha256:sm2sig_sm3:"
                                    "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ed25519", cases[i][1]);
        CHECK_OK(gmtls_config_set_sigalgs(ccfg, list));
        CHECK_OK(gmtls_config_set_sigalgs(scfg, cases[i][1]));
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        int rc = tt_handshake(&p);
        CHECK_OK(rc);
        if (rc == 0) {
            CHECK(strcmp(gmtls_sigalg_name(gmtls_conn_sigalg(p.cli)), cases[i][1]) == 0);
            CHECK_OK(tt_send(&p, 1, "x", 1));
        } else {
            fprintf(stderr, "  %s: %s / %s\n", cases[i][1], gmtls_conn_error_detail(p.cli),
                    gmtls_conn_error_detail(p.srv));
        }
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
    /* rsa_pkcs1_* is for certificates only: never chosen for CertificateVerify. */
    const test_chain *rsa = tt_chain("RSA");
    gmtls_config *scfg = tt_server_config(rsa), *ccfg = tt_client_config(rsa);
    CHECK_OK(gmtls_config_set_sigalgs(ccfg, "rsa_pkcs1_sha256:rsa_pkcs1_sha384"));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    (void)tt_handshake(&p);
    CHECK_ERR(p.srv_rc, GMTLS_ALERT_HANDSHAKE_FAILURE);
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

/* NewSessionTicket goes out when the server consumes the client Finished,
 * not with the server's Finished: the client's Finished is then answered at
 * once, so a client without TCP_NODELAY does not have its first request held
 * by Nagle's algorithm until the server's delayed ACK (issue 16). */
static void tickets_after_client_finished(void)
{
    const test_chain *chain = tt_chain("P-256");
    gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
    CHECK(scfg != NULL && ccfg != NULL);
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    size_t n = 0;
    CHECK_ERR(gmtls_handshake(p.cli, &p.c2s, p.s2c.base, &n), GMTLS_ERR_WANT_READ); /* ClientHello */
    n = p.c2s.off;
    CHECK_ERR(gmtls_handshake(p.srv, &p.s2c, p.c2s.base, &n), GMTLS_ERR_WANT_READ); /* ... server Finished */
    gmtls_buf_consume(&p.c2s, n);
    CHECK(p.c2s.off == 0 && p.s2c.off > 0);
    n = p.s2c.off;
    CHECK_OK(gmtls_handshake(p.cli, &p.c2s, p.s2c.base, &n)); /* client Finished */
    gmtls_buf_consume(&p.s2c, n);
    CHECK(p.s2c.off == 0); /* the server's flight ended with its Finished: no ticket yet */
    gmtls_buf sess;
    gmtls_buf_init(&sess);
    CHECK(gmtls_conn_get_session(p.cli, &sess) != 0);
    n = p.c2s.off;
    CHECK_OK(gmtls_handshake(p.srv, &p.s2c, p.c2s.base, &n));
    gmtls_buf_consume(&p.c2s, n);
    CHECK(p.c2s.off == 0);
    CHECK(p.s2c.off > 0); /* the ticket is output as the client Finished is consumed */
    n = p.s2c.off;
    CHECK_OK(gmtls_receive(p.cli, &p.c2s, &p.cli_app, p.s2c.base, &n));
    CHECK(n == p.s2c.off && p.cli_app.off == 0);
    CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
    CHECK(sess.off > 0);
    gmtls_buf_dispose(&sess);
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

int main(void)
{
    tickets_after_client_finished();
    sigalg_sweep();
    matrix();
    hello_retry();
    return TEST_END("handshake_test");
}
