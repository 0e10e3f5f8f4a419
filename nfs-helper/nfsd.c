/* pxe-nfsd: NFS version 3 (RFC 1813) for read-only exports. Objects are
 * reached by the kernel's own handles (open_by_handle_at), so a handle
 * names the same file after a restart or a rename; every request checks
 * the handle's signature, its export, and the caller's host and port. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "caller.h"
#include "daemon.h"
#include "fdcache.h"
#include "log.h"
#include "nfs3_prot.h"
#include "nfsd.h"
#include "nfsd_iso.h"

#define NFS_PORT 2049
#define RECORD_MAX (TCP_TRANSFER_MAX + 4096)
#define DATAGRAM_MAX (UDP_TRANSFER_MAX + 4096)
#define ARENA_SIZE (2 * 1024 * 1024)
#define CACHE_FDS_MAX 8192

/* ---- objects ------------------------------------------------------------- */

struct nfsd {
	struct daemon_ctx d;
	struct fdcache *cache;
	time_t key_warned;
	/* results of READDIR(PLUS) point into this until the next call */
	char *arena;
	size_t arena_used;
};

struct object {
	const struct export_state *st;
	const struct export_options *opts;
	struct identity id;
	struct fdcache_entry *slot;
	struct fh fh;
	struct stat sb;
	bool have_sb;		/* sb was filled: attributes may be sent */
	uint32_t fsid;
};

static struct nfsd *nfsd_of(struct rpc_req *req)
{
	return (struct nfsd *)req->ctx;
}

/* A directory must still be beneath its export (knfsd's subtree rule for
 * directories); files are trusted on the signature alone, as with
 * no_subtree_check, because a file's path is not always known. */
static bool beneath_export(int fd, const struct export *e)
{
	char link[64], path[PATH_MAX];
	size_t len = strcmp(e->path, "/") == 0 ? 0 : strlen(e->path);
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (n < 0)
		return false;
	path[n] = '\0';
	return strncmp(path, e->path, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

static int open_handle(const struct export_state *st, const struct fh *fh, int flags)
{
	union {
		struct file_handle h;
		unsigned char buf[sizeof(struct file_handle) + FH_KERNEL_MAX];
	} u;

	u.h.handle_bytes = fh->handle_bytes;
	u.h.handle_type = fh->handle_type;
	memcpy(u.h.f_handle, fh->f_handle, fh->handle_bytes);
	return open_by_handle_at(st->root_fd, &u.h, flags | O_CLOEXEC);
}

static bool out_of_fds(int e)
{
	return e == EMFILE || e == ENFILE;
}

/* Opens by handle; out of descriptors, gives half the cached ones back
 * (never the entry the request holds) and tries once more. */
static int open_handle_retry(struct nfsd *n, const struct object *o, int flags)
{
	int fd = open_handle(o->st, &o->fh, flags);

	if (fd < 0 && out_of_fds(errno)) {
		logmsg(LOG_WARNING, "out of file descriptors with %u cached: closing half of them",
		       fdcache_fds(n->cache));
		fdcache_shrink(n->cache, fdcache_fds(n->cache) / 2, o->slot);
		fd = open_handle(o->st, &o->fh, flags);
	}
	return fd;
}

/* A deleted file or directory (no links left) goes stale at once, as
 * with knfsd, even while a descriptor here still holds it. */
static nfsstat3 lookup_slot(struct nfsd *n, const nfs_fh3 *h, struct object *o)
{
	const unsigned char *key = (const unsigned char *)h->data.data_val;
	struct fdcache_entry *e = fdcache_get(n->cache, key, h->data.data_len);
	int fd;

	if (e != NULL && e->tag != n->d.exports.generation) {
		fdcache_remove(n->cache, e);
		e = NULL;
	}
	if (e != NULL) {
		if (fstat(e->path_fd, &o->sb) < 0 || o->sb.st_nlink == 0) {
			fdcache_remove(n->cache, e);
			return NFS3ERR_STALE;
		}
		o->slot = e;
		o->have_sb = true;
		return NFS3_OK;
	}
	fd = open_handle_retry(n, o, O_PATH);
	if (fd < 0) {
		if (errno == ESTALE || errno == ENOENT)
			return NFS3ERR_STALE;
		logmsg(LOG_ERR, "open_by_handle_at in %s: %m", o->st->ex->path);
		return NFS3ERR_IO;
	}
	if (fstat(fd, &o->sb) < 0 || o->sb.st_nlink == 0 || o->sb.st_dev != o->st->dev ||
	    (S_ISDIR(o->sb.st_mode) && !beneath_export(fd, o->st->ex))) {
		close(fd);
		return NFS3ERR_STALE;
	}
	o->have_sb = true;
	o->slot = fdcache_put(n->cache, key, h->data.data_len, fd, n->d.exports.generation);
	return o->slot ? NFS3_OK : NFS3ERR_BADHANDLE;
}

/* A handle of ours in shape but not signed by our key: a forgery, a
 * handle from before a key change, or pxe-mountd signing with another
 * key. Clients only see STALE, so say which it is (once a minute). */
static void key_mismatch(struct nfsd *n)
{
	time_t now = time(NULL);

	if (now - n->key_warned < 60 && n->key_warned != 0)
		return;
	n->key_warned = now;
	if (key_file_changed(n->d.opts.key_file, &n->d.key))
		logmsg(LOG_ERR, "the handle key %s changed since pxe-nfsd started (id %016llx "
		       "here): restart pxe-mountd and pxe-nfsd together, every mount is stale "
		       "until then", n->d.opts.key_file, (unsigned long long)fh_key_id(&n->d.key));
	else
		logmsg(LOG_WARNING, "a handle signed with another key (id %016llx here): if "
		       "pxe-mountd logs another key id, both must use the same key file",
		       (unsigned long long)fh_key_id(&n->d.key));
}

/* Everything a request needs to know about its handle, in the order of
 * the checks: well-formed, signed by us, of a current export, from an
 * allowed host and port, still there. */
static nfsstat3 resolve(struct rpc_req *req, const nfs_fh3 *h, struct object *o)
{
	struct nfsd *n = nfsd_of(req);

	o->have_sb = false;
	o->slot = NULL;
	switch (fh_decode(&n->d.key, (unsigned char *)h->data.data_val, h->data.data_len, &o->fh)) {
	case FH_BADHANDLE:
		return NFS3ERR_BADHANDLE;
	case FH_STALE:
		key_mismatch(n);
		return NFS3ERR_STALE;
	case FH_OK:
		break;
	}
	o->st = export_table_fsid(&n->d.exports, o->fh.fsid);
	if (o->st == NULL || o->st->root_fd < 0)
		return NFS3ERR_STALE;
	o->fsid = o->fh.fsid;
	o->opts = export_access(o->st->ex, req);
	if (o->opts == NULL)
		return NFS3ERR_ACCES;
	squash_identity(o->opts, &req->cred, &o->id);
	return lookup_slot(n, h, o);
}

static int read_fd(struct nfsd *n, struct object *o)
{
	struct fdcache_entry *e = o->slot;

	if (e->read_fd < 0) {
		int fd = open_handle_retry(n, o, S_ISDIR(o->sb.st_mode) ?
					   O_RDONLY | O_DIRECTORY : O_RDONLY);
		if (fd < 0)
			return -1;
		fdcache_set_read_fd(n->cache, e, fd);
	}
	return e->read_fd;
}

/* ---- attributes and permissions ------------------------------------------ */

static ftype3 file_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return NF3DIR;
	case S_IFBLK: return NF3BLK;
	case S_IFCHR: return NF3CHR;
	case S_IFLNK: return NF3LNK;
	case S_IFSOCK: return NF3SOCK;
	case S_IFIFO: return NF3FIFO;
	default: return NF3REG;
	}
}

