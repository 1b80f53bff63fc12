/* Session tickets and PSK resumption (RFC 8446 §4.6.1, §4.2.11, §2.2).
 *
 * Server tickets are stateless: the session state sealed with AES-256-GCM
 * under a ticket key (name || nonce || ciphertext || tag, the key name as
 * additional data). The first configured key encrypts; every key decrypts,
 * so keys rotate without invalidating recent tickets. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "handshake/internal.h"

#define STATE_VERSION 3 /* 2: max_early_data after age_add; 3: the verify outcome after the chain */
#define TICKET_OVERHEAD (16 + GMTLS_IV_LEN + GMTLS_TAG_LEN)

void gmtls_session_clear(gmtls_session *s)
{
    free(s->ticket);
    free(s->peer);
    gmtls_wipe(s, sizeof(*s));
}

/* A session's peer chain: count(1) | cert<1..2^24-1>... (at most
 * GMTLS_MAX_CHAIN), c's as received. */
static void chain_write(gmtls_wr *w, const gmtls_conn *c)
{
    gmtls_wr_u8(w, (uint8_t)c->npeer);
    for (size_t i = 0; i < c->npeer; i++) {
        gmtls_wr_open(w, 3);
        gmtls_wr_bytes(w, c->peer_der[i], c->peer_derlen[i]);
        gmtls_wr_close(w);
    }
}

static int chain_read(gmtls_rd *r, size_t *n, const uint8_t **der, size_t *derlen)
{
    gmtls_rd v;
    *n = gmtls_rd_u8(r);
    if (r->err || *n > GMTLS_MAX_CHAIN) {
        return -1;
    }
    for (size_t i = 0; i < *n; i++) {
        if (gmtls_rd_vec(r, 3, 1, 0xffffff, &v) != 0) {
            return -1;
        }
        der[i] = v.p;
        derlen[i] = gmtls_rd_left(&v);
    }
    return 0;
}

/* The verify outcome after the chain: verified(1) | verify_result<0..199>. */
static void verdict_write(gmtls_wr *w, int verified, const char *result)
{
    gmtls_wr_u8(w, verified ? 1 : 0);
    gmtls_wr_open(w, 1);
    gmtls_wr_bytes(w, result, strnlen(result, GMTLS_VERDICT_MAX));
    gmtls_wr_close(w);
}

static int verdict_read(gmtls_rd *r, int *verified, const uint8_t **result, size_t *len)
{
    gmtls_rd v;
    uint8_t b = gmtls_rd_u8(r);
    if (gmtls_rd_vec(r, 1, 0, GMTLS_VERDICT_MAX, &v) != 0 || b > 1) {
        return -1;
    }
    *verified = b;
    *result = v.p;
    *len = gmtls_rd_left(&v);
    return 0;
}

/* ------------------------------------------------------------ server */

/* Session state: version | suite | created | lifetime | age_add |
 * max_early_data | psk<1> | alpn<1> | client chain (count, cert<3>...) |
 * verified(1) | verify_result<1> (the client chain's verify outcome in the
 * handshake that made the session). A TLS 1.2 / TLCP state keeps the ECDHE
 * group of its full handshake in age_add's place. */
static int seal_state(const gmtls_config *cfg, const uint8_t *state, size_t len, gmtls_buf *out)
{
    const gmtls_ticket_key *k = &cfg->ticket_keys[0];
    uint8_t nonce[GMTLS_IV_LEN];
    gmtls_aead_ctx a = {.alg = &gmtls_aead_aes256gcm};
    GMTLS_TRY(gmtls_random(nonce, sizeof nonce));
    GMTLS_TRY(gmtls_buf_reserve(out, len + TICKET_OVERHEAD));
    uint8_t *p = out->base + out->off;
    memcpy(p, k->name, 16);
    memcpy(p + 16, nonce, GMTLS_IV_LEN);
    memcpy(p + 16 + GMTLS_IV_LEN, state, len);
    GMTLS_TRY(a.alg->init(&a, 1, k->secret));
    int rc = a.alg->seal(&a, nonce, p, 16, p + 16 + GMTLS_IV_LEN, len, p + 16 + GMTLS_IV_LEN + len);
    a.alg->dispose(&a);
    if (rc == 0) {
        out->off += len + TICKET_OVERHEAD;
    }
    return rc;
}

/* Opens a ticket in place into *state; -1 if no key opens it. */
static int open_ticket(const gmtls_config *cfg, uint8_t *t, size_t len, uint8_t **state, size_t *statelen)
{
    if (len < TICKET_OVERHEAD + 1) {
        return -1;
    }
    for (size_t i = 0; i < cfg->nticket_keys; i++) {
        const gmtls_ticket_key *k = &cfg->ticket_keys[i];
        if (!gmtls_ct_memeq(k->name, t, 16)) {
            continue;
        }
        gmtls_aead_ctx a = {.alg = &gmtls_aead_aes256gcm};
        if (a.alg->init(&a, 0, k->secret) != 0) {
            return -1;
        }
        size_t clen = len - TICKET_OVERHEAD;
        int rc = a.alg->open(&a, t + 16, t, 16, t + 16 + GMTLS_IV_LEN, clen, t + 16 + GMTLS_IV_LEN + clen);
        a.alg->dispose(&a);
        if (rc != 0) {
            return -1;
        }
        *state = t + 16 + GMTLS_IV_LEN;
        *statelen = clen;
        return 0;
    }
    return -1;
}

