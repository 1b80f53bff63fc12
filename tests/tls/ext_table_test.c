/* Unit test of the extension table (src/ext): every (extension, message)
 * pair against RFC 8446 §4.2's table, the verdicts for unknown, misplaced
 * and unsolicited extensions, duplicates, which (extension, message) pairs
 * have a parser and a writer, the writers' order, and the shared cookie
 * writer. */
#include <stdio.h>
#include <string.h>

#include "ext/ext.h"
#include "test.h"

/* The test's own message bits (checked against the library's below). */
#define CH 1u
#define SH 2u
#define HRR 4u
#define EE 8u
#define CT 16u
#define CR 32u
#define NST 64u

/* RFC 8446 §4.2, the source of this test ("The table below indicates the
 * messages where a given extension may appear"):
 *
 *   | server_name [RFC6066]                            |      CH, EE |
 *   | max_fragment_length [RFC6066]                    |      CH, EE |
 *   | status_request [RFC6066]                         |  CH, CR, CT |
 *   | supported_groups [RFC7919]                       |      CH, EE |
 *   | signature_algorithms (RFC 8446)                  |      CH, CR |
 *   | use_srtp [RFC5764]                               |      CH, EE |
 *   | heartbeat [RFC6520]                              |      CH, EE |
 *   | application_layer_protocol_negotiation [RFC7301] |      CH, EE |
 *   | signed_certificate_timestamp [RFC6962]           |  CH, CR, CT |
 *   | client_certificate_type [RFC7250]                |      CH, EE |
 *   | server_certificate_type [RFC7250]                |      CH, EE |
 *   | padding [RFC7685]                                |          CH |
 *   | key_share (RFC 8446)                             | CH, SH, HRR |
 *   | pre_shared_key (RFC 8446)                        |      CH, SH |
 *   | psk_key_exchange_modes (RFC 8446)                |          CH |
 *   | early_data (RFC 8446)                            | CH, EE, NST |
 *   | cookie (RFC 8446)                                |     CH, HRR |
 *   | supported_versions (RFC 8446)                    | CH, SH, HRR |
 *   | certificate_authorities (RFC 8446)               |      CH, CR |
 *   | oid_filters (RFC 8446)                           |          CR |
 *   | post_handshake_auth (RFC 8446)                   |          CH |
 *   | signature_algorithms_cert (RFC 8446)             |      CH, CR |
 *
 * plus renegotiation_info (RFC 5746, 0xff01), which a TLS 1.3 server reads
 * in a ClientHello only; the IANA registry's TLS 1.3 column for
 * compress_certificate (RFC 8879 §3: CH, CR) and record_size_limit (RFC 8449
 * §4: CH, EE); and the TLS 1.2 extensions of a ClientHello that also offers
 * TLS 1.2 (ClientHello only for TLS 1.3: their answers are TLS 1.2
 * ServerHellos): ec_point_formats (RFC 8422, 11), extended_master_secret
 * (RFC 7627, 23), session_ticket (RFC 5077, 35). Written out here
 * independently of the library's table, with the IANA code points. */
static const struct {
    uint16_t type;
    const char *name;
    unsigned msgs;
} rfc[] = {
    {0, "server_name", CH | EE},
    {1, "max_fragment_length", CH | EE},
    {5, "status_request", CH | CR | CT},
    {10, "supported_groups", CH | EE},
    {11, "ec_point_formats", CH},
    {13, "signature_algorithms", CH | CR},
    {14, "use_srtp", CH | EE},
    {15, "heartbeat", CH | EE},
    {16, "application_layer_protocol_negotiation", CH | EE},
    {18, "signed_certificate_timestamp", CH | CR | CT},
    {19, "client_certificate_type", CH | EE},
    {20, "server_certificate_type", CH | EE},
    {21, "padding", CH},
    {23, "extended_master_secret", CH},
    {35, "session_ticket", CH},
    {27, "compress_certificate", CH | CR}, /* RFC 8879 §3 */
    {28, "record_size_limit", CH | EE},    /* RFC 8449 §4 */
    {51, "key_share", CH | SH | HRR},
    {41, "pre_shared_key", CH | SH},
    {45, "psk_key_exchange_modes", CH},
    {42, "early_data", CH | EE | NST},
    {44, "cookie", CH | HRR},
    {43, "supported_versions", CH | SH | HRR},
    {47, "certificate_authorities", CH | CR},
    {48, "oid_filters", CR},
    {49, "post_handshake_auth", CH},
    {50, "signature_algorithms_cert", CH | CR},
    {0xff01, "renegotiation_info", CH},
};

