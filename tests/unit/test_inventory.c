#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <fnmatch.h>

#include "inventory.h"

#define SERVER "server 192.0.2.1\nsubnet 192.0.2.0/24 range 192.0.2.100 192.0.2.199\n"

static struct strbuf diag = STRBUF_INIT;

static struct inventory *parse(const char *text)
{
	sb_reset(&diag);
	return inventory_parse("inv", text, strlen(text), &diag);
}

/* The text is refused and the messages contain want. */
static void assert_error(const char *text, const char *want)
{
	struct inventory *inv = parse(text);

	if (inv || !strstr(sb_str(&diag), want))
		fail_msg("input:\n%s\nwanted error: %s\ngot: %s", text, want,
			 inv ? "(accepted)" : sb_str(&diag));
	inventory_free(inv);
}

static void test_full_inventory_is_parsed(void **state)
{
	struct inventory *inv = parse(
		"# comment\n"
		"server 192.0.2.1   # trailing comment\n"
		"subnet 192.0.2.0/24 {\n"
		"  range 192.0.2.100 192.0.2.199\n"
		"  router 192.0.2.1\n"
		"  dns 192.0.2.1 192.0.2.2\n"
		"}\n"
		"boot bios pxelinux.0\n"
		"boot uefi-x64 grubx64.efi\n"
		"boot arch 27,28 riscv/grub.efi\n"
		"boot ipxe ipxe/boot.ipxe\n"
		"boot http https://192.0.2.1/x.efi\n"
		"profile p1 {\n  label \"Install me\"\n  kernel k/linux\n  initrd k/initrd\n"
		"  append \"a=1 b=2;c\"\n}\n"
		"profile disk localboot\n"
		"default-profile p1\n"
		"timeout 12\n"
		"host h1 mac 52:54:00:AA:bb:01 address 192.0.2.10 profile p1\n"
		"host h2 {\n  mac 52-54-00-aa-bb-02\n  filename special.efi\n}\n"
		"host h3 mac 52:54:00:aa:bb:03 noboot\n");

	(void)state;
	assert_non_null(inv);
	assert_string_equal(sb_str(&diag), "");
	assert_int_equal(inv->server, 0xc0000201);
	assert_int_equal(inv->nsubnets, 1);
	assert_int_equal(inv->subnets[0].prefixlen, 24);
	assert_int_equal(inv->subnets[0].ndns, 2);
	assert_true(inv->subnets[0].has_router);
	assert_int_equal(inv->nboots, 5);
	assert_int_equal(inv->boots[1].narch, 2);
	assert_int_equal(inv->boots[1].arch[0], 7);
	assert_int_equal(inv->boots[1].arch[1], 9);
	assert_int_equal(inv->boots[2].arch[1], 28);
	assert_int_equal(inv->boots[3].client, CLIENT_IPXE);
	assert_int_equal(inv->boots[4].client, CLIENT_HTTP);
	assert_int_equal(inv->nprofiles, 2);
	assert_string_equal(inv->profiles[0].label, "Install me");
	assert_string_equal(inv->profiles[0].append, "a=1 b=2;c");
	assert_true(inv->profiles[1].localboot);
	assert_ptr_equal(inv->default_prof, &inv->profiles[0]);
	assert_int_equal(inv->timeout, 12);
	assert_int_equal(inv->nhosts, 3);
	assert_memory_equal(inv->hosts[0].mac, "\x52\x54\x00\xaa\xbb\x01", 6);
	assert_memory_equal(inv->hosts[1].mac, "\x52\x54\x00\xaa\xbb\x02", 6);
	assert_ptr_equal(inv->hosts[0].profile, &inv->profiles[0]);
	assert_string_equal(inv->hosts[1].filename, "special.efi");
	assert_false(inv->hosts[1].has_address);
	assert_true(inv->hosts[2].noboot);
	inventory_free(inv);
}

static void test_lexical_errors(void **state)
{
	(void)state;
	assert_error(SERVER "profile p label \"open\n", "inv:3:17: error: unterminated string");
	assert_error(SERVER "host a\x01 mac 52:54:00:00:00:01\n", "inv:3:7: error: control character 0x01");
	{
		static const char nul[] = "server 192.0.2.1\n\0\n";
		struct inventory *inv;

		sb_reset(&diag);
		inv = inventory_parse("inv", nul, sizeof nul - 1, &diag);
		assert_null(inv);
		assert_non_null(strstr(sb_str(&diag), "contains a NUL byte"));
	}
	assert_error(SERVER "host a { mac 52:54:00:00:00:01\n}\n", "a new line must follow '{'");
	assert_error(SERVER "host a {\nmac 52:54:00:00:00:01 }\n", "'}' must be on a line of its own");
	assert_error(SERVER "}\n", "'}' without a matching '{'");
	assert_error(SERVER "{\n}\n", "'{' without a subnet, profile or host");
	assert_error(SERVER "host a {\nmac 52:54:00:00:00:01\n", "inv:3:8: error: this '{' is never closed");
	assert_error(SERVER "host a {\nprofile p {\n}\n", "blocks do not nest");
}

