/* Certificates in the handshake: the Certificate message (RFC 8446 §4.4.2),
 * CertificateVerify (§4.4.3), the server's choice of chain and scheme, the
 * client's choice for a CertificateRequest, and peer chain verification
 * through the configured verifier (src/crypto/x509.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "handshake/internal.h"

int gmtls_peer_reserve(gmtls_conn *c, size_t n)
{
    if (n <= c->peer_cap) {
        return 0;
    }
    if (n > GMTLS_MAX_CHAIN) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    size_t cap = c->peer_cap * 2 > n ? c->peer_cap * 2 : n < 4 ? 4 : n;
    cap = cap < GMTLS_MAX_CHAIN ? cap : GMTLS_MAX_CHAIN;
    uint8_t **der = realloc(c->peer_der, cap * sizeof *der);
    if (der == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    c->peer_der = der;
    size_t *len = realloc(c->peer_derlen, cap * sizeof *len);
    if (len == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    c->peer_derlen = len;
    c->peer_cap = cap;
    return 0;
}

void gmtls_peer_clear(gmtls_conn *c)
{
    for (size_t i = 0; i < c->npeer; i++) {
        free(c->peer_der[i]);
        c->peer_der[i] = NULL;
    }
    c->npeer = 0;
    gmtls_x509_free(c->peer_leaf);
    c->peer_leaf = NULL;
    if (c->peer_key.evp != NULL) {
        gmtls_pkey_dispose(&c->peer_key);
    }
    free(c->tlcp_enc_der);
    c->tlcp_enc_der = NULL;
    c->tlcp_enc_derlen = 0;
    if (c->tlcp_enc.evp != NULL) {
        gmtls_pkey_dispose(&c->tlcp_enc);
    }
    free(c->ocsp);
    free(c->scts);
    c->ocsp = c->scts = NULL;
    c->ocsp_len = c->scts_len = 0;
    /* what was said about the chain goes with it */
    c->peer_subject[0] = '\0';
    c->peer_verified = 0;
    snprintf(c->verify_result, sizeof c->verify_result, "no peer certificate");
}

int gmtls_peer_restore(gmtls_conn *c, const uint8_t *const *der, const size_t *derlen, size_t n)
{
    gmtls_peer_clear(c);
    GMTLS_TRY(gmtls_peer_reserve(c, n));
    for (size_t k = 0; k < n; k++) {
        c->peer_der[k] = malloc(derlen[k]);
        if (c->peer_der[k] == NULL) {
            return GMTLS_ERR_NO_MEMORY;
        }
        memcpy(c->peer_der[k], der[k], derlen[k]);
        c->peer_derlen[k] = derlen[k];
        c->npeer = k + 1;
    }
    if (n == 0) {
        return 0;
    }
    /* The chain passed gmtls_cert_msg_parse when the session was made: the
     * leaf parses and its key is usable (a stored session that says
     * otherwise is not ours). */
    c->peer_leaf = gmtls_x509_parse(c->peer_der[0], c->peer_derlen[0]);
    if (c->peer_leaf == NULL || gmtls_x509_pubkey(c->peer_leaf, &c->peer_key) != 0) {
        gmtls_peer_clear(c);
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    gmtls_x509_subject(c->peer_leaf, c->peer_subject, sizeof c->peer_subject);
    return 0;
}

/*
 * Matching a name decodes the subjectAltName extension on every call (a few
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
    gmtls_x509_free(cert->leaf);
    name_memo_free(cert->names);
    gmtls_pkey_dispose(&cert->key);
    free(cert->ocsp);
    free(cert->scts);
    gmtls_certcomp_cache_clear(cert);
    memset(cert, 0, sizeof(*cert));
}

/* ------------------------------------------------------------ Certificate */

int gmtls_verify_conn_run(gmtls_conn *c)
{
    int r = c->cfg->verify_conn != NULL ? c->cfg->verify_conn(c->cfg->verify_conn_ctx, c) : 0;
    if (r == 0) {
        return 0;
    }
    /* RFC 8446 §6.2 leaves the alert for a peer the application rejects to
     * the implementation: the callback may name it (as BoringSSL's
     * callbacks do: certificate_unknown from a custom verify callback,
     * handshake_failure from the X.509 one); else bad_certificate. */
    int alert = r >= 10 && r <= 255 ? r : GMTLS_ALERT_BAD_CERTIFICATE;
    return gmtls_fail(c, alert, "connection rejected by the verify callback");
}

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
        /* our limit on the chain (gmtls_config_set_peer_chain_limit) */
        if (c->npeer == c->cfg->peer_chain_max) {
            return gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE, "certificate chain of more than %zu certificates",
                              c->cfg->peer_chain_max);
        }
        GMTLS_TRY(gmtls_peer_reserve(c, c->npeer + 1));
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
        GMTLS_TRY(
            gmtls_fail(c, gmtls_exts_check(GMTLS_EXT_IN_CT, &list, &block, &ne), "bad CertificateEntry extensions"));
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
    gmtls_x509 *leaf = gmtls_x509_parse(c->peer_der[0], c->peer_derlen[0]);
    if (leaf == NULL) {
        /* RFC 8446 §6.2 leaves the alert open (bad_certificate: "corrupt";
         * decode_error: a field "out of the specified range"): decode_error,
         * as BoringSSL. */
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "peer certificate does not parse");
    }
    gmtls_x509_subject(leaf, c->peer_subject, sizeof c->peer_subject);
    c->peer_leaf = leaf; /* kept for chain verification */
    /* RFC 8446 §4.4.2.2: "The certificate MUST allow the key to be used for
     * signing (i.e., the digitalSignature bit MUST be set if the Key Usage
     * extension is present)"; checked whether or not the chain is verified. */
    if (!gmtls_x509_allows_signing(leaf)) {
        return gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE, "peer certificate's key usage does not allow signing");
    }
    if (gmtls_x509_pubkey(leaf, &c->peer_key) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_UNSUPPORTED_CERTIFICATE, "unsupported peer public key");
    }
    return 0;
}

