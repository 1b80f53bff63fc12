/*
 * src/sm/sm4_ccm.c - SM4-CCM (NIST SP 800-38C with SM4 as the block
 * cipher): CBC-MAC over the formatted B_0 || encoded A || P, then CTR.
 */
#include <string.h>

#include "sm_internal.h"

#define CCM_CHUNK 256

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
            m->impl->sm4_blocks(m->rk, m->y, m->y, 1);
            m->pend = 0;
        }
    }
}

/* SP 800-38C A.2.2/A.2.3: associated data and payload are each padded with zeros to a block boundary */
static void mac_flush(ccm_mac *m)
{
    if (m->pend > 0) {
        m->impl->sm4_blocks(m->rk, m->y, m->y, 1);
        m->pend = 0;
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

/* CBC-MAC T over B_0 || encoded A || P (P = plaintext), into t[16]. */
static void ccm_mac_compute(const gmtls_sm_impl *impl, const gmtls_sm4_ccm_ctx *ctx,
                            const uint8_t *nonce, size_t noncelen, const uint8_t *aad,
                            size_t aadlen, const uint8_t *p, size_t len, size_t taglen,
                            uint8_t t[16])
{
    ccm_mac m;
    uint8_t b0[16], enc[10];
    size_t q = 15 - noncelen, enclen;
    m.impl = impl;
    m.rk = ctx->ks.rk_enc;
    memset(m.y, 0, 16);
    m.pend = 0;
    /* SP 800-38C A.2.1: Flags = 64*Adata + 8*[(t-2)/2] + [q-1], then N, then [Q]_8q */
    b0[0] = (uint8_t)((aadlen > 0 ? 64 : 0) | (((taglen - 2) / 2) << 3) | (q - 1));
    memcpy(b0 + 1, nonce, noncelen);
    uint64_t ql = (uint64_t)len;
    for (size_t i = 0; i < q; i++) {
        b0[15 - i] = (uint8_t)(i < 8 ? ql >> (8 * i) : 0);
    }
    mac_feed(&m, b0, 16);
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
        mac_feed(&m, enc, enclen);
        mac_feed(&m, aad, aadlen);
        mac_flush(&m);
    }
    mac_feed(&m, p, len);
    mac_flush(&m);
    memcpy(t, m.y, 16);
    gmtls_sm_wipe(&m, sizeof m);
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

/* buf ^= S_1 || S_2 || ... (SP 800-38C §6.1 steps 6-8) */
static void ccm_ctr(const gmtls_sm_impl *impl, const gmtls_sm4_ccm_ctx *ctx, const uint8_t *nonce,
                    size_t noncelen, uint8_t *buf, size_t len)
{
    uint8_t ks[CCM_CHUNK];
    uint64_t i = 1;
    while (len > 0) {
        size_t n = len < CCM_CHUNK ? len : CCM_CHUNK;
        size_t nb = (n + 15) / 16;
        for (size_t b = 0; b < nb; b++) {
            ccm_ctr_block(ks + 16 * b, nonce, noncelen, i++);
        }
        impl->sm4_blocks(ctx->ks.rk_enc, ks, ks, nb);
        for (size_t b = 0; b < n; b++) {
            buf[b] ^= ks[b];
        }
        buf += n;
        len -= n;
    }
    gmtls_sm_wipe(ks, sizeof ks);
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
    uint8_t t[16];
    ccm_mac_compute(impl, ctx, nonce, noncelen, aad, aadlen, buf, len, taglen, t);
    ccm_ctr(impl, ctx, nonce, noncelen, buf, len);
    ccm_s0_xor(impl, ctx, nonce, noncelen, t);
    memcpy(tag, t, taglen);
    gmtls_sm_wipe(t, sizeof t);
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
    uint8_t t[16];
    /* SP 800-38C §6.2 steps 5-8: decrypt, then recompute the MAC over the plaintext */
    ccm_ctr(impl, ctx, nonce, noncelen, buf, len);
    ccm_mac_compute(impl, ctx, nonce, noncelen, aad, aadlen, buf, len, taglen, t);
    ccm_s0_xor(impl, ctx, nonce, noncelen, t);
    /* SP 800-38C §6.2 step 10: if T != MSB_Tlen(Y_r) return INVALID (constant-time compare) */
    int ok = gmtls_sm_ct_memeq(t, tag, taglen);
    gmtls_sm_wipe(t, sizeof t);
    if (!ok) {
        if (len > 0) {
            gmtls_sm_wipe(buf, len);
        }
        return -1;
    }
    return 0;
}
