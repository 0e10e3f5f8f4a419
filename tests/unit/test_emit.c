/* The emitters against golden files (tests/unit/golden/, made from
 * golden/inventory.conf and checked by hand and by the real servers in
 * tests/integration/dhcpgen.sh), plus properties no golden file shows.
 * PXEKIT_UPDATE_GOLDEN=1 rewrites the golden files instead. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "emit.h"
#include "inventory.h"

static char *golden_path(const char *name)
{
	const char *top = getenv("top_srcdir");
	char *path;

	assert_true(asprintf(&path, "%s/tests/unit/golden/%s", top ? top : SRCDIR, name) > 0);
	return path;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct inventory *golden_inventory_named(const char *name)
{
	struct strbuf diag = STRBUF_INIT;
	char *path = golden_path(name);
	size_t len;
	char *text = slurp(path, &len);
	struct inventory *inv = inventory_parse(name, text, len, &diag);

	if (!inv)
		fail_msg("golden inventory refused:\n%s", sb_str(&diag));
	free(text);
	free(path);
	sb_free(&diag);
	return inv;
}

static struct inventory *golden_inventory(void)
{
	return golden_inventory_named("inventory.conf");
}

static void assert_golden(const char *name, const struct strbuf *got)
{
	char *path = golden_path(name);
	size_t len;
	char *want;

	if (getenv("PXEKIT_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(sb_str(got), f);
		fclose(f);
	}
	want = slurp(path, &len);
	if (len != got->len || memcmp(want, sb_str(got), len) != 0)
		fail_msg("%s differs from the emitter's output:\n%s", name, sb_str(got));
	free(want);
	free(path);
}

static void test_dhcp_formats_match_golden(void **state)
{
	static const struct { enum dhcp_format format; const char *name; } cases[] = {
		{ FORMAT_ISC, "pxekit.isc" },
		{ FORMAT_KEA, "pxekit.kea" },
		{ FORMAT_DNSMASQ, "pxekit.dnsmasq" },
	};
	struct inventory *inv = golden_inventory();

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

		emit_dhcp(cases[i].format, inv, &a);
		emit_dhcp(cases[i].format, inv, &b);
		assert_false(a.oom);
		/* The same inventory gives the same bytes: no dates, no order
		 * that depends on memory. */
		assert_string_equal(sb_str(&a), sb_str(&b));
		assert_non_null(strstr(sb_str(&a), GENERATED_MARK));
		assert_golden(cases[i].name, &a);
		sb_free(&a);
		sb_free(&b);
	}
	inventory_free(inv);
}

static void test_loader_files_match_golden(void **state)
{
	struct inventory *inv = golden_inventory();
	struct loader_files lf = { 0 };
	struct strbuf all = STRBUF_INIT;

	(void)state;
	emit_loaders(inv, &lf);
	assert_false(lf.oom);
	for (size_t i = 0; i < lf.n; i++)
		sb_addf(&all, "==> %s <==\n%s", lf.file[i].path, sb_str(&lf.file[i].text));
	assert_golden("loaders.txt", &all);
	sb_free(&all);
	loader_files_free(&lf);
	inventory_free(inv);
}

static const char *find_file(const struct loader_files *lf, const char *path)
{
	for (size_t i = 0; i < lf->n; i++)
		if (strcmp(lf->file[i].path, path) == 0)
			return sb_str(&lf->file[i].text);
	return NULL;
}

/* The names each loader looks up (PXELINUX README, GRUB's
 * grub_net_search_config_file, iPXE ${mac:hexhyp}). */
static void test_loader_lookup_names(void **state)
{
	struct inventory *inv = golden_inventory();
	struct loader_files lf = { 0 };

	(void)state;
	emit_loaders(inv, &lf);
	assert_non_null(find_file(&lf, "bios/pxelinux.cfg/default"));
	assert_non_null(find_file(&lf, "bios/pxelinux.cfg/01-52-54-00-12-34-01"));
	assert_non_null(find_file(&lf, "grub/grub.cfg"));
	/* One GRUB file a host: grub.cfg sends every GRUB to it. */
	assert_null(find_file(&lf, "grub/grub.cfg-01-52-54-00-12-34-01"));
	assert_non_null(find_file(&lf, "grub/grub.cfg-52:54:00:12:34:01"));
	assert_non_null(find_file(&lf, "ipxe/boot.ipxe"));
	assert_non_null(find_file(&lf, "ipxe/default.ipxe"));
	assert_non_null(find_file(&lf, "ipxe/52-54-00-12-34-01.ipxe"));
	/* node02 has no profile, retired does not boot: no files of theirs. */
	assert_null(find_file(&lf, "bios/pxelinux.cfg/01-52-54-00-12-34-02"));
	assert_null(find_file(&lf, "bios/pxelinux.cfg/01-52-54-00-12-34-03"));
	/* GRUB fetches http:// files with its own device syntax. */
	assert_non_null(strstr(find_file(&lf, "grub/grub.cfg-52:54:00:12:34:04"),
			       "linux '(http,192.0.2.1)/vmlinuz'"));
	loader_files_free(&lf);
	inventory_free(inv);
}

