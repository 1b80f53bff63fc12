/* Certificate compression (RFC 8879): the compress_certificate extension,
 * the CompressedCertificate message, and the algorithms zlib (RFC 1950),
 * brotli (RFC 7932) and zstd (RFC 8478) through Debian's libraries.
 *
 * A configured chain is compressed once per algorithm (and per form of its
 * leaf entry: with or without the stapled OCSP response and SCTs), on the
 * first handshake that needs it, and kept with the chain in the config; a
 * handshake only copies the cached message. What arrives compressed is
 * decompressed into a buffer of exactly uncompressed_length bytes, which is
 * bounded before anything is decompressed. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include "handshake/internal.h"

/* One cached CompressedCertificate message (handshake header included). */
struct gmtls_ccert {
    uint8_t *msg;
    size_t len;
    size_t plain_len; /* uncompressed_length */
};

static const struct {
    uint16_t id;
    const char *name;
} algs[GMTLS_CERTCOMP_NALGS] = {
    {GMTLS_CERT_COMPRESSION_ZLIB, "zlib"},
    {GMTLS_CERT_COMPRESSION_BROTLI, "brotli"},
    {GMTLS_CERT_COMPRESSION_ZSTD, "zstd"},
};

/* Index of alg in algs[], or -1. */
static int alg_index(uint16_t alg)
{
    for (int i = 0; i < GMTLS_CERTCOMP_NALGS; i++) {
        if (algs[i].id == alg) {
            return i;
        }
    }
    return -1;
}

const char *gmtls_cert_compression_name(uint16_t alg)
{
    int i = alg_index(alg);
    return i >= 0 ? algs[i].name : NULL;
}

int gmtls_certcomp_lookup(const char *name, uint16_t *alg)
{
    for (int i = 0; i < GMTLS_CERTCOMP_NALGS; i++) {
        if (strcasecmp(name, algs[i].name) == 0) {
            *alg = algs[i].id;
            return 0;
        }
    }
    return -1;
}

/* ------------------------------------------------------------ extension */

int gmtls_certcomp_read_ext(const uint8_t *data, size_t len, const uint8_t **list, size_t *listlen)
{
    gmtls_rd r, l;
    gmtls_rd_init(&r, data, len);
    /* RFC 8879 §3: struct { CertificateCompressionAlgorithm
     * algorithms<2..2^8-2>; } CertificateCompressionAlgorithms; */
    GMTLS_TRY(gmtls_rd_vec(&r, 1, 2, 254, &l));
    GMTLS_TRY(gmtls_rd_done(&r));
    if (gmtls_rd_left(&l) % 2 != 0) {
        return GMTLS_ALERT_DECODE_ERROR;
    }
    *list = l.p;
    *listlen = gmtls_rd_left(&l);
    return 0;
}

uint16_t gmtls_certcomp_choose(const gmtls_config *cfg, const uint8_t *list, size_t listlen)
{
    /* The peer's order: the first of its algorithms that we have enabled. */
    for (size_t i = 0; i + 1 < listlen; i += 2) {
        uint16_t a = (uint16_t)(list[i] << 8 | list[i + 1]);
        if (gmtls_list_has(cfg->cert_comp, cfg->ncert_comp, a)) {
            return a;
        }
    }
    return 0;
}

void gmtls_certcomp_write_ext(const gmtls_config *cfg, gmtls_wr *w)
{
    if (cfg->ncert_comp == 0) {
        return;
    }
    gmtls_wr_u16(w, GMTLS_EXT_COMPRESS_CERTIFICATE);
    gmtls_wr_open(w, 2);
    gmtls_wr_open(w, 1);
    for (size_t i = 0; i < cfg->ncert_comp; i++) {
        gmtls_wr_u16(w, cfg->cert_comp[i]);
    }
    gmtls_wr_close(w);
    gmtls_wr_close(w);
}

/* ------------------------------------------------------------ algorithms */

/* Compresses in[0..n) with alg into a new buffer. Once per chain and
 * algorithm, so at each library's strongest setting. */
