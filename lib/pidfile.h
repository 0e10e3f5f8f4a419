/* Pid files: written by the daemons, read by the tools that signal them
 * (pxe-exportfs -r), which must never signal a process that is not the
 * daemon the file names. */
#ifndef PXEKIT_PIDFILE_H
#define PXEKIT_PIDFILE_H

#include <stdbool.h>
#include <sys/types.h>

/* Writes the caller's process ID; logs and returns false on failure. */
bool pidfile_write(const char *path);
/* Removes it, or empties it when the caller may no longer unlink it (a
 * daemon after its privilege drop); a file already gone is not an error. */
void pidfile_remove(const char *path);

/* The process ID in the file: > 0, or 0 when the file does not exist or
 * is empty, or -1 with errno set (EINVAL: it holds no process ID). */
pid_t pidfile_read(const char *path);

/* Whether process pid runs the program called name: the last component
 * of /proc/PID/exe, or its comm when exe cannot be read (another user's
 * process, for a caller without CAP_SYS_PTRACE). */
bool pid_runs_program(pid_t pid, const char *name);

#endif
