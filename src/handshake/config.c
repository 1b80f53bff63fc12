/* gmtls_config: defaults, certificate and key loading (PEM through
 * libcrypto), algorithm lists by name, trust anchors, ticket keys. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "handshake/internal.h"

static const uint16_t default_suites[] = {GMTLS_TLS_AES_128_GCM_SHA256, GMTLS_TLS_AES_256_GCM_SHA384,
                                          GMTLS_TLS_CHACHA20_POLY1305_SHA256, GMTLS_TLS_SM4_GCM_SM3,
                                          GMTLS_TLS_SM4_CCM_SM3};
/* The hybrid post-quantum groups come first: a server prefers them when the
 * client sent such a share, a client sends X25519MLKEM768 (curveSM2MLKEM768
 * when ShangMi-first) and the first classical group beside it. The legacy
 * code points of the Go gmtls family (curveSM2 as 0x001a, SM2-with-SM3 as
 * 0x0204) come last: a server accepts them, a client offers them only when
 * they are listed explicitly. x448, secp521r1, ffdhe2048 and ffdhe3072 come
 * after the fast groups: a server accepts them (OpenSSL's clients offer
 * them), a client offers them only when listed (client_opt_in); ffdhe4096
 * and larger are by name only (docs/ARCHITECTURE.md says why). */
static const uint16_t default_groups[] = {GMTLS_GROUP_X25519MLKEM768,
                                          GMTLS_GROUP_SECP256R1MLKEM768,
                                          GMTLS_GROUP_CURVESM2MLKEM768,
                                          GMTLS_GROUP_SECP384R1MLKEM1024,
                                          GMTLS_GROUP_X25519,
                                          GMTLS_GROUP_SECP256R1,
                                          GMTLS_GROUP_CURVESM2,
                                          GMTLS_GROUP_SECP384R1,
                                          GMTLS_GROUP_X448,
                                          GMTLS_GROUP_SECP521R1,
                                          GMTLS_GROUP_FFDHE2048,
                                          GMTLS_GROUP_FFDHE3072,
                                          0x001a};
static const uint16_t default_sigalgs[] = {0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0708, 0x0804, 0x0805,
                                           0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601, 0x0204};

static int cfg_err(gmtls_config *cfg, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cfg_err(gmtls_config *cfg, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cfg->err, sizeof cfg->err, fmt, ap);
    va_end(ap);
    return err;
}

gmtls_config *gmtls_config_new(void)
{
    gmtls_config *cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL) {
        return NULL;
    }
    atomic_init(&cfg->refs, 1);
    memcpy(cfg->suites, default_suites, sizeof default_suites);
    cfg->nsuites = GMTLS_ARRAY_LEN(default_suites);
    memcpy(cfg->groups, default_groups, sizeof default_groups);
    cfg->ngroups = GMTLS_ARRAY_LEN(default_groups);
    memcpy(cfg->sigalgs, default_sigalgs, sizeof default_sigalgs);
    cfg->nsigalgs = GMTLS_ARRAY_LEN(default_sigalgs);
    cfg->verify_peer = 1;
    /* TLS 1.2 and 1.3 by default, as nginx (docs/ARCHITECTURE.md, "TLS 1.2"). */
    cfg->min_version = GMTLS_TLS12;
    cfg->max_version = GMTLS_TLS13;
    cfg->tickets = 1;
    cfg->ticket_lifetime = GMTLS_MAX_TICKET_LIFETIME;
    cfg->sm2_id_mode = GMTLS_SM2_ID_RFC8998;
    /* RFC 8879: brotli first (the best ratio on certificates, and Chromium's
     * only algorithm), then zstd, then zlib. */
    static const uint16_t default_cert_comp[] = {GMTLS_CERT_COMPRESSION_BROTLI, GMTLS_CERT_COMPRESSION_ZSTD,
                                                 GMTLS_CERT_COMPRESSION_ZLIB};
    memcpy(cfg->cert_comp, default_cert_comp, sizeof default_cert_comp);
    cfg->ncert_comp = GMTLS_ARRAY_LEN(default_cert_comp);
    /* RFC 8449 §4: "Endpoints SHOULD advertise the "record_size_limit"
     * extension, even if they have no need to limit the size of records". */
    cfg->record_size_limit = GMTLS_RECORD_SIZE_LIMIT_MAX;
    if (gmtls_random_secret((uint8_t *)&cfg->ticket_keys[0], sizeof cfg->ticket_keys[0]) != 0) {
        free(cfg);
        return NULL;
    }
    cfg->nticket_keys = 1;
    return cfg;
}

