/* libFuzzer target: pxe-image's state file parser. remove deletes the
 * files a state file lists, so whatever the bytes, every path that comes
 * out must be absolute with no "." or ".." component and no control
 * character, and every checksum 64 hex digits. */
#include <stdlib.h>
#include <string.h>

#include "state.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct image_state st;
	struct strbuf diag = STRBUF_INIT;

	if (image_state_parse((const char *)data, size, "fuzz", &st, &diag)) {
		for (size_t i = 0; i < st.nfiles; i++) {
			const char *p = st.file[i].path;

			if (p[0] != '/' || strstr(p, "/../") || strstr(p, "/./") || strstr(p, "//") ||
			    strlen(st.file[i].sha256) != 64 || !image_state_path_ok(p))
				abort();
			for (const char *c = p; *c; c++)
				if ((unsigned char)*c < ' ')
					abort();
			size_t n = strlen(p);
			if ((n >= 3 && !strcmp(p + n - 3, "/..")) || (n >= 2 && !strcmp(p + n - 2, "/.")))
				abort();
		}
		for (size_t i = 0; i < st.n; i++)
			(void)image_state_get(&st, st.key[i]);
		image_state_free(&st);
	}
	sb_free(&diag);
	return 0;
}
