/* Test certificates from the one certificate factory (src/certgen, the
 * code behind `gmtls cert`; see testcerts.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certgen/certgen.h"
#include "testcerts.h"

int test_make_chain(const char *alg, const char *cn, const char *sm2_cert_id, test_chain *out)
{
    gmtls_cg_chain c;
    memset(out, 0, sizeof(*out));
    /* NULL: the empty ID, as OpenSSL 3.0 signs by default (the factory's ""). */
    if (gmtls_cg_make_chain(alg, "gmtls tests", cn, GMTLS_CG_STYLE_RFC, sm2_cert_id != NULL ? sm2_cert_id : "", &c) !=
        0) {
        return -1;
    }
    out->ca_pem = c.ca_pem;
    out->chain_pem = c.leaf_pem;
    out->key_pem = c.key_pem;
    free(c.ca_key_pem);
    return 0;
}

void test_free_chain(test_chain *c)
{
    free(c->ca_pem);
    free(c->chain_pem);
    free(c->key_pem);
    memset(c, 0, sizeof(*c));
}

int test_make_tlcp_chain(const char *cn, test_tlcp_chain *out)
{
    gmtls_cg_chain c;
    memset(out, 0, sizeof(*out));
    if (gmtls_cg_make_chain("SM2", "gmtls tests", cn, GMTLS_CG_STYLE_RFC, "1234567812345678", &c) != 0) {
        return -1;
    }
    void *key = gmtls_cg_keygen("SM2");
    void *enc = key != NULL ? gmtls_cg_make_enc_cert(&c, key, NULL) : NULL;
    out->sign.ca_pem = c.ca_pem;
    out->sign.chain_pem = c.leaf_pem;
    out->sign.key_pem = c.key_pem;
    out->enc_pem = enc != NULL ? gmtls_cg_cert_pem(enc) : NULL;
    out->enc_key_pem = enc != NULL ? gmtls_cg_key_pem(key) : NULL;
    free(c.ca_key_pem);
    gmtls_cg_cert_free(enc);
    gmtls_cg_key_free(key);
    if (out->enc_pem == NULL || out->enc_key_pem == NULL) {
        test_free_tlcp_chain(out);
        return -1;
    }
    return 0;
}

void test_free_tlcp_chain(test_tlcp_chain *c)
{
    test_free_chain(&c->sign);
    free(c->enc_pem);
    free(c->enc_key_pem);
    c->enc_pem = c->enc_key_pem = NULL;
}

const char *test_write_file(const char *dir, const char *name, const char *s)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return NULL;
    }
    fputs(s, f);
    fclose(f);
    return path;
}
