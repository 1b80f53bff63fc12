/* TLCP (GB/T 38636-2020) server in memory: a client written here, byte by
 * byte, against the gmtls server with a signing chain and an encryption
 * pair. Positive: ECC_SM4_GCM_SM3 and ECC_SM4_CBC_SM3 to application data
 * both ways, the server flight's shape (version 0x0101 on every record,
 * signing then encryption certificate, the ServerKeyExchange signature over
 * the randoms and the encryption certificate, verified). Negative, each with
 * its exact alert: a tampered ClientKeyExchange and a wrong pre-master
 * version (decrypt_error), a bad Finished (decrypt_error), a bad CBC record
 * and a bad GCM record (bad_record_mac), no TLCP suite in common
 * (handshake_failure), and no TLCP at all without an encryption pair.
 * Client authentication and the ECDHE suites (ECDHE_SM4_GCM_SM3,
 * ECDHE_SM4_CBC_SM3): the TLCP CertificateRequest, the client's signing
 * (and for ECDHE encryption) certificate and SM2 CertificateVerify, the
 * SM2 key exchange, and their refusals: a missing certificate
 * (handshake_failure), a bad CertificateVerify (decrypt_error), no
 * encryption certificate for ECDHE (bad_certificate), the encryption
 * certificate first (bad_certificate: no digitalSignature), a bad ECDHE
 * point or curve (illegal_parameter), both ways where they apply.
 * Session-ID resumption: the abbreviated handshake byte by byte (a bad
 * Finished: decrypt_error), the IDs that get a full handshake (unknown, the
 * suite not offered, expired, evicted, a TLS 1.2 session's, the cache off),
 * and the gmtls client resuming (a resumed suite it did not have:
 * illegal_parameter). The encryption certificate's checks, both ways (the client checking the
 * server's, ECC and ECDHE; the server checking the client's, ECDHE):
 * keyUsage per suite and no certificate signing (bad_certificate), an SM2
 * key (unsupported_certificate), the signing certificate's entity
 * (bad_certificate), its chain: an untrusted CA (unknown_ca), expiry at the
 * config's time (certificate_expired), extendedKeyUsage (bad_certificate);
 * without verification only the key and keyUsage; and the config-time
 * refusals of gmtls_config_set_enc_cert_mem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certgen/certgen.h"
#include "gmtls/sm.h"
#include "handshake/internal.h"
#include "record/rec12.h"
#include "record/record.h"
#include "test.h"
#include "tlstest.h"

#define TLCP_V 0x0101

static int rng(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    return gmtls_random(out, len);
}

/* The PKIs, one per side: a CA, an SM2 signing certificate and an SM2
 * encryption certificate of the same entity (subject, subjectAltName, CA)
 * from the certificate factory. The server's encryption certificate has
 * keyEncipherment, dataEncipherment and keyAgreement; the client's only
 * keyEncipherment and dataEncipherment (GmSSL's PKI, which the ECDHE
 * suites accept). cli_keys is a client config with the client's signing
 * chain and encryption pair, trusting the server's CA. */
static gmtls_cg_chain srv_pki, cli_pki;
static void *srv_enc_key, *cli_enc_key; /* EVP_PKEYs, for the variants */
static char *srv_enc_pem, *srv_enc_key_pem;
static char *cli_ca_pem, *cli_sign_pem, *cli_sign_key_pem;
static gmtls_config *cli_keys;

/* An encryption certificate for the entity of chain (PEM, malloc'd). */
static char *enc_cert_pem(const gmtls_cg_chain *chain, void *key, const gmtls_cg_spec *spec)
{
    void *x = gmtls_cg_make_enc_cert(chain, key, spec);
    char *pem = x != NULL ? gmtls_cg_cert_pem(x) : NULL;
    gmtls_cg_cert_free(x);
    return pem;
}

static void make_pki(void)
{
    static const char *id = "1234567812345678";
    gmtls_cg_spec gmssl_like = {.key_usage = "critical,keyEncipherment,dataEncipherment", .sm2_id = id};
    gmtls_cg_spec srv_spec = {.sm2_id = id};
    if (gmtls_cg_make_chain("SM2", "gmtls tests", "tlcp-server", GMTLS_CG_STYLE_RFC, id, &srv_pki) != 0 ||
        gmtls_cg_make_chain("SM2", "gmtls tests", "tlcp-client", GMTLS_CG_STYLE_RFC, id, &cli_pki) != 0 ||
        (srv_enc_key = gmtls_cg_keygen("SM2")) == NULL || (cli_enc_key = gmtls_cg_keygen("SM2")) == NULL) {
        abort();
    }
    srv_enc_pem = enc_cert_pem(&srv_pki, srv_enc_key, &srv_spec);
    srv_enc_key_pem = gmtls_cg_key_pem(srv_enc_key);
    char *enc_pem = enc_cert_pem(&cli_pki, cli_enc_key, &gmssl_like), *enc_key_pem = gmtls_cg_key_pem(cli_enc_key);
    cli_keys = gmtls_config_new();
    if (srv_enc_pem == NULL || srv_enc_key_pem == NULL || enc_pem == NULL || enc_key_pem == NULL || cli_keys == NULL ||
        gmtls_config_add_ca_mem(cli_keys, srv_pki.ca_pem, strlen(srv_pki.ca_pem)) != 0 ||
        gmtls_config_add_cert_chain_mem(cli_keys, cli_pki.leaf_pem, strlen(cli_pki.leaf_pem), cli_pki.key_pem,
                                        strlen(cli_pki.key_pem)) != 0 ||
        gmtls_config_set_enc_cert_mem(cli_keys, enc_pem, strlen(enc_pem), enc_key_pem, strlen(enc_key_pem)) != 0) {
        abort();
    }
    gmtls_config_set_tlcp_client(cli_keys, 1);
    cli_ca_pem = cli_pki.ca_pem;
    cli_sign_pem = cli_pki.leaf_pem;
    cli_sign_key_pem = cli_pki.key_pem;
    free(enc_pem);
    free(enc_key_pem);
}

static void free_pki(void)
{
    gmtls_config_free(cli_keys);
    gmtls_cg_chain_free(&srv_pki);
    gmtls_cg_chain_free(&cli_pki);
    gmtls_cg_key_free(srv_enc_key);
    gmtls_cg_key_free(cli_enc_key);
    free(srv_enc_pem);
    free(srv_enc_key_pem);
}

/* The server's client authentication mode for the next send_hello (the
 * client's CA trusted when not NONE), and its verification time (0: now). */
static gmtls_client_auth srv_auth = GMTLS_CLIENT_AUTH_NONE;
static int64_t srv_time;

static gmtls_config *tlcp_server(int with_enc)
{
    gmtls_config *cfg = gmtls_config_new();
    if (cfg == NULL ||
        gmtls_config_add_cert_chain_mem(cfg, srv_pki.leaf_pem, strlen(srv_pki.leaf_pem), srv_pki.key_pem,
                                        strlen(srv_pki.key_pem)) != 0 ||
        (with_enc && gmtls_config_set_enc_cert_mem(cfg, srv_enc_pem, strlen(srv_enc_pem), srv_enc_key_pem,
                                                   strlen(srv_enc_key_pem)) != 0)) {
        abort();
    }
    if (srv_auth != GMTLS_CLIENT_AUTH_NONE) {
        gmtls_config_set_client_auth(cfg, srv_auth);
        if (gmtls_config_add_ca_mem(cfg, cli_ca_pem, strlen(cli_ca_pem)) != 0) {
            abort();
        }
    }
    gmtls_config_set_verify_time(cfg, srv_time);
    return cfg;
}

typedef struct {
    gmtls_conn *srv;
    gmtls_config *cfg;
    gmtls_buf out; /* the server's bytes */
    gmtls_buf th;  /* the handshake messages, for the transcript hash */
    uint8_t cr[32], sr[32], master[48], keys[96];
    uint16_t suite;
    gmtls_rec wr, rd; /* the client's record states */
    uint8_t seph[65]; /* ECDHE: the server's ephemeral point */
    int send_cert;    /* the client's Certificate: CERT_* */
    uint8_t sid[32];  /* the session ID of the server's ServerHello */
    size_t sidlen;
} tc;

enum { CERT_NONE, CERT_EMPTY, CERT_SIGN, CERT_DOUBLE, CERT_SWAPPED };

static int is_ecdhe(uint16_t s)
{
    return s == 0xe051 || s == 0xe011;
}

static int buf_append(gmtls_buf *b, const void *p, size_t n)
{
    if (gmtls_buf_reserve(b, n) != 0) {
        return -1;
    }
    memcpy(b->base + b->off, p, n);
    b->off += n;
    return 0;
}

static void put_record(gmtls_buf *b, uint8_t type, const uint8_t *p, size_t n)
{
    uint8_t h[5] = {type, 1, 1, (uint8_t)(n >> 8), (uint8_t)n};
    if (buf_append(b, h, 5) != 0 || buf_append(b, p, n) != 0) {
        abort();
    }
}

static int feed(tc *t, const uint8_t *p, size_t n)
{
    size_t len = n;
    return gmtls_handshake(t->srv, &t->out, p, &len);
}

/* out ends with the plaintext fatal alert record 15 01 01 00 02 02 alert. */
static int ends_with_alert(const gmtls_buf *out, int alert)
{
    const uint8_t want[7] = {0x15, 1, 1, 0, 2, 2, (uint8_t)alert};
    return out->off >= 7 && memcmp(out->base + out->off - 7, want, 7) == 0;
}

/* Sends a ClientHello offering suites[0..n); returns the server's result. */
/* A ClientHello offering suites and session ID sid, to a server on cfg
 * (a new one for NULL; a given one is the caller's to free). */
