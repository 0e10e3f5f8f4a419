#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "exports.h"
#include "strnum.h"

struct parser {
	const char *filename;
	unsigned line;
	struct strbuf *diag;
	unsigned errors;
	struct exports *ex;
};

__attribute__((format(printf, 3, 4)))
static void report(struct parser *p, bool is_error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(p->diag, (struct diag_pos){ p->filename, p->line, 0 },
		  is_error ? NULL : "warning", fmt, ap);
	va_end(ap);
	if (is_error)
		p->errors++;
}

#define perror_at(p, ...) report(p, true, __VA_ARGS__)
#define pwarn_at(p, ...) report(p, false, __VA_ARGS__)

static const struct export_options default_options = {
	.rw = false,
	.secure = true,
	.root_squash = true,
	.all_squash = false,
	.anonuid = ANON_ID,
	.anongid = ANON_ID,
	.async = false,
	.subtree_check = false,
	.rdirplus = true,
};

/* ---- options ----------------------------------------------------------- */

static bool parse_id(const char *s, uint32_t *out)
{
	uintmax_t v;

	/* exports(5): "uid/gid -1 not permitted"; 2^32-1 is the same value. */
	if (!parse_uint(s, 0, UINT32_MAX - 1, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* fsid=uuid: the 32 bits knfsd would not need, but they are what fits
 * in our handle; the value only has to be stable and distinct. */
static bool parse_fsid(const char *s, uint32_t *out)
{
	uintmax_t v;
	uint32_t h = 2166136261u;
	size_t digits = 0;

	if (strcmp(s, "root") == 0) {
		*out = 0;
		return true;
	}
	if (parse_uint(s, 0, UINT32_MAX, &v)) {
		*out = (uint32_t)v;
		return true;
	}
	for (const char *c = s; *c; c++) {
		if (*c == '-')
			continue;
		if (!isxdigit((unsigned char)*c))
			return false;
		h = (h ^ (uint32_t)tolower((unsigned char)*c)) * 16777619u;
		digits++;
	}
	if (digits != 32)
		return false;
	*out = h;
	return true;
}

enum opt_effect { OPT_SET, OPT_IGNORED, OPT_UNSUPPORTED };

struct flag_option {
	const char *name;
	void (*apply)(struct export_options *o);
};

#define FLAG(name, field, value) \
	static void set_##name(struct export_options *o) { o->field = value; }
FLAG(ro, rw, false)
FLAG(rw, rw, true)
FLAG(secure, secure, true)
FLAG(insecure, secure, false)
FLAG(root_squash, root_squash, true)
FLAG(no_root_squash, root_squash, false)
FLAG(all_squash, all_squash, true)
FLAG(no_all_squash, all_squash, false)
FLAG(sync, async, false)
FLAG(async, async, true)
FLAG(subtree_check, subtree_check, true)
FLAG(no_subtree_check, subtree_check, false)
FLAG(rdirplus, rdirplus, true)
FLAG(nordirplus, rdirplus, false)
#undef FLAG

static const struct flag_option flag_options[] = {
	{ "ro", set_ro }, { "rw", set_rw },
	{ "secure", set_secure }, { "insecure", set_insecure },
	{ "root_squash", set_root_squash }, { "no_root_squash", set_no_root_squash },
	{ "all_squash", set_all_squash }, { "no_all_squash", set_no_all_squash },
	{ "sync", set_sync }, { "async", set_async },
	{ "subtree_check", set_subtree_check }, { "no_subtree_check", set_no_subtree_check },
	{ "rdirplus", set_rdirplus }, { "nordirplus", set_nordirplus },
};

/* Accepted because exports files written for knfsd carry them, but they
 * change nothing for an NFSv3 server without NLM: knfsd's defaults
 * (hide, nocrossmnt), write gathering, NLM's checks, POSIX ACLs,
 * NFSv4.1+ features (pNFS, NFSv4.2 security labels), and sign_fh
 * (pxe-nfsd's handles are always signed). */
static const char *const ignored_options[] = {
	"wdelay", "no_wdelay", "hide", "nocrossmnt", "secure_locks", "insecure_locks",
	"auth_nlm", "no_auth_nlm", "no_acl", "acl", "no_pnfs", "pnfs",
	"security_label", "sign_fh",
};

/* Accepted with a warning: what they ask for is not done, and not doing
 * it exposes less, never more. */
static const char *const unsupported_options[] = {
	"nohide", "crossmnt",
};

static bool in_list(const char *const *list, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], word) == 0)
			return true;
	return false;
}

