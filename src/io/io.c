/*
 * src/io/io.c - the socket layer: drives a gmtls_conn on a file descriptor.
 *
 * The engine is I/O-agnostic; this file is the only place that calls
 * read/send. Three buffers per connection, allocated when first needed and
 * reused; gmtls_io_shrink() frees the empty ones (an idle connection of an
 * event-loop server then holds no buffer):
 *   in   ciphertext read from the fd, not yet consumed by the engine
 *   out  records the engine produced, not yet written to the fd
 *   app  decrypted application data not yet returned to the caller
 * Blocking fds loop until done; non-blocking fds return WANT_READ /
 * WANT_WRITE so an event loop can wait. A blocking fd that reports EAGAIN
 * has hit a SO_RCVTIMEO / SO_SNDTIMEO deadline: that is GMTLS_ERR_TIMEOUT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gmtls.h"

#ifndef GMTLS_API
#define GMTLS_API __attribute__((visibility("default")))
#endif

/* Room for one maximal TLSCiphertext (5 + 2^14 + 256) plus a second record's
 * start, so a read can always make progress after compaction. */
#define IO_IN_CAP (32 * 1024)

struct gmtls_io {
    gmtls_conn *conn;
    int fd;
    int is_socket;      /* send(MSG_NOSIGNAL) works; otherwise write() */
    int is_nonblock;    /* O_NONBLOCK as last seen */
    int err;            /* sticky fatal error (not WANT_*) */
    int got_close;      /* close_notify received */
    int got_eof;        /* read() returned 0 */
    int sent_close;     /* close_notify queued */
    uint8_t *in;
    size_t in_off;      /* first unconsumed byte */
    size_t in_len;      /* end of valid bytes */
    size_t in_cap;
    gmtls_buf out;
    gmtls_buf app;
    size_t app_pos;     /* first app byte not yet returned */
    size_t early_left;  /* 0-RTT bytes at app_pos (returned alone) */
    int last_early;     /* the last gmtls_io_read returned 0-RTT data */
};

/* EAGAIN on a blocking fd means a socket timeout expired. The flag is
 * cached so an event loop pays no extra system call per EAGAIN; a fd seen
 * as blocking is checked again in case the caller switched it since. */
static int io_would_block(gmtls_io *io, int want)
{
    if (!io->is_nonblock) {
        int fl = fcntl(io->fd, F_GETFL);
        io->is_nonblock = fl >= 0 && (fl & O_NONBLOCK) != 0;
    }
    return io->is_nonblock ? want : GMTLS_ERR_TIMEOUT;
}

static int io_flush(gmtls_io *io)
{
    while (io->out.off > 0) {
        ssize_t n;
        if (io->is_socket) {
            n = send(io->fd, io->out.base, io->out.off, MSG_NOSIGNAL);
            if (n < 0 && errno == ENOTSOCK) {
                io->is_socket = 0;
                continue;
            }
        } else {
            n = write(io->fd, io->out.base, io->out.off);
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return io_would_block(io, GMTLS_ERR_WANT_WRITE);
            }
            return GMTLS_ERR_IO;
        }
        gmtls_buf_consume(&io->out, (size_t)n);
    }
    return 0;
}

/* Reads more ciphertext into the input buffer. */
static int io_fill(gmtls_io *io)
{
    if (io->got_eof) {
        return io->got_close ? GMTLS_ERR_CLOSED : GMTLS_ERR_EOF;
    }
    if (io->in == NULL) {
        io->in = malloc(IO_IN_CAP);
        if (io->in == NULL) {
            return GMTLS_ERR_NO_MEMORY;
        }
        io->in_cap = IO_IN_CAP;
    }
    if (io->in_off > 0) {
        memmove(io->in, io->in + io->in_off, io->in_len - io->in_off);
        io->in_len -= io->in_off;
        io->in_off = 0;
    }
    if (io->in_len == io->in_cap) {
        /* The engine left a whole buffer unconsumed: only possible with a
         * message larger than a record, so grow (never in steady state). */
        uint8_t *p = realloc(io->in, io->in_cap * 2);
        if (p == NULL) {
            return GMTLS_ERR_NO_MEMORY;
        }
        io->in = p;
        io->in_cap *= 2;
    }
    for (;;) {
        ssize_t n = read(io->fd, io->in + io->in_len, io->in_cap - io->in_len);
        if (n > 0) {
            io->in_len += (size_t)n;
            return 0;
        }
        if (n == 0) {
            io->got_eof = 1;
            return io->got_close ? GMTLS_ERR_CLOSED : GMTLS_ERR_EOF;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return io_would_block(io, GMTLS_ERR_WANT_READ);
        }
        return GMTLS_ERR_IO;
    }
}

