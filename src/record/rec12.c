/* Pre-1.3 CBC record protection: MAC-then-encrypt SM4-CBC + HMAC-SM3 for
 * TLCP (GB/T 38636-2020 §6.3, RFC 5246 §6.2.3.2). The explicit-nonce AEAD
 * records (TLS 1.2 and TLCP) are gmtls_rec's, in record.c. */
#include "record/rec12.h"
#include "sm/sm_internal.h"

/* Builds for the constant-time test (GMTLS_REC12_CTGRIND) declassify the
 * verdict of a record check, public as the call's result. */
#ifdef GMTLS_REC12_CTGRIND
#include <valgrind/memcheck.h>
#define REC12_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define REC12_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

/* Hides a value from the optimiser, so it cannot turn mask arithmetic back
 * into a branch or a table lookup (it did: a masked scan became an
 * indexed load, caught by ct_rec12_test). */
static inline uint64_t ct_barrier(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(x));
#endif
    return x;
}

/* Masks (all-ones / zero) over values below 2^63, without branches. The
 * inputs pass the barrier too: otherwise loops comparing a counter with a
 * secret get an induction variable counter - secret, from which the
 * compiler derives addresses and the loop test (public in value, secret
 * in origin: valgrind rightly cannot tell). */
static inline uint64_t ct_lt(uint64_t a, uint64_t b)
{
    a = ct_barrier(a);
    b = ct_barrier(b);
    return ct_barrier((uint64_t)0 - ((a - b) >> 63));
}

static inline uint64_t ct_eq(uint64_t a, uint64_t b)
{
    uint64_t x = ct_barrier(a) ^ ct_barrier(b);
    return ct_barrier(((x | ((uint64_t)0 - x)) >> 63) - 1);
}

/* The 13 bytes the MAC and the AEAD cover ahead of the content (RFC 5246
 * §6.2.3.1 / §6.2.3.3, GB/T 38636-2020 §6.3): seq_num || type ||
 * version || length. */
static void mac_header(uint8_t h[13], uint64_t seq, uint8_t type, uint16_t version, size_t len)
{
    for (int i = 0; i < 8; i++) {
        h[i] = (uint8_t)(seq >> (56 - 8 * i));
    }
    h[8] = type;
    h[9] = (uint8_t)(version >> 8);
    h[10] = (uint8_t)version;
    h[11] = (uint8_t)(len >> 8);
    h[12] = (uint8_t)len;
}

static void put_header(uint8_t *p, uint8_t type, uint16_t version, size_t len)
{
    p[0] = type;
    p[1] = (uint8_t)(version >> 8);
    p[2] = (uint8_t)version;
    p[3] = (uint8_t)(len >> 8);
    p[4] = (uint8_t)len;
}

/* ------------------------------------------------------------------ CBC */

void gmtls_cbc_rec_init(gmtls_cbc_rec *r, const uint8_t mac_key[GMTLS_CBC_MAC_LEN],
                        const uint8_t enc_key[GMTLS_CBC_KEY_LEN])
{
    gmtls_sm4_set_key(&r->ks, enc_key);
    gmtls_hmac_sm3_init(&r->mac, mac_key, GMTLS_CBC_MAC_LEN);
    r->seq = 0;
}

void gmtls_cbc_rec_dispose(gmtls_cbc_rec *r)
{
    gmtls_wipe(r, sizeof *r);
}