static int send_hello_sid(tc *t, gmtls_config *cfg, const uint8_t *sid, size_t sidlen, const uint16_t *suites, size_t n,
                          int with_enc)
{
    memset(t, 0, sizeof *t);
    t->cfg = cfg != NULL ? cfg : tlcp_server(with_enc);
    t->srv = gmtls_conn_new(t->cfg, 1);
    gmtls_buf_init(&t->out);
    gmtls_buf_init(&t->th);
    if (gmtls_random(t->cr, 32) != 0) {
        abort();
    }
    /* GB/T 38636-2020 §6.4.5.2.1: client_version {1,1}, random,
     * session_id, cipher_suites, compression_methods; no extensions. */
    uint8_t m[128];
    size_t k = 0;
    m[k++] = 1;
    k += 3;
    m[k++] = 1;
    m[k++] = 1;
    memcpy(m + k, t->cr, 32);
    k += 32;
    m[k++] = (uint8_t)sidlen;
    if (sidlen > 0) {
        memcpy(m + k, sid, sidlen);
        k += sidlen;
    }
    m[k++] = 0;
    m[k++] = (uint8_t)(2 * n);
    for (size_t i = 0; i < n; i++) {
        m[k++] = (uint8_t)(suites[i] >> 8);
        m[k++] = (uint8_t)suites[i];
    }
    m[k++] = 1;
    m[k++] = 0;
    m[1] = 0;
    m[2] = (uint8_t)((k - 4) >> 8);
    m[3] = (uint8_t)(k - 4);
    if (buf_append(&t->th, m, k) != 0) {
        abort();
    }
    gmtls_buf rec;
    gmtls_buf_init(&rec);
    put_record(&rec, GMTLS_CT_HANDSHAKE, m, k);
    int rc = feed(t, rec.base, rec.off);
    gmtls_buf_dispose(&rec);
    if (cfg != NULL) {
        atomic_fetch_add(&cfg->refs, 1); /* for tc_free */
    }
    return rc;
}

static int send_hello(tc *t, const uint16_t *suites, size_t n, int with_enc)
{
    return send_hello_sid(t, NULL, NULL, 0, suites, n, with_enc);
}

static void tc_free(tc *t)
{
    gmtls_conn_free(t->srv);
    gmtls_config_free(t->cfg);
    gmtls_buf_dispose(&t->out);
    gmtls_buf_dispose(&t->th);
    gmtls_rec_dispose(&t->wr);
    gmtls_rec_dispose(&t->rd);
}

/* Reads the server's first flight: four plaintext records of version
 * 0x0101, one message each; checks their contents. */
static void read_flight(tc *t, uint16_t want_suite)
{
    const uint8_t *p = t->out.base;
    size_t left = t->out.off;
    const uint8_t *enc_der = NULL, *params = NULL;
    size_t enc_len = 0, ncerts = 0;
    const uint8_t *sig = NULL;
    size_t siglen = 0;
    int cr = srv_auth != GMTLS_CLIENT_AUTH_NONE, nrec = cr ? 5 : 4;
    for (int i = 0; i < nrec; i++) {
        CHECK(left >= 9 && p[0] == GMTLS_CT_HANDSHAKE && p[1] == 1 && p[2] == 1);
        if (left < 9) {
            return;
        }
        size_t rl = (size_t)p[3] << 8 | p[4];
        const uint8_t *m = p + 5;
        size_t ml = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
        CHECK(rl == 4 + ml && rl + 5 <= left);
        static const uint8_t types[2][5] = {{2, 11, 12, 14}, {2, 11, 12, 13, 14}};
        CHECK(m[0] == types[cr][i]);
        if (buf_append(&t->th, m, 4 + ml) != 0) {
            abort();
        }
        if (i == 0) {
            /* server_version {1,1}, random, session_id (a new 32-byte one:
             * the cache is on by default), suite, null */
            CHECK(ml == 38 + 32 && m[4] == 1 && m[5] == 1 && m[38] == 32);
            memcpy(t->sr, m + 6, 32);
            memcpy(t->sid, m + 39, 32);
            t->sidlen = 32;
            t->suite = (uint16_t)(m[71] << 8 | m[72]);
            CHECK(t->suite == want_suite && m[73] == 0);
        } else if (i == 1) {
            gmtls_rd r, list, cert;
            gmtls_rd_init(&r, m + 4, ml);
            CHECK(gmtls_rd_vec(&r, 3, 1, 0xffffff, &list) == 0 && gmtls_rd_done(&r) == 0);
            while (gmtls_rd_left(&list) > 0 && gmtls_rd_vec(&list, 3, 1, 0xffffff, &cert) == 0) {
                if (++ncerts == 2) {
                    enc_der = cert.p;
                    enc_len = gmtls_rd_left(&cert);
                }
            }
        } else if (i == 2) {
            gmtls_rd r, s;
            gmtls_rd_init(&r, m + 4, ml);
            if (is_ecdhe(want_suite)) {
                /* ServerECDHEParams: named_curve (3), curveSM2 (0x0029), 65-byte point */
                params = r.p;
                CHECK(gmtls_rd_left(&r) > 69 && memcmp(params, "\x03\x00\x29\x41\x04", 5) == 0);
                memcpy(t->seph, params + 4, 65);
                (void)gmtls_rd_bytes(&r, 69);
            }
            CHECK(gmtls_rd_vec(&r, 2, 1, 0xffff, &s) == 0 && gmtls_rd_done(&r) == 0);
            sig = s.p;
            siglen = gmtls_rd_left(&s);
        } else if (i == 3 && cr) {
            /* GB/T 38636-2020 §6.4.5.5: certificate_types {ecdsa_sign},
             * certificate_authorities (the client's CA), nothing else */
            gmtls_rd r, ctypes, cas;
            gmtls_rd_init(&r, m + 4, ml);
            CHECK(gmtls_rd_vec(&r, 1, 1, 255, &ctypes) == 0 && gmtls_rd_left(&ctypes) == 1 && ctypes.p[0] == 64);
            CHECK(gmtls_rd_vec(&r, 2, 1, 0xffff, &cas) == 0 && gmtls_rd_done(&r) == 0);
        }
        p += 5 + rl;
        left -= 5 + rl;
    }
    CHECK(left == 0);
    /* GB/T 38636-2020 §6.4.5.3: the signing certificate, then the encryption one. */
    CHECK(ncerts == 2);
    const gmtls_cert *enc = &t->cfg->enc_cert;
    CHECK(enc_der != NULL && enc_len == enc->derlen[0] && memcmp(enc_der, enc->der[0], enc_len) == 0);
    /* §6.4.5.4 (ECDHE): SM2 (default ID) over the randoms + ServerECDHEParams. */
    if (params != NULL && sig != NULL) {
        uint8_t tbs[64 + 69];
        memcpy(tbs, t->cr, 32);
        memcpy(tbs + 32, t->sr, 32);
        memcpy(tbs + 64, params, 69);
        CHECK(gmtls_sm2_verify(&t->cfg->certs[0].key.sm2pub, (const uint8_t *)GMTLS_SM2_DEFAULT_ID,
                               GMTLS_SM2_DEFAULT_ID_LEN, tbs, sizeof tbs, sig, siglen) == 0);
    }
    /* §6.4.5.4 (ECC): SM2 (default ID) over client_random + server_random + ASN.1Cert(enc). */
    if (params == NULL && enc_der != NULL && sig != NULL) {
        size_t tl = 67 + enc_len;
        uint8_t *tbs = malloc(tl);
        memcpy(tbs, t->cr, 32);
        memcpy(tbs + 32, t->sr, 32);
        tbs[64] = (uint8_t)(enc_len >> 16);
        tbs[65] = (uint8_t)(enc_len >> 8);
        tbs[66] = (uint8_t)enc_len;
        memcpy(tbs + 67, enc_der, enc_len);
        const gmtls_pkey *sk = &t->cfg->certs[0].key;
        CHECK(gmtls_sm2_verify(&sk->sm2pub, (const uint8_t *)GMTLS_SM2_DEFAULT_ID, GMTLS_SM2_DEFAULT_ID_LEN, tbs, tl,
                               sig, siglen) == 0);
        free(tbs);
    }
    gmtls_buf_consume(&t->out, t->out.off);
}

static void th_hash(tc *t, uint8_t h[32])
{
    gmtls_sm3(t->th.base, t->th.off, h);
}

/* Installs the client's keys for one direction (is_write: client -> server). */
static void client_keys(tc *t, int is_write)
{
    const gmtls_suite *s = gmtls_tlcp_suite_by_id(t->suite);
    gmtls_rec *r = is_write ? &t->wr : &t->rd;
    if (s->aead == NULL) {
        if (gmtls_rec_set_keys_cbc(r, s, t->keys + (is_write ? 0 : 32), t->keys + 64 + (is_write ? 0 : 16), TLCP_V)) {
            abort();
        }
    } else if (gmtls_rec_set_keys12(r, s, is_write, t->keys + (is_write ? 0 : 16), t->keys + 32 + (is_write ? 0 : 4),
                                    TLCP_V) != 0) {
        abort();
    }
}

enum { BAD_NONE, BAD_CKE, BAD_PMS_VERSION, BAD_FINISHED, BAD_RECORD, BAD_CV, BAD_POINT, BAD_CURVE };

/* One handshake message into rec (a record of its own) and the transcript. */
static void put_hs(tc *t, gmtls_buf *rec, const uint8_t *m, size_t n)
{
    if (buf_append(&t->th, m, n) != 0) {
        abort();
    }
    put_record(rec, GMTLS_CT_HANDSHAKE, m, n);
}

static const uint8_t *enc_override;
static size_t enc_override_len;

/* The client's Certificate as t->send_cert says (GB/T 38636-2020 §6.4.5.7:
 * signing certificate, then for ECDHE the encryption certificate). */
