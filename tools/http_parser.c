/* tools/http_parser.c - the incremental HTTP/1.1 request parser (see
 * http_parser.h). A byte-at-a-time state machine: every input byte is read
 * through the bounds-checked reader (gmtls_rd) and decides the next state;
 * nothing is searched for or re-scanned, so the work per byte is constant
 * and splitting the input anywhere gives the same result. */
#include "http_parser.h"

#include <stdio.h>
#include <string.h>

#include "common/common.h"

enum {
    S_START,    /* before a request line (empty lines allowed) */
    S_START_LF, /* CR of an empty line seen */
    S_METHOD,
    S_TARGET,
    S_VERSION,
    S_RL_LF, /* CR after the version seen */
    S_FIELD_START,
    S_NAME,
    S_VALUE,
    S_VALUE_LF, /* CR after a field value seen */
    S_END_LF,   /* CR of the empty line ending the head (or trailer) seen */
    S_BODY,     /* Content-Length bytes */
    S_CHUNK_SIZE,
    S_CHUNK_EXT,
    S_CHUNK_SIZE_LF,
    S_CHUNK_DATA,
    S_CHUNK_CR,
    S_CHUNK_LF,
    S_FAILED,
};

/* the fields the server reads; every other one is checked and dropped */
enum { F_OTHER, F_HOST, F_CONTENT_LENGTH, F_TRANSFER_ENCODING, F_CONNECTION, F_IMS, F_INM, F_RANGE, F_IF_RANGE };

#define MAX_EMPTY_LINES 4
#define MAX_CHUNK_LINE 1024 /* chunk size and extensions */

void http_limits_default(http_limits *l)
{
    l->max_line = 8192;
    l->max_head = 32768;
    l->max_fields = 100;
    l->max_body = 1u << 20;
    l->allow_chunked = 1;
}

void http_parser_init(http_parser *p, const http_limits *lim)
{
    memset(p, 0, sizeof(*p));
    p->lim = *lim;
    p->state = S_START;
}

http_phase http_parser_phase(const http_parser *p)
{
    switch (p->state) {
    case S_START:
        return p->empty_lines == 0 ? HTTP_PHASE_IDLE : HTTP_PHASE_HEAD;
    case S_FAILED:
        return HTTP_PHASE_FAILED;
    case S_BODY:
    case S_CHUNK_SIZE:
    case S_CHUNK_EXT:
    case S_CHUNK_SIZE_LF:
    case S_CHUNK_DATA:
    case S_CHUNK_CR:
    case S_CHUNK_LF:
        return HTTP_PHASE_BODY;
    default:
        return p->in_trailer ? HTTP_PHASE_BODY : HTTP_PHASE_HEAD;
    }
}

int http_parser_status(const http_parser *p)
{
    return p->status;
}

const char *http_parser_why(const http_parser *p)
{
    return p->why != NULL ? p->why : "";
}

const char *http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 411:
        return "Length Required";
    case 425:
        return "Too Early"; /* RFC 8470 §5.2 */
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 416:
        return "Range Not Satisfiable";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

static int fail(http_parser *p, int status, const char *why)
{
    p->state = S_FAILED;
    p->status = status;
    p->why = why;
    return HTTP_FAILED;
}

/* RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
 * "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
static int is_tchar(unsigned c)
{
    if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
        return 1;
    }
    return c != 0 && strchr("!#$%&'*+-.^_`|~", (int)c) != NULL;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Case-insensitive equality of n bytes of a with the NUL-terminated b. */
static int ci_eq(const char *a, size_t n, const char *b)
{
    size_t i = 0;
    for (; i < n && b[i] != '\0'; i++) {
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) {
            return 0;
        }
    }
    return i == n && b[i] == '\0';
}

static int field_code(const char *name, size_t n)
{
    static const struct {
        const char *name;
        int code;
    } known[] = {
        {"host", F_HOST},
        {"content-length", F_CONTENT_LENGTH},
        {"transfer-encoding", F_TRANSFER_ENCODING},
        {"connection", F_CONNECTION},
        {"if-modified-since", F_IMS},
        {"if-none-match", F_INM},
        {"range", F_RANGE},
        {"if-range", F_IF_RANGE},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN(known); i++) {
        if (ci_eq(name, n, known[i].name)) {
            return known[i].code;
        }
    }
    return F_OTHER;
}

/* Next element of a comma-separated list (RFC 9110 §5.6.1: empty elements
 * are skipped, OWS around them dropped): [*s, *e) and the position after it,
 * or 0 at the end. */
