/*
 * src/sm/sm4_modes.c - SM4 in ECB, CBC (no padding) and CTR modes
 * (NIST SP 800-38A applied to SM4), on top of the dispatched block cores.
 */
#include <string.h>

#include "sm_internal.h"

/* Blocks handed to the core per call in CBC decryption: 64 = one full
 * pass of the widest SIMD cores (4 x 16 blocks AVX-512, 8 x 8 AVX2). */
#define CHUNK_BLOCKS 64

void gmtls_sm4_ecb_encrypt(const gmtls_sm4_key *ks, const uint8_t *in, uint8_t *out, size_t nblocks)
{
    if (nblocks > 0) {
        gmtls_sm_impl_get()->sm4_blocks(ks->rk_enc, in, out, nblocks);
    }
}

void gmtls_sm4_ecb_decrypt(const gmtls_sm4_key *ks, const uint8_t *in, uint8_t *out, size_t nblocks)
{
    if (nblocks > 0) {
        gmtls_sm_impl_get()->sm4_blocks(ks->rk_dec, in, out, nblocks);
    }
}

void gmtls_sm4_cbc_encrypt(const gmtls_sm4_key *ks, uint8_t iv[16], const uint8_t *in, uint8_t *out,
                           size_t nblocks)
{
    const gmtls_sm_impl *impl = gmtls_sm_impl_get();
    uint8_t x[16];
    memcpy(x, iv, 16);
    for (size_t i = 0; i < nblocks; i++) {
        /* SP 800-38A §6.2: C_j = CIPH_K(P_j ^ C_{j-1}), C_0 = IV */
        for (int b = 0; b < 16; b++) {
            x[b] ^= in[16 * i + b];
        }
        impl->sm4_blocks(ks->rk_enc, x, x, 1);
        memcpy(out + 16 * i, x, 16);
    }
    memcpy(iv, x, 16);
    gmtls_sm_wipe(x, sizeof x);
}

void gmtls_sm4_cbc_decrypt(const gmtls_sm4_key *ks, uint8_t iv[16], const uint8_t *in, uint8_t *out,
                           size_t nblocks)
{
    const gmtls_sm_impl *impl = gmtls_sm_impl_get();
    uint8_t ct[16 * CHUNK_BLOCKS], prev[16];
    memcpy(prev, iv, 16);
    while (nblocks > 0) {
        size_t n = nblocks < CHUNK_BLOCKS ? nblocks : CHUNK_BLOCKS;
        /* Keep the ciphertext: in and out may be the same buffer. */
        memcpy(ct, in, 16 * n);
        impl->sm4_blocks(ks->rk_dec, ct, out, n);
        /* SP 800-38A §6.2: P_j = CIPH^-1_K(C_j) ^ C_{j-1} */
        for (size_t b = 0; b < 16; b++) {
            out[b] ^= prev[b];
        }
        for (size_t b = 16; b < 16 * n; b++) {
            out[b] ^= ct[b - 16];
        }
        memcpy(prev, ct + 16 * (n - 1), 16);
        in += 16 * n;
        out += 16 * n;
        nblocks -= n;
    }
    memcpy(iv, prev, 16);
    gmtls_sm_wipe(ct, sizeof ct);
}

void gmtls_sm4_ctr_xor(const gmtls_sm4_key *ks, uint8_t ctr[16], const uint8_t *in, uint8_t *out,
                       size_t len)
{
    const gmtls_sm_impl *impl = gmtls_sm_impl_get();
    size_t nblocks = len / 16, rest = len % 16;
    /* SP 800-38A §6.5: O_j = CIPH_K(T_j), C_j = P_j ^ O_j; T_{j+1} = T_j + 1 (128-bit) */
    if (nblocks > 0) {
        impl->sm4_ctr(ks->rk_enc, ctr, in, out, nblocks);
    }
    if (rest > 0) {
        /* SP 800-38A §6.5: the final partial block uses the MSBs of O_n */
        uint8_t ks1[16], zero[16] = {0};
        impl->sm4_ctr(ks->rk_enc, ctr, zero, ks1, 1);
        for (size_t i = 0; i < rest; i++) {
            out[16 * nblocks + i] = (uint8_t)(in[16 * nblocks + i] ^ ks1[i]);
        }
        gmtls_sm_wipe(ks1, sizeof ks1);
    }
}
