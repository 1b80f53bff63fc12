/*
 * src/sm/sm2_field.h - arithmetic for SM2 (GB/T 32918.5 curve sm2p256v1):
 * the prime field GF(p), p = 2^256 - 2^224 - 2^96 + 2^64 - 1, in Montgomery
 * form (R = 2^256), and the scalar field mod the group order n.
 *
 * Elements are four little-endian 64-bit limbs, always fully reduced.
 * Everything here is constant-time: no branch and no memory index depends
 * on an operand. The hot field operations are static inline so the point
 * code can inline them; the rest lives in sm2_field.c.
 */
#ifndef GMTLS_SM2_FIELD_H
#define GMTLS_SM2_FIELD_H

#include <stddef.h>
#include <stdint.h>

__extension__ typedef unsigned __int128 sm2_u128;

/* The hot x86-64 field operations are inlined into the point code. */
#define SM2_ALWAYS_INLINE static inline __attribute__((always_inline))
/* ... and the baseline (pre-ADX) ones called. */
#define SM2_NOINLINE static __attribute__((noinline, unused))

/* The limb loops below are short and fixed: have them unrolled. */
#if defined(__clang__)
#define SM2_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define SM2_UNROLL _Pragma("GCC unroll 8")
#else
#define SM2_UNROLL
#endif

/* p, and R mod p (the Montgomery form of 1). */
static const uint64_t SM2_P[4] = {0xffffffffffffffffULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL,
                                  0xfffffffeffffffffULL};
static const uint64_t SM2_FP_ONE[4] = {0x0000000000000001ULL, 0x00000000ffffffffULL, 0x0000000000000000ULL,
                                       0x0000000100000000ULL};
/* The group order n. */
static const uint64_t SM2_N[4] = {0x53bbf40939d54123ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
                                  0xfffffffeffffffffULL};

/* Hide a value from the optimiser so mask arithmetic is not turned back
 * into a branch. */
static inline uint64_t sm2_barrier(uint64_t x)
{
    __asm__("" : "+r"(x));
    return x;
}

/* All-ones if x != 0, else 0. */
static inline uint64_t sm2_mask_nz(uint64_t x)
{
    x = sm2_barrier(x);
    return (uint64_t)0 - ((x | ((uint64_t)0 - x)) >> 63);
}

/* All-ones if x == 0, else 0. */
static inline uint64_t sm2_mask_z(uint64_t x)
{
    return ~sm2_mask_nz(x);
}

/* All-ones if a == b (4 limbs), else 0. */
static inline uint64_t sm2_mask_eq4(const uint64_t a[4], const uint64_t b[4])
{
    return sm2_mask_z((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]));
}

static inline uint64_t sm2_mask_zero4(const uint64_t a[4])
{
    return sm2_mask_z(a[0] | a[1] | a[2] | a[3]);
}

/* r = mask ? a : r (mask all-ones or zero). */
static inline void sm2_cmov4(uint64_t r[4], const uint64_t a[4], uint64_t mask)
{
    SM2_UNROLL
    for (int i = 0; i < 4; i++) {
        r[i] ^= mask & (r[i] ^ a[i]);
    }
}

/* Conditional swap of a and b when mask is all-ones. */
static inline void sm2_cswap4(uint64_t a[4], uint64_t b[4], uint64_t mask)
{
    SM2_UNROLL
    for (int i = 0; i < 4; i++) {
        uint64_t t = mask & (a[i] ^ b[i]);
        a[i] ^= t;
        b[i] ^= t;
    }
}

