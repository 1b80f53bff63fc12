/* examples/client.c - a minimal gmtls TLS 1.3 client: connects to
 * 127.0.0.1:PORT, verifies the server as "localhost" against CA.pem, sends a
 * line and prints the answer.
 *
 *   example_client PORT CA.pem [CIPHER_SUITES]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmtls.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PORT CA.pem [CIPHER_SUITES]\n", argv[0]);
        return 2;
    }
    gmtls_config *cfg = gmtls_config_new();
    if (gmtls_config_set_ca_file(cfg, argv[2]) != 0 ||
        (argc > 3 && gmtls_config_set_cipher_suites(cfg, argv[3]) != 0)) {
        fprintf(stderr, "%s\n", gmtls_config_last_error(cfg));
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("connect");
        return 1;
    }
    gmtls_conn *conn = gmtls_conn_new(cfg, 0);
    gmtls_conn_set_server_name(conn, "localhost");
    gmtls_io *io = gmtls_io_new(conn, fd);
    int rc = gmtls_io_handshake(io);
    if (rc != 0) {
        fprintf(stderr, "handshake failed: %s (%s)\n", gmtls_strerror(rc), gmtls_conn_error_detail(conn));
        return 1;
    }
    printf("cipher: %s\nsignature: %s\nverify: %s\n", gmtls_cipher_suite_name(gmtls_conn_cipher_suite(conn)),
           gmtls_sigalg_name(gmtls_conn_sigalg(conn)), gmtls_conn_verify_result(conn));
    const char *msg = "hello from gmtls\n";
    char buf[256];
    size_t n = 0, got = 0;
    gmtls_io_write(io, msg, strlen(msg), &n);
    while (got < strlen(msg) && gmtls_io_read(io, buf + got, sizeof buf - 1 - got, &n) == 0) {
        got += n;
    }
    buf[got] = '\0';
    printf("reply: %s", buf);
    gmtls_io_close(io);
    gmtls_io_free(io);
    gmtls_conn_free(conn);
    gmtls_config_free(cfg);
    close(fd);
    return strcmp(buf, "HELLO FROM GMTLS\n") == 0 ? 0 : 1;
}
