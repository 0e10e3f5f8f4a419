/* Opening a path below a directory descriptor with openat2(2): symlinks
 * are followed only while they stay beneath it, "/proc"-style magic links
 * never, and a leading "/" means the directory itself. Shared by the
 * daemons that serve a tree (pxe-mountd's MNT of a subdirectory; in.tftpd
 * has its own copy in tftpd/session.c that could become this). */
#ifndef PXEKIT_BENEATH_H
#define PXEKIT_BENEATH_H

#include <stdint.h>

/* Returns a descriptor, or -1 with errno (EXDEV: the path leaves dirfd,
 * or crosses a mount with RESOLVE_NO_XDEV in extra_resolve). */
int open_beneath(int dirfd, const char *path, uint64_t flags, uint64_t extra_resolve);

#endif
