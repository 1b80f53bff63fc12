/* The TLS 1.3 key schedule (RFC 8446 §7.1) over any hash of the registry. */
#include <pthread.h>

#include "keysched/keysched.h"

int gmtls_hkdf_extract(const gmtls_hash_alg *h, const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
                       size_t ikmlen, uint8_t *prk)
{
    static const uint8_t zeros[GMTLS_MAX_HASH_LEN];
    /* RFC 5869 §2.2: a missing salt is HashLen zeros (an HMAC key of zeros
     * pads to the same block either way). */
    if (salt == NULL || saltlen == 0) {
        salt = zeros;
        saltlen = h->digest_len;
    }
    if (ikm == NULL || ikmlen == 0) {
        /* RFC 8446 §7.1: "If a given secret is not available, then the 0-value
         * consisting of a string of Hash.length bytes set to zeros is used." */
        ikm = zeros;
        ikmlen = h->digest_len;
    }
    return gmtls_hmac(h, salt, saltlen, ikm, ikmlen, NULL, 0, NULL, 0, prk);
}

/* HKDF-Expand (RFC 5869 §2.3) with the PRK as a precomputed HMAC key. */
static int hkdf_expand_keyed(const gmtls_hmac_key *prk, const uint8_t *info, size_t infolen, uint8_t *out,
                             size_t outlen)
{
    uint8_t t[GMTLS_MAX_HASH_LEN];
    size_t tlen = 0, hl = prk->inner.alg->digest_len;
    /* RFC 5869 §2.3: L <= 255*HashLen. */
    if (outlen > 255 * hl) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    /* RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), T(0) empty. */
    for (uint8_t i = 1; outlen > 0; i++) {
        int rc = gmtls_hmac_keyed(prk, t, tlen, info, infolen, &i, 1, t);
        if (rc != 0) {
            gmtls_wipe(t, sizeof t);
            return rc;
        }
        tlen = hl;
        size_t n = outlen < hl ? outlen : hl;
        memcpy(out, t, n);
        out += n;
        outlen -= n;
    }
    gmtls_wipe(t, sizeof t);
    return 0;
}

int gmtls_hkdf_expand(const gmtls_hash_alg *h, const uint8_t *prk, const uint8_t *info, size_t infolen,
                      uint8_t *out, size_t outlen)
{
    gmtls_hmac_key k;
    int rc = gmtls_hmac_key_init(&k, h, prk, h->digest_len);
    if (rc == 0) {
        rc = hkdf_expand_keyed(&k, info, infolen, out, outlen);
    }
    gmtls_hmac_key_wipe(&k);
    return rc;
}

int gmtls_hkdf_expand_label_keyed(const gmtls_hmac_key *secret, const char *label, const uint8_t *ctx,
                                  size_t ctxlen, uint8_t *out, size_t outlen)
{
    /* struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
     *          opaque context<0..255>; } HkdfLabel; */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t ll = strlen(label), n = 0;
    if (6 + ll > 255 || ctxlen > 255 || outlen > 0xffff) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    info[n++] = (uint8_t)(outlen >> 8);
    info[n++] = (uint8_t)outlen;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = (uint8_t)ctxlen;
    if (ctxlen > 0) {
        memcpy(info + n, ctx, ctxlen);
        n += ctxlen;
    }
    return hkdf_expand_keyed(secret, info, n, out, outlen);
}

int gmtls_hkdf_expand_label(const gmtls_hash_alg *h, const uint8_t *secret, const char *label, const uint8_t *ctx,
                            size_t ctxlen, uint8_t *out, size_t outlen)
{
    gmtls_hmac_key k;
    int rc = gmtls_hmac_key_init(&k, h, secret, h->digest_len);
    if (rc == 0) {
        rc = gmtls_hkdf_expand_label_keyed(&k, label, ctx, ctxlen, out, outlen);
    }
    gmtls_hmac_key_wipe(&k);
    return rc;
}

/*
 * Values that are the same in every connection, per hash: Hash("") (the
 * context of Derive-Secret(., "derived", "")), and, for handshakes without a
 * PSK, Early Secret = HKDF-Extract(0, 0) and Derive-Secret(Early Secret,
 * "derived", "") (RFC 8446 §7.1). Computed once.
 */
