/* tools/server_http.c - the --www mode of `gmtls server`: HTTP/1.1 with
 * keep-alive and pipelining (requests parsed by http_parser.c), a status page
 * at / and static files opened race-free beneath --root (beneath.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "beneath.h"
#include "http_parser.h"
#include "server.h"
#include "tlsutil.h"

#define HTTP_FILE_CHUNK 16384
/* Stop producing responses (file data or the answers to pipelined requests)
 * while this much output is queued. */
#define HTTP_OUT_HIGH (256 * 1024)

struct srv_http {
    http_parser parser;
    uint8_t *held; /* input not parsed yet: pipelined requests behind a response */
    size_t held_len, held_off;
    int file_fd; /* file being sent, or -1 */
    off_t file_left;
    int close_after; /* close once the response is out */
    int pha_wait;    /* a --pha-path request waits for post-handshake authentication */
    int pha_head_only;
    size_t early_left; /* 0-RTT bytes given and not parsed yet (they come first) */
    int req_early;     /* the request being parsed has 0-RTT bytes */
    char peer[64];
};

srv_http *srv_http_new(void)
{
    srv_http *h = calloc(1, sizeof(*h));
    if (h != NULL) {
        http_limits lim;
        http_limits_default(&lim);
        http_parser_init(&h->parser, &lim);
        h->file_fd = -1;
    }
    return h;
}

void srv_http_free(srv_http *h)
{
    if (h != NULL) {
        if (h->file_fd >= 0) {
            close(h->file_fd);
        }
        free(h->held);
        free(h);
    }
}

void srv_http_set_peer(srv_http *h, const char *peer)
{
    snprintf(h->peer, sizeof(h->peer), "%s", peer);
}

int srv_http_busy(const srv_http *h)
{
    return http_parser_phase(&h->parser) != HTTP_PHASE_IDLE || h->file_fd >= 0 || h->held_len > h->held_off ||
           h->pha_wait;
}

int srv_http_pha_waiting(const srv_http *h)
{
    return h->pha_wait;
}

srv_http_phase_t srv_http_phase(const srv_http *h)
{
    /* a file being sent or pipelined requests held behind it: a response */
    if (h->file_fd >= 0 || h->held_len > h->held_off || h->pha_wait) {
        return SRV_HTTP_RESPONSE;
    }
    switch (http_parser_phase(&h->parser)) {
    case HTTP_PHASE_HEAD: return SRV_HTTP_HEADER;
    case HTTP_PHASE_BODY: return SRV_HTTP_BODY;
    case HTTP_PHASE_FAILED: return SRV_HTTP_RESPONSE; /* the error response is queued, then close */
    case HTTP_PHASE_IDLE: break;
    }
    return SRV_HTTP_IDLE;
}

int srv_http_sending(const srv_http *h)
{
    /* (requests held behind a --pha-path request wait for the client's
     * certificate, which the caller must keep reading) */
    return h->file_fd >= 0 || (h->held_len > h->held_off && !h->pha_wait);
}

int srv_http_wants_close(const srv_http *h)
{
    return h->close_after;
}

/* ---------------------------------------------------------------- output */

typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0) {
        sb_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
    }
}

static void sb_html(strbuf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '<':
            sb_add(b, "&lt;", 4);
            break;
        case '>':
            sb_add(b, "&gt;", 4);
            break;
        case '&':
            sb_add(b, "&amp;", 5);
            break;
        case '"':
            sb_add(b, "&quot;", 6);
            break;
        default:
            sb_add(b, s, 1);
            break;
        }
    }
}

static int send_bytes(gmtls_io *io, const void *p, size_t n)
{
    size_t w = 0;
    int r = gmtls_io_write(io, p, n, &w);
    return r == 0 || r == GMTLS_ERR_WANT_WRITE ? 0 : -1;
}

/* The status line and header fields of a response. content_length < 0: none
 * (304). extra: more header lines, each ending in CRLF, or NULL. */
