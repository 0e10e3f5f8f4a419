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
#include "byteorder.h"
#include "log.h"
#include "record.h"
#include "sigflags.h"
#include "server.h"

#define POLL_MS 10000
#define BIND_TRIES 32
#define ACCEPT_PAUSE_MS 200

struct conn {
	int fd;
	struct sockaddr_storage peer;
	struct rm_reader rd;
	unsigned char *out;		/* what the socket did not take yet */
	size_t out_len, out_off;
	int tail_fd;			/* file data after the reply (READ) */
	off_t tail_off;
	size_t tail_left, pad_left;
	bool doomed;			/* to be closed after this round */
	time_t last;			/* accepted, or its last whole call */
};

struct server {
	struct server_config cfg;
	int udp_fd, tcp_fd;
	int family;
	uint16_t port;
	struct conn **conns;
	unsigned nconns;
	unsigned char *dgram_in, *dgram_out;
	unsigned char *reply;		/* record mark + the reply being made */
	size_t held, max_held;		/* bytes buffered for all connections */
	struct timespec accept_after;	/* out of descriptors: accept later */
	time_t evict_logged;
	unsigned evicted;
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
	/* Replies leave from the address the call came to (serve_datagram);
	 * an IPv6 socket reports IPv4 ones as mapped addresses. */
	if (type == SOCK_DGRAM)
		setsockopt(fd, family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
			   family == AF_INET6 ? IPV6_RECVPKTINFO : IP_PKTINFO, &one, sizeof one);
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

void server_register(struct server *s)
{
	static const char *const netids[] = { "udp", "tcp", "udp6", "tcp6" };
	unsigned nnetids = s->family == AF_INET6 ? 4 : 2;

	if (!s->cfg.rpcbind)
		return;
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
	s->reply = malloc(RM_MARK + cfg->max_record);
	s->conns = calloc(cfg->max_conns, sizeof *s->conns);
	if (!s->dgram_in || !s->dgram_out || !s->reply || !s->conns)
		fatal(EX_OSERR, "out of memory");
	s->max_held = cfg->max_buffered ? cfg->max_buffered : 32 * cfg->max_record;
	bind_both(s);
	/* Entries left by a daemon that died would make rpcb_set fail; as
	 * root, any owner's can go. */
	if (cfg->rpcbind)
		unregister(s);
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

static size_t conn_held(const struct conn *c)
{
	return rm_held(&c->rd) + c->out_len;
}

static void conn_free(struct server *s, struct conn *c)
{
	s->held -= conn_held(c);
	drop_tail(c);
	close(c->fd);
	rm_free(&c->rd);
	free(c->out);
	free(c);
}

static void drop_conn(struct server *s, unsigned i)
{
	conn_free(s, s->conns[i]);
	s->conns[i] = s->conns[--s->nconns];
}

static const unsigned char *host_bytes(const struct sockaddr_storage *a, size_t *len)
{
	if (a->ss_family == AF_INET6) {
		*len = 16;
		return ((const struct sockaddr_in6 *)a)->sin6_addr.s6_addr;
	}
	*len = 4;
	return (const unsigned char *)&((const struct sockaddr_in *)a)->sin_addr;
}

/* With every slot taken, a new client still gets in, as with knfsd: the
 * connection that waited longest for a call goes, taken from the host
 * that holds the most, so one host cannot lock the others out. One pass
 * with a table of hosts, so a flood of connects costs linear time. */
static void make_room(struct server *s)
{
	struct host { const struct sockaddr_storage *addr; unsigned count, oldest; } *tab;
	size_t size = 16;
	unsigned best = 0, best_count = 0;
	char addr[ADDR_STRLEN];

	while (size < 2 * (size_t)s->nconns)
		size *= 2;
	tab = calloc(size, sizeof *tab);
	if (tab == NULL) {
		drop_conn(s, 0);
		return;
	}
	for (unsigned i = 0; i < s->nconns; i++) {
		size_t len, h = 2166136261u;
		const unsigned char *b = host_bytes(&s->conns[i]->peer, &len);
		struct host *t;

		for (size_t k = 0; k < len; k++)
			h = (h ^ b[k]) * 16777619u;
		for (h &= size - 1;; h = (h + 1) & (size - 1)) {
			size_t tlen;
			const unsigned char *tb;

			t = &tab[h];
			if (t->addr == NULL)
				break;
			tb = host_bytes(t->addr, &tlen);
			if (tlen == len && memcmp(tb, b, len) == 0)
				break;
		}
		if (t->addr == NULL) {
			t->addr = &s->conns[i]->peer;
			t->oldest = i;
		} else if (s->conns[i]->last < s->conns[t->oldest]->last) {
			t->oldest = i;
		}
		t->count++;
		if (t->count > best_count || (t->count == best_count &&
					      s->conns[t->oldest]->last < s->conns[best]->last)) {
			best = t->oldest;
			best_count = t->count;
		}
	}
	free(tab);
	/* A flood makes one line every 10 s, not one per connection. */
	s->evicted++;
	if (time(NULL) - s->evict_logged >= 10) {
		logmsg(LOG_WARNING, "%u TCP clients already: closing the longest idle one of "
		       "%s, which has %u (%u closed so)", s->nconns,
		       peer_ntop((struct sockaddr *)&s->conns[best]->peer, addr, sizeof addr),
		       best_count, s->evicted);
		s->evict_logged = time(NULL);
	}
	drop_conn(s, best);
}

static bool timespec_passed(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void accept_conn(struct server *s)
{
	struct conn *c;
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	int fd = accept4(s->tcp_fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0) {
		/* The listener stays readable: without a pause the loop would
		 * spin until a descriptor is free. */
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			logmsg(LOG_WARNING, "cannot accept a TCP client: %m (%u clients)", s->nconns);
			clock_gettime(CLOCK_MONOTONIC, &s->accept_after);
			s->accept_after.tv_nsec += ACCEPT_PAUSE_MS * 1000000L;
			if (s->accept_after.tv_nsec >= 1000000000L) {
				s->accept_after.tv_sec++;
				s->accept_after.tv_nsec -= 1000000000L;
			}
		}
		return;
	}
	if (s->nconns == s->cfg.max_conns)
		make_room(s);
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer = peer;
	c->last = time(NULL);
	rm_init(&c->rd, s->cfg.max_record);
	s->conns[s->nconns++] = c;
}

/* XDR padding after file data. */
static const unsigned char zeros[4];

/* A file that shrank while it was being sent cannot be completed with
 * the length promised in the record mark, and zeros would be taken for
 * data: the connection is reset instead, so that the client discards
 * the reply and asks again (then getting the short count and eof). */
static bool send_tail(struct conn *c)
{
	while (c->tail_left) {
		ssize_t n = sendfile(c->fd, c->tail_fd, &c->tail_off, c->tail_left);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (n == 0) {
			struct linger rst = { 1, 0 };

			setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
			logmsg(LOG_NOTICE, "a file shrank while it was sent: resetting the "
			       "connection so that the client reads it again");
			return false;
		}
		c->tail_left -= (size_t)n;
	}
	while (c->pad_left) {
		ssize_t n = send(c->fd, zeros, c->pad_left, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->pad_left -= (size_t)n;
	}
	close(c->tail_fd);
	return true;
}

static bool flush_out(struct server *s, struct conn *c)
{
	bool tail = c->tail_left || c->pad_left;

	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | (tail ? MSG_MORE : 0));

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->out_off += (size_t)n;
	}
	s->held -= c->out_len;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	return tail ? send_tail(c) : true;
}

/* One call through the dispatcher; with --debug, a line for it. */
static struct rpc_reply handle_call(struct server *s, struct rpc_req *req,
				    const unsigned char *msg, size_t len)
{
	struct rpc_reply r = rpc_handle(s->cfg.prog, req, msg, len);

	if (log_verbose(1)) {
		char addr[ADDR_STRLEN];

		logmsg(LOG_DEBUG, "%s %s v%u %s from %s: %zu-byte reply", req->tcp ? "tcp" : "udp",
		       req->proc_name ? req->proc_name : "call", req->vers,
		       r.len ? "answered" : "dropped", peer_ntop(req->peer, addr, sizeof addr),
		       r.len + r.tail.len);
	}
	return r;
}

/* The reply is made in the server's one buffer and sent at once; only
 * what the socket does not take is kept, so an idle connection holds no
 * reply buffer. */
static bool dispatch_record(struct server *s, struct conn *c, const unsigned char *msg, size_t len)
{
	struct rpc_req req = {
		.peer = (struct sockaddr *)&c->peer, .tcp = true, .ctx = s->cfg.ctx,
		.reply = s->reply + RM_MARK, .reply_cap = s->cfg.max_record,
	};
	struct rpc_reply r;
	size_t n, total;
	ssize_t sent;

	c->last = time(NULL);
	r = handle_call(s, &req, msg, len);
	if (r.drop)
		return false;
	n = r.len;
	if (n == 0)
		return true;
	total = n;
	if (r.tail.len) {
		c->tail_fd = r.tail.fd;
		c->tail_off = r.tail.off;
		c->tail_left = r.tail.len;
		c->pad_left = (4 - r.tail.len % 4) % 4;
		total += r.tail.len + c->pad_left;
	}
	put_be32(s->reply, (uint32_t)total | RM_LAST);
	sent = send(c->fd, s->reply, RM_MARK + n, MSG_NOSIGNAL | (r.tail.len ? MSG_MORE : 0));
	if (sent < 0) {
		if (errno != EAGAIN && errno != EINTR)
			return false;
		sent = 0;
	}
	if ((size_t)sent < RM_MARK + n) {
		c->out_len = RM_MARK + n - (size_t)sent;
		c->out = malloc(c->out_len);
		if (c->out == NULL) {
			c->out_len = 0;
			return false;
		}
		memcpy(c->out, s->reply + sent, c->out_len);
		c->out_off = 0;
		s->held += c->out_len;
		return true;
	}
	return r.tail.len ? send_tail(c) : true;
}

/* Buffered bytes are bounded for all connections together: a client
 * that needs more than is left makes the connection holding the most
 * (an unfinished big record) go first, then itself. */
static bool budget(struct server *s, struct conn *c, size_t more)
{
	while (s->held + more > s->max_held) {
		struct conn *big = NULL;

		for (unsigned i = 0; i < s->nconns; i++) {
			struct conn *o = s->conns[i];

			if (o != c && !o->doomed && conn_held(o) > 4096 &&
			    (big == NULL || conn_held(o) > conn_held(big)))
				big = o;
		}
		if (big == NULL) {
			logmsg(LOG_NOTICE, "closing a connection: %zu bytes buffered for all "
			       "clients already", s->held);
			return false;
		}
		/* its memory is given back when it is closed after this round */
		big->doomed = true;
		s->held -= conn_held(big);
		rm_free(&big->rd);
		free(big->out);
		big->out = NULL;
		big->out_len = big->out_off = 0;
	}
	return true;
}

/* Handles every complete record in the input, as long as the replies go
 * out; a reply the socket cannot take yet stops reading (back-pressure). */
static bool handle_input(struct server *s, struct conn *c)
{
	bool ok = true;

	while (ok && !conn_busy(c)) {
		const unsigned char *msg;
		size_t len;
		enum rm_status st = rm_next(&c->rd, &msg, &len);

		if (st == RM_MORE)
			break;
		if (st == RM_TOO_BIG) {
			logmsg(LOG_NOTICE, "closing a connection that sent a record of more "
			       "than %zu bytes", s->cfg.max_record);
			return false;
		}
		if (st == RM_NOMEM)
			return false;
		ok = dispatch_record(s, c, msg, len);
	}
	s->held -= rm_held(&c->rd);
	rm_compact(&c->rd);
	s->held += rm_held(&c->rd);
	return ok;
}

static bool read_conn(struct server *s, struct conn *c)
{
	unsigned char *p;
	size_t room, before = rm_held(&c->rd);
	ssize_t n;

	if (!budget(s, c, rm_growth(&c->rd)))
		return false;
	p = rm_space(&c->rd, &room);
	s->held += rm_held(&c->rd) - before;
	if (p == NULL)
		return false;
	n = recv(c->fd, p, room, 0);
	if (n == 0)
		return false;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	rm_received(&c->rd, (size_t)n);
	return handle_input(s, c);
}

/* The address a datagram came to, so that the reply leaves from it: a
 * multi-homed server answering from another address is dropped by
 * clients with connected UDP sockets (mount.nfs's probes). */
union pktinfo_cmsg {
	struct cmsghdr h;
	unsigned char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
};

static void reply_from(struct msghdr *out, union pktinfo_cmsg *ctl, const struct msghdr *in)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(in); c; c = CMSG_NXTHDR((struct msghdr *)in, c)) {
		struct cmsghdr *o = &ctl->h;

		memset(ctl, 0, sizeof *ctl);
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			/* The route picks the interface, except for a link-local
			 * address, which means something on its own link only. */
			if (!IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				pi.ipi6_ifindex = 0;
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof pi);
			memcpy(CMSG_DATA(o), &pi, sizeof pi);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof pi);
			memcpy(CMSG_DATA(o), &pi, sizeof pi);
		} else {
			continue;
		}
		out->msg_control = ctl;
		out->msg_controllen = CMSG_SPACE(o->cmsg_level == IPPROTO_IP ?
						 sizeof(struct in_pktinfo) :
						 sizeof(struct in6_pktinfo));
		return;
	}
}

