/* udp-sink: a name server that never answers. Binds ADDRESS:PORT (UDP)
 * and reads and discards every datagram for at most SECONDS, so that a
 * resolver pointed at it waits for its full timeout, as behind a
 * firewall that drops DNS.
 *
 *   udp-sink ADDRESS PORT SECONDS
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char buf[2048];
	time_t end;
	int fd;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
		return 2;
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	end = time(NULL) + atoi(argv[3]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("udp-sink");
		return 1;
	}
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 1000) > 0)
			(void)!recv(fd, buf, sizeof buf, 0);
	}
	return 0;
}
