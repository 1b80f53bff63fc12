/* tests/tools/http_parser_test.c - the HTTP/1.1 request parser of
 * `gmtls server --www` (tools/http_parser.c) against well-formed and hostile
 * requests, each fed whole and split at every size from 1 to 7 bytes (the
 * outcome must not depend on the split); HTTP-dates, byte ranges, path
 * decoding (".." in any spelling refused); and
 * open_beneath (tools/beneath.c): openat2 and the O_NOFOLLOW walk refuse
 * every way out of the directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "http_parser.h"
#include "test.h"

/* What a run of the parser produced. */
typedef struct {
    int requests; /* HTTP_REQUEST results */
    int status;   /* 0, or the status after HTTP_FAILED */
    char method[3][HTTP_MAX_METHOD + 1];
    char target[3][64];
    char host[3][64];
    int keep_alive[3], minor[3], form[3];
    char range[3][64], ims[3][64];
    http_phase end_phase;
} outcome;

static void run(const char *in, size_t len, size_t step, const http_limits *lim, outcome *o)
{
    static http_parser p; /* large: not on the stack */
    http_parser_init(&p, lim);
    memset(o, 0, sizeof(*o));
    size_t off = 0;
    while (off < len && o->status == 0) {
        size_t n = step == 0 || len - off < step ? len - off : step;
        const uint8_t *d = (const uint8_t *)in + off;
        while (n > 0) {
            size_t used = 0;
            int r = http_parser_feed(&p, d, n, &used);
            if (r == HTTP_FAILED) {
                o->status = http_parser_status(&p);
                break;
            }
            if (used > n) {
                o->status = -1; /* impossible: would be a bug */
                break;
            }
            if (r == HTTP_REQUEST) {
                int i = o->requests++;
                if (i < 3) {
                    const http_request *q = &p.req;
                    snprintf(o->method[i], sizeof(o->method[i]), "%s", q->method);
                    snprintf(o->target[i], sizeof(o->target[i]), "%.63s", q->target);
                    snprintf(o->host[i], sizeof(o->host[i]), "%.63s", q->host);
                    snprintf(o->range[i], sizeof(o->range[i]), "%.63s", q->range);
                    snprintf(o->ims[i], sizeof(o->ims[i]), "%.63s", q->if_modified_since);
                    o->keep_alive[i] = q->keep_alive;
                    o->minor[i] = q->minor;
                    o->form[i] = q->form;
                }
            } else if (used != n) {
                o->status = -2; /* HTTP_MORE must consume everything */
                break;
            }
            d += used;
            n -= used;
        }
        off += step == 0 || len - off < step ? len - off : step;
    }
    o->end_phase = http_parser_phase(&p);
}