/* sec= and xprtsec= take lists like "krb5p:sys". */
static bool in_colon_list(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *c = list; *c; c += strcspn(c, ":"), c += *c == ':') {
		if (strncmp(c, word, len) == 0 && (c[len] == ':' || c[len] == '\0'))
			return true;
	}
	return false;
}

static bool parse_valued_option(struct parser *p, char *word, struct export_options *o)
{
	char *value = strchr(word, '=');

	if (value == NULL)
		return false;
	*value++ = '\0';
	if (strcmp(word, "anonuid") == 0 || strcmp(word, "anongid") == 0) {
		uint32_t *id = word[4] == 'u' ? &o->anonuid : &o->anongid;

		if (!parse_id(value, id))
			perror_at(p, "bad %s \"%s\" (uid/gid -1 not permitted)", word, value);
	} else if (strcmp(word, "fsid") == 0) {
		if (!parse_fsid(value, &o->fsid))
			perror_at(p, "bad fsid \"%s\": a number, \"root\" or a UUID", value);
		o->has_fsid = true;
	} else if (strcmp(word, "sec") == 0) {
		/* Only AUTH_SYS is served: fine when the list allows it, but a
		 * Kerberos-only export must not silently become a sys one. */
		if (!in_colon_list(value, "sys"))
			perror_at(p, "sec=%s is not supported: only sec=sys", value);
	} else if (strcmp(word, "xprtsec") == 0) {
		/* The same for RPC-with-TLS: plain transport only. */
		if (!in_colon_list(value, "none"))
			perror_at(p, "xprtsec=%s is not supported: only xprtsec=none", value);
	} else if (strcmp(word, "mountpoint") == 0 || strcmp(word, "mp") == 0 ||
		   strcmp(word, "refer") == 0 || strcmp(word, "replicas") == 0) {
		pwarn_at(p, "option \"%s\" is not supported and is ignored", word);
	} else {
		value[-1] = '=';
		return false;
	}
	return true;
}

static void parse_options(struct parser *p, const char *text, struct export_options *o)
{
	char *copy = strdup(text), *save = NULL;

	if (copy == NULL) {
		perror_at(p, "out of memory");
		return;
	}
	if (*copy == '\0' || copy[strlen(copy) - 1] == ',' || *copy == ',')
		perror_at(p, "syntax error: bad option list");
	for (char *word = strtok_r(copy, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof flag_options / sizeof flag_options[0]; i++)
			if (strcmp(flag_options[i].name, word) == 0)
				break;
		if (i < sizeof flag_options / sizeof flag_options[0])
			flag_options[i].apply(o);
		else if (in_list(ignored_options, sizeof ignored_options / sizeof *ignored_options, word))
			continue;
		else if (in_list(unsupported_options,
				 sizeof unsupported_options / sizeof *unsupported_options, word))
			pwarn_at(p, "option \"%s\" is not supported: filesystems mounted "
				"below an export stay hidden", word);
		else if (strcmp(word, "mp") == 0 || strcmp(word, "mountpoint") == 0)
			pwarn_at(p, "option \"%s\" is not supported and is ignored", word);
		else if (!parse_valued_option(p, word, o))
			perror_at(p, "unknown keyword \"%s\"", word);
	}
	free(copy);
}

/* ---- client specs ------------------------------------------------------ */

static bool parse_prefix(const char *s, int family, unsigned *prefixlen)
{
	unsigned max = family == AF_INET ? 32 : 128;
	uintmax_t v;
	struct in_addr mask;

	if (parse_uint(s, 0, max, &v)) {
		*prefixlen = (unsigned)v;
		return true;
	}
	/* A dotted netmask, only for IPv4, and only a contiguous one. */
	if (family != AF_INET || inet_pton(AF_INET, s, &mask) != 1)
		return false;
	uint32_t m = ntohl(mask.s_addr), inv = ~m;
	if ((inv & (inv + 1)) != 0)
		return false;
	*prefixlen = (unsigned)__builtin_popcount(m);
	return true;
}

static bool parse_address(const char *s, struct export_client *c)
{
	if (inet_pton(AF_INET, s, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, s, c->addr) == 1)
		c->family = AF_INET6;
	else
		return false;
	return true;
}

static bool valid_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-._*?[]!", *s))
			return false;
	return true;
}