int gmtls_ticket_send(gmtls_conn *c, gmtls_buf *out)
{
    const gmtls_config *cfg = c->cfg;
    /* The reference sends tickets only when they are enabled and the client
     * offered psk_dhe_ke. */
    if (cfg->tickets == 0 || !c->peer_psk_dhe) {
        return 0;
    }
    size_t hl = c->suite->hash->digest_len;
    int rc = 0;
    for (unsigned n = 0; n < cfg->tickets && rc == 0; n++) {
        uint8_t nonce[8], psk[GMTLS_MAX_HASH_LEN];
        uint32_t age_add;
        gmtls_buf st, msg;
        gmtls_wr w;
        gmtls_buf_init(&st);
        gmtls_buf_init(&msg);
        for (int i = 0; i < 8; i++) {
            nonce[i] = (uint8_t)(c->tickets_sent >> (56 - 8 * i));
        }
        rc = gmtls_random((uint8_t *)&age_add, sizeof age_add);
        /* RFC 8446 §4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret,
         * "resumption", ticket_nonce, Hash.length). */
        if (rc == 0) {
            rc = gmtls_hkdf_expand_label(c->suite->hash, c->ks.resumption, "resumption", nonce, sizeof nonce, psk, hl);
        }
        if (rc == 0) {
            gmtls_wr_init(&w, &st);
            gmtls_wr_u8(&w, STATE_VERSION);
            gmtls_wr_u16(&w, c->suite->id);
            gmtls_wr_uint(&w, gmtls_now_ms(c) / 1000, 8);
            gmtls_wr_u32(&w, cfg->ticket_lifetime);
            gmtls_wr_u32(&w, age_add);
            gmtls_wr_u32(&w, cfg->max_early_data);
            gmtls_wr_open(&w, 1);
            gmtls_wr_bytes(&w, psk, hl);
            gmtls_wr_close(&w);
            gmtls_wr_open(&w, 1);
            gmtls_wr_bytes(&w, c->alpn, strlen(c->alpn));
            gmtls_wr_close(&w);
            chain_write(&w, c);
            verdict_write(&w, c->peer_verified, c->verify_result);
            rc = gmtls_wr_finish(&w);
        }
        gmtls_buf ticket;
        gmtls_buf_init(&ticket);
        if (rc == 0) {
            rc = seal_state(cfg, st.base, st.off, &ticket);
        }
        /* A client chain too large for a ticket<1..2^16-1>: send none. */
        int fits = ticket.off <= 0xffff;
        if (rc == 0 && fits) {
            /* struct { uint32 ticket_lifetime; uint32 ticket_age_add;
             *   opaque ticket_nonce<0..255>; opaque ticket<1..2^16-1>;
             *   Extension extensions<0..2^16-2>; } NewSessionTicket; */
            gmtls_hs_begin(&w, &msg, GMTLS_HS_NEW_SESSION_TICKET);
            gmtls_wr_u32(&w, cfg->ticket_lifetime);
            gmtls_wr_u32(&w, age_add);
            gmtls_wr_open(&w, 1);
            gmtls_wr_bytes(&w, nonce, sizeof nonce);
            gmtls_wr_close(&w);
            gmtls_wr_open(&w, 2);
            gmtls_wr_bytes(&w, ticket.base, ticket.off);
            gmtls_wr_close(&w);
            gmtls_wr_open(&w, 2);
            rc = gmtls_exts_write(c, GMTLS_EXT_IN_NST, &w, NULL); /* early_data when 0-RTT is on */
            gmtls_wr_close(&w);
            gmtls_wr_close(&w);
            if (rc == 0) {
                rc = gmtls_wr_finish(&w);
            }
        }
        if (rc == 0 && fits) {
            rc = gmtls_rec_write(&c->wr, out, GMTLS_CT_HANDSHAKE, msg.base, msg.off, cfg->record_padding);
            c->tickets_sent++;
        }
        gmtls_wipe(psk, sizeof psk);
        gmtls_buf_dispose(&st);
        gmtls_buf_dispose(&msg);
        gmtls_buf_dispose(&ticket);
    }
    return rc;
}

typedef struct {
    uint16_t suite;
    uint64_t created;
    uint32_t lifetime;
    uint32_t age_add;
    uint32_t max_early;
    const uint8_t *psk;
    size_t psk_len;
    const uint8_t *alpn;
    size_t alpn_len;
    size_t ncerts;
    const uint8_t *der[GMTLS_MAX_CHAIN];
    size_t derlen[GMTLS_MAX_CHAIN];
    int verified; /* the client chain was verified */
    const uint8_t *verify_result;
    size_t verify_result_len;
} ticket_state;

static int parse_state(const uint8_t *p, size_t len, uint8_t version, ticket_state *s)
{
    gmtls_rd r, v;
    gmtls_rd_init(&r, p, len);
    memset(s, 0, sizeof(*s));
    if (gmtls_rd_u8(&r) != version) {
        return -1;
    }
    s->suite = gmtls_rd_u16(&r);
    s->created = gmtls_rd_uint(&r, 8);
    s->lifetime = gmtls_rd_u32(&r);
    s->age_add = gmtls_rd_u32(&r);
    s->max_early = gmtls_rd_u32(&r);
    if (gmtls_rd_vec(&r, 1, 32, GMTLS_MAX_HASH_LEN, &v) != 0) {
        return -1;
    }
    s->psk = v.p;
    s->psk_len = gmtls_rd_left(&v);
    if (gmtls_rd_vec(&r, 1, 0, 255, &v) != 0) {
        return -1;
    }
    s->alpn = v.p;
    s->alpn_len = gmtls_rd_left(&v);
    if (chain_read(&r, &s->ncerts, s->der, s->derlen) != 0 ||
        verdict_read(&r, &s->verified, &s->verify_result, &s->verify_result_len) != 0) {
        return -1;
    }
    return gmtls_rd_done(&r) == 0 ? 0 : -1;
}

/* The external PSK with this identity, or NULL. Identities are public (they
 * travel in clear), so a plain comparison is fine. */
static const gmtls_ext_psk *external_by_id(const gmtls_config *cfg, const uint8_t *id, size_t len)
{
    for (size_t i = 0; i < cfg->npsks; i++) {
        if (cfg->psks[i].id_len == len && memcmp(cfg->psks[i].id, id, len) == 0) {
            return &cfg->psks[i];
        }
    }
    return NULL;
}

/* Whether the modes of the client and ours allow an external PSK: with
 * (EC)DHE, or alone. */
/* A ticket's state is still good for this server: not expired (its lifetime,
 * and never beyond 7 days; RFC 8446 §4.6.1, RFC 5077 §3.4), not from the
 * future, and its client-certificate presence fits the client-auth mode. */
static int state_fits(const gmtls_config *cfg, const ticket_state *s, uint64_t now)
{
    int need_certs =
        cfg->client_auth == GMTLS_CLIENT_AUTH_REQUIRE_ANY || cfg->client_auth == GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY;
    int verifies = cfg->client_auth == GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN ||
                   cfg->client_auth == GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY;
    /* (created up to 60 s ahead of us is clock skew: age 0, not a huge unsigned age) */
    uint64_t age = now > s->created ? now - s->created : 0;
    /* A client chain that was never verified (REQUEST / REQUIRE_ANY) does
     * not resume where the mode verifies: a full handshake verifies it. */
    return s->created <= now + 60 && age <= s->lifetime && age <= GMTLS_MAX_TICKET_LIFETIME &&
           !(need_certs && s->ncerts == 0) && !(s->ncerts > 0 && cfg->client_auth == GMTLS_CLIENT_AUTH_NONE) &&
           !(s->ncerts > 0 && verifies && !s->verified);
}

/* Restores the session's client chain (the reference's
 * processCertsFromClient on resumption), its subject, and the verify
 * outcome of the handshake that made the session: resumption verifies
 * nothing again, so it reports what was found then. */
static int restore_peer_chain(gmtls_conn *c, const ticket_state *s)
{
    GMTLS_TRY(gmtls_peer_restore(c, s->der, s->derlen, s->ncerts));
    c->peer_verified = s->verified;
    snprintf(c->verify_result, sizeof c->verify_result, "%.*s", (int)s->verify_result_len,
             (const char *)s->verify_result);
    return 0;
}

