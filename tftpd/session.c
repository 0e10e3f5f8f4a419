#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "options.h"
#include "remap.h"
#include "tftpd.h"
#include "transfer.h"
#include "upload.h"

struct session {
	const struct tftpd_config *cfg;
	const struct tftp_request *req;
	const struct sockaddr *client;
	/* The client as remap rules and log lines see it: an IPv4 client
	 * of a dual-stack socket is an IPv4 client (tftpd-hpa does so). */
	const struct sockaddr *client_seen;
	struct sockaddr_storage unmapped;
	int sock, stranger_sock;
	char client_text[ADDR_STRLEN];
	char *name_text;		/* the requested name, escaped for the log */
	char *mapped, *mapped_text;	/* the name after remap rules, if changed */
	struct transfer t;
	uint8_t oack[512];
	struct upload up;
	int original;			/* the file opened, when t.fd is another */
	int dirfd;			/* WRQ beside the original: its directory */
};

static const char *op_name(const struct session *s)
{
	return s->req->opcode == TFTP_WRQ ? "WRQ" : "RRQ";
}

static int refuse(const struct session *s, enum tftp_error code, const char *msg)
{
	transfer_send_error(s->sock, s->client, code, msg);
	return 0;
}

static int errno_to_tftp(int err, const char **msg)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return TFTP_ENOTFOUND;
	case EACCES:
	case EPERM:
	case EXDEV:	/* RESOLVE_BENEATH: the name leaves its directory */
	case ELOOP:
		return TFTP_EACCESS;
	case ENOSPC:
	case EDQUOT:
		return TFTP_ENOSPACE;
	case EEXIST:
		return TFTP_EEXISTS;
	default:
		*msg = strerror(err);
		return TFTP_EUNDEF;
	}
}

/* Opens rel below dirfd so that neither "..", nor an absolute name, nor
 * a symlink can leave it: with -s the directory is the root, as in a
 * chroot; otherwise the name must stay beneath the directory. */
static int open_beneath(const struct tftpd_config *cfg, int dirfd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)flags,
		.mode = (flags & O_CREAT) ? 0666 : 0,
		.resolve = RESOLVE_NO_MAGICLINKS |
			   (cfg->secure ? RESOLVE_IN_ROOT : RESOLVE_BENEATH),
	};
	int fd = (int)syscall(SYS_openat2, dirfd, *rel ? rel : ".", &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS) {
		/* Kernels before 5.6: under -s the chroot still confines us;
		 * without it we cannot prove containment, so refuse. */
		if (cfg->secure)
			return openat(dirfd, *rel ? rel : ".", flags, 0666);
		logmsg(LOG_ERR, "openat2 is not available: use -s on this kernel");
		errno = EACCES;
	}
	return fd;
}

/* A repeated request (the client retransmitted its RRQ/WRQ) finds the
 * lock held by the child already serving it: -1, and it stays silent.
 * Where locks cannot be had at all (ENOLCK: an NFS root without lockd)
 * the file is served without one, as tftpd-hpa (which never locks)
 * would, and the log says why, rather than every request vanishing.
 * Open file description locks, not POSIX ones: a worker serves many
 * transfers, and a POSIX lock would neither keep its other transfers
 * out nor survive the close of another descriptor of the file. */
