/*
 * tests/tls/rec12_test.c - pre-1.3 record protection: TLCP's SM4-CBC +
 * HMAC-SM3 MAC-then-encrypt records (src/record/rec12.c) and the
 * explicit-nonce AEAD records of gmtls_rec (src/record/record.c) with TLCP's
 * version 0x0101 (SM4-GCM, AES-GCM), against records built independently with
 * OpenSSL libcrypto (EVP SM4-CBC, HMAC-SM3, AES-GCM; SM4-GCM through the
 * gmtls_sm4_gcm primitive, as OpenSSL 3.0 lacks it) in both directions; every
 * tampering, bad padding, wrong sequence number and length limit gives its
 * exact alert; and the constant-time HMAC-SM3 equals the plain one for every
 * length in its range.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "record/rec12.h"
#include "record/record.h"
#include "sm/sm_internal.h"
#include "test.h"

#define TLCP GMTLS_TLCP_VERSION

static uint8_t mac_key[32], enc_key[16];

/* ---------------------------------------------------- OpenSSL reference */

static void ossl_hmac_sm3(const uint8_t *d1, size_t n1, const uint8_t *d2, size_t n2, uint8_t out[32])
{
    uint8_t *buf = malloc(n1 + n2 + 1);
    unsigned int len = 32;
    memcpy(buf, d1, n1);
    if (n2 > 0) {
        memcpy(buf + n1, d2, n2);
    }
    HMAC(EVP_sm3(), mac_key, sizeof mac_key, buf, n1 + n2, out, &len);
    free(buf);
}

static void seq_hdr(uint8_t h[13], uint64_t seq, uint8_t type, uint16_t ver, size_t len)
{
    for (int i = 0; i < 8; i++) {
        h[i] = (uint8_t)(seq >> (56 - 8 * i));
    }
    h[8] = type;
    h[9] = (uint8_t)(ver >> 8);
    h[10] = (uint8_t)ver;
    h[11] = (uint8_t)(len >> 8);
    h[12] = (uint8_t)len;
}

/* A TLCP CBC record built by hand with OpenSSL: header || IV || SM4-CBC(
 * content || mac || padding) where mac and padding are given explicitly
 * (so tests can make them wrong). Returns the record length. */
static size_t ossl_cbc_record(uint8_t *rec, uint8_t type, uint16_t ver, const uint8_t *content, size_t len,
                              const uint8_t mac[32], const uint8_t *padding, size_t padlen)
{
    uint8_t *p = malloc(len + 32 + padlen + 16);
    memcpy(p, content, len);
    memcpy(p + len, mac, 32);
    memcpy(p + len + 32, padding, padlen);
    size_t plen = len + 32 + padlen;
    uint8_t iv[16];
    RAND_bytes(iv, 16);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int outl = 0;
    EVP_EncryptInit_ex(c, EVP_sm4_cbc(), NULL, enc_key, iv);
    EVP_CIPHER_CTX_set_padding(c, 0);
    EVP_EncryptUpdate(c, rec + 5 + 16, &outl, p, (int)plen);
    EVP_CIPHER_CTX_free(c);
    size_t body = 16 + plen;
    rec[0] = type;
    rec[1] = (uint8_t)(ver >> 8);
    rec[2] = (uint8_t)ver;
    rec[3] = (uint8_t)(body >> 8);
    rec[4] = (uint8_t)body;
    memcpy(rec + 5, iv, 16);
    free(p);
    return 5 + body;
}

/* The fewest padding bytes (besides the length byte) for len content bytes. */
static size_t minpad(size_t len)
{
    return (16 - (len + 33) % 16) % 16;
}

/* The correct MAC and a standard padding of pad+1 bytes. */
static size_t ossl_good_record(uint8_t *rec, uint64_t seq, uint8_t type, const uint8_t *content, size_t len, size_t pad)
{
    uint8_t h[13], mac[32], padding[256];
    seq_hdr(h, seq, type, TLCP, len);
    ossl_hmac_sm3(h, 13, content, len, mac);
    memset(padding, (int)pad, pad + 1);
    return ossl_cbc_record(rec, type, TLCP, content, len, mac, padding, pad + 1);
}