static struct inventory *inline_inventory(const char *text)
{
	struct strbuf diag = STRBUF_INIT;
	struct inventory *inv = inventory_parse("inv", text, strlen(text), &diag);

	if (!inv)
		fail_msg("refused:\n%s", sb_str(&diag));
	sb_free(&diag);
	return inv;
}

static void test_without_ipxe_rule_ipxe_is_treated_as_its_arch(void **state)
{
	struct inventory *inv = inline_inventory("server 10.0.0.1\nboot bios pxelinux.0\n"
						 "host a mac 52:54:00:00:00:01 filename x.0\n");
	struct strbuf isc = STRBUF_INIT, dm = STRBUF_INIT, kea = STRBUF_INIT;

	(void)state;
	emit_isc(inv, &isc);
	emit_dnsmasq(inv, &dm);
	emit_kea(inv, &kea);
	/* QEMU's own PXE ROM is iPXE: with no ipxe rule it must still get
	 * the BIOS file, and a host's file stays unconditional. */
	assert_null(strstr(sb_str(&isc), "iPXE"));
	assert_non_null(strstr(sb_str(&isc), "    filename \"x.0\";\n"));
	assert_null(strstr(sb_str(&dm), "ipxe"));
	assert_null(strstr(sb_str(&kea), "ipxe"));
	/* No subnet has a range: nothing declares one. */
	assert_null(strstr(sb_str(&isc), "subnet"));
	sb_free(&isc);
	sb_free(&dm);
	sb_free(&kea);
	inventory_free(inv);
}

static void test_no_profiles_no_loader_files(void **state)
{
	struct inventory *inv = inline_inventory("server 10.0.0.1\nboot bios pxelinux.0\n");
	struct loader_files lf = { 0 };

	(void)state;
	emit_loaders(inv, &lf);
	assert_int_equal(lf.n, 0);
	inventory_free(inv);
}

static void test_pxelinux_at_root_uses_plain_paths(void **state)
{
	struct inventory *inv = inline_inventory("server 10.0.0.1\nboot bios pxelinux.0\n"
						 "boot uefi-x64 efi/syslinux.efi\n"
						 "profile p kernel k/linux\n");
	struct loader_files lf = { 0 };

	(void)state;
	emit_loaders(inv, &lf);
	assert_non_null(strstr(find_file(&lf, "pxelinux.cfg/default"), "  KERNEL k/linux\n"));
	/* syslinux.efi looks next to itself, so it gets its own copy. */
	assert_non_null(strstr(find_file(&lf, "efi/pxelinux.cfg/default"), "  KERNEL ::k/linux\n"));
	/* No default profile: the menu boots the local disk. */
	assert_non_null(strstr(find_file(&lf, "pxelinux.cfg/default"), "DEFAULT local\n"));
	loader_files_free(&lf);
	inventory_free(inv);
}

/* Class and tag names carry whole host names, even 63-character ones. */
static void test_longest_host_name_is_not_cut(void **state)
{
	static const char name[] =
		"h23456789012345678901234567890123456789012345678901234567890123";
	char text[256], want[128];
	struct inventory *inv;
	struct strbuf kea = STRBUF_INIT, dm = STRBUF_INIT;

	(void)state;
	snprintf(text, sizeof text, "server 10.0.0.1\nboot bios p.0\nboot ipxe i\n"
		 "host %s mac 52:54:00:00:00:01 filename x.0\n", name);
	inv = inline_inventory(text);
	emit_kea(inv, &kea);
	emit_dnsmasq(inv, &dm);
	snprintf(want, sizeof want, "\"pxekit-host-%s\"", name);
	assert_non_null(strstr(sb_str(&kea), want));
	snprintf(want, sizeof want, "tag:pxekit-host-%s,tag:!pxekit-http,tag:!pxekit-ipxe,x.0", name);
	assert_non_null(strstr(sb_str(&dm), want));
	sb_free(&kea);
	sb_free(&dm);
	inventory_free(inv);
}

/* Hex bytes "aa:bb:..." back to text. */
static char *unhex(const char *p)
{
	char *out = calloc(1, strlen(p) / 2 + 2), *o = out;
	unsigned byte;
	int n;

	assert_non_null(out);
	while (sscanf(p, "%2x%n", &byte, &n) == 1) {
		*o++ = (char)byte;
		p += n;
		if (*p != ':')
			break;
		p++;
	}
	return out;
}

/* iPXE ends a command at a word ";", "||" or "&&" and a line at a word
 * starting with '#', before it expands ${...} (core/exec.c): inventory
 * text must never reach an iPXE script as words. */
