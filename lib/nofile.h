/* The descriptor limit of a daemon that holds many: systemd gives
 * services a soft RLIMIT_NOFILE of 1024 and a hard one far above, and a
 * thousand transfers or NFS clients pass 1024. */
#ifndef PXEKIT_NOFILE_H
#define PXEKIT_NOFILE_H

/* Raises the soft limit to the hard one. Returns the limit in force
 * afterwards, at most 2^20 (what a caller sizes tables by). */
unsigned nofile_raise(void);

#endif
