/* tools/cmd_speed.c - `gmtls speed [ITEM...] [--seconds S] [--repeat N] [--json]`:
 * throughput of the ShangMi primitives next to OpenSSL libcrypto (and
 * libgcrypt for SM4-GCM/CCM when built with it), in the same run. Bulk
 * ciphers and SM3 run on 16 KiB buffers; SM2 rows are operations/second.
 * OpenSSL AES-128-GCM is printed as a ceiling row, and OpenSSL's ECDH on
 * P-256 (the same work as sm2-ecdh: key pair, peer import, shared secret)
 * as a reference row. sm2-encrypt / sm2-decrypt (GB/T 32918.4, 48 bytes as
 * TLCP's pre-master secret, DER) run beside OpenSSL's EVP_PKEY_encrypt /
 * decrypt; sm2-kex is the responder's side of the SM2 key exchange
 * protocol (GB/T 32918.3) as a TLCP ECDHE server runs it (OpenSSL has no
 * such protocol: no openssl column). With --repeat N each
 * figure is the median of N measurements, the implementations of a row
 * taking turns (gmtls, OpenSSL, libgcrypt, gmtls, ...) so that they see
 * the same load on a shared machine. The active ShangMi CPU path
 * (GMTLS_CPU selects one) is printed. The ML-KEM-768 rows (key generation,
 * encapsulation, decapsulation; operations/second) have one X25519 key pair
 * plus shared secret in libcrypto in their openssl column: the reference
 * the hybrid X25519MLKEM768 group is measured against. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>

#ifdef GMTLS_HAVE_GCRYPT
#include <gcrypt.h>
#endif

#include "cmd.h"
#include "gmtls/mlkem.h"
#include "gmtls/sm.h"

#define SPEED_BUF 16384

typedef struct {
    const char *name, *impl, *unit;
    double value;
} speed_rec;

typedef struct {
    uint8_t key[16], iv[16], tag[64];
    uint8_t *buf;
    gmtls_sm4_key ks;
    gmtls_sm4_gcm_ctx *gcm;
    gmtls_sm4_ccm_ctx ccm;
    EVP_CIPHER_CTX *evp;
    gmtls_sm2_key sm2, sm2peer;
    uint8_t sig[GMTLS_SM2_MAX_DER_SIG_LEN];
    size_t siglen;
    EVP_PKEY *pk;
    gmtls_sm2_key eph;                 /* the ephemeral key of an sm2-ecdh run */
    uint8_t share[65], peer_share[65]; /* our public share; the peer's, as received */
    uint8_t p256_peer[65];             /* a P-256 peer share, for OpenSSL's P-256 row */
    EVP_PKEY_CTX *kg_sm2, *kg_p256;    /* OpenSSL EC key generation on each curve */
    EVP_PKEY *tmpl_sm2, *tmpl_p256;    /* an EC key on each curve, copied for peer imports */
    EVP_MD_CTX *mdctx;
    uint8_t mlkem_ek[GMTLS_MLKEM768_EK_LEN], mlkem_dk[GMTLS_MLKEM768_DK_LEN], mlkem_ct[GMTLS_MLKEM768_CT_LEN];
    EVP_PKEY_CTX *kg_x25519; /* X25519 key generation */
    EVP_PKEY *x25519_peer;   /* a fixed X25519 peer key */
    uint8_t osig[128];
    size_t osiglen;
    uint8_t ct[256], oct[256]; /* SM2 ciphertexts of 48 bytes: gmtls's, OpenSSL's */
    size_t ctlen, octlen;
    gmtls_sm2_key kex_peer_eph; /* the initiator's ephemeral key for sm2-kex */
#ifdef GMTLS_HAVE_GCRYPT
    gcry_cipher_hd_t gc;
#endif
    int fail;
} speed_ctx;

typedef void (*speed_op)(speed_ctx *c);

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int speed_repeat = 1;

