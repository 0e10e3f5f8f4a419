/* pxekit.conf(5) parser. Statements are one per line: a keyword and its
 * arguments; subnet, profile and host also take their settings either on
 * the same line or in a { ... } block, one or more per line. Every value
 * is checked against what its field may hold before any emitter sees it,
 * because these values end up inside dhcpd.conf, Kea JSON, dnsmasq and
 * boot-loader scripts, where a quote or a ';' would inject configuration. */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bigmem.h"
#include "diag.h"
#include "inventory.h"
#include "strnum.h"

#define MAX_ERRORS 20
#define MAX_TOKENS 32

enum tok_type { TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE, TOK_EOL, TOK_EOF };

struct token {
	enum tok_type type;
	char *text;		/* WORD and STRING only */
	struct inv_pos pos;
};

struct parser {
	const char *p, *end;
	struct inv_pos at;
	const char *source;
	struct strbuf *diag;
	unsigned errors;
	struct inventory *inv;
	const struct inv_include_ops *inc;
	unsigned depth;
	const struct parser *includer;	/* the file whose include this is */
};

/* One statement: its tokens, and whether a '{' ended it. */
struct stmt {
	size_t n;
	struct token tok[MAX_TOKENS];
	bool block;
	struct inv_pos end;
};

static void __attribute__((format(printf, 4, 0)))
diag(struct parser *ps, const char *kind, struct inv_pos pos, const char *fmt, va_list ap)
{
	diag_vadd(ps->diag, (struct diag_pos){ pos.file ? pos.file : ps->source, pos.line, pos.col },
		  kind, fmt, ap);
}

static void __attribute__((format(printf, 3, 4)))
error_at(struct parser *ps, struct inv_pos pos, const char *fmt, ...)
{
	va_list ap;

	ps->errors++;
	if (ps->errors > MAX_ERRORS)
		return;
	va_start(ap, fmt);
	diag(ps, "error", pos, fmt, ap);
	va_end(ap);
	if (ps->errors == MAX_ERRORS)
		sb_addf(ps->diag, "%s: too many errors, stopping\n", ps->source);
}

static void __attribute__((format(printf, 3, 4)))
warning_at(struct parser *ps, struct inv_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag(ps, "warning", pos, fmt, ap);
	va_end(ap);
}

/* ---- lexer --------------------------------------------------------- */

static int peekc(const struct parser *ps)
{
	return ps->p < ps->end ? (unsigned char)*ps->p : -1;
}

static void advance(struct parser *ps)
{
	if (*ps->p == '\n') {
		ps->at.line++;
		ps->at.col = 1;
	} else {
		ps->at.col++;
	}
	ps->p++;
}

static char *slice(const char *s, size_t n)
{
	char *t = malloc(n + 1);

	if (t) {
		memcpy(t, s, n);
		t[n] = '\0';
	}
	return t;
}

static bool is_word_char(int c)
{
	return c > ' ' && c != '{' && c != '}' && c != '"' && c != 0x7f;
}

/* Returns false on a lexical error (already reported). */
static bool next_token(struct parser *ps, struct token *t)
{
	const char *start;
	int c;

	t->text = NULL;
	for (;;) {
		c = peekc(ps);
		if (c == ' ' || c == '\t' || c == '\r')
			advance(ps);
		else if (c == '#')
			while (peekc(ps) != -1 && peekc(ps) != '\n')
				advance(ps);
		else
			break;
	}
	t->pos = ps->at;
	if (c == -1) {
		t->type = TOK_EOF;
		return true;
	}
	if (c == '\n' || c == '{' || c == '}') {
		t->type = c == '\n' ? TOK_EOL : c == '{' ? TOK_LBRACE : TOK_RBRACE;
		advance(ps);
		return true;
	}
	if (c == '"') {
		advance(ps);
		start = ps->p;
		while (peekc(ps) != -1 && peekc(ps) != '"' && peekc(ps) != '\n')
			advance(ps);
		if (peekc(ps) != '"') {
			error_at(ps, t->pos, "unterminated string");
			return false;
		}
		t->type = TOK_STRING;
		t->text = slice(start, (size_t)(ps->p - start));
		advance(ps);
		return t->text != NULL;
	}
	if (c < ' ' || c == 0x7f) {
		error_at(ps, t->pos, "control character 0x%02x", (unsigned)c);
		advance(ps);
		return false;
	}
	start = ps->p;
	while (is_word_char(peekc(ps)))
		advance(ps);
	t->type = TOK_WORD;
	t->text = slice(start, (size_t)(ps->p - start));
	return t->text != NULL;
}

static void stmt_clear(struct stmt *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->tok[i].text);
	st->n = 0;
	st->block = false;
}

/* Reads the tokens up to the end of the line, a '{' or a lone '}'.
 * Returns the type of token that ended the statement; on a lexical error
 * the rest of the line is skipped and TOK_EOL returned with n == 0. */
static enum tok_type read_stmt(struct parser *ps, struct stmt *st)
{
	struct token t;

	stmt_clear(st);
	for (;;) {
		if (!next_token(ps, &t)) {
			stmt_clear(st);
			while (peekc(ps) != -1 && peekc(ps) != '\n')
				advance(ps);
			return TOK_EOL;
		}
		switch (t.type) {
		case TOK_WORD:
		case TOK_STRING:
			if (st->n == MAX_TOKENS) {
				error_at(ps, t.pos, "too many words in one statement");
				free(t.text);
				continue;
			}
			st->tok[st->n++] = t;
			continue;
		case TOK_LBRACE:
			st->block = true;
			st->end = t.pos;
			/* Only the end of the line may follow a '{'. */
			if (!next_token(ps, &t))
				return TOK_EOL;
			if (t.type != TOK_EOL && t.type != TOK_EOF) {
				error_at(ps, t.pos, "a new line must follow '{'");
				free(t.text);
				while (peekc(ps) != -1 && peekc(ps) != '\n')
					advance(ps);
			}
			return TOK_LBRACE;
		case TOK_RBRACE:
			st->end = t.pos;
			if (st->n) {
				error_at(ps, t.pos, "'}' must be on a line of its own");
				stmt_clear(st);
			}
			return TOK_RBRACE;
		default:
			st->end = t.pos;
			return t.type;
		}
	}
}

/* ---- values -------------------------------------------------------- */

static struct inv_pos char_pos(const struct token *t, size_t i)
{
	struct inv_pos pos = t->pos;

	pos.col += (unsigned)i + (t->type == TOK_STRING);
	return pos;
}

static bool check_length(struct parser *ps, const struct token *t, const char *what, size_t max)
{
	size_t len = strlen(t->text);

	if (len == 0) {
		error_at(ps, t->pos, "empty %s", what);
		return false;
	}
	if (len > max) {
		error_at(ps, t->pos, "%s is %zu characters long; at most %zu are allowed",
			 what, len, max);
		return false;
	}
	return true;
}

/* Host and profile names: they become dhcpd host names, dnsmasq tags,
 * PXELINUX labels and iPXE goto labels, so letters, digits and '-' only. */
static bool check_name(struct parser *ps, const struct token *t, const char *what)
{
	const char *s = t->text;

	if (!check_length(ps, t, what, INV_NAME_MAX))
		return false;
	for (size_t i = 0; s[i]; i++) {
		bool ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			  (s[i] >= '0' && s[i] <= '9') || (s[i] == '-' && i > 0);
		if (!ok) {
			error_at(ps, char_pos(t, i),
				 "character '%c' is not allowed in a %s (letters, digits and '-')",
				 s[i], what);
			return false;
		}
	}
	return true;
}

/* dnsmasq's dhcp-host reads a field as a lease time when it is digits
 * with at most one w/d/h/m/s after them (a lone letter is eaten the same
 * way), and "infinite" and "ignore" as keywords (dnsmasq src/option.c),
 * so a host with such a name would lose its name, get a lease time or
 * never be answered. Refused for every format: one inventory, one
 * meaning. */
