/* tools/server_devcert.c - development certificates for `gmtls server`.
 *
 * Two single-algorithm chains, so a client offering only one family of
 * signature schemes still finds a chain it can verify end to end:
 *   ca-sm2.pem   -> sm2.pem   (SM2 keys, SM2-with-SM3, signer ID 1234567812345678)
 *   ca-ecdsa.pem -> ecdsa.pem (P-256 keys, ecdsa-with-SHA256)
 * ca.pem holds both CAs. Leaves name DNS:localhost, IP:127.0.0.1, IP:::1.
 * Everything is made with libcrypto once and reused on later runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cmd.h"
#include "server.h"

/* GB/T 32918 default signer ID, what certificate tooling uses for SM2. */
static const char sm2_cert_id[] = "1234567812345678";

static EVP_PKEY *make_key(int is_sm2)
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, is_sm2 ? "SM2" : "EC", NULL);
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0) {
        goto out;
    }
    if (!is_sm2 && EVP_PKEY_CTX_set_group_name(ctx, "P-256") <= 0) {
        goto out;
    }
    if (EVP_PKEY_keygen(ctx, &key) <= 0) {
        key = NULL;
    }
out:
    EVP_PKEY_CTX_free(ctx);
    return key;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL) {
        return -1;
    }
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static int sign_cert(X509 *cert, EVP_PKEY *key, int is_sm2)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = 0;
    if (mctx == NULL) {
        return -1;
    }
    if (is_sm2) {
        /* OpenSSL 3.0: the SM2 ID goes on the signing EVP_PKEY_CTX. */
        pctx = EVP_PKEY_CTX_new(key, NULL);
        if (pctx == NULL || EVP_PKEY_CTX_set1_id(pctx, sm2_cert_id, strlen(sm2_cert_id)) <= 0) {
            goto out;
        }
        EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
        if (EVP_DigestSignInit(mctx, NULL, EVP_sm3(), NULL, key) <= 0) {
            goto out;
        }
    } else if (EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, key) <= 0) {
        goto out;
    }
    ok = X509_sign_ctx(cert, mctx) > 0;
out:
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_CTX_free(pctx);
    return ok ? 0 : -1;
}

/* issuer == NULL: a self-signed CA. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int is_sm2)
{
    X509 *x = X509_new();
    uint8_t serial[16];
    BIGNUM *bn = NULL;
    if (x == NULL || RAND_bytes(serial, sizeof(serial)) != 1) {
        goto fail;
    }
    serial[0] &= 0x7f;
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (bn == NULL || !X509_set_version(x, 2) || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL) {
        goto fail;
    }
    long days = issuer == NULL ? 3650 : 825;
    if (X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), days * 86400) == NULL) {
        goto fail;
    }
    X509_NAME *name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"gmtls development", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0)) {
        goto fail;
    }
    if (!X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name) ||
        !X509_set_pubkey(x, key)) {
        goto fail;
    }
    X509 *iss = issuer != NULL ? issuer : x;
    if (add_ext(x, iss, NID_subject_key_identifier, "hash") != 0) {
        goto fail;
    }
    if (issuer == NULL) {
        if (add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") != 0 ||
            add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign") != 0) {
            goto fail;
        }
    } else if (add_ext(x, iss, NID_authority_key_identifier, "keyid:always") != 0 ||
               add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
               add_ext(x, iss, NID_key_usage, "critical,digitalSignature") != 0 ||
               add_ext(x, iss, NID_ext_key_usage, "serverAuth,clientAuth") != 0 ||
               add_ext(x, iss, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") != 0) {
        goto fail;
    }
    if (sign_cert(x, issuer_key != NULL ? issuer_key : key, is_sm2) != 0) {
        goto fail;
    }
    BN_free(bn);
    return x;
fail:
    BN_free(bn);
    X509_free(x);
    return NULL;
}

static int write_pem(const char *dir, const char *name, X509 *const *certs, size_t ncerts, EVP_PKEY *key)
{
    char tmp[4096], path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, name, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        tool_err("%s: %s", tmp, strerror(errno));
        return -1;
    }
    int ok = 1;
    if (key != NULL) {
        ok = fchmod(fileno(f), 0600) == 0 && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    }
    for (size_t i = 0; i < ncerts && ok; i++) {
        ok = PEM_write_X509(f, certs[i]);
    }
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        tool_err("%s: cannot write", path);
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int file_exists(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return access(path, R_OK) == 0;
}

/* Makes CA + leaf for one algorithm; files <prefix>.pem / <prefix>.key /
 * ca-<prefix>.pem. *ca_out receives the CA certificate. */
