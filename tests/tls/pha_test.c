/* Post-handshake client authentication (RFC 8446 §4.6.2), in memory: a
 * client with a certificate offers post_handshake_auth and answers a
 * CertificateRequest sent at any time after the handshake (also after a
 * KeyUpdate: its Finished is keyed by the current application secret); the
 * server sees the verified chain. Messages written here under the peer's
 * record keys give the exact alerts: out of order, a wrong context, an empty
 * Certificate where one is required, a wrong Finished, a Certificate nobody
 * asked for, a CertificateRequest to a client that did not offer the
 * extension or without signature_algorithms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handshake/internal.h"
#include "test.h"
#include "tlstest.h"

/* A handshake message (type, body) written under conn's write key into out. */
static void inject(gmtls_conn *c, gmtls_buf *out, uint8_t type, const uint8_t *body, size_t len)
{
    uint8_t msg[512];
    CHECK(len + 4 <= sizeof msg);
    msg[0] = type;
    msg[1] = (uint8_t)(len >> 16);
    msg[2] = (uint8_t)(len >> 8);
    msg[3] = (uint8_t)len;
    memcpy(msg + 4, body, len);
    CHECK_OK(gmtls_rec_write(&c->wr, out, GMTLS_CT_HANDSHAKE, msg, len + 4, 0));
}

/* A pair with a client certificate (trusted by the server) or without one. */
static void pair(tt_pair *p, gmtls_config **cc, gmtls_config **sc, int client_cert)
{
    const test_chain *ch = tt_chain("P-256");
    *sc = tt_server_config(ch);
    *cc = tt_client_config(ch);
    CHECK_OK(gmtls_config_add_ca_mem(*sc, ch->ca_pem, strlen(ch->ca_pem)));
    if (client_cert) {
        CHECK_OK(gmtls_config_add_cert_chain_mem(*cc, ch->chain_pem, strlen(ch->chain_pem), ch->key_pem,
                                                 strlen(ch->key_pem)));
    }
    CHECK_OK(tt_pair_new(p, *cc, *sc, "localhost"));
    CHECK_OK(tt_handshake(p));
}

static void unpair(tt_pair *p, gmtls_config *cc, gmtls_config *sc)
{
    tt_pair_free(p);
    gmtls_config_free(cc);
    gmtls_config_free(sc);
}

