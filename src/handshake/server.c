/* The server handshake (RFC 8446 §4), step by step as the reference Go
 * gmtls server does it: processClientHello, checkForResumption,
 * pickCertificate, sendServerParameters, sendServerCertificate,
 * sendServerFinished, readClientCertificate, readClientFinished. */
#include <stdio.h>
#include <stdlib.h>

#include "handshake/internal.h"

/* RFC 8446 §4.1.3: the HelloRetryRequest random, SHA-256("HelloRetryRequest"). */
const uint8_t gmtls_hrr_random[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                                      0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                                      0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

#define TLS_FALLBACK_SCSV 0x5600

static int client_offers_suite(const gmtls_client_hello *ch, uint16_t id)
{
    return gmtls_ch_offers_suite(ch, id);
}

/* The client's most preferred suite that we know, or NULL. */
static const gmtls_suite *client_first_known(const gmtls_client_hello *ch)
{
    for (size_t i = 0; i + 1 < ch->suites_len; i += 2) {
        const gmtls_suite *s = gmtls_suite_by_id((uint16_t)(ch->suites[i] << 8 | ch->suites[i + 1]));
        if (s != NULL) {
            return s;
        }
    }
    return NULL;
}

/* The suite by our preference among the client's; only suites whose hash is
 * `hash` when it is not NULL. */
static const gmtls_suite *pick_suite(gmtls_conn *c, const gmtls_client_hello *ch, const gmtls_hash_alg *hash)
{
    const gmtls_config *cfg = c->cfg;
    uint16_t pref[GMTLS_MAX_LIST];
    size_t n = 0;
    if (cfg->suites_custom) {
        /* A configured list is strict server preference. */
        memcpy(pref, cfg->suites, cfg->nsuites * sizeof pref[0]);
        n = cfg->nsuites;
    } else {
        /* As the reference: AES-GCM ahead of ChaCha20 only when the CPU has AES
         * instructions and the client itself prefers an AES-GCM suite; and the
         * ShangMi suites first when the client puts one first. */
        const gmtls_suite *first = client_first_known(ch);
        int aes_first = gmtls_cpu_has_aes() && first != NULL && first->is_aes_gcm;
        int sm_first = first != NULL && first->is_sm;
        static const uint16_t sm[] = {GMTLS_TLS_SM4_GCM_SM3, GMTLS_TLS_SM4_CCM_SM3};
        static const uint16_t aes[] = {GMTLS_TLS_AES_128_GCM_SHA256, GMTLS_TLS_AES_256_GCM_SHA384,
                                       GMTLS_TLS_CHACHA20_POLY1305_SHA256};
        static const uint16_t noaes[] = {GMTLS_TLS_CHACHA20_POLY1305_SHA256, GMTLS_TLS_AES_128_GCM_SHA256,
                                         GMTLS_TLS_AES_256_GCM_SHA384};
        const uint16_t *std = aes_first ? aes : noaes;
        if (sm_first) {
            memcpy(pref, sm, sizeof sm);
            memcpy(pref + 2, std, 3 * sizeof std[0]);
        } else {
            memcpy(pref, std, 3 * sizeof std[0]);
            memcpy(pref + 3, sm, sizeof sm);
        }
        n = 5;
        /* Only suites the config allows (strict SM mode narrows them). */
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (gmtls_list_has(cfg->suites, cfg->nsuites, pref[i])) {
                pref[k++] = pref[i];
            }
        }
        n = k;
    }
    for (size_t i = 0; i < n; i++) {
        const gmtls_suite *s = gmtls_suite_by_id(pref[i]);
        if (client_offers_suite(ch, pref[i]) && s != NULL && (hash == NULL || s->hash == hash)) {
            return s;
        }
    }
    return NULL;
}

static const gmtls_key_share *find_share(const gmtls_client_hello *ch, uint16_t group)
{
    for (size_t i = 0; i < ch->nshares; i++) {
        if (ch->shares[i].group == group) {
            return &ch->shares[i];
        }
    }
    return NULL;
}

/* RFC 8446 §D.4: "The server sends a dummy change_cipher_spec record
 * immediately after its first handshake message. This may either be after a
 * ServerHello or a HelloRetryRequest", and "if the client sends a non-empty
 * session ID, the server MUST send the change_cipher_spec". After a
 * HelloRetryRequest: to a client with a session ID, or in
 * gmtls_config_set_middlebox_compat mode (GmSSL's client, which sends none,
 * fails on a CCS there). After the ServerHello: always, once (every TLS 1.3
 * client drops it, RFC 8446 §5: "MUST simply drop it"; GmSSL's client skips
 * it there; BoringSSL's expects it even for an empty session ID). */
static int send_compat_ccs(gmtls_conn *c, gmtls_buf *out, int is_hrr)
{
    if (is_hrr && c->session_id_len == 0 && !c->cfg->middlebox_compat) {
        return 0;
    }
    return gmtls_send_ccs(c, out);
}

