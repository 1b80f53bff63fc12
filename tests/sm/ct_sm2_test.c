/*
 * tests/sm/ct_sm2_test.c - constant-time check of SM2 ("ctgrind"): the
 * private scalar, the signing nonce and the ECDH scalar are marked
 * undefined for valgrind's memcheck, so any branch or memory index that
 * depends on them is reported and, run as
 *   valgrind --error-exitcode=1 ct_sm2_test
 * fails the test. The SM2 sources are compiled into this program with
 * GMTLS_SM2_CTGRIND, which declassifies values at the points they become
 * public (the signature, the public key, a rejected random draw, an error
 * result, a ciphertext, a decryption's success). SM2 encryption and
 * decryption (GB/T 32918.4) and the key exchange (GB/T 32918.3) run with
 * secret keys, nonces and ephemeral scalars too. Without valgrind the marks are no-ops and the program still
 * checks its known answers.
 */
#include <valgrind/memcheck.h>

#include "gmtls/sm.h"
#include "sm/sm2_field.h"
#include "sm/sm2_internal.h"
#include "sm/sm2_point.h"
#include "test.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

/* GM/T 0003.5-2012 (= GB/T 32918.5-2017) Annex A signature example. */
static const char *KAT_D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
static const char *KAT_PUB = "04"
                             "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
                             "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
static const char *KAT_E = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640";
static const char *KAT_K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";
static const char *KAT_X1 = "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73";
static const char *KAT_R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
static const char *KAT_S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";

/* An RNG whose output is secret: a counter-based byte stream (not random,
 * but every draw differs), marked undefined. */
static int secret_rng(void *ctx, uint8_t *out, size_t len)
{
    unsigned *ctr = ctx;
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(0x5a ^ (*ctr * 131u + (unsigned)i * 29u));
    }
    (*ctr)++;
    SECRET(out, len);
    return 0;
}

static void hex(const char *h, uint8_t *out, size_t n)
{
    if (test_unhex(h, out, n) != (long)n) {
        fprintf(stderr, "bad hex constant\n");
        exit(2);
    }
}

