/* Buffers, the writer, constant-time helpers, error strings. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "common/common.h"

void gmtls_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0) {
        OPENSSL_cleanse(p, n);
    }
}

int gmtls_ct_memeq(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void gmtls_buf_init(gmtls_buf *buf)
{
    buf->base = NULL;
    buf->off = 0;
    buf->capacity = 0;
}

void gmtls_buf_dispose(gmtls_buf *buf)
{
    if (buf->base != NULL) {
        gmtls_wipe(buf->base, buf->capacity);
        free(buf->base);
    }
    gmtls_buf_init(buf);
}

void gmtls_buf_consume(gmtls_buf *buf, size_t n)
{
    if (n >= buf->off) {
        buf->off = 0;
        return;
    }
    memmove(buf->base, buf->base + n, buf->off - n);
    buf->off -= n;
}

int gmtls_buf_reserve(gmtls_buf *buf, size_t n)
{
    if (buf->capacity - buf->off >= n) {
        return 0;
    }
    size_t cap = buf->capacity ? buf->capacity : 1024;
    while (cap - buf->off < n) {
        if (cap > SIZE_MAX / 2) {
            return GMTLS_ERR_NO_MEMORY;
        }
        cap *= 2;
    }
    /* Grow by copying so that old contents (which may be secret) are wiped. */
    uint8_t *nb = malloc(cap);
    if (nb == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    if (buf->base != NULL) {
        memcpy(nb, buf->base, buf->off);
        gmtls_wipe(buf->base, buf->capacity);
        free(buf->base);
    }
    buf->base = nb;
    buf->capacity = cap;
    return 0;
}

void gmtls_wr_init(gmtls_wr *w, gmtls_buf *buf)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
}

void gmtls_wr_bytes(gmtls_wr *w, const void *p, size_t n)
{
    if (w->err || n == 0) {
        return;
    }
    if (gmtls_buf_reserve(w->buf, n) != 0) {
        w->err = GMTLS_ERR_NO_MEMORY;
        return;
    }
    memcpy(w->buf->base + w->buf->off, p, n);
    w->buf->off += n;
}

void gmtls_wr_uint(gmtls_wr *w, uint64_t v, size_t nbytes)
{
    uint8_t tmp[8];
    for (size_t i = 0; i < nbytes; i++) {
        tmp[i] = (uint8_t)(v >> (8 * (nbytes - 1 - i)));
    }
    gmtls_wr_bytes(w, tmp, nbytes);
}

void gmtls_wr_open(gmtls_wr *w, size_t lenbytes)
{
    if (w->err) {
        return;
    }
    if (w->depth == GMTLS_WR_MAX_DEPTH) {
        w->err = GMTLS_ERR_BAD_ARGUMENT;
        return;
    }
    w->stack[w->depth] = w->buf->off;
    w->stack_len[w->depth] = (uint8_t)lenbytes;
    w->depth++;
    gmtls_wr_uint(w, 0, lenbytes);
}

void gmtls_wr_close(gmtls_wr *w)
{
    if (w->err) {
        return;
    }
    if (w->depth == 0) {
        w->err = GMTLS_ERR_BAD_ARGUMENT;
        return;
    }
    w->depth--;
    size_t at = w->stack[w->depth], lb = w->stack_len[w->depth];
    size_t len = w->buf->off - at - lb;
    if (lb < 8 && len >= ((size_t)1 << (8 * lb))) {
        w->err = GMTLS_ERR_BAD_ARGUMENT; /* body too long for its prefix */
        return;
    }
    for (size_t i = 0; i < lb; i++) {
        w->buf->base[at + i] = (uint8_t)(len >> (8 * (lb - 1 - i)));
    }
}

int gmtls_wr_finish(gmtls_wr *w)
{
    if (w->err) {
        return w->err;
    }
    return w->depth == 0 ? 0 : GMTLS_ERR_BAD_ARGUMENT;
}

