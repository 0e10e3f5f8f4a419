#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "blocksrc.h"
#include "budget.h"

static void test_lock_step_octet_costs_its_stage(void **state)
{
	uint64_t b512 = budget_transfer_bytes(TFTP_RRQ, TFTP_MODE_OCTET, 512, 1);
	uint64_t b1468 = budget_transfer_bytes(TFTP_RRQ, TFTP_MODE_OCTET, 1468, 1);

	(void)state;
	/* 64 blocks of 512 staged, 22 of 1468: both about 32 KiB. */
	assert_true(b512 >= (uint64_t)64 * 512 + 512);
	assert_true(b1468 >= (uint64_t)22 * 1468 + 1468);
	assert_true(b512 < 40 * 1024 && b1468 < 40 * 1024);
	/* The largest blocks stage two. */
	assert_true(budget_transfer_bytes(TFTP_RRQ, TFTP_MODE_OCTET, 65464, 1) >=
		    (uint64_t)3 * 65464);
}

static void test_windowed_octet_costs_its_stage(void **state)
{
	(void)state;
	/* A window and a read ahead of it are staged: 4 + 21 blocks of
	 * 1468 (a little more than lock-step's 22), 4 + 1 of 65464. */
	assert_true(budget_transfer_bytes(TFTP_RRQ, TFTP_MODE_OCTET, 1468, 4) >=
		    (uint64_t)25 * 1468);
	assert_true(budget_transfer_bytes(TFTP_RRQ, TFTP_MODE_OCTET, 1468, 4) < 44 * 1024);
	assert_true(budget_transfer_bytes(TFTP_RRQ, TFTP_MODE_OCTET, 65464, 4) >=
		    (uint64_t)5 * 65464);
}

/* A transfer is charged at the blksize it asked for; the path MTU may
 * lower it in the worker, which must then hold no more than that. */
static void test_cost_bounds_every_smaller_blksize(void **state)
{
	static const unsigned windows[] = { 1, 2, 3, 4, 16, 64 };

	(void)state;
	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		unsigned w = windows[i];
		uint64_t last = 0;

		for (unsigned b = 8; b <= 65464; b++) {
			uint64_t cost = budget_transfer_bytes(TFTP_RRQ, TFTP_MODE_OCTET, b, w);

			assert_true((uint64_t)blocksrc_stage_slots(b, w) * b <=
				    blocksrc_stage_bound(b, w));
			assert_true(cost >= last);
			last = cost;
		}
	}
}

static void test_netascii_costs_its_ring(void **state)
{
	(void)state;
	assert_true(budget_transfer_bytes(TFTP_RRQ, TFTP_MODE_NETASCII, 1468, 44) >=
		    (uint64_t)44 * 1468 + BLOCKSRC_NETASCII_READ_CHUNK);
	assert_true(budget_transfer_bytes(TFTP_WRQ, TFTP_MODE_NETASCII, 1468, 1) >
		    budget_transfer_bytes(TFTP_WRQ, TFTP_MODE_OCTET, 1468, 1));
}

static void test_every_transfer_costs_something(void **state)
{
	(void)state;
	assert_true(budget_transfer_bytes(TFTP_WRQ, TFTP_MODE_OCTET, 8, 1) >= BUDGET_FIXED_BYTES);
}

static void test_admission_at_the_limit(void **state)
{
	(void)state;
	assert_true(budget_admit(0, 100, 100));
	assert_true(budget_admit(60, 40, 100));
	assert_false(budget_admit(61, 40, 100));
	assert_false(budget_admit(0, 101, 100));
	/* More in use than the limit (a limit lowered, a slot not yet
	 * cleared): nothing more, and no wrap-around. */
	assert_false(budget_admit(200, 1, 100));
	/* Near the top of the range no sum overflows into a yes. */
	assert_false(budget_admit(UINT64_MAX - 5, 10, UINT64_MAX - 1));
	assert_true(budget_admit(UINT64_MAX - 10, 9, UINT64_MAX - 1));
	/* 0: no limit. */
	assert_true(budget_admit(UINT64_MAX, UINT64_MAX, 0));
}

static void test_pick_least_loaded_worker(void **state)
{
	uint32_t active[4] = { 3, 1, 2, 1 };

	(void)state;
	assert_int_equal(budget_pick_worker(active, 4, 0), 1);
	/* Ties go to the first at or after the rotor. */
	assert_int_equal(budget_pick_worker(active, 4, 2), 3);
	assert_int_equal(budget_pick_worker(active, 4, 3), 3);
	assert_int_equal(budget_pick_worker(active, 4, 5), 1);	/* rotor wraps */
}

static void test_equal_workers_take_turns(void **state)
{
	uint32_t active[3] = { 0, 0, 0 };

	(void)state;
	for (unsigned r = 0; r < 6; r++)
		assert_int_equal(budget_pick_worker(active, 3, r), r % 3);
	assert_int_equal(budget_pick_worker(active, 1, 7), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_step_octet_costs_its_stage),
		cmocka_unit_test(test_windowed_octet_costs_its_stage),
		cmocka_unit_test(test_cost_bounds_every_smaller_blksize),
		cmocka_unit_test(test_netascii_costs_its_ring),
		cmocka_unit_test(test_every_transfer_costs_something),
		cmocka_unit_test(test_admission_at_the_limit),
		cmocka_unit_test(test_pick_least_loaded_worker),
		cmocka_unit_test(test_equal_workers_take_turns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
