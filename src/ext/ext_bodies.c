/* The bodies of the extensions gmtls reads and writes, one section per
 * extension (RFC 8446 §4.2 and the RFCs that define the others): each
 * section's parsers and writers, one per message where the body differs,
 * are the table's (ext_table.c). The message handlers only frame the block,
 * ask the table for its verdict and dispatch here. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "ext/ext_bodies.h"
#include "handshake/internal.h"

/* Opens an extension: its type and its 2-byte length. */
static void ext_begin(gmtls_wr *w, uint16_t type)
{
    gmtls_wr_u16(w, type);
    gmtls_wr_open(w, 2);
}

/* Allocates n elements of size sz (at least one, so that an empty list is
 * not NULL). */
static void *ch_alloc(size_t n, size_t sz)
{
    return calloc(n > 0 ? n : 1, sz);
}

/* Reads a u16 list with a 2-byte length prefix into a new array; the list is
 * bounded only by the message (RFC 8446 sets no other limit). */
static int read_u16_list(gmtls_rd *r, size_t min, uint16_t **out, size_t *n)
{
    gmtls_rd l;
    GMTLS_TRY(gmtls_rd_vec(r, 2, min, 0xfffe, &l));
    if (gmtls_rd_left(&l) % 2 != 0) {
        return GMTLS_ALERT_DECODE_ERROR;
    }
    free(*out);
    *n = 0;
    *out = ch_alloc(gmtls_rd_left(&l) / 2, sizeof **out);
    if (*out == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    while (gmtls_rd_left(&l) > 0) {
        (*out)[(*n)++] = gmtls_rd_u16(&l);
    }
    return gmtls_rd_done(r);
}

/* ------------------------------------------------------------ server_name */

int gmtls_xp_sni_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    /* RFC 6066 §3: ServerNameList with at most one host_name. */
    gmtls_rd l;
    GMTLS_TRY(gmtls_rd_vec(r, 2, 1, 0xffff, &l));
    while (gmtls_rd_left(&l) > 0) {
        uint8_t type = gmtls_rd_u8(&l);
        gmtls_rd name;
        GMTLS_TRY(gmtls_rd_vec(&l, 2, 1, 0xffff, &name));
        if (type != 0) {
            continue;
        }
        size_t n = gmtls_rd_left(&name);
        if (ch->has_sni || n >= sizeof ch->sni) {
            return GMTLS_ALERT_ILLEGAL_PARAMETER;
        }
        for (size_t i = 0; i < n; i++) {
            uint8_t b = name.p[i];
            /* A host name is ASCII without NULs; trailing dots are not allowed. */
            if (b == 0 || b > 0x7e || b <= 0x20) {
                return GMTLS_ALERT_ILLEGAL_PARAMETER;
            }
        }
        memcpy(ch->sni, name.p, n);
        ch->sni[n] = '\0';
        ch->has_sni = 1;
    }
    return gmtls_rd_done(r);
}

int gmtls_xp_sni_ee(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    (void)msg, (void)out;
    /* RFC 6066 §3: the server's answer has an empty body. */
    if (gmtls_rd_left(r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_UNSUPPORTED_EXTENSION, "unexpected server_name");
    }
    return 0;
}

static int is_ip_literal(const char *name)
{
    uint8_t tmp[16];
    return inet_pton(AF_INET, name, tmp) == 1 || inet_pton(AF_INET6, name, tmp) == 1;
}

int gmtls_xw_sni_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    if (c->server_name[0] && !is_ip_literal(c->server_name)) {
        /* RFC 6066 §3; RFC 8446 §9.2: clients SHOULD send server_name. */
        size_t n = strlen(c->server_name);
        ext_begin(w, GMTLS_EXT_SERVER_NAME);
        gmtls_wr_open(w, 2);
        gmtls_wr_u8(w, 0);
        gmtls_wr_u16(w, (uint16_t)n);
        gmtls_wr_bytes(w, c->server_name, n);
        gmtls_wr_close(w);
        gmtls_wr_close(w);
        c->sent_sni = 1;
    }
    return 0;
}

int gmtls_xw_sni_ee(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_client_hello *ch = in;
    (void)msg;
    if (ch->has_sni && !c->resumed) {
        /* RFC 6066 §3: an empty server_name acknowledges the name was used. */
        ext_begin(w, GMTLS_EXT_SERVER_NAME);
        gmtls_wr_close(w);
    }
    return 0;
}

/* ------------------------------------------------------------ status_request */

int gmtls_xp_status_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    /* RFC 6066 §8: status_type 1 = ocsp. */
    ch->status_request = gmtls_rd_left(r) > 0 && r->p[0] == 1;
    return 0;
}

