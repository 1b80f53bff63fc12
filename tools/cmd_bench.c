/* tools/cmd_bench.c - `gmtls bench`: TLS 1.3 in memory (no sockets), gmtls
 * against OpenSSL's libssl in the same run, with the same certificates and
 * parameters:
 *   full-handshake         handshakes per second of one side's CPU time
 *   resumed-handshake      the same with a ticket (psk_dhe_ke, one new ticket each)
 *   record-throughput      MB/s of 16 KiB records sealed (client) / opened (server)
 *   memory-per-connection  heap bytes held by one established connection
 *   memory-mid-handshake   heap bytes held by a server connection that sent
 *                          its flight and waits for the client Finished, and
 *                          by a client connection that sent its ClientHello
 *                          (what an attacker holds without authenticating)
 *   time-to-first-byte     over loopback TCP: a client that does not set
 *                          TCP_NODELAY (like Python's ssl) connects, does the
 *                          handshake and one request; ms from connect() to
 *                          the first response byte, median and 90th percentile
 * Each side's cost is measured with CLOCK_THREAD_CPUTIME_ID around that
 * side's calls only, so "server" figures are what a server core pays.
 * OpenSSL has no ShangMi suites: next to a ShangMi row the OpenSSL column
 * shows OpenSSL's figure for the nearest standard configuration (marked *);
 * OpenSSL 3.0 has no ML-KEM: next to a hybrid post-quantum row it shows the
 * classical half of the group (same suite and certificate, marked *).
 * libssl is used here only as the yardstick; the library never links it. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "certgen/certgen.h"
#include "cmd.h"
#include "gmtls.h"
#include "server.h"
#include "tlsutil.h"

#define BENCH_RECORD 16384
#define BULK_BATCH 32
#define MAX_CFGS 24
#define MAX_RECS 256

/* ---------------------------------------------------------------- what is measured */

typedef struct {
    const char *name;   /* --cert-type */
    const char *file;   /* <file>.pem (chain), <file>.key, ca-<file>.pem */
    const char *sigalg; /* the scheme the client offers */
    const char *label;
} cert_type;

static const cert_type cert_types[] = {
    {"ecdsa-p256", "ecdsa", "ecdsa_secp256r1_sha256", "ECDSA P-256"},
    {"ecdsa-p384", "p384", "ecdsa_secp384r1_sha384", "ECDSA P-384"},
    {"rsa2048", "rsa2048", "rsa_pss_rsae_sha256", "RSA-2048"},
    {"ed25519", "ed25519", "ed25519", "Ed25519"},
    {"sm2", "sm2", "sm2sig_sm3", "SM2"},
    {"ecdsa-p521", "p521", "ecdsa_secp521r1_sha512", "ECDSA P-521"},
    {"ed448", "ed448", "ed448", "Ed448"},
};
#define CT_P256 0
#define CT_SM2 4

/* One TLS configuration: suites and groups as given to both sides. */
typedef struct {
    char suite[256];
    char group[128];
    const cert_type *cert;
    int sid; /* TLS 1.2: tickets off, resumption by session ID (both sides) */
} bench_cfg;

typedef struct {
    const char *suite, *group;
    int cert;
} cfg_def;

/* the default run */
static const cfg_def default_hs[] = {
    {"TLS_AES_128_GCM_SHA256", "x25519", CT_P256},
    {"TLS_SM4_GCM_SM3", "curveSM2", CT_SM2},
    {"TLS_SM4_CCM_SM3", "curveSM2", CT_SM2},
    {"TLS_AES_128_GCM_SHA256", "secp256r1", CT_P256},
    {"TLS_AES_256_GCM_SHA384", "secp384r1", 1},
    {"TLS_AES_128_GCM_SHA256", "x25519", 2},
    {"TLS_AES_128_GCM_SHA256", "x25519", 3},
    /* hybrid post-quantum groups: compare with the x25519 / curveSM2 rows above */
    {"TLS_AES_128_GCM_SHA256", "X25519MLKEM768", CT_P256},
    {"TLS_SM4_GCM_SM3", "curveSM2MLKEM768", CT_SM2},
    {"TLS_AES_128_GCM_SHA256", "SecP256r1MLKEM768", CT_P256},
    {"TLS_AES_256_GCM_SHA384", "SecP384r1MLKEM1024", 1},
    /* the groups a server accepts beside the fast ones (key share generate +
     * derive), and the P-521 / Ed448 schemes (sign on the server, verify on
     * the client): compare with the x25519 + ECDSA P-256 row */
    {"TLS_AES_128_GCM_SHA256", "x448", CT_P256},
    {"TLS_AES_128_GCM_SHA256", "secp521r1", CT_P256},
    {"TLS_AES_128_GCM_SHA256", "ffdhe2048", CT_P256},
    {"TLS_AES_128_GCM_SHA256", "ffdhe3072", CT_P256},
    {"TLS_AES_128_GCM_SHA256", "x25519", 5},
    {"TLS_AES_128_GCM_SHA256", "x25519", 6},
    /* TLS 1.2 (ECDHE + AEAD, extended master secret), beside OpenSSL's TLS 1.2 */
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "x25519", CT_P256},
    /* TLCP (GB/T 38636-2020, the pre-master SM2-encrypted; session-ID
     * resumption): OpenSSL has none, its TLS 1.2 ECDHE-ECDSA row (session
     * IDs) stands in */
    {"ECC_SM4_GCM_SM3", "SM2-enc", CT_SM2},
    {"ECC_SM4_CBC_SM3", "SM2-enc", CT_SM2},
};
static const char *const default_bulk[] = {
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_SM4_GCM_SM3",
    "TLS_SM4_CCM_SM3",        "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"};
/* --quick */
static const cfg_def quick_hs[] = {
    {"TLS_AES_128_GCM_SHA256", "x25519", CT_P256},
    {"TLS_SM4_GCM_SM3", "curveSM2", CT_SM2},
};
static const char *const quick_bulk[] = {"TLS_AES_128_GCM_SHA256", "TLS_SM4_GCM_SM3"};

/* OpenSSL's stand-in for a ShangMi configuration */
static const cfg_def ossl_ref_hs = {"TLS_AES_128_GCM_SHA256", "x25519", CT_P256};
/* ... for a TLCP one: TLS 1.2, resumed by session ID as TLCP is (sid set
 * at use); the same configuration is the default run's last row */
static const cfg_def ossl_ref_tlcp = {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "x25519", CT_P256};

enum { M_FULL, M_RESUMED, M_BULK, M_MEMORY, M_MEMHS, M_TTFB, M_COUNT };
static const char *const metric_names[M_COUNT] = {"full-handshake",       "resumed-handshake",
                                                  "record-throughput",    "memory-per-connection",
                                                  "memory-mid-handshake", "time-to-first-byte"};
static const char *const metric_units[M_COUNT] = {"handshakes/s", "handshakes/s", "MB/s", "bytes", "bytes", "ms"};
#define TTFB_ROWS 2 /* the first two handshake configurations */

/* One measurement: both sides of one metric, one implementation, one config. */
/* result.is_openssl: who is measured */
enum { IMPL_GMTLS, IMPL_LIBSSL, IMPL_EVP };
static const char *const impl_names[] = {"gmtls", "openssl", "openssl-evp"};

typedef struct {
    int metric;
    int is_openssl; /* IMPL_* */
    int is_reference;      /* OpenSSL stand-in for a ShangMi row (row = the SM row) */
    char stand_in_for[64]; /* the ShangMi suite it stands in for */
    int row;               /* index into the metric's row list */
    char suite[64], group[32], sigalg[40], cert[16];
    double server, client;
    int ok;
} result;

typedef struct {
    double seconds;
    int do_metric[M_COUNT];
    int do_ossl;
    int json;
    const char *svg;
    unsigned long conns;
    int progress;
    int step, steps;
    char dir[64];
    result res[MAX_RECS];
    size_t nres;
    const char *row_label[M_COUNT][MAX_CFGS];
    char row_buf[M_COUNT][MAX_CFGS][160];
    size_t nrows[M_COUNT];
} bench_state;

static double now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Adds the thread CPU time of `stmt` to `acc`. */
#define CPU_TIMED(acc, ...)                                                                                            \
    do {                                                                                                               \
        double t0_ = now_cpu();                                                                                        \
        __VA_ARGS__;                                                                                                   \
        (acc) += now_cpu() - t0_;                                                                                      \
    } while (0)

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static int is_sm_suite(const char *s)
{
    return strstr(s, "SM4") != NULL;
}

static int is_sm_cfg(const bench_cfg *c)
{
    return is_sm_suite(c->suite) || strstr(c->group, "SM2") != NULL || c->cert == &cert_types[CT_SM2];
}

/* The classical half of a hybrid post-quantum group (OpenSSL 3.0 has no
 * ML-KEM: its column shows that group, marked *), or NULL. */
static const char *classical_of_hybrid(const char *g)
{
    static const char *const map[][2] = {{"X25519MLKEM768", "x25519"},
                                         {"SecP256r1MLKEM768", "secp256r1"},
                                         {"SecP384r1MLKEM1024", "secp384r1"},
                                         {"curveSM2MLKEM768", "curveSM2"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcasecmp(g, map[i][0]) == 0) {
            return map[i][1];
        }
    }
    return NULL;
}

static const char *ossl_group(const char *g)
{
    if (strcmp(g, "x25519") == 0) {
        return "X25519";
    }
    if (strcmp(g, "secp256r1") == 0) {
        return "P-256";
    }
    if (strcmp(g, "secp384r1") == 0) {
        return "P-384";
    }
    if (strcmp(g, "secp521r1") == 0) {
        return "P-521";
    }
    if (strcmp(g, "x448") == 0) {
        return "X448";
    }
    return g; /* ffdhe2048 ... are the same names */
}