static int external_dhe_ok(const gmtls_config *cfg, const gmtls_client_hello *ch)
{
    return ch->psk_dhe && (cfg->psk_modes & GMTLS_PSK_MODE_DHE_KE);
}

static int external_ke_ok(const gmtls_config *cfg, const gmtls_client_hello *ch)
{
    return ch->psk_ke && (cfg->psk_modes & GMTLS_PSK_MODE_KE);
}

const gmtls_ext_psk *gmtls_psk_find_external(const gmtls_config *cfg, const gmtls_client_hello *ch)
{
    if (!ch->has_psk || cfg->npsks == 0 || !(external_dhe_ok(cfg, ch) || external_ke_ok(cfg, ch))) {
        return NULL;
    }
    for (size_t i = 0; i < ch->npsks && i < GMTLS_MAX_PSK_IDENTITIES; i++) {
        const gmtls_ext_psk *e = external_by_id(cfg, ch->psks[i].id, ch->psks[i].id_len);
        if (e != NULL) {
            return e;
        }
    }
    return NULL;
}

/* RFC 8446 §4.2.11.2: the binder is the Finished MAC, under the binder key
 * of this PSK, over the transcript through the ClientHello truncated before
 * the binders list. 0 when it matches (compared in constant time), else the
 * decrypt_error alert. Leaves the PSK's Early Secret in c->ks. */
static int check_binder(gmtls_conn *c, const gmtls_client_hello *ch, size_t i, const uint8_t *psk, size_t psklen,
                        int external)
{
    const gmtls_hash_alg *h = c->suite->hash;
    uint8_t binder[GMTLS_MAX_HASH_LEN], th[GMTLS_MAX_HASH_LEN];
    gmtls_hash_ctx t;
    int rc = external ? gmtls_ks_early_ext(&c->ks, h, psk, psklen) : gmtls_ks_early(&c->ks, h, psk, psklen);
    if (rc == 0) {
        rc = c->transcript.alg->copy(&t, &c->transcript);
    }
    if (rc == 0) {
        t.alg->update(&t, ch->msg, ch->binders_off);
        rc = t.alg->final(&t, th);
    }
    if (rc == 0) {
        rc = gmtls_finished_mac(h, c->ks.binder_key, th, binder);
    }
    int ok =
        rc == 0 && ch->psks[i].binder_len == h->digest_len && gmtls_ct_memeq(binder, ch->psks[i].binder, h->digest_len);
    gmtls_wipe(binder, sizeof binder);
    /* RFC 8446 §4.2.11: "If the server does not validate the binder ... it
     * MUST abort the handshake with a "decrypt_error" alert" (the binder of
     * the identity it selects, and it selects the first one it knows). */
    if (rc == 0 && !ok) {
        rc = gmtls_fail(c, GMTLS_ALERT_DECRYPT_ERROR, "invalid PSK binder");
    }
    return rc;
}

int gmtls_psk_compatible(gmtls_conn *c, const gmtls_client_hello *ch)
{
    int found = 0;
    for (size_t i = 0; i < ch->npsks && !found; i++) {
        const gmtls_ext_psk *e = external_by_id(c->cfg, ch->psks[i].id, ch->psks[i].id_len);
        if (e != NULL) {
            found = e->hash == c->suite->hash;
            continue;
        }
        uint8_t *copy = malloc(ch->psks[i].id_len), *st;
        size_t stlen;
        ticket_state s;
        if (copy == NULL) {
            return GMTLS_ERR_NO_MEMORY;
        }
        memcpy(copy, ch->psks[i].id, ch->psks[i].id_len);
        if (open_ticket(c->cfg, copy, ch->psks[i].id_len, &st, &stlen) == 0 &&
            parse_state(st, stlen, STATE_VERSION, &s) == 0) {
            const gmtls_suite *ps = gmtls_suite_by_id(s.suite);
            found = ps != NULL && ps->hash == c->suite->hash;
        }
        gmtls_wipe(copy, ch->psks[i].id_len);
        free(copy);
    }
    return found;
}

int gmtls_psk_accept(gmtls_conn *c, const gmtls_client_hello *ch, int ke_only, int *selected)
{
    const gmtls_config *cfg = c->cfg;
    *selected = -1;
    if (!ch->has_psk) {
        return 0;
    }
    /* RFC 8446 §4.2.9: a client offering pre_shared_key MUST also send
     * psk_key_exchange_modes -> missing_extension otherwise. */
    if (!ch->has_psk_modes) {
        return gmtls_fail(c, GMTLS_ALERT_MISSING_EXTENSION, "pre_shared_key without psk_key_exchange_modes");
    }
    /* External PSKs in the mode this handshake takes; tickets as the
     * reference: not when they are off, and only with psk_dhe_ke (psk_ke-only
     * clients get a full handshake). */
    int external_ok = ke_only ? external_ke_ok(cfg, ch) : external_dhe_ok(cfg, ch);
    int tickets_ok = !ke_only && cfg->tickets != 0 && ch->psk_dhe;
    if (!external_ok && !tickets_ok) {
        return 0;
    }
    const gmtls_hash_alg *h = c->suite->hash;
    uint64_t now = gmtls_now_ms(c) / 1000;
    for (size_t i = 0; i < ch->npsks && i < GMTLS_MAX_PSK_IDENTITIES; i++) {
        const gmtls_ext_psk *e = external_ok ? external_by_id(cfg, ch->psks[i].id, ch->psks[i].id_len) : NULL;
        if (e != NULL) {
            /* RFC 8446 §4.2.11: the server "MUST ensure that it selects a
             * compatible PSK (if any) and cipher suite": a key of another
             * hash than the suite's is skipped. */
            if (e->hash != h) {
                continue;
            }
            GMTLS_TRY(check_binder(c, ch, i, e->key, e->key_len, 1));
            c->ext_psk = e;
            c->psk_ke_only = ke_only;
            *selected = (int)i;
            snprintf(c->verify_result, sizeof c->verify_result, "%s", "no certificate (external PSK)");
            return 0;
        }
        if (!tickets_ok) {
            continue;
        }
        uint8_t *copy = malloc(ch->psks[i].id_len);
        if (copy == NULL) {
            return GMTLS_ERR_NO_MEMORY;
        }
        memcpy(copy, ch->psks[i].id, ch->psks[i].id_len);
        uint8_t *st;
        size_t stlen;
        ticket_state s;
        int usable = open_ticket(cfg, copy, ch->psks[i].id_len, &st, &stlen) == 0 &&
                     parse_state(st, stlen, STATE_VERSION, &s) == 0;
        /* Skip expired tickets, tickets of a suite with another hash, and
         * tickets whose client-certificate presence does not fit the current
         * client-auth mode. RFC 8446 §4.6.1 lets a ticket resume "with a
         * cipher suite that has the same KDF hash algorithm"; as BoringSSL,
         * gmtls declines a ticket whose own suite the client no longer offers
         * (a full handshake follows). */
        if (usable) {
            const gmtls_suite *ps = gmtls_suite_by_id(s.suite);
            usable = state_fits(cfg, &s, now) && ps != NULL && ps->hash == h && gmtls_ch_offers_suite(ch, s.suite) &&
                     s.psk_len == h->digest_len;
        }
        if (!usable) {
            gmtls_wipe(copy, ch->psks[i].id_len);
            free(copy);
            continue;
        }
        int rc = check_binder(c, ch, i, s.psk, s.psk_len, 0);
        if (rc == 0) {
            rc = restore_peer_chain(c, &s);
            c->resumed = 1;
            *selected = (int)i;
            /* RFC 8446 §4.2.10: early data may be accepted only with the
             * first identity, a ticket that allowed it, and (checked once
             * ALPN is chosen, server.c) the ticket's suite and ALPN; §8.3:
             * the client's ticket age (obfuscated_ticket_age - age_add) must
             * be within the window of ours (from the ticket's creation). */
            uint64_t now_ms = gmtls_now_ms(c), made_ms = s.created * 1000;
            uint64_t ours = now_ms > made_ms ? now_ms - made_ms : 0;
            uint64_t theirs = (uint32_t)(ch->psks[i].obfuscated_age - s.age_add);
            uint64_t skew = ours > theirs ? ours - theirs : theirs - ours;
            /* in whole seconds, the client's view minus ours (as BoringSSL's
             * SSL_get_ticket_age_skew) */
            c->ticket_age_skew = (int32_t)((int64_t)(theirs / 1000) - (int64_t)(ours / 1000));
            c->early_ticket_usable = i == 0 && s.max_early > 0 && s.suite == c->suite->id;
            c->early_age_ok = skew <= GMTLS_EARLY_WINDOW_MS;
            c->early_ticket_ok = c->early_ticket_usable && c->early_age_ok;
            c->early_max = s.max_early;
            snprintf(c->early_alpn, sizeof c->early_alpn, "%.*s", (int)s.alpn_len, (const char *)s.alpn);
        }
        gmtls_wipe(copy, ch->psks[i].id_len);
        free(copy);
        return rc;
    }
    return 0;
}

