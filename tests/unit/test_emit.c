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

static struct inventory *golden_inventory(void)
{
	struct strbuf diag = STRBUF_INIT;
	char *path = golden_path("inventory.conf");
	size_t len;
	char *text = slurp(path, &len);
	struct inventory *inv = inventory_parse("inventory.conf", text, len, &diag);

	if (!inv)
		fail_msg("golden inventory refused:\n%s", sb_str(&diag));
	free(text);
	free(path);
	sb_free(&diag);
	return inv;
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
	assert_non_null(find_file(&lf, "grub/grub.cfg-01-52-54-00-12-34-01"));
	assert_non_null(find_file(&lf, "grub/grub.cfg-52:54:00:12:34:01"));
	assert_non_null(find_file(&lf, "ipxe/boot.ipxe"));
	assert_non_null(find_file(&lf, "ipxe/default.ipxe"));
	assert_non_null(find_file(&lf, "ipxe/52-54-00-12-34-01.ipxe"));
	/* node02 has no profile, retired does not boot: no files of theirs. */
	assert_null(find_file(&lf, "bios/pxelinux.cfg/01-52-54-00-12-34-02"));
	assert_null(find_file(&lf, "bios/pxelinux.cfg/01-52-54-00-12-34-03"));
	/* GRUB fetches http:// files with its own device syntax. */
	assert_non_null(strstr(find_file(&lf, "grub/grub.cfg-01-52-54-00-12-34-04"),
			       "linux (http,192.0.2.1)/vmlinuz"));
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
