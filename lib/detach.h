/* Leaving the terminal and the session that started a daemon. in.tftpd
 * (tftpd-hpa's behaviour: with -s it stays in its directory, and
 * --stderr keeps stderr) and the NFS daemons (the root directory, all
 * three to /dev/null) differ only in these two choices. */
#ifndef PXEKIT_DETACH_H
#define PXEKIT_DETACH_H

#include <stdbool.h>

/* Forks, the parent exiting 0, and starts a new session; then chdir("/")
 * unless keep_cwd, and points stdin, stdout and (unless keep_stderr)
 * stderr at /dev/null. Returns false with errno set if it could not fork
 * or start the session (the caller is still attached then). */
bool detach_daemon(bool keep_cwd, bool keep_stderr);

/* Points descriptors first..2 at /dev/null, stderr left alone when
 * keep_stderr: nothing written to them may reach a socket or terminal
 * that inetd or a shell left there. */
void stdio_to_devnull(int first, bool keep_stderr);

#endif
