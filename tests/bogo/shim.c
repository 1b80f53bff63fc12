/*
 * tests/bogo/shim.c - the BoGo shim: runs gmtls under BoringSSL's TLS test
 * runner (ssl/test/runner; see tests/bogo/bogo.sh and docs/TESTING.md).
 *
 * Uses only the public API (gmtls.h, linked against the shared library).
 * The runner's protocol (bogo/ssl/test/PORTING.md, bssl_shim.cc):
 *   - "-is-handshaker-supported" alone: print "No", exit 0;
 *   - otherwise one process per test, always a TCP client of the runner on
 *     loopback -port (IPv6 with -ipv6), which first sends -shim-id as a
 *     64-bit little-endian integer and then speaks TLS as client or (with
 *     -server) server; -resume-count N means N more connections, each
 *     resuming the session of the one before (the server keeps its config,
 *     so its ticket keys);
 *   - after the handshake: optional exporter output, optional "hello"
 *     (-shim-writes-first), then echo every read chunk with each byte XOR
 *     0xff until the runner closes; then close_notify;
 *   - exit 0 on success with nothing on stderr; 1 with the error on stderr;
 *     89 for a flag or feature gmtls does not have (the runner reports the
 *     test "unimplemented", not failed).
 * Flags may carry the prefixes -on-initial / -on-resume (one connection
 * only), -on-retry (0-RTT retry, which gmtls never does: ignored) and
 * -on-shim (applies) / -on-handshaker (ignored).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmtls.h>

#define EXIT_UNIMPLEMENTED 89
#define MAX_LIST 64

/* The settings of one connection (initial or resumption), as in
 * test_config.h's TestConfig: only the fields gmtls can honour. */
typedef struct {
    int min_version, max_version, expect_version;
    int expect_hrr, expect_no_hrr, expect_session_miss, expect_no_session;
    int shim_writes_first, shim_shuts_down, check_close_notify;
    int verify_peer, verify_fail, custom_verify, require_any_client_cert;
    int export_keying_material, use_export_context;
    const char *export_label, *export_context;
    int key_update, send_alert, no_ticket, no_op_extra_handshake;
    int no_tls12, no_tls13;
    int enable_early_data, expect_reject_early_data;
    int read_size;
    int expect_curve_id, expect_peer_sigalg, expect_cipher, expect_cipher_aes, expect_cipher_no_aes;
    const char *host_name, *expect_server_name;
    const char *advertise_alpn, *select_alpn, *expect_alpn, *expect_advertised_alpn;
    const char *expect_peer_cert_file;
    const char *ocsp_response, *expect_ocsp_response, *scts, *expect_scts;
    int enable_ocsp_stapling, enable_scts, decline_ocsp;
    const char *ticket_key;
    int curves[MAX_LIST], ncurves;
    int signing_prefs[MAX_LIST], nsigning;
    int verify_prefs[MAX_LIST], nverify;
} conn_settings;

/* Global settings (the same for every connection). */
static int g_port, g_ipv6, g_is_server, g_resume_count;
static unsigned long long g_shim_id;
static const char *g_key_file, *g_cert_file;
/* The server's ticket key for all connections of the process (random). */
static uint8_t g_ticket_key[48];

/* Exits with 89. With BOGO_SHIM_UNIMPLEMENTED_LOG set (bogo.sh sets it),
 * the reason is appended to that file, for the summary of what is missing. */
static void die_unimplemented(const char *fmt, ...)
{
    va_list ap;
    const char *log = getenv("BOGO_SHIM_UNIMPLEMENTED_LOG");
    FILE *f = log != NULL ? fopen(log, "a") : NULL;
    va_start(ap, fmt);
    fprintf(stderr, "unimplemented: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (f != NULL) {
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        fprintf(f, "\n");
        va_end(ap);
        fclose(f);
    }
    exit(EXIT_UNIMPLEMENTED);
}

static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 0;
}

/* ---------------------------------------------------------------- flags */

enum { F_BOOL, F_INT, F_STR, F_INTLIST, F_IGNORE_BOOL, F_IGNORE_ARG };

typedef struct {
    const char *name;
    int kind;
    size_t off; /* offset in conn_settings (F_BOOL/F_INT/F_STR/F_INTLIST) */
    size_t count_off;
} flag_def;

#define B(n, f)                                                                                                        \
    {                                                                                                                  \
        n, F_BOOL, offsetof(conn_settings, f), 0                                                                       \
    }
#define I(n, f)                                                                                                        \
    {                                                                                                                  \
        n, F_INT, offsetof(conn_settings, f), 0                                                                        \
    }
#define S(n, f)                                                                                                        \
    {                                                                                                                  \
        n, F_STR, offsetof(conn_settings, f), 0                                                                        \
    }
#define L(n, f, c)                                                                                                     \
    {                                                                                                                  \
        n, F_INTLIST, offsetof(conn_settings, f), offsetof(conn_settings, c)                                           \
    }