static void test_statement_errors(void **state)
{
	(void)state;
	assert_error("subnet 192.0.2.0/24\n", "no 'server' statement");
	assert_error(SERVER "frobnicate 1\n", "inv:3:1: error: unknown statement 'frobnicate'");
	assert_error(SERVER "frob {\nx\n}\nserver\n", "unknown statement 'frob'");
	assert_error(SERVER "server 192.0.2.2\n", "server given twice");
	assert_error("server 192.0.2.300\n", "'192.0.2.300' is not an IPv4 address");
	assert_error("server\n", "write: server ADDRESS");
	assert_error(SERVER "timeout soon\n", "is not a number of seconds");
	assert_error(SERVER "timeout 3601\n", "is not a number of seconds");
	/* PXELINUX's TIMEOUT stops at 35996 tenths. */
	assert_error(SERVER "timeout 3600\n", "'3600' is not a number of seconds (0-3599)");
	assert_error(SERVER "timeout\n", "write: timeout SECONDS");
	assert_error(SERVER "default-profile\n", "write: default-profile NAME");
	assert_error(SERVER "default-profile nosuch\n", "inv:3:17: error: unknown profile 'nosuch'");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 colour blue\n", "unknown host setting 'colour'");
	assert_error(SERVER "host a mac\n", "mac needs 1 value");
	assert_error(SERVER "subnet 10.0.0.0/8 dns\n", "dns needs a value");
	assert_error(SERVER "subnet 10.0.0.0/8 range 10.0.0.1\n", "range needs 2 values");
	assert_error(SERVER "host\n", "host needs a name");
	assert_error(SERVER "profile\n", "profile needs a name");
	assert_error(SERVER "subnet\n", "subnet needs an address/prefix");
	assert_error(SERVER "profile p kernel a kernel b\n", "kernel given twice");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 mac 52:54:00:00:00:02\n", "mac given twice");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 address 192.0.2.5 address 192.0.2.6\n",
		     "address given twice");
}

static void test_subnet_errors(void **state)
{
	(void)state;
	assert_error("server 192.0.2.1\nsubnet 192.0.2.1/24\n",
		     "192.0.2.1/24 has host bits set; the subnet is 192.0.2.0/24");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/33\n", "is not address/prefix");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0\n", "is not address/prefix");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.x/24\n", "'192.0.2.x' is not an IPv4 address");
	assert_error(SERVER "subnet 192.0.2.128/25\n", "subnet overlaps the subnet at line 2");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 range 192.0.2.10 192.0.3.10\n",
		     "range is not inside its subnet");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 range 192.0.2.10 192.0.2.5\n",
		     "range starts after it ends");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 range 192.0.2.1 192.0.2.5 range 192.0.2.6 192.0.2.7\n",
		     "range given twice");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 router 10.0.0.1\n",
		     "router 10.0.0.1 is not inside its subnet");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 router 192.0.2.1 router 192.0.2.2\n",
		     "router given twice");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 dns 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5\n",
		     "at most 4 dns servers");
}

static void test_mac_and_address_errors(void **state)
{
	(void)state;
	assert_error(SERVER "host a mac 52:54:00:00:00\n", "'52:54:00:00:00' is not a MAC address");
	assert_error(SERVER "host a mac 52:54:00:00:00:0g\n", "is not a MAC address");
	assert_error(SERVER "host a mac 52:54-00:00:00:01\n", "is not a MAC address");
	assert_error(SERVER "host a mac 52.54.00.00.00.01\n", "is not a MAC address");
	assert_error(SERVER "host a mac 01:00:5e:00:00:01\n", "is a multicast address");
	assert_error(SERVER "host a mac 00:00:00:00:00:00\n", "not a NIC's address");
	assert_error(SERVER "host a\n", "host a has no mac");
	assert_error(SERVER "host a mac 52:54:00:00:00:01\nhost b mac 52:54:00:00:00:01\n",
		     "inv:4:12: error: MAC 52:54:00:00:00:01 is already used by host a (line 3)");
	assert_error(SERVER "host a mac 52:54:00:00:00:01\nhost b mac 52-54-00-00-00-01\n",
		     "is already used by host a");
	assert_error(SERVER "host a mac 52:54:00:00:00:01\nhost a mac 52:54:00:00:00:02\n",
		     "host a is already defined at line 3");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 address 192.0.2.7\n"
			    "host b mac 52:54:00:00:00:02 address 192.0.2.7\n",
		     "address 192.0.2.7 is already used by host a");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 address 10.1.1.1\n",
		     "inv:3:38: error: address 10.1.1.1 is outside every subnet");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 address 192.0.2.0\n",
		     "192.0.2.0 is the network address");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 address 192.0.2.255\n",
		     "192.0.2.255 is the broadcast address");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 address 192.0.2.1\n",
		     "is the boot server's own address");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 address 192.0.2\n",
		     "'192.0.2' is not an IPv4 address");
}

