/* Applies image rules to a tree: path patterns are expanded through the
 * tree's list/kind callbacks (bounded: IMAGE_LIST_MAX names a directory,
 * GLOB_MATCHES matches a pattern), facts files are read through its read
 * callback and handed to facts.c. No rule names a version: layouts are
 * matched, and versions are read from the image's own files. */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#define GLOB_MATCHES 64
#define GLOB_DEPTH 16

struct match {
	char path[IMAGE_PATH_MAX];
	char arch[32];
};

struct matches {
	struct match *v;
	size_t n;
};

struct names {
	char **v;
	size_t n;
};

static void add_name(void *arg, const char *name)
{
	struct names *ns = arg;
	char *copy;

	if (ns->n >= IMAGE_LIST_MAX || strchr(name, '/') != NULL || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return;
	copy = strdup(name);
	if (copy != NULL)
		ns->v[ns->n++] = copy;
}

/* component matches name; "{arch}" in it matches like '*' and is captured. */
static bool comp_match(const char *comp, const char *name, char *arch, size_t arch_size)
{
	const char *a = strstr(comp, "{arch}");

	if (a == NULL)
		return fnmatch(comp, name, FNM_PERIOD) == 0;
	{
		size_t pre = (size_t)(a - comp), suf = strlen(a + 6), n = strlen(name);

		if (n <= pre + suf || strncmp(name, comp, pre) != 0 ||
		    strcmp(name + n - suf, a + 6) != 0 || name[0] == '.')
			return false;
		if (n - pre - suf >= arch_size)
			return false;
		memcpy(arch, name + pre, n - pre - suf);
		arch[n - pre - suf] = '\0';
		return true;
	}
}

static bool has_wildcard(const char *c)
{
	return strpbrk(c, "*?[") != NULL || strstr(c, "{arch}") != NULL;
}

static void expand(const struct image_tree *t, char **comps, size_t nc, size_t i,
		   const char *prefix, const char *arch, struct matches *out)
{
	char path[IMAGE_PATH_MAX], cap[32];
	struct names ns;

	if (out->n >= GLOB_MATCHES)
		return;
	if (i == nc) {
		if (t->ops->kind(t->ctx, prefix) != IMAGE_MISSING) {
			snprintf(out->v[out->n].path, IMAGE_PATH_MAX, "%s", prefix);
			snprintf(out->v[out->n].arch, sizeof(out->v[0].arch), "%s", arch);
			out->n++;
		}
		return;
	}
	if (!has_wildcard(comps[i])) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "/" : "",
				     comps[i]) < sizeof(path))
			expand(t, comps, nc, i + 1, path, arch, out);
		return;
	}
	ns.v = calloc(IMAGE_LIST_MAX, sizeof(char *));
	ns.n = 0;
	if (ns.v == NULL)
		return;
	if (t->ops->list(t->ctx, prefix, add_name, &ns) == 0) {
		for (size_t k = 0; k < ns.n; k++) {
			cap[0] = '\0';
			if (!comp_match(comps[i], ns.v[k], cap, sizeof(cap)))
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s%s%s", prefix,
					     *prefix ? "/" : "", ns.v[k]) >= sizeof(path))
				continue;
			expand(t, comps, nc, i + 1, path, cap[0] ? cap : arch, out);
		}
	}
	for (size_t k = 0; k < ns.n; k++)
		free(ns.v[k]);
	free(ns.v);
}

static int by_version(const void *a, const void *b)
{
	return strverscmp(((const struct match *)a)->path, ((const struct match *)b)->path);
}

