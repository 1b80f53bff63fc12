/* src/handshake/internal.h - the config and connection objects and the
 * functions the handshake files share. */
#ifndef GMTLS_HS_INTERNAL_H
#define GMTLS_HS_INTERNAL_H

#include <stdatomic.h>

#include "crypto/crypto.h"
#include "crypto/x509.h"
#include "ext/ext.h"
#include "keysched/keysched.h"
#include "record/record.h"

/* Handshake message types (RFC 8446 §4). */
enum {
    GMTLS_HS_CLIENT_HELLO = 1,
    GMTLS_HS_SERVER_HELLO = 2,
    GMTLS_HS_NEW_SESSION_TICKET = 4,
    GMTLS_HS_END_OF_EARLY_DATA = 5,
    GMTLS_HS_ENCRYPTED_EXTENSIONS = 8,
    GMTLS_HS_CERTIFICATE = 11,
    GMTLS_HS_CERTIFICATE_REQUEST = 13,
    GMTLS_HS_CERTIFICATE_VERIFY = 15,
    GMTLS_HS_FINISHED = 20,
    GMTLS_HS_KEY_UPDATE = 24,
    GMTLS_HS_COMPRESSED_CERTIFICATE = 25, /* RFC 8879 */
    GMTLS_HS_MESSAGE_HASH = 254,
};

#define GMTLS_TLS13 0x0304
#define GMTLS_TLS12 0x0303
#define GMTLS_TLCP 0x0101 /* GB/T 38636-2020 §6.4.5.2.1: ProtocolVersion {1, 1} */
/* The pre-1.3 family, one engine (tls12.c): TLS 1.2 and TLCP. */
#define GMTLS_IS_12FAMILY(c) ((c)->version == GMTLS_TLS12 || (c)->version == GMTLS_TLCP)
#define GMTLS_SIGALG_SM2_LEGACY 0x0204 /* the Go gmtls family's SM2-with-SM3 */
#define GMTLS_MAX_LIST 32
#define GMTLS_MAX_CERTS 16
/* The most certificates a chain holds (ours, the peer's, a session's), as
 * OpenSSL's default verify depth; the peer's is bounded further by
 * gmtls_config_set_peer_chain_limit (GMTLS_PEER_CHAIN_DEFAULT). */
#define GMTLS_MAX_CHAIN 100
#define GMTLS_PEER_CHAIN_DEFAULT 10
/* the longest verify outcome a session keeps (verify_result[200] less its NUL) */
#define GMTLS_VERDICT_MAX 199
#define GMTLS_MAX_HS_MSG (256 * 1024)
/* The largest Certificate body a CompressedCertificate may decompress to: the
 * room an uncompressed Certificate message gets (RFC 8879 §4 bound). */
#define GMTLS_MAX_CERT_PLAIN GMTLS_MAX_HS_MSG
#define GMTLS_CERTCOMP_NALGS 3 /* zlib, brotli, zstd (certcomp.c) */
/* RFC 8449 §4: "TLS 1.3 uses a limit of 2^14+1 octets" (TLSInnerPlaintext). */
#define GMTLS_RECORD_SIZE_LIMIT_MAX (GMTLS_MAX_PLAINTEXT + 1)
#define GMTLS_MAX_TICKET_KEYS 8
#define GMTLS_TICKET_KEY_LEN 48
#define GMTLS_MAX_TICKET_LIFETIME (7 * 24 * 3600)
/* The server's session-ID cache (sesscache.c): entries by default and at
 * most, and the default lifetime in seconds. */
#define GMTLS_SESSION_ID_LEN 32
#define GMTLS_SESSION_CACHE_DEFAULT 20480
#define GMTLS_SESSION_CACHE_MAX (1u << 24)
#define GMTLS_SESSION_CACHE_LIFETIME 7200
#define GMTLS_MAX_PSK_IDENTITIES 5 /* identities the server tries (as the reference) */
#define GMTLS_MAX_EXT_PSKS 8       /* external PSKs in a config */
#define GMTLS_MAX_EXT_PSK_LEN 256  /* bytes of an external PSK's identity or key */
/* Records in a row that carry nothing (change_cipher_spec, empty records,
 * user_canceled alerts) before the peer is cut off (BoringSSL and OpenSSL: 32). */
#define GMTLS_MAX_EMPTY_RECORDS 32
/* user_canceled alerts in a row: the alert "SHOULD be followed by a
 * close_notify" (RFC 8446 §6.1); BoringSSL (4 warning alerts) and OpenSSL
 * (the 5th warning alert fails) take 4, so do we. */
#define GMTLS_MAX_USER_CANCELED 4
/* Bytes of rejected early data a server skips (its max_early_data_size). */
#define GMTLS_MAX_EARLY_SKIP (16 * GMTLS_MAX_CIPHERTEXT)
/* 0-RTT freshness window (RFC 8446 §8.3): the client's ticket age may differ
 * from ours by this much; the ClientHello record keeps binders twice as long. */
#define GMTLS_EARLY_WINDOW_MS 10000
/* Binders the 0-RTT anti-replay record holds (RFC 8446 §8.2); when it is full
 * of live entries 0-RTT is rejected (the handshake goes on in 1-RTT). */
#define GMTLS_REPLAY_SLOTS 4096

/* One configured certificate chain with its key. */
typedef struct {
    uint8_t *der[GMTLS_MAX_CHAIN];
    size_t derlen[GMTLS_MAX_CHAIN];
    size_t n;
    gmtls_x509 *leaf; /* der[0] parsed, for name matching */
    struct gmtls_name_memo *names; /* recent server names checked against leaf (cert.c) */
    uint16_t leaf_sigalg; /* scheme the leaf certificate is signed with (0 if unknown) */
    int go_style;         /* an SM2 leaf with the Go gmtls family's key encoding (gmtls_x509_go_style_key) */
    gmtls_pkey key;
    uint8_t *ocsp;
    size_t ocsp_len;
    uint8_t *scts;
    size_t scts_len;
    /* CompressedCertificate messages made from this chain (certcomp.c), per
     * algorithm and leaf form (bit 0: OCSP staple, bit 1: SCTs). */
    _Atomic(struct gmtls_ccert *) ccache[GMTLS_CERTCOMP_NALGS][4];
} gmtls_cert;