/* A range is leased whole: nothing in it may belong to anyone else. */
static void test_range_holds_only_free_addresses(void **state)
{
	struct inventory *inv;

	(void)state;
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 range 192.0.2.0 192.0.2.9\n",
		     "inv:2:21: error: range contains 192.0.2.0, the network address of the subnet");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 range 192.0.2.200 192.0.2.255\n",
		     "inv:2:21: error: range contains 192.0.2.255, the broadcast address");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 {\n  range 192.0.2.1 192.0.2.9\n}\n",
		     "inv:3:3: error: range contains 192.0.2.1, the boot server's own address");
	assert_error("server 192.0.2.1\nsubnet 192.0.2.0/24 range 192.0.2.5 192.0.2.9 router 192.0.2.7\n",
		     "range contains 192.0.2.7, the subnet's router");
	assert_error(SERVER "boot bios p.0\nhost a mac 52:54:00:00:00:01 address 192.0.2.150\n",
		     "inv:4:38: error: 192.0.2.150 is inside the range at line 2");
	assert_error("server 192.0.2.1\nsubnet 0.0.0.0/8\n", "0.0.0.0/8 is not a subnet DHCP can serve");
	assert_error("server 192.0.2.1\nsubnet 255.255.255.255/32\n", "is not a subnet DHCP can serve");
	/* A /31 or /32 has no network or broadcast address (RFC 3021). */
	inv = parse("server 192.0.2.1\nsubnet 192.0.2.8/31 range 192.0.2.8 192.0.2.9\nboot bios p.0\n");
	assert_non_null(inv);
	inventory_free(inv);
}

/* dnsmasq's dhcp-host reads these as a lease time or a keyword. */
static void test_dnsmasq_keywords_are_not_host_names(void **state)
{
	static const char *const bad[] = { "ignore", "infinite", "IGNORE", "42", "12h", "7D", "h", "5w" };
	static const char *const good[] = { "h1", "node-12h", "12hh", "ignored", "w7" };
	char text[256];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, SERVER "host %s mac 52:54:00:00:00:01\n", bad[i]);
		assert_error(text, "reads as a lease time or keyword in dnsmasq");
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct inventory *inv;

		snprintf(text, sizeof text, SERVER "boot bios p.0\nhost %s mac 52:54:00:00:00:01\n",
			 good[i]);
		inv = parse(text);
		if (!inv)
			fail_msg("%s refused: %s", good[i], sb_str(&diag));
		inventory_free(inv);
	}
	assert_error(SERVER "boot bios tag:pxe.0\n", "may not start with 'tag:' (dnsmasq reads it as a tag)");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 filename set:x\n", "may not start with 'set:'");
}

/* The file name goes into header comments of every output. */
static void test_source_name_is_comment_safe(void **state)
{
	struct inventory *inv;

	(void)state;
	sb_reset(&diag);
	inv = inventory_parse("a\ndhcp-script=/x\\", SERVER "boot bios p.0\n",
			      strlen(SERVER "boot bios p.0\n"), &diag);
	assert_non_null(inv);
	assert_string_equal(inv->source, "a?dhcp-script=/x?");
	inventory_free(inv);
}

static void test_warnings_do_not_fail(void **state)
{
	struct inventory *inv;

	(void)state;
	inv = parse("server 10.0.0.1\nsubnet 192.0.2.0/24\nboot bios p.0\n");
	assert_non_null(inv);
	assert_non_null(strstr(sb_str(&diag), "warning: server 10.0.0.1 is in none of the subnets"));
	inventory_free(inv);
	inv = parse(SERVER);
	assert_non_null(inv);
	assert_non_null(strstr(sb_str(&diag), "no boot statements"));
	inventory_free(inv);
}

/* Values end up inside dhcpd.conf, JSON, dnsmasq and loader scripts. */
static void test_injection_is_refused(void **state)
{
	(void)state;
	assert_error(SERVER "boot bios \"pxe\\x.0\"\n", "character '\\' is not allowed in a boot file");
	assert_error(SERVER "boot bios \"pxe\\\";.0\"\n", "unterminated string");
	assert_error(SERVER "boot bios pxe;.0\n", "inv:3:14: error: character ';' is not allowed in a boot file");
	assert_error(SERVER "boot bios \"a b\"\n", "character ' ' is not allowed in a boot file");
	assert_error(SERVER "boot bios a,b\n", "character ',' is not allowed");
	assert_error(SERVER "boot bios a$b\n", "character '$' is not allowed");
	assert_error(SERVER "boot bios -x\n", "may not start with '-'");
	assert_error(SERVER "boot bios ../etc/passwd\n", "'..' is not allowed in a boot file");
	assert_error(SERVER "boot bios a/../../b\n", "'..' is not allowed");
	assert_error(SERVER "host \"a b\" mac 52:54:00:00:00:01\n", "inv:3:8: error: character ' ' is not allowed in a host name");
	assert_error(SERVER "host a;b mac 52:54:00:00:00:01\n", "character ';' is not allowed in a host name");
	assert_error(SERVER "host a.b mac 52:54:00:00:00:01\n", "character '.' is not allowed in a host name");
	assert_error(SERVER "host -a mac 52:54:00:00:00:01\n", "character '-' is not allowed in a host name");
	assert_error(SERVER "profile p kernel k label \"it's\"\n", "character ''' is not allowed in a label");
	assert_error(SERVER "profile p kernel k append \"a=`id`\"\n", "character '`' is not allowed in a kernel command line");
	assert_error(SERVER "profile p kernel k append \"a=${x}\"\n", "character '$' is not allowed");
	assert_error(SERVER "profile p kernel \"\"\n", "empty kernel path");
	assert_error(SERVER "profile p kernel k label \"\"\n", "empty label");
	assert_error(SERVER "profile p kernel k append \"\"\n", "empty kernel command line");
	assert_error(SERVER "host aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa mac 52:54:00:00:00:01\n",
		     "host name is 64 characters long; at most 63");
	{
		char text[400];

		snprintf(text, sizeof text, SERVER "boot bios %0128d\n", 0);
		assert_error(text, "boot file is 128 characters long; at most 127");
	}
}

