#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "admit.h"
#include "budget.h"
#include "engine.h"
#include "ledger.h"
#include "listen.h"
#include "log.h"
#include "nofile.h"
#include "options.h"
#include "scale.h"
#include "tid.h"
#include "transfer.h"
#include "worker.h"

static struct tftpd_config *cfg;
static int *listen_fds;
static const struct sockaddr_storage *listen_bound;
static size_t nlisten;
/* The signal mask outside the listening loop's wait, for children. */
static sigset_t child_mask;
/* Every transfer handed out and not yet known to have ended: what it
 * costs, for which client, on which worker (or child). Only this
 * process writes it; workers send back tickets, nothing else. */
static struct ledger ledger;
/* Workers, live and retired (still finishing their transfers). */
#define MAX_PROCS (2 * ENGINE_MAX_WORKERS)
/* While transfers run and more workers may start: a timerfd for
 * scale_look, and what the CPUs had idled and when at the last look. */
static int scale_fd = -1;
static bool scale_armed;
static uint64_t scale_idle, scale_when;
static cpu_set_t scale_cpus;
static long clock_ticks;

/* A process of its own per transfer (--workers 0, or no worker could
 * start): our end of a connection it holds until it exits, which is how
 * we learn that its transfer ended. */
struct kid {
	int fd;
	uint64_t ticket;
};
static struct kid *kids;
static size_t nkids, kids_cap;

/* chroot (with -s), then every id: groups, gid, uid, each checked. */
static int drop_privileges(void)
{
	uid_t r, e, s;

	if (cfg->secure && (chroot(".") < 0 || chdir("/") < 0)) {
		logmsg(LOG_ERR, "chroot: %m");
		return -1;
	}
	if (setgroups((size_t)cfg->ngroups, cfg->groups) < 0 && errno != EPERM) {
		logmsg(LOG_ERR, "cannot set groups for user %s: %m", cfg->user);
		return -1;
	}
	if (setresgid(cfg->gid, cfg->gid, cfg->gid) < 0 ||
	    setresuid(cfg->uid, cfg->uid, cfg->uid) < 0) {
		/* Already unprivileged (a user namespace, a test): only fine
		 * if we are the user we were asked to be. */
		if (errno != EPERM || geteuid() != cfg->uid) {
			logmsg(LOG_ERR, "cannot drop privileges: %m");
			return -1;
		}
	}
	if (getresuid(&r, &e, &s) < 0 || r != cfg->uid || e != cfg->uid || s != cfg->uid) {
		logmsg(LOG_ERR, "cannot drop privileges: uid still %ld", (long)e);
		return -1;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return 0;
}

/* What a forked process does before it knows its request: it is no
 * listener (unless it is to take requests itself), and the signals that
 * only tell the parent something end it. */
static void child_prologue(bool takes)
{
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, &child_mask, NULL);
	for (size_t i = 0; i < nlisten && !takes; i++)
		close(listen_fds[i]);
	for (size_t i = 0; i < nkids; i++)
		close(kids[i].fd);
	nkids = 0;
	if (scale_fd >= 0)
		close(scale_fd);
	scale_fd = -1;
	scale_armed = false;
}

/* From root to the -u user, chrooted with -s: what a process does
 * before it touches its first request. */
static void become_unprivileged(void)
{
	if (drop_privileges() < 0)
		_exit(EX_OSERR);
	if (cfg->secure) {
		cfg->dirfds[0] = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cfg->dirfds[0] < 0) {
			logmsg(LOG_ERR, "open /: %m");
			_exit(EX_OSERR);
		}
	}
	umask(cfg->umask);
}


/* ---- a process per transfer (--workers 0) ---------------------------- */

static void child(const struct tftp_request *req, struct sockaddr_storage *from,
		  struct sockaddr_storage *local)
{
	int sock, stranger;

