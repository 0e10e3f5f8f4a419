/* Trees detection reads (struct image_tree): a directory, or an ISO
 * image read through lib/iso9660. The I/O shell around detect.c. */
#ifndef PXEKIT_IMAGE_TREE_H
#define PXEKIT_IMAGE_TREE_H

#include "detect.h"
#include "iso9660.h"
#include "sha256.h"

struct dir_tree {
	int root;
};

/* 0, or -1 with errno. */
int dir_tree_open(struct dir_tree *d, const char *path, struct image_tree *t);
void dir_tree_close(struct dir_tree *d);

struct iso_tree {
	int fd;
	struct iso_volume v;
	struct iso_entry e;	/* scratch: entries and cursors are large */
	struct iso_cursor cursor;
};

/* 0; -errno when the file cannot be opened; an enum iso_status when it
 * is not a readable ISO image (iso_strerror says why). */
int iso_tree_open(struct iso_tree *it, const char *path, struct image_tree *t);
void iso_tree_close(struct iso_tree *it);

/* Copying one regular file out of a tree: every byte goes into sum and,
 * when out >= 0, to out; progress (if set) hears bytes done and the total.
 * The bytes copied, or -1 with errno. */
struct tree_copy {
	int out;
	struct sha256 *sum;
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *arg;
};
int64_t dir_tree_copy(struct dir_tree *d, const char *path, const struct tree_copy *c);
int64_t iso_tree_copy(struct iso_tree *it, const char *path, const struct tree_copy *c);
/* A whole open file (checksumming what was written). */
int64_t fd_copy(int fd, const struct tree_copy *c);

#endif