typedef struct {
    uint8_t name[16];
    uint8_t secret[32];
} gmtls_ticket_key;

/* An external PSK (RFC 8446 §2.2): identity, key, key-schedule hash. */
typedef struct {
    uint8_t id[GMTLS_MAX_EXT_PSK_LEN];
    size_t id_len;
    uint8_t key[GMTLS_MAX_EXT_PSK_LEN];
    size_t key_len;
    const gmtls_hash_alg *hash;
} gmtls_ext_psk;

/* Where the passphrase of an encrypted private key comes from. */
typedef struct {
    const char *pass; /* owned by the config (copied, wiped) */
    gmtls_passphrase_fn *fn;
    void *ctx;
} gmtls_pass_src;

struct gmtls_config {
    atomic_int refs;
    uint16_t suites[GMTLS_MAX_LIST];
    size_t nsuites;
    int suites_custom;
    int groups_custom;
    int sigalgs_custom;
    uint16_t groups[GMTLS_MAX_LIST];
    size_t ngroups;
    uint16_t sigalgs[GMTLS_MAX_LIST];
    size_t nsigalgs;
    uint16_t verify_sigalgs[GMTLS_MAX_LIST]; /* gmtls_config_set_verify_sigalgs (0: sigalgs) */
    size_t nverify_sigalgs;
    int verify_sigalgs_custom; /* set from a list, not "DEFAULT" */
    uint8_t alpn_wire[512]; /* ProtocolNameList body */
    size_t alpn_len;
    gmtls_cert certs[GMTLS_MAX_CERTS];
    size_t ncerts;
    /* TLCP (GB/T 38636-2020): the encryption certificate and its SM2 key,
     * sent after the first SM2 signing chain; a server with one answers
     * ClientHellos of version 0x0101. */
    gmtls_cert enc_cert;
    int has_enc_cert;
    gmtls_cert_verifier *verifier; /* trust anchors and chain checks (src/crypto/x509.h), or NULL */
    uint8_t *ca_names; /* DistinguishedName list body for certificate_authorities */
    size_t ca_names_len;
    int verify_peer;
    size_t peer_chain_max;       /* certificates in the peer's chain (gmtls_config_set_peer_chain_limit) */
    size_t peer_chain_max_bytes; /* bytes of the peer's Certificate body, uncompressed */
    int64_t verify_time;
    uint64_t (*clock)(void *arg); /* ms since the epoch; NULL = CLOCK_REALTIME */
    void *clock_arg;
    gmtls_client_auth client_auth;
    gmtls_sm2_id_mode sm2_id_mode;
    gmtls_keylog_fn *keylog;
    void *keylog_ctx;
    gmtls_select_cert_fn *select_cert;
    void *select_cert_ctx;
    gmtls_verify_conn_fn *verify_conn;
    void *verify_conn_ctx;
    int reverify_on_resume; /* client: verify a resumed session's chain again */
    unsigned tickets;
    uint32_t ticket_lifetime;
    gmtls_ticket_key ticket_keys[GMTLS_MAX_TICKET_KEYS];
    size_t nticket_keys;
    uint16_t record_padding;
    uint64_t key_update_records;
    gmtls_ext_psk psks[GMTLS_MAX_EXT_PSKS]; /* wiped with the config */
    size_t npsks;
    unsigned psk_modes; /* GMTLS_PSK_MODE_* for external PSKs */
    int strict_sm;
    uint16_t min_version, max_version; /* GMTLS_TLS12 / GMTLS_TLS13 (gmtls_config_set_versions) */
    int versions_set;                  /* a client offers TLS 1.2 only when the range was set explicitly */
    int tlcp_client;                   /* a client speaks TLCP only (gmtls_config_set_tlcp_client) */
    uint16_t suites12[GMTLS_MAX_LIST]; /* TLS 1.2 suites, strict preference; none set: the built-in order */
    size_t nsuites12;
    uint16_t suites_tlcp[GMTLS_MAX_LIST]; /* TLCP suites, the same way (gmtls_config_set_cipher_suites_tlcp) */
    size_t nsuites_tlcp;
    int go_dialect; /* the go-gmtls profile (gmtls_config_set_profile) */
    int request_ocsp; /* client: send status_request (gmtls_config_set_request_ocsp) */
    int middlebox_compat;    /* RFC 8446 §D.4 CCS always (gmtls_config_set_middlebox_compat) */
    uint16_t cert_comp[GMTLS_CERTCOMP_NALGS]; /* RFC 8879 algorithms, preferred first; none: off */
    size_t ncert_comp;
    uint16_t record_size_limit; /* RFC 8449 value we advertise (0: not sent) */
    uint16_t max_send_fragment;  /* largest plaintext per record we send (0: 2^14) */
    uint32_t max_early_data;     /* server: 0-RTT bytes tickets allow (0: off) */
    struct gmtls_replay *replay; /* server: 0-RTT ClientHello record (ticket.c) */
    struct gmtls_sesscache *sesscache; /* server: TLS 1.2 / TLCP sessions by ID (sesscache.c) */
    gmtls_pass_src key_pass; /* for encrypted private keys (keyfile.c) */
    char err[256];
};

typedef struct {
    uint16_t group;
    const uint8_t *data;
    size_t len;
} gmtls_key_share;

typedef struct {
    const uint8_t *id;
    size_t id_len;
    uint32_t obfuscated_age;
    const uint8_t *binder;
    size_t binder_len;
} gmtls_psk_identity;

