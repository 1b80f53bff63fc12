/* tests/tls/compat_test.c - the wire-shape policies that let stock GmSSL
 * talk to gmtls (docs/ARCHITECTURE.md, "Interoperability defaults"):
 *  - one handshake message per record, in both flights;
 *  - the server's dummy change_cipher_spec only for a ClientHello with a
 *    non-empty legacy_session_id (RFC 8446 §D.4), after a ServerHello or a
 *    HelloRetryRequest;
 *  - the client's dummy change_cipher_spec only when the server sent one,
 *    before the encrypted flight, never before a second ClientHello;
 *  - status_request only when the client asked for OCSP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handshake/internal.h"
#include "test.h"
#include "tlstest.h"

typedef struct {
    uint8_t c_hs[GMTLS_MAX_HASH_LEN], s_hs[GMTLS_MAX_HASH_LEN];
} secrets;

static void keylog_cb(void *ctx, const gmtls_conn *conn, const char *line)
{
    secrets *k = ctx;
    const char *hex = strrchr(line, ' ');
    uint8_t *dst = NULL;
    (void)conn;
    if (strncmp(line, "CLIENT_HANDSHAKE_TRAFFIC_SECRET ", 32) == 0) {
        dst = k->c_hs;
    } else if (strncmp(line, "SERVER_HANDSHAKE_TRAFFIC_SECRET ", 32) == 0) {
        dst = k->s_hs;
    }
    if (dst != NULL && (hex == NULL || test_unhex(hex + 1, dst, GMTLS_MAX_HASH_LEN) < 32)) {
        abort();
    }
}

/* What a flight looks like on the wire: one entry per record. */
typedef struct {
    size_t n;
    uint8_t type[32]; /* inner content type */
    int is_protected[32];
    int nmsgs[32];   /* whole handshake messages in a handshake record (-1: a partial one) */
    uint8_t msg[32]; /* type of the first message */
} shape;

/* Walks buf[0..len): plaintext records as they are, protected ones opened
 * under secret (sequence numbers from 0). Returns 0, or -1 if a record does
 * not parse or decrypt. */
static int walk(const uint8_t *buf, size_t len, const gmtls_suite *suite, const uint8_t *secret, shape *s)
{
    gmtls_rec r;
    memset(&r, 0, sizeof r);
    memset(s, 0, sizeof(*s));
    if (suite != NULL && gmtls_rec_set_secret(&r, suite, 0, secret) != 0) {
        return -1;
    }
    int rc = 0;
    gmtls_rd rd;
    gmtls_rd_init(&rd, buf, len);
    while (rc == 0 && gmtls_rd_left(&rd) > 0 && s->n < GMTLS_ARRAY_LEN(s->type)) {
        const uint8_t *hdr = rd.p;
        uint8_t outer = gmtls_rd_u8(&rd);
        (void)gmtls_rd_u16(&rd);
        size_t n = gmtls_rd_u16(&rd);
        const uint8_t *body = gmtls_rd_bytes(&rd, n);
        if (body == NULL) {
            rc = -1;
            break;
        }
        uint8_t *copy = malloc(GMTLS_REC_HDR + n), *payload = copy + GMTLS_REC_HDR, type = outer;
        size_t plen = n;
        if (copy == NULL) {
            abort();
        }
        memcpy(copy, hdr, GMTLS_REC_HDR + n);
        if (outer == GMTLS_CT_APPLICATION_DATA &&
            (suite == NULL || gmtls_rec_open(&r, copy, GMTLS_REC_HDR + n, &type, &payload, &plen) != 0)) {
            rc = -1;
        }
        size_t i = s->n++;
        s->type[i] = type;
        s->is_protected[i] = outer == GMTLS_CT_APPLICATION_DATA;
        if (rc == 0 && type == GMTLS_CT_HANDSHAKE) {
            gmtls_rd m;
            gmtls_rd_init(&m, payload, plen);
            s->msg[i] = plen > 0 ? payload[0] : 0;
            while (gmtls_rd_left(&m) > 0) {
                (void)gmtls_rd_u8(&m);
                if (gmtls_rd_bytes(&m, gmtls_rd_u24(&m)) == NULL) {
                    s->nmsgs[i] = -1;
                    break;
                }
                s->nmsgs[i]++;
            }
        }
        free(copy);
    }
    gmtls_rec_dispose(&r);
    return rc;
}

typedef struct {
    gmtls_config *scfg, *ccfg;
    secrets sk, ck;
} cfgs;