static void parse_client_spec(struct parser *p, const char *spec, struct export_client *c)
{
	char *copy = strdup(spec), *slash;

	if (copy == NULL) {
		perror_at(p, "out of memory");
		return;
	}
	slash = strchr(copy, '/');
	if (slash)
		*slash = '\0';
	if (strcmp(spec, "*") == 0) {
		c->kind = CLIENT_ANONYMOUS;
	} else if (spec[0] == '@') {
		perror_at(p, "%s: netgroups are not supported", spec);
	} else if (parse_address(copy, c)) {
		c->kind = slash ? CLIENT_NETWORK : CLIENT_ADDRESS;
		c->prefixlen = c->family == AF_INET ? 32 : 128;
		if (slash && !parse_prefix(slash + 1, c->family, &c->prefixlen))
			perror_at(p, "%s: bad network prefix or mask", spec);
	} else if (slash) {
		perror_at(p, "%s: a network must be an address with /bits or /mask", spec);
	} else if (!valid_name(copy)) {
		perror_at(p, "%s: not a host name, address, network or wildcard", spec);
	} else {
		c->kind = strpbrk(copy, "*?[") ? CLIENT_WILDCARD : CLIENT_NAME;
	}
	free(copy);
}

/* ---- lines ------------------------------------------------------------- */

/* One word of a line: quoted or not, with \ooo escapes decoded (exports(5)
 * lets a path with spaces be written either way). Returns the word's end
 * in the line, or NULL at the end of the line. */
static const char *next_word(struct parser *p, const char *s, char *out, size_t outlen)
{
	size_t n = 0;
	bool quoted = false;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return NULL;
	for (; *s && (quoted || (*s != ' ' && *s != '\t')); s++) {
		char c = *s;

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (c == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			c = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		}
		if (n + 1 >= outlen) {
			perror_at(p, "word too long");
			return NULL;
		}
		out[n++] = c;
	}
	if (quoted)
		perror_at(p, "missing closing '\"'");
	out[n] = '\0';
	return s;
}

static uint32_t path_fsid(const char *path)
{
	uint32_t h = 2166136261u;	/* FNV-1a: stable across restarts */

	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 16777619u;
	return h;
}

bool exports_normalize_path(char *path)
{
	char *o = path;

	if (path[0] != '/')
		return false;
	for (const char *c = path; *c;) {
		size_t len;

		while (*c == '/')
			c++;
		len = strcspn(c, "/");
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (len) {
			*o++ = '/';
			memmove(o, c, len);
			o += len;
		}
		c += len;
	}
	if (o == path)
		*o++ = '/';
	*o = '\0';
	return true;
}

static bool normalize_path(struct parser *p, char *path)
{
	if (path[0] != '/') {
		perror_at(p, "%s: the export path must be absolute", path);
		return false;
	}
	if (!exports_normalize_path(path)) {
		perror_at(p, "%s: \".\" and \"..\" are not allowed in an export path", path);
		return false;
	}
	return true;
}

static struct export *export_for_path(struct parser *p, const char *path)
{
	struct exports *ex = p->ex;
	struct export *e, *v;

	for (size_t i = 0; i < ex->n; i++)
		if (strcmp(ex->v[i].path, path) == 0)
			return &ex->v[i];
	v = realloc(ex->v, (ex->n + 1) * sizeof *v);
	if (v == NULL)
		return NULL;
	ex->v = v;
	e = &v[ex->n];
	memset(e, 0, sizeof *e);
	e->path = strdup(path);
	e->file = strdup(p->filename);
	ex->n++;
	if (e->path == NULL || e->file == NULL)
		return NULL;
	e->line = p->line;
	return e;
}

static void add_client(struct parser *p, struct export *e, const char *word,
		       const struct export_options *line_defaults)
{
	const char *paren = strchr(word, '(');
	struct export_client c = { .opts = *line_defaults }, *v;
	size_t speclen = paren ? (size_t)(paren - word) : strlen(word);

	c.spec = strndup(word, speclen);
	if (c.spec == NULL) {
		perror_at(p, "out of memory");
		return;
	}
	if (paren) {
		size_t len = strlen(paren);

		if (paren[len - 1] != ')' || strchr(paren + 1, '(')) {
			perror_at(p, "syntax error: bad option list");
		} else {
			char *opts = strndup(paren + 1, len - 2);

			if (opts)
				parse_options(p, opts, &c.opts);
			free(opts);
		}
	} else {
		pwarn_at(p, "no options for %s %s: suggest %s(sync) to avoid warning",
			e->path, c.spec, c.spec);
	}
	if (speclen == 0)
		perror_at(p, "expected client(options...)");
	else
		parse_client_spec(p, c.spec, &c);
	for (size_t i = 0; i < e->nclients; i++)
		if (strcmp(e->clients[i].spec, c.spec) == 0)
			pwarn_at(p, "duplicated export entries: %s:%s", c.spec, e->path);
	v = realloc(e->clients, (e->nclients + 1) * sizeof *v);
	if (v == NULL) {
		free(c.spec);
		perror_at(p, "out of memory");
		return;
	}
	e->clients = v;
	e->clients[e->nclients++] = c;
}

