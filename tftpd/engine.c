#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "admit.h"
#include "engine.h"
#include "ledger.h"
#include "listen.h"
#include "log.h"
#include "packet.h"
#include "tid.h"
#include "timerheap.h"
#include "transfer.h"

/* Packets a transfer may take from its socket per turn: enough for a
 * window's ACK and a few repeats, few enough that a client flooding its
 * transfer's port gets a turn like the others and no more. */
#define INPUT_TURN 8
/* Hand-offs taken per turn, and events per wait. */
#define HANDOFF_TURN 16
#define MAX_EVENTS 256

/* In the order a turn takes them (engine_run). */
enum watch_kind { WATCH_CONN, WATCH_LISTEN, WATCH_SOCK, WATCH_STRANGER };

struct watch {
	enum watch_kind kind;
	struct job *job;	/* NULL for the connection */
	unsigned listener;	/* WATCH_LISTEN: which */
};

/* One transfer: its session (files, sockets), its run, its timer. */
struct job {
	struct watch sock_watch, stranger_watch;
	struct timer timer;
	struct session *session;
	struct xfer *x;
	uint64_t ticket;
	bool ended;
	bool own;		/* admitted in the worker's own ledger */
	struct job *next_ended;
};

/* Sockets made by the listening process for transfers this worker
 * admits itself (tid_make_pair): pairs per family, asked for again
 * when they run low. Without any, a transfer makes its own, whose
 * buffers the system's maximum limits. */
#define STOCK_PAIRS (2 * ENGINE_SOCKETS_BATCH)
#define STOCK_LOW ENGINE_SOCKETS_BATCH
struct stock {
	int fds[2 * STOCK_PAIRS];
	unsigned pairs;
	bool asked;
	/* transfer_now_us: when to ask again, answered or not (a second
	 * unanswered, STOCK_RETRY_US answered with none) */
	uint64_t ask_again;
};
#define STOCK_RETRY_US 5000u

struct engine {
	const struct tftpd_config *cfg;
	int epfd, conn;
	/* Requests still come on conn (the listener has not let us go). */
	bool taking;
	struct watch conn_watch;
	struct timerheap timers;
	unsigned jobs;
	/* Ended in this turn, freed after it: events of the same wait may
	 * still name them. */
	struct job *ended;
	/* Tickets of ended transfers the listener has not been told of
	 * yet: sent at the end of each turn; kept while its queue is full. */
	uint64_t *reports;
	size_t nreports, reports_cap;
	bool listener_gone;

	/* Taking requests itself (nlisten > 0 until told to stop). */
	const int *listen_fds;
	const struct sockaddr_storage *bound;
	size_t nlisten;
	struct watch *listen_watch;
	struct ledger ledger;
	struct stock stock[2];	/* AF_INET, AF_INET6 */
	unsigned own_jobs, told_jobs;
	uint64_t told_at;	/* transfer_now_us */
	bool took;		/* requests came since told_at */
	uint64_t looked_at;	/* the listening sockets, transfer_now_us */
	uint64_t took_at;	/* the last one, CLOCK_MONOTONIC ns */
	unsigned hint;
};

/* A listener that reads no reports is looked at again this often. */
#define REPORT_RETRY_NS 10000000L

static struct job *job_of(struct timer *t)
{
	return (struct job *)((char *)t - offsetof(struct job, timer));
}

/* The listener charges each transfer against the memory limit and its
 * client's cap until it hears of its end. Without memory for the note,
 * the charge stays until this worker exits (the listener then clears
 * all it held). */
static void report_end(struct engine *e, uint64_t ticket)
{
	if (e->listener_gone)
		return;
	if (e->nreports == e->reports_cap) {
		size_t cap = e->reports_cap ? 2 * e->reports_cap : 64;
		uint64_t *r = realloc(e->reports, cap * sizeof(*r));

		if (r == NULL) {
			logmsg(LOG_ERR, "out of memory for the end of a transfer");
			return;
		}
		e->reports = r;
		e->reports_cap = cap;
	}
	e->reports[e->nreports++] = ticket;
}

/* Without waiting: false if the listener's queue is full or it is
 * gone (then nothing more is sent). */
