#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "options.h"

static const struct tftp_limits defaults = {
	.max_blksize = TFTP_MAX_BLKSIZE,
	.max_windowsize = TFTP_DEFAULT_MAX_WINDOWSIZE,
	.timeout_us = TFTP_DEFAULT_TIMEOUT_US,
};

struct fixture {
	struct tftp_request req;
	struct tftp_params params;
	struct tftp_oack oack;
	const char *msg;
};

static int negotiate(struct fixture *f, enum tftp_opcode op, const struct tftp_limits *lim,
		     int64_t size, const char *const *pairs)
{
	memset(f, 0, sizeof(*f));
	f->req.opcode = op;
	f->req.filename = "f";
	f->req.mode = TFTP_MODE_OCTET;
	for (; pairs[0]; pairs += 2) {
		f->req.opts[f->req.nopts].name = pairs[0];
		f->req.opts[f->req.nopts].value = pairs[1];
		f->req.nopts++;
	}
	return tftp_negotiate(&f->req, lim, size, &f->params, &f->oack, &f->msg);
}

static const char *oack_value(const struct fixture *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->oack.n; i++)
		if (strcmp(f->oack.opts[i].name, name) == 0)
			return f->oack.opts[i].value;
	return NULL;
}

static void test_no_options_means_no_oack_and_rfc1350_defaults(void **state)
{
	struct fixture f;
	const char *none[] = { NULL };

	(void)state;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 100, none), 0);
	assert_int_equal(f.oack.n, 0);
	assert_int_equal(f.params.blksize, 512);
	assert_int_equal(f.params.windowsize, 1);
	assert_int_equal(f.params.timeout_us, TFTP_DEFAULT_TIMEOUT_US);
	assert_false(f.params.timeout_negotiated);
}

static void test_uefi_request_gets_blksize_tsize_windowsize(void **state)
{
	struct fixture f;
	const char *opts[] = { "BlkSize", "1468", "tsize", "0", "windowsize", "4", NULL };

	(void)state;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 40000000, opts), 0);
	assert_int_equal(f.oack.n, 3);
	/* RFC 2347: names come back as the client spelled them. */
	assert_string_equal(f.oack.opts[0].name, "BlkSize");
	assert_string_equal(oack_value(&f, "BlkSize"), "1468");
	assert_string_equal(oack_value(&f, "tsize"), "40000000");
	assert_string_equal(oack_value(&f, "windowsize"), "4");
	assert_int_equal(f.params.blksize, 1468);
	assert_int_equal(f.params.windowsize, 4);
}

static void test_blksize_is_clamped_to_limit_and_bad_values_fail(void **state)
{
	struct fixture f;
	struct tftp_limits lim = defaults;
	const char *big[] = { "blksize", "65464", NULL };
	const char *huge[] = { "blksize", "70000", NULL };
	const char *tiny[] = { "blksize", "7", NULL };

	(void)state;
	lim.max_blksize = 1468;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &lim, 1, big), 0);
	assert_string_equal(oack_value(&f, "blksize"), "1468");
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, huge), 0);
	assert_int_equal(f.params.blksize, TFTP_MAX_BLKSIZE);
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, tiny), TFTP_EOPTNEG);
	assert_string_equal(f.msg, "Unsupported option(s) requested");
}

static void test_blksize2_rounds_down_to_power_of_two(void **state)
{
	struct fixture f;
	const char *opts[] = { "blksize2", "1468", NULL };
	const char *big[] = { "blksize2", "65464", NULL };

	(void)state;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, opts), 0);
	assert_string_equal(oack_value(&f, "blksize2"), "1024");
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, big), 0);
	assert_int_equal(f.params.blksize, 32768);
}

static void test_timeouts_are_range_checked(void **state)
{
	struct fixture f;
	const char *t3[] = { "timeout", "3", NULL };
	const char *t0[] = { "timeout", "0", NULL };
	const char *t256[] = { "timeout", "256", NULL };
	const char *u[] = { "utimeout", "50000", NULL };
	const char *ulow[] = { "utimeout", "9999", NULL };

	(void)state;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, t3), 0);
	assert_int_equal(f.params.timeout_us, 3000000);
	assert_true(f.params.timeout_negotiated);
	assert_string_equal(oack_value(&f, "timeout"), "3");
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, t0), TFTP_EOPTNEG);
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, t256), TFTP_EOPTNEG);
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, u), 0);
	assert_int_equal(f.params.timeout_us, 50000);
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, ulow), TFTP_EOPTNEG);
}

static void test_windowsize_is_range_checked_and_capped(void **state)
{
	struct fixture f;
	const char *w0[] = { "windowsize", "0", NULL };
	const char *wbig[] = { "windowsize", "65536", NULL };
	const char *w1000[] = { "windowsize", "1000", NULL };

	(void)state;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, w0), TFTP_EOPTNEG);
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, wbig), TFTP_EOPTNEG);
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, w1000), 0);
	assert_string_equal(oack_value(&f, "windowsize"), "64");
}

