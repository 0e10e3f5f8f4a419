/* One logging module for every pxekit daemon: stderr until the program
 * detaches (or when asked to stay there), syslog afterwards. */
#ifndef PXEKIT_LOG_H
#define PXEKIT_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG, LOG_TO_BOTH };

void log_open(const char *progname, enum log_target target, int facility);
void log_set_target(enum log_target target);
const char *log_progname(void);

/* How much more than notices and errors a program logs: 0 by default,
 * raised by in.tftpd's -v (repeatable) and --verbosity N and by the NFS
 * daemons' -d (1: every call). A fork inherits it, so in.tftpd's
 * transfers need no copy of their own. */
void log_set_verbosity(int level);
/* Whether lines of this level are wanted (verbosity >= level). */
bool log_verbose(int level);


/* All of these keep errno as the caller had it, so "%m" works. */
void logmsg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vlogmsg(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void fatal(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Bytes from the network made safe for one log line: printable ASCII
 * stays, a backslash doubles, anything else (control characters that
 * would forge a line, bytes of other encodings) is written \xHH. Stops at
 * len or a NUL; an escaped text that does not fit ends in "...". Returns
 * buf. */
#define LOG_ESCAPE_MAX 1024
const char *log_escape_bytes(const char *s, size_t len, char *buf, size_t buflen);
/* The same, whole, in a malloc'd copy (NULL if out of memory). */
char *log_escape(const char *s);

#endif