void gmtls_config_free(gmtls_config *cfg)
{
    if (cfg == NULL || atomic_fetch_sub(&cfg->refs, 1) != 1) {
        return;
    }
    for (size_t i = 0; i < cfg->ncerts; i++) {
        gmtls_cert_dispose(&cfg->certs[i]);
    }
    X509_STORE_free(cfg->ca_store);
    free(cfg->ca_names);
    gmtls_config_clear_key_passphrase(cfg);
    gmtls_wipe(cfg, sizeof(*cfg));
    free(cfg);
}

const char *gmtls_config_last_error(const gmtls_config *cfg)
{
    return cfg->err;
}

/* ------------------------------------------------------------ certificates */

/* The signature scheme a certificate is signed with, for signature_algorithms_cert. */
static uint16_t cert_sigalg(X509 *x)
{
    int mdnid = 0, pknid = 0;
    if (!X509_get_signature_info(x, &mdnid, &pknid, NULL, NULL)) {
        return 0;
    }
    if (pknid == NID_sm2 || X509_get_signature_nid(x) == NID_SM2_with_SM3) {
        return 0x0708;
    }
    if (pknid == NID_ED25519) {
        return 0x0807;
    }
    if (pknid == NID_ED448) {
        return 0x0808;
    }
    int base = mdnid == NID_sha256 ? 0 : mdnid == NID_sha384 ? 1 : mdnid == NID_sha512 ? 2 : -1;
    if (base < 0) {
        return 0;
    }
    if (pknid == NID_X9_62_id_ecPublicKey) {
        return (uint16_t)(0x0403 + 0x100 * base);
    }
    if (pknid == NID_rsaEncryption) {
        return (uint16_t)(0x0401 + 0x100 * base);
    }
    if (pknid == NID_rsassaPss) {
        return (uint16_t)(0x0804 + base);
    }
    return 0;
}

static int add_chain(gmtls_config *cfg, BIO *chain_bio, BIO *key_bio, const char *what)
{
    if (cfg->ncerts == GMTLS_MAX_CERTS) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "too many certificates (at most %d)", GMTLS_MAX_CERTS);
    }
    gmtls_cert *cert = &cfg->certs[cfg->ncerts];
    memset(cert, 0, sizeof(*cert));
    X509 *x;
    while (cert->n < GMTLS_MAX_CHAIN && (x = PEM_read_bio_X509(chain_bio, NULL, NULL, NULL)) != NULL) {
        int n = i2d_X509(x, &cert->der[cert->n]);
        if (n <= 0) {
            X509_free(x);
            gmtls_cert_dispose(cert);
            return cfg_err(cfg, GMTLS_ERR_FILE, "%s: cannot encode certificate", what);
        }
        cert->derlen[cert->n++] = (size_t)n;
        if (cert->leaf == NULL) {
            cert->leaf = x;
        } else {
            X509_free(x);
        }
    }
    ERR_clear_error();
    if (cert->n == 0) {
        gmtls_cert_dispose(cert);
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: no PEM certificate found", what);
    }
    /* The whole key file, for the encrypted-key decoders (keyfile.c). */
    gmtls_buf pem;
    char why[160];
    void *evp = NULL;
    int rc = 0, n;
    gmtls_buf_init(&pem);
    do {
        rc = gmtls_buf_reserve(&pem, 4096);
        n = rc == 0 ? BIO_read(key_bio, pem.base + pem.off, 4096) : 0;
        pem.off += n > 0 ? (size_t)n : 0;
    } while (rc == 0 && n > 0 && pem.off <= 1024 * 1024);
    if (rc == 0) {
        rc = gmtls_key_from_pem(&cfg->key_pass, (const char *)pem.base, pem.off, &evp, why, sizeof why);
    }
    gmtls_buf_dispose(&pem);
    ERR_clear_error();
    EVP_PKEY *pk = evp;
    if (rc != 0) {
        gmtls_cert_dispose(cert);
        return cfg_err(cfg, rc == GMTLS_ERR_NO_MEMORY ? rc : GMTLS_ERR_FILE, "%s: %s", what,
                       rc == GMTLS_ERR_NO_MEMORY ? "out of memory" : why);
    }
    if (X509_check_private_key(cert->leaf, pk) != 1) {
        ERR_clear_error();
        EVP_PKEY_free(pk);
        gmtls_cert_dispose(cert);
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: the private key does not match the certificate", what);
    }
    if (gmtls_pkey_from_evp(&cert->key, pk, 1) != 0) {
        if (cert->key.evp == NULL) {
            EVP_PKEY_free(pk);
        }
        gmtls_cert_dispose(cert);
        return cfg_err(cfg, GMTLS_ERR_FILE,
                       "%s: unsupported key type (RSA, ECDSA P-256/P-384/P-521, Ed25519, Ed448, SM2)", what);
    }
    cert->leaf_sigalg = cert_sigalg(cert->leaf);
    if (gmtls_cert_names_init(cert) != 0) {
        gmtls_cert_dispose(cert);
        return cfg_err(cfg, GMTLS_ERR_NO_MEMORY, "%s: out of memory", what);
    }
    cfg->ncerts++;
    return 0;
}

