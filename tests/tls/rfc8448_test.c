/* tests/tls/rfc8448_test.c - RFC 8448 §3 "Simple 1-RTT Handshake"
 * (TLS_AES_128_GCM_SHA256, x25519) as a byte-exact known-answer test.
 *
 * Every known answer is read AT RUN TIME from the RFC text itself
 * ($GMTLS_VECTORS/rfc8448.txt, RFC 8448 pages 3-15): a small parser walks
 * §3, remembers the current "{client}/{server} <step>:" heading and collects
 * each "<label> (N octets):" hex block that follows it (across page breaks).
 * Nothing is embedded here, so the test cannot drift from the RFC; a step or
 * label that cannot be found is a failure, not a skip.
 *
 * Checked with gmtls's own code (src/keysched, src/record, src/crypto,
 * src/handshake/hello.c):
 *  - transcript hashes (the gmtls SHA-256 vtable, incremental + copy) over
 *    the RFC's handshake messages against the "hash" the RFC feeds into each
 *    Derive-Secret;
 *  - HKDF-Extract (early, handshake, master), HKDF-Expand with the RFC's
 *    "info" octets, Derive-Secret / HKDF-Expand-Label for every derived
 *    secret, the gmtls_keysched driver (gmtls_ks_*);
 *  - write keys and IVs (HKDF-Expand-Label "key"/"iv"; the IV installed by
 *    gmtls_rec_set_secret);
 *  - both Finished verify_data (gmtls_finished_mac) and the Finished messages;
 *  - the resumption master secret and the ticket PSK ("resumption", with the
 *    ticket_nonce parsed from the RFC's NewSessionTicket);
 *  - record protection: every protected record of §3 (server flight, client
 *    Finished, NewSessionTicket, application data both ways, both alerts)
 *    opened with gmtls_rec_open gives the RFC payload, and gmtls_rec_write of
 *    the payload gives the RFC record byte for byte; one tampered record must
 *    fail with bad_record_mac; the plaintext ServerHello record as written by
 *    gmtls_rec_write without keys;
 *  - gmtls_ch_parse on the RFC ClientHello; the ServerHello fields (gmtls_rd).
 * The x25519 key pairs and shared secret of the RFC are cross-checked with
 * libcrypto (a consistency check of the parsed vectors, not of gmtls). */
#include <openssl/evp.h>

#include "test.h"

#include "common/common.h"
#include "crypto/crypto.h"
#include "handshake/internal.h"
#include "keysched/keysched.h"
#include "record/record.h"

/* ------------------------------------------------------------ RFC text parser */

typedef struct {
    char heading[160]; /* first line of the step, e.g. {server}  extract secret "early": */
    int occurrence;    /* 0 for the first step with this heading, 1 for the second, ... */
    char label[64];    /* e.g. "secret", "PRK", "complete record" */
    int line;          /* line number in rfc8448.txt (1-based) */
    uint8_t *data;
    size_t len;
} rfc_item;

static rfc_item *g_items;
static size_t g_nitems, g_items_cap;
static int g_lookups; /* successful look-ups, for the summary */

static int is_noise_line(const char *s)
{
    /* Page footer / form feed / page header / blank line of the RFC text. */
    while (*s == ' ' || *s == '\f' || *s == '\t' || *s == '\r') {
        s++;
    }
    return *s == '\0' || strncmp(s, "Thomson ", 8) == 0 || strncmp(s, "RFC 8448 ", 9) == 0;
}

static int hexval(char c)
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

/* Appends the "xx xx ..." tokens of s to out (up to want bytes in total).
 * Returns 0, or -1 on a malformed token or more tokens than wanted. */
