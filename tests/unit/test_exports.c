#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "exports.h"

static struct strbuf diag = STRBUF_INIT;

static struct exports *parse(const char *text)
{
	sb_reset(&diag);
	return exports_parse(text, "exports", &diag);
}

/* The text must be refused with this message among the diagnostics. */
static void refused(const char *text, const char *message)
{
	struct exports *ex = parse(text);

	if (ex != NULL || strstr(sb_str(&diag), message) == NULL)
		fail_msg("expected \"%s\" for \"%s\", got:\n%s", message, text, sb_str(&diag));
}

static struct sockaddr_storage ip(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof ss);
	if (strchr(text, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &a->sin_addr), 1);
	}
	return ss;
}

static const char *match(const struct export *e, const char *addr, const char *name)
{
	struct sockaddr_storage ss = ip(addr);
	const struct export_client *c = export_match(e, (struct sockaddr *)&ss, name);

	return c ? c->spec : NULL;
}

static void test_defaults_are_knfsd_defaults(void **state)
{
	struct exports *ex = parse("/srv/images host1(sync)\n");
	const struct export_options *o;

	(void)state;
	assert_non_null(ex);
	assert_int_equal(ex->n, 1);
	o = &ex->v[0].clients[0].opts;
	assert_false(o->rw);
	assert_true(o->secure);
	assert_int_equal(o->squash, SQUASH_ROOT);
	assert_int_equal(o->anonuid, 65534);
	assert_int_equal(o->anongid, 65534);
	assert_false(o->async);
	assert_false(o->subtree_check);
	assert_true(o->rdirplus);
	exports_free(ex);
}

static void test_every_option_is_understood(void **state)
{
	struct exports *ex = parse(
		"/a 10.0.0.0/8(rw,insecure,no_root_squash,async,subtree_check,nordirplus,"
		"anonuid=1000,anongid=100,fsid=7,wdelay,no_wdelay,hide,sec=sys,no_acl)\n"
		"/b *(all_squash,no_all_squash,secure,ro,sync,no_subtree_check,rdirplus,fsid=root)\n"
		"/c *(fsid=2c3e8a46-1d2f-4c0d-9a3b-5e6f7a8b9c0d)\n");
	const struct export_options *a, *b;

	(void)state;
	assert_non_null(ex);
	a = &ex->v[0].clients[0].opts;
	assert_true(a->rw);
	assert_false(a->secure);
	assert_int_equal(a->squash, SQUASH_NONE);
	assert_true(a->async);
	assert_true(a->subtree_check);
	assert_false(a->rdirplus);
	assert_int_equal(a->anonuid, 1000);
	assert_int_equal(a->anongid, 100);
	assert_int_equal(ex->v[0].fsid, 7);
	b = &ex->v[1].clients[0].opts;
	assert_int_equal(b->squash, SQUASH_ROOT);
	assert_false(b->rw);
	assert_int_equal(ex->v[1].fsid, 0);
	assert_true(ex->v[2].fsid != 0);
	exports_free(ex);
}

static void test_no_all_squash_keeps_no_root_squash(void **state)
{
	struct exports *ex = parse("/a *(no_root_squash,no_all_squash)\n");

	(void)state;
	assert_non_null(ex);
	assert_int_equal(ex->v[0].clients[0].opts.squash, SQUASH_NONE);
	exports_free(ex);
}

static void test_line_defaults_continuations_and_quotes(void **state)
{
	struct exports *ex = parse(
		"# comment\n"
		"\n"
		"/srv/tftp -rw,insecure \\\n"
		"    192.0.2.0/24(no_root_squash) \\\n"
		"    host2(ro)   # trailing comment\n"
		"\"/srv/with space\" *(ro)\n"
		"/srv/octal\\040name *(ro)\n"
		"/srv/trailing/// *(ro)\n");

	(void)state;
	assert_non_null(ex);
	assert_int_equal(ex->n, 4);
	assert_string_equal(ex->v[0].path, "/srv/tftp");
	assert_int_equal(ex->v[0].line, 3);
	assert_int_equal(ex->v[0].nclients, 2);
	assert_true(ex->v[0].clients[0].opts.rw);
	assert_false(ex->v[0].clients[0].opts.secure);
	assert_int_equal(ex->v[0].clients[0].opts.squash, SQUASH_NONE);
	assert_false(ex->v[0].clients[1].opts.rw);
	assert_string_equal(ex->v[1].path, "/srv/with space");
	assert_string_equal(ex->v[2].path, "/srv/octal name");
	assert_string_equal(ex->v[3].path, "/srv/trailing");
	exports_free(ex);
}

