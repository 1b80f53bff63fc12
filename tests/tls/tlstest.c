/* In-memory client/server plumbing (see tlstest.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlstest.h"

int tt_second_hello(tt_pair *p, int strip)
{
    size_t z = 0, k;
    if (gmtls_handshake(p->cli, &p->c2s, NULL, &z) != GMTLS_ERR_WANT_READ) {
        return 0;
    }
    k = p->c2s.off;
    if (gmtls_handshake(p->srv, &p->s2c, p->c2s.base, &k) != GMTLS_ERR_WANT_READ) {
        return 0;
    }
    p->c2s.off = 0;
    k = p->s2c.off;
    if (gmtls_handshake(p->cli, &p->c2s, p->s2c.base, &k) != GMTLS_ERR_WANT_READ || !gmtls_conn_did_hrr(p->cli)) {
        return 0;
    }
    p->s2c.off = 0;
    uint8_t *rec = p->c2s.base;
    size_t reclen = p->c2s.off;
    if (reclen <= 5 || rec[0] != 22) {
        return 0;
    }
    if (strip) {
        /* record(5) msg_type(1) length(3) version(2) random(32) session_id
         * cipher_suites compression_methods extensions, pre_shared_key last:
         * cut it and fix the three lengths. */
        size_t off = 5 + 4 + 2 + 32;
        off += 1 + rec[off];
        off += 2 + (size_t)(rec[off] << 8 | rec[off + 1]);
        off += 1 + rec[off];
        size_t exts = off, q = exts + 2, last = 0;
        while (q + 4 <= reclen) {
            last = q;
            q += 4 + (size_t)(rec[q + 2] << 8 | rec[q + 3]);
        }
        if (last == 0 || (rec[last] << 8 | rec[last + 1]) != 41 || q != reclen) {
            return 0;
        }
        size_t cut = reclen - last;
        size_t elen = (size_t)(rec[exts] << 8 | rec[exts + 1]) - cut;
        size_t hlen = (size_t)(rec[6] << 16 | rec[7] << 8 | rec[8]) - cut;
        rec[exts] = (uint8_t)(elen >> 8), rec[exts + 1] = (uint8_t)elen;
        rec[6] = (uint8_t)(hlen >> 16), rec[7] = (uint8_t)(hlen >> 8), rec[8] = (uint8_t)hlen;
        rec[3] = (uint8_t)((hlen + 4) >> 8), rec[4] = (uint8_t)(hlen + 4);
        p->c2s.off = reclen = last;
    }
    k = reclen;
    int rc = gmtls_handshake(p->srv, &p->s2c, p->c2s.base, &k);
    p->c2s.off = 0;
    return rc;
}

int tt_pair_new(tt_pair *p, gmtls_config *ccfg, gmtls_config *scfg, const char *sni)
{
    memset(p, 0, sizeof(*p));
    p->cli = gmtls_conn_new(ccfg, 0);
    p->srv = gmtls_conn_new(scfg, 1);
    if (p->cli == NULL || p->srv == NULL) {
        return -1;
    }
    if (sni != NULL && gmtls_conn_set_server_name(p->cli, sni) != 0) {
        return -1;
    }
    return 0;
}

void tt_pair_free(tt_pair *p)
{
    gmtls_conn_free(p->cli);
    gmtls_conn_free(p->srv);
    gmtls_buf_dispose(&p->c2s);
    gmtls_buf_dispose(&p->s2c);
    gmtls_buf_dispose(&p->cli_app);
    gmtls_buf_dispose(&p->srv_app);
}

/* Feeds `in` to conn; leftover bytes stay in `in`. */
static int feed(gmtls_conn *c, gmtls_buf *in, gmtls_buf *out, gmtls_buf *app)
{
    size_t n = in->off;
    int rc;
    if (!gmtls_conn_handshake_done(c)) {
        rc = gmtls_handshake(c, out, in->base, &n);
        gmtls_buf_consume(in, n);
        if (rc != 0 || in->off == 0) {
            return rc;
        }
        n = in->off;
    }
    rc = gmtls_receive(c, out, app, in->base, &n);
    gmtls_buf_consume(in, n);
    return rc;
}

