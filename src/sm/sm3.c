/*
 * src/sm/sm3.c - SM3 (GB/T 32905-2016), HMAC-SM3 (RFC 2104) and HKDF-SM3
 * (RFC 5869).
 *
 * SM3 processes no secret-dependent branches or memory indexes: every
 * operation is an add, rotate by a constant or boolean function, so the
 * portable code is constant-time as it stands.
 */
#include <string.h>

#include "sm_internal.h"

/* GB/T 32905-2016 §4.1: IV = 7380166f 4914b2b9 172442d7 da8a0600 a96f30bc 163138aa e38dee4d b0fb0e4e */
static const uint32_t sm3_iv[8] = {
    0x7380166fu, 0x4914b2b9u, 0x172442d7u, 0xda8a0600u,
    0xa96f30bcu, 0x163138aau, 0xe38dee4du, 0xb0fb0e4eu,
};

/* GB/T 32905-2016 §4.2: T_j = 79cc4519 (0 <= j <= 15), 7a879d8a (16 <= j <= 63);
 * the compression uses T_j <<< (j mod 32), precomputed here. */
static const uint32_t sm3_tj[64] = {
    0x79cc4519u, 0xf3988a32u, 0xe7311465u, 0xce6228cbu, 0x9cc45197u, 0x3988a32fu, 0x7311465eu, 0xe6228cbcu,
    0xcc451979u, 0x988a32f3u, 0x311465e7u, 0x6228cbceu, 0xc451979cu, 0x88a32f39u, 0x11465e73u, 0x228cbce6u,
    0x9d8a7a87u, 0x3b14f50fu, 0x7629ea1eu, 0xec53d43cu, 0xd8a7a879u, 0xb14f50f3u, 0x629ea1e7u, 0xc53d43ceu,
    0x8a7a879du, 0x14f50f3bu, 0x29ea1e76u, 0x53d43cecu, 0xa7a879d8u, 0x4f50f3b1u, 0x9ea1e762u, 0x3d43cec5u,
    0x7a879d8au, 0xf50f3b14u, 0xea1e7629u, 0xd43cec53u, 0xa879d8a7u, 0x50f3b14fu, 0xa1e7629eu, 0x43cec53du,
    0x879d8a7au, 0x0f3b14f5u, 0x1e7629eau, 0x3cec53d4u, 0x79d8a7a8u, 0xf3b14f50u, 0xe7629ea1u, 0xcec53d43u,
    0x9d8a7a87u, 0x3b14f50fu, 0x7629ea1eu, 0xec53d43cu, 0xd8a7a879u, 0xb14f50f3u, 0x629ea1e7u, 0xc53d43ceu,
    0x8a7a879du, 0x14f50f3bu, 0x29ea1e76u, 0x53d43cecu, 0xa7a879d8u, 0x4f50f3b1u, 0x9ea1e762u, 0x3d43cec5u,
};

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
/* GB/T 32905-2016 §4.4: P0(X) = X ^ (X <<< 9) ^ (X <<< 17); P1(X) = X ^ (X <<< 15) ^ (X <<< 23) */
#define P0(x) ((x) ^ ROL((x), 9) ^ ROL((x), 17))
#define P1(x) ((x) ^ ROL((x), 15) ^ ROL((x), 23))
/* GB/T 32905-2016 §4.3: FF_j = X^Y^Z, GG_j = X^Y^Z for 0 <= j <= 15 */
#define FF0(x, y, z) ((x) ^ (y) ^ (z))
#define GG0(x, y, z) ((x) ^ (y) ^ (z))
/* GB/T 32905-2016 §4.3: FF_j = (X&Y)|(X&Z)|(Y&Z), GG_j = (X&Y)|(~X&Z) for 16 <= j <= 63 */
#define FF1(x, y, z) (((x) & (y)) | (((x) | (y)) & (z)))
#define GG1(x, y, z) ((((y) ^ (z)) & (x)) ^ (z))

/* One round; the caller rotates the roles of the eight registers instead of
 * moving values (B and F are rotated in place, D and H receive the new A/E). */
#define ROUND(a, b, c, d, e, f, g, h, j, FF, GG)                    \
    do {                                                            \
        uint32_t a12 = ROL(a, 12);                                  \
        uint32_t ss1 = ROL(a12 + (e) + sm3_tj[j], 7);               \
        uint32_t ss2 = ss1 ^ a12;                                   \
        uint32_t tt1 = FF(a, b, c) + (d) + ss2 + (w[j] ^ w[(j) + 4]); \
        uint32_t tt2 = GG(e, f, g) + (h) + ss1 + w[j];              \
        b = ROL(b, 9);                                              \
        d = tt1;                                                    \
        f = ROL(f, 19);                                             \
        h = P0(tt2);                                                \
    } while (0)