static const flag_def g_flags[] = {
    I("-min-version", min_version),
    I("-max-version", max_version),
    I("-expect-version", expect_version),
    B("-expect-hrr", expect_hrr),
    B("-expect-no-hrr", expect_no_hrr),
    B("-expect-session-miss", expect_session_miss),
    B("-expect-no-session", expect_no_session),
    B("-shim-writes-first", shim_writes_first),
    B("-shim-shuts-down", shim_shuts_down),
    B("-check-close-notify", check_close_notify),
    B("-verify-peer", verify_peer),
    B("-verify-fail", verify_fail),
    B("-require-any-client-certificate", require_any_client_cert),
    I("-export-keying-material", export_keying_material),
    B("-use-export-context", use_export_context),
    S("-export-label", export_label),
    S("-export-context", export_context),
    B("-key-update", key_update),
    B("-send-alert", send_alert),
    B("-no-op-extra-handshake", no_op_extra_handshake),
    B("-no-ticket", no_ticket),
    B("-no-tls12", no_tls12),
    B("-no-tls13", no_tls13),
    B("-enable-early-data", enable_early_data),
    B("-expect-reject-early-data", expect_reject_early_data),
    I("-read-size", read_size),
    I("-expect-curve-id", expect_curve_id),
    I("-expect-peer-signature-algorithm", expect_peer_sigalg),
    I("-expect-cipher", expect_cipher),
    I("-expect-cipher-aes", expect_cipher_aes),
    I("-expect-cipher-no-aes", expect_cipher_no_aes),
    S("-host-name", host_name),
    S("-expect-server-name", expect_server_name),
    S("-advertise-alpn", advertise_alpn),
    S("-select-alpn", select_alpn),
    S("-expect-alpn", expect_alpn),
    S("-expect-advertised-alpn", expect_advertised_alpn),
    S("-expect-peer-cert-file", expect_peer_cert_file),
    S("-ocsp-response", ocsp_response),
    S("-expect-ocsp-response", expect_ocsp_response),
    S("-signed-cert-timestamps", scts),
    S("-expect-signed-cert-timestamps", expect_scts),
    B("-enable-ocsp-stapling", enable_ocsp_stapling),
    B("-decline-ocsp-callback", decline_ocsp),
    B("-enable-signed-cert-timestamps", enable_scts),
    S("-ticket-key", ticket_key),
    L("-curves", curves, ncurves),
    L("-signing-prefs", signing_prefs, nsigning),
    L("-verify-prefs", verify_prefs, nverify),
    /* No effect on a TLS 1.3-only stack driven through blocking sockets:
     * -async only changes BoringSSL's BIO (every read and write may return
     * WANT_*), -implicit-handshake lets SSL_read/SSL_write start the
     * handshake, -peek-then-read peeks before reading; the no-tls1x flags
     * below 1.2 turn off versions gmtls does not have; the renegotiation modes only
     * concern TLS 1.2; -server-preference is what a gmtls server always does;
     * the early and DDoS callbacks are BoringSSL hooks that accept; the
     * verify callback is always on_verify (-use-custom-verify-callback only
     * chooses its alert);
     * the old client certificate callback hands over the same certificate;
     * a gmtls client never offers early data; a gmtls server without -select-alpn
     * declines ALPN. */
    /* always true: gmtls requires the extended master secret in TLS 1.2
     * (RFC 7627), and TLS 1.3 binds the transcript by construction */
    {"-expect-extended-master-secret", F_IGNORE_BOOL, 0, 0},
    {"-async", F_IGNORE_BOOL, 0, 0},
    {"-implicit-handshake", F_IGNORE_BOOL, 0, 0},
    {"-peek-then-read", F_IGNORE_BOOL, 0, 0},
    {"-no-tls11", F_IGNORE_BOOL, 0, 0},
    {"-no-tls1", F_IGNORE_BOOL, 0, 0},
    {"-renegotiate-freely", F_IGNORE_BOOL, 0, 0},
    {"-renegotiate-once", F_IGNORE_BOOL, 0, 0},
    {"-renegotiate-ignore", F_IGNORE_BOOL, 0, 0},
    {"-renegotiate-explicit", F_IGNORE_BOOL, 0, 0},
    {"-forbid-renegotiation-after-handshake", F_IGNORE_BOOL, 0, 0},
    {"-server-preference", F_IGNORE_BOOL, 0, 0},
    {"-use-early-callback", F_IGNORE_BOOL, 0, 0},
    {"-install-ddos-callback", F_IGNORE_BOOL, 0, 0},
    B("-use-custom-verify-callback", custom_verify),
    {"-use-old-client-cert-callback", F_IGNORE_BOOL, 0, 0},
    {"-expect-no-offer-early-data", F_IGNORE_BOOL, 0, 0},
    {"-decline-alpn", F_IGNORE_BOOL, 0, 0},
    /* BoringSSL's legacy OCSP callback: by default it changes nothing, and
     * with -set-ocsp-in-callback it staples the same -ocsp-response. */
    {"-use-ocsp-callback", F_IGNORE_BOOL, 0, 0},
    {"-set-ocsp-in-callback", F_IGNORE_BOOL, 0, 0},
    {"-write-settings", F_IGNORE_ARG, 0, 0},
};

