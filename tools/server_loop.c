/* tools/server_loop.c - one worker of `gmtls server`: an epoll loop over
 * non-blocking sockets driven through gmtls_io_*.
 *
 * A connection lives on exactly one of five FIFO lists, each with one
 * timeout counted from a base time that bytes from the client do not move
 * (except on the open list), so expiring timers is a walk from the head and
 * a client dripping bytes cannot extend a deadline:
 *   handshaking  base = accepted, --handshake-timeout
 *   idle         --www between requests (keep-alive): base = the end of the
 *                last response, --idle-timeout; the first evicted when
 *                --max-conns is reached
 *   header       --www, a request header under way: base = its first byte,
 *                --header-timeout for the whole header
 *   open         a body or response moving, --echo, --proxy: base = last
 *                progress, --idle-timeout (moved to the tail on progress);
 *                plus --min-rate: each RATE_WINDOW_MS a connection that is
 *                receiving a body or has output queued must have moved
 *                min-rate bytes a second (slow readers, dripped bodies)
 *   lingering    close_notify sent and our side shut down; we drain the
 *                peer briefly so closing does not reset unread data */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server.h"
#include "tlsutil.h"

#define OUT_HIGH (256 * 1024) /* stop producing while this much is queued */
#define PROXY_BUF (64 * 1024) /* client->backend bytes in flight */
#define PROXY_CLIENT_OUT_CAP (2 * OUT_HIGH) /* --proxy reads the client below this */
#define IO_CHUNK 16384
#define LINGER_MS 2000
#define SHUTDOWN_GRACE_MS 30000
#define RATE_WINDOW_MS 10000

enum { TAG_LISTEN, TAG_WAKE, TAG_CLIENT, TAG_BACKEND };
enum { LIST_HANDSHAKE, LIST_IDLE, LIST_HEADER, LIST_OPEN, LIST_LINGER, LIST_COUNT };
typedef enum { CS_HANDSHAKE, CS_OPEN, CS_CLOSING, CS_LINGER } conn_state;

typedef struct srv_conn srv_conn;
typedef struct {
    uint8_t b[17]; /* family tag + IPv4 address, or the IPv6 /64 */
} ip_key;
typedef struct {
    int kind;
    int fd; /* TAG_LISTEN */
    srv_conn *c;
} ep_tag;

struct srv_conn {
    srv_conn *prev, *next;
    int list;
    srv_worker *w;
    int fd;
    uint32_t ev;
    ep_tag tag;
    gmtls_conn *tls;
    gmtls_io *io;
    conn_state state;
    uint64_t start_ms, last_ms;
    uint64_t phase_ms; /* entered the idle or header list */
    uint64_t rate_ms;  /* --min-rate window: start, and bytes moved then */
    uint64_t rate_base;
    ip_key ipk; /* counted in the per-address table (if has_ipk) */
    int has_ipk;
    char peer[64];
    char result[192];
    int sniffed;         /* the first bytes looked like TLS */
    int hs_err;          /* why the handshake failed (a gmtls error), or 0 */
    const char *hs_fail; /* --metrics reason for a handshake that never ended */
    int dead;            /* freed at the end of the event batch */
    int got_close;       /* close_notify or EOF from the client */
    int requests;        /* --www: requests answered */
    int more;            /* the mode stopped at the output high-water mark with
                          * work left (a file, buffered input): if the output
                          * then drains at once, no read event will come */
    srv_http *http;
    /* --proxy */
    int bfd;
    uint32_t bev;
    ep_tag btag;
    int b_connecting, b_eof, b_shut_wr;
    uint8_t *to_b;
    size_t to_b_len;
};