void gmtls_sm3_portable_blocks(uint32_t hs[8], const uint8_t *in, size_t nblocks)
{
    uint32_t w[68];
    while (nblocks--) {
        /* GB/T 32905-2016 §5.3.2 a): W_0..W_15 are the block as big-endian words */
        for (int j = 0; j < 16; j++) {
            w[j] = gmtls_sm_load_be32(in + 4 * j);
        }
        /* §5.3.2 b): W_j = P1(W_{j-16} ^ W_{j-9} ^ (W_{j-3} <<< 15)) ^ (W_{j-13} <<< 7) ^ W_{j-6} */
        for (int j = 16; j < 68; j++) {
            uint32_t t = w[j - 16] ^ w[j - 9] ^ ROL(w[j - 3], 15);
            w[j] = P1(t) ^ ROL(w[j - 13], 7) ^ w[j - 6];
        }
        uint32_t a = hs[0], b = hs[1], c = hs[2], d = hs[3];
        uint32_t e = hs[4], f = hs[5], g = hs[6], h = hs[7];
        /* §5.3.3: 64 rounds; W'_j = W_j ^ W_{j+4} is formed inline */
        for (int j = 0; j < 16; j += 4) {
            ROUND(a, b, c, d, e, f, g, h, j, FF0, GG0);
            ROUND(d, a, b, c, h, e, f, g, j + 1, FF0, GG0);
            ROUND(c, d, a, b, g, h, e, f, j + 2, FF0, GG0);
            ROUND(b, c, d, a, f, g, h, e, j + 3, FF0, GG0);
        }
        for (int j = 16; j < 64; j += 4) {
            ROUND(a, b, c, d, e, f, g, h, j, FF1, GG1);
            ROUND(d, a, b, c, h, e, f, g, j + 1, FF1, GG1);
            ROUND(c, d, a, b, g, h, e, f, j + 2, FF1, GG1);
            ROUND(b, c, d, a, f, g, h, e, j + 3, FF1, GG1);
        }
        /* §5.3.3: V(i+1) = ABCDEFGH ^ V(i) */
        hs[0] ^= a;
        hs[1] ^= b;
        hs[2] ^= c;
        hs[3] ^= d;
        hs[4] ^= e;
        hs[5] ^= f;
        hs[6] ^= g;
        hs[7] ^= h;
        in += 64;
    }
    gmtls_sm_wipe(w, sizeof w);
}

static void sm3_compress(uint32_t h[8], const uint8_t *in, size_t nblocks)
{
    gmtls_sm_impl_get()->sm3_blocks(h, in, nblocks);
}

void gmtls_sm3_init(gmtls_sm3_ctx *ctx)
{
    memcpy(ctx->h, sm3_iv, sizeof sm3_iv);
    ctx->nbytes = 0;
    ctx->buflen = 0;
    memset(ctx->buf, 0, sizeof ctx->buf);
}

void gmtls_sm3_update(gmtls_sm3_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    if (len == 0) {
        return;
    }
    ctx->nbytes += len;
    if (ctx->buflen > 0) {
        size_t take = 64 - ctx->buflen;
        if (take > len) {
            take = len;
        }
        memcpy(ctx->buf + ctx->buflen, p, take);
        ctx->buflen += take;
        p += take;
        len -= take;
        if (ctx->buflen < 64) {
            return;
        }
        sm3_compress(ctx->h, ctx->buf, 1);
        ctx->buflen = 0;
    }
    if (len >= 64) {
        sm3_compress(ctx->h, p, len / 64);
        p += len & ~(size_t)63;
        len &= 63;
    }
    if (len > 0) {
        memcpy(ctx->buf, p, len);
        ctx->buflen = len;
    }
}

void gmtls_sm3_final(gmtls_sm3_ctx *ctx, uint8_t out[GMTLS_SM3_DIGEST_LEN])
{
    /* GB/T 32905-2016 §5.2: append bit 1, then k zero bits with l+1+k = 448 mod 512, then l as 64 bits */
    uint64_t bits = ctx->nbytes << 3;
    size_t n = ctx->buflen;
    ctx->buf[n++] = 0x80;
    if (n > 56) {
        memset(ctx->buf + n, 0, 64 - n);
        sm3_compress(ctx->h, ctx->buf, 1);
        n = 0;
    }
    memset(ctx->buf + n, 0, 56 - n);
    gmtls_sm_store_be64(ctx->buf + 56, bits);
    sm3_compress(ctx->h, ctx->buf, 1);
    for (int i = 0; i < 8; i++) {
        gmtls_sm_store_be32(out + 4 * i, ctx->h[i]);
    }
    gmtls_sm_wipe(ctx, sizeof *ctx);
}

