/* The TLS 1.2 handshake (RFC 5246 §7), server side, the modern subset:
 * ECDHE (RFC 8422) with ECDSA, RSA-PSS or RSA PKCS#1 signatures, AEAD
 * records only (RFC 5288, RFC 7905), Extended Master Secret required
 * (RFC 7627), renegotiation_info (RFC 5746) and no renegotiation, session
 * tickets (RFC 5077). The PRF and record format are parameters (prf12.c,
 * record.c), so TLCP (GB/T 38636-2020: the same PRF over SM3) can reuse the
 * flow. */
#include <stdio.h>
#include <stdlib.h>

#include "gmtls/sm.h"
#include "handshake/internal.h"

enum {
    HS_HELLO_REQUEST = 0,
    HS_SERVER_KEY_EXCHANGE = 12,
    HS_SERVER_HELLO_DONE = 14,
    HS_CLIENT_KEY_EXCHANGE = 16,
    HS_CERTIFICATE_STATUS = 22,
};
#define SCSV_RENEGOTIATION 0x00ff
#define SCSV_FALLBACK 0x5600

/* RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random of a TLS 1.3
 * server negotiating TLS 1.2. */
const uint8_t gmtls_downgrade_tls12[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01};

static int offers_suite(const gmtls_client_hello *ch, uint16_t id)
{
    for (size_t i = 0; i + 1 < ch->suites_len; i += 2) {
        if ((uint16_t)(ch->suites[i] << 8 | ch->suites[i + 1]) == id) {
            return 1;
        }
    }
    return 0;
}

static int key_fits_auth(const gmtls_pkey *k, int auth)
{
    if (auth == GMTLS_AUTH12_SM2) {
        /* GB/T 38636-2020 §6.4.5.3: TLCP signs with an SM2 key */
        return k->type == GMTLS_KEY_SM2;
    }
    if (auth == GMTLS_AUTH12_ECDSA) {
        /* RFC 8422 §5.1.3, §5.3: ECDSA and EdDSA certificates under the ECDSA suites */
        return k->type == GMTLS_KEY_EC_P256 || k->type == GMTLS_KEY_EC_P384 || k->type == GMTLS_KEY_EC_P521 ||
               k->type == GMTLS_KEY_ED25519 || k->type == GMTLS_KEY_ED448;
    }
    return k->type == GMTLS_KEY_RSA || k->type == GMTLS_KEY_RSA_PSS;
}

/* RFC 8422 §5.3: an ECDSA certificate's public key "MUST use a curve and
 * point format supported by the client" (its supported_groups, when sent). */
static int curve_offered(const gmtls_client_hello *ch, const gmtls_pkey *k)
{
    if (gmtls_ch_find(ch, GMTLS_EXT_SUPPORTED_GROUPS) == NULL) {
        return 1;
    }
    if (k->type == GMTLS_KEY_EC_P256) {
        return gmtls_list_has(ch->groups, ch->ngroups, GMTLS_GROUP_SECP256R1);
    }
    if (k->type == GMTLS_KEY_EC_P384) {
        return gmtls_list_has(ch->groups, ch->ngroups, GMTLS_GROUP_SECP384R1);
    }
    if (k->type == GMTLS_KEY_EC_P521) {
        return gmtls_list_has(ch->groups, ch->ngroups, GMTLS_GROUP_SECP521R1);
    }
    return 1;
}

/* RFC 5246 §7.4.1.4.1: in TLS 1.2 an ECDSA scheme names the hash only, any
 * curve signs with it (the curve binding is TLS 1.3's, RFC 8446 §4.2.3): so
 * we verify such signatures; we sign with the curve's own hash (strict fit,
 * pick_sigalg12), which every peer accepts. */
static int is_ecdsa(gmtls_key_type t)
{
    return t == GMTLS_KEY_EC_P256 || t == GMTLS_KEY_EC_P384 || t == GMTLS_KEY_EC_P521;
}

static int fits12(const gmtls_sigalg *a, const gmtls_pkey *k)
{
    return is_ecdsa(a->key_type) ? is_ecdsa(k->type) : gmtls_sigalg_fits_key(a, k);
}

/* RFC 8422 §5.1.1: the named curves of TLS 1.2 ECDHE (no hybrid, no
 * curveSM2; the RFC 7919 finite-field groups belong to DHE suites). */
static int ecdhe_group(uint16_t g)
{
    return g == GMTLS_GROUP_X25519 || g == GMTLS_GROUP_SECP256R1 || g == GMTLS_GROUP_SECP384R1 ||
           g == GMTLS_GROUP_X448 || g == GMTLS_GROUP_SECP521R1;
}

/* Our first configured scheme that fits key, is defined for TLS 1.2 (no
 * SM2: TLCP signs otherwise) and is in the peer's list, or 0. */
static uint16_t pick_sigalg12(const gmtls_config *cfg, const gmtls_pkey *key, const uint16_t *peer, size_t npeer)
{
    for (size_t i = 0; i < cfg->nsigalgs; i++) {
        const gmtls_sigalg *a = gmtls_sigalg_by_id(cfg->sigalgs[i]);
        if (a != NULL && a->key_type != GMTLS_KEY_SM2 && !a->is_legacy && gmtls_sigalg_fits_key(a, key) &&
            gmtls_list_has(peer, npeer, a->id)) {
            return a->id;
        }
    }
    return 0;
}

/* The TLS 1.2 suites in preference order: the configured list, or all of
 * them with AES-GCM first (aes_first) or ChaCha20 first. */
static size_t suite_order(const gmtls_config *cfg, int aes_first, uint16_t *pref)
{
    size_t n = 0;
    if (cfg->nsuites12 > 0) {
        memcpy(pref, cfg->suites12, cfg->nsuites12 * sizeof pref[0]);
        return cfg->nsuites12;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < gmtls_num_tls12_suites; i++) {
            if ((gmtls_tls12_suites[i].is_aes_gcm == aes_first) == (pass == 0)) {
                pref[n++] = gmtls_tls12_suites[i].id;
            }
        }
    }
    return n;
}

/* The TLCP suites in preference order: the configured list, or the table's. */
static size_t tlcp_order(const gmtls_config *cfg, uint16_t *pref)
{
    if (cfg->nsuites_tlcp > 0) {
        memcpy(pref, cfg->suites_tlcp, cfg->nsuites_tlcp * sizeof pref[0]);
        return cfg->nsuites_tlcp;
    }
    for (size_t i = 0; i < gmtls_num_tlcp_suites; i++) {
        pref[i] = gmtls_tlcp_suites[i].id;
    }
    return gmtls_num_tlcp_suites;
}

/* Suite and certificate (RFC 5246 §7.4.2, RFC 8422 §5.3): among the chains
 * that fit the server name best, the first suite of our preference that the
 * client offers and one of them can sign for with a scheme the client
 * accepts. */
static int pick_suite_cert(gmtls_conn *c, const gmtls_client_hello *ch)
{
    const gmtls_config *cfg = c->cfg;
    int aes_first = gmtls_cpu_has_aes();
    for (size_t i = 0; i + 1 < ch->suites_len; i += 2) {
        const gmtls_suite *s = gmtls_suite12_by_id((uint16_t)(ch->suites[i] << 8 | ch->suites[i + 1]));
        if (s != NULL) {
            aes_first = aes_first && s->is_aes_gcm; /* as in TLS 1.3: the client's first known suite */
            break;
        }
    }
    int any_name_match = 0, forced = -1;
    if (cfg->select_cert != NULL) {
        forced = gmtls_cert_callback(c, ch);
        if (forced < 0 || (size_t)forced >= cfg->ncerts) {
            return gmtls_fail(c, GMTLS_ALERT_UNRECOGNIZED_NAME, "no certificate for server name '%s'",
                              ch->has_sni ? ch->sni : "");
        }
    } else if (ch->has_sni) {
        for (size_t k = 0; k < cfg->ncerts && !any_name_match; k++) {
            any_name_match = gmtls_cert_name_matches(&cfg->certs[k], ch->sni);
        }
    }
    uint16_t pref[GMTLS_MAX_LIST];
    size_t npref = suite_order(cfg, aes_first, pref);
    for (size_t i = 0; i < npref; i++) {
        const gmtls_suite *s = gmtls_suite12_by_id(pref[i]);
        if (!offers_suite(ch, s->id)) {
            continue;
        }
        for (size_t k = 0; k < cfg->ncerts; k++) {
            const gmtls_cert *cert = &cfg->certs[k];
            if ((forced >= 0 && (size_t)forced != k) || !key_fits_auth(&cert->key, s->auth12) ||
                (any_name_match && !gmtls_cert_name_matches(cert, ch->sni)) || !curve_offered(ch, &cert->key)) {
                continue;
            }
            uint16_t sig = pick_sigalg12(cfg, &cert->key, ch->sigalgs, ch->nsigalgs);
            if (sig != 0) {
                c->suite = s;
                c->cert = cert;
                c->sigalg = sig;
                return 0;
            }
        }
    }
    /* RFC 5246 §7.4.1.3: no acceptable choices -> handshake_failure. */
    return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "no TLS 1.2 cipher suite and certificate in common");
}

/* RFC 8422 §5.1.1: a named curve both sides support, in our order. */
static uint16_t pick_group12(const gmtls_config *cfg, const gmtls_client_hello *ch)
{
    for (size_t i = 0; i < cfg->ngroups; i++) {
        uint16_t g = cfg->groups[i];
        if (!ecdhe_group(g)) {
            continue;
        }
        /* RFC 8422 §4: without supported_groups the server may pick any curve. */
        if (gmtls_ch_find(ch, GMTLS_EXT_SUPPORTED_GROUPS) == NULL || gmtls_list_has(ch->groups, ch->ngroups, g)) {
            return g;
        }
    }
    return 0;
}

/* Installs one direction's keys from the key block (RFC 5246 §6.3:
 * client_write_key, server_write_key, client_write_IV, server_write_IV). */
static int install_keys(gmtls_conn *c, int is_write)
{
    if (c->suite->aead == NULL) {
        /* GB/T 38636-2020 §6.5.2, TLCP CBC suites: client_write_MAC_key,
         * server_write_MAC_key (32 each), client_write_key,
         * server_write_key (16 each); TLS 1.1+ records carry their IVs. */
        int client_side = c->is_server != is_write;
        return gmtls_rec_set_keys_cbc(is_write ? &c->wr : &c->rd, c->suite, c->keys12 + (client_side ? 0 : 32),
                                      c->keys12 + 64 + (client_side ? 0 : 16), GMTLS_TLCP);
    }
    size_t kl = c->suite->aead->key_len, il = c->suite->aead == &gmtls_aead_chacha20poly1305 ? 12 : 4;
    int client_side = c->is_server != is_write; /* the server reads with the client's keys */
    const uint8_t *key = c->keys12 + (client_side ? 0 : kl);
    const uint8_t *iv = c->keys12 + 2 * kl + (client_side ? 0 : il);
    /* GB/T 38636-2020 §6.3.3.1: TLCP records (header and AAD) carry 0x0101. */
    return gmtls_rec_set_keys12(is_write ? &c->wr : &c->rd, c->suite, is_write, key, iv,
                                c->version == GMTLS_TLCP ? GMTLS_TLCP : GMTLS_REC_VERSION_TLS12);
}

static int derive_keys(gmtls_conn *c)
{
    if (c->suite->aead == NULL) {
        return gmtls_key_block12(c->suite->hash, c->ks.master, c->client_random, c->server_random, c->keys12,
                                 2 * 32 + 2 * 16);
    }
    size_t kl = c->suite->aead->key_len, il = c->suite->aead == &gmtls_aead_chacha20poly1305 ? 12 : 4;
    return gmtls_key_block12(c->suite->hash, c->ks.master, c->client_random, c->server_random, c->keys12,
                             2 * kl + 2 * il);
}

static void keylog12(gmtls_conn *c)
{
    if (c->cfg->keylog == NULL) {
        return;
    }
    /* NSS key log format: CLIENT_RANDOM <client_random> <master_secret>. */
    char line[14 + 64 + 1 + 96 + 1];
    size_t n = (size_t)snprintf(line, sizeof line, "CLIENT_RANDOM ");
    for (int i = 0; i < 32; i++) {
        n += (size_t)snprintf(line + n, sizeof line - n, "%02x", c->client_random[i]);
    }
    line[n++] = ' ';
    for (int i = 0; i < GMTLS_MASTER12_LEN; i++) {
        n += (size_t)snprintf(line + n, sizeof line - n, "%02x", c->ks.master[i]);
    }
    c->cfg->keylog(c->cfg->keylog_ctx, c, line);
    gmtls_wipe(line, sizeof line);
}