static const gmtls_hash_alg *const const_hashes[] = {&gmtls_hash_sha256, &gmtls_hash_sha384, &gmtls_hash_sm3};
static struct {
    uint8_t empty[GMTLS_MAX_HASH_LEN];
    uint8_t early[GMTLS_MAX_HASH_LEN];
    uint8_t derived[GMTLS_MAX_HASH_LEN];
    int ok;
} consts[sizeof const_hashes / sizeof const_hashes[0]];
static pthread_once_t consts_once = PTHREAD_ONCE_INIT;

static void consts_init(void)
{
    for (size_t i = 0; i < GMTLS_ARRAY_LEN(const_hashes); i++) {
        const gmtls_hash_alg *h = const_hashes[i];
        consts[i].ok = gmtls_hash(h, "", 0, consts[i].empty) == 0 &&
                       gmtls_hkdf_extract(h, NULL, 0, NULL, 0, consts[i].early) == 0 &&
                       gmtls_hkdf_expand_label(h, consts[i].early, "derived", consts[i].empty, h->digest_len,
                                               consts[i].derived, h->digest_len) == 0;
    }
}

/* The constants of h, or NULL (another hash, or a failure). */
static int consts_of(const gmtls_hash_alg *h)
{
    pthread_once(&consts_once, consts_init);
    for (size_t i = 0; i < GMTLS_ARRAY_LEN(const_hashes); i++) {
        if (const_hashes[i] == h && consts[i].ok) {
            return (int)i;
        }
    }
    return -1;
}

static int empty_hash(const gmtls_hash_alg *h, uint8_t *out)
{
    int i = consts_of(h);
    if (i >= 0) {
        memcpy(out, consts[i].empty, h->digest_len);
        return 0;
    }
    return gmtls_hash(h, "", 0, out);
}

int gmtls_derive_secret(const gmtls_hash_alg *h, const uint8_t *secret, const char *label, const uint8_t *thash,
                        uint8_t *out)
{
    uint8_t empty[GMTLS_MAX_HASH_LEN];
    if (thash == NULL) {
        GMTLS_TRY(empty_hash(h, empty));
        thash = empty;
    }
    return gmtls_hkdf_expand_label(h, secret, label, thash, h->digest_len, out, h->digest_len);
}

/* Derive-Secret with the secret as a precomputed HMAC key. */
static int derive_secret_keyed(const gmtls_hmac_key *secret, const char *label, const uint8_t *thash, uint8_t *out)
{
    const gmtls_hash_alg *h = secret->inner.alg;
    uint8_t empty[GMTLS_MAX_HASH_LEN];
    if (thash == NULL) {
        GMTLS_TRY(empty_hash(h, empty));
        thash = empty;
    }
    return gmtls_hkdf_expand_label_keyed(secret, label, thash, h->digest_len, out, h->digest_len);
}

static int ks_early(gmtls_keysched *ks, const gmtls_hash_alg *h, const uint8_t *psk, size_t psklen,
                    const char *binder_label)
{
    gmtls_ks_wipe(ks);
    ks->hash = h;
    if (psk == NULL || psklen == 0) {
        /* no PSK: the Early Secret is a constant, and no binder is made */
        int i = consts_of(h);
        if (i >= 0) {
            memcpy(ks->early, consts[i].early, h->digest_len);
            ks->early_is_const = 1;
            return 0;
        }
        return gmtls_hkdf_extract(h, NULL, 0, NULL, 0, ks->early);
    }
    GMTLS_TRY(gmtls_hkdf_extract(h, NULL, 0, psk, psklen, ks->early));
    return gmtls_derive_secret(h, ks->early, binder_label, NULL, ks->binder_key);
}

int gmtls_ks_early(gmtls_keysched *ks, const gmtls_hash_alg *h, const uint8_t *psk, size_t psklen)
{
    return ks_early(ks, h, psk, psklen, "res binder");
}

int gmtls_ks_early_ext(gmtls_keysched *ks, const gmtls_hash_alg *h, const uint8_t *psk, size_t psklen)
{
    /* RFC 8446 §7.1: binder_key = Derive-Secret(Early Secret, "ext binder" |
     * "res binder", ""): "ext binder" for external PSKs, "res binder" for
     * resumption PSKs, so that one can never be substituted for the other. */
    return ks_early(ks, h, psk, psklen, "ext binder");
}