static int take_hex(const char *s, uint8_t *out, size_t *have, size_t want)
{
    for (;;) {
        while (*s == ' ' || *s == '\f' || *s == '\r') {
            s++;
        }
        if (*s == '\0') {
            return 0;
        }
        int hi = hexval(s[0]);
        int lo = hi < 0 ? -1 : hexval(s[1]);
        if (hi < 0 || lo < 0 || (s[2] != ' ' && s[2] != '\0' && s[2] != '\r') || *have >= want) {
            return -1;
        }
        out[(*have)++] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
}

static int add_item(const char *heading, int occurrence, const char *label, size_t labellen, int line, uint8_t *data,
                    size_t len)
{
    if (g_nitems == g_items_cap) {
        size_t cap = g_items_cap ? 2 * g_items_cap : 64;
        rfc_item *n = realloc(g_items, cap * sizeof(*n));
        if (n == NULL) {
            return -1;
        }
        g_items = n;
        g_items_cap = cap;
    }
    rfc_item *it = &g_items[g_nitems++];
    memset(it, 0, sizeof(*it));
    snprintf(it->heading, sizeof it->heading, "%s", heading);
    if (labellen >= sizeof it->label) {
        labellen = sizeof it->label - 1;
    }
    memcpy(it->label, label, labellen);
    it->occurrence = occurrence;
    it->line = line;
    it->data = data;
    it->len = len;
    return 0;
}

/* Parses §3 of the RFC text (modified in place: split into lines). */
static int parse_rfc(char *text)
{
    size_t nlines = 0, cap = 0;
    char **lines = NULL;
    for (char *p = text; *p != '\0';) {
        if (nlines == cap) {
            cap = cap ? 2 * cap : 1024;
            char **n = realloc(lines, cap * sizeof(*n));
            if (n == NULL) {
                free(lines);
                return -1;
            }
            lines = n;
        }
        lines[nlines++] = p;
        char *nl = strchr(p, '\n');
        if (nl == NULL) {
            break;
        }
        *nl = '\0';
        p = nl + 1;
    }
    size_t start = 0, end = 0;
    for (size_t i = 0; i < nlines; i++) {
        if (start == 0 && strncmp(lines[i], "3.  Simple 1-RTT Handshake", 26) == 0) {
            start = i + 1;
        } else if (start != 0 && strncmp(lines[i], "4.  ", 4) == 0) {
            end = i;
            break;
        }
    }
    if (start == 0 || end == 0) {
        fprintf(stderr, "rfc8448.txt: section 3 not found\n");
        free(lines);
        return -1;
    }

    char heading[160] = "";
    int occurrence = 0;
    char seen[64][160];
    size_t nseen = 0;
    int rc = 0;
    for (size_t i = start; i < end && rc == 0; i++) {
        const char *l = lines[i];
        if (strncmp(l, "   {", 4) == 0) {
            snprintf(heading, sizeof heading, "%s", l + 3);
            occurrence = 0;
            for (size_t k = 0; k < nseen; k++) {
                occurrence += strcmp(seen[k], heading) == 0;
            }
            if (nseen < GMTLS_ARRAY_LEN(seen)) {
                snprintf(seen[nseen++], sizeof seen[0], "%s", heading);
            }
            continue;
        }
        if (strncmp(l, "      ", 6) != 0 || l[6] == ' ') {
            continue;
        }
        const char *tag = strstr(l, " octets):");
        if (tag == NULL) {
            continue; /* a heading continuation, "salt:  0 (all zero octets)" */
        }
        const char *open = tag;
        while (open > l && *open != '(') {
            open--;
        }
        if (*open != '(' || open < l + 7 || open[-1] != ' ' || heading[0] == '\0') {
            fprintf(stderr, "rfc8448.txt:%zu: cannot parse item line\n", i + 1);
            rc = -1;
            break;
        }
        size_t want = 0;
        for (const char *d = open + 1; d < tag; d++) {
            if (*d < '0' || *d > '9' || want > 100000) {
                fprintf(stderr, "rfc8448.txt:%zu: bad octet count\n", i + 1);
                rc = -1;
                break;
            }
            want = want * 10 + (size_t)(*d - '0');
        }
        if (rc != 0) {
            break;
        }
        uint8_t *data = malloc(want ? want : 1);
        size_t have = 0;
        if (data == NULL) {
            rc = -1;
            break;
        }
        const char *rest = tag + strlen(" octets):");
        size_t j = i;
        if (want == 0) {
            /* "hash (0 octets):  (empty)" */
            if (strstr(rest, "(empty)") == NULL) {
                rc = -1;
            }
        } else {
            rc = take_hex(rest, data, &have, want);
            while (rc == 0 && have < want) {
                if (++j >= end) {
                    rc = -1;
                    break;
                }
                if (is_noise_line(lines[j])) {
                    continue;
                }
                /* Hex continuation lines are indented by nine spaces. */
                if (strncmp(lines[j], "         ", 9) != 0) {
                    rc = -1;
                    break;
                }
                rc = take_hex(lines[j], data, &have, want);
            }
        }
        if (rc != 0 || have != want) {
            fprintf(stderr, "rfc8448.txt:%zu: hex block shorter/longer than its %zu octets\n", i + 1, want);
            free(data);
            rc = -1;
            break;
        }
        if (add_item(heading, occurrence, l + 6, (size_t)(open - 1 - (l + 6)), (int)i + 1, data, want) != 0) {
            free(data);
            rc = -1;
            break;
        }
        i = j;
    }
    free(lines);
    return rc;
}

static uint8_t g_missing[64]; /* what a failed look-up returns (test already failed) */

/* The hex block `label` of the occurrence-th step headed `heading`. */
static const uint8_t *rfc_get(const char *heading, int occurrence, const char *label, size_t *len)
{
    for (size_t i = 0; i < g_nitems; i++) {
        const rfc_item *it = &g_items[i];
        if (it->occurrence == occurrence && strcmp(it->heading, heading) == 0 && strcmp(it->label, label) == 0) {
            g_lookups++;
            *len = it->len;
            return it->data;
        }
    }
    test_failed_++;
    fprintf(stderr, "rfc8448.txt §3: no \"%s\" under step #%d \"%s\"\n", label, occurrence + 1, heading);
    *len = 0;
    return g_missing;
}

/* Same, for a block whose size is known (<= 64 octets). */
static const uint8_t *rfc_get_n(const char *heading, int occurrence, const char *label, size_t n)
{
    size_t len = 0;
    const uint8_t *p = rfc_get(heading, occurrence, label, &len);
    if (p != g_missing && len != n) {
        test_failed_++;
        fprintf(stderr, "rfc8448.txt §3: \"%s\" of \"%s\" has %zu octets, expected %zu\n", label, heading, len, n);
        return g_missing;
    }
    return p;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            break;
        }
        char *nb = realloc(buf, 2 * cap + 1);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
    }
    return buf;
}