int tt_handshake(tt_pair *p)
{
    p->cli_rc = p->srv_rc = GMTLS_ERR_WANT_READ;
    for (int round = 0; round < 20; round++) {
        if (p->cli_rc == GMTLS_ERR_WANT_READ) {
            p->cli_rc = feed(p->cli, &p->s2c, &p->c2s, &p->cli_app);
        }
        if (p->srv_rc == GMTLS_ERR_WANT_READ || (p->srv_rc == 0 && p->c2s.off > 0)) {
            p->srv_rc = feed(p->srv, &p->c2s, &p->s2c, &p->srv_app);
        }
        if (p->cli_rc == 0 && p->srv_rc == 0 && p->c2s.off == 0) {
            /* Deliver post-handshake messages (tickets) to the client. */
            if (p->s2c.off > 0) {
                p->cli_rc = feed(p->cli, &p->s2c, &p->c2s, &p->cli_app);
                continue;
            }
            return 0;
        }
        if ((p->cli_rc != 0 && p->cli_rc != GMTLS_ERR_WANT_READ) ||
            (p->srv_rc != 0 && p->srv_rc != GMTLS_ERR_WANT_READ)) {
            /* Let the alert reach the other side, then report. */
            if (p->s2c.off > 0 && p->cli_rc == GMTLS_ERR_WANT_READ) {
                p->cli_rc = feed(p->cli, &p->s2c, &p->c2s, &p->cli_app);
            }
            if (p->c2s.off > 0 && (p->srv_rc == GMTLS_ERR_WANT_READ || p->srv_rc == 0)) {
                p->srv_rc = feed(p->srv, &p->c2s, &p->s2c, &p->srv_app);
            }
            return (p->cli_rc != 0 && p->cli_rc != GMTLS_ERR_WANT_READ) ? p->cli_rc : p->srv_rc;
        }
    }
    return GMTLS_ERR_TIMEOUT;
}

int tt_flush(tt_pair *p)
{
    for (int i = 0; i < 4; i++) {
        int rc;
        if (p->c2s.off > 0 && (rc = feed(p->srv, &p->c2s, &p->s2c, &p->srv_app)) != 0) {
            return rc;
        }
        if (p->s2c.off > 0 && (rc = feed(p->cli, &p->s2c, &p->c2s, &p->cli_app)) != 0) {
            return rc;
        }
    }
    return 0;
}

int tt_send(tt_pair *p, int from_client, const void *data, size_t len)
{
    int rc = gmtls_send(from_client ? p->cli : p->srv, from_client ? &p->c2s : &p->s2c, data, len);
    return rc != 0 ? rc : tt_flush(p);
}

gmtls_config *tt_server_config(const test_chain *chain)
{
    gmtls_config *cfg = gmtls_config_new();
    if (cfg != NULL && chain != NULL &&
        gmtls_config_add_cert_chain_mem(cfg, chain->chain_pem, strlen(chain->chain_pem), chain->key_pem,
                                        strlen(chain->key_pem)) != 0) {
        fprintf(stderr, "tt_server_config: %s\n", gmtls_config_last_error(cfg));
        gmtls_config_free(cfg);
        return NULL;
    }
    return cfg;
}

gmtls_config *tt_client_config(const test_chain *trust)
{
    gmtls_config *cfg = gmtls_config_new();
    if (cfg != NULL && trust != NULL && gmtls_config_add_ca_mem(cfg, trust->ca_pem, strlen(trust->ca_pem)) != 0) {
        gmtls_config_free(cfg);
        return NULL;
    }
    return cfg;
}

const test_chain *tt_chain(const char *alg)
{
    static const char *names[] = {"P-256", "P-384", "RSA", "RSA-PSS", "ED25519", "SM2", "P-521", "ED448"};
    static test_chain chains[(sizeof names / sizeof names[0])];
    static int made[(sizeof names / sizeof names[0])];
    for (size_t i = 0; i < (sizeof names / sizeof names[0]); i++) {
        if (strcmp(names[i], alg) == 0) {
            if (!made[i]) {
                if (test_make_chain(alg, "localhost", "1234567812345678", &chains[i]) != 0) {
                    return NULL;
                }
                made[i] = 1;
            }
            return &chains[i];
        }
    }
    return NULL;
}