static const flag_def *find_flag(const char *name)
{
    for (size_t i = 0; i < sizeof g_flags / sizeof g_flags[0]; i++) {
        if (strcmp(g_flags[i].name, name) == 0) {
            return &g_flags[i];
        }
    }
    return NULL;
}

static int parse_int(const char *s, long long *v)
{
    char *end;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return errno == 0 && end != s && *end == '\0';
}

static void set_flag(conn_settings *cs, const flag_def *f, const char *arg)
{
    char *base = (char *)cs;
    long long v = 0;
    switch (f->kind) {
    case F_BOOL:
        *(int *)(base + f->off) = 1;
        break;
    case F_INT:
        if (!parse_int(arg, &v)) {
            die_unimplemented("bad integer for %s: %s", f->name, arg);
        }
        *(int *)(base + f->off) = (int)v;
        break;
    case F_STR:
        *(const char **)(base + f->off) = arg;
        break;
    case F_INTLIST: {
        int *n = (int *)(base + f->count_off);
        if (!parse_int(arg, &v) || *n >= MAX_LIST) {
            die_unimplemented("bad list entry for %s: %s", f->name, arg);
        }
        ((int *)(base + f->off))[(*n)++] = (int)v;
        break;
    }
    default:
        break;
    }
}

static void parse_flags(int argc, char **argv, conn_settings *initial, conn_settings *resume)
{
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        int skip = 0;
        conn_settings *only = NULL;
        if (strncmp(name, "-on-shim-", 9) == 0) {
            name += 8;
        } else if (strncmp(name, "-on-handshaker-", 15) == 0) {
            name += 14;
            skip = 1;
        }
        if (strncmp(name, "-on-initial-", 12) == 0) {
            name += 11;
            only = initial;
        } else if (strncmp(name, "-on-resume-", 11) == 0) {
            name += 10;
            only = resume;
        } else if (strncmp(name, "-on-retry-", 10) == 0) {
            /* The settings of the connection retried after a client's 0-RTT
             * is rejected: gmtls never sends 0-RTT, so never retries. */
            name += 9;
            skip = 1;
        }

        long long v;
        const char *arg = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(name, "-port") == 0 || strcmp(name, "-shim-id") == 0 || strcmp(name, "-resume-count") == 0) {
            if (arg == NULL || !parse_int(arg, &v)) {
                die_unimplemented("bad value for %s", name);
            }
            i++;
            if (name[1] == 'p') {
                g_port = (int)v;
            } else if (name[1] == 's') {
                g_shim_id = (unsigned long long)v;
            } else {
                g_resume_count = (int)v;
            }
            continue;
        }
        if (strcmp(name, "-ipv6") == 0) {
            g_ipv6 = 1;
            continue;
        }
        if (strcmp(name, "-server") == 0) {
            g_is_server = 1;
            continue;
        }
        if (strcmp(name, "-key-file") == 0 || strcmp(name, "-cert-file") == 0) {
            if (arg == NULL) {
                die_unimplemented("missing value for %s", name);
            }
            i++;
            if (name[1] == 'k') {
                g_key_file = arg;
            } else {
                g_cert_file = arg;
            }
            continue;
        }
        if (strcmp(name, "-trust-cert") == 0) {
            /* The runner's root; bssl_shim never verifies chains against it
             * (its verify callback accepts any chain), and neither do we. */
            if (arg == NULL) {
                die_unimplemented("missing value for %s", name);
            }
            i++;
            continue;
        }

        const flag_def *f = find_flag(name);
        if (f == NULL) {
            /* PORTING.md: unknown flags -> 89, the test is "unimplemented". */
            die_unimplemented("flag %s", argv[i]);
        }
        if (f->kind != F_BOOL && f->kind != F_IGNORE_BOOL) {
            if (arg == NULL) {
                die_unimplemented("missing value for %s", name);
            }
            i++;
        }
        if (skip || f->kind == F_IGNORE_BOOL || f->kind == F_IGNORE_ARG) {
            continue;
        }
        if (only != NULL) {
            set_flag(only, f, arg);
        } else {
            set_flag(initial, f, arg);
            set_flag(resume, f, arg);
        }
    }
}

/* ---------------------------------------------------------------- helpers */

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

