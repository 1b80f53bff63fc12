/* The server's session-ID cache (RFC 5246 §7.4.1.2, GB/T 38636-2020
 * §6.4.5.2): TLS 1.2 and TLCP sessions resumed by the 32-byte session ID
 * the server issued in its ServerHello.
 *
 * A ring of at most `cap` entries, one per issued ID, with a chained hash
 * over it: the next insert takes the ring's oldest slot (FIFO eviction), a
 * lookup walks one bucket. The IDs are our own random bytes, so their first
 * four bytes index the buckets evenly; a client can only probe buckets, not
 * fill them. Each entry holds the session state in the ticket layout
 * (ticket.c, never sealed: it does not leave the process) and the server
 * name; the state is wiped when the entry is evicted, expires or the cache
 * is freed. One mutex guards the cache, since a config (and so its cache)
 * may serve connections on several threads, and configs may share one (a
 * reloaded server's new config takes over the old one's sessions); a lookup
 * copies the state out under it. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "handshake/internal.h"

typedef struct {
    uint8_t id[GMTLS_SESSION_ID_LEN];
    uint64_t created; /* seconds, the config's clock */
    int32_t next;     /* the next entry of the bucket, -1 at the end */
    uint8_t *blob;    /* state || server name; NULL: a free slot */
    size_t state_len, name_len;
} sc_entry;

struct gmtls_sesscache {
    atomic_int refs; /* the configs sharing it (gmtls_config_share_session_cache) */
    pthread_mutex_t lock;
    size_t cap;        /* entries at most; 0: the cache is off */
    uint32_t lifetime; /* seconds */
    size_t next;       /* the ring slot the next insert takes (the oldest entry) */
    size_t nbuckets;   /* a power of two >= cap */
    sc_entry *e;       /* cap entries, allocated at the first insert */
    int32_t *bucket;   /* first entry of each bucket, -1 for none */
};

struct gmtls_sesscache *gmtls_sesscache_new(void)
{
    struct gmtls_sesscache *sc = calloc(1, sizeof *sc);
    if (sc == NULL) {
        return NULL;
    }
    if (pthread_mutex_init(&sc->lock, NULL) != 0) {
        free(sc);
        return NULL;
    }
    atomic_init(&sc->refs, 1);
    sc->cap = GMTLS_SESSION_CACHE_DEFAULT;
    sc->lifetime = GMTLS_SESSION_CACHE_LIFETIME;
    return sc;
}

struct gmtls_sesscache *gmtls_sesscache_ref(struct gmtls_sesscache *sc)
{
    atomic_fetch_add(&sc->refs, 1);
    return sc;
}

/* Wipes and frees every entry and the tables; the caller holds the lock. */
static void drop_all(struct gmtls_sesscache *sc)
{
    if (sc->e != NULL) {
        for (size_t i = 0; i < sc->cap; i++) {
            if (sc->e[i].blob != NULL) {
                gmtls_wipe(sc->e[i].blob, sc->e[i].state_len + sc->e[i].name_len);
                free(sc->e[i].blob);
            }
        }
        gmtls_wipe(sc->e, sc->cap * sizeof sc->e[0]);
    }
    free(sc->e);
    free(sc->bucket);
    sc->e = NULL;
    sc->bucket = NULL;
    sc->next = 0;
}

void gmtls_sesscache_free(struct gmtls_sesscache *sc)
{
    if (sc == NULL || atomic_fetch_sub(&sc->refs, 1) != 1) {
        return;
    }
    drop_all(sc);
    pthread_mutex_destroy(&sc->lock);
    free(sc);
}

void gmtls_sesscache_configure(struct gmtls_sesscache *sc, size_t max, uint32_t lifetime)
{
    pthread_mutex_lock(&sc->lock);
    drop_all(sc);
    sc->cap = max > GMTLS_SESSION_CACHE_MAX ? GMTLS_SESSION_CACHE_MAX : max;
    /* RFC 5246 §F.1.4: "An upper limit of 24 hours is suggested for session
     * ID lifetimes". */
    sc->lifetime = lifetime == 0 ? GMTLS_SESSION_CACHE_LIFETIME : lifetime > 86400 ? 86400 : lifetime;
    pthread_mutex_unlock(&sc->lock);
}

int gmtls_sesscache_on(const struct gmtls_sesscache *sc)
{
    return sc != NULL && sc->cap > 0;
}

uint32_t gmtls_sesscache_lifetime(const struct gmtls_sesscache *sc)
{
    return sc->lifetime;
}

