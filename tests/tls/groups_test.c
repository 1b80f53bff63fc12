/* tests/tls/groups_test.c - the groups x448, secp521r1 and ffdhe2048..8192
 * (RFC 7919), the schemes ecdsa_secp521r1_sha512 and ed448, and the suites
 * TLS_AES_128_CCM_SHA256 / TLS_AES_128_CCM_8_SHA256: each group's share
 * checks with their alerts (vtables, then whole ClientHello / ServerHello
 * messages answered by the exact alert record), the FFDHE secret against
 * libcrypto's own, in-memory handshakes for each group, scheme (server and
 * client certificates) and suite, the CCM_8 record overhead, and the
 * defaults (a default client offers what it offered before; a default
 * server accepts x448, secp521r1, ffdhe2048/3072, not ffdhe4096+ nor CCM). */
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "test.h"
#include "tlstest.h"

static const struct {
    const char *name;
    uint16_t id;
    size_t publen, secretlen;
    int server_default; /* accepted by a default server */
} groups[] = {
    {"x448", 0x001e, 56, 56, 1},          {"secp521r1", 0x0019, 133, 66, 1},  {"ffdhe2048", 0x0100, 256, 256, 1},
    {"ffdhe3072", 0x0101, 384, 384, 1},   {"ffdhe4096", 0x0102, 512, 512, 0}, {"ffdhe6144", 0x0103, 768, 768, 0},
    {"ffdhe8192", 0x0104, 1024, 1024, 0},
};

static uint8_t pub_a[GMTLS_MAX_KEX_PUB], pub_b[GMTLS_MAX_KEX_PUB], bad[GMTLS_MAX_KEX_PUB + 1];
static uint8_t sec_a[GMTLS_MAX_KEX_SECRET], sec_b[GMTLS_MAX_KEX_SECRET];

/* p of an RFC 7919 group as libcrypto knows it, big-endian in plen bytes. */
static int ffdhe_p(const char *group, uint8_t *out, size_t plen)
{
    OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
                            OSSL_PARAM_construct_end()};
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    EVP_PKEY *k = NULL;
    BIGNUM *p = NULL;
    int ok = c != NULL && EVP_PKEY_paramgen_init(c) > 0 && EVP_PKEY_CTX_set_params(c, params) > 0 &&
             EVP_PKEY_generate(c, &k) > 0 && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_P, &p) > 0 &&
             BN_bn2binpad(p, out, (int)plen) == (int)plen;
    BN_free(p);
    EVP_PKEY_free(k);
    EVP_PKEY_CTX_free(c);
    return ok ? 0 : -1;
}

/* Each group through its vtable: two key pairs agree, and every malformed
 * share is refused with illegal_parameter. */
