/* TLS 1.2 (tls12.c) in memory, gmtls client against gmtls server: every
 * suite with every key type, the groups, RSA PKCS#1 / PSS / ECDSA / Ed25519
 * signatures, resumption by ticket, ALPN, SNI certificate selection, OCSP,
 * client authentication, exporters and key log, version dispatch and the
 * downgrade sentinel; and the negative cases with their exact alerts:
 * missing extended master secret (both sides), a bad Finished, a bad
 * ServerKeyExchange signature, bad ECDHE points, the downgrade sentinel,
 * renegotiation attempts (both sides), fallback SCSV, a misplaced
 * change_cipher_spec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handshake/internal.h"
#include "record/record.h"
#include "test.h"
#include "tlstest.h"

/* ================================================================ helpers */

static gmtls_config *server_cfg(const char *alg)
{
    return tt_server_config(tt_chain(alg));
}

/* A client that speaks TLS 1.2 (max 1.2 unless both). */
static gmtls_config *client_cfg(const char *alg, int also13)
{
    gmtls_config *c = tt_client_config(tt_chain(alg));
    if (c == NULL ||
        gmtls_config_set_versions(c, GMTLS_VERSION_TLS12, also13 ? GMTLS_VERSION_TLS13 : GMTLS_VERSION_TLS12) != 0) {
        abort();
    }
    return c;
}

typedef struct {
    char line[4][256];
    int n;
} klog;

static void keylog_cb(void *ctx, const gmtls_conn *conn, const char *line)
{
    klog *k = ctx;
    (void)conn;
    if (k->n < 4) {
        snprintf(k->line[k->n++], sizeof k->line[0], "%s", line);
    }
}

/* The records of buf: offset and length of the i-th (header included), -1 past the end. */
static long rec_at(const gmtls_buf *b, int i, size_t *len)
{
    size_t off = 0;
    for (int k = 0; off + 5 <= b->off; k++) {
        size_t l = 5 + ((size_t)b->base[off + 3] << 8 | b->base[off + 4]);
        if (k == i) {
            *len = l;
            return (long)off;
        }
        off += l;
    }
    return -1;
}

/* Replaces n bytes at off in buf with m bytes of p. */
static void splice(gmtls_buf *b, size_t off, size_t n, const uint8_t *p, size_t m)
{
    if (gmtls_buf_reserve(b, m) != 0) {
        abort();
    }
    memmove(b->base + off + m, b->base + off + n, b->off - off - n);
    if (m > 0) {
        memcpy(b->base + off, p, m);
    }
    b->off = b->off - n + m;
}

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

/* Offset of the extensions block length of the hello message in the
 * plaintext record at rec (a ClientHello or a ServerHello). */
static size_t hello_exts(const uint8_t *rec)
{
    size_t p = 5 + 4 + 2 + 32;
    p += 1 + rec[p];
    if (rec[5] == GMTLS_HS_CLIENT_HELLO) {
        p += 2 + ((size_t)rec[p] << 8 | rec[p + 1]);
        p += 1 + rec[p];
    } else {
        p += 2 + 1;
    }
    return p;
}

/* Drops extension `type` from the hello in the first record of b (lengths fixed). */
static int drop_ext(gmtls_buf *b, uint16_t type)
{
    uint8_t *r = b->base;
    size_t xo = hello_exts(r), total = (size_t)r[xo] << 8 | r[xo + 1], p = xo + 2;
    while (p < xo + 2 + total) {
        size_t t = (size_t)r[p] << 8 | r[p + 1], l = (size_t)r[p + 2] << 8 | r[p + 3];
        if (t == type) {
            splice(b, p, 4 + l, NULL, 0);
            r = b->base;
            put16(r + xo, total - 4 - l);
            put24(r + 6, ((size_t)r[6] << 16 | (size_t)r[7] << 8 | r[8]) - 4 - l);
            put16(r + 3, ((size_t)r[3] << 8 | r[4]) - 4 - l);
            return 0;
        }
        p += 4 + l;
    }
    return -1;
}

/* Adds a cipher suite at the front of the ClientHello's list (first record of b). */
static void add_suite(gmtls_buf *b, uint16_t id)
{
    uint8_t *r = b->base, s[2] = {(uint8_t)(id >> 8), (uint8_t)id};
    size_t p = 5 + 4 + 2 + 32;
    p += 1 + r[p];
    size_t n = (size_t)r[p] << 8 | r[p + 1];
    splice(b, p + 2, 0, s, 2);
    r = b->base;
    put16(r + p, n + 2);
    put24(r + 6, ((size_t)r[6] << 16 | (size_t)r[7] << 8 | r[8]) + 2);
    put16(r + 3, ((size_t)r[3] << 8 | r[4]) + 2);
}

/* Appends extension (type, body) to the hello in the first record of b. */
static void add_ext(gmtls_buf *b, uint16_t type, const uint8_t *body, size_t n)
{
    uint8_t *r = b->base, hdr[4] = {(uint8_t)(type >> 8), (uint8_t)type, (uint8_t)(n >> 8), (uint8_t)n};
    size_t xo = hello_exts(r), total = (size_t)r[xo] << 8 | r[xo + 1];
    splice(b, xo + 2 + total, 0, body, n);
    splice(b, xo + 2 + total, 0, hdr, 4);
    r = b->base;
    put16(r + xo, total + 4 + n);
    put24(r + 6, ((size_t)r[6] << 16 | (size_t)r[7] << 8 | r[8]) + 4 + n);
    put16(r + 3, ((size_t)r[3] << 8 | r[4]) + 4 + n);
}

static int client_step(tt_pair *p)
{
    size_t n = p->s2c.off;
    int rc = gmtls_handshake(p->cli, &p->c2s, p->s2c.base, &n);
    gmtls_buf_consume(&p->s2c, n);
    return rc;
}

static int server_step(tt_pair *p)
{
    size_t n = p->c2s.off;
    int rc = gmtls_handshake(p->srv, &p->s2c, p->c2s.base, &n);
    gmtls_buf_consume(&p->c2s, n);
    return rc;
}

/* out ends with the plaintext fatal alert record 15 03 03 00 02 02 alert. */
static int ends_with_alert(const gmtls_buf *out, int alert)
{
    const uint8_t want[7] = {0x15, 3, 3, 0, 2, 2, (uint8_t)alert};
    return out->off >= 7 && memcmp(out->base + out->off - 7, want, 7) == 0;
}

static const uint8_t sentinel[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01};

/* ================================================================ positive */

static void check_session(tt_pair *p, uint16_t suite, const char *what)
{
    uint8_t e1[32], e2[32], e3[32], e4[32];
    CHECK(gmtls_conn_version(p->cli) == GMTLS_VERSION_TLS12 && gmtls_conn_version(p->srv) == GMTLS_VERSION_TLS12);
    CHECK(gmtls_conn_cipher_suite(p->cli) == suite && gmtls_conn_cipher_suite(p->srv) == suite);
    CHECK(gmtls_conn_sigalg(p->cli) == gmtls_conn_sigalg(p->srv));
    /* the ECDHE group, a resumption's that of its full handshake (BoGo CurveID-Resume-*) */
    CHECK(gmtls_conn_group(p->cli) != 0 && gmtls_conn_group(p->cli) == gmtls_conn_group(p->srv));
    /* RFC 5705: both sides export the same bytes; no context differs from an empty one. */
    CHECK_OK(gmtls_export(p->cli, "EXPERIMENTAL test", (const uint8_t *)"ctx", 3, 1, e1, sizeof e1));
    CHECK_OK(gmtls_export(p->srv, "EXPERIMENTAL test", (const uint8_t *)"ctx", 3, 1, e2, sizeof e2));
    CHECK(memcmp(e1, e2, sizeof e1) == 0);
    CHECK_OK(gmtls_export(p->srv, "EXPERIMENTAL test", NULL, 0, 0, e3, sizeof e3));
    CHECK_OK(gmtls_export(p->srv, "EXPERIMENTAL test", (const uint8_t *)"", 0, 1, e4, sizeof e4));
    CHECK(memcmp(e3, e4, sizeof e3) != 0 && memcmp(e1, e3, sizeof e1) != 0);
    /* data both ways, more than one record */
    static uint8_t big[40000];
    for (size_t i = 0; i < sizeof big; i++) {
        big[i] = (uint8_t)(i * 7);
    }
    CHECK_OK(tt_send(p, 1, big, sizeof big));
    CHECK(p->srv_app.off == sizeof big && memcmp(p->srv_app.base, big, sizeof big) == 0);
    CHECK_OK(tt_send(p, 0, "pong", 4));
    CHECK(p->cli_app.off == 4 && memcmp(p->cli_app.base, "pong", 4) == 0);
    /* TLS 1.2 has no KeyUpdate */
    gmtls_buf o;
    gmtls_buf_init(&o);
    CHECK_ERR(gmtls_key_update(p->cli, &o, 0), GMTLS_ERR_BAD_ARGUMENT);
    gmtls_buf_dispose(&o);
    if (test_failed_ > 0) {
        fprintf(stderr, "  in %s\n", what);
    }
}

