#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "window.h"

static void test_wire_block_wraps_to_rollover(void **state)
{
	(void)state;
	assert_int_equal(wire_block(1, 0), 1);
	assert_int_equal(wire_block(65535, 0), 65535);
	assert_int_equal(wire_block(65536, 0), 0);
	assert_int_equal(wire_block(65537, 0), 1);
	assert_int_equal(wire_block(65536 + 65535, 0), 65535);
	assert_int_equal(wire_block(2 * 65536, 0), 0);
	/* rollover 1 (tftpd-hpa's option): 65535, then 1, never 0 again. */
	assert_int_equal(wire_block(65536, 1), 1);
	assert_int_equal(wire_block(65536 + 65534, 1), 65535);
	assert_int_equal(wire_block(65536 + 65535, 1), 1);
	/* rollover 65535: the number sticks at 65535. */
	assert_int_equal(wire_block(65536, 65535), 65535);
	assert_int_equal(wire_block(1000000, 65535), 65535);
	/* Past 4 GiB of 512-byte blocks, still in step. */
	assert_int_equal(wire_block(((uint64_t)1 << 33) + 5, 0), 5);
}

static void test_lock_step_ack(void **state)
{
	(void)state;
	assert_int_equal(acked_blocks(7, 1, 7, 0), 1);
	assert_int_equal(acked_blocks(7, 1, 6, 0), 0);	/* duplicate of the last */
	assert_int_equal(acked_blocks(7, 1, 8, 0), 0);	/* from the future */
	assert_int_equal(acked_blocks(0, 1, 0, 0), 1);	/* ACK 0 of the OACK */
	assert_int_equal(acked_blocks(0, 1, 1, 0), 0);
}

static void test_window_partial_and_full_acks(void **state)
{
	(void)state;
	/* Window 10..13 (RFC 7440): an ACK inside it acknowledges up to it,
	 * one just before it acknowledges nothing (it asks for the whole
	 * window again through the timer, never at once). */
	assert_int_equal(acked_blocks(10, 4, 13, 0), 4);
	assert_int_equal(acked_blocks(10, 4, 10, 0), 1);
	assert_int_equal(acked_blocks(10, 4, 11, 0), 2);
	assert_int_equal(acked_blocks(10, 4, 9, 0), 0);
	assert_int_equal(acked_blocks(10, 4, 14, 0), 0);
	/* A short final window (n below windowsize). */
	assert_int_equal(acked_blocks(10, 2, 12, 0), 0);
	assert_int_equal(acked_blocks(10, 2, 11, 0), 2);
}

static void test_window_across_the_wrap(void **state)
{
	(void)state;
	/* Blocks 65534..65537 go out as 65534 65535 0 1. */
	assert_int_equal(acked_blocks(65534, 4, 65535, 0), 2);
	assert_int_equal(acked_blocks(65534, 4, 0, 0), 3);
	assert_int_equal(acked_blocks(65534, 4, 1, 0), 4);
	assert_int_equal(acked_blocks(65534, 4, 65533, 0), 0);
	/* With rollover 1: 65534 65535 1 2, and 0 is nobody's. */
	assert_int_equal(acked_blocks(65534, 4, 1, 1), 3);
	assert_int_equal(acked_blocks(65534, 4, 2, 1), 4);
	assert_int_equal(acked_blocks(65534, 4, 0, 1), 0);
	/* Lock-step at the wrap, second time round. */
	assert_int_equal(acked_blocks(2 * 65536, 1, 0, 0), 1);
	assert_int_equal(acked_blocks(2 * 65536, 1, 65535, 0), 0);
}

static void test_repeating_number_takes_the_furthest(void **state)
{
	(void)state;
	/* rollover 65535 repeats 65535: the client acknowledging 65535
	 * has everything up to the last 65535 it saw, the window's end. */
	assert_int_equal(acked_blocks(65534, 4, 65535, 65535), 4);
	assert_int_equal(acked_blocks(65534, 4, 65534, 65535), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_block_wraps_to_rollover),
		cmocka_unit_test(test_lock_step_ack),
		cmocka_unit_test(test_window_partial_and_full_acks),
		cmocka_unit_test(test_window_across_the_wrap),
		cmocka_unit_test(test_repeating_number_takes_the_furthest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
