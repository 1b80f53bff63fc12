/* tools/tlsutil.c - helpers shared by `gmtls client` and `gmtls server`. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmd.h"
#include "tlsutil.h"

int tool_opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) {
        return 0;
    }
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0') {
        return 0;
    }
    if (*i + 1 >= argc) {
        tool_err("option %s needs a value", name);
        return -1;
    }
    *i += 1;
    *val = argv[*i];
    return 1;
}

int tool_opt_strings(int argc, char **argv, int *i, const tool_str_opt *opts, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const char *v;
        int m = tool_opt_value(argc, argv, i, opts[k].name, &v);
        if (m != 0) {
            if (m > 0) {
                *opts[k].dst = v;
            }
            return m < 0 ? -1 : 1;
        }
    }
    return 0;
}

int tool_parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (s[0] == '\0' || s[0] == '-' || *end != '\0' || errno != 0 || v < min || v > max) {
        tool_err("%s: '%s' is not a number in [%lu, %lu]", opt, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int tool_split_hostport(const char *s, const char *default_port, char **host, char **port)
{
    const char *h = s, *hend, *p = NULL;
    if (s[0] == '[') {
        h = s + 1;
        hend = strchr(h, ']');
        if (hend == NULL) {
            return -1;
        }
        if (hend[1] == ':') {
            p = hend + 2;
        } else if (hend[1] != '\0') {
            return -1;
        }
    } else {
        const char *c = strrchr(s, ':');
        if (c != NULL && strchr(s, ':') != c) {
            /* a bare IPv6 literal without brackets: no port */
            c = NULL;
        }
        hend = c != NULL ? c : s + strlen(s);
        if (c != NULL) {
            p = c + 1;
        }
    }
    if (p == NULL) {
        p = default_port;
    }
    if (hend == h || p == NULL || *p == '\0') {
        return -1;
    }
    unsigned long pv = 0;
    for (const char *q = p; *q != '\0'; q++) {
        if (*q < '0' || *q > '9') {
            return -1;
        }
        /* RFC 793 §3.1: the port fields are 16 bits */
        pv = pv * 10 + (unsigned long)(*q - '0');
        if (pv > 65535) {
            return -1;
        }
    }
    *host = strndup(h, (size_t)(hend - h));
    *port = strdup(p);
    if (*host == NULL || *port == NULL) {
        free(*host);
        free(*port);
        return -1;
    }
    return 0;
}

void tool_format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        snprintf(buf, len, "%s:%u", ip, (unsigned)ntohs(a->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
        snprintf(buf, len, "[%s]:%u", ip, (unsigned)ntohs(a->sin6_port));
    } else {
        snprintf(buf, len, "?");
    }
}

