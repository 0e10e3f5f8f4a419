/* pxe-nfsd's procedures on objects inside an exported ISO 9660 image
 * (version 2 handles, fhandle.h): everything is read from the image file
 * through lib/iso9660, file data straight from its extents. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caller.h"
#include "daemon.h"
#include "isofs.h"
#include "log.h"
#include "nfsd.h"
#include "nfsd_iso.h"

#define ISO_ARENA_SIZE (2 * 1024 * 1024)
/* READDIR cookies of "." and ".." (lib/iso9660's are record offsets
 * past them, never below 68). */
#define COOKIE_DOT 1
#define COOKIE_DOTDOT 2
#define READDIR_SCAN_MAX (1u << 16)

struct iso_object {
	const struct export_state *st;
	struct isofs *fs;
	const struct export_options *opts;
	struct identity id;
	struct iso_entry e;
	struct stat sb;
	bool have_sb;
};

static nfsstat3 iso_status(int rc)
{
	switch (rc) {
	case ISO_OK: return NFS3_OK;
	case ISO_E_NOENT: case ISO_E_BADNAME: return NFS3ERR_NOENT;
	case ISO_E_NAMETOOLONG: return NFS3ERR_NAMETOOLONG;
	case ISO_E_NOTDIR: return NFS3ERR_NOTDIR;
	case ISO_E_ISDIR: return NFS3ERR_ISDIR;
	case ISO_E_NOTLINK: return NFS3ERR_INVAL;
	case ISO_E_BADCOOKIE: return NFS3ERR_BAD_COOKIE;
	case ISO_E_STALE: return NFS3ERR_STALE;
	default: return NFS3ERR_IO;
	}
}

/* The export serving this image to this caller. Several exports may
 * serve the same bytes (one image at two paths, or two copies): the
 * first that lets the caller in. The others are asked quietly: that one
 * of them refuses is no refusal of the call, and logging it would log a
 * line for every call of a client the other lets in. Only when none
 * does is the refusal decided (and logged) by the first. Only a miss
 * stats every image. */
static nfsstat3 find_export(struct rpc_req *req, uint64_t image, struct iso_object *o)
{
	struct daemon_ctx *d = req->ctx;
	const struct export_table *t = &d->exports;
	const struct export_state *first = NULL;

	for (int pass = 0; pass < 2 && first == NULL; pass++) {
		for (size_t i = 0; i < t->n; i++) {
			struct isofs *fs = t->st[i].iso;

			if (fs == NULL || (pass == 0 && fs->image_id != image))
				continue;
			if (!isofs_refresh(fs) || fs->image_id != image)
				continue;
			if (first == NULL)
				first = &t->st[i];
			if (!export_access_quiet(t->st[i].ex, req))
				continue;
			o->opts = export_access(t->st[i].ex, req);
			if (o->opts == NULL)
				continue;	/* its name just became unknown: not ours */
			o->st = &t->st[i];
			o->fs = fs;
			return NFS3_OK;
		}
	}
	if (first == NULL)
		return NFS3ERR_STALE;
	o->opts = export_access(first->ex, req);
	if (o->opts == NULL)
		return NFS3ERR_ACCES;
	o->st = first;		/* its caller's name became known just now */
	o->fs = first->iso;
	return NFS3_OK;
}

static nfsstat3 resolve(struct rpc_req *req, const nfs_fh3 *h, struct iso_object *o)
{
	struct fh_iso fh;
	nfsstat3 status;
	int rc;

	o->have_sb = false;
	if (fh_iso_decode((const unsigned char *)h->data.data_val, h->data.data_len, &fh) != FH_OK)
		return NFS3ERR_BADHANDLE;
	status = find_export(req, fh.image, o);
	if (status != NFS3_OK)
		return status;
	squash_identity(o->opts, &req->cred, &o->id);
	rc = isofs_get(o->fs, fh.record, &o->e);
	if (rc == ISO_OK && o->e.error != ISO_OK)
		rc = ISO_E_STALE;
	if (rc != ISO_OK)
		return rc == ISO_E_IO ? NFS3ERR_IO : NFS3ERR_STALE;
	isofs_stat(&o->e, &o->sb);
	o->have_sb = true;
	return NFS3_OK;
}

static void fattr(const struct isofs *fs, const struct stat *sb, fattr3 *a)
{
	nfsd_fattr(sb, 0, a);
	a->fsid = fs->image_id;
}

