/* tests/tls/hybrid_test.c - the hybrid post-quantum groups X25519MLKEM768,
 * SecP256r1MLKEM768, SecP384r1MLKEM1024 and curveSM2MLKEM768 (RFC 10024,
 * draft-yang-tls-hybrid-sm2-mlkem): in-memory handshakes for each group
 * with both suite families, the default key shares and the server's
 * preference (no HelloRetryRequest when a classical share is usable), the
 * share layout and secret order checked against the component algorithms,
 * and the peer-share checks with their alerts. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "gmtls/mlkem.h"
#include "test.h"
#include "tlstest.h"

static const char *const hybrids[] = {"X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024", "curveSM2MLKEM768"};
static const char *const classical[] = {"x25519", "secp256r1", "secp384r1", "curveSM2"};

/* Runs one handshake; returns the negotiated group name ("" on failure). */
static const char *handshake(gmtls_config *ccfg, gmtls_config *scfg, int *hrr)
{
    static char name[64];
    tt_pair p;
    name[0] = '\0';
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    int rc = tt_handshake(&p);
    CHECK_OK(rc);
    if (rc == 0) {
        CHECK(gmtls_conn_group(p.cli) == gmtls_conn_group(p.srv));
        snprintf(name, sizeof name, "%s", gmtls_group_name(gmtls_conn_group(p.cli)));
        *hrr = gmtls_conn_did_hrr(p.cli);
        CHECK(gmtls_conn_did_hrr(p.srv) == *hrr);
        CHECK_OK(tt_send(&p, 1, "ping", 4));
        CHECK(p.srv_app.off == 4 && memcmp(p.srv_app.base, "ping", 4) == 0);
        CHECK_OK(tt_send(&p, 0, "pong!", 5));
        CHECK(p.cli_app.off == 5 && memcmp(p.cli_app.base, "pong!", 5) == 0);
    } else {
        fprintf(stderr, "  handshake: %s (client: %s; server: %s)\n", gmtls_strerror(rc),
                gmtls_conn_error_detail(p.cli), gmtls_conn_error_detail(p.srv));
    }
    tt_pair_free(&p);
    return name;
}

/* Each hybrid group, offered with its classical partner's share too, with
 * a standard and a ShangMi suite: the server takes the hybrid, no HRR. */
static void each_group(void)
{
    static const char *const suites[][2] = {
        {"TLS_AES_128_GCM_SHA256", "P-256"}, {"TLS_SM4_GCM_SM3", "SM2"}, {"TLS_AES_256_GCM_SHA384", "RSA"}};
    for (size_t g = 0; g < GMTLS_ARRAY_LEN_T(hybrids); g++) {
        for (size_t s = 0; s < GMTLS_ARRAY_LEN_T(suites); s++) {
            const test_chain *chain = tt_chain(suites[s][1]);
            gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
            char list[128];
            snprintf(list, sizeof list, "%s:%s", hybrids[g], classical[g]);
            CHECK_OK(gmtls_config_set_groups(ccfg, list));
            CHECK_OK(gmtls_config_set_cipher_suites(ccfg, suites[s][0]));
            int hrr = -1;
            const char *got = handshake(ccfg, scfg, &hrr);
            if (strcmp(got, hybrids[g]) != 0 || hrr != 0) {
                fprintf(stderr, "  %s / %s: got %s hrr %d\n", list, suites[s][0], got, hrr);
            }
            CHECK(strcmp(got, hybrids[g]) == 0 && hrr == 0);
            gmtls_config_free(scfg);
            gmtls_config_free(ccfg);
        }
    }
}

/* Defaults on both sides; a server without ML-KEM (as OpenSSL 3.0); a
 * client whose one share is classical; a server that insists on a hybrid. */
