/* Negative handshake tests: a real gmtls server (and client) driven in
 * memory with crafted or mutated input. Every case asserts the precise alert
 * the engine returns, the plaintext alert record it appends while the record
 * layer is unprotected (15 03 03 00 02 02 <alert>) or the protected alert
 * decrypted with the key-log secrets, and that the failure is sticky. Ends
 * with a fixed-seed random-mutation loop over real flights.
 *
 * The RFC 8446 rule each group checks is quoted above it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <brotli/encode.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>
#include <zstd.h>

#include "handshake/internal.h"
#include "record/record.h"
#include "test.h"
#include "tlstest.h"

/* "The handshake goes on": the server answered with its flight. */
#define PROCEEDS (-1)

/* ================================================================ bytes */

typedef struct {
    uint8_t *b;
    size_t n, cap;
} bb;

static void bb_reserve(bb *x, size_t n)
{
    if (x->n + n > x->cap) {
        size_t cap = (x->n + n) * 2 + 64;
        uint8_t *nb = realloc(x->b, cap);
        if (nb == NULL) {
            abort();
        }
        x->b = nb;
        x->cap = cap;
    }
}

static void bb_put(bb *x, const void *p, size_t n)
{
    bb_reserve(x, n);
    if (n > 0) {
        memcpy(x->b + x->n, p, n);
    }
    x->n += n;
}

static void bb_u8(bb *x, unsigned v)
{
    uint8_t b = (uint8_t)v;
    bb_put(x, &b, 1);
}

static void bb_u16(bb *x, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    bb_put(x, b, 2);
}

static void bb_u24(bb *x, size_t v)
{
    uint8_t b[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    bb_put(x, b, 3);
}

static void bb_set(bb *x, const void *p, size_t n)
{
    x->n = 0;
    bb_put(x, p, n);
}

static void bb_insert(bb *x, size_t off, const void *p, size_t n)
{
    bb_reserve(x, n);
    memmove(x->b + off + n, x->b + off, x->n - off);
    memcpy(x->b + off, p, n);
    x->n += n;
}

static void bb_erase(bb *x, size_t off, size_t n)
{
    memmove(x->b + off, x->b + off + n, x->n - off - n);
    x->n -= n;
}

static void bb_free(bb *x)
{
    free(x->b);
    memset(x, 0, sizeof(*x));
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static size_t get24(const uint8_t *p)
{
    return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

static void set16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void set24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

/* Plaintext records of `type` carrying p[0..n), split at 2^14. */
static void rec_plain(bb *out, uint8_t type, const uint8_t *p, size_t n)
{
    do {
        size_t k = n > GMTLS_MAX_PLAINTEXT ? GMTLS_MAX_PLAINTEXT : n;
        bb_u8(out, type);
        bb_u16(out, 0x0303);
        bb_u16(out, (unsigned)k);
        bb_put(out, p, k);
        if (k > 0) { /* p may be NULL for an empty record: no NULL + 0 */
            p += k;
            n -= k;
        }
    } while (n > 0);
}

/* ================================================================ key log */

typedef struct {
    uint8_t c_hs[GMTLS_MAX_HASH_LEN], s_hs[GMTLS_MAX_HASH_LEN];
    uint8_t c_ap[GMTLS_MAX_HASH_LEN], s_ap[GMTLS_MAX_HASH_LEN];
} keylog_t;

static void keylog_cb(void *ctx, const gmtls_conn *conn, const char *line)
{
    keylog_t *k = ctx;
    uint8_t *dst = NULL;
    const char *secret = strrchr(line, ' ');
    (void)conn;
    if (strncmp(line, "CLIENT_HANDSHAKE_TRAFFIC_SECRET ", 32) == 0) {
        dst = k->c_hs;
    } else if (strncmp(line, "SERVER_HANDSHAKE_TRAFFIC_SECRET ", 32) == 0) {
        dst = k->s_hs;
    } else if (strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0) {
        dst = k->c_ap;
    } else if (strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24) == 0) {
        dst = k->s_ap;
    }
    if (dst != NULL && secret != NULL && test_unhex(secret + 1, dst, GMTLS_MAX_HASH_LEN) < 32) {
        abort();
    }
}

/* ================================================================ record protection from the test side */

static void rec_keys(gmtls_rec *r, const gmtls_suite *s, int is_enc, const uint8_t *secret, uint64_t seq)
{
    memset(r, 0, sizeof(*r));
    if (gmtls_rec_set_secret(r, s, is_enc, secret) != 0) {
        abort();
    }
    r->seq = seq;
}

/* One protected record whose TLSInnerPlaintext is exactly inner[0..n)
 * (content || type || zeros), sealed under secret at sequence seq with the
 * outer type `outer` (23 in every legitimate record). */
static void seal_inner(bb *out, const gmtls_suite *s, const uint8_t *secret, uint64_t seq, uint8_t outer,
                       const uint8_t *inner, size_t n)
{
    gmtls_rec r;
    uint8_t hdr[5] = {outer, 3, 3, (uint8_t)((n + GMTLS_TAG_LEN) >> 8), (uint8_t)(n + GMTLS_TAG_LEN)};
    uint8_t nonce[GMTLS_IV_LEN];
    uint8_t *buf = malloc(n + GMTLS_TAG_LEN);
    if (buf == NULL) {
        abort();
    }
    rec_keys(&r, s, 1, secret, seq);
    /* RFC 8446 §5.3: nonce = write_iv XOR (64-bit sequence number, left-padded). */
    memcpy(nonce, r.iv, GMTLS_IV_LEN);
    for (int i = 0; i < 8; i++) {
        nonce[GMTLS_IV_LEN - 1 - i] ^= (uint8_t)(seq >> (8 * i));
    }
    memcpy(buf, inner, n);
    if (r.aead.alg->seal(&r.aead, nonce, hdr, sizeof hdr, buf, n, buf + n) != 0) {
        abort();
    }
    bb_put(out, hdr, sizeof hdr);
    bb_put(out, buf, n + GMTLS_TAG_LEN);
    free(buf);
    gmtls_rec_dispose(&r);
}

/* Protected records of `type` carrying p[0..n) (split at 2^14), from seq on. */
static void seal_typed(bb *out, const gmtls_suite *s, const uint8_t *secret, uint64_t seq, uint8_t type,
                       const uint8_t *p, size_t n)
{
    bb inner = {0};
    do {
        size_t k = n > GMTLS_MAX_PLAINTEXT ? GMTLS_MAX_PLAINTEXT : n;
        bb_set(&inner, p, k);
        bb_u8(&inner, type);
        seal_inner(out, s, secret, seq++, GMTLS_CT_APPLICATION_DATA, inner.b, inner.n);
        if (k > 0) { /* p may be NULL for an empty record: no NULL + 0 */
            p += k;
            n -= k;
        }
    } while (n > 0);
    bb_free(&inner);
}

/* Walks the records in buf[0..n): plaintext ones as they are; protected
 * ones decrypted in order under `secret` (when given) from sequence 0.
 * Handshake content goes to hs (if not NULL); returns the description of
 * the last alert seen, -1 if none, -2 if a record did not decrypt. */
static int walk_records(const uint8_t *buf, size_t n, const gmtls_suite *s, const uint8_t *secret, bb *hs)
{
    gmtls_rec r;
    int alert = -1, have_keys = s != NULL && secret != NULL;
    if (have_keys) {
        rec_keys(&r, s, 0, secret, 0);
    }
    size_t pos = 0;
    while (n - pos >= GMTLS_REC_HDR) {
        size_t len = get16(buf + pos + 3);
        if (n - pos < GMTLS_REC_HDR + len) {
            break;
        }
        uint8_t *copy = malloc(GMTLS_REC_HDR + len + 1);
        if (copy == NULL) {
            abort();
        }
        uint8_t type = buf[pos], *payload = copy + GMTLS_REC_HDR;
        size_t plen = len;
        memcpy(copy, buf + pos, GMTLS_REC_HDR + len);
        if (type == GMTLS_CT_APPLICATION_DATA) {
            if (!have_keys || gmtls_rec_open(&r, copy, GMTLS_REC_HDR + len, &type, &payload, &plen) != 0) {
                free(copy);
                alert = -2;
                break;
            }
        }
        if (type == GMTLS_CT_ALERT && plen == 2) {
            alert = payload[1];
        } else if (type == GMTLS_CT_HANDSHAKE && hs != NULL) {
            bb_put(hs, payload, plen);
        }
        free(copy);
        pos += GMTLS_REC_HDR + len;
    }
    if (have_keys) {
        gmtls_rec_dispose(&r);
    }
    return alert;
}

/* ================================================================ reporting */

static const char *err_name(int e)
{
    static char buf[64];
    if (e == PROCEEDS) {
        return "handshake proceeds";
    }
    if (GMTLS_IS_ALERT(e)) {
        snprintf(buf, sizeof buf, "alert %s(%d)", gmtls_alert_name(e), e);
        return buf;
    }
    return gmtls_strerror(e);
}

static void verdict(int ok, const char *name, const char *what, int got, int want, const gmtls_conn *c)
{
    if (ok) {
        test_passed_++;
        return;
    }
    test_failed_++;
    fprintf(stderr, "FAIL %s: %s: got %s", name, what, err_name(got));
    fprintf(stderr, ", expected %s", err_name(want));
    fprintf(stderr, " [detail: %s]\n", c != NULL ? gmtls_conn_error_detail(c) : "-");
}

/* rc must be `want`; when an alert, the failure must stick: a second call
 * returns it again and writes nothing more. */
static void expect_rc(const char *name, gmtls_conn *c, gmtls_buf *out, int rc, int want)
{
    verdict(rc == want, name, "result", rc, want, c);
    if (GMTLS_IS_ALERT(want) && rc == want) {
        static const uint8_t more[6] = {0x16, 3, 3, 0, 1, 1};
        size_t before = out->off, n = sizeof more;
        int again = gmtls_handshake(c, out, more, &n);
        verdict(again == want && out->off == before, name, "second call (sticky)", again, want, c);
        n = sizeof more;
        gmtls_buf app;
        gmtls_buf_init(&app);
        again = gmtls_receive(c, out, &app, more, &n);
        verdict(again == want && out->off == before && app.off == 0, name, "receive after failure", again, want, c);
        gmtls_buf_dispose(&app);
    }
}

/* The alert must be the last record in out, in plaintext. */
static void expect_plain_alert_record(const char *name, const gmtls_conn *c, const gmtls_buf *out, int want)
{
    const uint8_t rec[7] = {GMTLS_CT_ALERT, 3, 3, 0, 2, 2, (uint8_t)want};
    int ok = out->off >= 7 && memcmp(out->base + out->off - 7, rec, 7) == 0;
    verdict(ok, name, "plaintext alert record 15 03 03 00 02 02 xx at the end of the output",
            out->off >= 1 ? out->base[out->off - 1] : -1, want, c);
}

/* The alert must be the last record of out[from..), protected under secret. */
static void expect_sealed_alert_record(const char *name, const gmtls_conn *c, const gmtls_buf *out, size_t from,
                                       const gmtls_suite *s, const uint8_t *secret, int want)
{
    int got = walk_records(out->base + from, out->off - from, s, secret, NULL);
    verdict(got == want, name, "protected alert record (decrypted)", got, want, c);
}

/* ================================================================ ClientHello builder */

typedef struct {
    uint16_t type;
    bb data;
} ch_ext;

typedef struct {
    uint16_t legacy_version;
    uint8_t random[32];
    uint8_t sid[40];
    size_t sid_len;
    bb suites; /* cipher_suites body */
    bb comp;   /* legacy_compression_methods body */
    ch_ext ext[40];
    size_t next;
    int no_exts; /* omit the extensions block */
    bb trailing; /* bytes after the extensions block */
} chspec;

static bb *ext_add(chspec *s, uint16_t type)
{
    ch_ext *e = &s->ext[s->next++];
    e->type = type;
    e->data.n = 0;
    return &e->data;
}

static bb *ext_set(chspec *s, uint16_t type)
{
    for (size_t i = 0; i < s->next; i++) {
        if (s->ext[i].type == type) {
            s->ext[i].data.n = 0;
            return &s->ext[i].data;
        }
    }
    return ext_add(s, type);
}

static void ext_del(chspec *s, uint16_t type)
{
    for (size_t i = 0; i < s->next; i++) {
        if (s->ext[i].type == type) {
            bb_free(&s->ext[i].data);
            memmove(&s->ext[i], &s->ext[i + 1], (s->next - i - 1) * sizeof s->ext[0]);
            s->next--;
            memset(&s->ext[s->next], 0, sizeof s->ext[0]);
            return;
        }
    }
}

static void chspec_free(chspec *s)
{
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(s->ext); i++) {
        bb_free(&s->ext[i].data);
    }
    bb_free(&s->suites);
    bb_free(&s->comp);
    bb_free(&s->trailing);
    memset(s, 0, sizeof(*s));
}

static void chspec_copy(chspec *dst, const chspec *src)
{
    memcpy(dst, src, sizeof(*dst));
    memset(&dst->suites, 0, sizeof dst->suites);
    memset(&dst->comp, 0, sizeof dst->comp);
    memset(&dst->trailing, 0, sizeof dst->trailing);
    bb_put(&dst->suites, src->suites.b, src->suites.n);
    bb_put(&dst->comp, src->comp.b, src->comp.n);
    bb_put(&dst->trailing, src->trailing.b, src->trailing.n);
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(dst->ext); i++) {
        memset(&dst->ext[i].data, 0, sizeof dst->ext[i].data);
        bb_put(&dst->ext[i].data, src->ext[i].data.b, src->ext[i].data.n);
    }
}

/* A fresh, valid public key for group. */
static void make_share(uint16_t group, bb *out)
{
    const gmtls_kex_alg *k = gmtls_kex_by_id(group);
    void *st = NULL;
    uint8_t pub[GMTLS_MAX_KEX_PUB];
    size_t n = 0;
    if (k == NULL || k->keygen(&st, pub, &n) != 0) {
        abort();
    }
    k->free(st);
    bb_put(out, pub, n);
}

/* key_share with the given entries (groups[i], keys[i]). */
static void set_key_share(chspec *s, size_t n, const uint16_t *groups, const bb *keys)
{
    bb list = {0};
    for (size_t i = 0; i < n; i++) {
        bb_u16(&list, groups[i]);
        bb_u16(&list, (unsigned)keys[i].n);
        bb_put(&list, keys[i].b, keys[i].n);
    }
    bb *d = ext_set(s, GMTLS_EXT_KEY_SHARE);
    bb_u16(d, (unsigned)list.n);
    bb_put(d, list.b, list.n);
    bb_free(&list);
}

static void set_one_share(chspec *s, uint16_t group, const uint8_t *key, size_t len)
{
    bb k = {0};
    bb_put(&k, key, len);
    set_key_share(s, 1, &group, &k);
    bb_free(&k);
}

static void set_u16_list(chspec *s, uint16_t type, const uint16_t *v, size_t n)
{
    bb *d = ext_set(s, type);
    bb_u16(d, (unsigned)(2 * n));
    for (size_t i = 0; i < n; i++) {
        bb_u16(d, v[i]);
    }
}

static void set_versions(chspec *s, const uint16_t *v, size_t n)
{
    bb *d = ext_set(s, GMTLS_EXT_SUPPORTED_VERSIONS);
    bb_u8(d, (unsigned)(2 * n));
    for (size_t i = 0; i < n; i++) {
        bb_u16(d, v[i]);
    }
}

static void set_suites(chspec *s, const uint16_t *v, size_t n)
{
    s->suites.n = 0;
    for (size_t i = 0; i < n; i++) {
        bb_u16(&s->suites, v[i]);
    }
}

/* A valid TLS 1.3 ClientHello offering a key share for `group` (0: an
 * empty key_share, which makes the server send a HelloRetryRequest). */
static void ch_default(chspec *s, uint16_t group)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0x00c6, 0x00c7};
    static const uint16_t versions[] = {0x0304};
    static const uint16_t groups[] = {0x001d, 0x0017, 0x0018, 0x0029};
    static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0807, 0x0708};
    memset(s, 0, sizeof(*s));
    s->legacy_version = 0x0303;
    for (int i = 0; i < 32; i++) {
        s->random[i] = (uint8_t)(i * 7 + 1);
        s->sid[i] = (uint8_t)(0xa0 + i);
    }
    s->sid_len = 32;
    set_suites(s, suites, GMTLS_ARRAY_LEN_T(suites));
    bb_u8(&s->comp, 0);
    bb *d = ext_add(s, GMTLS_EXT_SERVER_NAME);
    bb_u16(d, 12);
    bb_u8(d, 0);
    bb_u16(d, 9);
    bb_put(d, "localhost", 9);
    set_versions(s, versions, 1);
    set_u16_list(s, GMTLS_EXT_SUPPORTED_GROUPS, groups, GMTLS_ARRAY_LEN_T(groups));
    set_u16_list(s, GMTLS_EXT_SIGNATURE_ALGORITHMS, sigalgs, GMTLS_ARRAY_LEN_T(sigalgs));
    if (group != 0) {
        bb key = {0};
        make_share(group, &key);
        set_key_share(s, 1, &group, &key);
        bb_free(&key);
    } else {
        set_key_share(s, 0, NULL, NULL);
    }
}

/* The handshake message (header included). */
static void ch_encode(const chspec *s, bb *msg)
{
    bb body = {0}, exts = {0};
    bb_u16(&body, s->legacy_version);
    bb_put(&body, s->random, 32);
    bb_u8(&body, (unsigned)s->sid_len);
    bb_put(&body, s->sid, s->sid_len);
    bb_u16(&body, (unsigned)s->suites.n);
    bb_put(&body, s->suites.b, s->suites.n);
    bb_u8(&body, (unsigned)s->comp.n);
    bb_put(&body, s->comp.b, s->comp.n);
    for (size_t i = 0; i < s->next; i++) {
        bb_u16(&exts, s->ext[i].type);
        bb_u16(&exts, (unsigned)s->ext[i].data.n);
        bb_put(&exts, s->ext[i].data.b, s->ext[i].data.n);
    }
    if (!s->no_exts) {
        bb_u16(&body, (unsigned)exts.n);
        bb_put(&body, exts.b, exts.n);
    }
    bb_put(&body, s->trailing.b, s->trailing.n);
    msg->n = 0;
    bb_u8(msg, GMTLS_HS_CLIENT_HELLO);
    bb_u24(msg, body.n);
    bb_put(msg, body.b, body.n);
    bb_free(&body);
    bb_free(&exts);
}

/* Offset (in a ClientHello message) of the extensions length field. */
static size_t ch_exts_off(const uint8_t *m)
{
    size_t p = 4 + 2 + 32;
    p += 1 + m[p];
    p += 2 + get16(m + p);
    p += 1 + m[p];
    return p;
}

/* ================================================================ server driver */

static gmtls_config *g_scfg; /* P-256 server, tickets off (nothing is sent after its flight) */
static keylog_t g_skl;

static gmtls_conn *new_server(void)
{
    gmtls_conn *c = gmtls_conn_new(g_scfg, 1);
    if (c == NULL) {
        abort();
    }
    return c;
}

/* Did the server answer with a ServerHello (or HelloRetryRequest)? */
static int server_answered(const gmtls_buf *out)
{
    return out->off > 9 && out->base[0] == GMTLS_CT_HANDSHAKE && out->base[5] == GMTLS_HS_SERVER_HELLO;
}

/* Checks the outcome of feeding a fresh server: an alert (result, plaintext
 * alert record, stickiness), WANT_READ with nothing sent, or PROCEEDS. */
static void check_server_outcome(const char *name, gmtls_conn *c, gmtls_buf *out, int rc, int want)
{
    if (want == PROCEEDS) {
        int ok = rc == GMTLS_ERR_WANT_READ && server_answered(out);
        verdict(ok, name, "server answers with its flight", rc, PROCEEDS, c);
    } else if (want == GMTLS_ERR_WANT_READ) {
        verdict(rc == want && out->off == 0, name, "incomplete input: wait, send nothing", rc, want, c);
    } else {
        expect_rc(name, c, out, rc, want);
        if (GMTLS_IS_ALERT(want)) {
            expect_plain_alert_record(name, c, out, want);
        }
    }
}

static void server_bytes(const char *name, const uint8_t *in, size_t n, int want)
{
    gmtls_conn *c = new_server();
    gmtls_buf out;
    gmtls_buf_init(&out);
    size_t len = n;
    int rc = gmtls_handshake(c, &out, in, &len);
    check_server_outcome(name, c, &out, rc, want);
    gmtls_buf_dispose(&out);
    gmtls_conn_free(c);
}

static void server_msg(const char *name, const bb *msg, int want)
{
    bb rec = {0};
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg->b, msg->n);
    server_bytes(name, rec.b, rec.n, want);
    bb_free(&rec);
}

/* Encodes s, frees it, and runs the case. */
static void server_spec(const char *name, chspec *s, int want)
{
    bb msg = {0};
    ch_encode(s, &msg);
    server_msg(name, &msg, want);
    bb_free(&msg);
    chspec_free(s);
}

/* ================================================================ ClientHello framing */

static void test_ch_truncation(void)
{
    chspec s;
    bb msg = {0}, rec = {0}, m2 = {0};
    char name[96];
    ch_default(&s, GMTLS_GROUP_X25519);
    ch_encode(&s, &msg);
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);

    /* RFC 8446 §5.1: records are a framing layer; a record that has not fully
     * arrived is not an error: wait for the rest (nothing sent), then go on. */
    for (size_t l = 0; l < rec.n; l++) {
        gmtls_conn *c = new_server();
        gmtls_buf out;
        gmtls_buf_init(&out);
        size_t n = l;
        int rc = gmtls_handshake(c, &out, rec.b, &n);
        snprintf(name, sizeof name, "record truncated to %zu bytes", l);
        verdict(rc == GMTLS_ERR_WANT_READ && out.off == 0, name, "wait", rc, GMTLS_ERR_WANT_READ, c);
        n = rec.n - l;
        rc = gmtls_handshake(c, &out, rec.b + l, &n);
        snprintf(name, sizeof name, "record completed after %zu bytes", l);
        verdict(rc == GMTLS_ERR_WANT_READ && server_answered(&out), name, "proceeds", rc, PROCEEDS, c);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(c);
    }

    /* RFC 8446 §5.1: "Handshake messages MAY be fragmented across multiple
     * TLSPlaintext records": a message cut over two records is reassembled;
     * the first part alone means "wait". */
    for (size_t k = 1; k < msg.n; k++) {
        bb two = {0};
        rec_plain(&two, GMTLS_CT_HANDSHAKE, msg.b, k);
        size_t first = two.n;
        rec_plain(&two, GMTLS_CT_HANDSHAKE, msg.b + k, msg.n - k);
        snprintf(name, sizeof name, "message split at %zu: first record only", k);
        server_bytes(name, two.b, first, GMTLS_ERR_WANT_READ);
        if (k % 7 == 1 || k < 8 || k + 8 > msg.n) {
            snprintf(name, sizeof name, "message split at %zu over two records", k);
            server_bytes(name, two.b, two.n, PROCEEDS);
        }
        bb_free(&two);
    }

    /* A complete message whose body ends early: the inner vectors overrun it.
     * RFC 8446 §6.2 decode_error: "A message could not be decoded because
     * some field was out of the specified range or the length of the message
     * was incorrect." Cut right after legacy_compression_methods it is a
     * well-formed pre-1.3 ClientHello without supported_versions; RFC 8446
     * §4.2.1: "If the "supported_versions" extension in the ClientHello
     * contains no versions acceptable to the server, the server MUST abort
     * the handshake with a "protocol_version" alert" (§D.2: a 1.3-only server
     * refuses a ClientHello that negotiates via legacy_version). */
    size_t comp_end = ch_exts_off(msg.b) - 4;
    for (size_t k = 0; k + 4 < msg.n; k++) {
        m2.n = 0;
        bb_u8(&m2, GMTLS_HS_CLIENT_HELLO);
        bb_u24(&m2, k);
        bb_put(&m2, msg.b + 4, k);
        snprintf(name, sizeof name, "ClientHello body cut to %zu bytes", k);
        server_msg(name, &m2, k == comp_end ? GMTLS_ALERT_PROTOCOL_VERSION : GMTLS_ALERT_DECODE_ERROR);
    }
    bb_free(&msg);
    bb_free(&rec);
    bb_free(&m2);
    chspec_free(&s);
}

