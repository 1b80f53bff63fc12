/*
 * src/sm/sm2_field.c - the non-inline part of the SM2 field arithmetic:
 * Montgomery conversion and inversion mod p, and arithmetic mod the group
 * order n (Montgomery, constant-time Fermat inversion).
 */
#include "sm2_field.h"

#include "sm_internal.h"

/* R^2 mod p and R^2 mod n (R = 2^256). */
static const uint64_t SM2_P_RR[4] = {0x0000000200000003ULL, 0x00000002ffffffffULL, 0x0000000100000001ULL,
                                     0x0000000400000002ULL};
static const uint64_t SM2_N_RR[4] = {0x901192af7c114f20ULL, 0x3464504ade6fa2faULL, 0x620fc84c3affe0d4ULL,
                                     0x1eb5e412a22b3d3bULL};
/* R mod n: the Montgomery form of 1 mod n. */
static const uint64_t SM2_N_ONE[4] = {0xac440bf6c62abeddULL, 0x8dfc2094de39fad4ULL, 0x0000000000000000ULL,
                                      0x0000000100000000ULL};
/* -n^-1 mod 2^64 */
#define SM2_N0 0x327f9e8872350975ULL

#ifdef GMTLS_SM2_X86_64_ASM
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

int gmtls_sm2_cpu_adx;
int gmtls_sm2_cpu_avx2;

/* CPUID leaf 7: EBX bit 8 = BMI2 (mulx), bit 19 = ADX (adcx, adox), bit 5 =
 * AVX2; AVX2 also needs the OS to save the YMM state (OSXSAVE, then XCR0
 * bits 1 and 2). */
__attribute__((constructor)) static void sm2_cpu_detect(void)
{
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0, leaf7_ebx = 0;
    const char *force = getenv("GMTLS_CPU");
    if (force != NULL && strcmp(force, "portable") == 0) {
        return;
    }
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
        leaf7_ebx = ebx;
    }
    if ((leaf7_ebx & (1u << 8)) && (leaf7_ebx & (1u << 19))) {
        gmtls_sm2_cpu_adx = 1;
    }
    if ((leaf7_ebx & (1u << 5)) && __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 27))) {
        unsigned xcr0_lo, xcr0_hi;
        __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
        (void)xcr0_hi;
        if ((xcr0_lo & 6u) == 6u) {
            gmtls_sm2_cpu_avx2 = 1;
        }
    }
}
#endif

void gmtls_sm2_from_be(uint64_t r[4], const uint8_t in[32])
{
    for (int i = 0; i < 4; i++) {
        r[3 - i] = gmtls_sm_load_be64(in + 8 * i);
    }
}

void gmtls_sm2_to_be(uint8_t out[32], const uint64_t a[4])
{
    for (int i = 0; i < 4; i++) {
        gmtls_sm_store_be64(out + 8 * i, a[3 - i]);
    }
}

void gmtls_sm2_fp_to_mont(uint64_t r[4], const uint64_t a[4])
{
    sm2_fp_mul(r, a, SM2_P_RR);
}

void gmtls_sm2_fp_from_mont(uint64_t r[4], const uint64_t a[4])
{
    static const uint64_t one[4] = {1, 0, 0, 0};
    sm2_fp_mul(r, a, one);
}

static void fp_sqr_n(uint64_t r[4], const uint64_t a[4], int n)
{
    sm2_fp_sqr(r, a);
    for (int i = 1; i < n; i++) {
        sm2_fp_sqr(r, r);
    }
}

/*
 * a^(p-2) with a fixed addition chain. From the top, p - 2 is
 * 31 ones, a zero, 128 ones, 32 zeros, 32 ones, 30 ones, a zero, a one.
 * xK below is a^(2^K - 1). The sequence of operations is the same for every
 * input, so the time does not depend on a.
 */
