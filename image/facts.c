/* Parsers of the metadata files distributions put on their media. Their
 * bytes come from the image, so they are untrusted: every line is copied
 * into a bounded buffer first, every field is cut to its slot, and NUL
 * bytes end nothing early (lengths, not strlen, bound the text). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "detect.h"

#define LINE_MAX_BYTES 1024

/* The next line of text[*pos..len) into line (cut, NUL-free, no CR). */
static bool next_line(const char *text, size_t len, size_t *pos, char *line)
{
	size_t n = 0;

	if (*pos >= len)
		return false;
	while (*pos < len && text[*pos] != '\n') {
		char c = text[(*pos)++];

		if (c != '\0' && c != '\r' && n < LINE_MAX_BYTES - 1)
			line[n++] = c;
	}
	if (*pos < len)
		(*pos)++;
	line[n] = '\0';
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Sets an empty field (facts found first win). */
static void set(char *dst, size_t size, const char *src, size_t n)
{
	if (dst[0] != '\0' || n == 0)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

#define SET(field, s) set((field), sizeof(field), (s), strlen(s))

/* A path as a boot loader writes it, made relative to the tree's root
 * (a leading '/' or GRUB's "($root)" dropped). */
static const char *rootless(const char *p)
{
	if (!strncmp(p, "($root)", 7))
		p += 7;
	while (*p == '/')
		p++;
	return p;
}

/* ---- productmd .treeinfo --------------------------------------------- */

#define TREEINFO_IMAGES 8

struct treeinfo {
	char section[64];
	char rel_name[128], rel_version[64], gen_family[128], gen_name[128], gen_version[64];
	char tree_arch[32], gen_arch[32];
	struct {
		char arch[32], kernel[IMAGE_PATH_MAX], initrd[IMAGE_PATH_MAX];
	} img[TREEINFO_IMAGES];	/* [images-ARCH] sections, xen's left out */
	size_t nimg;
};

static void treeinfo_pair(struct treeinfo *ti, const char *key, const char *val)
{
	const char *s = ti->section;

	if (!strcmp(s, "release")) {
		if (!strcmp(key, "name"))
			SET(ti->rel_name, val);
		else if (!strcmp(key, "version"))
			SET(ti->rel_version, val);
	} else if (!strcmp(s, "general")) {
		if (!strcmp(key, "family"))
			SET(ti->gen_family, val);
		else if (!strcmp(key, "name"))
			SET(ti->gen_name, val);
		else if (!strcmp(key, "version"))
			SET(ti->gen_version, val);
		else if (!strcmp(key, "arch"))
			SET(ti->gen_arch, val);
	} else if (!strcmp(s, "tree")) {
		if (!strcmp(key, "arch"))
			SET(ti->tree_arch, val);
	} else if (!strncmp(s, "images-", 7) && strcmp(s, "images-xen") != 0) {
		size_t i;

		for (i = 0; i < ti->nimg && strcmp(ti->img[i].arch, s + 7) != 0; i++)
			;
		if (i == ti->nimg) {
			if (ti->nimg == TREEINFO_IMAGES)
				return;
			SET(ti->img[ti->nimg++].arch, s + 7);
		}
		if (!strcmp(key, "kernel"))
			SET(ti->img[i].kernel, val);
		else if (!strcmp(key, "initrd"))
			SET(ti->img[i].initrd, val);
	}
}

static void parse_treeinfo(const char *text, size_t len, struct image_facts *f)
{
	struct treeinfo ti;
	char line[LINE_MAX_BYTES];
	size_t pos = 0;

	memset(&ti, 0, sizeof(ti));
	while (next_line(text, len, &pos, line)) {
		char *l = trim(line), *eq;

		if (*l == '#' || *l == ';' || *l == '\0')
			continue;
		if (*l == '[') {
			char *end = strchr(l, ']');

			ti.section[0] = '\0';
			if (end != NULL) {
				*end = '\0';
				set(ti.section, sizeof(ti.section), l + 1, strlen(l + 1));
			}
			continue;
		}
		eq = strchr(l, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		treeinfo_pair(&ti, trim(l), trim(eq + 1));
	}
	SET(f->name, ti.rel_name[0] ? ti.rel_name : ti.gen_family[0] ? ti.gen_family : ti.gen_name);
	SET(f->version, ti.rel_version[0] ? ti.rel_version : ti.gen_version);
	SET(f->arch, ti.tree_arch[0] ? ti.tree_arch : ti.gen_arch);
	/* the images of the tree's architecture, else the first listed */
	for (size_t i = ti.nimg; i > 0; i--) {
		if (i == 1 || !strcmp(ti.img[i - 1].arch, f->arch)) {
			SET(f->hint_kernel, ti.img[i - 1].kernel);
			SET(f->hint_initrd, ti.img[i - 1].initrd);
			break;
		}
	}
}

/* ---- .discinfo: timestamp, release, architecture, discs --------------- */

static void parse_discinfo(const char *text, size_t len, struct image_facts *f)
{
	char line[LINE_MAX_BYTES];
	size_t pos = 0;

	for (int n = 0; n < 3 && next_line(text, len, &pos, line); n++) {
		char *l = trim(line);

		if (n == 1) {
			/* "9.3", or a name and then the version */
			char *sp = strrchr(l, ' ');

			if (sp != NULL && isdigit((unsigned char)sp[1])) {
				SET(f->version, sp + 1);
				*sp = '\0';
				SET(f->name, trim(l));
			} else {
				SET(f->version, l);
			}
		} else if (n == 2 && strchr(l, ' ') == NULL) {
			SET(f->arch, l);
		}
	}
}

/* ---- Debian's and Ubuntu's .disk/info --------------------------------- */

static const char *const arches[] = {
	"amd64", "i386", "arm64", "armhf", "armel", "ppc64el", "s390x", "riscv64", "mips64el",
	"x86_64", "aarch64", "ppc64le", "loong64",
};

static bool is_arch(const char *w)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (!strcmp(w, arches[i]))
			return true;
	return false;
}

/* 'Debian GNU/Linux 12.5.0 "Bookworm" - Official amd64 NETINST with
 * firmware 20240210-11:27' or 'Ubuntu 24.04 LTS "Noble Numbat" - Release
 * amd64 (20240424)': name up to the first word that starts with a digit,
 * that word the version, the quoted words the codename, a known
 * architecture word the architecture. */
static void parse_disk_info(const char *text, size_t len, struct image_facts *f)
{
	char line[LINE_MAX_BYTES], name[128] = "";
	size_t pos = 0, nlen = 0;
	char *l, *w, *save = NULL, *q1, *q2;

	if (!next_line(text, len, &pos, line))
		return;
	l = trim(line);
	q1 = strchr(l, '"');
	q2 = q1 ? strchr(q1 + 1, '"') : NULL;
	if (q1 != NULL && q2 != NULL) {
		set(f->codename, sizeof(f->codename), q1 + 1, (size_t)(q2 - q1 - 1));
		memset(q1, ' ', (size_t)(q2 - q1 + 1));
	}
	for (w = strtok_r(l, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (f->version[0] == '\0' && isdigit((unsigned char)w[0]) && name[0] != '\0') {
			SET(f->version, w);
			SET(f->name, name);
		} else if (f->version[0] == '\0' && name[0] == '\0' && !strcmp(w, "-")) {
			break;
		} else if (f->version[0] == '\0' && nlen + strlen(w) + 2 < sizeof(name)) {
			nlen += (size_t)snprintf(name + nlen, sizeof(name) - nlen, "%s%s",
						 nlen ? " " : "", w);
		} else if (is_arch(w)) {
			SET(f->arch, w);
		}
	}
	SET(f->name, name);
}

/* ---- key: value files ---------------------------------------------- */

/* "Key: value" (Release) or "KEY value" (SUSE content): the value of
 * key in line, or NULL. */
static char *value_of(char *line, const char *key, char sep)
{
	size_t k = strlen(key);

	if (strncasecmp(line, key, k) != 0)
		return NULL;
	line += k;
	if (sep != ' ' && *line++ != sep)
		return NULL;
	if (sep == ' ' && !isspace((unsigned char)*line))
		return NULL;
	return trim(line);
}

static void parse_release(const char *text, size_t len, struct image_facts *f)
{
	char line[LINE_MAX_BYTES];
	size_t pos = 0;

	while (next_line(text, len, &pos, line)) {
		char *v;

		if (line[0] == ' ')
			break;	/* the checksum lists: nothing more of ours */
		if ((v = value_of(line, "Origin", ':')) != NULL)
			SET(f->name, v);
		else if ((v = value_of(line, "Version", ':')) != NULL)
			SET(f->version, v);
		else if ((v = value_of(line, "Codename", ':')) != NULL)
			SET(f->codename, v);
		else if ((v = value_of(line, "Architectures", ':')) != NULL &&
			 strchr(v, ' ') == NULL)
			SET(f->arch, v);
	}
}

/* "Debian version:  12 (bookworm)" */
static void parse_version_info(const char *text, size_t len, struct image_facts *f)
{
	char line[LINE_MAX_BYTES];
	size_t pos = 0;

	while (next_line(text, len, &pos, line)) {
		char *colon = strstr(line, " version:"), *v, *p1, *p2;

		if (colon == NULL)
			continue;
		*colon = '\0';
		v = trim(colon + 9);
		p1 = strchr(v, '(');
		p2 = p1 ? strchr(p1, ')') : NULL;
		if (p1 != NULL && p2 != NULL) {
			set(f->codename, sizeof(f->codename), p1 + 1, (size_t)(p2 - p1 - 1));
			*p1 = '\0';
		}
		SET(f->name, trim(line));
		SET(f->version, trim(v));
	}
}

static void parse_suse_content(const char *text, size_t len, struct image_facts *f)
{
	char line[LINE_MAX_BYTES];
	size_t pos = 0;

	while (next_line(text, len, &pos, line)) {
		char *v;

		if ((v = value_of(line, "LABEL", ' ')) != NULL)
			SET(f->name, v);
		else if ((v = value_of(line, "VERSION", ' ')) != NULL)
			SET(f->version, v);
		else if ((v = value_of(line, "BASEARCHS", ' ')) != NULL) {
			v[strcspn(v, " \t")] = '\0';
			SET(f->arch, v);
		}
	}
}

/* "/ openSUSE-Leap 15.5-1": directory, product, version-release. */
static void parse_suse_products(const char *text, size_t len, struct image_facts *f)
{
	char line[LINE_MAX_BYTES], *save = NULL, *dir, *prod, *ver;
	size_t pos = 0;

	if (!next_line(text, len, &pos, line))
		return;
	dir = strtok_r(line, " \t", &save);
	prod = dir ? strtok_r(NULL, " \t", &save) : NULL;
	ver = prod ? strtok_r(NULL, " \t", &save) : NULL;
	if (prod != NULL)
		SET(f->name, prod);
	if (ver != NULL) {
		char *dash = strrchr(ver, '-');

		if (dash != NULL && dash != ver)
			*dash = '\0';
		SET(f->version, ver);
	}
}

/* ---- boot menus ------------------------------------------------------ */

/* Default arguments: the command line without initrd= and BOOT_IMAGE=
 * (pxe-image names the initrd itself). */
static void set_args(struct image_facts *f, const char *args)
{
	char copy[LINE_MAX_BYTES], out[sizeof(f->args)] = "", *save = NULL;
	size_t n = 0;

	if (f->args[0] != '\0')
		return;
	snprintf(copy, sizeof(copy), "%s", args);
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!strncmp(w, "initrd=", 7) || !strncmp(w, "BOOT_IMAGE=", 11))
			continue;
		if (n + strlen(w) + 2 > sizeof(out))
			break;
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? " " : "", w);
	}
	SET(f->args, out);
}

