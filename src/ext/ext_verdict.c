/* What a connection has offered, and the table's verdict and parsers applied
 * to it: the message handlers (client.c, cert.c, ticket.c) hand each
 * received extension block to gmtls_exts_parse (verdict, then the table's
 * parser) and act on nothing else. */
#include "handshake/internal.h"

unsigned gmtls_client_ch_versions(const gmtls_conn *c)
{
    return (gmtls_tls12_client_offers(c) ? GMTLS_EXT_V12 : 0u) | (gmtls_tls13_client_offers(c) ? GMTLS_EXT_V13 : 0u);
}

int gmtls_client_offered_ext(const gmtls_conn *c, uint16_t type)
{
    /* Not in a ClientHello of the versions it offered (the table's
     * ch_versions, gmtls_exts_write): not requested. */
    const gmtls_ext_desc *d = gmtls_ext_find(type);
    if (d != NULL && (d->ch_versions & gmtls_client_ch_versions(c)) == 0) {
        return 0;
    }
    switch (type) {
    case GMTLS_EXT_SERVER_NAME:
        return c->sent_sni;
    case GMTLS_EXT_ALPN:
        return c->offered_alpn;
    case GMTLS_EXT_PRE_SHARED_KEY:
        return c->offered_psk || c->noffered_ext > 0;
    case GMTLS_EXT_STATUS_REQUEST:
        return c->cfg->request_ocsp;
    case GMTLS_EXT_COOKIE:
        return c->sent_cookie;
    case GMTLS_EXT_RECORD_SIZE_LIMIT:
        return c->sent_rsl;
    case GMTLS_EXT_COMPRESS_CERTIFICATE:
        return c->cfg->ncert_comp > 0;
    case GMTLS_EXT_EARLY_DATA:
        return c->early_sending;
    case GMTLS_EXT_RENEGOTIATION_INFO: /* the TLS 1.2 ones, when 1.2 is offered (above) */
    case GMTLS_EXT_EXTENDED_MASTER_SECRET:
    case GMTLS_EXT_EC_POINT_FORMATS:
    case GMTLS_EXT_SESSION_TICKET:
    case GMTLS_EXT_SUPPORTED_VERSIONS:
    case GMTLS_EXT_SUPPORTED_GROUPS:
    case GMTLS_EXT_SIGNATURE_ALGORITHMS:
    case GMTLS_EXT_KEY_SHARE:
    case GMTLS_EXT_SCT:
    case GMTLS_EXT_PSK_KEY_EXCHANGE_MODES:
        return 1;
    default:
        return 0;
    }
}

int gmtls_ext_verdict(gmtls_conn *c, unsigned msg, const char *msgname, uint16_t type)
{
    /* A server's CertificateRequest (server.c) carries signature_algorithms
     * and certificate_authorities, neither of them a request a client's
     * CertificateEntry may answer: the server offered nothing there. */
    int offered = c->is_server ? 0 : gmtls_client_offered_ext(c, type);
    int v = gmtls_ext_check(msg, type, offered);
    if (v == 0) {
        return 0;
    }
    return gmtls_fail(c, v, "%s extension %u (%s) in %s",
                      v == GMTLS_ALERT_UNSUPPORTED_EXTENSION ? "unsolicited" : "misplaced", type, gmtls_ext_name(type),
                      msgname);
}

int gmtls_exts_parse(gmtls_conn *c, unsigned msg, const char *msgname, gmtls_rd block, void *out)
{
    gmtls_ext e;
    while (gmtls_exts_next(&block, &e)) {
        GMTLS_TRY(gmtls_ext_verdict(c, msg, msgname, e.type));
        /* In an answer the verdict passes only what this client requested,
         * and each of those has a parser in the table (ext_table_test). */
        if ((msg & (GMTLS_EXT_IN_SH | GMTLS_EXT_IN_HRR | GMTLS_EXT_IN_EE)) != 0 &&
            gmtls_ext_parser(msg, e.type) == NULL) {
            return gmtls_fail(c, GMTLS_ALERT_INTERNAL_ERROR, "%s extension %u", msgname, e.type);
        }
        GMTLS_TRY(gmtls_ext_parse(c, msg, &e, out));
    }
    return 0;
}
