/*
 * src/sm/sm3_x86_64.S - SM3 compression (GB/T 32905-2016 §5.3) for x86-64
 * with BMI2, hand-scheduled; two entry points that differ only in the
 * message expansion: gmtls_sm3_x64_avx2_blocks (VEX, AVX2 CPUs) and
 * gmtls_sm3_x64_avx512_blocks (VPROLD/VPTERNLOGD, AVX-512F+VL CPUs).
 *
 * Why assembly: a round is ~24 integer operations on 4 ALUs (only two of
 * which rotate), and its E chain is 7 dependent single-cycle operations
 * (6 in rounds 0-15); the compiler's order left rounds at ~8.2 cycles.
 * Here each round is written as
 *
 *   1. the critical chain, in dependency order: P = (A<<<12)+T_j + E,
 *      SS1 = P<<<7, GG, TT2 = (H+W_j+GG) + SS1, E' = P0(TT2) with P0 as
 *      (x ^ x<<<9) ^ x<<<17, and on the A side SS2, TT1 and the next
 *      round's (A'<<<12) and (A'<<<12)+T_{j+1} (one LEA);
 *   2. then the work for round j+1 that does not wait on it: B<<<9,
 *      F<<<19, F'^G' for GG, H'+W_{j+1}, D'+W'_{j+1}+FF_{j+1} (W, W' as
 *      memory operands).
 *
 * so that, the scheduler picking the oldest ready operation, the filler
 * has mostly run before round j+1's chain needs the ALUs. The eight
 * state registers change roles from round to round (macro arguments)
 * instead of being moved. Measured on Zen 4 (time-based, AVX-512
 * expansion): rounds 0-15 ~6.1 cycles (bound 6), rounds 16-63 ~7.2
 * (bound 7); the AVX2 expansion, twice the vector instructions, costs
 * ~3% more (front end).
 *
 * Vector rounds (the state in xmm lanes, VPROLD/VPTERNLOGD) were tried and
 * are slower on Zen 4: VPROLD has 2-cycle latency there, which makes the
 * A and E loops 8 and 7 cycles with more work per round (~340 MB/s).
 *
 * The message expansion (§5.3.2) runs in xmm registers four words at a
 * time, three groups (12 rounds) ahead of use; W_j and W'_j are stored on
 * the stack one group before the rounds read them, and wiped on return.
 * No branch or memory index depends on the data (HMAC keys pass through
 * here). cpu.c selects the entry points on CPUs with BMI2 and AVX2 or
 * AVX-512F+VL; this file is empty on other targets.
 *
 * Registers: r8d..r15d hold A..H; eax = A<<<12 then SS2, ecx =
 * (A<<<12)+T_j then SS1, edx = F^G then GG, esi/edi = P0 rotations, ebp =
 * FF scratch, rbx = hs. xmm15 = byte-swap mask, xmm0..4 = v[m]
 * (W_{4m..4m+3}) in xmm(m mod 5), xmm5..12 scratch.
 */
#if defined(__x86_64__) && defined(__ELF__)

#ifdef __CET__
#include <cet.h>
#else
#define _CET_ENDBR
#endif

        .text

/* stack frame: W_0..63, W'_0..63, saved input pointer and block count */
.set WOFF, 0
.set WPOFF, 256
.set INOFF, 512
.set NOFF, 520
.set FRAME, 536

/* GB/T 32905-2016 §4.2: T_j = 79cc4519 (0 <= j <= 15), 7a879d8a (16 <= j <= 63);
 * the round adds T_j <<< (j mod 32). Sets tsig to that as a signed 32-bit
 * displacement. */
.macro TCONST j
        .if (\j) < 16
        .set tbase, 0x79cc4519
        .else
        .set tbase, 0x7a879d8a
        .endif
        .set tn, (\j) % 32
        .set tval, ((tbase << tn) | (tbase >> (32 - tn))) & 0xffffffff
        .set tsig, tval - ((tval & 0x80000000) << 1)