static int lock_file(const struct session *s, int fd)
{
	bool wrq = s->req->opcode == TFTP_WRQ;
	/* A read locks byte 0 only, a write the whole file: see
	 * write_beside() for what the difference is for. */
	struct flock lock = { .l_type = wrq ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET,
			      .l_len = wrq ? 0 : 1 };

	if (fcntl(fd, F_OFD_SETLK, &lock) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return -1;
	logmsg(LOG_WARNING, "%s %s: cannot lock the file (%m); serving it unlocked",
	       op_name(s), s->name_text);
	return 0;
}

static int check_file(const struct session *s, int fd, struct stat *st, const char **msg)
{
	bool wrq = s->req->opcode == TFTP_WRQ;

	if (fstat(fd, st) < 0)
		return errno_to_tftp(errno, msg);
	if (!S_ISREG(st->st_mode)) {
		*msg = "Not a regular file";
		return TFTP_EACCESS;
	}
	if (!s->cfg->permissive && !(st->st_mode & (wrq ? S_IWOTH : S_IROTH))) {
		*msg = wrq ? "File must have global write permissions"
			   : "File must have global read permissions";
		return TFTP_EACCESS;
	}
	/* A WRQ's file is emptied only when its first block comes (see
	 * wrq_run), so a refused or abandoned request leaves it whole. */
	return lock_file(s, fd);
}

/* Opens the file a request names; *where (its directory's descriptor)
 * and *rel (the name below it) say where it was found. */
static int open_file(const struct session *s, const char *name, struct stat *st,
		     int *where, const char **rel, int *code, const char **msg)
{
	const struct tftpd_config *cfg = s->cfg;
	bool wrq = s->req->opcode == TFTP_WRQ;
	int flags = O_NOCTTY | O_NONBLOCK | O_CLOEXEC |
		    (wrq ? O_WRONLY | (cfg->create ? O_CREAT : 0) : O_RDONLY);
	size_t dir;
	int fd;

	*msg = NULL;
	*code = path_resolve(&cfg->policy, name, &dir, rel, msg);
	if (*code != 0)
		return -1;
	*where = cfg->dirfds[dir];
	fd = open_beneath(cfg, *where, *rel, flags);
	if (fd < 0) {
		*code = errno_to_tftp(errno, msg);
		return -1;
	}
	*code = check_file(s, fd, st, msg);
	if (*code != 0) {
		close(fd);
		return -1;
	}
	/* O_NONBLOCK, there only so that opening a FIFO cannot hang us,
	 * stays: it has no effect on a regular file's reads and writes
	 * (open(2); mandatory locks, which could make them EAGAIN, left
	 * Linux in 5.15, and an EAGAIN would fail the transfer, not hang). */
	return fd;
}

/* RFC 2348 blksize must fit the path: the MTU (of the route the
 * connected transfer socket uses) less IP, UDP and TFTP headers. */
static unsigned path_blksize_cap(int sock, int family)
{
	int mtu = 0;
	socklen_t len = sizeof(mtu);
	unsigned overhead = family == AF_INET6 ? 40 + 8 + 4 : 20 + 8 + 4;

	if (getsockopt(sock, family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       family == AF_INET6 ? IPV6_MTU : IP_MTU, &mtu, &len) == 0 &&
	    mtu > (int)overhead + TFTP_MIN_BLKSIZE && (unsigned)mtu - overhead < TFTP_MAX_BLKSIZE)
		return (unsigned)mtu - overhead;
	return TFTP_MAX_BLKSIZE;
}

static const char *remapped_name(struct session *s, char **mapped)
{
	const struct tftpd_config *cfg = s->cfg;
	struct remap_request rq = {
		.is_wrq = s->req->opcode == TFTP_WRQ,
		.client = s->client_seen,
		.trace = log_verbose(3),
	};

	*mapped = NULL;
	if (cfg->remap == NULL)
		return s->req->filename;
	if (remap_apply(cfg->remap, s->req->filename, &rq, mapped) == REMAP_DENY) {
		if (log_verbose(1))
			logmsg(LOG_NOTICE, "%s from %s filename %s refused by remap rules",
			       op_name(s), s->client_text, s->name_text);
		refuse(s, TFTP_EACCESS, *mapped);
		free(*mapped);
		*mapped = NULL;
		return NULL;
	}
	return *mapped;
}

static void log_request(const struct session *s, const char *name, const char *name_text)
{
	if (!log_verbose(1))
		return;
	if (strcmp(name, s->req->filename) == 0)
		logmsg(LOG_NOTICE, "%s from %s filename %s", op_name(s), s->client_text,
		       name_text);
	else
		logmsg(LOG_NOTICE, "%s from %s filename %s remapped to %s", op_name(s),
		       s->client_text, s->name_text, name_text);
}

struct tftp_limits session_limits(const struct tftpd_config *cfg, const struct tftp_request *req)
{
	bool rrq = req->opcode == TFTP_RRQ;

	return (struct tftp_limits){
		.max_blksize = cfg->max_blksize,
		.max_windowsize = cfg->max_windowsize,
		.timeout_us = cfg->retransmit_us,
		.refused = cfg->refused,
		/* A read's whole window is kept in memory, so it is
		 * bounded in bytes. */
		.max_window_bytes = !rrq ? 0 : req->mode == TFTP_MODE_NETASCII
						   ? TRANSFER_NETASCII_WINDOW_BYTES
						   : TRANSFER_OCTET_WINDOW_BYTES,
	};
}

static int negotiate(const struct session *s, const struct stat *st, struct transfer *t,
		     uint8_t *oack, size_t oack_size)
{
	struct tftp_limits lim = session_limits(s->cfg, s->req);
	struct tftp_oack granted;
	const char *msg = NULL;
	unsigned cap = path_blksize_cap(s->sock, s->client->sa_family);
	int code;

	if (cap < lim.max_blksize)
		lim.max_blksize = cap;
	code = tftp_negotiate(s->req, &lim,
			      s->req->opcode == TFTP_RRQ && s->req->mode == TFTP_MODE_OCTET ?
			      (int64_t)st->st_size : -1,
			      &t->params, &granted, &msg);
	if (code != 0) {
		if (log_verbose(1))
			logmsg(LOG_NOTICE, "%s from %s filename %s: %s", op_name(s),
			       s->client_text, s->name_text, msg);
		refuse(s, (enum tftp_error)code, msg);
		return -1;
	}
	if (granted.n > 0) {
		t->oack_len = tftp_put_oack(oack, oack_size, granted.opts, granted.n);
		t->oack = oack;
	}
	return 0;
}

static int commit_upload(void *arg)
{
	return upload_commit(arg);
}

/* A WRQ over an existing file: the data goes to a temporary file beside
 * it (see upload.h) when that keeps what tftpd-hpa keeps, else in place.
 * The original stays open, and locked, until the transfer ends, but its
 * lock gives up byte 0, the byte reads lock: readers may have the old
 * file meanwhile, while a repeated WRQ (the whole file) still finds it
 * locked. Returns the directory's descriptor when the temporary file is
 * used, else -1. */
static int write_beside(const struct tftpd_config *cfg, int where, const char *rel,
			const struct stat *st, struct transfer *t, struct upload *up)
{
	struct flock byte0 = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_len = 1 };
	const char *slash = strrchr(rel, '/');
	char *parent = strndup(rel, slash ? (size_t)(slash - rel) : 0);
	int dirfd = parent ? open_beneath(cfg, where, parent, O_PATH | O_DIRECTORY | O_CLOEXEC)
			   : -1;
	int fd;

	free(parent);
	up->dirfd = -1;
	up->tmp[0] = '\0';
	if (dirfd < 0)
		return -1;
	fd = upload_begin(up, dirfd, slash ? slash + 1 : rel, st);
	if (fd < 0) {
		close(dirfd);
		return -1;
	}
	fcntl(t->fd, F_OFD_SETLK, &byte0);
	t->fd = fd;
	t->commit = commit_upload;
	t->commit_arg = up;
	return dirfd;
}