static void progress(bench_state *b, const char *what)
{
    b->step++;
    if (!b->progress) {
        return;
    }
    if (isatty(STDERR_FILENO)) {
        fprintf(stderr, "\rgmtls bench: [%d/%d] %-70.70s", b->step, b->steps, what);
        if (b->step == b->steps) {
            fprintf(stderr, "\r%-100s\r", "");
        }
    } else {
        fprintf(stderr, "gmtls bench: [%d/%d] %s\n", b->step, b->steps, what);
    }
    fflush(stderr);
}

/* ---------------------------------------------------------------- certificates */

/* Makes the chain of one certificate type in dir (SM2 and ECDSA P-256 come
 * from the development certificates of `gmtls server`). */
static int make_chain(const char *dir, const cert_type *ct)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s.pem", dir, ct->file);
    if (access(path, R_OK) == 0) {
        return 0;
    }
    if (ct == &cert_types[CT_P256] || ct == &cert_types[CT_SM2]) {
        char ca[PATH_MAX];
        return srv_devcert_setup(dir, ca, sizeof(ca), 1);
    }
    const char *alg = strcmp(ct->name, "ecdsa-p384") == 0   ? "P-384"
                      : strcmp(ct->name, "ecdsa-p521") == 0 ? "P-521"
                      : strcmp(ct->name, "ed25519") == 0    ? "ED25519"
                      : strcmp(ct->name, "ed448") == 0      ? "ED448"
                                                            : "RSA";
    gmtls_cg_chain c;
    char name[PATH_MAX + 16];
    int rc = -1;
    if (gmtls_cg_make_chain(alg, "gmtls bench", "localhost", GMTLS_CG_STYLE_RFC, NULL, &c) == 0) {
        size_t n = strlen(c.leaf_pem) + strlen(c.ca_pem);
        char *chain = malloc(n + 1);
        if (chain != NULL) {
            snprintf(chain, n + 1, "%s%s", c.leaf_pem, c.ca_pem);
            snprintf(name, sizeof(name), "%s/%s.pem", dir, ct->file);
            rc = tool_write_file(name, (const uint8_t *)chain, n);
            snprintf(name, sizeof(name), "%s/%s.key", dir, ct->file);
            rc |= tool_write_file(name, (const uint8_t *)c.key_pem, strlen(c.key_pem));
            snprintf(name, sizeof(name), "%s/ca-%s.pem", dir, ct->file);
            rc |= tool_write_file(name, (const uint8_t *)c.ca_pem, strlen(c.ca_pem));
            free(chain);
        }
        gmtls_cg_chain_free(&c);
    }
    if (rc != 0) {
        tool_err("bench: cannot make the %s certificates", ct->label);
    }
    return rc;
}

