/*
 * gmtls.h - TLS 1.3 (RFC 8446) with the ShangMi suites of RFC 8998.
 *
 * Two objects:
 *   gmtls_config  shared settings (certificates, algorithms, callbacks);
 *                 immutable and thread-safe once the first connection uses it.
 *   gmtls_conn    one TLS connection. The engine is I/O-agnostic: it consumes
 *                 the bytes the peer sent and appends the bytes to send to a
 *                 gmtls_buf. The socket layer (gmtls_io_*) drives it on a file
 *                 descriptor.
 *
 * Errors are ints: 0 success; 1..255 a fatal alert this side sent (its
 * record is in the output buffer: always send the output, even on error);
 * 0x100 + a: alert a received from the peer; 0x200 + n: GMTLS_ERR_* below.
 */
#ifndef GMTLS_H
#define GMTLS_H

#include <stddef.h>
#include <stdint.h>

#include "gmtls/sm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything declared here is exported from the shared library. */
#pragma GCC visibility push(default)

/* ---------------------------------------------------------------- errors */

#define GMTLS_ERR_PEER_ALERT(a) (0x100 + (a)) /**< the peer sent fatal alert a */
#define GMTLS_ERR_WANT_READ 0x201      /**< more input is needed */
#define GMTLS_ERR_WANT_WRITE 0x202     /**< (socket layer) the fd is not writable now */
#define GMTLS_ERR_NO_MEMORY 0x203
#define GMTLS_ERR_CRYPTO 0x204         /**< a crypto library call failed */
#define GMTLS_ERR_BAD_ARGUMENT 0x205
#define GMTLS_ERR_CLOSED 0x206         /**< the peer sent close_notify */
#define GMTLS_ERR_IO 0x207             /**< (socket layer) read/write failed; see errno */
#define GMTLS_ERR_FAILED 0x208         /**< the connection failed earlier */
#define GMTLS_ERR_EOF 0x209            /**< (socket layer) TCP EOF without close_notify */
#define GMTLS_ERR_FILE 0x20a           /**< a file could not be read or parsed */
#define GMTLS_ERR_UNKNOWN_NAME 0x20b   /**< an unknown algorithm or option name */
#define GMTLS_ERR_NO_CERT 0x20c        /**< no certificate/key configured where one is needed */
#define GMTLS_ERR_HANDSHAKE_DONE 0x20d /**< the operation needs a handshake in progress */
#define GMTLS_ERR_NOT_READY 0x20e      /**< the operation needs a completed handshake */
#define GMTLS_ERR_TIMEOUT 0x20f        /**< (socket layer) a deadline passed */
#define GMTLS_ERR_NOT_TLS                                                                                              \
    0x210 /**< the peer's first record is not TLS (plain HTTP, SSLv2, SSH...):                                         \
               an unexpected_message alert is in the output; gmtls_io keeps                                            \
               it queued (gmtls_io_flush sends it) so that a server may                                                \
               answer in the peer's own protocol instead (an HTTP 400) */

/* TLS alert descriptions (RFC 8446 §6). */
enum {
    GMTLS_ALERT_CLOSE_NOTIFY = 0,
    GMTLS_ALERT_UNEXPECTED_MESSAGE = 10,
    GMTLS_ALERT_BAD_RECORD_MAC = 20,
    GMTLS_ALERT_RECORD_OVERFLOW = 22,
    GMTLS_ALERT_HANDSHAKE_FAILURE = 40,
    GMTLS_ALERT_BAD_CERTIFICATE = 42,
    GMTLS_ALERT_UNSUPPORTED_CERTIFICATE = 43,
    GMTLS_ALERT_CERTIFICATE_REVOKED = 44,
    GMTLS_ALERT_CERTIFICATE_EXPIRED = 45,
    GMTLS_ALERT_CERTIFICATE_UNKNOWN = 46,
    GMTLS_ALERT_ILLEGAL_PARAMETER = 47,
    GMTLS_ALERT_UNKNOWN_CA = 48,
    GMTLS_ALERT_ACCESS_DENIED = 49,
    GMTLS_ALERT_DECODE_ERROR = 50,
    GMTLS_ALERT_DECRYPT_ERROR = 51,
    GMTLS_ALERT_PROTOCOL_VERSION = 70,
    GMTLS_ALERT_INSUFFICIENT_SECURITY = 71,
    GMTLS_ALERT_INTERNAL_ERROR = 80,
    GMTLS_ALERT_INAPPROPRIATE_FALLBACK = 86,
    GMTLS_ALERT_USER_CANCELED = 90,
    GMTLS_ALERT_NO_RENEGOTIATION = 100, /* TLS 1.2 (RFC 5246 §7.2.2) */
    GMTLS_ALERT_MISSING_EXTENSION = 109,
    GMTLS_ALERT_UNSUPPORTED_EXTENSION = 110,
    GMTLS_ALERT_UNRECOGNIZED_NAME = 112,
    GMTLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
    GMTLS_ALERT_UNKNOWN_PSK_IDENTITY = 115,
    GMTLS_ALERT_CERTIFICATE_REQUIRED = 116,
    GMTLS_ALERT_NO_APPLICATION_PROTOCOL = 120,
};

/** A human-readable description of an error code (never NULL). */
const char *gmtls_strerror(int err);
/** The RFC name of an alert ("handshake_failure"), or "unknown". */
const char *gmtls_alert_name(int alert);