/* A parsed ClientHello; pointers refer to the message bytes. */
typedef struct {
    const uint8_t *msg; /* the whole message, header included */
    size_t msglen;
    uint16_t legacy_version;
    const uint8_t *random;
    const uint8_t *session_id;
    size_t session_id_len;
    const uint8_t *suites;
    size_t suites_len;
    const uint8_t *comp;
    size_t comp_len;
    gmtls_ext *exts; /* the lists below are allocated (gmtls_ch_free), as long as the message needs */
    size_t nexts;
    /* decoded extensions */
    int offers_tls13;
    int has_supported_versions;
    int offers_tls12; /* supported_versions lists 0x0303 */
    char sni[256];
    int has_sni;
    uint16_t *groups;
    size_t ngroups;
    uint16_t *sigalgs;
    size_t nsigalgs;
    uint16_t *sigalgs_cert;
    size_t nsigalgs_cert;
    int has_sigalgs, has_sigalgs_cert;
    gmtls_key_share *shares;
    size_t nshares;
    int has_key_share;
    const uint8_t *alpn; /* ProtocolNameList body */
    size_t alpn_len;
    int has_alpn;
    int psk_dhe, psk_ke, has_psk_modes;
    gmtls_psk_identity *psks;
    size_t npsks;
    size_t binders_off; /* offset of the binders list in msg (for the truncated hash) */
    int has_psk;
    int early_data;
    int post_handshake_auth; /* RFC 8446 §4.2.6 */
    int status_request;
    int sct;
    int has_reneg;
    size_t reneg_len;
    int has_cookie;
    const uint8_t *cookie;
    size_t cookie_len;
    const uint8_t *cert_comp; /* compress_certificate algorithms (RFC 8879) */
    size_t cert_comp_len;
    uint16_t record_size_limit; /* RFC 8449; 0 if absent */
} gmtls_client_hello;

/* The inputs and results of the extension table's parsers and writers
 * (src/ext/ext_bodies.c) beyond the connection, one per message. */
/* ClientHello writers (client.c): the key shares and the echoed cookie. */
typedef struct {
    gmtls_rd kept; /* key_share body of the first ClientHello to resend (p NULL: new shares) */
    const uint8_t *pub, *pub2;
    size_t publen, publen2;
    const uint8_t *cookie; /* from the HelloRetryRequest, NULL for none */
    size_t cookielen;
} gmtls_ch_out;

/* ServerHello / HelloRetryRequest: written by the server, read by the client. */
typedef struct {
    int has_version; /* read: supported_versions selects TLS 1.3 */
    uint16_t group;  /* read: key_share's group or selected_group (written: c->group) */
    const uint8_t *share;
    size_t sharelen;
    int psk_index; /* pre_shared_key selected_identity, -1 for none */
    const uint8_t *cookie;
    size_t cookielen;
} gmtls_sh_exts;

/* CertificateRequest (read by the client). */
typedef struct {
    int has_sigalgs;
} gmtls_cr_exts;

/* One CertificateEntry: written by either side, read by either side. */
typedef struct {
    const gmtls_cert *cert; /* written: the chain */
    size_t index;           /* the entry's place in the chain (0: end-entity) */
    int with_ocsp, with_scts;
} gmtls_ct_exts;

/* Handshake states, one enum for both roles. */
typedef enum {
    ST_START = 0,
    /* server */
    ST_S_WAIT_CH,
    ST_S_WAIT_CH2,
    ST_S_WAIT_EOED, /* 0-RTT accepted: early data until EndOfEarlyData */
    ST_S_WAIT_CERT,
    ST_S_WAIT_CV,
    ST_S_WAIT_FINISHED,
    /* client, TLS 1.2 (tls12.c) */
    ST_C12_WAIT_CERT,
    ST_C12_WAIT_SKE,
    ST_C12_WAIT_SHD,
    ST_C12_WAIT_NST,
    ST_C12_WAIT_CCS,
    ST_C12_WAIT_FINISHED,
    /* server, TLS 1.2 (tls12.c) */
    ST_S12_WAIT_CERT,
    ST_S12_WAIT_CKE,
    ST_S12_WAIT_CV,
    ST_S12_WAIT_CCS,
    ST_S12_WAIT_FINISHED,
    /* client */
    ST_C_WAIT_SH,
    ST_C_WAIT_EE,
    ST_C_WAIT_CERT_CR,
    ST_C_WAIT_CERT,
    ST_C_WAIT_CV,
    ST_C_WAIT_FINISHED,
    /* both */
    ST_DONE,
} gmtls_state;

/* A session the client can resume. */
typedef struct {
    uint16_t suite;
    uint8_t psk[GMTLS_MAX_HASH_LEN];
    size_t psk_len;
    uint8_t *ticket;
    size_t ticket_len;
    uint32_t age_add; /* TLS 1.3; a TLS 1.2 / TLCP session keeps its ECDHE group here */
    uint32_t lifetime;
    uint64_t received_ms; /* wall-clock milliseconds when received */
    uint32_t max_early;   /* NewSessionTicket early_data max_early_data_size (0: no 0-RTT) */
    char alpn[256];
    char server_name[256];
    uint8_t session_id[32]; /* TLS 1.2 / TLCP: the server's ID, to resume by when there is no ticket */
    size_t session_id_len;
    /* The server as the handshake that made the session saw it (kept by
     * gmtls_session_add, restored by gmtls_session_restore_peer): its chain,
     * count(1) | cert<1..2^24-1>... | TLCP encryption cert<0..2^24-1>, and
     * the verify outcome (NULL / 0 for a session read in an older form). */
    uint8_t *peer;
    size_t peer_len;
    int peer_verified;
    char verify_result[200];
} gmtls_session;

struct gmtls_conn {
    gmtls_config *cfg;
    int is_server;
    uint16_t version; /* negotiated: GMTLS_TLS13, GMTLS_TLS12, or 0 before the hellos */
    gmtls_state state;
    int failed;        /* first fatal error, sticky */
    int closed_recv;   /* close_notify received */
    int closed_sent;
    char detail[200];  /* why the connection failed */
    void *user_data;

