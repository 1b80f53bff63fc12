/* src/common/common.h - internal basics shared by every layer: error codes,
 * the bounds-checked reader, the length-prefixing writer, constant-time
 * helpers and secret wiping.
 *
 * Rules (enforced by review, relied on everywhere):
 *  - every byte that comes off the wire is read through gmtls_rd; no other
 *    code does pointer arithmetic on wire data;
 *  - a function that can fail returns int: 0, an alert (1..255) to send, or
 *    GMTLS_ERR_*; the result must be checked (GMTLS_MUST_CHECK);
 *  - secrets are wiped with gmtls_wipe when they die; MACs, Finished values
 *    and binders are compared with gmtls_ct_memeq. */
#ifndef GMTLS_COMMON_H
#define GMTLS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gmtls.h"

#define GMTLS_MUST_CHECK __attribute__((warn_unused_result))
#define GMTLS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Propagate a non-zero result. */
#define GMTLS_TRY(expr)            \
    do {                           \
        int gmtls_try_ = (expr);   \
        if (gmtls_try_ != 0) {     \
            return gmtls_try_;     \
        }                          \
    } while (0)

/* ------------------------------------------------------------ constant time */

/* Overwrites n bytes in a way the compiler cannot elide. */
void gmtls_wipe(void *p, size_t n);
/* 1 if a and b are equal over n bytes; time depends only on n. */
int gmtls_ct_memeq(const void *a, const void *b, size_t n);

/* ------------------------------------------------------------ reader */

/* A cursor over wire bytes. Every read checks bounds; on an overrun the
 * reader fails with decode_error and stays failed. */
typedef struct {
    const uint8_t *p;
    const uint8_t *end;
    int err; /* first error (GMTLS_ALERT_DECODE_ERROR), sticky */
} gmtls_rd;

static inline void gmtls_rd_init(gmtls_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->end = p != NULL ? p + len : p; /* NULL + 0 is undefined behaviour in C */
    r->err = 0;
}

static inline size_t gmtls_rd_left(const gmtls_rd *r)
{
    return r->err ? 0 : (size_t)(r->end - r->p);
}

static inline int gmtls_rd_fail(gmtls_rd *r)
{
    if (!r->err) {
        r->err = GMTLS_ALERT_DECODE_ERROR;
    }
    r->p = r->end;
    return r->err;
}

static inline uint64_t gmtls_rd_uint(gmtls_rd *r, size_t nbytes)
{
    if (r->err || (size_t)(r->end - r->p) < nbytes) {
        gmtls_rd_fail(r);
        return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < nbytes; i++) {
        v = v << 8 | r->p[i];
    }
    r->p += nbytes;
    return v;
}
#define gmtls_rd_u8(r) ((uint8_t)gmtls_rd_uint((r), 1))
#define gmtls_rd_u16(r) ((uint16_t)gmtls_rd_uint((r), 2))
#define gmtls_rd_u24(r) ((uint32_t)gmtls_rd_uint((r), 3))
#define gmtls_rd_u32(r) ((uint32_t)gmtls_rd_uint((r), 4))

/* Takes n raw bytes; returns a pointer to them or NULL (reader failed). */
static inline const uint8_t *gmtls_rd_bytes(gmtls_rd *r, size_t n)
{
    if (r->err || (size_t)(r->end - r->p) < n) {
        gmtls_rd_fail(r);
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

/* Reads a vector with a lenbytes-byte length prefix whose length must lie in
 * [min, max]; sub becomes a reader over its body. */
static inline int gmtls_rd_vec(gmtls_rd *r, size_t lenbytes, size_t min, size_t max, gmtls_rd *sub)
{
    size_t n = (size_t)gmtls_rd_uint(r, lenbytes);
    const uint8_t *p = r->err ? NULL : gmtls_rd_bytes(r, n);
    if (p == NULL || n < min || n > max) {
        gmtls_rd_init(sub, NULL, 0);
        sub->err = gmtls_rd_fail(r);
        return sub->err;
    }
    gmtls_rd_init(sub, p, n);
    return 0;
}

/* 0 if the reader is intact and fully consumed, else decode_error. */
static inline int gmtls_rd_done(gmtls_rd *r)
{
    if (r->err) {
        return r->err;
    }
    return r->p == r->end ? 0 : gmtls_rd_fail(r);
}

/* ------------------------------------------------------------ writer */

/* Appends to a gmtls_buf; blocks reserve a length prefix filled in at close.
 * Allocation failure is sticky and reported by gmtls_wr_finish. */
#define GMTLS_WR_MAX_DEPTH 8
typedef struct {
    gmtls_buf *buf;
    size_t stack[GMTLS_WR_MAX_DEPTH]; /* offsets of open length prefixes */
    uint8_t stack_len[GMTLS_WR_MAX_DEPTH];
    int depth;
    int err;
} gmtls_wr;

/* Makes room for n more bytes in buf. 0 or GMTLS_ERR_NO_MEMORY. */
GMTLS_MUST_CHECK int gmtls_buf_reserve(gmtls_buf *buf, size_t n);

void gmtls_wr_init(gmtls_wr *w, gmtls_buf *buf);
void gmtls_wr_bytes(gmtls_wr *w, const void *p, size_t n);
void gmtls_wr_uint(gmtls_wr *w, uint64_t v, size_t nbytes);
#define gmtls_wr_u8(w, v) gmtls_wr_uint((w), (v), 1)
#define gmtls_wr_u16(w, v) gmtls_wr_uint((w), (v), 2)
#define gmtls_wr_u24(w, v) gmtls_wr_uint((w), (v), 3)
#define gmtls_wr_u32(w, v) gmtls_wr_uint((w), (v), 4)
/* Opens a block with a lenbytes-byte length prefix. */
void gmtls_wr_open(gmtls_wr *w, size_t lenbytes);
/* Closes the innermost block, writing its length. */
void gmtls_wr_close(gmtls_wr *w);
/* 0 when every write fit and every block was closed. */
GMTLS_MUST_CHECK int gmtls_wr_finish(gmtls_wr *w);

/* Internal error with a detail text kept in the connection. */
#define GMTLS_IS_ALERT(e) ((e) > 0 && (e) < 0x100)

#endif