static const unsigned msgs[] = {CH, SH, HRR, EE, CT, CR, NST};
/* The messages that answer the peer's extensions (RFC 8446 §4.2: "extension
 * responses"): the server's hellos and EncryptedExtensions answer the
 * ClientHello, a Certificate answers the ClientHello or CertificateRequest. */
static const unsigned answers = SH | HRR | EE | CT;

static void test_bits(void)
{
    /* The test's message bits are the library's. */
    CHECK((unsigned)GMTLS_EXT_IN_CH == CH && (unsigned)GMTLS_EXT_IN_SH == SH && (unsigned)GMTLS_EXT_IN_HRR == HRR &&
          (unsigned)GMTLS_EXT_IN_EE == EE && (unsigned)GMTLS_EXT_IN_CT == CT && (unsigned)GMTLS_EXT_IN_CR == CR &&
          (unsigned)GMTLS_EXT_IN_NST == NST);
}

static void test_every_pair(void)
{
    size_t n = 0;
    const gmtls_ext_desc *t = gmtls_ext_table(&n);
    /* The library's table holds exactly the RFC's rows... */
    CHECK(n == GMTLS_ARRAY_LEN_T(rfc));
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t j = 0; j < GMTLS_ARRAY_LEN_T(rfc); j++) {
            found |= rfc[j].type == t[i].type;
        }
        CHECK(found);
    }
    /* ...and every (extension, message) pair gets the RFC's verdict. */
    for (size_t j = 0; j < GMTLS_ARRAY_LEN_T(rfc); j++) {
        const gmtls_ext_desc *d = gmtls_ext_find(rfc[j].type);
        CHECK(d != NULL && d->msgs == rfc[j].msgs && strcmp(d->name, rfc[j].name) == 0);
        CHECK(strcmp(gmtls_ext_name(rfc[j].type), rfc[j].name) == 0);
        for (size_t m = 0; m < GMTLS_ARRAY_LEN_T(msgs); m++) {
            unsigned msg = msgs[m];
            int allowed = (rfc[j].msgs & msg) != 0;
            /* Requested by this endpoint (or not an answer at all): allowed
             * -> 0; §4.2: "If an implementation receives an extension which
             * it recognizes and which is not specified for the message in
             * which it appears, it MUST abort the handshake with an
             * "illegal_parameter" alert." */
            int got = gmtls_ext_check(msg, rfc[j].type, 1);
            if (got != (allowed ? 0 : GMTLS_ALERT_ILLEGAL_PARAMETER)) {
                printf("  %s in message bit %u (offered): got %d\n", rfc[j].name, msg, got);
            }
            CHECK(got == (allowed ? 0 : GMTLS_ALERT_ILLEGAL_PARAMETER));
            /* Not requested: in an answer -> unsupported_extension (§4.2:
             * "Implementations MUST NOT send extension responses if the
             * remote endpoint did not send the corresponding extension
             * requests, with the exception of the "cookie" extension in the
             * HelloRetryRequest. Upon receiving such an extension, an
             * endpoint MUST abort the handshake with an
             * "unsupported_extension" alert."); elsewhere as above. */
            int want = allowed ? 0 : GMTLS_ALERT_ILLEGAL_PARAMETER;
            if ((msg & answers) != 0 && !(msg == HRR && rfc[j].type == GMTLS_EXT_COOKIE)) {
                want = GMTLS_ALERT_UNSUPPORTED_EXTENSION;
            }
            got = gmtls_ext_check(msg, rfc[j].type, 0);
            if (got != want) {
                printf("  %s in message bit %u (not offered): got %d want %d\n", rfc[j].name, msg, got, want);
            }
            CHECK(got == want);
        }
    }
    /* The one exception, spelled out: a cookie the client never sent is
     * allowed in a HelloRetryRequest, not in a ServerHello. */
    CHECK(gmtls_ext_check(HRR, GMTLS_EXT_COOKIE, 0) == 0);
    CHECK(gmtls_ext_check(SH, GMTLS_EXT_COOKIE, 0) == GMTLS_ALERT_UNSUPPORTED_EXTENSION);
    CHECK(gmtls_ext_check(SH, GMTLS_EXT_COOKIE, 1) == GMTLS_ALERT_ILLEGAL_PARAMETER);
}

