/* tools/cmd_server.c - `gmtls server`: options, the shared configuration
 * (rebuilt on SIGHUP), listening sockets and worker threads, signals.
 * The event loop is in server_loop.c, --www in server_http.c, development
 * certificates in server_devcert.c. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "cmd.h"
#include "server.h"
#include "tlsutil.h"

#define MAX_CERTS 16
#define MAX_WORKERS 256

typedef struct {
    const char *listen[SRV_MAX_LISTEN];
    size_t nlisten;
    int reuse_port;
    const char *certs[MAX_CERTS], *keys[MAX_CERTS];
    size_t ncerts, nkeys;
    const char *enc_cert, *enc_key; /* TLCP encryption pair */
    const char *key_pass;
    const char *ciphers, *groups, *sigalgs, *alpn;
    const char *min_version, *max_version, *ciphers12;
    const char *cert_comp, *record_size_limit;
    const char *verify_client;
    const char *ca;
    unsigned long tickets;
    unsigned long max_early_data;
    int has_tickets;
    unsigned long session_cache; /* TLS 1.2 / TLCP session-ID cache entries */
    int has_session_cache;
    const char *ticket_keys;
    const char *keylog;
    const char *ocsp;
    const char *sm2_id;
    int strict_sm;
    const char *profile;
    int www, echo;
    const char *root;
    const char *proxy;
    unsigned long workers;
    unsigned long max_conns, max_conns_per_ip;
    unsigned long handshake_timeout, header_timeout, idle_timeout, min_rate;
    int quiet, verbose;
    const char *dev_dir;
    const char *metrics;
    const char *user;
    tool_psk_opts psk;
    const char *pha_path;
} server_opts;

