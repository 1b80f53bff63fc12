/* tests/sm/replay_transcript.c - replays one recorded TLS 1.3 connection
 * (a folder of $GMTLS_VECTORS/sm-tls13/, layout in its README.md) through
 * gmtls's own code and checks every value the recording pins down.
 *
 *   replay_transcript <folder>
 *
 * Inputs: records.txt (every record in wire order), keylog.txt (NSS key log),
 * ca.pem, server-chain.pem / client-chain.pem, and when present
 * gmssl-key-schedule.txt, psk.txt and the "Derived values" of README.md.
 * The known answers are the recording itself (GmSSL 3.3.0-dev client and
 * server, see sm-tls13/README.md): nothing is embedded here.
 *
 * What is checked, with gmtls code wherever gmtls has it:
 *  - every record frames exactly (gmtls_rec_next_len) and every protected
 *    record opens with gmtls_rec_open under the key derived from the LOGGED
 *    traffic secret (HKDF-Expand-Label "key"/"iv" of the suite's hash), with
 *    per-direction sequence numbers, switching keys at ServerHello and at
 *    each side's Finished and on KeyUpdate ("traffic upd");
 *  - handshake messages are reassembled across records (and never span a
 *    key change) and parsed field by field with gmtls_rd; ClientHello by
 *    gmtls_ch_parse (and gmtls_ch_compare for a second ClientHello);
 *  - the transcript hash, including the message_hash rewrite after a
 *    HelloRetryRequest (detected by its special random);
 *  - both Finished values (gmtls_finished_mac);
 *  - every CertificateVerify (gmtls_verify, ID "TLSv1.3+GM+Cipher+Suite" for
 *    sm2sig_sm3; and that it does NOT verify with the default SM2 ID);
 *  - the certificates sent equal the *-chain.pem files, and the chains
 *    verify against ca.pem with libcrypto at 2027-01-01T00:00:00Z (and fail
 *    at 2026-06-01, before the leaves' validity), server chain for the
 *    ClientHello's server_name;
 *  - with gmssl-key-schedule.txt: early/handshake/master secrets recomputed
 *    from the logged ECDHE secret (gmtls_ks_*), the traffic secrets derived
 *    from our transcript equal the key log, every logged key/iv;
 *  - with README.md derived values: exporter and resumption master secrets
 *    and the ticket PSK (HKDF-Expand-Label "resumption" with the nonce of
 *    the NewSessionTicket);
 *  - with psk.txt: the PSK identity offered and its binder.
 * Any mismatch prints a message naming the record and exits non-zero. */
#include <stdarg.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "test.h"

#include "common/common.h"
#include "crypto/crypto.h"
#include "handshake/internal.h"
#include "keysched/keysched.h"
#include "record/record.h"

/* Fixed verification times (the leaves are valid 2026-11-27..2027-11-27). */
#define VERIFY_TIME_OK ((time_t)1798761600)   /* 2027-01-01T00:00:00Z */
#define VERIFY_TIME_EARLY ((time_t)1780272000) /* 2026-06-01T00:00:00Z */
#define CERT_SM2_ID "1234567812345678"

/* ------------------------------------------------------------ reporting */

static const char *g_case = "?";
static int g_rec = -1;   /* index of the record being processed, -1 outside */
static char g_dir = '-'; /* 'C' or 'S' */

static void report(const char *fmt, va_list ap)
{
    if (g_rec >= 0) {
        fprintf(stderr, "replay %s: record #%d (%c): ", g_case, g_rec, g_dir);
    } else {
        fprintf(stderr, "replay %s: ", g_case);
    }
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    test_failed_++;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  note: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

static int summary(void);
static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    test_failed_++;
    summary();
    exit(1);
}

/* EXPECT(cond, fmt, ...): a counted check with a message on failure. */
#define EXPECT(cond, ...)       \
    do {                        \
        if (cond) {             \
            test_passed_++;     \
        } else {                \
            fail(__VA_ARGS__);  \
        }                       \
    } while (0)

static void expect_mem(const uint8_t *got, const uint8_t *want, size_t n, const char *what)
{
    if (memcmp(got, want, n) == 0) {
        test_passed_++;
        return;
    }
    fail("%s mismatch", what);
    test_hexdump_("computed", got, n);
    test_hexdump_("expected", want, n);
}

/* ------------------------------------------------------------ small helpers */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} bytes;

static void bytes_add(bytes *b, const uint8_t *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) {
            cap *= 2;
        }
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL) {
            fatal("out of memory");
        }
        b->p = q;
        b->cap = cap;
    }
    if (n > 0) {
        memcpy(b->p + b->len, p, n);
    }
    b->len += n;
}

