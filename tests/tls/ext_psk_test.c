/* External PSKs (RFC 8446 §2.2, §4.2.9, §4.2.11): in-memory handshakes with
 * SHA-256, SHA-384 and SM3 keys, psk_dhe_ke and psk_ke, a server without a
 * certificate, a HelloRetryRequest, resumption after a PSK handshake; and
 * ClientHellos built byte by byte here (binders computed in the test from
 * the key) for the server's alerts: a wrong binder or one made with the
 * resumption label -> decrypt_error, psk_ke without a key share when psk_ke
 * is not allowed -> handshake_failure, no psk_key_exchange_modes ->
 * missing_extension, an unknown identity without a certificate ->
 * unknown_psk_identity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handshake/internal.h"
#include "test.h"
#include "tlstest.h"

static const uint8_t key1[32] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};
static const uint8_t key2[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

static gmtls_config *psk_config(const char *id, const uint8_t *key, size_t keylen, const char *hash, unsigned modes)
{
    gmtls_config *cfg = gmtls_config_new();
    CHECK(cfg != NULL);
    CHECK_OK(gmtls_config_add_psk(cfg, (const uint8_t *)id, strlen(id), key, keylen, hash));
    CHECK_OK(gmtls_config_set_psk_modes(cfg, modes));
    return cfg;
}

/* A handshake on the two configs: its result; *pp keeps the pair (free it). */
static int run(gmtls_config *ccfg, gmtls_config *scfg, tt_pair *p)
{
    CHECK_OK(tt_pair_new(p, ccfg, scfg, "localhost"));
    return tt_handshake(p);
}

static int used_identity(const gmtls_conn *c, const char *id)
{
    size_t len = 0;
    const uint8_t *p = gmtls_conn_psk_identity(c, &len);
    if (id == NULL) {
        return p == NULL;
    }
    return p != NULL && len == strlen(id) && memcmp(p, id, len) == 0;
}

/* ------------------------------------------------------------ hand-made ClientHellos */

typedef struct {
    const char *id;
    const uint8_t *key;
    size_t keylen;
    int modes_ext;    /* send psk_key_exchange_modes */
    uint8_t mode;     /* 0 psk_ke, 1 psk_dhe_ke */
    int res_label;    /* binder with "res binder" instead of "ext binder" */
    int flip_binder;  /* corrupt the binder */
    int cut_identity; /* a second identity without its obfuscated_ticket_age */
} hello_spec;

/* TLS_AES_128_GCM_SHA256, supported_versions, psk_key_exchange_modes and
 * pre_shared_key (last) - no key_share, no supported_groups, no
 * signature_algorithms: a psk_ke client (RFC 8446 §9.2 asks for none of them
 * beside pre_shared_key). Returns the message length. */