static int send_server_hello(gmtls_conn *c, const gmtls_client_hello *ch, int ec_formats)
{
    const gmtls_cert *cert = c->cert;
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_SERVER_HELLO);
    gmtls_wr_u16(&w, GMTLS_TLS12);
    gmtls_wr_bytes(&w, c->server_random, 32);
    gmtls_wr_open(&w, 1);
    /* RFC 5077 §3.4: a server accepting a ticket echoes the client's
     * session ID, as one resuming a cached session (RFC 5246 §7.4.1.3); a
     * new session has the ID we issued, or none beside a ticket. */
    c->sid12_len = c->resumed || c->sid12_new ? c->session_id_len : 0;
    memcpy(c->sid12, c->session_id, c->sid12_len);
    gmtls_wr_bytes(&w, c->sid12, c->sid12_len);
    gmtls_wr_close(&w);
    gmtls_wr_u16(&w, c->suite->id);
    gmtls_wr_u8(&w, 0);
    gmtls_wr_open(&w, 2);
    if (c->reneg12) {
        /* RFC 5746 §3.6: renegotiation_info with an empty renegotiated_connection. */
        gmtls_wr_u16(&w, GMTLS_EXT_RENEGOTIATION_INFO);
        gmtls_wr_u16(&w, 1);
        gmtls_wr_u8(&w, 0);
    }
    /* RFC 7627 §5.1: the server echoes extended_master_secret, empty. */
    gmtls_wr_u16(&w, GMTLS_EXT_EXTENDED_MASTER_SECRET);
    gmtls_wr_u16(&w, 0);
    if (c->alpn[0]) {
        size_t n = strlen(c->alpn);
        gmtls_wr_u16(&w, GMTLS_EXT_ALPN);
        gmtls_wr_u16(&w, (uint16_t)(n + 3));
        gmtls_wr_u16(&w, (uint16_t)(n + 1));
        gmtls_wr_u8(&w, (uint8_t)n);
        gmtls_wr_bytes(&w, c->alpn, n);
    }
    if (c->ticket12) {
        /* RFC 5077 §3.2: an empty SessionTicket extension announces a NewSessionTicket. */
        gmtls_wr_u16(&w, GMTLS_EXT_SESSION_TICKET);
        gmtls_wr_u16(&w, 0);
    }
    if (!c->resumed) {
        if (ec_formats) {
            /* RFC 8422 §5.2: ec_point_formats, uncompressed only. */
            gmtls_wr_u16(&w, GMTLS_EXT_EC_POINT_FORMATS);
            gmtls_wr_u16(&w, 2);
            gmtls_wr_u8(&w, 1);
            gmtls_wr_u8(&w, 0);
        }
        if (ch->has_sni) {
            /* RFC 6066 §3: an empty server_name acknowledges the name was used. */
            gmtls_wr_u16(&w, GMTLS_EXT_SERVER_NAME);
            gmtls_wr_u16(&w, 0);
        }
        if (ch->status_request && cert->ocsp != NULL) {
            /* RFC 6066 §8: an empty status_request; CertificateStatus follows Certificate. */
            gmtls_wr_u16(&w, GMTLS_EXT_STATUS_REQUEST);
            gmtls_wr_u16(&w, 0);
        }
        if (ch->sct && cert->scts != NULL && cert->scts_len <= 0xfff0) {
            /* RFC 6962 §3.3.1: the SCT list in the ServerHello extension. */
            gmtls_wr_u16(&w, GMTLS_EXT_SCT);
            gmtls_wr_open(&w, 2);
            gmtls_wr_bytes(&w, cert->scts, cert->scts_len);
            gmtls_wr_close(&w);
        }
    }
    gmtls_wr_close(&w);
    return gmtls_hs_end(c, &w);
}

/* RFC 5246 §7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
static int send_certificate(gmtls_conn *c)
{
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_CERTIFICATE);
    gmtls_wr_open(&w, 3);
    for (size_t i = 0; i < c->cert->n; i++) {
        gmtls_wr_open(&w, 3);
        gmtls_wr_bytes(&w, c->cert->der[i], c->cert->derlen[i]);
        gmtls_wr_close(&w);
    }
    gmtls_wr_close(&w);
    return gmtls_hs_end(c, &w);
}

/* RFC 6066 §8: CertificateStatus { status_type ocsp(1); OCSPResponse<1..2^24-1> }. */
static int send_certificate_status(gmtls_conn *c)
{
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, HS_CERTIFICATE_STATUS);
    gmtls_wr_u8(&w, 1);
    gmtls_wr_open(&w, 3);
    gmtls_wr_bytes(&w, c->cert->ocsp, c->cert->ocsp_len);
    gmtls_wr_close(&w);
    return gmtls_hs_end(c, &w);
}

/* A ServerKeyExchange (TLS 1.2 and TLCP): the params (none in TLCP's ECC
 * form, which signs the encryption certificate instead), the signature's
 * scheme (RFC 5246 §7.4.3: "SignatureAndHashAlgorithm algorithm"; 0 for
 * TLCP, which has none: GB/T 38636-2020 §6.4.5.4) and the signature as
 * opaque<0..2^16-1>. */
static int send_ske(gmtls_conn *c, const uint8_t *params, size_t paramslen, uint16_t scheme, const uint8_t *sig,
                    size_t siglen)
{
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, HS_SERVER_KEY_EXCHANGE);
    if (paramslen > 0) {
        gmtls_wr_bytes(&w, params, paramslen);
    }
    if (scheme != 0) {
        gmtls_wr_u16(&w, scheme);
    }
    gmtls_wr_open(&w, 2);
    gmtls_wr_bytes(&w, sig, siglen);
    gmtls_wr_close(&w);
    return gmtls_hs_end(c, &w);
}

/* A CertificateRequest's certificate_authorities (RFC 5246 §7.4.4:
 * DistinguishedName certificate_authorities<0..2^16-1>; GB/T 38636-2020
 * §6.4.5.5 the same): the configured client CAs. */
static void write_ca_names(gmtls_wr *w, const gmtls_config *cfg)
{
    gmtls_wr_open(w, 2);
    if (cfg->ca_names_len <= 0xffff) {
        gmtls_wr_bytes(w, cfg->ca_names, cfg->ca_names_len);
    }
    gmtls_wr_close(w);
}

/* RFC 8422 §5.4: ServerECDHParams (curve_type named_curve(3), the group,
 * ECPoint<1..255>) and its signature over client_random + server_random +
 * params, with the scheme in front (RFC 5246 §7.4.3). */
static int send_server_key_exchange(gmtls_conn *c)
{
    uint8_t pub[GMTLS_MAX_KEX_PUB], sig[GMTLS_MAX_SIG_LEN], tbs[64 + 4 + 255];
    size_t publen = 0, siglen = 0;
    const gmtls_kex_alg *kex = gmtls_kex_by_id(c->group);
    GMTLS_TRY(kex->keygen(&c->kex_state, pub, &publen));
    c->kex_offered = kex;
    if (publen > 255) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    memcpy(tbs, c->client_random, 32);
    memcpy(tbs + 32, c->server_random, 32);
    tbs[64] = 3;
    tbs[65] = (uint8_t)(c->group >> 8);
    tbs[66] = (uint8_t)c->group;
    tbs[67] = (uint8_t)publen;
    memcpy(tbs + 68, pub, publen);
    const gmtls_sigalg *alg = gmtls_sigalg_by_id(c->sigalg);
    if (gmtls_sign(&c->cert->key, alg, tbs, 68 + publen, NULL, 0, sig, &siglen) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "signing ServerKeyExchange failed");
    }
    return send_ske(c, tbs + 64, 4 + publen, c->sigalg, sig, siglen);
}

/* RFC 5246 §7.4.4: certificate_types, supported_signature_algorithms,
 * certificate_authorities. */
static int send_certificate_request(gmtls_conn *c)
{
    const gmtls_config *cfg = c->cfg;
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_CERTIFICATE_REQUEST);
    gmtls_wr_open(&w, 1);
    gmtls_wr_u8(&w, 1);  /* rsa_sign */
    gmtls_wr_u8(&w, 64); /* ecdsa_sign (RFC 8422 §5.5) */
    gmtls_wr_close(&w);
    gmtls_wr_open(&w, 2);
    size_t nv;
    const uint16_t *v = gmtls_verify_sigalgs(cfg, &nv);
    for (size_t i = 0; i < nv; i++) {
        const gmtls_sigalg *a = gmtls_sigalg_by_id(v[i]);
        if (a != NULL && a->key_type != GMTLS_KEY_SM2 && !a->is_legacy) {
            gmtls_wr_u16(&w, a->id);
        }
    }
    gmtls_wr_close(&w);
    write_ca_names(&w, cfg);
    return gmtls_hs_end(c, &w);
}

static int send_finished(gmtls_conn *c)
{
    uint8_t th[GMTLS_MAX_HASH_LEN], msg[4 + GMTLS_FINISHED12_LEN] = {GMTLS_HS_FINISHED, 0, 0, GMTLS_FINISHED12_LEN};
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    GMTLS_TRY(gmtls_finished12(c->suite->hash, c->ks.master, c->is_server, th, msg + 4));
    return gmtls_hs_queue(c, msg, sizeof msg);
}

/* NewSessionTicket (RFC 5077 §3.3): lifetime hint and the sealed state. */
static int send_ticket(gmtls_conn *c)
{
    gmtls_buf ticket, tmp;
    gmtls_wr w;
    gmtls_buf_init(&ticket);
    gmtls_buf_init(&tmp);
    int rc = gmtls_ticket12_make(c, &ticket);
    if (rc == 0 && ticket.off <= 0xffff) {
        gmtls_hs_begin(&w, &tmp, GMTLS_HS_NEW_SESSION_TICKET);
        gmtls_wr_u32(&w, c->cfg->ticket_lifetime);
        gmtls_wr_open(&w, 2);
        gmtls_wr_bytes(&w, ticket.base, ticket.off);
        gmtls_wr_close(&w);
        rc = gmtls_hs_end(c, &w);
        c->tickets_sent++;
    }
    gmtls_buf_dispose(&ticket);
    return rc;
}

/* Our change_cipher_spec and Finished, under the new write keys (RFC 5246
 * §7.1: the keys change right after change_cipher_spec). */
static int send_ccs_finished(gmtls_conn *c, gmtls_buf *out)
{
    static const uint8_t one = 1;
    gmtls_rec plain;
    GMTLS_TRY(gmtls_hs_flush(c, out));
    memset(&plain, 0, sizeof plain);
    plain.version = c->version == GMTLS_TLCP ? GMTLS_TLCP : 0;
    GMTLS_TRY(gmtls_rec_write(&plain, out, GMTLS_CT_CHANGE_CIPHER_SPEC, &one, 1, 0));
    GMTLS_TRY(install_keys(c, 1));
    GMTLS_TRY(send_finished(c));
    return gmtls_hs_flush(c, out);
}

static void tlcp_eph_free(gmtls_conn *c);

static void handshake_done(gmtls_conn *c)
{
    c->state = ST_DONE;
    c->hslog_on = 0;
    gmtls_buf_dispose(&c->hslog);
    gmtls_wipe(c->keys12, sizeof c->keys12);
    tlcp_eph_free(c);
}

/* RFC 5246 §7.4.1.2: a non-empty session_id asks to resume that session;
 * the server resumes it "if a match is found and the server is willing to
 * re-establish the connection under the specified session state", and the
 * cipher_suites "MUST include at least the cipher_suite from that session"
 * (else, a full handshake). Otherwise a full handshake that issues a new
 * session ID when the cache is on and no ticket is coming. */
static int resume_by_id(gmtls_conn *c, const gmtls_client_hello *ch, int lookup)
{
    uint16_t rsuite = 0;
    int rc = lookup ? gmtls_session12_find(c, ch, &rsuite) : -1;
    if (rc > 0) {
        return rc;
    }
    if (rc == 0 && offers_suite(ch, rsuite)) {
        c->suite = c->version == GMTLS_TLCP ? gmtls_tlcp_suite_by_id(rsuite) : gmtls_suite12_by_id(rsuite);
        c->resumed = 1;
        return 0;
    }
    gmtls_peer_clear(c);
    gmtls_wipe(c->ks.master, sizeof c->ks.master);
    c->session_id_len = 0;
    if (gmtls_sesscache_on(c->cfg->sesscache) && !c->ticket12) {
        GMTLS_TRY(gmtls_random(c->session_id, GMTLS_SESSION_ID_LEN));
        c->session_id_len = GMTLS_SESSION_ID_LEN;
        c->sid12_new = 1;
    }
    return 0;
}

