/* in.tftpd: start-up and the listening loop. This process keeps its
 * privileges only to fork and to bind transfer ports; what serves the
 * transfers (worker.c) chroots and drops to the -u user. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "detach.h"
#include "fdio.h"
#include "log.h"
#include "options.h"
#include "pidfile.h"
#include "remap.h"
#include "sigflags.h"
#include "strnum.h"
#include "tftpd.h"
#include "engine.h"
#include "listen.h"
#include "tid.h"
#include "transfer.h"
#include "worker.h"

/* The signal mask outside serve()'s wait, for ppoll and for children. */
static sigset_t unblocked_mask;

/* Enough for 1000 lock-step transfers at blksize 1468 with room to
 * spare (budget_transfer_bytes: about 38 KiB each). */
#define DEFAULT_MEMORY_LIMIT (64u << 20)
/* A booting machine fetches one file at a time; a few more cover the
 * repeats of a request whose answer was late and a firmware's size
 * probe before its real read. One address flooding requests then holds
 * a few transfers, not the whole memory limit (xinetd's per_source). */
#define DEFAULT_MAX_PER_CLIENT 8

/* The most workers: one per CPU this process may run on. */
static int default_workers(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > ENGINE_MAX_WORKERS ? ENGINE_MAX_WORKERS : n;
}

static void usage(FILE *out)
{
	fprintf(out,
"Usage: in.tftpd [options] [directory...]\n"
"Trivial File Transfer Protocol server (pxekit), compatible with tftpd-hpa.\n"
"\n"
"  -l, --listen              run standalone instead of from inetd\n"
"  -L, --foreground          standalone, in the foreground\n"
"  -a, --address [addr][:port]  standalone address and port (IPv6 in [])\n"
"  -4, --ipv4 / -6, --ipv6   standalone sockets of one family only\n"
"  -P, --pidfile FILE        standalone: write the process ID to FILE\n"
"  -t, --timeout SECONDS     inetd: exit after this long idle (default 900)\n"
"  -s, --secure              chroot to the one directory given\n"
"  -u, --user USER           run transfers as USER (default nobody)\n"
"  -c, --create              allow WRQ to create files\n"
"  -U, --umask MASK          umask for created files (octal)\n"
"  -p, --permissive          only Unix permissions, no o+r / o+w check\n"
"  -m, --map-file FILE       filename remapping rules\n"
"  -r, --refuse OPTION       never grant an RFC 2347 option\n"
"  -B, --blocksize SIZE      largest blksize granted (512-65464)\n"
"  -W, --windowsize-max N    largest RFC 7440 windowsize granted (default 64)\n"
"  -T, --retransmit USEC     initial retransmit timeout (default 1000000)\n"
"  -R, --port-range LO:HI    transfer ports from this range\n"
"      --workers N|auto      processes serving transfers (default auto: one,\n"
"                            and more while they are busy and a CPU is idle,\n"
"                            up to one per CPU; 0: a process per transfer)\n"
"      --memory-limit KIB    buffer memory of all transfers (default 65536)\n"
"      --max-per-client N    transfers at once per client address (default 8;\n"
"                            0: no cap)\n"
"      --no-gso              send windows without UDP segmentation offload\n"
"  -v, --verbose             log more (repeat for more)\n"
"      --verbosity N         set the log level\n"
"      --stderr              log to standard error instead of syslog\n"
"  -V, --version             print the version and exit\n"
"  -h, --help                print this help and exit\n"
"\nSee in.tftpd(8).\n");
}

static const struct option long_options[] = {
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "create", no_argument, NULL, 'c' },
	{ "secure", no_argument, NULL, 's' },
	{ "permissive", no_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "verbosity", required_argument, NULL, 1 },
	{ "stderr", no_argument, NULL, 2 },
	{ "workers", required_argument, NULL, 3 },
	{ "memory-limit", required_argument, NULL, 4 },
	{ "no-gso", no_argument, NULL, 5 },
	{ "max-per-client", required_argument, NULL, 6 },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ "listen", no_argument, NULL, 'l' },
	{ "foreground", no_argument, NULL, 'L' },
	{ "address", required_argument, NULL, 'a' },
	{ "blocksize", required_argument, NULL, 'B' },
	{ "windowsize-max", required_argument, NULL, 'W' },
	{ "user", required_argument, NULL, 'u' },
	{ "umask", required_argument, NULL, 'U' },
	{ "refuse", required_argument, NULL, 'r' },
	{ "timeout", required_argument, NULL, 't' },
	{ "retransmit", required_argument, NULL, 'T' },
	{ "port-range", required_argument, NULL, 'R' },
	{ "map-file", required_argument, NULL, 'm' },
	{ "pidfile", required_argument, NULL, 'P' },
	{ NULL, 0, NULL, 0 }
};

