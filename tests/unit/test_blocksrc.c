#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blocksrc.h"

/* A file of size bytes whose every byte tells its offset apart from its
 * neighbours', so a block from the wrong place never compares equal,
 * opened as a block source; file is the bytes it was written with. */
struct fixture {
	uint8_t *file;
	size_t size;
	unsigned blksize;
	int fd;
	struct blocksrc b;
};

static void fixture_open(struct fixture *f, size_t size, unsigned blksize, unsigned windowsize)
{
	f->fd = memfd_create("blocksrc", 0);
	f->file = malloc(size ? size : 1);
	f->size = size;
	f->blksize = blksize;
	assert_true(f->fd >= 0 && f->file != NULL);
	for (size_t i = 0; i < size; i++)
		f->file[i] = (uint8_t)(i * 7 + i / 251);
	assert_int_equal(write(f->fd, f->file, size), (ssize_t)size);
	assert_int_equal(blocksrc_open(&f->b, f->fd, TFTP_MODE_OCTET, size, blksize, windowsize,
				       "t"), 0);
}

static void fixture_close(struct fixture *f)
{
	blocksrc_close(&f->b);
	free(f->file);
	close(f->fd);
}

static void expect_block(const struct fixture *f, uint64_t block, const uint8_t *data,
			 size_t len)
{
	uint64_t off = (block - 1) * f->blksize;
	size_t want = off >= f->size ? 0 : f->size - off < f->blksize ? f->size - off : f->blksize;

	assert_int_equal(len, want);
	assert_memory_equal(data, f->file + off, len);
}

/* Serves a whole file as the transfer loop does: the window from base,
 * read-ahead after the send, then an ACK of acked[k] blocks (cycling;
 * 0 stands for a timeout, which resends the window as it stands). Every
 * block of every window must still hold its data when it is resent. */
static void serve(size_t size, unsigned blksize, unsigned windowsize, const unsigned *acked,
		  size_t nacked)
{
	struct fixture f;
	const uint8_t *data[64];
	size_t len[64];
	uint64_t base = 1, final;
	size_t k = 0, sent = 0;

	assert_true(windowsize <= 64);
	fixture_open(&f, size, blksize, windowsize);
	final = blocksrc_final(&f.b);
	assert_int_equal(final, size / blksize + 1);
	while (base <= final) {
		unsigned n = 0, ack;

		for (; n < windowsize && base + n <= final; n++)
			assert_int_equal(blocksrc_get(&f.b, base + n, &data[n], &len[n]), 0);
		assert_int_equal(blocksrc_prefetch(&f.b, base + n), 0);
		do {
			ack = acked[k++ % nacked];
			for (unsigned i = 0; i < n; i++)
				expect_block(&f, base + i, data[i], len[i]);
		} while (ack == 0);
		if (ack > n)
			ack = n;
		for (unsigned i = 0; i < ack; i++)
			sent += len[i];
		base += ack;
	}
	assert_int_equal(sent, size);
	fixture_close(&f);
}

static void test_lock_step(void **state)
{
	static const unsigned one[] = { 1, 0, 1, 1 };

	(void)state;
	serve(100 * 512 + 37, 512, 1, one, 4);
	serve(3 * 65464 + 1, 65464, 1, one, 4);
	serve(0, 1468, 1, one, 4);
}

static void test_windows_whole_and_partial(void **state)
{
	static const unsigned whole[] = { 64 };
	static const unsigned partial[] = { 3, 0, 1, 8, 0, 0, 5, 2 };

	(void)state;
	serve(1000 * 512 + 1, 512, 16, whole, 1);
	serve(1000 * 512 + 1, 512, 16, partial, 8);
	serve(300 * 1468, 1468, 4, partial, 8);	/* ends on an empty block */
	serve(40 * 8192 + 100, 8192, 64, partial, 8);
	serve(20 * 65464 + 5, 65464, 4, partial, 8);
	serve(20 * 65464 + 5, 65464, 64, whole, 1);
}

/* A block asked for again once its slot has been read into since comes
 * from the file, not from the slot. */
static void test_old_block_read_again(void **state)
{
	struct fixture f;
	const uint8_t *data;
	size_t len;

	(void)state;
	fixture_open(&f, 100 * 512, 512, 4);
	for (uint64_t block = 1; block <= 90; block++)
		assert_int_equal(blocksrc_get(&f.b, block, &data, &len), 0);
	for (uint64_t block = 1; block <= 90; block += 13) {
		assert_int_equal(blocksrc_get(&f.b, block, &data, &len), 0);
		expect_block(&f, block, data, len);
	}
	fixture_close(&f);
}

/* A file cut short under a transfer is an error, never zeros or stale
 * bytes sent as if they were the file. */
static void test_file_cut_short(void **state)
{
	struct fixture f;
	const uint8_t *data;
	size_t len;
	uint64_t block = 1;

	(void)state;
	fixture_open(&f, 200 * 1468, 1468, 4);
	assert_int_equal(blocksrc_get(&f.b, 1, &data, &len), 0);
	assert_int_equal(ftruncate(f.fd, 100 * 1468 + 10), 0);
	errno = 0;
	while (block <= blocksrc_final(&f.b) && blocksrc_get(&f.b, block, &data, &len) == 0) {
		assert_true(block <= 101);
		expect_block(&f, block, data, len);
		block++;
	}
	assert_true(block <= 101);
	assert_int_equal(errno, EIO);
	fixture_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_step),
		cmocka_unit_test(test_windows_whole_and_partial),
		cmocka_unit_test(test_old_block_read_again),
		cmocka_unit_test(test_file_cut_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
