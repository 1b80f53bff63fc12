/* tests/tls/keyfile_test.c - encrypted private keys (src/handshake/keyfile.c):
 * GmSSL's PKCS#8 (PBKDF2-HMAC-SM3, SM4-CBC; the fixture in gmssl-key/ was
 * made by `gmssl sm2keygen -pass`), OpenSSL's PKCS#8 and traditional PEM,
 * right, wrong and missing passphrases, the passphrase callback, tampered
 * files. The GmSSL decryption is checked against an independent one made
 * with libcrypto's PBKDF2 over EVP_sm3() and EVP_sm4_cbc(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "handshake/internal.h"
#include "test.h"

#define PASS "gmtls-test-pass"

static char *slurp(const char *name, size_t *len)
{
    char path[4096];
    const char *src = getenv("GMTLS_SOURCE");
    snprintf(path, sizeof path, "%s/tests/tls/gmssl-key/%s", src != NULL ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "keyfile_test: cannot open %s (set GMTLS_SOURCE)\n", path);
        exit(1);
    }
    char *buf = malloc(65536);
    *len = buf != NULL ? fread(buf, 1, 65535, f) : 0;
    fclose(f);
    if (buf == NULL || *len == 0) {
        exit(1);
    }
    buf[*len] = '\0';
    return buf;
}

/* The key in der (PKCS#8 PrivateKeyInfo). */
static EVP_PKEY *from_der(const gmtls_buf *der)
{
    const unsigned char *p = der->base;
    return d2i_AutoPrivateKey(NULL, &p, (long)der->off);
}

/* Decrypts the GmSSL fixture with libcrypto alone: PBKDF2 over EVP_sm3(),
 * EVP_sm4_cbc(); the parameters are those `openssl asn1parse` shows. */
static EVP_PKEY *reference_decrypt(const char *pem, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509_SIG *sig = PEM_read_bio_PKCS8(b, NULL, NULL, NULL);
    BIO_free(b);
    if (sig == NULL) {
        return NULL;
    }
    const X509_ALGOR *alg;
    const ASN1_OCTET_STRING *ct;
    X509_SIG_get0(sig, &alg, &ct);
    PBE2PARAM *pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    PBKDF2PARAM *kdf =
        pbe2 != NULL ? ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter) : NULL;
    EVP_PKEY *pk = NULL;
    uint8_t key[16], *plain = malloc((size_t)ct->length + 16);
    int outl = 0, fin = 0;
    EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
    if (kdf != NULL && plain != NULL && cctx != NULL &&
        PKCS5_PBKDF2_HMAC(PASS, (int)strlen(PASS), kdf->salt->value.octet_string->data,
                          kdf->salt->value.octet_string->length, (int)ASN1_INTEGER_get(kdf->iter), EVP_sm3(),
                          sizeof key, key) == 1 &&
        EVP_DecryptInit_ex(cctx, EVP_sm4_cbc(), NULL, key, pbe2->encryption->parameter->value.octet_string->data) ==
            1 &&
        EVP_DecryptUpdate(cctx, plain, &outl, ct->data, ct->length) == 1 &&
        EVP_DecryptFinal_ex(cctx, plain + outl, &fin) == 1) {
        const unsigned char *p = plain;
        pk = d2i_AutoPrivateKey(NULL, &p, outl + fin);
    }
    EVP_CIPHER_CTX_free(cctx);
    free(plain);
    PBKDF2PARAM_free(kdf);
    PBE2PARAM_free(pbe2);
    X509_SIG_free(sig);
    return pk;
}