static void test_suites(void)
{
    static const struct {
        const char *alg, *suite;
        uint16_t id, sigalg;
    } cases[] = {
        {"P-256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b, 0x0403},
        {"P-256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, 0x0403},
        {"P-256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca9, 0x0403},
        {"P-384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, 0x0503},
        {"ED25519", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b, 0x0807},
        {"ED448", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, 0x0808},
        /* RFC 8422 §5.3: the client must list the key's curve, which a gmtls
         * client offers only when named (so the case names it below) */
        {"P-521", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, 0x0603},
        {"RSA", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f, 0x0804},
        {"RSA", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030, 0x0804},
        {"RSA", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca8, 0x0804},
        {"RSA-PSS", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f, 0x0809},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
        gmtls_config *s = server_cfg(cases[i].alg), *c = client_cfg(cases[i].alg, 0);
        klog ks = {0}, kc = {0};
        gmtls_config_set_keylog(s, keylog_cb, &ks);
        gmtls_config_set_keylog(c, keylog_cb, &kc);
        CHECK_OK(gmtls_config_set_cipher_suites_tls12(c, cases[i].suite));
        if (strcmp(cases[i].alg, "P-521") == 0) {
            CHECK_OK(gmtls_config_set_groups(c, "x25519:secp521r1"));
        }
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(tt_handshake(&p));
        check_session(&p, cases[i].id, cases[i].suite);
        CHECK(gmtls_conn_sigalg(p.srv) == cases[i].sigalg);
        CHECK(strcmp(gmtls_conn_verify_result(p.cli), "ok") == 0);
        /* NSS key log: one CLIENT_RANDOM line on each side, the same. */
        CHECK(ks.n == 1 && kc.n == 1 && strncmp(ks.line[0], "CLIENT_RANDOM ", 14) == 0 &&
              strlen(ks.line[0]) == 14 + 64 + 1 + 96 && strcmp(ks.line[0], kc.line[0]) == 0);
        tt_pair_free(&p);
        gmtls_config_free(s);
        gmtls_config_free(c);
    }
    /* RSA PKCS#1 v1.5 (allowed in TLS 1.2 ServerKeyExchange) when it is all the client takes. */
    gmtls_config *s = server_cfg("RSA"), *c = client_cfg("RSA", 0);
    CHECK_OK(gmtls_config_set_sigalgs(c, "rsa_pkcs1_sha384"));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_sigalg(p.cli) == 0x0501);
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

static void test_groups(void)
{
    static const struct {
        const char *name;
        uint16_t id;
    } g[] = {{"x25519", 0x001d}, {"secp256r1", 0x0017}, {"secp384r1", 0x0018}, {"x448", 0x001e}, {"secp521r1", 0x0019}};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(g); i++) {
        gmtls_config *s = server_cfg("RSA"), *c = client_cfg("RSA", 0);
        CHECK_OK(gmtls_config_set_groups(c, g[i].name));
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_group(p.cli) == g[i].id && gmtls_conn_group(p.srv) == g[i].id);
        tt_pair_free(&p);
        gmtls_config_free(s);
        gmtls_config_free(c);
    }
    /* RFC 8422 §5.3: the ECDSA key's curve (P-256) must be in the client's
     * supported_groups: a client listing only x25519 gets no suite. */
    {
        gmtls_config *s1 = server_cfg("P-256"), *c1 = client_cfg("P-256", 0);
        CHECK_OK(gmtls_config_set_groups(c1, "x25519"));
        tt_pair q;
        CHECK_OK(tt_pair_new(&q, c1, s1, "localhost"));
        CHECK_ERR(tt_handshake(&q), GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_HANDSHAKE_FAILURE));
        tt_pair_free(&q);
        gmtls_config_free(s1);
        gmtls_config_free(c1);
    }
    /* ... and a server that sends one anyway is refused (BoGo CheckLeafCurve):
     * the client lists x25519 and P-384, which a middlebox turns into P-256;
     * the ServerKeyExchange (x25519, an ECDSA P-256 key) -> illegal_parameter. */
    {
        gmtls_config *s1 = server_cfg("P-256"), *c1 = client_cfg("P-256", 0);
        CHECK_OK(gmtls_config_set_groups(c1, "x25519:secp384r1"));
        tt_pair q;
        CHECK_OK(tt_pair_new(&q, c1, s1, "localhost"));
        CHECK_ERR(client_step(&q), GMTLS_ERR_WANT_READ);
        static const uint8_t ours[] = {0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x18};
        uint8_t *hit = memmem(q.c2s.base, q.c2s.off, ours, sizeof ours);
        CHECK(hit != NULL);
        if (hit != NULL) {
            hit[9] = 0x17; /* secp384r1 -> secp256r1 */
        }
        CHECK(server_step(&q) == GMTLS_ERR_WANT_READ);
        CHECK(gmtls_conn_group(q.srv) == 0x001d);
        CHECK_ERR(client_step(&q), GMTLS_ALERT_ILLEGAL_PARAMETER);
        CHECK(ends_with_alert(&q.c2s, GMTLS_ALERT_ILLEGAL_PARAMETER));
        tt_pair_free(&q);
        gmtls_config_free(s1);
        gmtls_config_free(c1);
    }
    /* no curve in common (the client lists only a hybrid, which TLS 1.2 lacks) */
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    CHECK_OK(gmtls_config_set_groups(c, "X25519MLKEM768"));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_ERR(tt_handshake(&p), GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_HANDSHAKE_FAILURE));
    CHECK(p.srv_rc == GMTLS_ALERT_HANDSHAKE_FAILURE);
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

/* gmtls_config_set_peer_chain_limit on a client, in TLS 1.2 (the Certificate
 * checked on its header) and TLS 1.3 (compressed: its uncompressed_length):
 * a server chain of 12 certificates (the leaf and 11 copies of the CA) is
 * refused with bad_certificate under the default of 10 and a limit of 11,
 * taken with 12; the byte limit takes a Certificate body of exactly its
 * size and refuses one byte less with illegal_parameter. */
static void test_peer_chain_limit(void)
{
    const test_chain *ch = tt_chain("P-256");
    size_t leaf_len = strlen(ch->chain_pem), ca_len = strlen(ch->ca_pem);
    char *pem = malloc(leaf_len + 11 * ca_len + 1);
    CHECK(pem != NULL);
    if (pem == NULL) {
        return;
    }
    memcpy(pem, ch->chain_pem, leaf_len);
    for (int i = 0; i < 11; i++) {
        memcpy(pem + leaf_len + (size_t)i * ca_len, ch->ca_pem, ca_len);
    }
    pem[leaf_len + 11 * ca_len] = '\0';
    gmtls_config *s = gmtls_config_new();
    CHECK_OK(gmtls_config_add_cert_chain_mem(s, pem, strlen(pem), ch->key_pem, strlen(ch->key_pem)));
    free(pem);
    CHECK_ERR(gmtls_config_set_peer_chain_limit(s, 0, 0), GMTLS_ERR_BAD_ARGUMENT);
    CHECK_ERR(gmtls_config_set_peer_chain_limit(s, 101, 0), GMTLS_ERR_BAD_ARGUMENT);
    CHECK_ERR(gmtls_config_set_peer_chain_limit(s, 10, 256 * 1024 + 1), GMTLS_ERR_BAD_ARGUMENT);
    for (int v13 = 0; v13 < 2; v13++) {
        gmtls_config *c = client_cfg("P-256", v13);
        gmtls_config_set_verify_peer(c, 0); /* the chain repeats its CA */
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK(tt_handshake(&p) != 0 && p.srv_rc == GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_BAD_CERTIFICATE));
        tt_pair_free(&p);
        CHECK_OK(gmtls_config_set_peer_chain_limit(c, 11, 0));
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK(tt_handshake(&p) != 0 && p.srv_rc == GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_BAD_CERTIFICATE));
        tt_pair_free(&p);
        CHECK_OK(gmtls_config_set_peer_chain_limit(c, 12, 0));
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_version(p.cli) == (v13 ? GMTLS_VERSION_TLS13 : GMTLS_VERSION_TLS12));
        /* the Certificate body: TLS 1.3 context<1> and entries with
         * extensions<2>; certificate_list<3> of cert<3> */
        size_t body = v13 ? 1 + 3 : 3, n = 0, len;
        while (gmtls_conn_peer_cert(p.cli, n, &len) != NULL) {
            body += 3 + len + (v13 ? 2 : 0);
            n++;
        }
        CHECK(n == 12);
        tt_pair_free(&p);
        CHECK_OK(gmtls_config_set_peer_chain_limit(c, 12, body));
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(tt_handshake(&p));
        if (v13) {
            size_t wire = 0, plain = 0;
            /* the TLS 1.3 case goes through CompressedCertificate */
            CHECK(gmtls_conn_cert_compression(p.cli, 1, &wire, &plain) != 0 && plain == body && wire < body);
        }
        tt_pair_free(&p);
        CHECK_OK(gmtls_config_set_peer_chain_limit(c, 12, body - 1));
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK(tt_handshake(&p) != 0 && p.srv_rc == GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_ILLEGAL_PARAMETER));
        tt_pair_free(&p);
        gmtls_config_free(c);
    }
    gmtls_config_free(s);
}

/* gmtls_conn_session_id on both sides: the ServerHello's session_id, want
 * (want_len bytes; NULL / 0: none). */
static void check_sid(const tt_pair *p, const uint8_t *want, size_t want_len)
{
    for (int side = 0; side < 2; side++) {
        size_t len = 99;
        const uint8_t *id = gmtls_conn_session_id(side ? p->srv : p->cli, &len);
        CHECK(len == want_len);
        CHECK(want_len == 0 ? id == NULL : id != NULL && memcmp(id, want, want_len) == 0);
    }
}