static void serve_datagram(struct server *s)
{
	struct sockaddr_storage peer;
	union pktinfo_cmsg in_ctl, out_ctl;
	struct iovec iov = { s->dgram_in, 65536 };
	struct msghdr in = { .msg_name = &peer, .msg_namelen = sizeof peer, .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = &in_ctl, .msg_controllen = sizeof in_ctl };
	ssize_t n = recvmsg(s->udp_fd, &in, 0);
	struct rpc_req req = {
		.peer = (struct sockaddr *)&peer, .tcp = false, .ctx = s->cfg.ctx,
		.reply = s->dgram_out, .reply_cap = s->cfg.max_datagram,
	};
	struct rpc_reply r;

	if (n <= 0)
		return;
	/* No procedure sets a tail over UDP: the reply is the datagram. */
	r = handle_call(s, &req, s->dgram_in, (size_t)n);
	if (r.tail.len)
		close(r.tail.fd);
	if (r.len) {
		struct iovec oiov = { s->dgram_out, r.len };
		struct msghdr msg = { .msg_name = &peer, .msg_namelen = in.msg_namelen,
				      .msg_iov = &oiov, .msg_iovlen = 1 };

		reply_from(&msg, &out_ctl, &in);
		sendmsg(s->udp_fd, &msg, 0);
	}
}