static void parse_line(struct parser *p, const char *line)
{
	char word[EXPORTS_PATH_MAX + 256];
	struct export_options defaults = default_options;
	struct export *e;
	const char *s;
	size_t before;

	s = next_word(p, line, word, sizeof word);
	if (s == NULL)
		return;
	if (strlen(word) >= EXPORTS_PATH_MAX) {
		perror_at(p, "export path too long");
		return;
	}
	if (!normalize_path(p, word))
		return;
	e = export_for_path(p, word);
	if (e == NULL) {
		perror_at(p, "out of memory");
		return;
	}
	before = e->nclients;
	while ((s = next_word(p, s, word, sizeof word)) != NULL) {
		if (word[0] == '-' && e->nclients == before)
			parse_options(p, word + 1, &defaults);
		else
			add_client(p, e, word, &defaults);
	}
	if (e->nclients == before) {
		pwarn_at(p, "no host name given for %s: exporting to everyone (*)", e->path);
		add_client(p, e, "*(ro)", &defaults);
	}
}

/* Joins continued lines ("\" at the end) and hands each logical line on,
 * numbered by its first physical line as nfs-utils reports it. */
static void parse_text(struct parser *p, const char *text)
{
	struct strbuf logical = STRBUF_INIT;
	unsigned next_line = 1;

	while (*text) {
		const char *end = strchr(text, '\n');
		size_t len = end ? (size_t)(end - text) : strlen(text);
		bool continued = len > 0 && text[len - 1] == '\\';

		if (logical.len == 0)
			p->line = next_line;
		sb_addn(&logical, text, continued ? len - 1 : len);
		if (continued) {
			sb_add(&logical, " ");
		} else {
			parse_line(p, sb_str(&logical));
			sb_reset(&logical);
		}
		next_line++;
		text += len + (end ? 1 : 0);
	}
	if (logical.len)
		parse_line(p, sb_str(&logical));
	if (logical.oom)
		perror_at(p, "out of memory");
	sb_free(&logical);
}

/* Two exports whose paths became one (a symlink and its target, or the
 * same path in two files): one export, the clients of both, as knfsd
 * sees one directory. */
static bool merge_same_paths(struct parser *p)
{
	struct exports *ex = p->ex;

	for (size_t i = 0; i < ex->n; i++) {
		for (size_t j = i + 1; j < ex->n;) {
			struct export *a = &ex->v[i], *b = &ex->v[j];
			struct export_client *v;

			if (strcmp(a->path, b->path) != 0) {
				j++;
				continue;
			}
			v = realloc(a->clients, (a->nclients + b->nclients + 1) * sizeof *v);
			if (v == NULL)
				return false;
			a->clients = v;
			memcpy(v + a->nclients, b->clients, b->nclients * sizeof *v);
			a->nclients += b->nclients;
			b->nclients = 0;
			/* Keep a spelling clients may ask for. */
			if (a->written == NULL) {
				a->written = b->written;
				b->written = NULL;
			}
			p->filename = b->file;
			p->line = b->line;
			pwarn_at(p, "%s is the same directory as %s (%s:%u): their clients are "
				 "merged", b->written ? b->written : b->path,
				 a->written ? a->written : a->path, a->file, a->line);
			free(b->clients);
			free(b->path);
			free(b->written);
			free(b->file);
			memmove(b, b + 1, (ex->n - j - 1) * sizeof *b);
			ex->n--;
		}
	}
	return true;
}

/* The export's fsid: one given on any client line, or the path's hash;
 * distinct fsids keep handles of two exports apart. */
static void assign_fsids(struct parser *p)
{
	struct exports *ex = p->ex;

	for (size_t i = 0; i < ex->n; i++) {
		struct export *e = &ex->v[i];

		e->fsid = path_fsid(e->path);
		for (size_t c = 0; c < e->nclients; c++)
			if (e->clients[c].opts.has_fsid)
				e->fsid = e->clients[c].opts.fsid;
		for (size_t j = 0; j < i; j++) {
			if (ex->v[j].fsid == e->fsid) {
				p->filename = e->file;
				p->line = e->line;
				perror_at(p, "%s and %s have the same fsid %u: give one of them "
				      "another fsid=", ex->v[j].path, e->path, e->fsid);
			}
		}
	}
}

struct exports *exports_new(void)
{
	return calloc(1, sizeof(struct exports));
}

unsigned exports_parse_text(struct exports *ex, const char *text, const char *filename,
			    struct strbuf *diag)
{
	struct parser p = { .filename = filename, .diag = diag, .ex = ex };

