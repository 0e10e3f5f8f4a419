/* tftp-bench: N simultaneous TFTP reads of one file, with blksize, tsize
 * and windowsize negotiated, every byte compared with the local copy as
 * it arrives. One process, epoll (or a plain blocking wait for a single
 * transfer), recvmmsg, connected sockets once the server's TID is known:
 * the client must cost far less than the servers it measures, or it is
 * the client that gets measured.
 *
 *   tftp-bench [-p port] [-n clients] [-r rounds] [-b blksize]
 *              [-w windowsize] [-T timeout_ms] [-C] -f LOCAL_COPY HOST REMOTE_NAME
 *
 * -C checks only the sizes, not the bytes: it measures what the compare
 * costs the client (bench/README.md), and bench/run-tftp never uses it.
 * -r runs the N transfers that many times, one round after another (the
 * cost of starting transfers, without a process start in between).
 *
 * Boot-storm mode: every client fetches the files one after another, as
 * a booting machine fetches its loader, menu, kernel and initrd, with a
 * firmware profile taken in turn from the -M list (blksize:windowsize,
 * default 512:1,1468:1,1468:4: shim/pxelinux, GRUB/iPXE, edk2):
 *
 *   tftp-bench -S -d LOCAL_DIR [-M mix] [-n clients] [-T ms] [-s ADDR] HOST NAME...
 *
 * -s ADDR: client i sends from the IPv4 address ADDR + i (each machine of
 * the rack its own address; in.tftpd caps transfers per address).
 *
 * It adds time_to_last_s (the last client's last byte) to the line.
 *
 * Prints one line of key=value figures; exits 1 if any transfer failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_TIMEOUTS 10

struct client {
	int sock;
	struct sockaddr_storage server;
	socklen_t server_len;
	bool have_tid, done, failed, started_data, mismatch;
	unsigned blksize, windowsize, inwin, timeouts;
	uint16_t expected;		/* next block number on the wire */
	bool gap_acked;
	uint64_t bytes;
	double start, end, last_rx, first_rx;
	/* boot storm: which file, with which firmware profile */
	unsigned file, req_blksize, req_window;
	uint64_t total_bytes;
	double storm_start;
	uint8_t req[512];		/* this client's request, for resends */
	size_t req_len;
};

#define MAX_FILES 16
static unsigned nfiles = 1;
static const char *remotes[MAX_FILES];
static const uint8_t *maps[MAX_FILES];
static uint64_t sizes[MAX_FILES];
static bool storm;
/* first-reply times of every request, in µs */
static double *first_replies;
static size_t nfirst;

static unsigned opt_blksize = 512, opt_window = 1, opt_timeout_ms = 1000;
/* -s: client i sends from this IPv4 address plus i (a rack of machines,
 * each with its own address, as servers that count per address see). */
static uint32_t source_base;
static bool opt_sizes_only;
static uint8_t request[512];
static size_t request_len;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void build_request(const char *remote, unsigned blksize, unsigned window);

static void send_to(struct client *c, const void *p, size_t n)
{
	if (c->have_tid)
		send(c->sock, p, n, 0);
	else
		sendto(c->sock, p, n, 0, (struct sockaddr *)&c->server, c->server_len);
}

static void send_ack(struct client *c, uint16_t block)
{
	uint8_t a[4] = { 0, 4, (uint8_t)(block >> 8), (uint8_t)block };

	send_to(c, a, 4);
}

static void parse_oack(struct client *c, const uint8_t *p, size_t n)
{
	const char *s = (const char *)p + 2, *end = (const char *)p + n;

	while (s < end) {
		const char *name = s, *val = memchr(s, 0, (size_t)(end - s));

		if (!val || ++val >= end)
			break;
		if (!strcasecmp(name, "blksize"))
			c->blksize = (unsigned)atoi(val);
		else if (!strcasecmp(name, "windowsize"))
			c->windowsize = (unsigned)atoi(val);
		s = val + strlen(val) + 1;
	}
}

static void finish(struct client *c, bool ok)
{
	c->done = true;
	c->failed = !ok;
	c->end = now();
}

