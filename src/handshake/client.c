/* The client handshake (RFC 8446 §4): ClientHello (and the second one after
 * a HelloRetryRequest), ServerHello checks, EncryptedExtensions,
 * CertificateRequest, server Certificate/CertificateVerify/Finished, and the
 * client's second flight. */
#include <stdio.h>
#include <stdlib.h>

#include "handshake/internal.h"

extern const uint8_t gmtls_hrr_random[32];

/* The body of the key_share extension of our first ClientHello (c->ch1). */
static int ch1_key_share(gmtls_conn *c, gmtls_rd *body)
{
    gmtls_rd r, v, exts;
    gmtls_ext e;
    size_t n = 0;
    /* legacy_version, random, legacy_session_id<0..32>, cipher_suites<2..>,
     * legacy_compression_methods<1..>, extensions */
    gmtls_rd_init(&r, c->ch1, c->ch1 != NULL ? c->ch1_len : 0);
    (void)gmtls_rd_bytes(&r, 4);
    (void)gmtls_rd_bytes(&r, 2 + 32);
    (void)gmtls_rd_vec(&r, 1, 0, 32, &v);
    (void)gmtls_rd_vec(&r, 2, 2, 0xfffe, &v);
    (void)gmtls_rd_vec(&r, 1, 1, 0xff, &v);
    if (r.err == 0 && gmtls_exts_check(&r, &exts, &n) == 0) {
        while (gmtls_exts_next(&exts, &e)) {
            if (e.type == GMTLS_EXT_KEY_SHARE) {
                gmtls_rd_init(body, e.data, e.len);
                return 0;
            }
        }
    }
    return gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "our first ClientHello has no key_share");
}

static int build_client_hello(gmtls_conn *c, gmtls_buf *out, const uint8_t *cookie, size_t cookielen)
{
    const gmtls_config *cfg = c->cfg;
    uint8_t pub[GMTLS_MAX_KEX_PUB], pub2[GMTLS_MAX_KEX_PUB];
    size_t publen = 0, publen2 = 0;
    gmtls_rd kept = {NULL, NULL, 0};
    if (c->kex_state != NULL) {
        /* RFC 8446 §4.1.2: the second ClientHello is the first "without
         * modification, except" that the key shares are replaced "If a
         * "key_share" extension was supplied in the HelloRetryRequest": after
         * a HelloRetryRequest without one (a cookie only; handle_hello_retry
         * keeps the key pair then) the shares are the first ClientHello's. */
        GMTLS_TRY(ch1_key_share(c, &kept));
    } else {
        GMTLS_TRY(c->kex_offered->keygen(&c->kex_state, pub, &publen));
    }
    if (kept.p == NULL && c->kex_offered2 != NULL) {
        /* the second share (a classical one beside a hybrid) comes with the first */
        if (c->kex_state2 != NULL) {
            c->kex_offered2->free(c->kex_state2);
            c->kex_state2 = NULL;
        }
        GMTLS_TRY(c->kex_offered2->keygen(&c->kex_state2, pub2, &publen2));
    }

    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_CLIENT_HELLO);
    gmtls_wr_u16(&w, 0x0303);
    gmtls_wr_bytes(&w, c->client_random, 32);
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, c->session_id, c->session_id_len);
    gmtls_wr_close(&w);
    gmtls_wr_open(&w, 2);
    for (size_t i = 0; i < cfg->nsuites && cfg->max_version >= GMTLS_TLS13; i++) {
        gmtls_wr_u16(&w, cfg->suites[i]);
    }
    gmtls_tls12_client_suites(c, &w);
    gmtls_wr_close(&w);
    gmtls_wr_u8(&w, 1);
    gmtls_wr_u8(&w, 0);
    gmtls_wr_open(&w, 2);
    /* The extensions, in the table's order (src/ext/ext_table.c). */
    gmtls_ch_out o = {kept, pub, pub2, publen, publen2, cookie, cookielen};
    int rc = gmtls_exts_write(c, GMTLS_EXT_IN_CH, &w, &o);
    gmtls_wr_close(&w);
    gmtls_wr_close(&w);
    if (rc == 0) {
        rc = gmtls_wr_finish(&w);
    }
    if (rc == 0 && (c->offered_psk || c->noffered_ext > 0)) {
        /* The binder covers the transcript so far (message_hash and HRR after
         * a retry) and this ClientHello truncated before the binders. */
        rc = gmtls_psk_fill_binder(c, tmp.base, tmp.off);
    }
    if (rc == 0) {
        if (c->ch1 == NULL) {
            c->ch1 = malloc(tmp.off);
            if (c->ch1 == NULL) {
                rc = GMTLS_ERR_NO_MEMORY;
            } else {
                memcpy(c->ch1, tmp.base, tmp.off);
                c->ch1_len = tmp.off;
            }
        } else {
            gmtls_transcript_add(c, tmp.base, tmp.off);
        }
    }
    if (rc == 0) {
        gmtls_rec plain;
        memset(&plain, 0, sizeof plain);
        rc = gmtls_rec_write(&plain, out, GMTLS_CT_HANDSHAKE, tmp.base, tmp.off, 0);
    }
    gmtls_buf_dispose(&tmp);
    return rc;
}