.endm

/*
 * The part of round k that does not wait on round k-1's new A and E:
 * edx = F ^ G, H += W_k, D += W'_k + FF_k(A, B, C) (roles of round k;
 * B, C, F, G already rotated).
 * GB/T 32905-2016 §4.3: FF_j = X ^ Y ^ Z (0 <= j <= 15),
 * FF_j = (X & Y) | (X & Z) | (Y & Z) (16 <= j <= 63); the latter is
 * computed as (Y & Z) + (X & (Y ^ Z)), whose two terms have no bit in
 * common, so the OR is an ADD and folds into D.
 */
.macro PREP k, A, B, C, D, E, F, G, H
        mov     %r\F\()d, %edx
        xor     %r\G\()d, %edx
        .set    wo, WOFF + 4 * (\k)
        .set    wpo, WPOFF + 4 * (\k)
        add     wo(%rsp), %r\H\()d
        add     wpo(%rsp), %r\D\()d
        .if (\k) < 16
        mov     %r\B\()d, %ebp
        xor     %r\C\()d, %ebp
        xor     %r\A\()d, %ebp
        add     %ebp, %r\D\()d
        .else
        mov     %r\B\()d, %ebp
        and     %r\C\()d, %ebp
        add     %ebp, %r\D\()d
        mov     %r\B\()d, %ebp
        xor     %r\C\()d, %ebp
        and     %r\A\()d, %ebp
        add     %ebp, %r\D\()d
        .endif
.endm

/*
 * GB/T 32905-2016 §5.3.3, round j:
 *   SS1 = ((A <<< 12) + E + (T_j <<< (j mod 32))) <<< 7; SS2 = SS1 ^ (A <<< 12)
 *   TT1 = FF_j(A, B, C) + D + SS2 + W'_j; TT2 = GG_j(E, F, G) + H + SS1 + W_j
 *   D = C; C = B <<< 9; B = A; A = TT1; H = G; G = F <<< 19; F = E; E = P0(TT2)
 * On entry ecx = (A <<< 12) + T_j, eax = A <<< 12, edx = F ^ G, H and D
 * hold what PREP added. The new A is written over D and the new E over H;
 * the caller renames.
 * GB/T 32905-2016 §4.3: GG_j = X ^ Y ^ Z (0 <= j <= 15),
 * GG_j = (X & Y) | (~X & Z) (16 <= j <= 63), computed as ((Y ^ Z) & X) ^ Z.
 * GB/T 32905-2016 §4.4: P0(X) = X ^ (X <<< 9) ^ (X <<< 17).
 */
.macro ROUND A, B, C, D, E, F, G, H, j
        add     %r\E\()d, %ecx
        .if (\j) < 16
        xor     %r\E\()d, %edx
        .else
        and     %r\E\()d, %edx
        .endif
        rorx    $25, %ecx, %ecx                 /* SS1 */
        .if (\j) >= 16
        xor     %r\G\()d, %edx                  /* GG */
        .endif
        add     %edx, %r\H\()d
        xor     %ecx, %eax                      /* SS2 */
        add     %ecx, %r\H\()d                  /* TT2 */
        add     %eax, %r\D\()d                  /* TT1 */
        rorx    $23, %r\H\()d, %esi
        rorx    $15, %r\H\()d, %edi
        .if (\j) < 63
        rorx    $20, %r\D\()d, %eax             /* next A <<< 12 */
        .endif
        xor     %esi, %r\H\()d
        .if (\j) < 63
        TCONST  (\j + 1)
        lea     tsig(%rax), %ecx
        .endif
        xor     %edi, %r\H\()d                  /* P0(TT2) */
        rorx    $23, %r\B\()d, %r\B\()d         /* B <<< 9 */
        rorx    $13, %r\F\()d, %r\F\()d         /* F <<< 19 */
        .if (\j) < 63
        PREP    (\j + 1), \D, \A, \B, \C, \H, \E, \F, \G
        .endif
