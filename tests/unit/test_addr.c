#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "addr.h"
#include "strnum.h"

static int split(const char *spec, char *host, char *port, const char **err)
{
	return addr_split_hostport(spec, host, 64, port, 16, err);
}

static void test_hostport_forms_split(void **state)
{
	char host[64], port[16];
	const char *err;

	(void)state;
	assert_int_equal(split("", host, port, &err), 0);
	assert_string_equal(host, "");
	assert_string_equal(port, "");
	assert_int_equal(split(":6969", host, port, &err), 0);
	assert_string_equal(port, "6969");
	assert_int_equal(split("192.0.2.1:tftp", host, port, &err), 0);
	assert_string_equal(host, "192.0.2.1");
	assert_string_equal(port, "tftp");
	assert_int_equal(split("[::1]:69", host, port, &err), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "69");
	assert_int_equal(split("[fe80::1]", host, port, &err), 0);
	assert_string_equal(port, "");
}

static void test_bare_ipv6_and_broken_brackets_are_refused(void **state)
{
	char host[64], port[16];
	const char *err = NULL;

	(void)state;
	assert_int_equal(split("::1", host, port, &err), -1);
	assert_string_equal(err, "numeric IPv6 addresses must be enclosed in []");
	assert_int_equal(split("[::1", host, port, &err), -1);
	assert_int_equal(split("[::1]x", host, port, &err), -1);
}

static void test_address_text_and_equality(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, b;
	char text[ADDR_STRLEN];

	(void)state;
	inet_pton(AF_INET, "10.1.2.3", &a.sin_addr);
	addr_set_port((struct sockaddr *)&a, 69);
	assert_string_equal(addr_ntop((struct sockaddr *)&a, text, sizeof(text)), "10.1.2.3");
	assert_int_equal(addr_port((struct sockaddr *)&a), 69);
	b = a;
	assert_true(addr_equal((struct sockaddr *)&a, (struct sockaddr *)&b));
	addr_set_port((struct sockaddr *)&b, 70);
	assert_false(addr_equal((struct sockaddr *)&a, (struct sockaddr *)&b));
}

static void test_numbers_are_strict(void **state)
{
	uintmax_t v = 7;

	(void)state;
	assert_true(parse_uint("1468", 8, 65464, &v));
	assert_int_equal(v, 1468);
	assert_false(parse_uint("", 0, 10, &v));
	assert_false(parse_uint("+1", 0, 10, &v));
	assert_false(parse_uint(" 1", 0, 10, &v));
	assert_false(parse_uint("0x10", 0, 100, &v));
	assert_false(parse_uint("11", 0, 10, &v));
	assert_false(parse_uint("99999999999999999999999", 0, UINTMAX_MAX, &v));
	assert_true(parse_uint_base("022", 8, 0, 0777, &v));
	assert_int_equal(v, 022);
	assert_false(parse_uint_base("8", 8, 0, 0777, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostport_forms_split),
		cmocka_unit_test(test_bare_ipv6_and_broken_brackets_are_refused),
		cmocka_unit_test(test_address_text_and_equality),
		cmocka_unit_test(test_numbers_are_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