/* Returns the borrow (0 or 1) of a - b over 4 limbs, r = a - b mod 2^256. */
static inline uint64_t sm2_sub4(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t borrow = 0;
    SM2_UNROLL
    for (int i = 0; i < 4; i++) {
        sm2_u128 d = (sm2_u128)a[i] - b[i] - borrow;
        r[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return borrow;
}

/* Returns the carry (0 or 1) of a + b over 4 limbs. */
static inline uint64_t sm2_add4(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t carry = 0;
    SM2_UNROLL
    for (int i = 0; i < 4; i++) {
        sm2_u128 s = (sm2_u128)a[i] + b[i] + carry;
        r[i] = (uint64_t)s;
        carry = (uint64_t)(s >> 64);
    }
    return carry;
}

/* All-ones if a < b (as 256-bit integers), else 0. */
static inline uint64_t sm2_mask_lt4(const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4];
    return (uint64_t)0 - sm2_sub4(t, a, b);
}

/* r = (hi:t) - m if that does not borrow, else t; hi is 0 or 1, (hi:t) < 2m. */
static inline void sm2_final_sub(uint64_t r[4], const uint64_t t[4], uint64_t hi, const uint64_t m[4])
{
    uint64_t s[4];
    uint64_t borrow = sm2_sub4(s, t, m);
    /* keep t exactly when hi:t < m, i.e. the 5-limb subtraction borrows */
    uint64_t keep = (uint64_t)0 - ((borrow & ~hi) & 1);
    SM2_UNROLL
    for (int i = 0; i < 4; i++) {
        r[i] = (t[i] & keep) | (s[i] & ~keep);
    }
}

/* ------------------------------------------------------------ mod p */

/* clang-format off */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(GMTLS_SM2_NO_ASM)
#define GMTLS_SM2_X86_64_ASM 1
/*
 * x86-64 versions of the hot field operations. Same algorithm as the C
 * code below: operand-scanning Montgomery multiplication in which each
 * reduction step adds m*p = m*2^256 - m*2^224 - m*2^96 + m*2^64 - m, with
 * m the low limb, as "+ (m, 0, 0, m) - (m<<32, m>>32, m<<32, m>>32)" on
 * the limbs above it; then one conditional subtraction of p done with
 * cmov. Nothing branches, and memory is only read and written at the
 * fixed offsets of the operands. The pointers travel in registers
 * ("r" operands, hence the "memory" clobber): every other general
 * register but rbx/rsi/rdi/rbp is used, so naming each limb as a memory
 * operand would run out of registers in -O0 builds, and no block takes
 * more than three pointers (operands that go together are passed as one
 * array, e.g. bc[2][4]).
 */
#define SM2_STR_(x) #x
#define SM2_R(x) "%%" SM2_STR_(x)

/*
 * The additive operations. A conditional correction by p is done without
 * a branch through an all-ones-or-zero mask m: p & m is (m, m << 32, m,
 * m + (m << 32)) because p = (2^64 - 1, 2^64 - 2^32, 2^64 - 1,
 * 2^64 - 2^32 - 1); lea forms the last limb without touching the carry.
 * Inputs are fully reduced (< p) and so are all results.
 */

/* (t0..t3) += p & m; k is scratch. Leaves the carry out in CF. */
#define SM2_ADDBACK_(m, k, t0, t1, t2, t3)                 \
    "movq " m ", " k "\n\t"                               \
    "shlq $32, " k "\n\t"                                 \
    "addq " m ", " t0 "\n\t"                              \
    "adcq " k ", " t1 "\n\t"                              \
    "leaq (" m ", " k "), " k "\n\t"                      \
    "adcq " m ", " t2 "\n\t"                              \
    "adcq " k ", " t3 "\n\t"
#define SM2_ADDBACK(...) SM2_ADDBACK_(__VA_ARGS__)

/* The borrow of the subtraction just done -> m; then (t0..t3) += p & m. */
#define SM2_SUBFIX_(m, k, t0, t1, t2, t3)                  \
    "sbbq " m ", " m "\n\t"                               \
    SM2_ADDBACK(m, k, t0, t1, t2, t3)
#define SM2_SUBFIX(...) SM2_SUBFIX_(__VA_ARGS__)

/* (c:t0..t3) < 2p with c in {0, 1}: subtract p, and add it back if that
 * borrows (the mask re-uses c); k is scratch. */
#define SM2_CONDSUB_(c, k, t0, t1, t2, t3)                 \
    "subq $-1, " t0 "\n\t"                                \
    "sbbq %[p1], " t1 "\n\t"                              \
    "sbbq $-1, " t2 "\n\t"                                \
    "sbbq %[p3], " t3 "\n\t"                              \
    "sbbq $0, " c "\n\t"                                  \
    SM2_SUBFIX(c, k, t0, t1, t2, t3)
#define SM2_CONDSUB(...) SM2_CONDSUB_(__VA_ARGS__)

#define SM2_LOAD4_(p, t0, t1, t2, t3)                      \
    "movq 0(" p "), " t0 "\n\t"                           \
    "movq 8(" p "), " t1 "\n\t"                           \
    "movq 16(" p "), " t2 "\n\t"                          \
    "movq 24(" p "), " t3 "\n\t"
#define SM2_LOAD4(...) SM2_LOAD4_(__VA_ARGS__)
#define SM2_STORE4_(p, t0, t1, t2, t3)                     \
    "movq " t0 ", 0(" p ")\n\t"                           \
    "movq " t1 ", 8(" p ")\n\t"                           \
    "movq " t2 ", 16(" p ")\n\t"                          \
    "movq " t3 ", 24(" p ")\n\t"
#define SM2_STORE4(...) SM2_STORE4_(__VA_ARGS__)
/* (t0..t3) -= the four limbs at p (op sub/sbb) or += (add/adc) */
#define SM2_SUBM4_(p, t0, t1, t2, t3)                      \
    "subq 0(" p "), " t0 "\n\t"                           \
    "sbbq 8(" p "), " t1 "\n\t"                           \
    "sbbq 16(" p "), " t2 "\n\t"                          \
    "sbbq 24(" p "), " t3 "\n\t"
#define SM2_SUBM4(...) SM2_SUBM4_(__VA_ARGS__)
#define SM2_ADDM4_(p, t0, t1, t2, t3)                      \
    "addq 0(" p "), " t0 "\n\t"                           \
    "adcq 8(" p "), " t1 "\n\t"                           \
    "adcq 16(" p "), " t2 "\n\t"                          \
    "adcq 24(" p "), " t3 "\n\t"
#define SM2_ADDM4(...) SM2_ADDM4_(__VA_ARGS__)
/* the same at a byte offset off (a number) from p: the assembler reads
 * "32+8(%rdi)" */
#define SM2_LOAD4O_(off, p, t0, t1, t2, t3)               \
    "movq " SM2_STR_(off) "+0(" p "), " t0 "\n\t"         \
    "movq " SM2_STR_(off) "+8(" p "), " t1 "\n\t"         \
    "movq " SM2_STR_(off) "+16(" p "), " t2 "\n\t"        \
    "movq " SM2_STR_(off) "+24(" p "), " t3 "\n\t"
#define SM2_LOAD4O(...) SM2_LOAD4O_(__VA_ARGS__)
#define SM2_STORE4O_(off, p, t0, t1, t2, t3)              \
    "movq " t0 ", " SM2_STR_(off) "+0(" p ")\n\t"         \
    "movq " t1 ", " SM2_STR_(off) "+8(" p ")\n\t"         \
    "movq " t2 ", " SM2_STR_(off) "+16(" p ")\n\t"        \
    "movq " t3 ", " SM2_STR_(off) "+24(" p ")\n\t"
#define SM2_STORE4O(...) SM2_STORE4O_(__VA_ARGS__)
#define SM2_SUBM4O_(off, p, t0, t1, t2, t3)               \
    "subq " SM2_STR_(off) "+0(" p "), " t0 "\n\t"         \
    "sbbq " SM2_STR_(off) "+8(" p "), " t1 "\n\t"         \
    "sbbq " SM2_STR_(off) "+16(" p "), " t2 "\n\t"        \
    "sbbq " SM2_STR_(off) "+24(" p "), " t3 "\n\t"
#define SM2_SUBM4O(...) SM2_SUBM4O_(__VA_ARGS__)
#define SM2_T4 "%%r8", "%%r9", "%%r10", "%%r11"
#define SM2_R4 "%%rax", "%%rdx", "%%rcx", "%%r8"
#define SM2_U4 "%%r12", "%%r13", "%%r14", "%%r15"
#define SM2_P13 [p1] "m"(SM2_P[1]), [p3] "m"(SM2_P[3])

/* (u0..u5) += (x0..x3) * rcx, x* being memory references */
#define SM2_MACC(x0, x1, x2, x3, u0, u1, u2, u3, u4, u5)  \
    "movq " x0 ", %%rax\n\t"                              \
    "mulq %%rcx\n\t"                                      \
    "addq %%rax, " SM2_R(u0) "\n\t"                       \
    "adcq $0, %%rdx\n\t"                                  \
    "movq %%rdx, %%r14\n\t"                               \
    "movq " x1 ", %%rax\n\t"                              \
    "mulq %%rcx\n\t"                                      \
    "addq %%r14, %%rax\n\t"                               \
    "adcq $0, %%rdx\n\t"                                  \
    "addq %%rax, " SM2_R(u1) "\n\t"                       \
    "adcq $0, %%rdx\n\t"                                  \
    "movq %%rdx, %%r14\n\t"                               \
    "movq " x2 ", %%rax\n\t"                              \
    "mulq %%rcx\n\t"                                      \
    "addq %%r14, %%rax\n\t"                               \
    "adcq $0, %%rdx\n\t"                                  \
    "addq %%rax, " SM2_R(u2) "\n\t"                       \
    "adcq $0, %%rdx\n\t"                                  \
    "movq %%rdx, %%r14\n\t"                               \
    "movq " x3 ", %%rax\n\t"                              \
    "mulq %%rcx\n\t"                                      \
    "addq %%r14, %%rax\n\t"                               \
    "adcq $0, %%rdx\n\t"                                  \
    "addq %%rax, " SM2_R(u3) "\n\t"                       \
    "adcq $0, %%rdx\n\t"                                  \
    "addq %%rdx, " SM2_R(u4) "\n\t"                       \
    "adcq $0, " SM2_R(u5) "\n\t"

/* u5 = 0; (u0..u5) += a * bi */
#define SM2_MULACC(bi, u0, u1, u2, u3, u4, u5)            \
    "xorq " SM2_R(u5) ", " SM2_R(u5) "\n\t"               \
    "movq " bi ", %%rcx\n\t"                              \
    SM2_MACC("0(%[pa])", "8(%[pa])", "16(%[pa])", "24(%[pa])", u0, u1, u2, u3, u4, u5)

/* (t0..t5) = (t0..t5 + t0 * p) / 2^64, the result left in t1..t5 */
#define SM2_REDUCE(t0, t1, t2, t3, t4, t5)                \
    "movq " SM2_R(t0) ", %%rax\n\t"                       \
    "movq " SM2_R(t0) ", %%rdx\n\t"                       \
    "shlq $32, %%rax\n\t"                                 \
    "shrq $32, %%rdx\n\t"                                 \
    "addq " SM2_R(t0) ", " SM2_R(t1) "\n\t"               \
    "adcq $0, " SM2_R(t2) "\n\t"                          \
    "adcq $0, " SM2_R(t3) "\n\t"                          \
    "adcq " SM2_R(t0) ", " SM2_R(t4) "\n\t"               \
    "adcq $0, " SM2_R(t5) "\n\t"                          \
    "subq %%rax, " SM2_R(t1) "\n\t"                       \
    "sbbq %%rdx, " SM2_R(t2) "\n\t"                       \
    "sbbq %%rax, " SM2_R(t3) "\n\t"                       \
    "sbbq %%rdx, " SM2_R(t4) "\n\t"                       \
    "sbbq $0, " SM2_R(t5) "\n\t"

/* r = (u0..u3, carry u4) - p unless that borrows, stored through pr;
 * k1, k3 are scratch; u* must not be rax, rcx, rdx or r14 */
#define SM2_FINAL(u0, u1, u2, u3, u4, k1, k3)             \
    "movabsq $0xffffffff00000000, " SM2_R(k1) "\n\t"      \
    "movabsq $0xfffffffeffffffff, " SM2_R(k3) "\n\t"      \
    "movq " SM2_R(u0) ", %%rax\n\t"                       \
    "movq " SM2_R(u1) ", %%rdx\n\t"                       \
    "movq " SM2_R(u2) ", %%rcx\n\t"                       \
    "movq " SM2_R(u3) ", %%r14\n\t"                       \
    "subq $-1, %%rax\n\t"                                 \
    "sbbq " SM2_R(k1) ", %%rdx\n\t"                       \
    "sbbq $-1, %%rcx\n\t"                                 \
    "sbbq " SM2_R(k3) ", %%r14\n\t"                       \
    "sbbq $0, " SM2_R(u4) "\n\t"                          \
    "cmovcq " SM2_R(u0) ", %%rax\n\t"                     \
    "cmovcq " SM2_R(u1) ", %%rdx\n\t"                     \
    "cmovcq " SM2_R(u2) ", %%rcx\n\t"                     \
    "cmovcq " SM2_R(u3) ", %%r14\n\t"                     \
    "movq %%rax, 0(%[pr])\n\t"                            \
    "movq %%rdx, 8(%[pr])\n\t"                            \
    "movq %%rcx, 16(%[pr])\n\t"                           \
    "movq %%r14, 24(%[pr])\n\t"

#define SM2_ASM_CLOBBERS \
    "rax", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory"

/* Non-zero when the CPU has BMI2 and ADX (mulx, adcx, adox): set once by
 * a constructor in sm2_field.c before main; GMTLS_CPU=portable clears it. */
extern int gmtls_sm2_cpu_adx;
/* Non-zero when AVX2 is usable (table scans in sm2_point.c); same rules. */
extern int gmtls_sm2_cpu_avx2;

/*
 * The ADX path multiplies first and reduces afterwards. For the low half
 * L = (t0..t3) of the product, four Montgomery steps each add m * p with
 * m the lowest live limb (p = -1 mod 2^64); relative to that limb, m * p
 * contributes (m - lo, -hi, -lo, m - hi) to the four limbs above it, with
 * lo = m << 32 and hi = m >> 32, i.e. m * (2^192 - 2^160 - 2^32 + 1) < 2^256
 * - 2^224. The fourth of those limbs is fresh, and the three below it hold
 * less than 2^192, so nothing carries further: SM2_REDC_STEP below is one
 * step, done as "+ (m, 0, 0, m)" then "- (lo, hi, lo, hi)" over the window,
 * whose top limb w4 is created here (wrap-arounds in w4 cancel: the true
 * value fits). After four steps Q = (L + M*p) / 2^256 <= p, and the result
 * is H + Q < 2p with H = (t4..t7) < p: one conditional subtraction.
 */
#define SM2_REDC_STEP(c, m, w1, w2, w3, w4)               \
    "shlxq " c ", " m ", %%rax\n\t"                        \
    "shrxq " c ", " m ", %%rdx\n\t"                        \
    "movq " m ", " w4 "\n\t"                              \
    "addq " m ", " w1 "\n\t"                              \
    "adcq $0, " w2 "\n\t"                                 \
    "adcq $0, " w3 "\n\t"                                 \
    "adcq $0, " w4 "\n\t"                                 \
    "subq %%rax, " w1 "\n\t"                              \
    "sbbq %%rdx, " w2 "\n\t"                              \
    "sbbq %%rax, " w3 "\n\t"                              \
    "sbbq %%rdx, " w4 "\n\t"

/* The 512-bit product in r8..r15 (low to high) -> (rax, rdx, rcx, r8):
 * four reduction steps (Q ends in rcx, r8, r9, r10), H + Q into r12..r15
 * with the carry in r11, then p subtracted unless that borrows. The
 * shift count 32 goes into the operand c, a pointer register no longer
 * needed. r9..r15 are free afterwards. */
#define SM2_REDC8(c)                                      \
    "movl $32, %k" c "\n\t"                               \
    SM2_REDC_STEP("%" c, "%%r8", "%%r9", "%%r10", "%%r11", "%%rcx") \
    SM2_REDC_STEP("%" c, "%%r9", "%%r10", "%%r11", "%%rcx", "%%r8") \
    SM2_REDC_STEP("%" c, "%%r10", "%%r11", "%%rcx", "%%r8", "%%r9") \
    SM2_REDC_STEP("%" c, "%%r11", "%%rcx", "%%r8", "%%r9", "%%r10") \
    "xorl %%r11d, %%r11d\n\t"                             \
    "addq %%rcx, %%r12\n\t"                               \
    "adcq %%r8, %%r13\n\t"                                \
    "adcq %%r9, %%r14\n\t"                                \
    "adcq %%r10, %%r15\n\t"                               \
    "adcq $0, %%r11\n\t"                                  \
    "movq %%r12, %%rax\n\t"                               \
    "movq %%r13, %%rdx\n\t"                               \
    "movq %%r14, %%rcx\n\t"                               \
    "movq %%r15, %%r8\n\t"                                \
    "subq $-1, %%rax\n\t"                                 \
    "sbbq %[p1], %%rdx\n\t"                               \
    "sbbq $-1, %%rcx\n\t"                                 \
    "sbbq %[p3], %%r8\n\t"                                \
    "sbbq $0, %%r11\n\t"                                  \
    "cmovcq %%r12, %%rax\n\t"                             \
    "cmovcq %%r13, %%rdx\n\t"                             \
    "cmovcq %%r14, %%rcx\n\t"                             \
    "cmovcq %%r15, %%r8\n\t"

/* One row i >= 1 of the ADX product: (t0..t4) += a * bi with t4 fresh,
 * the low halves through CF (adcx), the high halves through OF (adox). */
#define SM2_MULX_ROW(bi, t0, t1, t2, t3, t4)              \
    "movq " bi ", %%rdx\n\t"                              \
    "xorl %%eax, %%eax\n\t"                               \
    "mulxq 0(%[pa]), %%rax, %%rcx\n\t"                    \
    "adcxq %%rax, " SM2_R(t0) "\n\t"                      \
    "adoxq %%rcx, " SM2_R(t1) "\n\t"                      \
    "mulxq 8(%[pa]), %%rax, %%rcx\n\t"                    \
    "adcxq %%rax, " SM2_R(t1) "\n\t"                      \
    "adoxq %%rcx, " SM2_R(t2) "\n\t"                      \
    "mulxq 16(%[pa]), %%rax, %%rcx\n\t"                   \
    "adcxq %%rax, " SM2_R(t2) "\n\t"                      \
    "adoxq %%rcx, " SM2_R(t3) "\n\t"                      \
    "mulxq 24(%[pa]), %%rax, " SM2_R(t4) "\n\t"           \
    "adcxq %%rax, " SM2_R(t3) "\n\t"                      \
    "movl $0, %%eax\n\t"                                  \
    "adoxq %%rax, " SM2_R(t4) "\n\t"                      \
    "adcxq %%rax, " SM2_R(t4) "\n\t"

/* a * b (operands pa, pb) into r8..r15, then reduced into SM2_R4; pa is
 * overwritten (it holds the shift count), pb is left intact. */
#define SM2_MULX_MONT                                     \
    "movq 0(%[pb]), %%rdx\n\t"                            \
    "mulxq 0(%[pa]), %%r8, %%r9\n\t"                      \
    "mulxq 8(%[pa]), %%rax, %%r10\n\t"                    \
    "addq %%rax, %%r9\n\t"                                \
    "mulxq 16(%[pa]), %%rax, %%r11\n\t"                   \
    "adcq %%rax, %%r10\n\t"                               \
    "mulxq 24(%[pa]), %%rax, %%r12\n\t"                   \
    "adcq %%rax, %%r11\n\t"                               \
    "adcq $0, %%r12\n\t"                                  \
    SM2_MULX_ROW("8(%[pb])", r9, r10, r11, r12, r13)      \
    SM2_MULX_ROW("16(%[pb])", r10, r11, r12, r13, r14)    \
    SM2_MULX_ROW("24(%[pb])", r11, r12, r13, r14, r15)    \
    SM2_REDC8("[pa]")

/* a^2 (operand pa): the six cross products, doubled (CF chain) while the
 * four squares go in (OF chain), into r8..r15; then reduced into SM2_R4,
 * pa overwritten. */
#define SM2_SQRX_MONT                                     \
    /* a0 * (a1, a2, a3) into r9..r12, a1 * a3 into r12, r13 */ \
    "movq 0(%[pa]), %%rdx\n\t"                            \
    "mulxq 8(%[pa]), %%r9, %%r10\n\t"                     \
    "mulxq 16(%[pa]), %%rax, %%r11\n\t"                   \
    "addq %%rax, %%r10\n\t"                               \
    "mulxq 24(%[pa]), %%rax, %%r12\n\t"                   \
    "adcq %%rax, %%r11\n\t"                               \
    "movq 8(%[pa]), %%rdx\n\t"                            \
    "mulxq 24(%[pa]), %%rax, %%r13\n\t"                   \
    "adcq %%rax, %%r12\n\t"                               \
    "adcq $0, %%r13\n\t"                                  \
    /* a1 * a2 into r11, r12; a2 * a3 into r13, r14 */    \
    "mulxq 16(%[pa]), %%rax, %%rcx\n\t"                   \
    "movq 16(%[pa]), %%rdx\n\t"                           \
    "mulxq 24(%[pa]), %%rdx, %%r14\n\t"                   \
    "addq %%rax, %%r11\n\t"                               \
    "adcq %%rcx, %%r12\n\t"                               \
    "adcq %%rdx, %%r13\n\t"                               \
    "adcq $0, %%r14\n\t"                                  \
    /* double (CF) and add the squares (OF) */            \
    "xorl %%r15d, %%r15d\n\t"                             \
    "movq 0(%[pa]), %%rdx\n\t"                            \
    "mulxq %%rdx, %%r8, %%rax\n\t"                        \
    "adcxq %%r9, %%r9\n\t"                                \
    "adoxq %%rax, %%r9\n\t"                               \
    "movq 8(%[pa]), %%rdx\n\t"                            \
    "mulxq %%rdx, %%rax, %%rcx\n\t"                       \
    "adcxq %%r10, %%r10\n\t"                              \
    "adoxq %%rax, %%r10\n\t"                              \
    "adcxq %%r11, %%r11\n\t"                              \
    "adoxq %%rcx, %%r11\n\t"                              \
    "movq 16(%[pa]), %%rdx\n\t"                           \
    "mulxq %%rdx, %%rax, %%rcx\n\t"                       \
    "adcxq %%r12, %%r12\n\t"                              \
    "adoxq %%rax, %%r12\n\t"                              \
    "adcxq %%r13, %%r13\n\t"                              \
    "adoxq %%rcx, %%r13\n\t"                              \
    "movq 24(%[pa]), %%rdx\n\t"                           \
    "mulxq %%rdx, %%rax, %%rcx\n\t"                       \
    "adcxq %%r14, %%r14\n\t"                              \
    "adoxq %%rax, %%r14\n\t"                              \
    "adcxq %%r15, %%r15\n\t"                              \
    "adoxq %%rcx, %%r15\n\t"                              \
    SM2_REDC8("[pa]")

/*
 * Epilogues applied to a product in SM2_R4 before it is stored, saving a
 * store, reload and call for the additive step that follows a
 * multiplication in the point formulas. Scratch: r9..r15.
 */
/* R4 = 3 R4 / 2: R4 kept in U4, halved (p added first when R4 is odd, the
 * 257-bit sum shifted right through the carry), then U4 added back. */
#define SM2_EP_X3HALF                                     \
    "movq %%rax, %%r12\n\t"                               \
    "movq %%rdx, %%r13\n\t"                               \
    "movq %%rcx, %%r14\n\t"                               \
    "movq %%r8, %%r15\n\t"                                \
    "movl %%eax, %%r9d\n\t"                               \
    "andl $1, %%r9d\n\t"                                  \
    "negq %%r9\n\t"                                       \
    SM2_ADDBACK("%%r9", "%%r10", SM2_R4)                  \
    "rcrq $1, %%r8\n\t"                                   \
    "rcrq $1, %%rcx\n\t"                                  \
    "rcrq $1, %%rdx\n\t"                                  \
    "rcrq $1, %%rax\n\t"                                  \
    "xorl %%r9d, %%r9d\n\t"                               \
    "addq %%r12, %%rax\n\t"                               \
    "adcq %%r13, %%rdx\n\t"                               \
    "adcq %%r14, %%rcx\n\t"                               \
    "adcq %%r15, %%r8\n\t"                                \
    "adcq $0, %%r9\n\t"                                   \
    SM2_CONDSUB("%%r9", "%%r10", SM2_R4)
/* U4 -= R4, reduced */
#define SM2_EP_U4_SUB_R4                                  \
    "subq %%rax, %%r12\n\t"                               \
    "sbbq %%rdx, %%r13\n\t"                               \
    "sbbq %%rcx, %%r14\n\t"                               \
    "sbbq %%r8, %%r15\n\t"                                \
    SM2_SUBFIX("%%r9", "%%r10", SM2_U4)

/* r = a * b * R^-1 mod p for CPUs with BMI2 + ADX (a, b < p; r may alias
 * a or b: the stores come last). */
SM2_ALWAYS_INLINE void sm2_fp_mul_adx(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    const uint64_t *pa = a;
    __asm__ volatile(SM2_MULX_MONT SM2_STORE4("%[pr]", SM2_R4)
                     : [pa] "+&r"(pa)
                     : [pr] "r"(r), [pb] "r"(b), SM2_P13
                     : SM2_ASM_CLOBBERS);
}

/* r = a^2 * R^-1 mod p, BMI2 + ADX */
SM2_ALWAYS_INLINE void sm2_fp_sqr_adx(uint64_t r[4], const uint64_t a[4])
{
    const uint64_t *pa = a;
    __asm__ volatile(SM2_SQRX_MONT SM2_STORE4("%[pr]", SM2_R4)
                     : [pa] "+&r"(pa)
                     : [pr] "r"(r), SM2_P13
                     : SM2_ASM_CLOBBERS);
}

/* r = 3ab/2, BMI2 + ADX */
SM2_ALWAYS_INLINE void sm2_fp_mul_x3half_adx(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    const uint64_t *pa = a;
    __asm__ volatile(SM2_MULX_MONT SM2_EP_X3HALF SM2_STORE4("%[pr]", SM2_R4)
                     : [pa] "+&r"(pa)
                     : [pr] "r"(r), [pb] "r"(b), SM2_P13
                     : SM2_ASM_CLOBBERS);
}

/* sd[0] = x + a^2, sd[1] = x - a^2, BMI2 + ADX (sd must not alias x) */
SM2_ALWAYS_INLINE void sm2_fp_sqr_addsub_adx(uint64_t sd[2][4], const uint64_t a[4], const uint64_t x[4])
{
    const uint64_t *pa = a;
    __asm__ volatile(SM2_SQRX_MONT
                     SM2_LOAD4("%[px]", SM2_U4)
                     "xorl %%r9d, %%r9d\n\t"
                     "addq %%rax, %%r12\n\t"
                     "adcq %%rdx, %%r13\n\t"
                     "adcq %%rcx, %%r14\n\t"
                     "adcq %%r8, %%r15\n\t"
                     "adcq $0, %%r9\n\t"
                     SM2_CONDSUB("%%r9", "%%r10", SM2_U4)
                     SM2_STORE4("%[pr]", SM2_U4)
                     SM2_LOAD4("%[px]", SM2_U4)
                     SM2_EP_U4_SUB_R4
                     SM2_STORE4O(32, "%[pr]", SM2_U4)
                     : [pa] "+&r"(pa)
                     : [pr] "r"(sd), [px] "r"(x), SM2_P13
                     : SM2_ASM_CLOBBERS);
}

/* r = a^2 - 2u and then ud[1] = u - r, where u = ud[0], BMI2 + ADX (r
 * must not alias ud) */
SM2_ALWAYS_INLINE void sm2_fp_sqr_sub2sub_adx(uint64_t r[4], const uint64_t a[4], uint64_t ud[2][4])
{
    const uint64_t *pa = a;
    __asm__ volatile(SM2_SQRX_MONT
                     SM2_SUBM4("%[pu]", SM2_R4)
                     SM2_SUBFIX("%%r9", "%%r10", SM2_R4)
                     SM2_SUBM4("%[pu]", SM2_R4)
                     SM2_SUBFIX("%%r9", "%%r10", SM2_R4)
                     SM2_STORE4("%[pr]", SM2_R4)
                     SM2_LOAD4("%[pu]", SM2_U4)
                     SM2_EP_U4_SUB_R4
                     SM2_STORE4O(32, "%[pu]", SM2_U4)
                     : [pa] "+&r"(pa)
                     : [pr] "r"(r), [pu] "r"(ud), SM2_P13
                     : SM2_ASM_CLOBBERS);
}

/* r = a * bc[0] - bc[1], BMI2 + ADX (r may alias any operand) */
SM2_ALWAYS_INLINE void sm2_fp_mul_sub_adx(uint64_t r[4], const uint64_t a[4], const uint64_t bc[2][4])
{
    const uint64_t *pa = a;
    __asm__ volatile(SM2_MULX_MONT
                     SM2_SUBM4O(32, "%[pb]", SM2_R4)
                     SM2_SUBFIX("%%r9", "%%r10", SM2_R4)
                     SM2_STORE4("%[pr]", SM2_R4)
                     : [pa] "+&r"(pa)
                     : [pr] "r"(r), [pb] "r"(bc), SM2_P13
                     : SM2_ASM_CLOBBERS);
}

/* r = a^2 - j - 2v and then jvd[2] = v - r, where j = jvd[0] and
 * v = jvd[1], BMI2 + ADX (r must not alias jvd) */
SM2_ALWAYS_INLINE void sm2_fp_sqr_subsub2sub_adx(uint64_t r[4], const uint64_t a[4], uint64_t jvd[3][4])
{
    const uint64_t *pa = a;
    __asm__ volatile(SM2_SQRX_MONT
                     SM2_SUBM4O(0, "%[pu]", SM2_R4)
                     SM2_SUBFIX("%%r9", "%%r10", SM2_R4)
                     SM2_SUBM4O(32, "%[pu]", SM2_R4)
                     SM2_SUBFIX("%%r9", "%%r10", SM2_R4)
                     SM2_SUBM4O(32, "%[pu]", SM2_R4)
                     SM2_SUBFIX("%%r9", "%%r10", SM2_R4)
                     SM2_STORE4("%[pr]", SM2_R4)
                     SM2_LOAD4O(32, "%[pu]", SM2_U4)
                     SM2_EP_U4_SUB_R4
                     SM2_STORE4O(64, "%[pu]", SM2_U4)
                     : [pa] "+&r"(pa)
                     : [pr] "r"(r), [pu] "r"(jvd), SM2_P13
                     : SM2_ASM_CLOBBERS);
}

/* r = a * b * R^-1 mod p (a, b < p; r may alias a or b: every load comes
 * before the stores). Baseline x86-64 (mulq). */
SM2_NOINLINE void sm2_fp_mul_mulq(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    __asm__ volatile(
        "xorq %%r8, %%r8\n\t"
        "xorq %%r9, %%r9\n\t"
        "xorq %%r10, %%r10\n\t"
        "xorq %%r11, %%r11\n\t"
        "xorq %%r12, %%r12\n\t"
        SM2_MULACC("0(%[pb])", r8, r9, r10, r11, r12, r13)
        SM2_REDUCE(r8, r9, r10, r11, r12, r13)
        SM2_MULACC("8(%[pb])", r9, r10, r11, r12, r13, r8)
        SM2_REDUCE(r9, r10, r11, r12, r13, r8)
        SM2_MULACC("16(%[pb])", r10, r11, r12, r13, r8, r9)
        SM2_REDUCE(r10, r11, r12, r13, r8, r9)
        SM2_MULACC("24(%[pb])", r11, r12, r13, r8, r9, r10)
        SM2_REDUCE(r11, r12, r13, r8, r9, r10)
        SM2_FINAL(r12, r13, r8, r9, r10, r11, r15)
        :
        : [pr] "r"(r), [pa] "r"(a), [pb] "r"(b)
        : SM2_ASM_CLOBBERS);
}

SM2_ALWAYS_INLINE void sm2_fp_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    /* the flag is fixed for the life of the process: not secret */
    if (__builtin_expect(gmtls_sm2_cpu_adx, 1)) {
        sm2_fp_mul_adx(r, a, b);
    } else {
        sm2_fp_mul_mulq(r, a, b);
    }
}