static void bytes_free(bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decodes exactly n hex digits (n even) into out[0..n/2); -1 on a bad digit. */
static int unhex(const char *s, size_t n, uint8_t *out, size_t cap)
{
    if (n % 2 != 0 || n / 2 > cap) {
        return -1;
    }
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* Reads a whole file (NUL-terminated); NULL if it does not exist. */
static char *read_file(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    bytes b = {0};
    uint8_t chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        bytes_add(&b, chunk, n);
    }
    fclose(f);
    bytes_add(&b, (const uint8_t *)"", 1);
    if (len != NULL) {
        *len = b.len - 1;
    }
    return (char *)b.p;
}

/* Splits off the next line of *cur (in place); NULL at the end. */
static char *next_line(char **cur)
{
    char *s = *cur;
    if (s == NULL || *s == '\0') {
        return NULL;
    }
    char *nl = strchr(s, '\n');
    if (nl != NULL) {
        *nl = '\0';
        *cur = nl + 1;
    } else {
        *cur = s + strlen(s);
    }
    size_t n = strlen(s);
    if (n > 0 && s[n - 1] == '\r') {
        s[n - 1] = '\0';
    }
    return s;
}

/* ------------------------------------------------------------ inputs */

typedef struct {
    char label[48];
    uint8_t random[32];
    uint8_t secret[GMTLS_MAX_HASH_LEN];
    size_t len;
    int used;
} keylog_line;

static keylog_line g_keylog[16];
static size_t g_nkeylog;

/* A named hex value: any length (a ticket identity can be far longer than
 * any secret), allocated by load_named, released by free_named. */
typedef struct {
    char name[64];
    uint8_t *v;
    size_t len;
    int used;
} named_value;

static named_value g_ksfile[32]; /* gmssl-key-schedule.txt */
static size_t g_nksfile;
static int g_have_ksfile;

/* RFC 8446 §4.2.11: opaque identity<1..2^16-1> */
static uint8_t g_psk[GMTLS_MAX_HASH_LEN], g_psk_id[65535];
static size_t g_psk_len, g_psk_id_len;
static int g_have_psk;

/* README.md "Derived values". */
static uint8_t g_rd_exporter[GMTLS_MAX_HASH_LEN], g_rd_res[GMTLS_MAX_HASH_LEN], g_rd_tpsk[GMTLS_MAX_HASH_LEN],
    g_rd_nonce[255];
static size_t g_rd_exporter_len, g_rd_res_len, g_rd_tpsk_len, g_rd_nonce_len;

typedef struct {
    char dir;
    uint8_t *rec;
    size_t len;
} record;

static record *g_records;
static size_t g_nrecords;

static void load_records(const char *dir)
{
    char *text = read_file(dir, "records.txt", NULL), *cur = text, *l;
    if (text == NULL) {
        fatal("%s/records.txt: cannot read", dir);
    }
    size_t cap = 0, lineno = 0;
    while ((l = next_line(&cur)) != NULL) {
        lineno++;
        if (l[0] == '\0') {
            continue;
        }
        size_t n = strlen(l);
        if ((l[0] != 'C' && l[0] != 'S') || l[1] != ' ' || n < 2 + 2 * GMTLS_REC_HDR) {
            fatal("records.txt:%zu: expected \"C <hex>\" or \"S <hex>\"", lineno);
        }
        size_t rlen = (n - 2) / 2;
        uint8_t *rec = malloc(rlen);
        if (rec == NULL || unhex(l + 2, n - 2, rec, rlen) != 0) {
            fatal("records.txt:%zu: bad hex", lineno);
        }
        if (g_nrecords == cap) {
            cap = cap ? 2 * cap : 32;
            record *r = realloc(g_records, cap * sizeof(*r));
            if (r == NULL) {
                fatal("out of memory");
            }
            g_records = r;
        }
        g_records[g_nrecords].dir = l[0];
        g_records[g_nrecords].rec = rec;
        g_records[g_nrecords].len = rlen;
        g_nrecords++;
    }
    free(text);
    if (g_nrecords == 0) {
        fatal("records.txt: no records");
    }
}

static void load_keylog(const char *dir)
{
    char *text = read_file(dir, "keylog.txt", NULL), *cur = text, *l;
    if (text == NULL) {
        fatal("%s/keylog.txt: cannot read", dir);
    }
    size_t lineno = 0;
    while ((l = next_line(&cur)) != NULL) {
        lineno++;
        if (l[0] == '\0' || l[0] == '#') {
            continue;
        }
        char *sp1 = strchr(l, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
        if (sp1 == NULL || sp2 == NULL || strchr(sp2 + 1, ' ') != NULL || g_nkeylog == GMTLS_ARRAY_LEN(g_keylog)) {
            fatal("keylog.txt:%zu: expected \"LABEL <client_random> <secret>\"", lineno);
        }
        keylog_line *k = &g_keylog[g_nkeylog];
        size_t ll = (size_t)(sp1 - l), sl = strlen(sp2 + 1);
        if (ll >= sizeof k->label || sp2 - sp1 - 1 != 64 || unhex(sp1 + 1, 64, k->random, 32) != 0 ||
            unhex(sp2 + 1, sl, k->secret, sizeof k->secret) != 0 || sl == 0) {
            fatal("keylog.txt:%zu: malformed line", lineno);
        }
        memcpy(k->label, l, ll);
        k->label[ll] = '\0';
        k->len = sl / 2;
        for (size_t i = 0; i < g_nkeylog; i++) {
            if (strcmp(g_keylog[i].label, k->label) == 0) {
                fatal("keylog.txt:%zu: %s logged twice (one connection per folder)", lineno, k->label);
            }
        }
        g_nkeylog++;
    }
    free(text);
}

static const keylog_line *keylog_find(const char *label)
{
    for (size_t i = 0; i < g_nkeylog; i++) {
        if (strcmp(g_keylog[i].label, label) == 0) {
            g_keylog[i].used = 1;
            return &g_keylog[i];
        }
    }
    return NULL;
}

/* "name hex" lines with # comments (gmssl-key-schedule.txt, psk.txt). */
static int load_named(const char *dir, const char *file, named_value *out, size_t cap, size_t *n)
{
    char *text = read_file(dir, file, NULL), *cur = text, *l;
    size_t lineno = 0;
    if (text == NULL) {
        return 0;
    }
    while ((l = next_line(&cur)) != NULL) {
        lineno++;
        char *hash = strchr(l, '#');
        if (hash != NULL) {
            *hash = '\0';
        }
        while (*l == ' ' || *l == '\t') {
            l++;
        }
        size_t e = strlen(l);
        while (e > 0 && (l[e - 1] == ' ' || l[e - 1] == '\t')) {
            l[--e] = '\0';
        }
        if (*l == '\0') {
            continue;
        }
        char *sp = strchr(l, ' ');
        if (sp == NULL || *n == cap || (size_t)(sp - l) >= sizeof out->name) {
            fatal("%s:%zu: expected \"name hex\"", file, lineno);
        }
        named_value *v = &out[*n];
        memset(v, 0, sizeof(*v));
        memcpy(v->name, l, (size_t)(sp - l));
        while (*sp == ' ') {
            sp++;
        }
        size_t hl = strlen(sp);
        v->v = malloc(hl / 2 + 1);
        if (v->v == NULL || unhex(sp, hl, v->v, hl / 2) != 0) {
            fatal("%s:%zu: bad hex for %s", file, lineno, v->name);
        }
        v->len = hl / 2;
        (*n)++;
    }
    free(text);
    return 1;
}

static void free_named(named_value *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].v);
        v[i].v = NULL;
    }
}

static const named_value *ksfile_find(const char *name)
{
    for (size_t i = 0; i < g_nksfile; i++) {
        if (strcmp(g_ksfile[i].name, name) == 0) {
            g_ksfile[i].used = 1;
            return &g_ksfile[i];
        }
    }
    return NULL;
}

static void load_psk(const char *dir)
{
    named_value v[8];
    size_t n = 0;
    if (!load_named(dir, "psk.txt", v, GMTLS_ARRAY_LEN(v), &n)) {
        return;
    }
    int have_id = 0, have_psk = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].name, "identity") == 0) {
            if (v[i].len == 0 || v[i].len > sizeof g_psk_id) {
                fatal("psk.txt: identity of %zu bytes (RFC 8446 allows 1..65535)", v[i].len);
            }
            memcpy(g_psk_id, v[i].v, v[i].len);
            g_psk_id_len = v[i].len;
            have_id = 1;
        } else if (strcmp(v[i].name, "psk") == 0) {
            if (v[i].len == 0 || v[i].len > sizeof g_psk) {
                fatal("psk.txt: psk of %zu bytes (at most %zu)", v[i].len, sizeof g_psk);
            }
            memcpy(g_psk, v[i].v, v[i].len);
            g_psk_len = v[i].len;
            have_psk = 1;
        } else {
            note("psk.txt: ignoring \"%s\"", v[i].name);
        }
    }
    free_named(v, n);
    if (!have_id || !have_psk) {
        fatal("psk.txt: needs both \"identity <hex>\" and \"psk <hex>\"");
    }
    g_have_psk = 1;
}

/* The last `...` hex value of a line into out (and the first into first). */
static int backquoted(const char *l, uint8_t *out, size_t cap, size_t *len, uint8_t *first, size_t fcap,
                      size_t *flen)
{
    const char *q[16];
    size_t nq = 0;
    for (const char *p = l; (p = strchr(p, '`')) != NULL && nq < GMTLS_ARRAY_LEN(q); p++) {
        q[nq++] = p;
    }
    if (nq < 2 || nq % 2 != 0) {
        return -1;
    }
    size_t n = (size_t)(q[nq - 1] - q[nq - 2] - 1);
    if (unhex(q[nq - 2] + 1, n, out, cap) != 0) {
        return -1;
    }
    *len = n / 2;
    if (first != NULL) {
        size_t m = (size_t)(q[1] - q[0] - 1);
        if (nq < 4 || unhex(q[0] + 1, m, first, fcap) != 0) {
            return -1;
        }
        *flen = m / 2;
    }
    return 0;
}

static void load_readme(const char *dir)
{
    char *text = read_file(dir, "README.md", NULL), *cur = text, *l;
    if (text == NULL) {
        return;
    }
    while ((l = next_line(&cur)) != NULL) {
        int rc = 0;
        if (strncmp(l, "- exporter_master_secret = ", 27) == 0) {
            rc = backquoted(l, g_rd_exporter, sizeof g_rd_exporter, &g_rd_exporter_len, NULL, 0, NULL);
        } else if (strncmp(l, "- resumption_master_secret = ", 29) == 0) {
            rc = backquoted(l, g_rd_res, sizeof g_rd_res, &g_rd_res_len, NULL, 0, NULL);
        } else if (strncmp(l, "- PSK of the ticket with nonce `", 32) == 0) {
            rc = backquoted(l, g_rd_tpsk, sizeof g_rd_tpsk, &g_rd_tpsk_len, g_rd_nonce, sizeof g_rd_nonce,
                            &g_rd_nonce_len);
        }
        if (rc != 0) {
            fatal("README.md: cannot read the hex value in \"%.60s...\"", l);
        }
    }
    free(text);
}

/* DER certificates of a PEM file, in order; 0 if the file does not exist. */
static int load_pem_chain(const char *dir, const char *file, bytes *der, size_t cap, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    BIO *bio = BIO_new_file(path, "r");
    *n = 0;
    if (bio == NULL) {
        ERR_clear_error();
        return 0;
    }
    X509 *x;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        uint8_t *buf = NULL;
        int len = i2d_X509(x, &buf);
        X509_free(x);
        if (len <= 0 || *n == cap) {
            fatal("%s: cannot encode certificate %zu", file, *n);
        }
        memset(&der[*n], 0, sizeof der[*n]);
        bytes_add(&der[*n], buf, (size_t)len);
        OPENSSL_free(buf);
        (*n)++;
    }
    ERR_clear_error();
    BIO_free(bio);
    if (*n == 0) {
        fatal("%s: no certificate", file);
    }
    return 1;
}

