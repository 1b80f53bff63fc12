/* gmtls_config: defaults, certificate and key loading (X.509 through the
 * certificate seam, src/crypto/x509.h), algorithm lists by name, profiles,
 * trust anchors, ticket keys. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

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
    cfg->psk_modes = GMTLS_PSK_MODE_DHE_KE;
    /* RFC 8879: brotli first (the best ratio on certificates, and Chromium's
     * only algorithm), then zstd, then zlib. */
    static const uint16_t default_cert_comp[] = {GMTLS_CERT_COMPRESSION_BROTLI, GMTLS_CERT_COMPRESSION_ZSTD,
                                                 GMTLS_CERT_COMPRESSION_ZLIB};
    memcpy(cfg->cert_comp, default_cert_comp, sizeof default_cert_comp);
    cfg->ncert_comp = GMTLS_ARRAY_LEN(default_cert_comp);
    /* RFC 8449 §4: "Endpoints SHOULD advertise the "record_size_limit"
     * extension, even if they have no need to limit the size of records". */
    cfg->record_size_limit = GMTLS_RECORD_SIZE_LIMIT_MAX;
    cfg->peer_chain_max = GMTLS_PEER_CHAIN_DEFAULT;
    cfg->peer_chain_max_bytes = GMTLS_MAX_HS_MSG;
    if (gmtls_random_secret((uint8_t *)&cfg->ticket_keys[0], sizeof cfg->ticket_keys[0]) != 0) {
        free(cfg);
        return NULL;
    }
    cfg->nticket_keys = 1;
    cfg->sesscache = gmtls_sesscache_new();
    if (cfg->sesscache == NULL) {
        gmtls_wipe(cfg, sizeof(*cfg));
        free(cfg);
        return NULL;
    }
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
    if (cfg->has_enc_cert) {
        gmtls_cert_dispose(&cfg->enc_cert);
    }
    if (cfg->verifier != NULL) {
        cfg->verifier->free(cfg->verifier);
    }
    free(cfg->ca_names);
    gmtls_replay_free(cfg->replay);
    gmtls_sesscache_free(cfg->sesscache);
    gmtls_config_clear_key_passphrase(cfg);
    gmtls_wipe(cfg, sizeof(*cfg));
    free(cfg);
}

const char *gmtls_config_last_error(const gmtls_config *cfg)
{
    return cfg->err;
}

/* ------------------------------------------------------------ certificates */

/* A whole file into memory (at most 1 MB: certificates, keys), NUL-terminated. */
static int read_small_file(gmtls_config *cfg, const char *path, gmtls_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: cannot open", path);
    }
    int rc = 0;
    size_t n;
    do {
        rc = gmtls_buf_reserve(b, 4097);
        n = rc == 0 ? fread(b->base + b->off, 1, 4096, f) : 0;
        b->off += n;
    } while (rc == 0 && n > 0 && b->off <= 1024 * 1024);
    int err = ferror(f);
    fclose(f);
    if (rc != 0) {
        return cfg_err(cfg, rc, "%s: out of memory", path);
    }
    if (err || b->off > 1024 * 1024) {
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: cannot read (or larger than 1 MB)", path);
    }
    b->base[b->off] = 0;
    return 0;
}

/* Loads a chain and its key into cfg->certs (enc = 0) or, for TLCP, into
 * the one encryption pair cfg->enc_cert (enc = 1, an SM2 key). */