static void put_client_cert(tc *t, gmtls_buf *rec)
{
    if (t->send_cert == CERT_NONE) {
        return;
    }
    const gmtls_cert *s = &cli_keys->certs[0], *e = &cli_keys->enc_cert;
    const uint8_t *der[2];
    size_t derlen[2];
    const gmtls_cert *order[2] = {t->send_cert == CERT_SWAPPED ? e : s, t->send_cert == CERT_SWAPPED ? s : e};
    size_t n = t->send_cert == CERT_EMPTY ? 0 : t->send_cert == CERT_SIGN ? 1 : 2;
    gmtls_buf b;
    gmtls_wr w;
    gmtls_buf_init(&b);
    gmtls_wr_init(&w, &b);
    gmtls_wr_u8(&w, GMTLS_HS_CERTIFICATE);
    gmtls_wr_open(&w, 3);
    gmtls_wr_open(&w, 3);
    for (size_t i = 0; i < n; i++) {
        /* enc_override: another encryption certificate (the key stays) */
        int over = order[i] == e && enc_override != NULL;
        der[i] = over ? enc_override : order[i]->der[0];
        derlen[i] = over ? enc_override_len : order[i]->derlen[0];
        gmtls_wr_open(&w, 3);
        gmtls_wr_bytes(&w, der[i], derlen[i]);
        gmtls_wr_close(&w);
    }
    gmtls_wr_close(&w);
    gmtls_wr_close(&w);
    if (gmtls_wr_finish(&w) != 0) {
        abort();
    }
    put_hs(t, rec, b.base, b.off);
    gmtls_buf_dispose(&b);
}

/* ClientKeyExchange body (opaque<0..2^16-1>) and the pre-master secret:
 * ECC: the SM2-encrypted pre-master; ECDHE: ClientECDHEParams and K of the
 * SM2 key exchange, the client as responder. */
static size_t client_kex(tc *t, int bad, uint8_t pms[48], uint8_t *ct, size_t cap)
{
    size_t ctlen = 0;
    if (is_ecdhe(t->suite)) {
        gmtls_sm2_key eph;
        gmtls_sm2_pubkey seph;
        if (gmtls_sm2_keygen_ecdh(&eph, rng, NULL) != 0 || gmtls_sm2_pubkey_from_bytes_ecdh(&seph, t->seph, 65) != 0 ||
            gmtls_sm2_kex(0, cli_keys->enc_cert.key.sm2, &eph, NULL, 0, &t->cfg->enc_cert.key.sm2pub, &seph, NULL, 0,
                          pms, 48, NULL, NULL) != 0) {
            abort();
        }
        memcpy(ct, "\x03\x00\x29\x41", 4);
        gmtls_sm2_pubkey_to_bytes(&eph.pub, ct + 4);
        if (bad == BAD_CURVE) {
            ct[2] = 0x17; /* secp256r1 */
        } else if (bad == BAD_POINT) {
            ct[68] ^= 1; /* y: off the curve */
        }
        gmtls_sm2_key_clear(&eph);
        return 69;
    }
    pms[0] = 1;
    pms[1] = bad == BAD_PMS_VERSION ? 3 : 1;
    if (gmtls_random(pms + 2, 46) != 0 ||
        gmtls_sm2_encrypt(&t->cfg->enc_cert.key.sm2pub, GMTLS_SM2_ENC_DER, pms, 48, rng, NULL, ct, cap, &ctlen) != 0) {
        abort();
    }
    if (bad == BAD_CKE) {
        ct[ctlen - 10] ^= 1; /* inside C2: C3 no longer matches */
    }
    return ctlen;
}

/* [Certificate], ClientKeyExchange, [CertificateVerify],
 * change_cipher_spec, Finished (one spoiled per `bad`); returns the
 * server's result. */
static int send_second_flight(tc *t, int bad)
{
    uint8_t pms[48], ct[256];
    gmtls_buf rec;
    gmtls_buf_init(&rec);
    put_client_cert(t, &rec);
    size_t ctlen = client_kex(t, bad, pms, ct, sizeof ct);
    uint8_t m[4 + 2 + 256];
    m[0] = 16;
    m[1] = 0;
    m[2] = (uint8_t)((ctlen + 2) >> 8);
    m[3] = (uint8_t)(ctlen + 2);
    m[4] = (uint8_t)(ctlen >> 8);
    m[5] = (uint8_t)ctlen;
    memcpy(m + 6, ct, ctlen);
    put_hs(t, &rec, m, 6 + ctlen);
    if (t->send_cert >= CERT_SIGN) {
        /* GB/T 38636-2020 §6.4.5.9 (GmSSL's form): SM2 with the default ID
         * over the handshake messages so far, opaque<0..2^16-1>. */
        uint8_t cv[4 + 2 + GMTLS_SM2_MAX_DER_SIG_LEN];
        size_t siglen = 0;
        t->th.base[t->th.off - 1] ^= bad == BAD_CV; /* sign other bytes */
        if (gmtls_sm2_sign(cli_keys->certs[0].key.sm2, (const uint8_t *)GMTLS_SM2_DEFAULT_ID, GMTLS_SM2_DEFAULT_ID_LEN,
                           t->th.base, t->th.off, rng, NULL, cv + 6, &siglen) != 0) {
            abort();
        }
        t->th.base[t->th.off - 1] ^= bad == BAD_CV;
        cv[0] = 15;
        cv[1] = 0;
        cv[2] = 0;
        cv[3] = (uint8_t)(siglen + 2);
        cv[4] = 0;
        cv[5] = (uint8_t)siglen;
        put_hs(t, &rec, cv, 6 + siglen);
    }
    const gmtls_hash_alg *h = &gmtls_hash_sm3;
    if (gmtls_prf12(h, pms, 48, "master secret", t->cr, 32, t->sr, 32, t->master, 48) != 0 ||
        gmtls_key_block12(h, t->master, t->cr, t->sr, t->keys,
                          gmtls_tlcp_suite_by_id(t->suite)->aead == NULL ? 96 : 40) != 0) {
        abort();
    }
    static const uint8_t one = 1;
    put_record(&rec, GMTLS_CT_CHANGE_CIPHER_SPEC, &one, 1);
    client_keys(t, 1);
    uint8_t fin[16] = {20, 0, 0, 12}, th[32];
    th_hash(t, th);
    if (gmtls_finished12(h, t->master, 0, th, fin + 4) != 0) {
        abort();
    }
    if (bad == BAD_FINISHED) {
        fin[9] ^= 0x80;
    }
    if (buf_append(&t->th, fin, 16) != 0) {
        abort();
    }
    if (gmtls_rec_write(&t->wr, &rec, GMTLS_CT_HANDSHAKE, fin, 16, 0) != 0) {
        abort();
    }
    if (bad == BAD_RECORD) {
        rec.base[rec.off - 1] ^= 1; /* the CBC padding / the GCM tag */
    }
    int rc = feed(t, rec.base, rec.off);
    gmtls_buf_dispose(&rec);
    return rc;
}

static void test_handshake(uint16_t suite, int cert)
{
    tc t;
    uint16_t offer[2] = {suite, 0x00ff};
    CHECK_ERR(send_hello(&t, offer, 2, 1), GMTLS_ERR_WANT_READ);
    read_flight(&t, suite);
    t.send_cert = cert;
    CHECK_OK(send_second_flight(&t, BAD_NONE));
    CHECK(gmtls_conn_handshake_done(t.srv));
    CHECK(gmtls_conn_version(t.srv) == GMTLS_VERSION_TLCP && gmtls_conn_cipher_suite(t.srv) == suite);
    /* the client's signing certificate is the peer's; ECDHE names curveSM2 */
    const char *subj = gmtls_conn_peer_subject(t.srv);
    CHECK(cert >= CERT_SIGN ? subj != NULL && strstr(subj, "tlcp-client") != NULL : subj == NULL);
    CHECK(gmtls_conn_group(t.srv) == (is_ecdhe(suite) ? GMTLS_GROUP_CURVESM2 : 0));
    /* the server's change_cipher_spec (plaintext, 0x0101) and Finished */
    static const uint8_t ccs[6] = {20, 1, 1, 0, 1, 1};
    CHECK(t.out.off > 6 && memcmp(t.out.base, ccs, 6) == 0);
    client_keys(&t, 0);
    uint8_t type = 0, *payload = NULL, th[32], want[12];
    size_t len = 0;
    th_hash(&t, th);
    CHECK_OK(gmtls_finished12(&gmtls_hash_sm3, t.master, 1, th, want));
    CHECK(t.out.base[6] == GMTLS_CT_HANDSHAKE && t.out.base[7] == 1 && t.out.base[8] == 1);
    CHECK_OK(gmtls_rec_open(&t.rd, t.out.base + 6, t.out.off - 6, &type, &payload, &len));
    CHECK(type == GMTLS_CT_HANDSHAKE && len == 16 && payload[0] == 20 && memcmp(payload + 4, want, 12) == 0);
    gmtls_buf_consume(&t.out, t.out.off);
    /* application data both ways */
    gmtls_buf rec, app;
    gmtls_buf_init(&rec);
    gmtls_buf_init(&app);
    /* two records, longer than the CBC IV (the plaintext moves in place) */
    static uint8_t big[1000];
    for (size_t i = 0; i < sizeof big; i++) {
        big[i] = (uint8_t)(i * 7 + 1);
    }
    CHECK_OK(gmtls_rec_write(&t.wr, &rec, GMTLS_CT_APPLICATION_DATA, big, sizeof big, 0));
    CHECK_OK(gmtls_rec_write(&t.wr, &rec, GMTLS_CT_APPLICATION_DATA, (const uint8_t *)"ping", 4, 0));
    size_t n = rec.off;
    CHECK_OK(gmtls_receive(t.srv, &t.out, &app, rec.base, &n));
    CHECK(n == rec.off && app.off == sizeof big + 4 && memcmp(app.base, big, sizeof big) == 0 &&
          memcmp(app.base + sizeof big, "ping", 4) == 0);
    CHECK_OK(gmtls_send(t.srv, &t.out, (const uint8_t *)"pong", 4));
    CHECK(t.out.off > 5 && t.out.base[0] == GMTLS_CT_APPLICATION_DATA && t.out.base[1] == 1 && t.out.base[2] == 1);
    CHECK_OK(gmtls_rec_open(&t.rd, t.out.base, t.out.off, &type, &payload, &len));
    CHECK(type == GMTLS_CT_APPLICATION_DATA && len == 4 && memcmp(payload, "pong", 4) == 0);
    gmtls_buf_dispose(&rec);
    gmtls_buf_dispose(&app);
    tc_free(&t);
}

