#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "ledger.h"

static struct sockaddr_storage v4(const char *a, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;

	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, a, &s->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *a, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

	s->sin6_family = AF_INET6;
	s->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, a, &s->sin6_addr), 1);
	return ss;
}

static const unsigned char KEY[SIPHASH_KEY_SIZE] = "0123456789abcde";

#define SA(ss) ((const struct sockaddr *)&(ss))

static void test_a_client_is_capped_and_others_are_not(void **state)
{
	struct ledger l;
	struct sockaddr_storage a = v4("10.0.0.1", 1000), a2 = v4("10.0.0.1", 2000),
				b = v4("10.0.0.2", 1000);
	uint64_t t[4], tb;

	(void)state;
	ledger_init(&l, 3, 0, KEY);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ledger_admit(&l, SA(a), 100, 0, &t[i]), LEDGER_ADMITTED);
	/* Another port of the same address is the same client. */
	assert_int_equal(ledger_admit(&l, SA(a2), 100, 0, &t[3]), LEDGER_CLIENT_FULL);
	assert_int_equal(ledger_admit(&l, SA(b), 100, 1, &tb), LEDGER_ADMITTED);
	assert_int_equal(ledger_client_active(&l, SA(a)), 3);
	assert_int_equal(ledger_client_active(&l, SA(b)), 1);
	assert_true(ledger_end(&l, t[1], 0));
	assert_int_equal(ledger_admit(&l, SA(a2), 100, 0, &t[3]), LEDGER_ADMITTED);
	assert_int_equal(l.in_use, 400);
	assert_int_equal(l.active[0], 3);
	assert_int_equal(l.active[1], 1);
	ledger_free(&l);
}

static void test_ipv4_and_its_mapped_ipv6_are_one_client(void **state)
{
	struct ledger l;
	struct sockaddr_storage a = v4("192.0.2.7", 69), m = v6("::ffff:192.0.2.7", 70);
	uint64_t t;

	(void)state;
	ledger_init(&l, 1, 0, KEY);
	assert_int_equal(ledger_admit(&l, SA(a), 1, 0, &t), LEDGER_ADMITTED);
	assert_int_equal(ledger_admit(&l, SA(m), 1, 0, &t), LEDGER_CLIENT_FULL);
	ledger_free(&l);
}

static void test_the_memory_limit_holds_and_ends_give_it_back(void **state)
{
	struct ledger l;
	struct sockaddr_storage a = v4("10.0.0.1", 1), b = v4("10.0.0.2", 1);
	uint64_t t1, t2, t3;

	(void)state;
	ledger_init(&l, 0, 1000, KEY);
	assert_int_equal(ledger_admit(&l, SA(a), 600, 0, &t1), LEDGER_ADMITTED);
	assert_int_equal(ledger_admit(&l, SA(b), 400, 0, &t2), LEDGER_ADMITTED);
	assert_int_equal(ledger_admit(&l, SA(b), 1, 0, &t3), LEDGER_MEMORY_FULL);
	assert_true(ledger_end(&l, t1, 0));
	assert_int_equal(l.in_use, 400);
	assert_int_equal(ledger_admit(&l, SA(b), 600, 0, &t3), LEDGER_ADMITTED);
	assert_int_equal(ledger_admit(&l, SA(a), UINT64_MAX, 0, &t1), LEDGER_MEMORY_FULL);
	ledger_free(&l);
}

/* What a worker sends back is only a claim: a ticket it was not given,
 * one it gave back already, one of another worker's, or noise. */
static void test_a_worker_cannot_end_what_it_does_not_hold(void **state)
{
	struct ledger l;
	struct sockaddr_storage a = v4("10.0.0.1", 1);
	uint64_t mine, theirs, again;

	(void)state;
	ledger_init(&l, 4, 1 << 20, KEY);
	assert_int_equal(ledger_admit(&l, SA(a), 100, 1, &mine), LEDGER_ADMITTED);
	assert_int_equal(ledger_admit(&l, SA(a), 100, 2, &theirs), LEDGER_ADMITTED);
	assert_false(ledger_end(&l, theirs, 1));
	assert_false(ledger_end(&l, 0, 1));
	assert_false(ledger_end(&l, UINT64_MAX, 1));
	assert_false(ledger_end(&l, (uint64_t)1 << 32 | 5000000, 1));
	assert_false(ledger_end(&l, mine + 1, 1));	/* another index */
	assert_false(ledger_end(&l, mine ^ (uint64_t)1 << 40, 1));	/* another generation */
	assert_int_equal(l.in_use, 200);
	assert_true(ledger_end(&l, mine, 1));
	assert_false(ledger_end(&l, mine, 1));
	/* The entry is used again: the old ticket still names nothing. */
	assert_int_equal(ledger_admit(&l, SA(a), 100, 1, &again), LEDGER_ADMITTED);
	assert_int_equal((uint32_t)again, (uint32_t)mine);
	assert_false(ledger_end(&l, mine, 1));
	assert_int_equal(l.in_use, 200);
	assert_int_equal(ledger_client_active(&l, SA(a)), 2);
	ledger_free(&l);
}