static size_t make_hello(const hello_spec *sp, uint8_t *out, size_t cap)
{
    const gmtls_hash_alg *h = &gmtls_hash_sha256;
    gmtls_buf b;
    gmtls_wr w;
    gmtls_buf_init(&b);
    gmtls_wr_init(&w, &b);
    gmtls_wr_u8(&w, GMTLS_HS_CLIENT_HELLO);
    gmtls_wr_open(&w, 3);
    gmtls_wr_u16(&w, 0x0303);
    for (int i = 0; i < 32; i++) {
        gmtls_wr_u8(&w, (uint8_t)i);
    }
    gmtls_wr_u8(&w, 0); /* legacy_session_id */
    gmtls_wr_u16(&w, 2);
    gmtls_wr_u16(&w, GMTLS_TLS_AES_128_GCM_SHA256);
    gmtls_wr_u8(&w, 1);
    gmtls_wr_u8(&w, 0);
    gmtls_wr_open(&w, 2);
    gmtls_wr_u16(&w, GMTLS_EXT_SUPPORTED_VERSIONS);
    gmtls_wr_u16(&w, 3);
    gmtls_wr_u8(&w, 2);
    gmtls_wr_u16(&w, 0x0304);
    if (sp->modes_ext) {
        gmtls_wr_u16(&w, GMTLS_EXT_PSK_KEY_EXCHANGE_MODES);
        gmtls_wr_u16(&w, 2);
        gmtls_wr_u8(&w, 1);
        gmtls_wr_u8(&w, sp->mode);
    }
    gmtls_wr_u16(&w, GMTLS_EXT_PRE_SHARED_KEY);
    gmtls_wr_open(&w, 2);
    gmtls_wr_open(&w, 2);
    gmtls_wr_open(&w, 2);
    gmtls_wr_bytes(&w, sp->id, strlen(sp->id));
    gmtls_wr_close(&w);
    gmtls_wr_u32(&w, 0);
    if (sp->cut_identity) {
        gmtls_wr_u16(&w, 1);
        gmtls_wr_u8(&w, 'x');
    }
    gmtls_wr_close(&w);
    size_t binders_off = b.off;
    gmtls_wr_open(&w, 2);
    gmtls_wr_open(&w, 1);
    for (size_t i = 0; i < h->digest_len; i++) {
        gmtls_wr_u8(&w, 0);
    }
    gmtls_wr_close(&w);
    gmtls_wr_close(&w);
    gmtls_wr_close(&w);
    gmtls_wr_close(&w);
    gmtls_wr_close(&w);
    CHECK_OK(gmtls_wr_finish(&w));
    /* RFC 8446 §4.2.11.2: the binder over the hello truncated before the binders. */
    uint8_t th[GMTLS_MAX_HASH_LEN];
    gmtls_keysched ks;
    memset(&ks, 0, sizeof ks);
    CHECK_OK(gmtls_hash(h, b.base, binders_off, th));
    if (sp->res_label) {
        CHECK_OK(gmtls_ks_early(&ks, h, sp->key, sp->keylen));
    } else {
        CHECK_OK(gmtls_ks_early_ext(&ks, h, sp->key, sp->keylen));
    }
    CHECK_OK(gmtls_finished_mac(h, ks.binder_key, th, b.base + binders_off + 3));
    if (sp->flip_binder) {
        b.base[binders_off + 3 + 7] ^= 0x80;
    }
    size_t n = b.off <= cap ? b.off : 0;
    memcpy(out, b.base, n);
    gmtls_buf_dispose(&b);
    return n;
}

/* Feeds msg in a plaintext record to a fresh server; returns its result,
 * whether it took psk_ke, and whether its ServerHello has a key_share (-1:
 * no ServerHello). */
static int serve(gmtls_config *scfg, const uint8_t *msg, size_t len, int *ke_only, int *has_share)
{
    gmtls_conn *s = gmtls_conn_new(scfg, 1);
    gmtls_buf out, in;
    gmtls_wr w;
    gmtls_buf_init(&out);
    gmtls_buf_init(&in);
    gmtls_wr_init(&w, &in);
    gmtls_wr_u8(&w, GMTLS_CT_HANDSHAKE);
    gmtls_wr_u16(&w, 0x0301);
    gmtls_wr_open(&w, 2);
    gmtls_wr_bytes(&w, msg, len);
    gmtls_wr_close(&w);
    CHECK_OK(gmtls_wr_finish(&w));
    size_t n = in.off;
    int rc = gmtls_handshake(s, &out, in.base, &n);
    *ke_only = gmtls_conn_psk_ke_only(s);
    *has_share = -1;
    if (rc == GMTLS_ERR_WANT_READ && out.off > 5 + 4 && out.base[5] == GMTLS_HS_SERVER_HELLO) {
        /* ServerHello: 4 header, 2 version, 32 random, sid<1>, suite, comp, exts<2> */
        gmtls_rd r, sid, exts;
        gmtls_ext e;
        size_t ne = 0;
        gmtls_rd_init(&r, out.base + 9, out.off - 9);
        (void)gmtls_rd_bytes(&r, 34);
        (void)gmtls_rd_vec(&r, 1, 0, 32, &sid);
        (void)gmtls_rd_bytes(&r, 3);
        *has_share = 0;
        if (gmtls_exts_check(&r, &exts, &ne) == 0) {
            while (gmtls_exts_next(&exts, &e)) {
                *has_share |= e.type == GMTLS_EXT_KEY_SHARE;
            }
        }
    }
    gmtls_buf_dispose(&out);
    gmtls_buf_dispose(&in);
    gmtls_conn_free(s);
    return rc;
}

/* ------------------------------------------------------------ hand-made ServerHellos */

/* A client with the PSK "client1" (modes) after its ClientHello, fed a
 * ServerHello for TLS_AES_128_GCM_SHA256 with or without an x25519 key share
 * and with pre_shared_key selecting idx (-1: none). Returns its result. */