void gmtls_sm2_fp_inv(uint64_t r[4], const uint64_t a[4])
{
    uint64_t x2[4], x3[4], x6[4], x12[4], x15[4], x30[4], x31[4], x32[4], t[4];
    sm2_fp_sqr(x2, a);
    sm2_fp_mul(x2, x2, a);
    sm2_fp_sqr(x3, x2);
    sm2_fp_mul(x3, x3, a);
    fp_sqr_n(x6, x3, 3);
    sm2_fp_mul(x6, x6, x3);
    fp_sqr_n(x12, x6, 6);
    sm2_fp_mul(x12, x12, x6);
    fp_sqr_n(x15, x12, 3);
    sm2_fp_mul(x15, x15, x3);
    fp_sqr_n(x30, x15, 15);
    sm2_fp_mul(x30, x30, x15);
    sm2_fp_sqr(x31, x30);
    sm2_fp_mul(x31, x31, a);
    sm2_fp_sqr(x32, x31);
    sm2_fp_mul(x32, x32, a);

    fp_sqr_n(t, x31, 33); /* 31 ones, 0, then room for 32 */
    sm2_fp_mul(t, t, x32);
    for (int i = 0; i < 3; i++) { /* 3 more groups of 32 ones: 128 in all */
        fp_sqr_n(t, t, 32);
        sm2_fp_mul(t, t, x32);
    }
    fp_sqr_n(t, t, 64); /* 32 zeros, 32 ones */
    sm2_fp_mul(t, t, x32);
    fp_sqr_n(t, t, 30); /* 30 ones */
    sm2_fp_mul(t, t, x30);
    fp_sqr_n(t, t, 2); /* 0, 1 */
    sm2_fp_mul(r, t, a);

    gmtls_sm_wipe(x2, sizeof x2);
    gmtls_sm_wipe(x3, sizeof x3);
    gmtls_sm_wipe(x6, sizeof x6);
    gmtls_sm_wipe(x12, sizeof x12);
    gmtls_sm_wipe(x15, sizeof x15);
    gmtls_sm_wipe(x30, sizeof x30);
    gmtls_sm_wipe(x31, sizeof x31);
    gmtls_sm_wipe(x32, sizeof x32);
    gmtls_sm_wipe(t, sizeof t);
}

/* ------------------------------------------------------------ mod n */

void gmtls_sm2_fn_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4];
    uint64_t c = sm2_add4(t, a, b);
    sm2_final_sub(r, t, c, SM2_N);
}

void gmtls_sm2_fn_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4], nm[4];
    uint64_t mask = (uint64_t)0 - sm2_sub4(t, a, b);
    for (int i = 0; i < 4; i++) {
        nm[i] = SM2_N[i] & mask;
    }
    sm2_add4(r, t, nm);
}

void gmtls_sm2_fn_reduce(uint64_t r[4], const uint64_t a[4])
{
    /* a < 2^256 < 2n */
    sm2_final_sub(r, a, 0, SM2_N);
}

/* clang-format off */
#ifdef GMTLS_SM2_X86_64_ASM
/* One CIOS round mod n: (t0..t5) += a * bi, then + m * n with
 * m = t0 * (-n^-1 mod 2^64), which clears t0; the sum is left in t1..t5. */
#define SM2_FN_ROUND(bi, t0, t1, t2, t3, t4, t5)                               \
    SM2_MULACC(bi, t0, t1, t2, t3, t4, t5)                                     \
    "movq " SM2_R(t0) ", %%rcx\n\t"                                            \
    "imulq %[k0], %%rcx\n\t"                                                   \
    SM2_MACC("%[n0]", "%[n1]", "%[n2]", "%[n3]", t0, t1, t2, t3, t4, t5)
#endif

/* Word-by-word Montgomery multiplication (CIOS) mod n. */
void gmtls_sm2_fn_mont_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
#ifdef GMTLS_SM2_X86_64_ASM
    static const uint64_t n0inv = SM2_N0;
    /* per round: acc += a * b[i]; m = acc0 * n0inv; acc = (acc + m * n) / 2^64 */
    __asm__ volatile(
        "xorq %%r8, %%r8\n\t"
        "xorq %%r9, %%r9\n\t"
        "xorq %%r10, %%r10\n\t"
        "xorq %%r11, %%r11\n\t"
        "xorq %%r12, %%r12\n\t"
        SM2_FN_ROUND("0(%[pb])", r8, r9, r10, r11, r12, r13)
        SM2_FN_ROUND("8(%[pb])", r9, r10, r11, r12, r13, r8)
        SM2_FN_ROUND("16(%[pb])", r10, r11, r12, r13, r8, r9)
        SM2_FN_ROUND("24(%[pb])", r11, r12, r13, r8, r9, r10)
        /* acc = r12, r13, r8, r9 (+ r10) < 2n: subtract n unless that borrows */
        "movq %%r12, %%rax\n\t"
        "movq %%r13, %%rdx\n\t"
        "movq %%r8, %%rcx\n\t"
        "movq %%r9, %%r14\n\t"
        "subq %[n0], %%rax\n\t"
        "sbbq %[n1], %%rdx\n\t"
        "sbbq %[n2], %%rcx\n\t"
        "sbbq %[n3], %%r14\n\t"
        "sbbq $0, %%r10\n\t"
        "cmovcq %%r12, %%rax\n\t"
        "cmovcq %%r13, %%rdx\n\t"
        "cmovcq %%r8, %%rcx\n\t"
        "cmovcq %%r9, %%r14\n\t"
        "movq %%rax, 0(%[pr])\n\t"
        "movq %%rdx, 8(%[pr])\n\t"
        "movq %%rcx, 16(%[pr])\n\t"
        "movq %%r14, 24(%[pr])\n\t"
        :
        : [pr] "r"(r), [pa] "r"(a), [pb] "r"(b), [n0] "m"(SM2_N[0]), [n1] "m"(SM2_N[1]),
          [n2] "m"(SM2_N[2]), [n3] "m"(SM2_N[3]), [k0] "m"(n0inv)
        : SM2_ASM_CLOBBERS);