/* Operations per second of op over at least `seconds`. */
static double measure_once(speed_op op, speed_ctx *c, double seconds)
{
    op(c); /* warm-up */
    double start = now_sec(), el;
    unsigned long n = 0, batch = 1;
    do {
        for (unsigned long i = 0; i < batch; i++) {
            op(c);
        }
        n += batch;
        el = now_sec() - start;
        if (el < seconds / 8) {
            batch *= 2;
        }
    } while (el < seconds);
    return (double)n / el;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median over speed_repeat runs of measure_once. */
static double measure(speed_op op, speed_ctx *c, double seconds)
{
    double v[64];
    for (int i = 0; i < speed_repeat; i++) {
        v[i] = measure_once(op, c, seconds);
    }
    return median(v, speed_repeat);
}

/* ---- gmtls ops */
static void g_sm3(speed_ctx *c)
{
    gmtls_sm3(c->buf, SPEED_BUF, c->tag);
    c->buf[0] ^= c->tag[0];
}
static void g_ecb(speed_ctx *c)
{
    gmtls_sm4_ecb_encrypt(&c->ks, c->buf, c->buf, SPEED_BUF / 16);
}
static void g_ctr(speed_ctx *c)
{
    gmtls_sm4_ctr_xor(&c->ks, c->iv, c->buf, c->buf, SPEED_BUF);
}
static void g_gcm(speed_ctx *c)
{
    c->fail |= gmtls_sm4_gcm_seal(c->gcm, c->iv, 12, NULL, 0, c->buf, SPEED_BUF, c->tag, 16);
}
static void g_ccm(speed_ctx *c)
{
    c->fail |= gmtls_sm4_ccm_seal(&c->ccm, c->iv, 12, NULL, 0, c->buf, SPEED_BUF, c->tag, 16);
}
static void g_sign(speed_ctx *c)
{
    c->siglen = sizeof c->sig;
    c->fail |= gmtls_sm2_sign(&c->sm2, NULL, 0, c->buf, 32, tool_rng, NULL, c->sig, &c->siglen);
}
static void g_verify(speed_ctx *c)
{
    c->fail |= gmtls_sm2_verify(&c->sm2.pub, NULL, 0, c->buf, 32, c->sig, c->siglen);
}
/* sm2-ecdh is one side of a curveSM2 exchange as a TLS server does it: the
 * peer's share imported and validated, an ephemeral key pair, the shared
 * secret, our share encoded. */
static void g_ecdh(speed_ctx *c)
{
    gmtls_sm2_pubkey peer;
    c->fail |= gmtls_sm2_pubkey_from_bytes_ecdh(&peer, c->peer_share, sizeof c->peer_share) != 0 ||
               gmtls_sm2_ecdh_ephemeral(&c->eph, &peer, tool_rng, NULL, c->tag) != 0;
    gmtls_sm2_pubkey_to_bytes(&c->eph.pub, c->share);
}

/* SM2 encryption of a 48-byte secret (TLCP's pre-master) and its
 * decryption, DER SM2Cipher. */
static void g_sm2enc(speed_ctx *c)
{
    c->fail |= gmtls_sm2_encrypt(&c->sm2.pub, GMTLS_SM2_ENC_DER, c->buf, 48, tool_rng, NULL, c->ct, sizeof c->ct,
                                 &c->ctlen) != 0;
}
static void g_sm2dec(speed_ctx *c)
{
    size_t n;
    c->fail |= gmtls_sm2_decrypt(&c->sm2, GMTLS_SM2_ENC_DER, c->ct, c->ctlen, c->tag, sizeof c->tag, &n) != 0;
}
/* The responder's side of the SM2 key exchange (a TLCP ECDHE server): the
 * initiator's ephemeral key imported, our ephemeral key pair, K (48 bytes)
 * from both static and ephemeral keys. */
static void g_sm2kex(speed_ctx *c)
{
    gmtls_sm2_pubkey peer_eph;
    c->fail |=
        gmtls_sm2_pubkey_from_bytes_ecdh(&peer_eph, c->kex_peer_eph.pub.bytes, GMTLS_SM2_POINT_LEN) != 0 ||
        gmtls_sm2_keygen_ecdh(&c->eph, tool_rng, NULL) != 0 ||
        gmtls_sm2_kex(0, &c->sm2, &c->eph, NULL, 0, &c->sm2peer.pub, &peer_eph, NULL, 0, c->tag, 48, NULL, NULL) != 0;
}

/* ML-KEM-768: a key pair; encapsulation to it; decapsulation (with the
 * FIPS 203 §7.2 / §7.3 input checks, as a TLS peer runs them). */
static void g_mlkem_keygen(speed_ctx *c)
{
    c->fail |= gmtls_mlkem_keygen(GMTLS_MLKEM768, c->mlkem_ek, c->mlkem_dk, tool_rng, NULL) != 0;
}
static void g_mlkem_encaps(speed_ctx *c)
{
    c->fail |= gmtls_mlkem_encaps(GMTLS_MLKEM768, c->mlkem_ct, c->tag, c->mlkem_ek, tool_rng, NULL) != 0;
}
static void g_mlkem_decaps(speed_ctx *c)
{
    c->fail |= gmtls_mlkem_decaps(GMTLS_MLKEM768, c->tag, c->mlkem_ct, c->mlkem_dk) != 0;
}

/* ---- OpenSSL ops */
/* One X25519 key pair and its shared secret with a fixed peer. */
static void o_x25519(speed_ctx *c)
{
    EVP_PKEY *k = NULL;
    size_t len = 32;
    int ok = EVP_PKEY_generate(c->kg_x25519, &k) == 1;
    EVP_PKEY_CTX *d = ok ? EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL) : NULL;
    ok = ok && d != NULL && EVP_PKEY_derive_init(d) == 1 && EVP_PKEY_derive_set_peer(d, c->x25519_peer) == 1 &&
         EVP_PKEY_derive(d, c->tag, &len) == 1;
    EVP_PKEY_CTX_free(d);
    EVP_PKEY_free(k);
    c->fail |= !ok;
}

