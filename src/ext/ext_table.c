/* The extension table (RFC 8446 §4.2) and the one place where the alert for
 * a duplicate, unknown, misplaced or unsolicited extension is chosen. The
 * parsers of the extensions' bodies stay with the messages that read them
 * (hello.c for the ClientHello, client.c, cert.c, ticket.c). */
#include "ext/ext.h"

#define CH GMTLS_EXT_IN_CH
#define SH GMTLS_EXT_IN_SH
#define HRR GMTLS_EXT_IN_HRR
#define EE GMTLS_EXT_IN_EE
#define CT GMTLS_EXT_IN_CT
#define CR GMTLS_EXT_IN_CR
#define NST GMTLS_EXT_IN_NST

/* RFC 8446 §4.2: "The table below indicates the messages where a given
 * extension may appear" (the TLS 1.3 column of the IANA registry); sorted
 * by type. renegotiation_info (RFC 5746) is a ClientHello-only signal in
 * TLS 1.3: a TLS 1.2 client may send it, no TLS 1.3 server answers it. */
static const gmtls_ext_desc table[] = {
    {GMTLS_EXT_SERVER_NAME, "server_name", CH | EE},
    {GMTLS_EXT_MAX_FRAGMENT_LENGTH, "max_fragment_length", CH | EE},
    {GMTLS_EXT_STATUS_REQUEST, "status_request", CH | CR | CT},
    {GMTLS_EXT_SUPPORTED_GROUPS, "supported_groups", CH | EE},
    {GMTLS_EXT_SIGNATURE_ALGORITHMS, "signature_algorithms", CH | CR},
    {GMTLS_EXT_USE_SRTP, "use_srtp", CH | EE},
    {GMTLS_EXT_HEARTBEAT, "heartbeat", CH | EE},
    {GMTLS_EXT_ALPN, "application_layer_protocol_negotiation", CH | EE},
    {GMTLS_EXT_SCT, "signed_certificate_timestamp", CH | CR | CT},
    {GMTLS_EXT_CLIENT_CERTIFICATE_TYPE, "client_certificate_type", CH | EE},
    {GMTLS_EXT_SERVER_CERTIFICATE_TYPE, "server_certificate_type", CH | EE},
    {GMTLS_EXT_PADDING, "padding", CH},
    {GMTLS_EXT_COMPRESS_CERTIFICATE, "compress_certificate", CH | CR}, /* RFC 8879 §3 */
    {GMTLS_EXT_RECORD_SIZE_LIMIT, "record_size_limit", CH | EE},       /* RFC 8449 §4 */
    {GMTLS_EXT_PRE_SHARED_KEY, "pre_shared_key", CH | SH},
    {GMTLS_EXT_EARLY_DATA, "early_data", CH | EE | NST},
    {GMTLS_EXT_SUPPORTED_VERSIONS, "supported_versions", CH | SH | HRR},
    {GMTLS_EXT_COOKIE, "cookie", CH | HRR},
    {GMTLS_EXT_PSK_KEY_EXCHANGE_MODES, "psk_key_exchange_modes", CH},
    {GMTLS_EXT_CERTIFICATE_AUTHORITIES, "certificate_authorities", CH | CR},
    {GMTLS_EXT_OID_FILTERS, "oid_filters", CR},
    {GMTLS_EXT_POST_HANDSHAKE_AUTH, "post_handshake_auth", CH},
    {GMTLS_EXT_SIGNATURE_ALGORITHMS_CERT, "signature_algorithms_cert", CH | CR},
    {GMTLS_EXT_KEY_SHARE, "key_share", CH | SH | HRR},
    {GMTLS_EXT_RENEGOTIATION_INFO, "renegotiation_info", CH},
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

int gmtls_u16_set_add(gmtls_u16_set *s, uint16_t v)
{
    uint64_t bit = (uint64_t)1 << (v % 64);
    int had = (s->bits[v / 64] & bit) != 0;
    s->bits[v / 64] |= bit;
    return had;
}

int gmtls_exts_check(gmtls_rd *r, gmtls_rd *block, size_t *n)
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
         * type in a given extension block." -> illegal_parameter, in every
         * message, known type or not. */
        if (gmtls_u16_set_add(&seen, type)) {
            return GMTLS_ALERT_ILLEGAL_PARAMETER;
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