/* Opens the file, negotiates, and readies s->t; -1 when the request
 * was answered (or ignored) already. */
static int serve_file(struct session *s, const char *name, const char *name_text)
{
	const struct tftpd_config *cfg = s->cfg;
	const struct tftp_request *req = s->req;
	struct transfer *t = &s->t;
	struct stat st;
	const char *msg, *rel;
	int code, where;

	*t = (struct transfer){ .sock = s->sock, .stranger_sock = s->stranger_sock,
				.opcode = req->opcode, .mode = req->mode };
	log_request(s, name, name_text);
	t->fd = open_file(s, name, &st, &where, &rel, &code, &msg);
	if (t->fd < 0) {
		if (code < 0) {
			if (log_verbose(1))
				logmsg(LOG_NOTICE, "%s: already in transfer, request ignored",
				       s->name_text);
			return -1;
		}
		refuse(s, (enum tftp_error)code, msg);
		return -1;
	}
	memcpy(&t->peer, s->client, addr_len(s->client));
	t->file_size = (uint64_t)st.st_size;
	t->filename = name_text;
	if (negotiate(s, &st, t, s->oack, sizeof(s->oack)) < 0) {
		close(t->fd);
		t->fd = -1;
		return -1;
	}
	if (req->opcode == TFTP_WRQ) {
		int original = t->fd;

		s->dirfd = write_beside(cfg, where, rel, &st, t, &s->up);
		if (s->dirfd >= 0)
			s->original = original;
	}
	return 0;
}