    gmtls_buf rbuf;   /* incoming bytes not yet a complete record */
    gmtls_buf hsbuf;  /* handshake bytes not yet a complete message */
    gmtls_buf hsout;  /* handshake messages to send with the current write key */
    gmtls_rec rd, wr;

    const gmtls_suite *suite;
    gmtls_hash_ctx transcript;
    int transcript_ready;
    gmtls_keysched ks;
    uint8_t client_random[32];
    uint8_t server_random[32];
    uint8_t session_id[32];
    size_t session_id_len;

    /* negotiated */
    uint16_t group;
    uint16_t sigalg;       /* server's CertificateVerify scheme */
    uint16_t peer_sigalg;  /* scheme of the peer's CertificateVerify */
    char alpn[256];
    char server_name[256];
    int resumed;
    int did_hrr;
    int sent_ccs;
    int peer_sent_ccs;  /* a dummy change_cipher_spec arrived (client: the server is in compatibility mode) */
    int ccs_allowed;    /* a dummy change_cipher_spec may still arrive */
    int skip_early_data; /* server: drop undecryptable records (rejected 0-RTT) */
    int ku_answered;     /* answered a KeyUpdate request and sent no application data since */
    unsigned ku_in_a_row; /* KeyUpdates received since the peer's last application data */
    size_t early_skipped;
    /* 0-RTT (server) */
    int early_state;           /* GMTLS_EARLY_* */
    int early_ticket_ok;       /* the resumed ticket (first identity) allows 0-RTT */
    int32_t ticket_age_skew;   /* server: client's ticket age - ours, seconds (resumption) */
    int early_ticket_usable;   /* server: first identity, the ticket allows 0-RTT, its suite */
    int early_age_ok;          /* server: the ticket age within GMTLS_EARLY_WINDOW_MS */
    const char *early_reason;  /* gmtls_conn_early_data_reason once decided, else NULL */
    uint32_t early_max;        /* the ticket's max_early_data_size */
    char early_alpn[256];      /* the ticket's ALPN */
    uint8_t c_early[GMTLS_MAX_HASH_LEN]; /* client_early_traffic_secret */
    gmtls_buf early_buf;       /* server: early data not yet handed to the application; client: to send */
    int early_sending;         /* client: this ClientHello offers early data */
    gmtls_rec early_wr;        /* client: the early write key, kept for EndOfEarlyData */
    int early_wr_current;      /* client: accepted 0-RTT, no EndOfEarlyData yet: write with early_wr */
    size_t early_received;     /* plaintext bytes of early data */
    int last_read_early;       /* the last gmtls_receive returned early data */
    int got_record;         /* a record was received: the first one is checked for being TLS at all */
    unsigned empty_records; /* records in a row that carried nothing */
    unsigned user_canceled; /* user_canceled alerts since the last record that carried something */
    int cert_requested; /* server: sent CertificateRequest / client: received one */
    int peer_psk_dhe;   /* server: the client offered psk_dhe_ke (tickets are useful) */
    int has_client_cert_state; /* server: a resumed session carried a client chain */
    int key_update_pending; /* must answer a KeyUpdate with update_requested */
    int cr_legacy_ok;       /* server: our CertificateRequest listed the legacy SM2 scheme */
    /* post-handshake authentication (RFC 8446 §4.6.2) */
    int sent_pha;  /* client: offered post_handshake_auth */
    int peer_pha;  /* server: the client offered it */
    int pha_state; /* GMTLS_PHA_* */
    int pha_step;  /* server: waiting for 0 Certificate, 1 CertificateVerify, 2 Finished */
    gmtls_client_auth pha_mode;
    uint8_t pha_ctx[16]; /* server: certificate_request_context of the pending request */
    gmtls_hash_ctx pha_main; /* the handshake's transcript, kept while an exchange uses c->transcript */
    int pha_saved;
    const gmtls_ext_psk *ext_psk; /* the external PSK this handshake uses, or NULL */
    int psk_ke_only;        /* psk_ke: no (EC)DHE (RFC 8446 §4.2.9) */

    /* server side */
    const gmtls_cert *cert;
    uint8_t client_finished[GMTLS_MAX_HASH_LEN]; /* expected client Finished */
    int client_cert_empty;
    uint8_t *cr_context; /* client: certificate_request_context received */
    size_t cr_context_len;
    uint16_t cr_sigalgs[64];
    size_t ncr_sigalgs;

    /* client side */
    const gmtls_kex_alg *kex_offered;
    void *kex_state;
    /* a second key share (the classical fallback beside a hybrid), or NULL */
    const gmtls_kex_alg *kex_offered2;
    void *kex_state2;
    uint8_t *ch1; /* first ClientHello (for HRR and binder recomputation) */
    size_t ch1_len;
    gmtls_session offer;  /* session offered for resumption */
    int offered_psk;
    /* client: the external PSKs offered after the ticket (cfg->psks indexes) */
    uint8_t offered_ext[GMTLS_MAX_EXT_PSKS];
    size_t noffered_ext;
    gmtls_session *sessions; /* tickets received */
    size_t nsessions;
    int sent_sni;
    int offered_alpn;
    int sent_cookie; /* client: our second ClientHello echoed a cookie */

    /* peer certificate chain */
    /* grown to the chain (gmtls_peer_reserve), at most GMTLS_MAX_CHAIN: a
     * connection does not carry room for 100 certificates */
    uint8_t **peer_der;
    size_t *peer_derlen;
    size_t peer_cap;
    size_t npeer;
    gmtls_x509 *peer_leaf; /* peer_der[0], parsed once */
    gmtls_pkey peer_key;
    /* TLCP client: the server's encryption certificate (taken out of the
     * peer chain, owned here) and its SM2 key. */
    uint8_t *tlcp_enc_der;
    size_t tlcp_enc_derlen;
    gmtls_pkey tlcp_enc;
    /* TLCP ECDHE server: our ephemeral SM2 key from ServerKeyExchange to
     * ClientKeyExchange (wiped and freed then). */
    gmtls_sm2_key *tlcp_eph;
    char peer_subject[512];
    char verify_result[200];
    int peer_verified; /* the peer chain passed gmtls_cert_verify_chain (here or in the resumed session) */
    uint8_t *ocsp;
    size_t ocsp_len;
    uint8_t *scts;
    size_t scts_len;