static uintmax_t number_arg(const char *what, const char *s, uintmax_t min, uintmax_t max)
{
	uintmax_t v;

	if (!parse_uint(s, min, max, &v))
		fatal(EX_USAGE, "Bad %s value: %s (expected %ju to %ju)", what, s, min, max);
	return v;
}

static void parse_port_range(struct tftpd_config *cfg, const char *s)
{
	char lo[8], hi[8];
	uintmax_t a, b;

	if (sscanf(s, "%7[0-9]:%7[0-9]", lo, hi) != 2 ||
	    !parse_uint(lo, 1, 65535, &a) || !parse_uint(hi, 1, 65534, &b) || a > b)
		fatal(EX_USAGE, "Bad port range: %s", s);
	cfg->port_lo = (unsigned)a;
	cfg->port_hi = (unsigned)b;
}

static void parse_args(struct tftpd_config *cfg, int argc, char **argv)
{
	int c, id;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "46cspvVhlLa:B:W:u:U:r:t:T:R:m:P:",
				long_options, NULL)) != -1) {
		switch (c) {
		case '4': cfg->ipv4_only = true; cfg->ipv6_only = false; break;
		case '6': cfg->ipv6_only = true; cfg->ipv4_only = false; break;
		case 'c': cfg->create = true; break;
		case 's': cfg->secure = true; break;
		case 'p': cfg->permissive = true; break;
		case 'v': cfg->verbosity++; break;
		case 1: cfg->verbosity = (int)number_arg("verbosity", optarg, 0, 100); break;
		case 2: cfg->log_stderr = true; break;
		case 3:
			cfg->workers = strcmp(optarg, "auto") == 0 ? -1 :
				       (int)number_arg("workers", optarg, 0, ENGINE_MAX_WORKERS);
			break;
		case 4:
			cfg->memory_limit = 1024 * number_arg("memory-limit", optarg, 0,
							      UINT64_MAX / 1024);
			break;
		case 5: transfer_use_gso(0); break;
		case 6:
			cfg->max_per_client = (unsigned)number_arg("max-per-client", optarg, 0,
								   UINT32_MAX);
			break;
		case 'V':
			printf("pxekit in.tftpd %s, with remap, with windowsize (RFC 7440)\n",
			       PACKAGE_VERSION);
			exit(0);
		case 'h': usage(stdout); exit(0);
		case 'l': cfg->standalone = true; break;
		case 'L': cfg->standalone = cfg->foreground = true; break;
		case 'a': cfg->address = optarg; break;
		case 'B':
			cfg->max_blksize = (unsigned)number_arg("blocksize", optarg, 512,
								TFTP_MAX_BLKSIZE);
			break;
		case 'W':
			cfg->max_windowsize = (unsigned)number_arg("windowsize", optarg, 1,
								   TFTP_MAX_WINDOWSIZE);
			break;
		case 'u': cfg->user = optarg; break;
		case 'U': {
			uintmax_t m;

			if (!parse_uint_base(optarg, 8, 0, 0777, &m))
				fatal(EX_USAGE, "Bad umask: %s", optarg);
			cfg->umask = (mode_t)m;
			cfg->umask_set = true;
			break;
		}
		case 'r':
			id = tftp_option_lookup(optarg);
			if (id < 0)
				fatal(EX_USAGE, "Unknown option: %s", optarg);
			cfg->refused |= 1u << id;
			break;
		case 't':
			/* A bound, not a tftpd-hpa limit: about 23 days. */
			cfg->idle_timeout = (unsigned)number_arg("timeout", optarg, 0, 2000000);
			break;
		case 'T':
			cfg->retransmit_us = (uint32_t)number_arg("retransmit", optarg,
								  TFTP_MIN_UTIMEOUT, TFTP_MAX_UTIMEOUT);
			break;
		case 'R': parse_port_range(cfg, optarg); break;
		case 'm':
			if (cfg->mapfile)
				fatal(EX_USAGE, "Multiple -m options");
			cfg->mapfile = optarg;
			break;
		case 'P': cfg->pidfile = optarg; break;
		default:
			/* tftpd-hpa logs an unknown flag and carries on; so do we,
			 * so an existing inetd line never stops the service. */
			if (optopt)
				logmsg(LOG_ERR, "Unknown option: '%c'", optopt);
			else
				logmsg(LOG_ERR, "Unknown option: %s", argv[optind - 1]);
			break;
		}
	}
	cfg->dirs = argv + optind;
	cfg->ndirs = (size_t)(argc - optind);
}