static void test_unknown(void)
{
    /* Unknown types: 0x1234 (unassigned), 0x0a0a (GREASE, RFC 8701),
     * 0xfe0d (encrypted_client_hello: gmtls does not implement it). */
    static const uint16_t unknown[] = {0x1234, 0x0a0a, 0xfe0d, 0xffff};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(unknown); i++) {
        CHECK(gmtls_ext_find(unknown[i]) == NULL);
        CHECK(strcmp(gmtls_ext_name(unknown[i]), "unknown") == 0);
        /* RFC 8446 §4.1.2 (ClientHello), §4.3.2 (CertificateRequest: "Clients
         * MUST ignore unrecognized extensions"), §4.6.1 (NewSessionTicket:
         * likewise): passed, and the reader skips them. */
        CHECK(gmtls_ext_check(CH, unknown[i], 0) == 0);
        CHECK(gmtls_ext_check(CR, unknown[i], 0) == 0);
        CHECK(gmtls_ext_check(NST, unknown[i], 0) == 0);
        /* In an answer it answers nothing we sent -> unsupported_extension. */
        CHECK(gmtls_ext_check(SH, unknown[i], 0) == GMTLS_ALERT_UNSUPPORTED_EXTENSION);
        CHECK(gmtls_ext_check(HRR, unknown[i], 0) == GMTLS_ALERT_UNSUPPORTED_EXTENSION);
        CHECK(gmtls_ext_check(EE, unknown[i], 0) == GMTLS_ALERT_UNSUPPORTED_EXTENSION);
        CHECK(gmtls_ext_check(CT, unknown[i], 0) == GMTLS_ALERT_UNSUPPORTED_EXTENSION);
    }
}

