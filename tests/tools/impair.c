/* impair: a lossy, reordering, duplicating Ethernet link between two tap
 * devices, for tests on kernels without sch_netem. Only UDP frames are
 * impaired, so ARP and neighbour discovery stay reliable.
 *
 *   impair [-l loss%] [-d dup%] [-r reorder%] [-s seed] [-t seconds] TAP_A TAP_B
 *
 * It creates both taps in the current network namespace; the caller moves
 * them where they belong (the descriptors follow). It ends on SIGTERM or
 * after -t seconds (default 600) and prints its counters on stderr. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 65536
#define HOLD_MS 5	/* a held (reordered) frame goes out after this at most */

struct port {
	int fd;
	uint8_t held[FRAME_MAX];
	ssize_t held_len;	/* frame waiting to be sent after the next one */
	struct timespec held_at;
};

static volatile sig_atomic_t stop;
static uint64_t rng;
static unsigned long n_fwd, n_drop, n_dup, n_reorder;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned rand_pct(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % 10000);	/* hundredths of a percent */
}

static int open_tap(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int is_udp(const uint8_t *f, ssize_t len)
{
	if (len < 14 + 40)
		return 0;
	if (f[12] == 0x08 && f[13] == 0x00)
		return f[14 + 9] == 17;
	if (f[12] == 0x86 && f[13] == 0xdd)
		return f[14 + 6] == 17;
	return 0;
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void out(int fd, const uint8_t *f, ssize_t len)
{
	if (write(fd, f, (size_t)len) == len)
		n_fwd++;
}

static void flush_held(struct port *to)
{
	if (to->held_len > 0) {
		out(to->fd, to->held, to->held_len);
		to->held_len = 0;
	}
}

static void forward(struct port *to, const uint8_t *f, ssize_t len,
		    unsigned loss, unsigned dup, unsigned reorder)
{
	if (!is_udp(f, len)) {
		out(to->fd, f, len);
		return;
	}
	if (rand_pct() < loss) {
		n_drop++;
		return;
	}
	if (to->held_len == 0 && rand_pct() < reorder) {
		memcpy(to->held, f, (size_t)len);
		to->held_len = len;
		clock_gettime(CLOCK_MONOTONIC, &to->held_at);
		n_reorder++;
		return;
	}
	out(to->fd, f, len);
	if (rand_pct() < dup) {
		out(to->fd, f, len);
		n_dup++;
	}
	flush_held(to);
}

int main(int argc, char **argv)
{
	static struct port ports[2];
	static uint8_t frame[FRAME_MAX];
	unsigned loss = 0, dup = 0, reorder = 0, seconds = 600;
	struct timespec start;
	int opt, i;

	rng = 0x9e3779b97f4a7c15ull;
	while ((opt = getopt(argc, argv, "l:d:r:s:t:")) != -1) {
		switch (opt) {
		case 'l': loss = (unsigned)(atof(optarg) * 100); break;
		case 'd': dup = (unsigned)(atof(optarg) * 100); break;
		case 'r': reorder = (unsigned)(atof(optarg) * 100); break;
		case 's': rng ^= strtoull(optarg, NULL, 10) * 0x2545f4914f6cdd1dull; break;
		case 't': seconds = (unsigned)atoi(optarg); break;
		default: return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: impair [-l %%] [-d %%] [-r %%] [-s seed] [-t s] TAP_A TAP_B\n");
		return 2;
	}
	for (i = 0; i < 2; i++) {
		ports[i].fd = open_tap(argv[optind + i]);
		if (ports[i].fd < 0) {
			fprintf(stderr, "impair: %s: %s\n", argv[optind + i], strerror(errno));
			return 1;
		}
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!stop && ms_since(&start) < (long)seconds * 1000) {
		struct pollfd pfd[2] = { { ports[0].fd, POLLIN, 0 }, { ports[1].fd, POLLIN, 0 } };

		if (poll(pfd, 2, HOLD_MS) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			struct port *to = &ports[1 - i];

			if (pfd[i].revents & POLLIN) {
				ssize_t n = read(ports[i].fd, frame, sizeof(frame));

				if (n > 0)
					forward(to, frame, n, loss, dup, reorder);
			}
			if (to->held_len > 0 && ms_since(&to->held_at) >= HOLD_MS)
				flush_held(to);
		}
	}
	fprintf(stderr, "impair: forwarded %lu dropped %lu duplicated %lu reordered %lu\n",
		n_fwd, n_drop, n_dup, n_reorder);
	return 0;
}
