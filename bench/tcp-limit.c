/* tcp-limit: the loopback TCP stream rate on this machine, the ceiling
 * for an NFS READ stream: one process sends COUNT MiB in 1 MiB writes,
 * the other reads them; prints MB/s. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1024;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0), c;
	static char buf[CHUNK];
	struct timespec t0, t1;
	long long got = 0;

	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0)
		return 1;
	if (fork() == 0) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&a, sizeof a) < 0)
			_exit(1);
		for (long i = 0; i < mib; i++)
			for (size_t off = 0; off < CHUNK;) {
				ssize_t n = write(s, buf + off, CHUNK - off);
				if (n <= 0)
					_exit(1);
				off += (size_t)n;
			}
		_exit(0);
	}
	c = accept(l, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (ssize_t n; (n = read(c, buf, CHUNK)) > 0;)
		got += n;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wait(NULL);
	printf("%.0f\n", got / 1e6 / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9));
	return got == (long long)mib * CHUNK ? 0 : 1;
}