static int send_early_data(gmtls_conn *c, gmtls_buf *out);

int gmtls_client_start(gmtls_conn *c, gmtls_buf *out)
{
    const gmtls_config *cfg = c->cfg;
    uint16_t group = cfg->groups[0];
    /* Without a configured group list, a ShangMi-first client offers its key
     * share on curveSM2 (RFC 8998 §3), with curveSM2MLKEM768 beside it. */
    const gmtls_suite *first = gmtls_suite_by_id(cfg->suites[0]);
    int sm_first = !cfg->groups_custom && first != NULL && first->is_sm &&
                   gmtls_list_has(cfg->groups, cfg->ngroups, GMTLS_GROUP_CURVESM2);
    if (sm_first) {
        group = gmtls_list_has(cfg->groups, cfg->ngroups, GMTLS_GROUP_CURVESM2MLKEM768) ? GMTLS_GROUP_CURVESM2MLKEM768
                                                                                        : GMTLS_GROUP_CURVESM2;
    }
    c->kex_offered = gmtls_kex_by_id(group);
    if (c->kex_offered == NULL) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    /* Beside a hybrid post-quantum share, a classical one (the next
     * non-hybrid group listed; curveSM2 for a ShangMi-first client), as
     * browsers send X25519MLKEM768 and x25519: a server without ML-KEM picks
     * the classical share without a HelloRetryRequest. */
    c->kex_offered2 = NULL;
    if (gmtls_kex_is_hybrid(group)) {
        for (size_t i = 0; i < cfg->ngroups && c->kex_offered2 == NULL; i++) {
            const gmtls_kex_alg *k = gmtls_kex_by_id(cfg->groups[i]);
            if (k != NULL && !gmtls_kex_is_hybrid(k->id) && gmtls_kex_client_offers(k, cfg->groups_custom) &&
                (!sm_first || k->id == GMTLS_GROUP_CURVESM2)) {
                c->kex_offered2 = k;
            }
        }
    }
    GMTLS_TRY(gmtls_random(c->client_random, 32));
    /* RFC 8446 §D.4: middlebox compatibility mode, a non-empty session id.
     * A TLS 1.2-only client sends none (RFC 5246 §7.4.1.2: empty without a
     * session to resume), or a fresh one beside a ticket to see whether
     * the server resumed (RFC 5077 §3.4). */
    GMTLS_TRY(gmtls_random(c->session_id, 32));
    c->session_id_len = cfg->max_version >= GMTLS_TLS13 || gmtls_tls12_client_offers_ticket(c) ? 32 : 0;
    if (c->offer.ticket != NULL) {
        const gmtls_suite *s = gmtls_suite_by_id(c->offer.suite);
        uint64_t age = gmtls_now_ms(c) - c->offer.received_ms;
        c->offered_psk = s != NULL && age / 1000 < c->offer.lifetime;
        for (size_t i = 0; c->offered_psk && i < cfg->nsuites; i++) {
            const gmtls_suite *o = gmtls_suite_by_id(cfg->suites[i]);
            if (o != NULL && o->hash == s->hash) {
                break;
            }
            if (i + 1 == cfg->nsuites) {
                c->offered_psk = 0;
            }
        }
    }
    gmtls_psk_choose_external(c);
    /* RFC 8446 §4.2.10: early data only with a ticket (our first identity)
     * that allows it, and no more than its max_early_data_size. */
    c->early_sending = c->offered_psk && c->early_buf.off > 0 && c->early_buf.off <= c->offer.max_early;
    GMTLS_TRY(build_client_hello(c, out, NULL, 0));
    c->ccs_allowed = 1;
    c->state = ST_C_WAIT_SH;
    if (c->early_sending) {
        GMTLS_TRY(send_early_data(c, out));
    }
    return 0;
}

/* RFC 8446 §2.3: the early data right after the ClientHello, under
 * client_early_traffic_secret = Derive-Secret(Early Secret of the ticket's
 * PSK, "c e traffic", ClientHello), with the ticket's suite; the write key is
 * kept for EndOfEarlyData (send_second_flight). */