void gmtls_sm3(const void *data, size_t len, uint8_t out[GMTLS_SM3_DIGEST_LEN])
{
    gmtls_sm3_ctx ctx;
    gmtls_sm3_init(&ctx);
    gmtls_sm3_update(&ctx, data, len);
    gmtls_sm3_final(&ctx, out);
}

/* ------------------------------------------------------------ HMAC-SM3 */

void gmtls_hmac_sm3_init(gmtls_hmac_sm3_ctx *ctx, const void *key, size_t keylen)
{
    uint8_t k[GMTLS_SM3_BLOCK_LEN];
    uint8_t pad[GMTLS_SM3_BLOCK_LEN];
    memset(k, 0, sizeof k);
    /* RFC 2104 §2: keys longer than B bytes are first hashed with H */
    if (keylen > GMTLS_SM3_BLOCK_LEN) {
        gmtls_sm3(key, keylen, k);
    } else if (keylen > 0) {
        memcpy(k, key, keylen);
    }
    /* RFC 2104 §2: H(K XOR ipad, text), ipad = 0x36 repeated B times */
    for (int i = 0; i < GMTLS_SM3_BLOCK_LEN; i++) {
        pad[i] = (uint8_t)(k[i] ^ 0x36);
    }
    gmtls_sm3_init(&ctx->inner);
    gmtls_sm3_update(&ctx->inner, pad, sizeof pad);
    /* RFC 2104 §2: H(K XOR opad, ...), opad = 0x5C repeated B times */
    for (int i = 0; i < GMTLS_SM3_BLOCK_LEN; i++) {
        pad[i] = (uint8_t)(k[i] ^ 0x5c);
    }
    gmtls_sm3_init(&ctx->outer);
    gmtls_sm3_update(&ctx->outer, pad, sizeof pad);
    gmtls_sm_wipe(k, sizeof k);
    gmtls_sm_wipe(pad, sizeof pad);
}

void gmtls_hmac_sm3_update(gmtls_hmac_sm3_ctx *ctx, const void *data, size_t len)
{
    gmtls_sm3_update(&ctx->inner, data, len);
}

void gmtls_hmac_sm3_final(gmtls_hmac_sm3_ctx *ctx, uint8_t out[GMTLS_SM3_DIGEST_LEN])
{
    uint8_t ih[GMTLS_SM3_DIGEST_LEN];
    gmtls_sm3_final(&ctx->inner, ih);
    gmtls_sm3_update(&ctx->outer, ih, sizeof ih);
    gmtls_sm3_final(&ctx->outer, out);
    gmtls_sm_wipe(ih, sizeof ih);
    gmtls_sm_wipe(ctx, sizeof *ctx);
}

void gmtls_hmac_sm3(const void *key, size_t keylen, const void *data, size_t len,
                    uint8_t out[GMTLS_SM3_DIGEST_LEN])
{
    gmtls_hmac_sm3_ctx ctx;
    gmtls_hmac_sm3_init(&ctx, key, keylen);
    gmtls_hmac_sm3_update(&ctx, data, len);
    gmtls_hmac_sm3_final(&ctx, out);
}

/* All-ones if a < b, else 0 (a, b < 2^63), without branching; the barrier
 * keeps the optimiser from turning the masks back into branches. */
static inline uint64_t ct_lt64(uint64_t a, uint64_t b)
{
    __asm__("" : "+r"(a), "+r"(b));
    uint64_t m = (uint64_t)0 - ((a - b) >> 63);
    __asm__("" : "+r"(m));
    return m;
}

static inline uint64_t ct_eq64(uint64_t a, uint64_t b)
{
    __asm__("" : "+r"(a), "+r"(b));
    uint64_t x = a ^ b, m = ((x | ((uint64_t)0 - x)) >> 63) - 1;
    __asm__("" : "+r"(m));
    return m;
}

/*
 * HMAC-SM3 of hdr[0..hdrlen) || data[0..len) where len is secret, with the
 * work (blocks compressed, bytes read) fixed by hdrlen, min_len and max_len
 * alone: the approach of the note in RFC 5246 §6.2.3.2 against Lucky13
 * (compute the MAC over the same amount of data whatever the padding),
 * done exactly. Blocks that lie wholly inside the shortest message are
 * hashed as usual; every later block up to the last one the longest
 * message can need is built byte by byte with masks (data below len, the
 * 0x80 terminator at len, zeros after, the bit length in the final block)
 * and compressed, and the state after the block that is final for len is
 * kept with a mask.
 */
