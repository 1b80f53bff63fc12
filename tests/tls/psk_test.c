/* Resumption failure paths (RFC 8446 §4.2.11 and the reference server's
 * checkForResumption): the server tries at most 5 identities, skips tickets it
 * cannot open, expired ones and ones of another hash, checks each binder in
 * constant time (decrypt_error), and refuses identities/binders that differ in
 * number (illegal_parameter). ClientHellos are rebuilt here around a real one
 * from the gmtls client, with binders computed from the session's PSK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handshake/internal.h"
#include "test.h"
#include "tlstest.h"

typedef struct {
    uint8_t *sess;
    size_t sess_len;
    gmtls_session s; /* decoded */
} session;

static int get_session(gmtls_config *ccfg, gmtls_config *scfg, session *out)
{
    tt_pair p;
    gmtls_buf b;
    gmtls_buf_init(&b);
    memset(out, 0, sizeof(*out));
    int rc = tt_pair_new(&p, ccfg, scfg, "localhost");
    if (rc == 0) {
        rc = tt_handshake(&p);
    }
    if (rc == 0) {
        rc = gmtls_conn_get_session(p.cli, &b);
    }
    if (rc == 0) {
        out->sess = malloc(b.off);
        memcpy(out->sess, b.base, b.off);
        out->sess_len = b.off;
        gmtls_conn *tmp = gmtls_conn_new(ccfg, 0);
        rc = gmtls_conn_set_session(tmp, out->sess, out->sess_len);
        out->s = tmp->offer;
        out->s.ticket = malloc(tmp->offer.ticket_len);
        memcpy(out->s.ticket, tmp->offer.ticket, tmp->offer.ticket_len);
        out->s.peer = NULL; /* owned by tmp */
        out->s.peer_len = 0;
        gmtls_conn_free(tmp);
    }
    gmtls_buf_dispose(&b);
    tt_pair_free(&p);
    return rc;
}

static void free_session(session *s)
{
    free(s->sess);
    gmtls_session_clear(&s->s);
}

/* The ClientHello a gmtls client sends when offering `s` (message bytes). */
static size_t client_hello(gmtls_config *ccfg, const session *s, uint8_t *msg, size_t cap)
{
    gmtls_conn *c = gmtls_conn_new(ccfg, 0);
    gmtls_buf out;
    gmtls_buf_init(&out);
    size_t n = 0, len = 0;
    CHECK_OK(gmtls_conn_set_server_name(c, "localhost"));
    CHECK_OK(gmtls_conn_set_session(c, s->sess, s->sess_len));
    CHECK_ERR(gmtls_handshake(c, &out, NULL, &n), GMTLS_ERR_WANT_READ);
    if (out.off > 5 && out.off - 5 <= cap) {
        len = out.off - 5;
        memcpy(msg, out.base + 5, len);
    }
    gmtls_buf_dispose(&out);
    gmtls_conn_free(c);
    return len;
}

typedef struct {
    const uint8_t *ticket;
    size_t ticket_len;
    const uint8_t *psk; /* NULL: a bogus binder */
    int bad_binder;
} identity;

/* Replaces the pre_shared_key extension of ch with the given identities
 * (binders computed over the truncated hello); extra_binders adds binders
 * beyond the identities. Returns the new message length. */