static int send_early_data(gmtls_conn *c, gmtls_buf *out)
{
    const gmtls_suite *s = gmtls_suite_by_id(c->offer.suite);
    uint8_t th[GMTLS_MAX_HASH_LEN];
    gmtls_keysched ks;
    memset(&ks, 0, sizeof ks);
    int rc = gmtls_ks_early(&ks, s->hash, c->offer.psk, c->offer.psk_len);
    if (rc == 0) {
        rc = gmtls_hash(s->hash, c->ch1, c->ch1_len, th);
    }
    if (rc == 0) {
        rc = gmtls_derive_secret(s->hash, ks.early, "c e traffic", th, c->c_early);
    }
    gmtls_ks_wipe(&ks);
    GMTLS_TRY(rc);
    GMTLS_TRY(gmtls_rec_set_secret(&c->early_wr, s, 1, c->c_early));
    gmtls_keylog(c, "CLIENT_EARLY_TRAFFIC_SECRET", c->c_early);
    gmtls_wipe(c->c_early, sizeof c->c_early);
    c->early_state = GMTLS_EARLY_REJECTED; /* until EncryptedExtensions says otherwise */
    size_t max = gmtls_rec_max_plain(&c->early_wr);
    for (size_t off = 0; off < c->early_buf.off;) {
        size_t n = c->early_buf.off - off > max ? max : c->early_buf.off - off;
        GMTLS_TRY(gmtls_rec_write(&c->early_wr, out, GMTLS_CT_APPLICATION_DATA, c->early_buf.base + off, n,
                                  c->cfg->record_padding));
        off += n;
        c->bytes_sent += n;
    }
    return 0;
}

static int offered_suite(const gmtls_config *cfg, uint16_t id)
{
    return gmtls_list_has(cfg->suites, cfg->nsuites, id);
}

static int handle_hello_retry(gmtls_conn *c, gmtls_buf *out, const uint8_t *msg, size_t len, gmtls_rd exts)
{
    gmtls_sh_exts hrr = {0, 0, NULL, 0, -1, NULL, 0};
    /* RFC 8446 §4.1.4: "If a client receives a second HelloRetryRequest in the
     * same connection ... it MUST abort the handshake with an
     * "unexpected_message" alert." */
    if (c->did_hrr) {
        return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "second HelloRetryRequest");
    }
    GMTLS_TRY(gmtls_exts_parse(c, GMTLS_EXT_IN_HRR, "HelloRetryRequest", exts, &hrr));
    uint16_t group = hrr.group;
    const uint8_t *cookie = hrr.cookie;
    size_t cookielen = hrr.cookielen;
    int has_version = hrr.has_version;
    if (!has_version) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "HelloRetryRequest without TLS 1.3");
    }
    /* RFC 8446 §4.2.8: the selected_group must be one we support and not the
     * group of the share we already sent -> illegal_parameter. A retry that
     * would change nothing is illegal too. */
    if (group == 0 && cookie == NULL) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "HelloRetryRequest changes nothing");
    }
    if (group != 0) {
        const gmtls_kex_alg *k = gmtls_kex_by_id(group);
        if (k == NULL || !gmtls_list_has(c->cfg->groups, c->cfg->ngroups, group) || group == c->kex_offered->id ||
            (c->kex_offered2 != NULL && group == c->kex_offered2->id) ||
            !gmtls_kex_client_offers(k, c->cfg->groups_custom)) {
            return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "HelloRetryRequest selects group 0x%04x", group);
        }
        c->kex_offered->free(c->kex_state);
        c->kex_state = NULL;
        c->kex_offered = k;
        /* RFC 8446 §4.1.2: the second ClientHello has the one requested share */
        if (c->kex_offered2 != NULL) {
            c->kex_offered2->free(c->kex_state2);
            c->kex_state2 = NULL;
            c->kex_offered2 = NULL;
        }
    }
    /* RFC 8446 §4.4.1: transcript = message_hash(CH1) || HelloRetryRequest. */
    uint8_t h[GMTLS_MAX_HASH_LEN];
    size_t hl = c->suite->hash->digest_len;
    GMTLS_TRY(gmtls_transcript_init(c, c->suite->hash));
    GMTLS_TRY(gmtls_hash(c->suite->hash, c->ch1, c->ch1_len, h));
    uint8_t hdr[4] = {GMTLS_HS_MESSAGE_HASH, 0, 0, (uint8_t)hl};
    gmtls_transcript_add(c, hdr, 4);
    gmtls_transcript_add(c, h, hl);
    gmtls_transcript_add(c, msg, len);
    c->did_hrr = 1;
    c->group = c->kex_offered->id;
    /* A PSK whose hash differs from the selected suite's cannot be used. */
    if (c->offered_psk) {
        const gmtls_suite *s = gmtls_suite_by_id(c->offer.suite);
        if (s == NULL || s->hash != c->suite->hash) {
            c->offered_psk = 0;
        }
    }
    gmtls_psk_choose_external(c);
    /* RFC 8446 §4.2.10: "A client MUST NOT include the "early_data"
     * extension in its followup ClientHello": the early data is rejected. */
    c->early_sending = 0;
    /* RFC 8446 §D.4: the client's dummy change_cipher_spec "may either be
     * before its second ClientHello or before its encrypted handshake
     * flight": we always take the second place (send_second_flight). */
    return build_client_hello(c, out, cookie, cookielen);
}

