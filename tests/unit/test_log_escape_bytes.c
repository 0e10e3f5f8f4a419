#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_characters_are_escaped),
		cmocka_unit_test(test_a_long_text_is_cut_with_dots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