static void put_head(const srv_http *h, strbuf *b, int status, const char *ctype, long long content_length,
                     const char *extra, const char *cache)
{
    char date[40];
    http_format_date(time(NULL), date, sizeof(date));
    /* RFC 9110 §6.6.1: an origin server with a clock MUST generate a Date header field in
     * 2xx, 3xx and 4xx responses */
    sb_printf(b, "HTTP/1.1 %d %s\r\nServer: gmtls\r\nDate: %s\r\n", status, http_reason(status), date);
    if (ctype != NULL) {
        sb_printf(b, "Content-Type: %s\r\n", ctype);
    }
    if (content_length >= 0) {
        sb_printf(b, "Content-Length: %lld\r\n", content_length);
    }
    if (extra != NULL) {
        sb_add(b, extra, strlen(extra));
    }
    sb_printf(b, "Cache-Control: %s\r\nConnection: %s\r\n\r\n", cache, h->close_after ? "close" : "keep-alive");
}

static int send_response(srv_http *h, gmtls_io *io, int status, const char *ctype, const char *extra, const char *body,
                         size_t body_len, int head_only)
{
    strbuf b = {0};
    put_head(h, &b, status, ctype, (long long)body_len, extra, "no-store");
    if (!head_only && body != NULL) {
        sb_add(&b, body, body_len);
    }
    int r = b.oom ? -1 : send_bytes(io, b.p, b.len);
    free(b.p);
    return r;
}

static int send_error_extra(srv_http *h, gmtls_io *io, int status, const char *extra, int head_only)
{
    char body[256];
    int n = snprintf(body, sizeof(body), "<!DOCTYPE html>\n<html><body><h1>%d %s</h1></body></html>\n", status,
                     http_reason(status));
    return send_response(h, io, status, "text/html; charset=utf-8", extra, body, (size_t)n, head_only);
}

static int send_error(srv_http *h, gmtls_io *io, int status, int head_only)
{
    return send_error_extra(h, io, status, NULL, head_only);
}

static int send_status_page(srv_http *h, gmtls_io *io, int head_only)
{
    const gmtls_conn *c = gmtls_io_conn(io);
    const char *alpn = gmtls_conn_alpn(c), *sni = gmtls_conn_server_name(c);
    const char *subj = gmtls_conn_peer_subject(c);
    strbuf b = {0};
    sb_printf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>gmtls</title></head><body>\n"
                  "<h1>gmtls server</h1>\n<table>\n");
    sb_printf(&b, "<tr><th>protocol</th><td>%s</td></tr>\n", tool_version_name(gmtls_conn_version(c)));
    sb_printf(&b, "<tr><th>cipher suite</th><td>%s</td></tr>\n", tool_suite_name(gmtls_conn_cipher_suite(c)));
    sb_printf(&b, "<tr><th>group</th><td>%s</td></tr>\n", tool_group_name(gmtls_conn_group(c)));
    sb_printf(&b, "<tr><th>signature scheme</th><td>%s</td></tr>\n", tool_sigalg_name(gmtls_conn_sigalg(c)));
    sb_add(&b, "<tr><th>ALPN</th><td>", 21);
    sb_html(&b, alpn != NULL ? alpn : "none");
    sb_add(&b, "</td></tr>\n<tr><th>server name</th><td>", 39);
    sb_html(&b, sni != NULL ? sni : "none");
    sb_printf(&b, "</td></tr>\n<tr><th>resumed</th><td>%s</td></tr>\n", gmtls_conn_is_resumed(c) ? "yes" : "no");
    char idbuf[600];
    sb_add(&b, "<tr><th>external PSK</th><td>", 29);
    sb_html(&b, tool_psk_identity(c, idbuf, sizeof idbuf));
    sb_add(&b, "</td></tr>\n", 11);
    /* RFC 8879: whether our Certificate went compressed, and how */
    char cc[64];
    sb_printf(&b, "<tr><th>certificate compression</th><td>%s</td></tr>\n", tool_cert_compression(c, 0, cc, sizeof cc));
    uint16_t rsl = gmtls_conn_peer_record_size_limit(c);
    if (rsl != 0) {
        sb_printf(&b, "<tr><th>record size limit</th><td>%u</td></tr>\n", rsl);
    } else {
        sb_printf(&b, "<tr><th>record size limit</th><td>none</td></tr>\n");
    }
    sb_add(&b, "<tr><th>client certificate</th><td>", 35);
    sb_html(&b, subj != NULL ? subj : "none");
    sb_add(&b, "</td></tr>\n<tr><th>client address</th><td>", 42);
    sb_html(&b, h->peer);
    sb_add(&b, "</td></tr>\n</table>\n</body></html>\n", 35);
    int r = b.oom ? -1 : send_response(h, io, 200, "text/html; charset=utf-8", NULL, b.p, b.len, head_only);
    free(b.p);
    return r;
}