	sock = tid_sockets(cfg, local, req->opcode == TFTP_RRQ, (struct sockaddr *)from,
			   (unsigned)getpid(), NULL, &stranger);
	if (sock < 0)
		_exit(EX_IOERR);
	tid_forget();	/* the transfer may not hold up the others */
	become_unprivileged();
	/* A transfer is bulk work: as SCHED_BATCH, a transfer woken by its
	 * client's ACK does not preempt the one running, so with hundreds
	 * of transfers each CPU serves several in a row instead of
	 * switching at every packet (1.0 context switches per packet
	 * instead of 1.4, and a fifth more throughput, at 256 clients). */
	sched_setscheduler(0, SCHED_BATCH, &(struct sched_param){ 0 });
	_exit(session_run(cfg, req, (struct sockaddr *)from, sock, stranger));
}

/* A request goes from the parent to the spare child as one datagram:
 * the client's address, the local address, the request itself. */
static void handoff_msg(struct msghdr *msg, struct iovec iov[3], struct sockaddr_storage *from,
			struct sockaddr_storage *local, void *request, size_t len)
{
	iov[0] = (struct iovec){ from, sizeof(*from) };
	iov[1] = (struct iovec){ local, sizeof(*local) };
	iov[2] = (struct iovec){ request, len };
	*msg = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 3 };
}

/* The parent's end of the connection to the spare child, or -1. */
static int spare_fd = -1;

/* The spare: a child forked before its request came. It waits for the
 * parent to hand one over, then serves it like any other child; it ends
 * when the parent closes its end (exit, or a reload that the spare would
 * not have seen). Forking ahead takes the fork, the costliest step of a
 * transfer, out of the time a client waits for its first packet. */
static void spare_wait(int conn)
{
	static uint8_t request[TFTP_MAX_REQUEST + 1];
	struct sockaddr_storage from, local;
	struct tftp_request req;
	struct iovec iov[3];
	struct msghdr msg;
	const char *errmsg;
	ssize_t n;

	child_prologue(false);
	handoff_msg(&msg, iov, &from, &local, request, sizeof(request));
	do
		n = recvmsg(conn, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n <= (ssize_t)(iov[0].iov_len + iov[1].iov_len))
		_exit(0);
	/* conn stays open until we exit: its closing tells the parent
	 * that this transfer has ended. */
	n -= (ssize_t)(iov[0].iov_len + iov[1].iov_len);
	if (tftp_parse_request(request, (size_t)n, &req, &errmsg) != 0)
		_exit(EX_SOFTWARE);	/* the parent parsed it already */
	child(&req, &from, &local);
}

static void spawn_spare(void)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return;		/* then each request forks when it comes */
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		spare_wait(sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return;
	}
	spare_fd = sv[0];
}

static void drop_spare(void)
{
	if (spare_fd >= 0)
		close(spare_fd);
	spare_fd = -1;
}

/* Children are charged no memory (each is a process of its own), only
 * against their client's cap. */
#define CHILD_OWNER MAX_PROCS
_Static_assert(CHILD_OWNER < LEDGER_MAX_OWNERS, "the ledger has an owner for every worker and the children");

/* Watches fd for the end of the child serving ticket; without memory
 * to, the transfer is not counted (its child still serves it). */
static void track_kid(int fd, uint64_t ticket)
{
	if (nkids == kids_cap) {
		size_t cap = kids_cap ? 2 * kids_cap : 64;
		struct kid *k = realloc(kids, cap * sizeof(*k));

		if (k == NULL) {
			logmsg(LOG_ERR, "out of memory for a child's transfer");
			close(fd);
			ledger_end(&ledger, ticket, CHILD_OWNER);
			return;
		}
		kids = k;
		kids_cap = cap;
	}
	kids[nkids++] = (struct kid){ fd, ticket };
}

/* Hands the request to the spare, or forks a child for it if there is
 * none (or it is gone); then forks the next spare. */
static void start_child(const uint8_t *buf, size_t n, const struct tftp_request *req,
			struct sockaddr_storage *from, struct sockaddr_storage *local)
{
	bool handed = false;
	uint64_t ticket;
	int sv[2];
	pid_t pid;

