/* tests/tls/testcerts.h - certificates made at test time by the certificate
 * factory (src/certgen): a CA and a leaf (DNS:localhost, IP:127.0.0.1) for
 * one key algorithm. */
#ifndef GMTLS_TESTCERTS_H
#define GMTLS_TESTCERTS_H

#include <stddef.h>

typedef struct {
    char *ca_pem;    /* the CA certificate */
    char *chain_pem; /* the leaf certificate */
    char *key_pem;   /* the leaf's private key (PKCS#8) */
} test_chain;

/* alg: "P-256", "P-384", "RSA", "RSA-PSS", "ED25519", "SM2". SM2
 * certificates are signed with the SM2 ID sm2_cert_id (NULL: empty ID, as
 * OpenSSL 3.0 does by default). Returns 0 or -1. */
int test_make_chain(const char *alg, const char *cn, const char *sm2_cert_id, test_chain *out);
void test_free_chain(test_chain *c);
/* TLCP (GB/T 38636-2020): an SM2 CA and signing leaf (as test_make_chain,
 * the ID 1234567812345678) and the same entity's encryption certificate
 * (gmtls_cg_make_enc_cert: keyEncipherment, dataEncipherment, keyAgreement)
 * with its SM2 key. Returns 0 or -1. */
typedef struct {
    test_chain sign;
    char *enc_pem;
    char *enc_key_pem;
} test_tlcp_chain;
int test_make_tlcp_chain(const char *cn, test_tlcp_chain *out);
void test_free_tlcp_chain(test_tlcp_chain *c);
/* Writes s to dir/name; returns a static path buffer, or NULL. */
const char *test_write_file(const char *dir, const char *name, const char *s);

#endif