static bool tell(struct engine *e, const uint64_t *msg, size_t n)
{
	if (e->listener_gone)
		return false;
	if (send(e->conn, msg, n * sizeof(*msg), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return true;
	if (errno != EAGAIN && errno != EINTR && errno != ENOBUFS)
		e->listener_gone = true;	/* nobody left to tell */
	return false;
}

static void send_reports(struct engine *e)
{
	uint64_t msg[ENGINE_REPORT_MAX + 1] = { ENGINE_ENDED };
	size_t sent = 0;

	while (sent < e->nreports) {
		size_t k = e->nreports - sent;

		if (k > ENGINE_REPORT_MAX)
			k = ENGINE_REPORT_MAX;
		memcpy(msg + 1, e->reports + sent, k * sizeof(*msg));
		if (!tell(e, msg, k + 1))
			break;
		sent += k;
	}
	if (e->listener_gone)
		sent = e->nreports;
	memmove(e->reports, e->reports + sent, (e->nreports - sent) * sizeof(*e->reports));
	e->nreports -= sent;
}

/* A transfer ended, or never started: its charge ends, in our own
 * ledger or (told) in the listener's. */
static void charge_ends(struct engine *e, uint64_t ticket, bool own)
{
	if (own)
		ledger_end(&e->ledger, ticket, 0);
	else
		report_end(e, ticket);
}

static void end_job(struct engine *e, struct job *j, enum transfer_status st)
{
	if (j->ended)
		return;
	j->ended = true;
	timerheap_remove(&e->timers, &j->timer);
	if (j->x)
		transfer_end(j->x, st);
	j->x = NULL;
	/* Closing the sockets takes them out of the epoll set. */
	session_close(j->session, st == TRANSFER_DONE ? 0 : -1);
	j->session = NULL;
	charge_ends(e, j->ticket, j->own);
	e->own_jobs -= j->own;
	e->jobs--;
	j->next_ended = e->ended;
	e->ended = j;
}

static void free_ended(struct engine *e)
{
	while (e->ended) {
		struct job *j = e->ended;

		e->ended = j->next_ended;
		free(j);
	}
}

/* After the transfer did something: on to its next deadline, or out. */
static void settle(struct engine *e, struct job *j, enum transfer_status st)
{
	if (st != TRANSFER_RUNNING) {
		end_job(e, j, st);
		return;
	}
	if (timerheap_set(&e->timers, &j->timer, transfer_deadline(j->x)) < 0) {
		logmsg(LOG_ERR, "out of memory for a timer");
		end_job(e, j, TRANSFER_FAILED);
	}
}

static int watch_fd(struct engine *e, int fd, struct watch *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	return epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void start_job(struct engine *e, const struct engine_handoff *h,
		      const struct tftp_request *req, int sock, int stranger, bool own)
{
	struct job *j = calloc(1, sizeof(*j));
	struct transfer *t;
	enum transfer_status st;

	if (j == NULL) {
		logmsg(LOG_ERR, "out of memory");
		close(sock);
		close(stranger);
		charge_ends(e, h->ticket, own);
		return;
	}
	j->session = session_open(e->cfg, req, (const struct sockaddr *)&h->client, sock,
				  stranger);
	if (j->session == NULL) {	/* answered already */
		free(j);
		charge_ends(e, h->ticket, own);
		return;
	}
	j->ticket = h->ticket;
	j->own = own;
	e->own_jobs += own;
	timer_init(&j->timer);
	j->sock_watch = (struct watch){ WATCH_SOCK, j, 0 };
	j->stranger_watch = (struct watch){ WATCH_STRANGER, j, 0 };
	e->jobs++;
	t = session_transfer(j->session);
	/* The first reply goes before the sockets join the wait: a packet
	 * that comes in between is reported by the first wait all the same
	 * (EPOLLIN is level-triggered), and the client has its reply a
	 * couple of system calls sooner. */
	j->x = transfer_begin(t, &st);
	if (j->x == NULL)
		st = TRANSFER_FAILED;
	if (st == TRANSFER_RUNNING && (watch_fd(e, t->sock, &j->sock_watch) < 0 ||
				       watch_fd(e, t->stranger_sock, &j->stranger_watch) < 0)) {
		logmsg(LOG_ERR, "epoll_ctl: %m");
		/* It was told the transfer started: now that it will not. */
		transfer_send_error(t->sock, (struct sockaddr *)&t->peer, TFTP_EUNDEF,
				    "Server busy");
		st = TRANSFER_FAILED;
	}
	settle(e, j, st);
}

/* ---- taking requests itself ------------------------------------------ */

static struct stock *stock_of(struct engine *e, int family)
{
	return family == AF_INET ? &e->stock[0] : family == AF_INET6 ? &e->stock[1] : NULL;
}

static void close_fds(const int *fds, size_t n)
{
	for (size_t k = 0; k < n; k++)
		close(fds[k]);
}

/* Asks the listening process for a batch when the stock runs low;
 * once until it comes. */
static void restock(struct engine *e, int family)
{
	struct stock *st = stock_of(e, family);
	uint64_t msg[2] = { ENGINE_WANT_SOCKETS, (uint64_t)family }, now = transfer_now_us();

	if (st == NULL || e->nlisten == 0 || st->pairs >= STOCK_LOW ||
	    (st->asked && now < st->ask_again))
		return;
	st->asked = tell(e, msg, 2);
	st->ask_again = now + 1000000u;
}

/* Two sockets from the stock into made; false if there are none. */
static bool from_stock(struct engine *e, int family, int made[2])
{
	struct stock *st = stock_of(e, family);

	restock(e, family);
	if (st == NULL || st->pairs == 0)
		return false;
	st->pairs--;
	made[0] = st->fds[2 * st->pairs];
	made[1] = st->fds[2 * st->pairs + 1];
	return true;
}

/* Told to take no more (or the listener is gone): the listening sockets
 * are the listening process's again. */
static void stop_listening(struct engine *e)
{
	for (size_t i = 0; i < e->nlisten; i++) {
		epoll_ctl(e->epfd, EPOLL_CTL_DEL, e->listen_fds[i], NULL);
		close(e->listen_fds[i]);
	}
	e->nlisten = 0;
	for (unsigned f = 0; f < 2; f++) {
		close_fds(e->stock[f].fds, 2 * e->stock[f].pairs);
		e->stock[f].pairs = 0;
	}
}

/* Takes up to most requests from listening socket i. */
static void take_requests(struct engine *e, unsigned i, int most)
{
	static uint8_t buf[TFTP_MAX_REQUEST + 1];

	for (int k = 0; k < most && i < e->nlisten; k++) {
		struct engine_handoff h;
		struct sockaddr_storage local;
		struct tftp_request req;
		int fd = e->listen_fds[i], made[2], sock, stranger;
		bool stocked;
		ssize_t n = listen_receive(fd, &e->bound[i], buf, sizeof(buf) - 1, &h.client, &local);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* As the listening process would, we end (the
			 * transfers run to their end); our connection's
			 * end tells it to take the requests again. */
			logmsg(LOG_ERR, "recvfrom: %m");
			stop_listening(e);
			epoll_ctl(e->epfd, EPOLL_CTL_DEL, e->conn, NULL);
			shutdown(e->conn, SHUT_RDWR);
			e->taking = false;
			e->listener_gone = true;
			return;
		}
		if (h.client.ss_family != AF_INET && h.client.ss_family != AF_INET6)
			continue;
		if ((size_t)n > sizeof(buf) - 1)
			n = sizeof(buf) - 1;
		e->took = true;
		e->took_at = transfer_now_us() * 1000u;
		if (!listen_parse(fd, buf, (size_t)n, &h.client, &req) ||
		    !admit_request(&e->ledger, &h.client, admit_cost(e->cfg, &req), 0, &h.ticket))
			continue;
		stocked = from_stock(e, local.ss_family, made);
		sock = tid_sockets(e->cfg, &local, req.opcode == TFTP_RRQ,
				   (struct sockaddr *)&h.client, e->hint++, stocked ? made : NULL,
				   &stranger);
		if (sock < 0) {
			ledger_end(&e->ledger, h.ticket, 0);
			continue;
		}
		start_job(e, &h, &req, sock, stranger, true);
	}
}

uint64_t engine_note_every_us(const struct tftpd_config *cfg)
{
	/* Under -t seconds, a quarter of them. */
	return cfg->idle_timeout > 0 && cfg->idle_timeout < 4 ? (uint64_t)cfg->idle_timeout * 250000u
							      : 1000000u;
}

/* When the listening process is next to hear how many transfers of our
 * own run (ENGINE_RUNNING): once a second at most, after that number
 * changed or requests came (its idle exit's sign of life); never with
 * nothing new. Not at each change: a client fetching one small file
 * after another would wake it twice a fetch. */
static uint64_t running_due(const struct engine *e)
{
	if ((e->own_jobs == e->told_jobs && !e->took) || e->listener_gone)
		return UINT64_MAX;
	return e->told_at + engine_note_every_us(e->cfg);
}

static void tell_running(struct engine *e)
{
	uint64_t now = transfer_now_us(), msg[3] = { ENGINE_RUNNING, e->own_jobs, e->took_at };

	if (now < running_due(e))
		return;
	/* Not told (its queue full): again at the next due time, not in
	 * a loop. */
	e->told_at = now;
	if (tell(e, msg, 3)) {
		e->told_jobs = e->own_jobs;
		e->took = false;
	}
}

static void obey(struct engine *e, const struct engine_order *o, const int *fds, size_t nfds)
{
	struct stock *st = stock_of(e, o->family);
	size_t k = 0;

	if (o->what == ENGINE_SOCKETS && st != NULL && e->nlisten > 0) {
		/* None (root gave a batch a moment ago): again soon. */
		st->asked = nfds < 2;
		st->ask_again = transfer_now_us() + STOCK_RETRY_US;
		for (; k + 1 < nfds && st->pairs < STOCK_PAIRS; k += 2) {
			st->fds[2 * st->pairs] = fds[k];
			st->fds[2 * st->pairs + 1] = fds[k + 1];
			st->pairs++;
		}
	} else if (o->what == ENGINE_STOP_TAKING) {
		stop_listening(e);
	}
	close_fds(fds + k, nfds - k);
}

/* ---- from the listening process ------------------------------------- */

#define MAX_PASSED (2 * ENGINE_SOCKETS_BATCH)

/* The descriptors that came with msg, into fds (room for MAX_PASSED);
 * how many. */
static size_t passed_fds(struct msghdr *msg, int *fds)
{
	size_t n = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (k > MAX_PASSED - n)
			k = MAX_PASSED - n;
		memcpy(fds + n, CMSG_DATA(c), k * sizeof(int));
		n += k;
	}
	return n;
}

/* Takes one message: a hand-off or an order. 0 when none is waiting,
 * -1 at the end of them. */
static int take_handoff(struct engine *e)
{
	static uint8_t buf[sizeof(struct engine_handoff) + TFTP_MAX_REQUEST + 1];
	int fds[MAX_PASSED];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(fds))];
	} control;
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct engine_handoff h;
	struct engine_order o;
	struct tftp_request req;
	const char *errmsg;
	ssize_t n = recvmsg(e->conn, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	size_t nfds;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	nfds = passed_fds(&msg, fds);
	if ((size_t)n == sizeof(o)) {
		memcpy(&o, buf, sizeof(o));
		obey(e, &o, fds, nfds);
		return 1;
	}
	if ((size_t)n <= sizeof(h)) {
		close_fds(fds, nfds);
		return -1;	/* the end, or not from our listener */
	}
	memcpy(&h, buf, sizeof(h));
	if (nfds != 2) {
		/* The sockets did not come (out of descriptors: MSG_CTRUNC):
		 * this request is lost, the client will ask again. */
		logmsg(LOG_ERR, "a request came without its sockets%s",
		       msg.msg_flags & MSG_CTRUNC ? " (out of descriptors)" : "");
		close_fds(fds, nfds);
		report_end(e, h.ticket);
		return 1;
	}
	if (tftp_parse_request(buf + sizeof(h), (size_t)n - sizeof(h), &req, &errmsg) != 0) {
		close_fds(fds, nfds);
		report_end(e, h.ticket);
		return 1;	/* the listener parsed it already: cannot be */
	}
	start_job(e, &h, &req, fds[0], fds[1], false);
	return 1;
}

