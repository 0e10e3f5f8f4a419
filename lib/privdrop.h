/* Acquire, then drop: a daemon that started as root to bind and register
 * becomes an unprivileged user, keeping only the capabilities its work
 * needs (pxe-nfsd: CAP_DAC_READ_SEARCH for open_by_handle_at), with
 * no-new-privs, and checks in /proc/self/status that it took. Plain
 * prctl/capset, no libcap. (in.tftpd's drop could use this too.) */
#ifndef PXEKIT_PRIVDROP_H
#define PXEKIT_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A capability set as in /proc/self/status: bit n is capability n. */
#define PRIV_CAP(n) ((uint64_t)1 << (n))

/* Switches every uid and gid to uid:gid (no supplementary groups) and
 * keeps exactly caps effective and permitted, none inheritable or
 * ambient, the bounding set cut to caps. Returns false with errbuf set. */
bool priv_drop(uid_t uid, gid_t gid, uint64_t caps, char *errbuf, size_t errlen);

/* Whether /proc/self/status (or the text given) shows these ids and
 * exactly these effective and permitted capabilities, and no-new-privs. */
bool priv_check_status(const char *status, uid_t uid, gid_t gid, uint64_t caps);

#endif
