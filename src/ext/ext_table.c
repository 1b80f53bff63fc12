/* The extension table (RFC 8446 §4.2): per extension the messages it may
 * appear in and, per message, the parser and writer of its body
 * (ext_bodies.c); the order in which each message's extensions are written;
 * and the one place where the alert for a duplicate, unknown, misplaced or
 * unsolicited extension is chosen. */
#include "ext/ext_bodies.h"
#include "handshake/internal.h"

#define CH GMTLS_EXT_IN_CH
#define SH GMTLS_EXT_IN_SH
#define HRR GMTLS_EXT_IN_HRR
#define EE GMTLS_EXT_IN_EE
#define CT GMTLS_EXT_IN_CT
#define CR GMTLS_EXT_IN_CR
#define NST GMTLS_EXT_IN_NST

/* Designated initialisers of the per-message parser and writer arrays. */
#define P_CH [GMTLS_EXT_MSG_CH]
#define P_SH [GMTLS_EXT_MSG_SH]
#define P_HRR [GMTLS_EXT_MSG_HRR]
#define P_EE [GMTLS_EXT_MSG_EE]
#define P_CT [GMTLS_EXT_MSG_CT]
#define P_CR [GMTLS_EXT_MSG_CR]
#define P_NST [GMTLS_EXT_MSG_NST]

/* The versions whose ClientHello carries an extension (ch_versions). */
#define V12 GMTLS_EXT_V12
#define V13 GMTLS_EXT_V13

/* RFC 8446 §4.2: "The table below indicates the messages where a given
 * extension may appear" (the TLS 1.3 column of the IANA registry); sorted
 * by type. renegotiation_info (RFC 5746) is a ClientHello-only signal in
 * TLS 1.3: a TLS 1.2 client may send it, no TLS 1.3 server answers it; so
 * are the other TLS 1.2 extensions a ClientHello that offers 1.2 carries
 * (ec_point_formats, extended_master_secret, session_ticket). Their TLS 1.2
 * ServerHello answers are read by tls12.c, outside the TLS 1.3 messages.
 * The last column says which ClientHellos carry an extension: those of
 * RFC 8446 alone (key_share, pre_shared_key, psk_key_exchange_modes,
 * early_data, cookie, supported_versions, post_handshake_auth) and RFC
 * 8879's compress_certificate ("only supported with TLS 1.3 [RFC8446] and
 * newer") only one that offers TLS 1.3; the TLS 1.2 ones only one that
 * offers TLS 1.2; the others (RFC 6066, 7301, 6962, 8449, and the groups
 * and signature algorithms of RFC 8422 / 5246) both. */