int gmtls_config_add_cert_chain_file(gmtls_config *cfg, const char *chain_file, const char *key_file)
{
    BIO *c = BIO_new_file(chain_file, "r");
    if (c == NULL) {
        ERR_clear_error();
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: cannot open", chain_file);
    }
    BIO *k = BIO_new_file(key_file, "r");
    if (k == NULL) {
        ERR_clear_error();
        BIO_free(c);
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: cannot open", key_file);
    }
    char what[600];
    snprintf(what, sizeof what, "%s / %s", chain_file, key_file);
    int rc = add_chain(cfg, c, k, what);
    BIO_free(c);
    BIO_free(k);
    return rc;
}

int gmtls_config_add_cert_chain_mem(gmtls_config *cfg, const char *chain_pem, size_t chain_len, const char *key_pem,
                                    size_t key_len)
{
    BIO *c = BIO_new_mem_buf(chain_pem, (int)chain_len), *k = BIO_new_mem_buf(key_pem, (int)key_len);
    int rc = (c == NULL || k == NULL) ? GMTLS_ERR_NO_MEMORY : add_chain(cfg, c, k, "certificate in memory");
    BIO_free(c);
    BIO_free(k);
    return rc;
}

static int dup_into(uint8_t **dst, size_t *dstlen, const uint8_t *src, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    if (p == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    memcpy(p, src, len);
    free(*dst);
    *dst = p;
    *dstlen = len;
    return 0;
}

int gmtls_config_set_ocsp_staple(gmtls_config *cfg, const uint8_t *der, size_t len)
{
    if (cfg->ncerts == 0 || len == 0 || len > 0xffffff) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "OCSP response needs a certificate added first");
    }
    gmtls_cert *c = &cfg->certs[cfg->ncerts - 1];
    gmtls_certcomp_cache_clear(c); /* the leaf entry changes */
    return dup_into(&c->ocsp, &c->ocsp_len, der, len);
}

int gmtls_config_set_scts(gmtls_config *cfg, const uint8_t *list, size_t len)
{
    if (cfg->ncerts == 0 || len == 0 || len > 0xffff) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "SCT list needs a certificate added first");
    }
    gmtls_cert *c = &cfg->certs[cfg->ncerts - 1];
    gmtls_certcomp_cache_clear(c);
    return dup_into(&c->scts, &c->scts_len, list, len);
}

void gmtls_config_set_request_ocsp(gmtls_config *cfg, int on)
{
    cfg->request_ocsp = on != 0;
}

/* ------------------------------------------------------------ lists */

typedef int (*lookup_fn)(const char *name, uint16_t *id);

static int parse_list(gmtls_config *cfg, const char *list, lookup_fn fn, const char *kind, uint16_t *out,
                      size_t *nout)
{
    uint16_t tmp[GMTLS_MAX_LIST];
    size_t n = 0;
    char name[128];
    const char *p = list;
    if (list == NULL) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "empty %s list", kind);
    }
    while (*p) {
        size_t len = strcspn(p, ":,");
        while (len > 0 && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        size_t l = len;
        while (l > 0 && isspace((unsigned char)p[l - 1])) {
            l--;
        }
        if (l > 0) {
            if (l >= sizeof name) {
                return cfg_err(cfg, GMTLS_ERR_UNKNOWN_NAME, "unknown %s '%.*s'", kind, (int)l, p);
            }
            memcpy(name, p, l);
            name[l] = '\0';
            uint16_t id;
            if (fn(name, &id) != 0) {
                return cfg_err(cfg, GMTLS_ERR_UNKNOWN_NAME, "unknown %s '%s'", kind, name);
            }
            if (!gmtls_list_has(tmp, n, id)) {
                if (n == GMTLS_MAX_LIST) {
                    return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "too many entries in the %s list", kind);
                }
                tmp[n++] = id;
            }
        }
        p += len;
        if (*p) {
            p++;
        }
    }
    if (n == 0) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "empty %s list", kind);
    }
    memcpy(out, tmp, n * sizeof tmp[0]);
    *nout = n;
    return 0;
}