/* ------------------------------------------------------------ headings of §3 */

#define H_C_KEYS "{client}  create an ephemeral x25519 key pair:"
#define H_CH "{client}  construct a ClientHello handshake message:"
#define H_C_SEND "{client}  send handshake record:"         /* #0 ClientHello, #1 Finished */
#define H_EARLY "{server}  extract secret \"early\":"
#define H_S_KEYS "{server}  create an ephemeral x25519 key pair:"
#define H_SH "{server}  construct a ServerHello handshake message:"
#define H_S_DERIVED_HS "{server}  derive secret for handshake \"tls13 derived\":"
#define H_C_DERIVED_HS "{client}  derive secret for handshake \"tls13 derived\":"
#define H_HS "{server}  extract secret \"handshake\":"
#define H_C_HS "{server}  derive secret \"tls13 c hs traffic\":"
#define H_S_HS "{server}  derive secret \"tls13 s hs traffic\":"
#define H_DERIVED_MS "{server}  derive secret for master \"tls13 derived\":"
#define H_MS "{server}  extract secret \"master\":"
#define H_S_SEND "{server}  send handshake record:"         /* #0 SH, #1 flight, #2 NST */
#define H_S_HS_KEYS "{server}  derive write traffic keys for handshake data:"
#define H_EE "{server}  construct an EncryptedExtensions handshake message:"
#define H_CERT "{server}  construct a Certificate handshake message:"
#define H_CV "{server}  construct a CertificateVerify handshake message:"
#define H_S_FIN_CALC "{server}  calculate finished \"tls13 finished\":"
#define H_S_FIN "{server}  construct a Finished handshake message:"
#define H_C_AP "{server}  derive secret \"tls13 c ap traffic\":"
#define H_S_AP "{server}  derive secret \"tls13 s ap traffic\":"
#define H_EXP "{server}  derive secret \"tls13 exp master\":"
#define H_S_AP_KEYS "{server}  derive write traffic keys for application data:"
#define H_C_HS_KEYS "{server}  derive read traffic keys for handshake data:"
#define H_C_FIN_CALC "{client}  calculate finished \"tls13 finished\":"
#define H_C_FIN "{client}  construct a Finished handshake message:"
#define H_C_AP_KEYS "{client}  derive write traffic keys for application data:"
#define H_RES "{client}  derive secret \"tls13 res master\":"
#define H_PSK "{server}  generate resumption secret \"tls13 resumption\":"
#define H_NST "{server}  construct a NewSessionTicket handshake message:"
#define H_C_APP "{client}  send application_data record:"
#define H_S_APP "{server}  send application_data record:"
#define H_C_ALERT "{client}  send alert record:"
#define H_S_ALERT "{server}  send alert record:"

static const gmtls_hash_alg *const H = &gmtls_hash_sha256;
static int g_secrets, g_records, g_keys, g_hashes; /* counts for the summary */

/* A Derive-Secret step of the RFC: PRK == secret, hash == thash (NULL: the
 * empty hash), HKDF-Expand(PRK, info) and Derive-Secret(label) == expanded. */
static void check_derive(const char *heading, const uint8_t *secret, const char *label, const uint8_t *thash,
                         uint8_t out[32])
{
    uint8_t empty[32], got[32], raw[32];
    size_t infolen = 0;
    CHECK_MEM(secret, rfc_get_n(heading, 0, "PRK", 32), 32);
    if (thash == NULL) {
        CHECK_OK(gmtls_hash(H, "", 0, empty));
        thash = empty;
    }
    CHECK_MEM(thash, rfc_get_n(heading, 0, "hash", 32), 32);
    const uint8_t *info = rfc_get(heading, 0, "info", &infolen);
    const uint8_t *want = rfc_get_n(heading, 0, "expanded", 32);
    CHECK_OK(gmtls_hkdf_expand(H, secret, info, infolen, raw, 32));
    CHECK_MEM(raw, want, 32);
    CHECK_OK(gmtls_derive_secret(H, secret, label, thash == empty ? NULL : thash, got));
    CHECK_MEM(got, want, 32);
    memcpy(out, want, 32);
    g_secrets++;
}

/* A "derive ... traffic keys" step: PRK == secret; key/iv via HKDF-Expand
 * with the RFC's info and via HKDF-Expand-Label; the record layer's IV. */