int gmtls_xp_status_ct(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    const gmtls_ct_exts *ct = out;
    gmtls_rd resp;
    (void)msg;
    /* RFC 8446 §4.4.2.1: on an intermediate's entry it is allowed but only
     * the end-entity's is kept (RFC 8446 §4.4.2: "the server's OCSP
     * information is carried in ... the associated certificate"). */
    if (ct->index > 0) {
        return 0;
    }
    if (gmtls_rd_u8(r) != 1 || gmtls_rd_vec(r, 3, 1, 0xffffff, &resp) != 0 || gmtls_rd_done(r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed OCSP status");
    }
    c->ocsp = malloc(gmtls_rd_left(&resp));
    if (c->ocsp == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    c->ocsp_len = gmtls_rd_left(&resp);
    memcpy(c->ocsp, resp.p, c->ocsp_len);
    return 0;
}

int gmtls_xw_status_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    /* RFC 6066 §8: status_request (ocsp, no responder ids, no extensions),
     * only when the application asked for OCSP: GmSSL's server parses the
     * RFC layout wrongly and aborts. */
    if (c->cfg->request_ocsp) {
        ext_begin(w, GMTLS_EXT_STATUS_REQUEST);
        gmtls_wr_u8(w, 1);
        gmtls_wr_u16(w, 0);
        gmtls_wr_u16(w, 0);
        gmtls_wr_close(w);
    }
    return 0;
}

int gmtls_xw_status_ct(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_ct_exts *ct = in;
    (void)c, (void)msg;
    /* RFC 8446 §4.4.2.1: OCSP rides in the end-entity's entry, only when the
     * client asked for it. */
    if (ct->index == 0 && ct->with_ocsp && ct->cert->ocsp != NULL) {
        ext_begin(w, GMTLS_EXT_STATUS_REQUEST);
        gmtls_wr_u8(w, 1); /* CertificateStatus: status_type ocsp */
        gmtls_wr_open(w, 3);
        gmtls_wr_bytes(w, ct->cert->ocsp, ct->cert->ocsp_len);
        gmtls_wr_close(w);
        gmtls_wr_close(w);
    }
    return 0;
}

/* ------------------------------------------------------------ supported_groups */

int gmtls_xp_groups_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    return read_u16_list(r, 2, &ch->groups, &ch->ngroups);
}

int gmtls_xp_groups_ee(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    (void)c, (void)msg, (void)r, (void)out;
    /* RFC 8446 §4.2.7: informational; may be sent in EncryptedExtensions. */
    return 0;
}

int gmtls_xw_groups_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_config *cfg = c->cfg;
    (void)msg, (void)in;
    ext_begin(w, GMTLS_EXT_SUPPORTED_GROUPS);
    gmtls_wr_open(w, 2);
    for (size_t i = 0; i < cfg->ngroups; i++) {
        const gmtls_kex_alg *k = gmtls_kex_by_id(cfg->groups[i]);
        if (k != NULL && gmtls_kex_client_offers(k, cfg->groups_custom)) {
            gmtls_wr_u16(w, cfg->groups[i]);
        }
    }
    gmtls_wr_close(w);
    gmtls_wr_close(w);
    return 0;
}

/* ------------------------------------------------------------ signature_algorithms(_cert) */

int gmtls_xp_sigalgs_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    ch->has_sigalgs = 1;
    return read_u16_list(r, 2, &ch->sigalgs, &ch->nsigalgs);
}

int gmtls_xp_sigalgs_cert_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    ch->has_sigalgs_cert = 1;
    return read_u16_list(r, 2, &ch->sigalgs_cert, &ch->nsigalgs_cert);
}

int gmtls_xp_sigalgs_cr(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_cr_exts *cr = out;
    gmtls_rd l;
    (void)msg;
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_vec(r, 2, 2, 0xfffe, &l), "malformed signature_algorithms"));
    c->ncr_sigalgs = 0;
    while (gmtls_rd_left(&l) >= 2) {
        uint16_t v = gmtls_rd_u16(&l);
        /* Only the schemes we could use are kept (at most our own list), so a
         * long list loses nothing. */
        if (gmtls_list_has(c->cfg->sigalgs, c->cfg->nsigalgs, v) && !gmtls_list_has(c->cr_sigalgs, c->ncr_sigalgs, v) &&
            c->ncr_sigalgs < GMTLS_ARRAY_LEN(c->cr_sigalgs)) {
            c->cr_sigalgs[c->ncr_sigalgs++] = v;
        }
    }
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_done(&l), "malformed signature_algorithms"));
    cr->has_sigalgs = 1;
    return 0;
}

int gmtls_xw_sigalgs_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_config *cfg = c->cfg;
    (void)msg, (void)in;
    size_t nv;
    const uint16_t *v = gmtls_verify_sigalgs(cfg, &nv);
    ext_begin(w, GMTLS_EXT_SIGNATURE_ALGORITHMS);
    gmtls_wr_open(w, 2);
    for (size_t i = 0; i < nv; i++) {
        /* the legacy 0x0204 only in a list the application set */
        const gmtls_sigalg *a = gmtls_sigalg_by_id(v[i]);
        int custom = cfg->nverify_sigalgs > 0 ? cfg->verify_sigalgs_custom : cfg->sigalgs_custom;
        if (a != NULL && (!a->is_legacy || custom)) {
            gmtls_wr_u16(w, v[i]);
        }
    }
    gmtls_wr_close(w);
    gmtls_wr_close(w);
    return 0;
}