static void cfgs_new(cfgs *c, int client_auth)
{
    memset(c, 0, sizeof(*c));
    const test_chain *sm2 = tt_chain("SM2"), *p256 = tt_chain("P-256");
    c->scfg = tt_server_config(sm2);
    c->ccfg = tt_client_config(sm2);
    if (c->scfg == NULL || c->ccfg == NULL) {
        abort();
    }
    gmtls_config_set_tickets(c->scfg, 0, 0);
    /* The ShangMi profile, as against GmSSL. */
    if (gmtls_config_set_cipher_suites(c->ccfg, "TLS_SM4_GCM_SM3:TLS_AES_128_GCM_SHA256") != 0) {
        abort();
    }
    gmtls_config_set_keylog(c->scfg, keylog_cb, &c->sk);
    gmtls_config_set_keylog(c->ccfg, keylog_cb, &c->ck);
    if (client_auth) {
        gmtls_config_set_client_auth(c->scfg, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY);
        if (gmtls_config_add_ca_mem(c->scfg, p256->ca_pem, strlen(p256->ca_pem)) != 0 ||
            gmtls_config_add_cert_chain_mem(c->ccfg, p256->chain_pem, strlen(p256->chain_pem), p256->key_pem,
                                            strlen(p256->key_pem)) != 0) {
            abort();
        }
    }
}

static void cfgs_free(cfgs *c)
{
    gmtls_config_free(c->scfg);
    gmtls_config_free(c->ccfg);
}

/* Runs one side once on everything in `in`, appending to out. */
static int step(gmtls_conn *c, gmtls_buf *in, gmtls_buf *out)
{
    size_t n = in->off;
    int rc = gmtls_handshake(c, out, in->base, &n);
    gmtls_buf_consume(in, n);
    return rc;
}

/* Removes every plaintext change_cipher_spec record from buf. */
static void strip_ccs(gmtls_buf *buf)
{
    size_t pos = 0;
    while (buf->off - pos >= GMTLS_REC_HDR) {
        size_t n = GMTLS_REC_HDR + ((size_t)buf->base[pos + 3] << 8 | buf->base[pos + 4]);
        if (buf->base[pos] == GMTLS_CT_CHANGE_CIPHER_SPEC) {
            memmove(buf->base + pos, buf->base + pos + n, buf->off - pos - n);
            buf->off -= n;
        } else {
            pos += n;
        }
    }
}

/* Rewrites the ClientHello record in buf to carry an empty legacy_session_id. */
static void empty_session_id(gmtls_buf *buf)
{
    /* record header 5, handshake header 4, legacy_version 2, random 32 */
    uint8_t *p = buf->base;
    size_t sid = 5 + 4 + 2 + 32, n = p[sid];
    memmove(p + sid + 1, p + sid + 1 + n, buf->off - sid - 1 - n);
    p[sid] = 0;
    buf->off -= n;
    size_t rl = ((size_t)p[3] << 8 | p[4]) - n, hl = rl - 4;
    p[3] = (uint8_t)(rl >> 8);
    p[4] = (uint8_t)rl;
    p[6] = (uint8_t)(hl >> 16);
    p[7] = (uint8_t)(hl >> 8);
    p[8] = (uint8_t)hl;
}

/* Both flights carry one handshake message per record (RFC 8446 §5.1 allows
 * coalescing; GmSSL reads one message per record). */