void nfsd_fattr(const struct stat *sb, uint32_t fsid, fattr3 *a)
{
	a->type = file_type(sb->st_mode);
	a->mode = sb->st_mode & 07777;
	a->nlink = (uint32)sb->st_nlink;
	a->uid = sb->st_uid;
	a->gid = sb->st_gid;
	a->size = (uint64)sb->st_size;
	a->used = (uint64)sb->st_blocks * 512;
	a->rdev.specdata1 = major(sb->st_rdev);
	a->rdev.specdata2 = minor(sb->st_rdev);
	a->fsid = fsid;
	a->fileid = sb->st_ino;
	a->atime.seconds = (uint32)sb->st_atim.tv_sec;
	a->atime.nseconds = (uint32)sb->st_atim.tv_nsec;
	a->mtime.seconds = (uint32)sb->st_mtim.tv_sec;
	a->mtime.nseconds = (uint32)sb->st_mtim.tv_nsec;
	a->ctime.seconds = (uint32)sb->st_ctim.tv_sec;
	a->ctime.nseconds = (uint32)sb->st_ctim.tv_nsec;
}

/* Attributes go out only when they were read for this request; a
 * failure before that leaves attributes_follow FALSE (never stack bytes). */
static void post_op(const struct object *o, post_op_attr *p)
{
	if (o->have_sb)
		nfsd_fattr(&o->sb, o->fsid, &p->post_op_attr_u.attributes);
	p->attributes_follow = o->have_sb;
}

unsigned nfsd_permitted(const struct stat *sb, const struct identity *id)
{
	unsigned bits;

	if (id->uid == 0)	/* root as root: knfsd lets it read everything */
		return 6 | ((sb->st_mode & 0111) || S_ISDIR(sb->st_mode) ? 1 : 0);
	if (id->uid == sb->st_uid)
		return (sb->st_mode >> 6) & 7;
	bits = sb->st_mode & 7;
	if (id->gid == sb->st_gid)
		return (sb->st_mode >> 3) & 7;
	for (unsigned i = 0; i < id->ngids; i++)
		if (id->gids[i] == sb->st_gid)
			return (sb->st_mode >> 3) & 7;
	return bits;
}

/* ---- procedures ---------------------------------------------------------- */

static void proc_null(struct rpc_req *req, void *args, void *res)
{
	(void)req, (void)args, (void)res;
}

