#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scale.h"

static bool add(uint64_t interval, uint64_t idle, const uint64_t *busy, unsigned n, unsigned max)
{
	struct scale_tick t = { .interval = interval, .idle = idle, .busy = busy, .nworkers = n };

	return scale_add_worker(&t, max);
}

static void test_one_busy_worker_and_an_idle_cpu_adds_one(void **state)
{
	uint64_t busy[] = { 50 };

	(void)state;
	assert_true(add(50, 50, busy, 1, 2));
	/* 3/4 of the interval is enough, on both sides */
	busy[0] = 38;
	assert_true(add(50, 38, busy, 1, 2));
}

static void test_no_idle_cpu_adds_none(void **state)
{
	/* the bench's case: the clients hold the other CPU */
	uint64_t busy[] = { 49 };

	(void)state;
	assert_false(add(50, 4, busy, 1, 2));
	assert_false(add(50, 37, busy, 1, 2));
}

static void test_a_worker_with_cpu_to_spare_adds_none(void **state)
{
	uint64_t busy[] = { 50, 20, 50 };

	(void)state;
	assert_false(add(50, 400, busy, 3, 8));
	busy[1] = 37;
	assert_false(add(50, 400, busy, 3, 8));
	busy[1] = 38;
	assert_true(add(50, 400, busy, 3, 8));
}

static void test_never_past_max_nor_from_nothing(void **state)
{
	uint64_t busy[] = { 50, 50 };

	(void)state;
	assert_false(add(50, 500, busy, 2, 2));
	assert_false(add(50, 500, busy, 0, 2));
	assert_false(add(0, 0, busy, 1, 2));	/* no time went by */
	assert_true(add(50, 500, busy, 2, 3));
}

static const char proc_stat[] =
	"cpu  2285663 7369 1750264 11392065 196224 0 218244 0 0 0\n"
	"cpu0 1146350 3414 826328 5831926 13333 0 102892 0 0 0\n"
	"cpu1 1139312 3954 923935 5560138 182891 0 115351 0 0 0\n"
	"cpu12 1 2 3 1000 7 0 0 0 0 0\n"
	"intr 1234 5 6 7\n"
	"ctxt 99\n";

static void test_stat_sums_the_cpus_of_the_set(void **state)
{
	cpu_set_t set;
	uint64_t idle;

	(void)state;
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	assert_true(scale_parse_stat(proc_stat, strlen(proc_stat), &set, &idle));
	assert_int_equal(idle, 5560138 + 182891);
	CPU_SET(0, &set);
	CPU_SET(12, &set);
	assert_true(scale_parse_stat(proc_stat, strlen(proc_stat), &set, &idle));
	assert_int_equal(idle, 5831926 + 13333 + 5560138 + 182891 + 1007);
	/* the summary line "cpu " is not CPU 2285663 or any other */
	CPU_ZERO(&set);
	CPU_SET(2, &set);
	assert_false(scale_parse_stat(proc_stat, strlen(proc_stat), &set, &idle));
}

static void test_stat_refuses_short_and_cut_lines(void **state)
{
	static const char cut[] = "cpu0 1 2 3 4\ncpu1 1 2 3 40 5\ncpu2 1 2 3 4";
	cpu_set_t set;
	uint64_t idle;

	(void)state;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CPU_SET(2, &set);
	assert_false(scale_parse_stat(cut, strlen(cut), &set, &idle));
	CPU_SET(1, &set);
	assert_true(scale_parse_stat(cut, strlen(cut), &set, &idle));
	assert_int_equal(idle, 45);
	assert_false(scale_parse_stat("", 0, &set, &idle));
	/* a number too long for 64 bits is no number */
	static const char big[] = "cpu1 1 2 3 99999999999999999999999 5\n";

	assert_false(scale_parse_stat(big, strlen(big), &set, &idle));
}

static void test_stat_takes_no_line_the_read_cut(void **state)
{
	/* cut in the middle of CPU 1's idle figure: 4 of 4012 */
	static const char cut[] = "cpu0 1 2 3 40 5\ncpu1 1 2 3 4";
	cpu_set_t set;
	uint64_t idle;

	(void)state;
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	assert_false(scale_parse_stat(cut, strlen(cut), &set, &idle));
	CPU_SET(0, &set);
	assert_true(scale_parse_stat(cut, strlen(cut), &set, &idle));
	assert_int_equal(idle, 45);
	assert_false(scale_parse_stat("cpu", 3, &set, &idle));
	assert_false(scale_parse_stat("cpu\n", 4, &set, &idle));
}

static void test_pid_stat_counts_from_the_last_paren(void **state)
{
	static const char plain[] =
		"17220 (in.tftpd) S 17176 17176 9745 0 -1 4194304 99 0 0 0 123 45 0 0 20 0 1 0\n";
	static const char odd[] =
		"17220 (a) b) R 1 2 3 (c) S 17176 17176 9745 0 -1 4194304 99 0 0 0 7 8 0 0 20 0\n";
	static const char stuck[] =
		"9 (in.tftpd) D 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0\n";
	uint64_t cpu;
	char st;

	(void)state;
	assert_true(scale_parse_pid_stat(plain, strlen(plain), &cpu, &st));
	assert_int_equal(cpu, 168);
	assert_int_equal(st, 'S');
	assert_true(scale_parse_pid_stat(odd, strlen(odd), &cpu, &st));
	assert_int_equal(cpu, 15);
	assert_int_equal(st, 'S');
	assert_true(scale_parse_pid_stat(stuck, strlen(stuck), &cpu, &st));
	assert_int_equal(cpu, 11);
	assert_int_equal(st, 'D');
}

static void test_pid_stat_refuses_what_is_cut(void **state)
{
	static const char cut[] = "17220 (in.tftpd) S 17176 17176 9745 0 -1 4194304 99 0 0 0 123";
	static const char noparen[] = "17220 in.tftpd S 1 2 3 4 5 6 7 8 9 10 11 12 13";
	static const char nostate[] = "1 (x) 1 2 3 4 5 6 7 8 9 10 11 12 13";
	uint64_t cpu = 77;
	char st;

	(void)state;
	assert_false(scale_parse_pid_stat(cut, strlen(cut), &cpu, &st));
	assert_false(scale_parse_pid_stat(noparen, strlen(noparen), &cpu, &st));
	assert_false(scale_parse_pid_stat(nostate, strlen(nostate), &cpu, &st));
	assert_false(scale_parse_pid_stat("", 0, &cpu, &st));
	assert_false(scale_parse_pid_stat(")", 1, &cpu, &st));
	assert_false(scale_parse_pid_stat(") R", 3, &cpu, &st));
	assert_int_equal(cpu, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_busy_worker_and_an_idle_cpu_adds_one),
		cmocka_unit_test(test_no_idle_cpu_adds_none),
		cmocka_unit_test(test_a_worker_with_cpu_to_spare_adds_none),
		cmocka_unit_test(test_never_past_max_nor_from_nothing),
		cmocka_unit_test(test_stat_sums_the_cpus_of_the_set),
		cmocka_unit_test(test_stat_refuses_short_and_cut_lines),
		cmocka_unit_test(test_stat_takes_no_line_the_read_cut),
		cmocka_unit_test(test_pid_stat_counts_from_the_last_paren),
		cmocka_unit_test(test_pid_stat_refuses_what_is_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