/* The server refuses the client's second flight with alert (and, when
 * why is not NULL, a reason containing it). */
static void test_bad_why(uint16_t suite, int cert, int bad, int alert, const char *why)
{
    tc t;
    CHECK_ERR(send_hello(&t, &suite, 1, 1), GMTLS_ERR_WANT_READ);
    read_flight(&t, suite);
    t.send_cert = cert;
    CHECK_ERR(send_second_flight(&t, bad), alert);
    CHECK(ends_with_alert(&t.out, alert));
    const char *detail = gmtls_conn_error_detail(t.srv);
    CHECK(why == NULL || (detail != NULL && strstr(detail, why) != NULL));
    CHECK(!gmtls_conn_handshake_done(t.srv));
    tc_free(&t);
}

static void test_bad(uint16_t suite, int cert, int bad, int alert)
{
    test_bad_why(suite, cert, bad, alert, NULL);
}

static void test_negative(void)
{
    for (int i = 0; i < 2; i++) {
        uint16_t s = i == 0 ? 0xe053 : 0xe013;
        /* GB/T 38636-2020 §6.4.5.8 / GmSSL: an undecryptable pre-master
         * secret, or one without client_version {1,1} -> decrypt_error. */
        test_bad(s, CERT_NONE, BAD_CKE, GMTLS_ALERT_DECRYPT_ERROR);
        test_bad(s, CERT_NONE, BAD_PMS_VERSION, GMTLS_ALERT_DECRYPT_ERROR);
        /* RFC 5246 §7.4.9 (GB/T 38636-2020 §6.4.5.10): a wrong verify_data -> decrypt_error. */
        test_bad(s, CERT_NONE, BAD_FINISHED, GMTLS_ALERT_DECRYPT_ERROR);
        /* §6.3 / RFC 5246 §6.2.3.2, §6.2.3.3: bad padding or MAC, bad tag -> bad_record_mac. */
        test_bad(s, CERT_NONE, BAD_RECORD, GMTLS_ALERT_BAD_RECORD_MAC);
    }
    /* RFC 5246 §7.4.1.3: no TLCP suite in common -> handshake_failure. */
    tc t;
    uint16_t tls12 = 0xc02b;
    CHECK_ERR(send_hello(&t, &tls12, 1, 1), GMTLS_ALERT_HANDSHAKE_FAILURE);
    CHECK(ends_with_alert(&t.out, GMTLS_ALERT_HANDSHAKE_FAILURE));
    tc_free(&t);
    /* Without an encryption pair a record of version 0x0101 is not TLS. */
    uint16_t gcm = 0xe053;
    CHECK_ERR(send_hello(&t, &gcm, 1, 0), GMTLS_ERR_NOT_TLS);
    tc_free(&t);
    /* A server that asks for no client certificate never chooses ECDHE
     * (the suite needs the client's encryption certificate). */
    uint16_t ecdhe[2] = {0xe051, 0xe011};
    CHECK_ERR(send_hello(&t, ecdhe, 2, 1), GMTLS_ALERT_HANDSHAKE_FAILURE);
    CHECK(ends_with_alert(&t.out, GMTLS_ALERT_HANDSHAKE_FAILURE));
    tc_free(&t);
}

/* The server with client authentication: the hand-written client sends
 * its certificates and CertificateVerify; the ECDHE suites. */
static void test_server_auth(void)
{
    tc t;
    srv_auth = GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY;
    for (int i = 0; i < 2; i++) {
        uint16_t ecc = i == 0 ? 0xe053 : 0xe013, ecdhe = i == 0 ? 0xe051 : 0xe011;
        test_handshake(ecc, CERT_SIGN);
        test_handshake(ecdhe, CERT_DOUBLE);
        /* RFC 5246 §7.4.6: a required certificate missing -> handshake_failure */
        test_bad_why(ecc, CERT_EMPTY, BAD_NONE, GMTLS_ALERT_HANDSHAKE_FAILURE, "no certificate");
        /* GB/T 38636-2020 §6.4.5.9, RFC 5246 §7.2.2: a bad CertificateVerify -> decrypt_error */
        test_bad_why(ecc, CERT_SIGN, BAD_CV, GMTLS_ALERT_DECRYPT_ERROR, "CertificateVerify");
        test_bad_why(ecdhe, CERT_DOUBLE, BAD_CV, GMTLS_ALERT_DECRYPT_ERROR, "CertificateVerify");
        /* ECDHE without the client's encryption certificate -> bad_certificate */
        test_bad_why(ecdhe, CERT_SIGN, BAD_NONE, GMTLS_ALERT_BAD_CERTIFICATE, "no encryption certificate");
        /* encryption certificate first: its keyUsage (keyEncipherment,
         * dataEncipherment) has no digitalSignature -> bad_certificate */
        test_bad_why(ecdhe, CERT_SWAPPED, BAD_NONE, GMTLS_ALERT_BAD_CERTIFICATE, "key usage");
        /* ClientECDHEParams: a point off the curve, another curve -> illegal_parameter */
        test_bad_why(ecdhe, CERT_DOUBLE, BAD_POINT, GMTLS_ALERT_ILLEGAL_PARAMETER, "invalid SM2 point");
        test_bad_why(ecdhe, CERT_DOUBLE, BAD_CURVE, GMTLS_ALERT_ILLEGAL_PARAMETER, "curve 0x0017");
        /* a bad Finished and a bad record under ECDHE keys */
        test_bad(ecdhe, CERT_DOUBLE, BAD_FINISHED, GMTLS_ALERT_DECRYPT_ERROR);
        test_bad(ecdhe, CERT_DOUBLE, BAD_RECORD, GMTLS_ALERT_BAD_RECORD_MAC);
    }
    /* our preference: ECDHE, GCM first, whatever the client's order */
    uint16_t all[4] = {0xe013, 0xe053, 0xe011, 0xe051};
    CHECK_ERR(send_hello(&t, all, 4, 1), GMTLS_ERR_WANT_READ);
    read_flight(&t, 0xe051);
    tc_free(&t);
    /* request (not required): an empty Certificate is accepted for ECC ... */
    srv_auth = GMTLS_CLIENT_AUTH_REQUEST;
    test_handshake(0xe053, CERT_EMPTY);
    /* ... but ECDHE cannot go on without it -> handshake_failure */
    test_bad_why(0xe051, CERT_EMPTY, BAD_NONE, GMTLS_ALERT_HANDSHAKE_FAILURE, "ECDHE");
    srv_auth = GMTLS_CLIENT_AUTH_NONE;
}

/* ================================================================ client */

static int client_step(tt_pair *p)
{
    size_t n = p->s2c.off;
    int rc = gmtls_handshake(p->cli, &p->c2s, p->s2c.base, &n);
    gmtls_buf_consume(&p->s2c, n);
    return rc;
}

static int server_step(tt_pair *p)
{
    size_t n = p->c2s.off;
    int rc = gmtls_handshake(p->srv, &p->s2c, p->c2s.base, &n);
    gmtls_buf_consume(&p->c2s, n);
    return rc;
}

/* Offset and length of the i-th record in b, or -1. */
static long rec_at(const gmtls_buf *b, int i, size_t *len)
{
    size_t off = 0;
    for (int k = 0; off + 5 <= b->off; k++) {
        size_t l = 5 + ((size_t)b->base[off + 3] << 8 | b->base[off + 4]);
        if (k == i) {
            *len = l;
            return (long)off;
        }
        off += l;
    }
    return -1;
}

static gmtls_config *tlcp_client(void)
{
    gmtls_config *c = gmtls_config_new();
    if (c == NULL || gmtls_config_add_ca_mem(c, srv_pki.ca_pem, strlen(srv_pki.ca_pem)) != 0) {
        abort();
    }
    gmtls_config_set_tlcp_client(c, 1);
    return c;
}

/* gmtls client --tlcp against the gmtls server: ClientHello of version
 * 0x0101 offering the TLCP suites only, the server's choice (GCM), data
 * both ways; then the client's refusals with their exact alerts. */
static void test_client(void)
{
    gmtls_config *c = tlcp_client(), *s = tlcp_server(1);
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
    /* the ClientHello record: 16 01 01, client_version 01 01, suites E053 E013 */
    static const uint8_t suites[] = {0x00, 0x04, 0xe0, 0x53, 0xe0, 0x13, 0x01, 0x00};
    CHECK(p.c2s.off > 11 && p.c2s.base[0] == 22 && p.c2s.base[1] == 1 && p.c2s.base[2] == 1 && p.c2s.base[9] == 1 &&
          p.c2s.base[10] == 1);
    CHECK(p.c2s.off == 5 + 4 + 2 + 32 + 1 + sizeof suites &&
          memcmp(p.c2s.base + p.c2s.off - sizeof suites, suites, sizeof suites) == 0);
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_version(p.cli) == GMTLS_VERSION_TLCP && gmtls_conn_cipher_suite(p.cli) == 0xe053);
    CHECK(gmtls_conn_sigalg(p.cli) == 0x0708 && gmtls_conn_sigalg(p.srv) == 0x0708);
    CHECK_OK(tt_send(&p, 1, "abc", 3));
    CHECK(p.srv_app.off == 3 && memcmp(p.srv_app.base, "abc", 3) == 0);
    CHECK_OK(tt_send(&p, 0, "defg", 4));
    CHECK(p.cli_app.off == 4 && memcmp(p.cli_app.base, "defg", 4) == 0);
    tt_pair_free(&p);

    /* records: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone */
    for (int what = 0; what < 3; what++) {
        size_t rl = 0;
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
        CHECK_ERR(server_step(&p), GMTLS_ERR_WANT_READ);
        int alert;
        if (what == 0) {
            /* RFC 5246 §7.2.2 (GB/T 38636-2020 the same): a bad signature -> decrypt_error */
            long off = rec_at(&p.s2c, 2, &rl);
            CHECK(off > 0 && p.s2c.base[off + 5] == 12);
            p.s2c.base[off + rl - 10] ^= 0x40;
            alert = GMTLS_ALERT_DECRYPT_ERROR;
        } else if (what == 1) {
            /* GB/T 38636-2020 §6.4.5.2.2: server_version {1,1}; another -> protocol_version */
            long off = rec_at(&p.s2c, 0, &rl);
            CHECK(off == 0 && p.s2c.base[5] == 2 && p.s2c.base[9] == 1);
            p.s2c.base[10] = 3;
            alert = GMTLS_ALERT_PROTOCOL_VERSION;
        } else {
            /* a suite we did not offer (0xe051) -> illegal_parameter */
            long off = rec_at(&p.s2c, 0, &rl);
            CHECK(off == 0 && p.s2c.base[5 + 4 + 2 + 32 + 1 + 32] == 0xe0);
            p.s2c.base[5 + 4 + 2 + 32 + 2 + 32] = 0x51;
            alert = GMTLS_ALERT_ILLEGAL_PARAMETER;
        }
        CHECK_ERR(client_step(&p), alert);
        const uint8_t want[7] = {0x15, 1, 1, 0, 2, 2, (uint8_t)alert};
        CHECK(p.c2s.off >= 7 && memcmp(p.c2s.base + p.c2s.off - 7, want, 7) == 0);
        tt_pair_free(&p);
    }
    gmtls_config_free(c);
    gmtls_config_free(s);
}

