/* tools/cmd_sm2.c - `gmtls sm2 keygen|sign|verify|encrypt|decrypt`: SM2
 * keys, signatures and public-key encryption with the native
 * implementation. Keys and certificates are
 * read and written as PEM through libcrypto, so they interoperate with
 * `openssl pkey`, `openssl pkeyutl` and `openssl x509`; signatures are DER
 * (SEQUENCE { r, s }) over SM3(Z_A || message), like
 * `openssl pkeyutl -rawin -digest sm3 -pkeyopt distid:ID`; ciphertexts are
 * the DER SM2Cipher of GM/T 0009 (what `openssl pkeyutl -encrypt` and
 * `gmssl sm2encrypt` write) or raw C1 || C3 || C2. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmd.h"
#include "gmtls.h"
#include "gmtls/sm.h"

static void sm2_usage(FILE *f)
{
    fputs("usage: gmtls sm2 keygen --out KEY.pem [--pubout PUB.pem] [--key-pass SPEC] [--force]\n"
          "       gmtls sm2 sign --key KEY.pem [--key-pass SPEC] [--id ID] [--in FILE] --out SIG.der\n"
          "       gmtls sm2 verify (--pubkey PUB.pem | --cert CERT.pem) [--id ID]\n"
          "                        --sig SIG.der [--in FILE]\n"
          "       gmtls sm2 encrypt (--pubkey PUB.pem | --cert CERT.pem) [--format der|c1c3c2]\n"
          "                         [--in FILE] --out CIPHERTEXT\n"
          "       gmtls sm2 decrypt --key KEY.pem [--key-pass SPEC] [--format der|c1c3c2]\n"
          "                         [--in FILE] --out PLAINTEXT\n"
          "SM2 (GB/T 32918) on the curve sm2p256v1. keygen writes a PKCS#8 PEM private\n"
          "key (and optionally its PEM public key); it does not replace existing files\n"
          "unless --force is given. sign and verify work on\n"
          "SM3(Z_A || message) with the signer ID (default \"1234567812345678\"), the\n"
          "same as `openssl pkeyutl -rawin -digest sm3 -pkeyopt distid:ID`. The message\n"
          "is FILE or standard input. verify prints \"verified\" (exit 0) or\n"
          "\"verification failed\" (exit 1); usage errors exit 2. --key-pass SPEC\n"
          "(pass:TEXT, env:VAR, file:PATH or fd:N) encrypts the key keygen writes\n"
          "(PKCS#8, PBES2 with AES-256-CBC) and decrypts the key sign reads, also\n"
          "GmSSL's (PBKDF2-HMAC-SM3, SM4-CBC); nothing is asked on a terminal.\n"
          "encrypt and decrypt use SM2 public-key encryption (GB/T 32918.4) of 1 byte\n"
          "to 1 MiB; --format der (default) is the DER SM2Cipher of `openssl pkeyutl\n"
          "-encrypt` and `gmssl sm2encrypt`, c1c3c2 is 04||x||y||C3||C2. decrypt\n"
          "prints \"decryption failed\" and exits 1 for any bad ciphertext.\n",
          f);
}

/* The options the subcommands take; NULL when not given. */
typedef struct {
    const char *out, *pubout, *key, *id, *in, *pubkey, *cert, *sig, *key_pass, *format;
    int force; /* keygen --force: replace existing files */
} sm2_opts;

/* Parses argv[2..]: each option takes a value. Returns 0, 1 for --help,
 * or 2 after printing a usage error. allowed lists the option names this
 * subcommand accepts. */
static int sm2_parse(int argc, char **argv, const char *const *allowed, sm2_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            return 1;
        }
        int ok = 0;
        for (const char *const *p = allowed; *p != NULL; p++) {
            if (strcmp(a, *p) == 0) {
                ok = 1;
            }
        }
        if (!ok) {
            tool_err("sm2 %s: unknown option %s (see gmtls sm2 --help)", argv[1], a);
            return 2;
        }
        if (strcmp(a, "--force") == 0) {
            o->force = 1; /* a flag: no value */
            continue;
        }
        if (i + 1 >= argc) {
            tool_err("sm2 %s: %s needs a value", argv[1], a);
            return 2;
        }
        const char *v = argv[++i];
        const char **slot = strcmp(a, "--out") == 0        ? &o->out
                            : strcmp(a, "--pubout") == 0   ? &o->pubout
                            : strcmp(a, "--key") == 0      ? &o->key
                            : strcmp(a, "--id") == 0       ? &o->id
                            : strcmp(a, "--in") == 0       ? &o->in
                            : strcmp(a, "--pubkey") == 0   ? &o->pubkey
                            : strcmp(a, "--cert") == 0     ? &o->cert
                            : strcmp(a, "--key-pass") == 0 ? &o->key_pass
                            : strcmp(a, "--format") == 0   ? &o->format
                                                           : &o->sig;
        if (*slot != NULL) {
            tool_err("sm2 %s: %s given twice", argv[1], a);
            return 2;
        }
        *slot = v;
    }
    return 0;
}