static void on_event(struct engine *e, struct watch *w, uint32_t events)
{
	struct job *j = w->job;

	switch (w->kind) {
	case WATCH_CONN:
		for (int k = 0; k < HANDOFF_TURN; k++) {
			int rc = take_handoff(e);

			if (rc == 0)
				return;
			if (rc < 0) {
				/* The listener is gone or let us go: no more
				 * requests, the transfers run to their end.
				 * conn stays open until we exit: the ends of
				 * those transfers go back on it, and its
				 * closing tells the listener that whatever we
				 * still held has ended. */
				epoll_ctl(e->epfd, EPOLL_CTL_DEL, e->conn, NULL);
				e->taking = false;
				stop_listening(e);
				return;
			}
		}
		return;
	case WATCH_LISTEN:
		take_requests(e, w->listener, HANDOFF_TURN);
		e->looked_at = transfer_now_us();
		return;
	case WATCH_SOCK:
		if (!j->ended)
			settle(e, j, transfer_input(j->x, INPUT_TURN));
		return;
	case WATCH_STRANGER:
		if (!j->ended)
			transfer_strangers(j->x, INPUT_TURN);
		return;
	}
	(void)events;
}

/* The earliest timer if it is due by now, else NULL. */
static struct timer *due_timer(const struct engine *e, uint64_t now)
{
	struct timer *t = timerheap_first(&e->timers);

