/* The HTTP boot path: http-server and http-listen in the inventory, the
 * URLs the loaders fetch, and the nginx server block. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "emit.h"
#include "emit_nginx.h"
#include "inventory.h"

#define BASE "server 192.0.2.1\nsubnet 192.0.2.0/24 range 192.0.2.100 192.0.2.199\n" \
	     "boot bios pxelinux.0\nboot ipxe ipxe/boot.ipxe\n"
#define PROFILES "profile deb kernel images/deb/linux initrd images/deb/initrd.gz\n" \
		 "profile far kernel http://198.51.100.3/k initrd /abs/initrd\n" \
		 "host a mac 52:54:00:00:00:01 profile deb append \"console=ttyS0\"\n"

static struct strbuf diag = STRBUF_INIT;

static struct inventory *parse(const char *text)
{
	sb_reset(&diag);
	return inventory_parse("inv", text, strlen(text), &diag);
}

static struct inventory *parse_ok(const char *text)
{
	struct inventory *inv = parse(text);

	if (!inv)
		fail_msg("refused:\n%s\n%s", text, sb_str(&diag));
	return inv;
}

/* Refused, nothing parsed, and the message (with its line:column) says want. */
static void assert_error(const char *text, const char *want)
{
	struct inventory *inv = parse(text);

	if (inv || !strstr(sb_str(&diag), want))
		fail_msg("input:\n%s\nwanted error: %s\ngot: %s", text, want,
			 inv ? "(accepted)" : sb_str(&diag));
	inventory_free(inv);
}

static void test_http_server_is_parsed(void **state)
{
	struct inventory *inv = parse_ok(BASE "http-server http://192.0.2.1/pxekit/\n");
	char buf[INV_HTTP_URL_MAX];

	(void)state;
	/* the trailing '/' goes: one '/' between base and path */
	assert_string_equal(inv->http_server, "http://192.0.2.1/pxekit");
	assert_null(inv->http_listen);
	assert_string_equal(inv_http_url(inv, "images/x/linux", buf),
			    "http://192.0.2.1/pxekit/images/x/linux");
	assert_string_equal(inv_http_url(inv, "/abs", buf), "http://192.0.2.1/pxekit/abs");
	assert_string_equal(inv_http_url(inv, "tftp://192.0.2.9/k", buf), "tftp://192.0.2.9/k");
	inventory_free(inv);
	inv = parse_ok(BASE "http-server http://boot.example.org:8080\nhttp-listen 10.0.0.1:8081\n");
	assert_string_equal(inv->http_server, "http://boot.example.org:8080");
	assert_string_equal(inv->http_listen, "10.0.0.1:8081");
	assert_string_equal(inv_http_url(inv, "k", buf), "http://boot.example.org:8080/k");
	inventory_free(inv);
	inv = parse_ok(BASE "http-server http://192.0.2.1\nhttp-listen 8080\n");
	assert_string_equal(inv->http_listen, "8080");
	inventory_free(inv);
	inv = parse_ok(BASE "http-listen 10.0.0.1\nhttp-server http://192.0.2.1\n");
	assert_string_equal(inv->http_listen, "10.0.0.1:80");
	inventory_free(inv);
	/* No http-server: TFTP, as before. */
	inv = parse_ok(BASE);
	assert_null(inv_http_url(inv, "k", buf));
	inventory_free(inv);
}

