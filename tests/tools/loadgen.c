/* tests/tools/loadgen.c - a load generator for `gmtls server --www`
 * (tests/cli/cli_load.sh). One thread, non-blocking sockets, epoll, the
 * gmtls library (so it can drive the ShangMi suites, which curl cannot).
 *
 *   loadgen HOST PORT --ca FILE [--conns C] [--handshakes H] [--resume PCT]
 *           [--profiles LIST] [--servername NAME] [--timeout S] [--hold-ms MS]
 *           [--hold-file PATH]
 *
 * Two phases:
 *   hold   C connections are opened at once; each completes its handshake
 *          and one keep-alive GET /, and stays open until all C have done
 *          so (C established connections at the same time), and --hold-ms
 *          longer, or until PATH exists (--hold-file: the caller measures
 *          while all are held, then creates PATH; no timing assumption);
 *          then each sends close_notify and waits for the server's.
 *   churn  H more connections, at most C in flight, each: handshake, GET /
 *          with "Connection: close", read to the server's close_notify.
 * Connections cycle through the profiles (cipher suite + group + signature
 * scheme); once a profile has a session ticket, PCT % of its connections
 * resume. Every response is checked: status 200, the status page names the
 * profile's suite and group, and "resumed" matches what the handshake did;
 * an offered ticket must be accepted. Any failure is counted and printed;
 * the exit status is 0 only with no failure and every connection done
 * before --timeout. The summary line is
 *   loadgen: N handshakes (F full, R resumed), peak P established, E errors, T s */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gmtls.h"

#define MAX_PROFILES 8
#define RESP_MAX 65536

typedef struct {
    const char *name, *suite, *group, *sigalg;
} profile_def;

static const profile_def known_profiles[] = {
    {"aes128", "TLS_AES_128_GCM_SHA256", "x25519", "ecdsa_secp256r1_sha256"},
    {"aes256", "TLS_AES_256_GCM_SHA384", "secp256r1", "ecdsa_secp256r1_sha256"},
    {"chacha", "TLS_CHACHA20_POLY1305_SHA256", "x25519", "ecdsa_secp256r1_sha256"},
    {"p384", "TLS_AES_256_GCM_SHA384", "secp384r1", "ecdsa_secp256r1_sha256"},
    {"sm4gcm", "TLS_SM4_GCM_SM3", "curveSM2", "sm2sig_sm3"},
    {"sm4ccm", "TLS_SM4_CCM_SM3", "curveSM2", "sm2sig_sm3"},
};

typedef struct {
    const profile_def *def;
    gmtls_config *cfg;
    uint8_t *session;
    size_t session_len;
    unsigned long full, resumed, started;
} profile;

typedef enum { ST_CONNECTING, ST_HANDSHAKE, ST_RESPONSE, ST_HOLD, ST_CLOSING } conn_state;

typedef struct lconn {
    int fd;
    gmtls_conn *tls;
    gmtls_io *io;
    conn_state st;
    profile *prof;
    int offered_ticket;
    int hold; /* hold phase: keep-alive, stays open */
    uint32_t ev;
    char *resp;
    size_t resp_len;
    unsigned long id;
    struct lconn *prev, *next; /* every live connection */
} lconn;

static struct {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    const char *servername;
    profile profiles[MAX_PROFILES];
    size_t nprofiles;
    unsigned resume_pct;
    int epfd;
    unsigned long errors;
    unsigned long handshakes, full, resumed;
    unsigned long established, peak;
    unsigned long in_flight;
    unsigned long next_id;
    unsigned long hold_done;
    unsigned long holding; /* connections in ST_HOLD now */
    lconn live;            /* sentinel of the list of live connections */
} G;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void errorf(const lconn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errorf(const lconn *c, const char *fmt, ...)
{
    G.errors++;
    if (G.errors <= 20) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        fprintf(stderr, "loadgen: conn %lu (%s): %s\n", c->id, c->prof->def->name, msg);
    }
}