/* An initrd= argument (the first of a comma-separated list). */
static void initrd_from_args(struct image_facts *f, const char *args)
{
	const char *p = strstr(args, "initrd=");

	if (p == NULL || (p != args && !isspace((unsigned char)p[-1])))
		return;
	p += 7;
	set(f->hint_initrd, sizeof(f->hint_initrd), rootless(p), strcspn(rootless(p), " \t,"));
}

/* One SYSLINUX line as keyword and value (keywords are case-insensitive). */
static char *keyword(char *line, char **value)
{
	char *l = trim(line), *sp = l + strcspn(l, " \t");

	if (*sp != '\0')
		*sp++ = '\0';
	*value = trim(sp);
	return l;
}

struct sl_entry {
	char kernel[IMAGE_PATH_MAX], initrd[IMAGE_PATH_MAX], args[LINE_MAX_BYTES];
};

/* The entry under LABEL want (want NULL: the first entry with a kernel
 * that is not a COM32 module). */
static bool syslinux_entry(const char *text, size_t len, const char *want, struct sl_entry *e)
{
	char line[LINE_MAX_BYTES], *v;
	size_t pos = 0;
	bool in = want == NULL;

	memset(e, 0, sizeof(*e));
	while (next_line(text, len, &pos, line)) {
		char *k = keyword(line, &v);

		if (!strcasecmp(k, "label")) {
			if (e->kernel[0] != '\0' && strstr(e->kernel, ".c32") == NULL)
				return true;
			memset(e, 0, sizeof(*e));
			in = want == NULL || !strcmp(v, want);
		} else if (in && (!strcasecmp(k, "kernel") || !strcasecmp(k, "linux"))) {
			SET(e->kernel, v);
		} else if (in && !strcasecmp(k, "append")) {
			SET(e->args, v);
		} else if (in && !strcasecmp(k, "initrd")) {
			SET(e->initrd, v);
		}
	}
	return in && e->kernel[0] != '\0' && strstr(e->kernel, ".c32") == NULL;
}