static size_t bucket_of(const struct gmtls_sesscache *sc, const uint8_t *id)
{
    uint32_t h = (uint32_t)id[0] | (uint32_t)id[1] << 8 | (uint32_t)id[2] << 16 | (uint32_t)id[3] << 24;
    return h & (sc->nbuckets - 1);
}

/* Takes entry i out of its bucket and wipes it; the caller holds the lock. */
static void evict(struct gmtls_sesscache *sc, size_t i)
{
    sc_entry *x = &sc->e[i];
    if (x->blob == NULL) {
        return;
    }
    int32_t *link = &sc->bucket[bucket_of(sc, x->id)];
    while (*link != (int32_t)i) {
        link = &sc->e[*link].next;
    }
    *link = x->next;
    gmtls_wipe(x->blob, x->state_len + x->name_len);
    free(x->blob);
    gmtls_wipe(x, sizeof *x);
    x->next = -1;
}

int gmtls_sesscache_put(struct gmtls_sesscache *sc, const uint8_t *id, uint64_t now, const uint8_t *state,
                        size_t state_len, const char *name)
{
    size_t name_len = strlen(name);
    uint8_t *blob = malloc(state_len + name_len + 1);
    if (blob == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    memcpy(blob, state, state_len);
    memcpy(blob + state_len, name, name_len);
    int rc = 0;
    pthread_mutex_lock(&sc->lock);
    if (sc->cap == 0) {
        goto out;
    }
    if (sc->e == NULL) {
        sc->nbuckets = 1;
        while (sc->nbuckets < sc->cap) {
            sc->nbuckets <<= 1;
        }
        sc->e = calloc(sc->cap, sizeof sc->e[0]);
        sc->bucket = malloc(sc->nbuckets * sizeof sc->bucket[0]);
        if (sc->e == NULL || sc->bucket == NULL) {
            free(sc->e);
            free(sc->bucket);
            sc->e = NULL;
            sc->bucket = NULL;
            rc = GMTLS_ERR_NO_MEMORY;
            goto out;
        }
        for (size_t i = 0; i < sc->nbuckets; i++) {
            sc->bucket[i] = -1;
        }
    }
    /* The oldest entry makes room (evicted whether or not it expired). */
    size_t i = sc->next;
    sc->next = (sc->next + 1) % sc->cap;
    evict(sc, i);
    sc_entry *x = &sc->e[i];
    memcpy(x->id, id, GMTLS_SESSION_ID_LEN);
    x->created = now;
    x->blob = blob;
    x->state_len = state_len;
    x->name_len = name_len;
    size_t b = bucket_of(sc, id);
    x->next = sc->bucket[b];
    sc->bucket[b] = (int32_t)i;
    blob = NULL;
out:
    pthread_mutex_unlock(&sc->lock);
    if (blob != NULL) {
        gmtls_wipe(blob, state_len + name_len);
        free(blob);
    }
    return rc;
}

int gmtls_sesscache_get(struct gmtls_sesscache *sc, const uint8_t *id, size_t idlen, uint64_t now, gmtls_buf *state,
                        char *name, size_t namesz)
{
    int rc = -1;
    if (idlen != GMTLS_SESSION_ID_LEN || namesz == 0) {
        return -1;
    }
    pthread_mutex_lock(&sc->lock);
    if (sc->e == NULL) {
        goto out;
    }
    for (int32_t i = sc->bucket[bucket_of(sc, id)]; i >= 0; i = sc->e[i].next) {
        sc_entry *x = &sc->e[i];
        if (!gmtls_ct_memeq(x->id, id, GMTLS_SESSION_ID_LEN)) {
            continue;
        }
        /* Expired, or from the future beyond 60 s of clock skew: gone for
         * good (RFC 5246 §F.1.4). */
        if (x->created > now + 60 || (now > x->created && now - x->created > sc->lifetime)) {
            evict(sc, (size_t)i);
            break;
        }
        if (x->name_len >= namesz || gmtls_buf_reserve(state, x->state_len) != 0) {
            rc = GMTLS_ERR_NO_MEMORY;
            break;
        }
        memcpy(state->base + state->off, x->blob, x->state_len);
        state->off += x->state_len;
        memcpy(name, x->blob + x->state_len, x->name_len);
        name[x->name_len] = '\0';
        rc = 0;
        break;
    }
out:
    pthread_mutex_unlock(&sc->lock);
    return rc;
}