struct srv_worker {
    int epfd, wakefd;
    int lfds[SRV_MAX_LISTEN]; /* shared by all workers, closed by cmd_server.c */
    size_t nlfd;
    int listening;
    const srv_settings *st;
    srv_conn lists[LIST_COUNT]; /* circular sentinels */
    unsigned nconns;
    srv_conn *dead; /* singly linked through next */
    unsigned freed; /* connections freed or handshakes ended since the last malloc_trim */
    uint64_t last_trim;
    int stopping;
    uint64_t hard_deadline;
    uint64_t next_rate_check;
    ep_tag ltags[SRV_MAX_LISTEN], wtag;
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void srv_log(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

/* ---------------------------------------------------------------- metrics */

/* Counters for --metrics (Prometheus text exposition format 0.0.4); atomics
 * for the plain counts, a small locked table for the labelled ones. */
enum { K_HANDSHAKE, K_HEADER, K_IDLE, K_MIN_RATE, K_EVICT_IDLE, K_EVICT_STALLED, K_COUNT };
static const char *const kill_names[K_COUNT] = {"handshake", "header",       "idle",
                                                "min_rate",  "evicted_idle", "evicted_stalled"};
static atomic_ullong m_accepted, m_refused_max, m_refused_ip, m_resumed, m_bytes_in, m_bytes_out;
static atomic_ullong m_kills[K_COUNT];

#define M_ROWS 128
typedef struct {
    uint16_t version, suite, group, sigalg;
    int resumed;
    unsigned long long n;
} hs_row;
typedef struct {
    const char *reason;
    int alert; /* -1: none */
    unsigned long long n;
} fail_row;
static hs_row m_hs[M_ROWS];
static fail_row m_fail[M_ROWS];
static size_t m_nhs, m_nfail;
static pthread_mutex_t m_lock = PTHREAD_MUTEX_INITIALIZER;

static void metric_handshake(const gmtls_conn *t)
{
    uint16_t suite = gmtls_conn_cipher_suite(t), group = gmtls_conn_group(t), sigalg = gmtls_conn_sigalg(t);
    uint16_t version = gmtls_conn_version(t);
    int resumed = gmtls_conn_is_resumed(t);
    if (resumed) {
        atomic_fetch_add(&m_resumed, 1);
    }
    pthread_mutex_lock(&m_lock);
    size_t i = 0;
    while (i < m_nhs && !(m_hs[i].version == version && m_hs[i].suite == suite && m_hs[i].group == group &&
                          m_hs[i].sigalg == sigalg && m_hs[i].resumed == resumed)) {
        i++;
    }
    if (i == m_nhs && m_nhs < M_ROWS) {
        m_hs[m_nhs++] = (hs_row){version, suite, group, sigalg, resumed, 0};
    }
    if (i < m_nhs) {
        m_hs[i].n++;
    }
    pthread_mutex_unlock(&m_lock);
}

/* A handshake that never completed: reason, and the alert if one was sent
 * (error < 0x100) or received (0x100 + alert). */
static void metric_failure(const char *reason, int err)
{
    int alert = -1;
    if (err > 0 && err < 0x100) {
        alert = err;
        reason = "alert_sent";
    } else if (err >= 0x100 && err < 0x200) {
        alert = err - 0x100;
        reason = "alert_received";
    }
    pthread_mutex_lock(&m_lock);
    size_t i = 0;
    while (i < m_nfail && !(strcmp(m_fail[i].reason, reason) == 0 && m_fail[i].alert == alert)) {
        i++;
    }
    if (i == m_nfail && m_nfail < M_ROWS) {
        m_fail[m_nfail++] = (fail_row){reason, alert, 0};
    }
    if (i < m_nfail) {
        m_fail[i].n++;
    }
    pthread_mutex_unlock(&m_lock);
}

static void sb_printf(char **buf, size_t *len, size_t *cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void sb_printf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = *buf != NULL ? vsnprintf(*buf + *len, *cap - *len, fmt, ap) : -1;
        va_end(ap);
        if (n >= 0 && (size_t)n < *cap - *len) {
            *len += (size_t)n;
            return;
        }
        size_t ncap = *cap ? *cap * 2 : 8192;
        char *p = realloc(*buf, ncap);
        if (p == NULL) {
            return;
        }
        *buf = p;
        *cap = ncap;
    }
}

static atomic_uint total_conns;

char *srv_metrics_text(size_t *len_out)
{
    char *b = NULL;
    size_t len = 0, cap = 0;
#define P(...) sb_printf(&b, &len, &cap, __VA_ARGS__)
    P("# HELP gmtls_server_connections_open Connections open now.\n# TYPE gmtls_server_connections_open gauge\n");
    P("gmtls_server_connections_open %u\n", atomic_load(&total_conns));
    P("# HELP gmtls_server_connections_accepted_total Connections accepted.\n"
      "# TYPE gmtls_server_connections_accepted_total counter\n");
    P("gmtls_server_connections_accepted_total %llu\n", atomic_load(&m_accepted));
    P("# HELP gmtls_server_connections_refused_total Connections closed at accept by a limit.\n"
      "# TYPE gmtls_server_connections_refused_total counter\n");
    P("gmtls_server_connections_refused_total{reason=\"max_conns\"} %llu\n", atomic_load(&m_refused_max));
    P("gmtls_server_connections_refused_total{reason=\"max_conns_per_ip\"} %llu\n", atomic_load(&m_refused_ip));
    P("# HELP gmtls_server_handshakes_total Completed handshakes.\n# TYPE gmtls_server_handshakes_total counter\n");
    pthread_mutex_lock(&m_lock);
    for (size_t i = 0; i < m_nhs; i++) {
        P("gmtls_server_handshakes_total{protocol=\"%s\",suite=\"%s\",group=\"%s\",signature=\"%s\","
          "resumed=\"%s\"} %llu\n",
          tool_version_name(m_hs[i].version), tool_suite_name(m_hs[i].suite), tool_group_name(m_hs[i].group),
          m_hs[i].resumed ? "none" : tool_sigalg_name(m_hs[i].sigalg), m_hs[i].resumed ? "yes" : "no", m_hs[i].n);
    }
    P("# HELP gmtls_server_handshake_failures_total Connections whose handshake never completed, by reason and "
      "alert.\n# TYPE gmtls_server_handshake_failures_total counter\n");
    for (size_t i = 0; i < m_nfail; i++) {
        const char *an = m_fail[i].alert >= 0 ? gmtls_alert_name(m_fail[i].alert) : "none";
        P("gmtls_server_handshake_failures_total{reason=\"%s\",alert=\"%s\"} %llu\n", m_fail[i].reason,
          an != NULL ? an : "unknown", m_fail[i].n);
    }
    pthread_mutex_unlock(&m_lock);
    P("# HELP gmtls_server_resumptions_total Handshakes that resumed a session.\n"
      "# TYPE gmtls_server_resumptions_total counter\n");
    P("gmtls_server_resumptions_total %llu\n", atomic_load(&m_resumed));
    P("# HELP gmtls_server_deadline_kills_total Connections closed by a deadline or to make room.\n"
      "# TYPE gmtls_server_deadline_kills_total counter\n");
    for (int k = 0; k < K_COUNT; k++) {
        P("gmtls_server_deadline_kills_total{deadline=\"%s\"} %llu\n", kill_names[k], atomic_load(&m_kills[k]));
    }
    P("# HELP gmtls_server_bytes_received_total Application bytes received on connections that ended.\n"
      "# TYPE gmtls_server_bytes_received_total counter\n");
    P("gmtls_server_bytes_received_total %llu\n", atomic_load(&m_bytes_in));
    P("# HELP gmtls_server_bytes_sent_total Application bytes sent on connections that ended.\n"
      "# TYPE gmtls_server_bytes_sent_total counter\n");
    P("gmtls_server_bytes_sent_total %llu\n", atomic_load(&m_bytes_out));
#undef P
    *len_out = len;
    return b;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- lists */

static void list_unlink(srv_conn *c)
{
    c->prev->next = c->next;
    c->next->prev = c->prev;
    c->prev = c->next = c;
}

static void list_append(srv_worker *w, srv_conn *c, int list)
{
    srv_conn *head = &w->lists[list];
    c->list = list;
    c->prev = head->prev;
    c->next = head;
    head->prev->next = c;
    head->prev = c;
}

static void list_move(srv_conn *c, int list)
{
    list_unlink(c);
    list_append(c->w, c, list);
}

static uint64_t list_timeout_ms(const srv_worker *w, int list)
{
    switch (list) {
    case LIST_HANDSHAKE:
        return (uint64_t)w->st->handshake_timeout_s * 1000;
    case LIST_IDLE:
    case LIST_OPEN:
        return (uint64_t)w->st->idle_timeout_s * 1000;
    case LIST_HEADER:
        return (uint64_t)w->st->header_timeout_s * 1000;
    default:
        return LINGER_MS;
    }
}

/* What a list's deadline counts from. */
static uint64_t list_base(const srv_conn *c)
{
    switch (c->list) {
    case LIST_HANDSHAKE:
        return c->start_ms;
    case LIST_IDLE:
    case LIST_HEADER:
        return c->phase_ms;
    default:
        return c->last_ms;
    }
}

static void touch(srv_conn *c)
{
    c->last_ms = now_ms();
    if (c->list == LIST_OPEN) {
        list_move(c, LIST_OPEN);
    }
}

/* ---------------------------------------------------------------- per address */

/* Open connections per client address, shared by the workers (only used
 * with --max-conns-per-ip). An IPv6 client is counted by its /64, the
 * smallest prefix a subscriber is usually given. */
#define IP_BUCKETS 4096
typedef struct ip_entry {
    struct ip_entry *next;
    ip_key k;
    unsigned n;
} ip_entry;
static ip_entry *ip_table[IP_BUCKETS];
static pthread_mutex_t ip_lock = PTHREAD_MUTEX_INITIALIZER;

static void ip_key_of(const struct sockaddr_storage *ss, ip_key *k)
{
    memset(k, 0, sizeof(*k));
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        k->b[0] = 4;
        memcpy(k->b + 1, &a->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a->sin6_addr.s6_addr, mapped, 12) == 0) {
            k->b[0] = 4;
            memcpy(k->b + 1, a->sin6_addr.s6_addr + 12, 4);
        } else {
            k->b[0] = 6;
            memcpy(k->b + 1, a->sin6_addr.s6_addr, 8);
        }
    }
}