static void test_ipxe_text_cannot_split_a_command(void **state)
{
	static const char label[] = "Debian 12 ; chain /evil.ipxe || x && y #2";
	static const char append[] = "console=ttyS0 ; chain /evil2.ipxe #c";
	char text[512];
	struct inventory *inv;
	struct loader_files lf = { 0 };
	const char *menu, *host, *set;
	char *decoded;

	(void)state;
	snprintf(text, sizeof text, "server 10.0.0.1\nboot bios pxelinux.0\n"
		 "profile install label \"%s\" kernel k/linux append \"%s\"\n"
		 "profile rescue label \"Rescue #2\" kernel k/linux\n"
		 "host a mac 52:54:00:00:00:01 profile install\n", label, append);
	inv = inline_inventory(text);
	emit_loaders(inv, &lf);
	menu = find_file(&lf, "ipxe/default.ipxe");
	host = find_file(&lf, "ipxe/52-54-00-00-00-01.ipxe");
	assert_non_null(menu);
	assert_non_null(host);
	for (size_t i = 0; i < lf.n; i++) {
		if (!strstr(lf.file[i].path, ".ipxe"))
			continue;
		assert_null(strstr(sb_str(&lf.file[i].text), "evil"));
		assert_null(strstr(sb_str(&lf.file[i].text), " #2"));
	}
	assert_non_null(strstr(menu, "item install ${pxekit-label-install:string}\n"));
	assert_non_null(strstr(menu, "item rescue ${pxekit-label-rescue:string}\n"));
	set = strstr(menu, "set pxekit-label-install:hex ");
	assert_non_null(set);
	decoded = unhex(set + strlen("set pxekit-label-install:hex "));
	assert_string_equal(decoded, label);
	free(decoded);
	assert_non_null(strstr(host, "kernel /k/linux ${pxekit-append-install:string}\n"));
	set = strstr(host, "set pxekit-append-install:hex ");
	assert_non_null(set);
	decoded = unhex(set + strlen("set pxekit-append-install:hex "));
	assert_string_equal(decoded, append);
	free(decoded);
	loader_files_free(&lf);
	inventory_free(inv);
}

/* '&', ';', '#' and spaces mean something to GRUB's script lexer: every
 * string it reads is one single-quoted word. */
static void test_grub_quotes_every_string(void **state)
{
	struct inventory *inv = inline_inventory(
		"server 10.0.0.1\nboot bios pxelinux.0\n"
		"profile p label \"A & B; #1\" kernel http://10.0.0.1/boot.php?mac=1&file=linux"
		" initrd k/i&x append \"ds=nocloud-net;s=http://x/ a&b\"\n"
		"profile s kernel https://10.0.0.1/linux\n"
		"default-profile p\n");
	struct loader_files lf = { 0 };
	const char *cfg;

	(void)state;
	emit_loaders(inv, &lf);
	cfg = find_file(&lf, "grub/grub.cfg");
	assert_non_null(cfg);
	assert_non_null(strstr(cfg, "\nset default='p'\n"));
	assert_non_null(strstr(cfg, "menuentry 'A & B; #1' --id 'p' {\n"));
	assert_non_null(strstr(cfg, "  linux '(http,10.0.0.1)/boot.php?mac=1&file=linux'"
				    " 'ds=nocloud-net;s=http://x/' 'a&b'\n"));
	assert_non_null(strstr(cfg, "  initrd '/k/i&x'\n"));
	/* GRUB 2.06 has no https: the entry says so instead of failing. */
	assert_non_null(strstr(cfg, "menuentry 's' --id 's' {\n  echo 'This entry needs https://"));
	assert_null(strstr(cfg, "(https,"));
	loader_files_free(&lf);
	inventory_free(inv);
}

/* The built-in local-disk entry never takes a profile's name, or the
 * menu's default would boot that profile instead of the disk. */
static void test_builtin_local_entry_never_shadows_a_profile(void **state)
{
	struct inventory *inv = inline_inventory(
		"server 10.0.0.1\nboot bios pxelinux.0\n"
		"profile local kernel k/a\nprofile local-disk label Wipe kernel k/wipe\n");
	struct loader_files lf = { 0 };
	const char *pxe, *grub, *ipxe;

	(void)state;
	emit_loaders(inv, &lf);
	pxe = find_file(&lf, "pxelinux.cfg/default");
	grub = find_file(&lf, "grub/grub.cfg");
	ipxe = find_file(&lf, "ipxe/default.ipxe");
	assert_non_null(strstr(pxe, "DEFAULT local-disk-2\n"));
	assert_non_null(strstr(pxe, "\nLABEL local-disk-2\n  MENU LABEL Boot from the local disk\n  LOCALBOOT 0\n"));
	assert_non_null(strstr(grub, "set default='local-disk-2'\n"));
	assert_non_null(strstr(ipxe, "choose --default local-disk-2 "));
	assert_non_null(strstr(ipxe, "\n:local-disk-2\nexit\n"));
	loader_files_free(&lf);
	inventory_free(inv);
}

