#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *log_name = "pxekit";
static enum log_target log_where = LOG_TO_STDERR;
static int log_verbosity;

void log_open(const char *progname, enum log_target target, int facility)
{
	const char *slash = strrchr(progname, '/');

	log_name = slash ? slash + 1 : progname;
	log_where = target;
	/* LOG_NDELAY connects /dev/log now, before any chroot hides it. */
	openlog(log_name, LOG_PID | LOG_NDELAY, facility);
}

void log_set_target(enum log_target target)
{
	log_where = target;
}

const char *log_progname(void)
{
	return log_name;
}

void log_set_verbosity(int level)
{
	log_verbosity = level;
}

bool log_verbose(int level)
{
	return log_verbosity >= level;
}

void vlogmsg(int prio, const char *fmt, va_list ap)
{
	int saved_errno = errno;

	if (log_where != LOG_TO_STDERR) {
		va_list copy;

		va_copy(copy, ap);
		errno = saved_errno;
		vsyslog(prio, fmt, copy);
		va_end(copy);
	}
	if (log_where != LOG_TO_SYSLOG) {
		fprintf(stderr, "%s: ", log_name);
		errno = saved_errno;
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	errno = saved_errno;
}

void logmsg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(prio, fmt, ap);
	va_end(ap);
}

void fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(status);
}

char *log_escape(const char *s)
{
	size_t len = strlen(s), size = 4 * len + 5;	/* room for every byte as \xHH */
	char *out = malloc(size);

	return out ? (char *)log_escape_bytes(s, len, out, size) : NULL;
}

const char *log_escape_bytes(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t o = 0;

	if (buflen < 5) {
		if (buflen)
			*buf = '\0';
		return buf;
	}
	for (size_t i = 0; i < len && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		char one[5];
		size_t n;

		if (c == '\\')
			n = (size_t)snprintf(one, sizeof one, "\\\\");
		else if (c >= 0x20 && c < 0x7f)
			n = (size_t)snprintf(one, sizeof one, "%c", c);
		else
			n = (size_t)snprintf(one, sizeof one, "\\x%02x", c);
		if (o + n + 4 > buflen) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		memcpy(buf + o, one, n);
		o += n;
	}
	buf[o] = '\0';
	return buf;
}