int gmtls_xw_sigalgs_cr(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_client_hello *ch = in;
    const gmtls_config *cfg = c->cfg;
    (void)msg;
    /* RFC 8446 §4.3.2: "The "signature_algorithms" extension MUST be specified". */
    size_t nv;
    const uint16_t *v = gmtls_verify_sigalgs(cfg, &nv);
    ext_begin(w, GMTLS_EXT_SIGNATURE_ALGORITHMS);
    gmtls_wr_open(w, 2);
    for (size_t i = 0; i < nv; i++) {
        /* A legacy code point (the Go family's 0x0204) only for a client that
         * offered it itself: to anyone else it is another scheme. */
        const gmtls_sigalg *a = gmtls_sigalg_by_id(v[i]);
        if (a != NULL && a->is_legacy && (ch == NULL || !gmtls_list_has(ch->sigalgs, ch->nsigalgs, a->id))) {
            continue;
        }
        gmtls_wr_u16(w, v[i]);
    }
    gmtls_wr_close(w);
    gmtls_wr_close(w);
    return 0;
}

/* ------------------------------------------------------------ application_layer_protocol_negotiation */

int gmtls_xp_alpn_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    /* RFC 7301 §3.1: ProtocolNameList protocol_name_list<2..2^16-1>, each
     * ProtocolName<1..2^8-1>. */
    gmtls_rd l;
    GMTLS_TRY(gmtls_rd_vec(r, 2, 2, 0xffff, &l));
    ch->alpn = l.p;
    ch->alpn_len = gmtls_rd_left(&l);
    while (gmtls_rd_left(&l) > 0) {
        gmtls_rd name;
        GMTLS_TRY(gmtls_rd_vec(&l, 1, 1, 255, &name));
    }
    ch->has_alpn = 1;
    return gmtls_rd_done(r);
}

int gmtls_xp_alpn_ee(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_rd l, p;
    (void)msg, (void)out;
    /* RFC 7301 §3.1: exactly one protocol, one the client offered. */
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_vec(r, 2, 2, 0xffff, &l), "malformed ALPN"));
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_vec(&l, 1, 1, 255, &p), "malformed ALPN"));
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_done(&l), "server sent several ALPN protocols"));
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_done(r), "malformed ALPN"));
    size_t n = gmtls_rd_left(&p);
    int found = 0;
    gmtls_rd o;
    gmtls_rd_init(&o, c->cfg->alpn_wire, c->cfg->alpn_len);
    while (gmtls_rd_left(&o) > 0 && !found) {
        gmtls_rd op;
        (void)gmtls_rd_vec(&o, 1, 1, 255, &op);
        found = gmtls_rd_left(&op) == n && memcmp(op.p, p.p, n) == 0;
    }
    if (!found) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server selected an ALPN protocol we did not offer");
    }
    memcpy(c->alpn, p.p, n);
    c->alpn[n] = '\0';
    return 0;
}

int gmtls_xw_alpn_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_config *cfg = c->cfg;
    (void)msg, (void)in;
    if (cfg->alpn_len > 0) {
        ext_begin(w, GMTLS_EXT_ALPN);
        gmtls_wr_open(w, 2);
        gmtls_wr_bytes(w, cfg->alpn_wire, cfg->alpn_len);
        gmtls_wr_close(w);
        gmtls_wr_close(w);
        c->offered_alpn = 1;
    }
    return 0;
}

int gmtls_xw_alpn_ee(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    /* RFC 7301 §3.1: the one protocol selected (server.c chose it). */
    if (c->alpn[0]) {
        size_t n = strlen(c->alpn);
        ext_begin(w, GMTLS_EXT_ALPN);
        gmtls_wr_open(w, 2);
        gmtls_wr_u8(w, (uint8_t)n);
        gmtls_wr_bytes(w, c->alpn, n);
        gmtls_wr_close(w);
        gmtls_wr_close(w);
    }
    return 0;
}

/* ------------------------------------------------------------ signed_certificate_timestamp */

int gmtls_xp_sct_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    ch->sct = 1;
    return gmtls_rd_done(r);
}

int gmtls_xp_sct_ct(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    const gmtls_ct_exts *ct = out;
    const uint8_t *body = r->p;
    size_t len = gmtls_rd_left(r);
    (void)msg;
    /* Kept from the end-entity's entry only, as status_request. */
    if (ct->index > 0) {
        return 0;
    }
    /* RFC 6962 §3.3: SerializedSCT sct_list <1..2^16-1>, each SerializedSCT
     * <1..2^16-1>: an empty list or SCT -> decode_error. */
    if (gmtls_sct_list_check(body, len) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed SCT list");
    }
    c->scts = malloc(len + 1);
    if (c->scts == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    c->scts_len = len;
    memcpy(c->scts, body, len);
    return 0;
}

int gmtls_xw_sct_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)c, (void)msg, (void)in;
    /* RFC 6962 §3.3.1: an empty extension_data asks for SCTs. */
    ext_begin(w, GMTLS_EXT_SCT);
    gmtls_wr_close(w);
    return 0;
}

