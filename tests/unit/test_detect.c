/* image/detect with the shipped etc/image-rules over fake trees of every
 * family, built here with the real layouts (and newer releases than the
 * rules were written for) and over the same trees as ISO images made by
 * xorriso. Debian's real netboot tree is tests/integration/pxe-image.sh's:
 * the units run in the package build, where /opt/pxekit-peers is not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect.h"
#include "tree.h"


static char work[] = "/tmp/pxekit-detect.XXXXXX";
static struct image_rules *rules;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* put TREE PATH TEXT: one file of a fake tree. */
static void put(const char *tree, const char *path, const char *text)
{
	char full[PATH_MAX];
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s/%s", work, tree, path);
	assert_int_equal(sh("mkdir -p \"$(dirname '%s')\"", full), 0);
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	struct strbuf diag = STRBUF_INIT;
	size_t len;
	char *text = slurp(SRCDIR "/etc/image-rules", &len);

	(void)state;
	if (mkdtemp(work) == NULL)
		return -1;
	rules = image_rules_new();
	if (!image_rules_parse(rules, text, len, "image-rules", &diag)) {
		fprintf(stderr, "%s", sb_str(&diag));
		return -1;
	}
	free(text);
	sb_free(&diag);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	image_rules_free(rules);
	return sh("rm -rf %s", work) == 0 ? 0 : -1;
}

static bool detect_dir(const char *path, struct image_facts *f, struct strbuf *diag)
{
	struct dir_tree d;
	struct image_tree t;
	bool ok;

	assert_int_equal(dir_tree_open(&d, path, &t), 0);
	ok = image_detect(rules, &t, f, diag);
	dir_tree_close(&d);
	return ok;
}

/* Detects the fake tree NAME as a directory and, built into an ISO by
 * xorriso, as an image: both must give the same facts. */
static void detect_both(const char *name, struct image_facts *f)
{
	char dir[PATH_MAX], iso[PATH_MAX];
	struct image_facts g;
	struct strbuf diag = STRBUF_INIT;
	struct iso_tree it;
	struct image_tree t;

	snprintf(dir, sizeof(dir), "%s/%s", work, name);
	snprintf(iso, sizeof(iso), "%s/%s.iso", work, name);
	if (!detect_dir(dir, f, &diag))
		fail_msg("%s: %s", name, sb_str(&diag));
	assert_int_equal(sh("xorriso -as mkisofs -quiet -R -J -o %s %s 2>/dev/null", iso, dir), 0);
	assert_int_equal(iso_tree_open(&it, iso, &t), 0);
	assert_true(image_detect(rules, &t, &g, &diag));
	iso_tree_close(&it);
	assert_string_equal(g.family, f->family);
	assert_string_equal(g.name, f->name);
	assert_string_equal(g.version, f->version);
	assert_string_equal(g.arch, f->arch);
	assert_string_equal(g.kernel, f->kernel);
	assert_string_equal(g.initrd, f->initrd);
	assert_string_equal(g.append, f->append);
	sb_free(&diag);
}

static void test_rocky_10_from_treeinfo(void **state)
{
	struct image_facts f;

	(void)state;
	put("rocky10", ".treeinfo",
	    "[checksums]\nimages/pxeboot/vmlinuz = sha256:00\n"
	    "[general]\narch = x86_64\nfamily = Rocky Linux\nname = Rocky Linux 10.0\n"
	    "version = 10.0\n"
	    "[header]\ntype = productmd.treeinfo\nversion = 1.2\n"
	    "[images-x86_64]\ninitrd = images/pxeboot/initrd.img\nkernel = images/pxeboot/vmlinuz\n"
	    "[images-xen]\ninitrd = images/xen/initrd.img\nkernel = images/xen/vmlinuz\n"
	    "[release]\nname = Rocky Linux\nshort = Rocky\nversion = 10.0\n"
	    "[tree]\narch = x86_64\nplatforms = x86_64,xen\n");
	put("rocky10", ".discinfo", "1716900000.000000\n10.0\nx86_64\nALL\n");
	put("rocky10", "images/pxeboot/vmlinuz", "k");
	put("rocky10", "images/pxeboot/initrd.img", "i");
	put("rocky10", "images/install.img", "s");
	put("rocky10", "isolinux/isolinux.cfg",
	    "default vesamenu.c32\nlabel linux\n  kernel vmlinuz\n"
	    "  append initrd=initrd.img inst.stage2=hd:LABEL=Rocky-10-0-x86_64-dvd quiet\n");
	detect_both("rocky10", &f);
	assert_string_equal(f.family, "rhel");
	assert_string_equal(f.name, "Rocky Linux");
	assert_string_equal(f.version, "10.0");
	assert_string_equal(f.arch, "x86_64");
	assert_string_equal(f.kernel, "images/pxeboot/vmlinuz");
	assert_string_equal(f.initrd, "images/pxeboot/initrd.img");
	assert_string_equal(f.append, "inst.repo=nfs:nfsvers=3:${server}:${path} ip=dhcp");
	assert_non_null(strstr(f.sources, ".treeinfo"));
	assert_string_equal(f.warning, "");
}