static void post_op(const struct iso_object *o, post_op_attr *p)
{
	if (o->have_sb)
		fattr(o->fs, &o->sb, &p->post_op_attr_u.attributes);
	p->attributes_follow = o->have_sb;
}

void nfsd_iso_getattr(struct rpc_req *req, void *args, void *res)
{
	GETATTR3res *r = res;
	struct iso_object o;

	r->status = resolve(req, &((GETATTR3args *)args)->object, &o);
	if (r->status == NFS3_OK)
		fattr(o.fs, &o.sb, &r->GETATTR3res_u.resok.obj_attributes);
}

/* name in dir: "." is dir, ".." its parent (the image's root is its own
 * parent, so no lookup leaves the export). */
static int child(struct isofs *fs, const struct iso_entry *dir, const char *name,
		 struct iso_entry *out)
{
	if (strcmp(name, ".") == 0) {
		*out = *dir;
		return ISO_OK;
	}
	if (strcmp(name, "..") == 0)
		return dir->id == fs->root.id ? (*out = fs->root, ISO_OK) :
		       iso_parent(&fs->vol, dir, out);
	return isofs_lookup(fs, dir, name, out);
}

void nfsd_iso_lookup(struct rpc_req *req, void *args, void *res)
{
	static unsigned char wire[FH_SIZE_MAX];
	LOOKUP3args *a = args;
	LOOKUP3res *r = res;
	struct iso_object dir;
	struct iso_entry e;
	struct stat sb;
	int rc;

	r->status = resolve(req, &a->what.dir, &dir);
	if (r->status != NFS3_OK)
		return;
	post_op(&dir, &r->LOOKUP3res_u.resfail.dir_attributes);
	if (!S_ISDIR(dir.sb.st_mode)) {
		r->status = NFS3ERR_NOTDIR;
		return;
	}
	if (!(nfsd_permitted(&dir.sb, &dir.id) & 1)) {
		r->status = NFS3ERR_ACCES;
		return;
	}
	if (a->what.name == NULL || *a->what.name == '\0' || strchr(a->what.name, '/')) {
		r->status = NFS3ERR_ACCES;
		return;
	}
	rc = child(dir.fs, &dir.e, a->what.name, &e);
	if (rc == ISO_OK && e.error != ISO_OK)
		rc = e.error;
	if (rc != ISO_OK) {
		r->status = iso_status(rc);
		if (r->status == NFS3ERR_IO)
			logmsg(LOG_WARNING, "%s: \"%s\" in the image: %s", dir.fs->path,
			       a->what.name, iso_strerror(rc));
		return;
	}
	isofs_stat(&e, &sb);
	r->LOOKUP3res_u.resok.object.data.data_len = (u_int)isofs_handle(dir.fs, &e, wire);
	r->LOOKUP3res_u.resok.object.data.data_val = (char *)wire;
	post_op(&dir, &r->LOOKUP3res_u.resok.dir_attributes);
	r->LOOKUP3res_u.resok.obj_attributes.attributes_follow = TRUE;
	fattr(dir.fs, &sb, &r->LOOKUP3res_u.resok.obj_attributes.post_op_attr_u.attributes);
}

void nfsd_iso_access(struct rpc_req *req, void *args, void *res)
{
	ACCESS3args *a = args;
	ACCESS3res *r = res;
	struct iso_object o;
	unsigned perm;
	uint32 granted = 0;

	r->status = resolve(req, &a->object, &o);
	if (r->status != NFS3_OK)
		return;
	perm = nfsd_permitted(&o.sb, &o.id);
	if (perm & 4)
		granted |= ACCESS3_READ;
	if (perm & 1)
		granted |= S_ISDIR(o.sb.st_mode) ? ACCESS3_LOOKUP : ACCESS3_EXECUTE;
	post_op(&o, &r->ACCESS3res_u.resok.obj_attributes);
	r->ACCESS3res_u.resok.access = a->access & granted;
}

void nfsd_iso_readlink(struct rpc_req *req, void *args, void *res)
{
	static char target[ISO_LINK_MAX + 1];
	READLINK3res *r = res;
	struct iso_object o;
	int rc;

	r->status = resolve(req, &((READLINK3args *)args)->symlink, &o);
	if (r->status != NFS3_OK)
		return;
	post_op(&o, &r->READLINK3res_u.resok.symlink_attributes);
	if (!S_ISLNK(o.sb.st_mode)) {
		r->status = NFS3ERR_INVAL;
		return;
	}
	rc = iso_readlink(&o.fs->vol, &o.e, target, sizeof target);
	r->status = iso_status(rc);
	r->READLINK3res_u.resok.data = target;
}