/* ---------------------------------------------------------------- files */

/* --pha-path once the client answered the CertificateRequest: 200 with the
 * verified subject, or 403 saying why not. */
static int send_pha_page(srv_http *h, gmtls_io *io, int head_only)
{
    const gmtls_conn *c = gmtls_io_conn(io);
    const char *subj = gmtls_conn_peer_subject(c), *vr = gmtls_conn_verify_result(c);
    int ok = subj != NULL && vr != NULL && strcmp(vr, "ok") == 0;
    strbuf b = {0};
    sb_printf(&b, "<!DOCTYPE html>\n<html><body><h1>%s</h1>\n<p>post-handshake authentication: ",
              ok ? "client certificate" : "403 Forbidden");
    sb_html(&b, ok ? subj : vr != NULL ? vr : "no client certificate");
    sb_printf(&b, "</p></body></html>\n");
    int r = b.oom ? -1 : send_response(h, io, ok ? 200 : 403, "text/html; charset=utf-8", NULL, b.p, b.len, head_only);
    free(b.p);
    return r;
}

/* A request for --pha-path: the page at once when the client has answered
 * (or cannot be asked: it did not offer post_handshake_auth), else a
 * CertificateRequest and the page once the answer is in. */
static int pha_request(srv_http *h, gmtls_io *io, int head_only)
{
    gmtls_conn *c = gmtls_io_conn(io);
    if (gmtls_conn_pha_status(c) == GMTLS_PHA_DONE || !gmtls_conn_peer_offers_pha(c)) {
        return send_pha_page(h, io, head_only);
    }
    int r = gmtls_io_request_client_cert(io, GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN);
    if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
        return -1;
    }
    h->pha_wait = 1;
    h->pha_head_only = head_only;
    return 0;
}

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"},
        {"css", "text/css"},
        {"js", "text/javascript"},
        {"mjs", "text/javascript"},
        {"json", "application/json"},
        {"xml", "application/xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"svg", "image/svg+xml"},
        {"ico", "image/x-icon"},
        {"webp", "image/webp"},
        {"pdf", "application/pdf"},
        {"wasm", "application/wasm"},
        {"pem", "application/x-pem-file"},
        {"gz", "application/gzip"},
        {"zip", "application/zip"},
    };
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash != NULL ? slash : path, '.');
    if (dot != NULL) {
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
            if (strcasecmp(dot + 1, types[i].ext) == 0) {
                return types[i].type;
            }
        }
    }
    return "application/octet-stream";
}

/* Sends the head of a file response and arranges for [first, first+count)
 * of fd to follow (nothing for HEAD). Takes fd. */