static int suite_lookup(const char *name, uint16_t *id)
{
    const gmtls_suite *s = gmtls_suite_by_name(name);
    if (s == NULL) {
        return -1;
    }
    *id = s->id;
    return 0;
}

static int group_lookup(const char *name, uint16_t *id)
{
    const gmtls_kex_alg *k = gmtls_kex_by_name(name);
    if (k == NULL) {
        return -1;
    }
    *id = k->id;
    return 0;
}

static int sigalg_lookup(const char *name, uint16_t *id)
{
    const gmtls_sigalg *s = gmtls_sigalg_by_name(name);
    if (s == NULL) {
        return -1;
    }
    *id = s->id;
    return 0;
}

int gmtls_config_set_cipher_suites(gmtls_config *cfg, const char *list)
{
    GMTLS_TRY(parse_list(cfg, list, suite_lookup, "cipher suite", cfg->suites, &cfg->nsuites));
    cfg->suites_custom = 1;
    return 0;
}

static int suite12_lookup(const char *name, uint16_t *id)
{
    for (size_t i = 0; i < gmtls_num_tls12_suites; i++) {
        if (strcasecmp(gmtls_tls12_suites[i].name, name) == 0) {
            *id = gmtls_tls12_suites[i].id;
            return 0;
        }
    }
    return -1;
}

int gmtls_config_set_cipher_suites_tls12(gmtls_config *cfg, const char *list)
{
    GMTLS_TRY(parse_list(cfg, list, suite12_lookup, "TLS 1.2 cipher suite", cfg->suites12, &cfg->nsuites12));
    return 0;
}

int gmtls_config_set_groups(gmtls_config *cfg, const char *list)
{
    GMTLS_TRY(parse_list(cfg, list, group_lookup, "group", cfg->groups, &cfg->ngroups));
    cfg->groups_custom = 1;
    return 0;
}

int gmtls_config_set_sigalgs(gmtls_config *cfg, const char *list)
{
    GMTLS_TRY(parse_list(cfg, list, sigalg_lookup, "signature scheme", cfg->sigalgs, &cfg->nsigalgs));
    cfg->sigalgs_custom = 1;
    return 0;
}

int gmtls_config_set_alpn(gmtls_config *cfg, const char *list)
{
    size_t n = 0;
    const char *p = list;
    while (p != NULL && *p) {
        size_t len = strcspn(p, ":,");
        /* RFC 7301 §3.1: ProtocolName<1..2^8-1>. */
        if (len > 255 || n + 1 + len > sizeof cfg->alpn_wire) {
            return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "ALPN list too long");
        }
        if (len > 0) {
            cfg->alpn_wire[n++] = (uint8_t)len;
            memcpy(cfg->alpn_wire + n, p, len);
            n += len;
        }
        p += len;
        if (*p) {
            p++;
        }
    }
    cfg->alpn_len = n;
    return 0;
}

int gmtls_config_set_strict_sm(gmtls_config *cfg, int on)
{
    cfg->strict_sm = on ? 1 : 0;
    if (on) {
        /* RFC 8998 §3: the ShangMi-only profile. */
        cfg->suites[0] = GMTLS_TLS_SM4_GCM_SM3;
        cfg->suites[1] = GMTLS_TLS_SM4_CCM_SM3;
        cfg->nsuites = 2;
        cfg->suites_custom = 1;
        cfg->groups[0] = GMTLS_GROUP_CURVESM2;
        cfg->ngroups = 1;
        cfg->groups_custom = 1;
        cfg->sigalgs[0] = 0x0708;
        cfg->nsigalgs = 1;
        cfg->sigalgs_custom = 1;
    }
    return 0;
}

/* ------------------------------------------------------------ trust */

static int ensure_store(gmtls_config *cfg)
{
    if (cfg->ca_store == NULL) {
        cfg->ca_store = X509_STORE_new();
    }
    return cfg->ca_store != NULL ? 0 : GMTLS_ERR_NO_MEMORY;
}