static void print_ossl_errors(void)
{
    unsigned long e;
    char buf[256];
    while ((e = ERR_get_error()) != 0) {
        ERR_error_string_n(e, buf, sizeof buf);
        tool_err("libcrypto: %s", buf);
    }
}

/* Opens path for writing ("-" = stdout); private files get mode 0600 (also
 * when an existing file is replaced). keep: refuse an existing file. */
static FILE *open_out(const char *path, int is_private, int keep)
{
    if (strcmp(path, "-") == 0) {
        return stdout;
    }
    int fd = open(path, O_WRONLY | O_CREAT | (keep ? O_EXCL : O_TRUNC) | O_CLOEXEC, is_private ? 0600 : 0644);
    if (fd >= 0 && is_private && fchmod(fd, 0600) != 0) {
        close(fd);
        fd = -1;
    }
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (f == NULL) {
        if (errno == EEXIST) {
            tool_err("%s exists: sm2 keygen does not replace it; choose another file name or add --force", path);
        } else {
            tool_err("%s: %s", path, strerror(errno));
        }
        if (fd >= 0) {
            close(fd);
        }
    }
    return f;
}

static int close_out(FILE *f, const char *path)
{
    int bad = f == stdout ? fflush(f) != 0 : fclose(f) != 0;
    if (bad) {
        tool_err("%s: write error", path);
        return -1;
    }
    return 0;
}

/* An SM2-type EVP_PKEY from the native key (private part optional). */
static EVP_PKEY *to_evp(const gmtls_sm2_key *key, int with_private)
{
    uint8_t d[GMTLS_SM2_SCALAR_LEN], pub[GMTLS_SM2_POINT_LEN];
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;
    BIGNUM *bn = NULL;
    gmtls_sm2_pubkey_to_bytes(&key->pub, pub);
    if (with_private) {
        gmtls_sm2_key_export_private(key, d);
        bn = BN_secure_new();
        if (bn == NULL || BN_bin2bn(d, sizeof d, bn) == NULL) {
            goto done;
        }
    }
    if (bld == NULL || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub) ||
        (bn != NULL && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn)) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL) {
        goto done;
    }
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1) {
        pkey = NULL;
    }
done:
    OPENSSL_cleanse(d, sizeof d);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_clear_free(bn);
    return pkey;
}

/* Fails unless pkey is an EC key on the SM2 curve. */
static int check_sm2_curve(EVP_PKEY *pkey, const char *path)
{
    char group[64];
    size_t glen = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) != 1 ||
        strcmp(group, "SM2") != 0) {
        tool_err("%s: not a key on the SM2 curve", path);
        return -1;
    }
    return 0;
}

/* A private key, plain or encrypted (with --key-pass), through the library's
 * decoder, which knows GmSSL's encryption too. */