int gmtls_tls12_server_hello(gmtls_conn *c, gmtls_buf *out, const gmtls_client_hello *ch)
{
    const gmtls_config *cfg = c->cfg;
    c->version = GMTLS_TLS12;
    c->ccs_allowed = 0;
    /* RFC 7507 §3: TLS_FALLBACK_SCSV "and the highest protocol version
     * supported by the server is higher than the version indicated by the
     * client, the server MUST respond with a fatal inappropriate_fallback". */
    if (cfg->max_version > GMTLS_TLS12 && offers_suite(ch, SCSV_FALLBACK)) {
        return gmtls_fail(c, GMTLS_ALERT_INAPPROPRIATE_FALLBACK, "TLS_FALLBACK_SCSV in a TLS 1.2 ClientHello");
    }
    /* RFC 5246 §7.4.1.2: compression_methods "MUST contain, and all
     * implementations MUST support, CompressionMethod.null"; we take null only. */
    int has_null = 0;
    for (size_t i = 0; i < ch->comp_len; i++) {
        has_null |= ch->comp[i] == 0;
    }
    if (!has_null) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "compression methods without null");
    }
    /* RFC 5746 §3.6: a non-empty renegotiated_connection in an initial
     * handshake -> handshake_failure; the extension or the SCSV signals support. */
    if (ch->has_reneg && ch->reneg_len != 0) {
        return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "non-empty renegotiation_info");
    }
    c->reneg12 = ch->has_reneg || offers_suite(ch, SCSV_RENEGOTIATION);
    /* RFC 7627 §5.3: a server that requires the extended master secret
     * "MUST abort the handshake with a "handshake_failure"" when the client
     * did not send it; §5.1: its extension_data is empty. */
    const gmtls_ext *ems = gmtls_ch_find(ch, GMTLS_EXT_EXTENDED_MASTER_SECRET);
    if (ems == NULL) {
        return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "client does not offer the extended master secret");
    }
    if (ems->len != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "extended_master_secret with data");
    }
    /* RFC 8422 §5.1.2: a client's ec_point_formats must list uncompressed. */
    const gmtls_ext *pf = gmtls_ch_find(ch, GMTLS_EXT_EC_POINT_FORMATS);
    if (pf != NULL) {
        gmtls_rd r, l;
        int unc = 0;
        gmtls_rd_init(&r, pf->data, pf->len);
        if (gmtls_rd_vec(&r, 1, 1, 255, &l) != 0 || gmtls_rd_done(&r) != 0) {
            return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed ec_point_formats");
        }
        while (gmtls_rd_left(&l) > 0) {
            unc |= gmtls_rd_u8(&l) == 0;
        }
        if (!unc) {
            return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "ec_point_formats without uncompressed");
        }
    }
    GMTLS_TRY(gmtls_random(c->server_random, 32));
    /* RFC 8446 §4.1.3: a TLS 1.3 server negotiating TLS 1.2 "MUST set the
     * last 8 bytes of their Random value" to 44 4F 57 4E 47 52 44 01. */
    if (cfg->max_version >= GMTLS_TLS13) {
        memcpy(c->server_random + 24, gmtls_downgrade_tls12, 8);
    }
    memcpy(c->client_random, ch->random, 32);
    memcpy(c->session_id, ch->session_id, ch->session_id_len);
    c->session_id_len = ch->session_id_len;
    if (ch->has_sni) {
        snprintf(c->server_name, sizeof c->server_name, "%s", ch->sni);
    }

    /* Resumption by ticket (RFC 5077 §3.1), when the client offers the
     * session's suite again. */
    const gmtls_ext *st = gmtls_ch_find(ch, GMTLS_EXT_SESSION_TICKET);
    c->ticket12 = st != NULL && cfg->tickets > 0;
    uint16_t rsuite = 0;
    if (st != NULL && st->len > 0) {
        int rc = gmtls_ticket12_open(c, st->data, st->len, &rsuite);
        if (rc > 0) {
            return rc;
        }
        if (rc == 0 && offers_suite(ch, rsuite)) {
            c->suite = gmtls_suite12_by_id(rsuite);
            c->resumed = 1;
        } else {
            gmtls_peer_clear(c);
            gmtls_wipe(c->ks.master, sizeof c->ks.master);
        }
    }
    if (!c->resumed) {
        /* Without a ticket offered, the session ID (if any) names a cached
         * session; beside one, it only marks the ticket (RFC 5077 §3.4). */
        GMTLS_TRY(resume_by_id(c, ch, st == NULL || st->len == 0));
    }
    if (!c->resumed) {
        GMTLS_TRY(pick_suite_cert(c, ch));
        c->group = pick_group12(cfg, ch);
        if (c->group == 0) {
            return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "no elliptic curve in common");
        }
    }
    GMTLS_TRY(gmtls_alpn_select(c, ch));
    c->ks.hash = c->suite->hash;
    GMTLS_TRY(gmtls_transcript_init(c, c->suite->hash));
    /* The messages themselves are kept only for a client CertificateVerify. */
    c->hslog_on = cfg->client_auth >= GMTLS_CLIENT_AUTH_REQUEST && !c->resumed;
    gmtls_transcript_add(c, ch->msg, ch->msglen);
    GMTLS_TRY(send_server_hello(c, ch, pf != NULL));
    if (c->resumed) {
        /* RFC 5246 §7.3 (abbreviated handshake): ServerHello,
         * [NewSessionTicket], ChangeCipherSpec, Finished. */
        if (c->ticket12) {
            GMTLS_TRY(send_ticket(c));
        }
        GMTLS_TRY(derive_keys(c));
        keylog12(c);
        GMTLS_TRY(send_ccs_finished(c, out));
        c->state = ST_S12_WAIT_CCS;
        return 0;
    }
    GMTLS_TRY(send_certificate(c));
    if (ch->status_request && c->cert->ocsp != NULL) {
        GMTLS_TRY(send_certificate_status(c));
    }
    GMTLS_TRY(send_server_key_exchange(c));
    if (cfg->client_auth >= GMTLS_CLIENT_AUTH_REQUEST) {
        GMTLS_TRY(send_certificate_request(c));
        c->cert_requested = 1;
    }
    uint8_t done[4] = {HS_SERVER_HELLO_DONE, 0, 0, 0};
    GMTLS_TRY(gmtls_hs_queue(c, done, sizeof done));
    GMTLS_TRY(gmtls_hs_flush(c, out));
    c->state = c->cert_requested ? ST_S12_WAIT_CERT : ST_S12_WAIT_CKE;
    return 0;
}

/* A Certificate (RFC 5246 §7.4.2: certificate_list<0..2^24-1> of
 * ASN.1Cert<1..2^24-1>) read into the peer chain through the TLS 1.3
 * parser, after re-framing (an empty request context, no extensions). */
static int parse_certificate12(gmtls_conn *c, const uint8_t *msg, size_t len, int *empty)
{
    gmtls_rd r, list;
    gmtls_buf b;
    gmtls_wr w;
    gmtls_rd_init(&r, msg + 4, len - 4);
    if (gmtls_rd_vec(&r, 3, 0, 0xffffff, &list) != 0 || gmtls_rd_done(&r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed Certificate");
    }
    gmtls_buf_init(&b);
    gmtls_wr_init(&w, &b);
    gmtls_wr_u8(&w, 0);
    gmtls_wr_open(&w, 3);
    while (gmtls_rd_left(&list) > 0) {
        gmtls_rd der;
        if (gmtls_rd_vec(&list, 3, 1, 0xffffff, &der) != 0) {
            gmtls_buf_dispose(&b);
            return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed ASN.1Cert");
        }
        gmtls_wr_open(&w, 3);
        gmtls_wr_bytes(&w, der.p, gmtls_rd_left(&der));
        gmtls_wr_close(&w);
        gmtls_wr_u16(&w, 0);
    }
    gmtls_wr_close(&w);
    int rc = gmtls_wr_finish(&w);
    if (rc == 0) {
        rc = gmtls_cert_msg_parse(c, b.base, b.off, NULL, 0, empty);
    }
    gmtls_buf_dispose(&b);
    return rc;
}

static int tlcp_take_enc_cert(gmtls_conn *c);
static int tlcp_is_ecdhe(const gmtls_suite *s);

/* The client's Certificate (RFC 5246 §7.4.6). */
static int handle_client_certificate(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    int empty = 0;
    gmtls_client_auth mode = c->cfg->client_auth;
    GMTLS_TRY(parse_certificate12(c, msg, len, &empty));
    gmtls_transcript_add(c, msg, len);
    c->client_cert_empty = empty;
    if (c->version == GMTLS_TLCP) {
        /* GmSSL's tlcp.c: with an ECDHE suite the client must send its
         * double chain (signing, then encryption certificate): its
         * encryption key is the responder's long-term key. */
        if (empty && tlcp_is_ecdhe(c->suite)) {
            return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "no client certificate for a TLCP ECDHE suite");
        }
        if (!empty && tlcp_is_ecdhe(c->suite)) {
            GMTLS_TRY(tlcp_take_enc_cert(c));
        }
        /* GB/T 38636-2020 §6.4.5.7: TLCP client certificates are SM2. */
        if (!empty && c->peer_key.type != GMTLS_KEY_SM2) {
            return gmtls_fail(c, GMTLS_ALERT_UNSUPPORTED_CERTIFICATE, "TLCP client certificate without an SM2 key");
        }
    }
    if (empty) {
        /* RFC 5246 §7.4.6: a server that requires a certificate "MAY at its
         * discretion ... respond with a fatal handshake_failure alert". */
        if (mode == GMTLS_CLIENT_AUTH_REQUIRE_ANY || mode == GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY) {
            return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "client sent no certificate");
        }
        snprintf(c->verify_result, sizeof c->verify_result, "no client certificate");
    } else if (mode >= GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN) {
        GMTLS_TRY(gmtls_cert_verify_chain(c, NULL));
        if (c->tlcp_enc_der != NULL) {
            GMTLS_TRY(gmtls_cert_verify_tlcp_enc(c)); /* TLCP ECDHE: the client's encryption certificate */
        }
    } else {
        snprintf(c->verify_result, sizeof c->verify_result, "not verified (client auth mode)");
    }
    GMTLS_TRY(gmtls_verify_conn_run(c));
    c->state = ST_S12_WAIT_CKE;
    return 0;
}

/* ClientKeyExchange (RFC 8422 §5.7: ECPoint<1..255>), the extended master
 * secret and the key block. */
static int tlcp_client_key_exchange(gmtls_conn *c, const uint8_t *msg, size_t len);

static int handle_client_key_exchange(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    if (c->version == GMTLS_TLCP) {
        return tlcp_client_key_exchange(c, msg, len);
    }
    gmtls_rd r, pt;
    uint8_t pms[GMTLS_MAX_KEX_SECRET], th[GMTLS_MAX_HASH_LEN];
    size_t pmslen = 0;
    gmtls_rd_init(&r, msg + 4, len - 4);
    if (gmtls_rd_vec(&r, 1, 1, 255, &pt) != 0 || gmtls_rd_done(&r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed ClientKeyExchange");
    }
    /* RFC 8422 §5.11 / RFC 7748 §6: an invalid point or an all-zero X25519
     * result -> illegal_parameter (the vtable's verdict). */
    int rc = c->kex_offered->derive(c->kex_state, pt.p, gmtls_rd_left(&pt), pms, &pmslen);
    c->kex_offered->free(c->kex_state);
    c->kex_state = NULL;
    if (rc != 0) {
        return gmtls_fail(c, rc, "invalid %s point in ClientKeyExchange", c->kex_offered->name);
    }
    gmtls_transcript_add(c, msg, len);
    /* RFC 7627 §3: session_hash = Hash(handshake_messages) through ClientKeyExchange. */
    rc = gmtls_transcript_hash(c, th);
    if (rc == 0) {
        rc = gmtls_ems12(c->suite->hash, pms, pmslen, th, c->ks.master);
    }
    gmtls_wipe(pms, sizeof pms);
    GMTLS_TRY(rc);
    GMTLS_TRY(derive_keys(c));
    keylog12(c);
    c->state = c->cert_requested && !c->client_cert_empty ? ST_S12_WAIT_CV : ST_S12_WAIT_CCS;
    return 0;
}

/* CertificateVerify (RFC 5246 §7.4.8): a signature over the handshake
 * messages so far with a scheme from our CertificateRequest. */
static int handle_certificate_verify(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    gmtls_rd r, sig;
    gmtls_rd_init(&r, msg + 4, len - 4);
    if (c->version == GMTLS_TLCP) {
        /* GB/T 38636-2020 §6.4.5.9: signature over the handshake messages
         * from ClientHello up to this one, opaque<0..2^16-1> with no scheme
         * in front; GmSSL signs the messages themselves with SM2 and the
         * default ID. A bad signature -> decrypt_error (RFC 5246 §7.2.2). */
        if (gmtls_rd_vec(&r, 2, 1, 0xffff, &sig) != 0 || gmtls_rd_done(&r) != 0) {
            return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed CertificateVerify");
        }
        if (gmtls_verify(&c->peer_key, gmtls_sigalg_by_id(0x0708), c->hslog.base, c->hslog.off,
                         (const uint8_t *)GMTLS_SM2_DEFAULT_ID, GMTLS_SM2_DEFAULT_ID_LEN, sig.p,
                         gmtls_rd_left(&sig)) != 0) {
            return gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "invalid TLCP CertificateVerify signature");
        }
        c->peer_sigalg = 0x0708;
        gmtls_transcript_add(c, msg, len);
        c->state = ST_S12_WAIT_CCS;
        return 0;
    }
    uint16_t scheme = gmtls_rd_u16(&r);
    if (gmtls_rd_vec(&r, 2, 1, 0xffff, &sig) != 0 || gmtls_rd_done(&r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed CertificateVerify");
    }
    const gmtls_sigalg *alg = gmtls_sigalg_by_id(scheme);
    /* RFC 5246 §7.4.8: the scheme "MUST be one of those present in the
     * supported_signature_algorithms field of the CertificateRequest". */
    size_t nv;
    const uint16_t *v = gmtls_verify_sigalgs(c->cfg, &nv);
    if (alg == NULL || alg->key_type == GMTLS_KEY_SM2 || alg->is_legacy || !gmtls_list_has(v, nv, scheme) ||
        !fits12(alg, &c->peer_key)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "CertificateVerify uses scheme 0x%04x we did not offer",
                          scheme);
    }
    if (gmtls_verify(&c->peer_key, alg, c->hslog.base, c->hslog.off, NULL, 0, sig.p, gmtls_rd_left(&sig)) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "invalid CertificateVerify signature (%s)", alg->name);
    }
    c->peer_sigalg = scheme;
    gmtls_transcript_add(c, msg, len);
    c->state = ST_S12_WAIT_CCS;
    return 0;
}

