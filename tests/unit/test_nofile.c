#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/resource.h>

#include "nofile.h"

/* The soft limit goes up to the hard one, and the answer is what is in
 * force, whatever the hard limit of the machine running the test. */
static void test_soft_limit_rises_to_the_hard_one(void **state)
{
	struct rlimit rl, now;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_max = rl.rlim_max > 4096 ? 4096 : rl.rlim_max;
	rl.rlim_cur = rl.rlim_max > 64 ? 64 : rl.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(nofile_raise(), (unsigned)rl.rlim_max);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
	assert_int_equal(now.rlim_cur, rl.rlim_max);
	/* already there: unchanged */
	assert_int_equal(nofile_raise(), (unsigned)rl.rlim_max);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soft_limit_rises_to_the_hard_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
