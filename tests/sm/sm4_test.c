/* tests/sm/sm4_test.c - SM4 block cipher, modes and AEAD known answers,
 * the S-box circuit and its GFNI / AES-NI affine forms, tamper detection,
 * and every dispatched primitive against the portable one; once per CPU
 * path. */
#include "gmtls/sm.h"
#include "sm/sm_internal.h"
#include "sm_paths.h"
#include "test.h"

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static void rnd_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)rnd();
    }
}

/* ---------------------------------------------------------- S-box */

/* Reference arithmetic in GF(2)[t]/(t^8+t^7+t^6+t^5+t^4+t^2+1). */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
    unsigned r = 0, x = a;
    for (int i = 0; i < 8; i++) {
        if (b >> i & 1) {
            r ^= x << i;
        }
    }
    for (int k = 14; k >= 8; k--) {
        if (r >> k & 1) {
            r ^= 0x1f5u << (k - 8);
        }
    }
    return (uint8_t)r;
}
static uint8_t gf_inv(uint8_t a)
{
    uint8_t r = 1;
    for (int i = 0; i < 254; i++) {
        r = gf_mul(r, a);
    }
    return a ? r : 0;
}
/* y bit i = parity(rows[i] & x) */
static uint8_t mat8(const uint8_t rows[8], uint8_t x)
{
    uint8_t y = 0;
    for (int i = 0; i < 8; i++) {
        y |= (uint8_t)((__builtin_popcount(rows[i] & x) & 1) << i);
    }
    return y;
}

static void test_sbox(void)
{
    /* The affine decomposition documented in sm4.c:
     * S(x) = A * inv(A * x + 0xD3) + 0xD3 */
    static const uint8_t a[8] = {0xa7, 0x4f, 0x9e, 0x3d, 0x7a, 0xf4, 0xe9, 0xd3};
    int decomp_ok = 1, circuit_ok = 1;
    for (int x = 0; x < 256; x++) {
        uint8_t s = gmtls_sm4_sbox_table[x];
        if ((uint8_t)(mat8(a, gf_inv((uint8_t)(mat8(a, (uint8_t)x) ^ 0xd3))) ^ 0xd3) != s) {
            decomp_ok = 0;
        }
        if (gmtls_sm4_sbox_ct((uint8_t)x) != s) {
            circuit_ok = 0;
            fprintf(stderr, "  sbox circuit(%02x) = %02x, table %02x\n", x, gmtls_sm4_sbox_ct((uint8_t)x), s);
        }
    }
    CHECK(decomp_ok);
    CHECK(circuit_ok);
    /* The table is a permutation and matches spot values of GB/T 32907 Table 1. */
    int seen[256] = {0}, perm = 1;
    for (int x = 0; x < 256; x++) {
        perm &= !seen[gmtls_sm4_sbox_table[x]]++;
    }
    CHECK(perm);
    CHECK(gmtls_sm4_sbox_table[0x00] == 0xd6 && gmtls_sm4_sbox_table[0xff] == 0x48);
    CHECK(gmtls_sm4_sbox_table[0xef] == 0x84 && gmtls_sm4_sbox_table[0x10] == 0x2b);
}

/* --------------------------------------------------------- block */

static const void *million_done[8];

/* The GFNI and AES-NI forms of the S-box (sm_internal.h), evaluated with a
 * software model of the instructions, against the standard's table. */
