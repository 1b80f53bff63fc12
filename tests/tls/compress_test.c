/* In-memory handshakes with certificate compression (RFC 8879) and
 * record_size_limit (RFC 8449): each algorithm for the server's and the
 * client's Certificate, the choice between the peers' lists, the per-chain
 * cache, and records that obey (and enforce) a negotiated limit. The
 * malformed-message cases are in negative_test.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handshake/internal.h"
#include "test.h"
#include "tlstest.h"

static const struct {
    uint16_t id;
    const char *name;
} algs[] = {{GMTLS_CERT_COMPRESSION_ZLIB, "zlib"},
            {GMTLS_CERT_COMPRESSION_BROTLI, "brotli"},
            {GMTLS_CERT_COMPRESSION_ZSTD, "zstd"}};

/* A server config with the leaf and its CA: a chain as servers send it. A
 * lone leaf is mostly key and signature bytes, which do not compress (an
 * RSA-2048 leaf came out of brotli a few bytes larger about one run in
 * seven); the names and algorithm identifiers a chain repeats do. */
static gmtls_config *server_with_ca(const test_chain *chain)
{
    size_t nl = strlen(chain->chain_pem), nc = strlen(chain->ca_pem);
    char *pem = malloc(nl + nc + 1);
    gmtls_config *cfg = gmtls_config_new();
    if (pem == NULL || cfg == NULL) {
        free(pem);
        return cfg;
    }
    memcpy(pem, chain->chain_pem, nl);
    memcpy(pem + nl, chain->ca_pem, nc + 1);
    CHECK_OK(gmtls_config_add_cert_chain_mem(cfg, pem, nl + nc, chain->key_pem, strlen(chain->key_pem)));
    free(pem);
    return cfg;
}

/* The server's Certificate compressed with each algorithm the client offers
 * alone; the peer chain arrives intact and both ends say what was used. */
static void test_each_algorithm(void)
{
    const char *const keys[] = {"P-256", "RSA", "SM2"};
    for (size_t k = 0; k < GMTLS_ARRAY_LEN_T(keys); k++) {
        const test_chain *chain = tt_chain(keys[k]);
        for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(algs); i++) {
            gmtls_config *scfg = server_with_ca(chain), *ccfg = tt_client_config(chain);
            CHECK_OK(gmtls_config_set_cert_compression(ccfg, algs[i].name));
            tt_pair p;
            CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
            CHECK_OK(tt_handshake(&p));
            size_t zc = 0, zu = 0, sc = 0, su = 0, dl = 0;
            CHECK(gmtls_conn_cert_compression(p.cli, 1, &zc, &zu) == algs[i].id);
            CHECK(gmtls_conn_cert_compression(p.srv, 0, &sc, &su) == algs[i].id);
            CHECK(zc == sc && zu == su && zc > 0 && zc < zu);
            /* nothing went the other way */
            CHECK(gmtls_conn_cert_compression(p.cli, 0, NULL, NULL) == 0);
            CHECK(gmtls_conn_cert_compression(p.srv, 1, NULL, NULL) == 0);
            /* the chain is the server's: its DER, leaf and CA, as configured */
            const uint8_t *der = gmtls_conn_peer_cert(p.cli, 0, &dl);
            CHECK(der != NULL && dl == scfg->certs[0].derlen[0] && memcmp(der, scfg->certs[0].der[0], dl) == 0);
            der = gmtls_conn_peer_cert(p.cli, 1, &dl);
            CHECK(der != NULL && dl == scfg->certs[0].derlen[1] && memcmp(der, scfg->certs[0].der[1], dl) == 0);
            CHECK(gmtls_conn_peer_cert(p.cli, 2, &dl) == NULL);
            CHECK(strcmp(gmtls_conn_verify_result(p.cli), "ok") == 0);
            CHECK_OK(tt_send(&p, 1, "ping", 4));
            CHECK(p.srv_app.off == 4);
            tt_pair_free(&p);
            gmtls_config_free(scfg);
            gmtls_config_free(ccfg);
        }
    }
}