/* Spoils the server's flight in s2c (records: ServerHello, Certificate,
 * ServerKeyExchange, CertificateRequest, ServerHelloDone) and expects the
 * client's alert. */
static void client_refuses(gmtls_config *s, int what, int alert)
{
    tt_pair p;
    size_t rl = 0;
    CHECK_OK(tt_pair_new(&p, cli_keys, s, "localhost"));
    CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
    CHECK_ERR(server_step(&p), GMTLS_ERR_WANT_READ);
    long ske = rec_at(&p.s2c, 2, &rl);
    CHECK(ske > 0 && p.s2c.base[ske + 5] == 12 && p.s2c.base[ske + 9] == 3);
    if (ske > 0 && what == 0) {
        p.s2c.base[ske + 9 + 2] = 0x17; /* ServerECDHEParams on secp256r1 */
    } else if (ske > 0 && what == 1) {
        p.s2c.base[ske + 9 + 68] ^= 1; /* the point's y: off the curve */
    } else {
        long cr = rec_at(&p.s2c, 3, &rl); /* no CertificateRequest */
        CHECK(cr > 0 && p.s2c.base[cr + 5] == 13);
        if (cr > 0) {
            memmove(p.s2c.base + cr, p.s2c.base + cr + rl, p.s2c.off - (size_t)cr - rl);
            p.s2c.off -= rl;
        }
    }
    CHECK_ERR(client_step(&p), alert);
    const uint8_t want[7] = {0x15, 1, 1, 0, 2, 2, (uint8_t)alert};
    CHECK(p.c2s.off >= 7 && memcmp(p.c2s.base + p.c2s.off - 7, want, 7) == 0);
    tt_pair_free(&p);
}

/* gmtls client --tlcp with certificates against the gmtls server asking
 * for them: ECDHE with the double chain, ECC with a signing chain only,
 * an empty Certificate without one; the client's ECDHE refusals. */
static void test_client_auth(void)
{
    tt_pair p;
    srv_auth = GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY;
    gmtls_config *s = tlcp_server(1);
    CHECK_OK(tt_pair_new(&p, cli_keys, s, "localhost"));
    CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
    /* with an encryption pair the client offers ECDHE first */
    static const uint8_t suites[] = {0x00, 0x08, 0xe0, 0x51, 0xe0, 0x11, 0xe0, 0x53, 0xe0, 0x13, 0x01, 0x00};
    CHECK(p.c2s.off > sizeof suites && memcmp(p.c2s.base + p.c2s.off - sizeof suites, suites, sizeof suites) == 0);
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_cipher_suite(p.cli) == 0xe051 && gmtls_conn_cipher_suite(p.srv) == 0xe051);
    CHECK(gmtls_conn_group(p.cli) == GMTLS_GROUP_CURVESM2 && gmtls_conn_group(p.srv) == GMTLS_GROUP_CURVESM2);
    const char *subj = gmtls_conn_peer_subject(p.srv);
    CHECK(subj != NULL && strstr(subj, "tlcp-client") != NULL);
    CHECK(strcmp(gmtls_conn_verify_result(p.srv), "ok") == 0);
    CHECK_OK(tt_send(&p, 1, "abc", 3));
    CHECK(p.srv_app.off == 3 && memcmp(p.srv_app.base, "abc", 3) == 0);
    CHECK_OK(tt_send(&p, 0, "defg", 4));
    CHECK(p.cli_app.off == 4 && memcmp(p.cli_app.base, "defg", 4) == 0);
    tt_pair_free(&p);

    /* a signing chain only: ECC (ECDHE not offered), authenticated */
    gmtls_config *c = tlcp_client();
    CHECK_OK(gmtls_config_add_cert_chain_mem(c, cli_sign_pem, strlen(cli_sign_pem), cli_sign_key_pem,
                                             strlen(cli_sign_key_pem)));
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_cipher_suite(p.srv) == 0xe053 && gmtls_conn_group(p.srv) == 0);
    subj = gmtls_conn_peer_subject(p.srv);
    CHECK(subj != NULL && strstr(subj, "tlcp-client") != NULL);
    tt_pair_free(&p);
    gmtls_config_free(c);

    /* no certificate: an empty Certificate; required -> handshake_failure */
    c = tlcp_client();
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
    CHECK_ERR(server_step(&p), GMTLS_ERR_WANT_READ);
    CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
    static const uint8_t empty[] = {22, 1, 1, 0, 7, 11, 0, 0, 3, 0, 0, 0};
    CHECK(p.c2s.off > sizeof empty && memcmp(p.c2s.base, empty, sizeof empty) == 0);
    CHECK_ERR(server_step(&p), GMTLS_ALERT_HANDSHAKE_FAILURE);
    tt_pair_free(&p);
    gmtls_config_free(c);

    /* GB/T 38636-2020 §6.4.5.4: ServerECDHEParams on another curve or with
     * a point off the curve -> illegal_parameter; an ECDHE server without
     * CertificateRequest -> handshake_failure (GmSSL's choice) */
    client_refuses(s, 0, GMTLS_ALERT_ILLEGAL_PARAMETER);
    client_refuses(s, 1, GMTLS_ALERT_ILLEGAL_PARAMETER);
    client_refuses(s, 2, GMTLS_ALERT_HANDSHAKE_FAILURE);
    gmtls_config_free(s);
    srv_auth = GMTLS_CLIENT_AUTH_NONE;
}

/* ================================================================ resumption */

/* The client's change_cipher_spec and Finished (spoiled when bad) after
 * the server's in an abbreviated handshake; returns the server's result. */
static int send_ccs_finished(tc *t, int bad)
{
    gmtls_buf rec;
    gmtls_buf_init(&rec);
    static const uint8_t one = 1;
    put_record(&rec, GMTLS_CT_CHANGE_CIPHER_SPEC, &one, 1);
    client_keys(t, 1);
    uint8_t fin[16] = {20, 0, 0, 12}, th[32];
    th_hash(t, th);
    if (gmtls_finished12(&gmtls_hash_sm3, t->master, 0, th, fin + 4) != 0) {
        abort();
    }
    fin[9] ^= bad ? 0x80 : 0;
    if (gmtls_rec_write(&t->wr, &rec, GMTLS_CT_HANDSHAKE, fin, 16, 0) != 0) {
        abort();
    }
    int rc = feed(t, rec.base, rec.off);
    gmtls_buf_dispose(&rec);
    return rc;
}

/* A full handshake on cfg with suite; its session ID and master secret. */
static void full_session(gmtls_config *cfg, uint16_t suite, uint8_t sid[32], uint8_t master[48])
{
    tc t;
    CHECK_ERR(send_hello_sid(&t, cfg, NULL, 0, &suite, 1, 1), GMTLS_ERR_WANT_READ);
    read_flight(&t, suite);
    CHECK_OK(send_second_flight(&t, BAD_NONE));
    CHECK(gmtls_conn_handshake_done(t.srv) && !gmtls_conn_is_resumed(t.srv));
    memcpy(sid, t.sid, 32);
    /* gmtls_conn_session_id: the ID our ServerHello issued */
    size_t idlen = 0;
    const uint8_t *id = gmtls_conn_session_id(t.srv, &idlen);
    CHECK(id != NULL && idlen == 32 && memcmp(id, sid, 32) == 0);
    memcpy(master, t.master, 48);
    tc_free(&t);
}

/* The server's answer to a ClientHello offering sid: the abbreviated
 * flight (GB/T 38636-2020 §6.4.4, RFC 5246 §7.3: ServerHello echoing the
 * ID with the session's suite, change_cipher_spec, Finished), checked byte
 * by byte; then our change_cipher_spec and Finished (bad: a wrong one). */
