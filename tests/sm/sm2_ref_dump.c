/*
 * tests/sm/sm2_ref_dump.c - random SM2 key exchanges and encryptions done by
 * gmtls, printed one per line for tests/sm/sm2_ref_test.py to recompute
 * with its own integer arithmetic (see there). Lines:
 *   kex dA rA dB rB idA idB klen K S_A S_B
 *   enc d k msg C1C3C2
 * (hex; an empty ID is "-", meaning the default one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "gmtls/sm.h"
#include "sm/sm2_internal.h"

static void hexout(const uint8_t *p, size_t n)
{
    if (n == 0) {
        fputs(" -", stdout);
        return;
    }
    putchar(' ');
    for (size_t i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
}

static void key(gmtls_sm2_key *k, uint8_t d[32])
{
    do {
        RAND_bytes(d, 32);
    } while (gmtls_sm2_key_from_private(k, d) != 0);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20;
    for (int i = 0; i < n; i++) {
        gmtls_sm2_key a, ra, b, rb;
        uint8_t da[32], dra[32], db[32], drb[32], ida[40], idb[40], k[300], sa[32], sb[32], s1[32], s2[32], kb[300];
        key(&a, da);
        key(&ra, dra);
        key(&b, db);
        key(&rb, drb);
        size_t la = (size_t)(i % 3 == 0 ? 0 : 1 + i % 40), lb = (size_t)(i % 4 == 1 ? 0 : 1 + (i * 7) % 40);
        RAND_bytes(ida, sizeof ida);
        RAND_bytes(idb, sizeof idb);
        size_t klen = 1 + (size_t)(i * 37) % 300;
        if (gmtls_sm2_kex(1, &a, &ra, ida, la, &b.pub, &rb.pub, idb, lb, k, klen, sa, s1) != 0 ||
            gmtls_sm2_kex(0, &b, &rb, idb, lb, &a.pub, &ra.pub, ida, la, kb, klen, sb, s2) != 0 ||
            memcmp(k, kb, klen) != 0) {
            fprintf(stderr, "kex failed\n");
            return 1;
        }
        fputs("kex", stdout);
        hexout(da, 32);
        hexout(dra, 32);
        hexout(db, 32);
        hexout(drb, 32);
        hexout(ida, la);
        hexout(idb, lb);
        printf(" %zu", klen);
        hexout(k, klen);
        hexout(sa, 32);
        hexout(sb, 32);
        putchar('\n');

        uint8_t kk[32], msg[200], ct[400];
        size_t mlen = 1 + (size_t)(i * 53) % 200, clen;
        RAND_bytes(msg, sizeof msg);
        do {
            RAND_bytes(kk, 32);
        } while (gmtls_sm2_encrypt_with_k(&b.pub, GMTLS_SM2_ENC_C1C3C2, kk, msg, mlen, ct, sizeof ct, &clen) != 0);
        fputs("enc", stdout);
        hexout(db, 32);
        hexout(kk, 32);
        hexout(msg, mlen);
        hexout(ct, clen);
        putchar('\n');
        gmtls_sm2_key_clear(&a);
        gmtls_sm2_key_clear(&b);
        gmtls_sm2_key_clear(&ra);
        gmtls_sm2_key_clear(&rb);
    }
    return 0;
}