.endm

/* dst ^= src <<< n in each 32-bit lane (AVX2: two shifts, no rotate) */
.macro VROLX src, n, dst, t1, t2
        vpslld  $\n, \src, \t1
        vpsrld  $(32 - \n), \src, \t2
        vpxor   \t1, \dst, \dst
        vpxor   \t2, \dst, \dst
.endm

/*
 * GB/T 32905-2016 §5.3.2 b): W_j = P1(W_{j-16} ^ W_{j-9} ^ (W_{j-3} <<< 15))
 * ^ (W_{j-13} <<< 7) ^ W_{j-6}, with P1(X) = X ^ (X <<< 15) ^ (X <<< 23)
 * (§4.4). Four words v[m] = W_{4m..4m+3} from v[m-4..m-1] (xmm P4..P1)
 * into xmm O, in four parts spread over a group's four rounds. Lane 3
 * needs W_{4m} (lane 0 of this very step) under P1: P1 is linear, so it is
 * computed with that term missing and corrected by P1(W_{4m} <<< 15) =
 * (W_{4m} <<< 15) ^ (W_{4m} <<< 30) ^ (W_{4m} <<< 6).
 */
.macro EXP1 avx512, P4, P3, P2, P1, O
        vpalignr $12, %xmm\P3, %xmm\P2, %xmm\O  /* W_{j-9} */
        vpsrldq $4, %xmm\P1, %xmm6              /* W_{j-3}, lane 3 zero */
        vpalignr $12, %xmm\P4, %xmm\P3, %xmm9   /* W_{j-13} */
        vpalignr $8, %xmm\P2, %xmm\P1, %xmm10   /* W_{j-6} */
        .if \avx512
        vprold  $15, %xmm6, %xmm6
        vpternlogd $0x96, %xmm6, %xmm\P4, %xmm\O
        .else
        vpxor   %xmm\O, %xmm\P4, %xmm\O
        VROLX   %xmm6, 15, %xmm\O, %xmm7, %xmm8
        .endif
.endm
.macro EXP2 avx512, P4, P3, P2, P1, O
        .if \avx512
        vprold  $15, %xmm\O, %xmm6
        vprold  $23, %xmm\O, %xmm7
        vprold  $7, %xmm9, %xmm9
        vpternlogd $0x96, %xmm6, %xmm7, %xmm\O
        vpternlogd $0x96, %xmm9, %xmm10, %xmm\O
        .else
        vpslld  $15, %xmm\O, %xmm6
        vpsrld  $17, %xmm\O, %xmm7
        vpslld  $23, %xmm\O, %xmm8
        vpsrld  $9, %xmm\O, %xmm11
        vpxor   %xmm6, %xmm\O, %xmm\O
        vpxor   %xmm7, %xmm10, %xmm10
        vpxor   %xmm8, %xmm\O, %xmm\O
        vpxor   %xmm11, %xmm10, %xmm10
        VROLX   %xmm9, 7, %xmm10, %xmm6, %xmm7
        vpxor   %xmm10, %xmm\O, %xmm\O
        .endif
.endm
.macro EXP3 avx512, P4, P3, P2, P1, O
        vpslldq $12, %xmm\O, %xmm9              /* W_{4m} in lane 3 */
        .if \avx512
        vprold  $15, %xmm9, %xmm6
        vprold  $30, %xmm9, %xmm7
        .else
        VROLX   %xmm9, 15, %xmm\O, %xmm6, %xmm7
        .endif
.endm
.macro EXP4 avx512, P4, P3, P2, P1, O
        .if \avx512
        vprold  $6, %xmm9, %xmm8
        vpternlogd $0x96, %xmm6, %xmm7, %xmm\O
        vpxor   %xmm8, %xmm\O, %xmm\O
        .else
        VROLX   %xmm9, 30, %xmm\O, %xmm6, %xmm7
        VROLX   %xmm9, 6, %xmm\O, %xmm8, %xmm11
        .endif