/* ---------------------------------------------------------------- names */

/* IANA code points. */
enum {
    GMTLS_TLS_AES_128_GCM_SHA256 = 0x1301,
    GMTLS_TLS_AES_256_GCM_SHA384 = 0x1302,
    GMTLS_TLS_CHACHA20_POLY1305_SHA256 = 0x1303,
    GMTLS_TLS_AES_128_CCM_SHA256 = 0x1304,   /* off by default, as in OpenSSL */
    GMTLS_TLS_AES_128_CCM_8_SHA256 = 0x1305, /* off by default, as in OpenSSL */
    GMTLS_TLS_SM4_GCM_SM3 = 0x00c6,
    GMTLS_TLS_SM4_CCM_SM3 = 0x00c7,
};
enum {
    GMTLS_GROUP_SECP256R1 = 0x0017,
    GMTLS_GROUP_SECP384R1 = 0x0018,
    GMTLS_GROUP_SECP521R1 = 0x0019,
    GMTLS_GROUP_X25519 = 0x001d,
    GMTLS_GROUP_X448 = 0x001e,
    GMTLS_GROUP_CURVESM2 = 0x0029,
    /* RFC 7919 finite-field groups */
    GMTLS_GROUP_FFDHE2048 = 0x0100,
    GMTLS_GROUP_FFDHE3072 = 0x0101,
    GMTLS_GROUP_FFDHE4096 = 0x0102,
    GMTLS_GROUP_FFDHE6144 = 0x0103,
    GMTLS_GROUP_FFDHE8192 = 0x0104,
    /* hybrid post-quantum groups: RFC 10024, draft-yang-tls-hybrid-sm2-mlkem */
    GMTLS_GROUP_SECP256R1MLKEM768 = 0x11eb,
    GMTLS_GROUP_X25519MLKEM768 = 0x11ec,
    GMTLS_GROUP_SECP384R1MLKEM1024 = 0x11ed,
    GMTLS_GROUP_CURVESM2MLKEM768 = 0x11ee,
};

/** IANA name of a cipher suite / group / signature scheme, or NULL. */
const char *gmtls_cipher_suite_name(uint16_t id);
const char *gmtls_group_name(uint16_t id);
const char *gmtls_sigalg_name(uint16_t id);

/* ---------------------------------------------------------------- buffers */

/** A growable output buffer: the engine appends at base[off]. */
typedef struct {
    uint8_t *base;
    size_t off;
    size_t capacity;
} gmtls_buf;

void gmtls_buf_init(gmtls_buf *buf);
/** Wipes and frees the storage. */
void gmtls_buf_dispose(gmtls_buf *buf);
/** Drops the first n bytes (after the caller sent them). */
void gmtls_buf_consume(gmtls_buf *buf, size_t n);

/* ---------------------------------------------------------------- config */

typedef struct gmtls_config gmtls_config;
typedef struct gmtls_conn gmtls_conn;

gmtls_config *gmtls_config_new(void);
/** Drops a reference; the config is freed with its last connection. */
void gmtls_config_free(gmtls_config *cfg);

/** Adds a certificate chain (PEM, leaf first) and its private key (PEM,
 *  PKCS#8 or traditional; RSA, ECDSA P-256/P-384/P-521, Ed25519, Ed448 or SM2). A server
 *  may hold several; it picks per connection by SNI and the client's
 *  signature algorithms. A client uses one for client authentication. */
int gmtls_config_add_cert_chain_file(gmtls_config *cfg, const char *chain_pem_file, const char *key_pem_file);
int gmtls_config_add_cert_chain_mem(gmtls_config *cfg, const char *chain_pem, size_t chain_len, const char *key_pem,
                                    size_t key_len);
/** TLCP (GB/T 38636-2020): the encryption certificate and its SM2 private
 *  key (PEM), sent after the first SM2 signing chain added with
 *  gmtls_config_add_cert_chain_*; a server with one answers TLCP
 *  ClientHellos (version 0x0101) besides TLS; a TLCP client with one (and
 *  a signing chain) offers the ECDHE suites. One per config. */
int gmtls_config_set_enc_cert_file(gmtls_config *cfg, const char *cert_pem_file, const char *key_pem_file);
int gmtls_config_set_enc_cert_mem(gmtls_config *cfg, const char *cert_pem, size_t cert_len, const char *key_pem,
                                  size_t key_len);
/** Encrypted private keys: PKCS#8 "ENCRYPTED PRIVATE KEY" as OpenSSL writes
 *  it (PBES2 / PKCS#12 PBE) or as GmSSL writes it (PBES2 with PBKDF2-HMAC-SM3
 *  and SM4-CBC), and traditional PEM with "Proc-Type: 4,ENCRYPTED". The
 *  passphrase (copied; wiped when replaced or with the config) or the
 *  callback serves the gmtls_config_add_cert_chain_* calls that follow; the
 *  callback writes the passphrase into buf (NUL not needed) and returns its
 *  length, or -1 when it has none. The library never prompts: an encrypted
 *  key without a passphrase fails with GMTLS_ERR_FILE and says so in
 *  gmtls_config_last_error, as does a wrong passphrase. */