static int list_next(const char *v, size_t *pos, size_t *s, size_t *e)
{
    size_t i = *pos;
    for (;;) {
        while (v[i] == ' ' || v[i] == '\t' || v[i] == ',') {
            i++;
        }
        if (v[i] == '\0') {
            *pos = i;
            return 0;
        }
        *s = i;
        while (v[i] != '\0' && v[i] != ',') {
            i++;
        }
        *pos = i;
        size_t end = i;
        while (end > *s && (v[end - 1] == ' ' || v[end - 1] == '\t')) {
            end--;
        }
        *e = end;
        return 1;
    }
}

/* RFC 3986 reg-name / IP-literal / IPv4 with an optional port: the characters
 * a Host value may hold (unreserved, sub-delims, pct-encoded, ":", "[", "]"). */
static int valid_host(const char *h)
{
    for (; *h != '\0'; h++) {
        unsigned c = (unsigned char)*h;
        if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
              strchr("-._~!$&'()*+,;=:[]%", (int)c) != NULL)) {
            return 0;
        }
    }
    return 1;
}

/* A complete field line of the head: checks and records it. */
static int end_field(http_parser *p)
{
    char *v = p->value;
    if (p->in_trailer) {
        /* RFC 9110 §6.5.1: trailer fields are not used for framing or routing;
         * the server uses none of them */
        return HTTP_MORE;
    }
    switch (p->field) {
    case F_HOST:
        /* RFC 9112 §3.2: a server MUST respond with 400 to a request that contains more than one
         * Host header field line or a Host header field with an invalid field value */
        if (++p->host_count > 1) {
            return fail(p, 400, "more than one Host field");
        }
        if (p->value_overflow || strlen(v) > HTTP_MAX_HOST || !valid_host(v)) {
            return fail(p, 400, "invalid Host field");
        }
        if (p->req.has_host != 2) { /* absolute-form: the target's authority wins (see below) */
            memcpy(p->req.host, v, strlen(v) + 1);
            p->req.has_host = 1;
        }
        break;
    case F_CONTENT_LENGTH: {
        /* RFC 9112 §6.3: an invalid Content-Length is an unrecoverable error: 400, then close
         * (several field lines are refused as well, RFC 9110 §8.6 allows it) */
        if (p->seen_cl++ > 0) {
            return fail(p, 400, "more than one Content-Length field");
        }
        uint64_t n = 0;
        if (p->value_overflow || v[0] == '\0') {
            return fail(p, 400, "invalid Content-Length");
        }
        for (const char *q = v; *q != '\0'; q++) {
            if (*q < '0' || *q > '9') {
                return fail(p, 400, "invalid Content-Length");
            }
            if (n > (UINT64_MAX - 9) / 10) {
                return fail(p, 413, "Content-Length too large");
            }
            n = n * 10 + (uint64_t)(*q - '0');
        }
        p->req.content_length = n;
        break;
    }
    case F_TRANSFER_ENCODING: {
        p->seen_te = 1;
        if (p->value_overflow) {
            return fail(p, 501, "Transfer-Encoding too long");
        }
        size_t pos = 0, s, e;
        while (list_next(v, &pos, &s, &e)) {
            if (ci_eq(v + s, e - s, "chunked")) {
                /* RFC 9112 §6.1: a sender MUST NOT apply the chunked coding more than once */
                if (p->te_chunked++ > 0) {
                    return fail(p, 400, "chunked applied twice");
                }
                p->te_last_chunked = 1;
            } else {
                p->te_other = 1;
                p->te_last_chunked = 0;
            }
        }
        break;
    }
    case F_CONNECTION: {
        if (p->value_overflow) {
            return fail(p, 400, "Connection field too long");
        }
        size_t pos = 0, s, e;
        while (list_next(v, &pos, &s, &e)) {
            if (ci_eq(v + s, e - s, "close")) {
                p->conn_close = 1;
            } else if (ci_eq(v + s, e - s, "keep-alive")) {
                p->conn_keep = 1;
            }
        }
        break;
    }
    case F_IMS:
        /* RFC 9110 §13.1.3: a recipient MUST ignore If-Modified-Since if the value is not a valid
         * HTTP-date (several lines make an invalid one) */
        if (p->ims_count++ == 0 && !p->value_overflow) {
            memcpy(p->req.if_modified_since, v, strlen(v) + 1);
        } else {
            p->req.if_modified_since[0] = '\0';
        }
        break;
    case F_INM:
        /* several lines form one list: it is then no longer exactly "*" */
        if (p->inm_count++ == 0 && !p->value_overflow) {
            memcpy(p->req.if_none_match, v, strlen(v) + 1);
        } else {
            memcpy(p->req.if_none_match, ",", 2);
        }
        break;
    case F_RANGE:
        /* RFC 9110 §14.2: a server MAY ignore the Range header field */
        if (p->range_count++ == 0 && !p->value_overflow) {
            memcpy(p->req.range, v, strlen(v) + 1);
        } else {
            p->req.range[0] = '\0';
        }
        break;
    case F_IF_RANGE:
        p->req.has_if_range = 1;
        break;
    default:
        break;
    }
    return HTTP_MORE;
}