/* ServerHello / HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4). */
static int send_server_hello(gmtls_conn *c, int is_hrr, const uint8_t *share, size_t sharelen, int psk_index,
                             const uint8_t *cookie, size_t cookielen)
{
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_SERVER_HELLO);
    gmtls_wr_u16(&w, 0x0303); /* legacy_version */
    gmtls_wr_bytes(&w, is_hrr ? gmtls_hrr_random : c->server_random, 32);
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, c->session_id, c->session_id_len); /* legacy_session_id_echo */
    gmtls_wr_close(&w);
    gmtls_wr_u16(&w, c->suite->id);
    gmtls_wr_u8(&w, 0); /* legacy_compression_method */
    gmtls_wr_open(&w, 2);
    gmtls_sh_exts sh = {1, c->group, share, sharelen, psk_index, cookie, cookielen};
    int rc = gmtls_exts_write(c, is_hrr ? GMTLS_EXT_IN_HRR : GMTLS_EXT_IN_SH, &w, &sh);
    gmtls_wr_close(&w);
    if (rc != 0) {
        gmtls_buf_dispose(&tmp);
        return rc;
    }
    return gmtls_hs_end(c, &w);
}

static int do_hello_retry(gmtls_conn *c, gmtls_buf *out, const gmtls_client_hello *ch)
{
    uint8_t h[GMTLS_MAX_HASH_LEN];
    size_t hl = c->suite->hash->digest_len;
    /* RFC 8446 §4.4.1: after a HelloRetryRequest the transcript starts with
     * message_hash(254) || 00 00 Hash.length || Hash(ClientHello1). */
    GMTLS_TRY(gmtls_hash(c->suite->hash, ch->msg, ch->msglen, h));
    GMTLS_TRY(gmtls_transcript_init(c, c->suite->hash));
    uint8_t hdr[4] = {GMTLS_HS_MESSAGE_HASH, 0, 0, (uint8_t)hl};
    gmtls_transcript_add(c, hdr, 4);
    gmtls_transcript_add(c, h, hl);
    uint8_t cookie[GMTLS_COOKIE_MAX];
    size_t cookielen = 0;
    GMTLS_TRY(gmtls_cookie_make(c, h, hl, cookie, &cookielen));
    GMTLS_TRY(send_server_hello(c, 1, NULL, 0, -1, cookie, cookielen));
    GMTLS_TRY(gmtls_hs_flush(c, out));
    GMTLS_TRY(send_compat_ccs(c, out, 1));
    free(c->ch1);
    c->ch1 = malloc(ch->msglen);
    if (c->ch1 == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    memcpy(c->ch1, ch->msg, ch->msglen);
    c->ch1_len = ch->msglen;
    c->did_hrr = 1;
    c->state = ST_S_WAIT_CH2;
    return 0;
}

/* ALPN as the reference negotiates it (TLS 1.3's EncryptedExtensions and
 * TLS 1.2's ServerHello). */
int gmtls_alpn_select(gmtls_conn *c, const gmtls_client_hello *ch)
{
    const gmtls_config *cfg = c->cfg;
    if (cfg->alpn_len > 0 && ch->has_alpn) {
        int http11_fallback = 0;
        gmtls_rd s;
        gmtls_rd_init(&s, cfg->alpn_wire, cfg->alpn_len);
        while (gmtls_rd_left(&s) > 0 && c->alpn[0] == '\0') {
            gmtls_rd sp, cl, cp;
            (void)gmtls_rd_vec(&s, 1, 1, 255, &sp);
            gmtls_rd_init(&cl, ch->alpn, ch->alpn_len);
            while (gmtls_rd_left(&cl) > 0) {
                (void)gmtls_rd_vec(&cl, 1, 1, 255, &cp);
                size_t sl = gmtls_rd_left(&sp), clen = gmtls_rd_left(&cp);
                if (sl == clen && memcmp(sp.p, cp.p, sl) == 0) {
                    memcpy(c->alpn, sp.p, sl);
                    c->alpn[sl] = '\0';
                    break;
                }
                if (sl == 2 && memcmp(sp.p, "h2", 2) == 0 && clen == 8 && memcmp(cp.p, "http/1.1", 8) == 0) {
                    http11_fallback = 1;
                }
            }
        }
        /* RFC 7301 §3.2: no overlap -> no_application_protocol; the reference
         * lets an http/1.1 client of an h2 server in without ALPN. */
        if (c->alpn[0] == '\0' && !http11_fallback) {
            return gmtls_fail(c, GMTLS_ALERT_NO_APPLICATION_PROTOCOL, "no ALPN protocol in common");
        }
    }
    return 0;
}

/* EncryptedExtensions (RFC 8446 §4.3.1) with ALPN. */
static int send_encrypted_extensions(gmtls_conn *c, const gmtls_client_hello *ch)
{
    GMTLS_TRY(gmtls_alpn_select(c, ch));
    /* RFC 8446 §4.2.10: accept 0-RTT only when the resumed ticket allowed it
     * with the first identity and a fresh age (ticket.c), "The selected
     * cipher suite" and "The selected ALPN protocol, if any" are the
     * ticket's, and (§8.2) this ClientHello was not seen before - a recorded
     * one: "either aborts the handshake with an "illegal_parameter" alert or
     * accepts the PSK but rejects 0-RTT" (we take the second). Anything else
     * rejects it and the early records are skipped. */
    if (ch->early_data && c->early_state == GMTLS_EARLY_REJECTED && c->early_ticket_ok && !c->did_hrr &&
        c->cfg->max_early_data > 0 && strcmp(c->alpn, c->early_alpn) == 0 &&
        gmtls_replay_fresh(c->cfg, ch->psks[0].binder, ch->psks[0].binder_len, gmtls_now_ms(c))) {
        c->early_state = GMTLS_EARLY_ACCEPTED;
        c->skip_early_data = 0;
    }
    /* Why (gmtls_conn_early_data_reason, BoringSSL's names), in the order
     * of the checks above; "replay" is the anti-replay record's. */
    if (c->early_state == GMTLS_EARLY_ACCEPTED) {
        c->early_reason = "accept";
    } else if (c->cfg->max_early_data == 0) {
        c->early_reason = "disabled";
    } else if (!ch->has_psk && c->early_state == GMTLS_EARLY_NONE) {
        c->early_reason = "no_session_offered";
    } else if (c->early_state == GMTLS_EARLY_NONE) {
        c->early_reason = "peer_declined"; /* the (first) ClientHello offered none */
    } else if (!c->resumed || c->ext_psk != NULL) {
        c->early_reason = "session_not_resumed";
    } else if (!c->early_ticket_usable) {
        c->early_reason = "unsupported_for_session";
    } else if (c->did_hrr) {
        c->early_reason = "hello_retry_request";
    } else if (strcmp(c->alpn, c->early_alpn) != 0) {
        c->early_reason = "alpn_mismatch";
    } else if (!c->early_age_ok) {
        c->early_reason = "ticket_age_skew";
    } else {
        c->early_reason = "replay";
    }
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_ENCRYPTED_EXTENSIONS);
    gmtls_wr_open(&w, 2);
    int rc = gmtls_exts_write(c, GMTLS_EXT_IN_EE, &w, ch);
    gmtls_wr_close(&w);
    if (rc != 0) {
        gmtls_buf_dispose(&tmp);
        return rc;
    }
    return gmtls_hs_end(c, &w);
}

