/* tools/cmd.h - the subcommands of the gmtls tool and the helpers they share.
 * Each gmtls_cmd_X(argc, argv) receives argv[0] = "X" and returns the exit
 * status: 0 success, 1 failure of the operation, 2 usage error. */
#ifndef GMTLS_TOOLS_CMD_H
#define GMTLS_TOOLS_CMD_H

#include <stddef.h>
#include <stdint.h>

int gmtls_cmd_server(int argc, char **argv);
int gmtls_cmd_client(int argc, char **argv);
int gmtls_cmd_sm3(int argc, char **argv);
int gmtls_cmd_sm4(int argc, char **argv);
int gmtls_cmd_sm2(int argc, char **argv);
int gmtls_cmd_speed(int argc, char **argv);
int gmtls_cmd_bench(int argc, char **argv);
int gmtls_cmd_cert(int argc, char **argv);

/* Reads a whole file ("-" = stdin) into a malloc'd buffer. Returns 0, or -1
 * after printing "gmtls: PATH: reason" to stderr. */
int tool_read_file(const char *path, uint8_t **out, size_t *outlen);
/* Writes len bytes to path ("-" = stdout), replacing it. 0 or -1 (message printed). */
int tool_write_file(const char *path, const uint8_t *buf, size_t len);
/* Decodes hex (upper or lower case, even length) into a malloc'd buffer. 0 or -1. */
int tool_unhex(const char *hex, uint8_t **out, size_t *outlen);
/* Prints len bytes as lowercase hex to stdout (no newline). */
void tool_print_hex(const uint8_t *buf, size_t len);
/* Prints "gmtls: <formatted message>\n" to stderr. */
void tool_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* --key-pass SPEC, the forms of OpenSSL's -passin: pass:TEXT, env:VAR,
 * file:PATH (its first line), fd:N (the first line read from descriptor N,
 * read once per process and kept). Never a terminal prompt.
 * tool_key_pass_check: 0 if SPEC has one of these forms, else -1 (message
 * printed). tool_key_pass_get: the passphrase into buf (NUL-terminated), its
 * length, or -1 (message printed). */
int tool_key_pass_check(const char *spec);
int tool_key_pass_get(const char *spec, char *buf, size_t size);
/* Fills buf with bytes from the system RNG (libcrypto RAND_bytes); 0 or -1.
 * Has the gmtls_rng_fn signature (ctx unused). */
int tool_rng(void *ctx, uint8_t *buf, size_t len);

#endif