/* Adds each certificate of a PEM stream as a trust anchor (when add) and its
 * subject to the certificate_authorities list. Returns the count. */
static int add_ca_bio(gmtls_config *cfg, BIO *b, int add)
{
    X509 *x;
    int count = 0;
    while (b != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (add && X509_STORE_add_cert(cfg->ca_store, x) == 1) {
            count++;
        }
        unsigned char *der = NULL;
        int n = i2d_X509_NAME(X509_get_subject_name(x), &der);
        if (n > 0 && cfg->ca_names_len + 2 + (size_t)n <= 0xfff0) {
            uint8_t *nb = realloc(cfg->ca_names, cfg->ca_names_len + 2 + (size_t)n);
            if (nb != NULL) {
                cfg->ca_names = nb;
                nb[cfg->ca_names_len] = (uint8_t)(n >> 8);
                nb[cfg->ca_names_len + 1] = (uint8_t)n;
                memcpy(nb + cfg->ca_names_len + 2, der, (size_t)n);
                cfg->ca_names_len += 2 + (size_t)n;
            }
        }
        OPENSSL_free(der);
        X509_free(x);
    }
    ERR_clear_error();
    return count;
}

static void add_ca_names(gmtls_config *cfg, const char *file)
{
    BIO *b = BIO_new_file(file, "r");
    (void)add_ca_bio(cfg, b, 0);
    BIO_free(b);
}

int gmtls_config_add_ca_mem(gmtls_config *cfg, const char *pem, size_t len)
{
    GMTLS_TRY(ensure_store(cfg));
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    int n = add_ca_bio(cfg, b, 1);
    BIO_free(b);
    return n > 0 ? 0 : cfg_err(cfg, GMTLS_ERR_FILE, "no PEM certificate in the CA data");
}

int gmtls_config_set_ca_file(gmtls_config *cfg, const char *file)
{
    GMTLS_TRY(ensure_store(cfg));
    if (X509_STORE_load_file(cfg->ca_store, file) != 1) {
        ERR_clear_error();
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: cannot load CA certificates", file);
    }
    add_ca_names(cfg, file);
    return 0;
}

int gmtls_config_set_ca_dir(gmtls_config *cfg, const char *dir)
{
    GMTLS_TRY(ensure_store(cfg));
    if (X509_STORE_load_path(cfg->ca_store, dir) != 1) {
        ERR_clear_error();
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: cannot use as a CA directory", dir);
    }
    return 0;
}

void gmtls_config_set_verify_peer(gmtls_config *cfg, int on)
{
    cfg->verify_peer = on ? 1 : 0;
}

void gmtls_config_set_verify_time(gmtls_config *cfg, int64_t t)
{
    cfg->verify_time = t;
}

void gmtls_config_set_clock(gmtls_config *cfg, uint64_t (*now)(void *arg), void *arg)
{
    cfg->clock = now;
    cfg->clock_arg = now != NULL ? arg : NULL;
}

int gmtls_config_set_versions(gmtls_config *cfg, uint16_t min, uint16_t max)
{
    if ((min != GMTLS_TLS12 && min != GMTLS_TLS13) || (max != GMTLS_TLS12 && max != GMTLS_TLS13) || min > max) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "unsupported version range 0x%04x..0x%04x", min, max);
    }
    cfg->min_version = min;
    cfg->max_version = max;
    cfg->versions_set = 1;
    return 0;
}

void gmtls_config_set_client_auth(gmtls_config *cfg, gmtls_client_auth mode)
{
    cfg->client_auth = mode;
}

void gmtls_config_set_sm2_id_mode(gmtls_config *cfg, gmtls_sm2_id_mode mode)
{
    cfg->sm2_id_mode = mode;
}

void gmtls_config_set_keylog(gmtls_config *cfg, gmtls_keylog_fn *fn, void *ctx)
{
    cfg->keylog = fn;
    cfg->keylog_ctx = ctx;
}

void gmtls_config_set_select_cert(gmtls_config *cfg, gmtls_select_cert_fn *fn, void *ctx)
{
    cfg->select_cert = fn;
    cfg->select_cert_ctx = ctx;
}

void gmtls_config_set_verify_connection(gmtls_config *cfg, gmtls_verify_conn_fn *fn, void *ctx)
{
    cfg->verify_conn = fn;
    cfg->verify_conn_ctx = ctx;
}

void gmtls_config_set_key_update_limit(gmtls_config *cfg, uint64_t records)
{
    cfg->key_update_records = records;
}

