/* In-memory tests of the handshake features beyond a plain 1-RTT handshake:
 * resumption with tickets (and each reason to refuse one), client
 * authentication in the five modes, ALPN, SNI and certificate selection,
 * key log, exporters, OCSP/SCT stapling, SM2 CertificateVerify IDs,
 * dual-algorithm certificates, record padding, KeyUpdate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "certgen/certgen.h"
#include "tlstest.h"
#include "handshake/internal.h"

static gmtls_config *server_cfg(const char *alg)
{
    return tt_server_config(tt_chain(alg));
}

static gmtls_config *client_cfg(const char *alg)
{
    return tt_client_config(tt_chain(alg));
}

/* Full handshake, returns the client's session (malloc'd) or NULL. */
static uint8_t *get_session(gmtls_config *ccfg, gmtls_config *scfg, size_t *len)
{
    tt_pair p;
    gmtls_buf s;
    gmtls_buf_init(&s);
    uint8_t *out = NULL;
    if (tt_pair_new(&p, ccfg, scfg, "localhost") == 0 && tt_handshake(&p) == 0 &&
        gmtls_conn_get_session(p.cli, &s) == 0) {
        out = malloc(s.off);
        memcpy(out, s.base, s.off);
        *len = s.off;
    }
    gmtls_buf_dispose(&s);
    tt_pair_free(&p);
    return out;
}

static int resume(gmtls_config *ccfg, gmtls_config *scfg, const uint8_t *sess, size_t len, int *resumed)
{
    tt_pair p;
    int rc = tt_pair_new(&p, ccfg, scfg, "localhost");
    if (rc == 0) {
        rc = gmtls_conn_set_session(p.cli, sess, len);
    }
    if (rc == 0) {
        rc = tt_handshake(&p);
    }
    if (rc == 0) {
        *resumed = gmtls_conn_is_resumed(p.cli);
        if (gmtls_conn_is_resumed(p.srv) != *resumed) {
            rc = -1;
        }
        if (tt_send(&p, 1, "ping", 4) != 0 || p.srv_app.off != 4) {
            rc = -2;
        }
    }
    tt_pair_free(&p);
    return rc;
}

static void test_resumption(void)
{
    static const char *const suites[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_SM4_GCM_SM3",
                                         "TLS_SM4_CCM_SM3"};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(suites); i++) {
        const char *alg = i >= 2 ? "SM2" : "P-256";
        gmtls_config *scfg = server_cfg(alg), *ccfg = client_cfg(alg);
        CHECK_OK(gmtls_config_set_cipher_suites(ccfg, suites[i]));
        size_t len = 0;
        uint8_t *sess = get_session(ccfg, scfg, &len);
        CHECK(sess != NULL);
        if (sess != NULL) {
            int resumed = 0;
            CHECK_OK(resume(ccfg, scfg, sess, len, &resumed));
            CHECK(resumed);
            /* A tampered ticket is refused: full handshake instead. The
             * session: "GMS4" | suite(2) | psk<1> | ticket<2> | ... */
            size_t at = 4 + 2 + 1 + sess[6];
            size_t tlen = at + 2 <= len ? (size_t)sess[at] << 8 | sess[at + 1] : 0;
            CHECK(tlen > 0 && at + 2 + tlen <= len);
            sess[at + 2 + tlen / 2] ^= 1;
            resumed = 1;
            int rc = resume(ccfg, scfg, sess, len, &resumed);
            CHECK(rc == 0 || rc == GMTLS_ALERT_DECRYPT_ERROR || rc == GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_DECRYPT_ERROR));
            free(sess);
        }
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }

    /* Another server (other ticket key) declines; a server sharing the key accepts. */
    gmtls_config *s1 = server_cfg("P-256"), *s2 = server_cfg("P-256"), *s3 = server_cfg("P-256");
    gmtls_config *ccfg = client_cfg("P-256");
    uint8_t keys[2 * 48];
    for (size_t i = 0; i < sizeof keys; i++) {
        keys[i] = (uint8_t)(i * 13 + 1);
    }
    CHECK_OK(gmtls_config_set_ticket_keys(s1, keys, 1));
    /* s3 rotated: a new key encrypts, the old one still decrypts. */
    uint8_t rot[2 * 48];
    memcpy(rot, keys + 48, 48);
    memcpy(rot + 48, keys, 48);
    CHECK_OK(gmtls_config_set_ticket_keys(s3, rot, 2));
    size_t len = 0;
    uint8_t *sess = get_session(ccfg, s1, &len);
    CHECK(sess != NULL);
    int resumed = 1;
    CHECK_OK(resume(ccfg, s2, sess, len, &resumed));
    CHECK(!resumed);
    resumed = 0;
    CHECK_OK(resume(ccfg, s3, sess, len, &resumed));
    CHECK(resumed);
    /* Tickets off on the server: no resumption. */
    gmtls_config_set_tickets(s1, 0, 0);
    resumed = 1;
    CHECK_OK(resume(ccfg, s1, sess, len, &resumed));
    CHECK(!resumed);
    free(sess);
    /* A suite with another hash cannot use the ticket. */
    gmtls_config_set_tickets(s1, 1, 0);
    sess = get_session(ccfg, s1, &len);
    gmtls_config *c384 = client_cfg("P-256");
    CHECK_OK(gmtls_config_set_cipher_suites(c384, "TLS_AES_256_GCM_SHA384"));
    resumed = 1;
    CHECK_OK(resume(c384, s1, sess, len, &resumed));
    CHECK(!resumed);
    free(sess);
    gmtls_config_free(c384);
    gmtls_config_free(s1);
    gmtls_config_free(s2);
    gmtls_config_free(s3);
    gmtls_config_free(ccfg);
}