static void test_resumption_alpn_ocsp(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    static const uint8_t ocsp[] = {0x30, 0x03, 0x0a, 0x01, 0x00};
    CHECK_OK(gmtls_config_set_alpn(s, "h2,http/1.1"));
    CHECK_OK(gmtls_config_set_alpn(c, "http/1.1"));
    CHECK_OK(gmtls_config_set_ocsp_staple(s, ocsp, sizeof ocsp));
    gmtls_config_set_request_ocsp(c, 1);
    /* RFC 6962 §3.3: a SignedCertificateTimestampList (one 4-byte SCT) in the ServerHello */
    static const uint8_t scts[] = {0x00, 0x06, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef};
    CHECK_OK(gmtls_config_set_scts(s, scts, sizeof scts));
    tt_pair p;
    gmtls_buf sess;
    gmtls_buf_init(&sess);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(!gmtls_conn_is_resumed(p.cli) && !gmtls_conn_is_resumed(p.srv));
    CHECK(gmtls_conn_alpn(p.cli) != NULL && strcmp(gmtls_conn_alpn(p.cli), "http/1.1") == 0);
    CHECK(gmtls_conn_alpn(p.srv) != NULL && strcmp(gmtls_conn_alpn(p.srv), "http/1.1") == 0);
    size_t olen = 0;
    const uint8_t *o = gmtls_conn_ocsp_response(p.cli, &olen);
    CHECK(o != NULL && olen == sizeof ocsp && memcmp(o, ocsp, olen) == 0);
    /* the SCT list of the ServerHello outlives the Certificate that follows */
    o = gmtls_conn_scts(p.cli, &olen);
    CHECK(o != NULL && olen == sizeof scts && memcmp(o, scts, olen) == 0);
    CHECK(strcmp(gmtls_conn_server_name(p.srv), "localhost") == 0);
    CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
    uint16_t suite = gmtls_conn_cipher_suite(p.cli), group = gmtls_conn_group(p.cli);
    tt_pair_free(&p);
    /* RFC 5077: the ticket resumes; the abbreviated handshake agrees on keys. */
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_is_resumed(p.cli) && gmtls_conn_is_resumed(p.srv));
    check_session(&p, suite, "resumed");
    /* RFC 5077 §3.4: the server accepting the ticket echoes the client's ID */
    size_t tid_len = 0;
    const uint8_t *tid = gmtls_conn_session_id(p.cli, &tid_len);
    CHECK(tid != NULL && tid_len > 0);
    uint8_t tid_copy[32];
    memcpy(tid_copy, tid, tid_len <= 32 ? tid_len : 32);
    check_sid(&p, tid_copy, tid_len);
    CHECK(group != 0 && gmtls_conn_group(p.cli) == group && gmtls_conn_group(p.srv) == group);
    tt_pair_free(&p);
    /* A TLS 1.3-only server does not take the TLS 1.2 ticket (nor does a
     * TLS 1.2 client send it as a PSK): a full TLS 1.3 handshake. */
    gmtls_config *c13 = client_cfg("P-256", 1);
    CHECK_OK(tt_pair_new(&p, c13, s, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_version(p.cli) == GMTLS_VERSION_TLS13 && !gmtls_conn_is_resumed(p.srv));
    check_sid(&p, NULL, 0); /* TLS 1.3: no session ID */
    tt_pair_free(&p);
    gmtls_config_free(c13);
    /* ALPN without overlap: no_application_protocol (RFC 7301 §3.2). */
    CHECK_OK(gmtls_config_set_alpn(c, "spdy/1"));
    CHECK_OK(gmtls_config_set_alpn(s, "h2"));
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_ERR(tt_handshake(&p), GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_NO_APPLICATION_PROTOCOL));
    tt_pair_free(&p);
    gmtls_buf_dispose(&sess);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

/* The certificate callback sees the server name (SNI) and picks the chain. */
static int pick_by_name(void *ctx, const gmtls_client_hello_info *info)
{
    (void)ctx;
    return info->server_name != NULL && strcmp(info->server_name, "other.example") == 0 ? 1 : 0;
}

/* Session-ID resumption (RFC 5246 §7.4.1.2) with the server's tickets off:
 * the ServerHello carries a new 32-byte ID, the session (GMS3) carries it,
 * the ClientHello offers it and the abbreviated handshake agrees on keys;
 * another server name gets a full handshake (RFC 6066 §3); with the cache
 * off there is no ID and no session. */
static void test_session_id(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    gmtls_config_set_tickets(s, 0, 0);
    tt_pair p;
    gmtls_buf sess;
    gmtls_buf_init(&sess);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
    CHECK_ERR(server_step(&p), GMTLS_ERR_WANT_READ);
    /* ServerHello: 16 03 03 len | 02 len(3) | 03 03 | random | 32, the ID */
    CHECK(p.s2c.off > 5 + 4 + 2 + 32 + 1 + 32 && p.s2c.base[5] == 2 && p.s2c.base[5 + 4 + 2 + 32] == 32);
    uint8_t sid[32];
    memcpy(sid, p.s2c.base + 5 + 4 + 2 + 32 + 1, 32);
    CHECK_OK(tt_handshake(&p));
    CHECK(!gmtls_conn_is_resumed(p.cli) && !gmtls_conn_is_resumed(p.srv));
    check_sid(&p, sid, 32); /* the ID the server issued */
    CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
    /* GMS4 is GMS3 (ending in the session ID) and the peer */
    uint8_t v3[4096];
    size_t v3len = sess.off <= sizeof v3 ? tt_session_gms3(sess.base, sess.off, v3) : 0;
    CHECK(v3len > 4 + 32 && v3[v3len - 33] == 32 && memcmp(v3 + v3len - 32, sid, 32) == 0);
    uint16_t suite = gmtls_conn_cipher_suite(p.cli), group = gmtls_conn_group(p.cli);
    tt_pair_free(&p);
    for (int round = 0; round < 2; round++) {
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
        CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
        /* the ClientHello's legacy_session_id is the session's ID */
        CHECK(p.c2s.off > 5 + 4 + 2 + 32 + 1 + 32 && p.c2s.base[5 + 4 + 2 + 32] == 32 &&
              memcmp(p.c2s.base + 5 + 4 + 2 + 32 + 1, sid, 32) == 0);
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_is_resumed(p.cli) && gmtls_conn_is_resumed(p.srv));
        check_session(&p, suite, "resumed by session ID");
        check_sid(&p, sid, 32); /* the resumed session's */
        CHECK(group != 0 && gmtls_conn_group(p.cli) == group && gmtls_conn_group(p.srv) == group);
        tt_pair_free(&p);
    }
    /* RFC 6066 §3: the session was for "localhost"; another name -> a full handshake */
    gmtls_config_set_verify_peer(c, 0);
    CHECK_OK(tt_pair_new(&p, c, s, "other.example"));
    CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
    CHECK_OK(tt_handshake(&p));
    CHECK(!gmtls_conn_is_resumed(p.cli) && !gmtls_conn_is_resumed(p.srv));
    tt_pair_free(&p);
    gmtls_config_set_verify_peer(c, 1);
    /* the server restarted with an empty cache: a full handshake */
    gmtls_config_set_session_cache(s, 0, 0);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
    CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
    CHECK_ERR(server_step(&p), GMTLS_ERR_WANT_READ);
    CHECK(p.s2c.off > 5 + 4 + 2 + 32 + 1 && p.s2c.base[5 + 4 + 2 + 32] == 0); /* cache off: no ID */
    CHECK_OK(tt_handshake(&p));
    check_sid(&p, NULL, 0);
    CHECK(!gmtls_conn_is_resumed(p.cli) && !gmtls_conn_is_resumed(p.srv));
    gmtls_buf none;
    gmtls_buf_init(&none);
    CHECK_ERR(gmtls_conn_get_session(p.cli, &none), GMTLS_ERR_NOT_READY);
    gmtls_buf_dispose(&none);
    tt_pair_free(&p);
    /* a client offering a ticket to a server whose tickets are off gets a
     * full handshake and a session ID, which then resumes */
    gmtls_config_set_session_cache(s, 16, 0);
    gmtls_config *st = server_cfg("P-256");
    CHECK_OK(tt_pair_new(&p, c, st, "localhost"));
    CHECK_OK(tt_handshake(&p));
    gmtls_buf tsess;
    gmtls_buf_init(&tsess);
    CHECK_OK(gmtls_conn_get_session(p.cli, &tsess));
    tt_pair_free(&p);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p.cli, tsess.base, tsess.off));
    CHECK_OK(tt_handshake(&p));
    CHECK(!gmtls_conn_is_resumed(p.cli) && p.srv->sid12_new && p.srv->session_id_len == 32);
    gmtls_buf_consume(&tsess, tsess.off);
    CHECK_OK(gmtls_conn_get_session(p.cli, &tsess));
    tt_pair_free(&p);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p.cli, tsess.base, tsess.off));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_is_resumed(p.cli) && gmtls_conn_is_resumed(p.srv));
    tt_pair_free(&p);
    gmtls_buf_dispose(&tsess);
    gmtls_config_free(st);
    /* with tickets on, a client offering the ticket extension gets a ticket
     * and no session ID (RFC 5077 §3.4) */
    gmtls_config_set_session_cache(s, 16, 0);
    gmtls_config_set_tickets(s, 1, 0);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
    CHECK_ERR(server_step(&p), GMTLS_ERR_WANT_READ);
    CHECK(p.s2c.off > 5 + 4 + 2 + 32 + 1 && p.s2c.base[5 + 4 + 2 + 32] == 0);
    CHECK_OK(tt_handshake(&p));
    check_sid(&p, NULL, 0); /* a ticket instead */
    gmtls_buf_dispose(&sess);
    gmtls_buf_init(&sess);
    CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
    uint8_t v3t[4096];
    size_t v3tlen = sess.off <= sizeof v3t ? tt_session_gms3(sess.base, sess.off, v3t) : 0;
    CHECK(v3tlen > 4 && v3t[v3tlen - 1] == 0); /* session_id<1> empty */
    tt_pair_free(&p);
    gmtls_buf_dispose(&sess);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

