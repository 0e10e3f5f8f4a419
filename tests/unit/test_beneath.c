#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "beneath.h"

static char top[] = "/tmp/pxekit-beneath.XXXXXX";
static int dirfd_;

static int setup(void **state)
{
	char p[256];

	(void)state;
	if (mkdtemp(top) == NULL)
		return -1;
	snprintf(p, sizeof p, "%s/root", top);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/root/sub", top);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/outside", top);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	snprintf(p, sizeof p, "%s/root/up", top);
	if (symlink("../outside", p) < 0)
		return -1;
	snprintf(p, sizeof p, "%s/root/in", top);
	if (symlink("sub", p) < 0)
		return -1;
	snprintf(p, sizeof p, "%s/root", top);
	dirfd_ = open(p, O_RDONLY | O_DIRECTORY);
	return dirfd_ < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	close(dirfd_);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_paths_inside_open(void **state)
{
	static const char *const inside[] = { "/sub", "sub", "/", "", "in", "sub/.." };
	int fd;

	(void)state;
	for (size_t i = 0; i < sizeof inside / sizeof *inside; i++) {
		fd = open_beneath(dirfd_, inside[i], O_PATH | O_DIRECTORY, 0);
		assert_true(fd >= 0);
		close(fd);
	}
}

static void test_leaving_is_exdev(void **state)
{
	(void)state;
	assert_int_equal(open_beneath(dirfd_, "up", O_PATH, 0), -1);
	assert_int_equal(errno, EXDEV);
	assert_int_equal(open_beneath(dirfd_, "../outside", O_PATH, 0), -1);
	assert_int_equal(errno, EXDEV);
	assert_int_equal(open_beneath(dirfd_, "/proc/self/root", O_PATH, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_inside_open),
		cmocka_unit_test(test_leaving_is_exdev),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
