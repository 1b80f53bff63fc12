/*
 * tests/pq/ct_mlkem_test.c - constant-time check of ML-KEM ("ctgrind"):
 * the seeds d and z, the encapsulation message m and the decapsulation
 * key's secret part are marked undefined for valgrind's memcheck, so any
 * branch or memory index that depends on them is reported and, run as
 *   valgrind --error-exitcode=1 ct_mlkem_test
 * fails the test. The ML-KEM sources are compiled into this program with
 * GMTLS_PQ_CTGRIND, which declassifies rho (published in ek) where it is
 * derived. Both implementation paths run (portable, and the 4-way AVX2
 * Keccak for sampling when the CPU has it). Decapsulation runs on a valid and on a modified ciphertext, so
 * both outcomes of the implicit-rejection select are covered. Without
 * valgrind the marks are no-ops and the program still checks the round
 * trips.
 */
#include <valgrind/memcheck.h>

#include <stdlib.h>

#include "gmtls/mlkem.h"
#include "pq/pq_internal.h"
#include "test.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static void run(gmtls_mlkem_param ps)
{
    uint8_t d[32], z[32], m[32], ss[32], ss2[32], ss3[32];
    uint8_t ek[GMTLS_MLKEM_MAX_EK_LEN], dk[GMTLS_MLKEM_MAX_DK_LEN], ct[GMTLS_MLKEM_MAX_CT_LEN];
    size_t ekl = gmtls_mlkem_ek_len(ps), dkl = gmtls_mlkem_dk_len(ps), ctl = gmtls_mlkem_ct_len(ps);
    for (int i = 0; i < 32; i++) {
        d[i] = (uint8_t)(i * 7 + 1), z[i] = (uint8_t)(i * 11 + 2), m[i] = (uint8_t)(i * 13 + 3);
    }
    /* key generation with secret seeds: ek comes out public */
    SECRET(d, 32);
    SECRET(z, 32);
    CHECK_OK(gmtls_mlkem_keygen_derand(ps, ek, dk, d, z));
    PUBLIC(ek, ekl);
    PUBLIC(dk + dkl - 64 - ekl, ekl + 32); /* the copy of ek and H(ek) inside dk */
    /* encapsulation with a secret message: the ciphertext is public */
    SECRET(m, 32);
    CHECK_OK(gmtls_mlkem_encaps_derand(ps, ct, ss, ek, m));
    PUBLIC(ct, ctl);
    /* decapsulation with the secret part of dk secret (dk_pke and z) */
    SECRET(dk, dkl - 64 - ekl);
    SECRET(dk + dkl - 32, 32);
    CHECK_OK(gmtls_mlkem_decaps(ps, ss2, ct, dk));
    /* a modified ciphertext: implicit rejection, same code path */
    ct[ctl / 3] ^= 0x10;
    CHECK_OK(gmtls_mlkem_decaps(ps, ss3, ct, dk));
    PUBLIC(ss, 32);
    PUBLIC(ss2, 32);
    PUBLIC(ss3, 32);
    CHECK_MEM(ss2, ss, 32);
    CHECK(memcmp(ss3, ss, 32) != 0);
}

int main(void)
{
    /* every path this CPU has: portable, then avx2 (4-way Keccak) */
    const char *const paths[] = {"portable", "avx2"};
    for (int i = 0; i < 2; i++) {
        setenv("GMTLS_CPU", paths[i], 1);
        gmtls_pq_impl_reset();
        if (strcmp(gmtls_pq_cpu_path(), paths[i]) != 0) {
            printf("ct_mlkem_test: path %s not available, skipped\n", paths[i]);
            continue;
        }
        printf("ct_mlkem_test: path %s\n", paths[i]);
        run(GMTLS_MLKEM768);
        run(GMTLS_MLKEM1024);
    }
    return TEST_END("ct_mlkem_test");
}
