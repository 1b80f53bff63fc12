/* Certificates in the handshake: the Certificate message (RFC 8446 §4.4.2),
 * CertificateVerify (§4.4.3), the server's choice of chain and scheme, the
 * client's choice for a CertificateRequest, and peer chain verification
 * through libcrypto (X509_verify_cert, host and IP checks). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "handshake/internal.h"

void gmtls_peer_clear(gmtls_conn *c)
{
    for (size_t i = 0; i < c->npeer; i++) {
        free(c->peer_der[i]);
        c->peer_der[i] = NULL;
    }
    c->npeer = 0;
    X509_free(c->peer_leaf);
    c->peer_leaf = NULL;
    if (c->peer_key.evp != NULL) {
        gmtls_pkey_dispose(&c->peer_key);
    }
    free(c->ocsp);
    free(c->scts);
    c->ocsp = c->scts = NULL;
    c->ocsp_len = c->scts_len = 0;
}

/*
 * X509_check_host decodes the subjectAltName extension on every call (a few
 * microseconds, 2% of a full handshake). Servers see few distinct names, so
 * each certificate remembers its last answers: the match itself stays
 * libcrypto's (RFC 6125 rules), only repeated questions are skipped.
 */
#define NAME_MEMO_SLOTS 8
struct gmtls_name_memo {
    pthread_mutex_t lock;
    unsigned next;
    struct {
        uint8_t len; /* 0: empty slot */
        uint8_t match;
        char name[255];
    } slot[NAME_MEMO_SLOTS];
};

static void name_memo_free(struct gmtls_name_memo *m)
{
    if (m != NULL) {
        pthread_mutex_destroy(&m->lock);
        free(m);
    }
}

/* -1 if name is not remembered, else whether it matched. */
static int name_memo_get(struct gmtls_name_memo *m, const char *name, size_t len)
{
    int r = -1;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < NAME_MEMO_SLOTS; i++) {
        if (m->slot[i].len == len && memcmp(m->slot[i].name, name, len) == 0) {
            r = m->slot[i].match;
            break;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return r;
}

static void name_memo_put(struct gmtls_name_memo *m, const char *name, size_t len, int match)
{
    pthread_mutex_lock(&m->lock);
    unsigned i = m->next++ % NAME_MEMO_SLOTS;
    memcpy(m->slot[i].name, name, len);
    m->slot[i].len = (uint8_t)len;
    m->slot[i].match = (uint8_t)(match != 0);
    pthread_mutex_unlock(&m->lock);
}

int gmtls_cert_names_init(gmtls_cert *cert)
{
    cert->names = calloc(1, sizeof(*cert->names));
    if (cert->names == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    if (pthread_mutex_init(&cert->names->lock, NULL) != 0) {
        free(cert->names);
        cert->names = NULL;
        return GMTLS_ERR_NO_MEMORY;
    }
    return 0;
}

void gmtls_cert_dispose(gmtls_cert *cert)
{
    for (size_t i = 0; i < cert->n; i++) {
        free(cert->der[i]);
    }
    X509_free(cert->leaf);
    name_memo_free(cert->names);
    gmtls_pkey_dispose(&cert->key);
    free(cert->ocsp);
    free(cert->scts);
    gmtls_certcomp_cache_clear(cert);
    memset(cert, 0, sizeof(*cert));
}

/* ------------------------------------------------------------ Certificate */

int gmtls_cert_body_write(gmtls_conn *c, gmtls_wr *wr, const gmtls_cert *cert, const uint8_t *ctx, size_t ctxlen,
                          int with_ocsp, int with_scts)
{
    gmtls_wr w = *wr;
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, ctx, ctxlen);
    gmtls_wr_close(&w);
    gmtls_wr_open(&w, 3);
    for (size_t i = 0; cert != NULL && i < cert->n; i++) {
        gmtls_wr_open(&w, 3);
        gmtls_wr_bytes(&w, cert->der[i], cert->derlen[i]);
        gmtls_wr_close(&w);
        gmtls_wr_open(&w, 2);
        gmtls_ct_exts ct = {cert, i, with_ocsp, with_scts};
        GMTLS_TRY(gmtls_exts_write(c, GMTLS_EXT_IN_CT, &w, &ct));
        gmtls_wr_close(&w);
    }
    gmtls_wr_close(&w);
    *wr = w;
    return 0;
}

int gmtls_cert_msg_build(gmtls_conn *c, const gmtls_cert *cert, const uint8_t *ctx, size_t ctxlen, int with_ocsp,
                         int with_scts)
{
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_CERTIFICATE);
    int rc = gmtls_cert_body_write(c, &w, cert, ctx, ctxlen, with_ocsp, with_scts);
    if (rc != 0) {
        gmtls_buf_dispose(&tmp);
        return rc;
    }
    return gmtls_hs_end(c, &w);
}

