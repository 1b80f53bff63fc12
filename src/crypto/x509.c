/* The certificate seam (x509.h) over libcrypto: parsing, the checks the
 * handshake makes on a leaf, the trust-store verifier, and SM2 certificate
 * signatures in both styles. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/x509.h"

/* A gmtls_x509 * is an X509 * (the struct is never defined). */
#define X(p) ((X509 *)(void *)(p))

gmtls_x509 *gmtls_x509_parse(const uint8_t *der, size_t len)
{
    const uint8_t *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (x == NULL || p != der + len) {
        X509_free(x);
        ERR_clear_error();
        return NULL;
    }
    return (gmtls_x509 *)(void *)x;
}

void gmtls_x509_free(gmtls_x509 *x)
{
    X509_free(X(x));
}

void gmtls_x509_subject(const gmtls_x509 *x, char *out, size_t outlen)
{
    BIO *b = BIO_new(BIO_s_mem());
    out[0] = '\0';
    if (b == NULL || outlen < 2) {
        BIO_free(b);
        return;
    }
    X509_NAME_print_ex(b, X509_get_subject_name(X(x)), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    int n = BIO_read(b, out, (int)outlen - 1);
    out[n > 0 ? n : 0] = '\0';
    BIO_free(b);
}

int gmtls_x509_allows_signing(const gmtls_x509 *x)
{
    return !(X509_get_extension_flags(X(x)) & EXFLAG_KUSAGE) || (X509_get_key_usage(X(x)) & KU_DIGITAL_SIGNATURE);
}

int gmtls_x509_allows_encipherment(const gmtls_x509 *x, int agreement)
{
    if (!(X509_get_extension_flags(X(x)) & EXFLAG_KUSAGE)) {
        return 1;
    }
    uint32_t ku = X509_get_key_usage(X(x));
    /* RFC 5280 §4.2.1.3: keyEncipherment "for key transport", keyAgreement
     * "for key agreement"; GmSSL (x509_key_usage_check) refuses certificate
     * and CRL signing in an encryption certificate. */
    uint32_t need = KU_KEY_ENCIPHERMENT | (agreement ? KU_KEY_AGREEMENT : 0);
    return (ku & need) != 0 && (ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) == 0;
}

static int name_der_equal(const X509_NAME *a, const X509_NAME *b)
{
    const unsigned char *pa = NULL, *pb = NULL;
    size_t la = 0, lb = 0;
    return X509_NAME_get0_der(a, &pa, &la) == 1 && X509_NAME_get0_der(b, &pb, &lb) == 1 && la == lb &&
           memcmp(pa, pb, la) == 0;
}

int gmtls_x509_same_entity(const gmtls_x509 *sign, const gmtls_x509 *enc)
{
    X509 *a = X(sign), *b = X(enc);
    int ia = X509_get_ext_by_NID(a, NID_subject_alt_name, -1), ib = X509_get_ext_by_NID(b, NID_subject_alt_name, -1);
    if (!name_der_equal(X509_get_subject_name(a), X509_get_subject_name(b)) ||
        !name_der_equal(X509_get_issuer_name(a), X509_get_issuer_name(b)) || (ia < 0) != (ib < 0) ||
        X509_get_signature_nid(a) != X509_get_signature_nid(b)) {
        return 0;
    }
    /* the same public key algorithm and parameters (GmSSL: algor, algor_param) */
    X509_ALGOR *ka = NULL, *kb = NULL;
    if (X509_PUBKEY_get0_param(NULL, NULL, NULL, &ka, X509_get_X509_PUBKEY(a)) != 1 ||
        X509_PUBKEY_get0_param(NULL, NULL, NULL, &kb, X509_get_X509_PUBKEY(b)) != 1 || X509_ALGOR_cmp(ka, kb) != 0) {
        return 0;
    }
    if (ia < 0) {
        return 1;
    }
    X509_EXTENSION *ea = X509_get_ext(a, ia), *eb = X509_get_ext(b, ib);
    return X509_EXTENSION_get_critical(ea) == X509_EXTENSION_get_critical(eb) &&
           ASN1_STRING_cmp(X509_EXTENSION_get_data(ea), X509_EXTENSION_get_data(eb)) == 0;
}

int gmtls_x509_pubkey(const gmtls_x509 *x, gmtls_pkey *key)
{
    EVP_PKEY *pk = X509_get_pubkey(X(x));
    memset(key, 0, sizeof(*key));
    if (pk == NULL) {
        ERR_clear_error();
        return GMTLS_ERR_CRYPTO;
    }
    if (gmtls_pkey_from_evp(key, pk, 0) != 0) {
        if (key->evp == NULL) {
            EVP_PKEY_free(pk);
        }
        gmtls_pkey_dispose(key);
        return GMTLS_ERR_CRYPTO;
    }
    return 0;
}

int gmtls_x509_matches_name(const gmtls_x509 *x, const char *name, size_t len)
{
    return X509_check_host(X(x), name, len, 0, NULL) == 1 || X509_check_ip_asc(X(x), name, 0) == 1;
}

uint16_t gmtls_x509_signed_with(const gmtls_x509 *x)
{
    int mdnid = 0, pknid = 0;
    if (!X509_get_signature_info(X(x), &mdnid, &pknid, NULL, NULL)) {
        return 0;
    }
    if (pknid == NID_sm2 || X509_get_signature_nid(X(x)) == NID_SM2_with_SM3) {
        return 0x0708;
    }
    if (pknid == NID_ED25519) {
        return 0x0807;
    }
    if (pknid == NID_ED448) {
        return 0x0808;
    }
    int base = mdnid == NID_sha256 ? 0 : mdnid == NID_sha384 ? 1 : mdnid == NID_sha512 ? 2 : -1;
    if (base < 0) {
        return 0;
    }
    if (pknid == NID_X9_62_id_ecPublicKey) {
        return (uint16_t)(0x0403 + 0x100 * base);
    }
    if (pknid == NID_rsaEncryption) {
        return (uint16_t)(0x0401 + 0x100 * base);
    }
    if (pknid == NID_rsassaPss) {
        return (uint16_t)(0x0804 + base);
    }
    return 0;
}

int gmtls_x509_go_style_key(const gmtls_x509 *x)
{
    ASN1_OBJECT *alg = NULL;
    X509_PUBKEY *pub = X509_get_X509_PUBKEY(X(x));
    return pub != NULL && X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, pub) == 1 && OBJ_obj2nid(alg) == NID_sm2;
}