static void proc_getattr(struct rpc_req *req, void *args, void *res)
{
	GETATTR3res *r = res;
	struct object o;

	NFSD_ISO_HOOK(getattr, ((GETATTR3args *)args)->object);
	r->status = resolve(req, &((GETATTR3args *)args)->object, &o);
	if (r->status == NFS3_OK)
		nfsd_fattr(&o.sb, o.st->ex->fsid, &r->GETATTR3res_u.resok.obj_attributes);
}

static nfsstat3 errno_status(int e)
{
	switch (e) {
	case ENOENT: return NFS3ERR_NOENT;
	case EACCES: case EPERM: return NFS3ERR_ACCES;
	case ENOTDIR: return NFS3ERR_NOTDIR;
	case ENAMETOOLONG: return NFS3ERR_NAMETOOLONG;
	case ESTALE: return NFS3ERR_STALE;
	default: return NFS3ERR_IO;
	}
}

static bool is_export_root(const struct object *o)
{
	return o->sb.st_dev == o->st->dev && o->sb.st_ino == o->st->ino;
}

static nfsstat3 check_name(const char *name)
{
	if (name == NULL || *name == '\0' || strchr(name, '/'))
		return NFS3ERR_ACCES;
	if (strlen(name) > NAME_MAX)
		return NFS3ERR_NAMETOOLONG;
	return NFS3_OK;
}

static bool same_mount(int dirfd, const char *name)
{
	struct statx d, c;

	if (statx(dirfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &d) < 0 ||
	    statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &c) < 0)
		return false;
	if (!(d.stx_mask & STATX_MNT_ID) || !(c.stx_mask & STATX_MNT_ID))
		return true;	/* before Linux 5.8: st_dev is all there is */
	return d.stx_mnt_id == c.stx_mnt_id;
}

/* The handle and attributes of name in directory dir; ".." of an
 * export's root is the root itself, so no lookup leaves the export. */
static nfsstat3 lookup_child(struct rpc_req *req, const struct object *dir, const char *name,
			     nfs_fh3 *out, unsigned char *wire, struct stat *sb)
{
	struct fh fh;
	size_t len;
	int fd = dir->slot->path_fd;

	if (strcmp(name, ".") == 0 || (strcmp(name, "..") == 0 && is_export_root(dir))) {
		name = NULL;
	}
	if (name ? fstatat(fd, name, sb, AT_SYMLINK_NOFOLLOW) < 0 : fstat(fd, sb) < 0)
		return errno_status(errno);
	/* A filesystem mounted below the export is not part of it, nor is a
	 * bind mount from the same one (same st_dev, another mount). */
	if (sb->st_dev != dir->st->dev || (name && !same_mount(fd, name)))
		return NFS3ERR_ACCES;
	if (!fh_of_fd(fd, name, dir->st->ex->fsid, &fh))
		return errno_status(errno);
	len = fh_encode(&nfsd_of(req)->d.key, &fh, wire);
	if (len == 0)
		return NFS3ERR_SERVERFAULT;
	out->data.data_len = (u_int)len;
	out->data.data_val = (char *)wire;
	return NFS3_OK;
}

static void proc_lookup(struct rpc_req *req, void *args, void *res)
{
	static unsigned char wire[FH_SIZE_MAX];
	LOOKUP3args *a = args;
	LOOKUP3res *r = res;
	struct object dir;
	struct stat sb;

	NFSD_ISO_HOOK(lookup, a->what.dir);
	r->status = resolve(req, &a->what.dir, &dir);
	if (r->status != NFS3_OK)
		return;
	post_op(&dir, &r->LOOKUP3res_u.resfail.dir_attributes);
	if (!S_ISDIR(dir.sb.st_mode))
		r->status = NFS3ERR_NOTDIR;
	else if (!(nfsd_permitted(&dir.sb, &dir.id) & 1))
		r->status = NFS3ERR_ACCES;
	else if ((r->status = check_name(a->what.name)) == NFS3_OK)
		r->status = lookup_child(req, &dir, a->what.name, &r->LOOKUP3res_u.resok.object,
					 wire, &sb);
	if (r->status != NFS3_OK)
		return;
	post_op(&dir, &r->LOOKUP3res_u.resok.dir_attributes);
	r->LOOKUP3res_u.resok.obj_attributes.attributes_follow = TRUE;
	nfsd_fattr(&sb, dir.st->ex->fsid, &r->LOOKUP3res_u.resok.obj_attributes.post_op_attr_u.attributes);
}

/* LOOKUP's arguments, refusing a name with a NUL inside as knfsd does
 * (GARBAGE_ARGS): xdr_string would cut the name there, and a client
 * would get another name's handle than it asked for. */
static bool_t xdr_LOOKUP3args_strict(XDR *x, LOOKUP3args *a)
{
	u_int len;
	char *name;

	if (x->x_op != XDR_DECODE)
		return xdr_LOOKUP3args(x, a);
	if (!xdr_nfs_fh3(x, &a->what.dir) || !xdr_u_int(x, &len) || len > NFS3_MAXNAMLEN)
		return FALSE;
	name = malloc((size_t)len + 1);
	if (name == NULL)
		return FALSE;
	if (!xdr_opaque(x, name, len) || memchr(name, '\0', len) != NULL) {
		free(name);
		return FALSE;
	}
	name[len] = '\0';
	a->what.name = name;
	return TRUE;
}

