/* tests/tools/eagain_shim.c - an LD_PRELOAD shim for tests/cli/cli_www.sh.
 * On non-blocking sockets, every GMTLS_TEST_EAGAIN_EVERY-th send() (default
 * 64) starts a run of GMTLS_TEST_EAGAIN_BURST (default 16) calls that fail
 * with EAGAIN, as if the socket buffer were full for a moment; the call
 * after the run succeeds, as if the peer had drained it meanwhile. A server
 * must then still finish what it was sending. With 16 KiB records a run of
 * 16 fills gmtls server's 256 KiB output high-water mark: this once stalled
 * `gmtls server --www` file downloads until the idle timeout. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>

/* the project builds with -fvisibility=hidden: this one must be seen */
__attribute__((visibility("default"))) ssize_t send(int fd, const void *buf, size_t len, int flags);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static ssize_t (*real_send)(int, const void *, size_t, int);
static unsigned every = 64, burst = 16, count, failing;

static unsigned env_or(const char *name, unsigned dflt)
{
    const char *e = getenv(name);
    return e != NULL && atoi(e) > 0 ? (unsigned)atoi(e) : dflt;
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    pthread_mutex_lock(&lock);
    if (real_send == NULL) {
        *(void **)&real_send = dlsym(RTLD_NEXT, "send");
        every = env_or("GMTLS_TEST_EAGAIN_EVERY", every);
        burst = env_or("GMTLS_TEST_EAGAIN_BURST", burst);
    }
    int fail = 0;
    if ((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0) {
        if (failing == 0 && ++count % every == 0) {
            failing = burst;
        }
        if (failing > 0) {
            failing--;
            fail = 1;
        }
    }
    pthread_mutex_unlock(&lock);
    if (fail) {
        errno = EAGAIN;
        return -1;
    }
    return real_send(fd, buf, len, flags);
}