	if (!admit_request(&ledger, from, 0, CHILD_OWNER, &ticket))
		return;
	if (spare_fd >= 0) {
		struct iovec iov[3];
		struct msghdr msg;

		handoff_msg(&msg, iov, from, local, (void *)buf, n);
		handed = sendmsg(spare_fd, &msg, MSG_NOSIGNAL) >= 0;
		if (handed) {
			track_kid(spare_fd, ticket);
			spare_fd = -1;
		} else {
			logmsg(LOG_WARNING, "spare child: %m; forking instead");
			drop_spare();
		}
	}
	if (!handed) {
		/* A child we could not watch would be one the cap never
		 * counted down, so we never fork one uncounted: out of
		 * descriptors (we hold one per child), the request goes
		 * unanswered instead. */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
			logmsg(LOG_ERR, "socketpair: %m; request not answered");
			ledger_end(&ledger, ticket, CHILD_OWNER);
			spawn_spare();
			return;
		}
		pid = fork();
		if (pid == 0) {
			close(sv[0]);
			child_prologue(false);
			child(req, from, local);
		}
		close(sv[1]);
		if (pid < 0) {
			logmsg(LOG_ERR, "fork: %m");
			close(sv[0]);
			ledger_end(&ledger, ticket, CHILD_OWNER);
		} else {
			track_kid(sv[0], ticket);
		}
	}
	spawn_spare();
}

/* ---- workers (the default) ------------------------------------------- */

struct proc {
	pid_t pid;
	int conn;		/* our end; -1: the entry is free */
	bool retired;
	/* Takes requests from the listening sockets itself; running: how
	 * many of those it said run (ENGINE_RUNNING). */
	bool takes;
	uint32_t running;
	uint64_t stocked_at[2];	/* its last batch of sockets, per family */
	uint64_t cpu_seen;	/* its CPU time at the last look (scale.h) */
	bool stuck;		/* at the last look (stuck()) */
};
#define CPU_UNSEEN UINT64_MAX
static struct proc procs[MAX_PROCS];
static unsigned rotor;
/* Workers to keep running: --workers, or with workers_auto from one up
 * to cfg->workers as scale_look decides; back to one at a reload. */
static unsigned target;

static void worker_main(int conn, bool takes)
{
	child_prologue(takes);
	/* two sockets and a file per transfer: a thousand pass 1024 */
	nofile_raise();
	if (takes)
		tid_for_worker();
	else
		tid_forget();
	for (unsigned j = 0; j < MAX_PROCS; j++)
		if (procs[j].conn >= 0)
			close(procs[j].conn);
	/* a spare left from a time without workers waits as root for a
	 * hand-off: no worker may hold a way to send it one */
	drop_spare();
	become_unprivileged();
	_exit(engine_run(cfg, conn, listen_fds, listen_bound, takes ? nlisten : 0));
}

static void spawn_worker(unsigned i, bool takes)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		logmsg(LOG_ERR, "socketpair: %m");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		worker_main(sv[1], takes);
	}
	close(sv[1]);
	if (pid < 0) {
		logmsg(LOG_ERR, "fork: %m");
		close(sv[0]);
		return;
	}
	procs[i] = (struct proc){ .pid = pid, .conn = sv[0], .takes = takes };
}

/* A message with nfds descriptors (SCM_RIGHTS; none: no control) to
 * worker i; 0, or -1 (errno). Never waits: a worker that does not read
 * (stopped, or stuck in a read from a hung file system) would stop the
 * listener, and with it every other worker's new transfers. */