static void test_sni(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    const test_chain *other = tt_chain("P-384");
    CHECK_OK(gmtls_config_add_cert_chain_mem(s, other->chain_pem, strlen(other->chain_pem), other->key_pem,
                                             strlen(other->key_pem)));
    gmtls_config_set_select_cert(s, pick_by_name, NULL);
    gmtls_config_set_verify_peer(c, 0);
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, c, s, "other.example"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_sigalg(p.cli) == 0x0503); /* the P-384 chain for that name */
    CHECK(strcmp(gmtls_conn_server_name(p.srv), "other.example") == 0);
    tt_pair_free(&p);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_sigalg(p.cli) == 0x0403);
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

static void test_client_auth(void)
{
    static const char *algs[] = {"P-256", "RSA", "P-256"};
    for (size_t i = 0; i < 3; i++) {
        const test_chain *cc = tt_chain(algs[i]);
        gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
        gmtls_config_set_client_auth(s, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY);
        if (i == 2) {
            gmtls_config_set_tickets(s, 0, 0); /* by session ID: the chain comes from the cache */
        }
        CHECK_OK(gmtls_config_add_ca_mem(s, cc->ca_pem, strlen(cc->ca_pem)));
        CHECK_OK(
            gmtls_config_add_cert_chain_mem(c, cc->chain_pem, strlen(cc->chain_pem), cc->key_pem, strlen(cc->key_pem)));
        tt_pair p;
        gmtls_buf sess;
        gmtls_buf_init(&sess);
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_peer_sigalg(p.srv) == (i != 1 ? 0x0403 : 0x0804));
        CHECK(gmtls_conn_peer_subject(p.srv) != NULL && strcmp(gmtls_conn_verify_result(p.srv), "ok") == 0);
        CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
        tt_pair_free(&p);
        /* resumed: the client chain comes back from the ticket */
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
        CHECK_OK(tt_handshake(&p));
        size_t l = 0;
        CHECK(gmtls_conn_is_resumed(p.srv) && gmtls_conn_peer_cert(p.srv, 0, &l) != NULL);
        CHECK(strcmp(gmtls_conn_verify_result(p.srv), "ok") == 0 && gmtls_conn_peer_subject(p.srv) != NULL);
        tt_pair_free(&p);
        if (i == 2) {
            /* the same session on a server that no longer asks for a
             * certificate: its client chain does not fit -> a full handshake */
            gmtls_config_set_client_auth(s, GMTLS_CLIENT_AUTH_NONE);
            CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
            CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
            CHECK_OK(tt_handshake(&p));
            CHECK(!gmtls_conn_is_resumed(p.srv) && gmtls_conn_peer_cert(p.srv, 0, &l) == NULL);
            tt_pair_free(&p);
        }
        gmtls_buf_dispose(&sess);
        gmtls_config_free(s);
        gmtls_config_free(c);
    }
    /* RFC 5246 §7.4.6: no certificate where one is required -> handshake_failure. */
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    gmtls_config_set_client_auth(s, GMTLS_CLIENT_AUTH_REQUIRE_ANY);
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_ERR(tt_handshake(&p), GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_HANDSHAKE_FAILURE));
    CHECK(p.srv_rc == GMTLS_ALERT_HANDSHAKE_FAILURE);
    tt_pair_free(&p);
    /* optional: the empty Certificate is accepted */
    gmtls_config_set_client_auth(s, GMTLS_CLIENT_AUTH_REQUEST);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_peer_subject(p.srv) == NULL);
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

/* What a resumed connection knows about its peer (tasks of the session
 * state): by ticket and by session ID, both sides report the chain, subject
 * and verify outcome of the handshake that made the session; a client chain
 * that was never verified (REQUEST, REQUIRE_ANY) says so when resumed, and
 * does not resume on a server that verifies now (a full handshake does);
 * a client that did not verify says so; the older session form (GMS3)
 * still resumes, knowing no peer; malformed GMS4 peers are refused. */
static void test_resumed_peer(void)
{
    static const gmtls_client_auth modes[] = {GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY, GMTLS_CLIENT_AUTH_REQUEST,
                                              GMTLS_CLIENT_AUTH_REQUIRE_ANY};
    const test_chain *cc = tt_chain("P-256");
    for (int by_id = 0; by_id < 2; by_id++) {
        for (size_t m = 0; m < 3; m++) {
            gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
            gmtls_config_set_client_auth(s, modes[m]);
            if (by_id) {
                gmtls_config_set_tickets(s, 0, 0);
            }
            CHECK_OK(gmtls_config_add_ca_mem(s, cc->ca_pem, strlen(cc->ca_pem)));
            CHECK_OK(gmtls_config_add_cert_chain_mem(c, cc->chain_pem, strlen(cc->chain_pem), cc->key_pem,
                                                     strlen(cc->key_pem)));
            tt_pair p;
            tt_peer_view full_c, full_s;
            gmtls_buf sess;
            gmtls_buf_init(&sess);
            CHECK_OK(tt_resume_same_peer(c, s, 2, &full_c, &full_s, &sess));
            CHECK(full_c.has_subject && full_c.ncerts > 0 && strcmp(full_c.verify, "ok") == 0);
            CHECK(full_s.has_subject && full_s.ncerts > 0 &&
                  strcmp(full_s.verify, m == 0 ? "ok" : "not verified (client auth mode)") == 0);
            if (m != 0) {
                /* never verified: a server that verifies now does not resume it */
                gmtls_config_set_client_auth(s, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY);
                CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
                CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
                CHECK_OK(tt_handshake(&p));
                CHECK(!gmtls_conn_is_resumed(p.srv) && strcmp(gmtls_conn_verify_result(p.srv), "ok") == 0);
                tt_pair_free(&p);
            }
            gmtls_buf_dispose(&sess);
            gmtls_config_free(s);
            gmtls_config_free(c);
        }
    }
    /* a client that does not verify: so it says on resumption too */
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    gmtls_config_set_verify_peer(c, 0);
    tt_pair p;
    tt_peer_view full, v;
    gmtls_buf sess;
    gmtls_buf_init(&sess);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    tt_peer_get(p.cli, &full);
    CHECK(full.has_subject && strcmp(full.verify, "not verified (verification disabled)") == 0);
    CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
    tt_pair_free(&p);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
    CHECK_OK(tt_handshake(&p));
    tt_peer_get(p.cli, &v);
    CHECK(gmtls_conn_is_resumed(p.cli) && tt_peer_same(&v, &full));
    tt_pair_free(&p);
    /* GMS3 (before the peer was kept): resumes, and reports no peer */
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
    /* GMS4 after the session ID: peer<3> = count(1) | cert<3>... | enc<3>, verified(1), verify_result<1> */
    uint8_t bad[8192];
    CHECK(sess.off <= sizeof bad && sess.off > v3len + 3 + 1 + 3 + 1);
    gmtls_conn *t = gmtls_conn_new(c, 0);
    CHECK_ERR(gmtls_conn_set_session(t, sess.base, sess.off - 1), GMTLS_ERR_BAD_ARGUMENT); /* truncated */
    memcpy(bad, sess.base, sess.off);
    bad[v3len + 3] = 101; /* more certificates than GMTLS_MAX_CHAIN (100) */
    CHECK_ERR(gmtls_conn_set_session(t, bad, sess.off), GMTLS_ERR_BAD_ARGUMENT);
    memcpy(bad, sess.base, sess.off);
    bad[v3len + 3 + 1 + 3] ^= 0x01; /* the leaf's DER tag: it does not parse */
    CHECK_ERR(gmtls_conn_set_session(t, bad, sess.off), GMTLS_ERR_BAD_ARGUMENT);
    size_t peer_len = (size_t)bad[v3len] << 16 | (size_t)bad[v3len + 1] << 8 | bad[v3len + 2];
    memcpy(bad, sess.base, sess.off);
    bad[v3len + 3 + peer_len] = 2; /* verified is 0 or 1 */
    CHECK_ERR(gmtls_conn_set_session(t, bad, sess.off), GMTLS_ERR_BAD_ARGUMENT);
    memcpy(bad, sess.base, sess.off);
    bad[v3len + 3 + peer_len + 1] = 200; /* a verify result over 199 bytes */
    CHECK_ERR(gmtls_conn_set_session(t, bad, sess.off), GMTLS_ERR_BAD_ARGUMENT);
    CHECK_OK(gmtls_conn_set_session(t, sess.base, sess.off));
    gmtls_conn_free(t);
    gmtls_buf_dispose(&sess);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

typedef struct {
    int calls, reject; /* reject: the alert to return */
} verify_count;

static int count_verify(void *ctx, const gmtls_conn *conn)
{
    verify_count *v = ctx;
    v->calls++;
    return gmtls_conn_peer_subject(conn) != NULL ? v->reject : GMTLS_ALERT_BAD_CERTIFICATE;
}

/* gmtls_config_set_reverify_on_resume (TLS 1.2 and 1.3): a resumption runs
 * chain verification and the verify callback again over the session's
 * chain; a client whose trust anchors changed refuses the resumption with
 * the alert its full handshake sends (unknown_ca), as does a callback that
 * now rejects (its alert); without the option both resume, reporting the
 * session's outcome. A session that keeps no chain (GMS3) is refused. */
static void test_reverify(void)
{
    for (int also13 = 0; also13 < 2; also13++) {
        gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", also13);
        verify_count vc = {0, 0};
        gmtls_config_set_verify_connection(c, count_verify, &vc);
        gmtls_config_set_reverify_on_resume(c, 1);
        tt_pair p;
        gmtls_buf sess;
        gmtls_buf_init(&sess);
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_version(p.cli) == (also13 ? GMTLS_VERSION_TLS13 : GMTLS_VERSION_TLS12) && vc.calls == 1);
        CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
        tt_pair_free(&p);
        /* the same trust: resumes, the callback ran once more */
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_is_resumed(p.cli) && gmtls_conn_is_resumed(p.srv) && vc.calls == 2);
        CHECK(strcmp(gmtls_conn_verify_result(p.cli), "ok") == 0);
        tt_pair_free(&p);
        /* the callback now rejects: its alert, sent to the server */
        vc.reject = GMTLS_ALERT_CERTIFICATE_UNKNOWN;
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
        CHECK_ERR(tt_handshake(&p), GMTLS_ALERT_CERTIFICATE_UNKNOWN);
        CHECK(p.srv_rc == GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_CERTIFICATE_UNKNOWN) && vc.calls == 3);
        tt_pair_free(&p);
        /* ... which it does not run without the option: the session's outcome */
        gmtls_config_set_reverify_on_resume(c, 0);
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_is_resumed(p.cli) && vc.calls == 3 && strcmp(gmtls_conn_verify_result(p.cli), "ok") == 0);
        tt_pair_free(&p);
        /* another trust anchor: the full handshake's alert, with the option */
        gmtls_config *c2 = client_cfg("P-384", also13);
        int full_alert = 0;
        CHECK_OK(tt_pair_new(&p, c2, s, "localhost"));
        full_alert = tt_handshake(&p);
        CHECK_ERR(full_alert, GMTLS_ALERT_UNKNOWN_CA);
        tt_pair_free(&p);
        gmtls_config_set_reverify_on_resume(c2, 1);
        CHECK_OK(tt_pair_new(&p, c2, s, "localhost"));
        CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
        CHECK_ERR(tt_handshake(&p), full_alert);
        CHECK(p.srv_rc == GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_UNKNOWN_CA) && !gmtls_conn_handshake_done(p.cli));
        tt_pair_free(&p);
        if (also13) {
            /* 0-RTT: verified again before the ClientHello carries the data,
             * and not once more when the server accepts it */
            gmtls_config *s0 = server_cfg("P-256");
            CHECK_OK(gmtls_config_set_max_early_data(s0, 1024));
            gmtls_config_set_reverify_on_resume(c, 1);
            vc.reject = 0;
            gmtls_buf es;
            gmtls_buf_init(&es);
            CHECK_OK(tt_pair_new(&p, c, s0, "localhost"));
            CHECK_OK(tt_handshake(&p));
            CHECK_OK(gmtls_conn_get_session(p.cli, &es));
            tt_pair_free(&p);
            for (int reject = 0; reject < 2; reject++) {
                vc.calls = 0;
                vc.reject = reject ? GMTLS_ALERT_CERTIFICATE_UNKNOWN : 0;
                size_t z = 0;
                CHECK_OK(tt_pair_new(&p, c, s0, "localhost"));
                CHECK_OK(gmtls_conn_set_session(p.cli, es.base, es.off));
                CHECK_OK(gmtls_conn_set_early_data(p.cli, "early", 5));
                if (reject) {
                    /* nothing but the alert goes out: 15 03 03 00 02 02 2e */
                    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x2e};
                    CHECK_ERR(gmtls_handshake(p.cli, &p.c2s, NULL, &z), GMTLS_ALERT_CERTIFICATE_UNKNOWN);
                    CHECK(vc.calls == 1 && p.c2s.off == sizeof alert && memcmp(p.c2s.base, alert, sizeof alert) == 0);
                } else {
                    CHECK_OK(tt_handshake(&p));
                    CHECK(gmtls_conn_early_data_state(p.cli) == GMTLS_EARLY_ACCEPTED && vc.calls == 1);
                    gmtls_buf o, app;
                    gmtls_buf_init(&o);
                    gmtls_buf_init(&app);
                    CHECK_OK(gmtls_receive(p.srv, &o, &app, NULL, &z));
                    CHECK(app.off == 5 && memcmp(app.base, "early", 5) == 0 && gmtls_conn_last_read_early(p.srv));
                    gmtls_buf_dispose(&o);
                    gmtls_buf_dispose(&app);
                }
                tt_pair_free(&p);
            }
            gmtls_buf_dispose(&es);
            gmtls_config_free(s0);
        }
        /* GMS3 keeps no chain: nothing to verify again */
        uint8_t v3[4096];
        size_t v3len = sess.off <= sizeof v3 ? tt_session_gms3(sess.base, sess.off, v3) : 0;
        CHECK_OK(tt_pair_new(&p, c2, s, "localhost"));
        CHECK(v3len > 0);
        CHECK_ERR(gmtls_conn_set_session(p.cli, v3, v3len), GMTLS_ERR_BAD_ARGUMENT);
        tt_pair_free(&p);
        /* without the option the untrusting client resumes (the session's verdict) */
        gmtls_config_set_reverify_on_resume(c2, 0);
        CHECK_OK(tt_pair_new(&p, c2, s, "localhost"));
        CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_is_resumed(p.cli) && strcmp(gmtls_conn_verify_result(p.cli), "ok") == 0);
        tt_pair_free(&p);
        gmtls_config_free(c2);
        gmtls_buf_dispose(&sess);
        gmtls_config_free(s);
        gmtls_config_free(c);
    }
}