static const gmtls_ext_desc table[] = {
    {GMTLS_EXT_SERVER_NAME,
     "server_name",
     CH | EE,
     {P_CH = gmtls_xp_sni_ch, P_EE = gmtls_xp_sni_ee},
     {P_CH = gmtls_xw_sni_ch, P_EE = gmtls_xw_sni_ee},
     V12 | V13},
    {GMTLS_EXT_MAX_FRAGMENT_LENGTH, "max_fragment_length", CH | EE, {0}, {0}, 0},
    {GMTLS_EXT_STATUS_REQUEST,
     "status_request",
     CH | CR | CT,
     {P_CH = gmtls_xp_status_ch, P_CT = gmtls_xp_status_ct},
     {P_CH = gmtls_xw_status_ch, P_CT = gmtls_xw_status_ct},
     V12 | V13},
    {GMTLS_EXT_SUPPORTED_GROUPS,
     "supported_groups",
     CH | EE,
     {P_CH = gmtls_xp_groups_ch, P_EE = gmtls_xp_groups_ee},
     {P_CH = gmtls_xw_groups_ch},
     V12 | V13},
    {GMTLS_EXT_EC_POINT_FORMATS, "ec_point_formats", CH, {0}, {P_CH = gmtls_xw_ec_formats_ch}, V12},
    {GMTLS_EXT_SIGNATURE_ALGORITHMS,
     "signature_algorithms",
     CH | CR,
     {P_CH = gmtls_xp_sigalgs_ch, P_CR = gmtls_xp_sigalgs_cr},
     {P_CH = gmtls_xw_sigalgs_ch, P_CR = gmtls_xw_sigalgs_cr},
     V12 | V13},
    {GMTLS_EXT_USE_SRTP, "use_srtp", CH | EE, {0}, {0}, 0},
    {GMTLS_EXT_HEARTBEAT, "heartbeat", CH | EE, {0}, {0}, 0},
    {GMTLS_EXT_ALPN,
     "application_layer_protocol_negotiation",
     CH | EE,
     {P_CH = gmtls_xp_alpn_ch, P_EE = gmtls_xp_alpn_ee},
     {P_CH = gmtls_xw_alpn_ch, P_EE = gmtls_xw_alpn_ee},
     V12 | V13},
    {GMTLS_EXT_SCT,
     "signed_certificate_timestamp",
     CH | CR | CT,
     {P_CH = gmtls_xp_sct_ch, P_CT = gmtls_xp_sct_ct},
     {P_CH = gmtls_xw_sct_ch, P_CT = gmtls_xw_sct_ct},
     V12 | V13},
    {GMTLS_EXT_CLIENT_CERTIFICATE_TYPE, "client_certificate_type", CH | EE, {0}, {0}, 0},
    {GMTLS_EXT_SERVER_CERTIFICATE_TYPE, "server_certificate_type", CH | EE, {0}, {0}, 0},
    {GMTLS_EXT_PADDING, "padding", CH, {0}, {0}, 0},
    {GMTLS_EXT_EXTENDED_MASTER_SECRET, "extended_master_secret", CH, {0}, {P_CH = gmtls_xw_ems_ch}, V12},
    {GMTLS_EXT_SESSION_TICKET, "session_ticket", CH, {0}, {P_CH = gmtls_xw_session_ticket_ch}, V12},
    {GMTLS_EXT_COMPRESS_CERTIFICATE, /* RFC 8879 §3 */
     "compress_certificate",
     CH | CR,
     {P_CH = gmtls_xp_certcomp_ch, P_CR = gmtls_xp_certcomp_cr},
     {P_CH = gmtls_xw_certcomp_ch, P_CR = gmtls_xw_certcomp_cr},
     V13},
    {GMTLS_EXT_RECORD_SIZE_LIMIT, /* RFC 8449 §4 */
     "record_size_limit",
     CH | EE,
     {P_CH = gmtls_xp_rsl_ch, P_EE = gmtls_xp_rsl_ee},
     {P_CH = gmtls_xw_rsl_ch, P_EE = gmtls_xw_rsl_ee},
     V12 | V13},
    {GMTLS_EXT_PRE_SHARED_KEY,
     "pre_shared_key",
     CH | SH,
     {P_CH = gmtls_xp_psk_ch, P_SH = gmtls_xp_psk_sh},
     {P_CH = gmtls_xw_psk_ch, P_SH = gmtls_xw_psk_sh},
     V13},
    {GMTLS_EXT_EARLY_DATA,
     "early_data",
     CH | EE | NST,
     {P_CH = gmtls_xp_early_ch, P_EE = gmtls_xp_early_ee, P_NST = gmtls_xp_early_nst},
     {P_CH = gmtls_xw_early_ch, P_EE = gmtls_xw_early_ee, P_NST = gmtls_xw_early_nst},
     V13},
    {GMTLS_EXT_SUPPORTED_VERSIONS,
     "supported_versions",
     CH | SH | HRR,
     {P_CH = gmtls_xp_versions_ch, P_SH = gmtls_xp_versions_sh, P_HRR = gmtls_xp_versions_hrr},
     {P_CH = gmtls_xw_versions_ch, P_SH = gmtls_xw_versions_sh, P_HRR = gmtls_xw_versions_sh},
     V13},
    {GMTLS_EXT_COOKIE,
     "cookie",
     CH | HRR,
     {P_CH = gmtls_xp_cookie_ch, P_HRR = gmtls_xp_cookie_hrr},
     {P_CH = gmtls_xw_cookie, P_HRR = gmtls_xw_cookie},
     V13},
    {GMTLS_EXT_PSK_KEY_EXCHANGE_MODES,
     "psk_key_exchange_modes",
     CH,
     {P_CH = gmtls_xp_psk_modes_ch},
     {P_CH = gmtls_xw_psk_modes_ch},
     V13},
    {GMTLS_EXT_CERTIFICATE_AUTHORITIES, "certificate_authorities", CH | CR, {0}, {P_CR = gmtls_xw_cas_cr}, 0},
    {GMTLS_EXT_OID_FILTERS, "oid_filters", CR, {0}, {0}, 0},
    {GMTLS_EXT_POST_HANDSHAKE_AUTH, "post_handshake_auth", CH, {P_CH = gmtls_xp_pha_ch}, {P_CH = gmtls_xw_pha_ch}, V13},
    {GMTLS_EXT_SIGNATURE_ALGORITHMS_CERT,
     "signature_algorithms_cert",
     CH | CR,
     {P_CH = gmtls_xp_sigalgs_cert_ch},
     {0},
     0},
    {GMTLS_EXT_KEY_SHARE,
     "key_share",
     CH | SH | HRR,
     {P_CH = gmtls_xp_key_share_ch, P_SH = gmtls_xp_key_share_sh, P_HRR = gmtls_xp_key_share_hrr},
     {P_CH = gmtls_xw_key_share_ch, P_SH = gmtls_xw_key_share_sh, P_HRR = gmtls_xw_key_share_hrr},
     V13},
    {GMTLS_EXT_RENEGOTIATION_INFO,
     "renegotiation_info",
     CH,
     {P_CH = gmtls_xp_reneg_ch},
     {P_CH = gmtls_xw_reneg_ch},
     V12},
};