static unsigned ip_hash(const ip_key *k)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < sizeof(k->b); i++) {
        h = (h ^ k->b[i]) * 16777619u;
    }
    return h % IP_BUCKETS;
}

/* Counts one more connection from k unless limit are open; 0 or -1. */
static int ip_acquire(const ip_key *k, unsigned limit)
{
    unsigned b = ip_hash(k);
    int r = -1;
    pthread_mutex_lock(&ip_lock);
    ip_entry *e = ip_table[b];
    while (e != NULL && memcmp(&e->k, k, sizeof(*k)) != 0) {
        e = e->next;
    }
    if (e == NULL) {
        e = calloc(1, sizeof(*e));
        if (e != NULL) {
            e->k = *k;
            e->next = ip_table[b];
            ip_table[b] = e;
        }
    }
    if (e != NULL && e->n < limit) {
        e->n++;
        r = 0;
    } else if (e != NULL && e->n == 0) {
        ip_table[b] = e->next; /* limit 0 never gets here: just made, unused */
        free(e);
    }
    pthread_mutex_unlock(&ip_lock);
    return r;
}

static void ip_release(const ip_key *k)
{
    unsigned b = ip_hash(k);
    pthread_mutex_lock(&ip_lock);
    for (ip_entry **pp = &ip_table[b]; *pp != NULL; pp = &(*pp)->next) {
        ip_entry *e = *pp;
        if (memcmp(&e->k, k, sizeof(*k)) == 0) {
            if (--e->n == 0) {
                *pp = e->next;
                free(e);
            }
            break;
        }
    }
    pthread_mutex_unlock(&ip_lock);
}

/* ---------------------------------------------------------------- epoll */

static void set_events(srv_conn *c, int fd, uint32_t *cur, ep_tag *tag, uint32_t want)
{
    if (fd < 0 || *cur == want) {
        return;
    }
    struct epoll_event ev = {.events = want, .data.ptr = tag};
    if (epoll_ctl(c->w->epfd, EPOLL_CTL_MOD, fd, &ev) == 0) {
        *cur = want;
    }
}

/* ---------------------------------------------------------------- finish */

static void log_conn(const srv_conn *c)
{
    if (c->w->st->quiet) {
        return;
    }
    const gmtls_conn *t = c->tls;
    const char *sni = gmtls_conn_server_name(t), *alpn = gmtls_conn_alpn(t);
    int done = gmtls_conn_handshake_done(t);
    /* " psk=ID" only after an external-PSK handshake, " pha=cert|nocert"
     * after post-handshake authentication: the usual line keeps its fields */
    char idbuf[600], psk[640] = "";
    const char *id = tool_psk_identity(t, idbuf, sizeof idbuf);
    if (strcmp(id, "-") != 0) {
        snprintf(psk, sizeof psk, " psk=%s", id);
    }
    if (gmtls_conn_pha_status(t) == GMTLS_PHA_DONE) {
        size_t plen = strlen(psk);
        snprintf(psk + plen, sizeof psk - plen, " pha=%s", gmtls_conn_peer_subject(t) != NULL ? "cert" : "nocert");
    }
    if (gmtls_conn_early_data_state(t) == GMTLS_EARLY_ACCEPTED) {
        size_t plen = strlen(psk); /* " early=1": 0-RTT data was accepted (RFC 8446 §2.3) */
        snprintf(psk + plen, sizeof psk - plen, " early=1");
    }
    /* certcomp: the algorithm our Certificate went with (RFC 8879), rsl: the
     * client's record_size_limit our records obey (RFC 8449) */
    const char *cc = gmtls_cert_compression_name(gmtls_conn_cert_compression(t, 0, NULL, NULL));
    uint16_t rsl = gmtls_conn_peer_record_size_limit(t);
    char rsls[8] = "-";
    if (rsl != 0) {
        snprintf(rsls, sizeof rsls, "%u", rsl);
    }
    srv_log("%s proto=%s sni=%s suite=%s group=%s sigalg=%s alpn=%s resumed=%s%s in=%llu out=%llu certcomp=%s "
            "rsl=%s duration=%llums result=%s",
            c->peer, done ? tool_version_name(gmtls_conn_version(t)) : "none", sni != NULL ? sni : "-",
            done ? tool_suite_name(gmtls_conn_cipher_suite(t)) : "none",
            done ? tool_group_name(gmtls_conn_group(t)) : "none",
            done ? tool_sigalg_name(gmtls_conn_sigalg(t)) : "none", alpn != NULL ? alpn : "-",
            gmtls_conn_is_resumed(t) ? "yes" : "no", psk, (unsigned long long)gmtls_conn_bytes_received(t),
            (unsigned long long)gmtls_conn_bytes_sent(t), cc != NULL ? cc : "-", rsls,
            (unsigned long long)(now_ms() - c->start_ms), c->result[0] != '\0' ? c->result : "ok");
}

static void close_backend(srv_conn *c)
{
    if (c->bfd >= 0) {
        epoll_ctl(c->w->epfd, EPOLL_CTL_DEL, c->bfd, NULL);
        close(c->bfd);
        c->bfd = -1;
    }
    c->b_eof = 1;
    c->to_b_len = 0;
}

/* Ends a connection now; the memory goes at the end of the event batch,
 * since later events of the same batch may still point at it. */
static void conn_free(srv_conn *c)
{
    srv_worker *w = c->w;
    if (c->dead) {
        return;
    }
    c->dead = 1;
    log_conn(c);
    atomic_fetch_add(&m_bytes_in, gmtls_conn_bytes_received(c->tls));
    atomic_fetch_add(&m_bytes_out, gmtls_conn_bytes_sent(c->tls));
    if (!gmtls_conn_handshake_done(c->tls)) {
        metric_failure(c->hs_fail != NULL ? c->hs_fail : "closed", c->hs_err);
    }
    list_unlink(c);
    close_backend(c);
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->has_ipk) {
        ip_release(&c->ipk);
    }
    c->next = w->dead;
    w->dead = c;
    w->nconns--;
    atomic_fetch_sub(&total_conns, 1);
}