/* The (EC)DHE shared secret from the server's share for `group`. */
static int client_kex(gmtls_conn *c, uint16_t group, const uint8_t *share, size_t sharelen, uint8_t *shared,
                      size_t *sharedlen)
{
    if (c->kex_offered2 != NULL && group == c->kex_offered2->id) {
        /* the server took the second share: keep it, drop the first */
        const gmtls_kex_alg *k = c->kex_offered;
        void *st = c->kex_state;
        c->kex_offered = c->kex_offered2;
        c->kex_state = c->kex_state2;
        c->kex_offered2 = k;
        c->kex_state2 = st;
    }
    if (group != c->kex_offered->id) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server key share for group 0x%04x we did not send", group);
    }
    if (c->kex_offered2 != NULL) {
        c->kex_offered2->free(c->kex_state2);
        c->kex_state2 = NULL;
        c->kex_offered2 = NULL;
    }
    int rc = c->kex_offered->derive(c->kex_state, share, sharelen, shared, sharedlen);
    c->kex_offered->free(c->kex_state);
    c->kex_state = NULL;
    if (rc != 0) {
        return gmtls_fail(c, rc, "invalid key share from the server");
    }
    return 0;
}

static int handle_server_hello(gmtls_conn *c, gmtls_buf *out, const uint8_t *msg, size_t len)
{
    gmtls_rd r, sid, exts;
    gmtls_ext e;
    size_t nexts = 0;
    gmtls_rd_init(&r, msg + 4, len - 4);
    /* struct { ProtocolVersion legacy_version = 0x0303; Random random;
     *   opaque legacy_session_id_echo<0..32>; CipherSuite cipher_suite;
     *   uint8 legacy_compression_method = 0; Extension extensions<6..2^16-1>; } */
    uint16_t legacy = gmtls_rd_u16(&r);
    const uint8_t *random = gmtls_rd_bytes(&r, 32);
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_vec(&r, 1, 0, 32, &sid), "malformed ServerHello"));
    uint16_t suite_id = gmtls_rd_u16(&r);
    uint8_t comp = gmtls_rd_u8(&r);
    if (r.err) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed ServerHello");
    }
    if (gmtls_tls12_client_offers(c) && !c->did_hrr) {
        /* RFC 8446 §4.2.1: a server negotiating TLS 1.2 "MUST NOT send the
         * "supported_versions" extension": without it, TLS 1.2 (tls12.c). */
        int has_sv = 0;
        gmtls_rd scan, blk;
        size_t ns = 0;
        gmtls_rd_init(&scan, r.p, gmtls_rd_left(&r));
        if (gmtls_rd_left(&scan) > 0 && gmtls_exts_check(&scan, &blk, &ns) == 0) {
            while (gmtls_exts_next(&blk, &e)) {
                has_sv |= e.type == GMTLS_EXT_SUPPORTED_VERSIONS;
            }
        }
        if (!has_sv) {
            return gmtls_tls12_client_server_hello(c, msg, len);
        }
    }
    if (gmtls_rd_left(&r) == 0) {
        return gmtls_fail(c, GMTLS_ALERT_PROTOCOL_VERSION, "server does not speak TLS 1.3 (no extensions)");
    }
    GMTLS_TRY(gmtls_fail(c, gmtls_exts_check(&r, &exts, &nexts), "bad ServerHello extensions"));
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_done(&r), "trailing bytes in ServerHello"));
    /* RFC 8446 §D.5: "Any endpoint receiving a Hello message with
     * ClientHello.legacy_version or ServerHello.legacy_version set to 0x0300
     * MUST abort the handshake with a "protocol_version" alert." (0x0300 or
     * less: no TLS 1.3 peer may send such a value.) */
    if (legacy <= 0x0300) {
        return gmtls_fail(c, GMTLS_ALERT_PROTOCOL_VERSION, "ServerHello legacy_version 0x%04x", legacy);
    }
    /* RFC 8446 §4.1.3: in a TLS 1.3 ServerHello (or HelloRetryRequest), one
     * with supported_versions, "the legacy_version field MUST be set to
     * 0x0303" -> illegal_parameter. (Without the extension it is not TLS 1.3:
     * protocol_version, below.) */
    {
        gmtls_rd scan = exts;
        int has_sv = 0;
        while (gmtls_exts_next(&scan, &e)) {
            if (e.type == GMTLS_EXT_SUPPORTED_VERSIONS && legacy != 0x0303) {
                return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "ServerHello legacy_version 0x%04x", legacy);
            }
            has_sv |= e.type == GMTLS_EXT_SUPPORTED_VERSIONS;
        }
        /* RFC 8446 §4.1.3: without supported_versions the server chose TLS
         * 1.2 or older, which this client did not offer -> protocol_version
         * (before any other field of a hello of another version is judged). */
        if (!has_sv) {
            return gmtls_fail(c, GMTLS_ALERT_PROTOCOL_VERSION, "server does not speak TLS 1.3");
        }
    }
    /* RFC 8446 §4.1.3: the echo must match what we sent, the suite must be
     * one we offered, compression must be 0 -> illegal_parameter. */
    if (gmtls_rd_left(&sid) != c->session_id_len || memcmp(sid.p, c->session_id, c->session_id_len) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "legacy_session_id_echo does not match");
    }
    const gmtls_suite *suite = gmtls_suite_by_id(suite_id);
    if (suite == NULL || !offered_suite(c->cfg, suite_id)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server chose cipher suite 0x%04x we did not offer",
                          suite_id);
    }
    if (comp != 0) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "non-null compression");
    }
    /* RFC 8446 §4.1.4: the suite of the ServerHello must equal the HRR's. */
    if (c->did_hrr && suite != c->suite) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "cipher suite changed after HelloRetryRequest");
    }
    c->suite = suite;
    if (memcmp(random, gmtls_hrr_random, 32) == 0) {
        return handle_hello_retry(c, out, msg, len, exts);
    }
    memcpy(c->server_random, random, 32);

    gmtls_sh_exts sh = {0, 0, NULL, 0, -1, NULL, 0};
    GMTLS_TRY(gmtls_exts_parse(c, GMTLS_EXT_IN_SH, "ServerHello", exts, &sh));
    const uint8_t *share = sh.share;
    size_t sharelen = sh.sharelen;
    int has_version = sh.has_version;
    size_t psk_selected = sh.psk_index >= 0 ? (size_t)sh.psk_index + 1 : 0; /* 1 + the selected index */
    uint16_t group = sh.group;
    if (!has_version) {
        return gmtls_fail(c, GMTLS_ALERT_PROTOCOL_VERSION, "server does not speak TLS 1.3");
    }
    const gmtls_ext_psk *ext = psk_selected > 0 ? gmtls_psk_offered_external(c, psk_selected - 1) : NULL;
    /* RFC 8446 §4.2.9: in psk_ke mode "the server MUST NOT supply a
     * "key_share" value"; in psk_dhe_ke mode it "MUST supply" one. A mode we
     * did not offer -> illegal_parameter; no key share where one is needed ->
     * missing_extension. */
    if (share == NULL && psk_selected > 0 && (c->cfg->psk_modes & GMTLS_PSK_MODE_KE)) {
        c->psk_ke_only = 1;
    } else if (share == NULL) {
        return gmtls_fail(c, GMTLS_ALERT_MISSING_EXTENSION, "ServerHello without key_share");
    } else if (psk_selected > 0 && !(c->cfg->psk_modes & GMTLS_PSK_MODE_DHE_KE)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server used psk_dhe_ke, we offered psk_ke only");
    }
    uint8_t shared[GMTLS_MAX_KEX_SECRET], th[GMTLS_MAX_HASH_LEN];
    size_t sharedlen = 0;
    int rc = 0;
    if (c->psk_ke_only) {
        /* RFC 8446 §7.1: "If a given secret is not available, then the
         * 0-value consisting of a string of Hash.length bytes set to zeros
         * is used" - the (EC)DHE input of the Handshake Secret. */
        memset(shared, 0, suite->hash->digest_len);
        sharedlen = suite->hash->digest_len;
        if (c->kex_state != NULL) {
            c->kex_offered->free(c->kex_state);
            c->kex_state = NULL;
        }
        if (c->kex_offered2 != NULL && c->kex_state2 != NULL) {
            c->kex_offered2->free(c->kex_state2);
            c->kex_state2 = NULL;
        }
        c->kex_offered2 = NULL;
        group = 0;
    } else {
        rc = client_kex(c, group, share, sharelen, shared, &sharedlen);
        if (rc != 0) {
            return rc;
        }
    }
    c->group = group;
    c->ext_psk = ext;
    if (ext != NULL) {
        snprintf(c->verify_result, sizeof c->verify_result, "%s", "no certificate (external PSK)");
    }
    if (!c->did_hrr) {
        rc = gmtls_transcript_init(c, suite->hash);
        if (rc == 0) {
            gmtls_transcript_add(c, c->ch1, c->ch1_len);
        }
    }
    gmtls_transcript_add(c, msg, len);
    if (rc == 0 && ext != NULL) {
        rc = gmtls_ks_early_ext(&c->ks, suite->hash, ext->key, ext->key_len);
    } else if (rc == 0 && psk_selected > 0) {
        c->resumed = 1;
        rc = gmtls_ks_early(&c->ks, suite->hash, c->offer.psk, c->offer.psk_len);
    } else if (rc == 0) {
        rc = gmtls_ks_early(&c->ks, suite->hash, NULL, 0);
    }
    if (rc == 0) {
        rc = gmtls_transcript_hash(c, th);
    }
    if (rc == 0) {
        rc = gmtls_ks_handshake(&c->ks, shared, sharedlen, th);
    }
    gmtls_wipe(shared, sizeof shared);
    GMTLS_TRY(rc);
    /* The dummy change_cipher_spec (RFC 8446 §D.4) is not sent here: it goes
     * before our first protected record, the second flight or an alert
     * (send_second_flight, conn_fail), and only if the server sent one. */
    GMTLS_TRY(gmtls_rec_set_secret(&c->rd, suite, 0, c->ks.s_hs));
    GMTLS_TRY(gmtls_rec_set_secret(&c->wr, suite, 1, c->ks.c_hs));
    gmtls_keylog(c, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", c->ks.c_hs);
    gmtls_keylog(c, "SERVER_HANDSHAKE_TRAFFIC_SECRET", c->ks.s_hs);
    c->state = ST_C_WAIT_EE;
    return 0;
}