/* One reduction step of the squaring, in two passes: m = t[i]; add
 * (m, 0, 0, m) to t[i+1..i+4], then subtract (m<<32, m>>32, m<<32, m>>32)
 * (the caller propagates each pass's carry up to the carry word rcx; the
 * running total stays non-negative). */
#define SM2_SQRED_ADD(m, t1, t2, t3, t4)                  \
    "movq " SM2_R(m) ", %%rax\n\t"                        \
    "movq " SM2_R(m) ", %%rdx\n\t"                        \
    "shlq $32, %%rax\n\t"                                 \
    "shrq $32, %%rdx\n\t"                                 \
    "addq " SM2_R(m) ", " SM2_R(t1) "\n\t"                \
    "adcq $0, " SM2_R(t2) "\n\t"                          \
    "adcq $0, " SM2_R(t3) "\n\t"                          \
    "adcq " SM2_R(m) ", " SM2_R(t4) "\n\t"
#define SM2_SQRED_SUB(t1, t2, t3, t4)                     \
    "subq %%rax, " SM2_R(t1) "\n\t"                       \
    "sbbq %%rdx, " SM2_R(t2) "\n\t"                       \
    "sbbq %%rax, " SM2_R(t3) "\n\t"                       \
    "sbbq %%rdx, " SM2_R(t4) "\n\t"