static void o_sm3(speed_ctx *c)
{
    unsigned len;
    c->fail |= EVP_Digest(c->buf, SPEED_BUF, c->tag, &len, EVP_sm3(), NULL) != 1;
}
static void o_cipher(speed_ctx *c)
{
    int len;
    c->fail |= EVP_EncryptUpdate(c->evp, c->buf, &len, c->buf, SPEED_BUF) != 1;
}
static void o_aesgcm(speed_ctx *c)
{
    int len;
    c->fail |= EVP_EncryptInit_ex(c->evp, NULL, NULL, NULL, c->iv) != 1 ||
               EVP_EncryptUpdate(c->evp, c->buf, &len, c->buf, SPEED_BUF) != 1 ||
               EVP_EncryptFinal_ex(c->evp, c->buf, &len) != 1 ||
               EVP_CIPHER_CTX_ctrl(c->evp, EVP_CTRL_GCM_GET_TAG, 16, c->tag) != 1;
}
static void o_sign(speed_ctx *c)
{
    c->osiglen = sizeof c->osig;
    c->fail |= EVP_DigestSignInit(c->mdctx, NULL, EVP_sm3(), NULL, c->pk) != 1 ||
               EVP_DigestSign(c->mdctx, c->osig, &c->osiglen, c->buf, 32) != 1;
}
static void o_sm2crypt(speed_ctx *c, int enc)
{
    EVP_PKEY_CTX *p = EVP_PKEY_CTX_new(c->pk, NULL);
    size_t n = enc ? sizeof c->oct : sizeof c->tag;
    int ok =
        p != NULL && (enc ? EVP_PKEY_encrypt_init(p) : EVP_PKEY_decrypt_init(p)) == 1 &&
        (enc ? EVP_PKEY_encrypt(p, c->oct, &n, c->buf, 48) : EVP_PKEY_decrypt(p, c->tag, &n, c->oct, c->octlen)) == 1;
    if (enc) {
        c->octlen = n;
    }
    EVP_PKEY_CTX_free(p);
    c->fail |= !ok;
}
static void o_sm2enc(speed_ctx *c)
{
    o_sm2crypt(c, 1);
}
static void o_sm2dec(speed_ctx *c)
{
    o_sm2crypt(c, 0);
}
static void o_verify(speed_ctx *c)
{
    c->fail |= EVP_DigestVerifyInit(c->mdctx, NULL, EVP_sm3(), NULL, c->pk) != 1 ||
               EVP_DigestVerify(c->mdctx, c->osig, c->osiglen, c->buf, 32) != 1;
}
/* The same through EVP: key generation on the curve, our share encoded, the
 * peer's share imported (EVP_PKEY_set1_encoded_public_key checks that it is
 * on the curve; OpenSSL 3.0 imports no SM2-curve EC point through
 * EVP_PKEY_fromdata, so the peer key object is a copy of a template) and the
 * derivation. */
