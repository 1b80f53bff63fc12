/* tests/sm/sm4_test.c - SM4 block cipher, modes and AEAD known answers,
 * the S-box circuit, tamper detection; once per CPU path. */
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

int main(void)
{
    test_sbox();
    SM_FOR_EACH_PATH(path) {
        printf("sm4_test: cpu path %s\n", path);
        test_block();
        test_cbc_ctr();
        test_gcm();
        test_ccm();
    }
    return TEST_END("sm4_test");
}