int gmtls_xw_sct_ct(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_ct_exts *ct = in;
    (void)c, (void)msg;
    /* RFC 8446 §4.4.2.1: SCTs ride in the end-entity's entry, only when the
     * client asked for them. */
    if (ct->index == 0 && ct->with_scts && ct->cert->scts != NULL) {
        ext_begin(w, GMTLS_EXT_SCT);
        gmtls_wr_bytes(w, ct->cert->scts, ct->cert->scts_len);
        gmtls_wr_close(w);
    }
    return 0;
}

/* ------------------------------------------------------------ pre_shared_key */

int gmtls_xp_psk_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    /* RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last
     * extension in the ClientHello ... servers MUST check that it is the last
     * extension and otherwise fail the handshake with an "illegal_parameter"
     * alert." (The extension block ends the message: the last extension's
     * body ends where the message ends.) */
    if (r->end != ch->msg + ch->msglen) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    gmtls_rd ids, binders;
    GMTLS_TRY(gmtls_rd_vec(r, 2, 7, 0xffff, &ids));
    /* Each identity takes at least 7 bytes (length, one byte, age). */
    ch->psks = ch_alloc(gmtls_rd_left(&ids) / 7, sizeof ch->psks[0]);
    if (ch->psks == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    size_t nid = 0;
    while (gmtls_rd_left(&ids) > 0) {
        gmtls_rd id;
        GMTLS_TRY(gmtls_rd_vec(&ids, 2, 1, 0xffff, &id));
        uint32_t age = gmtls_rd_u32(&ids);
        /* an identity without its whole age is not one of the at most
         * left/7 counted above (found by fuzz_server: a write past them) */
        GMTLS_TRY(ids.err);
        ch->psks[nid].id = id.p;
        ch->psks[nid].id_len = gmtls_rd_left(&id);
        ch->psks[nid].obfuscated_age = age;
        nid++;
    }
    GMTLS_TRY(gmtls_rd_done(&ids));
    ch->binders_off = (size_t)(r->p - ch->msg);
    GMTLS_TRY(gmtls_rd_vec(r, 2, 33, 0xffff, &binders));
    size_t nb = 0;
    while (gmtls_rd_left(&binders) > 0) {
        gmtls_rd b;
        GMTLS_TRY(gmtls_rd_vec(&binders, 1, 32, 255, &b));
        if (nb < nid) {
            ch->psks[nb].binder = b.p;
            ch->psks[nb].binder_len = gmtls_rd_left(&b);
        }
        nb++;
    }
    GMTLS_TRY(gmtls_rd_done(&binders));
    GMTLS_TRY(gmtls_rd_done(r));
    /* The reference: identities and binders differing in number ->
     * illegal_parameter. */
    if (nid != nb) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    ch->npsks = nid;
    ch->has_psk = 1;
    return 0;
}

int gmtls_xp_psk_sh(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_sh_exts *sh = out;
    (void)msg;
    uint16_t idx = gmtls_rd_u16(r);
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_done(r), "malformed pre_shared_key"));
    /* RFC 8446 §4.2.11: "Clients MUST verify that the server's
     * selected_identity is within the range supplied by the client, that
     * the server selected a cipher suite indicating a Hash associated with
     * the PSK" -> illegal_parameter. */
    if (idx >= (size_t)c->offered_psk + c->noffered_ext) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server selected a PSK we did not offer");
    }
    if (gmtls_psk_offered_hash(c, idx) != c->suite->hash) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server selected a PSK of another hash");
    }
    sh->psk_index = idx;
    return 0;
}

int gmtls_xw_psk_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    size_t n = (size_t)c->offered_psk + c->noffered_ext;
    if (n == 0) {
        return 0;
    }
    /* The resumption ticket first, then the external PSKs. */
    ext_begin(w, GMTLS_EXT_PRE_SHARED_KEY);
    gmtls_wr_open(w, 2);
    if (c->offered_psk) {
        /* RFC 8446 §4.2.11.1: obfuscated_ticket_age = (age in ms + ticket_age_add) mod 2^32. */
        uint32_t age = (uint32_t)(gmtls_now_ms(c) - c->offer.received_ms) + c->offer.age_add;
        gmtls_wr_open(w, 2);
        gmtls_wr_bytes(w, c->offer.ticket, c->offer.ticket_len);
        gmtls_wr_close(w);
        gmtls_wr_u32(w, age);
    }
    for (size_t i = c->offered_psk; i < n; i++) {
        const gmtls_ext_psk *e = gmtls_psk_offered_external(c, i);
        gmtls_wr_open(w, 2);
        gmtls_wr_bytes(w, e->id, e->id_len);
        gmtls_wr_close(w);
        /* RFC 8446 §4.2.11: "For identities established externally, an
         * obfuscated_ticket_age of 0 SHOULD be used". */
        gmtls_wr_u32(w, 0);
    }
    gmtls_wr_close(w);
    /* zero binders, filled in by gmtls_psk_fill_binder over the message */
    gmtls_wr_open(w, 2);
    for (size_t i = 0; i < n; i++) {
        gmtls_wr_open(w, 1);
        for (size_t k = 0; k < gmtls_psk_offered_hash(c, i)->digest_len; k++) {
            gmtls_wr_u8(w, 0);
        }
        gmtls_wr_close(w);
    }
    gmtls_wr_close(w);
    gmtls_wr_close(w);
    return w->err;
}

