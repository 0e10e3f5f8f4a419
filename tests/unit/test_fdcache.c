#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fdcache.h"

static int devnull(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void key_of(unsigned i, unsigned char key[16])
{
	memset(key, 0, 16);
	snprintf((char *)key, 16, "h%u", i);
}

static void test_holds_at_most_its_limit(void **state)
{
	struct fdcache *c = fdcache_new(8);
	unsigned char key[16];
	int fds[20];

	(void)state;
	for (unsigned i = 0; i < 20; i++) {
		key_of(i, key);
		fds[i] = devnull();
		assert_non_null(fdcache_put(c, key, sizeof key, fds[i], 0));
		assert_true(fdcache_fds(c) <= 8);
	}
	assert_int_equal(fdcache_fds(c), 8);
	/* the oldest twelve were closed, the newest eight kept */
	for (unsigned i = 0; i < 20; i++) {
		key_of(i, key);
		assert_int_equal(fdcache_get(c, key, sizeof key) != NULL, i >= 12);
	}
	fdcache_free(c);
	for (unsigned i = 0; i < 20; i++)
		assert_false(is_open(fds[i]));
}

static void test_evicts_the_least_recently_used(void **state)
{
	struct fdcache *c = fdcache_new(4);
	unsigned char key[16];

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		key_of(i, key);
		fdcache_put(c, key, sizeof key, devnull(), 0);
	}
	key_of(0, key);
	assert_non_null(fdcache_get(c, key, sizeof key));	/* 0 is now the newest */
	key_of(4, key);
	fdcache_put(c, key, sizeof key, devnull(), 0);
	key_of(1, key);
	assert_null(fdcache_get(c, key, sizeof key));		/* 1 was the oldest */
	key_of(0, key);
	assert_non_null(fdcache_get(c, key, sizeof key));
	fdcache_free(c);
}

static void test_read_fd_counts_and_never_evicts_its_own_entry(void **state)
{
	struct fdcache *c = fdcache_new(4);
	struct fdcache_entry *e;
	unsigned char key[16];
	int rfd;

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		key_of(i, key);
		e = fdcache_put(c, key, sizeof key, devnull(), 0);
	}
	key_of(0, key);
	e = fdcache_get(c, key, sizeof key);
	rfd = devnull();
	fdcache_set_read_fd(c, e, rfd);
	assert_int_equal(fdcache_fds(c), 4);
	assert_int_equal(e->read_fd, rfd);
	key_of(0, key);
	assert_ptr_equal(fdcache_get(c, key, sizeof key), e);
	key_of(1, key);
	assert_null(fdcache_get(c, key, sizeof key));
	fdcache_free(c);
	assert_false(is_open(rfd));
}

static void test_shrink_spares_the_entry_in_use(void **state)
{
	struct fdcache *c = fdcache_new(16);
	struct fdcache_entry *oldest = NULL;
	unsigned char key[16];

	(void)state;
	for (unsigned i = 0; i < 10; i++) {
		struct fdcache_entry *e;

		key_of(i, key);
		e = fdcache_put(c, key, sizeof key, devnull(), 0);
		if (i == 0)
			oldest = e;
	}
	assert_int_equal(fdcache_shrink(c, 0, oldest), 9);
	assert_int_equal(fdcache_fds(c), 1);
	key_of(0, key);
	assert_ptr_equal(fdcache_get(c, key, sizeof key), oldest);
	fdcache_free(c);
}

static void test_a_reload_drops_other_tags_and_a_key_is_replaced(void **state)
{
	struct fdcache *c = fdcache_new(16);
	unsigned char key[16];
	int old_fd = devnull(), fd;

	(void)state;
	key_of(1, key);
	fdcache_put(c, key, sizeof key, old_fd, 1);
	fd = devnull();
	fdcache_put(c, key, sizeof key, fd, 1);		/* same key again */
	assert_false(is_open(old_fd));
	assert_int_equal(fdcache_fds(c), 1);
	key_of(2, key);
	fdcache_put(c, key, sizeof key, devnull(), 2);
	fdcache_drop_other_tags(c, 2);
	assert_false(is_open(fd));
	assert_int_equal(fdcache_fds(c), 1);
	key_of(1, key);
	assert_null(fdcache_get(c, key, sizeof key));
	key_of(2, key);
	fdcache_remove(c, fdcache_get(c, key, sizeof key));
	assert_int_equal(fdcache_fds(c), 0);
	fdcache_free(c);
}

static void test_a_key_too_long_is_refused_and_closed(void **state)
{
	struct fdcache *c = fdcache_new(4);
	unsigned char key[FDCACHE_KEY_MAX + 1] = { 0 };
	int fd = devnull();

	(void)state;
	assert_null(fdcache_put(c, key, sizeof key, fd, 0));
	assert_false(is_open(fd));
	fdcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holds_at_most_its_limit),
		cmocka_unit_test(test_evicts_the_least_recently_used),
		cmocka_unit_test(test_read_fd_counts_and_never_evicts_its_own_entry),
		cmocka_unit_test(test_shrink_spares_the_entry_in_use),
		cmocka_unit_test(test_a_reload_drops_other_tags_and_a_key_is_replaced),
		cmocka_unit_test(test_a_key_too_long_is_refused_and_closed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