typedef int gmtls_passphrase_fn(void *ctx, char *buf, size_t size);
int gmtls_config_set_key_passphrase(gmtls_config *cfg, const char *pass);
void gmtls_config_set_key_passphrase_cb(gmtls_config *cfg, gmtls_passphrase_fn *fn, void *ctx);
/** Decodes a PEM private key (plain or encrypted as above; pass may be NULL)
 *  into an unencrypted PKCS#8 PrivateKeyInfo, DER, appended to der (wipe it
 *  with gmtls_buf_dispose). On failure err (if not NULL) says why. */
int gmtls_private_key_pem_to_der(const char *pem, size_t len, const char *pass, gmtls_buf *der, char *err,
                                 size_t errlen);
/** Attaches a DER OCSP response / an SCT list (RFC 6962 SignedCertificateTimestampList)
 *  to the most recently added chain, sent when the client asks for it; a
 *  malformed SCT list (RFC 6962 §3.3) is refused with GMTLS_ERR_BAD_ARGUMENT. */
int gmtls_config_set_ocsp_staple(gmtls_config *cfg, const uint8_t *der, size_t len);
int gmtls_config_set_scts(gmtls_config *cfg, const uint8_t *list, size_t len);
/** Client: asks the server for a stapled OCSP response (status_request,
 *  RFC 6066 §8; read it with gmtls_conn_ocsp_response). Default off: the
 *  extension is sent only when asked for, since some servers (GmSSL 3.x)
 *  abort on it. */
void gmtls_config_set_request_ocsp(gmtls_config *cfg, int on);
/** Middlebox compatibility mode (RFC 8446 §D.4), as OpenSSL's
 *  SSL_OP_ENABLE_MIDDLEBOX_COMPAT and BoringSSL (always on there): the
 *  client sends its dummy change_cipher_spec immediately before its second
 *  flight whatever the server does, which after a HelloRetryRequest is
 *  before the second ClientHello; the server sends its own right after its
 *  first handshake message, the HelloRetryRequest included, whatever session
 *  ID the client sent. Default off, because GmSSL 3.x (RFC 8998's reference)
 *  fails on both of the CCS records this mode adds around a
 *  HelloRetryRequest: its server on a client CCS before the second
 *  ClientHello, its client on a server CCS right after the
 *  HelloRetryRequest. Off, the client sends its CCS before its encrypted
 *  flight when the server sent one; the server sends its CCS after a
 *  HelloRetryRequest only to a client that sent a session ID, and after the
 *  ServerHello always. */
void gmtls_config_set_middlebox_compat(gmtls_config *cfg, int on);

/** Colon-separated IANA names, in preference order (server preference on
 *  the server). Common OpenSSL aliases are accepted (X25519, X448, P-256,
 *  P-384, P-521, SM2). GMTLS_ERR_UNKNOWN_NAME for an unknown entry (see gmtls_config_last_error). */
int gmtls_config_set_cipher_suites(gmtls_config *cfg, const char *list);
int gmtls_config_set_groups(gmtls_config *cfg, const char *list);
/** The TLS 1.2 suites (IANA names: TLS_ECDHE_{ECDSA,RSA}_WITH_AES_{128,256}_GCM_SHA{256,384},
 *  TLS_ECDHE_{ECDSA,RSA}_WITH_CHACHA20_POLY1305_SHA256), in preference order; a
 *  list apart from the TLS 1.3 one. Default: all six, AES-GCM first with AES
 *  instructions (and a client that prefers it), else ChaCha20 first. */
int gmtls_config_set_cipher_suites_tls12(gmtls_config *cfg, const char *list);
/** The TLCP suites (ECC_SM4_GCM_SM3, ECC_SM4_CBC_SM3), in preference order:
 *  what a TLCP client offers and what a server picks first. Default: all,
 *  GCM first. */
int gmtls_config_set_cipher_suites_tlcp(gmtls_config *cfg, const char *list);
int gmtls_config_set_sigalgs(gmtls_config *cfg, const char *list);
/** The signature schemes this side accepts from the peer, when they differ
 *  from the ones it signs with (as OpenSSL's SSL_CTX_set1_client_sigalgs
 *  and BoringSSL's SSL_CTX_set_verify_algorithm_prefs): the list it sends
 *  in signature_algorithms (ClientHello, CertificateRequest) and the
 *  schemes of CertificateVerify / ServerKeyExchange it verifies.
 *  gmtls_config_set_sigalgs then says only what this side signs with (in
 *  the peer's list). "DEFAULT" is gmtls's default list; NULL (the default)
 *  uses the one list of gmtls_config_set_sigalgs for both. */
int gmtls_config_set_verify_sigalgs(gmtls_config *cfg, const char *list);
/** Colon- or comma-separated ALPN protocol names in preference order. */
int gmtls_config_set_alpn(gmtls_config *cfg, const char *list);
/** Restricts everything to the ShangMi profile of RFC 8998: TLS_SM4_GCM_SM3 /
 *  TLS_SM4_CCM_SM3, curveSM2, sm2sig_sm3. */
int gmtls_config_set_strict_sm(gmtls_config *cfg, int on);

/** Dialect profiles (README, "two camps"). GMTLS_PROFILE_GO_GMTLS speaks the
 *  Go gmtls family's ShangMi (ccgo, gmgo): curveSM2 as group 26 and SM2 as
 *  scheme 0x0204 offered first and accepted (the RFC 8998 code points after
 *  them), its CertificateVerify form (default ID over SM3(content)), and
 *  verification of its SM2 certificate signatures (default ID over
 *  SM3(TBS)). It sets the group and signature lists (replacing
 *  gmtls_config_set_groups/_sigalgs given before it) and combines with
 *  gmtls_config_set_strict_sm in either order (then: TLS_SM4_*_SM3, groups
 *  26 and curveSM2, schemes 0x0204 and sm2sig_sm3). GMTLS_PROFILE_DEFAULT
 *  restores the default lists. */