/* Client authentication in the five modes of the reference. */
static void test_client_auth(void)
{
    static const struct {
        gmtls_client_auth mode;
        int with_cert;
        int want; /* expected server result */
    } cases[] = {
        {GMTLS_CLIENT_AUTH_NONE, 1, 0},
        {GMTLS_CLIENT_AUTH_REQUEST, 0, 0},
        {GMTLS_CLIENT_AUTH_REQUEST, 1, 0},
        {GMTLS_CLIENT_AUTH_REQUIRE_ANY, 0, GMTLS_ALERT_CERTIFICATE_REQUIRED},
        {GMTLS_CLIENT_AUTH_REQUIRE_ANY, 1, 0},
        {GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN, 0, 0},
        {GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN, 1, 0},
        {GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY, 0, GMTLS_ALERT_CERTIFICATE_REQUIRED},
        {GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY, 1, 0},
    };
    static const char *const algs[] = {"P-256", "SM2", "RSA", "ED25519"};
    for (size_t a = 0; a < GMTLS_ARRAY_LEN_T(algs); a++) {
        const test_chain *ch = tt_chain(algs[a]);
        for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
            gmtls_config *scfg = tt_server_config(ch), *ccfg = tt_client_config(ch);
            gmtls_config_set_client_auth(scfg, cases[i].mode);
            CHECK_OK(gmtls_config_add_ca_mem(scfg, ch->ca_pem, strlen(ch->ca_pem)));
            if (cases[i].with_cert) {
                CHECK_OK(gmtls_config_add_cert_chain_mem(ccfg, ch->chain_pem, strlen(ch->chain_pem), ch->key_pem,
                                                         strlen(ch->key_pem)));
            }
            tt_pair p;
            CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
            int rc = tt_handshake(&p);
            int srv = p.srv_rc == GMTLS_ERR_WANT_READ ? 0 : p.srv_rc;
            CHECK_ERR(srv, cases[i].want);
            if (cases[i].want == 0) {
                CHECK_OK(rc);
                int got_cert = gmtls_conn_peer_subject(p.srv) != NULL;
                CHECK(got_cert == (cases[i].with_cert && cases[i].mode != GMTLS_CLIENT_AUTH_NONE));
                /* Each side reports the scheme of the CertificateVerify it received. */
                CHECK(gmtls_conn_peer_sigalg(p.cli) == gmtls_conn_sigalg(p.cli) && gmtls_conn_sigalg(p.cli) != 0);
                CHECK((gmtls_conn_peer_sigalg(p.srv) != 0) == got_cert);
                if (cases[i].with_cert && cases[i].mode >= GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN) {
                    CHECK(strcmp(gmtls_conn_verify_result(p.srv), "ok") == 0);
                }
                CHECK_OK(tt_send(&p, 1, "x", 1));
            } else {
                /* The client completed its side; it learns why on its next read. */
                int cli = p.cli_rc == 0 ? tt_flush(&p) : p.cli_rc;
                CHECK_ERR(cli, GMTLS_ERR_PEER_ALERT(cases[i].want));
            }
            tt_pair_free(&p);
            gmtls_config_free(scfg);
            gmtls_config_free(ccfg);
        }
    }

    /* A client chain from an unknown CA is refused where verified. */
    const test_chain *ca1 = tt_chain("P-256");
    test_chain other;
    CHECK_OK(test_make_chain("P-256", "intruder", NULL, &other));
    gmtls_config *scfg = tt_server_config(ca1), *ccfg = tt_client_config(ca1);
    gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY);
    CHECK_OK(gmtls_config_add_ca_mem(scfg, ca1->ca_pem, strlen(ca1->ca_pem)));
    CHECK_OK(gmtls_config_add_cert_chain_mem(ccfg, other.chain_pem, strlen(other.chain_pem), other.key_pem,
                                             strlen(other.key_pem)));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    (void)tt_handshake(&p);
    CHECK_ERR(p.srv_rc, GMTLS_ALERT_UNKNOWN_CA);
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
    test_free_chain(&other);

    /* Resumption keeps the client identity; a mode that needs a certificate
     * refuses a ticket from a session without one. */
    const test_chain *ch = tt_chain("SM2");
    scfg = tt_server_config(ch);
    ccfg = tt_client_config(ch);
    gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY);
    CHECK_OK(gmtls_config_add_ca_mem(scfg, ch->ca_pem, strlen(ch->ca_pem)));
    CHECK_OK(gmtls_config_add_cert_chain_mem(ccfg, ch->chain_pem, strlen(ch->chain_pem), ch->key_pem,
                                             strlen(ch->key_pem)));
    size_t len = 0;
    uint8_t *sess = get_session(ccfg, scfg, &len);
    CHECK(sess != NULL);
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p.cli, sess, len));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_is_resumed(p.srv) && gmtls_conn_peer_cert(p.srv, 0, &len) != NULL);
    tt_pair_free(&p);
    free(sess);
    gmtls_config *plain = tt_server_config(ch);
    gmtls_config *c2 = tt_client_config(ch);
    sess = get_session(c2, plain, &len); /* no client certificate in this session */
    uint8_t keys[48] = {1};
    CHECK_OK(gmtls_config_set_ticket_keys(plain, keys, 1));
    CHECK_OK(gmtls_config_set_ticket_keys(scfg, keys, 1));
    free(sess);
    sess = get_session(c2, plain, &len);
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p.cli, sess, len));
    CHECK_OK(tt_handshake(&p));
    CHECK(!gmtls_conn_is_resumed(p.srv));
    tt_pair_free(&p);
    free(sess);
    gmtls_config_free(plain);
    gmtls_config_free(c2);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