static void share_checks(void)
{
    for (size_t g = 0; g < GMTLS_ARRAY_LEN_T(groups); g++) {
        const gmtls_kex_alg *k = gmtls_kex_by_name(groups[g].name);
        CHECK(k != NULL && k->id == groups[g].id && gmtls_kex_by_id(groups[g].id) == k);
        if (k == NULL) {
            continue;
        }
        /* never offered by a default client */
        CHECK(k->client_opt_in && !gmtls_kex_client_offers(k, 0) && gmtls_kex_client_offers(k, 1));
        void *a = NULL, *b = NULL;
        size_t la = 0, lb = 0, sa = 0, sb = 0, n = groups[g].publen;
        CHECK_OK(k->keygen(&a, pub_a, &la));
        CHECK_OK(k->keygen(&b, pub_b, &lb));
        CHECK(la == n && lb == n);
        CHECK_OK(k->derive(a, pub_b, lb, sec_a, &sa));
        CHECK_OK(k->derive(b, pub_a, la, sec_b, &sb));
        CHECK(sa == groups[g].secretlen && sb == sa);
        CHECK_MEM(sec_a, sec_b, sa);
        /* RFC 8446 §4.2.8.1 / §4.2.8.2: exactly the group's share length */
        memcpy(bad, pub_b, n);
        bad[n] = 0;
        CHECK_ERR(k->derive(a, bad, n - 1, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
        CHECK_ERR(k->derive(a, bad, n + 1, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
        CHECK_ERR(k->derive(a, bad, 0, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
        if (groups[g].id == 0x001e) {
            /* RFC 7748 §6.2 / RFC 8446 §7.4.2: u = 0 gives the all-zero secret */
            memset(bad, 0, n);
            CHECK_ERR(k->derive(a, bad, n, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
            /* u = 1 has small order as well */
            bad[0] = 1;
            CHECK_ERR(k->derive(a, bad, n, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
        } else if (groups[g].id == 0x0019) {
            /* compressed form (0x02 || X), 67 bytes */
            memcpy(bad, pub_b, 67);
            bad[0] = 0x02;
            CHECK_ERR(k->derive(a, bad, 67, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
            /* the uncompressed length with another format byte */
            memcpy(bad, pub_b, n);
            bad[0] = 0x06;
            CHECK_ERR(k->derive(a, bad, n, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
            /* off the curve: y changed */
            memcpy(bad, pub_b, n);
            bad[n - 1] ^= 0x01;
            CHECK_ERR(k->derive(a, bad, n, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
            /* coordinates >= p (p = 2^521 - 1: all ones in 521 bits) */
            memset(bad, 0xff, n);
            bad[0] = 0x04;
            bad[1] = bad[67] = 0x01;
            CHECK_ERR(k->derive(a, bad, n, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
            /* the point at infinity has no uncompressed form: all zero */
            memset(bad + 1, 0, n - 1);
            CHECK_ERR(k->derive(a, bad, n, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
        } else {
            /* RFC 7919 §5.1: 1 < Y < p-1 */
            uint8_t p[1024];
            CHECK_OK(ffdhe_p(groups[g].name, p, n));
            memset(bad, 0, n); /* Y = 0 */
            CHECK_ERR(k->derive(a, bad, n, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
            bad[n - 1] = 1; /* Y = 1 */
            CHECK_ERR(k->derive(a, bad, n, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
            bad[n - 1] = 2; /* Y = 2 is in range (g itself) */
            CHECK_OK(k->derive(a, bad, n, sec_a, &sa));
            memcpy(bad, p, n); /* Y = p - 1 (p is odd) */
            bad[n - 1] ^= 1;
            CHECK_ERR(k->derive(a, bad, n, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
            memcpy(bad, p, n); /* Y = p */
            CHECK_ERR(k->derive(a, bad, n, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
            memset(bad, 0xff, n); /* Y = 2^(8n) - 1 > p */
            CHECK_ERR(k->derive(a, bad, n, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
            /* the unpadded form of a share with a leading zero byte is short */
            memset(bad, 0, n);
            bad[n - 1] = 2;
            CHECK_ERR(k->derive(a, bad + 1, n - 1, sec_a, &sa), GMTLS_ALERT_ILLEGAL_PARAMETER);
        }
        k->free(a);
        k->free(b);
    }
}

/* RFC 8446 §7.4.1: the FFDHE secret is left-padded to the size of p. Key
 * pairs are drawn until libcrypto's unpadded Z is short (1 in 256), and our
 * secret must be that Z with the zeros put back. */
static void ffdhe_padding(void)
{
    const gmtls_kex_alg *k = gmtls_kex_by_name("ffdhe2048");
    int seen_short = 0;
    for (int tries = 0; tries < 8192 && !seen_short && k != NULL; tries++) {
        void *a = NULL, *b = NULL;
        size_t la = 0, lb = 0, sa = 0;
        CHECK_OK(k->keygen(&a, pub_a, &la));
        CHECK_OK(k->keygen(&b, pub_b, &lb));
        CHECK_OK(k->derive(a, pub_b, lb, sec_a, &sa));
        CHECK(sa == 256);
        /* libcrypto's plain DH derive (no padding) on the same keys */
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, a, NULL);
        size_t zl = sizeof sec_b;
        CHECK(c != NULL && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_CTX_set_dh_pad(c, 0) > 0 &&
              EVP_PKEY_derive_set_peer(c, b) > 0 && EVP_PKEY_derive(c, sec_b, &zl) > 0);
        EVP_PKEY_CTX_free(c);
        CHECK(zl <= 256);
        if (zl < 256) {
            seen_short = 1;
            for (size_t i = 0; i < 256 - zl; i++) {
                CHECK(sec_a[i] == 0);
            }
        }
        CHECK_MEM(sec_a + (256 - zl), sec_b, zl);
        k->free(a);
        k->free(b);
        if (test_failed_ > 0) {
            break;
        }
    }
    CHECK(seen_short);
}

/* One handshake; fills the negotiated values. Returns the handshake result. */
typedef struct {
    uint16_t group, suite, sigalg, client_sigalg;
    int hrr;
} result;

static int handshake(gmtls_config *ccfg, gmtls_config *scfg, result *r)
{
    tt_pair p;
    memset(r, 0, sizeof(*r));
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    int rc = tt_handshake(&p);
    if (rc == 0) {
        r->group = gmtls_conn_group(p.cli);
        r->suite = gmtls_conn_cipher_suite(p.cli);
        r->sigalg = gmtls_conn_sigalg(p.cli);
        r->client_sigalg = gmtls_conn_peer_sigalg(p.srv);
        r->hrr = gmtls_conn_did_hrr(p.cli);
        CHECK(gmtls_conn_group(p.srv) == r->group && gmtls_conn_cipher_suite(p.srv) == r->suite);
        CHECK_OK(tt_send(&p, 1, "ping", 4));
        CHECK(p.srv_app.off == 4 && memcmp(p.srv_app.base, "ping", 4) == 0);
        CHECK_OK(tt_send(&p, 0, "pong!", 5));
        CHECK(p.cli_app.off == 5 && memcmp(p.cli_app.base, "pong!", 5) == 0);
    }
    tt_pair_free(&p);
    return rc;
}

/* Each group named on the client, against a default server (those on by
 * default) and a server that lists it. */
static void each_group(void)
{
    const test_chain *chain = tt_chain("P-256");
    for (size_t g = 0; g < GMTLS_ARRAY_LEN_T(groups); g++) {
        for (int srv_lists = 0; srv_lists < 2; srv_lists++) {
            gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
            CHECK_OK(gmtls_config_set_groups(ccfg, groups[g].name));
            if (srv_lists) {
                char list[64];
                snprintf(list, sizeof list, "x25519:%s", groups[g].name);
                CHECK_OK(gmtls_config_set_groups(scfg, list));
            }
            result r;
            int rc = handshake(ccfg, scfg, &r);
            if (srv_lists || groups[g].server_default) {
                CHECK_OK(rc);
                CHECK(r.group == groups[g].id && r.hrr == 0);
            } else {
                /* by name only: a default server has no group in common */
                CHECK_ERR(rc, GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_HANDSHAKE_FAILURE));
            }
            gmtls_config_free(scfg);
            gmtls_config_free(ccfg);
        }
    }
    /* A server with ffdhe3072 only asks a client with an x25519 share and
     * ffdhe3072 in supported_groups for it (HelloRetryRequest). */
    gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
    CHECK_OK(gmtls_config_set_groups(ccfg, "x25519:ffdhe3072"));
    CHECK_OK(gmtls_config_set_groups(scfg, "ffdhe3072"));
    result r;
    CHECK_OK(handshake(ccfg, scfg, &r));
    CHECK(r.group == 0x0101 && r.hrr == 1);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
    /* Server preference keeps the fast groups first: a client listing
     * secp521r1 then x25519 (share for secp521r1 only) still gets its
     * share's group, no retry; with both shares' groups, x25519 wins. */
    scfg = tt_server_config(chain);
    ccfg = tt_client_config(chain);
    CHECK_OK(gmtls_config_set_groups(ccfg, "secp521r1:x25519"));
    CHECK_OK(handshake(ccfg, scfg, &r));
    CHECK(r.group == 0x0019 && r.hrr == 0);
    gmtls_config_free(ccfg);
    ccfg = tt_client_config(chain);
    CHECK_OK(gmtls_config_set_groups(ccfg, "X25519MLKEM768:x448"));
    CHECK_OK(handshake(ccfg, scfg, &r));
    CHECK(r.group == 0x11ec && r.hrr == 0);
    gmtls_config_free(ccfg);
    gmtls_config_free(scfg);
}

/* P-521 and Ed448 chains for the server's certificate and for the client's
 * (mutual authentication), with default scheme lists on both sides. */
static void each_scheme(void)
{
    static const struct {
        const char *chain;
        uint16_t sigalg;
    } schemes[] = {{"P-521", 0x0603}, {"ED448", 0x0808}};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(schemes); i++) {
        const test_chain *chain = tt_chain(schemes[i].chain);
        CHECK(chain != NULL);
        if (chain == NULL) {
            continue;
        }
        gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
        CHECK(scfg != NULL && ccfg != NULL);
        /* client certificate of the same kind, verified by the server */
        CHECK_OK(gmtls_config_add_cert_chain_mem(ccfg, chain->chain_pem, strlen(chain->chain_pem), chain->key_pem,
                                                 strlen(chain->key_pem)));
        CHECK_OK(gmtls_config_add_ca_mem(scfg, chain->ca_pem, strlen(chain->ca_pem)));
        gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY);
        result r;
        CHECK_OK(handshake(ccfg, scfg, &r));
        CHECK(r.sigalg == schemes[i].sigalg && r.client_sigalg == schemes[i].sigalg);
        gmtls_config_free(ccfg);
        /* a client that does not list the scheme: no certificate fits */
        ccfg = tt_client_config(chain);
        CHECK_OK(gmtls_config_set_sigalgs(ccfg, "ecdsa_secp256r1_sha256:ed25519:rsa_pss_rsae_sha256"));
        gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_NONE);
        CHECK_ERR(handshake(ccfg, scfg, &r), GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_HANDSHAKE_FAILURE));
        gmtls_config_free(ccfg);
        gmtls_config_free(scfg);
    }
}

/* The CCM suites: by name only; the record carries a 16- or 8-byte tag. */
static void ccm_suites(void)
{
    static const struct {
        const char *name;
        uint16_t id;
        size_t tag;
    } suites[] = {{"TLS_AES_128_CCM_SHA256", 0x1304, 16}, {"TLS_AES_128_CCM_8_SHA256", 0x1305, 8}};
    const test_chain *chain = tt_chain("P-256");
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(suites); i++) {
        const gmtls_suite *s = gmtls_suite_by_name(suites[i].name);
        CHECK(s != NULL && s->id == suites[i].id && s->aead->tag_len == suites[i].tag);
        gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
        CHECK_OK(gmtls_config_set_cipher_suites(ccfg, suites[i].name));
        result r;
        /* a default server does not have it */
        CHECK_ERR(handshake(ccfg, scfg, &r), GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_HANDSHAKE_FAILURE));
        char list[128];
        snprintf(list, sizeof list, "TLS_AES_128_GCM_SHA256:%s", suites[i].name);
        CHECK_OK(gmtls_config_set_cipher_suites(scfg, list));
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_cipher_suite(p.cli) == suites[i].id && gmtls_conn_cipher_suite(p.srv) == suites[i].id);
        /* one record: 5-byte header, 4 bytes + content type, the tag */
        CHECK(p.c2s.off == 0);
        CHECK_OK(gmtls_send(p.cli, &p.c2s, "ping", 4));
        CHECK(p.c2s.off == 5 + 4 + 1 + suites[i].tag);
        CHECK(p.c2s.off >= 5 && ((size_t)p.c2s.base[3] << 8 | p.c2s.base[4]) == 4 + 1 + suites[i].tag);
        /* a changed tag byte: bad_record_mac */
        gmtls_buf copy;
        gmtls_buf_init(&copy);
        CHECK_OK(gmtls_buf_reserve(&copy, p.c2s.off));
        memcpy(copy.base, p.c2s.base, p.c2s.off);
        copy.off = p.c2s.off;
        CHECK_OK(tt_flush(&p));
        CHECK(p.srv_app.off == 4 && memcmp(p.srv_app.base, "ping", 4) == 0);
        /* 16 KB each way */
        static uint8_t big[16384];
        memset(big, 0x5a, sizeof big);
        p.srv_app.off = 0;
        CHECK_OK(tt_send(&p, 1, big, sizeof big));
        CHECK(p.srv_app.off == sizeof big);
        p.cli_app.off = 0;
        CHECK_OK(tt_send(&p, 0, big, sizeof big));
        CHECK(p.cli_app.off == sizeof big);
        tt_pair_free(&p);
        /* a record whose last (tag) byte is changed */
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK_OK(gmtls_send(p.cli, &p.c2s, "ping", 4));
        p.c2s.base[p.c2s.off - 1] ^= 0x80;
        size_t n = p.c2s.off;
        CHECK_ERR(gmtls_receive(p.srv, &p.s2c, &p.srv_app, p.c2s.base, &n), GMTLS_ALERT_BAD_RECORD_MAC);
        tt_pair_free(&p);
        gmtls_buf_dispose(&copy);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
}

/* The client's defaults are as before: supported_groups, key shares and
 * cipher_suites of a default ClientHello hold none of the new code points;
 * signature_algorithms lists the two new schemes. */
static int has_u16(const uint8_t *p, size_t n, uint16_t v)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        if (p[i] == v >> 8 && p[i + 1] == (v & 0xff)) {
            return 1;
        }
    }
    return 0;
}

/* The body of extension `type` in a ClientHello record, or NULL. */
static const uint8_t *ch_ext(const gmtls_buf *b, uint16_t type, size_t *len)
{
    /* record(5) hs(4) version(2) random(32) sid */
    size_t at = 5 + 4 + 2 + 32;
    if (b->off < at + 1) {
        return NULL;
    }
    at += 1 + b->base[at];
    size_t cs = (size_t)b->base[at] << 8 | b->base[at + 1];
    at += 2 + cs;
    at += 1 + b->base[at];
    size_t end = at + 2 + ((size_t)b->base[at] << 8 | b->base[at + 1]);
    at += 2;
    while (at + 4 <= end && end <= b->off) {
        uint16_t t = (uint16_t)(b->base[at] << 8 | b->base[at + 1]);
        size_t l = (size_t)b->base[at + 2] << 8 | b->base[at + 3];
        if (t == type) {
            *len = l;
            return b->base + at + 4;
        }
        at += 4 + l;
    }
    return NULL;
}

static void client_defaults(void)
{
    gmtls_config *ccfg = tt_client_config(NULL);
    gmtls_conn *c = gmtls_conn_new(ccfg, 0);
    gmtls_buf out;
    gmtls_buf_init(&out);
    size_t n = 0, len = 0;
    CHECK_ERR(gmtls_handshake(c, &out, NULL, &n), GMTLS_ERR_WANT_READ);
    /* cipher_suites: right after the session id */
    size_t at = 5 + 4 + 2 + 32;
    at += 1 + out.base[at];
    size_t cs = (size_t)out.base[at] << 8 | out.base[at + 1];
    CHECK(!has_u16(out.base + at + 2, cs, 0x1304) && !has_u16(out.base + at + 2, cs, 0x1305));
    CHECK(has_u16(out.base + at + 2, cs, 0x1301));
    const uint8_t *e = ch_ext(&out, 10, &len); /* supported_groups */
    CHECK(e != NULL);
    if (e != NULL) {
        /* as before this change: the four hybrids, x25519, secp256r1, curveSM2, secp384r1 */
        static const uint8_t want[] = {0x00, 0x10, 0x11, 0xec, 0x11, 0xeb, 0x11, 0xee, 0x11,
                                       0xed, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x29, 0x00, 0x18};
        CHECK(len == sizeof want && memcmp(e, want, sizeof want) == 0);
    }
    e = ch_ext(&out, 51, &len); /* key_share: X25519MLKEM768 and x25519 */
    CHECK(e != NULL && len == 2 + 4 + 1216 + 4 + 32);
    e = ch_ext(&out, 13, &len); /* signature_algorithms */
    CHECK(e != NULL && len >= 2 && has_u16(e + 2, len - 2, 0x0603) && has_u16(e + 2, len - 2, 0x0808));
    gmtls_buf_dispose(&out);
    gmtls_conn_free(c);
    gmtls_config_free(ccfg);
}

/* The share at `at` in buf, group and length as given. */
static size_t find_share(const gmtls_buf *b, size_t from, uint16_t group, size_t len)
{
    for (size_t i = from; i + 4 <= b->off; i++) {
        if (b->base[i] == group >> 8 && b->base[i + 1] == (group & 0xff) && b->base[i + 2] == len >> 8 &&
            b->base[i + 3] == (len & 0xff)) {
            return i;
        }
    }
    return 0;
}

typedef void corrupt_fn(uint8_t *share, size_t len, const char *group);

static void y_one(uint8_t *s, size_t n, const char *group)
{
    (void)group;
    memset(s, 0, n);
    s[n - 1] = 1;
}

static void y_p_minus_1(uint8_t *s, size_t n, const char *group)
{
    CHECK_OK(ffdhe_p(group, s, n));
    s[n - 1] ^= 1;
}

static void u_zero(uint8_t *s, size_t n, const char *group)
{
    (void)group;
    memset(s, 0, n);
}

static void off_curve(uint8_t *s, size_t n, const char *group)
{
    (void)group;
    s[n - 1] ^= 0x01;
}

/* A share corrupted in flight: the ClientHello's (the server answers) or
 * the ServerHello's (the client answers) with the plaintext
 * illegal_parameter alert record. */
static void bad_share(const char *group, uint16_t id, size_t len, corrupt_fn *fn, int in_server_hello)
{
    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x2f};
    const test_chain *chain = tt_chain("P-256");
    gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
    CHECK_OK(gmtls_config_set_groups(ccfg, group));
    CHECK_OK(gmtls_config_set_groups(scfg, group)); /* ffdhe8192 is not on by default */
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    size_t n = 0;
    CHECK_ERR(gmtls_handshake(p.cli, &p.c2s, NULL, &n), GMTLS_ERR_WANT_READ);
    if (!in_server_hello) {
        size_t at = find_share(&p.c2s, 0, id, len);
        CHECK(at > 0);
        if (at > 0) {
            fn(p.c2s.base + at + 4, len, group);
            n = p.c2s.off;
            CHECK_ERR(gmtls_handshake(p.srv, &p.s2c, p.c2s.base, &n), GMTLS_ALERT_ILLEGAL_PARAMETER);
            CHECK(p.s2c.off == sizeof alert && memcmp(p.s2c.base, alert, sizeof alert) == 0);
        }
    } else {
        n = p.c2s.off;
        CHECK_ERR(gmtls_handshake(p.srv, &p.s2c, p.c2s.base, &n), GMTLS_ERR_WANT_READ);
        /* the ServerHello is the first record: after its random (5 + 4 + 2 + 32) */
        size_t at = find_share(&p.s2c, 5 + 4 + 2 + 32, id, len);
        CHECK(at > 0 && at < 5 + ((size_t)p.s2c.base[3] << 8 | p.s2c.base[4]));
        if (at > 0) {
            fn(p.s2c.base + at + 4, len, group);
            n = p.s2c.off;
            CHECK_ERR(gmtls_handshake(p.cli, &p.c2s, p.s2c.base, &n), GMTLS_ALERT_ILLEGAL_PARAMETER);
            /* the client's alert: plaintext too (no handshake keys yet); it
             * follows the ClientHello still in c2s */
            CHECK(p.c2s.off >= sizeof alert && memcmp(p.c2s.base + p.c2s.off - sizeof alert, alert, sizeof alert) == 0);
        }
    }
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

static void bad_shares_in_handshake(void)
{
    for (int sh = 0; sh < 2; sh++) {
        bad_share("ffdhe2048", 0x0100, 256, y_one, sh);
        bad_share("ffdhe2048", 0x0100, 256, y_p_minus_1, sh);
        bad_share("ffdhe3072", 0x0101, 384, y_one, sh);
        bad_share("ffdhe8192", 0x0104, 1024, y_p_minus_1, sh);
        bad_share("x448", 0x001e, 56, u_zero, sh);
        bad_share("secp521r1", 0x0019, 133, off_curve, sh);
    }
}

/* Wrong share lengths inside a well-formed ClientHello: the share entry is
 * rewritten one byte shorter (the lengths around it follow). */
static void short_share(const char *group, uint16_t id, size_t len)
{
    const test_chain *chain = tt_chain("P-256");
    gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
    CHECK_OK(gmtls_config_set_groups(ccfg, group));
    gmtls_conn *c = gmtls_conn_new(ccfg, 0), *s = gmtls_conn_new(scfg, 1);
    gmtls_buf ch, out;
    gmtls_buf_init(&ch);
    gmtls_buf_init(&out);
    size_t n = 0;
    CHECK_ERR(gmtls_handshake(c, &ch, NULL, &n), GMTLS_ERR_WANT_READ);
    size_t at = find_share(&ch, 0, id, len);
    CHECK(at > 6);
    if (at > 6) {
        /* drop the share's last byte; fix KeyShareEntry, client_shares,
         * extension, extensions, handshake and record lengths */
        memmove(ch.base + at + 4 + len - 1, ch.base + at + 4 + len, ch.off - (at + 4 + len));
        ch.off--;
        ch.base[at + 2] = (uint8_t)((len - 1) >> 8), ch.base[at + 3] = (uint8_t)(len - 1);
        size_t cl = (size_t)ch.base[at - 2] << 8 | ch.base[at - 1];
        cl--;
        ch.base[at - 2] = (uint8_t)(cl >> 8), ch.base[at - 1] = (uint8_t)cl;
        size_t el = (size_t)ch.base[at - 4] << 8 | ch.base[at - 3];
        el--;
        ch.base[at - 4] = (uint8_t)(el >> 8), ch.base[at - 3] = (uint8_t)el;
        /* extensions block length: find it from the front */
        size_t p = 5 + 4 + 2 + 32;
        p += 1 + ch.base[p];
        p += 2 + ((size_t)ch.base[p] << 8 | ch.base[p + 1]);
        p += 1 + ch.base[p];
        size_t xl = ((size_t)ch.base[p] << 8 | ch.base[p + 1]) - 1;
        ch.base[p] = (uint8_t)(xl >> 8), ch.base[p + 1] = (uint8_t)xl;
        size_t hl = ((size_t)ch.base[6] << 16 | (size_t)ch.base[7] << 8 | ch.base[8]) - 1;
        ch.base[6] = (uint8_t)(hl >> 16), ch.base[7] = (uint8_t)(hl >> 8), ch.base[8] = (uint8_t)hl;
        size_t rl = ((size_t)ch.base[3] << 8 | ch.base[4]) - 1;
        ch.base[3] = (uint8_t)(rl >> 8), ch.base[4] = (uint8_t)rl;
        n = ch.off;
        CHECK_ERR(gmtls_handshake(s, &out, ch.base, &n), GMTLS_ALERT_ILLEGAL_PARAMETER);
        static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x2f};
        CHECK(out.off == sizeof alert && memcmp(out.base, alert, sizeof alert) == 0);
    }
    gmtls_buf_dispose(&ch);
    gmtls_buf_dispose(&out);
    gmtls_conn_free(c);
    gmtls_conn_free(s);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

int main(void)
{
    share_checks();
    ffdhe_padding();
    client_defaults();
    bad_shares_in_handshake();
    short_share("ffdhe2048", 0x0100, 256);
    short_share("x448", 0x001e, 56);
    short_share("secp521r1", 0x0019, 133);
    short_share("ffdhe3072", 0x0101, 384);
    each_group();
    each_scheme();
    ccm_suites();
    return TEST_END("groups_test");
}