/* RFC 8446 §4.3.2: CertificateRequest with signature_algorithms and, when
 * client CAs are configured, certificate_authorities; the context is empty
 * in the handshake. ch: the ClientHello (for the legacy SM2 code point), NULL
 * after the handshake. */
static int send_certificate_request(gmtls_conn *c, const uint8_t *ctx, size_t ctxlen, const gmtls_client_hello *ch)
{
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_CERTIFICATE_REQUEST);
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, ctx, ctxlen); /* certificate_request_context */
    gmtls_wr_close(&w);
    gmtls_wr_open(&w, 2);
    int rc = gmtls_exts_write(c, GMTLS_EXT_IN_CR, &w, ch);
    gmtls_wr_close(&w);
    if (rc != 0) {
        gmtls_buf_dispose(&tmp);
        return rc;
    }
    return gmtls_hs_end(c, &w);
}

static int send_finished(gmtls_conn *c, const uint8_t *base_key)
{
    uint8_t th[GMTLS_MAX_HASH_LEN], msg[4 + GMTLS_MAX_HASH_LEN];
    size_t hl = c->suite->hash->digest_len;
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    msg[0] = GMTLS_HS_FINISHED;
    msg[1] = 0;
    msg[2] = 0;
    msg[3] = (uint8_t)hl;
    GMTLS_TRY(gmtls_finished_mac(c->suite->hash, base_key, th, msg + 4));
    return gmtls_hs_queue(c, msg, 4 + hl);
}

/* Computes the client Finished we expect, adds it to the transcript and
 * derives the resumption secret (the reference's sendSessionTickets). The
 * tickets themselves go out once the client Finished is verified (as
 * OpenSSL does): sent with our Finished they leave nothing to send when the
 * client Finished arrives, so a client without TCP_NODELAY has its first
 * request held by Nagle's algorithm until our delayed ACK (~40 ms). */
static int expect_client_finished(gmtls_conn *c)
{
    uint8_t th[GMTLS_MAX_HASH_LEN], msg[4] = {GMTLS_HS_FINISHED, 0, 0, 0};
    size_t hl = c->suite->hash->digest_len;
    msg[3] = (uint8_t)hl;
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    GMTLS_TRY(gmtls_finished_mac(c->suite->hash, c->ks.c_hs, th, c->client_finished));
    gmtls_transcript_add(c, msg, 4);
    gmtls_transcript_add(c, c->client_finished, hl);
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    GMTLS_TRY(gmtls_ks_resumption(&c->ks, th));
    c->state = ST_S_WAIT_FINISHED;
    return 0;
}

static int request_client_cert(const gmtls_conn *c)
{
    /* RFC 8446 §4.3.2: "Servers which are authenticating with a PSK MUST NOT
     * send the CertificateRequest message in the main handshake". */
    return c->cfg->client_auth >= GMTLS_CLIENT_AUTH_REQUEST && !c->resumed && c->ext_psk == NULL;
}

static int run_verify_connection(gmtls_conn *c)
{
    return gmtls_verify_conn_run(c);
}

/* Group selection (a HelloRetryRequest when the client has no share for
 * it: *retried is then 1) and the (EC)DHE: our share in pub, the shared
 * secret in shared. */