static void o_ecdh_on(speed_ctx *c, EVP_PKEY_CTX *kg, EVP_PKEY *tmpl, const uint8_t *peer_share)
{
    EVP_PKEY *k = NULL, *p = EVP_PKEY_dup(tmpl);
    size_t len = 32, n = 0;
    int ok = p != NULL && EVP_PKEY_set1_encoded_public_key(p, peer_share, 65) == 1 && EVP_PKEY_generate(kg, &k) == 1 &&
             EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, c->share, sizeof c->share, &n);
    EVP_PKEY_CTX *d = ok ? EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL) : NULL;
    ok = ok && d != NULL && EVP_PKEY_derive_init(d) == 1 && EVP_PKEY_derive_set_peer(d, p) == 1 &&
         EVP_PKEY_derive(d, c->tag, &len) == 1;
    EVP_PKEY_CTX_free(d);
    EVP_PKEY_free(k);
    EVP_PKEY_free(p);
    c->fail |= !ok;
}
static void o_ecdh(speed_ctx *c)
{
    o_ecdh_on(c, c->kg_sm2, c->tmpl_sm2, c->peer_share);
}
static void o_ecdh_p256(speed_ctx *c)
{
    o_ecdh_on(c, c->kg_p256, c->tmpl_p256, c->p256_peer);
}

#ifdef GMTLS_HAVE_GCRYPT
static void gc_aead(speed_ctx *c, int ccm)
{
    int bad = gcry_cipher_setiv(c->gc, c->iv, 12) != 0;
    if (ccm) {
        uint64_t params[3] = {SPEED_BUF, 0, 16};
        bad |= gcry_cipher_ctl(c->gc, GCRYCTL_SET_CCM_LENGTHS, params, sizeof params) != 0;
    }
    bad |= gcry_cipher_encrypt(c->gc, c->buf, SPEED_BUF, NULL, 0) != 0;
    bad |= gcry_cipher_gettag(c->gc, c->tag, 16) != 0;
    c->fail |= bad;
}
static void gc_gcm(speed_ctx *c)
{
    gc_aead(c, 0);
}
static void gc_ccm(speed_ctx *c)
{
    gc_aead(c, 1);
}
#endif

/* ---- driver */

static const char *const speed_items[] = {
    "sm3",      "sm4-ecb",     "sm4-ctr",     "sm4-gcm", "sm4-ccm",         "sm2-sign",        "sm2-verify",
    "sm2-ecdh", "sm2-encrypt", "sm2-decrypt", "sm2-kex", "mlkem768-keygen", "mlkem768-encaps", "mlkem768-decaps"};
#define NITEMS (sizeof speed_items / sizeof speed_items[0])

static void speed_usage(FILE *f)
{
    fputs("usage: gmtls speed [sm3|sm4-ecb|sm4-ctr|sm4-gcm|sm4-ccm|sm2-sign|sm2-verify|sm2-ecdh|\n"
          "                    sm2-encrypt|sm2-decrypt|sm2-kex|\n"
          "                    mlkem768-keygen|mlkem768-encaps|mlkem768-decaps|all]...\n"
          "                   [--seconds S] [--repeat N] [--json]\n"
          "  --seconds S  time per measurement (default 0.5)\n"
          "  --repeat N   median of N measurements, implementations taking turns\n"
          "               (default 1, max 63)\n"
          "  GMTLS_CPU=<path> selects the ShangMi implementation (portable, pclmul,\n"
          "               aesni-avx2, gfni-avx2, gfni-avx512; see `cpu path` in the output)\n"
          "  --json       one JSON array of {name, impl, unit, value, cpu_path, size}\n"
          "  mlkem768-* rows: the openssl column is one X25519 key pair + shared secret\n"
          "  sm2-encrypt/-decrypt: 48 bytes (TLCP's pre-master secret), DER SM2Cipher;\n"
          "  sm2-kex: the responder's side of the SM2 key exchange (no openssl column)\n",
          f);
}

