#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <rpc/rpc.h>

#include "addr.h"
#include "log.h"
#include "server.h"

#define FRAG_LAST 0x80000000u
#define MARK 4
#define IN_START 65536
#define POLL_MS 10000
#define BIND_TRIES 32

struct conn {
	int fd;
	struct sockaddr_storage peer;
	unsigned char *in;		/* bytes read, not yet handled */
	size_t in_len, in_cap;
	unsigned char *rec;		/* a record of several fragments */
	size_t rec_len;
	unsigned char *out;		/* record mark + reply */
	size_t out_len, out_off;
	int tail_fd;			/* file data after the reply (READ) */
	off_t tail_off;
	size_t tail_left, pad_left;
	time_t last;
};

struct server {
	struct server_config cfg;
	int udp_fd, tcp_fd;
	int family;
	uint16_t port;
	struct conn **conns;
	unsigned nconns;
	unsigned char *dgram_in, *dgram_out;
	bool registered;
};

/* ---- sockets ----------------------------------------------------------- */

static int bind_socket(int family, int type, const struct sockaddr_storage *addr,
		       socklen_t len, uint16_t port)
{
	struct sockaddr_storage a = *addr;
	int fd, one = 1, zero = 0;

	addr_set_port((struct sockaddr *)&a, port);
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* One socket for both families, registered under both netids. */
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
	if (bind(fd, (struct sockaddr *)&a, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof a;

	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return 0;
	return (uint16_t)addr_port((struct sockaddr *)&a);
}

static socklen_t bind_address(const char *host, struct sockaddr_storage *out)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM }, *ai;
	socklen_t len;
	int rc;

	if (host == NULL) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
		int probe = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		memset(out, 0, sizeof *out);
		if (probe >= 0) {
			close(probe);
			a6->sin6_family = AF_INET6;
			a6->sin6_addr = in6addr_any;
			return sizeof *a6;
		}
		((struct sockaddr_in *)out)->sin_family = AF_INET;
		return sizeof(struct sockaddr_in);
	}
	rc = getaddrinfo(host, NULL, &hints, &ai);
	if (rc != 0)
		fatal(EX_USAGE, "bad address '%s': %s", host, gai_strerror(rc));
	memcpy(out, ai->ai_addr, ai->ai_addrlen);
	len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return len;
}

/* TCP and UDP on the same port: a fixed one, or the first free one both
 * can have. */
static void bind_both(struct server *s)
{
	struct sockaddr_storage addr;
	socklen_t len = bind_address(s->cfg.bind_addr, &addr);

	s->family = addr.ss_family;
	for (int i = 0; i < BIND_TRIES; i++) {
		s->tcp_fd = bind_socket(s->family, SOCK_STREAM, &addr, len, s->cfg.port);
		if (s->tcp_fd < 0)
			fatal(EX_OSERR, "cannot bind TCP port %u: %m", s->cfg.port);
		s->port = bound_port(s->tcp_fd);
		s->udp_fd = bind_socket(s->family, SOCK_DGRAM, &addr, len, s->port);
		if (s->udp_fd >= 0)
			return;
		if (errno != EADDRINUSE || s->cfg.port != 0)
			fatal(EX_OSERR, "cannot bind UDP port %u: %m", s->port);
		close(s->tcp_fd);
	}
	fatal(EX_OSERR, "no port free for both UDP and TCP");
}

/* ---- rpcbind ----------------------------------------------------------- */

static bool register_netid(struct server *s, const char *netid, uint32_t vers)
{
	struct netconfig *nconf = getnetconfigent(netid);
	struct sockaddr_storage a;
	struct netbuf nb;
	bool ok;

	if (nconf == NULL)
		return false;
	memset(&a, 0, sizeof a);
	a.ss_family = strchr(netid, '6') ? AF_INET6 : AF_INET;
	addr_set_port((struct sockaddr *)&a, s->port);
	nb.len = addr_len((struct sockaddr *)&a);
	nb.maxlen = sizeof a;
	nb.buf = &a;
	ok = rpcb_set(s->cfg.prog->prog, vers, nconf, &nb);
	freenetconfigent(nconf);
	return ok;
}

