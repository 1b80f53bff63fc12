/* The record_size_limit extension (RFC 8449): its body, and the limits a
 * negotiated pair of values puts on the record layer in each direction. */
#include "handshake/internal.h"

int gmtls_rsl_read(const uint8_t *data, size_t len, uint16_t *limit)
{
    gmtls_rd r;
    gmtls_rd_init(&r, data, len);
    /* RFC 8449 §4: uint16 RecordSizeLimit; */
    uint16_t v = gmtls_rd_u16(&r);
    GMTLS_TRY(gmtls_rd_done(&r));
    /* RFC 8449 §4: "An endpoint MUST treat receipt of a smaller value [than
     * 64] as a fatal error and generate an "illegal_parameter" alert." */
    if (v < 64) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    *limit = v;
    return 0;
}

void gmtls_rsl_write(gmtls_wr *w, uint16_t limit)
{
    gmtls_wr_u16(w, GMTLS_EXT_RECORD_SIZE_LIMIT);
    gmtls_wr_u16(w, 2);
    gmtls_wr_u16(w, limit);
}

void gmtls_rsl_apply(gmtls_conn *c, uint16_t peer_limit)
{
    /* RFC 8449 §4: "An endpoint that receives a value larger than the maximum
     * defined in the protocol MUST NOT exceed protocol-defined limits" (a
     * server may see a larger value from a client). */
    if (peer_limit > GMTLS_RECORD_SIZE_LIMIT_MAX) {
        peer_limit = GMTLS_RECORD_SIZE_LIMIT_MAX;
    }
    c->peer_rsl = peer_limit;
    c->wr.max_inner = peer_limit;
    /* what we advertised binds the peer's records from now on */
    c->rd.max_inner = c->cfg->record_size_limit;
}

void gmtls_rsl_apply12(gmtls_conn *c, uint16_t peer_limit)
{
    /* RFC 8449 §4: in TLS 1.2 the limit counts the plaintext only (TLS 1.3
     * adds the content type byte), and "the maximum ... is 2^14": a
     * gmtls_rec's max_inner is one more than the largest plaintext. */
    uint16_t mine = c->cfg->record_size_limit;
    if (peer_limit > GMTLS_MAX_PLAINTEXT) {
        peer_limit = GMTLS_MAX_PLAINTEXT;
    }
    if (mine > GMTLS_MAX_PLAINTEXT) {
        mine = GMTLS_MAX_PLAINTEXT;
    }
    c->peer_rsl = peer_limit;
    c->wr.max_inner = (uint16_t)(peer_limit + 1);
    c->rd.max_inner = (uint16_t)(mine + 1);
}

uint16_t gmtls_conn_peer_record_size_limit(const gmtls_conn *conn)
{
    return conn->peer_rsl;
}
