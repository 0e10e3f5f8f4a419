#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "budget.h"
#include "engine.h"
#include "log.h"
#include "nofile.h"
#include "options.h"
#include "tid.h"
#include "transfer.h"
#include "worker.h"

static struct tftpd_config *cfg;
static int *listen_fds;
static size_t nlisten;
/* The signal mask outside the listening loop's wait, for children. */
static sigset_t child_mask;

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
 * listener, and the signals that only tell the parent something end it. */
static void child_prologue(void)
{
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, &child_mask, NULL);
	for (size_t i = 0; i < nlisten; i++)
		close(listen_fds[i]);
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
			   (unsigned)getpid(), &stranger);
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

	child_prologue();
	handoff_msg(&msg, iov, &from, &local, request, sizeof(request));
	do
		n = recvmsg(conn, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n <= (ssize_t)(iov[0].iov_len + iov[1].iov_len))
		_exit(0);
	close(conn);
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

/* Hands the request to the spare, or forks a child for it if there is
 * none (or it is gone); then forks the next spare. */
static void start_child(const uint8_t *buf, size_t n, const struct tftp_request *req,
			struct sockaddr_storage *from, struct sockaddr_storage *local)
{
	bool handed = false;
	pid_t pid;

	if (spare_fd >= 0) {
		struct iovec iov[3];
		struct msghdr msg;

		handoff_msg(&msg, iov, from, local, (void *)buf, n);
		handed = sendmsg(spare_fd, &msg, MSG_NOSIGNAL) >= 0;
		if (!handed)
			logmsg(LOG_WARNING, "spare child: %m; forking instead");
		drop_spare();
	}
	if (!handed) {
		pid = fork();
		if (pid < 0) {
			logmsg(LOG_ERR, "fork: %m");
		} else if (pid == 0) {
			child_prologue();
			child(req, from, local);
		}
	}
	spawn_spare();
}

/* ---- workers (the default) ------------------------------------------- */

/* Workers, live and retired (still finishing their transfers). */
#define MAX_PROCS (2 * ENGINE_MAX_WORKERS)

struct proc {
	pid_t pid;
	int conn;		/* our end; -1: the entry is free */
	bool retired;
};
static struct proc procs[MAX_PROCS];
/* One per entry of procs, shared with the worker it names: what its
 * transfers hold against the memory limit. */
static struct engine_slot *slots;
static unsigned rotor;

static void worker_main(unsigned i, int conn)
{
	child_prologue();
	/* two sockets and a file per transfer: a thousand pass 1024 */
	nofile_raise();
	tid_forget();
	for (unsigned j = 0; j < MAX_PROCS; j++)
		if (procs[j].conn >= 0)
			close(procs[j].conn);
	/* a spare left from a time without workers waits as root for a
	 * hand-off: no worker may hold a way to send it one */
	drop_spare();
	become_unprivileged();
	_exit(engine_run(cfg, conn, &slots[i]));
}

static void spawn_worker(unsigned i)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		logmsg(LOG_ERR, "socketpair: %m");
		return;
	}
	memset(&slots[i], 0, sizeof(slots[i]));
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		worker_main(i, sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		logmsg(LOG_ERR, "fork: %m");
		close(sv[0]);
		return;
	}
	procs[i] = (struct proc){ .pid = pid, .conn = sv[0] };
}

/* Workers that have ended free their entries; one that was not asked
 * to end is logged (its transfers are lost, its budget returns). */
static void reap_workers(void)
{
	struct pollfd pfd[MAX_PROCS];
	unsigned idx[MAX_PROCS], n = 0;

	for (unsigned i = 0; i < MAX_PROCS; i++) {
		if (procs[i].conn < 0)
			continue;
		pfd[n] = (struct pollfd){ .fd = procs[i].conn, .events = 0 };
		idx[n++] = i;
	}
	if (n == 0 || poll(pfd, n, 0) <= 0)
		return;
	for (unsigned k = 0; k < n; k++) {
		struct proc *p = &procs[idx[k]];

		if (!(pfd[k].revents & (POLLHUP | POLLERR)))
			continue;
		if (!p->retired)
			logmsg(LOG_ERR, "worker %ld ended unexpectedly", (long)p->pid);
		close(p->conn);
		p->conn = -1;
		p->retired = false;
		memset(&slots[idx[k]], 0, sizeof(slots[idx[k]]));
	}
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
	for (unsigned i = 0; i < MAX_PROCS && (int)n < cfg->workers; i++) {
		if (procs[i].conn >= 0 || procs[i].retired)
			continue;
		spawn_worker(i);
		if (procs[i].conn >= 0)
			live[n++] = i;
	}
	return n;
}

/* The most memory this request's transfer may hold: negotiated against
 * our limits only (the file's size and the path MTU come later and can
 * only lower it). */
