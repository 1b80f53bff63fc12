/* src/handshake/keyfile.c - private keys from PEM, with a passphrase when they
 * are encrypted. libcrypto reads every encoding it knows (PKCS#8 plain and
 * encrypted, traditional PEM with Proc-Type ENCRYPTED); GmSSL's PKCS#8, PBES2
 * with PBKDF2-HMAC-SM3 and SM4-CBC, which libcrypto 3.0 cannot decrypt (it
 * knows no HMAC-SM3 PRF), is decrypted here with our own SM3 and SM4, its
 * ASN.1 decoded by libcrypto's X509_SIG / PBE2PARAM / PBKDF2PARAM. Nothing
 * here prompts: without a passphrase an encrypted key is an error. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "handshake/internal.h"

#define PASS_MAX 1024
/* PRF of GmSSL's PBKDF2 (its OID for HMAC-SM3). */
#define OID_GMSSL_HMAC_SM3 "1.2.156.10197.1.401.2"
/* An upper bound on PBKDF2 iterations (GmSSL writes 65536). */
#define PBKDF2_MAX_ITER (1 << 24)

typedef struct {
    const gmtls_pass_src *src;
    int asked;   /* the passphrase was requested */
    int missing; /* ... and none was configured */
} pass_req;

/* The configured passphrase into buf; its length, or -1 if there is none. */
static int get_pass(pass_req *req, char *buf, size_t size)
{
    const gmtls_pass_src *src = req->src;
    req->asked = 1;
    int n = -1;
    if (src->pass != NULL) {
        size_t len = strlen(src->pass);
        if (len < size) {
            memcpy(buf, src->pass, len + 1);
            n = (int)len;
        }
    } else if (src->fn != NULL) {
        n = src->fn(src->ctx, buf, size);
        if (n >= (int)size) {
            n = -1;
        }
    }
    if (n < 0) {
        req->missing = 1;
    }
    return n;
}

/* pem_password_cb: libcrypto's own prompt is never reached. */
static int pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    int n = size > 0 ? get_pass(u, buf, (size_t)size) : -1;
    return n < 0 ? -1 : n;
}

static int no_pass_cb(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* PBKDF2 (RFC 8018 §5.2) with HMAC-SM3: dk[0..dklen) for dklen <= 32 (one block). */
static int pbkdf2_sm3(const char *pass, size_t passlen, const uint8_t *salt, size_t saltlen, uint64_t iter, uint8_t *dk,
                      size_t dklen)
{
    gmtls_hmac_key hk;
    uint8_t u[GMTLS_SM3_DIGEST_LEN], t[GMTLS_SM3_DIGEST_LEN];
    static const uint8_t block1[4] = {0, 0, 0, 1};
    if (dklen > sizeof t) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    int rc = gmtls_hmac_key_init(&hk, &gmtls_hash_sm3, (const uint8_t *)pass, passlen);
    if (rc == 0) {
        /* U_1 = PRF(P, S || INT(1)), U_c = PRF(P, U_{c-1}), T_1 = U_1 ^ ... ^ U_c */
        rc = gmtls_hmac_keyed(&hk, salt, saltlen, block1, 4, NULL, 0, u);
        memcpy(t, u, sizeof t);
        for (uint64_t i = 1; rc == 0 && i < iter; i++) {
            rc = gmtls_hmac_keyed(&hk, u, sizeof u, NULL, 0, NULL, 0, u);
            for (size_t j = 0; j < sizeof t; j++) {
                t[j] ^= u[j];
            }
        }
        gmtls_hmac_key_wipe(&hk);
    }
    if (rc == 0) {
        memcpy(dk, t, dklen);
    }
    gmtls_wipe(u, sizeof u);
    gmtls_wipe(t, sizeof t);
    return rc;
}

static int oid_is(const ASN1_OBJECT *obj, const char *dotted)
{
    char txt[64];
    int n = OBJ_obj2txt(txt, sizeof txt, obj, 1);
    return n > 0 && (size_t)n < sizeof txt && strcmp(txt, dotted) == 0;
}

/* The parameters of a GmSSL-encrypted key: PBES2 (RFC 8018 §6.2) with
 * PBKDF2 (salt an OCTET STRING, keyLength absent or 16, prf HMAC-SM3) and
 * SM4-CBC (a 16-byte IV). 1 and the values when alg is that, 0 when alg is
 * something else (libcrypto's business), or an error. */
typedef struct {
    uint8_t salt[64];
    size_t saltlen;
    uint64_t iter;
    uint8_t iv[16];
} gmssl_pbes2;

static int gmssl_params(const X509_ALGOR *alg, gmssl_pbes2 *p, char *err, size_t errlen)
{
    const ASN1_OBJECT *oid;
    int ptype;
    const void *pval;
    X509_ALGOR_get0(&oid, &ptype, &pval, alg);
    if (OBJ_obj2nid(oid) != NID_pbes2 || ptype != V_ASN1_SEQUENCE) {
        return 0;
    }
    PBE2PARAM *pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    if (pbe2 == NULL) {
        snprintf(err, errlen, "malformed PBES2 parameters");
        return GMTLS_ERR_FILE;
    }
    int rc = 0;
    PBKDF2PARAM *kdf = NULL;
    const X509_ALGOR *enc = pbe2->encryption;
    if (OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2 && OBJ_obj2nid(enc->algorithm) == NID_sm4_cbc &&
        pbe2->keyfunc->parameter != NULL && pbe2->keyfunc->parameter->type == V_ASN1_SEQUENCE) {
        kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);
    }
    if (kdf != NULL && kdf->prf != NULL && oid_is(kdf->prf->algorithm, OID_GMSSL_HMAC_SM3)) {
        int64_t iter = 0, keylen = 16;
        const ASN1_OCTET_STRING *salt =
            kdf->salt != NULL && kdf->salt->type == V_ASN1_OCTET_STRING ? kdf->salt->value.octet_string : NULL;
        const ASN1_OCTET_STRING *iv = enc->parameter != NULL && enc->parameter->type == V_ASN1_OCTET_STRING
                                          ? enc->parameter->value.octet_string
                                          : NULL;
        rc = GMTLS_ERR_FILE;
        if (salt == NULL || salt->length <= 0 || (size_t)salt->length > sizeof p->salt) {
            snprintf(err, errlen, "PBKDF2 salt is not an OCTET STRING of 1..%zu bytes", sizeof p->salt);
        } else if (ASN1_INTEGER_get_int64(&iter, kdf->iter) != 1 || iter < 1 || iter > PBKDF2_MAX_ITER) {
            snprintf(err, errlen, "PBKDF2 iteration count out of range");
        } else if (kdf->keylength != NULL && (ASN1_INTEGER_get_int64(&keylen, kdf->keylength) != 1 || keylen != 16)) {
            snprintf(err, errlen, "PBKDF2 key length is not 16 for SM4");
        } else if (iv == NULL || iv->length != 16) {
            snprintf(err, errlen, "SM4-CBC IV is not an OCTET STRING of 16 bytes");
        } else {
            memcpy(p->salt, salt->data, (size_t)salt->length);
            p->saltlen = (size_t)salt->length;
            p->iter = (uint64_t)iter;
            memcpy(p->iv, iv->data, 16);
            rc = 1;
        }
    }
    PBKDF2PARAM_free(kdf);
    PBE2PARAM_free(pbe2);
    return rc;
}