/* The order in which gmtls writes each message's extensions (kept from
 * before the table, so the wire output is unchanged). RFC 8446 §4.2: "Extensions can appear in any order, with the
 * exception of "pre_shared_key" (Section 4.2.11) which MUST be the last
 * extension in the ClientHello". */
static const uint16_t order_ch[] = {
    GMTLS_EXT_SERVER_NAME,
    GMTLS_EXT_SUPPORTED_VERSIONS,
    GMTLS_EXT_SUPPORTED_GROUPS,
    GMTLS_EXT_SIGNATURE_ALGORITHMS,
    GMTLS_EXT_KEY_SHARE,
    GMTLS_EXT_ALPN,
    GMTLS_EXT_STATUS_REQUEST,
    GMTLS_EXT_SCT,
    GMTLS_EXT_POST_HANDSHAKE_AUTH,
    GMTLS_EXT_COMPRESS_CERTIFICATE,
    GMTLS_EXT_RECORD_SIZE_LIMIT,
    GMTLS_EXT_EARLY_DATA,
    GMTLS_EXT_COOKIE,
    /* only in a ClientHello that offers TLS 1.2 */
    GMTLS_EXT_RENEGOTIATION_INFO,
    GMTLS_EXT_EXTENDED_MASTER_SECRET,
    GMTLS_EXT_EC_POINT_FORMATS,
    GMTLS_EXT_SESSION_TICKET,
    GMTLS_EXT_PSK_KEY_EXCHANGE_MODES,
    GMTLS_EXT_PRE_SHARED_KEY,
};
static const uint16_t order_sh[] = {GMTLS_EXT_SUPPORTED_VERSIONS, GMTLS_EXT_KEY_SHARE, GMTLS_EXT_PRE_SHARED_KEY};
static const uint16_t order_hrr[] = {GMTLS_EXT_SUPPORTED_VERSIONS, GMTLS_EXT_KEY_SHARE, GMTLS_EXT_COOKIE};
static const uint16_t order_ee[] = {GMTLS_EXT_ALPN, GMTLS_EXT_SERVER_NAME, GMTLS_EXT_RECORD_SIZE_LIMIT,
                                    GMTLS_EXT_EARLY_DATA};
