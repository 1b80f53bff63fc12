/* Helpers shared by the gmtls subcommands: files, hex, errors, RNG. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gmtls/sm.h"

#include "cmd.h"

void tool_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gmtls: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int tool_read_file(const char *path, uint8_t **out, size_t *outlen)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        tool_err("%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap) {
            break;
        }
        uint8_t *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = buf == NULL || ferror(f);
    if (f != stdin) {
        fclose(f);
    }
    if (bad) {
        tool_err("%s: read error", path);
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = len;
    return 0;
}

int tool_write_file(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (f == NULL) {
        tool_err("%s: %s", path, strerror(errno));
        return -1;
    }
    int bad = fwrite(buf, 1, len, f) != len;
    bad |= (f == stdout) ? fflush(f) != 0 : fclose(f) != 0;
    if (bad) {
        tool_err("%s: write error", path);
        return -1;
    }
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

int tool_unhex(const char *hex, uint8_t **out, size_t *outlen)
{
    size_t n = strlen(hex);
    if (n % 2 != 0) {
        return -1;
    }
    uint8_t *buf = malloc(n / 2 + 1);
    if (buf == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(buf);
            return -1;
        }
        buf[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = buf;
    *outlen = n / 2;
    return 0;
}

void tool_print_hex(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        printf("%02x", buf[i]);
    }
}

/* the library's generator, as its TLS code uses it */
int tool_rng(void *ctx, uint8_t *buf, size_t len)
{
    return gmtls_rng(ctx, buf, len);
}

/* ---------------------------------------------------------------- passphrases */

int tool_key_pass_check(const char *spec)
{
    static const char *const forms[] = {"pass:", "env:", "file:", "fd:"};
    for (size_t i = 0; spec != NULL && i < sizeof forms / sizeof forms[0]; i++) {
        if (strncmp(spec, forms[i], strlen(forms[i])) == 0) {
            return 0;
        }
    }
    tool_err("--key-pass '%s': expected pass:TEXT, env:VAR, file:PATH or fd:N", spec != NULL ? spec : "");
    return -1;
}

/* The first line of fd into buf (without its line end); its length or -1. */
static int read_first_line(int fd, char *buf, size_t size)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1); /* byte by byte: nothing after the line is consumed */
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0 || c == '\n') {
            break;
        }
        if (n + 1 >= size) {
            return -1;
        }
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r') {
        n--;
    }
    buf[n] = '\0';
    return (int)n;
}

int tool_key_pass_get(const char *spec, char *buf, size_t size)
{
    /* fd: can be read only once: the first reading is kept for reloads. */
    static char fd_pass[1024];
    static int fd_len = -1;
    int n = -1;
    if (tool_key_pass_check(spec) != 0 || size == 0) {
        return -1;
    }
    if (strncmp(spec, "pass:", 5) == 0) {
        n = strlen(spec + 5) < size ? (int)strlen(spec + 5) : -1;
        if (n >= 0) {
            memcpy(buf, spec + 5, (size_t)n + 1);
        }
    } else if (strncmp(spec, "env:", 4) == 0) {
        const char *v = getenv(spec + 4);
        if (v == NULL) {
            tool_err("--key-pass %s: the variable is not set", spec);
            return -1;
        }
        n = strlen(v) < size ? (int)strlen(v) : -1;
        if (n >= 0) {
            memcpy(buf, v, (size_t)n + 1);
        }
    } else if (strncmp(spec, "file:", 5) == 0) {
        int fd = open(spec + 5, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            tool_err("--key-pass %s: %s", spec, strerror(errno));
            return -1;
        }
        n = read_first_line(fd, buf, size);
        close(fd);
    } else {
        char *end = NULL;
        long fd = strtol(spec + 3, &end, 10);
        if (end == spec + 3 || *end != '\0' || fd < 0 || fd > 1 << 20) {
            tool_err("--key-pass %s: not a file descriptor number", spec);
            return -1;
        }
        if (fd_len < 0) {
            fd_len = read_first_line((int)fd, fd_pass, sizeof fd_pass);
            if (fd_len < 0) {
                tool_err("--key-pass %s: cannot read a passphrase line", spec);
                return -1;
            }
        }
        n = (size_t)fd_len < size ? fd_len : -1;
        if (n >= 0) {
            memcpy(buf, fd_pass, (size_t)n + 1);
        }
    }
    if (n < 0) {
        tool_err("--key-pass %s: passphrase too long", spec);
    }
    return n;
}