static int send_to_worker(unsigned i, struct iovec *iov, size_t iovlen, const int *fds,
			  size_t nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(2 * ENGINE_SOCKETS_BATCH * sizeof(int))];
	} control;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = iovlen };
	struct cmsghdr *c;

	if (nfds > 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(procs[i].conn, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -1 : 0;
}

/* One worker that takes requests itself, when one worker is all there
 * is to be: a request then wakes one process, not the listening one and
 * then a worker (half the CPU of a small fetch, and its first reply in
 * less than half the time). The transfer's ports must be ones an
 * unprivileged process may bind, and it must be unprivileged. */
static bool one_takes(void)
{
	/* As root (-u root) its sockets could join root's ports. */
	return target == 1 && (cfg->port_lo == 0 || cfg->port_lo >= 1024) && cfg->uid != 0;
}

static struct proc *taker(void)
{
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (procs[i].conn >= 0 && !procs[i].retired && procs[i].takes)
			return &procs[i];
	return NULL;
}

/* Sockets for the worker that takes requests, made while we have root
 * (tid_make_pair), for the family it asked for. */
#define STOCK_SPACING_NS 5000000u
static void give_sockets(unsigned i, uint64_t family)
{
	struct engine_order o = { ENGINE_SOCKETS, (int32_t)family };
	int fds[2 * ENGINE_SOCKETS_BATCH];
	struct iovec iov = { &o, sizeof(o) };
	size_t n = 0;
	uint64_t now = servers_now_ns(), *last = &procs[i].stocked_at[family == AF_INET6];

	if (!procs[i].takes || procs[i].retired || (family != AF_INET && family != AF_INET6))
		return;
	/* A batch per family each STOCK_SPACING_NS at most, whatever a
	 * worker asks; it is always answered, if need be with none (it
	 * may ask again, and meanwhile makes its own). */
	if (now - *last >= STOCK_SPACING_NS) {
		*last = now;
		while (n < ENGINE_SOCKETS_BATCH &&
		       tid_make_pair((int)family, cfg->uid, fds + 2 * n) == 0)
			n++;
		if (n == 0)
			logmsg(LOG_ERR, "socket: %m");
	}
	send_to_worker(i, &iov, 1, fds, 2 * n);
	for (size_t k = 0; k < 2 * n; k++)
		close(fds[k]);
}

/* A worker's report: tickets of transfers it ended. Only ones it holds
 * count (ledger_end); anything else is logged, at most once a second,
 * and changes nothing. A few messages a turn, so a worker that floods
 * its connection holds up nobody. */
#define REPORTS_TURN 16

static bool scale_arm(void);
/* What servers_last_request says. */
static uint64_t last_taken;

static void bad_report(unsigned i)
{
	static time_t last;
	time_t now = time(NULL);

	if (now != last)
		logmsg(LOG_ERR, "worker %ld reported a transfer it does not hold: ignored",
		       (long)procs[i].pid);
	last = now;
}

static void read_reports(unsigned i)
{
	uint64_t r[ENGINE_REPORT_MAX + 2];

	for (int m = 0; m < REPORTS_TURN; m++) {
		ssize_t n = recv(procs[i].conn, r, sizeof(r), MSG_DONTWAIT);
		size_t k = (size_t)n / sizeof(r[0]);

		if (n <= 0)
			return;
		if (n % (ssize_t)sizeof(r[0]) != 0 || k > ENGINE_REPORT_MAX + 1 || k < 2) {
			bad_report(i);
			continue;
		}
		if (r[0] == ENGINE_ENDED) {
			for (size_t t = 1; t < k; t++)
				if (!ledger_end(&ledger, r[t], i))
					bad_report(i);
		} else if (r[0] == ENGINE_RUNNING && k == 3) {
			procs[i].running = r[1] > UINT32_MAX ? UINT32_MAX : (uint32_t)r[1];
			/* Its clock is ours; never later than now. */
			if (r[2] > last_taken && r[2] <= servers_now_ns())
				last_taken = r[2];
			if (procs[i].running > 0)
				scale_arm();
		} else if (r[0] == ENGINE_WANT_SOCKETS && k == 2) {
			give_sockets(i, r[1]);
		} else {
			bad_report(i);
		}
	}
}

/* A worker that has ended frees its entry, and whatever it held has
 * ended with it; one that was not asked to end is logged. */
static void worker_gone(unsigned i)
{
	struct proc *p = &procs[i];

	read_reports(i);
	if (!p->retired)
		logmsg(LOG_ERR, "worker %ld ended unexpectedly", (long)p->pid);
	close(p->conn);
	p->conn = -1;
	p->retired = false;
	p->takes = false;
	p->running = 0;
	ledger_end_owner(&ledger, i);
}

static void proc_events(unsigned i, short revents)
{
	if (revents & POLLIN)
		read_reports(i);
	if (revents & (POLLHUP | POLLERR))
		worker_gone(i);
}

/* Reports and ends of workers now, before a decision that needs them. */
static void reap_workers(void)
{
	struct pollfd pfd[MAX_PROCS];
	unsigned idx[MAX_PROCS], n = 0;

	for (unsigned i = 0; i < MAX_PROCS; i++) {
		if (procs[i].conn < 0)
			continue;
		pfd[n] = (struct pollfd){ .fd = procs[i].conn, .events = POLLIN };
		idx[n++] = i;
	}
	if (n == 0 || poll(pfd, n, 0) <= 0)
		return;
	for (unsigned k = 0; k < n; k++)
		proc_events(idx[k], pfd[k].revents);
}

/* Live workers up to the number asked for; returns how many there are,
 * their entries in live[] (room for ENGINE_MAX_WORKERS). The live ones
 * are counted before any is started: after a reload the new workers sit
 * above entries that their retired predecessors free later, and a
 * single pass would start more in those and overrun live[]. */
static unsigned live_workers(unsigned *live)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_PROCS && n < ENGINE_MAX_WORKERS; i++)
		if (procs[i].conn >= 0 && !procs[i].retired)
			live[n++] = i;
	for (unsigned i = 0; i < MAX_PROCS && n < target; i++) {
		if (procs[i].conn >= 0 || procs[i].retired)
			continue;
		spawn_worker(i, n == 0 && one_takes());
		if (procs[i].conn >= 0)
			live[n++] = i;
	}
	return n;
}