static void unregister(struct server *s)
{
	for (unsigned v = 0; v < s->cfg.prog->nversions; v++)
		rpcb_unset(s->cfg.prog->prog, s->cfg.prog->versions[v].vers, NULL);
}

static void register_all(struct server *s)
{
	static const char *const netids[] = { "udp", "tcp", "udp6", "tcp6" };
	unsigned nnetids = s->family == AF_INET6 ? 4 : 2;

	/* Entries left by a daemon that died would make rpcb_set fail. */
	unregister(s);
	for (unsigned v = 0; v < s->cfg.prog->nversions; v++) {
		uint32_t vers = s->cfg.prog->versions[v].vers;

		for (unsigned i = 0; i < nnetids; i++)
			if (!register_netid(s, netids[i], vers))
				fatal(EX_UNAVAILABLE, "cannot register program %u version %u on %s "
				      "with rpcbind: is rpcbind running?", s->cfg.prog->prog,
				      vers, netids[i]);
	}
	s->registered = true;
}

struct server *server_open(const struct server_config *cfg)
{
	struct server *s = calloc(1, sizeof *s);

	if (s == NULL)
		fatal(EX_OSERR, "out of memory");
	s->cfg = *cfg;
	s->dgram_in = malloc(65536);
	s->dgram_out = malloc(cfg->max_datagram);
	s->conns = calloc(cfg->max_conns, sizeof *s->conns);
	if (!s->dgram_in || !s->dgram_out || !s->conns)
		fatal(EX_OSERR, "out of memory");
	bind_both(s);
	if (cfg->rpcbind)
		register_all(s);
	return s;
}

uint16_t server_port(const struct server *svc)
{
	return svc->port;
}

/* ---- connections ------------------------------------------------------- */

static void drop_tail(struct conn *c)
{
	if (c->tail_left || c->pad_left)
		close(c->tail_fd);
	c->tail_left = c->pad_left = 0;
}

static bool conn_busy(const struct conn *c)
{
	return c->out_len != 0 || c->tail_left != 0 || c->pad_left != 0;
}

static void conn_free(struct conn *c)
{
	drop_tail(c);
	close(c->fd);
	free(c->in);
	free(c->rec);
	free(c->out);
	free(c);
}

static void drop_conn(struct server *s, unsigned i)
{
	conn_free(s->conns[i]);
	s->conns[i] = s->conns[--s->nconns];
}