.endm

/* GB/T 32905-2016 §5.3.2 c): W'_j = W_j ^ W_{j+4}; stores group g
 * (j = 4g..4g+3) from v[g] (xmm V) and v[g+1] (xmm N). */
.macro STW g, V, N
        .set    wo, WOFF + 16 * (\g)
        .set    wpo, WPOFF + 16 * (\g)
        vmovdqa %xmm\V, wo(%rsp)
        vpxor   %xmm\V, %xmm\N, %xmm12
        vmovdqa %xmm12, wpo(%rsp)
.endm

/* Rounds 4g..4g+3 (roles back in place after four), the W/W' stores of
 * group g+1 and the expansion of v[g+4]; R0..R4 = registers of v[g..g+4]. */
.macro GROUP avx512, g, R0, R1, R2, R3, R4
        .if (\g) < 15
        STW     (\g + 1), \R1, \R2
        .endif
        .if (\g) + 4 <= 16
        EXP1    \avx512, \R0, \R1, \R2, \R3, \R4
        .endif
        ROUND   8, 9, 10, 11, 12, 13, 14, 15, (4 * \g)
        .if (\g) + 4 <= 16
        EXP2    \avx512, \R0, \R1, \R2, \R3, \R4
        .endif
        ROUND   11, 8, 9, 10, 15, 12, 13, 14, (4 * \g + 1)
        .if (\g) + 4 <= 16
        EXP3    \avx512, \R0, \R1, \R2, \R3, \R4
        .endif
        ROUND   10, 11, 8, 9, 14, 15, 12, 13, (4 * \g + 2)
        .if (\g) + 4 <= 16
        EXP4    \avx512, \R0, \R1, \R2, \R3, \R4
        .endif
        ROUND   9, 10, 11, 8, 13, 14, 15, 12, (4 * \g + 3)
.endm

/* void name(uint32_t hs[8], const uint8_t *in, size_t nblocks) */
.macro SM3_BLOCKS name, avx512
        .globl  \name
        .hidden \name
        .type   \name, @function
        .p2align 6
\name:
        .cfi_startproc
        _CET_ENDBR
        test    %rdx, %rdx
        jz      9f
        push    %rbx
        .cfi_adjust_cfa_offset 8
        .cfi_offset %rbx, -16
        push    %rbp
        .cfi_adjust_cfa_offset 8
        .cfi_offset %rbp, -24
        push    %r12
        .cfi_adjust_cfa_offset 8
        .cfi_offset %r12, -32
        push    %r13
        .cfi_adjust_cfa_offset 8
        .cfi_offset %r13, -40
        push    %r14
        .cfi_adjust_cfa_offset 8
        .cfi_offset %r14, -48
        push    %r15
        .cfi_adjust_cfa_offset 8
        .cfi_offset %r15, -56
        sub     $FRAME, %rsp                    /* rsp is now 16-byte aligned */
        .cfi_adjust_cfa_offset FRAME
        mov     %rsi, INOFF(%rsp)
        mov     %rdx, NOFF(%rsp)
        mov     %rdi, %rbx
        vmovdqa .Lsm3_bswap(%rip), %xmm15
        mov     0(%rbx), %r8d
        mov     4(%rbx), %r9d
        mov     8(%rbx), %r10d
        mov     12(%rbx), %r11d
        mov     16(%rbx), %r12d
        mov     20(%rbx), %r13d
        mov     24(%rbx), %r14d
        mov     28(%rbx), %r15d