static void test_boot_errors(void **state)
{
	(void)state;
	assert_error(SERVER "boot\n", "boot needs a client kind and a file");
	assert_error(SERVER "boot amiga x.0\n", "unknown client kind 'amiga'");
	assert_error(SERVER "boot bios\n", "write: boot bios FILE");
	assert_error(SERVER "boot arch 27\n", "write: boot arch CODE[,CODE...] FILE");
	assert_error(SERVER "boot arch x x.efi\n", "'x' is not an architecture code");
	assert_error(SERVER "boot arch 70000 x.efi\n", "is not an architecture code");
	assert_error(SERVER "boot arch , x.efi\n", "no architecture code given");
	assert_error(SERVER "boot arch 1,2,3,4,5,6,7,8,10 x.efi\n", "at most 8 architecture codes");
	assert_error(SERVER "boot bios a.0\nboot arch 0 b.0\n", "architecture 0 already has a boot file at line 3");
	assert_error(SERVER "boot uefi-x64 a.efi\nboot arch 9 b.efi\n", "architecture 9 already has a boot file");
	assert_error(SERVER "boot ipxe a\nboot ipxe b\n", "a second 'boot ipxe' (the first is at line 3)");
	assert_error(SERVER "boot http x.efi\n", "UEFI HTTP boot needs an http:// or https:// URL");
}

static void test_profile_and_host_rules(void **state)
{
	(void)state;
	assert_error(SERVER "profile p label x\n", "profile p needs a kernel (or localboot)");
	assert_error(SERVER "profile p localboot kernel k\n", "localboot boots the local disk");
	assert_error(SERVER "profile p kernel k\nprofile p kernel k\n", "profile p is already defined at line 3");
	assert_error(SERVER "profile p kernel k\nhost a mac 52:54:00:00:00:01 noboot profile p\n",
		     "noboot takes no profile or filename");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 profile q\n", "unknown profile 'q'");
}

static void test_error_count_is_bounded(void **state)
{
	char text[4096] = SERVER;

	(void)state;
	for (int i = 0; i < 40; i++)
		strcat(text, "bogus\n");
	assert_null(parse(text));
	assert_non_null(strstr(sb_str(&diag), "too many errors, stopping"));
}

static void test_formatting_helpers(void **state)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	char out[18];

	(void)state;
	format_mac(mac, '-', out);
	assert_string_equal(out, "52-54-00-ab-cd-ef");
	format_mac(mac, ':', out);
	assert_string_equal(out, "52:54:00:ab:cd:ef");
	format_ipv4(0xc0000201, out);
	assert_string_equal(out, "192.0.2.1");
	assert_int_equal(prefix_mask(0), 0);
	assert_int_equal(prefix_mask(24), 0xffffff00u);
	assert_int_equal(prefix_mask(32), 0xffffffffu);
	assert_true(inv_is_url("http://x/y"));
	assert_true(inv_is_url("tftp://x/y"));
	assert_false(inv_is_url("x/http://"));
}


/* "include": an in-memory file system; glob is fnmatch over its names,
 * which are listed in sorted order. */
static const char *const *fake_files;	/* name, text, name, text, ..., NULL */

static int fake_glob(void *ctx, const char *pattern, char ***names, size_t *n)
{
	(void)ctx;
	*n = 0;
	*names = calloc(16, sizeof **names);
	if (strstr(pattern, "unreadable-dir"))
		return errno = EACCES, free(*names), -1;
	for (size_t i = 0; fake_files[i]; i += 2)
		if (fnmatch(pattern, fake_files[i], FNM_PATHNAME) == 0 && *n < 16)
			(*names)[(*n)++] = strdup(fake_files[i]);
	return 0;
}

static int fake_read(void *ctx, const char *path, struct strbuf *text)
{
	(void)ctx;
	for (size_t i = 0; fake_files[i]; i += 2)
		if (strcmp(fake_files[i], path) == 0) {
			if (!fake_files[i + 1])
				return errno = EACCES, -1;
			sb_add(text, fake_files[i + 1]);
			return 0;
		}
	return errno = ENOENT, -1;
}

static struct inventory *parse_inc(const char *text, const char *const *files)
{
	static const struct inv_include_ops ops = { fake_glob, fake_read, NULL };

	fake_files = files;
	sb_reset(&diag);
	return inventory_parse_includes("/etc/pxekit/pxekit.conf", text, strlen(text), &ops, &diag);
}

