/* The certificate factory (certgen.h): X.509 structure and extensions
 * through libcrypto, SM2 signatures in either style through the
 * certificate seam (src/crypto/x509.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certgen/certgen.h"
#include "crypto/x509.h"
#include "handshake/internal.h"

static void set_err(char *err, size_t errlen, const char *what)
{
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "%s", what);
    }
    ERR_clear_error();
}

void *gmtls_cg_keygen(const char *alg)
{
    if (strcasecmp(alg, "SM2") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    }
    if (strcasecmp(alg, "P-256") == 0 || strcasecmp(alg, "P256") == 0 || strcasecmp(alg, "ecdsa") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    }
    if (strcasecmp(alg, "P-384") == 0 || strcasecmp(alg, "P384") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    }
    if (strcasecmp(alg, "P-521") == 0 || strcasecmp(alg, "P521") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
    }
    if (strcasecmp(alg, "RSA") == 0 || strcasecmp(alg, "RSA-2048") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    }
    if (strcasecmp(alg, "RSA-3072") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
    }
    if (strcasecmp(alg, "RSA-4096") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
    }
    if (strcasecmp(alg, "RSA-PSS") == 0) {
        EVP_PKEY *k = NULL;
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
        if (c == NULL || EVP_PKEY_keygen_init(c) <= 0 || EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048) <= 0 ||
            EVP_PKEY_keygen(c, &k) <= 0) {
            k = NULL;
        }
        EVP_PKEY_CTX_free(c);
        return k;
    }
    if (strcasecmp(alg, "ED25519") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    }
    if (strcasecmp(alg, "ED448") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
    }
    return NULL;
}

void gmtls_cg_key_free(void *key)
{
    EVP_PKEY_free(key);
}

void gmtls_cg_cert_free(void *cert)
{
    X509_free(cert);
}

static int is_sm2(EVP_PKEY *k)
{
    char group[32] = "";
    if (EVP_PKEY_is_a(k, "SM2")) {
        return 1;
    }
    return EVP_PKEY_is_a(k, "EC") &&
           EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) &&
           strcmp(group, "SM2") == 0;
}

int gmtls_cg_cert_is_go_style(void *cert)
{
    return gmtls_x509_go_style_key(cert);
}

/* "CN=a,O=b" or "/O=b/CN=a" -> X509_NAME (values UTF-8; no escapes). */
static X509_NAME *parse_name(const char *s)
{
    X509_NAME *n = X509_NAME_new();
    char buf[1024];
    char sep = ',';
    if (n == NULL || s == NULL || strlen(s) >= sizeof buf) {
        X509_NAME_free(n);
        return NULL;
    }
    if (*s == '/') {
        sep = '/';
        s++;
    }
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL, sepstr[2] = {sep, 0};
    int count = 0;
    for (char *tok = strtok_r(buf, sepstr, &save); tok != NULL; tok = strtok_r(NULL, sepstr, &save)) {
        while (*tok == ' ') {
            tok++;
        }
        char *eq = strchr(tok, '=');
        if (eq == NULL || eq == tok || eq[1] == '\0') {
            X509_NAME_free(n);
            return NULL;
        }
        *eq = '\0';
        if (!X509_NAME_add_entry_by_txt(n, tok, MBSTRING_UTF8, (const unsigned char *)eq + 1, -1, -1, 0)) {
            X509_NAME_free(n);
            return NULL;
        }
        count++;
    }
    if (count == 0) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (e == NULL) {
        return -1;
    }
    int ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

/* The Go gmtls family's key encoding: AlgorithmIdentifier {sm2, sm2}. */
static int go_style_spki(X509 *x, EVP_PKEY *key)
{
    uint8_t *pt = NULL;
    size_t n = EVP_PKEY_get1_encoded_public_key(key, &pt);
    X509_PUBKEY *pub = X509_get_X509_PUBKEY(x);
    if (n == 0 || pub == NULL ||
        !X509_PUBKEY_set0_param(pub, OBJ_nid2obj(NID_sm2), V_ASN1_OBJECT, OBJ_nid2obj(NID_sm2), pt, (int)n)) {
        OPENSSL_free(pt);
        return -1;
    }
    return 0; /* pt is owned by pub now */
}

/* DER tag + length of len content bytes; returns the header size (<= 5). */
static size_t der_header(uint8_t *p, uint8_t tag, size_t len)
{
    size_t n = 0;
    p[n++] = tag;
    if (len < 0x80) {
        p[n++] = (uint8_t)len;
    } else if (len < 0x100) {
        p[n++] = 0x81;
        p[n++] = (uint8_t)len;
    } else if (len < 0x10000) {
        p[n++] = 0x82;
        p[n++] = (uint8_t)(len >> 8);
        p[n++] = (uint8_t)len;
    } else {
        p[n++] = 0x83;
        p[n++] = (uint8_t)(len >> 16);
        p[n++] = (uint8_t)(len >> 8);
        p[n++] = (uint8_t)len;
    }
    return n;
}

/* Replaces x's signature by our SM2 signature in the given style (RFC 5280
 * §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
 * signatureValue BIT STRING }); x was signed by libcrypto first, which set
 * both AlgorithmIdentifiers. Returns the new certificate (x is freed). */
static X509 *sm2_resign(X509 *x, EVP_PKEY *issuer_key, gmtls_cg_style style)
{
    uint8_t *tbs = NULL, *alg = NULL, *der = NULL, sig[GMTLS_MAX_SIG_LEN];
    size_t siglen = 0;
    X509 *out = NULL;
    gmtls_pkey pk;
    memset(&pk, 0, sizeof pk);
    const X509_ALGOR *palg = NULL;
    X509_get0_signature(NULL, &palg, x);
    int tbslen = i2d_re_X509_tbs(x, &tbs);
    int alglen = palg != NULL ? i2d_X509_ALGOR(palg, &alg) : 0;
    if (tbslen <= 0 || alglen <= 0 || !EVP_PKEY_up_ref(issuer_key)) {
        goto done;
    }
    if (gmtls_pkey_from_evp(&pk, issuer_key, 1) != 0 || pk.type != GMTLS_KEY_SM2 ||
        gmtls_x509_sm2_sign(&pk, style == GMTLS_CG_STYLE_GO ? GMTLS_X509_SM2_GO : GMTLS_X509_SM2_RFC, tbs,
                            (size_t)tbslen, sig, &siglen) != 0) {
        goto done;
    }
    uint8_t bh[6];
    size_t bhl = der_header(bh, 0x03, siglen + 1);
    size_t body = (size_t)tbslen + (size_t)alglen + bhl + 1 + siglen;
    der = malloc(body + 6);
    if (der == NULL) {
        goto done;
    }
    size_t n = der_header(der, 0x30, body);
    memcpy(der + n, tbs, (size_t)tbslen);
    n += (size_t)tbslen;
    memcpy(der + n, alg, (size_t)alglen);
    n += (size_t)alglen;
    memcpy(der + n, bh, bhl);
    n += bhl;
    der[n++] = 0; /* no unused bits */
    memcpy(der + n, sig, siglen);
    n += siglen;
    const uint8_t *p = der;
    out = d2i_X509(NULL, &p, (long)n);
done:
    if (pk.evp != NULL) {
        gmtls_pkey_dispose(&pk);
    }
    OPENSSL_free(tbs);
    OPENSSL_free(alg);
    free(der);
    X509_free(x);
    return out;
}

static int sign_cert(X509 *x, EVP_PKEY *key, const gmtls_cg_spec *spec)
{
    const char *md = "SHA256";
    if (is_sm2(key)) {
        md = "SM3";
    } else if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448")) {
        md = NULL;
    } else if (EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) == 384) {
        md = "SHA384";
    } else if (EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) == 521) {
        md = "SHA512";
    }
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = m != NULL && EVP_DigestSignInit_ex(m, &pctx, md, NULL, NULL, key, NULL) > 0;
    if (ok && is_sm2(key) && (spec->sm2_id == NULL || spec->sm2_id[0] != '\0')) {
        const char *id = spec->sm2_id != NULL ? spec->sm2_id : GMTLS_SM2_DEFAULT_ID;
        ok = EVP_PKEY_CTX_set1_id(pctx, id, strlen(id)) > 0;
    }
    if (ok && EVP_PKEY_is_a(key, "RSA-PSS")) {
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0;
    }
    ok = ok && X509_sign_ctx(x, m) > 0;
    EVP_MD_CTX_free(m);
    return ok ? 0 : -1;
}