void gmtls_hmac_sm3_ct(const gmtls_hmac_sm3_ctx *key, const uint8_t *hdr, size_t hdrlen, const uint8_t *data,
                       size_t len, size_t min_len, size_t max_len, uint8_t out[GMTLS_SM3_DIGEST_LEN])
{
    gmtls_sm3_ctx c = key->inner;
    uint8_t blk[64], lenb[8];
    uint32_t keep[8] = {0};
    /* the inner state has absorbed exactly the ipad block */
    const uint64_t total = (uint64_t)hdrlen + len, lmin = hdrlen + min_len, lmax = hdrlen + max_len;
    /* GB/T 32905-2016 §5.2: the padded message ends with l, its bit length
     * (the ipad block included), in the block f = (total + 8) / 64 */
    const uint64_t f = (total + 8) >> 6;
    gmtls_sm_store_be64(lenb, (c.nbytes + total) << 3);
    size_t pub = (size_t)(lmin >> 6);
    if ((uint64_t)pub * 64 < hdrlen) {
        pub = 0;
    }
    if (pub > 0) {
        gmtls_sm3_update(&c, hdr, hdrlen);
        gmtls_sm3_update(&c, data, pub * 64 - hdrlen);
    }
    const size_t last = (size_t)((lmax + 8) >> 6);
    for (size_t j = pub; j <= last; j++) {
        const uint64_t is_final = ct_eq64(j, f);
        for (size_t b = 0; b < 64; b++) {
            size_t i = j * 64 + b;
            /* which buffer byte i comes from is public (i, hdrlen, max_len) */
            uint8_t m = i < hdrlen ? hdr[i] : i - hdrlen < max_len ? data[i - hdrlen] : 0;
            uint8_t v = (uint8_t)(m & ct_lt64(i, total)) | (uint8_t)(0x80 & ct_eq64(i, total));
            if (b >= 56) {
                v |= (uint8_t)(lenb[b - 56] & is_final);
            }
            blk[b] = v;
        }
        sm3_compress(c.h, blk, 1);
        for (int w = 0; w < 8; w++) {
            keep[w] |= c.h[w] & (uint32_t)is_final;
        }
    }
    uint8_t ih[GMTLS_SM3_DIGEST_LEN];
    for (int w = 0; w < 8; w++) {
        gmtls_sm_store_be32(ih + 4 * w, keep[w]);
    }
    gmtls_sm3_ctx o = key->outer;
    gmtls_sm3_update(&o, ih, sizeof ih);
    gmtls_sm3_final(&o, out);
    gmtls_sm_wipe(&c, sizeof c);
    gmtls_sm_wipe(blk, sizeof blk);
    gmtls_sm_wipe(keep, sizeof keep);
    gmtls_sm_wipe(ih, sizeof ih);
}

/* ------------------------------------------------------------ HKDF-SM3 */

void gmtls_hkdf_sm3_extract(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
                            size_t ikmlen, uint8_t prk[GMTLS_SM3_DIGEST_LEN])
{
    static const uint8_t zeros[GMTLS_SM3_DIGEST_LEN];
    /* RFC 5869 §2.2: if salt is not provided, it is set to a string of HashLen zeros */
    if (salt == NULL || saltlen == 0) {
        salt = zeros;
        saltlen = sizeof zeros;
    }
    /* RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM) */
    gmtls_hmac_sm3(salt, saltlen, ikm, ikmlen, prk);
}

int gmtls_hkdf_sm3_expand(const uint8_t *prk, size_t prklen, const uint8_t *info,
                          size_t infolen, uint8_t *out, size_t outlen)
{
    /* RFC 5869 §2.3: L <= 255*HashLen */
    if (outlen > 255 * GMTLS_SM3_DIGEST_LEN) {
        return -1;
    }
    gmtls_hmac_sm3_ctx base, ctx;
    uint8_t t[GMTLS_SM3_DIGEST_LEN];
    size_t tlen = 0, done = 0;
    gmtls_hmac_sm3_init(&base, prk, prklen);
    /* RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), T(0) = empty */
    for (uint8_t i = 1; done < outlen; i++) {
        ctx = base;
        gmtls_hmac_sm3_update(&ctx, t, tlen);
        if (infolen > 0) {
            gmtls_hmac_sm3_update(&ctx, info, infolen);
        }
        gmtls_hmac_sm3_update(&ctx, &i, 1);
        gmtls_hmac_sm3_final(&ctx, t);
        tlen = sizeof t;
        size_t take = outlen - done < tlen ? outlen - done : tlen;
        memcpy(out + done, t, take);
        done += take;
    }
    gmtls_sm_wipe(&base, sizeof base);
    gmtls_sm_wipe(t, sizeof t);
    return 0;
}