/* What the look-up child sends first; the group list follows. */
struct user_ids {
	uid_t uid;
	gid_t gid;
	int ngroups;
};

/* The user and its groups are looked up by a short-lived child, which
 * hands them over on a pipe: NSS would otherwise leave its modules and
 * their libraries mapped in the parent for good (15 of its 40 mappings),
 * and each fork, one per transfer, pays for every mapping the parent
 * has. The group list is read now: after chroot /etc/group is gone. */
static void resolve_user(struct tftpd_config *cfg)
{
	struct user_ids ids;
	int p[2], status = -1;
	bool ok;
	pid_t pid;

	signal(SIGCHLD, SIG_DFL);	/* inetd may have left it ignored */
	if (pipe(p) < 0 || (pid = fork()) < 0)
		fatal(EX_OSERR, "cannot look up user %s: %m", cfg->user);
	if (pid == 0) {
		struct passwd *pw;
		gid_t *groups;
		int n = 0;

		close(p[0]);
		errno = 0;
		pw = getpwnam(cfg->user);
		if (pw == NULL)
			fatal(EX_NOUSER, "no user %s: %m", cfg->user);
		getgrouplist(pw->pw_name, pw->pw_gid, NULL, &n);
		groups = calloc((size_t)n + 1, sizeof(gid_t));
		if (groups == NULL || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
			fatal(EX_OSERR, "cannot set groups for user %s", cfg->user);
		ids = (struct user_ids){ pw->pw_uid, pw->pw_gid, n };
		if (write_all(p[1], &ids, sizeof(ids)) < 0 ||
		    write_all(p[1], groups, (size_t)n * sizeof(gid_t)) < 0)
			_exit(EX_OSERR);
		_exit(0);
	}
	close(p[1]);
	ok = read_exact(p[0], &ids, sizeof(ids)) && ids.ngroups >= 0 && ids.ngroups <= NGROUPS_MAX &&
	     (cfg->groups = calloc((size_t)ids.ngroups + 1, sizeof(gid_t))) != NULL &&
	     read_exact(p[0], cfg->groups, (size_t)ids.ngroups * sizeof(gid_t));
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		exit(WEXITSTATUS(status));	/* the child said why */
	if (!ok || !WIFEXITED(status))
		fatal(EX_OSERR, "cannot look up user %s", cfg->user);
	cfg->uid = ids.uid;
	cfg->gid = ids.gid;
	cfg->ngroups = ids.ngroups;
}

static struct remap *load_remap(const char *path)
{
	char err[512];
	struct remap *m;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		logmsg(LOG_ERR, "Cannot open map file: %s: %m", path);
		return NULL;
	}
	m = remap_parse(f, path, err, sizeof(err));
	fclose(f);
	if (m == NULL)
		logmsg(LOG_ERR, "%s", err);
	return m;
}

static void open_directories(struct tftpd_config *cfg)
{
	size_t i, n = cfg->ndirs ? cfg->ndirs : 1;

	cfg->dirfds = calloc(n, sizeof(int));
	if (cfg->dirfds == NULL)
		fatal(EX_OSERR, "out of memory");
	cfg->policy.secure = cfg->secure;
	cfg->policy.ndirs = cfg->ndirs;
	cfg->policy.dirs = cfg->dirs;
	if (cfg->secure) {
		if (cfg->ndirs != 1)
			fatal(EX_USAGE, "-s needs exactly one directory");
		if (chdir(cfg->dirs[0]) < 0)
			fatal(EX_NOINPUT, "%s: %m", cfg->dirs[0]);
		cfg->dirfds[0] = -1;	/* opened in each child, after chroot */
		return;
	}
	for (i = 0; i < n; i++) {
		const char *dir = cfg->ndirs ? cfg->dirs[i] : "/";

		if (dir[0] != '/')
			fatal(EX_USAGE, "%s: directories must be absolute without -s", dir);
		cfg->dirfds[i] = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cfg->dirfds[i] < 0)
			fatal(EX_NOINPUT, "%s: %m", dir);
	}
}