static void test_one_message_per_record(int client_auth)
{
    cfgs c;
    cfgs_new(&c, client_auth);
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, c.ccfg, c.scfg, "localhost"));
    CHECK(step(p.cli, &p.s2c, &p.c2s) == GMTLS_ERR_WANT_READ);
    CHECK(step(p.srv, &p.c2s, &p.s2c) == GMTLS_ERR_WANT_READ);
    const gmtls_suite *suite = gmtls_suite_by_id(gmtls_conn_cipher_suite(p.srv));
    CHECK(suite != NULL && suite->is_sm);
    shape s;
    /* [ServerHello][CCS][EE][CR][CompressedCertificate][CertificateVerify][Finished] */
    size_t shlen = GMTLS_REC_HDR + ((size_t)p.s2c.base[3] << 8 | p.s2c.base[4]);
    CHECK_OK(walk(p.s2c.base, shlen + 6, NULL, NULL, &s));
    CHECK(s.n == 2 && s.type[0] == GMTLS_CT_HANDSHAKE && s.nmsgs[0] == 1 && s.msg[0] == GMTLS_HS_SERVER_HELLO);
    CHECK(s.type[1] == GMTLS_CT_CHANGE_CIPHER_SPEC);
    CHECK_OK(walk(p.s2c.base + shlen + 6, p.s2c.off - shlen - 6, suite, c.sk.s_hs, &s));
    /* both ends offer certificate compression by default (RFC 8879): the
     * Certificate goes as a CompressedCertificate */
    static const uint8_t want_s[] = {GMTLS_HS_ENCRYPTED_EXTENSIONS, GMTLS_HS_CERTIFICATE_REQUEST,
                                     GMTLS_HS_COMPRESSED_CERTIFICATE, GMTLS_HS_CERTIFICATE_VERIFY, GMTLS_HS_FINISHED};
    CHECK(s.n == (client_auth ? 5u : 4u));
    for (size_t i = 0, j = 0; i < s.n; i++, j++) {
        j += !client_auth && j == 1; /* no CertificateRequest */
        CHECK(s.is_protected[i] && s.type[i] == GMTLS_CT_HANDSHAKE && s.nmsgs[i] == 1 && s.msg[i] == want_s[j]);
    }
    /* [CCS][CompressedCertificate][CertificateVerify][Finished] */
    CHECK(step(p.cli, &p.s2c, &p.c2s) == 0);
    CHECK_OK(walk(p.c2s.base, 6, NULL, NULL, &s));
    CHECK(s.n == 1 && s.type[0] == GMTLS_CT_CHANGE_CIPHER_SPEC);
    CHECK_OK(walk(p.c2s.base + 6, p.c2s.off - 6, suite, c.ck.c_hs, &s));
    static const uint8_t want_c[] = {GMTLS_HS_COMPRESSED_CERTIFICATE, GMTLS_HS_CERTIFICATE_VERIFY, GMTLS_HS_FINISHED};
    CHECK(s.n == (client_auth ? 3u : 1u));
    for (size_t i = 0; i < s.n; i++) {
        CHECK(s.type[i] == GMTLS_CT_HANDSHAKE && s.nmsgs[i] == 1 && s.msg[i] == want_c[client_auth ? i : 2]);
    }
    CHECK(step(p.srv, &p.c2s, &p.s2c) == 0);
    CHECK(gmtls_conn_handshake_done(p.srv) && gmtls_conn_handshake_done(p.cli));
    tt_pair_free(&p);
    cfgs_free(&c);
}

/* The server sends its dummy CCS only to a client in compatibility mode
 * (non-empty legacy_session_id), after ServerHello or HelloRetryRequest. */
static void test_server_ccs(int hrr, int empty_sid)
{
    cfgs c;
    cfgs_new(&c, 0);
    if (hrr) {
        /* The client's one key share is x25519; a P-256-only server retries. */
        CHECK_OK(gmtls_config_set_groups(c.scfg, "secp256r1"));
    }
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, c.ccfg, c.scfg, "localhost"));
    CHECK(step(p.cli, &p.s2c, &p.c2s) == GMTLS_ERR_WANT_READ);
    if (empty_sid) {
        empty_session_id(&p.c2s);
    }
    CHECK(step(p.srv, &p.c2s, &p.s2c) == GMTLS_ERR_WANT_READ);
    shape s;
    (void)walk(p.s2c.base, p.s2c.off, NULL, NULL, &s); /* stops at the first protected record */
    CHECK(s.n >= 1 && s.type[0] == GMTLS_CT_HANDSHAKE && s.msg[0] == GMTLS_HS_SERVER_HELLO);
    if (empty_sid) {
        CHECK(s.n == 1 || s.type[1] != GMTLS_CT_CHANGE_CIPHER_SPEC);
    } else {
        CHECK(s.n >= 2 && s.type[1] == GMTLS_CT_CHANGE_CIPHER_SPEC);
    }
    for (size_t i = 2; i < s.n; i++) {
        CHECK(s.type[i] != GMTLS_CT_CHANGE_CIPHER_SPEC); /* at most one, right after the first message */
    }
    /* The echo is the client's session id (empty here, too). */
    size_t echo = p.s2c.base[GMTLS_REC_HDR + 4 + 2 + 32];
    CHECK(echo == (empty_sid ? 0u : 32u));
    if (!empty_sid) {
        /* The rest of the handshake completes (the edited ClientHello would
         * fail the client's session id check). */
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_did_hrr(p.cli) == hrr);
    }
    tt_pair_free(&p);
    cfgs_free(&c);
}

