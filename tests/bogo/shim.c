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
 * only), -on-retry (the rest of a client's resumption after the server
 * rejected its 0-RTT data, which BoringSSL runs as a retried connection) and
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
#include <time.h>
#include <unistd.h>

#include <gmtls.h>

#define EXIT_UNIMPLEMENTED 89
#define MAX_LIST 64

/* The settings of one connection (initial or resumption), as in
 * test_config.h's TestConfig: only the fields gmtls can honour. */
typedef struct {
    int min_version, max_version, expect_version;
    int expect_hrr, expect_no_hrr, expect_session_miss, expect_no_session;
    int expect_session_id, expect_no_session_id;
    int shim_writes_first, shim_shuts_down, check_close_notify;
    int verify_peer, verify_fail, custom_verify, require_any_client_cert, reverify_on_resume;
    int export_keying_material, use_export_context, export_traffic_secrets;
    int expect_ticket_renewal;
    const char *export_label, *export_context;
    int key_update, send_alert, no_ticket, no_op_extra_handshake;
    int no_tls12, no_tls13;
    int enable_early_data, expect_reject_early_data, expect_accept_early_data;
    int expect_ticket_early_data, expect_no_offer_early_data;
    const char *expect_early_data_reason;
    int resumption_delay;
    int max_cert_list;
    int max_send_fragment;
    int expect_ticket_age_skew;
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
    int expect_peer_verify[MAX_LIST], nexpect_peer_verify;
} conn_settings;

/* The settings of a client's resumption after its 0-RTT data was rejected
 * (unprefixed and -on-retry flags): BoringSSL's retried connection. */
static conn_settings g_retry;
/* The max_early_data_size of the session the client keeps for resumption. */
static uint32_t g_session_max_early;

/* Global settings (the same for every connection). */
static int g_port, g_ipv6, g_is_server, g_resume_count;
static unsigned long long g_shim_id;
static const char *g_key_file, *g_cert_file;
/* The server's ticket key for all connections of the process (random). */
static uint8_t g_ticket_key[48];
/* The clock of every config (gmtls_config_set_clock), in ms since the
 * epoch: the real time at start, advanced by -resumption-delay seconds
 * after each connection, as bssl_shim's AdvanceClock. */
static uint64_t g_clock_ms;

static uint64_t shim_clock(void *arg)
{
    (void)arg;
    return g_clock_ms;
}

/* Exits with 89. With BOGO_SHIM_UNIMPLEMENTED_LOG set (bogo.sh sets it),
 * the reason is appended to that file, for the summary of what is missing. */
static void die_unimplemented(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
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
    B("-expect-ticket-renewal", expect_ticket_renewal),
    B("-export-traffic-secrets", export_traffic_secrets),
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
    B("-expect-accept-early-data", expect_accept_early_data),
    B("-expect-ticket-supports-early-data", expect_ticket_early_data),
    B("-expect-no-offer-early-data", expect_no_offer_early_data),
    S("-expect-early-data-reason", expect_early_data_reason),
    I("-resumption-delay", resumption_delay),
    I("-max-cert-list", max_cert_list),
    I("-max-send-fragment", max_send_fragment),
    I("-expect-ticket-age-skew", expect_ticket_age_skew),
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
    L("-expect-peer-verify-pref", expect_peer_verify, nexpect_peer_verify),
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
     * a gmtls server without -select-alpn
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
    B("-reverify-on-resume", reverify_on_resume),
    {"-use-old-client-cert-callback", F_IGNORE_BOOL, 0, 0},
    {"-decline-alpn", F_IGNORE_BOOL, 0, 0},
    /* BoringSSL's legacy OCSP callback: by default it changes nothing, and
     * with -set-ocsp-in-callback it staples the same -ocsp-response. */
    {"-use-ocsp-callback", F_IGNORE_BOOL, 0, 0},
    {"-set-ocsp-in-callback", F_IGNORE_BOOL, 0, 0},
    {"-write-settings", F_IGNORE_ARG, 0, 0},
    /* a server's stateful session cache: whether it cached the new session
     * (gmtls_conn_session_id: the ID its ServerHello issued) */
    B("-expect-session-id", expect_session_id),
    B("-expect-no-session-id", expect_no_session_id),
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

static void parse_flags(int argc, char **argv, conn_settings *initial, conn_settings *resume, conn_settings *retry)
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
            name += 9;
            only = retry;
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
            set_flag(retry, f, arg);
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
    int peer_verify_checked, peer_verify_ok;
    char traffic_secret[2][2 * 64 + 1]; /* client's, server's: hex, from the key log */
} cb_state;

