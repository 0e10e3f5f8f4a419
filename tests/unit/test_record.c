#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "byteorder.h"
#include "record.h"

static void feed(struct rm_reader *r, const unsigned char *p, size_t n)
{
	while (n) {
		size_t room;
		unsigned char *dst = rm_space(r, &room);

		assert_non_null(dst);
		if (room > n)
			room = n;
		memcpy(dst, p, room);
		rm_received(r, room);
		p += room;
		n -= room;
	}
}

static size_t frag(unsigned char *p, const char *data, size_t len, bool last)
{
	put_be32(p, (uint32_t)len | (last ? RM_LAST : 0));
	memcpy(p + 4, data, len);
	return 4 + len;
}

static void test_one_fragment_is_one_record(void **state)
{
	struct rm_reader r;
	unsigned char buf[64];
	const unsigned char *msg;
	size_t len, n = frag(buf, "hello", 5, true);

	(void)state;
	rm_init(&r, 1024);
	feed(&r, buf, n - 1);
	assert_int_equal(rm_next(&r, &msg, &len), RM_MORE);
	feed(&r, buf + n - 1, 1);
	assert_int_equal(rm_next(&r, &msg, &len), RM_RECORD);
	assert_int_equal(len, 5);
	assert_memory_equal(msg, "hello", 5);
	assert_int_equal(rm_next(&r, &msg, &len), RM_MORE);
	rm_compact(&r);
	assert_false(rm_pending(&r));
	rm_free(&r);
}

/* RFC 5531 allows empty fragments; the first one starts a record with
 * nothing buffered yet (no copy from or to a null pointer). */
static void test_empty_fragments_are_joined(void **state)
{
	struct rm_reader r;
	unsigned char buf[64];
	const unsigned char *msg;
	size_t len, n = 0;

	(void)state;
	rm_init(&r, 1024);
	n += frag(buf + n, "", 0, false);
	n += frag(buf + n, "ab", 2, false);
	n += frag(buf + n, "", 0, false);
	n += frag(buf + n, "cd", 2, true);
	n += frag(buf + n, "", 0, true);
	feed(&r, buf, n);
	assert_int_equal(rm_next(&r, &msg, &len), RM_RECORD);
	assert_int_equal(len, 4);
	assert_memory_equal(msg, "abcd", 4);
	assert_int_equal(rm_next(&r, &msg, &len), RM_RECORD);
	assert_int_equal(len, 0);
	assert_int_equal(rm_next(&r, &msg, &len), RM_MORE);
	rm_free(&r);
}

static void test_too_big_before_buffering_it(void **state)
{
	struct rm_reader r;
	unsigned char buf[8];
	const unsigned char *msg;
	size_t len;

	(void)state;
	rm_init(&r, 1024);
	put_be32(buf, 1025 | RM_LAST);
	feed(&r, buf, 4);
	assert_int_equal(rm_next(&r, &msg, &len), RM_TOO_BIG);
	rm_free(&r);
	/* several fragments adding up to too much */
	rm_init(&r, 1024);
	for (int i = 0; i < 3; i++) {
		static unsigned char f[4 + 500];

		put_be32(f, 500);
		feed(&r, f, sizeof f);
	}
	assert_int_equal(rm_next(&r, &msg, &len), RM_TOO_BIG);
	rm_free(&r);
}

/* A reader asks for no more memory than the fragment it reads needs, and
 * gives a big buffer back once the record is taken. */
static void test_memory_follows_the_fragment(void **state)
{
	static unsigned char big[4 + 100000];
	struct rm_reader r;
	const unsigned char *msg;
	size_t len;

	(void)state;
	rm_init(&r, 200000);
	put_be32(big, 100000 | RM_LAST);
	feed(&r, big, 4);
	assert_int_equal(rm_next(&r, &msg, &len), RM_MORE);
	assert_true(rm_growth(&r) + rm_held(&r) < 2 * (4 + 100000));
	feed(&r, big + 4, 100000);
	assert_int_equal(rm_next(&r, &msg, &len), RM_RECORD);
	assert_int_equal(len, 100000);
	rm_compact(&r);
	assert_int_equal(rm_held(&r), 0);
	rm_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_fragment_is_one_record),
		cmocka_unit_test(test_empty_fragments_are_joined),
		cmocka_unit_test(test_too_big_before_buffering_it),
		cmocka_unit_test(test_memory_follows_the_fragment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