static X509 *issue(const gmtls_cg_spec *spec, EVP_PKEY *key, X509_NAME *subject, X509 *issuer, EVP_PKEY *issuer_key,
                   char *err, size_t errlen)
{
    X509 *x = X509_new();
    uint8_t serial[16];
    BIGNUM *bn = NULL;
    EVP_PKEY *signer = issuer_key != NULL ? issuer_key : key;
    const char *what = "out of memory";
    if (x == NULL || RAND_bytes(serial, sizeof serial) != 1) {
        goto fail;
    }
    /* RFC 5280 §4.1.2.2: a positive integer of at most 20 octets. */
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);
    bn = BN_bin2bn(serial, sizeof serial, NULL);
    long days = spec->days > 0 ? spec->days : 365;
    long back = spec->backdate > 0 ? spec->backdate : 3600;
    if (bn == NULL || !X509_set_version(x, 2) || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
        X509_gmtime_adj(X509_getm_notBefore(x), -back) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), days * 86400) == NULL || !X509_set_subject_name(x, subject) ||
        !X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : subject) ||
        !X509_set_pubkey(x, key)) {
        goto fail;
    }
    if (spec->style == GMTLS_CG_STYLE_GO && is_sm2(key) && go_style_spki(x, key) != 0) {
        what = "cannot encode the SM2 key in the go-gmtls style";
        goto fail;
    }
    X509 *iss = issuer != NULL ? issuer : x;
    what = "bad extension value";
    if (add_ext(x, iss, NID_subject_key_identifier, "hash") != 0 ||
        (issuer != NULL && add_ext(x, iss, NID_authority_key_identifier, "keyid:always") != 0)) {
        goto fail;
    }
    if (spec->is_ca) {
        char bc[64] = "critical,CA:TRUE";
        if (spec->has_pathlen) {
            snprintf(bc, sizeof bc, "critical,CA:TRUE,pathlen:%d", spec->pathlen);
        }
        if (add_ext(x, iss, NID_basic_constraints, bc) != 0 ||
            add_ext(x, iss, NID_key_usage, spec->key_usage ? spec->key_usage : "critical,keyCertSign,cRLSign") != 0 ||
            (spec->eku != NULL && add_ext(x, iss, NID_ext_key_usage, spec->eku) != 0)) {
            goto fail;
        }
    } else {
        /* No basicConstraints on a leaf (RFC 5280 §4.2.1.9 lets an end
         * entity omit it): GmSSL rejects the empty SEQUENCE that CA:FALSE
         * encodes to. */
        if (add_ext(x, iss, NID_key_usage, spec->key_usage ? spec->key_usage : "critical,digitalSignature") != 0 ||
            add_ext(x, iss, NID_ext_key_usage, spec->eku ? spec->eku : "serverAuth,clientAuth") != 0) {
            goto fail;
        }
    }
    if (spec->san != NULL && spec->san[0] != '\0' && add_ext(x, iss, NID_subject_alt_name, spec->san) != 0) {
        what = "bad subjectAltName (DNS:name,IP:address)";
        goto fail;
    }
    what = "signing failed";
    if (sign_cert(x, signer, spec) != 0) {
        goto fail;
    }
    /* SM2 signatures are ours: the Go style always, the RFC style with the
     * default ID (another ID, e.g. the empty one of the tests, stays
     * libcrypto's). */
    if (is_sm2(signer) &&
        (spec->style == GMTLS_CG_STYLE_GO || spec->sm2_id == NULL || strcmp(spec->sm2_id, GMTLS_SM2_DEFAULT_ID) == 0)) {
        x = sm2_resign(x, signer, spec->style);
        if (x == NULL) {
            goto fail;
        }
    }
    BN_free(bn);
    ERR_clear_error();
    return x;