const char *gmtls_alert_name(int alert)
{
    switch (alert) {
    case GMTLS_ALERT_CLOSE_NOTIFY: return "close_notify";
    case GMTLS_ALERT_UNEXPECTED_MESSAGE: return "unexpected_message";
    case GMTLS_ALERT_BAD_RECORD_MAC: return "bad_record_mac";
    case GMTLS_ALERT_RECORD_OVERFLOW: return "record_overflow";
    case GMTLS_ALERT_HANDSHAKE_FAILURE: return "handshake_failure";
    case GMTLS_ALERT_BAD_CERTIFICATE: return "bad_certificate";
    case GMTLS_ALERT_UNSUPPORTED_CERTIFICATE: return "unsupported_certificate";
    case GMTLS_ALERT_CERTIFICATE_REVOKED: return "certificate_revoked";
    case GMTLS_ALERT_CERTIFICATE_EXPIRED: return "certificate_expired";
    case GMTLS_ALERT_CERTIFICATE_UNKNOWN: return "certificate_unknown";
    case GMTLS_ALERT_ILLEGAL_PARAMETER: return "illegal_parameter";
    case GMTLS_ALERT_UNKNOWN_CA: return "unknown_ca";
    case GMTLS_ALERT_ACCESS_DENIED: return "access_denied";
    case GMTLS_ALERT_DECODE_ERROR: return "decode_error";
    case GMTLS_ALERT_DECRYPT_ERROR: return "decrypt_error";
    case GMTLS_ALERT_PROTOCOL_VERSION: return "protocol_version";
    case GMTLS_ALERT_INSUFFICIENT_SECURITY: return "insufficient_security";
    case GMTLS_ALERT_INTERNAL_ERROR: return "internal_error";
    case GMTLS_ALERT_INAPPROPRIATE_FALLBACK: return "inappropriate_fallback";
    case GMTLS_ALERT_USER_CANCELED: return "user_canceled";
    case GMTLS_ALERT_NO_RENEGOTIATION:
        return "no_renegotiation";
    case GMTLS_ALERT_MISSING_EXTENSION: return "missing_extension";
    case GMTLS_ALERT_UNSUPPORTED_EXTENSION: return "unsupported_extension";
    case GMTLS_ALERT_UNRECOGNIZED_NAME: return "unrecognized_name";
    case GMTLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE: return "bad_certificate_status_response";
    case GMTLS_ALERT_UNKNOWN_PSK_IDENTITY: return "unknown_psk_identity";
    case GMTLS_ALERT_CERTIFICATE_REQUIRED: return "certificate_required";
    case GMTLS_ALERT_NO_APPLICATION_PROTOCOL: return "no_application_protocol";
    default: return "unknown";
    }
}

const char *gmtls_strerror(int err)
{
    static const char *const internal[] = {
        [GMTLS_ERR_WANT_READ - 0x200] = "more input needed",
        [GMTLS_ERR_WANT_WRITE - 0x200] = "socket not writable",
        [GMTLS_ERR_NO_MEMORY - 0x200] = "out of memory",
        [GMTLS_ERR_CRYPTO - 0x200] = "crypto library failure",
        [GMTLS_ERR_BAD_ARGUMENT - 0x200] = "bad argument",
        [GMTLS_ERR_CLOSED - 0x200] = "connection closed by peer (close_notify)",
        [GMTLS_ERR_IO - 0x200] = "socket I/O error",
        [GMTLS_ERR_FAILED - 0x200] = "connection failed earlier",
        [GMTLS_ERR_EOF - 0x200] = "connection closed without close_notify",
        [GMTLS_ERR_FILE - 0x200] = "file could not be read or parsed",
        [GMTLS_ERR_UNKNOWN_NAME - 0x200] = "unknown name",
        [GMTLS_ERR_NO_CERT - 0x200] = "no certificate configured",
        [GMTLS_ERR_HANDSHAKE_DONE - 0x200] = "handshake already complete",
        [GMTLS_ERR_NOT_READY - 0x200] = "handshake not complete",
        [GMTLS_ERR_TIMEOUT - 0x200] = "timed out",
        [GMTLS_ERR_NOT_TLS - 0x200] = "the peer does not speak TLS",
    };
    static __thread char tmp[96];
    if (err == 0) {
        return "success";
    }
    if (err > 0 && err < 0x100) {
        snprintf(tmp, sizeof tmp, "sent alert %s (%d)", gmtls_alert_name(err), err);
        return tmp;
    }
    if (err >= 0x100 && err < 0x200) {
        snprintf(tmp, sizeof tmp, "received alert %s (%d)", gmtls_alert_name(err - 0x100), err - 0x100);
        return tmp;
    }
    if (err > 0x200 && err - 0x200 < (int)GMTLS_ARRAY_LEN(internal) && internal[err - 0x200] != NULL) {
        return internal[err - 0x200];
    }
    return "unknown error";
}
