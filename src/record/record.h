/* src/record/record.h - TLS 1.3 record protection (RFC 8446 §5): framing,
 * AEAD seal/open with per-record nonces, content-type hiding, padding,
 * sequence numbers, size limits, KeyUpdate. One gmtls_rec per direction. */
#ifndef GMTLS_RECORD_H
#define GMTLS_RECORD_H

#include "crypto/crypto.h"

enum {
    GMTLS_CT_CHANGE_CIPHER_SPEC = 20,
    GMTLS_CT_ALERT = 21,
    GMTLS_CT_HANDSHAKE = 22,
    GMTLS_CT_APPLICATION_DATA = 23,
};

#define GMTLS_REC_HDR 5
#define GMTLS_MAX_PLAINTEXT 16384                           /* 2^14 */
#define GMTLS_MAX_CIPHERTEXT (GMTLS_MAX_PLAINTEXT + 256)    /* 2^14 + 256 */

typedef struct {
    const gmtls_suite *suite; /* NULL: no protection (plaintext records) */
    gmtls_aead_ctx aead;
    uint8_t iv[GMTLS_IV_LEN];
    uint8_t secret[GMTLS_MAX_HASH_LEN]; /* current traffic secret, for KeyUpdate */
    uint64_t seq;
    int is_enc;
    /* Record format: GMTLS_REC_FMT_TLS13 (RFC 8446 §5.2) or
     * GMTLS_REC_FMT_AEAD12, the pre-1.3 AEAD format (RFC 5246 §6.2.3.3: real
     * content type, AAD of seq_num + type + version + length, RFC 5288's
     * 8-byte explicit nonce for the GCMs, RFC 7905's implicit one for
     * ChaCha20) shared by TLS 1.2 and TLCP's SM4-GCM suites. */
    uint8_t format;
    /* AEAD12 only: the version written in headers and the AAD (0x0303 for
     * TLS 1.2, GMTLS_TLCP_VERSION 0x0101 for TLCP). */
    uint16_t version;
    uint8_t explicit_len; /* bytes of explicit nonce per record (8 for the GCMs, else 0) */
    /* GMTLS_REC_FMT_CBC12 only (TLCP's SM4-CBC + HMAC-SM3, rec12.c): the
     * keys and sequence number live there (allocated, freed by dispose). */
    struct gmtls_cbc_rec *cbc;
    /* RFC 8449: the largest TLSInnerPlaintext (content, type and padding)
     * of a protected record in this direction; 0 means 2^14 + 1. Kept across
     * key changes. */
    uint16_t max_inner;
    /* gmtls_config_set_max_send_fragment: the largest plaintext this side
     * puts in one record of any kind; 0 means no limit of its own. Kept
     * across key changes. */
    uint16_t max_frag;
} gmtls_rec;

enum { GMTLS_REC_FMT_TLS13 = 0, GMTLS_REC_FMT_AEAD12 = 1, GMTLS_REC_FMT_CBC12 = 2 };
#define GMTLS_REC_VERSION_TLS12 0x0303

/* Installs the keys derived from a traffic secret (RFC 8446 §7.3), resetting
 * the sequence number. */
GMTLS_MUST_CHECK int gmtls_rec_set_secret(gmtls_rec *r, const gmtls_suite *suite, int is_enc, const uint8_t *secret);
/* RFC 8446 §7.2: next secret = HKDF-Expand-Label(secret, "traffic upd", "", Hash.length). */
GMTLS_MUST_CHECK int gmtls_rec_update(gmtls_rec *r);
void gmtls_rec_dispose(gmtls_rec *r);
/* The pre-1.3 AEAD format (TLS 1.2, TLCP): installs a key and the write IV
 * from the key block (RFC 5246 §6.3): for the GCMs the 4-byte salt (RFC 5288
 * §3), for ChaCha20-Poly1305 12 bytes (RFC 7905 §2); `version` goes into
 * every header and AAD (GMTLS_REC_VERSION_TLS12, or 0x0101 for TLCP); the
 * sequence number starts at 0. Only suite->aead is used. */
GMTLS_MUST_CHECK int gmtls_rec_set_keys12(gmtls_rec *r, const gmtls_suite *suite, int is_enc, const uint8_t *key,
                                          const uint8_t *iv, uint16_t version);

/* TLCP's CBC format (GB/T 38636-2020 §6.3, rec12.c): installs one
 * direction's HMAC-SM3 and SM4 keys (suite: a TLCP CBC suite, aead NULL),
 * `version` in every header and MAC; the sequence number starts at 0. */
GMTLS_MUST_CHECK int gmtls_rec_set_keys_cbc(gmtls_rec *r, const gmtls_suite *suite, const uint8_t mac_key[32],
                                            const uint8_t enc_key[16], uint16_t version);

/* The most content one record of r carries: 2^14, or less under a record
 * size limit (RFC 8449) once r is protected. */
size_t gmtls_rec_max_plain(const gmtls_rec *r);

/* Appends records of content type `type` carrying data (split at gmtls_rec_max_plain),
 * protected when keys are installed; pad_block > 0 pads each protected
 * record's inner plaintext to a multiple of pad_block. */
GMTLS_MUST_CHECK int gmtls_rec_write(gmtls_rec *r, gmtls_buf *out, uint8_t type, const uint8_t *data, size_t len,
                                     size_t pad_block);

/* Given a complete record rec[0..reclen) (header included), checks the
 * limits and, when keys are installed, decrypts it in place and strips the
 * padding. On success type, payload and len describe the content. Errors are
 * alerts: record_overflow, bad_record_mac, unexpected_message. */
GMTLS_MUST_CHECK int gmtls_rec_open(gmtls_rec *r, uint8_t *rec, size_t reclen, uint8_t *type, uint8_t **payload,
                                    size_t *len);

/* The same with the 5-byte header and the body in separate places, the
 * body read from in and its plaintext written to out (out may equal in), so
 * the plaintext lands where the caller wants it without another copy. */
GMTLS_MUST_CHECK int gmtls_rec_open_split(gmtls_rec *r, const uint8_t hdr[GMTLS_REC_HDR], const uint8_t *in,
                                          uint8_t *out, size_t bodylen, uint8_t *type, uint8_t **payload,
                                          size_t *len);

/* Bytes of the next record in buf[0..n): 0 if the header is incomplete,
 * the total length otherwise (may exceed n: wait for more). Records longer
 * than the ciphertext limit return GMTLS_ALERT_RECORD_OVERFLOW via *err. */
size_t gmtls_rec_next_len(const uint8_t *buf, size_t n, int *err);

#endif