/* ---- how many workers (scale.h) ------------------------------------ */

/* /proc/stat of a machine with a thousand CPUs fits, "cpuN" lines
 * first. */
static char proc_text[128 * 1024];

static ssize_t read_proc(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, proc_text, sizeof(proc_text));
	close(fd);
	return n;
}

static bool idle_now(uint64_t *idle)
{
	ssize_t n = read_proc("/proc/stat");

	return n > 0 && scale_parse_stat(proc_text, (size_t)n, &scale_cpus, idle);
}

static bool cpu_of(pid_t pid, uint64_t *cpu, char *state)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	n = read_proc(path);
	return n > 0 && scale_parse_pid_stat(proc_text, (size_t)n, cpu, state);
}

uint64_t servers_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool may_grow(void)
{
	return cfg->workers_auto && target < (unsigned)cfg->workers;
}

/* The worker that took requests itself takes them as hand-offs from
 * now on, and we take them again, for all the workers; if it cannot be
 * told (stopped, its queue full) it is let go. Its own transfers stay
 * in its own ledger: until they end, the limits count them only there. */
static void stop_taker(void)
{
	struct engine_order o = { ENGINE_STOP_TAKING, 0 };
	struct proc *p = taker();

	if (p == NULL)
		return;
	p->takes = false;
	if (send(p->conn, &o, sizeof(o), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		shutdown(p->conn, SHUT_WR);
		p->retired = true;
	}
}

/* One worker more, in a free entry. */
static void add_worker(const char *why)
{
	for (unsigned i = 0; may_grow() && i < MAX_PROCS; i++) {
		if (procs[i].conn >= 0 || procs[i].retired)
			continue;
		spawn_worker(i, false);
		if (procs[i].conn < 0)
			return;
		stop_taker();
		target++;
		logmsg(LOG_INFO, "%s: worker %ld started (%u of at most %d)", why,
		       (long)procs[i].pid, target, cfg->workers);
		return;
	}
}

/* Whether requests wait in the listening sockets now: with a worker
 * that takes them itself, only if it does not (stuck). */
static bool requests_queued(void)
{
	struct pollfd pfd[MAX_LISTEN_FDS];

	for (size_t i = 0; i < nlisten && i < MAX_LISTEN_FDS; i++)
		pfd[i] = (struct pollfd){ .fd = listen_fds[i], .events = POLLIN };
	return poll(pfd, nlisten < MAX_LISTEN_FDS ? nlisten : MAX_LISTEN_FDS, 0) > 0;
}

/* Whether any transfer is known to run: handed out, or said to run by
 * the worker that takes requests itself, or requests are waiting for
 * it. */
static bool transfers_run(void)
{
	if (taker() != NULL && requests_queued())
		return true;
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (procs[i].conn >= 0 && procs[i].running > 0)
			return true;
	return ledger.nentries > 0;
}

static void scale_disarm(void)
{
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };

	if (scale_armed)
		timerfd_settime(scale_fd, 0, &off, NULL);
	scale_armed = false;
	/* Unlooked at, a worker is not known to be stuck. */
	for (unsigned i = 0; i < MAX_PROCS; i++)
		procs[i].stuck = false;
}