static void test_fedora_aarch64_and_discinfo_only_trees(void **state)
{
	struct image_facts f;

	(void)state;
	/* an old-style .treeinfo: [general] only, another architecture */
	put("fedora", ".treeinfo", "[general]\nfamily = Fedora\nversion = 43\narch = aarch64\n"
	    "[images-aarch64]\nkernel = images/pxeboot/vmlinuz\ninitrd = images/pxeboot/initrd.img\n");
	put("fedora", "images/pxeboot/vmlinuz", "k");
	put("fedora", "images/pxeboot/initrd.img", "i");
	detect_both("fedora", &f);
	assert_string_equal(f.name, "Fedora");
	assert_string_equal(f.version, "43");
	assert_string_equal(f.arch, "aarch64");
	/* no .treeinfo at all */
	put("alma", ".discinfo", "1716900000.000000\nAlmaLinux 9.6\nx86_64\n1\n");
	put("alma", "images/pxeboot/vmlinuz", "k");
	put("alma", "images/pxeboot/initrd.img", "i");
	detect_both("alma", &f);
	assert_string_equal(f.family, "rhel");
	assert_string_equal(f.name, "AlmaLinux");
	assert_string_equal(f.version, "9.6");
	assert_string_equal(f.arch, "x86_64");
}

static void test_debian_dvd_from_disk_info_and_release(void **state)
{
	struct image_facts f;

	(void)state;
	put("debdvd", ".disk/info",
	    "Debian GNU/Linux 13.1.0 \"Trixie\" - Official amd64 DVD Binary-1 20250906-10:21");
	put("debdvd", "dists/trixie/Release",
	    "Origin: Debian\nLabel: Debian\nSuite: stable\nVersion: 13.1\nCodename: trixie\n"
	    "Architectures: amd64\nComponents: main\nMD5Sum:\n 0123 45 main/binary-amd64/Packages\n");
	put("debdvd", "install.amd/vmlinuz", "k");
	put("debdvd", "install.amd/initrd.gz", "i");
	put("debdvd", "install.amd/gtk/initrd.gz", "g");
	put("debdvd", "isolinux/txt.cfg",
	    "label install\n\tmenu label ^Install\n\tkernel /install.amd/vmlinuz\n"
	    "\tappend vga=788 initrd=/install.amd/initrd.gz --- quiet \n");
	put("debdvd", "live-not-here/x", "");
	detect_both("debdvd", &f);
	assert_string_equal(f.family, "debian-installer");
	assert_string_equal(f.rule, "debian-installer-iso");
	assert_string_equal(f.name, "Debian GNU/Linux");
	assert_string_equal(f.version, "13.1.0");
	assert_string_equal(f.codename, "Trixie");
	assert_string_equal(f.arch, "amd64");
	assert_string_equal(f.kernel, "install.amd/vmlinuz");
	assert_string_equal(f.initrd, "install.amd/initrd.gz");
	assert_string_equal(f.append, "vga=788 --- quiet");
	assert_non_null(strstr(f.note, "netboot initrd"));
}

static void test_debian_live_with_versioned_kernels(void **state)
{
	struct image_facts f;

	(void)state;
	put("deblive", ".disk/info",
	    "Debian GNU/Linux 13.1.0 \"Trixie\" - Official Live amd64 20250906");
	put("deblive", "live/filesystem.squashfs", "sq");
	put("deblive", "live/vmlinuz-6.12.9-amd64", "k");
	put("deblive", "live/vmlinuz-6.12.38-amd64", "k");
	put("deblive", "live/initrd.img-6.12.9-amd64", "i");
	put("deblive", "live/initrd.img-6.12.38-amd64", "i");
	put("deblive", "install/vmlinuz", "d-i");
	put("deblive", "install/initrd.gz", "d-i");
	detect_both("deblive", &f);
	assert_string_equal(f.family, "debian-live");
	assert_string_equal(f.version, "13.1.0");
	assert_string_equal(f.kernel, "live/vmlinuz-6.12.38-amd64");	/* the newest */
	assert_string_equal(f.initrd, "live/initrd.img-6.12.38-amd64");
	assert_string_equal(f.append,
			    "boot=live netboot=nfs nfsroot=${server}:${path} ip=dhcp");
}