static uint8_t aes_mul(uint8_t a, uint8_t b)
{
    unsigned r = 0, x = a;
    for (int i = 0; i < 8; i++) {
        if (b >> i & 1) {
            r ^= x;
        }
        x <<= 1;
        if (x & 0x100) {
            x ^= 0x11b;
        }
    }
    return (uint8_t)r;
}
static uint8_t aes_inv(uint8_t a)
{
    uint8_t r = 1;
    for (int i = 0; i < 254; i++) {
        r = aes_mul(r, a);
    }
    return a ? r : 0;
}
/* GF2P8AFFINEQB on one byte: bit i = parity(byte (7-i) of m & x) ^ bit i of c */
static uint8_t gfni_affine(uint64_t m, uint8_t x, uint8_t c)
{
    uint8_t y = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t row = (uint8_t)(m >> (8 * (7 - i)));
        y |= (uint8_t)((__builtin_popcount(row & x) & 1) << i);
    }
    return (uint8_t)(y ^ c);
}
/* FIPS 197 §5.1.1 SubBytes: inverse in GF(2^8), then the affine map with 0x63 */
static uint8_t aes_subbyte(uint8_t x)
{
    uint8_t b = aes_inv(x), r = 0x63;
    for (int i = 0; i < 8; i++) {
        int bit = (b >> i ^ b >> ((i + 4) & 7) ^ b >> ((i + 5) & 7) ^ b >> ((i + 6) & 7) ^
                   b >> ((i + 7) & 7)) & 1;
        r ^= (uint8_t)(bit << i);
    }
    return r;
}
static void test_sbox_simd_forms(void)
{
    static const uint8_t pre_lo[16] = {GMTLS_SM4_AESNI_PRE_LO}, pre_hi[16] = {GMTLS_SM4_AESNI_PRE_HI};
    static const uint8_t post_lo[16] = {GMTLS_SM4_AESNI_POST_LO},
                         post_hi[16] = {GMTLS_SM4_AESNI_POST_HI};
    int gfni_ok = 1, aesni_ok = 1;
    CHECK(aes_subbyte(0x00) == 0x63 && aes_subbyte(0x53) == 0xed); /* FIPS 197 §5.1.1 example */
    for (int x = 0; x < 256; x++) {
        uint8_t s = gmtls_sm4_sbox_table[x];
        /* GF2P8AFFINEINVQB(GF2P8AFFINEQB(x, PRE, c1), POST, c2) */
        uint8_t g = gfni_affine(GMTLS_SM4_GFNI_PRE, (uint8_t)x, GMTLS_SM4_GFNI_PRE_C);
        g = gfni_affine(GMTLS_SM4_GFNI_POST, aes_inv(g), GMTLS_SM4_GFNI_POST_C);
        gfni_ok &= g == s;
        /* nibble tables around AESENCLAST's SubBytes */
        uint8_t a = (uint8_t)(pre_lo[x & 15] ^ pre_hi[x >> 4]);
        a = aes_subbyte(a);
        a = (uint8_t)(post_lo[a & 15] ^ post_hi[a >> 4]);
        aesni_ok &= a == s;
    }
    CHECK(gfni_ok);
    CHECK(aesni_ok);

    /* The Y-domain round of sm4_gfni_avx512.c: for words x,
     * A1*L(tau(x)) = a ^ R24 a ^ b ^ R8 b ^ R16 b ^ R8 c ^ R16 c ^ R24 c with
     * a, b, c = GF2P8AFFINEINVQB(A1*x + c1) under MA, MB, MC; and A1^-1*A1 = I. */
    int y_ok = 1, inv_ok = 1;
    for (int i = 0; i < 4096; i++) {
        uint32_t x = (uint32_t)rnd(), lx, ya = 0, a = 0, b = 0, c = 0;
        x = (x & ~(0xffu << (8 * (i & 3)))) | (uint32_t)(i >> 2 & 0xff) << (8 * (i & 3));
        uint32_t t = 0;
        for (int j = 0; j < 4; j++) {
            t |= (uint32_t)gmtls_sm4_sbox_table[x >> (8 * j) & 0xff] << (8 * j);
        }
        lx = t ^ gmtls_sm_rotl32(t, 2) ^ gmtls_sm_rotl32(t, 10) ^ gmtls_sm_rotl32(t, 18) ^
             gmtls_sm_rotl32(t, 24);
        for (int j = 0; j < 4; j++) {
            uint8_t xb = (uint8_t)(x >> (8 * j)), lb = (uint8_t)(lx >> (8 * j));
            uint8_t u = aes_inv(gfni_affine(GMTLS_SM4_GFNI_PRE, xb, GMTLS_SM4_GFNI_PRE_C));
            ya |= (uint32_t)gfni_affine(GMTLS_SM4_GFNI_PRE, lb, 0) << (8 * j);
            a |= (uint32_t)gfni_affine(GMTLS_SM4_Y_MA, u, GMTLS_SM4_Y_CA) << (8 * j);
            b |= (uint32_t)gfni_affine(GMTLS_SM4_Y_MB, u, GMTLS_SM4_Y_CB) << (8 * j);
            c |= (uint32_t)gfni_affine(GMTLS_SM4_Y_MC, u, GMTLS_SM4_Y_CC) << (8 * j);
        }
        uint32_t got = a ^ gmtls_sm_rotl32(a, 24) ^ b ^ gmtls_sm_rotl32(b, 8) ^
                       gmtls_sm_rotl32(b, 16) ^ gmtls_sm_rotl32(c, 8) ^ gmtls_sm_rotl32(c, 16) ^
                       gmtls_sm_rotl32(c, 24);
        y_ok &= got == ya;
    }
    for (int v = 0; v < 256; v++) {
        inv_ok &= gfni_affine(GMTLS_SM4_Y_A1INV, gfni_affine(GMTLS_SM4_GFNI_PRE, (uint8_t)v, 0), 0) == v;
    }
    CHECK(y_ok);
    CHECK(inv_ok);
}