    /* TLS 1.2 (tls12.c) */
    gmtls_buf hslog; /* the handshake messages so far (CertificateVerify signs them) */
    int hslog_on;
    int reneg12;  /* the peer signalled RFC 5746 support */
    int ticket12; /* a NewSessionTicket comes (the session_ticket extension was exchanged) */
    int status12; /* client: the server acknowledged status_request (CertificateStatus may come) */
    /* key block until both keys are in use (TLCP CBC: two 32-byte MAC keys, two SM4 keys) */
    uint8_t keys12[2 * GMTLS_MAX_KEY_LEN + 2 * GMTLS_IV_LEN + 64];
    uint8_t pms12[GMTLS_MAX_KEX_SECRET]; /* client: the ECDHE secret until ClientKeyExchange is sent */
    size_t pms12_len;
    uint8_t pub12[256]; /* client: our ECDHE point for ClientKeyExchange */
    size_t pub12_len;
    gmtls_session pending12; /* client: the ticket received, kept once the server Finished verifies */
    int sid12_new; /* server: c->session_id is one we issued, cached once the handshake completes */
    uint8_t sid12[32]; /* TLS 1.2 / TLCP: the ServerHello's session_id (gmtls_conn_session_id) */
    size_t sid12_len;

    uint64_t bytes_sent, bytes_received;
    uint64_t tickets_sent;

    /* certificate compression (RFC 8879, certcomp.c) */
    uint16_t cert_comp_peer; /* the algorithm the peer's request lets us compress our Certificate with */
    int sent_cr_cert_comp;   /* server: our CertificateRequest carried compress_certificate */
    uint16_t cc_sent_alg, cc_recv_alg;
    size_t cc_sent_wire, cc_sent_plain, cc_recv_wire, cc_recv_plain;
    /* record_size_limit (RFC 8449) */
    int sent_rsl;       /* client: our ClientHello carried it */
    uint16_t peer_rsl;  /* the peer's limit, 0 when not negotiated */
};

/* ---------------------------------------------------------------- conn.c */