/* The request line is complete: the version and the form of the target. */
static int end_request_line(http_parser *p)
{
    const char *v = p->version;
    /* RFC 9112 §2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT, HTTP-name is case-sensitive */
    if (strlen(v) != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
        v[7] > '9') {
        return fail(p, 400, "malformed HTTP version");
    }
    /* RFC 9110 §15.6.6: 505 when the server does not support the major version */
    if (v[5] != '1') {
        return fail(p, 505, "HTTP major version is not 1");
    }
    /* RFC 9110 §2.5: a later minor version is processed as the highest one the recipient conforms to */
    p->req.minor = v[7] == '0' ? 0 : 1;

    char *t = p->req.target;
    size_t n = strlen(t);
    if (t[0] == '/') {
        p->req.form = HTTP_FORM_ORIGIN;
    } else if (n == 1 && t[0] == '*') {
        /* RFC 9112 §3.2.4: asterisk-form is only used for a server-wide OPTIONS request */
        if (strcmp(p->req.method, "OPTIONS") != 0) {
            return fail(p, 400, "asterisk-form without OPTIONS");
        }
        p->req.form = HTTP_FORM_ASTERISK;
    } else if (strcmp(p->req.method, "CONNECT") == 0) {
        /* RFC 9112 §3.2.3: authority-form is only used for CONNECT requests */
        p->req.form = HTTP_FORM_AUTHORITY;
    } else {
        /* RFC 9112 §3.2.2: a server MUST accept the absolute-form in requests */
        size_t skip = n >= 7 && ci_eq(t, 7, "http://") ? 7 : n >= 8 && ci_eq(t, 8, "https://") ? 8 : 0;
        if (skip == 0) {
            return fail(p, 400, "invalid request target");
        }
        size_t a = skip;
        while (t[a] != '\0' && t[a] != '/' && t[a] != '?' && t[a] != '#') {
            a++;
        }
        if (a == skip || a - skip > HTTP_MAX_HOST || t[a] == '#') {
            return fail(p, 400, "invalid authority in the request target");
        }
        /* RFC 9112 §3.2.2: the origin server MUST ignore the received Host header field (if any)
         * and instead use the host information of the request-target */
        memcpy(p->req.host, t + skip, a - skip);
        p->req.host[a - skip] = '\0';
        if (!valid_host(p->req.host)) {
            return fail(p, 400, "invalid authority in the request target");
        }
        p->req.has_host = 2;
        /* the rest becomes the origin-form target ("/" when the path is empty) */
        if (t[a] == '/') {
            memmove(t, t + a, n - a + 1);
        } else {
            t[0] = '/';
            memmove(t + 1, t + a, n - a + 1);
        }
        p->req.form = HTTP_FORM_ORIGIN;
    }
    return HTTP_MORE;
}

