/* tools/http_parser.h - an incremental HTTP/1.1 request parser for hostile
 * input (RFC 9112), used by `gmtls server --www`.
 *
 * Bytes go in as they arrive, in pieces of any size (one byte at a time
 * gives the same result as everything at once). The parser keeps no copy of
 * the input beyond the request line and the values of the few fields the
 * server uses; every size has a limit and every violation maps to the status
 * RFC 9112/9110 asks for (400, 411, 413, 414, 431, 501, 505). Request bodies
 * (Content-Length or chunked) are framed and skipped, so that keep-alive and
 * pipelining stay in step; the server never needs their content.
 *
 * http_parser_phase() tells a caller with deadlines where the client is:
 * between requests, in the middle of a request head, or in a body. */
#ifndef GMTLS_TOOLS_HTTP_PARSER_H
#define GMTLS_TOOLS_HTTP_PARSER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HTTP_MAX_METHOD 16       /* longer: 501 (RFC 9112 §3) */
#define HTTP_MAX_TARGET 8000     /* longer: 414 (RFC 9112 §3 recommends 8000) */
#define HTTP_MAX_HOST 255        /* longer: 400 */
#define HTTP_MAX_FIELD_VALUE 256 /* stored values (Range, If-Modified-Since...) */

typedef struct {
    size_t max_line;     /* one header or trailer field line, CRLF included: 431 */
    size_t max_head;     /* the request line and all field lines: 431 */
    unsigned max_fields; /* field lines in the head (and in the trailer): 431 */
    uint64_t max_body;   /* Content-Length or the sum of the chunks: 413 */
    int allow_chunked;   /* 0: a chunked body is refused with 411 */
} http_limits;

/* 8 KiB lines, 32 KiB heads, 100 fields, 1 MiB bodies, chunked allowed. */
void http_limits_default(http_limits *l);

typedef enum {
    HTTP_PHASE_IDLE,  /* between requests: no byte of the next one yet */
    HTTP_PHASE_HEAD,  /* part of a request line or header received */
    HTTP_PHASE_BODY,  /* head complete, body (or trailer) being received */
    HTTP_PHASE_FAILED /* a malformed request was seen; nothing more is parsed */
} http_phase;

#define HTTP_FORM_ORIGIN 0
#define HTTP_FORM_ASTERISK 1
#define HTTP_FORM_AUTHORITY 2

/* A request head, valid from HTTP_REQUEST until the next http_parser_feed. */
typedef struct {
    char method[HTTP_MAX_METHOD + 1];
    /* origin-form "/path?query" (absolute-form is rewritten to it, its
     * authority going to host); "*" (asterisk-form, OPTIONS only); or the
     * authority (authority-form, CONNECT only): see form */
    char target[HTTP_MAX_TARGET + 1];
    int form;                     /* HTTP_FORM_* */
    int minor;                    /* 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x) */
    int keep_alive;               /* the connection may carry another request */
    char host[HTTP_MAX_HOST + 1]; /* Host (or the authority of absolute-form) */
    int has_host;
    int chunked;                                  /* body framed by the chunked coding */
    uint64_t content_length;                      /* 0 without a body */
    char if_modified_since[HTTP_MAX_FIELD_VALUE]; /* "" when absent */
    char if_none_match[HTTP_MAX_FIELD_VALUE];     /* "" when absent */
    char range[HTTP_MAX_FIELD_VALUE];             /* "" when absent or ignored */
    int has_if_range;
} http_request;

typedef struct {
    http_limits lim;
    int state;
    http_request req;
    size_t len;           /* bytes in the element being collected */
    size_t line_len;      /* bytes of the current line */
    size_t head_len;      /* bytes of the head (or the trailer) so far */
    unsigned fields;      /* field lines so far */
    unsigned empty_lines; /* CRLFs before a request line */
    int field;            /* the field being read (internal codes) */
    int in_trailer;
    int value_started; /* a non-whitespace byte of the value was seen */
    char name[32];     /* the field name (longer names are never ones we use) */
    char value[HTTP_MAX_FIELD_VALUE];
    int value_overflow;
    char version[9];
    int seen_cl, seen_te, te_chunked, te_last_chunked, te_other, conn_close, conn_keep;
    int host_count, ims_count, inm_count, range_count, digits;
    uint64_t body_left; /* Content-Length left, or the current chunk's */
    uint64_t body_total;
    int status;      /* after HTTP_FAILED: the status to answer with */
    const char *why; /* after HTTP_FAILED: what was wrong (for the log) */
} http_parser;

void http_parser_init(http_parser *p, const http_limits *lim);

/* Results of http_parser_feed. */
#define HTTP_MORE 0    /* everything consumed, waiting for more bytes */
#define HTTP_REQUEST 1 /* a request head is complete in p->req */
#define HTTP_FAILED -1 /* answer http_parser_status() and close */

/* Feeds len bytes; *used says how many were consumed (all of them for
 * HTTP_MORE; up to the end of the head for HTTP_REQUEST; undefined after
 * HTTP_FAILED). After HTTP_REQUEST, the body (if any) is consumed and
 * dropped by the following calls; once the message ends the parser is back
 * to HTTP_PHASE_IDLE. */
int http_parser_feed(http_parser *p, const uint8_t *data, size_t len, size_t *used);

http_phase http_parser_phase(const http_parser *p);
int http_parser_status(const http_parser *p);
const char *http_parser_why(const http_parser *p);

/* The reason phrase of a status this server sends ("Bad Request"). */
const char *http_reason(int status);

/* Parses an HTTP-date in any of its three forms (RFC 9110 §5.6.7); 0 and *t,
 * or -1 when it is not one. */
int http_parse_date(const char *s, time_t *t);
/* Formats t as an IMF-fixdate into out (at least 30 bytes). */
void http_format_date(time_t t, char *out, size_t outlen);

/* Percent-decodes the path of an origin-form target (up to "?") into out:
 * 0; 1 when the decoded path has a ".." segment or a backslash (refused:
 * never resolved against a directory); -1 when it is malformed (no leading
 * "/", a bad %XX, an encoded NUL, longer than outlen - 1). */
int http_decode_path(const char *target, char *out, size_t outlen);

/* A single byte range of a representation of size len (RFC 9110 §14.2):
 * 1 and [*first, *last] when value is one satisfiable range, 0 when the
 * header must be ignored (malformed, several ranges, another unit), -1 when
 * it is unsatisfiable (416). */
int http_parse_range(const char *value, uint64_t len, uint64_t *first, uint64_t *last);

#endif