static void proc_access(struct rpc_req *req, void *args, void *res)
{
	ACCESS3args *a = args;
	ACCESS3res *r = res;
	struct object o;
	unsigned perm;
	uint32 granted = 0;

	NFSD_ISO_HOOK(access, a->object);
	r->status = resolve(req, &a->object, &o);
	if (r->status != NFS3_OK)
		return;
	perm = nfsd_permitted(&o.sb, &o.id);
	if (perm & 4)
		granted |= ACCESS3_READ;
	if (perm & 1)
		granted |= S_ISDIR(o.sb.st_mode) ? ACCESS3_LOOKUP : ACCESS3_EXECUTE;
	/* MODIFY, EXTEND and DELETE are never granted: exports are read-only. */
	post_op(&o, &r->ACCESS3res_u.resok.obj_attributes);
	r->ACCESS3res_u.resok.access = a->access & granted;
}

static void proc_readlink(struct rpc_req *req, void *args, void *res)
{
	static char target[PATH_MAX + 1];
	READLINK3res *r = res;
	struct object o;
	ssize_t n;

	NFSD_ISO_HOOK(readlink, ((READLINK3args *)args)->symlink);
	r->status = resolve(req, &((READLINK3args *)args)->symlink, &o);
	if (r->status != NFS3_OK)
		return;
	post_op(&o, &r->READLINK3res_u.resok.symlink_attributes);
	if (!S_ISLNK(o.sb.st_mode)) {
		r->status = NFS3ERR_INVAL;
		return;
	}
	n = readlinkat(o.slot->path_fd, "", target, sizeof target - 1);
	if (n < 0) {
		r->status = errno_status(errno);
		return;
	}
	target[n] = '\0';
	r->READLINK3res_u.resok.data = target;
}

/* Big reads over TCP leave the data in the page cache: the transport
 * sends it with sendfile after the reply's header, one copy instead of
 * pread's two. The count is the file's size now; if the file shrinks
 * before it is all sent, the transport resets the connection rather than
 * complete the reply with zeros, and the client's retry gets the short
 * count and eof. The descriptor is rpc's (rpc_set_tail). */
static ssize_t read_tail(struct nfsd *n, struct rpc_req *req, struct object *o, int fd,
			 uint64 offset, size_t count)
{
	size_t len = (uint64)o->sb.st_size - offset < count ?
		     (size_t)((uint64)o->sb.st_size - offset) : count;
	int tail_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (tail_fd < 0 && out_of_fds(errno)) {
		fdcache_shrink(n->cache, fdcache_fds(n->cache) / 2, o->slot);
		tail_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	}
	if (tail_fd < 0)
		return -1;
	rpc_set_tail(req, tail_fd, (off_t)offset, len);
	return (ssize_t)len;
}

/* What READ decides before it touches data, the same for a file and for
 * an ISO's contents: a regular file the caller may read, and how much of
 * it one reply carries. */
nfsstat3 nfsd_read_admit(const struct rpc_req *req, const struct stat *sb,
			 const struct identity *id, count3 asked, size_t *count)
{
	size_t room = req->reply_cap - RPC_REPLY_HDR - READ_DATA_OFFSET - 4;
	size_t max = req->tcp ? TCP_TRANSFER_MAX : UDP_TRANSFER_MAX;

	if (!S_ISREG(sb->st_mode))
		return S_ISDIR(sb->st_mode) ? NFS3ERR_ISDIR : NFS3ERR_INVAL;
	/* knfsd lets the owner read what it may not (it may chmod anyway),
	 * and anyone read what they may execute: a client runs a mode 0711
	 * binary by reading it. */
	if (!(nfsd_permitted(sb, id) & 5) && id->uid != sb->st_uid)
		return NFS3ERR_ACCES;
	*count = asked < max ? asked : max;
	if (*count > room)
		*count = room;
	return NFS3_OK;
}

char *nfsd_read_data(struct rpc_req *req)
{
	return (char *)rpc_result_area(req) + READ_DATA_OFFSET;
}

void nfsd_read_done(struct rpc_req *req, READ3res *r, size_t got, bool eof)
{
	READ3resok *ok = &r->READ3res_u.resok;

	ok->count = (count3)got;
	ok->eof = eof;
	ok->data.data_len = (u_int)got;
	ok->data.data_val = rpc_has_tail(req) ? NULL : nfsd_read_data(req);
}

static void proc_read(struct rpc_req *req, void *args, void *res)
{
	READ3args *a = args;
	READ3res *r = res;
	struct object o;
	size_t count;
	bool eof = false;
	ssize_t n;
	int fd;

	NFSD_ISO_HOOK(read, a->file);
	r->status = resolve(req, &a->file, &o);
	if (r->status != NFS3_OK)
		return;
	post_op(&o, &r->READ3res_u.resok.file_attributes);
	r->status = nfsd_read_admit(req, &o.sb, &o.id, a->count, &count);
	if (r->status != NFS3_OK)
		return;
	fd = read_fd(nfsd_of(req), &o);
	if (fd < 0) {
		r->status = errno_status(errno);
		return;
	}
	if (a->offset >= (uint64)o.sb.st_size)
		n = 0;
	else if (req->tcp && count >= SENDFILE_MIN)
		n = read_tail(nfsd_of(req), req, &o, fd, a->offset, count);
	else if ((n = pread(fd, nfsd_read_data(req), count, (off_t)a->offset)) >= 0)
		eof = (size_t)n < count;	/* it shrank since the fstat */
	nfsd_read_done(req, r, (size_t)n,
		       eof || a->offset + (uint64)n >= (uint64)o.sb.st_size);
}

