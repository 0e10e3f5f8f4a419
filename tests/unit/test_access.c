#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "access.h"

/* A resolver that answers what the test says, and counts the questions. */
struct fake_dns {
	bool pending;
	const char *name, *unconfirmed;
	unsigned asked;
};

static bool fake_lookup(void *ctx, const struct sockaddr *sa, struct peer_name *out)
{
	struct fake_dns *f = ctx;

	(void)sa;
	f->asked++;
	out->name = f->name;
	out->unconfirmed = f->unconfirmed;
	return !f->pending;
}

static struct strbuf diag = STRBUF_INIT;

static struct exports *parse(const char *text)
{
	struct exports *ex;

	sb_reset(&diag);
	ex = exports_parse(text, "exports", &diag);
	if (ex == NULL)
		fail_msg("%s", sb_str(&diag));
	return ex;
}

static struct sockaddr_storage peer(const char *text, unsigned port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof ss);
	if (strchr(text, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET6, text, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET, text, &a->sin_addr), 1);
	}
	return ss;
}

static enum access_reason decide(const struct export *e, const char *addr, unsigned port,
				 struct fake_dns *dns, struct access_result *r)
{
	struct sockaddr_storage ss = peer(addr, port);
	struct name_lookup names = { fake_lookup, dns };

	return access_check(e, (struct sockaddr *)&ss, &names, r);
}

/* What the loader does for a host name: its addresses. */
static void give_address(struct export_client *c, const char *addr)
{
	c->addrs = realloc(c->addrs, (c->naddrs + 1) * sizeof *c->addrs);
	assert_non_null(c->addrs);
	memset(&c->addrs[c->naddrs], 0, sizeof *c->addrs);
	c->addrs[c->naddrs].family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(c->addrs[c->naddrs].family, addr, c->addrs[c->naddrs].addr);
	c->naddrs++;
}

/* Issue 17 item 12: an address match never waits for reverse DNS, even
 * when a resolver would never answer. */
static void test_an_address_match_never_asks_dns(void **state)
{
	struct exports *ex = parse("/a *.lab.example(rw) 192.0.2.0/24(ro) node8(ro) *(ro)\n");
	struct fake_dns dns = { .pending = true };
	struct access_result r;

	(void)state;
	give_address(&ex->v[0].clients[2], "198.51.100.8");
	assert_int_equal(decide(&ex->v[0], "192.0.2.9", 700, &dns, &r), ACCESS_OK);
	assert_string_equal(r.client->spec, "192.0.2.0/24");
	assert_int_equal(decide(&ex->v[0], "::ffff:198.51.100.8", 700, &dns, &r), ACCESS_OK);
	assert_string_equal(r.client->spec, "node8");
	assert_int_equal(dns.asked, 0);
	assert_false(r.looked_up);
	exports_free(ex);
}

/* Item 7: "node8" matches by what node8 resolves to, not by comparing
 * the string with a PTR name. */
static void test_short_host_names_match_by_address(void **state)
{
	struct exports *ex = parse("/a node8(rw)\n");
	struct fake_dns dns = { .name = "node8.lab.example" };
	struct access_result r;

	(void)state;
	give_address(&ex->v[0].clients[0], "10.0.0.8");
	give_address(&ex->v[0].clients[0], "2001:db8::8");
	assert_int_equal(decide(&ex->v[0], "10.0.0.8", 700, &dns, &r), ACCESS_OK);
	assert_int_equal(decide(&ex->v[0], "2001:db8::8", 700, &dns, &r), ACCESS_OK);
	assert_int_equal(decide(&ex->v[0], "10.0.0.9", 700, &dns, &r),
			 ACCESS_NOT_EXPORTED_TO_HOST);
	/* a name whose look-up failed at load matches nothing */
	ex->v[0].clients[0].naddrs = 0;
	assert_int_equal(decide(&ex->v[0], "10.0.0.8", 700, &dns, &r),
			 ACCESS_NOT_EXPORTED_TO_HOST);
	assert_int_equal(dns.asked, 0);
	exports_free(ex);
}

/* Item 12: a wildcard needs the name; while it is not known the request
 * waits (dropped) instead of the loop. */
