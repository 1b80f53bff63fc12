/* tools/cmd_client.c - `gmtls client HOST:PORT`: connects, reports what the
 * handshake negotiated, then relays stdin/stdout, fetches a page (--get) or
 * reconnects with resumption (--count). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmd.h"
#include "gmtls.h"
#include "tlsutil.h"

typedef struct {
    const char *target;
    const char *servername;
    const char *ca;
    int insecure;
    const char *ciphers, *groups, *sigalgs, *alpn;
    const char *min_version, *max_version, *ciphers12;
    const char *cert_comp, *record_size_limit;
    const char *cert, *key, *key_pass;
    const char *enc_cert, *enc_key; /* TLCP encryption pair */
    const char *sess_out, *sess_in;
    const char *early_data; /* --early-data FILE */
    uint8_t *early;         /* its contents */
    size_t early_len;
    const char *keylog;
    const char *export_spec;
    int key_update;
    const char *sm2_id;
    int strict_sm;
    int tlcp;
    const char *profile;
    const char *get_path;
    int quiet;
    int showcerts;
    int status;
    unsigned long connect_timeout;
    unsigned long count;
    int has_count;
    tool_psk_opts psk;
} client_opts;

static void client_usage(FILE *f)
{
    fprintf(f,
            "usage: gmtls client HOST:PORT [options]   (IPv6: [::1]:PORT)\n"
            "  --servername NAME     SNI and the name to verify (default: HOST)\n"
            "  --ca FILE|DIR         trust anchors (default: the system store)\n"
            "  --insecure            do not verify the server (default: verify)\n"
            "  --ciphers LIST        cipher suites, colon-separated IANA names (default: library's)\n"
            "  --groups LIST         key exchange groups; key shares for the first and, after a\n"
            "                        hybrid, the first classical one (default: library's, shares\n"
            "                        X25519MLKEM768 + x25519, or curveSM2MLKEM768 + curveSM2 when\n"
            "                        the first suite is ShangMi)\n"
            "  --sigalgs LIST        signature schemes (default: library's)\n"
            "  --min-version V       lowest protocol version, 1.2 or 1.3: 1.2 also offers TLS 1.2\n"
            "                        (ECDHE + AEAD, extended master secret) (default: 1.3)\n"
            "  --max-version V       highest protocol version, 1.2 or 1.3 (default: 1.3)\n"
            "  --tls12-ciphers LIST  TLS 1.2 cipher suites, colon-separated IANA names\n"
            "                        (default: library's)\n"
            "  --alpn LIST           ALPN protocols to offer (default: none)\n"
            "  --cert-compression LIST  certificate compression algorithms offered, RFC 8879\n"
            "                        (brotli, zstd, zlib, or none; default: brotli:zstd:zlib)\n"
            "  --record-size-limit N record_size_limit offered, RFC 8449: 64..16385, 0 = not\n"
            "                        sent (default: 16385)\n"
            "  --cert FILE --key FILE  client certificate chain and key (default: none)\n"
            "  --key-pass SPEC       passphrase of an encrypted key: pass:TEXT, env:VAR, file:PATH\n"
            "                        or fd:N (default: none; never asked for on a terminal)\n"
            "  --status              ask for a stapled OCSP response and report it (default: no)\n"
            "  --psk HEX             an external PSK (RFC 8446 §2.2) to offer (default: none)\n"
            "  --psk-identity ID     its identity (default: Client_identity, as OpenSSL's)\n"
            "  --psk-hash HASH       its hash: SHA256, SHA384 or SM3 (default: SHA256)\n"
            "  --psk-file FILE       PSKs to offer, one IDENTITY:HEX[:HASH] per line (default: none)\n"
            "  --psk-modes LIST      psk_dhe_ke and/or psk_ke, comma-separated (default: psk_dhe_ke)\n"
            "  --sess-out FILE       save the session ticket (default: no)\n"
            "  --sess-in FILE        resume the session saved in FILE (default: no)\n"
            "  --early-data FILE     send FILE as 0-RTT data with the --sess-in session when its\n"
            "                        ticket allows it, else after the handshake; reports\n"
            "                        \"early data: accepted|rejected|not sent\" (default: no)\n"
            "  --keylog FILE         append NSS key log lines (default: $SSLKEYLOGFILE if set)\n"
            "  --export LABEL:LEN[:CONTEXT]  print an exporter value (default: no)\n"
            "  --key-update          send a KeyUpdate after the first data sent (default: no)\n"
            "  --sm2-id MODE         rfc8998 | gbt-default | accept-both (default: rfc8998)\n"
            "  --strict-sm           ShangMi only: TLS_SM4_*_SM3, curveSM2, sm2sig_sm3 (default: off)\n"
            "  --tlcp                speak TLCP (GB/T 38636-2020) instead of TLS: ECC_SM4_GCM_SM3,\n"
            "                        ECC_SM4_CBC_SM3; with an SM2 --cert and --enc-cert also\n"
            "                        ECDHE_SM4_GCM_SM3, ECDHE_SM4_CBC_SM3, first (default: off)\n"
            "  --enc-cert FILE --enc-key FILE  TLCP encryption certificate and SM2 key, sent\n"
            "                        after the --cert signing certificate (default: none)\n"
            "  --profile NAME        go-gmtls: the Go gmtls family's dialect (group 26, scheme\n"
            "                        0x0204 first; its SM2 certificates verified); sets the\n"
            "                        group and scheme lists; combines with --strict-sm\n"
            "  --get PATH            send an HTTP/1.1 GET and print the body (default: relay stdin)\n"
            "  --quiet               no report lines (default: off)\n"
            "  --showcerts           print the server's chain as PEM, on stderr (default: off)\n"
            "  --connect-timeout S   connect and handshake timeout in seconds (default: 10)\n"
            "  --count N             connect N times, resuming each time (default: 1)\n"
            "  --help                this text\n"
            "Report lines (protocol:, cipher:, ..., verify:, --export, --showcerts) go to stderr;\n"
            "stdout carries only the server's data. Exit status: 0; 1 when the connection, the\n"
            "verification or a file (--ca, --cert, --key, --sess-in, --keylog) fails; 2 for a usage error.\n");
}