static void test_http_server_errors(void **state)
{
	(void)state;
	/* Characters that would break an iPXE line, a grub.cfg word or an
	 * nginx directive, with the line and column of the character. */
	assert_error(BASE "http-server \"http://192.0.2.1/a b\"\n",
		     "inv:5:32: error: character ' ' is not allowed in an http-server URL");
	assert_error(BASE "http-server \"http://192.0.2.1/a'b\"\n",
		     "inv:5:32: error: character ''' is not allowed in an http-server URL");
	assert_error(BASE "http-server http://192.0.2.1/a;b\n", "character ';' is not allowed");
	assert_error(BASE "http-server http://192.0.2.1/$x\n", "character '$' is not allowed");
	assert_error(BASE "http-server http://192.0.2.1/a?b=1\n", "character '?' is not allowed");
	assert_error(BASE "http-server http://192.0.2.1/a#b\n", "is not allowed");
	assert_error(BASE "http-server http://192.0.2.1/a/../b\n", "'..' are not allowed");
	assert_error(BASE "http-server http://192.0.2.1//b\n", "'//'");
	assert_error(BASE "http-server http://user@192.0.2.1/\n", "character '@' is not allowed in a host name");
	assert_error(BASE "http-server http://[fd00::1]/\n", "is not allowed in a host name");
	assert_error(BASE "http-server http:///x\n", "needs a host name or IPv4 address");
	assert_error(BASE "http-server http://192.0.2.1:0/\n", "'0' is not a port");
	assert_error(BASE "http-server http://192.0.2.1:99999/\n", "is not a port");
	assert_error(BASE "http-server http://192.0.2.1:/\n", "a port is a number");
	assert_error(BASE "http-server https://192.0.2.1/\n", "inv:5:13: error: http-server must be http://");
	assert_error(BASE "http-server ftp://192.0.2.1/\n", "takes an http:// URL");
	assert_error(BASE "http-server\n", "write: http-server http://HOST");
	assert_error(BASE "http-server http://a http://b\n", "write: http-server");
	assert_error(BASE "http-server http://a\nhttp-server http://b\n", "inv:6:1: error: http-server given twice");
	assert_error(BASE "http-listen 0\n", "'0' is not a port");
	assert_error(BASE "http-listen 10.0.0.300:80\n", "is not an IPv4 address");
	assert_error(BASE "http-listen 10.0.0.1:8o\n", "is not a port");
	assert_error(BASE "http-listen 80\nhttp-listen 81\n", "http-listen given twice");
	/* A profile's own URL is a path: the same characters are refused. */
	assert_error(BASE "profile p kernel \"http://192.0.2.1/a b\"\n",
		     "inv:5:37: error: character ' ' is not allowed in a kernel path");
	assert_error(BASE "profile p kernel k initrd \"http://192.0.2.1/a'b\"\n", "is not allowed in a initrd path");
}

static const char *find_file(const struct loader_files *lf, const char *path)
{
	for (size_t i = 0; i < lf->n; i++)
		if (strcmp(lf->file[i].path, path) == 0)
			return sb_str(&lf->file[i].text);
	fail_msg("no file %s", path);
	return NULL;
}

static void assert_has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("wanted:\n%s\nin:\n%s", want, text);
}

static void assert_lacks(const char *text, const char *unwanted)
{
	if (strstr(text, unwanted))
		fail_msg("did not want:\n%s\nin:\n%s", unwanted, text);
}

