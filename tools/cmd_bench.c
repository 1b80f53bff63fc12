/* tools/cmd_bench.c - `gmtls bench`: full handshakes per second and bulk
 * record throughput, in memory (no sockets), gmtls against OpenSSL's libssl
 * on the same machine, certificates and settings. libssl is used here only
 * as the yardstick; the library itself never links it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cmd.h"
#include "gmtls.h"
#include "server.h"
#include "tlsutil.h"

#define BENCH_RECORD 16384

typedef struct {
    const char *suite;
    const char *group;
    const char *sigalg;   /* client's offer: picks the server chain */
    const char *ossl_group;
    int is_sm;            /* OpenSSL 3.0 has no ShangMi TLS suites */
} bench_case;

static const bench_case cases[] = {
    {"TLS_AES_128_GCM_SHA256", "x25519", "ecdsa_secp256r1_sha256", "X25519", 0},
    {"TLS_AES_256_GCM_SHA384", "secp384r1", "ecdsa_secp256r1_sha256", "P-384", 0},
    {"TLS_CHACHA20_POLY1305_SHA256", "x25519", "ecdsa_secp256r1_sha256", "X25519", 0},
    {"TLS_AES_128_GCM_SHA256", "secp256r1", "ecdsa_secp256r1_sha256", "P-256", 0},
    {"TLS_SM4_GCM_SM3", "curveSM2", "sm2sig_sm3", NULL, 1},
    {"TLS_SM4_CCM_SM3", "curveSM2", "sm2sig_sm3", NULL, 1},
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- gmtls */

typedef struct {
    gmtls_config *server, *client;
} gm_pair;

static int gm_setup(gm_pair *p, const char *dir, const bench_case *bc)
{
    char ca[PATH_MAX + 16];
    snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
    p->server = gmtls_config_new();
    p->client = gmtls_config_new();
    if (p->server == NULL || p->client == NULL || srv_devcert_load(p->server, dir) != 0) {
        return -1;
    }
    gmtls_config_set_tickets(p->server, 0, 3600);
    if (tool_config_lists(p->client, bc->suite, bc->group, bc->sigalg, NULL) != 0 ||
        tool_config_ca(p->client, ca) != 0) {
        return -1;
    }
    return 0;
}

static void gm_teardown(gm_pair *p)
{
    gmtls_config_free(p->server);
    gmtls_config_free(p->client);
}

/* One full handshake in memory; leaves both conns ready. 0 or an error. */
static int gm_handshake(const gm_pair *p, gmtls_conn **cc, gmtls_conn **sc, gmtls_buf *c2s, gmtls_buf *s2c)
{
    *cc = gmtls_conn_new(p->client, 0);
    *sc = gmtls_conn_new(p->server, 1);
    if (*cc == NULL || *sc == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    int r = gmtls_conn_set_server_name(*cc, "localhost");
    if (r != 0) {
        return r;
    }
    int cdone = 0, sdone = 0;
    for (int round = 0; round < 16 && !(cdone && sdone); round++) {
        if (!cdone) {
            size_t n = s2c->off;
            r = gmtls_handshake(*cc, c2s, s2c->base, &n);
            gmtls_buf_consume(s2c, n);
            if (r == 0) {
                cdone = 1;
            } else if (r != GMTLS_ERR_WANT_READ) {
                return r;
            }
        }
        if (!sdone) {
            size_t n = c2s->off;
            r = gmtls_handshake(*sc, s2c, c2s->base, &n);
            gmtls_buf_consume(c2s, n);
            if (r == 0) {
                sdone = 1;
            } else if (r != GMTLS_ERR_WANT_READ) {
                return r;
            }
        }
    }
    gmtls_buf_consume(s2c, s2c->off); /* tickets, if any */
    return cdone && sdone ? 0 : GMTLS_ERR_FAILED;
}

static double gm_handshakes(const gm_pair *p, double seconds, int *err)
{
    gmtls_buf c2s, s2c;
    gmtls_buf_init(&c2s);
    gmtls_buf_init(&s2c);
    unsigned long n = 0;
    double start = now_s(), el = 0;
    *err = 0;
    do {
        gmtls_conn *cc = NULL, *sc = NULL;
        int r = gm_handshake(p, &cc, &sc, &c2s, &s2c);
        gmtls_conn_free(cc);
        gmtls_conn_free(sc);
        gmtls_buf_consume(&c2s, c2s.off);
        gmtls_buf_consume(&s2c, s2c.off);
        if (r != 0) {
            *err = r;
            break;
        }
        n++;
        el = now_s() - start;
    } while (el < seconds);
    gmtls_buf_dispose(&c2s);
    gmtls_buf_dispose(&s2c);
    return *err != 0 || el <= 0 ? 0 : (double)n / el;
}

/* MB/s of application data sealed by the client and opened by the server. */
static double gm_bulk(const gm_pair *p, double seconds, int *err)
{
    gmtls_buf c2s, s2c, app;
    gmtls_buf_init(&c2s);
    gmtls_buf_init(&s2c);
    gmtls_buf_init(&app);
    gmtls_conn *cc = NULL, *sc = NULL;
    static uint8_t data[BENCH_RECORD];
    double mbps = 0;
    *err = gm_handshake(p, &cc, &sc, &c2s, &s2c);
    if (*err == 0) {
        unsigned long long bytes = 0;
        double start = now_s(), el = 0;
        do {
            for (int i = 0; i < 64 && *err == 0; i++) {
                *err = gmtls_send(cc, &c2s, data, sizeof(data));
                size_t n = c2s.off;
                if (*err == 0) {
                    *err = gmtls_receive(sc, &s2c, &app, c2s.base, &n);
                }
                gmtls_buf_consume(&c2s, n);
                bytes += app.off;
                gmtls_buf_consume(&app, app.off);
            }
            el = now_s() - start;
        } while (*err == 0 && el < seconds);
        mbps = *err == 0 && el > 0 ? (double)bytes / el / 1e6 : 0;
    }
    gmtls_conn_free(cc);
    gmtls_conn_free(sc);
    gmtls_buf_dispose(&c2s);
    gmtls_buf_dispose(&s2c);
    gmtls_buf_dispose(&app);
    return mbps;
}

/* ---------------------------------------------------------------- OpenSSL */

typedef struct {
    SSL_CTX *server, *client;
} os_pair;

static int os_setup(os_pair *p, const char *dir, const bench_case *bc)
{
    char cert[PATH_MAX + 16], key[PATH_MAX + 16], ca[PATH_MAX + 16];
    snprintf(cert, sizeof(cert), "%s/ecdsa.pem", dir);
    snprintf(key, sizeof(key), "%s/ecdsa.key", dir);
    snprintf(ca, sizeof(ca), "%s/ca-ecdsa.pem", dir);
    p->server = SSL_CTX_new(TLS_server_method());
    p->client = SSL_CTX_new(TLS_client_method());
    if (p->server == NULL || p->client == NULL) {
        return -1;
    }
    SSL_CTX *both[2] = {p->server, p->client};
    for (int i = 0; i < 2; i++) {
        if (!SSL_CTX_set_min_proto_version(both[i], TLS1_3_VERSION) ||
            !SSL_CTX_set_ciphersuites(both[i], bc->suite) || !SSL_CTX_set1_groups_list(both[i], bc->ossl_group)) {
            return -1;
        }
    }
    SSL_CTX_set_num_tickets(p->server, 0);
    SSL_CTX_set_session_cache_mode(p->server, SSL_SESS_CACHE_OFF);
    if (SSL_CTX_use_certificate_chain_file(p->server, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(p->server, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(p->client, ca, NULL) != 1) {
        return -1;
    }
    SSL_CTX_set_verify(p->client, SSL_VERIFY_PEER, NULL);
    return 0;
}

static void os_teardown(os_pair *p)
{
    SSL_CTX_free(p->server);
    SSL_CTX_free(p->client);
}

static int os_handshake(const os_pair *p, SSL **c, SSL **s)
{
    BIO *bc = NULL, *bs = NULL;
    *c = SSL_new(p->client);
    *s = SSL_new(p->server);
    if (*c == NULL || *s == NULL || !BIO_new_bio_pair(&bc, 1 << 20, &bs, 1 << 20)) {
        return -1;
    }
    SSL_set_bio(*c, bc, bc);
    SSL_set_bio(*s, bs, bs);
    SSL_set_connect_state(*c);
    SSL_set_accept_state(*s);
    SSL_set1_host(*c, "localhost");
    SSL_set_tlsext_host_name(*c, "localhost");
    int cdone = 0, sdone = 0;
    for (int round = 0; round < 16 && !(cdone && sdone); round++) {
        if (!cdone) {
            int r = SSL_do_handshake(*c);
            if (r == 1) {
                cdone = 1;
            } else if (SSL_get_error(*c, r) != SSL_ERROR_WANT_READ) {
                return -1;
            }
        }
        if (!sdone) {
            int r = SSL_do_handshake(*s);
            if (r == 1) {
                sdone = 1;
            } else if (SSL_get_error(*s, r) != SSL_ERROR_WANT_READ) {
                return -1;
            }
        }
    }
    return cdone && sdone ? 0 : -1;
}

static double os_handshakes(const os_pair *p, double seconds, int *err)
{
    unsigned long n = 0;
    double start = now_s(), el = 0;
    *err = 0;
    do {
        SSL *c = NULL, *s = NULL;
        int r = os_handshake(p, &c, &s);
        SSL_free(c);
        SSL_free(s);
        if (r != 0) {
            *err = 1;
            break;
        }
        n++;
        el = now_s() - start;
    } while (el < seconds);
    return *err != 0 || el <= 0 ? 0 : (double)n / el;
}

static double os_bulk(const os_pair *p, double seconds, int *err)
{
    SSL *c = NULL, *s = NULL;
    static uint8_t data[BENCH_RECORD], back[BENCH_RECORD];
    double mbps = 0;
    *err = os_handshake(p, &c, &s) != 0;
    if (*err == 0) {
        unsigned long long bytes = 0;
        double start = now_s(), el = 0;
        do {
            for (int i = 0; i < 64 && *err == 0; i++) {
                if (SSL_write(c, data, sizeof(data)) != (int)sizeof(data)) {
                    *err = 1;
                    break;
                }
                size_t got = 0;
                while (got < sizeof(back)) {
                    int r = SSL_read(s, back + got, (int)(sizeof(back) - got));
                    if (r <= 0) {
                        *err = 1;
                        break;
                    }
                    got += (size_t)r;
                }
                bytes += got;
            }
            el = now_s() - start;
        } while (*err == 0 && el < seconds);
        mbps = *err == 0 && el > 0 ? (double)bytes / el / 1e6 : 0;
    }
    SSL_free(c);
    SSL_free(s);
    return mbps;
}

/* ---------------------------------------------------------------- main */

static void bench_usage(FILE *f)
{
    fprintf(f, "usage: gmtls bench [options]\n"
               "  --time S        seconds per measurement (default: 1)\n"
               "  --handshakes    only handshakes per second (default: both)\n"
               "  --bulk          only bulk throughput (default: both)\n"
               "  --no-openssl    skip the OpenSSL (libssl) comparison (default: compare)\n"
               "  --help          this text\n"
               "Full TLS 1.3 handshakes (client + server, certificate verification included,\n"
               "no tickets) and 16 KiB records sealed by the client and opened by the server,\n"
               "all in memory on one core.\n");
}

static void print_num(double v, int err, int na)
{
    if (na) {
        printf(" %10s", "n/a");
    } else if (err) {
        printf(" %10s", "error");
    } else {
        printf(" %10.0f", v);
    }
}

int gmtls_cmd_bench(int argc, char **argv)
{
    unsigned long secs = 1;
    int do_hs = 1, do_bulk = 1, do_ossl = 1;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            bench_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--handshakes") == 0) {
            do_bulk = 0;
        } else if (strcmp(argv[i], "--bulk") == 0) {
            do_hs = 0;
        } else if (strcmp(argv[i], "--no-openssl") == 0) {
            do_ossl = 0;
        } else if ((m = tool_opt_value(argc, argv, &i, "--time", &v)) != 0) {
            if (m < 0 || tool_parse_uint("--time", v, 1, 600, &secs) != 0) {
                return 2;
            }
        } else {
            tool_err("bench: unknown argument '%s' (see gmtls bench --help)", argv[i]);
            return 2;
        }
    }
    char dir[] = "/tmp/gmtls-bench.XXXXXX";
    char ca[PATH_MAX + 16];
    if (mkdtemp(dir) == NULL) {
        tool_err("mkdtemp: %s", strerror(errno));
        return 1;
    }
    int rc = 0;
    if (srv_devcert_setup(dir, ca, sizeof(ca), 1) != 0) {
        rc = 1;
        goto out;
    }
    printf("gmtls bench: %lu s per measurement, in memory, one core (SM path: %s)\n", secs, gmtls_sm_cpu_path());
    printf("%-30s %-10s %-6s %10s %10s\n", "suite", "group", "", "gmtls", "openssl");
    for (int pass = 0; pass < 2; pass++) {
        if ((pass == 0 && !do_hs) || (pass == 1 && !do_bulk)) {
            continue;
        }
        printf("%s\n", pass == 0 ? "-- full handshakes per second" : "-- bulk MB/s (16 KiB records)");
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            const bench_case *bc = &cases[i];
            gm_pair gp = {NULL, NULL};
            os_pair op = {NULL, NULL};
            int gerr = 0, oerr = 0;
            double gv = 0, ov = 0;
            if (gm_setup(&gp, dir, bc) != 0) {
                gerr = 1;
            } else {
                gv = pass == 0 ? gm_handshakes(&gp, (double)secs, &gerr) : gm_bulk(&gp, (double)secs, &gerr);
            }
            gm_teardown(&gp);
            int na = bc->is_sm || !do_ossl;
            if (!na) {
                if (os_setup(&op, dir, bc) != 0) {
                    oerr = 1;
                    ERR_clear_error();
                } else {
                    ov = pass == 0 ? os_handshakes(&op, (double)secs, &oerr) : os_bulk(&op, (double)secs, &oerr);
                }
                os_teardown(&op);
            }
            printf("%-30s %-10s %-6s", bc->suite, bc->group, bc->is_sm ? "sm2" : "ecdsa");
            print_num(gv, gerr, 0);
            print_num(ov, oerr, na);
            if (gerr != 0 && gerr != 1) {
                printf("  (gmtls: %s)", gmtls_strerror(gerr));
            }
            printf("\n");
            fflush(stdout);
            if (gerr != 0 || oerr != 0) {
                rc = 1;
            }
        }
    }
out: {
    static const char *const files[] = {"ca.pem", "ca-sm2.pem", "ca-ecdsa.pem", "sm2.pem",
                                        "sm2.key", "ecdsa.pem", "ecdsa.key"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}
    return rc;
}
