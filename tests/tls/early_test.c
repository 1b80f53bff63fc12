/* 0-RTT (RFC 8446 §2.3, §4.2.10, §4.5, §8) in memory, gmtls client and
 * server: early data accepted and read first (gmtls_conn_last_read_early);
 * rejected - the handshake goes on in 1-RTT and the data is dropped - when
 * the server has 0-RTT off, the ALPN differs from the ticket's, the ticket
 * age is off by more than the window (the server's clock moved, through
 * gmtls_config_set_clock: no sleeping), or the same ClientHello comes again
 * (anti-replay), or a HelloRetryRequest was needed; more early data than the ticket allows -> unexpected_message;
 * EndOfEarlyData where none is expected -> unexpected_message; in middlebox
 * compatibility mode the dummy change_cipher_spec precedes the early data; a
 * server accepting 0-RTT with another suite or ALPN than the ticket's ->
 * illegal_parameter, under the early key. gmtls_conn_early_data_reason says
 * why in each case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handshake/internal.h"
#include "test.h"
#include "tlstest.h"

static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

static uint64_t test_clock(void *arg)
{
    return *(const uint64_t *)arg;
}

/* A session from a full handshake on the two configs (*len bytes, malloc'd),
 * whose ticket allows max_early bytes of 0-RTT data
 * (gmtls_conn_session_max_early_data). */
static uint8_t *get_session(gmtls_config *ccfg, gmtls_config *scfg, size_t *len, uint32_t max_early)
{
    tt_pair p;
    gmtls_buf b;
    gmtls_buf_init(&b);
    uint8_t *s = NULL;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_ERR(gmtls_conn_session_max_early_data(p.cli), 0);             /* no ticket yet */
    CHECK(strcmp(gmtls_conn_early_data_reason(p.cli), "unknown") == 0); /* before the handshake */
    CHECK_OK(tt_handshake(&p));
    /* no early data given / no PSK offered */
    CHECK(strcmp(gmtls_conn_early_data_reason(p.cli), "disabled") == 0);
    CHECK(strcmp(gmtls_conn_early_data_reason(p.srv), max_early ? "no_session_offered" : "disabled") == 0);
    CHECK_OK(gmtls_conn_get_session(p.cli, &b));
    CHECK_ERR(gmtls_conn_session_max_early_data(p.cli), max_early);
    CHECK_ERR(gmtls_conn_session_max_early_data(p.srv), 0); /* client only */
    if (b.off > 0) {
        s = malloc(b.off);
        memcpy(s, b.base, b.off);
        *len = b.off;
    }
    gmtls_buf_dispose(&b);
    tt_pair_free(&p);
    return s;
}

/* A pair whose client offers sess with early data (data, n). */
static void early_pair(tt_pair *p, gmtls_config *ccfg, gmtls_config *scfg, const uint8_t *sess, size_t slen,
                       const void *data, size_t n)
{
    CHECK_OK(tt_pair_new(p, ccfg, scfg, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p->cli, sess, slen));
    CHECK_OK(gmtls_conn_set_early_data(p->cli, data, n));
}

/* Everything the server has for the application now: 1 when it is exactly
 * (want, n) and came as early data (early) or not. */
static int server_reads(tt_pair *p, const void *want, size_t n, int early)
{
    gmtls_buf out, app;
    gmtls_buf_init(&out);
    gmtls_buf_init(&app);
    size_t none = 0;
    int rc = gmtls_receive(p->srv, &out, &app, NULL, &none);
    int ok = rc == 0 && app.off == n && memcmp(app.base, want, n) == 0 && gmtls_conn_last_read_early(p->srv) == early;
    if (!ok) {
        fprintf(stderr, "  server read rc %d, %zu bytes, early %d\n", rc, app.off, gmtls_conn_last_read_early(p->srv));
    }
    gmtls_buf_dispose(&out);
    gmtls_buf_dispose(&app);
    return ok;
}

/* A rejected 0-RTT: the handshake completes, resumed, with nothing early. */
/* A rejected 0-RTT: ... gmtls_conn_early_data_reason says why on the
 * server (why), "peer_declined" on the client. */