int gmtls_x509_key_matches(const gmtls_x509 *x, void *evp)
{
    int ok = X509_check_private_key(X(x), evp) == 1;
    ERR_clear_error();
    return ok;
}

int gmtls_x509_pem_chain(const char *pem, size_t len, uint8_t **der, size_t *derlen, size_t max, size_t *n,
                         gmtls_x509 **leaf)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x;
    *n = 0;
    *leaf = NULL;
    if (b == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    while (*n < max && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        der[*n] = NULL;
        int len1 = i2d_X509(x, &der[*n]);
        if (len1 <= 0) {
            X509_free(x);
            break;
        }
        derlen[(*n)++] = (size_t)len1;
        if (*leaf == NULL) {
            *leaf = (gmtls_x509 *)(void *)x;
        } else {
            X509_free(x);
        }
    }
    BIO_free(b);
    ERR_clear_error();
    return *n > 0 ? 0 : GMTLS_ERR_FILE;
}

/* ------------------------------------------------------------ SM2 signatures */

int gmtls_x509_sm2_check(const gmtls_sm2_pubkey *pub, gmtls_x509_sm2_style style, const uint8_t *tbs, size_t tbslen,
                         const uint8_t *sig, size_t siglen)
{
    const uint8_t *id = (const uint8_t *)GMTLS_SM2_DEFAULT_ID;
    if (style == GMTLS_X509_SM2_GO) {
        /* The Go gmtls family: e = SM3(Z || SM3(TBS)). */
        uint8_t h[32];
        gmtls_sm3(tbs, tbslen, h);
        return gmtls_sm2_verify(pub, id, GMTLS_SM2_DEFAULT_ID_LEN, h, sizeof h, sig, siglen) == 0 ? 0 : -1;
    }
    /* GB/T 32918.2 §6.1 with the GB/T 35276 default ID: e = SM3(Z || TBS). */
    return gmtls_sm2_verify(pub, id, GMTLS_SM2_DEFAULT_ID_LEN, tbs, tbslen, sig, siglen) == 0 ? 0 : -1;
}

int gmtls_x509_sm2_sign(const gmtls_pkey *key, gmtls_x509_sm2_style style, const uint8_t *tbs, size_t tbslen,
                        uint8_t *sig, size_t *siglen)
{
    /* 0x0204 is exactly the Go style (default ID over SM3(message)); 0x0708
     * with the default ID is the standard one. */
    const gmtls_sigalg *alg = gmtls_sigalg_by_id(style == GMTLS_X509_SM2_GO ? 0x0204 : 0x0708);
    return gmtls_sign(key, alg, tbs, tbslen, (const uint8_t *)GMTLS_SM2_DEFAULT_ID, GMTLS_SM2_DEFAULT_ID_LEN, sig,
                      siglen);
}

