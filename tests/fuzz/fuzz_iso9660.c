/* libFuzzer target: lib/iso9660 over any image. The input is the image
 * from sector 16 on (the 32 KiB system area before it is zeroes), so
 * mutations land on descriptors and directories; every entry reachable
 * from the root is looked up, fetched by id, read and linked back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "iso9660.h"

#define SYSTEM_AREA (16u * ISO_BLOCK)
#define MAX_VISITS 2000

struct image {
	const uint8_t *data;
	size_t size;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int image_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct image *im = ctx;
	uint8_t *p = buf;

	if (off > SYSTEM_AREA + im->size || len > SYSTEM_AREA + im->size - off)
		abort();	/* the reader promised never to ask */
	for (size_t i = 0; i < len; i++) {
		uint64_t at = off + i;

		p[i] = at < SYSTEM_AREA ? 0 : im->data[at - SYSTEM_AREA];
	}
	return 0;
}

static void visit(const struct iso_volume *v, const struct iso_entry *dir, int depth, int *visits)
{
	struct iso_entry *e = malloc(sizeof(*e)), *o = malloc(sizeof(*o));
	uint64_t cookie = 0;

	if (e == NULL || o == NULL || depth > 16)
		goto out;
	iso_parent(v, dir, o);
	while (++*visits < MAX_VISITS && iso_readdir(v, dir, &cookie, e) == ISO_OK) {
		char buf[ISO_LINK_MAX + 1];
		uint64_t at, run, c2 = cookie;
		size_t got;

		if (e->error != ISO_OK)
			continue;
		iso_lookup(v, dir, e->name, o);
		iso_get(v, e->id, o);
		iso_readdir(v, dir, &c2, o);
		if (S_ISLNK(e->mode))
			iso_readlink(v, e, buf, sizeof(buf));
		if (S_ISREG(e->mode)) {
			iso_read(v, e, buf, 64, 0, &got);
			if (e->size > 64)
				iso_read(v, e, buf, 64, e->size - 32, &got);
			iso_map(e, e->size / 2, &at, &run);
		}
		if (S_ISDIR(e->mode))
			visit(v, e, depth + 1, visits);
	}
out:
	free(e);
	free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image im = { data, size };
	struct iso_source src = { image_read, &im, SYSTEM_AREA + size };
	struct iso_volume v;
	struct iso_entry root;
	int visits = 0;

	if (iso_open(&v, &src) != ISO_OK || iso_root(&v, &root) != ISO_OK)
		return 0;
	visit(&v, &root, 0, &visits);
	{
		struct iso_cursor *c = malloc(sizeof(*c));
		struct iso_entry *e = malloc(sizeof(*e));
		uint64_t cookie = 0;

		if (c != NULL && e != NULL && iso_root(&v, &root) == ISO_OK &&
		    iso_cursor_open(&v, &root, 0, c) == ISO_OK)
			for (int n = 0; n < MAX_VISITS && iso_cursor_next(c, e, &cookie) == ISO_OK; n++)
				;
		free(c);
		free(e);
	}
	iso_lookup_path(&v, "a/b/c", &root);
	iso_get(&v, (uint64_t)v.root_block * ISO_BLOCK + 34, &root);
	return 0;
}
