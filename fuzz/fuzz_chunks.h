/* fuzz/fuzz_chunks.h - the input framing shared by fuzz_client and
 * fuzz_server: byte 0 picks k = 0..3 chunk sizes, each a big-endian u16
 * that follows; the rest is the peer's byte stream, fed in those chunks. */
#ifndef GMTLS_FUZZ_CHUNKS_H
#define GMTLS_FUZZ_CHUNKS_H

#include <stddef.h>
#include <stdint.h>

/* Reads the header from data and size (advancing both) into chunk[0..k).
 * Returns 0, or -1 when the input is too short to carry its header. */
static inline int fuzz_chunks(const uint8_t **data, size_t *size, size_t chunk[4], size_t *k)
{
    if (*size < 1) {
        return -1;
    }
    *k = (*data)[0] % 4;
    (*data)++;
    (*size)--;
    if (*size < 2 * *k) {
        return -1;
    }
    for (size_t i = 0; i < *k; i++) {
        chunk[i] = (size_t)(*data)[2 * i] << 8 | (*data)[2 * i + 1];
    }
    *data += 2 * *k;
    *size -= 2 * *k;
    return 0;
}

#endif