static int handle_finished(gmtls_conn *c, gmtls_buf *out, const uint8_t *msg, size_t len)
{
    uint8_t th[GMTLS_MAX_HASH_LEN], expect[GMTLS_FINISHED12_LEN];
    /* RFC 5246 §7.4.9: verify_data is 12 bytes; a wrong value ->
     * decrypt_error (compared in constant time). */
    if (len - 4 != GMTLS_FINISHED12_LEN) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "Finished has the wrong length");
    }
    GMTLS_TRY(gmtls_transcript_hash(c, th));
    GMTLS_TRY(gmtls_finished12(c->suite->hash, c->ks.master, !c->is_server, th, expect));
    if (!gmtls_ct_memeq(msg + 4, expect, GMTLS_FINISHED12_LEN)) {
        return gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "invalid Finished");
    }
    gmtls_transcript_add(c, msg, len);
    /* RFC 5246 §7.3: in a full handshake the client finishes first, in an
     * abbreviated one the server. */
    if (c->is_server != c->resumed) {
        if (c->is_server && c->ticket12) {
            GMTLS_TRY(send_ticket(c));
        }
        GMTLS_TRY(send_ccs_finished(c, out));
    }
    if (!c->is_server && c->resumed && c->pending12.ticket == NULL &&
        (c->offer.ticket != NULL || c->offer.session_id_len > 0)) {
        /* RFC 5077 §3.4: a resumed session without a new ticket stays
         * resumable with the ticket (or session ID) it was offered with. */
        c->pending12 = c->offer;
        c->pending12.ticket = NULL;
        c->pending12.peer = NULL; /* gmtls_session_add keeps the (restored) peer of c */
        if (c->offer.ticket != NULL) {
            c->pending12.ticket = malloc(c->offer.ticket_len);
            if (c->pending12.ticket == NULL) {
                memset(&c->pending12, 0, sizeof c->pending12);
                return GMTLS_ERR_NO_MEMORY;
            }
            memcpy(c->pending12.ticket, c->offer.ticket, c->offer.ticket_len);
        }
    } else if (!c->is_server && (c->pending12.ticket != NULL || c->pending12.session_id_len > 0)) {
        c->pending12.suite = c->suite->id;
        c->pending12.age_add = c->group;
        memcpy(c->pending12.psk, c->ks.master, GMTLS_MASTER12_LEN);
        c->pending12.psk_len = GMTLS_MASTER12_LEN;
        c->pending12.received_ms = gmtls_now_ms(c);
        if (c->pending12.ticket == NULL) {
            /* RFC 5246 §F.1.4: "An upper limit of 24 hours is suggested for
             * session ID lifetimes"; the server may forget it sooner. */
            c->pending12.lifetime = 86400;
        }
    }
    if (!c->is_server && (c->pending12.ticket != NULL || c->pending12.session_id_len > 0)) {
        GMTLS_TRY(gmtls_session_add(c, &c->pending12));
    }
    /* RFC 5246 §7.4.1.2: the session is resumable once the handshake has
     * completed: both Finished are verified or sent now. */
    if (c->is_server && c->sid12_new) {
        GMTLS_TRY(gmtls_session12_save(c));
    }
    handshake_done(c);
    return 0;
}

/* The client's side of an abbreviated handshake (RFC 5246 §7.3, GB/T
 * 38636-2020 §6.4.4), TLS 1.2 and TLCP: the offered session's master
 * secret, group and peer (re-verified when configured), then the keys. */
static int client_resume(gmtls_conn *c)
{
    c->resumed = 1;
    /* no key exchange: the session's group, as the full handshake had it
     * (kept where a TLS 1.3 session keeps its age_add) */
    c->group = (uint16_t)c->offer.age_add;
    memcpy(c->ks.master, c->offer.psk, GMTLS_MASTER12_LEN);
    GMTLS_TRY(gmtls_session_restore_peer(c));
    GMTLS_TRY(gmtls_cert_reverify(c));
    GMTLS_TRY(derive_keys(c));
    keylog12(c);
    return 0;
}

/* ================================================================ TLCP client */

static const gmtls_cert *tlcp_sign_cert(const gmtls_config *cfg);
static int sm2_rng(void *ctx, uint8_t *out, size_t len);

/* GB/T 38636-2020 §6.4.5.2.1: ECDHE_SM4_CBC_SM3 {0xe0, 0x11} and
 * ECDHE_SM4_GCM_SM3 {0xe0, 0x51} use the SM2 key exchange protocol. */
static int tlcp_is_ecdhe(const gmtls_suite *s)
{
    return s->id == 0xe011 || s->id == 0xe051;
}

/* The ECDHE suites take both sides' encryption keys as the long-term keys
 * of the SM2 key exchange (GmSSL's tlcp.c: the server asks for and the
 * client must send its double certificate chain), so a client offers them
 * only with an SM2 signing chain and an encryption pair. */
static int tlcp_client_can_ecdhe(const gmtls_config *cfg)
{
    return tlcp_sign_cert(cfg) != NULL && cfg->has_enc_cert;
}

int gmtls_tlcp_client_start(gmtls_conn *c, gmtls_buf *out)
{
    c->version = GMTLS_TLCP;
    c->wr.version = GMTLS_TLCP; /* GB/T 38636-2020 §6.3.3.1: records of version {1, 1} */
    /* The messages are kept for a CertificateVerify when we can send one. */
    c->hslog_on = tlcp_sign_cert(c->cfg) != NULL;
    GMTLS_TRY(gmtls_random(c->client_random, 32));
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    /* GB/T 38636-2020 §6.4.5.2.1: client_version {1, 1}, random,
     * session_id, our suites, the null compression method; no extensions. */
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_CLIENT_HELLO);
    gmtls_wr_u16(&w, GMTLS_TLCP);
    gmtls_wr_bytes(&w, c->client_random, 32);
    /* §6.4.5.2.1: a session ID to resume, when we hold a live TLCP session. */
    const gmtls_session *o = &c->offer;
    c->session_id_len = 0;
    if (o->session_id_len > 0 && gmtls_tlcp_suite_by_id(o->suite) != NULL && o->psk_len == GMTLS_MASTER12_LEN &&
        (gmtls_now_ms(c) - o->received_ms) / 1000 < o->lifetime) {
        memcpy(c->session_id, o->session_id, o->session_id_len);
        c->session_id_len = o->session_id_len;
    }
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, c->session_id, c->session_id_len);
    gmtls_wr_close(&w);
    uint16_t pref[GMTLS_MAX_LIST];
    size_t npref = tlcp_order(c->cfg, pref);
    gmtls_wr_open(&w, 2);
    for (size_t i = 0; i < npref; i++) {
        if (!tlcp_is_ecdhe(gmtls_tlcp_suite_by_id(pref[i])) || tlcp_client_can_ecdhe(c->cfg)) {
            gmtls_wr_u16(&w, pref[i]);
        }
    }
    gmtls_wr_close(&w);
    gmtls_wr_u8(&w, 1);
    gmtls_wr_u8(&w, 0);
    /* PRF and transcript use SM3 for every TLCP suite (§6.5). */
    c->ks.hash = &gmtls_hash_sm3;
    GMTLS_TRY(gmtls_transcript_init(c, &gmtls_hash_sm3));
    GMTLS_TRY(gmtls_hs_end(c, &w));
    GMTLS_TRY(gmtls_hs_flush(c, out));
    c->state = ST_C_WAIT_SH;
    return 0;
}

static int tlcp_client_server_hello(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    gmtls_rd r, sid;
    gmtls_rd_init(&r, msg + 4, len - 4);
    uint16_t version = gmtls_rd_u16(&r);
    const uint8_t *random = gmtls_rd_bytes(&r, 32);
    (void)gmtls_rd_vec(&r, 1, 0, 32, &sid);
    uint16_t suite_id = gmtls_rd_u16(&r);
    uint8_t comp = gmtls_rd_u8(&r);
    if (r.err) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed ServerHello");
    }
    /* RFC 5246 §7.4.1.4: no extension we did not offer -> unsupported_extension. */
    if (gmtls_rd_left(&r) > 0) {
        return gmtls_fail(c, GMTLS_ALERT_UNSUPPORTED_EXTENSION, "TLCP ServerHello with extensions we did not offer");
    }
    /* GB/T 38636-2020 §6.4.5.2.2: server_version {1, 1}. */
    if (version != GMTLS_TLCP) {
        return gmtls_fail(c, GMTLS_ALERT_PROTOCOL_VERSION, "TLCP server chose version 0x%04x", version);
    }
    /* RFC 5246 §7.4.1.3: a suite or compression we did not offer -> illegal_parameter. */
    uint16_t pref[GMTLS_MAX_LIST];
    size_t npref = tlcp_order(c->cfg, pref);
    c->suite = gmtls_tlcp_suite_by_id(suite_id);
    if (c->suite == NULL || !gmtls_list_has(pref, npref, suite_id) ||
        (tlcp_is_ecdhe(c->suite) && !tlcp_client_can_ecdhe(c->cfg)) || comp != 0) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server chose suite 0x%04x / compression %u", suite_id,
                          comp);
    }
    memcpy(c->server_random, random, 32);
    gmtls_transcript_add(c, msg, len);
    c->sid12_len = gmtls_rd_left(&sid);
    memcpy(c->sid12, sid.p, c->sid12_len);
    /* RFC 5246 §7.4.1.3 (GB/T 38636-2020 the same): our session ID echoed
     * resumes that session, whose suite the server must keep. */
    if (c->session_id_len > 0 && gmtls_rd_left(&sid) == c->session_id_len &&
        memcmp(sid.p, c->session_id, c->session_id_len) == 0) {
        if (c->offer.suite != suite_id) {
            return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server resumed the session with another suite");
        }
        GMTLS_TRY(client_resume(c));
        c->state = ST_C12_WAIT_CCS;
        return 0;
    }
    /* A new session, resumable by the ID the server gave it. */
    c->pending12.session_id_len = gmtls_rd_left(&sid);
    memcpy(c->pending12.session_id, sid.p, c->pending12.session_id_len);
    c->state = ST_C12_WAIT_CERT;
    return 0;
}

/* ================================================================ TLCP server
 * GB/T 38636-2020 §6.4: the 1.2-family flow with two server certificates
 * (signing, encryption), the ECC key exchange (the pre-master secret SM2-
 * encrypted to the encryption certificate), SM3 in the PRF. Records and
 * Finished as for TLS 1.2, at version 0x0101. */

/* The first SM2 signing chain configured (TLCP signs with it). */
static const gmtls_cert *tlcp_sign_cert(const gmtls_config *cfg)
{
    for (size_t k = 0; k < cfg->ncerts; k++) {
        if (cfg->certs[k].key.type == GMTLS_KEY_SM2) {
            return &cfg->certs[k];
        }
    }
    return NULL;
}

static int tlcp_send_server_hello(gmtls_conn *c)
{
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_SERVER_HELLO);
    /* GB/T 38636-2020 §6.4.5.2.2: server_version {1, 1}, random, session_id
     * (the resumed session's, a new one, or empty with the cache off),
     * cipher_suite, compression null. */
    gmtls_wr_u16(&w, GMTLS_TLCP);
    gmtls_wr_bytes(&w, c->server_random, 32);
    gmtls_wr_open(&w, 1);
    c->sid12_len = c->session_id_len;
    memcpy(c->sid12, c->session_id, c->sid12_len);
    gmtls_wr_bytes(&w, c->sid12, c->sid12_len);
    gmtls_wr_close(&w);
    gmtls_wr_u16(&w, c->suite->id);
    gmtls_wr_u8(&w, 0);
    return gmtls_hs_end(c, &w);
}

/* GB/T 38636-2020 §6.4.5.3: certificate_list = the signing certificate,
 * the encryption certificate, then the signing chain's CA certificates.
 * A client sends its encryption certificate only for the ECDHE suites
 * (enc NULL: the signing chain alone, as GmSSL's client does for ECC), and
 * an empty list without a signing chain (sign NULL). */
static int tlcp_send_certificate(gmtls_conn *c, const gmtls_cert *sign, const gmtls_cert *enc)
{
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_CERTIFICATE);
    gmtls_wr_open(&w, 3);
    size_t n = sign == NULL ? 0 : enc == NULL ? sign->n : sign->n + 1;
    for (size_t i = 0; i < n; i++) {
        size_t k = enc == NULL || i == 0 ? i : i - 1;
        const uint8_t *der = enc != NULL && i == 1 ? enc->der[0] : sign->der[k];
        size_t dl = enc != NULL && i == 1 ? enc->derlen[0] : sign->derlen[k];
        gmtls_wr_open(&w, 3);
        gmtls_wr_bytes(&w, der, dl);
        gmtls_wr_close(&w);
    }
    gmtls_wr_close(&w);
    return gmtls_hs_end(c, &w);
}

/* GB/T 38636-2020 §6.4.5.4 (ECC): signed_params = SM2 signature (default
 * ID) over client_random + server_random + the encryption certificate as
 * an ASN.1Cert (3-byte length in front); sent as opaque<0..2^16-1> with no
 * scheme in front. */
static int tlcp_send_server_key_exchange(gmtls_conn *c)
{
    const gmtls_cert *enc = &c->cfg->enc_cert;
    size_t tbslen = 64 + 3 + enc->derlen[0], siglen = 0;
    uint8_t *tbs = malloc(tbslen), sig[GMTLS_MAX_SIG_LEN];
    if (tbs == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    memcpy(tbs, c->client_random, 32);
    memcpy(tbs + 32, c->server_random, 32);
    tbs[64] = (uint8_t)(enc->derlen[0] >> 16);
    tbs[65] = (uint8_t)(enc->derlen[0] >> 8);
    tbs[66] = (uint8_t)enc->derlen[0];
    memcpy(tbs + 67, enc->der[0], enc->derlen[0]);
    int rc = gmtls_sign(&c->cert->key, gmtls_sigalg_by_id(0x0708), tbs, tbslen, (const uint8_t *)GMTLS_SM2_DEFAULT_ID,
                        GMTLS_SM2_DEFAULT_ID_LEN, sig, &siglen);
    free(tbs);
    if (rc != 0) {
        return gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "signing the TLCP ServerKeyExchange failed");
    }
    c->sigalg = 0x0708; /* sm2sig_sm3, as the access log names it */
    return send_ske(c, NULL, 0, 0, sig, siglen);
}