/* Decrypts a GmSSL-encrypted PrivateKeyInfo (ct) into a key. */
static int gmssl_decrypt(const gmssl_pbes2 *p, const ASN1_OCTET_STRING *ct, pass_req *req, EVP_PKEY **out, char *err,
                         size_t errlen)
{
    char pass[PASS_MAX];
    int passlen = get_pass(req, pass, sizeof pass);
    if (passlen < 0) {
        return GMTLS_ERR_FILE;
    }
    size_t n = (size_t)ct->length;
    if (n == 0 || n % 16 != 0) {
        gmtls_wipe(pass, sizeof pass);
        snprintf(err, errlen, "SM4-CBC ciphertext is not a whole number of blocks");
        return GMTLS_ERR_FILE;
    }
    uint8_t key[16], iv[16];
    uint8_t *plain = malloc(n);
    int rc = plain == NULL ? GMTLS_ERR_NO_MEMORY
                           : pbkdf2_sm3(pass, (size_t)passlen, p->salt, p->saltlen, p->iter, key, sizeof key);
    gmtls_wipe(pass, sizeof pass);
    if (rc == 0) {
        gmtls_sm4_key ks;
        gmtls_sm4_set_key(&ks, key);
        memcpy(iv, p->iv, 16);
        gmtls_sm4_cbc_decrypt(&ks, iv, ct->data, plain, n / 16);
        gmtls_sm4_key_clear(&ks);
        /* RFC 8018 §6.1.1 / RFC 5652 §6.3 padding: k bytes of value k, 1 <= k <= 16. */
        size_t pad = plain[n - 1], bad = pad == 0 || pad > 16;
        for (size_t i = 0; !bad && i < pad; i++) {
            bad |= plain[n - 1 - i] != pad;
        }
        const unsigned char *q = plain;
        PKCS8_PRIV_KEY_INFO *p8 = bad ? NULL : d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, (long)(n - pad));
        EVP_PKEY *pk = NULL;
        if (p8 != NULL && q == plain + n - pad) {
            pk = EVP_PKCS82PKEY(p8);
        }
        PKCS8_PRIV_KEY_INFO_free(p8);
        if (pk == NULL) {
            ERR_clear_error();
            snprintf(err, errlen, "wrong passphrase (or a corrupt key)");
            rc = GMTLS_ERR_FILE;
        }
        *out = pk;
    }
    gmtls_wipe(key, sizeof key);
    gmtls_wipe(iv, sizeof iv);
    if (plain != NULL) {
        gmtls_wipe(plain, n);
        free(plain);
    }
    return rc;
}

