#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "diag.h"
#include "remap.h"

enum rule_flags {
	RULE_REWRITE = 1 << 0,	/* r */
	RULE_GLOBAL = 1 << 1,	/* g: repeat while it matches */
	RULE_EXIT = 1 << 2,	/* e */
	RULE_RESTART = 1 << 3,	/* s */
	RULE_ABORT = 1 << 4,	/* a */
	RULE_INVERSE = 1 << 5,	/* ~ */
	RULE_IPV4 = 1 << 6,	/* 4 */
	RULE_IPV6 = 1 << 7,	/* 6 */
	RULE_RRQ = 1 << 8,	/* G */
	RULE_WRQ = 1 << 9,	/* P */
};

static const struct {
	char letter;
	unsigned flag;
} flag_letters[] = {
	{ 'r', RULE_REWRITE }, { 'g', RULE_GLOBAL }, { 'e', RULE_EXIT },
	{ 's', RULE_RESTART }, { 'a', RULE_ABORT }, { '~', RULE_INVERSE },
	{ '4', RULE_IPV4 }, { '6', RULE_IPV6 }, { 'G', RULE_RRQ }, { 'P', RULE_WRQ },
};

struct rule {
	unsigned flags;
	unsigned line;
	regex_t rx;
	char *replacement;
};

struct remap {
	size_t n;
	struct rule *rules;
};

/* A growable string with a hard cap, for rewrite results. */
struct strbuf {
	char *s;
	size_t len, cap;
	bool overflow;
};