static void test_a_wildcard_waits_for_the_name(void **state)
{
	struct exports *ex = parse("/a *.lab.example(rw,no_root_squash) *(ro)\n");
	struct fake_dns dns = { .pending = true };
	struct access_result r;

	(void)state;
	assert_int_equal(decide(&ex->v[0], "10.0.0.7", 700, &dns, &r), ACCESS_NAME_PENDING);
	assert_null(r.client);
	dns.pending = false;
	dns.name = "node7.lab.example";
	assert_int_equal(decide(&ex->v[0], "10.0.0.7", 700, &dns, &r), ACCESS_OK);
	assert_string_equal(r.client->spec, "*.lab.example");
	assert_true(r.looked_up);
	exports_free(ex);
}

/* Item 9: a PTR name that its own addresses do not confirm is no name;
 * the resolver gives only the unconfirmed text for the log. */
static void test_an_unconfirmed_ptr_name_gets_nothing(void **state)
{
	struct exports *ex = parse("/a *.lab.example(rw,no_root_squash)\n/b *.lab.example(rw) *(ro)\n");
	struct fake_dns dns = { .unconfirmed = "node7.lab.example" };
	struct access_result r;

	(void)state;
	assert_int_equal(decide(&ex->v[0], "203.0.113.9", 700, &dns, &r),
			 ACCESS_NOT_EXPORTED_TO_HOST);
	assert_string_equal(r.name.unconfirmed, "node7.lab.example");
	assert_int_equal(decide(&ex->v[1], "203.0.113.9", 700, &dns, &r), ACCESS_OK);
	assert_string_equal(r.client->spec, "*");
	assert_false(r.client->opts.rw);
	exports_free(ex);
}

/* nfs-utils: addresses and host names are one kind; the first on the
 * line wins between them. */
static void test_a_name_before_its_address_wins(void **state)
{
	struct exports *ex = parse("/a node8(rw) 10.0.0.8(ro)\n/b 10.0.0.8(ro) node8(rw)\n");
	struct fake_dns dns = { 0 };
	struct access_result r;

	(void)state;
	give_address(&ex->v[0].clients[0], "10.0.0.8");
	give_address(&ex->v[1].clients[1], "10.0.0.8");
	assert_int_equal(decide(&ex->v[0], "10.0.0.8", 700, &dns, &r), ACCESS_OK);
	assert_true(r.client->opts.rw);
	assert_int_equal(decide(&ex->v[1], "10.0.0.8", 700, &dns, &r), ACCESS_OK);
	assert_false(r.client->opts.rw);
	exports_free(ex);
}

static void test_secure_needs_a_reserved_port(void **state)
{
	struct exports *ex = parse("/a 10.0.0.0/8(ro) 192.0.2.1(ro,insecure)\n");
	struct fake_dns dns = { 0 };
	struct access_result r;

	(void)state;
	assert_int_equal(decide(&ex->v[0], "10.1.2.3", 1023, &dns, &r), ACCESS_OK);
	assert_int_equal(decide(&ex->v[0], "10.1.2.3", 1024, &dns, &r), ACCESS_INSECURE_PORT);
	assert_string_equal(r.client->spec, "10.0.0.0/8");
	assert_int_equal(decide(&ex->v[0], "192.0.2.1", 40000, &dns, &r), ACCESS_OK);
	assert_non_null(strstr(access_reason_text(ACCESS_INSECURE_PORT), "insecure"));
	exports_free(ex);
}

/* Item 10: all_squash, then no_root_squash, still squashes root. */
static void test_all_squash_with_no_root_squash_squashes_root(void **state)
{
	struct exports *ex = parse("/a *(all_squash,no_root_squash,anonuid=99,anongid=98)\n");
	struct rpc_cred root = { .flavor = RPC_AUTH_SYS, .uid = 0, .gid = 0, .ngids = 1,
				 .gids = { 0 } };
	struct identity id;

	(void)state;
	squash_identity(&ex->v[0].clients[0].opts, &root, &id);
	assert_int_equal(id.uid, 99);
	assert_int_equal(id.gid, 98);
	assert_int_equal(id.ngids, 0);
	exports_free(ex);
}

static int teardown(void **state)
{
	(void)state;
	sb_free(&diag);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_address_match_never_asks_dns),
		cmocka_unit_test(test_short_host_names_match_by_address),
		cmocka_unit_test(test_a_wildcard_waits_for_the_name),
		cmocka_unit_test(test_an_unconfirmed_ptr_name_gets_nothing),
		cmocka_unit_test(test_a_name_before_its_address_wins),
		cmocka_unit_test(test_secure_needs_a_reserved_port),
		cmocka_unit_test(test_all_squash_with_no_root_squash_squashes_root),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
