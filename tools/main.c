/* tools/main.c - `gmtls <command> [args]`: dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "gmtls.h"

#ifndef GMTLS_TOOL_VERSION
#define GMTLS_TOOL_VERSION "0.1.0"
#endif

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} tool_command;

static const tool_command commands[] = {
    {"server", gmtls_cmd_server, "TLS 1.3 server: --www status page / files, --echo, --proxy"},
    {"client", gmtls_cmd_client, "TLS 1.3 client: connect, report the handshake, relay stdin/stdout"},
    {"sm3", gmtls_cmd_sm3, "SM3 digest, HMAC-SM3 and HKDF-SM3"},
    {"sm4", gmtls_cmd_sm4, "SM4 encryption and decryption (ECB, CBC, CTR, GCM, CCM)"},
    {"sm2", gmtls_cmd_sm2, "SM2 keys, signatures and key exchange"},
    {"cert", gmtls_cmd_cert, "certificates: a CA, leaves, CSR signing (SM2 rfc/go-gmtls, ECDSA, RSA, Ed25519)"},
    {"speed", gmtls_cmd_speed, "throughput of the cryptographic primitives"},
    {"bench", gmtls_cmd_bench, "TLS handshakes/s and record throughput, gmtls against OpenSSL"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: gmtls <command> [options]\n"
               "       gmtls <command> --help\n"
               "       gmtls --version\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("gmtls %s (TLS 1.3, RFC 8446 + RFC 8998; SM path: %s)\n", GMTLS_TOOL_VERSION,
               gmtls_sm_cpu_path());
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(cmd, commands[i].name) == 0) {
            return commands[i].fn(argc - 1, argv + 1);
        }
    }
    tool_err("unknown command '%s' (try gmtls --help)", cmd);
    return 2;
}
