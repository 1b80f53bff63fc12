/*
 * src/sm/sm_internal.h - internal helpers shared by the ShangMi sources:
 * constant-time utilities, the CPU dispatch table, and the portable
 * building blocks the dispatched implementations fall back to.
 *
 * Nothing here is exported from the shared library (it is built with
 * -fvisibility=hidden and none of these carry GMTLS_API).
 */
#ifndef GMTLS_SM_INTERNAL_H
#define GMTLS_SM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gmtls/sm.h"

/* ------------------------------------------------------- CPU features */

/* The one CPU-feature probe of the library (cpu_features.c), used by every
 * algorithm family; independent of GMTLS_CPU. */
enum {
    GMTLS_CPUF_SSSE3,
    GMTLS_CPUF_SSE41,
    GMTLS_CPUF_PCLMUL,
    GMTLS_CPUF_AES,
    GMTLS_CPUF_AVX2,
    GMTLS_CPUF_BMI2,
    GMTLS_CPUF_ADX,
    GMTLS_CPUF_GFNI,
    GMTLS_CPUF_VPCLMULQDQ,
    GMTLS_CPUF_AVX512F,
    GMTLS_CPUF_AVX512BW,
    GMTLS_CPUF_AVX512VL,
    GMTLS_CPUF_AVX512DQ,
};
/* 1 when the CPU (and the OS, for ymm/zmm state) supports the feature. */
int gmtls_cpu_has(int feature);
/* 1 when GMTLS_CPU=portable: every family then runs its portable code. */
int gmtls_cpu_forced_portable(void);

/* ------------------------------------------------------- constant time */

/* Zero n bytes at p in a way the compiler may not elide. */
void gmtls_sm_wipe(void *p, size_t n);

/* 1 if a[0..n) == b[0..n), else 0; time depends on n only. */
int gmtls_sm_ct_memeq(const void *a, const void *b, size_t n);

/* All-ones (0xFFFFFFFF) if x != 0, else 0, without branching. */
static inline uint32_t gmtls_sm_ct_nonzero_mask32(uint32_t x)
{
    return (uint32_t)0 - ((x | ((uint32_t)0 - x)) >> 31);
}

/* Returns x unchanged but opaque to the optimiser, so it cannot derive
 * branches (e.g. loop exit tests) from a secret-dependent value. */
static inline uint32_t gmtls_sm_value_barrier_u32(uint32_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(x));
#endif
    return x;
}

/* HMAC-SM3 (key: a context after gmtls_hmac_sm3_init, not modified) over
 * hdr[0..hdrlen) || data[0..len) with len secret, min_len <= len <= max_len
 * and data[0..max_len) readable: which blocks are compressed and which
 * bytes read depend on hdrlen, min_len and max_len only (sm3.c; for
 * MAC-then-encrypt records, src/record/cbc.c). hdr may hold secret bytes. */
void gmtls_hmac_sm3_ct(const gmtls_hmac_sm3_ctx *key, const uint8_t *hdr, size_t hdrlen, const uint8_t *data,
                       size_t len, size_t min_len, size_t max_len, uint8_t out[GMTLS_SM3_DIGEST_LEN]);

/* --------------------------------------------------------- byte order */

static inline uint32_t gmtls_sm_load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void gmtls_sm_store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint64_t gmtls_sm_load_be64(const uint8_t *p)
{
    return (uint64_t)gmtls_sm_load_be32(p) << 32 | gmtls_sm_load_be32(p + 4);
}

static inline void gmtls_sm_store_be64(uint8_t *p, uint64_t v)
{
    gmtls_sm_store_be32(p, (uint32_t)(v >> 32));
    gmtls_sm_store_be32(p + 4, (uint32_t)v);
}

static inline uint32_t gmtls_sm_rotl32(uint32_t x, unsigned n)
{
    n &= 31;
    return (x << n) | (x >> ((32 - n) & 31));
}

/* ------------------------------------------------------ CPU dispatch */

