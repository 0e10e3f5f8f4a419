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

/* The spec that applies, by access.c's decision with a resolver that
 * knows the given (confirmed) name at once; port 1 is reserved. */
static bool known_name(void *ctx, const struct sockaddr *sa, struct peer_name *out)
{
	(void)sa;
	out->name = ctx;
	out->unconfirmed = NULL;
	return true;
}

static const char *match(const struct export *e, const char *addr, const char *name)
{
	struct sockaddr_storage ss = ip(addr);
	struct name_lookup names = { known_name, (void *)(uintptr_t)name };
	struct access_result r;

	((struct sockaddr_in *)&ss)->sin_port = htons(1);
	access_check(e, (struct sockaddr *)&ss, &names, &r);
	return r.client ? r.client->spec : NULL;
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
	assert_true(o->root_squash);
	assert_false(o->all_squash);
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
	assert_false(a->root_squash);
	assert_true(a->async);
	assert_true(a->subtree_check);
	assert_false(a->rdirplus);
	assert_int_equal(a->anonuid, 1000);
	assert_int_equal(a->anongid, 100);
	assert_int_equal(ex->v[0].fsid, 7);
	b = &ex->v[1].clients[0].opts;
	assert_true(b->root_squash);
	assert_false(b->all_squash);
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
	assert_false(ex->v[0].clients[0].opts.root_squash);
	assert_false(ex->v[0].clients[0].opts.all_squash);
	exports_free(ex);
}

/* nfs-utils keeps two flags: a later root_squash or no_root_squash does
 * not cancel all_squash (it did when one enum held all three). */
static void test_all_squash_survives_later_root_squash_options(void **state)
{
	struct exports *ex = parse("/a *(all_squash,no_root_squash)\n"
				   "/b *(all_squash,root_squash)\n"
				   "/c *(no_root_squash,all_squash,no_all_squash)\n");

	(void)state;
	assert_non_null(ex);
	assert_true(ex->v[0].clients[0].opts.all_squash);
	assert_false(ex->v[0].clients[0].opts.root_squash);
	assert_true(ex->v[1].clients[0].opts.all_squash);
	assert_false(ex->v[2].clients[0].opts.all_squash);
	assert_false(ex->v[2].clients[0].opts.root_squash);
	exports_free(ex);
}

/* What an existing /etc/exports written for knfsd carries must not stop
 * the daemons: nfs-utils 2.6's options are accepted (ignored when they
 * mean nothing for NFSv3, with a warning when they ask for something not
 * done); only what would weaken security is refused. */
static void test_nfs_utils_options_do_not_stop_the_daemons(void **state)
{
	struct exports *ex = parse(
		"/a *(ro,nocrossmnt,security_label,xprtsec=none,pnfs,no_pnfs,sign_fh,hide,"
		"wdelay,no_wdelay,secure_locks,insecure_locks,auth_nlm,no_auth_nlm,acl,no_acl)\n"
		"/b *(sec=krb5p:sys,xprtsec=tls:none,mp,mp=/b,mountpoint,refer=/x@h,replicas=/y@h)\n"
		"/c *(nohide,crossmnt)\n");

	(void)state;
	if (ex == NULL)
		fail_msg("refused:\n%s", sb_str(&diag));
	assert_int_equal(ex->n, 3);
	assert_null(strstr(sb_str(&diag), "exports:1:"));
	assert_non_null(strstr(sb_str(&diag), "exports:2: warning: option \"mp\" is not supported"));
	assert_non_null(strstr(sb_str(&diag), "exports:2: warning: option \"refer\""));
	assert_non_null(strstr(sb_str(&diag), "exports:3: warning: option \"nohide\""));
	exports_free(ex);
	refused("/a *(xprtsec=tls)\n", "xprtsec=tls is not supported");
	refused("/a *(xprtsec=mtls:tls)\n", "xprtsec=mtls:tls is not supported");
	refused("/a *(sec=krb5:krb5i)\n", "sec=krb5:krb5i is not supported");
	refused("/a *(sec=none)\n", "sec=none is not supported");
	refused("/a *(sys)\n", "unknown keyword \"sys\"");
}

