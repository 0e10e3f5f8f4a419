#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "log.h"
#include "upload.h"

/* The file at base in dirfd is the one opened, itself a regular file
 * (no symlink), with no other name, and ours. */
static int replaceable(int dirfd, const char *base, const struct stat *st)
{
	struct stat ls;

	return fstatat(dirfd, base, &ls, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(ls.st_mode) &&
	       ls.st_dev == st->st_dev && ls.st_ino == st->st_ino && ls.st_nlink == 1 &&
	       ls.st_uid == geteuid();
}

int upload_begin(struct upload *u, int dirfd, const char *base, const struct stat *st)
{
	unsigned tries;

	u->dirfd = -1;
	u->base = base;
	u->tmp[0] = '\0';
	if (!replaceable(dirfd, base, st))
		return -1;
	for (tries = 0; tries < 8; tries++) {
		unsigned r;
		int tfd;

		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
			r = (unsigned)getpid() * 2654435761u + tries;
		/* A dot file beside the name: same directory, same file
		 * system, so the rename is atomic. */
		if ((size_t)snprintf(u->tmp, sizeof(u->tmp), ".%s.%08x", base, r) >= sizeof(u->tmp))
			break;
		tfd = openat(dirfd, u->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			     0600);
		if (tfd >= 0) {
			if (fchmod(tfd, st->st_mode & 07777) < 0) {
				close(tfd);
				unlinkat(dirfd, u->tmp, 0);
				break;
			}
			u->dirfd = dirfd;
			return tfd;
		}
		if (errno != EEXIST)
			break;
	}
	u->tmp[0] = '\0';
	return -1;
}

int upload_commit(struct upload *u)
{
	if (u->dirfd < 0 || u->tmp[0] == '\0')
		return 0;
	if (renameat(u->dirfd, u->tmp, u->dirfd, u->base) < 0)
		return -1;
	u->tmp[0] = '\0';
	return 0;
}

void upload_abort(struct upload *u)
{
	if (u->dirfd < 0 || u->tmp[0] == '\0')
		return;
	if (unlinkat(u->dirfd, u->tmp, 0) < 0)
		logmsg(LOG_WARNING, "cannot remove %s: %m", u->tmp);
	u->tmp[0] = '\0';
}