/* The client's Certificate compressed as the server's CertificateRequest
 * offers (RFC 8879 §3), each algorithm. */
static void test_client_certificate(void)
{
    const test_chain *chain = tt_chain("P-256");
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(algs); i++) {
        gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
        gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY);
        CHECK_OK(gmtls_config_add_ca_mem(scfg, chain->ca_pem, strlen(chain->ca_pem)));
        CHECK_OK(gmtls_config_add_cert_chain_mem(ccfg, chain->chain_pem, strlen(chain->chain_pem), chain->key_pem,
                                                 strlen(chain->key_pem)));
        CHECK_OK(gmtls_config_set_cert_compression(scfg, algs[i].name));
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK_OK(tt_handshake(&p));
        size_t zc = 0, zu = 0, sc = 0, su = 0;
        CHECK(gmtls_conn_cert_compression(p.srv, 1, &zc, &zu) == algs[i].id);
        CHECK(gmtls_conn_cert_compression(p.cli, 0, &sc, &su) == algs[i].id);
        CHECK(zc == sc && zu == su && zc > 0);
        /* the server compressed its own with the same (the only common) one */
        CHECK(gmtls_conn_cert_compression(p.cli, 1, NULL, NULL) == algs[i].id);
        CHECK(gmtls_conn_peer_cert(p.srv, 0, &zc) != NULL);
        CHECK(strcmp(gmtls_conn_verify_result(p.srv), "ok") == 0);
        tt_pair_free(&p);
        /* A client that offers no compression gets no compress_certificate
         * in the CertificateRequest (GmSSL's client aborts on it) and sends
         * its Certificate plain. */
        CHECK_OK(gmtls_config_set_cert_compression(ccfg, "none"));
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK(p.srv->cert_requested && !p.srv->sent_cr_cert_comp);
        CHECK(gmtls_conn_cert_compression(p.srv, 1, NULL, NULL) == 0);
        CHECK(strcmp(gmtls_conn_verify_result(p.srv), "ok") == 0);
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
}

/* The server takes a CompressedCertificate only when its CertificateRequest
 * offered compression: a client that sends one anyway (its choice forced
 * here, as if the request had offered zlib) gets unexpected_message. */
static void test_server_unoffered(void)
{
    const test_chain *chain = tt_chain("P-256");
    gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
    gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY);
    CHECK_OK(gmtls_config_add_ca_mem(scfg, chain->ca_pem, strlen(chain->ca_pem)));
    CHECK_OK(gmtls_config_add_cert_chain_mem(ccfg, chain->chain_pem, strlen(chain->chain_pem), chain->key_pem,
                                             strlen(chain->key_pem)));
    CHECK_OK(gmtls_config_set_cert_compression(ccfg, "none"));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    size_t n = 0;
    CHECK(gmtls_handshake(p.cli, &p.c2s, NULL, &n) == GMTLS_ERR_WANT_READ);
    n = p.c2s.off;
    CHECK(gmtls_handshake(p.srv, &p.s2c, p.c2s.base, &n) == GMTLS_ERR_WANT_READ);
    p.c2s.off = 0;
    CHECK(!p.srv->sent_cr_cert_comp);
    p.cli->cert_comp_peer = GMTLS_CERT_COMPRESSION_ZLIB;
    n = p.s2c.off;
    CHECK_OK(gmtls_handshake(p.cli, &p.c2s, p.s2c.base, &n));
    p.s2c.off = 0;
    CHECK(gmtls_conn_cert_compression(p.cli, 0, NULL, NULL) == GMTLS_CERT_COMPRESSION_ZLIB);
    n = p.c2s.off;
    CHECK_ERR(gmtls_handshake(p.srv, &p.s2c, p.c2s.base, &n), GMTLS_ALERT_UNEXPECTED_MESSAGE);
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

/* Which algorithm: the client's order among those the server enables;
 * nothing in common, or compression off on either side: the plain
 * Certificate. */