static void test_loaders_fetch_over_http(void **state)
{
	struct inventory *inv = parse_ok(BASE "http-server http://192.0.2.1/pxekit\n" PROFILES);
	struct loader_files lf = { 0 };
	const char *t;

	(void)state;
	emit_loaders(inv, &lf);
	t = find_file(&lf, "ipxe/default.ipxe");
	assert_has(t, "kernel http://192.0.2.1/pxekit/images/deb/linux initrd=initrd\n");
	assert_has(t, "initrd --name initrd http://192.0.2.1/pxekit/images/deb/initrd.gz\n");
	/* a profile's own URL stays as written */
	assert_has(t, "kernel http://198.51.100.3/k initrd=initrd\n");
	assert_has(t, "initrd --name initrd http://192.0.2.1/pxekit/abs/initrd\n");
	t = find_file(&lf, "ipxe/52-54-00-00-00-01.ipxe");
	assert_has(t, "kernel http://192.0.2.1/pxekit/images/deb/linux initrd=initrd ${pxekit-append-deb:string}\n");
	/* GRUB keeps TFTP for TFTP-root paths (loaders.c grub_file); a
	 * profile's own http:// URL stays one */
	t = find_file(&lf, "grub/grub.cfg");
	assert_has(t, "  echo 'Loading kernel...'\n  linux '/images/deb/linux'\n"
		      "  echo 'Loading initrd...'\n  initrd '/images/deb/initrd.gz'\n");
	assert_has(t, "  linux '(http,198.51.100.3)/k'\n  echo 'Loading initrd...'\n  initrd '/abs/initrd'\n");
	assert_lacks(t, "192.0.2.1/pxekit");
	assert_has(find_file(&lf, "grub/grub.cfg-52:54:00:00:00:01"),
		   "  linux '/images/deb/linux' 'console=ttyS0'\n");
	/* plain pxelinux.0 has no HTTP: TFTP paths as before */
	t = find_file(&lf, "pxelinux.cfg/default");
	assert_has(t, "  KERNEL images/deb/linux\n  INITRD images/deb/initrd.gz\n");
	assert_lacks(t, "192.0.2.1/pxekit");
	loader_files_free(&lf);
	inventory_free(inv);
}

static void test_url_with_a_port(void **state)
{
	struct inventory *inv = parse_ok(BASE "http-server http://192.0.2.1:8080/p\n" PROFILES);
	struct loader_files lf = { 0 };

	(void)state;
	emit_loaders(inv, &lf);
	assert_has(find_file(&lf, "ipxe/default.ipxe"),
		   "kernel http://192.0.2.1:8080/p/images/deb/linux initrd=initrd\n");
	assert_has(find_file(&lf, "grub/grub.cfg"), "  echo 'Loading kernel...'\n  linux '/images/deb/linux'\n");
	loader_files_free(&lf);
	inventory_free(inv);
}

static void test_without_http_server_nothing_changes(void **state)
{
	struct inventory *inv = parse_ok(BASE PROFILES);
	struct loader_files lf = { 0 };

	(void)state;
	emit_loaders(inv, &lf);
	assert_has(find_file(&lf, "ipxe/default.ipxe"), "kernel /images/deb/linux initrd=initrd\n");
	assert_has(find_file(&lf, "grub/grub.cfg"), "  echo 'Loading kernel...'\n  linux '/images/deb/linux'\n");
	loader_files_free(&lf);
	inventory_free(inv);
}

static void test_nginx_block(void **state)
{
	struct inventory *inv = parse_ok(BASE "http-server http://192.0.2.1/pxekit\n");
	struct strbuf out = STRBUF_INIT;
	const char *t;

	(void)state;
	emit_nginx(inv, "/srv/tftp", NULL, 0, &out);
	t = sb_str(&out);
	assert_true(strncmp(t, "# " GENERATED_MARK " from inv;", 2 + strlen(GENERATED_MARK) + 9) == 0);
	assert_has(t, "\tlisten 192.0.2.1:80;\n\tserver_name 192.0.2.1;\n");
	assert_has(t, "\tlocation ^~ /pxekit/ {\n\t\talias /srv/tftp/;\n");
	assert_has(t, "\t\tlimit_except GET {\n\t\t\tdeny all;\n\t\t}\n");
	assert_has(t, "\t\tautoindex off;\n\t\tsendfile on;\n");
	assert_has(t, "\t\tgzip off;\n");
	assert_has(t, "\tlocation / {\n\t\treturn 404;\n\t}\n");
	/* ranges: nothing turns them off */
	assert_lacks(t, "max_ranges");
	assert_lacks(t, "autoindex on");
	sb_free(&out);
	inventory_free(inv);

	inv = parse_ok(BASE "http-server http://boot.example.org:8080\n");
	emit_nginx(inv, "/srv/tftp/", NULL, 0, &out);
	t = sb_str(&out);
	assert_has(t, "\tlisten 8080;\n\tserver_name boot.example.org;\n");
	assert_has(t, "\tlocation ^~ / {\n\t\troot /srv/tftp/;\n");
	assert_lacks(t, "return 404");
	sb_free(&out);
	inventory_free(inv);

	inv = parse_ok(BASE "http-server http://lb.example.org/boot\nhttp-listen 10.0.0.2:8000\n");
	emit_nginx(inv, "/var/tftp", NULL, 0, &out);
	assert_has(sb_str(&out), "\tlisten 10.0.0.2:8000;\n\tserver_name lb.example.org;\n");
	sb_free(&out);
	inventory_free(inv);
}