/* r = a^2 * R^-1 mod p: the 6 cross products doubled plus the 4 squares
 * into r8..r15, four in-place reduction steps, one conditional
 * subtraction. */
SM2_NOINLINE void sm2_fp_sqr_mulq(uint64_t r[4], const uint64_t a[4])
{
    __asm__ volatile(
        /* cross products a_i * a_j, i < j, into r9..r14 */
        "movq 0(%[pa]), %%rcx\n\t"
        "movq 8(%[pa]), %%rax\n\t"
        "mulq %%rcx\n\t"
        "movq %%rax, %%r9\n\t"
        "movq %%rdx, %%r10\n\t"
        "movq 16(%[pa]), %%rax\n\t"
        "mulq %%rcx\n\t"
        "addq %%rax, %%r10\n\t"
        "adcq $0, %%rdx\n\t"
        "movq %%rdx, %%r11\n\t"
        "movq 24(%[pa]), %%rax\n\t"
        "mulq %%rcx\n\t"
        "addq %%rax, %%r11\n\t"
        "adcq $0, %%rdx\n\t"
        "movq %%rdx, %%r12\n\t"
        "movq 8(%[pa]), %%rcx\n\t"
        "movq 16(%[pa]), %%rax\n\t"
        "mulq %%rcx\n\t"
        "addq %%rax, %%r11\n\t"
        "adcq $0, %%rdx\n\t"
        "movq %%rdx, %%r14\n\t"
        "movq 24(%[pa]), %%rax\n\t"
        "mulq %%rcx\n\t"
        "addq %%r14, %%rax\n\t"
        "adcq $0, %%rdx\n\t"
        "addq %%rax, %%r12\n\t"
        "adcq $0, %%rdx\n\t"
        "movq %%rdx, %%r13\n\t"
        "movq 16(%[pa]), %%rcx\n\t"
        "movq 24(%[pa]), %%rax\n\t"
        "mulq %%rcx\n\t"
        "addq %%rax, %%r13\n\t"
        "adcq $0, %%rdx\n\t"
        "movq %%rdx, %%r14\n\t"
        /* double them; r15 takes the top bit */
        "xorq %%r15, %%r15\n\t"
        "addq %%r9, %%r9\n\t"
        "adcq %%r10, %%r10\n\t"
        "adcq %%r11, %%r11\n\t"
        "adcq %%r12, %%r12\n\t"
        "adcq %%r13, %%r13\n\t"
        "adcq %%r14, %%r14\n\t"
        "adcq $0, %%r15\n\t"
        /* add the squares; the carry is parked in rcx across each mul */
        "movq 0(%[pa]), %%rax\n\t"
        "mulq %%rax\n\t"
        "movq %%rax, %%r8\n\t"
        "movq %%rdx, %%rcx\n\t"
        "movq 8(%[pa]), %%rax\n\t"
        "mulq %%rax\n\t"
        "addq %%rcx, %%r9\n\t"
        "adcq %%rax, %%r10\n\t"
        "adcq %%rdx, %%r11\n\t"
        "sbbq %%rcx, %%rcx\n\t"
        "movq 16(%[pa]), %%rax\n\t"
        "mulq %%rax\n\t"
        "negq %%rcx\n\t"
        "adcq %%rax, %%r12\n\t"
        "adcq %%rdx, %%r13\n\t"
        "sbbq %%rcx, %%rcx\n\t"
        "movq 24(%[pa]), %%rax\n\t"
        "mulq %%rax\n\t"
        "negq %%rcx\n\t"
        "adcq %%rax, %%r14\n\t"
        "adcq %%rdx, %%r15\n\t"
        /* reduce; rcx is the carry word above r15 */
        "xorq %%rcx, %%rcx\n\t"
        SM2_SQRED_ADD(r8, r9, r10, r11, r12)
        "adcq $0, %%r13\n\t"
        "adcq $0, %%r14\n\t"
        "adcq $0, %%r15\n\t"
        "adcq $0, %%rcx\n\t"
        SM2_SQRED_SUB(r9, r10, r11, r12)
        "sbbq $0, %%r13\n\t"
        "sbbq $0, %%r14\n\t"
        "sbbq $0, %%r15\n\t"
        "sbbq $0, %%rcx\n\t"
        SM2_SQRED_ADD(r9, r10, r11, r12, r13)
        "adcq $0, %%r14\n\t"
        "adcq $0, %%r15\n\t"
        "adcq $0, %%rcx\n\t"
        SM2_SQRED_SUB(r10, r11, r12, r13)
        "sbbq $0, %%r14\n\t"
        "sbbq $0, %%r15\n\t"
        "sbbq $0, %%rcx\n\t"
        SM2_SQRED_ADD(r10, r11, r12, r13, r14)
        "adcq $0, %%r15\n\t"
        "adcq $0, %%rcx\n\t"
        SM2_SQRED_SUB(r11, r12, r13, r14)
        "sbbq $0, %%r15\n\t"
        "sbbq $0, %%rcx\n\t"
        SM2_SQRED_ADD(r11, r12, r13, r14, r15)
        "adcq $0, %%rcx\n\t"
        SM2_SQRED_SUB(r12, r13, r14, r15)
        "sbbq $0, %%rcx\n\t"
        /* r12..r15 + carry rcx < 2p; move out of SM2_FINAL's scratch */
        "movq %%r14, %%r11\n\t"
        "movq %%rcx, %%r10\n\t"
        SM2_FINAL(r12, r13, r11, r15, r10, r8, r9)
        :
        : [pr] "r"(r), [pa] "r"(a)
        : SM2_ASM_CLOBBERS);
}