/* -export-traffic-secrets: the application traffic secrets (RFC 8446 §7.1)
 * as gmtls's key log (NSS format, gmtls_config_set_keylog) gives them. */
static void on_keylog(void *ctx, const gmtls_conn *conn, const char *line)
{
    static const char *const labels[2] = {"CLIENT_TRAFFIC_SECRET_0 ", "SERVER_TRAFFIC_SECRET_0 "};
    cb_state *st = ctx;
    (void)conn;
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(labels[i]);
        const char *sp = strncmp(line, labels[i], n) == 0 ? strchr(line + n, ' ') : NULL;
        if (sp != NULL) {
            snprintf(st->traffic_secret[i], sizeof st->traffic_secret[i], "%s", sp + 1);
        }
    }
}

/* Decodes n bytes of hex into out: 0, or -1 on a bad digit. */
static int unhex(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            return -1;
        }
        out[i] = (uint8_t)v;
    }
    return 0;
}

static int on_verify(void *ctx, const gmtls_conn *conn)
{
    const cb_state *st = ctx;
    /* A gmtls client runs it after a full handshake's Certificate and, with
     * -reverify-on-resume (gmtls_config_set_reverify_on_resume), on a
     * resumption too: where bssl_shim's callback runs. A gmtls TLS 1.3
     * server runs it on every handshake (as Go's VerifyConnection), a
     * BoringSSL server only on a certificate: a resumption passes. */
    /* Once the server rejected our 0-RTT data, BoringSSL's client retries
     * under the -on-retry settings, whose callback then runs; gmtls's goes
     * on in 1-RTT, so a callback that runs after the rejection is known
     * takes those settings. */
    const conn_settings *cs =
        !g_is_server && gmtls_conn_early_data_state(conn) == GMTLS_EARLY_REJECTED ? &g_retry : st->cs;
    if (!cs->verify_fail || (g_is_server && gmtls_conn_is_resumed(conn))) {
        return 0;
    }
    /* BoringSSL's alerts when the application rejects the peer: its custom
     * verify callback (ssl_verify_invalid) sends certificate_unknown, its
     * X.509 verify callback handshake_failure. */
    return cs->custom_verify ? GMTLS_ALERT_CERTIFICATE_UNKNOWN : GMTLS_ALERT_HANDSHAKE_FAILURE;
}