int tool_is_ip_literal(const char *s)
{
    unsigned char tmp[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

/* RFC 6761 §6.3: name lookup APIs SHOULD recognize localhost names as
 * special and always return the IP loopback address, without asking a
 * resolver (a minimal system may have no /etc/hosts entry for it). */
static int is_localhost_name(const char *host)
{
    static const char name[] = "localhost";
    size_t n = strlen(host), k = sizeof(name) - 1;
    if (n > 0 && host[n - 1] == '.') {
        n--; /* the absolute form "localhost." */
    }
    if (n < k || strncasecmp(host + n - k, name, k) != 0) {
        return 0;
    }
    return n == k || host[n - k - 1] == '.'; /* "localhost" or "*.localhost" */
}

int tool_getaddrinfo(const char *host, const char *port, const struct addrinfo *hints, struct addrinfo **res)
{
    if (host != NULL && is_localhost_name(host)) {
        /* a NULL node without AI_PASSIVE yields the loopback addresses */
        struct addrinfo h = *hints;
        h.ai_flags &= ~(AI_PASSIVE | AI_CANONNAME);
        return getaddrinfo(NULL, port, &h, res);
    }
    return getaddrinfo(host, port, hints, res);
}

/* One key log file per process; lines from every thread, whole lines only. */
static FILE *keylog_file;
static pthread_mutex_t keylog_lock = PTHREAD_MUTEX_INITIALIZER;

static void keylog_write(void *ctx, const gmtls_conn *conn, const char *line)
{
    (void)ctx;
    (void)conn;
    pthread_mutex_lock(&keylog_lock);
    if (keylog_file != NULL) {
        fprintf(keylog_file, "%s\n", line);
        fflush(keylog_file);
    }
    pthread_mutex_unlock(&keylog_lock);
}

int tool_keylog_setup(gmtls_config *cfg, const char *path)
{
    if (path == NULL) {
        path = getenv("SSLKEYLOGFILE");
        if (path == NULL || path[0] == '\0') {
            return 0;
        }
    }
    pthread_mutex_lock(&keylog_lock);
    if (keylog_file == NULL) {
        keylog_file = fopen(path, "a");
    }
    FILE *f = keylog_file;
    pthread_mutex_unlock(&keylog_lock);
    if (f == NULL) {
        tool_err("key log %s: %s", path, strerror(errno));
        return -1;
    }
    gmtls_config_set_keylog(cfg, keylog_write, NULL);
    return 0;
}

static int apply_list(gmtls_config *cfg, int (*fn)(gmtls_config *, const char *), const char *list,
                      const char *what)
{
    if (list == NULL) {
        return 0;
    }
    int r = fn(cfg, list);
    if (r == 0) {
        return 0;
    }
    const char *detail = gmtls_config_last_error(cfg);
    if (detail != NULL && detail[0] != '\0') {
        tool_err("%s", detail);
    } else {
        tool_err("%s '%s': %s", what, list, gmtls_strerror(r));
    }
    return r == GMTLS_ERR_UNKNOWN_NAME || r == GMTLS_ERR_BAD_ARGUMENT ? 2 : 1;
}

int tool_config_lists(gmtls_config *cfg, const char *ciphers, const char *groups, const char *sigalgs,
                      const char *alpn)
{
    int r = apply_list(cfg, gmtls_config_set_cipher_suites, ciphers, "cipher suites");
    if (r == 0) {
        r = apply_list(cfg, gmtls_config_set_groups, groups, "groups");
    }
    if (r == 0) {
        r = apply_list(cfg, gmtls_config_set_sigalgs, sigalgs, "signature algorithms");
    }
    if (r == 0) {
        r = apply_list(cfg, gmtls_config_set_alpn, alpn, "ALPN list");
    }
    return r;
}

const char *tool_version_name(uint16_t v)
{
    switch (v) {
    case GMTLS_VERSION_TLS13:
        return "TLSv1.3";
    case GMTLS_VERSION_TLS12:
        return "TLSv1.2";
    case GMTLS_VERSION_TLCP:
        return "TLCP";
    default:
        return "unknown";
    }
}

static int parse_version(const char *opt, const char *s, uint16_t *v)
{
    if (strcmp(s, "1.2") == 0 || strcmp(s, "TLSv1.2") == 0) {
        *v = GMTLS_VERSION_TLS12;
    } else if (strcmp(s, "1.3") == 0 || strcmp(s, "TLSv1.3") == 0) {
        *v = GMTLS_VERSION_TLS13;
    } else {
        tool_err("%s: unknown version '%s' (1.2, 1.3)", opt, s);
        return -1;
    }
    return 0;
}

int tool_config_versions(gmtls_config *cfg, const char *min, const char *max, const char *ciphers12)
{
    uint16_t lo = GMTLS_VERSION_TLS12, hi = GMTLS_VERSION_TLS13;
    int r = apply_list(cfg, gmtls_config_set_cipher_suites_tls12, ciphers12, "TLS 1.2 cipher suites");
    if (r != 0 || (min == NULL && max == NULL)) {
        return r;
    }
    if ((min != NULL && parse_version("--min-version", min, &lo) != 0) ||
        (max != NULL && parse_version("--max-version", max, &hi) != 0)) {
        return 2;
    }
    if (lo > hi) {
        tool_err("--min-version %s is above --max-version %s", min, max);
        return 2;
    }
    return gmtls_config_set_versions(cfg, lo, hi) == 0 ? 0 : 2;
}

int tool_config_sizes(gmtls_config *cfg, const char *cert_comp, const char *record_size_limit)
{
    int r = apply_list(cfg, gmtls_config_set_cert_compression, cert_comp, "certificate compression");
    if (r == 0 && record_size_limit != NULL) {
        unsigned long v = 0;
        if (tool_parse_uint("--record-size-limit", record_size_limit, 0, 16385, &v) != 0) {
            return 2;
        }
        if (gmtls_config_set_record_size_limit(cfg, (unsigned)v) != 0) {
            tool_err("--record-size-limit: %s", gmtls_config_last_error(cfg));
            return 2;
        }
    }
    return r;
}

const char *tool_cert_compression(const gmtls_conn *c, int peer, char *buf, size_t n)
{
    size_t z = 0, u = 0;
    uint16_t alg = gmtls_conn_cert_compression(c, peer, &z, &u);
    const char *name = gmtls_cert_compression_name(alg);
    if (name == NULL) {
        snprintf(buf, n, "none");
    } else {
        snprintf(buf, n, "%s, %zu -> %zu bytes", name, u, z);
    }
    return buf;
}

int tool_parse_sm2_id(const char *s, gmtls_sm2_id_mode *mode)
{
    if (strcmp(s, "rfc8998") == 0) {
        *mode = GMTLS_SM2_ID_RFC8998;
    } else if (strcmp(s, "gbt-default") == 0) {
        *mode = GMTLS_SM2_ID_GBT_DEFAULT;
    } else if (strcmp(s, "accept-both") == 0) {
        *mode = GMTLS_SM2_ID_ACCEPT_BOTH;
    } else {
        tool_err("--sm2-id: unknown mode '%s' (rfc8998, gbt-default, accept-both)", s);
        return -1;
    }
    return 0;
}

int tool_config_ca(gmtls_config *cfg, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        tool_err("--ca %s: %s: give a PEM file of CA certificates or a directory hashed by `openssl rehash`",
                 path, strerror(errno));
        return -1;
    }
    int r = S_ISDIR(st.st_mode) ? gmtls_config_set_ca_dir(cfg, path) : gmtls_config_set_ca_file(cfg, path);
    if (r != 0) {
        const char *detail = gmtls_config_last_error(cfg);
        tool_err("--ca %s: %s%s%s: give a PEM file of CA certificates (-----BEGIN CERTIFICATE-----) or a "
                 "directory hashed by `openssl rehash`",
                 path, gmtls_strerror(r), detail != NULL && detail[0] ? ": " : "", detail != NULL ? detail : "");
        return -1;
    }
    return 0;
}

/* 1 when both files parse and the key is not the certificate's (the first
 * certificate of the chain file): the one failure worth naming on its own. */
/* A pem_password_cb that has no passphrase: libcrypto's default would prompt
 * on the terminal (an encrypted key is the library's business, --key-pass). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

static int key_mismatch(const char *cert, const char *key)
{
    int mismatch = 0;
    FILE *fc = fopen(cert, "r"), *fk = fopen(key, "r");
    X509 *x = fc != NULL ? PEM_read_X509(fc, NULL, NULL, NULL) : NULL;
    EVP_PKEY *pk = fk != NULL ? PEM_read_PrivateKey(fk, NULL, no_passphrase, NULL) : NULL;
    if (x != NULL && pk != NULL) {
        mismatch = X509_check_private_key(x, pk) != 1;
    }
    ERR_clear_error();
    EVP_PKEY_free(pk);
    X509_free(x);
    if (fc != NULL) {
        fclose(fc);
    }
    if (fk != NULL) {
        fclose(fk);
    }
    return mismatch;
}

int tool_config_chain(gmtls_config *cfg, const char *cert, const char *key)
{
    int r = gmtls_config_add_cert_chain_file(cfg, cert, key);
    if (r == 0) {
        return 0;
    }
    if (r == GMTLS_ERR_FILE && key_mismatch(cert, key)) {
        tool_err("--key %s is not the private key of the certificate in --cert %s: give the key that was "
                 "generated with this certificate (`openssl x509 -in CERT -noout -pubkey` and "
                 "`openssl pkey -in KEY -pubout` must print the same)",
                 key, cert);
        return -1;
    }
    const char *d = gmtls_config_last_error(cfg);
    tool_err("--cert %s / --key %s: %s%s%s: give a PEM certificate chain (leaf first) and its PEM private key "
             "(with --key-pass SPEC if it is encrypted)",
             cert, key, gmtls_strerror(r), d != NULL && d[0] ? ": " : "", d != NULL ? d : "");
    return -1;
}

int tool_config_enc_cert(gmtls_config *cfg, const char *cert, const char *key)
{
    int r = gmtls_config_set_enc_cert_file(cfg, cert, key);
    if (r == 0) {
        return 0;
    }
    if (r == GMTLS_ERR_FILE && key_mismatch(cert, key)) {
        tool_err("--enc-key %s is not the private key of the certificate in --enc-cert %s", key, cert);
        return -1;
    }
    const char *d = gmtls_config_last_error(cfg);
    tool_err("--enc-cert %s: %s: give the TLCP encryption certificate of the --cert entity (an SM2 key, keyUsage "
             "keyEncipherment) and its PEM private key",
             cert, d != NULL && d[0] ? d : gmtls_strerror(r));
    return -1;
}

static const char *name_or_hex(const char *name, uint16_t id)
{
    static _Thread_local char buf[4][8];
    static _Thread_local unsigned next;
    if (id == 0) {
        return "none";
    }
    if (name != NULL) {
        return name;
    }
    char *b = buf[next++ % 4];
    snprintf(b, sizeof(buf[0]), "0x%04x", (unsigned)id);
    return b;
}

const char *tool_suite_name(uint16_t id)
{
    return name_or_hex(gmtls_cipher_suite_name(id), id);
}

const char *tool_group_name(uint16_t id)
{
    return name_or_hex(gmtls_group_name(id), id);
}

const char *tool_sigalg_name(uint16_t id)
{
    return name_or_hex(gmtls_sigalg_name(id), id);
}

int tool_is_verify_failure(int err, const gmtls_conn *conn)
{
    /* the alerts RFC 8446 §6.2 names for a certificate the local side refused */
    switch (err) {
    case GMTLS_ALERT_BAD_CERTIFICATE:
    case GMTLS_ALERT_UNSUPPORTED_CERTIFICATE:
    case GMTLS_ALERT_CERTIFICATE_REVOKED:
    case GMTLS_ALERT_CERTIFICATE_EXPIRED:
    case GMTLS_ALERT_CERTIFICATE_UNKNOWN:
    case GMTLS_ALERT_UNKNOWN_CA: break;
    default: return 0;
    }
    const char *detail = conn != NULL ? gmtls_conn_error_detail(conn) : NULL;
    static const char prefix[] = "peer certificate verification failed";
    return detail != NULL && strncmp(detail, prefix, sizeof(prefix) - 1) == 0;
}

