/* tools/server_http.c - the --www mode of `gmtls server`: HTTP/1.1 with
 * keep-alive, a status page at / and static files under --root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"
#include "tlsutil.h"

#define HTTP_MAX_HEADER 16384
#define HTTP_FILE_CHUNK 16384
/* Stop producing file data while this much output is queued. */
#define HTTP_OUT_HIGH (256 * 1024)

struct srv_http {
    char req[HTTP_MAX_HEADER];
    size_t req_len;
    size_t skip_body;     /* request body bytes still to discard */
    int file_fd;          /* file being sent, or -1 */
    off_t file_left;
    int close_after;      /* close once the response is out */
    char peer[64];
};

srv_http *srv_http_new(void)
{
    srv_http *h = calloc(1, sizeof(*h));
    if (h != NULL) {
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
        free(h);
    }
}

void srv_http_set_peer(srv_http *h, const char *peer)
{
    snprintf(h->peer, sizeof(h->peer), "%s", peer);
}

int srv_http_busy(const srv_http *h)
{
    return h->req_len > 0 || h->skip_body > 0 || h->file_fd >= 0;
}

srv_http_phase_t srv_http_phase(const srv_http *h)
{
    if (h->file_fd >= 0) {
        return SRV_HTTP_RESPONSE;
    }
    if (h->skip_body > 0) {
        return SRV_HTTP_BODY;
    }
    return h->req_len > 0 ? SRV_HTTP_HEADER : SRV_HTTP_IDLE;
}

int srv_http_sending(const srv_http *h)
{
    return h->file_fd >= 0;
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
        case '<': sb_add(b, "&lt;", 4); break;
        case '>': sb_add(b, "&gt;", 4); break;
        case '&': sb_add(b, "&amp;", 5); break;
        case '"': sb_add(b, "&quot;", 6); break;
        default: sb_add(b, s, 1); break;
        }
    }
}

static int send_bytes(gmtls_io *io, const void *p, size_t n)
{
    size_t w = 0;
    int r = gmtls_io_write(io, p, n, &w);
    return r == 0 || r == GMTLS_ERR_WANT_WRITE ? 0 : -1;
}

static int send_response(srv_http *h, gmtls_io *io, int status, const char *reason, const char *ctype,
                         const char *body, size_t body_len, int head_only)
{
    strbuf b = {0};
    sb_printf(&b,
              "HTTP/1.1 %d %s\r\nServer: gmtls\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "Cache-Control: no-store\r\nConnection: %s\r\n\r\n",
              status, reason, ctype, body_len, h->close_after ? "close" : "keep-alive");
    if (!head_only && body != NULL) {
        sb_add(&b, body, body_len);
    }
    int r = b.oom ? -1 : send_bytes(io, b.p, b.len);
    free(b.p);
    return r;
}

static int send_error(srv_http *h, gmtls_io *io, int status, const char *reason, int head_only)
{
    char body[256];
    int n = snprintf(body, sizeof(body), "<!DOCTYPE html>\n<html><body><h1>%d %s</h1></body></html>\n", status,
                     reason);
    return send_response(h, io, status, reason, "text/html; charset=utf-8", body, (size_t)n, head_only);
}

static int send_status_page(srv_http *h, gmtls_io *io, int head_only)
{
    const gmtls_conn *c = gmtls_io_conn(io);
    const char *alpn = gmtls_conn_alpn(c), *sni = gmtls_conn_server_name(c);
    const char *subj = gmtls_conn_peer_subject(c);
    strbuf b = {0};
    sb_printf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>gmtls</title></head><body>\n"
                  "<h1>gmtls server</h1>\n<table>\n");
    sb_printf(&b, "<tr><th>protocol</th><td>%s</td></tr>\n",
              gmtls_conn_version(c) == 0x0304 ? "TLSv1.3" : "unknown");
    sb_printf(&b, "<tr><th>cipher suite</th><td>%s</td></tr>\n", tool_suite_name(gmtls_conn_cipher_suite(c)));
    sb_printf(&b, "<tr><th>group</th><td>%s</td></tr>\n", tool_group_name(gmtls_conn_group(c)));
    sb_printf(&b, "<tr><th>signature scheme</th><td>%s</td></tr>\n", tool_sigalg_name(gmtls_conn_sigalg(c)));
    sb_add(&b, "<tr><th>ALPN</th><td>", 21);
    sb_html(&b, alpn != NULL ? alpn : "none");
    sb_add(&b, "</td></tr>\n<tr><th>server name</th><td>", 39);
    sb_html(&b, sni != NULL ? sni : "none");
    sb_printf(&b, "</td></tr>\n<tr><th>resumed</th><td>%s</td></tr>\n", gmtls_conn_is_resumed(c) ? "yes" : "no");
    sb_add(&b, "<tr><th>client certificate</th><td>", 35);
    sb_html(&b, subj != NULL ? subj : "none");
    sb_add(&b, "</td></tr>\n<tr><th>client address</th><td>", 42);
    sb_html(&b, h->peer);
    sb_add(&b, "</td></tr>\n</table>\n</body></html>\n", 35);
    int r = b.oom ? -1 : send_response(h, io, 200, "OK", "text/html; charset=utf-8", b.p, b.len, head_only);
    free(b.p);
    return r;
}

