#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "log.h"

static void expect_escaped(const char *in, const char *want)
{
	char *got = log_escape(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* A name from the network cannot forge a log line of its own. */
static void test_control_characters_are_escaped(void **state)
{
	(void)state;
	expect_escaped("pxelinux.0", "pxelinux.0");
	expect_escaped("a\nRRQ from 10.0.0.1 filename x", "a\\nRRQ from 10.0.0.1 filename x");
	expect_escaped("\r\t\x01\x1b[2J\x7f", "\\r\\t\\x01\\x1b[2J\\x7f");
	/* Backslashes and UTF-8 stay as they are. */
	expect_escaped("pxelinux.cfg\\01-aa", "pxelinux.cfg\\01-aa");
	expect_escaped("caf\xc3\xa9", "caf\xc3\xa9");
	expect_escaped("", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_characters_are_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
