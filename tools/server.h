/* tools/server.h - the pieces of `gmtls server`:
 *   cmd_server.c      options, configuration (and SIGHUP reload), workers, signals
 *   server_loop.c     the epoll event loop of one worker: accept, handshake,
 *                     timers, echo and proxy modes, the access log
 *   server_http.c     --www: HTTP/1.1 requests, the status page, files
 *   server_devcert.c  development CAs and certificates made with libcrypto */
#ifndef GMTLS_TOOLS_SERVER_H
#define GMTLS_TOOLS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "gmtls.h"
#include "http_parser.h"

typedef enum { SRV_MODE_WWW, SRV_MODE_ECHO, SRV_MODE_PROXY } srv_mode;

typedef struct {
    srv_mode mode;
    const char *root; /* --root (realpath'd), or NULL */
    struct sockaddr_storage backend;
    socklen_t backend_len;
    unsigned max_conns;
    unsigned max_conns_per_ip; /* 0 = no limit */
    unsigned handshake_timeout_s;
    unsigned header_timeout_s; /* whole request header, from its first byte */
    unsigned idle_timeout_s;   /* keep-alive wait, and no progress at all */
    unsigned min_rate;         /* bytes/s while a body or response moves; 0 = off */
    int quiet;
    int verbose;
    /* --verify-client post-handshake: ask for a client certificate after
     * the handshake (RFC 8446 §4.6.2): --www on requests for pha_path, the
     * other modes right after the handshake */
    int pha;
    const char *pha_path;
} srv_settings;

/* A server connection on the current config (SIGHUP may replace the config;
 * each connection keeps a reference to the one it started with). */
gmtls_conn *srv_conn_new(void);

/* One worker: runs until shutdown, accepting on all the listening sockets
 * (shared by the workers; the caller closes them after the workers end). */
#define SRV_MAX_LISTEN 16
typedef struct srv_worker srv_worker;
srv_worker *srv_worker_new(const int *listen_fds, size_t nlisten, const srv_settings *st);
/* Thread entry point (void *srv_worker). */
void *srv_worker_run(void *arg);
/* Asks the worker to stop accepting and finish (async-signal-safe). */
void srv_worker_stop(srv_worker *w);
void srv_worker_free(srv_worker *w);

/* --www: one connection's HTTP state. */
typedef struct srv_http srv_http;
srv_http *srv_http_new(void);
void srv_http_free(srv_http *h);
/* Feeds decrypted bytes; writes responses through io. Returns 0 to go on,
 * 1 when the connection should be closed after the output is flushed, or
 * -1 on a TLS error (already logged by the caller). */
/* early: data is 0-RTT data (gmtls_io_last_read_early), replayable. */
int srv_http_input(srv_http *h, gmtls_io *io, const srv_settings *st, const uint8_t *data, size_t len, int early);
/* Continues a file being sent once output drained. Same results. */
int srv_http_resume(srv_http *h, gmtls_io *io, const srv_settings *st);
/* 1 while a request is half-received or a response is being produced. */
int srv_http_busy(const srv_http *h);
/* Where the connection is in its request cycle; server_loop.c picks the
 * deadline from it. IDLE: between requests, no byte of the next one seen
 * and nothing being produced; an srv_http in IDLE (and not wanting close)
 * holds nothing the next request needs, so the loop frees it and makes a
 * new one when bytes arrive (no memory held by idle keep-alive). HEADER and
 * BODY follow tools/http_parser.c's phases; RESPONSE: a file or pipelined
 * requests being answered, or an error response before the close. */
typedef enum { SRV_HTTP_IDLE, SRV_HTTP_HEADER, SRV_HTTP_BODY, SRV_HTTP_RESPONSE } srv_http_phase_t;
srv_http_phase_t srv_http_phase(const srv_http *h);
/* 1 while a file is being sent or pipelined requests wait to be answered
 * (the caller stops feeding input and calls srv_http_resume). */
int srv_http_sending(const srv_http *h);
/* 1 when the connection should close once idle (Connection: close seen). */
int srv_http_wants_close(const srv_http *h);
/* 1 while a request for --pha-path waits for the client's certificate
 * (the caller keeps reading, and calls srv_http_resume after each read). */
int srv_http_pha_waiting(const srv_http *h);
void srv_http_set_peer(srv_http *h, const char *peer);

/* Dev certificates: makes (once) or reuses them in dir; adds both chains to
 * cfg. Fills ca_path (dir/ca.pem). 0 or -1 (message printed). */
int srv_devcert_setup(const char *dir, char *ca_path, size_t ca_path_len, int quiet);
/* Adds the dev chains from dir to cfg. 0 or -1. */
int srv_devcert_load(gmtls_config *cfg, const char *dir);

/* --metrics: the Prometheus text of all workers' counters (malloc'd; the
 * caller frees it), or NULL. */
char *srv_metrics_text(size_t *len);

/* Access log (stderr, one line, whole lines under a lock). */
void srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
