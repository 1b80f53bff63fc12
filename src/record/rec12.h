/* src/record/rec12.h - pre-1.3 CBC record protection for TLCP (GB/T
 * 38636-2020 §6.3): one record at a time, 5-byte header included, sequence
 * numbers kept here. MAC-then-encrypt (TLS 1.1/1.2 GenericBlockCipher, RFC
 * 5246 §6.2.3.2): SM4-CBC with HMAC-SM3 (ECC/ECDHE_SM4_CBC_SM3), a random
 * explicit IV per record, the padding and the MAC checked in constant time
 * (no Lucky13 timing): a bad padding and a bad MAC are the same
 * bad_record_mac after the same work.
 *
 * TLCP's SM4-GCM suites (ECC/ECDHE_SM4_GCM_SM3) use the explicit-nonce AEAD
 * format of TLS 1.2 (RFC 5246 §6.2.3.3, RFC 5288 §3): that is gmtls_rec
 * (record/record.h) with gmtls_rec_set_keys12(..., GMTLS_TLCP_VERSION). */
#ifndef GMTLS_REC12_H
#define GMTLS_REC12_H

#include "crypto/crypto.h"
#include "gmtls/sm.h"
#include "record/record.h"

#define GMTLS_TLCP_VERSION 0x0101
/* RFC 5246 §6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048. */
#define GMTLS_REC12_MAX_CIPHERTEXT (GMTLS_MAX_PLAINTEXT + 2048)
#define GMTLS_CBC_MAC_LEN 32 /* HMAC-SM3 */
#define GMTLS_CBC_KEY_LEN 16 /* SM4 */

typedef struct gmtls_cbc_rec {
    gmtls_sm4_key ks;
    gmtls_hmac_sm3_ctx mac; /* keyed (ipad/opad absorbed), copied per record */
    uint64_t seq;
} gmtls_cbc_rec;

/* Installs MAC and encryption keys (one direction), sequence number 0. */
void gmtls_cbc_rec_init(gmtls_cbc_rec *r, const uint8_t mac_key[GMTLS_CBC_MAC_LEN],
                        const uint8_t enc_key[GMTLS_CBC_KEY_LEN]);
void gmtls_cbc_rec_dispose(gmtls_cbc_rec *r);

/* Appends one record of content type `type` and version `version` carrying
 * data[0..len) (len <= 2^14) to out: header, random IV, SM4-CBC of content
 * || HMAC-SM3 || padding. extra_pad_blocks adds 16-byte blocks of padding
 * beyond the minimum (capped at 256 padding bytes in all). 0 or an error. */
GMTLS_MUST_CHECK int gmtls_cbc_rec_seal(gmtls_cbc_rec *r, gmtls_buf *out, uint8_t type, uint16_t version,
                                        const uint8_t *data, size_t len, size_t extra_pad_blocks);

/* Opens the record with header hdr and body body[0..bodylen) in place. On
 * success *payload / *len give the content (inside body). Errors are
 * alerts: bad_record_mac (any length, padding or MAC failure, all after
 * the same work for a given bodylen), record_overflow. */
GMTLS_MUST_CHECK int gmtls_cbc_rec_open(gmtls_cbc_rec *r, const uint8_t hdr[GMTLS_REC_HDR], uint8_t *body,
                                        size_t bodylen, uint8_t **payload, size_t *len);

#endif