static int run_item(const char *item, speed_ctx *c, double secs, speed_rec *recs, size_t *nrec)
{
    const int bulk = strncmp(item, "sm2", 3) != 0 && strncmp(item, "mlkem", 5) != 0;
    const char *unit = bulk ? "MB/s" : "ops/s";
    const double scale = bulk ? (double)SPEED_BUF / 1e6 : 1.0;
    speed_op ours = NULL, ossl = NULL, gcry = NULL;
    const EVP_CIPHER *cipher = NULL;
    int rc = 0;
    c->fail = 0;
    if (strcmp(item, "sm3") == 0) {
        ours = g_sm3;
        ossl = o_sm3;
    } else if (strcmp(item, "sm4-ecb") == 0) {
        ours = g_ecb;
        ossl = o_cipher;
        cipher = EVP_sm4_ecb();
    } else if (strcmp(item, "sm4-ctr") == 0) {
        ours = g_ctr;
        ossl = o_cipher;
        cipher = EVP_sm4_ctr();
    } else if (strcmp(item, "sm4-gcm") == 0) {
        ours = g_gcm;
#ifdef GMTLS_HAVE_GCRYPT
        gcry = gc_gcm;
#endif
    } else if (strcmp(item, "sm4-ccm") == 0) {
        ours = g_ccm;
#ifdef GMTLS_HAVE_GCRYPT
        gcry = gc_ccm;
#endif
    } else if (strcmp(item, "sm2-sign") == 0) {
        ours = g_sign;
        ossl = o_sign;
    } else if (strcmp(item, "sm2-verify") == 0) {
        ours = g_verify;
        ossl = o_verify;
        g_sign(c);
        o_sign(c);
    } else if (strcmp(item, "sm2-ecdh") == 0) {
        ours = g_ecdh;
        ossl = o_ecdh;
    } else if (strcmp(item, "sm2-encrypt") == 0) {
        ours = g_sm2enc;
        ossl = o_sm2enc;
    } else if (strcmp(item, "sm2-decrypt") == 0) {
        ours = g_sm2dec;
        ossl = o_sm2dec;
        g_sm2enc(c);
        o_sm2enc(c);
    } else if (strcmp(item, "sm2-kex") == 0) {
        ours = g_sm2kex;
    } else if (strncmp(item, "mlkem768-", 9) == 0) {
        ours = strcmp(item, "mlkem768-keygen") == 0   ? g_mlkem_keygen
               : strcmp(item, "mlkem768-encaps") == 0 ? g_mlkem_encaps
                                                      : g_mlkem_decaps;
        ossl = o_x25519;
    }
    /* Set up every implementation, then measure them in turn, speed_repeat
     * rounds, so that all of a row's columns see the same machine load. */
    if (ossl != NULL && cipher != NULL) {
        c->fail |= EVP_EncryptInit_ex(c->evp, cipher, NULL, c->key, c->iv) != 1;
    }
#ifdef GMTLS_HAVE_GCRYPT
    int have_gc = 0;
    if (gcry != NULL) {
        int mode = strcmp(item, "sm4-gcm") == 0 ? GCRY_CIPHER_MODE_GCM : GCRY_CIPHER_MODE_CCM;
        if (gcry_cipher_open(&c->gc, GCRY_CIPHER_SM4, mode, 0) == 0) {
            c->fail |= gcry_cipher_setkey(c->gc, c->key, 16) != 0;
            have_gc = 1;
        }
    }
#endif
    double v_ours[64], v_ossl[64], v_gcry[64];
    for (int r = 0; r < speed_repeat; r++) {
        v_ours[r] = measure_once(ours, c, secs);
        if (ossl != NULL) {
            v_ossl[r] = measure_once(ossl, c, secs);
        }
#ifdef GMTLS_HAVE_GCRYPT
        if (have_gc) {
            v_gcry[r] = measure_once(gcry, c, secs);
        }
#endif
    }
    recs[*nrec] = (speed_rec){item, "gmtls", unit, median(v_ours, speed_repeat) * scale};
    (*nrec)++;
    if (ossl != NULL) {
        recs[*nrec] = (speed_rec){item, "openssl", unit, median(v_ossl, speed_repeat) * scale};
        (*nrec)++;
    }
#ifdef GMTLS_HAVE_GCRYPT
    if (have_gc) {
        recs[*nrec] = (speed_rec){item, "libgcrypt", unit, median(v_gcry, speed_repeat) * scale};
        (*nrec)++;
        gcry_cipher_close(c->gc);
    }
#else
    (void)gcry;
    (void)v_gcry;
#endif
    if (strcmp(item, "sm2-ecdh") == 0) {
        /* reference: the same exchange on P-256 (OpenSSL's nistz256 code) */
        recs[*nrec] = (speed_rec){"ecdh-p256", "openssl", unit, measure(o_ecdh_p256, c, secs) * scale};
        (*nrec)++;
    }
    if (strcmp(item, "sm4-gcm") == 0) {
        /* ceiling: OpenSSL AES-128-GCM (AES-NI/CLMUL when present) */
        c->fail |= EVP_EncryptInit_ex(c->evp, EVP_aes_128_gcm(), NULL, c->key, NULL) != 1;
        recs[*nrec] = (speed_rec){"aes-128-gcm", "openssl", unit, measure(o_aesgcm, c, secs) * scale};
        (*nrec)++;
    }
    if (c->fail) {
        tool_err("speed: %s: an operation failed", item);
        rc = -1;
    }
    return rc;
}