static void expect_rejected(const char *what, const char *why, gmtls_config *ccfg, gmtls_config *scfg,
                            const uint8_t *sess, size_t slen)
{
    tt_pair p;
    early_pair(&p, ccfg, scfg, sess, slen, req, sizeof req - 1);
    int rc = tt_handshake(&p);
    CHECK_OK(rc);
    CHECK(gmtls_conn_is_resumed(p.srv));
    CHECK_ERR(gmtls_conn_early_data_state(p.srv), GMTLS_EARLY_REJECTED);
    CHECK_ERR(gmtls_conn_early_data_state(p.cli), GMTLS_EARLY_REJECTED);
    CHECK(strcmp(gmtls_conn_early_data_reason(p.srv), why) == 0);
    CHECK(strcmp(gmtls_conn_early_data_reason(p.cli), "peer_declined") == 0);
    CHECK(p.srv_app.off == 0 && p.srv->early_buf.off == 0);
    /* 1-RTT data after it is read normally */
    CHECK_OK(tt_send(&p, 1, "late", 4));
    CHECK(p.srv_app.off == 4 && memcmp(p.srv_app.base, "late", 4) == 0 && !gmtls_conn_last_read_early(p.srv));
    if (rc != 0 || gmtls_conn_early_data_state(p.srv) != GMTLS_EARLY_REJECTED ||
        strcmp(gmtls_conn_early_data_reason(p.srv), why) != 0) {
        fprintf(stderr, "  case: %s (%s / %s; reason %s)\n", what, gmtls_conn_error_detail(p.srv),
                gmtls_conn_error_detail(p.cli), gmtls_conn_early_data_reason(p.srv));
    }
    tt_pair_free(&p);
}