/* Decrypts a record of ours with OpenSSL and checks MAC and padding. */
static int ossl_open_cbc(const uint8_t *rec, size_t reclen, uint64_t seq, uint8_t *content, size_t *len)
{
    size_t body = reclen - 5, plen = body - 16;
    uint8_t *p = malloc(plen);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int outl = 0;
    EVP_DecryptInit_ex(c, EVP_sm4_cbc(), NULL, enc_key, rec + 5);
    EVP_CIPHER_CTX_set_padding(c, 0);
    EVP_DecryptUpdate(c, p, &outl, rec + 5 + 16, (int)plen);
    EVP_CIPHER_CTX_free(c);
    size_t pad = p[plen - 1];
    int ok = pad + 1 + 32 <= plen && plen % 16 == 0;
    for (size_t i = 0; ok && i <= pad; i++) {
        ok = p[plen - 1 - i] == pad;
    }
    if (ok) {
        size_t clen = plen - 33 - pad;
        uint8_t h[13], mac[32];
        seq_hdr(h, seq, rec[0], (uint16_t)(rec[1] << 8 | rec[2]), clen);
        ossl_hmac_sm3(h, 13, p, clen, mac);
        ok = memcmp(mac, p + clen, 32) == 0;
        memcpy(content, p, clen);
        *len = clen;
    }
    free(p);
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------ helpers */

static int open_copy(gmtls_cbc_rec *r, const uint8_t *rec, size_t reclen, uint8_t *buf, uint8_t **pl, size_t *len)
{
    memcpy(buf, rec, reclen);
    return gmtls_cbc_rec_open(r, buf, buf + 5, reclen - 5, pl, len);
}

static void test_hmac_ct(void)
{
    gmtls_hmac_sm3_ctx key;
    uint8_t data[700], hdr[13], a[32], b[32];
    gmtls_hmac_sm3_init(&key, mac_key, sizeof mac_key);
    RAND_bytes(data, sizeof data);
    RAND_bytes(hdr, sizeof hdr);
    static const size_t ranges[][2] = {{0, 0}, {0, 100}, {40, 64}, {50, 60}, {100, 356}, {300, 556}, {600, 687}};
    int bad = 0;
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        for (size_t len = ranges[r][0]; len <= ranges[r][1]; len++) {
            gmtls_hmac_sm3_ct(&key, hdr, sizeof hdr, data, len, ranges[r][0], ranges[r][1], a);
            gmtls_hmac_sm3_ctx m = key;
            gmtls_hmac_sm3_update(&m, hdr, sizeof hdr);
            gmtls_hmac_sm3_update(&m, data, len);
            gmtls_hmac_sm3_final(&m, b);
            bad += memcmp(a, b, 32) != 0;
        }
    }
    /* and without a header */
    for (size_t len = 0; len <= 130; len++) {
        gmtls_hmac_sm3_ct(&key, NULL, 0, data, len, 0, 130, a);
        gmtls_hmac_sm3(mac_key, sizeof mac_key, data, len, b);
        bad += memcmp(a, b, 32) != 0;
    }
    CHECK(bad == 0);
}

/* Every content length 0..600 and a sample up to 2^14, each padding
 * amount, both ways against OpenSSL. */