/*
 * One implementation path: a name (what gmtls_sm_cpu_path() returns and
 * what GMTLS_CPU selects) and function pointers for the bulk primitives.
 * Faster implementations (AES-NI/GFNI/AVX2/AVX-512) add a table of their
 * own in cpu.c, naming a function (possibly a portable one) for every
 * member.
 *
 *  sm4_blocks: encrypt (rk = rk_enc) or decrypt (rk = rk_dec) nblocks
 *              independent 16-byte blocks (ECB core; in may equal out).
 *  sm4_ctr:    CTR keystream XOR over nblocks whole blocks, counter is a
 *              128-bit big-endian integer, updated.
 *  ghash_init: derive the implementation's GHASH key material from H into
 *              ctx (htable/opaque).
 *  ghash:      Y = (Y ^ X_i) * H over nblocks 16-byte blocks.
 *  sm3_blocks: compress nblocks 64-byte blocks into h.
 *  sm4_ctr32:  GCM's GCTR (SP 800-38D §6.5) over nblocks whole blocks in
 *              place: buf = (buf ^ CIPH(cb), CIPH(inc32(cb)), ...) & keep
 *              (keep = 0xffffffff, or 0 to output zeros: open releases
 *              no plaintext for a bad tag without branching on it); the
 *              low 32 bits of cb (big-endian) advance by nblocks, mod 2^32.
 *  sm4_mac_ctr: CCM's two halves at once: the CBC-MAC chain
 *              y = CIPH(y ^ B_i) over the nmac blocks at mac_in, and,
 *              independently, ks_out[j] = CIPH(ctr_in[j]) for nctr blocks
 *              (either count may be 0). Paths with a latency-bound
 *              single-block core hide the CTR work in the MAC chain.
 */
typedef struct gmtls_sm_impl {
    const char *name;
    void (*sm4_blocks)(const uint32_t rk[32], const uint8_t *in, uint8_t *out, size_t nblocks);
    void (*sm4_ctr)(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in, uint8_t *out,
                    size_t nblocks);
    void (*ghash_init)(gmtls_sm4_gcm_ctx *ctx);
    void (*ghash)(const gmtls_sm4_gcm_ctx *ctx, uint8_t y[16], const uint8_t *in, size_t nblocks);
    void (*sm3_blocks)(uint32_t h[8], const uint8_t *in, size_t nblocks);
    void (*sm4_ctr32)(const uint32_t rk[32], uint8_t cb[16], uint8_t *buf, size_t nblocks,
                      uint32_t keep);
    void (*sm4_mac_ctr)(const uint32_t rk[32], uint8_t y[16], const uint8_t *mac_in, size_t nmac,
                        const uint8_t *ctr_in, uint8_t *ks_out, size_t nctr);
} gmtls_sm_impl;

/* The implementation chosen for this process (CPU features + GMTLS_CPU),
 * resolved once; never NULL, every member non-NULL. */
const gmtls_sm_impl *gmtls_sm_impl_get(void);

/* Re-run the selection (tests use this after changing GMTLS_CPU). */
void gmtls_sm_impl_reset(void);

/* Run the GHASH initialiser of every path the CPU supports on ctx. */
void gmtls_sm_ghash_init_all(gmtls_sm4_gcm_ctx *ctx);

/* Names of all paths this CPU can run, NULL-terminated ("portable" first). */
const char *const *gmtls_sm_cpu_paths_available(void);

/* Portable implementations (always present). */
void gmtls_sm4_portable_blocks(const uint32_t rk[32], const uint8_t *in, uint8_t *out,
                               size_t nblocks);
void gmtls_sm4_portable_ctr(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in,
                            uint8_t *out, size_t nblocks);
void gmtls_ghash_portable_init(gmtls_sm4_gcm_ctx *ctx);
void gmtls_ghash_portable(const gmtls_sm4_gcm_ctx *ctx, uint8_t y[16], const uint8_t *in,
                          size_t nblocks);
void gmtls_sm3_portable_blocks(uint32_t h[8], const uint8_t *in, size_t nblocks);
void gmtls_sm4_portable_ctr32(const uint32_t rk[32], uint8_t cb[16], uint8_t *buf, size_t nblocks,
                             uint32_t keep);
void gmtls_sm4_portable_mac_ctr(const uint32_t rk[32], uint8_t y[16], const uint8_t *mac_in,
                                size_t nmac, const uint8_t *ctr_in, uint8_t *ks_out, size_t nctr);

/* c += n as a 128-bit big-endian integer, without data-dependent branches
 * (the carry is computed arithmetically). */