/* Big reads over TCP go out with sendfile from the image, at the
 * extent's offset: one run of contiguous bytes per reply, so a read that
 * crosses into a file's next extent is cut there (the client asks for
 * the rest). Anything else is read through lib/iso9660, across extents. */
void nfsd_iso_read(struct rpc_req *req, void *args, void *res)
{
	READ3args *a = args;
	READ3res *r = res;
	struct iso_object o;
	size_t count, got = 0;
	uint64_t at, run;
	int fd;

	r->status = resolve(req, &a->file, &o);
	if (r->status != NFS3_OK)
		return;
	post_op(&o, &r->READ3res_u.resok.file_attributes);
	r->status = nfsd_read_admit(req, &o.sb, &o.id, a->count, &count);
	if (r->status != NFS3_OK)
		return;
	if (a->offset >= o.e.size) {
		got = 0;
	} else if (req->tcp && iso_map(&o.e, a->offset, &at, &run) == ISO_OK &&
		   (run < count ? run : count) >= SENDFILE_MIN &&
		   (fd = fcntl(o.fs->fd, F_DUPFD_CLOEXEC, 0)) >= 0) {
		got = run < count ? (size_t)run : count;
		rpc_set_tail(req, fd, (off_t)at, got);
	} else if (iso_read(&o.fs->vol, &o.e, nfsd_read_data(req), count, a->offset,
			    &got) != ISO_OK) {
		r->status = NFS3ERR_IO;
		return;
	}
	nfsd_read_done(req, r, got, a->offset + got >= o.e.size);
}

/* ---- directories --------------------------------------------------------- */

/* Results of READDIR(PLUS) point into this until the next call; only
 * the pages used are ever touched. */
static _Alignas(16) char arena[ISO_ARENA_SIZE];
static size_t arena_used;

static void *arena_alloc(size_t size)
{
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (arena_used + size > ISO_ARENA_SIZE)
		return NULL;
	p = arena + arena_used;
	arena_used += size;
	return p;
}

struct dir_reply {
	bool plus;
	size_t dircount, maxcount;
	size_t dirbytes, bytes;
	entryplus3 *first, *last;
	bool eof;
};