static void test_ch_lengths(void)
{
    chspec s;
    bb msg = {0};
    size_t e;

    /* RFC 8446 §6.2 decode_error (a length that is incorrect) and §4:
     * the message must be exactly the declared structure: trailing bytes
     * after the extensions are an error. */
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_u8(&s.trailing, 0);
    server_spec("trailing byte after the extensions", &s, GMTLS_ALERT_DECODE_ERROR);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(&s.trailing, "\x00\x00\x00\x00", 4);
    server_spec("trailing empty extension block after the extensions", &s, GMTLS_ALERT_DECODE_ERROR);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_set(&s, GMTLS_EXT_SUPPORTED_VERSIONS), "\x02\x03\x04\x00", 4);
    server_spec("trailing byte inside supported_versions", &s, GMTLS_ALERT_DECODE_ERROR);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_u8(&s.ext[4].data, 0); /* key_share is the 5th extension */
    server_spec("trailing byte inside key_share", &s, GMTLS_ALERT_DECODE_ERROR);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_u8(&s.ext[3].data, 0); /* signature_algorithms */
    server_spec("trailing byte inside signature_algorithms", &s, GMTLS_ALERT_DECODE_ERROR);

    /* Overlong and out-of-range vector lengths (RFC 8446 §4.1.2 ranges:
     * legacy_session_id<0..32>, cipher_suites<2..2^16-2>,
     * legacy_compression_methods<1..2^8-1>) -> decode_error. */
    ch_default(&s, GMTLS_GROUP_X25519);
    s.sid_len = 33;
    server_spec("legacy_session_id of 33 bytes", &s, GMTLS_ALERT_DECODE_ERROR);
    ch_default(&s, GMTLS_GROUP_X25519);
    s.suites.n = 0;
    server_spec("empty cipher_suites", &s, GMTLS_ALERT_DECODE_ERROR);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_u8(&s.suites, 0x13);
    server_spec("odd-length cipher_suites", &s, GMTLS_ALERT_DECODE_ERROR);
    ch_default(&s, GMTLS_GROUP_X25519);
    s.comp.n = 0;
    server_spec("empty legacy_compression_methods", &s, GMTLS_ALERT_DECODE_ERROR);

    static const struct {
        const char *name;
        int field; /* 0 sid, 1 suites, 2 comp, 3 extensions, 4 first extension, 5 last extension */
        int delta;
    } over[] = {
        {"session id length overruns", 0, 200},   {"cipher_suites length overruns", 1, 0x1000},
        {"cipher_suites length 0xffff", 1, -1},   {"compression length overruns", 2, 250},
        {"extensions length +1", 3, 1},           {"extensions length 0xffff", 3, -1},
        {"extensions length -1", 3, -2},          {"first extension length +1", 4, 1},
        {"first extension length 0xffff", 4, -1}, {"last extension length +1", 5, 1},
        {"last extension length -1", 5, -2},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(over); i++) {
        ch_default(&s, GMTLS_GROUP_X25519);
        ch_encode(&s, &msg);
        size_t p = 4 + 2 + 32;
        uint8_t *m = msg.b;
        if (over[i].field >= 1) {
            p += 1 + m[p];
        }
        if (over[i].field >= 2) {
            p += 2 + get16(m + p);
        }
        if (over[i].field >= 3) {
            p += 1 + m[p];
        }
        if (over[i].field == 4) {
            p += 2 + 2;
        }
        if (over[i].field == 5) {
            size_t end = p + 2 + get16(m + p);
            p += 2;
            while (p + 4 + get16(m + p + 2) < end) {
                p += 4 + get16(m + p + 2);
            }
            p += 2;
        }
        if (over[i].field == 0 || over[i].field == 2) {
            m[p] = (uint8_t)(over[i].delta < 0 ? 0xff : m[p] + over[i].delta);
        } else {
            size_t v = get16(m + p);
            v = over[i].delta == -1 ? 0xffff : over[i].delta == -2 ? v - 1 : v + (size_t)over[i].delta;
            set16(m + p, v);
        }
        server_msg(over[i].name, &msg, GMTLS_ALERT_DECODE_ERROR);
        chspec_free(&s);
    }

    /* The handshake header's own length says more than the record and the
     * message carry: that is only an incomplete message (wait). */
    ch_default(&s, GMTLS_GROUP_X25519);
    ch_encode(&s, &msg);
    set24(msg.b + 1, get24(msg.b + 1) + 10);
    server_msg("handshake length +10 (message incomplete)", &msg, GMTLS_ERR_WANT_READ);
    chspec_free(&s);
    /* ... and less than the body: the body overruns its declared length. */
    ch_default(&s, GMTLS_GROUP_X25519);
    ch_encode(&s, &msg);
    e = get24(msg.b + 1);
    set24(msg.b + 1, e - 1);
    msg.n--;
    server_msg("handshake length -1 (last byte dropped)", &msg, GMTLS_ALERT_DECODE_ERROR);
    chspec_free(&s);
    bb_free(&msg);
}

/* ================================================================ ClientHello contents */

/* RFC 8446 §4.2.10: a server that does not accept 0-RTT "ignore[s] the
 * extension and return[s] a regular 1-RTT response", skipping the records it
 * cannot decrypt with the handshake key: also when the early_data offer comes
 * without a PSK (BoGo SkipEarlyData-TLS13). */