static int server_kex(gmtls_conn *c, gmtls_buf *out, const gmtls_client_hello *ch, uint8_t *pub, size_t *publen,
                      uint8_t *shared, size_t *sharedlen, int *retried)
{
    const gmtls_config *cfg = c->cfg;
    int has_groups = gmtls_ch_find(ch, GMTLS_EXT_SUPPORTED_GROUPS) != NULL;
    /* RFC 8446 §9.2: "If containing a "supported_groups" extension, it MUST
     * also contain a "key_share" extension, and vice versa" ->
     * missing_extension. A PSK offer needs neither; one we did not accept
     * leaves nothing to negotiate with -> handshake_failure. */
    if (ch->has_psk && !ch->has_key_share && !has_groups) {
        return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "no PSK accepted and no key share");
    }
    if (!ch->has_key_share || !has_groups) {
        return gmtls_fail(c, GMTLS_ALERT_MISSING_EXTENSION, "key_share or supported_groups missing");
    }
    /* RFC 8446 §4.2.8: "Each KeyShareEntry value MUST correspond to a group
     * offered in the "supported_groups" extension and MUST appear in the same
     * order. ... Servers MAY check for violations of these rules and abort
     * the handshake with an "illegal_parameter" alert if one is violated."
     * (one pass over both lists, as OpenSSL checks) */
    size_t g = 0;
    for (size_t i = 0; i < ch->nshares; i++) {
        while (g < ch->ngroups && ch->groups[g] != ch->shares[i].group) {
            g++;
        }
        if (g == ch->ngroups) {
            return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER,
                              "key share for group 0x%04x not in supported_groups or out of its order",
                              ch->shares[i].group);
        }
        g++;
    }
    /* Code point 26 is IANA's brainpoolP256r1; the Go gmtls family uses it
     * for curveSM2. Read it so only from a client that speaks that family's
     * ShangMi (a ShangMi suite or its SM2 scheme 0x0204); to anyone else it is
     * an unknown group. */
    int sm_client = client_offers_suite(ch, GMTLS_TLS_SM4_GCM_SM3) || client_offers_suite(ch, GMTLS_TLS_SM4_CCM_SM3) ||
                    gmtls_list_has(ch->sigalgs, ch->nsigalgs, GMTLS_SIGALG_SM2_LEGACY);
    /* Server preference, but a group with a key share wins to avoid an HRR. */
    uint16_t selected = 0;
    const gmtls_key_share *share = NULL;
    for (size_t i = 0; i < cfg->ngroups && share == NULL; i++) {
        const gmtls_kex_alg *k = gmtls_kex_by_id(cfg->groups[i]);
        if (k == NULL || (k->is_legacy && !sm_client)) {
            continue;
        }
        share = find_share(ch, cfg->groups[i]);
        if (share != NULL) {
            selected = cfg->groups[i];
        } else if (selected == 0 && gmtls_list_has(ch->groups, ch->ngroups, cfg->groups[i])) {
            selected = cfg->groups[i];
        }
    }
    if (selected == 0) {
        return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "no key exchange group in common");
    }
    c->group = selected;
    if (share == NULL) {
        if (c->did_hrr) {
            return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "no usable key share after HelloRetryRequest");
        }
        *retried = 1;
        return do_hello_retry(c, out, ch);
    }

    /* (EC)DHE: our share, and the shared secret from theirs. */
    const gmtls_kex_alg *kex = gmtls_kex_by_id(selected);
    void *st = NULL;
    int rc;
    if (kex->respond != NULL) {
        rc = kex->respond(share->data, share->len, pub, publen, shared, sharedlen);
    } else {
        GMTLS_TRY(kex->keygen(&st, pub, publen));
        rc = kex->derive(st, share->data, share->len, shared, sharedlen);
        kex->free(st);
    }
    if (rc != 0) {
        return gmtls_fail(c, rc, "invalid %s key share from the client", kex->name);
    }
    return 0;
}

