/* tests/tls/io_test.c - the socket layer (src/io/io.c) on a socketpair: the
 * paths where records already read from the fd sit in the io layer while the
 * fd itself has nothing more to say, so a caller that polls the fd before
 * calling gmtls_io_read would wait forever (the `gmtls client` hang of
 * issue 13): gmtls_io_has_pending must say so. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"
#include "tlstest.h"

typedef struct {
    int fd[2]; /* 0: client, 1: server */
    gmtls_config *ccfg, *scfg;
    gmtls_conn *cli, *srv;
    gmtls_io *cio, *sio;
} io_pair;

static int fd_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1;
}

/* Connects a client and a server io over non-blocking sockets. */
static void pair_new(io_pair *p)
{
    memset(p, 0, sizeof(*p));
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, p->fd) == 0);
    for (int i = 0; i < 2; i++) {
        CHECK(fcntl(p->fd[i], F_SETFL, fcntl(p->fd[i], F_GETFL) | O_NONBLOCK) == 0);
    }
    p->scfg = tt_server_config(tt_chain("SM2"));
    p->ccfg = tt_client_config(tt_chain("SM2"));
    CHECK(p->scfg != NULL && p->ccfg != NULL);
    p->cli = gmtls_conn_new(p->ccfg, 0);
    p->srv = gmtls_conn_new(p->scfg, 1);
    CHECK_OK(gmtls_conn_set_server_name(p->cli, "localhost"));
    p->cio = gmtls_io_new(p->cli, p->fd[0]);
    p->sio = gmtls_io_new(p->srv, p->fd[1]);
    CHECK(p->cio != NULL && p->sio != NULL);
}

static void pair_free(io_pair *p)
{
    gmtls_io_free(p->cio);
    gmtls_io_free(p->sio);
    gmtls_conn_free(p->cli);
    gmtls_conn_free(p->srv);
    gmtls_config_free(p->ccfg);
    gmtls_config_free(p->scfg);
    close(p->fd[0]);
    close(p->fd[1]);
}

/* Runs the client's side of the handshake to completion, the server's up to
 * (not including) reading the client's Finished. */
static void client_handshake(io_pair *p)
{
    int rc = GMTLS_ERR_WANT_READ;
    for (int i = 0; i < 10 && rc == GMTLS_ERR_WANT_READ; i++) {
        rc = gmtls_io_handshake(p->cio);
        if (rc == GMTLS_ERR_WANT_READ) {
            CHECK(gmtls_io_handshake(p->sio) == GMTLS_ERR_WANT_READ);
        }
    }
    CHECK_OK(rc);
}

/* The peer's data and close_notify arrive in one read; the peer then keeps
 * the connection open (waiting for our close_notify). After the data is
 * returned, the close is pending in the io layer, not on the fd. */
static void test_close_read_with_data(void)
{
    io_pair p;
    pair_new(&p);
    client_handshake(&p);
    CHECK_OK(gmtls_io_handshake(p.sio));
    size_t n = 0;
    CHECK_OK(gmtls_io_write(p.sio, "hello", 5, &n));
    CHECK_OK(gmtls_io_close(p.sio));
    char buf[64];
    CHECK_OK(gmtls_io_read(p.cio, buf, sizeof buf, &n));
    CHECK(n == 5 && memcmp(buf, "hello", 5) == 0);
    CHECK(gmtls_io_pending_input(p.cio) == 0); /* no data left to return */
    CHECK(!fd_readable(p.fd[0]));              /* nothing more will come on the fd */
    CHECK(gmtls_io_has_pending(p.cio));        /* ... but the close is known */
    CHECK_ERR(gmtls_io_read(p.cio, buf, sizeof buf, &n), GMTLS_ERR_CLOSED);
    pair_free(&p);
}

/* The client's Finished and its first data arrive in one read: the server's
 * handshake completes with a whole application record left in the io layer,
 * not yet decrypted (gmtls_io_pending_input is still 0). */
static void test_records_after_handshake(void)
{
    io_pair p;
    pair_new(&p);
    client_handshake(&p);
    size_t n = 0;
    CHECK_OK(gmtls_io_write(p.cio, "early", 5, &n));
    CHECK_OK(gmtls_io_handshake(p.sio));
    CHECK(gmtls_io_pending_input(p.sio) == 0);
    CHECK(!fd_readable(p.fd[1]));
    CHECK(gmtls_io_has_pending(p.sio));
    char buf[64];
    CHECK_OK(gmtls_io_read(p.sio, buf, sizeof buf, &n));
    CHECK(n == 5 && memcmp(buf, "early", 5) == 0);
    CHECK(!gmtls_io_has_pending(p.sio));
    CHECK_ERR(gmtls_io_read(p.sio, buf, sizeof buf, &n), GMTLS_ERR_WANT_READ);
    pair_free(&p);
}

/* The server sends its ticket once it has the client's Finished (as OpenSSL
 * does): a record that holds no application data. Read by the client, it is
 * processed, nothing is pending, and gmtls_io_read does not block. */
static void test_ticket_after_handshake(void)
{
    io_pair p;
    pair_new(&p);
    client_handshake(&p);
    CHECK(!gmtls_io_has_pending(p.cio));
    CHECK_OK(gmtls_io_handshake(p.sio)); /* consumes the client Finished, sends the ticket */
    CHECK(fd_readable(p.fd[0]));
    char buf[64];
    size_t n = 0;
    CHECK_ERR(gmtls_io_read(p.cio, buf, sizeof buf, &n), GMTLS_ERR_WANT_READ);
    CHECK(n == 0);
    CHECK(!gmtls_io_has_pending(p.cio));
    gmtls_buf sess;
    gmtls_buf_init(&sess);
    CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
    CHECK(sess.off > 0); /* the ticket was processed */
    gmtls_buf_dispose(&sess);
    pair_free(&p);
}

/* Only part of a record buffered: nothing to act on until the fd has more. */
static void test_partial_record(void)
{
    io_pair p;
    pair_new(&p);
    client_handshake(&p);
    CHECK_OK(gmtls_io_handshake(p.sio));
    gmtls_buf rec;
    gmtls_buf_init(&rec);
    CHECK_OK(gmtls_send(p.srv, &rec, "partial", 7));
    CHECK(write(p.fd[1], rec.base, 10) == 10);
    char buf[64];
    size_t n = 0;
    CHECK_ERR(gmtls_io_read(p.cio, buf, sizeof buf, &n), GMTLS_ERR_WANT_READ); /* tickets read, 10 bytes kept */
    CHECK(!gmtls_io_has_pending(p.cio));
    CHECK(write(p.fd[1], rec.base + 10, rec.off - 10) == (ssize_t)(rec.off - 10));
    CHECK(fd_readable(p.fd[0]));
    CHECK_OK(gmtls_io_read(p.cio, buf, sizeof buf, &n));
    CHECK(n == 7 && memcmp(buf, "partial", 7) == 0);
    gmtls_buf_dispose(&rec);
    pair_free(&p);
}

int main(void)
{
    test_close_read_with_data();
    test_records_after_handshake();
    test_partial_record();
    test_ticket_after_handshake();
    return TEST_END("io_test");
}
