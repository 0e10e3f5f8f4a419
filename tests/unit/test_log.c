#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"

/* A client's bytes in a log line: no newline or escape sequence gets
 * through to forge a line or a terminal. */
static void test_control_characters_are_escaped(void **state)
{
	char buf[64];
	const char forged[] = "/srv\nMar  1 pxe-mountd: authenticated\x1b[2J\\";

	(void)state;
	log_escape_bytes(forged, sizeof forged, buf, sizeof buf);
	assert_null(strchr(buf, '\n'));
	assert_null(strchr(buf, '\x1b'));
	assert_string_equal(buf, "/srv\\x0aMar  1 pxe-mountd: authenticated\\x1b[2J\\\\");
	assert_string_equal(log_escape_bytes("caf\xc3\xa9", 5, buf, sizeof buf), "caf\\xc3\\xa9");
	assert_string_equal(log_escape_bytes("/plain/path", 100, buf, sizeof buf), "/plain/path");
}

static void test_a_long_text_is_cut_with_dots(void **state)
{
	char buf[12], small[4];

	(void)state;
	assert_string_equal(log_escape_bytes("0123456789abcdef", 16, buf, sizeof buf), "01234567...");
	assert_string_equal(log_escape_bytes("\n\n\n\n", 4, buf, sizeof buf), "\\x0a\\x0a...");
	assert_string_equal(log_escape_bytes("abc", 3, small, sizeof small), "");
	assert_string_equal(log_escape_bytes("ab\0cd", 5, buf, sizeof buf), "ab");
}

/* The allocating form: the whole text, by the same rule. */
static void test_log_escape_copies_the_whole_text(void **state)
{
	char *got;

	(void)state;
	got = log_escape("a\nRRQ from 10.0.0.1 filename x\r\t\x7f pxelinux.cfg\\01-aa");
	assert_non_null(got);
	assert_string_equal(got, "a\\x0aRRQ from 10.0.0.1 filename x\\x0d\\x09\\x7f pxelinux.cfg\\\\01-aa");
	free(got);
	got = log_escape("");
	assert_string_equal(got, "");
	free(got);
}

/* One level for the whole program: nothing extra by default, each -v one
 * more. */
static void test_verbosity_levels(void **state)
{
	(void)state;
	assert_true(log_verbose(0));
	assert_false(log_verbose(1));
	log_set_verbosity(2);
	assert_true(log_verbose(1));
	assert_true(log_verbose(2));
	assert_false(log_verbose(3));
	log_set_verbosity(0);
	assert_false(log_verbose(1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_characters_are_escaped),
		cmocka_unit_test(test_a_long_text_is_cut_with_dots),
		cmocka_unit_test(test_log_escape_copies_the_whole_text),
		cmocka_unit_test(test_verbosity_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
