/* Trees detection reads (struct image_tree): a directory, or an ISO
 * image read through lib/iso9660. The I/O shell around detect.c. */
#ifndef PXEKIT_IMAGE_TREE_H
#define PXEKIT_IMAGE_TREE_H

#include "detect.h"
#include "iso9660.h"

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

#endif
