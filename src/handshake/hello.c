/* ClientHello parsing (RFC 8446 §4.1.2) with every extension the server
 * reads (§4.2), and the HelloRetryRequest consistency check. */
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

static int parse_ext(gmtls_client_hello *ch, const gmtls_ext *e, int is_last)
{
    gmtls_rd r;
    gmtls_rd_init(&r, e->data, e->len);
    switch (e->type) {
    case GMTLS_EXT_SUPPORTED_VERSIONS: {
        /* struct { ProtocolVersion versions<2..254>; } SupportedVersions; */
        gmtls_rd l;
        GMTLS_TRY(gmtls_rd_vec(&r, 1, 2, 254, &l));
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
        return gmtls_rd_done(&r);
    }
    case GMTLS_EXT_SERVER_NAME: {
        /* RFC 6066 §3: ServerNameList with at most one host_name. */
        gmtls_rd l;
        GMTLS_TRY(gmtls_rd_vec(&r, 2, 1, 0xffff, &l));
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
        return gmtls_rd_done(&r);
    }
    case GMTLS_EXT_SUPPORTED_GROUPS:
        return read_u16_list(&r, 2, &ch->groups, &ch->ngroups);
    case GMTLS_EXT_SIGNATURE_ALGORITHMS:
        ch->has_sigalgs = 1;
        return read_u16_list(&r, 2, &ch->sigalgs, &ch->nsigalgs);
    case GMTLS_EXT_SIGNATURE_ALGORITHMS_CERT:
        ch->has_sigalgs_cert = 1;
        return read_u16_list(&r, 2, &ch->sigalgs_cert, &ch->nsigalgs_cert);
    case GMTLS_EXT_KEY_SHARE: {
        /* struct { KeyShareEntry client_shares<0..2^16-1>; } KeyShareClientHello; */
        gmtls_rd l;
        gmtls_u16_set seen;
        GMTLS_TRY(gmtls_rd_vec(&r, 2, 0, 0xffff, &l));
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
        return gmtls_rd_done(&r);
    }
    case GMTLS_EXT_ALPN: {
        /* RFC 7301 §3.1: ProtocolNameList protocol_name_list<2..2^16-1>,
         * each ProtocolName<1..2^8-1>. */
        gmtls_rd l;
        GMTLS_TRY(gmtls_rd_vec(&r, 2, 2, 0xffff, &l));
        ch->alpn = l.p;
        ch->alpn_len = gmtls_rd_left(&l);
        while (gmtls_rd_left(&l) > 0) {
            gmtls_rd name;
            GMTLS_TRY(gmtls_rd_vec(&l, 1, 1, 255, &name));
        }
        ch->has_alpn = 1;
        return gmtls_rd_done(&r);
    }
    case GMTLS_EXT_PSK_KEY_EXCHANGE_MODES: {
        gmtls_rd l;
        GMTLS_TRY(gmtls_rd_vec(&r, 1, 1, 255, &l));
        ch->has_psk_modes = 1;
        while (gmtls_rd_left(&l) > 0) {
            uint8_t m = gmtls_rd_u8(&l);
            ch->psk_ke |= m == 0;
            ch->psk_dhe |= m == 1;
        }
        return gmtls_rd_done(&r);
    }
    case GMTLS_EXT_PRE_SHARED_KEY: {
        /* RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last
         * extension in the ClientHello ... servers MUST check that it is the
         * last extension and otherwise fail the handshake with an
         * "illegal_parameter" alert." */
        if (!is_last) {
            return GMTLS_ALERT_ILLEGAL_PARAMETER;
        }
        gmtls_rd ids, binders;
        GMTLS_TRY(gmtls_rd_vec(&r, 2, 7, 0xffff, &ids));
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
            ch->psks[nid].id = id.p;
            ch->psks[nid].id_len = gmtls_rd_left(&id);
            ch->psks[nid].obfuscated_age = age;
            nid++;
        }
        GMTLS_TRY(gmtls_rd_done(&ids));
        ch->binders_off = (size_t)(r.p - ch->msg);
        GMTLS_TRY(gmtls_rd_vec(&r, 2, 33, 0xffff, &binders));
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
        GMTLS_TRY(gmtls_rd_done(&r));
        /* The reference: identities and binders differing in number ->
         * illegal_parameter. */
        if (nid != nb) {
            return GMTLS_ALERT_ILLEGAL_PARAMETER;
        }
        ch->npsks = nid;
        ch->has_psk = 1;
        return 0;
    }
    case GMTLS_EXT_EARLY_DATA:
        ch->early_data = 1;
        return gmtls_rd_done(&r);
    case GMTLS_EXT_STATUS_REQUEST:
        /* RFC 6066 §8: status_type 1 = ocsp. */
        ch->status_request = e->len > 0 && e->data[0] == 1;
        return 0;
    case GMTLS_EXT_SCT:
        ch->sct = 1;
        return gmtls_rd_done(&r);
    case GMTLS_EXT_RENEGOTIATION_INFO: {
        gmtls_rd l;
        GMTLS_TRY(gmtls_rd_vec(&r, 1, 0, 255, &l));
        ch->has_reneg = 1;
        ch->reneg_len = gmtls_rd_left(&l);
        return gmtls_rd_done(&r);
    }
    case GMTLS_EXT_COOKIE: {
        /* RFC 8446 §4.2.2: struct { opaque cookie<1..2^16-1>; } Cookie; */
        gmtls_rd v;
        GMTLS_TRY(gmtls_rd_vec(&r, 2, 1, 0xffff, &v));
        ch->cookie = v.p;
        ch->cookie_len = gmtls_rd_left(&v);
        ch->has_cookie = 1;
        return gmtls_rd_done(&r);
    }
    default:
        /* In the table, allowed in a ClientHello, but nothing gmtls uses
         * (padding, post_handshake_auth, certificate_authorities...). */
        return 0;
    }
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
        /* The table decides (unknown: ignored by parse_ext; misplaced:
         * illegal_parameter). */
        GMTLS_TRY(gmtls_ext_check(GMTLS_EXT_IN_CH, ch->exts[i].type, 1));
        GMTLS_TRY(parse_ext(ch, &ch->exts[i], i + 1 == ch->nexts));
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
