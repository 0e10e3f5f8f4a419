/* Whether an NFS export answers: the MOUNT service on localhost (RFC 1813
 * appendix I) is asked NULL, then EXPORT, and the path looked for. */
#ifndef PXEKIT_IMAGE_SHARE_H
#define PXEKIT_IMAGE_SHARE_H

#include <stddef.h>

/* 1: exported; 0: not checked (no MOUNT service registered); -1: the
 * service answers but does not export path, or fails. why says which. */
int share_check(const char *path, char *why, size_t len);
/* Ends the client share_check keeps between calls. */
void share_done(void);

#endif