typedef struct {
    int calls;
    int ret; /* what the callback returns */
} reject_ctx;

static int reject_all(void *ctx, const gmtls_conn *conn)
{
    reject_ctx *r = ctx;
    (void)conn;
    r->calls++;
    return r->ret;
}

static void test_verify_connection(void)
{
    /* The callback's non-zero result: an alert number (10..255) is the alert
     * sent (as BoringSSL's callbacks choose theirs), anything else is
     * bad_certificate. Server side and client side. */
    static const struct {
        int ret, want;
    } cases[] = {
        {1, GMTLS_ALERT_BAD_CERTIFICATE},
        {-1, GMTLS_ALERT_BAD_CERTIFICATE},
        {9, GMTLS_ALERT_BAD_CERTIFICATE},
        {256, GMTLS_ALERT_BAD_CERTIFICATE},
        {GMTLS_ALERT_CERTIFICATE_UNKNOWN, GMTLS_ALERT_CERTIFICATE_UNKNOWN},
        {GMTLS_ALERT_HANDSHAKE_FAILURE, GMTLS_ALERT_HANDSHAKE_FAILURE},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
        for (int server = 0; server <= 1; server++) {
            reject_ctx r = {0, cases[i].ret};
            gmtls_config *scfg = server_cfg("P-256"), *ccfg = client_cfg("P-256");
            gmtls_config_set_verify_connection(server ? scfg : ccfg, reject_all, &r);
            tt_pair p;
            CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
            (void)tt_handshake(&p);
            CHECK_ERR(server ? p.srv_rc : p.cli_rc, cases[i].want);
            /* the peer reads that alert */
            CHECK_ERR(server ? p.cli_rc : p.srv_rc, GMTLS_ERR_PEER_ALERT(cases[i].want));
            CHECK(r.calls == 1);
            tt_pair_free(&p);
            gmtls_config_free(scfg);
            gmtls_config_free(ccfg);
        }
    }
}

static int alpn_case(const char *server, const char *client, const char *want, int want_rc)
{
    gmtls_config *scfg = server_cfg("P-256"), *ccfg = client_cfg("P-256");
    if (server) {
        CHECK_OK(gmtls_config_set_alpn(scfg, server));
    }
    if (client) {
        CHECK_OK(gmtls_config_set_alpn(ccfg, client));
    }
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    int rc = tt_handshake(&p);
    CHECK_ERR(p.srv_rc == GMTLS_ERR_WANT_READ ? 0 : p.srv_rc, want_rc);
    if (want_rc == 0) {
        CHECK_OK(rc);
        const char *a = gmtls_conn_alpn(p.cli), *b = gmtls_conn_alpn(p.srv);
        CHECK((want == NULL && a == NULL && b == NULL) ||
              (want != NULL && a != NULL && b != NULL && strcmp(a, want) == 0 && strcmp(b, want) == 0));
    }
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
    return 0;
}

static void test_alpn(void)
{
    alpn_case("h2,http/1.1", "http/1.1,h2", "h2", 0);        /* server preference */
    alpn_case("http/1.1", "h2,http/1.1", "http/1.1", 0);
    alpn_case(NULL, "h2", NULL, 0);                          /* server without ALPN */
    alpn_case("h2", NULL, NULL, 0);                          /* client without ALPN */
    alpn_case("h2", "http/1.1", NULL, 0);                    /* the reference's http/1.1 fallback */
    alpn_case("h2", "spdy/3", NULL, GMTLS_ALERT_NO_APPLICATION_PROTOCOL);
}

static int pick_by_name(void *ctx, const gmtls_client_hello_info *info)
{
    (void)ctx;
    if (info->server_name == NULL) {
        return 0;
    }
    if (strcmp(info->server_name, "sm.example") == 0) {
        return 1;
    }
    if (strcmp(info->server_name, "localhost") == 0) {
        return 0;
    }
    return -1;
}

