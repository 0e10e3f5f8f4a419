/* NFSv3 file handles: an export's fsid and the kernel's own handle of the
 * object (name_to_handle_at), authenticated with a key the two daemons
 * share, so handles survive restarts and cannot be forged.
 *
 * Layout (version 1), at most NFS3_FHSIZE = 64 bytes:
 *   0     version (1)
 *   1     n, length of the kernel handle (at most FH_KERNEL_MAX)
 *   2-5   fsid of the export, big-endian
 *   6-9   kernel handle type, big-endian
 *   10..  the kernel handle (n bytes)
 *   then  SipHash-2-4 of everything before it (8 bytes)
 */
#ifndef PXEKIT_FHANDLE_H
#define PXEKIT_FHANDLE_H

#include <stddef.h>
#include <stdint.h>

#include "siphash.h"

#define FH_VERSION 1
#define FH_HEADER 10
#define FH_MAC 8
#define FH_SIZE_MAX 64
#define FH_KERNEL_MAX (FH_SIZE_MAX - FH_HEADER - FH_MAC)

struct fh_key {
	unsigned char k[SIPHASH_KEY_SIZE];
};

struct fh {
	uint32_t fsid;
	int32_t handle_type;
	unsigned handle_bytes;
	unsigned char f_handle[FH_KERNEL_MAX];
};

enum fh_status {
	FH_OK,
	FH_BADHANDLE,	/* not one of ours: wrong size or version */
	FH_STALE,	/* ours in shape, but not signed by this key */
};

/* Writes the wire handle to out; returns its length, or 0 if the kernel
 * handle is too long to fit. */
size_t fh_encode(const struct fh_key *key, const struct fh *fh, unsigned char out[FH_SIZE_MAX]);
/* A short public name of a key, for logs: two daemons that print
 * different ids sign different handles. */
uint64_t fh_key_id(const struct fh_key *key);

enum fh_status fh_decode(const struct fh_key *key, const unsigned char *in, size_t len,
			 struct fh *fh);

#endif
