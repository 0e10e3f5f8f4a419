#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pidfile.h"

static char path[64];

static void test_a_written_pid_reads_back(void **state)
{
	(void)state;
	assert_true(pidfile_write(path));
	assert_int_equal(pidfile_read(path), getpid());
	pidfile_remove(path);
	assert_int_equal(pidfile_read(path), 0);
	pidfile_remove(path);
}

static void test_garbage_and_init_are_no_pid(void **state)
{
	FILE *f;

	(void)state;
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("1\n", f);
	fclose(f);
	assert_int_equal(pidfile_read(path), -1);
	f = fopen(path, "w");
	fputs("12abc\n", f);
	fclose(f);
	assert_int_equal(pidfile_read(path), -1);
	/* emptied by a daemon that could not unlink it: not running */
	f = fopen(path, "w");
	fclose(f);
	assert_int_equal(pidfile_read(path), 0);
	unlink(path);
}

/* pxe-exportfs signals only a process running the daemon's program. */
static void test_the_program_of_a_process_is_checked(void **state)
{
	(void)state;
	assert_true(pid_runs_program(getpid(), "test_pidfile"));
	assert_false(pid_runs_program(getpid(), "pxe-nfsd"));
	assert_false(pid_runs_program(getpid(), "test_pidfil"));
	assert_false(pid_runs_program(2147483646, "test_pidfile"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_written_pid_reads_back),
		cmocka_unit_test(test_garbage_and_init_are_no_pid),
		cmocka_unit_test(test_the_program_of_a_process_is_checked),
	};

	snprintf(path, sizeof path, "/tmp/pxekit-test-pidfile.%ld", (long)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
