/* Diagnostics about a configuration file, in the form compilers and
 * editors know: "FILE:LINE[:COL]: [KIND: ]MESSAGE". Every parser of a
 * file (exports, the remap file, pxekit.conf, image rules, image state)
 * formats its lines here, so an editor's jump-to-error works on all. */
#ifndef PXEKIT_DIAG_H
#define PXEKIT_DIAG_H

#include <stdarg.h>
#include <stddef.h>

/* lib/strbuf.h; declared only, so a file with a buffer of that name of
 * its own (tftpd/remap.c) can still format with diag_format. */
struct strbuf;

/* Where in a file: col 0 when only the line is known (it is left out). */
struct diag_pos {
	const char *file;
	unsigned line, col;
};

/* Appends one line, ending in '\n'. kind ("error", "warning") may be
 * NULL: then the message follows the position directly. */
void diag_add(struct strbuf *sb, struct diag_pos pos, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_vadd(struct strbuf *sb, struct diag_pos pos, const char *kind, const char *fmt,
	       va_list ap) __attribute__((format(printf, 4, 0)));

/* The same message, without the newline, into buf (truncated to fit, as
 * snprintf). Returns buf. */
char *diag_format(char *buf, size_t len, struct diag_pos pos, const char *kind,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