typedef enum {
    GMTLS_PROFILE_DEFAULT = 0,
    GMTLS_PROFILE_GO_GMTLS,
} gmtls_profile;
int gmtls_config_set_profile(gmtls_config *cfg, gmtls_profile profile);
/** The same by name: "default" or "go-gmtls" (GMTLS_ERR_UNKNOWN_NAME otherwise). */
int gmtls_config_set_profile_name(gmtls_config *cfg, const char *name);

/** The text of the last configuration error ("unknown cipher suite 'X'"). */
const char *gmtls_config_last_error(const gmtls_config *cfg);

/** Trust anchors for verifying the peer (PEM file and/or hashed directory). */
int gmtls_config_set_ca_file(gmtls_config *cfg, const char *file);
int gmtls_config_set_ca_dir(gmtls_config *cfg, const char *dir);
/** Adds the PEM certificates in pem[0..len) as trust anchors. */
int gmtls_config_add_ca_mem(gmtls_config *cfg, const char *pem, size_t len);
/** Client: verify the server's chain and name (default on). */
void gmtls_config_set_verify_peer(gmtls_config *cfg, int on);
/** Limits on the peer's certificate chain: at most max_certs certificates
 *  (1 to 100; default 10: beyond, bad_certificate) and a Certificate message
 *  body of at most max_bytes bytes, uncompressed (0: the default, 262144,
 *  the most any handshake message may have; beyond, illegal_parameter, as
 *  OpenSSL's max_cert_list). The byte limit is checked on
 *  the message header, before the message is buffered.
 *  GMTLS_ERR_BAD_ARGUMENT outside these ranges. */
int gmtls_config_set_peer_chain_limit(gmtls_config *cfg, size_t max_certs, size_t max_bytes);
/** Fixed verification time (seconds since the epoch; 0 = now), for tests. */
void gmtls_config_set_verify_time(gmtls_config *cfg, int64_t t);
/** The wall clock the connections of cfg read (as Go's tls.Config.Time):
 * now(arg) returns milliseconds since the epoch. It dates and ages session
 * tickets, HelloRetryRequest cookies and 0-RTT, and is the certificate
 * verification time unless gmtls_config_set_verify_time fixed one. NULL
 * restores the system clock (CLOCK_REALTIME). */
void gmtls_config_set_clock(gmtls_config *cfg, uint64_t (*now)(void *arg), void *arg);

/** The protocol versions to negotiate: GMTLS_VERSION_TLS12 (0x0303) or
 *  GMTLS_VERSION_TLS13 (0x0304), min <= max. Default 1.2 to 1.3 (as nginx):
 *  a server answers TLS 1.2 clients on the same port (ECDHE with AEAD only,
 *  Extended Master Secret required). A client speaks TLS 1.3 only.
 *  GMTLS_ERR_BAD_ARGUMENT for another range. */
enum { GMTLS_VERSION_TLS12 = 0x0303, GMTLS_VERSION_TLS13 = 0x0304, GMTLS_VERSION_TLCP = 0x0101 };
int gmtls_config_set_versions(gmtls_config *cfg, uint16_t min_version, uint16_t max_version);
/** A client config that speaks TLCP (GB/T 38636-2020) only, instead of
 *  TLS: ECC_SM4_GCM_SM3, ECC_SM4_CBC_SM3, and first ECDHE_SM4_GCM_SM3,
 *  ECDHE_SM4_CBC_SM3 when it has an SM2 signing chain and an encryption
 *  pair (gmtls_config_set_enc_cert_*). */
void gmtls_config_set_tlcp_client(gmtls_config *cfg, int on);

/** Server: client authentication, the five modes of the reference. */
typedef enum {
    GMTLS_CLIENT_AUTH_NONE = 0,           /**< no CertificateRequest */
    GMTLS_CLIENT_AUTH_REQUEST,            /**< request, accept anything (even none) */
    GMTLS_CLIENT_AUTH_REQUIRE_ANY,        /**< a certificate is required, not verified */
    GMTLS_CLIENT_AUTH_VERIFY_IF_GIVEN,    /**< verified when given */
    GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY, /**< required and verified */
} gmtls_client_auth;
void gmtls_config_set_client_auth(gmtls_config *cfg, gmtls_client_auth mode);

/** SM2 IDs in CertificateVerify (sm2sig_sm3). RFC 8998 §3.2.1 fixes
 *  "TLSv1.3+GM+Cipher+Suite"; some deployed stacks use "1234567812345678". */
typedef enum {
    GMTLS_SM2_ID_RFC8998 = 0,  /**< sign and verify with the RFC ID (default) */
    GMTLS_SM2_ID_GBT_DEFAULT,  /**< sign and verify with 1234567812345678 */
    GMTLS_SM2_ID_ACCEPT_BOTH,  /**< sign with the RFC ID, accept either */
} gmtls_sm2_id_mode;
void gmtls_config_set_sm2_id_mode(gmtls_config *cfg, gmtls_sm2_id_mode mode);

/** Key log: called with one NSS key log line (no newline), e.g.
 *  "CLIENT_HANDSHAKE_TRAFFIC_SECRET <random> <secret>". */