static void test_block(void)
{
    uint8_t key[16], pt[16], want[16], ct[16], back[16];
    /* GB/T 32907-2016 Appendix A, example 1 */
    test_unhex("0123456789abcdeffedcba9876543210", key, 16);
    test_unhex("0123456789abcdeffedcba9876543210", pt, 16);
    test_unhex("681edf34d206965e86b3e94f536e4246", want, 16);
    gmtls_sm4_key ks;
    gmtls_sm4_set_key(&ks, key);
    gmtls_sm4_encrypt_block(&ks, pt, ct);
    CHECK_MEM(ct, want, 16);
    gmtls_sm4_decrypt_block(&ks, ct, back);
    CHECK_MEM(back, pt, 16);
    /* GB/T 32907-2016 §A.2 key schedule: rk0 = f12186f9, rk31 = 9124a012 */
    CHECK(ks.rk_enc[0] == 0xf12186f9u && ks.rk_enc[31] == 0x9124a012u);
    CHECK(ks.rk_dec[0] == 0x9124a012u);

    /* GB/T 32907-2016 Appendix A, example 2: 1,000,000 encryptions. The
     * block core is shared between paths, so run it once per core. */
    const void *core = (const void *)gmtls_sm_impl_get()->sm4_blocks;
    int done = 0;
    for (int i = 0; i < 8 && million_done[i] != NULL; i++) {
        done |= million_done[i] == core;
    }
    if (!done) {
        for (int i = 0; i < 8; i++) {
            if (million_done[i] == NULL) {
                million_done[i] = core;
                break;
            }
        }
        memcpy(ct, pt, 16);
        for (int i = 0; i < 1000000; i++) {
            gmtls_sm4_encrypt_block(&ks, ct, ct);
        }
        test_unhex("595298c7c6fd271f0402f804c33d3f66", want, 16);
        CHECK_MEM(ct, want, 16);
    }

    /* ECB over many blocks equals block-at-a-time, both directions, in place. */
    uint8_t buf[16 * 37], ref[16 * 37];
    rnd_bytes(buf, sizeof buf);
    for (size_t n = 0; n <= 37; n++) {
        for (size_t i = 0; i < n; i++) {
            gmtls_sm4_encrypt_block(&ks, buf + 16 * i, ref + 16 * i);
        }
        uint8_t tmp[16 * 37];
        memcpy(tmp, buf, sizeof tmp);
        gmtls_sm4_ecb_encrypt(&ks, tmp, tmp, n);
        CHECK_MEM(tmp, ref, 16 * n);
        gmtls_sm4_ecb_decrypt(&ks, tmp, tmp, n);
        CHECK_MEM(tmp, buf, 16 * n);
    }
    gmtls_sm4_key_clear(&ks);
    static const gmtls_sm4_key zero;
    CHECK(memcmp(&ks, &zero, sizeof ks) == 0);
}

