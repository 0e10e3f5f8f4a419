/* nfs-helper/isofs: the name indexes pxe-nfsd builds for LOOKUP in big
 * directories of an exported image, on images written here record by
 * record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isofs.h"

#define B ISO_BLOCK

static void both32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
		p[7 - i] = (uint8_t)(v >> (8 * i));
	}
}

static void both16(uint8_t *p, uint16_t v)
{
	p[0] = p[3] = (uint8_t)v;
	p[1] = p[2] = (uint8_t)(v >> 8);
}

static size_t rec(uint8_t *p, uint32_t block, uint32_t size, uint8_t flags, const char *fi,
		  size_t fi_len)
{
	size_t len = 33 + fi_len + !(fi_len & 1);

	memset(p, 0, len);
	p[0] = (uint8_t)len;
	both32(p + 2, block);
	both32(p + 10, size);
	p[18] = 123;
	p[19] = 2;
	p[20] = 11;
	p[25] = flags;
	both16(p + 28, 1);
	p[32] = (uint8_t)fi_len;
	memcpy(p + 33, fi, fi_len);
	return len;
}

/* A plain image whose root (block 18) is dir_sectors long and holds one
 * empty file, A, in its first sector: the rest is padding. */
static char *write_image(unsigned dir_sectors)
{
	static char path[] = "/tmp/pxekit-isofs.XXXXXX";
	size_t nsec = 18 + dir_sectors, o;
	uint8_t *im = calloc(nsec, B), *pvd = im + 16 * B, *term = im + 17 * B, *root;
	int fd = mkstemp(path);

	assert_non_null(im);
	assert_true(fd >= 0);
	pvd[0] = 1;
	memcpy(pvd + 1, "CD001", 5);
	pvd[6] = 1;
	memcpy(pvd + 40, "TESTVOL                         ", 32);
	both32(pvd + 80, (uint32_t)nsec);
	both16(pvd + 128, B);
	rec(pvd + 156, 18, dir_sectors * B, 2, "\0", 1);
	term[0] = 255;
	memcpy(term + 1, "CD001", 5);
	term[6] = 1;
	root = im + 18 * B;
	o = rec(root, 18, dir_sectors * B, 2, "\0", 1);
	o += rec(root + o, 18, dir_sectors * B, 2, "\1", 1);
	rec(root + o, 0, 0, 0, "A.;1", 4);
	assert_int_equal(write(fd, im, nsec * B), (ssize_t)(nsec * B));
	close(fd);
	free(im);
	return path;
}

/* The index holds what the directory names, not what its size could: a
 * 1 MiB directory of one name and padding kept 30 000 slots (360 KB)
 * per directory, up to 64 such per image. */
static void test_an_index_holds_only_the_names_found(void **state)
{
	char *path = write_image(512);
	struct isofs *fs = isofs_open(path);
	struct iso_entry e;

	(void)state;
	assert_non_null(fs);
	assert_true(isofs_refresh(fs));
	assert_true(fs->root.size >= ISOFS_INDEX_MIN_BYTES);
	assert_int_equal(isofs_lookup(fs, &fs->root, "a", &e), ISO_OK);
	assert_string_equal(e.name, "a");
	assert_int_equal(isofs_lookup(fs, &fs->root, "b", &e), ISO_E_NOENT);
	assert_int_equal(fs->nidx, 1);
	assert_int_equal(fs->indexed_names, 1);
	assert_true(fs->index_bytes < 256);
	isofs_free(fs);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_index_holds_only_the_names_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