/* One DER element with tag `tag` (X.690 §8.1: definite lengths only, as DER
 * requires): *el and *ellen cover the whole TLV, *body its contents. */
static int der_element(gmtls_rd *r, uint8_t tag, const uint8_t **el, size_t *ellen, gmtls_rd *body)
{
    const uint8_t *start = r->p;
    if (gmtls_rd_u8(r) != tag) {
        return gmtls_rd_fail(r);
    }
    size_t len = gmtls_rd_u8(r);
    if (len & 0x80) {
        size_t nb = len & 0x7f;
        /* X.690 §10.1: the definite form with the fewest octets. */
        if (nb == 0 || nb > 3) {
            return gmtls_rd_fail(r);
        }
        len = (size_t)gmtls_rd_uint(r, nb);
        if (len < 0x80 || len >> (8 * (nb - 1)) == 0) {
            return gmtls_rd_fail(r);
        }
    }
    const uint8_t *p = gmtls_rd_bytes(r, len);
    if (p == NULL) {
        return r->err;
    }
    gmtls_rd_init(body, p, len);
    *el = start;
    *ellen = (size_t)(p + len - start);
    return 0;
}

/* RFC 5280 §4.1 / RFC 2986 §4: SEQUENCE { to-be-signed, AlgorithmIdentifier,
 * BIT STRING signature }: the to-be-signed TLV and the signature bytes. */
static int split_signed(const uint8_t *der, size_t len, const uint8_t **tbs, size_t *tbslen, const uint8_t **sig,
                        size_t *siglen)
{
    gmtls_rd r, outer, body, alg, bits;
    const uint8_t *el;
    size_t ellen;
    gmtls_rd_init(&r, der, len);
    if (der_element(&r, 0x30, &el, &ellen, &outer) != 0 || gmtls_rd_done(&r) != 0 ||
        der_element(&outer, 0x30, tbs, tbslen, &body) != 0 || der_element(&outer, 0x30, &el, &ellen, &alg) != 0 ||
        der_element(&outer, 0x03, &el, &ellen, &bits) != 0 || gmtls_rd_done(&outer) != 0 || gmtls_rd_u8(&bits) != 0 ||
        gmtls_rd_left(&bits) == 0) {
        return -1;
    }
    *sig = bits.p;
    *siglen = gmtls_rd_left(&bits);
    return 0;
}

int gmtls_x509_sm2_signed_by(const uint8_t *der, size_t len, const gmtls_sm2_pubkey *pub)
{
    const uint8_t *tbs, *sig;
    size_t tbslen, siglen;
    if (split_signed(der, len, &tbs, &tbslen, &sig, &siglen) != 0) {
        return 0;
    }
    if (gmtls_x509_sm2_check(pub, GMTLS_X509_SM2_RFC, tbs, tbslen, sig, siglen) == 0) {
        return 1;
    }
    return gmtls_x509_sm2_check(pub, GMTLS_X509_SM2_GO, tbs, tbslen, sig, siglen) == 0 ? 2 : 0;
}

/* Checks x's signature under issuer's key in the Go style. */
static int go_style_signed(X509 *x, X509 *issuer)
{
    if (X509_get_signature_nid(x) != NID_SM2_with_SM3) {
        return 0;
    }
    EVP_PKEY *ik = X509_get0_pubkey(issuer);
    gmtls_pkey pk;
    if (ik == NULL || !EVP_PKEY_up_ref(ik)) {
        return 0;
    }
    if (gmtls_pkey_from_evp(&pk, ik, 0) != 0 || pk.type != GMTLS_KEY_SM2) {
        gmtls_pkey_dispose(&pk);
        return 0;
    }
    /* The bytes as received: i2d_X509 returns the cached encoding of a
     * parsed certificate (i2d_re_X509_tbs would re-encode it). */
    uint8_t *der = NULL;
    const uint8_t *tbs = NULL, *sig = NULL;
    size_t tbslen = 0, siglen = 0;
    int derlen = i2d_X509(x, &der);
    int ok = derlen > 0 && split_signed(der, (size_t)derlen, &tbs, &tbslen, &sig, &siglen) == 0 &&
             gmtls_x509_sm2_check(&pk.sm2pub, GMTLS_X509_SM2_GO, tbs, tbslen, sig, siglen) == 0;
    OPENSSL_free(der);
    gmtls_pkey_dispose(&pk);
    return ok;
}

/* ------------------------------------------------------------ trust store */

typedef struct {
    gmtls_cert_verifier vt;
    X509_STORE *store;
} trust_store;

