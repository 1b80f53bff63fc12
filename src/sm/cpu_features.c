/*
 * src/sm/cpu_features.c - the library's one CPU-feature probe. Every
 * algorithm family asks it: the ShangMi paths (cpu.c), SM2's field and
 * table-scan code (sm2_field.c), ML-KEM's avx2 path (src/pq/mlkem.c) and
 * the AES-first suite order (src/crypto/openssl.c). The features are read
 * once (libgcc's CPUID/XGETBV table, which also checks that the OS saves
 * the ymm/zmm state; CPUID leaf 7 for ADX) and kept in one word.
 * GMTLS_CPU=portable makes every family use its portable code
 * (gmtls_cpu_forced_portable); other GMTLS_CPU names select a ShangMi path
 * (cpu.c). No TLS knowledge, no OpenSSL header.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sm_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned probe(void)
{
    unsigned m = 0, eax = 0, ebx = 0, ecx = 0, edx = 0;
    __builtin_cpu_init(); /* may run from a constructor (sm2_field.c) */
#define F(bit, name)                                                                                                   \
    if (__builtin_cpu_supports(name)) {                                                                                \
        m |= 1u << (bit);                                                                                              \
    }
    F(GMTLS_CPUF_SSSE3, "ssse3")
    F(GMTLS_CPUF_SSE41, "sse4.1")
    F(GMTLS_CPUF_PCLMUL, "pclmul")
    F(GMTLS_CPUF_AES, "aes")
    F(GMTLS_CPUF_AVX2, "avx2")
    F(GMTLS_CPUF_BMI2, "bmi2")
    F(GMTLS_CPUF_GFNI, "gfni")
    F(GMTLS_CPUF_VPCLMULQDQ, "vpclmulqdq")
    F(GMTLS_CPUF_AVX512F, "avx512f")
    F(GMTLS_CPUF_AVX512BW, "avx512bw")
    F(GMTLS_CPUF_AVX512VL, "avx512vl")
    F(GMTLS_CPUF_AVX512DQ, "avx512dq")
#undef F
    /* CPUID leaf 7, EBX bit 19: ADX (adcx, adox) */
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & (1u << 19))) {
        m |= 1u << GMTLS_CPUF_ADX;
    }
    return m;
}
#else
static unsigned probe(void)
{
    return 0;
}
#endif

static atomic_uint features; /* bit 31 set once probed */

int gmtls_cpu_has(int feature)
{
    unsigned m = atomic_load_explicit(&features, memory_order_relaxed);
    if (!(m & 0x80000000u)) {
        m = probe() | 0x80000000u;
        atomic_store_explicit(&features, m, memory_order_relaxed);
    }
    return (m >> feature) & 1u;
}

int gmtls_cpu_forced_portable(void)
{
    const char *want = getenv("GMTLS_CPU");
    return want != NULL && strcmp(want, "portable") == 0;
}
