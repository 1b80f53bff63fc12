/*
 * src/sm/cpu.c - runtime selection of the ShangMi implementation path.
 *
 * Each path is a gmtls_sm_impl table (sm_internal.h). The best path the
 * CPU supports is chosen on first use; GMTLS_CPU=<name> forces a path and
 * falls back to "portable" when the CPU lacks it or the name is unknown.
 * "portable" is always available. The x86-64 paths, least to most
 * preferred: "pclmul" (PCLMULQDQ GHASH), "aesni-avx2" (AES-NI S-box,
 * BMI2 SM3), "gfni-avx2" (GFNI S-box) and "gfni-avx512" (GFNI on zmm,
 * VPCLMULQDQ GHASH); each table names a function for every member.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sm_internal.h"

typedef struct {
    gmtls_sm_impl impl;
    int (*supported)(void);
} sm_path;

static int always(void)
{
    return 1;
}

#ifdef GMTLS_SM_HAVE_X86
/* Features from the one probe (cpu_features.c). */
static int have_pclmul(void)
{
    return gmtls_cpu_has(GMTLS_CPUF_PCLMUL) && gmtls_cpu_has(GMTLS_CPUF_SSE41) && gmtls_cpu_has(GMTLS_CPUF_SSSE3);
}

static int have_avx2_common(void)
{
    return have_pclmul() && gmtls_cpu_has(GMTLS_CPUF_AVX2) && gmtls_cpu_has(GMTLS_CPUF_BMI2);
}

static int have_aesni_avx2(void)
{
    return have_avx2_common() && gmtls_cpu_has(GMTLS_CPUF_AES);
}

static int have_gfni_avx2(void)
{
    return have_avx2_common() && gmtls_cpu_has(GMTLS_CPUF_GFNI);
}

static int have_gfni_avx512(void)
{
    return have_avx2_common() && gmtls_cpu_has(GMTLS_CPUF_AVX512F) && gmtls_cpu_has(GMTLS_CPUF_AVX512BW) &&
           gmtls_cpu_has(GMTLS_CPUF_AVX512VL) && gmtls_cpu_has(GMTLS_CPUF_AVX512DQ) && gmtls_cpu_has(GMTLS_CPUF_GFNI) &&
           gmtls_cpu_has(GMTLS_CPUF_VPCLMULQDQ);
}
#endif

/* SM3 on the AVX2 and AVX-512 paths: the assembly where it is built,
 * else the C BMI2 code. */
#ifdef GMTLS_SM3_HAVE_X64_ASM
#define SM3_AVX2 gmtls_sm3_x64_avx2_blocks
#define SM3_AVX512 gmtls_sm3_x64_avx512_blocks
#elif defined(GMTLS_SM_HAVE_X86)
#define SM3_AVX2 gmtls_sm3_bmi2_blocks
#define SM3_AVX512 gmtls_sm3_bmi2_blocks
#endif