static int handle_encrypted_extensions(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    gmtls_rd r, exts;
    size_t nexts = 0;
    gmtls_rd_init(&r, msg + 4, len - 4);
    GMTLS_TRY(gmtls_fail(c, gmtls_exts_check(&r, &exts, &nexts), "bad EncryptedExtensions"));
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_done(&r), "malformed EncryptedExtensions"));
    GMTLS_TRY(gmtls_exts_parse(c, GMTLS_EXT_IN_EE, "EncryptedExtensions", exts, NULL));
    /* RFC 8446 §4.2.10: "If the server supplies an "early_data" extension,
     * the client MUST verify that the server's selected_identity is 0. If
     * any other value is returned, the client MUST abort the handshake with
     * an "illegal_parameter" alert." (the ticket is our identity 0) */
    if (c->early_state == GMTLS_EARLY_ACCEPTED && !(c->resumed && c->ext_psk == NULL)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "early_data accepted without the first PSK");
    }
    gmtls_transcript_add(c, msg, len);
    /* RFC 8446 §2.2: a PSK handshake (resumption or external) authenticates
     * with the PSK: no Certificate, no CertificateVerify, and §4.3.2 "Servers
     * which are authenticating with a PSK MUST NOT send the
     * CertificateRequest message in the main handshake". */
    c->state = c->resumed || c->ext_psk != NULL ? ST_C_WAIT_FINISHED : ST_C_WAIT_CERT_CR;
    return 0;
}