static void test_paths_are_normalized(void **state)
{
	struct exports *ex = parse("/srv//images/ *(ro)\n// 10.0.0.1(ro)\n/srv/images *(rw)\n");
	char asked[] = "//srv///images/debian//", bad[] = "/srv/./x", rel[] = "srv";
	const char *rest = NULL;

	(void)state;
	assert_non_null(ex);
	assert_int_equal(ex->n, 2);
	assert_string_equal(ex->v[0].path, "/srv/images");
	assert_int_equal(ex->v[0].nclients, 2);
	assert_string_equal(ex->v[1].path, "/");
	assert_true(exports_normalize_path(asked));
	assert_string_equal(asked, "/srv/images/debian");
	assert_ptr_equal(exports_find_path(ex, asked, &rest), &ex->v[0]);
	assert_string_equal(rest, "/debian");
	assert_false(exports_normalize_path(bad));
	assert_false(exports_normalize_path(rel));
	exports_free(ex);
}

/* The loader makes paths canonical; a client may still ask for the path
 * as written, and two spellings of one directory become one export. */
static void test_canonical_paths_match_both_spellings_and_merge(void **state)
{
	struct exports *ex = exports_new();
	const char *rest = NULL;

	(void)state;
	sb_reset(&diag);
	assert_int_equal(exports_parse_text(ex, "/srv/link *(ro)\n", "exports", &diag), 0);
	assert_int_equal(exports_parse_text(ex, "/srv/real 10.0.0.1(rw)\n", "exports.d/a.exports",
					    &diag), 0);
	/* what exports_load does after realpath */
	ex->v[0].written = ex->v[0].path;
	ex->v[0].path = strdup("/srv/real");
	assert_int_equal(exports_finish(ex, &diag), 0);
	assert_int_equal(ex->n, 1);
	assert_int_equal(ex->v[0].nclients, 2);
	assert_non_null(strstr(sb_str(&diag), "exports.d/a.exports:1: warning: /srv/real is the "
			       "same directory as /srv/link (exports:1)"));
	assert_ptr_equal(exports_find_path(ex, "/srv/link/x", &rest), &ex->v[0]);
	assert_string_equal(rest, "/x");
	assert_ptr_equal(exports_find_path(ex, "/srv/real", &rest), &ex->v[0]);
	assert_string_equal(rest, "");
	assert_string_equal(export_shown_path(&ex->v[0]), "/srv/link");
	exports_free(ex);

	/* the other order: the symlink's spelling is kept all the same */
	ex = exports_new();
	assert_int_equal(exports_parse_text(ex, "/srv/real *(ro)\n/srv/link *(rw)\n", "exports",
					    &diag), 0);
	ex->v[1].written = ex->v[1].path;
	ex->v[1].path = strdup("/srv/real");
	assert_int_equal(exports_finish(ex, &diag), 0);
	assert_int_equal(ex->n, 1);
	assert_ptr_equal(exports_find_path(ex, "/srv/link", &rest), &ex->v[0]);
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
	assert_false(ex->v[0].clients[0].opts.root_squash);
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
	e->clients[3].addrs = calloc(1, sizeof *e->clients[3].addrs);
	e->clients[3].naddrs = 1;
	e->clients[3].addrs[0].family = AF_INET;
	inet_pton(AF_INET, "198.51.100.7", e->clients[3].addrs[0].addr);
	/* an address beats a network, which beats a wildcard, which beats * */
	assert_string_equal(match(e, "192.0.2.9", "node1.lab.example"), "192.0.2.9");
	assert_string_equal(match(e, "192.0.2.10", "node1.lab.example"), "192.0.2.0/24");
	assert_string_equal(match(e, "198.51.100.1", "node1.lab.example"), "*.lab.example");
	/* a host name by its addresses (the loader looks them up), never by
	 * the PTR name */
	assert_string_equal(match(e, "198.51.100.1", "node7.lab.example"), "*.lab.example");
	assert_string_equal(match(e, "198.51.100.1", "NODE1.LAB.EXAMPLE"), "*.lab.example");
	assert_string_equal(match(e, "198.51.100.7", "other.example"), "node7.lab.example");
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
	assert_string_equal(exports_find_path(ex, "/srv/images/debian", NULL)->path, "/srv/images");
	assert_string_equal(exports_find_path(ex, "/srv/images", NULL)->path, "/srv/images");
	assert_string_equal(exports_find_path(ex, "/srv/imagesX", NULL)->path, "/srv");
	assert_string_equal(exports_find_path(ex, "/etc", NULL)->path, "/");
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
			    "sync,no_subtree_check,rw,insecure,root_squash,all_squash,"
			    "anonuid=5,anongid=6,fsid=9");
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
		cmocka_unit_test(test_all_squash_survives_later_root_squash_options),
		cmocka_unit_test(test_nfs_utils_options_do_not_stop_the_daemons),
		cmocka_unit_test(test_paths_are_normalized),
		cmocka_unit_test(test_canonical_paths_match_both_spellings_and_merge),
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