/* The empty line ending the head: framing and connection management. */
static int end_head(http_parser *p)
{
    http_request *r = &p->req;
    /* RFC 9112 §3.2: a server MUST respond with 400 to any HTTP/1.1 request message that lacks
     * a Host header field */
    if (r->minor >= 1 && r->has_host == 0) {
        return fail(p, 400, "HTTP/1.1 request without Host");
    }
    if (p->seen_te) {
        /* RFC 9112 §6.1: a server that receives an HTTP/1.0 message containing Transfer-Encoding
         * MUST treat the message as if the framing is faulty */
        if (r->minor == 0) {
            return fail(p, 400, "Transfer-Encoding in an HTTP/1.0 request");
        }
        /* RFC 9112 §6.3: if chunked is not the final coding of a request, the server MUST respond
         * with 400 and then close the connection */
        if (!p->te_last_chunked) {
            return fail(p, 400, "chunked is not the final transfer coding");
        }
        /* RFC 9112 §6.3: a request with both Transfer-Encoding and Content-Length might be an
         * attempt at request smuggling; a server MAY reject it */
        if (p->seen_cl) {
            return fail(p, 400, "both Transfer-Encoding and Content-Length");
        }
        /* RFC 9112 §6.1: a transfer coding the server does not understand: 501 */
        if (p->te_other) {
            return fail(p, 501, "transfer coding other than chunked");
        }
        /* RFC 9110 §15.5.12: 411, the server refuses the request without a defined Content-Length */
        if (!p->lim.allow_chunked) {
            return fail(p, 411, "chunked request body refused");
        }
        r->chunked = 1;
    } else if (r->content_length > p->lim.max_body) {
        /* RFC 9110 §15.5.14: 413, the content is larger than the server is willing to process */
        return fail(p, 413, "Content-Length over the limit");
    }
    /* RFC 9112 §9.3: HTTP/1.1 defaults to persistent connections unless "close" is sent;
     * HTTP/1.0 persists only with "keep-alive" */
    r->keep_alive = r->minor >= 1 ? !p->conn_close : p->conn_keep && !p->conn_close;
    p->line_len = 0;
    p->body_left = r->content_length;
    p->body_total = 0;
    p->digits = 0;
    p->state = r->chunked ? S_CHUNK_SIZE : r->content_length > 0 ? S_BODY : S_START;
    p->empty_lines = 0;
    return HTTP_REQUEST;
}

static void start_field_line(http_parser *p)
{
    p->len = 0;
    p->line_len = 0;
    p->field = F_OTHER;
    p->value_started = 0;
    p->value_overflow = 0;
    p->value[0] = '\0';
}

/* The empty line after the trailer: the message is complete. */
static void end_message(http_parser *p)
{
    p->in_trailer = 0;
    p->state = S_START;
    p->empty_lines = 0;
}

static void start_request(http_parser *p)
{
    memset(&p->req, 0, sizeof(p->req));
    p->len = 0;
    p->head_len = 0;
    p->fields = 0;
    p->in_trailer = 0;
    p->seen_cl = p->seen_te = p->te_chunked = p->te_last_chunked = p->te_other = 0;
    p->conn_close = p->conn_keep = 0;
    p->host_count = p->ims_count = p->inm_count = p->range_count = 0;
    p->version[0] = '\0';
}

static int hexval(unsigned c)
{
    if (c >= '0' && c <= '9') {
        return (int)(c - '0');
    }
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10) : -1;
}