static void test_cbc_ctr(void)
{
    uint8_t key[16], iv[16], iv2[16], pt[16 * 40], ct[16 * 40], tmp[16 * 40];
    gmtls_sm4_key ks;
    rnd_bytes(key, 16);
    rnd_bytes(iv, 16);
    rnd_bytes(pt, sizeof pt);
    gmtls_sm4_set_key(&ks, key);

    /* CBC: one call, then the same in chained pieces, in place. */
    memcpy(iv2, iv, 16);
    gmtls_sm4_cbc_encrypt(&ks, iv2, pt, ct, 40);
    CHECK_MEM(iv2, ct + 16 * 39, 16);
    /* first block by definition: E(P1 ^ IV) */
    uint8_t x[16];
    for (int i = 0; i < 16; i++) {
        x[i] = pt[i] ^ iv[i];
    }
    gmtls_sm4_encrypt_block(&ks, x, x);
    CHECK_MEM(x, ct, 16);
    memcpy(tmp, pt, sizeof tmp);
    memcpy(iv2, iv, 16);
    gmtls_sm4_cbc_encrypt(&ks, iv2, tmp, tmp, 3);
    gmtls_sm4_cbc_encrypt(&ks, iv2, tmp + 48, tmp + 48, 37);
    CHECK_MEM(tmp, ct, sizeof ct);
    memcpy(iv2, iv, 16);
    gmtls_sm4_cbc_decrypt(&ks, iv2, tmp, tmp, 17);
    gmtls_sm4_cbc_decrypt(&ks, iv2, tmp + 16 * 17, tmp + 16 * 17, 23);
    CHECK_MEM(tmp, pt, sizeof pt);
    CHECK_MEM(iv2, ct + 16 * 39, 16);

    /* CTR: whole-buffer call equals per-block definition and chained calls. */
    memcpy(iv2, iv, 16);
    gmtls_sm4_ctr_xor(&ks, iv2, pt, ct, 16 * 40 - 5);
    uint8_t c[16];
    memcpy(c, iv, 16);
    int ok = 1;
    for (int b = 0; b < 40; b++) {
        uint8_t k[16];
        gmtls_sm4_encrypt_block(&ks, c, k);
        for (int i = 0; i < 16 && 16 * b + i < 16 * 40 - 5; i++) {
            ok &= ct[16 * b + i] == (uint8_t)(pt[16 * b + i] ^ k[i]);
        }
        for (int i = 15; i >= 0 && ++c[i] == 0; i--) {
        }
    }
    CHECK(ok);
    CHECK_MEM(iv2, c, 16); /* counter advanced past the partial block */
    memcpy(tmp, pt, sizeof tmp);
    memcpy(iv2, iv, 16);
    gmtls_sm4_ctr_xor(&ks, iv2, tmp, tmp, 16 * 7);
    gmtls_sm4_ctr_xor(&ks, iv2, tmp + 16 * 7, tmp + 16 * 7, 16 * 33 - 5);
    CHECK_MEM(tmp, ct, 16 * 40 - 5);
    /* Counter carries across all 128 bits. */
    memset(iv2, 0xff, 16);
    gmtls_sm4_ctr_xor(&ks, iv2, pt, tmp, 32);
    uint8_t zero16[16] = {0}, one16[16] = {0}, k0[16];
    one16[15] = 1;
    memset(c, 0xff, 16);
    gmtls_sm4_encrypt_block(&ks, zero16, k0);
    for (int i = 0; i < 16; i++) {
        k0[i] ^= pt[16 + i];
    }
    CHECK_MEM(tmp + 16, k0, 16);
    CHECK_MEM(iv2, one16, 16);
    gmtls_sm4_key_clear(&ks);
}

/* --------------------------------------------------------- AEAD */

static const char *rfc_key = "0123456789abcdeffedcba9876543210";
static const char *rfc_iv = "00001234567800000000abcd";
static const char *rfc_aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
static const char *rfc_pt = "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
                            "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa";

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

typedef int (*open_fn)(const void *ctx, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
                       size_t aadlen, uint8_t *buf, size_t len, const uint8_t *tag, size_t taglen);

static int gcm_open_w(const void *c, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
                      size_t aadlen, uint8_t *buf, size_t len, const uint8_t *tag, size_t taglen)
{
    return gmtls_sm4_gcm_open((const gmtls_sm4_gcm_ctx *)c, iv, ivlen, aad, aadlen, buf, len, tag, taglen);
}
static int ccm_open_w(const void *c, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
                      size_t aadlen, uint8_t *buf, size_t len, const uint8_t *tag, size_t taglen)
{
    return gmtls_sm4_ccm_open((const gmtls_sm4_ccm_ctx *)c, iv, ivlen, aad, aadlen, buf, len, tag, taglen);
}

/* Flip each byte of ciphertext, tag, AAD and nonce in turn: open must fail
 * and leave buf all zero; the untouched message must still open. */
static void tamper_all(const char *what, open_fn open, const void *ctx, const uint8_t *iv,
                       size_t ivlen, const uint8_t *aad, size_t aadlen, const uint8_t *ct,
                       size_t len, const uint8_t *tag, size_t taglen, const uint8_t *pt)
{
    uint8_t buf[128], t[16], a[64], n[64];
    int fails = 0, zeroed = 0, total = 0;
    for (int field = 0; field < 4; field++) {
        size_t flen = field == 0 ? len : field == 1 ? taglen : field == 2 ? aadlen : ivlen;
        for (size_t i = 0; i < flen; i++) {
            memcpy(buf, ct, len);
            memcpy(t, tag, taglen);
            memcpy(a, aad, aadlen);
            memcpy(n, iv, ivlen);
            uint8_t *f = field == 0 ? buf : field == 1 ? t : field == 2 ? a : n;
            f[i] ^= (uint8_t)(1u << (i % 8));
            total++;
            fails += open(ctx, n, ivlen, a, aadlen, buf, len, t, taglen) == -1;
            zeroed += all_zero(buf, len);
        }
    }
    if (fails != total || zeroed != total) {
        fprintf(stderr, "  %s tamper: %d/%d rejected, %d/%d zeroed\n", what, fails, total, zeroed, total);
    }
    CHECK(total == (int)(len + taglen + aadlen + ivlen));
    CHECK(fails == total);
    CHECK(zeroed == total);
    memcpy(buf, ct, len);
    CHECK_OK(open(ctx, iv, ivlen, aad, aadlen, buf, len, tag, taglen));
    CHECK_MEM(buf, pt, len);
}