typedef struct {
    int allow_go;
    int go_seen;  /* a signature failed the standard check but is a valid Go-style one */
    int enc_leaf; /* gmtls_chain_policy.enc_leaf */
    int client_purpose;
} verify_state;

/* libcrypto calls this on every check; it overrules exactly two failures: a
 * TLCP encryption certificate's purpose failing on its keyUsage alone, and
 * an SM2 certificate signature that does not verify the standard way but
 * does in the Go style, when the policy allows that style. */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
    /* A TLCP encryption certificate: libcrypto's TLS purposes also want
     * digitalSignature or keyAgreement in the leaf's keyUsage, which an
     * encryption certificate (keyEncipherment) need not have; the caller
     * checks its keyUsage, so here only its extendedKeyUsage counts, as in
     * GmSSL (x509_ext_key_usage_check: serverAuth / clientAuth if present). */
    if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_INVALID_PURPOSE &&
        X509_STORE_CTX_get_error_depth(ctx) == 0) {
        const verify_state *es = X509_STORE_CTX_get_app_data(ctx);
        X509 *leaf = X509_STORE_CTX_get_current_cert(ctx);
        uint32_t want = es != NULL && es->client_purpose ? XKU_SSL_CLIENT : XKU_SSL_SERVER;
        if (es != NULL && es->enc_leaf && leaf != NULL &&
            (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) || (X509_get_extended_key_usage(leaf) & want))) {
            X509_STORE_CTX_set_error(ctx, X509_V_OK);
            return 1;
        }
        return ok;
    }
    if (ok || X509_STORE_CTX_get_error(ctx) != X509_V_ERR_CERT_SIGNATURE_FAILURE) {
        return ok;
    }
    verify_state *st = X509_STORE_CTX_get_app_data(ctx);
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx), n = sk_X509_num(chain);
    if (st == NULL || depth < 0 || depth >= n) {
        return ok;
    }
    X509 *subject = sk_X509_value(chain, depth);
    /* The issuer is the next certificate up; the last one is self-signed. */
    X509 *issuer = depth + 1 < n ? sk_X509_value(chain, depth + 1) : subject;
    if (!go_style_signed(subject, issuer)) {
        return ok;
    }
    st->go_seen = 1;
    if (!st->allow_go) {
        return ok;
    }
    X509_STORE_CTX_set_error(ctx, X509_V_OK);
    return 1;
}

/* Sets the SM2 distinguishing ID used to verify each SM2-signed certificate. */
static void set_sm2_ids(STACK_OF(X509) * chain, X509 *leaf, const char *id)
{
    int n = sk_X509_num(chain);
    for (int i = -1; i < n; i++) {
        X509 *x = i < 0 ? leaf : sk_X509_value(chain, i);
        ASN1_OCTET_STRING *v = NULL;
        if (X509_get_signature_nid(x) != NID_SM2_with_SM3) {
            continue;
        }
        if (id != NULL) {
            v = ASN1_OCTET_STRING_new();
            if (v == NULL || !ASN1_OCTET_STRING_set(v, (const unsigned char *)id, (int)strlen(id))) {
                ASN1_OCTET_STRING_free(v);
                v = NULL;
            }
        }
        X509_set0_distinguishing_id(x, v);
    }
}

static int run_verify(X509_STORE *store, X509 *leaf, STACK_OF(X509) * chain, const gmtls_chain_policy *pol,
                      verify_state *st, int *verr)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx == NULL || !X509_STORE_CTX_init(ctx, store, leaf, chain)) {
        X509_STORE_CTX_free(ctx);
        *verr = X509_V_ERR_OUT_OF_MEM;
        return 0;
    }
    X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
    X509_STORE_CTX_set_purpose(ctx, pol->client_purpose ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER);
    if (pol->at != 0) {
        X509_VERIFY_PARAM_set_time(vp, (time_t)pol->at);
    }
    if (pol->host != NULL && pol->host[0] != '\0') {
        if (X509_VERIFY_PARAM_set1_ip_asc(vp, pol->host) != 1) {
            X509_VERIFY_PARAM_set1_host(vp, pol->host, 0);
            X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        }
    }
    X509_STORE_CTX_set_app_data(ctx, st);
    X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
    int ok = X509_verify_cert(ctx) == 1;
    *verr = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

