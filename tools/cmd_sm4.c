/* tools/cmd_sm4.c - `gmtls sm4`: SM4 encryption/decryption of a file.
 *
 *   gmtls sm4 -e|-d --mode ecb|cbc|ctr|gcm|ccm --key HEX [--iv HEX] [--aad HEX]
 *             [--in FILE] [--out FILE] [--nopad]
 *
 * ecb/cbc use PKCS#7 padding like `openssl enc -sm4-cbc -K .. -iv ..`
 * (--nopad as `openssl enc -nopad`); ctr needs no padding; gcm/ccm append
 * the 16-byte tag on encryption and verify it on decryption - a bad tag
 * is an error (status 1) and nothing is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "gmtls/sm.h"

#define SM4_TOOL_TAG 16

static void sm4_usage(FILE *f)
{
    fputs("usage: gmtls sm4 -e|-d --mode ecb|cbc|ctr|gcm|ccm --key HEX [--iv HEX]\n"
          "                 [--aad HEX] [--in FILE] [--out FILE] [--nopad]\n"
          "  --key HEX   16-byte key (32 hex digits)\n"
          "  --iv HEX    cbc/ctr: 16 bytes; gcm: 1 or more bytes (12 usual); ccm: 7..13 bytes\n"
          "  --aad HEX   additional authenticated data (gcm/ccm)\n"
          "  --nopad     ecb/cbc without PKCS#7 padding (input must be whole blocks)\n"
          "  gcm/ccm append a 16-byte tag when encrypting and check it when decrypting.\n",
          f);
}

static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--) {
        *v++ = 0;
    }
}

int gmtls_cmd_sm4(int argc, char **argv)
{
    int enc = -1, nopad = 0, status = 2;
    const char *mode = NULL, *keyhex = NULL, *ivhex = NULL, *aadhex = NULL;
    const char *inpath = "-", *outpath = "-";
    uint8_t *key = NULL, *iv = NULL, *aad = NULL, *in = NULL, *out = NULL;
    size_t keylen = 0, ivlen = 0, aadlen = 0, inlen = 0, outlen = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            sm4_usage(stdout);
            return 0;
        } else if (strcmp(a, "-e") == 0 || strcmp(a, "-d") == 0) {
            if (enc != -1 && enc != (a[1] == 'e')) {
                tool_err("sm4: -e and -d are mutually exclusive");
                return 2;
            }
            enc = a[1] == 'e';
            continue;
        } else if (strcmp(a, "--nopad") == 0) {
            nopad = 1;
            continue;
        } else if (strcmp(a, "--mode") == 0) {
            slot = &mode;
        } else if (strcmp(a, "--key") == 0) {
            slot = &keyhex;
        } else if (strcmp(a, "--iv") == 0) {
            slot = &ivhex;
        } else if (strcmp(a, "--aad") == 0) {
            slot = &aadhex;
        } else if (strcmp(a, "--in") == 0) {
            slot = &inpath;
        } else if (strcmp(a, "--out") == 0) {
            slot = &outpath;
        } else {
            tool_err("sm4: unknown argument %s", a);
            sm4_usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            tool_err("sm4: %s needs a value", a);
            return 2;
        }
        *slot = argv[++i];
    }

    if (enc == -1) {
        tool_err("sm4: one of -e or -d is required");
        return 2;
    }
    if (mode == NULL) {
        tool_err("sm4: --mode is required (ecb, cbc, ctr, gcm or ccm)");
        return 2;
    }
    int m_ecb = strcmp(mode, "ecb") == 0, m_cbc = strcmp(mode, "cbc") == 0;
    int m_ctr = strcmp(mode, "ctr") == 0, m_gcm = strcmp(mode, "gcm") == 0;
    int m_ccm = strcmp(mode, "ccm") == 0;
    if (!(m_ecb || m_cbc || m_ctr || m_gcm || m_ccm)) {
        tool_err("sm4: --mode %s: expected ecb, cbc, ctr, gcm or ccm", mode);
        return 2;
    }
    if (keyhex == NULL) {
        tool_err("sm4: --key is required");
        return 2;
    }
    if (tool_unhex(keyhex, &key, &keylen) != 0 || keylen != GMTLS_SM4_KEY_LEN) {
        tool_err("sm4: --key must be 32 hex digits");
        goto done;
    }
    if (m_ecb) {
        if (ivhex != NULL) {
            tool_err("sm4: --iv is not used with --mode ecb");
            goto done;
        }
    } else {
        if (ivhex == NULL) {
            tool_err("sm4: --iv is required with --mode %s", mode);
            goto done;
        }
        if (tool_unhex(ivhex, &iv, &ivlen) != 0) {
            tool_err("sm4: --iv is not valid hex");
            goto done;
        }
        if (((m_cbc || m_ctr) && ivlen != 16) || (m_gcm && ivlen == 0) ||
            (m_ccm && (ivlen < 7 || ivlen > 13))) {
            tool_err("sm4: --iv has the wrong length for --mode %s (%zu bytes)", mode, ivlen);
            goto done;
        }
    }
    if (aadhex != NULL) {
        if (!(m_gcm || m_ccm)) {
            tool_err("sm4: --aad is only used with --mode gcm or ccm");
            goto done;
        }
        if (tool_unhex(aadhex, &aad, &aadlen) != 0) {
            tool_err("sm4: --aad is not valid hex");
            goto done;
        }
    }
    if (nopad && !(m_ecb || m_cbc)) {
        tool_err("sm4: --nopad is only used with --mode ecb or cbc");
        goto done;
    }

    /* From here on, failures are of the operation: status 1. */
    status = 1;
    if (tool_read_file(inpath, &in, &inlen) != 0) {
        goto done;
    }
    out = malloc(inlen + 32);
    if (out == NULL) {
        tool_err("sm4: out of memory");
        goto done;
    }
    gmtls_sm4_key ks;
    if (m_ecb || m_cbc) {
        gmtls_sm4_set_key(&ks, key);
        uint8_t ivb[16] = {0};
        if (m_cbc) {
            memcpy(ivb, iv, 16);
        }
        if (enc) {
            /* RFC 5652 §6.3 (PKCS#7): pad with k - (l mod k) bytes, each of that value */
            size_t pad = nopad ? 0 : 16 - inlen % 16;
            if (nopad && inlen % 16 != 0) {
                tool_err("sm4: input is not a multiple of 16 bytes (--nopad)");
                gmtls_sm4_key_clear(&ks);
                goto done;
            }
            memcpy(out, in, inlen);
            memset(out + inlen, (int)pad, pad);
            outlen = inlen + pad;
            if (m_ecb) {
                gmtls_sm4_ecb_encrypt(&ks, out, out, outlen / 16);
            } else {
                gmtls_sm4_cbc_encrypt(&ks, ivb, out, out, outlen / 16);
            }
        } else {
            if (inlen % 16 != 0 || (!nopad && inlen == 0)) {
                tool_err("sm4: ciphertext length %zu is not a positive multiple of 16", inlen);
                gmtls_sm4_key_clear(&ks);
                goto done;
            }
            if (m_ecb) {
                gmtls_sm4_ecb_decrypt(&ks, in, out, inlen / 16);
            } else {
                gmtls_sm4_cbc_decrypt(&ks, ivb, in, out, inlen / 16);
            }
            outlen = inlen;
            if (!nopad) {
                size_t pad = out[inlen - 1];
                int badpad = pad == 0 || pad > 16;
                for (size_t i = 0; !badpad && i < pad; i++) {
                    badpad |= out[inlen - 1 - i] != pad;
                }
                if (badpad) {
                    tool_err("sm4: bad decrypt (invalid padding)");
                    gmtls_sm4_key_clear(&ks);
                    goto done;
                }
                outlen = inlen - pad;
            }
        }
        gmtls_sm4_key_clear(&ks);
    } else if (m_ctr) {
        gmtls_sm4_set_key(&ks, key);
        gmtls_sm4_ctr_xor(&ks, iv, in, out, inlen);
        gmtls_sm4_key_clear(&ks);
        outlen = inlen;
    } else {
        size_t len = inlen;
        if (!enc) {
            if (inlen < SM4_TOOL_TAG) {
                tool_err("sm4: input shorter than the %d-byte tag", SM4_TOOL_TAG);
                goto done;
            }
            len = inlen - SM4_TOOL_TAG;
        }
        memcpy(out, in, len);
        int r;
        if (m_gcm) {
            gmtls_sm4_gcm_ctx *g = malloc(sizeof *g);
            if (g == NULL) {
                tool_err("sm4: out of memory");
                goto done;
            }
            gmtls_sm4_gcm_init(g, key);
            r = enc ? gmtls_sm4_gcm_seal(g, iv, ivlen, aad, aadlen, out, len, out + len, SM4_TOOL_TAG)
                    : gmtls_sm4_gcm_open(g, iv, ivlen, aad, aadlen, out, len, in + len, SM4_TOOL_TAG);
            gmtls_sm4_gcm_clear(g);
            free(g);
        } else {
            gmtls_sm4_ccm_ctx c;
            gmtls_sm4_ccm_init(&c, key);
            r = enc ? gmtls_sm4_ccm_seal(&c, iv, ivlen, aad, aadlen, out, len, out + len, SM4_TOOL_TAG)
                    : gmtls_sm4_ccm_open(&c, iv, ivlen, aad, aadlen, out, len, in + len, SM4_TOOL_TAG);
            gmtls_sm4_ccm_clear(&c);
        }
        if (r != 0) {
            tool_err(enc ? "sm4: encryption failed (input too long for the nonce?)"
                         : "sm4: authentication failed (bad tag); no output written");
            goto done;
        }
        outlen = enc ? len + SM4_TOOL_TAG : len;
    }
    if (tool_write_file(outpath, out, outlen) != 0) {
        goto done;
    }
    status = 0;
done:
    if (key != NULL) {
        wipe(key, keylen);
    }
    if (out != NULL) {
        wipe(out, inlen + 32);
    }
    free(key);
    free(iv);
    free(aad);
    free(in);
    free(out);
    return status;
}
