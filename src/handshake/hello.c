/* ClientHello parsing (RFC 8446 §4.1.2), its extensions read through the
 * extension table (src/ext), and the HelloRetryRequest consistency check. */
#include <stdlib.h>

#include "handshake/internal.h"

int gmtls_list_has(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == v) {
            return 1;
        }
    }
    return 0;
}

const gmtls_ext *gmtls_ch_find(const gmtls_client_hello *ch, uint16_t type)
{
    for (size_t i = 0; i < ch->nexts; i++) {
        if (ch->exts[i].type == type) {
            return &ch->exts[i];
        }
    }
    return NULL;
}

void gmtls_ch_free(gmtls_client_hello *ch)
{
    free(ch->exts);
    free(ch->groups);
    free(ch->sigalgs);
    free(ch->sigalgs_cert);
    free(ch->shares);
    free(ch->psks);
    memset(ch, 0, sizeof(*ch));
}

/* Allocates n elements of size sz (at least one, so that an empty list is
 * not NULL). */
static void *ch_alloc(size_t n, size_t sz)
{
    return calloc(n > 0 ? n : 1, sz);
}

static int ch_parse(gmtls_client_hello *ch, const uint8_t *msg, size_t len)
{
    gmtls_rd r, v;
    if (len < 4) {
        return GMTLS_ALERT_DECODE_ERROR;
    }
    ch->msg = msg;
    ch->msglen = len;
    gmtls_rd_init(&r, msg + 4, len - 4);
    /* struct { ProtocolVersion legacy_version; Random random;
     *   opaque legacy_session_id<0..32>; CipherSuite cipher_suites<2..2^16-2>;
     *   opaque legacy_compression_methods<1..2^8-1>;
     *   Extension extensions<8..2^16-1>; } ClientHello; */
    ch->legacy_version = gmtls_rd_u16(&r);
    ch->random = gmtls_rd_bytes(&r, 32);
    GMTLS_TRY(gmtls_rd_vec(&r, 1, 0, 32, &v));
    ch->session_id = v.p;
    ch->session_id_len = gmtls_rd_left(&v);
    GMTLS_TRY(gmtls_rd_vec(&r, 2, 2, 0xfffe, &v));
    ch->suites = v.p;
    ch->suites_len = gmtls_rd_left(&v);
    if (ch->suites_len % 2 != 0) {
        return GMTLS_ALERT_DECODE_ERROR;
    }
    GMTLS_TRY(gmtls_rd_vec(&r, 1, 1, 255, &v));
    ch->comp = v.p;
    ch->comp_len = gmtls_rd_left(&v);
    if (gmtls_rd_left(&r) == 0) {
        /* No extensions at all: a pre-TLS-1.3 client. */
        return 0;
    }
    gmtls_rd block;
    size_t n = 0;
    GMTLS_TRY(gmtls_exts_check(&r, &block, &n));
    GMTLS_TRY(gmtls_rd_done(&r));
    ch->exts = ch_alloc(n, sizeof ch->exts[0]);
    if (ch->exts == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    while (ch->nexts < n && gmtls_exts_next(&block, &ch->exts[ch->nexts])) {
        ch->nexts++;
    }
    for (size_t i = 0; i < ch->nexts; i++) {
        /* The table decides (misplaced: illegal_parameter; unknown, or known
         * but not read by gmtls: ignored) and parses (src/ext/ext_bodies.c). */
        GMTLS_TRY(gmtls_ext_check(GMTLS_EXT_IN_CH, ch->exts[i].type, 1));
        GMTLS_TRY(gmtls_ext_parse(NULL, GMTLS_EXT_IN_CH, &ch->exts[i], ch));
    }
    return 0;
}

int gmtls_ch_parse(gmtls_client_hello *ch, const uint8_t *msg, size_t len)
{
    memset(ch, 0, sizeof(*ch));
    int rc = ch_parse(ch, msg, len);
    if (rc != 0) {
        gmtls_ch_free(ch);
    }
    return rc;
}

/* Extensions that may differ between the two ClientHellos (RFC 8446 §4.1.2:
 * key_share replaced, early_data removed, cookie added, pre_shared_key
 * updated, padding changed). */
static int may_change(uint16_t type)
{
    return type == GMTLS_EXT_KEY_SHARE || type == GMTLS_EXT_EARLY_DATA || type == GMTLS_EXT_COOKIE ||
           type == GMTLS_EXT_PRE_SHARED_KEY || type == GMTLS_EXT_PADDING;
}

int gmtls_ch_compare(const gmtls_client_hello *a, const gmtls_client_hello *b)
{
    if (a->legacy_version != b->legacy_version || memcmp(a->random, b->random, 32) != 0 ||
        a->session_id_len != b->session_id_len || memcmp(a->session_id, b->session_id, a->session_id_len) != 0 ||
        a->suites_len != b->suites_len || memcmp(a->suites, b->suites, a->suites_len) != 0 ||
        a->comp_len != b->comp_len || memcmp(a->comp, b->comp, a->comp_len) != 0) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    /* "the same ClientHello without modification": the extensions that may
     * not change appear in both, in the same order, with the same bodies (one
     * pass, whatever the number of extensions). */
    size_t i = 0, j = 0;
    for (;;) {
        while (i < a->nexts && may_change(a->exts[i].type)) {
            i++;
        }
        while (j < b->nexts && may_change(b->exts[j].type)) {
            j++;
        }
        if (i == a->nexts || j == b->nexts) {
            break;
        }
        const gmtls_ext *x = &a->exts[i++], *y = &b->exts[j++];
        if (x->type != y->type || x->len != y->len || memcmp(x->data, y->data, x->len) != 0) {
            return GMTLS_ALERT_ILLEGAL_PARAMETER;
        }
    }
    return i == a->nexts && j == b->nexts ? 0 : GMTLS_ALERT_ILLEGAL_PARAMETER;
}
