/* fuzz/fuzz_rec12_open.c - libFuzzer target: pre-1.3 record protection
 * under fixed keys, TLCP's version 0x0101.
 *
 * data[0] picks the reader: bit 0 CBC (SM4-CBC + HMAC-SM3, src/record/
 * rec12.c) or explicit-nonce AEAD (SM4-GCM, gmtls_rec of src/record/
 * record.c), bits 1-2 the starting sequence number. The rest is a stream
 * of records split on their 5-byte headers and opened one by one until one
 * fails. Properties: only the documented alerts come out; a success yields
 * a content of at most 2^14 bytes inside the record's body and advances
 * the sequence number by one (gmtls_rec passes a change_cipher_spec record
 * unprotected, leaving it), a failure leaves it; and the input sealed as
 * one record by the writer (with data[0] extra padding blocks for CBC)
 * opens to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/rec12.h"
#include "record/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t MAC_KEY[32] = {0x6b, 0x1d, 0x4c, 0x0e, 0x94, 0x2b, 0x35, 0x57, 0x11, 0xa0, 0x6f,
                                    0x3e, 0x27, 0xd8, 0x90, 0x5c, 0xee, 0x01, 0x73, 0x48, 0xb2, 0x3f,
                                    0xc6, 0x5a, 0x8d, 0x19, 0x62, 0xf4, 0x05, 0xab, 0x7e, 0x30};
static const uint8_t ENC_KEY[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                    0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
static const uint8_t SALT[4] = {0xca, 0xfe, 0xba, 0xbe};

static const gmtls_suite SM4GCM = {.aead = &gmtls_aead_sm4gcm};

static int ok_alert(int rc)
{
    return rc == GMTLS_ALERT_BAD_RECORD_MAC || rc == GMTLS_ALERT_RECORD_OVERFLOW || rc == GMTLS_ALERT_DECODE_ERROR;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const int cbc = data[0] & 1;
    gmtls_cbc_rec c, cw;
    gmtls_rec a = {0}, aw = {0};
    gmtls_cbc_rec_init(&c, MAC_KEY, ENC_KEY);
    gmtls_cbc_rec_init(&cw, MAC_KEY, ENC_KEY);
    if (gmtls_rec_set_keys12(&a, &SM4GCM, 0, ENC_KEY, SALT, GMTLS_TLCP_VERSION) != 0 ||
        gmtls_rec_set_keys12(&aw, &SM4GCM, 1, ENC_KEY, SALT, GMTLS_TLCP_VERSION) != 0) {
        abort();
    }
    c.seq = a.seq = (uint64_t)((data[0] >> 1) & 3);
    const uint8_t *p = data + 1, *end = data + size;
    while (end - p >= GMTLS_REC_HDR) {
        size_t body = (size_t)p[3] << 8 | p[4];
        if ((size_t)(end - p - GMTLS_REC_HDR) < body) {
            break;
        }
        uint8_t hdr[GMTLS_REC_HDR], *buf = malloc(body ? body : 1), *pl = NULL;
        size_t len = 0;
        uint8_t type = 0;
        memcpy(hdr, p, GMTLS_REC_HDR);
        memcpy(buf, p + GMTLS_REC_HDR, body);
        uint64_t seq = cbc ? c.seq : a.seq;
        int rc = cbc ? gmtls_cbc_rec_open(&c, hdr, buf, body, &pl, &len)
                     : gmtls_rec_open_split(&a, hdr, buf, buf, body, &type, &pl, &len);
        uint64_t after = cbc ? c.seq : a.seq;
        uint64_t step = !cbc && hdr[0] == GMTLS_CT_CHANGE_CIPHER_SPEC ? 0 : 1;
        if (rc == 0) {
            if (len > GMTLS_MAX_PLAINTEXT || pl < buf || pl + len > buf + body || after != seq + step ||
                (!cbc && type != hdr[0])) {
                abort();
            }
        } else if (!ok_alert(rc) || after != seq) {
            abort();
        }
        free(buf);
        if (rc != 0) {
            break;
        }
        p += GMTLS_REC_HDR + body;
    }
    /* the writer's record of the input opens to the input */
    size_t n = size - 1 > GMTLS_MAX_PLAINTEXT ? GMTLS_MAX_PLAINTEXT : size - 1;
    gmtls_buf out;
    gmtls_buf_init(&out);
    int rc = cbc ? gmtls_cbc_rec_seal(&cw, &out, 23, GMTLS_TLCP_VERSION, data + 1, n, data[0])
                 : gmtls_rec_write(&aw, &out, 23, data + 1, n, 0);
    if (rc != 0) {
        abort();
    }
    gmtls_cbc_rec r;
    gmtls_rec ra = {0};
    gmtls_cbc_rec_init(&r, MAC_KEY, ENC_KEY);
    if (gmtls_rec_set_keys12(&ra, &SM4GCM, 0, ENC_KEY, SALT, GMTLS_TLCP_VERSION) != 0) {
        abort();
    }
    uint8_t *pl = NULL, type = 0;
    size_t len = 0;
    rc = cbc ? gmtls_cbc_rec_open(&r, out.base, out.base + GMTLS_REC_HDR, out.off - GMTLS_REC_HDR, &pl, &len)
             : gmtls_rec_open(&ra, out.base, out.off, &type, &pl, &len);
    if (rc != 0 || len != n || (!cbc && (type != 23 || out.base[1] != 1 || out.base[2] != 1)) ||
        (n > 0 && memcmp(pl, data + 1, n) != 0)) {
        abort();
    }
    gmtls_buf_dispose(&out);
    gmtls_cbc_rec_dispose(&c);
    gmtls_cbc_rec_dispose(&cw);
    gmtls_cbc_rec_dispose(&r);
    gmtls_rec_dispose(&a);
    gmtls_rec_dispose(&aw);
    gmtls_rec_dispose(&ra);
    return 0;
}