/* ------------------------------------------------------------ replay state */

enum { CLIENT = 0, SERVER = 1 };
static const char *const side_name[2] = {"client", "server"};

typedef struct {
    gmtls_rec rec;
    const char *key_name; /* which traffic secret protects this side now */
    int keyed;
    unsigned updates;
    bytes hs; /* handshake bytes not yet a complete message */
    int finished;
    int close_notify;
    size_t records, decrypted, ccs, msgs;
    bytes app;
} side;

static side g_side[2];

static const gmtls_suite *g_suite;
static const gmtls_hash_alg *g_h;
static size_t g_hl;
static bytes g_tr; /* transcript bytes (after a HelloRetryRequest: message_hash || HRR || ...) */
static gmtls_hash_ctx g_trh;
static int g_trh_on;

static bytes g_ch1; /* the first ClientHello */
static uint8_t g_client_random[32];
static int g_nch, g_did_hrr, g_seen_sh;
static uint16_t g_hrr_group;
static char g_sni[256];

/* server-side handshake progress */
static int g_ee, g_cr, g_s_cert, g_s_cv, g_psk_selected;
static bytes g_cr_ctx;
/* client-side progress */
static int g_c_cert, g_c_cert_empty, g_c_cv;
static gmtls_pkey g_key[2];
static int g_have_key[2];

static gmtls_keysched g_ks;
static int g_ks_on; /* key schedule recomputed from gmssl-key-schedule.txt */
static int g_have_res;

/* pending binder of the first ClientHello (the hash is known only later) */
static bytes g_binder_prefix, g_binder_value;
static int g_binder_pending;
static size_t g_npsks, g_psk_index; /* PSKs offered in the last ClientHello; index of psk.txt's */

static bytes g_nonces[8];
static size_t g_nnonces;

static int g_n_finished, g_n_cv, g_n_chains, g_n_binders, g_n_tickets, g_n_keyupdates, g_n_keys_checked;

static void tr_add(const uint8_t *m, size_t n)
{
    bytes_add(&g_tr, m, n);
    if (g_trh_on) {
        g_h->update(&g_trh, m, n);
    }
}

static void tr_hash(uint8_t out[GMTLS_MAX_HASH_LEN])
{
    gmtls_hash_ctx tmp;
    if (!g_trh_on || g_h->copy(&tmp, &g_trh) != 0 || g_h->final(&tmp, out) != 0) {
        fatal("transcript hash unavailable");
    }
}

/* Starts the running transcript hash over what was buffered so far. */
static void tr_start(void)
{
    if (g_trh_on) {
        g_h->dispose(&g_trh);
    }
    g_trh.alg = g_h;
    if (g_h->init(&g_trh) != 0) {
        fatal("hash init failed");
    }
    g_trh_on = 1;
    g_h->update(&g_trh, g_tr.p, g_tr.len);
}

static const uint8_t *logged(const char *label)
{
    const keylog_line *k = keylog_find(label);
    if (k == NULL) {
        fatal("keylog.txt has no %s", label);
    }
    if (k->len != g_hl) {
        fatal("keylog.txt: %s is %zu bytes, the suite's hash has %zu", label, k->len, g_hl);
    }
    return k->secret;
}

/* Compares a logged write key / iv of gmssl-key-schedule.txt with ours. */
static void check_logged_key_iv(const char *prefix, const uint8_t *secret, const gmtls_rec *rec)
{
    char name[64];
    uint8_t v[GMTLS_MAX_KEY_LEN];
    const named_value *nv;
    snprintf(name, sizeof name, "%s_write_key", prefix);
    if ((nv = ksfile_find(name)) != NULL) {
        size_t kl = g_suite->aead->key_len;
        EXPECT(nv->len == kl, "%s has %zu bytes, expected %zu", name, nv->len, kl);
        if (nv->len == kl && gmtls_hkdf_expand_label(g_h, secret, "key", NULL, 0, v, kl) == 0) {
            expect_mem(v, nv->v, kl, name);
            g_n_keys_checked++;
        }
    }
    snprintf(name, sizeof name, "%s_write_iv", prefix);
    if ((nv = ksfile_find(name)) != NULL) {
        EXPECT(nv->len == GMTLS_IV_LEN, "%s has %zu bytes", name, nv->len);
        if (nv->len == GMTLS_IV_LEN && gmtls_hkdf_expand_label(g_h, secret, "iv", NULL, 0, v, GMTLS_IV_LEN) == 0) {
            expect_mem(v, nv->v, GMTLS_IV_LEN, name);
            expect_mem(rec->iv, nv->v, GMTLS_IV_LEN, "record layer IV");
            g_n_keys_checked++;
        }
    }
}

/* Installs a traffic secret for one side (a key change). */
static void install_key(int who, const char *label, const char *ks_prefix)
{
    side *s = &g_side[who];
    if (s->hs.len != 0) {
        fail("%s handshake message spans a key change (RFC 8446 §5.1)", side_name[who]);
    }
    const uint8_t *secret = logged(label);
    if (gmtls_rec_set_secret(&s->rec, g_suite, 0, secret) != 0) {
        fatal("gmtls_rec_set_secret(%s) failed", label);
    }
    s->keyed = 1;
    s->key_name = ks_prefix;
    check_logged_key_iv(ks_prefix, secret, &s->rec);
}

static void compare_secret(const uint8_t *ours, const char *ksname)
{
    const named_value *nv = ksfile_find(ksname);
    if (nv == NULL) {
        return;
    }
    EXPECT(nv->len == g_hl, "%s has %zu bytes", ksname, nv->len);
    if (nv->len == g_hl) {
        expect_mem(ours, nv->v, g_hl, ksname);
    }
}

/* ------------------------------------------------------------ certificates */

static void set_cert_id(X509 *x)
{
    /* SM2-with-SM3 signatures on certificates use the GB/T default ID. */
    if (X509_get_signature_nid(x) != NID_SM2_with_SM3) {
        return;
    }
    ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
    if (id == NULL || !ASN1_OCTET_STRING_set(id, (const unsigned char *)CERT_SM2_ID, (int)strlen(CERT_SM2_ID))) {
        ASN1_OCTET_STRING_free(id);
        fatal("out of memory");
    }
    X509_set0_distinguishing_id(x, id);
}

/* X509_verify_cert of chain[0] (leaf) with chain[1..] untrusted and ca.pem
 * trusted, at time t. Returns the X509_V_* result (X509_V_OK on success). */
