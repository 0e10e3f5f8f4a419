/* enolck.so: an LD_PRELOAD shim that makes every fcntl lock request
 * fail with ENOLCK, as on an NFS root without lockd; every other fcntl
 * goes to the kernel unchanged. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

static int shim(int fd, int cmd, va_list ap)
{
	void *arg = va_arg(ap, void *);

	if (cmd == F_SETLK || cmd == F_SETLKW || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW) {
		const struct flock *l = arg;

		if (l->l_type != F_UNLCK) {
			errno = ENOLCK;
			return -1;
		}
	}
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

int fcntl(int fd, int cmd, ...);
int fcntl64(int fd, int cmd, ...);

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	int rc;

	va_start(ap, cmd);
	rc = shim(fd, cmd, ap);
	va_end(ap);
	return rc;
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	int rc;

	va_start(ap, cmd);
	rc = shim(fd, cmd, ap);
	va_end(ap);
	return rc;
}