int gmtls_xw_psk_sh(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_sh_exts *sh = in;
    (void)c, (void)msg;
    /* RFC 8446 §4.2.11: uint16 selected_identity. */
    if (sh->psk_index >= 0) {
        ext_begin(w, GMTLS_EXT_PRE_SHARED_KEY);
        gmtls_wr_u16(w, (uint16_t)sh->psk_index);
        gmtls_wr_close(w);
    }
    return 0;
}

/* ------------------------------------------------------------ early_data */

int gmtls_xp_early_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    ch->early_data = 1;
    return gmtls_rd_done(r);
}

int gmtls_xw_early_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    /* RFC 8446 §4.2.10: empty in the ClientHello; never in a second one. */
    if (c->early_sending) {
        ext_begin(w, GMTLS_EXT_EARLY_DATA);
        gmtls_wr_close(w);
    }
    return 0;
}

int gmtls_xp_early_ee(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    (void)msg, (void)out;
    /* RFC 8446 §4.2.10: empty in EncryptedExtensions (the verdict already
     * refused it when our ClientHello did not offer early data). */
    GMTLS_TRY(gmtls_rd_done(r));
    c->early_state = GMTLS_EARLY_ACCEPTED;
    c->early_wr_current = 1;
    return 0;
}

int gmtls_xp_early_nst(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    (void)c, (void)msg;
    /* RFC 8446 §4.2.10: struct { uint32 max_early_data_size; } in NewSessionTicket. */
    uint32_t v = gmtls_rd_u32(r);
    GMTLS_TRY(gmtls_rd_done(r));
    *(uint32_t *)out = v;
    return 0;
}

int gmtls_xw_early_ee(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    /* RFC 8446 §4.2.10: "If the server supplies an "early_data" extension,
     * the client MUST verify that the server's selected_identity is 0" - we
     * send it (empty in EncryptedExtensions) only when we accept 0-RTT. */
    if (c->early_state == GMTLS_EARLY_ACCEPTED) {
        ext_begin(w, GMTLS_EXT_EARLY_DATA);
        gmtls_wr_close(w);
    }
    return 0;
}

int gmtls_xw_early_nst(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    /* RFC 8446 §4.2.10: in NewSessionTicket, uint32 max_early_data_size. */
    if (c->cfg->max_early_data > 0) {
        ext_begin(w, GMTLS_EXT_EARLY_DATA);
        gmtls_wr_u32(w, c->cfg->max_early_data);
        gmtls_wr_close(w);
    }
    return 0;
}

/* ------------------------------------------------------------ supported_versions */

int gmtls_xp_versions_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    /* struct { ProtocolVersion versions<2..254>; } SupportedVersions; */
    gmtls_rd l;
    GMTLS_TRY(gmtls_rd_vec(r, 1, 2, 254, &l));
    if (gmtls_rd_left(&l) % 2 != 0) {
        return GMTLS_ALERT_DECODE_ERROR;
    }
    ch->has_supported_versions = 1;
    while (gmtls_rd_left(&l) > 0) {
        uint16_t v = gmtls_rd_u16(&l);
        if (v == GMTLS_TLS13) {
            ch->offers_tls13 = 1;
        } else if (v == GMTLS_TLS12) {
            ch->offers_tls12 = 1;
        }
    }
    return gmtls_rd_done(r);
}

int gmtls_xp_versions_sh(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_sh_exts *sh = out;
    (void)msg;
    /* RFC 8446 §4.2.1: a version we did not offer -> illegal_parameter. */
    if (gmtls_rd_u16(r) != GMTLS_TLS13 || gmtls_rd_done(r) != 0 || c->cfg->max_version < GMTLS_TLS13) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "server selected a version other than TLS 1.3");
    }
    sh->has_version = 1;
    return 0;
}

int gmtls_xp_versions_hrr(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_sh_exts *sh = out;
    (void)msg;
    /* Another version: handle_hello_retry fails it (illegal_parameter). */
    sh->has_version = gmtls_rd_u16(r) == GMTLS_TLS13;
    return gmtls_fail(c, gmtls_rd_done(r), "malformed supported_versions");
}