static void test_gmssl_key(void)
{
    size_t keylen, publen;
    char *key = slurp("sm2-key.pem", &keylen), *pub = slurp("sm2-pub.pem", &publen);
    char err[200];
    gmtls_buf der;
    gmtls_buf_init(&der);

    /* libcrypto alone cannot read it (the reason this code exists). */
    BIO *b = BIO_new_mem_buf(key, (int)keylen);
    EVP_PKEY *ossl = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)PASS);
    CHECK(ossl == NULL);
    EVP_PKEY_free(ossl);
    BIO_free(b);
    ERR_clear_error();

    /* Right passphrase: the key of sm2-pub.pem, the same as the reference. */
    CHECK_OK(gmtls_private_key_pem_to_der(key, keylen, PASS, &der, err, sizeof err));
    EVP_PKEY *ours = from_der(&der), *ref = reference_decrypt(key, keylen);
    b = BIO_new_mem_buf(pub, (int)publen);
    EVP_PKEY *pubkey = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    CHECK(ours != NULL && ref != NULL && pubkey != NULL);
    CHECK(EVP_PKEY_eq(ours, ref) == 1);
    CHECK(EVP_PKEY_eq(ours, pubkey) == 1);
    EVP_PKEY_free(ours);
    EVP_PKEY_free(ref);
    EVP_PKEY_free(pubkey);
    gmtls_buf_dispose(&der);

    /* Wrong passphrase and no passphrase: clear errors, nothing decoded. */
    CHECK_ERR(gmtls_private_key_pem_to_der(key, keylen, "gmtls-test-pasS", &der, err, sizeof err), GMTLS_ERR_FILE);
    CHECK(strcmp(err, "wrong passphrase (or a corrupt key)") == 0 && der.off == 0);
    CHECK_ERR(gmtls_private_key_pem_to_der(key, keylen, NULL, &der, err, sizeof err), GMTLS_ERR_FILE);
    CHECK(strcmp(err, "the private key is encrypted and no passphrase was given") == 0 && der.off == 0);

    /* Tampered: one byte in five of the DER flipped in turn (base64
     * re-encoded). CBC is not authenticated, so a flip inside the key bytes
     * can decode to another key (add_chain's key/certificate match catches
     * that); most flips must be rejected, none may crash or overread
     * (ASan build). */
    BIO *in = BIO_new_mem_buf(key, (int)keylen);
    unsigned char *d = NULL;
    long dlen = 0;
    char *name = NULL, *hdr = NULL;
    CHECK(PEM_read_bio(in, &name, &hdr, &d, &dlen) == 1);
    BIO_free(in);
    int rejected = 0, tried = 0;
    for (long i = 0; i < dlen; i += 5, tried++) {
        d[i] ^= 0x01;
        BIO *out = BIO_new(BIO_s_mem());
        char *pem = NULL;
        CHECK(PEM_write_bio(out, name, hdr, d, dlen) > 0);
        long pl = BIO_get_mem_data(out, &pem);
        int r = gmtls_private_key_pem_to_der(pem, (size_t)pl, PASS, &der, err, sizeof err);
        if (r != 0) {
            rejected++;
        } else {
            EVP_PKEY *k = from_der(&der);
            CHECK(k != NULL);
            EVP_PKEY_free(k);
        }
        gmtls_buf_dispose(&der);
        BIO_free(out);
        d[i] ^= 0x01;
    }
    CHECK(rejected > tried / 2);
    ERR_clear_error();
    OPENSSL_free(d);
    OPENSSL_free(name);
    OPENSSL_free(hdr);
    free(key);
    free(pub);
}

typedef struct {
    int calls;
    const char *give;
} cb_state;

static int pass_cb(void *ctx, char *buf, size_t size)
{
    cb_state *s = ctx;
    s->calls++;
    if (s->give == NULL || strlen(s->give) >= size) {
        return -1;
    }
    memcpy(buf, s->give, strlen(s->give));
    return (int)strlen(s->give);
}

/* The config API: a GmSSL chain and key, passphrase given directly or by a
 * callback that runs only for an encrypted key. */
