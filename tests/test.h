/* tests/test.h - the few macros every gmtls test program uses.
 *
 * A test program calls its checks, then returns TEST_END() from main, which
 * prints "NAME: N passed, N failed" and yields a non-zero exit on failure. */
#ifndef GMTLS_TEST_H
#define GMTLS_TEST_H

#define GMTLS_ARRAY_LEN_T(a) (sizeof(a) / sizeof((a)[0]))

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed_, test_failed_;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            test_passed_++;                                                          \
        } else {                                                                     \
            test_failed_++;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

/* CHECK_OK(expr): expr must return 0. */
#define CHECK_OK(expr)                                                                        \
    do {                                                                                      \
        long test_r_ = (long)(expr);                                                          \
        if (test_r_ == 0) {                                                                   \
            test_passed_++;                                                                   \
        } else {                                                                              \
            test_failed_++;                                                                   \
            fprintf(stderr, "%s:%d: %s returned %ld (0x%lx)\n", __FILE__, __LINE__, #expr, test_r_, \
                    (unsigned long)test_r_);                                                  \
        }                                                                                     \
    } while (0)

/* CHECK_ERR(expr, code): expr must return exactly code. */
#define CHECK_ERR(expr, code)                                                                 \
    do {                                                                                      \
        long test_r_ = (long)(expr), test_w_ = (long)(code);                                  \
        if (test_r_ == test_w_) {                                                             \
            test_passed_++;                                                                   \
        } else {                                                                              \
            test_failed_++;                                                                   \
            fprintf(stderr, "%s:%d: %s returned %ld (0x%lx), expected %ld (0x%lx)\n", __FILE__, \
                    __LINE__, #expr, test_r_, (unsigned long)test_r_, test_w_, (unsigned long)test_w_); \
        }                                                                                     \
    } while (0)

static inline void test_hexdump_(const char *what, const uint8_t *p, size_t n)
{
    fprintf(stderr, "  %s (%zu):", what, n);
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "%s%02x", (i % 32) ? "" : "\n    ", p[i]);
    }
    fprintf(stderr, "\n");
}

/* CHECK_MEM(a, b, n): n bytes equal; dumps both sides otherwise. */
#define CHECK_MEM(a, b, n)                                                           \
    do {                                                                             \
        const uint8_t *test_a_ = (const uint8_t *)(a), *test_b_ = (const uint8_t *)(b); \
        size_t test_n_ = (size_t)(n);                                                \
        if (memcmp(test_a_, test_b_, test_n_) == 0) {                                \
            test_passed_++;                                                          \
        } else {                                                                     \
            test_failed_++;                                                          \
            fprintf(stderr, "%s:%d: CHECK_MEM failed: %s vs %s\n", __FILE__, __LINE__, #a, #b); \
            test_hexdump_(#a, test_a_, test_n_);                                     \
            test_hexdump_(#b, test_b_, test_n_);                                     \
        }                                                                            \
    } while (0)

static inline int test_end_(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, test_passed_, test_failed_);
    return test_failed_ ? 1 : 0;
}
#define TEST_END(name) test_end_(name)

/* Hex helpers for known-answer tables. Returns the byte count or -1. */
static inline long test_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == ':') {
            p++;
            continue;
        }
        int hi, lo;
        char c1 = p[0], c2 = p[1];
        if (!c2) return -1;
        hi = (c1 >= '0' && c1 <= '9') ? c1 - '0' : (c1 | 32) >= 'a' && (c1 | 32) <= 'f' ? (c1 | 32) - 'a' + 10 : -1;
        lo = (c2 >= '0' && c2 <= '9') ? c2 - '0' : (c2 | 32) >= 'a' && (c2 | 32) <= 'f' ? (c2 | 32) - 'a' + 10 : -1;
        if (hi < 0 || lo < 0 || n >= cap) return -1;
        out[n++] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    return (long)n;
}

/* malloc'd bytes of a hex string (at least 1 byte allocated); NULL and
 * *len = 0 when hex is NULL or not hex. */
static inline uint8_t *test_unhex_alloc(const char *hex, size_t *len)
{
    size_t n = hex ? strlen(hex) / 2 : 0;
    uint8_t *p = malloc(n + 1);
    if (p == NULL || hex == NULL || strlen(hex) % 2 != 0 || test_unhex(hex, p, n + 1) != (long)n) {
        free(p);
        *len = 0;
        return NULL;
    }
    *len = n;
    return p;
}

/* Path of a file under the test vectors directory (env GMTLS_VECTORS, set by CTest
 * to the repository's tests/vectors). */
static inline const char *test_vector_path(const char *rel)
{
    static char buf[4096];
    const char *dir = getenv("GMTLS_VECTORS");
    snprintf(buf, sizeof buf, "%s/%s", dir ? dir : "tests/vectors", rel);
    return buf;
}

#endif