int gmtls_xw_versions_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    /* RFC 8446 §4.2.1: versions<2..254>: TLS 1.3 (the table writes this
     * only into a ClientHello that offers it), and TLS 1.2 when this client
     * offers it too (gmtls_config_set_versions), in preference order. */
    ext_begin(w, GMTLS_EXT_SUPPORTED_VERSIONS);
    gmtls_wr_open(w, 1);
    gmtls_wr_u16(w, GMTLS_TLS13);
    if (gmtls_tls12_client_offers(c)) {
        gmtls_wr_u16(w, GMTLS_TLS12);
    }
    gmtls_wr_close(w);
    gmtls_wr_close(w);
    return 0;
}

int gmtls_xw_versions_sh(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)c, (void)msg, (void)in;
    /* RFC 8446 §4.2.1: ProtocolVersion selected_version (ServerHello and
     * HelloRetryRequest alike). */
    ext_begin(w, GMTLS_EXT_SUPPORTED_VERSIONS);
    gmtls_wr_u16(w, GMTLS_TLS13);
    gmtls_wr_close(w);
    return 0;
}

/* ------------------------------------------------------------ cookie */

int gmtls_xp_cookie_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    /* RFC 8446 §4.2.2: struct { opaque cookie<1..2^16-1>; } Cookie; */
    gmtls_rd v;
    GMTLS_TRY(gmtls_rd_vec(r, 2, 1, 0xffff, &v));
    ch->cookie = v.p;
    ch->cookie_len = gmtls_rd_left(&v);
    ch->has_cookie = 1;
    return gmtls_rd_done(r);
}

int gmtls_xp_cookie_hrr(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_sh_exts *sh = out;
    gmtls_rd v;
    (void)msg;
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_vec(r, 2, 1, 0xffff, &v), "malformed cookie"));
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_done(r), "malformed cookie"));
    sh->cookie = v.p;
    sh->cookielen = gmtls_rd_left(&v);
    return 0;
}

int gmtls_xw_cookie(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const uint8_t *cookie;
    size_t len;
    if (msg == GMTLS_EXT_IN_CH) {
        const gmtls_ch_out *o = in;
        cookie = o->cookie, len = o->cookielen;
    } else {
        const gmtls_sh_exts *sh = in;
        cookie = sh->cookie, len = sh->cookielen;
    }
    if (cookie != NULL) {
        /* RFC 8446 §4.2.2: the client "MUST copy the contents of the
         * extension received in the HelloRetryRequest". */
        gmtls_ext_write_cookie(w, cookie, len);
        if (msg == GMTLS_EXT_IN_CH) {
            c->sent_cookie = 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ psk_key_exchange_modes */

int gmtls_xp_psk_modes_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    gmtls_rd l;
    GMTLS_TRY(gmtls_rd_vec(r, 1, 1, 255, &l));
    ch->has_psk_modes = 1;
    while (gmtls_rd_left(&l) > 0) {
        uint8_t m = gmtls_rd_u8(&l);
        ch->psk_ke |= m == 0;
        ch->psk_dhe |= m == 1;
    }
    return gmtls_rd_done(r);
}

int gmtls_xw_psk_modes_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    /* RFC 8446 §4.2.9: enum { psk_ke(0), psk_dhe_ke(1) } PskKeyExchangeMode;
     * psk_ke only when configured (it gives up forward secrecy). */
    ext_begin(w, GMTLS_EXT_PSK_KEY_EXCHANGE_MODES);
    gmtls_wr_open(w, 1);
    if (c->cfg->psk_modes & GMTLS_PSK_MODE_DHE_KE) {
        gmtls_wr_u8(w, 1); /* psk_dhe_ke */
    }
    if (c->cfg->psk_modes & GMTLS_PSK_MODE_KE) {
        gmtls_wr_u8(w, 0); /* psk_ke */
    }
    gmtls_wr_close(w);
    gmtls_wr_close(w);
    return 0;
}

/* ------------------------------------------------------------ post_handshake_auth */

int gmtls_xp_pha_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    /* RFC 8446 §4.2.6: "The "extension_data" field of the
     * "post_handshake_auth" extension is zero length." */
    ch->post_handshake_auth = 1;
    return gmtls_rd_done(r);
}

int gmtls_xw_pha_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    /* RFC 8446 §4.2.6: a client with a certificate to offer accepts
     * post-handshake CertificateRequests. */
    if (c->cfg->ncerts > 0) {
        ext_begin(w, GMTLS_EXT_POST_HANDSHAKE_AUTH);
        gmtls_wr_close(w);
        c->sent_pha = 1;
    }
    return 0;
}

/* ------------------------------------------------------------ certificate_authorities */

int gmtls_xw_cas_cr(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_config *cfg = c->cfg;
    (void)msg, (void)in;
    /* RFC 8446 §4.2.4: DistinguishedName authorities<3..2^16-1>, when client
     * CAs are configured. */
    if (cfg->ca_names_len > 0 && cfg->ca_names_len <= 0xfffd) {
        ext_begin(w, GMTLS_EXT_CERTIFICATE_AUTHORITIES);
        gmtls_wr_open(w, 2);
        gmtls_wr_bytes(w, cfg->ca_names, cfg->ca_names_len);
        gmtls_wr_close(w);
        gmtls_wr_close(w);
    }
    return 0;
}

