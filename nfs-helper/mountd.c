/* pxe-mountd: the MOUNT program (100005, versions 1 and 3) for pxe-nfsd's
 * exports. It turns an export path into the root file handle after
 * checking the client against exports(5), and answers showmount. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "beneath.h"
#include "daemon.h"
#include "log.h"
#include "mount_prot.h"

#define MOUNTLIST_MAX 4096

struct mount_entry {
	char *host;
	char *dir;
};

struct mountd {
	struct daemon_ctx d;
	/* who mounted what, for DUMP (showmount -a); in memory only */
	struct mount_entry *mounts;
	size_t nmounts;
	/* the lists of the last DUMP or EXPORT reply, freed by the next */
	void *reply_nodes;
};

static struct mountd *mountd_of(struct rpc_req *req)
{
	return (struct mountd *)req->ctx;
}

/* dirpath (RFC 1813 App. I) decoded as xdr_string does, except that a
 * NUL inside the path is garbage, as knfsd treats one in a file name: a
 * C string would silently end there and name another directory. */
typedef dirpath mnt_dirpath;
static bool_t xdr_mnt_dirpath(XDR *xdrs, mnt_dirpath *objp)
{
	u_int len;
	char *s;

	if (xdrs->x_op != XDR_DECODE)
		return xdr_dirpath(xdrs, objp);
	if (!xdr_u_int(xdrs, &len) || len > MNTPATHLEN)
		return FALSE;
	s = malloc(len + 1);
	if (s == NULL)
		return FALSE;
	if (!xdr_opaque(xdrs, s, len) || memchr(s, '\0', len) != NULL) {
		free(s);
		return FALSE;
	}
	s[len] = '\0';
	*objp = s;
	return TRUE;
}

static void remember_mount(struct mountd *m, const char *host, const char *dir)
{
	struct mount_entry *v;

	for (size_t i = 0; i < m->nmounts; i++)
		if (strcmp(m->mounts[i].host, host) == 0 && strcmp(m->mounts[i].dir, dir) == 0)
			return;
	if (m->nmounts == MOUNTLIST_MAX) {
		free(m->mounts[0].host);
		free(m->mounts[0].dir);
		memmove(m->mounts, m->mounts + 1, --m->nmounts * sizeof *m->mounts);
	}
	v = realloc(m->mounts, (m->nmounts + 1) * sizeof *v);
	if (v == NULL)
		return;
	m->mounts = v;
	v[m->nmounts].host = strdup(host);
	v[m->nmounts].dir = strdup(dir);
	if (v[m->nmounts].host && v[m->nmounts].dir)
		m->nmounts++;
}

static void forget_mounts(struct mountd *m, const char *host, const char *dir)
{
	for (size_t i = 0; i < m->nmounts;) {
		struct mount_entry *e = &m->mounts[i];

		if (strcmp(e->host, host) == 0 && (dir == NULL || strcmp(e->dir, dir) == 0)) {
			free(e->host);
			free(e->dir);
			*e = m->mounts[--m->nmounts];
		} else {
			i++;
		}
	}
}

/* MNT: the checks knfsd's mountd makes, in its order: is the path
 * exported, to this host, from a reserved port, and does it exist. */