static void test_include_reads_matches_in_name_order(void **state)
{
	static const char *const files[] = {
		"/etc/pxekit/images.d/b.conf", "profile b kernel b/k initrd b/i\n",
		"/etc/pxekit/images.d/a.conf", "profile a {\n  kernel a/k\n  append \"x=1\"\n}\n",
		"/etc/pxekit/images.d/a.txt", "garbage\n",
		NULL };
	/* sorted by the glob: the fake lists in table order, so sort here */
	static const char *const sorted[] = {
		"/etc/pxekit/images.d/a.conf", "profile a {\n  kernel a/k\n  append \"x=1\"\n}\n",
		"/etc/pxekit/images.d/a.txt", "garbage\n",
		"/etc/pxekit/images.d/b.conf", "profile b kernel b/k initrd b/i\n",
		NULL };
	struct inventory *inv;

	(void)state;
	(void)files;
	inv = parse_inc(SERVER "include \"images.d/*.conf\"\ndefault-profile b\n", sorted);
	assert_non_null(inv);
	assert_null(strstr(sb_str(&diag), "error"));
	assert_int_equal(inv->nprofiles, 2);
	assert_string_equal(inv->profiles[0].name, "a");
	assert_string_equal(inv->profiles[0].append, "x=1");
	assert_string_equal(inv->profiles[1].name, "b");
	assert_string_equal(inv->default_prof->name, "b");
	inventory_free(inv);

	/* a pattern that matches nothing is no error */
	inv = parse_inc(SERVER "include \"/nowhere/*.conf\"\n", sorted);
	assert_non_null(inv);
	assert_int_equal(inv->nprofiles, 0);
	inventory_free(inv);
}

/* The included file's errors name it, with its own lines and columns. */
static void test_include_errors_name_the_included_file(void **state)
{
	static const char *const files[] = {
		"/i/one.conf", "profile ok kernel k\n\nprofile bad! kernel k\n",
		"/i/two.conf", "profile ok kernel k2\n",
		"/i/three.conf", NULL,	/* unreadable */
		NULL };
	struct inventory *inv;

	(void)state;
	inv = parse_inc(SERVER "include \"/i/one.conf\"\n", files);
	assert_null(inv);
	assert_non_null(strstr(sb_str(&diag), "/i/one.conf:3:12: error: character '!'"));
	/* a duplicate across files: named where the second one is */
	inv = parse_inc(SERVER "include \"/i/one.conf\"\ninclude \"/i/two.conf\"\n",
			(const char *const[]){ "/i/one.conf", "profile ok kernel k\n",
					       "/i/two.conf", "profile ok kernel k2\n", NULL });
	assert_null(inv);
	assert_non_null(strstr(sb_str(&diag), "/i/two.conf:1:"));
	inv = parse_inc(SERVER "include \"/i/three.conf\"\n", files);
	assert_null(inv);
	assert_non_null(strstr(sb_str(&diag),
			       "pxekit.conf:3:9: error: /i/three.conf: Permission denied"));
	inv = parse_inc(SERVER "include \"/unreadable-dir/*\"\n", files);
	assert_null(inv);
	assert_non_null(strstr(sb_str(&diag), "/unreadable-dir/*: Permission denied"));
	inv = parse_inc(SERVER "include /i/one.conf\n", files);
	assert_null(inv);
	assert_non_null(strstr(sb_str(&diag), "write: include \"PATTERN\""));
}

static void test_include_loops_and_plain_parse(void **state)
{
	static const char *const files[] = {
		"/etc/pxekit/self.conf", "include \"self.conf\"\n", NULL };
	struct inventory *inv;

	(void)state;
	static const char *const chain[] = {
		"/c/1", "include \"2\"\n", "/c/2", "include \"3\"\n", "/c/3", "include \"4\"\n",
		"/c/4", "include \"5\"\n", "/c/5", "include \"6\"\n", "/c/6", "include \"7\"\n",
		"/c/7", "include \"8\"\n", "/c/8", "include \"9\"\n", "/c/9", "include \"10\"\n",
		"/c/10", "", NULL };
	/* the main file's own directory: "*.conf" matches pxekit.conf too */
	static const char *const star[] = {
		"/etc/pxekit/a.conf", "include \"*.conf\"\n", "/etc/pxekit/b.conf", "include \"*.conf\"\n",
		"/etc/pxekit/pxekit.conf", "", NULL };
	size_t loops = 0;

	inv = parse_inc(SERVER "include \"self.conf\"\n", files);
	assert_null(inv);
	assert_non_null(strstr(sb_str(&diag), "/etc/pxekit/self.conf:1:9: error: /etc/pxekit/self.conf includes itself (through \"self.conf\")"));
	inv = parse_inc(SERVER "include \"/c/1\"\n", chain);
	assert_null(inv);
	assert_non_null(strstr(sb_str(&diag), "/c/8:1:1: error: includes nested more than 8 deep"));
	/* no file twice on one path of includes: pxekit.conf refuses itself,
	 * a and b refuse themselves and pxekit.conf, then each refuses all
	 * three below the other (1 + 2*2 + 2*3 errors), not 3^8 reads */
	inv = parse_inc(SERVER "include \"*.conf\"\n", star);
	assert_null(inv);
	for (const char *p = sb_str(&diag); (p = strstr(p, "includes itself")); p++)
		loops++;
	assert_int_equal(loops, 1 + 2 * 2 + 2 * 3);
	/* without include operations (the fuzzer, other callers) it is refused */
	assert_error(SERVER "include \"x\"\n", "inv:3:1: error: include is not allowed here");
}

