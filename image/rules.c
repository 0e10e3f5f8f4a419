/* image-rules text -> struct image_rules. Admin input: every error is
 * reported with file:line:col, and a file with one error adds no rule. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "rules.h"

const char *const facts_format_names[FACTS_NFORMATS] = {
	[FACTS_TREEINFO] = "treeinfo",
	[FACTS_DISCINFO] = "discinfo",
	[FACTS_DISK_INFO] = "disk-info",
	[FACTS_RELEASE] = "release",
	[FACTS_VERSION_INFO] = "version-info",
	[FACTS_SUSE_CONTENT] = "suse-content",
	[FACTS_SUSE_PRODUCTS] = "suse-products",
	[FACTS_SYSLINUX] = "syslinux",
	[FACTS_GRUB] = "grub",
};

#define LINE_BYTES 4096
#define MAX_WORDS (RULE_MAX_GLOBS + 2)

struct image_rules *image_rules_new(void)
{
	return calloc(1, sizeof(struct image_rules));
}

static void globs_free(struct globs *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i]);
	g->n = 0;
}

static void rule_free(struct rule *r)
{
	for (size_t i = 0; i < r->nrequire; i++)
		globs_free(&r->require[i]);
	for (size_t i = 0; i < r->nfacts; i++)
		globs_free(&r->facts[i].g);
	globs_free(&r->kernel);
	globs_free(&r->initrd);
	free(r->append);
	free(r->note);
}

void image_rules_free(struct image_rules *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		rule_free(&r->v[i]);
	free(r->v);
	free(r);
}

size_t image_rules_count(const struct image_rules *r)
{
	return r->n;
}

struct word {
	const char *s;
	size_t len;
	int col;
	bool quoted;
};

struct parser {
	const char *file;
	int line;
	struct strbuf *diag;
	bool ok;
};

static void err(struct parser *p, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void err(struct parser *p, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(p->diag, (struct diag_pos){ p->file, (unsigned)p->line, (unsigned)col },
		  "error", fmt, ap);
	va_end(ap);
	p->ok = false;
}

/* Splits a line into words; a word that opens with '"' runs to the next
 * '"' (no escapes). The count, or -1 after an error. */
static int split(struct parser *p, const char *l, size_t len, struct word *w)
{
	size_t i = 0;
	int n = 0;

	while (i < len) {
		size_t start;

		while (i < len && (l[i] == ' ' || l[i] == '\t'))
			i++;
		if (i >= len || l[i] == '#')
			break;
		if (n == MAX_WORDS) {
			err(p, (int)i + 1, "too many words (at most %s)", "18");
			return -1;
		}
		w[n].col = (int)i + 1;
		if (l[i] == '"') {
			const char *q = memchr(l + i + 1, '"', len - i - 1);

			if (q == NULL) {
				err(p, (int)i + 1, "unterminated %s", "quoted string");
				return -1;
			}
			w[n].s = l + i + 1;
			w[n].len = (size_t)(q - (l + i + 1));
			w[n].quoted = true;
			i = (size_t)(q - l) + 1;
		} else {
			start = i;
			while (i < len && l[i] != ' ' && l[i] != '\t')
				i++;
			w[n].s = l + start;
			w[n].len = i - start;
			w[n].quoted = false;
		}
		for (size_t k = 0; k < w[n].len; k++) {
			unsigned char c = (unsigned char)w[n].s[k];

			if (c < 0x20 || c == 0x7f) {
				err(p, w[n].col, "control character in %s", "a word");
				return -1;
			}
		}
		n++;
	}
	return n;
}

static bool is(const struct word *w, const char *s)
{
	return !w->quoted && w->len == strlen(s) && !memcmp(w->s, s, w->len);
}

static bool name_ok(const struct word *w, size_t max)
{
	if (w->quoted || w->len == 0 || w->len >= max)
		return false;
	for (size_t i = 0; i < w->len; i++) {
		char c = w->s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return false;
	}
	return true;
}

/* A path pattern: relative, no "." or ".." component, '*', '?', '[...]'
 * and one "{arch}" per component at most; or "@facts" where allowed. */
