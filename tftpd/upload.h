/* Where a WRQ's data goes: over an existing file, a temporary file beside
 * it that is renamed over the name once the last block is in, so an
 * upload that fails or is abandoned leaves the old file whole and no
 * reader ever sees half a file. */
#ifndef TFTPD_UPLOAD_H
#define TFTPD_UPLOAD_H

#include <limits.h>
#include <sys/stat.h>

struct upload {
	int dirfd;		/* the name's directory; -1: written in place */
	const char *base;	/* the name in it */
	char tmp[NAME_MAX + 1];	/* the temporary file, "" once renamed or gone */
};

/* st: the existing file as opened and checked, under the name base in
 * dirfd. Returns a descriptor on a new temporary file with the
 * file's mode, or -1 when the file is to be written in place: the file
 * is not a plain file of our own (another owner, another hard link, a
 * symbolic link: what tftpd-hpa keeps by writing in place), or the
 * directory cannot take a file. The caller keeps dirfd open. */
int upload_begin(struct upload *u, int dirfd, const char *base, const struct stat *st);

/* The temporary file, written and closed, replaces the name. */
int upload_commit(struct upload *u);

/* Removes the temporary file, if there is one. */
void upload_abort(struct upload *u);

#endif
