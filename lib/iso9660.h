/* A read-only ISO 9660 reader (ECMA-119) with Rock Ridge (RRIP over
 * SUSP, IEEE P1281/P1282) and Joliet, for serving an image's files
 * straight from the image: pure, no global state, every byte read
 * through the caller's callback, every loop bounded by the image.
 *
 * Why our own and not libcdio or libisofs: see image/README.md
 * (licences: pxekit is MIT, libcdio GPL-3+, libisofs GPL-2+). */
#ifndef PXEKIT_ISO9660_H
#define PXEKIT_ISO9660_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ISO_BLOCK 2048u
#define ISO_NAME_MAX 255		/* bytes of a name, UTF-8, like NAME_MAX */
#define ISO_LINK_MAX 4095		/* bytes of a symbolic link's target */
#define ISO_MAX_EXTENTS 32		/* per multi-extent file: 32 x ~4 GiB */

enum iso_status {
	ISO_OK = 0,
	ISO_END,		/* readdir: no more entries */
	ISO_E_IO,		/* the read callback failed */
	ISO_E_NOT_ISO,		/* no CD001 primary volume descriptor */
	ISO_E_TRUNCATED,	/* the image is shorter than its volume says */
	ISO_E_CORRUPT,		/* a structure that breaks ECMA-119 or SUSP */
	ISO_E_RANGE,		/* an extent or area past the end of the image */
	ISO_E_LOOP,		/* a directory that is an ancestor, or not its parent's */
	ISO_E_BADNAME,		/* a name with '/' or NUL, empty, "." or ".." */
	ISO_E_NAMETOOLONG,
	ISO_E_UNSUPPORTED,	/* interleaved or zisofs data, other block sizes */
	ISO_E_TOOBIG,		/* more than ISO_MAX_EXTENTS extents */
	ISO_E_NOENT,
	ISO_E_NOTDIR,
	ISO_E_ISDIR,
	ISO_E_NOTLINK,
	ISO_E_BADCOOKIE,	/* readdir cookie that is not a record boundary */
	ISO_E_STALE,		/* an id that does not name a directory record */
};

/* Reads exactly len bytes at off; 0 on success, -1 otherwise. The reader
 * never asks for bytes at or past iso_source.size. */
typedef int (*iso_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);

struct iso_source {
	iso_read_fn read;
	void *ctx;
	uint64_t size;		/* bytes in the image file */
};

enum iso_names { ISO_NAMES_PLAIN, ISO_NAMES_JOLIET, ISO_NAMES_ROCKRIDGE };

struct iso_volume {
	struct iso_source src;
	uint64_t end;		/* min(image size, volume space): nothing is read past it */
	enum iso_names names;	/* which tree and which names are served */
	uint8_t susp_skip;	/* SP's LEN_SKP */
	uint32_t root_block;	/* extent of the served root directory */
	uint32_t root_size;
	char volume_id[33];	/* PVD volume identifier, trailing spaces cut */
};

struct iso_extent {
	uint64_t pos;		/* byte offset of the data in the image */
	uint64_t len;
};

struct iso_entry {
	/* Stable identity: the byte offset in the image of the entry's
	 * directory record (for a directory, of its "." record), the same
	 * for the same image bytes anywhere (usable in NFS file handles). */
	uint64_t id;
	int error;		/* readdir: non-zero = this entry is refused (enum iso_status) */
	char name[ISO_NAME_MAX + 1];
	uint32_t mode;		/* S_IFDIR/S_IFREG/S_IFLNK/... and permissions */
	uint32_t nlink, uid, gid;
	uint64_t size;		/* bytes (for a symbolic link: its target's length) */
	int64_t mtime, atime, ctime;	/* seconds since the epoch, UTC */
	bool rock_ridge;	/* attributes came from Rock Ridge */
	uint32_t nextents;
	struct iso_extent extents[ISO_MAX_EXTENTS];
};

const char *iso_strerror(int status);

/* Validates the volume descriptors and picks the tree: Rock Ridge on the
 * primary volume if its root carries SUSP SP and RRIP, else Joliet's
 * supplementary volume, else the primary with plain names. */
int iso_open(struct iso_volume *v, const struct iso_source *src);

int iso_root(const struct iso_volume *v, struct iso_entry *out);

/* The entry an id names (from an earlier readdir, lookup or root). Ids
 * are trusted to come from this reader (pxekit signs its file handles);
 * a forged id is still read safely and refused where it is visibly not
 * a record boundary. */
int iso_get(const struct iso_volume *v, uint64_t id, struct iso_entry *out);

/* The directory containing dir ("..", following Rock Ridge PL); the
 * root is its own parent. */
int iso_parent(const struct iso_volume *v, const struct iso_entry *dir, struct iso_entry *out);

/* One name inside a directory (no '/', "." or ".."). */
int iso_lookup(const struct iso_volume *v, const struct iso_entry *dir, const char *name,
	       struct iso_entry *out);

/* Entries after *cookie (0 = first; "." and ".." are not returned).
 * ISO_OK: *out is the next entry (out->error set if it is refused, with
 * out->name as far as it was read) and *cookie moved past it; ISO_END:
 * no more; any other status: the directory itself cannot be read. */
int iso_readdir(const struct iso_volume *v, const struct iso_entry *dir, uint64_t *cookie,
		struct iso_entry *out);

/* The same walk kept open between entries (its sector stays loaded):
 * for callers that want many entries at once, like NFS READDIR. The
 * cursor holds no resources; the volume must outlive it. */
struct iso_cursor {
	/* private to iso9660.c */
	const struct iso_volume *v;
	uint64_t base, size, off, loaded;
	uint8_t buf[ISO_BLOCK];
};

int iso_cursor_open(const struct iso_volume *v, const struct iso_entry *dir, uint64_t cookie,
		    struct iso_cursor *c);
/* As iso_readdir; *cookie is where the next entry starts. */
int iso_cursor_next(struct iso_cursor *c, struct iso_entry *out, uint64_t *cookie);

/* A symbolic link's target as recorded (never resolved, may point
 * anywhere); NUL-terminated in buf (size >= ISO_LINK_MAX + 1 for any). */
int iso_readlink(const struct iso_volume *v, const struct iso_entry *link, char *buf, size_t size);

/* Where a file's byte off lies in the image and how many bytes from
 * there are contiguous (for pread or sendfile); ISO_END at or past EOF. */
int iso_map(const struct iso_entry *file, uint64_t off, uint64_t *image_off, uint64_t *run);

/* Up to len bytes at off; *got = 0 at end of file. */
int iso_read(const struct iso_volume *v, const struct iso_entry *file, void *buf, size_t len,
	     uint64_t off, size_t *got);

/* Resolves a slash-separated path from the root without following
 * symbolic links ("" or "/" is the root; empty components are skipped,
 * "." and ".." are refused). */
int iso_lookup_path(const struct iso_volume *v, const char *path, struct iso_entry *out);

#endif