/* An SM2 and an ECDSA chain on one server: each client gets the chain it can use. */
static void test_cert_selection(void)
{
    const test_chain *ec = tt_chain("P-256"), *sm = tt_chain("SM2");
    gmtls_config *scfg = tt_server_config(ec);
    CHECK_OK(gmtls_config_add_cert_chain_mem(scfg, sm->chain_pem, strlen(sm->chain_pem), sm->key_pem,
                                             strlen(sm->key_pem)));
    gmtls_config *std = tt_client_config(ec), *smc = tt_client_config(sm);
    CHECK_OK(gmtls_config_set_sigalgs(std, "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256:ed25519"));
    CHECK_OK(gmtls_config_set_strict_sm(smc, 1));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, std, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_sigalg(p.cli) == 0x0403);
    tt_pair_free(&p);
    CHECK_OK(tt_pair_new(&p, smc, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_sigalg(p.cli) == 0x0708 && gmtls_conn_cipher_suite(p.cli) == GMTLS_TLS_SM4_GCM_SM3 &&
          gmtls_conn_group(p.cli) == GMTLS_GROUP_CURVESM2);
    tt_pair_free(&p);

    /* Selection callback: by SNI; unknown name -> unrecognized_name. */
    gmtls_config_set_select_cert(scfg, pick_by_name, NULL);
    gmtls_config *any = tt_client_config(ec);
    CHECK_OK(gmtls_config_add_ca_mem(any, sm->ca_pem, strlen(sm->ca_pem)));
    gmtls_config_set_verify_peer(any, 0);
    CHECK_OK(tt_pair_new(&p, any, scfg, "sm.example"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_sigalg(p.cli) == 0x0708);
    CHECK(strcmp(gmtls_conn_server_name(p.srv), "sm.example") == 0);
    tt_pair_free(&p);
    CHECK_OK(tt_pair_new(&p, any, scfg, "nobody.example"));
    (void)tt_handshake(&p);
    CHECK_ERR(p.srv_rc, GMTLS_ALERT_UNRECOGNIZED_NAME);
    CHECK_ERR(p.cli_rc, GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_UNRECOGNIZED_NAME));
    tt_pair_free(&p);
    gmtls_config_free(any);
    gmtls_config_free(scfg);
    gmtls_config_free(std);
    gmtls_config_free(smc);
}

/* SM2 CertificateVerify IDs: RFC 8998 by default, the GB/T default ID as an
 * option, and accept-both to talk to either camp. */