/* SYSLINUX: the DEFAULT label's entry if there is one, else the first
 * entry with a kernel. */
static void parse_syslinux(const char *text, size_t len, const char *base, struct image_facts *f)
{
	char line[LINE_MAX_BYTES], deflabel[128] = "", *v;
	struct sl_entry e;
	size_t pos = 0;

	while (next_line(text, len, &pos, line)) {
		if (!strcasecmp(keyword(line, &v), "default")) {
			SET(deflabel, v);
			break;
		}
	}
	if (!(deflabel[0] && syslinux_entry(text, len, deflabel, &e)) &&
	    !syslinux_entry(text, len, NULL, &e))
		return;
	if (f->hint_kernel[0] == '\0')
		SET(f->hint_base, base);	/* its paths may be relative to it */
	SET(f->hint_kernel, rootless(e.kernel));
	if (e.initrd[0] != '\0')
		SET(f->hint_initrd, rootless(e.initrd));
	initrd_from_args(f, e.args);
	set_args(f, e.args);
}

/* GRUB: the first menuentry's linux and initrd lines. */
static void parse_grub(const char *text, size_t len, struct image_facts *f)
{
	char line[LINE_MAX_BYTES];
	size_t pos = 0;
	bool in_entry = false, seen_linux = false;

	while (next_line(text, len, &pos, line)) {
		char *l = trim(line), *sp = l + strcspn(l, " \t"), *v;

		v = trim(*sp ? (*sp = '\0', sp + 1) : sp);
		if (!strcmp(l, "menuentry")) {
			if (seen_linux)
				return;
			in_entry = true;
		} else if (in_entry && (!strcmp(l, "linux") || !strcmp(l, "linuxefi") ||
					!strcmp(l, "linux16"))) {
			size_t n = strcspn(v, " \t");

			set(f->hint_kernel, sizeof(f->hint_kernel), rootless(v),
			    strcspn(rootless(v), " \t"));
			set_args(f, v + n);
			seen_linux = true;
		} else if (in_entry && (!strcmp(l, "initrd") || !strcmp(l, "initrdefi") ||
					!strcmp(l, "initrd16"))) {
			set(f->hint_initrd, sizeof(f->hint_initrd), rootless(v),
			    strcspn(rootless(v), " \t"));
		}
	}
}

void image_facts_parse(enum facts_format fmt, const char *text, size_t len, const char *base,
		       struct image_facts *f)
{
	switch (fmt) {
	case FACTS_TREEINFO:
		parse_treeinfo(text, len, f);
		break;
	case FACTS_DISCINFO:
		parse_discinfo(text, len, f);
		break;
	case FACTS_DISK_INFO:
		parse_disk_info(text, len, f);
		break;
	case FACTS_RELEASE:
		parse_release(text, len, f);
		break;
	case FACTS_VERSION_INFO:
		parse_version_info(text, len, f);
		break;
	case FACTS_SUSE_CONTENT:
		parse_suse_content(text, len, f);
		break;
	case FACTS_SUSE_PRODUCTS:
		parse_suse_products(text, len, f);
		break;
	case FACTS_SYSLINUX:
		parse_syslinux(text, len, base, f);
		break;
	case FACTS_GRUB:
		parse_grub(text, len, f);
		break;
	case FACTS_NFORMATS:
		break;
	}
}
