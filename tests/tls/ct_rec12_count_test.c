/*
 * tests/tls/ct_rec12_count_test.c - the Lucky13 property of the TLCP CBC
 * record path measured directly: the number of user-space instructions
 * gmtls_cbc_rec_open retires (perf_event_open, PERF_COUNT_HW_INSTRUCTIONS)
 * for records of one length must not depend on the padding length, on
 * where a padding is wrong, or on whether the padding or the MAC is the
 * thing that is wrong. Good records with paddings 15..255 must all cost the
 * same; every refused record (a bad padding byte at any position, a
 * padding length past the plaintext, a bad MAC under a good padding) must
 * cost the same as every other. Instruction counts are exact (no timing
 * noise), so the test compares for equality, as a constant-time test on
 * data-independent code can. Exits 77 (skipped) where the kernel offers no
 * instruction counter.
 */
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/rec12.h"
#include "test.h"

static const uint8_t MAC_KEY[32] = {7,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const uint8_t ENC_KEY[16] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                    0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f};
static int counter_fd = -1;

static int counter_open(void)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.type = PERF_TYPE_HARDWARE;
    a.size = sizeof a;
    a.config = PERF_COUNT_HW_INSTRUCTIONS;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    counter_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
    return counter_fd >= 0 ? 0 : -1;
}

/* A record of 304 plaintext bytes: content || MAC (correct or not) ||
 * padding as given, SM4-CBC under a zero IV. */
static size_t craft(uint8_t *rec, const uint8_t *content, size_t len, int mac_ok, const uint8_t *pad, size_t padlen)
{
    uint8_t h[13] = {0, 0, 0, 0, 0, 0, 0, 0, 23, 1, 1, (uint8_t)(len >> 8), (uint8_t)len};
    uint8_t *p = rec + 5 + 16;
    memcpy(p, content, len);
    gmtls_hmac_sm3_ctx m;
    gmtls_hmac_sm3_init(&m, MAC_KEY, sizeof MAC_KEY);
    gmtls_hmac_sm3_update(&m, h, sizeof h);
    gmtls_hmac_sm3_update(&m, content, len);
    gmtls_hmac_sm3_final(&m, p + len);
    p[len + 5] ^= (uint8_t)(mac_ok ? 0 : 0x20);
    memcpy(p + len + 32, pad, padlen);
    size_t plen = len + 32 + padlen, body = 16 + plen;
    uint8_t iv[16] = {0};
    gmtls_sm4_key ks;
    gmtls_sm4_set_key(&ks, ENC_KEY);
    memset(rec + 5, 0, 16);
    gmtls_sm4_cbc_encrypt(&ks, iv, p, p, plen / 16);
    rec[0] = 23;
    rec[1] = 1;
    rec[2] = 1;
    rec[3] = (uint8_t)(body >> 8);
    rec[4] = (uint8_t)body;
    return 5 + body;
}

static void open_once(const uint8_t *rec, size_t rl, int *rc)
{
    uint8_t buf[400], *pl;
    size_t len;
    gmtls_cbc_rec r;
    gmtls_cbc_rec_init(&r, MAC_KEY, ENC_KEY);
    memcpy(buf, rec, rl);
    *rc = gmtls_cbc_rec_open(&r, buf, buf + 5, rl - 5, &pl, &len);
    gmtls_cbc_rec_dispose(&r);
}

/* Instructions of one open by single-stepping a child: it stops itself
 * (SIGSTOP) right before and right after the call; the parent counts the
 * steps in between (the second raise() adds the same few every time). The
 * child reports the result as its exit status. */
static long long count_open_ptrace(const uint8_t *rec, size_t rl, int *rc)
{
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        int r;
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) {
            _exit(255);
        }
        raise(SIGSTOP);
        open_once(rec, rl, &r);
        raise(SIGSTOP);
        _exit(r);
    }
    int st;
    long long steps = 0;
    if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
        return -1;
    }
    for (;;) {
        if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) != 0 || waitpid(pid, &st, 0) != pid) {
            return -1;
        }
        if (!WIFSTOPPED(st)) {
            return -1;
        }
        if (WSTOPSIG(st) == SIGSTOP) {
            break;
        }
        steps++;
    }
    ptrace(PTRACE_CONT, pid, NULL, NULL);
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
        return -1;
    }
    *rc = WEXITSTATUS(st);
    return steps;
}