/* What the peer's certificates are verified for: the purpose by our side,
 * the config's clock, the Go dialect's signatures. */
static gmtls_chain_policy chain_policy(gmtls_conn *c, const char *host)
{
    const gmtls_config *cfg = c->cfg;
    gmtls_chain_policy pol = {
        .host = host,
        .client_purpose = c->is_server,
        .at = cfg->verify_time != 0 ? cfg->verify_time
              : cfg->clock != NULL  ? (int64_t)(gmtls_now_ms(c) / 1000)
                                    : 0,
        /* The Go gmtls family signs certificates over SM3(TBS): accepted
         * with its profile only (docs/ARCHITECTURE.md, "Certificates"). */
        .sm2_double_hash = cfg->go_dialect,
    };
    return pol;
}

int gmtls_cert_verify_chain(gmtls_conn *c, const char *host)
{
    const gmtls_config *cfg = c->cfg;
    if (c->npeer == 0) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (cfg->verifier == NULL) {
        snprintf(c->verify_result, sizeof c->verify_result, "no trust anchors configured");
        return gmtls_fail(c, GMTLS_ALERT_UNKNOWN_CA, "cannot verify the peer: no CA configured");
    }
    gmtls_chain_policy pol = chain_policy(c, host);
    int rc = cfg->verifier->verify_chain(cfg->verifier, c->peer_der, c->peer_derlen, c->npeer, &pol, c->verify_result,
                                         sizeof c->verify_result);
    c->peer_verified = rc == 0;
    if (rc == 0 || rc >= 0x100) {
        return rc;
    }
    return gmtls_fail(c, rc, "peer certificate verification failed: %s", c->verify_result);
}

int gmtls_cert_reverify(gmtls_conn *c)
{
    const gmtls_config *cfg = c->cfg;
    if (!cfg->reverify_on_resume) {
        return 0;
    }
    /* gmtls_conn_set_session keeps no chainless session when this is on */
    if (c->npeer == 0) {
        return gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "the resumed session keeps no server chain to verify");
    }
    /* RFC 8446 §4.6.1: limits on resumed keying material "should take into
     * account the lifetime of the peer's certificate, the likelihood of
     * intervening revocation": the chain again, at today's time and anchors. */
    if (cfg->verify_peer) {
        GMTLS_TRY(gmtls_cert_verify_chain(c, c->server_name[0] ? c->server_name : NULL));
        if (c->version == GMTLS_TLCP) {
            GMTLS_TRY(gmtls_cert_verify_tlcp_enc(c));
        }
    }
    return gmtls_verify_conn_run(c);
}