static void test_nginx_path_ok(void **state)
{
	(void)state;
	assert_true(nginx_path_ok("/srv/tftp"));
	assert_true(nginx_path_ok("/var/lib/tftpboot-2.0/"));
	assert_false(nginx_path_ok("srv/tftp"));
	assert_false(nginx_path_ok("/srv/tftp root"));
	assert_false(nginx_path_ok("/srv/$tftp"));
	assert_false(nginx_path_ok("/srv/t;ftp"));
	assert_false(nginx_path_ok("/srv/t\"ftp"));
	assert_false(nginx_path_ok("/srv/t{ftp"));
	assert_false(nginx_path_ok(NULL));
}

static void test_nginx_images(void **state)
{
	struct inventory *inv = parse_ok(BASE "http-server http://192.0.2.1/pxekit\n");
	struct nginx_image img[2];
	struct strbuf out = STRBUF_INIT;
	const char *why = NULL, *t;

	(void)state;
	assert_true(nginx_image_from_state("rocky", "iso", "http://192.0.2.1/pxekit/rocky/rocky.iso",
					   "/srv/isos/rocky.iso", &img[0], &why));
	assert_false(img[0].dir);
	assert_true(nginx_image_from_state("deb12", "tree", "http://192.0.2.1/pxekit/deb12/",
					   "/srv/trees/deb12", &img[1], &why));
	assert_string_equal(img[1].fs_path, "/srv/trees/deb12/");
	emit_nginx(inv, "/srv/tftp", img, 2, &out);
	t = sb_str(&out);
	assert_has(t, "\t# image rocky (pxe-image)\n\tlocation = /pxekit/rocky/rocky.iso {\n"
		      "\t\talias /srv/isos/rocky.iso;\n\t\tlimit_except GET {\n");
	assert_has(t, "\t# image deb12 (pxe-image)\n\tlocation ^~ /pxekit/deb12/ {\n"
		      "\t\talias /srv/trees/deb12/;\n\t\tlimit_except GET {\n");
	sb_free(&out);
	inventory_free(inv);

	/* What nginx would need quoted, or could leave the path by. */
	assert_false(nginx_image_from_state("x", "iso", "http://h/p/a b.iso", "/srv/a.iso", &img[0], &why));
	assert_false(nginx_image_from_state("x", "iso", "http://h/p/$x.iso", "/srv/a.iso", &img[0], &why));
	assert_false(nginx_image_from_state("x", "iso", "http://h/p/../x.iso", "/srv/a.iso", &img[0], &why));
	assert_false(nginx_image_from_state("x", "iso", "http://h/p/x.iso", "/srv/a b.iso", &img[0], &why));
	assert_false(nginx_image_from_state("x", "iso", "http://h/p/x.iso", "/srv/a;b.iso", &img[0], &why));
	assert_false(nginx_image_from_state("x", "iso", "http://h/p/x.iso", "/srv/../etc", &img[0], &why));
	assert_false(nginx_image_from_state("x", "iso", "http://h/p/x.iso", "srv/a.iso", &img[0], &why));
	assert_false(nginx_image_from_state("x", "iso", "https://h/p/x.iso", "/srv/a.iso", &img[0], &why));
	assert_false(nginx_image_from_state("x", "iso", "http://h/p/", "/srv/a.iso", &img[0], &why));
	assert_false(nginx_image_from_state("x", "tree", "http://h/p/t", "/srv/t", &img[0], &why));
	assert_false(nginx_image_from_state("x", "disk", "http://h/p/t", "/srv/t", &img[0], &why));
	assert_false(nginx_image_from_state("x}", "iso", "http://h/p/x.iso", "/srv/a.iso", &img[0], &why));
	assert_false(nginx_image_from_state("", "iso", "http://h/p/x.iso", "/srv/a.iso", &img[0], &why));
	assert_non_null(why);
}