	return t != NULL && t->when <= now ? t : NULL;
}

static void run_timers(struct engine *e)
{
	uint64_t now = transfer_now_us();
	/* Each fires once a turn at most, whatever its next deadline. */
	size_t turn = e->timers.n;
	struct timer *t;

	while (turn-- > 0 && (t = due_timer(e, now)) != NULL) {
		struct job *j = job_of(t);

		settle(e, j, transfer_expired(j->x));
	}
}

/* Until the first deadline (a transfer's, or news owed to the
 * listening process); -1 (no timeout) with none. */
static struct timespec *wait_time(struct engine *e, struct timespec *ts)
{
	struct timer *t = timerheap_first(&e->timers);
	uint64_t now = transfer_now_us(), when = t ? t->when : UINT64_MAX, left;

	if (e->listen_watch != NULL && running_due(e) < when)
		when = running_due(e);
	if (e->nreports > 0 && now + REPORT_RETRY_NS / 1000 < when)
		when = now + REPORT_RETRY_NS / 1000;
	if (when == UINT64_MAX)
		return NULL;
	left = when > now ? when - now : 0;
	ts->tv_sec = (time_t)(left / 1000000u);
	ts->tv_nsec = (long)(left % 1000000u) * 1000;
	return ts;
}

static int wait_events(struct engine *e, struct epoll_event *ev)
{
	struct timespec ts, *tp = wait_time(e, &ts);
	static bool no_pwait2;
	int n = -1;

	if (!no_pwait2) {
		n = epoll_pwait2(e->epfd, ev, MAX_EVENTS, tp, NULL);
		if (n < 0 && errno == ENOSYS)
			no_pwait2 = true;	/* before Linux 5.11 */
	}
	if (no_pwait2) {
		int ms = tp ? (int)(tp->tv_sec * 1000 + (tp->tv_nsec + 999999) / 1000000) : -1;

		n = epoll_wait(e->epfd, ev, MAX_EVENTS, ms);
	}
	return n;
}