static int is_dgram_socket(int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM;
}

static int bind_one(const struct addrinfo *ai)
{
	int on = 1, fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static size_t open_standalone(const struct tftpd_config *cfg, int *fds)
{
	char host[256], port[64];
	const char *err;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE }, *res, *ai;
	int families[2] = { AF_INET, AF_INET6 };
	size_t n = 0;

	if (addr_split_hostport(cfg->address ? cfg->address : "", host, sizeof(host),
				port, sizeof(port), &err) < 0)
		fatal(EX_USAGE, "Bad address %s: %s", cfg->address, err);
	if (port[0] == '\0')
		snprintf(port, sizeof(port), "%s", getservbyname("tftp", "udp") ? "tftp" : "69");
	for (int i = 0; i < 2; i++) {
		int rc;

		if ((families[i] == AF_INET && cfg->ipv6_only) ||
		    (families[i] == AF_INET6 && cfg->ipv4_only))
			continue;
		hints.ai_family = families[i];
		rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
		if (rc != 0) {
			if (host[0] == '\0' || cfg->ipv4_only || cfg->ipv6_only)
				logmsg(LOG_ERR, "cannot resolve %s port %s: %s", host, port,
				       gai_strerror(rc));
			continue;
		}
		for (ai = res; ai; ai = ai->ai_next) {
			int fd = bind_one(ai);

			if (fd >= 0) {
				fds[n++] = fd;
				break;
			}
			if (families[i] == AF_INET6 && host[0] == '\0' && !cfg->ipv6_only)
				logmsg(LOG_ERR, "cannot open IPv6 socket, disable IPv6: %m");
			else
				fatal(EX_OSERR, "cannot bind to %s port %s: %m",
				      host[0] ? host : "*", port);
		}
		freeaddrinfo(res);
	}
	if (n == 0)
		fatal(EX_OSERR, "no socket to listen on");
	return n;
}

/* systemd socket activation: LISTEN_FDS sockets from fd 3 on. */
static size_t open_activated(int *fds)
{
	const char *pid = getenv("LISTEN_PID"), *count = getenv("LISTEN_FDS");
	uintmax_t p, n;
	size_t i;

	if (!pid || !count || !parse_uint(pid, 1, INT32_MAX, &p) || (pid_t)p != getpid() ||
	    !parse_uint(count, 1, MAX_LISTEN_FDS, &n))
		return 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	for (i = 0; i < n; i++) {
		fds[i] = 3 + (int)i;
		if (!is_dgram_socket(fds[i]))
			fatal(EX_USAGE, "socket-activated fd %d is not a UDP socket", fds[i]);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	return (size_t)n;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN, .sa_flags = SA_NOCLDWAIT };

	sigflags_install();	/* HUP, TERM, INT as flags; PIPE ignored */
	/* Children are reaped by the kernel; nobody waits for them. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	/* Past RLIMIT_FSIZE a WRQ's write fails with EFBIG and the client
	 * is told ERROR 3, instead of the child dying of SIGXFSZ. */
	signal(SIGXFSZ, SIG_IGN);
}

/* SIGHUP: the map file again; a broken or missing one keeps the rules
 * in force (load_remap said why). */
static void reload(struct tftpd_config *cfg)
{
	struct remap *m;

	if (cfg->mapfile == NULL || (m = load_remap(cfg->mapfile)) == NULL)
		return;
	remap_free(cfg->remap);
	cfg->remap = m;
	logmsg(LOG_NOTICE, "reloaded %s", cfg->mapfile);
	servers_retire();	/* they have the old rules */
	servers_start();
}

