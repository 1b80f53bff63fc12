/* The server's session-ID cache (src/handshake/sesscache.c) on its own:
 * a stored state and server name come back; an unknown ID, a short ID, an
 * expired entry (and one from the future) do not, and an expired entry is
 * dropped; the oldest entry is evicted first, also within one hash bucket;
 * reconfiguring empties the cache, size 0 turns it off, the lifetime is
 * clamped to 24 hours; a shared cache lives until its last reference; four
 * threads storing and reading at once always read back the state stored
 * under the ID they asked for. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handshake/internal.h"
#include "test.h"

static void make_id(uint8_t id[32], uint32_t bucket, uint32_t n)
{
    memset(id, 0, 32);
    for (int i = 0; i < 4; i++) {
        id[i] = (uint8_t)(bucket >> (8 * i));
        id[4 + i] = (uint8_t)(n >> (8 * i));
    }
}

/* 0 when id's entry holds state = id and name "n<id[4]>", -1 when absent. */
static int lookup(struct gmtls_sesscache *sc, const uint8_t id[32], uint64_t now)
{
    gmtls_buf st;
    char name[256];
    gmtls_buf_init(&st);
    int rc = gmtls_sesscache_get(sc, id, 32, now, &st, name, sizeof name);
    char want[16];
    snprintf(want, sizeof want, "n%u", id[4]);
    if (rc == 0 && (st.off != 32 || memcmp(st.base, id, 32) != 0 || strcmp(name, want) != 0)) {
        rc = 99;
    }
    gmtls_buf_dispose(&st);
    return rc;
}

static int store(struct gmtls_sesscache *sc, const uint8_t id[32], uint64_t now)
{
    char name[16];
    snprintf(name, sizeof name, "n%u", id[4]);
    return gmtls_sesscache_put(sc, id, now, id, 32, name);
}

static void test_basic(void)
{
    struct gmtls_sesscache *sc = gmtls_sesscache_new();
    uint8_t a[32], b[32];
    make_id(a, 1, 1);
    make_id(b, 2, 2);
    CHECK(gmtls_sesscache_on(sc) && gmtls_sesscache_lifetime(sc) == 7200);
    CHECK_ERR(lookup(sc, a, 1000), -1); /* nothing stored yet */
    CHECK_OK(store(sc, a, 1000));
    CHECK_OK(lookup(sc, a, 1000));
    CHECK_ERR(lookup(sc, b, 1000), -1);
    gmtls_buf st;
    char name[8];
    gmtls_buf_init(&st);
    CHECK_ERR(gmtls_sesscache_get(sc, a, 31, 1000, &st, name, sizeof name), -1);
    gmtls_buf_dispose(&st);
    /* alive through the lifetime, gone after it, and dropped */
    CHECK_OK(lookup(sc, a, 1000 + 7200));
    CHECK_ERR(lookup(sc, a, 1000 + 7201), -1);
    CHECK_ERR(lookup(sc, a, 1000), -1);
    /* from the future (more than 60 s): refused */
    CHECK_OK(store(sc, b, 1000));
    CHECK_ERR(lookup(sc, b, 939), -1);
    CHECK_OK(store(sc, b, 1000));
    CHECK_OK(lookup(sc, b, 940));
    /* reconfiguring empties; size 0 turns it off; lifetimes clamp */
    gmtls_sesscache_configure(sc, 16, 100000);
    CHECK(gmtls_sesscache_lifetime(sc) == 86400);
    CHECK_ERR(lookup(sc, b, 1000), -1);
    gmtls_sesscache_configure(sc, 0, 0);
    CHECK(!gmtls_sesscache_on(sc) && gmtls_sesscache_lifetime(sc) == 7200);
    CHECK_OK(store(sc, a, 1000));
    CHECK_ERR(lookup(sc, a, 1000), -1);
    /* shared: lives until the last reference */
    gmtls_sesscache_configure(sc, 4, 0);
    CHECK(gmtls_sesscache_ref(sc) == sc);
    CHECK_OK(store(sc, a, 1000));
    gmtls_sesscache_free(sc);
    CHECK_OK(lookup(sc, a, 1000));
    gmtls_sesscache_free(sc);
}

/* FIFO eviction, across buckets and within one. */
static void test_eviction(void)
{
    struct gmtls_sesscache *sc = gmtls_sesscache_new();
    uint8_t id[8][32];
    gmtls_sesscache_configure(sc, 3, 0);
    for (uint32_t i = 0; i < 4; i++) {
        make_id(id[i], i, i);
        CHECK_OK(store(sc, id[i], 1000));
    }
    CHECK_ERR(lookup(sc, id[0], 1000), -1);
    for (int i = 1; i < 4; i++) {
        CHECK_OK(lookup(sc, id[i], 1000));
    }
    /* six IDs in one bucket, four slots: the newest four stay */
    gmtls_sesscache_configure(sc, 4, 0);
    for (uint32_t i = 0; i < 6; i++) {
        make_id(id[i], 7, i);
        CHECK_OK(store(sc, id[i], 1000));
    }
    for (int i = 0; i < 6; i++) {
        CHECK_ERR(lookup(sc, id[i], 1000), i < 2 ? -1 : 0);
    }
    /* an expired entry dropped from the middle of its chain leaves the rest */
    CHECK_OK(store(sc, id[0], 2000)); /* evicts id[2] */
    CHECK_ERR(lookup(sc, id[3], 1000 + 7201), -1);
    CHECK_OK(lookup(sc, id[4], 1000));
    CHECK_OK(lookup(sc, id[5], 1000));
    CHECK_OK(lookup(sc, id[0], 2000));
    gmtls_sesscache_free(sc);
}

typedef struct {
    struct gmtls_sesscache *sc;
    uint32_t t;
    int found, wrong;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (uint32_t n = 0; n < 20000; n++) {
        uint8_t id[32];
        make_id(id, (n * 2654435761u) ^ w->t, n);
        id[8] = (uint8_t)w->t;
        if (store(w->sc, id, 1000) != 0) {
            w->wrong++;
        }
        int rc = lookup(w->sc, id, 1000);
        w->found += rc == 0;
        w->wrong += rc != 0 && rc != -1;
        /* an ID another thread may have stored */
        id[8] = (uint8_t)(w->t + 1);
        rc = lookup(w->sc, id, 1000);
        w->wrong += rc != 0 && rc != -1;
    }
    return NULL;
}

static void test_threads(void)
{
    struct gmtls_sesscache *sc = gmtls_sesscache_new();
    gmtls_sesscache_configure(sc, 1024, 0);
    pthread_t th[4];
    worker w[4];
    for (uint32_t i = 0; i < 4; i++) {
        w[i] = (worker){sc, i, 0, 0};
        CHECK(pthread_create(&th[i], NULL, work, &w[i]) == 0);
    }
    int found = 0, wrong = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        found += w[i].found;
        wrong += w[i].wrong;
    }
    CHECK(wrong == 0);
    CHECK(found > 0);
    gmtls_sesscache_free(sc);
}

int main(void)
{
    test_basic();
    test_eviction();
    test_threads();
    return TEST_END("sesscache_test");
}
