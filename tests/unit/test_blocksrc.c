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
 * neighbours', so a block from the wrong place never compares equal. */
static int pattern_file(size_t size, uint8_t **copy)
{
	int fd = memfd_create("blocksrc", 0);
	uint8_t *p = malloc(size ? size : 1);

	assert_true(fd >= 0 && p != NULL);
	for (size_t i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 7 + i / 251);
	assert_int_equal(write(fd, p, size), (ssize_t)size);
	*copy = p;
	return fd;
}

static void expect_block(const uint8_t *file, size_t size, unsigned blksize, uint64_t block,
			 const uint8_t *data, size_t len)
{
	uint64_t off = (block - 1) * blksize;
	size_t want = off >= size ? 0 : size - off < blksize ? size - off : blksize;

	assert_int_equal(len, want);
	assert_memory_equal(data, file + off, len);
}

/* Serves a whole file as the transfer loop does: the window from base,
 * read-ahead after the send, then an ACK of acked[k] blocks (cycling;
 * 0 stands for a timeout, which resends the window as it stands). Every
 * block of every window must still hold its data when it is resent. */
static void serve(size_t size, unsigned blksize, unsigned windowsize, const unsigned *acked,
		  size_t nacked)
{
	uint8_t *file;
	int fd = pattern_file(size, &file);
	struct blocksrc b;
	const uint8_t *data[64];
	size_t len[64];
	uint64_t base = 1, final;
	size_t k = 0, sent = 0;

	assert_true(windowsize <= 64);
	assert_int_equal(blocksrc_open(&b, fd, TFTP_MODE_OCTET, size, blksize, windowsize, "t"), 0);
	final = blocksrc_final(&b);
	assert_int_equal(final, size / blksize + 1);
	while (base <= final) {
		unsigned n = 0, ack;

		for (; n < windowsize && base + n <= final; n++)
			assert_int_equal(blocksrc_get(&b, base + n, &data[n], &len[n]), 0);
		assert_int_equal(blocksrc_prefetch(&b, base + n), 0);
		do {
			ack = acked[k++ % nacked];
			for (unsigned i = 0; i < n; i++)
				expect_block(file, size, blksize, base + i, data[i], len[i]);
		} while (ack == 0);
		if (ack > n)
			ack = n;
		for (unsigned i = 0; i < ack; i++)
			sent += len[i];
		base += ack;
	}
	assert_int_equal(sent, size);
	blocksrc_close(&b);
	free(file);
	close(fd);
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
	uint8_t *file;
	size_t size = 100 * 512;
	int fd = pattern_file(size, &file);
	struct blocksrc b;
	const uint8_t *data;
	size_t len;

	(void)state;
	assert_int_equal(blocksrc_open(&b, fd, TFTP_MODE_OCTET, size, 512, 4, "t"), 0);
	for (uint64_t block = 1; block <= 90; block++)
		assert_int_equal(blocksrc_get(&b, block, &data, &len), 0);
	for (uint64_t block = 1; block <= 90; block += 13) {
		assert_int_equal(blocksrc_get(&b, block, &data, &len), 0);
		expect_block(file, size, 512, block, data, len);
	}
	blocksrc_close(&b);
	free(file);
	close(fd);
}

/* A file cut short under a transfer is an error, never zeros or stale
 * bytes sent as if they were the file. */
static void test_file_cut_short(void **state)
{
	uint8_t *file;
	size_t size = 200 * 1468;
	int fd = pattern_file(size, &file);
	struct blocksrc b;
	const uint8_t *data;
	size_t len;
	uint64_t block = 1;

	(void)state;
	assert_int_equal(blocksrc_open(&b, fd, TFTP_MODE_OCTET, size, 1468, 4, "t"), 0);
	assert_int_equal(blocksrc_get(&b, 1, &data, &len), 0);
	assert_int_equal(ftruncate(fd, 100 * 1468 + 10), 0);
	errno = 0;
	while (block <= blocksrc_final(&b) && blocksrc_get(&b, block, &data, &len) == 0) {
		assert_true(block <= 101);
		expect_block(file, size, 1468, block, data, len);
		block++;
	}
	assert_true(block <= 101);
	assert_int_equal(errno, EIO);
	blocksrc_close(&b);
	free(file);
	close(fd);
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