static mountstat3 mount_handle(struct rpc_req *req, const char *asked, unsigned char *fh,
			       size_t *fhlen)
{
	struct mountd *m = mountd_of(req);
	const struct export *e;
	const struct export_state *st;
	char addr[ADDR_STRLEN], path[MNTPATHLEN + 1], shown[LOG_ESCAPE_MAX];
	const char *rest;
	struct fh h;
	int fd;

	/* Logged as escaped text: a path is the client's bytes. */
	log_escape_bytes(asked, MNTPATHLEN, shown, sizeof shown);
	snprintf(path, sizeof path, "%s", asked);
	if (!exports_normalize_path(path)) {
		logmsg(LOG_NOTICE, "refused mount request from %s for %s: not an absolute path "
		       "without \".\" or \"..\"", peer_ntop(req->peer, addr, sizeof addr), shown);
		return MNT3ERR_INVAL;
	}
	e = exports_find_path(m->d.exports.exports, path, &rest);
	if (e == NULL) {
		logmsg(LOG_NOTICE, "refused mount request from %s for %s: not exported",
		       peer_ntop(req->peer, addr, sizeof addr), shown);
		return MNT3ERR_ACCES;
	}
	if (export_access(e, req) == NULL)
		return MNT3ERR_ACCES;
	st = export_table_fsid(&m->d.exports, e->fsid);
	if (st != NULL && st->iso != NULL) {
		int err = isofs_mount(st->iso, rest, fh, fhlen);

		if (err != 0)
			return err == ENOTDIR ? MNT3ERR_NOTDIR : err == EIO ? MNT3ERR_IO :
			       MNT3ERR_NOENT;
		goto mounted;
	}
	if (st == NULL || st->root_fd < 0)
		return MNT3ERR_NOENT;
	/* Symlinks resolved, but never leaving the export or its file
	 * system. */
	fd = open_beneath(st->root_fd, rest, O_PATH | O_DIRECTORY, RESOLVE_NO_XDEV);
	if (fd < 0)
		return errno == ENOTDIR ? MNT3ERR_NOTDIR : MNT3ERR_NOENT;
	if (!fh_of_fd(fd, NULL, e->fsid, &h)) {
		close(fd);
		return MNT3ERR_SERVERFAULT;
	}
	close(fd);
	*fhlen = fh_encode(&m->d.key, &h, fh);
	if (*fhlen == 0)
		return MNT3ERR_SERVERFAULT;
mounted:
	/* The export, not the client's spelling: DUMP lists each mount
	 * once, however many ways it was asked for. */
	remember_mount(m, peer_ntop(req->peer, addr, sizeof addr), export_shown_path(e));
	logmsg(LOG_INFO, "authenticated mount request from %s for %s (%s)",
	       peer_ntop(req->peer, addr, sizeof addr), shown, e->path);
	return MNT3_OK;
}

static void proc_null(struct rpc_req *req, void *args, void *res)
{
	(void)req, (void)args, (void)res;
}

static void proc_mnt3(struct rpc_req *req, void *args, void *res)
{
	static unsigned char fh[FH_SIZE_MAX];
	static int flavors[] = { RPC_AUTH_SYS };
	mountres3 *r = res;
	size_t len = 0;

	r->fhs_status = mount_handle(req, *(dirpath *)args, fh, &len);
	if (r->fhs_status != MNT3_OK)
		return;
	r->mountres3_u.mountinfo.fhandle.fhandle3_len = (u_int)len;
	r->mountres3_u.mountinfo.fhandle.fhandle3_val = (char *)fh;
	r->mountres3_u.mountinfo.auth_flavors.auth_flavors_len = 1;
	r->mountres3_u.mountinfo.auth_flavors.auth_flavors_val = flavors;
}

/* Version 1 exists for showmount; its MNT hands out NFSv2 handles, and
 * NFSv2 is not served. */
static void proc_mnt1(struct rpc_req *req, void *args, void *res)
{
	char addr[ADDR_STRLEN], shown[LOG_ESCAPE_MAX];

	logmsg(LOG_NOTICE, "refused MOUNT v1 request from %s for %s: NFSv2 is not served "
	       "(mount with vers=3)", peer_ntop(req->peer, addr, sizeof addr),
	       log_escape_bytes(*(dirpath *)args, MNTPATHLEN, shown, sizeof shown));
	((fhstatus *)res)->fhs_status = EINVAL;
}

static void proc_dump(struct rpc_req *req, void *args, void *res)
{
	struct mountd *m = mountd_of(req);
	struct mountbody *nodes;

	(void)args;
	free(m->reply_nodes);
	m->reply_nodes = nodes = calloc(m->nmounts ? m->nmounts : 1, sizeof *nodes);
	if (nodes == NULL)
		return;
	for (size_t i = 0; i < m->nmounts; i++) {
		nodes[i].ml_hostname = m->mounts[i].host;
		nodes[i].ml_directory = m->mounts[i].dir;
		nodes[i].ml_next = i + 1 < m->nmounts ? &nodes[i + 1] : NULL;
	}
	*(mountlist *)res = m->nmounts ? nodes : NULL;
}

static void proc_umnt(struct rpc_req *req, void *args, void *res)
{
	struct mountd *m = mountd_of(req);
	char addr[ADDR_STRLEN], path[MNTPATHLEN + 1];
	const struct export *e = NULL;

	(void)res;
	snprintf(path, sizeof path, "%s", *(dirpath *)args);
	/* Mounts are remembered by their export (see mount_handle). */
	if (exports_normalize_path(path))
		e = exports_find_path(m->d.exports.exports, path, NULL);
	forget_mounts(m, peer_ntop(req->peer, addr, sizeof addr),
		      e ? export_shown_path(e) : path);
}

