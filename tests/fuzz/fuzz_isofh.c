/* libFuzzer target: what pxe-nfsd does with an ISO handle from the
 * network (fhandle.c's version 2 decoder) and with the record id inside
 * it, against any image: the first 26 bytes are the handle, the rest is
 * the image from sector 16 on. The record id is used even when the check
 * fails (a client can compute good checks), and every name found is
 * looked up through isofs's name index. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fhandle.h"
#include "isofs.h"

#define SYSTEM_AREA (16u * ISO_BLOCK)

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

static void use_entry(struct isofs *fs, const struct iso_entry *e)
{
	struct iso_entry *o = malloc(sizeof(*o));
	struct iso_cursor *c = malloc(sizeof(*c));
	uint64_t cookie = 0, at, run;
	char buf[ISO_LINK_MAX + 1];
	size_t got;
	int n = 0;

	if (o == NULL || c == NULL)
		goto out;
	if (S_ISREG(e->mode)) {
		iso_read(&fs->vol, e, buf, 64, 0, &got);
		if (iso_map(e, 0, &at, &run) == ISO_OK && (at >= fs->vol.src.size ||
							   run > fs->vol.src.size - at))
			abort();	/* sendfile would leave the image */
	}
	if (S_ISLNK(e->mode))
		iso_readlink(&fs->vol, e, buf, sizeof(buf));
	if (!S_ISDIR(e->mode) || iso_cursor_open(&fs->vol, e, 0, c) != ISO_OK)
		goto out;
	while (n++ < 500 && iso_cursor_next(c, o, &cookie) == ISO_OK) {
		struct iso_entry *f = malloc(sizeof(*f));

		if (f == NULL)
			break;
		if (o->error == ISO_OK && isofs_lookup(fs, e, o->name, f) == ISO_OK &&
		    (f->id != o->id || strcmp(f->name, o->name) != 0))
			abort();	/* the index gave another entry */
		free(f);
	}
out:
	free(o);
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image im;
	struct iso_source src = { image_read, &im, 0 };
	struct isofs *fs;
	struct fh_iso h;
	struct iso_entry *e;
	unsigned char wire[FH_SIZE_MAX];
	uint64_t record = 0;

	if (size < FH_ISO_SIZE)
		return 0;
	if (fh_iso_decode(data, FH_ISO_SIZE, &h) == FH_OK &&
	    (fh_iso_encode(&h, wire) != FH_ISO_SIZE || memcmp(wire, data, FH_ISO_SIZE) != 0))
		abort();	/* decode accepted what encode would not write */
	for (int i = 10; i < 18; i++)
		record = record << 8 | data[i];
	im.data = data + FH_ISO_SIZE;
	im.size = size - FH_ISO_SIZE;
	src.size = SYSTEM_AREA + im.size;
	fs = calloc(1, sizeof(*fs));
	e = malloc(sizeof(*e));
	if (fs == NULL || e == NULL)
		goto out;
	fs->fd = -1;
	if (iso_open(&fs->vol, &src) != ISO_OK || iso_root(&fs->vol, &fs->root) != ISO_OK)
		goto out;
	isofs_image_id(&fs->vol, &fs->image_id);
	use_entry(fs, &fs->root);
	if (isofs_get(fs, record, e) == ISO_OK && e->error == ISO_OK)
		use_entry(fs, e);
out:
	isofs_free(fs);
	free(e);
	return 0;
}