static int add_chain(gmtls_config *cfg, const char *chain_pem, size_t chain_len, const char *key_pem, size_t key_len,
                     const char *what, int enc)
{
    if (!enc && cfg->ncerts == GMTLS_MAX_CERTS) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "too many certificates (at most %d)", GMTLS_MAX_CERTS);
    }
    if (enc && cfg->has_enc_cert) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "only one encryption certificate");
    }
    gmtls_cert *cert = enc ? &cfg->enc_cert : &cfg->certs[cfg->ncerts];
    memset(cert, 0, sizeof(*cert));
    if (gmtls_x509_pem_chain(chain_pem, chain_len, cert->der, cert->derlen, GMTLS_MAX_CHAIN, &cert->n, &cert->leaf) !=
        0) {
        gmtls_cert_dispose(cert);
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: no PEM certificate found", what);
    }
    char why[160];
    void *evp = NULL;
    int rc = gmtls_key_from_pem(&cfg->key_pass, key_pem, key_len, &evp, why, sizeof why);
    if (rc != 0) {
        gmtls_cert_dispose(cert);
        return cfg_err(cfg, rc == GMTLS_ERR_NO_MEMORY ? rc : GMTLS_ERR_FILE, "%s: %s", what,
                       rc == GMTLS_ERR_NO_MEMORY ? "out of memory" : why);
    }
    if (!gmtls_x509_key_matches(cert->leaf, evp)) {
        gmtls_pkey_dispose(&(gmtls_pkey){.evp = evp});
        gmtls_cert_dispose(cert);
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: the private key does not match the certificate", what);
    }
    if (gmtls_pkey_from_evp(&cert->key, evp, 1) != 0) {
        gmtls_cert_dispose(cert); /* the key (evp) goes with it */
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: unsupported key type (RSA, ECDSA P-256/P-384/P-521, Ed25519, Ed448, SM2)",
                       what);
    }
    if (enc) {
        /* GB/T 38636-2020 §6.4.5.3: the encryption certificate holds an SM2 key. */
        if (cert->key.type != GMTLS_KEY_SM2) {
            gmtls_cert_dispose(cert);
            return cfg_err(cfg, GMTLS_ERR_FILE, "%s: the encryption certificate needs an SM2 key", what);
        }
        /* RFC 5280 §4.2.1.3: the ECC suites encrypt the pre-master to this
         * key (key transport: keyEncipherment), and GmSSL requires
         * keyEncipherment of every TLCP encryption certificate, ECDHE too;
         * one that signs certificates or CRLs is refused as GmSSL does. */
        if (!gmtls_x509_allows_encipherment(cert->leaf, 0)) {
            gmtls_cert_dispose(cert);
            return cfg_err(cfg, GMTLS_ERR_FILE,
                           "%s: the encryption certificate's keyUsage must allow keyEncipherment "
                           "(and not keyCertSign or cRLSign)",
                           what);
        }
        cfg->has_enc_cert = 1;
        return 0;
    }
    cert->leaf_sigalg = gmtls_x509_signed_with(cert->leaf);
    cert->go_style = cert->key.type == GMTLS_KEY_SM2 && gmtls_x509_go_style_key(cert->leaf);
    if (gmtls_cert_names_init(cert) != 0) {
        gmtls_cert_dispose(cert);
        return cfg_err(cfg, GMTLS_ERR_NO_MEMORY, "%s: out of memory", what);
    }
    cfg->ncerts++;
    return 0;
}

static int add_chain_file(gmtls_config *cfg, const char *chain_file, const char *key_file, int enc)
{
    gmtls_buf c, k;
    gmtls_buf_init(&c);
    gmtls_buf_init(&k);
    int rc = read_small_file(cfg, chain_file, &c);
    if (rc == 0) {
        rc = read_small_file(cfg, key_file, &k);
    }
    if (rc == 0) {
        char what[600];
        snprintf(what, sizeof what, "%s / %s", chain_file, key_file);
        rc = add_chain(cfg, (const char *)c.base, c.off, (const char *)k.base, k.off, what, enc);
    }
    gmtls_buf_dispose(&c);
    if (k.base != NULL) {
        gmtls_wipe(k.base, k.capacity);
    }
    gmtls_buf_dispose(&k);
    return rc;
}

int gmtls_config_add_cert_chain_file(gmtls_config *cfg, const char *chain_file, const char *key_file)
{
    return add_chain_file(cfg, chain_file, key_file, 0);
}