/* Encodes a READ result whose data already sits where it belongs in the
 * reply (proc_read put it there): no copy of the file data. Without a
 * buffer, the data follows from the file (read_tail): only its length is
 * encoded here. */
static bool_t xdr_READ3res_inplace(XDR *x, READ3res *r)
{
	READ3resok *ok = &r->READ3res_u.resok;
	u_int len = ok->data.data_len, padded = (len + 3) & ~3u;
	char *p;

	if (r->status != NFS3_OK || x->x_op != XDR_ENCODE)
		return xdr_READ3res(x, r);
	if (!xdr_nfsstat3(x, &r->status) || !xdr_post_op_attr(x, &ok->file_attributes) ||
	    !xdr_count3(x, &ok->count) || !xdr_bool(x, &ok->eof) || !xdr_u_int(x, &len))
		return FALSE;
	if (ok->data.data_val == NULL && len != 0)
		return TRUE;
	p = (char *)xdr_inline(x, (int)padded);
	if (p == NULL)
		return FALSE;
	if (len != 0 && p != ok->data.data_val)
		memmove(p, ok->data.data_val, len);
	memset(p + len, 0, padded - len);
	return TRUE;
}

/* ---- directories --------------------------------------------------------- */

static void *arena_alloc(struct nfsd *n, size_t size)
{
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (n->arena_used + size > ARENA_SIZE)
		return NULL;
	p = n->arena + n->arena_used;
	n->arena_used += size;
	return p;
}

struct dir_reply {
	bool plus;
	size_t dircount, maxcount;	/* limits from the call */
	size_t dirbytes, bytes;		/* used so far */
	entryplus3 *first, *last;	/* entry3 is a prefix-compatible subset */
	bool eof;
};

static size_t xdr_pad(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* The attributes and handle of one entry for READDIRPLUS; "." and ".."
 * go without (clients look them up themselves). */
static void entry_plus(struct rpc_req *req, const struct object *dir, entryplus3 *e)
{
	unsigned char *wire;
	struct stat sb;
	nfs_fh3 fh;

	if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0 ||
	    !(nfsd_permitted(&dir->sb, &dir->id) & 1))
		return;
	wire = arena_alloc(nfsd_of(req), FH_SIZE_MAX);
	if (wire == NULL || lookup_child(req, dir, e->name, &fh, wire, &sb) != NFS3_OK)
		return;
	e->name_attributes.attributes_follow = TRUE;
	nfsd_fattr(&sb, dir->st->ex->fsid, &e->name_attributes.post_op_attr_u.attributes);
	e->name_handle.handle_follows = TRUE;
	e->name_handle.post_op_fh3_u.handle = fh;
}

/* Adds one directory entry if it fits; false when the reply is full. */
static bool add_entry(struct rpc_req *req, const struct object *dir, struct dir_reply *d,
		      const struct dirent64 *de)
{
	size_t namelen = strlen(de->d_name);
	size_t dirsize = 4 + 8 + 4 + xdr_pad(namelen) + 8;
	size_t size = dirsize + (d->plus ? POST_OP_ATTR_SIZE + 4 + 4 + FH_SIZE_MAX : 0);
	struct nfsd *n = nfsd_of(req);
	entryplus3 *e;

	if (d->bytes + size > d->maxcount || (d->plus && d->dirbytes + dirsize > d->dircount))
		return false;
	e = arena_alloc(n, d->plus ? sizeof(entryplus3) : sizeof(entry3));
	if (e == NULL)
		return false;
	memset(e, 0, d->plus ? sizeof(entryplus3) : sizeof(entry3));
	e->name = arena_alloc(n, namelen + 1);
	if (e->name == NULL)
		return false;
	memcpy(e->name, de->d_name, namelen + 1);
	e->fileid = de->d_ino;
	/* ".." of the export's root is the root itself. */
	if (strcmp(de->d_name, "..") == 0 && is_export_root(dir))
		e->fileid = dir->sb.st_ino;
	e->cookie = (cookie3)de->d_off;
	if (d->plus)
		entry_plus(req, dir, e);
	if (d->last == NULL)
		d->first = e;
	else if (d->plus)
		d->last->nextentry = e;
	else
		((entry3 *)d->last)->nextentry = (entry3 *)e;
	d->last = e;
	d->bytes += size;
	d->dirbytes += dirsize;
	return true;
}

/* Reads entries from cookie on, with the directory's own offsets as the
 * cookies (stable across calls and restarts on ext4 and tmpfs). */
static nfsstat3 read_entries(struct rpc_req *req, struct object *dir, cookie3 cookie,
			     struct dir_reply *d)
{
	char buf[32768];
	int fd = read_fd(nfsd_of(req), dir);
	/* Read about as many entries as the reply can hold: what is read
	 * beyond it is read again by the next call (clients ask for a few
	 * KiB at a time). A directory entry is at least 24 bytes here and 24
	 * in READDIR, 120 and more in READDIRPLUS. */
	size_t want = d->plus ? d->maxcount / 4 : d->maxcount;