/* ------------------------------------------------------------ key_share */

int gmtls_xp_key_share_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    /* struct { KeyShareEntry client_shares<0..2^16-1>; } KeyShareClientHello; */
    gmtls_rd l;
    gmtls_u16_set seen;
    GMTLS_TRY(gmtls_rd_vec(r, 2, 0, 0xffff, &l));
    ch->has_key_share = 1;
    memset(&seen, 0, sizeof seen);
    /* Each entry takes at least 5 bytes: group, length, one byte of key. */
    ch->shares = ch_alloc(gmtls_rd_left(&l) / 5, sizeof ch->shares[0]);
    if (ch->shares == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    while (gmtls_rd_left(&l) > 0) {
        uint16_t group = gmtls_rd_u16(&l);
        gmtls_rd ke;
        GMTLS_TRY(gmtls_rd_vec(&l, 2, 1, 0xffff, &ke));
        /* RFC 8446 §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry
         * values for the same group" -> illegal_parameter. */
        if (gmtls_u16_set_add(&seen, group)) {
            return GMTLS_ALERT_ILLEGAL_PARAMETER;
        }
        ch->shares[ch->nshares].group = group;
        ch->shares[ch->nshares].data = ke.p;
        ch->shares[ch->nshares].len = gmtls_rd_left(&ke);
        ch->nshares++;
    }
    return gmtls_rd_done(r);
}

int gmtls_xp_key_share_sh(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_sh_exts *sh = out;
    gmtls_rd v;
    (void)msg;
    /* struct { KeyShareEntry server_share; } KeyShareServerHello; */
    sh->group = gmtls_rd_u16(r);
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_vec(r, 2, 1, 0xffff, &v), "malformed key_share"));
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_done(r), "malformed key_share"));
    sh->share = v.p;
    sh->sharelen = gmtls_rd_left(&v);
    return 0;
}

int gmtls_xp_key_share_hrr(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_sh_exts *sh = out;
    (void)msg;
    /* struct { NamedGroup selected_group; } KeyShareHelloRetryRequest; */
    sh->group = gmtls_rd_u16(r);
    return gmtls_fail(c, gmtls_rd_done(r), "malformed HelloRetryRequest key_share");
}

int gmtls_xw_key_share_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_ch_out *o = in;
    (void)msg;
    ext_begin(w, GMTLS_EXT_KEY_SHARE);
    if (o->kept.p != NULL) {
        gmtls_wr_bytes(w, o->kept.p, gmtls_rd_left(&o->kept));
    } else {
        gmtls_wr_open(w, 2);
        gmtls_wr_u16(w, c->kex_offered->id);
        gmtls_wr_open(w, 2);
        gmtls_wr_bytes(w, o->pub, o->publen);
        gmtls_wr_close(w);
        if (c->kex_offered2 != NULL) {
            /* RFC 8446 §4.2.8: client_shares in the order of supported_groups */
            gmtls_wr_u16(w, c->kex_offered2->id);
            gmtls_wr_open(w, 2);
            gmtls_wr_bytes(w, o->pub2, o->publen2);
            gmtls_wr_close(w);
        }
        gmtls_wr_close(w);
    }
    gmtls_wr_close(w);
    return 0;
}

int gmtls_xw_key_share_sh(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_sh_exts *sh = in;
    (void)msg;
    /* RFC 8446 §4.2.9: in psk_ke mode "the server MUST NOT supply a
     * "key_share" value". */
    if (sh->share == NULL) {
        return 0;
    }
    ext_begin(w, GMTLS_EXT_KEY_SHARE);
    gmtls_wr_u16(w, c->group);
    gmtls_wr_open(w, 2);
    gmtls_wr_bytes(w, sh->share, sh->sharelen);
    gmtls_wr_close(w);
    gmtls_wr_close(w);
    return 0;
}

int gmtls_xw_key_share_hrr(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    ext_begin(w, GMTLS_EXT_KEY_SHARE);
    gmtls_wr_u16(w, c->group); /* selected_group */
    gmtls_wr_close(w);
    return 0;
}

/* ------------------------------------------------------------ renegotiation_info */

int gmtls_xp_reneg_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    /* RFC 5746 §3.2: opaque renegotiated_connection<0..255>; */
    gmtls_rd l;
    GMTLS_TRY(gmtls_rd_vec(r, 1, 0, 255, &l));
    ch->has_reneg = 1;
    ch->reneg_len = gmtls_rd_left(&l);
    return gmtls_rd_done(r);
}

int gmtls_xw_reneg_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)c, (void)msg, (void)in;
    /* RFC 5746 §3.4: renegotiation_info with an empty renegotiated_connection. */
    ext_begin(w, GMTLS_EXT_RENEGOTIATION_INFO);
    gmtls_wr_u8(w, 0);
    gmtls_wr_close(w);
    return 0;
}