/* A netascii RRQ keeps its window in memory: 64 x 65464 would be 4 MB
 * per request, so the window is capped in bytes, whichever option
 * comes first, and the OACK grants the smaller windowsize. */
static void test_window_bytes_cap_lowers_the_granted_windowsize(void **state)
{
	struct tftp_limits lim = defaults;
	struct fixture f;
	const char *big[] = { "windowsize", "64", "blksize", "65464", NULL };
	const char *small[] = { "blksize", "1024", "windowsize", "64", NULL };
	const char *fits[] = { "blksize", "1024", "windowsize", "8", NULL };

	(void)state;
	lim.max_window_bytes = 65536;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &lim, -1, big), 0);
	assert_int_equal(f.params.windowsize, 1);
	assert_string_equal(oack_value(&f, "windowsize"), "1");
	assert_string_equal(oack_value(&f, "blksize"), "65464");
	assert_int_equal(negotiate(&f, TFTP_RRQ, &lim, -1, small), 0);
	assert_int_equal(f.params.windowsize, 64);
	assert_int_equal(negotiate(&f, TFTP_RRQ, &lim, -1, fits), 0);
	assert_string_equal(oack_value(&f, "windowsize"), "8");
	lim.max_window_bytes = 16384;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &lim, -1, small), 0);
	assert_int_equal(f.params.windowsize, 16);
	assert_string_equal(oack_value(&f, "windowsize"), "16");
}

static void test_tsize_rrq_reports_size_wrq_echoes_netascii_omits(void **state)
{
	struct fixture f;
	const char *ts[] = { "tsize", "0", NULL };
	const char *wts[] = { "tsize", "123456", NULL };

	(void)state;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 0, ts), 0);
	assert_string_equal(oack_value(&f, "tsize"), "0");
	assert_int_equal(negotiate(&f, TFTP_WRQ, &defaults, -1, wts), 0);
	assert_string_equal(oack_value(&f, "tsize"), "123456");
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, -1, ts), 0);
	assert_int_equal(f.oack.n, 0);
}

static void test_unknown_refused_and_non_numeric_options_are_ignored(void **state)
{
	struct fixture f;
	struct tftp_limits lim = defaults;
	const char *opts[] = { "multicast", "", "blksize", "abc", "tsize", "-1",
			       "timeout", " 3", "blksize", "1024", NULL };
	const char *refused[] = { "blksize", "1024", "tsize", "0", NULL };

	(void)state;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 5, opts), TFTP_EOPTNEG);
	assert_string_equal(f.msg, "Duplicate option");
	opts[8] = NULL;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 5, opts), 0);
	assert_int_equal(f.oack.n, 0);
	lim.refused = 1u << OPT_BLKSIZE;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &lim, 5, refused), 0);
	assert_int_equal(f.oack.n, 1);
	assert_null(oack_value(&f, "blksize"));
	assert_int_equal(f.params.blksize, 512);
}

static void test_rollover_accepts_0_to_65535(void **state)
{
	struct fixture f;
	const char *r1[] = { "rollover", "1", NULL };
	const char *rbad[] = { "rollover", "65536", NULL };

	(void)state;
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, r1), 0);
	assert_int_equal(f.params.rollover, 1);
	assert_int_equal(negotiate(&f, TFTP_RRQ, &defaults, 1, rbad), TFTP_EOPTNEG);
}

static void test_option_lookup_knows_refusable_names(void **state)
{
	(void)state;
	assert_int_equal(tftp_option_lookup("BLKSIZE"), OPT_BLKSIZE);
	assert_int_equal(tftp_option_lookup("windowsize"), OPT_WINDOWSIZE);
	assert_int_equal(tftp_option_lookup("utimeout"), OPT_UTIMEOUT);
	assert_int_equal(tftp_option_lookup("multicast"), -1);
	assert_string_equal(tftp_option_name(OPT_ROLLOVER), "rollover");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_options_means_no_oack_and_rfc1350_defaults),
		cmocka_unit_test(test_uefi_request_gets_blksize_tsize_windowsize),
		cmocka_unit_test(test_blksize_is_clamped_to_limit_and_bad_values_fail),
		cmocka_unit_test(test_blksize2_rounds_down_to_power_of_two),
		cmocka_unit_test(test_timeouts_are_range_checked),
		cmocka_unit_test(test_windowsize_is_range_checked_and_capped),
		cmocka_unit_test(test_window_bytes_cap_lowers_the_granted_windowsize),
		cmocka_unit_test(test_tsize_rrq_reports_size_wrq_echoes_netascii_omits),
		cmocka_unit_test(test_unknown_refused_and_non_numeric_options_are_ignored),
		cmocka_unit_test(test_rollover_accepts_0_to_65535),
		cmocka_unit_test(test_option_lookup_knows_refusable_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