static void accept_conn(struct server *s)
{
	struct conn *c;
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	int fd = accept4(s->tcp_fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (s->nconns == s->cfg.max_conns) {
		logmsg(LOG_WARNING, "%u TCP clients already: refusing one more", s->nconns);
		close(fd);
		return;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer = peer;
	c->last = time(NULL);
	s->conns[s->nconns++] = c;
}

/* Zeros for XDR padding, and for file data that vanished while it was
 * being sent (the record's length is promised in its mark). */
static const unsigned char zeros[4096];

static bool send_tail(struct conn *c)
{
	while (c->tail_left) {
		ssize_t n = sendfile(c->fd, c->tail_fd, &c->tail_off, c->tail_left);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (n == 0) {
			c->pad_left += c->tail_left;	/* the file shrank */
			c->tail_left = 0;
		}
		c->tail_left -= (size_t)n;
	}
	while (c->pad_left) {
		size_t len = c->pad_left < sizeof zeros ? c->pad_left : sizeof zeros;
		ssize_t n = send(c->fd, zeros, len, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->pad_left -= (size_t)n;
	}
	close(c->tail_fd);
	return true;
}

static bool flush_out(struct conn *c)
{
	bool tail = c->tail_left || c->pad_left;

	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | (tail ? MSG_MORE : 0));

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	return tail ? send_tail(c) : true;
}

const char *peer_ntop(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;
	struct sockaddr_in a4 = { .sin_family = AF_INET };

	/* Clients of the dual-stack socket: show IPv4 ones as IPv4. */
	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) {
		memcpy(&a4.sin_addr, &a6->sin6_addr.s6_addr[12], 4);
		sa = (const struct sockaddr *)&a4;
	}
	return addr_ntop(sa, buf, len);
}

/* One call through the dispatcher; with --debug, a line for it. */
static size_t handle_call(struct server *s, struct rpc_req *req, const unsigned char *msg,
			  size_t len)
{
	size_t n = rpc_handle(s->cfg.prog, req, msg, len);

	if (s->cfg.debug) {
		char addr[ADDR_STRLEN];

		logmsg(LOG_DEBUG, "%s %s v%u %s from %s: %zu-byte reply", req->tcp ? "tcp" : "udp",
		       req->proc_name ? req->proc_name : "call", req->vers,
		       n ? "answered" : "dropped", peer_ntop(req->peer, addr, sizeof addr), n);
	}
	return n;
}

static bool dispatch_record(struct server *s, struct conn *c, const unsigned char *msg, size_t len)
{
	struct rpc_req req = {
		.peer = (struct sockaddr *)&c->peer, .tcp = true, .ctx = s->cfg.ctx,
	};
	size_t n;

	if (c->out == NULL && (c->out = malloc(MARK + s->cfg.max_record)) == NULL)
		return false;
	req.reply = c->out + MARK;
	req.reply_cap = s->cfg.max_record;
	n = handle_call(s, &req, msg, len);
	if (req.drop) {
		if (req.tail_len)
			close(req.tail_fd);
		return false;
	}
	if (n == 0)
		return true;
	c->out_len = MARK + n;
	if (req.tail_len) {
		c->tail_fd = req.tail_fd;
		c->tail_off = req.tail_off;
		c->tail_left = req.tail_len;
		c->pad_left = (4 - req.tail_len % 4) % 4;
		n += req.tail_len + c->pad_left;
	}
	c->out[0] = (unsigned char)((n | FRAG_LAST) >> 24);
	c->out[1] = (unsigned char)(n >> 16);
	c->out[2] = (unsigned char)(n >> 8);
	c->out[3] = (unsigned char)n;
	c->out_off = 0;
	return flush_out(c);
}

static bool reserve(unsigned char **buf, size_t *cap, size_t need)
{
	unsigned char *p;
	size_t n = *cap ? *cap : IN_START;

	if (need <= *cap)
		return true;
	while (n < need)
		n *= 2;
	p = realloc(*buf, n);
	if (p == NULL)
		return false;
	*buf = p;
	*cap = n;
	return true;
}

/* Handles every complete record in the input, as long as the replies go
 * out; a reply the socket cannot take yet stops reading (back-pressure). */
static bool handle_input(struct server *s, struct conn *c)
{
	size_t off = 0;
	bool ok = true;

	while (ok && !conn_busy(c) && c->in_len - off >= MARK) {
		const unsigned char *m = c->in + off;
		uint32_t mark = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
		size_t flen = mark & ~FRAG_LAST;

		if (c->rec_len + flen > s->cfg.max_record) {
			logmsg(LOG_NOTICE, "closing a connection that sent a %zu-byte record",
			       c->rec_len + flen);
			return false;
		}
		if (c->in_len - off - MARK < flen) {
			ok = reserve(&c->in, &c->in_cap, MARK + flen);
			break;
		}
		off += MARK + flen;
		if (!(mark & FRAG_LAST) || c->rec_len) {
			size_t cap = c->rec_len;
			if (!reserve(&c->rec, &cap, c->rec_len + flen))
				return false;
			memcpy(c->rec + c->rec_len, m + MARK, flen);
			c->rec_len += flen;
			if (!(mark & FRAG_LAST))
				continue;
			ok = dispatch_record(s, c, c->rec, c->rec_len);
			c->rec_len = 0;
			free(c->rec);
			c->rec = NULL;
		} else {
			ok = dispatch_record(s, c, m + MARK, flen);
		}
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return ok;
}

static bool read_conn(struct server *s, struct conn *c)
{
	ssize_t n;

	if (!reserve(&c->in, &c->in_cap, c->in_len + 4096))
		return false;
	n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
	if (n == 0)
		return false;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	c->in_len += (size_t)n;
	c->last = time(NULL);
	return handle_input(s, c);
}

static void serve_datagram(struct server *s)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	ssize_t n = recvfrom(s->udp_fd, s->dgram_in, 65536, 0, (struct sockaddr *)&peer, &len);
	struct rpc_req req = {
		.peer = (struct sockaddr *)&peer, .tcp = false, .ctx = s->cfg.ctx,
		.reply = s->dgram_out, .reply_cap = s->cfg.max_datagram,
	};
	size_t out;

	if (n <= 0)
		return;
	out = handle_call(s, &req, s->dgram_in, (size_t)n);
	if (out && !req.drop)
		sendto(s->udp_fd, s->dgram_out, out, 0, (struct sockaddr *)&peer, len);
}

/* ---- the loop ---------------------------------------------------------- */

static void reap_idle(struct server *s)
{
	time_t now = time(NULL);

	for (unsigned i = 0; i < s->nconns;) {
		if (now - s->conns[i]->last > (time_t)s->cfg.idle_timeout)
			drop_conn(s, i);
		else
			i++;
	}
}

void server_run(struct server *s, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload,
	     void (*on_reload)(void *ctx))
{
	struct pollfd *pfd = calloc(s->cfg.max_conns + 2, sizeof *pfd);
	sigset_t block, old;
	struct timespec timeout = { POLL_MS / 1000, 0 };

	if (pfd == NULL)
		fatal(EX_OSERR, "out of memory");
	/* Signals arrive only inside ppoll, so a flag set just before it is
	 * never missed for a whole timeout. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!*stop) {
		unsigned n = s->nconns;

		if (*reload) {
			*reload = 0;
			on_reload(s->cfg.ctx);
		}
		pfd[0] = (struct pollfd){ .fd = s->udp_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = s->tcp_fd, .events = POLLIN };
		for (unsigned i = 0; i < n; i++)
			pfd[i + 2] = (struct pollfd){ .fd = s->conns[i]->fd,
				.events = conn_busy(s->conns[i]) ? POLLOUT : POLLIN };
		if (ppoll(pfd, n + 2, &timeout, &old) < 0) {
			if (errno != EINTR)
				fatal(EX_OSERR, "poll: %m");
			continue;
		}
		if (pfd[0].revents & POLLIN)
			serve_datagram(s);
		/* Backwards, so that dropping one moves a handled one into place. */
		for (unsigned i = n; i-- > 0;) {
			struct conn *c = s->conns[i];
			bool ok = true;

			if (pfd[i + 2].revents & POLLOUT) {
				ok = flush_out(c);
				if (ok && !conn_busy(c))
					ok = handle_input(s, c);
			} else if (pfd[i + 2].revents & (POLLIN | POLLHUP | POLLERR)) {
				ok = read_conn(s, c);
			}
			if (!ok)
				drop_conn(s, i);
		}
		if (pfd[1].revents & POLLIN)
			accept_conn(s);
		reap_idle(s);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(pfd);
}

void server_close(struct server *s)
{
	if (s->registered)
		unregister(s);
	while (s->nconns)
		drop_conn(s, 0);
	close(s->udp_fd);
	close(s->tcp_fd);
	free(s->conns);
	free(s->dgram_in);
	free(s->dgram_out);
	free(s);
}