/* A turn through many transfers' packets takes a while (a few hundred
 * µs at 16 lock-step clients, milliseconds at hundreds): a request that
 * comes meanwhile is looked for between them, at most this often since
 * the wait (which looked at the listening sockets too), not left until
 * the next wait. After a turn's last packet the next wait comes at once
 * unless timers are due (resending windows can take a while): no look
 * then, which in lock-step would cost a system call that finds nothing
 * for each packet. */
#define LOOK_EVERY_US 50u

static void look_between(struct engine *e, bool last)
{
	struct pollfd pfd[MAX_LISTEN_FDS];
	size_t n = e->nlisten;
	uint64_t now;

	if (n == 0)
		return;
	now = transfer_now_us();
	if (now - e->looked_at < LOOK_EVERY_US || (last && due_timer(e, now) == NULL))
		return;
	/* One system call that usually finds nothing, not a recvmsg per
	 * listening socket (IPv4 and IPv6 by default); then one request
	 * each: a flood of requests gets no more of a turn this way than
	 * the running transfers' packets do. */
	for (size_t i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = e->listen_fds[i], .events = POLLIN };
	if (poll(pfd, n, 0) > 0)
		for (size_t i = 0; i < n && i < e->nlisten; i++)
			if (pfd[i].revents)
				take_requests(e, (unsigned)i, 1);
	e->looked_at = transfer_now_us();
}