static void test_gcm(void)
{
    uint8_t key[16], iv[12], aad[20], pt[64], ct[64], want[64], tag[16], wtag[16], buf[64];
    test_unhex(rfc_key, key, 16);
    test_unhex(rfc_iv, iv, 12);
    test_unhex(rfc_aad, aad, 20);
    test_unhex(rfc_pt, pt, 64);
    /* RFC 8998 Appendix A.1 (SM4-GCM) */
    test_unhex("17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
               "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d",
               want, 64);
    test_unhex("83de3541e4c2b58177e065a9bf7b62ec", wtag, 16);
    gmtls_sm4_gcm_ctx ctx;
    gmtls_sm4_gcm_init(&ctx, key);
    memcpy(ct, pt, 64);
    CHECK_OK(gmtls_sm4_gcm_seal(&ctx, iv, 12, aad, 20, ct, 64, tag, 16));
    CHECK_MEM(ct, want, 64);
    CHECK_MEM(tag, wtag, 16);
    memcpy(buf, ct, 64);
    CHECK_OK(gmtls_sm4_gcm_open(&ctx, iv, 12, aad, 20, buf, 64, tag, 16));
    CHECK_MEM(buf, pt, 64);
    /* Truncated tags are prefixes of the full tag. */
    for (size_t tl = 4; tl <= 16; tl++) {
        uint8_t t2[16];
        memcpy(buf, pt, 64);
        CHECK_OK(gmtls_sm4_gcm_seal(&ctx, iv, 12, aad, 20, buf, 64, t2, tl));
        CHECK_MEM(t2, wtag, tl);
        CHECK_OK(gmtls_sm4_gcm_open(&ctx, iv, 12, aad, 20, buf, 64, t2, tl));
    }
    tamper_all("gcm", gcm_open_w, &ctx, iv, 12, aad, 20, ct, 64, tag, 16, pt);
    /* Non-96-bit IV path too (tampering the IV goes through GHASH). */
    uint8_t iv2[17];
    rnd_bytes(iv2, sizeof iv2);
    memcpy(ct, pt, 37);
    CHECK_OK(gmtls_sm4_gcm_seal(&ctx, iv2, 17, aad, 7, ct, 37, tag, 13));
    tamper_all("gcm-iv17", gcm_open_w, &ctx, iv2, 17, aad, 7, ct, 37, tag, 13, pt);

    /* Argument checks: open failures wipe buf. */
    memcpy(buf, pt, 16);
    CHECK_ERR(gmtls_sm4_gcm_seal(&ctx, iv, 0, NULL, 0, buf, 16, tag, 16), -1);
    CHECK_ERR(gmtls_sm4_gcm_seal(&ctx, iv, 12, NULL, 0, buf, 16, tag, 3), -1);
    CHECK_ERR(gmtls_sm4_gcm_seal(&ctx, iv, 12, NULL, 0, buf, 16, tag, 17), -1);
    CHECK_MEM(buf, pt, 16);
    CHECK_ERR(gmtls_sm4_gcm_open(&ctx, iv, 0, NULL, 0, buf, 16, tag, 16), -1);
    CHECK(all_zero(buf, 16));
    /* Empty message and AAD still produce an authentic tag. */
    CHECK_OK(gmtls_sm4_gcm_seal(&ctx, iv, 12, NULL, 0, NULL, 0, tag, 16));
    CHECK_OK(gmtls_sm4_gcm_open(&ctx, iv, 12, NULL, 0, NULL, 0, tag, 16));
    tag[0] ^= 1;
    CHECK_ERR(gmtls_sm4_gcm_open(&ctx, iv, 12, NULL, 0, NULL, 0, tag, 16), -1);
    gmtls_sm4_gcm_clear(&ctx);
    CHECK(all_zero((const uint8_t *)&ctx, sizeof ctx));
}

