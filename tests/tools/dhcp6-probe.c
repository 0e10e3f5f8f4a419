/* dhcp6-probe: one DHCPv6 Solicit (RFC 8415 section 18.2.1) from a
 * network-boot client, and what the Advertise said. Busybox has no
 * udhcpc6 on Debian, so the integration tests ask with this.
 *
 *   dhcp6-probe -i IFACE -m MAC [-a ARCH] [-V VENDOR] [-u USERCLASS] [-t SECONDS]
 *
 * Sends from port 546 to ff02::1:2 port 547 with a DUID-LL made from MAC,
 * an IA_NA, the ORO edk2's PXE and HTTP boot send (59 bootfile-url, 60
 * bootfile-param, 23 DNS, 16 vendor class: NetworkPkg HttpBootDhcp6.c),
 * option 61 (client arch, RFC 5970) when -a is given, vendor class 16
 * (enterprise 343, RFC 8415 21.16) and user class 15 when asked.
 * Prints, one per line: "address=...", "bootfile-url=...", "vendor=...",
 * "dns=...". Exit 0 on an Advertise, 1 on none, 2 on usage errors. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	SOLICIT = 1, ADVERTISE = 2,
	OPT_CLIENTID = 1, OPT_SERVERID = 2, OPT_IA_NA = 3, OPT_IAADDR = 5, OPT_ORO = 6,
	OPT_ELAPSED = 8, OPT_USER_CLASS = 15, OPT_VENDOR_CLASS = 16, OPT_DNS = 23,
	OPT_BOOTFILE_URL = 59, OPT_BOOTFILE_PARAM = 60, OPT_CLIENT_ARCH = 61,
};

struct pkt {
	uint8_t b[1500];
	size_t n;
};

static void put(struct pkt *p, const void *data, size_t len)
{
	if (p->n + len <= sizeof p->b) {
		memcpy(p->b + p->n, data, len);
		p->n += len;
	}
}

static void put16(struct pkt *p, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(p, b, 2);
}

static void put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static void opt(struct pkt *p, unsigned code, const void *data, size_t len)
{
	put16(p, code);
	put16(p, (unsigned)len);
	put(p, data, len);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static void solicit(struct pkt *p, const uint8_t mac[6], long arch, const char *vendor,
		    const char *user)
{
	uint8_t duid[10] = { 0, 3, 0, 1 };	/* DUID-LL, Ethernet */
	struct pkt sub = { .n = 0 };

	memcpy(duid + 4, mac, 6);
	p->b[0] = SOLICIT;
	p->b[1] = (uint8_t)rand();
	p->b[2] = (uint8_t)rand();
	p->b[3] = (uint8_t)rand();
	p->n = 4;
	opt(p, OPT_CLIENTID, duid, sizeof duid);
	put32(&sub, 0x70786b31);	/* IAID */
	put32(&sub, 0);
	put32(&sub, 0);
	opt(p, OPT_IA_NA, sub.b, sub.n);
	sub.n = 0;
	put16(&sub, OPT_BOOTFILE_URL);
	put16(&sub, OPT_BOOTFILE_PARAM);
	put16(&sub, OPT_DNS);
	put16(&sub, OPT_VENDOR_CLASS);
	opt(p, OPT_ORO, sub.b, sub.n);
	sub.n = 0;
	put16(&sub, 0);
	opt(p, OPT_ELAPSED, sub.b, sub.n);
	if (arch >= 0) {
		sub.n = 0;
		put16(&sub, (unsigned)arch);
		opt(p, OPT_CLIENT_ARCH, sub.b, sub.n);
	}
	if (vendor) {
		sub.n = 0;
		put32(&sub, 343);
		put16(&sub, (unsigned)strlen(vendor));
		put(&sub, vendor, strlen(vendor));
		opt(p, OPT_VENDOR_CLASS, sub.b, sub.n);
	}
	if (user) {
		sub.n = 0;
		put16(&sub, (unsigned)strlen(user));
		put(&sub, user, strlen(user));
		opt(p, OPT_USER_CLASS, sub.b, sub.n);
	}
}

static unsigned get16(const uint8_t *b)
{
	return (unsigned)b[0] << 8 | b[1];
}

/* Prints the options of one message (or IA_NA body) from b[0..len). */
static void show(const uint8_t *b, size_t len)
{
	char text[INET6_ADDRSTRLEN];

	while (len >= 4) {
		unsigned code = get16(b), olen = get16(b + 2);

		if (olen > len - 4)
			return;
		if (code == OPT_BOOTFILE_URL)
			printf("bootfile-url=%.*s\n", (int)olen, (const char *)b + 4);
		else if (code == OPT_VENDOR_CLASS && olen >= 6)
			printf("vendor=%u:%.*s\n", (unsigned)(get16(b + 4) << 16 | get16(b + 6)),
			       (int)(olen - 6), (const char *)b + 10);
		else if (code == OPT_IA_NA && olen >= 12)
			show(b + 16, olen - 12);
		else if (code == OPT_IAADDR && olen >= 24)
			printf("address=%s\n", inet_ntop(AF_INET6, b + 4, text, sizeof text));
		for (unsigned i = 0; code == OPT_DNS && i + 16 <= olen; i += 16)
			printf("dns=%s\n", inet_ntop(AF_INET6, b + 4 + i, text, sizeof text));
		b += 4 + olen;
		len -= 4 + olen;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: dhcp6-probe -i IFACE -m MAC [-a ARCH] [-V VENDOR] [-u USERCLASS] [-t SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *iface = NULL, *vendor = NULL, *user = NULL;
	struct sockaddr_in6 me = { .sin6_family = AF_INET6, .sin6_port = htons(546) };
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(547) };
	uint8_t mac[6] = { 0 };
	long arch = -1, seconds = 4;
	struct pkt p = { .n = 0 };
	int c, fd, one = 1;
	while ((c = getopt(argc, argv, "i:m:a:V:u:t:")) != -1) {
		switch (c) {
		case 'i': iface = optarg; break;
		case 'm': if (parse_mac(optarg, mac) < 0) usage(); break;
		case 'a': arch = strtol(optarg, NULL, 0); break;
		case 'V': vendor = optarg; break;
		case 'u': user = optarg; break;
		case 't': seconds = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (!iface || arch > 65535 || seconds < 1 || seconds > 60)
		usage();
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface)) < 0 ||
	    bind(fd, (struct sockaddr *)&me, sizeof me) < 0) {
		perror("dhcp6-probe: socket");
		return 2;
	}
	inet_pton(AF_INET6, "ff02::1:2", &to.sin6_addr);
	to.sin6_scope_id = if_nametoindex(iface);
	solicit(&p, mac, arch, vendor, user);
	/* Once a second until an Advertise for this transaction comes. */
	for (long t = 0; t < seconds; t++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		time_t end = time(NULL) + 1;

		if (sendto(fd, p.b, p.n, 0, (struct sockaddr *)&to, sizeof to) < 0) {
			perror("dhcp6-probe: sendto");
			return 2;
		}
		while (poll(&pfd, 1, 1000) > 0) {
			uint8_t r[1500];
			ssize_t n = recv(fd, r, sizeof r, 0);

			if (n >= 4 && r[0] == ADVERTISE && memcmp(r + 1, p.b + 1, 3) == 0) {
				show(r + 4, (size_t)n - 4);
				return fflush(stdout) == 0 ? 0 : 2;
			}
			if (time(NULL) >= end)
				break;
		}
	}
	fprintf(stderr, "dhcp6-probe: no Advertise on %s\n", iface);
	return 1;
}
