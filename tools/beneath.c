/* tools/beneath.c - see beneath.h. */
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int no_openat2; /* set once openat2 said ENOSYS */

int open_beneath_walk(int dirfd, const char *rel, int flags)
{
    int cur = dirfd;
    const char *p = rel;
    for (;;) {
        while (*p == '/') {
            p++;
        }
        const char *e = strchr(p, '/');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        const char *rest = p + n;
        while (*rest == '/') {
            rest++;
        }
        int last = *rest == '\0';
        char name[NAME_MAX + 1];
        if (n > NAME_MAX) {
            if (cur != dirfd) {
                close(cur);
            }
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        if (n == 0) {
            memcpy(name, ".", 2); /* the directory itself */
        }
        if (strcmp(name, "..") == 0) {
            if (cur != dirfd) {
                close(cur);
            }
            errno = EXDEV;
            return -1;
        }
        /* O_NOFOLLOW on every component: a symlink anywhere on the path fails (ELOOP for the
         * last component, ENOTDIR for a directory opened with O_DIRECTORY) */
        int fd = last ? openat(cur, name, flags | O_NOFOLLOW)
                      : openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        if (cur != dirfd) {
            close(cur);
        }
        if (fd < 0) {
            errno = err;
            return -1;
        }
        if (last) {
            return fd;
        }
        cur = fd;
        p = rest;
    }
}

int open_beneath(int dirfd, const char *rel, int flags)
{
    if (!atomic_load_explicit(&no_openat2, memory_order_relaxed)) {
        struct open_how how;
        memset(&how, 0, sizeof(how));
        how.flags = (uint64_t)(unsigned)flags;
        /* openat2(2): RESOLVE_BENEATH refuses ".." leading out, absolute paths and symlinks
         * that leave dirfd; RESOLVE_NO_MAGICLINKS refuses /proc-style links */
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        long fd;
        int tries = 0;
        do {
            /* EAGAIN: a concurrent rename made the kernel unsure of ".."; try again */
            fd = syscall(SYS_openat2, dirfd, rel[0] != '\0' ? rel : ".", &how, sizeof(how));
        } while (fd < 0 && (errno == EAGAIN || errno == EINTR) && ++tries < 4);
        if (fd >= 0 || errno != ENOSYS) {
            return (int)fd;
        }
        atomic_store_explicit(&no_openat2, 1, memory_order_relaxed);
    }
    return open_beneath_walk(dirfd, rel, flags);
}