static void server_usage(FILE *f)
{
    fprintf(f,
            "usage: gmtls server [options]\n"
            "  --listen ADDR:PORT     address to listen on, [::1]:PORT for IPv6; repeatable\n"
            "                         (default: 127.0.0.1:8443)\n"
            "  --reuse-port           share the port with other processes (SO_REUSEPORT; the kernel\n"
            "                         splits connections between them); without it a busy address\n"
            "                         is an error (default: off)\n"
            "  --cert FILE --key FILE certificate chain (PEM, leaf first) and key; repeatable pairs\n"
            "                         (default: development certificates in --dev-dir)\n"
            "  --enc-cert FILE --enc-key FILE  TLCP (GB/T 38636-2020) encryption certificate and SM2 key:\n"
            "                         the server then also answers TLCP (ECC_SM4_GCM_SM3, ECC_SM4_CBC_SM3;\n"
            "                         with --verify-client ECDHE_SM4_GCM_SM3, ECDHE_SM4_CBC_SM3 first),\n"
            "                         signing with the first SM2 --cert chain\n"
            "  --key-pass SPEC        passphrase of encrypted keys: pass:TEXT, env:VAR, file:PATH or\n"
            "                         fd:N (default: none; keys are never asked for on a terminal)\n"
            "  --dev-dir DIR          where development CAs/certificates live (default: ./gmtls-dev)\n"
            "  --ciphers LIST         cipher suites, colon-separated IANA names (default: library's)\n"
            "  --groups LIST          key exchange groups (default: library's)\n"
            "  --sigalgs LIST         signature schemes (default: library's)\n"
            "  --min-version V        lowest protocol version, 1.2 or 1.3 (default: 1.2: TLS 1.2 clients,\n"
            "                         ECDHE + AEAD with the extended master secret, on the same port)\n"
            "  --max-version V        highest protocol version, 1.2 or 1.3 (default: 1.3)\n"
            "  --tls12-ciphers LIST   TLS 1.2 cipher suites, colon-separated IANA names\n"
            "                         (default: library's)\n"
            "  --alpn LIST            ALPN protocols (default: http/1.1 with --www, else none)\n"
            "  --cert-compression LIST  certificate compression, RFC 8879: the algorithms the\n"
            "                         chain is compressed with for clients that offer them, and\n"
            "                         offered for client certificates (brotli, zstd, zlib, or\n"
            "                         none; default: brotli:zstd:zlib)\n"
            "  --record-size-limit N  record_size_limit answered, RFC 8449: 64..16385, 0 = not\n"
            "                         sent (default: 16385)\n"
            "  --verify-client MODE   none | request | require | verify-if-given | require-and-verify\n"
            "                         | post-handshake: after the handshake (RFC 8446 §4.6.2), with\n"
            "                         --www on requests for --pha-path, else at once; verified\n"
            "                         against --ca when given (default: none)\n"
            "  --pha-path PATH        --www: the path that asks for a client certificate\n"
            "                         (default: /private with --verify-client post-handshake)\n"
            "  --ca FILE|DIR          trust anchors for client certificates (default: none)\n"
            "  --psk HEX              an external PSK (RFC 8446 §2.2) clients may use; with PSKs and\n"
            "                         no --cert the server has no certificate (default: none)\n"
            "  --psk-identity ID      its identity (default: Client_identity, as OpenSSL's)\n"
            "  --psk-hash HASH        its hash: SHA256, SHA384 or SM3 (default: SHA256)\n"
            "  --psk-file FILE        PSKs, one IDENTITY:HEX[:HASH] per line (default: none)\n"
            "  --psk-modes LIST       psk_dhe_ke and/or psk_ke, comma-separated (default: psk_dhe_ke)\n"
            "  --tickets N            session tickets per handshake, 0 = off (default: library's, 1)\n"
            "  --session-cache N      TLS 1.2 / TLCP sessions kept for session-ID resumption, 0 = off\n"
            "                         (default: library's, 20480; kept across SIGHUP)\n"
            "  --max-early-data N     accept up to N bytes of 0-RTT data with a resumed session,\n"
            "                         replay-checked per process (--www: 425 unless GET/HEAD;\n"
            "                         default: 0, off)\n"
            "  --ticket-keys FILE     ticket keys, one 96-hex-digit key per line (default: random,\n"
            "                         kept across SIGHUP)\n"
            "  --keylog FILE          append NSS key log lines (default: $SSLKEYLOGFILE if set)\n"
            "  --ocsp FILE            DER OCSP response stapled with the first chain (default: none)\n"
            "  --sm2-id MODE          rfc8998 | gbt-default | accept-both (default: rfc8998)\n"
            "  --strict-sm            ShangMi only: TLS_SM4_*_SM3, curveSM2, sm2sig_sm3 (default: off)\n"
            "  --profile NAME         go-gmtls: the Go gmtls family's dialect (group 26, scheme\n"
            "                         0x0204 first; its SM2 certificates verified, its SM2 chain\n"
            "                         served to its clients); combines with --strict-sm\n"
            "  --www                  HTTP/1.1: status page at /, files with --root (default mode)\n"
            "  --root DIR             serve the files under DIR (default: none)\n"
            "  --echo                 echo the bytes received\n"
            "  --proxy HOST:PORT      relay to a plaintext TCP backend\n"
            "  --workers N            worker threads (default: number of cores)\n"
            "  --max-conns N          concurrent connections, 0 = no limit; when reached, idle\n"
            "                         keep-alive connections are closed first (default: 10000)\n"
            "  --max-conns-per-ip N   concurrent connections per client address (IPv6: per /64),\n"
            "                         0 = no limit (default: 0)\n"
            "  --handshake-timeout S  seconds to complete the handshake (default: 10)\n"
            "  --header-timeout S     --www: seconds to receive a whole request header (default: 10)\n"
            "  --idle-timeout S       seconds a keep-alive connection waits for a request, and\n"
            "                         seconds without any progress before closing (default: 60)\n"
            "  --min-rate B           bytes/s a request body or a response must move, measured\n"
            "                         over 10 s; 0 = off (default: 1024)\n"
            "  --metrics ADDR:PORT    serve Prometheus metrics over plain HTTP at /metrics; keep it on\n"
            "                         a private address such as 127.0.0.1 (default: off)\n"
            "  --user NAME            after binding and reading the keys, switch to user NAME (and its\n"
            "                         groups); SIGHUP is then refused: restart to load new keys\n"
            "                         (default: stay as started)\n"
            "  --quiet                no access log (default: off)\n"
            "  --verbose              also log each HTTP request (default: off)\n"
            "  --help                 this text\n"
            "signals: SIGINT/SIGTERM stop gracefully, SIGHUP reloads certificates and ticket keys\n"
            "systemd: with NOTIFY_SOCKET set, READY=1 once listening, RELOADING=1 / STOPPING=1\n");
}

