/* Hybrid post-quantum key exchange groups: an ECDHE share and an ML-KEM
 * share in one key_share entry, the two shared secrets concatenated
 * (RFC 10024, "Post-Quantum Traditional (PQ/T) Hybrid Key Agreement
 * Mechanisms for TLS 1.3", and draft-yang-tls-hybrid-sm2-mlkem-03 for
 * curveSM2MLKEM768). The alert rules quoted below are worded as in
 * draft-ietf-tls-mlkem §4.2, which RFC 10024 applies to the hybrids alike.
 * The ECDHE halves are the classical vtables
 * (x25519, secp256r1, secp384r1, curveSM2) with their point checks; the
 * ML-KEM halves are src/pq/mlkem.c. */
#include <stdlib.h>

#include "crypto/crypto.h"
#include "gmtls/mlkem.h"

typedef struct {
    const gmtls_kex_alg *ec;
    size_t ec_len;        /* the ECDHE share: 32, 65 or 97 bytes */
    size_t ec_secret_len; /* 32 or 48 */
    gmtls_mlkem_param ps;
    int mlkem_first; /* X25519MLKEM768: the ML-KEM part comes first in shares and secret */
} hybrid_def;

typedef struct {
    void *ec_state;
    uint8_t dk[GMTLS_MLKEM_MAX_DK_LEN];
} hybrid_state;

/* RFC 10024: X25519MLKEM768 client share = ek (1184) || X25519 (32), server
 * share = ciphertext (1088) || X25519 (32), secret = ML-KEM || X25519. */
static const hybrid_def DEF_X25519MLKEM768 = {&gmtls_kex_x25519, 32, 32, GMTLS_MLKEM768, 1};
/* RFC 10024: SecP256r1MLKEM768 and SecP384r1MLKEM1024 put the ECDHE part
 * first (uncompressed point || ek; point || ciphertext; ECDH || ML-KEM). */
static const hybrid_def DEF_P256MLKEM768 = {&gmtls_kex_p256, 65, 32, GMTLS_MLKEM768, 0};
static const hybrid_def DEF_P384MLKEM1024 = {&gmtls_kex_p384, 97, 48, GMTLS_MLKEM1024, 0};
/* draft-yang-tls-hybrid-sm2-mlkem-03 §2.3: "the concatenation of the
 * curveSM2 ephemeral share and ML-KEM768 encapsulation key" (1249 bytes);
 * server: curveSM2 share || ciphertext (1153); secret: ECDHE || ML-KEM. */
static const hybrid_def DEF_SM2MLKEM768 = {&gmtls_kex_sm2, 65, 32, GMTLS_MLKEM768, 0};

static void hybrid_free(void *state)
{
    hybrid_state *st = state;
    if (st != NULL) {
        /* every state is made by hybrid_keygen with ec_state set */
        gmtls_wipe(st->dk, sizeof st->dk);
        free(st);
    }
}

/* Places part a (len al) and part b (len bl) in the order of the group. */
static void join(const hybrid_def *d, uint8_t *out, const uint8_t *ec, size_t ecl, const uint8_t *kem, size_t keml)
{
    if (d->mlkem_first) {
        memcpy(out, kem, keml);
        memcpy(out + keml, ec, ecl);
    } else {
        memcpy(out, ec, ecl);
        memcpy(out + ecl, kem, keml);
    }
}