static void test_warnings_for_missing_options_and_hosts(void **state)
{
	struct exports *ex = parse("/a host1\n/b\n");

	(void)state;
	assert_non_null(ex);
	assert_non_null(strstr(sb_str(&diag), "exports:1: warning: no options for /a host1"));
	assert_non_null(strstr(sb_str(&diag), "exports:2: warning: no host name given for /b"));
	assert_int_equal(ex->v[1].clients[0].kind, CLIENT_ANONYMOUS);
	exports_free(ex);
}

static void test_bad_lines_are_refused_with_file_and_line(void **state)
{
	(void)state;
	refused("/a *(rw,bogus)\n", "exports:1: unknown keyword \"bogus\"");
	refused("\n/a *(ro\n", "exports:2: syntax error: bad option list");
	refused("/a *(ro,)\n", "exports:1: syntax error: bad option list");
	refused("/a *()\n", "syntax error: bad option list");
	refused("/a (ro)\n", "expected client(options...)");
	refused("relative *(ro)\n", "the export path must be absolute");
	refused("/a/../etc *(ro)\n", "\".\" and \"..\" are not allowed");
	refused("/a *(anonuid=-1)\n", "bad anonuid");
	refused("/a *(anonuid=4294967295)\n", "bad anonuid");
	refused("/a *(anongid=x)\n", "bad anongid");
	refused("/a *(fsid=abc)\n", "bad fsid");
	refused("/a *(sec=krb5)\n", "sec=krb5 is not supported");
	refused("/a @trusted(ro)\n", "netgroups are not supported");
	refused("/a 10.0.0.0/33(ro)\n", "bad network prefix or mask");
	refused("/a 10.0.0.0/255.0.255.0(ro)\n", "bad network prefix or mask");
	refused("/a ::1/129(ro)\n", "bad network prefix or mask");
	refused("/a host/24(ro)\n", "a network must be an address");
	refused("/a host;rm(ro)\n", "not a host name");
	refused("\"/a *(ro)\n", "missing closing '\"'");
	refused("/a *(fsid=1)\n/b *(fsid=1)\n", "exports:2: /a and /b have the same fsid 1");
}

static void test_unsupported_options_warn(void **state)
{
	struct exports *ex = parse("/a *(ro,crossmnt)\n");

	(void)state;
	assert_non_null(ex);
	assert_non_null(strstr(sb_str(&diag), "warning: option \"crossmnt\" is not supported"));
	exports_free(ex);
}

static void test_host_matching_follows_precedence(void **state)
{
	struct exports *ex = parse(
		"/a *(ro) *.lab.example(ro) 192.0.2.0/24(ro) node7.lab.example(ro) 192.0.2.9(ro) "
		"2001:db8::/32(ro) 10.1.0.0/255.255.0.0(ro)\n");
	const struct export *e;

	(void)state;
	assert_non_null(ex);
	e = &ex->v[0];
	/* an address beats a network, which beats a wildcard, which beats * */
	assert_string_equal(match(e, "192.0.2.9", "node1.lab.example"), "192.0.2.9");
	assert_string_equal(match(e, "192.0.2.10", "node1.lab.example"), "192.0.2.0/24");
	assert_string_equal(match(e, "198.51.100.1", "node1.lab.example"), "*.lab.example");
	assert_string_equal(match(e, "198.51.100.1", "node7.lab.example"), "node7.lab.example");
	assert_string_equal(match(e, "198.51.100.1", "NODE7.LAB.EXAMPLE"), "node7.lab.example");
	assert_string_equal(match(e, "198.51.100.1", NULL), "*");
	assert_string_equal(match(e, "10.1.200.3", NULL), "10.1.0.0/255.255.0.0");
	assert_string_equal(match(e, "2001:db8::5", NULL), "2001:db8::/32");
	/* a client of a dual-stack socket: IPv4-mapped IPv6 */
	assert_string_equal(match(e, "::ffff:192.0.2.9", NULL), "192.0.2.9");
	exports_free(ex);
}