/* ---- what admins expect beside the basics (issue 19) ---------------- */

static void test_subnet_options_are_parsed(void **state)
{
	struct inventory *inv = parse("server 192.0.2.1\n"
				      "subnet 192.0.2.0/24 {\n"
				      "  range 192.0.2.100 192.0.2.199\n"
				      "  lease-time 600 domain lab.example.org\n"
				      "  search a.example b.example\n  ntp 192.0.2.1 192.0.2.2\n"
				      "}\n"
				      "subnet 198.51.100.0/24 proxy\n"
				      "boot bios p.0\n");

	(void)state;
	assert_non_null(inv);
	assert_int_equal(inv->subnets[0].lease_time, 600);
	assert_string_equal(inv->subnets[0].domain, "lab.example.org");
	assert_int_equal(inv->subnets[0].nsearch, 2);
	assert_string_equal(inv->subnets[0].search[1], "b.example");
	assert_int_equal(inv->subnets[0].nntp, 2);
	assert_int_equal(inv->subnets[0].ntp[1], 0xc0000202);
	assert_true(inv->subnets[1].proxy);
	assert_true(inv_has_proxy(inv));
	inventory_free(inv);
}

static void test_subnet_option_errors(void **state)
{
	(void)state;
	assert_error(SERVER "subnet 10.0.0.0/8 lease-time 59\n", "inv:3:30: error: '59' is not a lease time");
	assert_error(SERVER "subnet 10.0.0.0/8 lease-time 1d\n", "not a lease time in seconds");
	assert_error(SERVER "subnet 10.0.0.0/8 lease-time 60 lease-time 70\n", "lease-time given twice");
	assert_error(SERVER "subnet 10.0.0.0/8 domain \"a;b\"\n", "inv:3:28: error: character ';'");
	assert_error(SERVER "subnet 10.0.0.0/8 domain a..b\n", "character '.' is not allowed here");
	assert_error(SERVER "subnet 10.0.0.0/8 domain a.\n", "may not end with '.'");
	assert_error(SERVER "subnet 10.0.0.0/8 search x -y\n", "character '-'");
	assert_error(SERVER "subnet 10.0.0.0/8 search a b c d e\n", "at most 4 search domains");
	assert_error(SERVER "subnet 10.0.0.0/8 ntp 10.0.0.1 x\n", "'x' is not an IPv4 address");
	assert_error(SERVER "subnet 10.0.0.0/8 {\n  proxy\n  range 10.0.0.5 10.0.0.9\n}\n",
		     "inv:3:1: error: a proxy subnet leases nothing");
	assert_error(SERVER "subnet 10.0.0.0/8 proxy dns 10.0.0.1\n", "a proxy subnet leases nothing");
}

static void test_ipv6_is_parsed(void **state)
{
	struct inventory *inv = parse("server 192.0.2.1\nserver6 2001:db8::1\n"
				      "subnet6 2001:db8::/64 {\n"
				      "  range 2001:db8::100 2001:db8::1ff\n"
				      "  lease-time 7200 dns 2001:db8::1\n"
				      "}\n"
				      "boot6 uefi-x64 efi/grubx64.efi\n"
				      "boot6 http http://[2001:db8::1]:8080/x.efi\n"
				      "boot6 arch 19 http://boot.example/a.efi\n");
	char url[200];

	(void)state;
	assert_non_null(inv);
	/* boot6 rules alone are boot statements: no "no boot statements". */
	assert_string_equal(sb_str(&diag), "");
	assert_int_equal(inv->nsubnets6, 1);
	assert_int_equal(inv->subnets6[0].prefixlen, 64);
	assert_true(inv->subnets6[0].has_range);
	assert_int_equal(inv->subnets6[0].range_hi[15], 0xff);
	assert_int_equal(inv->subnets6[0].lease_time, 7200);
	assert_int_equal(inv->nboots6, 3);
	assert_int_equal(inv->nboots, 0);
	inv_boot6_url(inv, inv->boots6[0].file, url, sizeof url);
	assert_string_equal(url, "tftp://[2001:db8::1]/efi/grubx64.efi");
	inv_boot6_url(inv, inv->boots6[1].file, url, sizeof url);
	assert_string_equal(url, "http://[2001:db8::1]:8080/x.efi");
	assert_ptr_equal(inv_find_boot6(inv, CLIENT_HTTP, true), &inv->boots6[1]);
	inventory_free(inv);
}