fail:
    set_err(err, errlen, what);
    BN_free(bn);
    X509_free(x);
    return NULL;
}

void *gmtls_cg_issue(const gmtls_cg_spec *spec, void *key, void *issuer, void *issuer_key, char *err, size_t errlen)
{
    X509_NAME *name = parse_name(spec->subject);
    if (name == NULL) {
        set_err(err, errlen, "bad subject (expected e.g. \"CN=name,O=org\")");
        return NULL;
    }
    X509 *x = issue(spec, key, name, issuer, issuer_key, err, errlen);
    X509_NAME_free(name);
    return x;
}

void *gmtls_cg_issue_csr(const gmtls_cg_spec *spec, const char *csr_pem, size_t len, void *issuer, void *issuer_key,
                         char *err, size_t errlen)
{
    BIO *b = BIO_new_mem_buf(csr_pem, (int)len);
    X509_REQ *req = b != NULL ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    X509 *x = NULL;
    if (req == NULL) {
        set_err(err, errlen, "no PEM certificate request found");
        return NULL;
    }
    EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
    int ok = 0;
    if (pub != NULL && is_sm2(pub)) {
        /* RFC 2986 §4.2: the request is signed by its own key; SM2 in either style. */
        uint8_t *der = NULL;
        int n = i2d_X509_REQ(req, &der);
        gmtls_pkey pk;
        memset(&pk, 0, sizeof pk);
        ok = n > 0 && EVP_PKEY_up_ref(pub) && gmtls_pkey_from_evp(&pk, pub, 0) == 0 &&
             gmtls_x509_sm2_signed_by(der, (size_t)n, &pk.sm2pub) != 0;
        if (pk.evp != NULL) {
            gmtls_pkey_dispose(&pk);
        }
        OPENSSL_free(der);
    }
    if (!ok && pub != NULL) {
        /* Anything else, SM2 with the empty ID (OpenSSL 3.0's default) too. */
        ok = X509_REQ_verify(req, pub) > 0;
    }
    if (!ok) {
        set_err(err, errlen, "the certificate request's signature does not verify");
    } else {
        X509_NAME *name =
            spec->subject != NULL ? parse_name(spec->subject) : X509_NAME_dup(X509_REQ_get_subject_name(req));
        if (name == NULL) {
            set_err(err, errlen, "bad subject (expected e.g. \"CN=name,O=org\")");
        } else {
            x = issue(spec, pub, name, issuer, issuer_key, err, errlen);
        }
        X509_NAME_free(name);
    }
    X509_REQ_free(req);
    return x;
}

