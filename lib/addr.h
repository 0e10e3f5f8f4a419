/* Socket address helpers shared by the daemons. */
#ifndef PXEKIT_ADDR_H
#define PXEKIT_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* Longest text addr_ntop writes, with its NUL. */
#define ADDR_STRLEN 64

/* Splits "[address][:port]" as tftpd-hpa's -a takes it: "host", ":port",
 * "host:port", "[v6]", "[v6]:port". A bare IPv6 address is ambiguous with
 * the port and refused. Returns 0, or -1 with *err set. */
int addr_split_hostport(const char *spec, char *host, size_t hostlen,
			char *port, size_t portlen, const char **err);

/* Numeric text of the address alone (no port); "?" if unknown family. */
const char *addr_ntop(const struct sockaddr *sa, char *buf, size_t len);

/* Address bytes and count (4 or 16), or NULL for another family. */
const unsigned char *addr_bytes(const struct sockaddr *sa, size_t *len);

socklen_t addr_len(const struct sockaddr *sa);
unsigned addr_port(const struct sockaddr *sa);
void addr_set_port(struct sockaddr *sa, unsigned port);

/* An IPv4 client of a dual-stack IPv6 socket arrives as ::ffff:a.b.c.d:
 * for what depends on the address (its text, its bytes, its family),
 * returns it as the IPv4 address it is, kept in *buf (port included);
 * any other address is returned as it is. */
const struct sockaddr *addr_unmap_v4(const struct sockaddr *sa, struct sockaddr_storage *buf);

/* A caller's address as text (without the port), an IPv4 client of a
 * dual-stack socket shown as IPv4, as the admin wrote it in exports. */
const char *peer_ntop(const struct sockaddr *sa, char *buf, size_t len);

/* Same family, address and port. */
int addr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