/* timeout 0 means "boot the default now" in every loader: PXELINUX's
 * TIMEOUT 0 and iPXE's --timeout 0 would wait for ever. */
static void test_timeout_zero_boots_the_default_at_once(void **state)
{
	struct inventory *inv = inline_inventory("server 10.0.0.1\nboot bios pxelinux.0\n"
						 "profile p kernel k/linux\ndefault-profile p\ntimeout 0\n");
	struct loader_files lf = { 0 };
	const char *pxe, *ipxe, *grub;

	(void)state;
	emit_loaders(inv, &lf);
	pxe = find_file(&lf, "pxelinux.cfg/default");
	ipxe = find_file(&lf, "ipxe/default.ipxe");
	grub = find_file(&lf, "grub/grub.cfg");
	assert_non_null(strstr(pxe, "DEFAULT p\nPROMPT 0\n"));
	assert_null(strstr(ipxe, "--timeout 0"));
	assert_null(strstr(ipxe, "choose"));
	assert_non_null(strstr(ipxe, "\ngoto p\n"));
	assert_non_null(strstr(grub, "set timeout=0\n"));
	loader_files_free(&lf);
	inventory_free(inv);
	/* And a real timeout keeps the prompt and the menu. */
	inv = inline_inventory("server 10.0.0.1\nboot bios pxelinux.0\nprofile p kernel k/linux\ntimeout 7\n");
	emit_loaders(inv, &lf);
	assert_non_null(strstr(find_file(&lf, "pxelinux.cfg/default"), "PROMPT 1\nTIMEOUT 70\n"));
	assert_non_null(strstr(find_file(&lf, "ipxe/default.ipxe"), "--timeout 7000 "));
	loader_files_free(&lf);
	inventory_free(inv);
}

/* A host's own pxelinux.0 looks for pxelinux.cfg/ beside itself. */
static void test_host_pxelinux_elsewhere_gets_its_config_dir(void **state)
{
	struct inventory *inv = inline_inventory(
		"server 10.0.0.1\nboot bios bios/pxelinux.0\nprofile p kernel k/linux\n"
		"host a mac 52:54:00:00:00:01 filename special/lpxelinux.0 profile p\n");
	struct loader_files lf = { 0 };

	(void)state;
	emit_loaders(inv, &lf);
	assert_non_null(find_file(&lf, "bios/pxelinux.cfg/default"));
	assert_non_null(find_file(&lf, "special/pxelinux.cfg/default"));
	assert_non_null(find_file(&lf, "special/pxelinux.cfg/01-52-54-00-00-00-01"));
	loader_files_free(&lf);
	inventory_free(inv);
}

/* ISC: a subnet without a range still carries its router and dns. */
static void test_isc_subnet_without_range_keeps_router_and_dns(void **state)
{
	struct inventory *inv = inline_inventory(
		"server 10.0.0.1\nsubnet 10.0.0.0/24 router 10.0.0.254 dns 10.0.0.53\n"
		"subnet 10.0.1.0/24\nboot bios pxelinux.0\n");
	struct strbuf isc = STRBUF_INIT;

	(void)state;
	emit_isc(inv, &isc);
	assert_non_null(strstr(sb_str(&isc), "subnet 10.0.0.0 netmask 255.255.255.0 {\n"
					     "  option routers 10.0.0.254;\n"
					     "  option domain-name-servers 10.0.0.53;\n}\n"));
	assert_non_null(strstr(sb_str(&isc), "# subnet 10.0.1.0/24 is declared in dhcpd.conf"));
	sb_free(&isc);
	inventory_free(inv);
}

/* Kea subnet ids do not move when a subnet is added before another. */
static void test_kea_subnet_ids_are_stable(void **state)
{
	struct inventory *a = inline_inventory("server 10.0.0.1\nsubnet 10.0.1.0/24\nboot bios p.0\n");
	struct inventory *b = inline_inventory("server 10.0.0.1\nsubnet 10.0.0.0/24\n"
					       "subnet 10.0.1.0/24\nboot bios p.0\n");
	struct strbuf ka = STRBUF_INIT, kb = STRBUF_INIT;

	(void)state;
	emit_kea(a, &ka);
	emit_kea(b, &kb);
	/* 10.0.1.0 is 167772416 */
	assert_non_null(strstr(sb_str(&ka), "{ \"id\": 167772416, \"subnet\": \"10.0.1.0/24\""));
	assert_non_null(strstr(sb_str(&kb), "{ \"id\": 167772416, \"subnet\": \"10.0.1.0/24\""));
	assert_non_null(strstr(sb_str(&kb), "{ \"id\": 167772160, \"subnet\": \"10.0.0.0/24\""));
	sb_free(&ka);
	sb_free(&kb);
	inventory_free(a);
	inventory_free(b);
}

/* ---- what admins expect beside the basics (issue 19) ---------------- */

/* features.conf: DHCPv6, proxy DHCP, subnet options, secure-boot pairs,
 * groups, per-host arch files and templates, all five DHCP formats. */