SM2_ALWAYS_INLINE void sm2_fp_sqr(uint64_t r[4], const uint64_t a[4])
{
    if (__builtin_expect(gmtls_sm2_cpu_adx, 1)) {
        sm2_fp_sqr_adx(r, a);
    } else {
        sm2_fp_sqr_mulq(r, a);
    }
}

/* r = a + b (r may alias a or b) */
SM2_ALWAYS_INLINE void sm2_fp_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    __asm__ volatile(
        "xorl %%eax, %%eax\n\t"
        SM2_LOAD4("%[pa]", SM2_T4)
        SM2_ADDM4("%[pb]", SM2_T4)
        "adcq $0, %%rax\n\t"
        SM2_CONDSUB("%%rax", "%%rcx", SM2_T4)
        SM2_STORE4("%[pr]", SM2_T4)
        :
        : [pr] "r"(r), [pa] "r"(a), [pb] "r"(b), SM2_P13
        : "rax", "rcx", "r8", "r9", "r10", "r11", "cc", "memory");
}

/* r = 2a (r may alias a) */
SM2_ALWAYS_INLINE void sm2_fp_dbl(uint64_t r[4], const uint64_t a[4])
{
    __asm__ volatile(
        "xorl %%eax, %%eax\n\t"
        SM2_LOAD4("%[pa]", SM2_T4)
        "addq %%r8, %%r8\n\t"
        "adcq %%r9, %%r9\n\t"
        "adcq %%r10, %%r10\n\t"
        "adcq %%r11, %%r11\n\t"
        "adcq $0, %%rax\n\t"
        SM2_CONDSUB("%%rax", "%%rcx", SM2_T4)
        SM2_STORE4("%[pr]", SM2_T4)
        :
        : [pr] "r"(r), [pa] "r"(a), SM2_P13
        : "rax", "rcx", "r8", "r9", "r10", "r11", "cc", "memory");
}

