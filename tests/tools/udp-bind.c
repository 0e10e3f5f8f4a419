/* udp-bind: tries to bind a UDP port, as the user it runs as, the way a
 * local attacker would take over a transfer's port.
 *
 *   udp-bind [-a] [-p] ADDRESS PORT
 *
 * -a sets SO_REUSEADDR, -p SO_REUSEPORT first. Prints "bound" and exits
 * 0, or prints the errno name (EADDRINUSE, ...) and exits 1. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST }, *res;
	int opt, on = 1, reuseaddr = 0, reuseport = 0, fd;

	while ((opt = getopt(argc, argv, "ap")) != -1) {
		if (opt == 'a')
			reuseaddr = 1;
		else if (opt == 'p')
			reuseport = 1;
		else
			return 2;
	}
	if (argc - optind != 2 || getaddrinfo(argv[optind], argv[optind + 1], &hints, &res) != 0) {
		fprintf(stderr, "usage: udp-bind [-a] [-p] ADDRESS PORT\n");
		return 2;
	}
	fd = socket(res->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    (reuseaddr && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0) ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		const char *name = strerrorname_np(errno);

		printf("%s\n", name ? name : strerror(errno));
		return 1;
	}
	printf("bound\n");
	return 0;
}