1:
        /* GB/T 32905-2016 §5.3.2 a): W_0..W_15 are the block as big-endian words */
        mov     INOFF(%rsp), %rsi
        vmovdqu 0(%rsi), %xmm0
        vmovdqu 16(%rsi), %xmm1
        vmovdqu 32(%rsi), %xmm2
        vmovdqu 48(%rsi), %xmm3
        add     $64, %rsi
        mov     %rsi, INOFF(%rsp)
        vpshufb %xmm15, %xmm0, %xmm0
        vpshufb %xmm15, %xmm1, %xmm1
        vpshufb %xmm15, %xmm2, %xmm2
        vpshufb %xmm15, %xmm3, %xmm3
        STW     0, 0, 1
        rorx    $20, %r8d, %eax
        TCONST  0
        lea     tsig(%rax), %ecx
        PREP    0, 8, 9, 10, 11, 12, 13, 14, 15

        GROUP   \avx512, 0, 0, 1, 2, 3, 4
        GROUP   \avx512, 1, 1, 2, 3, 4, 0
        GROUP   \avx512, 2, 2, 3, 4, 0, 1
        GROUP   \avx512, 3, 3, 4, 0, 1, 2
        GROUP   \avx512, 4, 4, 0, 1, 2, 3
        GROUP   \avx512, 5, 0, 1, 2, 3, 4
        GROUP   \avx512, 6, 1, 2, 3, 4, 0
        GROUP   \avx512, 7, 2, 3, 4, 0, 1
        GROUP   \avx512, 8, 3, 4, 0, 1, 2
        GROUP   \avx512, 9, 4, 0, 1, 2, 3
        GROUP   \avx512, 10, 0, 1, 2, 3, 4
        GROUP   \avx512, 11, 1, 2, 3, 4, 0
        GROUP   \avx512, 12, 2, 3, 4, 0, 1
        GROUP   \avx512, 13, 3, 4, 0, 1, 2
        GROUP   \avx512, 14, 4, 0, 1, 2, 3
        GROUP   \avx512, 15, 0, 1, 2, 3, 4

        /* §5.3.3: V(i+1) = ABCDEFGH ^ V(i) */
        xor     0(%rbx), %r8d
        xor     4(%rbx), %r9d
        xor     8(%rbx), %r10d
        xor     12(%rbx), %r11d
        xor     16(%rbx), %r12d
        xor     20(%rbx), %r13d
        xor     24(%rbx), %r14d
        xor     28(%rbx), %r15d
        mov     %r8d, 0(%rbx)
        mov     %r9d, 4(%rbx)
        mov     %r10d, 8(%rbx)
        mov     %r11d, 12(%rbx)
        mov     %r12d, 16(%rbx)
        mov     %r13d, 20(%rbx)
        mov     %r14d, 24(%rbx)
        mov     %r15d, 28(%rbx)
        decq    NOFF(%rsp)
        jnz     1b

        /* wipe W, W' and the vector registers (message-derived) */
        vpxor   %xmm0, %xmm0, %xmm0
        .set    off, 0
        .rept   32
        vmovdqa %xmm0, off(%rsp)
        .set    off, off + 16
        .endr
        vzeroall
        add     $FRAME, %rsp
        .cfi_adjust_cfa_offset -FRAME
        pop     %r15
        .cfi_adjust_cfa_offset -8
        .cfi_restore %r15
        pop     %r14
        .cfi_adjust_cfa_offset -8
        .cfi_restore %r14
        pop     %r13
        .cfi_adjust_cfa_offset -8
        .cfi_restore %r13
        pop     %r12
        .cfi_adjust_cfa_offset -8
        .cfi_restore %r12
        pop     %rbp
        .cfi_adjust_cfa_offset -8
        .cfi_restore %rbp
        pop     %rbx
        .cfi_adjust_cfa_offset -8
        .cfi_restore %rbx
9:
        ret
        .cfi_endproc
        .size   \name, . - \name
.endm

        SM3_BLOCKS gmtls_sm3_x64_avx2_blocks, 0
        SM3_BLOCKS gmtls_sm3_x64_avx512_blocks, 1

        .section .rodata
        .p2align 4
.Lsm3_bswap:
        .byte   3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12

        .section .note.GNU-stack, "", @progbits
#endif
