/* tftp-probe: a scriptable TFTP client for the integration tests. It
 * does what no packaged client does: arbitrary options, windowsize on
 * WRQ, raw packets, and a stranger intruding on a transfer.
 *
 *   tftp-probe [-b addr] [-p port] [-w ms] HOST get FILE OUT [name=value...]
 *   tftp-probe [-p port] [-w ms] HOST put FILE IN [name=value...]
 *   tftp-probe [-p port] [-w ms] HOST raw HEXBYTES
 *   tftp-probe [-p port] [-w ms] HOST stranger FILE OUT
 *
 * -b binds the client to addr first (another machine, on loopback).
 * -t prints the server's transfer port (its TID) when it is first seen.
 * Pseudo-options: mode=netascii picks the transfer mode, abort=1 answers
 * the OACK with an ERROR, dupack=1 sends every ACK twice and counts the
 * blocks the server sent again, stall=MS holds the transfer open for MS
 * milliseconds after the first block without acknowledging it, then
 * exits, pace=MS waits MS milliseconds before each ACK (a slow client),
 * lag=N:MS waits MS milliseconds before each ACK of block N and later
 * ones (a client that slows down once the server has measured it fast),
 * rerrq=1 sends the request twice, as firmware that retransmits it
 * does, stop=N ends a put once N blocks are acknowledged (an abandoned
 * upload; with stall=MS it stays silent that long first), flood=N sends
 * N junk datagrams with every ACK (repeats of ACK 0, unknown opcodes,
 * oversized ones), a client flooding its own transfer. "raw -" sends an empty datagram. It prints what
 * the server answered ("OACK name=value ...", "ERROR code message") and
 * exits 0 on a complete transfer, 2 on an ERROR, 3 on a timeout. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"

struct client {
	int sock;
	struct sockaddr_storage server;	/* port 69 until the TID is known */
	bool have_tid;
	int wait_ms;
	unsigned blksize, windowsize;
	uint16_t rollover;	/* block number after 65535 */
	bool abort_oack;	/* answer an OACK with ERROR 8, as edk2's tsize probe */
	bool dup_acks;		/* send every ACK twice: the server must not resend */
	unsigned flood;		/* flood=N: junk datagrams with every ACK */
	unsigned stall_ms;	/* stall=MS: hold still after the first block */
	unsigned pace_ms;	/* pace=MS: wait before each ACK */
	unsigned lag_from, lag_ms;	/* lag=N:MS */
	bool rerrq;		/* rerrq=1: the request goes out twice */
	unsigned stop_after;	/* stop=N: abandon a put after N blocks */
	bool show_tid;		/* print the server's transfer port */
	const char *mode;
	uint8_t buf[65536 + 4];
};

static int fail(const char *what)
{
	perror(what);
	exit(1);
}

/* -b: the client's own address (the tests stand for several machines
 * with several loopback addresses). */
static const char *bind_addr;

static void resolve(struct client *c, const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;

	if (getaddrinfo(host, port, &hints, &res) != 0) {
		fprintf(stderr, "cannot resolve %s\n", host);
		exit(1);
	}
	memcpy(&c->server, res->ai_addr, res->ai_addrlen);
	c->sock = socket(res->ai_family, SOCK_DGRAM, 0);
	freeaddrinfo(res);
	if (c->sock < 0)
		fail("socket");
	if (bind_addr != NULL) {
		struct addrinfo *b;

		if (getaddrinfo(bind_addr, NULL, &hints, &b) != 0) {
			fprintf(stderr, "cannot resolve %s\n", bind_addr);
			exit(1);
		}
		if (bind(c->sock, b->ai_addr, b->ai_addrlen) < 0)
			fail("bind");
		freeaddrinfo(b);
	}
}

static void send_pkt(struct client *c, const uint8_t *p, size_t n)
{
	if (sendto(c->sock, p, n, 0, (struct sockaddr *)&c->server,
		   addr_len((struct sockaddr *)&c->server)) < 0)
		fail("sendto");
}

/* Receives from the server (learning its TID on the first packet);
 * returns the length, or -1 on timeout. */