static void test_cbc_roundtrip(void)
{
    gmtls_cbc_rec w, rd, ow;
    gmtls_cbc_rec_init(&w, mac_key, enc_key);
    gmtls_cbc_rec_init(&rd, mac_key, enc_key);
    gmtls_cbc_rec_init(&ow, mac_key, enc_key); /* reader of OpenSSL's records */
    uint8_t *data = malloc(16384), *rec = malloc(20000), *buf = malloc(20000), *pt = malloc(20000);
    RAND_bytes(data, 16384);
    gmtls_buf out;
    gmtls_buf_init(&out);
    int bad_g2o = 0, bad_g2g = 0, bad_o2g = 0, bad_len = 0;
    uint64_t oseq = 0;
    static const size_t big[] = {1000, 2047, 4096, 8191, 16383, 16384};
    for (size_t li = 0; li <= 600 + sizeof big / sizeof big[0]; li++) {
        size_t len = li <= 600 ? li : big[li - 601];
        size_t extra = len % 18; /* 0..17 extra blocks: reaches the 255-byte cap */
        out.off = 0;
        CHECK_OK(gmtls_cbc_rec_seal(&w, &out, GMTLS_CT_APPLICATION_DATA, TLCP, data, len, extra));
        /* header, and a body of IV + whole blocks */
        bad_len += out.base[0] != 23 || out.base[1] != 1 || out.base[2] != 1 ||
                   (size_t)(out.base[3] << 8 | out.base[4]) != out.off - 5 || (out.off - 5) % 16 != 0;
        size_t n = 0;
        bad_g2o += ossl_open_cbc(out.base, out.off, w.seq - 1, pt, &n) != 0 || n != len ||
                   (len > 0 && memcmp(pt, data, len) != 0);
        uint8_t *pl;
        size_t pn;
        bad_g2g += open_copy(&rd, out.base, out.off, buf, &pl, &pn) != 0 || pn != len ||
                   (len > 0 && memcmp(pl, data, len) != 0);
        /* OpenSSL's record, with 0..7 extra blocks of padding */
        size_t pad = minpad(len) + 16 * (len % 8);
        size_t rl = ossl_good_record(rec, oseq++, GMTLS_CT_HANDSHAKE, data, len, pad);
        bad_o2g += open_copy(&ow, rec, rl, buf, &pl, &pn) != 0 || pn != len || (len > 0 && memcmp(pl, data, len));
    }
    CHECK(bad_len == 0);
    CHECK(bad_g2o == 0);
    CHECK(bad_g2g == 0);
    CHECK(bad_o2g == 0);

    /* the largest padding: 255 + 1 bytes (RFC 5246 §6.2.3.2), both ways */
    {
        gmtls_cbc_rec a, b;
        gmtls_cbc_rec_init(&a, mac_key, enc_key);
        gmtls_cbc_rec_init(&b, mac_key, enc_key);
        uint8_t *pl;
        size_t pn;
        /* content 16: 16 + 32 + 256 = 304, block aligned */
        size_t rl = ossl_good_record(rec, 0, 23, data, 16, 255);
        CHECK(rl == 5 + 16 + 16 + 32 + 256);
        CHECK_OK(open_copy(&b, rec, rl, buf, &pl, &pn));
        CHECK(pn == 16 && memcmp(pl, data, 16) == 0);
        out.off = 0;
        CHECK_OK(gmtls_cbc_rec_seal(&a, &out, 23, TLCP, data, 16, 100));
        CHECK(out.off == rl);
        CHECK(gmtls_cbc_rec_seal(&a, &out, 23, TLCP, data, 16, 100) == 0);
        b.seq = 0;
        CHECK_OK(open_copy(&b, out.base, rl, buf, &pl, &pn));
        CHECK_OK(open_copy(&b, out.base + rl, rl, buf, &pl, &pn));
        CHECK(pn == 16 && memcmp(pl, data, 16) == 0);
        /* replayed: refused */
        CHECK(open_copy(&b, out.base + rl, rl, buf, &pl, &pn) == GMTLS_ALERT_BAD_RECORD_MAC);
        /* an empty record with the largest padding: 0 + 32 + 256 = 288 */
        out.off = 0;
        CHECK_OK(gmtls_cbc_rec_seal(&a, &out, 23, TLCP, data, 0, 100));
        CHECK_OK(open_copy(&b, out.base, out.off, buf, &pl, &pn));
        CHECK(pn == 0);
        gmtls_cbc_rec_dispose(&a);
        gmtls_cbc_rec_dispose(&b);
    }
    /* too long to seal */
    out.off = 0;
    CHECK(gmtls_cbc_rec_seal(&w, &out, 23, TLCP, data, 16385, 0) == GMTLS_ERR_BAD_ARGUMENT);
    gmtls_buf_dispose(&out);
    free(data);
    free(rec);
    free(buf);
    free(pt);
    gmtls_cbc_rec_dispose(&w);
    gmtls_cbc_rec_dispose(&rd);
    gmtls_cbc_rec_dispose(&ow);
}