GMTLS_API gmtls_io *gmtls_io_new(gmtls_conn *conn, int fd)
{
    if (conn == NULL || fd < 0) {
        return NULL;
    }
    gmtls_io *io = calloc(1, sizeof(*io));
    if (io == NULL) {
        return NULL;
    }
    io->conn = conn; /* io->in: allocated by the first read */
    io->fd = fd;
    io->is_socket = 1;
    int fl = fcntl(fd, F_GETFL);
    io->is_nonblock = fl >= 0 && (fl & O_NONBLOCK) != 0;
    gmtls_buf_init(&io->out);
    gmtls_buf_init(&io->app);
    return io;
}

GMTLS_API void gmtls_io_free(gmtls_io *io)
{
    if (io == NULL) {
        return;
    }
    gmtls_buf_dispose(&io->out);
    gmtls_buf_dispose(&io->app);
    free(io->in);
    free(io);
}

GMTLS_API void gmtls_io_shrink(gmtls_io *io)
{
    if (io == NULL) {
        return;
    }
    if (io->in != NULL && io->in_off == io->in_len) {
        free(io->in); /* ciphertext only: nothing to wipe */
        io->in = NULL;
        io->in_cap = io->in_off = io->in_len = 0;
    }
    if (io->out.off == 0) {
        free(io->out.base); /* records already sent: ciphertext, nothing to wipe */
        gmtls_buf_init(&io->out);
    }
    if (io->app.off == 0) {
        gmtls_buf_dispose(&io->app); /* wipes what plaintext it held */
        io->app_pos = 0;
    }
}

GMTLS_API gmtls_conn *gmtls_io_conn(const gmtls_io *io)
{
    return io == NULL ? NULL : io->conn;
}

GMTLS_API int gmtls_io_handshake(gmtls_io *io)
{
    if (io == NULL) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (io->err != 0) {
        return io->err;
    }
    /* Our previous flight must leave before we wait for the peer's. */
    int r = io_flush(io);
    if (r != 0) {
        if (r != GMTLS_ERR_WANT_WRITE) {
            io->err = r;
        }
        return r;
    }
    if (gmtls_conn_handshake_done(io->conn)) {
        return 0;
    }
    for (;;) {
        size_t n = io->in_len - io->in_off;
        r = gmtls_handshake(io->conn, &io->out, io->in != NULL ? io->in + io->in_off : NULL, &n);
        io->in_off += n;
        if (r == GMTLS_ERR_NOT_TLS) {
            /* The peer speaks another protocol: its alert stays queued
             * (gmtls_io_flush sends it) so that the caller may answer in the
             * peer's protocol instead, e.g. an HTTP 400 written to the fd. */
            io->err = r;
            return r;
        }
        int fr = io_flush(io);
        if (r != 0 && r != GMTLS_ERR_WANT_READ) {
            io->err = r;
            return r;
        }
        if (fr != 0) {
            if (fr != GMTLS_ERR_WANT_WRITE) {
                io->err = fr;
            }
            return fr;
        }
        if (r == 0) {
            /* 0-RTT data accepted during the handshake comes first. */
            if (gmtls_conn_early_data_state(io->conn) == GMTLS_EARLY_ACCEPTED) {
                size_t before = io->app.off, none = 0;
                r = gmtls_receive(io->conn, &io->out, &io->app, NULL, &none);
                if (r != 0) {
                    io->err = r;
                    return r;
                }
                io->early_left += io->app.off - before;
            }
            return 0;
        }
        /* WANT_READ: call again with what is left if the engine made
         * progress, else read more. */
        if (n > 0 && io->in_off < io->in_len) {
            continue;
        }
        r = io_fill(io);
        if (r != 0) {
            if (r != GMTLS_ERR_WANT_READ) {
                io->err = r;
            }
            return r;
        }
    }
}

/* Runs the engine over the ciphertext already read (every whole record, a
 * partial one moves into the engine); touches the fd only to flush what the
 * engine produced. */
static void io_process(gmtls_io *io)
{
    if (io->in_off >= io->in_len || io->got_close || io->err != 0) {
        return;
    }
    size_t n = io->in_len - io->in_off;
    int r = gmtls_receive(io->conn, &io->out, &io->app, io->in + io->in_off, &n);
    io->in_off += n;
    /* KeyUpdate answers and alerts; on a non-blocking fd what does not fit
     * stays queued (see gmtls_io_pending_output). */
    int fr = io_flush(io);
    if (r == GMTLS_ERR_CLOSED) {
        io->got_close = 1;
    } else if (r != 0) {
        io->err = r;
    } else if (fr != 0 && fr != GMTLS_ERR_WANT_WRITE) {
        io->err = fr;
    }
}

