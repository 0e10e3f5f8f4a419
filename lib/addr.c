#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

static int copy_part(char *dst, size_t dstlen, const char *src, size_t n)
{
	if (n >= dstlen)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int addr_split_hostport(const char *spec, char *host, size_t hostlen,
			char *port, size_t portlen, const char **err)
{
	const char *host_start = spec, *host_end, *colon;

	if (spec[0] == '[') {
		host_start = spec + 1;
		host_end = strchr(host_start, ']');
		if (host_end == NULL) {
			*err = "missing ']' after IPv6 address";
			return -1;
		}
		colon = host_end + 1;
		if (*colon != '\0' && *colon != ':') {
			*err = "junk after ']'";
			return -1;
		}
		if (*colon == '\0')
			colon = NULL;
	} else {
		colon = strchr(spec, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			*err = "numeric IPv6 addresses must be enclosed in []";
			return -1;
		}
		host_end = colon ? colon : spec + strlen(spec);
	}
	if (copy_part(host, hostlen, host_start, (size_t)(host_end - host_start)) < 0 ||
	    copy_part(port, portlen, colon ? colon + 1 : "",
		      colon ? strlen(colon + 1) : 0) < 0) {
		*err = "address too long";
		return -1;
	}
	return 0;
}

const unsigned char *addr_bytes(const struct sockaddr *sa, size_t *len)
{
	switch (sa->sa_family) {
	case AF_INET:
		*len = 4;
		return (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
	case AF_INET6:
		*len = 16;
		return (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	default:
		*len = 0;
		return NULL;
	}
}

const char *addr_ntop(const struct sockaddr *sa, char *buf, size_t len)
{
	size_t n;
	const unsigned char *bytes = addr_bytes(sa, &n);

	if (bytes == NULL || inet_ntop(sa->sa_family, bytes, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

socklen_t addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in);
}

unsigned addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return ntohs(((const struct sockaddr_in *)sa)->sin_port);
}

void addr_set_port(struct sockaddr *sa, unsigned port)
{
	if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
}

int addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	size_t la, lb;
	const unsigned char *ba = addr_bytes(a, &la), *bb = addr_bytes(b, &lb);

	return a->sa_family == b->sa_family && ba != NULL && la == lb &&
	       memcmp(ba, bb, la) == 0 && addr_port(a) == addr_port(b);
}

const struct sockaddr *addr_unmap_v4(const struct sockaddr *sa, struct sockaddr_storage *buf)
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;
	struct sockaddr_in *a4 = (struct sockaddr_in *)buf;

	if (sa->sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr))
		return sa;
	memset(buf, 0, sizeof(*buf));
	a4->sin_family = AF_INET;
	a4->sin_port = a6->sin6_port;
	memcpy(&a4->sin_addr, &a6->sin6_addr.s6_addr[12], 4);
	return (const struct sockaddr *)buf;
}

const char *peer_ntop(const struct sockaddr *sa, char *buf, size_t len)
{
	struct sockaddr_storage u;

	return addr_ntop(addr_unmap_v4(sa, &u), buf, len);
}