static void test_sm2_ids(void)
{
    static const struct {
        gmtls_sm2_id_mode server, client;
        int ok;
    } cases[] = {
        {GMTLS_SM2_ID_RFC8998, GMTLS_SM2_ID_RFC8998, 1},
        {GMTLS_SM2_ID_GBT_DEFAULT, GMTLS_SM2_ID_GBT_DEFAULT, 1},
        {GMTLS_SM2_ID_GBT_DEFAULT, GMTLS_SM2_ID_RFC8998, 0},
        {GMTLS_SM2_ID_RFC8998, GMTLS_SM2_ID_GBT_DEFAULT, 0},
        {GMTLS_SM2_ID_GBT_DEFAULT, GMTLS_SM2_ID_ACCEPT_BOTH, 1},
        {GMTLS_SM2_ID_RFC8998, GMTLS_SM2_ID_ACCEPT_BOTH, 1},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
        gmtls_config *scfg = server_cfg("SM2"), *ccfg = client_cfg("SM2");
        gmtls_config_set_sm2_id_mode(scfg, cases[i].server);
        gmtls_config_set_sm2_id_mode(ccfg, cases[i].client);
        CHECK_OK(gmtls_config_set_cipher_suites(ccfg, "TLS_SM4_GCM_SM3"));
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        int rc = tt_handshake(&p);
        if (cases[i].ok) {
            CHECK_OK(rc);
        } else {
            CHECK_ERR(p.cli_rc, GMTLS_ALERT_DECRYPT_ERROR);
        }
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
}

typedef struct {
    char lines[16][200];
    int n;
} keylog_sink;

static void keylog_cb(void *ctx, const gmtls_conn *conn, const char *line)
{
    (void)conn;
    keylog_sink *k = ctx;
    if (k->n < 16) {
        snprintf(k->lines[k->n++], sizeof k->lines[0], "%s", line);
    }
}

static void test_keylog(void)
{
    keylog_sink ks = {0}, kc = {0};
    gmtls_config *scfg = server_cfg("P-256"), *ccfg = client_cfg("P-256");
    gmtls_config_set_keylog(scfg, keylog_cb, &ks);
    gmtls_config_set_keylog(ccfg, keylog_cb, &kc);
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(ks.n == 5 && kc.n == 5);
    static const char *const labels[] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                         "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"};
    for (int i = 0; i < 5 && i < ks.n && i < kc.n; i++) {
        CHECK(strncmp(ks.lines[i], labels[i], strlen(labels[i])) == 0);
        CHECK(strcmp(ks.lines[i], kc.lines[i]) == 0);
        /* label, 64 hex digits of client random, 64 hex digits of secret */
        CHECK(strlen(ks.lines[i]) == strlen(labels[i]) + 1 + 64 + 1 + 64);
    }
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

static void test_ocsp_scts_padding(void)
{
    static const uint8_t ocsp[] = {0x30, 0x03, 0x0a, 0x01, 0x00}; /* an OCSPResponse shape; content is opaque here */
    static const uint8_t scts[] = {0x00, 0x04, 0x00, 0x02, 0xab, 0xcd};
    gmtls_config *scfg = server_cfg("P-256"), *ccfg = client_cfg("P-256");
    CHECK_OK(gmtls_config_set_ocsp_staple(scfg, ocsp, sizeof ocsp));
    /* RFC 6962 §3.3: an empty list, an empty SCT, a list longer or shorter
     * than its length are refused (BoGo SignedCertificateTimestampListInvalid-Server). */
    static const uint8_t bad[][6] = {{0x00, 0x00},
                                     {0x00, 0x02, 0x00, 0x00},
                                     {0x00, 0x05, 0x00, 0x02, 0xab, 0xcd},
                                     {0x00, 0x03, 0x00, 0x02, 0xab, 0xcd}};
    static const size_t badlen[] = {2, 4, 6, 6};
    for (size_t i = 0; i < sizeof badlen / sizeof badlen[0]; i++) {
        CHECK(gmtls_config_set_scts(scfg, bad[i], badlen[i]) == GMTLS_ERR_BAD_ARGUMENT);
    }
    CHECK_OK(gmtls_config_set_scts(scfg, scts, sizeof scts));
    gmtls_config_set_record_padding(scfg, 256);
    gmtls_config_set_record_padding(ccfg, 64);
    tt_pair p;
    size_t n = 0;
    const uint8_t *r;
    /* No status_request unless the client asked for OCSP: no staple then. */
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_ocsp_response(p.cli, &n) == NULL);
    tt_pair_free(&p);
    gmtls_config_set_request_ocsp(ccfg, 1);
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    r = gmtls_conn_ocsp_response(p.cli, &n);
    CHECK(r != NULL && n == sizeof ocsp && memcmp(r, ocsp, n) == 0);
    r = gmtls_conn_scts(p.cli, &n);
    CHECK(r != NULL && n == sizeof scts && memcmp(r, scts, n) == 0);
    CHECK_OK(gmtls_send(p.srv, &p.s2c, "abc", 3));
    CHECK(p.s2c.off == 5 + 256 + 16); /* padded to one 256-byte block + tag */
    CHECK_OK(tt_flush(&p));
    CHECK(p.cli_app.off == 3 && memcmp(p.cli_app.base, "abc", 3) == 0);
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

/* Automatic KeyUpdate before the record limit, on every suite. */
static void test_auto_key_update(void)
{
    static const char *const suites[] = {"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "TLS_SM4_GCM_SM3",
                                         "TLS_SM4_CCM_SM3"};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(suites); i++) {
        gmtls_config *scfg = server_cfg("P-256"), *ccfg = client_cfg("P-256");
        CHECK_OK(gmtls_config_set_cipher_suites(ccfg, suites[i]));
        gmtls_config_set_key_update_limit(ccfg, 3);
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK_OK(tt_handshake(&p));
        uint8_t before[GMTLS_MAX_HASH_LEN];
        memcpy(before, p.cli->wr.secret, sizeof before);
        for (int k = 0; k < 10; k++) {
            CHECK_OK(tt_send(&p, 1, "0123456789", 10));
        }
        CHECK(p.srv_app.off == 100);
        /* Three KeyUpdates later the client's write secret changed and both
         * sides agree on it. */
        CHECK(memcmp(before, p.cli->wr.secret, sizeof before) != 0);
        CHECK_MEM(p.cli->wr.secret, p.srv->rd.secret, sizeof before);
        CHECK(p.cli->wr.seq <= 3);
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
}

/* A server chain from a CA the client does not trust -> unknown_ca. */
static void test_unknown_ca(void)
{
    static const char *const algs[] = {"SM2", "P-256"};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(algs); i++) {
        test_chain other;
        CHECK_OK(test_make_chain(algs[i], "localhost", "1234567812345678", &other));
        gmtls_config *scfg = tt_server_config(&other), *ccfg = client_cfg(algs[i]);
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        (void)tt_handshake(&p);
        CHECK_ERR(p.cli_rc, GMTLS_ALERT_UNKNOWN_CA);
        CHECK_ERR(p.srv_rc, GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_UNKNOWN_CA));
        tt_pair_free(&p);
        /* The right CA but another host name -> bad_certificate. */
        gmtls_config *c2 = tt_client_config(&other);
        CHECK_OK(tt_pair_new(&p, c2, scfg, "other.example"));
        (void)tt_handshake(&p);
        CHECK_ERR(p.cli_rc, GMTLS_ALERT_BAD_CERTIFICATE);
        tt_pair_free(&p);
        gmtls_config_free(c2);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
        test_free_chain(&other);
    }
    /* SM2 chains signed with the empty ID (OpenSSL 3.0's default) verify too. */
    test_chain empty_id;
    CHECK_OK(test_make_chain("SM2", "localhost", NULL, &empty_id));
    gmtls_config *scfg = tt_server_config(&empty_id), *ccfg = tt_client_config(&empty_id);
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(strcmp(gmtls_conn_verify_result(p.cli), "ok") == 0);
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
    test_free_chain(&empty_id);
}