/* Expects alert `want` from opening rec with a fresh reader at sequence seq. */
static int open_fresh(const uint8_t *rec, size_t rl, uint64_t seq)
{
    gmtls_cbc_rec r;
    uint8_t buf[20000], *pl;
    size_t pn;
    gmtls_cbc_rec_init(&r, mac_key, enc_key);
    r.seq = seq;
    int rc = open_copy(&r, rec, rl, buf, &pl, &pn);
    gmtls_cbc_rec_dispose(&r);
    return rc;
}

static void test_cbc_negative(void)
{
    gmtls_cbc_rec w;
    gmtls_buf out;
    uint8_t data[100], rec[20000], h[13], mac[32], padding[256];
    RAND_bytes(data, sizeof data);
    gmtls_buf_init(&out);
    gmtls_cbc_rec_init(&w, mac_key, enc_key);
    CHECK_OK(gmtls_cbc_rec_seal(&w, &out, 23, TLCP, data, 40, 1));
    size_t rl = out.off;
    memcpy(rec, out.base, rl);
    CHECK_OK(open_fresh(rec, rl, 0));
    /* every bit of the body flipped: bad_record_mac */
    int wrong = 0;
    for (size_t i = 5; i < rl; i++) {
        for (int bit = 0; bit < 8; bit++) {
            rec[i] ^= (uint8_t)(1 << bit);
            wrong += open_fresh(rec, rl, 0) != GMTLS_ALERT_BAD_RECORD_MAC;
            rec[i] ^= (uint8_t)(1 << bit);
        }
    }
    CHECK(wrong == 0);
    /* type and version are under the MAC */
    rec[0] = 22;
    CHECK(open_fresh(rec, rl, 0) == GMTLS_ALERT_BAD_RECORD_MAC);
    rec[0] = 23;
    rec[2] = 3;
    CHECK(open_fresh(rec, rl, 0) == GMTLS_ALERT_BAD_RECORD_MAC);
    rec[2] = 1;
    /* replayed or reordered: the sequence number is under the MAC */
    CHECK(open_fresh(rec, rl, 1) == GMTLS_ALERT_BAD_RECORD_MAC);
    /* header length disagreeing with the body */
    rec[4] ^= 1;
    CHECK(open_fresh(rec, rl, 0) == GMTLS_ALERT_DECODE_ERROR);
    rec[4] ^= 1;
    /* truncated by a block, by one byte; too short to hold a MAC */
    uint8_t t[200];
    memcpy(t, rec, rl);
    t[4] = (uint8_t)(rl - 5 - 16);
    CHECK(open_fresh(t, rl - 16, 0) == GMTLS_ALERT_BAD_RECORD_MAC);
    t[4] = (uint8_t)(rl - 5 - 1);
    CHECK(open_fresh(t, rl - 1, 0) == GMTLS_ALERT_BAD_RECORD_MAC);
    t[3] = 0;
    t[4] = 48;
    CHECK(open_fresh(t, 5 + 48, 0) == GMTLS_ALERT_BAD_RECORD_MAC);
    t[4] = 0;
    CHECK(open_fresh(t, 5, 0) == GMTLS_ALERT_BAD_RECORD_MAC);

    /* correct MAC, bad paddings (built with OpenSSL): all bad_record_mac */
    seq_hdr(h, 0, 23, TLCP, 41);
    ossl_hmac_sm3(h, 13, data, 41, mac);
    /* 41 + 32 = 73: 7 bytes of padding (value 6) to 80 */
    memset(padding, 6, 7);
    CHECK(open_fresh(rec, ossl_cbc_record(rec, 23, TLCP, data, 41, mac, padding, 7), 0) == 0);
    for (int i = 0; i < 6; i++) {
        memset(padding, 6, 7);
        padding[i] = 5; /* one padding byte wrong */
        CHECK(open_fresh(rec, ossl_cbc_record(rec, 23, TLCP, data, 41, mac, padding, 7), 0) ==
              GMTLS_ALERT_BAD_RECORD_MAC);
    }
    /* padding_length larger than the plaintext can hold */
    memset(padding, 0xff, 7);
    CHECK(open_fresh(rec, ossl_cbc_record(rec, 23, TLCP, data, 41, mac, padding, 7), 0) == GMTLS_ALERT_BAD_RECORD_MAC);
    /* SSLv3-style padding (arbitrary bytes, only the length right) */
    memset(padding, 0, 7);
    padding[6] = 6;
    CHECK(open_fresh(rec, ossl_cbc_record(rec, 23, TLCP, data, 41, mac, padding, 7), 0) == GMTLS_ALERT_BAD_RECORD_MAC);
    /* padding that claims 22 bytes (a valid shape with 16 more) over
     * content whose tail happens to be padding-like: MAC fails */
    memset(padding, 22, 23);
    CHECK(open_fresh(rec, ossl_cbc_record(rec, 23, TLCP, data, 25, mac, padding, 23), 0) == GMTLS_ALERT_BAD_RECORD_MAC);
    /* good padding, wrong MAC (over another sequence number) */
    seq_hdr(h, 5, 23, TLCP, 41);
    ossl_hmac_sm3(h, 13, data, 41, mac);
    memset(padding, 6, 7);
    CHECK(open_fresh(rec, ossl_cbc_record(rec, 23, TLCP, data, 41, mac, padding, 7), 0) == GMTLS_ALERT_BAD_RECORD_MAC);

    /* limits: content of 2^14 + 1 bytes with a correct MAC: record_overflow
     * (after authentication); ciphertext over 2^14 + 2048: record_overflow */
    {
        uint8_t *big = malloc(16400);
        RAND_bytes(big, 16400);
        size_t bl = ossl_good_record(rec, 0, 23, big, 16385, minpad(16385));
        CHECK(open_fresh(rec, bl, 0) == GMTLS_ALERT_RECORD_OVERFLOW);
        bl = ossl_good_record(rec, 0, 23, big, 16384, minpad(16384));
        CHECK(open_fresh(rec, bl, 0) == 0);
        size_t body = 16384 + 2048 + 16;
        rec[3] = (uint8_t)(body >> 8);
        rec[4] = (uint8_t)body;
        CHECK(open_fresh(rec, 5 + body, 0) == GMTLS_ALERT_RECORD_OVERFLOW);
        body = 16384 + 2048;
        rec[3] = (uint8_t)(body >> 8);
        rec[4] = (uint8_t)body;
        CHECK(open_fresh(rec, 5 + body, 0) == GMTLS_ALERT_BAD_RECORD_MAC);
        free(big);
    }
    /* the reader's sequence number advances only on success */
    {
        gmtls_cbc_rec r;
        uint8_t buf[400], *pl;
        size_t pn;
        gmtls_cbc_rec_init(&r, mac_key, enc_key);
        out.off = 0;
        CHECK_OK(gmtls_cbc_rec_seal(&w, &out, 23, TLCP, data, 10, 0));
        size_t l1 = out.off;
        CHECK_OK(gmtls_cbc_rec_seal(&w, &out, 23, TLCP, data, 20, 0));
        /* w's records are numbers 1 and 2; r expects 0 */
        CHECK(open_copy(&r, out.base, l1, buf, &pl, &pn) == GMTLS_ALERT_BAD_RECORD_MAC);
        CHECK(r.seq == 0);
        r.seq = 1;
        CHECK_OK(open_copy(&r, out.base, l1, buf, &pl, &pn));
        CHECK_OK(open_copy(&r, out.base + l1, out.off - l1, buf, &pl, &pn));
        CHECK(pn == 20 && r.seq == 3);
        gmtls_cbc_rec_dispose(&r);
    }
    gmtls_buf_dispose(&out);
    gmtls_cbc_rec_dispose(&w);
}