static void test_config(void)
{
    size_t keylen, certlen;
    char *key = slurp("sm2-key.pem", &keylen), *cert = slurp("sm2-cert.pem", &certlen);
    gmtls_config *cfg = gmtls_config_new();
    CHECK_ERR(gmtls_config_add_cert_chain_mem(cfg, cert, certlen, key, keylen), GMTLS_ERR_FILE);
    CHECK(strstr(gmtls_config_last_error(cfg), "no passphrase was given") != NULL);
    CHECK_OK(gmtls_config_set_key_passphrase(cfg, PASS));
    CHECK_OK(gmtls_config_add_cert_chain_mem(cfg, cert, certlen, key, keylen));
    CHECK_OK(gmtls_config_set_key_passphrase(cfg, "wrong"));
    CHECK_ERR(gmtls_config_add_cert_chain_mem(cfg, cert, certlen, key, keylen), GMTLS_ERR_FILE);
    CHECK(strstr(gmtls_config_last_error(cfg), "wrong passphrase") != NULL);

    cb_state st = {0, PASS};
    gmtls_config_set_key_passphrase_cb(cfg, pass_cb, &st);
    CHECK_OK(gmtls_config_add_cert_chain_mem(cfg, cert, certlen, key, keylen));
    CHECK(st.calls == 1);
    st.give = NULL;
    CHECK_ERR(gmtls_config_add_cert_chain_mem(cfg, cert, certlen, key, keylen), GMTLS_ERR_FILE);
    CHECK(st.calls == 2 && strstr(gmtls_config_last_error(cfg), "no passphrase was given") != NULL);
    gmtls_config_free(cfg);
    free(key);
    free(cert);
}

/* OpenSSL's encodings still go through libcrypto: PKCS#8 PBES2 and
 * traditional PEM, encrypted and not; a plain key never asks. */
static void test_openssl_keys(void)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    CHECK(pk != NULL);
    for (int form = 0; form < 3; form++) {
        BIO *b = BIO_new(BIO_s_mem());
        int ok = form == 0   ? PEM_write_bio_PKCS8PrivateKey(b, pk, EVP_aes_256_cbc(), "secret", 6, NULL, NULL)
                 : form == 1 ? PEM_write_bio_PrivateKey_traditional(b, pk, EVP_aes_128_cbc(), (unsigned char *)"secret",
                                                                    6, NULL, NULL)
                             : PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL);
        CHECK(ok == 1);
        char *pem = NULL, err[200];
        long len = BIO_get_mem_data(b, &pem);
        gmtls_buf der;
        gmtls_buf_init(&der);
        CHECK_OK(gmtls_private_key_pem_to_der(pem, (size_t)len, "secret", &der, err, sizeof err));
        EVP_PKEY *k = from_der(&der);
        CHECK(k != NULL && EVP_PKEY_eq(k, pk) == 1);
        EVP_PKEY_free(k);
        gmtls_buf_dispose(&der);
        if (form < 2) {
            CHECK_ERR(gmtls_private_key_pem_to_der(pem, (size_t)len, "Secret", &der, err, sizeof err), GMTLS_ERR_FILE);
            CHECK(strcmp(err, "wrong passphrase (or a corrupt key)") == 0);
            CHECK_ERR(gmtls_private_key_pem_to_der(pem, (size_t)len, NULL, &der, err, sizeof err), GMTLS_ERR_FILE);
            CHECK(strcmp(err, "the private key is encrypted and no passphrase was given") == 0);
        } else {
            cb_state st = {0, NULL};
            gmtls_pass_src src = {NULL, pass_cb, &st};
            void *evp = NULL;
            CHECK_OK(gmtls_key_from_pem(&src, pem, (size_t)len, &evp, err, sizeof err));
            CHECK(st.calls == 0);
            EVP_PKEY_free(evp);
        }
        BIO_free(b);
    }
    EVP_PKEY_free(pk);
    char err[200];
    gmtls_buf der;
    gmtls_buf_init(&der);
    static const char junk[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    CHECK_ERR(gmtls_private_key_pem_to_der(junk, sizeof junk - 1, NULL, &der, err, sizeof err), GMTLS_ERR_FILE);
    CHECK(strcmp(err, "no usable PEM private key found") == 0);
    ERR_clear_error();
}

int main(void)
{
    test_gmssl_key();
    test_config();
    test_openssl_keys();
    return TEST_END("keyfile_test");
}