/* One byte of the head or the trailer. */
static int head_byte(http_parser *p, unsigned c)
{
    size_t limit_head = p->lim.max_head;
    if (++p->head_len > limit_head) {
        return fail(p, 431, p->in_trailer ? "trailer too large" : "request head too large");
    }
    switch (p->state) {
    case S_START:
        /* RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) received prior to
         * the request-line */
        if (c == '\r') {
            if (++p->empty_lines > MAX_EMPTY_LINES) {
                return fail(p, 400, "too many empty lines before the request");
            }
            p->state = S_START_LF;
            return HTTP_MORE;
        }
        if (!is_tchar(c)) {
            return fail(p, 400, "invalid method");
        }
        p->state = S_METHOD;
        p->req.method[p->len++] = (char)c;
        return HTTP_MORE;
    case S_START_LF:
        if (c != '\n') {
            return fail(p, 400, "bare CR");
        }
        p->state = S_START;
        return HTTP_MORE;
    case S_METHOD:
        /* RFC 9112 §3: request-line = method SP request-target SP HTTP-version (single SP) */
        if (c == ' ') {
            p->req.method[p->len] = '\0';
            p->len = 0;
            p->state = S_TARGET;
            return HTTP_MORE;
        }
        if (!is_tchar(c)) {
            return fail(p, 400, "invalid method");
        }
        /* RFC 9112 §3: a server that receives a method longer than any that it implements
         * SHOULD respond with 501 */
        if (p->len >= HTTP_MAX_METHOD) {
            return fail(p, 501, "method too long");
        }
        p->req.method[p->len++] = (char)c;
        return HTTP_MORE;
    case S_TARGET:
        if (c == ' ') {
            if (p->len == 0) {
                return fail(p, 400, "empty request target");
            }
            p->req.target[p->len] = '\0';
            p->len = 0;
            p->state = S_VERSION;
            return HTTP_MORE;
        }
        /* RFC 3986: a URI holds visible US-ASCII characters only */
        if (c <= 0x20 || c >= 0x7f) {
            return fail(p, 400, "invalid character in the request target");
        }
        /* RFC 9112 §3: a server that receives a request-target longer than any URI it wishes to
         * parse MUST respond with a 414 */
        if (p->len >= HTTP_MAX_TARGET) {
            return fail(p, 414, "request target too long");
        }
        p->req.target[p->len++] = (char)c;
        return HTTP_MORE;
    case S_VERSION:
        if (c == '\r') {
            p->version[p->len] = '\0';
            p->state = S_RL_LF;
            return HTTP_MORE;
        }
        if (p->len >= sizeof(p->version) - 1 || c <= 0x20 || c >= 0x7f) {
            return fail(p, 400, "malformed HTTP version");
        }
        p->version[p->len++] = (char)c;
        return HTTP_MORE;
    case S_RL_LF:
        /* RFC 9112 §2.2: a bare CR is invalid (this parser wants CRLF everywhere) */
        if (c != '\n') {
            return fail(p, 400, "bare CR");
        }
        if (end_request_line(p) != HTTP_MORE) {
            return HTTP_FAILED;
        }
        start_field_line(p);
        p->state = S_FIELD_START;
        return HTTP_MORE;
    case S_FIELD_START:
        if (c == '\r') {
            p->state = S_END_LF;
            return HTTP_MORE;
        }
        /* RFC 9112 §5.2: a server that receives an obs-fold in a request MUST either reject the
         * message with 400 or replace it; §2.2: whitespace before the first field line: reject */
        if (c == ' ' || c == '\t') {
            return fail(p, 400, "obsolete line folding or whitespace before a field");
        }
        if (++p->fields > p->lim.max_fields) {
            return fail(p, 431, "too many header fields");
        }
        p->state = S_NAME;
        /* fall through */
    case S_NAME:
        if (++p->line_len > p->lim.max_line) {
            return fail(p, 431, "header field line too long");
        }
        if (c == ':') {
            if (p->len == 0) {
                return fail(p, 400, "empty field name");
            }
            p->field = p->len <= sizeof(p->name) ? field_code(p->name, p->len) : F_OTHER;
            p->len = 0;
            p->state = S_VALUE;
            return HTTP_MORE;
        }
        /* RFC 9112 §5.1: a server MUST reject, with 400, any received request message that
         * contains whitespace between a header field name and colon */
        if (!is_tchar(c)) {
            return fail(p, 400, c == ' ' || c == '\t' ? "whitespace before the colon" : "invalid field name");
        }
        if (p->len < sizeof(p->name)) {
            p->name[p->len] = (char)c;
        }
        p->len++;
        return HTTP_MORE;
    case S_VALUE:
        if (c == '\r') {
            /* trailing OWS is not part of the value (RFC 9112 §5) */
            while (p->len > 0 && (p->value[p->len - 1] == ' ' || p->value[p->len - 1] == '\t')) {
                p->len--;
            }
            p->value[p->len < sizeof(p->value) ? p->len : 0] = '\0';
            p->state = S_VALUE_LF;
            return HTTP_MORE;
        }
        if (++p->line_len > p->lim.max_line) {
            return fail(p, 431, "header field line too long");
        }
        /* RFC 9110 §5.5: field-value = *field-content of VCHAR, SP, HTAB and obs-text; a value
         * with CR, LF or NUL MUST be rejected or those replaced: rejected here with every CTL */
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return fail(p, 400, "control character in a field value");
        }
        if (!p->value_started && (c == ' ' || c == '\t')) {
            return HTTP_MORE; /* leading OWS */
        }
        p->value_started = 1;
        if (p->field != F_OTHER) {
            if (p->len + 1 < sizeof(p->value)) {
                p->value[p->len++] = (char)c;
            } else {
                p->value_overflow = 1;
            }
        }
        return HTTP_MORE;
    case S_VALUE_LF:
        if (c != '\n') {
            return fail(p, 400, "bare CR");
        }
        if (end_field(p) != HTTP_MORE) {
            return HTTP_FAILED;
        }
        start_field_line(p);
        p->state = S_FIELD_START;
        return HTTP_MORE;
    case S_END_LF:
        if (c != '\n') {
            return fail(p, 400, "bare CR");
        }
        if (p->in_trailer) {
            end_message(p);
            return HTTP_MORE;
        }
        return end_head(p);
    default:
        return fail(p, 500, "parser state");
    }
}