static void test_ccm(void)
{
    uint8_t key[16], iv[12], aad[20], pt[64], ct[64], want[64], tag[16], wtag[16], buf[64];
    test_unhex(rfc_key, key, 16);
    test_unhex(rfc_iv, iv, 12);
    test_unhex(rfc_aad, aad, 20);
    test_unhex(rfc_pt, pt, 64);
    /* RFC 8998 Appendix A.2 (SM4-CCM) */
    test_unhex("48af93501fa62adbcd414cce6034d895dda1bf8f132f042098661572e7483094"
               "fd12e518ce062c98acee28d95df4416bed31a2f04476c18bb40c84a74b97dc5b",
               want, 64);
    test_unhex("16842d4fa186f56ab33256971fa110f4", wtag, 16);
    gmtls_sm4_ccm_ctx ctx;
    gmtls_sm4_ccm_init(&ctx, key);
    memcpy(ct, pt, 64);
    CHECK_OK(gmtls_sm4_ccm_seal(&ctx, iv, 12, aad, 20, ct, 64, tag, 16));
    CHECK_MEM(ct, want, 64);
    CHECK_MEM(tag, wtag, 16);
    memcpy(buf, ct, 64);
    CHECK_OK(gmtls_sm4_ccm_open(&ctx, iv, 12, aad, 20, buf, 64, tag, 16));
    CHECK_MEM(buf, pt, 64);
    tamper_all("ccm", ccm_open_w, &ctx, iv, 12, aad, 20, ct, 64, tag, 16, pt);
    /* Every nonce length 7..13 and every even tag length 4..16 round-trips. */
    for (size_t nl = 7; nl <= 13; nl++) {
        for (size_t tl = 4; tl <= 16; tl += 2) {
            uint8_t n[16];
            rnd_bytes(n, nl);
            size_t len = (size_t)(rnd() % 64), al = (size_t)(rnd() % 21);
            memcpy(buf, pt, len);
            CHECK_OK(gmtls_sm4_ccm_seal(&ctx, n, nl, aad, al, buf, len, tag, tl));
            CHECK_OK(gmtls_sm4_ccm_open(&ctx, n, nl, aad, al, buf, len, tag, tl));
            CHECK_MEM(buf, pt, len);
        }
    }
    /* A 7-byte nonce tampered everywhere, short tag. */
    memcpy(ct, pt, 33);
    CHECK_OK(gmtls_sm4_ccm_seal(&ctx, iv, 7, aad, 3, ct, 33, tag, 6));
    tamper_all("ccm-n7", ccm_open_w, &ctx, iv, 7, aad, 3, ct, 33, tag, 6, pt);
    /* Bad parameters */
    memcpy(buf, pt, 16);
    CHECK_ERR(gmtls_sm4_ccm_seal(&ctx, iv, 6, NULL, 0, buf, 16, tag, 16), -1);
    CHECK_ERR(gmtls_sm4_ccm_seal(&ctx, iv, 14, NULL, 0, buf, 16, tag, 16), -1);
    CHECK_ERR(gmtls_sm4_ccm_seal(&ctx, iv, 12, NULL, 0, buf, 16, tag, 5), -1);
    CHECK_ERR(gmtls_sm4_ccm_seal(&ctx, iv, 12, NULL, 0, buf, 16, tag, 2), -1);
    CHECK_ERR(gmtls_sm4_ccm_seal(&ctx, iv, 12, NULL, 0, buf, 16, tag, 18), -1);
    CHECK_MEM(buf, pt, 16);
    CHECK_ERR(gmtls_sm4_ccm_open(&ctx, iv, 12, NULL, 0, buf, 16, tag, 15), -1);
    CHECK(all_zero(buf, 16));
    /* 13-byte nonce: q = 2, so the payload is limited to 65535 bytes. */
    uint8_t *big = calloc(1, 65536);
    CHECK(big != NULL);
    if (big != NULL) {
        uint8_t n13[13] = {0};
        CHECK_OK(gmtls_sm4_ccm_seal(&ctx, n13, 13, NULL, 0, big, 65535, tag, 16));
        CHECK_ERR(gmtls_sm4_ccm_seal(&ctx, n13, 13, NULL, 0, big, 65536, tag, 16), -1);
        free(big);
    }
    gmtls_sm4_ccm_clear(&ctx);
    CHECK(all_zero((const uint8_t *)&ctx, sizeof ctx));
}

/* ------------------------------------------- each path against portable */

/* The dispatched primitives of the current path against the portable ones,
 * over lengths that reach every main loop and tail (1..140 blocks) and
 * counters that carry across 32-, 64- and 128-bit boundaries. */