/* CertificateRequest in the handshake, or after it (post: RFC 8446 §4.6.2). */
static int handle_certificate_request(gmtls_conn *c, const uint8_t *msg, size_t len, int post)
{
    gmtls_rd r, ctx, exts;
    size_t nexts = 0;
    gmtls_rd_init(&r, msg + 4, len - 4);
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_vec(&r, 1, 0, 255, &ctx), "malformed CertificateRequest"));
    /* RFC 8446 §4.3.2: in the main handshake the context SHALL be zero length. */
    if (!post && gmtls_rd_left(&ctx) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "non-empty certificate_request_context");
    }
    if (post) {
        /* echoed in our Certificate */
        free(c->cr_context);
        c->cr_context_len = gmtls_rd_left(&ctx);
        c->cr_context = malloc(c->cr_context_len + 1);
        if (c->cr_context == NULL) {
            return GMTLS_ERR_NO_MEMORY;
        }
        memcpy(c->cr_context, ctx.p, c->cr_context_len);
    }
    GMTLS_TRY(gmtls_fail(c, gmtls_exts_check(&r, &exts, &nexts), "bad CertificateRequest"));
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_done(&r), "malformed CertificateRequest"));
    gmtls_cr_exts cr = {0};
    GMTLS_TRY(gmtls_exts_parse(c, GMTLS_EXT_IN_CR, "CertificateRequest", exts, &cr));
    /* RFC 8446 §4.3.2: "The "signature_algorithms" extension MUST be specified". */
    if (!cr.has_sigalgs) {
        return gmtls_fail(c, GMTLS_ALERT_MISSING_EXTENSION, "CertificateRequest without signature_algorithms");
    }
    gmtls_transcript_add(c, msg, len);
    if (!post) {
        c->cert_requested = 1;
        c->state = ST_C_WAIT_CERT;
    }
    return 0;
}