/* ------------------------------------------------------------------ AEAD */

static size_t ossl_gcm_record(const EVP_CIPHER *ciph, const uint8_t *key, const uint8_t salt[4], uint64_t seq,
                              uint8_t type, const uint8_t *data, size_t len, uint8_t *rec)
{
    uint8_t nonce[12], aad[13];
    memcpy(nonce, salt, 4);
    for (int i = 0; i < 8; i++) {
        nonce[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
    }
    seq_hdr(aad, seq, type, TLCP, len);
    size_t body = 8 + len + 16;
    rec[0] = type;
    rec[1] = 1;
    rec[2] = 1;
    rec[3] = (uint8_t)(body >> 8);
    rec[4] = (uint8_t)body;
    memcpy(rec + 5, nonce + 4, 8);
    if (ciph == NULL) {
        /* SM4-GCM: OpenSSL 3.0 has none; the SM4-GCM primitive (tested on
         * its own against published vectors) stands in */
        gmtls_sm4_gcm_ctx g;
        gmtls_sm4_gcm_init(&g, key);
        memcpy(rec + 13, data, len);
        CHECK_OK(gmtls_sm4_gcm_seal(&g, nonce, 12, aad, 13, rec + 13, len, rec + 13 + len, 16));
        gmtls_sm4_gcm_clear(&g);
        return 5 + body;
    }
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int outl = 0;
    EVP_EncryptInit_ex(c, ciph, NULL, key, nonce);
    EVP_EncryptUpdate(c, NULL, &outl, aad, 13);
    EVP_EncryptUpdate(c, rec + 13, &outl, data, (int)len);
    EVP_EncryptFinal_ex(c, rec + 13 + len, &outl);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, rec + 13 + len);
    EVP_CIPHER_CTX_free(c);
    return 5 + body;
}