static int same(const outcome *a, const outcome *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

/* Runs in whole and split 1..7; all must agree. Returns the whole-run outcome. */
static outcome check_split(const char *name, const char *in, size_t len, const http_limits *lim)
{
    outcome whole, part;
    run(in, len, 0, lim, &whole);
    for (size_t step = 1; step <= 7; step++) {
        run(in, len, step, lim, &part);
        if (!same(&whole, &part)) {
            fprintf(stderr, "%s: split by %zu gives %d requests / status %d, whole gives %d / %d\n", name, step,
                    part.requests, part.status, whole.requests, whole.status);
            CHECK(0);
            return whole;
        }
    }
    CHECK(1);
    return whole;
}

typedef struct {
    const char *name;
    const char *in;
    int status;   /* expected status (0: no error) */
    int requests; /* expected complete request heads */
} hcase;

static const hcase cases[] = {
    /* well-formed */
    {"simple GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, 1},
    {"HTTP/1.0 without Host", "GET /a HTTP/1.0\r\n\r\n", 0, 1},
    {"empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 0, 1},
    {"leading empty line", "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, 1},
    {"three pipelined",
     "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 3},
    {"body by Content-Length, then a request",
     "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /GET HTTP/1.1\r\nHost: x\r\n\r\n", 0, 2},
    {"chunked body with extension and trailer, then a request",
     "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\nA ; x\r\n0123456789\r\n"
     "0\r\nX-T: 1\r\n\r\nGET /n HTTP/1.1\r\nHost: x\r\n\r\n",
     0, 2},
    {"chunked is case-insensitive", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:  Chunked \r\n\r\n0\r\n\r\n", 0,
     1},
    {"Content-Length 0", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 0, 1},
    {"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 0, 1},
    {"HTTP/1.9 is served as 1.1", "GET / HTTP/1.9\r\nHost: x\r\n\r\n", 0, 1},
    {"obs-text in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: \xe4\xbd\xa0\r\n\r\n", 0, 1},
    {"long unknown field name", "GET / HTTP/1.1\r\nHost: x\r\nX-A-Very-Long-Field-Name-Beyond-32-Bytes: 1\r\n\r\n", 0,
     1},
    /* request line */
    {"no Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400, 0},
    {"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, 0},
    {"space in Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, 0},
    {"slash in Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, 0},
    {"double space after method", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
    {"space after version", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400, 0},
    {"lower-case http", "GET / http/1.1\r\nHost: x\r\n\r\n", 400, 0},
    {"HTTP/1.10", "GET / HTTP/1.10\r\nHost: x\r\n\r\n", 400, 0},
    {"HTTP/0.9 request line", "GET /\r\n\r\n", 400, 0},
    {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, 0},
    {"HTTP/3.1", "GET / HTTP/3.1\r\nHost: x\r\n\r\n", 505, 0},
    {"tab in the request line", "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
    {"NUL in the target", "GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
    {"DEL in the target", "GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
    {"8-bit byte in the target", "GET /\xc3\xa4 HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
    {"method with a slash", "GE/T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
    {"method too long", "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: x\r\n\r\n", 501, 0},
    {"relative target", "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
    {"asterisk with GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
    {"absolute-form without authority", "GET http:///a HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
    {"absolute-form of another scheme", "GET ftp://h/a HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
    {"too many empty lines", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
    /* line endings */
    {"bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400, 0},
    {"bare CR in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400, 0},
    {"CR CR LF", "GET / HTTP/1.1\r\r\nHost: x\r\n\r\n", 400, 0},
    {"bare LF ending the head", "GET / HTTP/1.1\r\nHost: x\r\n\n", 400, 0},
    /* fields */
    {"space before the colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, 0},
    {"tab before the colon", "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", 400, 0},
    {"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400, 0},
    {"whitespace before the first field", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400, 0},
    {"empty field name", "GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", 400, 0},
    {"no colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400, 0},
    {"NUL in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n", 400, 0},
    {"DEL in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x7f\r\n\r\n", 400, 0},
    {"escape in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: \x1b[31m\r\n\r\n", 400, 0},
    /* framing */
    {"Content-Length not a number", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, 0},
    {"Content-Length negative", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400, 0},
    {"Content-Length with a sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n", 400, 0},
    {"Content-Length list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\n", 400, 0},
    {"Content-Length empty", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", 400, 0},
    {"two Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400, 0},
    {"Content-Length overflows 64 bits",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413, 0},
    {"Content-Length over the limit", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n", 413, 0},
    {"Transfer-Encoding gzip only", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400, 0},
    {"chunked not last", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, 0},
    {"gzip, chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, 0},
    {"gzip then chunked on two lines",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501, 0},
    {"chunked twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400, 0},
    {"Transfer-Encoding and Content-Length",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, 0},
    {"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, 0},
    {"chunk size not hex", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, 1},
    {"chunk size missing", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n;a\r\n", 400, 1},
    {"chunk size overflows", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1FFFFFFFFFFFFFFFF\r\n",
     413, 1},
    {"chunk over the body limit", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n", 413, 1},
    {"chunk longer than its size",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", 400, 1},
    {"chunk extension without semicolon",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n", 400, 1},
    {"chunk size line with a bare LF", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n",
     400, 1},
    {"obs-fold in the trailer",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n c\r\n\r\n", 400, 1},
    {"NUL in a chunk extension",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;\0\r\na\r\n0\r\n\r\n", 400, 1},
};

static void test_cases(void)
{
    http_limits lim;
    http_limits_default(&lim);
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
        const hcase *c = &cases[i];
        /* the inputs hold NULs: the length is that of the literal */
        size_t len = strlen(c->in);
        if (strstr(c->name, "NUL") != NULL) {
            len += 1 + strlen(c->in + len + 1);
        }
        outcome o = check_split(c->name, c->in, len, &lim);
        if (o.status != c->status || o.requests != c->requests) {
            fprintf(stderr, "%s: status %d requests %d, expected %d and %d\n", c->name, o.status, o.requests, c->status,
                    c->requests);
            CHECK(0);
        } else {
            CHECK(1);
        }
    }
}

static void test_details(void)
{
    http_limits lim;
    http_limits_default(&lim);
    outcome o;
    const char *in = "GET /a HTTP/1.1\r\nHost:   example.org:8443  \r\nRange: bytes=0-4\r\n"
                     "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n";
    o = check_split("details", in, strlen(in), &lim);
    CHECK(o.requests == 1 && strcmp(o.method[0], "GET") == 0 && strcmp(o.target[0], "/a") == 0);
    CHECK(strcmp(o.host[0], "example.org:8443") == 0); /* OWS around the value dropped */
    CHECK(strcmp(o.range[0], "bytes=0-4") == 0);
    CHECK(strcmp(o.ims[0], "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
    CHECK(o.keep_alive[0] == 1 && o.minor[0] == 1 && o.end_phase == HTTP_PHASE_IDLE);

    /* keep-alive rules */
    in = "GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"
         "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, CLOSE\r\n\r\n";
    o = check_split("keep-alive", in, strlen(in), &lim);
    CHECK(o.requests == 3 && o.keep_alive[0] == 0 && o.keep_alive[1] == 1 && o.keep_alive[2] == 0);
    CHECK(o.minor[0] == 0 && o.minor[2] == 1);

    /* absolute-form: the authority replaces Host, the target becomes origin-form */
    in = "GET http://example.com/a?b HTTP/1.1\r\nHost: other\r\n\r\nGET HTTPS://h.example?q HTTP/1.1\r\nHost: x\r\n\r\n"
         "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n";
    o = check_split("absolute-form", in, strlen(in), &lim);
    CHECK(o.requests == 3);
    CHECK(strcmp(o.target[0], "/a?b") == 0 && strcmp(o.host[0], "example.com") == 0);
    CHECK(strcmp(o.target[1], "/?q") == 0 && strcmp(o.host[1], "h.example") == 0);
    CHECK(o.form[0] == HTTP_FORM_ORIGIN && o.form[2] == HTTP_FORM_ASTERISK && strcmp(o.target[2], "*") == 0);

    /* the request after a body is parsed from the right byte */
    in = "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 24\r\n\r\nGET /x HTTP/1.1\r\nHost:\r\nGET /y "
         "HTTP/1.1\r\nHost: x\r\n\r\n";
    o = check_split("body looks like a request", in, strlen(in), &lim);
    CHECK(o.requests == 2 && strcmp(o.target[1], "/y") == 0);

    /* a chunked body: the second request is found after the trailer */
    in = "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nGET \r\n0\r\n\r\nGET /z "
         "HTTP/1.1\r\nHost: x\r\n\r\n";
    o = check_split("chunked then request", in, strlen(in), &lim);
    CHECK(o.requests == 2 && strcmp(o.target[1], "/z") == 0);

    /* 411 when chunked bodies are not allowed */
    http_limits nochunk = lim;
    nochunk.allow_chunked = 0;
    in = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    o = check_split("chunked refused", in, strlen(in), &nochunk);
    CHECK(o.status == 411 && o.requests == 0);
}

/* Builds a request with a long part; returns its length (buf from malloc). */
static char *build(const char *pre, char fill, size_t n, const char *post, size_t *len)
{
    size_t a = strlen(pre), c = strlen(post);
    char *b = malloc(a + n + c + 1);
    if (b == NULL) {
        exit(2);
    }
    memcpy(b, pre, a);
    memset(b + a, fill, n);
    memcpy(b + a + n, post, c + 1);
    *len = a + n + c;
    return b;
}

static void test_limits(void)
{
    http_limits lim;
    http_limits_default(&lim);
    outcome o;
    size_t len;
    char *b;

    /* the target: 8000 bytes pass, 8001 get 414 */
    b = build("GET /", 'a', HTTP_MAX_TARGET - 1, " HTTP/1.1\r\nHost: x\r\n\r\n", &len);
    run(b, len, 0, &lim, &o);
    CHECK(o.status == 0 && o.requests == 1);
    free(b);
    b = build("GET /", 'a', HTTP_MAX_TARGET, " HTTP/1.1\r\nHost: x\r\n\r\n", &len);
    o = check_split("target too long", b, len, &lim);
    CHECK(o.status == 414);
    free(b);

    /* one field line: max_line passes, one more byte gets 431 */
    b = build("GET / HTTP/1.1\r\nHost: x\r\nX: ", 'v', lim.max_line - 3, "\r\n\r\n", &len);
    run(b, len, 0, &lim, &o);
    CHECK(o.status == 0 && o.requests == 1);
    free(b);
    b = build("GET / HTTP/1.1\r\nHost: x\r\nX: ", 'v', lim.max_line - 2, "\r\n\r\n", &len);
    o = check_split("field line too long", b, len, &lim);
    CHECK(o.status == 431);
    free(b);
    /* a long field name counts too */
    b = build("GET / HTTP/1.1\r\nHost: x\r\n", 'N', lim.max_line + 10, ": v\r\n\r\n", &len);
    run(b, len, 0, &lim, &o);
    CHECK(o.status == 431);
    free(b);
    /* a long Host value (stored): 400 */
    b = build("GET / HTTP/1.1\r\nHost: ", 'h', 300, "\r\n\r\n", &len);
    run(b, len, 0, &lim, &o);
    CHECK(o.status == 400);
    free(b);

    /* the field count: 100 pass (Host + 99), 101 get 431 */
    char *many = malloc(64 * 120 + 64);
    if (many == NULL) {
        exit(2);
    }
    for (int total = 100; total <= 101; total++) {
        size_t n = (size_t)sprintf(many, "GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 1; i < total; i++) {
            n += (size_t)sprintf(many + n, "X-%d: %d\r\n", i, i);
        }
        n += (size_t)sprintf(many + n, "\r\n");
        o = check_split("field count", many, n, &lim);
        CHECK(total == 100 ? o.status == 0 && o.requests == 1 : o.status == 431);
    }
    free(many);

    /* the whole head: five lines of 7,000 bytes pass each line limit but not max_head */
    char *big = malloc(5 * 7020 + 64);
    if (big == NULL) {
        exit(2);
    }
    size_t n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 5; i++) {
        n += (size_t)sprintf(big + n, "X-%d: ", i);
        memset(big + n, 'z', 7000);
        n += 7000;
        n += (size_t)sprintf(big + n, "\r\n");
    }
    n += (size_t)sprintf(big + n, "\r\n");
    run(big, n, 0, &lim, &o);
    CHECK(o.status == 431);
    run(big, n, 1000, &lim, &o);
    CHECK(o.status == 431);
    free(big);

    /* chunks that sum past max_body: 413 at the chunk that crosses */
    const char *pre = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    size_t half = 0x80000, plen = strlen(pre);
    char *ch = malloc(plen + 3 * (half + 16));
    if (ch == NULL) {
        exit(2);
    }
    n = (size_t)sprintf(ch, "%s", pre);
    for (int i = 0; i < 3; i++) {
        n += (size_t)sprintf(ch + n, "80000\r\n");
        memset(ch + n, 'b', half);
        n += half;
        n += (size_t)sprintf(ch + n, "\r\n");
    }
    run(ch, n, 0, &lim, &o);
    CHECK(o.status == 413 && o.requests == 1);
    run(ch, n, 4096, &lim, &o);
    CHECK(o.status == 413 && o.requests == 1);
    free(ch);
}

static void test_phases(void)
{
    http_limits lim;
    http_limits_default(&lim);
    static http_parser p;
    http_parser_init(&p, &lim);
    size_t used;
    CHECK(http_parser_phase(&p) == HTTP_PHASE_IDLE);
    const char *a = "GET / HT";
    CHECK(http_parser_feed(&p, (const uint8_t *)a, strlen(a), &used) == HTTP_MORE && used == strlen(a));
    CHECK(http_parser_phase(&p) == HTTP_PHASE_HEAD);
    const char *b = "TP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nab";
    CHECK(http_parser_feed(&p, (const uint8_t *)b, strlen(b), &used) == HTTP_REQUEST);
    CHECK(used == strlen(b) - 2); /* up to the end of the head */
    CHECK(http_parser_phase(&p) == HTTP_PHASE_BODY);
    CHECK(http_parser_feed(&p, (const uint8_t *)b + used, 2, &used) == HTTP_MORE && used == 2);
    CHECK(http_parser_phase(&p) == HTTP_PHASE_BODY);
    CHECK(http_parser_feed(&p, (const uint8_t *)"c", 1, &used) == HTTP_MORE);
    CHECK(http_parser_phase(&p) == HTTP_PHASE_IDLE);
    /* an empty line before a request is already part of it */
    CHECK(http_parser_feed(&p, (const uint8_t *)"\r\n", 2, &used) == HTTP_MORE);
    CHECK(http_parser_phase(&p) == HTTP_PHASE_HEAD);
    /* a chunked body: BODY until the trailer's empty line */
    const char *c = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    CHECK(http_parser_feed(&p, (const uint8_t *)c, strlen(c), &used) == HTTP_REQUEST);
    CHECK(http_parser_feed(&p, (const uint8_t *)"0\r\nT: 1\r\n", 9, &used) == HTTP_MORE);
    CHECK(http_parser_phase(&p) == HTTP_PHASE_BODY);
    CHECK(http_parser_feed(&p, (const uint8_t *)"\r\n", 2, &used) == HTTP_MORE);
    CHECK(http_parser_phase(&p) == HTTP_PHASE_IDLE);
    /* failure is sticky */
    CHECK(http_parser_feed(&p, (const uint8_t *)"GET / HTTP/1.1\rx", 16, &used) == HTTP_FAILED);
    CHECK(http_parser_status(&p) == 400 && http_parser_phase(&p) == HTTP_PHASE_FAILED);
    CHECK(strcmp(http_parser_why(&p), "bare CR") == 0);
    CHECK(http_parser_feed(&p, (const uint8_t *)"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, &used) == HTTP_FAILED);
}

static void test_dates(void)
{
    time_t t = 0;
    /* RFC 9110 §5.6.7: the three forms of the same instant */
    CHECK(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", &t) == 0 && t == 784111777);
    t = 0;
    CHECK(http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", &t) == 0 && t == 784111777);
    t = 0;
    CHECK(http_parse_date("Sun Nov  6 08:49:37 1994", &t) == 0 && t == 784111777);
    const char *bad[] = {
        "",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Now 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sunday, 06 Nov 1994 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sunx, 06 Nov 1994 08:49:37 GMT",
        "06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:3",
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(bad); i++) {
        if (http_parse_date(bad[i], &t) == 0) {
            fprintf(stderr, "date accepted: '%s'\n", bad[i]);
            CHECK(0);
        } else {
            CHECK(1);
        }
    }
    char out[40];
    http_format_date(784111777, out, sizeof(out));
    CHECK(strcmp(out, "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
    http_format_date(1767225599, out, sizeof(out)); /* 2025-12-31 23:59:59 */
    CHECK(strcmp(out, "Wed, 31 Dec 2025 23:59:59 GMT") == 0);
    CHECK(http_parse_date(out, &t) == 0 && t == 1767225599);
}

static void test_ranges(void)
{
    static const struct {
        const char *v;
        uint64_t len;
        int r;
        uint64_t first, last;
    } rc[] = {
        {"bytes=0-4", 10, 1, 0, 4},
        {"bytes=5-", 10, 1, 5, 9},
        {"bytes=-3", 10, 1, 7, 9},
        {"bytes=-20", 10, 1, 0, 9},
        {"bytes=0-100", 10, 1, 0, 9},
        {"BYTES=1-2", 10, 1, 1, 2},
        {"bytes=9-9", 10, 1, 9, 9},
        {"bytes=10-", 10, -1, 0, 0},
        {"bytes=10-20", 10, -1, 0, 0},
        {"bytes=-0", 10, -1, 0, 0},
        {"bytes=0-", 0, -1, 0, 0},
        {"bytes=-5", 0, -1, 0, 0},
        {"bytes=99999999999999999999999-", 10, -1, 0, 0},
        {"bytes=5-4", 10, 0, 0, 0},
        {"bytes=0-1,3-4", 10, 0, 0, 0},
        {"bytes=0-1,", 10, 0, 0, 0},
        {"items=0-1", 10, 0, 0, 0},
        {"bytes=", 10, 0, 0, 0},
        {"bytes=-", 10, 0, 0, 0},
        {"bytes= 0-1", 10, 0, 0, 0},
        {"bytes=0x1-2", 10, 0, 0, 0},
        {"bytes", 10, 0, 0, 0},
        {"", 10, 0, 0, 0},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(rc); i++) {
        uint64_t a = 77, b = 77;
        int r = http_parse_range(rc[i].v, rc[i].len, &a, &b);
        if (r != rc[i].r || (r == 1 && (a != rc[i].first || b != rc[i].last))) {
            fprintf(stderr, "range '%s' of %llu: %d [%llu, %llu]\n", rc[i].v, (unsigned long long)rc[i].len, r,
                    (unsigned long long)a, (unsigned long long)b);
            CHECK(0);
        } else {
            CHECK(1);
        }
    }
}

static void test_paths(void)
{
    static const struct {
        const char *target, *want;
        int r;
    } pc[] = {
        {"/", "/", 0},
        {"/a/b.txt?x=1", "/a/b.txt", 0},
        {"/with%20space.txt", "/with space.txt", 0},
        {"/%e4%BD%a0", "/\xe4\xbd\xa0", 0},
        {"/a/..b/c..", "/a/..b/c..", 0},
        {"/.../x", "/.../x", 0},
        {"/./x", "/./x", 0},
        {"/..", NULL, 1},
        {"/../etc/passwd", NULL, 1},
        {"/a/../../x", NULL, 1},
        {"/a/..?q", NULL, 1},
        {"/%2e%2e/x", NULL, 1},
        {"/%2E./x", NULL, 1},
        {"/a%2f..%2fx", NULL, 1},
        {"/a%2F..", NULL, 1},
        {"/a\\b", NULL, 1},
        {"/a%5cb", NULL, 1},
        {"", NULL, -1},
        {"a/b", NULL, -1},
        {"*", NULL, -1},
        {"/%zz", NULL, -1},
        {"/%4", NULL, -1},
        {"/%", NULL, -1},
        {"/a%00.html", NULL, -1},
    };
    char out[64];
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(pc); i++) {
        int r = http_decode_path(pc[i].target, out, sizeof(out));
        if (r != pc[i].r || (r == 0 && strcmp(out, pc[i].want) != 0)) {
            fprintf(stderr, "path '%s': %d '%s'\n", pc[i].target, r, r == 0 ? out : "");
            CHECK(0);
        } else {
            CHECK(1);
        }
    }
    /* the output bound: 63 bytes fit in 64, 64 do not */
    char longp[80];
    memset(longp, 'p', sizeof(longp));
    longp[0] = '/';
    longp[63] = '\0';
    CHECK(http_decode_path(longp, out, sizeof(out)) == 0 && strlen(out) == 63);
    longp[63] = 'p';
    longp[64] = '\0';
    CHECK(http_decode_path(longp, out, sizeof(out)) == -1);
}

/* ---------------------------------------------------------------- open_beneath */

static int opens(int (*fn)(int, const char *, int), int dirfd, const char *rel, int *err)
{
    int fd = fn(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    *err = errno;
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    return 0;
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

static void test_beneath(void)
{
    char base[] = "/tmp/gmtls-beneath-XXXXXX";
    if (mkdtemp(base) == NULL) {
        fprintf(stderr, "mkdtemp failed\n");
        CHECK(0);
        return;
    }
    char p[512], root[256];
    snprintf(root, sizeof(root), "%s/root", base);
    CHECK(mkdir(root, 0700) == 0);
    snprintf(p, sizeof(p), "%s/root/sub", base);
    CHECK(mkdir(p, 0700) == 0);
    snprintf(p, sizeof(p), "%s/secret.txt", base);
    put(p, "secret\n");
    snprintf(p, sizeof(p), "%s/root/a.txt", base);
    put(p, "a\n");
    snprintf(p, sizeof(p), "%s/root/sub/b.txt", base);
    put(p, "b\n");
    struct {
        const char *name, *target;
    } links[] = {
        {"in", "a.txt"},              /* stays inside */
        {"sub/up", "../a.txt"},       /* inside, through .. */
        {"out_rel", "../secret.txt"}, /* leaves by .. */
        {"out_abs", NULL},            /* absolute, to the secret */
        {"etc", "/etc/passwd"},       /* absolute */
        {"subdir", "sub"},            /* a directory inside */
        {"outdir", ".."},             /* the parent directory */
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(links); i++) {
        char l[600], t[600];
        snprintf(l, sizeof(l), "%s/%s", root, links[i].name);
        snprintf(t, sizeof(t), "%s/secret.txt", base);
        CHECK(symlink(links[i].target != NULL ? links[i].target : t, l) == 0);
    }
    int dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    CHECK(dirfd >= 0);
    int err;
    int (*const fns[2])(int, const char *, int) = {open_beneath, open_beneath_walk};
    for (int k = 0; k < 2; k++) {
        int (*fn)(int, const char *, int) = fns[k];
        /* allowed */
        CHECK(opens(fn, dirfd, "a.txt", &err));
        CHECK(opens(fn, dirfd, "sub/b.txt", &err));
        CHECK(opens(fn, dirfd, "sub//b.txt", &err));
        CHECK(opens(fn, dirfd, "", &err));
        CHECK(opens(fn, dirfd, "sub/", &err));
        /* refused: every way out */
        CHECK(!opens(fn, dirfd, "../secret.txt", &err));
        CHECK(!opens(fn, dirfd, "sub/../../secret.txt", &err));
        CHECK(!opens(fn, dirfd, "out_rel", &err) && err != ENOENT);
        CHECK(!opens(fn, dirfd, "out_abs", &err) && err != ENOENT);
        CHECK(!opens(fn, dirfd, "etc", &err) && err != ENOENT);
        CHECK(!opens(fn, dirfd, "outdir/secret.txt", &err) && err != ENOENT);
        CHECK(!opens(fn, dirfd, "/etc/passwd", &err)); /* the walk reads etc/passwd: a symlink */
        CHECK(!opens(fn, dirfd, "missing", &err) && err == ENOENT);
        CHECK(!opens(fn, dirfd, "a.txt/x", &err) && err == ENOTDIR);
    }
    /* symlinks that stay inside: followed by openat2, refused by the walk */
    int have_openat2 = opens(open_beneath, dirfd, "in", &err);
    if (have_openat2) {
        CHECK(opens(open_beneath, dirfd, "subdir/b.txt", &err));
        CHECK(opens(open_beneath, dirfd, "sub/up", &err));
    } else {
        printf("note: openat2 is not available here: open_beneath used the walk\n");
    }
    CHECK(!opens(open_beneath_walk, dirfd, "in", &err) && err == ELOOP);
    CHECK(!opens(open_beneath_walk, dirfd, "subdir/b.txt", &err));
    CHECK(!opens(open_beneath_walk, dirfd, "sub/up", &err));
    /* a component longer than NAME_MAX */
    char longname[400];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    CHECK(!opens(open_beneath_walk, dirfd, longname, &err) && err == ENAMETOOLONG);
    close(dirfd);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    test_cases();
    test_details();
    test_limits();
    test_phases();
    test_dates();
    test_ranges();
    test_paths();
    test_beneath();
    return TEST_END("cli_http_parser");
}
