/* Unit tests of src/common: the bounds-checked reader (every overrun is a
 * sticky decode_error), the writer's back-filled length prefixes, constant-
 * time compare, buffers, error strings. */
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "test.h"

static void test_reader(void)
{
    static const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00, 0x02, 0xaa, 0xbb, 0x01};
    gmtls_rd r, v;
    gmtls_rd_init(&r, b, sizeof b);
    CHECK(gmtls_rd_u8(&r) == 0x01);
    CHECK(gmtls_rd_u16(&r) == 0x0203);
    CHECK(gmtls_rd_u24(&r) == 0x040506);
    CHECK(gmtls_rd_u8(&r) == 0x07);
    CHECK_OK(gmtls_rd_vec(&r, 2, 1, 2, &v));
    CHECK(gmtls_rd_left(&v) == 2 && v.p[0] == 0xaa);
    CHECK_ERR(gmtls_rd_done(&r), GMTLS_ALERT_DECODE_ERROR); /* one byte left */
    CHECK_ERR(gmtls_rd_done(&r), GMTLS_ALERT_DECODE_ERROR); /* sticky */
    CHECK(gmtls_rd_left(&r) == 0);

    /* Every short read fails, and the failure sticks. */
    for (size_t n = 0; n < 4; n++) {
        gmtls_rd_init(&r, b, n);
        (void)gmtls_rd_u32(&r);
        CHECK(r.err == GMTLS_ALERT_DECODE_ERROR);
        CHECK(gmtls_rd_u8(&r) == 0 && gmtls_rd_bytes(&r, 0) == NULL);
    }
    /* Vector bounds: too short, too long, overrunning the outer reader. */
    static const uint8_t vec[] = {0x03, 'a', 'b', 'c'};
    gmtls_rd_init(&r, vec, sizeof vec);
    CHECK_ERR(gmtls_rd_vec(&r, 1, 4, 10, &v), GMTLS_ALERT_DECODE_ERROR);
    gmtls_rd_init(&r, vec, sizeof vec);
    CHECK_ERR(gmtls_rd_vec(&r, 1, 0, 2, &v), GMTLS_ALERT_DECODE_ERROR);
    gmtls_rd_init(&r, vec, 3);
    CHECK_ERR(gmtls_rd_vec(&r, 1, 0, 10, &v), GMTLS_ALERT_DECODE_ERROR);
    CHECK(gmtls_rd_left(&v) == 0);
    gmtls_rd_init(&r, vec, sizeof vec);
    CHECK_OK(gmtls_rd_vec(&r, 1, 3, 3, &v));
    CHECK_OK(gmtls_rd_done(&r));
}

static void test_writer(void)
{
    gmtls_buf b;
    gmtls_wr w;
    gmtls_buf_init(&b);
    gmtls_wr_init(&w, &b);
    gmtls_wr_u8(&w, 0x16);
    gmtls_wr_open(&w, 3);
    gmtls_wr_u16(&w, 0x0303);
    gmtls_wr_open(&w, 1);
    gmtls_wr_bytes(&w, "xyz", 3);
    gmtls_wr_close(&w);
    gmtls_wr_close(&w);
    CHECK_OK(gmtls_wr_finish(&w));
    static const uint8_t want[] = {0x16, 0x00, 0x00, 0x06, 0x03, 0x03, 0x03, 'x', 'y', 'z'};
    CHECK(b.off == sizeof want);
    CHECK_MEM(b.base, want, sizeof want);
    /* A body too long for its prefix, and unbalanced blocks, are errors. */
    b.off = 0;
    gmtls_wr_init(&w, &b);
    gmtls_wr_open(&w, 1);
    for (int i = 0; i < 256; i++) {
        gmtls_wr_u8(&w, 0);
    }
    gmtls_wr_close(&w);
    CHECK_ERR(gmtls_wr_finish(&w), GMTLS_ERR_BAD_ARGUMENT);
    gmtls_wr_init(&w, &b);
    gmtls_wr_open(&w, 2);
    CHECK_ERR(gmtls_wr_finish(&w), GMTLS_ERR_BAD_ARGUMENT);
    gmtls_wr_init(&w, &b);
    gmtls_wr_close(&w);
    CHECK_ERR(gmtls_wr_finish(&w), GMTLS_ERR_BAD_ARGUMENT);
    /* Large appends grow the buffer; consume drops a prefix. */
    b.off = 0;
    static uint8_t big[100000];
    memset(big, 7, sizeof big);
    gmtls_wr_init(&w, &b);
    gmtls_wr_bytes(&w, big, sizeof big);
    CHECK_OK(gmtls_wr_finish(&w));
    CHECK(b.off == sizeof big && b.capacity >= sizeof big);
    gmtls_buf_consume(&b, 99990);
    CHECK(b.off == 10 && b.base[9] == 7);
    gmtls_buf_dispose(&b);
    CHECK(b.base == NULL && b.off == 0);
}

static void test_ct_and_strings(void)
{
    uint8_t a[32], c[32];
    memset(a, 5, sizeof a);
    memcpy(c, a, sizeof a);
    CHECK(gmtls_ct_memeq(a, c, sizeof a));
    c[31] ^= 1;
    CHECK(!gmtls_ct_memeq(a, c, sizeof a));
    gmtls_wipe(a, sizeof a);
    CHECK(a[0] == 0 && a[31] == 0);
    CHECK(strcmp(gmtls_alert_name(GMTLS_ALERT_DECRYPT_ERROR), "decrypt_error") == 0);
    CHECK(strcmp(gmtls_alert_name(200), "unknown") == 0);
    CHECK(strstr(gmtls_strerror(GMTLS_ALERT_HANDSHAKE_FAILURE), "sent alert handshake_failure") != NULL);
    CHECK(strstr(gmtls_strerror(GMTLS_ERR_PEER_ALERT(GMTLS_ALERT_BAD_CERTIFICATE)), "received alert bad_certificate") !=
          NULL);
    CHECK(strcmp(gmtls_strerror(GMTLS_ERR_WANT_READ), "more input needed") == 0);
    CHECK(strcmp(gmtls_strerror(0x2ff), "unknown error") == 0);
}

int main(void)
{
    test_reader();
    test_writer();
    test_ct_and_strings();
    return TEST_END("common_test");
}