static void test_versions(void)
{
    gmtls_config *s = server_cfg("P-256"), *c12 = client_cfg("P-256", 0), *cboth = client_cfg("P-256", 1);
    gmtls_config *c13 = tt_client_config(tt_chain("P-256")), *s12 = server_cfg("P-256"), *s13 = server_cfg("P-256");
    CHECK_OK(gmtls_config_set_versions(s12, GMTLS_VERSION_TLS12, GMTLS_VERSION_TLS12));
    CHECK_OK(gmtls_config_set_versions(s13, GMTLS_VERSION_TLS13, GMTLS_VERSION_TLS13));
    CHECK_ERR(gmtls_config_set_versions(s13, GMTLS_VERSION_TLS13, GMTLS_VERSION_TLS12), GMTLS_ERR_BAD_ARGUMENT);
    CHECK_ERR(gmtls_config_set_versions(s13, 0x0302, GMTLS_VERSION_TLS13), GMTLS_ERR_BAD_ARGUMENT);
    tt_pair p;
    /* 1.2+1.3 client, default server: TLS 1.3 */
    CHECK_OK(tt_pair_new(&p, cboth, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_version(p.srv) == GMTLS_VERSION_TLS13);
    tt_pair_free(&p);
    /* 1.2+1.3 client, 1.2-only server: TLS 1.2 without the sentinel */
    CHECK_OK(tt_pair_new(&p, cboth, s12, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_version(p.cli) == GMTLS_VERSION_TLS12 && memcmp(p.srv->server_random + 24, sentinel, 8) != 0);
    tt_pair_free(&p);
    /* RFC 8446 §4.1.3: a TLS 1.3 server negotiating 1.2 sets the sentinel */
    CHECK_OK(tt_pair_new(&p, c12, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(memcmp(p.cli->server_random + 24, sentinel, 8) == 0);
    tt_pair_free(&p);
    /* the strict ShangMi profile has no TLS 1.2: protocol_version */
    {
        gmtls_config *sm = server_cfg("SM2");
        CHECK_OK(gmtls_config_set_strict_sm(sm, 1));
        CHECK_OK(tt_pair_new(&p, c12, sm, "localhost"));
        CHECK_ERR(tt_handshake(&p), GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_PROTOCOL_VERSION));
        tt_pair_free(&p);
        gmtls_config_free(sm);
    }
    /* no version in common: protocol_version, either way */
    CHECK_OK(tt_pair_new(&p, c12, s13, "localhost"));
    CHECK_ERR(tt_handshake(&p), GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_PROTOCOL_VERSION));
    tt_pair_free(&p);
    CHECK_OK(tt_pair_new(&p, c13, s12, "localhost"));
    CHECK_ERR(tt_handshake(&p), GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_PROTOCOL_VERSION));
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(s12);
    gmtls_config_free(s13);
    gmtls_config_free(c12);
    gmtls_config_free(c13);
    gmtls_config_free(cboth);
}

/* ================================================================ negative */

/* A pair stopped after the client's first flight (ClientHello in c2s). */
static void start(tt_pair *p, gmtls_config *c, gmtls_config *s)
{
    if (tt_pair_new(p, c, s, "localhost") != 0 || client_step(p) != GMTLS_ERR_WANT_READ) {
        abort();
    }
}

/* 1 if the ClientHello in the first record of b lists cipher suite `suite`. */
static int offers_suite(const gmtls_buf *b, uint16_t suite)
{
    const uint8_t *r = b->base;
    size_t p = 5 + 4 + 2 + 32;
    p += 1 + r[p];
    size_t n = (size_t)r[p] << 8 | r[p + 1];
    for (size_t i = 0; i + 1 < n; i += 2) {
        if (((uint16_t)(r[p + 2 + i] << 8) | r[p + 3 + i]) == suite) {
            return 1;
        }
    }
    return 0;
}

/* 1 if the hello in the first record of b carries extension type. */
static int has_ext(const gmtls_buf *b, uint16_t type)
{
    const uint8_t *r = b->base;
    size_t xo = hello_exts(r), total = (size_t)r[xo] << 8 | r[xo + 1], p = xo + 2;
    while (p < xo + 2 + total) {
        if (((size_t)r[p] << 8 | r[p + 1]) == type) {
            return 1;
        }
        p += 4 + ((size_t)r[p + 2] << 8 | r[p + 3]);
    }
    return 0;
}

static void test_client_hello_shape(void)
{
    static const uint16_t tls12_only[] = {0xff01, 23, 11, 35};
    gmtls_config *s = server_cfg("P-256"), *c13 = tt_client_config(tt_chain("P-256")), *c12 = client_cfg("P-256", 1);
    tt_pair p;
    /* The default client offers TLS 1.3 only: none of the TLS 1.2 signals,
     * supported_versions exactly { 0x0304 }, only the TLS 1.3 suites. */
    start(&p, c13, s);
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(tls12_only); i++) {
        CHECK(!has_ext(&p.c2s, tls12_only[i]));
    }
    static const uint8_t sv13[] = {0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04};
    CHECK(memmem(p.c2s.base, p.c2s.off, sv13, sizeof sv13) != NULL);
    CHECK(!offers_suite(&p.c2s, 0xc02b)); /* in cipher_suites, not anywhere in the random bytes */
    tt_pair_free(&p);
    /* A client that also offers 1.2 sends them all, and { 0x0304, 0x0303 }. */
    start(&p, c12, s);
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(tls12_only); i++) {
        CHECK(has_ext(&p.c2s, tls12_only[i]));
    }
    static const uint8_t sv[] = {0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03};
    CHECK(memmem(p.c2s.base, p.c2s.off, sv, sizeof sv) != NULL);
    CHECK(offers_suite(&p.c2s, 0xc02b));
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c13);
    gmtls_config_free(c12);
}

