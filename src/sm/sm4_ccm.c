/*
 * src/sm/sm4_ccm.c - SM4-CCM (NIST SP 800-38C with SM4 as the block
 * cipher): CBC-MAC over the formatted B_0 || encoded A || P, then CTR.
 */
#include <string.h>

#include "sm_internal.h"

/* Blocks per MAC + CTR step. */
#define CCM_CHUNK_BLOCKS 64

void gmtls_sm4_ccm_init(gmtls_sm4_ccm_ctx *ctx, const uint8_t key[GMTLS_SM4_KEY_LEN])
{
    gmtls_sm4_set_key(&ctx->ks, key);
}

void gmtls_sm4_ccm_clear(gmtls_sm4_ccm_ctx *ctx)
{
    gmtls_sm_wipe(ctx, sizeof *ctx);
}

/* Running CBC-MAC: y = CIPH(y ^ block) for every complete 16 bytes fed;
 * a partial block waits in pend until more data or a zero-padded flush. */
typedef struct {
    const gmtls_sm_impl *impl;
    const uint32_t *rk;
    uint8_t y[16];
    size_t pend;
} ccm_mac;

/* y = CIPH(y) (the data was already XORed into y). */
static void mac_block(ccm_mac *m)
{
    static const uint8_t zero[16];
    m->impl->sm4_mac_ctr(m->rk, m->y, zero, 1, NULL, NULL, 0);
    m->pend = 0;
}

static void mac_feed(ccm_mac *m, const uint8_t *data, size_t len)
{
    while (len > 0) {
        size_t take = 16 - m->pend < len ? 16 - m->pend : len;
        for (size_t i = 0; i < take; i++) {
            m->y[m->pend + i] ^= data[i];
        }
        m->pend += take;
        data += take;
        len -= take;
        if (m->pend == 16) {
            mac_block(m);
        }
    }
}

/* SP 800-38C A.2.2/A.2.3: associated data and payload are each padded with zeros to a block boundary */
static void mac_flush(ccm_mac *m)
{
    if (m->pend > 0) {
        mac_block(m);
    }
}

/* SP 800-38C A.1: 7 <= n <= 13 (q = 15 - n), t in {4,6,8,10,12,14,16}, Q < 2^(8q) */
static int ccm_args_ok(const uint8_t *nonce, size_t noncelen, const uint8_t *aad, size_t aadlen,
                       const uint8_t *buf, size_t len, const void *tag, size_t taglen)
{
    if (nonce == NULL || noncelen < 7 || noncelen > 13) {
        return 0;
    }
    if (tag == NULL || taglen < 4 || taglen > 16 || (taglen & 1) != 0) {
        return 0;
    }
    if ((aad == NULL && aadlen > 0) || (buf == NULL && len > 0)) {
        return 0;
    }
    size_t q = 15 - noncelen;
    if (q < 8 && ((uint64_t)len >> (8 * q)) != 0) {
        return 0;
    }
    return 1;
}

/* CBC-MAC over B_0 || encoded A (SP 800-38C A.2.1, A.2.2), into m; the
 * payload blocks follow (ccm_payload). */