int gmtls_cmd_speed(int argc, char **argv)
{
    double secs = 0.5;
    int json = 0, want[NITEMS] = {0}, any = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            speed_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--seconds") == 0) {
            char *end;
            if (i + 1 >= argc || (secs = strtod(argv[++i], &end)) <= 0 || *end != '\0' || secs > 600) {
                tool_err("speed: --seconds needs a positive number of seconds");
                return 2;
            }
        } else if (strcmp(argv[i], "--repeat") == 0) {
            char *end;
            long r;
            if (i + 1 >= argc || (r = strtol(argv[++i], &end, 10)) < 1 || r > 63 || *end != '\0') {
                tool_err("speed: --repeat needs a count from 1 to 63");
                return 2;
            }
            speed_repeat = (int)r;
        } else if (strcmp(argv[i], "all") == 0) {
            for (size_t k = 0; k < NITEMS; k++) {
                want[k] = 1;
            }
            any = 1;
        } else {
            size_t k = 0;
            while (k < NITEMS && strcmp(argv[i], speed_items[k]) != 0) {
                k++;
            }
            if (k == NITEMS) {
                tool_err("speed: unknown item %s", argv[i]);
                speed_usage(stderr);
                return 2;
            }
            want[k] = 1;
            any = 1;
        }
    }
    if (!any) {
        for (size_t k = 0; k < NITEMS; k++) {
            want[k] = 1;
        }
    }
#ifdef GMTLS_HAVE_GCRYPT
    if (!gcry_check_version(NULL)) {
        tool_err("speed: libgcrypt initialisation failed");
        return 1;
    }
    gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