/* The Go gmtls family's code points: curveSM2 as 0x001a, SM2-with-SM3 as
 * 0x0204 over SM3(content) with the default ID. A gmtls server accepts them
 * by default; a gmtls client speaks them only when they are listed. */
static void test_go_gmtls_camp(void)
{
    gmtls_config *scfg = server_cfg("SM2"), *go = client_cfg("SM2");
    CHECK_OK(gmtls_config_set_cipher_suites(go, "TLS_SM4_GCM_SM3"));
    CHECK_OK(gmtls_config_set_groups(go, "curveSM2_legacy"));
    CHECK_OK(gmtls_config_set_sigalgs(go, "sm2sig_sm3_legacy"));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, go, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_group(p.srv) == 0x001a && gmtls_conn_sigalg(p.cli) == 0x0204);
    CHECK_OK(tt_send(&p, 1, "go", 2));
    tt_pair_free(&p);
    /* Client authentication with the legacy scheme too. */
    const test_chain *ch = tt_chain("SM2");
    gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY);
    CHECK_OK(gmtls_config_add_ca_mem(scfg, ch->ca_pem, strlen(ch->ca_pem)));
    CHECK_OK(gmtls_config_add_cert_chain_mem(go, ch->chain_pem, strlen(ch->chain_pem), ch->key_pem,
                                             strlen(ch->key_pem)));
    CHECK_OK(tt_pair_new(&p, go, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(p.srv->peer_sigalg == 0x0204);
    tt_pair_free(&p);
    /* A default client never offers the legacy code points. */
    gmtls_config *legacy_only = server_cfg("SM2"), *def = client_cfg("SM2");
    CHECK_OK(gmtls_config_set_groups(legacy_only, "curveSM2_legacy"));
    CHECK_OK(tt_pair_new(&p, def, legacy_only, "localhost"));
    (void)tt_handshake(&p);
    CHECK_ERR(p.srv_rc, GMTLS_ALERT_HANDSHAKE_FAILURE);
    tt_pair_free(&p);
    gmtls_config_free(legacy_only);
    gmtls_config_free(def);
    gmtls_config_free(scfg);
    gmtls_config_free(go);
}

/* Each ShangMi suite x {curveSM2, x25519} x {SM2, ECDSA server chain} x
 * {no client certificate, an SM2 client certificate}. */
static void test_sm_client_auth_matrix(void)
{
    static const char *const suites[] = {"TLS_SM4_GCM_SM3", "TLS_SM4_CCM_SM3"};
    static const char *const groups[] = {"curveSM2", "x25519"};
    static const char *const certs[] = {"SM2", "P-256"};
    const test_chain *client = tt_chain("SM2");
    for (size_t s = 0; s < 2; s++) {
        for (size_t g = 0; g < 2; g++) {
            for (size_t k = 0; k < 2; k++) {
                for (int auth = 0; auth < 2; auth++) {
                    const test_chain *server = tt_chain(certs[k]);
                    gmtls_config *scfg = tt_server_config(server), *ccfg = tt_client_config(server);
                    CHECK_OK(gmtls_config_set_cipher_suites(ccfg, suites[s]));
                    CHECK_OK(gmtls_config_set_groups(ccfg, groups[g]));
                    if (auth) {
                        gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY);
                        CHECK_OK(gmtls_config_add_ca_mem(scfg, client->ca_pem, strlen(client->ca_pem)));
                        CHECK_OK(gmtls_config_add_cert_chain_mem(ccfg, client->chain_pem, strlen(client->chain_pem),
                                                                 client->key_pem, strlen(client->key_pem)));
                    }
                    tt_pair p;
                    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
                    int rc = tt_handshake(&p);
                    CHECK_OK(rc);
                    if (rc == 0) {
                        CHECK(strcmp(gmtls_cipher_suite_name(gmtls_conn_cipher_suite(p.srv)), suites[s]) == 0);
                        CHECK(strcmp(gmtls_group_name(gmtls_conn_group(p.srv)), groups[g]) == 0);
                        CHECK(gmtls_conn_sigalg(p.cli) == (k == 0 ? 0x0708 : 0x0403));
                        CHECK((gmtls_conn_peer_subject(p.srv) != NULL) == auth);
                        if (auth) {
                            CHECK(p.srv->peer_sigalg == 0x0708);
                            CHECK(strcmp(gmtls_conn_verify_result(p.srv), "ok") == 0);
                        }
                        CHECK_OK(tt_send(&p, 1, "sm", 2));
                        CHECK_OK(gmtls_key_update(p.cli, &p.c2s, 1));
                        CHECK_OK(tt_send(&p, 1, "after", 5));
                        CHECK(p.srv_app.off == 7);
                    }
                    tt_pair_free(&p);
                    gmtls_config_free(scfg);
                    gmtls_config_free(ccfg);
                }
            }
        }
    }
}

/* A P-256 leaf for ch's key, self-signed, with keyUsage = usage (PEM,
 * malloc'd): from the certificate factory, as `gmtls cert --key-usage`. */