/* r = a - b (r may alias a or b) */
SM2_ALWAYS_INLINE void sm2_fp_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    __asm__ volatile(
        SM2_LOAD4("%[pa]", SM2_T4)
        SM2_SUBM4("%[pb]", SM2_T4)
        SM2_SUBFIX("%%rax", "%%rcx", SM2_T4)
        SM2_STORE4("%[pr]", SM2_T4)
        :
        : [pr] "r"(r), [pa] "r"(a), [pb] "r"(b)
        : "rax", "rcx", "r8", "r9", "r10", "r11", "cc", "memory");
}

/* s = a + b and d = a - b; s must not alias a or b (as in the C version) */
SM2_ALWAYS_INLINE void sm2_fp_add_sub(uint64_t s[4], uint64_t d[4], const uint64_t a[4], const uint64_t b[4])
{
    __asm__ volatile(
        SM2_LOAD4("%[pa]", SM2_T4)
        SM2_LOAD4("%[pa]", SM2_U4)
        SM2_SUBM4("%[pb]", SM2_U4)
        SM2_SUBFIX("%%rax", "%%rcx", SM2_U4)
        "xorl %%eax, %%eax\n\t"
        SM2_ADDM4("%[pb]", SM2_T4)
        "adcq $0, %%rax\n\t"
        SM2_CONDSUB("%%rax", "%%rcx", SM2_T4)
        SM2_STORE4("%[ps]", SM2_T4)
        SM2_STORE4("%[pd]", SM2_U4)
        :
        : [ps] "r"(s), [pd] "r"(d), [pa] "r"(a), [pb] "r"(b), SM2_P13
        : "rax", "rcx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
}

/* x = t - 2u, then d = u - x; x may alias t, d may alias any, but x
 * must not alias u */
SM2_ALWAYS_INLINE void sm2_fp_sub2_sub(uint64_t x[4], uint64_t d[4], const uint64_t t[4], const uint64_t u[4])
{
    __asm__ volatile(
        SM2_LOAD4("%[pt]", SM2_T4)
        SM2_SUBM4("%[pu]", SM2_T4)
        SM2_SUBFIX("%%rax", "%%rcx", SM2_T4)
        SM2_SUBM4("%[pu]", SM2_T4)
        SM2_SUBFIX("%%rax", "%%rcx", SM2_T4)
        SM2_LOAD4("%[pu]", SM2_U4)
        SM2_STORE4("%[px]", SM2_T4)
        "subq %%r8, %%r12\n\t"
        "sbbq %%r9, %%r13\n\t"
        "sbbq %%r10, %%r14\n\t"
        "sbbq %%r11, %%r15\n\t"
        SM2_SUBFIX("%%rax", "%%rcx", SM2_U4)
        SM2_STORE4("%[pd]", SM2_U4)
        :
        : [px] "r"(x), [pd] "r"(d), [pt] "r"(t), [pu] "r"(u)
        : "rax", "rcx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
}

/* r = a - b/2 (r may alias a or b). b/2 is (b + (p if b is odd)) >> 1,
 * the 257-bit sum shifted right through the carry (rcr). */
SM2_ALWAYS_INLINE void sm2_fp_sub_half(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    __asm__ volatile(
        SM2_LOAD4("%[pb]", SM2_T4)
        "movl %%r8d, %%eax\n\t"
        "andl $1, %%eax\n\t"
        "negq %%rax\n\t"
        SM2_ADDBACK("%%rax", "%%rcx", SM2_T4)
        "rcrq $1, %%r11\n\t"
        "rcrq $1, %%r10\n\t"
        "rcrq $1, %%r9\n\t"
        "rcrq $1, %%r8\n\t"
        SM2_LOAD4("%[pa]", SM2_U4)
        "subq %%r8, %%r12\n\t"
        "sbbq %%r9, %%r13\n\t"
        "sbbq %%r10, %%r14\n\t"
        "sbbq %%r11, %%r15\n\t"
        SM2_SUBFIX("%%rax", "%%rcx", SM2_U4)
        SM2_STORE4("%[pr]", SM2_U4)
        :
        : [pr] "r"(r), [pa] "r"(a), [pb] "r"(b)
        : "rax", "rcx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
}

/* clang-format on */
#else /* portable C */
static inline void sm2_fp_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4];
    uint64_t c = sm2_add4(t, a, b);
    sm2_final_sub(r, t, c, SM2_P);
}

static inline void sm2_fp_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4], pm[4];
    uint64_t mask = (uint64_t)0 - sm2_sub4(t, a, b);
    SM2_UNROLL
    for (int i = 0; i < 4; i++) {
        pm[i] = SM2_P[i] & mask;
    }
    sm2_add4(r, t, pm);
}