int gmtls_client_pha(gmtls_conn *c, gmtls_buf *out, const uint8_t *msg, size_t len)
{
    uint8_t th[GMTLS_MAX_HASH_LEN], fin[4 + GMTLS_MAX_HASH_LEN];
    size_t hl = c->suite->hash->digest_len;
    uint16_t sigalg = 0;
    GMTLS_TRY(gmtls_pha_begin(c));
    GMTLS_TRY(handle_certificate_request(c, msg, len, 1));
    /* RFC 8446 §4.4.2: the Certificate echoes the request's context; no
     * certificate that fits -> an empty one and no CertificateVerify. */
    const gmtls_cert *cert = gmtls_cert_for_request(c, &sigalg);
    GMTLS_TRY(gmtls_cert_msg_build(c, cert, c->cr_context, c->cr_context_len, 0, 0));
    if (cert != NULL) {
        GMTLS_TRY(gmtls_cv_build(c, &cert->key, sigalg));
    }
    /* RFC 8446 §4.4: the Finished's base key after the handshake is
     * client_application_traffic_secret_N, our current write secret. */
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    fin[0] = GMTLS_HS_FINISHED;
    fin[1] = fin[2] = 0;
    fin[3] = (uint8_t)hl;
    GMTLS_TRY(gmtls_finished_mac(c->suite->hash, c->wr.secret, th, fin + 4));
    GMTLS_TRY(gmtls_hs_queue(c, fin, 4 + hl));
    GMTLS_TRY(gmtls_hs_flush(c, out));
    gmtls_pha_end(c);
    c->pha_state = GMTLS_PHA_DONE;
    return 0;
}

static int send_second_flight(gmtls_conn *c, gmtls_buf *out)
{
    uint8_t th[GMTLS_MAX_HASH_LEN], fin[4 + GMTLS_MAX_HASH_LEN];
    size_t hl = c->suite->hash->digest_len;
    /* RFC 8446 §D.4: "Either side can send change_cipher_spec at any time
     * during the handshake". Ours goes before the encrypted flight, and only
     * when the server sent one: a server that is not in compatibility mode
     * (GmSSL's default) gains nothing from it, and GmSSL's server accepts a
     * CCS only right before the client Finished. */
    if (c->peer_sent_ccs) {
        GMTLS_TRY(gmtls_send_ccs(c, out));
    }
    if (c->early_state == GMTLS_EARLY_ACCEPTED) {
        /* RFC 8446 §4.5: "If the server sent an "early_data" extension in
         * EncryptedExtensions, the client MUST send an EndOfEarlyData message
         * after receiving the server Finished", under the early key; then
         * the handshake key. */
        static const uint8_t eoed[4] = {GMTLS_HS_END_OF_EARLY_DATA, 0, 0, 0};
        gmtls_rec hs = c->wr;
        c->wr = c->early_wr;
        GMTLS_TRY(gmtls_hs_queue(c, eoed, sizeof eoed));
        int rc = gmtls_hs_flush(c, out);
        c->early_wr = c->wr;
        c->wr = hs;
        GMTLS_TRY(rc);
    }
    gmtls_rec_dispose(&c->early_wr);
    gmtls_buf_dispose(&c->early_buf); /* sent or not, the application has its own copy */
    if (c->cert_requested) {
        uint16_t sigalg = 0;
        const gmtls_cert *cert = gmtls_cert_for_request(c, &sigalg);
        GMTLS_TRY(gmtls_cert_send(c, cert, NULL, 0, 0, 0, c->cert_comp_peer));
        if (cert != NULL) {
            GMTLS_TRY(gmtls_cv_build(c, &cert->key, sigalg));
        }
    }
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    fin[0] = GMTLS_HS_FINISHED;
    fin[1] = fin[2] = 0;
    fin[3] = (uint8_t)hl;
    GMTLS_TRY(gmtls_finished_mac(c->suite->hash, c->ks.c_hs, th, fin + 4));
    GMTLS_TRY(gmtls_hs_queue(c, fin, 4 + hl));
    GMTLS_TRY(gmtls_hs_flush(c, out));
    GMTLS_TRY(gmtls_rec_set_secret(&c->wr, c->suite, 1, c->ks.c_ap));
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    return gmtls_ks_resumption(&c->ks, th);
}