#define TRIM_AFTER 1024 /* connections freed or handshakes completed */
#define TRIM_EVERY_MS 2000

static void reap(srv_worker *w)
{
    while (w->dead != NULL) {
        srv_conn *c = w->dead;
        w->dead = c->next;
        gmtls_io_free(c->io);
        gmtls_conn_free(c->tls);
        srv_http_free(c->http);
        free(c->to_b);
        free(c);
        w->freed++;
    }
    /* After a crowd of connections went away, or a crowd of handshakes
     * freed their transient state, give the free heap pages back to the
     * system: glibc keeps them (with long-lived connections interleaved,
     * little of it sits at the top where it would be trimmed by itself).
     * malloc_trim releases the free pages of every arena. */
    uint64_t now = now_ms();
    if (w->freed > 0 && (w->freed >= TRIM_AFTER || w->nconns == 0) && now - w->last_trim >= TRIM_EVERY_MS) {
        malloc_trim(0);
        w->freed = 0;
        w->last_trim = now;
    }
}

static void set_result(srv_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_result(srv_conn *c, const char *fmt, ...)
{
    if (c->result[0] != '\0') {
        return; /* the first reason wins */
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->result, sizeof(c->result), fmt, ap);
    va_end(ap);
}

static void set_tls_result(srv_conn *c, const char *what, int err)
{
    const char *d = gmtls_conn_error_detail(c->tls);
    if (d != NULL && d[0] != '\0') {
        set_result(c, "%s: %s (%s)", what, gmtls_strerror(err), d);
    } else {
        set_result(c, "%s: %s", what, gmtls_strerror(err));
    }
}

/* Our side is done: shut down writing and drain the peer for a moment. */
static void start_linger(srv_conn *c)
{
    shutdown(c->fd, SHUT_WR);
    c->state = CS_LINGER;
    c->last_ms = now_ms();
    list_move(c, LIST_LINGER);
    close_backend(c);
    set_events(c, c->fd, &c->ev, &c->tag, EPOLLIN);
}

/* Queues close_notify; the connection ends once the output is out. */
static void start_close(srv_conn *c)
{
    if (c->state == CS_CLOSING || c->state == CS_LINGER) {
        return;
    }
    (void)gmtls_io_close(c->io);
    c->state = CS_CLOSING;
}

/* A fatal error: push out whatever alert is queued, then close. */
static void fail_conn(srv_conn *c)
{
    (void)gmtls_io_flush(c->io);
    conn_free(c);
}

/* ---------------------------------------------------------------- modes */

/* Returns 0 to go on, -1 when c was freed. */
static int echo_progress(srv_conn *c)
{
    uint8_t buf[IO_CHUNK];
    while (c->state == CS_OPEN && gmtls_io_pending_output(c->io) < OUT_HIGH) {
        size_t n = 0;
        int r = gmtls_io_read(c->io, buf, sizeof(buf), &n);
        if (r == 0) {
            size_t wn = 0;
            r = gmtls_io_write(c->io, buf, n, &wn);
            if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
                set_tls_result(c, "send", r);
                fail_conn(c);
                return -1;
            }
            touch(c);
            continue;
        }
        if (r == GMTLS_ERR_WANT_READ) {
            break;
        }
        if (r == GMTLS_ERR_CLOSED) {
            c->got_close = 1;
            start_close(c);
            break;
        }
        if (r == GMTLS_ERR_EOF) {
            set_result(c, "eof without close_notify");
            conn_free(c);
            return -1;
        }
        set_tls_result(c, "receive", r);
        fail_conn(c);
        return -1;
    }
    c->more = c->state == CS_OPEN && gmtls_io_pending_output(c->io) >= OUT_HIGH;
    if (c->state == CS_OPEN && c->w->stopping && gmtls_io_pending_output(c->io) == 0) {
        set_result(c, "ok (shutdown)");
        start_close(c);
    }
    return 0;
}

static srv_http_phase_t conn_http_phase(const srv_conn *c)
{
    return c->http != NULL ? srv_http_phase(c->http) : SRV_HTTP_IDLE;
}

static int www_progress(srv_conn *c)
{
    const srv_settings *st = c->w->st;
    if (c->http != NULL && srv_http_sending(c->http)) {
        int hr = srv_http_resume(c->http, c->io, st);
        if (hr < 0) {
            set_result(c, "send failed");
            fail_conn(c);
            return -1;
        }
    }
    uint8_t buf[IO_CHUNK];
    /* (reading goes on while a --pha-path request waits for the client's
     * certificate, even when that request asked to close afterwards) */
    while (c->state == CS_OPEN &&
           (c->http == NULL || (!srv_http_sending(c->http) &&
                                (!srv_http_wants_close(c->http) || srv_http_pha_waiting(c->http)))) &&
           gmtls_io_pending_output(c->io) < OUT_HIGH) {
        size_t n = 0;
        int r = gmtls_io_read(c->io, buf, sizeof(buf), &n);
        if (r == 0) {
            touch(c);
            if (c->http == NULL) {
                /* made when a request begins, freed between requests */
                c->http = srv_http_new();
                if (c->http == NULL) {
                    set_result(c, "out of memory");
                    fail_conn(c);
                    return -1;
                }
                srv_http_set_peer(c->http, c->peer);
            }
            int hr = srv_http_input(c->http, c->io, st, buf, n, gmtls_io_last_read_early(c->io));
            if (hr < 0) {
                set_result(c, "send failed");
                fail_conn(c);
                return -1;
            }
            if (!srv_http_busy(c->http)) {
                c->requests++;
            }
            continue;
        }
        if (r == GMTLS_ERR_WANT_READ) {
            break;
        }
        if (r == GMTLS_ERR_CLOSED) {
            c->got_close = 1;
            start_close(c);
            break;
        }
        if (r == GMTLS_ERR_EOF) {
            if (c->http != NULL && srv_http_busy(c->http)) {
                set_result(c, "eof without close_notify");
            }
            conn_free(c);
            return -1;
        }
        set_tls_result(c, "receive", r);
        fail_conn(c);
        return -1;
    }
    if (c->state == CS_OPEN && c->http != NULL && srv_http_pha_waiting(c->http)) {
        /* the client's Certificate..Finished came in with the reads above */
        if (srv_http_resume(c->http, c->io, st) < 0) {
            set_result(c, "send failed");
            fail_conn(c);
            return -1;
        }
    }
    int sending = c->http != NULL && srv_http_sending(c->http);
    c->more = c->state == CS_OPEN && (sending || gmtls_io_pending_output(c->io) >= OUT_HIGH);
    if (c->state == CS_OPEN && !sending && c->http != NULL && srv_http_wants_close(c->http) &&
        !srv_http_pha_waiting(c->http)) {
        start_close(c);
    }
    /* Stopping: a connection between requests (none begun, nothing left to
     * send) closes now; one with a request under way finishes it first. */
    if (c->state == CS_OPEN && c->w->stopping && (c->http == NULL || !srv_http_busy(c->http)) &&
        gmtls_io_pending_output(c->io) == 0) {
        start_close(c);
    }
    return 0;
}