int gmtls_config_add_cert_chain_mem(gmtls_config *cfg, const char *chain_pem, size_t chain_len, const char *key_pem,
                                    size_t key_len)
{
    return add_chain(cfg, chain_pem, chain_len, key_pem, key_len, "certificate in memory", 0);
}

int gmtls_config_set_enc_cert_file(gmtls_config *cfg, const char *cert_file, const char *key_file)
{
    return add_chain_file(cfg, cert_file, key_file, 1);
}

int gmtls_config_set_enc_cert_mem(gmtls_config *cfg, const char *cert_pem, size_t cert_len, const char *key_pem,
                                  size_t key_len)
{
    return add_chain(cfg, cert_pem, cert_len, key_pem, key_len, "encryption certificate in memory", 1);
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
    /* RFC 6962 §3.3: "SerializedSCT sct_list <1..2^16-1>", each SCT
     * <1..2^16-1>: a list a client must refuse is not configured. */
    if (gmtls_sct_list_check(list, len) != 0) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "malformed SCT list (RFC 6962 §3.3)");
    }
    gmtls_cert *c = &cfg->certs[cfg->ncerts - 1];
    gmtls_certcomp_cache_clear(c);
    return dup_into(&c->scts, &c->scts_len, list, len);
}

void gmtls_config_set_request_ocsp(gmtls_config *cfg, int on)
{
    cfg->request_ocsp = on != 0;
}

void gmtls_config_set_middlebox_compat(gmtls_config *cfg, int on)
{
    cfg->middlebox_compat = on != 0;
}

/* ------------------------------------------------------------ lists */

typedef int (*lookup_fn)(const char *name, uint16_t *id);

static int parse_list(gmtls_config *cfg, const char *list, lookup_fn fn, const char *kind, uint16_t *out, size_t *nout)
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

/* The id of the suite of table tab (n entries) named name (any case). */
static int suite_table_lookup(const gmtls_suite *tab, size_t n, const char *name, uint16_t *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(tab[i].name, name) == 0) {
            *id = tab[i].id;
            return 0;
        }
    }
    return -1;
}

static int suite12_lookup(const char *name, uint16_t *id)
{
    return suite_table_lookup(gmtls_tls12_suites, gmtls_num_tls12_suites, name, id);
}

int gmtls_config_set_cipher_suites_tls12(gmtls_config *cfg, const char *list)
{
    GMTLS_TRY(parse_list(cfg, list, suite12_lookup, "TLS 1.2 cipher suite", cfg->suites12, &cfg->nsuites12));
    return 0;
}

static int suite_tlcp_lookup(const char *name, uint16_t *id)
{
    return suite_table_lookup(gmtls_tlcp_suites, gmtls_num_tlcp_suites, name, id);
}