static size_t rebuild(const uint8_t *ch, size_t chlen, const identity *ids, size_t nids, int extra_binders,
                      const gmtls_hash_alg *h, uint8_t *out)
{
    gmtls_client_hello p;
    if (gmtls_ch_parse(&p, ch, chlen) != 0) {
        return 0;
    }
    if (p.nexts == 0 || p.exts[p.nexts - 1].type != GMTLS_EXT_PRE_SHARED_KEY) {
        gmtls_ch_free(&p);
        return 0;
    }
    size_t ext_start = (size_t)(p.exts[p.nexts - 1].data - 4 - ch);
    size_t exts_len_off = (size_t)(p.exts[0].data - 4 - ch) - 2;
    gmtls_ch_free(&p);
    gmtls_buf b;
    gmtls_wr w;
    gmtls_buf_init(&b);
    gmtls_wr_init(&w, &b);
    gmtls_wr_bytes(&w, ch, ext_start);
    gmtls_wr_u16(&w, GMTLS_EXT_PRE_SHARED_KEY);
    gmtls_wr_open(&w, 2);
    gmtls_wr_open(&w, 2);
    for (size_t i = 0; i < nids; i++) {
        gmtls_wr_open(&w, 2);
        gmtls_wr_bytes(&w, ids[i].ticket, ids[i].ticket_len);
        gmtls_wr_close(&w);
        gmtls_wr_u32(&w, 1000);
    }
    gmtls_wr_close(&w);
    size_t binders_off = b.off;
    gmtls_wr_open(&w, 2);
    for (size_t i = 0; i < nids + (size_t)extra_binders; i++) {
        gmtls_wr_open(&w, 1);
        for (size_t k = 0; k < h->digest_len; k++) {
            gmtls_wr_u8(&w, 0xaa);
        }
        gmtls_wr_close(&w);
    }
    gmtls_wr_close(&w);
    gmtls_wr_close(&w);
    if (gmtls_wr_finish(&w) != 0) {
        gmtls_buf_dispose(&b);
        return 0;
    }
    /* Fix the message and extensions-block lengths. */
    size_t total = b.off, body = total - 4;
    b.base[1] = (uint8_t)(body >> 16);
    b.base[2] = (uint8_t)(body >> 8);
    b.base[3] = (uint8_t)body;
    size_t exts_len = total - exts_len_off - 2;
    b.base[exts_len_off] = (uint8_t)(exts_len >> 8);
    b.base[exts_len_off + 1] = (uint8_t)exts_len;
    /* Binders over the truncated hello. */
    uint8_t th[GMTLS_MAX_HASH_LEN];
    CHECK_OK(gmtls_hash(h, b.base, binders_off, th));
    size_t at = binders_off + 2;
    for (size_t i = 0; i < nids; i++) {
        if (ids[i].psk != NULL) {
            gmtls_keysched ks;
            CHECK_OK(gmtls_ks_early(&ks, h, ids[i].psk, h->digest_len));
            CHECK_OK(gmtls_finished_mac(h, ks.binder_key, th, b.base + at + 1));
            if (ids[i].bad_binder) {
                b.base[at + 1] ^= 0x01;
            }
        }
        at += 1 + h->digest_len;
    }
    memcpy(out, b.base, total);
    gmtls_buf_dispose(&b);
    return total;
}

/* Feeds a ClientHello to a fresh server: returns its result, sets *resumed. */
static int serve(gmtls_config *scfg, const uint8_t *msg, size_t len, int *resumed)
{
    gmtls_conn *s = gmtls_conn_new(scfg, 1);
    gmtls_buf out, in;
    gmtls_buf_init(&out);
    gmtls_buf_init(&in);
    gmtls_wr w;
    gmtls_wr_init(&w, &in);
    gmtls_wr_u8(&w, GMTLS_CT_HANDSHAKE);
    gmtls_wr_u16(&w, 0x0301);
    gmtls_wr_open(&w, 2);
    gmtls_wr_bytes(&w, msg, len);
    gmtls_wr_close(&w);
    CHECK_OK(gmtls_wr_finish(&w));
    size_t n = in.off;
    int rc = gmtls_handshake(s, &out, in.base, &n);
    *resumed = gmtls_conn_is_resumed(s);
    gmtls_buf_dispose(&out);
    gmtls_buf_dispose(&in);
    gmtls_conn_free(s);
    return rc;
}

static uint64_t test_clock(void *arg)
{
    return *(const uint64_t *)arg;
}

/* What a resumed TLS 1.3 connection knows about its peer: both sides report
 * the chain, subject and verify outcome of the handshake that made the
 * ticket (the reference keeps PeerCertificates and VerifiedChains in the
 * session state); a client chain that was never verified (REQUEST,
 * REQUIRE_ANY) says so when resumed and does not resume on a server that
 * verifies now; a GMS3 session (older form) resumes knowing no peer. */
