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

/* The IPv4 client of a dual-stack socket is an IPv4 client: its text,
 * bytes (remap's \\x) and family (remap's 4/6 flags) say so. */
static void test_v4_mapped_address_is_unmapped(void **state)
{
	struct sockaddr_in6 m = { .sin6_family = AF_INET6, .sin6_port = htons(2000) };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_storage buf;
	const struct sockaddr *u;
	char text[ADDR_STRLEN];
	size_t n;

	(void)state;
	inet_pton(AF_INET6, "::ffff:192.0.2.169", &m.sin6_addr);
	u = addr_unmap_v4((struct sockaddr *)&m, &buf);
	assert_int_equal(u->sa_family, AF_INET);
	assert_string_equal(addr_ntop(u, text, sizeof(text)), "192.0.2.169");
	assert_int_equal(addr_port(u), 2000);
	assert_non_null(addr_bytes(u, &n));
	assert_int_equal(n, 4);
	inet_pton(AF_INET6, "2001:db8::1", &v6.sin6_addr);
	assert_ptr_equal(addr_unmap_v4((struct sockaddr *)&v6, &buf), (struct sockaddr *)&v6);
	assert_ptr_equal(addr_unmap_v4((struct sockaddr *)&v4, &buf), (struct sockaddr *)&v4);
	/* a caller's text: IPv4 as written in exports, IPv6 as it is */
	assert_string_equal(peer_ntop((struct sockaddr *)&m, text, sizeof text), "192.0.2.169");
	assert_string_equal(peer_ntop((struct sockaddr *)&v6, text, sizeof text), "2001:db8::1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostport_forms_split),
		cmocka_unit_test(test_bare_ipv6_and_broken_brackets_are_refused),
		cmocka_unit_test(test_address_text_and_equality),
		cmocka_unit_test(test_numbers_are_strict),
		cmocka_unit_test(test_v4_mapped_address_is_unmapped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
