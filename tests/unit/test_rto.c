#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "rto.h"

static void test_fixed_timeout_ignores_samples_and_doubles(void **state)
{
	struct rto r;

	(void)state;
	rto_init(&r, 3000000, false);
	rto_sample(&r, 100);
	assert_int_equal(rto_wait_us(&r), 3000000);
	rto_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 6000000);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 3000000);
	assert_int_equal(rto_give_up_us(&r), 63u * 3000000);
}

static void test_adaptive_timeout_follows_rtt_within_bounds(void **state)
{
	struct rto r;
	int i;

	(void)state;
	rto_init(&r, 1000000, true);
	assert_int_equal(rto_wait_us(&r), 1000000);
	for (i = 0; i < 20; i++)
		rto_sample(&r, 100);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), RTO_MIN_US);
	for (i = 0; i < 20; i++)
		rto_sample(&r, 5000000);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 1000000);
	rto_init(&r, 1000000, true);
	rto_sample(&r, 100000);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 100000 + 4 * 50000);
}

static void test_backoff_stops_growing_at_give_up(void **state)
{
	struct rto r;
	int i;

	(void)state;
	rto_init(&r, 1000, false);
	for (i = 0; i < 100; i++)
		rto_backoff(&r);
	assert_true(rto_wait_us(&r) <= 2 * 63 * 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_timeout_ignores_samples_and_doubles),
		cmocka_unit_test(test_adaptive_timeout_follows_rtt_within_bounds),
		cmocka_unit_test(test_backoff_stops_growing_at_give_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