static void defaults_and_preference(void)
{
    const test_chain *p256 = tt_chain("P-256"), *sm2 = tt_chain("SM2");
    struct {
        const test_chain *chain;
        const char *cli_suites, *cli_groups, *srv_groups, *want;
        int want_hrr;
    } cases[] = {
        /* gmtls client and server with their defaults */
        {p256, NULL, NULL, NULL, "X25519MLKEM768", 0},
        /* a ShangMi-first client: curveSM2MLKEM768 + curveSM2 shares */
        {sm2, "TLS_SM4_GCM_SM3:TLS_AES_128_GCM_SHA256", NULL, NULL, "curveSM2MLKEM768", 0},
        /* a server with the classical groups only takes the x25519 share */
        {p256, NULL, NULL, "x25519:secp256r1:secp384r1:curveSM2", "x25519", 0},
        {sm2, "TLS_SM4_GCM_SM3", NULL, "curveSM2", "curveSM2", 0},
        /* the client's one share is classical, the hybrid only listed: no HRR */
        {p256, NULL, "x25519:X25519MLKEM768", NULL, "x25519", 0},
        /* a hybrid-only server asks for its share */
        {p256, NULL, "x25519:X25519MLKEM768", "X25519MLKEM768", "X25519MLKEM768", 1},
        {p256, NULL, "secp256r1:SecP384r1MLKEM1024", "SecP384r1MLKEM1024", "SecP384r1MLKEM1024", 1},
        /* a hybrid-only client falls back to nothing else: the server picks it */
        {p256, NULL, "SecP256r1MLKEM768", NULL, "SecP256r1MLKEM768", 0},
    };
    for (size_t i = 0; i < GMTLS_ARRAY_LEN_T(cases); i++) {
        gmtls_config *scfg = tt_server_config(cases[i].chain), *ccfg = tt_client_config(cases[i].chain);
        if (cases[i].cli_suites) {
            CHECK_OK(gmtls_config_set_cipher_suites(ccfg, cases[i].cli_suites));
        }
        if (cases[i].cli_groups) {
            CHECK_OK(gmtls_config_set_groups(ccfg, cases[i].cli_groups));
        }
        if (cases[i].srv_groups) {
            CHECK_OK(gmtls_config_set_groups(scfg, cases[i].srv_groups));
        }
        int hrr = -1;
        const char *got = handshake(ccfg, scfg, &hrr);
        if (strcmp(got, cases[i].want) != 0 || hrr != cases[i].want_hrr) {
            fprintf(stderr, "  case %zu: got %s hrr %d, want %s hrr %d\n", i, got, hrr, cases[i].want,
                    cases[i].want_hrr);
        }
        CHECK(strcmp(got, cases[i].want) == 0 && hrr == cases[i].want_hrr);
        gmtls_config_free(scfg);
        gmtls_config_free(ccfg);
    }
}

/* The first ClientHello of a default client: key_share holds exactly
 * X25519MLKEM768 (1216 bytes) then x25519 (32 bytes). Returns the offset of
 * the first entry's group in the record, or 0. */
static size_t find_share(const gmtls_buf *b, uint16_t group, size_t len)
{
    for (size_t i = 0; i + 4 <= b->off; i++) {
        if (b->base[i] == group >> 8 && b->base[i + 1] == (group & 0xff) && b->base[i + 2] == len >> 8 &&
            b->base[i + 3] == (len & 0xff)) {
            return i;
        }
    }
    return 0;
}

static void client_hello_shares(void)
{
    const test_chain *chain = tt_chain("P-256");
    gmtls_config *ccfg = tt_client_config(chain);
    gmtls_conn *c = gmtls_conn_new(ccfg, 0);
    gmtls_buf out;
    gmtls_buf_init(&out);
    size_t n = 0;
    CHECK_ERR(gmtls_handshake(c, &out, NULL, &n), GMTLS_ERR_WANT_READ);
    size_t at = find_share(&out, 0x11ec, 1216);
    CHECK(at > 0);
    /* the x25519 entry follows directly */
    CHECK(at > 0 && at + 4 + 1216 + 4 <= out.off && out.base[at + 4 + 1216] == 0x00 &&
          out.base[at + 4 + 1216 + 1] == 0x1d && out.base[at + 4 + 1216 + 3] == 32);
    /* KeyShareClientHello length = both entries */
    CHECK(at >= 2 && ((size_t)out.base[at - 2] << 8 | out.base[at - 1]) == 4 + 1216 + 4 + 32);
    /* the ML-KEM-768 encapsulation key comes first and passes the §7.2 check */
    CHECK(at > 0 && gmtls_mlkem_check_ek(GMTLS_MLKEM768, out.base + at + 4) == 0);
    gmtls_buf_dispose(&out);
    gmtls_conn_free(c);
    gmtls_config_free(ccfg);
}

/* A ClientHello whose hybrid share is corrupted: the server answers with
 * the exact alert record (plaintext, level fatal, illegal_parameter). */
static void bad_client_share(const char *groups, uint16_t group, size_t len, size_t where, uint8_t byte0,
                             uint8_t byte1_or)
{
    const test_chain *chain = tt_chain("P-256");
    gmtls_config *scfg = tt_server_config(chain), *ccfg = tt_client_config(chain);
    CHECK_OK(gmtls_config_set_groups(ccfg, groups));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, ccfg, scfg, "localhost"));
    size_t n = 0;
    CHECK_ERR(gmtls_handshake(p.cli, &p.c2s, NULL, &n), GMTLS_ERR_WANT_READ);
    size_t at = find_share(&p.c2s, group, len);
    CHECK(at > 0);
    if (at > 0) {
        uint8_t *b = p.c2s.base + at + 4 + where, old0 = b[0], old1 = b[1];
        b[0] = byte0;
        b[1] |= byte1_or;
        if (b[0] == old0 && b[1] == old1) {
            /* the random share already held these bits (about 1 in 512 for
             * the EC coordinates): change it anyway, or the share is valid */
            b[0] ^= 0x01;
        }
        n = p.c2s.off;
        CHECK_ERR(gmtls_handshake(p.srv, &p.s2c, p.c2s.base, &n), GMTLS_ALERT_ILLEGAL_PARAMETER);
        static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x2f};
        CHECK(p.s2c.off == sizeof alert && memcmp(p.s2c.base, alert, sizeof alert) == 0);
    }
    tt_pair_free(&p);
    gmtls_config_free(scfg);
    gmtls_config_free(ccfg);
}

