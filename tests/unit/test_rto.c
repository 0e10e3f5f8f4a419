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

static void test_spurious_retransmission_raises_the_floor(void **state)
{
	struct rto r;
	int i;

	(void)state;
	rto_init(&r, 1000000, true);
	for (i = 0; i < 20; i++)
		rto_sample(&r, 100);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), RTO_MIN_US);
	/* The original's ACK came 30 ms late: the floor goes above that. */
	rto_spurious(&r, 30000);
	rto_reset_backoff(&r);
	assert_true(rto_wait_us(&r) >= 45000);
	/* Fast round trips afterwards do not bring it back down. */
	for (i = 0; i < 50; i++)
		rto_sample(&r, 100);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 45000);
	/* A short delay still doubles it; the base bounds it. */
	rto_spurious(&r, 10);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 90000);
	for (i = 0; i < 10; i++)
		rto_spurious(&r, 10);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 1000000);
	/* The backoff still doubles from there, up to the give-up. */
	rto_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 2000000);
}

static void test_spurious_ignored_with_a_negotiated_timeout(void **state)
{
	struct rto r;

	(void)state;
	rto_init(&r, 3000000, false);
	rto_spurious(&r, 5000000);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 3000000);
}

static void test_excess_is_lateness_beyond_the_estimate(void **state)
{
	struct rto r;
	int i;

	(void)state;
	rto_init(&r, 1000000, true);
	/* No estimate yet: nothing to be late against. */
	assert_int_equal(rto_excess(&r, 30000), 0);
	for (i = 0; i < 20; i++)
		rto_sample(&r, 4000);
	assert_int_equal(r.srtt_us, 4000);
	assert_int_equal(rto_excess(&r, 30000), 26000);
	assert_int_equal(rto_excess(&r, 1000), 0);
	rto_init(&r, 1000000, false);
	rto_sample(&r, 4000);
	assert_int_equal(rto_excess(&r, 30000), 0);
}

/* bench/run-atftp-load: a transfer whose ACKs came every 4 ms for a
 * thousand blocks had a timeout at the 20 ms floor, and a stall of the
 * host held its next ACK 30 ms: resent needlessly. The host's jitter,
 * learnt from any transfer's slow ACK, covers it. */
static void test_jitter_covers_a_stall_the_variance_forgot(void **state)
{
	struct rto r;
	int i;

	(void)state;
	rto_init(&r, 1000000, true);
	for (i = 0; i < 1000; i++)
		rto_sample(&r, 4000);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), RTO_MIN_US);
	rto_set_jitter(&r, 26000);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 4000 + RTO_JITTER_FACTOR * 26000);
	assert_true(rto_wait_us(&r) > 30000);
	/* It holds through quick round trips, unlike the variance. */
	for (i = 0; i < 100; i++)
		rto_sample(&r, 4000);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 4000 + RTO_JITTER_FACTOR * 26000);
	/* Once the host has calmed down (the caller lets it lapse), the
	 * transfer's own estimate and the floor are back. */
	rto_set_jitter(&r, 0);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), RTO_MIN_US);
}

static void test_jitter_too_small_to_matter_on_an_idle_host(void **state)
{
	struct rto r;
	int i;

	(void)state;
	rto_init(&r, 1000000, true);
	for (i = 0; i < 20; i++)
		rto_sample(&r, 200);
	rto_set_jitter(&r, 300);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), RTO_MIN_US);
}

static void test_jitter_within_base_and_not_before_a_sample(void **state)
{
	struct rto r;

	(void)state;
	rto_init(&r, 1000000, true);
	/* RFC 6298 (2.1): the base until the first sample. */
	rto_set_jitter(&r, 10000);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 1000000);
	rto_sample(&r, 100);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 100 + RTO_JITTER_FACTOR * 10000);
	/* However long the stall, never past the base; no wrap. */
	rto_set_jitter(&r, UINT64_MAX / 2);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 1000000);
	/* A negotiated timeout is the client's, whatever the host does. */
	rto_init(&r, 3000000, false);
	rto_sample(&r, 100);
	rto_set_jitter(&r, 500000);
	rto_reset_backoff(&r);
	assert_int_equal(rto_wait_us(&r), 3000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_timeout_ignores_samples_and_doubles),
		cmocka_unit_test(test_adaptive_timeout_follows_rtt_within_bounds),
		cmocka_unit_test(test_backoff_stops_growing_at_give_up),
		cmocka_unit_test(test_spurious_retransmission_raises_the_floor),
		cmocka_unit_test(test_spurious_ignored_with_a_negotiated_timeout),
		cmocka_unit_test(test_excess_is_lateness_beyond_the_estimate),
		cmocka_unit_test(test_jitter_covers_a_stall_the_variance_forgot),
		cmocka_unit_test(test_jitter_too_small_to_matter_on_an_idle_host),
		cmocka_unit_test(test_jitter_within_base_and_not_before_a_sample),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
