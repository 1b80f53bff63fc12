/* fuzz/fuzz_record.c - libFuzzer target: record protection (RFC 8446 §5).
 *
 * data[0] picks the reader: bit 0 SM4-GCM (TLS_SM4_GCM_SM3) or AES-128-GCM
 * (TLS_AES_128_GCM_SHA256) under a fixed traffic secret, or with bit 4 set
 * AES-128-CCM-8 or AES-128-CCM (8- and 16-byte tags), bit 1 plaintext
 * (no keys), bits 2-3 the starting sequence number (0..3). The rest is a
 * stream of records, split with gmtls_rec_next_len and opened one by one
 * with gmtls_rec_open until one fails. Properties checked: the scanner's
 * answer is consistent (0, or at least a header, never an overflow length
 * without the alert); a successful open yields a content within 2^14 bytes
 * inside the record; and the input read as plaintext, sealed by the writer
 * and opened by the reader, round-trips exactly - under a record size limit
 * (RFC 8449) of 64 + 64 * (bits 4-7) bytes when those bits are not all
 * zero, every sealed record's inner plaintext within it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t secret[48] = {0x6b, 0x1d, 0x4c, 0x0e, 0x94, 0x2b, 0x35, 0x57, 0x11, 0xa0, 0x6f,
                                   0x3e, 0x27, 0xd8, 0x90, 0x5c, 0xee, 0x01, 0x73, 0x48, 0xb2, 0x3f,
                                   0xc6, 0x5a, 0x8d, 0x19, 0x62, 0xf4, 0x05, 0xab, 0x7e, 0x30};

static void keys(gmtls_rec *r, uint16_t suite, int is_enc, uint64_t seq)
{
    memset(r, 0, sizeof(*r));
    if (gmtls_rec_set_secret(r, gmtls_suite_by_id(suite), is_enc, secret) != 0) {
        abort();
    }
    r->seq = seq;
}

static void roundtrip(uint16_t suite, const uint8_t *data, size_t size, uint16_t limit)
{
    gmtls_rec w, r;
    gmtls_buf out;
    keys(&w, suite, 1, 0);
    keys(&r, suite, 0, 0);
    w.max_inner = r.max_inner = limit;
    gmtls_buf_init(&out);
    if (gmtls_rec_write(&w, &out, GMTLS_CT_APPLICATION_DATA, data, size, size % 64) != 0) {
        abort();
    }
    size_t pos = 0, got = 0;
    while (pos < out.off) {
        int err;
        size_t len = gmtls_rec_next_len(out.base + pos, out.off - pos, &err);
        uint8_t type, *payload;
        size_t plen;
        if (err != 0 || len == 0 || len > out.off - pos ||
            gmtls_rec_open(&r, out.base + pos, len, &type, &payload, &plen) != 0 || type != GMTLS_CT_APPLICATION_DATA ||
            got + plen > size || memcmp(payload, data + got, plen) != 0) {
            abort();
        }
        /* TLSInnerPlaintext = ciphertext - the AEAD's tag (8 bytes for
         * CCM_8: a short record is shorter than header + 16) */
        size_t tag = gmtls_suite_by_id(suite)->aead->tag_len;
        if (len < GMTLS_REC_HDR + tag + 1 || (limit != 0 && len - GMTLS_REC_HDR - tag > limit)) {
            abort();
        }
        got += plen;
        pos += len;
    }
    if (got != size) {
        abort();
    }
    gmtls_buf_dispose(&out);
    gmtls_rec_dispose(&w);
    gmtls_rec_dispose(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t sel = data[0];
    /* bit 4: the AES-CCM suites (CCM_8 has the 8-byte tag) */
    uint16_t suite = (sel & 16)  ? ((sel & 1) ? GMTLS_TLS_AES_128_CCM_8_SHA256 : GMTLS_TLS_AES_128_CCM_SHA256)
                     : (sel & 1) ? GMTLS_TLS_SM4_GCM_SM3
                                 : GMTLS_TLS_AES_128_GCM_SHA256;
    data++;
    size--;

    gmtls_rec r;
    if (sel & 2) {
        memset(&r, 0, sizeof r);
    } else {
        keys(&r, suite, 0, (sel >> 2) & 3);
    }
    uint8_t *buf = malloc(size + 1);
    if (buf == NULL) {
        abort();
    }
    memcpy(buf, data, size);
    size_t pos = 0;
    for (;;) {
        int err = 0;
        size_t len = gmtls_rec_next_len(buf + pos, size - pos, &err);
        if (err != 0) {
            if (err != GMTLS_ALERT_RECORD_OVERFLOW || len != 0) {
                abort();
            }
            break;
        }
        if (len == 0) {
            if (size - pos >= GMTLS_REC_HDR) {
                abort(); /* a full header always has a length */
            }
            break;
        }
        if (len < GMTLS_REC_HDR || len > GMTLS_REC_HDR + GMTLS_MAX_CIPHERTEXT) {
            abort();
        }
        if (len > size - pos) {
            break;
        }
        uint8_t type, *payload;
        size_t plen;
        int rc = gmtls_rec_open(&r, buf + pos, len, &type, &payload, &plen);
        if (rc != 0) {
            if (rc != GMTLS_ALERT_BAD_RECORD_MAC && rc != GMTLS_ALERT_RECORD_OVERFLOW &&
                rc != GMTLS_ALERT_UNEXPECTED_MESSAGE && rc != GMTLS_ALERT_DECODE_ERROR) {
                abort();
            }
            break;
        }
        if (plen > GMTLS_MAX_PLAINTEXT || payload < buf + pos + GMTLS_REC_HDR || payload + plen > buf + pos + len) {
            abort();
        }
        pos += len;
    }
    if (!(sel & 2)) {
        gmtls_rec_dispose(&r);
    }
    free(buf);
    roundtrip(suite, data, size > 40000 ? 40000 : size, (uint16_t)((sel >> 4) ? 64 + 64 * (sel >> 4) : 0));
    return 0;
}