static char *bio_str(BIO *b, int ok)
{
    char *p = NULL, *s = NULL;
    long n = b != NULL ? BIO_get_mem_data(b, &p) : 0;
    if (ok && n > 0 && (s = malloc((size_t)n + 1)) != NULL) {
        memcpy(s, p, (size_t)n);
        s[n] = '\0';
    }
    BIO_free(b);
    return s;
}

char *gmtls_cg_cert_pem(void *cert)
{
    BIO *b = BIO_new(BIO_s_mem());
    return bio_str(b, b != NULL && PEM_write_bio_X509(b, cert));
}

char *gmtls_cg_key_pem(void *key)
{
    BIO *b = BIO_new(BIO_s_mem());
    return bio_str(b, b != NULL && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL));
}

void *gmtls_cg_read_cert(const char *pem, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    return x;
}

void *gmtls_cg_read_key(const char *pem, size_t len, const char *pass)
{
    /* keyfile.c's reader (GmSSL's encrypted keys too), never a prompt. */
    gmtls_pass_src none = {pass, NULL, NULL};
    void *evp = NULL;
    char why[160];
    if (gmtls_key_from_pem(&none, pem, len, &evp, why, sizeof why) != 0) {
        ERR_clear_error();
        return NULL;
    }
    return evp;
}

int gmtls_cg_print(void *cert, FILE *out)
{
    int ok = X509_print_ex_fp(out, cert, XN_FLAG_ONELINE, 0) == 1;
    if (ok && X509_get_signature_nid(cert) == NID_SM2_with_SM3) {
        fprintf(out, "    SM2 key encoding: %s\n",
                gmtls_x509_go_style_key(cert) ? "go-gmtls (SM2 OID 1.2.156.10197.1.301)"
                                              : "rfc (id-ecPublicKey, SM2 curve)");
    }
    ERR_clear_error();
    return ok ? 0 : -1;
}

#define CHAIN_LEAF_SAN "DNS:localhost,IP:127.0.0.1,IP:::1"

