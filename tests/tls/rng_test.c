/* Unit tests of the library's random source (src/crypto/openssl.c):
 * OpenSSL's public and private DRBGs buffered per thread in a page mapped
 * MADV_WIPEONFORK.
 *   - draws of every size from 1 to 128 bytes (the buffered ones) and above
 *     (passed straight to OpenSSL), across many buffer refills: no 16-byte
 *     window ever repeats and byte values are spread evenly;
 *   - the public, secret and gmtls_rng entry points never hand out the same
 *     bytes;
 *   - after fork() the child's draws share nothing with the parent's (the
 *     parent's buffer is half used when it forks: without the wipe-on-fork
 *     page both would hand out its remaining bytes);
 *   - four threads drawing at once get disjoint bytes. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "gmtls/sm.h"
#include "test.h"

#define POOL (1 << 20)
static uint8_t pool[POOL];
static size_t pool_len;

static int cmp16(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

/* number of 16-byte windows of pool (at every byte offset, then sorted)
 * that occur twice */
static size_t repeated_windows(const uint8_t *buf, size_t len)
{
    size_t n = len >= 16 ? len - 15 : 0;
    uint8_t(*w)[16] = malloc(n * 16 + 16);
    size_t rep = 0;
    if (w == NULL) {
        return (size_t)-1;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(w[i], buf + i, 16);
    }
    qsort(w, n, 16, cmp16);
    for (size_t i = 1; i < n; i++) {
        rep += memcmp(w[i - 1], w[i], 16) == 0;
    }
    free(w);
    return rep;
}

static void take(int which, size_t len)
{
    uint8_t *out = pool + pool_len;
    int rc = which == 0 ? gmtls_random(out, len) : which == 1 ? gmtls_random_secret(out, len) : gmtls_rng(NULL, out, len);
    CHECK(rc == 0);
    pool_len += len;
}

static void test_sizes(void)
{
    unsigned hist[256] = {0};
    pool_len = 0;
    /* every size, from each entry point, several rounds: many refills */
    for (int round = 0; round < 6; round++) {
        for (size_t len = 1; len <= 160 && pool_len + 3 * len < POOL; len++) {
            take(0, len);
            take(1, len);
            take(2, len);
        }
    }
    take(1, 4096); /* far above the buffered sizes */
    CHECK(pool_len > 200000);
    CHECK(repeated_windows(pool, pool_len) == 0);
    for (size_t i = 0; i < pool_len; i++) {
        hist[pool[i]]++;
    }
    /* each value expected pool_len/256 times: allow +-20% (the chance of a
     * fair source leaving that band is far below 2^-40 at this size) */
    double e = (double)pool_len / 256.0;
    int spread_ok = 1;
    for (int v = 0; v < 256; v++) {
        spread_ok &= hist[v] > 0.8 * e && hist[v] < 1.2 * e;
    }
    CHECK(spread_ok);
}

static void test_fork(void)
{
    uint8_t before[100], parent[3][48], child[3][48];
    int fds[2];
    /* the buffers are now partly used */
    CHECK_OK(gmtls_random(before, 40));
    CHECK_OK(gmtls_random_secret(before + 40, 60));
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = gmtls_random(child[0], 48) == 0 && gmtls_random_secret(child[1], 48) == 0 &&
                 gmtls_rng(NULL, child[2], 48) == 0;
        ssize_t w = ok ? write(fds[1], child, sizeof child) : -1;
        _exit(w == (ssize_t)sizeof child ? 0 : 1);
    }
    CHECK(pid > 0);
    CHECK_OK(gmtls_random(parent[0], 48));
    CHECK_OK(gmtls_random_secret(parent[1], 48));
    CHECK_OK(gmtls_rng(NULL, parent[2], 48));
    size_t got = 0;
    while (got < sizeof child) {
        ssize_t r = read(fds[0], (uint8_t *)child + got, sizeof child - got);
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(got == sizeof child);
    close(fds[0]);
    close(fds[1]);
    pool_len = 0;
    memcpy(pool, before, sizeof before);
    memcpy(pool + sizeof before, parent, sizeof parent);
    memcpy(pool + sizeof before + sizeof parent, child, sizeof child);
    pool_len = sizeof before + sizeof parent + sizeof child;
    CHECK(repeated_windows(pool, pool_len) == 0);
}

#define THREADS 4
#define PER_THREAD 8192
static uint8_t tbuf[THREADS][PER_THREAD];

static void *thread_main(void *arg)
{
    uint8_t *out = arg;
    int bad = 0;
    for (size_t off = 0; off + 32 <= PER_THREAD; off += 32) {
        bad |= (off / 32) % 2 ? gmtls_random_secret(out + off, 32) : gmtls_random(out + off, 32);
    }
    return bad ? (void *)1 : NULL;
}

static void test_threads(void)
{
    pthread_t t[THREADS];
    int started = 0;
    for (int i = 0; i < THREADS; i++) {
        started += pthread_create(&t[i], NULL, thread_main, tbuf[i]) == 0;
    }
    CHECK(started == THREADS);
    for (int i = 0; i < started; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        CHECK(r == NULL);
    }
    CHECK(repeated_windows(&tbuf[0][0], sizeof tbuf) == 0);
}

int main(void)
{
    test_sizes();
    test_fork();
    test_threads();
    return TEST_END("rng_test");
}
