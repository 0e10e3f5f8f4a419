/* conn-flood: many TCP connections to one server from one source address,
 * held open idle or each with an unfinished RPC record, as a hostile host
 * would. Prints "connected=N" once they are up, holds them for SECONDS,
 * then prints "open=K": how many the server had not closed.
 *
 *   conn-flood [-s SRC] [-m MARKLEN -p BYTES] HOST PORT N SECONDS
 *
 * -m claims a record fragment of MARKLEN bytes and -p sends BYTES of it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM }, *ai;
	const char *src = NULL;
	unsigned long marklen = 0, partial = 0;
	struct rlimit rl;
	int opt, n, seconds, *fds, connected = 0, open = 0;
	char *junk;

	while ((opt = getopt(argc, argv, "s:m:p:")) != -1) {
		if (opt == 's')
			src = optarg;
		else if (opt == 'm')
			marklen = strtoul(optarg, NULL, 0);
		else if (opt == 'p')
			partial = strtoul(optarg, NULL, 0);
		else
			return 2;
	}
	if (argc - optind != 4)
		return 2;
	n = atoi(argv[optind + 2]);
	seconds = atoi(argv[optind + 3]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getaddrinfo(argv[optind], argv[optind + 1], &hints, &ai) != 0)
		return 2;
	fds = calloc((size_t)n, sizeof *fds);
	junk = calloc(1, partial + 4);
	if (fds == NULL || junk == NULL)
		return 2;
	junk[0] = (char)(0x80 | (marklen >> 24));
	junk[1] = (char)(marklen >> 16);
	junk[2] = (char)(marklen >> 8);
	junk[3] = (char)marklen;
	for (int i = 0; i < n; i++) {
		struct sockaddr_storage s = { .ss_family = (sa_family_t)ai->ai_family };

		fds[i] = socket(ai->ai_family, SOCK_STREAM, 0);
		if (fds[i] < 0) {
			perror("socket");
			return 1;
		}
		if (src)
			inet_pton(ai->ai_family, src, ai->ai_family == AF_INET6 ?
				  (void *)&((struct sockaddr_in6 *)&s)->sin6_addr :
				  (void *)&((struct sockaddr_in *)&s)->sin_addr);
		if (src && bind(fds[i], (struct sockaddr *)&s, ai->ai_addrlen) < 0) {
			perror("bind");
			return 1;
		}
		if (connect(fds[i], ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fds[i]);
			fds[i] = -1;
			continue;
		}
		connected++;
		if (marklen && send(fds[i], junk, partial + 4, MSG_NOSIGNAL) < 0) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	printf("connected=%d\n", connected);
	fflush(stdout);
	sleep((unsigned)seconds);
	for (int i = 0; i < n; i++) {
		char c;

		if (fds[i] < 0)
			continue;
		/* closed by the server: end of file or a reset */
		if (recv(fds[i], &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN)
			open++;
		close(fds[i]);
	}
	printf("open=%d\n", open);
	return 0;
}
