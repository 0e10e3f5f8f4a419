#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "handle_key.h"
#include "log.h"

static bool read_key(const char *path, struct fh_key *key)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		fatal(EX_CONFIG, "handle key %s is not a regular file", path);
	if (st.st_mode & 077)
		fatal(EX_CONFIG, "handle key %s is readable by others (mode %o): "
		      "chmod 600 it", path, st.st_mode & 0777);
	n = read(fd, key->k, sizeof key->k);
	close(fd);
	if (n != (ssize_t)sizeof key->k)
		fatal(EX_CONFIG, "handle key %s is not %zu bytes", path, sizeof key->k);
	return true;
}

/* The state directory and any missing parent (a fresh prefix has no
 * PREFIX/var/lib), mode 0755 as Debian's /var/lib. */
static void make_dirs(const char *dir)
{
	char path[PATH_MAX];
	size_t len = (size_t)snprintf(path, sizeof path, "%s", dir);

	/* Each prefix ending at a '/' or at the end, shortest first. */
	for (size_t i = 1; i <= len && i < sizeof path; i++) {
		char saved = path[i];

		if (saved != '/' && saved != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fatal(EX_CANTCREAT, "cannot create %s: %m", path);
		path[i] = saved;
	}
}

/* Written to a temporary file and linked into place, so the other daemon
 * starting at the same moment reads either no key or the whole one. */
void load_key(const char *path, struct fh_key *key)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	char *slash;
	bool created;
	int fd;

	if (read_key(path, key))
		return;
	if (errno != ENOENT)
		fatal(EX_CONFIG, "cannot read handle key %s: %m", path);
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		make_dirs(dir);
	}
	if (getrandom(key->k, sizeof key->k, 0) != (ssize_t)sizeof key->k)
		fatal(EX_OSERR, "getrandom: %m");
	snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		fatal(EX_CANTCREAT, "cannot create handle key %s: %m", tmp);
	if (write(fd, key->k, sizeof key->k) != (ssize_t)sizeof key->k || fsync(fd) < 0)
		fatal(EX_IOERR, "cannot write handle key %s: %m", tmp);
	close(fd);
	created = link(tmp, path) == 0;
	if (!created && errno != EEXIST)
		fatal(EX_CANTCREAT, "cannot create handle key %s: %m", path);
	unlink(tmp);
	if (!read_key(path, key))
		fatal(EX_CONFIG, "cannot read handle key %s: %m", path);
	if (created)
		logmsg(LOG_NOTICE, "created the file handle key %s", path);
}

bool key_file_changed(const char *path, const struct fh_key *key)
{
	struct fh_key now;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	bool changed;

	if (fd < 0)
		return errno == ENOENT;
	changed = read(fd, now.k, sizeof now.k) != (ssize_t)sizeof now.k ||
		  memcmp(now.k, key->k, sizeof now.k) != 0;
	close(fd);
	return changed;
}