static void test_resumed_peer(void)
{
    static const gmtls_client_auth modes[] = {GMTLS_CLIENT_AUTH_NONE, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY,
                                              GMTLS_CLIENT_AUTH_REQUEST, GMTLS_CLIENT_AUTH_REQUIRE_ANY};
    static const char *const server_says[] = {"no peer certificate", "ok", "not verified (client auth mode)",
                                              "not verified (client auth mode)"};
    const test_chain *chain = tt_chain("P-256"), *cc = tt_chain("SM2");
    for (size_t m = 0; m < 4; m++) {
        gmtls_config *s = tt_server_config(chain), *c = tt_client_config(chain);
        gmtls_config_set_client_auth(s, modes[m]);
        CHECK_OK(gmtls_config_add_ca_mem(s, cc->ca_pem, strlen(cc->ca_pem)));
        CHECK_OK(
            gmtls_config_add_cert_chain_mem(c, cc->chain_pem, strlen(cc->chain_pem), cc->key_pem, strlen(cc->key_pem)));
        tt_pair p;
        tt_peer_view full_c, full_s, v;
        gmtls_buf sess;
        gmtls_buf_init(&sess);
        CHECK_OK(tt_resume_same_peer(c, s, 2, &full_c, &full_s, &sess));
        CHECK(full_c.has_subject && full_c.ncerts > 0 && strcmp(full_c.verify, "ok") == 0);
        CHECK(full_s.has_subject == (m != 0) && strcmp(full_s.verify, server_says[m]) == 0);
        if (m >= 2) {
            gmtls_config_set_client_auth(s, GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN);
            CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
            CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
            CHECK_OK(tt_handshake(&p));
            CHECK(!gmtls_conn_is_resumed(p.srv) && strcmp(gmtls_conn_verify_result(p.srv), "ok") == 0);
            tt_pair_free(&p);
        }
        if (m == 0) {
            uint8_t v3[4096];
            size_t v3len = sess.off <= sizeof v3 ? tt_session_gms3(sess.base, sess.off, v3) : 0;
            CHECK(v3len > 0 && v3len < sess.off);
            CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
            CHECK_OK(gmtls_conn_set_session(p.cli, v3, v3len));
            CHECK_OK(tt_handshake(&p));
            tt_peer_get(p.cli, &v);
            CHECK(gmtls_conn_is_resumed(p.cli) && !v.has_subject && v.ncerts == 0 &&
                  strcmp(v.verify, "no peer certificate") == 0);
            tt_pair_free(&p);
        }
        gmtls_buf_dispose(&sess);
        gmtls_config_free(s);
        gmtls_config_free(c);
    }
}

