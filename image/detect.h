/* What an OS image is: family, version, architecture, kernel, initrd and
 * the kernel command line for booting it from the network. The knowledge
 * of layouts is data (image-rules(5) text, see etc/image-rules); this
 * module applies it to any tree through struct image_tree, so an ISO
 * (read by lib/iso9660) and a directory are treated the same. Pure: every
 * byte comes through the tree's callbacks. */
#ifndef PXEKIT_IMAGE_DETECT_H
#define PXEKIT_IMAGE_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

#define IMAGE_PATH_MAX 512
#define IMAGE_FILE_MAX 65536	/* bytes of a metadata file read */
#define IMAGE_LIST_MAX 4096	/* names of one directory looked at */

enum image_kind { IMAGE_MISSING = -1, IMAGE_FILE = 0, IMAGE_DIR = 1, IMAGE_OTHER = 2 };

/* Paths are relative to the tree's root, '/'-separated, no "." or "..". */
struct image_tree_ops {
	enum image_kind (*kind)(void *ctx, const char *path);
	/* up to max bytes of a regular file into buf; the length, or -1 */
	ssize_t (*read)(void *ctx, const char *path, char *buf, size_t max);
	/* calls fn for each name in a directory (at most IMAGE_LIST_MAX);
	 * 0, or -1 if it is not a readable directory */
	int (*list)(void *ctx, const char *dir, void (*fn)(void *arg, const char *name), void *arg);
};

struct image_tree {
	const struct image_tree_ops *ops;
	void *ctx;
};

/* Where facts come from: one parser per file format. */
enum facts_format {
	FACTS_TREEINFO,		/* productmd .treeinfo (RHEL family, Fedora) */
	FACTS_DISCINFO,		/* .discinfo: timestamp, release, arch */
	FACTS_DISK_INFO,	/* Debian/Ubuntu .disk/info */
	FACTS_RELEASE,		/* Debian archive dists/CODENAME/Release */
	FACTS_VERSION_INFO,	/* d-i netboot version.info */
	FACTS_SUSE_CONTENT,	/* SUSE /content */
	FACTS_SUSE_PRODUCTS,	/* SUSE media.1/products */
	FACTS_SYSLINUX,		/* isolinux/syslinux/pxelinux configuration */
	FACTS_GRUB,		/* grub.cfg */
	FACTS_NFORMATS
};

struct image_facts {
	char rule[64], family[32];
	char name[128], version[64], codename[64], arch[32];
	char kernel[IMAGE_PATH_MAX], initrd[IMAGE_PATH_MAX];
	char args[1024];	/* default arguments from the image's boot menu */
	char append[2048];	/* command line template: ${server} ${path} left for the caller */
	char note[256];
	char warning[4096];
	char sources[1024];	/* the files facts were read from, space-separated */
	/* as a facts file names them (before they are found in the tree) */
	char hint_kernel[IMAGE_PATH_MAX], hint_initrd[IMAGE_PATH_MAX], hint_base[IMAGE_PATH_MAX];
};

struct image_rules;

/* Rules text (the shipped file, then the admin's) appended in order;
 * errors go to diag as "file:line:col: error: ..." and make it false. */
struct image_rules *image_rules_new(void);
bool image_rules_parse(struct image_rules *r, const char *text, size_t len, const char *file,
		       struct strbuf *diag);
size_t image_rules_count(const struct image_rules *r);
void image_rules_free(struct image_rules *r);

/* The first rule whose requirements hold and that finds a kernel and an
 * initrd decides; false when none does (why, in diag). */
bool image_detect(const struct image_rules *r, const struct image_tree *t,
		  struct image_facts *out, struct strbuf *diag);

/* One facts file's text into f (fields already set are kept); base is
 * the directory the file is in (syslinux paths may be relative to it). */
void image_facts_parse(enum facts_format fmt, const char *text, size_t len, const char *base,
		       struct image_facts *f);

#endif