static int start_file(srv_http *h, gmtls_io *io, int fd, int status, const char *ctype, off_t first, off_t count,
                      const char *extra, int head_only)
{
    strbuf b = {0};
    put_head(h, &b, status, ctype, (long long)count, extra, "no-cache");
    int r = b.oom ? -1 : send_bytes(io, b.p, b.len);
    free(b.p);
    if (r != 0 || head_only || count == 0) {
        close(fd);
        return r;
    }
    if (first > 0 && lseek(fd, first, SEEK_SET) != first) {
        /* the head is out: the promised body cannot follow, end the connection */
        close(fd);
        h->close_after = 1;
        return 0;
    }
    h->file_fd = fd;
    h->file_left = count;
    return 0;
}

/* 1 when the request's validators say the client's copy is current (304). */
static int not_modified(const http_request *req, const struct stat *sb)
{
    /* RFC 9110 §13.2.2: If-None-Match is evaluated before If-Modified-Since; this server sends
     * no entity tags, so only "*" (any current representation) matches */
    if (req->if_none_match[0] != '\0') {
        return strcmp(req->if_none_match, "*") == 0;
    }
    /* RFC 9110 §13.1.3: the condition is false (304) when the selected representation's last
     * modification date is earlier or equal to the date provided in the field value */
    time_t ims;
    return req->if_modified_since[0] != '\0' && http_parse_date(req->if_modified_since, &ims) == 0 &&
           sb->st_mtime <= ims;
}

static int serve_file(srv_http *h, gmtls_io *io, const srv_settings *st, const http_request *req, int head_only)
{
    char path[HTTP_MAX_TARGET + 16];
    int dec = http_decode_path(req->target, path, sizeof(path));
    if (dec < 0) {
        return send_error(h, io, 400, head_only);
    }
    if (dec > 0) {
        return send_error(h, io, 403, head_only); /* a ".." segment or a backslash */
    }
    int dirfd = open(st->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        srv_log("--root %s: %s (is the directory still there?)", st->root, strerror(errno));
        return send_error(h, io, 500, head_only);
    }
    const char *rel = path;
    while (*rel == '/') {
        rel++;
    }
    /* O_NONBLOCK: a FIFO under the root must not block the worker at open */
    const int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    int fd = open_beneath(dirfd, rel, oflags);
    const char *name = path; /* what the content type is taken from */
    struct stat sb;
    int err = errno;
    if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(fd);
        fd = -1;
        size_t plen = strlen(path);
        if (path[plen - 1] != '/') {
            /* a directory is addressed with a trailing slash, so that relative links in its
             * index resolve beneath it: 301 to the same target plus "/" */
            char loc[HTTP_MAX_TARGET + 32];
            const char *q = strchr(req->target, '?');
            size_t n = q != NULL ? (size_t)(q - req->target) : strlen(req->target);
            snprintf(loc, sizeof(loc), "Location: %.*s/%s\r\n", (int)n, req->target, q != NULL ? q : "");
            close(dirfd);
            return send_error_extra(h, io, 301, loc, head_only);
        }
        char index[HTTP_MAX_TARGET + 32];
        snprintf(index, sizeof(index), "%sindex.html", rel);
        fd = open_beneath(dirfd, index, oflags);
        name = "index.html";
        err = errno;
        if (fd < 0 && err == ENOENT && strcmp(path, "/") == 0) {
            close(dirfd);
            return send_status_page(h, io, head_only);
        }
    }
    close(dirfd);
    if (fd < 0) {
        /* EXDEV, ELOOP: the path leads out of the root (or through a symlink the fallback walk
         * refuses); EACCES, EPERM: not readable */
        int nf = err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG;
        return send_error(h, io, nf ? 404 : 403, head_only);
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return send_error(h, io, 404, head_only);
    }
    char lm[40], extra[192];
    http_format_date(sb.st_mtime, lm, sizeof(lm));
    const char *ctype = content_type(name);
    if (not_modified(req, &sb)) {
        close(fd);
        /* RFC 9110 §15.4.5: a 304 has no content; Content-Length is left out */
        snprintf(extra, sizeof(extra), "Last-Modified: %s\r\n", lm);
        strbuf b = {0};
        put_head(h, &b, 304, NULL, -1, extra, "no-cache");
        int r = b.oom ? -1 : send_bytes(io, b.p, b.len);
        free(b.p);
        return r;
    }
    uint64_t size = (uint64_t)sb.st_size, first = 0, last = 0;
    /* RFC 9110 §14.2: GET is the only method for which range handling is defined; RFC 9110
     * §13.1.5: without a matching strong validator the Range field is ignored (If-Range) */
    int rr = !head_only && req->range[0] != '\0' && !req->has_if_range
                 ? http_parse_range(req->range, size, &first, &last)
                 : 0;
    if (rr < 0) {
        close(fd);
        /* RFC 9110 §15.5.17: a 416 to a byte-range request SHOULD send Content-Range: bytes star/len */
        snprintf(extra, sizeof(extra), "Content-Range: bytes */%llu\r\n", (unsigned long long)size);
        return send_error_extra(h, io, 416, extra, head_only);
    }
    if (rr > 0) {
        snprintf(extra, sizeof(extra),
                 "Last-Modified: %s\r\nAccept-Ranges: bytes\r\nContent-Range: bytes %llu-%llu/%llu\r\n", lm,
                 (unsigned long long)first, (unsigned long long)last, (unsigned long long)size);
        return start_file(h, io, fd, 206, ctype, (off_t)first, (off_t)(last - first + 1), extra, head_only);
    }
    snprintf(extra, sizeof(extra), "Last-Modified: %s\r\nAccept-Ranges: bytes\r\n", lm);
    return start_file(h, io, fd, 200, ctype, 0, (off_t)size, extra, head_only);
}