int gmtls_cbc_rec_seal(gmtls_cbc_rec *r, gmtls_buf *out, uint8_t type, uint16_t version, const uint8_t *data,
                       size_t len, size_t extra_pad_blocks)
{
    /* RFC 5246 §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14 */
    if (len > GMTLS_MAX_PLAINTEXT || (data == NULL && len != 0)) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    /* RFC 5246 §6.1: sequence numbers do not wrap; renegotiate (TLCP) or
     * close before */
    if (r->seq == UINT64_MAX) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    /* RFC 5246 §6.2.3.2: padding_length + 1 + content + MAC is a multiple of
     * the block length; the padding may be up to 255 bytes, each byte
     * holding padding_length */
    size_t pad = (GMTLS_SM4_BLOCK_LEN - (len + GMTLS_CBC_MAC_LEN + 1) % GMTLS_SM4_BLOCK_LEN) % GMTLS_SM4_BLOCK_LEN;
    while (extra_pad_blocks > 0 && pad + GMTLS_SM4_BLOCK_LEN <= 255) {
        pad += GMTLS_SM4_BLOCK_LEN;
        extra_pad_blocks--;
    }
    size_t plen = len + GMTLS_CBC_MAC_LEN + pad + 1, bodylen = GMTLS_SM4_BLOCK_LEN + plen;
    GMTLS_TRY(gmtls_buf_reserve(out, GMTLS_REC_HDR + bodylen));
    uint8_t *hdr = out->base + out->off, *iv = hdr + GMTLS_REC_HDR, *p = iv + GMTLS_SM4_BLOCK_LEN;
    put_header(hdr, type, version, bodylen);
    /* RFC 5246 §6.2.3.2: the IV "SHOULD be chosen at random, and MUST be
     * unpredictable" */
    GMTLS_TRY(gmtls_random(iv, GMTLS_SM4_BLOCK_LEN));
    if (len > 0) {
        memmove(p, data, len);
    }
    /* MAC(MAC_write_key, seq_num + type + version + length + content) */
    uint8_t mh[13];
    gmtls_hmac_sm3_ctx m = r->mac;
    mac_header(mh, r->seq, type, version, len);
    gmtls_hmac_sm3_update(&m, mh, sizeof mh);
    gmtls_hmac_sm3_update(&m, p, len);
    gmtls_hmac_sm3_final(&m, p + len);
    memset(p + len + GMTLS_CBC_MAC_LEN, (int)pad, pad + 1);
    uint8_t chain[GMTLS_SM4_BLOCK_LEN];
    memcpy(chain, iv, sizeof chain);
    gmtls_sm4_cbc_encrypt(&r->ks, chain, p, p, plen / GMTLS_SM4_BLOCK_LEN);
    r->seq++;
    out->off += GMTLS_REC_HDR + bodylen;
    return 0;
}

/*
 * Copies the 32-byte MAC at p[mac_start..) (mac_start secret, within
 * [lo, L - 32]) without a secret-dependent address: every byte of the
 * window [lo, L) is read, OR-ed into rot[] at a public position (i - lo)
 * mod 32, and the rotation by (mac_start - lo) mod 32 is undone with a
 * full scan per output byte.
 */
static void copy_mac(uint8_t mac[GMTLS_CBC_MAC_LEN], const uint8_t *p, size_t lo, size_t L, uint64_t mac_start)
{
    uint8_t rot[GMTLS_CBC_MAC_LEN] = {0};
    const uint64_t mac_end = mac_start + GMTLS_CBC_MAC_LEN;
    for (size_t i = lo, j = 0; i < L; i++, j = (j + 1) % GMTLS_CBC_MAC_LEN) {
        uint64_t in = ~ct_lt(i, mac_start) & ct_lt(i, mac_end);
        rot[j] |= (uint8_t)(p[i] & in);
    }
    const uint64_t shift = (mac_start - lo) % GMTLS_CBC_MAC_LEN;
    for (size_t k = 0; k < GMTLS_CBC_MAC_LEN; k++) {
        uint8_t v = 0;
        /* k through the barrier: else the loop counter becomes shift + k
         * and the store address mac + k is derived from the secret shift */
        const uint64_t want = (shift + ct_barrier(k)) % GMTLS_CBC_MAC_LEN;
        for (size_t s = 0; s < GMTLS_CBC_MAC_LEN; s++) {
            v |= (uint8_t)(rot[s] & ct_eq(s, want));
        }
        mac[k] = v;
    }
    gmtls_wipe(rot, sizeof rot);
}