static int parse_args(int argc, char **argv, server_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_conns = 10000;
    o->handshake_timeout = 10;
    o->header_timeout = 10;
    o->idle_timeout = 60;
    o->min_rate = 1024;
    o->dev_dir = "./gmtls-dev";
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o->workers = ncpu > 0 ? (unsigned long)ncpu : 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int m;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            server_usage(stdout);
            return 1;
        }
        struct {
            const char *name;
            int *flag;
        } flags[] = {{"--strict-sm", &o->strict_sm}, {"--www", &o->www},     {"--echo", &o->echo},
                     {"--quiet", &o->quiet},         {"--verbose", &o->verbose},
                     {"--reuse-port", &o->reuse_port}};
        int matched = 0;
        for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]) && !matched; k++) {
            if (strcmp(a, flags[k].name) == 0) {
                *flags[k].flag = 1;
                matched = 1;
            }
        }
        if (matched) {
            continue;
        }
        const tool_str_opt sopts[] = {
            {"--ciphers", &o->ciphers},     {"--groups", &o->groups},
            {"--sigalgs", &o->sigalgs}, {"--alpn", &o->alpn},           {"--verify-client", &o->verify_client},
            {"--ca", &o->ca},           {"--ticket-keys", &o->ticket_keys}, {"--keylog", &o->keylog},
            {"--ocsp", &o->ocsp},       {"--sm2-id", &o->sm2_id},       {"--root", &o->root},
            {"--proxy", &o->proxy},     {"--dev-dir", &o->dev_dir},     {"--key-pass", &o->key_pass},
            {"--psk", &o->psk.hex},     {"--psk-identity", &o->psk.identity}, {"--psk-hash", &o->psk.hash},
            {"--psk-file", &o->psk.file}, {"--psk-modes", &o->psk.modes}, {"--pha-path", &o->pha_path},
            {"--metrics", &o->metrics}, {"--user", &o->user},           {"--profile", &o->profile},
            {"--min-version", &o->min_version}, {"--max-version", &o->max_version},
            {"--tls12-ciphers", &o->ciphers12}, {"--enc-cert", &o->enc_cert}, {"--enc-key", &o->enc_key},
            {"--cert-compression", &o->cert_comp}, {"--record-size-limit", &o->record_size_limit},
        };
        m = tool_opt_strings(argc, argv, &i, sopts, sizeof(sopts) / sizeof(sopts[0]));
        if (m < 0) {
            return -1;
        }
        if (m > 0) {
            continue;
        }
        if ((m = tool_opt_value(argc, argv, &i, "--listen", &v)) != 0) {
            if (m < 0 || o->nlisten == SRV_MAX_LISTEN) {
                if (m > 0) {
                    tool_err("server: at most %d --listen addresses", SRV_MAX_LISTEN);
                }
                return -1;
            }
            o->listen[o->nlisten++] = v;
            continue;
        }
        if ((m = tool_opt_value(argc, argv, &i, "--cert", &v)) != 0) {
            if (m < 0 || o->ncerts == MAX_CERTS) {
                return -1;
            }
            o->certs[o->ncerts++] = v;
            continue;
        }
        if ((m = tool_opt_value(argc, argv, &i, "--key", &v)) != 0) {
            if (m < 0 || o->nkeys == MAX_CERTS) {
                return -1;
            }
            o->keys[o->nkeys++] = v;
            continue;
        }
        struct {
            const char *name;
            unsigned long *dst, min, max;
        } nopts[] = {
            {"--tickets", &o->tickets, 0, 16},
            {"--session-cache", &o->session_cache, 0, 16777216},
            {"--max-early-data", &o->max_early_data, 0, 0xffffffffUL},
            {"--workers", &o->workers, 1, MAX_WORKERS},
            {"--max-conns", &o->max_conns, 0, 10000000},
            {"--max-conns-per-ip", &o->max_conns_per_ip, 0, 10000000},
            {"--handshake-timeout", &o->handshake_timeout, 1, 86400},
            {"--header-timeout", &o->header_timeout, 1, 86400},
            {"--idle-timeout", &o->idle_timeout, 1, 86400},
            {"--min-rate", &o->min_rate, 0, 1000000000},
        };
        for (size_t k = 0; k < sizeof(nopts) / sizeof(nopts[0]) && !matched; k++) {
            m = tool_opt_value(argc, argv, &i, nopts[k].name, &v);
            if (m < 0) {
                return -1;
            }
            if (m > 0) {
                if (tool_parse_uint(nopts[k].name, v, nopts[k].min, nopts[k].max, nopts[k].dst) != 0) {
                    return -1;
                }
                if (nopts[k].dst == &o->tickets) {
                    o->has_tickets = 1;
                }
                if (nopts[k].dst == &o->session_cache) {
                    o->has_session_cache = 1;
                }
                matched = 1;
            }
        }
        if (matched) {
            continue;
        }
        tool_err("server: unknown argument '%s' (see gmtls server --help)", a);
        return -1;
    }
    if (o->nlisten == 0) {
        o->listen[o->nlisten++] = "127.0.0.1:8443";
    }
    if ((o->enc_cert == NULL) != (o->enc_key == NULL)) {
        tool_err("server: --enc-cert and --enc-key go together (the TLCP encryption certificate and its key)");
        return -1;
    }
    if (o->ncerts != o->nkeys) {
        tool_err("server: --cert and --key must come in pairs (%zu certificates, %zu keys)", o->ncerts, o->nkeys);
        return -1;
    }
    if (o->ocsp != NULL && o->ncerts == 0) {
        tool_err("server: --ocsp %s staples a response for the first --cert chain: give --cert and --key "
                 "(the development certificates have no OCSP responder)",
                 o->ocsp);
        return -1;
    }
    if (o->www + o->echo + (o->proxy != NULL) > 1) {
        tool_err("server: choose one of --www, --echo, --proxy");
        return -1;
    }
    if (o->root != NULL && o->echo + (o->proxy != NULL) > 0) {
        tool_err("server: --root goes with --www");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- config */

static const server_opts *g_opts;
static const char *g_dev_dir; /* set when the development certificates are used */
static uint8_t g_ticket_key[48];
static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static gmtls_config *g_cfg;

gmtls_conn *srv_conn_new(void)
{
    pthread_mutex_lock(&cfg_lock);
    gmtls_conn *c = gmtls_conn_new(g_cfg, 1);
    pthread_mutex_unlock(&cfg_lock);
    return c;
}

static int parse_client_auth(const char *s, gmtls_client_auth *mode)
{
    static const struct {
        const char *name;
        gmtls_client_auth mode;
    } modes[] = {
        {"none", GMTLS_CLIENT_AUTH_NONE},
        {"request", GMTLS_CLIENT_AUTH_REQUEST},
        {"require", GMTLS_CLIENT_AUTH_REQUIRE_ANY},
        {"verify-if-given", GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN},
        {"require-and-verify", GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY},
    };
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(s, modes[i].name) == 0) {
            *mode = modes[i].mode;
            return 0;
        }
    }
    tool_err("--verify-client: unknown mode '%s' (none, request, require, verify-if-given, require-and-verify, post-handshake)",
             s);
    return -1;
}