static void check_keys(const char *heading, const gmtls_suite *suite, const uint8_t *secret)
{
    uint8_t key[16], iv[12];
    size_t klen = 0, ilen = 0;
    CHECK_MEM(secret, rfc_get_n(heading, 0, "PRK", 32), 32);
    const uint8_t *kinfo = rfc_get(heading, 0, "key info", &klen);
    const uint8_t *iinfo = rfc_get(heading, 0, "iv info", &ilen);
    const uint8_t *wkey = rfc_get_n(heading, 0, "key expanded", 16);
    const uint8_t *wiv = rfc_get_n(heading, 0, "iv expanded", 12);
    CHECK_OK(gmtls_hkdf_expand(H, secret, kinfo, klen, key, 16));
    CHECK_MEM(key, wkey, 16);
    CHECK_OK(gmtls_hkdf_expand(H, secret, iinfo, ilen, iv, 12));
    CHECK_MEM(iv, wiv, 12);
    CHECK_OK(gmtls_hkdf_expand_label(H, secret, "key", NULL, 0, key, suite->aead->key_len));
    CHECK_MEM(key, wkey, 16);
    CHECK_OK(gmtls_hkdf_expand_label(H, secret, "iv", NULL, 0, iv, 12));
    CHECK_MEM(iv, wiv, 12);
    gmtls_rec r;
    memset(&r, 0, sizeof r);
    CHECK_OK(gmtls_rec_set_secret(&r, suite, 1, secret));
    CHECK_MEM(r.iv, wiv, 12);
    gmtls_rec_dispose(&r);
    g_keys++;
}

/* One protected record of the RFC: opened with rd gives (type, payload);
 * written with wr gives the record byte for byte. */
static void check_record(const char *heading, int occurrence, gmtls_rec *rd, gmtls_rec *wr, uint8_t want_type)
{
    size_t plen = 0, rlen = 0;
    const uint8_t *payload = rfc_get(heading, occurrence, "payload", &plen);
    const uint8_t *record = rfc_get(heading, occurrence, "complete record", &rlen);
    if (rlen < GMTLS_REC_HDR || plen == 0) {
        test_failed_++;
        return;
    }
    uint8_t *copy = malloc(rlen);
    CHECK(copy != NULL);
    if (copy == NULL) {
        return;
    }
    memcpy(copy, record, rlen);
    uint8_t type = 0, *pt = NULL;
    size_t ptlen = 0;
    uint64_t seq = rd->seq;
    CHECK_OK(gmtls_rec_open(rd, copy, rlen, &type, &pt, &ptlen));
    CHECK(rd->seq == seq + 1);
    CHECK(type == want_type);
    CHECK(ptlen == plen);
    if (pt != NULL && ptlen == plen) {
        CHECK_MEM(pt, payload, plen);
    }
    free(copy);

    gmtls_buf out;
    gmtls_buf_init(&out);
    CHECK_OK(gmtls_rec_write(wr, &out, want_type, payload, plen, 0));
    CHECK(out.off == rlen);
    if (out.off == rlen) {
        CHECK_MEM(out.base, record, rlen);
    }
    gmtls_buf_dispose(&out);
    g_records++;
}

/* A copy of ctx's running hash, finished. */
static void snapshot(const gmtls_hash_ctx *ctx, uint8_t out[32])
{
    gmtls_hash_ctx tmp;
    CHECK_OK(H->copy(&tmp, ctx));
    CHECK_OK(H->final(&tmp, out));
    g_hashes++;
}

/* libcrypto cross-check of the RFC's x25519 values (vector consistency). */
static void check_x25519(const uint8_t *priv, const uint8_t *pub, const uint8_t *peer, const uint8_t *shared)
{
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
    EVP_PKEY *p = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, 32);
    uint8_t mine[32], z[32];
    size_t n = sizeof mine, zn = sizeof z;
    CHECK(k != NULL && p != NULL);
    if (k != NULL && p != NULL) {
        CHECK(EVP_PKEY_get_raw_public_key(k, mine, &n) == 1 && n == 32);
        CHECK_MEM(mine, pub, 32);
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
        CHECK(c != NULL && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, p) == 1 &&
              EVP_PKEY_derive(c, z, &zn) == 1 && zn == 32);
        CHECK_MEM(z, shared, 32);
        EVP_PKEY_CTX_free(c);
    }
    EVP_PKEY_free(k);
    EVP_PKEY_free(p);
}