/* One byte of a chunk-size line or of the CRLF after chunk data. */
static int chunk_byte(http_parser *p, unsigned c)
{
    if (++p->line_len > MAX_CHUNK_LINE) {
        return fail(p, 400, "chunk size line too long");
    }
    switch (p->state) {
    case S_CHUNK_SIZE: {
        /* RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF, chunk-size = 1*HEXDIG */
        int v = hexval(c);
        if (v >= 0) {
            /* RFC 9112 §7.1: a recipient MUST anticipate potentially large hexadecimal numerals
             * and prevent parsing errors due to integer conversion overflows */
            if (p->body_left > (UINT64_MAX >> 4)) {
                return fail(p, 413, "chunk size too large");
            }
            p->body_left = p->body_left << 4 | (uint64_t)v;
            p->digits++;
            return HTTP_MORE;
        }
        if (p->digits == 0) {
            return fail(p, 400, "invalid chunk size");
        }
        if (c == '\r') {
            p->state = S_CHUNK_SIZE_LF;
            return HTTP_MORE;
        }
        /* chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) */
        if (c == ';' || c == ' ' || c == '\t') {
            p->state = S_CHUNK_EXT;
            p->value_started = c == ';';
            return HTTP_MORE;
        }
        return fail(p, 400, "invalid chunk size");
    }
    case S_CHUNK_EXT:
        if (c == '\r') {
            if (!p->value_started) {
                return fail(p, 400, "invalid chunk extension");
            }
            p->state = S_CHUNK_SIZE_LF;
            return HTTP_MORE;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return fail(p, 400, "control character in a chunk extension");
        }
        if (!p->value_started) {
            if (c == ';') {
                p->value_started = 1;
            } else if (c != ' ' && c != '\t') {
                return fail(p, 400, "invalid chunk extension");
            }
        }
        return HTTP_MORE; /* extensions are ignored (RFC 9112 §7.1.1) */
    case S_CHUNK_SIZE_LF:
        if (c != '\n') {
            return fail(p, 400, "bare CR");
        }
        if (p->body_left == 0) {
            /* last-chunk: the trailer section follows, then the empty line */
            p->in_trailer = 1;
            p->head_len = 0;
            p->fields = 0;
            start_field_line(p);
            p->state = S_FIELD_START;
            return HTTP_MORE;
        }
        if (p->body_left > p->lim.max_body - p->body_total) {
            return fail(p, 413, "chunked body over the limit");
        }
        p->body_total += p->body_left;
        p->state = S_CHUNK_DATA;
        return HTTP_MORE;
    case S_CHUNK_CR:
        if (c != '\r') {
            return fail(p, 400, "chunk data longer than its size");
        }
        p->state = S_CHUNK_LF;
        return HTTP_MORE;
    case S_CHUNK_LF:
        if (c != '\n') {
            return fail(p, 400, "bare CR");
        }
        p->state = S_CHUNK_SIZE;
        p->line_len = 0;
        p->digits = 0;
        p->body_left = 0;
        return HTTP_MORE;
    default:
        return fail(p, 500, "parser state");
    }
}

int http_parser_feed(http_parser *p, const uint8_t *data, size_t len, size_t *used)
{
    gmtls_rd r;
    gmtls_rd_init(&r, data, len);
    *used = 0;
    while (gmtls_rd_left(&r) > 0) {
        if (p->state == S_FAILED) {
            return HTTP_FAILED;
        }
        if (p->state == S_BODY || p->state == S_CHUNK_DATA) {
            /* body bytes are skipped in bulk */
            size_t n = gmtls_rd_left(&r);
            if ((uint64_t)n > p->body_left) {
                n = (size_t)p->body_left;
            }
            (void)gmtls_rd_bytes(&r, n);
            p->body_left -= n;
            if (p->body_left == 0) {
                if (p->state == S_BODY) {
                    end_message(p);
                } else {
                    p->state = S_CHUNK_CR;
                }
            }
            continue;
        }
        unsigned c = gmtls_rd_u8(&r);
        if (p->state == S_START && p->empty_lines == 0) {
            start_request(p); /* the first byte of the next request */
        }
        int res = p->state >= S_CHUNK_SIZE && p->state <= S_CHUNK_LF ? chunk_byte(p, c) : head_byte(p, c);
        if (res != HTTP_MORE) {
            *used = len - gmtls_rd_left(&r);
            return res;
        }
    }
    *used = len;
    return p->state == S_FAILED ? HTTP_FAILED : HTTP_MORE;
}

/* ---------------------------------------------------------------- dates */