static void sb_putc(struct strbuf *b, char c)
{
	if (b->len + 1 >= REMAP_MAX_LEN) {
		b->overflow = true;
		return;
	}
	if (b->len + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *s = realloc(b->s, cap);

		if (s == NULL) {
			b->overflow = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void sb_put(struct strbuf *b, const char *s, size_t n, int (*xform)(int))
{
	size_t i;

	for (i = 0; i < n; i++)
		sb_putc(b, xform ? (char)xform((unsigned char)s[i]) : s[i]);
}

static char *sb_finish(struct strbuf *b)
{
	if (b->overflow) {
		free(b->s);
		return NULL;
	}
	if (b->s == NULL)
		return strdup("");
	return b->s;
}

/* Next whitespace-delimited token, malloc'd; a backslash keeps the next
 * character (so "\ " and "\#" stay in the token), an unescaped '#' starts
 * a comment. NULL at the end of the line. */
static char *next_token(const char **p)
{
	const char *s = *p, *start;
	bool escaped = false;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#') {
		*p = s;
		return NULL;
	}
	for (start = s; *s; s++) {
		if (!escaped && (isspace((unsigned char)*s) || *s == '#'))
			break;
		escaped = !escaped && *s == '\\';
	}
	*p = s;
	return strndup(start, (size_t)(s - start));
}

static int parse_flags(const char *tok, unsigned *flags, int *rxflags, char *bad)
{
	const char *c;
	size_t i;

	*flags = 0;
	*rxflags = REG_EXTENDED;
	for (c = tok; *c; c++) {
		if (*c == 'i') {
			*rxflags |= REG_ICASE;
			continue;
		}
		for (i = 0; i < sizeof(flag_letters) / sizeof(flag_letters[0]); i++)
			if (flag_letters[i].letter == *c)
				break;
		if (i == sizeof(flag_letters) / sizeof(flag_letters[0])) {
			*bad = *c;
			return -1;
		}
		*flags |= flag_letters[i].flag;
	}
	return 0;
}

/* Returns 1 for a rule, 0 for a blank or comment line, -1 for an error. */
static int parse_line(const char *line, unsigned lineno, struct rule *r, char *err,
		      size_t errlen)
{
	const char *p = line;
	char *ops, *regex = NULL, *repl = NULL, bad = 0;
	int rxflags, rc, ret = -1;

	ops = next_token(&p);
	if (ops == NULL)
		return 0;
	memset(r, 0, sizeof(*r));
	r->line = lineno;
	if (parse_flags(ops, &r->flags, &rxflags, &bad) < 0) {
		snprintf(err, errlen, "invalid flag '%c' in \"%s\"", bad, ops);
		goto out;
	}
	if ((r->flags & RULE_REWRITE) && (r->flags & RULE_INVERSE)) {
		snprintf(err, errlen, "flags 'r' and '~' cannot be combined");
		goto out;
	}
	regex = next_token(&p);
	if (regex == NULL) {
		snprintf(err, errlen, "no regex after \"%s\"", ops);
		goto out;
	}
	rc = regcomp(&r->rx, regex, rxflags);
	if (rc != 0) {
		char msg[128];

		regerror(rc, &r->rx, msg, sizeof(msg));
		snprintf(err, errlen, "bad regex \"%s\": %s", regex, msg);
		goto out;
	}
	repl = next_token(&p);
	r->replacement = repl ? repl : strdup("");
	repl = NULL;
	if (r->replacement == NULL) {
		regfree(&r->rx);
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ret = 1;
out:
	free(ops);
	free(regex);
	free(repl);
	return ret;
}

void remap_free(struct remap *rules)
{
	size_t i;

	if (rules == NULL)
		return;
	for (i = 0; i < rules->n; i++) {
		regfree(&rules->rules[i].rx);
		free(rules->rules[i].replacement);
	}
	free(rules->rules);
	free(rules);
}

struct remap *remap_parse(FILE *f, const char *name, char *err, size_t errlen)
{
	struct remap *m = calloc(1, sizeof(*m));
	char *line = NULL, lerr[256];
	size_t linecap = 0, cap = 0;
	unsigned lineno = 0;
	ssize_t len;

	if (m == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	while ((len = getline(&line, &linecap, f)) >= 0) {
		struct rule r;
		int rc;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		rc = parse_line(line, lineno, &r, lerr, sizeof(lerr));
		if (rc < 0) {
			diag_format(err, errlen, (struct diag_pos){ name, lineno, 0 }, NULL, "%s",
				    lerr);
			goto fail;
		}
		if (rc == 0)
			continue;
		if (m->n == cap) {
			struct rule *nr = realloc(m->rules, (cap = cap ? cap * 2 : 8) * sizeof(*nr));

			if (nr == NULL) {
				regfree(&r.rx);
				free(r.replacement);
				snprintf(err, errlen, "%s: out of memory", name);
				goto fail;
			}
			m->rules = nr;
		}
		m->rules[m->n++] = r;
	}
	free(line);
	return m;
fail:
	free(line);
	remap_free(m);
	return NULL;
}

static void put_hex(struct strbuf *b, const struct sockaddr *sa)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n, i;
	const unsigned char *bytes = addr_bytes(sa, &n);

	for (i = 0; bytes && i < n; i++) {
		sb_putc(b, hex[bytes[i] >> 4]);
		sb_putc(b, hex[bytes[i] & 15]);
	}
}

/* Expands a replacement pattern into b: \0-\9, \i, \x, \U, \L, \E; any
 * other escaped character stands for itself. */
static void expand(struct strbuf *b, const char *pattern, const char *input,
		   const regmatch_t *pm, const struct remap_request *rq)
{
	int (*xform)(int) = NULL;
	const char *p;

	for (p = pattern; *p; p++) {
		char text[ADDR_STRLEN];

		if (*p != '\\') {
			sb_put(b, p, 1, xform);
			continue;
		}
		if (p[1] == '\0') {
			sb_putc(b, '\\');
			break;
		}
		p++;
		if (*p >= '0' && *p <= '9') {
			const regmatch_t *m = &pm[*p - '0'];

			if (m->rm_so >= 0)
				sb_put(b, input + m->rm_so, (size_t)(m->rm_eo - m->rm_so), xform);
		} else if (*p == 'i') {
			addr_ntop(rq->client, text, sizeof(text));
			sb_put(b, text, strlen(text), xform);
		} else if (*p == 'x') {
			put_hex(b, rq->client);
		} else if (*p == 'U') {
			xform = toupper;
		} else if (*p == 'L') {
			xform = tolower;
		} else if (*p == 'E') {
			xform = NULL;
		} else {
			sb_put(b, p, 1, xform);
		}
	}
}

/* The input with the first match replaced by the expanded pattern. */
static char *substitute(const struct rule *r, const char *input, const regmatch_t *pm,
			const struct remap_request *rq)
{
	struct strbuf b = { 0 };

	sb_put(&b, input, (size_t)pm[0].rm_so, NULL);
	expand(&b, r->replacement, input, pm, rq);
	sb_put(&b, input + pm[0].rm_eo, strlen(input + pm[0].rm_eo), NULL);
	return sb_finish(&b);
}

static bool rule_applies(const struct rule *r, const struct remap_request *rq)
{
	int family = rq->client ? rq->client->sa_family : AF_UNSPEC;

	if ((r->flags & RULE_RRQ) && rq->is_wrq)
		return false;
	if ((r->flags & RULE_WRQ) && !rq->is_wrq)
		return false;
	if ((r->flags & RULE_IPV4) && family != AF_INET)
		return false;
	if ((r->flags & RULE_IPV6) && family != AF_INET6)
		return false;
	return true;
}

static bool rule_matches(const struct rule *r, const char *s, regmatch_t *pm)
{
	size_t i;

	if (regexec(&r->rx, s, 10, pm, 0) == 0)
		return !(r->flags & RULE_INVERSE);
	/* An inverse rule's replacement has no match to refer to. */
	for (i = 0; i < 10; i++)
		pm[i].rm_so = pm[i].rm_eo = -1;
	return r->flags & RULE_INVERSE;
}

static enum remap_result deny(char **out, char *msg)
{
	*out = msg;
	return REMAP_DENY;
}

/* A trace line naming s, escaped: it came from the network. */
static void trace(const char *what, unsigned line, const char *s)
{
	char *text = log_escape(s);

	if (line)
		logmsg(LOG_INFO, "remap: rule %u: %s: %s", line, what, text ? text : "?");
	else
		logmsg(LOG_INFO, "remap: %s: %s", what, text ? text : "?");
	free(text);
}

enum remap_result remap_apply(const struct remap *rules, const char *input,
			      const struct remap_request *rq, char **out)
{
	char *cur = strdup(input), *before = NULL;
	regmatch_t pm[10];
	int steps = 0;
	size_t i = 0;

	if (cur == NULL)
		return deny(out, strdup("Remap table failure"));
	if (rq->trace)
		trace("input", 0, cur);
	while (i < rules->n) {
		const struct rule *r = &rules->rules[i];
		/* The string pm's offsets are into. */
		const char *matched = cur;

		if (++steps > REMAP_MAX_STEPS)
			goto loop;
		if (!rule_applies(r, rq) || !rule_matches(r, cur, pm)) {
			i++;
			continue;
		}
		if (r->flags & RULE_REWRITE) {
			do {
				char *next = substitute(r, cur, pm, rq);

				free(before);
				before = cur;
				cur = next;
				if (cur == NULL) {
					free(before);
					return deny(out, strdup("Remap table failure"));
				}
				if (rq->trace)
					trace("rewrite", r->line, cur);
				/* Without 'g', pm is still the match in the
				 * string before the rewrite: an 'a' message
				 * is expanded from that string (tftpd-hpa's
				 * answer too), never from the new one. */
				matched = before;
				if (!(r->flags & RULE_GLOBAL))
					break;
				if (++steps > REMAP_MAX_STEPS)
					goto loop;
				matched = cur;
			} while (rule_matches(r, cur, pm));
		}
		if (r->flags & RULE_ABORT) {
			struct strbuf b = { 0 };
			char *msg;

			expand(&b, r->replacement, matched, pm, rq);
			msg = sb_finish(&b);
			if (rq->trace)
				trace("abort", r->line, cur);
			free(cur);
			free(before);
			if (msg != NULL && msg[0] == '\0') {
				free(msg);
				msg = NULL;
			}
			return deny(out, msg ? msg : strdup("Access denied"));
		}
		if (r->flags & RULE_EXIT) {
			if (rq->trace)
				logmsg(LOG_INFO, "remap: rule %u: exit", r->line);
			break;
		}
		if (r->flags & RULE_RESTART) {
			if (rq->trace)
				logmsg(LOG_INFO, "remap: rule %u: restart", r->line);
			i = 0;
			continue;
		}
		i++;
	}
	if (rq->trace)
		logmsg(LOG_INFO, "remap: done");
	free(before);
	*out = cur;
	return REMAP_OK;
loop:
	{
		char *in_text = log_escape(input), *cur_text = log_escape(cur);

		logmsg(LOG_ERR, "remap: Breaking loop, input = %s, last = %s",
		       in_text ? in_text : "?", cur_text ? cur_text : "?");
		free(in_text);
		free(cur_text);
	}
	free(cur);
	free(before);
	return deny(out, strdup("Remap table failure"));
}