static int process_client_hello(gmtls_conn *c, gmtls_buf *out, const gmtls_client_hello *ch)
{
    const gmtls_config *cfg = c->cfg;

    /* RFC 8446 §D.5: "Any endpoint receiving a Hello message with
     * ClientHello.legacy_version or ServerHello.legacy_version set to 0x0300
     * MUST abort the handshake with a "protocol_version" alert." - and no
     * TLS 1.3 client may send 0x0300 "or less" (0x0301 and 0x0302 are old
     * but allowed: §4.2.1 ignores legacy_version when supported_versions is
     * present, as OpenSSL does). */
    /* GB/T 38636-2020 §6.4.5.2.1: a TLCP ClientHello has client_version
     * {1, 1}; a server with an encryption certificate answers TLCP (not in
     * the strict RFC 8998 profile, nor after a HelloRetryRequest). */
    if (ch->legacy_version == GMTLS_TLCP && c->cfg->has_enc_cert && !c->cfg->strict_sm && !c->did_hrr) {
        return gmtls_tlcp_server_hello(c, out, ch);
    }
    if (ch->legacy_version <= 0x0300) {
        return gmtls_fail(c, GMTLS_ALERT_PROTOCOL_VERSION, "ClientHello legacy_version 0x%04x", ch->legacy_version);
    }
    /* Version dispatch (RFC 8446 §4.2.1, §D.2): supported_versions with
     * 0x0304 -> TLS 1.3 when enabled; otherwise TLS 1.2 when enabled and
     * offered (0x0303 in supported_versions, or without that extension a
     * legacy_version of 0x0303 or more); else protocol_version. TLCP
     * (legacy_version 0x0101) is dispatched above. */
    if (!ch->has_supported_versions || !ch->offers_tls13 || c->cfg->max_version < GMTLS_TLS13) {
        int offers12 = ch->has_supported_versions ? ch->offers_tls12 : ch->legacy_version >= GMTLS_TLS12;
        /* The strict ShangMi profile (RFC 8998 only) has no TLS 1.2. */
        if (offers12 && !c->did_hrr && c->cfg->min_version <= GMTLS_TLS12 && !c->cfg->strict_sm) {
            return gmtls_tls12_server_hello(c, out, ch);
        }
        return gmtls_fail(c, GMTLS_ALERT_PROTOCOL_VERSION, "no protocol version in common with the client");
    }
    c->version = GMTLS_TLS13;
    /* RFC 7507 §3: TLS_FALLBACK_SCSV with a version below our highest ->
     * inappropriate_fallback. We negotiate 1.3, our highest, whenever the
     * client offers it, so the SCSV is accepted as the reference does. */
    (void)client_offers_suite(ch, TLS_FALLBACK_SCSV);
    /* RFC 8446 §4.1.2: "For every TLS 1.3 ClientHello, this vector MUST
     * contain exactly one byte, set to zero" -> illegal_parameter. */
    if (ch->comp_len != 1 || ch->comp[0] != 0) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "compression methods are not exactly [null]");
    }
    GMTLS_TRY(gmtls_random(c->server_random, 32));
    /* RFC 5746 §3.6 (initial handshake): a non-empty renegotiated_connection
     * -> handshake_failure. */
    if (ch->has_reneg && ch->reneg_len != 0) {
        return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "non-empty renegotiation_info");
    }
    /* RFC 8446 §4.2.10: we never accept 0-RTT; the records the client sends
     * under its early traffic key are skipped ("ignore the extension and
     * return a regular 1-RTT response"), with or without a PSK offer. */
    c->skip_early_data = ch->early_data;
    if (!c->did_hrr) { /* after a HelloRetryRequest: rejected if the first ClientHello offered it */
        c->early_state = ch->early_data ? GMTLS_EARLY_REJECTED : GMTLS_EARLY_NONE;
    }
    memcpy(c->client_random, ch->random, 32);
    memcpy(c->session_id, ch->session_id, ch->session_id_len);
    c->session_id_len = ch->session_id_len;

    /* A known external PSK asks for a suite with its hash (RFC 8446 §4.2.11:
     * the server "MUST ensure that it selects a compatible PSK (if any) and
     * cipher suite"); failing that, any suite (a certificate handshake). */
    const gmtls_ext_psk *ext = gmtls_psk_find_external(cfg, ch);
    c->suite = ext != NULL ? pick_suite(c, ch, ext->hash) : NULL;
    if (c->suite == NULL) {
        c->suite = pick_suite(c, ch, NULL);
    }
    if (c->suite == NULL) {
        return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "no cipher suite in common");
    }
    if (!c->did_hrr) {
        GMTLS_TRY(gmtls_transcript_init(c, c->suite->hash));
    }

    /* RFC 8446 §4.2.9: psk_ke when the client does not offer psk_dhe_ke in a
     * mode we allow (psk_dhe_ke is preferred) but offers psk_ke and we allow
     * it: an external PSK without (EC)DHE, and no key_share in the
     * ServerHello. */
    int psk_index = -1, psk_tried = 0;
    /* RFC 8446 §4.2.9: "If clients offer "pre_shared_key" without a
     * "psk_key_exchange_modes" extension, servers MUST abort the handshake"
     * (missing_extension, as gmtls_psk_accept says too). */
    if (ch->has_psk && !ch->has_psk_modes) {
        return gmtls_fail(c, GMTLS_ALERT_MISSING_EXTENSION, "pre_shared_key without psk_key_exchange_modes");
    }
    if (ch->has_psk && !(ch->psk_dhe && (cfg->psk_modes & GMTLS_PSK_MODE_DHE_KE)) && ch->psk_ke &&
        (cfg->psk_modes & GMTLS_PSK_MODE_KE)) {
        GMTLS_TRY(gmtls_psk_accept(c, ch, 1, &psk_index));
        psk_tried = 1;
    }
    uint8_t pub[GMTLS_MAX_KEX_PUB], shared[GMTLS_MAX_KEX_SECRET];
    size_t publen = 0, sharedlen = 0;
    int rc;
    if (psk_index >= 0) {
        /* RFC 8446 §7.1: no (EC)DHE: Hash.length zero bytes instead. */
        sharedlen = c->suite->hash->digest_len;
        memset(shared, 0, sharedlen);
        c->group = 0;
    } else {
        int retried = 0;
        GMTLS_TRY(server_kex(c, out, ch, pub, &publen, shared, &sharedlen, &retried));
        if (retried) {
            return 0; /* HelloRetryRequest sent */
        }
    }
    c->peer_psk_dhe = ch->psk_dhe;
    c->peer_pha = ch->post_handshake_auth;
    if (ch->has_sni) {
        snprintf(c->server_name, sizeof c->server_name, "%s", ch->sni);
    }
    /* RFC 8879 §3-§4: a client that sent compress_certificate gets its
     * Certificate compressed with the first of its algorithms we enable. */
    c->cert_comp_peer = gmtls_certcomp_choose(cfg, ch->cert_comp, ch->cert_comp_len);
    if (ch->record_size_limit != 0 && cfg->record_size_limit != 0) {
        /* RFC 8449 §4: negotiated when both send it; our protected records,
         * EncryptedExtensions on, obey the client's limit. */
        gmtls_rsl_apply(c, ch->record_size_limit);
    }

    /* checkForResumption */
    if (!psk_tried) {
        rc = gmtls_psk_accept(c, ch, 0, &psk_index);
    } else {
        rc = 0;
    }
    gmtls_transcript_add(c, ch->msg, ch->msglen);
    if (rc == 0 && c->resumed && ch->early_data && c->early_ticket_ok) {
        /* RFC 8446 §7.1: client_early_traffic_secret = Derive-Secret(Early
         * Secret, "c e traffic", ClientHello). */
        uint8_t chh[GMTLS_MAX_HASH_LEN];
        rc = gmtls_transcript_hash(c, chh);
        if (rc == 0) {
            rc = gmtls_derive_secret(c->suite->hash, c->ks.early, "c e traffic", chh, c->c_early);
        }
    }
    if (rc == 0 && !c->resumed && c->ext_psk == NULL) {
        GMTLS_TRY(gmtls_ks_early(&c->ks, c->suite->hash, NULL, 0));
        /* RFC 8446 §6.2 unknown_psk_identity: "Sent by servers when PSK key
         * establishment is desired but no acceptable PSK identity is provided
         * by the client": a server with PSKs and no certificate. */
        if (ch->has_psk && cfg->npsks > 0 && cfg->ncerts == 0) {
            rc = gmtls_fail(c, GMTLS_ALERT_UNKNOWN_PSK_IDENTITY, "no acceptable PSK identity, and no certificate");
        } else if (!ch->has_sigalgs) {
            /* pickCertificate: RFC 8446 §4.2.3 / §9.2 -> missing_extension. */
            rc = gmtls_fail(c, GMTLS_ALERT_MISSING_EXTENSION, "signature_algorithms missing");
        } else {
            rc = gmtls_cert_select(c, ch);
        }
    }
    if (rc != 0) {
        gmtls_wipe(shared, sizeof shared);
        return rc;
    }
    /* sendServerParameters */
    rc = send_server_hello(c, 0, psk_index >= 0 && c->psk_ke_only ? NULL : pub, publen, psk_index, NULL, 0);
    if (rc == 0) {
        rc = gmtls_hs_flush(c, out);
    }
    if (rc == 0) {
        rc = send_compat_ccs(c, out, 0);
    }
    uint8_t th[GMTLS_MAX_HASH_LEN];
    if (rc == 0) {
        rc = gmtls_transcript_hash(c, th);
    }
    if (rc == 0) {
        rc = gmtls_ks_handshake(&c->ks, shared, sharedlen, th);
    }
    gmtls_wipe(shared, sizeof shared);
    GMTLS_TRY(rc);
    GMTLS_TRY(gmtls_rec_set_secret(&c->rd, c->suite, 0, c->ks.c_hs));
    GMTLS_TRY(gmtls_rec_set_secret(&c->wr, c->suite, 1, c->ks.s_hs));
    gmtls_keylog(c, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", c->ks.c_hs);
    gmtls_keylog(c, "SERVER_HANDSHAKE_TRAFFIC_SECRET", c->ks.s_hs);
    GMTLS_TRY(send_encrypted_extensions(c, ch));

    /* sendServerCertificate (none when a PSK authenticates, RFC 8446 §2.2) */
    if (!c->resumed && c->ext_psk == NULL) {
        if (request_client_cert(c)) {
            GMTLS_TRY(send_certificate_request(c, NULL, 0, ch));
            c->cr_legacy_ok = gmtls_list_has(ch->sigalgs, ch->nsigalgs, GMTLS_SIGALG_SM2_LEGACY);
            c->cert_requested = 1;
        }
        GMTLS_TRY(gmtls_cert_send(c, c->cert, NULL, 0, ch->status_request, ch->sct, c->cert_comp_peer));
        GMTLS_TRY(gmtls_cv_build(c, &c->cert->key, c->sigalg));
    }

    /* sendServerFinished */
    GMTLS_TRY(send_finished(c, c->ks.s_hs));
    GMTLS_TRY(gmtls_hs_flush(c, out));
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    GMTLS_TRY(gmtls_ks_master(&c->ks, th));
    GMTLS_TRY(gmtls_rec_set_secret(&c->wr, c->suite, 1, c->ks.s_ap));
    gmtls_keylog(c, "CLIENT_TRAFFIC_SECRET_0", c->ks.c_ap);
    gmtls_keylog(c, "SERVER_TRAFFIC_SECRET_0", c->ks.s_ap);
    gmtls_keylog(c, "EXPORTER_SECRET", c->ks.exporter);

    if (c->early_state == GMTLS_EARLY_ACCEPTED) {
        /* RFC 8446 §2.3: the client's early data follows under
         * client_early_traffic_secret, ended by EndOfEarlyData. */
        GMTLS_TRY(gmtls_rec_set_secret(&c->rd, c->suite, 0, c->c_early));
        gmtls_keylog(c, "CLIENT_EARLY_TRAFFIC_SECRET", c->c_early);
        c->state = ST_S_WAIT_EOED;
        return run_verify_connection(c);
    }
    if (!c->cert_requested) {
        GMTLS_TRY(expect_client_finished(c));
        return run_verify_connection(c);
    }
    c->state = ST_S_WAIT_CERT;
    return 0;
}

