#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "detach.h"

/* What the detached process found, sent back on a pipe. */
struct report {
	bool own_session, parent_exited;
	bool null[3];
	char cwd[PATH_MAX];
};

static bool is_devnull(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat("/dev/null", &b) == 0 && S_ISCHR(a.st_mode) &&
	       a.st_rdev == b.st_rdev;
}

/* Runs detach_daemon in a child, from a directory that is not "/" and
 * with stderr on a pipe; returns what the detached grandchild saw. */
static struct report run_detached(bool keep_cwd, bool keep_stderr)
{
	struct report r;
	int p[2], status;
	pid_t child;

	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pid_t before;

		close(p[0]);
		dup2(p[1], 2);	/* a stderr that is not /dev/null */
		if (chdir("/tmp") < 0)
			_exit(2);
		before = getpid();
		if (!detach_daemon(keep_cwd, keep_stderr))
			_exit(3);
		memset(&r, 0, sizeof r);
		r.own_session = getsid(0) == getpid();
		r.parent_exited = getpid() != before;
		for (int fd = 0; fd < 3; fd++)
			r.null[fd] = is_devnull(fd);
		if (getcwd(r.cwd, sizeof r.cwd) == NULL)
			r.cwd[0] = '\0';
		write(p[1], &r, sizeof r);
		_exit(0);
	}
	close(p[1]);
	/* The child returns at once: only the detached process goes on. */
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(read(p[0], &r, sizeof r), (ssize_t)sizeof r);
	close(p[0]);
	return r;
}

static void test_nfs_daemons_detach_fully(void **state)
{
	struct report r = run_detached(false, false);

	(void)state;
	assert_true(r.own_session);
	assert_true(r.parent_exited);
	assert_string_equal(r.cwd, "/");
	assert_true(r.null[0] && r.null[1] && r.null[2]);
}

static void test_tftpd_keeps_its_directory_and_stderr(void **state)
{
	struct report r = run_detached(true, true);

	(void)state;
	assert_true(r.own_session);
	assert_true(r.parent_exited);
	assert_string_equal(r.cwd, "/tmp");
	assert_true(r.null[0] && r.null[1]);
	assert_false(r.null[2]);	/* still the pipe */
}

static void test_stdio_to_devnull_from_one_leaves_stdin(void **state)
{
	int saved0 = dup(0), saved1 = dup(1), saved2 = dup(2), p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	dup2(p[0], 0);
	stdio_to_devnull(1, false);
	assert_false(is_devnull(0));
	assert_true(is_devnull(1));
	assert_true(is_devnull(2));
	dup2(saved0, 0);
	dup2(saved1, 1);
	dup2(saved2, 2);
	close(saved0), close(saved1), close(saved2), close(p[0]), close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfs_daemons_detach_fully),
		cmocka_unit_test(test_tftpd_keeps_its_directory_and_stderr),
		cmocka_unit_test(test_stdio_to_devnull_from_one_leaves_stdin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