	parse_text(&p, text);
	return p.errors;
}

unsigned exports_finish(struct exports *ex, struct strbuf *diag)
{
	struct parser p = { .filename = "exports", .diag = diag, .ex = ex };

	if (!merge_same_paths(&p))
		perror_at(&p, "out of memory");
	assign_fsids(&p);
	return p.errors;
}

struct exports *exports_parse(const char *text, const char *filename, struct strbuf *diag)
{
	struct exports *ex = exports_new();

	if (ex == NULL)
		return NULL;
	if (exports_parse_text(ex, text, filename, diag) + exports_finish(ex, diag) != 0) {
		exports_free(ex);
		return NULL;
	}
	return ex;
}

void exports_free(struct exports *ex)
{
	if (ex == NULL)
		return;
	for (size_t i = 0; i < ex->n; i++) {
		for (size_t c = 0; c < ex->v[i].nclients; c++) {
			free(ex->v[i].clients[c].spec);
			free(ex->v[i].clients[c].addrs);
		}
		free(ex->v[i].clients);
		free(ex->v[i].path);
		free(ex->v[i].written);
		free(ex->v[i].file);
	}
	free(ex->v);
	free(ex);
}

/* ---- matching ---------------------------------------------------------- */

static bool prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

int client_address(const struct sockaddr *sa, unsigned char out[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(out, &a->s6_addr[12], 4);
			return AF_INET;
		}
		memcpy(out, a, 16);
		return AF_INET6;
	}
	return AF_UNSPEC;
}

bool export_client_has_address(const struct export_client *c, int family,
			       const unsigned char *addr)
{
	switch (c->kind) {
	case CLIENT_ADDRESS:
	case CLIENT_NETWORK:
		return c->family == family && prefix_equal(c->addr, addr, c->prefixlen);
	case CLIENT_NAME:
		for (size_t i = 0; i < c->naddrs; i++)
			if (c->addrs[i].family == family &&
			    memcmp(c->addrs[i].addr, addr, family == AF_INET ? 4 : 16) == 0)
				return true;
		return false;
	case CLIENT_ANONYMOUS:
		return true;
	case CLIENT_WILDCARD:
	case CLIENT_KINDS:
		break;
	}
	return false;
}

bool export_client_has_name(const struct export_client *c, const char *name)
{
	return c->kind == CLIENT_WILDCARD && name && fnmatch(c->spec, name, FNM_CASEFOLD) == 0;
}

/* path is the export's path or below it: the length of the part that
 * matched, or -1. */
static ssize_t path_prefix(const char *export_path, const char *path)
{
	size_t len = strcmp(export_path, "/") == 0 ? 0 : strlen(export_path);

	if (strncmp(export_path, path, len) != 0 || (path[len] != '/' && path[len] != '\0'))
		return -1;
	return (ssize_t)len;
}

const struct export *exports_find_path(const struct exports *ex, const char *path,
				       const char **rest)
{
	const struct export *best = NULL;
	ssize_t best_len = -1;

	for (size_t i = 0; i < ex->n; i++) {
		/* Clients ask for the path they were told, as the admin
		 * wrote it: through the symlink too. */
		const char *spellings[] = { ex->v[i].path, ex->v[i].written };

		for (size_t k = 0; k < 2 && spellings[k]; k++) {
			ssize_t len = path_prefix(spellings[k], path);

			if (len > best_len) {
				best = &ex->v[i];
				best_len = len;
			}
		}
	}
	if (rest && best)
		*rest = path + best_len;
	return best;
}

const struct export *exports_find_fsid(const struct exports *ex, uint32_t fsid)
{
	for (size_t i = 0; i < ex->n; i++)
		if (ex->v[i].fsid == fsid)
			return &ex->v[i];
	return NULL;
}

void export_options_format(const struct export_options *o, struct strbuf *sb)
{
	sb_addf(sb, "%s,%s,%s,%s,%s", o->async ? "async" : "sync",
		o->subtree_check ? "subtree_check" : "no_subtree_check",
		o->rw ? "rw" : "ro", o->secure ? "secure" : "insecure",
		o->root_squash ? "root_squash" : "no_root_squash");
	if (o->all_squash)
		sb_add(sb, ",all_squash");
	if (!o->rdirplus)
		sb_add(sb, ",nordirplus");
	if (o->anonuid != ANON_ID || o->anongid != ANON_ID)
		sb_addf(sb, ",anonuid=%u,anongid=%u", o->anonuid, o->anongid);
	if (o->has_fsid)
		sb_addf(sb, ",fsid=%u", o->fsid);
}