static const char *const wkday[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const wkday_long[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void http_format_date(time_t t, char *out, size_t outlen)
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        memset(&tm, 0, sizeof(tm));
        tm.tm_mday = 1;
        tm.tm_year = 70;
    }
    /* RFC 9110 §5.6.7: IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT */
    snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d GMT", wkday[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A cursor over a date string, read through gmtls_rd. */
static int rd_peek(const gmtls_rd *r)
{
    gmtls_rd c = *r;
    return gmtls_rd_left(&c) > 0 ? gmtls_rd_u8(&c) : -1;
}

static int rd_lit(gmtls_rd *r, const char *s)
{
    for (; *s != '\0'; s++) {
        if (gmtls_rd_left(r) == 0 || gmtls_rd_u8(r) != (uint8_t)*s) {
            return -1;
        }
    }
    return 0;
}

/* n digits (exactly), or -1 */
static int rd_num(gmtls_rd *r, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        int c = rd_peek(r);
        if (c < '0' || c > '9') {
            return -1;
        }
        (void)gmtls_rd_u8(r);
        v = v * 10 + (c - '0');
    }
    return v;
}

/* one of names (case-sensitive, RFC 9110 §5.6.7), its index or -1 */
static int rd_name(gmtls_rd *r, const char *const *names, int count)
{
    for (int i = 0; i < count; i++) {
        gmtls_rd c = *r;
        if (rd_lit(&c, names[i]) == 0) {
            int next = rd_peek(&c);
            if (next < 'a' || next > 'z') {
                *r = c;
                return i;
            }
        }
    }
    return -1;
}

static int rd_time(gmtls_rd *r, struct tm *tm)
{
    tm->tm_hour = rd_num(r, 2);
    if (tm->tm_hour < 0 || rd_lit(r, ":") != 0) {
        return -1;
    }
    tm->tm_min = rd_num(r, 2);
    if (tm->tm_min < 0 || rd_lit(r, ":") != 0) {
        return -1;
    }
    tm->tm_sec = rd_num(r, 2);
    /* RFC 9110 §5.6.7: hour 00-23, minute 00-59, second 00-60 (leap second) */
    return tm->tm_sec < 0 || tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60 ? -1 : 0;
}

int http_parse_date(const char *s, time_t *t)
{
    gmtls_rd r;
    gmtls_rd_init(&r, (const uint8_t *)s, strlen(s));
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int day;
    if (rd_name(&r, wkday, 7) >= 0) {
        int c = rd_peek(&r);
        if (c == ',') {
            /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
            if (rd_lit(&r, ", ") != 0 || (day = rd_num(&r, 2)) < 0 || rd_lit(&r, " ") != 0 ||
                (tm.tm_mon = rd_name(&r, months, 12)) < 0 || rd_lit(&r, " ") != 0 || (tm.tm_year = rd_num(&r, 4)) < 0 ||
                rd_lit(&r, " ") != 0 || rd_time(&r, &tm) != 0 || rd_lit(&r, " GMT") != 0) {
                return -1;
            }
            tm.tm_year -= 1900;
        } else {
            /* asctime-date: Sun Nov  6 08:49:37 1994 */
            if (rd_lit(&r, " ") != 0 || (tm.tm_mon = rd_name(&r, months, 12)) < 0 || rd_lit(&r, " ") != 0) {
                return -1;
            }
            if (rd_peek(&r) == ' ') {
                (void)gmtls_rd_u8(&r);
                day = rd_num(&r, 1);
            } else {
                day = rd_num(&r, 2);
            }
            if (day < 0 || rd_lit(&r, " ") != 0 || rd_time(&r, &tm) != 0 || rd_lit(&r, " ") != 0 ||
                (tm.tm_year = rd_num(&r, 4)) < 0) {
                return -1;
            }
            tm.tm_year -= 1900;
        }
    } else if (rd_name(&r, wkday_long, 7) >= 0) {
        /* rfc850-date: Sunday, 06-Nov-94 08:49:37 GMT */
        int yy;
        if (rd_lit(&r, ", ") != 0 || (day = rd_num(&r, 2)) < 0 || rd_lit(&r, "-") != 0 ||
            (tm.tm_mon = rd_name(&r, months, 12)) < 0 || rd_lit(&r, "-") != 0 || (yy = rd_num(&r, 2)) < 0 ||
            rd_lit(&r, " ") != 0 || rd_time(&r, &tm) != 0 || rd_lit(&r, " GMT") != 0) {
            return -1;
        }
        /* RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is the most recent
         * past year with the same last two digits */
        struct tm now;
        time_t nt = time(NULL);
        if (gmtime_r(&nt, &now) == NULL) {
            return -1;
        }
        int cur = now.tm_year + 1900, year = cur - cur % 100 + yy;
        if (year > cur + 50) {
            year -= 100;
        }
        tm.tm_year = year - 1900;
    } else {
        return -1;
    }
    if (gmtls_rd_left(&r) != 0 || day < 1 || day > 31) {
        return -1;
    }
    tm.tm_mday = day;
    time_t v = timegm(&tm);
    if (v == (time_t)-1) {
        return -1;
    }
    *t = v;
    return 0;
}