/* ServerECDHEParams / ClientECDHEParams (GB/T 38636-2020 §6.4.5.4,
 * §6.4.5.8, RFC 8422 §5.4's form): curve_type named_curve (3), the curve
 * (curveSM2, 0x0029), ECPoint<1..255> = 04 || x || y. */
#define TLCP_ECDHE_PARAMS_LEN (3 + 1 + GMTLS_SM2_POINT_LEN)
static void tlcp_ecdhe_params(uint8_t out[TLCP_ECDHE_PARAMS_LEN], const gmtls_sm2_key *eph)
{
    out[0] = 3;
    out[1] = GMTLS_GROUP_CURVESM2 >> 8;
    out[2] = GMTLS_GROUP_CURVESM2 & 0xff;
    out[3] = GMTLS_SM2_POINT_LEN;
    gmtls_sm2_pubkey_to_bytes(&eph->pub, out + 4);
}

/* Reads ECDHE params (the point validated: on the curve, not infinity;
 * another curve type or curve, or a bad point -> illegal_parameter). */
static int tlcp_read_ecdhe_params(gmtls_conn *c, gmtls_rd *r, gmtls_sm2_pubkey *eph)
{
    gmtls_rd pt;
    uint8_t curve_type = gmtls_rd_u8(r);
    uint16_t group = gmtls_rd_u16(r);
    if (gmtls_rd_vec(r, 1, 1, 255, &pt) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed TLCP ECDHE parameters");
    }
    /* GB/T 38636-2020 §6.4.5.4: the SM2 curve only (GmSSL: illegal_parameter). */
    if (curve_type != 3 || group != GMTLS_GROUP_CURVESM2) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "TLCP ECDHE parameters of curve type %u, curve 0x%04x",
                          curve_type, group);
    }
    /* GB/T 32918.3-2016 §6.1 B1/A6: verify that R is on the curve. */
    if (gmtls_sm2_pubkey_from_bytes_ecdh(eph, pt.p, gmtls_rd_left(&pt)) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "invalid SM2 point in TLCP ECDHE parameters");
    }
    return 0;
}

static void tlcp_eph_free(gmtls_conn *c)
{
    if (c->tlcp_eph != NULL) {
        gmtls_sm2_key_clear(c->tlcp_eph);
        free(c->tlcp_eph);
        c->tlcp_eph = NULL;
    }
}

/* GB/T 38636-2020 §6.4.5.4 (ECDHE): ServerECDHEParams, then the SM2
 * signature (default ID) over client_random + server_random + the params,
 * as opaque<0..2^16-1> (GmSSL's layout: no scheme in front). Our ephemeral
 * key stays until the ClientKeyExchange. */
static int tlcp_send_server_key_exchange_ecdhe(gmtls_conn *c)
{
    uint8_t tbs[64 + TLCP_ECDHE_PARAMS_LEN], sig[GMTLS_MAX_SIG_LEN];
    size_t siglen = 0;
    c->tlcp_eph = malloc(sizeof *c->tlcp_eph);
    if (c->tlcp_eph == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    if (gmtls_sm2_keygen_ecdh(c->tlcp_eph, sm2_rng, NULL) != 0) {
        tlcp_eph_free(c);
        return GMTLS_ERR_CRYPTO;
    }
    memcpy(tbs, c->client_random, 32);
    memcpy(tbs + 32, c->server_random, 32);
    tlcp_ecdhe_params(tbs + 64, c->tlcp_eph);
    if (gmtls_sign(&c->cert->key, gmtls_sigalg_by_id(0x0708), tbs, sizeof tbs, (const uint8_t *)GMTLS_SM2_DEFAULT_ID,
                   GMTLS_SM2_DEFAULT_ID_LEN, sig, &siglen) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "signing the TLCP ServerKeyExchange failed");
    }
    c->sigalg = 0x0708;
    c->group = GMTLS_GROUP_CURVESM2; /* as the access log names it */
    return send_ske(c, tbs + 64, TLCP_ECDHE_PARAMS_LEN, 0, sig, siglen);
}

/* GB/T 38636-2020 §6.4.5.5: CertificateRequest = certificate_types<1..2^8-1>
 * (ecdsa_sign (64): an SM2 signing certificate) and
 * certificate_authorities<0..2^16-1>; no signature algorithms (the
 * TLS 1.1 form). */
static int tlcp_send_certificate_request(gmtls_conn *c)
{
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, GMTLS_HS_CERTIFICATE_REQUEST);
    gmtls_wr_open(&w, 1);
    gmtls_wr_u8(&w, 64);
    gmtls_wr_close(&w);
    write_ca_names(&w, c->cfg);
    return gmtls_hs_end(c, &w);
}

int gmtls_tlcp_server_hello(gmtls_conn *c, gmtls_buf *out, const gmtls_client_hello *ch)
{
    const gmtls_config *cfg = c->cfg;
    c->version = GMTLS_TLCP;
    c->ccs_allowed = 0;
    c->wr.version = GMTLS_TLCP; /* our plaintext records too (GB/T 38636-2020 §6.3.3.1) */
    /* GB/T 38636-2020 §6.4.5.2.1 (as RFC 5246 §7.4.1.2): the null
     * compression method must be offered; we take only it. */
    int has_null = 0;
    for (size_t i = 0; i < ch->comp_len; i++) {
        has_null |= ch->comp[i] == 0;
    }
    if (!has_null) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "compression methods without null");
    }
    /* Client authentication as configured (the TLS modes); the ECDHE suites
     * need the client's encryption certificate, so we choose them (first:
     * forward secrecy) only when we ask for certificates anyway. */
    int want_cert = cfg->client_auth >= GMTLS_CLIENT_AUTH_REQUEST;
    uint16_t pref[GMTLS_MAX_LIST];
    size_t npref = tlcp_order(cfg, pref);
    for (size_t i = 0; i < npref && c->suite == NULL; i++) {
        const gmtls_suite *s = gmtls_tlcp_suite_by_id(pref[i]);
        if (offers_suite(ch, pref[i]) && (want_cert || !tlcp_is_ecdhe(s))) {
            c->suite = s;
        }
    }
    c->cert = tlcp_sign_cert(cfg);
    /* RFC 5246 §7.4.1.3 (GB/T 38636-2020 the same): no acceptable choices -> handshake_failure. */
    if (c->suite == NULL || c->cert == NULL) {
        return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE,
                          "no TLCP cipher suite or SM2 signing certificate in common");
    }
    GMTLS_TRY(gmtls_random(c->server_random, 32));
    memcpy(c->client_random, ch->random, 32);
    if (ch->has_sni) {
        snprintf(c->server_name, sizeof c->server_name, "%s", ch->sni);
    }
    /* GB/T 38636-2020 §6.4.5.2.1 (as RFC 5246 §7.4.1.2): a session ID asks
     * to resume that session (TLCP has no tickets). */
    memcpy(c->session_id, ch->session_id, ch->session_id_len);
    c->session_id_len = ch->session_id_len;
    GMTLS_TRY(resume_by_id(c, ch, 1));
    c->ks.hash = c->suite->hash;
    GMTLS_TRY(gmtls_transcript_init(c, c->suite->hash));
    c->hslog_on = want_cert; /* the client's CertificateVerify signs the messages */
    gmtls_transcript_add(c, ch->msg, ch->msglen);
    GMTLS_TRY(tlcp_send_server_hello(c));
    if (c->resumed) {
        /* GB/T 38636-2020 §6.4.4 (RFC 5246 §7.3), the abbreviated
         * handshake: ServerHello, ChangeCipherSpec, Finished; the client
         * answers with ChangeCipherSpec, Finished. */
        GMTLS_TRY(derive_keys(c));
        keylog12(c);
        GMTLS_TRY(send_ccs_finished(c, out));
        c->state = ST_S12_WAIT_CCS;
        return 0;
    }
    GMTLS_TRY(tlcp_send_certificate(c, c->cert, &cfg->enc_cert));
    if (tlcp_is_ecdhe(c->suite)) {
        GMTLS_TRY(tlcp_send_server_key_exchange_ecdhe(c));
    } else {
        GMTLS_TRY(tlcp_send_server_key_exchange(c));
    }
    if (want_cert) {
        GMTLS_TRY(tlcp_send_certificate_request(c));
        c->cert_requested = 1;
    }
    uint8_t done[4] = {HS_SERVER_HELLO_DONE, 0, 0, 0};
    GMTLS_TRY(gmtls_hs_queue(c, done, sizeof done));
    GMTLS_TRY(gmtls_hs_flush(c, out));
    c->state = c->cert_requested ? ST_S12_WAIT_CERT : ST_S12_WAIT_CKE;
    return 0;
}

/* GB/T 38636-2020 §6.4.5.8 (ECC): encrypted_pre_master_secret
 * opaque<0..2^16-1>, the 48-byte PreMasterSecret (client_version {1, 1}
 * and 46 random bytes) SM2-encrypted to the encryption certificate, in the
 * DER form of GM/T 0009. SM2 encryption is IND-CCA2 (C3 is a hash over the
 * plaintext), so a failure reveals nothing an attacker could not compute:
 * it is answered at once (decrypt_error, as GmSSL). */
static int tlcp_client_key_exchange_ecdhe(gmtls_conn *c, const uint8_t *msg, size_t len);

/* The server's side after a TLCP ClientKeyExchange: the master secret from
 * the 48-byte pre-master secret (wiped here), the keys; then the client's
 * CertificateVerify when it sent a certificate. */
static int tlcp_server_master(gmtls_conn *c, uint8_t pms[GMTLS_MASTER12_LEN], const uint8_t *msg, size_t len)
{
    /* GB/T 38636-2020 §6.5.1: master_secret = PRF(pre_master_secret,
     * "master secret", ClientHello.random + ServerHello.random)[0..47]. */
    int rc = gmtls_prf12(c->suite->hash, pms, GMTLS_MASTER12_LEN, "master secret", c->client_random, 32,
                         c->server_random, 32, c->ks.master, GMTLS_MASTER12_LEN);
    gmtls_wipe(pms, GMTLS_MASTER12_LEN);
    GMTLS_TRY(rc);
    gmtls_transcript_add(c, msg, len);
    GMTLS_TRY(derive_keys(c));
    keylog12(c);
    c->state = c->cert_requested && !c->client_cert_empty ? ST_S12_WAIT_CV : ST_S12_WAIT_CCS;
    return 0;
}

static int tlcp_client_key_exchange(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    if (tlcp_is_ecdhe(c->suite)) {
        return tlcp_client_key_exchange_ecdhe(c, msg, len);
    }
    gmtls_rd r, ct;
    uint8_t pms[GMTLS_MASTER12_LEN]; /* a longer C2 fails to decrypt into it */
    size_t pmslen = 0;
    gmtls_rd_init(&r, msg + 4, len - 4);
    if (gmtls_rd_vec(&r, 2, 1, 0xffff, &ct) != 0 || gmtls_rd_done(&r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed ClientKeyExchange");
    }
    size_t ctlen = gmtls_rd_left(&ct);
    if (gmtls_sm2_decrypt(c->cfg->enc_cert.key.sm2, GMTLS_SM2_ENC_DER, ct.p, ctlen, pms, sizeof pms, &pmslen) != 0 ||
        pmslen != GMTLS_MASTER12_LEN || pms[0] != (GMTLS_TLCP >> 8) || pms[1] != (GMTLS_TLCP & 0xff)) {
        gmtls_wipe(pms, sizeof pms);
        return gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "cannot decrypt the TLCP pre-master secret");
    }
    return tlcp_server_master(c, pms, msg, len);
}

/* GB/T 38636-2020 §6.4.5.8 (ECDHE): ClientECDHEParams as opaque<1..2^16-1>
 * (GmSSL's layout). The pre-master secret is the 48-byte K of the SM2 key
 * exchange (GB/T 32918.3-2016 §6.1) with the server as initiator A: its
 * encryption key and ephemeral key against the client's encryption
 * certificate (from its Certificate) and ClientECDHEParams, default IDs
 * on both sides (GmSSL's tlcp.c); no confirmation hashes (Finished
 * confirms). */
static int tlcp_client_key_exchange_ecdhe(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    gmtls_rd r, params;
    gmtls_sm2_pubkey peer_eph;
    uint8_t pms[GMTLS_MASTER12_LEN];
    gmtls_rd_init(&r, msg + 4, len - 4);
    if (gmtls_rd_vec(&r, 2, 1, 0xffff, &params) != 0 || gmtls_rd_done(&r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed ClientKeyExchange");
    }
    GMTLS_TRY(tlcp_read_ecdhe_params(c, &params, &peer_eph));
    if (gmtls_rd_done(&params) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "trailing bytes in ClientECDHEParams");
    }
    if (c->tlcp_eph == NULL || c->tlcp_enc.type != GMTLS_KEY_SM2) {
        return gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "TLCP ECDHE without our ephemeral or the client's key");
    }
    /* GB/T 32918.3-2016 §6.1 A7: U at infinity -> the exchange fails (a
     * client's point chosen to cancel its static key). */
    int rc = gmtls_sm2_kex(1, c->cfg->enc_cert.key.sm2, c->tlcp_eph, NULL, 0, &c->tlcp_enc.sm2pub, &peer_eph, NULL, 0,
                           pms, sizeof pms, NULL, NULL);
    tlcp_eph_free(c);
    if (rc != 0) {
        gmtls_wipe(pms, sizeof pms);
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "SM2 key exchange failed on the client's ECDHE point");
    }
    return tlcp_server_master(c, pms, msg, len); /* ECDHE: a client certificate was required */
}

/* ================================================================ client */