int gmtls_cbc_rec_open(gmtls_cbc_rec *r, const uint8_t hdr[GMTLS_REC_HDR], uint8_t *body, size_t bodylen,
                       uint8_t **payload, size_t *len)
{
    gmtls_rd rd;
    gmtls_rd_init(&rd, hdr, GMTLS_REC_HDR);
    uint8_t type = gmtls_rd_u8(&rd);
    uint16_t version = (uint16_t)gmtls_rd_u16(&rd);
    size_t n = gmtls_rd_u16(&rd);
    if (rd.err || n != bodylen) {
        return GMTLS_ALERT_DECODE_ERROR;
    }
    /* RFC 5246 §6.2.3: "The length MUST NOT exceed 2^14 + 2048" ->
     * record_overflow */
    if (bodylen > GMTLS_REC12_MAX_CIPHERTEXT) {
        return GMTLS_ALERT_RECORD_OVERFLOW;
    }
    /* An IV and whole blocks holding at least the MAC and the padding
     * length byte; anything else cannot be a record of ours. Public (the
     * length is on the wire), so a plain branch. */
    if (bodylen % GMTLS_SM4_BLOCK_LEN != 0 ||
        bodylen < GMTLS_SM4_BLOCK_LEN + GMTLS_SM4_BLOCK_LEN * ((GMTLS_CBC_MAC_LEN + 1 + 15) / 16)) {
        return GMTLS_ALERT_BAD_RECORD_MAC;
    }
    if (r->seq == UINT64_MAX) {
        return GMTLS_ALERT_BAD_RECORD_MAC;
    }
    uint8_t iv[GMTLS_SM4_BLOCK_LEN];
    memcpy(iv, body, sizeof iv);
    uint8_t *p = body + GMTLS_SM4_BLOCK_LEN;
    const size_t L = bodylen - GMTLS_SM4_BLOCK_LEN;
    gmtls_sm4_cbc_decrypt(&r->ks, iv, p, p, L / GMTLS_SM4_BLOCK_LEN);

    /* RFC 5246 §6.2.3.2: every padding byte equals padding_length; check
     * the last 256 bytes (or all of them) whatever padding_length says */
    uint64_t pad = p[L - 1];
    uint64_t good = ~ct_lt(L, pad + 1 + GMTLS_CBC_MAC_LEN);
    const size_t scan = L < 256 ? L : 256;
    for (size_t i = 0; i < scan; i++) {
        uint64_t in_pad = ~ct_lt(pad, i); /* i <= pad */
        good &= ~(in_pad & ~ct_eq(p[L - 1 - i], pad));
    }
    /* RFC 5246 §6.2.3.2 (implementation note): with a bad padding, carry on
     * as if there were none, so the MAC is computed all the same */
    pad &= good;
    const uint64_t clen = L - GMTLS_CBC_MAC_LEN - 1 - pad;
    const size_t max_len = L - GMTLS_CBC_MAC_LEN - 1;
    const size_t min_len = L > GMTLS_CBC_MAC_LEN + 256 ? L - GMTLS_CBC_MAC_LEN - 256 : 0;

    uint8_t mh[13], want[GMTLS_CBC_MAC_LEN], got[GMTLS_CBC_MAC_LEN];
    mac_header(mh, r->seq, type, version, (size_t)clen);
    gmtls_hmac_sm3_ct(&r->mac, mh, sizeof mh, p, (size_t)clen, min_len, max_len, want);
    copy_mac(got, p, min_len, L, clen);
    good &= (uint64_t)0 - (uint64_t)gmtls_ct_memeq(want, got, GMTLS_CBC_MAC_LEN);
    gmtls_wipe(want, sizeof want);
    gmtls_wipe(got, sizeof got);
    gmtls_wipe(mh, sizeof mh);
    /* the verdict is public; so is the content length of a good record */
    REC12_DECLASSIFY(&good, sizeof good);
    if (!good) {
        /* RFC 5246 §6.2.3.2: a bad padding or MAC is bad_record_mac, the
         * same alert either way */
        gmtls_wipe(p, L);
        return GMTLS_ALERT_BAD_RECORD_MAC;
    }
    REC12_DECLASSIFY((void *)&clen, sizeof clen);
    r->seq++;
    /* RFC 5246 §6.2.1: TLSCompressed (= plaintext) length at most 2^14 */
    if (clen > GMTLS_MAX_PLAINTEXT) {
        return GMTLS_ALERT_RECORD_OVERFLOW;
    }
    *payload = p;
    *len = (size_t)clen;
    return 0;
}