static void test_features_match_golden(void **state)
{
	static const struct { enum dhcp_format format; const char *name; } cases[] = {
		{ FORMAT_ISC, "features.isc" },
		{ FORMAT_KEA, "features.kea" },
		{ FORMAT_DNSMASQ, "features.dnsmasq" },
		{ FORMAT_ISC6, "features.isc6" },
		{ FORMAT_KEA6, "features.kea6" },
	};
	struct inventory *inv = golden_inventory_named("features.conf");
	struct loader_files lf = { 0 };
	struct strbuf all = STRBUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

		emit_dhcp(cases[i].format, inv, &a);
		emit_dhcp(cases[i].format, inv, &b);
		assert_false(a.oom);
		assert_string_equal(sb_str(&a), sb_str(&b));
		assert_golden(cases[i].name, &a);
		sb_free(&a);
		sb_free(&b);
	}
	emit_loaders(inv, &lf);
	assert_false(lf.oom);
	for (size_t i = 0; i < lf.n; i++)
		sb_addf(&all, "==> %s <==\n%s", lf.file[i].path, sb_str(&lf.file[i].text));
	assert_golden("features-loaders.txt", &all);
	sb_free(&all);
	loader_files_free(&lf);
	inventory_free(inv);
}

static const char *emitted(enum dhcp_format format, const struct inventory *inv,
			   struct strbuf *out)
{
	sb_reset(out);
	emit_dhcp(format, inv, out);
	assert_false(out->oom);
	return sb_str(out);
}

/* A host's append follows its profile's and its group's, templates
 * expanded per host, in every loader's per-host file and nowhere else. */
static void test_host_append_reaches_every_loader(void **state)
{
	struct inventory *inv = golden_inventory_named("features.conf");
	struct loader_files lf = { 0 };
	static const char *const files[] = {
		"bios/pxelinux.cfg/01-52-54-00-12-34-01",
		"grub/grub.cfg-52:54:00:12:34:01",
		"debian-installer/amd64/grub/grub.cfg-52:54:00:12:34:01",
		"ipxe/52-54-00-12-34-01.ipxe",
	};

	(void)state;
	emit_loaders(inv, &lf);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		const char *t = find_file(&lf, files[i]), *hex;
		char *decoded = NULL;

		if (!t)
			fail_msg("no %s", files[i]);
		/* iPXE gets text as a hex setting, used as one word. */
		if ((hex = strstr(t, "-append-debian12:hex "))) {
			assert_non_null(strstr(t, "${pxekit-append-debian12:string}"));
			t = decoded = unhex(hex + strlen("-append-debian12:hex "));
		}
		if (!strstr(t, "preseed/52-54-00-12-34-01.cfg") || !strstr(t, "node01") ||
		    !strstr(t, "192.0.2.101") || !strstr(t, "priority"))
			fail_msg("%s lacks the host's command line:\n%s", files[i], t);
		assert_null(strstr(t, "${"));
		free(decoded);
	}
	/* The shared menu keeps the profile's own line. */
	assert_null(strstr(find_file(&lf, "bios/pxelinux.cfg/default"), "preseed"));
	assert_null(strstr(find_file(&lf, "ipxe/default.ipxe"), "hostname="));
	/* node03: every MAC form a loader or installer uses. */
	assert_non_null(strstr(find_file(&lf, "bios/pxelinux.cfg/01-52-54-00-12-34-03"),
			       "ks=http://192.0.2.1/ks/525400123403 BOOTIF=01-52-54-00-12-34-03 "
			       "mac=52:54:00:12:34:03\n"));
	loader_files_free(&lf);
	inventory_free(inv);
}

/* Secure-boot pairs: the boot file is the distribution's shim, and the
 * menu is where that distribution's GRUB reads it. */
static void test_secure_boot_layouts(void **state)
{
	struct inventory *inv = inline_inventory(
		"server 10.0.0.1\n"
		"secure-boot uefi-x64 ubuntu /\n"
		"secure-boot uefi-arm64 debian debian-installer/arm64\n"
		"profile p kernel k/linux\n"
		"host ha mac 52:54:00:00:00:01 profile p\n");
	struct loader_files lf = { 0 };
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_non_null(strstr(emitted(FORMAT_ISC, inv, &out), "filename \"bootx64.efi\";"));
	assert_non_null(strstr(emitted(FORMAT_ISC, inv, &out),
			       "filename \"debian-installer/arm64/bootnetaa64.efi\";"));
	emit_loaders(inv, &lf);
	assert_non_null(find_file(&lf, "grub/grub.cfg"));	/* Ubuntu: prefix /grub */
	assert_non_null(find_file(&lf, "debian-installer/arm64/grub/grub.cfg"));
	assert_non_null(find_file(&lf, "debian-installer/arm64/grub/grub.cfg-52:54:00:00:00:01"));
	loader_files_free(&lf);
	inventory_free(inv);

	inv = inline_inventory("server 10.0.0.1\nsecure-boot uefi-x64 rhel uefi\n"
			       "profile p kernel k/linux\n");
	emit_loaders(inv, &lf);
	/* RHEL's GRUB reads the directory it was loaded from. */
	assert_non_null(find_file(&lf, "uefi/grub.cfg"));
	assert_non_null(strstr(emitted(FORMAT_DNSMASQ, inv, &out), ",uefi/shimx64.efi,"));
	loader_files_free(&lf);
	sb_free(&out);
	inventory_free(inv);
}