int gmtls_tls12_client_offers(const gmtls_conn *c)
{
    const gmtls_config *cfg = c->cfg;
    /* The strict ShangMi profile (RFC 8998 only) has no TLS 1.2. */
    return cfg->versions_set && cfg->min_version <= GMTLS_TLS12 && !cfg->strict_sm;
}

void gmtls_tls12_client_suites(const gmtls_conn *c, gmtls_wr *w)
{
    if (!gmtls_tls12_client_offers(c)) {
        return;
    }
    /* AES-GCM first with AES instructions, else ChaCha20 first (as for TLS 1.3). */
    uint16_t pref[GMTLS_MAX_LIST];
    size_t n = suite_order(c->cfg, gmtls_cpu_has_aes(), pref);
    for (size_t i = 0; i < n; i++) {
        gmtls_wr_u16(w, pref[i]);
    }
    /* RFC 5746 §3.4: the extension below signals secure renegotiation. */
}

/* A TLS 1.2 session resumable by its session ID (no ticket), still live. */
static int offer_sid12(const gmtls_conn *c)
{
    const gmtls_session *o = &c->offer;
    return o->ticket == NULL && o->session_id_len > 0 && gmtls_suite12_by_id(o->suite) != NULL &&
           o->psk_len == GMTLS_MASTER12_LEN && (gmtls_now_ms(c) - o->received_ms) / 1000 < o->lifetime;
}

int gmtls_tls12_client_offers_sid(const gmtls_conn *c)
{
    return gmtls_tls12_client_offers(c) && offer_sid12(c);
}

static int offer_ticket12(const gmtls_conn *c)
{
    const gmtls_session *o = &c->offer;
    return o->ticket != NULL && gmtls_suite12_by_id(o->suite) != NULL && o->psk_len == GMTLS_MASTER12_LEN &&
           (gmtls_now_ms(c) - o->received_ms) / 1000 < o->lifetime;
}

int gmtls_tls12_client_offers_ticket(const gmtls_conn *c)
{
    return gmtls_tls12_client_offers(c) && offer_ticket12(c);
}

int gmtls_tls12_client_server_hello(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    const gmtls_config *cfg = c->cfg;
    gmtls_rd r, sid, exts;
    gmtls_ext e;
    size_t nexts = 0;
    c->version = GMTLS_TLS12;
    gmtls_rd_init(&r, msg + 4, len - 4);
    uint16_t version = gmtls_rd_u16(&r);
    const uint8_t *random = gmtls_rd_bytes(&r, 32);
    (void)gmtls_rd_vec(&r, 1, 0, 32, &sid);
    uint16_t suite_id = gmtls_rd_u16(&r);
    uint8_t comp = gmtls_rd_u8(&r);
    if (r.err) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed ServerHello");
    }
    if (gmtls_rd_left(&r) > 0) {
        /* A TLS 1.2 ServerHello carries what TLS 1.3 sends in
         * EncryptedExtensions: a duplicate is decode_error there (BoringSSL's
         * choice, the RFCs name none). */
        GMTLS_TRY(gmtls_fail(c, gmtls_exts_check(GMTLS_EXT_IN_EE, &r, &exts, &nexts), "bad ServerHello extensions"));
    } else {
        gmtls_rd_init(&exts, NULL, 0);
    }
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_done(&r), "trailing bytes in ServerHello"));
    /* RFC 5246 §7.4.1.3 / §E.1: a version we did not offer -> protocol_version. */
    if (version != GMTLS_TLS12) {
        return gmtls_fail(c, GMTLS_ALERT_PROTOCOL_VERSION, "server chose version 0x%04x", version);
    }
    /* RFC 8446 §4.1.3: "TLS 1.3 clients receiving a ServerHello indicating
     * TLS 1.2 or below MUST check that the last 8 bytes are not equal to
     * either of these values ... If a match is found, the client MUST abort
     * the handshake with an "illegal_parameter" alert." */
    if (cfg->max_version >= GMTLS_TLS13 && memcmp(random + 24, gmtls_downgrade_tls12, 7) == 0 &&
        (random[31] == 0x01 || random[31] == 0x00)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "TLS 1.3 downgrade sentinel in a TLS 1.2 ServerHello");
    }
    const gmtls_suite *suite = gmtls_suite12_by_id(suite_id);
    uint16_t pref[GMTLS_MAX_LIST];
    size_t npref = suite_order(cfg, 1, pref);
    /* RFC 5246 §7.4.1.3: a suite or compression we did not offer -> illegal_parameter. */
    if (suite == NULL || !gmtls_list_has(pref, npref, suite_id) || comp != 0) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server chose suite 0x%04x / compression %u", suite_id,
                          comp);
    }
    c->suite = suite;
    c->ks.hash = suite->hash;
    memcpy(c->server_random, random, 32);
    int ems = 0, reneg = 0;
    while (gmtls_exts_next(&exts, &e)) {
        gmtls_rd er, l;
        gmtls_rd_init(&er, e.data, e.len);
        switch (e.type) {
        case GMTLS_EXT_RENEGOTIATION_INFO:
            /* RFC 5746 §3.4: the renegotiated_connection must be empty ->
             * handshake_failure otherwise. */
            if (gmtls_rd_vec(&er, 1, 0, 255, &l) != 0 || gmtls_rd_done(&er) != 0 || gmtls_rd_left(&l) != 0) {
                return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "non-empty renegotiation_info");
            }
            reneg = 1;
            break;
        case GMTLS_EXT_EXTENDED_MASTER_SECRET:
            if (e.len != 0) {
                return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "extended_master_secret with data");
            }
            ems = 1;
            break;
        case GMTLS_EXT_EC_POINT_FORMATS: {
            int unc = 0;
            if (gmtls_rd_vec(&er, 1, 1, 255, &l) != 0 || gmtls_rd_done(&er) != 0) {
                return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed ec_point_formats");
            }
            while (gmtls_rd_left(&l) > 0) {
                unc |= gmtls_rd_u8(&l) == 0;
            }
            /* RFC 8422 §5.2: the server's list must contain uncompressed. */
            if (!unc) {
                return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "ec_point_formats without uncompressed");
            }
            break;
        }
        case GMTLS_EXT_SESSION_TICKET:
            /* RFC 5077 §3.2: empty, and only in answer to ours. */
            if (e.len != 0) {
                return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "SessionTicket extension with data");
            }
            c->ticket12 = 1;
            break;
        case GMTLS_EXT_ALPN: {
            gmtls_rd p;
            /* RFC 5246 §7.4.1.4: an extension type the client did not
             * offer -> unsupported_extension. */
            if (!c->offered_alpn) {
                return gmtls_fail(c, GMTLS_ALERT_UNSUPPORTED_EXTENSION, "unsolicited ALPN in ServerHello");
            }
            /* RFC 7301 §3.1: exactly one protocol, one we offered. */
            if (gmtls_rd_vec(&er, 2, 2, 0xffff, &l) != 0 || gmtls_rd_done(&er) != 0 ||
                gmtls_rd_vec(&l, 1, 1, 255, &p) != 0 || gmtls_rd_done(&l) != 0) {
                return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "bad ALPN in ServerHello");
            }
            size_t n = gmtls_rd_left(&p);
            int found = 0;
            gmtls_rd ours, op;
            gmtls_rd_init(&ours, cfg->alpn_wire, cfg->alpn_len);
            while (gmtls_rd_left(&ours) > 0 && !found) {
                (void)gmtls_rd_vec(&ours, 1, 1, 255, &op);
                found = gmtls_rd_left(&op) == n && memcmp(op.p, p.p, n) == 0;
            }
            if (!found) {
                return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server chose an ALPN protocol we did not offer");
            }
            memcpy(c->alpn, p.p, n);
            c->alpn[n] = '\0';
            break;
        }
        case GMTLS_EXT_SERVER_NAME:
        case GMTLS_EXT_STATUS_REQUEST:
            /* RFC 6066 §3, §8: empty acknowledgements of what we sent. */
            if (e.len != 0 || (e.type == GMTLS_EXT_SERVER_NAME ? !c->sent_sni : !cfg->request_ocsp)) {
                return gmtls_fail(c, GMTLS_ALERT_UNSUPPORTED_EXTENSION, "unsolicited ServerHello extension %u", e.type);
            }
            c->status12 |= e.type == GMTLS_EXT_STATUS_REQUEST;
            break;
        case GMTLS_EXT_RECORD_SIZE_LIMIT: {
            /* RFC 8449 §4: the server's limit, only in answer to ours. */
            uint16_t limit = 0;
            if (!c->sent_rsl) {
                return gmtls_fail(c, GMTLS_ALERT_UNSUPPORTED_EXTENSION, "unsolicited record_size_limit");
            }
            GMTLS_TRY(gmtls_fail(c, gmtls_rsl_read(e.data, e.len, &limit), "bad record_size_limit"));
            gmtls_rsl_apply12(c, limit);
            break;
        }
        case GMTLS_EXT_SUPPORTED_GROUPS:
            /* RFC 5246 §7.4.1.4: we sent it, so it is not unsolicited;
             * TLS 1.2 gives it no meaning in a ServerHello: ignored. */
            break;
        case GMTLS_EXT_SCT:
            /* RFC 6962 §3.3: a malformed or empty list -> decode_error. */
            if (gmtls_sct_list_check(e.data, e.len) != 0) {
                return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed SCT list");
            }
            free(c->scts);
            c->scts = malloc(e.len > 0 ? e.len : 1);
            if (c->scts == NULL) {
                return GMTLS_ERR_NO_MEMORY;
            }
            memcpy(c->scts, e.data, e.len);
            c->scts_len = e.len;
            break;
        default:
            /* RFC 5246 §7.4.1.4: an extension type the client did not
             * offer -> unsupported_extension. */
            return gmtls_fail(c, GMTLS_ALERT_UNSUPPORTED_EXTENSION, "unsolicited ServerHello extension %u", e.type);
        }
    }
    /* RFC 7627 §5.3: a client that requires the extended master secret
     * "MUST abort the handshake" with handshake_failure without it. */
    if (!ems) {
        return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "server does not support the extended master secret");
    }
    /* RFC 5746 §3.4: a server without renegotiation_info is a legacy server;
     * we never renegotiate, so it may go on. */
    c->reneg12 = reneg;
    /* The TLS 1.3 key shares of the ClientHello are of no use now. */
    if (c->kex_state != NULL) {
        c->kex_offered->free(c->kex_state);
        c->kex_state = NULL;
    }
    if (c->kex_state2 != NULL) {
        c->kex_offered2->free(c->kex_state2);
        c->kex_state2 = NULL;
    }
    c->kex_offered = c->kex_offered2 = NULL;
    GMTLS_TRY(gmtls_transcript_init(c, suite->hash));
    c->hslog_on = 1;
    gmtls_transcript_add(c, c->ch1, c->ch1_len);
    gmtls_transcript_add(c, msg, len);
    /* RFC 5077 §3.4: the session ID we sent, echoed, means the ticket was
     * accepted; RFC 5246 §7.4.1.3: or the session of that ID resumed. */
    c->sid12_len = gmtls_rd_left(&sid);
    memcpy(c->sid12, sid.p, c->sid12_len);
    int echoed = c->session_id_len > 0 && gmtls_rd_left(&sid) == c->session_id_len &&
                 memcmp(sid.p, c->session_id, c->session_id_len) == 0;
    if (echoed) {
        if (!(offer_ticket12(c) || offer_sid12(c)) || c->offer.suite != suite_id) {
            return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server resumed a session we did not offer");
        }
        GMTLS_TRY(client_resume(c));
        c->state = c->ticket12 ? ST_C12_WAIT_NST : ST_C12_WAIT_CCS;
        return 0;
    }
    /* A new session: resumable by the server's session ID if no ticket comes. */
    c->pending12.session_id_len = gmtls_rd_left(&sid);
    memcpy(c->pending12.session_id, sid.p, c->pending12.session_id_len);
    c->state = ST_C12_WAIT_CERT;
    return 0;
}

/* GB/T 38636-2020 §6.4.5.3: the server's list is the signing certificate,
 * the encryption certificate, then CA certificates. The encryption
 * certificate leaves the peer chain (which is verified as the signing
 * chain) for c->tlcp_enc; both keys must be SM2. */
static int tlcp_take_enc_cert(gmtls_conn *c)
{
    if (c->npeer < 2) {
        return gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE, "TLCP %s sent no encryption certificate",
                          c->is_server ? "client" : "server");
    }
    gmtls_x509 *x = gmtls_x509_parse(c->peer_der[1], c->peer_derlen[1]);
    int ok = x != NULL && gmtls_x509_pubkey(x, &c->tlcp_enc) == 0;
    /* RFC 5280 §4.2.1.3: the ECC suites encrypt the pre-master to this key
     * (key transport: keyEncipherment); ECDHE uses it in the SM2 key
     * exchange (keyAgreement, or keyEncipherment, which GmSSL requires of
     * every encryption certificate); checked whether or not the chain is
     * verified, as the signing certificate's digitalSignature. */
    int usage = x != NULL && gmtls_x509_allows_encipherment(x, tlcp_is_ecdhe(c->suite));
    gmtls_x509_free(x);
    if (!ok || c->tlcp_enc.type != GMTLS_KEY_SM2) {
        return gmtls_fail(c, GMTLS_ALERT_UNSUPPORTED_CERTIFICATE, "TLCP encryption certificate without an SM2 key");
    }
    if (!usage) {
        return gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE,
                          "TLCP encryption certificate's key usage does not fit %s (keyEncipherment%s wanted, "
                          "keyCertSign and cRLSign refused)",
                          c->suite->name, tlcp_is_ecdhe(c->suite) ? " or keyAgreement" : "");
    }
    c->tlcp_enc_der = c->peer_der[1];
    c->tlcp_enc_derlen = c->peer_derlen[1];
    memmove(c->peer_der + 1, c->peer_der + 2, (c->npeer - 2) * sizeof c->peer_der[0]);
    memmove(c->peer_derlen + 1, c->peer_derlen + 2, (c->npeer - 2) * sizeof c->peer_derlen[0]);
    c->npeer--;
    return 0;
}