static void test_a_gone_worker_gives_back_all_it_held(void **state)
{
	struct ledger l;
	char text[32];
	uint64_t t;

	(void)state;
	ledger_init(&l, 2, 0, KEY);
	for (int i = 0; i < 300; i++) {
		struct sockaddr_storage a;

		snprintf(text, sizeof(text), "10.0.%d.%d", i / 200, i % 200);
		a = v4(text, 1);
		assert_int_equal(ledger_admit(&l, SA(a), 10, (unsigned)i % 3, &t), LEDGER_ADMITTED);
	}
	ledger_end_owner(&l, 1);
	assert_int_equal(l.active[1], 0);
	assert_int_equal(l.active[0], 100);
	assert_int_equal(l.in_use, 2000);
	assert_int_equal(l.nclients, 200);
	ledger_end_owner(&l, 0);
	ledger_end_owner(&l, 2);
	assert_int_equal(l.in_use, 0);
	assert_int_equal(l.nclients, 0);
	ledger_free(&l);
}

/* Thousands of clients, ended in a shuffled order: the table of
 * addresses stays consistent through its growth and its deletions. */
static void test_many_clients_come_and_go(void **state)
{
	enum { N = 5000 };
	static uint64_t tickets[N][2];
	static int order[N];
	struct ledger l;
	char text[48];
	uint64_t t;

	(void)state;
	srand(1);
	ledger_init(&l, 2, 0, KEY);
	for (int i = 0; i < N; i++) {
		struct sockaddr_storage a;

		snprintf(text, sizeof(text), "2001:db8::%x", i);
		a = v6(text, 1);
		for (int k = 0; k < 2; k++)
			assert_int_equal(ledger_admit(&l, SA(a), 1, 0, &tickets[i][k]),
					 LEDGER_ADMITTED);
		assert_int_equal(ledger_admit(&l, SA(a), 1, 0, &t),
				 LEDGER_CLIENT_FULL);
		order[i] = i;
	}
	assert_int_equal(l.nclients, N);
	for (int i = N - 1; i > 0; i--) {
		int j = rand() % (i + 1), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	for (int n = 0; n < N; n++) {
		int i = order[n];
		struct sockaddr_storage a;

		snprintf(text, sizeof(text), "2001:db8::%x", i);
		a = v6(text, 1);
		assert_int_equal(ledger_client_active(&l, SA(a)), 2);
		assert_true(ledger_end(&l, tickets[i][0], 0));
		assert_int_equal(ledger_client_active(&l, SA(a)), 1);
		assert_true(ledger_end(&l, tickets[i][1], 0));
		assert_int_equal(ledger_client_active(&l, SA(a)), 0);
		/* every client not yet ended is still found */
		if (n % 500 == 0)
			for (int m = n + 1; m < N; m++) {
				snprintf(text, sizeof(text), "2001:db8::%x", order[m]);
				a = v6(text, 1);
				assert_int_equal(ledger_client_active(&l, SA(a)), 2);
			}
	}
	assert_int_equal(l.nclients, 0);
	assert_int_equal(l.nentries, 0);
	ledger_free(&l);
}

static void test_the_ledger_has_a_bound(void **state)
{
	struct ledger l;
	struct sockaddr_storage a = v4("10.0.0.1", 1);
	uint64_t t;

	(void)state;
	ledger_init(&l, 0, 0, KEY);
	for (uint32_t i = 0; i < LEDGER_MAX_ENTRIES; i++)
		assert_int_equal(ledger_admit(&l, SA(a), 0, 0, &t), LEDGER_ADMITTED);
	assert_int_equal(ledger_admit(&l, SA(a), 0, 0, &t), LEDGER_NO_ROOM);
	assert_int_equal(ledger_admit(&l, SA(a), 0, LEDGER_MAX_OWNERS, &t), LEDGER_NO_ROOM);
	ledger_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_client_is_capped_and_others_are_not),
		cmocka_unit_test(test_ipv4_and_its_mapped_ipv6_are_one_client),
		cmocka_unit_test(test_the_memory_limit_holds_and_ends_give_it_back),
		cmocka_unit_test(test_a_worker_cannot_end_what_it_does_not_hold),
		cmocka_unit_test(test_a_gone_worker_gives_back_all_it_held),
		cmocka_unit_test(test_many_clients_come_and_go),
		cmocka_unit_test(test_the_ledger_has_a_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