static uint64_t bytes_moved(const srv_conn *c)
{
    return gmtls_conn_bytes_sent(c->tls) + gmtls_conn_bytes_received(c->tls);
}

/* --www: puts an open connection on the list of its request phase. */
static void settle(srv_conn *c)
{
    if (c->state != CS_OPEN || c->w->st->mode != SRV_MODE_WWW) {
        return;
    }
    srv_http_phase_t ph = conn_http_phase(c);
    int want = LIST_OPEN;
    if (ph == SRV_HTTP_HEADER) {
        want = LIST_HEADER;
    } else if (ph == SRV_HTTP_IDLE && gmtls_io_pending_output(c->io) == 0 && !c->more) {
        want = LIST_IDLE;
        if (c->http != NULL && !srv_http_wants_close(c->http)) {
            srv_http_free(c->http); /* idle keep-alive holds no HTTP buffers */
            c->http = NULL;
        }
    }
    if (want == c->list) {
        return;
    }
    uint64_t now = now_ms();
    if (want == LIST_OPEN) {
        c->last_ms = c->rate_ms = now;
        c->rate_base = bytes_moved(c);
    } else {
        c->phase_ms = now;
    }
    list_move(c, want);
}

static int backend_connect(srv_conn *c)
{
    const srv_settings *st = c->w->st;
    c->bfd = socket(st->backend.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->bfd < 0) {
        return -1;
    }
    int one = 1;
    setsockopt(c->bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->bfd, (const struct sockaddr *)&st->backend, st->backend_len) != 0 && errno != EINPROGRESS) {
        close(c->bfd);
        c->bfd = -1;
        return -1;
    }
    c->b_connecting = 1;
    c->btag.kind = TAG_BACKEND;
    c->btag.c = c;
    c->bev = EPOLLOUT;
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = &c->btag};
    if (epoll_ctl(c->w->epfd, EPOLL_CTL_ADD, c->bfd, &ev) != 0) {
        close(c->bfd);
        c->bfd = -1;
        return -1;
    }
    c->to_b = malloc(PROXY_BUF);
    return c->to_b != NULL ? 0 : -1;
}

/* client -> to_b; 0, or -1 when c was freed. */
static int proxy_from_client(srv_conn *c)
{
    while (c->state == CS_OPEN && !c->got_close && c->to_b_len < PROXY_BUF) {
        size_t n = 0;
        int r = gmtls_io_read(c->io, c->to_b + c->to_b_len, PROXY_BUF - c->to_b_len, &n);
        if (r == 0) {
            if (c->bfd >= 0) {
                c->to_b_len += n; /* else the backend is gone: discard */
            }
            touch(c);
            continue;
        }
        if (r == GMTLS_ERR_WANT_READ) {
            break;
        }
        if (r == GMTLS_ERR_CLOSED || r == GMTLS_ERR_EOF) {
            c->got_close = 1;
            if (r == GMTLS_ERR_EOF) {
                set_result(c, "client eof without close_notify");
            }
            break;
        }
        set_tls_result(c, "receive", r);
        fail_conn(c);
        return -1;
    }
    return 0;
}

/* to_b -> backend; returns 1 if the buffer shrank. */
static int proxy_to_backend(srv_conn *c)
{
    int moved = 0;
    while (c->bfd >= 0 && !c->b_connecting && c->to_b_len > 0) {
        ssize_t n = send(c->bfd, c->to_b, c->to_b_len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                set_result(c, "backend write: %s", strerror(errno));
                close_backend(c);
            }
            break;
        }
        memmove(c->to_b, c->to_b + n, c->to_b_len - (size_t)n);
        c->to_b_len -= (size_t)n;
        moved = 1;
        touch(c);
    }
    return moved;
}