static size_t xdr_pad(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Adds one entry (its attributes and handle too for READDIRPLUS, when
 * the caller may search the directory); false when the reply is full. */
static bool add_entry(const struct iso_object *dir, struct dir_reply *d, const char *name,
		      const struct iso_entry *e, uint64_t cookie, bool with_attrs)
{
	size_t namelen = strlen(name);
	size_t dirsize = 4 + 8 + 4 + xdr_pad(namelen) + 8;
	size_t size = dirsize + (d->plus ? POST_OP_ATTR_SIZE + 4 + 4 + xdr_pad(FH_ISO_SIZE) : 0);
	entryplus3 *p;

	if (d->bytes + size > d->maxcount || (d->plus && d->dirbytes + dirsize > d->dircount))
		return false;
	p = arena_alloc(d->plus ? sizeof(entryplus3) : sizeof(entry3));
	if (p == NULL)
		return false;
	memset(p, 0, d->plus ? sizeof(entryplus3) : sizeof(entry3));
	if ((p->name = arena_alloc(namelen + 1)) == NULL)
		return false;
	memcpy(p->name, name, namelen + 1);
	p->fileid = e->id;
	p->cookie = cookie;
	if (d->plus && with_attrs) {
		unsigned char *wire = arena_alloc(FH_SIZE_MAX);
		struct stat sb;

		if (wire != NULL) {
			isofs_stat(e, &sb);
			p->name_attributes.attributes_follow = TRUE;
			fattr(dir->fs, &sb, &p->name_attributes.post_op_attr_u.attributes);
			p->name_handle.handle_follows = TRUE;
			p->name_handle.post_op_fh3_u.handle.data.data_len =
				(u_int)isofs_handle(dir->fs, e, wire);
			p->name_handle.post_op_fh3_u.handle.data.data_val = (char *)wire;
		}
	}
	if (d->last == NULL)
		d->first = p;
	else if (d->plus)
		d->last->nextentry = p;
	else
		((entry3 *)d->last)->nextentry = (entry3 *)p;
	d->last = p;
	d->bytes += size;
	d->dirbytes += dirsize;
	return true;
}

/* "." and ".." first (cookies 1 and 2), then the records, with
 * lib/iso9660's cookies: record offsets, the same for the same image. */
static nfsstat3 read_entries(struct iso_object *dir, cookie3 cookie, struct dir_reply *d)
{
	bool search = nfsd_permitted(&dir->sb, &dir->id) & 1;
	struct iso_cursor c;
	struct iso_entry e;
	uint64_t next;
	int rc;

	if (cookie == 0) {
		if (!add_entry(dir, d, ".", &dir->e, COOKIE_DOT, false))
			goto full;
		cookie = COOKIE_DOT;
	}
	if (cookie == COOKIE_DOT) {
		struct iso_entry parent;

		rc = child(dir->fs, &dir->e, "..", &parent);
		if (rc != ISO_OK)
			return iso_status(rc);
		if (!add_entry(dir, d, "..", &parent, COOKIE_DOTDOT, false))
			goto full;
		cookie = COOKIE_DOTDOT;
	}
	if (cookie == COOKIE_DOTDOT)
		cookie = 0;
	rc = iso_cursor_open(&dir->fs->vol, &dir->e, cookie, &c);
	if (rc != ISO_OK)
		return rc == ISO_E_BADCOOKIE ? NFS3ERR_BAD_COOKIE : iso_status(rc);
	/* Refused records are skipped, not sent: a corrupt directory of
	 * nothing but those (one per sector) ends the call here rather than
	 * after the whole of a huge claimed size. */
	for (unsigned scanned = 0;; scanned++) {
		if (scanned == READDIR_SCAN_MAX) {
			if (d->first)
				break;
			logmsg(LOG_WARNING, "%s: a directory with %u unreadable records in a row",
			       dir->fs->path, scanned);
			return NFS3ERR_IO;
		}
		next = cookie;
		rc = iso_cursor_next(&c, &e, &next);
		if (rc == ISO_END) {
			d->eof = true;
			break;
		}
		if (rc != ISO_OK)
			return iso_status(rc);
		/* A refused record (bad name, extent outside the image) is
		 * left out: it could not be looked up or read. */
		if (e.error == ISO_OK && !add_entry(dir, d, e.name, &e, next, search))
			break;
		cookie = next;
	}
full:
	return d->first || d->eof ? NFS3_OK : NFS3ERR_TOOSMALL;
}

static nfsstat3 readdir_common(struct rpc_req *req, const nfs_fh3 *h, cookie3 cookie,
			       const cookieverf3 verf, struct dir_reply *d,
			       struct iso_object *dir, cookieverf3 ours)
{
	static const cookieverf3 zero;
	size_t limit = req->tcp ? TCP_TRANSFER_MAX : UDP_TRANSFER_MAX;
	size_t fixed = 4 + POST_OP_ATTR_SIZE + 8 + 4 + 4;
	nfsstat3 status = resolve(req, h, dir);

	arena_used = 0;
	if (status != NFS3_OK)
		return status;
	if (!S_ISDIR(dir->sb.st_mode))
		return NFS3ERR_NOTDIR;
	if (!(nfsd_permitted(&dir->sb, &dir->id) & 4))
		return NFS3ERR_ACCES;
	/* The verifier is the image id: a cookie from another image (the
	 * file was replaced by one with the same records) is refused. */
	for (int i = 0; i < NFS3_COOKIEVERFSIZE; i++)
		ours[i] = (char)(dir->fs->image_id >> (8 * (7 - i)));
	if (cookie != 0 && memcmp(verf, zero, NFS3_COOKIEVERFSIZE) != 0 &&
	    memcmp(verf, ours, NFS3_COOKIEVERFSIZE) != 0)
		return NFS3ERR_BAD_COOKIE;
	if (d->maxcount > limit)
		d->maxcount = limit;
	if (d->maxcount > req->reply_cap - RPC_REPLY_HDR)
		d->maxcount = req->reply_cap - RPC_REPLY_HDR;
	if (d->maxcount < fixed)
		return NFS3ERR_TOOSMALL;
	d->bytes = fixed;
	return read_entries(dir, cookie, d);
}

void nfsd_iso_readdir(struct rpc_req *req, void *args, void *res)
{
	READDIR3args *a = args;
	READDIR3res *r = res;
	struct dir_reply d = { .plus = false, .maxcount = a->count, .dircount = a->count };
	struct iso_object dir;

	r->status = readdir_common(req, &a->dir, a->cookie, a->cookieverf, &d, &dir,
				   r->READDIR3res_u.resok.cookieverf);
	if (r->status != NFS3_OK) {
		post_op(&dir, &r->READDIR3res_u.resfail.dir_attributes);
		return;
	}
	post_op(&dir, &r->READDIR3res_u.resok.dir_attributes);
	r->READDIR3res_u.resok.reply.entries = (entry3 *)d.first;
	r->READDIR3res_u.resok.reply.eof = d.eof;
}

void nfsd_iso_readdirplus(struct rpc_req *req, void *args, void *res)
{
	READDIRPLUS3args *a = args;
	READDIRPLUS3res *r = res;
	struct dir_reply d = { .plus = true, .maxcount = a->maxcount, .dircount = a->dircount };
	struct iso_object dir;
	cookieverf3 verf;

	r->status = readdir_common(req, &a->dir, a->cookie, a->cookieverf, &d, &dir, verf);
	if (r->status == NFS3_OK && !dir.opts->rdirplus)
		r->status = NFS3ERR_NOTSUPP;
	if (r->status != NFS3_OK) {
		post_op(&dir, &r->READDIRPLUS3res_u.resfail.dir_attributes);
		return;
	}
	post_op(&dir, &r->READDIRPLUS3res_u.resok.dir_attributes);
	memcpy(r->READDIRPLUS3res_u.resok.cookieverf, verf, NFS3_COOKIEVERFSIZE);
	r->READDIRPLUS3res_u.resok.reply.entries = d.first;
	r->READDIRPLUS3res_u.resok.reply.eof = d.eof;
}

/* ---- file system information --------------------------------------------- */

void nfsd_iso_fsstat(struct rpc_req *req, void *args, void *res)
{
	FSSTAT3res *r = res;
	FSSTAT3resok *ok = &r->FSSTAT3res_u.resok;
	struct iso_object o;

	r->status = resolve(req, &((FSSTAT3args *)args)->fsroot, &o);
	if (r->status != NFS3_OK)
		return;
	post_op(&o, &ok->obj_attributes);
	ok->tbytes = o.fs->vol.end;
	ok->fbytes = ok->abytes = 0;
	ok->tfiles = ok->ffiles = ok->afiles = 0;
	/* The image may be replaced at any time: nothing is invariant. */
	ok->invarsec = 0;
}

void nfsd_iso_fsinfo(struct rpc_req *req, void *args, void *res)
{
	FSINFO3res *r = res;
	FSINFO3resok *ok = &r->FSINFO3res_u.resok;
	uint32 max = req->tcp ? TCP_TRANSFER_MAX : UDP_TRANSFER_MAX;
	struct iso_object o;

	r->status = resolve(req, &((FSINFO3args *)args)->fsroot, &o);
	if (r->status != NFS3_OK)
		return;
	post_op(&o, &ok->obj_attributes);
	ok->rtmax = ok->rtpref = max;
	ok->wtmax = ok->wtpref = max;
	ok->rtmult = ok->wtmult = ISO_BLOCK;
	ok->dtpref = max;
	ok->maxfilesize = (size3)ISO_MAX_EXTENTS * UINT32_MAX;
	ok->time_delta.seconds = 1;
	ok->time_delta.nseconds = 0;
	ok->properties = FSF3_SYMLINK | FSF3_HOMOGENEOUS;
}

void nfsd_iso_pathconf(struct rpc_req *req, void *args, void *res)
{
	PATHCONF3res *r = res;
	PATHCONF3resok *ok = &r->PATHCONF3res_u.resok;
	struct iso_object o;

	r->status = resolve(req, &((PATHCONF3args *)args)->object, &o);
	if (r->status != NFS3_OK)
		return;
	post_op(&o, &ok->obj_attributes);
	ok->linkmax = 1;
	ok->name_max = ISO_NAME_MAX;
	ok->no_trunc = TRUE;
	ok->chown_restricted = TRUE;
	ok->case_insensitive = FALSE;
	ok->case_preserving = TRUE;
}

nfsstat3 nfsd_iso_rofs(struct rpc_req *req, const nfs_fh3 *h)
{
	struct iso_object o;
	nfsstat3 status = resolve(req, h, &o);

	return status == NFS3_OK ? NFS3ERR_ROFS : status;
}