static int client_gets(unsigned modes, int with_share, int idx)
{
    gmtls_config *cc = psk_config("client1", key1, sizeof key1, NULL, modes);
    CHECK_OK(gmtls_config_set_groups(cc, "x25519"));
    gmtls_conn *c = gmtls_conn_new(cc, 0);
    gmtls_buf out, in;
    gmtls_buf_init(&out);
    gmtls_buf_init(&in);
    size_t n = 0;
    CHECK_ERR(gmtls_handshake(c, &out, NULL, &n), GMTLS_ERR_WANT_READ);
    gmtls_wr w;
    gmtls_wr_init(&w, &in);
    gmtls_wr_u8(&w, GMTLS_CT_HANDSHAKE);
    gmtls_wr_u16(&w, 0x0303);
    gmtls_wr_open(&w, 2);
    gmtls_wr_u8(&w, GMTLS_HS_SERVER_HELLO);
    gmtls_wr_open(&w, 3);
    gmtls_wr_u16(&w, 0x0303);
    for (int i = 0; i < 32; i++) {
        gmtls_wr_u8(&w, (uint8_t)(0x40 + i));
    }
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, c->session_id, c->session_id_len);
    gmtls_wr_close(&w);
    gmtls_wr_u16(&w, GMTLS_TLS_AES_128_GCM_SHA256);
    gmtls_wr_u8(&w, 0);
    gmtls_wr_open(&w, 2);
    gmtls_wr_u16(&w, GMTLS_EXT_SUPPORTED_VERSIONS);
    gmtls_wr_u16(&w, 2);
    gmtls_wr_u16(&w, 0x0304);
    if (with_share) {
        /* the X25519 base point: a valid public key */
        gmtls_wr_u16(&w, GMTLS_EXT_KEY_SHARE);
        gmtls_wr_u16(&w, 2 + 2 + 32);
        gmtls_wr_u16(&w, GMTLS_GROUP_X25519);
        gmtls_wr_u16(&w, 32);
        gmtls_wr_u8(&w, 9);
        for (int i = 1; i < 32; i++) {
            gmtls_wr_u8(&w, 0);
        }
    }
    if (idx >= 0) {
        gmtls_wr_u16(&w, GMTLS_EXT_PRE_SHARED_KEY);
        gmtls_wr_u16(&w, 2);
        gmtls_wr_u16(&w, (uint16_t)idx);
    }
    gmtls_wr_close(&w);
    gmtls_wr_close(&w);
    gmtls_wr_close(&w);
    CHECK_OK(gmtls_wr_finish(&w));
    out.off = 0;
    n = in.off;
    int rc = gmtls_handshake(c, &out, in.base, &n);
    gmtls_buf_dispose(&out);
    gmtls_buf_dispose(&in);
    gmtls_conn_free(c);
    gmtls_config_free(cc);
    return rc;
}