static int make_chain(const char *dir, int is_sm2, X509 **ca_out)
{
    const char *prefix = is_sm2 ? "sm2" : "ecdsa";
    char ca_name[64], cert_name[64], key_name[64], ca_cn[64];
    snprintf(ca_name, sizeof(ca_name), "ca-%s.pem", prefix);
    snprintf(cert_name, sizeof(cert_name), "%s.pem", prefix);
    snprintf(key_name, sizeof(key_name), "%s.key", prefix);
    snprintf(ca_cn, sizeof(ca_cn), "gmtls development CA (%s)", is_sm2 ? "SM2" : "ECDSA P-256");
    EVP_PKEY *ca_key = make_key(is_sm2), *leaf_key = make_key(is_sm2);
    X509 *ca = NULL, *leaf = NULL;
    int rc = -1;
    if (ca_key == NULL || leaf_key == NULL) {
        tool_err("dev certificates: %s key generation failed", prefix);
        goto out;
    }
    ca = make_cert(ca_key, ca_cn, NULL, NULL, is_sm2);
    leaf = ca != NULL ? make_cert(leaf_key, "localhost", ca, ca_key, is_sm2) : NULL;
    if (leaf == NULL) {
        tool_err("dev certificates: %s certificate creation failed", prefix);
        goto out;
    }
    X509 *chain[2] = {leaf, ca};
    if (write_pem(dir, key_name, NULL, 0, leaf_key) != 0 || write_pem(dir, cert_name, chain, 2, NULL) != 0 ||
        write_pem(dir, ca_name, &ca, 1, NULL) != 0) {
        goto out;
    }
    *ca_out = ca;
    ca = NULL;
    rc = 0;
out:
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(leaf_key);
    return rc;
}

int srv_devcert_setup(const char *dir, char *ca_path, size_t ca_path_len, int quiet)
{
    snprintf(ca_path, ca_path_len, "%s/ca.pem", dir);
    static const char *const files[] = {"ca.pem", "ca-sm2.pem", "ca-ecdsa.pem", "sm2.pem",
                                        "sm2.key", "ecdsa.pem", "ecdsa.key"};
    int all = 1;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        all &= file_exists(dir, files[i]);
    }
    if (all) {
        return 0;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        tool_err("%s: %s", dir, strerror(errno));
        return -1;
    }
    X509 *cas[2] = {NULL, NULL};
    int rc = -1;
    if (make_chain(dir, 1, &cas[0]) == 0 && make_chain(dir, 0, &cas[1]) == 0 &&
        write_pem(dir, "ca.pem", cas, 2, NULL) == 0) {
        rc = 0;
        if (!quiet) {
            fprintf(stderr, "gmtls: created development CAs and certificates in %s\n", dir);
        }
    }
    X509_free(cas[0]);
    X509_free(cas[1]);
    return rc;
}

int srv_devcert_load(gmtls_config *cfg, const char *dir)
{
    static const char *const names[] = {"sm2", "ecdsa"};
    for (size_t i = 0; i < 2; i++) {
        char cert[4096], key[4096];
        snprintf(cert, sizeof(cert), "%s/%s.pem", dir, names[i]);
        snprintf(key, sizeof(key), "%s/%s.key", dir, names[i]);
        int r = gmtls_config_add_cert_chain_file(cfg, cert, key);
        if (r != 0) {
            const char *d = gmtls_config_last_error(cfg);
            tool_err("%s: %s%s%s", cert, gmtls_strerror(r), d && d[0] ? ": " : "", d ? d : "");
            return -1;
        }
    }
    return 0;
}
