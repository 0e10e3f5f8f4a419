#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "pidfile.h"
#include "strnum.h"

bool pidfile_write(const char *path)
{
	char text[32];
	int len = snprintf(text, sizeof text, "%ld\n", (long)getpid());
	/* O_NOFOLLOW: a link planted in place of the file is not followed. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0) {
		logmsg(LOG_ERR, "cannot write pid file %s: %m", path);
		return false;
	}
	/* 0644 whatever the umask: others may read which process it is. */
	if (fchmod(fd, 0644) < 0 || write_all(fd, text, (size_t)len) < 0 || close(fd) < 0) {
		logmsg(LOG_ERR, "cannot write pid file %s: %m", path);
		return false;
	}
	return true;
}

void pidfile_remove(const char *path)
{
	if (unlink(path) == 0 || errno == ENOENT)
		return;
	/* A daemon that dropped its privileges cannot unlink from a
	 * root-owned /run, but was handed the file: an empty one reads as
	 * "not running" (pidfile_read). */
	if ((errno == EACCES || errno == EPERM) && truncate(path, 0) == 0)
		return;
	logmsg(LOG_WARNING, "cannot remove pid file %s: %m", path);
}

pid_t pidfile_read(const char *path)
{
	char text[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;
	uintmax_t pid;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n < 0)
		return -1;
	text[n] = '\0';
	text[strcspn(text, "\n")] = '\0';
	if (text[0] == '\0')
		return 0;	/* emptied by a daemon that could not unlink it */
	/* 1 is init: never a daemon of ours, never to be signalled. */
	if (!parse_uint(text, 2, INT32_MAX, &pid)) {
		errno = EINVAL;
		return -1;
	}
	return (pid_t)pid;
}

static bool read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

bool pid_runs_program(pid_t pid, const char *name)
{
	char proc[64], exe[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(proc, sizeof proc, "/proc/%ld/exe", (long)pid);
	n = readlink(proc, exe, sizeof exe - 1);
	if (n >= 0) {
		static const char deleted[] = " (deleted)";	/* upgraded binary */
		size_t dl = sizeof deleted - 1;

		exe[n] = '\0';
		if ((size_t)n > dl && strcmp(exe + n - dl, deleted) == 0)
			exe[n - dl] = '\0';
		base = strrchr(exe, '/');
		return strcmp(base ? base + 1 : exe, name) == 0;
	}
	if (errno != EACCES && errno != EPERM)
		return false;
	snprintf(proc, sizeof proc, "/proc/%ld/comm", (long)pid);
	/* comm is the first 15 bytes of the name. */
	return read_small(proc, exe, sizeof exe) && strncmp(exe, name, 15) == 0 &&
	       (strlen(name) > 15 || strcmp(exe, name) == 0);
}