/* ---- a subnet's own http-server ------------------------------------ */

#define SUBNETS "server 192.0.2.1\n" \
		"subnet 192.0.2.0/24 {\n  range 192.0.2.100 192.0.2.199\n  http-server http://192.0.2.1:8081/a/\n}\n" \
		"subnet 198.51.100.0/24 range 198.51.100.100 198.51.100.199\n" \
		"boot bios pxelinux.0\nboot ipxe ipxe/boot.ipxe\n"

static void test_subnet_http_server_is_parsed(void **state)
{
	struct inventory *inv = parse_ok(SUBNETS "http-server http://192.0.2.1/pxekit\n");
	bool global;

	(void)state;
	assert_string_equal(inv->subnets[0].http_server, "http://192.0.2.1:8081/a");
	assert_null(inv->subnets[1].http_server);
	assert_true(inv_has_subnet_http(inv));
	/* --nginx --http-server: a subnet's URL, as written or not */
	assert_string_equal(nginx_pick_url(inv, "http://192.0.2.1:8081/a/", &global), "http://192.0.2.1:8081/a");
	assert_false(global);
	assert_string_equal(nginx_pick_url(inv, NULL, &global), "http://192.0.2.1/pxekit");
	assert_true(global);
	assert_string_equal(nginx_pick_url(inv, "http://192.0.2.1/pxekit", &global), "http://192.0.2.1/pxekit");
	assert_true(global);
	assert_null(nginx_pick_url(inv, "http://192.0.2.1:8081/ab", &global));
	assert_null(nginx_pick_url(inv, "http://192.0.2.1:8081", &global));
	inventory_free(inv);
	inv = parse_ok(BASE);
	assert_false(inv_has_subnet_http(inv));
	inventory_free(inv);
}

static void test_subnet_http_server_errors(void **state)
{
	(void)state;
	assert_error("subnet 192.0.2.0/24 http-server \"http://192.0.2.1/a b\"\n",
		     "inv:1:52: error: character ' ' is not allowed in an http-server URL");
	assert_error("subnet 192.0.2.0/24 http-server \"http://192.0.2.1/a'b\"\n",
		     "inv:1:52: error: character ''' is not allowed in an http-server URL");
	assert_error("subnet 192.0.2.0/24 http-server https://192.0.2.1/a\n",
		     "inv:1:33: error: http-server must be http://");
	assert_error("subnet 192.0.2.0/24 {\n http-server http://a\n http-server http://b\n}\n",
		     "inv:3:2: error: http-server given twice");
	assert_error("subnet 192.0.2.0/24 proxy http-server http://192.0.2.1/a\n",
		     "inv:1:39: error: a proxy subnet takes no http-server");
	assert_error("subnet 192.0.2.0/24 http-server http://192.0.2.1/${x}\n", "character '$' is not allowed");
}

