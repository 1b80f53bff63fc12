/* tests/tls/tlstest.h - in-memory client/server plumbing for the handshake
 * tests: two connections exchanging bytes through buffers, no sockets. */
#ifndef GMTLS_TLSTEST_H
#define GMTLS_TLSTEST_H

#include "gmtls.h"
#include "testcerts.h"

typedef struct {
    gmtls_conn *cli, *srv;
    gmtls_buf c2s, s2c; /* bytes in flight */
    gmtls_buf cli_app, srv_app;
    int cli_rc, srv_rc; /* last results */
} tt_pair;

/* Makes a pair on the two configs (client sends server_name when sni != NULL). */
int tt_pair_new(tt_pair *p, gmtls_config *ccfg, gmtls_config *scfg, const char *sni);
void tt_pair_free(tt_pair *p);
/* Runs both handshakes to completion or failure. Returns 0 when both
 * completed; otherwise the first failure (client's or server's). */
int tt_handshake(tt_pair *p);
/* Sends data from one side and delivers it to the other's app buffer. 0 or error. */
int tt_send(tt_pair *p, int from_client, const void *data, size_t len);
/* Delivers whatever is in flight in both directions (gmtls_receive). */
int tt_flush(tt_pair *p);

/* A server config with the chain of alg; a client config trusting its CA. */
gmtls_config *tt_server_config(const test_chain *chain);
gmtls_config *tt_client_config(const test_chain *trust);
/* A cached chain per algorithm (made once per process). */
const test_chain *tt_chain(const char *alg);
/* Runs a fresh pair up to the server's answer to the second ClientHello,
 * which reaches it without its pre_shared_key extension when strip is set
 * (the client must be set to resume or offer PSKs, and to get a
 * HelloRetryRequest). Returns that answer's result (0 if the setup failed). */
int tt_second_hello(tt_pair *p, int strip);

/* What a connection reports about its peer (gmtls_conn_peer_subject,
 * _peer_cert, _verify_result), copied. */
typedef struct {
    int has_subject;
    char subject[512];
    size_t ncerts, leaf_len;
    uint8_t leaf[8192];
    char verify[200];
} tt_peer_view;
void tt_peer_get(const gmtls_conn *c, tt_peer_view *v);
/* 1 when a and b report the same peer: subject, chain length, leaf, verify result. */
int tt_peer_same(const tt_peer_view *a, const tt_peer_view *b);
/* A full handshake of ccfg against scfg (what each side reports of its peer
 * into full_c, full_s), then `rounds` resumptions, each with the session the
 * connection before left; *sess (initialized by the caller) ends up holding
 * the last one. Returns 0 when every resumption resumed on both sides and
 * reported the full handshake's peers, -1 otherwise. */
int tt_resume_same_peer(gmtls_config *ccfg, gmtls_config *scfg, int rounds, tt_peer_view *full_c, tt_peer_view *full_s,
                        gmtls_buf *sess);
/* The serialized session s4 ("GMS4", gmtls_conn_get_session) rewritten in
 * the older "GMS3" form (up to its session_id<1>: no peer chain, no verify
 * outcome) into out (len bytes or more); its length, 0 if s4 is not GMS4. */
size_t tt_session_gms3(const uint8_t *s4, size_t len, uint8_t *out);

#endif