/* Opens a copy of rec[0..rl) with r; the type must come back as 23. */
static int rec_open_copy(gmtls_rec *r, const uint8_t *rec, size_t rl, uint8_t *buf, uint8_t **pl, size_t *pn)
{
    uint8_t type = 0;
    memcpy(buf, rec, rl);
    int rc = gmtls_rec_open(r, buf, rl, &type, pl, pn);
    return rc == 0 && type != 23 ? -1 : rc;
}

/* gmtls_rec's explicit-nonce AEAD format with TLCP's version 0x0101. */
static void test_aead(void)
{
    struct {
        const gmtls_aead_alg *alg;
        const EVP_CIPHER *ossl;
    } algs[] = {{&gmtls_aead_sm4gcm, NULL},
                {&gmtls_aead_aes128gcm, EVP_aes_128_gcm()},
                {&gmtls_aead_aes256gcm, EVP_aes_256_gcm()}};
    uint8_t key[32], salt[4], *data = malloc(16384), *rec = malloc(20000), *buf = malloc(20000);
    RAND_bytes(key, sizeof key);
    RAND_bytes(salt, sizeof salt);
    RAND_bytes(data, 16384);
    for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
        const gmtls_suite suite = {.aead = algs[a].alg};
        gmtls_rec w = {0}, r = {0}, o = {0};
        CHECK_OK(gmtls_rec_set_keys12(&w, &suite, 1, key, salt, TLCP));
        CHECK_OK(gmtls_rec_set_keys12(&r, &suite, 0, key, salt, TLCP));
        CHECK_OK(gmtls_rec_set_keys12(&o, &suite, 0, key, salt, TLCP));
        CHECK(w.explicit_len == 8);
        gmtls_buf out;
        gmtls_buf_init(&out);
        int bad = 0;
        static const size_t lens[] = {0, 1, 15, 16, 17, 100, 1000, 16383, 16384};
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t len = lens[li];
            out.off = 0;
            uint64_t seq = w.seq;
            CHECK_OK(gmtls_rec_write(&w, &out, 23, data, len, 0));
            /* byte-exact against OpenSSL with the same nonce */
            size_t rl = ossl_gcm_record(algs[a].ossl, key, salt, seq, 23, data, len, rec);
            bad += rl != out.off || memcmp(rec, out.base, rl) != 0;
            uint8_t *pl;
            size_t pn;
            bad += rec_open_copy(&r, out.base, out.off, buf, &pl, &pn) != 0 || pn != len ||
                   (len > 0 && memcmp(pl, data, len) != 0);
            bad += rec_open_copy(&o, rec, rl, buf, &pl, &pn) != 0 || pn != len;
        }
        CHECK(bad == 0);
        /* tampering: each byte of a short record (type, explicit nonce,
         * ciphertext, tag), the sequence number. The header's version is
         * not read: the AAD carries the version the keys were set with, so
         * a record of another version fails below. */
        out.off = 0;
        uint64_t seq = w.seq;
        CHECK_OK(gmtls_rec_write(&w, &out, 23, data, 20, 0));
        int wrong = 0;
        for (size_t i = 0; i < out.off; i++) {
            if (i >= 1 && i < 5) {
                continue; /* version (above) and length (a decode error, below) */
            }
            gmtls_rec t = {0};
            uint8_t *pl;
            size_t pn;
            CHECK_OK(gmtls_rec_set_keys12(&t, &suite, 0, key, salt, TLCP));
            t.seq = seq;
            memcpy(buf, out.base, out.off);
            buf[i] ^= 0x40;
            wrong += rec_open_copy(&t, buf, out.off, rec, &pl, &pn) != GMTLS_ALERT_BAD_RECORD_MAC;
            gmtls_rec_dispose(&t);
        }
        CHECK(wrong == 0);
        {
            gmtls_rec t = {0}, w12 = {0};
            uint8_t *pl;
            size_t pn;
            CHECK_OK(gmtls_rec_set_keys12(&t, &suite, 0, key, salt, TLCP));
            t.seq = seq + 1;
            memcpy(buf, out.base, out.off);
            CHECK(gmtls_rec_open(&t, buf, out.off, &(uint8_t){0}, &pl, &pn) == GMTLS_ALERT_BAD_RECORD_MAC);
            CHECK(t.seq == seq + 1);
            t.seq = seq;
            CHECK(gmtls_rec_open(&t, buf, out.off - 1, &(uint8_t){0}, &pl, &pn) == GMTLS_ALERT_DECODE_ERROR);
            buf[3] = 0;
            buf[4] = 23;
            CHECK(gmtls_rec_open(&t, buf, 5 + 23, &(uint8_t){0}, &pl, &pn) == GMTLS_ALERT_BAD_RECORD_MAC);
            /* 2^14 + 1 bytes of plaintext, and a ciphertext over 2^14 + 2048 */
            size_t body = 8 + 16385 + 16;
            buf[3] = (uint8_t)(body >> 8);
            buf[4] = (uint8_t)body;
            CHECK(gmtls_rec_open(&t, buf, 5 + body, &(uint8_t){0}, &pl, &pn) == GMTLS_ALERT_RECORD_OVERFLOW);
            body = 16384 + 2049;
            buf[3] = (uint8_t)(body >> 8);
            buf[4] = (uint8_t)body;
            CHECK(gmtls_rec_open(&t, buf, 5 + body, &(uint8_t){0}, &pl, &pn) == GMTLS_ALERT_RECORD_OVERFLOW);
            CHECK(t.seq == seq);
            /* the version is under the AAD: a TLS 1.2 (0x0303) record of the
             * same key, sequence number and content fails under TLCP keys,
             * with its own header or with TLCP's */
            CHECK_OK(gmtls_rec_set_keys12(&w12, &suite, 1, key, salt, GMTLS_REC_VERSION_TLS12));
            w12.seq = seq;
            out.off = 0;
            CHECK_OK(gmtls_rec_write(&w12, &out, 23, data, 20, 0));
            CHECK(out.base[1] == 3 && out.base[2] == 3);
            CHECK(rec_open_copy(&t, out.base, out.off, buf, &pl, &pn) == GMTLS_ALERT_BAD_RECORD_MAC);
            out.base[1] = 1;
            out.base[2] = 1;
            CHECK(rec_open_copy(&t, out.base, out.off, buf, &pl, &pn) == GMTLS_ALERT_BAD_RECORD_MAC);
            CHECK(t.seq == seq);
            gmtls_rec_dispose(&t);
            gmtls_rec_dispose(&w12);
        }
        gmtls_buf_dispose(&out);
        gmtls_rec_dispose(&w);
        gmtls_rec_dispose(&r);
        gmtls_rec_dispose(&o);
    }
    free(data);
    free(rec);
    free(buf);
}

int main(void)
{
    RAND_bytes(mac_key, sizeof mac_key);
    RAND_bytes(enc_key, sizeof enc_key);
    test_hmac_ct();
    test_cbc_roundtrip();
    test_cbc_negative();
    test_aead();
    return TEST_END("rec12_test");
}
