#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "diag.h"
#include "strbuf.h"

static void test_line_only_and_no_kind(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	diag_add(&sb, (struct diag_pos){ "/etc/exports", 12, 0 }, NULL, "unknown keyword %s", "x");
	assert_string_equal(sb_str(&sb), "/etc/exports:12: unknown keyword x\n");
	sb_free(&sb);
}

static void test_column_and_kind(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	diag_add(&sb, (struct diag_pos){ "pxekit.conf", 3, 7 }, "error", "bad %d", 5);
	diag_add(&sb, (struct diag_pos){ "pxekit.conf", 4, 1 }, "warning", "%s", "odd");
	assert_string_equal(sb_str(&sb),
			    "pxekit.conf:3:7: error: bad 5\npxekit.conf:4:1: warning: odd\n");
	sb_free(&sb);
}

static void test_format_fits_and_truncates(void **state)
{
	char buf[64], small[12];

	(void)state;
	assert_string_equal(diag_format(buf, sizeof buf, (struct diag_pos){ "map", 2, 0 },
					NULL, "no regex after \"%s\"", "r"),
			    "map:2: no regex after \"r\"");
	assert_string_equal(diag_format(small, sizeof small, (struct diag_pos){ "map", 2, 0 },
					"error", "%s", "a long message"),
			    "map:2: erro");
	/* no file name: a dash, never "(null)" */
	assert_string_equal(diag_format(buf, sizeof buf, (struct diag_pos){ NULL, 1, 0 }, NULL,
					"x"), "-:1: x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_only_and_no_kind),
		cmocka_unit_test(test_column_and_kind),
		cmocka_unit_test(test_format_fits_and_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