static void set_interest(lconn *c, uint32_t want)
{
    if (c->ev == want) {
        return;
    }
    struct epoll_event ev = {.events = want, .data.ptr = c};
    if (epoll_ctl(G.epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0) {
        c->ev = want;
    }
}

static void conn_end(lconn *c)
{
    if (c->st != ST_CONNECTING && c->st != ST_HANDSHAKE) {
        G.established--;
    }
    if (c->st == ST_HOLD) {
        G.holding--;
    }
    c->prev->next = c->next;
    c->next->prev = c->prev;
    epoll_ctl(G.epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    gmtls_io_free(c->io);
    gmtls_conn_free(c->tls);
    free(c->resp);
    free(c);
    G.in_flight--;
}

static int conn_start(int hold)
{
    profile *p = &G.profiles[G.next_id % G.nprofiles];
    lconn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return -1;
    }
    c->id = G.next_id++;
    c->prof = p;
    c->hold = hold;
    c->fd = socket(G.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c->tls = gmtls_conn_new(p->cfg, 0);
    c->io = c->tls != NULL && c->fd >= 0 ? gmtls_io_new(c->tls, c->fd) : NULL;
    c->resp = malloc(RESP_MAX + 1);
    if (c->io == NULL || c->resp == NULL || gmtls_conn_set_server_name(c->tls, G.servername) != 0) {
        fprintf(stderr, "loadgen: cannot set up a connection\n");
        if (c->fd >= 0) {
            close(c->fd);
        }
        gmtls_io_free(c->io);
        gmtls_conn_free(c->tls);
        free(c->resp);
        free(c);
        G.errors++;
        return -1;
    }
    p->started++;
    if (p->session != NULL && (p->started * 37) % 100 < G.resume_pct) {
        if (gmtls_conn_set_session(c->tls, p->session, p->session_len) == 0) {
            c->offered_ticket = 1;
        }
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->st = ST_CONNECTING;
    c->ev = EPOLLOUT;
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    G.in_flight++;
    if (connect(c->fd, (const struct sockaddr *)&G.addr, G.addr_len) != 0 && errno != EINPROGRESS) {
        errorf(c, "connect: %s", strerror(errno));
        close(c->fd);
        gmtls_io_free(c->io);
        gmtls_conn_free(c->tls);
        free(c->resp);
        free(c);
        G.in_flight--;
        return -1;
    }
    c->prev = G.live.prev;
    c->next = &G.live;
    G.live.prev->next = c;
    G.live.prev = c;
    if (epoll_ctl(G.epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        errorf(c, "epoll_ctl: %s", strerror(errno));
        conn_end(c);
        return -1;
    }
    return 0;
}

/* Checks the response in c->resp; 0 or -1 (error counted). */
static int check_response(lconn *c)
{
    c->resp[c->resp_len] = '\0';
    if (strncmp(c->resp, "HTTP/1.1 200 ", 13) != 0) {
        errorf(c, "bad status line: %.40s", c->resp);
        return -1;
    }
    char want[160];
    snprintf(want, sizeof(want), "<td>%s</td>", c->prof->def->suite);
    if (strstr(c->resp, want) == NULL) {
        errorf(c, "status page does not name %s", c->prof->def->suite);
        return -1;
    }
    snprintf(want, sizeof(want), "<td>%s</td>", c->prof->def->group);
    if (strstr(c->resp, want) == NULL) {
        errorf(c, "status page does not name group %s", c->prof->def->group);
        return -1;
    }
    int resumed = gmtls_conn_is_resumed(c->tls);
    const char *page = resumed ? "<th>resumed</th><td>yes</td>" : "<th>resumed</th><td>no</td>";
    if (strstr(c->resp, page) == NULL) {
        errorf(c, "status page disagrees on resumption (client: %s)", resumed ? "yes" : "no");
        return -1;
    }
    return 0;
}

/* 1 when the response (headers + Content-Length body) is complete. */
static int response_complete(const lconn *c)
{
    const char *end = memmem(c->resp, c->resp_len, "\r\n\r\n", 4);
    if (end == NULL) {
        return 0;
    }
    const char *cl = memmem(c->resp, (size_t)(end - c->resp), "Content-Length: ", 16);
    if (cl == NULL) {
        return 0;
    }
    size_t body = strtoul(cl + 16, NULL, 10);
    return c->resp_len >= (size_t)(end + 4 - c->resp) + body;
}

static void keep_session(lconn *c)
{
    gmtls_buf b;
    gmtls_buf_init(&b);
    if (gmtls_conn_get_session(c->tls, &b) == 0 && b.off > 0) {
        uint8_t *p = malloc(b.off);
        if (p != NULL) {
            memcpy(p, b.base, b.off);
            free(c->prof->session);
            c->prof->session = p;
            c->prof->session_len = b.off;
        }
    }
    gmtls_buf_dispose(&b);
}

static void begin_close(lconn *c)
{
    if (c->st == ST_HOLD) {
        G.holding--;
    }
    int r = gmtls_io_close(c->io);
    if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
        errorf(c, "close_notify: %s", gmtls_strerror(r));
        conn_end(c);
        return;
    }
    c->st = ST_CLOSING;
}

/* Runs c as far as it goes without blocking. */
static void step(lconn *c, uint32_t events)
{
    if (c->st == ST_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            errorf(c, "connect: %s", strerror(err));
            conn_end(c);
            return;
        }
        if ((events & EPOLLOUT) == 0) {
            return;
        }
        c->st = ST_HANDSHAKE;
    }
    if (c->st == ST_HANDSHAKE) {
        int r = gmtls_io_handshake(c->io);
        if (r == GMTLS_ERR_WANT_READ || r == GMTLS_ERR_WANT_WRITE) {
            set_interest(c, r == GMTLS_ERR_WANT_READ ? EPOLLIN : EPOLLOUT);
            return;
        }
        if (r != 0) {
            const char *d = gmtls_conn_error_detail(c->tls);
            errorf(c, "handshake: %s (%s)", gmtls_strerror(r), d != NULL ? d : "");
            conn_end(c);
            return;
        }
        G.handshakes++;
        G.established++;
        if (G.established > G.peak) {
            G.peak = G.established;
        }
        if (gmtls_conn_is_resumed(c->tls)) {
            G.resumed++;
            c->prof->resumed++;
        } else {
            G.full++;
            c->prof->full++;
            if (c->offered_ticket) {
                errorf(c, "the server did not accept a valid ticket");
            }
        }
        char req[256];
        int n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: loadgen\r\n%s\r\n", G.servername,
                         c->hold ? "" : "Connection: close\r\n");
        size_t w = 0;
        r = gmtls_io_write(c->io, req, (size_t)n, &w);
        if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
            errorf(c, "send request: %s", gmtls_strerror(r));
            conn_end(c);
            return;
        }
        c->st = ST_RESPONSE;
    }
    if (gmtls_io_pending_output(c->io) > 0) {
        int r = gmtls_io_flush(c->io);
        if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
            errorf(c, "flush: %s", gmtls_strerror(r));
            conn_end(c);
            return;
        }
    }
    if (c->st == ST_RESPONSE) {
        for (;;) {
            if (c->resp_len == RESP_MAX) {
                errorf(c, "response too long");
                conn_end(c);
                return;
            }
            size_t got = 0;
            int r = gmtls_io_read(c->io, c->resp + c->resp_len, RESP_MAX - c->resp_len, &got);
            if (r == 0) {
                c->resp_len += got;
                if (response_complete(c)) {
                    break;
                }
                continue;
            }
            if (r == GMTLS_ERR_WANT_READ) {
                set_interest(c, EPOLLIN | (gmtls_io_pending_output(c->io) > 0 ? EPOLLOUT : 0));
                return;
            }
            errorf(c, "reading the response: %s (%s)", gmtls_strerror(r),
                   gmtls_conn_error_detail(c->tls) != NULL ? gmtls_conn_error_detail(c->tls) : "");
            conn_end(c);
            return;
        }
        int bad = check_response(c);
        keep_session(c); /* the ticket came before the response */
        if (bad) {
            conn_end(c);
            return;
        }
        if (c->hold) {
            c->st = ST_HOLD;
            G.hold_done++;
            G.holding++;
            set_interest(c, EPOLLIN); /* a close by the server would be an error */
            return;
        }
        c->st = ST_CLOSING; /* Connection: close: the server's close_notify comes next */
    }
    if (c->st == ST_HOLD) {
        errorf(c, "the server closed a held connection");
        conn_end(c);
        return;
    }
    if (c->st == ST_CLOSING) {
        char buf[4096];
        for (;;) {
            size_t got = 0;
            int r = gmtls_io_read(c->io, buf, sizeof(buf), &got);
            if (r == 0) {
                if (c->hold) {
                    continue; /* nothing expected, but harmless */
                }
                errorf(c, "data after the response");
                conn_end(c);
                return;
            }
            if (r == GMTLS_ERR_WANT_READ) {
                set_interest(c, EPOLLIN | (gmtls_io_pending_output(c->io) > 0 ? EPOLLOUT : 0));
                return;
            }
            if (r == GMTLS_ERR_CLOSED) {
                if (!c->hold) {
                    (void)gmtls_io_close(c->io); /* answer the server's close_notify */
                }
                conn_end(c);
                return;
            }
            errorf(c, "waiting for close_notify: %s", gmtls_strerror(r));
            conn_end(c);
            return;
        }
    }
}