static void set_subject(gmtls_conn *c, X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    c->peer_subject[0] = '\0';
    if (b == NULL) {
        return;
    }
    X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    int n = BIO_read(b, c->peer_subject, (int)sizeof c->peer_subject - 1);
    c->peer_subject[n > 0 ? n : 0] = '\0';
    BIO_free(b);
}

int gmtls_sct_list_check(const uint8_t *p, size_t len)
{
    /* RFC 6962 §3.3: SerializedSCT sct_list <1..2^16-1>, each SerializedSCT
     * <1..2^16-1>: an empty list or SCT -> decode_error. */
    gmtls_rd r, scts, one;
    gmtls_rd_init(&r, p, len);
    if (gmtls_rd_vec(&r, 2, 1, 0xffff, &scts) != 0 || gmtls_rd_done(&r) != 0) {
        return GMTLS_ALERT_DECODE_ERROR;
    }
    while (gmtls_rd_left(&scts) > 0) {
        if (gmtls_rd_vec(&scts, 2, 1, 0xffff, &one) != 0) {
            return GMTLS_ALERT_DECODE_ERROR;
        }
    }
    return 0;
}

int gmtls_cert_msg_parse(gmtls_conn *c, const uint8_t *body, size_t len, const uint8_t *ctx, size_t ctxlen, int *empty)
{
    gmtls_rd r, rctx, list;
    gmtls_rd_init(&r, body, len);
    gmtls_peer_clear(c);
    if (gmtls_rd_vec(&r, 1, 0, 255, &rctx) != 0 || gmtls_rd_vec(&r, 3, 0, 0xffffff, &list) != 0 ||
        gmtls_rd_done(&r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed Certificate");
    }
    /* RFC 8446 §4.4.2: the context echoes the CertificateRequest's (empty
     * for server authentication). */
    if (gmtls_rd_left(&rctx) != ctxlen || (ctxlen > 0 && memcmp(rctx.p, ctx, ctxlen) != 0)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "wrong certificate_request_context");
    }
    while (gmtls_rd_left(&list) > 0) {
        gmtls_rd der;
        if (gmtls_rd_vec(&list, 3, 1, 0xffffff, &der) != 0) {
            return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed CertificateEntry");
        }
        if (c->npeer == GMTLS_MAX_CHAIN) {
            return gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE, "certificate chain too long");
        }
        size_t n = gmtls_rd_left(&der);
        c->peer_der[c->npeer] = malloc(n);
        if (c->peer_der[c->npeer] == NULL) {
            return GMTLS_ERR_NO_MEMORY;
        }
        memcpy(c->peer_der[c->npeer], der.p, n);
        c->peer_derlen[c->npeer] = n;
        size_t index = c->npeer++; /* owned by c from here on, whatever follows */
        gmtls_rd block;
        size_t ne = 0;
        GMTLS_TRY(gmtls_fail(c, gmtls_exts_check(&list, &block, &ne), "bad CertificateEntry extensions"));
        /* RFC 8446 §4.4.2: the extensions "MUST correspond to ones from the
         * ClientHello message" (or, from a client, the CertificateRequest):
         * the table decides what passes, which is status_request and SCT,
         * only to a client that asked; their parsers keep the end-entity's. */
        gmtls_ct_exts ct = {NULL, index, 0, 0};
        GMTLS_TRY(gmtls_exts_parse(c, GMTLS_EXT_IN_CT, "CertificateEntry", block, &ct));
    }
    *empty = c->npeer == 0;
    if (c->npeer == 0) {
        return 0;
    }
    const uint8_t *p = c->peer_der[0];
    X509 *leaf = d2i_X509(NULL, &p, (long)c->peer_derlen[0]);
    if (leaf == NULL || p != c->peer_der[0] + c->peer_derlen[0]) {
        X509_free(leaf);
        return gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE, "peer certificate does not parse");
    }
    set_subject(c, leaf);
    c->peer_leaf = leaf; /* kept for chain verification */
    /* RFC 8446 §4.4.2.2: "The certificate MUST allow the key to be used for
     * signing (i.e., the digitalSignature bit MUST be set if the Key Usage
     * extension is present)"; checked whether or not the chain is verified. */
    if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) && !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE)) {
        return gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE, "peer certificate's key usage does not allow signing");
    }
    EVP_PKEY *pk = X509_get_pubkey(leaf);
    if (pk == NULL || gmtls_pkey_from_evp(&c->peer_key, pk, 0) != 0) {
        if (c->peer_key.evp == NULL) {
            EVP_PKEY_free(pk);
        }
        gmtls_pkey_dispose(&c->peer_key);
        return gmtls_fail(c, GMTLS_ALERT_UNSUPPORTED_CERTIFICATE, "unsupported peer public key");
    }
    return 0;
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