static int proxy_progress(srv_conn *c)
{
    /* Alternate until stuck: decrypted input may already sit in the io
     * buffers, where no epoll event would announce it again. */
    do {
        if (proxy_from_client(c) != 0) {
            return -1;
        }
    } while (proxy_to_backend(c) && c->to_b_len < PROXY_BUF);
    if (c->bfd >= 0 && c->b_connecting) {
        return 0;
    }
    if (c->got_close && c->to_b_len == 0 && c->bfd >= 0 && !c->b_shut_wr) {
        shutdown(c->bfd, SHUT_WR); /* half-close follows the client's close_notify */
        c->b_shut_wr = 1;
    }
    /* backend -> client */
    uint8_t buf[IO_CHUNK];
    while (c->bfd >= 0 && !c->b_eof && c->state == CS_OPEN && gmtls_io_pending_output(c->io) < OUT_HIGH) {
        ssize_t n = read(c->bfd, buf, sizeof(buf));
        if (n > 0) {
            size_t wn = 0;
            int r = gmtls_io_write(c->io, buf, (size_t)n, &wn);
            if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
                set_tls_result(c, "send", r);
                fail_conn(c);
                return -1;
            }
            touch(c);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        if (n < 0) {
            set_result(c, "backend read: %s", strerror(errno));
        }
        c->b_eof = 1;
    }
    if (c->state == CS_OPEN && (c->b_eof || c->bfd < 0)) {
        /* the backend finished: close_notify goes after the data already
         * queued; keep relaying the client's side until it closes too */
        (void)gmtls_io_close(c->io);
        if (c->bfd < 0 || (c->got_close && c->to_b_len == 0)) {
            c->state = CS_CLOSING;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- not TLS */

/* Looks at the first bytes a client sent, before the library sees them.
 * Returns 1 for TLS (or undecided: wait), 0 when c was answered or closed. */
static int sniff(srv_conn *c)
{
    /* RFC 8446 §5.1: a TLS connection opens with a handshake record,
     * ContentType handshake(22), legacy_record_version 0x03XX */
    static const char *const methods[] = {"GET ",     "POST ",    "HEAD ",  "PUT ",   "DELETE ",
                                          "OPTIONS ", "CONNECT ", "PATCH ", "TRACE ", "PRI "};
    uint8_t b[8];
    ssize_t n = recv(c->fd, b, sizeof(b), MSG_PEEK);
    if (n <= 0) {
        return 1; /* EAGAIN, EOF or an error: the handshake reports it */
    }
    /* GB/T 38636-2020 §6.3.3.1: a TLCP record carries version 0x0101 (the
     * library refuses it unless an encryption certificate is configured). */
    if (b[0] == 0x16 && (n < 2 || b[1] == 0x03 || b[1] == 0x01)) {
        c->sniffed = 1;
        return 1;
    }
    int http = 0, maybe = 0;
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        size_t ml = strlen(methods[i]);
        if ((size_t)n >= ml && memcmp(b, methods[i], ml) == 0) {
            http = 1;
        } else if ((size_t)n < ml && memcmp(b, methods[i], (size_t)n) == 0) {
            maybe = 1;
        }
    }
    if (!http && maybe) {
        return 1; /* a method cut short: wait for more (the handshake timeout runs) */
    }
    if (!http) {
        set_result(c, "not TLS (first byte 0x%02x): closed", b[0]);
        c->hs_fail = "not_tls";
        conn_free(c);
        return 0;
    }
    /* Plain HTTP to the TLS port: a short 400 naming the https URL (what
     * nginx does), then close. */
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char addr[80] = "this-host";
    if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0) {
        tool_format_addr((const struct sockaddr *)&ss, addr, sizeof(addr));
    }
    char body[200], resp[400];
    int bl = snprintf(body, sizeof(body), "This port speaks HTTPS (TLS), not plain HTTP: use https://%s/\n", addr);
    int rl = snprintf(resp, sizeof(resp),
                      "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                      "Connection: close\r\n\r\n%s",
                      bl, body);
    ssize_t wn = send(c->fd, resp, (size_t)rl, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)wn; /* a fresh socket's buffer takes it; if not, the client gets the close */
    set_result(c, "plain HTTP on the TLS port: 400 sent");
    c->hs_fail = "plain_http";
    c->state = CS_LINGER;
    shutdown(c->fd, SHUT_WR);
    c->last_ms = now_ms();
    list_move(c, LIST_LINGER);
    set_events(c, c->fd, &c->ev, &c->tag, EPOLLIN);
    return 0;
}

/* ---------------------------------------------------------------- driver */

static void update_interest(srv_conn *c)
{
    uint32_t want = 0;
    size_t pend = gmtls_io_pending_output(c->io);
    if (pend > 0) {
        want |= EPOLLOUT;
    }
    switch (c->state) {
    case CS_HANDSHAKE:
        want |= EPOLLIN;
        break;
    case CS_OPEN:
        if (!c->got_close && c->w->st->mode == SRV_MODE_WWW) {
            if (pend < OUT_HIGH && (c->http == NULL || !srv_http_sending(c->http))) {
                want |= EPOLLIN;
            }
        } else if (!c->got_close && c->to_b != NULL) {
            /* --proxy: the two directions are independent. Reading the client
             * only produces protocol output (KeyUpdate answers), so it must
             * not wait for the client to read what the backend sent: a client
             * that reads only between its own writes would deadlock with us.
             * The slack above OUT_HIGH (where backend reads stop) bounds what
             * protocol output a client that never reads can queue. */
            if (c->to_b_len < PROXY_BUF && pend < PROXY_CLIENT_OUT_CAP) {
                want |= EPOLLIN;
            }
        } else if (!c->got_close && pend < OUT_HIGH) {
            want |= EPOLLIN; /* --echo, or --proxy before the backend socket */
        }
        if (c->more && pend == 0) {
            want |= EPOLLOUT; /* writable at once: progress() continues the work */
        }
        break;
    case CS_CLOSING:
        break;
    case CS_LINGER:
        want = EPOLLIN;
        break;
    }
    set_events(c, c->fd, &c->ev, &c->tag, want);
    if (c->bfd >= 0) {
        uint32_t bw = 0;
        if (c->b_connecting || c->to_b_len > 0) {
            bw |= EPOLLOUT;
        }
        if (!c->b_connecting && !c->b_eof && pend < OUT_HIGH) {
            bw |= EPOLLIN;
        }
        set_events(c, c->bfd, &c->bev, &c->btag, bw);
    }
}

static void progress(srv_conn *c)
{
    const srv_settings *st = c->w->st;
    if (c->state == CS_LINGER) {
        char buf[4096];
        ssize_t n;
        while ((n = read(c->fd, buf, sizeof(buf))) > 0) {
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            conn_free(c);
        }
        return;
    }
    if (c->state == CS_HANDSHAKE) {
        if (!c->sniffed && sniff(c) == 0) {
            return;
        }
        int r = gmtls_io_handshake(c->io);
        if (r == GMTLS_ERR_WANT_READ || r == GMTLS_ERR_WANT_WRITE) {
            if (r == GMTLS_ERR_WANT_READ) {
                gmtls_io_shrink(c->io); /* waiting for the client's next flight */
            }
            update_interest(c);
            return;
        }
        if (r != 0) {
            set_tls_result(c, "handshake failed", r);
            c->hs_err = r;
            c->hs_fail = r == GMTLS_ERR_EOF ? "eof" : "error";
            fail_conn(c);
            return;
        }
        c->state = CS_OPEN;
        metric_handshake(c->tls);
        c->w->freed++; /* the handshake state is gone: see reap() */
        c->last_ms = c->rate_ms = now_ms();
        c->rate_base = bytes_moved(c);
        list_move(c, LIST_OPEN);
        /* --verify-client post-handshake outside --www: ask at once (a
         * client that did not offer post_handshake_auth is not asked) */
        if (st->pha && st->mode != SRV_MODE_WWW && gmtls_conn_peer_offers_pha(c->tls)) {
            (void)gmtls_io_request_client_cert(c->io, GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN);
        }
        if (st->mode == SRV_MODE_PROXY && backend_connect(c) != 0) {
            set_result(c, "backend connect: %s", strerror(errno));
            close_backend(c);
            start_close(c);
        }
    }
    if (gmtls_io_pending_output(c->io) > 0) {
        int r = gmtls_io_flush(c->io);
        if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
            set_tls_result(c, "send", r);
            conn_free(c);
            return;
        }
        if (r == 0) {
            touch(c);
        }
    }
    if (c->state == CS_OPEN) {
        int r = st->mode == SRV_MODE_WWW    ? www_progress(c)
                : st->mode == SRV_MODE_ECHO ? echo_progress(c)
                                            : proxy_progress(c);
        if (r < 0) {
            return;
        }
        if (gmtls_io_pending_output(c->io) > 0) {
            int fr = gmtls_io_flush(c->io);
            if (fr != 0 && fr != GMTLS_ERR_WANT_WRITE) {
                set_tls_result(c, "send", fr);
                conn_free(c);
                return;
            }
        }
    }
    if (c->state == CS_CLOSING && gmtls_io_pending_output(c->io) == 0) {
        start_linger(c);
    }
    settle(c);
    if (c->state == CS_OPEN && !c->more && gmtls_io_pending_output(c->io) == 0 && gmtls_io_pending_input(c->io) == 0) {
        /* waiting for the client: no buffer held (RSS per idle connection) */
        gmtls_io_shrink(c->io);
    }
    update_interest(c);
}

