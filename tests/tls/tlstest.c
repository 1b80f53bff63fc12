/* In-memory client/server plumbing (see tlstest.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlstest.h"

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
