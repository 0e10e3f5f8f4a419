/* http-bench: N machines fetching their kernel and initrd over HTTP at
 * once, as iPXE does: one connection each, the files one after another
 * on it (keep-alive), plain GETs, every body byte compared with the
 * local copy as it arrives. One process, epoll, non-blocking sockets, so
 * the client costs far less than the server it measures (N curl
 * processes would cost more than nginx does on two cores).
 *
 *   http-bench -d LOCAL_DIR [-n clients] [-p port] [-T timeout_ms] HOST NAME...
 *
 * NAME is fetched as GET /NAME and compared with LOCAL_DIR/basename.
 * Prints the line tftp-bench -S prints (clients, ok, failed, bytes,
 * seconds, time_to_last_s, aggregate_MBps, first_reply_us_median and
 * _p99: from connect to the first byte of the first reply); exits 1 if
 * any client failed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 8
#define HEAD_MAX 4096

struct file {
	const char *name;
	const unsigned char *data;
	uint64_t size;
};

struct client {
	int sock;
	unsigned file;		/* which file is being fetched */
	bool in_body, done, failed;
	char head[HEAD_MAX];
	size_t headlen;
	uint64_t body_len, got, total;
	double start, first_rx, end, last_rx;
};

static struct file files[MAX_FILES];
static unsigned nfiles;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void fail(struct client *c, unsigned id, const char *why)
{
	if (!c->failed)
		fprintf(stderr, "client %u: %s (file %s, %ju bytes of it)\n", id, why,
			files[c->file < nfiles ? c->file : 0].name, (uintmax_t)c->got);
	c->failed = true;
	c->done = true;
	close(c->sock);
	c->sock = -1;
}

