/* tools/tlsutil.h - helpers shared by `gmtls client` and `gmtls server`:
 * option parsing, addresses, key log files, config setup. */
#ifndef GMTLS_TOOLS_TLSUTIL_H
#define GMTLS_TOOLS_TLSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "gmtls.h"

/* Matches argv[*i] against "--name" (taking the value from argv[*i+1]) or
 * "--name=value". Returns 1 and sets *val on a match, 0 when the option is a
 * different one, -1 (message printed) when the value is missing. */
int tool_opt_value(int argc, char **argv, int *i, const char *name, const char **val);
/* A string option and where its value goes. */
typedef struct {
    const char *name;
    const char **dst;
} tool_str_opt;
/* Tries argv[*i] against each option of the table: 1 when one matched (its
 * value stored), 0 when none did, -1 on a usage error (message printed). */
int tool_opt_strings(int argc, char **argv, int *i, const tool_str_opt *opts, size_t n);
/* Parses a decimal number in [min, max]; 0 or -1 (message printed). */
int tool_parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* Splits "host:port", "[v6]:port" into malloc'd host and port strings.
 * With default_port != NULL a bare host is accepted. The port must be a
 * number from 0 to 65535. 0 or -1. */
int tool_split_hostport(const char *s, const char *default_port, char **host, char **port);
/* "1.2.3.4:5" / "[::1]:5" for a socket address. */
void tool_format_addr(const struct sockaddr *sa, char *buf, size_t len);
/* getaddrinfo, except that "localhost" and "*.localhost" are the loopback
 * addresses without a lookup (RFC 6761 §6.3). */
struct addrinfo;
int tool_getaddrinfo(const char *host, const char *port, const struct addrinfo *hints, struct addrinfo **res);
/* 1 if s is an IPv4 or IPv6 literal. */
int tool_is_ip_literal(const char *s);

/* Key log: appends NSS key log lines to path (SSLKEYLOGFILE when path is
 * NULL and the variable is set). 0 (also when there is nothing to do) or -1. */
int tool_keylog_setup(gmtls_config *cfg, const char *path);

/* Applies the algorithm lists (NULL = keep defaults). On an unknown name
 * prints "gmtls: <last error>" and returns 2; other failures 1; else 0. */
/* "TLSv1.3", "TLSv1.2" or "unknown". */
const char *tool_version_name(uint16_t version);
/* --min-version / --max-version ("1.2", "1.3") and --tls12-ciphers (NULL =
 * not given): 0, or 2 after an error message. */
int tool_config_versions(gmtls_config *cfg, const char *min, const char *max, const char *ciphers12);
int tool_config_lists(gmtls_config *cfg, const char *ciphers, const char *groups, const char *sigalgs,
                      const char *alpn);
/* --cert-compression LIST|none and --record-size-limit N (NULL = keep the
 * defaults); 0, or 2 after a usage message. */
int tool_config_sizes(gmtls_config *cfg, const char *cert_comp, const char *record_size_limit);
/* "brotli, 1432 -> 982 bytes" for a Certificate received (peer = 1) or
 * sent (peer = 0) compressed, else "none"; in buf. */
const char *tool_cert_compression(const gmtls_conn *c, int peer, char *buf, size_t n);
/* --key-pass SPEC (see tool_key_pass_get): the config asks the source each
 * time it loads an encrypted key, so a SIGHUP reload reads file: and env:
 * again. NULL spec: nothing to do. 0, or 2 after a usage message. */
int tool_config_key_pass(gmtls_config *cfg, const char *spec);
/* Parses rfc8998 | gbt-default | accept-both. 0 or -1 (message printed). */
int tool_parse_sm2_id(const char *s, gmtls_sm2_id_mode *mode);
/* Loads trust anchors from a PEM file or a hashed directory. 0 or -1. */
int tool_config_ca(gmtls_config *cfg, const char *path);

/* Adds a certificate chain and its key (gmtls_config_add_cert_chain_file);
 * on failure prints what is wrong and what to do - a key that is not the
 * certificate's is named as such. 0 or -1. */
int tool_config_chain(gmtls_config *cfg, const char *cert, const char *key);
/* --enc-cert / --enc-key (TLCP): the same, saying what an encryption
 * certificate needs when the library refuses it. 0 or -1 (message printed). */
int tool_config_enc_cert(gmtls_config *cfg, const char *cert, const char *key);

/* External PSKs from the command line: --psk HEX with --psk-identity ID
 * (default "Client_identity", OpenSSL's) and --psk-hash (default SHA256),
 * and/or --psk-file FILE (lines IDENTITY:HEX[:HASH], # comments), and
 * --psk-modes (psk_dhe_ke and/or psk_ke, comma-separated). All NULL:
 * nothing to do. 0, 1 (a file) or 2 (a usage error), message printed. */
typedef struct {
    const char *hex, *identity, *hash, *file, *modes;
} tool_psk_opts;
int tool_config_psk(gmtls_config *cfg, const tool_psk_opts *o, size_t *npsks);
/* The identity of the external PSK conn used, printable ("-" when none;
 * hex:... when it is not printable ASCII). */
const char *tool_psk_identity(const gmtls_conn *conn, char *buf, size_t len);

/* Names for the report / access log, never NULL ("none" for 0). */
const char *tool_suite_name(uint16_t id);
const char *tool_group_name(uint16_t id);
const char *tool_sigalg_name(uint16_t id);
/* 1 when err is the local refusal of the peer's certificate (an alert sent
 * after the chain failed verification). */
int tool_is_verify_failure(int err, const gmtls_conn *conn);
/* "gmtls_strerror text" plus the conn detail when there is one. */
void tool_print_tls_error(const char *what, int err, const gmtls_conn *conn);

#endif