/* ---------------------------------------------------------------- requests */

/* Answers the request head the parser just completed. */
static int handle_request(srv_http *h, gmtls_io *io, const srv_settings *st)
{
    const http_request *req = &h->parser.req;
    int early = h->req_early;
    h->req_early = 0;
    if (!req->keep_alive) {
        h->close_after = 1;
    }
    int head_only = strcmp(req->method, "HEAD") == 0;
    if (st->verbose) {
        srv_log("%s %s %s HTTP/1.%d%s", h->peer, req->method, req->target, req->minor, early ? " early=1" : "");
    }
    /* RFC 8470 §5.2: "A server MUST ensure that any instance of it (or any
     * intermediary) that accepts early data ... either processes the request
     * and completes the response or responds with 425 (Too Early)"; §3 lets
     * it answer early only what is safe to replay: GET and HEAD here. */
    if (early && strcmp(req->method, "GET") != 0 && !head_only) {
        return send_error(h, io, 425, 0);
    }
    if (strcmp(req->method, "GET") != 0 && !head_only) {
        /* RFC 9110 §15.5.6: the origin server MUST generate an Allow header field in a 405 */
        return send_error_extra(h, io, 405, "Allow: GET, HEAD\r\n", 0);
    }
    if (st->pha && st->pha_path != NULL && strcmp(req->target, st->pha_path) == 0) {
        return pha_request(h, io, head_only);
    }
    if (st->root == NULL) {
        if (strcmp(req->target, "/") == 0 || strncmp(req->target, "/?", 2) == 0) {
            return send_status_page(h, io, head_only);
        }
        return send_error(h, io, 404, head_only);
    }
    return serve_file(h, io, st, req, head_only);
}

/* Parses and answers requests in data until it is used up, a file response
 * starts (pipelined requests wait behind it) or output piles up. *used: the
 * bytes consumed. 0, or -1 when sending failed. */