/* A BIOS file for PXE ROMs that send no option 93, in all three. */
static void test_no_arch_fallback(void **state)
{
	struct inventory *inv = inline_inventory("server 10.0.0.1\nboot bios b/pxelinux.0\n"
						 "boot no-arch old/pxelinux.0\n");
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_non_null(strstr(emitted(FORMAT_ISC, inv, &out),
			       "elsif not exists arch {\n    filename \"old/pxelinux.0\";"));
	assert_non_null(strstr(emitted(FORMAT_KEA, inv, &out),
			       "'PXEClient' and not option[93].exists\",\n"
			       "      \"next-server\": \"10.0.0.1\", \"boot-file-name\": \"old/pxelinux.0\""));
	emitted(FORMAT_DNSMASQ, inv, &out);
	assert_non_null(strstr(sb_str(&out), "dhcp-match=set:pxekit-has-arch,option:client-arch\n"));
	assert_non_null(strstr(sb_str(&out),
			       "dhcp-boot=tag:pxekit-pxe,tag:!pxekit-has-arch,tag:!pxekit-http,old/pxelinux.0,,10.0.0.1\n"));
	sb_free(&out);
	inventory_free(inv);
}

/* A host with files for some architectures only: the others still get
 * the class's file (ISC: no else; Kea and dnsmasq: the host is excluded
 * from the arch classes only for its own codes). */
static void test_host_arch_files_leave_other_arches_alone(void **state)
{
	struct inventory *inv = inline_inventory("server 10.0.0.1\nboot bios b.0\n"
						 "boot uefi-x64 x.efi\n"
						 "host ha mac 52:54:00:00:00:01 boot bios own.0\n");
	struct strbuf out = STRBUF_INIT;

	(void)state;
	emitted(FORMAT_ISC, inv, &out);
	assert_non_null(strstr(sb_str(&out), "    if option arch = 00:00 {\n      filename \"own.0\";\n    }\n"));
	emitted(FORMAT_KEA, inv, &out);
	assert_non_null(strstr(sb_str(&out), "\"test\": \"(pkt4.mac == 0x525400000001 and (option[93].hex == 0x0000))\""));
	emitted(FORMAT_DNSMASQ, inv, &out);
	assert_non_null(strstr(sb_str(&out), "tag-if=set:pxekit-hostboot,tag:pxekit-host-ha,tag:pxekit-bios\n"));
	assert_non_null(strstr(sb_str(&out), "dhcp-boot=tag:pxekit-host-ha,tag:pxekit-bios,tag:!pxekit-http,own.0,,10.0.0.1\n"));
	sb_free(&out);
	inventory_free(inv);
}

/* A host's own pxelinux.0, for one architecture or all, finds its menu
 * in pxelinux.cfg/ beside it. */
static void test_host_pxelinux_dir_gets_menus(void **state)
{
	struct inventory *inv = inline_inventory("server 10.0.0.1\nboot bios b/pxelinux.0\n"
						 "profile p kernel k/linux\n"
						 "host ha mac 52:54:00:00:00:01 profile p boot bios own/lpxelinux.0\n"
						 "host hb mac 52:54:00:00:00:02 profile p filename x/pxelinux.0\n");
	struct loader_files lf = { 0 };

	(void)state;
	emit_loaders(inv, &lf);
	assert_non_null(find_file(&lf, "b/pxelinux.cfg/01-52-54-00-00-00-01"));
	assert_non_null(find_file(&lf, "own/pxelinux.cfg/01-52-54-00-00-00-01"));
	assert_non_null(find_file(&lf, "own/pxelinux.cfg/default"));
	assert_non_null(find_file(&lf, "x/pxelinux.cfg/01-52-54-00-00-00-02"));
	/* Only the host that boots from there: with a directory per group
	 * or per host, every host's file in each would grow as hosts
	 * times directories (3.3 million files at 10^5 hosts in 50 groups). */
	assert_null(find_file(&lf, "own/pxelinux.cfg/01-52-54-00-00-00-02"));
	assert_null(find_file(&lf, "x/pxelinux.cfg/01-52-54-00-00-00-01"));
	loader_files_free(&lf);
	inventory_free(inv);
}