/* Transfers run: look every SCALE_TICK_MS from now on, against what
 * the CPUs and the workers have used so far. */
static bool scale_arm(void)
{
	struct itimerspec every = { { 0, SCALE_TICK_MS * 1000000L },
				    { 0, SCALE_TICK_MS * 1000000L } };
	char state;

	if (scale_armed || scale_fd < 0 || !may_grow() || !idle_now(&scale_idle))
		return scale_armed;
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (procs[i].conn >= 0 && !cpu_of(procs[i].pid, &procs[i].cpu_seen, &state))
			procs[i].cpu_seen = CPU_UNSEEN;
	scale_when = servers_now_ns();
	scale_armed = timerfd_settime(scale_fd, 0, &every, NULL) == 0;
	return scale_armed;
}

/* A worker that is stopped or in an uninterruptible wait (a read from
 * a hung file system) serves nobody now: it neither counts as busy nor
 * keeps the others from counting so. */
static bool stuck(char state)
{
	return state == 'D' || state == 'T' || state == 't';
}

static void scale_look(void)
{
	uint64_t expirations, idle, now = servers_now_ns(), busy[MAX_PROCS];
	struct scale_tick t = { .busy = busy };
	unsigned nstuck = 0;

	if (read(scale_fd, &expirations, sizeof(expirations)) < 0 && errno == EAGAIN)
		return;
	/* Transfers ended, or no more may start: until the next hand-off
	 * (scale_arm), the listener's wait is its own again. */
	if (!transfers_run() || !may_grow()) {
		scale_disarm();
		return;
	}
	if (!idle_now(&idle))
		return;		/* looked again at the next tick */
	for (unsigned i = 0; i < MAX_PROCS; i++) {
		uint64_t cpu, seen = procs[i].cpu_seen;
		char state;

		if (procs[i].conn < 0 || procs[i].retired)
			continue;
		if (!cpu_of(procs[i].pid, &cpu, &state)) {
			busy[t.nworkers++] = 0;		/* unknown: not busy */
			continue;
		}
		procs[i].cpu_seen = cpu;
		procs[i].stuck = stuck(state);
		if (procs[i].stuck) {
			nstuck++;
			continue;
		}
		busy[t.nworkers++] = seen != CPU_UNSEEN && cpu > seen ? cpu - seen : 0;
	}
	t.interval = (now - scale_when) * (uint64_t)clock_ticks / 1000000000u;
	t.idle = idle > scale_idle ? idle - scale_idle : 0;
	scale_idle = idle;
	scale_when = now;
	if (t.nworkers == 0 && nstuck > 0)
		add_worker("every worker stuck");
	else if (scale_add_worker(&t, (unsigned)cfg->workers))
		add_worker("every worker busy and a CPU idle");
}

/* Logged once a second at most: a burst drops many at once. */
static void queues_full(void)
{
	static time_t last;
	time_t now = time(NULL);

	if (now != last)
		logmsg(LOG_WARNING, "every worker's queue of requests is full: request dropped");
	last = now;
}

static int handoff(unsigned i, const uint8_t *buf, size_t n, struct sockaddr_storage *from,
		   uint64_t ticket, int sock, int stranger)
{
	struct engine_handoff h = { .ticket = ticket };
	int fds[2] = { sock, stranger };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)buf, n } };

	memcpy(&h.client, from, sizeof(h.client));
	return send_to_worker(i, iov, 2, fds, 2);
}

/* A worker found stuck at the last look takes nothing while another
 * can: what it was handed would wait with it. Returns how many of
 * live[] are left. */
static unsigned unstuck(unsigned *live, unsigned n)
{
	unsigned m = 0;

	for (unsigned k = 0; k < n; k++)
		if (!procs[live[k]].stuck)
			live[m++] = live[k];
	return m > 0 ? m : n;
}

static void dispatch_to_worker(const uint8_t *buf, size_t n, const struct tftp_request *req,
			       struct sockaddr_storage *from, struct sockaddr_storage *local)
{
	unsigned live[ENGINE_MAX_WORKERS], nlive, i, pick;
	uint32_t active[ENGINE_MAX_WORKERS];
	uint64_t cost = admit_cost(cfg, req), ticket;
	int sock, stranger;
	bool handed = false, all_full = true;

