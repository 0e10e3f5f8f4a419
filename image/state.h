/* The per-image state file pxe-image keeps (NAME.state in the state
 * directory): what was detected and decided, as "key: value" lines (the
 * same lines "show" prints), and one "file: SHA256 SIZE PATH" line per
 * file "add" made. "remove" deletes only those files, and only while
 * their checksum still matches; so the file is parsed as untrusted: an
 * edited or damaged state file must not make remove touch anything else. */
#ifndef PXEKIT_IMAGE_STATE_H
#define PXEKIT_IMAGE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define STATE_MAX_LINES 4096
#define STATE_VALUE_MAX 4096
#define STATE_FILE_MAX (1u << 20)

struct state_file {
	char sha256[65];
	uint64_t size;
	char *path;	/* absolute, no "." or ".." component, no control characters */
};

struct image_state {
	size_t n;		/* key: value pairs in file order, files excluded */
	char **key, **value;
	size_t nfiles;
	struct state_file *file;
};

/* Parses text[0..len); errors "source:line: error: ..." go to diag and
 * make it false (st is then empty). */
bool image_state_parse(const char *text, size_t len, const char *source, struct image_state *st,
		       struct strbuf *diag);
/* The first value of key, or "" */
const char *image_state_get(const struct image_state *st, const char *key);
void image_state_free(struct image_state *st);
/* A path remove may delete: absolute, no empty, "." or ".." component. */
bool image_state_path_ok(const char *path);

#endif
