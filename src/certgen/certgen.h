/* src/certgen/certgen.h - the one certificate factory: keys, CAs, leaves and
 * CSR signing for `gmtls cert`, the development certificates of `gmtls
 * server`, `gmtls bench` and the tests (libgmtls_certgen, not part of
 * libgmtls). SM2 certificates come in two styles: RFC (id-ecPublicKey on the
 * SM2 curve, signed with the ID 1234567812345678 over the TBS: GmSSL,
 * Tongsuo, OpenSSL with -vfyopt distid:1234567812345678) and go-gmtls (key
 * under the SM2 OID 1.2.156.10197.1.301, signed over SM3(TBS): the Go gmtls
 * family). SM2 signatures are made by src/crypto/x509.h. */
#ifndef GMTLS_CERTGEN_H
#define GMTLS_CERTGEN_H

#include <stddef.h>
#include <stdio.h>

/* Key algorithms by name: "SM2", "P-256", "P-384", "P-521", "RSA" (2048, or
 * "RSA-3072", "RSA-4096"), "RSA-PSS", "ED25519", "ED448" (case-insensitive;
 * "ecdsa" = P-256). */
void *gmtls_cg_keygen(const char *alg); /* an EVP_PKEY, or NULL */
void gmtls_cg_key_free(void *key);

typedef enum {
    GMTLS_CG_STYLE_RFC = 0,
    GMTLS_CG_STYLE_GO,
} gmtls_cg_style;

/* What one certificate says. NULL/0 fields take the defaults shown. */
typedef struct {
    const char *subject; /* "CN=x,O=y" or "/O=y/CN=x" (required) */
    int is_ca;           /* CA: basicConstraints CA:TRUE, keyUsage keyCertSign,cRLSign */
    int pathlen;         /* CA path length: -1 none (0 means 0 only with has_pathlen) */
    int has_pathlen;
    const char *san;       /* "DNS:localhost,IP:127.0.0.1" (OpenSSL syntax), or NULL */
    const char *key_usage; /* OpenSSL syntax; default: CA as above, leaf "critical,digitalSignature" */
    const char *eku;       /* "serverAuth,clientAuth"; default: none for a CA, both for a leaf */
    long backdate;         /* notBefore = now - backdate seconds (default 0: use 3600) */
    long days;             /* validity in days from now (default 365) */
    gmtls_cg_style style;  /* SM2 only: key encoding and signature */
    const char *sm2_id;    /* RFC style: the signer ID; NULL = 1234567812345678, "" = empty (OpenSSL 3.0's default) */
} gmtls_cg_spec;

/* Issues a certificate for key (public part used) signed by issuer_key
 * (issuer == NULL: self-signed, issuer_key == NULL: key signs). Returns an
 * X509, or NULL with err filled in. */
void *gmtls_cg_issue(const gmtls_cg_spec *spec, void *key, void *issuer, void *issuer_key, char *err, size_t errlen);
/* The same for the key and (unless spec->subject) subject of a CSR, after
 * checking the CSR's signature (SM2: either style). */
void *gmtls_cg_issue_csr(const gmtls_cg_spec *spec, const char *csr_pem, size_t len, void *issuer, void *issuer_key,
                         char *err, size_t errlen);
void gmtls_cg_cert_free(void *cert);
/* 1 if the certificate's key is SM2 under the SM2 OID (go-gmtls style). */
int gmtls_cg_cert_is_go_style(void *cert);

/* PEM out (malloc'd, NUL-terminated; NULL on failure). Keys: PKCS#8, plain. */
char *gmtls_cg_cert_pem(void *cert);
char *gmtls_cg_key_pem(void *key);
/* PEM in: the first certificate / a private key (plain PKCS#8, SEC1, PKCS#1). */
void *gmtls_cg_read_cert(const char *pem, size_t len);
void *gmtls_cg_read_key(const char *pem, size_t len, const char *pass); /* pass: for an encrypted key, or NULL */
/* Human-readable dump of a certificate (libcrypto's, plus the SM2 style). */
int gmtls_cg_print(void *cert, FILE *out);

/* A CA and a leaf in memory, the common case of the tests, the bench and the
 * development certificates: CA "O=org,CN=<org> CA (<alg>[ go-gmtls])", leaf O=org,CN=cn with SAN
 * DNS:localhost,IP:127.0.0.1,IP:::1 and serverAuth,clientAuth. */
typedef struct {
    char *ca_pem;
    char *leaf_pem; /* the leaf certificate only */
    char *key_pem;  /* the leaf's key */
    char *ca_key_pem;
} gmtls_cg_chain;
int gmtls_cg_make_chain(const char *alg, const char *org, const char *cn, gmtls_cg_style style, const char *sm2_id,
                        gmtls_cg_chain *out);
void gmtls_cg_chain_free(gmtls_cg_chain *c);
/* A TLCP (GB/T 38636-2020) encryption certificate for the entity of a chain
 * from gmtls_cg_make_chain: key (an EVP_PKEY: SM2, another only to test
 * refusals) issued by the chain's CA with the leaf's subject and
 * subjectAltName (what GmSSL's pair check compares). spec (may be NULL)
 * overrides subject, san ("" for none), key_usage (default
 * "critical,keyEncipherment,dataEncipherment,keyAgreement": every TLCP suite
 * accepts it), eku, days, backdate and sm2_id. Returns an X509 or NULL. */
void *gmtls_cg_make_enc_cert(const gmtls_cg_chain *c, void *key, const gmtls_cg_spec *spec);

#endif