/*
 * Montgomery reduction of t[0..7] (t < p * 2^256) into r < p. Because
 * p = -1 mod 2^64, the per-limb multiplier is m = t[i] itself, and
 * m * p = m*2^256 - m*2^224 - m*2^96 + m*2^64 - m needs no multiplication:
 * (t + m*p) / 2^64 = t/2^64 + c with c = m*(2^192 - 2^160 - 2^32 + 1) >= 0.
 */
static inline void sm2_fp_redc(uint64_t r[4], uint64_t t[8])
{
    uint64_t top = 0; /* carry out above t[7] */
    SM2_UNROLL
    for (int i = 0; i < 4; i++) {
        uint64_t m = t[i];
        uint64_t lo = m << 32, hi = m >> 32;
        uint64_t c0, c1, c2, c3, br;
        sm2_u128 d;
        d = (sm2_u128)m - lo;
        c0 = (uint64_t)d;
        br = (uint64_t)(d >> 64) & 1;
        d = (sm2_u128)0 - hi - br;
        c1 = (uint64_t)d;
        br = (uint64_t)(d >> 64) & 1;
        d = (sm2_u128)0 - lo - br;
        c2 = (uint64_t)d;
        br = (uint64_t)(d >> 64) & 1;
        c3 = m - hi - br;
        sm2_u128 s;
        s = (sm2_u128)t[i + 1] + c0;
        t[i + 1] = (uint64_t)s;
        s = (sm2_u128)t[i + 2] + c1 + (uint64_t)(s >> 64);
        t[i + 2] = (uint64_t)s;
        s = (sm2_u128)t[i + 3] + c2 + (uint64_t)(s >> 64);
        t[i + 3] = (uint64_t)s;
        s = (sm2_u128)t[i + 4] + c3 + (uint64_t)(s >> 64);
        t[i + 4] = (uint64_t)s;
        uint64_t carry = (uint64_t)(s >> 64);
        SM2_UNROLL
        for (int j = i + 5; j < 8; j++) {
            s = (sm2_u128)t[j] + carry;
            t[j] = (uint64_t)s;
            carry = (uint64_t)(s >> 64);
        }
        top += carry;
    }
    sm2_final_sub(r, t + 4, top, SM2_P);
}

/* t[0..7] = a * b */
static inline void sm2_mul_wide(uint64_t t[8], const uint64_t a[4], const uint64_t b[4])
{
    sm2_u128 acc;
    uint64_t carry = 0;
    SM2_UNROLL
    for (int j = 0; j < 4; j++) {
        acc = (sm2_u128)a[0] * b[j] + carry;
        t[j] = (uint64_t)acc;
        carry = (uint64_t)(acc >> 64);
    }
    t[4] = carry;
    SM2_UNROLL
    for (int i = 1; i < 4; i++) {
        carry = 0;
        SM2_UNROLL
        for (int j = 0; j < 4; j++) {
            acc = (sm2_u128)a[i] * b[j] + t[i + j] + carry;
            t[i + j] = (uint64_t)acc;
            carry = (uint64_t)(acc >> 64);
        }
        t[i + 4] = carry;
    }
}

/* t[0..7] = a^2 (cross products once, doubled, plus the squares) */
static inline void sm2_sqr_wide(uint64_t t[8], const uint64_t a[4])
{
    sm2_u128 acc;
    uint64_t c;
    acc = (sm2_u128)a[0] * a[1];
    t[1] = (uint64_t)acc;
    acc = (sm2_u128)a[0] * a[2] + (uint64_t)(acc >> 64);
    t[2] = (uint64_t)acc;
    acc = (sm2_u128)a[0] * a[3] + (uint64_t)(acc >> 64);
    t[3] = (uint64_t)acc;
    t[4] = (uint64_t)(acc >> 64);
    acc = (sm2_u128)a[1] * a[2] + t[3];
    t[3] = (uint64_t)acc;
    acc = (sm2_u128)a[1] * a[3] + t[4] + (uint64_t)(acc >> 64);
    t[4] = (uint64_t)acc;
    t[5] = (uint64_t)(acc >> 64);
    acc = (sm2_u128)a[2] * a[3] + t[5];
    t[5] = (uint64_t)acc;
    t[6] = (uint64_t)(acc >> 64);
    /* double the cross products */
    t[7] = t[6] >> 63;
    t[6] = (t[6] << 1) | (t[5] >> 63);
    t[5] = (t[5] << 1) | (t[4] >> 63);
    t[4] = (t[4] << 1) | (t[3] >> 63);
    t[3] = (t[3] << 1) | (t[2] >> 63);
    t[2] = (t[2] << 1) | (t[1] >> 63);
    t[1] = t[1] << 1;
    /* add the squares */
    acc = (sm2_u128)a[0] * a[0];
    t[0] = (uint64_t)acc;
    c = (uint64_t)(acc >> 64);
    SM2_UNROLL
    for (int i = 1; i < 4; i++) {
        sm2_u128 sq = (sm2_u128)a[i] * a[i];
        acc = (sm2_u128)t[2 * i - 1] + c;
        t[2 * i - 1] = (uint64_t)acc;
        acc = (sm2_u128)t[2 * i] + (uint64_t)sq + (uint64_t)(acc >> 64);
        t[2 * i] = (uint64_t)acc;
        c = (uint64_t)(sq >> 64) + (uint64_t)(acc >> 64);
    }
    t[7] += c;
}

/* r = a * b * R^-1 mod p */
static inline void sm2_fp_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[8];
    sm2_mul_wide(t, a, b);
    sm2_fp_redc(r, t);
}

/* r = a^2 * R^-1 mod p */
static inline void sm2_fp_sqr(uint64_t r[4], const uint64_t a[4])
{
    uint64_t t[8];
    sm2_sqr_wide(t, a);
    sm2_fp_redc(r, t);
}

static inline void sm2_fp_dbl(uint64_t r[4], const uint64_t a[4])
{
    sm2_fp_add(r, a, a);
}

/* s = a + b and d = a - b; s must not alias a or b */
static inline void sm2_fp_add_sub(uint64_t s[4], uint64_t d[4], const uint64_t a[4], const uint64_t b[4])
{
    sm2_fp_add(s, a, b);
    sm2_fp_sub(d, a, b);
}