static void run_all(void)
{
    uint8_t d[32], pub[65], e[32], k[32], x1[32], r[32], s[32], gr[32], gs[32];
    gmtls_sm2_key key, key2;
    hex(KAT_D, d, 32);
    hex(KAT_PUB, pub, 65);
    hex(KAT_E, e, 32);
    hex(KAT_K, k, 32);
    hex(KAT_X1, x1, 32);
    hex(KAT_R, r, 32);
    hex(KAT_S, s, 32);

    /* key import: d secret; the public key comes out public */
    SECRET(d, 32);
    CHECK_OK(gmtls_sm2_key_from_private(&key, d));
    CHECK_MEM(key.pub.bytes, pub, 65);

    /* fixed-base multiplication with a secret scalar */
    {
        uint64_t kl[4];
        sm2_jac j;
        sm2_aff a;
        uint64_t t[4];
        uint8_t x[32];
        gmtls_sm2_from_be(kl, k);
        SECRET(kl, sizeof kl);
        gmtls_sm2_mul_g(&j, kl);
        gmtls_sm2_jac_to_affine(&a, &j);
        gmtls_sm2_fp_from_mont(t, a.x);
        gmtls_sm2_to_be(x, t);
        PUBLIC(x, 32);
        CHECK_MEM(x, x1, 32);
        /* and the variable-base one */
        gmtls_sm2_mul_point(&j, kl, &gmtls_sm2_g);
        gmtls_sm2_jac_to_affine(&a, &j);
        gmtls_sm2_fp_from_mont(t, a.x);
        gmtls_sm2_to_be(x, t);
        PUBLIC(x, 32);
        CHECK_MEM(x, x1, 32);
    }

    /* signing with a secret k (and secret d inside the key) */
    SECRET(k, 32);
    CHECK_OK(gmtls_sm2_sign_digest_with_k(&key, e, k, gr, gs));
    CHECK_MEM(gr, r, 32);
    CHECK_MEM(gs, s, 32);

    /* signing and key generation with secret RNG output */
    unsigned ctr = 1;
    for (int i = 0; i < 3; i++) {
        uint8_t sig[GMTLS_SM2_MAX_DER_SIG_LEN];
        size_t siglen;
        CHECK_OK(gmtls_sm2_sign_digest(&key, e, secret_rng, &ctr, gr, gs));
        CHECK_OK(gmtls_sm2_verify_digest(&key.pub, e, gr, gs));
        CHECK_OK(gmtls_sm2_sign(&key, NULL, 0, (const uint8_t *)"abc", 3, secret_rng, &ctr, sig, &siglen));
        CHECK_OK(gmtls_sm2_verify(&key.pub, NULL, 0, (const uint8_t *)"abc", 3, sig, siglen));
    }
    CHECK_OK(gmtls_sm2_keygen(&key2, secret_rng, &ctr));

    /* the curveSM2 path: light key generation, light import, ECDH */
    {
        gmtls_sm2_key eph;
        gmtls_sm2_pubkey peer;
        uint8_t e1[32], e2[32];
        CHECK_OK(gmtls_sm2_keygen_ecdh(&eph, secret_rng, &ctr));
        CHECK_OK(gmtls_sm2_pubkey_from_bytes_ecdh(&peer, key2.pub.bytes, GMTLS_SM2_POINT_LEN));
        CHECK_OK(gmtls_sm2_ecdh(&eph, &peer, e1));
        CHECK_OK(gmtls_sm2_ecdh(&key2, &eph.pub, e2));
        PUBLIC(e1, 32);
        PUBLIC(e2, 32);
        CHECK_MEM(e1, e2, 32);
        /* the responder's one-call form (TLS server): both scalar
         * multiplications and the shared inversion under the secret d */
        CHECK_OK(gmtls_sm2_ecdh_ephemeral(&eph, &peer, secret_rng, &ctr, e1));
        CHECK_OK(gmtls_sm2_ecdh(&key2, &eph.pub, e2));
        PUBLIC(e1, 32);
        PUBLIC(e2, 32);
        CHECK_MEM(e1, e2, 32);
        gmtls_sm2_key_clear(&eph);
    }

    /* ECDH with secret scalars on both sides */
    uint8_t s1[32], s2[32];
    CHECK_OK(gmtls_sm2_ecdh(&key, &key2.pub, s1));
    CHECK_OK(gmtls_sm2_ecdh(&key2, &key.pub, s2));
    PUBLIC(s1, 32);
    PUBLIC(s2, 32);
    CHECK_MEM(s1, s2, 32);

    /* SM2 encryption with a secret k (the standard's example), with secret
     * RNG output, and decryption with the secret d */
    {
        static const char *ct_hex = "04"
                                    "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
                                    "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
                                    "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"
                                    "21886CA989CA9C7D58087307CA93092D651EFA";
        uint8_t want[116], ct[200], pt[64], msg[19];
        size_t n, ptlen;
        hex(ct_hex, want, sizeof want);
        memcpy(msg, "encryption standard", 19);
        SECRET(msg, sizeof msg);
        CHECK_OK(gmtls_sm2_encrypt_with_k(&key.pub, GMTLS_SM2_ENC_C1C3C2, k, msg, 19, ct, sizeof ct, &n));
        CHECK(n == sizeof want);
        CHECK_MEM(ct, want, sizeof want);
        CHECK_OK(gmtls_sm2_decrypt(&key, GMTLS_SM2_ENC_C1C3C2, ct, n, pt, sizeof pt, &ptlen));
        PUBLIC(pt, sizeof pt);
        CHECK(ptlen == 19);
        CHECK_MEM(pt, "encryption standard", 19);
        for (int format = 0; format < 2; format++) {
            CHECK_OK(gmtls_sm2_encrypt(&key.pub, format, msg, 19, secret_rng, &ctr, ct, sizeof ct, &n));
            CHECK_OK(gmtls_sm2_decrypt(&key, format, ct, n, pt, sizeof pt, &ptlen));
            PUBLIC(pt, sizeof pt);
            CHECK_MEM(pt, "encryption standard", 19);
            /* a refused ciphertext: the failure is public, nothing else */
            ct[n - 1] ^= 1;
            CHECK(gmtls_sm2_decrypt(&key, format, ct, n, pt, sizeof pt, &ptlen) == -1);
        }
    }

    /* the SM2 key exchange: secret static and ephemeral scalars */
    {
        gmtls_sm2_key ra, rb;
        uint8_t ka[48], kb[48], sa[32], c1[32], sb[32], c2[32];
        CHECK_OK(gmtls_sm2_keygen_ecdh(&ra, secret_rng, &ctr));
        CHECK_OK(gmtls_sm2_keygen_ecdh(&rb, secret_rng, &ctr));
        CHECK_OK(gmtls_sm2_kex(1, &key, &ra, NULL, 0, &key2.pub, &rb.pub, NULL, 0, ka, sizeof ka, sa, c1));
        CHECK_OK(gmtls_sm2_kex(0, &key2, &rb, NULL, 0, &key.pub, &ra.pub, NULL, 0, kb, sizeof kb, sb, c2));
        PUBLIC(ka, sizeof ka);
        PUBLIC(kb, sizeof kb);
        PUBLIC(sa, sizeof sa);
        PUBLIC(c1, sizeof c1);
        PUBLIC(sb, sizeof sb);
        PUBLIC(c2, sizeof c2);
        CHECK_MEM(ka, kb, sizeof ka);
        CHECK_MEM(c1, sb, 32);
        CHECK_MEM(c2, sa, 32);
        gmtls_sm2_key_clear(&ra);
        gmtls_sm2_key_clear(&rb);
    }

    /* export is a copy of the secret; compare after declassifying */
    uint8_t dout[32];
    gmtls_sm2_key_export_private(&key, dout);
    PUBLIC(dout, 32);
    PUBLIC(d, 32);
    CHECK_MEM(dout, d, 32);

    gmtls_sm2_key_clear(&key);
    gmtls_sm2_key_clear(&key2);
}

int main(void)
{
    run_all();
#ifdef GMTLS_SM2_X86_64_ASM
    /* valgrind's virtual CPU does not announce BMI2/ADX, so the first run
     * took the mulq path; it does execute mulx/adcx/adox, so check the ADX
     * multiplication as well */
    if (RUNNING_ON_VALGRIND && !gmtls_sm2_cpu_adx) {
        gmtls_sm2_cpu_adx = 1;
        run_all();
        gmtls_sm2_cpu_adx = 0;
    }
    /* both table scans: the AVX2 one (valgrind runs AVX2 code whether or
     * not its CPUID announces it) and the scalar one */
    {
        int saved = gmtls_sm2_cpu_avx2;
        gmtls_sm2_cpu_avx2 = !saved;
        run_all();
        gmtls_sm2_cpu_avx2 = saved;
    }
#endif
    return TEST_END("ct_sm2_test");
}
