/* The Go gmtls dialect in memory (issue 17): the certificate seam's SM2
 * signatures in both styles, the SM2-OID key encoding, Go-style chains
 * verified only under the go-gmtls profile (server chains and client
 * certificates), the profile's lists alone and with --strict-sm, and chain
 * selection by dialect. The live side is tests/tls/interop_seed.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certgen/certgen.h"
#include "crypto/x509.h"
#include "handshake/internal.h"
#include "test.h"
#include "tlstest.h"

static gmtls_cg_chain go_chain, rfc_chain;

static gmtls_config *server_with(const gmtls_cg_chain *c)
{
    gmtls_config *cfg = gmtls_config_new();
    if (cfg != NULL &&
        gmtls_config_add_cert_chain_mem(cfg, c->leaf_pem, strlen(c->leaf_pem), c->key_pem, strlen(c->key_pem)) != 0) {
        fprintf(stderr, "server_with: %s\n", gmtls_config_last_error(cfg));
    }
    return cfg;
}

static gmtls_config *client_trusting(const gmtls_cg_chain *c)
{
    gmtls_config *cfg = gmtls_config_new();
    if (cfg != NULL) {
        CHECK_OK(gmtls_config_add_ca_mem(cfg, c->ca_pem, strlen(c->ca_pem)));
    }
    return cfg;
}

/* The DER of the first certificate of a PEM text (malloc'd). */
static uint8_t *pem_der(const char *pem, size_t *len)
{
    uint8_t *der[1] = {NULL};
    size_t derlen[1] = {0}, n = 0;
    gmtls_x509 *leaf = NULL;
    if (gmtls_x509_pem_chain(pem, strlen(pem), der, derlen, 1, &n, &leaf) != 0) {
        return NULL;
    }
    gmtls_x509_free(leaf);
    *len = derlen[0];
    return der[0];
}

/* Both SM2 styles: the key encoding and who signed what. */
static void test_styles(void)
{
    size_t n = 0;
    uint8_t *go_ca = pem_der(go_chain.ca_pem, &n), *go_leaf = NULL, *rfc_leaf = NULL;
    size_t go_ca_len = n, go_leaf_len = 0, rfc_leaf_len = 0;
    go_leaf = pem_der(go_chain.leaf_pem, &go_leaf_len);
    rfc_leaf = pem_der(rfc_chain.leaf_pem, &rfc_leaf_len);
    CHECK(go_ca != NULL && go_leaf != NULL && rfc_leaf != NULL);
    if (go_ca == NULL || go_leaf == NULL || rfc_leaf == NULL) {
        return;
    }
    /* A key under the SM2 OID 1.2.156.10197.1.301 is an SM2 key. */
    gmtls_x509 *ca = gmtls_x509_parse(go_ca, go_ca_len), *leaf = gmtls_x509_parse(go_leaf, go_leaf_len);
    gmtls_x509 *rleaf = gmtls_x509_parse(rfc_leaf, rfc_leaf_len);
    CHECK(ca != NULL && leaf != NULL && rleaf != NULL);
    CHECK(gmtls_x509_go_style_key(ca) && gmtls_x509_go_style_key(leaf) && !gmtls_x509_go_style_key(rleaf));
    gmtls_pkey capub, leafpub;
    CHECK_OK(gmtls_x509_pubkey(ca, &capub));
    CHECK_OK(gmtls_x509_pubkey(leaf, &leafpub));
    CHECK(capub.type == GMTLS_KEY_SM2 && leafpub.type == GMTLS_KEY_SM2);
    /* The Go style is e = SM3(Z || SM3(TBS)), the RFC style e = SM3(Z || TBS). */
    CHECK(gmtls_x509_sm2_signed_by(go_leaf, go_leaf_len, &capub.sm2pub) == 2);
    CHECK(gmtls_x509_sm2_signed_by(go_ca, go_ca_len, &capub.sm2pub) == 2);
    CHECK(gmtls_x509_sm2_signed_by(go_leaf, go_leaf_len, &leafpub.sm2pub) == 0); /* not self-signed */
    gmtls_pkey rcapub;
    uint8_t *rfc_ca = pem_der(rfc_chain.ca_pem, &n);
    gmtls_x509 *rca = rfc_ca != NULL ? gmtls_x509_parse(rfc_ca, n) : NULL;
    CHECK(rca != NULL);
    if (rca != NULL) {
        CHECK_OK(gmtls_x509_pubkey(rca, &rcapub));
        CHECK(gmtls_x509_sm2_signed_by(rfc_leaf, rfc_leaf_len, &rcapub.sm2pub) == 1);
        /* One flipped bit in the TBS (the serial number): neither style. */
        rfc_leaf[15] ^= 1;
        CHECK(gmtls_x509_sm2_signed_by(rfc_leaf, rfc_leaf_len, &rcapub.sm2pub) == 0);
        gmtls_pkey_dispose(&rcapub);
    }
    /* Truncated or not a SEQUENCE: no structure, no signature. */
    CHECK(gmtls_x509_sm2_signed_by(go_leaf, go_leaf_len - 1, &capub.sm2pub) == 0);
    CHECK(gmtls_x509_sm2_signed_by(go_leaf + 1, go_leaf_len - 1, &capub.sm2pub) == 0);
    gmtls_pkey_dispose(&capub);
    gmtls_pkey_dispose(&leafpub);
    gmtls_x509_free(ca);
    gmtls_x509_free(leaf);
    gmtls_x509_free(rleaf);
    gmtls_x509_free(rca);
    free(go_ca);
    free(go_leaf);
    free(rfc_leaf);
    free(rfc_ca);
}