static int hybrid_keygen(const hybrid_def *d, void **state, uint8_t *pub, size_t *publen)
{
    hybrid_state *st = calloc(1, sizeof(*st));
    uint8_t ecpub[GMTLS_MAX_KEX_PUB], ek[GMTLS_MLKEM_MAX_EK_LEN];
    size_t ecl = 0, ekl = gmtls_mlkem_ek_len(d->ps);
    if (st == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    int rc = d->ec->keygen(&st->ec_state, ecpub, &ecl);
    if (rc != 0) {
        free(st);
        return rc;
    }
    if (ecl != d->ec_len || gmtls_mlkem_keygen(d->ps, ek, st->dk, gmtls_rng_cb, NULL) != 0) {
        d->ec->free(st->ec_state);
        hybrid_free(st);
        return GMTLS_ERR_CRYPTO;
    }
    join(d, pub, ecpub, ecl, ek, ekl);
    *publen = ecl + ekl;
    *state = st;
    return 0;
}

/* The client's side: the server's share is the ECDHE share and the ML-KEM
 * ciphertext. */
static int hybrid_derive(const hybrid_def *d, void *state, const uint8_t *peer, size_t peerlen, uint8_t *secret,
                         size_t *secretlen)
{
    hybrid_state *st = state;
    size_t ctl = gmtls_mlkem_ct_len(d->ps), ecsl = 0;
    /* RFC 10024 / draft-ietf-tls-mlkem §4.2: "the client MUST check if the ciphertext length matches the
     * selected parameter set, and abort with an illegal_parameter alert" */
    if (peerlen != d->ec_len + ctl) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    const uint8_t *ecpeer = d->mlkem_first ? peer + ctl : peer;
    const uint8_t *ct = d->mlkem_first ? peer : peer + d->ec_len;
    uint8_t ecs[GMTLS_MAX_KEX_SECRET], ss[GMTLS_MLKEM_SS_LEN];
    /* the ECDHE half validates the point as the classical group does */
    int rc = d->ec->derive(st->ec_state, ecpeer, d->ec_len, ecs, &ecsl);
    if (rc == 0 && ecsl != d->ec_secret_len) {
        rc = GMTLS_ERR_CRYPTO;
    }
    /* RFC 10024 / draft-ietf-tls-mlkem §4.2: "If ML-KEM decapsulation fails for any other reason, the
     * connection MUST be aborted with an internal_error alert" */
    if (rc == 0 && gmtls_mlkem_decaps(d->ps, ss, ct, st->dk) != 0) {
        rc = GMTLS_ALERT_INTERNAL_ERROR;
    }
    if (rc == 0) {
        join(d, secret, ecs, ecsl, ss, sizeof ss);
        *secretlen = ecsl + sizeof ss;
    }
    gmtls_wipe(ecs, sizeof ecs);
    gmtls_wipe(ss, sizeof ss);
    return rc;
}

/* The server's side: validate both halves of the client's share, then our
 * ECDHE share and the ML-KEM ciphertext. */
static int hybrid_respond(const hybrid_def *d, const uint8_t *peer, size_t peerlen, uint8_t *pub, size_t *publen,
                          uint8_t *secret, size_t *secretlen)
{
    size_t ekl = gmtls_mlkem_ek_len(d->ps), ctl = gmtls_mlkem_ct_len(d->ps), ecpl = 0, ecsl = 0;
    if (peerlen != d->ec_len + ekl) {
        return GMTLS_ALERT_ILLEGAL_PARAMETER;
    }
    const uint8_t *ecpeer = d->mlkem_first ? peer + ekl : peer;
    const uint8_t *ek = d->mlkem_first ? peer : peer + d->ec_len;
    uint8_t ct[GMTLS_MLKEM_MAX_CT_LEN], ss[GMTLS_MLKEM_SS_LEN], ecpub[GMTLS_MAX_KEX_PUB], ecs[GMTLS_MAX_KEX_SECRET];
    /* RFC 10024 / draft-ietf-tls-mlkem §4.2: "the server MUST perform the encapsulation key check
     * described in Section 7.2 of [FIPS203] on the client's encapsulation
     * key, and abort with an illegal_parameter alert if it fails";
     * gmtls_mlkem_encaps runs that check before anything else. */
    if (gmtls_mlkem_encaps(d->ps, ct, ss, ek, gmtls_rng_cb, NULL) != 0) {
        return gmtls_mlkem_check_ek(d->ps, ek) != 0 ? GMTLS_ALERT_ILLEGAL_PARAMETER : GMTLS_ERR_CRYPTO;
    }
    int rc;
    if (d->ec->respond != NULL) {
        rc = d->ec->respond(ecpeer, d->ec_len, ecpub, &ecpl, ecs, &ecsl);
    } else {
        void *est = NULL;
        rc = d->ec->keygen(&est, ecpub, &ecpl);
        if (rc == 0) {
            rc = d->ec->derive(est, ecpeer, d->ec_len, ecs, &ecsl);
            d->ec->free(est);
        }
    }
    if (rc == 0 && (ecpl != d->ec_len || ecsl != d->ec_secret_len)) {
        rc = GMTLS_ERR_CRYPTO;
    }
    if (rc == 0) {
        join(d, pub, ecpub, ecpl, ct, ctl);
        *publen = ecpl + ctl;
        join(d, secret, ecs, ecsl, ss, sizeof ss);
        *secretlen = ecsl + sizeof ss;
    }
    gmtls_wipe(ecs, sizeof ecs);
    gmtls_wipe(ss, sizeof ss);
    return rc;
}

static void hybrid_state_free(const hybrid_def *d, void *state)
{
    hybrid_state *st = state;
    if (st != NULL) {
        d->ec->free(st->ec_state);
        hybrid_free(st);
    }
}

#define HYBRID_VTABLE(var, DEF, code, name, is_sm)                                                                     \
    static int var##_keygen(void **state, uint8_t *pub, size_t *publen)                                                \
    {                                                                                                                  \
        return hybrid_keygen(&DEF, state, pub, publen);                                                                \
    }                                                                                                                  \
    static int var##_derive(void *state, const uint8_t *peer, size_t peerlen, uint8_t *secret, size_t *secretlen)      \
    {                                                                                                                  \
        return hybrid_derive(&DEF, state, peer, peerlen, secret, secretlen);                                           \
    }                                                                                                                  \
    static int var##_respond(const uint8_t *peer, size_t peerlen, uint8_t *pub, size_t *publen, uint8_t *secret,       \
                             size_t *secretlen)                                                                        \
    {                                                                                                                  \
        return hybrid_respond(&DEF, peer, peerlen, pub, publen, secret, secretlen);                                    \
    }                                                                                                                  \
    static void var##_free(void *state)                                                                                \
    {                                                                                                                  \
        hybrid_state_free(&DEF, state);                                                                                \
    }                                                                                                                  \
    const gmtls_kex_alg gmtls_kex_##var = {code,         name,         NULL,       is_sm,         0,                   \
                                           var##_keygen, var##_derive, var##_free, var##_respond, 0}

HYBRID_VTABLE(x25519mlkem768, DEF_X25519MLKEM768, GMTLS_GROUP_X25519MLKEM768, "X25519MLKEM768", 0);
HYBRID_VTABLE(p256mlkem768, DEF_P256MLKEM768, GMTLS_GROUP_SECP256R1MLKEM768, "SecP256r1MLKEM768", 0);
HYBRID_VTABLE(p384mlkem1024, DEF_P384MLKEM1024, GMTLS_GROUP_SECP384R1MLKEM1024, "SecP384r1MLKEM1024", 0);
HYBRID_VTABLE(sm2mlkem768, DEF_SM2MLKEM768, GMTLS_GROUP_CURVESM2MLKEM768, "curveSM2MLKEM768", 1);

int gmtls_kex_is_hybrid(uint16_t id)
{
    return id == GMTLS_GROUP_X25519MLKEM768 || id == GMTLS_GROUP_SECP256R1MLKEM768 ||
           id == GMTLS_GROUP_SECP384R1MLKEM1024 || id == GMTLS_GROUP_CURVESM2MLKEM768;
}