static bool dnsmasq_keyword(const char *s)
{
	size_t n = strlen(s);

	if (strcasecmp(s, "infinite") == 0 || strcasecmp(s, "ignore") == 0)
		return true;
	if (n && strchr("wWdDhHmMsS", s[n - 1]))
		n--;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool check_host_name(struct parser *ps, const struct token *t, const char *what)
{
	if (!check_name(ps, t, what))
		return false;
	if (dnsmasq_keyword(t->text)) {
		error_at(ps, t->pos,
			 "host name '%s' reads as a lease time or keyword in dnsmasq; choose another",
			 t->text);
		return false;
	}
	return true;
}

/* Boot file paths and URLs: every character that means something in one
 * of the output languages (quotes, ';', ',', '{', '$', '\', spaces) is
 * refused rather than escaped, since no real boot file needs one. */
static bool check_path(struct parser *ps, const struct token *t, const char *what)
{
	static const char allowed[] = "._-/+~:=?&%@";
	const char *s = t->text;

	if (!check_length(ps, t, what, INV_PATH_MAX))
		return false;
	for (size_t i = 0; s[i]; i++) {
		bool ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			  (s[i] >= '0' && s[i] <= '9') || strchr(allowed, s[i]);
		if (!ok) {
			error_at(ps, char_pos(t, i), "character '%c' is not allowed in a %s",
				 s[i], what);
			return false;
		}
	}
	if (s[0] == '-') {
		error_at(ps, t->pos, "a %s may not start with '-'", what);
		return false;
	}
	/* dnsmasq reads a leading tag:, set: or net: field of dhcp-boot as
	 * a tag, not as the file. */
	if (strncmp(s, "tag:", 4) == 0 || strncmp(s, "set:", 4) == 0 ||
	    strncmp(s, "net:", 4) == 0) {
		error_at(ps, t->pos, "a %s may not start with '%.4s' (dnsmasq reads it as a tag)",
			 what, s);
		return false;
	}
	for (const char *c = s; (c = strstr(c, "..")) != NULL; c++)
		if ((c == s || c[-1] == '/') && (c[2] == '\0' || c[2] == '/')) {
			error_at(ps, char_pos(t, (size_t)(c - s)),
				 "'..' is not allowed in a %s", what);
			return false;
		}
	return true;
}

/* Menu labels and kernel command lines: printable text without the
 * quoting and expansion characters of the loaders' script languages. */
static bool check_text(struct parser *ps, const struct token *t, const char *what)
{
	static const char refused[] = "\"'\\`$";
	const char *s = t->text;

	if (s[0] == '\0' || strlen(s) > INV_TEXT_MAX)
		return check_length(ps, t, what, INV_TEXT_MAX);
	for (size_t i = 0; s[i]; i++)
		if ((unsigned char)s[i] < ' ' || (unsigned char)s[i] > '~' || strchr(refused, s[i])) {
			error_at(ps, char_pos(t, i), "character '%c' is not allowed in a %s",
				 (unsigned char)s[i] < ' ' ? '?' : s[i], what);
			return false;
		}
	return true;
}

static bool parse_ipv4_text(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static bool value_ipv4(struct parser *ps, const struct token *t, uint32_t *out)
{
	if (!parse_ipv4_text(t->text, out)) {
		error_at(ps, t->pos, "'%s' is not an IPv4 address", t->text);
		return false;
	}
	return true;
}

static bool value_ipv6(struct parser *ps, const struct token *t, uint8_t out[16])
{
	if (inet_pton(AF_INET6, t->text, out) != 1) {
		error_at(ps, t->pos, "'%s' is not an IPv6 address", t->text);
		return false;
	}
	return true;
}

/* Domain names for options 15 and 119: DNS labels joined by dots. */
static bool check_domain(struct parser *ps, const struct token *t, const char *what)
{
	const char *s = t->text;
	size_t label = 0;

	if (!check_length(ps, t, what, 253))
		return false;
	for (size_t i = 0; s[i]; i++) {
		bool alnum = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			     (s[i] >= '0' && s[i] <= '9');

		if (s[i] == '.' && label > 0) {
			label = 0;
		} else if (alnum || (s[i] == '-' && label > 0)) {
			if (++label > 63) {
				error_at(ps, char_pos(t, i), "a label of a %s is at most 63 characters",
					 what);
				return false;
			}
		} else {
			error_at(ps, char_pos(t, i),
				 "character '%c' is not allowed here in a %s (labels of letters, digits and '-', joined by '.')",
				 s[i], what);
			return false;
		}
	}
	if (label == 0) {
		error_at(ps, t->pos, "a %s may not end with '.'", what);
		return false;
	}
	return true;
}

static bool value_seconds(struct parser *ps, const struct token *t, unsigned *out)
{
	uintmax_t v;

	/* A minute to a year: shorter leases flood the server, longer ones
	 * overflow dnsmasq's and Kea's 32-bit lifetimes in no useful way. */
	if (!parse_uint(t->text, 60, 31536000, &v)) {
		error_at(ps, t->pos, "'%s' is not a lease time in seconds (60-31536000)", t->text);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff, either case. */
static bool value_mac(struct parser *ps, const struct token *t, uint8_t mac[6])
{
	const char *s = t->text;

	if (strlen(s) != 17)
		goto bad;
	for (size_t i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0)
			goto bad;
		if (i < 5 && s[3 * i + 2] != s[2])
			goto bad;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (s[2] != ':' && s[2] != '-')
		goto bad;
	if (mac[0] & 1) {
		error_at(ps, t->pos, "%s is a multicast address, not a NIC's", s);
		return false;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		error_at(ps, t->pos, "00:00:00:00:00:00 is not a NIC's address");
		return false;
	}
	return true;
bad:
	error_at(ps, t->pos, "'%s' is not a MAC address (write aa:bb:cc:dd:ee:ff)", s);
	return false;
}

static char *dup_value(struct parser *ps, const struct token *t)
{
	char *s = strdup(t->text);

	if (!s)
		error_at(ps, t->pos, "out of memory");
	return s;
}

typedef bool check_fn(struct parser *ps, const struct token *t, const char *what);

/* Replaces *field, refusing a second setting of the same thing. */
static bool set_string(struct parser *ps, const struct token *key, const struct token *t,
		       char **field, check_fn *check, const char *what)
{
	if (*field) {
		error_at(ps, key->pos, "%s given twice", key->text);
		return false;
	}
	if (!check(ps, t, what))
		return false;
	*field = dup_value(ps, t);
	return *field != NULL;
}

/* ---- subnet, profile and host settings ----------------------------- */

/* A setting inside a block: key, how many values, and what to do. A
 * setting without a handler is a field of the object: a checked string
 * (one value) or a flag (no value), at offset. */
struct setting {
	const char *key;
	size_t nargs;	/* values after the key; SIZE_MAX: one or more */
	bool (*set)(struct parser *ps, void *obj, const struct token *key,
		    const struct token *args, size_t n);
	size_t offset;
	check_fn *check;
	const char *what;
};

#define STRING_FIELD(key, type, field, check, what) \
	{ key, 1, NULL, offsetof(type, field), check, what }
#define FLAG_FIELD(key, type, field) { key, 0, NULL, offsetof(type, field), NULL, NULL }

static bool subnet_range(struct parser *ps, void *obj, const struct token *key,
			 const struct token *a, size_t n)
{
	struct inv_subnet *sn = obj;

	(void)n;
	if (sn->has_range) {
		error_at(ps, key->pos, "range given twice (one range per subnet)");
		return false;
	}
	sn->range_pos = key->pos;
	if (!value_ipv4(ps, &a[0], &sn->range_lo) || !value_ipv4(ps, &a[1], &sn->range_hi))
		return false;
	sn->has_range = true;
	return true;
}

static bool subnet_router(struct parser *ps, void *obj, const struct token *key,
			  const struct token *a, size_t n)
{
	struct inv_subnet *sn = obj;

	(void)n;
	if (sn->has_router) {
		error_at(ps, key->pos, "router given twice");
		return false;
	}
	sn->has_router = value_ipv4(ps, &a[0], &sn->router);
	return sn->has_router;
}

static bool subnet_dns(struct parser *ps, void *obj, const struct token *key,
		       const struct token *a, size_t n)
{
	struct inv_subnet *sn = obj;

	if (sn->ndns + n > sizeof sn->dns / sizeof sn->dns[0]) {
		error_at(ps, key->pos, "at most %zu dns servers per subnet",
			 sizeof sn->dns / sizeof sn->dns[0]);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (!value_ipv4(ps, &a[i], &sn->dns[sn->ndns++]))
			return false;
	return true;
}

static bool subnet_lease_time(struct parser *ps, void *obj, const struct token *key,
			      const struct token *a, size_t n)
{
	struct inv_subnet *sn = obj;

	(void)n;
	if (sn->lease_time) {
		error_at(ps, key->pos, "lease-time given twice");
		return false;
	}
	return value_seconds(ps, &a[0], &sn->lease_time);
}

static bool subnet_search(struct parser *ps, void *obj, const struct token *key,
			  const struct token *a, size_t n)
{
	struct inv_subnet *sn = obj;

	if (sn->nsearch + n > INV_MAX_LIST) {
		error_at(ps, key->pos, "at most %d search domains per subnet", INV_MAX_LIST);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!check_domain(ps, &a[i], "search domain"))
			return false;
		if (!(sn->search[sn->nsearch] = dup_value(ps, &a[i])))
			return false;
		sn->nsearch++;
	}
	return true;
}

static bool subnet_ntp(struct parser *ps, void *obj, const struct token *key,
		       const struct token *a, size_t n)
{
	struct inv_subnet *sn = obj;

	if (sn->nntp + n > INV_MAX_LIST) {
		error_at(ps, key->pos, "at most %d ntp servers per subnet", INV_MAX_LIST);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (!value_ipv4(ps, &a[i], &sn->ntp[sn->nntp++]))
			return false;
	return true;
}

static bool subnet_next_server(struct parser *ps, void *obj, const struct token *key,
			       const struct token *a, size_t n);	/* DHCP failover block */
static bool subnet_http_server(struct parser *ps, void *obj, const struct token *key,
			       const struct token *a, size_t n);	/* HTTP boot path block */

static const struct setting subnet_settings[] = {
	{ "range", 2, subnet_range, 0, NULL, NULL },
	{ "router", 1, subnet_router, 0, NULL, NULL },
	{ "dns", SIZE_MAX, subnet_dns, 0, NULL, NULL },
	{ "lease-time", 1, subnet_lease_time, 0, NULL, NULL },
	STRING_FIELD("domain", struct inv_subnet, domain, check_domain, "domain name"),
	{ "search", SIZE_MAX, subnet_search, 0, NULL, NULL },
	{ "ntp", SIZE_MAX, subnet_ntp, 0, NULL, NULL },
	FLAG_FIELD("proxy", struct inv_subnet, proxy),
	{ "next-server", 1, subnet_next_server, 0, NULL, NULL },
	{ "http-server", 1, subnet_http_server, 0, NULL, NULL },
	{ NULL, 0, NULL, 0, NULL, NULL },
};

static bool subnet6_range(struct parser *ps, void *obj, const struct token *key,
			  const struct token *a, size_t n)
{
	struct inv_subnet6 *sn = obj;

	(void)n;
	if (sn->has_range) {
		error_at(ps, key->pos, "range given twice (one range per subnet)");
		return false;
	}
	if (!value_ipv6(ps, &a[0], sn->range_lo) || !value_ipv6(ps, &a[1], sn->range_hi))
		return false;
	sn->has_range = true;
	return true;
}

static bool subnet6_dns(struct parser *ps, void *obj, const struct token *key,
			const struct token *a, size_t n)
{
	struct inv_subnet6 *sn = obj;

	if (sn->ndns + n > INV_MAX_LIST) {
		error_at(ps, key->pos, "at most %d dns servers per subnet", INV_MAX_LIST);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (!value_ipv6(ps, &a[i], sn->dns[sn->ndns++]))
			return false;
	return true;
}

static bool subnet6_lease_time(struct parser *ps, void *obj, const struct token *key,
			       const struct token *a, size_t n)
{
	struct inv_subnet6 *sn = obj;

	(void)n;
	if (sn->lease_time) {
		error_at(ps, key->pos, "lease-time given twice");
		return false;
	}
	return value_seconds(ps, &a[0], &sn->lease_time);
}

/* A Linux interface name (IFNAMSIZ - 1 characters), as Kea takes it. */
static bool check_ifname(struct parser *ps, const struct token *t, const char *what)
{
	const char *s = t->text;

	if (!check_length(ps, t, what, 15))
		return false;
	for (size_t i = 0; s[i]; i++) {
		bool ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			  (s[i] >= '0' && s[i] <= '9') || (s[i] && strchr("._-", s[i]) && i > 0);

		if (!ok) {
			error_at(ps, char_pos(t, i), "character '%c' is not allowed in an %s",
				 s[i], what);
			return false;
		}
	}
	return true;
}

static const struct setting subnet6_settings[] = {
	{ "range", 2, subnet6_range, 0, NULL, NULL },
	STRING_FIELD("interface", struct inv_subnet6, interface, check_ifname, "interface name"),
	{ "dns", SIZE_MAX, subnet6_dns, 0, NULL, NULL },
	{ "lease-time", 1, subnet6_lease_time, 0, NULL, NULL },
	{ NULL, 0, NULL, 0, NULL, NULL },
};

static const struct setting profile_settings[] = {
	STRING_FIELD("label", struct inv_profile, label, check_text, "label"),
	STRING_FIELD("kernel", struct inv_profile, kernel, check_path, "kernel path"),
	STRING_FIELD("initrd", struct inv_profile, initrd, check_path, "initrd path"),
	STRING_FIELD("append", struct inv_profile, append, check_text, "kernel command line"),
	FLAG_FIELD("localboot", struct inv_profile, localboot),
	{ NULL, 0, NULL, 0, NULL, NULL },
};

static bool host_mac(struct parser *ps, void *obj, const struct token *key,
		     const struct token *a, size_t n)
{
	struct inv_host *h = obj;

	(void)n;
	if (h->has_mac) {
		error_at(ps, key->pos, "mac given twice (one host per NIC)");
		return false;
	}
	h->mac_pos = a[0].pos;
	h->has_mac = value_mac(ps, &a[0], h->mac);
	return h->has_mac;
}

static bool host_address(struct parser *ps, void *obj, const struct token *key,
			 const struct token *a, size_t n)
{
	struct inv_host *h = obj;

	(void)n;
	if (h->has_address) {
		error_at(ps, key->pos, "address given twice");
		return false;
	}
	h->address_pos = a[0].pos;
	h->has_address = value_ipv4(ps, &a[0], &h->address);
	return h->has_address;
}

static bool host_profile(struct parser *ps, void *obj, const struct token *key,
			 const struct token *a, size_t n)
{
	struct inv_host *h = obj;

	(void)n;
	h->profile_pos = a[0].pos;
	return set_string(ps, key, a, &h->profile_name, check_name, "profile name");
}

/* Template variables of a host's append, expanded by pxe-dhcpgen when
 * it writes the host's menu files (pxekit.conf(5) TEMPLATES). */
static const char *const template_vars[] = {
	"hostname", "mac", "mac-dashes", "mac-pxelinux", "mac-hex", "ip", "server",
};

static bool is_template_var(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof template_vars / sizeof template_vars[0]; i++)
		if (strlen(template_vars[i]) == len && strncmp(template_vars[i], name, len) == 0)
			return true;
	return false;
}

/* The template syntax only; the characters around it are checked as a
 * command line once expanded, by check_text. */
static bool check_template(struct parser *ps, const struct token *t, const char *what)
{
	const char *s = t->text;

	if (!check_length(ps, t, what, INV_TEXT_MAX))
		return false;
	for (size_t i = 0; s[i]; i++) {
		const char *close;

		if (s[i] != '$')
			continue;
		close = s[i + 1] == '{' ? strchr(s + i + 2, '}') : NULL;
		if (!close || !is_template_var(s + i + 2, (size_t)(close - s - i - 2))) {
			error_at(ps, char_pos(t, i),
				 "'$' starts a template variable: ${hostname}, ${mac}, ${mac-dashes}, ${mac-pxelinux}, ${mac-hex}, ${ip} or ${server}");
			return false;
		}
		i = (size_t)(close - s);
	}
	return true;
}

static bool set_template(struct parser *ps, const struct token *key, const struct token *a,
			 char **field)
{
	return set_string(ps, key, a, field, check_template, "append text");
}

static bool add_arch_boot(struct parser *ps, const struct token *kind, const struct token *file,
			  struct inv_boot **boots, size_t *n);

static bool host_append(struct parser *ps, void *obj, const struct token *key,
			const struct token *a, size_t n)
{
	struct inv_host *h = obj;

	(void)n;
	h->append_pos = a[0].pos;
	return set_template(ps, key, a, &h->append);
}

static bool host_group(struct parser *ps, void *obj, const struct token *key,
		       const struct token *a, size_t n)
{
	struct inv_host *h = obj;

	(void)n;
	h->group_pos = a[0].pos;
	return set_string(ps, key, a, &h->group_name, check_name, "group name");
}

static bool host_boot(struct parser *ps, void *obj, const struct token *key,
		      const struct token *a, size_t n)
{
	struct inv_host *h = obj;

	(void)key;
	(void)n;
	return add_arch_boot(ps, &a[0], &a[1], &h->boot, &h->nboots);
}

static const struct setting host_settings[] = {
	{ "mac", 1, host_mac, 0, NULL, NULL },
	{ "address", 1, host_address, 0, NULL, NULL },
	{ "profile", 1, host_profile, 0, NULL, NULL },
	STRING_FIELD("filename", struct inv_host, filename, check_path, "boot file"),
	{ "boot", 2, host_boot, 0, NULL, NULL },
	{ "append", 1, host_append, 0, NULL, NULL },
	{ "group", 1, host_group, 0, NULL, NULL },
	FLAG_FIELD("noboot", struct inv_host, noboot),
	{ NULL, 0, NULL, 0, NULL, NULL },
};

static bool group_boot(struct parser *ps, void *obj, const struct token *key,
		       const struct token *a, size_t n)
{
	struct inv_group *g = obj;

	(void)key;
	(void)n;
	return add_arch_boot(ps, &a[0], &a[1], &g->boot, &g->nboots);
}

static bool group_append(struct parser *ps, void *obj, const struct token *key,
			 const struct token *a, size_t n)
{
	struct inv_group *g = obj;

	(void)n;
	return set_template(ps, key, a, &g->append);
}

static bool group_profile(struct parser *ps, void *obj, const struct token *key,
			  const struct token *a, size_t n)
{
	struct inv_group *g = obj;

	(void)n;
	return set_string(ps, key, a, &g->profile_name, check_name, "profile name");
}

static const struct setting group_settings[] = {
	{ "profile", 1, group_profile, 0, NULL, NULL },
	STRING_FIELD("filename", struct inv_group, filename, check_path, "boot file"),
	{ "boot", 2, group_boot, 0, NULL, NULL },
	{ "append", 1, group_append, 0, NULL, NULL },
	{ NULL, 0, NULL, 0, NULL, NULL },
};

static bool apply_setting(struct parser *ps, const struct setting *s, void *obj,
			  const struct token *key, const struct token *args, size_t n)
{
	char *field = (char *)obj + s->offset;

	if (s->set)
		return s->set(ps, obj, key, args, n);
	if (s->nargs == 0) {
		*(bool *)field = true;
		return true;
	}
	return set_string(ps, key, args, (char **)field, s->check, s->what);
}

/* Applies "key value... key value..." from tok[from..n). */
static void apply_settings(struct parser *ps, const struct setting *table, const char *kind,
			   void *obj, const struct stmt *st, size_t from)
{
	size_t i = from;

	while (i < st->n) {
		const struct token *key = &st->tok[i];
		const struct setting *s;
		size_t nargs;

		for (s = table; s->key; s++)
			if (key->type == TOK_WORD && strcmp(s->key, key->text) == 0)
				break;
		if (!s->key) {
			error_at(ps, key->pos, "unknown %s setting '%s'", kind, key->text);
			return;
		}
		nargs = s->nargs;
		if (nargs == SIZE_MAX)
			nargs = st->n - i - 1;
		if (nargs == 0 && s->nargs == SIZE_MAX) {
			error_at(ps, key->pos, "%s needs a value", key->text);
			return;
		}
		if (i + 1 + nargs > st->n) {
			error_at(ps, i + 1 < st->n ? st->tok[st->n - 1].pos : st->end,
				 "%s needs %zu value%s", key->text, nargs, nargs == 1 ? "" : "s");
			return;
		}
		if (!apply_setting(ps, s, obj, key, &st->tok[i + 1], nargs))
			return;
		i += 1 + nargs;
	}
}

/* Reads the body of a { ... } block up to its '}'. */
static void read_block(struct parser *ps, const struct setting *table, const char *kind,
		       void *obj, struct inv_pos open)
{
	struct stmt st = { 0 };

	for (;;) {
		enum tok_type end = read_stmt(ps, &st);

		if (st.block) {
			error_at(ps, st.end, "blocks do not nest: close the %s with '}' first", kind);
			st.block = false;
		}
		apply_settings(ps, table, kind, obj, &st, 0);
		if (end == TOK_RBRACE)
			break;
		if (end == TOK_EOF) {
			error_at(ps, open, "this '{' is never closed");
			break;
		}
	}
	stmt_clear(&st);
}

/* ---- top-level statements ------------------------------------------ */

/* Appends a zeroed element to the array *arrayp points to (any element
 * type: the pointer is moved with memcpy, not through a void **). */
static void *grow(struct parser *ps, void *arrayp, size_t *n, size_t size, struct inv_pos pos)
{
	void *array, *p;

	memcpy(&array, arrayp, sizeof array);
	/* Capacity doubles at each power of two: 10^5 hosts cost 17
	 * reallocations, not 10^5. */
	if ((*n & (*n - 1)) == 0) {
		p = big_reallocarray(array, *n ? 2 * *n : 1, size);
		if (!p) {
			error_at(ps, pos, "out of memory");
			return NULL;
		}
		memcpy(arrayp, &p, sizeof p);
	} else {
		p = array;
	}
	p = (char *)p + *n * size;
	memset(p, 0, size);
	(*n)++;
	return p;
}

static void stmt_subnet(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;
	struct inv_subnet *sn;
	const struct token *t = &st->tok[1];
	char addr[INET_ADDRSTRLEN + 1];
	const char *slash;
	uintmax_t plen;

	if (st->n < 2) {
		error_at(ps, st->tok[0].pos, "subnet needs an address/prefix, e.g. 192.0.2.0/24");
		return;
	}
	sn = grow(ps, &inv->subnets, &inv->nsubnets, sizeof *sn, st->tok[0].pos);
	if (!sn)
		return;
	sn->pos = st->tok[0].pos;
	slash = strchr(t->text, '/');
	if (!slash || (size_t)(slash - t->text) >= sizeof addr ||
	    !parse_uint(slash + 1, 0, 32, &plen)) {
		error_at(ps, t->pos, "'%s' is not address/prefix (e.g. 192.0.2.0/24)", t->text);
		return;
	}
	memcpy(addr, t->text, (size_t)(slash - t->text));
	addr[slash - t->text] = '\0';
	if (!parse_ipv4_text(addr, &sn->network)) {
		error_at(ps, t->pos, "'%s' is not an IPv4 address", addr);
		return;
	}
	sn->prefixlen = (unsigned)plen;
	if (sn->network & ~prefix_mask(sn->prefixlen)) {
		char net[16];

		format_ipv4(sn->network & prefix_mask(sn->prefixlen), net);
		error_at(ps, t->pos, "%s has host bits set; the subnet is %s/%u", t->text, net,
			 sn->prefixlen);
		return;
	}
	/* "This network" and the limited broadcast are no DHCP subnets
	 * (and not Kea subnet ids, which are the network address). */
	if (sn->network == 0 || sn->network >= 0xfffffffeu) {
		error_at(ps, t->pos, "%s is not a subnet DHCP can serve", t->text);
		return;
	}
	apply_settings(ps, subnet_settings, "subnet", sn, st, 2);
	if (st->block)
		read_block(ps, subnet_settings, "subnet", sn, st->end);
}

static void stmt_profile(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;
	struct inv_profile *pr;

	if (st->n < 2) {
		error_at(ps, st->tok[0].pos, "profile needs a name");
		return;
	}
	pr = grow(ps, &inv->profiles, &inv->nprofiles, sizeof *pr, st->tok[0].pos);
	if (!pr)
		return;
	pr->pos = st->tok[1].pos;
	if (check_name(ps, &st->tok[1], "profile name"))
		pr->name = dup_value(ps, &st->tok[1]);
	apply_settings(ps, profile_settings, "profile", pr, st, 2);
	if (st->block)
		read_block(ps, profile_settings, "profile", pr, st->end);
}

static void stmt_host(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;
	struct inv_host *h;

	if (st->n < 2) {
		error_at(ps, st->tok[0].pos, "host needs a name");
		return;
	}
	h = grow(ps, &inv->hosts, &inv->nhosts, sizeof *h, st->tok[0].pos);
	if (!h)
		return;
	h->pos = st->tok[1].pos;
	if (check_host_name(ps, &st->tok[1], "host name"))
		h->name = dup_value(ps, &st->tok[1]);
	apply_settings(ps, host_settings, "host", h, st, 2);
	if (st->block)
		read_block(ps, host_settings, "host", h, st->end);
}

static void stmt_group(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;
	struct inv_group *g;

	if (st->n < 2) {
		error_at(ps, st->tok[0].pos, "group needs a name");
		return;
	}
	g = grow(ps, &inv->groups, &inv->ngroups, sizeof *g, st->tok[0].pos);
	if (!g)
		return;
	g->pos = st->tok[1].pos;
	if (check_name(ps, &st->tok[1], "group name"))
		g->name = dup_value(ps, &st->tok[1]);
	apply_settings(ps, group_settings, "group", g, st, 2);
	if (st->block)
		read_block(ps, group_settings, "group", g, st->end);
}

static void mask6(uint8_t a[16], unsigned prefixlen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = prefixlen > 8 * i ? prefixlen - 8 * i : 0;

		a[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
	}
}

static bool in_subnet6(const struct inv_subnet6 *sn, const uint8_t a[16])
{
	uint8_t m[16];

	memcpy(m, a, 16);
	mask6(m, sn->prefixlen);
	return memcmp(m, sn->network, 16) == 0;
}

static void stmt_subnet6(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;
	struct inv_subnet6 *sn;
	const struct token *t = &st->tok[1];
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash;
	uintmax_t plen;
	uint8_t net[16];

	if (st->n < 2) {
		error_at(ps, st->tok[0].pos, "subnet6 needs an address/prefix, e.g. 2001:db8::/64");
		return;
	}
	sn = grow(ps, &inv->subnets6, &inv->nsubnets6, sizeof *sn, st->tok[0].pos);
	if (!sn)
		return;
	sn->pos = st->tok[0].pos;
	slash = strchr(t->text, '/');
	/* DHCPv6 address assignment is for /64 and longer in practice, but
	 * dhcpd and Kea take any prefix; 1-128 like they do. */
	if (!slash || (size_t)(slash - t->text) >= sizeof addr ||
	    !parse_uint(slash + 1, 1, 128, &plen)) {
		error_at(ps, t->pos, "'%s' is not address/prefix (e.g. 2001:db8::/64)", t->text);
		return;
	}
	memcpy(addr, t->text, (size_t)(slash - t->text));
	addr[slash - t->text] = '\0';
	if (inet_pton(AF_INET6, addr, sn->network) != 1) {
		error_at(ps, t->pos, "'%s' is not an IPv6 address", addr);
		return;
	}
	sn->prefixlen = (unsigned)plen;
	memcpy(net, sn->network, 16);
	mask6(net, sn->prefixlen);
	if (memcmp(net, sn->network, 16) != 0) {
		char text[INET6_ADDRSTRLEN];

		format_ipv6(net, text);
		error_at(ps, t->pos, "%s has host bits set; the subnet is %s/%u", t->text, text,
			 sn->prefixlen);
		return;
	}
	apply_settings(ps, subnet6_settings, "subnet6", sn, st, 2);
	if (st->block)
		read_block(ps, subnet6_settings, "subnet6", sn, st->end);
}

static void stmt_server6(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;

	if (st->n != 2 || st->block) {
		error_at(ps, st->tok[0].pos,
			 "write: server6 ADDRESS (the TFTP server of DHCPv6 clients)");
		return;
	}
	if (inv->has_server6) {
		error_at(ps, st->tok[0].pos, "server6 given twice");
		return;
	}
	inv->server6_pos = st->tok[1].pos;
	inv->has_server6 = value_ipv6(ps, &st->tok[1], inv->server6);
}

/* Client kinds a boot statement can name: RFC 4578 option 93 codes as
 * IANA registers them (errata 4624: 7 is x64 UEFI; firmware in the field
 * also sends 9 for it, so uefi-x64 takes both). */
static const struct boot_kind {
	const char *keyword;
	enum inv_client client;
	size_t narch;
	unsigned arch[2];
} boot_kinds[] = {
	{ "bios", CLIENT_PXE, 1, { 0 } },
	{ "uefi-ia32", CLIENT_PXE, 1, { 6 } },
	{ "uefi-x64", CLIENT_PXE, 2, { 7, 9 } },
	{ "uefi-arm32", CLIENT_PXE, 1, { 10 } },
	{ "uefi-arm64", CLIENT_PXE, 1, { 11 } },
	{ "uefi-riscv64", CLIENT_PXE, 1, { 27 } },
	{ "uefi-loongarch64", CLIENT_PXE, 1, { 39 } },
	{ "arch", CLIENT_PXE, 0, { 0 } },	/* codes follow */
	{ "ipxe", CLIENT_IPXE, 0, { 0 } },
	{ "http", CLIENT_HTTP, 0, { 0 } },
	{ "http-x64", CLIENT_HTTP, 1, { 16 } },
	{ "http-arm64", CLIENT_HTTP, 1, { 19 } },
	{ "http-arch", CLIENT_HTTP, 0, { 0 } },	/* codes follow */
	{ "no-arch", CLIENT_NOARCH, 0, { 0 } },
};

static const struct boot_kind *find_boot_kind(const char *keyword)
{
	for (size_t i = 0; i < sizeof boot_kinds / sizeof boot_kinds[0]; i++)
		if (strcmp(boot_kinds[i].keyword, keyword) == 0)
			return &boot_kinds[i];
	return NULL;
}

/* A host's or group's "boot KIND FILE": a boot file for one named
 * architecture, for machines that boot both ways (BIOS and UEFI). */
/* A host's or group's boot files: room for all of them at the first. */
static struct inv_boot *boot_room(struct inv_boot **boots)
{
	if (!*boots)
		*boots = calloc(INV_MAX_ARCHES, sizeof **boots);
	return *boots;
}

static bool add_arch_boot(struct parser *ps, const struct token *kind, const struct token *file,
			  struct inv_boot **room, size_t *n)
{
	const struct boot_kind *k = find_boot_kind(kind->text);
	struct inv_boot *b, *boots = *room;

	if (!k || k->client != CLIENT_PXE || k->narch == 0) {
		error_at(ps, kind->pos,
			 "a host's boot takes a named firmware kind (bios, uefi-x64, uefi-arm64, ...), not '%s'",
			 kind->text);
		return false;
	}
	for (size_t i = 0; i < *n; i++)
		if (boots[i].keyword == k->keyword) {
			error_at(ps, kind->pos, "boot %s given twice", k->keyword);
			return false;
		}
	if (*n == INV_MAX_ARCHES) {
		error_at(ps, kind->pos, "at most %d boot files per host", INV_MAX_ARCHES);
		return false;
	}
	if (!check_path(ps, file, "boot file"))
		return false;
	if (!(boots = boot_room(room))) {
		error_at(ps, kind->pos, "out of memory");
		return false;
	}
	b = &boots[*n];
	*b = (struct inv_boot){ .client = k->client, .narch = k->narch, .keyword = k->keyword,
				.pos = kind->pos };
	memcpy(b->arch, k->arch, sizeof k->arch);
	if (!(b->file = dup_value(ps, file)))
		return false;
	(*n)++;
	return true;
}

/* "7" or "7,9": decimal codes, as the RFC and IANA write them. */
static bool parse_arch_list(struct parser *ps, const struct token *t, struct inv_boot *b)
{
	char *copy = strdup(t->text), *save = NULL;
	bool ok = copy != NULL;

	for (char *w = copy ? strtok_r(copy, ",", &save) : NULL; ok && w;
	     w = strtok_r(NULL, ",", &save)) {
		uintmax_t v;

		if (!parse_uint(w, 0, 65535, &v)) {
			error_at(ps, t->pos, "'%s' is not an architecture code (decimal 0-65535)", w);
			ok = false;
		} else if (b->narch == INV_MAX_ARCHES) {
			error_at(ps, t->pos, "at most %d architecture codes per boot statement",
				 INV_MAX_ARCHES);
			ok = false;
		} else {
			b->arch[b->narch++] = (unsigned)v;
		}
	}
	if (ok && b->narch == 0) {
		error_at(ps, t->pos, "no architecture code given");
		ok = false;
	}
	free(copy);
	return ok;
}

bool inv_is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0 ||
	       strncmp(s, "tftp://", 7) == 0;
}

/* A boot6 file: as a boot file, except that a URL's host may be an IPv6
 * literal in brackets (RFC 3986 section 3.2.2), checked as an address. */
static bool check_url6(struct parser *ps, const struct token *file)
{
	const char *s = file->text, *open = strstr(s, "://["), *close;
	char addr[INET6_ADDRSTRLEN + 1];
	uint8_t a6[16];
	struct token rest = *file;
	bool ok;

	if (!open)
		return check_path(ps, file, "boot file");
	open += 4;
	close = strchr(open, ']');
	if (!close || (size_t)(close - open) >= sizeof addr) {
		error_at(ps, file->pos, "'[' without a matching ']' in a URL");
		return false;
	}
	memcpy(addr, open, (size_t)(close - open));
	addr[close - open] = '\0';
	if (inet_pton(AF_INET6, addr, a6) != 1) {
		error_at(ps, char_pos(file, (size_t)(open - s)), "'%s' is not an IPv6 address", addr);
		return false;
	}
	/* The rest with the literal as one plain host character. */
	if (asprintf(&rest.text, "%.*sh%s", (int)(open - 1 - s), s, close + 1) < 0) {
		error_at(ps, file->pos, "out of memory");
		return false;
	}
	ok = check_path(ps, &rest, "boot file");
	free(rest.text);
	if (ok && strlen(s) > INV_PATH_MAX)
		return check_length(ps, file, "boot file", INV_PATH_MAX);
	return ok;
}

/* "boot KIND [CODES] FILE", or boot6 for DHCPv6 clients. */
static void parse_boot(struct parser *ps, struct stmt *st, bool v6)
{
	struct inventory *inv = ps->inv;
	const struct boot_kind *k;
	const struct token *file;
	struct inv_boot *b;
	size_t want;

	if (st->n < 2) {
		error_at(ps, st->tok[0].pos, "%s needs a client kind and a file", st->tok[0].text);
		return;
	}
	k = find_boot_kind(st->tok[1].text);
	if (!k) {
		error_at(ps, st->tok[1].pos,
			 "unknown client kind '%s' (bios, uefi-x64, uefi-arm64, arch N, ipxe, http, no-arch, ...)",
			 st->tok[1].text);
		return;
	}
	/* IPv6 PXE is UEFI's only (RFC 5970); BIOS ROMs speak DHCPv4. */
	if (v6 && (k->client == CLIENT_NOARCH || strcmp(k->keyword, "bios") == 0)) {
		error_at(ps, st->tok[1].pos, "boot6 %s: BIOS PXE has no IPv6", k->keyword);
		return;
	}
	want = (strcmp(k->keyword, "arch") == 0 || strcmp(k->keyword, "http-arch") == 0) ? 4 : 3;
	if (st->n != want || st->block) {
		error_at(ps, st->tok[0].pos, "write: %s %s%s FILE", st->tok[0].text, k->keyword,
			 want == 4 ? " CODE[,CODE...]" : "");
		return;
	}
	if (v6)
		b = grow(ps, &inv->boots6, &inv->nboots6, sizeof *b, st->tok[0].pos);
	else
		b = grow(ps, &inv->boots, &inv->nboots, sizeof *b, st->tok[0].pos);
	if (!b)
		return;
	b->pos = st->tok[0].pos;
	b->client = k->client;
	b->keyword = k->keyword;
	b->narch = k->narch;
	memcpy(b->arch, k->arch, sizeof k->arch);
	if (want == 4 && !parse_arch_list(ps, &st->tok[2], b))
		return;
	file = &st->tok[want - 1];
	if (!(v6 ? check_url6(ps, file) : check_path(ps, file, "boot file")))
		return;
	if (k->client == CLIENT_HTTP && strncmp(file->text, "http://", 7) != 0 &&
	    strncmp(file->text, "https://", 8) != 0) {
		error_at(ps, file->pos, "UEFI HTTP boot needs an http:// or https:// URL");
		return;
	}
	b->file = dup_value(ps, file);
}

static void stmt_boot(struct parser *ps, struct stmt *st)
{
	parse_boot(ps, st, false);
}

static void stmt_boot6(struct parser *ps, struct stmt *st)
{
	parse_boot(ps, st, true);
}

/* Signed shim + GRUB pairs: the file names each distribution ships and
 * the $prefix its signed GRUB reads grub.cfg from. Debian's netboot
 * grubx64.efi has /debian-installer/<arch>/grub compiled in (checked in
 * debian-installer-12-netboot-amd64); Ubuntu's grubnetx64 uses /grub;
 * the RHEL family's GRUB reads the directory it was loaded from. */
static const struct sb_layout {
	const char *name;
	enum inv_layout layout;
	const char *shim_x64, *shim_aa64;
	const char *grub_x64, *grub_aa64;	/* NULL: the shim's directory */
} sb_layouts[] = {
	{ "debian", LAYOUT_DEBIAN, "bootnetx64.efi", "bootnetaa64.efi",
	  "debian-installer/amd64/grub", "debian-installer/arm64/grub" },
	{ "ubuntu", LAYOUT_UBUNTU, "bootx64.efi", "bootaa64.efi", "grub", "grub" },
	{ "rhel", LAYOUT_RHEL, "shimx64.efi", "shimaa64.efi", NULL, NULL },
};

/* secure-boot KIND LAYOUT DIR: DIR holds the distribution's shim and its
 * grubx64.efi/grubaa64.efi; the boot file is the shim. */
static void stmt_secure_boot(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;
	const struct sb_layout *l = NULL;
	const struct boot_kind *k;
	const struct token *dir;
	struct inv_boot *b;
	const char *shim, *grub, *d;
	size_t dirlen;
	bool arm;

	if (st->n != 4 || st->block) {
		error_at(ps, st->tok[0].pos,
			 "write: secure-boot uefi-x64|uefi-arm64 debian|ubuntu|rhel DIRECTORY");
		return;
	}
	k = find_boot_kind(st->tok[1].text);
	if (!k || (strcmp(k->keyword, "uefi-x64") != 0 && strcmp(k->keyword, "uefi-arm64") != 0)) {
		error_at(ps, st->tok[1].pos, "secure-boot is for uefi-x64 or uefi-arm64, not '%s'",
			 st->tok[1].text);
		return;
	}
	for (size_t i = 0; i < sizeof sb_layouts / sizeof sb_layouts[0]; i++)
		if (strcmp(sb_layouts[i].name, st->tok[2].text) == 0)
			l = &sb_layouts[i];
	if (!l) {
		error_at(ps, st->tok[2].pos, "unknown layout '%s' (debian, ubuntu or rhel)",
			 st->tok[2].text);
		return;
	}
	dir = &st->tok[3];
	if (!check_path(ps, dir, "directory"))
		return;
	if (inv_is_url(dir->text)) {
		error_at(ps, dir->pos, "secure-boot takes a directory under the TFTP root");
		return;
	}
	b = grow(ps, &inv->boots, &inv->nboots, sizeof *b, st->tok[0].pos);
	if (!b)
		return;
	arm = strcmp(k->keyword, "uefi-arm64") == 0;
	shim = arm ? l->shim_aa64 : l->shim_x64;
	grub = arm ? l->grub_aa64 : l->grub_x64;
	b->pos = st->tok[0].pos;
	b->client = k->client;
	b->keyword = k->keyword;
	b->narch = k->narch;
	memcpy(b->arch, k->arch, sizeof k->arch);
	b->layout = l->layout;
	/* The directory without its leading and trailing '/': "" is the
	 * TFTP root. */
	d = dir->text + (dir->text[0] == '/');
	dirlen = strlen(d);
	while (dirlen && d[dirlen - 1] == '/')
		dirlen--;
	if (asprintf(&b->file, "%.*s%s%s", (int)dirlen, d, dirlen ? "/" : "", shim) < 0)
		b->file = NULL;
	b->grub_dir = grub ? strdup(grub) : slice(d, dirlen);
	if (!b->file || !b->grub_dir) {
		error_at(ps, st->tok[0].pos, "out of memory");
		return;
	}
	if (strlen(b->file) > INV_PATH_MAX)
		error_at(ps, dir->pos, "%s is longer than %d characters", b->file, INV_PATH_MAX);
}

static void stmt_server(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;

	if (st->n != 2 || st->block) {
		error_at(ps, st->tok[0].pos, "write: server ADDRESS (the TFTP server, next-server)");
		return;
	}
	if (inv->has_server) {
		error_at(ps, st->tok[0].pos, "server given twice");
		return;
	}
	inv->server_pos = st->tok[1].pos;
	inv->has_server = value_ipv4(ps, &st->tok[1], &inv->server);
}

static void stmt_default_profile(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;

	if (st->n != 2 || st->block) {
		error_at(ps, st->tok[0].pos, "write: default-profile NAME");
		return;
	}
	inv->default_profile_pos = st->tok[1].pos;
	set_string(ps, &st->tok[0], &st->tok[1], &inv->default_profile, check_name, "profile name");
}

static void stmt_timeout(struct parser *ps, struct stmt *st)
{
	uintmax_t v;

	if (st->n != 2 || st->block) {
		error_at(ps, st->tok[0].pos, "write: timeout SECONDS");
		return;
	}
	/* PXELINUX counts tenths of a second up to 35996 (syslinux.cfg(5)
	 * TIMEOUT): 3599 s is the longest all loaders keep. */
	if (!parse_uint(st->tok[1].text, 0, INV_TIMEOUT_MAX, &v)) {
		error_at(ps, st->tok[1].pos, "'%s' is not a number of seconds (0-%u)",
			 st->tok[1].text, INV_TIMEOUT_MAX);
		return;
	}
	ps->inv->timeout = (unsigned)v;
}

static void parse_statements(struct parser *ps);

/* Whether path is the file being parsed or one that includes it. */
static bool includes_itself(const struct parser *ps, const char *path)
{
	for (; ps; ps = ps->includer)
		if (!strcmp(ps->at.file ? ps->at.file : ps->source, path))
			return true;
	return false;
}

/* include "PATTERN": every file the glob matches, in name order, as if
 * written here; a relative pattern is relative to the including file. */
static void stmt_include(struct parser *ps, struct stmt *st)
{
	const char *cur = ps->at.file ? ps->at.file : ps->source, *slash = strrchr(cur, '/');
	char **names = NULL, *pattern;
	size_t n = 0;

	if (st->n != 2 || st->tok[1].type != TOK_STRING) {
		error_at(ps, st->tok[0].pos, "write: include \"PATTERN\"");
		return;
	}
	if (!ps->inc) {
		error_at(ps, st->tok[0].pos, "include is not allowed here");
		return;
	}
	if (ps->depth >= INV_INCLUDE_DEPTH) {
		error_at(ps, st->tok[0].pos, "includes nested more than %d deep (a loop?)",
			 INV_INCLUDE_DEPTH);
		return;
	}
	if (st->tok[1].text[0] == '/' || !slash)
		pattern = strdup(st->tok[1].text);
	else if (asprintf(&pattern, "%.*s/%s", (int)(slash - cur), cur, st->tok[1].text) < 0)
		pattern = NULL;
	if (!pattern || ps->inc->glob(ps->inc->ctx, pattern, &names, &n) < 0) {
		error_at(ps, st->tok[1].pos, "%s: %m", pattern ? pattern : st->tok[1].text);
		free(pattern);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct strbuf text = STRBUF_INIT;
		char **list = realloc(ps->inv->included,
				      (ps->inv->nincluded + 1) * sizeof *list);

		if (!list) {
			error_at(ps, st->tok[1].pos, "out of memory");
			free(names[i]);
			continue;
		}
		ps->inv->included = list;
		list[ps->inv->nincluded++] = names[i];
		if (includes_itself(ps, names[i])) {
			/* "*.conf" beside the main file matches it: without this,
			 * N such files would be read N^INV_INCLUDE_DEPTH times */
			error_at(ps, st->tok[1].pos, "%s includes itself (through \"%s\")",
				 names[i], st->tok[1].text);
		} else if (ps->inc->read(ps->inc->ctx, names[i], &text) < 0) {
			error_at(ps, st->tok[1].pos, "%s: %m", names[i]);
		} else {
			struct parser sub = {
				.p = text.buf ? text.buf : "", .at = { 1, 1, names[i] },
				.source = ps->source, .diag = ps->diag, .inv = ps->inv,
				.inc = ps->inc, .depth = ps->depth + 1, .includer = ps,
			};

			sub.end = sub.p + text.len;
			if (memchr(sub.p, '\0', text.len))
				error_at(&sub, sub.at, "the file contains a NUL byte: is it text?");
			else
				parse_statements(&sub);
			ps->errors += sub.errors;
		}
		sb_free(&text);
	}
	free(names);
	free(pattern);
}

static bool in_range(const struct inv_subnet *sn, uint32_t a);

/* ---- DHCP failover / HA: dhcp-server, failover, subnet next-server --
 * (emitted by failover.c; pxekit.conf(5) FAILOVER AND HIGH AVAILABILITY) */

static bool value_uint(struct parser *ps, const struct token *t, uintmax_t lo, uintmax_t hi,
		       const char *what, unsigned *out)
{
	uintmax_t v;

	if (!parse_uint(t->text, lo, hi, &v)) {
		error_at(ps, t->pos, "'%s' is not %s (%ju-%ju)", t->text, what, lo, hi);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static bool subnet_next_server(struct parser *ps, void *obj, const struct token *key,
			       const struct token *a, size_t n)
{
	struct inv_subnet *sn = obj;

	(void)n;
	if (sn->has_next_server) {
		error_at(ps, key->pos, "next-server given twice");
		return false;
	}
	sn->has_next_server = value_ipv4(ps, &a[0], &sn->next_server);
	return sn->has_next_server;
}

static bool dhcp_server_address(struct parser *ps, void *obj, const struct token *key,
				const struct token *a, size_t n)
{
	struct inv_dhcp_server *s = obj;

	(void)n;
	if (s->has_address) {
		error_at(ps, key->pos, "address given twice");
		return false;
	}
	s->address_pos = a[0].pos;
	s->has_address = value_ipv4(ps, &a[0], &s->address);
	return s->has_address;
}

static bool dhcp_server_port(struct parser *ps, void *obj, const struct token *key,
			     const struct token *a, size_t n)
{
	struct inv_dhcp_server *s = obj;

	(void)n;
	if (s->port) {
		error_at(ps, key->pos, "port given twice");
		return false;
	}
	return value_uint(ps, &a[0], 1, 65535, "a port", &s->port);
}

static bool dhcp_server_next_server(struct parser *ps, void *obj, const struct token *key,
				    const struct token *a, size_t n)
{
	struct inv_dhcp_server *s = obj;

	(void)n;
	if (s->has_next_server) {
		error_at(ps, key->pos, "next-server given twice");
		return false;
	}
	s->has_next_server = value_ipv4(ps, &a[0], &s->next_server);
	return s->has_next_server;
}

static const struct setting dhcp_server_settings[] = {
	{ "address", 1, dhcp_server_address, 0, NULL, NULL },
	{ "port", 1, dhcp_server_port, 0, NULL, NULL },
	{ "next-server", 1, dhcp_server_next_server, 0, NULL, NULL },
	{ NULL, 0, NULL, 0, NULL, NULL },
};

static void stmt_dhcp_server(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;
	struct inv_dhcp_server *s;

	if (st->n < 2) {
		error_at(ps, st->tok[0].pos, "dhcp-server needs a name");
		return;
	}
	s = grow(ps, &inv->dhcp_servers, &inv->ndhcp_servers, sizeof *s, st->tok[0].pos);
	if (!s)
		return;
	s->pos = st->tok[1].pos;
	if (check_name(ps, &st->tok[1], "server name"))
		s->name = dup_value(ps, &st->tok[1]);
	apply_settings(ps, dhcp_server_settings, "dhcp-server", s, st, 2);
	if (st->block)
		read_block(ps, dhcp_server_settings, "dhcp-server", s, st->end);
}

static const struct {
	const char *name;
	enum inv_role role;
} failover_roles[] = {
	{ "primary", ROLE_PRIMARY },
	{ "secondary", ROLE_SECONDARY },
	{ "standby", ROLE_STANDBY },
};

static bool failover_peer(struct parser *ps, void *obj, const struct token *key,
			  const struct token *a, size_t n)
{
	struct inv_failover *f = obj;
	struct inv_failover_peer *p;

	(void)n;
	if (f->npeers == 2) {
		error_at(ps, key->pos, "a failover has two peers; this is a third");
		return false;
	}
	p = &f->peer[f->npeers];
	p->pos = a[0].pos;
	for (size_t i = 0; i < sizeof failover_roles / sizeof failover_roles[0]; i++)
		if (strcmp(a[1].text, failover_roles[i].name) == 0)
			p->role = failover_roles[i].role;
	if (p->role == ROLE_NONE) {
		error_at(ps, a[1].pos, "unknown role '%s' (primary, secondary or standby)",
			 a[1].text);
		return false;
	}
	if (!check_name(ps, &a[0], "server name") || !(p->server_name = dup_value(ps, &a[0])))
		return false;
	f->npeers++;
	return true;
}

/* The numeric settings: where they go, their range, what they are. */
static const struct failover_number {
	const char *key;
	size_t offset;
	uintmax_t lo, hi;
	const char *what;
} failover_numbers[] = {
	{ "mclt", offsetof(struct inv_failover, mclt), 1, 86400, "a time in seconds" },
	{ "split", offsetof(struct inv_failover, split), 0, 256, "a split" },
	{ "max-response-delay", offsetof(struct inv_failover, max_response_delay), 1, 3600,
	  "a time in seconds" },
	{ "max-unacked-updates", offsetof(struct inv_failover, max_unacked_updates), 1, 65535,
	  "a number of updates" },
	{ "load-balance-max-seconds", offsetof(struct inv_failover, load_balance_max_seconds), 0,
	  255, "a number of seconds" },
	{ "auto-partner-down", offsetof(struct inv_failover, auto_partner_down), 0, 86400,
	  "a time in seconds" },
	{ "heartbeat-delay", offsetof(struct inv_failover, heartbeat_delay), 1, 3600,
	  "a time in seconds" },
	{ "max-ack-delay", offsetof(struct inv_failover, max_ack_delay), 1, 3600,
	  "a time in seconds" },
	{ "max-unacked-clients", offsetof(struct inv_failover, max_unacked_clients), 0, 1000,
	  "a number of clients" },
};

/* Which numbers were given, to refuse a second one. */
struct failover_parse {
	struct inv_failover f;
	bool given[sizeof failover_numbers / sizeof failover_numbers[0]];
};

static bool failover_number(struct parser *ps, void *obj, const struct token *key,
			    const struct token *a, size_t n)
{
	struct failover_parse *fp = obj;

	(void)n;
	for (size_t i = 0; i < sizeof failover_numbers / sizeof failover_numbers[0]; i++) {
		const struct failover_number *x = &failover_numbers[i];

		if (strcmp(x->key, key->text) != 0)
			continue;
		if (fp->given[i]) {
			error_at(ps, key->pos, "%s given twice", key->text);
			return false;
		}
		fp->given[i] = true;
		return value_uint(ps, &a[0], x->lo, x->hi, x->what,
				  (unsigned *)((char *)&fp->f + x->offset));
	}
	return false;
}

static const struct setting failover_settings[] = {
	{ "peer", 2, failover_peer, 0, NULL, NULL },
	{ "mclt", 1, failover_number, 0, NULL, NULL },
	{ "split", 1, failover_number, 0, NULL, NULL },
	{ "max-response-delay", 1, failover_number, 0, NULL, NULL },
	{ "max-unacked-updates", 1, failover_number, 0, NULL, NULL },
	{ "load-balance-max-seconds", 1, failover_number, 0, NULL, NULL },
	{ "auto-partner-down", 1, failover_number, 0, NULL, NULL },
	{ "heartbeat-delay", 1, failover_number, 0, NULL, NULL },
	{ "max-ack-delay", 1, failover_number, 0, NULL, NULL },
	{ "max-unacked-clients", 1, failover_number, 0, NULL, NULL },
	{ NULL, 0, NULL, 0, NULL, NULL },
};

/* failover NAME { peer SERVER ROLE ... }: one per site. The defaults are
 * dhcpd.conf(5)'s and the Kea ARM's usual values. */
static void stmt_failover(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;
	struct failover_parse *fp;

	if (st->n < 2) {
		error_at(ps, st->tok[0].pos, "failover needs a name");
		return;
	}
	if (inv->failover) {
		error_at(ps, st->tok[0].pos, "a second failover (the first is at line %u)",
			 inv->failover->pos.line);
		return;
	}
	/* f is the first member: the inventory keeps and frees it alone. */
	fp = calloc(1, sizeof *fp);
	if (!fp) {
		error_at(ps, st->tok[0].pos, "out of memory");
		return;
	}
	inv->failover = &fp->f;
	fp->f = (struct inv_failover){
		.pos = st->tok[0].pos, .mclt = 3600, .split = 128, .max_response_delay = 60,
		.max_unacked_updates = 10, .load_balance_max_seconds = 3, .heartbeat_delay = 10,
		.max_ack_delay = 10, .max_unacked_clients = 10,
	};
	if (check_name(ps, &st->tok[1], "failover name"))
		fp->f.name = dup_value(ps, &st->tok[1]);
	apply_settings(ps, failover_settings, "failover", fp, st, 2);
	if (st->block)
		read_block(ps, failover_settings, "failover", fp, st->end);
}

static const char *role_name(enum inv_role r)
{
	for (size_t i = 0; i < sizeof failover_roles / sizeof failover_roles[0]; i++)
		if (failover_roles[i].role == r)
			return failover_roles[i].name;
	return "none";
}

static const struct inv_dhcp_server *find_dhcp_server(const struct inventory *inv,
						      const char *name)
{
	for (size_t i = 0; i < inv->ndhcp_servers; i++)
		if (inv->dhcp_servers[i].name && strcmp(inv->dhcp_servers[i].name, name) == 0)
			return &inv->dhcp_servers[i];
	return NULL;
}

/* Its address is where the partner connects: on one of the subnets the
 * inventory declares, not leased to a client, not another machine's. */
static void check_dhcp_server_address(struct parser *ps, const struct inv_dhcp_server *s)
{
	const struct inventory *inv = ps->inv;
	const struct inv_subnet *sn;
	char a[16];

	format_ipv4(s->address, a);
	sn = inventory_subnet_of(inv, s->address);
	if (!sn) {
		error_at(ps, s->address_pos,
			 "dhcp-server %s: address %s is on none of the declared subnets (declare its subnet)",
			 s->name, a);
		return;
	}
	/* Both peers' files pass dhcpd -t with it; no server has it. */
	if (sn->prefixlen <= 30 &&
	    (s->address == sn->network || s->address == (sn->network | ~prefix_mask(sn->prefixlen))))
		error_at(ps, s->address_pos, "dhcp-server %s: %s is the %s address of its subnet",
			 s->name, a, s->address == sn->network ? "network" : "broadcast");
	else if (in_range(sn, s->address))
		error_at(ps, s->address_pos,
			 "dhcp-server %s: address %s is inside the range at line %u", s->name, a,
			 sn->range_pos.line);
	for (size_t i = 0; i < inv->nhosts; i++)
		if (inv->hosts[i].has_address && inv->hosts[i].address == s->address)
			error_at(ps, s->address_pos,
				 "dhcp-server %s: address %s is host %s's fixed address", s->name, a,
				 inv->hosts[i].name ? inv->hosts[i].name : "?");
}

static void check_dhcp_servers(struct parser *ps)
{
	const struct inventory *inv = ps->inv;

	for (size_t i = 0; i < inv->ndhcp_servers; i++) {
		const struct inv_dhcp_server *s = &inv->dhcp_servers[i];

		if (!s->name)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct inv_dhcp_server *o = &inv->dhcp_servers[j];

			if (o->name && strcmp(o->name, s->name) == 0)
				error_at(ps, s->pos, "dhcp-server %s is already defined at line %u",
					 s->name, o->pos.line);
			else if (o->has_address && s->has_address && o->address == s->address)
				error_at(ps, s->address_pos,
					 "dhcp-server %s has the address of dhcp-server %s (line %u)",
					 s->name, o->name ? o->name : "?", o->pos.line);
		}
		if (!s->has_address)
			error_at(ps, s->pos, "dhcp-server %s has no address", s->name);
		else
			check_dhcp_server_address(ps, s);
		if (!inv->failover)
			error_at(ps, s->pos,
				 "dhcp-server %s without a failover: name it as a peer of one", s->name);
	}
}

/* ISC failover: primary + secondary; Kea: primary + secondary (load
 * balancing) or primary + standby (hot standby). Anything else is two
 * files that would disagree on who does what. */
static void check_failover_roles(struct parser *ps, const struct inv_failover *f)
{
	const struct inv_failover_peer *a = &f->peer[0], *b = &f->peer[1];

	if (a->role == b->role) {
		error_at(ps, b->pos, "two %s peers (the other is %s at line %u); one is primary",
			 role_name(b->role), a->server_name, a->pos.line);
		return;
	}
	if (a->role != ROLE_PRIMARY && b->role != ROLE_PRIMARY)
		error_at(ps, b->pos,
			 "mismatched peers: %s and %s; one is primary, the other secondary or standby",
			 role_name(a->role), role_name(b->role));
}

static void check_failover(struct parser *ps)
{
	struct inventory *inv = ps->inv;
	struct inv_failover *f = inv->failover;

	check_dhcp_servers(ps);
	if (!f)
		return;
	if (f->npeers != 2) {
		error_at(ps, f->pos,
			 "failover %s has %s peer%s; it needs two (peer NAME primary, peer NAME secondary or standby)",
			 f->name ? f->name : "?", f->npeers ? "one" : "no", f->npeers ? "" : "s");
		return;
	}
	for (size_t i = 0; i < 2; i++) {
		struct inv_failover_peer *p = &f->peer[i];

		p->server = find_dhcp_server(inv, p->server_name);
		if (!p->server)
			error_at(ps, p->pos, "unknown dhcp-server '%s'", p->server_name);
	}
	if (strcmp(f->peer[0].server_name, f->peer[1].server_name) == 0) {
		error_at(ps, f->peer[1].pos, "dhcp-server %s is both peers", f->peer[1].server_name);
		return;
	}
	check_failover_roles(ps, f);
	for (size_t i = 0; i < inv->ndhcp_servers; i++) {
		const struct inv_dhcp_server *s = &inv->dhcp_servers[i];

		if (s->name && s != f->peer[0].server && s != f->peer[1].server)
			error_at(ps, s->pos, "dhcp-server %s is not a peer of failover %s", s->name,
				 f->name ? f->name : "?");
	}
	for (size_t i = 0; i < inv->nsubnets; i++)
		if (inv->subnets[i].proxy && inv->subnets[i].has_next_server)
			error_at(ps, inv->subnets[i].pos,
				 "a proxy subnet takes no next-server (proxy DHCP has no failover)");
}

static void free_failover(struct inventory *inv)
{
	for (size_t i = 0; i < inv->ndhcp_servers; i++)
		free(inv->dhcp_servers[i].name);
	free(inv->dhcp_servers);
	if (inv->failover) {
		free(inv->failover->name);
		for (size_t i = 0; i < inv->failover->npeers; i++)
			free(inv->failover->peer[i].server_name);
		free(inv->failover);
	}
}

/* ---- end of DHCP failover / HA ------------------------------------- */
/* ---- the HTTP boot path (http-server, http-listen) ----------------- */

/* host[:port] as a URL or nginx's listen names it: an IPv4 address or a
 * DNS name, and a port 1-65535. Returns the length of host, or 0 after
 * an error (at the character that is wrong). */
static size_t check_host_port(struct parser *ps, const struct token *t, size_t at, size_t end,
			      unsigned *port, bool host_optional)
{
	const char *s = t->text;
	size_t i = at, hostlen;
	uintmax_t v = 80;

	while (i < end && s[i] != ':' &&
	       ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		(s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-'))
		i++;
	hostlen = i - at;
	if (i < end && s[i] != ':') {
		error_at(ps, char_pos(t, i), "character '%c' is not allowed in a host name",
			 s[i] == '\0' ? '?' : s[i]);
		return 0;
	}
	if ((hostlen == 0 && !host_optional) || (hostlen && (s[at] == '-' || s[at] == '.'))) {
		error_at(ps, char_pos(t, at), "an HTTP server needs a host name or IPv4 address");
		return 0;
	}
	if (i < end) {
		char num[8];

		if (end - i - 1 >= sizeof num || end - i - 1 == 0) {
			error_at(ps, char_pos(t, i), "a port is a number from 1 to 65535");
			return 0;
		}
		memcpy(num, s + i + 1, end - i - 1);
		num[end - i - 1] = '\0';
		if (!parse_uint(num, 1, 65535, &v)) {
			error_at(ps, char_pos(t, i + 1), "'%s' is not a port (1-65535)", num);
			return 0;
		}
	}
	*port = (unsigned)v;
	return hostlen ? hostlen : SIZE_MAX;
}

/* http-server URL: the base the big files are fetched from. Only what a
 * URL needs is let in (no quote, space, ';', '$', '#', '?', '{'), so the
 * URL goes into iPXE scripts, grub.cfg, nginx's server block and the DHCP
 * outputs' quoted strings as it is. Returns it without a trailing '/',
 * or NULL after an error. */
static char *http_url(struct parser *ps, const struct token *t)
{
	const char *s = t->text, *path;
	size_t hostlen, len;
	unsigned port;
	char *url;

	if (!check_length(ps, t, "URL", INV_PATH_MAX))
		return NULL;
	if (strncmp(s, "https://", 8) == 0) {
		error_at(ps, t->pos, "http-server must be http://: GRUB 2.06 has no https, and "
				     "the nginx server block serves plain HTTP");
		return NULL;
	}
	if (strncmp(s, "http://", 7) != 0) {
		error_at(ps, t->pos, "http-server takes an http:// URL");
		return NULL;
	}
	path = strchr(s + 7, '/');
	len = path ? (size_t)(path - s) : strlen(s);
	hostlen = check_host_port(ps, t, 7, len, &port, false);
	if (hostlen == 0)
		return NULL;
	for (size_t i = len; s[i]; i++) {
		bool ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			  (s[i] >= '0' && s[i] <= '9') || strchr("._~/-+", s[i]);

		if (!ok) {
			error_at(ps, char_pos(t, i), "character '%c' is not allowed in an http-server URL",
				 (unsigned char)s[i] < ' ' || (unsigned char)s[i] > '~' ? '?' : s[i]);
			return NULL;
		}
		if (s[i] == '/' && (strncmp(s + i, "/../", 4) == 0 || strcmp(s + i, "/..") == 0 ||
				    strncmp(s + i, "/./", 3) == 0 || strcmp(s + i, "/.") == 0 ||
				    (s[i + 1] == '/'))) {
			error_at(ps, char_pos(t, i), "'//', '.' and '..' are not allowed in an http-server path");
			return NULL;
		}
	}
	url = dup_value(ps, t);
	if (url) {
		/* one '/' between base and path, however the base was written */
		len = strlen(url);
		if (len > 7 && url[len - 1] == '/')
			url[len - 1] = '\0';
	}
	return url;
}

static void stmt_http_server(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;

	if (st->n != 2 || st->block) {
		error_at(ps, st->tok[0].pos, "write: http-server http://HOST[:PORT][/PATH]");
		return;
	}
	if (inv->http_server) {
		error_at(ps, st->tok[0].pos, "http-server given twice");
		return;
	}
	inv->http_server_pos = st->tok[1].pos;
	inv->http_server = http_url(ps, &st->tok[1]);
}

/* A subnet's own http-server: for the iPXE clients of that subnet. */
static bool subnet_http_server(struct parser *ps, void *obj, const struct token *key,
			       const struct token *a, size_t n)
{
	struct inv_subnet *sn = obj;

	(void)n;
	if (sn->http_server) {
		error_at(ps, key->pos, "http-server given twice");
		return false;
	}
	sn->http_server_pos = a[0].pos;
	sn->http_server = http_url(ps, &a[0]);
	return sn->http_server != NULL;
}

bool inv_has_subnet_http(const struct inventory *inv)
{
	for (size_t i = 0; i < inv->nsubnets; i++)
		if (inv->subnets[i].http_server)
			return true;
	return false;
}

/* http-listen [ADDRESS:]PORT | ADDRESS: where the nginx block listens,
 * when it is not the http-server URL's host and port (a load balancer
 * in front, a name, all addresses). */
static void stmt_http_listen(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;
	const struct token *t = &st->tok[1];
	char addr[16], buf[32];
	const char *colon;
	uint32_t a;
	unsigned port = 80;

	if (st->n != 2 || st->block) {
		error_at(ps, st->tok[0].pos, "write: http-listen [ADDRESS:]PORT or ADDRESS");
		return;
	}
	if (inv->http_listen) {
		error_at(ps, st->tok[0].pos, "http-listen given twice");
		return;
	}
	colon = strchr(t->text, ':');
	if (!colon && strspn(t->text, "0123456789") == strlen(t->text)) {
		uintmax_t v;

		if (!parse_uint(t->text, 1, 65535, &v)) {
			error_at(ps, t->pos, "'%s' is not a port (1-65535)", t->text);
			return;
		}
		snprintf(buf, sizeof buf, "%u", (unsigned)v);
	} else {
		size_t alen = colon ? (size_t)(colon - t->text) : strlen(t->text);

		if (alen >= sizeof addr || (memcpy(addr, t->text, alen), addr[alen] = '\0',
					    !parse_ipv4_text(addr, &a))) {
			error_at(ps, t->pos, "http-listen: '%.*s' is not an IPv4 address",
				 (int)(alen > 40 ? 40 : alen), t->text);
			return;
		}
		if (colon && check_host_port(ps, t, alen, strlen(t->text), &port, true) == 0)
			return;
		format_ipv4(a, addr);
		snprintf(buf, sizeof buf, "%s:%u", addr, port);
	}
	inv->http_listen_pos = t->pos;
	inv->http_listen = strdup(buf);
	if (!inv->http_listen)
		error_at(ps, t->pos, "out of memory");
}

/* kea-hooks-dir DIR: where this site's Kea has libdhcp_ha.so, when it
 * is not where configure found it. An absolute path of plain characters:
 * it goes into a JSON string as it is. */
static void stmt_kea_hooks_dir(struct parser *ps, struct stmt *st)
{
	struct inventory *inv = ps->inv;
	const struct token *t = &st->tok[1];

	if (st->n != 2 || st->block) {
		error_at(ps, st->tok[0].pos, "write: kea-hooks-dir /PATH (where libdhcp_ha.so is)");
		return;
	}
	if (inv->kea_hooks_dir) {
		error_at(ps, st->tok[0].pos, "kea-hooks-dir given twice");
		return;
	}
	if (!check_length(ps, t, "directory", INV_PATH_MAX))
		return;
	for (size_t i = 0; t->text[i]; i++) {
		char c = t->text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("/._-+", c))) {
			error_at(ps, char_pos(t, i), "character '%c' is not allowed in kea-hooks-dir",
				 (unsigned char)c < ' ' || (unsigned char)c > '~' ? '?' : c);
			return;
		}
	}
	if (t->text[0] != '/' || strstr(t->text, "/../") || strstr(t->text, "/./")) {
		error_at(ps, t->pos, "kea-hooks-dir is an absolute path without '.' or '..' parts");
		return;
	}
	inv->kea_hooks_dir_pos = t->pos;
	inv->kea_hooks_dir = dup_value(ps, t);
}

const char *inv_http_url(const struct inventory *inv, const char *path, char *out)
{
	if (inv_is_url(path))
		return path;
	if (!inv->http_server)
		return NULL;
	snprintf(out, INV_HTTP_URL_MAX, "%s/%s", inv->http_server, path + (path[0] == '/'));
	return out;
}

static const struct statement {
	const char *keyword;
	void (*parse)(struct parser *ps, struct stmt *st);
	bool block_ok;
} statements[] = {
	{ "server", stmt_server, false },
	{ "timeout", stmt_timeout, false },
	{ "default-profile", stmt_default_profile, false },
	{ "boot", stmt_boot, false },
	{ "boot6", stmt_boot6, false },
	{ "secure-boot", stmt_secure_boot, false },
	{ "server6", stmt_server6, false },
	{ "subnet", stmt_subnet, true },
	{ "subnet6", stmt_subnet6, true },
	{ "profile", stmt_profile, true },
	{ "host", stmt_host, true },
	{ "include", stmt_include, false },
	{ "group", stmt_group, true },
	{ "dhcp-server", stmt_dhcp_server, true },
	{ "failover", stmt_failover, true },
	{ "http-server", stmt_http_server, false },
	{ "http-listen", stmt_http_listen, false },
	{ "kea-hooks-dir", stmt_kea_hooks_dir, false },
};

static void parse_statements(struct parser *ps)
{
	struct stmt st = { 0 };

	for (;;) {
		enum tok_type end = read_stmt(ps, &st);
		const struct statement *s = NULL;

		if (end == TOK_RBRACE)
			error_at(ps, st.end, "'}' without a matching '{'");
		if (st.n == 0) {
			if (st.block)
				error_at(ps, st.end, "'{' without a subnet, profile or host before it");
			if (end == TOK_EOF)
				break;
			continue;
		}
		for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++)
			if (st.tok[0].type == TOK_WORD && strcmp(statements[i].keyword, st.tok[0].text) == 0)
				s = &statements[i];
		if (!s) {
			error_at(ps, st.tok[0].pos, "unknown statement '%s'", st.tok[0].text);
			if (st.block)	/* skip the block so its lines do not all fail too */
				while (read_stmt(ps, &st) != TOK_RBRACE && peekc(ps) != -1)
					;
		} else {
			s->parse(ps, &st);
		}
		if (end == TOK_EOF)
			break;
	}
	stmt_clear(&st);
}

/* ---- checks across statements -------------------------------------- */

uint32_t prefix_mask(unsigned prefixlen)
{
	return prefixlen ? 0xffffffffu << (32 - prefixlen) : 0;
}

static bool in_subnet(const struct inv_subnet *sn, uint32_t a)
{
	return (a & prefix_mask(sn->prefixlen)) == sn->network;
}

const struct inv_subnet *inventory_subnet_of(const struct inventory *inv, uint32_t addr)
{
	for (size_t i = 0; i < inv->nsubnets; i++)
		if (in_subnet(&inv->subnets[i], addr))
			return &inv->subnets[i];
	return NULL;
}

const struct inv_boot *inv_find_boot(const struct inventory *inv, enum inv_client client,
				     bool any_arch)
{
	for (size_t i = 0; i < inv->nboots; i++)
		if (inv->boots[i].client == client && (inv->boots[i].narch == 0) == any_arch)
			return &inv->boots[i];
	return NULL;
}

bool inv_has_boot(const struct inventory *inv, enum inv_client client)
{
	return inv_find_boot(inv, client, true) || inv_find_boot(inv, client, false);
}

void inv_boot_tag(const struct inv_boot *b, char *out, size_t len)
{
	if (strcmp(b->keyword, "arch") == 0 || strcmp(b->keyword, "http-arch") == 0)
		snprintf(out, len, "pxekit-%s-%u", b->keyword, b->arch[0]);
	else
		snprintf(out, len, "pxekit-%s", b->keyword);
}

/* By hand, not snprintf: a host's DHCP lines and loader files name its
 * MAC and address several times each, 10^5 hosts a run. */
void format_ipv4(uint32_t addr, char *out)
{
	for (int shift = 24; shift >= 0; shift -= 8) {
		unsigned b = (addr >> shift) & 255;

		if (b >= 100)
			*out++ = (char)('0' + b / 100);
		if (b >= 10)
			*out++ = (char)('0' + b / 10 % 10);
		*out++ = (char)('0' + b % 10);
		*out++ = shift ? '.' : '\0';
	}
}

void format_mac(const uint8_t mac[6], char sep, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < 6; i++) {
		out[3 * i] = hex[mac[i] >> 4];
		out[3 * i + 1] = hex[mac[i] & 15];
		out[3 * i + 2] = i < 5 ? sep : '\0';
	}
}

void format_ipv6(const uint8_t addr[16], char *out)
{
	if (!inet_ntop(AF_INET6, addr, out, INET6_ADDRSTRLEN))
		strcpy(out, "::");
}

const struct inv_boot *inv_find_boot6(const struct inventory *inv, enum inv_client client,
				      bool any_arch)
{
	for (size_t i = 0; i < inv->nboots6; i++)
		if (inv->boots6[i].client == client && (inv->boots6[i].narch == 0) == any_arch)
			return &inv->boots6[i];
	return NULL;
}

bool inv_has_proxy(const struct inventory *inv)
{
	for (size_t i = 0; i < inv->nsubnets; i++)
		if (inv->subnets[i].proxy)
			return true;
	return false;
}

void inv_boot6_url(const struct inventory *inv, const char *file, char *out, size_t len)
{
	char server[INET6_ADDRSTRLEN];

	if (inv_is_url(file)) {
		snprintf(out, len, "%s", file);
		return;
	}
	format_ipv6(inv->server6, server);
	snprintf(out, len, "tftp://[%s]/%s", server, file + (file[0] == '/'));
}

uint32_t inv_subnet6_id(const struct inv_subnet6 *sn)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < 16; i++)
		h = (h ^ sn->network[i]) * 16777619u;
	h = (h ^ sn->prefixlen) * 16777619u;
	return h % 0xfffffffeu + 1;
}

static void check_subnets6(struct parser *ps)
{
	const struct inventory *inv = ps->inv;

	/* Subnet6 counts are small: pairs are fine here. */
	for (size_t i = 0; i < inv->nsubnets6; i++) {
		const struct inv_subnet6 *sn = &inv->subnets6[i];

		for (size_t j = 0; j < i; j++) {
			const struct inv_subnet6 *o = &inv->subnets6[j];
			const struct inv_subnet6 *wide = sn->prefixlen < o->prefixlen ? sn : o;

			if (in_subnet6(wide, wide == sn ? o->network : sn->network))
				error_at(ps, sn->pos, "subnet6 overlaps the subnet6 at line %u",
					 o->pos.line);
			else if (inv_subnet6_id(sn) == inv_subnet6_id(o))
				error_at(ps, sn->pos,
					 "subnet6 gets the same Kea subnet id as the subnet6 at line %u; change one prefix",
					 o->pos.line);
		}
		if (sn->has_range) {
			if (!in_subnet6(sn, sn->range_lo) || !in_subnet6(sn, sn->range_hi))
				error_at(ps, sn->pos, "range is not inside its subnet6");
			else if (memcmp(sn->range_lo, sn->range_hi, 16) > 0)
				error_at(ps, sn->pos, "range starts after it ends");
			else if (inv->has_server6 && memcmp(sn->range_lo, inv->server6, 16) <= 0 &&
				 memcmp(inv->server6, sn->range_hi, 16) <= 0)
				error_at(ps, sn->pos, "range contains the boot server's own address");
		}
	}
	if (inv->nboots6 && !inv->nsubnets6)
		warning_at(ps, inv->boots6[0].pos,
			   "boot6 without any subnet6: the DHCPv6 outputs declare no subnet");
}

static void check_boots6(struct parser *ps)
{
	const struct inventory *inv = ps->inv;

	for (size_t i = 0; i < inv->nboots6; i++) {
		const struct inv_boot *b = &inv->boots6[i];

		if (b->file && !inv_is_url(b->file) && !inv->has_server6)
			error_at(ps, b->pos,
				 "boot6 %s: a TFTP path needs 'server6 ADDRESS' (the file becomes tftp://[server6]/%s)",
				 b->keyword, b->file);
		for (size_t j = 0; j < i; j++) {
			const struct inv_boot *o = &inv->boots6[j];

			if (o->client != b->client || !b->file || !o->file)
				continue;
			if (b->narch == 0 && o->narch == 0)
				error_at(ps, b->pos, "a second 'boot6 %s' (the first is at line %u)",
					 b->keyword, o->pos.line);
			for (size_t x = 0; x < b->narch; x++)
				for (size_t y = 0; y < o->narch; y++)
					if (b->arch[x] == o->arch[y])
						error_at(ps, b->pos,
							 "architecture %u already has a boot6 file at line %u",
							 b->arch[x], o->pos.line);
		}
	}
}

static bool in_range(const struct inv_subnet *sn, uint32_t a)
{
	return sn->has_range && a >= sn->range_lo && a <= sn->range_hi;
}

/* A server leases every address of its range: the network and broadcast
 * address, the boot server's or the router's own would be handed to a
 * client (Kea did lease the boot server's). Fixed addresses are checked
 * with the hosts. */
static void check_range(struct parser *ps, const struct inv_subnet *sn)
{
	const struct inventory *inv = ps->inv;
	uint32_t bcast = sn->network | ~prefix_mask(sn->prefixlen);
	char a[16];

	if (sn->prefixlen <= 30 && (in_range(sn, sn->network) || in_range(sn, bcast))) {
		format_ipv4(in_range(sn, sn->network) ? sn->network : bcast, a);
		error_at(ps, sn->range_pos, "range contains %s, the %s address of the subnet", a,
			 in_range(sn, sn->network) ? "network" : "broadcast");
	}
	if (inv->has_server && in_range(sn, inv->server)) {
		format_ipv4(inv->server, a);
		error_at(ps, sn->range_pos, "range contains %s, the boot server's own address", a);
	}
	if (sn->has_router && in_range(sn, sn->router)) {
		format_ipv4(sn->router, a);
		error_at(ps, sn->range_pos, "range contains %s, the subnet's router", a);
	}
}

static void check_subnets(struct parser *ps)
{
	const struct inventory *inv = ps->inv;
	char a[16];

	for (size_t i = 0; i < inv->nsubnets; i++) {
		const struct inv_subnet *sn = &inv->subnets[i];

		for (size_t j = 0; j < i; j++) {
			const struct inv_subnet *o = &inv->subnets[j];
			unsigned p = sn->prefixlen < o->prefixlen ? sn->prefixlen : o->prefixlen;

			if ((sn->network & prefix_mask(p)) == (o->network & prefix_mask(p)))
				error_at(ps, sn->pos, "subnet overlaps the subnet at line %u",
					 o->pos.line);
		}
		if (sn->has_range) {
			if (!in_subnet(sn, sn->range_lo) || !in_subnet(sn, sn->range_hi))
				error_at(ps, sn->range_pos, "range is not inside its subnet");
			else if (sn->range_lo > sn->range_hi)
				error_at(ps, sn->range_pos, "range starts after it ends");
			else
				check_range(ps, sn);
		}
		if (sn->has_router && !in_subnet(sn, sn->router)) {
			format_ipv4(sn->router, a);
			error_at(ps, sn->pos, "router %s is not inside its subnet", a);
		}
		/* In proxy DHCP another server owns addresses and options. */
		if (sn->proxy && (sn->has_range || sn->has_router || sn->ndns || sn->lease_time ||
				  sn->domain || sn->nsearch || sn->nntp))
			error_at(ps, sn->pos,
				 "a proxy subnet leases nothing: range, router, dns, lease-time, domain, search and ntp belong to the DHCP server that owns it");
		if (sn->proxy && sn->http_server)
			error_at(ps, sn->http_server_pos,
				 "a proxy subnet takes no http-server: like its other options, the DHCP server that owns it would have to send it");
	}
	if (inv->has_server && inv->nsubnets && !inventory_subnet_of(inv, inv->server)) {
		format_ipv4(inv->server, a);
		warning_at(ps, inv->server_pos,
			   "server %s is in none of the subnets: clients reach it through a router",
			   a);
	}
}

static void check_profiles(struct parser *ps)
{
	struct inventory *inv = ps->inv;

	for (size_t i = 0; i < inv->nprofiles; i++) {
		struct inv_profile *pr = &inv->profiles[i];

		if (!pr->name)
			continue;
		for (size_t j = 0; j < i; j++)
			if (inv->profiles[j].name && strcmp(inv->profiles[j].name, pr->name) == 0)
				error_at(ps, pr->pos, "profile %s is already defined at line %u",
					 pr->name, inv->profiles[j].pos.line);
		if (pr->localboot && (pr->kernel || pr->initrd || pr->append))
			error_at(ps, pr->pos,
				 "profile %s: localboot boots the local disk; it takes no kernel, initrd or append",
				 pr->name);
		else if (!pr->localboot && !pr->kernel)
			error_at(ps, pr->pos, "profile %s needs a kernel (or localboot)", pr->name);
	}
}

static const struct inv_profile *find_profile(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->nprofiles; i++)
		if (inv->profiles[i].name && strcmp(inv->profiles[i].name, name) == 0)
			return &inv->profiles[i];
	return NULL;
}