static void test_subnet_http_menus_read_the_dhcp_option(void **state)
{
	struct inventory *inv = parse_ok(SUBNETS "http-server http://192.0.2.1/pxekit\n" PROFILES);
	struct loader_files lf = { 0 };
	const char *t;

	(void)state;
	emit_loaders(inv, &lf);
	t = find_file(&lf, "ipxe/default.ipxe");
	assert_has(t, "isset ${175.224:string} && set pxekit-http ${175.224:string} || set pxekit-http http://192.0.2.1/pxekit\n"
		      "kernel ${pxekit-http}/images/deb/linux initrd=initrd\n"
		      "initrd --name initrd ${pxekit-http}/images/deb/initrd.gz\n");
	/* a profile's own URL stays as written; an absolute path too goes under the base */
	assert_has(t, "kernel http://198.51.100.3/k initrd=initrd\ninitrd --name initrd ${pxekit-http}/abs/initrd\n");
	assert_has(find_file(&lf, "ipxe/52-54-00-00-00-01.ipxe"),
		   "kernel ${pxekit-http}/images/deb/linux initrd=initrd ${pxekit-append-deb:string}\n");
	/* GRUB and PXELINUX stay on TFTP */
	assert_lacks(find_file(&lf, "grub/grub.cfg"), "pxekit-http");
	loader_files_free(&lf);
	inventory_free(inv);
	/* No global http-server: the option, else a path from '/' (TFTP). */
	inv = parse_ok(SUBNETS PROFILES);
	memset(&lf, 0, sizeof lf);
	emit_loaders(inv, &lf);
	t = find_file(&lf, "ipxe/default.ipxe");
	assert_lacks(t, "isset");
	assert_has(t, "kernel ${175.224:string}/images/deb/linux initrd=initrd\n"
		      "initrd --name initrd ${175.224:string}/images/deb/initrd.gz\n");
	loader_files_free(&lf);
	inventory_free(inv);
}

static void test_subnet_http_in_each_dhcp_format(void **state)
{
	struct inventory *inv = parse_ok(SUBNETS PROFILES);
	struct strbuf out = STRBUF_INIT;

	(void)state;
	emit_isc(inv, &out);
	assert_has(sb_str(&out), "option ipxe.pxekit-http-server code 224 = text;\n");
	assert_has(sb_str(&out), "  range 192.0.2.100 192.0.2.199;\n"
				 "  option ipxe.pxekit-http-server \"http://192.0.2.1:8081/a\";\n}\n"
				 "subnet 198.51.100.0 netmask 255.255.255.0 {\n"
				 "  range 198.51.100.100 198.51.100.199;\n}\n");
	sb_reset(&out);
	emit_kea(inv, &out);
	/* 224, 23 bytes, "http://192.0.2.1:8081/a" */
	assert_has(sb_str(&out), "\"option-data\": [ { \"code\": 175, \"csv-format\": false, \"data\": "
				 "\"E017687474703A2F2F3139322E302E322E313A383038312F61\" } ] },");
	/* only subnet A has one */
	assert_null(strstr(strstr(sb_str(&out), "\"code\": 175") + 1, "\"code\": 175"));
	sb_reset(&out);
	emit_dnsmasq(inv, &out);
	assert_has(sb_str(&out), "dhcp-option=tag:pxekit-net1,encap:175,224,\"http://192.0.2.1:8081/a\"\n");
	assert_lacks(sb_str(&out), "tag:pxekit-net2,encap:175");
	sb_free(&out);
	inventory_free(inv);
	/* Without a subnet's own, the DHCP outputs are as before. */
	inv = parse_ok(BASE "http-server http://192.0.2.1/pxekit\n");
	emit_isc(inv, &out);
	assert_lacks(sb_str(&out), "pxekit-http-server");
	sb_free(&out);
	inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_server_is_parsed),
		cmocka_unit_test(test_http_server_errors),
		cmocka_unit_test(test_loaders_fetch_over_http),
		cmocka_unit_test(test_url_with_a_port),
		cmocka_unit_test(test_without_http_server_nothing_changes),
		cmocka_unit_test(test_nginx_block),
		cmocka_unit_test(test_nginx_path_ok),
		cmocka_unit_test(test_nginx_images),
		cmocka_unit_test(test_subnet_http_server_is_parsed),
		cmocka_unit_test(test_subnet_http_server_errors),
		cmocka_unit_test(test_subnet_http_menus_read_the_dhcp_option),
		cmocka_unit_test(test_subnet_http_in_each_dhcp_format),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	sb_free(&diag);
	return rc;
}