static void bad_shares_in_handshake(void)
{
    /* ML-KEM ek coefficient 0 = 0xFFF >= q: §7.2 modulus check */
    bad_client_share("X25519MLKEM768", 0x11ec, 1216, 0, 0xff, 0x0f);
    bad_client_share("SecP384r1MLKEM1024", 0x11ed, 97 + 1568, 97 + 384, 0xff, 0x0f);
    /* the P-256 point's x changed: not on the curve */
    bad_client_share("SecP256r1MLKEM768", 0x11eb, 65 + 1184, 1, 0x5a, 0x01);
    /* the curveSM2 point's x changed */
    bad_client_share("curveSM2MLKEM768", 0x11ee, 65 + 1184, 7, 0xa5, 0x80);
    /* the point's format byte is not 0x04 */
    bad_client_share("SecP256r1MLKEM768", 0x11eb, 65 + 1184, 0, 0x02, 0x00);
}

/* ECDH with a libcrypto key (X25519, P-256, P-384) on the peer's share. */
static size_t evp_ecdh(EVP_PKEY *mine, const char *type, const char *group, const uint8_t *peer, size_t peerlen,
                       uint8_t *out)
{
    EVP_PKEY *p = NULL;
    if (group == NULL) {
        p = EVP_PKEY_new_raw_public_key_ex(NULL, type, NULL, peer, peerlen);
    } else {
        p = EVP_PKEY_new();
        EVP_PKEY_copy_parameters(p, mine);
        EVP_PKEY_set1_encoded_public_key(p, peer, peerlen);
    }
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(mine, NULL);
    size_t n = 64;
    int ok =
        p && c && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_derive_set_peer(c, p) > 0 && EVP_PKEY_derive(c, out, &n) > 0;
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(p);
    return ok ? n : 0;
}

/* The layout of RFC 10024 / the SM2 draft, checked from outside: we play the
 * client with our own ML-KEM key and an ECDH key, let the server side
 * (respond) answer, and rebuild the secret from the components. */
