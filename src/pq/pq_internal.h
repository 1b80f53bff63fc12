/*
 * src/pq/pq_internal.h - internals of the post-quantum primitives: the
 * Keccak sponge (FIPS 202) ML-KEM is built on. No TLS knowledge, no
 * OpenSSL header; nothing here is exported from the shared library.
 */
#ifndef GMTLS_PQ_INTERNAL_H
#define GMTLS_PQ_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ctgrind (tests/pq/ct_mlkem_test.c): marks a value derived from secrets
 * as public at the point the algorithm makes it public (rho, part of ek). */
#ifdef GMTLS_PQ_CTGRIND
#include <valgrind/memcheck.h>
#define GMTLS_PQ_PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define GMTLS_PQ_PUBLIC(p, n) ((void)0)
#endif

typedef struct {
    uint64_t st[25];
    unsigned rate; /* bytes: 168 SHAKE128, 136 SHAKE256/SHA3-256, 72 SHA3-512 */
    unsigned pos;
} gmtls_keccak_ctx;

void gmtls_keccak_f1600(uint64_t st[25]);
void gmtls_keccak_init(gmtls_keccak_ctx *c, unsigned rate);
void gmtls_keccak_absorb(gmtls_keccak_ctx *c, const uint8_t *in, size_t len);
/* Pads (ds = 0x06 for SHA-3, 0x1F for SHAKE) and switches to squeezing. */
void gmtls_keccak_finish(gmtls_keccak_ctx *c, uint8_t ds);
void gmtls_keccak_squeeze(gmtls_keccak_ctx *c, uint8_t *out, size_t len);

void gmtls_sha3_256(const uint8_t *in, size_t len, uint8_t out[32]);
/* SHA3-512(a || b), SHAKE256(a || b) */
void gmtls_sha3_512_2(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[64]);
void gmtls_shake256_2(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t *out, size_t outlen);

/* Four permutations at once (AVX2; lane i of state s at st[4 * i + s]).
 * Only to be called when gmtls_pq_have_avx2() says so. */
void gmtls_keccak_f1600_x4_avx2(uint64_t st[100]);
int gmtls_pq_have_avx2(void);
/* The ML-KEM NTT / inverse NTT with AVX2 (ntt_avx2.c), same results as the
 * portable ones in mlkem.c. */
void gmtls_mlkem_ntt_avx2(int16_t r[256], const int16_t zetas[128]);
void gmtls_mlkem_invntt_avx2(int16_t r[256], const int16_t zetas[128]);
void gmtls_mlkem_basemul_avx2(int16_t r[256], const int16_t *a, const int16_t *b, unsigned k);
void gmtls_mlkem_compress_avx2(uint16_t v[256], const int16_t a[256], unsigned d);
/* Fills the per-lane zeta tables of ntt_avx2.c (once, before first use). */
void gmtls_mlkem_avx2_tables(const int16_t zetas[128]);

/* The ML-KEM implementation path: "avx2" (4-way Keccak for the matrix and
 * the noise) when the CPU has AVX2, else "portable"; GMTLS_CPU=portable
 * forces the portable one. Chosen at first use; gmtls_pq_impl_reset()
 * reads GMTLS_CPU again (tests run both). */
const char *gmtls_pq_cpu_path(void);
void gmtls_pq_impl_reset(void);

/* Little-endian 64-bit lanes (FIPS 202 §B.1), shared by the Keccak and
 * ML-KEM code. */
static inline uint64_t load_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
#endif
}

static inline void store_le64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, 8);
#else
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
#endif
}

#endif
