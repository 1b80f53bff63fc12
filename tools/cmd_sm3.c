/* tools/cmd_sm3.c - `gmtls sm3 [FILE...]`: SM3 digests in the style of
 * sm3sum / `openssl dgst -sm3 -r`: "<hex>  <name>" per file, stdin ("-")
 * when no file is named. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "gmtls/sm.h"

static void sm3_usage(FILE *f)
{
    fputs("usage: gmtls sm3 [FILE...]\n"
          "Print the SM3 digest of each FILE (standard input when none, or for \"-\")\n"
          "as \"<hex>  <file>\".\n",
          f);
}

/* Hashes one stream; 0 or -1 (message printed). */
static int sm3_file(const char *name)
{
    int is_stdin = strcmp(name, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(name, "rb");
    if (f == NULL) {
        tool_err("%s: %s", name, strerror(errno));
        return -1;
    }
    gmtls_sm3_ctx ctx;
    uint8_t buf[65536], md[GMTLS_SM3_DIGEST_LEN];
    size_t n;
    gmtls_sm3_init(&ctx);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        gmtls_sm3_update(&ctx, buf, n);
    }
    int bad = ferror(f);
    if (!is_stdin) {
        fclose(f);
    }
    gmtls_sm3_final(&ctx, md);
    if (bad) {
        tool_err("%s: read error", name);
        return -1;
    }
    tool_print_hex(md, sizeof md);
    printf("  %s\n", name);
    return 0;
}

int gmtls_cmd_sm3(int argc, char **argv)
{
    int first = 1, status = 0;
    if (argc > 1 && strcmp(argv[1], "--") == 0) {
        first = 2;
    } else {
        for (int i = 1; i < argc; i++) {
            if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                sm3_usage(stdout);
                return 0;
            }
            if (argv[i][0] == '-' && argv[i][1] != '\0') {
                tool_err("sm3: unknown option %s", argv[i]);
                sm3_usage(stderr);
                return 2;
            }
        }
    }
    if (first >= argc) {
        return sm3_file("-") == 0 ? 0 : 1;
    }
    for (int i = first; i < argc; i++) {
        if (sm3_file(argv[i]) != 0) {
            status = 1;
        }
    }
    fflush(stdout);
    return status;
}