int gmtls_ks_handshake(gmtls_keysched *ks, const uint8_t *dhe, size_t dhelen, const uint8_t *thash)
{
    uint8_t derived[GMTLS_MAX_HASH_LEN];
    const gmtls_hash_alg *h = ks->hash;
    gmtls_hmac_key hk;
    int rc = 0, i = ks->early_is_const ? consts_of(h) : -1;
    if (i >= 0) {
        memcpy(derived, consts[i].derived, h->digest_len);
    } else {
        rc = gmtls_derive_secret(h, ks->early, "derived", NULL, derived);
    }
    if (rc == 0) {
        rc = gmtls_hkdf_extract(h, derived, h->digest_len, dhe, dhelen, ks->handshake);
    }
    /* the Handshake Secret keys both traffic secrets */
    if (rc == 0 && (rc = gmtls_hmac_key_init(&hk, h, ks->handshake, h->digest_len)) == 0) {
        rc = derive_secret_keyed(&hk, "c hs traffic", thash, ks->c_hs);
        if (rc == 0) {
            rc = derive_secret_keyed(&hk, "s hs traffic", thash, ks->s_hs);
        }
        gmtls_hmac_key_wipe(&hk);
    }
    gmtls_wipe(derived, sizeof derived);
    return rc;
}

int gmtls_ks_master(gmtls_keysched *ks, const uint8_t *thash)
{
    uint8_t derived[GMTLS_MAX_HASH_LEN];
    const gmtls_hash_alg *h = ks->hash;
    gmtls_hmac_key hk;
    int rc = gmtls_derive_secret(h, ks->handshake, "derived", NULL, derived);
    if (rc == 0) {
        rc = gmtls_hkdf_extract(h, derived, h->digest_len, NULL, 0, ks->master);
    }
    /* the Master Secret keys three secrets here */
    if (rc == 0 && (rc = gmtls_hmac_key_init(&hk, h, ks->master, h->digest_len)) == 0) {
        rc = derive_secret_keyed(&hk, "c ap traffic", thash, ks->c_ap);
        if (rc == 0) {
            rc = derive_secret_keyed(&hk, "s ap traffic", thash, ks->s_ap);
        }
        if (rc == 0) {
            rc = derive_secret_keyed(&hk, "exp master", thash, ks->exporter);
        }
        gmtls_hmac_key_wipe(&hk);
    }
    gmtls_wipe(derived, sizeof derived);
    return rc;
}

int gmtls_ks_resumption(gmtls_keysched *ks, const uint8_t *thash)
{
    return gmtls_derive_secret(ks->hash, ks->master, "res master", thash, ks->resumption);
}

void gmtls_ks_wipe(gmtls_keysched *ks)
{
    gmtls_wipe(ks, sizeof(*ks));
}

int gmtls_finished_mac(const gmtls_hash_alg *h, const uint8_t *base_key, const uint8_t *thash, uint8_t *out)
{
    uint8_t fk[GMTLS_MAX_HASH_LEN];
    int rc = gmtls_hkdf_expand_label(h, base_key, "finished", NULL, 0, fk, h->digest_len);
    if (rc == 0) {
        rc = gmtls_hmac(h, fk, h->digest_len, thash, h->digest_len, NULL, 0, NULL, 0, out);
    }
    gmtls_wipe(fk, sizeof fk);
    return rc;
}

int gmtls_exporter(const gmtls_hash_alg *h, const uint8_t *exporter_secret, const char *label, const uint8_t *ctx,
                   size_t ctxlen, uint8_t *out, size_t outlen)
{
    /* TLS-Exporter(label, context_value, key_length) =
     *   HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter",
     *                     Hash(context_value), key_length) */
    uint8_t tmp[GMTLS_MAX_HASH_LEN], chash[GMTLS_MAX_HASH_LEN];
    int rc = gmtls_derive_secret(h, exporter_secret, label, NULL, tmp);
    if (rc == 0) {
        rc = gmtls_hash(h, ctx != NULL ? ctx : (const uint8_t *)"", ctx != NULL ? ctxlen : 0, chash);
    }
    if (rc == 0) {
        rc = gmtls_hkdf_expand_label(h, tmp, "exporter", chash, h->digest_len, out, outlen);
    }
    gmtls_wipe(tmp, sizeof tmp);
    return rc;
}
