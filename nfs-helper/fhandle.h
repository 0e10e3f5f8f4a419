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

/* Handles of objects inside an exported ISO 9660 image (version 2). They
 * name the image by its content and the object by its directory record,
 * so the same image bytes give the same handles on every server and
 * after every restart; no host key is involved (pxe-nfsd(8) says why).
 *   0      version (2)
 *   1      0
 *   2-9    image id (isofs.h), big-endian
 *   10-17  record id (lib/iso9660's iso_entry.id), big-endian
 *   18-25  SipHash-2-4 of bytes 0-17 under a fixed, public key: a check
 *          that refuses garbage, not a signature
 */
#define FH_ISO_VERSION 2
#define FH_ISO_SIZE 26

struct fh_iso {
	uint64_t image;
	uint64_t record;
};

size_t fh_iso_encode(const struct fh_iso *h, unsigned char out[FH_SIZE_MAX]);
/* FH_BADHANDLE for anything that is not exactly a version 2 handle with
 * a good check; never FH_STALE (that depends on the exports). */
enum fh_status fh_iso_decode(const unsigned char *in, size_t len, struct fh_iso *h);

/* Which decoder a wire handle is for: the version byte. */
static inline int fh_is_iso(const unsigned char *in, size_t len)
{
	return len > 0 && in[0] == FH_ISO_VERSION;
}

#endif