void tool_print_tls_error(const char *what, int err, const gmtls_conn *conn)
{
    const char *detail = conn != NULL ? gmtls_conn_error_detail(conn) : NULL;
    if (err == GMTLS_ERR_IO) {
        detail = strerror(errno);
    }
    if (detail != NULL && detail[0] != '\0') {
        tool_err("%s: %s (%s)", what, gmtls_strerror(err), detail);
    } else {
        tool_err("%s: %s", what, gmtls_strerror(err));
    }
}

static int key_pass_cb(void *ctx, char *buf, size_t size)
{
    return tool_key_pass_get(ctx, buf, size);
}

int tool_config_key_pass(gmtls_config *cfg, const char *spec)
{
    if (spec == NULL) {
        return 0;
    }
    if (tool_key_pass_check(spec) != 0) {
        return 2;
    }
    gmtls_config_set_key_passphrase_cb(cfg, key_pass_cb, (void *)spec);
    return 0;
}

/* ---------------------------------------------------------------- PSKs */

static int add_psk(gmtls_config *cfg, const char *id, const char *hex, const char *hash, const char *where)
{
    uint8_t *key = NULL;
    size_t klen = 0;
    if (tool_unhex(hex, &key, &klen) != 0 || klen == 0) {
        tool_err("%s: the PSK is not an even number of hex digits", where);
        free(key);
        return 2;
    }
    int r = gmtls_config_add_psk(cfg, (const uint8_t *)id, strlen(id), key, klen, hash);
    OPENSSL_cleanse(key, klen);
    free(key);
    if (r != 0) {
        tool_err("%s: %s", where, gmtls_config_last_error(cfg));
        return 2;
    }
    return 0;
}