static void check_boots(struct parser *ps)
{
	const struct inventory *inv = ps->inv;

	for (size_t i = 0; i < inv->nboots; i++) {
		const struct inv_boot *b = &inv->boots[i];

		for (size_t j = 0; j < i; j++) {
			const struct inv_boot *o = &inv->boots[j];

			if (o->client != b->client || !b->file || !o->file)
				continue;
			if (b->narch == 0 && o->narch == 0) {
				error_at(ps, b->pos, "a second 'boot %s' (the first is at line %u)",
					 b->keyword, o->pos.line);
				continue;
			}
			for (size_t x = 0; x < b->narch; x++)
				for (size_t y = 0; y < o->narch; y++)
					if (b->arch[x] == o->arch[y])
						error_at(ps, b->pos,
							 "architecture %u already has a boot file at line %u",
							 b->arch[x], o->pos.line);
		}
	}
	if (inv->nboots == 0 && inv->nboots6 == 0 && !ps->errors)
		warning_at(ps, (struct inv_pos){ 1, 1, NULL },
			   "no boot statements: clients will get no boot file");
}

static bool same_key(const struct inv_host *a, const struct inv_host *b, int kind)
{
	switch (kind) {
	case 0:
		return strcmp(a->name, b->name) == 0;
	case 1:
		return memcmp(a->mac, b->mac, 6) == 0;
	default:
		return a->address == b->address;
	}
}