static void test_ubuntu_26_04_casper(void **state)
{
	struct image_facts f;

	(void)state;
	put("ubuntu", ".disk/info",
	    "Ubuntu-Server 26.04 LTS \"Resolute Raccoon\" - Release amd64 (20260423)");
	put("ubuntu", ".disk/casper-uuid-generic", "0123\n");
	put("ubuntu", "casper/vmlinuz", "k");
	put("ubuntu", "casper/initrd", "i");
	put("ubuntu", "casper/ubuntu-server-minimal.squashfs", "sq");
	put("ubuntu", "boot/grub/grub.cfg",
	    "set timeout=30\nmenuentry \"Try or Install Ubuntu Server\" {\n"
	    "\tset gfxpayload=keep\n\tlinux\t/casper/vmlinuz  ---\n\tinitrd\t/casper/initrd\n}\n");
	detect_both("ubuntu", &f);
	assert_string_equal(f.family, "ubuntu-casper");
	assert_string_equal(f.name, "Ubuntu-Server");
	assert_string_equal(f.version, "26.04");
	assert_string_equal(f.codename, "Resolute Raccoon");
	assert_string_equal(f.arch, "amd64");
	assert_string_equal(f.kernel, "casper/vmlinuz");
	assert_string_equal(f.args, "---");
	assert_string_equal(f.append,
			    "boot=casper netboot=nfs nfsroot=${server}:${path} ip=dhcp");
}

static void test_opensuse_and_sles(void **state)
{
	struct image_facts f;

	(void)state;
	put("leap", "media.1/products", "/ openSUSE-Leap 16.0-1\n");
	put("leap", "boot/x86_64/loader/linux", "k");
	put("leap", "boot/x86_64/loader/initrd", "i");
	detect_both("leap", &f);
	assert_string_equal(f.family, "suse");
	assert_string_equal(f.name, "openSUSE-Leap");
	assert_string_equal(f.version, "16.0");
	assert_string_equal(f.arch, "x86_64");	/* from {arch} */
	assert_string_equal(f.kernel, "boot/x86_64/loader/linux");
	assert_string_equal(f.append, "install=nfs://${server}${path}");
	put("sles", "content", "PRODUCT SUSE_SLES\nVERSION 11.4\n"
	    "LABEL SUSE Linux Enterprise Server 11 SP4\nBASEARCHS x86_64 i586\n");
	put("sles", "boot/x86_64/loader/linux", "k");
	put("sles", "boot/x86_64/loader/initrd", "i");
	detect_both("sles", &f);
	assert_string_equal(f.name, "SUSE Linux Enterprise Server 11 SP4");
	assert_string_equal(f.version, "11.4");
}

static void test_unknown_trees_register_as_generic_with_a_warning(void **state)
{
	struct image_facts f;
	struct strbuf diag = STRBUF_INIT;
	char dir[PATH_MAX];

	(void)state;
	put("plain", "boot/vmlinuz-6.1", "k");
	put("plain", "boot/initrd.img-6.1", "i");
	detect_both("plain", &f);
	assert_string_equal(f.family, "generic");
	assert_string_equal(f.kernel, "boot/vmlinuz-6.1");
	assert_string_equal(f.initrd, "boot/initrd.img-6.1");
	assert_non_null(strstr(f.warning, "kernel boot/vmlinuz-6.1 and initrd boot/initrd.img-6.1"));
	assert_non_null(strstr(f.warning, "--kernel"));
	/* through the image's own boot menu, paths relative to it */
	put("menu", "isolinux/isolinux.cfg",
	    "DEFAULT other\nLABEL first\n KERNEL /nope\nLABEL other\n KERNEL k/bzImage.x\n"
	    " APPEND initrd=k/root.gz console=ttyS0 BOOT_IMAGE=x\n");
	put("menu", "isolinux/k/bzImage.x", "k");
	put("menu", "isolinux/k/root.gz", "i");
	detect_both("menu", &f);
	assert_string_equal(f.family, "generic");
	assert_string_equal(f.kernel, "isolinux/k/bzImage.x");
	assert_string_equal(f.initrd, "isolinux/k/root.gz");
	assert_string_equal(f.append, "console=ttyS0");
	assert_non_null(strstr(f.warning, "isolinux/isolinux.cfg"));
	/* no kernel: nothing to register, and the reason */
	put("nothing", "README", "hello");
	snprintf(dir, sizeof(dir), "%s/nothing", work);
	assert_false(detect_dir(dir, &f, &diag));
	assert_non_null(strstr(sb_str(&diag), "no rule matched"));
	sb_free(&diag);
}

/* A layout rule that matches but finds no kernel does not stop the next
 * rules, and facts files cannot point outside the tree. */