static const uint16_t order_nst[] = {GMTLS_EXT_EARLY_DATA};
static const uint16_t order_ct[] = {GMTLS_EXT_STATUS_REQUEST, GMTLS_EXT_SCT};
static const uint16_t order_cr[] = {GMTLS_EXT_SIGNATURE_ALGORITHMS, GMTLS_EXT_CERTIFICATE_AUTHORITIES,
                                    GMTLS_EXT_COMPRESS_CERTIFICATE};

static const struct {
    const uint16_t *types;
    size_t n;
} orders[GMTLS_EXT_NMSGS] = {
    P_CH = {order_ch, GMTLS_ARRAY_LEN(order_ch)},    P_SH = {order_sh, GMTLS_ARRAY_LEN(order_sh)},
    P_HRR = {order_hrr, GMTLS_ARRAY_LEN(order_hrr)}, P_EE = {order_ee, GMTLS_ARRAY_LEN(order_ee)},
    P_CT = {order_ct, GMTLS_ARRAY_LEN(order_ct)},    P_CR = {order_cr, GMTLS_ARRAY_LEN(order_cr)},
    P_NST = {order_nst, GMTLS_ARRAY_LEN(order_nst)},
};

const gmtls_ext_desc *gmtls_ext_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

const gmtls_ext_desc *gmtls_ext_find(uint16_t type)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].type == type) {
            return &table[i];
        }
    }
    return NULL;
}

const char *gmtls_ext_name(uint16_t type)
{
    const gmtls_ext_desc *d = gmtls_ext_find(type);
    return d != NULL ? d->name : "unknown";
}

int gmtls_ext_check(unsigned msg, uint16_t type, int offered)
{
    const gmtls_ext_desc *d = gmtls_ext_find(type);
    /* The messages that answer the peer's requests: the server's hellos and
     * EncryptedExtensions answer the ClientHello, a Certificate answers the
     * ClientHello (server) or the CertificateRequest (client). */
    int answer = (msg & (SH | HRR | EE | CT)) != 0;
    /* RFC 8446 §4.2: "Implementations MUST NOT send extension responses if
     * the remote endpoint did not send the corresponding extension requests,
     * with the exception of the "cookie" extension in the HelloRetryRequest.
     * Upon receiving such an extension, an endpoint MUST abort the handshake
     * with an "unsupported_extension" alert." (An unknown type in an answer
     * is one we never sent.) */
    if (answer && !offered && !(msg == HRR && type == GMTLS_EXT_COOKIE)) {
        return GMTLS_ALERT_UNSUPPORTED_EXTENSION;
    }
    /* RFC 8446 §4.1.2 / §4.3.2 / §4.6.1: unrecognized extensions in the
     * ClientHello, CertificateRequest and NewSessionTicket are ignored. */
    if (d == NULL) {
        return 0;
    }
    /* RFC 8446 §4.2: "If an implementation receives an extension which it
     * recognizes and which is not specified for the message in which it
     * appears, it MUST abort the handshake with an "illegal_parameter"
     * alert." */
    if ((d->msgs & msg) == 0) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    return 0;
}

unsigned gmtls_ext_msg_index(unsigned msg)
{
    unsigned i = 0;
    while (i + 1 < GMTLS_EXT_NMSGS && (msg & 1u) == 0) {
        msg >>= 1;
        i++;
    }
    return i;
}

gmtls_ext_parse_fn *gmtls_ext_parser(unsigned msg, uint16_t type)
{
    const gmtls_ext_desc *d = gmtls_ext_find(type);
    return d != NULL && (d->msgs & msg) != 0 ? d->parse[gmtls_ext_msg_index(msg)] : NULL;
}

int gmtls_ext_parse(gmtls_conn *c, unsigned msg, const gmtls_ext *e, void *out)
{
    gmtls_ext_parse_fn *parse = gmtls_ext_parser(msg, e->type);
    gmtls_rd body;
    if (parse == NULL) {
        return 0;
    }
    gmtls_rd_init(&body, e->data, e->len);
    return parse(c, msg, &body, out);
}

