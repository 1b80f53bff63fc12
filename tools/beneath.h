/* tools/beneath.h - opening a file beneath a directory without a
 * check-then-use race: the kernel resolves the path and refuses to leave the
 * directory (openat2 with RESOLVE_BENEATH), or, where openat2 is missing
 * (ENOSYS, kernels before 5.6), a walk that opens one component at a time
 * with O_NOFOLLOW. */
#ifndef GMTLS_TOOLS_BENEATH_H
#define GMTLS_TOOLS_BENEATH_H

/* Opens rel (relative; "" or "." is dirfd itself) beneath dirfd with flags
 * (O_RDONLY | O_CLOEXEC ...). A symlink may be followed when it stays beneath
 * dirfd (openat2) or is refused (the walk); ".." and absolute symlinks that
 * lead out fail with EXDEV or ELOOP. Returns the fd or -1 with errno. */
int open_beneath(int dirfd, const char *rel, int flags);

/* The fallback alone (the tests call it directly): every symlink is refused
 * (ELOOP or ENOTDIR), ".." is refused (EXDEV). */
int open_beneath_walk(int dirfd, const char *rel, int flags);

#endif