/* Records why the connection is failing; returns err for chaining. */
int gmtls_fail(gmtls_conn *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Appends a handshake message (type + body from a writer) to hsout and the transcript. */
void gmtls_hs_begin(gmtls_wr *w, gmtls_buf *tmp, uint8_t type);
/* Closes the message begun with gmtls_hs_begin, queues it (gmtls_hs_queue)
 * and disposes of its buffer. */
GMTLS_MUST_CHECK int gmtls_hs_end(gmtls_conn *c, gmtls_wr *w);
GMTLS_MUST_CHECK int gmtls_hs_queue(gmtls_conn *c, const uint8_t *msg, size_t len);
/* Writes hsout as handshake records under the current write key. */
GMTLS_MUST_CHECK int gmtls_hs_flush(gmtls_conn *c, gmtls_buf *out);
GMTLS_MUST_CHECK int gmtls_send_ccs(gmtls_conn *c, gmtls_buf *out);
GMTLS_MUST_CHECK int gmtls_transcript_init(gmtls_conn *c, const gmtls_hash_alg *h);
void gmtls_transcript_add(gmtls_conn *c, const uint8_t *p, size_t n);
GMTLS_MUST_CHECK int gmtls_transcript_hash(gmtls_conn *c, uint8_t *out);
void gmtls_keylog(gmtls_conn *c, const char *label, const uint8_t *secret);
uint64_t gmtls_now_ms(const gmtls_conn *c);
const char *gmtls_sm2_sign_id(const gmtls_conn *c, size_t *len);

/* ---------------------------------------------------------------- hello.c */

/* Parses a ClientHello; on success the caller frees it with gmtls_ch_free
 * (on failure nothing is left to free). */
GMTLS_MUST_CHECK int gmtls_ch_parse(gmtls_client_hello *ch, const uint8_t *msg, size_t len);
void gmtls_ch_free(gmtls_client_hello *ch);
const gmtls_ext *gmtls_ch_find(const gmtls_client_hello *ch, uint16_t type);
/* Whether the ClientHello's cipher_suites list id. */
int gmtls_ch_offers_suite(const gmtls_client_hello *ch, uint16_t id);
/* RFC 8446 §4.1.2: checks the second ClientHello against the first. */
GMTLS_MUST_CHECK int gmtls_ch_compare(const gmtls_client_hello *ch1, const gmtls_client_hello *ch2);
int gmtls_list_has(const uint16_t *list, size_t n, uint16_t v);

/* ---------------------------------------------------------------- cert.c */

/* Certificate message body for a chain (with OCSP/SCT on the leaf if wanted). */
GMTLS_MUST_CHECK int gmtls_cert_msg_build(gmtls_conn *c, const gmtls_cert *cert, const uint8_t *ctx, size_t ctxlen,
                                          int with_ocsp, int with_scts);
/* Parses a Certificate message body into the peer chain; empty -> *empty = 1. */
GMTLS_MUST_CHECK int gmtls_cert_msg_parse(gmtls_conn *c, const uint8_t *body, size_t len, const uint8_t *ctx,
                                          size_t ctxlen, int *empty);
/* Runs the application's verify_conn callback; fails with its alert. */
GMTLS_MUST_CHECK int gmtls_verify_conn_run(gmtls_conn *c);
/* Client, a resumption with the session's peer restored: with
 * reverify_on_resume, chain verification (if on) and the verify_conn
 * callback again, as after a full handshake's Certificate; else 0. */
GMTLS_MUST_CHECK int gmtls_cert_reverify(gmtls_conn *c);
/* Verifies the peer chain against the CA store (and host name for a client). */
GMTLS_MUST_CHECK int gmtls_cert_verify_chain(gmtls_conn *c, const char *host);
/* TLCP, after gmtls_cert_verify_chain: the peer's encryption certificate
 * names the signing certificate's entity and chains through the same CA
 * certificates to the anchors (bad_certificate, unknown_ca, ...). */
GMTLS_MUST_CHECK int gmtls_cert_verify_tlcp_enc(gmtls_conn *c);
/* Builds / checks CertificateVerify (RFC 8446 §4.4.3). */
GMTLS_MUST_CHECK int gmtls_cv_build(gmtls_conn *c, const gmtls_pkey *key, uint16_t sigalg);
/* Writes a CertificateVerify (TLS 1.3 and 1.2: scheme || signature<2>). */
GMTLS_MUST_CHECK int gmtls_cv_write(gmtls_conn *c, uint16_t sigalg, const uint8_t *sig, size_t siglen);
GMTLS_MUST_CHECK int gmtls_cv_check(gmtls_conn *c, const uint8_t *body, size_t len, const uint16_t *allowed,
                                    size_t nallowed);
/* Picks a chain and scheme for the client's lists (server). */
GMTLS_MUST_CHECK int gmtls_cert_select(gmtls_conn *c, const gmtls_client_hello *ch);
/* Picks a client certificate for a CertificateRequest; NULL if none fits. */
const gmtls_cert *gmtls_cert_for_request(gmtls_conn *c, uint16_t *sigalg);
void gmtls_cert_dispose(gmtls_cert *cert);
/* RFC 6962 §3.3: 0 for a well-formed SignedCertificateTimestampList, else decode_error. */
GMTLS_MUST_CHECK int gmtls_sct_list_check(const uint8_t *p, size_t len);
/* The application's certificate callback on the ClientHello: its index, or -1. */
int gmtls_cert_callback(gmtls_conn *c, const gmtls_client_hello *ch);
/* 1 if the leaf of cert matches the server name (memoised). */
int gmtls_cert_name_matches(const gmtls_cert *cert, const char *name);
/* Sets up the memo of server names checked against the leaf. */
GMTLS_MUST_CHECK int gmtls_cert_names_init(gmtls_cert *cert);
void gmtls_peer_clear(gmtls_conn *c);
/* Room for n peer certificates (n <= GMTLS_MAX_CHAIN); freed with the connection. */
GMTLS_MUST_CHECK int gmtls_peer_reserve(gmtls_conn *c, size_t n);
/* Sets the peer chain to copies of der[0..n-1] (leaf first; n may be 0),
 * with the leaf's subject and public key, as a resumed session knew it.
 * GMTLS_ERR_BAD_ARGUMENT when the leaf does not parse. */
GMTLS_MUST_CHECK int gmtls_peer_restore(gmtls_conn *c, const uint8_t *const *der, const size_t *derlen, size_t n);

/* Writes a Certificate message body (without its handshake header). */
GMTLS_MUST_CHECK int gmtls_cert_body_write(gmtls_conn *c, gmtls_wr *w, const gmtls_cert *cert, const uint8_t *ctx,
                                           size_t ctxlen, int with_ocsp, int with_scts);

/* ---------------------------------------------------------------- certcomp.c */

int gmtls_certcomp_lookup(const char *name, uint16_t *alg);
/* Reads a compress_certificate body (RFC 8879 §3): the algorithm list. */
GMTLS_MUST_CHECK int gmtls_certcomp_read_ext(const uint8_t *data, size_t len, const uint8_t **list, size_t *listlen);
/* The first algorithm of the peer's list that cfg enables, 0 if none. */
uint16_t gmtls_certcomp_choose(const gmtls_config *cfg, const uint8_t *list, size_t listlen);
/* Writes compress_certificate with cfg's algorithms (nothing if none). */
void gmtls_certcomp_write_ext(const gmtls_config *cfg, gmtls_wr *w);
/* Queues our Certificate: compressed with alg (cached per chain), or the
 * plain message when alg is 0 or there is no chain. */
GMTLS_MUST_CHECK int gmtls_cert_send(gmtls_conn *c, const gmtls_cert *cert, const uint8_t *ctx, size_t ctxlen,
                                     int with_ocsp, int with_scts, uint16_t alg);
/* Decompresses a received CompressedCertificate message msg[0..len)
 * (header included) into a new buffer holding the Certificate body, or
 * fails c with the RFC 8879 alert. */
GMTLS_MUST_CHECK int gmtls_certcomp_open(gmtls_conn *c, const uint8_t *msg, size_t len, uint8_t **body,
                                         size_t *bodylen);
/* Decompresses in[0..n) into exactly outlen bytes; 0 or -1. */
int gmtls_certcomp_decompress(uint16_t alg, const uint8_t *in, size_t n, uint8_t *out, size_t outlen);
void gmtls_certcomp_cache_clear(gmtls_cert *cert);

/* ---------------------------------------------------------------- src/ext/ext_rsl.c */

/* Reads a record_size_limit body (RFC 8449 §4): decode_error if malformed,
 * illegal_parameter below 64. */
GMTLS_MUST_CHECK int gmtls_rsl_read(const uint8_t *data, size_t len, uint16_t *limit);
void gmtls_rsl_write(gmtls_wr *w, uint16_t limit);
/* Applies a negotiated limit: ours to what we read, the peer's to what we write. */
void gmtls_rsl_apply(gmtls_conn *c, uint16_t peer_limit);
/* The same for TLS 1.2 (tls12.c), where the limit counts the plaintext only. */
void gmtls_rsl_apply12(gmtls_conn *c, uint16_t peer_limit);

/* ---------------------------------------------------------------- keyfile.c */

/* A private key (EVP_PKEY) from PEM: plain, encrypted the OpenSSL way, or
 * encrypted the GmSSL way; the passphrase from src, never from a prompt. On
 * failure err holds the reason. */
GMTLS_MUST_CHECK int gmtls_key_from_pem(const gmtls_pass_src *src, const char *pem, size_t len, void **evp, char *err,
                                        size_t errlen);
void gmtls_config_clear_key_passphrase(gmtls_config *cfg);

/* ---------------------------------------------------------------- server.c / client.c */

GMTLS_MUST_CHECK int gmtls_server_handle(gmtls_conn *c, gmtls_buf *out, uint8_t type, const uint8_t *msg,
                                         size_t len);
GMTLS_MUST_CHECK int gmtls_client_start(gmtls_conn *c, gmtls_buf *out);
/* Post-handshake authentication: the server's handling of the client's
 * Certificate / CertificateVerify / Finished (msg with its header), and the
 * client's answer to a CertificateRequest. Both run on a copy of the
 * handshake transcript (gmtls_pha_begin / gmtls_pha_end). */
GMTLS_MUST_CHECK int gmtls_server_pha_handle(gmtls_conn *c, uint8_t type, const uint8_t *msg, size_t len);
GMTLS_MUST_CHECK int gmtls_server_pha_request(gmtls_conn *c, gmtls_buf *out, gmtls_client_auth mode);
GMTLS_MUST_CHECK int gmtls_client_pha(gmtls_conn *c, gmtls_buf *out, const uint8_t *msg, size_t len);
GMTLS_MUST_CHECK int gmtls_pha_begin(gmtls_conn *c);
void gmtls_pha_end(gmtls_conn *c);

/* ---------------------------------------------------------------- src/ext/ext_verdict.c */

/* The versions this client's ClientHello offers (GMTLS_EXT_V12 |
 * GMTLS_EXT_V13): the table writes the extensions of those only. */
unsigned gmtls_client_ch_versions(const gmtls_conn *c);
/* Whether this client's ClientHello carried extension `type` (the requests
 * that server messages may answer, RFC 8446 §4.2). */
int gmtls_client_offered_ext(const gmtls_conn *c, uint16_t type);
/* The table's verdict (src/ext) on an extension of type `type` in the peer's
 * message msg (GMTLS_EXT_IN_*), named msgname in the log: 0 if it may be
 * there (the caller skips types it does not read), else fails c with the
 * table's alert. */
GMTLS_MUST_CHECK int gmtls_ext_verdict(gmtls_conn *c, unsigned msg, const char *msgname, uint16_t type);
/* Every extension of a checked block (gmtls_exts_check) of the peer's message
 * msg: the table's verdict, then the table's parser into out. In an answer
 * (ServerHello, HelloRetryRequest, EncryptedExtensions) every extension that
 * passes the verdict has a parser. */
GMTLS_MUST_CHECK int gmtls_exts_parse(gmtls_conn *c, unsigned msg, const char *msgname, gmtls_rd block, void *out);
GMTLS_MUST_CHECK int gmtls_client_handle(gmtls_conn *c, gmtls_buf *out, uint8_t type, const uint8_t *msg,
                                         size_t len);

/* ---------------------------------------------------------------- tls12.c */

/* The server's TLS 1.2 answer to a ClientHello that negotiates 1.2. */
GMTLS_MUST_CHECK int gmtls_tls12_server_hello(gmtls_conn *c, gmtls_buf *out, const gmtls_client_hello *ch);
/* TLCP (GB/T 38636-2020), client: sends the ClientHello of version 0x0101. */
GMTLS_MUST_CHECK int gmtls_tlcp_client_start(gmtls_conn *c, gmtls_buf *out);
/* TLCP (GB/T 38636-2020), server: answers a ClientHello of version 0x0101. */
GMTLS_MUST_CHECK int gmtls_tlcp_server_hello(gmtls_conn *c, gmtls_buf *out, const gmtls_client_hello *ch);
/* Handshake messages and change_cipher_spec of a TLS 1.2 handshake. */
GMTLS_MUST_CHECK int gmtls_tls12_handle(gmtls_conn *c, gmtls_buf *out, uint8_t type, const uint8_t *msg, size_t len);
GMTLS_MUST_CHECK int gmtls_tls12_ccs(gmtls_conn *c);
/* Client: whether this ClientHello offers TLS 1.2 (and a TLS 1.2 ticket),
 * the suites it adds for it (its extensions are rows of the table,
 * src/ext); the answer to a ServerHello without supported_versions. */
int gmtls_tls12_client_offers(const gmtls_conn *c);
/* Client: whether this ClientHello offers TLS 1.3 (else it is a TLS 1.2
 * one: no key share, no TLS 1.3 extension, every ServerHello read as 1.2). */
int gmtls_tls13_client_offers(const gmtls_conn *c);
int gmtls_tls12_client_offers_ticket(const gmtls_conn *c);
/* Client: the session to offer is a TLS 1.2 one resumed by session ID. */
int gmtls_tls12_client_offers_sid(const gmtls_conn *c);
void gmtls_tls12_client_suites(const gmtls_conn *c, gmtls_wr *w);
GMTLS_MUST_CHECK int gmtls_tls12_client_server_hello(gmtls_conn *c, const uint8_t *msg, size_t len);
/* ALPN for the ClientHello (RFC 7301 §3.2): sets c->alpn; both versions. */
GMTLS_MUST_CHECK int gmtls_alpn_select(gmtls_conn *c, const gmtls_client_hello *ch);

/* ---------------------------------------------------------------- ticket.c */

GMTLS_MUST_CHECK int gmtls_ticket_send(gmtls_conn *c, gmtls_buf *out);
GMTLS_MUST_CHECK int gmtls_ticket_recv(gmtls_conn *c, const uint8_t *body, size_t len);
/* Server: whether one of ch's PSK identities is our ticket for a suite with
 * c->suite's hash, or an external PSK with that hash (0 or 1;
 * GMTLS_ERR_NO_MEMORY). */
GMTLS_MUST_CHECK int gmtls_psk_compatible(gmtls_conn *c, const gmtls_client_hello *ch);
/* Server: tries the offered PSKs; on success sets *selected and c->resumed
 * (a ticket) or c->ext_psk (an external PSK). ke_only: the handshake is to
 * be psk_ke, so only external PSKs qualify. */
GMTLS_MUST_CHECK int gmtls_psk_accept(gmtls_conn *c, const gmtls_client_hello *ch, int ke_only, int *selected);
/* RFC 8446 §8.2 anti-replay: 1 when this binder was not seen within the
 * record's window (and records it), 0 when seen or the record is full. */
int gmtls_replay_fresh(const gmtls_config *cfg, const uint8_t *binder, size_t len, uint64_t now_ms);
void gmtls_replay_free(struct gmtls_replay *r);
size_t gmtls_replay_size(void);
void gmtls_replay_init(struct gmtls_replay *r);
/* Server: the first external PSK among the client's first identities that
 * the modes on both sides allow, or NULL (to pick a suite with its hash). */
const gmtls_ext_psk *gmtls_psk_find_external(const gmtls_config *cfg, const gmtls_client_hello *ch);
/* Client: picks the external PSKs to offer (those whose hash one of the
 * suites has; after a HelloRetryRequest, the suite's). */
void gmtls_psk_choose_external(gmtls_conn *c);
/* The key-schedule hash of the client's offered identity i (the ticket
 * first, then the external PSKs), and the external PSK of identity i (NULL
 * for the ticket). */
const gmtls_hash_alg *gmtls_psk_offered_hash(const gmtls_conn *c, size_t i);
const gmtls_ext_psk *gmtls_psk_offered_external(const gmtls_conn *c, size_t i);
/* Client: after the table wrote the pre_shared_key extension (last) with
 * zero binders, fills the binders in over the transcript so far and the
 * ClientHello msg truncated before the binders (RFC 8446 §4.2.11.2). */
GMTLS_MUST_CHECK int gmtls_psk_fill_binder(gmtls_conn *c, uint8_t *msg, size_t msglen);
void gmtls_session_clear(gmtls_session *s);
/* Client: keeps s (taken over, ALPN and server name filled in) as the newest session. */
GMTLS_MUST_CHECK int gmtls_session_add(gmtls_conn *c, gmtls_session *s);
/* Client, on resumption: the peer chain and verify outcome of the session
 * offered (c->offer) become the connection's. */
GMTLS_MUST_CHECK int gmtls_session_restore_peer(gmtls_conn *c);
/* HelloRetryRequest cookie (RFC 8446 §4.2.2) over Hash(ClientHello1), the
 * HRR's suite and group and the time, under the first ticket key; checked
 * against every ticket key (illegal_parameter when it does not fit). */
#define GMTLS_COOKIE_MAX (1 + 16 + 8 + 2 + 2 + 1 + GMTLS_MAX_HASH_LEN + 32)
GMTLS_MUST_CHECK int gmtls_cookie_make(gmtls_conn *c, const uint8_t *ch1_hash, size_t hl, uint8_t *out, size_t *outlen);
/* TLS 1.2 tickets (RFC 5077) under the same rotating keys: the sealed
 * state of this connection (master secret, suite, client chain); opening
 * returns 0 and sets c->ks.master, *suite and the peer chain, -1 for a
 * ticket that does not open, is not a TLS 1.2 one or has expired. */
GMTLS_MUST_CHECK int gmtls_ticket12_make(gmtls_conn *c, gmtls_buf *ticket);
GMTLS_MUST_CHECK int gmtls_ticket12_open(gmtls_conn *c, const uint8_t *t, size_t len, uint16_t *suite);
/* Session-ID resumption (TLS 1.2 and TLCP) through the config's cache:
 * save stores this connection's state under c->session_id; find looks
 * the ClientHello's session ID up and, when its version, server name and
 * client-auth fit, restores it as gmtls_ticket12_open does (0; -1 for a
 * full handshake). */
GMTLS_MUST_CHECK int gmtls_session12_save(gmtls_conn *c);
GMTLS_MUST_CHECK int gmtls_session12_find(gmtls_conn *c, const gmtls_client_hello *ch, uint16_t *suite);
GMTLS_MUST_CHECK int gmtls_cookie_check(gmtls_conn *c, const uint8_t *cookie, size_t len, const uint8_t *ch1_hash,
                                        size_t hl);

/* ---------------------------------------------------------------- sesscache.c */

struct gmtls_sesscache *gmtls_sesscache_new(void);
/* Drops one reference (the last frees it); ref adds one. */
void gmtls_sesscache_free(struct gmtls_sesscache *sc);
struct gmtls_sesscache *gmtls_sesscache_ref(struct gmtls_sesscache *sc);
/* Empties the cache and sets its size (0: off) and lifetime (0: default). */
void gmtls_sesscache_configure(struct gmtls_sesscache *sc, size_t max, uint32_t lifetime);
int gmtls_sesscache_on(const struct gmtls_sesscache *sc);
uint32_t gmtls_sesscache_lifetime(const struct gmtls_sesscache *sc);
/* Stores state and the server name under a GMTLS_SESSION_ID_LEN-byte id,
 * evicting the oldest entry when full; now in seconds. */
GMTLS_MUST_CHECK int gmtls_sesscache_put(struct gmtls_sesscache *sc, const uint8_t *id, uint64_t now,
                                         const uint8_t *state, size_t state_len, const char *name);
/* Appends the state stored under id to *state and copies its server name:
 * 0; -1 when absent or expired (an expired entry is dropped). */
GMTLS_MUST_CHECK int gmtls_sesscache_get(struct gmtls_sesscache *sc, const uint8_t *id, size_t idlen, uint64_t now,
                                         gmtls_buf *state, char *name, size_t namesz);

/* The signature schemes this side accepts from the peer (what it lists in
 * signature_algorithms and verifies): gmtls_config_set_verify_sigalgs's
 * list when set, else the one list it also signs with. */
static inline const uint16_t *gmtls_verify_sigalgs(const gmtls_config *cfg, size_t *n)
{
    if (cfg->nverify_sigalgs > 0) {
        *n = cfg->nverify_sigalgs;
        return cfg->verify_sigalgs;
    }
    *n = cfg->nsigalgs;
    return cfg->sigalgs;
}

#endif
