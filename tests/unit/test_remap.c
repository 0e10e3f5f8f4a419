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

#include "remap.h"

static struct sockaddr_in client4;
static struct sockaddr_in6 client6;

static struct remap *rules_from(const char *text, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct remap *m = remap_parse(f, "rules", err, errlen);

	fclose(f);
	return m;
}

/* Applies text's rules to input as an IPv4 RRQ; returns the result (or
 * "DENY:message"), in a static buffer. */
static const char *apply(const char *text, const char *input, bool wrq, bool v6)
{
	static char result[512];
	char err[256] = "";
	struct remap *m = rules_from(text, err, sizeof(err));
	struct remap_request rq = { wrq, v6 ? (struct sockaddr *)&client6
					     : (struct sockaddr *)&client4, 0 };
	char *out = NULL;

	if (m == NULL) {
		snprintf(result, sizeof(result), "PARSE:%s", err);
		return result;
	}
	if (remap_apply(m, input, &rq, &out) == REMAP_DENY)
		snprintf(result, sizeof(result), "DENY:%s", out);
	else
		snprintf(result, sizeof(result), "%s", out);
	free(out);
	remap_free(m);
	return result;
}

static int setup(void **state)
{
	(void)state;
	client4.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.169", &client4.sin_addr);
	client6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &client6.sin6_addr);
	return 0;
}

static void test_rewrite_replaces_first_match_with_groups(void **state)
{
	(void)state;
	assert_string_equal(apply("r ^(pxelinux)\\.cfg/(.*) \\1/cfg/\\2\n",
				  "pxelinux.cfg/default", false, false), "pxelinux/cfg/default");
	assert_string_equal(apply("r a b\n", "aaa", false, false), "baa");
	assert_string_equal(apply("r ^ /tftpboot/\n", "x", false, false), "/tftpboot/x");
	assert_string_equal(apply("r .* [\\0]\n", "abc", false, false), "[abc]");
}

static void test_global_repeats_until_no_match(void **state)
{
	(void)state;
	assert_string_equal(apply("rg \\\\ /\n", "a\\b\\c", false, false), "a/b/c");
	assert_string_equal(apply("rg // /\n", "a////b", false, false), "a/b");
}

static void test_case_insensitive_and_case_escapes(void **state)
{
	(void)state;
	assert_string_equal(apply("ri ^PXE(.*) pxe\\L\\1\\E!\n", "pxeLINUX.0", false, false),
			    "pxelinux.0!");
	assert_string_equal(apply("r (.*) \\U\\1\n", "ab-c", false, false), "AB-C");
}

static void test_client_address_escapes(void **state)
{
	(void)state;
	assert_string_equal(apply("r ^ \\i/\n", "f", false, false), "192.0.2.169/f");
	assert_string_equal(apply("r ^ \\x/\n", "f", false, false), "C00002A9/f");
	assert_string_equal(apply("r ^ \\x/\n", "f", false, true),
			    "20010DB8000000000000000000000001/f");
	assert_string_equal(apply("r ^ \\i/\n", "f", false, true), "2001:db8::1/f");
}

static void test_exit_stops_and_restart_reruns(void **state)
{
	(void)state;
	assert_string_equal(apply("re ^a b\nr ^b c\n", "a", false, false), "b");
	assert_string_equal(apply("r ^a b\nr ^b c\n", "a", false, false), "c");
	/* 's' restarts from the first rule after rewriting. */
	assert_string_equal(apply("r ^x y\nrs ^z x\n", "z", false, false), "y");
}

static void test_abort_denies_with_expanded_message(void **state)
{
	(void)state;
	assert_string_equal(apply("a \\.\\./ Go\\ away:\\ \\0\n", "../etc", false, false),
			    "DENY:Go away: ../");
	assert_string_equal(apply("a secret\n", "top-secret", false, false), "DENY:Access denied");
	assert_string_equal(apply("a secret\n", "public", false, false), "public");
}

/* "ra": the message is expanded from the match in the string before the
 * rewrite; the offsets of a 1001-byte name used on the 3-byte result
 * read past its end (heap-buffer-overflow under ASan). tftpd-hpa 5.2
 * answers "bbb". */
static void test_rewrite_then_abort_expands_from_the_matched_string(void **state)
{
	char input[1002];

	(void)state;
	memset(input, 'a', 1000);
	strcpy(input + 1000, "b");
	assert_string_equal(apply("ra ^a*(b)$ \\1\\1\\1\n", input, false, false), "DENY:bbb");
	assert_string_equal(apply("ra x(y) <\\1>\n", "aaaaaaaaaaxyz", false, false), "DENY:<y>");
	/* With 'g' the rewrite runs until no match is left: no groups. */
	assert_string_equal(apply("rga x(y) <\\1>\n", "xyxy", false, false), "DENY:<>");
}

static void test_inverse_rule_fires_when_regex_does_not_match(void **state)
{
	(void)state;
	assert_string_equal(apply("a~ ^boot/ Only\\ boot/\n", "etc/passwd", false, false),
			    "DENY:Only boot/");
	assert_string_equal(apply("a~ ^boot/\n", "boot/x", false, false), "boot/x");
}

static void test_get_put_and_family_flags_select_requests(void **state)
{
	(void)state;
	assert_string_equal(apply("rG ^ get/\nrP ^ put/\n", "f", false, false), "get/f");
	assert_string_equal(apply("rG ^ get/\nrP ^ put/\n", "f", true, false), "put/f");
	assert_string_equal(apply("r4 ^ v4/\nr6 ^ v6/\n", "f", false, false), "v4/f");
	assert_string_equal(apply("r4 ^ v4/\nr6 ^ v6/\n", "f", false, true), "v6/f");
}

static void test_comments_escapes_and_blank_lines_parse(void **state)
{
	(void)state;
	assert_string_equal(apply("# comment\n\n   \nr a\\ b x\\#y # trailing\n", "a b", false, false),
			    "x#y");
}

static void test_endless_loop_is_broken(void **state)
{
	(void)state;
	assert_string_equal(apply("rs a a\n", "a", false, false), "DENY:Remap table failure");
	assert_string_equal(apply("rg a aa\n", "a", false, false), "DENY:Remap table failure");
}

static void test_bad_rules_name_file_and_line(void **state)
{
	(void)state;
	assert_string_equal(apply("r a b\nrq x y\n", "a", false, false),
			    "PARSE:rules:2: invalid flag 'q' in \"rq\"");
	assert_string_equal(apply("r~ a b\n", "a", false, false),
			    "PARSE:rules:1: flags 'r' and '~' cannot be combined");
	assert_string_equal(apply("r\n", "a", false, false), "PARSE:rules:1: no regex after \"r\"");
	assert_true(strncmp(apply("r ( x\n", "a", false, false), "PARSE:rules:1: bad regex", 24) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_replaces_first_match_with_groups),
		cmocka_unit_test(test_global_repeats_until_no_match),
		cmocka_unit_test(test_case_insensitive_and_case_escapes),
		cmocka_unit_test(test_client_address_escapes),
		cmocka_unit_test(test_exit_stops_and_restart_reruns),
		cmocka_unit_test(test_abort_denies_with_expanded_message),
		cmocka_unit_test(test_rewrite_then_abort_expands_from_the_matched_string),
		cmocka_unit_test(test_inverse_rule_fires_when_regex_does_not_match),
		cmocka_unit_test(test_get_put_and_family_flags_select_requests),
		cmocka_unit_test(test_comments_escapes_and_blank_lines_parse),
		cmocka_unit_test(test_endless_loop_is_broken),
		cmocka_unit_test(test_bad_rules_name_file_and_line),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