static void test_choice(void)
{
    static const struct {
        const char *cli, *srv;
        uint16_t want;
    } cases[] = {
        {"brotli:zstd:zlib", "brotli:zstd:zlib", GMTLS_CERT_COMPRESSION_BROTLI},
        {"zstd:zlib", "brotli:zstd:zlib", GMTLS_CERT_COMPRESSION_ZSTD},
        {"zlib:zstd", "zstd:zlib", GMTLS_CERT_COMPRESSION_ZLIB},
        {"brotli", "zlib", 0},
        {"none", "brotli:zstd:zlib", 0},
        {"brotli:zstd:zlib", "none", 0},
    };
    const test_chain *chain = tt_chain("P-256");
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
        gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
        CHECK_OK(gmtls_config_set_cert_compression(ccfg, cases[i].cli));
        CHECK_OK(gmtls_config_set_cert_compression(scfg, cases[i].srv));
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_cert_compression(p.cli, 1, NULL, NULL) == cases[i].want);
        CHECK(gmtls_conn_cert_compression(p.srv, 0, NULL, NULL) == cases[i].want);
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
    gmtls_config *cfg = gmtls_config_new();
    CHECK_ERR(gmtls_config_set_cert_compression(cfg, "lz4"), GMTLS_ERR_UNKNOWN_NAME);
    CHECK_OK(gmtls_config_set_cert_compression(cfg, "ZSTD, brotli"));
    CHECK(cfg->ncert_comp == 2 && cfg->cert_comp[0] == GMTLS_CERT_COMPRESSION_ZSTD);
    CHECK(strcmp(gmtls_cert_compression_name(GMTLS_CERT_COMPRESSION_BROTLI), "brotli") == 0);
    CHECK(gmtls_cert_compression_name(4) == NULL);
    gmtls_config_free(cfg);
}

/* A chain is compressed once per algorithm (and leaf form), then every
 * handshake sends the cached message. */
static void test_cache(void)
{
    const test_chain *chain = tt_chain("P-256");
    gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
    CHECK_OK(gmtls_config_set_cert_compression(ccfg, "zstd"));
    struct gmtls_ccert *first = NULL;
    for (int round = 0; round < 3; round++) {
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_cert_compression(p.cli, 1, NULL, NULL) == GMTLS_CERT_COMPRESSION_ZSTD);
        tt_pair_free(&p);
        /* slot [zstd][no OCSP, no SCTs] */
        struct gmtls_ccert *e = atomic_load(&scfg->certs[0].ccache[2][0]);
        CHECK(e != NULL);
        if (round == 0) {
            first = e;
        }
        CHECK(e == first);
        /* only that one was made */
        CHECK(atomic_load(&scfg->certs[0].ccache[0][0]) == NULL && atomic_load(&scfg->certs[0].ccache[1][0]) == NULL);
    }
    /* a stapled OCSP response changes the leaf entry: the cache is dropped */
    static const uint8_t ocsp[] = {0x30, 0x03, 0x0a, 0x01, 0x00};
    CHECK_OK(gmtls_config_set_ocsp_staple(scfg, ocsp, sizeof ocsp));
    CHECK(atomic_load(&scfg->certs[0].ccache[2][0]) == NULL);
    gmtls_config_set_request_ocsp(ccfg, 1);
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    size_t n = 0;
    const uint8_t *r = gmtls_conn_ocsp_response(p.cli, &n);
    CHECK(r != NULL && n == sizeof ocsp && memcmp(r, ocsp, n) == 0);
    CHECK(atomic_load(&scfg->certs[0].ccache[2][1]) != NULL); /* the form with the staple */
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

/* Protected records from p's `from_client` side after sending len bytes:
 * checks each record's ciphertext against the limit (inner plaintext +
 * 16-byte tag) and returns how many records there were. */
static size_t records_within(const gmtls_buf *b, size_t limit, int *ok)
{
    size_t pos = 0, n = 0;
    *ok = 1;
    while (pos + 5 <= b->off) {
        size_t len = (size_t)b->base[pos + 3] << 8 | b->base[pos + 4];
        if (len > limit + 16) {
            *ok = 0;
        }
        pos += 5 + len;
        n++;
    }
    return n;
}