static inline void gmtls_sm_ctr128_add(uint8_t c[16], uint64_t n)
{
    uint64_t lo = gmtls_sm_load_be64(c + 8), hi = gmtls_sm_load_be64(c);
    uint64_t s = lo + n;
    /* carry out of the low half: majority of the top bits of lo, n, ~s */
    uint64_t carry = ((lo & n) | ((lo | n) & ~s)) >> 63;
    gmtls_sm_store_be64(c + 8, s);
    gmtls_sm_store_be64(c, hi + carry);
}

/*
 * The SM4 S-box as affine maps around inversion in the AES field
 * GF(2)[x]/(x^8+x^4+x^3+x+1) (derived offline; tests/sm/sm4_test.c checks
 * both forms against GB/T 32907 Table 1 for all 256 inputs):
 *
 *   S(x) = A2 * inv_aes(A1 * x + c1) + c2
 *
 * A1 = M*A, c1 = M*0xD3, A2 = A*M^-1, c2 = 0xD3, with A and 0xD3 the SM4-field
 * decomposition documented in sm4.c and M the field isomorphism sending the
 * SM4 field's generator t to 0x23 (a root of t^8+t^7+t^6+t^5+t^4+t^2+1 in the
 * AES field). GFNI operand format: byte 7-i of the 64-bit matrix is the row
 * (input-bit mask) of output bit i, as GF2P8AFFINEQB defines it.
 */
#define GMTLS_SM4_GFNI_PRE 0x4c287db91a22505dull
#define GMTLS_SM4_GFNI_PRE_C 0x3e
#define GMTLS_SM4_GFNI_POST 0xf3ab34a974a6b589ull
#define GMTLS_SM4_GFNI_POST_C 0xd3
/* The same maps for the latency-optimised rounds of sm4_gfni_avx512.c,
 * which keep the state as Y = A1*X: A1^-1, and the GF2P8AFFINEINVQB
 * matrices/constants giving A1*s, A1*Shl2*s and A1*Shr6*s for s = S(x)
 * from inv(A1*x + c1) (Shl2/Shr6: bytewise shifts left 2 / right 6). */
#define GMTLS_SM4_Y_A1INV 0xb3a4f5863284728bull
#define GMTLS_SM4_Y_MA 0x280f0901760dc1afull
#define GMTLS_SM4_Y_CA 0xad
#define GMTLS_SM4_Y_MB 0x2c02b1909fa94018ull
#define GMTLS_SM4_Y_CB 0xdf
#define GMTLS_SM4_Y_MC 0x0000b5b5898900b5ull
#define GMTLS_SM4_Y_CC 0xbc
/* AES-NI form: AESENCLAST computes Aaes*inv(x) + 0x63 (after ShiftRows),
 * so the output map is P = A2*Aaes^-1 with constant P*0x63 + c2. Each affine
 * map is applied as two 16-entry nibble tables (VPSHUFB, a register-only
 * shuffle): f(x) = LO[x & 15] ^ HI[x >> 4], the constant folded into LO. */
#define GMTLS_SM4_AESNI_PRE_LO                                                                   \
    0x3e, 0xb2, 0x0e, 0x82, 0xbb, 0x37, 0x8b, 0x07, 0xa1, 0x2d, 0x91, 0x1d, 0x24, 0xa8, 0x14, 0x98
#define GMTLS_SM4_AESNI_PRE_HI                                                                   \
    0x00, 0xdc, 0x2e, 0xf2, 0xc5, 0x19, 0xeb, 0x37, 0x08, 0xd4, 0x26, 0xfa, 0xcd, 0x11, 0xe3, 0x3f
#define GMTLS_SM4_AESNI_POST_LO                                                                  \
    0x6c, 0xd4, 0xa6, 0x1e, 0x52, 0xea, 0x98, 0x20, 0x0b, 0xb3, 0xc1, 0x79, 0x35, 0x8d, 0xff, 0x47
#define GMTLS_SM4_AESNI_POST_HI                                                                  \
    0x00, 0xe0, 0x50, 0xb0, 0x9d, 0x7d, 0xcd, 0x2d, 0xc0, 0x20, 0x90, 0x70, 0x5d, 0xbd, 0x0d, 0xed

/* PCLMULQDQ GHASH (x86-64 only; cpu.c offers it when the CPU has it). */
#if defined(__x86_64__) || defined(__i386__)
#define GMTLS_SM_HAVE_X86 1
void gmtls_ghash_clmul_init(gmtls_sm4_gcm_ctx *ctx);
void gmtls_ghash_clmul(const gmtls_sm4_gcm_ctx *ctx, uint8_t y[16], const uint8_t *in,
                       size_t nblocks);