	reap_workers();
	nlive = live_workers(live);
	if (nlive == 0) {
		/* No worker could be started, or every entry still holds
		 * one finishing after a reload: a process of its own. */
		start_child(buf, n, req, from, local);
		return;
	}
	drop_spare();	/* workers are back: the fallback's spare ends */
	nlive = unstuck(live, nlive);
	for (unsigned k = 0; k < nlive; k++)
		active[k] = ledger.active[live[k]] + procs[live[k]].running;
	pick = budget_pick_worker(active, nlive, rotor++);
	if (!admit_request(&ledger, from, cost, live[pick], &ticket))
		return;
	sock = tid_sockets(cfg, local, req->opcode == TFTP_RRQ, (struct sockaddr *)from,
			   rotor, NULL, &stranger);
	if (sock < 0) {
		ledger_end(&ledger, ticket, live[pick]);
		return;
	}
	/* A worker whose queue is full is passed over for the next; when
	 * all are, the request is dropped, as if lost. A full queue alone
	 * starts no worker: a burst of a thousand requests fills it in a
	 * moment, and scale_look starts one for a worker that is stuck
	 * (stopped, or in a read from a hung file system) or busy with a
	 * CPU to spare. */
	for (unsigned k = 0; k < nlive; k++) {
		i = live[(pick + k) % nlive];
		if (handoff(i, buf, n, from, ticket, sock, stranger) == 0) {
			handed = true;
			break;
		}
		all_full = all_full && errno == EAGAIN;
		if (errno != EAGAIN)
			logmsg(LOG_ERR, "worker %ld: %m", (long)procs[i].pid);
		ledger_end(&ledger, ticket, i);
		if (k + 1 < nlive && !admit_request(&ledger, from, cost, live[(pick + k + 1) % nlive], &ticket)) {
			all_full = false;	/* not admitted: no worker would help */
			break;
		}
	}
	if (handed)
		scale_arm();
	else if (all_full)
		queues_full();
	close(sock);
	close(stranger);
}

/* ---- the listening process's interface ------------------------------- */

void servers_init(struct tftpd_config *c, int *fds, const struct sockaddr_storage *bound,
		  size_t nfds, const sigset_t *mask)
{
	cfg = c;
	listen_fds = fds;
	listen_bound = bound;
	nlisten = nfds;
	child_mask = *mask;
	for (unsigned i = 0; i < MAX_PROCS; i++)
		procs[i].conn = -1;
	admit_ledger_init(&ledger, cfg);
	/* With --workers 0 we hold a descriptor per child (its end). */
	if (cfg->workers == 0)
		nofile_raise();
	if (cfg->workers_auto) {
		uint64_t idle;

		clock_ticks = sysconf(_SC_CLK_TCK);
		if (sched_getaffinity(0, sizeof(scale_cpus), &scale_cpus) == 0 && clock_ticks > 0 &&
		    idle_now(&idle))
			scale_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (scale_fd < 0) {
			/* No /proc to tell busy from idle: as many as may be. */
			logmsg(LOG_WARNING, "cannot read the idle time of this process's CPUs "
			       "in /proc/stat: %d workers", cfg->workers);
			cfg->workers_auto = false;
		}
	}
}

/* The listening loop waits for these too: the workers' connections
 * (reports, and their end) and the children's (their end). pollers
 * says who each entry is, so a change between the wait and
 * servers_polled (a reload) is noticed: an entry whose descriptor is
 * no longer its owner's is skipped, and seen again on the next turn. */
static unsigned *pollers;
static size_t npollers, pollers_cap;

/* pollers' entry for the scale timer */
#define SCALE_POLLER UINT_MAX

size_t servers_npoll(void)
{
	size_t n = nkids + scale_armed;

	for (unsigned i = 0; i < MAX_PROCS; i++)
		n += procs[i].conn >= 0;
	return n;
}

