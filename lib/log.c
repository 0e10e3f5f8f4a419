#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *log_name = "pxekit";
static enum log_target log_where = LOG_TO_STDERR;

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
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	const unsigned char *p;
	char *out, *o;

	for (p = (const unsigned char *)s; *p; p++)
		n += *p < 0x20 || *p == 0x7f ? 4 : 1;
	out = o = malloc(n + 1);
	if (out == NULL)
		return NULL;
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			*o++ = (char)*p;
			continue;
		}
		*o++ = '\\';
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			*o++ = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
			continue;
		}
		*o++ = 'x';
		*o++ = hex[*p >> 4];
		*o++ = hex[*p & 15];
	}
	*o = '\0';
	return out;
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
