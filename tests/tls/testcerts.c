/* Test certificates generated with libcrypto (see testcerts.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "testcerts.h"

static EVP_PKEY *gen_key(const char *alg)
{
    if (strcmp(alg, "P-256") == 0 || strcmp(alg, "P-384") == 0 || strcmp(alg, "P-521") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", alg);
    }
    if (strcmp(alg, "RSA") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    }
    if (strcmp(alg, "RSA-PSS") == 0) {
        EVP_PKEY *k = NULL;
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
        if (c == NULL || EVP_PKEY_keygen_init(c) <= 0 || EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048) <= 0 ||
            EVP_PKEY_keygen(c, &k) <= 0) {
            k = NULL;
        }
        EVP_PKEY_CTX_free(c);
        return k;
    }
    if (strcmp(alg, "ED25519") == 0 || strcmp(alg, "ED448") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, alg);
    }
    if (strcmp(alg, "SM2") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    }
    return NULL;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (e != NULL) {
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
}

static int sign_cert(X509 *x, EVP_PKEY *key, const char *alg, const char *sm2_id)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    const char *md = strcmp(alg, "ED25519") == 0 || strcmp(alg, "ED448") == 0 ? NULL
                     : strcmp(alg, "SM2") == 0                                ? "SM3"
                     : strcmp(alg, "P-384") == 0                              ? "SHA384"
                     : strcmp(alg, "P-521") == 0                              ? "SHA512"
                                                                              : "SHA256";
    int ok = m != NULL && EVP_DigestSignInit_ex(m, &pctx, md, NULL, NULL, key, NULL) > 0;
    if (ok && strcmp(alg, "SM2") == 0 && sm2_id != NULL) {
        ok = EVP_PKEY_CTX_set1_id(pctx, sm2_id, strlen(sm2_id)) > 0;
    }
    if (ok && strcmp(alg, "RSA-PSS") == 0) {
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0;
    }
    ok = ok && X509_sign_ctx(x, m) > 0;
    EVP_MD_CTX_free(m);
    return ok ? 0 : -1;
}

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer, const char *cn, int is_ca, long serial,
                       const char *alg, const char *sm2_id)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"gmtls tests", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509 *iss = issuer ? issuer : x;
    add_ext(x, iss, NID_subject_key_identifier, "hash");
    add_ext(x, iss, NID_authority_key_identifier, "keyid:always");
    if (is_ca) {
        add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, iss, NID_basic_constraints, "CA:FALSE");
        add_ext(x, iss, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
        add_ext(x, iss, NID_ext_key_usage, "serverAuth,clientAuth");
    }
    if (sign_cert(x, issuer_key, alg, sm2_id) != 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static char *bio_to_str(BIO *b)
{
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = malloc((size_t)n + 1);
    if (s != NULL) {
        memcpy(s, p, (size_t)n);
        s[n] = '\0';
    }
    BIO_free(b);
    return s;
}

int test_make_chain(const char *alg, const char *cn, const char *sm2_cert_id, test_chain *out)
{
    static long serial = 1;
    memset(out, 0, sizeof(*out));
    EVP_PKEY *cakey = gen_key(alg), *key = gen_key(alg);
    X509 *ca = NULL, *leaf = NULL;
    int rc = -1;
    if (cakey == NULL || key == NULL) {
        goto done;
    }
    ca = make_cert(cakey, cakey, NULL, "gmtls test CA", 1, serial++, alg, sm2_cert_id);
    leaf = ca ? make_cert(key, cakey, ca, cn, 0, serial++, alg, sm2_cert_id) : NULL;
    if (leaf == NULL) {
        goto done;
    }
    BIO *b1 = BIO_new(BIO_s_mem()), *b2 = BIO_new(BIO_s_mem()), *b3 = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b1, ca);
    PEM_write_bio_X509(b2, leaf);
    PEM_write_bio_PrivateKey(b3, key, NULL, NULL, 0, NULL, NULL);
    out->ca_pem = bio_to_str(b1);
    out->chain_pem = bio_to_str(b2);
    out->key_pem = bio_to_str(b3);
    rc = 0;
done:
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(cakey);
    EVP_PKEY_free(key);
    return rc;
}

void test_free_chain(test_chain *c)
{
    free(c->ca_pem);
    free(c->chain_pem);
    free(c->key_pem);
    memset(c, 0, sizeof(*c));
}

const char *test_write_file(const char *dir, const char *name, const char *s)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return NULL;
    }
    fputs(s, f);
    fclose(f);
    return path;
}
