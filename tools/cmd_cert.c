/* tools/cmd_cert.c - `gmtls cert`: a small CA on the certificate factory
 * (src/certgen): create a CA, issue leaves, sign CSRs, print certificates,
 * for SM2 (rfc or go-gmtls style), ECDSA P-256/P-384, RSA and Ed25519. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certgen/certgen.h"
#include "cmd.h"
#include "tlsutil.h"

#define MAX_NAMES 32

typedef struct {
    const char *sub;
    const char *alg, *subject, *style, *ca, *ca_key, *ca_key_pass, *csr, *out_cert, *out_key, *out_chain;
    const char *key_usage, *eku, *in;
    const char *dns[MAX_NAMES], *ip[MAX_NAMES];
    size_t ndns, nip;
    unsigned long days, backdate, pathlen;
    int has_days, has_backdate, has_pathlen, server, client;
} cert_opts;

static void cert_usage(FILE *f)
{
    fprintf(f, "usage: gmtls cert ca       --subject DN [--alg ALG] [--style S] [--days N] [--pathlen N]\n"
               "                           --out-cert FILE --out-key FILE\n"
               "       gmtls cert issue    --ca FILE --ca-key FILE --subject DN [--alg ALG] [--server]\n"
               "                           [--client] [--dns NAME]... [--ip ADDR]... [--key-usage U]\n"
               "                           [--eku E] [--days N] [--backdate S] [--style S]\n"
               "                           --out-cert FILE --out-key FILE [--out-chain FILE]\n"
               "       gmtls cert sign-csr --ca FILE --ca-key FILE --csr FILE [--subject DN] (and the\n"
               "                           options of issue but --alg, --out-key) --out-cert FILE\n"
               "       gmtls cert print    FILE\n"
               "  DN                 \"CN=name,O=org\" (no commas in values) or \"/O=org/CN=name\"\n"
               "  --alg ALG          sm2 | p256 | p384 | p521 | rsa | rsa-3072 | rsa-4096 | rsa-pss |\n"
            "                     ed25519 | ed448\n"
               "                     (default: sm2)\n"
               "  --style S          SM2 certificates: rfc = id-ecPublicKey on the SM2 curve, signed\n"
               "                     with the ID 1234567812345678 (GmSSL, Tongsuo, OpenSSL with\n"
               "                     -vfyopt distid:1234567812345678); go-gmtls = key under the SM2\n"
               "                     OID, signed over SM3(TBS) (the Go gmtls family)\n"
               "                     (default: rfc for ca; the CA's style for issue and sign-csr)\n"
               "  --server/--client  extendedKeyUsage serverAuth / clientAuth (default: both)\n"
               "  --dns, --ip        subjectAltName entries (repeatable)\n"
               "  --key-usage U      keyUsage, OpenSSL syntax (default: critical,digitalSignature;\n"
               "                     a CA: critical,keyCertSign,cRLSign)\n"
               "  --eku E            extendedKeyUsage, OpenSSL syntax (overrides --server/--client)\n"
               "  --days N           validity from now (default: 3650 for a CA, 365 otherwise)\n"
               "  --backdate S       notBefore S seconds in the past (default: 3600)\n"
               "  --ca-key-pass SPEC passphrase of an encrypted CA key (pass:, env:, file:, fd:)\n"
               "Keys are written as unencrypted PKCS#8 with mode 0600.\n");
}

static int parse_args(int argc, char **argv, cert_opts *o)
{
    memset(o, 0, sizeof(*o));
    if (argc < 2) {
        cert_usage(stderr);
        return -1;
    }
    o->sub = argv[1];
    if (strcmp(o->sub, "--help") == 0 || strcmp(o->sub, "-h") == 0) {
        cert_usage(stdout);
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int m;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cert_usage(stdout);
            return 1;
        }
        if (strcmp(a, "--server") == 0 || strcmp(a, "--client") == 0) {
            *(a[2] == 's' ? &o->server : &o->client) = 1;
            continue;
        }
        const tool_str_opt sopts[] = {
            {"--alg", &o->alg},
            {"--subject", &o->subject},
            {"--style", &o->style},
            {"--ca", &o->ca},
            {"--ca-key", &o->ca_key},
            {"--ca-key-pass", &o->ca_key_pass},
            {"--csr", &o->csr},
            {"--out-cert", &o->out_cert},
            {"--out-key", &o->out_key},
            {"--out-chain", &o->out_chain},
            {"--key-usage", &o->key_usage},
            {"--eku", &o->eku},
        };
        m = tool_opt_strings(argc, argv, &i, sopts, sizeof(sopts) / sizeof(sopts[0]));
        if (m < 0) {
            return -1;
        }
        if (m > 0) {
            continue;
        }
        int dns = 0;
        if ((m = tool_opt_value(argc, argv, &i, "--dns", &v)) != 0) {
            dns = 1;
        } else {
            m = tool_opt_value(argc, argv, &i, "--ip", &v);
        }
        if (m != 0) {
            size_t *n = dns ? &o->ndns : &o->nip;
            if (m < 0 || *n == MAX_NAMES) {
                if (m > 0) {
                    tool_err("cert: at most %d --dns and %d --ip", MAX_NAMES, MAX_NAMES);
                }
                return -1;
            }
            (dns ? o->dns : o->ip)[(*n)++] = v;
            continue;
        }
        struct {
            const char *name;
            unsigned long *dst, max;
            int *has;
        } nopts[] = {{"--days", &o->days, 36500, &o->has_days},
                     {"--backdate", &o->backdate, 86400L * 365, &o->has_backdate},
                     {"--pathlen", &o->pathlen, 16, &o->has_pathlen}};
        int matched = 0;
        for (size_t k = 0; k < sizeof(nopts) / sizeof(nopts[0]) && !matched; k++) {
            if ((m = tool_opt_value(argc, argv, &i, nopts[k].name, &v)) != 0) {
                if (m < 0 || tool_parse_uint(nopts[k].name, v, strcmp(nopts[k].name, "--days") == 0, nopts[k].max,
                                             nopts[k].dst) != 0) {
                    return -1;
                }
                *nopts[k].has = 1;
                matched = 1;
            }
        }
        if (matched) {
            continue;
        }
        if (a[0] != '-' && strcmp(o->sub, "print") == 0 && o->in == NULL) {
            o->in = a;
            continue;
        }
        tool_err("cert: unknown option '%s' (try gmtls cert --help)", a);
        return -1;
    }
    return 0;
}

static char *read_text(const char *path, size_t *len)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    if (tool_read_file(path, &buf, &n) != 0) {
        return NULL;
    }
    char *s = realloc(buf, n + 1);
    if (s == NULL) {
        free(buf);
        return NULL;
    }
    s[n] = '\0';
    *len = n;
    return s;
}

/* Writes s to path with the given mode (a key: 0600), replacing it. */
static int write_text(const char *path, const char *s, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) {
        tool_err("%s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(s), off = 0;
    int bad = fchmod(fd, mode) != 0;
    while (!bad && off < len) {
        ssize_t w = write(fd, s + off, len - off);
        if (w <= 0) {
            bad = 1;
        } else {
            off += (size_t)w;
        }
    }
    bad |= close(fd) != 0;
    if (bad) {
        tool_err("%s: write error", path);
        return -1;
    }
    return 0;
}

static int parse_style(const char *s, gmtls_cg_style *out)
{
    if (strcmp(s, "rfc") == 0) {
        *out = GMTLS_CG_STYLE_RFC;
    } else if (strcmp(s, "go-gmtls") == 0 || strcmp(s, "go") == 0) {
        *out = GMTLS_CG_STYLE_GO;
    } else {
        tool_err("cert: --style must be rfc or go-gmtls, not '%s'", s);
        return -1;
    }
    return 0;
}

static int cmd_print(const cert_opts *o)
{
    size_t len = 0;
    if (o->in == NULL) {
        tool_err("cert print: which file?");
        return 2;
    }
    char *pem = read_text(o->in, &len);
    if (pem == NULL) {
        return 1;
    }
    void *x = gmtls_cg_read_cert(pem, len);
    free(pem);
    if (x == NULL) {
        tool_err("%s: no PEM certificate", o->in);
        return 1;
    }
    int rc = gmtls_cg_print(x, stdout) == 0 ? 0 : 1;
    gmtls_cg_cert_free(x);
    return rc;
}

int gmtls_cmd_cert(int argc, char **argv)
{
    cert_opts o;
    int pr = parse_args(argc, argv, &o);
    if (pr != 0) {
        return pr > 0 ? 0 : 2;
    }
    if (strcmp(o.sub, "print") == 0) {
        return cmd_print(&o);
    }
    int is_ca = strcmp(o.sub, "ca") == 0, is_csr = strcmp(o.sub, "sign-csr") == 0;
    if (!is_ca && !is_csr && strcmp(o.sub, "issue") != 0) {
        tool_err("cert: unknown subcommand '%s' (ca, issue, sign-csr, print)", o.sub);
        return 2;
    }
    if (o.out_cert == NULL || (!is_csr && o.out_key == NULL) || (!is_csr && o.subject == NULL) ||
        (!is_ca && (o.ca == NULL || o.ca_key == NULL)) || (is_csr && o.csr == NULL)) {
        tool_err("cert %s: missing %s", o.sub,
                 o.out_cert == NULL                             ? "--out-cert"
                 : !is_csr && o.out_key == NULL                 ? "--out-key"
                 : !is_csr && o.subject == NULL                 ? "--subject"
                 : !is_ca && (o.ca == NULL || o.ca_key == NULL) ? "--ca and --ca-key"
                                                                : "--csr");
        return 2;
    }
    if (o.ca_key_pass != NULL && tool_key_pass_check(o.ca_key_pass) != 0) {
        return 2;
    }
    gmtls_cg_spec spec = {.subject = o.subject, .is_ca = is_ca, .key_usage = o.key_usage};
    if (o.style != NULL && parse_style(o.style, &spec.style) != 0) {
        return 2;
    }
    spec.days = o.has_days ? (long)o.days : is_ca ? 3650 : 365;
    spec.backdate = o.has_backdate ? (long)o.backdate : 3600;
    if (o.has_backdate && o.backdate == 0) {
        spec.backdate = 1; /* "now" (0 would take the default) */
    }
    spec.has_pathlen = o.has_pathlen;
    spec.pathlen = (int)o.pathlen;
    spec.eku = o.eku != NULL           ? o.eku
               : o.server && !o.client ? "serverAuth"
               : o.client && !o.server ? "clientAuth"
                                       : NULL;
    if (is_ca && o.eku == NULL) {
        spec.eku = NULL;
    }
    char san[4096] = "";
    size_t off = 0;
    for (size_t i = 0; i < o.ndns + o.nip; i++) {
        int w = snprintf(san + off, sizeof san - off, "%s%s:%s", off ? "," : "", i < o.ndns ? "DNS" : "IP",
                         i < o.ndns ? o.dns[i] : o.ip[i - o.ndns]);
        if (w < 0 || (size_t)w >= sizeof san - off) {
            tool_err("cert: subjectAltName too long");
            return 2;
        }
        off += (size_t)w;
    }
    spec.san = off ? san : NULL;

    int rc = 1;
    char err[256] = "";
    void *ca = NULL, *ca_key = NULL, *key = NULL, *x = NULL;
    char *ca_pem = NULL, *cert_pem = NULL, *key_pem = NULL;
    size_t len = 0;
    if (!is_ca) {
        char pass[1024];
        int plen = o.ca_key_pass != NULL ? tool_key_pass_get(o.ca_key_pass, pass, sizeof pass) : 0;
        char *kp = plen >= 0 ? read_text(o.ca_key, &len) : NULL;
        ca_key = kp != NULL ? gmtls_cg_read_key(kp, len, o.ca_key_pass != NULL ? pass : NULL) : NULL;
        if (kp != NULL) {
            memset(kp, 0, len);
        }
        memset(pass, 0, sizeof pass);
        free(kp);
        if (ca_key == NULL) {
            if (plen >= 0) {
                tool_err("%s: cannot read the CA key (encrypted? give --ca-key-pass)", o.ca_key);
            }
            goto out;
        }
        ca_pem = read_text(o.ca, &len);
        ca = ca_pem != NULL ? gmtls_cg_read_cert(ca_pem, len) : NULL;
        if (ca == NULL) {
            tool_err("%s: no PEM certificate", o.ca);
            goto out;
        }
        if (o.style == NULL) {
            spec.style = gmtls_cg_cert_is_go_style(ca) ? GMTLS_CG_STYLE_GO : GMTLS_CG_STYLE_RFC;
        }
    }
    if (is_csr) {
        char *csr = read_text(o.csr, &len);
        x = csr != NULL ? gmtls_cg_issue_csr(&spec, csr, len, ca, ca_key, err, sizeof err) : NULL;
        free(csr);
    } else {
        key = gmtls_cg_keygen(o.alg != NULL ? o.alg : "sm2");
        if (key == NULL) {
            tool_err("cert: unknown or failed key algorithm '%s'", o.alg != NULL ? o.alg : "sm2");
            rc = o.alg != NULL ? 2 : 1;
            goto out;
        }
        x = gmtls_cg_issue(&spec, key, ca, ca_key, err, sizeof err);
    }
    if (x == NULL) {
        if (err[0] != '\0') {
            tool_err("cert %s: %s", o.sub, err);
        }
        goto out;
    }
    cert_pem = gmtls_cg_cert_pem(x);
    key_pem = key != NULL ? gmtls_cg_key_pem(key) : NULL;
    if (cert_pem == NULL || (key != NULL && key_pem == NULL)) {
        tool_err("cert: cannot encode the result");
        goto out;
    }
    if ((key_pem != NULL && write_text(o.out_key, key_pem, 0600) != 0) || write_text(o.out_cert, cert_pem, 0644) != 0) {
        goto out;
    }
    if (o.out_chain != NULL) {
        size_t n = strlen(cert_pem) + (ca_pem != NULL ? strlen(ca_pem) : 0) + 1;
        char *chain = malloc(n);
        if (chain == NULL) {
            goto out;
        }
        snprintf(chain, n, "%s%s", cert_pem, ca_pem != NULL ? ca_pem : "");
        int w = write_text(o.out_chain, chain, 0644);
        free(chain);
        if (w != 0) {
            goto out;
        }
    }
    rc = 0;
out:
    if (key_pem != NULL) {
        memset(key_pem, 0, strlen(key_pem));
    }
    free(key_pem);
    free(cert_pem);
    free(ca_pem);
    gmtls_cg_cert_free(x);
    gmtls_cg_cert_free(ca);
    gmtls_cg_key_free(key);
    gmtls_cg_key_free(ca_key);
    return rc;
}