static void layout(void)
{
    for (size_t g = 0; g < GMTLS_ARRAY_LEN_T(hybrids); g++) {
        const gmtls_kex_alg *k = gmtls_kex_by_name(hybrids[g]);
        CHECK(k != NULL && k->respond != NULL && gmtls_kex_is_hybrid(k->id));
        if (k == NULL) {
            continue;
        }
        gmtls_mlkem_param ps = g == 2 ? GMTLS_MLKEM1024 : GMTLS_MLKEM768;
        size_t ekl = gmtls_mlkem_ek_len(ps), ctl = gmtls_mlkem_ct_len(ps);
        size_t ecl = g == 0 ? 32 : g == 2 ? 97 : 65, ecsl = g == 2 ? 48 : 32;
        int mlkem_first = g == 0;
        uint8_t ek[GMTLS_MLKEM_MAX_EK_LEN], dk[GMTLS_MLKEM_MAX_DK_LEN], ecpub[97], share[GMTLS_MAX_KEX_PUB];
        CHECK_OK(gmtls_mlkem_keygen(ps, ek, dk, gmtls_rng, NULL));
        EVP_PKEY *evk = NULL;
        gmtls_sm2_key sk;
        if (g == 3) {
            CHECK_OK(gmtls_sm2_keygen_ecdh(&sk, gmtls_rng, NULL));
            gmtls_sm2_pubkey_to_bytes(&sk.pub, ecpub);
        } else {
            evk = g == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "X25519")
                         : EVP_PKEY_Q_keygen(NULL, NULL, "EC", g == 1 ? "P-256" : "P-384");
            size_t l = 0;
            if (g == 0) {
                l = 32;
                EVP_PKEY_get_raw_public_key(evk, ecpub, &l);
            } else {
                unsigned char *enc = NULL;
                l = EVP_PKEY_get1_encoded_public_key(evk, &enc);
                memcpy(ecpub, enc, l);
                OPENSSL_free(enc);
            }
            CHECK(l == ecl);
        }
        if (mlkem_first) {
            memcpy(share, ek, ekl), memcpy(share + ekl, ecpub, ecl);
        } else {
            memcpy(share, ecpub, ecl), memcpy(share + ecl, ek, ekl);
        }
        uint8_t pub[GMTLS_MAX_KEX_PUB], secret[GMTLS_MAX_KEX_SECRET], want[GMTLS_MAX_KEX_SECRET], ss[32];
        size_t publen = 0, secretlen = 0;
        CHECK_OK(k->respond(share, ecl + ekl, pub, &publen, secret, &secretlen));
        CHECK(publen == ecl + ctl && secretlen == ecsl + 32);
        const uint8_t *ct = mlkem_first ? pub : pub + ecl, *srvec = mlkem_first ? pub + ctl : pub;
        CHECK_OK(gmtls_mlkem_decaps(ps, ss, ct, dk));
        uint8_t ecs[64];
        size_t n = 0;
        if (g == 3) {
            gmtls_sm2_pubkey sp;
            CHECK_OK(gmtls_sm2_pubkey_from_bytes_ecdh(&sp, srvec, 65));
            CHECK_OK(gmtls_sm2_ecdh(&sk, &sp, ecs));
            n = 32;
            gmtls_sm2_key_clear(&sk);
        } else {
            n = evp_ecdh(evk, g == 0 ? "X25519" : "EC", g == 0 ? NULL : "ec", srvec, ecl, ecs);
            EVP_PKEY_free(evk);
        }
        CHECK(n == ecsl);
        if (mlkem_first) {
            memcpy(want, ss, 32), memcpy(want + 32, ecs, ecsl);
        } else {
            memcpy(want, ecs, ecsl), memcpy(want + ecsl, ss, 32);
        }
        CHECK_MEM(secret, want, ecsl + 32);

        /* the client's side: keygen, then our server answer through derive */
        void *st = NULL;
        uint8_t cpub[GMTLS_MAX_KEX_PUB], csec[GMTLS_MAX_KEX_SECRET], spub[GMTLS_MAX_KEX_PUB],
            ssec[GMTLS_MAX_KEX_SECRET];
        size_t cpl = 0, csl = 0, spl = 0, ssl = 0;
        CHECK_OK(k->keygen(&st, cpub, &cpl));
        CHECK(cpl == ecl + ekl);
        CHECK_OK(k->respond(cpub, cpl, spub, &spl, ssec, &ssl));
        /* RFC 10024: a ciphertext of the wrong length -> illegal_parameter */
        CHECK_ERR(k->derive(st, spub, spl - 1, csec, &csl), GMTLS_ALERT_ILLEGAL_PARAMETER);
        CHECK_ERR(k->derive(st, spub, spl + 1, csec, &csl), GMTLS_ALERT_ILLEGAL_PARAMETER);
        CHECK_OK(k->derive(st, spub, spl, csec, &csl));
        CHECK(csl == ssl);
        CHECK_MEM(csec, ssec, ssl);
        /* a changed ciphertext: implicit rejection, a different secret, no error */
        spub[mlkem_first ? 5 : ecl + 5] ^= 1;
        CHECK_OK(k->derive(st, spub, spl, csec, &csl));
        CHECK(memcmp(csec, ssec, ssl) != 0);
        k->free(st);
        /* server side: wrong total lengths -> illegal_parameter */
        CHECK_ERR(k->respond(share, ecl + ekl - 1, pub, &publen, secret, &secretlen), GMTLS_ALERT_ILLEGAL_PARAMETER);
        CHECK_ERR(k->respond(share, ecl + ekl + 1, pub, &publen, secret, &secretlen), GMTLS_ALERT_ILLEGAL_PARAMETER);
    }
    /* X25519MLKEM768 with the all-zero X25519 share: RFC 8446 §7.4.2 zero secret */
    const gmtls_kex_alg *k = gmtls_kex_by_id(0x11ec);
    uint8_t ek[GMTLS_MLKEM768_EK_LEN], dk[GMTLS_MLKEM768_DK_LEN], share[1216], pub[GMTLS_MAX_KEX_PUB], sec[80];
    size_t pl, sl;
    CHECK_OK(gmtls_mlkem_keygen(GMTLS_MLKEM768, ek, dk, gmtls_rng, NULL));
    memcpy(share, ek, 1184);
    memset(share + 1184, 0, 32);
    CHECK_ERR(k->respond(share, sizeof share, pub, &pl, sec, &sl), GMTLS_ALERT_ILLEGAL_PARAMETER);
}

int main(void)
{
    layout();
    client_hello_shares();
    bad_shares_in_handshake();
    each_group();
    defaults_and_preference();
    return TEST_END("hybrid_test");
}
