/* fuzz/fuzz_client_hello.c - libFuzzer target: ClientHello parsing and the
 * HelloRetryRequest consistency check.
 *
 * Input: a u16 split offset, then two ClientHello bodies (without the
 * handshake header, which the target adds as the engine's reassembly does).
 * Each is parsed with gmtls_ch_parse; when both parse, gmtls_ch_compare runs
 * both ways. Properties: a parsed hello compares equal to itself, every
 * parsed pointer stays inside the message, every extension is found. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handshake/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *wrap(const uint8_t *body, size_t n)
{
    uint8_t *m = malloc(n + 4);
    if (m == NULL) {
        abort();
    }
    m[0] = GMTLS_HS_CLIENT_HELLO;
    m[1] = (uint8_t)(n >> 16);
    m[2] = (uint8_t)(n >> 8);
    m[3] = (uint8_t)n;
    memcpy(m + 4, body, n);
    return m;
}

static void inside(const gmtls_client_hello *ch, const uint8_t *p, size_t n)
{
    if (n > 0 && (p < ch->msg || p + n > ch->msg + ch->msglen)) {
        abort();
    }
}

static int parse(gmtls_client_hello *ch, const uint8_t *msg, size_t len)
{
    int rc = gmtls_ch_parse(ch, msg, len);
    if (rc != 0) {
        if (rc <= 0 || rc >= 0x100) {
            abort(); /* parse errors are alerts */
        }
        return rc;
    }
    inside(ch, ch->random, 32);
    inside(ch, ch->session_id, ch->session_id_len);
    inside(ch, ch->suites, ch->suites_len);
    inside(ch, ch->comp, ch->comp_len);
    inside(ch, ch->alpn, ch->alpn_len);
    for (size_t i = 0; i < ch->nexts; i++) {
        inside(ch, ch->exts[i].data, ch->exts[i].len);
        if (gmtls_ch_find(ch, ch->exts[i].type) != &ch->exts[i]) {
            abort(); /* duplicates are rejected, so the first match is this one */
        }
    }
    for (size_t i = 0; i < ch->nshares; i++) {
        inside(ch, ch->shares[i].data, ch->shares[i].len);
    }
    for (size_t i = 0; i < ch->npsks; i++) {
        inside(ch, ch->psks[i].id, ch->psks[i].id_len);
        inside(ch, ch->psks[i].binder, ch->psks[i].binder_len);
    }
    if (ch->has_psk && ch->binders_off >= ch->msglen) {
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    size_t split = (size_t)data[0] << 8 | data[1];
    data += 2;
    size -= 2;
    if (split > size) {
        split = size;
    }
    uint8_t *m1 = wrap(data, split), *m2 = wrap(data + split, size - split);
    gmtls_client_hello *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    if (a == NULL || b == NULL) {
        abort();
    }
    int ra = parse(a, m1, split + 4), rb = parse(b, m2, size - split + 4);
    if (ra == 0 && gmtls_ch_compare(a, a) != 0) {
        abort();
    }
    if (rb == 0 && gmtls_ch_compare(b, b) != 0) {
        abort();
    }
    if (ra == 0 && rb == 0) {
        int ab = gmtls_ch_compare(a, b), ba = gmtls_ch_compare(b, a);
        if ((ab != 0 && ab != GMTLS_ALERT_ILLEGAL_PARAMETER) || (ab == 0) != (ba == 0)) {
            abort();
        }
    }
    if (ra == 0) {
        gmtls_ch_free(a);
    }
    if (rb == 0) {
        gmtls_ch_free(b);
    }
    free(a);
    free(b);
    free(m1);
    free(m2);
    return 0;
}