GMTLS_API int gmtls_io_read(gmtls_io *io, void *buf, size_t len, size_t *nread)
{
    if (nread != NULL) {
        *nread = 0;
    }
    if (io == NULL || nread == NULL || (buf == NULL && len > 0)) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (!gmtls_conn_handshake_done(io->conn) || io->out.off > 0) {
        int r = gmtls_io_handshake(io);
        if (r != 0 && !(r == GMTLS_ERR_WANT_WRITE && gmtls_conn_handshake_done(io->conn))) {
            return r;
        }
    }
    for (;;) {
        size_t avail = io->app.off - io->app_pos;
        if (avail > 0) {
            size_t n = avail < len ? avail : len;
            /* a read returns early data or 1-RTT data, never both */
            io->last_early = io->early_left > 0;
            if (io->early_left > 0 && n > io->early_left) {
                n = io->early_left;
            }
            io->early_left -= io->last_early ? n : 0;
            memcpy(buf, io->app.base + io->app_pos, n);
            io->app_pos += n;
            if (io->app_pos == io->app.off) {
                gmtls_buf_consume(&io->app, io->app.off);
                io->app_pos = 0;
            }
            *nread = n;
            return 0;
        }
        if (io->got_close) {
            return GMTLS_ERR_CLOSED;
        }
        if (io->err != 0) {
            return io->err;
        }
        if (io->in_off < io->in_len) {
            size_t before = io->in_off;
            io_process(io);
            if (io->in_off > before || io->got_close || io->err != 0) {
                continue;
            }
            /* nothing consumed: only part of a record is buffered */
        }
        int r = io_fill(io);
        if (r != 0) {
            if (r != GMTLS_ERR_WANT_READ && r != GMTLS_ERR_TIMEOUT && r != GMTLS_ERR_CLOSED &&
                r != GMTLS_ERR_EOF) {
                io->err = r;
            }
            return r;
        }
    }
}

GMTLS_API int gmtls_io_write(gmtls_io *io, const void *buf, size_t len, size_t *nwritten)
{
    if (nwritten != NULL) {
        *nwritten = 0;
    }
    if (io == NULL || nwritten == NULL || (buf == NULL && len > 0)) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (!gmtls_conn_handshake_done(io->conn)) {
        int r = gmtls_io_handshake(io);
        if (r != 0) {
            return r;
        }
    }
    if (io->err != 0) {
        return io->err;
    }
    if (len > 0) {
        int r = gmtls_send(io->conn, &io->out, buf, len);
        if (r != 0) {
            io->err = r;
            (void)io_flush(io);
            return r;
        }
    }
    *nwritten = len;
    int r = io_flush(io);
    if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
        io->err = r;
    }
    return r;
}

GMTLS_API int gmtls_io_flush(gmtls_io *io)
{
    if (io == NULL) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    int r = io_flush(io);
    if (r != 0 && r != GMTLS_ERR_WANT_WRITE && io->err == 0) {
        io->err = r;
    }
    return r;
}

GMTLS_API size_t gmtls_io_pending_output(const gmtls_io *io)
{
    return io == NULL ? 0 : io->out.off;
}

GMTLS_API size_t gmtls_io_pending_input(const gmtls_io *io)
{
    return io == NULL ? 0 : io->app.off - io->app_pos;
}

GMTLS_API int gmtls_io_last_read_early(const gmtls_io *io)
{
    return io != NULL && io->last_early;
}

GMTLS_API int gmtls_io_has_pending(gmtls_io *io)
{
    if (io == NULL) {
        return 0;
    }
    /* Records read together with the last handshake record (tickets, data)
     * or with data already returned (close_notify) are processed now, so
     * that what remains is only what gmtls_io_read returns at once. */
    if (gmtls_conn_handshake_done(io->conn)) {
        io_process(io);
    }
    return io->app.off > io->app_pos || io->got_close || io->got_eof || io->err != 0;
}

GMTLS_API int gmtls_io_close(gmtls_io *io)
{
    if (io == NULL) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (!io->sent_close) {
        io->sent_close = 1;
        int r = gmtls_close(io->conn, &io->out);
        if (r != 0) {
            (void)io_flush(io);
            return r;
        }
    }
    return io_flush(io);
}

GMTLS_API int gmtls_io_key_update(gmtls_io *io, int request_peer)
{
    if (io == NULL) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (io->err != 0) {
        return io->err;
    }
    if (!gmtls_conn_handshake_done(io->conn)) {
        return GMTLS_ERR_NOT_READY;
    }
    int r = gmtls_key_update(io->conn, &io->out, request_peer);
    if (r != 0) {
        io->err = r;
        (void)io_flush(io);
        return r;
    }
    r = io_flush(io);
    if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
        io->err = r;
    }
    return r;
}

GMTLS_API int gmtls_io_request_client_cert(gmtls_io *io, gmtls_client_auth mode)
{
    if (io == NULL) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (io->err != 0) {
        return io->err;
    }
    int r = gmtls_request_client_cert(io->conn, &io->out, mode);
    if (r != 0) {
        if (r != GMTLS_ERR_BAD_ARGUMENT && r != GMTLS_ERR_NOT_READY) {
            io->err = r;
            (void)io_flush(io);
        }
        return r;
    }
    r = io_flush(io);
    if (r != 0 && r != GMTLS_ERR_WANT_WRITE) {
        io->err = r;
    }
    return r;
}