static bool glob_ok(const struct word *w, bool facts_ok)
{
	const char *s = w->s, *end = w->s + w->len;

	if (w->quoted || w->len == 0 || w->len >= RULE_GLOB_MAX || s[0] == '/')
		return false;
	if (w->len == 6 && !memcmp(s, "@facts", 6))
		return facts_ok;
	while (s < end) {
		const char *slash = memchr(s, '/', (size_t)(end - s));
		size_t n = slash ? (size_t)(slash - s) : (size_t)(end - s);
		const char *arch = memmem(s, n, "{arch}", 6);

		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (arch != NULL && (memmem(arch + 6, n - (size_t)(arch + 6 - s), "{arch}", 6) ||
				     memchr(s, '*', n) || memchr(s, '?', n) || memchr(s, '[', n)))
			return false;
		s += n + (slash != NULL);
		if (slash != NULL && s == end)
			return false;
	}
	return true;
}

static bool add_globs(struct parser *p, struct globs *g, const struct word *w, int n,
		      bool facts_ok)
{
	if (n == 0) {
		err(p, 1, "%s needs at least one path", "this directive");
		return false;
	}
	for (int i = 0; i < n; i++) {
		if (!glob_ok(&w[i], facts_ok)) {
			char pat[64];

			snprintf(pat, sizeof(pat), "%.*s", (int)(w[i].len < 60 ? w[i].len : 60),
				 w[i].s);
			err(p, w[i].col, "invalid path pattern '%s' (relative, no '.' or '..', "
			    "one {arch} per component, without other wildcards)", pat);
			return false;
		}
		if (g->n == RULE_MAX_GLOBS) {
			err(p, w[i].col, "too many paths (at most %s)", "16");
			return false;
		}
		g->v[g->n] = strndup(w[i].s, w[i].len);
		if (g->v[g->n] == NULL) {
			err(p, w[i].col, "%s", "out of memory");
			return false;
		}
		g->n++;
	}
	return true;
}

static bool set_text(struct parser *p, char **dst, const struct word *w, int n, int col)
{
	if (n != 1 || !w[0].quoted) {
		err(p, col, "%s takes one \"quoted\" text", "this directive");
		return false;
	}
	if (*dst != NULL) {
		err(p, col, "%s given twice", "this directive");
		return false;
	}
	*dst = strndup(w[0].s, w[0].len);
	if (*dst == NULL)
		err(p, col, "%s", "out of memory");
	return *dst != NULL;
}

static bool directive(struct parser *p, struct rule *r, const struct word *w, int n)
{
	if (is(&w[0], "family")) {
		if (n != 2 || !name_ok(&w[1], sizeof(r->family))) {
			err(p, w[0].col, "family takes one name of [a-z0-9._-], at most %s bytes", "31");
			return false;
		}
		memcpy(r->family, w[1].s, w[1].len);
		r->family[w[1].len] = '\0';
		return true;
	}
	if (is(&w[0], "require")) {
		if (r->nrequire == RULE_MAX_REQUIRE) {
			err(p, w[0].col, "too many require lines (at most %s)", "8");
			return false;
		}
		return add_globs(p, &r->require[r->nrequire++], w + 1, n - 1, false);
	}
	if (is(&w[0], "facts")) {
		size_t f;

		if (n < 3) {
			err(p, w[0].col, "%s", "facts takes a format and at least one path");
			return false;
		}
		for (f = 0; f < FACTS_NFORMATS; f++)
			if (is(&w[1], facts_format_names[f]))
				break;
		if (f == FACTS_NFORMATS) {
			err(p, w[1].col, "unknown facts format (treeinfo, discinfo, disk-info, "
			    "release, version-info, suse-content, suse-products, syslinux, grub)%s", "");
			return false;
		}
		if (r->nfacts == RULE_MAX_FACTS) {
			err(p, w[0].col, "too many facts lines (at most %s)", "16");
			return false;
		}
		r->facts[r->nfacts].fmt = (enum facts_format)f;
		return add_globs(p, &r->facts[r->nfacts++].g, w + 2, n - 2, false);
	}
	if (is(&w[0], "kernel"))
		return add_globs(p, &r->kernel, w + 1, n - 1, true);
	if (is(&w[0], "initrd"))
		return add_globs(p, &r->initrd, w + 1, n - 1, true);
	if (is(&w[0], "append"))
		return set_text(p, &r->append, w + 1, n - 1, w[0].col);
	if (is(&w[0], "note"))
		return set_text(p, &r->note, w + 1, n - 1, w[0].col);
	err(p, w[0].col, "unknown directive (rule, family, require, facts, kernel, initrd, "
	    "append, note)%s", "");
	return false;
}