	if (want > sizeof buf)
		want = sizeof buf;
	if (want < 1024)
		want = 1024;
	if (fd < 0)
		return errno_status(errno);
	if (lseek(fd, (off_t)cookie, SEEK_SET) < 0)
		return NFS3ERR_BAD_COOKIE;
	for (;;) {
		ssize_t n = getdents64(fd, buf, want);

		if (n < 0)
			return cookie ? NFS3ERR_BAD_COOKIE : NFS3ERR_IO;
		if (n == 0) {
			d->eof = true;
			break;
		}
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + off);

			if (!add_entry(req, dir, d, de))
				goto full;
			off += de->d_reclen;
		}
	}
full:
	return d->first || d->eof ? NFS3_OK : NFS3ERR_TOOSMALL;
}

static nfsstat3 readdir_common(struct rpc_req *req, const nfs_fh3 *h, cookie3 cookie,
			       struct dir_reply *d, struct object *dir)
{
	size_t limit = req->tcp ? TCP_TRANSFER_MAX : UDP_TRANSFER_MAX;
	/* status, attributes, verifier, the list's end and eof */
	size_t fixed = 4 + POST_OP_ATTR_SIZE + 8 + 4 + 4;
	nfsstat3 status = resolve(req, h, dir);

	nfsd_of(req)->arena_used = 0;
	if (status != NFS3_OK)
		return status;
	if (!S_ISDIR(dir->sb.st_mode))
		return NFS3ERR_NOTDIR;
	/* Listing needs read permission only, as with knfsd; without search
	 * permission READDIRPLUS gives names without handles (below). */
	if (!(nfsd_permitted(&dir->sb, &dir->id) & 4))
		return NFS3ERR_ACCES;
	if (d->maxcount > limit)
		d->maxcount = limit;
	if (d->maxcount > req->reply_cap - RPC_REPLY_HDR)
		d->maxcount = req->reply_cap - RPC_REPLY_HDR;
	if (d->maxcount < fixed)
		return NFS3ERR_TOOSMALL;
	d->bytes = fixed;
	return read_entries(req, dir, cookie, d);
}

static void proc_readdir(struct rpc_req *req, void *args, void *res)
{
	READDIR3args *a = args;
	READDIR3res *r = res;
	struct dir_reply d = { .plus = false, .maxcount = a->count, .dircount = a->count };
	struct object dir;

	NFSD_ISO_HOOK(readdir, a->dir);
	r->status = readdir_common(req, &a->dir, a->cookie, &d, &dir);
	if (r->status != NFS3_OK) {
		post_op(&dir, &r->READDIR3res_u.resfail.dir_attributes);
		return;
	}
	post_op(&dir, &r->READDIR3res_u.resok.dir_attributes);
	/* knfsd echoes the verifier: cookies stay valid as long as the
	 * directory's offsets do. */
	memcpy(r->READDIR3res_u.resok.cookieverf, a->cookieverf, NFS3_COOKIEVERFSIZE);
	r->READDIR3res_u.resok.reply.entries = (entry3 *)d.first;
	r->READDIR3res_u.resok.reply.eof = d.eof;
}

static void proc_readdirplus(struct rpc_req *req, void *args, void *res)
{
	READDIRPLUS3args *a = args;
	READDIRPLUS3res *r = res;
	struct dir_reply d = { .plus = true, .maxcount = a->maxcount, .dircount = a->dircount };
	struct object dir;

	NFSD_ISO_HOOK(readdirplus, a->dir);
	r->status = readdir_common(req, &a->dir, a->cookie, &d, &dir);
	if (r->status == NFS3_OK && !dir.opts->rdirplus)
		r->status = NFS3ERR_NOTSUPP;
	if (r->status != NFS3_OK) {
		post_op(&dir, &r->READDIRPLUS3res_u.resfail.dir_attributes);
		return;
	}
	post_op(&dir, &r->READDIRPLUS3res_u.resok.dir_attributes);
	memcpy(r->READDIRPLUS3res_u.resok.cookieverf, a->cookieverf, NFS3_COOKIEVERFSIZE);
	r->READDIRPLUS3res_u.resok.reply.entries = d.first;
	r->READDIRPLUS3res_u.resok.reply.eof = d.eof;
}

/* The rpcgen routines encode entry lists recursively, one stack frame per
 * entry; a 1 MiB reply holds tens of thousands. These loop instead. */
static bool_t xdr_entries(XDR *x, void *first, bool plus)
{
	bool_t more = TRUE, done = FALSE;

	for (void *e = first; e; ) {
		if (!xdr_bool(x, &more))
			return FALSE;
		if (plus) {
			entryplus3 *p = e;
			if (!xdr_fileid3(x, &p->fileid) || !xdr_filename3(x, &p->name) ||
			    !xdr_cookie3(x, &p->cookie) || !xdr_post_op_attr(x, &p->name_attributes) ||
			    !xdr_post_op_fh3(x, &p->name_handle))
				return FALSE;
			e = p->nextentry;
		} else {
			entry3 *p = e;
			if (!xdr_fileid3(x, &p->fileid) || !xdr_filename3(x, &p->name) ||
			    !xdr_cookie3(x, &p->cookie))
				return FALSE;
			e = p->nextentry;
		}
	}
	return xdr_bool(x, &done);
}