static void on_packet(struct client *c, size_t idx, const uint8_t *p, size_t n)
{
	unsigned op;
	uint16_t blk;

	if (n < 4 && !(n >= 2 && p[1] == 6))
		return;
	op = (unsigned)(p[0] << 8 | p[1]);
	c->timeouts = 0;
	c->last_rx = now();
	if (c->first_rx == 0)
		c->first_rx = c->last_rx;
	if (op == 5) {
		fprintf(stderr, "client %zu: ERROR %u %.*s\n", idx, p[3], (int)(n - 4), p + 4);
		finish(c, false);
		return;
	}
	if (op == 6) {
		if (!c->started_data) {
			parse_oack(c, p, n);
			send_ack(c, 0);
		}
		return;
	}
	if (op != 3)
		return;
	c->started_data = true;
	blk = (uint16_t)(p[2] << 8 | p[3]);
	if (blk != c->expected) {
		/* A gap or a repeat: say once where we are (RFC 7440). */
		if (!c->gap_acked) {
			send_ack(c, (uint16_t)(c->expected - 1));
			c->gap_acked = true;
			c->inwin = 0;
		}
		return;
	}
	c->gap_acked = false;
	if (c->bytes + (n - 4) > sizes[c->file] ||
	    (!opt_sizes_only && memcmp(maps[c->file] + c->bytes, p + 4, n - 4) != 0))
		c->mismatch = true;
	c->bytes += n - 4;
	c->expected++;
	if (n - 4 < c->blksize) {
		send_ack(c, blk);
		finish(c, true);
		return;
	}
	if (++c->inwin >= c->windowsize) {
		send_ack(c, blk);
		c->inwin = 0;
	}
}

/* ep < 0: the only client, waiting in recvmmsg itself for at most 10 ms. */
static int start_client(struct client *c, const struct addrinfo *ai, int ep, size_t idx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = idx };
	struct timeval tick = { 0, 10000 };
	int size = 4 << 20;

	if (storm) {
		build_request(remotes[c->file], c->req_blksize, c->req_window);
		c->have_tid = c->started_data = c->gap_acked = false;
		c->inwin = c->timeouts = 0;
		c->bytes = 0;
		c->first_rx = 0;
	}
	c->sock = socket(ai->ai_family, SOCK_DGRAM | (ep >= 0 ? SOCK_NONBLOCK : 0), 0);
	if (c->sock < 0)
		return -1;
	if (source_base != 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr.s_addr = htonl(source_base + (uint32_t)idx) };

		if (bind(c->sock, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			perror("bind");
			close(c->sock);
			return -1;
		}
	}
	setsockopt(c->sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(c->sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	setsockopt(c->sock, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick));
	memcpy(&c->server, ai->ai_addr, ai->ai_addrlen);
	c->server_len = ai->ai_addrlen;
	c->blksize = 512;
	c->windowsize = 1;
	c->expected = 1;
	c->start = c->last_rx = now();
	if (ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, c->sock, &ev) < 0)
		return -1;
	memcpy(c->req, request, request_len);
	c->req_len = request_len;
	send_to(c, c->req, c->req_len);
	return 0;
}