int gmtls_cert_verify_tlcp_enc(gmtls_conn *c)
{
    const gmtls_config *cfg = c->cfg;
    if (c->npeer == 0 || c->peer_leaf == NULL || c->tlcp_enc_der == NULL || cfg->verifier == NULL) {
        return GMTLS_ERR_BAD_ARGUMENT; /* only after gmtls_cert_verify_chain succeeded */
    }
    /* GmSSL's x509_certs_verify_tlcp (x509_tlcp_cert_pair_entity_match): the
     * two certificates name one entity, compared byte for byte; another
     * entity's certificate -> bad_certificate. */
    gmtls_x509 *enc = gmtls_x509_parse(c->tlcp_enc_der, c->tlcp_enc_derlen);
    int same = enc != NULL && gmtls_x509_same_entity(c->peer_leaf, enc);
    gmtls_x509_free(enc);
    if (!same) {
        snprintf(c->verify_result, sizeof c->verify_result, "encryption certificate of another entity");
        return gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE,
                          "the TLCP encryption certificate does not match the signing certificate's subject, issuer, "
                          "subjectAltName or algorithms");
    }
    /* The encryption certificate's own chain through the same CA
     * certificates to the same anchors, at the same time, for the same
     * purpose (its keyUsage was checked when it was taken). */
    uint8_t *der[GMTLS_MAX_CHAIN];
    size_t derlen[GMTLS_MAX_CHAIN];
    der[0] = c->tlcp_enc_der;
    derlen[0] = c->tlcp_enc_derlen;
    for (size_t i = 1; i < c->npeer; i++) {
        der[i] = c->peer_der[i];
        derlen[i] = c->peer_derlen[i];
    }
    gmtls_chain_policy pol = chain_policy(c, NULL);
    pol.enc_leaf = 1;
    char why[sizeof c->verify_result];
    int rc = cfg->verifier->verify_chain(cfg->verifier, der, derlen, c->npeer, &pol, why, sizeof why);
    if (rc == 0 || rc >= 0x100) {
        return rc;
    }
    snprintf(c->verify_result, sizeof c->verify_result, "encryption certificate: %.170s", why);
    return gmtls_fail(c, rc, "peer encryption certificate verification failed: %s", why);
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
    return gmtls_cv_write(c, sigalg, sig, siglen);
}

int gmtls_cv_write(gmtls_conn *c, uint16_t sigalg, const uint8_t *sig, size_t siglen)
{
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
    r = gmtls_x509_matches_name(cert->leaf, name, len);
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
        /* A client of the Go gmtls family offers its SM2 scheme 0x0204 and
         * not RFC 8998's 0x0708; it reads only its own SM2 certificates
         * (key under the SM2 OID, signed over SM3(TBS)). */
        int go_client = gmtls_list_has(ch->sigalgs, ch->nsigalgs, GMTLS_SIGALG_SM2_LEGACY) &&
                        !gmtls_list_has(ch->sigalgs, ch->nsigalgs, 0x0708);
        for (size_t i = 0; i < cfg->ncerts; i++) {
            const gmtls_cert *cert = &cfg->certs[i];
            uint16_t sig = pick_sigalg(cfg, &cert->key, ch->sigalgs, ch->nsigalgs);
            if (sig == 0) {
                continue;
            }
            /* Prefer a chain whose name matches the SNI; then one of the same
             * family as the suite (an SM2 chain for a ShangMi suite, a
             * standard one otherwise); then, among SM2 chains, one of the
             * client's dialect (Go-style for a Go-family client, standard
             * otherwise); then one signed with a scheme the client accepts
             * in certificates (RFC 8446 §4.4.2.2). */
            int same_family = (cert->key.type == GMTLS_KEY_SM2) == (c->suite != NULL && c->suite->is_sm);
            int same_dialect = cert->key.type != GMTLS_KEY_SM2 || cert->go_style == go_client;
            int score = (!ch->has_sni || gmtls_cert_name_matches(cert, ch->sni)) * 8 + same_family * 4 + same_dialect * 2 +
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
    /* The first chain that fits, but of the server's dialect when it has
     * SM2 chains of both kinds (as gmtls_cert_select). */
    int go_server = gmtls_list_has(c->cr_sigalgs, c->ncr_sigalgs, GMTLS_SIGALG_SM2_LEGACY) &&
                    !gmtls_list_has(c->cr_sigalgs, c->ncr_sigalgs, 0x0708);
    const gmtls_cert *found = NULL;
    for (size_t i = 0; i < c->cfg->ncerts; i++) {
        const gmtls_cert *cert = &c->cfg->certs[i];
        uint16_t s = pick_sigalg(c->cfg, &cert->key, c->cr_sigalgs, c->ncr_sigalgs);
        if (s == 0) {
            continue;
        }
        if (cert->key.type != GMTLS_KEY_SM2 || cert->go_style == go_server) {
            *sigalg = s;
            return cert;
        }
        if (found == NULL) {
            found = cert;
            *sigalg = s;
        }
    }
    return found;
}