size_t servers_pollfds(struct pollfd *pfd, size_t room)
{
	npollers = 0;
	if (room > pollers_cap) {
		unsigned *p = realloc(pollers, room * sizeof(*p));

		if (p == NULL)
			room = pollers_cap;	/* the rest wait for a later turn */
		else {
			pollers = p;
			pollers_cap = room;
		}
	}
	for (unsigned i = 0; i < MAX_PROCS && npollers < room; i++)
		if (procs[i].conn >= 0) {
			pfd[npollers] = (struct pollfd){ .fd = procs[i].conn, .events = POLLIN };
			pollers[npollers++] = i;
		}
	for (size_t k = 0; k < nkids && npollers < room; k++) {
		pfd[npollers] = (struct pollfd){ .fd = kids[k].fd, .events = 0 };
		pollers[npollers++] = MAX_PROCS + (unsigned)k;
	}
	if (scale_armed && npollers < room) {
		pfd[npollers] = (struct pollfd){ .fd = scale_fd, .events = POLLIN };
		pollers[npollers++] = SCALE_POLLER;
	}
	return npollers;
}

void servers_polled(const struct pollfd *pfd, size_t n)
{
	bool gone = false;

	for (size_t k = 0; k < n && k < npollers; k++) {
		unsigned who = pollers[k];

		if (pfd[k].revents == 0)
			continue;
		if (who == SCALE_POLLER) {
			if (scale_armed)
				scale_look();
		} else if (who < MAX_PROCS) {
			if (procs[who].conn == pfd[k].fd)
				proc_events(who, pfd[k].revents);
		} else if (who - MAX_PROCS < nkids && kids[who - MAX_PROCS].fd == pfd[k].fd &&
			   pfd[k].revents & (POLLHUP | POLLERR)) {
			struct kid *kd = &kids[who - MAX_PROCS];

			close(kd->fd);
			kd->fd = -1;
			ledger_end(&ledger, kd->ticket, CHILD_OWNER);
			gone = true;
		}
	}
	npollers = 0;
	if (gone) {
		size_t m = 0;

		for (size_t k = 0; k < nkids; k++)
			if (kids[k].fd >= 0)
				kids[m++] = kids[k];
		nkids = m;
	}
}

/* At start-up, and for the workers that start after a reload or a
 * request while an idle exit waits for transfers to end: with
 * workers_auto, from one again. */
static void target_from_start(void)
{
	target = cfg->workers_auto ? 1 : (unsigned)cfg->workers;
}

void servers_start(void)
{
	unsigned live[ENGINE_MAX_WORKERS];

	target_from_start();
	if (cfg->workers == 0)
		spawn_spare();
	else
		live_workers(live);
}

void servers_dispatch(const uint8_t *buf, size_t n, const struct tftp_request *req,
		      struct sockaddr_storage *from, struct sockaddr_storage *local)
{
	if (cfg->workers == 0)
		start_child(buf, n, req, from, local);
	else
		dispatch_to_worker(buf, n, req, from, local);
}

uint64_t servers_last_request(void)
{
	return last_taken;
}

uint64_t servers_news_delay_ns(void)
{
	return taker() != NULL ? engine_note_every_us(cfg) * 1000u : 0;
}

/* While a worker takes requests itself, a request wakes us only when
 * no look (scale_look) is due: it then starts the looks, which also
 * tell a worker that is stuck with requests waiting for it; while they
 * run, requests wake us no more. So a busy server wakes us a few times
 * a second, not at each request. */
enum servers_listen servers_listening(void)
{
	if (taker() == NULL)
		return SERVERS_LISTEN_READ;
	return scale_armed || scale_fd < 0 || !may_grow() ? SERVERS_LISTEN_NONE
							   : SERVERS_LISTEN_WATCH;
}

void servers_requests_waiting(void)
{
	/* Without the looks a waiting request would wake us at once
	 * again, and again: no watching, and no more workers. */
	if (!scale_arm() && may_grow()) {
		logmsg(LOG_WARNING, "cannot look at the CPUs' idle time in /proc/stat: "
		       "no more workers will start");
		cfg->workers_auto = false;
	}
}

void servers_retire(void)
{
	target_from_start();
	drop_spare();
	reap_workers();
	for (unsigned i = 0; i < MAX_PROCS; i++) {
		if (procs[i].conn < 0 || procs[i].retired)
			continue;
		/* The worker reads the end of its requests, finishes its
		 * transfers and exits; its entry is freed when it has. */
		shutdown(procs[i].conn, SHUT_WR);
		procs[i].retired = true;
	}
}
