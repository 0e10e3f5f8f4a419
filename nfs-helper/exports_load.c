#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exports_load.h"
#include "isofs.h"

__attribute__((format(printf, 4, 5)))
static void note(struct strbuf *diag, const struct export *e, bool is_error, const char *fmt, ...)
{
	va_list ap;

	sb_addf(diag, "%s:%u: %s", e->file, e->line, is_error ? "" : "warning: ");
	va_start(ap, fmt);
	sb_vaddf(diag, fmt, ap);
	va_end(ap);
	sb_add(diag, "\n");
}

void exports_dropin_dir(const char *file, char *out, size_t len)
{
	snprintf(out, len, "%s.d", file);
}

/* Returns 0, or -1 when the file cannot be read (reported). A missing
 * main file is fine when its drop-in directory exists. */
static int parse_file(struct exports *ex, const char *path, bool may_be_missing,
		      struct strbuf *diag, unsigned *errors)
{
	struct strbuf text = STRBUF_INIT;
	int rc = 0;

	if (read_text_file(path, 0, EXPORTS_FILE_MAX, &text) < 0) {
		if (!(may_be_missing && errno == ENOENT)) {
			sb_addf(diag, "%s: cannot read: %s\n", path, strerror(errno));
			rc = -1;
		}
	} else {
		*errors += exports_parse_text(ex, sb_str(&text), path, diag);
	}
	sb_free(&text);
	return rc;
}

/* nfs-utils' rule: names ending in ".exports", not hidden. */
static int is_dropin(const struct dirent *d)
{
	size_t len = strlen(d->d_name), sl = strlen(".exports");

	return d->d_name[0] != '.' && len > sl && strcmp(d->d_name + len - sl, ".exports") == 0;
}

static int parse_dropins(struct exports *ex, const char *dir, struct strbuf *diag,
			 unsigned *errors)
{
	struct dirent **names;
	int n = scandir(dir, &names, is_dropin, alphasort), rc = 0;

	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		sb_addf(diag, "%s: cannot read: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];

		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name) >=
		    sizeof path) {
			sb_addf(diag, "%s/%s: name too long\n", dir, names[i]->d_name);
			rc = -1;
		} else if (parse_file(ex, path, false, diag, errors) < 0) {
			rc = -1;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* knfsd exports the directory, whatever the path that names it; handles
 * are checked against the directory's real path. A path that does not
 * exist yet stays as written (it may be mounted later). */
static void canonicalize(struct export *e, struct strbuf *diag)
{
	char *real = realpath(e->path, NULL);
	struct stat sb;

	if (real == NULL) {
		note(diag, e, false, "Failed to stat %s: %s", e->path, strerror(errno));
		return;
	}
	/* A regular file is served as an ISO image (pxe-exports(5)). */
	if (stat(real, &sb) == 0 && !S_ISDIR(sb.st_mode) &&
	    !(S_ISREG(sb.st_mode) && isofs_has_signature(real)))
		note(diag, e, false, "%s is not a directory or an ISO 9660 image", e->path);
	if (strcmp(real, e->path) == 0) {
		free(real);
		return;
	}
	note(diag, e, false, "%s is %s (through a symlink): exporting %s", e->path, real, real);
	free(e->written);
	e->written = e->path;
	e->path = real;
}

static bool add_addr(struct export_client *c, const struct sockaddr *sa)
{
	struct client_addr a = { 0 }, *v;

	a.family = client_address(sa, a.addr);
	if (a.family == AF_UNSPEC)
		return true;
	for (size_t i = 0; i < c->naddrs; i++)
		if (memcmp(&c->addrs[i], &a, sizeof a) == 0)
			return true;
	v = realloc(c->addrs, (c->naddrs + 1) * sizeof *v);
	if (v == NULL)
		return false;
	c->addrs = v;
	c->addrs[c->naddrs++] = a;
	return true;
}

/* A host name matches by the addresses it has now (nfs-utils' check_fqdn),
 * so a request never waits for reverse DNS when a name or an address
 * covers it. */
static void resolve_name(const struct export *e, struct export_client *c, struct strbuf *diag)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *p;
	int rc = getaddrinfo(c->spec, NULL, &hints, &ai);

	if (rc != 0) {
		note(diag, e, false, "cannot resolve host name %s: %s: it matches no client "
		     "until a reload resolves it", c->spec,
		     rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return;
	}
	for (p = ai; p; p = p->ai_next)
		if (!add_addr(c, p->ai_addr))
			break;
	freeaddrinfo(ai);
}

struct exports *exports_load(const char *file, struct strbuf *diag)
{
	struct exports *ex = exports_new();
	char dir[PATH_MAX];
	unsigned errors = 0;
	struct stat sb;

	if (ex == NULL) {
		sb_add(diag, "out of memory\n");
		return NULL;
	}
	exports_dropin_dir(file, dir, sizeof dir);
	if (parse_file(ex, file, stat(dir, &sb) == 0, diag, &errors) < 0)
		errors++;
	if (parse_dropins(ex, dir, diag, &errors) < 0)
		errors++;
	for (size_t i = 0; i < ex->n; i++) {
		canonicalize(&ex->v[i], diag);
		for (size_t c = 0; c < ex->v[i].nclients; c++)
			if (ex->v[i].clients[c].kind == CLIENT_NAME)
				resolve_name(&ex->v[i], &ex->v[i].clients[c], diag);
	}
	errors += exports_finish(ex, diag);
	if (errors) {
		exports_free(ex);
		return NULL;
	}
	return ex;
}