/* The extension types of the hello in the first record of b, in order (at
 * most max); their number. */
static size_t ext_types(const gmtls_buf *b, uint16_t *t, size_t max)
{
    const uint8_t *r = b->base;
    size_t xo = hello_exts(r), total = (size_t)r[xo] << 8 | r[xo + 1], p = xo + 2, n = 0;
    while (p < xo + 2 + total && n < max) {
        t[n++] = (uint16_t)(r[p] << 8 | r[p + 1]);
        p += 4 + ((size_t)r[p + 2] << 8 | r[p + 3]);
    }
    return n;
}

/* 1 when the ClientHello in the first record of b carries exactly the
 * extensions want[n], in that order; else prints what it carries. */
static int exts_are(const gmtls_buf *b, const uint16_t *want, size_t n, const char *what)
{
    uint16_t got[64];
    size_t k = ext_types(b, got, GMTLS_ARRAY_LEN_T(got));
    if (k == n && memcmp(got, want, n * sizeof want[0]) == 0) {
        return 1;
    }
    fprintf(stderr, "  %s: the ClientHello carries", what);
    for (size_t i = 0; i < k; i++) {
        fprintf(stderr, " %u", got[i]);
    }
    fprintf(stderr, "\n");
    return 0;
}

/* A pair stopped after the client's first flight, its client offering the
 * session sess (if any) with early data (if any). */
static void start_offering(tt_pair *p, gmtls_config *c, gmtls_config *s, const gmtls_buf *sess, const char *early)
{
    if (tt_pair_new(p, c, s, "localhost") != 0 ||
        (sess != NULL && gmtls_conn_set_session(p->cli, sess->base, sess->off) != 0) ||
        (early != NULL && gmtls_conn_set_early_data(p->cli, early, strlen(early)) != 0) ||
        client_step(p) != GMTLS_ERR_WANT_READ) {
        abort();
    }
}

/* The server's first record for client configuration c (a ServerHello or a
 * HelloRetryRequest), put in front of the 1.2-only pair p's client. */
static void graft_server_hello(tt_pair *p, gmtls_config *c, gmtls_config *s)
{
    tt_pair q;
    size_t len = 0;
    start(&q, c, s);
    if (server_step(&q) != GMTLS_ERR_WANT_READ || rec_at(&q.s2c, 0, &len) != 0) {
        abort();
    }
    splice(&p->s2c, 0, 0, q.s2c.base, len);
    tt_pair_free(&q);
}