static void on_backend_event(srv_conn *c, uint32_t events)
{
    if (c->b_connecting) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
            err = errno;
        }
        if (err != 0) {
            set_result(c, "backend connect: %s", strerror(err));
            close_backend(c);
            start_close(c);
            progress(c);
            return;
        }
        c->b_connecting = 0;
    } else if ((events & EPOLLERR) != 0) {
        set_result(c, "backend socket error");
        close_backend(c);
    }
    progress(c);
}

static void on_client_event(srv_conn *c, uint32_t events)
{
    if ((events & EPOLLERR) != 0 || ((events & EPOLLHUP) != 0 && (c->ev & EPOLLIN) == 0)) {
        if (c->state != CS_LINGER) {
            set_result(c, "connection reset");
            c->hs_fail = "reset";
        }
        conn_free(c);
        return;
    }
    progress(c);
}

/* --max-conns reached: ends the connection that costs the fewest clients
 * anything, so a new client is still served: the longest idle keep-alive
 * connection (HTTP lets a server close one; the client retries), else the
 * oldest request header or handshake stalled for STALL_MS (a client that is
 * not stalling sends either within a round trip). 1 if one was ended. */
#define STALL_MS 1000
static int make_room(srv_worker *w)
{
    uint64_t now = now_ms();
    srv_conn *head = &w->lists[LIST_IDLE];
    if (head->next != head) {
        srv_conn *c = head->next;
        set_result(c, "closed idle keep-alive (--max-conns %u reached)", w->st->max_conns);
        atomic_fetch_add(&m_kills[K_EVICT_IDLE], 1);
        (void)gmtls_io_close(c->io);
        (void)gmtls_io_flush(c->io);
        conn_free(c);
        return 1;
    }
    static const int stalled[] = {LIST_HEADER, LIST_HANDSHAKE};
    for (size_t i = 0; i < sizeof(stalled) / sizeof(stalled[0]); i++) {
        head = &w->lists[stalled[i]];
        if (head->next != head && list_base(head->next) + STALL_MS <= now) {
            srv_conn *c = head->next;
            set_result(c, "closed stalled %s (--max-conns %u reached)",
                       stalled[i] == LIST_HEADER ? "request header" : "handshake", w->st->max_conns);
            c->hs_fail = "evicted";
            atomic_fetch_add(&m_kills[K_EVICT_STALLED], 1);
            conn_free(c);
            return 1;
        }
    }
    return 0;
}

static void accept_all(srv_worker *w, int lfd)
{
    while (w->listening) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINVAL && !w->st->quiet) {
                srv_log("accept: %s", strerror(errno));
            }
            return;
        }
        char peer[64];
        tool_format_addr((const struct sockaddr *)&ss, peer, sizeof(peer));
        const srv_settings *st = w->st;
        ip_key ipk;
        int has_ipk = 0;
        if (st->max_conns_per_ip > 0) {
            ip_key_of(&ss, &ipk);
            if (ip_acquire(&ipk, st->max_conns_per_ip) != 0) {
                if (!st->quiet) {
                    srv_log("%s result=refused (--max-conns-per-ip %u reached)", peer, st->max_conns_per_ip);
                }
                atomic_fetch_add(&m_refused_ip, 1);
                close(fd);
                continue;
            }
            has_ipk = 1;
        }
        if (st->max_conns > 0 && atomic_load(&total_conns) >= st->max_conns && !make_room(w)) {
            if (!st->quiet) {
                srv_log("%s result=refused (--max-conns %u reached)", peer, st->max_conns);
            }
            atomic_fetch_add(&m_refused_max, 1);
            if (has_ipk) {
                ip_release(&ipk);
            }
            close(fd);
            continue;
        }
        srv_conn *c = calloc(1, sizeof(*c));
        if (c == NULL) {
            if (has_ipk) {
                ip_release(&ipk);
            }
            close(fd);
            continue;
        }
        c->ipk = ipk;
        c->has_ipk = has_ipk;
        c->tls = srv_conn_new();
        c->io = c->tls != NULL ? gmtls_io_new(c->tls, fd) : NULL;
        if (c->io == NULL) {
            gmtls_conn_free(c->tls);
            if (has_ipk) {
                ip_release(&ipk);
            }
            free(c);
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->w = w;
        c->fd = fd;
        c->bfd = -1;
        c->tag.kind = TAG_CLIENT;
        c->tag.c = c;
        c->ev = EPOLLIN;
        c->state = CS_HANDSHAKE;
        c->start_ms = c->last_ms = now_ms();
        snprintf(c->peer, sizeof(c->peer), "%s", peer);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c->tag};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            gmtls_io_free(c->io);
            gmtls_conn_free(c->tls);
            if (has_ipk) {
                ip_release(&ipk);
            }
            free(c);
            close(fd);
            continue;
        }
        c->prev = c->next = c;
        list_append(w, c, LIST_HANDSHAKE);
        w->nconns++;
        atomic_fetch_add(&total_conns, 1);
        atomic_fetch_add(&m_accepted, 1);
    }
}

/* --min-rate applies while a body comes in or output waits for the client. */
static int rate_checked(const srv_conn *c)
{
    if (c->state != CS_OPEN) {
        return 0;
    }
    srv_http_phase_t ph = conn_http_phase(c);
    return gmtls_io_pending_output(c->io) > 0 || ph == SRV_HTTP_BODY || ph == SRV_HTTP_RESPONSE;
}

static void check_rates(srv_worker *w, uint64_t now)
{
    const srv_settings *st = w->st;
    srv_conn *head = &w->lists[LIST_OPEN];
    for (srv_conn *c = head->next, *next; c != head; c = next) {
        next = c->next;
        uint64_t moved = bytes_moved(c);
        if (!rate_checked(c)) {
            c->rate_ms = now;
            c->rate_base = moved;
            continue;
        }
        uint64_t span = now - c->rate_ms;
        if (span < RATE_WINDOW_MS) {
            continue;
        }
        uint64_t got = moved - c->rate_base;
        if (got * 1000 < (uint64_t)st->min_rate * span) {
            set_result(c, "too slow (%llu bytes in %llu ms, --min-rate %u)", (unsigned long long)got,
                       (unsigned long long)span, st->min_rate);
            atomic_fetch_add(&m_kills[K_MIN_RATE], 1);
            conn_free(c);
            continue;
        }
        c->rate_ms = now;
        c->rate_base = moved;
    }
}