static void config_error(gmtls_config *cfg, const char *what, int r)
{
    const char *d = gmtls_config_last_error(cfg);
    tool_err("%s: %s%s%s", what, gmtls_strerror(r), d != NULL && d[0] ? ": " : "", d != NULL ? d : "");
}

/* Builds a complete config from the options. Returns 0, 1 (a file or
 * library failure) or 2 (a usage error); *out is set on 0. */
static int build_config(const server_opts *o, gmtls_config **out)
{
    gmtls_config *cfg = gmtls_config_new();
    if (cfg == NULL) {
        tool_err("out of memory");
        return 1;
    }
    /* --www speaks HTTP/1.1 only: it says so in ALPN unless --alpn was given (RFC 7301 §3.2:
     * a client that offers no protocol in common gets no_application_protocol) */
    const char *alpn = o->alpn != NULL ? o->alpn : o->echo || o->proxy != NULL ? NULL : "http/1.1";
    int rc = tool_config_lists(cfg, o->ciphers, o->groups, o->sigalgs, alpn);
    if (rc == 0) {
        rc = tool_config_versions(cfg, o->min_version, o->max_version, o->ciphers12);
    }
    if (rc == 0) {
        rc = tool_config_sizes(cfg, o->cert_comp, o->record_size_limit);
    }
    if (rc != 0) {
        goto fail;
    }
    rc = 2;
    if (o->profile != NULL) {
        int r = gmtls_config_set_profile_name(cfg, o->profile);
        if (r != 0) {
            config_error(cfg, "--profile", r);
            goto fail;
        }
    }
    if (o->strict_sm) {
        int r = gmtls_config_set_strict_sm(cfg, 1);
        if (r != 0) {
            config_error(cfg, "--strict-sm", r);
            goto fail;
        }
    }
    if (o->sm2_id != NULL) {
        gmtls_sm2_id_mode mode;
        if (tool_parse_sm2_id(o->sm2_id, &mode) != 0) {
            goto fail;
        }
        gmtls_config_set_sm2_id_mode(cfg, mode);
    }
    if (o->verify_client != NULL && strcmp(o->verify_client, "post-handshake") != 0) {
        gmtls_client_auth mode;
        if (parse_client_auth(o->verify_client, &mode) != 0) {
            goto fail;
        }
        gmtls_config_set_client_auth(cfg, mode);
    }
    if (tool_config_key_pass(cfg, o->key_pass) != 0) {
        goto fail;
    }
    rc = 1;
    if (o->ca != NULL && tool_config_ca(cfg, o->ca) != 0) {
        goto fail;
    }
    if (o->enc_cert != NULL && tool_config_enc_cert(cfg, o->enc_cert, o->enc_key) != 0) {
        goto fail;
    }
    for (size_t i = 0; i < o->ncerts; i++) {
        if (tool_config_chain(cfg, o->certs[i], o->keys[i]) != 0) {
            goto fail;
        }
        if (i == 0 && o->ocsp != NULL) {
            uint8_t *der = NULL;
            size_t len = 0;
            if (tool_read_file(o->ocsp, &der, &len) != 0) {
                goto fail;
            }
            int r = gmtls_config_set_ocsp_staple(cfg, der, len);
            free(der);
            if (r != 0) {
                config_error(cfg, o->ocsp, r);
                goto fail;
            }
        }
    }
    size_t npsks = 0;
    int pr = tool_config_psk(cfg, &o->psk, &npsks);
    if (pr != 0) {
        rc = pr;
        goto fail;
    }
    /* With PSKs and no --cert: no certificate at all (RFC 8446 §2.2: the PSK
     * authenticates both sides), as openssl s_server -nocert. */
    if (o->ncerts == 0 && g_dev_dir != NULL && srv_devcert_load(cfg, g_dev_dir) != 0) {
        goto fail;
    }
    if (o->has_tickets) {
        gmtls_config_set_tickets(cfg, (unsigned)o->tickets, 7 * 24 * 3600);
    }
    if (o->has_session_cache) {
        gmtls_config_set_session_cache(cfg, (size_t)o->session_cache, 0);
    }
    if (o->max_early_data > 0 && gmtls_config_set_max_early_data(cfg, (uint32_t)o->max_early_data) != 0) {
        config_error(cfg, "--max-early-data", GMTLS_ERR_NO_MEMORY);
        goto fail;
    }
    if (o->ticket_keys != NULL) {
        int r = gmtls_config_load_ticket_keys(cfg, o->ticket_keys);
        if (r != 0) {
            config_error(cfg, o->ticket_keys, r);
            goto fail;
        }
    } else {
        /* one random key for the life of the process, so tickets survive reloads */
        int r = gmtls_config_set_ticket_keys(cfg, g_ticket_key, 1);
        if (r != 0) {
            config_error(cfg, "ticket key", r);
            goto fail;
        }
    }
    if (tool_keylog_setup(cfg, o->keylog) != 0) {
        goto fail;
    }
    *out = cfg;
    return 0;
fail:
    gmtls_config_free(cfg);
    return rc;
}