static void test_early_data_without_psk(void)
{
    const char *name = "server: early_data without a PSK, then an early record";
    chspec s;
    bb msg = {0}, in = {0};
    uint8_t junk[37];
    memset(junk, 0x5a, sizeof junk);
    ch_default(&s, GMTLS_GROUP_X25519);
    ext_add(&s, GMTLS_EXT_EARLY_DATA);
    ch_encode(&s, &msg);
    rec_plain(&in, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
    rec_plain(&in, GMTLS_CT_APPLICATION_DATA, junk, sizeof junk);
    gmtls_conn *c = new_server();
    gmtls_buf out;
    gmtls_buf_init(&out);
    size_t len = in.n;
    int rc = gmtls_handshake(c, &out, in.b, &len);
    verdict(rc == GMTLS_ERR_WANT_READ && len == in.n && server_answered(&out), name,
            "server answers and skips the record", rc, GMTLS_ERR_WANT_READ, c);
    gmtls_buf_dispose(&out);
    gmtls_conn_free(c);
    bb_free(&msg);
    bb_free(&in);
    chspec_free(&s);
}

static void test_ch_extensions(void)
{
    chspec s;

    /* RFC 8446 §4.2: "There MUST NOT be more than one extension of the same
     * type in a given extension block." The RFC names no alert: gmtls answers
     * decode_error, as BoringSSL. */
    static const uint16_t dups[] = {GMTLS_EXT_SUPPORTED_GROUPS, GMTLS_EXT_SUPPORTED_VERSIONS, GMTLS_EXT_KEY_SHARE,
                                    GMTLS_EXT_SERVER_NAME, 0x1234};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(dups); i++) {
        char name[64];
        ch_default(&s, GMTLS_GROUP_X25519);
        const ch_ext *src = NULL;
        for (size_t j = 0; j < s.next; j++) {
            if (s.ext[j].type == dups[i]) {
                src = &s.ext[j];
            }
        }
        bb copy = {0};
        if (src != NULL) {
            bb_put(&copy, src->data.b, src->data.n);
        } else {
            bb_put(ext_add(&s, dups[i]), "x", 1);
            bb_put(&copy, "y", 1);
        }
        bb_put(ext_add(&s, dups[i]), copy.b, copy.n);
        bb_free(&copy);
        snprintf(name, sizeof name, "duplicated extension %u", dups[i]);
        server_spec(name, &s, GMTLS_ALERT_DECODE_ERROR);
    }

    /* RFC 8446 §4.1.2 / §4.2: servers ignore extensions they do not
     * recognize (a full handshake with one is in test_full_mutated). */
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_add(&s, 0x1234), "unknown", 7);
    bb_put(ext_add(&s, 0xfafa), "", 0); /* GREASE */
    server_spec("unknown extensions are ignored", &s, PROCEEDS);
    /* RFC 8446 §4.2: oid_filters is specified for the CertificateRequest
     * only: recognised and misplaced -> illegal_parameter; post_handshake_auth
     * belongs in a ClientHello and is read past. */
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_add(&s, GMTLS_EXT_OID_FILTERS), "\x00\x00", 2);
    server_spec("oid_filters in ClientHello", &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_add(&s, GMTLS_EXT_POST_HANDSHAKE_AUTH), "", 0);
    server_spec("post_handshake_auth in ClientHello is read past", &s, PROCEEDS);
    ch_default(&s, GMTLS_GROUP_X25519);
    {
        bb pad = {0};
        bb_reserve(&pad, 512);
        memset(pad.b, 0, 512);
        pad.n = 512;
        bb_put(ext_add(&s, GMTLS_EXT_PADDING), pad.b, pad.n);
        bb_free(&pad);
    }
    server_spec("padding extension is ignored", &s, PROCEEDS);

    /* RFC 8446 §4.2.1: "If this extension is present in the ClientHello,
     * servers MUST NOT use the ClientHello.legacy_version value for version
     * negotiation and MUST use only the "supported_versions" extension". */
    static const uint16_t legacy[] = {0x0303, 0x0301, 0x0302, 0x0304, 0xffff};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(legacy); i++) {
        char name[64];
        ch_default(&s, GMTLS_GROUP_X25519);
        s.legacy_version = legacy[i];
        snprintf(name, sizeof name, "legacy_version 0x%04x with supported_versions", legacy[i]);
        server_spec(name, &s, PROCEEDS);
    }
    /* RFC 8446 §D.5: "Implementations MUST NOT send a ClientHello.legacy_version
     * or ServerHello.legacy_version set to 0x0300 or less. Any endpoint
     * receiving a Hello message with ClientHello.legacy_version or
     * ServerHello.legacy_version set to 0x0300 MUST abort the handshake with a
     * "protocol_version" alert." (OpenSSL: the same for anything <= 0x0300.) */
    static const uint16_t ancient[] = {0x0300, 0x0200, 0x0103, 0x0002, 0x0000, 0x00ff};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(ancient); i++) {
        char name[64];
        ch_default(&s, GMTLS_GROUP_X25519);
        s.legacy_version = ancient[i];
        snprintf(name, sizeof name, "legacy_version 0x%04x with supported_versions", ancient[i]);
        server_spec(name, &s, GMTLS_ALERT_PROTOCOL_VERSION);
    }
    {
        static const uint16_t v[] = {0x7f1c, 0x0a0a, 0x0303, 0x0304, 0x0302};
        ch_default(&s, GMTLS_GROUP_X25519);
        set_versions(&s, v, GMTLS_ARRAY_LEN_T(v));
        server_spec("supported_versions with GREASE, drafts and older versions", &s, PROCEEDS);
    }

    /* RFC 8446 §4.2.1: "If the "supported_versions" extension in the
     * ClientHello contains no versions acceptable to the server, the server
     * MUST abort the handshake with a "protocol_version" alert." Without the
     * extension the client negotiates TLS 1.2 or older (§4.2.1, §D.2), which
     * a 1.3-only server refuses the same way. */
    ch_default(&s, GMTLS_GROUP_X25519);
    ext_del(&s, GMTLS_EXT_SUPPORTED_VERSIONS);
    server_spec("supported_versions missing", &s, GMTLS_ALERT_PROTOCOL_VERSION);
    ch_default(&s, GMTLS_GROUP_X25519);
    ext_del(&s, GMTLS_EXT_SUPPORTED_VERSIONS);
    s.legacy_version = 0x0304;
    server_spec("supported_versions missing, legacy_version 0x0304", &s, GMTLS_ALERT_PROTOCOL_VERSION);
    {
        static const uint16_t v12[] = {0x0303, 0x0302};
        static const uint16_t draft[] = {0x7f1c};
        ch_default(&s, GMTLS_GROUP_X25519);
        set_versions(&s, v12, 2);
        server_spec("supported_versions without 0x0304", &s, GMTLS_ALERT_PROTOCOL_VERSION);
        ch_default(&s, GMTLS_GROUP_X25519);
        set_versions(&s, draft, 1);
        server_spec("supported_versions with a draft version only", &s, GMTLS_ALERT_PROTOCOL_VERSION);
    }
    ch_default(&s, GMTLS_GROUP_X25519);
    s.no_exts = 1;
    server_spec("no extensions at all (TLS 1.2 ClientHello)", &s, GMTLS_ALERT_PROTOCOL_VERSION);

    /* RFC 8446 §9.2: "If containing a "supported_groups" extension, it MUST
     * also contain a "key_share" extension, and vice versa. ... If not
     * containing a "pre_shared_key" extension, it MUST contain both a
     * "signature_algorithms" extension and a "supported_groups" extension.
     * ... Servers receiving a ClientHello which does not conform to these
     * requirements MUST abort the handshake with a "missing_extension"
     * alert." */
    ch_default(&s, GMTLS_GROUP_X25519);
    ext_del(&s, GMTLS_EXT_KEY_SHARE);
    server_spec("key_share missing", &s, GMTLS_ALERT_MISSING_EXTENSION);
    ch_default(&s, GMTLS_GROUP_X25519);
    ext_del(&s, GMTLS_EXT_SUPPORTED_GROUPS);
    server_spec("supported_groups missing", &s, GMTLS_ALERT_MISSING_EXTENSION);
    ch_default(&s, GMTLS_GROUP_X25519);
    ext_del(&s, GMTLS_EXT_SIGNATURE_ALGORITHMS);
    server_spec("signature_algorithms missing", &s, GMTLS_ALERT_MISSING_EXTENSION);

    /* RFC 8446 §4.1.2: "For every TLS 1.3 ClientHello, this vector MUST
     * contain exactly one byte, set to zero ... If a TLS 1.3 ClientHello is
     * received with any other value in this field, the server MUST abort the
     * handshake with an "illegal_parameter" alert." */
    static const char *const comps[] = {"\x01", "\x00\x01", "\x01\x00", "\x00\x00", "\x40"};
    static const size_t comp_len[] = {1, 2, 2, 2, 1};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(comps); i++) {
        char name[64];
        ch_default(&s, GMTLS_GROUP_X25519);
        bb_set(&s.comp, comps[i], comp_len[i]);
        snprintf(name, sizeof name, "compression methods variant %zu", i);
        server_spec(name, &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
    }

    /* RFC 5746 §3.6 (initial handshake): the server "MUST then verify that
     * the length of the "renegotiated_connection" field is zero, and if it
     * is not, MUST abort the handshake" (the reference: handshake_failure). */
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_add(&s, GMTLS_EXT_RENEGOTIATION_INFO), "\x04\x01\x02\x03\x04", 5);
    server_spec("non-empty renegotiation_info", &s, GMTLS_ALERT_HANDSHAKE_FAILURE);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_add(&s, GMTLS_EXT_RENEGOTIATION_INFO), "\x00", 1);
    server_spec("empty renegotiation_info", &s, PROCEEDS);

    /* RFC 8446 §4.1.1: "If the server is unable to negotiate a supported set
     * of parameters (i.e., there is no overlap between the client and server
     * parameters), it MUST abort the handshake with either a
     * "handshake_failure" or an "insufficient_security" fatal alert"; gmtls
     * and the reference use handshake_failure. */
    {
        static const uint16_t old[] = {0x002f, 0xc02f, 0x00ff, 0x1305};
        /* secp256k1, brainpoolP256r1tls13 (unknown) and ffdhe4096 (by name
         * only: not on a default server) */
        static const uint16_t nogroups[] = {0x0016, 0x001f, 0x0102};
        ch_default(&s, GMTLS_GROUP_X25519);
        set_suites(&s, old, GMTLS_ARRAY_LEN_T(old));
        server_spec("no cipher suite in common", &s, GMTLS_ALERT_HANDSHAKE_FAILURE);
        ch_default(&s, 0);
        set_u16_list(&s, GMTLS_EXT_SUPPORTED_GROUPS, nogroups, GMTLS_ARRAY_LEN_T(nogroups));
        {
            uint8_t bp[65];
            memset(bp, 0x55, sizeof bp);
            set_one_share(&s, 0x001f, bp, sizeof bp);
        }
        server_spec("no group in common", &s, GMTLS_ALERT_HANDSHAKE_FAILURE);
    }

    /* RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last
     * extension in the ClientHello ... Servers MUST check that it is the
     * last extension and otherwise fail the handshake with an
     * "illegal_parameter" alert." */
    {
        static const uint8_t psk[] = {0x00, 0x0a, 0x00, 0x04, 'a', 'b', 'c', 'd', 0,  0,  0,  1,  0x00, 0x21, 0x20, 1,
                                      2,    3,    4,    5,    6,   7,   8,   9,   10, 11, 12, 13, 14,   15,   16,   17,
                                      18,   19,   20,   21,   22,  23,  24,  25,  26, 27, 28, 29, 30,   31,   32};
        ch_default(&s, GMTLS_GROUP_X25519);
        bb_put(ext_add(&s, GMTLS_EXT_PSK_KEY_EXCHANGE_MODES), "\x01\x01", 2);
        bb_put(ext_add(&s, GMTLS_EXT_PRE_SHARED_KEY), psk, sizeof psk);
        bb_put(ext_add(&s, 0x1234), "", 0);
        server_spec("pre_shared_key not last", &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
        ch_default(&s, GMTLS_GROUP_X25519);
        bb_put(ext_add(&s, GMTLS_EXT_PRE_SHARED_KEY), psk, sizeof psk);
        bb_put(ext_add(&s, GMTLS_EXT_PSK_KEY_EXCHANGE_MODES), "\x01\x01", 2);
        server_spec("pre_shared_key before psk_key_exchange_modes", &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
        /* An unknown ticket is not an error: a full handshake follows
         * (RFC 8446 §4.2.11: the server picks none of the identities). */
        ch_default(&s, GMTLS_GROUP_X25519);
        bb_put(ext_add(&s, GMTLS_EXT_PSK_KEY_EXCHANGE_MODES), "\x01\x01", 2);
        bb_put(ext_add(&s, GMTLS_EXT_PRE_SHARED_KEY), psk, sizeof psk);
        server_spec("pre_shared_key last with an unknown ticket", &s, PROCEEDS);
        /* RFC 8446 §4.2.9: "A client MUST provide a "psk_key_exchange_modes"
         * extension if it offers a "pre_shared_key" extension" (servers
         * abort with missing_extension, §9.2's rule). */
        ch_default(&s, GMTLS_GROUP_X25519);
        bb_put(ext_add(&s, GMTLS_EXT_PRE_SHARED_KEY), psk, sizeof psk);
        server_spec("pre_shared_key without psk_key_exchange_modes", &s, GMTLS_ALERT_MISSING_EXTENSION);
        /* Identities and binders differ in number (the reference:
         * illegal_parameter). */
        ch_default(&s, GMTLS_GROUP_X25519);
        bb_put(ext_add(&s, GMTLS_EXT_PSK_KEY_EXCHANGE_MODES), "\x01\x01", 2);
        {
            bb *d = ext_add(&s, GMTLS_EXT_PRE_SHARED_KEY);
            bb_put(d, psk, 12);
            bb_put(d, "\x00\x42\x20", 3);
            for (int i = 0; i < 32; i++) {
                bb_u8(d, (unsigned)i);
            }
            bb_u8(d, 0x20);
            for (int i = 0; i < 32; i++) {
                bb_u8(d, (unsigned)i);
            }
        }
        server_spec("pre_shared_key with 1 identity and 2 binders", &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
    }
}

/* ================================================================ key shares */

static void test_key_shares(void)
{
    chspec s;
    bb key = {0};
    char name[96];

    /* RFC 8446 §4.2.8.2: "For the curves secp256r1, secp384r1, and secp521r1
     * ... UncompressedPointRepresentation ... legacy_form ... MUST be 4";
     * "Peers MUST validate each other's public value Q by ensuring that the
     * point is a valid point on the elliptic curve." §7.4.2 (X25519): "For
     * X25519 and X448, ... implementations ... MUST check whether the
     * computed Diffie-Hellman shared secret is the all-zero value and abort
     * if so". RFC 8998 §3.2.1 applies the same to curveSM2. The reference
     * answers an invalid key share with illegal_parameter. */
    static const struct {
        uint16_t group;
        size_t len; /* valid length */
    } g[] = {
        {GMTLS_GROUP_SECP256R1, 65}, {GMTLS_GROUP_SECP384R1, 97}, {GMTLS_GROUP_CURVESM2, 65}, {GMTLS_GROUP_X25519, 32}};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(g); i++) {
        const char *gn = gmtls_group_name(g[i].group);
        key.n = 0;
        make_share(g[i].group, &key);
        /* Control: the valid share works. */
        ch_default(&s, 0);
        set_one_share(&s, g[i].group, key.b, key.n);
        snprintf(name, sizeof name, "%s valid key share", gn);
        server_spec(name, &s, PROCEEDS);
        /* Wrong lengths: one short, one long, and (NIST/SM2) the compressed form. */
        ch_default(&s, 0);
        set_one_share(&s, g[i].group, key.b, key.n - 1);
        snprintf(name, sizeof name, "%s key share one byte short", gn);
        server_spec(name, &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
        ch_default(&s, 0);
        bb_u8(&key, 0);
        set_one_share(&s, g[i].group, key.b, key.n);
        key.n--;
        snprintf(name, sizeof name, "%s key share one byte long", gn);
        server_spec(name, &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
        ch_default(&s, 0);
        set_one_share(&s, g[i].group, key.b, 1);
        snprintf(name, sizeof name, "%s key share of one byte", gn);
        server_spec(name, &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
        if (g[i].group != GMTLS_GROUP_X25519) {
            size_t half = (g[i].len - 1) / 2;
            uint8_t comp[1 + 66];
            comp[0] = (uint8_t)(2 | (key.b[key.n - 1] & 1));
            memcpy(comp + 1, key.b + 1, half);
            ch_default(&s, 0);
            set_one_share(&s, g[i].group, comp, 1 + half);
            snprintf(name, sizeof name, "%s compressed point", gn);
            server_spec(name, &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
            /* Right length, wrong legacy_form byte. */
            for (unsigned form = 0; form < 8; form += 3) {
                uint8_t k2[1 + 132];
                memcpy(k2, key.b, key.n);
                k2[0] = (uint8_t)form;
                ch_default(&s, 0);
                set_one_share(&s, g[i].group, k2, key.n);
                snprintf(name, sizeof name, "%s point with legacy_form %u", gn, form);
                server_spec(name, &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
            }
            /* Off the curve: y changed. */
            {
                uint8_t k2[1 + 132];
                memcpy(k2, key.b, key.n);
                k2[key.n - 1] ^= 1;
                ch_default(&s, 0);
                set_one_share(&s, g[i].group, k2, key.n);
                snprintf(name, sizeof name, "%s point off the curve (y^1)", gn);
                server_spec(name, &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
                memset(k2 + 1, 0, key.n - 1);
                ch_default(&s, 0);
                set_one_share(&s, g[i].group, k2, key.n);
                snprintf(name, sizeof name, "%s point (0, 0)", gn);
                server_spec(name, &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
                memset(k2 + 1, 0xff, key.n - 1);
                ch_default(&s, 0);
                set_one_share(&s, g[i].group, k2, key.n);
                snprintf(name, sizeof name, "%s coordinates all 0xff (>= p)", gn);
                server_spec(name, &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
            }
        } else {
            /* Low-order points give the all-zero shared secret: 0 and 1
             * (RFC 7748 §6.1 / RFC 8446 §7.4.2). */
            uint8_t z[32] = {0};
            ch_default(&s, 0);
            set_one_share(&s, g[i].group, z, 32);
            server_spec("x25519 all-zero key share", &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
            z[0] = 1;
            ch_default(&s, 0);
            set_one_share(&s, g[i].group, z, 32);
            server_spec("x25519 key share u=1 (low order)", &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
        }
    }
    bb_free(&key);

    /* RFC 8446 §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values
     * for the same group. ... Servers MAY check for violations of these rules
     * and abort the handshake with an "illegal_parameter" alert" (gmtls does). */
    {
        uint16_t two[2] = {GMTLS_GROUP_X25519, GMTLS_GROUP_X25519};
        bb keys[2] = {{0}, {0}};
        make_share(GMTLS_GROUP_X25519, &keys[0]);
        make_share(GMTLS_GROUP_X25519, &keys[1]);
        ch_default(&s, 0);
        set_key_share(&s, 2, two, keys);
        server_spec("two key shares for x25519", &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
        bb_free(&keys[0]);
        bb_free(&keys[1]);
    }
    /* A KeyShareEntry's key_exchange<1..2^16-1> must not be empty (decode_error). */
    ch_default(&s, 0);
    set_one_share(&s, GMTLS_GROUP_X25519, NULL, 0);
    server_spec("empty key_exchange", &s, GMTLS_ALERT_DECODE_ERROR);
}

/* ================================================================ HelloRetryRequest */

static size_t sh_exts_off(const bb *sh);
static size_t find_ext(const bb *msg, size_t exts, uint16_t type, size_t *len);

/* Sets the cookie extension of s (before a trailing pre_shared_key, which
 * must stay last). */
static void set_cookie(chspec *s, const uint8_t *data, size_t len)
{
    bb *d = ext_set(s, GMTLS_EXT_COOKIE);
    bb_put(d, data, len);
    size_t i = 0;
    while (s->ext[i].type != GMTLS_EXT_COOKIE) {
        i++;
    }
    if (i > 0 && s->ext[i - 1].type == GMTLS_EXT_PRE_SHARED_KEY) {
        ch_ext t = s->ext[i - 1];
        s->ext[i - 1] = s->ext[i];
        s->ext[i] = t;
    }
}

/* What the second ClientHello does with the HelloRetryRequest's cookie. */
enum {
    COOKIE_ECHO,       /* copies it, as RFC 8446 §4.2.2 says */
    COOKIE_OMIT,       /* leaves it out */
    COOKIE_FLIP_MAC,   /* flips a bit of its last byte (the MAC) */
    COOKIE_FLIP_HASH,  /* flips a bit inside Hash(ClientHello1) */
    COOKIE_CUT,        /* drops its last byte */
    COOKIE_FROM,       /* uses g_other_cookie (another connection's) */
    COOKIE_REMAC_NOW,  /* rebuilt with the test's own HMAC under the second ticket key, time now */
    COOKIE_REMAC_OLD,  /* ... 61 seconds old */
    COOKIE_REMAC_NAME, /* ... under a key name the server does not have */
};
static bb g_other_cookie;
static uint8_t g_ticket_keys[2 * GMTLS_TICKET_KEY_LEN]; /* g_scfg's ticket keys: name(16) || secret(32) each */

/* The cookie extension body (opaque cookie<1..2^16-1>) of a HelloRetryRequest
 * at the start of out (record header first); 0 if none. */
static size_t hrr_cookie(const gmtls_buf *out, bb *cookie)
{
    bb hrr = {0};
    size_t len = 0, off;
    bb_set(&hrr, out->base + 5, get16(out->base + 3));
    off = find_ext(&hrr, sh_exts_off(&hrr), GMTLS_EXT_COOKIE, &len);
    bb_set(cookie, off != 0 ? hrr.b + off : NULL, off != 0 ? len : 0);
    bb_free(&hrr);
    return off != 0 ? len : 0;
}

/* The cookie as the documented format says (ticket.c), built independently
 * with libcrypto's HMAC: version | key name | seconds | suite | group |
 * Hash(CH1)<1> | HMAC-SHA256(HMAC-SHA256(secret, "gmtls hrr cookie"), ...). */
static void remac_cookie(bb *cookie, const uint8_t *key, const uint8_t *name, uint64_t t)
{
    /* cookie holds the echoed extension body: 2-byte length, then the cookie */
    uint8_t k[32], mac[32];
    unsigned kl = 0, ml = 0;
    bb c = {0};
    bb_put(&c, cookie->b + 2, cookie->n - 2 - 32);
    memcpy(c.b + 1, name, 16);
    for (int i = 0; i < 8; i++) {
        c.b[17 + i] = (uint8_t)(t >> (56 - 8 * i));
    }
    if (HMAC(EVP_sha256(), key, 32, (const uint8_t *)"gmtls hrr cookie", 16, k, &kl) == NULL ||
        HMAC(EVP_sha256(), k, 32, c.b, c.n, mac, &ml) == NULL) {
        abort();
    }
    bb_put(&c, mac, 32);
    cookie->n = 0;
    bb_u16(cookie, (unsigned)c.n);
    bb_put(cookie, c.b, c.n);
    bb_free(&c);
}

/* CH1 without a usable share (-> HRR for x25519), then `between` (records
 * sent after CH1, or the middlebox CCS when ccs_between), then CH2 from `ch2`
 * with the HRR's cookie as cookie_mode says. */
static void hrr_case_ex(const char *name, const chspec *ch1, chspec *ch2, const bb *between, int cookie_mode, int want)
{
    gmtls_conn *c = new_server();
    gmtls_buf out;
    bb msg = {0}, rec = {0}, cookie = {0};
    gmtls_buf_init(&out);
    ch_encode(ch1, &msg);
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
    size_t n = rec.n;
    int rc = gmtls_handshake(c, &out, rec.b, &n);
    int hrr = rc == GMTLS_ERR_WANT_READ && server_answered(&out) && out.off > 11 + 32 &&
              memcmp(out.base + 5 + 6, "\xcf\x21\xad\x74", 4) == 0;
    verdict(hrr, name, "first ClientHello gets a HelloRetryRequest", rc, GMTLS_ERR_WANT_READ, c);
    /* RFC 8446 §4.2.2: the server's HelloRetryRequest carries a cookie. */
    verdict(hrr_cookie(&out, &cookie) > 2 + 32, name, "HelloRetryRequest carries a cookie", 0, 0, c);
    size_t after_hrr = out.off;
    rec.n = 0;
    if (between != NULL) {
        bb_put(&rec, between->b, between->n);
    }
    if (cookie.n > 2 + 40) {
        switch (cookie_mode) {
        case COOKIE_FLIP_MAC:
            cookie.b[cookie.n - 1] ^= 1;
            break;
        case COOKIE_FLIP_HASH:
            cookie.b[cookie.n - 33] ^= 1;
            break;
        case COOKIE_CUT:
            cookie.n--;
            set16(cookie.b, cookie.n - 2);
            break;
        case COOKIE_FROM:
            bb_set(&cookie, g_other_cookie.b, g_other_cookie.n);
            break;
        case COOKIE_REMAC_NOW:
        case COOKIE_REMAC_OLD:
        case COOKIE_REMAC_NAME: {
            static const uint8_t stranger[16] = "no such key name";
            const uint8_t *k2 = g_ticket_keys + GMTLS_TICKET_KEY_LEN;
            uint64_t now = (uint64_t)time(NULL);
            remac_cookie(&cookie, k2 + 16, cookie_mode == COOKIE_REMAC_NAME ? stranger : k2,
                         cookie_mode == COOKIE_REMAC_OLD ? now - 61 : now);
            break;
        }
        default:
            break;
        }
    }
    chspec c2;
    chspec_copy(&c2, ch2);
    if (cookie_mode != COOKIE_OMIT) {
        set_cookie(&c2, cookie.b, cookie.n);
    }
    ch_encode(&c2, &msg);
    chspec_free(&c2);
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
    n = rec.n;
    rc = gmtls_handshake(c, &out, rec.b, &n);
    if (want == PROCEEDS) {
        int ok = rc == GMTLS_ERR_WANT_READ && out.off > after_hrr + 6 && out.base[after_hrr] == GMTLS_CT_HANDSHAKE &&
                 out.base[after_hrr + 5] == GMTLS_HS_SERVER_HELLO;
        verdict(ok, name, "second ClientHello accepted", rc, PROCEEDS, c);
    } else {
        expect_rc(name, c, &out, rc, want);
        expect_plain_alert_record(name, c, &out, want);
    }
    chspec_free(ch2);
    bb_free(&msg);
    bb_free(&rec);
    bb_free(&cookie);
    gmtls_buf_dispose(&out);
    gmtls_conn_free(c);
}

static void hrr_case(const char *name, const chspec *ch1, chspec *ch2, int ccs_between, int want)
{
    bb ccs = {0};
    rec_plain(&ccs, GMTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1);
    hrr_case_ex(name, ch1, ch2, ccs_between ? &ccs : NULL, COOKIE_ECHO, want);
    bb_free(&ccs);
}

static void test_hrr(void)
{
    chspec ch1, ch2;
    bb key = {0};
    ch_default(&ch1, 0);
    make_share(GMTLS_GROUP_X25519, &key);

    /* Control: the correct second ClientHello, with and without the
     * middlebox-compatibility change_cipher_spec (RFC 8446 §D.4) between. */
    chspec_copy(&ch2, &ch1);
    set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
    hrr_case("HRR: correct second ClientHello", &ch1, &ch2, 0, PROCEEDS);
    chspec_copy(&ch2, &ch1);
    set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
    hrr_case("HRR: correct second ClientHello after CCS", &ch1, &ch2, 1, PROCEEDS);

    /* RFC 8446 §5.1: a ClientHello MUST end at a record boundary: the first
     * ClientHello and the start of the second in one record -> unexpected_message. */
    {
        const char *name = "HRR: first ClientHello and part of the second in one record";
        gmtls_conn *c = new_server();
        gmtls_buf out;
        bb m1 = {0}, m2 = {0}, rec = {0};
        gmtls_buf_init(&out);
        chspec_copy(&ch2, &ch1);
        set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
        ch_encode(&ch1, &m1);
        ch_encode(&ch2, &m2);
        bb_put(&m1, m2.b, 10);
        rec_plain(&rec, GMTLS_CT_HANDSHAKE, m1.b, m1.n);
        size_t n = rec.n;
        int rc = gmtls_handshake(c, &out, rec.b, &n);
        expect_rc(name, c, &out, rc, GMTLS_ALERT_UNEXPECTED_MESSAGE);
        /* Only the alert goes out, not the HelloRetryRequest. */
        verdict(out.off == 7, name, "output is the alert record alone", (int)out.off, 7, c);
        chspec_free(&ch2);
        bb_free(&m1);
        bb_free(&m2);
        bb_free(&rec);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(c);
    }

    /* RFC 8446 §4.1.2: after a HelloRetryRequest "the client MUST send the
     * same ClientHello without modification, except as follows: If a
     * "key_share" extension was supplied in the HelloRetryRequest, replacing
     * the list of shares with a list containing a single KeyShareEntry from
     * the indicated group. Removing the "early_data" extension ... Including
     * a "cookie" extension ... Updating the "pre_shared_key" extension ...
     * Optionally adding, removing, or changing the length of the "padding"
     * extension". §4.2.8: the server checks the new share is for the
     * selected group. The reference: illegal_parameter for all of these. */
    {
        bb k2 = {0};
        make_share(GMTLS_GROUP_SECP256R1, &k2);
        chspec_copy(&ch2, &ch1);
        set_one_share(&ch2, GMTLS_GROUP_SECP256R1, k2.b, k2.n);
        hrr_case("HRR: second ClientHello shares the wrong group", &ch1, &ch2, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
        uint16_t groups[2] = {GMTLS_GROUP_X25519, GMTLS_GROUP_SECP256R1};
        bb keys[2] = {{0}, {0}};
        bb_put(&keys[0], key.b, key.n);
        bb_put(&keys[1], k2.b, k2.n);
        chspec_copy(&ch2, &ch1);
        set_key_share(&ch2, 2, groups, keys);
        hrr_case("HRR: second ClientHello with two shares", &ch1, &ch2, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
        chspec_copy(&ch2, &ch1);
        set_key_share(&ch2, 0, NULL, NULL);
        hrr_case("HRR: second ClientHello still without a share", &ch1, &ch2, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
        bb_free(&keys[0]);
        bb_free(&keys[1]);
        bb_free(&k2);
    }
    {
        static const uint16_t suites[] = {0x1302, 0x1301, 0x1303, 0x00c6, 0x00c7};
        static const uint16_t fewer[] = {0x1301};
        static const uint16_t groups[] = {0x001d, 0x0017};
        chspec_copy(&ch2, &ch1);
        set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
        set_suites(&ch2, suites, GMTLS_ARRAY_LEN_T(suites));
        hrr_case("HRR: cipher suites reordered", &ch1, &ch2, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
        chspec_copy(&ch2, &ch1);
        set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
        set_suites(&ch2, fewer, 1);
        hrr_case("HRR: cipher suites reduced", &ch1, &ch2, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
        chspec_copy(&ch2, &ch1);
        set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
        set_u16_list(&ch2, GMTLS_EXT_SUPPORTED_GROUPS, groups, 2);
        hrr_case("HRR: supported_groups changed", &ch1, &ch2, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
    }
    /* RFC 8446 §4.2.10: "A client MUST NOT include the "early_data"
     * extension in its followup ClientHello." */
    chspec_copy(&ch2, &ch1);
    set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
    bb_put(ext_add(&ch2, GMTLS_EXT_EARLY_DATA), "", 0);
    hrr_case("HRR: early_data in the second ClientHello", &ch1, &ch2, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
    chspec_copy(&ch2, &ch1);
    set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
    ch2.random[0] ^= 1;
    hrr_case("HRR: random changed", &ch1, &ch2, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
    chspec_copy(&ch2, &ch1);
    set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
    ch2.sid[3] ^= 1;
    hrr_case("HRR: session id changed", &ch1, &ch2, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
    chspec_copy(&ch2, &ch1);
    set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
    ext_del(&ch2, GMTLS_EXT_SERVER_NAME);
    hrr_case("HRR: server_name removed", &ch1, &ch2, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
    chspec_copy(&ch2, &ch1);
    set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
    bb_put(ext_add(&ch2, 0x1234), "new", 3);
    hrr_case("HRR: extension added", &ch1, &ch2, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
    /* Padding may change (§4.1.2). */
    chspec_copy(&ch2, &ch1);
    set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
    bb_put(ext_add(&ch2, GMTLS_EXT_PADDING), "\0\0\0\0\0\0\0\0", 8);
    hrr_case("HRR: padding added", &ch1, &ch2, 0, PROCEEDS);
    /* RFC 8446 §4.1.2: the second message must be a ClientHello: anything
     * else (here a ServerHello-typed copy) -> unexpected_message. */
    {
        gmtls_conn *c = new_server();
        gmtls_buf out;
        bb msg = {0}, rec = {0};
        gmtls_buf_init(&out);
        ch_encode(&ch1, &msg);
        rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
        msg.b[0] = GMTLS_HS_FINISHED;
        rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
        size_t n = rec.n;
        int rc = gmtls_handshake(c, &out, rec.b, &n);
        expect_rc("HRR: Finished instead of the second ClientHello", c, &out, rc, GMTLS_ALERT_UNEXPECTED_MESSAGE);
        expect_plain_alert_record("HRR: Finished instead of the second ClientHello", c, &out,
                                  GMTLS_ALERT_UNEXPECTED_MESSAGE);
        bb_free(&msg);
        bb_free(&rec);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(c);
    }
    chspec_free(&ch1);
    bb_free(&key);
}

/* ================================================================ wrong messages and records before the handshake */

static void test_wrong_first(void)
{
    chspec s;
    bb msg = {0}, rec = {0};
    char name[96];

    /* RFC 8446 §4: "Protocol messages MUST be sent in the order defined in
     * Section 4.4.1 ... A peer which receives a handshake message in an
     * unexpected order MUST abort the handshake with an
     * "unexpected_message" alert." */
    static const uint8_t types[] = {GMTLS_HS_SERVER_HELLO,
                                    GMTLS_HS_NEW_SESSION_TICKET,
                                    GMTLS_HS_END_OF_EARLY_DATA,
                                    GMTLS_HS_ENCRYPTED_EXTENSIONS,
                                    GMTLS_HS_CERTIFICATE,
                                    GMTLS_HS_CERTIFICATE_REQUEST,
                                    GMTLS_HS_CERTIFICATE_VERIFY,
                                    GMTLS_HS_FINISHED,
                                    GMTLS_HS_KEY_UPDATE,
                                    GMTLS_HS_MESSAGE_HASH,
                                    0,
                                    99};
    ch_default(&s, GMTLS_GROUP_X25519);
    ch_encode(&s, &msg);
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(types); i++) {
        msg.b[0] = types[i];
        snprintf(name, sizeof name, "handshake type %u as the first message", types[i]);
        server_msg(name, &msg, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    }
    /* A real ServerHello sent to the server. */
    {
        static const uint8_t sh[] = {2,  0,  0,  0x28, 3,  3,    1,  2,  3,  4,  5,  6,    7,  8,  9,  10, 11,
                                     12, 13, 14, 15,   16, 17,   18, 19, 20, 21, 22, 23,   24, 25, 26, 27, 28,
                                     29, 30, 31, 32,   0,  0x13, 1,  0,  0,  0,  0,  0x2b, 0,  2,  3,  4};
        bb m = {0};
        bb_put(&m, sh, sizeof sh);
        set24(m.b + 1, m.n - 4);
        server_msg("ServerHello sent to the server", &m, GMTLS_ALERT_UNEXPECTED_MESSAGE);
        bb_free(&m);
    }

    /* RFC 8446 §5: "If a TLS implementation receives an unexpected record
     * type, it MUST terminate the connection with an "unexpected_message"
     * alert." Application data before the handshake, unknown record types,
     * and (§5) "If an implementation detects a change_cipher_spec record
     * received before the first ClientHello message ... it MUST be treated as
     * an unexpected record type". */
    static const uint8_t rtypes[] = {GMTLS_CT_APPLICATION_DATA, GMTLS_CT_CHANGE_CIPHER_SPEC, 0, 19, 24, 25, 0x80, 0xff};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(rtypes); i++) {
        rec.n = 0;
        rec_plain(&rec, rtypes[i], (const uint8_t *)"\x01", 1);
        snprintf(name, sizeof name, "record type %u before the ClientHello", rtypes[i]);
        server_bytes(name, rec.b, rec.n, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    }
    /* A valid ClientHello followed by plaintext application data in the same
     * input: once the server has installed the client's handshake key, an
     * application_data record is a protected record (RFC 8446 §5.2) that
     * does not decrypt: "If the decryption fails, the receiver MUST terminate
     * the connection with a "bad_record_mac" alert." */
    rec.n = 0;
    chspec_free(&s);
    ch_default(&s, GMTLS_GROUP_X25519);
    ch_encode(&s, &msg);
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
    {
        size_t chlen = rec.n;
        rec_plain(&rec, GMTLS_CT_APPLICATION_DATA, (const uint8_t *)"GET / HTTP/1.0\r\n\r\n", 18);
        gmtls_conn *c = new_server();
        gmtls_buf out;
        gmtls_buf_init(&out);
        size_t n = chlen;
        int rc = gmtls_handshake(c, &out, rec.b, &n);
        size_t flight = out.off;
        n = rec.n - chlen;
        rc = gmtls_handshake(c, &out, rec.b + chlen, &n);
        expect_rc("plaintext application data after the ClientHello", c, &out, rc, GMTLS_ALERT_BAD_RECORD_MAC);
        expect_sealed_alert_record("plaintext application data after the ClientHello", c, &out, flight, c->suite,
                                   g_skl.s_ap, GMTLS_ALERT_BAD_RECORD_MAC);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(c);
    }

    /* RFC 8446 §5: "An implementation may receive an unencrypted record of
     * type change_cipher_spec consisting of the single byte value 0x01 at any
     * time after the first ClientHello message has been sent or received and
     * before the peer's Finished message has been received and MUST simply
     * drop it without further processing. ... An implementation which
     * receives any other change_cipher_spec value or which receives a
     * protected change_cipher_spec record MUST abort the handshake with an
     * "unexpected_message" alert." */
    static const struct {
        const char *name;
        const char *body;
        size_t len;
        int want;
    } ccs[] = {
        {"CCS 01 after the ClientHello (dropped)", "\x01", 1, PROCEEDS},
        {"CCS value 2", "\x02", 1, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        {"CCS value 0", "\x00", 1, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        {"CCS of length 2", "\x01\x01", 2, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        {"CCS of length 0", "", 0, GMTLS_ALERT_UNEXPECTED_MESSAGE},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(ccs); i++) {
        gmtls_conn *c = new_server();
        gmtls_buf out;
        gmtls_buf_init(&out);
        rec.n = 0;
        rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
        size_t n = rec.n;
        int rc = gmtls_handshake(c, &out, rec.b, &n);
        size_t flight = out.off;
        rec.n = 0;
        rec_plain(&rec, GMTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)ccs[i].body, ccs[i].len);
        n = rec.n;
        rc = gmtls_handshake(c, &out, rec.b, &n);
        if (ccs[i].want == PROCEEDS) {
            verdict(rc == GMTLS_ERR_WANT_READ && out.off == flight, ccs[i].name, "dropped", rc, GMTLS_ERR_WANT_READ, c);
        } else {
            /* The server's write key is on now: the alert is protected. */
            expect_rc(ccs[i].name, c, &out, rc, ccs[i].want);
            expect_sealed_alert_record(ccs[i].name, c, &out, flight, c->suite, g_skl.s_ap, ccs[i].want);
        }
        gmtls_buf_dispose(&out);
        gmtls_conn_free(c);
    }
    /* Two ClientHellos back to back (no HelloRetryRequest was sent):
     * RFC 8446 §4.1.2: "if a server has negotiated TLS 1.3 and receives a
     * ClientHello at any other time, it MUST terminate the connection with an
     * "unexpected_message" alert." The second one arrives in plaintext while
     * the server expects protected records; as a plaintext handshake record
     * it is an unexpected record (§5.2: records after the key change are
     * protected, outer type application_data). */
    rec.n = 0;
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
    {
        gmtls_conn *c = new_server();
        gmtls_buf out;
        gmtls_buf_init(&out);
        size_t n = rec.n;
        int rc = gmtls_handshake(c, &out, rec.b, &n);
        expect_rc("second plaintext ClientHello", c, &out, rc, GMTLS_ALERT_UNEXPECTED_MESSAGE);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(c);
    }
    /* A ClientHello record whose content was corrupted into a peer alert:
     * a fatal alert from the peer is reported as 0x100 + alert. */
    rec.n = 0;
    rec_plain(&rec, GMTLS_CT_ALERT, (const uint8_t *)"\x02\x28", 2);
    {
        gmtls_conn *c = new_server();
        gmtls_buf out;
        gmtls_buf_init(&out);
        size_t n = rec.n;
        int rc = gmtls_handshake(c, &out, rec.b, &n);
        verdict(rc == GMTLS_ERR_PEER_ALERT(40) && out.off == 0, "peer alert before the ClientHello", "result", rc,
                GMTLS_ERR_PEER_ALERT(40), c);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(c);
    }
    /* RFC 8446 §6: struct { AlertLevel level; AlertDescription description; }
     * -> a malformed alert is decode_error. */
    rec.n = 0;
    rec_plain(&rec, GMTLS_CT_ALERT, (const uint8_t *)"\x02\x28\x00", 3);
    server_bytes("alert record of 3 bytes", rec.b, rec.n, GMTLS_ALERT_DECODE_ERROR);
    chspec_free(&s);
    bb_free(&msg);
    bb_free(&rec);
}

static void test_record_limits(void)
{
    bb rec = {0}, body = {0};
    chspec s;
    bb msg = {0};

    /* RFC 8446 §5.2: "The length MUST NOT exceed 2^14 + 256 bytes. An
     * endpoint that receives a record that exceeds this length MUST terminate
     * the connection with a "record_overflow" alert." The header alone tells. */
    server_bytes("record header length 2^14+257", (const uint8_t *)"\x16\x03\x03\x41\x01", 5,
                 GMTLS_ALERT_RECORD_OVERFLOW);
    server_bytes("record header length 0xffff", (const uint8_t *)"\x16\x03\x03\xff\xff", 5,
                 GMTLS_ALERT_RECORD_OVERFLOW);
    /* RFC 8446 §5.1 (TLSPlaintext): "The length MUST NOT exceed 2^14 bytes":
     * the first record is plaintext, so its header alone tells. */
    server_bytes("first record header 2^14+256", (const uint8_t *)"\x16\x03\x03\x41\x00", 5,
                 GMTLS_ALERT_RECORD_OVERFLOW);
    server_bytes("first record header 2^14+1", (const uint8_t *)"\x16\x03\x03\x40\x01", 5, GMTLS_ALERT_RECORD_OVERFLOW);
    server_bytes("first record header 2^14 (header only: wait)", (const uint8_t *)"\x16\x03\x03\x40\x00", 5,
                 GMTLS_ERR_WANT_READ);

    /* RFC 8446 §5.1: "The length MUST NOT exceed 2^14 bytes. An endpoint
     * that receives a record that exceeds this length MUST terminate the
     * connection with a "record_overflow" alert." (plaintext records) */
    ch_default(&s, GMTLS_GROUP_X25519);
    ch_encode(&s, &msg);
    static const size_t sizes[] = {GMTLS_MAX_PLAINTEXT + 1, GMTLS_MAX_PLAINTEXT + 256};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(sizes); i++) {
        char name[64];
        body.n = 0;
        bb_put(&body, msg.b, msg.n);
        bb_reserve(&body, sizes[i]);
        memset(body.b + body.n, 0, sizes[i] - body.n);
        body.n = sizes[i];
        set24(body.b + 1, sizes[i] + 100); /* the message goes on beyond */
        rec.n = 0;
        bb_u8(&rec, GMTLS_CT_HANDSHAKE);
        bb_u16(&rec, 0x0303);
        bb_u16(&rec, (unsigned)body.n);
        bb_put(&rec, body.b, body.n);
        snprintf(name, sizeof name, "plaintext record of %zu bytes", sizes[i]);
        server_bytes(name, rec.b, rec.n, GMTLS_ALERT_RECORD_OVERFLOW);
    }
    /* Exactly 2^14 is allowed: the (longer) message is just incomplete. */
    body.n = 0;
    bb_put(&body, msg.b, msg.n);
    bb_reserve(&body, GMTLS_MAX_PLAINTEXT);
    memset(body.b + body.n, 0, GMTLS_MAX_PLAINTEXT - body.n);
    body.n = GMTLS_MAX_PLAINTEXT;
    set24(body.b + 1, GMTLS_MAX_PLAINTEXT + 100);
    rec.n = 0;
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, body.b, body.n);
    server_bytes("plaintext record of exactly 2^14 bytes", rec.b, rec.n, GMTLS_ERR_WANT_READ);
    /* A ClientHello padded beyond 2^14 spread over two records works. */
    {
        bb pad = {0};
        bb_reserve(&pad, 20000);
        memset(pad.b, 0, 20000);
        pad.n = 20000;
        chspec_free(&s);
        ch_default(&s, GMTLS_GROUP_X25519);
        bb_put(ext_add(&s, GMTLS_EXT_PADDING), pad.b, pad.n);
        server_spec("ClientHello of 20 kB over two records", &s, PROCEEDS);
        bb_free(&pad);
    }
    /* RFC 8446 §5.1: "Handshake messages MUST NOT span key changes.
     * Implementations MUST verify that all messages immediately preceding a
     * key change align with a record boundary; if not, then they MUST
     * terminate the connection with an "unexpected_message" alert." The
     * ClientHello is followed by the start of another message in its record;
     * the server's write key has changed, so the alert is protected. */
    chspec_free(&s);
    ch_default(&s, GMTLS_GROUP_X25519);
    ch_encode(&s, &msg);
    bb_put(&msg, "\x14\x00", 2);
    rec.n = 0;
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
    {
        gmtls_conn *c = new_server();
        gmtls_buf out;
        gmtls_buf_init(&out);
        size_t n = rec.n;
        int rc = gmtls_handshake(c, &out, rec.b, &n);
        const char *name = "ClientHello and more handshake bytes in one record";
        expect_rc(name, c, &out, rc, GMTLS_ALERT_UNEXPECTED_MESSAGE);
        /* The output: ServerHello, CCS, the protected flight, then the alert. */
        size_t pos = 0, last = 0;
        while (pos + 5 <= out.off) {
            last = pos;
            pos += 5 + get16(out.base + pos + 3);
        }
        int a = walk_records(out.base + last, out.off - last, c->suite, g_skl.s_ap, NULL);
        verdict(a == GMTLS_ALERT_UNEXPECTED_MESSAGE, name, "protected alert record", a, GMTLS_ALERT_UNEXPECTED_MESSAGE,
                c);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(c);
    }
    chspec_free(&s);
    bb_free(&rec);
    bb_free(&body);
    bb_free(&msg);
}

/* ================================================================ full handshakes with real peers */

typedef struct {
    gmtls_config *ccfg, *scfg;
    keylog_t ckl, skl;
    tt_pair p;
    bb ch;     /* the client's ClientHello record */
    bb sh;     /* the server's ServerHello message */
    bb ccs;    /* the server's change_cipher_spec record */
    bb flight; /* the server's protected handshake messages, decrypted */
    const gmtls_suite *suite;
} duo;

/* Client and server configs for a P-256 server; tickets off. */
static void duo_configs(duo *d, const char *trust)
{
    memset(d, 0, sizeof(*d));
    const test_chain *chain = tt_chain("P-256");
    d->scfg = tt_server_config(chain);
    d->ccfg = tt_client_config(tt_chain(trust));
    if (d->scfg == NULL || d->ccfg == NULL) {
        abort();
    }
    gmtls_config_set_tickets(d->scfg, 0, 0);
    gmtls_config_set_request_ocsp(d->ccfg, 1); /* status_request offered (the misplaced-extension cases) */
    /* the flight mutations edit a plain Certificate message: the client does
     * not offer certificate compression (RFC 8879) here */
    if (gmtls_config_set_cert_compression(d->ccfg, "none") != 0) {
        abort();
    }
    gmtls_config_set_keylog(d->scfg, keylog_cb, &d->skl);
    gmtls_config_set_keylog(d->ccfg, keylog_cb, &d->ckl);
}

/* Client ClientHello -> server; splits the server's answer. */
static int duo_start(duo *d, const char *sni)
{
    size_t z = 0;
    if (tt_pair_new(&d->p, d->ccfg, d->scfg, sni) != 0) {
        abort();
    }
    int rc = gmtls_handshake(d->p.cli, &d->p.c2s, NULL, &z);
    if (rc != GMTLS_ERR_WANT_READ) {
        return rc;
    }
    bb_set(&d->ch, d->p.c2s.base, d->p.c2s.off);
    size_t n = d->p.c2s.off;
    rc = gmtls_handshake(d->p.srv, &d->p.s2c, d->p.c2s.base, &n);
    d->p.c2s.off = 0;
    if (rc != GMTLS_ERR_WANT_READ) {
        return rc;
    }
    d->suite = gmtls_suite_by_id(gmtls_conn_cipher_suite(d->p.srv));
    const uint8_t *b = d->p.s2c.base;
    size_t len = d->p.s2c.off, pos = 0;
    /* [ServerHello][CCS][protected records...] */
    if (len < 5 || b[0] != GMTLS_CT_HANDSHAKE) {
        return -1;
    }
    bb_set(&d->sh, b + 5, get16(b + 3));
    pos = 5 + get16(b + 3);
    if (pos + 6 > len || b[pos] != GMTLS_CT_CHANGE_CIPHER_SPEC) {
        return -1;
    }
    bb_set(&d->ccs, b + pos, 6);
    pos += 6;
    d->flight.n = 0;
    if (walk_records(b + pos, len - pos, d->suite, d->skl.s_hs, &d->flight) != -1) {
        return -1;
    }
    d->p.s2c.off = 0;
    return 0;
}

/* The server's flight rebuilt from sh and flight (re-protected). */
static void duo_server_bytes(const duo *d, const bb *sh, const bb *flight, bb *out)
{
    out->n = 0;
    rec_plain(out, GMTLS_CT_HANDSHAKE, sh->b, sh->n);
    bb_put(out, d->ccs.b, d->ccs.n);
    seal_typed(out, d->suite, d->skl.s_hs, 0, GMTLS_CT_HANDSHAKE, flight->b, flight->n);
}

static int duo_to_client(duo *d, const uint8_t *in, size_t n)
{
    size_t len = n;
    return gmtls_handshake(d->p.cli, &d->p.c2s, in, &len);
}

static void duo_free(duo *d)
{
    tt_pair_free(&d->p);
    gmtls_config_free(d->scfg);
    gmtls_config_free(d->ccfg);
    bb_free(&d->ch);
    bb_free(&d->sh);
    bb_free(&d->ccs);
    bb_free(&d->flight);
}

/* How the client's alert goes out. */
enum {
    ALERT_PLAIN,      /* plaintext: the ServerHello was not accepted */
    ALERT_AFTER_CCS,  /* under c_hs, after the server's change_cipher_spec arrived */
    ALERT_BEFORE_CCS, /* under c_hs, the server's change_cipher_spec not (yet) seen */
};

/* Client-side expectation: the result, stickiness, and the alert record
 * (plaintext before the ServerHello was accepted, else under c_hs). */
static void expect_client_alert(const char *name, duo *d, int rc, int want, int how)
{
    expect_rc(name, d->p.cli, &d->p.c2s, rc, want);
    if (how != ALERT_PLAIN) {
        /* RFC 8446 §D.4: the compatibility-mode change_cipher_spec goes
         * before the client's first protected record, the alert included;
         * gmtls's client sends one only when the server sent one (GmSSL's
         * server takes a change_cipher_spec only before the client Finished). */
        int ccs = d->p.c2s.off >= 6 && memcmp(d->p.c2s.base, "\x14\x03\x03\x00\x01\x01", 6) == 0;
        int want_ccs = how == ALERT_AFTER_CCS;
        verdict(ccs == want_ccs, name,
                want_ccs ? "change_cipher_spec before the protected alert"
                         : "no change_cipher_spec before the protected alert (the server sent none yet)",
                ccs, want_ccs, d->p.cli);
        expect_sealed_alert_record(name, d->p.cli, &d->p.c2s, 0, d->suite, d->ckl.c_hs, want);
    } else {
        expect_plain_alert_record(name, d->p.cli, &d->p.c2s, want);
    }
}

/* Offsets in a ServerHello message. */
static size_t sh_sid_off(void)
{
    return 4 + 2 + 32;
}

static size_t sh_suite_off(const bb *sh)
{
    return sh_sid_off() + 1 + sh->b[sh_sid_off()];
}

static size_t sh_exts_off(const bb *sh)
{
    return sh_suite_off(sh) + 3;
}

/* Offset of extension `type`'s data in the extension block at `exts` (its
 * length field) of msg, or 0. */
static size_t find_ext(const bb *msg, size_t exts, uint16_t type, size_t *len)
{
    size_t end = exts + 2 + get16(msg->b + exts), p = exts + 2;
    while (p + 4 <= end) {
        size_t l = get16(msg->b + p + 2);
        if (get16(msg->b + p) == type) {
            *len = l;
            return p + 4;
        }
        p += 4 + l;
    }
    return 0;
}

/* Appends an extension to the block at `exts` of the handshake message at
 * msg_off in buf, fixing both lengths. */
static void add_ext(bb *buf, size_t msg_off, size_t exts, uint16_t type, const void *data, size_t len)
{
    size_t end = exts + 2 + get16(buf->b + exts);
    uint8_t hdr[4] = {(uint8_t)(type >> 8), (uint8_t)type, (uint8_t)(len >> 8), (uint8_t)len};
    bb_insert(buf, end, data, len);
    bb_insert(buf, end, hdr, 4);
    set16(buf->b + exts, get16(buf->b + exts) + 4 + len);
    set24(buf->b + msg_off + 1, get24(buf->b + msg_off + 1) + 4 + len);
}

/* Offset of the first handshake message of `type` in a flight, or SIZE_MAX. */
static size_t find_msg(const bb *flight, uint8_t type)
{
    size_t p = 0;
    while (p + 4 <= flight->n) {
        if (flight->b[p] == type) {
            return p;
        }
        p += 4 + get24(flight->b + p + 1);
    }
    return (size_t)-1;
}

typedef void sh_mut_fn(bb *sh);
typedef void flight_mut_fn(bb *flight);

static void mut_sh_unknown_ext(bb *sh)
{
    add_ext(sh, 0, sh_exts_off(sh), 0x1234, "x", 1);
}

static void mut_sh_alpn(bb *sh)
{
    add_ext(sh, 0, sh_exts_off(sh), GMTLS_EXT_ALPN, "\x00\x03\x02h2", 5);
}

static void mut_sh_server_name(bb *sh)
{
    add_ext(sh, 0, sh_exts_off(sh), GMTLS_EXT_SERVER_NAME, "", 0);
}

static void mut_sh_status_request(bb *sh)
{
    add_ext(sh, 0, sh_exts_off(sh), GMTLS_EXT_STATUS_REQUEST, "", 0);
}

static void mut_sh_suite_1302(bb *sh)
{
    set16(sh->b + sh_suite_off(sh), 0x1302);
}

static void mut_sh_suite_sm4(bb *sh)
{
    set16(sh->b + sh_suite_off(sh), 0x00c6);
}

static void mut_sh_suite_unknown(bb *sh)
{
    set16(sh->b + sh_suite_off(sh), 0x1305);
}

static void mut_sh_sid_flip(bb *sh)
{
    sh->b[sh_sid_off() + 1 + 5] ^= 0x40;
}

static void mut_sh_sid_empty(bb *sh)
{
    size_t l = sh->b[sh_sid_off()];
    bb_erase(sh, sh_sid_off() + 1, l);
    sh->b[sh_sid_off()] = 0;
    set24(sh->b + 1, sh->n - 4);
}

static void mut_sh_version_12(bb *sh)
{
    size_t len, off = find_ext(sh, sh_exts_off(sh), GMTLS_EXT_SUPPORTED_VERSIONS, &len);
    if (off != 0) {
        set16(sh->b + off, 0x0303);
    }
}

static void mut_sh_legacy_0305(bb *sh)
{
    set16(sh->b + 4, 0x0305); /* legacy_version, after the 4-byte message header */
}

static void mut_sh_share_group(bb *sh)
{
    size_t len, off = find_ext(sh, sh_exts_off(sh), GMTLS_EXT_KEY_SHARE, &len);
    if (off != 0) {
        set16(sh->b + off, GMTLS_GROUP_SECP256R1);
    }
}

static void mut_sh_share_zero(bb *sh)
{
    size_t len, off = find_ext(sh, sh_exts_off(sh), GMTLS_EXT_KEY_SHARE, &len);
    if (off != 0) {
        memset(sh->b + off + 4, 0, len - 4);
    }
}

static void mut_sh_share_short(bb *sh)
{
    size_t len, off = find_ext(sh, sh_exts_off(sh), GMTLS_EXT_KEY_SHARE, &len);
    if (off != 0) {
        /* key_exchange one byte short: fix its length, the extension's, the
         * block's and the message's. */
        bb_erase(sh, off + 4, 1);
        set16(sh->b + off + 2, len - 5);
        set16(sh->b + off - 2, len - 1);
        set16(sh->b + sh_exts_off(sh), get16(sh->b + sh_exts_off(sh)) - 1);
        set24(sh->b + 1, sh->n - 4);
    }
}

static void mut_ee_ext(bb *fl, uint16_t type, const void *data, size_t len)
{
    size_t m = find_msg(fl, GMTLS_HS_ENCRYPTED_EXTENSIONS);
    if (m != (size_t)-1) {
        add_ext(fl, m, m + 4, type, data, len);
    }
}

static void mut_ee_unknown(bb *fl)
{
    mut_ee_ext(fl, 0x1234, "x", 1);
}

static void mut_ee_alpn(bb *fl)
{
    mut_ee_ext(fl, GMTLS_EXT_ALPN, "\x00\x03\x02h2", 5);
}

static void mut_ee_key_share(bb *fl)
{
    mut_ee_ext(fl, GMTLS_EXT_KEY_SHARE, "\x00\x1d\x00\x01\x01", 5);
}

static void mut_ee_versions(bb *fl)
{
    mut_ee_ext(fl, GMTLS_EXT_SUPPORTED_VERSIONS, "\x03\x04", 2);
}

static void mut_cert_empty(bb *fl)
{
    size_t m = find_msg(fl, GMTLS_HS_CERTIFICATE);
    if (m != (size_t)-1) {
        size_t len = get24(fl->b + m + 1);
        bb_erase(fl, m + 4, len);
        bb_insert(fl, m + 4, "\x00\x00\x00\x00", 4);
        set24(fl->b + m + 1, 4);
    }
}

/* Adds an extension to the first CertificateEntry (fixing the entry's
 * extension block, the certificate_list and the message lengths); with
 * `overrun` the extension's length says one byte more than it carries. */
static void cert_entry_ext(bb *fl, uint16_t type, int overrun)
{
    size_t m = find_msg(fl, GMTLS_HS_CERTIFICATE);
    if (m == (size_t)-1) {
        return;
    }
    size_t list = m + 4 + 1 + fl->b[m + 4];
    size_t entry = list + 3, exts = entry + 3 + get24(fl->b + entry);
    uint8_t e[5] = {(uint8_t)(type >> 8), (uint8_t)type, 0, (uint8_t)(1 + overrun), 0x00};
    bb_insert(fl, exts + 2 + get16(fl->b + exts), e, sizeof e);
    set16(fl->b + exts, get16(fl->b + exts) + sizeof e);
    set24(fl->b + list, get24(fl->b + list) + sizeof e);
    set24(fl->b + m + 1, get24(fl->b + m + 1) + sizeof e);
}

static void mut_cert_entry_unknown(bb *fl)
{
    cert_entry_ext(fl, 0x1234, 0);
}

/* Adds an extension with the given body to the first CertificateEntry. */
static void cert_entry_ext_body(bb *fl, uint16_t type, const void *body, size_t n)
{
    size_t m = find_msg(fl, GMTLS_HS_CERTIFICATE);
    if (m == (size_t)-1) {
        return;
    }
    size_t list = m + 4 + 1 + fl->b[m + 4];
    size_t entry = list + 3, exts = entry + 3 + get24(fl->b + entry);
    bb e = {0};
    bb_u16(&e, type);
    bb_u16(&e, n);
    bb_put(&e, body, n);
    bb_insert(fl, exts + 2 + get16(fl->b + exts), e.b, e.n);
    set16(fl->b + exts, get16(fl->b + exts) + e.n);
    set24(fl->b + list, get24(fl->b + list) + e.n);
    set24(fl->b + m + 1, get24(fl->b + m + 1) + e.n);
    bb_free(&e);
}

/* RFC 6962 §3.3: SerializedSCT sct_list <1..2^16-1>; SerializedSCT <1..2^16-1>. */
static void mut_sct_list_empty(bb *fl)
{
    cert_entry_ext_body(fl, GMTLS_EXT_SCT, "\x00\x00", 2);
}

static void mut_sct_empty_sct(bb *fl)
{
    cert_entry_ext_body(fl, GMTLS_EXT_SCT, "\x00\x02\x00\x00", 4);
}

static void mut_sct_valid(bb *fl)
{
    cert_entry_ext_body(fl, GMTLS_EXT_SCT, "\x00\x03\x00\x01\x41", 5);
}

/* Appends a second CertificateEntry (a copy of the leaf, which verification
 * does not need) carrying a status_request (OCSP) extension. */
static void mut_intermediate_ocsp(bb *fl)
{
    size_t m = find_msg(fl, GMTLS_HS_CERTIFICATE);
    if (m == (size_t)-1) {
        return;
    }
    size_t list = m + 4 + 1 + fl->b[m + 4], entry = list + 3, certlen = get24(fl->b + entry);
    bb e = {0};
    bb_u24(&e, certlen);
    bb_put(&e, fl->b + entry + 3, certlen);
    bb_put(&e, "\x00\x09\x00\x05\x00\x05\x01\x00\x00\x01\x41", 11);
    bb_insert(fl, list + 3 + get24(fl->b + list), e.b, e.n);
    set24(fl->b + list, get24(fl->b + list) + e.n);
    set24(fl->b + m + 1, get24(fl->b + m + 1) + e.n);
    bb_free(&e);
}

static void mut_cert_entry_overrun(bb *fl)
{
    cert_entry_ext(fl, GMTLS_EXT_SCT, 1);
}

static void mut_cv_sig(bb *fl)
{
    size_t m = find_msg(fl, GMTLS_HS_CERTIFICATE_VERIFY);
    if (m != (size_t)-1) {
        fl->b[m + 4 + get24(fl->b + m + 1) - 3] ^= 0x10;
    }
}

static void mut_cv_scheme(bb *fl)
{
    size_t m = find_msg(fl, GMTLS_HS_CERTIFICATE_VERIFY);
    if (m != (size_t)-1) {
        set16(fl->b + m + 4, 0x0503); /* ecdsa_secp384r1_sha384 on a P-256 key */
    }
}

static void mut_fin_value(bb *fl)
{
    size_t m = find_msg(fl, GMTLS_HS_FINISHED);
    if (m != (size_t)-1) {
        fl->b[m + 4 + 7] ^= 0x01;
    }
}

static void mut_fin_short(bb *fl)
{
    size_t m = find_msg(fl, GMTLS_HS_FINISHED);
    if (m != (size_t)-1) {
        fl->n--;
        set24(fl->b + m + 1, get24(fl->b + m + 1) - 1);
    }
}

static void mut_drop_cert(bb *fl)
{
    size_t m = find_msg(fl, GMTLS_HS_CERTIFICATE);
    if (m != (size_t)-1) {
        bb_erase(fl, m, 4 + get24(fl->b + m + 1));
    }
}

/* The server's leaf certificate_data no longer DER: its first byte (the
 * SEQUENCE tag) replaced. */
static void mut_cert_garbage(bb *fl)
{
    size_t m = find_msg(fl, GMTLS_HS_CERTIFICATE);
    if (m != (size_t)-1) {
        /* type, length, context<0..255> (empty), certificate_list length,
         * cert_data length, then the DER */
        fl->b[m + 4 + 1 + 3 + 3] = 0xff;
    }
}

static void client_sh_case(const char *name, sh_mut_fn *mut, const char *suites, int want)
{
    duo d;
    bb sh = {0}, in = {0};
    duo_configs(&d, "P-256");
    if (suites != NULL && gmtls_config_set_cipher_suites(d.ccfg, suites) != 0) {
        abort();
    }
    int rc = duo_start(&d, "localhost");
    verdict(rc == 0, name, "setup", rc, 0, d.p.srv);
    if (rc == 0) {
        bb_put(&sh, d.sh.b, d.sh.n);
        mut(&sh);
        duo_server_bytes(&d, &sh, &d.flight, &in);
        rc = duo_to_client(&d, in.b, in.n);
        expect_client_alert(name, &d, rc, want, ALERT_PLAIN);
    }
    bb_free(&sh);
    bb_free(&in);
    duo_free(&d);
}

static void client_flight_case(const char *name, flight_mut_fn *mut, int want)
{
    duo d;
    bb fl = {0}, in = {0};
    duo_configs(&d, "P-256");
    int rc = duo_start(&d, "localhost");
    verdict(rc == 0, name, "setup", rc, 0, d.p.srv);
    if (rc == 0) {
        bb_put(&fl, d.flight.b, d.flight.n);
        if (mut != NULL) {
            mut(&fl);
        }
        duo_server_bytes(&d, &d.sh, &fl, &in);
        rc = duo_to_client(&d, in.b, in.n);
        if (want == 0) {
            verdict(rc == 0, name, "client completes", rc, 0, d.p.cli);
        } else {
            expect_client_alert(name, &d, rc, want, ALERT_AFTER_CCS);
        }
    }
    bb_free(&fl);
    bb_free(&in);
    duo_free(&d);
}

static void test_client_side(void)
{
    /* Control: the re-protected, unmodified flight is accepted. */
    client_flight_case("client: unmodified re-sealed flight", NULL, 0);

    /* RFC 8446 §4.2: "Implementations MUST NOT send extension responses if
     * the remote endpoint did not send the corresponding extension requests,
     * with the exception of the "cookie" extension in the HelloRetryRequest.
     * Upon receiving such an extension, an endpoint MUST abort the handshake
     * with an "unsupported_extension" alert." */
    client_sh_case("client: unknown extension in ServerHello", mut_sh_unknown_ext, NULL,
                   GMTLS_ALERT_UNSUPPORTED_EXTENSION);
    client_sh_case("client: unrequested ALPN in ServerHello", mut_sh_alpn, NULL, GMTLS_ALERT_UNSUPPORTED_EXTENSION);
    client_flight_case("client: unknown extension in EncryptedExtensions", mut_ee_unknown,
                       GMTLS_ALERT_UNSUPPORTED_EXTENSION);
    client_flight_case("client: unrequested ALPN in EncryptedExtensions", mut_ee_alpn,
                       GMTLS_ALERT_UNSUPPORTED_EXTENSION);
    /* RFC 8446 §4.2: "If an implementation receives an extension which it
     * recognizes and which is not specified for the message in which it
     * appears, it MUST abort the handshake with an "illegal_parameter"
     * alert." server_name and status_request were requested by the client
     * but belong to EncryptedExtensions / Certificate, not ServerHello. */
    client_sh_case("client: server_name in ServerHello", mut_sh_server_name, NULL, GMTLS_ALERT_ILLEGAL_PARAMETER);
    client_sh_case("client: status_request in ServerHello", mut_sh_status_request, NULL, GMTLS_ALERT_ILLEGAL_PARAMETER);
    client_flight_case("client: key_share in EncryptedExtensions", mut_ee_key_share, GMTLS_ALERT_ILLEGAL_PARAMETER);
    client_flight_case("client: supported_versions in EncryptedExtensions", mut_ee_versions,
                       GMTLS_ALERT_ILLEGAL_PARAMETER);

    /* RFC 8446 §4.1.3: "A client which receives a cipher suite that was not
     * offered MUST abort the handshake with an "illegal_parameter" alert." */
    client_sh_case("client: ServerHello suite not offered (AES-256)", mut_sh_suite_1302, "TLS_AES_128_GCM_SHA256",
                   GMTLS_ALERT_ILLEGAL_PARAMETER);
    client_sh_case("client: ServerHello suite not offered (SM4-GCM)", mut_sh_suite_sm4, "TLS_AES_128_GCM_SHA256",
                   GMTLS_ALERT_ILLEGAL_PARAMETER);
    client_sh_case("client: ServerHello unknown suite", mut_sh_suite_unknown, NULL, GMTLS_ALERT_ILLEGAL_PARAMETER);
    /* RFC 8446 §4.1.3: "A client which receives a legacy_session_id_echo
     * field that does not match what it sent in the ClientHello MUST abort
     * the handshake with an "illegal_parameter" alert." */
    client_sh_case("client: session id echo changed", mut_sh_sid_flip, NULL, GMTLS_ALERT_ILLEGAL_PARAMETER);
    client_sh_case("client: session id echo empty", mut_sh_sid_empty, NULL, GMTLS_ALERT_ILLEGAL_PARAMETER);
    /* RFC 8446 §4.2.1: "If the "supported_versions" extension in the
     * ServerHello contains a version not offered by the client or contains a
     * version prior to TLS 1.3, the client MUST abort the handshake with an
     * "illegal_parameter" alert." */
    client_sh_case("client: ServerHello selects TLS 1.2", mut_sh_version_12, NULL, GMTLS_ALERT_ILLEGAL_PARAMETER);
    /* RFC 8446 §4.1.3: a TLS 1.3 ServerHello's legacy_version MUST be 0x0303. */
    client_sh_case("client: ServerHello legacy_version 0x0305", mut_sh_legacy_0305, NULL,
                   GMTLS_ALERT_ILLEGAL_PARAMETER);
    /* RFC 8446 §4.2.8: the server's share "MUST be in the same group as the
     * KeyShareEntry value offered by the client"; §4.2.8.2 / §7.4.2: invalid
     * shares and an all-zero X25519 secret abort (illegal_parameter as the
     * reference). */
    client_sh_case("client: ServerHello share for another group", mut_sh_share_group, NULL,
                   GMTLS_ALERT_ILLEGAL_PARAMETER);
    client_sh_case("client: ServerHello all-zero x25519 share", mut_sh_share_zero, NULL, GMTLS_ALERT_ILLEGAL_PARAMETER);
    client_sh_case("client: ServerHello x25519 share of 31 bytes", mut_sh_share_short, NULL,
                   GMTLS_ALERT_ILLEGAL_PARAMETER);

    /* RFC 8446 §4.4.2.4: "If the server supplies an empty Certificate
     * message, the client MUST abort the handshake with a "decode_error"
     * alert." */
    client_flight_case("client: empty server Certificate", mut_cert_empty, GMTLS_ALERT_DECODE_ERROR);
    /* RFC 8446 §4.4.2: "If an extension applies to the entire chain, it
     * SHOULD be included in the first CertificateEntry" and the extensions
     * "MUST correspond to ones from the ClientHello message"; §4.2: an
     * unrequested extension -> unsupported_extension. A CertificateEntry
     * extension block that overruns -> decode_error. (Under ASan both also
     * check that the certificate copied before the failure is freed.) */
    client_flight_case("client: unsolicited CertificateEntry extension", mut_cert_entry_unknown,
                       GMTLS_ALERT_UNSUPPORTED_EXTENSION);
    client_flight_case("client: CertificateEntry extension overruns", mut_cert_entry_overrun, GMTLS_ALERT_DECODE_ERROR);
    client_flight_case("client: empty SCT list", mut_sct_list_empty, GMTLS_ALERT_DECODE_ERROR);
    client_flight_case("client: SCT list with an empty SCT", mut_sct_empty_sct, GMTLS_ALERT_DECODE_ERROR);
    /* Accepted Certificate messages: the client gets as far as the
     * CertificateVerify, which no longer signs the changed transcript. */
    client_flight_case("client: well-formed SCT list (control)", mut_sct_valid, GMTLS_ALERT_DECRYPT_ERROR);
    /* RFC 8446 §4.4.2.1: OCSP on an intermediate's entry is allowed (ignored). */
    client_flight_case("client: status_request on the second CertificateEntry", mut_intermediate_ocsp,
                       GMTLS_ALERT_DECRYPT_ERROR);
    /* RFC 8446 §4.4: the server's flight is EE, Certificate, CV, Finished in
     * that order; a missing Certificate -> unexpected_message. */
    client_flight_case("client: server Certificate missing", mut_drop_cert, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    /* A leaf certificate that is not DER: RFC 8446 §6.2 leaves the alert
     * open (bad_certificate "corrupt", decode_error); gmtls sends
     * BoringSSL's, decode_error. */
    client_flight_case("client: server certificate is not DER", mut_cert_garbage, GMTLS_ALERT_DECODE_ERROR);
    /* RFC 8446 §4.4.3: "If the verification fails, the receiver MUST
     * terminate the handshake with a "decrypt_error" alert." */
    client_flight_case("client: bad CertificateVerify signature", mut_cv_sig, GMTLS_ALERT_DECRYPT_ERROR);
    /* RFC 8446 §4.4.3: the scheme must be one the client offered and fit the
     * key (ecdsa_secp384r1_sha384 on a P-256 key) -> illegal_parameter. */
    client_flight_case("client: CertificateVerify scheme does not fit the key", mut_cv_scheme,
                       GMTLS_ALERT_ILLEGAL_PARAMETER);
    /* RFC 8446 §4.4.4: "Recipients of Finished messages MUST verify that the
     * contents are correct and if incorrect MUST terminate the connection
     * with a "decrypt_error" alert." A verify_data of the wrong length does
     * not decode (decode_error). */
    client_flight_case("client: bad server Finished", mut_fin_value, GMTLS_ALERT_DECRYPT_ERROR);
    client_flight_case("client: short server Finished", mut_fin_short, GMTLS_ALERT_DECODE_ERROR);

    /* RFC 8446 §6.2: "unknown_ca: A valid certificate chain or partial chain
     * was received, but the certificate was not accepted because the CA
     * certificate could not be located or could not be matched with a known
     * trust anchor." "bad_certificate: A certificate was corrupt, contained
     * signatures that did not verify correctly, etc." (a name mismatch; the
     * reference and OpenSSL use bad_certificate). */
    {
        duo d;
        bb in = {0};
        duo_configs(&d, "P-384"); /* trusts another CA */
        int rc = duo_start(&d, "localhost");
        verdict(rc == 0, "client: unknown CA", "setup", rc, 0, d.p.srv);
        duo_server_bytes(&d, &d.sh, &d.flight, &in);
        rc = duo_to_client(&d, in.b, in.n);
        expect_client_alert("client: server certificate from an unknown CA", &d, rc, GMTLS_ALERT_UNKNOWN_CA,
                            ALERT_AFTER_CCS);
        duo_free(&d);
        duo_configs(&d, "P-256");
        rc = duo_start(&d, "wrong.example");
        verdict(rc == 0, "client: wrong host", "setup", rc, 0, d.p.srv);
        duo_server_bytes(&d, &d.sh, &d.flight, &in);
        rc = duo_to_client(&d, in.b, in.n);
        expect_client_alert("client: certificate for another host name", &d, rc, GMTLS_ALERT_BAD_CERTIFICATE,
                            ALERT_AFTER_CCS);
        duo_free(&d);
        bb_free(&in);
    }

    /* RFC 8446 §5.1 (as above, on the client): the ServerHello precedes a
     * key change, so it must end its record. */
    {
        duo d;
        bb in = {0}, m = {0};
        duo_configs(&d, "P-256");
        int rc = duo_start(&d, "localhost");
        verdict(rc == 0, "client: ServerHello + more", "setup", rc, 0, d.p.srv);
        bb_put(&m, d.sh.b, d.sh.n);
        bb_put(&m, "\x08\x00", 2);
        rec_plain(&in, GMTLS_CT_HANDSHAKE, m.b, m.n);
        rc = duo_to_client(&d, in.b, in.n);
        expect_client_alert("client: ServerHello and more handshake bytes in one record", &d, rc,
                            GMTLS_ALERT_UNEXPECTED_MESSAGE, ALERT_BEFORE_CCS);
        bb_free(&m);
        bb_free(&in);
        duo_free(&d);
    }
    /* RFC 8446 §4: messages out of order -> unexpected_message; a
     * ServerHello is expected first. */
    {
        duo d;
        bb in = {0};
        duo_configs(&d, "P-256");
        int rc = duo_start(&d, "localhost");
        verdict(rc == 0, "client: wrong first", "setup", rc, 0, d.p.srv);
        bb m = {0};
        bb_put(&m, d.sh.b, d.sh.n);
        m.b[0] = GMTLS_HS_ENCRYPTED_EXTENSIONS;
        rec_plain(&in, GMTLS_CT_HANDSHAKE, m.b, m.n);
        rc = duo_to_client(&d, in.b, in.n);
        expect_client_alert("client: EncryptedExtensions before ServerHello", &d, rc, GMTLS_ALERT_UNEXPECTED_MESSAGE,
                            ALERT_PLAIN);
        bb_free(&m);
        bb_free(&in);
        duo_free(&d);
    }
}

/* A client offering x25519 then secp256r1 and a server with secp256r1 only,
 * in memory, after the first ClientHello went through the server: h->p.s2c
 * holds the HelloRetryRequest record (then the CCS), *hrr the message.
 * Returns the server's result. */
typedef struct {
    gmtls_config *scfg, *ccfg;
    tt_pair p;
} hrr_duo;

static int hrr_duo_start(hrr_duo *h, bb *hrr)
{
    size_t z = 0, n;
    h->scfg = tt_server_config(tt_chain("P-256"));
    h->ccfg = tt_client_config(tt_chain("P-256"));
    if (h->scfg == NULL || h->ccfg == NULL || gmtls_config_set_groups(h->ccfg, "x25519:secp256r1") != 0 ||
        gmtls_config_set_groups(h->scfg, "secp256r1") != 0 || tt_pair_new(&h->p, h->ccfg, h->scfg, "localhost") != 0) {
        abort();
    }
    (void)gmtls_handshake(h->p.cli, &h->p.c2s, NULL, &z);
    n = h->p.c2s.off;
    int rc = gmtls_handshake(h->p.srv, &h->p.s2c, h->p.c2s.base, &n);
    h->p.c2s.off = 0;
    bb_set(hrr, h->p.s2c.base + 5, get16(h->p.s2c.base + 3));
    return rc;
}

static void hrr_duo_free(hrr_duo *h)
{
    tt_pair_free(&h->p);
    gmtls_config_free(h->scfg);
    gmtls_config_free(h->ccfg);
}

/* A cookie in the ServerHello that follows a HelloRetryRequest whose cookie
 * the client echoed: RFC 8446 §4.2: "If an implementation receives an
 * extension which it recognizes and which is not specified for the message
 * in which it appears, it MUST abort the handshake with an
 * "illegal_parameter" alert." (cookie: CH, HRR; without the echo it answers
 * nothing the client sent: unsupported_extension, test_client_conformance.) */
static void test_client_sh_cookie_after_hrr(void)
{
    const char *name = "client: cookie in the ServerHello after echoing one";
    hrr_duo h;
    tt_pair *p = &h.p;
    size_t n, len = 0;
    bb hrr = {0}, sh = {0}, rec = {0};
    int rc = hrr_duo_start(&h, &hrr);
    verdict(rc == GMTLS_ERR_WANT_READ && hrr.n > 40 && find_ext(&hrr, sh_exts_off(&hrr), GMTLS_EXT_COOKIE, &len) != 0,
            name, "server sends HelloRetryRequest with a cookie", rc, GMTLS_ERR_WANT_READ, p->srv);
    n = p->s2c.off;
    rc = gmtls_handshake(p->cli, &p->c2s, p->s2c.base, &n);
    p->s2c.off = 0;
    verdict(rc == GMTLS_ERR_WANT_READ, name, "client sends ClientHello2", rc, GMTLS_ERR_WANT_READ, p->cli);
    n = p->c2s.off;
    rc = gmtls_handshake(p->srv, &p->s2c, p->c2s.base, &n);
    p->c2s.off = 0;
    verdict(rc == GMTLS_ERR_WANT_READ && p->s2c.off > 5 && p->s2c.base[0] == GMTLS_CT_HANDSHAKE, name,
            "server answers with a ServerHello record", rc, GMTLS_ERR_WANT_READ, p->srv);
    /* The ServerHello record alone, with a cookie added. */
    bb_set(&sh, p->s2c.base + 5, get16(p->s2c.base + 3));
    add_ext(&sh, 0, sh_exts_off(&sh), GMTLS_EXT_COOKIE, "\x00\x01\x63", 3);
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, sh.b, sh.n);
    n = rec.n;
    rc = gmtls_handshake(p->cli, &p->c2s, rec.b, &n);
    expect_rc(name, p->cli, &p->c2s, rc, GMTLS_ALERT_ILLEGAL_PARAMETER);
    expect_plain_alert_record(name, p->cli, &p->c2s, GMTLS_ALERT_ILLEGAL_PARAMETER);
    bb_free(&hrr);
    bb_free(&sh);
    bb_free(&rec);
    hrr_duo_free(&h);
}

/* HelloRetryRequest seen by the client: client offers x25519 first, the
 * server only secp256r1 (or the HRR is rewritten). */
static void test_client_hrr(void)
{
    static const char *const names[] = {"client: second HelloRetryRequest",
                                        "client: HRR selects the group already offered",
                                        "client: HRR selects a group not offered",
                                        "client: HRR with an unknown extension",
                                        "client: HRR and more handshake bytes in one record",
                                        "client: HRR with compression method 1",
                                        "client: HRR with two cookies"};
    /* RFC 8446 §4.1.4: "If a client receives a second HelloRetryRequest in
     * the same connection (i.e., where the ClientHello was itself in response
     * to a HelloRetryRequest), it MUST abort the handshake with an
     * "unexpected_message" alert." §4.2.8: "Upon receipt of this extension
     * in a HelloRetryRequest, the client MUST verify that (1) the
     * selected_group field corresponds to a group which was provided in the
     * "supported_groups" extension in the original ClientHello and (2) the
     * selected_group field does not correspond to a group which was provided
     * in the "key_share" extension in the original ClientHello. If either of
     * these checks fails, then the client MUST abort the handshake with an
     * "illegal_parameter" alert." §4.2 for the unsolicited extension ->
     * unsupported_extension. §5.1: a ServerHello (the HRR is one) MUST end
     * at a record boundary -> unexpected_message. §4.1.3:
     * legacy_compression_method "MUST have the value 0" and §4.2: "There
     * MUST NOT be more than one extension of the same type": the RFC names
     * no alert, gmtls sends BoringSSL's (decode_error, illegal_parameter). */
    static const int want[] = {GMTLS_ALERT_UNEXPECTED_MESSAGE, GMTLS_ALERT_ILLEGAL_PARAMETER,
                               GMTLS_ALERT_ILLEGAL_PARAMETER,  GMTLS_ALERT_UNSUPPORTED_EXTENSION,
                               GMTLS_ALERT_UNEXPECTED_MESSAGE, GMTLS_ALERT_DECODE_ERROR,
                               GMTLS_ALERT_ILLEGAL_PARAMETER};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(names); i++) {
        hrr_duo h;
        tt_pair *p = &h.p;
        size_t n;
        bb hrr = {0}, rec = {0};
        int rc = hrr_duo_start(&h, &hrr);
        verdict(rc == GMTLS_ERR_WANT_READ && hrr.n > 40 && memcmp(hrr.b + 6, "\xcf\x21\xad\x74", 4) == 0, names[i],
                "server sends HelloRetryRequest", rc, GMTLS_ERR_WANT_READ, p->srv);
        if (i == 0) {
            n = p->s2c.off;
            rc = gmtls_handshake(p->cli, &p->c2s, p->s2c.base, &n);
            verdict(rc == GMTLS_ERR_WANT_READ, names[i], "client answers the first HRR", rc, GMTLS_ERR_WANT_READ,
                    p->cli);
            p->c2s.off = 0;
        } else {
            size_t len, off = find_ext(&hrr, sh_exts_off(&hrr), GMTLS_EXT_KEY_SHARE, &len);
            if (i == 1 && off != 0) {
                set16(hrr.b + off, GMTLS_GROUP_X25519);
            } else if (i == 2 && off != 0) {
                set16(hrr.b + off, GMTLS_GROUP_SECP384R1);
            } else if (i == 3) {
                add_ext(&hrr, 0, sh_exts_off(&hrr), 0x1234, "", 0);
            } else if (i == 5) {
                hrr.b[sh_exts_off(&hrr) - 1] = 1; /* legacy_compression_method */
            } else if (i == 6) {
                add_ext(&hrr, 0, sh_exts_off(&hrr), GMTLS_EXT_COOKIE, "\x00\x01\x63", 3);
            }
        }
        if (i == 4) {
            bb_put(&hrr, "\x02\x00", 2); /* the start of a ServerHello in the HRR's record */
        }
        rec_plain(&rec, GMTLS_CT_HANDSHAKE, hrr.b, hrr.n);
        n = rec.n;
        rc = gmtls_handshake(p->cli, &p->c2s, rec.b, &n);
        expect_rc(names[i], p->cli, &p->c2s, rc, want[i]);
        if (i == 4) {
            /* Only the alert goes out, not the second ClientHello. */
            verdict(p->c2s.off == 7, names[i], "output is the alert record alone", (int)p->c2s.off, 7, p->cli);
        }
        expect_plain_alert_record(names[i], p->cli, &p->c2s, want[i]);
        bb_free(&hrr);
        bb_free(&rec);
        hrr_duo_free(&h);
    }
}

/* ================================================================ server: the client's second flight */

typedef struct {
    duo d;
    bb fin; /* the client's Finished message, decrypted */
} duo2;

/* Runs to the point where the server waits for the client's Finished. */
static int duo2_start(duo2 *x)
{
    memset(x, 0, sizeof(*x));
    duo_configs(&x->d, "P-256");
    int rc = duo_start(&x->d, "localhost");
    if (rc != 0) {
        return rc;
    }
    bb in = {0};
    duo_server_bytes(&x->d, &x->d.sh, &x->d.flight, &in);
    rc = duo_to_client(&x->d, in.b, in.n);
    bb_free(&in);
    if (rc != 0) {
        return rc;
    }
    /* [CCS][Finished under c_hs] */
    const uint8_t *b = x->d.p.c2s.base;
    size_t n = x->d.p.c2s.off;
    if (n < 6 || b[0] != GMTLS_CT_CHANGE_CIPHER_SPEC) {
        return -1;
    }
    if (walk_records(b + 6, n - 6, x->d.suite, x->d.ckl.c_hs, &x->fin) != -1) {
        return -1;
    }
    x->d.p.c2s.off = 0;
    return 0;
}

static void duo2_free(duo2 *x)
{
    duo_free(&x->d);
    bb_free(&x->fin);
}

/* Feeds in to the server; checks the result and the alert under s_ap. */
static void server_second_case(const char *name, duo2 *x, const bb *in, int want)
{
    gmtls_conn *srv = x->d.p.srv;
    gmtls_buf *out = &x->d.p.s2c;
    size_t n = in->n, from = out->off;
    int rc = gmtls_handshake(srv, out, in->b, &n);
    if (want == 0 || want == GMTLS_ERR_WANT_READ) {
        verdict(rc == want && out->off == from, name, "result", rc, want, srv);
        return;
    }
    expect_rc(name, srv, out, rc, want);
    expect_sealed_alert_record(name, srv, out, from, x->d.suite, x->d.skl.s_ap, want);
}

typedef void second_fn(duo2 *x, bb *in);

static void sec_fin_value(duo2 *x, bb *in)
{
    x->fin.b[4 + 3] ^= 0x80;
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, x->fin.b, x->fin.n);
}

static void sec_fin_long(duo2 *x, bb *in)
{
    bb_u8(&x->fin, 0);
    set24(x->fin.b + 1, x->fin.n - 4);
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, x->fin.b, x->fin.n);
}

static void sec_ciphertext_flip(duo2 *x, bb *in)
{
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, x->fin.b, x->fin.n);
    in->b[5 + 2] ^= 0x01;
}

static void sec_tag_flip(duo2 *x, bb *in)
{
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, x->fin.b, x->fin.n);
    in->b[in->n - 1] ^= 0x01;
}

static void sec_header_flip(duo2 *x, bb *in)
{
    /* The record header is the AEAD's additional data (RFC 8446 §5.2). */
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, x->fin.b, x->fin.n);
    in->b[2] ^= 0x01;
}

static void sec_wrong_seq(duo2 *x, bb *in)
{
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 1, GMTLS_CT_HANDSHAKE, x->fin.b, x->fin.n);
}

static void sec_short_record(duo2 *x, bb *in)
{
    (void)x;
    rec_plain(in, GMTLS_CT_APPLICATION_DATA, (const uint8_t *)"0123456789abcde", 15);
}

static void sec_all_zero(duo2 *x, bb *in)
{
    uint8_t z[24] = {0};
    seal_inner(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_APPLICATION_DATA, z, sizeof z);
}

static void sec_unknown_inner(duo2 *x, bb *in)
{
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, 0x30, x->fin.b, x->fin.n);
}

static void sec_inner_appdata(duo2 *x, bb *in)
{
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_APPLICATION_DATA, (const uint8_t *)"early", 5);
}

static void sec_inner_ccs(duo2 *x, bb *in)
{
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1);
}

static void sec_outer_handshake(duo2 *x, bb *in)
{
    bb inner = {0};
    bb_put(&inner, x->fin.b, x->fin.n);
    bb_u8(&inner, GMTLS_CT_HANDSHAKE);
    seal_inner(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, inner.b, inner.n);
    bb_free(&inner);
}

static void sec_inner_too_long(duo2 *x, bb *in)
{
    bb inner = {0};
    bb_reserve(&inner, GMTLS_MAX_PLAINTEXT + 2);
    memset(inner.b, 0x16, GMTLS_MAX_PLAINTEXT + 2);
    inner.n = GMTLS_MAX_PLAINTEXT + 2; /* 2^14 + 1 content bytes + type */
    seal_inner(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_APPLICATION_DATA, inner.b, inner.n);
    bb_free(&inner);
}

static void sec_padding_too_long(duo2 *x, bb *in)
{
    bb inner = {0};
    bb_put(&inner, x->fin.b, x->fin.n);
    bb_u8(&inner, GMTLS_CT_HANDSHAKE);
    bb_reserve(&inner, GMTLS_MAX_PLAINTEXT + 2);
    memset(inner.b + inner.n, 0, GMTLS_MAX_PLAINTEXT + 2 - inner.n);
    inner.n = GMTLS_MAX_PLAINTEXT + 2; /* TLSInnerPlaintext of 2^14 + 2 bytes */
    seal_inner(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_APPLICATION_DATA, inner.b, inner.n);
    bb_free(&inner);
}

static void sec_fin_then_keyupdate(duo2 *x, bb *in)
{
    bb_put(&x->fin, "\x18\x00\x00\x01\x00", 5);
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, x->fin.b, x->fin.n);
}

static void sec_keyupdate(duo2 *x, bb *in)
{
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, (const uint8_t *)"\x18\x00\x00\x01\x00", 5);
}

static void sec_client_hello(duo2 *x, bb *in)
{
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, x->d.ch.b + 5, x->d.ch.n - 5);
}

static void sec_plain_ccs_then_fin(duo2 *x, bb *in)
{
    rec_plain(in, GMTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1);
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, x->fin.b, x->fin.n);
}

static void sec_plain_ccs2(duo2 *x, bb *in)
{
    (void)x;
    rec_plain(in, GMTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x02", 1);
}

static void sec_fin_fragmented(duo2 *x, bb *in)
{
    /* RFC 8446 §5.1: a Finished split over two records is legal. */
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, x->fin.b, 3);
    seal_typed(in, x->d.suite, x->d.ckl.c_hs, 1, GMTLS_CT_HANDSHAKE, x->fin.b + 3, x->fin.n - 3);
}

static void sec_fin_padded(duo2 *x, bb *in)
{
    /* RFC 8446 §5.4: padding zeros after the content type are stripped. */
    bb inner = {0};
    bb_put(&inner, x->fin.b, x->fin.n);
    bb_u8(&inner, GMTLS_CT_HANDSHAKE);
    bb_put(&inner, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
    seal_inner(in, x->d.suite, x->d.ckl.c_hs, 0, GMTLS_CT_APPLICATION_DATA, inner.b, inner.n);
    bb_free(&inner);
}

static void run_second(const char *name, second_fn *fn, int want)
{
    duo2 x;
    bb in = {0};
    int rc = duo2_start(&x);
    verdict(rc == 0, name, "setup", rc, 0, x.d.p.cli);
    if (rc == 0) {
        fn(&x, &in);
        server_second_case(name, &x, &in, want);
    }
    bb_free(&in);
    duo2_free(&x);
}

static void test_server_second_flight(void)
{
    /* Controls: the real Finished, fragmented, padded, after a CCS 01. */
    run_second("server: client Finished fragmented over two records", sec_fin_fragmented, 0);
    run_second("server: client Finished with padding", sec_fin_padded, 0);
    run_second("server: CCS 01 then client Finished", sec_plain_ccs_then_fin, 0);
    /* RFC 8446 §4.4.4: "Recipients of Finished messages MUST verify that the
     * contents are correct and if incorrect MUST terminate the connection
     * with a "decrypt_error" alert." */
    run_second("server: bad client Finished", sec_fin_value, GMTLS_ALERT_DECRYPT_ERROR);
    /* verify_data is opaque[Hash.length]: another length does not decode. */
    run_second("server: client Finished one byte long", sec_fin_long, GMTLS_ALERT_DECODE_ERROR);
    /* RFC 8446 §5.2: "If the decryption fails, the receiver MUST terminate
     * the connection with a "bad_record_mac" alert." */
    run_second("server: ciphertext byte flipped", sec_ciphertext_flip, GMTLS_ALERT_BAD_RECORD_MAC);
    run_second("server: tag byte flipped", sec_tag_flip, GMTLS_ALERT_BAD_RECORD_MAC);
    run_second("server: record header (AAD) changed", sec_header_flip, GMTLS_ALERT_BAD_RECORD_MAC);
    run_second("server: record sealed with the wrong sequence number", sec_wrong_seq, GMTLS_ALERT_BAD_RECORD_MAC);
    run_second("server: protected record shorter than the tag", sec_short_record, GMTLS_ALERT_BAD_RECORD_MAC);
    /* RFC 8446 §5.4: "If a receiving implementation does not find a non-zero
     * octet in the cleartext, it MUST terminate the connection with an
     * "unexpected_message" alert." */
    run_second("server: inner plaintext all zeros", sec_all_zero, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    /* RFC 8446 §5: "If a TLS implementation receives an unexpected record
     * type, it MUST terminate the connection with an "unexpected_message"
     * alert." (unknown inner type; application data before the handshake
     * completed; a protected change_cipher_spec; a protected record whose
     * outer type is not application_data, §5.2). */
    run_second("server: unknown inner content type", sec_unknown_inner, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    run_second("server: application data before the client Finished", sec_inner_appdata,
               GMTLS_ALERT_UNEXPECTED_MESSAGE);
    run_second("server: protected change_cipher_spec", sec_inner_ccs, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    run_second("server: protected record with outer type handshake", sec_outer_handshake,
               GMTLS_ALERT_UNEXPECTED_MESSAGE);
    run_second("server: change_cipher_spec value 2 during the handshake", sec_plain_ccs2,
               GMTLS_ALERT_UNEXPECTED_MESSAGE);
    /* RFC 8446 §5.2: "The length [of TLSInnerPlaintext] MUST NOT exceed 2^14
     * + 1 octets. An endpoint that receives a record that exceeds this length
     * MUST terminate the connection with a "record_overflow" alert." */
    run_second("server: inner content of 2^14+1 bytes", sec_inner_too_long, GMTLS_ALERT_RECORD_OVERFLOW);
    run_second("server: TLSInnerPlaintext of 2^14+2 bytes (padding)", sec_padding_too_long,
               GMTLS_ALERT_RECORD_OVERFLOW);
    /* RFC 8446 §5.1: "Handshake messages MUST NOT span key changes.
     * Implementations MUST verify that all messages immediately preceding a
     * key change align with a record boundary; if not, then they MUST
     * terminate the connection with an "unexpected_message" alert." */
    run_second("server: Finished and KeyUpdate in one record", sec_fin_then_keyupdate, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    /* RFC 8446 §4: out-of-order messages -> unexpected_message; §4.1.2: a
     * ClientHello "at any other time" -> unexpected_message. */
    run_second("server: KeyUpdate before the client Finished", sec_keyupdate, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    run_second("server: ClientHello instead of the client Finished", sec_client_hello, GMTLS_ALERT_UNEXPECTED_MESSAGE);
}

/* ================================================================ after the handshake */

static int done_start(duo *d)
{
    duo_configs(d, "P-256");
    if (tt_pair_new(&d->p, d->ccfg, d->scfg, "localhost") != 0) {
        abort();
    }
    int rc = tt_handshake(&d->p);
    if (rc == 0) {
        d->suite = gmtls_suite_by_id(gmtls_conn_cipher_suite(d->p.srv));
    }
    d->p.c2s.off = d->p.s2c.off = 0;
    return rc;
}

static void test_post_handshake(void)
{
    static const struct {
        const char *name;
        int to_server;
        int kind; /* 0 plaintext CCS 01, 1 KeyUpdate 2, 2 KeyUpdate len 2, 3 all zeros, 4 ClientHello,
                     5 valid KeyUpdate(1), 6 Finished again, 7 plaintext handshake record,
                     8 NewSessionTicket, 9 NewSessionTicket with two early_data,
                     10 two KeyUpdate(1), 11 33 KeyUpdate(0),
                     12 NewSessionTicket with key_share */
        int want;
    } cases[] = {
        /* RFC 8446 §5: a change_cipher_spec "after the peer's Finished message
         * ... MUST be treated as an unexpected record type" -> unexpected_message. */
        {"server: CCS after the handshake", 1, 0, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        {"client: CCS after the handshake", 0, 0, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        /* RFC 8446 §4.6.3: "If an implementation receives any other value
         * [than update_not_requested(0) or update_requested(1)], it MUST
         * terminate the connection with an "illegal_parameter" alert." */
        {"server: KeyUpdate value 2", 1, 1, GMTLS_ALERT_ILLEGAL_PARAMETER},
        {"client: KeyUpdate value 2", 0, 1, GMTLS_ALERT_ILLEGAL_PARAMETER},
        /* struct { KeyUpdateRequest request_update; } KeyUpdate -> decode_error. */
        {"server: KeyUpdate of 2 bytes", 1, 2, GMTLS_ALERT_DECODE_ERROR},
        /* RFC 8446 §5.4: no non-zero octet -> unexpected_message. */
        {"server: inner plaintext all zeros after the handshake", 1, 3, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        {"client: inner plaintext all zeros after the handshake", 0, 3, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        /* RFC 8446 §4.1.2: a ClientHello "at any other time" -> unexpected_message. */
        {"server: ClientHello after the handshake", 1, 4, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        /* RFC 8446 §4: an unexpected handshake message -> unexpected_message. */
        {"server: Finished after the handshake", 1, 6, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        /* RFC 8446 §5 / §5.2: after the key change records are protected; a
         * plaintext handshake record is an unexpected record. */
        {"server: plaintext handshake record after the handshake", 1, 7, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        /* A NewSessionTicket is only sent by servers (RFC 8446 §4.6.1). */
        {"server: NewSessionTicket from the client", 1, 8, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        /* RFC 8446 §4.2: no two extensions of one type in a block; no alert
         * named: gmtls answers illegal_parameter outside the ClientHello and
         * EncryptedExtensions, as BoringSSL (NewSessionTicket with two
         * early_data). */
        {"client: NewSessionTicket with a duplicate extension", 0, 9, GMTLS_ALERT_ILLEGAL_PARAMETER},
        /* RFC 8446 §4.2: a recognised extension not specified for the message
         * (key_share: CH, SH, HRR) -> illegal_parameter; §4.6.1 ignores only
         * the unrecognized ones. */
        {"client: NewSessionTicket with key_share", 0, 12, GMTLS_ALERT_ILLEGAL_PARAMETER},
        /* RFC 8446 §4.6.3: "an implementation which receives multiple
         * KeyUpdates while it is silent [responds] with a single update". */
        {"server: two KeyUpdate(update_requested) while silent", 1, 10, 0},
        /* Not an RFC rule: a bound so that a peer cannot keep us rekeying
         * without sending data (32 in a row, as BoringSSL; BoGo TooManyKeyUpdates). */
        {"server: 33 KeyUpdates without application data", 1, 11, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        /* Control: a valid KeyUpdate(update_requested) is answered. */
        {"server: valid KeyUpdate", 1, 5, 0},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
        duo d;
        bb in = {0};
        int rc = done_start(&d);
        const char *name = cases[i].name;
        verdict(rc == 0, name, "setup", rc, 0, d.p.srv);
        if (rc != 0) {
            duo_free(&d);
            continue;
        }
        gmtls_conn *rx = cases[i].to_server ? d.p.srv : d.p.cli;
        gmtls_buf *out = cases[i].to_server ? &d.p.s2c : &d.p.c2s;
        const uint8_t *peer_secret = cases[i].to_server ? d.ckl.c_ap : d.skl.s_ap;
        const uint8_t *rx_secret = cases[i].to_server ? d.skl.s_ap : d.ckl.c_ap;
        switch (cases[i].kind) {
        case 0:
            rec_plain(&in, GMTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1);
            break;
        case 1:
            seal_typed(&in, d.suite, peer_secret, 0, GMTLS_CT_HANDSHAKE, (const uint8_t *)"\x18\x00\x00\x01\x02", 5);
            break;
        case 2:
            seal_typed(&in, d.suite, peer_secret, 0, GMTLS_CT_HANDSHAKE, (const uint8_t *)"\x18\x00\x00\x02\x00\x00",
                       6);
            break;
        case 3: {
            uint8_t z[32] = {0};
            seal_inner(&in, d.suite, peer_secret, 0, GMTLS_CT_APPLICATION_DATA, z, sizeof z);
            break;
        }
        case 4: {
            chspec s;
            bb msg = {0};
            ch_default(&s, GMTLS_GROUP_X25519);
            ch_encode(&s, &msg);
            seal_typed(&in, d.suite, peer_secret, 0, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
            bb_free(&msg);
            chspec_free(&s);
            break;
        }
        case 5:
            seal_typed(&in, d.suite, peer_secret, 0, GMTLS_CT_HANDSHAKE, (const uint8_t *)"\x18\x00\x00\x01\x01", 5);
            break;
        case 6: {
            uint8_t fin[4 + 48] = {GMTLS_HS_FINISHED, 0, 0, 32};
            seal_typed(&in, d.suite, peer_secret, 0, GMTLS_CT_HANDSHAKE, fin, 4 + 32);
            break;
        }
        case 8:
            seal_typed(&in, d.suite, peer_secret, 0, GMTLS_CT_HANDSHAKE,
                       (const uint8_t *)"\x04\x00\x00\x0e\x00\x00\x00\x3c\x00\x00\x00\x01\x00\x00\x01\x41\x00\x00", 18);
            break;
        case 9:
            seal_typed(&in, d.suite, peer_secret, 0, GMTLS_CT_HANDSHAKE,
                       (const uint8_t *)"\x04\x00\x00\x1f\x00\x00\x00\x3c\x00\x00\x00\x01\x01\x00\x00\x01\x41"
                                        "\x00\x10\x00\x2a\x00\x04\x00\x00\x40\x00\x00\x2a\x00\x04\x00\x00\x40\x00",
                       35);
            break;
        case 12:
            seal_typed(&in, d.suite, peer_secret, 0, GMTLS_CT_HANDSHAKE,
                       (const uint8_t *)"\x04\x00\x00\x15\x00\x00\x00\x3c\x00\x00\x00\x01\x01\x00\x00\x01\x41"
                                        "\x00\x06\x00\x33\x00\x02\x00\x1d",
                       25);
            break;
        case 10: {
            /* The second KeyUpdate comes under the peer's next traffic secret. */
            uint8_t next[GMTLS_MAX_HASH_LEN];
            size_t hl = d.suite->hash->digest_len;
            if (gmtls_hkdf_expand_label(d.suite->hash, peer_secret, "traffic upd", NULL, 0, next, hl) != 0) {
                abort();
            }
            seal_typed(&in, d.suite, peer_secret, 0, GMTLS_CT_HANDSHAKE, (const uint8_t *)"\x18\x00\x00\x01\x01", 5);
            seal_typed(&in, d.suite, next, 0, GMTLS_CT_HANDSHAKE, (const uint8_t *)"\x18\x00\x00\x01\x01", 5);
            break;
        }
        case 11: {
            uint8_t sec[2][GMTLS_MAX_HASH_LEN];
            size_t hl = d.suite->hash->digest_len;
            memcpy(sec[0], peer_secret, hl);
            for (int k = 0; k < 33; k++) {
                seal_typed(&in, d.suite, sec[k & 1], 0, GMTLS_CT_HANDSHAKE, (const uint8_t *)"\x18\x00\x00\x01\x00", 5);
                if (gmtls_hkdf_expand_label(d.suite->hash, sec[k & 1], "traffic upd", NULL, 0, sec[(k + 1) & 1], hl) !=
                    0) {
                    abort();
                }
            }
            break;
        }
        default:
            rec_plain(&in, GMTLS_CT_HANDSHAKE, (const uint8_t *)"\x18\x00\x00\x01\x00", 5);
            break;
        }
        gmtls_buf app;
        gmtls_buf_init(&app);
        size_t n = in.n;
        rc = gmtls_receive(rx, out, &app, in.b, &n);
        if (cases[i].want == 0) {
            /* The answer is a KeyUpdate(update_not_requested) under s_ap. */
            bb hs = {0};
            int a = walk_records(out->base, out->off, d.suite, rx_secret, &hs);
            int ok = rc == 0 && a == -1 && hs.n == 5 && memcmp(hs.b, "\x18\x00\x00\x01\x00", 5) == 0;
            verdict(ok, name, "KeyUpdate answered", rc, 0, rx);
            bb_free(&hs);
        } else {
            expect_rc(name, rx, out, rc, cases[i].want);
            expect_sealed_alert_record(name, rx, out, 0, d.suite, rx_secret, cases[i].want);
        }
        gmtls_buf_dispose(&app);
        bb_free(&in);
        duo_free(&d);
    }
}

/* ================================================================ full handshakes with a mutated ClientHello */

typedef void ch_mut_fn(bb *msg);

static void chm_unknown_first(bb *m)
{
    add_ext(m, 0, ch_exts_off(m->b), 0x1234, "hello", 5);
    /* move it to the front: rebuild by rotating the block */
    size_t e = ch_exts_off(m->b), len = get16(m->b + e);
    bb tmp = {0};
    bb_put(&tmp, m->b + e + 2 + len - 9, 9);
    bb_erase(m, e + 2 + len - 9, 9);
    bb_insert(m, e + 2, tmp.b, tmp.n);
    bb_free(&tmp);
}

static void chm_grease(bb *m)
{
    add_ext(m, 0, ch_exts_off(m->b), 0x0a0a, "", 0);
    add_ext(m, 0, ch_exts_off(m->b), 0xfafa, "\x00", 1);
}

static void chm_legacy_0301(bb *m)
{
    set16(m->b + 4, 0x0301);
}

static void chm_legacy_0304(bb *m)
{
    set16(m->b + 4, 0x0304);
}

static void chm_legacy_ffff(bb *m)
{
    set16(m->b + 4, 0xffff);
}

static void test_full_mutated(void)
{
    static const struct {
        const char *name;
        ch_mut_fn *fn;
    } muts[] = {
        /* RFC 8446 §4.2 / §9.3: "servers MUST ignore unrecognized extensions"
         * (GREASE relies on it); §4.2.1: legacy_version is not used when
         * supported_versions is present. */
        {"full handshake: unknown extension first", chm_unknown_first},
        {"full handshake: GREASE extensions", chm_grease},
        {"full handshake: legacy_version 0x0301", chm_legacy_0301},
        {"full handshake: legacy_version 0x0304", chm_legacy_0304},
        {"full handshake: legacy_version 0xffff", chm_legacy_ffff},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(muts); i++) {
        gmtls_config *scfg = tt_server_config(tt_chain("P-256")), *ccfg = tt_client_config(tt_chain("P-256"));
        tt_pair p;
        size_t z = 0;
        bb msg = {0};
        if (scfg == NULL || ccfg == NULL || tt_pair_new(&p, ccfg, scfg, "localhost") != 0) {
            abort();
        }
        int rc = gmtls_handshake(p.cli, &p.c2s, NULL, &z);
        bb_set(&msg, p.c2s.base + 5, p.c2s.off - 5);
        muts[i].fn(&msg);
        /* The client's transcript follows the mutation (its ClientHello copy
         * is replaced), so only the server's view of the message changes. */
        uint8_t *copy = malloc(msg.n);
        if (copy == NULL) {
            abort();
        }
        memcpy(copy, msg.b, msg.n);
        free(p.cli->ch1);
        p.cli->ch1 = copy;
        p.cli->ch1_len = msg.n;
        p.c2s.off = 0;
        bb rec = {0};
        rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
        if (gmtls_buf_reserve(&p.c2s, rec.n) != 0) {
            abort();
        }
        memcpy(p.c2s.base, rec.b, rec.n);
        p.c2s.off = rec.n;
        rc = tt_handshake(&p);
        verdict(rc == 0, muts[i].name, "handshake completes", rc, 0, rc == 0 ? p.cli : p.srv);
        if (rc == 0) {
            rc = tt_send(&p, 1, "ping", 4);
            verdict(rc == 0 && p.srv_app.off == 4, muts[i].name, "data flows", rc, 0, p.srv);
        }
        bb_free(&rec);
        bb_free(&msg);
        tt_pair_free(&p);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
}

/* ================================================================ random mutation */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    /* xorshift64*: fixed seed, reproducible runs. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t rnd(size_t n)
{
    return n == 0 ? 0 : (size_t)(rng() % n);
}

static void mutate(bb *x)
{
    size_t k = 1 + rnd(4);
    for (size_t i = 0; i < k && x->n > 0; i++) {
        size_t pos = rnd(x->n);
        switch (rnd(6)) {
        case 0:
            x->b[pos] ^= (uint8_t)(1u << rnd(8));
            break;
        case 1:
            x->b[pos] = (uint8_t)rng();
            break;
        case 2: {
            uint8_t b = (uint8_t)rng();
            bb_insert(x, pos, &b, 1);
            break;
        }
        case 3:
            bb_erase(x, pos, 1);
            break;
        case 4:
            x->n = pos;
            break;
        default: {
            /* Interesting values at a random spot (lengths). */
            static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x21};
            x->b[pos] = vals[rnd(sizeof vals)];
            break;
        }
        }
    }
}

/* ================================================================ issue 14: rules an independent suite found broken */

/* A fresh server that has answered a default ClientHello (x25519): its
 * output holds ServerHello, CCS and the protected flight. */
static gmtls_conn *server_after_flight(gmtls_buf *out)
{
    chspec s;
    bb msg = {0}, rec = {0};
    gmtls_conn *c = new_server();
    ch_default(&s, GMTLS_GROUP_X25519);
    ch_encode(&s, &msg);
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
    size_t n = rec.n;
    if (gmtls_handshake(c, out, rec.b, &n) != GMTLS_ERR_WANT_READ || !server_answered(out)) {
        abort();
    }
    bb_free(&msg);
    bb_free(&rec);
    chspec_free(&s);
    return c;
}

/* Feeds a server after its flight one protected record whose
 * TLSInnerPlaintext is inner[0..ilen) (under the client's handshake key, if
 * inner != NULL), then the bytes of tail; checks the result and (for an
 * alert we send) the protected alert record after the flight. */
static void after_flight_sealed(const char *name, const char *inner, size_t ilen, const bb *tail, int want)
{
    gmtls_buf out;
    bb inb = {0};
    bb *in = &inb;
    gmtls_buf_init(&out);
    gmtls_conn *c = server_after_flight(&out);
    if (inner != NULL) {
        seal_inner(&inb, c->suite, g_skl.c_hs, 0, GMTLS_CT_APPLICATION_DATA, (const uint8_t *)inner, ilen);
    }
    if (tail != NULL) {
        bb_put(&inb, tail->b, tail->n);
    }
    size_t flight = out.off, n = in->n;
    int rc = gmtls_handshake(c, &out, in->b, &n);
    if (want == GMTLS_ERR_WANT_READ) {
        verdict(rc == want && out.off == flight, name, "dropped: wait, send nothing", rc, want, c);
    } else if (GMTLS_IS_ALERT(want)) {
        expect_rc(name, c, &out, rc, want);
        expect_sealed_alert_record(name, c, &out, flight, c->suite, g_skl.s_ap, want);
    } else {
        /* The peer's alert: reported as 0x100 + alert, nothing sent back. */
        verdict(rc == want && out.off == flight, name, "peer alert reported", rc, want, c);
        n = in->n;
        int again = gmtls_handshake(c, &out, in->b, &n);
        verdict(again == want && out.off == flight, name, "sticky", again, want, c);
    }
    bb_free(&inb);
    gmtls_buf_dispose(&out);
    gmtls_conn_free(c);
}

static void after_flight_case(const char *name, const bb *in, int want)
{
    after_flight_sealed(name, NULL, 0, in, want);
}

static void test_empty_records(void)
{
    bb in = {0};
    /* RFC 8446 §5.4: "Implementations MUST NOT send Handshake and Alert
     * records that have a zero-length TLSInnerPlaintext.content; if such a
     * message is received, the receiving implementation MUST terminate the
     * connection with an "unexpected_message" alert." §5.1 forbids the same
     * for plaintext records ("zero-length fragments of Handshake types"). */
    server_bytes("zero-length plaintext alert record first", (const uint8_t *)"\x15\x03\x03\x00\x00", 5,
                 GMTLS_ALERT_UNEXPECTED_MESSAGE);
    server_bytes("zero-length plaintext handshake record first", (const uint8_t *)"\x16\x03\x03\x00\x00", 5,
                 GMTLS_ALERT_UNEXPECTED_MESSAGE);
    {
        static const struct {
            const char *name;
            const char *inner;
            size_t len;
        } z[] = {
            {"protected zero-length alert", "\x15", 1},
            {"protected zero-length alert with padding", "\x15\x00\x00\x00", 4},
            {"protected zero-length handshake", "\x16", 1},
        };
        for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(z); i++) {
            after_flight_sealed(z[i].name, z[i].inner, z[i].len, NULL, GMTLS_ALERT_UNEXPECTED_MESSAGE);
        }
    }

    /* RFC 8446 §5: the dummy change_cipher_spec "MUST simply [be dropped]",
     * but a peer must not keep the connection busy with them: gmtls drops 32
     * in a row (BoringSSL's and OpenSSL's bound) and answers the 33rd with
     * unexpected_message. */
    in.n = 0;
    for (int i = 0; i < GMTLS_MAX_EMPTY_RECORDS; i++) {
        rec_plain(&in, GMTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1);
    }
    after_flight_case("32 change_cipher_spec records in a row", &in, GMTLS_ERR_WANT_READ);
    rec_plain(&in, GMTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1);
    after_flight_case("33 change_cipher_spec records in a row", &in, GMTLS_ALERT_UNEXPECTED_MESSAGE);

    /* After the handshake: empty application_data records ("Zero-length
     * fragments of Application Data MAY be sent", §5.1) are bounded the same
     * way; user_canceled (§6.1: it "SHOULD be followed by a close_notify")
     * 4 in a row, the 5th -> unexpected_message (BoringSSL's and OpenSSL's
     * bound); a record with content in between starts the counts again. */
    static const struct {
        const char *name;
        int kind; /* 0 empty application data, 1 user_canceled, 2 CCS-free mix with data after 32,
                     3 user_canceled with data after 4 */
        int count;
        int want;
    } post[] = {
        {"32 empty application_data records", 0, 32, 0},
        {"33 empty application_data records", 0, 33, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        {"4 user_canceled alerts", 1, 4, 0},
        {"5 user_canceled alerts", 1, 5, GMTLS_ALERT_UNEXPECTED_MESSAGE},
        {"32 empty records, data, 32 empty records", 2, 65, 0},
        {"4 user_canceled alerts, data, 4 user_canceled alerts", 3, 9, 0},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(post); i++) {
        duo d;
        int rc = done_start(&d);
        verdict(rc == 0, post[i].name, "setup", rc, 0, d.p.srv);
        in.n = 0;
        for (int k = 0; k < post[i].count; k++) {
            if (post[i].kind == 1) {
                seal_typed(&in, d.suite, d.ckl.c_ap, (uint64_t)k, GMTLS_CT_ALERT, (const uint8_t *)"\x01\x5a", 2);
            } else if (post[i].kind == 3) {
                seal_typed(&in, d.suite, d.ckl.c_ap, (uint64_t)k, k == 4 ? GMTLS_CT_APPLICATION_DATA : GMTLS_CT_ALERT,
                           (const uint8_t *)(k == 4 ? "x" : "\x01\x5a"), k == 4 ? 1 : 2);
            } else if (post[i].kind == 2 && k == 32) {
                seal_typed(&in, d.suite, d.ckl.c_ap, (uint64_t)k, GMTLS_CT_APPLICATION_DATA, (const uint8_t *)"x", 1);
            } else {
                seal_typed(&in, d.suite, d.ckl.c_ap, (uint64_t)k, GMTLS_CT_APPLICATION_DATA, NULL, 0);
            }
        }
        gmtls_buf app;
        gmtls_buf_init(&app);
        size_t n = in.n;
        rc = gmtls_receive(d.p.srv, &d.p.s2c, &app, in.b, &n);
        if (post[i].want == 0) {
            verdict(rc == 0 && d.p.s2c.off == 0 && app.off == (post[i].kind >= 2 ? 1u : 0u), post[i].name, "accepted",
                    rc, 0, d.p.srv);
        } else {
            expect_rc(post[i].name, d.p.srv, &d.p.s2c, rc, post[i].want);
            expect_sealed_alert_record(post[i].name, d.p.srv, &d.p.s2c, 0, d.suite, d.skl.s_ap, post[i].want);
        }
        gmtls_buf_dispose(&app);
        duo_free(&d);
    }
    bb_free(&in);
}

/* A peer that speaks another protocol. */
static void test_not_tls(void)
{
    /* RFC 8446 §5.1: a record begins ContentType, legacy_record_version
     * (major version 3), length; §5: an unexpected record ->
     * unexpected_message. What does not start like a TLS record fails at
     * once - not after waiting for a "record" of 0x2f20 bytes - with
     * GMTLS_ERR_NOT_TLS and an unexpected_message alert in the output. */
    static const struct {
        const char *name;
        const char *bytes;
        size_t len;
    } other[] = {
        {"plain HTTP request", "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 35},
        {"plain HTTP, first two bytes", "GE", 2},
        {"HTTP proxy CONNECT", "CONNECT localhost:443 HTTP/1.1\r\n", 32},
        {"SSH banner", "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", 32},
        {"SSLv2 ClientHello", "\x80\x2e\x01\x03\x01\x00\x15\x00\x00\x00\x10\x07\x00\xc0", 14},
        {"record version 0x0203", "\x16\x02\x03\x00\x05\x01\x00\x00\x01\x00", 10},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(other); i++) {
        gmtls_conn *c = new_server();
        gmtls_buf out;
        gmtls_buf_init(&out);
        size_t n = other[i].len;
        int rc = gmtls_handshake(c, &out, (const uint8_t *)other[i].bytes, &n);
        static const uint8_t alert[7] = {0x15, 3, 3, 0, 2, 2, GMTLS_ALERT_UNEXPECTED_MESSAGE};
        verdict(rc == GMTLS_ERR_NOT_TLS, other[i].name, "result", rc, GMTLS_ERR_NOT_TLS, c);
        verdict(out.off == 7 && memcmp(out.base, alert, 7) == 0, other[i].name,
                "output is exactly the unexpected_message alert", rc, GMTLS_ERR_NOT_TLS, c);
        n = other[i].len;
        int again = gmtls_handshake(c, &out, (const uint8_t *)other[i].bytes, &n);
        verdict(again == GMTLS_ERR_NOT_TLS && out.off == 7, other[i].name, "sticky", again, GMTLS_ERR_NOT_TLS, c);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(c);
    }
    /* One byte cannot tell: wait. */
    server_bytes("one byte 'G'", (const uint8_t *)"G", 1, GMTLS_ERR_WANT_READ);

    /* A client whose server answers in HTTP. */
    {
        gmtls_config *ccfg = tt_client_config(tt_chain("P-256"));
        gmtls_conn *cli = gmtls_conn_new(ccfg, 0);
        gmtls_buf out;
        gmtls_buf_init(&out);
        size_t z = 0;
        int rc = gmtls_handshake(cli, &out, NULL, &z);
        size_t hello = out.off;
        static const char resp[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
        size_t n = sizeof resp - 1;
        rc = gmtls_handshake(cli, &out, (const uint8_t *)resp, &n);
        verdict(rc == GMTLS_ERR_NOT_TLS && out.off == hello + 7 &&
                    out.base[hello + 6] == GMTLS_ALERT_UNEXPECTED_MESSAGE,
                "client: server answers in HTTP", "result and alert", rc, GMTLS_ERR_NOT_TLS, cli);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(cli);
        gmtls_config_free(ccfg);
    }

    /* The socket layer keeps the alert queued so that a server can answer in
     * the peer's protocol instead (an HTTP 400); gmtls_io_flush sends it. */
    {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
            abort();
        }
        static const char req[] = "GET / HTTP/1.0\r\n\r\n";
        if (write(sv[0], req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
            abort();
        }
        gmtls_conn *c = new_server();
        gmtls_io *io = gmtls_io_new(c, sv[1]);
        int rc = gmtls_io_handshake(io);
        const char *name = "io: plain HTTP request";
        verdict(rc == GMTLS_ERR_NOT_TLS, name, "gmtls_io_handshake", rc, GMTLS_ERR_NOT_TLS, c);
        verdict(gmtls_io_pending_output(io) == 7, name, "the alert is queued, not sent", rc, GMTLS_ERR_NOT_TLS, c);
        uint8_t buf[16];
        ssize_t got = recv(sv[0], buf, sizeof buf, MSG_DONTWAIT);
        verdict(got < 0, name, "nothing reached the peer", (int)got, -1, c);
        rc = gmtls_io_flush(io);
        got = recv(sv[0], buf, sizeof buf, MSG_DONTWAIT);
        verdict(rc == 0 && got == 7 && buf[0] == GMTLS_CT_ALERT && buf[6] == GMTLS_ALERT_UNEXPECTED_MESSAGE, name,
                "gmtls_io_flush sends the alert", rc, 0, c);
        gmtls_io_free(io);
        gmtls_conn_free(c);
        close(sv[0]);
        close(sv[1]);
    }
}

static void test_plaintext_peer_alert(void)
{
    bb in = {0};
    /* RFC 8446 §6.2: the peer's fatal alert ends the connection and is
     * reported. A client that rejects our certificate before it has
     * installed its handshake keys sends the alert in plaintext: until its
     * first protected record, that is the client's alert, not an unexpected
     * record. */
    rec_plain(&in, GMTLS_CT_ALERT, (const uint8_t *)"\x02\x2a", 2);
    after_flight_case("plaintext bad_certificate after the server's flight", &in, GMTLS_ERR_PEER_ALERT(42));
    in.n = 0;
    rec_plain(&in, GMTLS_CT_ALERT, (const uint8_t *)"\x02\x30", 2);
    after_flight_case("plaintext unknown_ca after the server's flight", &in, GMTLS_ERR_PEER_ALERT(48));
    /* RFC 8446 §6: struct { AlertLevel level; AlertDescription description; }. */
    in.n = 0;
    rec_plain(&in, GMTLS_CT_ALERT, (const uint8_t *)"\x02\x2a\x00", 3);
    after_flight_case("plaintext alert of 3 bytes after the server's flight", &in, GMTLS_ALERT_DECODE_ERROR);
    in.n = 0;
    rec_plain(&in, GMTLS_CT_ALERT, NULL, 0);
    after_flight_case("plaintext empty alert after the server's flight", &in, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    /* Once a protected record came, plaintext records are unexpected again
     * (§5.2). The protected record: the first byte of a handshake message. */
    in.n = 0;
    rec_plain(&in, GMTLS_CT_ALERT, (const uint8_t *)"\x02\x2a", 2);
    after_flight_sealed("plaintext alert after a protected record", "\x14\x16", 2, &in, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    bb_free(&in);
}

/* HelloRetryRequest with early data, long lists, groups and cookies. */
static void test_hrr_early_and_cookie(void)
{
    static const uint8_t psk[] = {0x00, 0x0a, 0x00, 0x04, 'a', 'b', 'c', 'd', 0,  0,  0,  1,  0x00, 0x21, 0x20, 1,
                                  2,    3,    4,    5,    6,   7,   8,   9,   10, 11, 12, 13, 14,   15,   16,   17,
                                  18,   19,   20,   21,   22,  23,  24,  25,  26, 27, 28, 29, 30,   31,   32};
    chspec ch1, ch2;
    bb key = {0}, between = {0}, junk = {0};
    make_share(GMTLS_GROUP_X25519, &key);
    ch_default(&ch1, 0);
    bb_put(ext_add(&ch1, GMTLS_EXT_EARLY_DATA), "", 0);
    bb_put(ext_add(&ch1, GMTLS_EXT_PSK_KEY_EXCHANGE_MODES), "\x01\x01", 2);
    bb_put(ext_add(&ch1, GMTLS_EXT_PRE_SHARED_KEY), psk, sizeof psk);
    bb_reserve(&junk, GMTLS_MAX_CIPHERTEXT);
    for (size_t i = 0; i < GMTLS_MAX_CIPHERTEXT; i++) {
        junk.b[i] = (uint8_t)(i * 31 + 7);
    }
    junk.n = GMTLS_MAX_CIPHERTEXT;

    /* RFC 8446 §4.2.10: a server that answers with a HelloRetryRequest
     * "ignores early data by skipping all records with an external content
     * type of "application_data" (indicating that they are encrypted), up to
     * the configured max_early_data_size". Records of 100, 2^14+256 and 30
     * bytes, then the CCS and the second ClientHello. */
    static const size_t sizes[] = {100, GMTLS_MAX_CIPHERTEXT, 30};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(sizes); i++) {
        bb_u8(&between, GMTLS_CT_APPLICATION_DATA);
        bb_u16(&between, 0x0303);
        bb_u16(&between, (unsigned)sizes[i]);
        bb_put(&between, junk.b, sizes[i]);
    }
    rec_plain(&between, GMTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1);
    chspec_copy(&ch2, &ch1);
    ext_del(&ch2, GMTLS_EXT_EARLY_DATA);
    set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
    hrr_case_ex("HRR: early data records skipped", &ch1, &ch2, &between, COOKIE_ECHO, PROCEEDS);
    /* §4.6.1: "Servers that receive more than max_early_data_size bytes of
     * 0-RTT data SHOULD terminate the connection with an "unexpected_message"
     * alert." (gmtls skips 16 records' worth.) */
    between.n = 0;
    for (size_t i = 0; i * GMTLS_MAX_CIPHERTEXT <= GMTLS_MAX_EARLY_SKIP; i++) {
        bb_u8(&between, GMTLS_CT_APPLICATION_DATA);
        bb_u16(&between, 0x0303);
        bb_u16(&between, GMTLS_MAX_CIPHERTEXT);
        bb_put(&between, junk.b, GMTLS_MAX_CIPHERTEXT);
    }
    chspec_copy(&ch2, &ch1);
    ext_del(&ch2, GMTLS_EXT_EARLY_DATA);
    set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
    hrr_case_ex("HRR: more early data than max_early_data_size", &ch1, &ch2, &between, COOKIE_ECHO,
                GMTLS_ALERT_UNEXPECTED_MESSAGE);
    /* Without early_data in the first ClientHello nothing is skipped (§5). */
    {
        chspec plain1;
        ch_default(&plain1, 0);
        between.n = 0;
        bb_u8(&between, GMTLS_CT_APPLICATION_DATA);
        bb_u16(&between, 0x0303);
        bb_u16(&between, 100);
        bb_put(&between, junk.b, 100);
        chspec_copy(&ch2, &plain1);
        set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
        hrr_case_ex("HRR: application data without early_data offered", &plain1, &ch2, &between, COOKIE_ECHO,
                    GMTLS_ALERT_UNEXPECTED_MESSAGE);
        chspec_free(&plain1);
    }
    chspec_free(&ch1);

    /* RFC 8446 §4.2.2: "When sending a HelloRetryRequest, the server MAY
     * provide a "cookie" extension to the client ... When sending the new
     * ClientHello, the client MUST copy the contents of the extension
     * received in the HelloRetryRequest into a "cookie" extension in the new
     * ClientHello." A missing one -> missing_extension; one that was changed
     * (§4.1.2: only the listed changes are allowed), that does not
     * authenticate, has expired or belongs to another HelloRetryRequest ->
     * illegal_parameter. */
    ch_default(&ch1, 0);
    {
        /* Another connection's cookie (a different ClientHello1). */
        chspec other;
        gmtls_buf out;
        bb msg = {0}, rec = {0};
        gmtls_buf_init(&out);
        chspec_copy(&other, &ch1);
        other.random[5] ^= 0x80;
        ch_encode(&other, &msg);
        rec_plain(&rec, GMTLS_CT_HANDSHAKE, msg.b, msg.n);
        gmtls_conn *c = new_server();
        size_t n = rec.n;
        if (gmtls_handshake(c, &out, rec.b, &n) != GMTLS_ERR_WANT_READ || hrr_cookie(&out, &g_other_cookie) == 0) {
            abort();
        }
        gmtls_conn_free(c);
        gmtls_buf_dispose(&out);
        bb_free(&msg);
        bb_free(&rec);
        chspec_free(&other);
    }
    static const struct {
        const char *name;
        int mode;
        int want;
    } ck[] = {
        {"HRR cookie: echoed", COOKIE_ECHO, PROCEEDS},
        {"HRR cookie: missing in the second ClientHello", COOKIE_OMIT, GMTLS_ALERT_MISSING_EXTENSION},
        {"HRR cookie: MAC bit flipped", COOKIE_FLIP_MAC, GMTLS_ALERT_ILLEGAL_PARAMETER},
        {"HRR cookie: hash bit flipped", COOKIE_FLIP_HASH, GMTLS_ALERT_ILLEGAL_PARAMETER},
        {"HRR cookie: one byte short", COOKIE_CUT, GMTLS_ALERT_ILLEGAL_PARAMETER},
        {"HRR cookie: another connection's", COOKIE_FROM, GMTLS_ALERT_ILLEGAL_PARAMETER},
        {"HRR cookie: rebuilt under the second (older) ticket key", COOKIE_REMAC_NOW, PROCEEDS},
        {"HRR cookie: rebuilt, 61 seconds old (expired)", COOKIE_REMAC_OLD, GMTLS_ALERT_ILLEGAL_PARAMETER},
        {"HRR cookie: rebuilt under an unknown key name", COOKIE_REMAC_NAME, GMTLS_ALERT_ILLEGAL_PARAMETER},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(ck); i++) {
        chspec_copy(&ch2, &ch1);
        set_one_share(&ch2, GMTLS_GROUP_X25519, key.b, key.n);
        hrr_case_ex(ck[i].name, &ch1, &ch2, NULL, ck[i].mode, ck[i].want);
    }
    chspec_free(&ch1);
    bb_free(&g_other_cookie);
    bb_free(&key);
    bb_free(&between);
    bb_free(&junk);
}

/* Inserts raw extensions at the start of the extension block of a ClientHello
 * message, fixing the block's and the message's lengths. */
static void ch_insert_exts(bb *msg, const bb *raw)
{
    size_t off = ch_exts_off(msg->b);
    bb_insert(msg, off + 2, raw->b, raw->n);
    set16(msg->b + off, get16(msg->b + off) + raw->n);
    set24(msg->b + 1, msg->n - 4);
}

static void test_long_lists(void)
{
    chspec s;
    bb msg = {0}, raw = {0};
    char name[96];
    /* RFC 8446 §4.1.2 / §4.2: extensions<8..2^16-1>, KeyShareEntry
     * client_shares<0..2^16-1>, SignatureScheme
     * supported_signature_algorithms<2..2^16-2>, NamedGroup
     * named_group_list<2..2^16-1>: nothing limits the number of entries but
     * the length. A usable entry after many others must be found. */
    static const size_t counts[] = {65, 1000, 16000};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(counts); i++) {
        raw.n = 0;
        for (size_t k = 0; k < counts[i]; k++) {
            bb_u16(&raw, (unsigned)(0x1000 + k)); /* unassigned types, each once */
            bb_u16(&raw, 0);
        }
        ch_default(&s, GMTLS_GROUP_X25519);
        ch_encode(&s, &msg);
        ch_insert_exts(&msg, &raw);
        snprintf(name, sizeof name, "%zu unknown extensions before the real ones", counts[i]);
        server_msg(name, &msg, PROCEEDS);
        chspec_free(&s);
    }
    /* The same type twice among thousands is still a duplicate. */
    raw.n = 0;
    for (size_t k = 0; k < 5000; k++) {
        bb_u16(&raw, (unsigned)(0x1000 + k));
        bb_u16(&raw, 0);
    }
    bb_put(&raw, "\x22\x22\x00\x00", 4);
    bb_put(&raw, "\x10\x07\x00\x00", 4);
    ch_default(&s, GMTLS_GROUP_X25519);
    ch_encode(&s, &msg);
    ch_insert_exts(&msg, &raw);
    server_msg("5000 unknown extensions, one of them twice", &msg, GMTLS_ALERT_DECODE_ERROR);
    chspec_free(&s);

    /* signature_algorithms: 100 / 20000 unknown schemes, then ecdsa_secp256r1_sha256. */
    static const size_t nsig[] = {100, 20000};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(nsig); i++) {
        ch_default(&s, GMTLS_GROUP_X25519);
        bb *d = ext_set(&s, GMTLS_EXT_SIGNATURE_ALGORITHMS);
        bb_u16(d, (unsigned)(2 * (nsig[i] + 1)));
        for (size_t k = 0; k < nsig[i]; k++) {
            bb_u16(d, (unsigned)(0xfe00 - k));
        }
        bb_u16(d, 0x0403);
        snprintf(name, sizeof name, "signature_algorithms: %zu unknown schemes, then ecdsa P-256", nsig[i]);
        server_spec(name, &s, PROCEEDS);
    }
    /* supported_groups: 40 / 20000 unknown groups, then x25519, with no key
     * share: a HelloRetryRequest for x25519. */
    static const size_t ngr[] = {40, 20000};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(ngr); i++) {
        ch_default(&s, 0);
        bb *d = ext_set(&s, GMTLS_EXT_SUPPORTED_GROUPS);
        bb_u16(d, (unsigned)(2 * (ngr[i] + 1)));
        for (size_t k = 0; k < ngr[i]; k++) {
            bb_u16(d, (unsigned)(0x2000 + k));
        }
        bb_u16(d, GMTLS_GROUP_X25519);
        snprintf(name, sizeof name, "supported_groups: %zu unknown groups, then x25519", ngr[i]);
        server_spec(name, &s, PROCEEDS);
    }
    /* key_share: 20 / 5000 shares for unknown groups (listed in
     * supported_groups, in the same order), then x25519. The unknown ids
     * start at 0x2000: 0x0200.. holds ML-KEM and the hybrids (0x11EB-0x11EE). */
    static const size_t nks[] = {20, 5000};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(nks); i++) {
        bb key = {0};
        make_share(GMTLS_GROUP_X25519, &key);
        ch_default(&s, 0);
        bb *g = ext_set(&s, GMTLS_EXT_SUPPORTED_GROUPS);
        bb_u16(g, (unsigned)(2 * (nks[i] + 1)));
        for (size_t k = 0; k < nks[i]; k++) {
            bb_u16(g, (unsigned)(0x2000 + k));
        }
        bb_u16(g, GMTLS_GROUP_X25519);
        bb list = {0};
        for (size_t k = 0; k < nks[i]; k++) {
            bb_u16(&list, (unsigned)(0x2000 + k));
            bb_put(&list, "\x00\x04zzzz", 6);
        }
        bb_u16(&list, GMTLS_GROUP_X25519);
        bb_u16(&list, (unsigned)key.n);
        bb_put(&list, key.b, key.n);
        bb *d = ext_set(&s, GMTLS_EXT_KEY_SHARE);
        bb_u16(d, (unsigned)list.n);
        bb_put(d, list.b, list.n);
        snprintf(name, sizeof name, "key_share: %zu shares for unknown groups, then x25519", nks[i]);
        server_spec(name, &s, PROCEEDS);
        bb_free(&list);
        bb_free(&key);
    }
    /* pre_shared_key: 20 unknown identities (each with its binder): a full
     * handshake (RFC 8446 §4.2.11: the server may select none). */
    {
        ch_default(&s, GMTLS_GROUP_X25519);
        bb_put(ext_add(&s, GMTLS_EXT_PSK_KEY_EXCHANGE_MODES), "\x01\x01", 2);
        bb *d = ext_add(&s, GMTLS_EXT_PRE_SHARED_KEY);
        bb_u16(d, 20 * 10);
        for (int k = 0; k < 20; k++) {
            bb_put(d, "\x00\x04", 2);
            bb_u16(d, (unsigned)k);
            bb_put(d, "id\x00\x00\x00\x01", 6);
        }
        bb_u16(d, 20 * 33);
        for (int k = 0; k < 20; k++) {
            bb_u8(d, 32);
            for (int j = 0; j < 32; j++) {
                bb_u8(d, (unsigned)(j + k));
            }
        }
        server_spec("pre_shared_key with 20 unknown identities", &s, PROCEEDS);
    }
    bb_free(&msg);
    bb_free(&raw);
}

/* The HelloRetryRequest's selected_group, or 0 if the server did not answer
 * with one. */
static unsigned hrr_group(const gmtls_buf *out)
{
    if (!server_answered(out) || memcmp(out->base + 5 + 6, "\xcf\x21\xad\x74", 4) != 0) {
        return 0;
    }
    bb hrr = {0};
    size_t len = 0, off;
    bb_set(&hrr, out->base + 5, get16(out->base + 3));
    off = find_ext(&hrr, sh_exts_off(&hrr), GMTLS_EXT_KEY_SHARE, &len);
    unsigned g = off != 0 && len == 2 ? get16(hrr.b + off) : 0;
    bb_free(&hrr);
    return g;
}

/* A real brainpoolP256r1 public key (uncompressed point), from libcrypto. */
static void brainpool_share(bb *out)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
    uint8_t pub[65];
    size_t n = 0;
    if (pk == NULL || EVP_PKEY_get_octet_string_param(pk, "encoded-pub-key", pub, sizeof pub, &n) != 1 || n != 65) {
        abort();
    }
    EVP_PKEY_free(pk);
    bb_put(out, pub, n);
}

static void test_groups(void)
{
    chspec s;
    bb bp = {0}, x = {0}, sm = {0};
    brainpool_share(&bp);
    make_share(GMTLS_GROUP_X25519, &x);
    make_share(GMTLS_GROUP_CURVESM2, &sm); /* the same curve as the legacy 26 */

    /* RFC 8446 §4.2.8: "Each KeyShareEntry value MUST correspond to a group
     * offered in the "supported_groups" extension and MUST appear in the same
     * order. However, the values MAY be a non-contiguous subset of the
     * "supported_groups" extension and MAY omit the most preferred groups.
     * ... Servers MAY check for violations of these rules and abort the
     * handshake with an "illegal_parameter" alert if one is violated." */
    {
        static const uint16_t g23[] = {0x0017};
        static const uint16_t g29_23[] = {0x001d, 0x0017};
        static const uint16_t sparse[] = {0x0a0a, 0x001d, 0x0018, 0x0017};
        uint16_t two[2] = {0x0017, 0x001d};
        bb keys[2] = {{0}, {0}};
        make_share(0x0017, &keys[0]);
        bb_put(&keys[1], x.b, x.n);
        ch_default(&s, GMTLS_GROUP_X25519);
        set_u16_list(&s, GMTLS_EXT_SUPPORTED_GROUPS, g23, 1);
        server_spec("key share for a group not in supported_groups", &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
        ch_default(&s, 0);
        set_u16_list(&s, GMTLS_EXT_SUPPORTED_GROUPS, g29_23, 2);
        set_key_share(&s, 2, two, keys);
        server_spec("key shares in another order than supported_groups", &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
        ch_default(&s, 0);
        set_u16_list(&s, GMTLS_EXT_SUPPORTED_GROUPS, sparse, 4);
        two[0] = 0x001d;
        two[1] = 0x0017;
        bb_set(&keys[0], x.b, x.n);
        keys[1].n = 0;
        make_share(0x0017, &keys[1]);
        set_key_share(&s, 2, two, keys);
        server_spec("key shares a non-contiguous subset of supported_groups, in order", &s, PROCEEDS);
        bb_free(&keys[0]);
        bb_free(&keys[1]);
    }

    /* Code point 26 is IANA's brainpoolP256r1 (RFC 8734); only the Go gmtls
     * family uses it for curveSM2, together with its ShangMi suites or its
     * SM2 scheme 0x0204. Elsewhere it is an unknown group: a brainpool share
     * is ignored (§4.2.8: the server picks a group it supports). */
    static const uint16_t std_suites[] = {0x1301, 0x1302, 0x1303};
    static const uint16_t only26[] = {0x001a};
    static const uint16_t g26_23[] = {0x001a, 0x0017};
    ch_default(&s, 0);
    set_suites(&s, std_suites, 3);
    set_u16_list(&s, GMTLS_EXT_SUPPORTED_GROUPS, only26, 1);
    set_one_share(&s, 0x001a, bp.b, bp.n);
    server_spec("brainpoolP256r1 share only, standard suites", &s, GMTLS_ALERT_HANDSHAKE_FAILURE);
    ch_default(&s, 0);
    set_suites(&s, std_suites, 3);
    set_u16_list(&s, GMTLS_EXT_SUPPORTED_GROUPS, only26, 1);
    server_spec("brainpoolP256r1 listed only, no share", &s, GMTLS_ALERT_HANDSHAKE_FAILURE);
    {
        /* brainpool first with its share, P-256 listed: a HelloRetryRequest for P-256. */
        bb m = {0}, rec = {0};
        ch_default(&s, 0);
        set_suites(&s, std_suites, 3);
        set_u16_list(&s, GMTLS_EXT_SUPPORTED_GROUPS, g26_23, 2);
        set_one_share(&s, 0x001a, bp.b, bp.n);
        ch_encode(&s, &m);
        rec_plain(&rec, GMTLS_CT_HANDSHAKE, m.b, m.n);
        gmtls_conn *c = new_server();
        gmtls_buf out;
        gmtls_buf_init(&out);
        size_t n = rec.n;
        int rc = gmtls_handshake(c, &out, rec.b, &n);
        unsigned g = hrr_group(&out);
        verdict(rc == GMTLS_ERR_WANT_READ && g == 0x0017, "brainpoolP256r1 share, P-256 listed",
                "HelloRetryRequest for secp256r1", rc, GMTLS_ERR_WANT_READ, c);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(c);
        bb_free(&m);
        bb_free(&rec);
        chspec_free(&s);
    }
    /* Controls: with a ShangMi suite, or with the scheme 0x0204, 26 is the
     * legacy curveSM2 and an SM2 share for it is used. */
    ch_default(&s, 0);
    set_u16_list(&s, GMTLS_EXT_SUPPORTED_GROUPS, only26, 1);
    set_one_share(&s, 0x001a, sm.b, sm.n);
    server_spec("group 26 with ShangMi suites offered: legacy curveSM2", &s, PROCEEDS);
    {
        static const uint16_t sig[] = {0x0403, 0x0204};
        ch_default(&s, 0);
        set_suites(&s, std_suites, 3);
        set_u16_list(&s, GMTLS_EXT_SIGNATURE_ALGORITHMS, sig, 2);
        set_u16_list(&s, GMTLS_EXT_SUPPORTED_GROUPS, only26, 1);
        set_one_share(&s, 0x001a, sm.b, sm.n);
        server_spec("group 26 with scheme 0x0204 offered: legacy curveSM2", &s, PROCEEDS);
    }

    /* CertificateRequest lists the legacy scheme 0x0204 only to a client that
     * offered it (to anyone else it is an unknown scheme of ours). */
    for (int offer = 0; offer < 2; offer++) {
        static const uint16_t sig[] = {0x0403, 0x0804, 0x0204};
        const char *name = offer ? "CertificateRequest to a client offering 0x0204"
                                 : "CertificateRequest to a client not offering 0x0204";
        gmtls_config *scfg = tt_server_config(tt_chain("P-256"));
        keylog_t kl;
        gmtls_config_set_tickets(scfg, 0, 0);
        gmtls_config_set_keylog(scfg, keylog_cb, &kl);
        gmtls_config_set_client_auth(scfg, GMTLS_CLIENT_AUTH_REQUEST);
        gmtls_conn *c = gmtls_conn_new(scfg, 1);
        bb m = {0}, rec = {0}, hs = {0};
        ch_default(&s, GMTLS_GROUP_X25519);
        set_u16_list(&s, GMTLS_EXT_SIGNATURE_ALGORITHMS, sig, offer ? 3 : 2);
        ch_encode(&s, &m);
        chspec_free(&s);
        rec_plain(&rec, GMTLS_CT_HANDSHAKE, m.b, m.n);
        gmtls_buf out;
        gmtls_buf_init(&out);
        size_t n = rec.n;
        int rc = gmtls_handshake(c, &out, rec.b, &n);
        size_t pos = 5 + get16(out.base + 3) + 6; /* after ServerHello and CCS */
        int a = walk_records(out.base + pos, out.off - pos, c->suite, kl.s_hs, &hs);
        size_t cr = find_msg(&hs, GMTLS_HS_CERTIFICATE_REQUEST);
        int listed = -1;
        if (cr != (size_t)-1) {
            bb crm = {0};
            size_t len = 0;
            bb_set(&crm, hs.b + cr, 4 + get24(hs.b + cr + 1));
            size_t off = find_ext(&crm, 4 + 1 + crm.b[4], GMTLS_EXT_SIGNATURE_ALGORITHMS, &len);
            listed = 0;
            for (size_t k = off + 2; off != 0 && k + 1 < off + len; k += 2) {
                listed |= get16(crm.b + k) == 0x0204;
            }
            bb_free(&crm);
        }
        verdict(rc == GMTLS_ERR_WANT_READ && a == -1 && listed == offer, name, "0x0204 listed iff offered", listed,
                offer, c);
        gmtls_buf_dispose(&out);
        gmtls_conn_free(c);
        gmtls_config_free(scfg);
        bb_free(&m);
        bb_free(&rec);
        bb_free(&hs);
    }
    bb_free(&bp);
    bb_free(&x);
    bb_free(&sm);
}

/* The client: legacy_version of the ServerHello, and the cookie it echoes. */
/* Inserts a CertificateRequest before the server's Certificate: `n` unknown
 * extensions, extension `type` with body p (if p), then signature_algorithms
 * (and, with dup, a second one). */
static void insert_cr_ext(bb *fl, size_t n, int dup, uint16_t type, const void *p, size_t len)
{
    size_t m = find_msg(fl, GMTLS_HS_CERTIFICATE);
    bb cr = {0}, exts = {0};
    for (size_t i = 0; i < n; i++) {
        bb_u16(&exts, (unsigned)(0x3000 + i));
        bb_u16(&exts, 1);
        bb_u8(&exts, (unsigned)i);
    }
    if (p != NULL) {
        bb_u16(&exts, type);
        bb_u16(&exts, (unsigned)len);
        bb_put(&exts, p, len);
    }
    for (int k = 0; k <= dup; k++) {
        bb_put(&exts, "\x00\x0d\x00\x04\x00\x02\x04\x03", 8);
    }
    bb_u8(&cr, GMTLS_HS_CERTIFICATE_REQUEST);
    bb_u24(&cr, 1 + 2 + exts.n);
    bb_u8(&cr, 0);
    bb_u16(&cr, (unsigned)exts.n);
    bb_put(&cr, exts.b, exts.n);
    if (m != (size_t)-1) {
        bb_insert(fl, m, cr.b, cr.n);
    }
    bb_free(&cr);
    bb_free(&exts);
}

static void mut_cr_40_unknown(bb *fl)
{
    insert_cr_ext(fl, 40, 0, 0, NULL, 0);
}

static void mut_cr_dup(bb *fl)
{
    insert_cr_ext(fl, 40, 1, 0, NULL, 0);
}

/* key_share (CH, SH, HRR only) in a CertificateRequest. */
static void mut_cr_key_share(bb *fl)
{
    insert_cr_ext(fl, 0, 0, GMTLS_EXT_KEY_SHARE, "\x00\x1d\x00\x01\x01", 5);
}

/* oid_filters (CR only): struct { OIDFilter filters<0..2^16-1>; }, empty. */
static void mut_cr_oid_filters(bb *fl)
{
    insert_cr_ext(fl, 0, 0, GMTLS_EXT_OID_FILTERS, "\x00\x00", 2);
}

/* pre_shared_key (selected_identity 0) from a server the client offered no PSK. */
static void mut_sh_psk_unoffered(bb *sh)
{
    add_ext(sh, 0, sh_exts_off(sh), GMTLS_EXT_PRE_SHARED_KEY, "\x00\x00", 2);
}

/* cookie (CH, HRR only) in a ServerHello. */
static void mut_sh_cookie(bb *sh)
{
    add_ext(sh, 0, sh_exts_off(sh), GMTLS_EXT_COOKIE, "\x00\x01\x63", 3);
}

static void mut_sh_legacy_0300(bb *sh)
{
    set16(sh->b + 4, 0x0300);
}

static void mut_sh_legacy_0000(bb *sh)
{
    set16(sh->b + 4, 0x0000);
}

/* Removes extension `type` from the block at `exts` of the handshake message
 * msg (header included), fixing both lengths; 1 if it was there. */
static int drop_ext(bb *msg, size_t exts, uint16_t type)
{
    size_t len = 0, off = find_ext(msg, exts, type, &len);
    if (off == 0) {
        return 0;
    }
    bb_erase(msg, off - 4, 4 + len);
    set16(msg->b + exts, get16(msg->b + exts) - 4 - len);
    set24(msg->b + 1, msg->n - 4);
    return 1;
}

/* RFC 8446 §4.1.2: the client "MUST send the same ClientHello without
 * modification, except" where the HelloRetryRequest asks for a change; the key
 * shares are replaced only "If a "key_share" extension was supplied in the
 * HelloRetryRequest". After one with a cookie only, the second ClientHello is
 * the first plus the cookie: the same key share, not a new key pair. */
static void client_cookie_only_hrr(void)
{
    const char *name = "client: HelloRetryRequest with a cookie only";
    gmtls_config *scfg = tt_server_config(tt_chain("P-256")), *ccfg = tt_client_config(tt_chain("P-256"));
    tt_pair p;
    size_t z = 0, n;
    bb ch1 = {0}, hrr = {0}, rec = {0}, ch2 = {0};
    if (gmtls_config_set_groups(ccfg, "x25519:secp256r1") != 0 || gmtls_config_set_groups(scfg, "secp256r1") != 0 ||
        tt_pair_new(&p, ccfg, scfg, "localhost") != 0) {
        abort();
    }
    int rc = gmtls_handshake(p.cli, &p.c2s, NULL, &z);
    bb_set(&ch1, p.c2s.base + 5, get16(p.c2s.base + 3));
    n = p.c2s.off;
    rc = gmtls_handshake(p.srv, &p.s2c, p.c2s.base, &n);
    p.c2s.off = 0;
    /* The server's HelloRetryRequest (for secp256r1) without its key_share. */
    bb_set(&hrr, p.s2c.base + 5, get16(p.s2c.base + 3));
    int dropped = drop_ext(&hrr, sh_exts_off(&hrr), GMTLS_EXT_KEY_SHARE);
    rec_plain(&rec, GMTLS_CT_HANDSHAKE, hrr.b, hrr.n);
    n = rec.n;
    rc = gmtls_handshake(p.cli, &p.c2s, rec.b, &n);
    size_t pos = p.c2s.off > 6 && p.c2s.base[0] == GMTLS_CT_CHANGE_CIPHER_SPEC ? 6 : 0;
    bb_set(&ch2, p.c2s.base + pos + 5, p.c2s.off > pos + 5 ? p.c2s.off - pos - 5 : 0);
    int cookie = ch2.n > 0 && drop_ext(&ch2, ch_exts_off(ch2.b), GMTLS_EXT_COOKIE);
    verdict(rc == GMTLS_ERR_WANT_READ && dropped && cookie && ch2.n == ch1.n && memcmp(ch2.b, ch1.b, ch1.n) == 0, name,
            "second ClientHello = first + cookie (same key share)", rc, GMTLS_ERR_WANT_READ, p.cli);
    bb_free(&ch1);
    bb_free(&hrr);
    bb_free(&rec);
    bb_free(&ch2);
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

static void test_client_conformance(void)
{
    /* RFC 8446 §D.5: a ServerHello.legacy_version of 0x0300 (or less) ->
     * protocol_version. */
    client_sh_case("client: ServerHello legacy_version 0x0300", mut_sh_legacy_0300, NULL, GMTLS_ALERT_PROTOCOL_VERSION);
    client_sh_case("client: ServerHello legacy_version 0x0000", mut_sh_legacy_0000, NULL, GMTLS_ALERT_PROTOCOL_VERSION);
    /* RFC 8446 §4.3.2: in a CertificateRequest "Clients MUST ignore
     * unrecognized extensions" - 40 of them are read past (the inserted
     * message then breaks the transcript, so the server's CertificateVerify
     * fails: decrypt_error, not the decode_error of a capped parser); a
     * duplicate among them is still illegal_parameter (§4.2; no alert named,
     * BoringSSL's choice outside the ClientHello and EncryptedExtensions). */
    client_flight_case("client: CertificateRequest with 40 unknown extensions", mut_cr_40_unknown,
                       GMTLS_ALERT_DECRYPT_ERROR);
    client_flight_case("client: CertificateRequest with 40 unknown extensions and a duplicate", mut_cr_dup,
                       GMTLS_ALERT_ILLEGAL_PARAMETER);
    /* RFC 8446 §4.2: "If an implementation receives an extension which it
     * recognizes and which is not specified for the message in which it
     * appears, it MUST abort the handshake with an "illegal_parameter"
     * alert." (key_share: CH, SH, HRR; oid_filters: CR, read past: the
     * CertificateVerify then fails on the changed transcript.) */
    client_flight_case("client: key_share in CertificateRequest", mut_cr_key_share, GMTLS_ALERT_ILLEGAL_PARAMETER);
    client_flight_case("client: oid_filters in CertificateRequest (allowed)", mut_cr_oid_filters,
                       GMTLS_ALERT_DECRYPT_ERROR);
    /* RFC 8446 §4.2: "Implementations MUST NOT send extension responses if
     * the remote endpoint did not send the corresponding extension requests,
     * with the exception of the "cookie" extension in the HelloRetryRequest.
     * Upon receiving such an extension, an endpoint MUST abort the handshake
     * with an "unsupported_extension" alert." */
    client_sh_case("client: pre_shared_key in ServerHello, no PSK offered", mut_sh_psk_unoffered, NULL,
                   GMTLS_ALERT_UNSUPPORTED_EXTENSION);
    client_sh_case("client: cookie in ServerHello", mut_sh_cookie, NULL, GMTLS_ALERT_UNSUPPORTED_EXTENSION);
    /* RFC 8446 §4.2.2: "the client MUST copy the contents of the extension
     * received in the HelloRetryRequest into a "cookie" extension in the new
     * ClientHello" - byte for byte, whatever the server put there. */
    for (int own = 0; own < 2; own++) {
        const char *name = own ? "client: echoes a foreign cookie" : "client: echoes the server's cookie";
        hrr_duo h;
        tt_pair *p = &h.p;
        size_t n, len = 0;
        bb hrr = {0}, rec = {0}, ch2 = {0};
        int rc = hrr_duo_start(&h, &hrr);
        size_t off = find_ext(&hrr, sh_exts_off(&hrr), GMTLS_EXT_COOKIE, &len);
        if (own && off != 0) {
            /* Another server's cookie: 300 bytes of its own format. */
            uint8_t big[302];
            big[0] = 0x01;
            big[1] = 0x2c;
            for (int i = 2; i < 302; i++) {
                big[i] = (uint8_t)(i * 5);
            }
            bb_erase(&hrr, off, len);
            bb_insert(&hrr, off, big, sizeof big);
            set16(hrr.b + off - 2, sizeof big);
            set16(hrr.b + sh_exts_off(&hrr), get16(hrr.b + sh_exts_off(&hrr)) + sizeof big - len);
            set24(hrr.b + 1, hrr.n - 4);
            len = sizeof big;
        }
        rec_plain(&rec, GMTLS_CT_HANDSHAKE, hrr.b, hrr.n);
        n = rec.n;
        rc = gmtls_handshake(p->cli, &p->c2s, rec.b, &n);
        /* The client's output: CCS, then the second ClientHello. */
        size_t pos = p->c2s.off > 6 && p->c2s.base[0] == GMTLS_CT_CHANGE_CIPHER_SPEC ? 6 : 0;
        bb_set(&ch2, p->c2s.base + pos + 5, p->c2s.off - pos - 5);
        size_t len2 = 0, off2 = off != 0 ? find_ext(&ch2, ch_exts_off(ch2.b), GMTLS_EXT_COOKIE, &len2) : 0;
        verdict(rc == GMTLS_ERR_WANT_READ && off != 0 && off2 != 0 && len2 == len &&
                    memcmp(ch2.b + off2, hrr.b + off, len) == 0,
                name, "cookie copied byte for byte", rc, GMTLS_ERR_WANT_READ, p->cli);
        bb_free(&hrr);
        bb_free(&rec);
        bb_free(&ch2);
        hrr_duo_free(&h);
    }
    client_cookie_only_hrr();
}

static int acceptable(int rc)
{
    return rc == 0 || rc == GMTLS_ERR_WANT_READ || GMTLS_IS_ALERT(rc) || rc == GMTLS_ERR_NOT_TLS;
}

static void test_random_mutation(void)
{
    bb in = {0};
    int bad = 0;
    /* A real ClientHello against fresh servers, fed whole or in two parts. */
    {
        duo d;
        duo_configs(&d, "P-256");
        if (duo_start(&d, "localhost") != 0) {
            abort();
        }
        for (int it = 0; it < 3000; it++) {
            bb_set(&in, d.ch.b, d.ch.n);
            mutate(&in);
            gmtls_conn *c = new_server();
            gmtls_buf out;
            gmtls_buf_init(&out);
            size_t cut = rnd(2) ? in.n : rnd(in.n + 1), n = cut;
            int rc = gmtls_handshake(c, &out, in.b, &n);
            if (rc == GMTLS_ERR_WANT_READ && cut < in.n) {
                n = in.n - cut;
                rc = gmtls_handshake(c, &out, in.b + cut, &n);
            }
            int ok = acceptable(rc) && rc != 0;
            if (ok && GMTLS_IS_ALERT(rc) && !server_answered(&out)) {
                ok = out.off >= 7 && out.base[out.off - 7] == GMTLS_CT_ALERT && out.base[out.off - 1] == rc;
            }
            if (ok && rc == GMTLS_ERR_NOT_TLS) {
                /* A mutated record version: the first record is not TLS. */
                ok = out.off == 7 && out.base[0] == GMTLS_CT_ALERT && out.base[6] == GMTLS_ALERT_UNEXPECTED_MESSAGE;
            }
            if (!ok && bad++ < 10) {
                fprintf(stderr, "mutated ClientHello %d: %s (%s)\n", it, err_name(rc), gmtls_conn_error_detail(c));
                test_hexdump_("input", in.b, in.n);
            }
            CHECK(ok);
            gmtls_buf_dispose(&out);
            gmtls_conn_free(c);
        }
        duo_free(&d);
    }
    /* The server's flight against the client: raw bytes, or its decrypted
     * messages mutated and re-protected (so the parsers behind the AEAD see
     * the damage). */
    for (int it = 0; it < 600; it++) {
        duo d;
        duo_configs(&d, "P-256");
        if (duo_start(&d, "localhost") != 0) {
            abort();
        }
        if (it % 2 == 0) {
            duo_server_bytes(&d, &d.sh, &d.flight, &in);
            mutate(&in);
        } else {
            bb fl = {0}, sh = {0};
            bb_put(&fl, d.flight.b, d.flight.n);
            bb_put(&sh, d.sh.b, d.sh.n);
            mutate(it % 3 == 0 ? &sh : &fl);
            duo_server_bytes(&d, &sh, &fl, &in);
            bb_free(&fl);
            bb_free(&sh);
        }
        int rc = duo_to_client(&d, in.b, in.n);
        if (!acceptable(rc) && bad++ < 10) {
            fprintf(stderr, "mutated server flight %d: %s (%s)\n", it, err_name(rc), gmtls_conn_error_detail(d.p.cli));
            test_hexdump_("input", in.b, in.n);
        }
        CHECK(acceptable(rc));
        duo_free(&d);
    }
    /* The client's second flight against the server. */
    for (int it = 0; it < 400; it++) {
        duo2 x;
        if (duo2_start(&x) != 0) {
            abort();
        }
        in.n = 0;
        if (it % 2 == 0) {
            rec_plain(&in, GMTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1);
            seal_typed(&in, x.d.suite, x.d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, x.fin.b, x.fin.n);
            mutate(&in);
        } else {
            mutate(&x.fin);
            seal_typed(&in, x.d.suite, x.d.ckl.c_hs, 0, GMTLS_CT_HANDSHAKE, x.fin.b, x.fin.n);
        }
        size_t n = in.n;
        int rc = gmtls_handshake(x.d.p.srv, &x.d.p.s2c, in.b, &n);
        if (!acceptable(rc) && bad++ < 10) {
            fprintf(stderr, "mutated client Finished %d: %s (%s)\n", it, err_name(rc),
                    gmtls_conn_error_detail(x.d.p.srv));
            test_hexdump_("input", in.b, in.n);
        }
        CHECK(acceptable(rc));
        duo2_free(&x);
    }
    bb_free(&in);
}

/* ================================================================ certificate compression, record size limit */

/* What a case does to the server's Certificate (RFC 8879 §4): the test
 * compresses it itself (independently of gmtls's encoder) into a
 * CompressedCertificate, then bends one field. */
typedef struct {
    uint16_t alg;   /* the algorithm field */
    uint16_t with;  /* compressed with (0: alg) */
    long len_delta; /* added to uncompressed_length */
    long len_set;   /* >= 0: uncompressed_length */
    size_t cut;     /* bytes dropped from the end of the compressed data */
    size_t trailer; /* bytes after compressed_certificate_message */
    int empty;      /* compressed_certificate_message empty */
    size_t bomb;    /* > 0: compress this many zero bytes instead of the Certificate */
} cc_spec;

static cc_spec g_cc;

static void cc_compress(uint16_t alg, const uint8_t *in, size_t n, bb *out)
{
    out->n = 0;
    if (alg == GMTLS_CERT_COMPRESSION_ZLIB) {
        uLongf zl = compressBound(n);
        bb_reserve(out, zl);
        if (compress2(out->b, &zl, in, n, 6) != Z_OK) {
            abort();
        }
        out->n = zl;
    } else if (alg == GMTLS_CERT_COMPRESSION_BROTLI) {
        size_t bl = BrotliEncoderMaxCompressedSize(n);
        bb_reserve(out, bl);
        if (!BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, n, in, &bl, out->b)) {
            abort();
        }
        out->n = bl;
    } else {
        size_t cap = ZSTD_compressBound(n);
        bb_reserve(out, cap);
        size_t r = ZSTD_compress(out->b, cap, in, n, 3);
        if (ZSTD_isError(r)) {
            abort();
        }
        out->n = r;
    }
}

static void mut_cert_compressed(bb *fl)
{
    size_t m = find_msg(fl, GMTLS_HS_CERTIFICATE);
    if (m == (size_t)-1) {
        return;
    }
    size_t len = get24(fl->b + m + 1);
    bb z = {0}, msg = {0};
    uint8_t *zeros = NULL;
    if (g_cc.bomb > 0) {
        zeros = calloc(1, g_cc.bomb);
        cc_compress(g_cc.with ? g_cc.with : g_cc.alg, zeros, g_cc.bomb, &z);
        free(zeros);
    } else {
        cc_compress(g_cc.with ? g_cc.with : g_cc.alg, fl->b + m + 4, len, &z);
    }
    z.n = g_cc.empty ? 0 : z.n - g_cc.cut;
    size_t plain = g_cc.len_set >= 0 ? (size_t)g_cc.len_set : (size_t)((long)len + g_cc.len_delta);
    /* struct { CertificateCompressionAlgorithm algorithm; uint24
     * uncompressed_length; opaque compressed_certificate_message<1..2^24-1>; } */
    bb_u8(&msg, GMTLS_HS_COMPRESSED_CERTIFICATE);
    bb_u24(&msg, 2 + 3 + 3 + z.n + g_cc.trailer);
    bb_u16(&msg, g_cc.alg);
    bb_u24(&msg, plain);
    bb_u24(&msg, z.n);
    bb_put(&msg, z.b, z.n);
    for (size_t i = 0; i < g_cc.trailer; i++) {
        bb_u8(&msg, 0);
    }
    bb_erase(fl, m, 4 + len);
    bb_insert(fl, m, msg.b, msg.n);
    bb_free(&z);
    bb_free(&msg);
}

static void mut_ee_rsl_63(bb *fl)
{
    mut_ee_ext(fl, GMTLS_EXT_RECORD_SIZE_LIMIT, "\x00\x3f", 2);
}

static void mut_ee_rsl_64(bb *fl)
{
    mut_ee_ext(fl, GMTLS_EXT_RECORD_SIZE_LIMIT, "\x00\x40", 2);
}

static void mut_ee_rsl_16386(bb *fl)
{
    mut_ee_ext(fl, GMTLS_EXT_RECORD_SIZE_LIMIT, "\x40\x02", 2);
}

static void mut_ee_rsl_long(bb *fl)
{
    mut_ee_ext(fl, GMTLS_EXT_RECORD_SIZE_LIMIT, "\x40\x01\x00", 3);
}

static void mut_ee_cert_comp(bb *fl)
{
    mut_ee_ext(fl, GMTLS_EXT_COMPRESS_CERTIFICATE, "\x02\x00\x02", 3);
}

/* A client flight case on chosen configs: the client offers `offer` for
 * certificate compression and advertises record_size_limit cli_rsl; the
 * server compresses nothing and advertises srv_rsl. */
static void cfg_flight_case(const char *name, const char *offer, unsigned cli_rsl, unsigned srv_rsl, flight_mut_fn *mut,
                            int want)
{
    duo d;
    bb fl = {0}, in = {0};
    duo_configs(&d, "P-256");
    if (gmtls_config_set_cert_compression(d.ccfg, offer) != 0 ||
        gmtls_config_set_cert_compression(d.scfg, "none") != 0 ||
        gmtls_config_set_record_size_limit(d.ccfg, cli_rsl) != 0 ||
        gmtls_config_set_record_size_limit(d.scfg, srv_rsl) != 0) {
        abort();
    }
    int rc = duo_start(&d, "localhost");
    verdict(rc == 0, name, "setup", rc, 0, d.p.srv);
    if (rc == 0) {
        bb_put(&fl, d.flight.b, d.flight.n);
        mut(&fl);
        duo_server_bytes(&d, &d.sh, &fl, &in);
        rc = duo_to_client(&d, in.b, in.n);
        if (want == 0) {
            verdict(rc == 0, name, "client completes", rc, 0, d.p.cli);
        } else {
            expect_client_alert(name, &d, rc, want, ALERT_AFTER_CCS);
        }
    }
    bb_free(&fl);
    bb_free(&in);
    duo_free(&d);
}

static void cc_case(const char *name, const char *offer, cc_spec spec, int want)
{
    g_cc = spec;
    cfg_flight_case(name, offer, 16385, 16385, mut_cert_compressed, want);
}

static void test_cert_compression(void)
{
    static const struct {
        uint16_t alg;
        const char *name;
    } algs[] = {{GMTLS_CERT_COMPRESSION_ZLIB, "zlib"},
                {GMTLS_CERT_COMPRESSION_BROTLI, "brotli"},
                {GMTLS_CERT_COMPRESSION_ZSTD, "zstd"}};
    char name[128];
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(algs); i++) {
        uint16_t a = algs[i].alg;
        /* Controls: the test's own compressor's output decompresses and the
         * chain parses; the CertificateVerify then fails because RFC 8879 §4
         * hashes the CompressedCertificate into the transcript as sent (the
         * server signed over its plain Certificate): a client that hashed the
         * decompressed Certificate instead would accept it. */
        snprintf(name, sizeof name, "client: %s CompressedCertificate decompresses, hashed as sent", algs[i].name);
        cc_case(name, "brotli:zstd:zlib", (cc_spec){a, 0, 0, -1, 0, 0, 0, 0}, GMTLS_ALERT_DECRYPT_ERROR);
        /* RFC 8879 §4: "If, after decompression, the specified length does
         * not match the actual length, the party receiving the invalid
         * message MUST abort the connection with the "bad_certificate"
         * alert." */
        snprintf(name, sizeof name, "client: %s uncompressed_length one too large", algs[i].name);
        cc_case(name, "brotli:zstd:zlib", (cc_spec){a, 0, 1, -1, 0, 0, 0, 0}, GMTLS_ALERT_BAD_CERTIFICATE);
        snprintf(name, sizeof name, "client: %s uncompressed_length one too small", algs[i].name);
        cc_case(name, "brotli:zstd:zlib", (cc_spec){a, 0, -1, -1, 0, 0, 0, 0}, GMTLS_ALERT_BAD_CERTIFICATE);
        snprintf(name, sizeof name, "client: %s uncompressed_length 0", algs[i].name);
        cc_case(name, "brotli:zstd:zlib", (cc_spec){a, 0, 0, 0, 0, 0, 0, 0}, GMTLS_ALERT_BAD_CERTIFICATE);
        /* "If the received CompressedCertificate message cannot be
         * decompressed, the connection MUST be terminated with the
         * "bad_certificate" alert." */
        snprintf(name, sizeof name, "client: %s compressed data truncated", algs[i].name);
        cc_case(name, "brotli:zstd:zlib", (cc_spec){a, 0, 0, -1, 1, 0, 0, 0}, GMTLS_ALERT_BAD_CERTIFICATE);
        snprintf(name, sizeof name, "client: %s data under another algorithm's name", algs[i].name);
        cc_case(name, "brotli:zstd:zlib", (cc_spec){a, algs[(i + 1) % 3].alg, 0, -1, 0, 0, 0, 0},
                GMTLS_ALERT_BAD_CERTIFICATE);
        /* A decompression bomb: 8 MiB of zeros (a few KiB compressed)
         * declared as 200000 bytes is cut off at 200000 bytes (bad_certificate,
         * nothing larger is ever allocated); declared as itself it exceeds
         * the bound before any decompression. */
        snprintf(name, sizeof name, "client: %s bomb declared small", algs[i].name);
        cc_case(name, "brotli:zstd:zlib", (cc_spec){a, 0, 0, 200000, 0, 0, 0, 8u << 20}, GMTLS_ALERT_BAD_CERTIFICATE);
        snprintf(name, sizeof name, "client: %s bomb declared at its size", algs[i].name);
        cc_case(name, "brotli:zstd:zlib", (cc_spec){a, 0, 0, 8l << 20, 0, 0, 0, 8u << 20}, GMTLS_ALERT_BAD_CERTIFICATE);
    }
    /* The bound: uncompressed_length is a uint24, ours at most 256 KiB. */
    cc_case("client: uncompressed_length 2^24-1", "zlib", (cc_spec){1, 0, 0, 0xffffff, 0, 0, 0, 0},
            GMTLS_ALERT_BAD_CERTIFICATE);
    cc_case("client: uncompressed_length 256 KiB + 1", "zlib", (cc_spec){1, 0, 0, 256 * 1024 + 1, 0, 0, 0, 0},
            GMTLS_ALERT_BAD_CERTIFICATE);
    /* RFC 8879 §4: "The algorithm MUST be one of the algorithms listed in the
     * peer's compress_certificate extension" -> illegal_parameter. */
    cc_case("client: CompressedCertificate with an algorithm not offered", "brotli",
            (cc_spec){GMTLS_CERT_COMPRESSION_ZLIB, 0, 0, -1, 0, 0, 0, 0}, GMTLS_ALERT_ILLEGAL_PARAMETER);
    cc_case("client: CompressedCertificate with an unknown algorithm", "brotli:zstd:zlib",
            (cc_spec){0x1234, GMTLS_CERT_COMPRESSION_ZLIB, 0, -1, 0, 0, 0, 0}, GMTLS_ALERT_ILLEGAL_PARAMETER);
    /* A CompressedCertificate without compress_certificate in our ClientHello
     * is a message we do not expect (RFC 8446 §6.2 unexpected_message). */
    cc_case("client: CompressedCertificate not offered at all", "none",
            (cc_spec){GMTLS_CERT_COMPRESSION_ZLIB, 0, 0, -1, 0, 0, 0, 0}, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    /* opaque compressed_certificate_message<1..2^24-1>, and nothing after it. */
    cc_case("client: empty compressed_certificate_message", "zlib", (cc_spec){1, 0, 0, -1, 0, 0, 1, 0},
            GMTLS_ALERT_DECODE_ERROR);
    cc_case("client: byte after compressed_certificate_message", "zlib", (cc_spec){1, 0, 0, -1, 0, 1, 0, 0},
            GMTLS_ALERT_DECODE_ERROR);
    /* RFC 8879 §3: compress_certificate goes in the ClientHello and the
     * CertificateRequest; in EncryptedExtensions it is misplaced (RFC 8446
     * §4.2: illegal_parameter). */
    cfg_flight_case("client: compress_certificate in EncryptedExtensions", "zlib", 16385, 0, mut_ee_cert_comp,
                    GMTLS_ALERT_ILLEGAL_PARAMETER);

    /* record_size_limit in EncryptedExtensions (the server here sends none
     * itself). RFC 8449 §4: "An endpoint MUST treat receipt of a smaller
     * value [than 64] as a fatal error and generate an "illegal_parameter"
     * alert." */
    cfg_flight_case("client: record_size_limit 63", "none", 16385, 0, mut_ee_rsl_63, GMTLS_ALERT_ILLEGAL_PARAMETER);
    /* control: 64 passes; the edited EncryptedExtensions then fails the
     * CertificateVerify over the transcript */
    cfg_flight_case("client: record_size_limit 64 (control)", "none", 16385, 0, mut_ee_rsl_64,
                    GMTLS_ALERT_DECRYPT_ERROR);
    /* "A client MAY abort the handshake with an "illegal_parameter" alert if
     * the record_size_limit extension includes a value greater than the
     * maximum record size permitted by the negotiated protocol version" */
    cfg_flight_case("client: record_size_limit 16386", "none", 16385, 0, mut_ee_rsl_16386,
                    GMTLS_ALERT_ILLEGAL_PARAMETER);
    cfg_flight_case("client: record_size_limit of 3 bytes", "none", 16385, 0, mut_ee_rsl_long,
                    GMTLS_ALERT_DECODE_ERROR);
    /* RFC 8446 §4.2: an answer to an extension we did not send ->
     * unsupported_extension. */
    cfg_flight_case("client: record_size_limit not offered", "none", 0, 0, mut_ee_rsl_64,
                    GMTLS_ALERT_UNSUPPORTED_EXTENSION);

    /* The server reads both extensions in the ClientHello. */
    chspec s;
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_set(&s, GMTLS_EXT_RECORD_SIZE_LIMIT), "\x00\x3f", 2);
    server_spec("ClientHello record_size_limit 63", &s, GMTLS_ALERT_ILLEGAL_PARAMETER);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_set(&s, GMTLS_EXT_RECORD_SIZE_LIMIT), "\x00\x40", 2);
    server_spec("ClientHello record_size_limit 64", &s, PROCEEDS);
    /* RFC 8449 §4: "A server MUST NOT enforce this restriction" (a larger value). */
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_set(&s, GMTLS_EXT_RECORD_SIZE_LIMIT), "\xff\xff", 2);
    server_spec("ClientHello record_size_limit 65535", &s, PROCEEDS);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_set(&s, GMTLS_EXT_RECORD_SIZE_LIMIT), "\x40", 1);
    server_spec("ClientHello record_size_limit of 1 byte", &s, GMTLS_ALERT_DECODE_ERROR);
    /* RFC 8879 §3: algorithms<2..2^8-2>. */
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_set(&s, GMTLS_EXT_COMPRESS_CERTIFICATE), "\x00", 1);
    server_spec("ClientHello compress_certificate with an empty list", &s, GMTLS_ALERT_DECODE_ERROR);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_set(&s, GMTLS_EXT_COMPRESS_CERTIFICATE), "\x03\x00\x02\x00", 4);
    server_spec("ClientHello compress_certificate with an odd list", &s, GMTLS_ALERT_DECODE_ERROR);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_set(&s, GMTLS_EXT_COMPRESS_CERTIFICATE), "\x02\x00\x02\x00", 4);
    server_spec("ClientHello compress_certificate with a trailing byte", &s, GMTLS_ALERT_DECODE_ERROR);
    ch_default(&s, GMTLS_GROUP_X25519);
    bb_put(ext_set(&s, GMTLS_EXT_COMPRESS_CERTIFICATE), "\x02\x12\x34", 3);
    server_spec("ClientHello compress_certificate with only unknown algorithms", &s, PROCEEDS);
}

int main(void)
{
    const test_chain *chain = tt_chain("P-256");
    if (chain == NULL || tt_chain("P-384") == NULL) {
        fprintf(stderr, "cannot make test certificates\n");
        return 1;
    }
    g_scfg = tt_server_config(chain);
    if (g_scfg == NULL) {
        return 1;
    }
    gmtls_config_set_tickets(g_scfg, 0, 0);
    /* TLS 1.3 only: a ClientHello without 0x0304 in supported_versions is
     * then protocol_version (the TLS 1.2 server: tls12_test.c). */
    if (gmtls_config_set_versions(g_scfg, GMTLS_VERSION_TLS13, GMTLS_VERSION_TLS13) != 0) {
        return 1;
    }
    gmtls_config_set_keylog(g_scfg, keylog_cb, &g_skl);
    /* Two ticket keys (they key the HelloRetryRequest cookies too). */
    for (size_t i = 0; i < sizeof g_ticket_keys; i++) {
        g_ticket_keys[i] = (uint8_t)(i * 13 + 5);
    }
    if (gmtls_config_set_ticket_keys(g_scfg, g_ticket_keys, 2) != 0) {
        return 1;
    }

    test_ch_truncation();
    test_ch_lengths();
    test_ch_extensions();
    test_early_data_without_psk();
    test_key_shares();
    test_hrr();
    test_wrong_first();
    test_record_limits();
    test_client_side();
    test_client_hrr();
    test_client_sh_cookie_after_hrr();
    test_server_second_flight();
    test_post_handshake();
    test_empty_records();
    test_not_tls();
    test_plaintext_peer_alert();
    test_hrr_early_and_cookie();
    test_long_lists();
    test_groups();
    test_client_conformance();
    test_full_mutated();
    test_random_mutation();
    test_cert_compression();

    gmtls_config_free(g_scfg);
    int rc = TEST_END("negative_test");
    fflush(stdout); /* before LeakSanitizer's exit-time report */
    return rc;
}
