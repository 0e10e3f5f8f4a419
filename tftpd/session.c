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

struct session {
	const struct tftpd_config *cfg;
	const struct tftp_request *req;
	const struct sockaddr *client;
	int sock;
	char client_text[ADDR_STRLEN];
};

static const char *op_name(const struct session *s)
{
	return s->req->opcode == TFTP_WRQ ? "WRQ" : "RRQ";
}

static int refuse(const struct session *s, enum tftp_error code, const char *msg)
{
	transfer_send_error(s->sock, s->client, code, msg, s->cfg->verbosity);
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

static int check_file(const struct session *s, int fd, struct stat *st, const char **msg)
{
	bool wrq = s->req->opcode == TFTP_WRQ;
	struct flock lock = { .l_type = wrq ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET };

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
	/* A repeated request (the client retransmitted its RRQ/WRQ) finds
	 * the lock held by the child already serving it and stays silent. */
	if (fcntl(fd, F_SETLK, &lock) < 0)
		return -1;
	if (wrq && ftruncate(fd, 0) < 0) {
		*msg = "Cannot reset file size";
		return TFTP_EACCESS;
	}
	return 0;
}

static int open_file(const struct session *s, const char *name, struct stat *st,
		     int *code, const char **msg)
{
	const struct tftpd_config *cfg = s->cfg;
	bool wrq = s->req->opcode == TFTP_WRQ;
	int flags = O_NOCTTY | O_NONBLOCK | O_CLOEXEC |
		    (wrq ? O_WRONLY | (cfg->create ? O_CREAT : 0) : O_RDONLY);
	const char *rel;
	size_t dir;
	int fd;

	*msg = NULL;
	*code = path_resolve(&cfg->policy, name, &dir, &rel, msg);
	if (*code != 0)
		return -1;
	fd = open_beneath(cfg, cfg->dirfds[dir], rel, flags);
	if (fd < 0) {
		*code = errno_to_tftp(errno, msg);
		return -1;
	}
	*code = check_file(s, fd, st, msg);
	if (*code != 0) {
		close(fd);
		return -1;
	}
	/* Reads and writes of regular files never block; keep it simple. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
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
		.client = s->client,
		.trace = cfg->verbosity >= 3,
	};

	*mapped = NULL;
	if (cfg->remap == NULL)
		return s->req->filename;
	if (remap_apply(cfg->remap, s->req->filename, &rq, mapped) == REMAP_DENY) {
		if (cfg->verbosity >= 1)
			logmsg(LOG_NOTICE, "%s from %s filename %s refused by remap rules",
			       op_name(s), s->client_text, s->req->filename);
		refuse(s, TFTP_EACCESS, *mapped);
		free(*mapped);
		*mapped = NULL;
		return NULL;
	}
	return *mapped;
}

static void log_request(const struct session *s, const char *name)
{
	if (s->cfg->verbosity < 1)
		return;
	if (strcmp(name, s->req->filename) == 0)
		logmsg(LOG_NOTICE, "%s from %s filename %s", op_name(s), s->client_text, name);
	else
		logmsg(LOG_NOTICE, "%s from %s filename %s remapped to %s", op_name(s),
		       s->client_text, s->req->filename, name);
}

static int negotiate(const struct session *s, const struct stat *st, struct transfer *t,
		     uint8_t *oack, size_t oack_size)
{
	const struct tftpd_config *cfg = s->cfg;
	struct tftp_limits lim = {
		.max_blksize = cfg->max_blksize,
		.max_windowsize = cfg->max_windowsize,
		.timeout_us = cfg->retransmit_us,
		.refused = cfg->refused,
	};
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
		if (cfg->verbosity >= 1)
			logmsg(LOG_NOTICE, "%s from %s filename %s: %s", op_name(s),
			       s->client_text, s->req->filename, msg);
		refuse(s, (enum tftp_error)code, msg);
		return -1;
	}
	if (granted.n > 0) {
		t->oack_len = tftp_put_oack(oack, oack_size, granted.opts, granted.n);
		t->oack = oack;
	}
	return 0;
}

int session_run(const struct tftpd_config *cfg, const struct tftp_request *req,
		const struct sockaddr *client, int sock, int stranger_sock)
{
	struct session s = { cfg, req, client, sock, { 0 } };
	struct transfer t = { .sock = sock, .stranger_sock = stranger_sock,
			      .opcode = req->opcode, .mode = req->mode,
			      .verbosity = cfg->verbosity };
	uint8_t oack[512];
	struct stat st;
	char *mapped;
	const char *name, *msg;
	int code, rc;

	addr_ntop(client, s.client_text, sizeof(s.client_text));
	if (req->ignored_opts && cfg->verbosity >= 2)
		logmsg(LOG_INFO, "%s from %s: ignored %zu malformed or surplus options",
		       op_name(&s), s.client_text, req->ignored_opts);
	name = remapped_name(&s, &mapped);
	if (name == NULL)
		return 0;
	log_request(&s, name);
	t.fd = open_file(&s, name, &st, &code, &msg);
	if (t.fd < 0) {
		free(mapped);
		if (code < 0) {
			if (cfg->verbosity >= 1)
				logmsg(LOG_NOTICE, "%s: already in transfer, request ignored", req->filename);
			return 0;
		}
		return refuse(&s, (enum tftp_error)code, msg);
	}
	memcpy(&t.peer, client, addr_len(client));
	t.file_size = (uint64_t)st.st_size;
	t.filename = name;
	if (negotiate(&s, &st, &t, oack, sizeof(oack)) < 0) {
		free(mapped);
		close(t.fd);
		return 0;
	}
	rc = transfer_run(&t);
	if (t.fd >= 0)
		close(t.fd);
	free(mapped);
	return rc == 0 ? 0 : 1;
}
