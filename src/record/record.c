/* Record protection (RFC 8446 §5.2-§5.5). */
#include <stdlib.h>

#include "record/record.h"
#include "record/rec12.h"
#include "keysched/keysched.h"

int gmtls_rec_set_secret(gmtls_rec *r, const gmtls_suite *suite, int is_enc, const uint8_t *secret)
{
    uint8_t key[GMTLS_MAX_KEY_LEN];
    const gmtls_hash_alg *h = suite->hash;
    uint16_t max_inner = r->max_inner, max_frag = r->max_frag; /* RFC 8449 §4: the limit outlives key changes */
    gmtls_rec_dispose(r);
    r->max_inner = max_inner;
    r->max_frag = max_frag;
    /* RFC 8446 §7.3: [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)
     *                [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length) */
    gmtls_hmac_key hk;
    int rc = gmtls_hmac_key_init(&hk, h, secret, h->digest_len);
    if (rc == 0) {
        rc = gmtls_hkdf_expand_label_keyed(&hk, "key", NULL, 0, key, suite->aead->key_len);
    }
    if (rc == 0) {
        rc = gmtls_hkdf_expand_label_keyed(&hk, "iv", NULL, 0, r->iv, GMTLS_IV_LEN);
    }
    gmtls_hmac_key_wipe(&hk);
    if (rc == 0) {
        r->aead.alg = suite->aead;
        rc = suite->aead->init(&r->aead, is_enc, key);
    }
    gmtls_wipe(key, sizeof key);
    if (rc != 0) {
        gmtls_rec_dispose(r);
        return rc;
    }
    memcpy(r->secret, secret, h->digest_len);
    r->suite = suite;
    r->is_enc = is_enc;
    r->seq = 0;
    return 0;
}

int gmtls_rec_update(gmtls_rec *r)
{
    uint8_t next[GMTLS_MAX_HASH_LEN];
    const gmtls_suite *s = r->suite;
    if (s == NULL) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    int rc = gmtls_hkdf_expand_label(s->hash, r->secret, "traffic upd", NULL, 0, next, s->hash->digest_len);
    if (rc == 0) {
        rc = gmtls_rec_set_secret(r, s, r->is_enc, next);
    }
    gmtls_wipe(next, sizeof next);
    return rc;
}

void gmtls_rec_dispose(gmtls_rec *r)
{
    if (r->suite != NULL && r->aead.alg != NULL) {
        r->aead.alg->dispose(&r->aead);
    }
    if (r->cbc != NULL) {
        gmtls_cbc_rec_dispose(r->cbc);
        free(r->cbc);
    }
    gmtls_wipe(r, sizeof(*r));
}