/* The 0-RTT ClientHello record (RFC 8446 §8.2): binders (the first 32
 * bytes; a binder is a MAC over the ClientHello, so it names it) with the
 * time they were seen, kept for twice the freshness window: a replay later
 * than that fails the ticket age check instead. One per config, shared by
 * the connections (and threads) of one process only. */
struct gmtls_replay {
    pthread_mutex_t mu;
    struct {
        uint8_t id[32];
        uint64_t seen_ms;
    } e[GMTLS_REPLAY_SLOTS];
    size_t next; /* ring position: the oldest entry */
};

size_t gmtls_replay_size(void)
{
    return sizeof(struct gmtls_replay);
}

void gmtls_replay_init(struct gmtls_replay *r)
{
    pthread_mutex_init(&r->mu, NULL);
}

void gmtls_replay_free(struct gmtls_replay *r)
{
    if (r != NULL) {
        pthread_mutex_destroy(&r->mu);
        free(r);
    }
}

int gmtls_replay_fresh(const gmtls_config *cfg, const uint8_t *binder, size_t len, uint64_t now_ms)
{
    struct gmtls_replay *r = cfg->replay;
    uint8_t id[32] = {0};
    int fresh = 1;
    if (r == NULL) {
        return 0;
    }
    memcpy(id, binder, len < sizeof id ? len : sizeof id);
    const uint64_t keep = 2 * GMTLS_EARLY_WINDOW_MS;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < GMTLS_REPLAY_SLOTS; i++) {
        if (r->e[i].seen_ms != 0 && r->e[i].seen_ms + keep >= now_ms && memcmp(r->e[i].id, id, sizeof id) == 0) {
            fresh = 0;
            break;
        }
    }
    /* The slot to reuse must hold an expired entry: a full record of live
     * binders rejects 0-RTT rather than forget one. */
    if (fresh && r->e[r->next].seen_ms != 0 && r->e[r->next].seen_ms + keep >= now_ms) {
        fresh = 0;
    }
    if (fresh) {
        memcpy(r->e[r->next].id, id, sizeof id);
        r->e[r->next].seen_ms = now_ms != 0 ? now_ms : 1;
        r->next = (r->next + 1) % GMTLS_REPLAY_SLOTS;
    }
    pthread_mutex_unlock(&r->mu);
    return fresh;
}

/* ------------------------------------------------------------ client */

int gmtls_ticket_recv(gmtls_conn *c, const uint8_t *body, size_t len)
{
    gmtls_rd r, nonce, ticket, exts;
    size_t nexts = 0;
    gmtls_rd_init(&r, body, len);
    uint32_t lifetime = gmtls_rd_u32(&r), age_add = gmtls_rd_u32(&r);
    if (gmtls_rd_vec(&r, 1, 0, 255, &nonce) != 0 || gmtls_rd_vec(&r, 2, 1, 0xffff, &ticket) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed NewSessionTicket");
    }
    /* Extension extensions<0..2^16-2>: framing and duplicates as every block. */
    GMTLS_TRY(gmtls_fail(c, gmtls_exts_check(GMTLS_EXT_IN_NST, &r, &exts, &nexts), "bad NewSessionTicket extensions"));
    GMTLS_TRY(gmtls_fail(c, gmtls_rd_done(&r), "malformed NewSessionTicket"));
    /* RFC 8446 §4.6.1: clients ignore unrecognized extensions; the table
     * rejects a recognised one that does not belong here. early_data
     * (max_early_data_size) is the one allowed, and unused: this client sends
     * no early data. */
    uint32_t max_early = 0;
    GMTLS_TRY(gmtls_exts_parse(c, GMTLS_EXT_IN_NST, "NewSessionTicket", exts, &max_early));
    /* RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800
     * seconds (7 days)"; a lifetime of 0 means discard at once. */
    if (lifetime > GMTLS_MAX_TICKET_LIFETIME) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "ticket lifetime over 7 days");
    }
    if (lifetime == 0) {
        return 0;
    }
    gmtls_session s;
    memset(&s, 0, sizeof s);
    size_t hl = c->suite->hash->digest_len;
    s.suite = c->suite->id;
    s.psk_len = hl;
    GMTLS_TRY(gmtls_hkdf_expand_label(c->suite->hash, c->ks.resumption, "resumption", nonce.p, gmtls_rd_left(&nonce),
                                      s.psk, hl));
    s.ticket_len = gmtls_rd_left(&ticket);
    s.ticket = malloc(s.ticket_len);
    if (s.ticket == NULL) {
        gmtls_wipe(&s, sizeof s);
        return GMTLS_ERR_NO_MEMORY;
    }
    memcpy(s.ticket, ticket.p, s.ticket_len);
    s.age_add = age_add;
    s.lifetime = lifetime;
    s.received_ms = gmtls_now_ms(c);
    s.max_early = max_early;
    return gmtls_session_add(c, &s);
}