static char *leaf_with_key_usage(const test_chain *ch, const char *usage)
{
    void *key = gmtls_cg_read_key(ch->key_pem, strlen(ch->key_pem), NULL);
    gmtls_cg_spec spec = {.subject = "CN=localhost", .san = "DNS:localhost", .key_usage = usage};
    void *x = key != NULL ? gmtls_cg_issue(&spec, key, NULL, key, NULL, 0) : NULL;
    char *pem = x != NULL ? gmtls_cg_cert_pem(x) : NULL;
    gmtls_cg_cert_free(x);
    gmtls_cg_key_free(key);
    return pem;
}

/* RFC 8446 §4.4.2.2: "The certificate MUST allow the key to be used for
 * signing (i.e., the digitalSignature bit MUST be set if the Key Usage
 * extension is present)": checked even when the chain is not verified. */
static void test_key_usage(void)
{
    const test_chain *ch = tt_chain("P-256");
    static const struct {
        const char *usage;
        int want;
    } cases[] = {
        {"critical,keyEncipherment", GMTLS_ALERT_BAD_CERTIFICATE},
        {"critical,keyAgreement", GMTLS_ALERT_BAD_CERTIFICATE},
        {"critical,digitalSignature", 0},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
        char *pem = leaf_with_key_usage(ch, cases[i].usage);
        CHECK(pem != NULL);
        if (pem == NULL) {
            continue;
        }
        test_chain leaf = {NULL, pem, ch->key_pem};
        /* The server's certificate, seen by a client that does not verify. */
        gmtls_config *scfg = tt_server_config(&leaf), *ccfg = tt_client_config(ch);
        gmtls_config_set_verify_peer(ccfg, 0);
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        (void)tt_handshake(&p);
        CHECK_ERR(p.cli_rc, cases[i].want);
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
        /* The client's certificate, seen by a server that does not verify. */
        scfg = tt_server_config(ch);
        ccfg = tt_client_config(ch);
        gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_REQUIRE_ANY);
        CHECK_OK(gmtls_config_add_cert_chain_mem(ccfg, pem, strlen(pem), ch->key_pem, strlen(ch->key_pem)));
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        (void)tt_handshake(&p);
        CHECK_ERR(p.srv_rc == GMTLS_ERR_WANT_READ ? 0 : p.srv_rc, cases[i].want);
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
        free(pem);
    }
}

/* Separate verifying and signing schemes (gmtls_config_set_verify_sigalgs):
 * the verify list is what a side offers in signature_algorithms and accepts,
 * the sigalgs list only what it signs with; TLS 1.3 and TLS 1.2. */
static void test_verify_sigalgs(void)
{
    const test_chain *ec = tt_chain("P-256");
    for (int v12 = 0; v12 <= 1; v12++) {
        uint16_t ver = v12 ? GMTLS_VERSION_TLS12 : GMTLS_VERSION_TLS13;
        gmtls_config *scfg = tt_server_config(ec), *ccfg = tt_client_config(ec);
        CHECK_OK(gmtls_config_set_versions(scfg, ver, ver));
        CHECK_OK(gmtls_config_set_versions(ccfg, ver, ver));
        CHECK_OK(gmtls_config_add_ca_mem(scfg, ec->ca_pem, strlen(ec->ca_pem)));
        CHECK_OK(gmtls_config_add_cert_chain_mem(ccfg, ec->chain_pem, strlen(ec->chain_pem), ec->key_pem,
                                                 strlen(ec->key_pem)));
        gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_REQUIRE_ANY);
        /* The client signs with P-256 and verifies only P-256 too; the server
         * signs with P-256 and asks for ed25519 or P-256 from the client. */
        CHECK_OK(gmtls_config_set_sigalgs(ccfg, "ecdsa_secp256r1_sha256"));
        CHECK_OK(gmtls_config_set_verify_sigalgs(ccfg, "rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256"));
        CHECK_OK(gmtls_config_set_sigalgs(scfg, "ecdsa_secp256r1_sha256"));
        CHECK_OK(gmtls_config_set_verify_sigalgs(scfg, "ed25519:ecdsa_secp256r1_sha256"));
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK_ERR(gmtls_conn_peer_sigalg(p.cli), 0x0403);
        CHECK_ERR(gmtls_conn_peer_sigalg(p.srv), 0x0403);
        tt_pair_free(&p);
        /* A client that verifies only ed25519: the server's P-256 cannot
         * sign in its list -> handshake_failure, though the client signs
         * with P-256 itself. */
        CHECK_OK(gmtls_config_set_verify_sigalgs(ccfg, "ed25519"));
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK(tt_handshake(&p) != 0);
        CHECK_ERR(p.srv_rc, GMTLS_ALERT_HANDSHAKE_FAILURE);
        tt_pair_free(&p);
        /* A server that verifies only rsa_pss_rsae_sha256: its
         * CertificateRequest lists that alone, so the P-256 client sends no
         * certificate -> certificate_required (TLS 1.3) / handshake_failure
         * (TLS 1.2), though the server signs with P-256 itself. */
        CHECK_OK(gmtls_config_set_verify_sigalgs(ccfg, NULL)); /* back to one list */
        CHECK_OK(gmtls_config_set_verify_sigalgs(scfg, "rsa_pss_rsae_sha256"));
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK(tt_handshake(&p) != 0);
        CHECK_ERR(p.srv_rc, v12 ? GMTLS_ALERT_HANDSHAKE_FAILURE : GMTLS_ALERT_CERTIFICATE_REQUIRED);
        CHECK(gmtls_conn_peer_subject(p.srv) == NULL);
        tt_pair_free(&p);
        CHECK_ERR(gmtls_config_set_verify_sigalgs(scfg, "no_such_scheme"), GMTLS_ERR_UNKNOWN_NAME);
        /* "DEFAULT": the server signs with P-256 only but verifies the
         * default schemes, ecdsa_secp256r1_sha256 among them */
        CHECK_OK(gmtls_config_set_verify_sigalgs(scfg, "DEFAULT"));
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK_ERR(gmtls_conn_peer_sigalg(p.srv), 0x0403);
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
}

