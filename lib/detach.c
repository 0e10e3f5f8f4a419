#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "detach.h"

void stdio_to_devnull(int first, bool keep_stderr)
{
	int fd, devnull = open("/dev/null", O_RDWR);

	if (devnull < 0)
		return;
	for (fd = first; fd <= 2; fd++)
		if (fd != 2 || !keep_stderr)
			dup2(devnull, fd);
	if (devnull > 2)
		close(devnull);
}

bool detach_daemon(bool keep_cwd, bool keep_stderr)
{
	/* daemon(3) closes nothing itself here: which descriptors go to
	 * /dev/null is ours to say. */
	if (daemon(keep_cwd, 1) < 0)
		return false;
	stdio_to_devnull(0, keep_stderr);
	return true;
}