/* The server's chain (and TLCP encryption certificate) of c, for a
 * session: count(1) | cert<3>... | enc<0..2^24-1>. */
static int peer_pack(const gmtls_conn *c, gmtls_session *s)
{
    gmtls_buf b;
    gmtls_wr w;
    gmtls_buf_init(&b);
    gmtls_wr_init(&w, &b);
    chain_write(&w, c);
    gmtls_wr_open(&w, 3);
    gmtls_wr_bytes(&w, c->tlcp_enc_der, c->tlcp_enc_derlen);
    gmtls_wr_close(&w);
    int rc = gmtls_wr_finish(&w);
    if (rc != 0) {
        gmtls_buf_dispose(&b);
        return rc;
    }
    s->peer = b.base; /* taken over */
    s->peer_len = b.off;
    s->peer_verified = c->peer_verified;
    snprintf(s->verify_result, sizeof s->verify_result, "%s", c->verify_result);
    return 0;
}

/* Reads a session's packed chain: 0 when it is well formed and its leaf
 * (if any) parses. */
static int peer_unpack(const uint8_t *p, size_t len, size_t *n, const uint8_t **der, size_t *derlen, gmtls_rd *enc)
{
    gmtls_rd r;
    gmtls_rd_init(&r, p, len);
    if (chain_read(&r, n, der, derlen) != 0 || gmtls_rd_vec(&r, 3, 0, 0xffffff, enc) != 0 || gmtls_rd_done(&r) != 0) {
        return -1;
    }
    return 0;
}

int gmtls_session_restore_peer(gmtls_conn *c)
{
    const gmtls_session *s = &c->offer;
    const uint8_t *der[GMTLS_MAX_CHAIN];
    size_t derlen[GMTLS_MAX_CHAIN], n = 0;
    gmtls_rd enc;
    /* A session of an older serialized form knows no chain: the
     * connection reports none. */
    if (s->peer == NULL) {
        gmtls_peer_clear(c);
        return 0;
    }
    if (peer_unpack(s->peer, s->peer_len, &n, der, derlen, &enc) != 0) {
        return GMTLS_ERR_BAD_ARGUMENT; /* checked by gmtls_conn_set_session */
    }
    /* keep what the ServerHello brought (an SCT list) */
    uint8_t *scts = c->scts;
    size_t scts_len = c->scts_len;
    c->scts = NULL;
    int rc = gmtls_peer_restore(c, der, derlen, n);
    c->scts = scts;
    c->scts_len = scts_len;
    GMTLS_TRY(rc);
    if (gmtls_rd_left(&enc) > 0) {
        c->tlcp_enc_der = malloc(gmtls_rd_left(&enc));
        if (c->tlcp_enc_der == NULL) {
            return GMTLS_ERR_NO_MEMORY;
        }
        memcpy(c->tlcp_enc_der, enc.p, gmtls_rd_left(&enc));
        c->tlcp_enc_derlen = gmtls_rd_left(&enc);
    }
    c->peer_verified = s->peer_verified;
    snprintf(c->verify_result, sizeof c->verify_result, "%s", s->verify_result);
    return 0;
}

int gmtls_session_add(gmtls_conn *c, gmtls_session *sp)
{
    gmtls_session s = *sp;
    gmtls_wipe(sp, sizeof *sp);
    snprintf(s.alpn, sizeof s.alpn, "%s", c->alpn);
    snprintf(s.server_name, sizeof s.server_name, "%s", c->server_name);
    /* Go's crypto/tls keeps the peer certificates and verified chains in
     * the session state: a resumed connection reports them. */
    free(s.peer);
    s.peer = NULL;
    int prc = peer_pack(c, &s);
    if (prc != 0) {
        gmtls_session_clear(&s);
        return prc;
    }
    /* Keep the newest few tickets. */
    if (c->nsessions == 4) {
        gmtls_session_clear(&c->sessions[0]);
        memmove(&c->sessions[0], &c->sessions[1], 3 * sizeof(gmtls_session));
        c->nsessions--;
    }
    if (c->sessions == NULL) {
        c->sessions = calloc(4, sizeof(gmtls_session));
        if (c->sessions == NULL) {
            gmtls_session_clear(&s);
            return GMTLS_ERR_NO_MEMORY;
        }
    }
    c->sessions[c->nsessions++] = s;
    return 0;
}

/* Serialized session: "GMS4" | suite | psk<1> | ticket<2> | age_add |
 * lifetime | received_ms(8) | alpn<1> | server_name<1> | max_early(4) |
 * session_id<1> | peer<0..2^24-1> (the packed server chain, peer_pack) |
 * verified(1) | verify_result<0..199> ("GMS3": without the last three, a
 * resumption reports no peer; "GMS2": without session_id either; "GMS1":
 * without max_early either, read as 0). A TLS 1.2 / TLCP session resumed by
 * session ID has an empty ticket and its ID; its age_add, which only TLS 1.3
 * uses, keeps the ECDHE group of its full handshake (0 from older gmtls). */
int gmtls_conn_get_session(const gmtls_conn *c, gmtls_buf *out)
{
    if (c->nsessions == 0) {
        return GMTLS_ERR_NOT_READY;
    }
    const gmtls_session *s = &c->sessions[c->nsessions - 1];
    gmtls_wr w;
    gmtls_wr_init(&w, out);
    gmtls_wr_bytes(&w, "GMS4", 4);
    gmtls_wr_u16(&w, s->suite);
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, s->psk, s->psk_len);
    gmtls_wr_close(&w);
    gmtls_wr_open(&w, 2);
    gmtls_wr_bytes(&w, s->ticket, s->ticket_len);
    gmtls_wr_close(&w);
    gmtls_wr_u32(&w, s->age_add);
    gmtls_wr_u32(&w, s->lifetime);
    gmtls_wr_uint(&w, s->received_ms, 8);
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, s->alpn, strlen(s->alpn));
    gmtls_wr_close(&w);
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, s->server_name, strlen(s->server_name));
    gmtls_wr_close(&w);
    gmtls_wr_u32(&w, s->max_early);
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, s->session_id, s->session_id_len);
    gmtls_wr_close(&w);
    gmtls_wr_open(&w, 3);
    gmtls_wr_bytes(&w, s->peer, s->peer_len);
    gmtls_wr_close(&w);
    verdict_write(&w, s->peer_verified, s->verify_result);
    return gmtls_wr_finish(&w);
}

int32_t gmtls_conn_ticket_age_skew(const gmtls_conn *c)
{
    return c != NULL && c->is_server && c->resumed ? c->ticket_age_skew : 0;
}