static int client_server_certificate(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    int empty = 0;
    /* The SCT list came in the ServerHello; the certificate parser starts
     * the peer state afresh. */
    uint8_t *scts = c->scts;
    size_t scts_len = c->scts_len;
    c->scts = NULL;
    c->scts_len = 0;
    int rc = parse_certificate12(c, msg, len, &empty);
    free(c->scts);
    c->scts = scts;
    c->scts_len = scts_len;
    GMTLS_TRY(rc);
    /* RFC 5246 §7.4.2: the server's certificate_list is not empty (the
     * suite needs one) -> decode_error as in TLS 1.3. */
    if (empty) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "server sent no certificate");
    }
    if (c->version == GMTLS_TLCP) {
        GMTLS_TRY(tlcp_take_enc_cert(c));
    }
    /* RFC 8422 §5.3 / RFC 5246 §7.4.2: the key must fit the suite's
     * authentication -> unsupported_certificate. */
    if (!key_fits_auth(&c->peer_key, c->suite->auth12)) {
        return gmtls_fail(c, GMTLS_ALERT_UNSUPPORTED_CERTIFICATE, "server key does not fit %s", c->suite->name);
    }
    if (c->cfg->verify_peer) {
        GMTLS_TRY(gmtls_cert_verify_chain(c, c->server_name[0] ? c->server_name : NULL));
        if (c->version == GMTLS_TLCP) {
            GMTLS_TRY(gmtls_cert_verify_tlcp_enc(c));
        }
    } else {
        snprintf(c->verify_result, sizeof c->verify_result, "not verified (verification disabled)");
    }
    gmtls_transcript_add(c, msg, len);
    c->state = ST_C12_WAIT_SKE;
    return 0;
}

/* RFC 6066 §8: CertificateStatus, only after our status_request was acknowledged. */
static int client_certificate_status(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    gmtls_rd r, resp;
    gmtls_rd_init(&r, msg + 4, len - 4);
    uint8_t type = gmtls_rd_u8(&r);
    if (gmtls_rd_vec(&r, 3, 1, 0xffffff, &resp) != 0 || gmtls_rd_done(&r) != 0 || type != 1) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed CertificateStatus");
    }
    size_t n = gmtls_rd_left(&resp);
    free(c->ocsp);
    c->ocsp = malloc(n);
    if (c->ocsp == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    memcpy(c->ocsp, resp.p, n);
    c->ocsp_len = n;
    gmtls_transcript_add(c, msg, len);
    return 0;
}

/* GB/T 38636-2020 §6.4.5.4 (ECDHE): ServerECDHEParams, then the SM2
 * signature (default ID) over client_random + server_random + the params
 * (a bad one -> decrypt_error); the server's ephemeral point is kept (in
 * pub12) for the SM2 key exchange in our ClientKeyExchange. */
static int tlcp_client_server_key_exchange_ecdhe(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    gmtls_rd r, sig;
    gmtls_sm2_pubkey eph;
    uint8_t tbs[64 + TLCP_ECDHE_PARAMS_LEN];
    gmtls_rd_init(&r, msg + 4, len - 4);
    const uint8_t *params = r.p;
    GMTLS_TRY(tlcp_read_ecdhe_params(c, &r, &eph));
    if (gmtls_rd_vec(&r, 2, 1, 0xffff, &sig) != 0 || gmtls_rd_done(&r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed TLCP ServerKeyExchange");
    }
    memcpy(tbs, c->client_random, 32);
    memcpy(tbs + 32, c->server_random, 32);
    memcpy(tbs + 64, params, TLCP_ECDHE_PARAMS_LEN); /* the point was 65 bytes (validated) */
    if (gmtls_verify(&c->peer_key, gmtls_sigalg_by_id(0x0708), tbs, sizeof tbs, (const uint8_t *)GMTLS_SM2_DEFAULT_ID,
                     GMTLS_SM2_DEFAULT_ID_LEN, sig.p, gmtls_rd_left(&sig)) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "invalid TLCP ServerKeyExchange signature");
    }
    c->sigalg = 0x0708;
    c->group = GMTLS_GROUP_CURVESM2; /* as the report names it */
    memcpy(c->pub12, params + 4, GMTLS_SM2_POINT_LEN);
    c->pub12_len = GMTLS_SM2_POINT_LEN;
    gmtls_transcript_add(c, msg, len);
    c->state = ST_C12_WAIT_SHD;
    return 0;
}

/* The curve of an ECDSA key as a group; 0 for other keys. */
static uint16_t ecdsa_group(const gmtls_pkey *k)
{
    return k->type == GMTLS_KEY_EC_P256   ? GMTLS_GROUP_SECP256R1
           : k->type == GMTLS_KEY_EC_P384 ? GMTLS_GROUP_SECP384R1
           : k->type == GMTLS_KEY_EC_P521 ? GMTLS_GROUP_SECP521R1
                                          : 0;
}

/* 1 when the client's supported_groups lists group. */
static int client_offers_group(const gmtls_config *cfg, uint16_t group)
{
    const gmtls_kex_alg *kex = gmtls_kex_by_id(group);
    return kex != NULL && gmtls_list_has(cfg->groups, cfg->ngroups, group) &&
           gmtls_kex_client_offers(kex, cfg->groups_custom);
}

/* ServerKeyExchange (RFC 8422 §5.4, RFC 5246 §7.4.3): the curve must be one
 * we offered, the signature valid over the randoms and the parameters. */
static int client_server_key_exchange(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    if (c->version == GMTLS_TLCP && tlcp_is_ecdhe(c->suite)) {
        return tlcp_client_server_key_exchange_ecdhe(c, msg, len);
    }
    if (c->version == GMTLS_TLCP) {
        /* GB/T 38636-2020 §6.4.5.4 (ECC): opaque signature<1..2^16-1>, SM2
         * (default ID) over client_random + server_random + the encryption
         * certificate (3-byte length first); a bad one -> decrypt_error. */
        gmtls_rd r, sig;
        gmtls_rd_init(&r, msg + 4, len - 4);
        if (gmtls_rd_vec(&r, 2, 1, 0xffff, &sig) != 0 || gmtls_rd_done(&r) != 0) {
            return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed TLCP ServerKeyExchange");
        }
        size_t tbslen = 67 + c->tlcp_enc_derlen;
        uint8_t *tbs = malloc(tbslen);
        if (tbs == NULL) {
            return GMTLS_ERR_NO_MEMORY;
        }
        memcpy(tbs, c->client_random, 32);
        memcpy(tbs + 32, c->server_random, 32);
        tbs[64] = (uint8_t)(c->tlcp_enc_derlen >> 16);
        tbs[65] = (uint8_t)(c->tlcp_enc_derlen >> 8);
        tbs[66] = (uint8_t)c->tlcp_enc_derlen;
        memcpy(tbs + 67, c->tlcp_enc_der, c->tlcp_enc_derlen);
        int bad =
            gmtls_verify(&c->peer_key, gmtls_sigalg_by_id(0x0708), tbs, tbslen, (const uint8_t *)GMTLS_SM2_DEFAULT_ID,
                         GMTLS_SM2_DEFAULT_ID_LEN, sig.p, gmtls_rd_left(&sig));
        free(tbs);
        if (bad != 0) {
            return gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "invalid TLCP ServerKeyExchange signature");
        }
        c->sigalg = 0x0708; /* sm2sig_sm3, as the report names it */
        gmtls_transcript_add(c, msg, len);
        c->state = ST_C12_WAIT_SHD;
        return 0;
    }
    const gmtls_config *cfg = c->cfg;
    gmtls_rd r, pt, sig;
    gmtls_rd_init(&r, msg + 4, len - 4);
    const uint8_t *params = r.p;
    uint8_t curve_type = gmtls_rd_u8(&r);
    uint16_t group = gmtls_rd_u16(&r);
    (void)gmtls_rd_vec(&r, 1, 1, 255, &pt);
    size_t plen = 3 + 1 + gmtls_rd_left(&pt);
    uint16_t scheme = gmtls_rd_u16(&r);
    if (gmtls_rd_vec(&r, 2, 1, 0xffff, &sig) != 0 || gmtls_rd_done(&r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed ServerKeyExchange");
    }
    /* RFC 8422 §5.4: named_curve only; a curve we did not offer -> illegal_parameter. */
    const gmtls_kex_alg *kex = gmtls_kex_by_id(group);
    if (curve_type != 3 || kex == NULL || !ecdhe_group(group) || !gmtls_list_has(cfg->groups, cfg->ngroups, group) ||
        !gmtls_kex_client_offers(kex, cfg->groups_custom)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "ServerKeyExchange with curve 0x%04x we did not offer",
                          group);
    }
    /* RFC 8422 §5.3: the server's ECDSA public key "MUST use a curve and
     * point format supported by the client": one not in our supported_groups
     * is inconsistent with it -> illegal_parameter (BoGo CheckLeafCurve). */
    uint16_t leaf = ecdsa_group(&c->peer_key);
    if (leaf != 0 && !client_offers_group(cfg, leaf)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server's ECDSA key on curve 0x%04x we did not offer",
                          leaf);
    }
    const gmtls_sigalg *alg = gmtls_sigalg_by_id(scheme);
    /* RFC 5246 §7.4.3: the scheme must be one we listed, for the server's key. */
    size_t nv;
    const uint16_t *v = gmtls_verify_sigalgs(cfg, &nv);
    if (alg == NULL || alg->key_type == GMTLS_KEY_SM2 || alg->is_legacy || !gmtls_list_has(v, nv, scheme) ||
        !fits12(alg, &c->peer_key)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "ServerKeyExchange signed with scheme 0x%04x", scheme);
    }
    uint8_t *tbs = malloc(64 + plen);
    if (tbs == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    memcpy(tbs, c->client_random, 32);
    memcpy(tbs + 32, c->server_random, 32);
    memcpy(tbs + 64, params, plen);
    int bad = gmtls_verify(&c->peer_key, alg, tbs, 64 + plen, NULL, 0, sig.p, gmtls_rd_left(&sig));
    free(tbs);
    /* RFC 5246 §7.2.2: decrypt_error "a handshake cryptographic operation
     * failed, including being unable to correctly verify a signature". */
    if (bad != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "invalid ServerKeyExchange signature (%s)", alg->name);
    }
    c->peer_sigalg = scheme;
    c->sigalg = scheme;
    c->group = group;
    /* Our share now; the secret once the ClientKeyExchange is written. */
    uint8_t pub[GMTLS_MAX_KEX_PUB], pms[GMTLS_MAX_KEX_SECRET];
    size_t publen = 0, pmslen = 0;
    GMTLS_TRY(kex->keygen(&c->kex_state, pub, &publen));
    c->kex_offered = kex;
    int rc = kex->derive(c->kex_state, pt.p, gmtls_rd_left(&pt), pms, &pmslen);
    kex->free(c->kex_state);
    c->kex_state = NULL;
    if (rc != 0) {
        gmtls_wipe(pms, sizeof pms);
        return gmtls_fail(c, rc, "invalid %s point in ServerKeyExchange", kex->name);
    }
    /* Kept until the ClientKeyExchange is in the transcript. */
    memcpy(c->pms12, pms, pmslen);
    c->pms12_len = pmslen;
    memcpy(c->pub12, pub, publen);
    c->pub12_len = publen;
    gmtls_wipe(pms, sizeof pms);
    gmtls_transcript_add(c, msg, len);
    c->state = ST_C12_WAIT_SHD;
    return 0;
}

/* CertificateRequest (RFC 5246 §7.4.4). */
static int client_certificate_request(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    gmtls_rd r, types, algs, cas;
    gmtls_rd_init(&r, msg + 4, len - 4);
    if (c->version == GMTLS_TLCP) {
        /* GB/T 38636-2020 §6.4.5.5: certificate_types<1..2^8-1>,
         * certificate_authorities<0..2^16-1>; we answer with our SM2
         * signing chain whatever they list. */
        if (gmtls_rd_vec(&r, 1, 1, 255, &types) != 0 || gmtls_rd_vec(&r, 2, 0, 0xffff, &cas) != 0 ||
            gmtls_rd_done(&r) != 0) {
            return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed TLCP CertificateRequest");
        }
        c->cert_requested = 1;
        gmtls_transcript_add(c, msg, len);
        return 0;
    }
    if (gmtls_rd_vec(&r, 1, 1, 255, &types) != 0 || gmtls_rd_vec(&r, 2, 2, 0xfffe, &algs) != 0 ||
        gmtls_rd_vec(&r, 2, 0, 0xffff, &cas) != 0 || gmtls_rd_done(&r) != 0 || gmtls_rd_left(&algs) % 2 != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed CertificateRequest");
    }
    c->ncr_sigalgs = 0;
    while (gmtls_rd_left(&algs) > 0) {
        uint16_t a = gmtls_rd_u16(&algs);
        if (c->ncr_sigalgs < GMTLS_ARRAY_LEN(c->cr_sigalgs)) {
            c->cr_sigalgs[c->ncr_sigalgs++] = a;
        }
    }
    c->cert_requested = 1;
    gmtls_transcript_add(c, msg, len);
    return 0;
}

/* ServerHelloDone (RFC 5246 §7.4.5), then our flight: [Certificate],
 * ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished. */