static uint64_t request_cost(const struct tftp_request *req)
{
	struct tftp_limits lim = session_limits(cfg, req);
	struct tftp_params p;
	struct tftp_oack granted;
	const char *msg;

	if (tftp_negotiate(req, &lim, -1, &p, &granted, &msg) != 0) {
		p.blksize = TFTP_DEFAULT_BLKSIZE;	/* refused in the worker */
		p.windowsize = 1;
	}
	return budget_transfer_bytes(req->opcode, req->mode, p.blksize, p.windowsize);
}

static uint64_t memory_in_use(void)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < MAX_PROCS; i++)
		sum += __atomic_load_n(&slots[i].reserved, __ATOMIC_RELAXED);
	return sum;
}

/* Over the limit: the request goes unanswered, as if it was lost, and
 * the client's own retransmission of it tries again (dnsmasq does the
 * same at its tftp-max). Logged at most once a second. */
static void over_limit(const struct sockaddr_storage *from, uint64_t cost)
{
	static time_t last;
	time_t now = time(NULL);
	char text[ADDR_STRLEN];
	struct sockaddr_storage u;

	if (now == last)
		return;
	last = now;
	logmsg(LOG_WARNING, "memory limit reached (%ju KiB in use, %ju more asked): "
	       "request from %s not answered", (uintmax_t)(memory_in_use() / 1024),
	       (uintmax_t)(cost / 1024),
	       addr_ntop(addr_unmap_v4((const struct sockaddr *)from, &u), text, sizeof(text)));
}

static int handoff(unsigned i, const uint8_t *buf, size_t n, struct sockaddr_storage *from,
		   uint64_t cost, int sock, int stranger)
{
	struct engine_handoff h = { .cost = cost };
	int fds[2] = { sock, stranger };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(fds))];
	} control;
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)buf, n } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memcpy(&h.client, from, sizeof(h.client));
	memset(&control, 0, sizeof(control));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	/* Never waits: a worker that does not read (stopped, or stuck in
	 * a read from a hung file system) would stop the listener, and
	 * with it every other worker's new transfers. */
	return sendmsg(procs[i].conn, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -1 : 0;
}

static void dispatch_to_worker(const uint8_t *buf, size_t n, const struct tftp_request *req,
			       struct sockaddr_storage *from, struct sockaddr_storage *local)
{
	unsigned live[ENGINE_MAX_WORKERS], nlive, i, pick;
	uint32_t active[ENGINE_MAX_WORKERS];
	uint64_t cost = request_cost(req);
	int sock, stranger;

	reap_workers();
	nlive = live_workers(live);
	if (nlive == 0) {
		/* No worker could be started, or every entry still holds
		 * one finishing after a reload: a process of its own. */
		start_child(buf, n, req, from, local);
		return;
	}
	drop_spare();	/* workers are back: the fallback's spare ends */
	if (!budget_admit(memory_in_use(), cost, cfg->memory_limit)) {
		over_limit(from, cost);
		return;
	}
	for (unsigned k = 0; k < nlive; k++)
		active[k] = __atomic_load_n(&slots[live[k]].active, __ATOMIC_RELAXED);
	pick = budget_pick_worker(active, nlive, rotor++);
	sock = tid_sockets(cfg, local, req->opcode == TFTP_RRQ, (struct sockaddr *)from,
			   rotor, &stranger);
	if (sock < 0)
		return;
	/* A worker whose queue is full is passed over for the next. */
	for (unsigned k = 0; k < nlive; k++) {
		i = live[(pick + k) % nlive];
		__atomic_add_fetch(&slots[i].reserved, cost, __ATOMIC_RELAXED);
		__atomic_add_fetch(&slots[i].active, 1, __ATOMIC_RELAXED);
		if (handoff(i, buf, n, from, cost, sock, stranger) == 0)
			break;
		if (errno != EAGAIN || k + 1 == nlive)
			logmsg(LOG_ERR, "worker %ld: %m", (long)procs[i].pid);
		__atomic_sub_fetch(&slots[i].reserved, cost, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&slots[i].active, 1, __ATOMIC_RELAXED);
	}
	close(sock);
	close(stranger);
}

/* ---- the listening process's interface ------------------------------- */

void servers_init(struct tftpd_config *c, int *fds, size_t nfds, const sigset_t *mask)
{
	cfg = c;
	listen_fds = fds;
	nlisten = nfds;
	child_mask = *mask;
	for (unsigned i = 0; i < MAX_PROCS; i++)
		procs[i].conn = -1;
	if (cfg->workers == 0)
		return;
	slots = mmap(NULL, MAX_PROCS * sizeof(*slots), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		logmsg(LOG_ERR, "mmap: %m; serving a process per transfer");
		cfg->workers = 0;
	}
}

void servers_start(void)
{
	unsigned live[ENGINE_MAX_WORKERS];

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

void servers_retire(void)
{
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
