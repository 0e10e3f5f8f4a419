/* A growable text buffer for code that renders files in memory before
 * deciding whether to write them (pxe-dhcpgen's emitters, diagnostics). */
#ifndef PXEKIT_STRBUF_H
#define PXEKIT_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;	/* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	bool oom;	/* an allocation failed; the text is incomplete */
};

#define STRBUF_INIT { NULL, 0, 0, false }

void sb_add(struct strbuf *sb, const char *s);
void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The text so far ("" when empty); valid until the next add. */
const char *sb_str(const struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);

/* The whole file into *out (open(2) flags added to O_RDONLY); -1 with
 * errno: ENOENT when missing, EFBIG when over max bytes. */
int read_text_file(const char *path, int open_flags, size_t max, struct strbuf *out);

#endif
