/* tests/tls/io_shrink_test.c - the socket layer (src/io/io.c) on a non-blocking
 * socketpair, both ends driven from one thread: a handshake, data both ways,
 * and gmtls_io_shrink(): it frees the empty buffers (the heap in use drops by
 * at least the 32 KiB input buffer), keeps bytes not yet read, and the
 * connection goes on working after it. */
#include <fcntl.h>
#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"
#include "tlstest.h"

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_FIGURES 0 /* ASan's allocator does not report mallinfo2 */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_FIGURES 0
#endif
#endif
#ifndef HEAP_FIGURES
#define HEAP_FIGURES 1
#endif

static size_t heap_in_use(void)
{
    return mallinfo2().uordblks;
}

/* Reads exactly len bytes from io (the peer's data is already sent). */
static int read_all(gmtls_io *io, char *buf, size_t len)
{
    size_t got = 0;
    for (int i = 0; i < 100 && got < len; i++) {
        size_t n = 0;
        int r = gmtls_io_read(io, buf + got, len - got, &n);
        if (r != 0 && r != GMTLS_ERR_WANT_READ) {
            return r;
        }
        got += n;
    }
    return got == len ? 0 : GMTLS_ERR_FAILED;
}

int main(void)
{
    const test_chain *chain = tt_chain("P-256");
    gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
    CHECK(scfg != NULL && ccfg != NULL);
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    gmtls_conn *cc = gmtls_conn_new(ccfg, 0), *sc = gmtls_conn_new(scfg, 1);
    CHECK(cc != NULL && sc != NULL);
    CHECK_OK(gmtls_conn_set_server_name(cc, "localhost"));
    gmtls_io *cio = gmtls_io_new(cc, sv[0]), *sio = gmtls_io_new(sc, sv[1]);
    CHECK(cio != NULL && sio != NULL);

    int cr = GMTLS_ERR_WANT_READ, sr = GMTLS_ERR_WANT_READ;
    for (int i = 0; i < 20 && (cr != 0 || sr != 0); i++) {
        if (cr != 0) {
            cr = gmtls_io_handshake(cio);
        }
        if (sr != 0) {
            sr = gmtls_io_handshake(sio);
        }
        /* an io waiting for its peer may shrink at any point */
        gmtls_io_shrink(cio);
        gmtls_io_shrink(sio);
    }
    CHECK_OK(cr);
    CHECK_OK(sr);

    size_t wn = 0;
    char buf[64];
    CHECK_OK(gmtls_io_write(cio, "hello server", 12, &wn));
    CHECK(wn == 12);
    CHECK_OK(read_all(sio, buf, 12));
    CHECK(memcmp(buf, "hello server", 12) == 0);

    /* idle: the buffers go */
    size_t m0 = heap_in_use();
    gmtls_io_shrink(sio);
    size_t m1 = heap_in_use();
    gmtls_io_shrink(sio);
    size_t m2 = heap_in_use();
    if (HEAP_FIGURES) {
        CHECK(m0 >= m1 + 32768); /* the input buffer, at least */
        CHECK(m2 == m1);         /* nothing left to free */
    }

    /* bytes read from the socket but not yet returned stay */
    CHECK_OK(gmtls_io_write(cio, "again", 5, &wn));
    CHECK_OK(read_all(sio, buf, 2));
    CHECK(memcmp(buf, "ag", 2) == 0);
    CHECK(gmtls_io_pending_input(sio) == 3);
    gmtls_io_shrink(sio);
    CHECK(gmtls_io_pending_input(sio) == 3);
    CHECK_OK(read_all(sio, buf, 3));
    CHECK(memcmp(buf, "ain", 3) == 0);

    /* and the other way, after both shrank */
    gmtls_io_shrink(sio);
    gmtls_io_shrink(cio);
    CHECK_OK(gmtls_io_write(sio, "reply", 5, &wn));
    CHECK(gmtls_io_pending_output(sio) == 0);
    CHECK_OK(read_all(cio, buf, 5));
    CHECK(memcmp(buf, "reply", 5) == 0);

    CHECK_OK(gmtls_io_close(cio));
    size_t n = 0;
    int r = GMTLS_ERR_WANT_READ;
    for (int i = 0; i < 10 && r == GMTLS_ERR_WANT_READ; i++) {
        r = gmtls_io_read(sio, buf, sizeof(buf), &n);
    }
    CHECK_ERR(r, GMTLS_ERR_CLOSED);

    gmtls_io_free(cio);
    gmtls_io_free(sio);
    gmtls_conn_free(cc);
    gmtls_conn_free(sc);
    close(sv[0]);
    close(sv[1]);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
    return TEST_END("io_shrink_test");
}