/* A host kind the global rules do not name still gets its dhcp-match. */
static void test_host_arch_kind_gets_its_tag(void **state)
{
	struct inventory *inv = inline_inventory("server 10.0.0.1\nboot bios b.0\n"
						 "host ha mac 52:54:00:00:00:01 boot uefi-arm64 a.efi\n"
						 "host hb mac 52:54:00:00:00:02 boot uefi-arm64 b.efi\n");
	struct strbuf out = STRBUF_INIT;
	const char *t;

	(void)state;
	t = emitted(FORMAT_DNSMASQ, inv, &out);
	t = strstr(t, "dhcp-match=set:pxekit-uefi-arm64,option:client-arch,11\n");
	assert_non_null(t);
	/* once */
	assert_null(strstr(t + 1, "dhcp-match=set:pxekit-uefi-arm64"));
	sb_free(&out);
	inventory_free(inv);
}

/* Proxy subnets: a menu per architecture, both x64 names, iPXE left to
 * its dhcp-boot; the PXE timeout is one byte. */
static void test_proxy_subnet(void **state)
{
	struct inventory *inv = inline_inventory("server 10.0.0.1\ntimeout 600\n"
						 "subnet 10.0.0.0/8 proxy\n"
						 "boot bios bios/pxelinux.0\nboot uefi-x64 x/grubx64.efi\n"
						 "boot ipxe ipxe/boot.ipxe\n");
	struct strbuf out = STRBUF_INIT;

	(void)state;
	emitted(FORMAT_DNSMASQ, inv, &out);
	assert_non_null(strstr(sb_str(&out), "dhcp-range=set:pxekit-net1,10.0.0.0,proxy,255.0.0.0\n"));
	assert_non_null(strstr(sb_str(&out), "pxe-prompt=tag:pxekit-net1,\"Network boot\",255\n"));
	assert_non_null(strstr(sb_str(&out), "pxe-service=tag:pxekit-net1,tag:!pxekit-ipxe,x86PC,\"Network boot (bios)\",bios/pxelinux.0,10.0.0.1\n"));
	assert_non_null(strstr(sb_str(&out), ",BC_EFI,"));
	assert_non_null(strstr(sb_str(&out), ",x86-64_EFI,"));
	assert_non_null(strstr(sb_str(&out), "dhcp-boot=tag:pxekit-ipxe,ipxe/boot.ipxe"));
	sb_free(&out);
	inventory_free(inv);
}

/* A subnet6's Kea id follows its prefix, not its place in the file:
 * a subnet6 added before it moves no client. */
static void test_kea6_subnet_ids_are_stable(void **state)
{
	struct inventory *a = inline_inventory("server 10.0.0.1\nsubnet6 fd00:2::/64\n"
					       "boot6 http http://x/y\n");
	struct inventory *b = inline_inventory("server 10.0.0.1\nsubnet6 fd00:1::/64\n"
					       "subnet6 fd00:2::/64\nboot6 http http://x/y\n");
	struct strbuf out = STRBUF_INIT;
	char want[64];

	(void)state;
	snprintf(want, sizeof want, "\"id\": %lu, \"subnet\": \"fd00:2::/64\"",
		 (unsigned long)inv_subnet6_id(&a->subnets6[0]));
	assert_non_null(strstr(emitted(FORMAT_KEA6, a, &out), want));
	assert_non_null(strstr(emitted(FORMAT_KEA6, b, &out), want));
	assert_int_not_equal(inv_subnet6_id(&b->subnets6[0]), inv_subnet6_id(&b->subnets6[1]));
	sb_free(&out);
	inventory_free(a);
	inventory_free(b);
}

/* DHCPv6: TFTP paths become tftp://[server6]/path; URLs stay. */
static void test_dhcpv6_urls(void **state)
{
	struct inventory *inv = inline_inventory("server 10.0.0.1\nserver6 fd00::1\n"
						 "subnet6 fd00::/64 range fd00::10 fd00::20\n"
						 "boot6 uefi-x64 /efi/grubx64.efi\n"
						 "boot6 http-x64 http://boot.example/x.efi\n");
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_non_null(strstr(emitted(FORMAT_ISC6, inv, &out),
			       "option dhcp6.bootfile-url \"tftp://[fd00::1]/efi/grubx64.efi\";"));
	assert_non_null(strstr(sb_str(&out), "option dhcp6.client-arch-type = 00:07 or option dhcp6.client-arch-type = 00:09"));
	assert_non_null(strstr(sb_str(&out), "range6 fd00::10 fd00::20;"));
	assert_non_null(strstr(emitted(FORMAT_KEA6, inv, &out),
			       "\"data\": \"http://boot.example/x.efi\""));
	assert_non_null(strstr(sb_str(&out), "option[61].hex == 0x0010"));
	assert_non_null(strstr(sb_str(&out), "\"name\": \"vendor-class\", \"data\": \"343, 000a48545450436c69656e74\""));
	emitted(FORMAT_DNSMASQ, inv, &out);
	assert_non_null(strstr(sb_str(&out), "dhcp-range=set:pxekit6-net1,fd00::10,fd00::20,64,12h\n"));
	assert_non_null(strstr(sb_str(&out), "dhcp-match=set:pxekit6-uefi-x64,option6:61,00:09\n"));
	assert_non_null(strstr(sb_str(&out), "option6:bootfile-url,tftp://[fd00::1]/efi/grubx64.efi\n"));
	/* No DHCPv6 in the inventory: nothing of it in dnsmasq's file. */
	inventory_free(inv);
	inv = inline_inventory("server 10.0.0.1\nboot bios b.0\n");
	assert_null(strstr(emitted(FORMAT_DNSMASQ, inv, &out), "option6"));
	sb_free(&out);
	inventory_free(inv);
}