/* ---- the loop ---------------------------------------------------------- */

/* Idle is counted from the last whole call, so a byte now and then does
 * not keep a connection (and its unfinished record) forever. */
static void reap(struct server *s)
{
	time_t now = time(NULL);

	for (unsigned i = 0; i < s->nconns;) {
		if (s->conns[i]->doomed || now - s->conns[i]->last > (time_t)s->cfg.idle_timeout)
			drop_conn(s, i);
		else
			i++;
	}
}

static void serve_conn(struct server *s, struct conn *c, short revents)
{
	bool ok = true;

	if (c->doomed)
		return;
	if (revents & POLLOUT) {
		ok = flush_out(s, c);
		if (ok && !conn_busy(c))
			ok = handle_input(s, c);
	} else if (revents & (POLLIN | POLLHUP | POLLERR)) {
		ok = read_conn(s, c);
	}
	if (!ok && !c->doomed) {
		c->doomed = true;
		s->held -= conn_held(c);
		rm_free(&c->rd);
		free(c->out);
		c->out = NULL;
		c->out_len = c->out_off = 0;
	}
}

void server_run(struct server *s, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload,
	     void (*on_reload)(void *ctx))
{
	struct pollfd *pfd = calloc(s->cfg.max_conns + 2, sizeof *pfd);
	struct conn **round = calloc(s->cfg.max_conns, sizeof *round);
	sigset_t block, old;

	if (pfd == NULL || round == NULL)
		fatal(EX_OSERR, "out of memory");
	/* Signals arrive only inside ppoll, so a flag set just before it is
	 * never missed for a whole timeout. */
	sigflags_set(&block);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!*stop) {
		unsigned n = s->nconns;
		bool listen = timespec_passed(&s->accept_after);
		struct timespec timeout = { POLL_MS / 1000, 0 };

		if (*reload) {
			*reload = 0;
			on_reload(s->cfg.ctx);
		}
		if (!listen)
			timeout = (struct timespec){ 0, ACCEPT_PAUSE_MS * 1000000L };
		pfd[0] = (struct pollfd){ .fd = s->udp_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = listen ? s->tcp_fd : -1, .events = POLLIN };
		for (unsigned i = 0; i < n; i++) {
			round[i] = s->conns[i];
			pfd[i + 2] = (struct pollfd){ .fd = s->conns[i]->fd,
				.events = conn_busy(s->conns[i]) ? POLLOUT : POLLIN };
		}
		if (ppoll(pfd, n + 2, &timeout, &old) < 0) {
			if (errno != EINTR)
				fatal(EX_OSERR, "poll: %m");
			continue;
		}
		if (pfd[0].revents & POLLIN)
			serve_datagram(s);
		/* Connections are closed only after the round (reap), so every
		 * one polled is still there. */
		for (unsigned i = 0; i < n; i++)
			if (pfd[i + 2].revents)
				serve_conn(s, round[i], pfd[i + 2].revents);
		reap(s);
		if (pfd[1].revents & POLLIN)
			accept_conn(s);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(round);
	free(pfd);
}

void server_close(struct server *s)
{
	/* Connections first: libtirpc's client calls must not meet a
	 * thousand descriptors. */
	while (s->nconns)
		drop_conn(s, 0);
	if (s->registered)
		unregister(s);
	close(s->udp_fd);
	close(s->tcp_fd);
	free(s->conns);
	free(s->dgram_in);
	free(s->dgram_out);
	free(s->reply);
	free(s);
}