static void test_ipv6_errors(void **state)
{
	(void)state;
	assert_error(SERVER "subnet6 2001:db8::1/64\n", "inv:3:9: error: 2001:db8::1/64 has host bits set; the subnet is 2001:db8::/64");
	assert_error(SERVER "subnet6 2001:db8::/129\n", "is not address/prefix");
	assert_error(SERVER "subnet6 192.0.2.0/24\n", "'192.0.2.0' is not an IPv6 address");
	assert_error(SERVER "subnet6 2001:db8::/64 range 2001:db9::1 2001:db8::9\n",
		     "range is not inside its subnet6");
	assert_error(SERVER "subnet6 2001:db8::/64 range 2001:db8::9 2001:db8::1\n",
		     "range starts after it ends");
	assert_error(SERVER "server6 2001:db8::5\nsubnet6 2001:db8::/64 range 2001:db8::1 2001:db8::9\n",
		     "range contains the boot server's own address");
	assert_error(SERVER "subnet6 2001:db8::/48\nsubnet6 2001:db8:0:1::/64\n",
		     "inv:4:1: error: subnet6 overlaps the subnet6 at line 3");
	assert_error(SERVER "server6 10.0.0.1\n", "'10.0.0.1' is not an IPv6 address");
	assert_error(SERVER "server6 ::1\nserver6 ::2\n", "server6 given twice");
	assert_error(SERVER "boot6 uefi-x64 efi/x.efi\n",
		     "inv:3:1: error: boot6 uefi-x64: a TFTP path needs 'server6 ADDRESS'");
	assert_error(SERVER "boot6 bios pxelinux.0\n", "boot6 bios: BIOS PXE has no IPv6");
	assert_error(SERVER "boot6 no-arch pxelinux.0\n", "BIOS PXE has no IPv6");
	assert_error(SERVER "boot6 http http://[2001:db8::1/x\n", "'[' without a matching ']'");
	assert_error(SERVER "boot6 http http://[2001:db8::g]/x\n", "'2001:db8::g' is not an IPv6 address");
	assert_error(SERVER "boot6 http http://[::1]/a\"b\n", "unterminated string");
	assert_error(SERVER "boot6 http http://[::1]/a;b\n", "character ';' is not allowed");
	/* Brackets are for IPv6 literals in boot6 URLs only. */
	assert_error(SERVER "boot http http://[::1]/x\n", "character '['");
	assert_error(SERVER "server6 ::1\nboot6 uefi-x64 a\nboot6 arch 7 b\n",
		     "architecture 7 already has a boot6 file at line 4");
}

static void test_secure_boot_statement(void **state)
{
	struct inventory *inv = parse("server 192.0.2.1\n"
				      "secure-boot uefi-x64 debian d-i/amd64/\n"
				      "secure-boot uefi-arm64 rhel /\n");

	(void)state;
	assert_non_null(inv);
	assert_string_equal(inv->boots[0].file, "d-i/amd64/bootnetx64.efi");
	assert_string_equal(inv->boots[0].grub_dir, "debian-installer/amd64/grub");
	assert_int_equal(inv->boots[0].layout, LAYOUT_DEBIAN);
	assert_int_equal(inv->boots[0].narch, 2);
	assert_string_equal(inv->boots[1].file, "shimaa64.efi");
	assert_string_equal(inv->boots[1].grub_dir, "");
	inventory_free(inv);
	assert_error(SERVER "secure-boot bios debian d\n", "secure-boot is for uefi-x64 or uefi-arm64");
	assert_error(SERVER "secure-boot uefi-x64 suse d\n", "inv:3:22: error: unknown layout 'suse'");
	assert_error(SERVER "secure-boot uefi-x64 debian\n", "write: secure-boot");
	assert_error(SERVER "secure-boot uefi-x64 debian ../x\n", "'..' is not allowed");
	assert_error(SERVER "secure-boot uefi-x64 debian http://x/y\n", "a directory under the TFTP root");
	assert_error(SERVER "secure-boot uefi-x64 ubuntu a\nboot uefi-x64 b.efi\n",
		     "architecture 7 already has a boot file at line 3");
}

static void test_groups_and_host_boots(void **state)
{
	struct inventory *inv = parse(SERVER
				      "profile p kernel k append \"quiet\"\n"
				      "group g {\n  profile p\n  boot bios g.0\n  boot uefi-x64 g.efi\n"
				      "  filename any.efi\n  append \"url=http://${server}/${mac-hex}\"\n}\n"
				      "host a mac 52:54:00:00:00:01 group g boot bios own.0\n"
				      "host b mac 52:54:00:00:00:02 address 192.0.2.5 group g filename mine.efi"
				      " append \"h=${hostname} ip=${ip} m=${mac} d=${mac-dashes} x=${mac-pxelinux}\"\n"
				      "host c mac 52:54:00:00:00:03 profile p\n");
	const struct inv_host *a, *b;

	(void)state;
	assert_non_null(inv);
	a = &inv->hosts[0];
	b = &inv->hosts[1];
	assert_ptr_equal(a->profile, &inv->profiles[0]);
	assert_int_equal(a->nboots, 2);
	assert_string_equal(a->boot[0].file, "own.0");	/* the host's beats the group's */
	assert_string_equal(a->boot[1].file, "g.efi");
	assert_string_equal(a->filename, "any.efi");
	assert_string_equal(a->cmdline, "quiet url=http://192.0.2.1/525400000001");
	assert_string_equal(b->filename, "mine.efi");
	assert_string_equal(b->cmdline, "quiet url=http://192.0.2.1/525400000002 h=b ip=192.0.2.5 "
				       "m=52:54:00:00:00:02 d=52-54-00-00-00-02 x=01-52-54-00-00-00-02");
	assert_null(inv->hosts[2].cmdline);	/* the profile's own line */
	inventory_free(inv);
}