/* A Go-style server chain: verified under the profile; without it refused
 * with bad_certificate (no fallback, docs/ARCHITECTURE.md). */
static void test_server_chain(void)
{
    for (int profile = 0; profile < 2; profile++) {
        gmtls_config *scfg = server_with(&go_chain), *ccfg = client_trusting(&go_chain);
        if (profile) {
            CHECK_OK(gmtls_config_set_profile(ccfg, GMTLS_PROFILE_GO_GMTLS));
        } else {
            /* the Go dialect's code points by hand, as before the profile */
            CHECK_OK(gmtls_config_set_groups(ccfg, "curveSM2_legacy"));
            CHECK_OK(gmtls_config_set_sigalgs(ccfg, "sm2sig_sm3_legacy"));
        }
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        int rc = tt_handshake(&p);
        if (profile) {
            CHECK_OK(rc);
            CHECK(strcmp(gmtls_conn_verify_result(p.cli), "ok") == 0);
            /* a default server prefers RFC 8998's scheme when offered both */
            CHECK(gmtls_conn_group(p.cli) == 0x001a && gmtls_conn_sigalg(p.cli) == 0x0708);
        } else {
            CHECK_ERR(p.cli_rc, GMTLS_ALERT_BAD_CERTIFICATE);
            CHECK(strstr(gmtls_conn_verify_result(p.cli), "Go gmtls-style") != NULL);
        }
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
    /* The profile still verifies standard chains, and still rejects a
     * Go-style chain under an unrelated CA. */
    gmtls_config *scfg = server_with(&rfc_chain), *ccfg = client_trusting(&rfc_chain);
    CHECK_OK(gmtls_config_set_profile(ccfg, GMTLS_PROFILE_GO_GMTLS));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    scfg = server_with(&go_chain);
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    (void)tt_handshake(&p);
    CHECK_ERR(p.cli_rc, GMTLS_ALERT_UNKNOWN_CA);
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

/* The profile accepts Go-style signatures, not bad ones: the Go leaf with one
 * byte of its signature changed is bad_certificate under the profile too. */
static void test_bad_go_signature(void)
{
    size_t len = 0;
    uint8_t *der = pem_der(go_chain.leaf_pem, &len);
    CHECK(der != NULL && len > 10);
    if (der == NULL) {
        return;
    }
    der[len - 3] ^= 0x01; /* inside s of the ECDSA-Sig-Value */
    const uint8_t *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIO *b = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long n = 0;
    CHECK(x != NULL && b != NULL && PEM_write_bio_X509(b, x) == 1 && (n = BIO_get_mem_data(b, &pem)) > 0);
    gmtls_config *scfg = gmtls_config_new(), *ccfg = client_trusting(&go_chain);
    CHECK_OK(gmtls_config_add_cert_chain_mem(scfg, pem, (size_t)n, go_chain.key_pem, strlen(go_chain.key_pem)));
    CHECK_OK(gmtls_config_set_profile(ccfg, GMTLS_PROFILE_GO_GMTLS));
    tt_pair pr;
    CHECK_OK(tt_pair_new(&pr, ccfg, scfg, "localhost"));
    (void)tt_handshake(&pr);
    CHECK_ERR(pr.cli_rc, GMTLS_ALERT_BAD_CERTIFICATE);
    CHECK(strcmp(gmtls_conn_verify_result(pr.cli), "certificate signature failure") == 0);
    tt_pair_free(&pr);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
    BIO_free(b);
    X509_free(x);
    free(der);
}

/* A Go-style client certificate, require-and-verify. */
static void test_client_cert(void)
{
    for (int profile = 0; profile < 2; profile++) {
        gmtls_config *scfg = server_with(&rfc_chain), *ccfg = client_trusting(&rfc_chain);
        gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY);
        CHECK_OK(gmtls_config_add_ca_mem(scfg, go_chain.ca_pem, strlen(go_chain.ca_pem)));
        if (profile) {
            CHECK_OK(gmtls_config_set_profile(scfg, GMTLS_PROFILE_GO_GMTLS));
        }
        CHECK_OK(gmtls_config_set_profile(ccfg, GMTLS_PROFILE_GO_GMTLS));
        CHECK_OK(gmtls_config_add_cert_chain_mem(ccfg, go_chain.leaf_pem, strlen(go_chain.leaf_pem), go_chain.key_pem,
                                                 strlen(go_chain.key_pem)));
        tt_pair p;
        CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
        int rc = tt_handshake(&p);
        if (profile) {
            CHECK_OK(rc);
            CHECK(strcmp(gmtls_conn_verify_result(p.srv), "ok") == 0);
        } else {
            CHECK_ERR(p.srv_rc, GMTLS_ALERT_BAD_CERTIFICATE);
        }
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
}

/* The profile's lists, alone and with strict_sm in either order. */
static void test_profile_lists(void)
{
    gmtls_config *a = gmtls_config_new(), *b = gmtls_config_new(), *c = gmtls_config_new();
    CHECK_OK(gmtls_config_set_profile(a, GMTLS_PROFILE_GO_GMTLS));
    CHECK(a->groups[0] == 0x001a && a->sigalgs[0] == 0x0204 && a->go_dialect);
    CHECK(gmtls_list_has(a->sigalgs, a->nsigalgs, 0x0708) && gmtls_list_has(a->groups, a->ngroups, 0x001d));
    CHECK_OK(gmtls_config_set_strict_sm(b, 1));
    CHECK_OK(gmtls_config_set_profile(b, GMTLS_PROFILE_GO_GMTLS));
    CHECK_OK(gmtls_config_set_profile(c, GMTLS_PROFILE_GO_GMTLS));
    CHECK_OK(gmtls_config_set_strict_sm(c, 1));
    for (int i = 0; i < 2; i++) {
        gmtls_config *x = i ? c : b;
        CHECK(x->nsuites == 2 && x->suites[0] == GMTLS_TLS_SM4_GCM_SM3 && x->suites[1] == GMTLS_TLS_SM4_CCM_SM3);
        CHECK(x->ngroups == 2 && x->groups[0] == 0x001a && x->groups[1] == GMTLS_GROUP_CURVESM2);
        CHECK(x->nsigalgs == 2 && x->sigalgs[0] == 0x0204 && x->sigalgs[1] == 0x0708);
    }
    CHECK_OK(gmtls_config_set_profile(a, GMTLS_PROFILE_DEFAULT));
    CHECK(!a->go_dialect && a->groups[0] != 0x001a && !a->groups_custom);
    CHECK_ERR(gmtls_config_set_profile_name(a, "go"), GMTLS_ERR_UNKNOWN_NAME);
    CHECK_OK(gmtls_config_set_profile_name(a, "go-gmtls"));
    CHECK(a->go_dialect);
    /* ShangMi only, Go dialect, against a go-gmtls server: group 26, and its
     * CertificateVerify form (0x0204) first. */
    gmtls_config *scfg = server_with(&go_chain);
    CHECK_OK(gmtls_config_set_profile(scfg, GMTLS_PROFILE_GO_GMTLS));
    CHECK_OK(gmtls_config_add_ca_mem(c, go_chain.ca_pem, strlen(go_chain.ca_pem)));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, c, scfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_cipher_suite(p.cli) == GMTLS_TLS_SM4_GCM_SM3 && gmtls_conn_group(p.cli) == 0x001a);
    CHECK(gmtls_conn_sigalg(p.cli) == 0x0204);
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(a);
    gmtls_config_free(b);
    gmtls_config_free(c);
}

/* A server holding a Go-style SM2 chain, a standard SM2 chain and an ECDSA
 * chain: the Go-style one for 0x0204 without 0x0708, else the standard one. */
static void test_selection(void)
{
    const test_chain *ec = tt_chain("P-256");
    static const struct {
        const char *sigalgs;
        int want_go; /* 1 Go-style SM2, 0 standard SM2, -1 ECDSA */
    } cases[] = {
        {"sm2sig_sm3_legacy", 1},
        {"sm2sig_sm3_legacy:ecdsa_secp256r1_sha256", 1},
        {"sm2sig_sm3", 0},
        {"sm2sig_sm3_legacy:sm2sig_sm3", 0},
        {"sm2sig_sm3:sm2sig_sm3_legacy", 0},
        {"ecdsa_secp256r1_sha256", -1},
    };
    for (int order = 0; order < 2; order++) {
        gmtls_config *scfg = gmtls_config_new();
        const gmtls_cg_chain *first = order ? &go_chain : &rfc_chain, *second = order ? &rfc_chain : &go_chain;
        CHECK_OK(gmtls_config_add_cert_chain_mem(scfg, ec->chain_pem, strlen(ec->chain_pem), ec->key_pem,
                                                 strlen(ec->key_pem)));
        CHECK_OK(gmtls_config_add_cert_chain_mem(scfg, first->leaf_pem, strlen(first->leaf_pem), first->key_pem,
                                                 strlen(first->key_pem)));
        CHECK_OK(gmtls_config_add_cert_chain_mem(scfg, second->leaf_pem, strlen(second->leaf_pem), second->key_pem,
                                                 strlen(second->key_pem)));
        for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
            gmtls_config *ccfg = gmtls_config_new();
            gmtls_config_set_verify_peer(ccfg, 0);
            CHECK_OK(gmtls_config_set_cipher_suites(ccfg, "TLS_SM4_GCM_SM3"));
            CHECK_OK(gmtls_config_set_groups(ccfg, "curveSM2_legacy:curveSM2"));
            CHECK_OK(gmtls_config_set_sigalgs(ccfg, cases[i].sigalgs));
            tt_pair p;
            CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
            CHECK_OK(tt_handshake(&p));
            const gmtls_cert *got = p.srv->cert;
            if (cases[i].want_go < 0) {
                CHECK(got != NULL && got->key.type == GMTLS_KEY_EC_P256);
            } else {
                CHECK(got != NULL && got->key.type == GMTLS_KEY_SM2 && got->go_style == cases[i].want_go);
            }
            if (got == NULL || (cases[i].want_go >= 0 && got->go_style != cases[i].want_go)) {
                fprintf(stderr, "  case %zu (%s), order %d\n", i, cases[i].sigalgs, order);
            }
            tt_pair_free(&p);
            gmtls_config_free(ccfg);
        }
        gmtls_config_free(scfg);
    }
}

int main(void)
{
    if (gmtls_cg_make_chain("SM2", "gmtls go", "localhost", GMTLS_CG_STYLE_GO, NULL, &go_chain) != 0 ||
        gmtls_cg_make_chain("SM2", "gmtls rfc", "localhost", GMTLS_CG_STYLE_RFC, NULL, &rfc_chain) != 0) {
        fprintf(stderr, "godialect_test: cannot make the test chains\n");
        return 1;
    }
    test_styles();
    test_server_chain();
    test_bad_go_signature();
    test_client_cert();
    test_profile_lists();
    test_selection();
    gmtls_cg_chain_free(&go_chain);
    gmtls_cg_chain_free(&rfc_chain);
    return TEST_END("godialect_test");
}