/* Ordered from least to most preferred; "portable" first. */
static const sm_path paths[] = {
    {{"portable", gmtls_sm4_portable_blocks, gmtls_sm4_portable_ctr, gmtls_ghash_portable_init,
      gmtls_ghash_portable, gmtls_sm3_portable_blocks, gmtls_sm4_portable_ctr32,
      gmtls_sm4_portable_mac_ctr},
     always},
#ifdef GMTLS_SM_HAVE_X86
    /* Portable bitsliced SM4 with PCLMULQDQ GHASH. */
    {{"pclmul", gmtls_sm4_portable_blocks, gmtls_sm4_portable_ctr, gmtls_ghash_clmul_init,
      gmtls_ghash_clmul, gmtls_sm3_portable_blocks, gmtls_sm4_portable_ctr32,
      gmtls_sm4_portable_mac_ctr},
     have_pclmul},
    /* AES-NI + AVX2 SM4 (S-box via AESENCLAST, 64 blocks per pass), PCLMULQDQ GHASH,
     * BMI2 SM3. */
    {{"aesni-avx2", gmtls_sm4_aesni256_blocks, gmtls_sm4_aesni256_ctr, gmtls_ghash_clmul_init,
      gmtls_ghash_clmul, SM3_AVX2, gmtls_sm4_aesni256_ctr32,
      gmtls_sm4_aesni256_mac_ctr},
     have_aesni_avx2},
    /* GFNI + AVX2 SM4 (64 blocks per pass), PCLMULQDQ GHASH, BMI2 SM3. */
    {{"gfni-avx2", gmtls_sm4_gfni256_blocks, gmtls_sm4_gfni256_ctr, gmtls_ghash_clmul_init,
      gmtls_ghash_clmul, SM3_AVX2, gmtls_sm4_gfni256_ctr32,
      gmtls_sm4_gfni256_mac_ctr},
     have_gfni_avx2},
    /* GFNI + AVX-512 SM4 (64 blocks per pass), VPCLMULQDQ zmm GHASH, BMI2 SM3 with
     * AVX-512VL message expansion. */
    {{"gfni-avx512", gmtls_sm4_gfni512_blocks, gmtls_sm4_gfni512_ctr, gmtls_ghash_clmul_init,
      gmtls_ghash_vpclmul512, SM3_AVX512, gmtls_sm4_gfni512_ctr32,
      gmtls_sm4_gfni512_mac_ctr},
     have_gfni_avx512},
#endif
};

#define NPATHS (sizeof paths / sizeof paths[0])

static _Atomic(const gmtls_sm_impl *) current;

static const gmtls_sm_impl *select_impl(void)
{
    const char *want = getenv("GMTLS_CPU");
    size_t best = 0;
    for (size_t i = 0; i < NPATHS; i++) {
        if (!paths[i].supported()) {
            continue;
        }
        if (want != NULL && *want != '\0') {
            if (strcmp(want, paths[i].impl.name) == 0) {
                return &paths[i].impl;
            }
        } else {
            best = i;
        }
    }
    /* A forced path the CPU lacks (or an unknown name) falls back to portable. */
    return &paths[want != NULL && *want != '\0' ? 0 : best].impl;
}

const gmtls_sm_impl *gmtls_sm_impl_get(void)
{
    const gmtls_sm_impl *p = atomic_load_explicit(&current, memory_order_acquire);
    if (p == NULL) {
        /* Racing first calls compute the same answer; any store wins. */
        p = select_impl();
        atomic_store_explicit(&current, p, memory_order_release);
    }
    return p;
}

void gmtls_sm_impl_reset(void)
{
    atomic_store_explicit(&current, (const gmtls_sm_impl *)NULL, memory_order_release);
}

const char *const *gmtls_sm_cpu_paths_available(void)
{
    static const char *names[NPATHS + 1];
    size_t n = 0;
    for (size_t i = 0; i < NPATHS; i++) {
        if (paths[i].supported()) {
            names[n++] = paths[i].impl.name;
        }
    }
    names[n] = NULL;
    return names;
}

/* Every GHASH key-material initialiser this CPU can run, so that a context
 * set up under one path stays valid if the path is switched later. */
void gmtls_sm_ghash_init_all(gmtls_sm4_gcm_ctx *ctx)
{
    static _Atomic int inits_known;
    static void (*inits[NPATHS])(gmtls_sm4_gcm_ctx *);
    static size_t ninits;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    /* the distinct initialisers (several paths share one), found once */
    if (!atomic_load(&inits_known)) {
        pthread_mutex_lock(&lock);
        if (!atomic_load(&inits_known)) {
            for (size_t i = 0; i < NPATHS; i++) {
                int seen = 0;
                for (size_t j = 0; j < ninits; j++) {
                    seen |= inits[j] == paths[i].impl.ghash_init;
                }
                if (!seen && paths[i].supported()) {
                    inits[ninits++] = paths[i].impl.ghash_init;
                }
            }
            atomic_store(&inits_known, 1);
        }
        pthread_mutex_unlock(&lock);
    }
    for (size_t j = 0; j < ninits; j++) {
        inits[j](ctx);
    }
}

const char *gmtls_sm_cpu_path(void)
{
    return gmtls_sm_impl_get()->name;
}
