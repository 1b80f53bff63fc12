/*
 * src/sm/util.c - constant-time helpers shared by the ShangMi sources
 * (declared in sm_internal.h).
 */
#include <string.h>

#include "sm_internal.h"

void gmtls_sm_wipe(void *p, size_t n)
{
    if (n == 0) {
        return;
    }
    /* memset at full speed; the empty asm that "reads" p and clobbers memory
     * keeps the compiler from treating the stores as dead. */
    memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

int gmtls_sm_ct_memeq(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *pa = (const volatile uint8_t *)a;
    const volatile uint8_t *pb = (const volatile uint8_t *)b;
    uint32_t diff = 0;
    for (size_t i = 0; i < n; i++) {
        diff |= (uint32_t)(pa[i] ^ pb[i]);
    }
    /* diff is 0..255: (diff - 1) >> 31 is 1 exactly when diff == 0. */
    return (int)(((diff - 1) >> 31) & 1);
}