static void test_unlisted_hosts_do_not_match(void **state)
{
	struct exports *ex = parse("/a 192.0.2.0/25(ro) node?.lab(ro) 2001:db8::1(ro)\n");
	const struct export *e;

	(void)state;
	assert_non_null(ex);
	e = &ex->v[0];
	assert_null(match(e, "192.0.2.128", NULL));
	assert_null(match(e, "10.0.0.1", "node12.lab"));
	assert_string_equal(match(e, "10.0.0.1", "node1.lab"), "node?.lab");
	assert_null(match(e, "2001:db8::2", NULL));
	assert_null(match(e, "::ffff:10.0.0.1", NULL));
	exports_free(ex);
}

static void test_paths_match_on_component_boundaries(void **state)
{
	struct exports *ex = parse("/srv *(ro)\n/srv/images *(ro)\n/ 10.0.0.1(ro)\n");

	(void)state;
	assert_non_null(ex);
	assert_string_equal(exports_find_path(ex, "/srv/images/debian")->path, "/srv/images");
	assert_string_equal(exports_find_path(ex, "/srv/images")->path, "/srv/images");
	assert_string_equal(exports_find_path(ex, "/srv/imagesX")->path, "/srv");
	assert_string_equal(exports_find_path(ex, "/etc")->path, "/");
	assert_ptr_equal(exports_find_fsid(ex, ex->v[1].fsid), &ex->v[1]);
	assert_null(exports_find_fsid(ex, ex->v[0].fsid + 1 == ex->v[1].fsid ||
					  ex->v[0].fsid + 1 == ex->v[2].fsid ? 12345 : ex->v[0].fsid + 1));
	exports_free(ex);
}

static void test_same_path_twice_merges_clients(void **state)
{
	struct exports *ex = parse("/a host1(ro)\n/a host2(rw)\n");

	(void)state;
	assert_non_null(ex);
	assert_int_equal(ex->n, 1);
	assert_int_equal(ex->v[0].nclients, 2);
	exports_free(ex);
}

static void test_options_format_like_exportfs(void **state)
{
	struct exports *ex = parse("/a *(rw,insecure,all_squash,anonuid=5,anongid=6,fsid=9)\n");
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_non_null(ex);
	export_options_format(&ex->v[0].clients[0].opts, &sb);
	assert_string_equal(sb_str(&sb),
			    "sync,no_subtree_check,rw,insecure,all_squash,anonuid=5,anongid=6,fsid=9");
	sb_free(&sb);
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
		cmocka_unit_test(test_defaults_are_knfsd_defaults),
		cmocka_unit_test(test_every_option_is_understood),
		cmocka_unit_test(test_no_all_squash_keeps_no_root_squash),
		cmocka_unit_test(test_line_defaults_continuations_and_quotes),
		cmocka_unit_test(test_warnings_for_missing_options_and_hosts),
		cmocka_unit_test(test_bad_lines_are_refused_with_file_and_line),
		cmocka_unit_test(test_unsupported_options_warn),
		cmocka_unit_test(test_host_matching_follows_precedence),
		cmocka_unit_test(test_unlisted_hosts_do_not_match),
		cmocka_unit_test(test_paths_match_on_component_boundaries),
		cmocka_unit_test(test_same_path_twice_merges_clients),
		cmocka_unit_test(test_options_format_like_exportfs),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