typedef void gmtls_keylog_fn(void *ctx, const gmtls_conn *conn, const char *line);
void gmtls_config_set_keylog(gmtls_config *cfg, gmtls_keylog_fn *fn, void *ctx);

/** Information from the ClientHello, for certificate selection. */
typedef struct {
    const char *server_name;         /**< NULL when absent */
    const uint16_t *sigalgs;         size_t num_sigalgs;
    const uint16_t *sigalgs_cert;    size_t num_sigalgs_cert; /**< 0 when absent */
    const uint16_t *cipher_suites;   size_t num_cipher_suites;
    const uint16_t *groups;          size_t num_groups;
    const char *const *alpn;         size_t num_alpn;
} gmtls_client_hello_info;
/** Certificate selection callback: returns the index (in the order added) of
 *  the chain to use, or -1 when none applies (unrecognized_name is sent). */
typedef int gmtls_select_cert_fn(void *ctx, const gmtls_client_hello_info *info);
void gmtls_config_set_select_cert(gmtls_config *cfg, gmtls_select_cert_fn *fn, void *ctx);

/** Runs after the peer's certificate was processed (and verified, where the
 *  mode verifies), with the connection's state readable through the
 *  gmtls_conn_* getters. Return 0 to continue; to abort, a fatal alert
 *  number (GMTLS_ALERT_*, 10..255, e.g. GMTLS_ALERT_CERTIFICATE_UNKNOWN or
 *  GMTLS_ALERT_HANDSHAKE_FAILURE) to send that alert, or any other non-zero
 *  value for bad_certificate. */
typedef int gmtls_verify_conn_fn(void *ctx, const gmtls_conn *conn);
void gmtls_config_set_verify_connection(gmtls_config *cfg, gmtls_verify_conn_fn *fn, void *ctx);
/** Client: verify the server again when a session resumes (default off, as
 *  BoringSSL's SSL_CTX_set_reverify_on_resume), for trust anchors or
 *  revocation that changed since the session was made: the session's chain
 *  goes through chain verification (when gmtls_config_set_verify_peer is
 *  on) and the verify_connection callback, failing with the alert a full
 *  handshake would send: in TLS 1.3 once the server resumed (before its
 *  Finished), or before the ClientHello that sends 0-RTT data; in TLS 1.2
 *  and TLCP at the ServerHello that resumes. Without it a resumption
 *  reports the chain and verify result the session kept. With it,
 *  gmtls_conn_set_session refuses a session that keeps no server chain. */
void gmtls_config_set_reverify_on_resume(gmtls_config *cfg, int on);

/** Session tickets (server): number sent after the handshake (default 1;
 *  0 disables tickets), lifetime in seconds (default and maximum 7 days). */
void gmtls_config_set_tickets(gmtls_config *cfg, unsigned count, uint32_t lifetime);
/** Session-ID cache (server, TLS 1.2 and TLCP; RFC 5246 §7.4.1.2): a full
 *  handshake without a ticket issues a 32-byte session ID, and a later
 *  ClientHello offering it (and no ticket) resumes with the abbreviated
 *  handshake when the version, suite, server name and client-auth mode fit.
 *  At most max_entries sessions (default 20480, 0 turns the cache off; the
 *  oldest is evicted first), each for lifetime seconds (0: the default,
 *  7200; at most 86400). Empties the cache; shared by the connections of
 *  cfg, on any thread. */
void gmtls_config_set_session_cache(gmtls_config *cfg, size_t max_entries, uint32_t lifetime);
/** cfg drops its session-ID cache and shares from's (its sessions, size and
 *  lifetime): a server's reloaded config keeps resuming the old one's
 *  sessions. Call before cfg serves connections. */
void gmtls_config_share_session_cache(gmtls_config *cfg, const gmtls_config *from);
/** Replaces the ticket keys: nkeys 48-byte keys (16-byte name, 32-byte
 *  secret); the first encrypts, all decrypt. Without it a random key is made. */
int gmtls_config_set_ticket_keys(gmtls_config *cfg, const uint8_t *keys, size_t nkeys);
/** Loads ticket keys from a file: one 96-hex-digit key per line, newest first. */
int gmtls_config_load_ticket_keys(gmtls_config *cfg, const char *file);
/** 0-RTT (server, RFC 8446 §2.3, §4.2.10): tickets allow up to max bytes of
 *  early data (0, the default, turns 0-RTT off). A resumed ClientHello's
 *  early data is accepted when its ticket allowed it, the PSK is the first
 *  identity, suite and ALPN match the ticket, the ticket age is within 10 s
 *  of ours, and the ClientHello was not seen before by this config (an
 *  in-memory record of binders, see docs/ARCHITECTURE.md: it cannot stop a
 *  replay to another process sharing the ticket keys). Early data is
 *  replayable: read it with gmtls_conn_last_read_early() in mind. */
int gmtls_config_set_max_early_data(gmtls_config *cfg, uint32_t max);

/** External pre-shared keys (RFC 8446 §2.2, §4.2.11): an identity
 *  (1..256 bytes), a key (1..256 bytes; RFC 9257 asks for at least 128 bits
 *  of entropy) and the hash of its key schedule: "SHA256", "SHA384" or "SM3"
 *  (NULL: SHA256, as OpenSSL's -psk). Up to 8; the key is copied and wiped
 *  with the config. A client offers every one whose hash one of its suites
 *  has (after a resumption ticket, if any). A server takes the first offered
 *  identity it knows, checks its binder in constant time (decrypt_error when
 *  wrong), picks a suite with the key's hash and authenticates with the key
 *  alone: no certificate is needed when PSKs are configured. A client that
 *  offered PSKs the server does not know gets a certificate handshake, or
 *  unknown_psk_identity from a server without certificates. */