/* clang-format on */
#else
    uint64_t t[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        sm2_u128 acc;
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            acc = (sm2_u128)a[i] * b[j] + t[j] + carry;
            t[j] = (uint64_t)acc;
            carry = (uint64_t)(acc >> 64);
        }
        acc = (sm2_u128)t[4] + carry;
        t[4] = (uint64_t)acc;
        t[5] = (uint64_t)(acc >> 64);

        uint64_t m = t[0] * SM2_N0;
        acc = (sm2_u128)m * SM2_N[0] + t[0];
        carry = (uint64_t)(acc >> 64);
        for (int j = 1; j < 4; j++) {
            acc = (sm2_u128)m * SM2_N[j] + t[j] + carry;
            t[j - 1] = (uint64_t)acc;
            carry = (uint64_t)(acc >> 64);
        }
        acc = (sm2_u128)t[4] + carry;
        t[3] = (uint64_t)acc;
        t[4] = t[5] + (uint64_t)(acc >> 64);
    }
    /* t < 2n */
    sm2_final_sub(r, t, t[4], SM2_N);
#endif
}

/* a^(n-2) in the Montgomery domain with a 4-bit fixed window. The exponent
 * is public, so indexing the table by its nibbles leaks nothing about a. */
static void fn_inv_mont(uint64_t r[4], const uint64_t am[4])
{
    static const uint64_t nm2[4] = {0x53bbf40939d54121ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
                                    0xfffffffeffffffffULL};
    uint64_t tab[16][4], acc[4];
    for (int i = 0; i < 4; i++) {
        tab[0][i] = SM2_N_ONE[i];
        tab[1][i] = am[i];
    }
    for (int i = 2; i < 16; i++) {
        gmtls_sm2_fn_mont_mul(tab[i], tab[i - 1], am);
    }
    for (int i = 0; i < 4; i++) {
        acc[i] = SM2_N_ONE[i];
    }
    for (int bit = 252; bit >= 0; bit -= 4) {
        for (int s = 0; s < 4; s++) {
            gmtls_sm2_fn_mont_mul(acc, acc, acc);
        }
        unsigned nib = (unsigned)(nm2[bit / 64] >> (bit % 64)) & 15;
        gmtls_sm2_fn_mont_mul(acc, acc, tab[nib]);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = acc[i];
    }
    gmtls_sm_wipe(tab, sizeof tab);
    gmtls_sm_wipe(acc, sizeof acc);
}

void gmtls_sm2_fn_inv_r2(uint64_t r[4], const uint64_t a[4])
{
    uint64_t am[4], inv[4];
    gmtls_sm2_fn_mont_mul(am, a, SM2_N_RR);  /* a R */
    fn_inv_mont(inv, am);                    /* a^-1 R */
    gmtls_sm2_fn_mont_mul(r, inv, SM2_N_RR); /* a^-1 R^2 */
    gmtls_sm_wipe(am, sizeof am);
    gmtls_sm_wipe(inv, sizeof inv);
}

void gmtls_sm2_fn_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4];
    gmtls_sm2_fn_mont_mul(t, a, b);        /* a b R^-1 */
    gmtls_sm2_fn_mont_mul(r, t, SM2_N_RR); /* a b */
    gmtls_sm_wipe(t, sizeof t);
}

void gmtls_sm2_fn_inv(uint64_t r[4], const uint64_t a[4])
{
    static const uint64_t one[4] = {1, 0, 0, 0};
    uint64_t t[4];
    gmtls_sm2_fn_inv_r2(t, a);        /* a^-1 R^2 */
    gmtls_sm2_fn_mont_mul(r, t, one); /* a^-1 R */
    gmtls_sm2_fn_mont_mul(r, r, one); /* a^-1 */
    gmtls_sm_wipe(t, sizeof t);
}