uint32_t gmtls_conn_session_max_early_data(const gmtls_conn *c)
{
    /* RFC 8446 §4.6.1: max_early_data_size of the ticket's early_data
     * extension; 0 when the ticket has none (no 0-RTT with it). */
    if (c == NULL || c->is_server || c->nsessions == 0) {
        return 0;
    }
    return c->sessions[c->nsessions - 1].max_early;
}

int gmtls_conn_set_session(gmtls_conn *c, const uint8_t *data, size_t len)
{
    gmtls_rd r, v;
    gmtls_session s;
    memset(&s, 0, sizeof s);
    if (c->is_server || c->state != ST_START) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    gmtls_rd_init(&r, data, len);
    const uint8_t *magic = gmtls_rd_bytes(&r, 4);
    int v4 = magic != NULL && memcmp(magic, "GMS4", 4) == 0;
    int v3 = v4 || (magic != NULL && memcmp(magic, "GMS3", 4) == 0);
    int v2 = v3 || (magic != NULL && memcmp(magic, "GMS2", 4) == 0);
    if (magic == NULL || (!v2 && memcmp(magic, "GMS1", 4) != 0)) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    s.suite = gmtls_rd_u16(&r);
    if (gmtls_rd_vec(&r, 1, 32, GMTLS_MAX_HASH_LEN, &v) != 0) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    s.psk_len = gmtls_rd_left(&v);
    memcpy(s.psk, v.p, s.psk_len);
    /* An empty ticket only beside a session ID (GMS3, checked below). */
    if (gmtls_rd_vec(&r, 2, v3 ? 0 : 1, 0xffff, &v) != 0) {
        gmtls_wipe(&s, sizeof s);
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    s.ticket_len = gmtls_rd_left(&v);
    if (s.ticket_len > 0) {
        s.ticket = malloc(s.ticket_len);
        if (s.ticket == NULL) {
            gmtls_wipe(&s, sizeof s);
            return GMTLS_ERR_NO_MEMORY;
        }
        memcpy(s.ticket, v.p, s.ticket_len);
    }
    s.age_add = gmtls_rd_u32(&r);
    s.lifetime = gmtls_rd_u32(&r);
    s.received_ms = gmtls_rd_uint(&r, 8);
    gmtls_rd a = {0}, n = {0};
    int vecs = gmtls_rd_vec(&r, 1, 0, 255, &a) == 0 && gmtls_rd_vec(&r, 1, 0, 255, &n) == 0;
    s.max_early = v2 ? gmtls_rd_u32(&r) : 0;
    gmtls_rd sid;
    gmtls_rd_init(&sid, NULL, 0);
    if (v3) {
        vecs = vecs && gmtls_rd_vec(&r, 1, 0, GMTLS_SESSION_ID_LEN, &sid) == 0;
    }
    s.session_id_len = gmtls_rd_left(&sid);
    if (s.session_id_len > 0) {
        memcpy(s.session_id, sid.p, s.session_id_len);
    }
    /* GMS4: the server's chain, well formed with a leaf that parses and has
     * a usable key (as a full handshake needed), and the verify outcome. */
    gmtls_rd peer = {0};
    if (v4 && vecs) {
        const uint8_t *der[GMTLS_MAX_CHAIN], *vr = NULL;
        size_t derlen[GMTLS_MAX_CHAIN], ncerts = 0, vrlen = 0;
        gmtls_rd enc;
        vecs = gmtls_rd_vec(&r, 3, 1, 0xffffff, &peer) == 0 &&
               peer_unpack(peer.p, gmtls_rd_left(&peer), &ncerts, der, derlen, &enc) == 0 &&
               verdict_read(&r, &s.peer_verified, &vr, &vrlen) == 0;
        if (vecs && ncerts > 0) {
            /* what gmtls_peer_restore needs of the leaf at resumption */
            gmtls_x509 *leaf = gmtls_x509_parse(der[0], derlen[0]);
            gmtls_pkey key = {0};
            vecs = leaf != NULL && gmtls_x509_pubkey(leaf, &key) == 0;
            if (key.evp != NULL) {
                gmtls_pkey_dispose(&key);
            }
            gmtls_x509_free(leaf);
        }
        if (vecs) {
            snprintf(s.verify_result, sizeof s.verify_result, "%.*s", (int)vrlen, (const char *)vr);
        }
    }
    int is12 = (gmtls_suite12_by_id(s.suite) != NULL || gmtls_tlcp_suite_by_id(s.suite) != NULL) &&
               s.psk_len == GMTLS_MASTER12_LEN;
    /* A session ID resumes TLS 1.2 and TLCP sessions only (RFC 5246
     * §7.4.1.2), a TLCP session by it alone (GB/T 38636-2020 has no tickets). */
    if (!vecs || gmtls_rd_done(&r) != 0 ||
        !((gmtls_suite_by_id(s.suite) != NULL && gmtls_suite_by_id(s.suite)->hash->digest_len == s.psk_len) || is12) ||
        (s.ticket == NULL && !(is12 && s.session_id_len > 0)) ||
        (gmtls_tlcp_suite_by_id(s.suite) != NULL && s.ticket != NULL)) {
        gmtls_session_clear(&s);
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    memcpy(s.alpn, a.p, gmtls_rd_left(&a));
    memcpy(s.server_name, n.p, gmtls_rd_left(&n));
    /* re-verification needs a chain: an older session's, or one made
     * without a certificate, is refused */
    if (c->cfg->reverify_on_resume && (!v4 || gmtls_rd_left(&peer) < 1 || peer.p[0] == 0)) {
        gmtls_session_clear(&s);
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (v4) {
        s.peer = malloc(gmtls_rd_left(&peer));
        if (s.peer == NULL) {
            gmtls_session_clear(&s);
            return GMTLS_ERR_NO_MEMORY;
        }
        memcpy(s.peer, peer.p, gmtls_rd_left(&peer));
        s.peer_len = gmtls_rd_left(&peer);
    }
    gmtls_session_clear(&c->offer);
    c->offer = s;
    return 0;
}

void gmtls_psk_choose_external(gmtls_conn *c)
{
    const gmtls_config *cfg = c->cfg;
    c->noffered_ext = 0;
    for (size_t i = 0; i < cfg->npsks; i++) {
        const gmtls_hash_alg *h = cfg->psks[i].hash;
        int usable = 0;
        if (c->did_hrr) {
            /* RFC 8446 §4.1.2: the second ClientHello may remove "PSKs which
             * are incompatible with the server's indicated cipher suite". */
            usable = c->suite != NULL && c->suite->hash == h;
        } else {
            for (size_t k = 0; k < cfg->nsuites && !usable; k++) {
                const gmtls_suite *s = gmtls_suite_by_id(cfg->suites[k]);
                usable = s != NULL && s->hash == h;
            }
        }
        if (usable) {
            c->offered_ext[c->noffered_ext++] = (uint8_t)i;
        }
    }
}

const gmtls_ext_psk *gmtls_psk_offered_external(const gmtls_conn *c, size_t i)
{
    if (c->offered_psk) {
        if (i == 0) {
            return NULL;
        }
        i--;
    }
    return &c->cfg->psks[c->offered_ext[i]];
}

const gmtls_hash_alg *gmtls_psk_offered_hash(const gmtls_conn *c, size_t i)
{
    const gmtls_ext_psk *e = gmtls_psk_offered_external(c, i);
    return e != NULL ? e->hash : gmtls_suite_by_id(c->offer.suite)->hash;
}

int gmtls_psk_fill_binder(gmtls_conn *c, uint8_t *msg, size_t msglen)
{
    size_t n = (size_t)c->offered_psk + c->noffered_ext, binders = 2;
    for (size_t i = 0; i < n; i++) {
        binders += 1 + gmtls_psk_offered_hash(c, i)->digest_len;
    }
    if (msglen < 4 + binders) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    size_t at = msglen - binders + 2;
    int rc = 0;
    gmtls_keysched ks;
    memset(&ks, 0, sizeof ks);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const gmtls_hash_alg *h = gmtls_psk_offered_hash(c, i);
        uint8_t th[GMTLS_MAX_HASH_LEN];
        gmtls_hash_ctx t;
        const gmtls_ext_psk *e = gmtls_psk_offered_external(c, i);
        if (e == NULL) {
            rc = gmtls_ks_early(&ks, h, c->offer.psk, c->offer.psk_len);
        } else {
            rc = gmtls_ks_early_ext(&ks, h, e->key, e->key_len);
        }
        /* After a HelloRetryRequest the transcript so far (message_hash and
         * the HRR) comes first; every PSK left has the suite's hash then. */
        if (rc == 0 && c->did_hrr) {
            rc = c->transcript.alg->copy(&t, &c->transcript);
        } else if (rc == 0) {
            t.alg = h;
            rc = h->init(&t);
        }
        if (rc == 0) {
            t.alg->update(&t, msg, msglen - binders);
            rc = t.alg->final(&t, th);
        }
        if (rc == 0) {
            rc = gmtls_finished_mac(h, ks.binder_key, th, msg + at + 1);
        }
        at += 1 + h->digest_len;
    }
    gmtls_ks_wipe(&ks);
    return rc;
}

/* ------------------------------------------------------------ HelloRetryRequest cookie */

/* RFC 8446 §4.2.2: the cookie lets a server "offload state to the client,
 * thus allowing it to send a HelloRetryRequest without storing any state".
 * Ours carries what a stateless server needs to continue - the hash of
 * ClientHello1 (the transcript's message_hash), the suite and group of the
 * HelloRetryRequest - with a time stamp, authenticated with HMAC-SHA256
 * under a key derived from a ticket key, so cookie keys rotate with them:
 *   version(1) | ticket key name(16) | seconds(8) | suite(2) | group(2) |
 *   Hash(ClientHello1)<1..255> | HMAC-SHA256(K, all before)(32)
 *   K = HMAC-SHA256(ticket key secret, "gmtls hrr cookie") */
#define COOKIE_VERSION 1
#define COOKIE_LIFETIME 60 /* seconds from HelloRetryRequest to the second ClientHello */
#define COOKIE_MAC_LEN 32

static int cookie_key(const gmtls_ticket_key *k, uint8_t key[COOKIE_MAC_LEN])
{
    static const char label[] = "gmtls hrr cookie";
    return gmtls_hmac(&gmtls_hash_sha256, k->secret, sizeof k->secret, (const uint8_t *)label, sizeof label - 1, NULL,
                      0, NULL, 0, key);
}

int gmtls_cookie_make(gmtls_conn *c, const uint8_t *ch1_hash, size_t hl, uint8_t *out, size_t *outlen)
{
    const gmtls_ticket_key *k = &c->cfg->ticket_keys[0];
    uint8_t key[COOKIE_MAC_LEN];
    uint64_t now = gmtls_now_ms(c) / 1000;
    size_t n = 0;
    out[n++] = COOKIE_VERSION;
    memcpy(out + n, k->name, 16);
    n += 16;
    for (int i = 7; i >= 0; i--) {
        out[n++] = (uint8_t)(now >> (8 * i));
    }
    out[n++] = (uint8_t)(c->suite->id >> 8);
    out[n++] = (uint8_t)c->suite->id;
    out[n++] = (uint8_t)(c->group >> 8);
    out[n++] = (uint8_t)c->group;
    out[n++] = (uint8_t)hl;
    memcpy(out + n, ch1_hash, hl);
    n += hl;
    int rc = cookie_key(k, key);
    if (rc == 0) {
        rc = gmtls_hmac(&gmtls_hash_sha256, key, sizeof key, out, n, NULL, 0, NULL, 0, out + n);
    }
    gmtls_wipe(key, sizeof key);
    *outlen = n + COOKIE_MAC_LEN;
    return rc;
}

int gmtls_cookie_check(gmtls_conn *c, const uint8_t *cookie, size_t len, const uint8_t *ch1_hash, size_t hl)
{
    gmtls_rd r, h;
    gmtls_rd_init(&r, cookie, len);
    uint8_t version = gmtls_rd_u8(&r);
    const uint8_t *name = gmtls_rd_bytes(&r, 16);
    uint64_t t = gmtls_rd_uint(&r, 8);
    uint16_t suite = gmtls_rd_u16(&r), group = gmtls_rd_u16(&r);
    (void)gmtls_rd_vec(&r, 1, 1, 255, &h);
    size_t maclen = r.err ? 0 : (size_t)(r.p - cookie);
    const uint8_t *mac = gmtls_rd_bytes(&r, COOKIE_MAC_LEN);
    if (gmtls_rd_done(&r) != 0 || version != COOKIE_VERSION) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "malformed cookie");
    }
    int ok = 0;
    for (size_t i = 0; i < c->cfg->nticket_keys && !ok; i++) {
        const gmtls_ticket_key *k = &c->cfg->ticket_keys[i];
        uint8_t key[COOKIE_MAC_LEN], want[COOKIE_MAC_LEN];
        if (!gmtls_ct_memeq(k->name, name, 16)) {
            continue;
        }
        int rc = cookie_key(k, key);
        if (rc == 0) {
            rc = gmtls_hmac(&gmtls_hash_sha256, key, sizeof key, cookie, maclen, NULL, 0, NULL, 0, want);
        }
        gmtls_wipe(key, sizeof key);
        GMTLS_TRY(rc);
        ok = gmtls_ct_memeq(want, mac, COOKIE_MAC_LEN);
    }
    /* RFC 8446 §4.1.2: the second ClientHello repeats the first but for the
     * listed changes, and §4.2.2 makes the client copy the cookie unchanged:
     * one that does not authenticate, has expired, or belongs to another
     * HelloRetryRequest is an illegal change -> illegal_parameter (as every
     * other one; OpenSSL, in its stateless mode, answers a bad MAC with
     * decrypt_error and ignores a stale cookie). */
    if (!ok) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "cookie does not authenticate");
    }
    uint64_t now = gmtls_now_ms(c) / 1000;
    if (t > now + 1 || now - t > COOKIE_LIFETIME) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "cookie expired (%llu s old)",
                          (unsigned long long)(now - t));
    }
    if (c->suite == NULL || suite != c->suite->id || group != c->group || gmtls_rd_left(&h) != hl ||
        !gmtls_ct_memeq(h.p, ch1_hash, hl)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "cookie of another HelloRetryRequest");
    }
    return 0;
}