static bool_t xdr_READDIR3res_loop(XDR *x, READDIR3res *r)
{
	READDIR3resok *ok = &r->READDIR3res_u.resok;

	if (r->status != NFS3_OK || x->x_op != XDR_ENCODE)
		return xdr_READDIR3res(x, r);
	return xdr_nfsstat3(x, &r->status) && xdr_post_op_attr(x, &ok->dir_attributes) &&
	       xdr_cookieverf3(x, ok->cookieverf) && xdr_entries(x, ok->reply.entries, false) &&
	       xdr_bool(x, &ok->reply.eof);
}

static bool_t xdr_READDIRPLUS3res_loop(XDR *x, READDIRPLUS3res *r)
{
	READDIRPLUS3resok *ok = &r->READDIRPLUS3res_u.resok;

	if (r->status != NFS3_OK || x->x_op != XDR_ENCODE)
		return xdr_READDIRPLUS3res(x, r);
	return xdr_nfsstat3(x, &r->status) && xdr_post_op_attr(x, &ok->dir_attributes) &&
	       xdr_cookieverf3(x, ok->cookieverf) && xdr_entries(x, ok->reply.entries, true) &&
	       xdr_bool(x, &ok->reply.eof);
}

/* ---- file system information --------------------------------------------- */

static void proc_fsstat(struct rpc_req *req, void *args, void *res)
{
	FSSTAT3res *r = res;
	FSSTAT3resok *ok = &r->FSSTAT3res_u.resok;
	struct object o;
	struct statfs sf;

	NFSD_ISO_HOOK(fsstat, ((FSSTAT3args *)args)->fsroot);
	r->status = resolve(req, &((FSSTAT3args *)args)->fsroot, &o);
	if (r->status != NFS3_OK)
		return;
	post_op(&o, &ok->obj_attributes);
	if (fstatfs(o.slot->path_fd, &sf) < 0) {
		r->status = NFS3ERR_IO;
		return;
	}
	ok->tbytes = (size3)sf.f_blocks * (size3)sf.f_bsize;
	ok->fbytes = (size3)sf.f_bfree * (size3)sf.f_bsize;
	ok->abytes = (size3)sf.f_bavail * (size3)sf.f_bsize;
	ok->tfiles = sf.f_files;
	ok->ffiles = sf.f_ffree;
	ok->afiles = sf.f_ffree;
	ok->invarsec = 0;
}

static void proc_fsinfo(struct rpc_req *req, void *args, void *res)
{
	FSINFO3res *r = res;
	FSINFO3resok *ok = &r->FSINFO3res_u.resok;
	uint32 max = req->tcp ? TCP_TRANSFER_MAX : UDP_TRANSFER_MAX;
	struct object o;

	NFSD_ISO_HOOK(fsinfo, ((FSINFO3args *)args)->fsroot);
	r->status = resolve(req, &((FSINFO3args *)args)->fsroot, &o);
	if (r->status != NFS3_OK)
		return;
	post_op(&o, &ok->obj_attributes);
	ok->rtmax = ok->rtpref = max;
	ok->wtmax = ok->wtpref = max;
	ok->rtmult = ok->wtmult = 4096;
	ok->dtpref = max;
	ok->maxfilesize = INT64_MAX;
	ok->time_delta.seconds = 0;
	ok->time_delta.nseconds = 1;
	ok->properties = FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME;
}

static void proc_pathconf(struct rpc_req *req, void *args, void *res)
{
	PATHCONF3res *r = res;
	PATHCONF3resok *ok = &r->PATHCONF3res_u.resok;
	struct object o;

	NFSD_ISO_HOOK(pathconf, ((PATHCONF3args *)args)->object);
	r->status = resolve(req, &((PATHCONF3args *)args)->object, &o);
	if (r->status != NFS3_OK)
		return;
	post_op(&o, &ok->obj_attributes);
	ok->linkmax = 32000;
	ok->name_max = NAME_MAX;
	ok->no_trunc = TRUE;
	ok->chown_restricted = TRUE;
	ok->case_insensitive = FALSE;
	ok->case_preserving = TRUE;
}

/* ---- modifying procedures ------------------------------------------------ */

/* Every result of a modifying procedure starts with its nfsstat3, and
 * zeroed weak cache consistency data means "no attributes". The handle is
 * still checked, so a bad one gets the error it deserves first. */
static void answer_rofs(struct rpc_req *req, const nfs_fh3 *h, void *res)
{
	struct object o;
	nfsstat3 status;

	if (fh_is_iso((const unsigned char *)h->data.data_val, h->data.data_len)) {
		*(nfsstat3 *)res = nfsd_iso_rofs(req, h);
		return;
	}
	status = resolve(req, h, &o);
	*(nfsstat3 *)res = status == NFS3_OK ? NFS3ERR_ROFS : status;
}