/* Instructions retired by one open of rec: with the hardware counter the
 * fewest of 5 runs (an interrupt may add a few user instructions' worth of
 * skid, never remove any), else by single-stepping; *rc gets the result. */
static long long count_open(const uint8_t *rec, size_t rl, int *rc)
{
    if (counter_fd < 0) {
        return count_open_ptrace(rec, rl, rc);
    }
    long long best = -1;
    for (int run = 0; run < 5; run++) {
        long long n = 0;
        ioctl(counter_fd, PERF_EVENT_IOC_RESET, 0);
        ioctl(counter_fd, PERF_EVENT_IOC_ENABLE, 0);
        open_once(rec, rl, rc);
        ioctl(counter_fd, PERF_EVENT_IOC_DISABLE, 0);
        if (read(counter_fd, &n, sizeof n) != (ssize_t)sizeof n) {
            return -1;
        }
        if (best < 0 || n < best) {
            best = n;
        }
    }
    return best;
}

int main(void)
{
    const char *how = counter_open() == 0 ? "perf_event_open" : "ptrace single-stepping";
    uint8_t content[304], rec[400], pad[256];
    for (size_t i = 0; i < sizeof content; i++) {
        content[i] = (uint8_t)(i * 13 + 5);
    }
    long long good_min = -1, good_max = -1, bad_min = -1, bad_max = -1;
    int rc, n_good = 0, n_bad = 0;
    /* paddings of 16 to 256 bytes in one record length (single-stepping
     * costs ~10 us an instruction: five sizes, not all sixteen) */
    static const size_t pads[] = {15, 63, 127, 191, 255};
    for (size_t pi = 0; pi < sizeof pads / sizeof pads[0]; pi++) {
        size_t p = pads[pi], len = 304 - 33 - p;
        memset(pad, (int)p, p + 1);
        long long c = count_open(rec, craft(rec, content, len, 1, pad, p + 1), &rc);
        CHECK(rc == 0);
        good_min = good_min < 0 || c < good_min ? c : good_min;
        good_max = c > good_max ? c : good_max;
        n_good++;
        /* a wrong byte at the start and at the end of the padding */
        size_t where[2] = {0, p - 1};
        for (int w = 0; w < 2; w++) {
            memset(pad, (int)p, p + 1);
            pad[where[w]] ^= 0x04;
            c = count_open(rec, craft(rec, content, len, 1, pad, p + 1), &rc);
            CHECK(rc == GMTLS_ALERT_BAD_RECORD_MAC);
            bad_min = bad_min < 0 || c < bad_min ? c : bad_min;
            bad_max = c > bad_max ? c : bad_max;
            n_bad++;
        }
        /* a good padding and a bad MAC */
        memset(pad, (int)p, p + 1);
        c = count_open(rec, craft(rec, content, len, 0, pad, p + 1), &rc);
        CHECK(rc == GMTLS_ALERT_BAD_RECORD_MAC);
        bad_min = c < bad_min ? c : bad_min;
        bad_max = c > bad_max ? c : bad_max;
        n_bad++;
    }
    /* padding lengths the plaintext cannot hold */
    for (int v = 0; v < 2; v++) {
        uint8_t len_byte = v ? 0xff : 0xf0;
        memset(pad, len_byte, 16);
        long long c = count_open(rec, craft(rec, content, 256, 1, pad, 16), &rc);
        CHECK(rc == GMTLS_ALERT_BAD_RECORD_MAC);
        bad_min = c < bad_min ? c : bad_min;
        bad_max = c > bad_max ? c : bad_max;
        n_bad++;
    }
    printf("%s: good records (%d paddings): %lld..%lld instructions; refused (%d): %lld..%lld\n", how, n_good, good_min,
           good_max, n_bad, bad_min, bad_max);
    CHECK(good_min > 0 && good_min == good_max);
    CHECK(bad_min > 0 && bad_min == bad_max);
    return TEST_END("ct_rec12_count_test");
}