static void cert_paths(const char *dir, const cert_type *ct, char *chain, char *key, char *ca, size_t len)
{
    snprintf(chain, len, "%s/%s.pem", dir, ct->file);
    snprintf(key, len, "%s/%s.key", dir, ct->file);
    snprintf(ca, len, "%s/ca-%s.pem", dir, ct->file);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                char path[PATH_MAX];
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                unlink(path);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

/* ---------------------------------------------------------------- gmtls */

typedef struct {
    gmtls_config *server, *client;
} gm_pair;

/* A TLS 1.2 suite (TLS_ECDHE_*): the row measures a TLS 1.2 handshake. */
static int is_tls12_suite(const char *s)
{
    return strncmp(s, "TLS_ECDHE_", 10) == 0;
}

/* A TLCP suite (GB/T 38636-2020): the row measures a TLCP handshake. */
static int is_tlcp_suite(const char *s)
{
    return strncmp(s, "ECC_SM4_", 8) == 0;
}

/* The TLCP encryption pair: the development certificates' (server_devcert.c)
 * for the SM2 entity, issued by the SM2 chain's CA, so that the client's
 * checks of it (the chain, the entity) pass as with a real PKI. */
static int make_tlcp_enc(const char *dir, char *cert, char *key, size_t len)
{
    snprintf(cert, len, "%s/sm2enc.pem", dir);
    snprintf(key, len, "%s/sm2enc.key", dir);
    return access(cert, R_OK) == 0 ? 0 : -1;
}

/* OpenSSL's name of a TLS 1.2 suite. */
static const char *ossl_tls12_cipher(const char *s)
{
    static const char *const map[][2] = {
        {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
        {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
        {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
        {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
        {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
        {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(map[i][0], s) == 0) {
            return map[i][1];
        }
    }
    return s;
}

/* TLS 1.2 groups: the configured one, then the ECDSA certificate's curve,
 * which the client must list (RFC 8422 §5.3; OpenSSL enforces it too), so
 * that ECDHE still uses the configured group (server preference). */
static void tls12_groups(const bench_cfg *c, int ossl, char *buf, size_t n)
{
    const char *curve = c->cert == &cert_types[CT_P256] ? "secp256r1" : c->cert == &cert_types[1] ? "secp384r1" : NULL;
    const char *g = ossl ? ossl_group(c->group) : c->group;
    size_t gl = strlen(g);
    if (gl + 1 > n) {
        gl = n - 1;
    }
    memcpy(buf, g, gl);
    buf[gl] = '\0';
    if (curve != NULL && strcmp(curve, c->group) != 0) {
        const char *k = ossl ? ossl_group(curve) : curve;
        size_t kl = strlen(k);
        if (gl + 1 + kl + 1 <= n) {
            buf[gl] = ':';
            memcpy(buf + gl + 1, k, kl + 1);
        }
    }
}

static int gm_setup(gm_pair *p, const char *dir, const bench_cfg *c, unsigned tickets)
{
    char chain[PATH_MAX], key[PATH_MAX], ca[PATH_MAX];
    cert_paths(dir, c->cert, chain, key, ca, sizeof(chain));
    p->server = gmtls_config_new();
    p->client = gmtls_config_new();
    if (p->server == NULL || p->client == NULL || gmtls_config_add_cert_chain_file(p->server, chain, key) != 0) {
        return -1;
    }
    gmtls_config_set_tickets(p->server, c->sid ? 0 : tickets, 3600);
    if (is_tlcp_suite(c->suite)) {
        /* the SM2 signing chain, an encryption pair; resumption by session ID */
        char enc[PATH_MAX], enckey[PATH_MAX];
        gmtls_config_set_tlcp_client(p->client, 1);
        if (make_tlcp_enc(dir, enc, enckey, sizeof enc) != 0 ||
            gmtls_config_set_enc_cert_file(p->server, enc, enckey) != 0 ||
            gmtls_config_set_cipher_suites_tlcp(p->client, c->suite) != 0) {
            return -1;
        }
        return gmtls_config_set_ca_file(p->client, ca) != 0 ? -1 : 0;
    }
    if (is_tls12_suite(c->suite)) {
        gmtls_config *both[2] = {p->server, p->client};
        char groups[128];
        tls12_groups(c, 0, groups, sizeof groups);
        for (int i = 0; i < 2; i++) {
            if (gmtls_config_set_versions(both[i], GMTLS_VERSION_TLS12, GMTLS_VERSION_TLS12) != 0 ||
                tool_config_versions(both[i], NULL, NULL, c->suite) != 0 ||
                tool_config_lists(both[i], NULL, groups, i == 1 ? c->cert->sigalg : NULL, NULL) != 0) {
                return -1;
            }
        }
        return gmtls_config_set_ca_file(p->client, ca) != 0 ? -1 : 0;
    }
    if (tool_config_lists(p->server, c->suite, c->group, NULL, NULL) != 0 ||
        tool_config_lists(p->client, c->suite, c->group, c->cert->sigalg, NULL) != 0 ||
        gmtls_config_set_ca_file(p->client, ca) != 0) {
        return -1;
    }
    return 0;
}

static void gm_teardown(gm_pair *p)
{
    gmtls_config_free(p->server);
    gmtls_config_free(p->client);
    p->server = p->client = NULL;
}

typedef struct {
    gmtls_conn *c, *s;
    gmtls_buf c2s, s2c, app;
} gm_link;

static void gm_link_init(gm_link *l)
{
    memset(l, 0, sizeof(*l));
    gmtls_buf_init(&l->c2s);
    gmtls_buf_init(&l->s2c);
    gmtls_buf_init(&l->app);
}

static void gm_link_free(gm_link *l, double *scpu, double *ccpu)
{
    double dummy = 0;
    double *sacc = scpu != NULL ? scpu : &dummy, *cacc = ccpu != NULL ? ccpu : &dummy;
    CPU_TIMED(*cacc, gmtls_conn_free(l->c));
    CPU_TIMED(*sacc, gmtls_conn_free(l->s));
    l->c = l->s = NULL;
    gmtls_buf_dispose(&l->c2s);
    gmtls_buf_dispose(&l->s2c);
    gmtls_buf_dispose(&l->app);
}

/* One handshake in memory, each side's CPU time added to *scpu / *ccpu.
 * session: resume it (NULL: full). Bytes the server sent after its last
 * handshake message (tickets) stay in l->s2c. 0 or an error. */
static int gm_handshake_n(const gm_pair *p, gm_link *l, const gmtls_buf *session, double *scpu, double *ccpu,
                          int first_flight);

static int gm_handshake(const gm_pair *p, gm_link *l, const gmtls_buf *session, double *scpu, double *ccpu)
{
    return gm_handshake_n(p, l, session, scpu, ccpu, 0);
}

/* first_flight: stop once the client sent its ClientHello and the server
 * its flight (0, both mid-handshake). */
static int gm_handshake_n(const gm_pair *p, gm_link *l, const gmtls_buf *session, double *scpu, double *ccpu,
                          int first_flight)
{
    int r = 0;
    CPU_TIMED(*ccpu, {
        l->c = gmtls_conn_new(p->client, 0);
        r = l->c == NULL ? GMTLS_ERR_NO_MEMORY : gmtls_conn_set_server_name(l->c, "localhost");
        if (r == 0 && session != NULL) {
            r = gmtls_conn_set_session(l->c, session->base, session->off);
        }
    });
    CPU_TIMED(*scpu, l->s = gmtls_conn_new(p->server, 1));
    if (r != 0 || l->s == NULL) {
        return r != 0 ? r : GMTLS_ERR_NO_MEMORY;
    }
    int cdone = 0, sdone = 0;
    for (int round = 0; round < 16 && !(cdone && sdone); round++) {
        if (first_flight && round == 1) {
            return 0;
        }
        if (!cdone) {
            size_t n = l->s2c.off;
            CPU_TIMED(*ccpu, {
                r = gmtls_handshake(l->c, &l->c2s, l->s2c.base, &n);
                gmtls_buf_consume(&l->s2c, n);
            });
            if (r == 0) {
                cdone = 1;
            } else if (r != GMTLS_ERR_WANT_READ) {
                return r;
            }
        }
        if (!sdone) {
            size_t n = l->c2s.off;
            CPU_TIMED(*scpu, {
                r = gmtls_handshake(l->s, &l->s2c, l->c2s.base, &n);
                gmtls_buf_consume(&l->c2s, n);
            });
            if (r == 0) {
                sdone = 1;
            } else if (r != GMTLS_ERR_WANT_READ) {
                return r;
            }
        }
    }
    return cdone && sdone ? 0 : GMTLS_ERR_FAILED;
}

/* Client: reads the tickets in l->s2c and keeps the newest session. */
static int gm_take_ticket(gm_link *l, gmtls_buf *session, double *ccpu)
{
    int r = 0;
    CPU_TIMED(*ccpu, {
        size_t n = l->s2c.off;
        r = gmtls_receive(l->c, &l->c2s, &l->app, l->s2c.base, &n);
        gmtls_buf_consume(&l->s2c, n);
        if (r == 0) {
            gmtls_buf_consume(session, session->off);
            r = gmtls_conn_get_session(l->c, session);
        }
    });
    return r == 0 && session->off > 0 ? 0 : (r != 0 ? r : GMTLS_ERR_FAILED);
}

static void fill_names_gm(result *res, const gmtls_conn *c)
{
    snprintf(res->suite, sizeof(res->suite), "%s", tool_suite_name(gmtls_conn_cipher_suite(c)));
    snprintf(res->group, sizeof(res->group), "%s", tool_group_name(gmtls_conn_group(c)));
    if (gmtls_conn_sigalg(c) != 0) {
        snprintf(res->sigalg, sizeof(res->sigalg), "%s", tool_sigalg_name(gmtls_conn_sigalg(c)));
    } else {
        res->sigalg[0] = '\0'; /* resumed: no CertificateVerify */
    }
}

/* full (resumed = 0) or resumed handshakes for `seconds`. */
static int gm_handshakes(const gm_pair *p, int resumed, double seconds, result *res)
{
    gmtls_buf session;
    gmtls_buf_init(&session);
    double scpu = 0, ccpu = 0, dummy = 0;
    int r = 0;
    if (resumed) {
        gm_link l;
        gm_link_init(&l);
        r = gm_handshake(p, &l, NULL, &dummy, &dummy);
        if (r == 0) {
            r = gm_take_ticket(&l, &session, &dummy);
        }
        gm_link_free(&l, NULL, NULL);
    }
    unsigned long n = 0;
    double start = now_wall();
    while (r == 0 && (n == 0 || now_wall() - start < seconds)) {
        gm_link l;
        gm_link_init(&l);
        r = gm_handshake(p, &l, resumed ? &session : NULL, &scpu, &ccpu);
        if (r == 0 && resumed) {
            if (!gmtls_conn_is_resumed(l.c) || !gmtls_conn_is_resumed(l.s)) {
                tool_err("bench: gmtls did not resume");
                r = GMTLS_ERR_FAILED;
            } else {
                r = gm_take_ticket(&l, &session, &ccpu);
            }
        }
        if (r == 0 && n == 0) {
            fill_names_gm(res, l.c);
        }
        gm_link_free(&l, &scpu, &ccpu);
        n++;
    }
    gmtls_buf_dispose(&session);
    if (r != 0) {
        tool_err("bench: gmtls %s handshake: %s", resumed ? "resumed" : "full", gmtls_strerror(r));
        return -1;
    }
    res->server = scpu > 0 ? (double)n / scpu : 0;
    res->client = ccpu > 0 ? (double)n / ccpu : 0;
    return 0;
}

/* MB/s (1e6 bytes) of 16 KiB records sealed by the client / opened by the server. */
static int gm_bulk(const gm_pair *p, double seconds, result *res)
{
    static uint8_t data[BENCH_RECORD];
    double dummy = 0, scpu = 0, ccpu = 0;
    gm_link l;
    gm_link_init(&l);
    int r = gm_handshake(p, &l, NULL, &dummy, &dummy);
    unsigned long long bytes = 0;
    if (r == 0) {
        fill_names_gm(res, l.c);
        gmtls_buf_consume(&l.s2c, l.s2c.off);
        double start = now_wall();
        do {
            CPU_TIMED(ccpu, {
                for (int i = 0; i < BULK_BATCH && r == 0; i++) {
                    r = gmtls_send(l.c, &l.c2s, data, sizeof(data));
                }
            });
            size_t n = l.c2s.off;
            if (r == 0) {
                CPU_TIMED(scpu, r = gmtls_receive(l.s, &l.s2c, &l.app, l.c2s.base, &n));
            }
            gmtls_buf_consume(&l.c2s, n);
            bytes += l.app.off;
            gmtls_buf_consume(&l.app, l.app.off);
        } while (r == 0 && now_wall() - start < seconds);
        if (r == 0 && bytes == 0) {
            r = GMTLS_ERR_FAILED;
        }
    }
    gm_link_free(&l, NULL, NULL);
    if (r != 0) {
        tool_err("bench: gmtls records: %s", gmtls_strerror(r));
        return -1;
    }
    res->server = scpu > 0 ? (double)bytes / scpu / 1e6 : 0;
    res->client = ccpu > 0 ? (double)bytes / ccpu / 1e6 : 0;
    return 0;
}

/* Heap bytes per established connection: n pairs are set up (no tickets),
 * their transport buffers released, then the clients and the servers are
 * freed in turn. */
static int gm_memory(const gm_pair *p, unsigned long n, result *res, int mid)
{
    gm_link *links = calloc(n, sizeof(*links));
    if (links == NULL) {
        return -1;
    }
    double dummy = 0;
    int r = 0;
    size_t m0 = heap_in_use();
    for (unsigned long i = 0; i < n && r == 0; i++) {
        gm_link_init(&links[i]);
        r = gm_handshake_n(p, &links[i], NULL, &dummy, &dummy, mid);
        if (r == 0 && i == 0 && !mid) {
            fill_names_gm(res, links[i].c);
        }
        gmtls_buf_dispose(&links[i].c2s);
        gmtls_buf_dispose(&links[i].s2c);
        gmtls_buf_dispose(&links[i].app);
    }
    size_t m1 = heap_in_use();
    for (unsigned long i = 0; i < n; i++) {
        gmtls_conn_free(links[i].c);
    }
    size_t m2 = heap_in_use();
    for (unsigned long i = 0; i < n; i++) {
        gmtls_conn_free(links[i].s);
    }
    free(links);
    if (r != 0) {
        tool_err("bench: gmtls handshake: %s", gmtls_strerror(r));
        return -1;
    }
    res->client = (double)(m1 > m2 ? m1 - m2 : 0) / (double)n;
    res->server = (double)(m2 > m0 ? m2 - m0 : 0) / (double)n;
    return 0;
}

/* ---------------------------------------------------------------- OpenSSL */

typedef struct {
    SSL_CTX *server, *client;
} os_pair;

static int os_setup(os_pair *p, const char *dir, const bench_cfg *c, int tickets)
{
    char chain[PATH_MAX], key[PATH_MAX], ca[PATH_MAX];
    cert_paths(dir, c->cert, chain, key, ca, sizeof(chain));
    p->server = SSL_CTX_new(TLS_server_method());
    p->client = SSL_CTX_new(TLS_client_method());
    if (p->server == NULL || p->client == NULL) {
        return -1;
    }
    SSL_CTX *both[2] = {p->server, p->client};
    for (int i = 0; i < 2; i++) {
        if (is_tls12_suite(c->suite)) {
            /* TLS 1.2 only, the one suite; OpenSSL uses the extended master secret by default */
            char groups[128];
            tls12_groups(c, 1, groups, sizeof groups);
            if (!SSL_CTX_set_min_proto_version(both[i], TLS1_2_VERSION) ||
                !SSL_CTX_set_max_proto_version(both[i], TLS1_2_VERSION) ||
                !SSL_CTX_set_cipher_list(both[i], ossl_tls12_cipher(c->suite)) ||
                !SSL_CTX_set1_groups_list(both[i], groups)) {
                return -1;
            }
            continue;
        }
        if (!SSL_CTX_set_min_proto_version(both[i], TLS1_3_VERSION) || !SSL_CTX_set_ciphersuites(both[i], c->suite) ||
            !SSL_CTX_set1_groups_list(both[i], ossl_group(c->group))) {
            return -1;
        }
    }
    if (!SSL_CTX_set1_sigalgs_list(p->client, c->cert->sigalg)) {
        return -1;
    }
    SSL_CTX_set_num_tickets(p->server, (size_t)tickets);
    if (c->sid) {
        /* no tickets: the server's internal session cache resumes by ID */
        SSL_CTX_set_options(p->server, SSL_OP_NO_TICKET);
        SSL_CTX_set_options(p->client, SSL_OP_NO_TICKET);
        SSL_CTX_set_session_cache_mode(p->server, SSL_SESS_CACHE_SERVER);
    } else {
        SSL_CTX_set_session_cache_mode(p->server, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
    }
    if (SSL_CTX_use_certificate_chain_file(p->server, chain) != 1 ||
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
    p->server = p->client = NULL;
}

/* One handshake over a BIO pair of bufsize bytes each way. */
static int os_handshake_n(const os_pair *p, SSL **c, SSL **s, SSL_SESSION *session, size_t bufsize, double *scpu,
                          double *ccpu, int first_flight);

static int os_handshake(const os_pair *p, SSL **c, SSL **s, SSL_SESSION *session, size_t bufsize, double *scpu,
                        double *ccpu)
{
    return os_handshake_n(p, c, s, session, bufsize, scpu, ccpu, 0);
}

static int os_handshake_n(const os_pair *p, SSL **c, SSL **s, SSL_SESSION *session, size_t bufsize, double *scpu,
                          double *ccpu, int first_flight)
{
    BIO *bc = NULL, *bs = NULL;
    int ok = 1;
    CPU_TIMED(*ccpu, {
        *c = SSL_new(p->client);
        ok = *c != NULL;
        if (ok) {
            SSL_set_connect_state(*c);
            ok = SSL_set1_host(*c, "localhost") && SSL_set_tlsext_host_name(*c, "localhost") &&
                 (session == NULL || SSL_set_session(*c, session));
        }
    });
    CPU_TIMED(*scpu, {
        *s = SSL_new(p->server);
        if (*s != NULL) {
            SSL_set_accept_state(*s);
        }
    });
    if (!ok || *s == NULL || !BIO_new_bio_pair(&bc, bufsize, &bs, bufsize)) {
        return -1;
    }
    SSL_set_bio(*c, bc, bc);
    SSL_set_bio(*s, bs, bs);
    int cdone = 0, sdone = 0;
    for (int round = 0; round < 16 && !(cdone && sdone); round++) {
        int r = 0, e = 0;
        if (first_flight && round == 1) {
            return 0;
        }
        if (!cdone) {
            CPU_TIMED(*ccpu, {
                r = SSL_do_handshake(*c);
                e = r == 1 ? 0 : SSL_get_error(*c, r);
            });
            if (r == 1) {
                cdone = 1;
            } else if (e != SSL_ERROR_WANT_READ) {
                return -1;
            }
        }
        if (!sdone) {
            CPU_TIMED(*scpu, {
                r = SSL_do_handshake(*s);
                e = r == 1 ? 0 : SSL_get_error(*s, r);
            });
            if (r == 1) {
                sdone = 1;
            } else if (e != SSL_ERROR_WANT_READ) {
                return -1;
            }
        }
    }
    return cdone && sdone ? 0 : -1;
}

/* Client: processes the tickets waiting in its BIO; returns the session. */
static SSL_SESSION *os_take_ticket(SSL *c, double *ccpu)
{
    SSL_SESSION *sess = NULL;
    CPU_TIMED(*ccpu, {
        unsigned char b;
        int r = SSL_read(c, &b, 1);
        if (r <= 0 && SSL_get_error(c, r) == SSL_ERROR_WANT_READ) {
            sess = SSL_get1_session(c);
        }
    });
    return sess;
}

/* Frees both ends as after a clean shutdown: OpenSSL marks the session of a
 * connection freed without one as not resumable. */
static void os_free(SSL *c, SSL *s, double *scpu, double *ccpu)
{
    double dummy = 0;
    double *sacc = scpu != NULL ? scpu : &dummy, *cacc = ccpu != NULL ? ccpu : &dummy;
    CPU_TIMED(*cacc, {
        if (c != NULL) {
            SSL_set_shutdown(c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        }
        SSL_free(c);
    });
    CPU_TIMED(*sacc, {
        if (s != NULL) {
            SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        }
        SSL_free(s);
    });
}

static void fill_names_os(result *res, SSL *c, const bench_cfg *cfg)
{
    const SSL_CIPHER *ciph = SSL_get_current_cipher(c);
    snprintf(res->suite, sizeof(res->suite), "%s", ciph != NULL ? SSL_CIPHER_standard_name(ciph) : "?");
    snprintf(res->group, sizeof(res->group), "%.31s", cfg->group);
    snprintf(res->sigalg, sizeof(res->sigalg), "%s", cfg->cert->sigalg);
}

static int os_handshakes(const os_pair *p, const bench_cfg *cfg, int resumed, double seconds, result *res)
{
    SSL_SESSION *session = NULL;
    double scpu = 0, ccpu = 0, dummy = 0;
    int ok = 1;
    if (resumed) {
        SSL *c = NULL, *s = NULL;
        ok = os_handshake(p, &c, &s, NULL, 1 << 16, &dummy, &dummy) == 0 &&
             (session = os_take_ticket(c, &dummy)) != NULL;
        os_free(c, s, NULL, NULL);
    }
    unsigned long n = 0;
    double start = now_wall();
    while (ok && (n == 0 || now_wall() - start < seconds)) {
        SSL *c = NULL, *s = NULL;
        ok = os_handshake(p, &c, &s, session, 1 << 16, &scpu, &ccpu) == 0;
        if (ok && resumed) {
            if (!SSL_session_reused(c) || !SSL_session_reused(s)) {
                tool_err("bench: OpenSSL did not resume");
                ok = 0;
            } else {
                SSL_SESSION *next = os_take_ticket(c, &ccpu);
                ok = next != NULL;
                CPU_TIMED(ccpu, SSL_SESSION_free(session));
                session = next;
            }
        }
        if (ok && n == 0) {
            fill_names_os(res, c, cfg);
            if (resumed) {
                res->sigalg[0] = '\0';
            }
        }
        os_free(c, s, &scpu, &ccpu);
        n++;
    }
    SSL_SESSION_free(session);
    if (!ok) {
        tool_err("bench: OpenSSL %s handshake failed", resumed ? "resumed" : "full");
        ERR_print_errors_fp(stderr);
        return -1;
    }
    res->server = scpu > 0 ? (double)n / scpu : 0;
    res->client = ccpu > 0 ? (double)n / ccpu : 0;
    return 0;
}

static int os_bulk(const os_pair *p, const bench_cfg *cfg, double seconds, result *res)
{
    static uint8_t data[BENCH_RECORD], back[BENCH_RECORD];
    SSL *c = NULL, *s = NULL;
    double dummy = 0, scpu = 0, ccpu = 0;
    unsigned long long bytes = 0;
    int ok = os_handshake(p, &c, &s, NULL, (size_t)(BULK_BATCH + 2) * (BENCH_RECORD + 64), &dummy, &dummy) == 0;
    if (ok) {
        fill_names_os(res, c, cfg);
        double start = now_wall();
        do {
            CPU_TIMED(ccpu, {
                for (int i = 0; i < BULK_BATCH && ok; i++) {
                    ok = SSL_write(c, data, sizeof(data)) == (int)sizeof(data);
                }
            });
            CPU_TIMED(scpu, {
                for (int i = 0; i < BULK_BATCH && ok; i++) {
                    size_t got = 0;
                    while (ok && got < sizeof(back)) {
                        int r = SSL_read(s, back + got, (int)(sizeof(back) - got));
                        ok = r > 0;
                        got += ok ? (size_t)r : 0;
                    }
                    bytes += got;
                }
            });
        } while (ok && now_wall() - start < seconds);
    }
    os_free(c, s, NULL, NULL);
    if (!ok) {
        tool_err("bench: OpenSSL records failed");
        ERR_print_errors_fp(stderr);
        return -1;
    }
    res->server = scpu > 0 ? (double)bytes / scpu / 1e6 : 0;
    res->client = ccpu > 0 ? (double)bytes / ccpu / 1e6 : 0;
    return 0;
}

static int os_memory(const os_pair *p, const bench_cfg *cfg, unsigned long n, result *res, int mid)
{
    SSL **cs = calloc(n, sizeof(*cs)), **ss = calloc(n, sizeof(*ss));
    if (cs == NULL || ss == NULL) {
        free(cs);
        free(ss);
        return -1;
    }
    double dummy = 0;
    int ok = 1;
    size_t m0 = heap_in_use();
    for (unsigned long i = 0; i < n && ok; i++) {
        ok = os_handshake_n(p, &cs[i], &ss[i], NULL, 1 << 14, &dummy, &dummy, mid) == 0;
        if (ok && i == 0 && !mid) {
            fill_names_os(res, cs[i], cfg);
        }
        /* drop the transport (the BIO pair) and keep the connections */
        if (cs[i] != NULL) {
            SSL_set_bio(cs[i], NULL, NULL);
        }
        if (ss[i] != NULL) {
            SSL_set_bio(ss[i], NULL, NULL);
        }
    }
    size_t m1 = heap_in_use();
    for (unsigned long i = 0; i < n; i++) {
        SSL_free(cs[i]);
    }
    size_t m2 = heap_in_use();
    for (unsigned long i = 0; i < n; i++) {
        SSL_free(ss[i]);
    }
    free(cs);
    free(ss);
    if (!ok) {
        tool_err("bench: OpenSSL handshake failed");
        ERR_print_errors_fp(stderr);
        return -1;
    }
    res->client = (double)(m1 > m2 ? m1 - m2 : 0) / (double)n;
    res->server = (double)(m2 > m0 ? m2 - m0 : 0) / (double)n;
    return 0;
}

/* The EVP cipher behind a standard suite, or NULL (CCM, ShangMi). */
static const char *evp_aead_name(const char *suite)
{
    if (strcmp(suite, "TLS_AES_128_GCM_SHA256") == 0) {
        return "AES-128-GCM";
    }
    if (strcmp(suite, "TLS_AES_256_GCM_SHA384") == 0) {
        return "AES-256-GCM";
    }
    if (strcmp(suite, "TLS_CHACHA20_POLY1305_SHA256") == 0) {
        return "ChaCha20-Poly1305";
    }
    return NULL;
}

/* One AEAD operation as a TLS 1.3 record needs it (RFC 8446 §5.2): a fresh
 * 12-byte nonce, the 5-byte header as AAD, the 16 KiB payload plus the
 * content-type byte, the 16-byte tag. */
static int evp_record(EVP_CIPHER_CTX *ctx, int enc, uint8_t nonce[12], const uint8_t *in, uint8_t *out, uint8_t tag[16])
{
    static const uint8_t aad[5] = {23, 3, 3, (BENCH_RECORD + 17) >> 8, (BENCH_RECORD + 17) & 0xff};
    int n = 0;
    nonce[11]++;
    if (!EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, enc, NULL) || !EVP_CipherUpdate(ctx, NULL, &n, aad, sizeof aad) ||
        !EVP_CipherUpdate(ctx, out, &n, in, BENCH_RECORD + 1)) {
        return 0;
    }
    if (enc) {
        return EVP_CipherFinal_ex(ctx, out + n, &n) && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag);
    }
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag) && EVP_CipherFinal_ex(ctx, out + n, &n) > 0;
}

/* The ceiling for a record layer: raw EVP AEAD over the same 16 KiB records,
 * with no TLS around it (server = open, client = seal, as the record rows). */
static int evp_bulk(const bench_cfg *cfg, double seconds, result *res)
{
    static uint8_t plain[BENCH_RECORD + 1], sealed[BENCH_RECORD + 1], opened[BENCH_RECORD + 1];
    uint8_t key[32] = {1}, seal_nonce[12] = {2}, open_nonce[12] = {2}, tag[16];
    double scpu = 0, ccpu = 0;
    unsigned long long bytes = 0;
    const char *name = evp_aead_name(cfg->suite);
    EVP_CIPHER *cipher = name != NULL ? EVP_CIPHER_fetch(NULL, name, NULL) : NULL;
    EVP_CIPHER_CTX *ec = EVP_CIPHER_CTX_new(), *dc = EVP_CIPHER_CTX_new();
    int ok = cipher != NULL && ec != NULL && dc != NULL && EVP_CipherInit_ex2(ec, cipher, key, NULL, 1, NULL) &&
             EVP_CipherInit_ex2(dc, cipher, key, NULL, 0, NULL);
    if (ok) {
        snprintf(res->group, sizeof(res->group), "%s", "");
        double start = now_wall();
        do {
            /* seal a batch, then open the last record of it a batch of times
             * (each open is checked against the nonce it was sealed with) */
            CPU_TIMED(ccpu, {
                for (int i = 0; i < BULK_BATCH && ok; i++) {
                    ok = evp_record(ec, 1, seal_nonce, plain, sealed, tag);
                }
            });
            CPU_TIMED(scpu, {
                for (int i = 0; i < BULK_BATCH && ok; i++) {
                    memcpy(open_nonce, seal_nonce, sizeof open_nonce);
                    open_nonce[11]--;
                    ok = evp_record(dc, 0, open_nonce, sealed, opened, tag);
                }
            });
            bytes += (unsigned long long)BULK_BATCH * BENCH_RECORD;
        } while (ok && now_wall() - start < seconds);
        ok = ok && memcmp(opened, plain, sizeof plain) == 0;
    }
    EVP_CIPHER_CTX_free(ec);
    EVP_CIPHER_CTX_free(dc);
    EVP_CIPHER_free(cipher);
    if (!ok) {
        tool_err("bench: EVP %s failed", name != NULL ? name : cfg->suite);
        ERR_print_errors_fp(stderr);
        return -1;
    }
    res->server = scpu > 0 ? (double)bytes / scpu / 1e6 : 0;
    res->client = ccpu > 0 ? (double)bytes / ccpu / 1e6 : 0;
    return 0;
}

/* ---------------------------------------------------------------- driver */

/* ---------------------------------------------------------------- time to first byte */

#define TTFB_MIN 10
#define TTFB_MAX 400

typedef struct {
    int lfd;
    gmtls_config *gm; /* the server: gmtls, or else OpenSSL */
    SSL_CTX *os;
} ttfb_server;

static const char ttfb_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

/* Serves one request per connection until the listening socket is shut down. */
static void *ttfb_serve(void *arg)
{
    ttfb_server *s = arg;
    for (;;) {
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0) {
            break;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* as `gmtls server` does */
        char req[4096];
        size_t have = 0;
        if (s->gm != NULL) {
            gmtls_conn *c = gmtls_conn_new(s->gm, 1);
            gmtls_io *io = c != NULL ? gmtls_io_new(c, fd) : NULL;
            int ok = io != NULL && gmtls_io_handshake(io) == 0;
            while (ok && have < sizeof(req) && memmem(req, have, "\r\n\r\n", 4) == NULL) {
                size_t n = 0;
                ok = gmtls_io_read(io, req + have, sizeof(req) - have, &n) == 0;
                have += n;
            }
            size_t wn = 0;
            if (ok && gmtls_io_write(io, ttfb_resp, sizeof(ttfb_resp) - 1, &wn) == 0) {
                (void)gmtls_io_close(io);
                (void)gmtls_io_flush(io);
            }
            gmtls_io_free(io);
            gmtls_conn_free(c);
        } else {
            SSL *ssl = SSL_new(s->os);
            int ok = ssl != NULL && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1;
            while (ok && have < sizeof(req) && memmem(req, have, "\r\n\r\n", 4) == NULL) {
                int n = SSL_read(ssl, req + have, (int)(sizeof(req) - have));
                ok = n > 0;
                have += ok ? (size_t)n : 0;
            }
            if (ok && SSL_write(ssl, ttfb_resp, (int)sizeof(ttfb_resp) - 1) > 0) {
                (void)SSL_shutdown(ssl);
            }
            SSL_free(ssl);
            ERR_clear_error();
        }
        close(fd);
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One client connection (gmtls, blocking, no TCP_NODELAY): ms from connect()
 * to the first response byte, or -1. */
static double ttfb_once(gmtls_config *client, const struct sockaddr_in *sa)
{
    double t0 = now_wall(), t = -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    gmtls_conn *c = NULL;
    gmtls_io *io = NULL;
    if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 && (c = gmtls_conn_new(client, 0)) != NULL &&
        gmtls_conn_set_server_name(c, "localhost") == 0 && (io = gmtls_io_new(c, fd)) != NULL &&
        gmtls_io_handshake(io) == 0) {
        static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
        char buf[512];
        size_t wn = 0, n = 0;
        if (gmtls_io_write(io, req, sizeof(req) - 1, &wn) == 0 && gmtls_io_read(io, buf, sizeof(buf), &n) == 0 &&
            n > 0) {
            t = (now_wall() - t0) * 1000;
        }
        while (t >= 0 && gmtls_io_read(io, buf, sizeof(buf), &n) == 0) {
        }
    }
    gmtls_io_free(io);
    gmtls_conn_free(c);
    close(fd);
    return t;
}

/* res->server = median, res->client = 90th percentile (ms). */
static int ttfb_run(gmtls_config *gm_server, SSL_CTX *os_server, gmtls_config *client, double seconds, result *res)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sa);
    ttfb_server srv = {socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), gm_server, os_server};
    if (srv.lfd < 0 || bind(srv.lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(srv.lfd, 16) != 0 ||
        getsockname(srv.lfd, (struct sockaddr *)&sa, &sl) != 0) {
        tool_err("bench: time-to-first-byte: listening on 127.0.0.1: %s", strerror(errno));
        if (srv.lfd >= 0) {
            close(srv.lfd);
        }
        return -1;
    }
    pthread_t th;
    if (pthread_create(&th, NULL, ttfb_serve, &srv) != 0) {
        close(srv.lfd);
        return -1;
    }
    static double t[TTFB_MAX];
    size_t n = 0;
    int failed = 0;
    double end = now_wall() + seconds;
    while (n < TTFB_MAX && (n < TTFB_MIN || now_wall() < end)) {
        double v = ttfb_once(client, &sa);
        if (v < 0) {
            failed = 1;
            break;
        }
        t[n++] = v;
    }
    shutdown(srv.lfd, SHUT_RDWR); /* ends the server's accept() */
    pthread_join(th, NULL);
    close(srv.lfd);
    if (failed) {
        tool_err("bench: time-to-first-byte: a connection failed");
        return -1;
    }
    qsort(t, n, sizeof(t[0]), cmp_double);
    res->server = t[n / 2];
    res->client = t[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1];
    return 0;
}

static result *new_result(bench_state *b, int metric, int row, int is_openssl, const bench_cfg *cfg)
{
    if (b->nres == MAX_RECS) {
        return NULL;
    }
    result *res = &b->res[b->nres++];
    memset(res, 0, sizeof(*res));
    res->metric = metric;
    res->row = row;
    res->is_openssl = is_openssl;
    snprintf(res->suite, sizeof(res->suite), "%.63s", cfg->suite);
    snprintf(res->group, sizeof(res->group), "%.31s", cfg->group);
    snprintf(res->sigalg, sizeof(res->sigalg), "%s", cfg->cert->sigalg);
    snprintf(res->cert, sizeof(res->cert), "%s", cfg->cert->name);
    return res;
}

/* Runs one metric for one configuration and one implementation. */
static int run_one(bench_state *b, int metric, int row, int is_openssl, const char *stand_in_for, const bench_cfg *cfg)
{
    char what[200];
    snprintf(what, sizeof(what), "%s %s %.60s/%.30s/%s", metric_names[metric], impl_names[is_openssl], cfg->suite,
             cfg->group, cfg->cert->name);
    progress(b, what);
    result *res = new_result(b, metric, row, is_openssl, cfg);
    if (res == NULL) {
        return -1;
    }
    if (stand_in_for != NULL) {
        res->is_reference = 1;
        snprintf(res->stand_in_for, sizeof(res->stand_in_for), "%.63s", stand_in_for);
    }
    unsigned tickets = metric == M_RESUMED || metric == M_TTFB ? 1 : 0;
    int rc = -1;
    if (is_openssl == IMPL_EVP) {
        rc = evp_bulk(cfg, b->seconds, res);
    } else if (!is_openssl) {
        gm_pair p = {NULL, NULL};
        if (gm_setup(&p, b->dir, cfg, tickets) != 0) {
            tool_err("bench: gmtls setup failed for %s", what);
        } else if (metric == M_FULL || metric == M_RESUMED) {
            rc = gm_handshakes(&p, metric == M_RESUMED, b->seconds, res);
        } else if (metric == M_BULK) {
            rc = gm_bulk(&p, b->seconds, res);
        } else if (metric == M_TTFB) {
            rc = ttfb_run(p.server, NULL, p.client, b->seconds, res);
        } else {
            rc = gm_memory(&p, b->conns, res, metric == M_MEMHS);
        }
        gm_teardown(&p);
    } else {
        os_pair p = {NULL, NULL};
        if (os_setup(&p, b->dir, cfg, (int)tickets) != 0) {
            tool_err("bench: OpenSSL setup failed for %s", what);
            ERR_print_errors_fp(stderr);
        } else if (metric == M_FULL || metric == M_RESUMED) {
            rc = os_handshakes(&p, cfg, metric == M_RESUMED, b->seconds, res);
        } else if (metric == M_BULK) {
            rc = os_bulk(&p, cfg, b->seconds, res);
        } else if (metric == M_TTFB) {
            /* the same gmtls client (no TCP_NODELAY) against OpenSSL's server */
            gm_pair g = {NULL, NULL};
            rc = gm_setup(&g, b->dir, cfg, 0) == 0 ? ttfb_run(NULL, p.server, g.client, b->seconds, res) : -1;
            if (rc == 0) {
                snprintf(res->sigalg, sizeof(res->sigalg), "%s", cfg->cert->sigalg);
            }
            gm_teardown(&g);
        } else {
            rc = os_memory(&p, cfg, b->conns, res, metric == M_MEMHS);
        }
        os_teardown(&p);
        ERR_clear_error();
    }
    res->ok = rc == 0;
    return rc;
}

static void cfg_from_def(bench_cfg *c, const cfg_def *d)
{
    snprintf(c->suite, sizeof(c->suite), "%s", d->suite);
    snprintf(c->group, sizeof(c->group), "%s", d->group);
    c->cert = &cert_types[d->cert];
    c->sid = 0;
}

/* OpenSSL's stand-in for a ShangMi bulk suite */
static const char *ossl_ref_suite(const char *sm_suite)
{
    return strstr(sm_suite, "CCM") != NULL ? "TLS_AES_128_CCM_SHA256" : "TLS_AES_128_GCM_SHA256";
}

static const result *find(const bench_state *b, int metric, int row, int is_openssl)
{
    for (size_t i = 0; i < b->nres; i++) {
        const result *r = &b->res[i];
        if (r->metric == metric && r->row == row && r->is_openssl == is_openssl) {
            return r;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------- output */

static void fmt_num(char *buf, size_t len, const result *r, double v)
{
    if (r == NULL) {
        snprintf(buf, len, "n/a");
    } else if (!r->ok) {
        snprintf(buf, len, "error");
    } else {
        snprintf(buf, len, r->metric == M_TTFB ? "%s%.2f" : "%s%.0f", r->is_reference ? "*" : "", v);
    }
}

static void fmt_ratio(char *buf, size_t len, const result *g, const result *o, double gv, double ov)
{
    if (g == NULL || o == NULL || !g->ok || !o->ok || ov <= 0) {
        snprintf(buf, len, "-");
    } else {
        snprintf(buf, len, "%.2f", gv / ov);
    }
}

static void print_table(const bench_state *b)
{
    static const char *const titles[M_COUNT] = {
        "full handshakes per second of one side's CPU time",
        "resumed handshakes per second (TLS 1.3: ticket, psk_dhe_ke; TLS 1.2: ticket or session ID; TLCP: session ID) of one side's CPU time",
        "record throughput, 16 KiB records, MB/s (client seals, server opens)",
        "memory per established connection, heap bytes",
        ("memory per connection mid-handshake (server: flight sent, awaiting the client Finished; client: "
         "ClientHello sent), heap bytes"),
        "time to first byte, ms, loopback TCP, a client without TCP_NODELAY (connect to first response byte)",
    };
    static const char *const sides[M_COUNT][2] = {{"server", "client"}, {"server", "client"}, {"open", "seal"},
                                                  {"server", "client"}, {"server", "client"}, {"median", "p90"}};
    int starred = 0;
    for (int m = 0; m < M_COUNT; m++) {
        if (b->nrows[m] == 0) {
            continue;
        }
        printf("\n%s\n", titles[m]);
        printf("%-50s  %-19s  %-19s  %-17s\n", "", "------ gmtls ------", "----- openssl -----", "- gmtls/openssl -");
        printf("%-50s  %9s %9s  %9s %9s  %8s %8s\n", "", sides[m][0], sides[m][1], sides[m][0], sides[m][1],
               sides[m][0], sides[m][1]);
        for (size_t row = 0; row < b->nrows[m]; row++) {
            const result *g = find(b, m, (int)row, 0), *o = find(b, m, (int)row, 1);
            char g0[24], g1[24], o0[24], o1[24], r0[16], r1[16];
            fmt_num(g0, sizeof(g0), g, g != NULL ? g->server : 0);
            fmt_num(g1, sizeof(g1), g, g != NULL ? g->client : 0);
            fmt_num(o0, sizeof(o0), o, o != NULL ? o->server : 0);
            fmt_num(o1, sizeof(o1), o, o != NULL ? o->client : 0);
            fmt_ratio(r0, sizeof(r0), g, o, g != NULL ? g->server : 0, o != NULL ? o->server : 0);
            fmt_ratio(r1, sizeof(r1), g, o, g != NULL ? g->client : 0, o != NULL ? o->client : 0);
            printf("%-50s  %9s %9s  %9s %9s  %8s %8s", b->row_label[m][row], g0, g1, o0, o1, r0, r1);
            if (o != NULL && o->is_reference) {
                printf("  *openssl: %s%s%s", o->suite, m == M_BULK ? "" : " ", m == M_BULK ? "" : o->group);
                starred = 1;
            }
            printf("\n");
        }
    }
    int have_evp = 0;
    for (size_t row = 0; row < b->nrows[M_BULK]; row++) {
        have_evp |= find(b, M_BULK, (int)row, IMPL_EVP) != NULL;
    }
    if (have_evp) {
        printf("\nrecord layer against raw EVP AEAD on the same 16 KiB records (no TLS around it), MB/s\n");
        printf("%-50s  %-19s  %-19s  %-17s\n", "", "------ gmtls ------", "---- OpenSSL EVP --", "--- gmtls/EVP ---");
        printf("%-50s  %9s %9s  %9s %9s  %8s %8s\n", "", "open", "seal", "open", "seal", "open", "seal");
        for (size_t row = 0; row < b->nrows[M_BULK]; row++) {
            const result *g = find(b, M_BULK, (int)row, IMPL_GMTLS), *e = find(b, M_BULK, (int)row, IMPL_EVP);
            if (e == NULL) {
                continue;
            }
            char g0[24], g1[24], e0[24], e1[24], r0[16], r1[16];
            fmt_num(g0, sizeof(g0), g, g != NULL ? g->server : 0);
            fmt_num(g1, sizeof(g1), g, g != NULL ? g->client : 0);
            fmt_num(e0, sizeof(e0), e, e->server);
            fmt_num(e1, sizeof(e1), e, e->client);
            fmt_ratio(r0, sizeof(r0), g, e, g != NULL ? g->server : 0, e->server);
            fmt_ratio(r1, sizeof(r1), g, e, g != NULL ? g->client : 0, e->client);
            printf("%-50s  %9s %9s  %9s %9s  %8s %8s  (%s)\n", b->row_label[M_BULK][row], g0, g1, e0, e1, r0, r1,
                   evp_aead_name(e->suite));
        }
    }
    if (starred) {
        printf("\n* OpenSSL has no ShangMi TLS suites and OpenSSL 3.0 no ML-KEM: a starred figure is\n"
               "  OpenSSL's for the standard configuration named at the end of the line (for a\n"
               "  hybrid group, its classical half), measured in the same run.\n");
    }
}

static void json_str(const char *key, const char *v)
{
    if (v == NULL || v[0] == '\0') {
        printf(", \"%s\": null", key);
    } else {
        printf(", \"%s\": \"%s\"", key, v);
    }
}

static void print_json(const bench_state *b)
{
    const char *path = gmtls_sm_cpu_path();
    int first = 1;
    printf("[");
    for (size_t i = 0; i < b->nres; i++) {
        const result *r = &b->res[i];
        if (!r->ok) {
            continue;
        }
        for (int side = 0; side < 2; side++) {
            printf("%s\n  {\"name\": \"%s\", \"impl\": \"%s\", \"unit\": \"%s\", \"value\": %.2f", first ? "" : ",",
                   metric_names[r->metric], r->is_openssl ? "openssl" : "gmtls", metric_units[r->metric],
                   side == 0 ? r->server : r->client);
            first = 0;
            /* which interface was measured: gmtls, OpenSSL's libssl, or raw EVP (no TLS) */
            json_str("api", r->is_openssl == IMPL_EVP ? "evp" : r->is_openssl ? "libssl" : "gmtls");
            if (r->is_openssl == IMPL_EVP) {
                json_str("aead", evp_aead_name(r->suite));
            }
            json_str("suite", r->suite);
            json_str("group", r->metric == M_BULK ? NULL : r->group);
            json_str("sigalg", r->metric == M_BULK ? NULL : r->sigalg);
            json_str("cert", r->metric == M_BULK ? NULL : r->cert);
            json_str("side", r->metric == M_TTFB ? "server" : side == 0 ? "server" : "client");
            if (r->metric == M_TTFB) {
                printf(", \"statistic\": \"%s\", \"client_nodelay\": false", side == 0 ? "median" : "p90");
            }
            if (r->metric == M_BULK) {
                printf(", \"record_size\": %d, \"direction\": \"%s\"", BENCH_RECORD, side == 0 ? "open" : "seal");
            } else {
                printf(", \"record_size\": null");
            }
            json_str("cpu_path", path);
            if (r->is_reference) {
                json_str("stand_in_for", r->stand_in_for);
            }
            printf("}");
        }
    }
    printf("\n]\n");
}

static void svg_text(FILE *f, double x, double y, const char *anchor, const char *style, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void svg_text(FILE *f, double x, double y, const char *anchor, const char *style, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>", x, y, anchor, style);
    for (const char *p = buf; *p != '\0'; p++) {
        switch (*p) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        default:
            fputc(*p, f);
            break;
        }
    }
    fputs("</text>\n", f);
}

/* A horizontal bar chart: one panel per metric and side, one row per
 * configuration, a gmtls bar and an OpenSSL bar scaled to the panel's
 * largest value. */
static int write_svg(const bench_state *b, const char *file)
{
    static const char *const titles[M_COUNT][2] = {
        {"Full handshakes/s, server CPU (higher is better)", "Full handshakes/s, client CPU (higher is better)"},
        {"Resumed handshakes/s, server CPU (higher is better)", "Resumed handshakes/s, client CPU (higher is better)"},
        {"Record throughput MB/s, server opens 16 KiB records", "Record throughput MB/s, client seals 16 KiB records"},
        {"Memory per connection, bytes, server (lower is better)",
         "Memory per connection, bytes, client (lower is better)"},
        {"Memory mid-handshake, bytes, server (lower is better)",
         "Memory mid-handshake, bytes, client (lower is better)"},
        {"Time to first byte, ms, median, client without TCP_NODELAY (lower is better)",
         "Time to first byte, ms, 90th percentile (lower is better)"},
    };
    const double width = 980, label_w = 330, bar_max = 400, row_h = 38, bar_h = 14;
    double height = 70;
    for (int m = 0; m < M_COUNT; m++) {
        height += b->nrows[m] > 0 ? 2 * (40 + row_h * (double)b->nrows[m]) : 0;
    }
    height += 50;
    FILE *f = fopen(file, "w");
    if (f == NULL) {
        tool_err("--svg %s: %s", file, strerror(errno));
        return -1;
    }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
            "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"
            "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n",
            width, height, width, height, width, height);
    svg_text(f, 20, 30, "start", "font-size=\"18\" font-weight=\"bold\"", "gmtls bench: gmtls vs OpenSSL libssl");
    svg_text(f, 20, 50, "start", "fill=\"#555\"", "%.2f s per measurement, one core, SM path %s, %s", b->seconds,
             gmtls_sm_cpu_path(), OpenSSL_version(OPENSSL_VERSION));
    fprintf(f, "<rect x=\"%.0f\" y=\"20\" width=\"14\" height=\"12\" fill=\"#1f77b4\"/>\n", width - 300);
    svg_text(f, width - 280, 31, "start", "", "gmtls");
    fprintf(f, "<rect x=\"%.0f\" y=\"20\" width=\"14\" height=\"12\" fill=\"#ff7f0e\"/>\n", width - 220);
    svg_text(f, width - 200, 31, "start", "", "OpenSSL libssl");
    double y = 70;
    for (int m = 0; m < M_COUNT; m++) {
        for (int side = 0; side < 2 && b->nrows[m] > 0; side++) {
            svg_text(f, 20, y + 22, "start", "font-size=\"14\" font-weight=\"bold\"", "%s", titles[m][side]);
            y += 34;
            double maxv = 0;
            for (size_t row = 0; row < b->nrows[m]; row++) {
                for (int o = 0; o < 2; o++) {
                    const result *r = find(b, m, (int)row, o);
                    double v = r != NULL && r->ok ? (side == 0 ? r->server : r->client) : 0;
                    maxv = v > maxv ? v : maxv;
                }
            }
            fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#999\"/>\n", label_w, y, label_w,
                    y + row_h * (double)b->nrows[m]);
            for (size_t row = 0; row < b->nrows[m]; row++) {
                svg_text(f, label_w - 8, y + row_h / 2 + 4, "end", "", "%s", b->row_label[m][row]);
                for (int o = 0; o < 2; o++) {
                    const result *r = find(b, m, (int)row, o);
                    double by = y + 4 + (double)o * (bar_h + 2);
                    if (r == NULL || !r->ok) {
                        svg_text(f, label_w + 6, by + bar_h - 3, "start", "fill=\"#888\"", "%s",
                                 r == NULL ? "n/a" : "error");
                        continue;
                    }
                    double v = side == 0 ? r->server : r->client;
                    double w = maxv > 0 ? v / maxv * bar_max : 0;
                    fprintf(f, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"%.0f\" fill=\"%s\"%s/>\n", label_w,
                            by, w < 1 ? 1 : w, bar_h, o == 0 ? "#1f77b4" : "#ff7f0e",
                            r->is_reference ? " fill-opacity=\"0.55\"" : "");
                    svg_text(f, label_w + w + 6, by + bar_h - 3, "start", "", "%s%.0f%s%s", r->is_reference ? "*" : "",
                             v, r->is_reference ? " " : "", r->is_reference ? r->suite : "");
                }
                y += row_h;
            }
            y += 6;
        }
    }
    svg_text(f, 20, height - 20, "start", "fill=\"#555\"",
             "* OpenSSL has no ShangMi TLS suites: its figure for the standard suite named (x25519, ECDSA P-256)"
             " is drawn next to the ShangMi row.");
    fputs("</svg>\n", f);
    if (fclose(f) != 0) {
        tool_err("--svg %s: write failed", file);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- main */

static void bench_usage(FILE *f)
{
    fprintf(f, "usage: gmtls bench [options]\n"
               "  --seconds S       seconds per measurement, fractions allowed (default: 1)\n"
               "  --quick           two configurations: x25519+ECDSA P-256+AES-128-GCM and\n"
               "                    curveSM2+SM2+SM4-GCM (default: the full list below)\n"
               "  --ciphers LIST    one configuration instead of the list: cipher suites (IANA names)\n"
               "  --groups LIST     ... key exchange groups\n"
               "  --cert-type T     ... certificate: ecdsa-p256 | ecdsa-p384 | ecdsa-p521 | rsa2048 |\n"
               "                    ed25519 | ed448 | sm2\n"
               "  --only LIST       full,resumed,bulk,memory,midhs,ttfb (default: all)\n"
               "  --conns N         connection pairs for the memory figures (default: 100)\n"
               "  --no-openssl      skip OpenSSL's libssl (default: measure both)\n"
               "  --json            print one JSON array of records instead of the table\n"
               "  --svg FILE        also draw the comparison as an SVG bar chart\n"
               "  --help            this text\n"
               "Everything but ttfb (loopback TCP) runs in memory on one core. Default handshake configurations:\n"
               "  x25519+ECDSA P-256+AES-128-GCM, curveSM2+SM2+SM4-GCM, curveSM2+SM2+SM4-CCM,\n"
               "  secp256r1+ECDSA P-256+AES-128-GCM, secp384r1+ECDSA P-384+AES-256-GCM,\n"
               "  x25519+RSA-2048+AES-128-GCM, x25519+Ed25519+AES-128-GCM,\n"
               "  X25519MLKEM768+ECDSA P-256+AES-128-GCM, curveSM2MLKEM768+SM2+SM4-GCM,\n"
               "  SecP256r1MLKEM768+ECDSA P-256+AES-128-GCM, SecP384r1MLKEM1024+ECDSA P-384+AES-256-GCM,\n"
               "  x448, secp521r1, ffdhe2048 and ffdhe3072 each +ECDSA P-256+AES-128-GCM,\n"
               "  x25519+ECDSA P-521+AES-128-GCM, x25519+Ed448+AES-128-GCM,\n"
               "  TLS 1.2: x25519+ECDSA P-256+TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (--ciphers takes\n"
               "  the TLS 1.2 names too), with tickets and with session IDs (tickets off);\n"
               "  TLCP: SM2 encryption+SM2+ECC_SM4_GCM_SM3 and ECC_SM4_CBC_SM3 (resumed by session ID;\n"
               "  OpenSSL's figures: the TLS 1.2 session-ID row, marked *);\n"
               "record throughput for all seven suites. OpenSSL has no ShangMi suites: ShangMi\n"
               "rows show OpenSSL's standard-suite figures (marked *) and the ratios to them;\n"
               "hybrid post-quantum rows show OpenSSL's figure for the classical half (marked *).\n");
}

static int parse_only(const char *s, int *want)
{
    for (int m = 0; m < M_COUNT; m++) {
        want[m] = 0;
    }
    char *copy = strdup(s);
    if (copy == NULL) {
        return -1;
    }
    int rc = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        static const char *const names[M_COUNT] = {"full", "resumed", "bulk", "memory", "midhs", "ttfb"};
        int found = 0;
        for (int m = 0; m < M_COUNT; m++) {
            if (strcmp(tok, names[m]) == 0) {
                want[m] = found = 1;
            }
        }
        if (!found) {
            tool_err("bench: --only: unknown '%s' (full, resumed, bulk, memory, midhs, ttfb)", tok);
            rc = -1;
        }
    }
    free(copy);
    return rc;
}

int gmtls_cmd_bench(int argc, char **argv)
{
    static bench_state b;
    memset(&b, 0, sizeof(b));
    b.seconds = 1;
    b.do_ossl = 1;
    b.conns = 100;
    for (int m = 0; m < M_COUNT; m++) {
        b.do_metric[m] = 1;
    }
    const char *ciphers = NULL, *groups = NULL, *cert_name = NULL;
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int m;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            bench_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            b.json = 1;
        } else if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--no-openssl") == 0) {
            b.do_ossl = 0;
        } else if (strcmp(argv[i], "--handshakes") == 0) { /* older spelling */
            (void)parse_only("full", b.do_metric);
        } else if (strcmp(argv[i], "--bulk") == 0) { /* older spelling */
            (void)parse_only("bulk", b.do_metric);
        } else if ((m = tool_opt_value(argc, argv, &i, "--seconds", &v)) != 0 ||
                   (m = tool_opt_value(argc, argv, &i, "--time", &v)) != 0) {
            char *end = NULL;
            if (m < 0 || (b.seconds = strtod(v, &end)) <= 0 || *end != '\0' || b.seconds > 600) {
                tool_err("bench: --seconds needs a number of seconds in (0, 600]");
                return 2;
            }
        } else if ((m = tool_opt_value(argc, argv, &i, "--ciphers", &v)) != 0) {
            if (m < 0 || strlen(v) >= sizeof(((bench_cfg *)0)->suite)) {
                return 2;
            }
            ciphers = v;
        } else if ((m = tool_opt_value(argc, argv, &i, "--groups", &v)) != 0) {
            if (m < 0 || strlen(v) >= sizeof(((bench_cfg *)0)->group)) {
                return 2;
            }
            groups = v;
        } else if ((m = tool_opt_value(argc, argv, &i, "--cert-type", &v)) != 0) {
            if (m < 0) {
                return 2;
            }
            cert_name = v;
        } else if ((m = tool_opt_value(argc, argv, &i, "--only", &v)) != 0) {
            if (m < 0 || parse_only(v, b.do_metric) != 0) {
                return 2;
            }
        } else if ((m = tool_opt_value(argc, argv, &i, "--conns", &v)) != 0) {
            if (m < 0 || tool_parse_uint("--conns", v, 1, 100000, &b.conns) != 0) {
                return 2;
            }
        } else if ((m = tool_opt_value(argc, argv, &i, "--svg", &v)) != 0) {
            if (m < 0) {
                return 2;
            }
            b.svg = v;
        } else {
            tool_err("bench: unknown argument '%s' (see gmtls bench --help)", argv[i]);
            return 2;
        }
    }

    /* the configurations */
    bench_cfg hs[MAX_CFGS], bulk[MAX_CFGS];
    size_t nhs = 0, nbulk = 0;
    if (ciphers != NULL || groups != NULL || cert_name != NULL) {
        const cert_type *ct = NULL;
        if (cert_name != NULL) {
            for (size_t k = 0; k < sizeof(cert_types) / sizeof(cert_types[0]); k++) {
                if (strcmp(cert_name, cert_types[k].name) == 0) {
                    ct = &cert_types[k];
                }
            }
            if (ct == NULL) {
                tool_err("bench: --cert-type: unknown '%s' (ecdsa-p256, ecdsa-p384, ecdsa-p521, rsa2048, ed25519, "
                         "ed448, sm2)",
                         cert_name);
                return 2;
            }
        }
        int sm = (ciphers != NULL && is_sm_suite(ciphers)) || (groups != NULL && strstr(groups, "SM2") != NULL) ||
                 ct == &cert_types[CT_SM2];
        bench_cfg *c = &hs[nhs++];
        snprintf(c->suite, sizeof(c->suite), "%s",
                 ciphers != NULL ? ciphers
                 : sm            ? "TLS_SM4_GCM_SM3"
                                 : "TLS_AES_128_GCM_SHA256");
        snprintf(c->group, sizeof(c->group), "%s", groups != NULL ? groups : sm ? "curveSM2" : "x25519");
        c->cert = ct != NULL ? ct : sm ? &cert_types[CT_SM2] : &cert_types[CT_P256];
        /* each listed suite on its own for the records */
        char *copy = strdup(c->suite);
        for (char *save = NULL, *tok = copy != NULL ? strtok_r(copy, ":", &save) : NULL;
             tok != NULL && nbulk < MAX_CFGS; tok = strtok_r(NULL, ":", &save)) {
            bench_cfg *bc = &bulk[nbulk++];
            *bc = *c;
            snprintf(bc->suite, sizeof(bc->suite), "%s", tok);
        }
        free(copy);
    } else {
        const cfg_def *defs = quick ? quick_hs : default_hs;
        size_t n = quick ? sizeof(quick_hs) / sizeof(quick_hs[0]) : sizeof(default_hs) / sizeof(default_hs[0]);
        for (size_t k = 0; k < n; k++) {
            cfg_from_def(&hs[nhs++], &defs[k]);
        }
        if (!quick) {
            /* TLS 1.2 resumed by session ID (tickets off on both sides) */
            cfg_from_def(&hs[nhs], &ossl_ref_tlcp);
            hs[nhs++].sid = 1;
        }
        const char *const *suites = quick ? quick_bulk : default_bulk;
        n = quick ? sizeof(quick_bulk) / sizeof(quick_bulk[0]) : sizeof(default_bulk) / sizeof(default_bulk[0]);
        for (size_t k = 0; k < n; k++) {
            bench_cfg *bc = &bulk[nbulk++];
            snprintf(bc->suite, sizeof(bc->suite), "%s", suites[k]);
            int sm = is_sm_suite(suites[k]);
            snprintf(bc->group, sizeof(bc->group), "%s", sm ? "curveSM2" : "x25519");
            bc->cert = &cert_types[sm ? CT_SM2 : CT_P256];
        }
    }

    /* rows and the number of steps (for the progress line) */
    bench_cfg ref, ref_tlcp;
    cfg_from_def(&ref, &ossl_ref_hs);
    cfg_from_def(&ref_tlcp, &ossl_ref_tlcp);
    ref_tlcp.sid = 1;
    for (int m = 0; m < M_COUNT; m++) {
        if (!b.do_metric[m]) {
            continue;
        }
        const bench_cfg *list = m == M_BULK ? bulk : hs;
        size_t n = m == M_BULK ? nbulk : m == M_TTFB && nhs > TTFB_ROWS ? TTFB_ROWS : nhs;
        for (size_t k = 0; k < n; k++) {
            if (m == M_BULK) {
                snprintf(b.row_buf[m][k], sizeof(b.row_buf[m][k]), "%.159s", list[k].suite);
            } else {
                snprintf(b.row_buf[m][k], sizeof(b.row_buf[m][k]), "%.40s %s %.90s%s", list[k].group,
                         list[k].cert->label, list[k].suite, list[k].sid ? " session-ID" : "");
            }
            b.row_label[m][k] = b.row_buf[m][k];
            b.steps += 1 + (b.do_ossl ? 1 : 0) + (b.do_ossl && m == M_BULK && evp_aead_name(list[k].suite) != NULL);
        }
        b.nrows[m] = n;
    }
    b.progress = b.seconds * b.steps > 2.0;

    snprintf(b.dir, sizeof(b.dir), "/tmp/gmtls-bench.XXXXXX");
    if (mkdtemp(b.dir) == NULL) {
        tool_err("mkdtemp: %s", strerror(errno));
        return 1;
    }
    int rc = 0;
    for (size_t k = 0; k < nhs + nbulk + 1 && rc == 0; k++) {
        const cert_type *ct = k < nhs ? hs[k].cert : k < nhs + nbulk ? bulk[k - nhs].cert : ref.cert;
        if (make_chain(b.dir, ct) != 0) {
            rc = 1;
        }
    }
    if (rc == 0 && !b.json) {
        printf("gmtls bench: %.2f s per measurement, in memory, one core; SM path: %s; %s\n", b.seconds,
               gmtls_sm_cpu_path(), OpenSSL_version(OPENSSL_VERSION));
        fflush(stdout);
    }
    int setup_ok = rc == 0;
    for (int m = 0; m < M_COUNT && setup_ok; m++) {
        if (!b.do_metric[m]) {
            continue;
        }
        const bench_cfg *list = m == M_BULK ? bulk : hs;
        for (size_t k = 0; k < b.nrows[m]; k++) {
            const bench_cfg *c = &list[k];
            if (run_one(&b, m, (int)k, 0, NULL, c) != 0) {
                rc = 1;
            }
            if (!b.do_ossl) {
                continue;
            }
            if (!is_sm_cfg(c) && classical_of_hybrid(c->group) != NULL) {
                /* OpenSSL 3.0 has no hybrid group: the classical half, same suite and certificate */
                bench_cfg stand = *c;
                snprintf(stand.group, sizeof(stand.group), "%s", classical_of_hybrid(c->group));
                if (run_one(&b, m, (int)k, 1, c->suite, &stand) != 0) {
                    rc = 1;
                }
                continue;
            }
            if (!is_sm_cfg(c)) {
                if (run_one(&b, m, (int)k, 1, NULL, c) != 0) {
                    rc = 1;
                }
                if (m == M_BULK && evp_aead_name(c->suite) != NULL && run_one(&b, m, (int)k, IMPL_EVP, NULL, c) != 0) {
                    rc = 1;
                }
                continue;
            }
            /* the standard stand-in, measured in this run (TLS 1.2 for TLCP) */
            bench_cfg stand = is_tlcp_suite(c->suite) ? ref_tlcp : ref;
            if (m == M_BULK) {
                snprintf(stand.suite, sizeof(stand.suite), "%s", ossl_ref_suite(c->suite));
            }
            if (run_one(&b, m, (int)k, 1, c->suite, &stand) != 0) {
                rc = 1;
            }
        }
    }
    remove_dir(b.dir);
    if (b.json) {
        print_json(&b);
    } else {
        print_table(&b);
    }
    if (b.svg != NULL && write_svg(&b, b.svg) != 0) {
        rc = 1;
    }
    return rc;
}