/* Decodes base64 (whitespace skipped, '=' ends it) into a malloc'd buffer. */
static uint8_t *b64_decode(const char *s, size_t slen, size_t *outlen)
{
    uint8_t *out = malloc(slen / 4 * 3 + 3);
    unsigned acc = 0;
    int bits = 0;
    size_t n = 0;
    if (out == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < slen && s[i] != '='; i++) {
        int v = b64val((unsigned char)s[i]);
        if (v < 0) {
            if (s[i] == '\n' || s[i] == '\r' || s[i] == ' ') {
                continue;
            }
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    *outlen = n;
    return out;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            char *nb = realloc(buf, cap + 1);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) {
            break;
        }
        n += r;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Compares the peer's chain with the PEM certificates of file, in order. */
static int check_peer_chain(const gmtls_conn *conn, const char *file)
{
    size_t len;
    char *pem = read_file(file, &len);
    const char *p;
    size_t idx = 0;
    int ok = 1;
    if (pem == NULL) {
        return fail("cannot read %s", file);
    }
    p = pem;
    for (;;) {
        static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
        const char *b = strstr(p, begin), *e;
        if (b == NULL) {
            break;
        }
        b += sizeof begin - 1;
        e = strstr(b, end);
        if (e == NULL) {
            break;
        }
        size_t dlen, plen;
        uint8_t *der = b64_decode(b, (size_t)(e - b), &dlen);
        const uint8_t *peer = gmtls_conn_peer_cert(conn, idx, &plen);
        if (der == NULL || peer == NULL || plen != dlen || memcmp(der, peer, dlen) != 0) {
            ok = fail("peer certificate %zu does not match %s", idx + 1, file);
        }
        free(der);
        if (!ok) {
            break;
        }
        idx++;
        p = e + sizeof end - 1;
    }
    if (ok && gmtls_conn_peer_cert(conn, idx, &len) != NULL) {
        ok = fail("peer sent more certificates than %s holds", file);
    }
    free(pem);
    return ok;
}

static int write_all(gmtls_io *io, const void *data, size_t len)
{
    size_t n;
    int r = gmtls_io_write(io, data, len, &n);
    if (r != 0) {
        return fail("write failed: %s", gmtls_strerror(r));
    }
    return 1;
}

/* A colon-separated list of IANA names for the given code points, or 89 for
 * one gmtls does not know. */
static void names_list(char *out, size_t outlen, const int *ids, int n, const char *(*name_of)(uint16_t),
                       const char *what)
{
    size_t off = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *name = ids[i] >= 0 && ids[i] <= 0xffff ? name_of((uint16_t)ids[i]) : NULL;
        if (name == NULL) {
            die_unimplemented("%s 0x%04x", what, ids[i]);
        }
        off += (size_t)snprintf(out + off, outlen - off, "%s%s", i ? ":" : "", name);
        if (off >= outlen) {
            die_unimplemented("%s list too long", what);
        }
    }
}

/* ALPN in wire form (length-prefixed names, as -advertise-alpn gives it)
 * to gmtls's comma-separated form. */
static void alpn_wire_to_list(const char *wire, char *out, size_t outlen)
{
    size_t wl = strlen(wire), i = 0, off = 0;
    while (i < wl) {
        size_t l = (unsigned char)wire[i++];
        if (l == 0 || i + l > wl || off + l + 2 > outlen || memchr(wire + i, ',', l) || memchr(wire + i, ':', l)) {
            die_unimplemented("ALPN list gmtls cannot express");
        }
        if (off) {
            out[off++] = ',';
        }
        memcpy(out + off, wire + i, l);
        off += l;
        i += l;
    }
    out[off] = '\0';
}

/* ---------------------------------------------------------------- callbacks */

typedef struct {
    const conn_settings *cs;
    int alpn_checked, alpn_ok;
} cb_state;

static int on_verify(void *ctx, const gmtls_conn *conn)
{
    const cb_state *st = ctx;
    /* A resumed handshake carries no certificate: bssl_shim's callback only
     * runs (and fails with -verify-fail) on full handshakes. */
    if (!st->cs->verify_fail || gmtls_conn_is_resumed(conn)) {
        return 0;
    }
    /* BoringSSL's alerts when the application rejects the peer: its custom
     * verify callback (ssl_verify_invalid) sends certificate_unknown, its
     * X.509 verify callback handshake_failure. */
    return st->cs->custom_verify ? GMTLS_ALERT_CERTIFICATE_UNKNOWN : GMTLS_ALERT_HANDSHAKE_FAILURE;
}

static int on_select_cert(void *ctx, const gmtls_client_hello_info *info)
{
    cb_state *st = ctx;
    if (st->cs->expect_advertised_alpn != NULL) {
        char want[1024], got[1024];
        size_t off = 0;
        alpn_wire_to_list(st->cs->expect_advertised_alpn, want, sizeof want);
        got[0] = '\0';
        for (size_t i = 0; i < info->num_alpn && off < sizeof got; i++) {
            off += (size_t)snprintf(got + off, sizeof got - off, "%s%s", i ? "," : "", info->alpn[i]);
        }
        st->alpn_checked = 1;
        st->alpn_ok = strcmp(want, got) == 0;
    }
    return 0;
}

/* ---------------------------------------------------------------- one connection */

static int connect_runner(void)
{
    int fd;
    if (g_ipv6) {
        struct sockaddr_in6 a6;
        memset(&a6, 0, sizeof a6);
        a6.sin6_family = AF_INET6;
        a6.sin6_addr = in6addr_loopback;
        a6.sin6_port = htons((uint16_t)g_port);
        fd = socket(AF_INET6, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a6, sizeof a6) != 0) {
            return -1;
        }
    } else {
        struct sockaddr_in a4;
        memset(&a4, 0, sizeof a4);
        a4.sin_family = AF_INET;
        a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a4.sin_port = htons((uint16_t)g_port);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a4, sizeof a4) != 0) {
            return -1;
        }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    uint8_t id[8];
    for (int i = 0; i < 8; i++) {
        id[i] = (uint8_t)(g_shim_id >> (8 * i));
    }
    if (write(fd, id, sizeof id) != (ssize_t)sizeof id) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Closes the socket as bssl_shim does: half-close, then drain until the
 * runner closes, so that the runner's last writes do not fail. */