static int on_select_cert(void *ctx, const gmtls_client_hello_info *info)
{
    cb_state *st = ctx;
    if (st->cs->nexpect_peer_verify) {
        /* -expect-peer-verify-pref: the client's signature_algorithms */
        st->peer_verify_checked = 1;
        st->peer_verify_ok = info->num_sigalgs == (size_t)st->cs->nexpect_peer_verify;
        for (size_t i = 0; st->peer_verify_ok && i < info->num_sigalgs; i++) {
            st->peer_verify_ok = info->sigalgs[i] == st->cs->expect_peer_verify[i];
        }
    }
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

/* -expect-{accept,reject}-early-data and -expect-early-data-reason
 * (SSL_early_data_reason_string's names) against gmtls's 0-RTT state. */
static int check_early_data(const gmtls_conn *conn, const conn_settings *cs)
{
    int state = gmtls_conn_early_data_state(conn);
    const char *why = cs->expect_early_data_reason;
    if ((cs->expect_accept_early_data && state != GMTLS_EARLY_ACCEPTED) ||
        (cs->expect_reject_early_data && state == GMTLS_EARLY_ACCEPTED)) {
        return fail("Early data was%s accepted, but we expected the opposite",
                    state == GMTLS_EARLY_ACCEPTED ? "" : " not");
    }
    if (why == NULL) {
        return 1;
    }
    /* gmtls_conn_early_data_reason uses BoringSSL's names */
    if (strcmp(gmtls_conn_early_data_reason(conn), why) != 0) {
        return fail("Early data reason was \"%s\", expected \"%s\"", gmtls_conn_early_data_reason(conn), why);
    }
    return 1;
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
    if (cs->nexpect_peer_verify && (!st->peer_verify_checked || !st->peer_verify_ok)) {
        return fail("peer verify preferences %s", st->peer_verify_checked ? "mismatch" : "not seen");
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
    if (is_resume && cs->expect_ticket_age_skew && gmtls_conn_ticket_age_skew(conn) != cs->expect_ticket_age_skew) {
        return fail("Ticket age skew was %d, wanted %d", (int)gmtls_conn_ticket_age_skew(conn),
                    cs->expect_ticket_age_skew);
    }
    if (!check_early_data(conn, cs)) {
        return 0;
    }
    /* bssl_shim: on the first connection, whether the server cached the
     * session statefully: a gmtls server caches the one it issued an ID for
     * (TLS 1.2 / TLCP, its session cache on and no ticket coming) */
    if (!is_resume && (cs->expect_session_id || cs->expect_no_session_id)) {
        if (!g_is_server) {
            die_unimplemented("-expect-session-id / -expect-no-session-id on a client");
        }
        size_t sid_len;
        int cached = gmtls_conn_session_id(conn, &sid_len) != NULL && !resumed;
        if (cs->expect_session_id && !cached) {
            return fail("session was not cached on the server.");
        }
        if (cs->expect_no_session_id && cached) {
            return fail("session was unexpectedly cached on the server.");
        }
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
/* The ticket of a gmtls_conn_get_session blob ("GMS4" | suite(2) | psk<1> |
 * ticket<2> | ...): into *t and *n, 0, or -1 when too short. */
static int session_ticket(const uint8_t *p, size_t len, const uint8_t **t, size_t *n)
{
    size_t at = 4 + 2;
    if (len < at + 1 || len < at + 1 + p[at] + 2) {
        return -1;
    }
    at += 1 + p[at];
    *n = (size_t)p[at] << 8 | p[at + 1];
    *t = p + at + 2;
    return len - at - 2 >= *n ? 0 : -1;
}

/* 1 when the two sessions carry different tickets. */
static int ticket_differs(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    const uint8_t *ta, *tb;
    size_t na, nb;
    if (session_ticket(a, alen, &ta, &na) != 0 || session_ticket(b, blen, &tb, &nb) != 0) {
        return 0;
    }
    return na != nb || memcmp(ta, tb, na) != 0;
}

static int do_connection(gmtls_config *cfg, const conn_settings *cs, cb_state *st, int is_resume, gmtls_buf *session)
{
    int ok = 0, r;
    size_t sent_hello = 0, hello_early = 0;
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
        /* 0-RTT: the first write goes as early data, as much of it as the
         * ticket allows (the rest after the handshake, as BoringSSL's
         * SSL_write does); all of it when the ticket allows none or there is
         * no session (gmtls sends none then, and says why). */
        hello_early = is_resume && g_session_max_early > 0 && g_session_max_early < 5 ? g_session_max_early : 5;
        if (cs->enable_early_data && cs->shim_writes_first &&
            (r = gmtls_conn_set_early_data(conn, "hello", hello_early)) != 0) {
            fail("cannot set the early data: %s", gmtls_strerror(r));
            goto out;
        }
    }

    r = gmtls_io_handshake(io);
    if (r != 0) {
        report_error(conn, "handshake", r);
        goto out;
    }
    if (!g_is_server && is_resume) {
        int early = gmtls_conn_early_data_state(conn);
        if (cs->expect_no_offer_early_data && early != GMTLS_EARLY_NONE) {
            fail("Client unexpectedly offered early data.");
            goto out;
        }
        sent_hello = early == GMTLS_EARLY_ACCEPTED ? hello_early : 0;
        if (early == GMTLS_EARLY_REJECTED) {
            /* BoringSSL's client fails the connection with
             * SSL_ERROR_EARLY_DATA_REJECTED and retries it under the
             * -on-retry settings; gmtls's goes on in 1-RTT, which the
             * retry settings describe. */
            if (!cs->expect_reject_early_data) {
                fail("Early data was not accepted, but we expected the opposite");
                goto out;
            }
            cs = &g_retry;
            st->cs = cs;
        }
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

    if (cs->export_traffic_secrets) {
        /* bssl_shim's SSL_get_traffic_secrets: the length (2 bytes, little
         * endian), the read secret, the write secret. */
        uint8_t buf[2 + 2 * 64];
        size_t n = strlen(st->traffic_secret[0]) / 2;
        int rd = g_is_server ? 0 : 1; /* a server reads the client's */
        if (n == 0 || strlen(st->traffic_secret[1]) != 2 * n || unhex(st->traffic_secret[rd], buf + 2, n) != 0 ||
            unhex(st->traffic_secret[1 - rd], buf + 2 + n, n) != 0) {
            fail("no traffic secrets in the key log");
            goto out;
        }
        buf[0] = (uint8_t)n;
        buf[1] = (uint8_t)(n >> 8);
        if (!write_all(io, buf, 2 + 2 * n)) {
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

    if (cs->shim_writes_first && sent_hello < 5 && !write_all(io, &"hello"[sent_hello], 5 - sent_hello)) {
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
        /* A client expects a session unless told otherwise; a TLS 1.3
         * client that shuts down first reads no NewSessionTicket, while a
         * TLS 1.2 session is made in the handshake. */
        gmtls_buf s;
        gmtls_buf_init(&s);
        int got = gmtls_conn_get_session(conn, &s) == 0;
        int want = !cs->expect_no_session && !(cs->shim_shuts_down && gmtls_conn_version(conn) == GMTLS_VERSION_TLS13);
        if (got != want) {
            gmtls_buf_dispose(&s);
            fail("new session was%s cached, but we expected the opposite", got ? "" : " not");
            goto out;
        }
        /* -expect-ticket-renewal: a resumption brings a new ticket too
         * (bssl_shim expects a new session after a full handshake anyway). */
        if (cs->expect_ticket_renewal && is_resume && gmtls_conn_is_resumed(conn) &&
            (!got || !ticket_differs(s.base, s.off, session->base, session->off))) {
            gmtls_buf_dispose(&s);
            fail("the ticket was not renewed, but we expected it");
            goto out;
        }
        if (got && !!gmtls_conn_session_max_early_data(conn) != cs->expect_ticket_early_data) {
            gmtls_buf_dispose(&s);
            fail("new session did%s support early data, but we expected the opposite",
                 gmtls_conn_session_max_early_data(conn) ? "" : " not");
            goto out;
        }
        if (got) {
            g_session_max_early = gmtls_conn_session_max_early_data(conn);
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
    /* 0-RTT. A gmtls server with -enable-early-data takes up to 14336
     * bytes (BoringSSL's kMaxEarlyDataAccepted) in the tickets it issues.
     * A gmtls client sends early data only when given it before the
     * handshake (gmtls_conn_set_early_data): with -shim-writes-first the
     * shim's "hello" (do_connection). BoringSSL's client also offers
     * early_data with no data, which the shim cannot express. */
    /* the CertificateRequest's signature_algorithms: gmtls has no getter */
    if (!g_is_server && cs->nexpect_peer_verify) {
        die_unimplemented("-expect-peer-verify-pref on a client");
    }
    if (!g_is_server && (cs->expect_reject_early_data || cs->expect_accept_early_data) && !cs->shim_writes_first) {
        die_unimplemented("0-RTT client offering early_data without data");
    }
    if (g_is_server && cs->enable_early_data && gmtls_config_set_max_early_data(cfg, 14336) != 0) {
        die_unimplemented("max early data");
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
    if (cs->export_traffic_secrets) {
        gmtls_config_set_keylog(cfg, on_keylog, st);
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
            if (der == NULL) {
                die_unimplemented("SCT list");
            }
            /* gmtls refuses a malformed list as BoringSSL does */
            if (gmtls_config_set_scts(cfg, der, len) != 0) {
                fail("SCT list refused: %s", gmtls_config_last_error(cfg));
                free(der);
                gmtls_config_free(cfg);
                return NULL;
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
    /* -signing-prefs: the schemes this side signs with
     * (gmtls_config_set_sigalgs); -verify-prefs: the ones it offers and
     * accepts (gmtls_config_set_verify_sigalgs), else gmtls's default. */
    if (cs->nsigning) {
        names_list(list, sizeof list, cs->signing_prefs, cs->nsigning, gmtls_sigalg_name, "signature algorithm");
        if (gmtls_config_set_sigalgs(cfg, list) != 0) {
            die_unimplemented("signature algorithms %s (%s)", list, gmtls_config_last_error(cfg));
        }
    }
    if (cs->nverify) {
        names_list(list, sizeof list, cs->verify_prefs, cs->nverify, gmtls_sigalg_name, "signature algorithm");
    }
    if ((cs->nverify || cs->nsigning) && gmtls_config_set_verify_sigalgs(cfg, cs->nverify ? list : "DEFAULT") != 0) {
        die_unimplemented("signature algorithms %s (%s)", list, gmtls_config_last_error(cfg));
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
        gmtls_config_set_reverify_on_resume(cfg, cs->reverify_on_resume);
    }
    /* BoringSSL is always in middlebox compatibility mode (RFC 8446 §D.4:
     * CCS before the second ClientHello, after a HelloRetryRequest whatever
     * the session ID), and the runner expects it; gmtls's default is off for
     * GmSSL's sake (include/gmtls.h). */
    gmtls_config_set_middlebox_compat(cfg, 1);
    /* BoringSSL counts no certificates (gmtls: at most 10 by default, 100
     * at most) and limits the Certificate message to -max-cert-list bytes
     * (gmtls_config_set_peer_chain_limit; without it gmtls's default). */
    if (gmtls_config_set_peer_chain_limit(cfg, 100, cs->max_cert_list > 0 ? (size_t)cs->max_cert_list : 0) != 0) {
        die_unimplemented("-max-cert-list %d", cs->max_cert_list);
    }
    gmtls_config_set_verify_connection(cfg, on_verify, st);
    gmtls_config_set_clock(cfg, shim_clock, NULL);
    if (cs->max_send_fragment && gmtls_config_set_max_send_fragment(cfg, (unsigned)cs->max_send_fragment) != 0) {
        die_unimplemented("max send fragment %d", cs->max_send_fragment);
    }
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
    parse_flags(argc, argv, &initial, &resume, &g_retry);
    FILE *ur = fopen("/dev/urandom", "rb");
    if (ur == NULL || fread(g_ticket_key, 1, sizeof g_ticket_key, ur) != sizeof g_ticket_key) {
        fprintf(stderr, "cannot read /dev/urandom\n");
        return 1;
    }
    fclose(ur);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* whole seconds, and frozen but for -resumption-delay: ticket ages are
     * then exactly the delays (tickets are dated in seconds) */
    g_clock_ms = (uint64_t)ts.tv_sec * 1000;
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
        g_clock_ms += (uint64_t)cs->resumption_delay * 1000;
    }
    gmtls_config_free(cfg);
    gmtls_buf_dispose(&session);
    return ok ? 0 : 1;
}