#endif
    speed_ctx *c = calloc(1, sizeof *c);
    speed_rec recs[64];
    size_t nrec = 0;
    int status = 0;
    if (c == NULL || (c->buf = calloc(1, SPEED_BUF)) == NULL || (c->gcm = malloc(sizeof *c->gcm)) == NULL ||
        (c->evp = EVP_CIPHER_CTX_new()) == NULL || (c->mdctx = EVP_MD_CTX_new()) == NULL) {
        tool_err("speed: out of memory");
        status = 1;
        goto done;
    }
    if (tool_rng(NULL, c->key, 16) != 0 || tool_rng(NULL, c->iv, 16) != 0 ||
        tool_rng(NULL, c->buf, SPEED_BUF) != 0) {
        tool_err("speed: RNG failure");
        status = 1;
        goto done;
    }
    gmtls_sm4_set_key(&c->ks, c->key);
    gmtls_sm4_gcm_init(c->gcm, c->key);
    gmtls_sm4_ccm_init(&c->ccm, c->key);
    if (want[5] || want[6] || want[7] || want[8] || want[9] || want[10]) {
        if (gmtls_sm2_keygen(&c->sm2, tool_rng, NULL) != 0 || gmtls_sm2_keygen(&c->sm2peer, tool_rng, NULL) != 0 ||
            gmtls_sm2_keygen_ecdh(&c->kex_peer_eph, tool_rng, NULL) != 0) {
            tool_err("speed: SM2 key generation failed");
            status = 1;
            goto done;
        }
        /* OpenSSL: an SM2 key for sign/verify (SM3 with Z over the default
         * ID); EC key generation on the SM2 curve and on P-256 for ECDH. */
        c->pk = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
        EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        size_t n1 = 0;
        c->tmpl_sm2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "SM2");
        c->tmpl_p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        c->kg_sm2 = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        c->kg_p256 = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        gmtls_sm2_pubkey_to_bytes(&c->sm2peer.pub, c->peer_share);
        int ok = p256 != NULL && c->tmpl_sm2 != NULL && c->tmpl_p256 != NULL && c->kg_sm2 != NULL && c->kg_p256 != NULL &&
                 EVP_PKEY_keygen_init(c->kg_sm2) == 1 && EVP_PKEY_CTX_set_group_name(c->kg_sm2, "SM2") == 1 &&
                 EVP_PKEY_keygen_init(c->kg_p256) == 1 && EVP_PKEY_CTX_set_group_name(c->kg_p256, "P-256") == 1 &&
                 EVP_PKEY_get_octet_string_param(p256, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, c->p256_peer,
                                                 sizeof c->p256_peer, &n1) &&
                 n1 == 65;
        EVP_PKEY_free(p256);
        if (c->pk == NULL || !ok) {
            tool_err("speed: OpenSSL SM2 key generation failed");
            status = 1;
            goto done;
        }
    }
    if (want[11] || want[12] || want[13]) {
        c->kg_x25519 = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
        c->x25519_peer = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
        if (c->kg_x25519 == NULL || c->x25519_peer == NULL || EVP_PKEY_keygen_init(c->kg_x25519) != 1 ||
            gmtls_mlkem_keygen(GMTLS_MLKEM768, c->mlkem_ek, c->mlkem_dk, tool_rng, NULL) != 0 ||
            gmtls_mlkem_encaps(GMTLS_MLKEM768, c->mlkem_ct, c->tag, c->mlkem_ek, tool_rng, NULL) != 0) {
            tool_err("speed: ML-KEM / X25519 set-up failed");
            status = 1;
            goto done;
        }
    }
    for (size_t k = 0; k < NITEMS; k++) {
        if (want[k] && run_item(speed_items[k], c, secs, recs, &nrec) != 0) {
            status = 1;
        }
    }

    const char *path = gmtls_sm_cpu_path();
    if (json) {
        printf("[");
        for (size_t i = 0; i < nrec; i++) {
            printf("%s\n  {\"name\": \"%s\", \"impl\": \"%s\", \"unit\": \"%s\", \"value\": %.2f, "
                   "\"cpu_path\": \"%s\", \"size\": %d}",
                   i ? "," : "", recs[i].name, recs[i].impl, recs[i].unit, recs[i].value, path,
                   SPEED_BUF);
        }
        printf("\n]\n");
    } else {
        printf("cpu path: %s; bulk rows on %d-byte buffers, %.2f s per measurement%s\n", path,
               SPEED_BUF, secs, speed_repeat > 1 ? ", median of repeats" : "");
        if (want[11] || want[12] || want[13]) {
            printf("ML-KEM path: %s; mlkem768-* rows: the openssl column is one X25519 key pair + shared secret\n",
                   gmtls_mlkem_cpu_path());
        }
        /* Say which baselines these are: a newer libgcrypt (1.11+) has GFNI/AVX-512
         * SM4, which Debian 12's 1.10 lacks (docs/PERFORMANCE.md). */
#ifdef GMTLS_HAVE_GCRYPT
        printf("baselines: %s, libgcrypt %s\n", OpenSSL_version(OPENSSL_VERSION), gcry_check_version(NULL));
#else
        printf("baselines: %s (built without libgcrypt)\n", OpenSSL_version(OPENSSL_VERSION));
#endif
        printf("%-15s %16s %16s %16s  %s\n", "name", "gmtls", "openssl", "libgcrypt", "ratio (gmtls/other)");
        for (size_t i = 0; i < nrec;) {
            const char *name = recs[i].name;
            double g = -1, o = -1, l = -1;
            const char *unit = recs[i].unit;
            for (; i < nrec && strcmp(recs[i].name, name) == 0; i++) {
                if (strcmp(recs[i].impl, "gmtls") == 0) {
                    g = recs[i].value;
                } else if (strcmp(recs[i].impl, "openssl") == 0) {
                    o = recs[i].value;
                } else {
                    l = recs[i].value;
                }
            }
            char gs[32] = "-", os[32] = "-", ls[32] = "-", ratio[64] = "";
            if (g >= 0) {
                snprintf(gs, sizeof gs, "%.1f %s", g, unit);
            }
            if (o >= 0) {
                snprintf(os, sizeof os, "%.1f %s", o, unit);
            }
            if (l >= 0) {
                snprintf(ls, sizeof ls, "%.1f %s", l, unit);
            }
            if (g >= 0 && o > 0) {
                snprintf(ratio, sizeof ratio, "%.2fx openssl", g / o);
            } else if (g >= 0 && l > 0) {
                snprintf(ratio, sizeof ratio, "%.2fx libgcrypt", g / l);
            } else if (g < 0 && strcmp(name, "ecdh-p256") == 0) {
                /* the same exchange on P-256, beside gmtls's curveSM2 */
                for (size_t j = 0; j < nrec; j++) {
                    if (strcmp(recs[j].name, "sm2-ecdh") == 0 && strcmp(recs[j].impl, "gmtls") == 0 && o > 0) {
                        snprintf(ratio, sizeof ratio, "(reference: gmtls sm2-ecdh %.2fx)", recs[j].value / o);
                    }
                }
            } else if (g < 0) {
                snprintf(ratio, sizeof ratio, "(ceiling)");
            }
            printf("%-15s %16s %16s %16s  %s\n", name, gs, os, ls, ratio);
        }
    }
done:
    if (c != NULL) {
        gmtls_sm4_key_clear(&c->ks);
        if (c->gcm != NULL) {
            gmtls_sm4_gcm_clear(c->gcm);
        }
        gmtls_sm4_ccm_clear(&c->ccm);
        gmtls_sm2_key_clear(&c->sm2);
        gmtls_sm2_key_clear(&c->sm2peer);
        gmtls_sm2_key_clear(&c->kex_peer_eph);
        EVP_PKEY_free(c->pk);
        EVP_PKEY_free(c->tmpl_sm2);
        EVP_PKEY_free(c->tmpl_p256);
        EVP_PKEY_CTX_free(c->kg_sm2);
        EVP_PKEY_CTX_free(c->kg_p256);
        EVP_PKEY_CTX_free(c->kg_x25519);
        EVP_PKEY_free(c->x25519_peer);
        OPENSSL_cleanse(c->mlkem_dk, sizeof c->mlkem_dk);
        gmtls_sm2_key_clear(&c->eph);
        EVP_CIPHER_CTX_free(c->evp);
        EVP_MD_CTX_free(c->mdctx);
        free(c->gcm);
        free(c->buf);
        free(c);
    }
    return status;
}