static void test_group_and_template_errors(void **state)
{
	(void)state;
	assert_error(SERVER "host a mac 52:54:00:00:00:01 group nope\n", "inv:3:36: error: unknown group 'nope'");
	assert_error(SERVER "group g\ngroup g\n", "inv:4:7: error: group g is already defined at line 3");
	assert_error(SERVER "group g mac 52:54:00:00:00:01\n", "unknown group setting 'mac'");
	assert_error(SERVER "group g profile nope\nhost a mac 52:54:00:00:00:01 group g\n",
		     "unknown profile 'nope'");
	assert_error(SERVER "profile p kernel k\nhost a mac 52:54:00:00:00:01 profile p append \"x=${nope}\"\n",
		     "inv:4:50: error: '$' starts a template variable");
	assert_error(SERVER "profile p kernel k\nhost a mac 52:54:00:00:00:01 profile p append \"x=$hostname\"\n",
		     "'$' starts a template variable");
	assert_error(SERVER "profile p kernel k\nhost a mac 52:54:00:00:00:01 profile p append \"x=${ip\"\n",
		     "'$' starts a template variable");
	assert_error(SERVER "profile p kernel k\nhost a mac 52:54:00:00:00:01 profile p append \"x=${ip}\"\n",
		     "host a has no address for ${ip}");
	assert_error(SERVER "profile p kernel k\nhost a mac 52:54:00:00:00:01 profile p append \"a'b\"\n",
		     "character ''' is not allowed in a kernel command line");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 append \"x=1\"\n",
		     "host a: append adds to a profile's kernel command line");
	assert_error(SERVER "profile d localboot\nhost a mac 52:54:00:00:00:01 profile d append \"x=1\"\n",
		     "it needs a profile with a kernel");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 boot http x\n",
		     "a host's boot takes a named firmware kind");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 boot arch 7\n", "a host's boot takes a named firmware kind");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 boot bios a.0 boot bios b.0\n", "boot bios given twice");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 boot bios a;0\n", "character ';' is not allowed");
	assert_error(SERVER "host a mac 52:54:00:00:00:01 boot bios\n", "boot needs 2 values");
	assert_error(SERVER "group g boot bios x.0\nhost a mac 52:54:00:00:00:01 noboot group g\n",
		     "noboot takes no profile or filename");
	assert_error(SERVER "boot no-arch a.0\nboot no-arch b.0\n", "a second 'boot no-arch'");
}

/* format_ipv4 and format_mac are written by hand: every width of an
 * octet, and both separators. */
static void test_address_text(void **state)
{
	char text[18];

	(void)state;
	format_ipv4(0, text);
	assert_string_equal(text, "0.0.0.0");
	format_ipv4(0x0a6409ffu, text);
	assert_string_equal(text, "10.100.9.255");
	format_ipv4(0xffffffffu, text);
	assert_string_equal(text, "255.255.255.255");
	format_ipv4(0xc000020au, text);
	assert_string_equal(text, "192.0.2.10");
	format_mac((const uint8_t[6]){ 0x00, 0x0f, 0xa0, 0xff, 0x52, 0x09 }, ':', text);
	assert_string_equal(text, "00:0f:a0:ff:52:09");
	format_mac((const uint8_t[6]){ 0x52, 0x54, 0x00, 0x12, 0x34, 0x01 }, '-', text);
	assert_string_equal(text, "52-54-00-12-34-01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_inventory_is_parsed),
		cmocka_unit_test(test_lexical_errors),
		cmocka_unit_test(test_statement_errors),
		cmocka_unit_test(test_subnet_errors),
		cmocka_unit_test(test_mac_and_address_errors),
		cmocka_unit_test(test_range_holds_only_free_addresses),
		cmocka_unit_test(test_dnsmasq_keywords_are_not_host_names),
		cmocka_unit_test(test_source_name_is_comment_safe),
		cmocka_unit_test(test_warnings_do_not_fail),
		cmocka_unit_test(test_injection_is_refused),
		cmocka_unit_test(test_boot_errors),
		cmocka_unit_test(test_profile_and_host_rules),
		cmocka_unit_test(test_error_count_is_bounded),
		cmocka_unit_test(test_formatting_helpers),
		cmocka_unit_test(test_include_reads_matches_in_name_order),
		cmocka_unit_test(test_include_errors_name_the_included_file),
		cmocka_unit_test(test_include_loops_and_plain_parse),
		cmocka_unit_test(test_subnet_options_are_parsed),
		cmocka_unit_test(test_subnet_option_errors),
		cmocka_unit_test(test_ipv6_is_parsed),
		cmocka_unit_test(test_ipv6_errors),
		cmocka_unit_test(test_secure_boot_statement),
		cmocka_unit_test(test_groups_and_host_boots),
		cmocka_unit_test(test_group_and_template_errors),
		cmocka_unit_test(test_address_text),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	sb_free(&diag);
	return rc;
}
