#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "privdrop.h"

/* What Linux 6 shows for a daemon after the drop, trimmed. */
static const char dropped[] =
	"Name:\tpxe-nfsd\n"
	"Uid:\t65534\t65534\t65534\t65534\n"
	"Gid:\t65534\t65534\t65534\t65534\n"
	"Groups:\t\n"
	"NoNewPrivs:\t1\n"
	"CapInh:\t0000000000000000\n"
	"CapPrm:\t0000000000000004\n"
	"CapEff:\t0000000000000004\n"
	"CapBnd:\t0000000000000004\n"
	"CapAmb:\t0000000000000000\n";

static void test_a_complete_drop_is_recognised(void **state)
{
	(void)state;
	assert_true(priv_check_status(dropped, 65534, 65534, PRIV_CAP(2)));
}

static void test_any_leftover_is_refused(void **state)
{
	static const struct { const char *from, *to; } bad[] = {
		{ "Uid:\t65534\t65534\t65534\t65534", "Uid:\t65534\t0\t65534\t65534" },
		{ "Gid:\t65534\t65534\t65534\t65534", "Gid:\t65534\t65534\t0\t65534" },
		{ "CapEff:\t0000000000000004", "CapEff:\t000001ffffffffff" },
		{ "CapPrm:\t0000000000000004", "CapPrm:\t0000000000000006" },
		{ "CapAmb:\t0000000000000000", "CapAmb:\t0000000000000004" },
		{ "NoNewPrivs:\t1", "NoNewPrivs:\t0" },
		{ "CapInh:\t0000000000000000", "CapInh:\t0000000000000001" },
	};
	char buf[sizeof dropped + 64];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *at = strstr(dropped, bad[i].from);

		assert_non_null(at);
		snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - dropped), dropped, bad[i].to,
			 at + strlen(bad[i].from));
		assert_false(priv_check_status(buf, 65534, 65534, PRIV_CAP(2)));
	}
	/* a field missing altogether */
	assert_false(priv_check_status("Uid:\t1\t1\t1\t1\n", 1, 1, 0));
	assert_false(priv_check_status("", 1, 1, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_complete_drop_is_recognised),
		cmocka_unit_test(test_any_leftover_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