/* --kea-lists: the pieces hold exactly the members of the whole
 * fragment's lists (same classes in the same order, same subnets and
 * ids, same global reservations), each after a header of comments. */
static const char *piece_body(const struct strbuf *piece)
{
	const char *p = sb_str(piece);

	while (strncmp(p, "//", 2) == 0)
		p = strchr(p, '\n') + 1;
	return p;
}

static void test_kea_lists_are_the_fragment(void **state)
{
	static const char *const files[] = { "inventory.conf", "features.conf" };

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		struct inventory *inv = golden_inventory_named(files[f]);

		for (int v6 = 0; v6 < 2; v6++) {
			struct strbuf whole = STRBUF_INIT, joined = STRBUF_INIT;
			struct strbuf piece[KEA_NLISTS] = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
			const char *body;

			if (v6 && !inv->nsubnets6)
				continue;
			(v6 ? emit_kea6 : emit_kea)(inv, &whole);
			(v6 ? emit_kea6_lists : emit_kea_lists)(inv, piece);
			for (size_t i = 0; i < (v6 ? 2u : KEA_NLISTS); i++)
				assert_non_null(strstr(sb_str(&piece[i]), "Generated by pxe-dhcpgen"));
			body = piece_body(&piece[KEA_CLASSES]);
			sb_addf(&joined, "\"client-classes\": [%.*s\n],\n\"%s\": [%.*s\n]",
				(int)(strlen(body) - 1), body, v6 ? "subnet6" : "subnet4",
				(int)(strlen(piece_body(&piece[KEA_SUBNETS])) - 1),
				piece_body(&piece[KEA_SUBNETS]));
			body = piece_body(&piece[KEA_RESERVATIONS]);
			if (strlen(body) > 1)
				sb_addf(&joined, ",\n\"reservations-global\": true,\n"
						 "\"reservations-in-subnet\": true,\n\"reservations\": [%.*s\n]",
					(int)(strlen(body) - 1), body);
			sb_add(&joined, "\n");
			assert_string_equal(strchr(strchr(sb_str(&whole), '\n') + 1, '\n') + 1,
					    sb_str(&joined));
			assert_true(v6 || strstr(sb_str(&piece[KEA_SUBNETS]), "\"id\": ") != NULL);
			sb_free(&whole);
			sb_free(&joined);
			for (size_t i = 0; i < KEA_NLISTS; i++)
				sb_free(&piece[i]);
		}
		inventory_free(inv);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhcp_formats_match_golden),
		cmocka_unit_test(test_loader_files_match_golden),
		cmocka_unit_test(test_loader_lookup_names),
		cmocka_unit_test(test_without_ipxe_rule_ipxe_is_treated_as_its_arch),
		cmocka_unit_test(test_no_profiles_no_loader_files),
		cmocka_unit_test(test_pxelinux_at_root_uses_plain_paths),
		cmocka_unit_test(test_longest_host_name_is_not_cut),
		cmocka_unit_test(test_ipxe_text_cannot_split_a_command),
		cmocka_unit_test(test_grub_quotes_every_string),
		cmocka_unit_test(test_builtin_local_entry_never_shadows_a_profile),
		cmocka_unit_test(test_timeout_zero_boots_the_default_at_once),
		cmocka_unit_test(test_host_pxelinux_elsewhere_gets_its_config_dir),
		cmocka_unit_test(test_isc_subnet_without_range_keeps_router_and_dns),
		cmocka_unit_test(test_kea_subnet_ids_are_stable),
		cmocka_unit_test(test_features_match_golden),
		cmocka_unit_test(test_host_append_reaches_every_loader),
		cmocka_unit_test(test_secure_boot_layouts),
		cmocka_unit_test(test_no_arch_fallback),
		cmocka_unit_test(test_host_arch_files_leave_other_arches_alone),
		cmocka_unit_test(test_host_arch_kind_gets_its_tag),
		cmocka_unit_test(test_host_pxelinux_dir_gets_menus),
		cmocka_unit_test(test_proxy_subnet),
		cmocka_unit_test(test_dhcpv6_urls),
		cmocka_unit_test(test_kea6_subnet_ids_are_stable),
		cmocka_unit_test(test_kea_lists_are_the_fragment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
