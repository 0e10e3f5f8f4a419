/* The listening sockets (port 69), read by whoever takes requests: the
 * listening process, or the one worker that takes them itself
 * (worker.h). Receives a request with the address it came to, and
 * answers a malformed one from the listening socket. */
#ifndef TFTPD_LISTEN_H
#define TFTPD_LISTEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "packet.h"

/* Listening sockets at most (-a addresses, or passed by systemd). */
#define MAX_LISTEN_FDS 16

/* Once per listening socket: asks for the packet info of what comes to
 * it and fills *bound with its address (port 0). */
void listen_prepare(int fd, struct sockaddr_storage *bound);

/* Receives one datagram, without waiting, with the local address it
 * was sent to: the socket's own address refined by the packet info, so
 * a multi-homed server answers from the address it was asked on.
 * Returns its length (MSG_TRUNC: maybe more than size), or -1. */
ssize_t listen_receive(int fd, const struct sockaddr_storage *bound, uint8_t *buf, size_t size,
		       struct sockaddr_storage *from, struct sockaddr_storage *local);

/* Whether buf holds a request (parsed into *req); a malformed one gets
 * its ERROR from fd, or nothing if it was an ERROR itself. */
int listen_parse(int fd, const uint8_t *buf, size_t n, const struct sockaddr_storage *from,
		 struct tftp_request *req);

#endif
