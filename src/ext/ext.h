/* src/ext/ext.h - the one table of TLS 1.3 extensions (RFC 8446 §4.2): for
 * each type gmtls knows, its name, the messages it may appear in, and per
 * message its body's parser and writer (src/ext/ext_bodies.c); one function
 * (gmtls_ext_check) chooses the alert for an unknown, misplaced or
 * unsolicited extension and one (gmtls_exts_check) for a duplicate, so no
 * message handler decides them itself or reads an extension body. */
#ifndef GMTLS_EXT_H
#define GMTLS_EXT_H

#include "common/common.h"

/* Extension types (IANA TLS ExtensionType Values). */
enum {
    GMTLS_EXT_SERVER_NAME = 0,
    GMTLS_EXT_MAX_FRAGMENT_LENGTH = 1,
    GMTLS_EXT_STATUS_REQUEST = 5,
    GMTLS_EXT_SUPPORTED_GROUPS = 10,
    GMTLS_EXT_EC_POINT_FORMATS = 11,        /* TLS 1.2 (RFC 8422) */
    GMTLS_EXT_SIGNATURE_ALGORITHMS = 13,
    GMTLS_EXT_USE_SRTP = 14,
    GMTLS_EXT_HEARTBEAT = 15,
    GMTLS_EXT_ALPN = 16,
    GMTLS_EXT_SCT = 18,
    GMTLS_EXT_CLIENT_CERTIFICATE_TYPE = 19,
    GMTLS_EXT_SERVER_CERTIFICATE_TYPE = 20,
    GMTLS_EXT_PADDING = 21,
    GMTLS_EXT_EXTENDED_MASTER_SECRET = 23, /* TLS 1.2 (RFC 7627) */
    GMTLS_EXT_SESSION_TICKET = 35,         /* TLS 1.2 (RFC 5077) */
    GMTLS_EXT_COMPRESS_CERTIFICATE = 27, /* RFC 8879 */
    GMTLS_EXT_RECORD_SIZE_LIMIT = 28,    /* RFC 8449 */
    GMTLS_EXT_PRE_SHARED_KEY = 41,
    GMTLS_EXT_EARLY_DATA = 42,
    GMTLS_EXT_SUPPORTED_VERSIONS = 43,
    GMTLS_EXT_COOKIE = 44,
    GMTLS_EXT_PSK_KEY_EXCHANGE_MODES = 45,
    GMTLS_EXT_CERTIFICATE_AUTHORITIES = 47,
    GMTLS_EXT_OID_FILTERS = 48,
    GMTLS_EXT_POST_HANDSHAKE_AUTH = 49,
    GMTLS_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
    GMTLS_EXT_KEY_SHARE = 51,
    GMTLS_EXT_RENEGOTIATION_INFO = 0xff01,
};

/* The messages of RFC 8446 §4.2's table, one bit each. */
enum {
    GMTLS_EXT_IN_CH = 1 << 0,  /* ClientHello */
    GMTLS_EXT_IN_SH = 1 << 1,  /* ServerHello */
    GMTLS_EXT_IN_HRR = 1 << 2, /* HelloRetryRequest */
    GMTLS_EXT_IN_EE = 1 << 3,  /* EncryptedExtensions */
    GMTLS_EXT_IN_CT = 1 << 4,  /* Certificate (a CertificateEntry) */
    GMTLS_EXT_IN_CR = 1 << 5,  /* CertificateRequest */
    GMTLS_EXT_IN_NST = 1 << 6, /* NewSessionTicket */
};

/* The protocol versions whose ClientHello carries an extension (a
 * descriptor's ch_versions), one bit each. */
enum {
    GMTLS_EXT_V12 = 1 << 0, /* a ClientHello that offers TLS 1.2 */
    GMTLS_EXT_V13 = 1 << 1, /* a ClientHello that offers TLS 1.3 */
};

/* The same messages as indexes into a descriptor's parse/write arrays. */
enum {
    GMTLS_EXT_MSG_CH,
    GMTLS_EXT_MSG_SH,
    GMTLS_EXT_MSG_HRR,
    GMTLS_EXT_MSG_EE,
    GMTLS_EXT_MSG_CT,
    GMTLS_EXT_MSG_CR,
    GMTLS_EXT_MSG_NST,
    GMTLS_EXT_NMSGS
};

/* Reads the body of one received extension in message msg (one
 * GMTLS_EXT_IN_* bit) into out, the message's own result (handshake/
 * internal.h: gmtls_client_hello for a ClientHello, gmtls_sh_exts for the
 * ServerHello and HelloRetryRequest, gmtls_cr_exts, gmtls_ct_exts; NULL for
 * EncryptedExtensions, whose results go into c). c is NULL for a ClientHello
 * (parsed before any connection state exists). Returns 0 or an alert. */