static EVP_PKEY *read_private(const char *path, const char *key_pass)
{
    char pass[1024], err[200] = "";
    uint8_t *pem = NULL;
    size_t len = 0;
    EVP_PKEY *pkey = NULL;
    gmtls_buf der;
    gmtls_buf_init(&der);
    if (key_pass != NULL && tool_key_pass_get(key_pass, pass, sizeof pass) < 0) {
        return NULL;
    }
    if (tool_read_file(path, &pem, &len) == 0) {
        int r = gmtls_private_key_pem_to_der((const char *)pem, len, key_pass != NULL ? pass : NULL, &der, err,
                                             sizeof err);
        if (r == 0) {
            const unsigned char *p = der.base;
            pkey = d2i_AutoPrivateKey(NULL, &p, (long)der.off);
        }
        if (pkey == NULL) {
            tool_err("%s: %s", path, err[0] ? err : "cannot read a PEM private key");
        }
        OPENSSL_cleanse(pem, len);
        free(pem);
    }
    OPENSSL_cleanse(pass, sizeof pass);
    gmtls_buf_dispose(&der);
    if (pkey != NULL && check_sm2_curve(pkey, path) != 0) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

/* A public key: what 1 = PEM public key, 2 = the key of a PEM certificate. */
static EVP_PKEY *read_pem(const char *path, int what)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        tool_err("%s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *pkey = NULL;
    if (what == 1) {
        pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    } else {
        X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
        if (x != NULL) {
            pkey = X509_get_pubkey(x);
            X509_free(x);
        }
    }
    fclose(f);
    if (pkey == NULL) {
        print_ossl_errors();
        tool_err("%s: cannot read a PEM %s", path,
                 what == 0   ? "private key"
                 : what == 1 ? "public key"
                             : "certificate");
        return NULL;
    }
    if (check_sm2_curve(pkey, path) != 0) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

static int sm2_keygen_cmd(const sm2_opts *o)
{
    if (o->out == NULL) {
        tool_err("sm2 keygen: --out is required");
        return 2;
    }
    /* an existing key is never replaced by accident: checked for both files before anything is
     * written, then opened with O_EXCL (a file appearing in between is refused as well) */
    const char *outs[2] = {o->out, o->pubout};
    for (int i = 0; i < 2 && !o->force; i++) {
        struct stat st;
        if (outs[i] != NULL && strcmp(outs[i], "-") != 0 && lstat(outs[i], &st) == 0) {
            tool_err("%s exists: sm2 keygen does not replace it; choose another file name or add --force", outs[i]);
            return 1;
        }
    }
    gmtls_sm2_key key;
    if (gmtls_sm2_keygen(&key, tool_rng, NULL) != 0) {
        tool_err("sm2 keygen: random number generator failed");
        return 1;
    }
    EVP_PKEY *pkey = to_evp(&key, 1);
    gmtls_sm2_key_clear(&key);
    if (pkey == NULL) {
        print_ossl_errors();
        tool_err("sm2 keygen: cannot build the key");
        return 1;
    }
    int status = 1;
    char pass[1024];
    int passlen = o->key_pass != NULL ? tool_key_pass_get(o->key_pass, pass, sizeof pass) : 0;
    FILE *f = passlen < 0 ? NULL : open_out(o->out, 1, !o->force);
    if (f != NULL) {
        /* PKCS#8 with PBES2 (AES-256-CBC, PBKDF2-HMAC-SHA256) when encrypted. */
        int ok = o->key_pass != NULL ? PEM_write_PKCS8PrivateKey(f, pkey, EVP_aes_256_cbc(), pass, passlen, NULL,
                                                                 NULL) == 1
                                     : PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) == 1;
        if (close_out(f, o->out) == 0 && ok) {
            status = 0;
        }
    }
    if (status == 0 && o->pubout != NULL) {
        status = 1;
        f = open_out(o->pubout, 0, !o->force);
        if (f != NULL) {
            int ok = PEM_write_PUBKEY(f, pkey) == 1;
            if (close_out(f, o->pubout) == 0 && ok) {
                status = 0;
            }
        }
    }
    OPENSSL_cleanse(pass, sizeof pass);
    if (status != 0) {
        print_ossl_errors();
    }
    EVP_PKEY_free(pkey);
    return status;
}

/* The message: FILE, or standard input. */
static int read_message(const char *in, uint8_t **msg, size_t *msglen)
{
    return tool_read_file(in != NULL ? in : "-", msg, msglen);
}

/* The native private key of --key (with --key-pass). Returns 0 or 1. */
static int load_private(const sm2_opts *o, gmtls_sm2_key *key)
{
    EVP_PKEY *pkey = read_private(o->key, o->key_pass);
    if (pkey == NULL) {
        return 1;
    }
    BIGNUM *bn = NULL;
    uint8_t d[GMTLS_SM2_SCALAR_LEN];
    int have_key = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn) == 1 &&
                   BN_bn2binpad(bn, d, sizeof d) == (int)sizeof d && gmtls_sm2_key_from_private(key, d) == 0;
    OPENSSL_cleanse(d, sizeof d);
    BN_clear_free(bn);
    EVP_PKEY_free(pkey);
    if (!have_key) {
        tool_err("%s: unusable SM2 private key", o->key);
        return 1;
    }
    return 0;
}

