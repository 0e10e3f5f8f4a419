/* libFuzzer target: image detection's parsers of untrusted bytes. The
 * input is split at 0xFF bytes: the first piece is image-rules text (admin
 * input), the others become the files of an in-memory tree (.treeinfo,
 * .discinfo, .disk/info, a Release, version.info, SUSE content and
 * products, syslinux and GRUB menus), which the rules and the shipped
 * rules' formats then read. */
#include <stdlib.h>
#include <string.h>

#include "detect.h"

static const char *const paths[] = {
	".treeinfo", ".discinfo", ".disk/info", "dists/x/Release", "version.info",
	"content", "media.1/products", "isolinux/isolinux.cfg", "boot/grub/grub.cfg",
	"images/pxeboot/vmlinuz", "images/pxeboot/initrd.img", "casper/vmlinuz",
};
#define NFILES (sizeof(paths) / sizeof(paths[0]))
static const char *const dirs[] = {
	"", ".disk", "dists", "dists/x", "media.1", "isolinux", "boot", "boot/grub", "images",
	"images/pxeboot", "casper",
};
#define NDIRS (sizeof(dirs) / sizeof(dirs[0]))

static const char shipped[] =
	"rule rhel\n family rhel\n require .treeinfo .discinfo\n facts treeinfo .treeinfo\n"
	" facts discinfo .discinfo\n kernel @facts images/*/vmlinuz\n initrd @facts images/pxeboot/initrd*\n"
	" append \"inst.repo=nfs:${server}:${path} ${args}\"\n"
	"rule deb\n family d\n require .disk/info dists/*/Release version.info\n"
	" facts disk-info .disk/info\n facts release dists/*/Release\n facts version-info version.info\n"
	" facts suse-content content\n facts suse-products media.1/products\n kernel @facts casper/vmlinuz\n"
	" initrd @facts casper/{arch}\n"
	"rule generic\n family generic\n facts syslinux isolinux/isolinux.cfg\n facts grub boot/grub/grub.cfg\n"
	" kernel @facts */vmlinuz* */*/vmlinuz\n initrd @facts */*/initrd*\n append \"${args}\"\n";

struct mem_tree {
	const unsigned char *data[NFILES];
	size_t len[NFILES];
	bool present[NFILES];
};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static enum image_kind kind(void *ctx, const char *path)
{
	struct mem_tree *t = ctx;

	for (size_t i = 0; i < NFILES; i++)
		if (t->present[i] && !strcmp(paths[i], path))
			return IMAGE_FILE;
	for (size_t i = 0; i < NDIRS; i++)
		if (!strcmp(dirs[i], path))
			return IMAGE_DIR;
	return IMAGE_MISSING;
}

static ssize_t rd(void *ctx, const char *path, char *buf, size_t max)
{
	struct mem_tree *t = ctx;

	for (size_t i = 0; i < NFILES; i++) {
		if (t->present[i] && !strcmp(paths[i], path)) {
			size_t n = t->len[i] < max ? t->len[i] : max;

			if (n > 0)
				memcpy(buf, t->data[i], n);
			return (ssize_t)n;
		}
	}
	return -1;
}

static int list(void *ctx, const char *dir, void (*fn)(void *, const char *), void *arg)
{
	struct mem_tree *t = ctx;
	size_t dl = strlen(dir);

	if (kind(ctx, dir) != IMAGE_DIR)
		return -1;
	for (size_t i = 0; i < NDIRS + NFILES; i++) {
		const char *p = i < NDIRS ? dirs[i] : paths[i - NDIRS];
		const char *rest;

		if (i >= NDIRS && !t->present[i - NDIRS])
			continue;
		if (dl > 0 && (strncmp(p, dir, dl) != 0 || p[dl] != '/'))
			continue;
		rest = dl > 0 ? p + dl + 1 : p;
		if (*rest != '\0' && strchr(rest, '/') == NULL)
			fn(arg, rest);
	}
	return 0;
}

static const struct image_tree_ops ops = { kind, rd, list };

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct mem_tree mt;
	struct image_tree t = { &ops, &mt };
	struct image_rules *r = image_rules_new();
	struct strbuf diag = STRBUF_INIT;
	struct image_facts *f = malloc(sizeof(*f));
	const unsigned char *p = data, *end = data + size, *sep;
	size_t piece = 0;

	if (r == NULL || f == NULL)
		goto out;
	memset(&mt, 0, sizeof(mt));
	sep = memchr(p, 0xFF, size);
	image_rules_parse(r, (const char *)p, sep ? (size_t)(sep - p) : size, "fuzz", &diag);
	p = sep ? sep + 1 : end;
	while (p < end && piece < NFILES) {
		sep = memchr(p, 0xFF, (size_t)(end - p));
		mt.data[piece] = p;
		mt.len[piece] = sep ? (size_t)(sep - p) : (size_t)(end - p);
		mt.present[piece++] = true;
		p = sep ? sep + 1 : end;
	}
	for (size_t i = 0; i < NFILES; i++) {
		memset(f, 0, sizeof(*f));
		image_facts_parse((enum facts_format)(i % FACTS_NFORMATS), (const char *)mt.data[i],
				  mt.len[i], "isolinux", f);
	}
	image_detect(r, &t, f, &diag);
	image_rules_free(r);
	r = image_rules_new();
	if (r != NULL && image_rules_parse(r, shipped, sizeof(shipped) - 1, "shipped", &diag))
		image_detect(r, &t, f, &diag);
out:
	image_rules_free(r);
	free(f);
	sb_free(&diag);
	return 0;
}
