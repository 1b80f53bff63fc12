/* tests/tls/interop_backend.c - a plaintext TCP backend for the --proxy
 * interop test: listens on 127.0.0.1 (kernel-picked port, printed as
 * "port N"), accepts one connection, reads until EOF (the proxy's half-close),
 * then answers "backend got N bytes" and closes. Exits after 30 s regardless. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    alarm(30);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 1) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) != 0) {
        perror("interop_backend");
        return 1;
    }
    printf("port %u\n", (unsigned)ntohs(a.sin_port));
    fflush(stdout);
    int c = accept(ls, NULL, NULL);
    if (c < 0) {
        perror("accept");
        return 1;
    }
    char buf[65536];
    unsigned long long total = 0;
    ssize_t n;
    while ((n = read(c, buf, sizeof(buf))) > 0) {
        total += (unsigned long long)n;
    }
    int len = snprintf(buf, sizeof(buf), "backend got %llu bytes\n", total);
    if (write(c, buf, (size_t)len) != len) {
        return 1;
    }
    close(c);
    close(ls);
    return 0;
}