static void resume_bytes(gmtls_config *cfg, const uint8_t sid[32], const uint8_t master[48], uint16_t suite, int bad)
{
    tc t;
    uint16_t offer[2] = {0xe053, 0xe013};
    CHECK_ERR(send_hello_sid(&t, cfg, sid, 32, offer, 2, 1), GMTLS_ERR_WANT_READ);
    const uint8_t *m = t.out.base + 5;
    CHECK(t.out.off > 5 + 74 && t.out.base[0] == GMTLS_CT_HANDSHAKE && t.out.base[3] == 0 && t.out.base[4] == 74);
    if (t.out.off <= 5 + 74) {
        tc_free(&t);
        return;
    }
    CHECK(m[0] == 2 && m[3] == 70 && m[4] == 1 && m[5] == 1 && m[38] == 32 && memcmp(m + 39, sid, 32) == 0);
    size_t idlen = 0;
    const uint8_t *id = gmtls_conn_session_id(t.srv, &idlen);
    CHECK(id != NULL && idlen == 32 && memcmp(id, sid, 32) == 0); /* the resumed session's */
    CHECK((uint16_t)(m[71] << 8 | m[72]) == suite && m[73] == 0);
    memcpy(t.sr, m + 6, 32);
    t.suite = suite;
    memcpy(t.master, master, 48);
    if (buf_append(&t.th, m, 74) != 0 ||
        gmtls_key_block12(&gmtls_hash_sm3, t.master, t.cr, t.sr, t.keys,
                          gmtls_tlcp_suite_by_id(suite)->aead == NULL ? 96 : 40) != 0) {
        abort();
    }
    gmtls_buf_consume(&t.out, 5 + 74);
    static const uint8_t ccs[6] = {20, 1, 1, 0, 1, 1};
    CHECK(t.out.off > 6 && memcmp(t.out.base, ccs, 6) == 0);
    client_keys(&t, 0);
    uint8_t type = 0, *payload = NULL, th[32], want[12];
    size_t len = 0;
    th_hash(&t, th);
    CHECK_OK(gmtls_finished12(&gmtls_hash_sm3, t.master, 1, th, want));
    CHECK_OK(gmtls_rec_open(&t.rd, t.out.base + 6, t.out.off - 6, &type, &payload, &len));
    CHECK(type == GMTLS_CT_HANDSHAKE && len == 16 && payload[0] == 20 && memcmp(payload + 4, want, 12) == 0);
    if (len == 16 && buf_append(&t.th, payload, 16) != 0) {
        abort();
    }
    gmtls_buf_consume(&t.out, t.out.off);
    if (bad) {
        /* RFC 5246 §7.4.9 (GB/T 38636-2020 §6.4.5.10): a wrong verify_data -> decrypt_error. */
        CHECK_ERR(send_ccs_finished(&t, 1), GMTLS_ALERT_DECRYPT_ERROR);
        /* the alert under the server's write keys, in place since its Finished */
        CHECK_OK(gmtls_rec_open(&t.rd, t.out.base, t.out.off, &type, &payload, &len));
        CHECK(type == GMTLS_CT_ALERT && len == 2 && payload[0] == 2 && payload[1] == GMTLS_ALERT_DECRYPT_ERROR);
        CHECK(!gmtls_conn_handshake_done(t.srv));
    } else {
        CHECK_OK(send_ccs_finished(&t, 0));
        CHECK(gmtls_conn_handshake_done(t.srv) && gmtls_conn_is_resumed(t.srv) &&
              gmtls_conn_cipher_suite(t.srv) == suite && t.out.off == 0);
    }
    tc_free(&t);
}

/* A ClientHello offering sid that gets a full handshake: a new session ID
 * (not sid), the four-message flight with suite. */
static void resume_refused(gmtls_config *cfg, const uint8_t *sid, const uint16_t *offer, size_t n, uint16_t suite)
{
    tc t;
    CHECK_ERR(send_hello_sid(&t, cfg, sid, 32, offer, n, 1), GMTLS_ERR_WANT_READ);
    read_flight(&t, suite);
    CHECK(memcmp(t.sid, sid, 32) != 0);
    CHECK_OK(send_second_flight(&t, BAD_NONE));
    CHECK(gmtls_conn_handshake_done(t.srv) && !gmtls_conn_is_resumed(t.srv));
    tc_free(&t);
}

static uint64_t g_now_ms = 1700000000000ull;
static uint64_t test_clock(void *arg)
{
    (void)arg;
    return g_now_ms;
}

/* The server's session cache byte by byte: resumption of both suites,
 * a bad Finished in the abbreviated handshake, and the IDs that get a full
 * handshake (unknown, the suite not offered, expired, evicted, a TLS 1.2
 * session's). */
static void test_resume_server(void)
{
    gmtls_config *cfg = tlcp_server(1);
    gmtls_config_set_clock(cfg, test_clock, NULL);
    uint8_t sid[32], master[48], sid2[32], master2[48];
    full_session(cfg, 0xe053, sid, master);
    resume_bytes(cfg, sid, master, 0xe053, 0);
    resume_bytes(cfg, sid, master, 0xe053, 1);
    resume_bytes(cfg, sid, master, 0xe053, 0); /* an ID resumes again */
    full_session(cfg, 0xe013, sid2, master2);
    resume_bytes(cfg, sid2, master2, 0xe013, 0);
    /* unknown ID -> a full handshake with a new one */
    uint8_t unknown[32];
    memcpy(unknown, sid, 32);
    unknown[31] ^= 1;
    uint16_t both[2] = {0xe053, 0xe013}, cbc = 0xe013;
    resume_refused(cfg, unknown, both, 2, 0xe053);
    /* RFC 5246 §7.4.1.2: the ClientHello must offer the session's suite;
     * without it, a full handshake. */
    resume_refused(cfg, sid, &cbc, 1, 0xe013);
    resume_bytes(cfg, sid, master, 0xe053, 0);
    /* expired: the cache's lifetime (set to 100 s) passed -> a full handshake */
    gmtls_config_set_session_cache(cfg, 16, 100);
    full_session(cfg, 0xe053, sid, master);
    g_now_ms += 100 * 1000;
    resume_bytes(cfg, sid, master, 0xe053, 0);
    g_now_ms += 1000;
    resume_refused(cfg, sid, both, 2, 0xe053);
    /* eviction: a cache of 2 holds the newest two sessions */
    gmtls_config_set_session_cache(cfg, 2, 0);
    uint8_t ids[3][32], ms[3][48];
    for (int i = 0; i < 3; i++) {
        full_session(cfg, 0xe053, ids[i], ms[i]);
    }
    resume_refused(cfg, ids[0], both, 2, 0xe053);
    resume_bytes(cfg, ids[2], ms[2], 0xe053, 0);
    /* the refused one's full handshake took ids[1]'s place */
    resume_refused(cfg, ids[1], both, 2, 0xe053);
    /* our clock stepped back 30 s (within the 60 s of skew allowed): it
     * still resumes */
    gmtls_config_set_session_cache(cfg, 16, 0);
    full_session(cfg, 0xe053, sid, master);
    g_now_ms -= 30 * 1000;
    resume_bytes(cfg, sid, master, 0xe053, 0);
    g_now_ms += 30 * 1000;
    /* off: no session ID in the ServerHello */
    gmtls_config_set_session_cache(cfg, 0, 0);
    tc t;
    CHECK_ERR(send_hello_sid(&t, cfg, ids[2], 32, both, 2, 1), GMTLS_ERR_WANT_READ);
    CHECK(t.out.off > 5 + 42 && t.out.base[5] == 2 && t.out.base[5 + 38] == 0);
    size_t nolen = 99;
    CHECK(gmtls_conn_session_id(t.srv, &nolen) == NULL && nolen == 0);
    tc_free(&t);
    /* RFC 5246 §7.4.1.2: a TLS 1.2 session's ID on the same server (and
     * cache) does not resume TLCP: a full handshake. */
    gmtls_config_set_session_cache(cfg, 16, 0);
    gmtls_config_set_tickets(cfg, 0, 0);
    const test_chain *ec = tt_chain("P-256");
    CHECK_OK(
        gmtls_config_add_cert_chain_mem(cfg, ec->chain_pem, strlen(ec->chain_pem), ec->key_pem, strlen(ec->key_pem)));
    gmtls_config *c12 = tt_client_config(ec);
    CHECK_OK(gmtls_config_set_versions(c12, GMTLS_VERSION_TLS12, GMTLS_VERSION_TLS12));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, c12, cfg, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_version(p.srv) == GMTLS_VERSION_TLS12 && p.srv->session_id_len == 32);
    memcpy(sid, p.srv->session_id, 32);
    tt_pair_free(&p);
    resume_refused(cfg, sid, both, 2, 0xe053);
    gmtls_config_free(c12);
    gmtls_config_free(cfg);
}

/* The gmtls TLCP client resuming from the gmtls server in memory (the
 * session through gmtls_conn_get_session / _set_session), and what makes
 * it fall back to a full handshake. */
static void test_resume_client(void)
{
    gmtls_config *c = tlcp_client(), *s = tlcp_server(1);
    tt_pair p;
    gmtls_buf sess;
    gmtls_buf_init(&sess);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(!gmtls_conn_is_resumed(p.cli) && !gmtls_conn_is_resumed(p.srv));
    CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
    tt_pair_free(&p);
    for (int round = 0; round < 2; round++) {
        /* resumed, and resumable again with the same session */
        CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
        CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_is_resumed(p.cli) && gmtls_conn_is_resumed(p.srv));
        CHECK(gmtls_conn_version(p.cli) == GMTLS_VERSION_TLCP && gmtls_conn_cipher_suite(p.cli) == 0xe053);
        CHECK_OK(tt_send(&p, 1, "abc", 3));
        CHECK(p.srv_app.off == 3 && memcmp(p.srv_app.base, "abc", 3) == 0);
        CHECK_OK(tt_send(&p, 0, "de", 2));
        CHECK(p.cli_app.off == 2 && memcmp(p.cli_app.base, "de", 2) == 0);
        gmtls_buf again;
        gmtls_buf_init(&again);
        CHECK_OK(gmtls_conn_get_session(p.cli, &again));
        CHECK(again.off == sess.off && memcmp(again.base, sess.base, sess.off) == 0);
        gmtls_buf_dispose(&again);
        tt_pair_free(&p);
    }
    /* RFC 5246 §7.4.1.3: the server echoes our ID with another suite ->
     * illegal_parameter */
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
    CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
    CHECK_ERR(server_step(&p), GMTLS_ERR_WANT_READ);
    CHECK(p.s2c.off > 5 + 4 + 2 + 32 + 1 + 32 + 2 && p.s2c.base[5 + 4 + 2 + 32 + 1 + 32 + 1] == 0x53);
    p.s2c.base[5 + 4 + 2 + 32 + 1 + 32 + 1] = 0x13;
    CHECK_ERR(client_step(&p), GMTLS_ALERT_ILLEGAL_PARAMETER);
    const uint8_t want[7] = {0x15, 1, 1, 0, 2, 2, GMTLS_ALERT_ILLEGAL_PARAMETER};
    CHECK(p.c2s.off >= 7 && memcmp(p.c2s.base + p.c2s.off - 7, want, 7) == 0);
    tt_pair_free(&p);
    /* the server's cache off: no session ID, so no session to keep */
    gmtls_config_set_session_cache(s, 0, 0);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
    CHECK_OK(tt_handshake(&p));
    CHECK(!gmtls_conn_is_resumed(p.cli));
    gmtls_buf none;
    gmtls_buf_init(&none);
    CHECK_ERR(gmtls_conn_get_session(p.cli, &none), GMTLS_ERR_NOT_READY);
    gmtls_buf_dispose(&none);
    tt_pair_free(&p);
    gmtls_buf_dispose(&sess);
    gmtls_config_free(c);
    gmtls_config_free(s);
}

