/* fuzz/fuzz_http_parser.c - the --www request parser (tools/http_parser.c).
 * Input framing as fuzz_chunks.h: the byte stream is fed whole and in the
 * chunk sizes the header picks; both runs must agree on every request head,
 * the final status and the phase. Checked on every run: *used never passes
 * the input, a failure carries one of the statuses the parser may send, a
 * request head has a method, a target of the promised form and a bounded
 * Host. The first 200 bytes also go through http_parse_date,
 * http_parse_range (a satisfiable range lies inside the representation) and
 * http_decode_path (a path let through has no ".." segment). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_chunks.h"
#include "http_parser.h"

typedef struct {
    uint64_t digest; /* of the request heads, in order */
    int requests, status;
    http_phase phase;
} summary;

static void mix(uint64_t *d, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        *d = (*d ^ b[i]) * 0x100000001b3ull;
    }
}

static void check_request(const http_request *r)
{
    size_t m = strlen(r->method), t = strlen(r->target);
    if (m == 0 || m > HTTP_MAX_METHOD || t == 0 || t > HTTP_MAX_TARGET || strlen(r->host) > HTTP_MAX_HOST) {
        abort();
    }
    if ((r->form == HTTP_FORM_ORIGIN && r->target[0] != '/') ||
        (r->form == HTTP_FORM_ASTERISK && strcmp(r->target, "*") != 0) || r->minor < 0 || r->minor > 1 ||
        (r->chunked && r->content_length != 0)) {
        abort();
    }
}

static void run(const uint8_t *data, size_t size, const size_t *chunk, size_t k, summary *s)
{
    static http_parser p;
    http_limits lim;
    http_limits_default(&lim);
    lim.max_body = 4096; /* reachable by the fuzzer */
    lim.allow_chunked = (size & 1) == 0;
    http_parser_init(&p, &lim);
    memset(s, 0, sizeof(*s));
    s->digest = 0xcbf29ce484222325ull;
    size_t off = 0, ci = 0;
    while (off < size && s->status == 0) {
        size_t n = size - off;
        if (k > 0 && chunk[ci % k] > 0 && chunk[ci % k] < n) {
            n = chunk[ci % k];
        }
        ci++;
        const uint8_t *d = data + off;
        off += n;
        while (n > 0) {
            size_t used = 0;
            int r = http_parser_feed(&p, d, n, &used);
            if (r == HTTP_FAILED) {
                s->status = http_parser_status(&p);
                break;
            }
            if (used > n || (r == HTTP_MORE && used != n)) {
                abort();
            }
            if (r == HTTP_REQUEST) {
                check_request(&p.req);
                s->requests++;
                mix(&s->digest, &p.req, sizeof(p.req)); /* zeroed at each request's start */
            }
            d += used;
            n -= used;
        }
    }
    s->phase = http_parser_phase(&p);
    switch (s->status) {
    case 0:
    case 400:
    case 411:
    case 413:
    case 414:
    case 431:
    case 501:
    case 505:
        break;
    default:
        abort();
    }
    if ((s->status != 0) != (s->phase == HTTP_PHASE_FAILED)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t chunk[4], k;
    if (fuzz_chunks(&data, &size, chunk, &k) != 0) {
        return 0;
    }
    summary whole, split;
    run(data, size, NULL, 0, &whole);
    if (k > 0) {
        run(data, size, chunk, k, &split);
        if (memcmp(&whole, &split, sizeof(whole)) != 0) {
            abort();
        }
    }
    char text[201];
    size_t n = size < 200 ? size : 200;
    memcpy(text, data, n);
    text[n] = '\0';
    time_t t;
    (void)http_parse_date(text, &t);
    char path[64];
    int pr = http_decode_path(text, path, sizeof(path));
    size_t pl = pr == 0 ? strlen(path) : 0;
    if (pr == 0 && (path[0] != '/' || strstr(path, "/../") != NULL || strchr(path, '\\') != NULL ||
                    (pl >= 3 && strcmp(path + pl - 3, "/..") == 0))) {
        abort(); /* a path let through must hold no ".." segment (checked here on trusted output) */
    }
    uint64_t first = 0, last = 0, len = size;
    if (http_parse_range(text, len, &first, &last) == 1 && (first > last || last >= len)) {
        abort();
    }
    return 0;
}