static int handle_client_certificate(gmtls_conn *c, gmtls_buf *out, const uint8_t *msg, size_t len)
{
    int empty = 0;
    gmtls_client_auth mode = c->cfg->client_auth;
    const uint8_t *body = msg + 4;
    size_t bodylen = len - 4;
    uint8_t *plain = NULL;
    /* RFC 8879 §4: the CompressedCertificate itself goes into the transcript. */
    gmtls_transcript_add(c, msg, len);
    if (msg[0] == GMTLS_HS_COMPRESSED_CERTIFICATE) {
        GMTLS_TRY(gmtls_certcomp_open(c, msg, len, &plain, &bodylen));
        body = plain;
    }
    int rc = gmtls_cert_msg_parse(c, body, bodylen, NULL, 0, &empty);
    free(plain);
    GMTLS_TRY(rc);
    c->client_cert_empty = empty;
    if (empty) {
        /* RFC 8446 §4.4.2.4: no certificate where one is required ->
         * certificate_required. */
        if (mode == GMTLS_CLIENT_AUTH_REQUIRE_ANY || mode == GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY) {
            return gmtls_fail(c, GMTLS_ALERT_CERTIFICATE_REQUIRED, "client sent no certificate");
        }
        snprintf(c->verify_result, sizeof c->verify_result, "no client certificate");
    } else if (mode >= GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN) {
        GMTLS_TRY(gmtls_cert_verify_chain(c, NULL));
    } else {
        snprintf(c->verify_result, sizeof c->verify_result, "not verified (client auth mode)");
    }
    GMTLS_TRY(run_verify_connection(c));
    if (empty) {
        return expect_client_finished(c);
    }
    c->state = ST_S_WAIT_CV;
    return 0;
}