int main(void)
{
    test_resumed_peer();
    const test_chain *chain = tt_chain("P-256");
    gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
    CHECK_OK(gmtls_config_set_cipher_suites(ccfg, "TLS_AES_128_GCM_SHA256"));
    session s;
    CHECK_OK(get_session(ccfg, scfg, &s));
    const gmtls_hash_alg *h = &gmtls_hash_sha256;
    static uint8_t ch[8192], msg[16384];
    size_t chlen = client_hello(ccfg, &s, ch, sizeof ch);
    CHECK(chlen > 0);
    static const uint8_t junk[80] = {1, 2, 3};
    identity good = {s.s.ticket, s.s.ticket_len, s.s.psk, 0};
    identity bogus = {junk, sizeof junk, NULL, 0};
    int resumed = 0;
    size_t n;

    /* The unmodified hello resumes; rebuilt with one good identity, too. */
    CHECK_ERR(serve(scfg, ch, chlen, &resumed), GMTLS_ERR_WANT_READ);
    CHECK(resumed);
    n = rebuild(ch, chlen, &good, 1, 0, h, msg);
    CHECK(n > 0);
    CHECK_ERR(serve(scfg, msg, n, &resumed), GMTLS_ERR_WANT_READ);
    CHECK(resumed);

    /* The good identity fifth (after four unknown ones): still tried. */
    identity five[5] = {bogus, bogus, bogus, bogus, good};
    n = rebuild(ch, chlen, five, 5, 0, h, msg);
    CHECK_ERR(serve(scfg, msg, n, &resumed), GMTLS_ERR_WANT_READ);
    CHECK(resumed);
    /* Sixth: beyond the 5 identities the server tries -> full handshake. */
    identity six[6] = {bogus, bogus, bogus, bogus, bogus, good};
    n = rebuild(ch, chlen, six, 6, 0, h, msg);
    CHECK_ERR(serve(scfg, msg, n, &resumed), GMTLS_ERR_WANT_READ);
    CHECK(!resumed);

    /* A client that offers only psk_ke (no (EC)DHE with the PSK) gets a full
     * handshake: the reference resumes only with psk_dhe_ke. */
    {
        static uint8_t ke[8192];
        gmtls_client_hello parsed;
        memcpy(ke, ch, chlen);
        CHECK_OK(gmtls_ch_parse(&parsed, ke, chlen));
        const gmtls_ext *modes = gmtls_ch_find(&parsed, GMTLS_EXT_PSK_KEY_EXCHANGE_MODES);
        CHECK(modes != NULL && modes->len == 2 && modes->data[1] == 1);
        if (modes != NULL) {
            ke[(size_t)(modes->data - ke) + 1] = 0; /* psk_ke */
        }
        gmtls_ch_free(&parsed);
        n = rebuild(ke, chlen, &good, 1, 0, h, msg);
        CHECK(n > 0);
        CHECK_ERR(serve(scfg, msg, n, &resumed), GMTLS_ERR_WANT_READ);
        CHECK(!resumed);
    }

    /* A wrong binder on an identity the server can open -> decrypt_error. */
    identity badb = good;
    badb.bad_binder = 1;
    n = rebuild(ch, chlen, &badb, 1, 0, h, msg);
    CHECK_ERR(serve(scfg, msg, n, &resumed), GMTLS_ALERT_DECRYPT_ERROR);

    /* Identities and binders differing in number -> illegal_parameter. */
    n = rebuild(ch, chlen, &good, 1, 1, h, msg);
    CHECK_ERR(serve(scfg, msg, n, &resumed), GMTLS_ALERT_ILLEGAL_PARAMETER);

    /* A tampered ticket cannot be opened: full handshake, no alert. */
    uint8_t tampered[1024];
    memcpy(tampered, s.s.ticket, s.s.ticket_len);
    tampered[s.s.ticket_len / 2] ^= 0x40;
    identity badt = {tampered, s.s.ticket_len, s.s.psk, 0};
    n = rebuild(ch, chlen, &badt, 1, 0, h, msg);
    CHECK_ERR(serve(scfg, msg, n, &resumed), GMTLS_ERR_WANT_READ);
    CHECK(!resumed);

    /* Ticket keys from a file shared by two servers; rotation keeps the old
     * key for decryption only. */
    char dir[] = "/tmp/gmtls-psk-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    const char *k1 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    const char *k2 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n";
    char both[256];
    snprintf(both, sizeof both, "# newest first\n%s%s", k2, k1);
    char f1[4096], f2[4096], fbad[4096];
    snprintf(f1, sizeof f1, "%s", test_write_file(dir, "k1", k1));
    snprintf(f2, sizeof f2, "%s", test_write_file(dir, "k21", both));
    snprintf(fbad, sizeof fbad, "%s", test_write_file(dir, "bad", "0011zz\n"));
    gmtls_config *a = tt_server_config(chain), *b = tt_server_config(chain), *c = tt_server_config(chain);
    CHECK_OK(gmtls_config_load_ticket_keys(a, f1));
    CHECK_OK(gmtls_config_load_ticket_keys(b, f1));
    CHECK_OK(gmtls_config_load_ticket_keys(c, f2));
    CHECK_ERR(gmtls_config_load_ticket_keys(c, fbad), GMTLS_ERR_FILE);
    session sa;
    CHECK_OK(get_session(ccfg, a, &sa));
    chlen = client_hello(ccfg, &sa, ch, sizeof ch);
    CHECK_ERR(serve(b, ch, chlen, &resumed), GMTLS_ERR_WANT_READ);
    CHECK(resumed); /* another server with the same key file */
    CHECK_ERR(serve(c, ch, chlen, &resumed), GMTLS_ERR_WANT_READ);
    CHECK(resumed); /* rotated: k1 still decrypts */
    session sc;
    CHECK_OK(get_session(ccfg, c, &sc));
    chlen = client_hello(ccfg, &sc, ch, sizeof ch);
    CHECK_ERR(serve(a, ch, chlen, &resumed), GMTLS_ERR_WANT_READ);
    CHECK(!resumed); /* a ticket under k2 means nothing to a server with k1 only */

    /* An expired ticket (lifetime 1 s) is skipped. The server reads a clock
     * the test moves (gmtls_config_set_clock), not the wall clock: a sleep
     * against time(2) failed once on a machine whose clock did not advance
     * with the sleep. */
    uint64_t clock_ms = 1700000000000ull;
    gmtls_config_set_clock(a, test_clock, &clock_ms);
    gmtls_config_set_tickets(a, 1, 1);
    session se;
    CHECK_OK(get_session(ccfg, a, &se));
    chlen = client_hello(ccfg, &se, ch, sizeof ch);
    clock_ms += 1000; /* age 1 s = lifetime: still valid */
    CHECK_ERR(serve(a, ch, chlen, &resumed), GMTLS_ERR_WANT_READ);
    CHECK(resumed);
    clock_ms += 1000; /* age 2 s */
    CHECK_ERR(serve(a, ch, chlen, &resumed), GMTLS_ERR_WANT_READ);
    CHECK(!resumed);
    clock_ms -= 120000; /* issued two minutes in the future: refused too */
    CHECK_ERR(serve(a, ch, chlen, &resumed), GMTLS_ERR_WANT_READ);
    CHECK(!resumed);

    /* RFC 8446 §4.6.1: a ticket may resume "with a cipher suite that has the
     * same KDF hash algorithm"; gmtls, as BoringSSL, declines one whose own
     * suite (here TLS_AES_128_GCM_SHA256) the client no longer offers: a
     * client offering only TLS_CHACHA20_POLY1305_SHA256 (same hash, so it
     * offers the PSK) gets a full handshake, one offering both resumes. */
    {
        static const char *const suites[] = {"TLS_CHACHA20_POLY1305_SHA256",
                                             "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"};
        for (int i = 0; i < 2; i++) {
            gmtls_config *cc = tt_client_config(chain);
            CHECK_OK(gmtls_config_set_cipher_suites(cc, suites[i]));
            tt_pair p;
            CHECK_OK(tt_pair_new(&p, cc, scfg, "localhost"));
            CHECK_OK(gmtls_conn_set_session(p.cli, s.sess, s.sess_len));
            CHECK_OK(tt_handshake(&p));
            CHECK(gmtls_conn_is_resumed(p.srv) == (i == 1));
            CHECK(gmtls_conn_is_resumed(p.cli) == (i == 1));
            tt_pair_free(&p);
            gmtls_config_free(cc);
        }
    }

    /* RFC 8446 §4.1.2: the second ClientHello may drop only PSKs "which are
     * incompatible with the server's indicated cipher suite". The client
     * resumes s (TLS_AES_128_GCM_SHA256) with an x25519 share to a P-256-only
     * server; its second ClientHello, stripped of pre_shared_key (the last
     * extension), drops a PSK the suite could use -> illegal_parameter; the
     * untouched one resumes. */
    CHECK_OK(gmtls_config_set_groups(scfg, "secp256r1"));
    for (int strip = 0; strip <= 1; strip++) {
        gmtls_config *cc = tt_client_config(chain);
        CHECK_OK(gmtls_config_set_cipher_suites(cc, "TLS_AES_128_GCM_SHA256"));
        CHECK_OK(gmtls_config_set_groups(cc, "x25519:secp256r1"));
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, cc, scfg, "localhost"));
        CHECK_OK(gmtls_conn_set_session(p.cli, s.sess, s.sess_len));
        int rc = tt_second_hello(&p, strip);
        if (strip) {
            CHECK_ERR(rc, GMTLS_ALERT_ILLEGAL_PARAMETER);
        } else {
            CHECK_ERR(rc, GMTLS_ERR_WANT_READ);
            CHECK_OK(tt_handshake(&p));
            CHECK(gmtls_conn_is_resumed(p.srv));
        }
        tt_pair_free(&p);
        gmtls_config_free(cc);
    }

    free_session(&s);
    free_session(&sa);
    free_session(&sc);
    free_session(&se);
    gmtls_config_free(a);
    gmtls_config_free(b);
    gmtls_config_free(c);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
    return TEST_END("psk_test");
}