int gmtls_config_add_psk(gmtls_config *cfg, const uint8_t *identity, size_t identity_len, const uint8_t *key,
                         size_t key_len, const char *hash);
/** PSK key exchange modes (RFC 8446 §4.2.9) for external PSKs, OR-ed:
 *  psk_dhe_ke ((EC)DHE with the PSK, forward secret) and psk_ke (the PSK
 *  alone). Default: psk_dhe_ke only. A client offers the modes set; a server
 *  uses psk_dhe_ke when both sides allow it, else psk_ke when both allow that.
 *  Resumption tickets always use psk_dhe_ke. 0 is GMTLS_ERR_BAD_ARGUMENT. */
#define GMTLS_PSK_MODE_DHE_KE 1u
#define GMTLS_PSK_MODE_KE 2u
int gmtls_config_set_psk_modes(gmtls_config *cfg, unsigned modes);

/** Sends a KeyUpdate after this many records under one key (0 = the AEAD's
 *  RFC 8446 §5.5 limit, the default). */
void gmtls_config_set_key_update_limit(gmtls_config *cfg, uint64_t records);

/** Pads each protected record to a multiple of this many bytes (0 = off). */
void gmtls_config_set_record_padding(gmtls_config *cfg, uint16_t block);

/* Certificate compression algorithms (RFC 8879 §7.3). */
#define GMTLS_CERT_COMPRESSION_ZLIB 1
#define GMTLS_CERT_COMPRESSION_BROTLI 2
#define GMTLS_CERT_COMPRESSION_ZSTD 3
/** Certificate compression (RFC 8879): the algorithms this side offers to
 *  decompress (compress_certificate in the ClientHello / CertificateRequest)
 *  and compresses its own chain with when the peer offers them, as a list
 *  "brotli:zstd:zlib" (the default) or "none". */
int gmtls_config_set_cert_compression(gmtls_config *cfg, const char *list);
/** "zlib", "brotli", "zstd"; NULL for another value. */
const char *gmtls_cert_compression_name(uint16_t alg);
/** The record_size_limit (RFC 8449) this side advertises: the largest
 *  protected record plaintext (content type and padding included) it takes,
 *  64..16385; 16385 (the TLS 1.3 maximum) by default; 0 = not sent. */
int gmtls_config_set_record_size_limit(gmtls_config *cfg, unsigned limit);

/** The largest plaintext this side puts in one record (handshake,
 *  application data, alerts; protected or not), 64..16384, as OpenSSL's
 *  and BoringSSL's SSL_set_max_send_fragment: smaller records for
 *  constrained peers or lower latency. 0 (the default) is 2^14, the TLS
 *  maximum; the peer's record_size_limit (RFC 8449) may lower it further.
 *  GMTLS_ERR_BAD_ARGUMENT outside the range. */
int gmtls_config_set_max_send_fragment(gmtls_config *cfg, unsigned max);

/* ---------------------------------------------------------------- connection */

gmtls_conn *gmtls_conn_new(gmtls_config *cfg, int is_server);
void gmtls_conn_free(gmtls_conn *conn);
/** Client: the name to send as SNI and to check the certificate against. */
int gmtls_conn_set_server_name(gmtls_conn *conn, const char *name);
/** Client: a session from gmtls_conn_get_session() to resume. */
int gmtls_conn_set_session(gmtls_conn *conn, const uint8_t *session, size_t len);
/** Opaque pointer for the application. */
void gmtls_conn_set_user_data(gmtls_conn *conn, void *p);
void *gmtls_conn_get_user_data(const gmtls_conn *conn);

/** Drives the handshake: consumes up to *inlen bytes of input (sets *inlen to
 *  the bytes consumed) and appends output to out. Returns 0 when the
 *  handshake is complete, GMTLS_ERR_WANT_READ when more input is needed, or
 *  an error (a fatal alert is then in out). */
int gmtls_handshake(gmtls_conn *conn, gmtls_buf *out, const uint8_t *in, size_t *inlen);

/** After the handshake: consumes up to *inlen input bytes, appends decrypted
 *  application data to app and any records to send (KeyUpdate answer,
 *  alerts) to out. Returns 0 (maybe with no data: call again with more
 *  input), GMTLS_ERR_CLOSED after close_notify, or an error. */
