/* tools/server_devcert.c - development certificates for `gmtls server`.
 *
 * Single-algorithm chains, so a client offering only one family of
 * signature schemes still finds a chain it can verify end to end:
 *   ca-sm2.pem    -> sm2.pem    (SM2 keys, SM2-with-SM3, signer ID 1234567812345678)
 *   ca-ecdsa.pem  -> ecdsa.pem  (P-256 keys, ecdsa-with-SHA256)
 *   ca-sm2-go.pem -> sm2-go.pem (the Go gmtls family's style: SM2-OID keys,
 *                                signatures over SM3(TBS); served only to
 *                                its clients, see gmtls_cert_select)
 *   ca-sm2.pem    -> sm2enc.pem (a TLCP encryption certificate, GB/T 38636-2020,
 *                                for the entity of sm2.pem: `gmtls bench`'s
 *                                TLCP rows and `--enc-cert` to try TLCP)
 * ca.pem holds the three CAs. Leaves name DNS:localhost, IP:127.0.0.1, IP:::1.
 * Everything is made by the certificate factory (src/certgen, as `gmtls
 * cert` makes it) once and reused on later runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "certgen/certgen.h"
#include "cmd.h"
#include "server.h"

/* Writes text to dir/name atomically (a temporary file, then rename); mode
 * 0600 for a key. */
static int write_pem(const char *dir, const char *name, const char *a, const char *b, int is_key)
{
    char tmp[4096], path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, name, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        tool_err("%s: %s", tmp, strerror(errno));
        return -1;
    }
    int ok = !is_key || fchmod(fileno(f), 0600) == 0;
    ok = ok && fputs(a, f) >= 0 && (b == NULL || fputs(b, f) >= 0);
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        tool_err("%s: cannot write", path);
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int file_exists(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return access(path, R_OK) == 0;
}

static const struct {
    const char *prefix, *alg;
    gmtls_cg_style style;
} dev_chains[] = {
    {"sm2", "SM2", GMTLS_CG_STYLE_RFC},
    {"ecdsa", "P-256", GMTLS_CG_STYLE_RFC},
    {"sm2-go", "SM2", GMTLS_CG_STYLE_GO},
};
#define NDEV (sizeof(dev_chains) / sizeof(dev_chains[0]))

/* The TLCP encryption pair of chain c's entity: sm2enc.pem / sm2enc.key. */
static int make_enc(const char *dir, const gmtls_cg_chain *c)
{
    void *key = gmtls_cg_keygen("sm2");
    void *x = key != NULL ? gmtls_cg_make_enc_cert(c, key, NULL) : NULL;
    char *cert_pem = x != NULL ? gmtls_cg_cert_pem(x) : NULL;
    char *key_pem = cert_pem != NULL ? gmtls_cg_key_pem(key) : NULL;
    int rc = key_pem != NULL && write_pem(dir, "sm2enc.key", key_pem, NULL, 1) == 0 &&
                     write_pem(dir, "sm2enc.pem", cert_pem, NULL, 0) == 0
                 ? 0
                 : -1;
    if (rc != 0) {
        tool_err("dev certificates: TLCP encryption certificate creation failed");
    }
    if (key_pem != NULL) {
        OPENSSL_cleanse(key_pem, strlen(key_pem));
    }
    free(key_pem);
    free(cert_pem);
    gmtls_cg_cert_free(x);
    gmtls_cg_key_free(key);
    return rc;
}

/* Makes CA + leaf of dev_chains[i] (the certificate factory, src/certgen);
 * files <prefix>.pem / <prefix>.key / ca-<prefix>.pem. *ca_out receives the
 * CA certificate (PEM, malloc'd). */
static int make_chain(const char *dir, size_t i, char **ca_out)
{
    const char *prefix = dev_chains[i].prefix;
    char ca_name[64], cert_name[64], key_name[64];
    snprintf(ca_name, sizeof(ca_name), "ca-%s.pem", prefix);
    snprintf(cert_name, sizeof(cert_name), "%s.pem", prefix);
    snprintf(key_name, sizeof(key_name), "%s.key", prefix);
    gmtls_cg_chain c;
    if (gmtls_cg_make_chain(dev_chains[i].alg, "gmtls development", "localhost", dev_chains[i].style, NULL, &c) != 0) {
        tool_err("dev certificates: %s certificate creation failed", prefix);
        return -1;
    }
    int rc = -1;
    if (write_pem(dir, key_name, c.key_pem, NULL, 1) == 0 && write_pem(dir, cert_name, c.leaf_pem, c.ca_pem, 0) == 0 &&
        write_pem(dir, ca_name, c.ca_pem, NULL, 0) == 0 && (strcmp(prefix, "sm2") != 0 || make_enc(dir, &c) == 0)) {
        *ca_out = c.ca_pem;
        c.ca_pem = NULL;
        rc = 0;
    }
    gmtls_cg_chain_free(&c);
    return rc;
}

int srv_devcert_setup(const char *dir, char *ca_path, size_t ca_path_len, int quiet)
{
    snprintf(ca_path, ca_path_len, "%s/ca.pem", dir);
    int all = file_exists(dir, "ca.pem");
    for (size_t i = 0; i < NDEV; i++) {
        char name[64];
        static const char *const forms[] = {"%s.pem", "%s.key", "ca-%s.pem"};
        for (size_t f = 0; f < 3; f++) {
            snprintf(name, sizeof(name), forms[f], dev_chains[i].prefix);
            all &= file_exists(dir, name);
        }
    }
    if (all) {
        return 0;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        tool_err("%s: %s", dir, strerror(errno));
        return -1;
    }
    char *cas[NDEV] = {NULL};
    int rc = 0;
    size_t total = 1;
    for (size_t i = 0; i < NDEV && rc == 0; i++) {
        rc = make_chain(dir, i, &cas[i]);
        total += rc == 0 ? strlen(cas[i]) : 0;
    }
    char *all_cas = rc == 0 ? malloc(total) : NULL;
    if (all_cas != NULL) {
        all_cas[0] = '\0';
        for (size_t i = 0; i < NDEV; i++) {
            strcat(all_cas, cas[i]);
        }
    }
    if (all_cas == NULL || write_pem(dir, "ca.pem", all_cas, NULL, 0) != 0) {
        rc = -1;
    } else if (!quiet) {
        fprintf(stderr, "gmtls: created development CAs and certificates in %s\n", dir);
    }
    free(all_cas);
    for (size_t i = 0; i < NDEV; i++) {
        free(cas[i]);
    }
    return rc;
}

int srv_devcert_load(gmtls_config *cfg, const char *dir)
{
    for (size_t i = 0; i < NDEV; i++) {
        char cert[4096], key[4096];
        snprintf(cert, sizeof(cert), "%s/%s.pem", dir, dev_chains[i].prefix);
        snprintf(key, sizeof(key), "%s/%s.key", dir, dev_chains[i].prefix);
        int r = gmtls_config_add_cert_chain_file(cfg, cert, key);
        if (r != 0) {
            const char *d = gmtls_config_last_error(cfg);
            tool_err("%s: %s%s%s", cert, gmtls_strerror(r), d && d[0] ? ": " : "", d ? d : "");
            return -1;
        }
    }
    return 0;
}