/* What a resumed TLCP connection knows about its peer: the client reports
 * the server's signing chain, subject and verify outcome, the server the
 * client's chain and subject and the verify outcome of the handshake that
 * made the session (not "ok" for a chain it never verified), for the ECDHE
 * suite (the client's double chain) and ECC (a signing chain only). */
static void test_resume_peer(void)
{
    static const gmtls_client_auth modes[] = {GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY, GMTLS_CLIENT_AUTH_REQUEST};
    for (size_t m = 0; m < 2; m++) {
        for (int sign_only = 0; sign_only < 2; sign_only++) {
            srv_auth = modes[m];
            gmtls_config *s = tlcp_server(1), *c = cli_keys;
            if (sign_only) {
                c = tlcp_client();
                CHECK_OK(gmtls_config_add_cert_chain_mem(c, cli_sign_pem, strlen(cli_sign_pem), cli_sign_key_pem,
                                                         strlen(cli_sign_key_pem)));
            }
            tt_pair p;
            tt_peer_view full_c, full_s, v;
            gmtls_buf sess;
            gmtls_buf_init(&sess);
            CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
            CHECK_OK(tt_handshake(&p));
            CHECK(gmtls_conn_cipher_suite(p.srv) == (sign_only ? 0xe053 : 0xe051));
            tt_peer_get(p.cli, &full_c);
            tt_peer_get(p.srv, &full_s);
            CHECK(full_c.has_subject && full_c.ncerts > 0 && strcmp(full_c.verify, "ok") == 0);
            CHECK(full_s.has_subject && strstr(full_s.subject, "tlcp-client") != NULL &&
                  strcmp(full_s.verify, m == 0 ? "ok" : "not verified (client auth mode)") == 0);
            CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
            tt_pair_free(&p);
            CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
            CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
            CHECK_OK(tt_handshake(&p));
            CHECK(gmtls_conn_is_resumed(p.cli) && gmtls_conn_is_resumed(p.srv));
            tt_peer_get(p.cli, &v);
            CHECK(tt_peer_same(&v, &full_c));
            tt_peer_get(p.srv, &v);
            CHECK(tt_peer_same(&v, &full_s));
            CHECK_OK(tt_send(&p, 1, "abc", 3));
            CHECK(p.srv_app.off == 3 && memcmp(p.srv_app.base, "abc", 3) == 0);
            tt_pair_free(&p);
            gmtls_buf_dispose(&sess);
            if (sign_only) {
                gmtls_config_free(c);
            }
            gmtls_config_free(s);
        }
    }
    srv_auth = GMTLS_CLIENT_AUTH_NONE;
}

/* gmtls_config_set_cipher_suites_tlcp: what the client offers, what the
 * server prefers, and the client's refusal of a suite it did not offer. */
static void test_suite_lists(void)
{
    gmtls_config *c = tlcp_client(), *s = tlcp_server(1);
    CHECK_ERR(gmtls_config_set_cipher_suites_tlcp(c, "TLS_AES_128_GCM_SHA256"), GMTLS_ERR_UNKNOWN_NAME);
    CHECK_OK(gmtls_config_set_cipher_suites_tlcp(c, "ECC_SM4_CBC_SM3"));
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
    static const uint8_t cbc_only[] = {0x00, 0x02, 0xe0, 0x13, 0x01, 0x00};
    CHECK(p.c2s.off > sizeof cbc_only &&
          memcmp(p.c2s.base + p.c2s.off - sizeof cbc_only, cbc_only, sizeof cbc_only) == 0);
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_cipher_suite(p.cli) == 0xe013 && gmtls_conn_cipher_suite(p.srv) == 0xe013);
    /* the session resumes with its CBC suite */
    gmtls_buf sess;
    gmtls_buf_init(&sess);
    CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
    tt_pair_free(&p);
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_is_resumed(p.cli) && gmtls_conn_is_resumed(p.srv) && gmtls_conn_cipher_suite(p.srv) == 0xe013);
    CHECK_OK(tt_send(&p, 1, "cbc", 3));
    CHECK(p.srv_app.off == 3 && memcmp(p.srv_app.base, "cbc", 3) == 0);
    tt_pair_free(&p);
    gmtls_buf_dispose(&sess);
    /* a server preferring CBC takes it from a client offering both */
    gmtls_config *both = tlcp_client();
    CHECK_OK(gmtls_config_set_cipher_suites_tlcp(s, "ECC_SM4_CBC_SM3:ECC_SM4_GCM_SM3"));
    CHECK_OK(tt_pair_new(&p, both, s, "localhost"));
    CHECK_OK(tt_handshake(&p));
    CHECK(gmtls_conn_cipher_suite(p.cli) == 0xe013);
    tt_pair_free(&p);
    /* RFC 5246 §7.4.1.3: GCM chosen though the client offered CBC only -> illegal_parameter */
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
    CHECK_ERR(server_step(&p), GMTLS_ERR_WANT_READ);
    size_t at = 5 + 4 + 2 + 32 + 1 + 32;
    CHECK(p.s2c.off > at + 2 && p.s2c.base[at] == 0xe0 && p.s2c.base[at + 1] == 0x13);
    p.s2c.base[at + 1] = 0x53;
    CHECK_ERR(client_step(&p), GMTLS_ALERT_ILLEGAL_PARAMETER);
    tt_pair_free(&p);
    gmtls_config_free(both);
    gmtls_config_free(c);
    gmtls_config_free(s);
}

/* ================================================================ encryption certificates */

/* Variants of an encryption certificate, each checked both ways: by the
 * gmtls client (the server's, ECC and ECDHE) and by the gmtls server (the
 * client's, ECDHE). */
enum {
    V_SIGN_ONLY,
    V_AGREE_ONLY,
    V_ENC_ONLY,
    V_CERT_SIGN,
    V_P256,
    V_SUBJECT,
    V_SAN,
    V_NO_SAN,
    V_OTHER_CA,
    V_EXPIRED,
    V_EKU,
    V_COUNT
};

typedef struct {
    const char *what;
    int ecc_alert, ecdhe_alert; /* 0: accepted */
    const char *why;            /* in the refusal's detail */
} enc_case;

#define BAD_CERT GMTLS_ALERT_BAD_CERTIFICATE
static const enc_case enc_cases[V_COUNT] = {
    /* RFC 5280 §4.2.1.3: key transport (ECC) needs keyEncipherment, the
     * SM2 key exchange (ECDHE) keyAgreement or keyEncipherment (GmSSL's
     * encryption certificates); no certificate or CRL signing (GmSSL) */
    [V_SIGN_ONLY] = {"keyUsage digitalSignature only", BAD_CERT, BAD_CERT, "key usage"},
    [V_AGREE_ONLY] = {"keyUsage keyAgreement only", BAD_CERT, 0, "key usage"},
    [V_ENC_ONLY] = {"keyUsage keyEncipherment only (GmSSL's)", 0, 0, NULL},
    [V_CERT_SIGN] = {"keyUsage keyEncipherment and keyCertSign", BAD_CERT, BAD_CERT, "key usage"},
    /* GB/T 38636-2020 §6.4.5.3: an SM2 key */
    [V_P256] = {"a P-256 key", GMTLS_ALERT_UNSUPPORTED_CERTIFICATE, GMTLS_ALERT_UNSUPPORTED_CERTIFICATE, "SM2 key"},
    /* GmSSL's x509_tlcp_cert_pair_entity_match: one entity */
    [V_SUBJECT] = {"another subject", BAD_CERT, BAD_CERT, "does not match the signing certificate"},
    [V_SAN] = {"another subjectAltName", BAD_CERT, BAD_CERT, "does not match the signing certificate"},
    [V_NO_SAN] = {"no subjectAltName", BAD_CERT, BAD_CERT, "does not match the signing certificate"},
    /* the chain to the anchors, at the config's time, for the purpose,
     * with the signing chain's alerts */
    [V_OTHER_CA] = {"an untrusted CA of the same name", GMTLS_ALERT_UNKNOWN_CA, GMTLS_ALERT_UNKNOWN_CA,
                    "encryption certificate verification failed: unable to get local issuer"},
    [V_EXPIRED] = {"expired", GMTLS_ALERT_CERTIFICATE_EXPIRED, GMTLS_ALERT_CERTIFICATE_EXPIRED,
                   "encryption certificate verification failed: certificate has expired"},
    [V_EKU] = {"extendedKeyUsage for the other side", BAD_CERT, BAD_CERT,
               "encryption certificate verification failed: unsuitable certificate purpose"},
};

/* The DER of variant v of the encryption certificate of chain's entity
 * (key: the right encryption key, kept unless v changes it); the client's
 * when for_client. malloc'd. */