static void drain_close(int fd)
{
    char buf[4096];
    shutdown(fd, SHUT_WR);
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
}

static void report_error(gmtls_conn *conn, const char *what, int err)
{
    fprintf(stderr, "%s failed: %s", what, gmtls_strerror(err));
    const char *d = gmtls_conn_error_detail(conn);
    if (d != NULL && *d) {
        fprintf(stderr, ": %s", d);
    }
    fprintf(stderr, "\n");
}

static int has_aes_hardware(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_cpu_supports("aes");
#else
    return 0;
#endif
}

static int check_properties(gmtls_conn *conn, const conn_settings *cs, int is_resume, const cb_state *st)
{
    uint16_t suite = gmtls_conn_cipher_suite(conn);
    /* Authentication properties (peer signature scheme, stapled OCSP, SCTs)
     * belong to a full handshake: BoringSSL reports those of the original
     * session on resumption, gmtls those of this handshake (none). */
    int resumed = gmtls_conn_is_resumed(conn);
    if (cs->expect_version && gmtls_conn_version(conn) != cs->expect_version) {
        return fail("want version %04x, got %04x", cs->expect_version, gmtls_conn_version(conn));
    }
    int expect_resume = is_resume && !cs->expect_session_miss;
    if (!!gmtls_conn_is_resumed(conn) != expect_resume) {
        return fail("session unexpectedly was%s reused", gmtls_conn_is_resumed(conn) ? "" : " not");
    }
    if (cs->expect_server_name &&
        (gmtls_conn_server_name(conn) == NULL || strcmp(gmtls_conn_server_name(conn), cs->expect_server_name) != 0)) {
        return fail("servername mismatch (got %s; want %s)",
                    gmtls_conn_server_name(conn) ? gmtls_conn_server_name(conn) : "(none)", cs->expect_server_name);
    }
    const char *want_alpn = g_is_server ? cs->select_alpn : cs->expect_alpn;
    const char *got_alpn = gmtls_conn_alpn(conn);
    if (strcmp(want_alpn ? want_alpn : "", got_alpn ? got_alpn : "") != 0) {
        return fail("negotiated alpn proto mismatch");
    }
    if (st->alpn_checked && !st->alpn_ok) {
        return fail("bad ALPN list advertised by the client");
    }
    if (cs->expect_advertised_alpn != NULL && !st->alpn_checked && !resumed) {
        return fail("client ALPN list was not seen");
    }
    if (cs->expect_peer_sigalg && !resumed && gmtls_conn_peer_sigalg(conn) != cs->expect_peer_sigalg) {
        return fail("Peer signature algorithm was %04x, wanted %04x.", gmtls_conn_peer_sigalg(conn),
                    cs->expect_peer_sigalg);
    }
    if (cs->expect_curve_id && gmtls_conn_group(conn) != cs->expect_curve_id) {
        return fail("curve_id was %04x, wanted %04x", gmtls_conn_group(conn), cs->expect_curve_id);
    }
    if (cs->expect_cipher_aes && has_aes_hardware() && suite != cs->expect_cipher_aes) {
        return fail("Cipher ID was %04x, wanted %04x (has AES hardware)", suite, cs->expect_cipher_aes);
    }
    if (cs->expect_cipher_no_aes && !has_aes_hardware() && suite != cs->expect_cipher_no_aes) {
        return fail("Cipher ID was %04x, wanted %04x (no AES hardware)", suite, cs->expect_cipher_no_aes);
    }
    if (cs->expect_cipher && suite != cs->expect_cipher) {
        return fail("Cipher ID was %04x, wanted %04x", suite, cs->expect_cipher);
    }
    if ((cs->expect_hrr && !gmtls_conn_did_hrr(conn)) || (cs->expect_no_hrr && gmtls_conn_did_hrr(conn))) {
        return fail("Got %sHRR, but wanted opposite.", gmtls_conn_did_hrr(conn) ? "" : "no ");
    }
    size_t len;
    if (!g_is_server || cs->require_any_client_cert) {
        if (gmtls_conn_peer_cert(conn, 0, &len) == NULL && !gmtls_conn_is_resumed(conn)) {
            return fail("Received no peer certificate but expected one.");
        }
    }
    if (cs->expect_peer_cert_file && !check_peer_chain(conn, cs->expect_peer_cert_file)) {
        return 0;
    }
    if (cs->expect_ocsp_response && !resumed) {
        size_t want_len;
        uint8_t *want = b64_decode(cs->expect_ocsp_response, strlen(cs->expect_ocsp_response), &want_len);
        const uint8_t *got = gmtls_conn_ocsp_response(conn, &len);
        int ok = want != NULL && got != NULL && len == want_len && memcmp(want, got, len) == 0;
        free(want);
        if (!ok) {
            return fail("OCSP response mismatch");
        }
    }
    if (cs->expect_scts && !resumed) {
        size_t want_len;
        uint8_t *want = b64_decode(cs->expect_scts, strlen(cs->expect_scts), &want_len);
        const uint8_t *got = gmtls_conn_scts(conn, &len);
        int ok = want != NULL && got != NULL && len == want_len && memcmp(want, got, len) == 0;
        free(want);
        if (!ok) {
            return fail("SCT list mismatch");
        }
    }
    return 1;
}

