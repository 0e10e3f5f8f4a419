#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"
#include "packet.h"
#include "timerheap.h"
#include "transfer.h"

/* Packets a transfer may take from its socket per turn: enough for a
 * window's ACK and a few repeats, few enough that a client flooding its
 * transfer's port gets a turn like the others and no more. */
#define INPUT_TURN 8
/* Hand-offs taken per turn, and events per wait. */
#define HANDOFF_TURN 16
#define MAX_EVENTS 256

enum watch_kind { WATCH_CONN, WATCH_SOCK, WATCH_STRANGER };

struct watch {
	enum watch_kind kind;
	struct job *job;	/* NULL for the connection */
};

/* One transfer: its session (files, sockets), its run, its timer. */
struct job {
	struct watch sock_watch, stranger_watch;
	struct timer timer;
	struct session *session;
	struct xfer *x;
	uint64_t ticket;
	bool ended;
	struct job *next_ended;
};

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

static void send_reports(struct engine *e)
{
	size_t sent = 0;

	while (sent < e->nreports && !e->listener_gone) {
		size_t k = e->nreports - sent;

		if (k > ENGINE_REPORT_MAX)
			k = ENGINE_REPORT_MAX;
		if (send(e->conn, e->reports + sent, k * sizeof(*e->reports),
			 MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS)
				break;
			e->listener_gone = true;	/* nobody left to tell */
			sent = e->nreports;
			break;
		}
		sent += k;
	}
	memmove(e->reports, e->reports + sent, (e->nreports - sent) * sizeof(*e->reports));
	e->nreports -= sent;
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
	report_end(e, j->ticket);
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
		      const struct tftp_request *req, int sock, int stranger)
{
	struct job *j = calloc(1, sizeof(*j));
	struct transfer *t;
	enum transfer_status st;

	if (j == NULL) {
		logmsg(LOG_ERR, "out of memory");
		close(sock);
		close(stranger);
		report_end(e, h->ticket);
		return;
	}
	j->session = session_open(e->cfg, req, (const struct sockaddr *)&h->client, sock,
				  stranger);
	if (j->session == NULL) {	/* answered already */
		free(j);
		report_end(e, h->ticket);
		return;
	}
	j->ticket = h->ticket;
	timer_init(&j->timer);
	j->sock_watch = (struct watch){ WATCH_SOCK, j };
	j->stranger_watch = (struct watch){ WATCH_STRANGER, j };
	e->jobs++;
	t = session_transfer(j->session);
	if (watch_fd(e, t->sock, &j->sock_watch) < 0 ||
	    watch_fd(e, t->stranger_sock, &j->stranger_watch) < 0) {
		logmsg(LOG_ERR, "epoll_ctl: %m");
		end_job(e, j, TRANSFER_FAILED);
		return;
	}
	j->x = transfer_begin(t, &st);
	if (j->x == NULL)
		st = TRANSFER_FAILED;
	settle(e, j, st);
}

/* Takes one hand-off; 0 when none is waiting, -1 at the end of them. */
static int take_handoff(struct engine *e)
{
	static uint8_t buf[sizeof(struct engine_handoff) + TFTP_MAX_REQUEST + 1];
	int fds[2];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(fds))];
	} control;
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct engine_handoff h;
	struct tftp_request req;
	struct cmsghdr *c;
	const char *errmsg;
	ssize_t n = recvmsg(e->conn, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	if ((size_t)n <= sizeof(h))
		return -1;	/* not from our listener: serve no more */
	memcpy(&h, buf, sizeof(h));
	c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(fds))) {
		/* The sockets did not come (out of descriptors: MSG_CTRUNC):
		 * this request is lost, the client will ask again. */
		logmsg(LOG_ERR, "a request came without its sockets%s",
		       msg.msg_flags & MSG_CTRUNC ? " (out of descriptors)" : "");
		if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int))) {
			memcpy(fds, CMSG_DATA(c), sizeof(int));
			close(fds[0]);	/* one of the two came */
		}
		report_end(e, h.ticket);
		return 1;
	}
	memcpy(fds, CMSG_DATA(c), sizeof(fds));
	if (tftp_parse_request(buf + sizeof(h), (size_t)n - sizeof(h), &req, &errmsg) != 0) {
		close(fds[0]);
		close(fds[1]);
		report_end(e, h.ticket);
		return 1;	/* the listener parsed it already: cannot be */
	}
	start_job(e, &h, &req, fds[0], fds[1]);
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
				return;
			}
		}
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

static void run_timers(struct engine *e)
{
	uint64_t now = transfer_now_us();
	/* Each fires once a turn at most, whatever its next deadline. */
	size_t turn = e->timers.n;
	struct timer *t;

	while (turn-- > 0 && (t = timerheap_first(&e->timers)) != NULL && t->when <= now) {
		struct job *j = job_of(t);

		settle(e, j, transfer_expired(j->x));
	}
}

/* Until the first deadline; -1 (no timeout) with none. */
static struct timespec *wait_time(struct engine *e, struct timespec *ts)
{
	struct timer *t = timerheap_first(&e->timers);
	uint64_t now, left;

	if (t == NULL) {
		if (e->nreports == 0)
			return NULL;
		*ts = (struct timespec){ 0, REPORT_RETRY_NS };
		return ts;
	}
	now = transfer_now_us();
	left = t->when > now ? t->when - now : 0;
	if (e->nreports > 0 && left > REPORT_RETRY_NS / 1000)
		left = REPORT_RETRY_NS / 1000;
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

int engine_run(const struct tftpd_config *cfg, int conn)
{
	struct engine e = { .cfg = cfg, .conn = conn, .taking = true,
			    .conn_watch = { WATCH_CONN, NULL } };
	struct epoll_event ev[MAX_EVENTS];

	timerheap_init(&e.timers);
	e.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e.epfd < 0 || watch_fd(&e, conn, &e.conn_watch) < 0) {
		logmsg(LOG_ERR, "epoll: %m");
		return EX_OSERR;
	}
	while (e.taking || e.jobs > 0) {
		int n = wait_events(&e, ev);

		if (n < 0 && errno != EINTR) {
			logmsg(LOG_ERR, "epoll_wait: %m");
			return EX_OSERR;
		}
		/* New requests first: their clients wait for a first reply,
		 * while the running transfers' packets wait in their sockets
		 * for a few hand-offs (HANDOFF_TURN) at most. */
		for (int i = 0; i < n; i++)
			if (ev[i].data.ptr == &e.conn_watch)
				on_event(&e, ev[i].data.ptr, ev[i].events);
		for (int i = 0; i < n; i++)
			if (ev[i].data.ptr != &e.conn_watch)
				on_event(&e, ev[i].data.ptr, ev[i].events);
		run_timers(&e);
		free_ended(&e);
		if (e.nreports > 0)
			send_reports(&e);
	}
	/* What could not be told is cleared when conn closes at our exit. */
	free(e.reports);
	timerheap_free(&e.timers);
	close(e.epfd);
	return 0;
}
