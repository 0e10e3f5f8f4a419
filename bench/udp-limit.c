/* udp-limit: what loopback UDP itself allows, the reference every TFTP
 * figure is compared with. Two processes on 127.0.0.1:
 *   lockstep: the sender sends one datagram of SIZE bytes and waits for a
 *             4-byte reply, COUNT times (a windowsize-1 transfer's limit);
 *   window:   the sender sends W datagrams with one sendmmsg and waits for
 *             one reply (RFC 7440's limit at windowsize W); the receiver
 *             takes them with recvmmsg, as the benchmark's client does.
 * Prints MB/s of payload (SIZE - 4, a TFTP block's data).
 *
 *   udp-limit lockstep SIZE COUNT
 *   udp-limit window SIZE COUNT W */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bound_socket(struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), size = 8 << 20;
	socklen_t len = sizeof(*a);

	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
	if (fd < 0 || bind(fd, (struct sockaddr *)a, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) < 0) {
		perror("socket");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa, ra;
	int s, r, w = 1, window;
	long size, count, i;
	static char buf[65536];
	struct mmsghdr *msgs;
	struct iovec iov;
	pid_t pid;
	double t0, t1;

	if (argc < 4) {
		fprintf(stderr, "usage: udp-limit lockstep|window SIZE COUNT [W]\n");
		return 2;
	}
	window = strcmp(argv[1], "window") == 0;
	size = atol(argv[2]);
	count = atol(argv[3]);
	if (window)
		w = argc > 4 ? atoi(argv[4]) : 16;
	s = bound_socket(&sa);
	r = bound_socket(&ra);
	if (connect(s, (struct sockaddr *)&ra, sizeof(ra)) < 0 ||
	    connect(r, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 1;
	msgs = calloc((size_t)w, sizeof(*msgs));
	iov.iov_base = buf;
	iov.iov_len = (size_t)size;
	for (i = 0; i < w; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	pid = fork();
	if (pid == 0) {
		/* The receiver (its own copy of buf and msgs): one 4-byte
		 * reply per W datagrams. */
		for (i = 0; i < count; i++) {
			int k, got;

			for (k = 0; k < w; k += got)
				if ((got = recvmmsg(r, msgs, (unsigned)(w - k), MSG_WAITFORONE, NULL)) <= 0)
					_exit(1);
			if (send(r, buf, 4, 0) < 0)
				_exit(1);
		}
		_exit(0);
	}
	t0 = now();
	for (i = 0; i < count; i++) {
		if (sendmmsg(s, msgs, (unsigned)w, 0) != w || recv(s, buf, sizeof(buf), 0) != 4) {
			perror("exchange");
			kill(pid, SIGTERM);
			return 1;
		}
	}
	t1 = now();
	waitpid(pid, NULL, 0);
	printf("mode=%s size=%ld window=%d MBps=%.2f\n", argv[1], size, w,
	       (double)(size - 4) * (double)w * (double)count / (t1 - t0) / 1e6);
	return 0;
}