/* Whether a child (a transfer) is still running. Children are reaped by
 * the kernel (SA_NOCLDWAIT), so waitid reports no exit ever; without
 * WNOHANG it would wait for the last one, with it, it says whether any
 * is left (0) or none (ECHILD). */
static bool children_running(void)
{
	siginfo_t si;

	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == 0;
}

static int serve(struct tftpd_config *cfg, int *fds, size_t nfds, bool idle_exit)
{
	static uint8_t buf[TFTP_MAX_REQUEST + 1];
	/* The listening sockets, then what servers_pollfds adds. */
	struct pollfd *pfd = calloc(MAX_LISTEN_FDS, sizeof(*pfd));
	struct sockaddr_storage bound[MAX_LISTEN_FDS];
	size_t i, room = MAX_LISTEN_FDS, nserv;

	struct timespec wait, tick = { 1, 0 };
	/* -t counts from the last request, whoever took it. */
	uint64_t last_request = servers_now_ns(), idle_ns = (uint64_t)cfg->idle_timeout * 1000000000u;
	bool draining = false;
	enum servers_listen how;
	sigset_t block;

	if (pfd == NULL)
		fatal(EX_OSERR, "out of memory");
	for (i = 0; i < nfds; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
		listen_prepare(fds[i], &bound[i]);
	}
	/* The signals are let in only while ppoll waits: one that comes
	 * between the flag checks and the wait is not lost until the next
	 * packet (a SIGTERM to an idle standalone server would be). */
	sigflags_set(&block);
	sigprocmask(SIG_BLOCK, &block, &unblocked_mask);
	servers_init(cfg, fds, bound, nfds, &unblocked_mask);
	servers_start();
	for (;;) {
		size_t want = nfds + servers_npoll();
		int rc, err;

		if (want > room) {
			struct pollfd *p = realloc(pfd, want * sizeof(*pfd));

			if (p != NULL) {
				pfd = p;
				room = want;
			}
		}
		nserv = servers_pollfds(pfd + nfds, room - nfds);
		/* A worker that takes requests itself reads them; we watch
		 * them at most (poll skips a negative descriptor). */
		how = servers_listening();
		for (i = 0; i < nfds; i++)
			pfd[i].fd = how == SERVERS_LISTEN_NONE ? -1 : fds[i];
		if (idle_exit && !draining) {
			uint64_t now = servers_now_ns(),
				 end = last_request + idle_ns + servers_news_delay_ns(),
				 left = end > now ? end - now : 0;

			wait = (struct timespec){ (time_t)(left / 1000000000u),
						  (long)(left % 1000000000u) };
		}
		rc = ppoll(pfd, nfds + nserv, idle_exit ? (draining ? &tick : &wait) : NULL,
			   &unblocked_mask);
		/* The reload below logs, which may change errno. */
		err = errno;
		/* Ends of transfers first: they free what the requests
		 * below may need. */
		if (rc > 0)
			servers_polled(pfd + nfds, nserv);
		if (servers_last_request() > last_request)
			last_request = servers_last_request();

		/* Returning ends the process, which closes the spare's
		 * connection: the spare ends too. */
		if (sigflag_stop)
			return 0;
		if (sigflag_reload) {
			sigflag_reload = 0;
			if (idle_exit)
				return 0;	/* inetd starts a fresh one */
			reload(cfg);
		}
		if (rc < 0 && err != EINTR) {
			errno = err;
			logmsg(LOG_ERR, "poll: %m");
			return EX_IOERR;
		}
		if (rc == 0) {
			/* Idle: back to inetd or systemd, but not before the
			 * transfers still running have ended, since systemd
			 * ends a service's processes with it. Meanwhile we
			 * still answer, and look again every second. */
			servers_retire();
			if (!children_running())
				return 0;
			draining = true;
			continue;
		}
		/* Only a request ends a drain: the end of a transfer we
		 * wait for does not. */
		for (i = 0; rc > 0 && i < nfds; i++)
			if (pfd[i].revents & POLLIN) {
				draining = false;
				last_request = servers_now_ns();
				if (how == SERVERS_LISTEN_WATCH) {
					servers_requests_waiting();
					rc = 0;		/* not ours to read */
				}
			}
		/* Draining, the last transfer's end (its process's
		 * connection closing) is when to go. */
		if (draining && !children_running())
			return 0;
		for (i = 0; rc > 0 && i < nfds; i++) {
			struct sockaddr_storage from, local;
			struct tftp_request req;
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			n = listen_receive(fds[i], &bound[i], buf, sizeof(buf) - 1, &from, &local);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				logmsg(LOG_ERR, "recvfrom: %m");
				return EX_IOERR;
			}
			if (from.ss_family != AF_INET && from.ss_family != AF_INET6) {
				logmsg(LOG_ERR, "received address was not AF_INET/AF_INET6, please check your inetd config");
				return EX_PROTOCOL;
			}
			if ((size_t)n > sizeof(buf) - 1)
				n = sizeof(buf) - 1;
			/* Parsed here, so a malformed request costs no
			 * worker anything. */
			if (listen_parse(fds[i], buf, (size_t)n, &from, &req))
				servers_dispatch(buf, (size_t)n, &req, &from, &local);
		}
	}
}