int tool_config_psk(gmtls_config *cfg, const tool_psk_opts *o, size_t *npsks)
{
    *npsks = 0;
    if (o->hex == NULL && (o->identity != NULL || o->hash != NULL)) {
        tool_err("--psk-identity and --psk-hash go with --psk HEX");
        return 2;
    }
    if (o->hex != NULL) {
        int r = add_psk(cfg, o->identity != NULL ? o->identity : "Client_identity", o->hex, o->hash, "--psk");
        if (r != 0) {
            return r;
        }
        (*npsks)++;
    }
    if (o->file != NULL) {
        uint8_t *data = NULL;
        size_t len = 0;
        if (tool_read_file(o->file, &data, &len) != 0) {
            return 1;
        }
        char *text = malloc(len + 1);
        if (text == NULL) {
            free(data);
            return 1;
        }
        memcpy(text, data, len);
        text[len] = '\0';
        OPENSSL_cleanse(data, len);
        free(data);
        int rc = 0;
        unsigned lineno = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line != NULL && rc == 0; line = strtok_r(NULL, "\n", &save)) {
            lineno++;
            size_t l = strlen(line);
            while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t')) {
                line[--l] = '\0';
            }
            if (l == 0 || line[0] == '#') {
                continue;
            }
            char where[64];
            snprintf(where, sizeof where, "--psk-file line %u", lineno);
            char *colon = strchr(line, ':');
            if (colon == NULL || colon == line) {
                tool_err("%s: not IDENTITY:HEX[:HASH]", where);
                rc = 2;
                break;
            }
            *colon = '\0';
            char *hex = colon + 1, *hash = strchr(hex, ':');
            if (hash != NULL) {
                *hash++ = '\0';
            }
            rc = add_psk(cfg, line, hex, hash, where);
            if (rc == 0) {
                (*npsks)++;
            }
        }
        OPENSSL_cleanse(text, len);
        free(text);
        if (rc != 0) {
            return rc;
        }
        if (*npsks == 0) {
            tool_err("--psk-file %s: no PSK in the file", o->file);
            return 1;
        }
    }
    if (o->modes != NULL) {
        unsigned modes = 0;
        char *copy = strdup(o->modes), *save = NULL;
        if (copy == NULL) {
            return 1;
        }
        for (char *t = strtok_r(copy, ",:", &save); t != NULL; t = strtok_r(NULL, ",:", &save)) {
            if (strcmp(t, "psk_dhe_ke") == 0) {
                modes |= GMTLS_PSK_MODE_DHE_KE;
            } else if (strcmp(t, "psk_ke") == 0) {
                modes |= GMTLS_PSK_MODE_KE;
            } else {
                tool_err("--psk-modes: unknown mode '%s' (psk_dhe_ke, psk_ke)", t);
                free(copy);
                return 2;
            }
        }
        free(copy);
        if (gmtls_config_set_psk_modes(cfg, modes) != 0) {
            tool_err("--psk-modes: %s", gmtls_config_last_error(cfg));
            return 2;
        }
    }
    return 0;
}

const char *tool_psk_identity(const gmtls_conn *conn, char *buf, size_t len)
{
    size_t n = 0;
    const uint8_t *id = gmtls_conn_psk_identity(conn, &n);
    if (id == NULL || len < 8) {
        return "-";
    }
    int printable = 1;
    for (size_t i = 0; i < n; i++) {
        printable &= id[i] > 0x20 && id[i] < 0x7f;
    }
    size_t o = 0;
    if (printable && n < len) {
        memcpy(buf, id, n);
        o = n;
    } else {
        o = (size_t)snprintf(buf, len, "hex:");
        for (size_t i = 0; i < n && o + 3 <= len; i++) {
            o += (size_t)snprintf(buf + o, len - o, "%02x", id[i]);
        }
    }
    buf[o < len ? o : len - 1] = '\0';
    return buf;
}