static int ts_verify_chain(const gmtls_cert_verifier *self, uint8_t *const *der, const size_t *derlen, size_t n,
                           const gmtls_chain_policy *pol, char *why, size_t whylen)
{
    const trust_store *ts = (const trust_store *)self;
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *leaf = NULL;
    int verr = X509_V_ERR_OUT_OF_MEM, ok = 0, sm2 = 0;
    snprintf(why, whylen, "out of memory");
    for (size_t i = 0; i < n && chain != NULL; i++) {
        X509 *x = X(gmtls_x509_parse(der[i], derlen[i]));
        if (x == NULL) {
            snprintf(why, whylen, "certificate %zu does not parse", i);
            verr = -1;
            break;
        }
        sm2 |= X509_get_signature_nid(x) == NID_SM2_with_SM3;
        if (i == 0) {
            leaf = x;
        } else if (!sk_X509_push(chain, x)) {
            X509_free(x);
            break;
        }
    }
    verify_state st = {
        .allow_go = pol->sm2_double_hash, .enc_leaf = pol->enc_leaf, .client_purpose = pol->client_purpose};
    if (chain != NULL && leaf != NULL && sk_X509_num(chain) == (int)n - 1) {
        /* SM2 certificates: GB/T and RFC 8998 CAs sign with the default ID
         * 1234567812345678; OpenSSL 3.0 signs with an empty one by default.
         * Try the standard ID first, then the empty ID. */
        set_sm2_ids(chain, leaf, GMTLS_SM2_DEFAULT_ID);
        ok = run_verify(ts->store, leaf, chain, pol, &st, &verr);
        if (!ok && sm2 && verr == X509_V_ERR_CERT_SIGNATURE_FAILURE) {
            set_sm2_ids(chain, leaf, NULL);
            ok = run_verify(ts->store, leaf, chain, pol, &st, &verr);
        }
        if (!ok) {
            snprintf(why, whylen, "%s%s", X509_verify_cert_error_string(verr),
                     st.go_seen && !st.allow_go
                         ? " (a Go gmtls-style SM2 signature over SM3(TBS): accepted only with the go-gmtls profile)"
                         : "");
        }
    }
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    if (ok) {
        snprintf(why, whylen, "ok");
        return 0;
    }
    switch (verr) {
    case X509_V_ERR_OUT_OF_MEM:
        return GMTLS_ERR_NO_MEMORY;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return GMTLS_ALERT_CERTIFICATE_EXPIRED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return GMTLS_ALERT_UNKNOWN_CA;
    default:
        return GMTLS_ALERT_BAD_CERTIFICATE;
    }
}

static void ts_free(gmtls_cert_verifier *self)
{
    trust_store *ts = (trust_store *)self;
    if (ts != NULL) {
        X509_STORE_free(ts->store);
        free(ts);
    }
}

gmtls_cert_verifier *gmtls_trust_store_new(void)
{
    trust_store *ts = calloc(1, sizeof(*ts));
    if (ts == NULL || (ts->store = X509_STORE_new()) == NULL) {
        free(ts);
        return NULL;
    }
    ts->vt.verify_chain = ts_verify_chain;
    ts->vt.free = ts_free;
    return &ts->vt;
}

int gmtls_trust_store_add_pem(gmtls_cert_verifier *v, const char *pem, size_t len, int add, uint8_t **names,
                              size_t *names_len)
{
    trust_store *ts = (trust_store *)v;
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x;
    int count = 0;
    while (b != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (add && X509_STORE_add_cert(ts->store, x) == 1) {
            count++;
        }
        unsigned char *der = NULL;
        int n = names != NULL ? i2d_X509_NAME(X509_get_subject_name(x), &der) : 0;
        if (n > 0 && *names_len + 2 + (size_t)n <= 0xfff0) {
            uint8_t *nb = realloc(*names, *names_len + 2 + (size_t)n);
            if (nb != NULL) {
                *names = nb;
                nb[*names_len] = (uint8_t)(n >> 8);
                nb[*names_len + 1] = (uint8_t)n;
                memcpy(nb + *names_len + 2, der, (size_t)n);
                *names_len += 2 + (size_t)n;
            }
        }
        OPENSSL_free(der);
        X509_free(x);
    }
    BIO_free(b);
    ERR_clear_error();
    return count;
}

int gmtls_trust_store_load_file(gmtls_cert_verifier *v, const char *file)
{
    int ok = X509_STORE_load_file(((trust_store *)v)->store, file) == 1;
    ERR_clear_error();
    return ok ? 0 : GMTLS_ERR_FILE;
}

int gmtls_trust_store_load_dir(gmtls_cert_verifier *v, const char *dir)
{
    int ok = X509_STORE_load_path(((trust_store *)v)->store, dir) == 1;
    ERR_clear_error();
    return ok ? 0 : GMTLS_ERR_FILE;
}