static void test_tls12_only_hello(void)
{
    /* The extensions of each ClientHello, exactly: the TLS 1.3 ones and their
     * order as before the TLS 1.2-only ClientHello lost its TLS 1.3 ones
     * (RFC 8446 §4.2.1: a ClientHello without supported_versions is a TLS
     * 1.2 one; §4.2's table: key_share, pre_shared_key,
     * psk_key_exchange_modes, early_data, cookie, supported_versions and
     * post_handshake_auth are TLS 1.3's; RFC 8879 §3: compress_certificate
     * "is only supported with TLS 1.3 [RFC8446] and newer"). */
    static const uint16_t def13[] = {0, 43, 10, 13, 51, 18, 27, 28, 45};
    static const uint16_t def_both[] = {0, 43, 10, 13, 51, 18, 27, 28, 0xff01, 23, 11, 35, 45};
    static const uint16_t def12[] = {0, 10, 13, 18, 28, 0xff01, 23, 11, 35};
    /* with ALPN, OCSP, a certificate, an external PSK, a TLS 1.3 session
     * and early data */
    static const uint16_t full13[] = {0, 43, 10, 13, 51, 16, 5, 18, 49, 27, 28, 42, 45, 41};
    static const uint16_t full_both[] = {0, 43, 10, 13, 51, 16, 5, 18, 49, 27, 28, 42, 0xff01, 23, 11, 35, 45, 41};
    static const uint16_t full12[] = {0, 10, 13, 16, 5, 18, 28, 0xff01, 23, 11, 35};
    static const uint8_t psk_id[] = "tls12-only", psk_key[32] = {1, 2, 3};
    gmtls_config *s = server_cfg("P-256"), *c13 = tt_client_config(tt_chain("P-256"));
    gmtls_config *cboth = client_cfg("P-256", 1), *c12 = client_cfg("P-256", 0);
    const test_chain *mine = tt_chain("RSA");
    gmtls_config *full[3];
    tt_pair p;
    gmtls_buf sess;
    gmtls_buf_init(&sess);
    CHECK_OK(gmtls_config_set_max_early_data(s, 1024));
    /* a TLS 1.3 session whose ticket allows early data */
    CHECK_OK(tt_pair_new(&p, c13, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
    CHECK(gmtls_conn_session_max_early_data(p.cli) == 1024);
    tt_pair_free(&p);
    for (int i = 0; i < 3; i++) {
        full[i] = tt_client_config(tt_chain("P-256"));
        CHECK(full[i] != NULL);
        if (full[i] == NULL) {
            abort();
        }
        CHECK_OK(gmtls_config_add_cert_chain_mem(full[i], mine->chain_pem, strlen(mine->chain_pem), mine->key_pem,
                                                 strlen(mine->key_pem)));
        CHECK_OK(gmtls_config_set_alpn(full[i], "http/1.1"));
        gmtls_config_set_request_ocsp(full[i], 1);
        CHECK_OK(gmtls_config_add_psk(full[i], psk_id, sizeof psk_id - 1, psk_key, sizeof psk_key, "SHA256"));
    }
    CHECK_OK(gmtls_config_set_versions(full[1], GMTLS_VERSION_TLS12, GMTLS_VERSION_TLS13));
    CHECK_OK(gmtls_config_set_versions(full[2], GMTLS_VERSION_TLS12, GMTLS_VERSION_TLS12));

    /* The TLS 1.3 ClientHellos: unchanged, a key pair made for the share. */
    start(&p, c13, s);
    CHECK(exts_are(&p.c2s, def13, GMTLS_ARRAY_LEN_T(def13), "default"));
    CHECK(p.cli->kex_state != NULL);
    tt_pair_free(&p);
    start(&p, cboth, s);
    CHECK(exts_are(&p.c2s, def_both, GMTLS_ARRAY_LEN_T(def_both), "TLS 1.2 and 1.3"));
    tt_pair_free(&p);
    start_offering(&p, full[0], s, &sess, "early");
    CHECK(exts_are(&p.c2s, full13, GMTLS_ARRAY_LEN_T(full13), "TLS 1.3, all options"));
    tt_pair_free(&p);
    start_offering(&p, full[1], s, &sess, "early");
    CHECK(exts_are(&p.c2s, full_both, GMTLS_ARRAY_LEN_T(full_both), "TLS 1.2 and 1.3, all options"));
    tt_pair_free(&p);

    /* The TLS 1.2-only ClientHello: the TLS 1.2 extensions only, no TLS 1.3
     * suite, no key pair made, no session ID (RFC 5246 §7.4.1.2). */
    start(&p, c12, s);
    CHECK(exts_are(&p.c2s, def12, GMTLS_ARRAY_LEN_T(def12), "TLS 1.2 only"));
    CHECK(p.cli->kex_state == NULL && p.cli->kex_state2 == NULL && p.cli->kex_offered == NULL);
    for (uint16_t id = 0x1301; id <= 0x1305; id++) {
        CHECK(!offers_suite(&p.c2s, id));
    }
    CHECK(!offers_suite(&p.c2s, 0x00c6) && !offers_suite(&p.c2s, 0x00c7)); /* RFC 8998 */
    CHECK(offers_suite(&p.c2s, 0xc02b));
    CHECK(p.c2s.base[5 + 4 + 2 + 32] == 0);
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_version(p.cli) == GMTLS_VERSION_TLS12);
    tt_pair_free(&p);
    /* ... with every option: the TLS 1.3 session, the external PSK and the
     * early data are not offered; a full TLS 1.2 handshake, its early data
     * reason BoringSSL's for a client up to TLS 1.2. */
    start_offering(&p, full[2], s, &sess, "early");
    CHECK(exts_are(&p.c2s, full12, GMTLS_ARRAY_LEN_T(full12), "TLS 1.2 only, all options"));
    CHECK(p.cli->kex_state == NULL && !p.cli->offered_psk && p.cli->noffered_ext == 0 && !p.cli->early_sending);
    CHECK(p.c2s.base[5 + 4 + 2 + 32] == 0);
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_version(p.cli) == GMTLS_VERSION_TLS12 && !gmtls_conn_is_resumed(p.cli));
    CHECK(strcmp(gmtls_conn_early_data_reason(p.cli), "protocol_version") == 0);
    tt_pair_free(&p);

    /* RFC 8446 §4.2.1: "If the "supported_versions" extension in the
     * ServerHello contains a version not offered by the client ... the
     * client MUST abort the handshake with an "illegal_parameter" alert":
     * a TLS 1.3 ServerHello (its suite is not one we offered either) ... */
    start(&p, c12, s);
    graft_server_hello(&p, cboth, s);
    CHECK_ERR(client_step(&p), GMTLS_ALERT_ILLEGAL_PARAMETER);
    CHECK(ends_with_alert(&p.c2s, GMTLS_ALERT_ILLEGAL_PARAMETER));
    tt_pair_free(&p);
    /* ... and a HelloRetryRequest, which is no reason for a second
     * ClientHello from a client that did not offer TLS 1.3. */
    gmtls_config *s384 = server_cfg("P-256");
    CHECK_OK(gmtls_config_set_groups(s384, "secp384r1"));
    start(&p, c12, s);
    graft_server_hello(&p, cboth, s384);
    CHECK_ERR(client_step(&p), GMTLS_ALERT_ILLEGAL_PARAMETER);
    CHECK(ends_with_alert(&p.c2s, GMTLS_ALERT_ILLEGAL_PARAMETER));
    tt_pair_free(&p);
    /* (which is one: the 1.2 and 1.3 client gets a HelloRetryRequest there) */
    CHECK_OK(tt_pair_new(&p, cboth, s384, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_version(p.cli) == GMTLS_VERSION_TLS13 && p.cli->did_hrr);
    tt_pair_free(&p);

    /* Up to TLS 1.2 with the strict ShangMi profile (no TLS 1.2): nothing to
     * offer, refused before any ClientHello. */
    gmtls_config *sm12 = client_cfg("SM2", 0);
    CHECK_OK(gmtls_config_set_strict_sm(sm12, 1));
    CHECK_OK(tt_pair_new(&p, sm12, s, "localhost"));
    CHECK_ERR(client_step(&p), GMTLS_ERR_BAD_ARGUMENT);
    CHECK(p.c2s.off == 0);
    tt_pair_free(&p);

    gmtls_buf_dispose(&sess);
    for (int i = 0; i < 3; i++) {
        gmtls_config_free(full[i]);
    }
    gmtls_config_free(sm12);
    gmtls_config_free(s384);
    gmtls_config_free(s);
    gmtls_config_free(c13);
    gmtls_config_free(cboth);
    gmtls_config_free(c12);
}

static void test_missing_ems(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    tt_pair p;
    /* RFC 5246 §7.4.1.2: a TLS 1.2-only client without a session to resume
     * sends an empty session_id (no TLS 1.3 compatibility ID). */
    start(&p, c, s);
    CHECK(p.c2s.off > 5 + 4 + 2 + 32 && p.c2s.base[5 + 4 + 2 + 32] == 0);
    tt_pair_free(&p);
    /* RFC 7627 §5.3: the server refuses a client without it: handshake_failure. */
    start(&p, c, s);
    CHECK_OK(drop_ext(&p.c2s, 23));
    CHECK_ERR(server_step(&p), GMTLS_ALERT_HANDSHAKE_FAILURE);
    CHECK(ends_with_alert(&p.s2c, GMTLS_ALERT_HANDSHAKE_FAILURE));
    tt_pair_free(&p);
    /* ... and the client a server without it. */
    start(&p, c, s);
    CHECK(server_step(&p) == GMTLS_ERR_WANT_READ);
    CHECK_OK(drop_ext(&p.s2c, 23));
    CHECK_ERR(client_step(&p), GMTLS_ALERT_HANDSHAKE_FAILURE);
    CHECK(ends_with_alert(&p.c2s, GMTLS_ALERT_HANDSHAKE_FAILURE));
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

static void test_downgrade_sentinel(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 1);
    tt_pair p;
    /* The client offers 1.3 and 1.2; a middlebox strips 1.3 from its
     * supported_versions; the server answers 1.2 with the sentinel; the
     * client, which offered 1.3, must refuse: illegal_parameter. */
    start(&p, c, s);
    static const uint8_t sv[] = {0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03};
    uint8_t *hit = memmem(p.c2s.base, p.c2s.off, sv, sizeof sv);
    CHECK(hit != NULL);
    if (hit != NULL) {
        hit[6] = 0x03; /* 0x0304 -> 0x0303 */
    }
    CHECK(server_step(&p) == GMTLS_ERR_WANT_READ);
    CHECK(gmtls_conn_version(p.srv) == GMTLS_VERSION_TLS12);
    CHECK_ERR(client_step(&p), GMTLS_ALERT_ILLEGAL_PARAMETER);
    CHECK(ends_with_alert(&p.c2s, GMTLS_ALERT_ILLEGAL_PARAMETER));
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

static void test_record_size_limit(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    static const uint8_t limit[2] = {0x02, 0x00}; /* 512 */
    tt_pair p;
    /* RFC 8449 §4: a TLS 1.2 ServerHello's record_size_limit (here added on
     * the way) limits the client's plaintext records to the value itself. */
    CHECK_OK(gmtls_config_set_record_size_limit(c, 1024));
    start(&p, c, s);
    CHECK(server_step(&p) == GMTLS_ERR_WANT_READ);
    add_ext(&p.s2c, GMTLS_EXT_RECORD_SIZE_LIMIT, limit, 2);
    CHECK(client_step(&p) == GMTLS_ERR_WANT_READ);
    CHECK(gmtls_conn_peer_record_size_limit(p.cli) == 512 && p.cli->wr.max_inner == 513 &&
          p.cli->rd.max_inner == 1025);
    tt_pair_free(&p);
    /* ... and is unsolicited from a client that did not send one. */
    CHECK_OK(gmtls_config_set_record_size_limit(c, 0));
    start(&p, c, s);
    CHECK(server_step(&p) == GMTLS_ERR_WANT_READ);
    add_ext(&p.s2c, GMTLS_EXT_RECORD_SIZE_LIMIT, limit, 2);
    CHECK_ERR(client_step(&p), GMTLS_ALERT_UNSUPPORTED_EXTENSION);
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

static void test_unsolicited_alpn(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    static const uint8_t alpn[] = {0x00, 0x05, 0x04, 'a', 'l', 'p', 'n'};
    tt_pair p;
    /* RFC 5246 §7.4.1.4: an ALPN answer (added on the way) to a client that
     * offered no ALPN is an extension it did not offer: unsupported_extension
     * (BoGo UnofferedExtension-Client), not illegal_parameter. */
    start(&p, c, s);
    CHECK(server_step(&p) == GMTLS_ERR_WANT_READ);
    add_ext(&p.s2c, GMTLS_EXT_ALPN, alpn, sizeof alpn);
    CHECK_ERR(client_step(&p), GMTLS_ALERT_UNSUPPORTED_EXTENSION);
    CHECK(ends_with_alert(&p.c2s, GMTLS_ALERT_UNSUPPORTED_EXTENSION));
    tt_pair_free(&p);
    /* ... while a protocol the client did not offer is illegal_parameter
     * (RFC 7301 §3.1 lets the server pick only from the client's list). */
    CHECK_OK(gmtls_config_set_alpn(c, "h2"));
    start(&p, c, s);
    CHECK(server_step(&p) == GMTLS_ERR_WANT_READ);
    add_ext(&p.s2c, GMTLS_EXT_ALPN, alpn, sizeof alpn);
    CHECK_ERR(client_step(&p), GMTLS_ALERT_ILLEGAL_PARAMETER);
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

static void test_sni_warning(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 1), *c13 = client_cfg("P-256", 1);
    static const uint8_t warn[7] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x01, GMTLS_ALERT_UNRECOGNIZED_NAME};
    static const uint8_t fatal[7] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, GMTLS_ALERT_UNRECOGNIZED_NAME};
    tt_pair p;
    /* RFC 5246 §7.2.2 / RFC 6066 §3: a TLS 1.2 server's warning-level
     * unrecognized_name just before its ServerHello (BoGo SendSNIWarningAlert):
     * the client goes on and completes the handshake. */
    CHECK_OK(gmtls_config_set_versions(s, GMTLS_VERSION_TLS12, GMTLS_VERSION_TLS12));
    start(&p, c, s);
    CHECK(server_step(&p) == GMTLS_ERR_WANT_READ);
    splice(&p.s2c, 0, 0, warn, sizeof warn);
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_version(p.cli) == GMTLS_VERSION_TLS12);
    tt_pair_free(&p);
    /* ... a fatal one ends it ... */
    start(&p, c, s);
    CHECK(server_step(&p) == GMTLS_ERR_WANT_READ);
    splice(&p.s2c, 0, 0, fatal, sizeof fatal);
    CHECK(client_step(&p) == GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_UNRECOGNIZED_NAME));
    tt_pair_free(&p);
    /* ... and so does the warning to a client that offers TLS 1.3 only
     * (RFC 8446 §6.2: error alerts "regardless of the AlertLevel"). */
    CHECK_OK(gmtls_config_set_versions(s, GMTLS_VERSION_TLS12, GMTLS_VERSION_TLS13));
    CHECK_OK(gmtls_config_set_versions(c13, GMTLS_VERSION_TLS13, GMTLS_VERSION_TLS13));
    start(&p, c13, s);
    CHECK(server_step(&p) == GMTLS_ERR_WANT_READ);
    splice(&p.s2c, 0, 0, warn, sizeof warn);
    CHECK(client_step(&p) == GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_UNRECOGNIZED_NAME));
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
    gmtls_config_free(c13);
}

