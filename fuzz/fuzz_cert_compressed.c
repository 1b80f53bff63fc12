/* fuzz/fuzz_cert_compressed.c - libFuzzer target: a received
 * CompressedCertificate (RFC 8879 §4).
 *
 * The input is the message body (algorithm, uncompressed_length,
 * compressed_certificate_message), read by gmtls_certcomp_open on a client
 * that offers zlib, brotli and zstd: bounds, the algorithm check and the
 * three decompressors; what decompresses goes on to the Certificate parser.
 * Properties checked: a success yields exactly uncompressed_length bytes,
 * within the 256 KiB bound; a failure is one of the RFC's alerts
 * (decode_error, illegal_parameter, bad_certificate) and sticks. The seeds
 * (fuzz/corpus/fuzz_cert_compressed) are a real chain compressed with each
 * algorithm. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handshake/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gmtls_config *cfg;
    if (cfg == NULL) {
        cfg = gmtls_config_new();
        if (cfg == NULL || gmtls_config_set_cert_compression(cfg, "zlib:brotli:zstd") != 0) {
            abort();
        }
    }
    if (size > GMTLS_MAX_HS_MSG) {
        return 0; /* the handshake layer refuses longer messages */
    }
    gmtls_conn *c = gmtls_conn_new(cfg, 0);
    uint8_t *msg = malloc(4 + size);
    if (c == NULL || msg == NULL) {
        abort();
    }
    msg[0] = GMTLS_HS_COMPRESSED_CERTIFICATE;
    msg[1] = (uint8_t)(size >> 16);
    msg[2] = (uint8_t)(size >> 8);
    msg[3] = (uint8_t)size;
    if (size > 0) {
        memcpy(msg + 4, data, size);
    }
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = gmtls_certcomp_open(c, msg, 4 + size, &body, &len);
    if (rc == 0) {
        size_t declared = size >= 5 ? (size_t)data[2] << 16 | (size_t)data[3] << 8 | data[4] : 0;
        if (body == NULL || len != declared || len > GMTLS_MAX_CERT_PLAIN || len < 4) {
            abort();
        }
        int empty = 0;
        (void)gmtls_cert_msg_parse(c, body, len, NULL, 0, &empty);
        free(body);
    } else if (rc != GMTLS_ALERT_DECODE_ERROR && rc != GMTLS_ALERT_ILLEGAL_PARAMETER &&
               rc != GMTLS_ALERT_BAD_CERTIFICATE && rc != GMTLS_ERR_NO_MEMORY) {
        abort();
    }
    free(msg);
    gmtls_conn_free(c);
    return 0;
}
