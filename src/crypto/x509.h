/* src/crypto/x509.h - the certificate seam. The engine parses, checks and
 * verifies X.509 only through this interface (as picotls's
 * verify_certificate or BearSSL's X.509 engine classes); x509.c backs it with
 * libcrypto and adds what libcrypto lacks: the Go gmtls family's SM2
 * certificate signatures (SM2, default ID, over SM3(TBS)). */
#ifndef GMTLS_X509_H
#define GMTLS_X509_H

#include "crypto/crypto.h"

/* A parsed certificate (libcrypto's X509 behind it). */
typedef struct gmtls_x509 gmtls_x509;

/* DER -> certificate; NULL if it does not parse or has trailing bytes. */
gmtls_x509 *gmtls_x509_parse(const uint8_t *der, size_t len);
void gmtls_x509_free(gmtls_x509 *x);
/* Subject as an RFC 2253 string (empty on failure). */
void gmtls_x509_subject(const gmtls_x509 *x, char *out, size_t outlen);
/* RFC 8446 §4.4.2.2: 0 if a keyUsage extension is present without digitalSignature. */
int gmtls_x509_allows_signing(const gmtls_x509 *x);
/* A TLCP encryption certificate's keyUsage (RFC 5280 §4.2.1.3), checked as
 * GmSSL does: 1 if the extension is absent, or asserts keyEncipherment (or,
 * when agreement is set, keyAgreement) and neither keyCertSign nor cRLSign. */
int gmtls_x509_allows_encipherment(const gmtls_x509 *x, int agreement);
/* 1 if a TLCP signing and encryption certificate name one entity, compared
 * byte for byte as GmSSL's x509_tlcp_cert_pair_entity_match does: subject,
 * issuer, subjectAltName (presence, criticality, value), the public key
 * algorithm and parameters, and the signature algorithm. */
int gmtls_x509_same_entity(const gmtls_x509 *sign, const gmtls_x509 *enc);
/* The subject public key as a gmtls_pkey (GMTLS_ERR_CRYPTO: unsupported). */
GMTLS_MUST_CHECK int gmtls_x509_pubkey(const gmtls_x509 *x, gmtls_pkey *key);
/* 1 if the leaf matches a DNS name (RFC 6125, no partial wildcards) or an IP literal. */
int gmtls_x509_matches_name(const gmtls_x509 *x, const char *name, size_t len);
/* The TLS scheme the certificate is signed with (0x0708 for any SM2
 * signature), for signature_algorithms_cert; 0 if unknown. */
uint16_t gmtls_x509_signed_with(const gmtls_x509 *x);
/* 1 for the Go gmtls family's SM2 key encoding: SubjectPublicKeyInfo
 * algorithm OID 1.2.156.10197.1.301 (sm2) instead of id-ecPublicKey. */
int gmtls_x509_go_style_key(const gmtls_x509 *x);
/* 1 if the private key (an EVP_PKEY) belongs to the certificate. */
int gmtls_x509_key_matches(const gmtls_x509 *x, void *evp);
/* Reads up to max PEM certificates from pem[0..len) as DER (malloc'd, the
 * caller frees); *leaf is the first one parsed. 0 certificates -> GMTLS_ERR_FILE. */
GMTLS_MUST_CHECK int gmtls_x509_pem_chain(const char *pem, size_t len, uint8_t **der, size_t *derlen, size_t max,
                                          size_t *n, gmtls_x509 **leaf);

/* ------------------------------------------------------------ verification */

/* What a chain is checked for. */
typedef struct {
    const char *host;    /* DNS name or IP literal the leaf must match, or NULL */
    int client_purpose;  /* the leaf authenticates a client (else a server) */
    int64_t at;          /* verification time in seconds; 0: now */
    int sm2_double_hash; /* accept Go-style SM2 signatures: default ID over SM3(TBS) */
    int enc_leaf;        /* the leaf is a TLCP encryption certificate: its keyUsage is the caller's
                            check (gmtls_x509_allows_encipherment), the purpose checks its extendedKeyUsage */
} gmtls_chain_policy;

/* A certificate verifier: decides whether the peer's chain (DER, leaf first)
 * is trusted under a policy. Returns 0, or the alert to send (why holds the
 * reason, e.g. libcrypto's "certificate signature failure"). */
typedef struct gmtls_cert_verifier gmtls_cert_verifier;
struct gmtls_cert_verifier {
    GMTLS_MUST_CHECK int (*verify_chain)(const gmtls_cert_verifier *self, uint8_t *const *der, const size_t *derlen,
                                         size_t n, const gmtls_chain_policy *policy, char *why, size_t whylen);
    void (*free)(gmtls_cert_verifier *self);
};

/* The trust-store verifier: path building, validity, purpose and names by
 * libcrypto's X509_verify_cert; SM2 signatures with the default ID, then the
 * empty ID (OpenSSL 3.0 signs with that by default), and Go-style ones when
 * the policy allows. */
gmtls_cert_verifier *gmtls_trust_store_new(void);
/* Anchors from PEM data / a file / a hashed directory (the store's own
 * verifier only). add_pem returns the number added; each subject's DER is
 * also appended to names (2-byte length + DistinguishedName, as in
 * certificate_authorities) when names != NULL. */
int gmtls_trust_store_add_pem(gmtls_cert_verifier *v, const char *pem, size_t len, int add, uint8_t **names,
                              size_t *names_len);
GMTLS_MUST_CHECK int gmtls_trust_store_load_file(gmtls_cert_verifier *v, const char *file);
GMTLS_MUST_CHECK int gmtls_trust_store_load_dir(gmtls_cert_verifier *v, const char *dir);

/* ------------------------------------------------------------ signing */

/* How an SM2 certificate signature is computed. */
typedef enum {
    GMTLS_X509_SM2_RFC = 0, /* GB/T 32918 / RFC 8998: default ID over the TBS */
    GMTLS_X509_SM2_GO,      /* the Go gmtls family: default ID over SM3(TBS) */
} gmtls_x509_sm2_style;

/* 0 if sig (DER r,s) is an SM2 signature by pub over tbs in the given style. */
int gmtls_x509_sm2_check(const gmtls_sm2_pubkey *pub, gmtls_x509_sm2_style style, const uint8_t *tbs, size_t tbslen,
                         const uint8_t *sig, size_t siglen);
/* Which style an SM2-signed DER structure (a certificate, or a CSR: SEQUENCE
 * { to-be-signed, algorithm, BIT STRING }) is signed in by pub: 1 RFC,
 * 2 Go, 0 neither (or not such a structure). */
int gmtls_x509_sm2_signed_by(const uint8_t *der, size_t len, const gmtls_sm2_pubkey *pub);
/* Signs tbs with an SM2 private key in the given style (DER r,s into sig). */
GMTLS_MUST_CHECK int gmtls_x509_sm2_sign(const gmtls_pkey *key, gmtls_x509_sm2_style style, const uint8_t *tbs,
                                         size_t tbslen, uint8_t *sig, size_t *siglen);

#endif