/* The records in b: 1 when each carries at most max plaintext bytes
 * (overhead: the bytes a protected record adds); *nfull counts the records
 * that carry exactly max. */
static int records_fit(const gmtls_buf *b, size_t max, size_t overhead, size_t *nfull)
{
    size_t off = 0;
    int ccs = 0; /* records after change_cipher_spec are protected */
    *nfull = 0;
    while (off + 5 <= b->off) {
        size_t len = (size_t)b->base[off + 3] << 8 | b->base[off + 4];
        size_t plain = (ccs || b->base[off] == 23) && b->base[off] != 20 ? len - overhead : len;
        if (plain > max) {
            fprintf(stderr, "  record of %zu plaintext bytes > %zu\n", plain, max);
            return 0;
        }
        *nfull += plain == max;
        ccs |= b->base[off] == 20;
        off += 5 + len;
    }
    return off == b->off;
}

/* gmtls_config_set_max_send_fragment: every record the server sends, the
 * handshake flight (its certificate does not fit one 512-byte record) and
 * application data, carries at most 512 bytes; TLS 1.3 and TLS 1.2. */
static void test_max_send_fragment(void)
{
    const test_chain *rsa = tt_chain("RSA");
    static uint8_t big[2000];
    for (int v12 = 0; v12 <= 1; v12++) {
        uint16_t ver = v12 ? GMTLS_VERSION_TLS12 : GMTLS_VERSION_TLS13;
        gmtls_config *scfg = tt_server_config(rsa), *ccfg = tt_client_config(rsa);
        CHECK_OK(gmtls_config_set_versions(scfg, ver, ver));
        CHECK_OK(gmtls_config_set_versions(ccfg, ver, ver));
        CHECK_OK(gmtls_config_set_cipher_suites(scfg, "TLS_AES_128_GCM_SHA256"));
        CHECK_OK(gmtls_config_set_cipher_suites_tls12(scfg, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        CHECK_ERR(gmtls_config_set_max_send_fragment(scfg, 63), GMTLS_ERR_BAD_ARGUMENT);
        CHECK_ERR(gmtls_config_set_max_send_fragment(scfg, 16385), GMTLS_ERR_BAD_ARGUMENT);
        CHECK_OK(gmtls_config_set_max_send_fragment(scfg, 512));
        /* AES-GCM: TLS 1.3 adds the content type and the tag, TLS 1.2 the
         * explicit nonce and the tag */
        size_t overhead = v12 ? 8 + 16 : 1 + 16, nfull = 0;
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        size_t none = 0, n;
        CHECK_ERR(gmtls_handshake(p.cli, &p.c2s, NULL, &none), GMTLS_ERR_WANT_READ);
        n = p.c2s.off;
        CHECK_ERR(gmtls_handshake(p.srv, &p.s2c, p.c2s.base, &n), GMTLS_ERR_WANT_READ);
        gmtls_buf_consume(&p.c2s, n);
        CHECK(p.s2c.off > 1200); /* the server's flight, with its RSA chain */
        CHECK(records_fit(&p.s2c, 512, overhead, &nfull));
        CHECK(nfull >= 1);
        CHECK_OK(tt_handshake(&p));
        gmtls_buf out;
        gmtls_buf_init(&out);
        memset(big, 'a', sizeof big);
        CHECK_OK(gmtls_send(p.srv, &out, big, sizeof big));
        CHECK(records_fit(&out, 512, overhead, &nfull));
        CHECK_ERR(nfull, 3); /* 3 x 512 + 464 */
        gmtls_buf_dispose(&out);
        /* the client keeps the default: one record */
        gmtls_buf_init(&out);
        CHECK_OK(gmtls_send(p.cli, &out, big, sizeof big));
        CHECK_ERR(out.off, 5 + sizeof big + overhead);
        gmtls_buf_dispose(&out);
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
}

int main(void)
{
    test_sm_client_auth_matrix();
    test_go_gmtls_camp();
    test_auto_key_update();
    test_unknown_ca();
    test_key_usage();
    test_resumption();
    test_client_auth();
    test_verify_connection();
    test_alpn();
    test_cert_selection();
    test_sm2_ids();
    test_keylog();
    test_ocsp_scts_padding();
    test_verify_sigalgs();
    test_max_send_fragment();
    return TEST_END("features_test");
}