int main(void)
{
    const char *path = test_vector_path("rfc8448.txt");
    char *text = read_text(path);
    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    CHECK_OK(parse_rfc(text));
    printf("rfc8448.txt: %zu labelled hex blocks parsed from section 3\n", g_nitems);
    CHECK(g_nitems >= 90);

    const gmtls_suite *suite = gmtls_suite_by_id(0x1301);
    CHECK(suite != NULL && suite->hash == H && suite->aead == &gmtls_aead_aes128gcm);
    if (suite == NULL) {
        return TEST_END("rfc8448_test");
    }

    /* ---- handshake messages (RFC 8448 pp. 3-14) */
    size_t ch_len = 0, sh_len = 0, ee_len = 0, cert_len = 0, cv_len = 0, sfin_len = 0, cfin_len = 0, nst_len = 0;
    const uint8_t *ch = rfc_get(H_CH, 0, "ClientHello", &ch_len);
    const uint8_t *sh = rfc_get(H_SH, 0, "ServerHello", &sh_len);
    const uint8_t *ee = rfc_get(H_EE, 0, "EncryptedExtensions", &ee_len);
    const uint8_t *cert = rfc_get(H_CERT, 0, "Certificate", &cert_len);
    const uint8_t *cv = rfc_get(H_CV, 0, "CertificateVerify", &cv_len);
    const uint8_t *sfin = rfc_get(H_S_FIN, 0, "Finished", &sfin_len);
    const uint8_t *cfin = rfc_get(H_C_FIN, 0, "Finished", &cfin_len);
    const uint8_t *nst = rfc_get(H_NST, 0, "NewSessionTicket", &nst_len);
    CHECK(ch_len == 196 && sh_len == 90 && ee_len == 40 && cert_len == 445 && cv_len == 136 && sfin_len == 36 &&
          cfin_len == 36 && nst_len == 205);
    const uint8_t *c_priv = rfc_get_n(H_C_KEYS, 0, "private key", 32);
    const uint8_t *c_pub = rfc_get_n(H_C_KEYS, 0, "public key", 32);
    const uint8_t *s_priv = rfc_get_n(H_S_KEYS, 0, "private key", 32);
    const uint8_t *s_pub = rfc_get_n(H_S_KEYS, 0, "public key", 32);
    const uint8_t *ecdhe = rfc_get_n(H_HS, 0, "IKM", 32);

    /* The ClientHello through gmtls_ch_parse. */
    if (ch_len >= 4) {
        gmtls_client_hello hello;
        CHECK_OK(gmtls_ch_parse(&hello, ch, ch_len));
        CHECK(hello.offers_tls13);
        CHECK(hello.suites_len == 6 && hello.nshares == 1);
        CHECK(hello.nshares == 1 && hello.shares[0].group == GMTLS_GROUP_X25519 && hello.shares[0].len == 32);
        if (hello.nshares == 1 && hello.shares[0].len == 32) {
            CHECK_MEM(hello.shares[0].data, c_pub, 32);
        }
        CHECK(hello.has_sni && strcmp(hello.sni, "server") == 0);
        gmtls_ch_free(&hello);
    }
    /* The ServerHello by its fields (RFC 8446 §4.1.3). */
    {
        gmtls_rd r, body, exts;
        gmtls_rd_init(&r, sh, sh_len);
        CHECK(gmtls_rd_u8(&r) == GMTLS_HS_SERVER_HELLO);
        CHECK_OK(gmtls_rd_vec(&r, 3, 0, 0xffffff, &body));
        CHECK_OK(gmtls_rd_done(&r));
        CHECK(gmtls_rd_u16(&body) == 0x0303);
        (void)gmtls_rd_bytes(&body, 32);
        gmtls_rd sid;
        CHECK_OK(gmtls_rd_vec(&body, 1, 0, 32, &sid));
        CHECK(gmtls_rd_u16(&body) == 0x1301);
        CHECK(gmtls_rd_u8(&body) == 0);
        CHECK_OK(gmtls_rd_vec(&body, 2, 0, 0xffff, &exts));
        CHECK_OK(gmtls_rd_done(&body));
        int found_share = 0, found_version = 0;
        while (gmtls_rd_left(&exts) > 0) {
            uint16_t type = gmtls_rd_u16(&exts);
            gmtls_rd e;
            CHECK_OK(gmtls_rd_vec(&exts, 2, 0, 0xffff, &e));
            if (type == GMTLS_EXT_KEY_SHARE) {
                gmtls_rd ks;
                CHECK(gmtls_rd_u16(&e) == GMTLS_GROUP_X25519);
                CHECK_OK(gmtls_rd_vec(&e, 2, 32, 32, &ks));
                const uint8_t *pub = gmtls_rd_bytes(&ks, 32);
                CHECK(pub != NULL);
                if (pub != NULL) {
                    CHECK_MEM(pub, s_pub, 32);
                }
                found_share = 1;
            } else if (type == GMTLS_EXT_SUPPORTED_VERSIONS) {
                CHECK(gmtls_rd_u16(&e) == GMTLS_TLS13);
                found_version = 1;
            }
            CHECK_OK(gmtls_rd_done(&e));
        }
        CHECK_OK(gmtls_rd_done(&exts));
        CHECK(found_share && found_version);
    }
    check_x25519(c_priv, c_pub, s_pub, ecdhe);
    check_x25519(s_priv, s_pub, c_pub, ecdhe);

    /* The plaintext records: payload == message, complete record == header || payload. */
    {
        size_t n = 0, rn = 0;
        const uint8_t *p = rfc_get(H_C_SEND, 0, "payload", &n);
        const uint8_t *rec = rfc_get(H_C_SEND, 0, "complete record", &rn);
        CHECK(n == ch_len && rn == n + 5);
        if (n == ch_len && rn == n + 5) {
            CHECK_MEM(p, ch, n);
            CHECK_MEM(rec + 5, ch, n);
            CHECK(rec[0] == GMTLS_CT_HANDSHAKE && rec[1] == 3 && rec[2] == 1 && (size_t)(rec[3] << 8 | rec[4]) == n);
        }
        p = rfc_get(H_S_SEND, 0, "payload", &n);
        rec = rfc_get(H_S_SEND, 0, "complete record", &rn);
        CHECK(n == sh_len && rn == n + 5);
        if (n == sh_len && rn == n + 5) {
            CHECK_MEM(p, sh, n);
            gmtls_rec plain;
            gmtls_buf out;
            memset(&plain, 0, sizeof plain);
            gmtls_buf_init(&out);
            CHECK_OK(gmtls_rec_write(&plain, &out, GMTLS_CT_HANDSHAKE, sh, sh_len, 0));
            CHECK(out.off == rn);
            if (out.off == rn) {
                CHECK_MEM(out.base, rec, rn);
            }
            uint8_t type = 0, *pl = NULL;
            size_t pllen = 0;
            CHECK_OK(gmtls_rec_open(&plain, out.base, out.off, &type, &pl, &pllen));
            CHECK(type == GMTLS_CT_HANDSHAKE && pllen == sh_len);
            gmtls_buf_dispose(&out);
            g_records++;
        }
        /* The server's flight is EE || Certificate || CertificateVerify || Finished. */
        p = rfc_get(H_S_SEND, 1, "payload", &n);
        CHECK(n == ee_len + cert_len + cv_len + sfin_len);
        if (n == ee_len + cert_len + cv_len + sfin_len) {
            CHECK_MEM(p, ee, ee_len);
            CHECK_MEM(p + ee_len, cert, cert_len);
            CHECK_MEM(p + ee_len + cert_len, cv, cv_len);
            CHECK_MEM(p + ee_len + cert_len + cv_len, sfin, sfin_len);
        }
        p = rfc_get(H_C_SEND, 1, "payload", &n);
        CHECK(n == cfin_len);
        if (n == cfin_len) {
            CHECK_MEM(p, cfin, n);
        }
        p = rfc_get(H_S_SEND, 2, "payload", &n);
        CHECK(n == nst_len);
        if (n == nst_len) {
            CHECK_MEM(p, nst, n);
        }
    }

    /* ---- transcript hashes (RFC 8446 §4.4.1), incrementally with copies */
    uint8_t th_sh[32], th_cv[32], th_sfin[32], th_cfin[32];
    gmtls_hash_ctx run;
    run.alg = H;
    CHECK_OK(H->init(&run));
    H->update(&run, ch, ch_len);
    H->update(&run, sh, sh_len);
    snapshot(&run, th_sh);
    H->update(&run, ee, ee_len);
    H->update(&run, cert, cert_len);
    H->update(&run, cv, cv_len);
    snapshot(&run, th_cv);
    H->update(&run, sfin, sfin_len);
    snapshot(&run, th_sfin);
    H->update(&run, cfin, cfin_len);
    snapshot(&run, th_cfin);
    H->dispose(&run);

    /* ---- key schedule, step by step (RFC 8448 pp. 4-13) */
    uint8_t early[32], derived[32], hs[32], c_hs[32], s_hs[32], derived2[32], ms[32], c_ap[32], s_ap[32], exp[32],
        res[32], psk[32];
    {
        const uint8_t *ikm = rfc_get_n(H_EARLY, 0, "IKM", 32);
        const uint8_t *want = rfc_get_n(H_EARLY, 0, "secret", 32);
        CHECK_OK(gmtls_hkdf_extract(H, NULL, 0, ikm, 32, early)); /* salt: 0 */
        CHECK_MEM(early, want, 32);
        CHECK_OK(gmtls_hkdf_extract(H, NULL, 0, NULL, 0, early)); /* "0-value" PSK */
        CHECK_MEM(early, want, 32);
        g_secrets++;
    }
    check_derive(H_S_DERIVED_HS, early, "derived", NULL, derived);
    check_derive(H_C_DERIVED_HS, early, "derived", NULL, derived);
    {
        CHECK_MEM(derived, rfc_get_n(H_HS, 0, "salt", 32), 32);
        CHECK_OK(gmtls_hkdf_extract(H, derived, 32, ecdhe, 32, hs));
        CHECK_MEM(hs, rfc_get_n(H_HS, 0, "secret", 32), 32);
        g_secrets++;
    }
    check_derive(H_C_HS, hs, "c hs traffic", th_sh, c_hs);
    check_derive(H_S_HS, hs, "s hs traffic", th_sh, s_hs);
    check_derive(H_DERIVED_MS, hs, "derived", NULL, derived2);
    {
        CHECK_MEM(derived2, rfc_get_n(H_MS, 0, "salt", 32), 32);
        const uint8_t *ikm = rfc_get_n(H_MS, 0, "IKM", 32);
        CHECK_OK(gmtls_hkdf_extract(H, derived2, 32, ikm, 32, ms));
        CHECK_MEM(ms, rfc_get_n(H_MS, 0, "secret", 32), 32);
        g_secrets++;
    }
    check_derive(H_C_AP, ms, "c ap traffic", th_sfin, c_ap);
    check_derive(H_S_AP, ms, "s ap traffic", th_sfin, s_ap);
    check_derive(H_EXP, ms, "exp master", th_sfin, exp);
    check_derive(H_RES, ms, "res master", th_cfin, res);

    /* The same through the gmtls_keysched driver. */
    {
        gmtls_keysched ks;
        memset(&ks, 0, sizeof ks);
        CHECK_OK(gmtls_ks_early(&ks, H, NULL, 0));
        CHECK_MEM(ks.early, early, 32);
        CHECK_OK(gmtls_ks_handshake(&ks, ecdhe, 32, th_sh));
        CHECK_MEM(ks.handshake, hs, 32);
        CHECK_MEM(ks.c_hs, c_hs, 32);
        CHECK_MEM(ks.s_hs, s_hs, 32);
        CHECK_OK(gmtls_ks_master(&ks, th_sfin));
        CHECK_MEM(ks.master, ms, 32);
        CHECK_MEM(ks.c_ap, c_ap, 32);
        CHECK_MEM(ks.s_ap, s_ap, 32);
        CHECK_MEM(ks.exporter, exp, 32);
        CHECK_OK(gmtls_ks_resumption(&ks, th_cfin));
        CHECK_MEM(ks.resumption, res, 32);
        gmtls_ks_wipe(&ks);
    }

    /* Resumption PSK (RFC 8446 §4.6.1) with the nonce of the NewSessionTicket. */
    {
        gmtls_rd r, body, nonce, ticket, exts;
        gmtls_rd_init(&r, nst, nst_len);
        CHECK(gmtls_rd_u8(&r) == GMTLS_HS_NEW_SESSION_TICKET);
        CHECK_OK(gmtls_rd_vec(&r, 3, 0, 0xffffff, &body));
        CHECK_OK(gmtls_rd_done(&r));
        (void)gmtls_rd_u32(&body); /* ticket_lifetime */
        (void)gmtls_rd_u32(&body); /* ticket_age_add */
        CHECK_OK(gmtls_rd_vec(&body, 1, 0, 255, &nonce));
        CHECK_OK(gmtls_rd_vec(&body, 2, 1, 0xffff, &ticket));
        CHECK_OK(gmtls_rd_vec(&body, 2, 0, 0xfffe, &exts));
        CHECK_OK(gmtls_rd_done(&body));
        size_t nlen = gmtls_rd_left(&nonce), hlen = 0;
        const uint8_t *n = gmtls_rd_bytes(&nonce, nlen);
        const uint8_t *want_nonce = rfc_get(H_PSK, 0, "hash", &hlen);
        CHECK(n != NULL && nlen == hlen);
        if (n != NULL && nlen == hlen) {
            CHECK_MEM(n, want_nonce, nlen);
        }
        CHECK_MEM(res, rfc_get_n(H_PSK, 0, "PRK", 32), 32);
        size_t infolen = 0;
        const uint8_t *info = rfc_get(H_PSK, 0, "info", &infolen);
        const uint8_t *want = rfc_get_n(H_PSK, 0, "expanded", 32);
        CHECK_OK(gmtls_hkdf_expand(H, res, info, infolen, psk, 32));
        CHECK_MEM(psk, want, 32);
        CHECK_OK(gmtls_hkdf_expand_label(H, res, "resumption", want_nonce, hlen, psk, 32));
        CHECK_MEM(psk, want, 32);
        g_secrets++;
    }

    /* ---- Finished (RFC 8446 §4.4.4) */
    {
        uint8_t fk[32], vd[32];
        size_t infolen = 0;
        CHECK_MEM(s_hs, rfc_get_n(H_S_FIN_CALC, 0, "PRK", 32), 32);
        const uint8_t *info = rfc_get(H_S_FIN_CALC, 0, "info", &infolen);
        CHECK_OK(gmtls_hkdf_expand(H, s_hs, info, infolen, fk, 32));
        CHECK_MEM(fk, rfc_get_n(H_S_FIN_CALC, 0, "expanded", 32), 32);
        CHECK_OK(gmtls_hkdf_expand_label(H, s_hs, "finished", NULL, 0, fk, 32));
        CHECK_MEM(fk, rfc_get_n(H_S_FIN_CALC, 0, "expanded", 32), 32);
        CHECK_OK(gmtls_finished_mac(H, s_hs, th_cv, vd));
        CHECK_MEM(vd, rfc_get_n(H_S_FIN_CALC, 0, "finished", 32), 32);
        if (sfin_len == 36) {
            CHECK(sfin[0] == GMTLS_HS_FINISHED && sfin[3] == 32);
            CHECK_MEM(sfin + 4, vd, 32);
        }

        CHECK_MEM(c_hs, rfc_get_n(H_C_FIN_CALC, 0, "PRK", 32), 32);
        info = rfc_get(H_C_FIN_CALC, 0, "info", &infolen);
        CHECK_OK(gmtls_hkdf_expand(H, c_hs, info, infolen, fk, 32));
        CHECK_MEM(fk, rfc_get_n(H_C_FIN_CALC, 0, "expanded", 32), 32);
        CHECK_OK(gmtls_finished_mac(H, c_hs, th_sfin, vd));
        CHECK_MEM(vd, rfc_get_n(H_C_FIN_CALC, 0, "finished", 32), 32);
        if (cfin_len == 36) {
            CHECK(cfin[0] == GMTLS_HS_FINISHED && cfin[3] == 32);
            CHECK_MEM(cfin + 4, vd, 32);
        }
    }

    /* ---- traffic keys (RFC 8446 §7.3) */
    check_keys(H_S_HS_KEYS, suite, s_hs);
    check_keys(H_C_HS_KEYS, suite, c_hs);
    check_keys(H_S_AP_KEYS, suite, s_ap);
    check_keys(H_C_AP_KEYS, suite, c_ap);

    /* ---- record protection (RFC 8446 §5.2), one reader and one writer per key */
    {
        gmtls_rec rd, wr;
        memset(&rd, 0, sizeof rd);
        memset(&wr, 0, sizeof wr);
        CHECK_OK(gmtls_rec_set_secret(&rd, suite, 0, s_hs));
        CHECK_OK(gmtls_rec_set_secret(&wr, suite, 1, s_hs));
        check_record(H_S_SEND, 1, &rd, &wr, GMTLS_CT_HANDSHAKE); /* EE..Finished, seq 0 */

        CHECK_OK(gmtls_rec_set_secret(&rd, suite, 0, c_hs));
        CHECK_OK(gmtls_rec_set_secret(&wr, suite, 1, c_hs));
        check_record(H_C_SEND, 1, &rd, &wr, GMTLS_CT_HANDSHAKE); /* client Finished */

        CHECK_OK(gmtls_rec_set_secret(&rd, suite, 0, s_ap));
        CHECK_OK(gmtls_rec_set_secret(&wr, suite, 1, s_ap));
        check_record(H_S_SEND, 2, &rd, &wr, GMTLS_CT_HANDSHAKE);        /* NewSessionTicket, seq 0 */
        check_record(H_S_APP, 0, &rd, &wr, GMTLS_CT_APPLICATION_DATA); /* seq 1 */
        check_record(H_S_ALERT, 0, &rd, &wr, GMTLS_CT_ALERT);          /* seq 2 */

        CHECK_OK(gmtls_rec_set_secret(&rd, suite, 0, c_ap));
        CHECK_OK(gmtls_rec_set_secret(&wr, suite, 1, c_ap));
        check_record(H_C_APP, 0, &rd, &wr, GMTLS_CT_APPLICATION_DATA); /* seq 0 */
        check_record(H_C_ALERT, 0, &rd, &wr, GMTLS_CT_ALERT);          /* seq 1 */

        /* Negative: the client's first application record with one bit
         * flipped in the tag, and the genuine record at the wrong sequence
         * number, must both fail with bad_record_mac. */
        size_t rlen = 0;
        const uint8_t *rec = rfc_get(H_C_APP, 0, "complete record", &rlen);
        uint8_t *copy = malloc(rlen ? rlen : 1);
        CHECK(copy != NULL && rlen > GMTLS_REC_HDR + GMTLS_TAG_LEN);
        if (copy != NULL && rlen > GMTLS_REC_HDR + GMTLS_TAG_LEN) {
            uint8_t type, *pt;
            size_t ptlen;
            CHECK_OK(gmtls_rec_set_secret(&rd, suite, 0, c_ap));
            memcpy(copy, rec, rlen);
            copy[rlen - 1] ^= 0x01;
            CHECK_ERR(gmtls_rec_open(&rd, copy, rlen, &type, &pt, &ptlen), GMTLS_ALERT_BAD_RECORD_MAC);
            CHECK(rd.seq == 0);
            rd.seq = 1;
            memcpy(copy, rec, rlen);
            CHECK_ERR(gmtls_rec_open(&rd, copy, rlen, &type, &pt, &ptlen), GMTLS_ALERT_BAD_RECORD_MAC);
        }
        free(copy);
        gmtls_rec_dispose(&rd);
        gmtls_rec_dispose(&wr);
    }

    printf("rfc8448 §3: %d RFC values looked up; %d secrets, %d transcript hashes, %d key/iv pairs, "
           "2 Finished, %d records checked\n",
           g_lookups, g_secrets, g_hashes, g_keys, g_records);
    for (size_t i = 0; i < g_nitems; i++) {
        free(g_items[i].data);
    }
    free(g_items);
    free(text);
    return TEST_END("rfc8448_test");
}
