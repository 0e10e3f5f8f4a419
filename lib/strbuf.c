#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bigmem.h"
#include "strbuf.h"

static bool sb_grow(struct strbuf *sb, size_t extra)
{
	size_t want, cap;
	char *p;

	if (sb->oom)
		return false;
	if (extra > (size_t)-1 / 2 - sb->len)
		goto fail;
	want = sb->len + extra + 1;
	if (want <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 256;
	while (cap < want)
		cap *= 2;
	p = big_reallocarray(sb->buf, cap, 1);
	if (!p)
		goto fail;
	sb->buf = p;
	sb->cap = cap;
	return true;
fail:
	sb->oom = true;
	return false;
}

void sb_addn(struct strbuf *sb, const char *s, size_t n)
{
	if (!sb_grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_add(struct strbuf *sb, const char *s)
{
	sb_addn(sb, s, strlen(s));
}

void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	size_t room = sb->cap > sb->len ? sb->cap - sb->len : 0;
	va_list copy;
	int n;

	if (sb->oom)
		return;
	/* Formatted once when it fits in the room there is (most calls),
	 * twice only when the buffer must grow. */
	va_copy(copy, ap);
	n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, copy);
	va_end(copy);
	if (n >= 0 && (size_t)n < room) {
		sb->len += (size_t)n;
		return;
	}
	if (room)
		sb->buf[sb->len] = '\0';	/* undo the truncated attempt */
	if (n < 0 || !sb_grow(sb, (size_t)n))
		return;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	*sb = (struct strbuf)STRBUF_INIT;
}

int read_text_file(const char *path, int open_flags, size_t max, struct strbuf *out)
{
	char chunk[65536];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | open_flags);

	if (fd < 0)
		return -1;
	sb_reset(out);
	/* A regular file of known size is read straight into one buffer:
	 * pxe-dhcpgen's inventory and manifest reach tens of MB. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size < max &&
	    sb_grow(out, (size_t)st.st_size + 1)) {
		while ((n = read(fd, out->buf + out->len, out->cap - out->len - 1)) > 0) {
			out->len += (size_t)n;
			if (out->len + 1 == out->cap)
				break;	/* it grew: the rest goes by chunks */
		}
		out->buf[out->len] = '\0';
		if (n < 0 || out->len > max) {
			close(fd);
			errno = n < 0 ? errno : EFBIG;
			return -1;
		}
	}
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (out->len + (size_t)n > max) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		sb_addn(out, chunk, (size_t)n);
	}
	close(fd);
	if (n < 0 || out->oom)
		return -1;
	sb_addn(out, "", 0);	/* a NUL even when empty */
	return 0;
}
