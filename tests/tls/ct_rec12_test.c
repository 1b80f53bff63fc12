/*
 * tests/tls/ct_rec12_test.c - constant-time check ("ctgrind", as
 * tests/sm/ct_sm2_test.c) of the TLCP CBC record path: the MAC and
 * encryption keys are marked undefined for valgrind's memcheck, so the
 * decrypted plaintext, its padding length, the content length and the MAC
 * are all "undefined", and any branch or memory index that depends on them
 * (a Lucky13-style timing leak: padding checked with an early exit, a MAC
 * over a padding-dependent number of blocks, the MAC read at a
 * padding-dependent address) fails the run under
 *   valgrind --error-exitcode=1 ct_rec12_test
 * rec12.c is compiled in with GMTLS_REC12_CTGRIND, which declassifies the
 * verdict (and, for a good record, the content length) where they become
 * public. Records with good paddings of every size, bad paddings and bad
 * MACs are opened. Without valgrind the marks are no-ops and the program
 * still checks the results.
 */
#include <valgrind/memcheck.h>

#include "record/rec12.h"
#include "test.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static const uint8_t MAC_KEY[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t ENC_KEY[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

/* A record crafted with public keys: content || MAC || padding as given,
 * SM4-CBC under a zero IV. */
static size_t craft(uint8_t *rec, uint64_t seq, const uint8_t *content, size_t len, int mac_ok, const uint8_t *pad,
                    size_t padlen)
{
    uint8_t h[13];
    for (int i = 0; i < 8; i++) {
        h[i] = (uint8_t)(seq >> (56 - 8 * i));
    }
    h[8] = 23;
    h[9] = 1;
    h[10] = 1;
    h[11] = (uint8_t)(len >> 8);
    h[12] = (uint8_t)len;
    uint8_t *p = rec + 5 + 16;
    memcpy(p, content, len);
    gmtls_hmac_sm3_ctx m;
    gmtls_hmac_sm3_init(&m, MAC_KEY, sizeof MAC_KEY);
    gmtls_hmac_sm3_update(&m, h, sizeof h);
    gmtls_hmac_sm3_update(&m, content, len);
    gmtls_hmac_sm3_final(&m, p + len);
    p[len] ^= (uint8_t)(mac_ok ? 0 : 1);
    memcpy(p + len + 32, pad, padlen);
    size_t plen = len + 32 + padlen, body = 16 + plen;
    memset(rec + 5, 0, 16);
    uint8_t iv[16] = {0};
    gmtls_sm4_key ks;
    gmtls_sm4_set_key(&ks, ENC_KEY);
    gmtls_sm4_cbc_encrypt(&ks, iv, p, p, plen / 16);
    rec[0] = 23;
    rec[1] = 1;
    rec[2] = 1;
    rec[3] = (uint8_t)(body >> 8);
    rec[4] = (uint8_t)body;
    return 5 + body;
}

static int open_secret(const uint8_t *rec, size_t rl, uint64_t seq, uint8_t *buf, size_t *len)
{
    uint8_t mk[32], ek[16], *pl;
    memcpy(mk, MAC_KEY, 32);
    memcpy(ek, ENC_KEY, 16);
    SECRET(mk, sizeof mk);
    SECRET(ek, sizeof ek);
    gmtls_cbc_rec r;
    gmtls_cbc_rec_init(&r, mk, ek);
    r.seq = seq;
    memcpy(buf, rec, rl);
    int rc = gmtls_cbc_rec_open(&r, buf, buf + 5, rl - 5, &pl, len);
    if (rc == 0) {
        PUBLIC(pl, *len);
    }
    gmtls_cbc_rec_dispose(&r);
    return rc;
}

int main(void)
{
    uint8_t content[400], rec[1000], buf[1000], pad[256];
    size_t n;
    for (size_t i = 0; i < sizeof content; i++) {
        content[i] = (uint8_t)(i * 7 + 3);
    }
    /* good records: content 0..48 bytes with every padding length that
     * fits (0..255), the same ciphertext length for many paddings */
    int bad = 0;
    for (size_t len = 0; len <= 48; len += 16) {
        for (size_t p = (16 - (len + 33) % 16) % 16; p <= 255; p += 16) {
            memset(pad, (int)p, p + 1);
            size_t rl = craft(rec, 3, content, len, 1, pad, p + 1);
            bad += open_secret(rec, rl, 3, buf, &n) != 0 || n != len || memcmp(buf + 21, content, len) != 0;
        }
    }
    CHECK(bad == 0);
    /* the same record length (304 bytes of plaintext) with paddings 15..255
     * and content 272..32: good, bad padding byte, bad MAC */
    int wrong = 0;
    for (size_t p = 15; p <= 255; p += 16) {
        size_t len = 304 - 33 - p;
        memset(pad, (int)p, p + 1);
        size_t rl = craft(rec, 9, content, len, 1, pad, p + 1);
        CHECK(rl == 5 + 16 + 304);
        wrong += open_secret(rec, rl, 9, buf, &n) != 0;
        pad[p / 2] ^= 0x10;
        wrong += open_secret(rec, craft(rec, 9, content, len, 1, pad, p + 1), 9, buf, &n) != GMTLS_ALERT_BAD_RECORD_MAC;
        pad[p / 2] ^= 0x10;
        wrong += open_secret(rec, craft(rec, 9, content, len, 0, pad, p + 1), 9, buf, &n) != GMTLS_ALERT_BAD_RECORD_MAC;
    }
    CHECK(wrong == 0);
    /* a padding length beyond the plaintext */
    memset(pad, 0xf0, 16);
    CHECK(open_secret(rec, craft(rec, 0, content, 0, 1, pad, 16), 0, buf, &n) == GMTLS_ALERT_BAD_RECORD_MAC);

    /* sealing with secret keys and secret content */
    {
        uint8_t mk[32], ek[16], secret_content[100];
        memcpy(mk, MAC_KEY, 32);
        memcpy(ek, ENC_KEY, 16);
        memcpy(secret_content, content, sizeof secret_content);
        SECRET(mk, sizeof mk);
        SECRET(ek, sizeof ek);
        SECRET(secret_content, sizeof secret_content);
        gmtls_cbc_rec w;
        gmtls_cbc_rec_init(&w, mk, ek);
        gmtls_buf out;
        gmtls_buf_init(&out);
        for (size_t extra = 0; extra < 3; extra++) {
            out.off = 0;
            uint64_t seq = w.seq;
            CHECK_OK(
                gmtls_cbc_rec_seal(&w, &out, 23, GMTLS_TLCP_VERSION, secret_content, sizeof secret_content, extra));
            PUBLIC(out.base, out.off); /* the record is public */
            CHECK(open_secret(out.base, out.off, seq, buf, &n) == 0 && n == sizeof secret_content &&
                  memcmp(buf + 21, content, n) == 0);
        }
        gmtls_buf_dispose(&out);
        gmtls_cbc_rec_dispose(&w);
    }
    return TEST_END("ct_rec12_test");
}