static void test_block(void)
{
    gmtls_rd r, block;
    gmtls_ext e;
    size_t n = 99;
    /* Two extensions, then the same block with a duplicate: RFC 8446 §4.2:
     * "There MUST NOT be more than one extension of the same type in a given
     * extension block." The RFC names no alert: decode_error in a
     * ClientHello, as BoringSSL (for unknown types too). */
    /* the second extension's length is cut short inside the block */
    static const uint8_t cut[] = {0x00, 0x09, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x12, 0x34, 0x00};
    static const uint8_t dup[] = {0x00, 0x08, 0x12, 0x34, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00};
    static const uint8_t dup_known[] = {0x00, 0x0c, 0x00, 0x2b, 0x00, 0x02, 0x03,
                                        0x04, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    static const uint8_t overrun[] = {0x00, 0x05, 0x00, 0x2b, 0x00, 0x02, 0x03};
    /* the block ends inside the second extension's header */
    static const uint8_t short_hdr[] = {0x00, 0x08, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x12, 0x34};
    gmtls_rd_init(&r, cut, sizeof cut);
    CHECK_ERR(gmtls_exts_check(CH, &r, &block, &n), GMTLS_ALERT_DECODE_ERROR);
    static const uint8_t ok2[] = {0x00, 0x0a, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x12, 0x34, 0x00, 0x00};
    gmtls_rd_init(&r, ok2, sizeof ok2);
    CHECK_OK(gmtls_exts_check(CH, &r, &block, &n));
    CHECK(n == 2 && gmtls_rd_left(&r) == 0);
    CHECK(gmtls_exts_next(&block, &e) == 1 && e.type == GMTLS_EXT_SUPPORTED_VERSIONS && e.len == 2 &&
          e.data[0] == 0x03);
    CHECK(gmtls_exts_next(&block, &e) == 1 && e.type == 0x1234 && e.len == 0);
    CHECK(gmtls_exts_next(&block, &e) == 0);
    gmtls_rd_init(&r, dup, sizeof dup);
    CHECK_ERR(gmtls_exts_check(CH, &r, &block, &n), GMTLS_ALERT_DECODE_ERROR);
    gmtls_rd_init(&r, dup_known, sizeof dup_known);
    CHECK_ERR(gmtls_exts_check(CH, &r, &block, &n), GMTLS_ALERT_DECODE_ERROR);
    /* The alert by message (BoringSSL's): decode_error in the ClientHello and
     * EncryptedExtensions, illegal_parameter in the others. */
    for (size_t m = 0; m < GMTLS_ARRAY_LEN_T(msgs); m++) {
        gmtls_rd_init(&r, dup, sizeof dup);
        CHECK_ERR(gmtls_exts_check(msgs[m], &r, &block, &n),
                  (msgs[m] & (CH | EE)) != 0 ? GMTLS_ALERT_DECODE_ERROR : GMTLS_ALERT_ILLEGAL_PARAMETER);
    }
    gmtls_rd_init(&r, overrun, sizeof overrun);
    CHECK_ERR(gmtls_exts_check(CH, &r, &block, &n), GMTLS_ALERT_DECODE_ERROR);
    gmtls_rd_init(&r, short_hdr, sizeof short_hdr);
    CHECK_ERR(gmtls_exts_check(CH, &r, &block, &n), GMTLS_ALERT_DECODE_ERROR);
}

/* The (extension, message) pairs gmtls reads and writes: written out here
 * from what each side of the handshake does, independently of the table.
 * P: parsed when received, W: written. */
static const struct {
    uint16_t type;
    unsigned parsed, written;
} coverage[] = {
    {0, CH | EE, CH | EE},              /* server_name: host name; empty acknowledgement */
    {5, CH | CT, CH | CT},              /* status_request: request; OCSP response on the leaf */
    {10, CH | EE, CH},                  /* supported_groups (EE: informational, read and ignored) */
    {13, CH | CR, CH | CR},             /* signature_algorithms */
    {16, CH | EE, CH | EE},             /* ALPN */
    {18, CH | CT, CH | CT},             /* signed_certificate_timestamp */
    {27, CH | CR, CH | CR},             /* compress_certificate: our algorithms; the peer's */
    {28, CH | EE, CH | EE},             /* record_size_limit */
    {41, CH | SH, CH | SH},             /* pre_shared_key */
    {42, CH | EE | NST, CH | EE | NST}, /* early_data: empty in CH/EE; max_early_data_size in NST */
    {43, CH | SH | HRR, CH | SH | HRR}, /* supported_versions */
    {44, CH | HRR, CH | HRR},           /* cookie */
    {45, CH, CH},                       /* psk_key_exchange_modes */
    {47, 0, CR},                        /* certificate_authorities: the client's CAs */
    {49, CH, CH},                       /* post_handshake_auth: a client with a certificate */
    {50, CH, 0},                        /* signature_algorithms_cert */
    {51, CH | SH | HRR, CH | SH | HRR}, /* key_share */
    {0xff01, CH, CH},                   /* renegotiation_info: read, ignored by TLS 1.3; sent offering 1.2 */
    {11, 0, CH},                        /* ec_point_formats: sent offering 1.2 (tls12.c reads the rest) */
    {23, 0, CH},                        /* extended_master_secret: sent offering 1.2 */
    {35, 0, CH},                        /* session_ticket: sent offering 1.2 */
};

static unsigned bit_of(unsigned index)
{
    return 1u << index;
}

static void test_parsers_writers(void)
{
    size_t n = 0;
    const gmtls_ext_desc *t = gmtls_ext_table(&n);
    /* The message indexes of the parse/write arrays match the bits. */
    for (unsigned i = 0; i < GMTLS_EXT_NMSGS; i++) {
        CHECK(gmtls_ext_msg_index(bit_of(i)) == i);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned want_p = 0, want_w = 0;
        for (size_t j = 0; j < GMTLS_ARRAY_LEN_T(coverage); j++) {
            if (coverage[j].type == t[i].type) {
                want_p = coverage[j].parsed;
                want_w = coverage[j].written;
            }
        }
        for (unsigned m = 0; m < GMTLS_EXT_NMSGS; m++) {
            unsigned bit = bit_of(m);
            int has_p = t[i].parse[m] != NULL, has_w = t[i].write[m] != NULL;
            if (has_p != ((want_p & bit) != 0) || has_w != ((want_w & bit) != 0)) {
                printf("  %s in message bit %u: parser %d writer %d\n", t[i].name, bit, has_p, has_w);
            }
            CHECK(has_p == ((want_p & bit) != 0));
            CHECK(has_w == ((want_w & bit) != 0));
            /* Never a parser or writer where §4.2 does not allow it. */
            CHECK(!has_p || (t[i].msgs & bit) != 0);
            CHECK(!has_w || (t[i].msgs & bit) != 0);
            CHECK(gmtls_ext_parser(bit, t[i].type) == t[i].parse[m]);
        }
    }
    /* Unknown types have none. */
    CHECK(gmtls_ext_parser(CH, 0x1234) == NULL);
    /* An answer (ServerHello, HelloRetryRequest, EncryptedExtensions) fails
     * with internal_error on an extension that passes the verdict but has no
     * parser: every type a client requests (gmtls_client_offered_ext) that
     * may appear in an answer has one. */
    static const uint16_t requested[] = {0, 5, 10, 13, 16, 18, 41, 43, 44, 45, 51};
    for (size_t j = 0; j < GMTLS_ARRAY_LEN_T(requested); j++) {
        const gmtls_ext_desc *d = gmtls_ext_find(requested[j]);
        CHECK(d != NULL);
        for (unsigned bit = SH; d != NULL && bit <= EE; bit <<= 1) {
            CHECK((d->msgs & bit) == 0 || gmtls_ext_parser(bit, d->type) != NULL);
        }
    }
    /* The writers' order: each type once, each with a writer for that
     * message, every writer in the order, pre_shared_key last in the
     * ClientHello (RFC 8446 §4.2: it "MUST be the last extension in the
     * ClientHello"), and the orders of the recordings (tests/tls/replay). */
    for (unsigned m = 0; m < GMTLS_EXT_NMSGS; m++) {
        size_t k = 0;
        const uint16_t *order = gmtls_ext_write_order(bit_of(m), &k);
        size_t writers = 0;
        for (size_t i = 0; i < n; i++) {
            writers += t[i].write[m] != NULL;
        }
        CHECK(k == writers);
        for (size_t a = 0; a < k; a++) {
            const gmtls_ext_desc *d = gmtls_ext_find(order[a]);
            CHECK(d != NULL && d->write[m] != NULL);
            for (size_t b = a + 1; b < k; b++) {
                CHECK(order[a] != order[b]);
            }
        }
    }
    static const uint16_t ch_order[] = {0, 43, 10, 13, 51, 16, 5, 18, 49, 27, 28, 42, 44, 0xff01, 23, 11, 35, 45, 41};
    static const uint16_t sh_order[] = {43, 51, 41};
    static const uint16_t hrr_order[] = {43, 51, 44};
    static const uint16_t ee_order[] = {16, 0, 28, 42};
    static const uint16_t nst_order[] = {42};
    static const uint16_t cr_order[] = {13, 47, 27};
    static const uint16_t ct_order[] = {5, 18};
    static const struct {
        unsigned msg;
        const uint16_t *order;
        size_t n;
    } orders[] = {
        {CH, ch_order, GMTLS_ARRAY_LEN_T(ch_order)},    {SH, sh_order, GMTLS_ARRAY_LEN_T(sh_order)},
        {HRR, hrr_order, GMTLS_ARRAY_LEN_T(hrr_order)}, {EE, ee_order, GMTLS_ARRAY_LEN_T(ee_order)},
        {CR, cr_order, GMTLS_ARRAY_LEN_T(cr_order)},    {CT, ct_order, GMTLS_ARRAY_LEN_T(ct_order)},
        {NST, nst_order, GMTLS_ARRAY_LEN_T(nst_order)},
    };
    for (size_t j = 0; j < GMTLS_ARRAY_LEN_T(orders); j++) {
        size_t k = 0;
        const uint16_t *order = gmtls_ext_write_order(orders[j].msg, &k);
        CHECK(k == orders[j].n);
        CHECK(k == orders[j].n && memcmp(order, orders[j].order, k * sizeof order[0]) == 0);
    }
}

/* Which ClientHellos carry each extension gmtls writes there (the table's
 * ch_versions), written out independently: RFC 8446 §4.2's extensions of
 * its own (key_share, pre_shared_key, psk_key_exchange_modes, early_data,
 * cookie, supported_versions, post_handshake_auth) and RFC 8879's
 * compress_certificate (§3: "only supported with TLS 1.3 [RFC8446] and
 * newer") only a ClientHello that offers TLS 1.3; the TLS 1.2 ones
 * (renegotiation_info, extended_master_secret, ec_point_formats,
 * session_ticket) only one that offers TLS 1.2; server_name,
 * status_request, supported_groups, signature_algorithms, ALPN,
 * signed_certificate_timestamp and record_size_limit both. */
static void test_ch_versions(void)
{
    enum { V12 = 1, V13 = 2 };
    static const struct {
        uint16_t type;
        unsigned versions;
    } ch[] = {
        {0, V12 | V13},  {5, V12 | V13},  {10, V12 | V13}, {13, V12 | V13}, {16, V12 | V13},
        {18, V12 | V13}, {28, V12 | V13}, {27, V13},       {41, V13},       {42, V13},
        {43, V13},       {44, V13},       {45, V13},       {49, V13},       {51, V13},
        {11, V12},       {23, V12},       {35, V12},       {0xff01, V12},
    };
    size_t n = 0;
    const gmtls_ext_desc *t = gmtls_ext_table(&n);
    CHECK((unsigned)GMTLS_EXT_V12 == V12 && (unsigned)GMTLS_EXT_V13 == V13);
    for (size_t i = 0; i < n; i++) {
        unsigned want = 0;
        for (size_t j = 0; j < GMTLS_ARRAY_LEN_T(ch); j++) {
            if (ch[j].type == t[i].type) {
                want = ch[j].versions;
            }
        }
        /* a version set exactly for the types with a ClientHello writer */
        if (t[i].ch_versions != want || (want != 0) != (t[i].write[GMTLS_EXT_MSG_CH] != NULL)) {
            printf("  %s: ClientHello versions %u, want %u\n", t[i].name, t[i].ch_versions, want);
        }
        CHECK(t[i].ch_versions == want);
        CHECK((want != 0) == (t[i].write[GMTLS_EXT_MSG_CH] != NULL));
    }
}

static void test_cookie_writer(void)
{
    /* RFC 8446 §4.2.2: struct { opaque cookie<1..2^16-1>; } Cookie; inside
     * the extension's own 2-byte length. */
    static const uint8_t cookie[] = {0xc0, 0x0c, 0x1e};
    static const uint8_t want[] = {0x00, 0x2c, 0x00, 0x05, 0x00, 0x03, 0xc0, 0x0c, 0x1e};
    gmtls_buf b;
    gmtls_wr w;
    gmtls_buf_init(&b);
    gmtls_wr_init(&w, &b);
    gmtls_ext_write_cookie(&w, cookie, sizeof cookie);
    CHECK_OK(gmtls_wr_finish(&w));
    CHECK(b.off == sizeof want);
    CHECK_MEM(b.base, want, sizeof want);
    gmtls_buf_dispose(&b);
}

int main(void)
{
    test_bits();
    test_every_pair();
    test_unknown();
    test_block();
    test_parsers_writers();
    test_ch_versions();
    test_cookie_writer();
    return TEST_END("ext_table_test");
}