/* ---------------------------------------------------------------- paths */

/* 1 when out[seg..o) is the segment ".." */
static int is_dotdot(const char *out, size_t seg, size_t o)
{
    return o - seg == 2 && out[seg] == '.' && out[seg + 1] == '.';
}

int http_decode_path(const char *target, char *out, size_t outlen)
{
    gmtls_rd r;
    gmtls_rd_init(&r, (const uint8_t *)target, strlen(target));
    size_t o = 0, seg = 0; /* seg: where the current segment starts in out */
    int refused = 0;
    if (rd_peek(&r) != '/' || outlen == 0) {
        return -1;
    }
    for (int c = rd_peek(&r); c >= 0 && c != '?' && c != '#'; c = rd_peek(&r)) {
        (void)gmtls_rd_u8(&r);
        if (c == '%') {
            /* RFC 3986 §2.1: pct-encoded = "%" HEXDIG HEXDIG */
            int hi = hexval((unsigned)rd_peek(&r));
            (void)gmtls_rd_u8(&r);
            int lo = hexval((unsigned)rd_peek(&r));
            (void)gmtls_rd_u8(&r);
            if (hi < 0 || lo < 0 || r.err) {
                return -1;
            }
            c = hi << 4 | lo;
        }
        if (c == 0 || o + 1 >= outlen) {
            return -1;
        }
        if (c == '/') {
            /* a segment ends (an encoded "/" ends one as well): RFC 3986 §3.3 dot-segments
             * are refused, never resolved against the directory */
            refused |= is_dotdot(out, seg, o);
            seg = o + 1;
        }
        refused |= c == '\\';
        out[o++] = (char)c;
    }
    refused |= is_dotdot(out, seg, o);
    out[o] = '\0';
    return refused;
}

/* ---------------------------------------------------------------- ranges */

/* 1*DIGIT, saturating at UINT64_MAX; -1 when there is no digit */
static int rd_u64(gmtls_rd *r, uint64_t *v)
{
    int n = 0;
    *v = 0;
    for (int c = rd_peek(r); c >= '0' && c <= '9'; c = rd_peek(r), n++) {
        (void)gmtls_rd_u8(r);
        unsigned d = (unsigned)(c - '0');
        *v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
    }
    return n > 0 ? 0 : -1;
}

int http_parse_range(const char *value, uint64_t len, uint64_t *first, uint64_t *last)
{
    gmtls_rd r;
    gmtls_rd_init(&r, (const uint8_t *)value, strlen(value));
    /* RFC 9110 §14.1: ranges-specifier = range-unit "=" range-set; range units are
     * case-insensitive; a server ignores a Range with a unit it does not understand */
    const uint8_t *unit = gmtls_rd_bytes(&r, 6);
    if (unit == NULL || !ci_eq((const char *)unit, 6, "bytes=")) {
        return 0;
    }
    uint64_t a = 0, b = 0;
    int has_first = rd_u64(&r, &a) == 0;
    if (rd_lit(&r, "-") != 0) {
        return 0;
    }
    int has_last = rd_u64(&r, &b) == 0;
    while (rd_peek(&r) == ' ' || rd_peek(&r) == '\t') {
        (void)gmtls_rd_u8(&r);
    }
    /* one range only: a list (several ranges) is ignored, RFC 9110 §14.2 lets a server ignore Range */
    if (gmtls_rd_left(&r) != 0 || (!has_first && !has_last)) {
        return 0;
    }
    if (!has_first) {
        /* RFC 9110 §14.1.3: suffix-range; a zero suffix-length is unsatisfiable, a longer one
         * than the representation selects all of it */
        if (b == 0 || len == 0) {
            return -1;
        }
        *first = b >= len ? 0 : len - b;
        *last = len - 1;
        return 1;
    }
    /* RFC 9110 §14.1.1: a range-spec is invalid if last-pos is present and less than first-pos */
    if (has_last && b < a) {
        return 0;
    }
    /* RFC 9110 §14.1.1: int-range is satisfiable if first-pos is less than the length */
    if (a >= len) {
        return -1;
    }
    *first = a;
    *last = has_last && b < len ? b : len - 1;
    return 1;
}