static int send_get(struct client *c, const char *host)
{
	char req[512];
	int n = snprintf(req, sizeof req, "GET /%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: http-bench\r\n%s\r\n",
			 files[c->file].name, host, c->file + 1 == nfiles ? "Connection: close\r\n" : "");

	c->in_body = false;
	c->headlen = 0;
	c->got = 0;
	return send(c->sock, req, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

/* Parses the head once it is complete; bytes after it are body. */
static int parse_head(struct client *c, size_t *body_off)
{
	char *end = memmem(c->head, c->headlen, "\r\n\r\n", 4), *cl;

	if (!end)
		return c->headlen == HEAD_MAX ? -1 : 0;
	*end = '\0';
	if (strncmp(c->head, "HTTP/1.1 200 ", 13) != 0 && strncmp(c->head, "HTTP/1.0 200 ", 13) != 0)
		return -1;
	cl = strcasestr(c->head, "\r\ncontent-length:");
	if (!cl)
		return -1;
	c->body_len = strtoull(cl + 17, NULL, 10);
	if (c->body_len != files[c->file].size)
		return -1;
	*body_off = (size_t)(end + 4 - c->head);
	c->in_body = true;
	return 1;
}

/* Body bytes: compared, counted; the next file or the end. */
static int take_body(struct client *c, const char *host, const unsigned char *p, size_t n)
{
	const struct file *f = &files[c->file];

	if (c->got + n > f->size || memcmp(f->data + c->got, p, n) != 0)
		return -1;
	c->got += n;
	c->total += n;
	if (c->got < f->size)
		return 0;
	if (++c->file == nfiles) {
		c->done = true;
		c->end = now();
		close(c->sock);
		c->sock = -1;
		return 0;
	}
	return send_get(c, host);
}

int main(int argc, char **argv)
{
	unsigned nclients = 1, port = 80, timeout_ms = 10000, ok = 0, nfirst = 0, active;
	const char *dir = NULL, *host;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	static unsigned char buf[1 << 16];
	struct epoll_event ev, evs[256];
	struct client *cl;
	double t0, t1, last = 0, *firsts;
	uint64_t want = 0, total = 0;
	int opt, ep;

	while ((opt = getopt(argc, argv, "d:n:p:T:")) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'n': nclients = (unsigned)atoi(optarg); break;
		case 'p': port = (unsigned)atoi(optarg); break;
		case 'T': timeout_ms = (unsigned)atoi(optarg); break;
		default: goto usage;
		}
	}
	if (!dir || argc - optind < 2 || argc - optind - 1 > MAX_FILES || nclients == 0) {
usage:
		fprintf(stderr, "usage: http-bench -d LOCAL_DIR [-n clients] [-p port] [-T ms] HOST NAME...\n");
		return 2;
	}
	host = argv[optind];
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		fprintf(stderr, "http-bench: %s is not an IPv4 address\n", host);
		return 2;
	}
	sin.sin_port = htons((uint16_t)port);
	for (int i = optind + 1; i < argc; i++) {
		const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
		char path[4096];
		struct stat st;
		int fd;

		snprintf(path, sizeof path, "%s/%s", dir, base);
		fd = open(path, O_RDONLY);
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
			fprintf(stderr, "http-bench: %s: cannot read it (or it is empty)\n", path);
			return 2;
		}
		files[nfiles].name = argv[i][0] == '/' ? argv[i] + 1 : argv[i];
		files[nfiles].size = (uint64_t)st.st_size;
		files[nfiles].data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (files[nfiles].data == MAP_FAILED) {
			perror("mmap");
			return 2;
		}
		want += files[nfiles++].size;
	}
	{
		struct rlimit rl = { nclients + 64, nclients + 64 };

		setrlimit(RLIMIT_NOFILE, &rl);
	}
	cl = calloc(nclients, sizeof *cl);
	firsts = calloc(nclients, sizeof *firsts);
	ep = epoll_create1(0);
	if (!cl || !firsts || ep < 0) {
		perror("http-bench");
		return 2;
	}
	/* All connect at once, as a rack powered on together. */
	t0 = now();
	for (unsigned i = 0; i < nclients; i++) {
		struct client *c = &cl[i];

		c->start = c->last_rx = t0;
		c->sock = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->sock < 0 || (connect(c->sock, (struct sockaddr *)&sin, sizeof sin) < 0 &&
				    errno != EINPROGRESS)) {
			fail(c, i, strerror(errno));
			continue;
		}
		ev.events = EPOLLOUT;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, c->sock, &ev);
	}
	active = nclients;
	while (active) {
		int n = epoll_wait(ep, evs, 256, 200);
		double t = now();

		for (int k = 0; k < n; k++) {
			unsigned id = evs[k].data.u32;
			struct client *c = &cl[id];
			ssize_t r;

			if (c->done)
				continue;
			if (evs[k].events & EPOLLOUT) {	/* connected (or refused) */
				int err = 0;
				socklen_t len = sizeof err;

				getsockopt(c->sock, SOL_SOCKET, SO_ERROR, &err, &len);
				ev.events = EPOLLIN;
				ev.data.u32 = id;
				if (err || epoll_ctl(ep, EPOLL_CTL_MOD, c->sock, &ev) < 0 ||
				    send_get(c, host) < 0)
					fail(c, id, err ? strerror(err) : "cannot send the request");
				continue;
			}
			while (!c->done && (r = recv(c->sock, buf, sizeof buf, 0)) > 0) {
				size_t off = 0;

				if (!c->first_rx) {
					c->first_rx = now();	/* not the batch's t: this one's */
					t = c->first_rx;
					firsts[nfirst++] = (t - c->start) * 1e6;
				}
				c->last_rx = t;
				if (!c->in_body) {
					size_t take = (size_t)r < HEAD_MAX - c->headlen ? (size_t)r
											 : HEAD_MAX - c->headlen;
					size_t before = c->headlen, body_off = 0;
					int h;

					memcpy(c->head + c->headlen, buf, take);
					c->headlen += take;
					h = parse_head(c, &body_off);
					if (h < 0) {
						fail(c, id, "not a 200 with the file's Content-Length");
						break;
					}
					if (h == 0)
						continue;
					off = body_off - before;
				}
				if (off < (size_t)r && take_body(c, host, buf + off, (size_t)r - off) < 0)
					fail(c, id, "the bytes received differ from the file");
			}
			if (!c->done && r == 0)
				fail(c, id, "the server closed the connection");
			else if (!c->done && r < 0 && errno != EAGAIN)
				fail(c, id, strerror(errno));
		}
		active = 0;
		for (unsigned i = 0; i < nclients; i++) {
			if (cl[i].done)
				continue;
			if ((t - cl[i].last_rx) * 1000 > timeout_ms)
				fail(&cl[i], i, "timed out");
			else
				active++;
		}
	}
	t1 = now();
	for (unsigned i = 0; i < nclients; i++) {
		if (!cl[i].failed && cl[i].total == want)
			ok++;
		total += cl[i].total;
		if (cl[i].end > last)
			last = cl[i].end;
	}
	qsort(firsts, nfirst, sizeof *firsts, cmp_double);
	printf("clients=%u ok=%u failed=%u bytes=%ju seconds=%.4f time_to_last_s=%.4f "
	       "aggregate_MBps=%.2f first_reply_us_median=%.0f first_reply_us_p99=%.0f files=%u\n",
	       nclients, ok, nclients - ok, (uintmax_t)total, t1 - t0, last ? last - t0 : 0.0,
	       (double)total / (t1 - t0) / 1e6, nfirst ? firsts[nfirst / 2] : 0.0,
	       nfirst ? firsts[nfirst * 99 / 100] : 0.0, nfiles);
	return ok == nclients ? 0 : 1;
}