/* ---------------------------------------------------------------- files */

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"}, {"css", "text/css"},
        {"js", "text/javascript"},            {"mjs", "text/javascript"},
        {"json", "application/json"},         {"xml", "application/xml"},
        {"png", "image/png"},                 {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},               {"gif", "image/gif"},
        {"svg", "image/svg+xml"},             {"ico", "image/x-icon"},
        {"webp", "image/webp"},               {"pdf", "application/pdf"},
        {"wasm", "application/wasm"},         {"pem", "application/x-pem-file"},
        {"gz", "application/gzip"},           {"zip", "application/zip"},
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

static int hexv(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes the path part of a target; -1 when malformed. */
static int decode_path(const char *target, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = target; *p != '\0' && *p != '?' && *p != '#'; p++) {
        int c = (unsigned char)*p;
        if (c == '%') {
            int hi = hexv((unsigned char)p[1]), lo = hi >= 0 ? hexv((unsigned char)p[2]) : -1;
            if (lo < 0) {
                return -1;
            }
            c = hi << 4 | lo;
            p += 2;
        }
        if (c == 0 || o + 1 >= outlen) {
            return -1;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* 1 if any segment of path is "..". */
static int has_dotdot(const char *path)
{
    for (const char *p = path; *p != '\0';) {
        const char *e = strchr(p, '/');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            return 1;
        }
        p += n;
        while (*p == '/') {
            p++;
        }
    }
    return 0;
}

static int serve_file(srv_http *h, gmtls_io *io, const srv_settings *st, const char *target, int head_only)
{
    char path[PATH_MAX], full[PATH_MAX * 2], real[PATH_MAX];
    if (decode_path(target, path, sizeof(path)) != 0 || path[0] != '/') {
        return send_error(h, io, 400, "Bad Request", head_only);
    }
    if (has_dotdot(path) || strchr(path, '\\') != NULL) {
        return send_error(h, io, 403, "Forbidden", head_only);
    }
    snprintf(full, sizeof(full), "%s%s", st->root, path);
    struct stat sb;
    if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        size_t n = strlen(full);
        snprintf(full + n, sizeof(full) - n, "%sindex.html", full[n - 1] == '/' ? "" : "/");
    }
    if (realpath(full, real) == NULL) {
        if (errno == ENOENT || errno == ENOTDIR) {
            if (strcmp(path, "/") == 0) {
                return send_status_page(h, io, head_only);
            }
            return send_error(h, io, 404, "Not Found", head_only);
        }
        return send_error(h, io, 403, "Forbidden", head_only);
    }
    size_t rl = strlen(st->root);
    /* symlinks must not lead out of the root */
    if (strncmp(real, st->root, rl) != 0 || (real[rl] != '/' && !(rl == 1 && st->root[0] == '/'))) {
        return send_error(h, io, 403, "Forbidden", head_only);
    }
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return send_error(h, io, errno == ENOENT ? 404 : 403, errno == ENOENT ? "Not Found" : "Forbidden",
                          head_only);
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return send_error(h, io, 404, "Not Found", head_only);
    }
    if (send_response(h, io, 200, "OK", content_type(real), NULL, (size_t)sb.st_size, 1) != 0) {
        close(fd);
        return -1;
    }
    if (head_only || sb.st_size == 0) {
        close(fd);
        return 0;
    }
    h->file_fd = fd;
    h->file_left = sb.st_size;
    return srv_http_resume(h, io, st) < 0 ? -1 : 0;
}

int srv_http_resume(srv_http *h, gmtls_io *io, const srv_settings *st)
{
    (void)st;
    uint8_t buf[HTTP_FILE_CHUNK];
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
            return 1;
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
    return h->close_after && h->file_fd < 0 ? 1 : 0;
}

/* ---------------------------------------------------------------- requests */

/* Case-insensitive header lookup in the header block (after the request
 * line); copies the trimmed value. 1 if found. */
static int find_header(const char *hdrs, const char *name, char *val, size_t vlen)
{
    size_t nl = strlen(name);
    for (const char *line = hdrs; line != NULL && *line != '\0';) {
        const char *eol = strstr(line, "\r\n");
        size_t ll = eol != NULL ? (size_t)(eol - line) : strlen(line);
        if (ll > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            const char *end = line + ll;
            while (v < end && (*v == ' ' || *v == '\t')) {
                v++;
            }
            while (end > v && (end[-1] == ' ' || end[-1] == '\t')) {
                end--;
            }
            size_t n = (size_t)(end - v) < vlen - 1 ? (size_t)(end - v) : vlen - 1;
            memcpy(val, v, n);
            val[n] = '\0';
            return 1;
        }
        line = eol != NULL ? eol + 2 : NULL;
    }
    return 0;
}