/* The client answers a server CCS with one of its own before its encrypted
 * flight, sends none to a server that sent none, and never sends one before a
 * second ClientHello. */
static void test_client_ccs(int server_sends_ccs, int hrr)
{
    cfgs c;
    cfgs_new(&c, 0);
    if (hrr) {
        CHECK_OK(gmtls_config_set_groups(c.scfg, "secp256r1"));
    }
    tt_pair p;
    shape s;
    CHECK_OK(tt_pair_new(&p, c.ccfg, c.scfg, "localhost"));
    CHECK(step(p.cli, &p.s2c, &p.c2s) == GMTLS_ERR_WANT_READ);
    CHECK(step(p.srv, &p.c2s, &p.s2c) == GMTLS_ERR_WANT_READ);
    if (hrr) {
        if (!server_sends_ccs) {
            strip_ccs(&p.s2c);
        }
        CHECK(step(p.cli, &p.s2c, &p.c2s) == GMTLS_ERR_WANT_READ);
        /* The second ClientHello comes alone, without a CCS before it. */
        CHECK_OK(walk(p.c2s.base, p.c2s.off, NULL, NULL, &s));
        CHECK(s.n == 1 && s.type[0] == GMTLS_CT_HANDSHAKE && s.msg[0] == GMTLS_HS_CLIENT_HELLO);
        CHECK(step(p.srv, &p.c2s, &p.s2c) == GMTLS_ERR_WANT_READ);
    }
    if (!server_sends_ccs) {
        strip_ccs(&p.s2c);
    }
    CHECK(step(p.cli, &p.s2c, &p.c2s) == 0);
    const gmtls_suite *suite = gmtls_suite_by_id(gmtls_conn_cipher_suite(p.cli));
    CHECK(suite != NULL);
    size_t skip = server_sends_ccs ? 6 : 0;
    if (server_sends_ccs) {
        CHECK_OK(walk(p.c2s.base, 6, NULL, NULL, &s));
        CHECK(s.n == 1 && s.type[0] == GMTLS_CT_CHANGE_CIPHER_SPEC);
    }
    CHECK_OK(walk(p.c2s.base + skip, p.c2s.off - skip, suite, c.ck.c_hs, &s));
    CHECK(s.n == 1 && s.is_protected[0] && s.msg[0] == GMTLS_HS_FINISHED);
    CHECK(step(p.srv, &p.c2s, &p.s2c) == 0);
    CHECK(gmtls_conn_did_hrr(p.cli) == hrr);
    tt_pair_free(&p);
    cfgs_free(&c);
}

/* status_request (RFC 6066 §8) only when the client asked for OCSP. */
static void test_status_request(void)
{
    for (int ask = 0; ask <= 1; ask++) {
        gmtls_config *ccfg = tt_client_config(NULL);
        CHECK(ccfg != NULL);
        gmtls_config_set_request_ocsp(ccfg, ask);
        gmtls_conn *cli = gmtls_conn_new(ccfg, 0);
        gmtls_buf out;
        gmtls_buf_init(&out);
        CHECK(gmtls_handshake(cli, &out, NULL, NULL) == GMTLS_ERR_WANT_READ);
        gmtls_client_hello ch;
        CHECK_OK(gmtls_ch_parse(&ch, out.base + GMTLS_REC_HDR, out.off - GMTLS_REC_HDR));
        const gmtls_ext *e = gmtls_ch_find(&ch, GMTLS_EXT_STATUS_REQUEST);
        CHECK((e != NULL) == ask);
        if (e != NULL) {
            static const uint8_t rfc6066[] = {1, 0, 0, 0, 0}; /* ocsp, no responder ids, no extensions */
            CHECK(e->len == sizeof rfc6066);
            CHECK_MEM(e->data, rfc6066, sizeof rfc6066);
        }
        CHECK(ch.session_id_len == 32); /* compatibility mode offered (RFC 8446 §D.4) */
        gmtls_ch_free(&ch);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(cli);
        gmtls_config_free(ccfg);
    }
}

int main(void)
{
    test_one_message_per_record(0);
    test_one_message_per_record(1);
    for (int hrr = 0; hrr <= 1; hrr++) {
        test_server_ccs(hrr, 0);
        test_server_ccs(hrr, 1);
        test_client_ccs(1, hrr);
        test_client_ccs(0, hrr);
    }
    test_status_request();
    return TEST_END("compat_test");
}