/* Runs one connection; on success a client stores the newest session. */
static int do_connection(gmtls_config *cfg, const conn_settings *cs, cb_state *st, int is_resume, gmtls_buf *session)
{
    int ok = 0, r;
    int fd = connect_runner();
    if (fd < 0) {
        return fail("cannot connect to the runner: %s", strerror(errno));
    }
    gmtls_conn *conn = gmtls_conn_new(cfg, g_is_server);
    gmtls_io *io = conn ? gmtls_io_new(conn, fd) : NULL;
    if (io == NULL) {
        fail("out of memory");
        goto out;
    }
    if (!g_is_server) {
        if (cs->host_name && gmtls_conn_set_server_name(conn, cs->host_name) != 0) {
            fail("bad host name");
            goto out;
        }
        if (is_resume) {
            if (session->off == 0) {
                fail("No session to offer.");
                goto out;
            }
            if ((r = gmtls_conn_set_session(conn, session->base, session->off)) != 0) {
                fail("cannot set the session: %s", gmtls_strerror(r));
                goto out;
            }
        }
    }

    r = gmtls_io_handshake(io);
    if (r != 0) {
        report_error(conn, "handshake", r);
        goto out;
    }
    if (!check_properties(conn, cs, is_resume, st)) {
        goto out;
    }
    if (cs->no_op_extra_handshake && (r = gmtls_io_handshake(io)) != 0) {
        report_error(conn, "extra handshake call (must be a no-op)", r);
        goto out;
    }

    if (cs->export_keying_material > 0) {
        uint8_t *ekm = malloc((size_t)cs->export_keying_material);
        const char *ctx = cs->export_context ? cs->export_context : "";
        r = ekm ? gmtls_export(conn, cs->export_label ? cs->export_label : "", (const uint8_t *)ctx, strlen(ctx),
                               cs->use_export_context, ekm, (size_t)cs->export_keying_material)
                : GMTLS_ERR_NO_MEMORY;
        if (r != 0) {
            free(ekm);
            fail("failed to export keying material: %s", gmtls_strerror(r));
            goto out;
        }
        int w = write_all(io, ekm, (size_t)cs->export_keying_material);
        free(ekm);
        if (!w) {
            goto out;
        }
    }

    if (cs->send_alert) {
        /* bssl_shim sends a fatal decompression_failure (30) and stops. */
        gmtls_buf out;
        gmtls_buf_init(&out);
        r = gmtls_send_alert(conn, &out, 1, 30);
        ok = r == 0 && out.off > 0 && write(fd, out.base, out.off) == (ssize_t)out.off;
        gmtls_buf_dispose(&out);
        if (!ok) {
            fail("cannot send the alert");
        }
        goto out;
    }

    if (cs->shim_writes_first && !write_all(io, "hello", 5)) {
        goto out;
    }
    if (!cs->shim_shuts_down) {
        size_t bufsize = cs->read_size > 0 ? (size_t)cs->read_size : 512;
        uint8_t *buf = malloc(bufsize);
        if (buf == NULL) {
            goto out;
        }
        for (;;) {
            size_t n = 0;
            r = gmtls_io_read(io, buf, bufsize, &n);
            if (r == GMTLS_ERR_CLOSED || r == GMTLS_ERR_EOF) {
                break;
            }
            if (r != 0) {
                report_error(conn, "read", r);
                free(buf);
                goto out;
            }
            if (cs->key_update && (r = gmtls_io_key_update(io, 0)) != 0) {
                report_error(conn, "key update", r);
                free(buf);
                goto out;
            }
            for (size_t i = 0; i < n; i++) {
                buf[i] ^= 0xff;
            }
            if (!write_all(io, buf, n)) {
                free(buf);
                goto out;
            }
        }
        free(buf);
    }

    if (!g_is_server) {
        /* A TLS 1.3 client expects a ticket unless told otherwise. */
        gmtls_buf s;
        gmtls_buf_init(&s);
        int got = gmtls_conn_get_session(conn, &s) == 0;
        int want = !cs->expect_no_session && !cs->shim_shuts_down;
        if (got != want) {
            gmtls_buf_dispose(&s);
            fail("new session was%s cached, but we expected the opposite", got ? "" : " not");
            goto out;
        }
        if (got) {
            gmtls_buf_dispose(session);
            *session = s;
        } else {
            gmtls_buf_dispose(&s);
        }
    }

    r = gmtls_io_close(io);
    if (cs->shim_shuts_down && cs->check_close_notify) {
        /* We sent close_notify first: the runner's must follow. */
        uint8_t b[64];
        size_t n = 0;
        do {
            r = gmtls_io_read(io, b, sizeof b, &n);
        } while (r == 0);
        if (r != GMTLS_ERR_CLOSED) {
            report_error(conn, "waiting for close_notify", r);
            goto out;
        }
    }
    ok = 1;
out:
    gmtls_io_free(io);
    gmtls_conn_free(conn);
    drain_close(fd);
    return ok;
}