static void ccm_mac_header(ccm_mac *m, const gmtls_sm_impl *impl, const gmtls_sm4_ccm_ctx *ctx,
                           const uint8_t *nonce, size_t noncelen, const uint8_t *aad,
                           size_t aadlen, size_t len, size_t taglen)
{
    uint8_t b0[16], enc[10];
    size_t q = 15 - noncelen, enclen;
    m->impl = impl;
    m->rk = ctx->ks.rk_enc;
    memset(m->y, 0, 16);
    m->pend = 0;
    /* SP 800-38C A.2.1: Flags = 64*Adata + 8*[(t-2)/2] + [q-1], then N, then [Q]_8q */
    b0[0] = (uint8_t)((aadlen > 0 ? 64 : 0) | (((taglen - 2) / 2) << 3) | (q - 1));
    memcpy(b0 + 1, nonce, noncelen);
    uint64_t ql = (uint64_t)len;
    for (size_t i = 0; i < q; i++) {
        b0[15 - i] = (uint8_t)(i < 8 ? ql >> (8 * i) : 0);
    }
    mac_feed(m, b0, 16);
    if (aadlen > 0) {
        uint64_t a = (uint64_t)aadlen;
        /* SP 800-38C A.2.2: 0 < a < 2^16-2^8: [a]_16; 2^16-2^8 <= a < 2^32: 0xff||0xfe||[a]_32;
         * 2^32 <= a < 2^64: 0xff||0xff||[a]_64 */
        if (a < 0xff00u) {
            enc[0] = (uint8_t)(a >> 8);
            enc[1] = (uint8_t)a;
            enclen = 2;
        } else if (a < ((uint64_t)1 << 32)) {
            enc[0] = 0xff;
            enc[1] = 0xfe;
            gmtls_sm_store_be32(enc + 2, (uint32_t)a);
            enclen = 6;
        } else {
            enc[0] = 0xff;
            enc[1] = 0xff;
            gmtls_sm_store_be64(enc + 2, a);
            enclen = 10;
        }
        mac_feed(m, enc, enclen);
        mac_feed(m, aad, aadlen);
        /* SP 800-38C A.2.2: the associated data is padded with zeros to a block boundary */
        mac_flush(m);
    }
}

/* SP 800-38C A.3: Ctr_i = Flags || N || [i]_8q with Flags = q - 1. */
static void ccm_ctr_block(uint8_t ctr[16], const uint8_t *nonce, size_t noncelen, uint64_t i)
{
    size_t q = 15 - noncelen;
    ctr[0] = (uint8_t)(q - 1);
    memcpy(ctr + 1, nonce, noncelen);
    for (size_t k = 0; k < q; k++) {
        ctr[15 - k] = (uint8_t)(k < 8 ? i >> (8 * k) : 0);
    }
}

/*
 * The payload: the CBC-MAC over P (SP 800-38C A.2.3, zero-padded) and
 * the CTR encryption with Ctr_1, Ctr_2, ... (§6.1 steps 6-8), in one pass
 * through impl->sm4_mac_ctr, which runs the serial MAC chain and the
 * (parallel) counter blocks side by side. Sealing MACs each plaintext
 * chunk while computing its key stream; opening computes the key stream
 * of chunk k while MACing the already decrypted chunk k-1.
 */
static void ccm_payload(ccm_mac *m, int seal, const uint8_t *nonce, size_t noncelen, uint8_t *buf,
                        size_t len)
{
    uint8_t ctr[16 * CCM_CHUNK_BLOCKS], ks[16 * CCM_CHUNK_BLOCKS], last[16];
    size_t full = len / 16, rest = len % 16, done = 0, prev = 0;
    uint64_t i = 1;
    const uint8_t *prev_p = NULL;
    while (done < full) {
        size_t n = full - done < CCM_CHUNK_BLOCKS ? full - done : CCM_CHUNK_BLOCKS;
        uint8_t *p = buf + 16 * done;
        for (size_t b = 0; b < n; b++) {
            ccm_ctr_block(ctr + 16 * b, nonce, noncelen, i++);
        }
        if (seal) {
            m->impl->sm4_mac_ctr(m->rk, m->y, p, n, ctr, ks, n);
        } else {
            m->impl->sm4_mac_ctr(m->rk, m->y, prev_p, prev, ctr, ks, n);
        }
        for (size_t b = 0; b < 16 * n; b++) {
            p[b] ^= ks[b];
        }
        prev_p = p;
        prev = seal ? 0 : n;
        done += n;
    }
    if (rest > 0) {
        uint8_t *p = buf + 16 * full;
        ccm_ctr_block(ctr, nonce, noncelen, i);
        memset(last, 0, sizeof last);
        if (seal) {
            /* MAC the zero-padded final plaintext block with its counter block */
            memcpy(last, p, rest);
            m->impl->sm4_mac_ctr(m->rk, m->y, last, 1, ctr, ks, 1);
        } else {
            m->impl->sm4_mac_ctr(m->rk, m->y, prev_p, prev, ctr, ks, 1);
            prev = 0;
        }
        for (size_t b = 0; b < rest; b++) {
            p[b] ^= ks[b];
        }
        if (!seal) {
            memcpy(last, p, rest);
            m->impl->sm4_mac_ctr(m->rk, m->y, last, 1, NULL, NULL, 0);
        }
    }
    if (prev > 0) {
        m->impl->sm4_mac_ctr(m->rk, m->y, prev_p, prev, NULL, NULL, 0);
    }
    gmtls_sm_wipe(ks, sizeof ks);
    gmtls_sm_wipe(last, sizeof last);
}

