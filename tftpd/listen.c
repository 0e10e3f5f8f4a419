#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "addr.h"
#include "listen.h"
#include "log.h"
#include "transfer.h"

void listen_prepare(int fd, struct sockaddr_storage *bound)
{
	int on = 1;
	socklen_t len = sizeof(*bound);

	memset(bound, 0, sizeof(*bound));
	if (getsockname(fd, (struct sockaddr *)bound, &len) < 0)
		return;
	addr_set_port((struct sockaddr *)bound, 0);
	if (bound->ss_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
		/* A dual-stack socket from inetd also sees IPv4 packets. */
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	}
}

ssize_t listen_receive(int fd, const struct sockaddr_storage *bound, uint8_t *buf, size_t size,
		       struct sockaddr_storage *from, struct sockaddr_storage *local)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
	} control;
	struct iovec iov = { buf, size };
	struct msghdr msg = {
		.msg_name = from, .msg_namelen = sizeof(*from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0)
		return n;
	*local = *bound;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    local->ss_family == AF_INET) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_spec_dst;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   local->ss_family == AF_INET6) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *l6 = (struct sockaddr_in6 *)local;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			l6->sin6_addr = pi.ipi6_addr;
			l6->sin6_scope_id = IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr) ? pi.ipi6_ifindex : 0;
		}
	}
	return n;
}

int listen_parse(int fd, const uint8_t *buf, size_t n, const struct sockaddr_storage *from,
		 struct tftp_request *req)
{
	const char *errmsg = NULL;
	char text[ADDR_STRLEN];
	struct sockaddr_storage u;
	int rc = tftp_parse_request(buf, n, req, &errmsg);

	if (rc == 0)
		return 1;
	if (log_verbose(1))
		logmsg(LOG_NOTICE, "malformed request (%zu bytes, %s) from %s: %s", n,
		       tftp_opcode_name(n >= 2 ? (unsigned)(buf[0] << 8 | buf[1]) : 0),
		       addr_ntop(addr_unmap_v4((const struct sockaddr *)from, &u), text,
				 sizeof(text)),
		       rc < 0 ? "ignored" : errmsg);
	if (rc > 0)
		transfer_send_error(fd, (const struct sockaddr *)from, (enum tftp_error)rc, errmsg);
	return 0;
}