static void build_request(const char *remote, unsigned blksize, unsigned window)
{
	size_t n = 2;

	request[1] = 1;
	n += (size_t)sprintf((char *)request + n, "%s", remote) + 1;
	n += (size_t)sprintf((char *)request + n, "octet") + 1;
	n += (size_t)sprintf((char *)request + n, "tsize") + 1;
	n += (size_t)sprintf((char *)request + n, "0") + 1;
	n += (size_t)sprintf((char *)request + n, "blksize") + 1;
	n += (size_t)sprintf((char *)request + n, "%u", blksize) + 1;
	if (window > 1) {
		n += (size_t)sprintf((char *)request + n, "windowsize") + 1;
		n += (size_t)sprintf((char *)request + n, "%u", window) + 1;
	}
	request_len = n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct mmsghdr msgs[BATCH];
static struct iovec iov[BATCH];
static uint8_t bufs[BATCH][65536 + 4];
static struct sockaddr_storage from[BATCH];

/* Runs the transfers cl[0..nclients) to their end; ep < 0 for one. */
static int run(struct client *cl, unsigned nclients, const struct addrinfo *ai, int ep)
{
	unsigned left, i;
	double last_scan = now();

	for (i = 0; i < nclients; i++)
		if (start_client(&cl[i], ai, ep, i) < 0) {
			perror("socket");
			return -1;
		}
	left = nclients;
	while (left > 0) {
		struct epoll_event evs[256] = { { .events = EPOLLIN, .data.u64 = 0 } };
		int n = ep >= 0 ? epoll_wait(ep, evs, 256, 10) : 1, k;
		double t = now();

		for (k = 0; k < n; k++) {
			struct client *c = &cl[evs[k].data.u64];
			int m, j;

			if (c->done)
				continue;
			for (j = 0; j < BATCH; j++)
				msgs[j].msg_hdr.msg_namelen = sizeof(from[j]);
			m = recvmmsg(c->sock, msgs, BATCH, ep >= 0 ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
			if (m <= 0 && ep < 0)
				n = 0;		/* the single client's 10 ms tick */
			for (j = 0; j < m && !c->done; j++) {
				/* Before the server's TID is known only an OACK,
				 * DATA 1 or an ERROR can start the transfer: a
				 * reused local port may still get DATA that an
				 * abandoned transfer keeps sending to it. */
				if (!c->have_tid && msgs[j].msg_len >= 4 &&
				    !(bufs[j][1] == 6 || bufs[j][1] == 5 ||
				      (bufs[j][1] == 3 && bufs[j][2] == 0 && bufs[j][3] == 1)))
					continue;
				if (!c->have_tid) {
					memcpy(&c->server, &from[j], msgs[j].msg_hdr.msg_namelen);
					c->server_len = msgs[j].msg_hdr.msg_namelen;
					c->have_tid = connect(c->sock, (struct sockaddr *)&c->server,
							      c->server_len) == 0;
				}
				on_packet(c, evs[k].data.u64, bufs[j], msgs[j].msg_len);
			}
			if (c->done) {
				close(c->sock);
				if (storm && c->first_rx > 0)
					first_replies[nfirst++] = (c->first_rx - c->start) * 1e6;
				if (storm && !c->failed) {
					c->total_bytes += c->bytes;
					if (c->bytes != sizes[c->file] || c->mismatch) {
						fprintf(stderr, "client %ju: %s: %ju bytes of %ju%s\n",
							(uintmax_t)evs[k].data.u64, remotes[c->file],
							(uintmax_t)c->bytes, (uintmax_t)sizes[c->file],
							c->mismatch ? ", the bytes differ" : "");
						c->failed = true;
					} else if (c->file + 1 < nfiles) {
						c->file++;
						c->done = false;
						if (start_client(c, ai, ep, evs[k].data.u64) < 0) {
							perror("socket");
							return -1;
						}
						continue;
					}
				}
				left--;
			}
		}
		/* Timeouts: resend what the server last needed from us. Looked
		 * at every 10 ms, not only when all are idle: with hundreds of
		 * busy clients epoll is never idle, and a lost request would
		 * wait for the end of the run. */
		if (n != 0 && t - last_scan < 0.01)
			continue;
		last_scan = t;
		for (i = 0; i < nclients; i++) {
			struct client *c = &cl[i];

			if (c->done || t - c->last_rx < opt_timeout_ms / 1000.0)
				continue;
			c->last_rx = t;
			if (++c->timeouts > MAX_TIMEOUTS) {
				fprintf(stderr, "client %u: timed out after %ju bytes\n", i, (uintmax_t)c->bytes);
				finish(c, false);
				left--;
				close(c->sock);
				continue;
			}
			if (!c->started_data && !c->have_tid)
				send_to(c, c->req, c->req_len);
			else
				send_ack(c, (uint16_t)(c->expected - 1));
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *port = "69", *local = NULL;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	struct rlimit rl = { 4096, 4096 };
	struct client *cl;
	unsigned nclients = 1, rounds = 1, r, i, ok = 0;
	uint64_t total = 0;
	double t0, t1, *rates, *firsts;
	int opt, ep = -1, fd;
	struct stat st;

	const char *dir = NULL, *mix = "512:1,1468:1,1468:4";
	unsigned prof_b[16], prof_w[16], nprof = 0;

	while ((opt = getopt(argc, argv, "p:n:r:b:w:T:Cf:Sd:M:s:")) != -1) {
		switch (opt) {
		case 'p': port = optarg; break;
		case 'n': nclients = (unsigned)atoi(optarg); break;
		case 'r': rounds = (unsigned)atoi(optarg); break;
		case 'b': opt_blksize = (unsigned)atoi(optarg); break;
		case 'w': opt_window = (unsigned)atoi(optarg); break;
		case 'T': opt_timeout_ms = (unsigned)atoi(optarg); break;
		case 'C': opt_sizes_only = true; break;
		case 'f': local = optarg; break;
		case 'S': storm = true; break;
		case 'd': dir = optarg; break;
		case 'M': mix = optarg; break;
		case 's': {
			struct in_addr a;

			if (inet_pton(AF_INET, optarg, &a) != 1) {
				fprintf(stderr, "tftp-bench: -s wants an IPv4 address\n");
				return 2;
			}
			source_base = ntohl(a.s_addr);
			break;
		}
		default: return 2;
		}
	}
	if (storm) {
		const char *p = mix;

		while (nprof < 16 && sscanf(p, "%u:%u", &prof_b[nprof], &prof_w[nprof]) == 2) {
			nprof++;
			if ((p = strchr(p, ',')) == NULL)
				break;
			p++;
		}
		nfiles = (unsigned)(argc - optind - 1);
		rounds = 1;
	}
	if ((!storm && (argc - optind != 2 || !local)) || (storm && (!dir || nprof == 0 ||
	    argc - optind < 2 || nfiles > MAX_FILES)) || nclients == 0 || rounds == 0) {
		fprintf(stderr, "usage: tftp-bench [-p port] [-n clients] [-r rounds] [-b blksize] [-w windowsize] [-T timeout_ms] [-C] -f LOCAL HOST FILE\n"
			"       tftp-bench -S -d LOCAL_DIR [-M b:w,b:w...] [-n clients] [-T timeout_ms] [-s ADDR] HOST FILE...\n");
		return 2;
	}
	setrlimit(RLIMIT_NOFILE, &rl);
	for (i = 0; i < nfiles; i++) {
		char path[4096];

		remotes[i] = argv[optind + 1 + i];
		if (storm)
			snprintf(path, sizeof(path), "%s/%s", dir, remotes[i]);
		else
			snprintf(path, sizeof(path), "%s", local);
		fd = open(path, O_RDONLY);
		if (fd < 0 || fstat(fd, &st) < 0) {
			perror(path);
			return 2;
		}
		sizes[i] = (uint64_t)st.st_size;
		if (sizes[i]) {
			void *m = mmap(NULL, sizes[i], PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);

			if (m == MAP_FAILED) {
				perror("mmap");
				return 2;
			}
			maps[i] = m;
		}
		close(fd);
	}
	if (getaddrinfo(argv[optind], port, &hints, &ai) != 0) {
		fprintf(stderr, "cannot resolve %s\n", argv[optind]);
		return 2;
	}
	build_request(remotes[0], opt_blksize, opt_window);
	cl = calloc((size_t)nclients * rounds, sizeof(*cl));
	first_replies = calloc((size_t)nclients * nfiles, sizeof(*first_replies));
	for (i = 0; storm && i < nclients; i++) {
		cl[i].req_blksize = prof_b[i % nprof];
		cl[i].req_window = prof_w[i % nprof];
	}
	rates = calloc((size_t)nclients * rounds, sizeof(*rates));
	firsts = calloc((size_t)nclients * rounds, sizeof(*firsts));
	if (nclients > 1)
		ep = epoll_create1(0);
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
	}
	t0 = now();
	for (r = 0; r < rounds; r++)
		if (run(cl + (size_t)r * nclients, nclients, ai, ep) < 0)
			return 2;
	t1 = now();
	if (storm) {
		uint64_t want = 0;
		double last = 0;

		for (i = 0; i < nfiles; i++)
			want += sizes[i];
		for (i = 0; i < nclients; i++) {
			if (!cl[i].failed && cl[i].total_bytes == want)
				ok++;
			total += cl[i].total_bytes;
			if (cl[i].end > last)
				last = cl[i].end;
		}
		qsort(first_replies, nfirst, sizeof(*first_replies), cmp_double);
		printf("clients=%u ok=%u failed=%u bytes=%ju seconds=%.4f time_to_last_s=%.4f "
		       "aggregate_MBps=%.2f first_reply_us_median=%.0f first_reply_us_p99=%.0f "
		       "files=%u\n",
		       nclients, ok, nclients - ok, (uintmax_t)total, t1 - t0, last - t0,
		       (double)total / (t1 - t0) / 1e6, nfirst ? first_replies[nfirst / 2] : 0.0,
		       nfirst ? first_replies[nfirst * 99 / 100] : 0.0, nfiles);
		return ok == nclients ? 0 : 1;
	}
	nclients *= rounds;
	for (i = 0; i < nclients; i++) {
		struct client *c = &cl[i];

		if (!c->failed && c->bytes == sizes[0] && !c->mismatch) {
			firsts[ok] = (c->first_rx - c->start) * 1e6;
			rates[ok++] = (double)c->bytes / (c->end - c->start) / 1e6;
			total += c->bytes;
		} else if (!c->failed) {
			fprintf(stderr, "client %u: %ju bytes of %ju, the bytes received %s\n", i,
				(uintmax_t)c->bytes, (uintmax_t)sizes[0],
				c->mismatch ? "differ" : "are all equal");
		}
	}
	qsort(rates, ok, sizeof(*rates), cmp_double);
	qsort(firsts, ok, sizeof(*firsts), cmp_double);
	printf("clients=%u ok=%u failed=%u bytes=%ju seconds=%.4f aggregate_MBps=%.2f "
	       "transfer_MBps_median=%.2f transfer_MBps_min=%.2f transfer_MBps_max=%.2f "
	       "first_reply_us_median=%.0f blksize=%u windowsize=%u\n",
	       nclients, ok, nclients - ok, (uintmax_t)total, t1 - t0,
	       (double)total / (t1 - t0) / 1e6, ok ? rates[ok / 2] : 0.0, ok ? rates[0] : 0.0,
	       ok ? rates[ok - 1] : 0.0, ok ? firsts[ok / 2] : 0.0, cl[0].blksize, cl[0].windowsize);
	return ok == nclients ? 0 : 1;
}