static void test_facts_paths_stay_inside_the_tree(void **state)
{
	struct image_facts f;

	(void)state;
	put("escape", ".treeinfo", "[general]\narch = x86_64\n[images-x86_64]\n"
	    "kernel = ../../../../etc/passwd\ninitrd = /../../etc/shadow\n");
	put("escape", "images/pxeboot/vmlinuz", "k");
	put("escape", "images/pxeboot/initrd.img", "i");
	detect_both("escape", &f);
	assert_string_equal(f.kernel, "images/pxeboot/vmlinuz");
	assert_string_equal(f.initrd, "images/pxeboot/initrd.img");
	assert_int_equal(sh("ln -s /etc %s/escape/images/etc", work), 0);
	put("escape2", "isolinux/isolinux.cfg", "label a\nkernel /lnk/passwd\nappend initrd=/lnk/group\n");
	assert_int_equal(sh("ln -s /etc %s/escape2/lnk", work), 0);
	{
		struct strbuf diag = STRBUF_INIT;
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s/escape2", work);
		/* resolved inside the tree's root: /etc of the tree, which is not there */
		assert_false(detect_dir(dir, &f, &diag));
		sb_free(&diag);
	}
}

static void test_rules_errors_name_file_line_and_column(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "family x\n", "x.rules:1:1: error: directive before the first rule" },
		{ "rule a\n  family x\n  kernel ../k\n", "x.rules:3:10: error: invalid path pattern '../k'" },
		{ "rule a\n  kernel k\n  initrd i\n", "x.rules:1:1: error: rule 'a' has no family" },
		{ "rule a\n  family x\n  kernel k\n", "x.rules:1:1: error: rule 'a' needs kernel and initrd" },
		{ "rule a\n family x\n kernel k\n initrd i\nrule a\n", "x.rules:5:6: error: rule 'a' is defined twice" },
		{ "rule a\n append \"open\n", "x.rules:2:9: error: unterminated quoted string" },
		{ "rule a\n frobnicate\n", "x.rules:2:2: error: unknown directive" },
		{ "rule a\n facts nosuch x\n", "x.rules:2:8: error: unknown facts format" },
		{ "rule A\n", "x.rules:1:1: error: rule takes one name" },
		{ "rule a\n kernel a/{arch}{arch}\n", "invalid path pattern" },
		{ "rule a\n require @facts\n", "invalid path pattern" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct image_rules *r = image_rules_new();
		struct strbuf diag = STRBUF_INIT;

		assert_false(image_rules_parse(r, bad[i].text, strlen(bad[i].text), "x.rules", &diag));
		if (strstr(sb_str(&diag), bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' not in '%s'", i, bad[i].msg, sb_str(&diag));
		assert_int_equal(image_rules_count(r), 0);
		image_rules_free(r);
		sb_free(&diag);
	}
}

/* An admin's rule, read first, is tried first and replaces the shipped
 * rule of the same name. */
static void test_admin_rules_come_first(void **state)
{
	static const char admin[] =
		"# mine\nrule rhel\n\tfamily my-anaconda\n\trequire images/pxeboot\n"
		"\tkernel images/pxeboot/vmlinuz\n\tinitrd images/pxeboot/initrd.img\n"
		"\tappend \"inst.repo=http://${server}/${path}\"\n";
	struct image_rules *r = image_rules_new();
	struct strbuf diag = STRBUF_INIT;
	struct dir_tree d;
	struct image_tree t;
	struct image_facts f;
	char dir[PATH_MAX];
	size_t len;
	char *text = slurp(SRCDIR "/etc/image-rules", &len);

	(void)state;
	assert_true(image_rules_parse(r, admin, strlen(admin), "local.rules", &diag));
	assert_true(image_rules_parse(r, text, len, "image-rules", &diag));
	assert_int_equal(image_rules_count(r), image_rules_count(rules));
	snprintf(dir, sizeof(dir), "%s/rocky10", work);
	assert_int_equal(dir_tree_open(&d, dir, &t), 0);
	assert_true(image_detect(r, &t, &f, &diag));
	dir_tree_close(&d);
	assert_string_equal(f.family, "my-anaconda");
	assert_string_equal(f.append, "inst.repo=http://${server}/${path}");
	image_rules_free(r);
	free(text);
	sb_free(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rocky_10_from_treeinfo),
		cmocka_unit_test(test_fedora_aarch64_and_discinfo_only_trees),
		cmocka_unit_test(test_debian_dvd_from_disk_info_and_release),
		cmocka_unit_test(test_debian_live_with_versioned_kernels),
		cmocka_unit_test(test_ubuntu_26_04_casper),
		cmocka_unit_test(test_opensuse_and_sles),
		cmocka_unit_test(test_unknown_trees_register_as_generic_with_a_warning),
		cmocka_unit_test(test_facts_paths_stay_inside_the_tree),
		cmocka_unit_test(test_rules_errors_name_file_line_and_column),
		cmocka_unit_test(test_admin_rules_come_first),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