/* x = t - 2u, then d = u - x; x must not alias u */
static inline void sm2_fp_sub2_sub(uint64_t x[4], uint64_t d[4], const uint64_t t[4], const uint64_t u[4])
{
    sm2_fp_sub(x, t, u);
    sm2_fp_sub(x, x, u);
    sm2_fp_sub(d, u, x);
}

/* r = a - b/2: b/2 is (b + (p if b is odd)) >> 1, the mask adding p
 * without a branch, the 257-bit sum shifted right by one. */
static inline void sm2_fp_sub_half(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4], pm[4];
    uint64_t mask = (uint64_t)0 - (sm2_barrier(b[0]) & 1);
    SM2_UNROLL
    for (int i = 0; i < 4; i++) {
        pm[i] = SM2_P[i] & mask;
    }
    uint64_t c = sm2_add4(t, b, pm);
    t[0] = (t[0] >> 1) | (t[1] << 63);
    t[1] = (t[1] >> 1) | (t[2] << 63);
    t[2] = (t[2] >> 1) | (t[3] << 63);
    t[3] = (t[3] >> 1) | (c << 63);
    sm2_fp_sub(r, a, t);
}

#endif

/* r = -a mod p (0 stays 0). */
static inline void sm2_fp_neg(uint64_t r[4], const uint64_t a[4])
{
    static const uint64_t zero[4] = {0, 0, 0, 0};
    sm2_fp_sub(r, zero, a);
}

/* a = -a mod p when mask is all-ones, a unchanged when it is zero (0 stays
 * 0 either way). The x86-64 code keeps a in registers from load to store:
 * a separate negation and select would store four limbs and reload them
 * as two 128-bit words, which the store buffer cannot forward. */
static inline void sm2_fp_cneg(uint64_t a[4], uint64_t mask)
{
#ifdef GMTLS_SM2_X86_64_ASM
    /* clang-format off */
    __asm__ volatile(
        SM2_LOAD4("%[pa]", SM2_T4)
        "xorl %%r12d, %%r12d\n\t"
        "xorl %%r13d, %%r13d\n\t"
        "xorl %%r14d, %%r14d\n\t"
        "xorl %%r15d, %%r15d\n\t"
        "subq %%r8, %%r12\n\t"
        "sbbq %%r9, %%r13\n\t"
        "sbbq %%r10, %%r14\n\t"
        "sbbq %%r11, %%r15\n\t"
        SM2_SUBFIX("%%rax", "%%rcx", SM2_U4)
        "testq %[m], %[m]\n\t"
        "cmovnzq %%r12, %%r8\n\t"
        "cmovnzq %%r13, %%r9\n\t"
        "cmovnzq %%r14, %%r10\n\t"
        "cmovnzq %%r15, %%r11\n\t"
        SM2_STORE4("%[pa]", SM2_T4)
        :
        : [pa] "r"(a), [m] "r"(mask)
        : "rax", "rcx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
    /* clang-format on */
#else
    uint64_t n[4];
    sm2_fp_neg(n, a);
    sm2_cmov4(a, n, mask);
#endif
}

/*
 * A multiplication fused with the additive step that follows it in the
 * point formulas. The BMI2 + ADX code does the step on the product while
 * it is still in registers; elsewhere it is the two operations in turn.
 */
/* clang-format off */
#ifdef GMTLS_SM2_X86_64_ASM
#define SM2_IF_ADX(call)                                  \
    if (__builtin_expect(gmtls_sm2_cpu_adx, 1)) {         \
        call;                                             \
        return;                                           \
    }
#else
#define SM2_IF_ADX(call)
#endif
/* clang-format on */

/* r = 3ab/2, elsewhere as t + t/2 = t - (-t)/2 with t = ab */
SM2_ALWAYS_INLINE void sm2_fp_mul_x3half(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4], n[4];
    SM2_IF_ADX(sm2_fp_mul_x3half_adx(r, a, b))
    sm2_fp_mul(t, a, b);
    sm2_fp_neg(n, t);
    sm2_fp_sub_half(r, t, n);
}

/* sd[0] = x + a^2, sd[1] = x - a^2 (sd must not alias x) */
SM2_ALWAYS_INLINE void sm2_fp_sqr_addsub(uint64_t sd[2][4], const uint64_t a[4], const uint64_t x[4])
{
    uint64_t t[4];
    SM2_IF_ADX(sm2_fp_sqr_addsub_adx(sd, a, x))
    sm2_fp_sqr(t, a);
    sm2_fp_add_sub(sd[0], sd[1], x, t);
}

/* r = a^2 - 2u, then ud[1] = u - r, where u = ud[0] (r must not alias ud) */
SM2_ALWAYS_INLINE void sm2_fp_sqr_sub2sub(uint64_t r[4], const uint64_t a[4], uint64_t ud[2][4])
{
    uint64_t t[4];
    SM2_IF_ADX(sm2_fp_sqr_sub2sub_adx(r, a, ud))
    sm2_fp_sqr(t, a);
    sm2_fp_sub2_sub(r, ud[1], t, ud[0]);
}

/* r = a * bc[0] - bc[1] */
SM2_ALWAYS_INLINE void sm2_fp_mul_sub(uint64_t r[4], const uint64_t a[4], const uint64_t bc[2][4])
{
    uint64_t t[4];
    SM2_IF_ADX(sm2_fp_mul_sub_adx(r, a, bc))
    sm2_fp_mul(t, a, bc[0]);
    sm2_fp_sub(r, t, bc[1]);
}

/* r = a^2 - j - 2v, then jvd[2] = v - r, where j = jvd[0], v = jvd[1]
 * (r must not alias jvd) */
SM2_ALWAYS_INLINE void sm2_fp_sqr_subsub2sub(uint64_t r[4], const uint64_t a[4], uint64_t jvd[3][4])
{
    uint64_t t[4];
    SM2_IF_ADX(sm2_fp_sqr_subsub2sub_adx(r, a, jvd))
    sm2_fp_sqr(t, a);
    sm2_fp_sub(t, t, jvd[0]);
    sm2_fp_sub2_sub(r, jvd[2], t, jvd[1]);
}

/* Non-inline entry points (sm2_field.c). */

/* a (normal, < p) -> a*R mod p */
void gmtls_sm2_fp_to_mont(uint64_t r[4], const uint64_t a[4]);
/* a*R -> a */
void gmtls_sm2_fp_from_mont(uint64_t r[4], const uint64_t a[4]);
/* r = a^-1 (Montgomery in, Montgomery out); 0 maps to 0. Constant time
 * (Bernstein-Yang divsteps, sm2_field.c). */
void gmtls_sm2_fp_inv(uint64_t r[4], const uint64_t a[4]);
/* The same in variable time, about twice as fast: only for values that are
 * public or blinded by a random factor. */
void gmtls_sm2_fp_inv_vt(uint64_t r[4], const uint64_t a[4]);

/* Big-endian 32 bytes <-> limbs (no reduction). */
void gmtls_sm2_from_be(uint64_t r[4], const uint8_t in[32]);
void gmtls_sm2_to_be(uint8_t out[32], const uint64_t a[4]);

/* ------------------------------------------------------------ mod n */

/* r = a + b mod n, r = a - b mod n (inputs < n). */
void gmtls_sm2_fn_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void gmtls_sm2_fn_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
/* r = a mod n for any 256-bit a (one conditional subtraction suffices). */
void gmtls_sm2_fn_reduce(uint64_t r[4], const uint64_t a[4]);
/* Montgomery multiplication mod n: r = a * b * R^-1 mod n (inputs < n). */
void gmtls_sm2_fn_mont_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
/* r = a^-1 * R^2 mod n for a in [1, n-1] (normal form in), constant time.
 * (With this scaling, mont_mul(x, r) = x * a^-1 * R mod n.) */
void gmtls_sm2_fn_inv_r2(uint64_t r[4], const uint64_t a[4]);
/* Normal-form helpers: r = a * b mod n; r = a^-1 mod n. */
void gmtls_sm2_fn_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void gmtls_sm2_fn_inv(uint64_t r[4], const uint64_t a[4]);

#endif