static int handle_server_finished(gmtls_conn *c, gmtls_buf *out, const uint8_t *msg, size_t len)
{
    uint8_t th[GMTLS_MAX_HASH_LEN], expect[GMTLS_MAX_HASH_LEN];
    size_t hl = c->suite->hash->digest_len;
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    GMTLS_TRY(gmtls_finished_mac(c->suite->hash, c->ks.s_hs, th, expect));
    /* RFC 8446 §4.4.4: wrong length -> decode_error; mismatch -> decrypt_error. */
    if (len - 4 != hl) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "server Finished has the wrong length");
    }
    if (!gmtls_ct_memeq(msg + 4, expect, hl)) {
        return gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "invalid server Finished");
    }
    gmtls_transcript_add(c, msg, len);
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    GMTLS_TRY(gmtls_ks_master(&c->ks, th));
    GMTLS_TRY(gmtls_rec_set_secret(&c->rd, c->suite, 0, c->ks.s_ap));
    gmtls_keylog(c, "CLIENT_TRAFFIC_SECRET_0", c->ks.c_ap);
    gmtls_keylog(c, "SERVER_TRAFFIC_SECRET_0", c->ks.s_ap);
    gmtls_keylog(c, "EXPORTER_SECRET", c->ks.exporter);
    GMTLS_TRY(send_second_flight(c, out));
    c->ccs_allowed = 0;
    c->state = ST_DONE;
    return 0;
}

int gmtls_client_handle(gmtls_conn *c, gmtls_buf *out, uint8_t type, const uint8_t *msg, size_t len)
{
    if (c->version == GMTLS_TLS12) {
        return gmtls_tls12_handle(c, out, type, msg, len);
    }
    switch (c->state) {
    case ST_C_WAIT_SH:
        if (type == GMTLS_HS_SERVER_HELLO) {
            return handle_server_hello(c, out, msg, len);
        }
        break;
    case ST_C_WAIT_EE:
        if (type == GMTLS_HS_ENCRYPTED_EXTENSIONS) {
            return handle_encrypted_extensions(c, msg, len);
        }
        break;
    case ST_C_WAIT_CERT_CR:
        if (type == GMTLS_HS_CERTIFICATE_REQUEST) {
            return handle_certificate_request(c, msg, len, 0);
        }
        /* fall through */
    case ST_C_WAIT_CERT:
        /* RFC 8879 §4: a CompressedCertificate replaces the Certificate, if we offered compression */
        if (type == GMTLS_HS_CERTIFICATE || (type == GMTLS_HS_COMPRESSED_CERTIFICATE && c->cfg->ncert_comp > 0)) {
            int empty = 0;
            const uint8_t *body = msg + 4;
            size_t bodylen = len - 4;
            uint8_t *plain = NULL;
            if (type == GMTLS_HS_COMPRESSED_CERTIFICATE) {
                GMTLS_TRY(gmtls_certcomp_open(c, msg, len, &plain, &bodylen));
                body = plain;
            }
            int rc = gmtls_cert_msg_parse(c, body, bodylen, NULL, 0, &empty);
            free(plain);
            GMTLS_TRY(rc);
            /* RFC 8446 §4.4.2.4: an empty server Certificate -> decode_error. */
            if (empty) {
                return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "server sent no certificate");
            }
            if (c->cfg->verify_peer) {
                GMTLS_TRY(gmtls_cert_verify_chain(c, c->server_name[0] ? c->server_name : NULL));
            } else {
                snprintf(c->verify_result, sizeof c->verify_result, "not verified (verification disabled)");
            }
            gmtls_transcript_add(c, msg, len);
            c->state = ST_C_WAIT_CV;
            return 0;
        }
        break;
    case ST_C_WAIT_CV:
        if (type == GMTLS_HS_CERTIFICATE_VERIFY) {
            GMTLS_TRY(gmtls_cv_check(c, msg + 4, len - 4, c->cfg->sigalgs, c->cfg->nsigalgs));
            gmtls_transcript_add(c, msg, len);
            if (c->cfg->verify_conn != NULL && c->cfg->verify_conn(c->cfg->verify_conn_ctx, c) != 0) {
                return gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE, "connection rejected by the verify callback");
            }
            c->state = ST_C_WAIT_FINISHED;
            return 0;
        }
        break;
    case ST_C_WAIT_FINISHED:
        if (type == GMTLS_HS_FINISHED) {
            return handle_server_finished(c, out, msg, len);
        }
        break;
    default:
        break;
    }
    return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "unexpected handshake message %u", type);
}