int main(void)
{
    tt_pair p;
    gmtls_config *cc, *sc;
    size_t len = 0;

    /* The exchange, twice (the second after a KeyUpdate each way). */
    pair(&p, &cc, &sc, 1);
    CHECK(gmtls_conn_peer_offers_pha(p.srv));
    CHECK(gmtls_conn_peer_cert(p.srv, 0, &len) == NULL);
    CHECK(gmtls_conn_pha_status(p.srv) == GMTLS_PHA_NONE);
    CHECK_ERR(gmtls_request_client_cert(p.cli, &p.c2s, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY), GMTLS_ERR_BAD_ARGUMENT);
    CHECK_ERR(gmtls_request_client_cert(p.srv, &p.s2c, GMTLS_CLIENT_AUTH_NONE), GMTLS_ERR_BAD_ARGUMENT);
    CHECK_OK(gmtls_request_client_cert(p.srv, &p.s2c, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY));
    CHECK(gmtls_conn_pha_status(p.srv) == GMTLS_PHA_PENDING);
    CHECK_ERR(gmtls_request_client_cert(p.srv, &p.s2c, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY), GMTLS_ERR_BAD_ARGUMENT);
    CHECK_OK(tt_flush(&p));
    CHECK(gmtls_conn_pha_status(p.srv) == GMTLS_PHA_DONE && gmtls_conn_pha_status(p.cli) == GMTLS_PHA_DONE);
    CHECK(gmtls_conn_peer_cert(p.srv, 0, &len) != NULL && len > 0);
    CHECK(gmtls_conn_peer_subject(p.srv) != NULL && strcmp(gmtls_conn_verify_result(p.srv), "ok") == 0);
    CHECK(gmtls_conn_peer_sigalg(p.srv) == 0x0403);
    CHECK_OK(tt_send(&p, 1, "after", 5));
    CHECK(p.srv_app.off == 5);
    CHECK_OK(gmtls_key_update(p.cli, &p.c2s, 1));
    CHECK_OK(tt_flush(&p));
    CHECK_OK(gmtls_request_client_cert(p.srv, &p.s2c, GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN));
    CHECK_OK(tt_flush(&p));
    CHECK(gmtls_conn_pha_status(p.srv) == GMTLS_PHA_DONE);
    CHECK_OK(tt_send(&p, 0, "still", 5));
    CHECK(p.cli_app.off == 5);
    /* A Certificate nobody asked for -> unexpected_message. */
    static const uint8_t empty_cert[] = {0, 0, 0, 0};
    inject(p.cli, &p.c2s, GMTLS_HS_CERTIFICATE, empty_cert, sizeof empty_cert);
    CHECK_ERR(tt_flush(&p), GMTLS_ALERT_UNEXPECTED_MESSAGE);
    unpair(&p, cc, sc);

    /* A client without a certificate does not offer post_handshake_auth: no
     * request can be made; a CertificateRequest it did not ask for ->
     * unexpected_message. */
    pair(&p, &cc, &sc, 0);
    CHECK(!gmtls_conn_peer_offers_pha(p.srv));
    CHECK_ERR(gmtls_request_client_cert(p.srv, &p.s2c, GMTLS_CLIENT_AUTH_REQUEST), GMTLS_ERR_BAD_ARGUMENT);
    static const uint8_t cr[] = {1, 0x42, 0, 8, 0, 13, 0, 4, 0, 2, 4, 3};
    inject(p.srv, &p.s2c, GMTLS_HS_CERTIFICATE_REQUEST, cr, sizeof cr);
    CHECK_ERR(tt_flush(&p), GMTLS_ALERT_UNEXPECTED_MESSAGE);
    unpair(&p, cc, sc);

    /* A CertificateRequest without signature_algorithms -> missing_extension. */
    pair(&p, &cc, &sc, 1);
    static const uint8_t cr_nosig[] = {1, 0x42, 0, 0};
    inject(p.srv, &p.s2c, GMTLS_HS_CERTIFICATE_REQUEST, cr_nosig, sizeof cr_nosig);
    CHECK_ERR(tt_flush(&p), GMTLS_ALERT_MISSING_EXTENSION);
    unpair(&p, cc, sc);

    /* The server's side against messages written here. */
    static const struct {
        gmtls_client_auth mode;
        int what; /* 0 Finished first, 1 wrong context, 2 empty + required, 3 empty + bad Finished */
        int alert;
    } cases[] = {
        {GMTLS_CLIENT_AUTH_REQUEST, 0, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        {GMTLS_CLIENT_AUTH_REQUEST, 1, GMTLS_ALERT_ILLEGAL_PARAMETER},
        {GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY, 2, GMTLS_ALERT_CERTIFICATE_REQUIRED},
        {GMTLS_CLIENT_AUTH_REQUIRE_ANY, 2, GMTLS_ALERT_CERTIFICATE_REQUIRED},
        {GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN, 3, GMTLS_ALERT_DECRYPT_ERROR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pair(&p, &cc, &sc, 1);
        CHECK_OK(gmtls_request_client_cert(p.srv, &p.s2c, cases[i].mode));
        p.s2c.off = 0; /* the client never sees the request: the test answers */
        uint8_t body[64];
        size_t n = 0;
        const gmtls_conn *s = p.srv;
        if (cases[i].what == 0) {
            memset(body, 0, 32);
            inject(p.cli, &p.c2s, GMTLS_HS_FINISHED, body, 32);
        } else {
            body[n++] = sizeof s->pha_ctx;
            memcpy(body + n, s->pha_ctx, sizeof s->pha_ctx);
            if (cases[i].what == 1) {
                body[n] ^= 1;
            }
            n += sizeof s->pha_ctx;
            body[n++] = 0; /* certificate_list<0..2^24-1>: empty */
            body[n++] = 0;
            body[n++] = 0;
            inject(p.cli, &p.c2s, GMTLS_HS_CERTIFICATE, body, n);
            if (cases[i].what == 3) {
                memset(body, 0x5a, 32);
                inject(p.cli, &p.c2s, GMTLS_HS_FINISHED, body, 32);
            }
        }
        int rc = tt_flush(&p);
        CHECK_ERR(rc, cases[i].alert);
        CHECK(p.srv_rc == 0 || p.srv_rc == GMTLS_ERR_WANT_READ); /* tt_flush reports, srv_rc untouched */
        unpair(&p, cc, sc);
    }
    return TEST_END("pha_test");
}
