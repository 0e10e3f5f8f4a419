/* An exported ISO 9660 image: the open image file, its volume (read with
 * lib/iso9660), the id that names it in file handles, and name indexes
 * for LOOKUP in big directories. Used by pxe-mountd (the root handle)
 * and pxe-nfsd (every object below it). */
#ifndef PXEKIT_ISOFS_H
#define PXEKIT_ISOFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fhandle.h"
#include "iso9660.h"

/* Bytes from the first volume descriptor on that the image id covers:
 * the descriptors, path tables and, on most images, every directory. */
#define ISOFS_ID_SPAN (1024 * 1024)
/* Directories of more records than this get a name index at their first
 * LOOKUP; smaller ones are scanned (a few sectors). */
#define ISOFS_INDEX_MIN_BYTES (8 * ISO_BLOCK)
/* Names indexed over all directories of one image (12 bytes each). */
#define ISOFS_INDEX_NAMES_MAX (1u << 20)
#define ISOFS_INDEX_DIRS_MAX 64
/* Entries kept decoded: a client reading a file sends one READ per MiB,
 * each naming the same record. */
#define ISOFS_ENTRY_CACHE 16

struct isofs_index;

struct isofs {
	char *path;
	int fd;			/* the image, -1 while it is unusable */
	struct stat sb;		/* the file as opened: a change means replaced */
	struct iso_volume vol;
	struct iso_entry root;
	uint64_t image_id;	/* 0 while unusable */
	int status;		/* why it is unusable (enum iso_status), for logs */
	int open_errno;
	/* name indexes, least recently used dropped first */
	struct isofs_index *idx[ISOFS_INDEX_DIRS_MAX];
	size_t nidx;
	size_t indexed_names;
	size_t index_bytes;	/* memory the indexes hold */
	uint64_t clock;
	/* recently got entries (id 0: empty), replaced in turn */
	struct iso_entry recent[ISOFS_ENTRY_CACHE];
	unsigned recent_next;
};

/* The image id: SHA-256 of the volume's size and of ISOFS_ID_SPAN bytes
 * from sector 16 on (all the volume descriptors), truncated to 64 bits,
 * never 0. The same bytes give the same id on any host. */
int isofs_image_id(const struct iso_volume *v, uint64_t *id);

/* Opens the image at path and logs (once) why it cannot be served; NULL
 * only when out of memory. An unusable image is tried again by
 * isofs_refresh at the next request. */
struct isofs *isofs_open(const char *path);
void isofs_free(struct isofs *fs);

/* Whether the file at the path is still the one opened (same inode,
 * size, mtime and ctime); if not, opens it again, and its id changes if
 * its bytes did (old handles go stale). False while unusable. */
bool isofs_refresh(struct isofs *fs);

/* iso_get, through the cache of recent entries. */
int isofs_get(struct isofs *fs, uint64_t id, struct iso_entry *out);

/* iso_lookup through the directory's name index when it is big. */
int isofs_lookup(struct isofs *fs, const struct iso_entry *dir, const char *name,
		 struct iso_entry *out);

/* The handle of an entry of this image. */
size_t isofs_handle(const struct isofs *fs, const struct iso_entry *e,
		    unsigned char out[FH_SIZE_MAX]);

/* An entry's attributes in struct stat form (st_ino = its id, st_dev 0,
 * st_blocks counting whole 2048-byte sectors). */
void isofs_stat(const struct iso_entry *e, struct stat *sb);

/* For pxe-mountd: the handle of the directory at rest ("" for the root)
 * inside the image; 0, ENOENT, ENOTDIR or EIO. */
int isofs_mount(struct isofs *fs, const char *rest, unsigned char out[FH_SIZE_MAX],
		size_t *len);

/* Whether path names a regular file (an export that is an image). */
bool isofs_is_image_path(const char *path);

/* Whether the file has ISO 9660's "CD001" where the first volume
 * descriptor starts (a first look, for warnings when exports load). */
bool isofs_has_signature(const char *path);

#endif