void gmtls_config_set_record_padding(gmtls_config *cfg, uint16_t block)
{
    cfg->record_padding = block;
}

int gmtls_config_set_cert_compression(gmtls_config *cfg, const char *list)
{
    if (list != NULL && (strcmp(list, "none") == 0 || list[0] == '\0')) {
        cfg->ncert_comp = 0;
        return 0;
    }
    uint16_t tmp[GMTLS_MAX_LIST];
    size_t n = 0;
    GMTLS_TRY(parse_list(cfg, list, gmtls_certcomp_lookup, "certificate compression algorithm", tmp, &n));
    memcpy(cfg->cert_comp, tmp, n * sizeof tmp[0]); /* at most the 3 distinct algorithms */
    cfg->ncert_comp = n;
    return 0;
}

int gmtls_config_set_record_size_limit(gmtls_config *cfg, unsigned limit)
{
    /* RFC 8449 §4: "Endpoints MUST NOT send a "record_size_limit" extension
     * with a value smaller than 64" nor, in TLS 1.3, above 2^14 + 1. */
    if (limit != 0 && (limit < 64 || limit > GMTLS_RECORD_SIZE_LIMIT_MAX)) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "record size limit %u not in 64..%u", limit,
                       GMTLS_RECORD_SIZE_LIMIT_MAX);
    }
    cfg->record_size_limit = (uint16_t)limit;
    return 0;
}

/* ------------------------------------------------------------ tickets */

void gmtls_config_set_tickets(gmtls_config *cfg, unsigned count, uint32_t lifetime)
{
    cfg->tickets = count;
    /* RFC 8446 §4.6.1: lifetime at most 604800 seconds (7 days). */
    cfg->ticket_lifetime = (lifetime == 0 || lifetime > GMTLS_MAX_TICKET_LIFETIME) ? GMTLS_MAX_TICKET_LIFETIME
                                                                                    : lifetime;
}

int gmtls_config_set_ticket_keys(gmtls_config *cfg, const uint8_t *keys, size_t nkeys)
{
    if (nkeys == 0 || nkeys > GMTLS_MAX_TICKET_KEYS) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "between 1 and %d ticket keys", GMTLS_MAX_TICKET_KEYS);
    }
    gmtls_wipe(cfg->ticket_keys, sizeof cfg->ticket_keys);
    memcpy(cfg->ticket_keys, keys, nkeys * GMTLS_TICKET_KEY_LEN);
    cfg->nticket_keys = nkeys;
    return 0;
}

int gmtls_config_load_ticket_keys(gmtls_config *cfg, const char *file)
{
    FILE *f = fopen(file, "r");
    if (f == NULL) {
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: cannot open", file);
    }
    uint8_t keys[GMTLS_MAX_TICKET_KEYS * GMTLS_TICKET_KEY_LEN];
    size_t n = 0;
    char line[256];
    int rc = 0, lineno = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (*p == '\0' || *p == '#') {
            continue;
        }
        size_t len = strcspn(p, " \t\r\n");
        if (len != 2 * GMTLS_TICKET_KEY_LEN || n == GMTLS_MAX_TICKET_KEYS) {
            rc = cfg_err(cfg, GMTLS_ERR_FILE, "%s:%d: expected a %d-hex-digit key (at most %d keys)", file, lineno,
                         2 * GMTLS_TICKET_KEY_LEN, GMTLS_MAX_TICKET_KEYS);
            break;
        }
        for (size_t i = 0; i < GMTLS_TICKET_KEY_LEN; i++) {
            unsigned v;
            if (!isxdigit((unsigned char)p[2 * i]) || !isxdigit((unsigned char)p[2 * i + 1]) ||
                sscanf(p + 2 * i, "%2x", &v) != 1) {
                rc = cfg_err(cfg, GMTLS_ERR_FILE, "%s:%d: not hexadecimal", file, lineno);
                break;
            }
            keys[n * GMTLS_TICKET_KEY_LEN + i] = (uint8_t)v;
        }
        n++;
    }
    fclose(f);
    gmtls_wipe(line, sizeof line);
    if (rc == 0 && n == 0) {
        rc = cfg_err(cfg, GMTLS_ERR_FILE, "%s: no ticket keys", file);
    }
    if (rc == 0) {
        rc = gmtls_config_set_ticket_keys(cfg, keys, n);
    }
    gmtls_wipe(keys, sizeof keys);
    return rc;
}