int gmtls_rec_set_keys_cbc(gmtls_rec *r, const gmtls_suite *suite, const uint8_t mac_key[32], const uint8_t enc_key[16],
                           uint16_t version)
{
    uint16_t max_inner = r->max_inner, max_frag = r->max_frag;
    gmtls_rec_dispose(r);
    r->max_inner = max_inner;
    r->max_frag = max_frag;
    r->cbc = malloc(sizeof *r->cbc);
    if (r->cbc == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    gmtls_cbc_rec_init(r->cbc, mac_key, enc_key);
    r->suite = suite;
    r->format = GMTLS_REC_FMT_CBC12;
    r->version = version;
    return 0;
}

int gmtls_rec_set_keys12(gmtls_rec *r, const gmtls_suite *suite, int is_enc, const uint8_t *key, const uint8_t *iv,
                         uint16_t version)
{
    uint16_t max_inner = r->max_inner, max_frag = r->max_frag; /* RFC 8449 §4: negotiated in the hellos */
    gmtls_rec_dispose(r);
    r->max_inner = max_inner;
    r->max_frag = max_frag;
    r->aead.alg = suite->aead;
    GMTLS_TRY(suite->aead->init(&r->aead, is_enc, key));
    /* RFC 5288 §3: nonce = salt (4 bytes, client/server_write_IV) ||
     * nonce_explicit (8 bytes); we send the sequence number as
     * nonce_explicit, so the iv is salt || 0^8 and make_nonce XORs in the
     * sequence number. RFC 7905 §2: the 12-byte IV XOR the padded
     * sequence number, as in TLS 1.3. */
    r->explicit_len = suite->aead == &gmtls_aead_chacha20poly1305 ? 0 : 8;
    memset(r->iv, 0, sizeof r->iv);
    memcpy(r->iv, iv, r->explicit_len ? 4 : GMTLS_IV_LEN);
    r->suite = suite;
    r->is_enc = is_enc;
    r->seq = 0;
    r->format = GMTLS_REC_FMT_AEAD12;
    r->version = version;
    return 0;
}

static void make_nonce(const gmtls_rec *r, uint8_t nonce[GMTLS_IV_LEN])
{
    /* RFC 8446 §5.3: the 64-bit sequence number, left-padded with zeros to
     * iv_length, XORed with the static write IV. */
    memcpy(nonce, r->iv, GMTLS_IV_LEN);
    for (int i = 0; i < 8; i++) {
        nonce[GMTLS_IV_LEN - 1 - i] ^= (uint8_t)(r->seq >> (8 * i));
    }
}

/* The largest TLSInnerPlaintext of a protected record in r's direction. */
static size_t max_inner(const gmtls_rec *r)
{
    return r->max_inner != 0 ? r->max_inner : GMTLS_MAX_PLAINTEXT + 1;
}

size_t gmtls_rec_max_plain(const gmtls_rec *r)
{
    size_t max = r->suite != NULL ? max_inner(r) - 1 : GMTLS_MAX_PLAINTEXT;
    return r->max_frag != 0 && r->max_frag < max ? r->max_frag : max;
}

static int seal_one(gmtls_rec *r, gmtls_buf *out, uint8_t type, const uint8_t *data, size_t len, size_t pad_block)
{
    size_t inner = len + 1, pad = 0;
    if (pad_block > 1) {
        pad = (pad_block - inner % pad_block) % pad_block;
        /* RFC 8449 §4: the limit "includes the content type and padding" */
        if (inner + pad > max_inner(r)) {
            pad = max_inner(r) - inner;
        }
    }
    /* the tag is 16 bytes, 8 for TLS_AES_128_CCM_8_SHA256 */
    size_t clen = inner + pad + r->suite->aead->tag_len;
    GMTLS_TRY(gmtls_buf_reserve(out, GMTLS_REC_HDR + clen));
    /* RFC 8446 §7.2 / §5.5: a sequence number never wraps; the engine rekeys
     * long before (AEAD limits), so this only guards against misuse. */
    if (r->seq == UINT64_MAX) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    uint8_t *hdr = out->base + out->off, *body = hdr + GMTLS_REC_HDR, nonce[GMTLS_IV_LEN];
    /* RFC 8446 §5.2: opaque_type = application_data(23), legacy_record_version = 0x0303. */
    hdr[0] = GMTLS_CT_APPLICATION_DATA;
    hdr[1] = 3;
    hdr[2] = 3;
    hdr[3] = (uint8_t)(clen >> 8);
    hdr[4] = (uint8_t)clen;
    make_nonce(r, nonce);
    uint8_t tail[1 + 255];
    if (r->aead.alg->seal_to != NULL && pad < sizeof tail && (data + len <= body || data >= body + clen)) {
        /* Encrypt straight from the caller's data into the record. */
        tail[0] = type;
        memset(tail + 1, 0, pad);
        GMTLS_TRY(r->aead.alg->seal_to(&r->aead, nonce, hdr, GMTLS_REC_HDR, data, len, tail, 1 + pad, body,
                                       body + inner + pad));
    } else {
        if (len > 0) {
            memmove(body, data, len);
        }
        body[len] = type;
        memset(body + len + 1, 0, pad);
        GMTLS_TRY(r->aead.alg->seal(&r->aead, nonce, hdr, GMTLS_REC_HDR, body, inner + pad, body + inner + pad));
    }
    r->seq++;
    out->off += GMTLS_REC_HDR + clen;
    return 0;
}

/* RFC 5246 §6.2.3.3: additional_data = seq_num + TLSCompressed.type +
 * TLSCompressed.version + TLSCompressed.length. */
static void aad12(const gmtls_rec *r, uint8_t type, size_t len, uint8_t aad[13])
{
    for (int i = 0; i < 8; i++) {
        aad[i] = (uint8_t)(r->seq >> (56 - 8 * i));
    }
    aad[8] = type;
    aad[9] = (uint8_t)(r->version >> 8);
    aad[10] = (uint8_t)r->version;
    aad[11] = (uint8_t)(len >> 8);
    aad[12] = (uint8_t)len;
}

static int seal_one12(gmtls_rec *r, gmtls_buf *out, uint8_t type, const uint8_t *data, size_t len)
{
    size_t clen = r->explicit_len + len + r->suite->aead->tag_len;
    GMTLS_TRY(gmtls_buf_reserve(out, GMTLS_REC_HDR + clen));
    if (r->seq == UINT64_MAX) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    uint8_t *hdr = out->base + out->off, *body = hdr + GMTLS_REC_HDR, *ct = body + r->explicit_len;
    uint8_t nonce[GMTLS_IV_LEN], aad[13];
    /* RFC 5246 §6.2.3.3: GenericAEADCipher { opaque nonce_explicit[...];
     * aead-ciphered struct { opaque content[TLSCompressed.length]; }; } */
    hdr[0] = type;
    hdr[1] = (uint8_t)(r->version >> 8);
    hdr[2] = (uint8_t)r->version;
    hdr[3] = (uint8_t)(clen >> 8);
    hdr[4] = (uint8_t)clen;
    make_nonce(r, nonce);
    memcpy(body, nonce + 4, r->explicit_len); /* nonce_explicit = seq_num */
    aad12(r, type, len, aad);
    if (r->aead.alg->seal_to != NULL && (data + len <= ct || data >= ct + len + r->suite->aead->tag_len)) {
        GMTLS_TRY(r->aead.alg->seal_to(&r->aead, nonce, aad, sizeof aad, data, len, NULL, 0, ct, ct + len));
    } else {
        if (len > 0) {
            memmove(ct, data, len);
        }
        GMTLS_TRY(r->aead.alg->seal(&r->aead, nonce, aad, sizeof aad, ct, len, ct + len));
    }
    r->seq++;
    out->off += GMTLS_REC_HDR + clen;
    return 0;
}

int gmtls_rec_write(gmtls_rec *r, gmtls_buf *out, uint8_t type, const uint8_t *data, size_t len, size_t pad_block)
{
    /* RFC 8449 §4: "an endpoint MUST NOT generate a protected record with
     * plaintext that is larger than the RecordSizeLimit value it receives
     * from its peer. Unprotected messages are not subject to this limit." */
    size_t max = gmtls_rec_max_plain(r);
    do {
        size_t n = len > max ? max : len;
        if (r->suite != NULL && r->format == GMTLS_REC_FMT_CBC12) {
            GMTLS_TRY(gmtls_cbc_rec_seal(r->cbc, out, type, r->version, data, n, 0));
        } else if (r->suite != NULL && r->format == GMTLS_REC_FMT_AEAD12) {
            GMTLS_TRY(seal_one12(r, out, type, data, n));
        } else if (r->suite != NULL) {
            GMTLS_TRY(seal_one(r, out, type, data, n, pad_block));
        } else {
            GMTLS_TRY(gmtls_buf_reserve(out, GMTLS_REC_HDR + n));
            uint8_t *hdr = out->base + out->off;
            /* The version a plaintext record carries: r->version when set
             * (TLCP's 0x0101, GB/T 38636-2020 §6.3.3.1), else 0x0303. */
            uint16_t v = r->version != 0 ? r->version : GMTLS_REC_VERSION_TLS12;
            hdr[0] = type;
            hdr[1] = (uint8_t)(v >> 8);
            hdr[2] = (uint8_t)v;
            hdr[3] = (uint8_t)(n >> 8);
            hdr[4] = (uint8_t)n;
            memcpy(hdr + GMTLS_REC_HDR, data, n);
            out->off += GMTLS_REC_HDR + n;
        }
        data += n;
        len -= n;
    } while (len > 0);
    return 0;
}

size_t gmtls_rec_next_len(const uint8_t *buf, size_t n, int *err)
{
    gmtls_rd rd;
    *err = 0;
    if (n < GMTLS_REC_HDR) {
        return 0;
    }
    gmtls_rd_init(&rd, buf, n);
    (void)gmtls_rd_u8(&rd);
    (void)gmtls_rd_u16(&rd); /* legacy_record_version: ignored (RFC 8446 §5.1) */
    size_t len = gmtls_rd_u16(&rd);
    /* RFC 8446 §5.2: "The length MUST NOT exceed 2^14 + 256 bytes. An endpoint
     * that receives a record that exceeds this length MUST terminate the
     * connection with a "record_overflow" alert." */
    if (len > GMTLS_MAX_CIPHERTEXT) {
        *err = GMTLS_ALERT_RECORD_OVERFLOW;
        return 0;
    }
    return GMTLS_REC_HDR + len;
}

int gmtls_rec_open(gmtls_rec *r, uint8_t *rec, size_t reclen, uint8_t *type, uint8_t **payload, size_t *len)
{
    if (reclen < GMTLS_REC_HDR) {
        return GMTLS_ALERT_DECODE_ERROR;
    }
    return gmtls_rec_open_split(r, rec, rec + GMTLS_REC_HDR, rec + GMTLS_REC_HDR, reclen - GMTLS_REC_HDR, type,
                                payload, len);
}

int gmtls_rec_open_split(gmtls_rec *r, const uint8_t hdr[GMTLS_REC_HDR], const uint8_t *in, uint8_t *body,
                         size_t bodylen, uint8_t *type, uint8_t **payload, size_t *len)
{
    gmtls_rd rd;
    gmtls_rd_init(&rd, hdr, GMTLS_REC_HDR);
    uint8_t outer = gmtls_rd_u8(&rd);
    (void)gmtls_rd_u16(&rd);
    size_t n = gmtls_rd_u16(&rd);
    if (rd.err || n != bodylen) {
        return GMTLS_ALERT_DECODE_ERROR;
    }
    /* RFC 8446 §5: a change_cipher_spec record passes unprotected at any time
     * before the peer's Finished (the engine decides whether it is allowed). */
    if (r->suite == NULL || outer == GMTLS_CT_CHANGE_CIPHER_SPEC) {
        /* RFC 8446 §5.1: "The length MUST NOT exceed 2^14 bytes." */
        if (n > GMTLS_MAX_PLAINTEXT) {
            return GMTLS_ALERT_RECORD_OVERFLOW;
        }
        if (body != in && n > 0) {
            memcpy(body, in, n);
        }
        *type = outer;
        *payload = body;
        *len = n;
        return 0;
    }
    if (r->format == GMTLS_REC_FMT_CBC12) {
        /* GB/T 38636-2020 §6.3 (RFC 5246 §6.2.3.2): IV, then SM4-CBC of
         * content, MAC and padding; every failure is bad_record_mac. */
        if (body != in && n > 0) {
            memmove(body, in, n);
        }
        GMTLS_TRY(gmtls_cbc_rec_open(r->cbc, hdr, body, n, payload, len));
        /* the content starts after the IV: move it to the start of body,
         * where the caller's fast path expects the plaintext (conn.c) */
        if (*len > 0) {
            memmove(body, *payload, *len);
        }
        *payload = body;
        /* RFC 5246 §6.2.1 / RFC 8449 §4: the content's limit -> record_overflow. */
        if (*len > max_inner(r) - 1) {
            return GMTLS_ALERT_RECORD_OVERFLOW;
        }
        *type = outer;
        return 0;
    }
    if (r->format == GMTLS_REC_FMT_AEAD12) {
        /* RFC 5246 §6.2.3: "The length [of TLSCiphertext] MUST NOT exceed
         * 2^14 + 2048"; §6.2.3.3: the nonce_explicit, then the ciphertext
         * with its tag. */
        if (n < (size_t)r->explicit_len + r->suite->aead->tag_len) {
            return GMTLS_ALERT_BAD_RECORD_MAC;
        }
        size_t plen = n - r->explicit_len - r->suite->aead->tag_len;
        /* RFC 5246 §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14 ->
         * record_overflow (§7.2.2: also for a decrypted record); RFC 8449
         * §4: nor the record_size_limit we advertised, when negotiated. */
        if (plen > max_inner(r) - 1) {
            return GMTLS_ALERT_RECORD_OVERFLOW;
        }
        uint8_t nonce12[GMTLS_IV_LEN], aad[13];
        make_nonce(r, nonce12);
        memcpy(nonce12 + 4, in, r->explicit_len); /* RFC 5288 §3: salt || nonce_explicit */
        aad12(r, outer, plen, aad);
        const uint8_t *ct = in + r->explicit_len;
        int bad;
        if (body != in && r->aead.alg->open_to != NULL) {
            bad = r->aead.alg->open_to(&r->aead, nonce12, aad, sizeof aad, ct, plen, ct + plen, body);
        } else {
            memmove(body, ct, plen + r->suite->aead->tag_len);
            bad = r->aead.alg->open(&r->aead, nonce12, aad, sizeof aad, body, plen, body + plen);
        }
        /* RFC 5246 §6.2.3.3: "If the decryption fails, a fatal
         * bad_record_mac alert MUST be generated." */
        if (bad != 0) {
            return GMTLS_ALERT_BAD_RECORD_MAC;
        }
        r->seq++;
        *type = outer;
        *payload = body;
        *len = plen;
        return 0;
    }
    /* RFC 8446 §5.2: protected records carry opaque_type application_data. */
    if (outer != GMTLS_CT_APPLICATION_DATA) {
        return GMTLS_ALERT_UNEXPECTED_MESSAGE;
    }
    size_t taglen = r->suite->aead->tag_len;
    if (n < taglen + 1) {
        return GMTLS_ALERT_BAD_RECORD_MAC;
    }
    uint8_t nonce[GMTLS_IV_LEN];
    make_nonce(r, nonce);
    size_t clen = n - taglen;
    /* RFC 8446 §5.2: "If the decryption fails, the receiver MUST terminate the
     * connection with a "bad_record_mac" alert." */
    int bad;
    if (body == in) {
        bad = r->aead.alg->open(&r->aead, nonce, hdr, GMTLS_REC_HDR, body, clen, body + clen);
    } else if (r->aead.alg->open_to != NULL) {
        bad = r->aead.alg->open_to(&r->aead, nonce, hdr, GMTLS_REC_HDR, in, clen, in + clen, body);
    } else {
        memcpy(body, in, n);
        bad = r->aead.alg->open(&r->aead, nonce, hdr, GMTLS_REC_HDR, body, clen, body + clen);
    }
    if (bad != 0) {
        return GMTLS_ALERT_BAD_RECORD_MAC;
    }
    r->seq++;
    /* RFC 8446 §5.4: strip zero padding; no non-zero octet -> unexpected_message. */
    size_t i = clen;
    while (i > 0 && body[i - 1] == 0) {
        i--;
    }
    if (i == 0) {
        return GMTLS_ALERT_UNEXPECTED_MESSAGE;
    }
    /* RFC 8446 §5.2: "The length [of TLSInnerPlaintext] MUST NOT exceed 2^14 + 1
     * octets"; the content itself at most 2^14 -> record_overflow. */
    if (clen > GMTLS_MAX_PLAINTEXT + 1 || i - 1 > GMTLS_MAX_PLAINTEXT) {
        return GMTLS_ALERT_RECORD_OVERFLOW;
    }
    /* RFC 8449 §4: "A TLS endpoint that receives a record larger than its
     * advertised limit MUST generate a fatal "record_overflow" alert." */
    if (clen > max_inner(r)) {
        return GMTLS_ALERT_RECORD_OVERFLOW;
    }
    *type = body[i - 1];
    *payload = body;
    *len = i - 1;
    return 0;
}