typedef int gmtls_ext_parse_fn(gmtls_conn *c, unsigned msg, gmtls_rd *body, void *out);
/* Writes the whole extension (type, length, body) into message msg, or
 * nothing when this connection does not send it there; in is the message's
 * input (gmtls_ch_out, gmtls_sh_exts, gmtls_client_hello for
 * EncryptedExtensions and CertificateRequest, gmtls_ct_exts). */
typedef int gmtls_ext_write_fn(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in);

/* One extension of the table. */
typedef struct {
    uint16_t type;
    const char *name;
    uint8_t msgs; /* GMTLS_EXT_IN_*: the messages it may appear in */
    /* by GMTLS_EXT_MSG_*: NULL where gmtls does not read / send it */
    gmtls_ext_parse_fn *parse[GMTLS_EXT_NMSGS];
    gmtls_ext_write_fn *write[GMTLS_EXT_NMSGS];
    /* GMTLS_EXT_V*: the versions whose ClientHello carries it; the client
     * writes it when its ClientHello offers one of them (0 without a
     * ClientHello writer) */
    uint8_t ch_versions;
} gmtls_ext_desc;

/* A parsed extension, pointing into the message. */
typedef struct {
    uint16_t type;
    const uint8_t *data;
    size_t len;
} gmtls_ext;

/* The table's entry for a type, NULL for a type gmtls does not know. */
const gmtls_ext_desc *gmtls_ext_find(uint16_t type);
/* The table's name of a type ("unknown" for others), for messages. */
const char *gmtls_ext_name(uint16_t type);
/* The table itself (for tests): *n entries. */
const gmtls_ext_desc *gmtls_ext_table(size_t *n);

/* The verdict on an extension of type `type` received in message `msg` (one
 * GMTLS_EXT_IN_* bit); `offered` says whether this endpoint sent the request
 * that the extension would answer (read only for the answering messages:
 * ServerHello, HelloRetryRequest, EncryptedExtensions, Certificate). Returns
 * 0 if it may be there (an unknown type passes only where it is ignored:
 * the caller skips what it does not read), else the alert. */
int gmtls_ext_check(unsigned msg, uint16_t type, int offered);

/* A set of 16-bit code points (extension types, groups), one bit each, so
 * that a duplicate check costs the same for a list of any length. */
typedef struct {
    uint64_t bits[65536 / 64];
} gmtls_u16_set;

/* Adds v; returns whether it was already there. */
int gmtls_u16_set_add(gmtls_u16_set *s, uint16_t v);

/* Reads the extension block of message msg (one GMTLS_EXT_IN_* bit) from r
 * and checks its framing (decode_error) and that no type appears twice
 * (decode_error in a ClientHello or EncryptedExtensions, illegal_parameter in
 * the others); *block reads its body, *n counts. */
GMTLS_MUST_CHECK int gmtls_exts_check(unsigned msg, gmtls_rd *r, gmtls_rd *block, size_t *n);
/* The next extension of a checked block; 0 at its end. */
int gmtls_exts_next(gmtls_rd *block, gmtls_ext *e);

/* The GMTLS_EXT_MSG_* index of a GMTLS_EXT_IN_* bit. */
unsigned gmtls_ext_msg_index(unsigned msg);
/* The table's parser of `type` in msg, NULL when gmtls does not read it. */
gmtls_ext_parse_fn *gmtls_ext_parser(unsigned msg, uint16_t type);
/* Dispatches one received extension (already passed by gmtls_ext_check) to
 * its parser; 0 for one gmtls does not read. */
GMTLS_MUST_CHECK int gmtls_ext_parse(gmtls_conn *c, unsigned msg, const gmtls_ext *e, void *out);
/* The order in which gmtls writes the extensions of msg (*n types). */
const uint16_t *gmtls_ext_write_order(unsigned msg, size_t *n);
/* Writes the extensions of msg, each through its table writer, in
 * gmtls_ext_write_order's order (inside the caller's open block); in a
 * ClientHello only those of the versions it offers (ch_versions). */
GMTLS_MUST_CHECK int gmtls_exts_write(gmtls_conn *c, unsigned msg, gmtls_wr *w, const void *in);

/* Writers shared by both sides. */
/* RFC 8446 §4.2.2: the cookie extension (HelloRetryRequest, ClientHello2). */
void gmtls_ext_write_cookie(gmtls_wr *w, const uint8_t *cookie, size_t len);

#endif
