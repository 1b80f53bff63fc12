/* tools/tlsutil.c - helpers shared by `gmtls client` and `gmtls server`. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
        tool_err("%s: %s", path, strerror(errno));
        return -1;
    }
    int r = S_ISDIR(st.st_mode) ? gmtls_config_set_ca_dir(cfg, path) : gmtls_config_set_ca_file(cfg, path);
    if (r != 0) {
        const char *detail = gmtls_config_last_error(cfg);
        tool_err("CA %s: %s%s%s", path, gmtls_strerror(r), detail != NULL && detail[0] ? ": " : "",
                 detail != NULL ? detail : "");
        return -1;
    }
    return 0;
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