static bool rule_done(struct parser *p, struct rule *r)
{
	int line = p->line;

	p->line = r->line;
	if (r->family[0] == '\0')
		err(p, 1, "rule '%s' has no family", r->name);
	else if (r->kernel.n == 0 || r->initrd.n == 0)
		err(p, 1, "rule '%s' needs kernel and initrd", r->name);
	p->line = line;
	return p->ok;
}

static bool known(const struct image_rules *rs, size_t from, const char *name)
{
	for (size_t i = from; i < rs->n; i++)
		if (!strcmp(rs->v[i].name, name))
			return true;
	return false;
}

bool image_rules_parse(struct image_rules *rs, const char *text, size_t len, const char *file,
		       struct strbuf *diag)
{
	struct parser p = { file, 0, diag, true };
	size_t pos = 0, first = rs->n;
	struct rule *cur = NULL;

	while (pos < len && p.ok) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		struct word w[MAX_WORDS];
		int nw;

		p.line++;
		if (n >= LINE_BYTES) {
			err(&p, 1, "line longer than %s bytes", "4095");
			break;
		}
		if (memchr(text + pos, '\0', n) != NULL) {
			err(&p, 1, "%s", "NUL byte");
			break;
		}
		nw = split(&p, text + pos, n, w);
		pos += n + 1;
		if (nw <= 0)
			continue;
		if (is(&w[0], "rule")) {
			if (cur != NULL && !rule_done(&p, cur))
				break;
			if (nw != 2 || !name_ok(&w[1], sizeof(cur->name))) {
				err(&p, w[0].col, "rule takes one name of [a-z0-9._-], at most %s bytes",
				    "63");
				break;
			}
			if (rs->n == RULES_MAX) {
				err(&p, w[0].col, "too many rules (at most %s)", "1024");
				break;
			}
			if (rs->n == rs->cap) {
				size_t cap = rs->cap ? rs->cap * 2 : 16;
				struct rule *v = realloc(rs->v, cap * sizeof(*v));

				if (v == NULL) {
					err(&p, 1, "%s", "out of memory");
					break;
				}
				rs->v = v;
				rs->cap = cap;
			}
			cur = &rs->v[rs->n];
			memset(cur, 0, sizeof(*cur));
			memcpy(cur->name, w[1].s, w[1].len);
			snprintf(cur->file, sizeof(cur->file), "%s", file);
			cur->line = p.line;
			if (known(rs, first, cur->name)) {
				err(&p, w[1].col, "rule '%s' is defined twice in this file", cur->name);
				break;
			}
			rs->n++;
			continue;
		}
		if (cur == NULL) {
			err(&p, w[0].col, "%s before the first rule", "directive");
			break;
		}
		directive(&p, cur, w, nw);
	}
	if (p.ok && cur != NULL)
		rule_done(&p, cur);
	if (!p.ok) {
		while (rs->n > first)
			rule_free(&rs->v[--rs->n]);
		return false;
	}
	/* A rule named like one read before (an admin's, read first) is
	 * replaced by nothing: the first definition wins. */
	for (size_t i = first; i < rs->n;) {
		bool dup = false;

		for (size_t k = 0; k < first && !dup; k++)
			dup = !strcmp(rs->v[k].name, rs->v[i].name);
		if (dup) {
			rule_free(&rs->v[i]);
			memmove(&rs->v[i], &rs->v[i + 1], (rs->n - i - 1) * sizeof(rs->v[0]));
			rs->n--;
		} else {
			i++;
		}
	}
	return true;
}