/* ------------------------------------------------------------ TLS 1.2 (RFC 5077) */

/* The TLS 1.2 session state has the TLS 1.3 layout under its own version
 * byte, so neither protocol ever takes the other's ticket: the "psk" field
 * holds the 48-byte master secret (always an extended one, RFC 7627).
 * (0x12 before the verify outcome was kept: declined, a full handshake.) */
#define STATE_VERSION_TLS12 0x22

/* TLCP sessions (GB/T 38636-2020, resumed by session ID only) under a
 * version byte of their own, so a TLS 1.2 handshake never takes one (0x11
 * before the verify outcome). */
#define STATE_VERSION_TLCP 0x21

/* The TLS 1.2 / TLCP session state of this connection (ticket layout). */
static int state12_write(gmtls_conn *c, uint32_t lifetime, gmtls_buf *st)
{
    gmtls_wr w;
    gmtls_wr_init(&w, st);
    gmtls_wr_u8(&w, c->version == GMTLS_TLCP ? STATE_VERSION_TLCP : STATE_VERSION_TLS12);
    gmtls_wr_u16(&w, c->suite->id);
    gmtls_wr_uint(&w, gmtls_now_ms(c) / 1000, 8);
    gmtls_wr_u32(&w, lifetime);
    gmtls_wr_u32(&w, c->group); /* age_add's place: the ECDHE group (0 in older states) */
    gmtls_wr_u32(&w, 0);        /* max_early_data: no 0-RTT in TLS 1.2 */
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, c->ks.master, GMTLS_MASTER12_LEN);
    gmtls_wr_close(&w);
    gmtls_wr_open(&w, 1);
    gmtls_wr_close(&w);
    chain_write(&w, c);
    verdict_write(&w, c->peer_verified, c->verify_result);
    return gmtls_wr_finish(&w);
}