/* What an event is about (the watches of transfers ended this turn
 * are freed only after it). */
static enum watch_kind kind_of(const struct epoll_event *ev)
{
	return ((const struct watch *)ev->data.ptr)->kind;
}

/* The listening sockets in the wait, a ledger of its own, and a first
 * stock of sockets asked for. */
static int start_listening(struct engine *e)
{
	admit_ledger_init(&e->ledger, e->cfg);
	e->hint = (unsigned)getpid();
	e->listen_watch = calloc(e->nlisten, sizeof(*e->listen_watch));
	if (e->listen_watch == NULL)
		return -1;
	for (size_t i = 0; i < e->nlisten; i++) {
		e->listen_watch[i] = (struct watch){ WATCH_LISTEN, NULL, (unsigned)i };
		if (watch_fd(e, e->listen_fds[i], &e->listen_watch[i]) < 0)
			return -1;
		restock(e, e->bound[i].ss_family);
	}
	return 0;
}

int engine_run(const struct tftpd_config *cfg, int conn, const int *fds,
	       const struct sockaddr_storage *bound, size_t nlisten)
{
	struct engine e = { .cfg = cfg, .conn = conn, .taking = true,
			    .conn_watch = { WATCH_CONN, NULL, 0 },
			    .listen_fds = fds, .bound = bound, .nlisten = nlisten };
	struct epoll_event ev[MAX_EVENTS];

	timerheap_init(&e.timers);
	e.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e.epfd < 0 || watch_fd(&e, conn, &e.conn_watch) < 0 ||
	    (nlisten > 0 && start_listening(&e) < 0)) {
		logmsg(LOG_ERR, "epoll: %m");
		return EX_OSERR;
	}
	while (e.taking || e.jobs > 0) {
		int n = wait_events(&e, ev);
		int last_sock = -1;

		if (n < 0 && errno != EINTR) {
			logmsg(LOG_ERR, "epoll_wait: %m");
			return EX_OSERR;
		}
		/* New requests first: their clients wait for a first reply,
		 * while the running transfers' packets wait in their sockets
		 * for a few turns' worth (HANDOFF_TURN) at most. What the
		 * listening process says comes before the listening
		 * sockets: told to stop taking them, we take none. */
		e.looked_at = transfer_now_us();	/* the wait looked too */
		for (int i = 0; i < n; i++)
			if (kind_of(&ev[i]) >= WATCH_SOCK)
				last_sock = i;
		for (int pass = 0; pass < 3; pass++)
			for (int i = 0; i < n; i++)
				if (pass == (kind_of(&ev[i]) < WATCH_SOCK ? (int)kind_of(&ev[i]) : 2)) {
					on_event(&e, ev[i].data.ptr, ev[i].events);
					if (pass == 2)
						look_between(&e, i == last_sock);
				}
		run_timers(&e);
		free_ended(&e);
		if (e.nreports > 0)
			send_reports(&e);
		if (e.listen_watch != NULL)
			tell_running(&e);
	}
	stop_listening(&e);
	free(e.listen_watch);
	if (nlisten > 0)
		ledger_free(&e.ledger);
	/* What could not be told is cleared when conn closes at our exit. */
	free(e.reports);
	timerheap_free(&e.timers);
	close(e.epfd);
	return 0;
}