static void test_fallback_scsv(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    tt_pair p;
    /* RFC 7507 §3: TLS_FALLBACK_SCSV in a 1.2 ClientHello to a 1.3 server:
     * inappropriate_fallback. */
    start(&p, c, s);
    add_suite(&p.c2s, 0x5600);
    CHECK_ERR(server_step(&p), GMTLS_ALERT_INAPPROPRIATE_FALLBACK);
    CHECK(ends_with_alert(&p.s2c, GMTLS_ALERT_INAPPROPRIATE_FALLBACK));
    tt_pair_free(&p);
    /* ... accepted by a server whose highest version is 1.2 */
    CHECK_OK(gmtls_config_set_versions(s, GMTLS_VERSION_TLS12, GMTLS_VERSION_TLS12));
    start(&p, c, s);
    add_suite(&p.c2s, 0x5600);
    CHECK(server_step(&p) == GMTLS_ERR_WANT_READ);
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

/* Runs the pair until the client's second flight ([Certificate],
 * ClientKeyExchange, ChangeCipherSpec, Finished) is in c2s. */
static void to_client_flight(tt_pair *p, gmtls_config *c, gmtls_config *s)
{
    start(p, c, s);
    if (server_step(p) != GMTLS_ERR_WANT_READ || client_step(p) != GMTLS_ERR_WANT_READ) {
        abort();
    }
}

static void test_bad_points(void)
{
    static const struct {
        const char *group;
        size_t len;
        uint8_t fill;
    } cases[] = {
        {"x25519", 32, 0x00},    /* the all-zero point: an all-zero shared secret (RFC 7748 §6.1) */
        {"secp256r1", 65, 0x04}, /* 04 04..04: not on the curve (RFC 8422 §5.11) */
        {"secp384r1", 97, 0x05}, /* 05 ..: not an uncompressed point */
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
        gmtls_config *s = server_cfg("RSA"), *c = client_cfg("RSA", 0);
        CHECK_OK(gmtls_config_set_groups(c, cases[i].group));
        tt_pair p;
        to_client_flight(&p, c, s);
        /* record 0: ClientKeyExchange, 16 03 03 | len | 10 00 00 len+1 | len | point */
        size_t rl = 0;
        CHECK(rec_at(&p.c2s, 0, &rl) == 0 && p.c2s.base[5] == 16 && rl == 5 + 4 + 1 + cases[i].len);
        memset(p.c2s.base + 10, cases[i].fill, cases[i].len);
        CHECK_ERR(server_step(&p), GMTLS_ALERT_ILLEGAL_PARAMETER);
        CHECK(ends_with_alert(&p.s2c, GMTLS_ALERT_ILLEGAL_PARAMETER));
        tt_pair_free(&p);
        gmtls_config_free(s);
        gmtls_config_free(c);
    }
}

static void test_bad_finished(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    tt_pair p;
    to_client_flight(&p, c, s);
    /* records: ClientKeyExchange, ChangeCipherSpec, Finished (encrypted with
     * the client's write key, which the test takes from the client's key
     * block: client_write_key, server_write_key, client_write_IV, ...). */
    size_t rl = 0;
    long off = rec_at(&p.c2s, 2, &rl);
    CHECK(off > 0 && p.c2s.base[off] == GMTLS_CT_HANDSHAKE);
    const gmtls_suite *suite = p.cli->suite;
    size_t kl = suite->aead->key_len;
    gmtls_rec dec, enc;
    memset(&dec, 0, sizeof dec);
    memset(&enc, 0, sizeof enc);
    CHECK_OK(gmtls_rec_set_keys12(&dec, suite, 0, p.cli->keys12, p.cli->keys12 + 2 * kl, GMTLS_REC_VERSION_TLS12));
    CHECK_OK(gmtls_rec_set_keys12(&enc, suite, 1, p.cli->keys12, p.cli->keys12 + 2 * kl, GMTLS_REC_VERSION_TLS12));
    uint8_t type = 0, *pl = NULL, fin[16];
    size_t plen = 0;
    uint8_t copy[128];
    memcpy(copy, p.c2s.base + off, rl);
    CHECK_OK(gmtls_rec_open(&dec, copy, rl, &type, &pl, &plen));
    CHECK(type == GMTLS_CT_HANDSHAKE && plen == 16 && pl[0] == GMTLS_HS_FINISHED);
    memcpy(fin, pl, 16);
    fin[15] ^= 1; /* verify_data off by one bit */
    gmtls_buf sealed;
    gmtls_buf_init(&sealed);
    CHECK_OK(gmtls_rec_write(&enc, &sealed, GMTLS_CT_HANDSHAKE, fin, 16, 0));
    splice(&p.c2s, (size_t)off, rl, sealed.base, sealed.off);
    /* RFC 5246 §7.4.9: "Recipients of Finished messages MUST verify that the
     * contents are correct" -> decrypt_error (§7.2.2). */
    CHECK_ERR(server_step(&p), GMTLS_ALERT_DECRYPT_ERROR);
    CHECK(ends_with_alert(&p.s2c, GMTLS_ALERT_DECRYPT_ERROR));
    gmtls_buf_dispose(&sealed);
    gmtls_rec_dispose(&dec);
    gmtls_rec_dispose(&enc);
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

static void test_bad_ske_signature(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    tt_pair p;
    start(&p, c, s);
    CHECK(server_step(&p) == GMTLS_ERR_WANT_READ);
    /* records: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone */
    size_t rl = 0;
    long off = rec_at(&p.s2c, 2, &rl);
    CHECK(off > 0 && p.s2c.base[off + 5] == 12);
    p.s2c.base[off + rl - 10] ^= 0x40; /* inside the signature */
    /* RFC 5246 §7.2.2: an unverifiable signature -> decrypt_error. */
    CHECK_ERR(client_step(&p), GMTLS_ALERT_DECRYPT_ERROR);
    CHECK(ends_with_alert(&p.c2s, GMTLS_ALERT_DECRYPT_ERROR));
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

static void test_ccs_out_of_order(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    tt_pair p;
    to_client_flight(&p, c, s);
    /* RFC 5246 §7.1: change_cipher_spec before the ClientKeyExchange -> unexpected_message */
    size_t rl = 0;
    long off = rec_at(&p.c2s, 1, &rl);
    CHECK(off > 0 && p.c2s.base[off] == GMTLS_CT_CHANGE_CIPHER_SPEC);
    static const uint8_t ccs[6] = {0x14, 3, 3, 0, 1, 1};
    p.c2s.off = 0;
    if (gmtls_buf_reserve(&p.c2s, 6) != 0) {
        abort();
    }
    memcpy(p.c2s.base, ccs, 6);
    p.c2s.off = 6;
    CHECK_ERR(server_step(&p), GMTLS_ALERT_UNEXPECTED_MESSAGE);
    CHECK(ends_with_alert(&p.s2c, GMTLS_ALERT_UNEXPECTED_MESSAGE));
    tt_pair_free(&p);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

static void test_renegotiation(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    tt_pair p;
    gmtls_buf app;
    gmtls_buf_init(&app);
    /* RFC 5746 / BoringSSL: a ClientHello after the handshake is refused
     * with a fatal no_renegotiation, sent protected. */
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    gmtls_buf ch;
    gmtls_buf_init(&ch);
    gmtls_conn *probe = gmtls_conn_new(c, 0);
    CHECK(gmtls_handshake(probe, &ch, NULL, NULL) == GMTLS_ERR_WANT_READ);
    CHECK_OK(gmtls_rec_write(&p.cli->wr, &p.c2s, GMTLS_CT_HANDSHAKE, ch.base + 5, ch.off - 5, 0));
    size_t n = p.c2s.off;
    CHECK_ERR(gmtls_receive(p.srv, &p.s2c, &app, p.c2s.base, &n), GMTLS_ALERT_NO_RENEGOTIATION);
    CHECK(p.s2c.off > 5 && p.s2c.base[0] == GMTLS_CT_ALERT);
    n = p.s2c.off;
    CHECK_ERR(gmtls_receive(p.cli, &p.c2s, &app, p.s2c.base, &n), GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_NO_RENEGOTIATION));
    tt_pair_free(&p);
    /* a HelloRequest to the client: no_renegotiation too */
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    static const uint8_t hello_request[4] = {0, 0, 0, 0};
    CHECK_OK(gmtls_rec_write(&p.srv->wr, &p.s2c, GMTLS_CT_HANDSHAKE, hello_request, 4, 0));
    n = p.s2c.off;
    CHECK_ERR(gmtls_receive(p.cli, &p.c2s, &app, p.s2c.base, &n), GMTLS_ALERT_NO_RENEGOTIATION);
    tt_pair_free(&p);
    gmtls_conn_free(probe);
    gmtls_buf_dispose(&ch);
    gmtls_buf_dispose(&app);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

/* A record that fails to authenticate: bad_record_mac. */
static void test_bad_record(void)
{
    gmtls_config *s = server_cfg("P-256"), *c = client_cfg("P-256", 0);
    tt_pair p;
    gmtls_buf app;
    gmtls_buf_init(&app);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK_OK(gmtls_send(p.cli, &p.c2s, "hello", 5));
    p.c2s.base[p.c2s.off - 1] ^= 1;
    size_t n = p.c2s.off;
    CHECK_ERR(gmtls_receive(p.srv, &p.s2c, &app, p.c2s.base, &n), GMTLS_ALERT_BAD_RECORD_MAC);
    tt_pair_free(&p);
    gmtls_buf_dispose(&app);
    gmtls_config_free(s);
    gmtls_config_free(c);
}

int main(void)
{
    test_suites();
    test_groups();
    test_resumption_alpn_ocsp();
    test_session_id();
    test_sni();
    test_client_auth();
    test_resumed_peer();
    test_reverify();
    test_versions();
    test_client_hello_shape();
    test_tls12_only_hello();
    test_missing_ems();
    test_downgrade_sentinel();
    test_fallback_scsv();
    test_record_size_limit();
    test_unsolicited_alpn();
    test_sni_warning();
    test_bad_points();
    test_bad_finished();
    test_bad_ske_signature();
    test_ccs_out_of_order();
    test_renegotiation();
    test_bad_record();
    test_peer_chain_limit();
    return TEST_END("tls12_test");
}