static void test_cross_path(void)
{
    const gmtls_sm_impl *impl = gmtls_sm_impl_get();
    enum { NB = 140 };
    uint8_t key[16], *in = malloc(16 * NB), *a = malloc(16 * NB), *b = malloc(16 * NB);
    gmtls_sm4_key ks;
    CHECK(in != NULL && a != NULL && b != NULL);
    if (in == NULL || a == NULL || b == NULL) {
        free(in);
        free(a);
        free(b);
        return;
    }
    rnd_bytes(key, 16);
    rnd_bytes(in, 16 * NB);
    gmtls_sm4_set_key(&ks, key);
    static const size_t ns[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64,
                                65, 95, 96, 97, 127, 128, 129, 140};
    int ok_ecb = 1, ok_ctr = 1, ok_ctr32 = 1, ok_mac = 1, ok_gh = 1;
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        size_t n = ns[t];
        impl->sm4_blocks(ks.rk_enc, in, a, n);
        gmtls_sm4_portable_blocks(ks.rk_enc, in, b, n);
        ok_ecb &= memcmp(a, b, 16 * n) == 0;
        impl->sm4_blocks(ks.rk_dec, a, a, n);
        ok_ecb &= memcmp(a, in, 16 * n) == 0;
        /* CTR: 128-bit counters near word boundaries */
        static const char *ctrs[] = {"000102030405060708090a0bfffffff0",
                                     "0001020304050607fffffffffffffff7",
                                     "00010203fffffffffffffffffffffff9",
                                     "ffffffffffffffffffffffffffffffc0"};
        for (size_t c = 0; c < 4; c++) {
            uint8_t ca[16], cb[16];
            test_unhex(ctrs[c], ca, 16);
            memcpy(cb, ca, 16);
            impl->sm4_ctr(ks.rk_enc, ca, in, a, n);
            gmtls_sm4_portable_ctr(ks.rk_enc, cb, in, b, n);
            ok_ctr &= memcmp(a, b, 16 * n) == 0 && memcmp(ca, cb, 16) == 0;
            /* GCM's inc32 (wraps mod 2^32, upper 96 bits fixed) */
            test_unhex(ctrs[c], ca, 16);
            memcpy(cb, ca, 16);
            memcpy(a, in, 16 * n);
            memcpy(b, in, 16 * n);
            impl->sm4_ctr32(ks.rk_enc, ca, a, n, 0xffffffffu);
            gmtls_sm4_portable_ctr32(ks.rk_enc, cb, b, n, 0xffffffffu);
            ok_ctr32 &= memcmp(a, b, 16 * n) == 0 && memcmp(ca, cb, 16) == 0;
            /* keep = 0: zeros out, counter still advances */
            impl->sm4_ctr32(ks.rk_enc, ca, a, n, 0);
            ok_ctr32 &= all_zero(a, 16 * n);
            gmtls_sm4_portable_ctr32(ks.rk_enc, cb, b, n, 0);
            ok_ctr32 &= memcmp(ca, cb, 16) == 0;
        }
        /* CCM kernel: MAC chain and independent counter blocks, all count mixes */
        static const size_t mixes[][2] = {{0, 1}, {1, 0}, {1, 1}, {1, 3}, {3, 1}, {2, 2}};
        for (size_t m = 0; m < 6; m++) {
            size_t nm = mixes[m][0] ? n * mixes[m][0] / (mixes[m][1] > 1 ? mixes[m][1] : 1) : 0;
            size_t nc = mixes[m][1] ? n * mixes[m][1] / (mixes[m][0] > 1 ? mixes[m][0] : 1) : 0;
            nm = nm > NB / 2 ? NB / 2 : nm;
            nc = nc > NB / 2 ? NB / 2 : nc;
            uint8_t ya[16], yb[16];
            rnd_bytes(ya, 16);
            memcpy(yb, ya, 16);
            impl->sm4_mac_ctr(ks.rk_enc, ya, in, nm, in + 16 * (NB / 2), a, nc);
            gmtls_sm4_portable_mac_ctr(ks.rk_enc, yb, in, nm, in + 16 * (NB / 2), b, nc);
            ok_mac &= memcmp(ya, yb, 16) == 0 && memcmp(a, b, 16 * nc) == 0;
        }
    }
    /* GHASH (the path's key material) against the portable multiplication */
    gmtls_sm4_gcm_ctx *g = malloc(sizeof *g);
    CHECK(g != NULL);
    if (g != NULL) {
        gmtls_sm4_gcm_init(g, key);
        for (size_t n = 0; n <= 70; n++) {
            uint8_t ya[16], yb[16];
            rnd_bytes(ya, 16);
            memcpy(yb, ya, 16);
            impl->ghash(g, ya, in, n);
            gmtls_ghash_portable(g, yb, in, n);
            ok_gh &= memcmp(ya, yb, 16) == 0;
        }
        gmtls_sm4_gcm_clear(g);
        free(g);
    }
    CHECK(ok_ecb);
    CHECK(ok_ctr);
    CHECK(ok_ctr32);
    CHECK(ok_mac);
    CHECK(ok_gh);
    gmtls_sm4_key_clear(&ks);
    free(in);
    free(a);
    free(b);
}

