/* Whole-buffer reads and writes on a descriptor, past short transfers
 * and EINTR: what a pipe or a file may do to a single call. */
#ifndef PXEKIT_FDIO_H
#define PXEKIT_FDIO_H

#include <stdbool.h>
#include <stddef.h>

/* 0 when all len bytes were written, -1 with errno set otherwise. */
int write_all(int fd, const void *p, size_t len);

/* true when exactly len bytes were read; false on error or end of file. */
bool read_exact(int fd, void *p, size_t len);

#endif
