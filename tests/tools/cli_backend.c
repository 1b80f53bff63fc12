/* tests/tools/cli_backend.c - a plaintext TCP backend for the `gmtls server
 * --proxy` tests (tests/cli/cli_proxy.sh).
 *
 *   cli_backend SEND_BYTES [CONNS]
 *
 * Listens on 127.0.0.1 (kernel-picked port, printed as "port N"), then
 * serves CONNS connections (default 1) one after the other. On each it
 * reads everything until EOF while sending SEND_BYTES of deterministic
 * pseudo-random data: the first half while the peer is still sending, the
 * second half only after the peer's EOF (the proxy's half-close), followed
 * by a trailer line "backend received N bytes sha256 HEX". It then closes.
 * For each connection it prints
 *   conn K received N bytes sha256 HEX
 *   conn K sent N bytes sha256 HEX
 * so the test can compare both directions with checksums. Exits after 120 s
 * regardless (alarm). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#define CHUNK 65536

static void hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* xorshift64*: the byte stream the backend sends */
static void fill(uint64_t *state, uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        uint64_t v = x * 0x2545F4914F6CDD1Dull;
        size_t k = n - i < 8 ? n - i : 8;
        memcpy(buf + i, &v, k);
    }
}

static int serve(int c, unsigned long long send_total, int index)
{
    static uint8_t in[CHUNK], out[CHUNK];
    EVP_MD_CTX *hin = EVP_MD_CTX_new(), *hout = EVP_MD_CTX_new();
    if (hin == NULL || hout == NULL || EVP_DigestInit_ex(hin, EVP_sha256(), NULL) != 1 ||
        EVP_DigestInit_ex(hout, EVP_sha256(), NULL) != 1) {
        fprintf(stderr, "cli_backend: digest setup failed\n");
        return 1;
    }
    fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
    uint64_t state = 0x9e3779b97f4a7c15ull;
    unsigned long long received = 0, sent = 0;
    size_t out_off = 0, out_len = 0;
    int eof = 0, trailer_done = 0, rc = 0;
    char trailer[160];
    for (;;) {
        /* what may be sent now: the first half at once, the rest after EOF */
        unsigned long long allowed = eof ? send_total : send_total / 2;
        if (out_off == out_len && sent < allowed) {
            size_t n = allowed - sent < CHUNK ? (size_t)(allowed - sent) : CHUNK;
            fill(&state, out, n);
            EVP_DigestUpdate(hout, out, n);
            sent += n;
            out_off = 0;
            out_len = n;
        }
        if (out_off == out_len && eof && sent == send_total && !trailer_done) {
            uint8_t md[32];
            char mdhex[65];
            EVP_MD_CTX *copy = EVP_MD_CTX_new();
            if (copy == NULL || EVP_MD_CTX_copy_ex(copy, hin) != 1 || EVP_DigestFinal_ex(copy, md, NULL) != 1) {
                EVP_MD_CTX_free(copy);
                rc = 1;
                break;
            }
            EVP_MD_CTX_free(copy);
            hex(md, 32, mdhex);
            int tl = snprintf(trailer, sizeof(trailer), "backend received %llu bytes sha256 %s\n", received, mdhex);
            memcpy(out, trailer, (size_t)tl);
            out_off = 0;
            out_len = (size_t)tl;
            trailer_done = 1;
        }
        if (out_off == out_len && eof && trailer_done) {
            break;
        }
        struct pollfd p = {.fd = c, .events = (short)((eof ? 0 : POLLIN) | (out_off < out_len ? POLLOUT : 0))};
        if (poll(&p, 1, 30000) <= 0) {
            fprintf(stderr, "cli_backend: conn %d stalled (received %llu, sent %llu)\n", index, received, sent);
            rc = 1;
            break;
        }
        if (!eof && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            ssize_t n = read(c, in, sizeof(in));
            if (n > 0) {
                EVP_DigestUpdate(hin, in, (size_t)n);
                received += (unsigned long long)n;
            } else if (n == 0) {
                eof = 1;
            } else if (errno != EAGAIN && errno != EINTR) {
                perror("cli_backend: read");
                rc = 1;
                break;
            }
        }
        if (out_off < out_len && (p.revents & (POLLOUT | POLLERR)) != 0) {
            ssize_t n = send(c, out + out_off, out_len - out_off, MSG_NOSIGNAL);
            if (n > 0) {
                out_off += (size_t)n;
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                perror("cli_backend: send");
                rc = 1;
                break;
            }
        }
    }
    uint8_t md[32];
    char mdhex[65];
    EVP_DigestFinal_ex(hin, md, NULL);
    hex(md, 32, mdhex);
    printf("conn %d received %llu bytes sha256 %s\n", index, received, mdhex);
    EVP_DigestFinal_ex(hout, md, NULL);
    hex(md, 32, mdhex);
    printf("conn %d sent %llu bytes sha256 %s\n", index, sent, mdhex);
    fflush(stdout);
    EVP_MD_CTX_free(hin);
    EVP_MD_CTX_free(hout);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: cli_backend SEND_BYTES [CONNS]\n");
        return 2;
    }
    unsigned long long send_total = strtoull(argv[1], NULL, 10);
    int conns = argc == 3 ? atoi(argv[2]) : 1;
    alarm(120);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 16) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) != 0) {
        perror("cli_backend");
        return 1;
    }
    printf("port %u\n", (unsigned)ntohs(a.sin_port));
    fflush(stdout);
    int rc = 0;
    for (int i = 1; i <= conns; i++) {
        int c = accept(ls, NULL, NULL);
        if (c < 0) {
            perror("cli_backend: accept");
            return 1;
        }
        rc |= serve(c, send_total, i);
        close(c);
    }
    close(ls);
    return rc;
}