#define ROFS(proc, argt, field) \
	static void proc_##proc(struct rpc_req *req, void *args, void *res) \
	{ answer_rofs(req, &((argt *)args)->field, res); }
ROFS(setattr, SETATTR3args, object)
ROFS(write, WRITE3args, file)
ROFS(create, CREATE3args, where.dir)
ROFS(mkdir, MKDIR3args, where.dir)
ROFS(symlink, SYMLINK3args, where.dir)
ROFS(mknod, MKNOD3args, where.dir)
ROFS(remove, REMOVE3args, object.dir)
ROFS(rmdir, RMDIR3args, object.dir)
ROFS(rename, RENAME3args, from.dir)
ROFS(link, LINK3args, file)
ROFS(commit, COMMIT3args, file)
#undef ROFS

/* ---- the program --------------------------------------------------------- */

#define PROC(name, fn, argt, rest, xdr_rest) \
	{ name, (xdrproc_t)xdr_##argt, (xdrproc_t)xdr_rest, sizeof(argt), sizeof(rest), fn }
#define P(name, fn, base) PROC(#name, fn, base##3args, base##3res, xdr_##base##3res)

const struct rpc_proc nfsd_procs[NFSD_NPROCS] = {
	PROC("NULL", proc_null, rpc_void, rpc_void, xdr_rpc_void),
	P(GETATTR, proc_getattr, GETATTR),
	P(SETATTR, proc_setattr, SETATTR),
	{ "LOOKUP", (xdrproc_t)xdr_LOOKUP3args_strict, (xdrproc_t)xdr_LOOKUP3res,
	  sizeof(LOOKUP3args), sizeof(LOOKUP3res), proc_lookup },
	P(ACCESS, proc_access, ACCESS),
	P(READLINK, proc_readlink, READLINK),
	PROC("READ", proc_read, READ3args, READ3res, xdr_READ3res_inplace),
	P(WRITE, proc_write, WRITE),
	P(CREATE, proc_create, CREATE),
	P(MKDIR, proc_mkdir, MKDIR),
	P(SYMLINK, proc_symlink, SYMLINK),
	P(MKNOD, proc_mknod, MKNOD),
	P(REMOVE, proc_remove, REMOVE),
	P(RMDIR, proc_rmdir, RMDIR),
	P(RENAME, proc_rename, RENAME),
	P(LINK, proc_link, LINK),
	PROC("READDIR", proc_readdir, READDIR3args, READDIR3res, xdr_READDIR3res_loop),
	PROC("READDIRPLUS", proc_readdirplus, READDIRPLUS3args, READDIRPLUS3res,
	     xdr_READDIRPLUS3res_loop),
	P(FSSTAT, proc_fsstat, FSSTAT),
	P(FSINFO, proc_fsinfo, FSINFO),
	P(PATHCONF, proc_pathconf, PATHCONF),
	P(COMMIT, proc_commit, COMMIT),
};

static const struct rpc_version nfs_versions[] = {
	{ NFS_V3, nfsd_procs, NFSD_NPROCS },
};

static const struct rpc_program nfs_program = {
	NFS3_PROGRAM, nfs_versions, 1,
};

static void usage(int status)
{
	daemon_usage(status, "pxe-nfsd",
		     "Serve the exports in exports(5) syntax read-only over NFS version 3\n"
		     "(program 100003) on UDP and TCP; pxe-mountd hands out their handles.\n",
		     "pxe-mountd", "2049");
}

static void warn_rw(const struct export_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t c = 0; c < t->st[i].ex->nclients; c++)
			if (t->st[i].ex->clients[c].opts.rw)
				logmsg(LOG_WARNING, "%s: 'rw' for %s is not implemented yet; "
				       "it is served read-only", t->st[i].ex->path,
				       t->st[i].ex->clients[c].spec);
}

/* Descriptors of removed exports must not keep their file systems busy,
 * so a reload closes every cached one (reloads are rare). */
static void drop_cached(struct daemon_ctx *d)
{
	struct nfsd *n = (struct nfsd *)d;

	if (n->cache)
		fdcache_drop_other_tags(n->cache, d->exports.generation);
}

int nfsd_run(int argc, char **argv)
{
	static struct nfsd n = { .d.opts.progname = "pxe-nfsd" };

	log_open("pxe-nfsd", LOG_TO_STDERR, LOG_DAEMON);
	daemon_parse_args(&n.d.opts, argc, argv, usage, NFS_PORT);
	n.arena = malloc(ARENA_SIZE);
	if (n.arena == NULL)
		fatal(EX_OSERR, "out of memory");
	n.d.after_reload = drop_cached;
	daemon_start(&n.d, &nfs_program, RECORD_MAX, DATAGRAM_MAX);
	/* A quarter of the descriptors, as many as the connections may use. */
	n.cache = fdcache_new(n.d.nofile / 4 < CACHE_FDS_MAX ? n.d.nofile / 4 : CACHE_FDS_MAX);
	if (n.cache == NULL)
		fatal(EX_OSERR, "out of memory");
	warn_rw(&n.d.exports);
	daemon_serve(&n.d);
	fdcache_free(n.cache);
	free(n.arena);
	return EXIT_SUCCESS;
}