static void expire(srv_worker *w)
{
    uint64_t now = now_ms();
    int hard = w->stopping && now >= w->hard_deadline;
    for (int l = 0; l < LIST_COUNT; l++) {
        uint64_t to = list_timeout_ms(w, l);
        srv_conn *head = &w->lists[l];
        while (head->next != head) {
            srv_conn *c = head->next;
            if (list_base(c) + to > now && !hard) {
                break;
            }
            if (l == LIST_HANDSHAKE) {
                set_result(c, "handshake timeout");
                c->hs_fail = "timeout";
                atomic_fetch_add(&m_kills[K_HANDSHAKE], 1);
            } else if (l == LIST_HEADER && !hard) {
                set_result(c, "header timeout");
                atomic_fetch_add(&m_kills[K_HEADER], 1);
            } else if (l == LIST_OPEN || l == LIST_IDLE || l == LIST_HEADER) {
                set_result(c, hard ? "shutdown" : "idle timeout");
                if (!hard) {
                    atomic_fetch_add(&m_kills[K_IDLE], 1);
                }
                (void)gmtls_io_close(c->io);
                (void)gmtls_io_flush(c->io);
            }
            conn_free(c);
        }
    }
    if (w->st->min_rate > 0 && now >= w->next_rate_check) {
        w->next_rate_check = now + 1000;
        check_rates(w, now);
    }
}

static int next_timeout(const srv_worker *w)
{
    uint64_t now = now_ms(), next = now + 1000;
    for (int l = 0; l < LIST_COUNT; l++) {
        const srv_conn *head = &w->lists[l];
        if (head->next != head) {
            uint64_t d = list_base(head->next) + list_timeout_ms(w, l);
            if (d < next) {
                next = d;
            }
        }
    }
    return next > now ? (int)(next - now) : 0;
}

static void begin_stop(srv_worker *w)
{
    if (w->stopping) {
        return;
    }
    w->stopping = 1;
    w->hard_deadline = now_ms() + SHUTDOWN_GRACE_MS;
    /* Stop listening at once, so new clients are refused rather than left
     * in the backlog: shutdown(SHUT_RD) on a listening socket resets the
     * queued and later connections (the sockets are shared: every worker
     * may do this; cmd_server.c closes them after the workers end). */
    w->listening = 0;
    for (size_t i = 0; i < w->nlfd; i++) {
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->lfds[i], NULL);
        shutdown(w->lfds[i], SHUT_RD);
    }
    /* let idle connections notice: each runs its mode's idle check */
    static const int lists[] = {LIST_IDLE, LIST_HEADER, LIST_OPEN};
    size_t n = w->nconns;
    srv_conn **all = calloc(n + 1, sizeof(*all));
    if (all == NULL) {
        return; /* the idle timeout ends them instead */
    }
    n = 0;
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        srv_conn *head = &w->lists[lists[l]];
        for (srv_conn *c = head->next; c != head && n < w->nconns; c = c->next) {
            all[n++] = c;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!all[i]->dead) {
            progress(all[i]); /* may end it or move it to another list */
        }
    }
    free(all);
}

srv_worker *srv_worker_new(const int *listen_fds, size_t nlisten, const srv_settings *st)
{
    if (nlisten > SRV_MAX_LISTEN) {
        return NULL;
    }
    srv_worker *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return NULL;
    }
    w->st = st;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    for (int l = 0; l < LIST_COUNT; l++) {
        w->lists[l].next = w->lists[l].prev = &w->lists[l];
    }
    w->wtag.kind = TAG_WAKE;
    struct epoll_event wev = {.events = EPOLLIN, .data.ptr = &w->wtag};
    int ok = w->epfd >= 0 && w->wakefd >= 0 && epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &wev) == 0;
    for (size_t i = 0; ok && i < nlisten; i++) {
        w->lfds[i] = listen_fds[i];
        w->ltags[i].kind = TAG_LISTEN;
        w->ltags[i].fd = listen_fds[i];
        /* every worker waits on every listening socket; EPOLLEXCLUSIVE
         * wakes one of them per connection, not all */
        struct epoll_event lev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &w->ltags[i]};
        ok = epoll_ctl(w->epfd, EPOLL_CTL_ADD, listen_fds[i], &lev) == 0;
    }
    w->nlfd = nlisten;
    w->listening = 1;
    if (!ok) {
        if (w->epfd >= 0) {
            close(w->epfd);
        }
        if (w->wakefd >= 0) {
            close(w->wakefd);
        }
        free(w);
        return NULL;
    }
    return w;
}

void srv_worker_stop(srv_worker *w)
{
    uint64_t one = 1;
    ssize_t n = write(w->wakefd, &one, sizeof(one));
    (void)n;
}

void srv_worker_free(srv_worker *w)
{
    if (w == NULL) {
        return;
    }
    close(w->epfd);
    close(w->wakefd);
    free(w);
}

void *srv_worker_run(void *arg)
{
    srv_worker *w = arg;
    struct epoll_event evs[128];
    while (!(w->stopping && w->nconns == 0)) {
        int n = epoll_wait(w->epfd, evs, 128, next_timeout(w));
        if (n < 0 && errno != EINTR) {
            srv_log("epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            ep_tag *t = evs[i].data.ptr;
            switch (t->kind) {
            case TAG_LISTEN:
                accept_all(w, t->fd);
                break;
            case TAG_WAKE: {
                uint64_t v;
                ssize_t rn = read(w->wakefd, &v, sizeof(v));
                (void)rn;
                begin_stop(w);
                break;
            }
            case TAG_CLIENT:
                if (!t->c->dead) {
                    on_client_event(t->c, evs[i].events);
                }
                break;
            case TAG_BACKEND:
                if (!t->c->dead) {
                    on_backend_event(t->c, evs[i].events);
                }
                break;
            }
        }
        expire(w);
        reap(w);
    }
    /* whatever is left at the hard deadline */
    for (int l = 0; l < LIST_COUNT; l++) {
        while (w->lists[l].next != &w->lists[l]) {
            srv_conn *c = w->lists[l].next;
            set_result(c, "shutdown");
            conn_free(c);
        }
    }
    reap(w);
    return NULL;
}