/* ------------------------------------------------------------ post-handshake authentication */

int gmtls_server_pha_request(gmtls_conn *c, gmtls_buf *out, gmtls_client_auth mode)
{
    /* RFC 8446 §4.3.2: the certificate_request_context "SHALL be unique
     * within the scope of this connection (thus preventing replay of client
     * CertificateVerify messages)": 16 random bytes. */
    GMTLS_TRY(gmtls_random(c->pha_ctx, sizeof c->pha_ctx));
    GMTLS_TRY(gmtls_pha_begin(c));
    c->cr_legacy_ok = 0;
    GMTLS_TRY(send_certificate_request(c, c->pha_ctx, sizeof c->pha_ctx, NULL));
    GMTLS_TRY(gmtls_hs_flush(c, out));
    c->pha_state = GMTLS_PHA_PENDING;
    c->pha_step = 0;
    c->pha_mode = mode;
    return 0;
}

int gmtls_server_pha_handle(gmtls_conn *c, uint8_t type, const uint8_t *msg, size_t len)
{
    static const uint8_t expected[3] = {GMTLS_HS_CERTIFICATE, GMTLS_HS_CERTIFICATE_VERIFY, GMTLS_HS_FINISHED};
    /* RFC 8446 §4.4: the client answers with Certificate, CertificateVerify
     * (when the Certificate is not empty) and Finished, in that order. */
    if (type != expected[c->pha_step]) {
        return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "unexpected message %u in post-handshake authentication",
                          type);
    }
    if (c->pha_step == 0) {
        int empty = 0;
        gmtls_transcript_add(c, msg, len);
        /* the context must be the request's (cert.c: illegal_parameter) */
        GMTLS_TRY(gmtls_cert_msg_parse(c, msg + 4, len - 4, c->pha_ctx, sizeof c->pha_ctx, &empty));
        if (empty) {
            /* RFC 8446 §4.4.2.4: no certificate where one is required ->
             * certificate_required. */
            if (c->pha_mode == GMTLS_CLIENT_AUTH_REQUIRE_ANY || c->pha_mode == GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY) {
                return gmtls_fail(c, GMTLS_ALERT_CERTIFICATE_REQUIRED, "client sent no certificate");
            }
            snprintf(c->verify_result, sizeof c->verify_result, "no client certificate");
            c->pha_step = 2;
        } else if (c->pha_mode >= GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN) {
            GMTLS_TRY(gmtls_cert_verify_chain(c, NULL));
            c->pha_step = 1;
        } else {
            snprintf(c->verify_result, sizeof c->verify_result, "not verified (client auth mode)");
            c->pha_step = 1;
        }
        return 0;
    }
    if (c->pha_step == 1) {
        size_t nv;
        const uint16_t *v = gmtls_verify_sigalgs(c->cfg, &nv);
        GMTLS_TRY(gmtls_cv_check(c, msg + 4, len - 4, v, nv));
        gmtls_transcript_add(c, msg, len);
        c->pha_step = 2;
        return 0;
    }
    /* RFC 8446 §4.4.4: Finished under the client's current application
     * traffic secret, over the transcript through CertificateVerify;
     * wrong length -> decode_error, mismatch -> decrypt_error. */
    uint8_t th[GMTLS_MAX_HASH_LEN], want[GMTLS_MAX_HASH_LEN];
    size_t hl = c->suite->hash->digest_len;
    if (len - 4 != hl) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "post-handshake Finished has the wrong length");
    }
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    GMTLS_TRY(gmtls_finished_mac(c->suite->hash, c->rd.secret, th, want));
    if (!gmtls_ct_memeq(msg + 4, want, hl)) {
        return gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "invalid post-handshake Finished");
    }
    gmtls_pha_end(c);
    c->pha_state = GMTLS_PHA_DONE;
    return run_verify_connection(c);
}

