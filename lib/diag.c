#include "config.h"

#include <stdio.h>

#include "diag.h"
#include "strbuf.h"

static void add_prefix(struct strbuf *sb, struct diag_pos pos, const char *kind)
{
	sb_addf(sb, "%s:%u", pos.file ? pos.file : "-", pos.line);
	if (pos.col)
		sb_addf(sb, ":%u", pos.col);
	sb_add(sb, ": ");
	if (kind)
		sb_addf(sb, "%s: ", kind);
}

void diag_vadd(struct strbuf *sb, struct diag_pos pos, const char *kind, const char *fmt,
	       va_list ap)
{
	add_prefix(sb, pos, kind);
	sb_vaddf(sb, fmt, ap);
	sb_add(sb, "\n");
}

void diag_add(struct strbuf *sb, struct diag_pos pos, const char *kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(sb, pos, kind, fmt, ap);
	va_end(ap);
}

char *diag_format(char *buf, size_t len, struct diag_pos pos, const char *kind,
		  const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (len == 0)
		return buf;
	add_prefix(&sb, pos, kind);
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	/* Out of memory: the message alone is better than nothing. */
	if (sb.oom || sb.buf == NULL) {
		va_start(ap, fmt);
		vsnprintf(buf, len, fmt, ap);
		va_end(ap);
	} else {
		snprintf(buf, len, "%s", sb.buf);
	}
	sb_free(&sb);
	return buf;
}