/* ---------------------------------------------------------------- config */

static gmtls_config *make_config(const conn_settings *cs, cb_state *st)
{
    gmtls_config *cfg = gmtls_config_new();
    char list[2048];
    int r;
    if (cfg == NULL) {
        return NULL;
    }
    /* 0-RTT: a gmtls server never accepts early data (it skips it, RFC 8446
     * §4.2.10) nor offers it in tickets, so it can only play a server that
     * enables 0-RTT and is expected to reject it; a gmtls client never sends
     * early data. */
    if (cs->enable_early_data && !g_is_server) {
        die_unimplemented("0-RTT client");
    }
    if (cs->expect_reject_early_data && !g_is_server) {
        die_unimplemented("0-RTT client");
    }
    if (cs->enable_early_data && !cs->expect_reject_early_data) {
        die_unimplemented("0-RTT server that accepts early data (tickets with early_data)");
    }
    /* gmtls speaks TLS 1.2 and 1.3; the shim enables both on both sides, as
     * bssl_shim does by default (a gmtls client offers 1.2 only when its
     * range is set). A minimum below 1.2 allows what gmtls lacks anyway. */
    if ((cs->max_version && cs->max_version < 0x0303) || cs->min_version > 0x0304) {
        die_unimplemented("version range %04x-%04x", cs->min_version, cs->max_version);
    }
    if (gmtls_config_set_versions(cfg, cs->min_version > 0x0303 || cs->no_tls12 ? 0x0304 : 0x0303,
                                  cs->max_version == 0x0303 || cs->no_tls13 ? 0x0303 : 0x0304) != 0) {
        die_unimplemented("version range %04x-%04x", cs->min_version, cs->max_version);
    }
    if (g_key_file || g_cert_file) {
        if (!g_key_file || !g_cert_file) {
            die_unimplemented("a key without a certificate or the reverse");
        }
        r = gmtls_config_add_cert_chain_file(cfg, g_cert_file, g_key_file);
        if (r == GMTLS_ERR_FILE || r == GMTLS_ERR_UNKNOWN_NAME) {
            die_unimplemented("certificate/key gmtls cannot load (%s)", gmtls_config_last_error(cfg));
        }
        if (r != 0) {
            fprintf(stderr, "loading %s: %s\n", g_cert_file, gmtls_strerror(r));
            gmtls_config_free(cfg);
            return NULL;
        }
        /* -decline-ocsp-callback: the server staples nothing. */
        if (cs->ocsp_response && !(g_is_server && cs->decline_ocsp)) {
            size_t len;
            uint8_t *der = b64_decode(cs->ocsp_response, strlen(cs->ocsp_response), &len);
            if (der == NULL || gmtls_config_set_ocsp_staple(cfg, der, len) != 0) {
                die_unimplemented("OCSP response");
            }
            free(der);
        }
        if (cs->scts) {
            size_t len;
            uint8_t *der = b64_decode(cs->scts, strlen(cs->scts), &len);
            if (der == NULL || gmtls_config_set_scts(cfg, der, len) != 0) {
                die_unimplemented("SCT list");
            }
            free(der);
        }
    } else if (g_is_server) {
        die_unimplemented("server without a certificate");
    }
    if (cs->ncurves) {
        names_list(list, sizeof list, cs->curves, cs->ncurves, gmtls_group_name, "group");
        if (gmtls_config_set_groups(cfg, list) != 0) {
            die_unimplemented("groups %s (%s)", list, gmtls_config_last_error(cfg));
        }
    }
    /* gmtls has one signature algorithm list, for signing and verifying:
     * -signing-prefs alone can be honoured only where this side verifies no
     * signature (a server without client authentication), -verify-prefs
     * alone only where it signs nothing (a client without a certificate). */
    int verifies = !g_is_server || cs->verify_peer || cs->require_any_client_cert;
    int signs = g_is_server || g_key_file != NULL;
    if (cs->nsigning && cs->nverify &&
        (cs->nsigning != cs->nverify ||
         memcmp(cs->signing_prefs, cs->verify_prefs, sizeof(int) * (size_t)cs->nverify))) {
        die_unimplemented("different signing and verifying preferences");
    }
    if ((cs->nsigning && !cs->nverify && verifies) || (cs->nverify && !cs->nsigning && signs)) {
        die_unimplemented("separate signing and verifying preferences");
    }
    if (cs->nsigning || cs->nverify) {
        if (cs->nsigning) {
            names_list(list, sizeof list, cs->signing_prefs, cs->nsigning, gmtls_sigalg_name, "signature algorithm");
        } else {
            names_list(list, sizeof list, cs->verify_prefs, cs->nverify, gmtls_sigalg_name, "signature algorithm");
        }
        if (gmtls_config_set_sigalgs(cfg, list) != 0) {
            die_unimplemented("signature algorithms %s (%s)", list, gmtls_config_last_error(cfg));
        }
    }
    if (g_is_server) {
        if (cs->select_alpn) {
            if (gmtls_config_set_alpn(cfg, cs->select_alpn) != 0) {
                die_unimplemented("ALPN %s", cs->select_alpn);
            }
        }
        if (cs->verify_peer) {
            gmtls_config_set_client_auth(cfg, GMTLS_CLIENT_AUTH_REQUEST);
        } else if (cs->require_any_client_cert) {
            gmtls_config_set_client_auth(cfg, GMTLS_CLIENT_AUTH_REQUIRE_ANY);
        }
        if (cs->no_ticket) {
            gmtls_config_set_tickets(cfg, 0, 0);
        }
        if (cs->ticket_key) {
            /* The runner passes its key only to decrypt and rewrite our
             * tickets, which it parses in BoringSSL's ticket format. */
            die_unimplemented("-ticket-key (tickets in BoringSSL's format)");
        } else if (gmtls_config_set_ticket_keys(cfg, g_ticket_key, 1) != 0) {
            fprintf(stderr, "cannot set the ticket key\n");
            gmtls_config_free(cfg);
            return NULL;
        }
        gmtls_config_set_select_cert(cfg, on_select_cert, st);
    } else {
        if (cs->advertise_alpn) {
            alpn_wire_to_list(cs->advertise_alpn, list, sizeof list);
            if (gmtls_config_set_alpn(cfg, list) != 0) {
                die_unimplemented("ALPN %s", list);
            }
        }
        /* -enable-ocsp-stapling: ask for a stapled OCSP response
         * (status_request). gmtls sends the extension only when asked: GmSSL's
         * server aborts on it. */
        gmtls_config_set_request_ocsp(cfg, cs->enable_ocsp_stapling);
        /* bssl_shim's client accepts any chain (its verify callback only
         * fails with -verify-fail): no chain or name verification. */
        gmtls_config_set_verify_peer(cfg, 0);
    }
    /* BoringSSL is always in middlebox compatibility mode (RFC 8446 §D.4:
     * CCS before the second ClientHello, after a HelloRetryRequest whatever
     * the session ID), and the runner expects it; gmtls's default is off for
     * GmSSL's sake (include/gmtls.h). */
    gmtls_config_set_middlebox_compat(cfg, 1);
    gmtls_config_set_verify_connection(cfg, on_verify, st);
    return cfg;
}