/* Long AEAD messages: the portable path (first in the loop) records
 * SM3(ciphertext || tag) per case, every later path must match, and each
 * sealed message must open again (and fail, wiped, with a flipped bit). */
static void test_long_aead(const char *path)
{
    static const size_t lens[] = {0, 1, 15, 16, 17, 255, 256, 257, 511, 512, 1023, 1024, 1025,
                                  2047, 4109, 16384, 16397};
    enum { NL = sizeof lens / sizeof lens[0], NCASE = 3 * NL };
    static uint8_t ref[NCASE][32];
    static int have_ref;
    const int record = strcmp(path, "portable") == 0;
    uint8_t key[16], iv[13], aad[37], tag[16], h[32];
    uint8_t *buf = malloc(16397), *pt = malloc(16397);
    gmtls_sm4_gcm_ctx *g = malloc(sizeof *g);
    gmtls_sm4_ccm_ctx c;
    CHECK(buf != NULL && pt != NULL && g != NULL);
    if (buf == NULL || pt == NULL || g == NULL) {
        free(buf);
        free(pt);
        free(g);
        return;
    }
    uint64_t save = rng_state;
    rng_state = 0x9e3779b97f4a7c15ull;
    rnd_bytes(key, 16);
    rnd_bytes(iv, 13);
    rnd_bytes(aad, sizeof aad);
    rnd_bytes(pt, 16397);
    rng_state = save;
    gmtls_sm4_gcm_init(g, key);
    gmtls_sm4_ccm_init(&c, key);
    int ok_ref = 1, ok_open = 1, ok_bad = 1;
    for (size_t k = 0; k < NCASE; k++) {
        size_t len = lens[k % NL];
        int mode = (int)(k / NL); /* 0: GCM 12-byte IV, 1: GCM 13-byte IV, 2: CCM */
        memcpy(buf, pt, len);
        if (mode < 2) {
            CHECK_OK(gmtls_sm4_gcm_seal(g, iv, mode ? 13 : 12, aad, sizeof aad, buf, len, tag, 16));
        } else {
            CHECK_OK(gmtls_sm4_ccm_seal(&c, iv, 12, aad, sizeof aad, buf, len, tag, 16));
        }
        gmtls_sm3_ctx sc;
        gmtls_sm3_init(&sc);
        gmtls_sm3_update(&sc, buf, len);
        gmtls_sm3_update(&sc, tag, 16);
        gmtls_sm3_final(&sc, h);
        if (record) {
            memcpy(ref[k], h, 32);
        } else if (have_ref) {
            ok_ref &= memcmp(ref[k], h, 32) == 0;
        }
        int r = mode < 2 ? gmtls_sm4_gcm_open(g, iv, mode ? 13 : 12, aad, sizeof aad, buf, len, tag, 16)
                         : gmtls_sm4_ccm_open(&c, iv, 12, aad, sizeof aad, buf, len, tag, 16);
        ok_open &= r == 0 && memcmp(buf, pt, len) == 0;
        if (len > 0) {
            memcpy(buf, pt, len);
            if (mode < 2) {
                gmtls_sm4_gcm_seal(g, iv, mode ? 13 : 12, aad, sizeof aad, buf, len, tag, 16);
            } else {
                gmtls_sm4_ccm_seal(&c, iv, 12, aad, sizeof aad, buf, len, tag, 16);
            }
            buf[len / 2] ^= 0x20;
            r = mode < 2 ? gmtls_sm4_gcm_open(g, iv, mode ? 13 : 12, aad, sizeof aad, buf, len, tag, 16)
                         : gmtls_sm4_ccm_open(&c, iv, 12, aad, sizeof aad, buf, len, tag, 16);
            ok_bad &= r == -1 && all_zero(buf, len);
        }
    }
    if (record) {
        have_ref = 1;
    }
    CHECK(ok_ref);
    CHECK(ok_open);
    CHECK(ok_bad);
    gmtls_sm4_gcm_clear(g);
    gmtls_sm4_ccm_clear(&c);
    free(g);
    free(buf);
    free(pt);
}

int main(void)
{
    test_sbox();
    test_sbox_simd_forms();
    SM_FOR_EACH_PATH(path) {
        printf("sm4_test: cpu path %s\n", path);
        test_block();
        test_cbc_ctr();
        test_gcm();
        test_ccm();
        test_cross_path();
        test_long_aead(path);
    }
    return TEST_END("sm4_test");
}