static ssize_t recv_pkt(struct client *c)
{
	for (;;) {
		struct pollfd pfd = { c->sock, POLLIN, 0 };
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (poll(&pfd, 1, c->wait_ms) <= 0)
			return -1;
		n = recvfrom(c->sock, c->buf, sizeof(c->buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			fail("recvfrom");
		if (!c->have_tid) {
			c->server = from;
			c->have_tid = true;
			if (c->show_tid)
				printf("tid %u\n", addr_port((struct sockaddr *)&from));
		} else if (!addr_equal((struct sockaddr *)&from, (struct sockaddr *)&c->server)) {
			continue;
		}
		return n;
	}
}

static size_t build_request(struct client *c, uint8_t *p, int opcode, const char *file,
			    char **opts, int nopts)
{
	size_t n = 2;
	int i;

	p[0] = 0;
	p[1] = (uint8_t)opcode;
	for (i = 0; i < nopts; i++) {
		if (strncmp(opts[i], "mode=", 5) == 0)
			c->mode = opts[i] + 5;
		if (strcmp(opts[i], "abort=1") == 0)
			c->abort_oack = true;
		if (strcmp(opts[i], "dupack=1") == 0)
			c->dup_acks = true;
		if (strncmp(opts[i], "flood=", 6) == 0)
			c->flood = (unsigned)atoi(opts[i] + 6);
		if (strncmp(opts[i], "stall=", 6) == 0)
			c->stall_ms = (unsigned)atoi(opts[i] + 6);
		if (strncmp(opts[i], "pace=", 5) == 0)
			c->pace_ms = (unsigned)atoi(opts[i] + 5);
		if (strncmp(opts[i], "lag=", 4) == 0 &&
		    sscanf(opts[i] + 4, "%u:%u", &c->lag_from, &c->lag_ms) != 2)
			c->lag_ms = 0;
		if (strcmp(opts[i], "rerrq=1") == 0)
			c->rerrq = true;
		if (strncmp(opts[i], "stop=", 5) == 0)
			c->stop_after = (unsigned)atoi(opts[i] + 5);
	}
	n += (size_t)sprintf((char *)p + n, "%s", file) + 1;
	n += (size_t)sprintf((char *)p + n, "%s", c->mode) + 1;
	for (i = 0; i < nopts; i++) {
		char *eq = strchr(opts[i], '=');

		if (eq == NULL || strncmp(opts[i], "mode=", 5) == 0 ||
		    strcmp(opts[i], "abort=1") == 0 || strcmp(opts[i], "dupack=1") == 0 ||
		    strncmp(opts[i], "stall=", 6) == 0 || strncmp(opts[i], "pace=", 5) == 0 ||
		    strcmp(opts[i], "rerrq=1") == 0 || strncmp(opts[i], "stop=", 5) == 0 ||
		    strncmp(opts[i], "lag=", 4) == 0)
			continue;
		n += (size_t)sprintf((char *)p + n, "%.*s", (int)(eq - opts[i]), opts[i]) + 1;
		n += (size_t)sprintf((char *)p + n, "%s", eq + 1) + 1;
	}
	return n;
}

static int print_reply(struct client *c, ssize_t n)
{
	unsigned op, arg;

	if (n < 0) {
		printf("timeout\n");
		return 3;
	}
	if (n < 4 && !(n >= 2 && c->buf[1] == 6)) {
		printf("runt %zd\n", n);
		return 1;
	}
	op = (unsigned)(c->buf[0] << 8 | c->buf[1]);
	arg = n >= 4 ? (unsigned)(c->buf[2] << 8 | c->buf[3]) : 0;
	if (op == 5) {
		printf("ERROR %u %.*s\n", arg, (int)(n - 4), (char *)c->buf + 4);
		return 2;
	}
	if (op == 6) {
		char *p = (char *)c->buf + 2, *end = (char *)c->buf + n;

		printf("OACK");
		while (p < end) {
			char *name = p, *val = p + strlen(p) + 1;

			if (val >= end)
				break;
			printf(" %s=%s", name, val);
			if (!strcasecmp(name, "blksize"))
				c->blksize = (unsigned)atoi(val);
			if (!strcasecmp(name, "windowsize"))
				c->windowsize = (unsigned)atoi(val);
			if (!strcasecmp(name, "rollover"))
				c->rollover = (uint16_t)atoi(val);
			p = val + strlen(val) + 1;
		}
		printf("\n");
		return 0;
	}
	printf("%s %u %zd\n", op == 3 ? "DATA" : op == 4 ? "ACK" : "OP", arg, n - 4);
	return 0;
}

static void send_ack(struct client *c, uint16_t block)
{
	uint8_t a[4] = { 0, 4, (uint8_t)(block >> 8), (uint8_t)block };

	if (c->pace_ms)
		usleep(c->pace_ms * 1000u);
	if (c->lag_ms && block >= c->lag_from)
		usleep(c->lag_ms * 1000u);
	send_pkt(c, a, 4);
	if (c->dup_acks)
		send_pkt(c, a, 4);
	for (unsigned i = 0; i < c->flood; i++) {
		static const uint8_t ack0[4] = { 0, 4, 0, 0 }, junk[6] = { 0, 9, 1, 2, 3, 4 };
		static uint8_t big[2000] = { 0, 3 };

		if (i % 3 == 0)
			send_pkt(c, ack0, sizeof(ack0));
		else if (i % 3 == 1)
			send_pkt(c, junk, sizeof(junk));
		else
			send_pkt(c, big, sizeof(big));
	}
}

static int do_get(struct client *c, const char *file, const char *out, char **opts, int nopts,
		  bool stranger)
{
	uint8_t req[1024];
	size_t rl = build_request(c, req, 1, file, opts, nopts);
	FILE *f = fopen(out, "wb");
	uint16_t expected = 1;
	unsigned inwin = 0, timeouts = 0, repeats = 0;
	uint64_t total = 0;
	bool first = true;

	if (f == NULL)
		fail(out);
	send_pkt(c, req, rl);
	if (c->rerrq) {
		usleep(20000);
		send_pkt(c, req, rl);
	}
	for (;;) {
		ssize_t n = recv_pkt(c);
		unsigned op, blk;

		if (n < 0) {
			if (++timeouts > 8) {
				printf("timeout after %ju bytes\n", (uintmax_t)total);
				return 3;
			}
			if (first)
				send_pkt(c, req, rl);
			else
				send_ack(c, (uint16_t)(expected - 1));
			continue;
		}
		timeouts = 0;
		op = (unsigned)(c->buf[0] << 8 | c->buf[1]);
		if (op == 5 || op == 6) {
			int rc = print_reply(c, n);

			if (op == 5)
				return rc;
			first = false;
			if (c->abort_oack) {
				static const uint8_t e[] = "\0\5\0\10tsize probe done";

				send_pkt(c, e, sizeof(e));
				return 0;
			}
			send_ack(c, 0);
			continue;
		}
		if (op != 3 || n < 4)
			continue;
		first = false;
		if (c->stall_ms) {
			usleep(c->stall_ms * 1000u);
			printf("stalled after the first block\n");
			return 0;
		}
		blk = (unsigned)(c->buf[2] << 8 | c->buf[3]);
		if (blk == (uint16_t)(expected - 1))
			repeats++;
		if (blk != expected) {
			/* RFC 7440: a gap or an old block, acknowledge what we have. */
			send_ack(c, (uint16_t)(expected - 1));
			inwin = 0;
			continue;
		}
		if (stranger && blk == 1) {
			/* Another socket pokes the TID: it must get ERROR 5 while
			 * our transfer goes on. */
			static struct client s;

			s = *c;

			s.sock = socket(c->server.ss_family, SOCK_DGRAM, 0);
			send_ack(&s, 1);
			printf("stranger got: ");
			print_reply(&s, recv_pkt(&s));
			close(s.sock);
			stranger = false;
		}
		fwrite(c->buf + 4, 1, (size_t)(n - 4), f);
		total += (uint64_t)(n - 4);
		if (++expected == 0)
			expected = c->rollover;
		if ((size_t)(n - 4) < c->blksize) {
			send_ack(c, blk);
			fclose(f);
			if (c->dup_acks)
				printf("repeated blocks %u\n", repeats);
			printf("received %ju bytes\n", (uintmax_t)total);
			return 0;
		}
		if (++inwin >= c->windowsize) {
			send_ack(c, blk);
			inwin = 0;
		}
	}
}

/* Sends window after window from the last acknowledged block; a
 * timeout resends the window (RFC 7440 section 4). */
static int do_put(struct client *c, const char *file, const char *in, char **opts, int nopts)
{
	static uint8_t data[65536 + 4];	/* static: no leak report under ASan */
	uint8_t req[1024];
	size_t rl = build_request(c, req, 2, file, opts, nopts);
	FILE *f = fopen(in, "rb");
	uint64_t base = 0, final = 0;
	unsigned timeouts = 0;
	ssize_t n;

	if (f == NULL)
		fail(in);
	send_pkt(c, req, rl);
	while ((n = recv_pkt(c)) < 0) {
		if (++timeouts > 8)
			return print_reply(c, -1);
		send_pkt(c, req, rl);
	}
	if (c->buf[1] == 5 || (c->buf[1] == 4 && (c->buf[2] | c->buf[3]) != 0))
		return print_reply(c, n);
	if (c->buf[1] == 6)
		print_reply(c, n);
	for (timeouts = 0;;) {
		unsigned i, sent = 0;

		fseek(f, (long)(base * c->blksize), SEEK_SET);
		for (i = 0; i < c->windowsize; i++) {
			size_t len = fread(data + 4, 1, c->blksize, f);
			uint16_t blk = (uint16_t)(base + 1 + i);

			data[0] = 0;
			data[1] = 3;
			data[2] = (uint8_t)(blk >> 8);
			data[3] = (uint8_t)blk;
			send_pkt(c, data, len + 4);
			sent++;
			if (len < c->blksize) {
				final = base + 1 + i;
				break;
			}
		}
		for (;;) {
			unsigned delta;

			n = recv_pkt(c);
			if (n < 0) {
				if (++timeouts > 8)
					return print_reply(c, -1);
				break;
			}
			if (c->buf[1] == 5)
				return print_reply(c, n);
			if (c->buf[1] != 4 || n < 4)
				continue;
			delta = (uint16_t)((c->buf[2] << 8 | c->buf[3]) - (uint16_t)base);
			if (delta == 0 || delta > sent)
				continue;	/* duplicate or stray ACK */
			timeouts = 0;
			base += delta;
			if (c->stop_after && base >= c->stop_after && !(final && base == final)) {
				printf("stopped after %ju blocks\n", (uintmax_t)base);
				/* With stall=MS, silent but still there (no ICMP
				 * to tell the server it is gone). */
				usleep(c->stall_ms * 1000u);
				return 0;
			}
			if (final && base == final) {
				printf("sent %ju bytes\n", (uintmax_t)ftell(f));
				return 0;
			}
			final = 0;
			break;
		}
	}
}

int main(int argc, char **argv)
{
	static struct client c = { .wait_ms = 2000, .blksize = 512, .windowsize = 1,
				   .mode = "octet" };
	const char *port = "69";
	int opt;

	/* Scripts read the output while a transfer runs (-t, stall=). */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "b:p:w:t")) != -1) {
		if (opt == 'b')
			bind_addr = optarg;
		else if (opt == 't')
			c.show_tid = true;
		else if (opt == 'p')
			port = optarg;
		else if (opt == 'w')
			c.wait_ms = atoi(optarg);
		else
			return 1;
	}
	if (argc - optind < 3) {
		fprintf(stderr, "usage: tftp-probe [-b addr] [-p port] [-w ms] HOST get|put|raw|stranger ...\n");
		return 1;
	}
	resolve(&c, argv[optind], port);
	if (!strcmp(argv[optind + 1], "raw")) {
		const char *hex = argv[optind + 2];
		uint8_t pkt[2048];
		size_t n = 0;

		for (; strcmp(hex, "-") != 0 && hex[0] && hex[1] && n < sizeof(pkt); hex += 2)
			sscanf(hex, "%2hhx", &pkt[n++]);
		send_pkt(&c, pkt, n);
		return print_reply(&c, recv_pkt(&c));
	}
	if (argc - optind < 4)
		return 1;
	if (!strcmp(argv[optind + 1], "get"))
		return do_get(&c, argv[optind + 2], argv[optind + 3], argv + optind + 4,
			      argc - optind - 4, false);
	if (!strcmp(argv[optind + 1], "stranger"))
		return do_get(&c, argv[optind + 2], argv[optind + 3], NULL, 0, true);
	if (!strcmp(argv[optind + 1], "put"))
		return do_put(&c, argv[optind + 2], argv[optind + 3], argv + optind + 4,
			      argc - optind - 4);
	return 1;
}