static int run_loop(double deadline, int (*done)(void))
{
    struct epoll_event evs[256];
    while (!done()) {
        if (now_s() > deadline) {
            return -1;
        }
        int n = epoll_wait(G.epfd, evs, 256, 200);
        if (n < 0 && errno != EINTR) {
            perror("loadgen: epoll_wait");
            return -1;
        }
        for (int i = 0; i < n; i++) {
            step(evs[i].data.ptr, evs[i].events);
        }
    }
    return 0;
}

static int hold_ready(void)
{
    /* every hold connection is served and waiting, or has failed */
    return G.in_flight == G.holding;
}

static int all_closed(void)
{
    return G.in_flight == 0;
}

static unsigned long churn_left;
static unsigned long churn_conc;

static int churn_done(void)
{
    while (churn_left > 0 && G.in_flight < churn_conc) {
        churn_left--;
        (void)conn_start(0);
    }
    return churn_left == 0 && G.in_flight == 0;
}

static int parse_ul(const char *s, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') {
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    const char *host = NULL, *port = NULL, *ca = NULL, *profiles = "aes128,sm4gcm,chacha,sm4ccm,aes256";
    unsigned long conns = 100, handshakes = 500, resume = 50, timeout = 60, hold_ms = 0;
    const char *hold_file = NULL;
    G.servername = "localhost";
    G.live.next = G.live.prev = &G.live;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1;
        if (a[0] != '-') {
            if (host == NULL) {
                host = a;
            } else if (port == NULL) {
                port = a;
            } else {
                ok = 0;
            }
            if (ok) {
                continue;
            }
        } else if (v == NULL) {
            ok = 0;
        } else if (strcmp(a, "--ca") == 0) {
            ca = v;
        } else if (strcmp(a, "--profiles") == 0) {
            profiles = v;
        } else if (strcmp(a, "--servername") == 0) {
            G.servername = v;
        } else if (strcmp(a, "--conns") == 0) {
            ok = parse_ul(v, &conns) == 0 && conns > 0;
        } else if (strcmp(a, "--handshakes") == 0) {
            ok = parse_ul(v, &handshakes) == 0;
        } else if (strcmp(a, "--resume") == 0) {
            ok = parse_ul(v, &resume) == 0 && resume <= 100;
        } else if (strcmp(a, "--hold-ms") == 0) {
            ok = parse_ul(v, &hold_ms) == 0 && hold_ms <= 60000;
        } else if (strcmp(a, "--hold-file") == 0) {
            hold_file = v;
        } else if (strcmp(a, "--timeout") == 0) {
            ok = parse_ul(v, &timeout) == 0 && timeout > 0;
        } else {
            ok = 0;
        }
        if (!ok) {
            fprintf(stderr, "usage: loadgen HOST PORT --ca FILE [--conns C] [--handshakes H] [--resume PCT]\n"
                            "               [--profiles aes128,aes256,chacha,p384,sm4gcm,sm4ccm]\n"
                            "               [--servername NAME] [--timeout S] [--hold-ms MS] [--hold-file PATH]\n");
            return 2;
        }
        i++;
    }
    if (host == NULL || port == NULL || ca == NULL) {
        fprintf(stderr, "loadgen: HOST, PORT and --ca are required\n");
        return 2;
    }
    G.resume_pct = (unsigned)resume;

    /* enough descriptors for every connection */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < conns + 64) {
        rl.rlim_cur = rl.rlim_max < conns + 64 ? rl.rlim_max : conns + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    int gr = getaddrinfo(host, port, &hints, &res);
    if (gr != 0) {
        fprintf(stderr, "loadgen: %s: %s\n", host, gai_strerror(gr));
        return 1;
    }
    memcpy(&G.addr, res->ai_addr, res->ai_addrlen);
    G.addr_len = res->ai_addrlen;
    freeaddrinfo(res);

    char *list = strdup(profiles);
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        const profile_def *def = NULL;
        for (size_t k = 0; k < sizeof(known_profiles) / sizeof(known_profiles[0]); k++) {
            if (strcmp(tok, known_profiles[k].name) == 0) {
                def = &known_profiles[k];
            }
        }
        if (def == NULL || G.nprofiles == MAX_PROFILES) {
            fprintf(stderr, "loadgen: unknown or too many profiles at '%s'\n", tok);
            return 2;
        }
        profile *p = &G.profiles[G.nprofiles++];
        p->def = def;
        p->cfg = gmtls_config_new();
        if (p->cfg == NULL || gmtls_config_set_cipher_suites(p->cfg, def->suite) != 0 ||
            gmtls_config_set_groups(p->cfg, def->group) != 0 || gmtls_config_set_sigalgs(p->cfg, def->sigalg) != 0 ||
            gmtls_config_set_ca_file(p->cfg, ca) != 0) {
            fprintf(stderr, "loadgen: profile %s: %s\n", def->name,
                    p->cfg != NULL ? gmtls_config_last_error(p->cfg) : "out of memory");
            return 1;
        }
    }
    free(list);
    if (G.nprofiles == 0) {
        fprintf(stderr, "loadgen: no profiles\n");
        return 2;
    }
    G.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (G.epfd < 0) {
        perror("loadgen: epoll_create1");
        return 1;
    }

    double start = now_s(), deadline = start + (double)timeout;
    int rc = 0;

    /* hold phase: conns connections at once, each served, all kept open */
    for (unsigned long i = 0; i < conns; i++) {
        (void)conn_start(1);
    }
    if (run_loop(deadline, hold_ready) != 0) {
        fprintf(stderr, "loadgen: hold phase did not finish in time (%lu of %lu served)\n", G.hold_done, conns);
        rc = 1;
    }
    unsigned long peak_hold = G.established;
    printf("loadgen: hold phase: %lu connections established at once (target %lu)\n", peak_hold, conns);
    fflush(stdout); /* scripts sample the server while the connections are held */
    fflush(stdout);
    if (peak_hold < conns) {
        fprintf(stderr, "loadgen: only %lu of %lu connections were established at once\n", peak_hold, conns);
        rc = 1;
    }
    if (hold_ms > 0) {
        struct timespec ts = {.tv_sec = (time_t)(hold_ms / 1000), .tv_nsec = (long)(hold_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
    if (hold_file != NULL) {
        printf("loadgen: holding %lu connections until %s exists\n", G.holding, hold_file);
        fflush(stdout);
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000};
        while (access(hold_file, F_OK) != 0 && now_s() < deadline) {
            nanosleep(&ts, NULL);
        }
        if (access(hold_file, F_OK) != 0) {
            fprintf(stderr, "loadgen: %s did not appear before the deadline\n", hold_file);
            rc = 1;
        }
    }
    /* every held connection sends close_notify and waits for the server's */
    for (lconn *c = G.live.next, *next; c != &G.live; c = next) {
        next = c->next;
        if (c->st == ST_HOLD) {
            begin_close(c);
        }
    }
    for (lconn *c = G.live.next, *next; c != &G.live; c = next) {
        next = c->next;
        if (c->st == ST_CLOSING) {
            step(c, 0);
        }
    }
    if (run_loop(deadline, all_closed) != 0) {
        fprintf(stderr, "loadgen: %lu held connections did not close in time\n", G.in_flight);
        rc = 1;
    }

    /* churn phase */
    churn_left = handshakes;
    churn_conc = conns;
    if (run_loop(deadline, churn_done) != 0) {
        fprintf(stderr, "loadgen: churn phase did not finish in time (%lu left, %lu in flight)\n", churn_left,
                G.in_flight);
        rc = 1;
    }
    double el = now_s() - start;
    for (size_t i = 0; i < G.nprofiles; i++) {
        const profile *p = &G.profiles[i];
        printf("loadgen: profile %-7s %-28s %-9s full %lu resumed %lu\n", p->def->name, p->def->suite, p->def->group,
               p->full, p->resumed);
    }
    printf("loadgen: %lu handshakes (%lu full, %lu resumed), peak %lu established, %lu errors, %.1f s\n", G.handshakes,
           G.full, G.resumed, G.peak, G.errors, el);
    fflush(stdout);
    unsigned long expected = conns + handshakes;
    if (G.handshakes != expected) {
        fprintf(stderr, "loadgen: %lu handshakes completed, expected %lu\n", G.handshakes, expected);
        rc = 1;
    }
    if (G.errors != 0) {
        rc = 1;
    }
    for (size_t i = 0; i < G.nprofiles; i++) {
        gmtls_config_free(G.profiles[i].cfg);
        free(G.profiles[i].session);
    }
    close(G.epfd);
    return rc;
}
