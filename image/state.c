/* pxe-image's state file (state.h). Pure: text in, a table out. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "state.h"

bool image_state_path_ok(const char *p)
{
	if (p[0] != '/' || strlen(p) >= 4096)
		return false;
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			return false;
	while (*p == '/') {
		size_t n = strcspn(p + 1, "/");

		if (n == 0 || (n == 1 && p[1] == '.') || (n == 2 && p[1] == '.' && p[2] == '.'))
			return false;
		p += 1 + n;
	}
	return true;
}

static bool is_hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool parse_file(const char *v, struct state_file *f)
{
	char *end;
	unsigned long long size;

	if (strlen(v) < 66 || !is_hex64(v) || v[64] != ' ' || v[65] < '0' || v[65] > '9')
		return false;
	memcpy(f->sha256, v, 64);
	f->sha256[64] = '\0';
	size = strtoull(v + 65, &end, 10);
	if (*end != ' ' || end - (v + 65) > 20)
		return false;
	f->size = size;
	if (!image_state_path_ok(end + 1))
		return false;
	f->path = strdup(end + 1);
	return f->path != NULL;
}

static bool add_pair(struct image_state *st, const char *k, size_t klen, const char *v)
{
	char **key = realloc(st->key, (st->n + 1) * sizeof(*key));
	char **value;

	if (key == NULL)
		return false;
	st->key = key;
	value = realloc(st->value, (st->n + 1) * sizeof(*value));
	if (value == NULL)
		return false;
	st->value = value;
	key[st->n] = strndup(k, klen);
	value[st->n] = strdup(v);
	if (key[st->n] == NULL || value[st->n] == NULL) {
		free(key[st->n]);
		free(value[st->n]);
		return false;
	}
	st->n++;
	return true;
}

bool image_state_parse(const char *text, size_t len, const char *source, struct image_state *st,
		       struct strbuf *diag)
{
	const char *p = text, *end = text + len;
	char *line = malloc(STATE_VALUE_MAX + 64);
	unsigned lineno = 0;
	bool ok = line != NULL;

	memset(st, 0, sizeof(*st));
	if (!ok)
		sb_addf(diag, "%s: out of memory\n", source);
	while (ok && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t klen;
		const char *why = NULL;

		lineno++;
		if (lineno > STATE_MAX_LINES)
			why = "too many lines";
		else if (n >= STATE_VALUE_MAX + 64)
			why = "line too long";
		else if (memchr(p, '\0', n))
			why = "NUL byte";
		if (why == NULL) {
			memcpy(line, p, n);
			line[n] = '\0';
			klen = strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789-");
			if (line[0] == '#' || n == 0)
				;	/* comment, empty line */
			else if (klen == 0 || line[klen] != ':' ||
				 (line[klen + 1] != ' ' && line[klen + 1] != '\0'))
				why = "not a 'key: value' line";
			else if (klen == 4 && !strncmp(line, "file", 4)) {
				struct state_file *f = realloc(st->file, (st->nfiles + 1) * sizeof(*f));

				if (f == NULL)
					why = "out of memory";
				else if (st->file = f, !parse_file(line + klen + 2, &f[st->nfiles]))
					why = "not 'file: SHA256 SIZE /ABSOLUTE/PATH'";
				else
					st->nfiles++;
			} else {
				const char *v = line + klen + (line[klen + 1] ? 2 : 1);

				for (const char *c = v; *c && !why; c++)
					if ((unsigned char)*c < ' ' && *c != '\t')
						why = "control character in a value";
				if (!why && !add_pair(st, line, klen, v))
					why = "out of memory";
			}
		}
		if (why) {
			diag_add(diag, (struct diag_pos){ source, lineno, 0 }, "error", "%s", why);
			ok = false;
		}
		p += n + (nl != NULL);
	}
	free(line);
	if (!ok)
		image_state_free(st);
	return ok;
}

const char *image_state_get(const struct image_state *st, const char *key)
{
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->key[i], key))
			return st->value[i];
	return "";
}

void image_state_free(struct image_state *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->key[i]);
		free(st->value[i]);
	}
	for (size_t i = 0; i < st->nfiles; i++)
		free(st->file[i].path);
	free(st->key);
	free(st->value);
	free(st->file);
	memset(st, 0, sizeof(*st));
}
