#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "addr.h"
#include "export_table.h"
#include "exports_load.h"
#include "log.h"
#include "resolver.h"
#include "strbuf.h"

bool fh_of_fd(int dirfd, const char *name, uint32_t fsid, struct fh *out)
{
	union {
		struct file_handle h;
		unsigned char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} u;
	int mount_id;

	u.h.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(dirfd, name ? name : "", &u.h, &mount_id,
			      name ? 0 : AT_EMPTY_PATH) < 0)
		return false;
	if (u.h.handle_bytes > FH_KERNEL_MAX) {
		errno = EOVERFLOW;
		return false;
	}
	out->fsid = fsid;
	out->handle_type = u.h.handle_type;
	out->handle_bytes = u.h.handle_bytes;
	memcpy(out->f_handle, u.h.f_handle, u.h.handle_bytes);
	return true;
}

/* A regular file is an ISO image whose contents are served read-only
 * (pxe-exports(5)); "rw" cannot apply. */
static void open_image_export(struct export_state *st, const struct export *e)
{
	st->iso = isofs_open(e->path);
	if (st->iso == NULL)
		logmsg(LOG_ERR, "%s: out of memory", e->path);
	for (size_t c = 0; c < e->nclients; c++)
		if (e->clients[c].opts.rw)
			logmsg(LOG_WARNING, "%s: 'rw' for %s: an ISO image is served read-only",
			       e->path, e->clients[c].spec);
}

/* An export that cannot be opened is kept (it may appear later, as a
 * mount) but refuses every mount until a reload finds it. */
static void open_export(struct export_state *st, const struct export *e)
{
	struct fh root;
	struct stat sb;

	st->ex = e;
	st->root_fd = -1;
	if (isofs_is_image_path(e->path)) {
		open_image_export(st, e);
		return;
	}
	/* O_RDONLY: open_by_handle_at refuses an O_PATH descriptor. */
	st->root_fd = open(e->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->root_fd < 0) {
		logmsg(LOG_ERR, "Failed to stat %s: %m", e->path);
		return;
	}
	if (fstat(st->root_fd, &sb) < 0 || !fh_of_fd(st->root_fd, NULL, e->fsid, &root)) {
		logmsg(LOG_ERR, "%s does not support NFS export: no file handles of at most "
		       "%d bytes (%m)", e->path, FH_KERNEL_MAX);
		close(st->root_fd);
		st->root_fd = -1;
		return;
	}
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
}

void export_table_free(struct export_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->st[i].root_fd >= 0)
			close(t->st[i].root_fd);
	for (size_t i = 0; i < t->n; i++)
		isofs_free(t->st[i].iso);
	free(t->st);
	exports_free(t->exports);
	t->st = NULL;
	t->exports = NULL;
	t->n = 0;
}

bool export_table_load(struct export_table *t, const char *file)
{
	struct strbuf diag = STRBUF_INIT;
	struct exports *ex = NULL;
	struct export_state *st;
	bool ok = false;

	ex = exports_load(file, &diag);
	for (char *line = diag.buf, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		logmsg(ex ? LOG_WARNING : LOG_ERR, "%s", line);
	}
	if (ex == NULL) {
		logmsg(LOG_ERR, "%s has errors: keeping the exports as they were", file);
		goto out;
	}
	st = calloc(ex->n ? ex->n : 1, sizeof *st);
	if (st == NULL)
		goto out;
	export_table_free(t);
	t->exports = ex;
	t->st = st;
	t->n = ex->n;
	t->generation++;
	for (size_t i = 0; i < ex->n; i++)
		open_export(&st[i], &ex->v[i]);
	ex = NULL;
	ok = true;
out:
	exports_free(ex);
	sb_free(&diag);
	return ok;
}

const struct export_state *export_table_fsid(const struct export_table *t, uint32_t fsid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->st[i].ex->fsid == fsid)
			return &t->st[i];
	return NULL;
}

/* ---- the access decision, logged here and nowhere else ------------------ */

bool export_allows(const struct export *e, const struct export_caller *who)
{
	struct name_lookup names = { resolver_lookup, who->resolver };
	struct access_result r;

	return access_check(e, who->peer, &names, &r) == ACCESS_OK;
}

const struct export_options *export_decide(const struct export *e,
					   const struct export_caller *who, bool *pending)
{
	struct name_lookup names = { resolver_lookup, who->resolver };
	struct access_result r;
	char addr[ADDR_STRLEN], name[300] = "";

	*pending = false;
	if (access_check(e, who->peer, &names, &r) == ACCESS_OK)
		return &r.client->opts;
	peer_ntop(who->peer, addr, sizeof addr);
	if (r.name.name)
		snprintf(name, sizeof name, " (%s)", r.name.name);
	else if (r.name.unconfirmed)
		snprintf(name, sizeof name, " (its PTR record names %s, whose addresses do not "
			 "include it)", r.name.unconfirmed);
	else if (r.looked_up)
		snprintf(name, sizeof name, " (no host name)");
	switch (r.reason) {
	case ACCESS_NAME_PENDING:
		/* A refusal would be final for the client; silence makes it
		 * retransmit, by which time the name is known. */
		*pending = true;
		if (log_verbose(1))
			logmsg(LOG_DEBUG, "dropped %s from %s: %s", who->what, addr,
			       access_reason_text(r.reason));
		break;
	case ACCESS_INSECURE_PORT:
		logmsg(LOG_NOTICE, "refused %s from %s%s port %u: %s is %s", who->what, addr,
		       name, addr_port(who->peer), e->path, access_reason_text(r.reason));
		break;
	case ACCESS_NOT_EXPORTED_TO_HOST:
	case ACCESS_OK:
		logmsg(LOG_NOTICE, "refused %s from %s%s: %s is %s", who->what, addr, name,
		       e->path, access_reason_text(r.reason));
		break;
	}
	return NULL;
}