int main(void)
{
    const test_chain *chain = tt_chain("P-256");
    tt_pair p;
    size_t clen = 0;
    const unsigned DHE = GMTLS_PSK_MODE_DHE_KE, KE = GMTLS_PSK_MODE_KE;

    /* Config API. */
    {
        gmtls_config *c = gmtls_config_new();
        CHECK_ERR(gmtls_config_add_psk(c, (const uint8_t *)"a", 1, key1, sizeof key1, "MD5"), GMTLS_ERR_UNKNOWN_NAME);
        CHECK_ERR(gmtls_config_add_psk(c, (const uint8_t *)"a", 0, key1, sizeof key1, NULL), GMTLS_ERR_BAD_ARGUMENT);
        CHECK_ERR(gmtls_config_add_psk(c, (const uint8_t *)"a", 1, key1, 0, NULL), GMTLS_ERR_BAD_ARGUMENT);
        CHECK_OK(gmtls_config_add_psk(c, (const uint8_t *)"a", 1, key1, sizeof key1, "sha384"));
        CHECK_ERR(gmtls_config_add_psk(c, (const uint8_t *)"a", 1, key2, sizeof key2, NULL), GMTLS_ERR_BAD_ARGUMENT);
        CHECK_ERR(gmtls_config_set_psk_modes(c, 0), GMTLS_ERR_BAD_ARGUMENT);
        CHECK_ERR(gmtls_config_set_psk_modes(c, 4), GMTLS_ERR_BAD_ARGUMENT);
        gmtls_config_free(c);
    }

    /* psk_dhe_ke with each hash; the server has no certificate at all. The
     * suite follows the key's hash whatever the client prefers. */
    static const struct {
        const char *hash;
        uint16_t suite;
    } hashes[] = {{"SHA256", GMTLS_TLS_AES_128_GCM_SHA256},
                  {"SHA384", GMTLS_TLS_AES_256_GCM_SHA384},
                  {"SM3", GMTLS_TLS_SM4_GCM_SM3}};
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
        gmtls_config *cc = psk_config("client1", key1, sizeof key1, hashes[i].hash, DHE);
        gmtls_config *sc = psk_config("client1", key1, sizeof key1, hashes[i].hash, DHE);
        CHECK_OK(run(cc, sc, &p));
        CHECK(gmtls_conn_cipher_suite(p.cli) == hashes[i].suite);
        CHECK(used_identity(p.cli, "client1") && used_identity(p.srv, "client1"));
        CHECK(!gmtls_conn_psk_ke_only(p.cli) && !gmtls_conn_psk_ke_only(p.srv));
        CHECK(gmtls_conn_group(p.cli) != 0 && gmtls_conn_group(p.cli) == gmtls_conn_group(p.srv));
        CHECK(!gmtls_conn_is_resumed(p.cli) && gmtls_conn_peer_cert(p.cli, 0, &clen) == NULL);
        CHECK_OK(tt_send(&p, 1, "ping", 4));
        CHECK(p.srv_app.off == 4 && memcmp(p.srv_app.base, "ping", 4) == 0);
        uint8_t e1[32], e2[32];
        CHECK_OK(gmtls_export(p.cli, "EXPORTER-test", NULL, 0, 0, e1, sizeof e1));
        CHECK_OK(gmtls_export(p.srv, "EXPORTER-test", NULL, 0, 0, e2, sizeof e2));
        CHECK_MEM(e1, e2, sizeof e1);
        tt_pair_free(&p);
        gmtls_config_free(cc);
        gmtls_config_free(sc);
    }

    /* psk_ke: no (EC)DHE, no key_share in the ServerHello (group 0). With
     * both modes on both sides, psk_dhe_ke wins. */
    {
        gmtls_config *cc = psk_config("ke", key2, sizeof key2, NULL, KE);
        gmtls_config *sc = psk_config("ke", key2, sizeof key2, NULL, KE | DHE);
        CHECK_OK(run(cc, sc, &p));
        CHECK(gmtls_conn_psk_ke_only(p.cli) && gmtls_conn_psk_ke_only(p.srv));
        CHECK(gmtls_conn_group(p.cli) == 0 && gmtls_conn_group(p.srv) == 0);
        CHECK_OK(tt_send(&p, 0, "pong", 4));
        CHECK(p.cli_app.off == 4);
        tt_pair_free(&p);
        CHECK_OK(gmtls_config_set_psk_modes(cc, KE | DHE));
        CHECK_OK(run(cc, sc, &p));
        CHECK(!gmtls_conn_psk_ke_only(p.cli) && gmtls_conn_group(p.cli) != 0);
        CHECK(used_identity(p.cli, "ke"));
        tt_pair_free(&p);
        /* A psk_ke-only client and a server that does not allow psk_ke: no
         * PSK, and no certificate to fall back on -> unknown_psk_identity. */
        CHECK_OK(gmtls_config_set_psk_modes(cc, KE));
        CHECK_OK(gmtls_config_set_psk_modes(sc, DHE));
        CHECK(run(cc, sc, &p) != 0);
        CHECK(p.srv_rc == GMTLS_ALERT_UNKNOWN_PSK_IDENTITY);
        CHECK(p.cli_rc == GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_UNKNOWN_PSK_IDENTITY));
        tt_pair_free(&p);
        gmtls_config_free(cc);
        gmtls_config_free(sc);
    }

    /* Same identity, another key: the server's binder check -> decrypt_error. */
    {
        gmtls_config *cc = psk_config("client1", key2, sizeof key2, NULL, DHE);
        gmtls_config *sc = psk_config("client1", key1, sizeof key1, NULL, DHE);
        CHECK(run(cc, sc, &p) != 0);
        CHECK(p.srv_rc == GMTLS_ALERT_DECRYPT_ERROR && p.cli_rc == GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_DECRYPT_ERROR));
        tt_pair_free(&p);
        gmtls_config_free(cc);
        gmtls_config_free(sc);
    }

    /* An unknown identity: a server with a certificate does a certificate
     * handshake (RFC 8446 §4.2.11 "SHOULD perform a non-PSK handshake if
     * possible"); one without -> unknown_psk_identity. */
    {
        gmtls_config *cc = tt_client_config(chain);
        CHECK_OK(gmtls_config_add_psk(cc, (const uint8_t *)"nobody", 6, key1, sizeof key1, NULL));
        gmtls_config *sc = tt_server_config(chain);
        CHECK_OK(gmtls_config_add_psk(sc, (const uint8_t *)"client1", 7, key1, sizeof key1, NULL));
        CHECK_OK(run(cc, sc, &p));
        CHECK(used_identity(p.cli, NULL) && used_identity(p.srv, NULL));
        CHECK(gmtls_conn_peer_cert(p.cli, 0, &clen) != NULL && strcmp(gmtls_conn_verify_result(p.cli), "ok") == 0);
        tt_pair_free(&p);
        gmtls_config *bare = psk_config("client1", key1, sizeof key1, NULL, DHE);
        CHECK(run(cc, bare, &p) != 0);
        CHECK(p.srv_rc == GMTLS_ALERT_UNKNOWN_PSK_IDENTITY);
        tt_pair_free(&p);
        /* The known identity second in the list (ours, the client's
         * second): it is the one used, index 1 in the ServerHello. */
        CHECK_OK(gmtls_config_add_psk(cc, (const uint8_t *)"client1", 7, key1, sizeof key1, NULL));
        CHECK_OK(run(cc, bare, &p));
        CHECK(used_identity(p.cli, "client1") && used_identity(p.srv, "client1"));
        tt_pair_free(&p);
        /* A server with a certificate and the PSK: the PSK authenticates, no
         * certificate is sent, and no CertificateRequest either. */
        gmtls_config_set_client_auth(sc, GMTLS_CLIENT_AUTH_REQUIRE_ANY);
        CHECK_OK(run(cc, sc, &p));
        CHECK(used_identity(p.cli, "client1") && gmtls_conn_peer_cert(p.cli, 0, &clen) == NULL);
        CHECK(gmtls_conn_sigalg(p.cli) == 0 && gmtls_conn_peer_sigalg(p.srv) == 0);
        tt_pair_free(&p);
        gmtls_config_free(bare);
        gmtls_config_free(cc);
        gmtls_config_free(sc);
    }

    /* A HelloRetryRequest (the client's share is x25519, the server takes
     * secp256r1 only): the second ClientHello's binder covers the transcript
     * with the message_hash; then a ticket from the PSK handshake resumes. */
    {
        gmtls_config *cc = psk_config("client1", key1, sizeof key1, "SHA384", DHE);
        gmtls_config *sc = psk_config("client1", key1, sizeof key1, "SHA384", DHE);
        CHECK_OK(gmtls_config_set_groups(cc, "x25519:secp256r1"));
        CHECK_OK(gmtls_config_set_groups(sc, "secp256r1"));
        CHECK_OK(run(cc, sc, &p));
        CHECK(gmtls_conn_did_hrr(p.cli) && used_identity(p.srv, "client1"));
        CHECK(gmtls_conn_group(p.cli) == GMTLS_GROUP_SECP256R1);
        CHECK_OK(tt_flush(&p)); /* the NewSessionTicket */
        gmtls_buf sess;
        gmtls_buf_init(&sess);
        CHECK_OK(gmtls_conn_get_session(p.cli, &sess));
        tt_pair_free(&p);
        CHECK_OK(gmtls_config_set_groups(cc, "secp256r1"));
        CHECK_OK(tt_pair_new(&p, cc, sc, "localhost"));
        CHECK_OK(gmtls_conn_set_session(p.cli, sess.base, sess.off));
        CHECK_OK(tt_handshake(&p));
        CHECK(gmtls_conn_is_resumed(p.cli) && gmtls_conn_is_resumed(p.srv));
        CHECK(used_identity(p.cli, NULL) && used_identity(p.srv, NULL));
        tt_pair_free(&p);
        gmtls_buf_dispose(&sess);
        gmtls_config_free(cc);
        gmtls_config_free(sc);
    }

    /* Hand-made psk_ke ClientHellos (no key_share, no supported_groups). */
    {
        static uint8_t msg[4096];
        size_t n;
        int ke_only = 0, has_share = 0;
        gmtls_config *sc = psk_config("client1", key1, sizeof key1, NULL, KE | DHE);
        hello_spec good = {"client1", key1, sizeof key1, 1, 0, 0, 0, 0};
        n = make_hello(&good, msg, sizeof msg);
        CHECK(n > 0);
        CHECK_ERR(serve(sc, msg, n, &ke_only, &has_share), GMTLS_ERR_WANT_READ);
        CHECK(ke_only && has_share == 0);
        /* wrong binder, and a binder made with "res binder" -> decrypt_error */
        hello_spec bad = good;
        bad.flip_binder = 1;
        n = make_hello(&bad, msg, sizeof msg);
        CHECK_ERR(serve(sc, msg, n, &ke_only, &has_share), GMTLS_ALERT_DECRYPT_ERROR);
        bad = good;
        bad.res_label = 1;
        n = make_hello(&bad, msg, sizeof msg);
        CHECK_ERR(serve(sc, msg, n, &ke_only, &has_share), GMTLS_ALERT_DECRYPT_ERROR);
        /* identities<7..2^16-1> whose second identity lacks its age ->
         * decode_error (it once wrote past the identities counted) */
        bad = good;
        bad.cut_identity = 1;
        n = make_hello(&bad, msg, sizeof msg);
        CHECK_ERR(serve(sc, msg, n, &ke_only, &has_share), GMTLS_ALERT_DECODE_ERROR);
        /* no psk_key_exchange_modes -> missing_extension (RFC 8446 §4.2.9) */
        bad = good;
        bad.modes_ext = 0;
        n = make_hello(&bad, msg, sizeof msg);
        CHECK_ERR(serve(sc, msg, n, &ke_only, &has_share), GMTLS_ALERT_MISSING_EXTENSION);
        /* unknown identity, psk_ke, no key share -> handshake_failure */
        bad = good;
        bad.id = "nobody";
        n = make_hello(&bad, msg, sizeof msg);
        CHECK_ERR(serve(sc, msg, n, &ke_only, &has_share), GMTLS_ALERT_HANDSHAKE_FAILURE);
        /* psk_ke not allowed by the server: nothing to negotiate with -> handshake_failure */
        CHECK_OK(gmtls_config_set_psk_modes(sc, DHE));
        n = make_hello(&good, msg, sizeof msg);
        CHECK_ERR(serve(sc, msg, n, &ke_only, &has_share), GMTLS_ALERT_HANDSHAKE_FAILURE);
        /* psk_dhe_ke offered without a key share: the same */
        bad = good;
        bad.mode = 1;
        n = make_hello(&bad, msg, sizeof msg);
        CHECK_ERR(serve(sc, msg, n, &ke_only, &has_share), GMTLS_ALERT_HANDSHAKE_FAILURE);
        gmtls_config_free(sc);
    }
    /* The client's checks of the ServerHello (RFC 8446 §4.2.11, §4.2.9). */
    {
        const unsigned DHE_ = GMTLS_PSK_MODE_DHE_KE, KE_ = GMTLS_PSK_MODE_KE;
        /* the one identity offered, with a key share: accepted (then waits) */
        CHECK_ERR(client_gets(DHE_, 1, 0), GMTLS_ERR_WANT_READ);
        /* an identity beyond those offered -> illegal_parameter */
        CHECK_ERR(client_gets(DHE_, 1, 1), GMTLS_ALERT_ILLEGAL_PARAMETER);
        /* psk_ke answer (no key share) to a psk_dhe_ke-only client -> missing_extension */
        CHECK_ERR(client_gets(DHE_, 0, 0), GMTLS_ALERT_MISSING_EXTENSION);
        /* psk_ke to a client that offered it: accepted */
        CHECK_ERR(client_gets(KE_, 0, 0), GMTLS_ERR_WANT_READ);
        /* psk_dhe_ke to a psk_ke-only client -> illegal_parameter */
        CHECK_ERR(client_gets(KE_, 1, 0), GMTLS_ALERT_ILLEGAL_PARAMETER);
        /* no PSK and no key share -> missing_extension */
        CHECK_ERR(client_gets(KE_, 0, -1), GMTLS_ALERT_MISSING_EXTENSION);
    }
    return TEST_END("ext_psk_test");
}
