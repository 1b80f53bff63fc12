/* examples/server.c - a minimal gmtls TLS 1.3 server: accepts one
 * connection at a time on 127.0.0.1:PORT, sends back each line in upper case.
 *
 *   example_server PORT CHAIN.pem KEY.pem [CHAIN2.pem KEY2.pem]
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmtls.h>

int main(int argc, char **argv)
{
    if (argc < 4 || argc % 2 != 0) {
        fprintf(stderr, "usage: %s PORT (0: any, printed) CHAIN.pem KEY.pem [CHAIN2.pem KEY2.pem ...]\n", argv[0]);
        return 2;
    }
    gmtls_config *cfg = gmtls_config_new();
    for (int i = 2; i + 1 < argc; i += 2) {
        if (gmtls_config_add_cert_chain_file(cfg, argv[i], argv[i + 1]) != 0) {
            fprintf(stderr, "%s\n", gmtls_config_last_error(cfg));
            return 1;
        }
    }
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 16) != 0) {
        perror("bind/listen");
        return 1;
    }
    socklen_t salen = sizeof sa;
    getsockname(ls, (struct sockaddr *)&sa, &salen); /* the port the kernel chose for port 0 */
    printf("listening on 127.0.0.1:%u\n", (unsigned)ntohs(sa.sin_port));
    fflush(stdout);
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        gmtls_conn *conn = gmtls_conn_new(cfg, 1);
        gmtls_io *io = gmtls_io_new(conn, fd);
        int rc = gmtls_io_handshake(io);
        if (rc == 0) {
            printf("handshake: %s %s\n", gmtls_cipher_suite_name(gmtls_conn_cipher_suite(conn)),
                   gmtls_group_name(gmtls_conn_group(conn)));
            fflush(stdout);
            char buf[4096];
            size_t n, w;
            while (gmtls_io_read(io, buf, sizeof buf, &n) == 0) {
                for (size_t i = 0; i < n; i++) {
                    buf[i] = (char)toupper((unsigned char)buf[i]);
                }
                if (gmtls_io_write(io, buf, n, &w) != 0) {
                    break;
                }
            }
            gmtls_io_close(io);
        } else {
            fprintf(stderr, "handshake failed: %s (%s)\n", gmtls_strerror(rc), gmtls_conn_error_detail(conn));
        }
        gmtls_io_free(io);
        gmtls_conn_free(conn);
        close(fd);
    }
}