void tt_peer_get(const gmtls_conn *c, tt_peer_view *v)
{
    memset(v, 0, sizeof *v);
    const char *subj = gmtls_conn_peer_subject(c);
    v->has_subject = subj != NULL;
    snprintf(v->subject, sizeof v->subject, "%s", subj != NULL ? subj : "");
    size_t len = 0;
    while (gmtls_conn_peer_cert(c, v->ncerts, &len) != NULL) {
        if (v->ncerts == 0 && len <= sizeof v->leaf) {
            memcpy(v->leaf, gmtls_conn_peer_cert(c, 0, &len), len);
            v->leaf_len = len;
        }
        v->ncerts++;
    }
    snprintf(v->verify, sizeof v->verify, "%s", gmtls_conn_verify_result(c));
}

int tt_peer_same(const tt_peer_view *a, const tt_peer_view *b)
{
    return a->has_subject == b->has_subject && strcmp(a->subject, b->subject) == 0 && a->ncerts == b->ncerts &&
           a->leaf_len == b->leaf_len && memcmp(a->leaf, b->leaf, a->leaf_len) == 0 &&
           strcmp(a->verify, b->verify) == 0;
}

int tt_resume_same_peer(gmtls_config *ccfg, gmtls_config *scfg, int rounds, tt_peer_view *full_c, tt_peer_view *full_s,
                        gmtls_buf *sess)
{
    tt_pair p;
    static tt_peer_view v; /* 8 KiB */
    int ok = tt_pair_new(&p, ccfg, scfg, "localhost") == 0 && tt_handshake(&p) == 0;
    if (ok) {
        tt_peer_get(p.cli, full_c);
        tt_peer_get(p.srv, full_s);
        sess->off = 0;
        ok = gmtls_conn_get_session(p.cli, sess) == 0;
    }
    tt_pair_free(&p);
    for (int round = 0; ok && round < rounds; round++) {
        ok = tt_pair_new(&p, ccfg, scfg, "localhost") == 0 &&
             gmtls_conn_set_session(p.cli, sess->base, sess->off) == 0 && tt_handshake(&p) == 0 &&
             gmtls_conn_is_resumed(p.cli) && gmtls_conn_is_resumed(p.srv);
        if (ok) {
            tt_peer_get(p.cli, &v);
            ok = tt_peer_same(&v, full_c);
            tt_peer_get(p.srv, &v);
            ok = ok && tt_peer_same(&v, full_s);
            /* the session it leaves (its ticket or ID again) keeps the peer */
            sess->off = 0;
            ok = ok && gmtls_conn_get_session(p.cli, sess) == 0;
        }
        tt_pair_free(&p);
    }
    return ok ? 0 : -1;
}

size_t tt_session_gms3(const uint8_t *s4, size_t len, uint8_t *out)
{
    /* "GMS4" | suite(2) | psk<1> | ticket<2> | age_add(4) | lifetime(4) |
     * received_ms(8) | alpn<1> | server_name<1> | max_early(4) | session_id<1> | ... */
    static const size_t widths[] = {0, 2, 1, 2, 4, 4, 8, 1, 1, 4, 1}; /* 1, 2: a vector's length bytes */
    static const int vec[] = {0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1};
    size_t at = 4;
    if (len < 4 || memcmp(s4, "GMS4", 4) != 0) {
        return 0;
    }
    for (size_t f = 1; f < sizeof widths / sizeof widths[0]; f++) {
        size_t n = widths[f];
        if (vec[f]) {
            if (at + n > len) {
                return 0;
            }
            size_t l = n == 1 ? s4[at] : (size_t)s4[at] << 8 | s4[at + 1];
            n += l;
        }
        if (at + n > len) {
            return 0;
        }
        at += n;
    }
    memcpy(out, "GMS3", 4);
    memcpy(out + 4, s4 + 4, at - 4);
    return at;
}