static int sm2_sign_cmd(const sm2_opts *o)
{
    if (o->key == NULL) {
        tool_err("sm2 sign: --key is required");
        return 2;
    }
    if (o->out == NULL) {
        tool_err("sm2 sign: --out is required");
        return 2;
    }
    gmtls_sm2_key key;
    if (load_private(o, &key) != 0) {
        return 1;
    }
    uint8_t *msg = NULL, sig[GMTLS_SM2_MAX_DER_SIG_LEN];
    size_t msglen = 0, siglen = 0;
    int status = 1;
    if (read_message(o->in, &msg, &msglen) == 0) {
        const uint8_t *id = (const uint8_t *)o->id;
        size_t idlen = o->id != NULL ? strlen(o->id) : 0;
        if (gmtls_sm2_sign(&key, id, idlen, msg, msglen, tool_rng, NULL, sig, &siglen) != 0) {
            tool_err("sm2 sign: signing failed");
        } else if (tool_write_file(o->out, sig, siglen) == 0) {
            status = 0;
        }
    }
    free(msg);
    gmtls_sm2_key_clear(&key);
    return status;
}

/* 0x04 || x || y of an EC public key. */
static int evp_point(EVP_PKEY *pkey, uint8_t out[GMTLS_SM2_POINT_LEN])
{
    BIGNUM *x = NULL, *y = NULL;
    int ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
             EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 && BN_bn2binpad(x, out + 1, 32) == 32 &&
             BN_bn2binpad(y, out + 33, 32) == 32;
    out[0] = 0x04;
    BN_free(x);
    BN_free(y);
    return ok ? 0 : -1;
}

/* The public key of --pubkey or --cert (exactly one given). Returns 0,
 * 1, or 2 for a usage error. */
static int load_public(const sm2_opts *o, const char *sub, gmtls_sm2_pubkey *pub)
{
    if ((o->pubkey == NULL) == (o->cert == NULL)) {
        tool_err("sm2 %s: exactly one of --pubkey and --cert is required", sub);
        return 2;
    }
    const char *path = o->pubkey != NULL ? o->pubkey : o->cert;
    EVP_PKEY *pkey = read_pem(path, o->pubkey != NULL ? 1 : 2);
    if (pkey == NULL) {
        return 1;
    }
    uint8_t point[GMTLS_SM2_POINT_LEN];
    int have_pub = evp_point(pkey, point) == 0 && gmtls_sm2_pubkey_from_bytes(pub, point, sizeof point) == 0;
    EVP_PKEY_free(pkey);
    if (!have_pub) {
        tool_err("%s: unusable SM2 public key", path);
        return 1;
    }
    return 0;
}

static int sm2_verify_cmd(const sm2_opts *o)
{
    gmtls_sm2_pubkey pub;
    if ((o->pubkey == NULL) == (o->cert == NULL)) {
        return load_public(o, "verify", &pub);
    }
    if (o->sig == NULL) {
        tool_err("sm2 verify: --sig is required");
        return 2;
    }
    int r = load_public(o, "verify", &pub);
    if (r != 0) {
        return r;
    }
    uint8_t *sig = NULL, *msg = NULL;
    size_t siglen = 0, msglen = 0;
    if (tool_read_file(o->sig, &sig, &siglen) != 0) {
        return 1;
    }
    if (read_message(o->in, &msg, &msglen) != 0) {
        free(sig);
        return 1;
    }
    const uint8_t *id = (const uint8_t *)o->id;
    size_t idlen = o->id != NULL ? strlen(o->id) : 0;
    int ok = gmtls_sm2_verify(&pub, id, idlen, msg, msglen, sig, siglen) == 0;
    free(sig);
    free(msg);
    puts(ok ? "verified" : "verification failed");
    fflush(stdout);
    return ok ? 0 : 1;
}

/* --format: der (default) or c1c3c2; -1 after a usage error. */
static int parse_format(const sm2_opts *o, const char *sub)
{
    if (o->format == NULL || strcmp(o->format, "der") == 0) {
        return GMTLS_SM2_ENC_DER;
    }
    if (strcmp(o->format, "c1c3c2") == 0) {
        return GMTLS_SM2_ENC_C1C3C2;
    }
    tool_err("sm2 %s: --format must be der or c1c3c2, not %s", sub, o->format);
    return -1;
}