int main(void)
{
    const test_chain *chain = tt_chain("P-256");
    gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
    /* test clocks that start now (the test certificates are valid from now) */
    uint64_t sclock = (uint64_t)time(NULL) * 1000, cclock = sclock;
    gmtls_config_set_clock(scfg, test_clock, &sclock);
    gmtls_config_set_clock(ccfg, test_clock, &cclock);
    CHECK_OK(gmtls_config_set_alpn(scfg, "http/1.1,h2"));
    CHECK_OK(gmtls_config_set_alpn(ccfg, "http/1.1"));
    CHECK_OK(gmtls_config_set_max_early_data(scfg, 1024));
    size_t slen = 0;
    uint8_t *sess = get_session(ccfg, scfg, &slen, 1024);
    CHECK(sess != NULL);
    sclock += 3000; /* both clocks move 3 s: the ticket is 3 s old on both sides */
    cclock += 3000;

    /* 1. Accepted: the early request is read first, flagged early; data
     * after the handshake is not. */
    {
        tt_pair p;
        early_pair(&p, ccfg, scfg, sess, slen, req, sizeof req - 1);
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_is_resumed(p.srv) && gmtls_conn_is_resumed(p.cli));
        CHECK_ERR(gmtls_conn_early_data_state(p.srv), GMTLS_EARLY_ACCEPTED);
        CHECK_ERR(gmtls_conn_ticket_age_skew(p.srv), 0); /* both clocks moved 3 s */
        CHECK(strcmp(gmtls_conn_early_data_reason(p.srv), "accept") == 0);
        CHECK(strcmp(gmtls_conn_early_data_reason(p.cli), "accept") == 0);
        CHECK_ERR(gmtls_conn_early_data_state(p.cli), GMTLS_EARLY_ACCEPTED);
        CHECK(server_reads(&p, req, sizeof req - 1, 1));
        CHECK_OK(tt_send(&p, 1, "late", 4));
        CHECK(p.srv_app.off == 4 && memcmp(p.srv_app.base, "late", 4) == 0 && !gmtls_conn_last_read_early(p.srv));
        CHECK_OK(tt_send(&p, 0, "answer", 6));
        CHECK(p.cli_app.off == 6 && memcmp(p.cli_app.base, "answer", 6) == 0);
        tt_pair_free(&p);
    }
    /* 2. A ticket that allows none: the client sends no early data at all. */
    {
        gmtls_config *off = tt_server_config(chain);
        gmtls_config_set_clock(off, test_clock, &sclock);
        size_t l2 = 0;
        uint8_t *s2 = get_session(ccfg, off, &l2, 0);
        tt_pair p;
        early_pair(&p, ccfg, off, s2, l2, req, sizeof req - 1);
        CHECK_OK(tt_handshake(&p));
        CHECK(strcmp(gmtls_conn_early_data_reason(p.cli), "unsupported_for_session") == 0);
        CHECK(strcmp(gmtls_conn_early_data_reason(p.srv), "disabled") == 0);
        CHECK(gmtls_conn_is_resumed(p.srv));
        CHECK_ERR(gmtls_conn_early_data_state(p.cli), GMTLS_EARLY_NONE);
        CHECK_ERR(gmtls_conn_early_data_state(p.srv), GMTLS_EARLY_NONE);
        tt_pair_free(&p);
        free(s2);
        gmtls_config_free(off);
    }
    /* 3. The server turned 0-RTT off since the ticket: rejected. */
    CHECK_OK(gmtls_config_set_max_early_data(scfg, 0));
    expect_rejected("0-RTT off", "disabled", ccfg, scfg, sess, slen);
    CHECK_OK(gmtls_config_set_max_early_data(scfg, 1024));
    /* 4. Another ALPN than the ticket's (RFC 8446 §4.2.10): rejected. */
    {
        gmtls_config *c2 = tt_client_config(chain);
        gmtls_config_set_clock(c2, test_clock, &cclock);
        CHECK_OK(gmtls_config_set_alpn(c2, "h2"));
        expect_rejected("ALPN h2, ticket http/1.1", "alpn_mismatch", c2, scfg, sess, slen);
        gmtls_config_free(c2);
    }
    /* 5. Ticket age: the server's clock 11 s ahead of the client's view
     * (window 10 s): rejected; 9 s ahead: accepted, with a ticket age skew
     * of -9 s (gmtls_conn_ticket_age_skew). */
    sclock += 11000;
    expect_rejected("age off by 11 s", "ticket_age_skew", ccfg, scfg, sess, slen);
    sclock -= 2000;
    {
        tt_pair p;
        early_pair(&p, ccfg, scfg, sess, slen, req, sizeof req - 1);
        CHECK_OK(tt_handshake(&p));
        CHECK_ERR(gmtls_conn_early_data_state(p.srv), GMTLS_EARLY_ACCEPTED);
        /* the client's ticket age is 9 s behind ours */
        CHECK_ERR(gmtls_conn_ticket_age_skew(p.srv), -9);
        CHECK_ERR(gmtls_conn_ticket_age_skew(p.cli), 0); /* server only */
        tt_pair_free(&p);
    }
    sclock -= 9000;
    /* 6. The same first flight (ClientHello + early data) twice: the first
     * is accepted, the replay rejected - its server skips the early records
     * and answers with a 1-RTT flight (RFC 8446 §8.2). */
    {
        tt_pair p;
        early_pair(&p, ccfg, scfg, sess, slen, req, sizeof req - 1);
        size_t none = 0;
        CHECK_ERR(gmtls_handshake(p.cli, &p.c2s, NULL, &none), GMTLS_ERR_WANT_READ);
        gmtls_buf flight;
        gmtls_buf_init(&flight);
        CHECK_OK(gmtls_buf_reserve(&flight, p.c2s.off));
        memcpy(flight.base, p.c2s.base, p.c2s.off);
        flight.off = p.c2s.off;
        CHECK_OK(tt_handshake(&p));
        CHECK_ERR(gmtls_conn_early_data_state(p.srv), GMTLS_EARLY_ACCEPTED);
        CHECK(server_reads(&p, req, sizeof req - 1, 1));
        tt_pair_free(&p);

        gmtls_conn *s = gmtls_conn_new(scfg, 1);
        gmtls_buf out;
        gmtls_buf_init(&out);
        size_t n = flight.off;
        CHECK_ERR(gmtls_handshake(s, &out, flight.base, &n), GMTLS_ERR_WANT_READ);
        CHECK(n == flight.off && out.off > 0);
        CHECK(gmtls_conn_is_resumed(s));
        CHECK_ERR(gmtls_conn_early_data_state(s), GMTLS_EARLY_REJECTED);
        /* decided with the EncryptedExtensions (the getter waits for the
         * handshake's end) */
        CHECK(s->early_reason != NULL && strcmp(s->early_reason, "replay") == 0);
        CHECK(s->early_buf.off == 0 && s->early_skipped > 0);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(s);
        gmtls_buf_dispose(&flight);
    }
    /* 7. More early data than the ticket allows (the client is told the
     * ticket allows more than the server's 1024) -> unexpected_message. */
    {
        static uint8_t big[3000];
        memset(big, 'x', sizeof big);
        tt_pair p;
        early_pair(&p, ccfg, scfg, sess, slen, big, sizeof big);
        p.cli->offer.max_early = sizeof big;
        CHECK_ERR(tt_handshake(&p),
                  GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_UNEXPECTED_MESSAGE)); /* the client got the alert */
        CHECK_ERR(p.srv_rc, GMTLS_ALERT_UNEXPECTED_MESSAGE);
        CHECK(strstr(gmtls_conn_error_detail(p.srv), "early data") != NULL);
        tt_pair_free(&p);
    }
    /* 8. EndOfEarlyData where none is expected -> unexpected_message: in a
     * handshake without 0-RTT (under the client's handshake key, before its
     * Finished), and after the handshake. */
    {
        static const uint8_t eoed[4] = {GMTLS_HS_END_OF_EARLY_DATA, 0, 0, 0};
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        size_t none = 0, n;
        CHECK_ERR(gmtls_handshake(p.cli, &p.c2s, NULL, &none), GMTLS_ERR_WANT_READ);
        n = p.c2s.off;
        CHECK_ERR(gmtls_handshake(p.srv, &p.s2c, p.c2s.base, &n), GMTLS_ERR_WANT_READ);
        gmtls_buf_consume(&p.c2s, n);
        n = p.s2c.off;
        int rc = gmtls_handshake(p.cli, &p.c2s, p.s2c.base, &n);
        CHECK(rc == 0 || rc == GMTLS_ERR_WANT_READ);
        gmtls_buf_consume(&p.s2c, n);
        /* before the client's flight: EndOfEarlyData under c_hs (seq 0) */
        gmtls_rec hs;
        memset(&hs, 0, sizeof hs);
        gmtls_buf bad;
        gmtls_buf_init(&bad);
        CHECK_OK(gmtls_rec_set_secret(&hs, p.cli->suite, 1, p.cli->ks.c_hs));
        CHECK_OK(gmtls_rec_write(&hs, &bad, GMTLS_CT_HANDSHAKE, eoed, sizeof eoed, 0));
        gmtls_rec_dispose(&hs);
        n = bad.off;
        CHECK_ERR(gmtls_handshake(p.srv, &p.s2c, bad.base, &n), GMTLS_ALERT_UNEXPECTED_MESSAGE);
        gmtls_buf_dispose(&bad);
        tt_pair_free(&p);

        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK_OK(gmtls_rec_write(&p.cli->wr, &p.c2s, GMTLS_CT_HANDSHAKE, eoed, sizeof eoed, 0));
        CHECK_ERR(tt_flush(&p), GMTLS_ALERT_UNEXPECTED_MESSAGE);
        tt_pair_free(&p);
    }
    /* 9. Middlebox compatibility mode: the client's dummy change_cipher_spec
     * goes right after the first ClientHello, before the early data (RFC 8446
     * §D.4: "If offering early data, the record is placed immediately after
     * the first ClientHello"); BoGo's runner fails on an early record there.
     * Without the mode, the early data follows the ClientHello directly. */
    for (int compat = 0; compat <= 1; compat++) {
        gmtls_config *c2 = tt_client_config(chain);
        gmtls_config_set_clock(c2, test_clock, &cclock);
        CHECK_OK(gmtls_config_set_alpn(c2, "http/1.1"));
        gmtls_config_set_middlebox_compat(c2, compat);
        tt_pair p;
        early_pair(&p, c2, scfg, sess, slen, req, sizeof req - 1);
        size_t none = 0;
        CHECK_ERR(gmtls_handshake(p.cli, &p.c2s, NULL, &none), GMTLS_ERR_WANT_READ);
        const uint8_t *b = p.c2s.base;
        size_t ch = 5 + ((size_t)b[3] << 8 | b[4]), next = ch;
        CHECK(b[0] == GMTLS_CT_HANDSHAKE && p.c2s.off > ch + 5);
        if (compat) {
            static const uint8_t ccs[6] = {GMTLS_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1};
            CHECK(memcmp(b + ch, ccs, sizeof ccs) == 0);
            next += sizeof ccs;
        }
        CHECK(p.c2s.off > next && b[next] == GMTLS_CT_APPLICATION_DATA);
        CHECK_OK(tt_handshake(&p));
        CHECK_ERR(gmtls_conn_early_data_state(p.srv), GMTLS_EARLY_ACCEPTED);
        CHECK(server_reads(&p, req, sizeof req - 1, 1));
        tt_pair_free(&p);
        gmtls_config_free(c2);
    }
    /* 10. A server that accepts 0-RTT with another ALPN or suite than the
     * ticket's (RFC 8446 §4.2.10 forbids it; played by changing what the
     * client remembers of the ticket once its first flight is out) ->
     * illegal_parameter from the client, sent under the early key the server
     * reads with until EndOfEarlyData (§2.3), so the server reads the alert
     * rather than failing to decrypt it. */
    for (int what = 0; what < 2; what++) {
        tt_pair p;
        early_pair(&p, ccfg, scfg, sess, slen, req, sizeof req - 1);
        size_t none = 0;
        CHECK_ERR(gmtls_handshake(p.cli, &p.c2s, NULL, &none), GMTLS_ERR_WANT_READ);
        if (what == 0) {
            strcpy(p.cli->offer.alpn, "h2");
        } else {
            /* another suite of the same hash, so the PSK stays usable */
            p.cli->offer.suite = p.cli->offer.suite == GMTLS_TLS_AES_128_GCM_SHA256 ? GMTLS_TLS_CHACHA20_POLY1305_SHA256
                                                                                    : GMTLS_TLS_AES_128_GCM_SHA256;
        }
        CHECK_ERR(tt_handshake(&p), GMTLS_ALERT_ILLEGAL_PARAMETER);
        CHECK(strstr(gmtls_conn_error_detail(p.cli), "another suite or ALPN") != NULL);
        CHECK_ERR(p.srv_rc, GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_ILLEGAL_PARAMETER));
        tt_pair_free(&p);
    }
    /* 11. A HelloRetryRequest (last: it changes the groups) rejects 0-RTT (RFC 8446 §4.2.10): the second
     * ClientHello has no early_data, the server skips the early records, the
     * handshake completes. */
    {
        CHECK_OK(gmtls_config_set_groups(scfg, "secp256r1"));
        CHECK_OK(gmtls_config_set_groups(ccfg, "x25519:secp256r1"));
        tt_pair p;
        early_pair(&p, ccfg, scfg, sess, slen, req, sizeof req - 1);
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_did_hrr(p.srv) && gmtls_conn_is_resumed(p.srv));
        CHECK_ERR(gmtls_conn_early_data_state(p.srv), GMTLS_EARLY_REJECTED);
        CHECK_ERR(gmtls_conn_early_data_state(p.cli), GMTLS_EARLY_REJECTED);
        CHECK(strcmp(gmtls_conn_early_data_reason(p.srv), "hello_retry_request") == 0);
        CHECK(strcmp(gmtls_conn_early_data_reason(p.cli), "hello_retry_request") == 0);
        CHECK(p.srv_app.off == 0 && p.srv->early_skipped > 0);
        tt_pair_free(&p);
    }
    free(sess);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
    return TEST_END("early_test");
}