int gmtls_receive(gmtls_conn *conn, gmtls_buf *out, gmtls_buf *app, const uint8_t *in, size_t *inlen);
/** Encrypts application data into records appended to out. */
int gmtls_send(gmtls_conn *conn, gmtls_buf *out, const void *data, size_t len);
/** Sends close_notify (or another alert, e.g. user_canceled as a warning). */
int gmtls_send_alert(gmtls_conn *conn, gmtls_buf *out, int is_fatal, uint8_t alert);
int gmtls_close(gmtls_conn *conn, gmtls_buf *out);
/** Sends KeyUpdate (request_peer: update_requested) and switches keys. */
int gmtls_key_update(gmtls_conn *conn, gmtls_buf *out, int request_peer);
/** Server, after the handshake: asks the client for a certificate
 *  (post-handshake authentication, RFC 8446 §4.6.2) by appending a
 *  CertificateRequest to out. mode (REQUEST .. REQUIRE_AND_VERIFY) says
 *  what is required and verified, as in the handshake. The client's
 *  Certificate, CertificateVerify and Finished arrive through
 *  gmtls_receive; gmtls_conn_pha_status then says GMTLS_PHA_DONE and the
 *  peer certificate getters (gmtls_conn_peer_cert, _peer_subject,
 *  _verify_result) describe what it sent. GMTLS_ERR_BAD_ARGUMENT when the
 *  client did not offer post_handshake_auth or a request is pending;
 *  GMTLS_ERR_NOT_READY before the handshake is done. */
int gmtls_request_client_cert(gmtls_conn *conn, gmtls_buf *out, gmtls_client_auth mode);
enum {
    GMTLS_PHA_NONE = 0, /**< no post-handshake CertificateRequest sent (or received) */
    GMTLS_PHA_PENDING,  /**< server: sent, the client's answer not complete yet */
    GMTLS_PHA_DONE,     /**< answered (with or without a certificate: see the getters) */
};
int gmtls_conn_pha_status(const gmtls_conn *conn);
/** Server: 1 when the client offered post_handshake_auth. */
int gmtls_conn_peer_offers_pha(const gmtls_conn *conn);
/** RFC 8446 §7.5 exporter; context may be NULL (no context). */
int gmtls_export(const gmtls_conn *conn, const char *label, const uint8_t *context, size_t context_len,
                 int has_context, uint8_t *out, size_t outlen);

/* State after (or during) the handshake. */
int gmtls_conn_is_server(const gmtls_conn *conn);
int gmtls_conn_handshake_done(const gmtls_conn *conn);
uint16_t gmtls_conn_version(const gmtls_conn *conn); /**< 0x0304, 0x0303 or 0x0101 (TLCP) (0 before the hellos) */
uint16_t gmtls_conn_cipher_suite(const gmtls_conn *conn);
uint16_t gmtls_conn_group(const gmtls_conn *conn);
uint16_t gmtls_conn_sigalg(const gmtls_conn *conn);       /**< the server's CertificateVerify scheme */
/** The scheme of the CertificateVerify this side received in this handshake
 *  (0 when none: no client certificate, or a resumed handshake). */
uint16_t gmtls_conn_peer_sigalg(const gmtls_conn *conn);
const char *gmtls_conn_alpn(const gmtls_conn *conn);      /**< NULL if none */
const char *gmtls_conn_server_name(const gmtls_conn *conn); /**< SNI received / set */
int gmtls_conn_is_resumed(const gmtls_conn *conn);
/** 0-RTT: GMTLS_EARLY_NONE (not offered), _REJECTED (offered, skipped) or
 *  _ACCEPTED. */
enum { GMTLS_EARLY_NONE = 0, GMTLS_EARLY_REJECTED = 1, GMTLS_EARLY_ACCEPTED = 2 };
int gmtls_conn_early_data_state(const gmtls_conn *conn);
/** Why 0-RTT went as it did, in BoringSSL's words
 *  (SSL_early_data_reason_string): "accept"; "disabled" (off on this side:
 *  no gmtls_config_set_max_early_data / no gmtls_conn_set_early_data);
 *  "protocol_version" (TLS 1.2 negotiated); "peer_declined" (the client
 *  offered none, or the server rejected it); "no_session_offered",
 *  "session_not_resumed", "unsupported_for_session" (the ticket allows
 *  none, or less than the data, or is not the first identity / suite);
 *  "hello_retry_request"; "alpn_mismatch"; "ticket_age_skew"; "replay"
 *  (the anti-replay record knew the ClientHello). "unknown" before the
 *  handshake is done. */
const char *gmtls_conn_early_data_reason(const gmtls_conn *conn);
/** Server: 1 when the bytes the last gmtls_receive returned were 0-RTT
 *  data (a read never mixes early and 1-RTT data), else 0. */
int gmtls_conn_last_read_early(const gmtls_conn *conn);
/** Client, before the handshake: data (copied) to send as 0-RTT data with
 *  the session of gmtls_conn_set_session when its ticket allows that much
 *  (otherwise none is sent). After the handshake gmtls_conn_early_data_state
 *  says whether the server took it: GMTLS_EARLY_REJECTED means it was
 *  dropped and the application sends it again if it wants to. */
int gmtls_conn_set_early_data(gmtls_conn *conn, const void *data, size_t len);
/** The identity of the external PSK this handshake used (sets *len), or
 *  NULL when none was used (a certificate or a resumption handshake). */
const uint8_t *gmtls_conn_psk_identity(const gmtls_conn *conn, size_t *len);
/** 1 when the handshake used an external PSK without (EC)DHE (psk_ke). */
int gmtls_conn_psk_ke_only(const gmtls_conn *conn);
int gmtls_conn_did_hrr(const gmtls_conn *conn);
/** TLS 1.2 / TLCP: the session ID of this connection's session, as the
 *  ServerHello carried it (RFC 5246 §7.4.1.3): one the server issued for
 *  its session cache (gmtls_config_set_session_cache), the resumed
 *  session's, or the client's echoed with an accepted ticket (RFC 5077
 *  §3.4). Sets *len; NULL (*len 0) when the ServerHello carried none (a
 *  new session with a ticket or without the cache), before the ServerHello,
 *  and in TLS 1.3 (whose legacy_session_id names no session). */