/* ctx->opaque layout shared by every (V)PCLMULQDQ GHASH (written by
 * gmtls_ghash_clmul_init): bytes 16*(i-1) hold H^i for i = 1..16 and bytes
 * 256 + 16*(16-i) hold H^i again in descending order (H^16 first), all as
 * big-endian 128-bit integers (byte-reversed blocks). */
#define GMTLS_GHASH_POWERS 16

/* VPCLMULQDQ (AVX-512) GHASH, 16 blocks per reduction. */
void gmtls_ghash_vpclmul512(const gmtls_sm4_gcm_ctx *ctx, uint8_t y[16], const uint8_t *in,
                            size_t nblocks);

/* GFNI + AVX-512 SM4 (sm4_gfni_avx512.c). */
void gmtls_sm4_gfni512_blocks(const uint32_t rk[32], const uint8_t *in, uint8_t *out,
                              size_t nblocks);
void gmtls_sm4_gfni512_ctr(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in,
                           uint8_t *out, size_t nblocks);
void gmtls_sm4_gfni512_ctr32(const uint32_t rk[32], uint8_t cb[16], uint8_t *buf, size_t nblocks,
                             uint32_t keep);
void gmtls_sm4_gfni512_mac_ctr(const uint32_t rk[32], uint8_t y[16], const uint8_t *mac_in,
                               size_t nmac, const uint8_t *ctr_in, uint8_t *ks_out, size_t nctr);

/* GFNI + AVX2 and AES-NI + AVX2 SM4 (sm4_gfni_avx2.c, sm4_aesni_avx2.c). */
void gmtls_sm4_gfni256_blocks(const uint32_t rk[32], const uint8_t *in, uint8_t *out,
                              size_t nblocks);
void gmtls_sm4_gfni256_ctr(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in,
                           uint8_t *out, size_t nblocks);
void gmtls_sm4_gfni256_ctr32(const uint32_t rk[32], uint8_t cb[16], uint8_t *buf, size_t nblocks,
                             uint32_t keep);
void gmtls_sm4_gfni256_mac_ctr(const uint32_t rk[32], uint8_t y[16], const uint8_t *mac_in,
                               size_t nmac, const uint8_t *ctr_in, uint8_t *ks_out, size_t nctr);
void gmtls_sm4_aesni256_blocks(const uint32_t rk[32], const uint8_t *in, uint8_t *out,
                               size_t nblocks);
void gmtls_sm4_aesni256_ctr(const uint32_t rk[32], uint8_t ctr[16], const uint8_t *in,
                            uint8_t *out, size_t nblocks);
void gmtls_sm4_aesni256_ctr32(const uint32_t rk[32], uint8_t cb[16], uint8_t *buf, size_t nblocks,
                             uint32_t keep);
void gmtls_sm4_aesni256_mac_ctr(const uint32_t rk[32], uint8_t y[16], const uint8_t *mac_in,
                                size_t nmac, const uint8_t *ctr_in, uint8_t *ks_out, size_t nctr);

/* SM3 with unrolled BMI2 rounds (sm3_bmi2.c). */
void gmtls_sm3_bmi2_blocks(uint32_t h[8], const uint8_t *in, size_t nblocks);

/* Hand-scheduled SM3 (sm3_x86_64.S; x86-64 ELF only, BMI2): message
 * expansion with AVX2, or with AVX-512F+VL. */
#if defined(__x86_64__) && defined(__ELF__)
#define GMTLS_SM3_HAVE_X64_ASM 1
void gmtls_sm3_x64_avx2_blocks(uint32_t h[8], const uint8_t *in, size_t nblocks);
void gmtls_sm3_x64_avx512_blocks(uint32_t h[8], const uint8_t *in, size_t nblocks);
#endif
#endif

/* The SM4 S-box as specified (GB/T 32907-2016 Table 1). For tests and the
 * NOT-constant-time table variant only; never indexed by secrets in the
 * default path. */
extern const uint8_t gmtls_sm4_sbox_table[256];

/* The constant-time S-box circuit applied to one byte (tests compare it
 * with gmtls_sm4_sbox_table for all 256 inputs). */
uint8_t gmtls_sm4_sbox_ct(uint8_t x);

#endif