static int sm2_rng(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    return gmtls_random(out, len);
}

/* GB/T 38636-2020 §6.4.5.8 (ECDHE): our ClientECDHEParams; the pre-master
 * secret is the 48-byte K of the SM2 key exchange with us as responder B
 * (our encryption key and a fresh ephemeral key against the server's
 * encryption certificate and ServerECDHEParams, default IDs). */
static int tlcp_client_ecdhe(gmtls_conn *c, uint8_t pms[GMTLS_MASTER12_LEN], uint8_t params[TLCP_ECDHE_PARAMS_LEN])
{
    gmtls_sm2_key eph;
    gmtls_sm2_pubkey server_eph;
    if (gmtls_sm2_pubkey_from_bytes_ecdh(&server_eph, c->pub12, c->pub12_len) != 0 ||
        gmtls_sm2_keygen_ecdh(&eph, sm2_rng, NULL) != 0) {
        gmtls_sm2_key_clear(&eph);
        return gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "TLCP ECDHE key generation failed");
    }
    tlcp_ecdhe_params(params, &eph);
    /* GB/T 32918.3-2016 §6.1 B6: V at infinity -> the exchange fails. */
    int rc = gmtls_sm2_kex(0, c->cfg->enc_cert.key.sm2, &eph, NULL, 0, &c->tlcp_enc.sm2pub, &server_eph, NULL, 0, pms,
                           GMTLS_MASTER12_LEN, NULL, NULL);
    gmtls_sm2_key_clear(&eph);
    if (rc != 0) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "SM2 key exchange failed on the server's ECDHE point");
    }
    return 0;
}

/* GB/T 38636-2020 §6.4.5.8 (ECC): the 48-byte pre-master secret
 * (client_version {1, 1}, 46 random bytes) SM2-encrypted (DER) to the
 * encryption certificate; (ECDHE) our ClientECDHEParams; then
 * [CertificateVerify], change_cipher_spec and Finished. */
static int tlcp_send_client_key_exchange(gmtls_conn *c, gmtls_buf *out, const gmtls_cert *mine)
{
    uint8_t pms[GMTLS_MASTER12_LEN], ct[256];
    size_t ctlen = 0;
    int rc = 0;
    if (tlcp_is_ecdhe(c->suite)) {
        rc = tlcp_client_ecdhe(c, pms, ct);
        ctlen = TLCP_ECDHE_PARAMS_LEN;
    } else {
        pms[0] = GMTLS_TLCP >> 8;
        pms[1] = GMTLS_TLCP & 0xff;
        rc = gmtls_random(pms + 2, sizeof pms - 2);
        if (rc == 0 && gmtls_sm2_encrypt(&c->tlcp_enc.sm2pub, GMTLS_SM2_ENC_DER, pms, sizeof pms, sm2_rng, NULL, ct,
                                         sizeof ct, &ctlen) != 0) {
            rc = gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "SM2 encryption of the pre-master secret failed");
        }
    }
    if (rc == 0) {
        rc = gmtls_prf12(c->suite->hash, pms, sizeof pms, "master secret", c->client_random, 32, c->server_random, 32,
                         c->ks.master, GMTLS_MASTER12_LEN);
    }
    gmtls_wipe(pms, sizeof pms);
    GMTLS_TRY(rc);
    gmtls_buf tmp;
    gmtls_wr w;
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, HS_CLIENT_KEY_EXCHANGE);
    gmtls_wr_open(&w, 2);
    gmtls_wr_bytes(&w, ct, ctlen);
    gmtls_wr_close(&w);
    GMTLS_TRY(gmtls_hs_end(c, &w));
    if (mine != NULL) {
        /* GB/T 38636-2020 §6.4.5.9: SM2 (default ID, as GmSSL) over the
         * handshake messages so far, opaque<0..2^16-1>. */
        uint8_t sig[GMTLS_MAX_SIG_LEN];
        size_t siglen = 0;
        if (gmtls_sign(&mine->key, gmtls_sigalg_by_id(0x0708), c->hslog.base, c->hslog.off,
                       (const uint8_t *)GMTLS_SM2_DEFAULT_ID, GMTLS_SM2_DEFAULT_ID_LEN, sig, &siglen) != 0) {
            return gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "signing the TLCP CertificateVerify failed");
        }
        gmtls_buf_init(&tmp);
        gmtls_hs_begin(&w, &tmp, GMTLS_HS_CERTIFICATE_VERIFY);
        gmtls_wr_open(&w, 2);
        gmtls_wr_bytes(&w, sig, siglen);
        gmtls_wr_close(&w);
        GMTLS_TRY(gmtls_hs_end(c, &w));
    }
    GMTLS_TRY(derive_keys(c));
    keylog12(c);
    GMTLS_TRY(send_ccs_finished(c, out));
    c->state = ST_C12_WAIT_CCS;
    return 0;
}

/* Our TLCP flight after ServerHelloDone: [Certificate], ClientKeyExchange,
 * [CertificateVerify], change_cipher_spec, Finished. */
static int tlcp_client_flight(gmtls_conn *c, gmtls_buf *out)
{
    const gmtls_cert *mine = NULL;
    if (tlcp_is_ecdhe(c->suite)) {
        /* GmSSL's tlcp.c: an ECDHE server must ask for the client's
         * certificates (handshake_failure otherwise, as GmSSL). */
        if (!c->cert_requested) {
            return gmtls_fail(c, GMTLS_ALERT_HANDSHAKE_FAILURE, "TLCP ECDHE server sent no CertificateRequest");
        }
    }
    if (c->cert_requested) {
        /* RFC 5246 §7.4.6: a client without a suitable certificate sends
         * an empty list; ours is the SM2 signing chain (and, for ECDHE,
         * the encryption certificate after the signing certificate). */
        mine = tlcp_sign_cert(c->cfg);
        GMTLS_TRY(tlcp_send_certificate(c, mine, mine != NULL && tlcp_is_ecdhe(c->suite) ? &c->cfg->enc_cert : NULL));
    }
    return tlcp_send_client_key_exchange(c, out, mine);
}

static int client_server_hello_done(gmtls_conn *c, gmtls_buf *out, const uint8_t *msg, size_t len)
{
    uint8_t th[GMTLS_MAX_HASH_LEN];
    if (len != 4) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "ServerHelloDone with a body");
    }
    GMTLS_TRY(gmtls_verify_conn_run(c));
    gmtls_transcript_add(c, msg, len);
    if (c->version == GMTLS_TLCP) {
        return tlcp_client_flight(c, out);
    }
    const gmtls_cert *mine = NULL;
    uint16_t sigalg = 0;
    gmtls_buf tmp;
    gmtls_wr w;
    if (c->cert_requested) {
        /* RFC 5246 §7.4.6: a client without a suitable certificate sends an
         * empty list. */
        for (size_t i = 0; i < c->cfg->ncerts && mine == NULL; i++) {
            sigalg = pick_sigalg12(c->cfg, &c->cfg->certs[i].key, c->cr_sigalgs, c->ncr_sigalgs);
            if (sigalg != 0) {
                mine = &c->cfg->certs[i];
            }
        }
        gmtls_buf_init(&tmp);
        gmtls_hs_begin(&w, &tmp, GMTLS_HS_CERTIFICATE);
        gmtls_wr_open(&w, 3);
        for (size_t i = 0; mine != NULL && i < mine->n; i++) {
            gmtls_wr_open(&w, 3);
            gmtls_wr_bytes(&w, mine->der[i], mine->derlen[i]);
            gmtls_wr_close(&w);
        }
        gmtls_wr_close(&w);
        GMTLS_TRY(gmtls_hs_end(c, &w));
    }
    size_t pmslen = c->pms12_len;
    uint8_t pms[GMTLS_MAX_KEX_SECRET];
    memcpy(pms, c->pms12, pmslen);
    gmtls_wipe(c->pms12, sizeof c->pms12);
    gmtls_buf_init(&tmp);
    gmtls_hs_begin(&w, &tmp, HS_CLIENT_KEY_EXCHANGE);
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, c->pub12, c->pub12_len);
    gmtls_wr_close(&w);
    int rc = gmtls_hs_end(c, &w);
    /* RFC 7627 §3: session_hash through the ClientKeyExchange. */
    if (rc == 0) {
        rc = gmtls_transcript_hash(c, th);
    }
    if (rc == 0) {
        rc = gmtls_ems12(c->suite->hash, pms, pmslen, th, c->ks.master);
    }
    gmtls_wipe(pms, sizeof pms);
    GMTLS_TRY(rc);
    if (mine != NULL) {
        /* RFC 5246 §7.4.8: signed over handshake_messages so far. */
        uint8_t sig[GMTLS_MAX_SIG_LEN];
        size_t siglen = 0;
        if (gmtls_sign(&mine->key, gmtls_sigalg_by_id(sigalg), c->hslog.base, c->hslog.off, NULL, 0, sig, &siglen) !=
            0) {
            return gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "signing CertificateVerify failed");
        }
        GMTLS_TRY(gmtls_cv_write(c, sigalg, sig, siglen));
    }
    GMTLS_TRY(derive_keys(c));
    keylog12(c);
    GMTLS_TRY(send_ccs_finished(c, out));
    c->state = c->ticket12 ? ST_C12_WAIT_NST : ST_C12_WAIT_CCS;
    return 0;
}

/* NewSessionTicket (RFC 5077 §3.3): kept once the handshake is verified. */
static int client_new_session_ticket(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    gmtls_rd r, t;
    gmtls_rd_init(&r, msg + 4, len - 4);
    uint32_t hint = gmtls_rd_u32(&r);
    if (gmtls_rd_vec(&r, 2, 0, 0xffff, &t) != 0 || gmtls_rd_done(&r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed NewSessionTicket");
    }
    /* RFC 5077 §3.3: an empty ticket means the server will not issue
     * one after all; a lifetime hint of 0 means unspecified (7 days, our
     * most for TLS 1.3 too). */
    gmtls_session_clear(&c->pending12);
    if (gmtls_rd_left(&t) > 0) {
        c->pending12.ticket = malloc(gmtls_rd_left(&t));
        if (c->pending12.ticket == NULL) {
            return GMTLS_ERR_NO_MEMORY;
        }
        memcpy(c->pending12.ticket, t.p, gmtls_rd_left(&t));
        c->pending12.ticket_len = gmtls_rd_left(&t);
        c->pending12.lifetime = hint == 0 || hint > GMTLS_MAX_TICKET_LIFETIME ? GMTLS_MAX_TICKET_LIFETIME : hint;
    }
    gmtls_transcript_add(c, msg, len);
    c->state = ST_C12_WAIT_CCS;
    return 0;
}

int gmtls_tls12_ccs(gmtls_conn *c)
{
    /* RFC 5246 §7.1: change_cipher_spec comes right before Finished, and a
     * handshake message must not straddle it (RFC 5246 §6.2.1 forbids
     * interleaving records; BoringSSL: unexpected_message). */
    if ((c->state != ST_S12_WAIT_CCS && c->state != ST_C12_WAIT_CCS) || c->hsbuf.off != 0) {
        return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "unexpected change_cipher_spec");
    }
    GMTLS_TRY(install_keys(c, 0));
    c->state = c->is_server ? ST_S12_WAIT_FINISHED : ST_C12_WAIT_FINISHED;
    return 0;
}

int gmtls_tls12_handle(gmtls_conn *c, gmtls_buf *out, uint8_t type, const uint8_t *msg, size_t len)
{
    switch (c->state) {
    case ST_C_WAIT_SH:
        if (type == GMTLS_HS_SERVER_HELLO && c->version == GMTLS_TLCP) {
            return tlcp_client_server_hello(c, msg, len);
        }
        break;
    case ST_S12_WAIT_CERT:
        if (type == GMTLS_HS_CERTIFICATE) {
            return handle_client_certificate(c, msg, len);
        }
        break;
    case ST_S12_WAIT_CKE:
        if (type == HS_CLIENT_KEY_EXCHANGE) {
            return handle_client_key_exchange(c, msg, len);
        }
        break;
    case ST_S12_WAIT_CV:
        if (type == GMTLS_HS_CERTIFICATE_VERIFY) {
            return handle_certificate_verify(c, msg, len);
        }
        break;
    case ST_S12_WAIT_FINISHED:
    case ST_C12_WAIT_FINISHED:
        if (type == GMTLS_HS_FINISHED) {
            return handle_finished(c, out, msg, len);
        }
        break;
    case ST_C12_WAIT_CERT:
        if (type == GMTLS_HS_CERTIFICATE) {
            return client_server_certificate(c, msg, len);
        }
        break;
    case ST_C12_WAIT_SKE:
        /* RFC 6066 §8: CertificateStatus right after Certificate, only
         * when the server acknowledged status_request. */
        if (type == HS_CERTIFICATE_STATUS && c->status12 && c->ocsp == NULL) {
            return client_certificate_status(c, msg, len);
        }
        if (type == HS_SERVER_KEY_EXCHANGE) {
            return client_server_key_exchange(c, msg, len);
        }
        break;
    case ST_C12_WAIT_SHD:
        if (type == GMTLS_HS_CERTIFICATE_REQUEST && !c->cert_requested) {
            return client_certificate_request(c, msg, len);
        }
        if (type == HS_SERVER_HELLO_DONE) {
            return client_server_hello_done(c, out, msg, len);
        }
        break;
    case ST_C12_WAIT_NST:
        if (type == GMTLS_HS_NEW_SESSION_TICKET) {
            return client_new_session_ticket(c, msg, len);
        }
        break;
    default:
        break;
    }
    /* RFC 5246 §7.4: a message out of order -> unexpected_message. */
    return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "unexpected handshake message %u", type);
}
