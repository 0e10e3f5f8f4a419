#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "tid.h"

/* Socket buffers sized for a whole window of the largest blocks. */
#define TRANSFER_SOCKBUF (4 << 20)

/* Room for a whole window in the direction the data flows; forced past
 * rmem_max/wmem_max while we still may (it costs nothing until used). */
static void size_buffer(int fd, bool send)
{
	int size = TRANSFER_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, send ? SO_SNDBUFFORCE : SO_RCVBUFFORCE, &size,
		       sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, send ? SO_SNDBUF : SO_RCVBUF, &size, sizeof(size));
}

/* Held while transfer sockets are made, so that no two processes of
 * ours ever share a port (see tid_sockets()): one lock for the sockets
 * root makes and binds, one for those the workers that take requests
 * bind (tid_make_pair gives them the -u user's uid, so neither kind can
 * join a port of the other). Root never waits on the workers' lock. */
static int bind_lock_fd = -1, taker_lock_fd = -1;

void tid_init(void)
{
	bind_lock_fd = memfd_create("in.tftpd-bind", MFD_CLOEXEC);
	taker_lock_fd = memfd_create("in.tftpd-bind-worker", MFD_CLOEXEC);
	if (bind_lock_fd < 0 || taker_lock_fd < 0)
		fatal(EX_OSERR, "memfd_create: %m");
}

void tid_forget(void)
{
	if (bind_lock_fd >= 0)
		close(bind_lock_fd);
	if (taker_lock_fd >= 0)
		close(taker_lock_fd);
	bind_lock_fd = taker_lock_fd = -1;
}

void tid_for_worker(void)
{
	if (bind_lock_fd >= 0)
		close(bind_lock_fd);
	bind_lock_fd = taker_lock_fd;
	taker_lock_fd = -1;
}

static void bind_lock(short type)
{
	struct flock l = { .l_type = type, .l_whence = SEEK_SET };

	while (fcntl(bind_lock_fd, type == F_UNLCK ? F_SETLK : F_SETLKW, &l) < 0 &&
	       errno == EINTR)
		;
}

/* SO_REUSEPORT, not SO_REUSEADDR: on UDP the kernel lets any user join
 * a SO_REUSEADDR port, but a SO_REUSEPORT one only with the same uid. */
static int udp_socket(int family)
{
	int on = 1, fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Once both sockets are bound, the port is closed to everyone: a bind
 * to it fails with EADDRINUSE, whoever asks and with whatever option. */
static int close_port(int fd)
{
	int off = 0;

	return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &off, sizeof(off));
}

static int bind_tid(const struct tftpd_config *cfg, int fd, struct sockaddr_storage *local,
		    unsigned hint)
{
	struct sockaddr *sa = (struct sockaddr *)local;
	unsigned span, start, i;

	if (cfg->port_lo == 0)
		return bind(fd, sa, addr_len(sa));
	span = cfg->port_hi - cfg->port_lo + 1;
	start = hint % span;
	for (i = 0; i < span; i++) {
		addr_set_port(sa, cfg->port_lo + (start + i) % span);
		if (bind(fd, sa, addr_len(sa)) == 0)
			return 0;
		if (errno != EADDRINUSE)
			break;
	}
	return -1;
}

/* The transfer's port (its TID) on the address the request came to, from
 * -R's range if given. Two sockets share it: one connected to the client,
 * so sends need no route lookup and the kernel hands it the client's
 * packets only, and one unconnected, which receives everyone else's so
 * they can be told ERROR 5 (RFC 1350) while the transfer carries on.
 * Sharing needs SO_REUSEPORT at bind time; between the first bind and
 * close_port() another process of ours (same uid) could join the port
 * (a bind to port 0 may even pick it), so that stretch runs under
 * bind_lock: afterwards the port is this transfer's alone, and with -R
 * the next transfer moves on to the next port. */
int tid_sockets(const struct tftpd_config *cfg, struct sockaddr_storage *local, bool rrq,
		const struct sockaddr *client, unsigned hint, const int *made, int *stranger)
{
	socklen_t len = sizeof(*local);
	int fd = made ? made[0] : udp_socket(local->ss_family);

	*stranger = -1;
	if (fd >= 0 && made == NULL)
		size_buffer(fd, rrq);
	bind_lock(F_WRLCK);
	if (fd < 0 || bind_tid(cfg, fd, local, hint) < 0 ||
	    getsockname(fd, (struct sockaddr *)local, &len) < 0) {
		logmsg(LOG_ERR, "bind: %m");
		goto fail;
	}
	*stranger = made ? made[1] : udp_socket(local->ss_family);
	made = NULL;	/* both are ours to close from here */
	if (*stranger < 0 || bind(*stranger, (struct sockaddr *)local, len) < 0 ||
	    close_port(fd) < 0 || close_port(*stranger) < 0) {
		logmsg(LOG_ERR, "bind: %m");
		goto fail;
	}
	bind_lock(F_UNLCK);
	if (connect(fd, client, addr_len(client)) < 0) {
		logmsg(LOG_ERR, "connect: %m");
		goto fail;
	}
	return fd;
fail:
	bind_lock(F_UNLCK);
	if (made && made[1] >= 0)
		close(made[1]);
	if (fd >= 0)
		close(fd);
	if (*stranger >= 0)
		close(*stranger);
	return -1;
}

int tid_make_pair(int family, uid_t owner, int fds[2])
{
	/* A socket is owned by the file system uid that made it, and only
	 * an owner's sockets share a SO_REUSEPORT port: as the -u user's,
	 * these can never join a port of root's. The buffers are sized
	 * after, as root. */
	uid_t was = (uid_t)setfsuid(owner);

	if ((uid_t)setfsuid(owner) != owner) {	/* says what it is now */
		setfsuid(was);
		errno = EPERM;
		return -1;
	}
	fds[0] = udp_socket(family);
	fds[1] = udp_socket(family);
	setfsuid(was);
	if (fds[0] < 0 || fds[1] < 0) {
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		return -1;
	}
	/* Either way the data may flow: a read's sockets take a window of
	 * DATA, a write's a window coming in. */
	size_buffer(fds[0], true);
	size_buffer(fds[0], false);
	return 0;
}