const uint16_t *gmtls_ext_write_order(unsigned msg, size_t *n)
{
    unsigned i = gmtls_ext_msg_index(msg);
    *n = orders[i].n;
    return orders[i].types;
}

int gmtls_exts_write(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in)
{
    size_t n = 0;
    const uint16_t *types = gmtls_ext_write_order(msg, &n);
    unsigned i = gmtls_ext_msg_index(msg);
    for (size_t k = 0; k < n; k++) {
        const gmtls_ext_desc *d = gmtls_ext_find(types[k]);
        if (d == NULL || d->write[i] == NULL || (d->msgs & msg) == 0) {
            return GMTLS_ALERT_INTERNAL_ERROR; /* not reached: ext_table_test checks the orders */
        }
        /* RFC 8446 §4.2.1: without "supported_versions" listing TLS 1.3 a
         * server "MUST negotiate TLS 1.2 or prior": a ClientHello that does
         * not offer 1.3 carries none of its extensions (nor one that does
         * not offer 1.2 the TLS 1.2 ones). */
        if (msg == GMTLS_EXT_IN_CH && (d->ch_versions & gmtls_client_ch_versions(c)) == 0) {
            continue;
        }
        GMTLS_TRY(d->write[i](c, msg, w, in));
    }
    return w->err;
}

int gmtls_u16_set_add(gmtls_u16_set *s, uint16_t v)
{
    uint64_t bit = (uint64_t)1 << (v % 64);
    int had = (s->bits[v / 64] & bit) != 0;
    s->bits[v / 64] |= bit;
    return had;
}

int gmtls_exts_check(unsigned msg, gmtls_rd *r, gmtls_rd *block, size_t *n)
{
    gmtls_rd all;
    gmtls_u16_set seen;
    *n = 0;
    GMTLS_TRY(gmtls_rd_vec(r, 2, 0, 0xffff, block));
    memset(&seen, 0, sizeof seen);
    all = *block;
    while (gmtls_rd_left(&all) > 0) {
        uint16_t type = gmtls_rd_u16(&all);
        gmtls_rd body;
        GMTLS_TRY(gmtls_rd_vec(&all, 2, 0, 0xffff, &body));
        /* RFC 8446 §4.2: "There MUST NOT be more than one extension of the same
         * type in a given extension block." The RFC names no alert; gmtls
         * takes BoringSSL's, known type or not: decode_error in the
         * ClientHello and EncryptedExtensions (the block does not decode into
         * a set of extensions), illegal_parameter in the others. */
        if (gmtls_u16_set_add(&seen, type)) {
            return (msg & (CH | EE)) != 0 ? GMTLS_ALERT_DECODE_ERROR : GMTLS_ALERT_ILLEGAL_PARAMETER;
        }
        (*n)++;
    }
    return gmtls_rd_done(&all);
}

int gmtls_exts_next(gmtls_rd *block, gmtls_ext *e)
{
    if (gmtls_rd_left(block) == 0) {
        return 0;
    }
    gmtls_rd body;
    e->type = gmtls_rd_u16(block);
    if (gmtls_rd_vec(block, 2, 0, 0xffff, &body) != 0) {
        return 0; /* not reached on a checked block */
    }
    e->data = body.p;
    e->len = gmtls_rd_left(&body);
    return 1;
}

void gmtls_ext_write_cookie(gmtls_wr *w, const uint8_t *cookie, size_t len)
{
    /* RFC 8446 §4.2.2: struct { opaque cookie<1..2^16-1>; } Cookie; */
    gmtls_wr_u16(w, GMTLS_EXT_COOKIE);
    gmtls_wr_open(w, 2);
    gmtls_wr_open(w, 2);
    gmtls_wr_bytes(w, cookie, len);
    gmtls_wr_close(w);
    gmtls_wr_close(w);
}
