/*
 * src/sm/util.c - constant-time helpers shared by the ShangMi sources
 * (declared in sm_internal.h).
 */
#include "sm_internal.h"

void gmtls_sm_wipe(void *p, size_t n)
{
    /* Stores through a volatile pointer cannot be removed as dead. */
    volatile uint8_t *vp = (volatile uint8_t *)p;
    while (n--) {
        *vp++ = 0;
    }
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