static int parse_args(int argc, char **argv, client_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->connect_timeout = 10;
    o->count = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int m;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            client_usage(stdout);
            return 1;
        }
        if (strcmp(a, "--insecure") == 0) {
            o->insecure = 1;
            continue;
        }
        if (strcmp(a, "--key-update") == 0) {
            o->key_update = 1;
            continue;
        }
        if (strcmp(a, "--strict-sm") == 0) {
            o->strict_sm = 1;
            continue;
        }
        if (strcmp(a, "--tlcp") == 0) {
            o->tlcp = 1;
            continue;
        }
        if (strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
            continue;
        }
        if (strcmp(a, "--showcerts") == 0) {
            o->showcerts = 1;
            continue;
        }
        if (strcmp(a, "--status") == 0) {
            o->status = 1;
            continue;
        }
        const tool_str_opt sopts[] = {
            {"--servername", &o->servername}, {"--ca", &o->ca},         {"--ciphers", &o->ciphers},
            {"--groups", &o->groups},         {"--sigalgs", &o->sigalgs}, {"--alpn", &o->alpn},
            {"--cert", &o->cert},             {"--key", &o->key},       {"--sess-out", &o->sess_out},
            {"--enc-cert", &o->enc_cert},     {"--enc-key", &o->enc_key},
            {"--sess-in", &o->sess_in},       {"--keylog", &o->keylog}, {"--export", &o->export_spec},
            {"--early-data", &o->early_data},
            {"--sm2-id", &o->sm2_id},         {"--get", &o->get_path},  {"--key-pass", &o->key_pass},
            {"--min-version", &o->min_version}, {"--max-version", &o->max_version},
            {"--tls12-ciphers", &o->ciphers12},
            {"--psk", &o->psk.hex},           {"--psk-identity", &o->psk.identity},
            {"--psk-hash", &o->psk.hash},     {"--psk-file", &o->psk.file},
            {"--psk-modes", &o->psk.modes},
            {"--cert-compression", &o->cert_comp}, {"--record-size-limit", &o->record_size_limit},
            {"--profile", &o->profile},
        };
        m = tool_opt_strings(argc, argv, &i, sopts, sizeof(sopts) / sizeof(sopts[0]));
        if (m < 0) {
            return -1;
        }
        if (m > 0) {
            continue;
        }
        if ((m = tool_opt_value(argc, argv, &i, "--connect-timeout", &v)) != 0) {
            if (m < 0 || tool_parse_uint("--connect-timeout", v, 1, 3600, &o->connect_timeout) != 0) {
                return -1;
            }
            continue;
        }
        if ((m = tool_opt_value(argc, argv, &i, "--count", &v)) != 0) {
            if (m < 0 || tool_parse_uint("--count", v, 1, 1000000, &o->count) != 0) {
                return -1;
            }
            o->has_count = 1;
            continue;
        }
        if (a[0] == '-' && a[1] != '\0') {
            tool_err("client: unknown option '%s' (see gmtls client --help)", a);
            return -1;
        }
        if (o->target != NULL) {
            tool_err("client: more than one HOST:PORT given ('%s', '%s')", o->target, a);
            return -1;
        }
        o->target = a;
    }
    if (o->target == NULL) {
        tool_err("client: missing HOST:PORT (see gmtls client --help)");
        return -1;
    }
    if ((o->cert == NULL) != (o->key == NULL)) {
        tool_err("client: --cert and --key go together");
        return -1;
    }
    if ((o->enc_cert == NULL) != (o->enc_key == NULL) || (o->enc_cert != NULL && (!o->tlcp || o->cert == NULL))) {
        tool_err("client: --enc-cert and --enc-key go together, with --tlcp and a --cert signing chain");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- connect */

static int connect_one(const struct addrinfo *ai, unsigned long timeout_s)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int r;
        do {
            r = poll(&p, 1, (int)(timeout_s * 1000));
        } while (r < 0 && errno == EINTR);
        if (r == 0) {
            close(fd);
            errno = ETIMEDOUT;
            return -1;
        }
        int err = 0;
        socklen_t elen = sizeof(err);
        if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
            close(fd);
            errno = err != 0 ? err : errno;
            return -1;
        }
    }
    /* back to blocking; the deadline now bounds each read/write */
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void set_timeouts(int fd, unsigned long seconds)
{
    struct timeval tv = {.tv_sec = (time_t)seconds, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int tcp_connect(const char *host, const char *port, unsigned long timeout_s)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gr = tool_getaddrinfo(host, port, &hints, &res);
    if (gr != 0) {
        tool_err("%s: %s", host, gai_strerror(gr));
        return -1;
    }
    int fd = -1, err = 0;
    for (const struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = connect_one(ai, timeout_s);
        if (fd < 0) {
            err = errno;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        tool_err("connect to %s port %s: %s", host, port, strerror(err));
    }
    return fd;
}

/* ---------------------------------------------------------------- report */

static int print_export(const gmtls_conn *conn, const char *spec)
{
    char *copy = strdup(spec);
    if (copy == NULL) {
        return -1;
    }
    char *label = copy, *len_s = strchr(copy, ':'), *ctx = NULL;
    unsigned long len = 0;
    if (len_s != NULL) {
        *len_s++ = '\0';
        ctx = strchr(len_s, ':');
        if (ctx != NULL) {
            *ctx++ = '\0';
        }
    }
    if (len_s == NULL || tool_parse_uint("--export LEN", len_s, 1, 16320, &len) != 0) {
        free(copy);
        return -1;
    }
    uint8_t *out = malloc(len);
    int r = out == NULL ? GMTLS_ERR_NO_MEMORY
                        : gmtls_export(conn, label, (const uint8_t *)ctx, ctx != NULL ? strlen(ctx) : 0,
                                       ctx != NULL, out, len);
    if (r == 0) {
        fprintf(stderr, "export: ");
        for (size_t i = 0; i < len; i++) {
            fprintf(stderr, "%02x", out[i]);
        }
        fprintf(stderr, "\n");
    } else {
        tool_err("export '%s': %s", label, gmtls_strerror(r));
    }
    free(out);
    free(copy);
    return r == 0 ? 0 : -1;
}

static void print_chain(const gmtls_conn *conn)
{
    for (size_t i = 0;; i++) {
        size_t len = 0;
        const uint8_t *der = gmtls_conn_peer_cert(conn, i, &len);
        if (der == NULL) {
            break;
        }
        const unsigned char *p = der;
        X509 *x = d2i_X509(NULL, &p, (long)len);
        if (x == NULL) {
            tool_err("peer certificate %zu does not parse", i);
            continue;
        }
        char *subj = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
        fprintf(stderr, "certificate %zu: %s\n", i, subj != NULL ? subj : "?");
        OPENSSL_free(subj);
        PEM_write_X509(stderr, x);
        X509_free(x);
    }
}

static int report(const gmtls_conn *conn, const client_opts *o)
{
    if (!o->quiet) {
        const char *alpn = gmtls_conn_alpn(conn), *peer = gmtls_conn_peer_subject(conn);
        const char *vr = gmtls_conn_verify_result(conn);
        fprintf(stderr, "protocol: %s\n", tool_version_name(gmtls_conn_version(conn)));
        fprintf(stderr, "cipher: %s\n", tool_suite_name(gmtls_conn_cipher_suite(conn)));
        fprintf(stderr, "group: %s\n", tool_group_name(gmtls_conn_group(conn)));
        fprintf(stderr, "signature: %s\n", tool_sigalg_name(gmtls_conn_sigalg(conn)));
        fprintf(stderr, "alpn: %s\n", alpn != NULL ? alpn : "none");
        fprintf(stderr, "resumed: %s\n", gmtls_conn_is_resumed(conn) ? "yes" : "no");
        char idbuf[600];
        const char *psk = tool_psk_identity(conn, idbuf, sizeof idbuf);
        if (strcmp(psk, "-") == 0) {
            fprintf(stderr, "psk: none\n");
        } else {
            fprintf(stderr, "psk: %s (%s)\n", psk, gmtls_conn_psk_ke_only(conn) ? "psk_ke" : "psk_dhe_ke");
        }
        fprintf(stderr, "hrr: %s\n", gmtls_conn_did_hrr(conn) ? "yes" : "no");
        if (o->early != NULL) {
            int es = gmtls_conn_early_data_state(conn);
            fprintf(stderr, "early data: %s\n",
                    es == GMTLS_EARLY_ACCEPTED   ? "accepted"
                    : es == GMTLS_EARLY_REJECTED ? "rejected"
                                                 : "not sent");
        }
        fprintf(stderr, "peer: %s\n", peer != NULL ? peer : "none");
        fprintf(stderr, "verify: %s\n", o->insecure ? "skipped (--insecure)" : (vr != NULL ? vr : "none"));
        char cc[64];
        fprintf(stderr, "certificate compression: %s\n", tool_cert_compression(conn, 1, cc, sizeof cc));
        uint16_t rsl = gmtls_conn_peer_record_size_limit(conn);
        if (rsl != 0) {
            fprintf(stderr, "record size limit: %u\n", rsl);
        } else {
            fprintf(stderr, "record size limit: none\n");
        }
    }
    if (o->status) {
        size_t len = 0;
        const uint8_t *ocsp = gmtls_conn_ocsp_response(conn, &len);
        if (ocsp != NULL) {
            fprintf(stderr, "ocsp: %zu bytes\n", len);
        } else {
            fprintf(stderr, "ocsp: none\n");
        }
    }
    int rc = 0;
    if (o->export_spec != NULL && print_export(conn, o->export_spec) != 0) {
        rc = -1;
    }
    if (o->showcerts) {
        print_chain(conn);
    }
    fflush(stderr);
    return rc;
}

/* ---------------------------------------------------------------- session */

typedef struct {
    uint8_t *data;
    size_t len;
} session_blob;

/* Keeps the newest ticket in *s (and in --sess-out). 1 when one is there. */
static int grab_session(const gmtls_conn *conn, session_blob *s, const char *sess_out)
{
    gmtls_buf b;
    gmtls_buf_init(&b);
    if (gmtls_conn_get_session(conn, &b) != 0 || b.off == 0) {
        gmtls_buf_dispose(&b);
        return s->data != NULL;
    }
    int changed = s->data == NULL || s->len != b.off || memcmp(s->data, b.base, b.off) != 0;
    if (changed) {
        uint8_t *p = malloc(b.off);
        if (p != NULL) {
            memcpy(p, b.base, b.off);
            free(s->data);
            s->data = p;
            s->len = b.off;
            if (sess_out != NULL) {
                (void)tool_write_file(sess_out, p, b.off);
            }
        }
    }
    gmtls_buf_dispose(&b);
    return s->data != NULL;
}

/* ---------------------------------------------------------------- modes */

static int write_all(gmtls_io *io, const void *p, size_t len, const char *what)
{
    size_t n = 0;
    int r = gmtls_io_write(io, p, len, &n);
    if (r != 0) {
        tool_print_tls_error(what, r, gmtls_io_conn(io));
        return -1;
    }
    return 0;
}

static int maybe_key_update(gmtls_io *io, const client_opts *o, int *done)
{
    if (!o->key_update || *done) {
        return 0;
    }
    *done = 1;
    int r = gmtls_io_key_update(io, 1);
    if (r != 0 && r != GMTLS_ERR_WANT_WRITE) { /* WANT_WRITE: queued (the relay flushes) */
        tool_print_tls_error("key update", r, gmtls_io_conn(io));
        return -1;
    }
    if (!o->quiet) {
        fprintf(stderr, "gmtls: sent KeyUpdate (update_requested)\n");
    }
    return 0;
}

static int ends_with_close(int r)
{
    return r == GMTLS_ERR_CLOSED || r == GMTLS_ERR_EOF;
}

/* Decodes a chunked body in place; returns its length or -1. */
static long dechunk(char *body, size_t len)
{
    size_t in = 0, out = 0;
    for (;;) {
        char *end = NULL;
        if (in >= len) {
            return -1;
        }
        unsigned long n = strtoul(body + in, &end, 16);
        char *eol = memmem(body + in, len - in, "\r\n", 2);
        if (eol == NULL || end == body + in) {
            return -1;
        }
        in = (size_t)(eol - body) + 2;
        if (n == 0) {
            return (long)out;
        }
        if (n > len - in) {
            return -1;
        }
        memmove(body + out, body + in, n);
        out += n;
        in += n + 2;
    }
}

static int do_get(gmtls_io *io, const client_opts *o, const char *host, int *ku_done)
{
    char req[2048];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: gmtls\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                     o->get_path, host);
    if (n < 0 || (size_t)n >= sizeof(req)) {
        tool_err("--get: path too long");
        return -1;
    }
    if (write_all(io, req, (size_t)n, "send request") != 0 || maybe_key_update(io, o, ku_done) != 0) {
        return -1;
    }
    size_t cap = 65536, len = 0;
    char *resp = malloc(cap + 1);
    if (resp == NULL) {
        return -1;
    }
    int r;
    for (;;) {
        if (len == cap) {
            char *p = realloc(resp, cap * 2 + 1);
            if (p == NULL) {
                free(resp);
                return -1;
            }
            resp = p;
            cap *= 2;
        }
        size_t got = 0;
        r = gmtls_io_read(io, resp + len, cap - len, &got);
        if (r != 0) {
            break;
        }
        len += got;
    }
    if (!ends_with_close(r)) {
        tool_print_tls_error("reading the response", r, gmtls_io_conn(io));
        free(resp);
        return -1;
    }
    resp[len] = '\0';
    char *hdr_end = strstr(resp, "\r\n\r\n");
    int status = 0;
    if (hdr_end == NULL || sscanf(resp, "HTTP/%*d.%*d %d", &status) != 1) {
        tool_err("--get: no valid HTTP response (%zu bytes)", len);
        free(resp);
        return -1;
    }
    *hdr_end = '\0';
    char *body = hdr_end + 4;
    size_t blen = len - (size_t)(body - resp);
    int chunked = 0;
    long clen = -1;
    for (char *line = strstr(resp, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (strncasecmp(h, "Transfer-Encoding:", 18) == 0 && strcasestr(h, "chunked") != NULL) {
            chunked = 1;
        } else if (strncasecmp(h, "Content-Length:", 15) == 0) {
            clen = strtol(h + 15, NULL, 10);
        }
    }
    if (chunked) {
        long dl = dechunk(body, blen);
        if (dl < 0) {
            tool_err("--get: malformed chunked body");
            free(resp);
            return -1;
        }
        blen = (size_t)dl;
    } else if (clen >= 0 && (size_t)clen < blen) {
        blen = (size_t)clen;
    }
    fwrite(body, 1, blen, stdout);
    fflush(stdout);
    free(resp);
    if (status < 200 || status > 299) {
        tool_err("--get %s: HTTP status %d", o->get_path, status);
        return -1;
    }
    return 0;
}

/* --count: wait (briefly) for the server's ticket, then close. */
static int do_ticket_wait(gmtls_io *io, const client_opts *o, session_blob *sess)
{
    const gmtls_conn *conn = gmtls_io_conn(io);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!grab_session(conn, sess, o->sess_out)) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (waited >= 2000) {
            break;
        }
        char buf[4096];
        size_t got = 0;
        int r = gmtls_io_read(io, buf, sizeof(buf), &got);
        if (r == 0) {
            fwrite(buf, 1, got, stdout);
            continue;
        }
        if (r != GMTLS_ERR_TIMEOUT) {
            break;
        }
    }
    fflush(stdout);
    (void)gmtls_io_close(io);
    return 0;
}