/* ------------------------------------------------------------ TLS 1.2 signals */
/* (written only into a ClientHello that offers TLS 1.2: the table's
 * ch_versions) */

int gmtls_xw_ems_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)c, (void)msg, (void)in;
    /* RFC 7627 §5.1: extended_master_secret, empty. */
    ext_begin(w, GMTLS_EXT_EXTENDED_MASTER_SECRET);
    gmtls_wr_close(w);
    return 0;
}

int gmtls_xw_ec_formats_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)c, (void)msg, (void)in;
    /* RFC 8422 §5.1.2: ECPointFormatList, uncompressed (0) only. */
    ext_begin(w, GMTLS_EXT_EC_POINT_FORMATS);
    gmtls_wr_u8(w, 1);
    gmtls_wr_u8(w, 0);
    gmtls_wr_close(w);
    return 0;
}

int gmtls_xw_session_ticket_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    /* RFC 5077 §3.2: SessionTicket, empty or the ticket of the session offered. */
    ext_begin(w, GMTLS_EXT_SESSION_TICKET);
    if (gmtls_tls12_client_offers_ticket(c)) {
        gmtls_wr_bytes(w, c->offer.ticket, c->offer.ticket_len);
    }
    gmtls_wr_close(w);
    return 0;
}

/* ------------------------------------------------------------ compress_certificate (RFC 8879) */

int gmtls_xp_certcomp_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    return gmtls_certcomp_read_ext(r->p, gmtls_rd_left(r), &ch->cert_comp, &ch->cert_comp_len);
}

int gmtls_xp_certcomp_cr(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    const uint8_t *list = NULL;
    size_t n = 0;
    (void)msg, (void)out;
    /* RFC 8879 §3: the server's algorithms for our Certificate. */
    GMTLS_TRY(gmtls_fail(c, gmtls_certcomp_read_ext(r->p, gmtls_rd_left(r), &list, &n), "bad compress_certificate"));
    c->cert_comp_peer = gmtls_certcomp_choose(c->cfg, list, n);
    return 0;
}

int gmtls_xw_certcomp_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    /* RFC 8879 §3: the algorithms we decompress a server Certificate with. */
    gmtls_certcomp_write_ext(c->cfg, w);
    return 0;
}

int gmtls_xw_certcomp_cr(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    const gmtls_client_hello *ch = in;
    (void)msg;
    /* RFC 8879 §3: the server offers its algorithms for the client's
     * Certificate in the CertificateRequest - only to a client that sent
     * compress_certificate itself: GmSSL's client aborts on an extension it
     * does not know in a CertificateRequest (RFC 8446 §4.3.2 says to ignore
     * it), and a client that does not offer compression knows none. (None
     * after the handshake: ch is NULL for a post-handshake request.) */
    if (ch != NULL && ch->cert_comp_len > 0 && c->cfg->ncert_comp > 0) {
        gmtls_certcomp_write_ext(c->cfg, w);
        c->sent_cr_cert_comp = 1;
    }
    return 0;
}

/* ------------------------------------------------------------ record_size_limit (RFC 8449) */

int gmtls_xp_rsl_ch(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    gmtls_client_hello *ch = out;
    (void)c, (void)msg;
    return gmtls_rsl_read(r->p, gmtls_rd_left(r), &ch->record_size_limit);
}

int gmtls_xp_rsl_ee(gmtls_conn *c, unsigned msg, gmtls_rd *r, void *out)
{
    uint16_t limit = 0;
    (void)msg, (void)out;
    GMTLS_TRY(gmtls_fail(c, gmtls_rsl_read(r->p, gmtls_rd_left(r), &limit), "bad record_size_limit"));
    /* RFC 8449 §4: "A client MAY abort the handshake with an
     * "illegal_parameter" alert if the record_size_limit extension includes
     * a value greater than the maximum record size permitted by the
     * negotiated protocol version and extensions." */
    if (limit > GMTLS_RECORD_SIZE_LIMIT_MAX) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "record_size_limit %u above 2^14+1", limit);
    }
    gmtls_rsl_apply(c, limit);
    return 0;
}

int gmtls_xw_rsl_ch(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    if (c->cfg->record_size_limit != 0) {
        /* RFC 8449 §4: "Endpoints SHOULD advertise the "record_size_limit"
         * extension, even if they have no need to limit the size of records." */
        gmtls_rsl_write(w, c->cfg->record_size_limit);
        c->sent_rsl = 1;
    }
    return 0;
}

int gmtls_xw_rsl_ee(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    (void)msg, (void)in;
    /* RFC 8449 §4: "In TLS 1.3, the server sends the "record_size_limit"
     * extension in the EncryptedExtensions message" (negotiated: server.c
     * applied the client's value). */
    if (c->peer_rsl != 0) {
        gmtls_rsl_write(w, c->cfg->record_size_limit);
    }
    return 0;
}