static int process(srv_http *h, gmtls_io *io, const srv_settings *st, const uint8_t *data, size_t len, size_t *used)
{
    *used = 0;
    while (*used < len && !h->close_after && h->file_fd < 0 && !h->pha_wait &&
           gmtls_io_pending_output(io) < HTTP_OUT_HIGH) {
        size_t n = 0, e = h->early_left;
        int r = http_parser_feed(&h->parser, data + *used, len - *used, &n);
        *used += n;
        if (e > 0 && n > 0) {
            h->req_early = 1;
            h->early_left -= n < e ? n : e;
        }
        if (r == HTTP_FAILED) {
            h->close_after = 1;
            *used = len;
            if (st->verbose) {
                srv_log("%s bad request: %d %s", h->peer, http_parser_status(&h->parser), http_parser_why(&h->parser));
            }
            return send_error(h, io, http_parser_status(&h->parser), 0);
        }
        if (r == HTTP_REQUEST && handle_request(h, io, st) != 0) {
            return -1;
        }
    }
    if (h->close_after) {
        *used = len; /* the connection is ending: pipelined leftovers are dropped */
    }
    return 0;
}

/* Works on the held input (pipelined requests). Same results as process. */
static int process_held(srv_http *h, gmtls_io *io, const srv_settings *st)
{
    if (h->held_off < h->held_len) {
        size_t used = 0;
        if (process(h, io, st, h->held + h->held_off, h->held_len - h->held_off, &used) != 0) {
            return -1;
        }
        h->held_off += used;
    }
    if (h->held_off >= h->held_len) {
        free(h->held);
        h->held = NULL;
        h->held_len = h->held_off = 0;
    }
    return 0;
}

int srv_http_resume(srv_http *h, gmtls_io *io, const srv_settings *st)
{
    uint8_t buf[HTTP_FILE_CHUNK];
    if (h->pha_wait) {
        if (gmtls_conn_pha_status(gmtls_io_conn(io)) == GMTLS_PHA_PENDING) {
            return 0;
        }
        h->pha_wait = 0;
        if (send_pha_page(h, io, h->pha_head_only) != 0) {
            return -1;
        }
    }
    while (h->file_fd >= 0 && gmtls_io_pending_output(io) < HTTP_OUT_HIGH) {
        size_t want = h->file_left < (off_t)sizeof(buf) ? (size_t)h->file_left : sizeof(buf);
        ssize_t n = read(h->file_fd, buf, want);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            /* the file shrank under us: the promised length cannot be met */
            close(h->file_fd);
            h->file_fd = -1;
            h->close_after = 1;
            break;
        }
        if (send_bytes(io, buf, (size_t)n) != 0) {
            return -1;
        }
        h->file_left -= n;
        if (h->file_left == 0) {
            close(h->file_fd);
            h->file_fd = -1;
        }
    }
    if (h->file_fd < 0 && !h->pha_wait && process_held(h, io, st) != 0) {
        return -1;
    }
    return h->close_after && !srv_http_sending(h) ? 1 : 0;
}

int srv_http_input(srv_http *h, gmtls_io *io, const srv_settings *st, const uint8_t *data, size_t len, int early)
{
    if (early) {
        h->early_left += len;
    }
    if (h->close_after) {
        return 1; /* the connection is ending: ignore pipelined leftovers */
    }
    if (srv_http_sending(h) || h->pha_wait) {
        /* the caller stops reading while a response is produced; should more come anyway, it
         * waits behind the rest (bounded by what the caller reads before it stops) */
        uint8_t *p = realloc(h->held, h->held_len + len);
        if (p == NULL) {
            return -1;
        }
        memcpy(p + h->held_len, data, len);
        h->held = p;
        h->held_len += len;
        return 0;
    }
    size_t used = 0;
    if (process(h, io, st, data, len, &used) != 0) {
        return -1;
    }
    if (used < len) {
        h->held = malloc(len - used);
        if (h->held == NULL) {
            return -1;
        }
        memcpy(h->held, data + used, len - used);
        h->held_len = len - used;
        h->held_off = 0;
    }
    return h->close_after && !srv_http_sending(h) ? 1 : 0;
}