/* The first "ENCRYPTED PRIVATE KEY" block of pem, if GmSSL's algorithms
 * protect it: 1 with *out set, 0 when libcrypto should read the file, or an error. */
static int try_gmssl(const char *pem, size_t len, pass_req *req, EVP_PKEY **out, char *err, size_t errlen)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    unsigned char *der = NULL;
    long derlen = 0;
    char *name = NULL;
    int rc = 0;
    if (b == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    /* A callback that has no passphrase: a block with a Proc-Type header
     * must not reach libcrypto's terminal prompt. */
    if (PEM_bytes_read_bio(&der, &derlen, &name, PEM_STRING_PKCS8, b, no_pass_cb, NULL) == 1) {
        const unsigned char *q = der;
        X509_SIG *sig = d2i_X509_SIG(NULL, &q, derlen);
        if (sig != NULL && q == der + derlen) {
            const X509_ALGOR *alg;
            const ASN1_OCTET_STRING *ct;
            gmssl_pbes2 params;
            X509_SIG_get0(sig, &alg, &ct);
            rc = gmssl_params(alg, &params, err, errlen);
            if (rc == 1) {
                rc = gmssl_decrypt(&params, ct, req, out, err, errlen);
                rc = rc == 0 ? 1 : rc;
            }
            gmtls_wipe(&params, sizeof params);
        }
        X509_SIG_free(sig);
    }
    ERR_clear_error();
    OPENSSL_free(der);
    OPENSSL_free(name);
    BIO_free(b);
    return rc;
}

int gmtls_key_from_pem(const gmtls_pass_src *src, const char *pem, size_t len, void **out, char *err, size_t errlen)
{
    pass_req req = {src, 0, 0};
    EVP_PKEY *pk = NULL;
    err[0] = '\0';
    *out = NULL;
    if (len > INT32_MAX) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    int rc = try_gmssl(pem, len, &req, &pk, err, errlen);
    if (rc == 0) {
        BIO *b = BIO_new_mem_buf(pem, (int)len);
        if (b == NULL) {
            return GMTLS_ERR_NO_MEMORY;
        }
        pk = PEM_read_bio_PrivateKey(b, NULL, pem_pass_cb, &req);
        BIO_free(b);
        ERR_clear_error();
        if (pk == NULL) {
            rc = GMTLS_ERR_FILE;
            if (req.asked && !req.missing) {
                snprintf(err, errlen, "wrong passphrase (or a corrupt key)");
            }
        }
    } else if (rc == 1) {
        rc = 0;
    }
    if (rc != 0 && req.missing) {
        snprintf(err, errlen, "the private key is encrypted and no passphrase was given");
    } else if (rc != 0 && err[0] == '\0') {
        snprintf(err, errlen, "no usable PEM private key found");
    }
    if (rc != 0) {
        EVP_PKEY_free(pk);
        return rc;
    }
    *out = pk;
    return 0;
}

int gmtls_config_set_key_passphrase(gmtls_config *cfg, const char *pass)
{
    char *copy = NULL;
    if (pass != NULL && (copy = strdup(pass)) == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    gmtls_config_clear_key_passphrase(cfg);
    cfg->key_pass.pass = copy;
    return 0;
}

void gmtls_config_set_key_passphrase_cb(gmtls_config *cfg, gmtls_passphrase_fn *fn, void *ctx)
{
    gmtls_config_clear_key_passphrase(cfg);
    cfg->key_pass.fn = fn;
    cfg->key_pass.ctx = ctx;
}

void gmtls_config_clear_key_passphrase(gmtls_config *cfg)
{
    if (cfg->key_pass.pass != NULL) {
        gmtls_wipe((char *)cfg->key_pass.pass, strlen(cfg->key_pass.pass));
        free((char *)cfg->key_pass.pass);
    }
    memset(&cfg->key_pass, 0, sizeof cfg->key_pass);
}

int gmtls_private_key_pem_to_der(const char *pem, size_t len, const char *pass, gmtls_buf *der, char *err,
                                 size_t errlen)
{
    gmtls_pass_src src = {pass, NULL, NULL};
    char dummy[1];
    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    void *pk = NULL;
    int rc = gmtls_key_from_pem(&src, pem, len, &pk, err, errlen);
    if (rc != 0) {
        return rc;
    }
    unsigned char *p = NULL;
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
    int n = p8 != NULL ? i2d_PKCS8_PRIV_KEY_INFO(p8, &p) : -1;
    PKCS8_PRIV_KEY_INFO_free(p8);
    EVP_PKEY_free(pk);
    rc = n > 0 ? gmtls_buf_reserve(der, (size_t)n) : GMTLS_ERR_CRYPTO;
    if (rc == 0) {
        memcpy(der->base + der->off, p, (size_t)n);
        der->off += (size_t)n;
    }
    if (n > 0) {
        OPENSSL_clear_free(p, (size_t)n);
    }
    ERR_clear_error();
    return rc;
}