int main(int argc, char **argv)
{
    static conn_settings initial, resume;
    signal(SIGPIPE, SIG_IGN);

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-is-handshaker-supported") == 0) {
            printf("No\n");
            return 0;
        }
    }
    parse_flags(argc, argv, &initial, &resume);
    FILE *ur = fopen("/dev/urandom", "rb");
    if (ur == NULL || fread(g_ticket_key, 1, sizeof g_ticket_key, ur) != sizeof g_ticket_key) {
        fprintf(stderr, "cannot read /dev/urandom\n");
        return 1;
    }
    fclose(ur);
    if (g_port <= 0) {
        die_unimplemented("no -port");
    }

    gmtls_buf session;
    gmtls_buf_init(&session);
    gmtls_config *cfg = NULL;
    cb_state st;
    int ok = 1;
    for (int i = 0; ok && i <= g_resume_count; i++) {
        const conn_settings *cs = i ? &resume : &initial;
        memset(&st, 0, sizeof st);
        st.cs = cs;
        /* Each connection takes its own settings; a server keeps its
         * ticket key across them (set in make_config). */
        gmtls_config *prev = cfg;
        cfg = make_config(cs, &st);
        if (cfg != NULL && prev != NULL) {
            /* ... and its TLS 1.2 session-ID cache */
            gmtls_config_share_session_cache(cfg, prev);
        }
        gmtls_config_free(prev);
        if (cfg == NULL) {
            ok = 0;
            break;
        }
        if (!do_connection(cfg, cs, &st, i > 0, &session)) {
            fprintf(stderr, "Connection %d failed.\n", i + 1);
            ok = 0;
        }
    }
    gmtls_config_free(cfg);
    gmtls_buf_dispose(&session);
    return ok ? 0 : 1;
}