static int sm2_encrypt_cmd(const sm2_opts *o)
{
    int format = parse_format(o, "encrypt");
    if (format < 0) {
        return 2;
    }
    gmtls_sm2_pubkey pub;
    if ((o->pubkey == NULL) == (o->cert == NULL)) {
        return load_public(o, "encrypt", &pub);
    }
    if (o->out == NULL) {
        tool_err("sm2 encrypt: --out is required");
        return 2;
    }
    int r = load_public(o, "encrypt", &pub);
    if (r != 0) {
        return r;
    }
    uint8_t *msg = NULL, *ct = NULL;
    size_t msglen = 0, ctlen = 0;
    if (read_message(o->in, &msg, &msglen) != 0) {
        return 1;
    }
    int status = 1;
    if (msglen == 0 || msglen > GMTLS_SM2_ENC_MAX_MSG_LEN) {
        tool_err("sm2 encrypt: the plaintext must be 1 to %u bytes, not %zu", GMTLS_SM2_ENC_MAX_MSG_LEN, msglen);
    } else {
        size_t cap = gmtls_sm2_ciphertext_len(format, msglen);
        ct = malloc(cap);
        if (ct == NULL || gmtls_sm2_encrypt(&pub, format, msg, msglen, tool_rng, NULL, ct, cap, &ctlen) != 0) {
            tool_err("sm2 encrypt: encryption failed");
        } else if (tool_write_file(o->out, ct, ctlen) == 0) {
            status = 0;
        }
    }
    OPENSSL_cleanse(msg, msglen);
    free(msg);
    free(ct);
    return status;
}

static int sm2_decrypt_cmd(const sm2_opts *o)
{
    int format = parse_format(o, "decrypt");
    if (format < 0) {
        return 2;
    }
    if (o->key == NULL) {
        tool_err("sm2 decrypt: --key is required");
        return 2;
    }
    if (o->out == NULL) {
        tool_err("sm2 decrypt: --out is required");
        return 2;
    }
    gmtls_sm2_key key;
    if (load_private(o, &key) != 0) {
        return 1;
    }
    uint8_t *ct = NULL, *pt = NULL;
    size_t ctlen = 0, ptlen = 0;
    int status = 1;
    if (read_message(o->in, &ct, &ctlen) == 0) {
        pt = malloc(ctlen + 1);
        if (pt != NULL && gmtls_sm2_decrypt(&key, format, ct, ctlen, pt, ctlen, &ptlen) == 0) {
            status = tool_write_file(o->out, pt, ptlen) == 0 ? 0 : 1;
            OPENSSL_cleanse(pt, ptlen);
        } else {
            puts("decryption failed");
            fflush(stdout);
        }
    }
    free(ct);
    free(pt);
    gmtls_sm2_key_clear(&key);
    return status;
}

int gmtls_cmd_sm2(int argc, char **argv)
{
    static const char *const keygen_opts[] = {"--out", "--pubout", "--key-pass", "--force", NULL};
    static const char *const sign_opts[] = {"--key", "--key-pass", "--id", "--in", "--out", NULL};
    static const char *const verify_opts[] = {"--pubkey", "--cert", "--id", "--sig", "--in", NULL};
    static const char *const encrypt_opts[] = {"--pubkey", "--cert", "--format", "--in", "--out", NULL};
    static const char *const decrypt_opts[] = {"--key", "--key-pass", "--format", "--in", "--out", NULL};
    if (argc < 2) {
        sm2_usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        sm2_usage(stdout);
        return 0;
    }
    const char *const *allowed = strcmp(sub, "keygen") == 0    ? keygen_opts
                                 : strcmp(sub, "sign") == 0    ? sign_opts
                                 : strcmp(sub, "verify") == 0  ? verify_opts
                                 : strcmp(sub, "encrypt") == 0 ? encrypt_opts
                                 : strcmp(sub, "decrypt") == 0 ? decrypt_opts
                                                               : NULL;
    if (allowed == NULL) {
        tool_err("sm2: unknown subcommand %s", sub);
        sm2_usage(stderr);
        return 2;
    }
    sm2_opts o;
    int r = sm2_parse(argc, argv, allowed, &o);
    if (r == 1) {
        sm2_usage(stdout);
        return 0;
    }
    if (r != 0) {
        sm2_usage(stderr);
        return r;
    }
    if (o.key_pass != NULL && tool_key_pass_check(o.key_pass) != 0) {
        return 2;
    }
    if (strcmp(sub, "keygen") == 0) {
        return sm2_keygen_cmd(&o);
    }
    if (strcmp(sub, "sign") == 0) {
        return sm2_sign_cmd(&o);
    }
    if (strcmp(sub, "encrypt") == 0) {
        return sm2_encrypt_cmd(&o);
    }
    if (strcmp(sub, "decrypt") == 0) {
        return sm2_decrypt_cmd(&o);
    }
    return sm2_verify_cmd(&o);
}