int gmtls_config_set_cipher_suites_tlcp(gmtls_config *cfg, const char *list)
{
    GMTLS_TRY(parse_list(cfg, list, suite_tlcp_lookup, "TLCP cipher suite", cfg->suites_tlcp, &cfg->nsuites_tlcp));
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

int gmtls_config_set_verify_sigalgs(gmtls_config *cfg, const char *list)
{
    if (cfg == NULL) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (list == NULL) {
        cfg->nverify_sigalgs = 0;
        return 0;
    }
    if (strcmp(list, "DEFAULT") == 0) {
        memcpy(cfg->verify_sigalgs, default_sigalgs, sizeof default_sigalgs);
        cfg->nverify_sigalgs = GMTLS_ARRAY_LEN(default_sigalgs);
        cfg->verify_sigalgs_custom = 0;
        return 0;
    }
    GMTLS_TRY(parse_list(cfg, list, sigalg_lookup, "signature scheme", cfg->verify_sigalgs, &cfg->nverify_sigalgs));
    cfg->verify_sigalgs_custom = 1;
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

/* The lists of the profiles: RFC 8998 §3's ShangMi-only one, the Go gmtls
 * family's dialect (its code points first: curveSM2 as group 26, SM2-with-SM3
 * as scheme 0x0204; then the RFC ones, for a peer of the other camp), and
 * both at once. */
static const uint16_t go_groups[] = {0x001a, GMTLS_GROUP_X25519, GMTLS_GROUP_SECP256R1, GMTLS_GROUP_CURVESM2,
                                     GMTLS_GROUP_SECP384R1};
static const uint16_t go_sigalgs[] = {0x0204, 0x0708, 0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805,
                                      0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601};
static const uint16_t strict_groups[] = {GMTLS_GROUP_CURVESM2};
static const uint16_t strict_sigalgs[] = {0x0708};
static const uint16_t strict_go_groups[] = {0x001a, GMTLS_GROUP_CURVESM2};
static const uint16_t strict_go_sigalgs[] = {0x0204, 0x0708};

static void set_list(uint16_t *dst, size_t *n, const uint16_t *src, size_t nsrc)
{
    memcpy(dst, src, nsrc * sizeof src[0]);
    *n = nsrc;
}

/* Applies the lists of the active profiles (strict_sm, go_dialect). */
static void apply_profiles(gmtls_config *cfg)
{
    if (cfg->strict_sm) {
        /* RFC 8998 §3: the ShangMi-only profile. */
        cfg->suites[0] = GMTLS_TLS_SM4_GCM_SM3;
        cfg->suites[1] = GMTLS_TLS_SM4_CCM_SM3;
        cfg->nsuites = 2;
        cfg->suites_custom = 1;
    }
    if (cfg->strict_sm && cfg->go_dialect) {
        set_list(cfg->groups, &cfg->ngroups, strict_go_groups, GMTLS_ARRAY_LEN(strict_go_groups));
        set_list(cfg->sigalgs, &cfg->nsigalgs, strict_go_sigalgs, GMTLS_ARRAY_LEN(strict_go_sigalgs));
    } else if (cfg->strict_sm) {
        set_list(cfg->groups, &cfg->ngroups, strict_groups, GMTLS_ARRAY_LEN(strict_groups));
        set_list(cfg->sigalgs, &cfg->nsigalgs, strict_sigalgs, GMTLS_ARRAY_LEN(strict_sigalgs));
    } else if (cfg->go_dialect) {
        set_list(cfg->groups, &cfg->ngroups, go_groups, GMTLS_ARRAY_LEN(go_groups));
        set_list(cfg->sigalgs, &cfg->nsigalgs, go_sigalgs, GMTLS_ARRAY_LEN(go_sigalgs));
    } else {
        return;
    }
    /* Listed explicitly: a client offers the legacy code points. */
    cfg->groups_custom = 1;
    cfg->sigalgs_custom = 1;
}

int gmtls_config_set_strict_sm(gmtls_config *cfg, int on)
{
    cfg->strict_sm = on ? 1 : 0;
    if (on) {
        apply_profiles(cfg);
    }
    return 0;
}

int gmtls_config_set_profile(gmtls_config *cfg, gmtls_profile profile)
{
    switch (profile) {
    case GMTLS_PROFILE_DEFAULT:
        cfg->go_dialect = 0;
        set_list(cfg->groups, &cfg->ngroups, default_groups, GMTLS_ARRAY_LEN(default_groups));
        set_list(cfg->sigalgs, &cfg->nsigalgs, default_sigalgs, GMTLS_ARRAY_LEN(default_sigalgs));
        cfg->groups_custom = cfg->sigalgs_custom = 0;
        break;
    case GMTLS_PROFILE_GO_GMTLS:
        cfg->go_dialect = 1;
        break;
    default:
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "unknown profile %d", (int)profile);
    }
    apply_profiles(cfg);
    return 0;
}

int gmtls_config_set_profile_name(gmtls_config *cfg, const char *name)
{
    if (name != NULL && strcasecmp(name, "go-gmtls") == 0) {
        return gmtls_config_set_profile(cfg, GMTLS_PROFILE_GO_GMTLS);
    }
    if (name != NULL && strcasecmp(name, "default") == 0) {
        return gmtls_config_set_profile(cfg, GMTLS_PROFILE_DEFAULT);
    }
    return cfg_err(cfg, GMTLS_ERR_UNKNOWN_NAME, "unknown profile '%s' (default, go-gmtls)", name ? name : "");
}

/* ------------------------------------------------------------ trust */

static int ensure_store(gmtls_config *cfg)
{
    if (cfg->verifier == NULL) {
        cfg->verifier = gmtls_trust_store_new();
    }
    return cfg->verifier != NULL ? 0 : cfg_err(cfg, GMTLS_ERR_NO_MEMORY, "out of memory");
}

int gmtls_config_add_ca_mem(gmtls_config *cfg, const char *pem, size_t len)
{
    GMTLS_TRY(ensure_store(cfg));
    int n = gmtls_trust_store_add_pem(cfg->verifier, pem, len, 1, &cfg->ca_names, &cfg->ca_names_len);
    return n > 0 ? 0 : cfg_err(cfg, GMTLS_ERR_FILE, "no PEM certificate in the CA data");
}

int gmtls_config_set_ca_file(gmtls_config *cfg, const char *file)
{
    GMTLS_TRY(ensure_store(cfg));
    if (gmtls_trust_store_load_file(cfg->verifier, file) != 0) {
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: cannot load CA certificates", file);
    }
    /* Their subjects for certificate_authorities (the store took the anchors). */
    gmtls_buf b;
    gmtls_buf_init(&b);
    if (read_small_file(cfg, file, &b) == 0) {
        (void)gmtls_trust_store_add_pem(cfg->verifier, (const char *)b.base, b.off, 0, &cfg->ca_names,
                                        &cfg->ca_names_len);
    }
    gmtls_buf_dispose(&b);
    cfg->err[0] = '\0';
    return 0;
}

int gmtls_config_set_ca_dir(gmtls_config *cfg, const char *dir)
{
    GMTLS_TRY(ensure_store(cfg));
    if (gmtls_trust_store_load_dir(cfg->verifier, dir) != 0) {
        return cfg_err(cfg, GMTLS_ERR_FILE, "%s: cannot use as a CA directory", dir);
    }
    return 0;
}

void gmtls_config_set_verify_peer(gmtls_config *cfg, int on)
{
    cfg->verify_peer = on ? 1 : 0;
}

int gmtls_config_set_peer_chain_limit(gmtls_config *cfg, size_t max_certs, size_t max_bytes)
{
    if (max_certs < 1 || max_certs > GMTLS_MAX_CHAIN || max_bytes > GMTLS_MAX_HS_MSG) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    cfg->peer_chain_max = max_certs;
    cfg->peer_chain_max_bytes = max_bytes ? max_bytes : GMTLS_MAX_HS_MSG;
    return 0;
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

void gmtls_config_set_tlcp_client(gmtls_config *cfg, int on)
{
    cfg->tlcp_client = on != 0;
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

void gmtls_config_set_reverify_on_resume(gmtls_config *cfg, int on)
{
    cfg->reverify_on_resume = on ? 1 : 0;
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

int gmtls_config_set_max_send_fragment(gmtls_config *cfg, unsigned max)
{
    /* RFC 8449 §4 bounds record_size_limit to 64..2^14+1; the same floor
     * keeps the per-record overhead sane. 0 restores 2^14 (RFC 8446 §5.1). */
    if (cfg == NULL || (max != 0 && (max < 64 || max > GMTLS_MAX_PLAINTEXT))) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    cfg->max_send_fragment = (uint16_t)max;
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

/* ------------------------------------------------------------ external PSKs */

int gmtls_config_add_psk(gmtls_config *cfg, const uint8_t *identity, size_t identity_len, const uint8_t *key,
                         size_t key_len, const char *hash)
{
    const gmtls_hash_alg *h = NULL;
    static const gmtls_hash_alg *const hashes[] = {&gmtls_hash_sha256, &gmtls_hash_sha384, &gmtls_hash_sm3};
    for (size_t i = 0; i < GMTLS_ARRAY_LEN(hashes); i++) {
        if (hash == NULL ? i == 0 : strcasecmp(hash, hashes[i]->name) == 0) {
            h = hashes[i];
        }
    }
    if (h == NULL) {
        return cfg_err(cfg, GMTLS_ERR_UNKNOWN_NAME, "unknown PSK hash '%s' (SHA256, SHA384, SM3)", hash);
    }
    /* RFC 8446 §4.2.11: opaque identity<1..2^16-1>; our bound is smaller. */
    if (identity == NULL || identity_len == 0 || identity_len > GMTLS_MAX_EXT_PSK_LEN || key == NULL || key_len == 0 ||
        key_len > GMTLS_MAX_EXT_PSK_LEN) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "PSK identity and key must be 1..%d bytes", GMTLS_MAX_EXT_PSK_LEN);
    }
    if (cfg->npsks == GMTLS_MAX_EXT_PSKS) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "too many PSKs (at most %d)", GMTLS_MAX_EXT_PSKS);
    }
    for (size_t i = 0; i < cfg->npsks; i++) {
        if (cfg->psks[i].id_len == identity_len && memcmp(cfg->psks[i].id, identity, identity_len) == 0) {
            return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "PSK identity given twice");
        }
    }
    gmtls_ext_psk *p = &cfg->psks[cfg->npsks++];
    memcpy(p->id, identity, identity_len);
    p->id_len = identity_len;
    memcpy(p->key, key, key_len);
    p->key_len = key_len;
    p->hash = h;
    return 0;
}