/* Non-blocking socket: waits until everything queued is sent. 0 or -1. */
static int flush_all(gmtls_io *io, int fd, const char *what)
{
    while (gmtls_io_pending_output(io) > 0) {
        int r = gmtls_io_flush(io);
        if (r == GMTLS_ERR_WANT_WRITE) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, -1) < 0 && errno != EINTR) {
                return -1;
            }
        } else if (r != 0) {
            tool_print_tls_error(what, r, gmtls_io_conn(io));
            return -1;
        }
    }
    return 0;
}

static int do_relay(gmtls_io *io, int fd, const client_opts *o, session_blob *sess, int *ku_done)
{
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
    int stdin_open = 1, pha_reported = 0;
    char buf[16384];
    /* Non-blocking from here on: the socket may be readable with only a
     * post-handshake message (the NewSessionTicket follows our Finished), and
     * a blocking read would then wait for application data while stdin waits
     * to be relayed. */
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        tool_err("fcntl: %s", strerror(errno));
        return -1;
    }
    for (;;) {
        /* Poll only when the io layer holds nothing: records read with the
         * handshake's last one, or a close_notify read together with the
         * data just returned, would otherwise wait for a peer that may send
         * nothing more (it may wait for our close_notify). */
        if (!gmtls_io_has_pending(io)) {
            p[1].fd = stdin_open ? STDIN_FILENO : -1;
            int r = poll(p, 2, -1);
            if (r < 0) {
                if (errno == EINTR) {
                    continue;
                }
                tool_err("poll: %s", strerror(errno));
                return -1;
            }
            if (p[1].revents != 0) {
                ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                if (n < 0 && errno == EINTR) {
                    continue;
                }
                if (n <= 0) {
                    stdin_open = 0;
                    (void)maybe_key_update(io, o, ku_done);
                    r = gmtls_io_close(io);
                    if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
                        tool_print_tls_error("close", r, gmtls_io_conn(io));
                    }
                    (void)flush_all(io, fd, "close");
                } else {
                    size_t wn = 0;
                    r = gmtls_io_write(io, buf, (size_t)n, &wn);
                    if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
                        tool_print_tls_error("send", r, gmtls_io_conn(io));
                        return -1;
                    }
                    if (maybe_key_update(io, o, ku_done) != 0 || flush_all(io, fd, "send") != 0) {
                        return -1;
                    }
                }
            }
            if (p[0].revents == 0) {
                continue;
            }
        }
        size_t got = 0;
        int r = gmtls_io_read(io, buf, sizeof(buf), &got);
        (void)grab_session(gmtls_io_conn(io), sess, o->sess_out);
        if (!pha_reported && gmtls_conn_pha_status(gmtls_io_conn(io)) == GMTLS_PHA_DONE) {
            pha_reported = 1;
            if (!o->quiet) {
                fprintf(stderr, "gmtls: answered a post-handshake CertificateRequest\n");
            }
        }
        if (r == 0) {
            if (fwrite(buf, 1, got, stdout) != got || fflush(stdout) != 0) {
                return -1;
            }
            continue;
        }
        if (r == GMTLS_ERR_WANT_READ || r == GMTLS_ERR_WANT_WRITE) {
            /* a record without application data (a ticket, a KeyUpdate,
             * whose answer flush_all sends) or half a record */
            if (flush_all(io, fd, "send") != 0) {
                return -1;
            }
            continue;
        }
        if (r == GMTLS_ERR_CLOSED) {
            if (stdin_open) {
                (void)gmtls_io_close(io);
            }
            return 0;
        }
        if (r == GMTLS_ERR_EOF) {
            if (!o->quiet) {
                tool_err("connection closed without close_notify");
            }
            return 0;
        }
        tool_print_tls_error("receive", r, gmtls_io_conn(io));
        return -1;
    }
}