static void proc_umntall(struct rpc_req *req, void *args, void *res)
{
	char addr[ADDR_STRLEN];

	(void)args, (void)res;
	forget_mounts(mountd_of(req), peer_ntop(req->peer, addr, sizeof addr), NULL);
}

static void proc_export(struct rpc_req *req, void *args, void *res)
{
	struct mountd *m = mountd_of(req);
	const struct exports *ex = m->d.exports.exports;
	size_t ngroups = 0, g = 0;
	struct exportnode *nodes;
	struct groupnode *gnodes;

	(void)args;
	for (size_t i = 0; i < ex->n; i++)
		ngroups += ex->v[i].nclients;
	free(m->reply_nodes);
	m->reply_nodes = calloc(1, (ex->n + 1) * sizeof *nodes + (ngroups + 1) * sizeof *gnodes);
	if (m->reply_nodes == NULL)
		return;
	nodes = m->reply_nodes;
	gnodes = (struct groupnode *)(nodes + ex->n + 1);
	for (size_t i = 0; i < ex->n; i++) {
		const struct export *e = &ex->v[i];

		nodes[i].ex_dir = (char *)export_shown_path(e);
		nodes[i].ex_next = i + 1 < ex->n ? &nodes[i + 1] : NULL;
		nodes[i].ex_groups = e->nclients ? &gnodes[g] : NULL;
		for (size_t c = 0; c < e->nclients; c++, g++) {
			gnodes[g].gr_name = e->clients[c].spec;
			gnodes[g].gr_next = c + 1 < e->nclients ? &gnodes[g + 1] : NULL;
		}
	}
	*(exports *)res = ex->n ? nodes : NULL;
}

#define PROC(name, fn, argt, rest) \
	{ name, (xdrproc_t)xdr_##argt, (xdrproc_t)xdr_##rest, sizeof(argt), sizeof(rest), fn }

static const struct rpc_proc mount_v1[] = {
	PROC("NULL", proc_null, rpc_void, rpc_void),
	PROC("MNT", proc_mnt1, mnt_dirpath, fhstatus),
	PROC("DUMP", proc_dump, rpc_void, mountlist),
	PROC("UMNT", proc_umnt, mnt_dirpath, rpc_void),
	PROC("UMNTALL", proc_umntall, rpc_void, rpc_void),
	PROC("EXPORT", proc_export, rpc_void, exports),
};

static const struct rpc_proc mount_v3[] = {
	PROC("NULL", proc_null, rpc_void, rpc_void),
	PROC("MNT", proc_mnt3, mnt_dirpath, mountres3),
	PROC("DUMP", proc_dump, rpc_void, mountlist),
	PROC("UMNT", proc_umnt, mnt_dirpath, rpc_void),
	PROC("UMNTALL", proc_umntall, rpc_void, rpc_void),
	PROC("EXPORT", proc_export, rpc_void, exports),
};

static const struct rpc_version mount_versions[] = {
	{ MOUNT_V1, mount_v1, sizeof mount_v1 / sizeof *mount_v1 },
	{ MOUNT_V3, mount_v3, sizeof mount_v3 / sizeof *mount_v3 },
};

static const struct rpc_program mount_program = {
	MOUNT_PROGRAM, mount_versions, sizeof mount_versions / sizeof *mount_versions,
};

static void usage(int status)
{
	daemon_usage(status, "pxe-mountd",
		     "Answer NFS MOUNT requests (program 100005, versions 1 and 3) for the\n"
		     "exports in exports(5) syntax that pxe-nfsd serves.\n",
		     "pxe-nfsd", "any free port");
}

int main(int argc, char **argv)
{
	static struct mountd m = { .d.opts.progname = "pxe-mountd" };

	log_open("pxe-mountd", LOG_TO_STDERR, LOG_DAEMON);
	daemon_parse_args(&m.d.opts, argc, argv, usage, 0);
	/* Replies are small: one datagram, one TCP fragment (klibc). */
	daemon_start(&m.d, &mount_program, 256 * 1024, 65000);
	daemon_serve(&m.d);
	for (size_t i = 0; i < m.nmounts; i++) {
		free(m.mounts[i].host);
		free(m.mounts[i].dir);
	}
	free(m.mounts);
	free(m.reply_nodes);
	return EXIT_SUCCESS;
}