static int valid_token(const char *s)
{
    if (*s == '\0') {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if (*s <= ' ' || *s >= 127) {
            return 0;
        }
    }
    return 1;
}

/* Handles the complete request in h->req (NUL-terminated header block). */
static int handle_request(srv_http *h, gmtls_io *io, const srv_settings *st)
{
    char method[16], target[4096], version[16];
    char *eol = strstr(h->req, "\r\n");
    if (eol == NULL) {
        h->close_after = 1;
        return send_error(h, io, 400, "Bad Request", 0);
    }
    *eol = '\0';
    const char *hdrs = eol + 2;
    char extra;
    if (strlen(h->req) >= sizeof(target) ||
        sscanf(h->req, "%15s %4095s %15s %c", method, target, version, &extra) != 3 || !valid_token(method) ||
        strncmp(version, "HTTP/1.", 7) != 0 || (version[7] != '0' && version[7] != '1') || version[8] != '\0') {
        h->close_after = 1;
        return send_error(h, io, 400, "Bad Request", 0);
    }
    int is_11 = version[7] == '1';
    char val[256];
    if (find_header(hdrs, "Connection", val, sizeof(val))) {
        if (strcasestr(val, "close") != NULL) {
            h->close_after = 1;
        } else if (strcasestr(val, "keep-alive") != NULL) {
            is_11 = 1;
        }
    }
    if (!is_11) {
        h->close_after = 1;
    }
    if (version[7] == '1' && !find_header(hdrs, "Host", val, sizeof(val))) {
        h->close_after = 1;
        return send_error(h, io, 400, "Bad Request", 0);
    }
    if (find_header(hdrs, "Transfer-Encoding", val, sizeof(val))) {
        h->close_after = 1;
        return send_error(h, io, 501, "Not Implemented", 0);
    }
    if (find_header(hdrs, "Content-Length", val, sizeof(val))) {
        char *end = NULL;
        unsigned long long n = strtoull(val, &end, 10);
        if (val[0] < '0' || val[0] > '9' || *end != '\0' || n > (1ull << 30)) {
            h->close_after = 1;
            return send_error(h, io, 400, "Bad Request", 0);
        }
        h->skip_body = (size_t)n;
    }
    int head_only = strcmp(method, "HEAD") == 0;
    if (strcmp(method, "GET") != 0 && !head_only) {
        return send_error(h, io, 405, "Method Not Allowed", 0);
    }
    if (target[0] != '/') {
        return send_error(h, io, 400, "Bad Request", head_only);
    }
    if (st->verbose) {
        srv_log("%s %s %s", h->peer, method, target);
    }
    if (st->root == NULL) {
        if (strcmp(target, "/") == 0 || strncmp(target, "/?", 2) == 0) {
            return send_status_page(h, io, head_only);
        }
        return send_error(h, io, 404, "Not Found", head_only);
    }
    return serve_file(h, io, st, target, head_only);
}

int srv_http_input(srv_http *h, gmtls_io *io, const srv_settings *st, const uint8_t *data, size_t len)
{
    while (len > 0) {
        if (h->close_after) {
            /* the connection is ending: ignore pipelined leftovers */
            return 1;
        }
        if (h->skip_body > 0) {
            size_t n = len < h->skip_body ? len : h->skip_body;
            h->skip_body -= n;
            data += n;
            len -= n;
            continue;
        }
        size_t room = sizeof(h->req) - 1 - h->req_len;
        size_t n = len < room ? len : room;
        memcpy(h->req + h->req_len, data, n);
        size_t scan_from = h->req_len >= 3 ? h->req_len - 3 : 0;
        h->req_len += n;
        h->req[h->req_len] = '\0';
        char *end = strstr(h->req + scan_from, "\r\n\r\n");
        if (end == NULL) {
            if (memchr(h->req, '\0', h->req_len) != NULL) {
                h->close_after = 1;
                h->req_len = 0;
                return send_error(h, io, 400, "Bad Request", 0) != 0 ? -1 : 1;
            }
            if (h->req_len == sizeof(h->req) - 1) {
                h->close_after = 1;
                h->req_len = 0;
                return send_error(h, io, 431, "Request Header Fields Too Large", 0) != 0 ? -1 : 1;
            }
            return 0;
        }
        size_t used = (size_t)(end + 4 - h->req) - (h->req_len - n);
        end[2] = '\0';
        int r = h->file_fd >= 0 ? 0 : handle_request(h, io, st);
        h->req_len = 0;
        if (r != 0) {
            return -1;
        }
        data += used;
        len -= used;
        if (h->file_fd >= 0 && len > 0) {
            /* pipelined request behind a file: not supported, finish the file */
            h->close_after = 1;
        }
    }
    return h->close_after && h->file_fd < 0 ? 1 : 0;
}