static uint8_t *enc_variant(int v, const gmtls_cg_chain *chain, const char *cn, void *key, int for_client, size_t *len)
{
    gmtls_cg_spec spec = {.sm2_id = "1234567812345678"};
    gmtls_cg_chain other = {0};
    const gmtls_cg_chain *ca = chain;
    void *p256 = NULL;
    switch (v) {
    case V_SIGN_ONLY:
        spec.key_usage = "critical,digitalSignature";
        break;
    case V_AGREE_ONLY:
        spec.key_usage = "critical,keyAgreement";
        break;
    case V_ENC_ONLY:
        spec.key_usage = "critical,keyEncipherment";
        break;
    case V_CERT_SIGN:
        spec.key_usage = "critical,keyEncipherment,keyCertSign";
        break;
    case V_P256:
        key = p256 = gmtls_cg_keygen("P-256");
        break;
    case V_SUBJECT:
        spec.subject = "O=gmtls tests,CN=someone-else";
        break;
    case V_SAN:
        spec.san = "DNS:other.example";
        break;
    case V_NO_SAN:
        spec.san = "";
        break;
    case V_OTHER_CA:
        /* the same names (CA and leaf), another CA key */
        if (gmtls_cg_make_chain("SM2", "gmtls tests", cn, GMTLS_CG_STYLE_RFC, "1234567812345678", &other) != 0) {
            abort();
        }
        ca = &other;
        break;
    case V_EXPIRED:
        spec.days = 1;
        break;
    default:
        spec.eku = for_client ? "serverAuth" : "clientAuth";
        break;
    }
    void *x = gmtls_cg_make_enc_cert(ca, key, &spec);
    char *pem = x != NULL ? gmtls_cg_cert_pem(x) : NULL;
    uint8_t *der = NULL;
    size_t n = 0;
    gmtls_x509 *leaf = NULL;
    if (pem == NULL || gmtls_x509_pem_chain(pem, strlen(pem), &der, len, 1, &n, &leaf) != 0 || n != 1) {
        abort();
    }
    gmtls_x509_free(leaf);
    free(pem);
    gmtls_cg_cert_free(x);
    gmtls_cg_key_free(p256);
    gmtls_cg_chain_free(&other);
    return der;
}

/* Verification three days on: the variant V_EXPIRED (one day) has expired,
 * the signing certificates (825 days) have not. */
static int64_t later(void)
{
    return (int64_t)time(NULL) + 3 * 86400;
}

/* The gmtls client (verifying the server or not) against a server sending
 * variant v as its encryption certificate (ECC: no client authentication;
 * ECDHE: cli_keys); alert 0: accepted. */
static void client_sees_enc(int v, int ecdhe, int verify, int alert)
{
    const enc_case *k = &enc_cases[v];
    uint16_t suite = ecdhe ? 0xe051 : 0xe053;
    srv_auth = ecdhe ? GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY : GMTLS_CLIENT_AUTH_NONE;
    gmtls_config *s = tlcp_server(1), *c = ecdhe ? cli_keys : tlcp_client();
    gmtls_config_set_verify_peer(c, verify);
    /* the server sends (and for ECC signs) these bytes; its key stays */
    free(s->enc_cert.der[0]);
    s->enc_cert.der[0] = enc_variant(v, &srv_pki, "tlcp-server", srv_enc_key, 0, &s->enc_cert.derlen[0]);
    gmtls_config_set_verify_time(c, v == V_EXPIRED ? later() : 0);
    tt_pair p;
    CHECK_OK(tt_pair_new(&p, c, s, "localhost"));
    if (alert == 0) {
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_cipher_suite(p.cli) == suite);
        CHECK(strcmp(gmtls_conn_verify_result(p.cli), verify ? "ok" : "not verified (verification disabled)") == 0);
        CHECK_OK(tt_send(&p, 1, "enc", 3));
        CHECK(p.srv_app.off == 3 && memcmp(p.srv_app.base, "enc", 3) == 0);
    } else {
        CHECK_ERR(client_step(&p), GMTLS_ERR_WANT_READ);
        CHECK_ERR(server_step(&p), GMTLS_ERR_WANT_READ);
        CHECK_ERR(client_step(&p), alert);
        const uint8_t want[7] = {0x15, 1, 1, 0, 2, 2, (uint8_t)alert};
        CHECK(p.c2s.off >= 7 && memcmp(p.c2s.base + p.c2s.off - 7, want, 7) == 0);
        const char *detail = gmtls_conn_error_detail(p.cli);
        CHECK(detail != NULL && strstr(detail, k->why) != NULL);
        if (detail == NULL || strstr(detail, k->why) == NULL) {
            fprintf(stderr, "client, %s, %s: %s\n", ecdhe ? "ECDHE" : "ECC", k->what, detail ? detail : "(none)");
        }
    }
    tt_pair_free(&p);
    gmtls_config_set_verify_time(c, 0);
    gmtls_config_set_verify_peer(c, 1);
    if (!ecdhe) {
        gmtls_config_free(c);
    }
    gmtls_config_free(s);
    srv_auth = GMTLS_CLIENT_AUTH_NONE;
}

/* The gmtls server (client authentication mode mode) against the
 * hand-written client sending variant v as its encryption certificate. */
static void server_sees_enc(int v, uint16_t suite, gmtls_client_auth mode, int alert)
{
    size_t len = 0;
    uint8_t *der = enc_variant(v, &cli_pki, "tlcp-client", cli_enc_key, 1, &len);
    enc_override = der;
    enc_override_len = len;
    srv_auth = mode;
    srv_time = v == V_EXPIRED ? later() : 0;
    if (alert == 0) {
        test_handshake(suite, CERT_DOUBLE);
    } else {
        test_bad_why(suite, CERT_DOUBLE, BAD_NONE, alert, enc_cases[v].why);
    }
    enc_override = NULL;
    srv_time = 0;
    srv_auth = GMTLS_CLIENT_AUTH_NONE;
    free(der);
}

static void test_enc_cert(void)
{
    for (int v = 0; v < V_COUNT; v++) {
        client_sees_enc(v, 0, 1, enc_cases[v].ecc_alert);
        client_sees_enc(v, 1, 1, enc_cases[v].ecdhe_alert);
        for (int i = 0; i < 2; i++) {
            server_sees_enc(v, i == 0 ? 0xe051 : 0xe011, GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY,
                            enc_cases[v].ecdhe_alert);
        }
    }
    /* A server that asks for certificates without verifying them checks the
     * encryption certificate's key and usage (as the signing certificate's
     * digitalSignature), not its chain. */
    server_sees_enc(V_OTHER_CA, 0xe051, GMTLS_CLIENT_AUTH_REQUEST, 0);
    server_sees_enc(V_SUBJECT, 0xe051, GMTLS_CLIENT_AUTH_REQUEST, 0);
    server_sees_enc(V_SIGN_ONLY, 0xe051, GMTLS_CLIENT_AUTH_REQUEST, BAD_CERT);
    server_sees_enc(V_P256, 0xe051, GMTLS_CLIENT_AUTH_REQUEST, GMTLS_ALERT_UNSUPPORTED_CERTIFICATE);
    /* ... and so does a client that does not verify the server */
    client_sees_enc(V_OTHER_CA, 0, 0, 0);
    client_sees_enc(V_SUBJECT, 1, 0, 0);
    client_sees_enc(V_SIGN_ONLY, 0, 0, BAD_CERT);
    client_sees_enc(V_P256, 1, 0, GMTLS_ALERT_UNSUPPORTED_CERTIFICATE);

    /* Config time (gmtls_config_set_enc_cert_*, server and client alike):
     * an SM2 key whose keyUsage allows keyEncipherment (every TLCP suite
     * can use it) and no certificate signing. */
    static const struct {
        int v, ok;
        const char *why;
    } cfg_cases[] = {
        {V_ENC_ONLY, 1, NULL},
        {V_SIGN_ONLY, 0, "keyUsage must allow keyEncipherment"},
        {V_AGREE_ONLY, 0, "keyUsage must allow keyEncipherment"},
        {V_CERT_SIGN, 0, "keyUsage must allow keyEncipherment"},
        {V_P256, 0, "needs an SM2 key"},
    };
    for (size_t i = 0; i < sizeof cfg_cases / sizeof cfg_cases[0]; i++) {
        gmtls_cg_spec spec = {.sm2_id = "1234567812345678"};
        void *key = cfg_cases[i].v == V_P256 ? gmtls_cg_keygen("P-256") : srv_enc_key;
        spec.key_usage = cfg_cases[i].v == V_SIGN_ONLY    ? "critical,digitalSignature"
                         : cfg_cases[i].v == V_AGREE_ONLY ? "critical,keyAgreement"
                         : cfg_cases[i].v == V_CERT_SIGN  ? "critical,keyEncipherment,keyCertSign"
                                                          : "critical,keyEncipherment";
        char *pem = enc_cert_pem(&srv_pki, key, &spec), *kpem = gmtls_cg_key_pem(key);
        gmtls_config *cfg = gmtls_config_new();
        int rc = gmtls_config_set_enc_cert_mem(cfg, pem, strlen(pem), kpem, strlen(kpem));
        if (cfg_cases[i].ok) {
            CHECK_OK(rc);
        } else {
            CHECK_ERR(rc, GMTLS_ERR_FILE);
            CHECK(strstr(gmtls_config_last_error(cfg), cfg_cases[i].why) != NULL);
        }
        gmtls_config_free(cfg);
        free(pem);
        free(kpem);
        if (key != srv_enc_key) {
            gmtls_cg_key_free(key);
        }
    }
}

int main(void)
{
    make_pki();
    test_handshake(0xe053, CERT_NONE);
    test_handshake(0xe013, CERT_NONE);
    test_negative();
    test_server_auth();
    test_client();
    test_resume_server();
    test_resume_client();
    test_suite_lists();
    test_client_auth();
    test_resume_peer();
    test_enc_cert();
    free_pki();
    return TEST_END("tlcp_test");
}