static int run_verify(gmtls_conn *c, X509 *leaf, STACK_OF(X509) * chain, const char *host, int *verr)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = 0;
    if (ctx == NULL || !X509_STORE_CTX_init(ctx, c->cfg->ca_store, leaf, chain)) {
        X509_STORE_CTX_free(ctx);
        *verr = X509_V_ERR_OUT_OF_MEM;
        return 0;
    }
    X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
    X509_STORE_CTX_set_purpose(ctx, c->is_server ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER);
    if (c->cfg->verify_time != 0) {
        X509_VERIFY_PARAM_set_time(vp, (time_t)c->cfg->verify_time);
    } else if (c->cfg->clock != NULL) {
        X509_VERIFY_PARAM_set_time(vp, (time_t)(gmtls_now_ms(c) / 1000));
    }
    if (host != NULL && host[0] != '\0') {
        if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1) {
            X509_VERIFY_PARAM_set1_host(vp, host, 0);
            X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        }
    }
    ok = X509_verify_cert(ctx) == 1;
    *verr = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    return ok;
}

int gmtls_cert_verify_chain(gmtls_conn *c, const char *host)
{
    if (c->npeer == 0) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (c->cfg->ca_store == NULL) {
        snprintf(c->verify_result, sizeof c->verify_result, "no trust anchors configured");
        return gmtls_fail(c, GMTLS_ALERT_UNKNOWN_CA, "cannot verify the peer: no CA configured");
    }
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *leaf = NULL;
    int rc = 0, verr = 0;
    for (size_t i = 0; i < c->npeer && chain != NULL; i++) {
        const uint8_t *p = c->peer_der[i];
        X509 *x = (i == 0 && c->peer_leaf != NULL && X509_up_ref(c->peer_leaf))
                      ? c->peer_leaf
                      : d2i_X509(NULL, &p, (long)c->peer_derlen[i]);
        if (x == NULL) {
            rc = gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE, "certificate %zu does not parse", i);
            break;
        }
        if (i == 0) {
            leaf = x;
        } else if (!sk_X509_push(chain, x)) {
            X509_free(x);
            rc = GMTLS_ERR_NO_MEMORY;
            break;
        }
    }
    if (rc == 0 && (chain == NULL || leaf == NULL)) {
        rc = GMTLS_ERR_NO_MEMORY;
    }
    if (rc == 0) {
        /* SM2 certificates: GB/T and RFC 8998 CAs sign with the default ID
         * 1234567812345678; OpenSSL 3.0 signs with an empty one by default.
         * Try the standard ID first, then the empty ID. */
        set_sm2_ids(chain, leaf, GMTLS_SM2_DEFAULT_ID);
        int ok = run_verify(c, leaf, chain, host, &verr);
        if (!ok && c->peer_key.type == GMTLS_KEY_SM2 && verr == X509_V_ERR_CERT_SIGNATURE_FAILURE) {
            set_sm2_ids(chain, leaf, NULL);
            ok = run_verify(c, leaf, chain, host, &verr);
        }
        if (ok) {
            snprintf(c->verify_result, sizeof c->verify_result, "ok");
        } else {
            snprintf(c->verify_result, sizeof c->verify_result, "%s", X509_verify_cert_error_string(verr));
            int alert = GMTLS_ALERT_BAD_CERTIFICATE;
            switch (verr) {
            case X509_V_ERR_CERT_HAS_EXPIRED:
            case X509_V_ERR_CERT_NOT_YET_VALID:
                alert = GMTLS_ALERT_CERTIFICATE_EXPIRED;
                break;
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
            case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
                alert = GMTLS_ALERT_UNKNOWN_CA;
                break;
            default:
                break;
            }
            rc = gmtls_fail(c, alert, "peer certificate verification failed: %s", c->verify_result);
        }
    }
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    return rc;
}

