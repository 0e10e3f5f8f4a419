#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "timerheap.h"

/* Pops every timer in order and checks each is no earlier than the
 * one before and that every slot index is right meanwhile. */
static void drain_in_order(struct timerheap *h, size_t expect)
{
	uint64_t last = 0;
	size_t n = 0;
	struct timer *t;

	while ((t = timerheap_first(h)) != NULL) {
		for (size_t i = 0; i < h->n; i++)
			assert_int_equal(h->v[i]->slot, i);
		assert_true(t->when >= last);
		last = t->when;
		timerheap_remove(h, t);
		assert_int_equal(t->slot, TIMER_IDLE);
		n++;
	}
	assert_int_equal(n, expect);
}

static void test_empty_heap_has_no_first(void **state)
{
	struct timerheap h;
	struct timer t;

	(void)state;
	timerheap_init(&h);
	timer_init(&t);
	assert_null(timerheap_first(&h));
	timerheap_remove(&h, &t);	/* not armed: nothing */
	assert_null(timerheap_first(&h));
	timerheap_free(&h);
}

static void test_first_is_earliest(void **state)
{
	struct timerheap h;
	struct timer t[5];
	uint64_t when[5] = { 50, 10, 40, 30, 20 };

	(void)state;
	timerheap_init(&h);
	for (int i = 0; i < 5; i++) {
		timer_init(&t[i]);
		assert_int_equal(timerheap_set(&h, &t[i], when[i]), 0);
	}
	assert_ptr_equal(timerheap_first(&h), &t[1]);
	drain_in_order(&h, 5);
	timerheap_free(&h);
}

static void test_rearming_moves_a_timer_both_ways(void **state)
{
	struct timerheap h;
	struct timer a, b, c;

	(void)state;
	timerheap_init(&h);
	timer_init(&a);
	timer_init(&b);
	timer_init(&c);
	timerheap_set(&h, &a, 100);
	timerheap_set(&h, &b, 200);
	timerheap_set(&h, &c, 300);
	timerheap_set(&h, &c, 50);	/* earlier: to the top */
	assert_ptr_equal(timerheap_first(&h), &c);
	assert_int_equal(h.n, 3);	/* moved, not added twice */
	timerheap_set(&h, &c, 1000);	/* later: to the bottom */
	assert_ptr_equal(timerheap_first(&h), &a);
	timerheap_set(&h, &a, 250);
	assert_ptr_equal(timerheap_first(&h), &b);
	drain_in_order(&h, 3);
	timerheap_free(&h);
}

static void test_removing_from_the_middle_keeps_order(void **state)
{
	struct timerheap h;
	struct timer t[7];

	(void)state;
	timerheap_init(&h);
	for (int i = 0; i < 7; i++) {
		timer_init(&t[i]);
		timerheap_set(&h, &t[i], (uint64_t)(i + 1) * 10);
	}
	timerheap_remove(&h, &t[3]);
	timerheap_remove(&h, &t[0]);
	timerheap_remove(&h, &t[6]);
	timerheap_remove(&h, &t[6]);	/* twice: the second is a no-op */
	assert_ptr_equal(timerheap_first(&h), &t[1]);
	drain_in_order(&h, 4);
	timerheap_free(&h);
}

static void test_equal_deadlines_all_fire(void **state)
{
	struct timerheap h;
	struct timer t[4];

	(void)state;
	timerheap_init(&h);
	for (int i = 0; i < 4; i++) {
		timer_init(&t[i]);
		timerheap_set(&h, &t[i], 7);
	}
	drain_in_order(&h, 4);
	timerheap_free(&h);
}

/* Thousands of timers armed, moved and removed at random, as a busy
 * worker does, against a plain array's minimum. */
static void test_random_operations_match_a_linear_scan(void **state)
{
	enum { N = 2000 };
	struct timerheap h;
	static struct timer t[N];
	unsigned seed = 12345;

	(void)state;
	timerheap_init(&h);
	for (int i = 0; i < N; i++)
		timer_init(&t[i]);
	for (int round = 0; round < 20000; round++) {
		int i = (int)(rand_r(&seed) % N);
		unsigned op = (unsigned)rand_r(&seed) % 4;
		struct timer *min = NULL;

		if (op == 0)
			timerheap_remove(&h, &t[i]);
		else
			assert_int_equal(timerheap_set(&h, &t[i], (uint64_t)rand_r(&seed) % 100000),
					 0);
		for (int k = 0; k < N; k++)
			if (t[k].slot != TIMER_IDLE && (min == NULL || t[k].when < min->when))
				min = &t[k];
		if (min == NULL)
			assert_null(timerheap_first(&h));
		else
			assert_true(timerheap_first(&h)->when == min->when);
	}
	drain_in_order(&h, h.n);
	timerheap_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_heap_has_no_first),
		cmocka_unit_test(test_first_is_earliest),
		cmocka_unit_test(test_rearming_moves_a_timer_both_ways),
		cmocka_unit_test(test_removing_from_the_middle_keeps_order),
		cmocka_unit_test(test_equal_deadlines_all_fire),
		cmocka_unit_test(test_random_operations_match_a_linear_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