int gmtls_cg_make_chain(const char *alg, const char *org, const char *cn, gmtls_cg_style style, const char *sm2_id,
                        gmtls_cg_chain *out)
{
    char subj[512], ca_subj[512];
    memset(out, 0, sizeof(*out));
    snprintf(subj, sizeof subj, "O=%s,CN=%s", org, cn);
    snprintf(ca_subj, sizeof ca_subj, "O=%s,CN=%s CA (%s%s)", org, org, alg,
             style == GMTLS_CG_STYLE_GO ? " go-gmtls" : "");
    EVP_PKEY *cakey = gmtls_cg_keygen(alg), *key = gmtls_cg_keygen(alg);
    gmtls_cg_spec ca_spec = {
        .subject = ca_subj, .is_ca = 1, .has_pathlen = 1, .days = 3650, .style = style, .sm2_id = sm2_id};
    gmtls_cg_spec leaf_spec = {.subject = subj, .san = CHAIN_LEAF_SAN, .days = 825, .style = style, .sm2_id = sm2_id};
    X509 *ca = NULL, *leaf = NULL;
    int rc = -1;
    if (cakey != NULL && key != NULL && (ca = gmtls_cg_issue(&ca_spec, cakey, NULL, NULL, NULL, 0)) != NULL &&
        (leaf = gmtls_cg_issue(&leaf_spec, key, ca, cakey, NULL, 0)) != NULL) {
        out->ca_pem = gmtls_cg_cert_pem(ca);
        out->leaf_pem = gmtls_cg_cert_pem(leaf);
        out->key_pem = gmtls_cg_key_pem(key);
        out->ca_key_pem = gmtls_cg_key_pem(cakey);
        rc = out->ca_pem && out->leaf_pem && out->key_pem && out->ca_key_pem ? 0 : -1;
    }
    if (rc != 0) {
        gmtls_cg_chain_free(out);
    }
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(cakey);
    EVP_PKEY_free(key);
    return rc;
}

void *gmtls_cg_make_enc_cert(const gmtls_cg_chain *c, void *key, const gmtls_cg_spec *spec)
{
    X509 *ca = gmtls_cg_read_cert(c->ca_pem, strlen(c->ca_pem));
    X509 *leaf = gmtls_cg_read_cert(c->leaf_pem, strlen(c->leaf_pem));
    EVP_PKEY *cakey = gmtls_cg_read_key(c->ca_key_pem, strlen(c->ca_key_pem), NULL);
    gmtls_cg_spec e = {0};
    if (spec != NULL) {
        e = *spec;
    }
    /* GB/T 38636-2020 §6.4.5.3 and GmSSL's entity match: the signing
     * certificate's subject (its very encoding), subjectAltName and CA. */
    X509_NAME *name = e.subject != NULL ? parse_name(e.subject) : NULL;
    e.san = e.san != NULL ? e.san : CHAIN_LEAF_SAN;
    e.key_usage = e.key_usage != NULL ? e.key_usage : "critical,keyEncipherment,dataEncipherment,keyAgreement";
    e.days = e.days != 0 ? e.days : 825;
    e.is_ca = 0;
    X509 *x = NULL;
    if (ca != NULL && leaf != NULL && cakey != NULL && key != NULL && (e.subject == NULL || name != NULL)) {
        /* the chain's style (the Go style's key encoding and signature) */
        if (gmtls_x509_go_style_key((gmtls_x509 *)(void *)leaf)) {
            e.style = GMTLS_CG_STYLE_GO;
        }
        x = issue(&e, key, name != NULL ? name : X509_get_subject_name(leaf), ca, cakey, NULL, 0);
    }
    X509_NAME_free(name);
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(cakey);
    return x;
}

void gmtls_cg_chain_free(gmtls_cg_chain *c)
{
    free(c->ca_pem);
    free(c->leaf_pem);
    if (c->key_pem != NULL) {
        gmtls_wipe(c->key_pem, strlen(c->key_pem));
    }
    free(c->key_pem);
    if (c->ca_key_pem != NULL) {
        gmtls_wipe(c->ca_key_pem, strlen(c->ca_key_pem));
    }
    free(c->ca_key_pem);
    memset(c, 0, sizeof(*c));
}