static int verify_chain(const char *dir, X509 **chain, size_t n, time_t t, int purpose, const char *host)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ca.pem", dir);
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    BIO *bio = BIO_new_file(path, "r");
    if (store == NULL || untrusted == NULL || ctx == NULL || bio == NULL) {
        fatal("%s: cannot set up the X.509 store", path);
    }
    X509 *ca;
    size_t nca = 0;
    while ((ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        set_cert_id(ca);
        X509_STORE_add_cert(store, ca);
        X509_free(ca);
        nca++;
    }
    ERR_clear_error();
    BIO_free(bio);
    if (nca == 0) {
        fatal("ca.pem: no certificate");
    }
    for (size_t i = 1; i < n; i++) {
        sk_X509_push(untrusted, chain[i]);
    }
    int rc = -1;
    if (X509_STORE_CTX_init(ctx, store, chain[0], untrusted) == 1) {
        X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_time(vp, t);
        X509_STORE_CTX_set_purpose(ctx, purpose);
        if (host != NULL && host[0] != '\0') {
            X509_VERIFY_PARAM_set1_host(vp, host, 0);
        }
        rc = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
        if (rc == X509_V_OK && X509_STORE_CTX_get_error(ctx) != X509_V_OK) {
            rc = X509_STORE_CTX_get_error(ctx);
        }
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    ERR_clear_error();
    return rc;
}

/* Certificate (RFC 8446 §4.4.2) from `who`. */
static void handle_certificate(int who, const uint8_t *body, size_t len, const char *dir)
{
    gmtls_rd r, ctx, list;
    const uint8_t *der[GMTLS_MAX_CHAIN];
    size_t derlen[GMTLS_MAX_CHAIN], n = 0;
    gmtls_rd_init(&r, body, len);
    if (gmtls_rd_vec(&r, 1, 0, 255, &ctx) != 0 || gmtls_rd_vec(&r, 3, 0, 0xffffff, &list) != 0 ||
        gmtls_rd_done(&r) != 0) {
        fatal("%s Certificate: decode error", side_name[who]);
    }
    if (who == SERVER) {
        EXPECT(gmtls_rd_left(&ctx) == 0, "server Certificate: non-empty certificate_request_context");
    } else {
        EXPECT(gmtls_rd_left(&ctx) == g_cr_ctx.len &&
                   (g_cr_ctx.len == 0 || memcmp(ctx.p, g_cr_ctx.p, g_cr_ctx.len) == 0),
               "client Certificate: context differs from the CertificateRequest's");
    }
    while (gmtls_rd_left(&list) > 0) {
        gmtls_rd cert, exts;
        if (gmtls_rd_vec(&list, 3, 1, 0xffffff, &cert) != 0 || gmtls_rd_vec(&list, 2, 0, 0xffff, &exts) != 0) {
            fatal("%s Certificate: CertificateEntry decode error", side_name[who]);
        }
        if (n == GMTLS_MAX_CHAIN) {
            fatal("%s Certificate: more than %d certificates", side_name[who], GMTLS_MAX_CHAIN);
        }
        der[n] = cert.p;
        derlen[n] = gmtls_rd_left(&cert);
        n++;
    }
    const char *file = who == SERVER ? "server-chain.pem" : "client-chain.pem";
    bytes pem[GMTLS_MAX_CHAIN];
    size_t npem = 0;
    int have_pem = load_pem_chain(dir, file, pem, GMTLS_ARRAY_LEN(pem), &npem);
    if (n == 0) {
        EXPECT(who == CLIENT, "server Certificate: empty certificate_list");
        EXPECT(!have_pem, "client sent no certificate but %s exists", file);
        g_c_cert_empty = 1;
        return;
    }
    EXPECT(have_pem, "%s Certificate carries %zu certificates but %s is missing", side_name[who], n, file);
    EXPECT(!have_pem || npem == n, "%s Certificate: %zu certificates, %s has %zu", side_name[who], n, file, npem);
    for (size_t i = 0; have_pem && i < n && i < npem; i++) {
        EXPECT(pem[i].len == derlen[i] && memcmp(pem[i].p, der[i], derlen[i]) == 0,
               "%s Certificate: certificate %zu differs from %s", side_name[who], i, file);
    }
    for (size_t i = 0; i < npem; i++) {
        bytes_free(&pem[i]);
    }

    X509 *chain[GMTLS_MAX_CHAIN];
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = der[i];
        chain[i] = d2i_X509(NULL, &p, (long)derlen[i]);
        if (chain[i] == NULL || p != der[i] + derlen[i]) {
            fatal("%s Certificate: certificate %zu is not one DER X.509 certificate", side_name[who], i);
        }
        set_cert_id(chain[i]);
    }
    int purpose = who == SERVER ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT;
    const char *host = who == SERVER ? g_sni : NULL;
    int v = verify_chain(dir, chain, n, VERIFY_TIME_OK, purpose, host);
    EXPECT(v == X509_V_OK, "%s chain does not verify against ca.pem at 2027-01-01: %s", side_name[who],
           X509_verify_cert_error_string(v));
    v = verify_chain(dir, chain, n, VERIFY_TIME_EARLY, purpose, host);
    EXPECT(v == X509_V_ERR_CERT_NOT_YET_VALID, "%s chain at 2026-06-01: expected \"not yet valid\", got \"%s\"",
           side_name[who], X509_verify_cert_error_string(v));
    g_n_chains++;

    EVP_PKEY *pub = X509_get_pubkey(chain[0]);
    if (pub == NULL) {
        fatal("%s leaf: no public key", side_name[who]);
    }
    if (gmtls_pkey_from_evp(&g_key[who], pub, 0) != 0) {
        fatal("%s leaf: gmtls_pkey_from_evp failed", side_name[who]);
    }
    g_have_key[who] = 1;
    for (size_t i = 0; i < n; i++) {
        X509_free(chain[i]);
    }
}

/* CertificateVerify (RFC 8446 §4.4.3) from `who`, over thash. */
static void handle_cert_verify(int who, const uint8_t *body, size_t len)
{
    static const char *const ctxstr[2] = {"TLS 1.3, client CertificateVerify", "TLS 1.3, server CertificateVerify"};
    gmtls_rd r, sig;
    uint8_t th[GMTLS_MAX_HASH_LEN], content[64 + 40 + GMTLS_MAX_HASH_LEN];
    gmtls_rd_init(&r, body, len);
    uint16_t scheme = gmtls_rd_u16(&r);
    if (gmtls_rd_vec(&r, 2, 1, 0xffff, &sig) != 0 || gmtls_rd_done(&r) != 0) {
        fatal("%s CertificateVerify: decode error", side_name[who]);
    }
    const gmtls_sigalg *alg = gmtls_sigalg_by_id(scheme);
    if (alg == NULL || !alg->in_cert_verify) {
        fatal("%s CertificateVerify: unknown or disallowed scheme 0x%04x", side_name[who], scheme);
    }
    if (!g_have_key[who]) {
        fatal("%s CertificateVerify without a certificate", side_name[who]);
    }
    tr_hash(th);
    size_t n = 0, cl = strlen(ctxstr[who]);
    memset(content, 0x20, 64);
    n = 64;
    memcpy(content + n, ctxstr[who], cl);
    n += cl;
    content[n++] = 0;
    memcpy(content + n, th, g_hl);
    n += g_hl;
    const uint8_t *id = NULL;
    size_t idlen = 0;
    if (alg->is_sm) {
        id = (const uint8_t *)GMTLS_SM2_ID_TLS13;
        idlen = strlen(GMTLS_SM2_ID_TLS13);
    }
    size_t siglen = gmtls_rd_left(&sig);
    const uint8_t *s = gmtls_rd_bytes(&sig, siglen);
    EXPECT(gmtls_verify(&g_key[who], alg, content, n, id, idlen, s, siglen) == 0,
           "%s CertificateVerify (%s) does not verify", side_name[who], alg->name);
    if (alg->is_sm) {
        EXPECT(gmtls_verify(&g_key[who], alg, content, n, (const uint8_t *)GMTLS_SM2_DEFAULT_ID,
                            GMTLS_SM2_DEFAULT_ID_LEN, s, siglen) != 0,
               "%s CertificateVerify also verifies with the default SM2 ID", side_name[who]);
    }
    content[n - 1] ^= 1;
    EXPECT(gmtls_verify(&g_key[who], alg, content, n, id, idlen, s, siglen) != 0,
           "%s CertificateVerify verifies over a wrong transcript hash", side_name[who]);
    g_n_cv++;
}