static int process_second_client_hello(gmtls_conn *c, gmtls_buf *out, const gmtls_client_hello *ch)
{
    gmtls_client_hello ch1;
    uint8_t h[GMTLS_MAX_HASH_LEN];
    if (gmtls_ch_parse(&ch1, c->ch1, c->ch1_len) != 0) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    int rc = gmtls_ch_compare(&ch1, ch);
    /* RFC 8446 §4.1.2: the second ClientHello is the first "without
     * modification, except ... (optionally) removing any PSKs which are
     * incompatible with the server's indicated cipher suite": dropping a PSK
     * the suite could use is a change the RFC does not allow. (Tickets that
     * are not ours cannot be judged and may go.) */
    int dropped = 0;
    if (rc == 0 && ch1.has_psk && !ch->has_psk) {
        dropped = gmtls_psk_compatible(c, &ch1);
    }
    gmtls_ch_free(&ch1);
    if (dropped < 0 || dropped > 1) {
        return dropped;
    }
    if (dropped) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "second ClientHello dropped a usable PSK");
    }
    /* RFC 8446 §4.1.2 and the reference: exactly one key share, for the
     * selected group; no early_data; nothing else changed. */
    if (ch->nshares != 1 || ch->shares[0].group != c->group) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "second ClientHello has the wrong key share");
    }
    if (ch->early_data) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "early_data in the second ClientHello");
    }
    if (rc != 0) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "second ClientHello changed illegally");
    }
    /* RFC 8446 §4.2.2: "When sending the new ClientHello, the client MUST
     * copy the contents of the extension received in the HelloRetryRequest
     * into a "cookie" extension in the new ClientHello": without it the
     * ClientHello lacks an extension it must carry -> missing_extension. */
    if (!ch->has_cookie) {
        return gmtls_fail(c, GMTLS_ALERT_MISSING_EXTENSION, "second ClientHello without the cookie");
    }
    GMTLS_TRY(gmtls_hash(c->suite->hash, c->ch1, c->ch1_len, h));
    GMTLS_TRY(gmtls_cookie_check(c, ch->cookie, ch->cookie_len, h, c->suite->hash->digest_len));
    /* The suite must not change after HelloRetryRequest (RFC 8446 §4.1.4). */
    const gmtls_suite *suite = c->suite;
    rc = process_client_hello(c, out, ch);
    if (rc == 0 && c->suite != suite) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "cipher suite changed after HelloRetryRequest");
    }
    return rc;
}

int gmtls_server_handle(gmtls_conn *c, gmtls_buf *out, uint8_t type, const uint8_t *msg, size_t len)
{
    gmtls_client_hello ch;
    int rc;
    if (GMTLS_IS_12FAMILY(c)) {
        return gmtls_tls12_handle(c, out, type, msg, len);
    }
    switch (c->state) {
    case ST_S_WAIT_CH:
        if (type != GMTLS_HS_CLIENT_HELLO) {
            break;
        }
        c->ccs_allowed = 1;
        GMTLS_TRY(gmtls_fail(c, gmtls_ch_parse(&ch, msg, len), "malformed ClientHello"));
        rc = process_client_hello(c, out, &ch);
        gmtls_ch_free(&ch);
        return rc;
    case ST_S_WAIT_CH2:
        if (type != GMTLS_HS_CLIENT_HELLO) {
            break;
        }
        GMTLS_TRY(gmtls_fail(c, gmtls_ch_parse(&ch, msg, len), "malformed second ClientHello"));
        rc = process_second_client_hello(c, out, &ch);
        gmtls_ch_free(&ch);
        return rc;
    case ST_S_WAIT_EOED:
        if (type != GMTLS_HS_END_OF_EARLY_DATA) {
            break;
        }
        /* RFC 8446 §4.5: struct {} EndOfEarlyData: an empty body. */
        if (len != 4) {
            return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "EndOfEarlyData is not empty");
        }
        /* §4.5: "the client ... sends an EndOfEarlyData message ... After
         * sending this message, ... switch to the handshake traffic keys" -
         * it ends the transcript part the client Finished covers. */
        gmtls_transcript_add(c, msg, len);
        GMTLS_TRY(gmtls_rec_set_secret(&c->rd, c->suite, 0, c->ks.c_hs));
        gmtls_wipe(c->c_early, sizeof c->c_early);
        return expect_client_finished(c);
    case ST_S_WAIT_CERT:
        /* RFC 8879 §4: a CompressedCertificate only if our CertificateRequest offered compression */
        if (type != GMTLS_HS_CERTIFICATE && !(type == GMTLS_HS_COMPRESSED_CERTIFICATE && c->sent_cr_cert_comp)) {
            break;
        }
        return handle_client_certificate(c, out, msg, len);
    case ST_S_WAIT_CV: {
        if (type != GMTLS_HS_CERTIFICATE_VERIFY) {
            break;
        }
        size_t nv;
        const uint16_t *v = gmtls_verify_sigalgs(c->cfg, &nv);
        GMTLS_TRY(gmtls_cv_check(c, msg + 4, len - 4, v, nv));
        gmtls_transcript_add(c, msg, len);
        return expect_client_finished(c);
    }
    case ST_S_WAIT_FINISHED: {
        if (type != GMTLS_HS_FINISHED) {
            break;
        }
        size_t hl = c->suite->hash->digest_len;
        /* RFC 8446 §4.4.4: verify_data is Hash.length bytes; a mismatch ->
         * decrypt_error (compared in constant time). */
        if (len - 4 != hl) {
            return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "client Finished has the wrong length");
        }
        if (!gmtls_ct_memeq(msg + 4, c->client_finished, hl)) {
            return gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "invalid client Finished");
        }
        GMTLS_TRY(gmtls_rec_set_secret(&c->rd, c->suite, 0, c->ks.c_ap));
        c->ccs_allowed = 0;
        c->skip_early_data = 0;
        c->state = ST_DONE;
        /* RFC 8446 §4.6.1: "At any time after the server has received the
         * client Finished message, it MAY send a NewSessionTicket message." */
        return gmtls_ticket_send(c, out);
    }
    default:
        break;
    }
    return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "unexpected handshake message %u", type);
}