int gmtls_config_set_psk_modes(gmtls_config *cfg, unsigned modes)
{
    if (modes == 0 || (modes & ~(GMTLS_PSK_MODE_DHE_KE | GMTLS_PSK_MODE_KE)) != 0) {
        return cfg_err(cfg, GMTLS_ERR_BAD_ARGUMENT, "PSK modes: psk_dhe_ke and/or psk_ke");
    }
    cfg->psk_modes = modes;
    return 0;
}

void gmtls_config_set_tickets(gmtls_config *cfg, unsigned count, uint32_t lifetime)
{
    cfg->tickets = count;
    /* RFC 8446 §4.6.1: lifetime at most 604800 seconds (7 days). */
    cfg->ticket_lifetime =
        (lifetime == 0 || lifetime > GMTLS_MAX_TICKET_LIFETIME) ? GMTLS_MAX_TICKET_LIFETIME : lifetime;
}

void gmtls_config_set_session_cache(gmtls_config *cfg, size_t max_entries, uint32_t lifetime)
{
    gmtls_sesscache_configure(cfg->sesscache, max_entries, lifetime);
}

void gmtls_config_share_session_cache(gmtls_config *cfg, const gmtls_config *from)
{
    if (cfg->sesscache == from->sesscache) {
        return;
    }
    gmtls_sesscache_free(cfg->sesscache);
    cfg->sesscache = gmtls_sesscache_ref(from->sesscache);
}

int gmtls_config_set_max_early_data(gmtls_config *cfg, uint32_t max)
{
    if (max > 0 && cfg->replay == NULL) {
        cfg->replay = calloc(1, gmtls_replay_size());
        if (cfg->replay == NULL) {
            return cfg_err(cfg, GMTLS_ERR_NO_MEMORY, "0-RTT replay record");
        }
        gmtls_replay_init(cfg->replay);
    }
    cfg->max_early_data = max;
    return 0;
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