/* tagout = MSB_Tlen(T) ^ MSB_Tlen(S_0) (SP 800-38C §6.1 step 9) */
static void ccm_s0_xor(const gmtls_sm_impl *impl, const gmtls_sm4_ccm_ctx *ctx,
                       const uint8_t *nonce, size_t noncelen, uint8_t t[16])
{
    uint8_t s0[16];
    ccm_ctr_block(s0, nonce, noncelen, 0);
    impl->sm4_blocks(ctx->ks.rk_enc, s0, s0, 1);
    for (int i = 0; i < 16; i++) {
        t[i] ^= s0[i];
    }
    gmtls_sm_wipe(s0, sizeof s0);
}

int gmtls_sm4_ccm_seal(const gmtls_sm4_ccm_ctx *ctx, const uint8_t *nonce, size_t noncelen,
                       const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len, uint8_t *tag,
                       size_t taglen)
{
    if (!ccm_args_ok(nonce, noncelen, aad, aadlen, buf, len, tag, taglen)) {
        return -1;
    }
    const gmtls_sm_impl *impl = gmtls_sm_impl_get();
    ccm_mac m;
    /* SP 800-38C §6.1: T = MSB_Tlen(CBC-MAC(B)), C = (P ^ MSB_Plen(S)) || (T ^ MSB_Tlen(S_0)) */
    ccm_mac_header(&m, impl, ctx, nonce, noncelen, aad, aadlen, len, taglen);
    ccm_payload(&m, 1, nonce, noncelen, buf, len);
    ccm_s0_xor(impl, ctx, nonce, noncelen, m.y);
    memcpy(tag, m.y, taglen);
    gmtls_sm_wipe(&m, sizeof m);
    return 0;
}

int gmtls_sm4_ccm_open(const gmtls_sm4_ccm_ctx *ctx, const uint8_t *nonce, size_t noncelen,
                       const uint8_t *aad, size_t aadlen, uint8_t *buf, size_t len,
                       const uint8_t *tag, size_t taglen)
{
    if (!ccm_args_ok(nonce, noncelen, aad, aadlen, buf, len, tag, taglen)) {
        if (buf != NULL && len > 0) {
            gmtls_sm_wipe(buf, len);
        }
        return -1;
    }
    const gmtls_sm_impl *impl = gmtls_sm_impl_get();
    ccm_mac m;
    /* SP 800-38C §6.2 steps 5-9: decrypt, and recompute the MAC over the plaintext */
    ccm_mac_header(&m, impl, ctx, nonce, noncelen, aad, aadlen, len, taglen);
    ccm_payload(&m, 0, nonce, noncelen, buf, len);
    ccm_s0_xor(impl, ctx, nonce, noncelen, m.y);
    /* SP 800-38C §6.2 step 10: if T != MSB_Tlen(Y_r) return INVALID. The tags
     * are compared in constant time and the outcome is not branched on: buf
     * is ANDed with an all-ones or all-zero mask, so a forged message leaves
     * zeros and the same instruction trace as an authentic one. */
    uint32_t ok = (uint32_t)gmtls_sm_ct_memeq(m.y, tag, taglen);
    const uint8_t keep = (uint8_t)gmtls_sm_value_barrier_u32(0u - ok);
    gmtls_sm_wipe(&m, sizeof m);
    for (size_t i = 0; i < len; i++) {
        buf[i] &= keep;
    }
    /* 0 when authentic, -1 otherwise */
    return (int)ok - 1;
}