/* Every existing path a pattern names, in version order. */
static void glob_all(const struct image_tree *t, const char *pattern, struct matches *out)
{
	char copy[IMAGE_PATH_MAX], *comps[GLOB_DEPTH], *save = NULL;
	size_t nc = 0;

	out->n = 0;
	snprintf(copy, sizeof(copy), "%s", pattern);
	for (char *c = strtok_r(copy, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
		if (nc == GLOB_DEPTH || !strcmp(c, "..") || !strcmp(c, "."))
			return;
		comps[nc++] = c;
	}
	if (nc == 0)
		return;
	expand(t, comps, nc, 0, "", "", out);
	qsort(out->v, out->n, sizeof(out->v[0]), by_version);
}

static bool safe_path(const char *p)
{
	char copy[IMAGE_PATH_MAX], *save = NULL;

	if (*p == '\0' || strlen(p) >= sizeof(copy))
		return false;
	strcpy(copy, p);
	for (char *c = strtok_r(copy, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save))
		if (!strcmp(c, "..") || !strcmp(c, "."))
			return false;
	return true;
}

static bool is_file(const struct image_tree *t, const char *p)
{
	return safe_path(p) && t->ops->kind(t->ctx, p) == IMAGE_FILE;
}

/* A path a facts file named: beside that file (SYSLINUX's relative
 * paths), else from the tree's root. */
static bool hinted(const struct image_tree *t, const struct image_facts *f, const char *hint,
		   char *out)
{
	char path[IMAGE_PATH_MAX];

	if (hint[0] == '\0')
		return false;
	if (f->hint_base[0] != '\0' &&
	    (size_t)snprintf(path, sizeof(path), "%s/%s", f->hint_base, hint) < sizeof(path) &&
	    is_file(t, path)) {
		strcpy(out, path);
		return true;
	}
	if (is_file(t, hint)) {
		snprintf(out, IMAGE_PATH_MAX, "%s", hint);
		return true;
	}
	return false;
}

/* The kernel (or initrd): the first alternative that finds a file; of
 * several files one pattern finds, the highest version. */
static bool pick(const struct image_tree *t, const struct globs *g, const char *hint,
		 struct image_facts *f, char *out, struct matches *m)
{
	for (size_t i = 0; i < g->n; i++) {
		if (!strcmp(g->v[i], "@facts")) {
			if (hinted(t, f, hint, out))
				return true;
			continue;
		}
		glob_all(t, g->v[i], m);
		for (size_t k = m->n; k > 0; k--) {
			if (t->ops->kind(t->ctx, m->v[k - 1].path) == IMAGE_FILE) {
				snprintf(out, IMAGE_PATH_MAX, "%s", m->v[k - 1].path);
				if (f->arch[0] == '\0' && m->v[k - 1].arch[0] != '\0')
					snprintf(f->arch, sizeof(f->arch), "%s", m->v[k - 1].arch);
				return true;
			}
		}
	}
	return false;
}

static bool requirements_hold(const struct image_tree *t, const struct rule *r,
			      struct matches *m)
{
	for (size_t i = 0; i < r->nrequire; i++) {
		bool any = false;

		for (size_t k = 0; k < r->require[i].n && !any; k++) {
			glob_all(t, r->require[i].v[k], m);
			any = m->n > 0;
		}
		if (!any)
			return false;
	}
	return true;
}

static void add_source(struct image_facts *f, const char *path)
{
	size_t n = strlen(f->sources);

	if (strstr(f->sources, path) == NULL)
		snprintf(f->sources + n, sizeof(f->sources) - n, "%s%s", n ? " " : "", path);
}

static void read_facts(const struct image_tree *t, const struct rule *r, struct image_facts *f,
		       struct matches *m, char *buf)
{
	for (size_t i = 0; i < r->nfacts; i++) {
		for (size_t k = 0; k < r->facts[i].g.n; k++) {
			glob_all(t, r->facts[i].g.v[k], m);
			for (size_t j = 0; j < m->n; j++) {
				char base[IMAGE_PATH_MAX], *slash;
				ssize_t len;

				if (t->ops->kind(t->ctx, m->v[j].path) != IMAGE_FILE)
					continue;
				len = t->ops->read(t->ctx, m->v[j].path, buf, IMAGE_FILE_MAX);
				if (len < 0)
					continue;
				snprintf(base, sizeof(base), "%s", m->v[j].path);
				slash = strrchr(base, '/');
				if (slash != NULL)
					*slash = '\0';
				else
					base[0] = '\0';
				image_facts_parse(r->facts[i].fmt, buf, (size_t)len, base, f);
				add_source(f, m->v[j].path);
			}
		}
	}
}

/* The rule's template with ${args} filled in; ${server} and ${path} stay
 * for the caller. Runs of spaces are collapsed. */
static void render_append(const char *tmpl, const char *args, char *out, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	size_t o = 0;
	bool space = true;
	const char *s;

	for (const char *p = tmpl; *p;) {
		if (!strncmp(p, "${args}", 7)) {
			sb_add(&sb, args);
			p += 7;
		} else {
			sb_addn(&sb, p++, 1);
		}
	}
	s = sb_str(&sb);
	for (; *s && o + 1 < size; s++) {
		if (*s == ' ' && space)
			continue;
		space = *s == ' ';
		out[o++] = *s;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	sb_free(&sb);
}

static bool try_rule(const struct image_tree *t, const struct rule *r, struct image_facts *f,
		     struct matches *m, char *buf, struct strbuf *diag)
{
	memset(f, 0, sizeof(*f));
	if (!requirements_hold(t, r, m))
		return false;
	read_facts(t, r, f, m, buf);
	if (!pick(t, &r->kernel, f->hint_kernel, f, f->kernel, m) ||
	    !pick(t, &r->initrd, f->hint_initrd, f, f->initrd, m)) {
		sb_addf(diag, "rule %s (%s:%d) matched the layout but found no %s\n", r->name,
			r->file, r->line, f->kernel[0] ? "initrd" : "kernel");
		return false;
	}
	snprintf(f->rule, sizeof(f->rule), "%s", r->name);
	snprintf(f->family, sizeof(f->family), "%s", r->family);
	render_append(r->append ? r->append : "", f->args, f->append, sizeof(f->append));
	if (r->note != NULL)
		snprintf(f->note, sizeof(f->note), "%s", r->note);
	if (!strcmp(r->family, "generic"))
		snprintf(f->warning, sizeof(f->warning),
			 "no distribution rule matched; registering as a generic image with "
			 "kernel %s and initrd %s%s%s (override with --distro, --kernel, --initrd, "
			 "--append)", f->kernel, f->initrd, f->sources[0] ? " found via " : "",
			 f->sources);
	return true;
}

bool image_detect(const struct image_rules *rs, const struct image_tree *t,
		  struct image_facts *out, struct strbuf *diag)
{
	struct matches m = { calloc(GLOB_MATCHES, sizeof(struct match)), 0 };
	char *buf = malloc(IMAGE_FILE_MAX);
	bool found = false;

	if (m.v == NULL || buf == NULL) {
		sb_add(diag, "out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < rs->n && !found; i++)
		found = try_rule(t, &rs->v[i], out, &m, buf, diag);
	if (!found) {
		memset(out, 0, sizeof(*out));
		sb_add(diag, "no rule matched and no kernel and initrd were found\n");
	}
out:
	free(m.v);
	free(buf);
	return found;
}