/* ------------------------------------------------------------ CertificateVerify */

/* RFC 8446 §4.4.3: 64 spaces || context string || 0x00 || Transcript-Hash. */
static int cv_content(gmtls_conn *c, int server_signs, uint8_t *out, size_t *outlen)
{
    static const char sctx[] = "TLS 1.3, server CertificateVerify";
    static const char cctx[] = "TLS 1.3, client CertificateVerify";
    const char *s = server_signs ? sctx : cctx;
    size_t n = 0;
    memset(out, 0x20, 64);
    n = 64;
    memcpy(out + n, s, sizeof sctx);
    n += sizeof sctx; /* includes the 0x00 separator */
    GMTLS_TRY(gmtls_transcript_hash(c, out + n));
    n += c->suite->hash->digest_len;
    *outlen = n;
    return 0;
}

int gmtls_cv_build(gmtls_conn *c, const gmtls_pkey *key, uint16_t sigalg)
{
    uint8_t content[64 + 34 + GMTLS_MAX_HASH_LEN], sig[GMTLS_MAX_SIG_LEN];
    size_t clen = 0, siglen = 0, idlen = 0;
    const gmtls_sigalg *alg = gmtls_sigalg_by_id(sigalg);
    if (alg == NULL) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    GMTLS_TRY(cv_content(c, c->is_server, content, &clen));
    const char *id = gmtls_sm2_sign_id(c, &idlen);
    int rc = gmtls_sign(key, alg, content, clen, (const uint8_t *)id, idlen, sig, &siglen);
    if (rc != 0) {
        /* The reference: a key too small for RSA-PSS -> handshake_failure. */
        return gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "signing CertificateVerify failed");
    }
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_CERTIFICATE_VERIFY);
    gmtls_wr_u16(&w, sigalg);
    gmtls_wr_open(&w, 2);
    gmtls_wr_bytes(&w, sig, siglen);
    gmtls_wr_close(&w);
    return gmtls_hs_end(c, &w);
}