/* ---------------------------------------------------------------- main */

static int run_connection(gmtls_config *cfg, const client_opts *o, const char *host, const char *port,
                          const char *sni, session_blob *sess, unsigned long index)
{
    int fd = tcp_connect(host, port, o->connect_timeout);
    if (fd < 0) {
        return 1;
    }
    gmtls_conn *conn = gmtls_conn_new(cfg, 0);
    gmtls_io *io = conn != NULL ? gmtls_io_new(conn, fd) : NULL;
    int rc = 1;
    if (io == NULL) {
        tool_err("out of memory");
        goto out;
    }
    int r = gmtls_conn_set_server_name(conn, sni);
    if (r != 0) {
        tool_err("server name '%s': %s", sni, gmtls_strerror(r));
        goto out;
    }
    if (sess->data != NULL) {
        r = gmtls_conn_set_session(conn, sess->data, sess->len);
        if (r != 0 && !o->quiet) {
            tool_err("session not usable (%s): full handshake", gmtls_strerror(r));
        }
        if (r == 0 && o->early != NULL && (r = gmtls_conn_set_early_data(conn, o->early, o->early_len)) != 0) {
            tool_err("--early-data: %s", gmtls_strerror(r));
            goto out;
        }
    }
    set_timeouts(fd, o->connect_timeout);
    r = gmtls_io_handshake(io);
    if (r != 0) {
        tool_print_tls_error("handshake failed", r, conn);
        if (tool_is_verify_failure(r, conn)) {
            tool_err("the server's certificate was not accepted: if its CA is not in the system store, pass it "
                     "with --ca FILE (gmtls server's development CA: --ca gmtls-dev/ca.pem); if the certificate "
                     "is for another name, use --servername NAME; --insecure skips verification (testing only)");
        }
        goto out;
    }
    set_timeouts(fd, 0);
    if (o->has_count && !o->quiet) {
        fprintf(stderr, "connection: %lu\n", index);
    }
    if (report(conn, o) != 0) {
        goto out;
    }
    /* RFC 8446 §2.3: early data the server did not take (or that was never
     * sent) goes again, as 1-RTT data. */
    if (o->early != NULL && gmtls_conn_early_data_state(conn) != GMTLS_EARLY_ACCEPTED) {
        size_t wn = 0;
        r = gmtls_io_write(io, o->early, o->early_len, &wn);
        if (r == 0 || r == GMTLS_ERR_WANT_WRITE) {
            r = gmtls_io_flush(io);
        }
        if (r != 0) {
            tool_print_tls_error("send failed", r, conn);
            goto out;
        }
    }
    int ku_done = 0;
    if (o->get_path != NULL) {
        if (do_get(io, o, sni, &ku_done) != 0) {
            goto out;
        }
        (void)grab_session(conn, sess, o->sess_out);
    } else if (o->has_count) {
        set_timeouts(fd, 1);
        if (maybe_key_update(io, o, &ku_done) != 0) {
            goto out;
        }
        (void)do_ticket_wait(io, o, sess);
    } else if (do_relay(io, fd, o, sess, &ku_done) != 0) {
        goto out;
    }
    rc = 0;
out:
    gmtls_io_free(io);
    gmtls_conn_free(conn);
    close(fd);
    return rc;
}