/* Reading the umask means setting it: put it back at once. */
static mode_t current_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

static void detach(const struct tftpd_config *cfg)
{
	if (cfg->foreground)
		return;
	/* -s: stay in the directory open_directories() entered. */
	if (!detach_daemon(cfg->secure, cfg->log_stderr))
		fatal(EX_OSERR, "daemon: %m");
}

int main(int argc, char **argv)
{
	struct tftpd_config cfg = {
		.user = "nobody",
		.idle_timeout = 900,
		.retransmit_us = TFTP_DEFAULT_TIMEOUT_US,
		.max_blksize = TFTP_MAX_BLKSIZE,
		.max_windowsize = TFTP_DEFAULT_MAX_WINDOWSIZE,
		.workers = -1,
		.memory_limit = DEFAULT_MEMORY_LIMIT,
		.max_per_client = DEFAULT_MAX_PER_CLIENT,
	};
	/* Under inetd, fds 0-2 are all the client socket: nothing may be
	 * written to stderr there, so log to syslog from the first line. */
	bool inetd_socket = is_dgram_socket(0);
	int fds[MAX_LISTEN_FDS];
	size_t nfds;
	int rc;

	log_open(argv[0], inetd_socket ? LOG_TO_SYSLOG : LOG_TO_BOTH, LOG_DAEMON);
	parse_args(&cfg, argc, argv);
	if (cfg.workers < 0) {
		cfg.workers = default_workers();
		cfg.workers_auto = cfg.workers > 1;
	}
	if (cfg.log_stderr)
		log_set_target(LOG_TO_STDERR);
	log_set_verbosity(cfg.verbosity);
	if (!cfg.umask_set)
		cfg.umask = cfg.permissive ? current_umask() : 0;
	resolve_user(&cfg);
	open_directories(&cfg);
	if (cfg.mapfile && (cfg.remap = load_remap(cfg.mapfile)) == NULL)
		exit(EX_CONFIG);
	install_signals();
	transfer_share_floor();
	tid_init();

	if (cfg.standalone) {
		nfds = open_standalone(&cfg, fds);
		detach(&cfg);
		if (!cfg.log_stderr)
			log_set_target(cfg.foreground ? LOG_TO_BOTH : LOG_TO_SYSLOG);
		/* lib/pidfile writes it 0644 whatever the umask or the mode
		 * of a file left from before: root's pid file is not for
		 * others to rewrite (a later kill by it would hit their
		 * process). */
		if (cfg.pidfile)
			pidfile_write(cfg.pidfile);
		rc = serve(&cfg, fds, nfds, false);
		if (cfg.pidfile)
			pidfile_remove(cfg.pidfile);
		return rc;
	}
	if (cfg.pidfile)
		logmsg(LOG_WARNING, "not in standalone mode, ignoring pid file");
	nfds = open_activated(fds);
	if (nfds == 0) {
		if (!inetd_socket)
			fatal(EX_USAGE, "standard input is not a UDP socket: run from inetd, "
			      "or standalone with -l");
		fds[0] = 0;
		nfds = 1;
		/* inetd made fds 1 and 2 the socket too: keep every write,
		 * log lines included, out of it. */
		stdio_to_devnull(1, false);
		log_set_target(LOG_TO_SYSLOG);
	}
	return serve(&cfg, fds, nfds, true);
}