/* Finished (RFC 8446 §4.4.4) from `who`, base key = its handshake secret. */
static void handle_finished(int who, const uint8_t *body, size_t len)
{
    uint8_t th[GMTLS_MAX_HASH_LEN], vd[GMTLS_MAX_HASH_LEN];
    const uint8_t *base = logged(who == SERVER ? "SERVER_HANDSHAKE_TRAFFIC_SECRET" : "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    tr_hash(th);
    if (len != g_hl) {
        fatal("%s Finished: %zu bytes, expected %zu", side_name[who], len, g_hl);
    }
    if (gmtls_finished_mac(g_h, base, th, vd) != 0) {
        fatal("gmtls_finished_mac failed");
    }
    expect_mem(vd, body, g_hl, who == SERVER ? "server Finished verify_data" : "client Finished verify_data");
    g_n_finished++;
}

/* ------------------------------------------------------------ hellos */

/* Binder check of a ClientHello offering psk.txt's identity. */
static void check_binder(const uint8_t *prefix, size_t prefixlen, const uint8_t *binder, size_t binderlen)
{
    gmtls_keysched ks;
    uint8_t th[GMTLS_MAX_HASH_LEN], want[GMTLS_MAX_HASH_LEN];
    memset(&ks, 0, sizeof ks);
    if (g_psk_len != g_hl) {
        fail("psk.txt: PSK is %zu bytes, the suite's hash has %zu", g_psk_len, g_hl);
        return;
    }
    if (gmtls_ks_early(&ks, g_h, g_psk, g_psk_len) != 0 || gmtls_hash(g_h, prefix, prefixlen, th) != 0 ||
        gmtls_finished_mac(g_h, ks.binder_key, th, want) != 0) {
        fatal("binder computation failed");
    }
    EXPECT(binderlen == g_hl, "PSK binder is %zu bytes, expected %zu", binderlen, g_hl);
    if (binderlen == g_hl) {
        expect_mem(want, binder, g_hl, "PSK binder");
        g_n_binders++;
    }
    gmtls_ks_wipe(&ks);
}

/* An extension block into ext[0..cap) (more than cap: an error here). */
static int parse_exts(gmtls_rd *r, gmtls_ext *ext, size_t cap, size_t *n)
{
    gmtls_rd block;
    size_t count = 0;
    int rc = gmtls_exts_check(GMTLS_EXT_IN_CH, r, &block, &count);
    if (rc != 0 || count > cap) {
        return rc != 0 ? rc : GMTLS_ALERT_DECODE_ERROR;
    }
    *n = 0;
    while (gmtls_exts_next(&block, &ext[*n])) {
        (*n)++;
    }
    return 0;
}

static void handle_client_hello(const uint8_t *msg, size_t len)
{
    gmtls_client_hello ch;
    int rc = gmtls_ch_parse(&ch, msg, len);
    if (rc != 0) {
        fatal("ClientHello: gmtls_ch_parse returned %d", rc);
    }
    EXPECT(ch.offers_tls13, "ClientHello does not offer TLS 1.3");
    g_nch++;
    if (g_nch == 1) {
        memcpy(g_client_random, ch.random, 32);
        snprintf(g_sni, sizeof g_sni, "%s", ch.has_sni ? ch.sni : "");
        bytes_add(&g_ch1, msg, len);
        for (size_t i = 0; i < g_nkeylog; i++) {
            EXPECT(memcmp(g_keylog[i].random, ch.random, 32) == 0,
                   "keylog.txt: %s names another client_random", g_keylog[i].label);
        }
    } else {
        gmtls_client_hello ch1;
        EXPECT(gmtls_ch_parse(&ch1, g_ch1.p, g_ch1.len) == 0, "first ClientHello no longer parses");
        EXPECT(gmtls_ch_compare(&ch1, &ch) == 0, "second ClientHello changes more than RFC 8446 §4.1.2 allows");
        gmtls_ch_free(&ch1);
        EXPECT(ch.nshares == 1 && ch.shares[0].group == g_hrr_group,
               "second ClientHello: key_share is not one share of the HelloRetryRequest's group 0x%04x",
               g_hrr_group);
    }
    g_npsks = ch.has_psk ? ch.npsks : 0;
    g_psk_index = SIZE_MAX;
    if (ch.has_psk) {
        if (!g_have_psk) {
            note("ClientHello offers a PSK but there is no psk.txt: binder not checked");
        } else {
            size_t idx = ch.npsks;
            for (size_t i = 0; i < ch.npsks; i++) {
                if (ch.psks[i].id_len == g_psk_id_len && memcmp(ch.psks[i].id, g_psk_id, g_psk_id_len) == 0) {
                    idx = i;
                    break;
                }
            }
            EXPECT(idx < ch.npsks, "ClientHello does not offer the identity of psk.txt");
            g_psk_index = idx;
            if (idx < ch.npsks) {
                /* Transcript so far || ClientHello truncated before the binders. */
                bytes prefix = {0};
                bytes_add(&prefix, g_tr.p, g_tr.len);
                bytes_add(&prefix, msg, ch.binders_off);
                if (g_h != NULL) {
                    check_binder(prefix.p, prefix.len, ch.psks[idx].binder, ch.psks[idx].binder_len);
                    bytes_free(&prefix);
                } else {
                    g_binder_prefix = prefix;
                    bytes_add(&g_binder_value, ch.psks[idx].binder, ch.psks[idx].binder_len);
                    g_binder_pending = 1;
                }
            }
        }
    } else {
        EXPECT(!g_have_psk, "psk.txt is present but the ClientHello offers no PSK");
    }
    tr_add(msg, len);
    gmtls_ch_free(&ch);
}

/* The hash becomes known with the first ServerHello / HelloRetryRequest. */
static void set_suite(uint16_t id)
{
    const gmtls_suite *s = gmtls_suite_by_id(id);
    if (s == NULL) {
        fatal("server selected unknown cipher suite 0x%04x", id);
    }
    if (g_suite != NULL) {
        EXPECT(g_suite == s, "ServerHello suite 0x%04x differs from the HelloRetryRequest's 0x%04x", id, g_suite->id);
        return;
    }
    g_suite = s;
    g_h = s->hash;
    g_hl = g_h->digest_len;
    if (g_binder_pending) {
        check_binder(g_binder_prefix.p, g_binder_prefix.len, g_binder_value.p, g_binder_value.len);
        g_binder_pending = 0;
    }
}

static void handle_server_hello(const uint8_t *msg, size_t len)
{
    gmtls_rd r, sid;
    uint8_t hrr_random[32];
    if (gmtls_hash(&gmtls_hash_sha256, "HelloRetryRequest", 17, hrr_random) != 0) {
        fatal("SHA-256 failed");
    }
    gmtls_rd_init(&r, msg + 4, len - 4);
    uint16_t legacy = gmtls_rd_u16(&r);
    const uint8_t *random = gmtls_rd_bytes(&r, 32);
    if (gmtls_rd_vec(&r, 1, 0, 32, &sid) != 0) {
        fatal("ServerHello: decode error");
    }
    uint16_t suite = gmtls_rd_u16(&r);
    uint8_t comp = gmtls_rd_u8(&r);
    gmtls_ext ext[32];
    size_t next = 0;
    if (parse_exts(&r, ext, GMTLS_ARRAY_LEN(ext), &next) != 0 || gmtls_rd_done(&r) != 0 || random == NULL) {
        fatal("ServerHello: decode error");
    }
    int is_hrr = memcmp(random, hrr_random, 32) == 0;
    const char *what = is_hrr ? "HelloRetryRequest" : "ServerHello";
    gmtls_client_hello ch1;
    if (gmtls_ch_parse(&ch1, g_ch1.p, g_ch1.len) != 0) {
        fatal("first ClientHello no longer parses");
    }
    EXPECT(legacy == 0x0303, "%s: legacy_version 0x%04x", what, legacy);
    EXPECT(comp == 0, "%s: legacy_compression_method %u", what, comp);
    EXPECT(gmtls_rd_left(&sid) == ch1.session_id_len &&
               (ch1.session_id_len == 0 || memcmp(sid.p, ch1.session_id, ch1.session_id_len) == 0),
           "%s: legacy_session_id_echo differs from the ClientHello's", what);
    int offered = 0;
    for (size_t i = 0; i + 1 < ch1.suites_len; i += 2) {
        offered |= (ch1.suites[i] << 8 | ch1.suites[i + 1]) == suite;
    }
    gmtls_ch_free(&ch1);
    EXPECT(offered, "%s: suite 0x%04x was not offered", what, suite);
    set_suite(suite);

    int version = 0, share = 0;
    uint16_t group = 0;
    for (size_t i = 0; i < next; i++) {
        gmtls_rd e;
        gmtls_rd_init(&e, ext[i].data, ext[i].len);
        switch (ext[i].type) {
        case GMTLS_EXT_SUPPORTED_VERSIONS:
            version = gmtls_rd_u16(&e);
            break;
        case GMTLS_EXT_KEY_SHARE:
            group = gmtls_rd_u16(&e);
            share = 1;
            if (!is_hrr) {
                gmtls_rd ke;
                if (gmtls_rd_vec(&e, 2, 1, 0xffff, &ke) != 0) {
                    fatal("ServerHello key_share: decode error");
                }
                (void)gmtls_rd_bytes(&ke, gmtls_rd_left(&ke));
            }
            break;
        case GMTLS_EXT_PRE_SHARED_KEY:
            EXPECT(!is_hrr, "HelloRetryRequest carries pre_shared_key");
        {
            uint16_t sel = gmtls_rd_u16(&e);
            g_psk_selected = 1;
            EXPECT(sel < g_npsks, "ServerHello selects PSK identity %u of %zu offered", sel, g_npsks);
            if (g_have_psk && sel != g_psk_index) {
                fatal("ServerHello selects PSK identity %u, psk.txt holds identity %zu", sel, g_psk_index);
            }
            break;
        }
        case GMTLS_EXT_COOKIE: {
            gmtls_rd c;
            EXPECT(is_hrr, "ServerHello carries a cookie");
            if (gmtls_rd_vec(&e, 2, 1, 0xffff, &c) != 0) {
                fatal("cookie: decode error");
            }
            (void)gmtls_rd_bytes(&c, gmtls_rd_left(&c));
            break;
        }
        default:
            fail("%s: unexpected extension %u", what, ext[i].type);
            continue;
        }
        EXPECT(gmtls_rd_done(&e) == 0, "%s: extension %u decode error", what, ext[i].type);
    }
    EXPECT(version == GMTLS_TLS13, "%s: supported_versions 0x%04x", what, version);

    if (is_hrr) {
        if (g_did_hrr || g_nch != 1) {
            fatal("second HelloRetryRequest");
        }
        EXPECT(share, "HelloRetryRequest without key_share");
        g_did_hrr = 1;
        g_hrr_group = group;
        /* RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash. */
        uint8_t mh[4 + GMTLS_MAX_HASH_LEN];
        mh[0] = GMTLS_HS_MESSAGE_HASH;
        mh[1] = 0;
        mh[2] = 0;
        mh[3] = (uint8_t)g_hl;
        if (gmtls_hash(g_h, g_tr.p, g_tr.len, mh + 4) != 0) {
            fatal("hash failed");
        }
        g_tr.len = 0;
        bytes_add(&g_tr, mh, 4 + g_hl);
        tr_start();
        tr_add(msg, len);
        return;
    }
    if (g_seen_sh) {
        fatal("second ServerHello");
    }
    g_seen_sh = 1;
    EXPECT(share || g_psk_selected, "ServerHello without key_share or pre_shared_key");
    if (g_did_hrr) {
        EXPECT(group == g_hrr_group, "ServerHello group 0x%04x, HelloRetryRequest asked for 0x%04x", group,
               g_hrr_group);
    }
    if (!g_trh_on) {
        tr_start();
    }
    tr_add(msg, len);

    uint8_t th[GMTLS_MAX_HASH_LEN];
    tr_hash(th);
    /* Key schedule from gmssl-key-schedule.txt (RFC 8446 §7.1). */
    const named_value *ecdhe = ksfile_find("ecdhe_shared_secret");
    if (g_have_ksfile) {
        if (gmtls_ks_early(&g_ks, g_h, g_psk_selected ? g_psk : NULL, g_psk_selected ? g_psk_len : 0) != 0) {
            fatal("gmtls_ks_early failed");
        }
        compare_secret(g_ks.early, "early_secret");
    }
    if (ecdhe != NULL) {
        if (gmtls_ks_handshake(&g_ks, ecdhe->v, ecdhe->len, th) != 0) {
            fatal("gmtls_ks_handshake failed");
        }
        g_ks_on = 1;
        compare_secret(g_ks.handshake, "handshake_secret");
        expect_mem(g_ks.c_hs, logged("CLIENT_HANDSHAKE_TRAFFIC_SECRET"), g_hl,
                   "client_handshake_traffic_secret (derived vs key log)");
        expect_mem(g_ks.s_hs, logged("SERVER_HANDSHAKE_TRAFFIC_SECRET"), g_hl,
                   "server_handshake_traffic_secret (derived vs key log)");
    }
    install_key(SERVER, "SERVER_HANDSHAKE_TRAFFIC_SECRET", "server_handshake");
    install_key(CLIENT, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "client_handshake");
}

/* ------------------------------------------------------------ dispatch */

static void handle_server_msg(uint8_t type, const uint8_t *msg, size_t len, const char *dir)
{
    const uint8_t *body = msg + 4;
    size_t blen = len - 4;
    side *s = &g_side[SERVER];
    if (s->finished) {
        /* Post-handshake messages: not part of the transcript. */
        if (type == GMTLS_HS_NEW_SESSION_TICKET) {
            gmtls_rd r, nonce, ticket;
            gmtls_rd_init(&r, body, blen);
            uint32_t lifetime = gmtls_rd_u32(&r);
            (void)gmtls_rd_u32(&r);
            if (gmtls_rd_vec(&r, 1, 0, 255, &nonce) != 0 || gmtls_rd_vec(&r, 2, 1, 0xffff, &ticket) != 0) {
                fatal("NewSessionTicket: decode error");
            }
            gmtls_ext ext[16];
            size_t next = 0;
            if (parse_exts(&r, ext, GMTLS_ARRAY_LEN(ext), &next) != 0 || gmtls_rd_done(&r) != 0) {
                fatal("NewSessionTicket: decode error");
            }
            EXPECT(lifetime <= 604800, "NewSessionTicket: lifetime %u exceeds 7 days", lifetime);
            if (g_nnonces < GMTLS_ARRAY_LEN(g_nonces)) {
                bytes_add(&g_nonces[g_nnonces++], nonce.p, gmtls_rd_left(&nonce));
            }
            g_n_tickets++;
            return;
        }
        if (type == GMTLS_HS_KEY_UPDATE) {
            return; /* handled by the caller (key change after the record) */
        }
        fatal("server sent handshake message %u after its Finished", type);
    }
    switch (type) {
    case GMTLS_HS_SERVER_HELLO:
        if (g_seen_sh || g_side[SERVER].keyed) {
            fatal("unexpected ServerHello");
        }
        handle_server_hello(msg, len);
        return;
    case GMTLS_HS_ENCRYPTED_EXTENSIONS: {
        gmtls_rd r;
        gmtls_ext ext[32];
        size_t next = 0;
        EXPECT(g_seen_sh && !g_ee, "EncryptedExtensions out of order");
        gmtls_rd_init(&r, body, blen);
        if (parse_exts(&r, ext, GMTLS_ARRAY_LEN(ext), &next) != 0 || gmtls_rd_done(&r) != 0) {
            fatal("EncryptedExtensions: decode error");
        }
        for (size_t i = 0; i < next; i++) {
            EXPECT(ext[i].type != GMTLS_EXT_KEY_SHARE && ext[i].type != GMTLS_EXT_SUPPORTED_VERSIONS &&
                       ext[i].type != GMTLS_EXT_PRE_SHARED_KEY && ext[i].type != GMTLS_EXT_SIGNATURE_ALGORITHMS,
                   "EncryptedExtensions carries extension %u (not allowed there)", ext[i].type);
        }
        g_ee = 1;
        break;
    }
    case GMTLS_HS_CERTIFICATE_REQUEST: {
        gmtls_rd r, ctx;
        gmtls_ext ext[32];
        size_t next = 0;
        int sigalgs = 0;
        EXPECT(g_ee && !g_cr && !g_s_cert && !g_psk_selected, "CertificateRequest out of order");
        gmtls_rd_init(&r, body, blen);
        if (gmtls_rd_vec(&r, 1, 0, 255, &ctx) != 0 || parse_exts(&r, ext, GMTLS_ARRAY_LEN(ext), &next) != 0 ||
            gmtls_rd_done(&r) != 0) {
            fatal("CertificateRequest: decode error");
        }
        bytes_add(&g_cr_ctx, ctx.p, gmtls_rd_left(&ctx));
        for (size_t i = 0; i < next; i++) {
            sigalgs |= ext[i].type == GMTLS_EXT_SIGNATURE_ALGORITHMS;
        }
        EXPECT(sigalgs, "CertificateRequest without signature_algorithms");
        g_cr = 1;
        break;
    }
    case GMTLS_HS_CERTIFICATE:
        EXPECT(g_ee && !g_s_cert && !g_psk_selected, "server Certificate out of order");
        handle_certificate(SERVER, body, blen, dir);
        g_s_cert = 1;
        break;
    case GMTLS_HS_CERTIFICATE_VERIFY:
        EXPECT(g_s_cert && !g_s_cv, "server CertificateVerify out of order");
        handle_cert_verify(SERVER, body, blen);
        g_s_cv = 1;
        break;
    case GMTLS_HS_FINISHED: {
        EXPECT(g_ee && (g_psk_selected || g_s_cv), "server Finished out of order");
        handle_finished(SERVER, body, blen);
        tr_add(msg, len);
        s->finished = 1;
        if (g_ks_on) {
            uint8_t th[GMTLS_MAX_HASH_LEN];
            tr_hash(th);
            if (gmtls_ks_master(&g_ks, th) != 0) {
                fatal("gmtls_ks_master failed");
            }
            compare_secret(g_ks.master, "master_secret");
            expect_mem(g_ks.c_ap, logged("CLIENT_TRAFFIC_SECRET_0"), g_hl,
                       "client_application_traffic_secret_0 (derived vs key log)");
            expect_mem(g_ks.s_ap, logged("SERVER_TRAFFIC_SECRET_0"), g_hl,
                       "server_application_traffic_secret_0 (derived vs key log)");
            const keylog_line *k = keylog_find("EXPORTER_SECRET");
            if (k != NULL) {
                EXPECT(k->len == g_hl, "EXPORTER_SECRET length");
                expect_mem(g_ks.exporter, k->secret, g_hl, "exporter_master_secret (derived vs key log)");
            }
            if (g_rd_exporter_len != 0) {
                EXPECT(g_rd_exporter_len == g_hl, "README exporter_master_secret length");
                expect_mem(g_ks.exporter, g_rd_exporter, g_hl, "exporter_master_secret (derived vs README)");
            }
        }
        install_key(SERVER, "SERVER_TRAFFIC_SECRET_0", "server_application");
        return;
    }
    default:
        fatal("unexpected server handshake message type %u", type);
    }
    tr_add(msg, len);
}

static void handle_client_msg(uint8_t type, const uint8_t *msg, size_t len, const char *dir)
{
    const uint8_t *body = msg + 4;
    size_t blen = len - 4;
    side *s = &g_side[CLIENT];
    if (s->finished) {
        if (type == GMTLS_HS_KEY_UPDATE) {
            return;
        }
        fatal("client sent handshake message %u after its Finished", type);
    }
    if (type == GMTLS_HS_CLIENT_HELLO) {
        if (g_seen_sh || g_nch > (g_did_hrr ? 1 : 0)) {
            fatal("unexpected ClientHello");
        }
        handle_client_hello(msg, len);
        return;
    }
    if (!g_side[SERVER].finished) {
        fatal("client handshake message %u before the server's Finished", type);
    }
    switch (type) {
    case GMTLS_HS_CERTIFICATE:
        EXPECT(g_cr && !g_c_cert, "client Certificate without CertificateRequest");
        handle_certificate(CLIENT, body, blen, dir);
        g_c_cert = 1;
        break;
    case GMTLS_HS_CERTIFICATE_VERIFY:
        EXPECT(g_c_cert && !g_c_cert_empty && !g_c_cv, "client CertificateVerify out of order");
        handle_cert_verify(CLIENT, body, blen);
        g_c_cv = 1;
        break;
    case GMTLS_HS_FINISHED:
        EXPECT(!g_cr || (g_c_cert && (g_c_cert_empty || g_c_cv)), "client Finished before its Certificate(Verify)");
        handle_finished(CLIENT, body, blen);
        tr_add(msg, len);
        s->finished = 1;
        if (g_ks_on) {
            uint8_t th[GMTLS_MAX_HASH_LEN];
            tr_hash(th);
            if (gmtls_ks_resumption(&g_ks, th) != 0) {
                fatal("gmtls_ks_resumption failed");
            }
            g_have_res = 1;
            if (g_rd_res_len != 0) {
                EXPECT(g_rd_res_len == g_hl, "README resumption_master_secret length");
                expect_mem(g_ks.resumption, g_rd_res, g_hl, "resumption_master_secret (derived vs README)");
            }
        }
        install_key(CLIENT, "CLIENT_TRAFFIC_SECRET_0", "client_application");
        return;
    default:
        fatal("unexpected client handshake message type %u", type);
    }
    tr_add(msg, len);
}

/* Appends a handshake record's content and handles every complete message. */
static void handle_hs_bytes(int who, const uint8_t *p, size_t n, const char *dir)
{
    side *s = &g_side[who];
    if (n == 0) {
        fatal("empty handshake record (RFC 8446 §5.1)");
    }
    bytes_add(&s->hs, p, n);
    for (;;) {
        gmtls_rd r;
        gmtls_rd_init(&r, s->hs.p, s->hs.len);
        uint8_t type = gmtls_rd_u8(&r);
        size_t mlen = gmtls_rd_u24(&r);
        if (r.err || gmtls_rd_left(&r) < mlen) {
            return; /* wait for more records */
        }
        size_t total = 4 + mlen;
        uint8_t *msg = malloc(total);
        if (msg == NULL) {
            fatal("out of memory");
        }
        memcpy(msg, s->hs.p, total);
        memmove(s->hs.p, s->hs.p + total, s->hs.len - total);
        s->hs.len -= total;
        s->msgs++;
        if (who == SERVER) {
            handle_server_msg(type, msg, total, dir);
        } else {
            handle_client_msg(type, msg, total, dir);
        }
        if (type == GMTLS_HS_KEY_UPDATE) {
            EXPECT(s->finished && mlen == 1 && msg[4] <= 1, "%s KeyUpdate malformed or too early", side_name[who]);
            if (s->hs.len != 0) {
                fail("%s: data after KeyUpdate in the same record", side_name[who]);
            }
            if (gmtls_rec_update(&s->rec) != 0) {
                fatal("gmtls_rec_update failed");
            }
            s->updates++;
            g_n_keyupdates++;
        }
        free(msg);
    }
}

static void replay_record(size_t idx, const char *dir)
{
    record *rc = &g_records[idx];
    int who = rc->dir == 'C' ? CLIENT : SERVER;
    side *s = &g_side[who];
    g_rec = (int)idx;
    g_dir = rc->dir;
    int err = 0;
    size_t want = gmtls_rec_next_len(rc->rec, rc->len, &err);
    if (err != 0 || want != rc->len) {
        fatal("record length field says %zu bytes, the line has %zu", want, rc->len);
    }
    gmtls_rd hdr;
    gmtls_rd_init(&hdr, rc->rec, rc->len);
    uint8_t outer = gmtls_rd_u8(&hdr);
    uint16_t version = gmtls_rd_u16(&hdr);
    s->records++;
    if (s->close_notify) {
        fail("%s sent a record after its close_notify", side_name[who]);
    }
    int was_keyed = s->keyed;
    uint64_t seq = s->rec.seq;
    uint8_t type = 0, *payload = NULL;
    size_t plen = 0;
    int r = gmtls_rec_open(&s->rec, rc->rec, rc->len, &type, &payload, &plen);
    if (r != 0) {
        if (was_keyed) {
            fatal("gmtls_rec_open under %s (update %u) seq %llu failed: %d (%s)", s->key_name, s->updates,
                  (unsigned long long)seq, r, gmtls_strerror(r));
        }
        fatal("gmtls_rec_open of a plaintext record failed: %d", r);
    }
    if (outer == GMTLS_CT_CHANGE_CIPHER_SPEC) {
        /* RFC 8446 §5 / Appendix D.4: compatibility CCS, one byte 0x01. */
        EXPECT(plen == 1 && payload[0] == 1, "change_cipher_spec payload is not 0x01");
        EXPECT(!s->finished, "change_cipher_spec after the %s's Finished", side_name[who]);
        EXPECT(version == 0x0303, "CCS record version 0x%04x", version);
        s->ccs++;
        return;
    }
    if (!was_keyed) {
        if (outer == GMTLS_CT_APPLICATION_DATA) {
            fatal("protected %s record before any key is known (0-RTT is not replayed)", side_name[who]);
        }
        if (outer != GMTLS_CT_HANDSHAKE) {
            fatal("plaintext record of type %u", outer);
        }
        int is_ch = plen > 0 && payload[0] == GMTLS_HS_CLIENT_HELLO;
        if (version == 0x0301 && is_ch && g_nch > 0) {
            note("record #%zu: second ClientHello with legacy_record_version 0x0301 (RFC 8446 §5.1 asks 0x0303)",
                 idx);
        }
        EXPECT(version == 0x0303 || (version == 0x0301 && is_ch), "legacy_record_version 0x%04x", version);
        handle_hs_bytes(who, payload, plen, dir);
        return;
    }
    EXPECT(outer == GMTLS_CT_APPLICATION_DATA && version == 0x0303, "protected record header %02x %04x", outer,
           version);
    EXPECT(s->rec.seq == seq + 1, "sequence number did not advance");
    s->decrypted++;
    switch (type) {
    case GMTLS_CT_HANDSHAKE:
        handle_hs_bytes(who, payload, plen, dir);
        break;
    case GMTLS_CT_APPLICATION_DATA:
        EXPECT(s->finished, "%s application data before its Finished", side_name[who]);
        bytes_add(&s->app, payload, plen);
        break;
    case GMTLS_CT_ALERT:
        if (plen != 2) {
            fatal("alert of %zu bytes", plen);
        }
        EXPECT(s->hs.len == 0, "alert interleaved with a fragmented handshake message");
        if (payload[1] == GMTLS_ALERT_CLOSE_NOTIFY) {
            EXPECT(payload[0] == 1, "close_notify with level %u", payload[0]);
            s->close_notify = 1;
        } else {
            fail("%s sent alert level %u description %u", side_name[who], payload[0], payload[1]);
        }
        break;
    default:
        fatal("protected record of inner type %u", type);
    }
}

/* ------------------------------------------------------------ main */

static int summary(void)
{
    size_t dec = g_side[0].decrypted + g_side[1].decrypted, msgs = g_side[0].msgs + g_side[1].msgs;
    printf("replay %s: %s, %zu records (%zu decrypted, %zu CCS), %zu handshake messages parsed, "
           "%d Finished, %d CertificateVerify, %d chains, %d binders, %d tickets, %d KeyUpdates, "
           "%d logged keys/ivs, key schedule %s, app data C->S %zu bytes, S->C %zu bytes, close_notify C %s S %s\n",
           g_case, g_suite ? g_suite->name : "no suite", g_nrecords, dec, g_side[0].ccs + g_side[1].ccs, msgs,
           g_n_finished, g_n_cv, g_n_chains, g_n_binders, g_n_tickets, g_n_keyupdates, g_n_keys_checked,
           g_ks_on ? "recomputed" : "not recomputed (no ECDHE secret)", g_side[0].app.len, g_side[1].app.len,
           g_side[0].close_notify ? "yes" : "no", g_side[1].close_notify ? "yes" : "no");
    return TEST_END("replay_transcript");
}

int main(int argc, char **argv)
{
    /* --load-only: read and check the folder's files (the recording format)
     * without replaying the connection; tests/vectors/format/ uses it. */
    int load_only = argc == 3 && strcmp(argv[1], "--load-only") == 0;
    if (argc != 2 && !load_only) {
        fprintf(stderr, "usage: %s [--load-only] <folder of sm-tls13>\n", argv[0]);
        return 2;
    }
    const char *dir = argv[argc - 1];
    const char *slash = strrchr(dir, '/');
    g_case = slash && slash[1] ? slash + 1 : dir;

    load_records(dir);
    load_keylog(dir);
    g_have_ksfile = load_named(dir, "gmssl-key-schedule.txt", g_ksfile, GMTLS_ARRAY_LEN(g_ksfile), &g_nksfile);
    load_psk(dir);
    load_readme(dir);
    if (load_only) {
        printf("%s: %zu records, %zu key log lines, %zu key-schedule values", g_case, g_nrecords, g_nkeylog,
               g_nksfile);
        if (g_have_psk) {
            printf(", psk.txt: identity %zu bytes, psk %zu bytes", g_psk_id_len, g_psk_len);
        }
        printf("\n");
        free_named(g_ksfile, g_nksfile);
        return 0;
    }

    for (size_t i = 0; i < g_nrecords; i++) {
        replay_record(i, dir);
    }
    g_rec = -1;

    /* End of the connection. */
    EXPECT(g_seen_sh, "no ServerHello");
    EXPECT(g_side[SERVER].finished && g_side[CLIENT].finished, "handshake incomplete (Finished: server %d client %d)",
           g_side[SERVER].finished, g_side[CLIENT].finished);
    EXPECT(g_side[SERVER].hs.len == 0 && g_side[CLIENT].hs.len == 0, "incomplete handshake message at the end");
    EXPECT(!g_cr || g_c_cert, "CertificateRequest but no client Certificate");
    EXPECT(g_psk_selected || (g_s_cert && g_s_cv), "server authenticated neither by certificate nor by PSK");
    if (g_trh_on) {
        uint8_t a[GMTLS_MAX_HASH_LEN], b[GMTLS_MAX_HASH_LEN];
        tr_hash(a);
        EXPECT(gmtls_hash(g_h, g_tr.p, g_tr.len, b) == 0 && memcmp(a, b, g_hl) == 0,
               "running transcript hash differs from the one-shot hash");
    }
    if (g_suite != NULL && g_have_res) {
        for (size_t i = 0; i < g_nnonces; i++) {
            uint8_t psk[GMTLS_MAX_HASH_LEN];
            if (gmtls_hkdf_expand_label(g_h, g_ks.resumption, "resumption", g_nonces[i].p, g_nonces[i].len, psk,
                                        g_hl) != 0) {
                fatal("HKDF-Expand-Label failed");
            }
            if (g_rd_tpsk_len != 0 && g_rd_nonce_len == g_nonces[i].len &&
                memcmp(g_rd_nonce, g_nonces[i].p, g_rd_nonce_len) == 0) {
                EXPECT(g_rd_tpsk_len == g_hl, "README ticket PSK length");
                expect_mem(psk, g_rd_tpsk, g_hl, "ticket PSK (derived vs README)");
                g_rd_tpsk_len = 0;
            }
        }
    }
    EXPECT(g_rd_tpsk_len == 0, "README gives a ticket PSK for a nonce no NewSessionTicket carried");
    for (size_t i = 0; i < g_nksfile; i++) {
        EXPECT(g_ksfile[i].used || strcmp(g_ksfile[i].name, "ecdhe_shared_secret") == 0,
               "gmssl-key-schedule.txt: \"%s\" was not checked", g_ksfile[i].name);
    }
    for (size_t i = 0; i < g_nkeylog; i++) {
        if (!g_keylog[i].used) {
            note("keylog.txt: %s not used", g_keylog[i].label);
        }
    }
    if (g_side[0].app.len > 0 && g_side[0].app.len == g_side[1].app.len &&
        memcmp(g_side[0].app.p, g_side[1].app.p, g_side[0].app.len) == 0) {
        note("the server echoed the client's %zu bytes of application data", g_side[0].app.len);
    }

    int rc = summary();
    free_named(g_ksfile, g_nksfile);
    for (int w = 0; w < 2; w++) {
        gmtls_rec_dispose(&g_side[w].rec);
        bytes_free(&g_side[w].hs);
        bytes_free(&g_side[w].app);
        if (g_have_key[w]) {
            gmtls_pkey_dispose(&g_key[w]);
        }
    }
    if (g_trh_on) {
        g_h->dispose(&g_trh);
    }
    for (size_t i = 0; i < g_nnonces; i++) {
        bytes_free(&g_nonces[i]);
    }
    for (size_t i = 0; i < g_nrecords; i++) {
        free(g_records[i].rec);
    }
    free(g_records);
    bytes_free(&g_tr);
    bytes_free(&g_ch1);
    bytes_free(&g_cr_ctx);
    bytes_free(&g_binder_prefix);
    bytes_free(&g_binder_value);
    gmtls_ks_wipe(&g_ks);
    return rc;
}