int gmtls_cmd_client(int argc, char **argv)
{
    client_opts o;
    int pr = parse_args(argc, argv, &o);
    if (pr != 0) {
        return pr > 0 ? 0 : 2;
    }
    char *host = NULL, *port = NULL;
    if (tool_split_hostport(o.target, NULL, &host, &port) != 0) {
        tool_err("client: '%s' is not HOST:PORT", o.target);
        return 2;
    }
    int rc = 2;
    session_blob sess = {NULL, 0};
    gmtls_config *cfg = gmtls_config_new();
    if (cfg == NULL) {
        tool_err("out of memory");
        rc = 1;
        goto out;
    }
    if ((rc = tool_config_lists(cfg, o.ciphers, o.groups, o.sigalgs, o.alpn)) != 0 ||
        (rc = tool_config_versions(cfg, o.min_version != NULL      ? o.min_version
                                        : o.max_version != NULL ? o.max_version
                                                                : NULL,
                                   o.max_version, o.ciphers12)) != 0 ||
        (rc = tool_config_sizes(cfg, o.cert_comp, o.record_size_limit)) != 0) {
        goto out;
    }
    rc = 2;
    if (o.profile != NULL && gmtls_config_set_profile_name(cfg, o.profile) != 0) {
        tool_err("--profile: %s", gmtls_config_last_error(cfg));
        goto out;
    }
    gmtls_config_set_tlcp_client(cfg, o.tlcp);
    if (o.strict_sm && gmtls_config_set_strict_sm(cfg, 1) != 0) {
        tool_err("--strict-sm: %s", gmtls_config_last_error(cfg));
        goto out;
    }
    if (o.sm2_id != NULL) {
        gmtls_sm2_id_mode mode;
        if (tool_parse_sm2_id(o.sm2_id, &mode) != 0) {
            goto out;
        }
        gmtls_config_set_sm2_id_mode(cfg, mode);
    }
    rc = 1; /* from here on: a file that cannot be used, like `gmtls server` */
    if (o.insecure) {
        gmtls_config_set_verify_peer(cfg, 0);
    } else if (o.ca != NULL) {
        if (tool_config_ca(cfg, o.ca) != 0) {
            goto out;
        }
    } else if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
        (void)gmtls_config_set_ca_file(cfg, "/etc/ssl/certs/ca-certificates.crt");
    }
    if (o.status) {
        gmtls_config_set_request_ocsp(cfg, 1);
    }
    if (tool_config_key_pass(cfg, o.key_pass) != 0) {
        goto out;
    }
    if (o.cert != NULL && tool_config_chain(cfg, o.cert, o.key) != 0) {
        goto out;
    }
    if (o.enc_cert != NULL && tool_config_enc_cert(cfg, o.enc_cert, o.enc_key) != 0) {
        goto out;
    }
    size_t npsks = 0;
    int pr2 = tool_config_psk(cfg, &o.psk, &npsks);
    if (pr2 != 0) {
        rc = pr2;
        goto out;
    }
    if (tool_keylog_setup(cfg, o.keylog) != 0) {
        goto out;
    }
    if (o.sess_in != NULL && tool_read_file(o.sess_in, &sess.data, &sess.len) != 0) {
        goto out;
    }
    if (o.early_data != NULL && (tool_read_file(o.early_data, &o.early, &o.early_len) != 0 || o.early_len == 0)) {
        tool_err("--early-data %s: cannot read it, or it is empty", o.early_data);
        goto out;
    }
    /* RFC 6066 §3: the HostName in server_name has no trailing dot; the
     * absolute form "example.com." names the same host for verification. */
    char *sni = strdup(o.servername != NULL ? o.servername : host);
    if (sni == NULL) {
        tool_err("out of memory");
        rc = 1;
        goto out;
    }
    size_t sl = strlen(sni);
    if (o.servername == NULL && sl > 1 && sni[sl - 1] == '.' && !tool_is_ip_literal(host)) {
        sni[sl - 1] = '\0';
    }
    rc = 0;
    for (unsigned long i = 1; i <= o.count && rc == 0; i++) {
        rc = run_connection(cfg, &o, host, port, sni, &sess, i);
    }
    free(sni);
out:
    free(sess.data);
    free(o.early);
    gmtls_config_free(cfg);
    free(host);
    free(port);
    return rc;
}