static void test_record_size_limit(void)
{
    const test_chain *chain = tt_chain("P-256");
    static uint8_t data[40000];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(i * 7 + 1);
    }
    /* Default: both advertise 2^14 + 1 and see the other's. */
    gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_peer_record_size_limit(p.cli) == 16385 && gmtls_conn_peer_record_size_limit(p.srv) == 16385);
    tt_pair_free(&p);

    /* Server 64 (the minimum), client 1000: each side's records obey the
     * other's limit, the data arrives whole. The RFC 8449 limit counts the
     * content type (and padding) of TLSInnerPlaintext: 63 and 999 bytes of
     * content per record. */
    CHECK_OK(gmtls_config_set_record_size_limit(scfg, 64));
    CHECK_OK(gmtls_config_set_record_size_limit(ccfg, 1000));
    gmtls_config_set_record_padding(ccfg, 48); /* padding stays within the limit too */
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_peer_record_size_limit(p.cli) == 64 && gmtls_conn_peer_record_size_limit(p.srv) == 1000);
    int ok = 0;
    CHECK_OK(gmtls_send(p.cli, &p.c2s, data, sizeof data));
    size_t n = records_within(&p.c2s, 64, &ok);
    CHECK(ok && n == (sizeof data + 62) / 63);
    CHECK_OK(gmtls_send(p.srv, &p.s2c, data, sizeof data));
    n = records_within(&p.s2c, 1000, &ok);
    CHECK(ok && n == (sizeof data + 998) / 999);
    CHECK_OK(tt_flush(&p));
    CHECK(p.srv_app.off == sizeof data && memcmp(p.srv_app.base, data, sizeof data) == 0);
    CHECK(p.cli_app.off == sizeof data && memcmp(p.cli_app.base, data, sizeof data) == 0);
    /* RFC 8449 §4: "A TLS endpoint that receives a record larger than its
     * advertised limit MUST generate a fatal "record_overflow" alert": the
     * client's write limit lifted behind the engine's back. */
    p.cli->wr.max_inner = 0;
    CHECK_OK(gmtls_send(p.cli, &p.c2s, data, 64));
    CHECK_ERR(tt_flush(&p), GMTLS_ALERT_RECORD_OVERFLOW);
    tt_pair_free(&p);

    /* Not sent by the client: the server does not answer; not answered by
     * the server: no limit either way. */
    CHECK_OK(gmtls_config_set_record_size_limit(ccfg, 0));
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_peer_record_size_limit(p.cli) == 0 && gmtls_conn_peer_record_size_limit(p.srv) == 0);
    CHECK_OK(gmtls_send(p.cli, &p.c2s, data, 20000));
    CHECK(records_within(&p.c2s, 16385, &ok) == 2 && ok);
    tt_pair_free(&p);
    CHECK_OK(gmtls_config_set_record_size_limit(ccfg, 16385));
    CHECK_OK(gmtls_config_set_record_size_limit(scfg, 0));
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_peer_record_size_limit(p.cli) == 0 && gmtls_conn_peer_record_size_limit(p.srv) == 0);
    tt_pair_free(&p);
    /* RFC 8449 §4: "Endpoints MUST NOT send a "record_size_limit" extension
     * with a value smaller than 64", nor above 2^14 + 1 in TLS 1.3. */
    CHECK_ERR(gmtls_config_set_record_size_limit(scfg, 63), GMTLS_ERR_BAD_ARGUMENT);
    CHECK_ERR(gmtls_config_set_record_size_limit(scfg, 16386), GMTLS_ERR_BAD_ARGUMENT);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

int main(void)
{
    if (tt_chain("P-256") == NULL || tt_chain("RSA") == NULL || tt_chain("SM2") == NULL) {
        fprintf(stderr, "cannot make test certificates\n");
        return 1;
    }
    test_each_algorithm();
    test_client_certificate();
    test_server_unoffered();
    test_choice();
    test_cache();
    test_record_size_limit();
    return test_end_("compress_test");
}