int gmtls_cv_check(gmtls_conn *c, const uint8_t *body, size_t len, const uint16_t *allowed, size_t nallowed)
{
    uint8_t content[64 + 34 + GMTLS_MAX_HASH_LEN];
    size_t clen = 0;
    gmtls_rd r, sig;
    gmtls_rd_init(&r, body, len);
    uint16_t scheme = gmtls_rd_u16(&r);
    if (gmtls_rd_vec(&r, 2, 1, 0xffff, &sig) != 0 || gmtls_rd_done(&r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed CertificateVerify");
    }
    const gmtls_sigalg *alg = gmtls_sigalg_by_id(scheme);
    /* RFC 8446 §4.4.3: the scheme must be one we offered; the reference also
     * rejects PKCS#1 v1.5 and SHA-1 schemes -> illegal_parameter. */
    if (alg == NULL || !alg->in_cert_verify || !gmtls_list_has(allowed, nallowed, scheme) ||
        (alg->is_legacy && !c->is_server && !c->cfg->sigalgs_custom) ||
        (alg->is_legacy && c->is_server && !c->cr_legacy_ok)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "CertificateVerify uses scheme 0x%04x we did not offer",
                          scheme);
    }
    if (!gmtls_sigalg_fits_key(alg, &c->peer_key)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "CertificateVerify scheme %s does not fit the key",
                          alg->name);
    }
    GMTLS_TRY(cv_content(c, !c->is_server, content, &clen));
    int ok;
    gmtls_sm2_id_mode mode = c->cfg->sm2_id_mode;
    if (alg->key_type == GMTLS_KEY_SM2 && mode == GMTLS_SM2_ID_GBT_DEFAULT) {
        ok = gmtls_verify(&c->peer_key, alg, content, clen, (const uint8_t *)GMTLS_SM2_DEFAULT_ID,
                          GMTLS_SM2_DEFAULT_ID_LEN, sig.p, gmtls_rd_left(&sig)) == 0;
    } else {
        /* RFC 8998 §3.2.1: CertificateVerify uses the ID "TLSv1.3+GM+Cipher+Suite". */
        ok = gmtls_verify(&c->peer_key, alg, content, clen, (const uint8_t *)GMTLS_SM2_ID_TLS13,
                          strlen(GMTLS_SM2_ID_TLS13), sig.p, gmtls_rd_left(&sig)) == 0;
        if (!ok && alg->key_type == GMTLS_KEY_SM2 && mode == GMTLS_SM2_ID_ACCEPT_BOTH) {
            ok = gmtls_verify(&c->peer_key, alg, content, clen, (const uint8_t *)GMTLS_SM2_DEFAULT_ID,
                              GMTLS_SM2_DEFAULT_ID_LEN, sig.p, gmtls_rd_left(&sig)) == 0;
        }
    }
    /* RFC 8446 §4.4.3: "If the verification fails, the receiver MUST terminate
     * the handshake with a "decrypt_error" alert." */
    if (!ok) {
        return gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "invalid CertificateVerify signature (%s)", alg->name);
    }
    c->peer_sigalg = scheme;
    if (!c->is_server) {
        c->sigalg = scheme;
    }
    return 0;
}

/* ------------------------------------------------------------ selection */

/* Our preferred scheme for key among the peer's list, or 0. */
static uint16_t pick_sigalg(const gmtls_config *cfg, const gmtls_pkey *key, const uint16_t *peer, size_t npeer)
{
    for (size_t i = 0; i < cfg->nsigalgs; i++) {
        const gmtls_sigalg *a = gmtls_sigalg_by_id(cfg->sigalgs[i]);
        if (a != NULL && a->in_cert_verify && gmtls_sigalg_fits_key(a, key) && gmtls_list_has(peer, npeer, a->id)) {
            return a->id;
        }
    }
    return 0;
}

int gmtls_cert_name_matches(const gmtls_cert *cert, const char *name)
{
    size_t len = strlen(name);
    int r = len > 0 && len <= 255 && cert->names != NULL ? name_memo_get(cert->names, name, len) : -1;
    if (r >= 0) {
        return r;
    }
    r = X509_check_host(cert->leaf, name, len, 0, NULL) == 1 || X509_check_ip_asc(cert->leaf, name, 0) == 1;
    if (len > 0 && len <= 255 && cert->names != NULL) {
        name_memo_put(cert->names, name, len, r);
    }
    return r;
}