struct session *session_open(const struct tftpd_config *cfg, const struct tftp_request *req,
			     const struct sockaddr *client, int sock, int stranger_sock)
{
	struct session *s = calloc(1, sizeof(*s));
	const char *name;

	if (s == NULL) {
		logmsg(LOG_ERR, "out of memory");
		close(sock);
		if (stranger_sock >= 0)
			close(stranger_sock);
		return NULL;
	}
	*s = (struct session){ .cfg = cfg, .req = req, .client = client, .sock = sock,
			       .stranger_sock = stranger_sock, .original = -1, .dirfd = -1 };
	s->t.fd = -1;
	s->client_seen = addr_unmap_v4(client, &s->unmapped);
	addr_ntop(s->client_seen, s->client_text, sizeof(s->client_text));
	s->name_text = log_escape(req->filename);
	if (s->name_text == NULL) {
		logmsg(LOG_ERR, "out of memory");
		goto fail;
	}
	if (req->ignored_opts && log_verbose(2))
		logmsg(LOG_INFO, "%s from %s: ignored %zu malformed or surplus options",
		       op_name(s), s->client_text, req->ignored_opts);
	name = remapped_name(s, &s->mapped);
	if (name == NULL)
		goto fail;
	s->mapped_text = s->mapped ? log_escape(s->mapped) : NULL;
	if (serve_file(s, name, s->mapped_text ? s->mapped_text : s->name_text) < 0)
		goto fail;
	/* The request and the client's address are the caller's: from here
	 * on only the copies in s->t are used. */
	s->req = NULL;
	s->client = NULL;
	return s;
fail:
	session_close(s, 0);
	return NULL;
}

struct transfer *session_transfer(struct session *s)
{
	return &s->t;
}

int session_close(struct session *s, int transfer_rc)
{
	if (s->t.fd >= 0)
		close(s->t.fd);
	if (s->dirfd >= 0 && transfer_rc != 0)
		upload_abort(&s->up);
	if (s->original >= 0)
		close(s->original);
	if (s->dirfd >= 0)
		close(s->dirfd);
	close(s->sock);
	if (s->stranger_sock >= 0)
		close(s->stranger_sock);
	free(s->mapped_text);
	free(s->mapped);
	free(s->name_text);
	free(s);
	return transfer_rc == 0 ? 0 : 1;
}

int session_run(const struct tftpd_config *cfg, const struct tftp_request *req,
		const struct sockaddr *client, int sock, int stranger_sock)
{
	struct session *s = session_open(cfg, req, client, sock, stranger_sock);

	if (s == NULL)
		return 0;
	return session_close(s, transfer_run(&s->t));
}