const uint8_t *gmtls_conn_session_id(const gmtls_conn *conn, size_t *len);
/** Peer certificate chain (DER), leaf first; NULL past the end. */
const uint8_t *gmtls_conn_peer_cert(const gmtls_conn *conn, size_t i, size_t *len);
/** One-line subject of the peer's leaf ("CN=..., O=..."), or NULL. */
const char *gmtls_conn_peer_subject(const gmtls_conn *conn);
/** "ok", or why verification of the peer failed / was skipped. */
const char *gmtls_conn_verify_result(const gmtls_conn *conn);
/** Stapled OCSP response / SCT list received from the server (NULL if none). */
const uint8_t *gmtls_conn_ocsp_response(const gmtls_conn *conn, size_t *len);
const uint8_t *gmtls_conn_scts(const gmtls_conn *conn, size_t *len);
/** Client: serializes the newest session ticket for resumption into out. */
int gmtls_conn_get_session(const gmtls_conn *conn, gmtls_buf *out);
/** Server, after a resumption with a ticket: the client's view of the
 *  ticket's age minus this server's, in seconds (as BoringSSL's
 *  SSL_get_ticket_age_skew): a measure of clock skew between the two
 *  (0-RTT is refused beyond 10 s, RFC 8446 §8.3). 0 otherwise. */
int32_t gmtls_conn_ticket_age_skew(const gmtls_conn *conn);
/** Client: the max_early_data_size of the ticket gmtls_conn_get_session
 *  would return: the bytes of 0-RTT data a resumption with it may carry
 *  (0: the ticket allows none, or there is no ticket yet). */
uint32_t gmtls_conn_session_max_early_data(const gmtls_conn *conn);
/** The algorithm that compressed the Certificate this side received
 *  (peer = 1) or sent (peer = 0), 0 if it went uncompressed; the compressed
 *  and uncompressed sizes in bytes when the pointers are not NULL. */
uint16_t gmtls_conn_cert_compression(const gmtls_conn *conn, int peer, size_t *compressed, size_t *uncompressed);
/** The peer's record_size_limit (RFC 8449) this side's records obey, 0 when
 *  the extension was not negotiated. */
uint16_t gmtls_conn_peer_record_size_limit(const gmtls_conn *conn);
/** Bytes of application data sent / received so far. */
uint64_t gmtls_conn_bytes_sent(const gmtls_conn *conn);
uint64_t gmtls_conn_bytes_received(const gmtls_conn *conn);
/** The last error and its detail text ("invalid client finished"). */
const char *gmtls_conn_error_detail(const gmtls_conn *conn);

/* ---------------------------------------------------------------- sockets */

/** A connection bound to a connected socket. Works with blocking fds and
 *  with non-blocking ones (GMTLS_ERR_WANT_READ / GMTLS_ERR_WANT_WRITE tell
 *  the caller what to poll for). */
typedef struct gmtls_io gmtls_io;

gmtls_io *gmtls_io_new(gmtls_conn *conn, int fd);
/** Frees the io object (not the conn, not the fd). */
void gmtls_io_free(gmtls_io *io);
gmtls_conn *gmtls_io_conn(const gmtls_io *io);
int gmtls_io_handshake(gmtls_io *io);
/** Reads application data: 0 with *nread > 0, GMTLS_ERR_CLOSED at
 *  close_notify, GMTLS_ERR_EOF at a TCP EOF without it, WANT_* or error. */
int gmtls_io_read(gmtls_io *io, void *buf, size_t len, size_t *nread);
/** 1 when the bytes the last gmtls_io_read returned were 0-RTT data (a read
 *  never mixes early and 1-RTT data), else 0. */
int gmtls_io_last_read_early(const gmtls_io *io);
/** Writes all of buf (blocking), or queues it and returns WANT_WRITE with
 *  *nwritten = len when the socket is full (non-blocking; call gmtls_io_flush). */
int gmtls_io_write(gmtls_io *io, const void *buf, size_t len, size_t *nwritten);
/** Sends queued output: 0 when all is sent, WANT_WRITE, or error. */
int gmtls_io_flush(gmtls_io *io);
/** Bytes waiting in the output queue. */
size_t gmtls_io_pending_output(const gmtls_io *io);
/** Decrypted bytes ready for gmtls_io_read without touching the socket. */
size_t gmtls_io_pending_input(const gmtls_io *io);
/** Processes the records already read from the fd (never reads it: records
 *  that came with the last handshake record, or a close_notify that came
 *  with data already returned), then returns 1 when gmtls_io_read will
 *  return at once: decrypted data, or the peer's close_notify / EOF / an
 *  error already seen. An event loop must not wait for the fd while this is
 *  1: the fd may never become readable again. */
int gmtls_io_has_pending(gmtls_io *io);
/** Frees the io's buffers that hold nothing (call it when the connection
 *  goes idle); they are allocated again when next needed. */
void gmtls_io_shrink(gmtls_io *io);
/** Sends close_notify (and flushes as far as the socket allows). */
int gmtls_io_close(gmtls_io *io);
int gmtls_io_key_update(gmtls_io *io, int request_peer);
/** gmtls_request_client_cert on the socket (flushed as far as it goes). */
int gmtls_io_request_client_cert(gmtls_io *io, gmtls_client_auth mode);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