int gmtls_cert_callback(gmtls_conn *c, const gmtls_client_hello *ch)
{
    const gmtls_config *cfg = c->cfg;
    gmtls_client_hello_info info;
    uint16_t suites[64];
    const char *alpn[32];
    char alpn_buf[512];
    size_t ns = 0, na = 0, off = 0;
    for (size_t i = 0; i + 1 < ch->suites_len && ns < GMTLS_ARRAY_LEN(suites); i += 2) {
        suites[ns++] = (uint16_t)(ch->suites[i] << 8 | ch->suites[i + 1]);
    }
    gmtls_rd r;
    gmtls_rd_init(&r, ch->alpn, ch->alpn_len);
    while (gmtls_rd_left(&r) > 0 && na < GMTLS_ARRAY_LEN(alpn)) {
        gmtls_rd p;
        (void)gmtls_rd_vec(&r, 1, 1, 255, &p);
        size_t n = gmtls_rd_left(&p);
        if (off + n + 1 > sizeof alpn_buf) {
            break;
        }
        memcpy(alpn_buf + off, p.p, n);
        alpn_buf[off + n] = '\0';
        alpn[na++] = alpn_buf + off;
        off += n + 1;
    }
    info = (gmtls_client_hello_info){
        .server_name = ch->has_sni ? ch->sni : NULL,
        .sigalgs = ch->sigalgs,
        .num_sigalgs = ch->nsigalgs,
        .sigalgs_cert = ch->sigalgs_cert,
        .num_sigalgs_cert = ch->nsigalgs_cert,
        .cipher_suites = suites,
        .num_cipher_suites = ns,
        .groups = ch->groups,
        .num_groups = ch->ngroups,
        .alpn = alpn,
        .num_alpn = na,
    };
    return cfg->select_cert(cfg->select_cert_ctx, &info);
}

int gmtls_cert_select(gmtls_conn *c, const gmtls_client_hello *ch)
{
    const gmtls_config *cfg = c->cfg;
    int best = -1, best_score = -1;
    uint16_t best_sig = 0;
    if (cfg->select_cert != NULL) {
        best = gmtls_cert_callback(c, ch);
        if (best < 0 || (size_t)best >= cfg->ncerts) {
            return gmtls_fail(c, GMTLS_ALERT_UNRECOGNIZED_NAME, "no certificate for server name '%s'",
                              ch->has_sni ? ch->sni : "");
        }
        best_sig = pick_sigalg(cfg, &cfg->certs[best].key, ch->sigalgs, ch->nsigalgs);
    } else {
        if (cfg->ncerts == 0) {
            return gmtls_fail(c, GMTLS_ALERT_UNRECOGNIZED_NAME, "no certificate configured");
        }
        const uint16_t *chain_list = ch->has_sigalgs_cert ? ch->sigalgs_cert : ch->sigalgs;
        size_t nchain = ch->has_sigalgs_cert ? ch->nsigalgs_cert : ch->nsigalgs;
        for (size_t i = 0; i < cfg->ncerts; i++) {
            const gmtls_cert *cert = &cfg->certs[i];
            uint16_t sig = pick_sigalg(cfg, &cert->key, ch->sigalgs, ch->nsigalgs);
            if (sig == 0) {
                continue;
            }
            /* Prefer a chain whose name matches the SNI; then one of the same
             * family as the suite (an SM2 chain for a ShangMi suite, a
             * standard one otherwise); then one signed with a scheme the
             * client accepts in certificates (RFC 8446 §4.4.2.2). */
            int same_family = (cert->key.type == GMTLS_KEY_SM2) == (c->suite != NULL && c->suite->is_sm);
            int score = (!ch->has_sni || gmtls_cert_name_matches(cert, ch->sni)) * 4 + same_family * 2 +
                        (cert->leaf_sigalg == 0 || gmtls_list_has(chain_list, nchain, cert->leaf_sigalg));
            if (score > best_score) {
                best = (int)i;
                best_score = score;
                best_sig = sig;
            }
        }
    }
    /* RFC 8446 §4.4.2.2 / the reference: no certificate and scheme that the
     * client supports -> handshake_failure. */
    if (best < 0 || best_sig == 0) {
        return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "no certificate fits the client's signature algorithms");
    }
    c->cert = &cfg->certs[best];
    c->sigalg = best_sig;
    return 0;
}

const gmtls_cert *gmtls_cert_for_request(gmtls_conn *c, uint16_t *sigalg)
{
    for (size_t i = 0; i < c->cfg->ncerts; i++) {
        uint16_t s = pick_sigalg(c->cfg, &c->cfg->certs[i].key, c->cr_sigalgs, c->ncr_sigalgs);
        if (s != 0) {
            *sigalg = s;
            return &c->cfg->certs[i];
        }
    }
    return NULL;
}