/* Restores a TLS 1.2 / TLCP state of the given version byte: 0 and
 * c->ks.master, *suite and the peer chain set; -1 when it is another
 * version's, expired or does not fit the client-auth mode. */
static int state12_restore(gmtls_conn *c, const uint8_t *st, size_t stlen, uint8_t version, uint16_t *suite)
{
    ticket_state s;
    uint64_t now = gmtls_now_ms(c) / 1000;
    int usable = parse_state(st, stlen, version, &s) == 0;
    /* Expired sessions, and sessions whose client-certificate presence does
     * not fit the client-auth mode, give a full handshake (RFC 5077 §3.4,
     * RFC 5246 §7.4.1.2). */
    usable = usable && state_fits(c->cfg, &s, now) && s.psk_len == GMTLS_MASTER12_LEN && s.age_add <= 0xffff &&
             (version == STATE_VERSION_TLCP ? gmtls_tlcp_suite_by_id(s.suite) : gmtls_suite12_by_id(s.suite)) != NULL;
    if (!usable) {
        return -1;
    }
    memcpy(c->ks.master, s.psk, GMTLS_MASTER12_LEN);
    *suite = s.suite;
    /* no key exchange: the session's group, as the full handshake had it */
    c->group = (uint16_t)s.age_add;
    return restore_peer_chain(c, &s);
}

int gmtls_ticket12_make(gmtls_conn *c, gmtls_buf *ticket)
{
    gmtls_buf st;
    gmtls_buf_init(&st);
    int rc = state12_write(c, c->cfg->ticket_lifetime, &st);
    if (rc == 0) {
        rc = seal_state(c->cfg, st.base, st.off, ticket);
    }
    gmtls_wipe(st.base, st.off);
    gmtls_buf_dispose(&st);
    return rc;
}

int gmtls_ticket12_open(gmtls_conn *c, const uint8_t *t, size_t len, uint16_t *suite)
{
    const gmtls_config *cfg = c->cfg;
    uint8_t *copy, *st;
    size_t stlen;
    if (len == 0 || cfg->tickets == 0) {
        return -1;
    }
    copy = malloc(len);
    if (copy == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    memcpy(copy, t, len);
    int rc =
        open_ticket(cfg, copy, len, &st, &stlen) == 0 ? state12_restore(c, st, stlen, STATE_VERSION_TLS12, suite) : -1;
    gmtls_wipe(copy, len);
    free(copy);
    return rc;
}

/* ------------------------------------------------------------ session IDs */

int gmtls_session12_save(gmtls_conn *c)
{
    struct gmtls_sesscache *sc = c->cfg->sesscache;
    gmtls_buf st;
    gmtls_buf_init(&st);
    int rc = state12_write(c, gmtls_sesscache_lifetime(sc), &st);
    if (rc == 0) {
        rc = gmtls_sesscache_put(sc, c->session_id, gmtls_now_ms(c) / 1000, st.base, st.off, c->server_name);
    }
    gmtls_wipe(st.base, st.off);
    gmtls_buf_dispose(&st);
    return rc;
}

int gmtls_session12_find(gmtls_conn *c, const gmtls_client_hello *ch, uint16_t *suite)
{
    char name[256];
    gmtls_buf st;
    if (!gmtls_sesscache_on(c->cfg->sesscache) || ch->session_id_len != GMTLS_SESSION_ID_LEN) {
        return -1;
    }
    gmtls_buf_init(&st);
    int rc = gmtls_sesscache_get(c->cfg->sesscache, ch->session_id, ch->session_id_len, gmtls_now_ms(c) / 1000, &st,
                                 name, sizeof name);
    /* RFC 6066 §3: "A server that implements this extension MUST NOT accept
     * the request to resume the session if the server_name extension
     * contains a different name. Instead, it proceeds with a full handshake". */
    if (rc == 0 && strcmp(name, ch->has_sni ? ch->sni : "") != 0) {
        rc = -1;
    }
    /* RFC 5246 §7.4.1.2: the session's version too (a TLCP session for a
     * TLCP ClientHello, a TLS 1.2 one for TLS 1.2): its own version byte. */
    if (rc == 0) {
        rc = state12_restore(c, st.base, st.off, c->version == GMTLS_TLCP ? STATE_VERSION_TLCP : STATE_VERSION_TLS12,
                             suite);
    }
    gmtls_wipe(st.base, st.off);
    gmtls_buf_dispose(&st);
    gmtls_wipe(name, sizeof name);
    return rc;
}