static const char *g_dropped_to; /* --user, once switched */

static void reload_config(void)
{
    if (g_dropped_to != NULL) {
        /* The keys were read as the user that started us; as g_dropped_to we
         * may not read them (and should not be able to): refuse rather than
         * half-reload. */
        tool_err("SIGHUP: reload refused: the server runs as '%s' (--user) and reads keys only at start; "
                 "restart it to load new certificates or keys",
                 g_dropped_to);
        return;
    }
    gmtls_config *cfg = NULL;
    if (build_config(g_opts, &cfg) != 0) {
        tool_err("SIGHUP: reload failed, keeping the current configuration");
        return;
    }
    /* the sessions cached so far stay resumable (as tickets, under the kept key) */
    gmtls_config_share_session_cache(cfg, g_cfg);
    pthread_mutex_lock(&cfg_lock);
    gmtls_config *old = g_cfg;
    g_cfg = cfg;
    pthread_mutex_unlock(&cfg_lock);
    gmtls_config_free(old); /* connections still using it hold references */
    if (!g_opts->quiet) {
        srv_log("SIGHUP: reloaded certificates and ticket keys");
    }
}

/* ---------------------------------------------------------------- sockets */

static int listen_socket(const struct sockaddr *sa, socklen_t len, int reuse_port)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    /* SO_REUSEADDR only lets us bind over connections in TIME_WAIT; two
     * listeners on one port need SO_REUSEPORT, which is opt-in */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (reuse_port) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    }
    if (sa->sa_family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (bind(fd, sa, len) != 0 || listen(fd, 1024) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int resolve(const char *spec, const char *default_port, int passive, struct sockaddr_storage *ss,
                   socklen_t *len)
{
    char *host = NULL, *port = NULL;
    if (tool_split_hostport(spec, default_port, &host, &port) != 0) {
        tool_err("'%s' is not ADDR:PORT with a port from 0 to 65535 (IPv6: [ADDR]:PORT)", spec);
        return -1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    int r = getaddrinfo(host, port, &hints, &res);
    if (r != 0) {
        tool_err("%s: %s", spec, gai_strerror(r));
        free(host);
        free(port);
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    free(host);
    free(port);
    return 0;
}

/* ---------------------------------------------------------------- metrics */

static volatile int g_metrics_stop;

/* One scrape at a time: the request is read (2 s at most), the text sent. */
static void *metrics_thread(void *arg)
{
    int lfd = *(int *)arg;
    while (!g_metrics_stop) {
        struct pollfd pfd = {.fd = lfd, .events = POLLIN};
        if (poll(&pfd, 1, 200) <= 0) {
            continue;
        }
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        struct timeval tv = {.tv_sec = 2};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        char req[2048];
        size_t have = 0;
        while (have < sizeof(req) - 1) {
            ssize_t n = recv(fd, req + have, sizeof(req) - 1 - have, 0);
            if (n <= 0) {
                break;
            }
            have += (size_t)n;
            req[have] = '\0';
            if (strstr(req, "\r\n\r\n") != NULL) {
                break;
            }
        }
        req[have] = '\0';
        int ok = strncmp(req, "GET /metrics ", 13) == 0 || strncmp(req, "GET / ", 6) == 0;
        size_t blen = 0;
        char *body = ok ? srv_metrics_text(&blen) : NULL;
        char head[256];
        int hl = snprintf(head, sizeof(head),
                          "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                          body != NULL ? "200 OK" : ok ? "500 Internal Server Error" : "404 Not Found",
                          body != NULL ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain", blen);
        ssize_t wn = send(fd, head, (size_t)hl, MSG_NOSIGNAL);
        for (size_t off = 0; wn >= 0 && body != NULL && off < blen; off += (size_t)wn) {
            wn = send(fd, body + off, blen - off, MSG_NOSIGNAL);
        }
        free(body);
        close(fd);
    }
    return NULL;
}

/* ---------------------------------------------------------------- systemd */

/* sd_notify(3)'s protocol without libsystemd: one datagram of NEWLINE-
 * separated VAR=value lines to the AF_UNIX socket named by $NOTIFY_SOCKET
 * (a leading '@' names an abstract socket). */
static void notify_systemd(const char *msg)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || path[0] == '\0') {
        return;
    }
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    size_t pl = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || pl >= sizeof(sa.sun_path)) {
        return;
    }
    memcpy(sa.sun_path, path, pl);
    if (path[0] == '@') {
        sa.sun_path[0] = '\0';
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return;
    }
    ssize_t n = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (const struct sockaddr *)&sa,
                       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + pl));
    (void)n;
    close(fd);
}