/* Duplicates among 10^5 hosts: sort the hosts by a key, then equal keys
 * sit together; each host is told the first host (in the file) with
 * its key. O(n log n) where comparing every pair was O(n^2). */
static const struct inv_host *sort_hosts;

static int by_name(const void *a, const void *b)
{
	const struct inv_host *x = &sort_hosts[*(const size_t *)a], *y = &sort_hosts[*(const size_t *)b];
	int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");

	return c ? c : (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int by_mac(const void *a, const void *b)
{
	const struct inv_host *x = &sort_hosts[*(const size_t *)a], *y = &sort_hosts[*(const size_t *)b];
	int c = memcmp(x->mac, y->mac, 6);

	return c ? c : (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int by_address(const void *a, const void *b)
{
	const struct inv_host *x = &sort_hosts[*(const size_t *)a], *y = &sort_hosts[*(const size_t *)b];

	if (x->address != y->address)
		return x->address > y->address ? 1 : -1;
	return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

enum dup_kind { DUP_NAME, DUP_MAC, DUP_ADDRESS, DUP_KINDS };

/* first[k][i]: the first host with host i's key of kind k, or SIZE_MAX. */
static bool find_duplicates(const struct inventory *inv, size_t *first[DUP_KINDS])
{
	static int (*const cmp[DUP_KINDS])(const void *, const void *) = { by_name, by_mac, by_address };
	size_t *order = malloc((inv->nhosts + 1) * sizeof *order);

	for (int k = 0; k < DUP_KINDS; k++)
		first[k] = malloc((inv->nhosts + 1) * sizeof *first[k]);
	if (!order || !first[0] || !first[1] || !first[2]) {
		free(order);
		return false;
	}
	sort_hosts = inv->hosts;
	for (int k = 0; k < DUP_KINDS; k++) {
		size_t n = 0;

		for (size_t i = 0; i < inv->nhosts; i++) {
			const struct inv_host *h = &inv->hosts[i];

			first[k][i] = SIZE_MAX;
			if ((k == DUP_NAME && h->name) || (k == DUP_MAC && h->has_mac) ||
			    (k == DUP_ADDRESS && h->has_address))
				order[n++] = i;
		}
		qsort(order, n, sizeof *order, cmp[k]);
		for (size_t i = 1, lead = 0; i < n; i++) {
			size_t prev = order[i - 1], cur = order[i];

			if (!same_key(&inv->hosts[prev], &inv->hosts[cur], k)) {
				lead = i;
				continue;
			}
			first[k][cur] = order[lead];
		}
	}
	free(order);
	return true;
}

static void check_host_against(struct parser *ps, const struct inv_host *h,
			       size_t *const first[DUP_KINDS], size_t i)
{
	char text[18];
	const struct inv_host *o;

	if (first[DUP_NAME][i] != SIZE_MAX) {
		o = &ps->inv->hosts[first[DUP_NAME][i]];
		error_at(ps, h->pos, "host %s is already defined at line %u", h->name, o->pos.line);
	}
	if (first[DUP_MAC][i] != SIZE_MAX) {
		o = &ps->inv->hosts[first[DUP_MAC][i]];
		format_mac(h->mac, ':', text);
		error_at(ps, h->mac_pos, "MAC %s is already used by host %s (line %u)", text,
			 o->name ? o->name : "?", o->pos.line);
	}
	if (first[DUP_ADDRESS][i] != SIZE_MAX) {
		o = &ps->inv->hosts[first[DUP_ADDRESS][i]];
		format_ipv4(h->address, text);
		error_at(ps, h->address_pos, "address %s is already used by host %s (line %u)",
			 text, o->name ? o->name : "?", o->pos.line);
	}
}

static void check_host_address(struct parser *ps, const struct inv_host *h)
{
	const struct inv_subnet *sn = inventory_subnet_of(ps->inv, h->address);
	char a[16];

	format_ipv4(h->address, a);
	if (!sn) {
		error_at(ps, h->address_pos, "address %s is outside every subnet", a);
		return;
	}
	if (sn->prefixlen <= 30 &&
	    (h->address == sn->network || h->address == (sn->network | ~prefix_mask(sn->prefixlen))))
		error_at(ps, h->address_pos, "%s is the %s address of its subnet", a,
			 h->address == sn->network ? "network" : "broadcast");
	else if (in_range(sn, h->address))
		error_at(ps, h->address_pos,
			 "%s is inside the range at line %u: another client could lease it", a,
			 sn->range_pos.line);
	if (ps->inv->has_server && h->address == ps->inv->server)
		error_at(ps, h->address_pos, "%s is the boot server's own address", a);
}

/* The value of one template variable for host h, or NULL when the host
 * has none (${ip} without an address). */
static const char *template_value(const struct inventory *inv, const struct inv_host *h,
				  const char *name, size_t len, char buf[32])
{
	if (len == 8 && strncmp(name, "hostname", len) == 0)
		return h->name;
	if (len == 3 && strncmp(name, "mac", len) == 0) {
		format_mac(h->mac, ':', buf);
	} else if (len == 10 && strncmp(name, "mac-dashes", len) == 0) {
		format_mac(h->mac, '-', buf);
	} else if (len == 12 && strncmp(name, "mac-pxelinux", len) == 0) {
		memcpy(buf, "01-", 3);
		format_mac(h->mac, '-', buf + 3);
	} else if (len == 7 && strncmp(name, "mac-hex", len) == 0) {
		snprintf(buf, 32, "%02x%02x%02x%02x%02x%02x", h->mac[0], h->mac[1], h->mac[2],
			 h->mac[3], h->mac[4], h->mac[5]);
	} else if (len == 2 && strncmp(name, "ip", len) == 0) {
		if (!h->has_address)
			return NULL;
		format_ipv4(h->address, buf);
	} else {	/* server; check_template let nothing else through */
		format_ipv4(inv->server, buf);
	}
	return buf;
}

/* Appends template t, expanded for host h, to out. */
static bool expand_template(struct parser *ps, const struct inv_host *h, const char *t,
			    struct inv_pos pos, struct strbuf *out)
{
	char buf[32];

	for (const char *p = t; *p;) {
		const char *dollar = strchr(p, '$'), *close, *v;

		if (!dollar) {
			sb_add(out, p);
			break;
		}
		sb_addf(out, "%.*s", (int)(dollar - p), p);
		close = strchr(dollar, '}');	/* check_template saw "${name}" */
		v = template_value(ps->inv, h, dollar + 2, (size_t)(close - dollar - 2), buf);
		if (!v) {
			error_at(ps, pos, "host %s has no address for ${ip}", h->name);
			return false;
		}
		sb_add(out, v);
		p = close + 1;
	}
	return true;
}

/* The host's kernel command line: its profile's append, then its group's,
 * then its own, templates expanded, checked as any command line. */
static void host_cmdline(struct parser *ps, struct inv_host *h, const struct inv_group *g)
{
	const struct inv_profile *pr = h->profile;
	struct strbuf line = STRBUF_INIT;
	struct token t = { .type = TOK_STRING, .pos = h->append_pos };
	bool ok = true;

	if (!h->append && !(g && g->append))
		return;
	if (!pr || pr->localboot) {
		error_at(ps, h->append ? h->append_pos : h->pos,
			 "host %s: append adds to a profile's kernel command line; it needs a profile with a kernel",
			 h->name);
		return;
	}
	if (!h->append)
		t.pos = h->pos;
	if (pr->append)
		sb_add(&line, pr->append);
	if (g && g->append) {
		sb_add(&line, line.len ? " " : "");
		ok = expand_template(ps, h, g->append, h->pos, &line);
	}
	if (ok && h->append) {
		sb_add(&line, line.len ? " " : "");
		ok = expand_template(ps, h, h->append, h->append_pos, &line);
	}
	t.text = line.oom ? NULL : (char *)sb_str(&line);
	if (ok && !t.text)
		error_at(ps, t.pos, "out of memory");
	else if (ok && check_text(ps, &t, "kernel command line") && !(h->cmdline = strdup(t.text)))
		error_at(ps, t.pos, "out of memory");
	sb_free(&line);
}

static const struct inv_group *find_group(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->ngroups; i++)
		if (inv->groups[i].name && strcmp(inv->groups[i].name, name) == 0)
			return &inv->groups[i];
	return NULL;
}

/* What a host takes from its group: everything it does not set itself. */
static void inherit_group(struct parser *ps, struct inv_host *h, const struct inv_group *g)
{
	if (!h->profile_name && g->profile_name) {
		h->profile_name = strdup(g->profile_name);
		h->profile_pos = g->pos;
	}
	if (!h->filename && g->filename)
		h->filename = strdup(g->filename);
	for (size_t i = 0; i < g->nboots; i++) {
		bool own = false;

		for (size_t j = 0; j < h->nboots; j++)
			own |= h->boot[j].keyword == g->boot[i].keyword;
		if (own || h->nboots == INV_MAX_ARCHES)
			continue;
		if (!boot_room(&h->boot)) {
			error_at(ps, h->pos, "out of memory");
			return;
		}
		h->boot[h->nboots] = g->boot[i];
		h->boot[h->nboots].file = strdup(g->boot[i].file);
		if (!h->boot[h->nboots++].file)
			error_at(ps, h->pos, "out of memory");
	}
	if ((g->profile_name && !h->profile_name) || (g->filename && !h->filename))
		error_at(ps, h->pos, "out of memory");
}

static void check_host_settings(struct parser *ps, struct inv_host *h)
{
	struct inventory *inv = ps->inv;
	const struct inv_group *g = NULL;

	if (h->group_name) {
		g = find_group(inv, h->group_name);
		if (!g)
			error_at(ps, h->group_pos, "unknown group '%s'", h->group_name);
		else if (!h->noboot)
			inherit_group(ps, h, g);
	}
	if (h->noboot && (h->profile_name || h->filename || h->nboots || h->append || h->group_name))
		error_at(ps, h->pos,
			 "host %s: noboot takes no profile or filename (nor boot, append, group)",
			 h->name ? h->name : "?");
	if (h->profile_name) {
		h->profile = find_profile(inv, h->profile_name);
		if (!h->profile)
			error_at(ps, h->profile_pos, "unknown profile '%s'", h->profile_name);
	}
	if (h->name && h->has_mac && !h->noboot)
		host_cmdline(ps, h, g);
}

static void check_hosts(struct parser *ps)
{
	struct inventory *inv = ps->inv;
	size_t *first[DUP_KINDS] = { NULL, NULL, NULL };

	if (!find_duplicates(inv, first)) {
		error_at(ps, ps->at, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < inv->ngroups; i++)
		for (size_t j = 0; j < i; j++)
			if (inv->groups[i].name && inv->groups[j].name &&
			    strcmp(inv->groups[i].name, inv->groups[j].name) == 0)
				error_at(ps, inv->groups[i].pos, "group %s is already defined at line %u",
					 inv->groups[i].name, inv->groups[j].pos.line);
	for (size_t i = 0; i < inv->nhosts; i++) {
		struct inv_host *h = &inv->hosts[i];

		check_host_against(ps, h, first, i);
		if (!h->has_mac && h->name)
			error_at(ps, h->pos, "host %s has no mac", h->name);
		if (h->has_address)
			check_host_address(ps, h);
		check_host_settings(ps, h);
	}
out:
	for (int k = 0; k < DUP_KINDS; k++)
		free(first[k]);
}

static void check_inventory(struct parser *ps)
{
	struct inventory *inv = ps->inv;

	if (!inv->has_server && !ps->errors)
		error_at(ps, ps->at, "no 'server' statement: which address is the TFTP server?");
	check_subnets(ps);
	check_subnets6(ps);
	check_profiles(ps);
	check_boots(ps);
	check_boots6(ps);
	check_hosts(ps);
	check_failover(ps);
	if (inv->default_profile) {
		inv->default_prof = find_profile(inv, inv->default_profile);
		if (!inv->default_prof)
			error_at(ps, inv->default_profile_pos, "unknown profile '%s'",
				 inv->default_profile);
	}
}

/* The inventory's name goes into every output's header comment: a
 * newline would end the comment (and inject a line), a trailing '\\'
 * would continue it in iPXE, so anything but printable ASCII is '?'. */
static char *comment_safe(const char *source)
{
	char *s = strdup(source);

	for (char *p = s; p && *p; p++)
		if (*p < ' ' || *p > '~' || *p == '\\')
			*p = '?';
	return s;
}

struct inventory *inventory_parse(const char *source, const char *text, size_t len,
				  struct strbuf *diag_out)
{
	return inventory_parse_includes(source, text, len, NULL, diag_out);
}

struct inventory *inventory_parse_includes(const char *source, const char *text, size_t len,
					   const struct inv_include_ops *ops,
					   struct strbuf *diag_out)
{
	struct parser ps = {
		.p = text, .end = text + len, .at = { 1, 1, NULL },
		.source = source, .diag = diag_out, .inc = ops,
	};

	ps.inv = calloc(1, sizeof *ps.inv);
	if (!ps.inv) {
		sb_addf(diag_out, "%s: out of memory\n", source);
		return NULL;
	}
	ps.inv->source = comment_safe(source);
	ps.inv->timeout = 5;
	if (memchr(text, '\0', len))
		error_at(&ps, ps.at, "the file contains a NUL byte: is it text?");
	else
		parse_statements(&ps);
	check_inventory(&ps);
	if (ps.errors || !ps.inv->source) {
		inventory_free(ps.inv);
		return NULL;
	}
	return ps.inv;
}

static void free_boots(struct inv_boot *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(b[i].file);
		free(b[i].grub_dir);
	}
}

void inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	free_boots(inv->boots, inv->nboots);
	free_boots(inv->boots6, inv->nboots6);
	for (size_t i = 0; i < inv->nsubnets; i++) {
		free(inv->subnets[i].domain);
		free(inv->subnets[i].http_server);
		for (size_t j = 0; j < inv->subnets[i].nsearch; j++)
			free(inv->subnets[i].search[j]);
	}
	for (size_t i = 0; i < inv->ngroups; i++) {
		free(inv->groups[i].name);
		free(inv->groups[i].profile_name);
		free(inv->groups[i].filename);
		free(inv->groups[i].append);
		free_boots(inv->groups[i].boot, inv->groups[i].nboots);
		free(inv->groups[i].boot);
	}
	free(inv->groups);
	for (size_t i = 0; i < inv->nsubnets6; i++)
		free(inv->subnets6[i].interface);
	free(inv->subnets6);
	free(inv->boots6);
	for (size_t i = 0; i < inv->nprofiles; i++) {
		struct inv_profile *pr = &inv->profiles[i];

		free(pr->name);
		free(pr->label);
		free(pr->kernel);
		free(pr->initrd);
		free(pr->append);
	}
	for (size_t i = 0; i < inv->nhosts; i++) {
		free(inv->hosts[i].name);
		free(inv->hosts[i].profile_name);
		free(inv->hosts[i].filename);
		free(inv->hosts[i].append);
		free(inv->hosts[i].cmdline);
		free(inv->hosts[i].group_name);
		free_boots(inv->hosts[i].boot, inv->hosts[i].nboots);
		free(inv->hosts[i].boot);
	}
	free(inv->subnets);
	free(inv->boots);
	free(inv->profiles);
	free(inv->hosts);
	free(inv->default_profile);
	for (size_t i = 0; i < inv->nincluded; i++)
		free(inv->included[i]);
	free(inv->included);
	free_failover(inv);
	free(inv->http_server);
	free(inv->http_listen);
	free(inv->kea_hooks_dir);
	free(inv->source);
	free(inv);
}