static int compress_with(uint16_t alg, const uint8_t *in, size_t n, uint8_t **out, size_t *outlen)
{
    size_t cap;
    switch (alg) {
    case GMTLS_CERT_COMPRESSION_ZLIB:
        cap = compressBound((uLong)n);
        break;
    case GMTLS_CERT_COMPRESSION_BROTLI:
        cap = BrotliEncoderMaxCompressedSize(n);
        break;
    case GMTLS_CERT_COMPRESSION_ZSTD:
        cap = ZSTD_compressBound(n);
        break;
    default:
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (cap == 0 || (*out = malloc(cap)) == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    int ok = 0;
    size_t len = cap;
    if (alg == GMTLS_CERT_COMPRESSION_ZLIB) {
        /* RFC 8879 §4: zlib "as defined in [RFC1950]" (compress2's format) */
        uLongf zl = (uLongf)cap;
        ok = compress2(*out, &zl, in, (uLong)n, Z_BEST_COMPRESSION) == Z_OK;
        len = zl;
    } else if (alg == GMTLS_CERT_COMPRESSION_BROTLI) {
        ok = BrotliEncoderCompress(BROTLI_MAX_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n, in, &len, *out) ==
             BROTLI_TRUE;
    } else {
        size_t r = ZSTD_compress(*out, cap, in, n, ZSTD_maxCLevel());
        ok = !ZSTD_isError(r);
        len = r;
    }
    if (!ok || len == 0) {
        free(*out);
        *out = NULL;
        return GMTLS_ERR_CRYPTO; /* the library failed */
    }
    *outlen = len;
    return 0;
}

int gmtls_certcomp_decompress(uint16_t alg, const uint8_t *in, size_t n, uint8_t *out, size_t outlen)
{
    /* Every decoder writes into out[0..outlen) and nowhere else; the result
     * counts only if the input is used up and exactly outlen bytes came out. */
    int ok = 0;
    if (alg == GMTLS_CERT_COMPRESSION_ZLIB) {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (n > UINT_MAX || outlen > UINT_MAX || inflateInit(&zs) != Z_OK) {
            return -1;
        }
        zs.next_in = (Bytef *)(uintptr_t)in;
        zs.avail_in = (uInt)n;
        zs.next_out = out;
        zs.avail_out = (uInt)outlen;
        ok = inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.avail_out == 0 && zs.avail_in == 0;
        inflateEnd(&zs);
    } else if (alg == GMTLS_CERT_COMPRESSION_BROTLI) {
        BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
        if (s == NULL) {
            return -1;
        }
        size_t ain = n, aout = outlen;
        const uint8_t *nin = in;
        uint8_t *nout = out;
        ok = BrotliDecoderDecompressStream(s, &ain, &nin, &aout, &nout, NULL) == BROTLI_DECODER_RESULT_SUCCESS &&
             ain == 0 && aout == 0;
        BrotliDecoderDestroyInstance(s);
    } else if (alg == GMTLS_CERT_COMPRESSION_ZSTD) {
        ZSTD_DCtx *d = ZSTD_createDCtx();
        if (d == NULL) {
            return -1;
        }
        /* single-shot: out is the whole window, nothing larger is allocated */
        size_t r = ZSTD_decompressDCtx(d, out, outlen, in, n);
        ok = !ZSTD_isError(r) && r == outlen;
        ZSTD_freeDCtx(d);
    }
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------ sending */

void gmtls_certcomp_cache_clear(gmtls_cert *cert)
{
    for (size_t a = 0; a < GMTLS_CERTCOMP_NALGS; a++) {
        for (size_t v = 0; v < 4; v++) {
            struct gmtls_ccert *e = atomic_exchange(&cert->ccache[a][v], NULL);
            if (e != NULL) {
                free(e->msg);
                free(e);
            }
        }
    }
}

/* A new CompressedCertificate message for the body. */
static int make_ccert(uint16_t alg, const uint8_t *body, size_t n, struct gmtls_ccert **out)
{
    uint8_t *z = NULL;
    size_t zlen = 0;
    /* RFC 8879 §4: uint24 uncompressed_length, opaque
     * compressed_certificate_message<1..2^24-1> */
    if (n > 0xffffff) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    GMTLS_TRY(compress_with(alg, body, n, &z, &zlen));
    int rc = GMTLS_ERR_NO_MEMORY;
    struct gmtls_ccert *e = calloc(1, sizeof *e);
    gmtls_buf buf;
    gmtls_wr w;
    gmtls_buf_init(&buf);
    if (e != NULL && zlen <= 0xffffff) {
        gmtls_hs_begin(&w, &buf, GMTLS_HS_COMPRESSED_CERTIFICATE);
        gmtls_wr_u16(&w, alg);
        gmtls_wr_u24(&w, n);
        gmtls_wr_open(&w, 3);
        gmtls_wr_bytes(&w, z, zlen);
        gmtls_wr_close(&w);
        gmtls_wr_close(&w);
        rc = gmtls_wr_finish(&w);
    }
    free(z);
    if (rc != 0) {
        gmtls_buf_dispose(&buf);
        free(e);
        return rc;
    }
    e->msg = buf.base; /* the buffer now belongs to the entry */
    e->len = buf.off;
    e->plain_len = n;
    *out = e;
    return 0;
}

int gmtls_cert_send(gmtls_conn *c, const gmtls_cert *cert, const uint8_t *ctx, size_t ctxlen, int with_ocsp,
                    int with_scts, uint16_t alg)
{
    int ai = alg_index(alg);
    if (ai < 0 || cert == NULL) {
        /* uncompressed, and an empty Certificate (a client without one) too */
        return gmtls_cert_msg_build(c, cert, ctx, ctxlen, with_ocsp, with_scts);
    }
    int ocsp = with_ocsp && cert->ocsp != NULL, scts = with_scts && cert->scts != NULL;
    /* Only the main handshake's Certificate (empty context) is the same for
     * every connection; another context is compressed for its message. */
    int cacheable = ctxlen == 0;
    gmtls_cert *mc = (gmtls_cert *)cert; /* the cache is the chain's only mutable part */
    _Atomic(struct gmtls_ccert *) *slot = &mc->ccache[ai][ocsp | scts << 1];
    struct gmtls_ccert *e = cacheable ? atomic_load(slot) : NULL;
    int rc = 0;
    if (e == NULL) {
        gmtls_buf body;
        gmtls_wr w;
        gmtls_buf_init(&body);
        gmtls_wr_init(&w, &body);
        rc = gmtls_cert_body_write(c, &w, cert, ctx, ctxlen, ocsp, scts);
        if (rc == 0) {
            rc = gmtls_wr_finish(&w);
        }
        if (rc == 0) {
            rc = make_ccert(alg, body.base, body.off, &e);
        }
        gmtls_buf_dispose(&body);
        GMTLS_TRY(rc);
        if (cacheable) {
            /* Two handshakes may compress at once: the first to publish wins. */
            struct gmtls_ccert *none = NULL;
            if (!atomic_compare_exchange_strong(slot, &none, e)) {
                free(e->msg);
                free(e);
                e = none;
            }
        }
    }
    rc = gmtls_hs_queue(c, e->msg, e->len);
    c->cc_sent_alg = alg;
    c->cc_sent_wire = e->len - 4 - 8; /* the compressed data: header, algorithm and lengths off */
    c->cc_sent_plain = e->plain_len;
    if (!cacheable) {
        free(e->msg);
        free(e);
    }
    return rc;
}

/* ------------------------------------------------------------ receiving */

int gmtls_certcomp_open(gmtls_conn *c, const uint8_t *msg, size_t len, uint8_t **body, size_t *bodylen)
{
    gmtls_rd r, z;
    gmtls_rd_init(&r, msg + 4, len - 4);
    uint16_t alg = gmtls_rd_u16(&r);
    size_t plain = gmtls_rd_u24(&r);
    if (gmtls_rd_vec(&r, 3, 1, 0xffffff, &z) != 0 || gmtls_rd_done(&r) != 0) {
        return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed CompressedCertificate");
    }
    /* RFC 8879 §4: "The algorithm MUST be one of the algorithms listed in the
     * peer's compress_certificate extension" - we offered cfg->cert_comp. */
    if (!gmtls_list_has(c->cfg->cert_comp, c->cfg->ncert_comp, alg)) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "certificate compressed with algorithm %u we did not offer",
                          alg);
    }
    /* RFC 8879 §4: uncompressed_length lets the receiver "enforce limits on
     * the message size before performing decompression": an uncompressed
     * Certificate gets no more room (GMTLS_MAX_HS_MSG), and none is shorter
     * than its context and list lengths (4 bytes). */
    if (plain < 4 || plain > GMTLS_MAX_CERT_PLAIN) {
        return gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE, "CompressedCertificate uncompressed_length %zu out of bounds",
                          plain);
    }
    if (plain > c->cfg->peer_chain_max_bytes) {
        return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "Certificate of %zu bytes over the limit of %zu", plain,
                          c->cfg->peer_chain_max_bytes);
    }
    uint8_t *out = malloc(plain);
    if (out == NULL) {
        return GMTLS_ERR_NO_MEMORY;
    }
    /* RFC 8879 §4: "If the received CompressedCertificate message cannot be
     * decompressed, the connection MUST be terminated with the
     * "bad_certificate" alert"; and if "the specified length does not match
     * the actual length, ... MUST abort the connection with the
     * "bad_certificate" alert". */
    if (gmtls_certcomp_decompress(alg, z.p, gmtls_rd_left(&z), out, plain) != 0) {
        free(out);
        return gmtls_fail(c, GMTLS_ALERT_BAD_CERTIFICATE, "%s certificate does not decompress to exactly %zu bytes",
                          gmtls_cert_compression_name(alg), plain);
    }
    c->cc_recv_alg = alg;
    c->cc_recv_wire = gmtls_rd_left(&z);
    c->cc_recv_plain = plain;
    *body = out;
    *bodylen = plain;
    return 0;
}

/* ------------------------------------------------------------ public */

uint16_t gmtls_conn_cert_compression(const gmtls_conn *conn, int peer, size_t *compressed, size_t *uncompressed)
{
    uint16_t alg = peer ? conn->cc_recv_alg : conn->cc_sent_alg;
    if (compressed != NULL) {
        *compressed = alg == 0 ? 0 : peer ? conn->cc_recv_wire : conn->cc_sent_wire;
    }
    if (uncompressed != NULL) {
        *uncompressed = alg == 0 ? 0 : peer ? conn->cc_recv_plain : conn->cc_sent_plain;
    }
    return alg;
}