/* ---------------------------------------------------------------- --user */

/* Switches to user name and its groups for good. 0 or -1 (message printed). */
static int drop_privileges(const char *name)
{
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (pw == NULL) {
        tool_err("--user %s: %s", name, errno != 0 ? strerror(errno) : "no such user");
        return -1;
    }
    if (getuid() != 0 && geteuid() != 0) {
        if (pw->pw_uid == getuid()) {
            return 0; /* already that user */
        }
        tool_err("--user %s: only root can switch users (start the server as root, or leave out --user)", name);
        return -1;
    }
    /* groups first, while we still may; then the user, real, effective and
     * saved (setresuid), so there is no way back */
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
        setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
        tool_err("--user %s: cannot switch: %s", name, strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        tool_err("--user %s: root could be regained after the switch: refusing to run", name);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- main */

int gmtls_cmd_server(int argc, char **argv)
{
    static server_opts o;
    int pr = parse_args(argc, argv, &o);
    if (pr != 0) {
        return pr > 0 ? 0 : 2;
    }
    g_opts = &o;
    static srv_settings st;
    memset(&st, 0, sizeof(st));
    st.mode = o.proxy != NULL ? SRV_MODE_PROXY : o.echo ? SRV_MODE_ECHO : SRV_MODE_WWW;
    st.max_conns = (unsigned)o.max_conns;
    st.max_conns_per_ip = (unsigned)o.max_conns_per_ip;
    st.handshake_timeout_s = (unsigned)o.handshake_timeout;
    st.header_timeout_s = (unsigned)o.header_timeout;
    st.idle_timeout_s = (unsigned)o.idle_timeout;
    st.min_rate = (unsigned)o.min_rate;
    st.quiet = o.quiet;
    st.pha = o.verify_client != NULL && strcmp(o.verify_client, "post-handshake") == 0;
    st.pha_path = st.pha ? (o.pha_path != NULL ? o.pha_path : "/private") : NULL;
    if (o.pha_path != NULL && !st.pha) {
        tool_err("--pha-path goes with --verify-client post-handshake");
        return 2;
    }
    if (st.pha && o.ca == NULL) {
        tool_err("--verify-client post-handshake: give --ca FILE|DIR to verify client certificates");
        return 2;
    }
    st.verbose = o.verbose;
    static char root[PATH_MAX];
    if (o.root != NULL) {
        if (realpath(o.root, root) == NULL) {
            tool_err("--root %s: %s", o.root, strerror(errno));
            return 2;
        }
        st.root = root;
    }
    if (o.proxy != NULL && resolve(o.proxy, NULL, 0, &st.backend, &st.backend_len) != 0) {
        return 2;
    }
    char ca_path[PATH_MAX + 16] = "";
    if (o.ncerts == 0 && o.psk.hex == NULL && o.psk.file == NULL) {
        if (srv_devcert_setup(o.dev_dir, ca_path, sizeof(ca_path), o.quiet) != 0) {
            return 1;
        }
        g_dev_dir = o.dev_dir;
    }
    if (RAND_bytes(g_ticket_key, sizeof(g_ticket_key)) != 1) {
        tool_err("no randomness for the ticket key");
        return 1;
    }
    int rc = build_config(&o, &g_cfg);
    if (rc != 0) {
        return rc;
    }

    static int lfds[SRV_MAX_LISTEN];
    static char addrs[SRV_MAX_LISTEN][80];
    size_t nl = 0;
    for (; nl < o.nlisten; nl++) {
        struct sockaddr_storage la;
        socklen_t llen;
        if (resolve(o.listen[nl], "8443", 1, &la, &llen) != 0) {
            rc = 2;
            break;
        }
        lfds[nl] = listen_socket((const struct sockaddr *)&la, llen, o.reuse_port);
        if (lfds[nl] < 0) {
            int e = errno;
            if (e == EADDRINUSE) {
                tool_err("listen on %s: the address is already in use (another server is listening there: "
                         "stop it, choose another --listen, or pass --reuse-port to share the port on purpose)",
                         o.listen[nl]);
            } else {
                tool_err("listen on %s: %s", o.listen[nl], strerror(e));
            }
            rc = 1;
            break;
        }
        llen = sizeof(la);
        getsockname(lfds[nl], (struct sockaddr *)&la, &llen); /* port 0: the one the kernel picked */
        tool_format_addr((const struct sockaddr *)&la, addrs[nl], sizeof(addrs[nl]));
    }
    if (nl < o.nlisten) {
        for (size_t k = 0; k < nl; k++) {
            close(lfds[k]);
        }
        gmtls_config_free(g_cfg);
        return rc;
    }
    size_t nw = o.workers;
    static int mfd = -1;
    char maddr[80] = "";
    if (o.metrics != NULL) {
        struct sockaddr_storage ma;
        socklen_t mlen;
        if (resolve(o.metrics, NULL, 1, &ma, &mlen) != 0) {
            rc = 2;
        } else if ((mfd = listen_socket((const struct sockaddr *)&ma, mlen, 0)) < 0) {
            tool_err("--metrics %s: %s", o.metrics,
                     errno == EADDRINUSE ? "the address is already in use: choose another port" : strerror(errno));
            rc = 1;
        } else {
            mlen = sizeof(ma);
            getsockname(mfd, (struct sockaddr *)&ma, &mlen);
            tool_format_addr((const struct sockaddr *)&ma, maddr, sizeof(maddr));
        }
        if (mfd < 0) {
            for (size_t k = 0; k < nl; k++) {
                close(lfds[k]);
            }
            gmtls_config_free(g_cfg);
            return rc;
        }
    }

    /* Bound and keys read: now the privileges can go. */
    if (o.user != NULL) {
        if (drop_privileges(o.user) != 0) {
            for (size_t k = 0; k < nl; k++) {
                close(lfds[k]);
            }
            if (mfd >= 0) {
                close(mfd);
            }
            gmtls_config_free(g_cfg);
            return 1;
        }
        g_dropped_to = o.user;
    }

    /* Signals go to this thread only (sigwait below); workers never see them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    static srv_worker *workers[MAX_WORKERS];
    static pthread_t threads[MAX_WORKERS];
    size_t started = 0;
    for (size_t i = 0; i < nw; i++) {
        workers[i] = srv_worker_new(lfds, nl, &st);
        if (workers[i] == NULL || pthread_create(&threads[i], NULL, srv_worker_run, workers[i]) != 0) {
            tool_err("cannot start worker %zu", i);
            srv_worker_free(workers[i]);
            break;
        }
        started++;
    }
    const char *addr = addrs[0];
    if (started == nw) {
        if (ca_path[0] != '\0' && !o.quiet) {
            const char *colon = strrchr(addr, ':');
            const char *port = colon != NULL ? colon + 1 : "8443";
            /* Name the binary as it can be run from here (build/gmtls after
             * `make run`), not as if it were installed on the PATH. */
            char self[4096];
            ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
            self[sl > 0 ? sl : 0] = '\0';
            const char *prog = sl > 0 ? self : "gmtls";
            char cwd[4096];
            size_t cl = getcwd(cwd, sizeof cwd) != NULL ? strlen(cwd) : 0;
            if (cl > 0 && strncmp(prog, cwd, cl) == 0 && prog[cl] == '/') {
                prog += cl + 1; /* relative to the current directory */
            }
            printf("development certificates: %s (CA: %s)\n"
                   "try:\n"
                   "  %s client %s --ca %s --ciphers TLS_SM4_GCM_SM3\n"
                   "  curl --cacert %s https://localhost:%s/\n",
                   o.dev_dir, ca_path, prog, addr, ca_path, ca_path, port);
        }
        for (size_t k = 0; k < nl; k++) {
            printf("listening on %s\n", addrs[k]);
        }
        if (mfd >= 0) {
            printf("metrics on http://%s/metrics\n", maddr);
        }
        fflush(stdout);
    }
    rc = started == nw ? 0 : 1;
    pthread_t mth;
    int mstarted = 0;
    if (mfd >= 0 && started == nw) {
        mstarted = pthread_create(&mth, NULL, metrics_thread, &mfd) == 0;
        if (!mstarted) {
            tool_err("--metrics: cannot start its thread");
        }
    }
    if (started == nw) {
        char status[256];
        snprintf(status, sizeof(status), "READY=1\nMAINPID=%ld\nSTATUS=listening on %s%s", (long)getpid(), addr,
                 nl > 1 ? " and more" : "");
        notify_systemd(status);
    }
    while (started == nw) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0) {
            continue;
        }
        if (sig == SIGHUP) {
            notify_systemd("RELOADING=1");
            reload_config();
            notify_systemd("READY=1");
            continue;
        }
        if (!o.quiet) {
            srv_log("%s: stopping (finishing open connections)", sig == SIGINT ? "SIGINT" : "SIGTERM");
        }
        notify_systemd("STOPPING=1");
        break;
    }
    for (size_t i = 0; i < started; i++) {
        srv_worker_stop(workers[i]);
    }
    for (size_t i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        srv_worker_free(workers[i]);
    }
    for (size_t k = 0; k < nl; k++) {
        close(lfds[k]);
    }
    if (mstarted) {
        g_metrics_stop = 1;
        pthread_join(mth, NULL);
    }
    if (mfd >= 0) {
        close(mfd);
    }
    gmtls_config_free(g_cfg);
    g_cfg = NULL;
    return rc;
}
